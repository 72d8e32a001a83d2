//! One provider's hop, step by step: DNS, TCP (directly, or a CONNECT / SOCKS5 tunnel through the
//! proxy), then TLS and the API key in one `GET {base_url}/models` with the engine's client.

use std::net::SocketAddr;

use base64::Engine as _;
use reqwest::header::AUTHORIZATION;

use super::{cert, Check, CheckStatus, DoctorContext};
use crate::network::probe::{self, SocksTarget, TunnelAnswer};
use crate::provider::ProviderProfile;
use crate::upstream::failure::classify_transport;
use crate::upstream::route::{is_loopback_host, mask_proxy_url, proxy_endpoint};
use crate::upstream::{FailureKind, ProxyRoute, UpstreamFailure};

struct Hop<'a> {
    p: &'a ProviderProfile,
    url: String,
    host: String,
    port: u16,
    https: bool,
    /// The proxy URL (with password) traffic to `host` goes through.
    proxy: Option<String>,
}

impl Hop<'_> {
    fn id(&self, step: &str) -> String {
        format!("provider.{}.{step}", self.p.id)
    }

    fn title(&self, step: &str) -> String {
        format!("{}: {step}", self.p.id)
    }

    fn failure(&self, kind: FailureKind) -> UpstreamFailure {
        UpstreamFailure {
            kind,
            provider: self.p.id.clone(),
            url: self.url.clone(),
            proxy: self.proxy.as_deref().map(mask_proxy_url),
            key_env: self.p.primary_key_env().to_string(),
        }
    }

    fn fail(&self, step: &str, title: &str, kind: FailureKind) -> Check {
        Check::from_failure(
            self.id(step),
            self.title(title),
            CheckStatus::Fail,
            &self.failure(kind),
        )
    }

    fn skip(&self, step: &str, title: &str, why: &str) -> Check {
        Check::new(self.id(step), self.title(title), CheckStatus::Skip, why)
    }
}

/// DNS, connect, TLS + key for one provider; later steps are skipped when an earlier one fails.
pub async fn checks(
    ctx: &DoctorContext,
    p: &ProviderProfile,
    route: &ProxyRoute,
    client: Option<&reqwest::Client>,
) -> Vec<Check> {
    let Ok(url) = reqwest::Url::parse(&p.base_url) else {
        return vec![Check::new(
            format!("provider.{}.url", p.id),
            format!("{}: base URL", p.id),
            CheckStatus::Fail,
            format!("{} is not a URL", p.base_url),
        )
        .with_fix("set an http(s) base URL such as https://api.example.com/v1")];
    };
    let host = url.host_str().unwrap_or_default().to_string();
    let hop = Hop {
        p,
        url: format!("{}/models", p.base_url.trim_end_matches('/')),
        port: url.port_or_known_default().unwrap_or(443),
        https: url.scheme() == "https",
        proxy: route.proxy_for(&host).map(str::to_string),
        host,
    };
    let mut out = Vec::new();
    let (dns, addrs) = dns(ctx, &hop).await;
    let dns_failed = dns.status == CheckStatus::Fail;
    out.push(dns);
    if dns_failed {
        out.push(hop.skip("connect", "connect", "skipped: the name does not resolve"));
        out.push(hop.skip("tls", "TLS + API key", "skipped: the name does not resolve"));
        return out;
    }
    let connect = connect(ctx, &hop, &addrs).await;
    let connect_failed = connect.status == CheckStatus::Fail;
    out.push(connect);
    if connect_failed {
        out.push(hop.skip("tls", "TLS + API key", "skipped: no connection"));
        return out;
    }
    out.push(match client {
        Some(client) => tls_and_key(ctx, &hop, client).await,
        None => hop.skip(
            "tls",
            "TLS + API key",
            "skipped: the outbound client could not be built (see route)",
        ),
    });
    out
}

