//! Chat completion chunks → Responses events: a pure state machine.
//!
//! Feed it `start()`, then every parsed `data:` chunk, then one `finish(..)`. Each call returns the
//! Responses events (JSON objects with a `type`) to send, in order. The server uses the `*_into` /
//! [`StreamMachine::push_data`] twins, which take the raw `data:` text and write SSE frames.

use serde_json::{json, Value};

use super::events::{self as ev, ResponseHead};
use super::reasoning::encode_reasoning;
use super::schema::streamed_arguments;
use super::think_tags::{Piece, PieceKind, ThinkSplitter};
use super::{ToolNameMap, ToolOrigin};
use chunk::{Chunk, Delta, ToolFragment};
use sink::{DeltaFrame, DeltaKind, Sink};

pub use super::events::{sse_frame, write_sse_frame};
pub use sink::SseOut;

mod chunk;
mod sink;
pub mod sse_in;

/// What the machine needs to know up front.
#[derive(Clone, Debug)]
pub struct StreamStart {
    /// `resp_…` id used in every event and in `response.completed`.
    pub response_id: String,
    /// The model name Codex sent (echoed back in the response object).
    pub client_model: String,
    /// Unix seconds.
    pub created_at: i64,
    pub tool_names: ToolNameMap,
    /// Split `<think>…</think>` out of `content` (profile quirk).
    pub think_tags: bool,
}

/// How the upstream stream ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StreamEnd {
    /// `data: [DONE]` was seen.
    Done,
    /// The connection closed (cleanly) without `[DONE]`.
    Eof,
    /// The transport or upstream failed; `code` is a Responses error code
    /// (`server_error`, `rate_limit_exceeded`, `context_length_exceeded`, …).
    Failed { code: String, message: String },
}

/// Token counts as Codex wants them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    pub input_tokens: u64,
    pub cached_tokens: u64,
    pub output_tokens: u64,
    pub reasoning_tokens: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Idle,
    Running,
    Finished,
}

/// An open reasoning or message item.
#[derive(Debug)]
struct OpenText {
    /// Id, output index and the pre-rendered delta frame.
    item: DeltaFrame,
    text: String,
}

/// The part of a tool call known once its name arrived and `output_item.added` went out.
#[derive(Debug)]
struct Announced {
    /// Id, output index and the pre-rendered arguments delta frame.
    item: DeltaFrame,
    origin: ToolOrigin,
    namespace: Option<String>,
}

#[derive(Debug)]
struct ToolCall {
    upstream_index: u64,
    call_id: String,
    name: String,
    arguments: String,
    announced: Option<Announced>,
}

/// The translation state of one response.
#[derive(Debug)]
pub struct StreamMachine {
    start: StreamStart,
    /// `response_id` without `resp_`, shared by the item ids.
    id_suffix: String,
    phase: Phase,
    /// Done items by `output_index` (`None` while open, or if never closed).
    done: Vec<Option<Value>>,
    reasoning: Option<OpenText>,
    message: Option<OpenText>,
    /// Whitespace seen while no message is open; only becomes text if real text follows.
    pending_ws: String,
    calls: Vec<ToolCall>,
    think: Option<ThinkSplitter>,
    usage: Option<Usage>,
    finish_reason: Option<String>,
    /// `(code, message)` of an upstream error seen in the stream.
    error: Option<(String, String)>,
    final_response: Option<Value>,
}

impl StreamMachine {
    pub fn new(start: StreamStart) -> Self {
        let id = &start.response_id;
        let id_suffix = id.strip_prefix("resp_").unwrap_or(id).to_string();
        let think = start.think_tags.then(ThinkSplitter::new);
        StreamMachine {
            start,
            id_suffix,
            phase: Phase::Idle,
            done: Vec::new(),
            reasoning: None,
            message: None,
            pending_ws: String::new(),
            calls: Vec::new(),
            think,
            usage: None,
            finish_reason: None,
            error: None,
            final_response: None,
        }
    }

