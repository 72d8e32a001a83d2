//! Builders for the Responses stream events Codex consumes (shapes as in the captured Codex 0.169
//! streams), the SSE framing, and the mapping of upstream errors onto Responses error codes.

use serde::Serialize;
use serde_json::{json, Value};

use super::stream::Usage;
use super::ToolOrigin;

/// The fields every `response` object repeats.
#[derive(Clone, Copy, Debug)]
pub struct ResponseHead<'a> {
    pub id: &'a str,
    pub created_at: i64,
    pub model: &'a str,
}

/// A full `response` object (`status`: in_progress / completed / incomplete / failed).
pub fn response_object(
    head: ResponseHead<'_>,
    status: &str,
    output: Vec<Value>,
    error: Value,
    incomplete_details: Value,
    usage: Value,
) -> Value {
    json!({
        "id": head.id,
        "object": "response",
        "created_at": head.created_at,
        "status": status,
        "model": head.model,
        "output": output,
        "error": error,
        "incomplete_details": incomplete_details,
        "usage": usage,
    })
}

/// `response.created`, `.in_progress`, `.completed`, `.incomplete`, `.failed`.
pub fn lifecycle(kind: &str, response: Value) -> Value {
    json!({ "type": kind, "response": response })
}

pub fn item_added(output_index: usize, item: Value) -> Value {
    json!({ "type": "response.output_item.added", "output_index": output_index, "item": item })
}

pub fn item_done(output_index: usize, item: Value) -> Value {
    json!({ "type": "response.output_item.done", "output_index": output_index, "item": item })
}

// ---- reasoning ----

pub fn reasoning_item(id: &str) -> Value {
    json!({ "type": "reasoning", "id": id, "summary": [] })
}

pub fn reasoning_item_done(id: &str, text: &str, encrypted_content: String) -> Value {
    json!({
        "type": "reasoning",
        "id": id,
        "summary": [{ "type": "summary_text", "text": text }],
        "encrypted_content": encrypted_content,
    })
}

/// `response.reasoning_summary_part.added` / `.done` (one summary part per reasoning item).
pub fn summary_part(kind: &str, id: &str, output_index: usize, text: &str) -> Value {
    json!({
        "type": kind, "item_id": id, "output_index": output_index, "summary_index": 0,
        "part": { "type": "summary_text", "text": text },
    })
}

pub fn summary_text_delta(id: &str, output_index: usize, delta: &str) -> Value {
    json!({
        "type": "response.reasoning_summary_text.delta", "item_id": id,
        "output_index": output_index, "summary_index": 0, "delta": delta,
    })
}

pub fn summary_text_done(id: &str, output_index: usize, text: &str) -> Value {
    json!({
        "type": "response.reasoning_summary_text.done", "item_id": id,
        "output_index": output_index, "summary_index": 0, "text": text,
    })
}

// ---- message ----

pub fn message_item(id: &str) -> Value {
    json!({ "type": "message", "id": id, "role": "assistant", "status": "in_progress", "content": [] })
}

pub fn message_item_done(id: &str, text: &str) -> Value {
    json!({
        "type": "message", "id": id, "role": "assistant", "status": "completed",
        "content": [{ "type": "output_text", "text": text, "annotations": [] }],
    })
}

/// `response.content_part.added` / `.done` for the single output_text part.
pub fn content_part(kind: &str, id: &str, output_index: usize, text: &str) -> Value {
    json!({
        "type": kind, "item_id": id, "output_index": output_index, "content_index": 0,
        "part": { "type": "output_text", "text": text, "annotations": [] },
    })
}

pub fn output_text_delta(id: &str, output_index: usize, delta: &str) -> Value {
    json!({
        "type": "response.output_text.delta", "item_id": id, "output_index": output_index,
        "content_index": 0, "delta": delta,
    })
}

pub fn output_text_done(id: &str, output_index: usize, text: &str) -> Value {
    json!({
        "type": "response.output_text.done", "item_id": id, "output_index": output_index,
        "content_index": 0, "text": text,
    })
}

// ---- tool calls ----

/// A `function_call` or a `custom_tool_call` item; `payload` is the arguments string or the custom
/// input. `namespace` is [`ToolNameMap::namespace`](super::ToolNameMap::namespace) of the upstream
/// name: a namespaced function's, or a custom tool's nested in a namespace.
pub fn tool_call_item(
    origin: &ToolOrigin,
    namespace: Option<&str>,
    id: &str,
    call_id: &str,
    payload: &str,
    status: &str,
) -> Value {
    let (kind, name, field) = match origin {
        ToolOrigin::Custom { name } => ("custom_tool_call", name, "input"),
        ToolOrigin::Function { name } | ToolOrigin::Namespaced { name, .. } => {
            ("function_call", name, "arguments")
        }
    };
    let mut item = json!({ "type": kind, "id": id, "call_id": call_id, "name": name });
    if let Some(obj) = item.as_object_mut() {
        if let Some(ns) = namespace {
            obj.insert("namespace".into(), Value::from(ns));
        }
        obj.insert(field.into(), Value::from(payload));
        obj.insert("status".into(), Value::from(status));
    }
    item
}

