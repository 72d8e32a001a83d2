//! Responses ⇄ Chat Completions translation: pure functions and a pure stream state machine, no I/O.
//!
//! * [`request::responses_to_chat`] turns a Codex Responses request into a chat request body plus the
//!   [`ToolNameMap`] needed to turn upstream tool calls back into Codex items.
//! * [`stream::StreamMachine`] turns parsed chat chunks into Responses events.

pub mod content;
pub mod events;
pub mod history;
pub mod names;
pub mod notes;
pub mod reasoning;
pub mod request;
pub mod schema;
pub mod stream;
pub mod think_tags;
pub mod tools;

use serde_json::Value;

use crate::provider::{ModelInfo, Quirks};

pub use stream::{StreamEnd, StreamMachine, StreamStart};
pub use tools::{ToolNameMap, ToolOrigin};

/// Text put on assistant turns that had no reasoning when the upstream insists on an echo.
pub const NO_THINKING_PLACEHOLDER: &str = "(this turn ran without thinking mode)";

/// Everything the request translator needs to know about the destination.
#[derive(Clone, Debug)]
pub struct TranslateOptions<'a> {
    pub quirks: &'a Quirks,
    /// The upstream model id and what it can do.
    pub model: &'a ModelInfo,
    /// The thinking switch (engine setting).
    pub thinking: bool,
}

/// A note about something the translator changed or could not send, for the log (deduplicated by `key`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TranslateNote {
    /// Stable key for once-per-process logging, e.g. `drop-item:web_search_call`.
    pub key: String,
    pub message: String,
}

/// The result of translating one request.
#[derive(Clone, Debug)]
pub struct ChatPlan {
    /// The complete chat-completions request body (`model`, `messages`, `tools`, `stream: true`, …).
    pub body: Value,
    /// Upstream tool name → what Codex called it.
    pub tool_names: ToolNameMap,
    /// Whether the client asked for a stream (`stream` absent or false → one JSON Response).
    pub client_stream: bool,
    /// How many assistant turns received the no-thinking placeholder (for the INFO line).
    pub placeholder_turns: usize,
    pub notes: Vec<TranslateNote>,
}

/// A request Codex sent that cannot be translated at all (not JSON object, no `input`, …). Answered with 400.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TranslateError {
    #[error("request body must be a JSON object")]
    NotAnObject,
    #[error("field `{field}`: {message}")]
    BadField { field: String, message: String },
}
