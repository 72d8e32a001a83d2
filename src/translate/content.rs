//! Responses content parts (messages, tool outputs) → chat text and image parts.

use serde_json::{json, Value};

use super::notes::Notes;

/// One piece of content, after reading whatever shape Codex sent.
#[derive(Clone, Debug, PartialEq)]
pub enum Part {
    Text(String),
    Image { url: String, detail: Option<String> },
}

/// Parts of a message `content` (string or part array) or a tool `output` (string, part array, or an
/// older `{content: …}` object).
pub fn read_parts(content: Option<&Value>, notes: &mut Notes) -> Vec<Part> {
    match content {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) => vec![Part::Text(s.clone())],
        Some(Value::Array(items)) => items.iter().filter_map(|p| read_part(p, notes)).collect(),
        Some(Value::Object(o)) => match o.get("content") {
            Some(inner) if inner.is_string() || inner.is_array() => read_parts(Some(inner), notes),
            // Unknown structured output: keep it readable rather than losing it.
            _ => vec![Part::Text(Value::Object(o.clone()).to_string())],
        },
        Some(other) => vec![Part::Text(other.to_string())],
    }
}

fn read_part(part: &Value, notes: &mut Notes) -> Option<Part> {
    let Some(obj) = part.as_object() else {
        return part.as_str().map(|s| Part::Text(s.to_string()));
    };
    let kind = obj.get("type").and_then(Value::as_str).unwrap_or("");
    match kind {
        "input_image" | "image_url" | "image" => {
            let url = match obj.get("image_url") {
                Some(Value::String(u)) => Some(u.clone()),
                Some(Value::Object(o)) => o.get("url").and_then(Value::as_str).map(str::to_string),
                _ => None,
            };
            match url {
                Some(url) => Some(Part::Image {
                    url,
                    detail: obj
                        .get("detail")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                }),
                None => {
                    // A file_id image cannot be resolved without the OpenAI files API.
                    notes.push(
                        "drop-part:image-without-url",
                        "an image part without an inline URL (file_id) cannot be forwarded; a stand-in text is sent",
                    );
                    Some(Part::Text("[image omitted: not available inline]".into()))
                }
            }
        }
        "refusal" => obj
            .get("refusal")
            .and_then(Value::as_str)
            .map(|r| Part::Text(r.to_string())),
        "input_file" => {
            let name = obj
                .get("filename")
                .and_then(Value::as_str)
                .unwrap_or("file");
            notes.push(
                "drop-part:input_file",
                "file parts cannot be forwarded to a chat upstream; a stand-in text is sent",
            );
            Some(Part::Text(format!("[file omitted: {name}]")))
        }
        _ => match obj.get("text").and_then(Value::as_str) {
            Some(t) => Some(Part::Text(t.to_string())),
            None => {
                notes.push(
                    format!("drop-part:{kind}"),
                    format!("content part of type `{kind}` has no text and is not sent"),
                );
                None
            }
        },
    }
}

/// The stand-in for an image a model cannot see.
pub fn image_stand_in(model: &str) -> String {
    format!("[image omitted: {model} does not accept images]")
}

/// Text of the parts, images replaced by `image_text`, joined with newlines.
pub fn text_of(parts: &[Part], image_text: &str) -> String {
    parts
        .iter()
        .map(|p| match p {
            Part::Text(t) => t.as_str(),
            Part::Image { .. } => image_text,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn has_images(parts: &[Part]) -> bool {
    parts.iter().any(|p| matches!(p, Part::Image { .. }))
}

/// A chat `image_url` content part.
pub fn image_part(url: &str, detail: Option<&str>) -> Value {
    let mut image = json!({ "url": url });
    if let Some(d) = detail {
        image["detail"] = json!(d);
    }
    json!({"type": "image_url", "image_url": image})
}

/// User-message `content`: a plain string when there is no image to send, otherwise chat parts.
pub fn user_content(parts: &[Part], vision: bool, model: &str) -> Value {
    if !vision || !has_images(parts) {
        return json!(text_of(parts, &image_stand_in(model)));
    }
    let chat: Vec<Value> = parts
        .iter()
        .map(|p| match p {
            Part::Text(t) => json!({"type": "text", "text": t}),
            Part::Image { url, detail } => image_part(url, detail.as_deref()),
        })
        .collect();
    Value::Array(chat)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_content_shape() {
        let mut notes = Notes::default();
        assert_eq!(
            read_parts(Some(&json!("hi")), &mut notes),
            vec![Part::Text("hi".into())]
        );
        let parts = json!([
            {"type": "input_text", "text": "a"},
            {"type": "output_text", "text": "b", "annotations": []},
            {"type": "refusal", "refusal": "no"},
            {"type": "input_image", "image_url": "data:image/png;base64,AA", "detail": "high"},
            {"type": "input_file", "filename": "x.pdf"},
            {"type": "mystery"}
        ]);
        let got = read_parts(Some(&parts), &mut notes);
        assert_eq!(got.len(), 5);
        assert_eq!(got[2], Part::Text("no".into()));
        assert_eq!(
            got[3],
            Part::Image {
                url: "data:image/png;base64,AA".into(),
                detail: Some("high".into())
            }
        );
        assert_eq!(got[4], Part::Text("[file omitted: x.pdf]".into()));
        assert!(notes.has("drop-part:mystery"));
        assert_eq!(
            read_parts(
                Some(&json!({"content": "old", "success": true})),
                &mut notes
            ),
            vec![Part::Text("old".into())]
        );
    }

    #[test]
    fn user_content_depends_on_vision() {
        let parts = vec![
            Part::Text("look".into()),
            Part::Image {
                url: "data:x".into(),
                detail: None,
            },
        ];
        assert_eq!(
            user_content(&parts, false, "m"),
            json!("look\n[image omitted: m does not accept images]")
        );
        assert_eq!(
            user_content(&parts, true, "m"),
            json!([{"type": "text", "text": "look"},
                   {"type": "image_url", "image_url": {"url": "data:x"}}])
        );
        assert_eq!(user_content(&parts[..1], true, "m"), json!("look"));
    }
}
