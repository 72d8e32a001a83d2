//! Drives the pure [`StreamMachine`] from a live upstream response, as an SSE body or one JSON Response.
//!
//! The body is a lazily polled stream: when Codex disconnects, axum drops it, which drops the upstream
//! response and closes that connection at once.

use std::convert::Infallible;
use std::pin::Pin;
use std::time::Instant;

use axum::body::Body;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use eventsource_stream::{Event, EventStreamError, Eventsource};
use futures_util::{FutureExt, Stream, StreamExt};
use serde_json::Value;

use super::errors::json_error;
use crate::translate::events::write_sse_frame;
use crate::translate::stream::Usage;
use crate::translate::{StreamEnd, StreamMachine};
use crate::upstream::failure::{classify_transport, UpstreamFailure};

type EventStream =
    Pin<Box<dyn Stream<Item = Result<Event, EventStreamError<reqwest::Error>>> + Send>>;

/// The one log line per request, written when the response ends (or the client goes away).
pub struct RequestLog {
    pub provider: String,
    pub client_model: String,
    pub upstream_model: String,
    pub started: Instant,
    /// Builds the failure for a mid-stream transport error (provider, URL, proxy context).
    pub failure_context: UpstreamFailure,
    done: bool,
}

impl RequestLog {
    pub fn new(
        provider: &str,
        client_model: &str,
        upstream_model: &str,
        failure_context: UpstreamFailure,
    ) -> Self {
        RequestLog {
            provider: provider.to_string(),
            client_model: client_model.to_string(),
            upstream_model: upstream_model.to_string(),
            started: Instant::now(),
            failure_context,
            done: false,
        }
    }

    /// Writes the line; later calls (and Drop) do nothing.
    pub fn finish(&mut self, status: &str, usage: Option<Usage>) {
        if self.done {
            return;
        }
        self.done = true;
        let usage = usage.unwrap_or_default();
        tracing::info!(
            provider = %self.provider,
            status,
            input_tokens = usage.input_tokens,
            cached_tokens = usage.cached_tokens,
            output_tokens = usage.output_tokens,
            reasoning_tokens = usage.reasoning_tokens,
            duration_ms = self.started.elapsed().as_millis() as u64,
            "request {} → {} {status}",
            self.client_model,
            self.upstream_model,
        );
    }
}

impl Drop for RequestLog {
    fn drop(&mut self) {
        if !self.done {
            self.finish("client_disconnected", None);
        }
    }
}

struct Pump {
    events: EventStream,
    machine: StreamMachine,
    log: RequestLog,
    started: bool,
    finished: bool,
}

impl Pump {
    fn new(upstream: reqwest::Response, machine: StreamMachine, log: RequestLog) -> Self {
        Pump {
            events: Box::pin(upstream.bytes_stream().eventsource()),
            machine,
            log,
            started: false,
            finished: false,
        }
    }

    /// Events for one upstream item; `Some(end)` when the upstream stream is over.
    fn absorb(
        &mut self,
        item: Option<Result<Event, EventStreamError<reqwest::Error>>>,
        out: &mut Vec<Value>,
    ) -> Option<StreamEnd> {
        match item {
            Some(Ok(event)) => {
                let data = event.data.trim();
                if data == "[DONE]" {
                    return Some(StreamEnd::Done);
                }
                if data.is_empty() {
                    return None;
                }
                match serde_json::from_str::<Value>(data) {
                    Ok(chunk) => out.extend(self.machine.push_chunk(&chunk)),
                    Err(err) => tracing::warn!(
                        provider = %self.log.provider,
                        "skipping a malformed upstream chunk: {err}"
                    ),
                }
                None
            }
            Some(Err(EventStreamError::Transport(err))) => {
                let mut failure = self.log.failure_context.clone();
                failure.kind = classify_transport(&err, failure.proxy.is_some());
                tracing::warn!(provider = %self.log.provider, code = %failure.code(), "upstream stream failed: {}", failure.message());
                Some(StreamEnd::Failed {
                    code: "server_error".into(),
                    message: format!("stream from upstream broke: {}", failure.message()),
                })
            }
            Some(Err(err)) => Some(StreamEnd::Failed {
                code: "server_error".into(),
                message: format!("{} sent a malformed event stream: {err}", self.log.provider),
            }),
            None => Some(StreamEnd::Eof),
        }
    }

