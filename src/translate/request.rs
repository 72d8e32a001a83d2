//! Responses request → chat completions request.
//!
//! Order matters for determinism: tool names are allocated for `tools[]` first, then for
//! `additional_tools` / `tool_search_output` tools in input order, then for history-only calls, so
//! the same request always yields the same upstream names.

use serde_json::{json, Map, Value};

use super::history::translate_history;
use super::names::ToolNamer;
use super::notes::Notes;
use super::tools::{convert_tool, reserve_legal_names};
use super::{ChatPlan, TranslateError, TranslateOptions};
use crate::provider::{EffortSupport, MaxTokensField, ThinkingParam};

const SAMPLING_FIELDS: [&str; 4] = [
    "temperature",
    "top_p",
    "presence_penalty",
    "frequency_penalty",
];

/// Translates one Responses request body.
pub fn responses_to_chat(
    request: &Value,
    opts: &TranslateOptions<'_>,
) -> Result<ChatPlan, TranslateError> {
    let req = request.as_object().ok_or(TranslateError::NotAnObject)?;
    let owned_input;
    let input: &[Value] = match req.get("input") {
        Some(Value::Array(items)) => items,
        Some(Value::String(text)) => {
            owned_input = [json!({"type": "message", "role": "user", "content": text})];
            &owned_input
        }
        None | Some(Value::Null) => {
            return Err(bad("input", "missing; expected a string or an array"))
        }
        Some(_) => return Err(bad("input", "must be a string or an array of items")),
    };
    let mut notes = Notes::default();
    let mut namer = ToolNamer::new(opts.quirks.max_tool_name_len);
    let tools = collect_tools(req, input, opts, &mut namer, &mut notes)?;
    let history = translate_history(input, opts, &mut namer, &mut notes)?;

    let mut system: Vec<String> = Vec::new();
    match req.get("instructions") {
        Some(Value::String(s)) if !s.trim().is_empty() => system.push(s.clone()),
        None | Some(Value::Null) | Some(Value::String(_)) => {}
        Some(_) => return Err(bad("instructions", "must be a string")),
    }
    system.extend(history.system);

    let mut body = Map::new();
    body.insert("model".into(), json!(opts.model.id));
    apply_text_format(req.get("text"), opts, &mut body, &mut system, &mut notes);

    let mut messages = Vec::with_capacity(history.messages.len() + 1);
    if !system.is_empty() {
        messages.push(json!({"role": "system", "content": system.join("\n\n")}));
    }
    messages.extend(history.messages);
    body.insert("messages".into(), Value::Array(messages));
    body.insert("stream".into(), json!(true));
    if opts.quirks.stream_usage_option {
        body.insert("stream_options".into(), json!({"include_usage": true}));
    }

    if !tools.is_empty() {
        if let Some(choice) = map_tool_choice(req.get("tool_choice"), opts, &namer, &mut notes) {
            body.insert("tool_choice".into(), choice);
        }
        if let Some(parallel) = req.get("parallel_tool_calls").and_then(Value::as_bool) {
            body.insert("parallel_tool_calls".into(), json!(parallel));
        }
        body.insert("tools".into(), Value::Array(tools));
    }
    apply_generation_params(req, opts, &mut body, &mut notes);

    if req
        .get("previous_response_id")
        .is_some_and(|v| !v.is_null())
    {
        notes.push(
            "ignored:previous_response_id",
            "previous_response_id cannot be honoured (no server-side state); only `input` is sent",
        );
    }
    Ok(ChatPlan {
        body: Value::Object(body),
        tool_names: namer.into_map(),
        client_stream: req.get("stream").and_then(Value::as_bool) == Some(true),
        placeholder_turns: history.placeholder_turns,
        notes: notes.into_vec(),
    })
}

fn bad(field: &str, message: &str) -> TranslateError {
    TranslateError::BadField {
        field: field.to_string(),
        message: message.to_string(),
    }
}

