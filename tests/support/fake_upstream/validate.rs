//! Request validation: every vendor-style rejection the fake applies to a chat request.

use std::collections::HashSet;

use axum::http::HeaderMap;
use serde_json::{json, Value};

use super::profile::{Profile, ThinkingShape};

/// The 4xx a validation failure produces.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    pub status: u16,
    pub message: String,
}

impl Rejection {
    pub(super) fn bad(message: impl Into<String>) -> Self {
        Rejection {
            status: 400,
            message: message.into(),
        }
    }

    pub(super) fn body(&self) -> Value {
        let kind = match self.status {
            401 => "authentication_error",
            404 => "not_found_error",
            _ => "invalid_request_error",
        };
        json!({"error": {"message": self.message, "type": kind, "param": null, "code": kind}})
    }
}

/// Message used when a `tool` message answers nothing (OpenAI / DeepSeek wording).
pub const ERR_TOOL_WITHOUT_CALL: &str =
    "Messages with role 'tool' must be a response to a preceding message with 'tool_calls'";
/// Message used when an assistant `tool_calls` is not fully answered (DeepSeek wording).
pub const ERR_MISSING_TOOL_ANSWER: &str = "An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. (insufficient tool messages following tool_calls message)";
/// DeepSeek V4 / MiMo thinking-mode echo error.
pub const ERR_REASONING_ECHO: &str =
    "The reasoning_content in the thinking mode must be passed back to the API.";
/// MiniMax system-message error.
pub const ERR_MINIMAX_2013: &str = "invalid params, invalid chat setting (2013)";

/// The vendor's key check: `Authorization: Bearer <profile.api_key>`, else 401 (every route that
/// needs a key uses it).
pub fn check_auth(profile: &Profile, headers: &HeaderMap) -> Result<(), Rejection> {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if auth != format!("Bearer {}", profile.api_key) {
        return Err(Rejection {
            status: 401,
            message: if auth.is_empty() {
                "Authentication Fails, no api key provided (missing Authorization header)".into()
            } else {
                "Authentication Fails, Your api key is invalid".into()
            },
        });
    }
    Ok(())
}

/// Checks a chat request the way the profile's vendor would. `Ok` means it would be accepted.
pub fn validate(profile: &Profile, headers: &HeaderMap, body: &Value) -> Result<(), Rejection> {
    check_auth(profile, headers)?;
    let obj = body
        .as_object()
        .ok_or_else(|| Rejection::bad("request body must be a JSON object"))?;
    let model = obj
        .get("model")
        .and_then(Value::as_str)
        .filter(|m| !m.is_empty())
        .ok_or_else(|| Rejection::bad("you must provide a model parameter"))?;
    if let Some(models) = &profile.models {
        if !models.iter().any(|m| m == model) {
            return Err(Rejection::bad(format!("Model Not Exist: {model}")));
        }
    }
    let messages = obj
        .get("messages")
        .and_then(Value::as_array)
        .filter(|m| !m.is_empty())
        .ok_or_else(|| Rejection::bad("messages: must be a non-empty array"))?;
    let thinking = profile.thinking_on(body);

    match profile.thinking_shape {
        ThinkingShape::ThinkingType if obj.contains_key("enable_thinking") => {
            return Err(Rejection::bad(
                "unknown parameter `enable_thinking` (use thinking: {type})",
            ))
        }
        ThinkingShape::EnableThinking if obj.contains_key("thinking") => {
            return Err(Rejection::bad(
                "unknown parameter `thinking` (use enable_thinking)",
            ))
        }
        ThinkingShape::NoSwitch
            if obj.contains_key("thinking") || obj.contains_key("enable_thinking") =>
        {
            return Err(Rejection::bad(
                "unknown parameter: this model takes no thinking switch",
            ))
        }
        _ => {}
    }
    if let Some(t) = obj.get("thinking") {
        let ty = t.get("type").and_then(Value::as_str);
        if !matches!(ty, Some("enabled") | Some("disabled")) {
            return Err(Rejection::bad(
                "thinking.type: expected 'enabled' or 'disabled'",
            ));
        }
    }
    if let Some(v) = obj.get("enable_thinking") {
        if !v.is_boolean() {
            return Err(Rejection::bad("enable_thinking: expected a boolean"));
        }
    }
    if profile.reject_max_tokens && obj.contains_key("max_tokens") {
        return Err(Rejection::bad(
            "max_tokens is not supported, use max_completion_tokens",
        ));
    }
    if profile.reject_sampling_when_thinking && thinking {
        for key in [
            "temperature",
            "top_p",
            "presence_penalty",
            "frequency_penalty",
        ] {
            if obj.contains_key(key) {
                return Err(Rejection::bad(format!(
                    "{key} is not supported in thinking mode"
                )));
            }
        }
    }
    if let Some(effort) = obj.get("reasoning_effort") {
        if !matches!(effort.as_str(), Some("low") | Some("medium") | Some("high")) {
            return Err(Rejection::bad(format!(
                "reasoning_effort: unsupported value {effort}, expected low, medium or high"
            )));
        }
    }
    if let Some(so) = obj.get("stream_options") {
        if !so.is_object() {
            return Err(Rejection::bad("stream_options: expected an object"));
        }
    }

    validate_tools(profile, obj.get("tools"))?;
    if let Some(tc) = obj.get("tool_choice") {
        if profile.tool_choice_auto_only && tc != "auto" {
            return Err(Rejection::bad(format!(
                "tool_choice: only 'auto' is supported, got {tc}"
            )));
        }
    }
    validate_messages(profile, messages, thinking)
}

