//! Tool schemas and historical call arguments, made acceptable to strict chat upstreams.
//!
//! DeepSeek, Kimi and Azure reject `parameters: null`, `type: null` and top-level combinators; MiniMax
//! (and others) poison a whole session on one invalid JSON argument string. Both are repaired here.

use serde_json::{json, Map, Value};

/// Keys whose value is one sub-schema.
const SUB_SCHEMA_KEYS: [&str; 5] = ["items", "additionalProperties", "not", "contains", "if"];
/// Keys whose value is a list of sub-schemas.
const SUB_SCHEMA_LISTS: [&str; 4] = ["anyOf", "oneOf", "allOf", "prefixItems"];
/// Keys whose value maps names to sub-schemas.
const SUB_SCHEMA_MAPS: [&str; 4] = ["properties", "$defs", "definitions", "patternProperties"];

/// An empty object schema, what "no parameters" means to every upstream.
pub fn empty_object_schema() -> Value {
    json!({"type": "object", "properties": {}})
}

/// A function tool's `parameters` as an upstream-legal object schema.
pub fn normalize_parameters(parameters: Option<&Value>) -> Value {
    let Some(Value::Object(obj)) = parameters else {
        return empty_object_schema();
    };
    let mut obj = obj.clone();
    strip_null_types(&mut obj);
    merge_top_level_combinators(&mut obj);
    match obj.get("type") {
        Some(Value::String(t)) if t == "object" => {}
        // A missing type on a top-level schema means "object" for every function-calling API.
        None => {
            obj.insert("type".into(), json!("object"));
        }
        // A non-object root cannot describe named arguments; keep only what is usable.
        Some(_) => {
            return empty_object_schema();
        }
    }
    if !matches!(obj.get("properties"), Some(Value::Object(_))) {
        obj.insert("properties".into(), json!({}));
    }
    if let Some(req) = obj.get("required") {
        if !req.is_array() {
            obj.remove("required");
        }
    }
    Value::Object(obj)
}

/// Removes `type: null` (and other null schema keywords) everywhere in the schema tree.
fn strip_null_types(schema: &mut Map<String, Value>) {
    for key in [
        "type",
        "properties",
        "required",
        "items",
        "description",
        "enum",
    ] {
        if schema.get(key).is_some_and(Value::is_null) {
            schema.remove(key);
        }
    }
    for key in SUB_SCHEMA_KEYS {
        if let Some(Value::Object(sub)) = schema.get_mut(key) {
            strip_null_types(sub);
        }
    }
    for key in SUB_SCHEMA_LISTS {
        if let Some(Value::Array(list)) = schema.get_mut(key) {
            for sub in list.iter_mut().filter_map(Value::as_object_mut) {
                strip_null_types(sub);
            }
        }
    }
    for key in SUB_SCHEMA_MAPS {
        if let Some(Value::Object(map)) = schema.get_mut(key) {
            for sub in map.values_mut().filter_map(Value::as_object_mut) {
                strip_null_types(sub);
            }
        }
    }
}

/// Folds top-level `allOf`/`anyOf`/`oneOf` into one object schema: properties are united; `allOf`
/// requires everything any branch requires, `anyOf`/`oneOf` only what every branch requires.
fn merge_top_level_combinators(root: &mut Map<String, Value>) {
    for key in ["allOf", "anyOf", "oneOf"] {
        let Some(Value::Array(branches)) = root.remove(key) else {
            continue;
        };
        let branches: Vec<Map<String, Value>> = branches
            .into_iter()
            .filter_map(|b| match b {
                Value::Object(mut o) => {
                    merge_top_level_combinators(&mut o);
                    Some(o)
                }
                _ => None,
            })
            .collect();
        let mut props = match root.remove("properties") {
            Some(Value::Object(p)) => p,
            _ => Map::new(),
        };
        let mut required: Vec<String> = string_list(root.get("required"));
        let mut common: Option<Vec<String>> = None;
        for branch in &branches {
            if let Some(Value::Object(bp)) = branch.get("properties") {
                for (name, schema) in bp {
                    props.entry(name.clone()).or_insert_with(|| schema.clone());
                }
            }
            let branch_req = string_list(branch.get("required"));
            if key == "allOf" {
                required.extend(branch_req);
            } else {
                common = Some(match common {
                    None => branch_req,
                    Some(prev) => prev
                        .into_iter()
                        .filter(|r| branch_req.contains(r))
                        .collect(),
                });
            }
            if !root.contains_key("description") {
                if let Some(d) = branch.get("description") {
                    root.insert("description".into(), d.clone());
                }
            }
        }
        required.extend(common.unwrap_or_default());
        let mut seen = Vec::new();
        required.retain(|r| {
            let fresh = !seen.contains(r);
            seen.push(r.clone());
            fresh
        });
        root.insert("properties".into(), Value::Object(props));
        if required.is_empty() {
            root.remove("required");
        } else {
            root.insert("required".into(), json!(required));
        }
    }
}

