//! The project's one fake upstream: a strict, scriptable Chat Completions server (in-process axum).
//!
//! * Listens on `127.0.0.1:0`; [`FakeUpstream::base_url`] is `http://127.0.0.1:PORT/v1`.
//! * Routes: `POST /v1/chat/completions` and `POST /chat/completions` (same handler, so a provider
//!   `base_url` with or without `/v1` both work). Anything else answers 404 in the OpenAI error shape
//!   and is recorded too.
//! * Validates every request the way real vendors do (see [`Profile`]); a rejected request is answered
//!   with the vendor-style 4xx and does **not** consume a scripted turn.
//! * Accepted requests take the next [`Script`] from the queue ([`FakeUpstream::push`]); when the
//!   queue is empty the responder (default: a short echo of the last user text) makes one.
//! * Every request is recorded ([`FakeUpstream::requests`]) with headers, parsed body and the
//!   rejection, if any; [`FakeUpstream::hits`] counts them.
//!
//! Reasoning in a script is only emitted when the request has thinking on (per the profile's
//! thinking switch), like real thinking models; with [`Profile::think_tags`] it arrives as
//! `<think>…</think>` inside `content` (MiniMax) instead of `reasoning_content`.

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use serde_json::{json, Value};

/// Which thinking switch the upstream understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThinkingShape {
    /// Accepts either switch (permissive OpenAI-compatible server).
    Any,
    /// `thinking: {type: "enabled" | "disabled"}` (MiMo, DeepSeek, GLM); `enable_thinking` → 400.
    ThinkingType,
    /// `enable_thinking: bool` (Qwen); `thinking` → 400.
    EnableThinking,
    /// No switch at all (Kimi, MiniMax): either field → 400; thinking is chosen by model id.
    NoSwitch,
}

/// How strict the fake is. Each flag mirrors one real vendor rejection (DESIGN §5).
#[derive(Clone, Debug)]
pub struct Profile {
    /// Name used in messages (`deepseek`, `mimo`, …).
    pub name: String,
    /// The key expected in `Authorization: Bearer …`.
    pub api_key: String,
    /// Thinking mode on → every assistant message needs non-empty `reasoning_content` (DeepSeek V4, MiMo).
    pub require_reasoning_echo: bool,
    /// A system message after a non-system message → 400 `invalid chat setting (2013)` (MiniMax).
    pub system_only_at_start: bool,
    /// `max_tokens` → 400; `max_completion_tokens` is the field (MiMo).
    pub reject_max_tokens: bool,
    /// `tool_choice` other than `"auto"` → 400 (MiMo).
    pub tool_choice_auto_only: bool,
    /// `strict` present on a tool at all → 400 (MiMo). `strict: null` is always rejected.
    pub reject_tool_strict: bool,
    /// `temperature`/`top_p`/`presence_penalty`/`frequency_penalty` while thinking → 400 (DeepSeek).
    pub reject_sampling_when_thinking: bool,
    pub thinking_shape: ThinkingShape,
    /// Thinking state when the request carries no switch.
    pub thinking_default: bool,
    /// Model ids containing one of these think regardless of switches (`kimi-k2-thinking`, `deepseek-reasoner`).
    pub thinking_model_markers: Vec<String>,
    /// Usage is only streamed with `stream_options: {include_usage: true}` (Kimi, MiniMax).
    pub usage_needs_stream_options: bool,
    /// `image_url` parts accepted.
    pub vision: bool,
    /// Reasoning is streamed as `<think>…</think>` inside `content` (MiniMax).
    pub think_tags: bool,
    /// Longest tool name accepted.
    pub max_tool_name_len: usize,
    /// When set, other model ids → 400 `Model Not Exist`.
    pub models: Option<Vec<String>>,
    /// Roles accepted in `messages`.
    pub roles: Vec<String>,
}

impl Default for Profile {
    fn default() -> Self {
        Profile::lenient()
    }
}

