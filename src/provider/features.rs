//! The `features` object of a providers.json entry: quirk switches over a base profile.
//!
//! Both spellings are accepted: this crate's quirk names (`thinkingParam`, `thinkTagsInContent`,
//! …) and the Node mimo2codex switches (`extractThinkTags`, `mergeSystemMessages`,
//! `minimaxCompat`, `enhanceErrorPreset`, …), so an existing file keeps its meaning.

use serde_json::{Map, Value};

use super::builtin::builtin_profile;
use super::{EffortSupport, MaxTokensField, Quirks, ThinkingParam};

/// A bad feature value; `field` is relative to the entry, e.g. `features.thinkingParam`.
#[derive(Debug, PartialEq, Eq)]
pub struct FeatureError {
    pub field: String,
    pub message: String,
}

/// A feature that was accepted but changes nothing.
#[derive(Debug, PartialEq, Eq)]
pub struct FeatureNote {
    pub field: String,
    pub message: &'static str,
}

/// Node switches whose behaviour is built in here or does not exist.
const IGNORED_NODE_FEATURES: [&str; 8] = [
    // Always applied for every provider: one leading system message, normalised tool schemas.
    "systemOnlyAtStart",
    "mergeSystemMessages",
    "strictToolSchemas",
    "forceParallelToolCalls",
    "dropNullContent",
    "dropToolChoiceAuto",
    "dropParallelToolCalls",
    "dropNonFunctionTools",
];

/// Node presets; each names the built-in whose quirks it stands for.
const NODE_PRESETS: [&str; 3] = ["sensenova", "minimax", "kimi"];

const THINKING: [(&str, ThinkingParam); 5] = [
    ("none", ThinkingParam::None),
    ("thinking_type", ThinkingParam::ThinkingType),
    ("thinkingType", ThinkingParam::ThinkingType),
    ("enable_thinking", ThinkingParam::EnableThinking),
    ("enableThinking", ThinkingParam::EnableThinking),
];
const MAX_TOKENS: [(&str, MaxTokensField); 4] = [
    ("max_tokens", MaxTokensField::MaxTokens),
    ("maxTokens", MaxTokensField::MaxTokens),
    ("max_completion_tokens", MaxTokensField::MaxCompletionTokens),
    ("maxCompletionTokens", MaxTokensField::MaxCompletionTokens),
];
const EFFORT: [(&str, EffortSupport); 4] = [
    ("omit", EffortSupport::Omit),
    ("low_medium_high", EffortSupport::LowMediumHigh),
    ("lowMediumHigh", EffortSupport::LowMediumHigh),
    ("passthrough", EffortSupport::Passthrough),
];

fn error(key: &str, message: impl Into<String>) -> FeatureError {
    FeatureError {
        field: format!("features.{key}"),
        message: message.into(),
    }
}

/// One of `options` by name; the message lists the snake_case names.
fn choose<T: Copy>(key: &str, value: &Value, options: &[(&str, T)]) -> Result<T, FeatureError> {
    let found = value
        .as_str()
        .and_then(|s| options.iter().find(|(name, _)| *name == s));
    found.map(|(_, v)| *v).ok_or_else(|| {
        let names: Vec<String> = options
            .iter()
            .map(|(n, _)| *n)
            .filter(|n| !n.chars().any(|c| c.is_ascii_uppercase()))
            .map(|n| format!("\"{n}\""))
            .collect();
        error(key, format!("must be one of {}", names.join(", ")))
    })
}

fn flag(key: &str, value: &Value) -> Result<bool, FeatureError> {
    value
        .as_bool()
        .ok_or_else(|| error(key, "must be true or false"))
}

