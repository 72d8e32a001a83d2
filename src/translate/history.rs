//! Responses `input[]` items → chat `messages[]` (without the system message, which is returned apart).
//!
//! Chat upstreams are strict about shape: every `tool_calls` entry must be answered by a `tool` message
//! right after its assistant message, and nothing else may answer it. Codex history can be broken
//! (interrupted turns, trimmed history, items from other providers), so orphans are repaired here
//! instead of being sent broken.

use std::collections::{HashMap, HashSet};

use serde_json::{json, Map, Value};

use super::content::{
    has_images, image_part, image_stand_in, read_parts, text_of, user_content, Part,
};
use super::names::ToolNamer;
use super::notes::Notes;
use super::reasoning::{decode_reasoning, reasoning_item_text};
use super::schema::canonical_arguments;
use super::{TranslateError, TranslateOptions, NO_THINKING_PLACEHOLDER};

/// Tool message for a call whose output never came back.
pub const MISSING_OUTPUT_TEXT: &str =
    "No output was recorded for this tool call (it was probably interrupted or cancelled).";

/// The translated history.
#[derive(Debug, Default)]
pub struct History {
    /// Developer/system texts in order; the caller puts them into one leading system message.
    pub system: Vec<String>,
    pub messages: Vec<Value>,
    pub placeholder_turns: usize,
}

const CALL_TYPES: [&str; 3] = ["function_call", "custom_tool_call", "local_shell_call"];
const OUTPUT_TYPES: [&str; 3] = [
    "function_call_output",
    "custom_tool_call_output",
    "local_shell_call_output",
];

/// Translates `input[]`. Fails only on items that are not objects.
pub fn translate_history(
    input: &[Value],
    opts: &TranslateOptions<'_>,
    namer: &mut ToolNamer,
    notes: &mut Notes,
) -> Result<History, TranslateError> {
    let mut b = Builder {
        opts,
        namer,
        notes,
        outputs: HashMap::new(),
        call_ids: HashSet::new(),
        emitted_calls: HashSet::new(),
        out: History::default(),
        turn: Turn::default(),
        thinking_on: super::effective_thinking(opts.quirks, opts.model, opts.thinking),
    };
    for (i, item) in input.iter().enumerate() {
        let obj = item.as_object().ok_or_else(|| TranslateError::BadField {
            field: format!("input[{i}]"),
            message: "input item must be an object".into(),
        })?;
        let kind = item_type(obj);
        if let Some(id) = call_id(obj) {
            if CALL_TYPES.contains(&kind) {
                b.call_ids.insert(id.to_string());
            } else if OUTPUT_TYPES.contains(&kind)
                && b.outputs.insert(id.to_string(), item).is_some()
            {
                b.notes.push(
                    "duplicate-output",
                    "a tool call has more than one output item; only the last is sent",
                );
            }
        }
    }
    for (i, item) in input.iter().enumerate() {
        b.item(i, item);
    }
    b.flush();
    Ok(b.out)
}

fn item_type(obj: &Map<String, Value>) -> &str {
    match obj.get("type").and_then(Value::as_str) {
        Some(t) => t,
        // The short "easy input message" form has a role and no type.
        None if obj.contains_key("role") => "message",
        None => "",
    }
}

fn call_id(obj: &Map<String, Value>) -> Option<&str> {
    obj.get("call_id")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

struct Call {
    id: String,
    name: String,
    arguments: String,
}

/// The assistant items collected since the last user/tool boundary.
#[derive(Default)]
struct Turn {
    reasoning: Vec<String>,
    reasoning_items: usize,
    text: Vec<String>,
    calls: Vec<Call>,
}

struct Builder<'b, 'o, 'a> {
    opts: &'b TranslateOptions<'o>,
    namer: &'b mut ToolNamer,
    notes: &'b mut Notes,
    /// Output item per call id (pre-pass), taken when its call's turn is flushed.
    outputs: HashMap<String, &'a Value>,
    /// Every call id that appears anywhere in the input.
    call_ids: HashSet<String>,
    emitted_calls: HashSet<String>,
    out: History,
    turn: Turn,
    thinking_on: bool,
}

