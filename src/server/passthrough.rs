//! Requests forwarded without translation: providers that speak Responses natively, and
//! `POST /v1/chat/completions` routed by model.

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::StreamExt;
use serde_json::Value;

use super::errors::{bad_request, json_error};
use super::responses::{read_routed, Routed};
use super::AppState;
use crate::engine::RuntimeSettings;
use crate::i18n::Lang;
use crate::provider::registry::RouteDecision;
use crate::provider::WireApi;
use crate::t;
use crate::upstream::{CodexReply, UpstreamFailure};

/// `POST /v1/responses` for a provider with `wireApi: responses`: only the model name changes.
pub async fn forward_responses(
    settings: &RuntimeSettings,
    route: &RouteDecision,
    client_model: &str,
    mut request: Value,
) -> Response {
    if let Some(obj) = request.as_object_mut() {
        obj.insert("model".into(), Value::String(route.upstream_model.clone()));
    }
    forward(settings, route, client_model, "responses", &request).await
}

/// `POST /v1/chat/completions`: routed by `model` and forwarded to a chat provider as is.
pub async fn chat_completions(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let Routed {
        mut request,
        settings,
        client_model,
        route,
    } = match read_routed(&state, &headers, body).await {
        Ok(routed) => routed,
        Err(resp) => return resp,
    };
    let lang = settings.lang;
    if route.provider.wire_api != WireApi::Chat {
        return bad_request(t!(
            lang,
            "err-wrong-endpoint",
            provider = route.provider.id.as_str()
        ));
    }
    match request.as_object_mut() {
        Some(obj) => {
            obj.insert("model".into(), Value::String(route.upstream_model.clone()));
        }
        None => return bad_request(t!(lang, "err-body-not-object")),
    }
    forward(
        &settings,
        &route,
        &client_model,
        "chat/completions",
        &request,
    )
    .await
}

async fn forward(
    settings: &RuntimeSettings,
    route: &RouteDecision,
    client_model: &str,
    path: &str,
    request: &Value,
) -> Response {
    let body = match serde_json::to_vec(request) {
        Ok(b) => Bytes::from(b),
        Err(err) => {
            return bad_request(t!(
                settings.lang,
                "err-cannot-encode",
                detail = err.to_string()
            ))
        }
    };
    let started = std::time::Instant::now();
    match settings
        .upstream
        .post_json(&route.provider, path, body)
        .await
    {
        Ok(response) => {
            let content_type = response
                .headers()
                .get(header::CONTENT_TYPE)
                .cloned()
                .unwrap_or_else(|| header::HeaderValue::from_static("application/json"));
            tracing::info!(
                provider = %route.provider.id,
                duration_ms = started.elapsed().as_millis() as u64,
                "passthrough {path} {client_model} → {} headers received",
                route.upstream_model
            );
            let stream = response
                .bytes_stream()
                .map(|r| r.map_err(std::io::Error::other));
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, content_type)],
                Body::from_stream(stream),
            )
                .into_response()
        }
        Err(failure) => passthrough_failure(&failure, route, settings.lang),
    }
}

fn passthrough_failure(failure: &UpstreamFailure, route: &RouteDecision, lang: Lang) -> Response {
    tracing::warn!(provider = %route.provider.id, "upstream failed — {} code: {}", failure.message(), failure.code());
    let status = match failure.codex_reply() {
        CodexReply::Status { status, .. } => status,
        CodexReply::Failed { .. } => failure.status().unwrap_or(502),
    };
    json_error(
        StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY),
        "upstream_error",
        &failure.code(),
        failure.message_in(lang),
    )
}