impl Profile {
    /// A permissive OpenAI-compatible server: auth, body shape, tool pairing and tool schemas are
    /// still checked (every vendor checks those).
    pub fn lenient() -> Self {
        Profile {
            name: "generic".into(),
            api_key: "sk-fake-upstream-key".into(),
            require_reasoning_echo: false,
            system_only_at_start: false,
            reject_max_tokens: false,
            tool_choice_auto_only: false,
            reject_tool_strict: false,
            reject_sampling_when_thinking: false,
            thinking_shape: ThinkingShape::Any,
            thinking_default: false,
            thinking_model_markers: vec!["thinking".into(), "reasoner".into()],
            usage_needs_stream_options: false,
            vision: true,
            think_tags: false,
            max_tool_name_len: 64,
            models: None,
            roles: ["system", "user", "assistant", "tool"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
        }
    }

    /// DeepSeek V4: `thinking: {type}`, thinking on by default, reasoning echo, no sampling while thinking.
    pub fn deepseek() -> Self {
        Profile {
            name: "deepseek".into(),
            require_reasoning_echo: true,
            reject_sampling_when_thinking: true,
            thinking_shape: ThinkingShape::ThinkingType,
            thinking_default: true,
            vision: false,
            ..Profile::lenient()
        }
    }

    /// Xiaomi MiMo: `thinking: {type}`, reasoning echo, `max_completion_tokens`, `tool_choice` auto only,
    /// no `strict` on tools.
    pub fn mimo() -> Self {
        Profile {
            name: "mimo".into(),
            require_reasoning_echo: true,
            reject_max_tokens: true,
            tool_choice_auto_only: true,
            reject_tool_strict: true,
            thinking_shape: ThinkingShape::ThinkingType,
            thinking_default: true,
            ..Profile::lenient()
        }
    }

    /// Kimi (Moonshot): no switch, thinking by model id (`kimi-k2-thinking`, which then needs the
    /// reasoning echo), usage only with `stream_options`.
    pub fn kimi() -> Self {
        Profile {
            name: "kimi".into(),
            require_reasoning_echo: true,
            thinking_shape: ThinkingShape::NoSwitch,
            usage_needs_stream_options: true,
            ..Profile::lenient()
        }
    }

    /// SenseNova: no thinking switch accepted, the model always reasons.
    pub fn sensenova() -> Self {
        Profile {
            name: "sensenova".into(),
            thinking_shape: ThinkingShape::NoSwitch,
            thinking_default: true,
            ..Profile::lenient()
        }
    }

    /// Zhipu GLM: `thinking: {type}`.
    pub fn glm() -> Self {
        Profile {
            name: "glm".into(),
            thinking_shape: ThinkingShape::ThinkingType,
            thinking_default: true,
            ..Profile::lenient()
        }
    }

    /// Qwen (DashScope): `enable_thinking`.
    pub fn qwen() -> Self {
        Profile {
            name: "qwen".into(),
            thinking_shape: ThinkingShape::EnableThinking,
            ..Profile::lenient()
        }
    }

    /// MiniMax: no switch, `<think>` tags in content, system only at the start, usage only with `stream_options`.
    pub fn minimax() -> Self {
        Profile {
            name: "minimax".into(),
            system_only_at_start: true,
            thinking_shape: ThinkingShape::NoSwitch,
            thinking_default: true,
            usage_needs_stream_options: true,
            think_tags: true,
            ..Profile::lenient()
        }
    }

    /// The strictness matching a built-in provider id; unknown ids get [`Profile::lenient`].
    pub fn for_provider(id: &str) -> Self {
        match id {
            "deepseek" => Profile::deepseek(),
            "mimo" => Profile::mimo(),
            "kimi" => Profile::kimi(),
            "glm" => Profile::glm(),
            "qwen" => Profile::qwen(),
            "minimax" => Profile::minimax(),
            "sensenova" => Profile::sensenova(),
            other => Profile {
                name: other.to_string(),
                ..Profile::lenient()
            },
        }
    }

    pub fn with_key(mut self, key: &str) -> Self {
        self.api_key = key.to_string();
        self
    }

    /// Whether this request runs in thinking mode, per this profile's switch.
    pub fn thinking_on(&self, body: &Value) -> bool {
        let model = body.get("model").and_then(Value::as_str).unwrap_or("");
        if self
            .thinking_model_markers
            .iter()
            .any(|m| model.contains(m.as_str()))
        {
            return true;
        }
        let by_type = body
            .get("thinking")
            .and_then(|t| t.get("type"))
            .and_then(Value::as_str)
            .map(|t| t == "enabled");
        let by_flag = body.get("enable_thinking").and_then(Value::as_bool);
        match self.thinking_shape {
            ThinkingShape::ThinkingType => by_type.unwrap_or(self.thinking_default),
            ThinkingShape::EnableThinking => by_flag.unwrap_or(self.thinking_default),
            ThinkingShape::NoSwitch => self.thinking_default,
            ThinkingShape::Any => by_type.or(by_flag).unwrap_or(self.thinking_default),
        }
    }
}

/// The 4xx a validation failure produces.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    pub status: u16,
    pub message: String,
}

