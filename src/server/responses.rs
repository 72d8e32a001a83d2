//! `POST /v1/responses`: route, translate, send, stream back.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use bytes::Bytes;
use serde_json::Value;

use super::errors::{bad_request, json_error};
use super::stream_body::{json_response, sse_events, sse_response, RequestLog};
use super::AppState;
use crate::engine::RuntimeSettings;
use crate::i18n::Lang;
use crate::provider::registry::RouteDecision;
use crate::provider::WireApi;
use crate::t;
use crate::translate::request::responses_to_chat;
use crate::translate::{StreamEnd, StreamMachine, StreamStart, TranslateOptions};
use crate::upstream::{CodexReply, FailureKind, UpstreamFailure};

pub async fn create_response(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let Routed {
        request,
        settings,
        client_model,
        route,
    } = match read_routed(&state, &headers, body).await {
        Ok(routed) => routed,
        Err(resp) => return resp,
    };
    log_fallback(&route, &client_model);
    let provider = &route.provider;
    let lang = settings.lang;
    if let Some(resp) = missing_key(&route, lang) {
        return resp;
    }

    if provider.wire_api == WireApi::Responses {
        return super::passthrough::forward_responses(&settings, &route, &client_model, request)
            .await;
    }

    let opts = TranslateOptions {
        quirks: &provider.quirks,
        model: &route.model,
        thinking: settings.thinking,
    };
    let plan = match responses_to_chat(&request, &opts) {
        Ok(plan) => plan,
        Err(err) => return bad_request(t!(lang, "err-cannot-translate", detail = err.to_string())),
    };
    for note in &plan.notes {
        state.note_once(&note.key, &note.message);
    }
    if plan.placeholder_turns > 0 {
        tracing::info!(
            provider = %provider.id,
            turns = plan.placeholder_turns,
            "reasoning_content placeholder applied — {} assistant turn(s) had no reasoning_content; sent \"{}\" so the thinking-mode upstream accepts the history",
            plan.placeholder_turns,
            crate::translate::NO_THINKING_PLACEHOLDER
        );
    }
    let body = match serde_json::to_vec(&plan.body) {
        Ok(b) => Bytes::from(b),
        Err(err) => return bad_request(t!(lang, "err-cannot-encode", detail = err.to_string())),
    };
    // The parsed request and its translation are several times the wire size; free them before
    // waiting on the upstream, which for a thinking model can take seconds.
    drop(request);
    let client_stream = plan.client_stream;
    let tool_names = plan.tool_names;
    drop(plan.body);
    let start = StreamStart {
        response_id: format!("resp_{}", uuid::Uuid::new_v4().simple()),
        client_model: client_model.clone(),
        created_at: now_unix(),
        tool_names,
        think_tags: provider.quirks.think_tags_in_content,
    };
    let upstream = settings
        .upstream
        .post_json(provider, "chat/completions", body)
        .await;
    match upstream {
        Ok(response) => {
            let context = settings
                .upstream
                .failure_context(provider, "chat/completions");
            let log = RequestLog::new(&provider.id, &client_model, &route.upstream_model, context);
            let machine = StreamMachine::new(start);
            if client_stream {
                sse_response(response, machine, log, lang)
            } else {
                json_response(response, machine, log, lang).await
            }
        }
        Err(failure) => failure_reply(&failure, client_stream, start, &client_model, &route, lang),
    }
}

/// A request body, the settings snapshot it runs on, and where its `model` routes.
pub struct Routed {
    pub request: Value,
    pub settings: Arc<RuntimeSettings>,
    pub client_model: String,
    pub route: RouteDecision,
}

/// Reads the JSON body, then takes the settings snapshot and routes the body's `model`.
pub async fn read_routed(
    state: &AppState,
    headers: &HeaderMap,
    body: Body,
) -> Result<Routed, Response> {
    let request = read_json(headers, body, state.body_limit, state.handle.lang()).await?;
    let settings = state.handle.settings();
    let client_model = request
        .get("model")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let route = settings.registry.route(&client_model);
    Ok(Routed {
        request,
        settings,
        client_model,
        route,
    })
}