fn string_list(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Argument text read as JSON: `Ok` with the compact text of an object (`{}` for blank text), else
/// `Err` with the other JSON value it held (`None` when it is not JSON at all).
fn object_arguments(raw: &str) -> Result<String, Option<Value>> {
    if raw.trim().is_empty() {
        return Ok("{}".into());
    }
    match serde_json::from_str::<Value>(raw) {
        Ok(v @ Value::Object(_)) => Ok(v.to_string()),
        other => Err(other.ok()),
    }
}

/// A historical call's `arguments` as a JSON-object string: objects are re-serialised compactly,
/// other JSON values are wrapped as `{"value": …}`, invalid JSON as `{"raw": "<text>"}`, empty as `{}`.
/// Returns the string and whether it had to be repaired (beyond re-serialisation).
pub fn canonical_arguments(arguments: Option<&Value>) -> (String, bool) {
    let raw = match arguments {
        None | Some(Value::Null) => return ("{}".into(), false),
        Some(Value::String(s)) => s,
        // Some clients send the object itself instead of its string form.
        Some(v @ Value::Object(_)) => return (v.to_string(), false),
        Some(other) => return (json!({ "value": other }).to_string(), true),
    };
    match object_arguments(raw) {
        Ok(text) => (text, false),
        Err(Some(other)) => (json!({ "value": other }).to_string(), true),
        Err(None) => (json!({ "raw": raw }).to_string(), true),
    }
}

/// A streamed call's arguments for Codex: compact JSON for a JSON object, `{}` for nothing, anything
/// else exactly as the model sent it (Codex reports the parse error back to the model, which can then
/// retry).
pub fn streamed_arguments(raw: &str) -> String {
    object_arguments(raw).unwrap_or_else(|_| raw.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_or_missing_parameters_become_empty_object() {
        let empty = json!({"type": "object", "properties": {}});
        assert_eq!(normalize_parameters(None), empty);
        assert_eq!(normalize_parameters(Some(&Value::Null)), empty);
        assert_eq!(normalize_parameters(Some(&json!("x"))), empty);
        assert_eq!(normalize_parameters(Some(&json!({"type": null}))), empty);
        assert_eq!(normalize_parameters(Some(&json!({}))), empty);
        assert_eq!(
            normalize_parameters(Some(&json!({"type": "object"}))),
            empty
        );
    }

    #[test]
    fn nested_null_types_are_removed_but_property_names_kept() {
        let schema = json!({"type": "object", "properties": {
            "type": {"type": "string"},
            "opt": {"type": null, "description": "anything"},
            "list": {"type": "array", "items": {"type": null}}
        }, "required": null});
        let out = normalize_parameters(Some(&schema));
        assert_eq!(out["properties"]["type"], json!({"type": "string"}));
        assert_eq!(out["properties"]["opt"], json!({"description": "anything"}));
        assert_eq!(out["properties"]["list"]["items"], json!({}));
        assert!(out.get("required").is_none());
    }

    #[test]
    fn top_level_one_of_merges_into_one_object() {
        let schema = json!({"oneOf": [
            {"type": "object", "properties": {"a": {"type": "string"}, "c": {"type": "number"}}, "required": ["a", "c"]},
            {"type": "object", "properties": {"b": {"type": "string"}, "c": {"type": "number"}}, "required": ["b", "c"]}
        ]});
        let out = normalize_parameters(Some(&schema));
        assert_eq!(out["type"], "object");
        assert!(out.get("oneOf").is_none());
        let props = out["properties"].as_object().map(|p| p.len());
        assert_eq!(props, Some(3));
        assert_eq!(out["required"], json!(["c"]));
    }

    #[test]
    fn top_level_all_of_requires_union() {
        let schema = json!({"type": "object", "properties": {"x": {"type": "string"}}, "required": ["x"],
            "allOf": [{"properties": {"y": {"type": "string"}}, "required": ["y", "x"]}]});
        let out = normalize_parameters(Some(&schema));
        assert_eq!(out["required"], json!(["x", "y"]));
        assert_eq!(out["properties"]["y"], json!({"type": "string"}));
        assert!(out.get("allOf").is_none());
    }

    #[test]
    fn non_object_root_falls_back_to_empty_object() {
        let out = normalize_parameters(Some(&json!({"type": "string"})));
        assert_eq!(out, empty_object_schema());
    }

    #[test]
    fn ordinary_schema_is_untouched() {
        let schema = json!({"type": "object", "properties": {"cmd": {"type": "string"}},
            "required": ["cmd"], "additionalProperties": false});
        assert_eq!(normalize_parameters(Some(&schema)), schema);
    }

    #[test]
    fn arguments_are_canonicalised() {
        let s = |v: &str| Value::String(v.into());
        assert_eq!(
            canonical_arguments(Some(&s("{ \"a\" : 1 }"))),
            (r#"{"a":1}"#.into(), false)
        );
        assert_eq!(canonical_arguments(Some(&s(""))), ("{}".into(), false));
        assert_eq!(canonical_arguments(None), ("{}".into(), false));
        assert_eq!(
            canonical_arguments(Some(&s("[1,2]"))),
            (r#"{"value":[1,2]}"#.into(), true)
        );
        assert_eq!(
            canonical_arguments(Some(&s("{\"cmd\": \"ls"))),
            (r#"{"raw":"{\"cmd\": \"ls"}"#.into(), true)
        );
        assert_eq!(
            canonical_arguments(Some(&json!({"k": "v"}))),
            (r#"{"k":"v"}"#.into(), false)
        );
        let (repaired, _) = canonical_arguments(Some(&s("not json")));
        assert!(serde_json::from_str::<Value>(&repaired).is_ok_and(|v| v.is_object()));
    }
}