impl Rejection {
    fn bad(message: impl Into<String>) -> Self {
        Rejection {
            status: 400,
            message: message.into(),
        }
    }

    fn body(&self) -> Value {
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

/// Checks a chat request the way the profile's vendor would. `Ok` means it would be accepted.
pub fn validate(profile: &Profile, headers: &HeaderMap, body: &Value) -> Result<(), Rejection> {
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

// ---------------------------------------------------------------------------------------------
// Scripts

/// One tool call the fake will stream.
#[derive(Clone, Debug)]
pub struct ScriptCall {
    pub id: String,
    pub name: String,
    /// The complete arguments string (usually JSON).
    pub arguments: String,
}

/// Which usage shape to report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum UsageShape {
    /// `prompt_tokens_details.cached_tokens`, `completion_tokens_details.reasoning_tokens`.
    #[default]
    OpenAi,
    /// DeepSeek: `prompt_cache_hit_tokens` / `prompt_cache_miss_tokens`.
    DeepSeek,
}

/// Token counts a script reports.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ScriptUsage {
    pub prompt: u64,
    pub completion: u64,
    pub cached: u64,
    pub reasoning: u64,
    pub shape: UsageShape,
}

impl ScriptUsage {
    pub fn to_json(self) -> Value {
        let mut u = json!({
            "prompt_tokens": self.prompt,
            "completion_tokens": self.completion,
            "total_tokens": self.prompt + self.completion,
            "completion_tokens_details": {"reasoning_tokens": self.reasoning},
        });
        match self.shape {
            UsageShape::OpenAi => {
                u["prompt_tokens_details"] = json!({"cached_tokens": self.cached});
            }
            UsageShape::DeepSeek => {
                u["prompt_cache_hit_tokens"] = json!(self.cached);
                u["prompt_cache_miss_tokens"] = json!(self.prompt - self.cached.min(self.prompt));
            }
        }
        u
    }
}

/// How a stream is ended early.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ending {
    /// finish_reason chunk, usage, `data: [DONE]`.
    Normal,
    /// After `n` content chunks: one `data: {"error": …}` chunk, then the stream closes.
    ErrorChunk { after: usize, message: String },
    /// After `n` content chunks the body ends cleanly with no finish_reason and no `[DONE]`.
    Cut { after: usize },
    /// After `n` content chunks the connection is aborted mid-body (transport error at the client).
    Abort { after: usize },
}

