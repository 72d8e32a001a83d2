//! Tool definitions Codex → upstream function tools, and the reverse name map.

use std::collections::HashMap;

use serde_json::{json, Map, Value};

use super::names::{is_legal_tool_name, ToolNamer};
use super::notes::Notes;
use super::schema::normalize_parameters;
use super::TranslateError;
use crate::provider::Quirks;

/// What a tool was called on the Codex side.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ToolOrigin {
    /// A plain function tool.
    Function { name: String },
    /// A function nested in a `namespace` tool; must come back with `namespace` set.
    Namespaced { namespace: String, name: String },
    /// A freeform (`custom`) tool such as apply_patch; sent upstream as a function with one string
    /// parameter named `input`, comes back as a `custom_tool_call`. A custom tool nested in a namespace
    /// (Responses-Lite `functions.exec`) keeps its namespace in [`ToolNameMap::namespace`].
    Custom { name: String },
}

/// Upstream function name → Codex tool. Deterministic: the same tools give the same names every call,
/// so history from earlier calls maps the same way.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ToolNameMap {
    by_upstream: HashMap<String, ToolOrigin>,
    /// Namespaces of custom tools nested in a namespace (kept aside so `ToolOrigin` stays unchanged).
    custom_namespaces: HashMap<String, String>,
}

impl ToolNameMap {
    pub fn insert(&mut self, upstream: String, origin: ToolOrigin) {
        self.by_upstream.insert(upstream, origin);
    }

    /// Records a custom tool that lives in a namespace.
    pub fn insert_custom_in_namespace(&mut self, upstream: String, namespace: &str, name: &str) {
        self.custom_namespaces
            .insert(upstream.clone(), namespace.to_string());
        self.by_upstream.insert(
            upstream,
            ToolOrigin::Custom {
                name: name.to_string(),
            },
        );
    }

    /// The Codex tool an upstream name stands for; unknown names come back as plain functions.
    pub fn resolve(&self, upstream: &str) -> ToolOrigin {
        self.by_upstream
            .get(upstream)
            .cloned()
            .unwrap_or_else(|| ToolOrigin::Function {
                name: upstream.to_string(),
            })
    }

    /// The `namespace` to put on the Codex item for an upstream name (namespaced functions and
    /// namespaced custom tools), `None` for top-level tools.
    pub fn namespace(&self, upstream: &str) -> Option<&str> {
        match self.by_upstream.get(upstream) {
            Some(ToolOrigin::Namespaced { namespace, .. }) => Some(namespace),
            Some(ToolOrigin::Custom { .. }) => {
                self.custom_namespaces.get(upstream).map(String::as_str)
            }
            _ => None,
        }
    }

    /// The upstream name recorded for a Codex tool (reverse of [`resolve`](Self::resolve)).
    pub fn upstream_name(&self, origin: &ToolOrigin) -> Option<&str> {
        self.by_upstream
            .iter()
            .find(|(_, o)| *o == origin)
            .map(|(k, _)| k.as_str())
    }

    pub fn len(&self) -> usize {
        self.by_upstream.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_upstream.is_empty()
    }
}

/// Converts Codex tool definitions into chat `tools` entries, appending to `out`.
/// `field` names the definition in errors (e.g. `tools[3]`).
pub fn convert_tool(
    def: &Value,
    field: &str,
    quirks: &Quirks,
    namer: &mut ToolNamer,
    out: &mut Vec<Value>,
    notes: &mut Notes,
) -> Result<(), TranslateError> {
    let obj = def.as_object().ok_or_else(|| TranslateError::BadField {
        field: field.to_string(),
        message: "tool must be an object".into(),
    })?;
    let kind = obj.get("type").and_then(Value::as_str).unwrap_or("");
    match kind {
        "function" | "custom" => {
            let tool = convert_callable(obj, None, field, quirks, namer, notes)?;
            push_unique(out, tool, notes);
        }
        "namespace" => {
            let ns = required_name(obj, field)?;
            let nested = obj.get("tools").and_then(Value::as_array);
            for (i, sub) in nested.into_iter().flatten().enumerate() {
                let sub_field = format!("{field}.tools[{i}]");
                let sub_obj = sub.as_object().ok_or_else(|| TranslateError::BadField {
                    field: sub_field.clone(),
                    message: "tool must be an object".into(),
                })?;
                match sub_obj.get("type").and_then(Value::as_str).unwrap_or("") {
                    "function" | "custom" => {
                        let tool =
                            convert_callable(sub_obj, Some(ns), &sub_field, quirks, namer, notes)?;
                        push_unique(out, tool, notes);
                    }
                    other => notes.push(
                        format!("drop-tool:{ns}.{other}"),
                        format!("namespace `{ns}` holds a `{other}` tool; only functions and custom tools can be flattened, it is not sent"),
                    ),
                }
            }
        }
        hosted if quirks.hosted_tools => {
            // Upstreams that advertise hosted tools take the Responses definition unchanged.
            out.push(def.clone());
            notes.push(
                format!("forward-tool:{hosted}"),
                format!("hosted tool `{hosted}` forwarded to the upstream as is"),
            );
        }
        hosted => notes.push(
            format!("drop-tool:{hosted}"),
            format!("hosted tool `{hosted}` is not supported by a chat-completions upstream and is not sent"),
        ),
    }
    Ok(())
}

