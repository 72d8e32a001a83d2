//! The Codex model catalog (`model_catalog_json`): one entry per model the engine serves, so Codex
//! knows the context window, offers the freeform `apply_patch` tool and does not warn about an
//! unknown model.
//!
//! Shape verified against Codex CLI 0.169 (`codex debug models` renders the parsed catalog):
//! * required: `slug`, `display_name`, `base_instructions` (or `model_messages.instructions_template`),
//!   `context_window`, `shell_type`, `apply_patch_tool_type`, `supported_reasoning_levels`,
//!   `truncation_policy`, `visibility`, `supported_in_api`, `priority`, … (a missing
//!   `truncation_policy` makes Codex refuse to start);
//! * `input_modalities` is accepted and defaults to `["text", "image"]`, so text-only models must
//!   say `["text"]`;
//! * there is no field for the output-token cap (unknown fields are silently ignored), so none is
//!   written.
//!
//! `base_instructions` becomes the first developer message (it replaces Codex's built-in prompt for
//! these slugs), so it is a complete agent prompt of our own: how to work, the tools (incl. the
//! apply_patch format), talking to the user.

use serde_json::{json, Value};

use crate::provider::ModelInfo;

/// The system prompt Codex sends for models in our catalog.
pub const BASE_INSTRUCTIONS: &str = include_str!("base_instructions.md");

/// One model in the catalog.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CatalogModel {
    /// The id Codex sends as `model` (upstream id or alias).
    pub slug: String,
    /// Which provider serves it, for the description.
    pub provider: String,
    pub info: ModelInfo,
}

/// The catalog document for `models`, first one first (lower `priority` sorts first in Codex's
/// picker). Duplicate slugs keep their first entry.
pub fn catalog_json(models: &[CatalogModel]) -> Value {
    let mut seen = std::collections::HashSet::new();
    let entries: Vec<Value> = models
        .iter()
        .filter(|m| seen.insert(m.slug.clone()))
        .enumerate()
        .map(|(i, m)| entry(m, i + 1))
        .collect();
    json!({ "models": entries })
}

/// A [`catalog_json`] document as the bytes we write (pretty JSON, trailing newline).
pub fn catalog_bytes(doc: &Value) -> Vec<u8> {
    let mut text = serde_json::to_string_pretty(doc).unwrap_or_default();
    text.push('\n');
    text.into_bytes()
}

fn entry(m: &CatalogModel, priority: usize) -> Value {
    let levels: Vec<Value> = if m.info.reasoning {
        ["low", "medium", "high"]
            .iter()
            .map(|e| json!({ "effort": e, "description": e }))
            .collect()
    } else {
        Vec::new()
    };
    let modalities: &[&str] = if m.info.vision {
        &["text", "image"]
    } else {
        &["text"]
    };
    json!({
        "slug": m.slug,
        "display_name": m.slug,
        "description": format!("{} via mimo2codex ({})", m.info.id, m.provider),
        "base_instructions": BASE_INSTRUCTIONS,
        "context_window": m.info.context_window,
        "shell_type": "shell_command",
        "apply_patch_tool_type": "freeform",
        "supported_reasoning_levels": levels,
        "default_reasoning_level": if m.info.reasoning { json!("medium") } else { Value::Null },
        "supports_reasoning_summaries": false,
        "support_verbosity": false,
        "supports_parallel_tool_calls": true,
        "truncation_policy": { "mode": "tokens", "limit": 10000 },
        "input_modalities": modalities,
        "experimental_supported_tools": [],
        "visibility": "list",
        "supported_in_api": true,
        "priority": priority,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(id: &str, reasoning: bool, vision: bool) -> CatalogModel {
        CatalogModel {
            slug: id.into(),
            provider: "deepseek".into(),
            info: ModelInfo {
                id: id.into(),
                context_window: 1_000_000,
                max_output_tokens: 65_536,
                reasoning,
                vision,
                ..ModelInfo::default()
            },
        }
    }

    /// The fields of the example entry Codex 0.169 accepts, with the same JSON types.
    #[test]
    fn entries_have_the_example_fields_and_types() {
        let dir = std::env::var_os("MIMO2CODEX_CODEX_FIXTURES")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| {
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/codex")
            });
        let text = std::fs::read_to_string(dir.join("catalog.example.json"))
            .expect("the shared Codex fixtures live in ../shared beside the repo");
        let example: Value = serde_json::from_str(&text).expect("fixture");
        let doc = catalog_json(&[model("deepseek-v4-pro", true, false)]);
        let e = &doc["models"][0];
        for (k, v) in example["models"][0].as_object().expect("object") {
            let ours = e.get(k).unwrap_or_else(|| panic!("missing {k}"));
            assert_eq!(
                std::mem::discriminant(ours),
                std::mem::discriminant(v),
                "type of {k}"
            );
        }
        assert_eq!(e["context_window"], 1_000_000);
        assert_eq!(e["apply_patch_tool_type"], "freeform");
        assert_eq!(e["input_modalities"], json!(["text"]));
        assert_eq!(e["supported_reasoning_levels"][2]["effort"], "high");
    }

    #[test]
    fn non_reasoning_models_list_no_levels_and_vision_models_take_images() {
        let doc = catalog_json(&[
            model("qwen3-max", false, false),
            model("qwen3-vl-plus", true, true),
            model("qwen3-max", true, true),
        ]);
        let models = doc["models"].as_array().expect("array");
        assert_eq!(models.len(), 2, "duplicate slug dropped");
        assert_eq!(models[0]["supported_reasoning_levels"], json!([]));
        assert_eq!(models[0]["default_reasoning_level"], Value::Null);
        assert_eq!(models[1]["input_modalities"], json!(["text", "image"]));
        assert_eq!(models[1]["priority"], 2);
    }

    #[test]
    fn base_instructions_teach_the_tools() {
        assert!(BASE_INSTRUCTIONS.starts_with("You are a coding agent"));
        assert!(
            BASE_INSTRUCTIONS.contains("*** Begin Patch")
                && BASE_INSTRUCTIONS.contains("apply_patch")
        );
    }
}
