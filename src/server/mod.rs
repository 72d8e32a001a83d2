//! The HTTP server Codex talks to: routes, guards (Host, content type, body size), JSON errors.

pub mod errors;
mod passthrough;
mod responses;
mod stream_body;

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;

use crate::engine::EngineHandle;
use crate::t;
use errors::json_error;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub handle: EngineHandle,
    pub body_limit: usize,
    /// `Host` values we answer; `None` when the user bound a non-loopback host on purpose.
    pub allowed_hosts: Option<Arc<Vec<String>>>,
    /// Translator notes already logged (each is logged once per process).
    pub notes_seen: Arc<Mutex<HashSet<String>>>,
}

impl AppState {
    pub fn new(handle: EngineHandle, local_addr: SocketAddr, body_limit: usize) -> Self {
        let allowed_hosts = local_addr
            .ip()
            .is_loopback()
            .then(|| Arc::new(loopback_hosts(local_addr.port())));
        AppState {
            handle,
            body_limit,
            allowed_hosts,
            notes_seen: Arc::new(Mutex::new(HashSet::new())),
        }
    }

    /// Logs a translator note the first time its key is seen.
    pub fn note_once(&self, key: &str, message: &str) {
        let first = match self.notes_seen.lock() {
            Ok(mut seen) => seen.insert(key.to_string()),
            Err(_) => false,
        };
        if first {
            tracing::info!("{message}");
        }
    }
}

fn loopback_hosts(port: u16) -> Vec<String> {
    ["127.0.0.1", "localhost", "[::1]"]
        .iter()
        .flat_map(|h| [format!("{h}:{port}"), h.to_string()])
        .collect()
}

/// The router with every route and guard.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/v1/responses", post(responses::create_response))
        .route("/responses", post(responses::create_response))
        .route("/v1/chat/completions", post(passthrough::chat_completions))
        .route("/chat/completions", post(passthrough::chat_completions))
        .route("/v1/models", get(list_models))
        .route("/models", get(list_models))
        .route("/healthz", get(healthz))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(state.clone(), guard))
        .with_state(state)
}

/// DNS-rebinding protection and the content-type check, before any handler runs.
async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if let Some(allowed) = &state.allowed_hosts {
        let host = request
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("");
        if !host.is_empty() && !allowed.iter().any(|a| a.eq_ignore_ascii_case(host)) {
            tracing::warn!(host, "refused request with a foreign Host header");
            return json_error(
                StatusCode::FORBIDDEN,
                "forbidden",
                "foreign_host",
                t!(
                    state.handle.lang(),
                    "err-foreign-host",
                    host = host,
                    allowed = allowed.first().map(String::as_str).unwrap_or("127.0.0.1")
                ),
            );
        }
    }
    if request.method() == Method::POST {
        if let Some(ct) = request.headers().get(header::CONTENT_TYPE) {
            let ct = ct.to_str().unwrap_or("").to_ascii_lowercase();
            let essence = ct.split(';').next().unwrap_or("").trim();
            if !(essence == "application/json" || essence.ends_with("+json")) {
                return json_error(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "invalid_request_error",
                    "unsupported_media_type",
                    t!(
                        state.handle.lang(),
                        "err-content-type",
                        content_type = essence
                    ),
                );
            }
        }
    }
    next.run(request).await
}

async fn healthz(State(state): State<AppState>) -> Json<serde_json::Value> {
    let settings = state.handle.settings();
    Json(json!({
        "status": "ok",
        "version": crate::VERSION,
        "default_provider": settings.registry.default_provider().id,
        "thinking": settings.thinking,
    }))
}

async fn list_models(State(state): State<AppState>) -> Json<serde_json::Value> {
    let settings = state.handle.settings();
    let data: Vec<serde_json::Value> = settings
        .registry
        .list_models()
        .into_iter()
        .map(|(provider, model)| {
            json!({
                "id": model.id,
                "object": "model",
                "created": 0,
                "owned_by": provider,
                "context_window": model.context_window,
            })
        })
        .collect();
    Json(json!({"object": "list", "data": data}))
}

async fn not_found(
    State(state): State<AppState>,
    method: Method,
    uri: axum::http::Uri,
) -> Response {
    json_error(
        StatusCode::NOT_FOUND,
        "not_found",
        "not_found",
        t!(
            state.handle.lang(),
            "err-no-route",
            method = method.as_str(),
            path = uri.path()
        ),
    )
}

async fn method_not_allowed(
    State(state): State<AppState>,
    method: Method,
    uri: axum::http::Uri,
) -> Response {
    let lang = state.handle.lang();
    let websocket = method == Method::GET && uri.path().ends_with("/responses");
    let (method, path) = (method.as_str(), uri.path());
    let message = if websocket {
        t!(lang, "err-method-websocket", method = method, path = path)
    } else {
        t!(lang, "err-method-not-allowed", method = method, path = path)
    };
    json_error(
        StatusCode::METHOD_NOT_ALLOWED,
        "invalid_request_error",
        "method_not_allowed",
        message,
    )
    .into_response()
}
