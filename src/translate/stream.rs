//! Chat completion chunks → Responses events: a pure state machine.
//!
//! Feed it `start()`, then every parsed `data:` chunk, then one `finish(..)`. Each call returns the
//! Responses events (JSON objects with a `type`) to send, in order.

use serde_json::Value;

use super::ToolNameMap;

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

/// The translation state of one response.
#[derive(Debug)]
pub struct StreamMachine {
    start: StreamStart,
}

impl StreamMachine {
    pub fn new(start: StreamStart) -> Self {
        StreamMachine { start }
    }

    /// `response.created` and `response.in_progress`.
    pub fn start(&mut self) -> Vec<Value> {
        let _ = &self.start;
        Vec::new()
    }

    /// One chat chunk (the JSON of one `data:` line).
    pub fn push_chunk(&mut self, _chunk: &Value) -> Vec<Value> {
        Vec::new()
    }

    /// Closes open items and emits the terminal event (`response.completed`, `.incomplete` or `.failed`).
    pub fn finish(&mut self, _end: StreamEnd) -> Vec<Value> {
        Vec::new()
    }

    /// Usage reported so far.
    pub fn usage(&self) -> Option<Usage> {
        None
    }

    /// The final response object (the `response` of the terminal event), once `finish` ran.
    pub fn final_response(&self) -> Option<&Value> {
        None
    }
}