/// `tools[]`, then tools carried by `additional_tools` and `tool_search_output` items.
fn collect_tools(
    req: &Map<String, Value>,
    input: &[Value],
    opts: &TranslateOptions<'_>,
    namer: &mut ToolNamer,
    notes: &mut Notes,
) -> Result<Vec<Value>, TranslateError> {
    let mut defs: Vec<(String, &Value)> = Vec::new();
    match req.get("tools") {
        None | Some(Value::Null) => {}
        Some(Value::Array(list)) => {
            defs.extend(
                list.iter()
                    .enumerate()
                    .map(|(i, d)| (format!("tools[{i}]"), d)),
            );
        }
        Some(_) => return Err(bad("tools", "must be an array")),
    }
    for (i, item) in input.iter().enumerate() {
        let kind = item.get("type").and_then(Value::as_str).unwrap_or("");
        if kind != "additional_tools" && kind != "tool_search_output" {
            continue;
        }
        if kind == "tool_search_output" {
            notes.push(
                "drop-item:tool_search_output",
                "tool_search results are not sent as an item; the tools they found are added to the tool list",
            );
        }
        match item.get("tools") {
            Some(Value::Array(list)) => defs.extend(
                list.iter()
                    .enumerate()
                    .map(|(j, d)| (format!("input[{i}].tools[{j}]"), d)),
            ),
            None | Some(Value::Null) => {}
            Some(_) => return Err(bad(&format!("input[{i}].tools"), "must be an array")),
        }
    }
    reserve_legal_names(
        defs.iter().map(|(_, d)| *d),
        opts.quirks.max_tool_name_len,
        namer,
    );
    let mut out = Vec::new();
    for (field, def) in defs {
        convert_tool(def, &field, opts.quirks, namer, &mut out, notes)?;
    }
    Ok(out)
}

/// `text.format`: a native `response_format` when the upstream takes one, else an instruction.
fn apply_text_format(
    text: Option<&Value>,
    opts: &TranslateOptions<'_>,
    body: &mut Map<String, Value>,
    system: &mut Vec<String>,
    notes: &mut Notes,
) {
    let Some(format) = text
        .and_then(|t| t.get("format"))
        .and_then(Value::as_object)
    else {
        return;
    };
    let native = opts.quirks.json_schema_response_format;
    match format.get("type").and_then(Value::as_str) {
        Some("json_schema") => {
            let schema = format.get("schema").cloned().unwrap_or_else(|| json!({}));
            let name = format
                .get("name")
                .and_then(Value::as_str)
                .filter(|n| !n.is_empty())
                .unwrap_or("response");
            if native {
                let mut spec = json!({"name": name, "schema": schema});
                if let Some(strict) = format.get("strict").and_then(Value::as_bool) {
                    spec["strict"] = json!(strict);
                }
                if let Some(d) = format.get("description").and_then(Value::as_str) {
                    spec["description"] = json!(d);
                }
                body.insert(
                    "response_format".into(),
                    json!({"type": "json_schema", "json_schema": spec}),
                );
            } else {
                let pretty = serde_json::to_string_pretty(&schema).unwrap_or_default();
                system.push(format!(
                    "Answer with only one JSON value (no prose, no code fence) that matches this JSON schema named `{name}`:\n{pretty}"
                ));
                notes.push(
                    "json-schema-as-instruction",
                    "the upstream takes no json_schema response_format; the schema was put into the system message",
                );
            }
        }
        Some("json_object") => {
            if native {
                body.insert("response_format".into(), json!({"type": "json_object"}));
            } else {
                system.push(
                    "Answer with only one valid JSON object (no prose, no code fence).".into(),
                );
            }
        }
        _ => {}
    }
}

