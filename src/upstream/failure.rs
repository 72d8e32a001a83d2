//! One classification of every upstream failure. The same value feeds the WARN log line, the error
//! Codex shows the user, and (later) the diagnosis screen, so all three always agree.

use std::fmt;

use crate::i18n::{tr_attr, Lang};
use crate::t;

mod classify;
pub use classify::{classify_proxy_text, classify_transport, error_chain, tls_code};
use classify::{SOCKS_ANSWER, SOCKS_AUTH, TUNNEL_407, TUNNEL_NOT_200};

/// What went wrong on the way to the upstream, in the FAQ's vocabulary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FailureKind {
    /// TCP connection refused; `by_proxy` tells whether it was the proxy or the upstream itself.
    ConnectRefused { by_proxy: bool },
    /// The host name did not resolve.
    NotFound,
    /// Connect, response-header or idle timeout.
    TimedOut { phase: &'static str },
    /// The peer reset the connection.
    ConnReset,
    /// The proxy answered CONNECT with an error (403/407/502…).
    TunnelRefused { detail: String },
    /// Certificate or handshake failure.
    Tls { detail: String },
    /// The upstream answered with an HTTP error status.
    Http {
        status: u16,
        body: String,
        retry_after: Option<u64>,
    },
    /// Anything else (malformed response, protocol error).
    Other { detail: String },
}

/// Largest error body read from an upstream (they are short JSON; a proxy page can be big).
const MAX_ERROR_BODY: usize = 16 * 1024;

impl FailureKind {
    /// An HTTP error answer: its status, `Retry-After` (seconds) and the first [`MAX_ERROR_BODY`]
    /// bytes of its body.
    pub async fn from_response(mut response: reqwest::Response) -> FailureKind {
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let mut buf: Vec<u8> = Vec::new();
        while let Ok(Some(chunk)) = response.chunk().await {
            let room = MAX_ERROR_BODY.saturating_sub(buf.len());
            buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
            if buf.len() >= MAX_ERROR_BODY {
                break;
            }
        }
        FailureKind::Http {
            status,
            body: String::from_utf8_lossy(&buf).into_owned(),
            retry_after,
        }
    }
}

/// A classified failure with the context needed to explain it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpstreamFailure {
    pub kind: FailureKind,
    /// Provider id (`deepseek`).
    pub provider: String,
    /// The URL we tried (no secrets in it).
    pub url: String,
    /// The proxy in use (password masked), if any.
    pub proxy: Option<String>,
    /// The env var holding this provider's key, for 401/403 advice.
    pub key_env: String,
}

/// How the failure is presented to Codex.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CodexReply {
    /// An HTTP error before any stream: `{"error":{"message","type","code"}}` with this status.
    Status { status: u16, code: String },
    /// A `response.failed` event with this Responses error code.
    Failed { code: String },
}

impl UpstreamFailure {
    /// The FAQ's short code: `ECONNREFUSED`, `ENOTFOUND`, `ETIMEDOUT`, `ECONNRESET`, `ETUNNEL`,
    /// `ECERT`, `HTTP_429`, …
    pub fn code(&self) -> String {
        match &self.kind {
            FailureKind::ConnectRefused { .. } => "ECONNREFUSED".into(),
            FailureKind::NotFound => "ENOTFOUND".into(),
            FailureKind::TimedOut { .. } => "ETIMEDOUT".into(),
            FailureKind::ConnReset => "ECONNRESET".into(),
            FailureKind::TunnelRefused { .. } => "ETUNNEL".into(),
            FailureKind::Tls { detail } => tls_code(detail).into(),
            FailureKind::Http { status, .. } => format!("HTTP_{status}"),
            FailureKind::Other { .. } => "EUPSTREAM".into(),
        }
    }

    /// Whether another attempt might succeed soon (used by the retry loop).
    pub fn is_transient(&self) -> bool {
        match &self.kind {
            FailureKind::ConnReset | FailureKind::TimedOut { .. } => true,
            FailureKind::Http { status, .. } => *status == 429 || *status >= 500,
            _ => false,
        }
    }

    fn host(&self) -> &str {
        let rest = self
            .url
            .split_once("://")
            .map(|(_, r)| r)
            .unwrap_or(&self.url);
        rest.split('/').next().unwrap_or(rest)
    }

    /// The whole explanation — which hop, which code, the fix — in English, for the log. Codex gets
    /// [`UpstreamFailure::message_in`] in the engine's language.
    pub fn message(&self) -> String {
        self.message_in(Lang::En)
    }

    /// The whole explanation in `lang`: what Codex shows the user.
    pub fn message_in(&self, lang: Lang) -> String {
        let (problem, fix) = self.parts(lang);
        if fix.is_empty() {
            problem
        } else if lang == Lang::En {
            format!("{problem} {fix}")
        } else {
            // Chinese sentences follow each other without a space.
            format!("{problem}{fix}")
        }
    }