    fn end(&mut self, end: StreamEnd, out: &mut Vec<Value>) {
        self.finished = true;
        out.extend(self.machine.finish(end));
        let status = self
            .machine
            .final_response()
            .and_then(|r| r.get("status"))
            .and_then(Value::as_str)
            .unwrap_or("unknown")
            .to_string();
        self.log.finish(&status, self.machine.usage());
    }

    /// The next batch of Responses events, or `None` after the terminal one.
    ///
    /// Waits for one upstream item, then takes every item that is already buffered without
    /// waiting: a burst of upstream chunks becomes one write to Codex instead of one per chunk.
    async fn next_events(&mut self) -> Option<Vec<Value>> {
        if self.finished {
            return None;
        }
        let mut out = Vec::new();
        if !self.started {
            self.started = true;
            out.extend(self.machine.start());
        } else {
            loop {
                let item = self.events.next().await;
                if let Some(end) = self.absorb(item, &mut out) {
                    self.end(end, &mut out);
                    return Some(out);
                }
                if !out.is_empty() {
                    break;
                }
            }
        }
        while out.len() < MAX_EVENTS_PER_WRITE {
            let Some(item) = self.events.next().now_or_never() else {
                break;
            };
            if let Some(end) = self.absorb(item, &mut out) {
                self.end(end, &mut out);
                break;
            }
        }
        Some(out)
    }
}

/// Upper bound on events coalesced into one body chunk (keeps chunks and latency small).
const MAX_EVENTS_PER_WRITE: usize = 256;

fn encode(events: &[Value]) -> Bytes {
    let mut out = Vec::with_capacity(events.len() * 160);
    for event in events {
        write_sse_frame(&mut out, event);
    }
    Bytes::from(out)
}

/// An SSE response fed by the upstream stream.
pub fn sse_response(
    upstream: reqwest::Response,
    machine: StreamMachine,
    log: RequestLog,
) -> Response {
    let pump = Pump::new(upstream, machine, log);
    let body = futures_util::stream::unfold(pump, |mut pump| async move {
        let events = pump.next_events().await?;
        Some((Ok::<Bytes, Infallible>(encode(&events)), pump))
    });
    sse_headers(Body::from_stream(body))
}

/// An SSE response carrying only already-known events (e.g. created + failed).
pub fn sse_events(events: Vec<Value>) -> Response {
    sse_headers(Body::from(encode(&events)))
}

fn sse_headers(body: Body) -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

/// Runs the whole stream and answers with one JSON Response object (`stream: false` clients).
pub async fn json_response(
    upstream: reqwest::Response,
    machine: StreamMachine,
    log: RequestLog,
) -> Response {
    let mut pump = Pump::new(upstream, machine, log);
    while pump.next_events().await.is_some() {}
    match pump.machine.final_response() {
        Some(response) if response.get("status").and_then(Value::as_str) == Some("failed") => {
            let message = response
                .pointer("/error/message")
                .and_then(Value::as_str)
                .unwrap_or("upstream failed")
                .to_string();
            let code = response
                .pointer("/error/code")
                .and_then(Value::as_str)
                .unwrap_or("server_error")
                .to_string();
            json_error(StatusCode::BAD_GATEWAY, "upstream_error", &code, message)
        }
        Some(response) => (StatusCode::OK, axum::Json(response.clone())).into_response(),
        None => json_error(
            StatusCode::BAD_GATEWAY,
            "upstream_error",
            "server_error",
            "upstream stream produced no response",
        ),
    }
}
