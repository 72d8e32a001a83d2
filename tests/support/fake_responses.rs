//! A tiny Responses-API server that replays canned SSE bodies. It exists only to validate the Codex
//! harness without the engine (`tests/codex_harness.rs`); everything else goes through the engine
//! and the strict Chat Completions fake in `fake_upstream.rs`.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use serde_json::{json, Value};

#[derive(Default)]
struct Inner {
    queue: Mutex<VecDeque<String>>,
    bodies: Mutex<Vec<Value>>,
    auth: Mutex<Vec<String>>,
}

pub struct FakeResponses {
    addr: SocketAddr,
    inner: Arc<Inner>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl FakeResponses {
    pub async fn start() -> FakeResponses {
        let inner = Arc::new(Inner::default());
        let app = Router::new()
            .route("/v1/responses", post(handle))
            .layer(DefaultBodyLimit::max(128 * 1024 * 1024))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        FakeResponses {
            addr,
            inner,
            stop: Some(tx),
        }
    }

    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// Queues one SSE body, sent verbatim.
    pub fn push_sse(&self, body: impl Into<String>) {
        self.inner.queue.lock().unwrap().push_back(body.into());
    }

    /// Request bodies received so far.
    pub fn bodies(&self) -> Vec<Value> {
        self.inner.bodies.lock().unwrap().clone()
    }

    /// `Authorization` header values received so far.
    pub fn auth_headers(&self) -> Vec<String> {
        self.inner.auth.lock().unwrap().clone()
    }
}

impl Drop for FakeResponses {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}

/// A minimal, complete text turn in the shape the engine must produce.
pub fn text_turn_sse(response_id: &str, text: &str) -> String {
    let item = json!({"type": "message", "id": format!("msg_{response_id}"), "role": "assistant",
        "status": "completed", "content": [{"type": "output_text", "text": text, "annotations": []}]});
    let events = [
        json!({"type": "response.created", "response": {"id": response_id, "status": "in_progress", "output": []}}),
        json!({"type": "response.output_item.added", "output_index": 0, "item": {"type": "message",
            "id": format!("msg_{response_id}"), "role": "assistant", "status": "in_progress", "content": []}}),
        json!({"type": "response.output_text.delta", "item_id": format!("msg_{response_id}"),
            "output_index": 0, "content_index": 0, "delta": text}),
        json!({"type": "response.output_item.done", "output_index": 0, "item": item}),
        json!({"type": "response.completed", "response": {"id": response_id, "status": "completed",
            "output": [item], "usage": {"input_tokens": 10, "output_tokens": 3, "total_tokens": 13}}}),
    ];
    events
        .iter()
        .map(|e| format!("event: {}\ndata: {e}\n\n", e["type"].as_str().unwrap()))
        .collect()
}

/// A function_call turn (optionally namespaced).
pub fn function_call_sse(
    response_id: &str,
    call_id: &str,
    namespace: Option<&str>,
    name: &str,
    arguments: &str,
) -> String {
    let mut item = json!({"type": "function_call", "id": format!("fc_{response_id}"), "call_id": call_id,
        "name": name, "arguments": arguments, "status": "completed"});
    if let Some(ns) = namespace {
        item["namespace"] = json!(ns);
    }
    let mut added = item.clone();
    added["arguments"] = json!("");
    added["status"] = json!("in_progress");
    let events = [
        json!({"type": "response.created", "response": {"id": response_id, "status": "in_progress", "output": []}}),
        json!({"type": "response.output_item.added", "output_index": 0, "item": added}),
        json!({"type": "response.output_item.done", "output_index": 0, "item": item}),
        json!({"type": "response.completed", "response": {"id": response_id, "status": "completed",
            "output": [item], "usage": {"input_tokens": 10, "output_tokens": 3, "total_tokens": 13}}}),
    ];
    events
        .iter()
        .map(|e| format!("event: {}\ndata: {e}\n\n", e["type"].as_str().unwrap()))
        .collect()
}

async fn handle(State(inner): State<Arc<Inner>>, headers: HeaderMap, raw: Bytes) -> Response {
    let body: Value = serde_json::from_slice(&raw).unwrap_or(Value::Null);
    inner.bodies.lock().unwrap().push(body);
    inner.auth.lock().unwrap().push(
        headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string(),
    );
    let next = inner.queue.lock().unwrap().pop_front();
    let sse = next.unwrap_or_else(|| text_turn_sse("resp_default", "default reply"));
    (StatusCode::OK, [("content-type", "text/event-stream")], sse).into_response()
}