/// Gives every top-level tool whose name is already legal upstream its own name first, so a
/// flattened or sanitized name can never take it (e.g. `has.dot` → `has_dot` vs a real `has_dot`).
pub fn reserve_legal_names<'v>(
    defs: impl Iterator<Item = &'v Value>,
    max_len: usize,
    namer: &mut ToolNamer,
) {
    for def in defs {
        let kind = def.get("type").and_then(Value::as_str).unwrap_or("");
        if kind != "function" && kind != "custom" {
            continue;
        }
        if let Some(name) = def.get("name").and_then(Value::as_str) {
            if is_legal_tool_name(name, max_len) {
                namer.name_for(None, name, kind == "custom");
            }
        }
    }
}

fn required_name<'v>(obj: &'v Map<String, Value>, field: &str) -> Result<&'v str, TranslateError> {
    obj.get("name")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| TranslateError::BadField {
            field: format!("{field}.name"),
            message: "tool needs a non-empty string `name`".into(),
        })
}

/// A `function` or `custom` definition as a chat function tool.
fn convert_callable(
    obj: &Map<String, Value>,
    namespace: Option<&str>,
    field: &str,
    quirks: &Quirks,
    namer: &mut ToolNamer,
    notes: &mut Notes,
) -> Result<Value, TranslateError> {
    let name = required_name(obj, field)?;
    let custom = obj.get("type").and_then(Value::as_str) == Some("custom");
    let upstream = namer.name_for(namespace, name, custom);
    let shown = match namespace {
        Some(ns) => format!("{ns}.{name}"),
        None => name.to_string(),
    };
    if namespace.is_none() && upstream != name {
        notes.push(
            format!("tool-name-mapped:{name}"),
            format!("tool `{name}` renamed `{upstream}` upstream (illegal characters, too long or colliding)"),
        );
    }
    let description = obj.get("description").and_then(Value::as_str).unwrap_or("");
    let mut function = Map::new();
    function.insert("name".into(), json!(upstream));
    let parameters = if custom {
        let text = custom_description(description, obj.get("format"));
        function.insert("description".into(), json!(text));
        notes.push(
            format!("custom-tool:{shown}"),
            format!("freeform tool `{shown}` sent as function `{upstream}` with one string parameter `input`"),
        );
        json!({
            "type": "object",
            "properties": {"input": {"type": "string", "description": "The complete raw input text for the tool (not JSON-encoded beyond this string)."}},
            "required": ["input"],
            "additionalProperties": false
        })
    } else {
        if !description.is_empty() {
            function.insert("description".into(), json!(description));
        }
        normalize_parameters(obj.get("parameters"))
    };
    function.insert("parameters".into(), parameters);
    if !quirks.omit_tool_strict {
        // `strict: null` is rejected by some upstreams; only a real boolean is forwarded.
        if let Some(strict) = obj.get("strict").and_then(Value::as_bool) {
            function.insert("strict".into(), json!(strict));
        }
    }
    Ok(json!({"type": "function", "function": Value::Object(function)}))
}

/// The description of a freeform tool: the original text plus the input syntax, so the model can
/// write valid input without the grammar-constrained sampling OpenAI does.
fn custom_description(description: &str, format: Option<&Value>) -> String {
    let mut text = description.trim_end().to_string();
    if !text.is_empty() {
        text.push_str("\n\n");
    }
    text.push_str(
        "This is a freeform tool: pass its raw input text, exactly as the tool expects it, as the string argument `input`.",
    );
    let syntax = format
        .and_then(|f| f.get("syntax"))
        .and_then(Value::as_str)
        .unwrap_or("grammar");
    if let Some(definition) = format
        .and_then(|f| f.get("definition"))
        .and_then(Value::as_str)
        .filter(|d| !d.trim().is_empty())
    {
        text.push_str(&format!(
            " The input must match this {syntax} grammar:\n```{syntax}\n{}\n```",
            definition.trim_matches('\n')
        ));
    }
    text
}