/// Chat `tool_choice` for a Responses one; `None` when it cannot or must not be sent.
fn map_tool_choice(
    choice: Option<&Value>,
    opts: &TranslateOptions<'_>,
    namer: &ToolNamer,
    notes: &mut Notes,
) -> Option<Value> {
    let mapped = match choice? {
        Value::String(s) if matches!(s.as_str(), "auto" | "none" | "required") => json!(s),
        Value::Object(o) => {
            let kind = o.get("type").and_then(Value::as_str).unwrap_or("");
            let name = o.get("name").and_then(Value::as_str).unwrap_or("");
            let namespace = o.get("namespace").and_then(Value::as_str);
            match (kind, namer.existing(namespace, name)) {
                ("function" | "custom", Some(up)) => {
                    json!({"type": "function", "function": {"name": up}})
                }
                _ => {
                    notes.push(
                        "drop-tool-choice",
                        format!(
                            "tool_choice {} names no tool that is sent upstream; it is dropped",
                            Value::Object(o.clone())
                        ),
                    );
                    return None;
                }
            }
        }
        Value::Null => return None,
        other => {
            notes.push(
                "drop-tool-choice",
                format!("unknown tool_choice {other} is dropped"),
            );
            return None;
        }
    };
    if opts.quirks.tool_choice_auto_only && mapped != json!("auto") {
        notes.push(
            "drop-tool-choice:auto-only",
            "the upstream accepts only tool_choice \"auto\"; the requested choice is dropped",
        );
        return None;
    }
    Some(mapped)
}

/// Token cap, thinking switch, reasoning effort, sampling.
fn apply_generation_params(
    req: &Map<String, Value>,
    opts: &TranslateOptions<'_>,
    body: &mut Map<String, Value>,
    notes: &mut Notes,
) {
    let quirks = opts.quirks;
    let thinking_on = super::effective_thinking(quirks, opts.model, opts.thinking);
    if let Some(max) = req.get("max_output_tokens").and_then(Value::as_u64) {
        let cap = u64::from(opts.model.max_output_tokens);
        let max = if cap > 0 && max > cap {
            notes.push(
                "clamp:max_output_tokens",
                format!("max_output_tokens {max} exceeds the model's {cap}; clamped"),
            );
            cap
        } else {
            max
        };
        let field = match quirks.max_tokens_field {
            MaxTokensField::MaxTokens => "max_tokens",
            MaxTokensField::MaxCompletionTokens => "max_completion_tokens",
        };
        body.insert(field.into(), json!(max));
    }
    if opts.model.reasoning {
        match quirks.thinking_param {
            ThinkingParam::None => {}
            ThinkingParam::ThinkingType => {
                let kind = if opts.thinking { "enabled" } else { "disabled" };
                body.insert("thinking".into(), json!({ "type": kind }));
            }
            ThinkingParam::EnableThinking => {
                body.insert("enable_thinking".into(), json!(opts.thinking));
            }
        }
    }
    let effort = req
        .get("reasoning")
        .and_then(|r| r.get("effort"))
        .and_then(Value::as_str);
    if let (true, Some(effort)) = (thinking_on, effort) {
        if let Some(mapped) = map_effort(quirks.reasoning_effort, effort) {
            body.insert("reasoning_effort".into(), json!(mapped));
        } else if quirks.reasoning_effort != EffortSupport::Omit {
            notes.push(
                format!("drop-effort:{effort}"),
                format!("reasoning effort `{effort}` has no upstream equivalent and is not sent"),
            );
        }
    }
    for field in SAMPLING_FIELDS {
        let Some(value) = req.get(field).filter(|v| v.is_number()) else {
            continue;
        };
        if thinking_on && quirks.drop_sampling_when_thinking {
            notes.push(
                format!("drop-sampling:{field}"),
                format!("`{field}` is rejected by the upstream while thinking; it is not sent"),
            );
        } else {
            body.insert(field.into(), value.clone());
        }
    }
}

/// The `reasoning_effort` value to send for Codex's effort, per what the upstream accepts.
pub fn map_effort(support: EffortSupport, effort: &str) -> Option<String> {
    match support {
        EffortSupport::Omit => None,
        EffortSupport::Passthrough => Some(effort.to_string()),
        EffortSupport::LowMediumHigh => match effort {
            "none" | "minimal" | "low" => Some("low".into()),
            "medium" => Some("medium".into()),
            "high" | "xhigh" => Some("high".into()),
            _ => None,
        },
    }
}

#[cfg(test)]
#[path = "request_tests.rs"]
mod tests;
