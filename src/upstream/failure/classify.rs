//! Which [`FailureKind`] a transport error is: reqwest's error chain read for the proxy hop, DNS,
//! TLS and io failures (pure text and error-type matching; the messages are in the parent module).

use std::error::Error as StdError;

use super::FailureKind;

/// The Node-style certificate code for a TLS error text (rustls / rustls-platform-verifier wording).
pub fn tls_code(detail: &str) -> &'static str {
    let d = detail.to_ascii_lowercase();
    if d.contains("self-signed") || d.contains("self signed") {
        "SELF_SIGNED_CERT_IN_CHAIN"
    } else if d.contains("unknownissuer")
        || d.contains("unknown issuer")
        || d.contains("issuer certificate")
        || d.contains("untrusted root")
    {
        "UNABLE_TO_GET_ISSUER_CERT"
    } else if d.contains("notvalidforname")
        || d.contains("not valid for name")
        || d.contains("hostname")
    {
        "ERR_TLS_CERT_ALTNAME_INVALID"
    } else if d.contains("expired") || d.contains("not valid yet") || d.contains("notvalidyet") {
        "CERT_HAS_EXPIRED"
    } else {
        "ETLS"
    }
}

pub(super) const TUNNEL_407: &str = "407 proxy authentication required";
pub(super) const TUNNEL_NOT_200: &str = "CONNECT not answered with 200";
pub(super) const SOCKS_AUTH: &str = "SOCKS5 proxy rejected the user name / password";
pub(super) const SOCKS_ANSWER: &str = "SOCKS5 proxy answered: ";

/// Classifies a transport error from reqwest. `proxy` is the proxy this request went through.
pub fn classify_transport(err: &reqwest::Error, proxy_in_use: bool) -> FailureKind {
    let chain = error_chain(err);
    if let Some(kind) = classify_proxy_text(&chain, err.is_timeout()) {
        return kind;
    }
    let lower = chain.to_ascii_lowercase();
    if lower.contains("dns error")
        || lower.contains("failed to lookup address")
        || lower.contains("name or service not known")
        || lower.contains("no such host")
        || lower.contains("nodename nor servname")
    {
        return FailureKind::NotFound;
    }
    let tls_words =
        lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake");
    if tls_words && !err.is_timeout() {
        // "error sending request for url (…): client error (Connect): invalid peer certificate: …"
        // reads better from the certificate part on.
        let detail = match lower.find("invalid peer certificate") {
            Some(i) => chain[i..].to_string(),
            None => chain,
        };
        return FailureKind::Tls { detail };
    }
    if let Some(kind) = io_kind(err) {
        match kind {
            std::io::ErrorKind::ConnectionRefused => {
                return FailureKind::ConnectRefused {
                    by_proxy: proxy_in_use,
                }
            }
            std::io::ErrorKind::ConnectionReset
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::BrokenPipe
            | std::io::ErrorKind::UnexpectedEof => return FailureKind::ConnReset,
            std::io::ErrorKind::TimedOut => {
                return FailureKind::TimedOut {
                    phase: "connecting",
                }
            }
            _ => {}
        }
    }
    if lower.contains("connection refused") {
        return FailureKind::ConnectRefused {
            by_proxy: proxy_in_use,
        };
    }
    if err.is_timeout() {
        return FailureKind::TimedOut {
            phase: if err.is_connect() {
                "connecting"
            } else {
                "waiting for data"
            },
        };
    }
    if lower.contains("connection reset") || lower.contains("connection closed") {
        return FailureKind::ConnReset;
    }
    FailureKind::Other { detail: chain }
}

/// Failures only a proxy produces: an HTTP CONNECT refused (407, 403, 502…) or a SOCKS5 handshake
/// error. `None` when the text is not about the proxy hop (then the io/TLS rules apply).
pub fn classify_proxy_text(chain: &str, timed_out: bool) -> Option<FailureKind> {
    let lower = chain.to_ascii_lowercase();
    // "tunnel error: failed to create underlying connection" is the proxy not answering: leave it to
    // the io rules (ECONNREFUSED / ETIMEDOUT naming the proxy).
    if lower.contains("proxy authorization required") {
        return Some(FailureKind::TunnelRefused {
            detail: TUNNEL_407.into(),
        });
    }
    if lower.contains("tunnel error: unsuccessful")
        || lower.contains("tunnel error: unexpected end of file")
        || lower.contains("tunnel error: proxy response headers too long")
    {
        return Some(FailureKind::TunnelRefused {
            detail: TUNNEL_NOT_200.into(),
        });
    }
    let socks = lower.find("socks error: ").map(|i| &lower[i + 13..])?;
    if socks.starts_with("failed to create underlying connection") {
        // hyper-util drops the io error here; the usual cause is nothing listening on the proxy port.
        return Some(if timed_out {
            FailureKind::TimedOut {
                phase: "connecting to the proxy",
            }
        } else {
            FailureKind::ConnectRefused { by_proxy: true }
        });
    }
    let detail = if socks.contains("credentials not accepted") || socks.contains("authentication") {
        SOCKS_AUTH.to_string()
    } else {
        format!("{SOCKS_ANSWER}{}", socks.trim())
    };
    Some(FailureKind::TunnelRefused { detail })
}

fn io_kind(err: &(dyn StdError + 'static)) -> Option<std::io::ErrorKind> {
    let mut cur: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = cur {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            return Some(io.kind());
        }
        cur = e.source();
    }
    None
}

/// `a: b: c` from an error and its sources, for logs and classification.
pub fn error_chain(err: &(dyn StdError + 'static)) -> String {
    let mut parts = vec![err.to_string()];
    let mut cur = err.source();
    while let Some(e) = cur {
        let s = e.to_string();
        if !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
        cur = e.source();
    }
    parts.join(": ")
}