/// Reads and parses a JSON body within the size cap, with errors that say what to do.
async fn read_json(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
    lang: Lang,
) -> Result<Value, Response> {
    let too_large = || {
        json_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "invalid_request_error",
            "request_too_large",
            t!(lang, "err-too-large", limit = human_size(limit)),
        )
    };
    let declared = headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let bytes = match axum::body::to_bytes(body, limit).await {
        Ok(b) => b,
        Err(err) => {
            let text = crate::upstream::failure::error_chain(&err);
            return Err(if text.contains("length limit") {
                too_large()
            } else {
                bad_request(t!(lang, "err-body-unreadable", detail = text))
            });
        }
    };
    serde_json::from_slice::<Value>(&bytes)
        .map_err(|err| bad_request(t!(lang, "err-body-not-json", detail = err.to_string())))
}

fn log_fallback(route: &RouteDecision, client_model: &str) {
    if let Some(line) = crate::provider::registry::describe_fallback(route, client_model) {
        tracing::info!("{line}");
    }
}

/// A provider with no key at all gets a clear error before any network traffic (local servers excepted).
fn missing_key(route: &RouteDecision, lang: Lang) -> Option<Response> {
    let provider = &route.provider;
    let has_key = provider.api_key.as_ref().is_some_and(|k| !k.is_empty());
    // The base URL is parsed only when there is no key (the rare case).
    if has_key
        || crate::upstream::route::is_loopback_host(&crate::upstream::host_of(&provider.base_url))
    {
        return None;
    }
    Some(json_error(
        StatusCode::UNAUTHORIZED,
        "authentication_error",
        "missing_api_key",
        t!(
            lang,
            "err-missing-key",
            provider = provider.id.as_str(),
            key_env = provider.primary_key_env()
        ),
    ))
}

/// Presents a classified failure the way Codex handles best (DESIGN §4): logged in English, shown
/// to Codex in `lang`.
pub fn failure_reply(
    failure: &UpstreamFailure,
    client_stream: bool,
    start: StreamStart,
    client_model: &str,
    route: &RouteDecision,
    lang: Lang,
) -> Response {
    let message = failure.message();
    let is_connect = !matches!(failure.kind, FailureKind::Http { .. });
    if is_connect {
        tracing::warn!(
            provider = %route.provider.id,
            url = %failure.url,
            "upstream connect failed — {message} code: {}",
            failure.code()
        );
    } else {
        tracing::warn!(
            provider = %route.provider.id,
            url = %failure.url,
            "upstream error — {message} code: {}",
            failure.code()
        );
    }
    let mut log = RequestLog::new(
        &route.provider.id,
        client_model,
        &route.upstream_model,
        failure.clone(),
    );
    log.finish(&failure.code(), None);
    let message = failure.message_in(lang);
    match failure.codex_reply() {
        CodexReply::Status { status, code } => json_error(
            StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY),
            "upstream_error",
            &code,
            message,
        ),
        CodexReply::Failed { code } if client_stream => {
            let mut machine = StreamMachine::new(start);
            let mut events = machine.start();
            events.extend(machine.finish(StreamEnd::Failed { code, message }));
            sse_events(events)
        }
        CodexReply::Failed { code } => json_error(
            StatusCode::from_u16(failure.status().unwrap_or(502))
                .unwrap_or(StatusCode::BAD_GATEWAY),
            "upstream_error",
            &code,
            message,
        ),
    }
}

pub fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// `64 MiB`, `512 KiB`: the limit as a person would write it.
fn human_size(bytes: usize) -> String {
    if bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0 {
        format!("{} MiB", bytes / (1024 * 1024))
    } else if bytes >= 1024 * 1024 {
        format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KiB", bytes.div_ceil(1024))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn sizes_read_naturally() {
        assert_eq!(super::human_size(64 * 1024 * 1024), "64 MiB");
        assert_eq!(super::human_size(512 * 1024), "512 KiB");
        assert_eq!(super::human_size(1536 * 1024), "1.5 MiB");
    }
}