fn validate_tools(profile: &Profile, tools: Option<&Value>) -> Result<(), Rejection> {
    let Some(tools) = tools else { return Ok(()) };
    let tools = tools
        .as_array()
        .ok_or_else(|| Rejection::bad("tools: expected an array"))?;
    let mut seen = HashSet::new();
    for (i, tool) in tools.iter().enumerate() {
        if tool.get("type").and_then(Value::as_str) != Some("function") {
            return Err(Rejection::bad(format!(
                "tools[{i}].type: only 'function' is supported, got {}",
                tool.get("type").unwrap_or(&Value::Null)
            )));
        }
        let f = tool
            .get("function")
            .and_then(Value::as_object)
            .ok_or_else(|| Rejection::bad(format!("tools[{i}].function: missing")))?;
        let name = f.get("name").and_then(Value::as_str).unwrap_or("");
        if !valid_tool_name(name, profile.max_tool_name_len) {
            return Err(Rejection::bad(format!(
                "tools[{i}].function.name: '{name}' does not match '^[a-zA-Z0-9_-]{{1,{}}}$'",
                profile.max_tool_name_len
            )));
        }
        if !seen.insert(name.to_string()) {
            return Err(Rejection::bad(format!(
                "tools[{i}].function.name: duplicate tool name '{name}'"
            )));
        }
        if let Some(strict) = f.get("strict") {
            if strict.is_null() {
                return Err(Rejection::bad(format!(
                    "tools[{i}].function.strict: invalid type: null, expected a boolean"
                )));
            }
            if profile.reject_tool_strict {
                return Err(Rejection::bad(format!(
                    "tools[{i}].function.strict: unsupported parameter"
                )));
            }
        }
        if let Some(params) = f.get("parameters") {
            let ok_object = params.as_object().is_some_and(|p| {
                p.get("type").and_then(Value::as_str) == Some("object")
                    && !p.contains_key("oneOf")
                    && !p.contains_key("anyOf")
                    && !p.contains_key("allOf")
                    && p.get("properties").is_none_or(Value::is_object)
            });
            if !ok_object {
                return Err(Rejection::bad(format!(
                    "Invalid schema for function '{name}': schema must be a JSON Schema of 'type: \"object\"', got {}",
                    short(params)
                )));
            }
        }
    }
    Ok(())
}