/// Skips a second definition of the same upstream name (e.g. a tool both in `tools` and in
/// `additional_tools`): upstreams reject duplicate function names.
fn push_unique(out: &mut Vec<Value>, tool: Value, notes: &mut Notes) {
    let name = tool["function"]["name"].as_str().unwrap_or("");
    if out.iter().any(|t| t["function"]["name"] == name) {
        notes.push(
            format!("duplicate-tool:{name}"),
            format!("tool `{name}` defined twice; the first definition is sent"),
        );
        return;
    }
    out.push(tool);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn convert(defs: Value, quirks: &Quirks) -> (Vec<Value>, ToolNameMap, Notes) {
        let mut namer = ToolNamer::new(quirks.max_tool_name_len);
        let mut out = Vec::new();
        let mut notes = Notes::default();
        for (i, d) in defs.as_array().into_iter().flatten().enumerate() {
            let r = convert_tool(
                d,
                &format!("tools[{i}]"),
                quirks,
                &mut namer,
                &mut out,
                &mut notes,
            );
            assert!(r.is_ok(), "{r:?}");
        }
        (out, namer.into_map(), notes)
    }

    #[test]
    fn function_tool_is_normalised_and_strict_follows_quirk() {
        let defs = json!([
            {"type": "function", "name": "f", "description": "d", "strict": false, "parameters": null},
            {"type": "function", "name": "g", "strict": null, "parameters": {"type": "object", "properties": {}}}
        ]);
        let (out, _, _) = convert(defs.clone(), &Quirks::default());
        assert_eq!(
            out[0],
            json!({"type": "function", "function": {"name": "f", "description": "d",
                "parameters": {"type": "object", "properties": {}}}})
        );
        let keep = Quirks {
            omit_tool_strict: false,
            ..Quirks::default()
        };
        let (out, _, _) = convert(defs, &keep);
        assert_eq!(out[0]["function"]["strict"], json!(false));
        assert!(out[1]["function"].get("strict").is_none());
        assert!(out[1]["function"].get("description").is_none());
    }

    #[test]
    fn custom_tool_becomes_input_function_with_grammar() {
        let defs = json!([{"type": "custom", "name": "apply_patch", "description": "Edit files.",
            "format": {"type": "grammar", "syntax": "lark", "definition": "start: begin_patch\n"}}]);
        let (out, map, _) = convert(defs, &Quirks::default());
        let f = &out[0]["function"];
        assert_eq!(f["name"], "apply_patch");
        assert_eq!(f["parameters"]["required"], json!(["input"]));
        assert_eq!(f["parameters"]["properties"]["input"]["type"], "string");
        let desc = f["description"].as_str().unwrap_or("");
        assert!(desc.starts_with("Edit files."));
        assert!(desc.contains("```lark\nstart: begin_patch\n```"), "{desc}");
        assert_eq!(
            map.resolve("apply_patch"),
            ToolOrigin::Custom {
                name: "apply_patch".into()
            }
        );
    }

    #[test]
    fn hosted_tools_are_dropped_unless_quirk() {
        let defs = json!([{"type": "web_search"}, {"type": "function", "name": "f"}]);
        let (out, _, notes) = convert(defs.clone(), &Quirks::default());
        assert_eq!(out.len(), 1);
        assert!(notes.has("drop-tool:web_search"));
        let hosted = Quirks {
            hosted_tools: true,
            ..Quirks::default()
        };
        let (out, _, _) = convert(defs, &hosted);
        assert_eq!(out[0], json!({"type": "web_search"}));
    }

    #[test]
    fn duplicates_and_bad_shapes() {
        let defs = json!([{"type": "function", "name": "f"}, {"type": "function", "name": "f"}]);
        let (out, _, notes) = convert(defs, &Quirks::default());
        assert_eq!(out.len(), 1);
        assert!(notes.has("duplicate-tool:f"));
        let mut namer = ToolNamer::new(64);
        let mut notes = Notes::default();
        let err = convert_tool(
            &json!(3),
            "tools[2]",
            &Quirks::default(),
            &mut namer,
            &mut Vec::new(),
            &mut notes,
        );
        assert!(matches!(err, Err(TranslateError::BadField { field, .. }) if field == "tools[2]"));
        let err = convert_tool(
            &json!({"type": "function"}),
            "tools[0]",
            &Quirks::default(),
            &mut namer,
            &mut Vec::new(),
            &mut notes,
        );
        assert!(
            matches!(err, Err(TranslateError::BadField { field, .. }) if field == "tools[0].name")
        );
    }

    #[test]
    fn reverse_lookup_finds_upstream_name() {
        let defs = json!([{"type": "namespace", "name": "ns", "tools": [{"type": "function", "name": "x"}]}]);
        let (_, map, _) = convert(defs, &Quirks::default());
        let origin = ToolOrigin::Namespaced {
            namespace: "ns".into(),
            name: "x".into(),
        };
        assert_eq!(map.upstream_name(&origin), Some("ns__x"));
    }
}