    /// `response.created` and `response.in_progress`.
    pub fn start(&mut self) -> Vec<Value> {
        let mut out = Vec::new();
        self.ensure_started(&mut Sink::Values(&mut out));
        out
    }

    /// [`start`](Self::start), written as SSE frames.
    pub fn start_into(&mut self, out: &mut SseOut) {
        self.ensure_started(&mut Sink::Sse(out));
    }

    /// One chat chunk (the JSON of one `data:` line).
    pub fn push_chunk(&mut self, chunk: &Value) -> Vec<Value> {
        let mut out = Vec::new();
        self.push_value(chunk, &mut Sink::Values(&mut out));
        out
    }

    /// One `data:` payload, its events written as SSE frames: [`push_chunk`](Self::push_chunk) without
    /// the `Value`s for the common chunk shape. An error (and no events) when it is not JSON.
    pub fn push_data(&mut self, data: &str, out: &mut SseOut) -> Result<(), serde_json::Error> {
        self.push_data_to(data, &mut Sink::Sse(out))
    }

    fn push_data_to(&mut self, data: &str, out: &mut Sink<'_>) -> Result<(), serde_json::Error> {
        match Chunk::parse(data) {
            Some(chunk) if self.accepts_chunks() => {
                self.ensure_started(out);
                self.apply(&chunk, out);
            }
            Some(_) => {}
            None => self.push_value(&serde_json::from_str(data)?, out),
        }
        Ok(())
    }

    /// After an upstream error nothing more may reach Codex before `response.failed`.
    fn accepts_chunks(&self) -> bool {
        self.phase != Phase::Finished && self.error.is_none()
    }

    fn push_value(&mut self, chunk: &Value, out: &mut Sink<'_>) {
        if !self.accepts_chunks() {
            return;
        }
        self.ensure_started(out);
        if let Some(err) = chunk.get("error").filter(|e| !e.is_null()) {
            self.error = Some(ev::error_from_chunk(err));
            return;
        }
        if let Some(err) = ev::base_resp_error(chunk) {
            self.error = Some(err);
            return;
        }
        self.apply(&Chunk::from_value(chunk), out);
    }

    fn apply(&mut self, chunk: &Chunk<'_>, out: &mut Sink<'_>) {
        self.record_usage(chunk.usage);
        // Codex asks for one completion; extra choices (n > 1) are not ours to merge.
        for choice in chunk.choices.iter().filter(|c| c.index.unwrap_or(0) == 0) {
            // Moonshot puts the final usage inside the choice.
            self.record_usage(choice.usage);
            if let Some(delta) = &choice.delta {
                self.push_delta(delta, out);
            }
            let reason = choice.finish_reason.as_deref();
            self.error = match reason {
                None | Some("") => None,
                Some("error") => Some(("server_error", "finish_reason \"error\"")),
                // DeepSeek's way of saying it is overloaded mid-answer.
                Some("insufficient_system_resource") => {
                    Some(("server_is_overloaded", "insufficient system resource"))
                }
                Some(r) => {
                    self.finish_reason = Some(r.to_string());
                    None
                }
            }
            .map(|(code, why)| (code.into(), format!("the upstream stopped: {why}")));
        }
    }

    /// Closes open items and emits the terminal event (`response.completed`, `.incomplete` or `.failed`).
    pub fn finish(&mut self, end: StreamEnd) -> Vec<Value> {
        let mut out = Vec::new();
        self.finish_to(end, &mut Sink::Values(&mut out));
        out
    }

    /// [`finish`](Self::finish), written as SSE frames.
    pub fn finish_into(&mut self, end: StreamEnd, out: &mut SseOut) {
        self.finish_to(end, &mut Sink::Sse(out));
    }

