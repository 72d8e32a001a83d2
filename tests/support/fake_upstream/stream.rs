//! Rendering a script as a streamed (SSE frames) or one-shot (`chat.completion` JSON) answer.

use axum::body::Bytes;
use serde_json::{json, Value};

use super::profile::Profile;
use super::script::{split_pieces, Ending, Script};

/// Builds the `data:` payloads (JSON objects) of a streamed completion, before the ending is applied.
fn stream_deltas(script: &Script, profile: &Profile, thinking: bool) -> Vec<Value> {
    let mut deltas = vec![json!({"role": "assistant", "content": ""})];
    if let Some(r) = script.reasoning.as_deref().filter(|_| thinking) {
        let pieces = split_pieces(r, script.reasoning_chunks);
        if profile.think_tags {
            let n = pieces.len();
            for (k, p) in pieces.into_iter().enumerate() {
                let mut c = p;
                if k == 0 {
                    c = format!("<think>{c}");
                }
                if k + 1 == n {
                    c.push_str("</think>\n");
                }
                deltas.push(json!({"content": c}));
            }
        } else {
            for p in pieces {
                deltas.push(json!({"reasoning_content": p}));
            }
        }
    }
    if let Some(t) = &script.text {
        for p in split_pieces(t, script.text_chunks) {
            deltas.push(json!({"content": p}));
        }
    }
    // tool calls: header fragment (id, name), then argument fragments
    let per_call: Vec<Vec<Value>> = script
        .tool_calls
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mut v = vec![
                json!({"tool_calls": [{"index": i, "id": c.id, "type": "function",
                "function": {"name": c.name, "arguments": ""}}]}),
            ];
            for frag in split_pieces(&c.arguments, script.argument_fragments) {
                v.push(json!({"tool_calls": [{"index": i, "function": {"arguments": frag}}]}));
            }
            v
        })
        .collect();
    if script.interleave {
        let longest = per_call.iter().map(Vec::len).max().unwrap_or(0);
        for k in 0..longest {
            for call in &per_call {
                if let Some(d) = call.get(k) {
                    deltas.push(d.clone());
                }
            }
        }
    } else {
        deltas.extend(per_call.into_iter().flatten());
    }
    deltas
}

pub(super) struct Completion {
    pub(super) id: String,
    pub(super) model: String,
    pub(super) created: u64,
}

impl Completion {
    fn chunk(&self, delta: Value, finish: Option<&str>) -> Value {
        json!({
            "id": self.id, "object": "chat.completion.chunk", "created": self.created,
            "model": self.model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        })
    }
}

fn sse(v: &Value) -> Bytes {
    Bytes::from(format!("data: {v}\n\n"))
}

pub(super) enum Frame {
    Data(Bytes),
    Abort,
}

pub(super) fn stream_frames(
    script: &Script,
    profile: &Profile,
    body: &Value,
    c: &Completion,
    thinking: bool,
) -> Vec<Frame> {
    let deltas = stream_deltas(script, profile, thinking);
    let mut frames = Vec::new();
    let cut_at = match &script.ending {
        Ending::Normal => usize::MAX,
        Ending::ErrorChunk { after, .. } | Ending::Cut { after } | Ending::Abort { after } => {
            *after
        }
    };
    for (k, d) in deltas.into_iter().enumerate() {
        if k >= cut_at {
            break;
        }
        frames.push(Frame::Data(sse(&c.chunk(d, None))));
    }
    match &script.ending {
        Ending::Normal => {}
        Ending::ErrorChunk { message, .. } => {
            frames.push(Frame::Data(sse(&json!({"error": {
                "message": message, "type": "server_error", "code": "server_error"}}))));
            return frames;
        }
        Ending::Cut { .. } => return frames,
        Ending::Abort { .. } => {
            frames.push(Frame::Abort);
            return frames;
        }
    }
    frames.push(Frame::Data(sse(
        &c.chunk(json!({}), Some(&script.finish_reason()))
    )));
    let wants_usage = body
        .pointer("/stream_options/include_usage")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if let Some(u) = script.usage {
        if wants_usage || !profile.usage_needs_stream_options {
            frames.push(Frame::Data(sse(&json!({
                "id": c.id, "object": "chat.completion.chunk", "created": c.created,
                "model": c.model, "choices": [], "usage": u.to_json(),
            }))));
        }
    }
    frames.push(Frame::Data(Bytes::from_static(b"data: [DONE]\n\n")));
    frames
}

pub(super) fn completion_json(
    script: &Script,
    profile: &Profile,
    c: &Completion,
    thinking: bool,
) -> Value {
    let mut content = script.text.clone().unwrap_or_default();
    let mut message = json!({"role": "assistant"});
    if let Some(r) = script.reasoning.as_deref().filter(|_| thinking) {
        if profile.think_tags {
            content = format!("<think>{r}</think>\n{content}");
        } else {
            message["reasoning_content"] = json!(r);
        }
    }
    message["content"] = if content.is_empty() && !script.tool_calls.is_empty() {
        Value::Null
    } else {
        json!(content)
    };
    if !script.tool_calls.is_empty() {
        message["tool_calls"] = script
            .tool_calls
            .iter()
            .map(|t| json!({"id": t.id, "type": "function", "function": {"name": t.name, "arguments": t.arguments}}))
            .collect();
    }
    let mut out = json!({
        "id": c.id, "object": "chat.completion", "created": c.created, "model": c.model,
        "choices": [{"index": 0, "message": message, "finish_reason": script.finish_reason()}],
    });
    if let Some(u) = script.usage {
        out["usage"] = u.to_json();
    }
    out
}