    /// The problem alone (which hop, which code), without the advice: [`UpstreamFailure::fix`].
    pub fn problem(&self) -> String {
        self.problem_in(Lang::En)
    }

    /// What to do about it (may be empty); `message()` is `problem() + " " + fix()`.
    pub fn fix(&self) -> String {
        self.fix_in(Lang::En)
    }

    /// [`UpstreamFailure::problem`] in `lang`.
    pub fn problem_in(&self, lang: Lang) -> String {
        self.parts(lang).0
    }

    /// [`UpstreamFailure::fix`] in `lang`.
    pub fn fix_in(&self, lang: Lang) -> String {
        self.parts(lang).1
    }

    fn parts(&self, lang: Lang) -> (String, String) {
        let provider = self.provider.as_str();
        let host = self.host();
        let via = match &self.proxy {
            Some(p) => t!(lang, "err-via-proxy", proxy = p.as_str()),
            None => String::new(),
        };
        let via = via.as_str();
        let proxy = self.proxy.as_deref().unwrap_or("?");
        let key_env = self.key_env.as_str();
        match &self.kind {
            FailureKind::ConnectRefused { by_proxy: true } => (
                t!(lang, "err-refused-proxy", proxy = proxy),
                tr_attr(lang, "err-refused-proxy", "fix", &[]),
            ),
            FailureKind::ConnectRefused { by_proxy: false } if is_local_host(host) => (
                t!(lang, "err-refused-local", provider = provider, host = host),
                tr_attr(lang, "err-refused-local", "fix", &[]),
            ),
            FailureKind::ConnectRefused { by_proxy: false } => (
                t!(lang, "err-refused-remote", provider = provider, host = host),
                tr_attr(lang, "err-refused-remote", "fix", &[]),
            ),
            FailureKind::NotFound => (
                t!(lang, "err-not-found", provider = provider, host = host),
                tr_attr(lang, "err-not-found", "fix", &[]),
            ),
            FailureKind::TimedOut { phase } => (
                t!(
                    lang,
                    "err-timed-out",
                    phase = phase_text(lang, phase),
                    provider = provider,
                    host = host,
                    via = via
                ),
                tr_attr(lang, "err-timed-out", "fix", &[("host", host.into())]),
            ),
            FailureKind::ConnReset => (
                t!(
                    lang,
                    "err-conn-reset",
                    provider = provider,
                    host = host,
                    via = via
                ),
                tr_attr(lang, "err-conn-reset", "fix", &[]),
            ),
            FailureKind::TunnelRefused { detail } => (
                t!(
                    lang,
                    "err-tunnel",
                    proxy = proxy,
                    host = host,
                    detail = tunnel_detail(lang, detail)
                ),
                tr_attr(lang, "err-tunnel", "fix", &[]),
            ),
            FailureKind::Tls { detail } => (
                t!(
                    lang,
                    "err-tls",
                    host = host,
                    via = via,
                    code = tls_code(detail),
                    detail = detail.as_str()
                ),
                tls_fix(lang, tls_code(detail)),
            ),
            FailureKind::Http {
                status: 401, body, ..
            } => (
                t!(
                    lang,
                    "err-http-401",
                    provider = provider,
                    body = short(lang, body)
                ),
                tr_attr(lang, "err-http-401", "fix", &[("key_env", key_env.into())]),
            ),
            FailureKind::Http {
                status: 403, body, ..
            } => (
                t!(
                    lang,
                    "err-http-403",
                    provider = provider,
                    body = short(lang, body)
                ),
                tr_attr(lang, "err-http-403", "fix", &[("key_env", key_env.into())]),
            ),
            // "try again in Ns" is the phrase Codex reads its retry delay from (in every language);
            // never invent N.
            FailureKind::Http {
                status: 429,
                body,
                retry_after,
            } => (
                t!(
                    lang,
                    "err-http-429",
                    provider = provider,
                    body = short(lang, body)
                ),
                match retry_after {
                    Some(secs) => tr_attr(
                        lang,
                        "err-http-429",
                        "retry",
                        &[("secs", secs.to_string().into())],
                    ),
                    None => tr_attr(lang, "err-http-429", "later", &[]),
                },
            ),
            FailureKind::Http {
                status: 404, body, ..
            } => (
                t!(
                    lang,
                    "err-http-404",
                    provider = provider,
                    host = host,
                    via = via,
                    body = short(lang, body)
                ),
                tr_attr(lang, "err-http-404", "fix", &[]),
            ),
            FailureKind::Http { status, body, .. } if *status >= 500 => (
                t!(
                    lang,
                    "err-http-5xx",
                    provider = provider,
                    status = status.to_string(),
                    host = host,
                    via = via,
                    body = short(lang, body)
                ),
                tr_attr(lang, "err-http-5xx", "fix", &[]),
            ),
            FailureKind::Http { status, body, .. } => (
                t!(
                    lang,
                    "err-http-other",
                    provider = provider,
                    status = status.to_string(),
                    host = host,
                    via = via,
                    body = short(lang, body)
                ),
                String::new(),
            ),
            FailureKind::Other { detail } => (
                t!(
                    lang,
                    "err-other",
                    provider = provider,
                    host = host,
                    via = via,
                    detail = detail.as_str()
                ),
                String::new(),
            ),
        }
    }

