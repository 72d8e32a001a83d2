//! Parsing of Responses-API SSE streams (what the engine sends to Codex) and checks of the invariants
//! Codex relies on (DESIGN §4).

use serde_json::Value;

/// Every `data:` JSON object of an SSE body, in order (`[DONE]` and non-JSON lines skipped).
pub fn parse_sse(body: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut data = String::new();
    let flush = |data: &mut String, out: &mut Vec<Value>| {
        if !data.is_empty() {
            if let Ok(v) = serde_json::from_str::<Value>(data.trim()) {
                out.push(v);
            }
            data.clear();
        }
    };
    for line in body.lines() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            flush(&mut data, &mut out);
        } else if let Some(rest) = line.strip_prefix("data:") {
            let rest = rest.strip_prefix(' ').unwrap_or(rest);
            if rest == "[DONE]" {
                continue;
            }
            if !data.is_empty() {
                data.push('\n');
            }
            data.push_str(rest);
        }
    }
    flush(&mut data, &mut out);
    out
}

pub fn event_type(e: &Value) -> &str {
    e.get("type").and_then(Value::as_str).unwrap_or("")
}

/// The `item`s of every `response.output_item.done`, in order.
pub fn done_items(events: &[Value]) -> Vec<Value> {
    events
        .iter()
        .filter(|e| event_type(e) == "response.output_item.done")
        .filter_map(|e| e.get("item").cloned())
        .collect()
}

/// The terminal event (last one), if it is one of completed / incomplete / failed.
pub fn terminal(events: &[Value]) -> Option<&Value> {
    events.last().filter(|e| {
        matches!(
            event_type(e),
            "response.completed" | "response.incomplete" | "response.failed"
        )
    })
}

/// Asserts the stream shape Codex needs: `response.created` first, exactly one terminal event and it
/// is last, carrying `response.id`; every `output_item.done` was preceded by its `output_item.added`;
/// usage, when present, has the three totals. Returns the terminal event type.
pub fn assert_well_formed(events: &[Value]) -> String {
    assert!(!events.is_empty(), "empty SSE stream");
    assert_eq!(
        event_type(&events[0]),
        "response.created",
        "first event must be response.created; got {:?}",
        types(events)
    );
    let term = terminal(events).unwrap_or_else(|| {
        panic!(
            "last event must be response.completed/incomplete/failed; got {:?}",
            types(events)
        )
    });
    let terminals = events
        .iter()
        .filter(|e| {
            matches!(
                event_type(e),
                "response.completed" | "response.incomplete" | "response.failed"
            )
        })
        .count();
    assert_eq!(
        terminals,
        1,
        "exactly one terminal event: {:?}",
        types(events)
    );
    let id = term
        .pointer("/response/id")
        .and_then(Value::as_str)
        .unwrap_or("");
    assert!(!id.is_empty(), "terminal event needs response.id: {term}");
    let mut added = std::collections::HashSet::new();
    for e in events {
        match event_type(e) {
            "response.output_item.added" => {
                added.insert(
                    e.get("output_index")
                        .cloned()
                        .unwrap_or(Value::Null)
                        .to_string(),
                );
            }
            "response.output_item.done" => {
                let idx = e
                    .get("output_index")
                    .cloned()
                    .unwrap_or(Value::Null)
                    .to_string();
                assert!(
                    added.contains(&idx),
                    "output_item.done at index {idx} without output_item.added: {:?}",
                    types(events)
                );
            }
            _ => {}
        }
    }
    if let Some(u) = term.pointer("/response/usage").filter(|u| !u.is_null()) {
        for k in ["input_tokens", "output_tokens", "total_tokens"] {
            assert!(
                u.get(k).is_some_and(Value::is_u64),
                "usage.{k} missing: {u}"
            );
        }
    }
    event_type(term).to_string()
}

pub fn types(events: &[Value]) -> Vec<String> {
    events.iter().map(|e| event_type(e).to_string()).collect()
}

/// Concatenated `output_text` of all message items.
pub fn message_text(items: &[Value]) -> String {
    items
        .iter()
        .filter(|i| i.get("type").and_then(Value::as_str) == Some("message"))
        .flat_map(|i| {
            i.get("content")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|p| p.get("text").and_then(Value::as_str).map(str::to_string))
        .collect()
}

pub fn items_of_type<'a>(items: &'a [Value], ty: &str) -> Vec<&'a Value> {
    items
        .iter()
        .filter(|i| i.get("type").and_then(Value::as_str) == Some(ty))
        .collect()
}