    fn finish_to(&mut self, end: StreamEnd, out: &mut Sink<'_>) {
        if self.phase == Phase::Finished {
            return;
        }
        self.ensure_started(out);
        self.phase = Phase::Finished;
        let failure = match (self.error.take(), end) {
            (Some(err), _) => Some(err),
            (None, StreamEnd::Failed { code, message }) => Some((code, message)),
            (None, StreamEnd::Eof) if self.finish_reason.is_none() => Some((
                "server_error".into(),
                "the upstream stream ended before the response finished (no finish_reason, no \
                 [DONE]): the connection was cut"
                    .into(),
            )),
            (None, _) => None,
        };
        let (kind, status, error, incomplete) = match failure {
            // Open items are dropped: a partial item must not enter Codex's history.
            Some((code, message)) => (
                "response.failed",
                "failed",
                json!({"code": code, "message": message}),
                Value::Null,
            ),
            None => {
                self.flush_think(out);
                self.close_all(out);
                let reason = match self.finish_reason.as_deref() {
                    Some("length") => Some("max_output_tokens"),
                    Some("content_filter") => Some("content_filter"),
                    _ => None,
                };
                match reason {
                    Some(r) => (
                        "response.incomplete",
                        "incomplete",
                        Value::Null,
                        json!({ "reason": r }),
                    ),
                    None => ("response.completed", "completed", Value::Null, Value::Null),
                }
            }
        };
        let output: Vec<Value> = self.done.drain(..).flatten().collect();
        let usage = self.usage.map_or(Value::Null, |u| u.to_json());
        let response = ev::response_object(self.head(), status, output, error, incomplete, usage);
        out.lifecycle(kind, &response);
        self.final_response = Some(response);
    }

    /// Usage reported so far.
    pub fn usage(&self) -> Option<Usage> {
        self.usage
    }

    /// The final response object (the `response` of the terminal event), once `finish` ran.
    pub fn final_response(&self) -> Option<&Value> {
        self.final_response.as_ref()
    }

    /// The last `finish_reason` the upstream sent.
    pub fn finish_reason(&self) -> Option<&str> {
        self.finish_reason.as_deref()
    }

    pub fn is_finished(&self) -> bool {
        self.phase == Phase::Finished
    }