/// `base` with `features` applied: a preset first (`enhanceErrorPreset`, `minimaxCompat`), then
/// every single switch. Unknown keys are reported in `notes`, not rejected.
pub fn apply_features(
    features: &Map<String, Value>,
    base: Quirks,
    notes: &mut Vec<FeatureNote>,
) -> Result<Quirks, FeatureError> {
    let mut q = base;
    if let Some(v) = features.get("enhanceErrorPreset") {
        let preset = v.as_str().filter(|s| NODE_PRESETS.contains(s));
        q = preset
            .and_then(builtin_profile)
            .map(|p| p.quirks)
            .ok_or_else(|| {
                error(
                    "enhanceErrorPreset",
                    "must be one of \"sensenova\", \"minimax\", \"kimi\"",
                )
            })?;
    }
    if let Some(v) = features.get("minimaxCompat") {
        if flag("minimaxCompat", v)? {
            if let Some(p) = builtin_profile("minimax") {
                q = p.quirks;
            }
        }
    }
    for (key, value) in features {
        let k = key.as_str();
        match k {
            "enhanceErrorPreset" | "minimaxCompat" => {}
            "thinkingParam" => q.thinking_param = choose(k, value, &THINKING)?,
            "maxTokensField" => q.max_tokens_field = choose(k, value, &MAX_TOKENS)?,
            "reasoningEffort" => q.reasoning_effort = choose(k, value, &EFFORT)?,
            "maxToolNameLen" => {
                q.max_tool_name_len = value
                    .as_u64()
                    .filter(|n| (1..=1024).contains(n))
                    .and_then(|n| usize::try_from(n).ok())
                    .ok_or_else(|| error(k, "must be a whole number from 1 to 1024"))?;
            }
            "echoReasoningContent" => q.echo_reasoning_content = flag(k, value)?,
            "dropSamplingWhenThinking" => q.drop_sampling_when_thinking = flag(k, value)?,
            "thinkTagsInContent" | "extractThinkTags" => q.think_tags_in_content = flag(k, value)?,
            "toolChoiceAutoOnly" => q.tool_choice_auto_only = flag(k, value)?,
            "omitToolStrict" | "dropNullStrict" => q.omit_tool_strict = flag(k, value)?,
            "streamUsageOption" => q.stream_usage_option = flag(k, value)?,
            "dropStreamOptions" => q.stream_usage_option = !flag(k, value)?,
            "jsonSchemaResponseFormat" => q.json_schema_response_format = flag(k, value)?,
            "dropResponseFormat" => q.json_schema_response_format = !flag(k, value)?,
            "hostedTools" | "webSearch" => q.hosted_tools = flag(k, value)?,
            "dropReasoningEffort" => {
                if flag(k, value)? {
                    q.reasoning_effort = EffortSupport::Omit;
                }
            }
            _ => notes.push(FeatureNote {
                field: format!("features.{k}"),
                message: if IGNORED_NODE_FEATURES.contains(&k) {
                    "accepted for compatibility, has no effect here"
                } else {
                    "unknown feature, ignored"
                },
            }),
        }
    }
    Ok(q)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn apply(features: Value) -> (Result<Quirks, FeatureError>, Vec<FeatureNote>) {
        let mut notes = Vec::new();
        let map = features.as_object().cloned().unwrap_or_default();
        (apply_features(&map, Quirks::default(), &mut notes), notes)
    }

    #[test]
    fn both_namings_switch_quirks() {
        let (q, notes) = apply(json!({
            "thinkingParam": "enable_thinking",
            "maxTokensField": "maxCompletionTokens",
            "reasoningEffort": "low_medium_high",
            "echoReasoningContent": true,
            "extractThinkTags": true,
            "dropResponseFormat": true,
            "dropStreamOptions": true,
            "maxToolNameLen": 40,
            "dropNullContent": true,
            "someFutureSwitch": 1,
        }));
        let q = q.expect("valid");
        assert_eq!(q.thinking_param, ThinkingParam::EnableThinking);
        assert_eq!(q.max_tokens_field, MaxTokensField::MaxCompletionTokens);
        assert_eq!(q.reasoning_effort, EffortSupport::LowMediumHigh);
        assert!(q.echo_reasoning_content && q.think_tags_in_content);
        assert!(!q.json_schema_response_format && !q.stream_usage_option);
        assert_eq!(q.max_tool_name_len, 40);
        let fields: Vec<&str> = notes.iter().map(|n| n.field.as_str()).collect();
        assert_eq!(
            fields,
            ["features.dropNullContent", "features.someFutureSwitch"]
        );
    }

    #[test]
    fn presets_take_builtin_quirks_and_switches_override_them() {
        let (q, _) = apply(json!({"minimaxCompat": true, "thinkTagsInContent": false}));
        let q = q.expect("valid");
        assert!(q.stream_usage_option && !q.think_tags_in_content);
        let (q, _) = apply(json!({"enhanceErrorPreset": "sensenova"}));
        let sensenova = builtin_profile("sensenova").expect("built-in");
        assert_eq!(q.expect("valid"), sensenova.quirks);
    }

    #[test]
    fn bad_values_name_the_feature() {
        for (features, field, needle) in [
            (
                json!({"thinkingParam": "on"}),
                "features.thinkingParam",
                "\"thinking_type\"",
            ),
            (
                json!({"echoReasoningContent": "yes"}),
                "features.echoReasoningContent",
                "true or false",
            ),
            (
                json!({"maxToolNameLen": 0}),
                "features.maxToolNameLen",
                "1 to 1024",
            ),
            (
                json!({"enhanceErrorPreset": "openai"}),
                "features.enhanceErrorPreset",
                "\"kimi\"",
            ),
            (
                json!({"minimaxCompat": "true"}),
                "features.minimaxCompat",
                "true or false",
            ),
        ] {
            let err = apply(features).0.expect_err("invalid");
            assert_eq!(err.field, field);
            assert!(err.message.contains(needle), "{}", err.message);
        }
    }
}
