//! One provider's hop, step by step: DNS, TCP (directly, or a CONNECT / SOCKS5 tunnel through the
//! proxy), then TLS and the API key in one `GET {base_url}/models` with the engine's client.

use std::net::SocketAddr;

use base64::Engine as _;
use reqwest::header::AUTHORIZATION;

use super::{cert, Check, CheckStatus, DoctorContext};
use crate::i18n::Lang;
use crate::network::probe::{self, SocksTarget, TunnelAnswer};
use crate::provider::ProviderProfile;
use crate::t;
use crate::upstream::failure::classify_transport;
use crate::upstream::route::{is_loopback_host, mask_proxy_url, proxy_endpoint};
use crate::upstream::{FailureKind, ProxyRoute, UpstreamFailure};

/// A step's title: which provider, which step (`deepseek: DNS api.deepseek.com`).
enum Step<'a> {
    Url,
    Dns(&'a str),
    Tcp(&'a str, u16),
    Tunnel(&'a str, u16, &'a str),
    Connect,
    Tls,
    PlainKey,
}

struct Hop<'a> {
    lang: Lang,
    p: &'a ProviderProfile,
    url: String,
    host: String,
    port: u16,
    https: bool,
    /// The proxy URL (with password) traffic to `host` goes through.
    proxy: Option<String>,
}

/// The title of `step` for provider `provider`, in `lang`.
fn title(lang: Lang, provider: &str, step: &Step<'_>) -> String {
    match *step {
        Step::Url => t!(lang, "doctor-title-provider-url", provider = provider),
        Step::Dns(host) => t!(
            lang,
            "doctor-title-provider-dns",
            provider = provider,
            host = host
        ),
        Step::Tcp(host, port) => t!(
            lang,
            "doctor-title-provider-tcp",
            provider = provider,
            host = host,
            port = port
        ),
        Step::Tunnel(host, port, proxy) => t!(
            lang,
            "doctor-title-provider-tunnel",
            provider = provider,
            host = host,
            port = port,
            proxy = proxy
        ),
        Step::Connect => t!(lang, "doctor-title-provider-connect", provider = provider),
        Step::Tls => t!(lang, "doctor-title-provider-tls", provider = provider),
        Step::PlainKey => t!(lang, "doctor-title-provider-plain", provider = provider),
    }
}

impl Hop<'_> {
    fn id(&self, step: &str) -> String {
        format!("provider.{}.{step}", self.p.id)
    }

    fn title(&self, step: &Step<'_>) -> String {
        title(self.lang, &self.p.id, step)
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

    fn check(&self, step: &str, title: &Step<'_>, status: CheckStatus, detail: String) -> Check {
        Check::new(self.id(step), self.title(title), status, detail)
    }

    fn fail(&self, step: &str, title: &Step<'_>, kind: FailureKind) -> Check {
        Check::from_failure(
            self.lang,
            self.id(step),
            self.title(title),
            CheckStatus::Fail,
            &self.failure(kind),
        )
    }

    fn skip(&self, step: &str, title: &Step<'_>, why: String) -> Check {
        self.check(step, title, CheckStatus::Skip, why)
    }
}

/// DNS, connect, TLS + key for one provider; later steps are skipped when an earlier one fails.
pub async fn checks(
    ctx: &DoctorContext,
    p: &ProviderProfile,
    route: &ProxyRoute,
    client: Option<&reqwest::Client>,
) -> Vec<Check> {
    let lang = ctx.lang;
    let Ok(url) = reqwest::Url::parse(&p.base_url) else {
        return vec![Check::new(
            format!("provider.{}.url", p.id),
            title(lang, &p.id, &Step::Url),
            CheckStatus::Fail,
            t!(lang, "doctor-provider-bad-url", url = p.base_url.as_str()),
        )
        .with_fix(t!(lang, "doctor-provider-bad-url-fix"))];
    };
    let host = url.host_str().unwrap_or_default().to_string();
    let hop = Hop {
        lang,
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
        out.push(hop.skip("connect", &Step::Connect, t!(lang, "doctor-skip-no-dns")));
        out.push(hop.skip("tls", &Step::Tls, t!(lang, "doctor-skip-no-dns")));
        return out;
    }
    let connect = connect(ctx, &hop, &addrs).await;
    let connect_failed = connect.status == CheckStatus::Fail;
    out.push(connect);
    if connect_failed {
        out.push(hop.skip("tls", &Step::Tls, t!(lang, "doctor-skip-no-connection")));
        return out;
    }
    out.push(match client {
        Some(client) => tls_and_key(ctx, &hop, client).await,
        None => hop.skip("tls", &Step::Tls, t!(lang, "doctor-skip-no-client")),
    });
    out
}

