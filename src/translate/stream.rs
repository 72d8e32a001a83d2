//! Chat completion chunks → Responses events: a pure state machine.
//!
//! Feed it `start()`, then every parsed `data:` chunk, then one `finish(..)`. Each call returns the
//! Responses events (JSON objects with a `type`) to send, in order.

use serde_json::{json, Value};

use super::events::{self as ev, ResponseHead};
use super::reasoning::encode_reasoning;
use super::think_tags::{Piece, PieceKind, ThinkSplitter};
use super::{ToolNameMap, ToolOrigin};

pub use super::events::{sse_frame, write_sse_frame};

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
    id: String,
    output_index: usize,
    text: String,
}

/// The part of a tool call known once its name arrived and `output_item.added` went out.
#[derive(Debug)]
struct Announced {
    id: String,
    output_index: usize,
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
        self.ensure_started(&mut out);
        out
    }

    /// One chat chunk (the JSON of one `data:` line).
    pub fn push_chunk(&mut self, chunk: &Value) -> Vec<Value> {
        let mut out = Vec::new();
        // After an upstream error nothing more may reach Codex before `response.failed`.
        if self.phase == Phase::Finished || self.error.is_some() {
            return out;
        }
        self.ensure_started(&mut out);
        if let Some(err) = chunk.get("error").filter(|e| !e.is_null()) {
            self.error = Some(ev::error_from_chunk(err));
            return out;
        }
        if let Some(err) = ev::base_resp_error(chunk) {
            self.error = Some(err);
            return out;
        }
        self.record_usage(chunk.get("usage"));
        let choices = chunk.get("choices").and_then(Value::as_array);
        // Codex asks for one completion; extra choices (n > 1) are not ours to merge.
        let first = |c: &&Value| c.get("index").and_then(Value::as_u64).unwrap_or(0) == 0;
        for choice in choices.into_iter().flatten().filter(first) {
            // Moonshot puts the final usage inside the choice.
            self.record_usage(choice.get("usage"));
            if let Some(delta) = choice.get("delta") {
                self.push_delta(delta, &mut out);
            }
            let reason = choice.get("finish_reason").and_then(Value::as_str);
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
        out
    }

    /// Closes open items and emits the terminal event (`response.completed`, `.incomplete` or `.failed`).
    pub fn finish(&mut self, end: StreamEnd) -> Vec<Value> {
        let mut out = Vec::new();
        if self.phase == Phase::Finished {
            return out;
        }
        self.ensure_started(&mut out);
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
                self.flush_think(&mut out);
                self.close_all(&mut out);
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
        out.push(ev::lifecycle(kind, response.clone()));
        self.final_response = Some(response);
        out
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

    fn ensure_started(&mut self, out: &mut Vec<Value>) {
        if self.phase != Phase::Idle {
            return;
        }
        self.phase = Phase::Running;
        for kind in ["response.created", "response.in_progress"] {
            let (n, head) = (Value::Null, self.head());
            let r = ev::response_object(head, "in_progress", vec![], n.clone(), n.clone(), n);
            out.push(ev::lifecycle(kind, r));
        }
    }

    fn record_usage(&mut self, usage: Option<&Value>) {
        if let Some(u) = usage.and_then(ev::parse_usage) {
            self.usage = Some(u);
        }
    }

    fn push_delta(&mut self, delta: &Value, out: &mut Vec<Value>) {
        // `reasoning` is the newer vLLM / OpenRouter spelling.
        let reasoning = ["reasoning_content", "reasoning"]
            .iter()
            .filter_map(|k| delta.get(*k).and_then(Value::as_str))
            .find(|s| !s.is_empty());
        if let Some(r) = reasoning {
            self.on_reasoning(r, out);
        }
        if let Some(content) = delta.get("content").and_then(Value::as_str) {
            match self.think.as_mut() {
                Some(splitter) => {
                    let pieces = splitter.push(content);
                    self.on_pieces(pieces, out);
                }
                None => self.on_text(content, out),
            }
        }
        for call in delta
            .get("tool_calls")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            self.on_tool_fragment(call, out);
        }
    }

    fn on_pieces(&mut self, pieces: Vec<Piece>, out: &mut Vec<Value>) {
        for p in pieces {
            match p.kind {
                PieceKind::Reasoning => self.on_reasoning(&p.text, out),
                PieceKind::Text => self.on_text(&p.text, out),
            }
        }
    }

    fn flush_think(&mut self, out: &mut Vec<Value>) {
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

    fn on_reasoning(&mut self, text: &str, out: &mut Vec<Value>) {
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
                    id,
                    output_index: oi,
                    text: String::new(),
                }
            }
        };
        out.push(ev::summary_text_delta(&r.id, r.output_index, text));
        let r = self.reasoning.insert(r);
        r.text.push_str(text);
    }

    fn on_text(&mut self, text: &str, out: &mut Vec<Value>) {
        if let Some(m) = self.message.as_mut() {
            if !text.is_empty() {
                out.push(ev::output_text_delta(&m.id, m.output_index, text));
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
        out.push(ev::output_text_delta(&id, oi, &buf));
        self.message = Some(OpenText {
            id,
            output_index: oi,
            text: buf,
        });
    }

    fn on_tool_fragment(&mut self, frag: &Value, out: &mut Vec<Value>) {
        let upstream_id = frag
            .get("id")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty());
        let pos = self.find_call(frag.get("index").and_then(Value::as_u64), upstream_id);
        let field = |k: &str| frag.pointer(k).and_then(Value::as_str).unwrap_or("");
        let (name, args) = (field("/function/name"), field("/function/arguments"));
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
                out.push(ev::args_delta(&a.id, a.output_index, args));
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

    fn announce(&mut self, pos: usize, out: &mut Vec<Value>) {
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
        if !custom && !call.arguments.is_empty() {
            out.push(ev::args_delta(&id, oi, &call.arguments));
        }
        self.calls[pos].announced = Some(Announced {
            id,
            output_index: oi,
            origin,
            namespace,
        });
    }

    fn close_reasoning(&mut self, out: &mut Vec<Value>) {
        let Some(r) = self.reasoning.take() else {
            return;
        };
        let (id, oi, text) = (&r.id, r.output_index, &r.text);
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

    fn close_message(&mut self, out: &mut Vec<Value>) {
        let Some(m) = self.message.take() else { return };
        let (id, oi, text) = (&m.id, m.output_index, &m.text);
        out.push(ev::output_text_done(id, oi, text));
        out.push(ev::content_part("response.content_part.done", id, oi, text));
        self.store_done(oi, ev::message_item_done(id, text), out);
    }

    fn close_call(&mut self, pos: usize, out: &mut Vec<Value>) {
        if self.calls[pos].announced.is_none() {
            // A call whose name never arrived: still an item, so the model hears back about it.
            self.announce(pos, out);
        }
        let call = &self.calls[pos];
        let Some(a) = call.announced.as_ref() else {
            return;
        };
        let (id, oi) = (&a.id, a.output_index);
        let payload = if matches!(a.origin, ToolOrigin::Custom { .. }) {
            let input = ev::custom_input(&call.arguments);
            out.push(ev::custom_input_delta(id, oi, &input));
            out.push(ev::custom_input_done(id, oi, &input));
            input
        } else {
            let args = ev::canonical_arguments(&call.arguments);
            out.push(ev::args_done(id, oi, &args));
            args
        };
        let ns = a.namespace.as_deref();
        let item = ev::tool_call_item(&a.origin, ns, id, &call.call_id, &payload, "completed");
        self.store_done(oi, item, out);
    }

    /// Closes everything still open, in output order (text that came after a tool call has a
    /// higher index than the call).
    fn close_all(&mut self, out: &mut Vec<Value>) {
        self.pending_ws.clear();
        const REASONING: usize = usize::MAX;
        const MESSAGE: usize = usize::MAX - 1;
        let mut order: Vec<(usize, usize)> = Vec::with_capacity(self.calls.len() + 2);
        order.extend(self.reasoning.as_ref().map(|r| (r.output_index, REASONING)));
        order.extend(self.message.as_ref().map(|m| (m.output_index, MESSAGE)));
        for (pos, c) in self.calls.iter().enumerate() {
            // Unannounced calls get their index when announced, i.e. after everything else.
            order.push((
                c.announced.as_ref().map_or(usize::MAX, |a| a.output_index),
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

    fn store_done(&mut self, output_index: usize, item: Value, out: &mut Vec<Value>) {
        out.push(ev::item_done(output_index, item.clone()));
        if let Some(slot) = self.done.get_mut(output_index) {
            *slot = Some(item);
        }
    }
}

#[cfg(test)]
mod tests;
