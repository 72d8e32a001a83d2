//! Client-side request helpers for the fake's own tests (`tests/fake_upstream_*.rs`): post a body
//! straight at the fake and build the common request bodies.

use std::time::Duration;

use serde_json::{json, Value};

use super::FakeUpstream;

pub const KEY: &str = "sk-fake-upstream-key";

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

pub async fn post(fake: &FakeUpstream, body: &Value) -> (u16, String) {
    post_with(fake, body, Some(KEY)).await
}

pub async fn post_with(fake: &FakeUpstream, body: &Value, key: Option<&str>) -> (u16, String) {
    let mut req = client()
        .post(format!("{}/chat/completions", fake.base_url()))
        .json(body);
    if let Some(k) = key {
        req = req.bearer_auth(k);
    }
    let resp = req.send().await.expect("request");
    let status = resp.status().as_u16();
    (status, resp.text().await.unwrap_or_default())
}

pub fn base() -> Value {
    json!({"model": "m", "stream": true, "messages": [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "hi"}
    ]})
}

pub fn tool(name: &str, params: Value) -> Value {
    json!({"type": "function", "function": {"name": name, "description": "d", "parameters": params}})
}

pub fn obj_schema() -> Value {
    json!({"type": "object", "properties": {"cmd": {"type": "string"}}, "required": ["cmd"]})
}

pub fn tool_history(reasoning: Option<&str>) -> Value {
    let mut assistant = json!({"role": "assistant", "content": null, "tool_calls": [
        {"id": "call_1", "type": "function", "function": {"name": "exec_command", "arguments": "{\"cmd\":\"ls\"}"}}
    ]});
    if let Some(r) = reasoning {
        assistant["reasoning_content"] = json!(r);
    }
    json!({"model": "m", "stream": true, "tools": [tool("exec_command", obj_schema())], "messages": [
        {"role": "system", "content": "s"},
        {"role": "user", "content": "list"},
        assistant,
        {"role": "tool", "tool_call_id": "call_1", "content": "a.txt"}
    ]})
}
