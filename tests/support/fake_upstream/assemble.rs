//! Client-side helper: reassemble a chat stream (used by the fake's own tests).

use serde_json::Value;

/// A chat completion stream put back together.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Assembled {
    pub text: String,
    pub reasoning: String,
    /// (id, name, arguments) by index.
    pub tool_calls: Vec<(String, String, String)>,
    pub finish_reason: Option<String>,
    pub usage: Option<Value>,
    /// `data: [DONE]` was seen.
    pub done: bool,
    /// A `data: {"error": …}` chunk.
    pub error: Option<Value>,
    pub chunks: usize,
}

/// Parses a chat-completions SSE body.
pub fn assemble_chat_stream(body: &str) -> Assembled {
    let mut a = Assembled::default();
    for line in body.lines() {
        let Some(data) = line.strip_prefix("data: ") else {
            continue;
        };
        if data == "[DONE]" {
            a.done = true;
            continue;
        }
        let v: Value = serde_json::from_str(data).expect("chunk is JSON");
        a.chunks += 1;
        if let Some(e) = v.get("error") {
            a.error = Some(e.clone());
            continue;
        }
        if let Some(u) = v.get("usage").filter(|u| !u.is_null()) {
            a.usage = Some(u.clone());
        }
        for choice in v
            .get("choices")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(fr) = choice.get("finish_reason").and_then(Value::as_str) {
                a.finish_reason = Some(fr.to_string());
            }
            let d = &choice["delta"];
            if let Some(t) = d.get("content").and_then(Value::as_str) {
                a.text.push_str(t);
            }
            if let Some(r) = d.get("reasoning_content").and_then(Value::as_str) {
                a.reasoning.push_str(r);
            }
            for tc in d
                .get("tool_calls")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let idx = tc["index"].as_u64().expect("tool_calls[].index") as usize;
                while a.tool_calls.len() <= idx {
                    a.tool_calls.push(Default::default());
                }
                let slot = &mut a.tool_calls[idx];
                if let Some(id) = tc.get("id").and_then(Value::as_str) {
                    slot.0 = id.to_string();
                }
                if let Some(n) = tc.pointer("/function/name").and_then(Value::as_str) {
                    slot.1 = n.to_string();
                }
                if let Some(args) = tc.pointer("/function/arguments").and_then(Value::as_str) {
                    slot.2.push_str(args);
                }
            }
        }
    }
    a
}