    fn head(&self) -> ResponseHead<'_> {
        let s = &self.start;
        ResponseHead {
            id: &s.response_id,
            created_at: s.created_at,
            model: &s.client_model,
        }
    }

    fn ensure_started(&mut self, out: &mut Sink<'_>) {
        if self.phase != Phase::Idle {
            return;
        }
        self.phase = Phase::Running;
        for kind in ["response.created", "response.in_progress"] {
            let (n, head) = (Value::Null, self.head());
            let r = ev::response_object(head, "in_progress", vec![], n.clone(), n.clone(), n);
            out.lifecycle(kind, &r);
        }
    }

    fn record_usage(&mut self, usage: Option<Usage>) {
        if usage.is_some() {
            self.usage = usage;
        }
    }

    fn push_delta(&mut self, delta: &Delta<'_>, out: &mut Sink<'_>) {
        // `reasoning` is the newer vLLM / OpenRouter spelling.
        let reasoning = [&delta.reasoning_content, &delta.reasoning]
            .into_iter()
            .filter_map(|r| r.as_deref())
            .find(|s| !s.is_empty());
        if let Some(r) = reasoning {
            self.on_reasoning(r, out);
        }
        if let Some(content) = delta.content.as_deref() {
            match self.think.as_mut() {
                Some(splitter) => {
                    let pieces = splitter.push(content);
                    self.on_pieces(pieces, out);
                }
                None => self.on_text(content, out),
            }
        }
        for call in &delta.tool_calls {
            self.on_tool_fragment(call, out);
        }
    }

    fn on_pieces(&mut self, pieces: Vec<Piece>, out: &mut Sink<'_>) {
        for p in pieces {
            match p.kind {
                PieceKind::Reasoning => self.on_reasoning(&p.text, out),
                PieceKind::Text => self.on_text(&p.text, out),
            }
        }
    }

    fn flush_think(&mut self, out: &mut Sink<'_>) {
        if let Some(pieces) = self.think.as_mut().map(ThinkSplitter::finish) {
            self.on_pieces(pieces, out);
        }
    }

    /// Assigns the next `output_index` and the item id for it.
    fn open_item(&mut self, prefix: &str) -> (String, usize) {
        let output_index = self.done.len();
        self.done.push(None);
        (
            format!("{prefix}_{}_{output_index}", self.id_suffix),
            output_index,
        )
    }

    fn on_reasoning(&mut self, text: &str, out: &mut Sink<'_>) {
        if text.is_empty() {
            return;
        }
        self.close_message(out);
        let r = match self.reasoning.take() {
            Some(r) => r,
            None => {
                let (id, oi) = self.open_item("rs");
                out.push(ev::item_added(oi, ev::reasoning_item(&id)));
                let kind = "response.reasoning_summary_part.added";
                out.push(ev::summary_part(kind, &id, oi, ""));
                OpenText {
                    item: DeltaFrame::new(DeltaKind::SummaryText, id, oi),
                    text: String::new(),
                }
            }
        };
        out.delta(&r.item, text);
        let r = self.reasoning.insert(r);
        r.text.push_str(text);
    }

    fn on_text(&mut self, text: &str, out: &mut Sink<'_>) {
        if let Some(m) = self.message.as_mut() {
            if !text.is_empty() {
                out.delta(&m.item, text);
                m.text.push_str(text);
            }
            return;
        }
        // MiniMax sends "\n\n" before tool calls; that alone must not become a message.
        if text.trim().is_empty() {
            self.pending_ws.push_str(text);
            return;
        }
        self.close_reasoning(out);
        let (id, oi) = self.open_item("msg");
        out.push(ev::item_added(oi, ev::message_item(&id)));
        out.push(ev::content_part("response.content_part.added", &id, oi, ""));
        let mut buf = std::mem::take(&mut self.pending_ws);
        buf.push_str(text);
        let item = DeltaFrame::new(DeltaKind::OutputText, id, oi);
        out.delta(&item, &buf);
        self.message = Some(OpenText { item, text: buf });
    }

    fn on_tool_fragment(&mut self, frag: &ToolFragment<'_>, out: &mut Sink<'_>) {
        let upstream_id = frag.id.as_deref().filter(|s| !s.is_empty());
        let pos = self.find_call(frag.index, upstream_id);
        let name = frag.name.as_deref().unwrap_or("");
        let args = frag.arguments.as_deref().unwrap_or("");
        let call = &mut self.calls[pos];
        if call.name.is_empty() {
            call.name.push_str(name);
        }
        call.arguments.push_str(args);
        match &call.announced {
            // The item type (function vs custom) depends on the name: buffer until it is known.
            None if !call.name.is_empty() => self.announce(pos, out),
            // Custom tool input is only known once the JSON completes; it is sent at close.
            Some(a) if !args.is_empty() && !matches!(a.origin, ToolOrigin::Custom { .. }) => {
                out.delta(&a.item, args);
            }
            _ => {}
        }
    }

    /// Position in `calls` of the call a fragment belongs to, creating it when new. Servers that omit
    /// `index` are matched by id, or continue the last call.
    fn find_call(&mut self, index: Option<u64>, upstream_id: Option<&str>) -> usize {
        let found = match (index, upstream_id) {
            (Some(i), _) => self.calls.iter().position(|c| c.upstream_index == i),
            (None, Some(id)) => self.calls.iter().position(|c| c.call_id == id),
            (None, None) => self.calls.len().checked_sub(1),
        };
        if let Some(pos) = found {
            return pos;
        }
        let n = self.calls.len();
        let call_id = match upstream_id {
            Some(id) => id.to_string(),
            None => format!("call_{}_{n}", self.id_suffix),
        };
        self.calls.push(ToolCall {
            upstream_index: index.unwrap_or(n as u64),
            call_id,
            name: String::new(),
            arguments: String::new(),
            announced: None,
        });
        n
    }

    fn announce(&mut self, pos: usize, out: &mut Sink<'_>) {
        self.close_reasoning(out);
        self.close_message(out);
        self.pending_ws.clear();
        let origin = self.start.tool_names.resolve(&self.calls[pos].name);
        let custom = matches!(origin, ToolOrigin::Custom { .. });
        let (id, oi) = self.open_item(if custom { "ctc" } else { "fc" });
        let call = &self.calls[pos];
        let namespace = self
            .start
            .tool_names
            .namespace(&call.name)
            .map(str::to_string);
        let ns = namespace.as_deref();
        let item = ev::tool_call_item(&origin, ns, &id, &call.call_id, "", "in_progress");
        out.push(ev::item_added(oi, item));
        let item = DeltaFrame::new(DeltaKind::Arguments, id, oi);
        if !custom && !call.arguments.is_empty() {
            out.delta(&item, &call.arguments);
        }
        self.calls[pos].announced = Some(Announced {
            item,
            origin,
            namespace,
        });
    }

    fn close_reasoning(&mut self, out: &mut Sink<'_>) {
        let Some(r) = self.reasoning.take() else {
            return;
        };
        let (id, oi, text) = (&r.item.id, r.item.output_index, &r.text);
        out.push(ev::summary_text_done(id, oi, text));
        out.push(ev::summary_part(
            "response.reasoning_summary_part.done",
            id,
            oi,
            text,
        ));
        let item = ev::reasoning_item_done(id, text, encode_reasoning(text));
        self.store_done(oi, item, out);
    }

    fn close_message(&mut self, out: &mut Sink<'_>) {
        let Some(m) = self.message.take() else { return };
        let (id, oi, text) = (&m.item.id, m.item.output_index, &m.text);
        out.push(ev::output_text_done(id, oi, text));
        out.push(ev::content_part("response.content_part.done", id, oi, text));
        self.store_done(oi, ev::message_item_done(id, text), out);
    }

    fn close_call(&mut self, pos: usize, out: &mut Sink<'_>) {
        if self.calls[pos].announced.is_none() {
            // A call whose name never arrived: still an item, so the model hears back about it.
            self.announce(pos, out);
        }
        let call = &self.calls[pos];
        let Some(a) = call.announced.as_ref() else {
            return;
        };
        let (id, oi) = (&a.item.id, a.item.output_index);
        let payload = if matches!(a.origin, ToolOrigin::Custom { .. }) {
            let input = ev::custom_input(&call.arguments);
            out.push(ev::custom_input_delta(id, oi, &input));
            out.push(ev::custom_input_done(id, oi, &input));
            input
        } else {
            let args = streamed_arguments(&call.arguments);
            out.push(ev::args_done(id, oi, &args));
            args
        };
        let ns = a.namespace.as_deref();
        let item = ev::tool_call_item(&a.origin, ns, id, &call.call_id, &payload, "completed");
        self.store_done(oi, item, out);
    }

    /// Closes everything still open, in output order (text that came after a tool call has a
    /// higher index than the call).
    fn close_all(&mut self, out: &mut Sink<'_>) {
        self.pending_ws.clear();
        const REASONING: usize = usize::MAX;
        const MESSAGE: usize = usize::MAX - 1;
        let mut order: Vec<(usize, usize)> = Vec::with_capacity(self.calls.len() + 2);
        order.extend(
            self.reasoning
                .as_ref()
                .map(|r| (r.item.output_index, REASONING)),
        );
        order.extend(
            self.message
                .as_ref()
                .map(|m| (m.item.output_index, MESSAGE)),
        );
        for (pos, c) in self.calls.iter().enumerate() {
            // Unannounced calls get their index when announced, i.e. after everything else.
            order.push((
                c.announced
                    .as_ref()
                    .map_or(usize::MAX, |a| a.item.output_index),
                pos,
            ));
        }
        order.sort_unstable();
        for (_, what) in order {
            match what {
                REASONING => self.close_reasoning(out),
                MESSAGE => self.close_message(out),
                pos => self.close_call(pos, out),
            }
        }
    }

    fn store_done(&mut self, output_index: usize, item: Value, out: &mut Sink<'_>) {
        out.item_done(output_index, &item);
        if let Some(slot) = self.done.get_mut(output_index) {
            *slot = Some(item);
        }
    }
}

#[cfg(test)]
mod tests;