/// One scripted upstream turn. Build with the constructors and chain the modifiers.
#[derive(Clone, Debug)]
pub struct Script {
    /// Answer this HTTP error instead of a completion: status, body (JSON or text), `Retry-After`.
    pub http_error: Option<(u16, String, Option<u64>)>,
    pub header_delay: Duration,
    pub chunk_delay: Duration,
    pub reasoning: Option<String>,
    pub reasoning_chunks: usize,
    pub text: Option<String>,
    pub text_chunks: usize,
    pub tool_calls: Vec<ScriptCall>,
    /// Pieces each call's arguments are split into.
    pub argument_fragments: usize,
    /// Send fragments of parallel calls round-robin (index 0, 1, 0, 1, …) instead of one after another.
    pub interleave: bool,
    pub usage: Option<ScriptUsage>,
    /// Defaults to `tool_calls` when there are calls, else `stop`.
    pub finish_reason: Option<String>,
    pub ending: Ending,
    /// Answer one `chat.completion` JSON even if the request asked for a stream.
    pub force_json: bool,
}

impl Default for Script {
    fn default() -> Self {
        Script {
            http_error: None,
            header_delay: Duration::ZERO,
            chunk_delay: Duration::ZERO,
            reasoning: None,
            reasoning_chunks: 3,
            text: None,
            text_chunks: 3,
            tool_calls: Vec::new(),
            argument_fragments: 3,
            interleave: false,
            usage: Some(ScriptUsage {
                prompt: 20,
                completion: 10,
                ..ScriptUsage::default()
            }),
            finish_reason: None,
            ending: Ending::Normal,
            force_json: false,
        }
    }
}

impl Script {
    /// Plain assistant text.
    pub fn text(text: impl Into<String>) -> Self {
        Script {
            text: Some(text.into()),
            ..Script::default()
        }
    }

    /// One tool call (id, name, arguments string).
    pub fn tool_call(id: &str, name: &str, arguments: impl Into<String>) -> Self {
        Script::default().with_call(id, name, arguments)
    }

    /// An HTTP error before any stream; `body` is sent as is (use a vendor's JSON).
    pub fn http_error(status: u16, body: impl Into<String>) -> Self {
        Script {
            http_error: Some((status, body.into(), None)),
            ..Script::default()
        }
    }

    pub fn with_call(mut self, id: &str, name: &str, arguments: impl Into<String>) -> Self {
        self.tool_calls.push(ScriptCall {
            id: id.into(),
            name: name.into(),
            arguments: arguments.into(),
        });
        self
    }

    pub fn with_text(mut self, text: impl Into<String>) -> Self {
        self.text = Some(text.into());
        self
    }

    pub fn reasoning(mut self, reasoning: impl Into<String>) -> Self {
        self.reasoning = Some(reasoning.into());
        self
    }

    pub fn chunks(mut self, n: usize) -> Self {
        self.text_chunks = n.max(1);
        self.reasoning_chunks = n.max(1);
        self
    }

    pub fn fragments(mut self, n: usize) -> Self {
        self.argument_fragments = n.max(1);
        self
    }

    pub fn interleaved(mut self) -> Self {
        self.interleave = true;
        self
    }

    pub fn usage(mut self, prompt: u64, completion: u64) -> Self {
        let u = self.usage.get_or_insert_with(ScriptUsage::default);
        u.prompt = prompt;
        u.completion = completion;
        self
    }

    pub fn cached(mut self, cached: u64) -> Self {
        self.usage.get_or_insert_with(ScriptUsage::default).cached = cached;
        self
    }

    pub fn reasoning_tokens(mut self, n: u64) -> Self {
        self.usage
            .get_or_insert_with(ScriptUsage::default)
            .reasoning = n;
        self
    }

    pub fn deepseek_usage(mut self) -> Self {
        self.usage.get_or_insert_with(ScriptUsage::default).shape = UsageShape::DeepSeek;
        self
    }

    pub fn no_usage(mut self) -> Self {
        self.usage = None;
        self
    }