impl<'a> Builder<'_, '_, 'a> {
    fn item(&mut self, index: usize, item: &'a Value) {
        let Some(obj) = item.as_object() else {
            return;
        };
        let kind = item_type(obj);
        match kind {
            "message" => self.message(obj),
            "reasoning" => {
                self.turn.reasoning_items += 1;
                match reasoning_item_text(item) {
                    Some(text) => self.turn.reasoning.push(text),
                    None => self.notes.push(
                        "reasoning-unreadable",
                        "a reasoning item from another provider has no readable text; it is not sent",
                    ),
                }
            }
            "function_call" | "custom_tool_call" | "local_shell_call" => {
                self.call(index, obj, kind)
            }
            "function_call_output" | "custom_tool_call_output" | "local_shell_call_output" => {
                // Any output is a boundary: the next assistant item starts a new turn.
                self.flush();
                match call_id(obj) {
                    Some(id) if self.call_ids.contains(id) => {}
                    id => self.orphan_output(obj, id.map(str::to_string)),
                }
            }
            // Its tools were already added to the tool list by the caller.
            "additional_tools" => {}
            "compaction" | "compaction_summary" => self.compaction(obj, kind),
            other => {
                let key = if other.is_empty() { "unknown" } else { other };
                self.notes.push(
                    format!("drop-item:{key}"),
                    format!("input item of type `{key}` has no chat-completions equivalent and is not sent"),
                );
            }
        }
    }

    fn message(&mut self, obj: &Map<String, Value>) {
        let role = obj.get("role").and_then(Value::as_str).unwrap_or("user");
        let parts = read_parts(obj.get("content"), self.notes);
        match role {
            "developer" | "system" => {
                if has_images(&parts) {
                    self.notes.push(
                        "drop-part:system-image",
                        "images in developer/system messages cannot be sent; a stand-in text is used",
                    );
                }
                // Codex splits its instructions into several parts; keep them visibly apart.
                let text = parts
                    .iter()
                    .map(|p| match p {
                        Part::Text(t) => t.as_str(),
                        Part::Image { .. } => {
                            "[image omitted: system messages cannot carry images]"
                        }
                    })
                    .filter(|t| !t.trim().is_empty())
                    .collect::<Vec<_>>()
                    .join("\n\n");
                if !text.trim().is_empty() {
                    self.out.system.push(text);
                }
            }
            "assistant" => {
                let text = text_of(&parts, "[image omitted]");
                if !text.is_empty() {
                    self.turn.text.push(text);
                }
            }
            other => {
                if other != "user" {
                    self.notes.push(
                        format!("role-as-user:{other}"),
                        format!("message role `{other}` is sent as a user message"),
                    );
                }
                self.flush();
                if parts.is_empty() {
                    self.notes.push(
                        "drop-item:empty-user-message",
                        "an empty user message is not sent",
                    );
                    return;
                }
                let content = user_content(&parts, self.opts.model.vision, &self.opts.model.id);
                self.out
                    .messages
                    .push(json!({"role": "user", "content": content}));
            }
        }
    }