fn valid_tool_name(name: &str, max: usize) -> bool {
    !name.is_empty()
        && name.chars().count() <= max
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn validate_messages(
    profile: &Profile,
    messages: &[Value],
    thinking: bool,
) -> Result<(), Rejection> {
    // ids of the latest assistant tool_calls still waiting for a tool message
    let mut pending: Vec<String> = Vec::new();
    let mut seen_non_system = false;
    for (i, m) in messages.iter().enumerate() {
        let role = m.get("role").and_then(Value::as_str).unwrap_or("");
        if !profile.roles.iter().any(|r| r == role) {
            return Err(Rejection::bad(format!(
                "messages[{i}].role: unknown variant `{role}`, expected one of {}",
                profile.roles.join(", ")
            )));
        }
        if role == "tool" {
            let id = m.get("tool_call_id").and_then(Value::as_str).unwrap_or("");
            match pending.iter().position(|p| p == id) {
                Some(pos) => {
                    pending.remove(pos);
                }
                None => {
                    return Err(Rejection::bad(format!(
                        "{ERR_TOOL_WITHOUT_CALL} (messages[{i}], tool_call_id '{id}')"
                    )))
                }
            }
            if !m.get("content").is_some_and(content_is_text_like) {
                return Err(Rejection::bad(format!(
                    "messages[{i}].content: a tool message needs string content"
                )));
            }
            continue;
        }
        if !pending.is_empty() {
            return Err(Rejection::bad(format!(
                "{ERR_MISSING_TOOL_ANSWER} missing: {} (before messages[{i}])",
                pending.join(", ")
            )));
        }
        if role == "system" {
            if profile.system_only_at_start && seen_non_system {
                return Err(Rejection::bad(format!(
                    "{ERR_MINIMAX_2013}: system message at messages[{i}]"
                )));
            }
        } else {
            seen_non_system = true;
        }
        validate_content(profile, i, role, m)?;
        if role == "assistant" {
            if thinking && profile.require_reasoning_echo {
                let ok = m
                    .get("reasoning_content")
                    .and_then(Value::as_str)
                    .is_some_and(|r| !r.is_empty());
                if !ok {
                    return Err(Rejection::bad(format!(
                        "{ERR_REASONING_ECHO} (messages[{i}])"
                    )));
                }
            }
            if let Some(calls) = m.get("tool_calls") {
                let calls = calls.as_array().ok_or_else(|| {
                    Rejection::bad(format!("messages[{i}].tool_calls: expected an array"))
                })?;
                for (j, c) in calls.iter().enumerate() {
                    let id = c.get("id").and_then(Value::as_str).unwrap_or("");
                    if id.is_empty() {
                        return Err(Rejection::bad(format!(
                            "messages[{i}].tool_calls[{j}].id: missing"
                        )));
                    }
                    let name = c
                        .pointer("/function/name")
                        .and_then(Value::as_str)
                        .unwrap_or("");
                    if !valid_tool_name(name, profile.max_tool_name_len) {
                        return Err(Rejection::bad(format!(
                            "messages[{i}].tool_calls[{j}].function.name: invalid '{name}'"
                        )));
                    }
                    let args = c.pointer("/function/arguments").and_then(Value::as_str);
                    if args
                        .and_then(|a| serde_json::from_str::<Value>(a).ok())
                        .is_none()
                    {
                        return Err(Rejection::bad(format!(
                            "messages[{i}].tool_calls[{j}].function.arguments: must be a string of valid JSON"
                        )));
                    }
                    pending.push(id.to_string());
                }
            }
        }
    }
    if !pending.is_empty() {
        return Err(Rejection::bad(format!(
            "{ERR_MISSING_TOOL_ANSWER} missing: {} (at end of messages)",
            pending.join(", ")
        )));
    }
    Ok(())
}

fn content_is_text_like(c: &Value) -> bool {
    match c {
        Value::String(_) => true,
        Value::Array(parts) => parts
            .iter()
            .all(|p| p.get("type").and_then(Value::as_str) == Some("text")),
        _ => false,
    }
}

fn validate_content(profile: &Profile, i: usize, role: &str, m: &Value) -> Result<(), Rejection> {
    let content = m.get("content");
    let has_calls = m
        .get("tool_calls")
        .and_then(Value::as_array)
        .is_some_and(|c| !c.is_empty());
    match content {
        None | Some(Value::Null) if role == "assistant" && has_calls => Ok(()),
        None | Some(Value::Null) => Err(Rejection::bad(format!(
            "messages[{i}].content: missing (role {role})"
        ))),
        Some(Value::String(_)) => Ok(()),
        Some(Value::Array(parts)) => {
            for (j, p) in parts.iter().enumerate() {
                match p.get("type").and_then(Value::as_str) {
                    Some("text") if p.get("text").is_some_and(Value::is_string) => {}
                    Some("image_url") if role == "user" => {
                        if !profile.vision {
                            return Err(Rejection::bad(format!(
                                "messages[{i}].content[{j}]: image input is not supported by this model"
                            )));
                        }
                        let url = p
                            .pointer("/image_url/url")
                            .and_then(Value::as_str)
                            .unwrap_or("");
                        if url.is_empty() {
                            return Err(Rejection::bad(format!(
                                "messages[{i}].content[{j}].image_url.url: missing"
                            )));
                        }
                    }
                    other => {
                        return Err(Rejection::bad(format!(
                            "messages[{i}].content[{j}].type: unsupported {other:?} for role {role}"
                        )))
                    }
                }
            }
            Ok(())
        }
        Some(other) => Err(Rejection::bad(format!(
            "messages[{i}].content: invalid type {}",
            short(other)
        ))),
    }
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 120 {
        format!("{}…", &s[..s.floor_char_boundary_compat(120)])
    } else {
        s
    }
}

trait FloorBoundary {
    fn floor_char_boundary_compat(&self, i: usize) -> usize;
}

impl FloorBoundary for str {
    fn floor_char_boundary_compat(&self, mut i: usize) -> usize {
        while i > 0 && !self.is_char_boundary(i) {
            i -= 1;
        }
        i
    }
}