async fn dns(ctx: &DoctorContext, hop: &Hop<'_>) -> (Check, Vec<SocketAddr>) {
    let lang = ctx.lang;
    let title = Step::Dns(&hop.host);
    if let Some(proxy) = &hop.proxy {
        if !proxy.starts_with("socks5://") {
            let check = hop.skip(
                "dns",
                &title,
                t!(lang, "doctor-dns-by-proxy", proxy = mask_proxy_url(proxy)),
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
            let shown = shown.join(", ");
            let host = hop.host.as_str();
            let check = if addrs.iter().all(SocketAddr::is_ipv6) && !is_loopback_host(host) {
                hop.check(
                    "dns",
                    &title,
                    CheckStatus::Warn,
                    t!(lang, "doctor-dns-ipv6-only", host = host, addrs = shown),
                )
                .with_fix(t!(lang, "doctor-dns-ipv6-only-fix"))
            } else {
                hop.check(
                    "dns",
                    &title,
                    CheckStatus::Pass,
                    t!(lang, "doctor-dns-ok", host = host, addrs = shown),
                )
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
    let lang = ctx.lang;
    let t = ctx.connect_timeout;
    let Some(proxy) = &hop.proxy else {
        let title = Step::Tcp(&hop.host, hop.port);
        return match probe::connect(addrs, t).await {
            Ok(s) => {
                let peer = s.peer_addr().map(|a| a.to_string()).unwrap_or_default();
                hop.check(
                    "connect",
                    &title,
                    CheckStatus::Pass,
                    t!(lang, "doctor-connect-direct", peer = peer),
                )
            }
            Err(e) => hop.fail("connect", &title, e.into_kind(false, "connecting")),
        };
    };
    let masked = mask_proxy_url(proxy);
    let title = Step::Tunnel(&hop.host, hop.port, &masked);
    let Some((purl, phost, pport)) = proxy_endpoint(proxy) else {
        return hop.check(
            "connect",
            &title,
            CheckStatus::Fail,
            t!(lang, "doctor-proxy-bad-url", proxy = masked.as_str()),
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
            let basic = creds
                .map(|(u, p)| base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}")));
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
            return hop.check(
                "connect",
                &title,
                CheckStatus::Pass,
                t!(lang, "doctor-connect-https-proxy", proxy = masked.as_str()),
            )
        }
    };
    match answer {
        Ok(TunnelAnswer::Open) => hop.check(
            "connect",
            &title,
            CheckStatus::Pass,
            t!(
                lang,
                "doctor-connect-tunnel",
                proxy = masked.as_str(),
                target = target
            ),
        ),
        Ok(TunnelAnswer::Refused(problem)) | Ok(TunnelAnswer::NotAProxy(problem)) => {
            let detail = problem.text(lang);
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
    let lang = ctx.lang;
    let title = if hop.https { Step::Tls } else { Step::PlainKey };
    let key = hop.p.api_key.as_ref().filter(|k| !k.is_empty());
    let mut request = client.get(&hop.url);
    if let Some(key) = key {
        request = request.header(AUTHORIZATION, format!("Bearer {}", key.expose()));
    }
    let response = match tokio::time::timeout(ctx.request_timeout, request.send()).await {
        Err(_) => {
            return hop.fail(
                "tls",
                &title,
                FailureKind::TimedOut {
                    phase: "waiting for response headers",
                },
            )
        }
        Ok(Err(err)) => {
            return hop.fail("tls", &title, classify_transport(&err, hop.proxy.is_some()))
        }
        Ok(Ok(r)) => r,
    };
    let tls = if hop.https {
        let issuer = response
            .extensions()
            .get::<reqwest::tls::TlsInfo>()
            .and_then(|i| i.peer_certificate())
            .and_then(cert::issuer);
        match issuer {
            Some(issuer) => t!(lang, "doctor-tls-verified-by", issuer = issuer),
            None => t!(lang, "doctor-tls-verified"),
        }
    } else {
        t!(lang, "doctor-tls-plain")
    };
    let tls = tls.as_str();
    let status = response.status().as_u16();
    let env = hop.p.primary_key_env();
    if (200..300).contains(&status) {
        let detail = match key {
            Some(_) => t!(
                lang,
                "doctor-key-accepted",
                tls = tls,
                status = status,
                env = env
            ),
            None => t!(lang, "doctor-key-not-needed", tls = tls, status = status),
        };
        return hop.check("tls", &title, CheckStatus::Pass, detail);
    }
    if key.is_none() && (status == 401 || status == 403) {
        let mut check = hop
            .check(
                "tls",
                &title,
                CheckStatus::Fail,
                t!(
                    lang,
                    "doctor-key-missing",
                    tls = tls,
                    provider = hop.p.id.as_str(),
                    status = status
                ),
            )
            .with_fix(t!(lang, "doctor-key-missing-fix", env = env));
        check.code = Some("missing_api_key".into());
        return check;
    }
    let failure = hop.failure(FailureKind::from_response(response).await);
    let status_of = if status == 401 || status == 403 {
        CheckStatus::Fail
    } else {
        CheckStatus::Warn
    };
    let mut check =
        Check::from_failure(lang, hop.id("tls"), hop.title(&title), status_of, &failure);
    check.detail = t!(
        lang,
        "doctor-tls-http-failure",
        tls = tls,
        problem = check.detail.as_str()
    );
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
    fn step_titles_in_both_languages() {
        let steps = [
            Step::Url,
            Step::Dns("api.deepseek.com"),
            Step::Tcp("api.deepseek.com", 443),
            Step::Tunnel("api.deepseek.com", 443, "http://127.0.0.1:7890"),
            Step::Connect,
            Step::Tls,
            Step::PlainKey,
        ];
        let en: Vec<String> = steps
            .iter()
            .map(|s| title(Lang::En, "deepseek", s))
            .collect();
        assert_eq!(
            en,
            [
                "deepseek: base URL",
                "deepseek: DNS api.deepseek.com",
                "deepseek: TCP connect api.deepseek.com:443",
                "deepseek: tunnel to api.deepseek.com:443 via http://127.0.0.1:7890",
                "deepseek: connect",
                "deepseek: TLS + API key",
                "deepseek: API key (plain http)",
            ]
        );
        let zh: Vec<String> = steps
            .iter()
            .map(|s| title(Lang::ZhCn, "deepseek", s))
            .collect();
        assert_eq!(
            zh[3],
            "deepseek：经 http://127.0.0.1:7890 建立到 api.deepseek.com:443 的隧道"
        );
        for (e, z) in en.iter().zip(&zh) {
            assert!(z.starts_with("deepseek：") && z != e, "{z}");
        }
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