async fn dns(ctx: &DoctorContext, hop: &Hop<'_>) -> (Check, Vec<SocketAddr>) {
    let title = format!("DNS {}", hop.host);
    if let Some(proxy) = &hop.proxy {
        if !proxy.starts_with("socks5://") {
            let check = hop.skip(
                "dns",
                &title,
                &format!(
                    "resolved by the proxy {} (names are not looked up here)",
                    mask_proxy_url(proxy)
                ),
            );
            return (check, Vec::new());
        }
    }
    match probe::resolve(&hop.host, hop.port, ctx.connect_timeout).await {
        Err(err) => (
            hop.fail("dns", &title, err.into_kind(false, "resolving the name")),
            Vec::new(),
        ),
        Ok(addrs) => {
            let shown: Vec<String> = addrs.iter().take(4).map(|a| a.ip().to_string()).collect();
            let detail = format!("{} → {}", hop.host, shown.join(", "));
            let check = if addrs.iter().all(SocketAddr::is_ipv6) && !is_loopback_host(&hop.host) {
                Check::new(hop.id("dns"), hop.title(&title), CheckStatus::Warn, format!("{detail} (IPv6 only)"))
                    .with_fix("This name has only IPv6 addresses: without an IPv6 route here connections fail; use a proxy (--proxy <preset or URL>) or a network with IPv6")
            } else {
                Check::new(hop.id("dns"), hop.title(&title), CheckStatus::Pass, detail)
            };
            (check, addrs)
        }
    }
}

/// `user:password` of a proxy URL, percent-decoded.
fn proxy_credentials(url: &reqwest::Url) -> Option<(String, String)> {
    if url.username().is_empty() {
        return None;
    }
    let decode = |s: &str| {
        let bytes: Vec<u8> = percent_decode(s);
        String::from_utf8_lossy(&bytes).into_owned()
    };
    Some((decode(url.username()), decode(url.password().unwrap_or(""))))
}

fn percent_decode(s: &str) -> Vec<u8> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

async fn connect(ctx: &DoctorContext, hop: &Hop<'_>, addrs: &[SocketAddr]) -> Check {
    let t = ctx.connect_timeout;
    let Some(proxy) = &hop.proxy else {
        let title = format!("TCP connect {}:{}", hop.host, hop.port);
        return match probe::connect(addrs, t).await {
            Ok(s) => {
                let peer = s.peer_addr().map(|a| a.to_string()).unwrap_or_default();
                Check::new(
                    hop.id("connect"),
                    hop.title(&title),
                    CheckStatus::Pass,
                    format!("connected directly to {peer}"),
                )
            }
            Err(e) => hop.fail("connect", &title, e.into_kind(false, "connecting")),
        };
    };
    let masked = mask_proxy_url(proxy);
    let title = format!("tunnel to {}:{} via {masked}", hop.host, hop.port);
    let Some((purl, phost, pport)) = proxy_endpoint(proxy) else {
        return Check::new(
            hop.id("connect"),
            hop.title(&title),
            CheckStatus::Fail,
            format!("{masked} is not a usable proxy URL"),
        );
    };
    let mut stream = match probe::connect_host(&phost, pport, t).await {
        Ok(s) => s,
        Err(e) => {
            return hop.fail(
                "connect",
                &title,
                e.into_kind(true, "connecting to the proxy"),
            )
        }
    };
    let creds = proxy_credentials(&purl);
    let target = format!("{}:{}", bracket(&hop.host), hop.port);
    let answer = match purl.scheme() {
        "http" => {
            let basic = creds.map(|(u, p)| base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}")));
            probe::http_connect(&mut stream, &target, basic.as_deref(), t)
                .await
                .map(|(answer, _)| answer)
        }
        "socks5" | "socks5h" => {
            let to = match (purl.scheme(), addrs.first()) {
                ("socks5", Some(addr)) => SocksTarget::Addr(*addr),
                _ => SocksTarget::Name(hop.host.clone(), hop.port),
            };
            let creds = creds.as_ref().map(|(u, p)| (u.as_str(), p.as_str()));
            probe::socks5_tunnel(&mut stream, &to, creds, t).await
        }
        _ => {
            return Check::new(
                hop.id("connect"),
                hop.title(&title),
                CheckStatus::Pass,
                format!("{masked} accepts connections (the https:// proxy's tunnel is checked with TLS below)"),
            )
        }
    };
    match answer {
        Ok(TunnelAnswer::Open) => Check::new(
            hop.id("connect"),
            hop.title(&title),
            CheckStatus::Pass,
            format!("{masked} opened a tunnel to {target}"),
        ),
        Ok(TunnelAnswer::Refused { detail }) | Ok(TunnelAnswer::NotAProxy { detail }) => {
            hop.fail("connect", &title, FailureKind::TunnelRefused { detail })
        }
        Err(e) => hop.fail(
            "connect",
            &title,
            e.into_kind(true, "waiting for the proxy"),
        ),
    }
}

