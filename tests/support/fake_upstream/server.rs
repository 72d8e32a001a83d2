//! The axum server: routing, recording, the responder and streaming the answer.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, post};
use axum::Router;
use serde_json::Value;

use super::profile::Profile;
use super::script::Script;
use super::stream::{completion_json, stream_frames, Completion, Frame};
use super::validate::{check_auth, validate, Rejection};

/// One request the fake received.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    /// Header names lower-case.
    pub headers: HashMap<String, String>,
    /// Parsed body (`Value::Null` when it was not JSON).
    pub body: Value,
    pub raw_body: String,
    /// Set when validation rejected the request.
    pub rejection: Option<Rejection>,
}

impl RecordedRequest {
    fn new(
        method: &str,
        uri: &Uri,
        headers: &HeaderMap,
        body: Value,
        raw_body: &[u8],
        rejection: Option<Rejection>,
    ) -> RecordedRequest {
        RecordedRequest {
            method: method.to_string(),
            path: uri.path().to_string(),
            headers: header_map(headers),
            body,
            raw_body: String::from_utf8_lossy(raw_body).into_owned(),
            rejection,
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }

    pub fn messages(&self) -> &[Value] {
        self.body
            .get("messages")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// Upstream tool names offered in this request.
    pub fn tool_names(&self) -> Vec<String> {
        self.body
            .get("tools")
            .and_then(Value::as_array)
            .map(|t| {
                t.iter()
                    .filter_map(|t| t.pointer("/function/name").and_then(Value::as_str))
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The tool message answering `call_id`.
    pub fn tool_message(&self, call_id: &str) -> Option<&Value> {
        self.messages().iter().find(|m| {
            m.get("role").and_then(Value::as_str) == Some("tool")
                && m.get("tool_call_id").and_then(Value::as_str) == Some(call_id)
        })
    }
}

/// Makes a script for a request when the queue is empty.
pub type Responder = Arc<dyn Fn(&RecordedRequest) -> Script + Send + Sync>;

struct Inner {
    profile: Mutex<Profile>,
    queue: Mutex<VecDeque<Script>>,
    requests: Mutex<Vec<RecordedRequest>>,
    hits: AtomicUsize,
    responder: Mutex<Responder>,
    counter: AtomicUsize,
    /// `GET /models` answers (see [`FakeUpstream::serve_models`]); off: 404 like any unknown path.
    models_route: AtomicBool,
}

/// A running fake upstream; stops when dropped.
pub struct FakeUpstream {
    addr: SocketAddr,
    inner: Arc<Inner>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

/// Default responder: a short text naming the last user message.
pub fn echo_responder() -> Responder {
    Arc::new(|req: &RecordedRequest| {
        let last_user = req
            .messages()
            .iter()
            .rev()
            .find(|m| m.get("role").and_then(Value::as_str) == Some("user"))
            .map(|m| match m.get("content") {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Array(parts)) => parts
                    .iter()
                    .filter_map(|p| p.get("text").and_then(Value::as_str))
                    .collect::<Vec<_>>()
                    .join(" "),
                _ => String::new(),
            })
            .unwrap_or_default();
        let snippet: String = last_user.chars().take(60).collect();
        Script::text(format!("fake upstream reply to: {snippet}"))
    })
}

impl FakeUpstream {
    /// Starts a fake with the given strictness on `127.0.0.1:0`.
    pub async fn start(profile: Profile) -> FakeUpstream {
        let inner = Arc::new(Inner {
            profile: Mutex::new(profile),
            queue: Mutex::new(VecDeque::new()),
            requests: Mutex::new(Vec::new()),
            hits: AtomicUsize::new(0),
            responder: Mutex::new(echo_responder()),
            counter: AtomicUsize::new(0),
            models_route: AtomicBool::new(false),
        });
        let app = Router::new()
            .route("/v1/chat/completions", post(handle_chat))
            .route("/chat/completions", post(handle_chat))
            .route("/v1/models", any(handle_models))
            .route("/models", any(handle_models))
            .fallback(handle_other)
            .layer(DefaultBodyLimit::max(128 * 1024 * 1024))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind fake upstream");
        let addr = listener.local_addr().expect("local addr");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        FakeUpstream {
            addr,
            inner,
            stop: Some(tx),
        }
    }

    /// `http://127.0.0.1:PORT/v1` — put this in a provider profile's `base_url`.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The key clients must send.
    pub fn api_key(&self) -> String {
        self.inner.profile.lock().unwrap().api_key.clone()
    }

    pub fn profile(&self) -> Profile {
        self.inner.profile.lock().unwrap().clone()
    }

    pub fn set_profile(&self, profile: Profile) {
        *self.inner.profile.lock().unwrap() = profile;
    }

    /// Queues one scripted turn (FIFO).
    pub fn push(&self, script: Script) {
        self.inner.queue.lock().unwrap().push_back(script);
    }

    /// Drops every scripted turn not consumed yet.
    pub fn clear_queue(&self) {
        self.inner.queue.lock().unwrap().clear();
    }

    /// Scripted turns not consumed yet.
    pub fn pending(&self) -> usize {
        self.inner.queue.lock().unwrap().len()
    }

    /// Replaces the responder used when the queue is empty.
    pub fn set_responder(&self, f: impl Fn(&RecordedRequest) -> Script + Send + Sync + 'static) {
        *self.inner.responder.lock().unwrap() = Arc::new(f);
    }

    /// All requests received so far (rejected ones included).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.inner.requests.lock().unwrap().clone()
    }

    /// Requests that passed validation.
    pub fn accepted(&self) -> Vec<RecordedRequest> {
        self.requests()
            .into_iter()
            .filter(|r| r.rejection.is_none())
            .collect()
    }

    /// Requests validation rejected, with why.
    pub fn rejections(&self) -> Vec<Rejection> {
        self.requests()
            .into_iter()
            .filter_map(|r| r.rejection)
            .collect()
    }

    pub fn hits(&self) -> usize {
        self.inner.hits.load(Ordering::SeqCst)
    }

    /// Turns on `GET /v1/models` (and `GET /models`), as vendors serve it: 401 in the vendor's shape
    /// without `Authorization: Bearer <api_key>`, else 200
    /// `{"object":"list","data":[{"id":…,"object":"model","owned_by":…}]}` listing the profile's
    /// `models` (empty when the profile accepts any model id). Off by default: then, like any
    /// other method or path, it is a recorded 404. Requests to it are recorded like the others
    /// (a 401 with its rejection), so they also count in [`FakeUpstream::accepted`] /
    /// [`FakeUpstream::hits`].
    pub fn serve_models(&self) {
        self.inner.models_route.store(true, Ordering::SeqCst);
    }
}

impl Drop for FakeUpstream {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}

fn header_map(headers: &HeaderMap) -> HashMap<String, String> {
    headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_ascii_lowercase(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

fn error_response(r: &Rejection) -> Response {
    (
        StatusCode::from_u16(r.status).unwrap_or(StatusCode::BAD_REQUEST),
        [("content-type", "application/json")],
        r.body().to_string(),
    )
        .into_response()
}

async fn handle_other(
    State(inner): State<Arc<Inner>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    inner.hits.fetch_add(1, Ordering::SeqCst);
    let rejection = Rejection {
        status: 404,
        message: format!("fake upstream: no route for {method} {}", uri.path()),
    };
    inner.requests.lock().unwrap().push(RecordedRequest::new(
        method.as_str(),
        &uri,
        &headers,
        serde_json::from_slice(&body).unwrap_or(Value::Null),
        &body,
        Some(rejection.clone()),
    ));
    error_response(&rejection)
}

/// `GET /v1/models` when [`FakeUpstream::serve_models`] turned it on; anything else on these paths
/// is [`handle_other`]'s 404.
async fn handle_models(
    State(inner): State<Arc<Inner>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if method != Method::GET || !inner.models_route.load(Ordering::SeqCst) {
        return handle_other(State(inner), method, uri, headers, body).await;
    }
    inner.hits.fetch_add(1, Ordering::SeqCst);
    let profile = inner.profile.lock().unwrap().clone();
    let verdict = check_auth(&profile, &headers);
    inner.requests.lock().unwrap().push(RecordedRequest::new(
        method.as_str(),
        &uri,
        &headers,
        Value::Null,
        &body,
        verdict.clone().err(),
    ));
    if let Err(r) = verdict {
        return error_response(&r);
    }
    let data: Vec<Value> = profile
        .models
        .iter()
        .flatten()
        .map(|id| serde_json::json!({"id": id, "object": "model", "owned_by": profile.name}))
        .collect();
    (
        StatusCode::OK,
        [("content-type", "application/json")],
        serde_json::json!({"object": "list", "data": data}).to_string(),
    )
        .into_response()
}

async fn handle_chat(
    State(inner): State<Arc<Inner>>,
    uri: Uri,
    headers: HeaderMap,
    raw: Bytes,
) -> Response {
    inner.hits.fetch_add(1, Ordering::SeqCst);
    let profile = inner.profile.lock().unwrap().clone();
    let parsed: Result<Value, _> = serde_json::from_slice(&raw);
    let body = parsed.as_ref().cloned().unwrap_or(Value::Null);
    let verdict = match &parsed {
        Err(e) => validate(&profile, &headers, &Value::Null).and(Err(Rejection::bad(format!(
            "Failed to deserialize the JSON body: {e}"
        )))),
        Ok(v) => validate(&profile, &headers, v),
    };
    let mut record = RecordedRequest::new(
        "POST",
        &uri,
        &headers,
        body.clone(),
        &raw,
        verdict.clone().err(),
    );
    if let Err(r) = verdict {
        inner.requests.lock().unwrap().push(record);
        return error_response(&r);
    }
    let script = inner.queue.lock().unwrap().pop_front();
    let script = match script {
        Some(s) => s,
        None => {
            let responder = inner.responder.lock().unwrap().clone();
            responder(&record)
        }
    };
    record.rejection = None;
    inner.requests.lock().unwrap().push(record);

    if !script.header_delay.is_zero() {
        tokio::time::sleep(script.header_delay).await;
    }
    if let Some((status, err_body, retry_after)) = &script.http_error {
        let mut resp = Response::builder()
            .status(StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
            .header(
                "content-type",
                if err_body.trim_start().starts_with('{') {
                    "application/json"
                } else {
                    "text/plain"
                },
            );
        if let Some(secs) = retry_after {
            resp = resp.header("retry-after", secs.to_string());
        }
        return resp.body(Body::from(err_body.clone())).unwrap();
    }

    let n = inner.counter.fetch_add(1, Ordering::SeqCst) + 1;
    let completion = Completion {
        id: format!("chatcmpl-fake-{n}"),
        model: body
            .get("model")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        created: 1_795_300_000 + n as u64,
    };
    let thinking = profile.thinking_on(&body);
    let wants_stream = body.get("stream").and_then(Value::as_bool).unwrap_or(false);
    if !wants_stream || script.force_json {
        let out = completion_json(&script, &profile, &completion, thinking);
        return (
            StatusCode::OK,
            [("content-type", "application/json")],
            out.to_string(),
        )
            .into_response();
    }

    let frames = stream_frames(&script, &profile, &body, &completion, thinking);
    let delay = script.chunk_delay;
    let stream = futures_util::stream::unfold(
        (frames.into_iter(), true),
        move |(mut it, first)| async move {
            let frame = it.next()?;
            if !first && !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            let item: Result<Bytes, std::io::Error> = match frame {
                Frame::Data(b) => Ok(b),
                Frame::Abort => {
                    // let the frames before it reach the client first
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    Err(std::io::Error::new(
                        std::io::ErrorKind::ConnectionReset,
                        "fake upstream aborts the stream",
                    ))
                }
            };
            Some((item, (it, false)))
        },
    );
    Response::builder()
        .status(StatusCode::OK)
        .header("content-type", "text/event-stream")
        .header("cache-control", "no-cache")
        .body(Body::from_stream(stream))
        .unwrap()
}