pub fn args_delta(id: &str, output_index: usize, delta: &str) -> Value {
    json!({
        "type": "response.function_call_arguments.delta", "item_id": id,
        "output_index": output_index, "delta": delta,
    })
}

pub fn args_done(id: &str, output_index: usize, arguments: &str) -> Value {
    json!({
        "type": "response.function_call_arguments.done", "item_id": id,
        "output_index": output_index, "arguments": arguments,
    })
}

pub fn custom_input_delta(id: &str, output_index: usize, delta: &str) -> Value {
    json!({
        "type": "response.custom_tool_call_input.delta", "item_id": id,
        "output_index": output_index, "delta": delta,
    })
}

pub fn custom_input_done(id: &str, output_index: usize, input: &str) -> Value {
    json!({
        "type": "response.custom_tool_call_input.done", "item_id": id,
        "output_index": output_index, "input": input,
    })
}

// ---- usage, errors, framing ----

impl Usage {
    /// The Responses `usage` object; every key is always present.
    pub fn to_json(self) -> Value {
        json!({
            "input_tokens": self.input_tokens,
            "input_tokens_details": { "cached_tokens": self.cached_tokens },
            "output_tokens": self.output_tokens,
            "output_tokens_details": { "reasoning_tokens": self.reasoning_tokens },
            "total_tokens": self.input_tokens + self.output_tokens,
        })
    }
}

/// Maps an upstream error (chat `error.code`, `error.type`, `error.message`) onto the Responses codes
/// Codex acts on. Numeric HTTP-like codes are matched exactly, never searched for in the message, since
/// digits like `429` also occur in request ids.
pub fn error_code_for(code: Option<&str>, kind: Option<&str>, message: &str) -> &'static str {
    match code.map(str::trim) {
        Some("429") => return "rate_limit_exceeded",
        Some("402") => return "insufficient_quota",
        Some("503") | Some("529") => return "server_is_overloaded",
        _ => {}
    }
    let hay =
        format!("{} {} {}", code.unwrap_or(""), kind.unwrap_or(""), message).to_ascii_lowercase();
    let has = |needles: &[&str]| needles.iter().any(|n| hay.contains(n));
    if has(&[
        "context_length",
        "context length",
        "context window",
        "maximum context",
        "prompt is too long",
        "input is too long",
        "too many tokens",
    ]) {
        "context_length_exceeded"
    } else if has(&["rate_limit", "rate limit", "ratelimit", "too many requests"]) {
        "rate_limit_exceeded"
    } else if has(&[
        "quota",
        "insufficient_balance",
        "insufficient balance",
        "arrearage",
        "billing",
    ]) {
        "insufficient_quota"
    } else if has(&[
        "overload",
        "server is busy",
        "capacity",
        "insufficient_system_resource",
    ]) {
        "server_is_overloaded"
    } else {
        "server_error"
    }
}

// ---- reading chat chunks ----

fn as_text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `(code, message)` for a chat `error` object (or a bare error string).
pub fn error_from_chunk(err: &Value) -> (String, String) {
    let message = match err {
        Value::String(s) => s.clone(),
        _ => as_text(err.get("message")).unwrap_or_else(|| err.to_string()),
    };
    let code = as_text(err.get("code"));
    let kind = as_text(err.get("type"));
    let mapped = error_code_for(code.as_deref(), kind.as_deref(), &message);
    (mapped.to_string(), format!("upstream error: {message}"))
}

/// MiniMax reports failures in `base_resp` with a non-zero `status_code` instead of `error`.
pub fn base_resp_error(chunk: &Value) -> Option<(String, String)> {
    let base = chunk.get("base_resp")?;
    let status = base.get("status_code").and_then(Value::as_i64)?;
    if status == 0 {
        return None;
    }
    let message = as_text(base.get("status_msg")).unwrap_or_default();
    // MiniMax documents 1002 as rate limiting and 1008 as insufficient balance.
    let code = match status {
        1002 => "rate_limit_exceeded",
        1008 => "insufficient_quota",
        _ => error_code_for(None, None, &message),
    };
    Some((
        code.to_string(),
        format!("upstream error {status}: {message}"),
    ))
}