    pub fn status(&self) -> Option<u16> {
        match &self.kind {
            FailureKind::Http { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// How Codex should see it (DESIGN §4): network failures as a 502 whose message explains the hop;
    /// context overflow, rate limits and quota as `response.failed` codes Codex understands.
    pub fn codex_reply(&self) -> CodexReply {
        match &self.kind {
            FailureKind::Http { status, body, .. } => {
                let lower = body.to_ascii_lowercase();
                if is_context_overflow(&lower) {
                    CodexReply::Failed {
                        code: "context_length_exceeded".into(),
                    }
                } else if *status == 402
                    || (*status == 429 && (lower.contains("quota") || lower.contains("balance")))
                {
                    CodexReply::Failed {
                        code: "insufficient_quota".into(),
                    }
                } else if *status == 429 {
                    CodexReply::Failed {
                        code: "rate_limit_exceeded".into(),
                    }
                } else if *status == 503 && lower.contains("overload") {
                    CodexReply::Failed {
                        code: "server_is_overloaded".into(),
                    }
                } else if *status == 400 || *status == 404 || *status == 422 || *status == 413 {
                    // Shown raw by Codex and not retried: the request itself is wrong.
                    CodexReply::Status {
                        status: 400,
                        code: self.code(),
                    }
                } else if *status == 401 || *status == 403 {
                    CodexReply::Status {
                        status: *status,
                        code: self.code(),
                    }
                } else {
                    CodexReply::Status {
                        status: 502,
                        code: self.code(),
                    }
                }
            }
            _ => CodexReply::Status {
                status: 502,
                code: self.code(),
            },
        }
    }
}

impl fmt::Display for UpstreamFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

/// `localhost`, a loopback IP or `[::1]` (with or without a port): a local model server.
fn is_local_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(rest),
        None => host.rsplit_once(':').map_or(host, |(h, _)| h),
    };
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn is_context_overflow(lower_body: &str) -> bool {
    [
        "context length",
        "context_length",
        "maximum context",
        "too many tokens",
        "context window",
        "prompt is too long",
    ]
    .iter()
    .any(|needle| lower_body.contains(needle))
}

/// A vendor error body, trimmed to its message when it is OpenAI-shaped JSON.
fn short(lang: Lang, body: &str) -> String {
    let text = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| {
            v.pointer("/error/message")
                .or_else(|| v.pointer("/message"))
                .or_else(|| v.pointer("/base_resp/status_msg"))
                .and_then(|m| m.as_str())
                .map(str::to_string)
        })
        .unwrap_or_else(|| body.trim().to_string());
    let mut out: String = text.chars().take(500).collect();
    if out.is_empty() {
        out = t!(lang, "err-empty-body");
    }
    out
}

/// What to do about each certificate failure.
fn tls_fix(lang: Lang, code: &str) -> String {
    match code {
        "SELF_SIGNED_CERT_IN_CHAIN" | "UNABLE_TO_GET_ISSUER_CERT" => t!(lang, "err-tls-untrusted"),
        "ERR_TLS_CERT_ALTNAME_INVALID" => t!(lang, "err-tls-altname"),
        "CERT_HAS_EXPIRED" => t!(lang, "err-tls-expired"),
        _ => t!(lang, "err-tls-other"),
    }
}

/// A timeout's phase (`connecting`, …) in `lang`.
fn phase_text(lang: Lang, phase: &str) -> String {
    match phase {
        "connecting" => t!(lang, "err-phase-connecting"),
        "connecting to the proxy" => t!(lang, "err-phase-proxy"),
        "waiting for data" => t!(lang, "err-phase-data"),
        "waiting for response headers" => t!(lang, "err-phase-headers"),
        // The doctor's own steps.
        "resolving the name" => t!(lang, "err-phase-dns"),
        "waiting for the proxy" => t!(lang, "err-phase-proxy-answer"),
        other => other.to_string(),
    }
}

/// A tunnel refusal's detail (set by [`classify_proxy_text`]) in `lang`.
fn tunnel_detail(lang: Lang, detail: &str) -> String {
    match detail {
        TUNNEL_407 => t!(lang, "err-tunnel-407"),
        TUNNEL_NOT_200 => t!(lang, "err-tunnel-not-200"),
        SOCKS_AUTH => t!(lang, "err-tunnel-socks-auth"),
        other => match other.strip_prefix(SOCKS_ANSWER) {
            Some(answer) => t!(lang, "err-tunnel-socks", answer = answer),
            None => other.to_string(),
        },
    }
}

#[cfg(test)]
#[path = "failure_tests.rs"]
mod tests;
