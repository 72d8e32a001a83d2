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

/// Whether the upstream thinks on this request: the switch decides for models that have one; a
/// reasoning model without a switch (Kimi `kimi-k2-thinking`, MiniMax) thinks whatever the switch
/// says, so its reasoning must still be replayed; a model that does not reason never thinks.
pub fn effective_thinking(quirks: &Quirks, model: &ModelInfo, switch: bool) -> bool {
    model.reasoning && (switch || quirks.thinking_param == crate::provider::ThinkingParam::None)
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::builtin::builtin_profile;
    use serde_json::json;

    fn kimi_history() -> Value {
        json!({
            "model": "kimi-k2-thinking",
            "stream": true,
            "input": [
                {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "list files"}]},
                {"type": "reasoning", "summary": [], "encrypted_content": reasoning::encode_reasoning("ls is right")},
                {"type": "function_call", "call_id": "c1", "name": "exec_command", "arguments": "{\"cmd\":\"ls\"}"},
                {"type": "function_call_output", "call_id": "c1", "output": "a.txt"}
            ]
        })
    }

    #[test]
    fn a_model_that_always_thinks_keeps_its_reasoning_when_the_switch_is_off() {
        let kimi = builtin_profile("kimi").expect("kimi");
        let model = kimi.model_or_default("kimi-k2-thinking");
        assert!(effective_thinking(&kimi.quirks, &model, false));
        let opts = TranslateOptions {
            quirks: &kimi.quirks,
            model: &model,
            thinking: false,
        };
        let plan = request::responses_to_chat(&kimi_history(), &opts).expect("plan");
        let assistant = plan.body["messages"]
            .as_array()
            .expect("messages")
            .iter()
            .find(|m| m["role"] == "assistant")
            .cloned()
            .expect("assistant");
        assert_eq!(assistant["reasoning_content"], "ls is right");
    }

    #[test]
    fn the_switch_decides_for_models_that_have_one() {
        let deepseek = builtin_profile("deepseek").expect("deepseek");
        let model = deepseek.model_or_default("deepseek-v4-pro");
        assert!(!effective_thinking(&deepseek.quirks, &model, false));
        assert!(effective_thinking(&deepseek.quirks, &model, true));
        let kimi = builtin_profile("kimi").expect("kimi");
        let plain = kimi.model_or_default("kimi-k2.6");
        assert!(!effective_thinking(&kimi.quirks, &plain, true));
    }
}