/// Chat `usage` → [`Usage`]; `None` for null or an object without token counts.
pub fn parse_usage(u: &Value) -> Option<Usage> {
    let obj = u.as_object()?;
    let n = |v: Option<&Value>| v.and_then(Value::as_u64);
    let input = n(obj.get("prompt_tokens"));
    let output = n(obj.get("completion_tokens"));
    if input.is_none() && output.is_none() {
        return None;
    }
    // OpenAI-style details first, then DeepSeek's and Moonshot's top-level counters.
    let cached = n(u.pointer("/prompt_tokens_details/cached_tokens"))
        .or_else(|| n(obj.get("prompt_cache_hit_tokens")))
        .or_else(|| n(obj.get("cached_tokens")));
    Some(Usage {
        input_tokens: input.unwrap_or(0),
        cached_tokens: cached.unwrap_or(0),
        output_tokens: output.unwrap_or(0),
        reasoning_tokens: n(u.pointer("/completion_tokens_details/reasoning_tokens")).unwrap_or(0),
    })
}

/// The input of a custom tool: the `input` string of its `{"input": "..."}` arguments, else the raw
/// argument text (a model that ignored the wrapper still gets its patch applied).
pub fn custom_input(raw: &str) -> String {
    if let Ok(Value::Object(mut m)) = serde_json::from_str::<Value>(raw) {
        if let Some(Value::String(s)) = m.remove("input") {
            return s;
        }
    }
    raw.to_string()
}

/// One SSE frame: `event: <type>\ndata: <compact json>\n\n`.
pub fn sse_frame(event: &Value) -> String {
    let mut out = Vec::with_capacity(256);
    write_sse_frame(&mut out, event);
    // Only UTF-8 went in (an ASCII type name and serde_json output).
    String::from_utf8(out).unwrap_or_default()
}

/// Appends one SSE frame to a byte buffer (avoids a String per event on the hot path).
pub fn write_sse_frame(out: &mut Vec<u8>, event: &Value) {
    let kind = event
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("message");
    write_frame(out, kind, event);
}

/// Appends the SSE frame of an event of type `kind` whose JSON is `body`.
pub fn write_frame<T: Serialize + ?Sized>(out: &mut Vec<u8>, kind: &str, body: &T) {
    out.extend_from_slice(b"event: ");
    out.extend_from_slice(kind.as_bytes());
    out.extend_from_slice(b"\ndata: ");
    // Serialising into a Vec cannot fail: the writer is infallible and `Value` map keys are strings.
    let _ = serde_json::to_writer(&mut *out, body);
    out.extend_from_slice(b"\n\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sse_frame_shape() {
        let ev = json!({"type": "response.output_text.delta", "delta": "a\nb"});
        let frame = sse_frame(&ev);
        assert!(frame.starts_with("event: response.output_text.delta\ndata: {"));
        assert!(frame.ends_with("}\n\n"));
        assert_eq!(frame.matches('\n').count(), 3, "data must stay on one line");
        let data = frame.lines().nth(1).and_then(|l| l.strip_prefix("data: "));
        let back: Value = serde_json::from_str(data.unwrap_or("")).unwrap_or_default();
        assert_eq!(back, ev);
    }

    #[test]
    fn usage_json_has_all_keys() {
        let u = Usage {
            input_tokens: 10,
            cached_tokens: 4,
            output_tokens: 7,
            reasoning_tokens: 3,
        };
        assert_eq!(
            u.to_json(),
            json!({"input_tokens": 10, "input_tokens_details": {"cached_tokens": 4},
                "output_tokens": 7, "output_tokens_details": {"reasoning_tokens": 3}, "total_tokens": 17})
        );
    }

    #[test]
    fn error_codes() {
        let c = error_code_for;
        assert_eq!(
            c(
                Some("400"),
                Some("BadRequestError"),
                "This model's maximum context length is 131072 tokens"
            ),
            "context_length_exceeded"
        );
        assert_eq!(
            c(Some("context_length_exceeded"), None, ""),
            "context_length_exceeded"
        );
        assert_eq!(
            c(None, Some("rate_limit_error"), "Please try again in 20s."),
            "rate_limit_exceeded"
        );
        assert_eq!(c(Some("429"), None, "slow down"), "rate_limit_exceeded");
        assert_eq!(
            c(None, None, "You exceeded your current quota"),
            "insufficient_quota"
        );
        assert_eq!(
            c(Some("Arrearage"), None, "Access denied"),
            "insufficient_quota"
        );
        assert_eq!(
            c(Some("overloaded_error"), None, "Overloaded"),
            "server_is_overloaded"
        );
        assert_eq!(
            c(None, None, "internal error, request id 4291"),
            "server_error"
        );
    }
}
