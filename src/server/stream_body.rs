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
use futures_util::{FutureExt, Stream, StreamExt};
use serde_json::Value;

use super::errors::json_error;
use crate::i18n::Lang;
use crate::t;
use crate::translate::stream::sse_in::SseReader;
use crate::translate::stream::{SseOut, Usage};
use crate::translate::{StreamEnd, StreamMachine};
use crate::upstream::failure::{classify_transport, UpstreamFailure};

type ByteStream = Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>;

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
    body: ByteStream,
    sse: SseReader,
    machine: StreamMachine,
    log: RequestLog,
    started: bool,
    finished: bool,
    /// Size of the last write, to size the next buffer.
    write_size_hint: usize,
    /// The language of the failure text Codex shows.
    lang: Lang,
}

impl Pump {
    fn new(
        upstream: reqwest::Response,
        machine: StreamMachine,
        log: RequestLog,
        lang: Lang,
    ) -> Self {
        Pump {
            body: Box::pin(upstream.bytes_stream()),
            sse: SseReader::new(),
            machine,
            log,
            started: false,
            finished: false,
            write_size_hint: 1024,
            lang,
        }
    }

    /// Translates the upstream events already read, until `out` is full; `Some(end)` at `[DONE]`.
    fn drain(&mut self, out: &mut SseOut) -> Option<StreamEnd> {
        while out.events() < MAX_EVENTS_PER_WRITE {
            let data = self.sse.next_event()?.trim();
            if data == "[DONE]" {
                return Some(StreamEnd::Done);
            }
            if data.is_empty() {
                continue;
            }
            if let Err(err) = self.machine.push_data(data, out) {
                tracing::warn!(
                    provider = %self.log.provider,
                    "skipping a malformed upstream chunk: {err}"
                );
            }
        }
        None
    }

    /// Takes one read from the upstream body; `Some(end)` when the upstream stream is over.
    fn absorb(&mut self, item: Option<reqwest::Result<Bytes>>) -> Option<StreamEnd> {
        match item {
            Some(Ok(bytes)) => {
                self.sse.feed(&bytes);
                None
            }
            Some(Err(err)) => {
                let mut failure = self.log.failure_context.clone();
                failure.kind = classify_transport(&err, failure.proxy.is_some());
                tracing::warn!(provider = %self.log.provider, code = %failure.code(), "upstream stream failed: {}", failure.message());
                Some(StreamEnd::Failed {
                    code: "server_error".into(),
                    message: t!(
                        self.lang,
                        "err-stream-broke",
                        detail = failure.message_in(self.lang)
                    ),
                })
            }
            None => Some(match self.sse.finish() {
                // Without a finish_reason the stream was cut: say so in the engine's language (the
                // machine would say it in English; an error chunk it saw still wins).
                Ok(()) if self.machine.finish_reason().is_none() => StreamEnd::Failed {
                    code: "server_error".into(),
                    message: t!(self.lang, "err-stream-cut"),
                },
                Ok(()) => StreamEnd::Eof,
                Err(err) => StreamEnd::Failed {
                    code: "server_error".into(),
                    message: t!(
                        self.lang,
                        "err-stream-bad-utf8",
                        provider = self.log.provider.as_str(),
                        detail = err.to_string()
                    ),
                },
            }),
        }
    }

    fn end(&mut self, end: StreamEnd, out: &mut SseOut) {
        self.finished = true;
        self.machine.finish_into(end, out);
        let status = self
            .machine
            .final_response()
            .and_then(|r| r.get("status"))
            .and_then(Value::as_str)
            .unwrap_or("unknown")
            .to_string();
        self.log.finish(&status, self.machine.usage());
    }

    /// The next batch of Responses events as SSE frames, or `None` after the terminal one.
    ///
    /// Waits until some events are ready, then also takes every upstream chunk that is already
    /// there: a burst of upstream chunks becomes one write to Codex instead of one per chunk. The
    /// HTTP client hands the body over one chunk at a time from its connection task, so "already
    /// there" means "there after letting other tasks run once": the batch ends at the first yield
    /// that brought nothing new. The first batch (`response.created`, `.in_progress`) never waits.
    async fn next_events(&mut self) -> Option<SseOut> {
        if self.finished {
            return None;
        }
        let mut out = SseOut::with_capacity(self.write_size_hint);
        let first = !self.started;
        if first {
            self.started = true;
            self.machine.start_into(&mut out);
        }
        let mut idle_yields = 0;
        loop {
            if let Some(end) = self.drain(&mut out) {
                self.end(end, &mut out);
                break;
            }
            if out.events() >= MAX_EVENTS_PER_WRITE {
                break;
            }
            let item = if out.is_empty() {
                self.body.next().await
            } else {
                match self.body.next().now_or_never() {
                    Some(item) => item,
                    None if first || idle_yields >= MAX_IDLE_YIELDS => break,
                    None => {
                        idle_yields += 1;
                        tokio::task::yield_now().await;
                        continue;
                    }
                }
            };
            idle_yields = 0;
            if let Some(end) = self.absorb(item) {
                self.end(end, &mut out);
                break;
            }
        }
        self.write_size_hint = out.as_bytes().len().clamp(256, 64 * 1024);
        Some(out)
    }
}

/// How many times in a row a batch lets other tasks run without getting more upstream data before
/// it is written.
const MAX_IDLE_YIELDS: usize = 4;

/// Upper bound on events coalesced into one body chunk (keeps chunks and latency small).
const MAX_EVENTS_PER_WRITE: usize = 256;

fn encode(events: &[Value]) -> Bytes {
    let mut out = SseOut::with_capacity(events.len() * 160);
    events.iter().for_each(|e| out.push(e));
    Bytes::from(out.into_bytes())
}

/// An SSE response fed by the upstream stream.
pub fn sse_response(
    upstream: reqwest::Response,
    machine: StreamMachine,
    log: RequestLog,
    lang: Lang,
) -> Response {
    let pump = Pump::new(upstream, machine, log, lang);
    let body = futures_util::stream::unfold(pump, |mut pump| async move {
        let frames = pump.next_events().await?;
        Some((
            Ok::<Bytes, Infallible>(Bytes::from(frames.into_bytes())),
            pump,
        ))
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
    lang: Lang,
) -> Response {
    let mut pump = Pump::new(upstream, machine, log, lang);
    while pump.next_events().await.is_some() {}
    match pump.machine.final_response() {
        Some(response) if response.get("status").and_then(Value::as_str) == Some("failed") => {
            let message = response
                .pointer("/error/message")
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| t!(lang, "err-upstream-failed"));
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
            t!(lang, "err-no-response"),
        ),
    }
}