fn bracket(host: &str) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_string()
    }
}

async fn tls_and_key(ctx: &DoctorContext, hop: &Hop<'_>, client: &reqwest::Client) -> Check {
    let title = if hop.https {
        "TLS + API key"
    } else {
        "API key (plain http)"
    };
    let key = hop.p.api_key.as_ref().filter(|k| !k.is_empty());
    let mut request = client.get(&hop.url);
    if let Some(key) = key {
        request = request.header(AUTHORIZATION, format!("Bearer {}", key.expose()));
    }
    let response = match tokio::time::timeout(ctx.request_timeout, request.send()).await {
        Err(_) => {
            return hop.fail(
                "tls",
                title,
                FailureKind::TimedOut {
                    phase: "waiting for response headers",
                },
            )
        }
        Ok(Err(err)) => {
            return hop.fail("tls", title, classify_transport(&err, hop.proxy.is_some()))
        }
        Ok(Ok(r)) => r,
    };
    let tls = if hop.https {
        let issuer = response
            .extensions()
            .get::<reqwest::tls::TlsInfo>()
            .and_then(|i| i.peer_certificate())
            .and_then(cert::issuer)
            .map(|i| format!(", issued by {i}"))
            .unwrap_or_default();
        format!("TLS verified{issuer}")
    } else {
        "plain http, no TLS".to_string()
    };
    let status = response.status().as_u16();
    if (200..300).contains(&status) {
        let key_note = match key {
            Some(_) => format!("the key in {} is accepted", hop.p.primary_key_env()),
            None => "no key needed".to_string(),
        };
        return Check::new(
            hop.id("tls"),
            hop.title(title),
            CheckStatus::Pass,
            format!("{tls}; GET /models → HTTP {status}: {key_note}"),
        );
    }
    if key.is_none() && (status == 401 || status == 403) {
        let env = hop.p.primary_key_env();
        let mut check = Check::new(
            hop.id("tls"),
            hop.title(title),
            CheckStatus::Fail,
            format!(
                "{tls}; no API key for provider {} (GET /models → HTTP {status})",
                hop.p.id
            ),
        )
        .with_fix(format!(
            "set {env} in the environment or in ~/.mimo2codex/.env, then restart mimo2codex"
        ));
        check.code = Some("missing_api_key".into());
        return check;
    }
    let failure = hop.failure(FailureKind::from_response(response).await);
    let status_of = if status == 401 || status == 403 {
        CheckStatus::Fail
    } else {
        CheckStatus::Warn
    };
    let mut check = Check::from_failure(hop.id("tls"), hop.title(title), status_of, &failure);
    check.detail = format!("{tls}; GET /models: {}", check.detail);
    check
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::probe::NetError;

    #[test]
    fn proxy_credentials_are_percent_decoded() {
        let url = reqwest::Url::parse("http://us%40er:p%3Ass@127.0.0.1:7890").expect("url");
        assert_eq!(
            proxy_credentials(&url),
            Some(("us@er".into(), "p:ss".into()))
        );
        let none = reqwest::Url::parse("http://127.0.0.1:7890").expect("url");
        assert_eq!(proxy_credentials(&none), None);
        assert_eq!(percent_decode("a%2"), b"a%2".to_vec());
        assert_eq!(bracket("::1"), "[::1]");
    }

    #[test]
    fn timeouts_and_refusals_keep_the_engine_codes() {
        let refused = NetError::Refused.into_kind(true, "connecting to the proxy");
        assert_eq!(refused, FailureKind::ConnectRefused { by_proxy: true });
        let timed_out = NetError::TimedOut.into_kind(false, "connecting");
        let f = UpstreamFailure {
            kind: timed_out,
            provider: "deepseek".into(),
            url: "https://api.deepseek.com/v1/models".into(),
            proxy: None,
            key_env: "DS_API_KEY".into(),
        };
        assert_eq!(f.code(), "ETIMEDOUT");
        assert!(
            f.problem()
                .starts_with("connecting to deepseek at api.deepseek.com timed out"),
            "{}",
            f.problem()
        );
        assert!(f.fix().contains("--proxy clash"), "{}", f.fix());
    }
}
