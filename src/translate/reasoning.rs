//! The `encrypted_content` we hand Codex: opaque to Codex, it carries the upstream `reasoning_content`
//! so the next call can echo it back.
//!
//! Format: `m2c.v1:` + base64url (no padding) of `{"r": "<reasoning text>"}`. The version prefix lets a
//! later format coexist with sessions recorded by this one; anything without it (OpenAI's real
//! encrypted blobs, another proxy's) is foreign and decodes to `None`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{json, Value};

const PREFIX_V1: &str = "m2c.v1:";

/// Wraps upstream reasoning text for a Responses `reasoning.encrypted_content`.
pub fn encode_reasoning(text: &str) -> String {
    let payload = json!({ "r": text }).to_string();
    format!("{PREFIX_V1}{}", URL_SAFE_NO_PAD.encode(payload.as_bytes()))
}

/// The reasoning text inside an `encrypted_content` we produced; `None` for anything else.
pub fn decode_reasoning(encoded: &str) -> Option<String> {
    let b64 = encoded.strip_prefix(PREFIX_V1)?;
    let bytes = URL_SAFE_NO_PAD.decode(b64.trim()).ok()?;
    let payload: Value = serde_json::from_slice(&bytes).ok()?;
    payload.get("r")?.as_str().map(str::to_string)
}

/// The reasoning text a history `reasoning` item carries: ours from `encrypted_content`, otherwise the
/// readable `content[].text`, otherwise `summary[].text`. `None` when nothing usable is there.
pub fn reasoning_item_text(item: &Value) -> Option<String> {
    if let Some(text) = item
        .get("encrypted_content")
        .and_then(Value::as_str)
        .and_then(decode_reasoning)
    {
        return Some(text);
    }
    for field in ["content", "summary"] {
        let joined = joined_texts(item.get(field));
        if !joined.is_empty() {
            return Some(joined);
        }
    }
    None
}

fn joined_texts(parts: Option<&Value>) -> String {
    let Some(parts) = parts.and_then(Value::as_array) else {
        return String::new();
    };
    parts
        .iter()
        .filter_map(|p| p.get("text").and_then(Value::as_str))
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_keeps_text_exactly() {
        for text in [
            "",
            "plain",
            "multi\nline \"quoted\" ✓ 思考",
            "m2c.v1:nested",
        ] {
            let enc = encode_reasoning(text);
            assert!(enc.starts_with("m2c.v1:"));
            assert!(!enc.contains('='), "no padding: {enc}");
            assert_eq!(decode_reasoning(&enc).as_deref(), Some(text));
        }
    }

    #[test]
    fn foreign_strings_are_rejected() {
        assert_eq!(decode_reasoning("MOCK-OPAQUE-resp_mock_1"), None);
        assert_eq!(decode_reasoning("gAAAAABoSomeOpenAIBlob=="), None);
        assert_eq!(decode_reasoning("m2c.v1:"), None);
        assert_eq!(decode_reasoning("m2c.v1:!!!notbase64"), None);
        // Valid base64 of JSON without our field.
        let other = format!("m2c.v1:{}", URL_SAFE_NO_PAD.encode(br#"{"x":1}"#));
        assert_eq!(decode_reasoning(&other), None);
        // Future version is not ours to read.
        let v2 = encode_reasoning("hi").replacen("v1", "v2", 1);
        assert_eq!(decode_reasoning(&v2), None);
    }

    #[test]
    fn item_text_prefers_ours_then_content_then_summary() {
        let ours = json!({"type": "reasoning", "encrypted_content": encode_reasoning("mine"),
            "content": [{"type": "reasoning_text", "text": "content"}]});
        assert_eq!(reasoning_item_text(&ours).as_deref(), Some("mine"));
        let foreign = json!({"type": "reasoning", "encrypted_content": "opaque",
            "summary": [{"type": "summary_text", "text": "sum"}],
            "content": [{"type": "reasoning_text", "text": "a"}, {"type": "reasoning_text", "text": "b"}]});
        assert_eq!(reasoning_item_text(&foreign).as_deref(), Some("a\n\nb"));
        let summary_only = json!({"type": "reasoning", "encrypted_content": "opaque",
            "summary": [{"type": "summary_text", "text": "sum"}], "content": null});
        assert_eq!(reasoning_item_text(&summary_only).as_deref(), Some("sum"));
        let empty = json!({"type": "reasoning", "summary": []});
        assert_eq!(reasoning_item_text(&empty), None);
    }
}