    fn call(&mut self, index: usize, obj: &Map<String, Value>, kind: &str) {
        let id = call_id(obj)
            .or_else(|| obj.get("id").and_then(Value::as_str))
            .map(str::to_string)
            .unwrap_or_else(|| format!("call_m2c_{index}"));
        if !self.emitted_calls.insert(id.clone()) {
            self.notes.push(
                "duplicate-call",
                "a tool call id appears twice in the history; the repeat is not sent",
            );
            return;
        }
        let namespace = obj
            .get("namespace")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty());
        let name = match kind {
            "local_shell_call" => "local_shell",
            _ => obj.get("name").and_then(Value::as_str).unwrap_or(""),
        };
        let name = if name.is_empty() {
            self.notes.push(
                "call-without-name",
                "a tool call without a name is sent as `unknown_tool`",
            );
            "unknown_tool"
        } else {
            name
        };
        let (arguments, repaired) = match kind {
            "custom_tool_call" => {
                let input = obj.get("input").and_then(Value::as_str).unwrap_or("");
                (json!({ "input": input }).to_string(), false)
            }
            "local_shell_call" => canonical_arguments(obj.get("action")),
            _ => canonical_arguments(obj.get("arguments")),
        };
        if repaired {
            self.notes.push(
                "repaired-arguments",
                "historical tool-call arguments were not a JSON object; they were wrapped so the upstream accepts them",
            );
        }
        let upstream = self
            .namer
            .name_for(namespace, name, kind == "custom_tool_call");
        self.turn.calls.push(Call {
            id,
            name: upstream,
            arguments,
        });
    }

    fn compaction(&mut self, obj: &Map<String, Value>, kind: &str) {
        // Only a summary we encoded ourselves is readable; OpenAI's is encrypted for its servers.
        let ours = obj
            .get("encrypted_content")
            .and_then(Value::as_str)
            .and_then(decode_reasoning);
        match ours {
            Some(summary) => {
                self.flush();
                self.out.messages.push(json!({"role": "user",
                    "content": format!("Summary of the earlier conversation:\n{summary}")}));
            }
            None => self.notes.push(
                format!("drop-item:{kind}"),
                "a compaction item is encrypted for OpenAI's servers and cannot be sent; earlier context is lost",
            ),
        }
    }

    fn orphan_output(&mut self, obj: &Map<String, Value>, id: Option<String>) {
        self.notes.push(
            "orphan-output",
            "a tool output without its call was sent as user text",
        );
        let label = match id {
            Some(id) => {
                format!("Output of tool call `{id}` (the call itself is not in the history):")
            }
            None => "Output of a tool call that is not in the history:".to_string(),
        };
        let mut parts = vec![Part::Text(label)];
        parts.extend(read_parts(obj.get("output"), self.notes));
        let content = user_content(&parts, self.opts.model.vision, &self.opts.model.id);
        self.out
            .messages
            .push(json!({"role": "user", "content": content}));
    }

    /// Emits the collected assistant turn, its tool messages in call order, then any tool images.
    fn flush(&mut self) {
        let turn = std::mem::take(&mut self.turn);
        if turn.text.is_empty() && turn.calls.is_empty() {
            if turn.reasoning_items > 0 {
                self.notes.push(
                    "drop-item:reasoning-only-turn",
                    "a reasoning item with no message or call after it is not sent",
                );
            }
            return;
        }
        let quirks = self.opts.quirks;
        let mut content = turn.text.join("\n\n");
        let mut msg = Map::new();
        msg.insert("role".into(), json!("assistant"));
        let reasoning = turn.reasoning.join("\n\n");
        if self.thinking_on {
            if quirks.think_tags_in_content && !reasoning.is_empty() {
                // Think-tag models expect their reasoning back where they wrote it.
                content = format!("<think>\n{reasoning}\n</think>\n\n{content}");
            } else if !reasoning.is_empty() {
                msg.insert("reasoning_content".into(), json!(reasoning));
            } else if quirks.echo_reasoning_content {
                msg.insert("reasoning_content".into(), json!(NO_THINKING_PLACEHOLDER));
                self.out.placeholder_turns += 1;
            }
        } else if !reasoning.is_empty() {
            self.notes.push(
                "reasoning-not-sent",
                "thinking is off, so earlier reasoning is not sent upstream",
            );
        }
        if content.is_empty() && !turn.calls.is_empty() {
            msg.insert("content".into(), Value::Null);
        } else {
            msg.insert("content".into(), json!(content));
        }
        if !turn.calls.is_empty() {
            let calls: Vec<Value> = turn
                .calls
                .iter()
                .map(|c| {
                    json!({"id": c.id, "type": "function",
                    "function": {"name": c.name, "arguments": c.arguments}})
                })
                .collect();
            msg.insert("tool_calls".into(), Value::Array(calls));
        }
        self.out.messages.push(Value::Object(msg));

        let mut images: Vec<Value> = Vec::new();
        for call in &turn.calls {
            let text = match self.outputs.remove(&call.id) {
                Some(item) => self.tool_text(item, &call.id, &mut images),
                None => {
                    self.notes.push(
                        "orphan-call",
                        "a tool call had no output in the history; a 'no output recorded' tool message was sent",
                    );
                    MISSING_OUTPUT_TEXT.to_string()
                }
            };
            self.out
                .messages
                .push(json!({"role": "tool", "tool_call_id": call.id, "content": text}));
        }
        if !images.is_empty() {
            // Tool messages cannot carry images on chat APIs; they follow as one user message so the
            // tool messages stay contiguous after their assistant message.
            let mut content =
                vec![json!({"type": "text", "text": "Images returned by the tool calls above:"})];
            content.extend(images);
            self.out
                .messages
                .push(json!({"role": "user", "content": content}));
        }
    }

    fn tool_text(&mut self, item: &Value, id: &str, images: &mut Vec<Value>) -> String {
        let parts = read_parts(item.get("output"), self.notes);
        let vision = self.opts.model.vision;
        let stand_in = image_stand_in(&self.opts.model.id);
        let texts: Vec<String> = parts
            .iter()
            .map(|p| match p {
                Part::Text(t) => t.clone(),
                Part::Image { url, detail } if vision => {
                    images.push(image_part(url, detail.as_deref()));
                    format!("[image attached in the next message: output of `{id}`]")
                }
                Part::Image { .. } => stand_in.clone(),
            })
            .collect();
        let text = texts.join("\n");
        if text.is_empty() {
            "(no output)".to_string()
        } else {
            text
        }
    }
}