    pub fn finish(mut self, reason: &str) -> Self {
        self.finish_reason = Some(reason.into());
        self
    }

    pub fn delay(mut self, between_chunks: Duration) -> Self {
        self.chunk_delay = between_chunks;
        self
    }

    pub fn header_delay(mut self, before_headers: Duration) -> Self {
        self.header_delay = before_headers;
        self
    }

    pub fn retry_after(mut self, secs: u64) -> Self {
        if let Some(e) = self.http_error.as_mut() {
            e.2 = Some(secs);
        }
        self
    }

    pub fn error_chunk_after(mut self, after: usize, message: &str) -> Self {
        self.ending = Ending::ErrorChunk {
            after,
            message: message.into(),
        };
        self
    }

    pub fn cut_after(mut self, after: usize) -> Self {
        self.ending = Ending::Cut { after };
        self
    }

    pub fn abort_after(mut self, after: usize) -> Self {
        self.ending = Ending::Abort { after };
        self
    }

    pub fn json(mut self) -> Self {
        self.force_json = true;
        self
    }

    fn finish_reason(&self) -> String {
        self.finish_reason.clone().unwrap_or_else(|| {
            if self.tool_calls.is_empty() {
                "stop".into()
            } else {
                "tool_calls".into()
            }
        })
    }
}

/// Splits `s` into `n` pieces on char boundaries (fewer if `s` is short).
pub fn split_pieces(s: &str, n: usize) -> Vec<String> {
    let chars: Vec<char> = s.chars().collect();
    if chars.is_empty() {
        return Vec::new();
    }
    let n = n.clamp(1, chars.len());
    let size = chars.len().div_ceil(n);
    chars.chunks(size).map(|c| c.iter().collect()).collect()
}

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

struct Completion {
    id: String,
    model: String,
    created: u64,
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

enum Frame {
    Data(Bytes),
    Abort,
}

fn stream_frames(
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

fn completion_json(script: &Script, profile: &Profile, c: &Completion, thinking: bool) -> Value {
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

// ---------------------------------------------------------------------------------------------
// Server

/// One request the fake received.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    /// Header names lower-case.
    pub headers: HashMap<String, String>,
    /// Parsed body (`Value::Null` when it was not JSON).
    pub body: Value,
    pub raw_body: String,
    /// Set when validation rejected the request.
    pub rejection: Option<Rejection>,
}

impl RecordedRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }

    pub fn messages(&self) -> &[Value] {
        self.body
            .get("messages")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// Upstream tool names offered in this request.
    pub fn tool_names(&self) -> Vec<String> {
        self.body
            .get("tools")
            .and_then(Value::as_array)
            .map(|t| {
                t.iter()
                    .filter_map(|t| t.pointer("/function/name").and_then(Value::as_str))
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The tool message answering `call_id`.
    pub fn tool_message(&self, call_id: &str) -> Option<&Value> {
        self.messages().iter().find(|m| {
            m.get("role").and_then(Value::as_str) == Some("tool")
                && m.get("tool_call_id").and_then(Value::as_str) == Some(call_id)
        })
    }
}

/// Makes a script for a request when the queue is empty.
pub type Responder = Arc<dyn Fn(&RecordedRequest) -> Script + Send + Sync>;

struct Inner {
    profile: Mutex<Profile>,
    queue: Mutex<VecDeque<Script>>,
    requests: Mutex<Vec<RecordedRequest>>,
    hits: AtomicUsize,
    responder: Mutex<Responder>,
    counter: AtomicUsize,
}

/// A running fake upstream; stops when dropped.
pub struct FakeUpstream {
    addr: SocketAddr,
    inner: Arc<Inner>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

/// Default responder: a short text naming the last user message.
pub fn echo_responder() -> Responder {
    Arc::new(|req: &RecordedRequest| {
        let last_user = req
            .messages()
            .iter()
            .rev()
            .find(|m| m.get("role").and_then(Value::as_str) == Some("user"))
            .map(|m| match m.get("content") {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Array(parts)) => parts
                    .iter()
                    .filter_map(|p| p.get("text").and_then(Value::as_str))
                    .collect::<Vec<_>>()
                    .join(" "),
                _ => String::new(),
            })
            .unwrap_or_default();
        let snippet: String = last_user.chars().take(60).collect();
        Script::text(format!("fake upstream reply to: {snippet}"))
    })
}

impl FakeUpstream {
    /// Starts a fake with the given strictness on `127.0.0.1:0`.
    pub async fn start(profile: Profile) -> FakeUpstream {
        let inner = Arc::new(Inner {
            profile: Mutex::new(profile),
            queue: Mutex::new(VecDeque::new()),
            requests: Mutex::new(Vec::new()),
            hits: AtomicUsize::new(0),
            responder: Mutex::new(echo_responder()),
            counter: AtomicUsize::new(0),
        });
        let app = Router::new()
            .route("/v1/chat/completions", post(handle_chat))
            .route("/chat/completions", post(handle_chat))
            .fallback(handle_other)
            .layer(DefaultBodyLimit::max(128 * 1024 * 1024))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind fake upstream");
        let addr = listener.local_addr().expect("local addr");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        FakeUpstream {
            addr,
            inner,
            stop: Some(tx),
        }
    }

    /// `http://127.0.0.1:PORT/v1` — put this in a provider profile's `base_url`.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The key clients must send.
    pub fn api_key(&self) -> String {
        self.inner.profile.lock().unwrap().api_key.clone()
    }

    pub fn profile(&self) -> Profile {
        self.inner.profile.lock().unwrap().clone()
    }

    pub fn set_profile(&self, profile: Profile) {
        *self.inner.profile.lock().unwrap() = profile;
    }

    /// Queues one scripted turn (FIFO).
    pub fn push(&self, script: Script) {
        self.inner.queue.lock().unwrap().push_back(script);
    }

    /// Drops every scripted turn not consumed yet.
    pub fn clear_queue(&self) {
        self.inner.queue.lock().unwrap().clear();
    }

    /// Scripted turns not consumed yet.
    pub fn pending(&self) -> usize {
        self.inner.queue.lock().unwrap().len()
    }

    /// Replaces the responder used when the queue is empty.
    pub fn set_responder(&self, f: impl Fn(&RecordedRequest) -> Script + Send + Sync + 'static) {
        *self.inner.responder.lock().unwrap() = Arc::new(f);
    }

    /// All requests received so far (rejected ones included).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.inner.requests.lock().unwrap().clone()
    }

    /// Requests that passed validation.
    pub fn accepted(&self) -> Vec<RecordedRequest> {
        self.requests()
            .into_iter()
            .filter(|r| r.rejection.is_none())
            .collect()
    }

    /// Requests validation rejected, with why.
    pub fn rejections(&self) -> Vec<Rejection> {
        self.requests()
            .into_iter()
            .filter_map(|r| r.rejection)
            .collect()
    }

    pub fn hits(&self) -> usize {
        self.inner.hits.load(Ordering::SeqCst)
    }
}

impl Drop for FakeUpstream {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}

fn header_map(headers: &HeaderMap) -> HashMap<String, String> {
    headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_ascii_lowercase(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

fn error_response(r: &Rejection) -> Response {
    (
        StatusCode::from_u16(r.status).unwrap_or(StatusCode::BAD_REQUEST),
        [("content-type", "application/json")],
        r.body().to_string(),
    )
        .into_response()
}

async fn handle_other(
    State(inner): State<Arc<Inner>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    inner.hits.fetch_add(1, Ordering::SeqCst);
    let rejection = Rejection {
        status: 404,
        message: format!("fake upstream: no route for {method} {}", uri.path()),
    };
    inner.requests.lock().unwrap().push(RecordedRequest {
        method: method.to_string(),
        path: uri.path().to_string(),
        headers: header_map(&headers),
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        raw_body: String::from_utf8_lossy(&body).into_owned(),
        rejection: Some(rejection.clone()),
    });
    error_response(&rejection)
}

async fn handle_chat(
    State(inner): State<Arc<Inner>>,
    uri: Uri,
    headers: HeaderMap,
    raw: Bytes,
) -> Response {
    inner.hits.fetch_add(1, Ordering::SeqCst);
    let profile = inner.profile.lock().unwrap().clone();
    let parsed: Result<Value, _> = serde_json::from_slice(&raw);
    let body = parsed.as_ref().cloned().unwrap_or(Value::Null);
    let verdict = match &parsed {
        Err(e) => validate(&profile, &headers, &Value::Null).and(Err(Rejection::bad(format!(
            "Failed to deserialize the JSON body: {e}"
        )))),
        Ok(v) => validate(&profile, &headers, v),
    };
    let mut record = RecordedRequest {
        method: "POST".into(),
        path: uri.path().to_string(),
        headers: header_map(&headers),
        body: body.clone(),
        raw_body: String::from_utf8_lossy(&raw).into_owned(),
        rejection: verdict.clone().err(),
    };
    if let Err(r) = verdict {
        inner.requests.lock().unwrap().push(record);
        return error_response(&r);
    }
    let script = inner.queue.lock().unwrap().pop_front();
    let script = match script {
        Some(s) => s,
        None => {
            let responder = inner.responder.lock().unwrap().clone();
            responder(&record)
        }
    };
    record.rejection = None;
    inner.requests.lock().unwrap().push(record);

    if !script.header_delay.is_zero() {
        tokio::time::sleep(script.header_delay).await;
    }
    if let Some((status, err_body, retry_after)) = &script.http_error {
        let mut resp = Response::builder()
            .status(StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
            .header(
                "content-type",
                if err_body.trim_start().starts_with('{') {
                    "application/json"
                } else {
                    "text/plain"
                },
            );
        if let Some(secs) = retry_after {
            resp = resp.header("retry-after", secs.to_string());
        }
        return resp.body(Body::from(err_body.clone())).unwrap();
    }

    let n = inner.counter.fetch_add(1, Ordering::SeqCst) + 1;
    let completion = Completion {
        id: format!("chatcmpl-fake-{n}"),
        model: body
            .get("model")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        created: 1_795_300_000 + n as u64,
    };
    let thinking = profile.thinking_on(&body);
    let wants_stream = body.get("stream").and_then(Value::as_bool).unwrap_or(false);
    if !wants_stream || script.force_json {
        let out = completion_json(&script, &profile, &completion, thinking);
        return (
            StatusCode::OK,
            [("content-type", "application/json")],
            out.to_string(),
        )
            .into_response();
    }

    let frames = stream_frames(&script, &profile, &body, &completion, thinking);
    let delay = script.chunk_delay;
    let stream = futures_util::stream::unfold(
        (frames.into_iter(), true),
        move |(mut it, first)| async move {
            let frame = it.next()?;
            if !first && !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            let item: Result<Bytes, std::io::Error> = match frame {
                Frame::Data(b) => Ok(b),
                Frame::Abort => {
                    // let the frames before it reach the client first
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    Err(std::io::Error::new(
                        std::io::ErrorKind::ConnectionReset,
                        "fake upstream aborts the stream",
                    ))
                }
            };
            Some((item, (it, false)))
        },
    );
    Response::builder()
        .status(StatusCode::OK)
        .header("content-type", "text/event-stream")
        .header("cache-control", "no-cache")
        .body(Body::from_stream(stream))
        .unwrap()
}

// ---------------------------------------------------------------------------------------------
// Client-side helper: reassemble a chat stream (used by the fake's own tests).

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
