//! The outbound hop: one shared HTTP client (rustls, OS trust store, pooled), bounded retries, and one
//! classification of every failure.

pub mod choice;
pub mod failure;
pub mod route;
pub mod system;
pub mod tls;

use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{HeaderValue, CONTENT_TYPE};

use crate::provider::ProviderProfile;
pub use choice::{OutboundRoute, Preset, ProxyUrl, RouteContext, RouteError};
pub use failure::{CodexReply, FailureKind, UpstreamFailure};
pub use route::ProxyRoute;
pub use tls::{CaError, ExtraCa};

/// Timeouts and retry budget of the outbound client.
#[derive(Clone, Debug)]
pub struct UpstreamConfig {
    /// The route in effect (resolved from `choice`).
    pub route: ProxyRoute,
    /// What the user picked (`env` unless set).
    pub choice: OutboundRoute,
    /// CA certificates trusted in addition to the OS store.
    pub extra_ca: Option<ExtraCa>,
    pub connect_timeout: Duration,
    /// From sending the request to the response headers.
    pub header_timeout: Duration,
    /// Longest silence between two reads of a streaming body.
    pub idle_timeout: Duration,
    /// Total time retries of 429/5xx may add. Codex retries on its own, so keep it short.
    pub retry_budget: Duration,
}

impl UpstreamConfig {
    pub fn new(route: ProxyRoute) -> Self {
        UpstreamConfig {
            route,
            choice: OutboundRoute::Env,
            extra_ca: None,
            connect_timeout: Duration::from_secs(10),
            header_timeout: Duration::from_secs(120),
            idle_timeout: Duration::from_secs(300),
            retry_budget: Duration::from_secs(4),
        }
    }
}

/// Why the client could not be built (a malformed proxy URL, usually).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ClientBuildError(pub String);

/// The shared outbound client.
#[derive(Clone, Debug)]
pub struct Upstream {
    client: reqwest::Client,
    config: UpstreamConfig,
}

/// Longest `Retry-After` we wait out ourselves before answering Codex.
const MAX_INTERNAL_RETRY_AFTER_SECS: u64 = 2;

impl Upstream {
    pub fn new(config: UpstreamConfig) -> Result<Self, ClientBuildError> {
        let client = build_client(&config, false)?;
        Ok(Upstream { client, config })
    }

    /// A client exactly like this one's (route, NO_PROXY, CAs, timeouts) that also records the
    /// peer certificate (`reqwest::tls::TlsInfo`), for `mimo2codex doctor`.
    pub fn diagnostic_client(&self) -> Result<reqwest::Client, ClientBuildError> {
        build_client(&self.config, true)
    }
}

fn build_client(
    config: &UpstreamConfig,
    tls_info: bool,
) -> Result<reqwest::Client, ClientBuildError> {
    let mut builder = reqwest::Client::builder()
        .tls_info(tls_info)
        .connect_timeout(config.connect_timeout)
        .read_timeout(config.idle_timeout)
        .pool_idle_timeout(Duration::from_secs(90))
        .tcp_keepalive(Duration::from_secs(30))
        .user_agent(concat!("mimo2codex/", env!("CARGO_PKG_VERSION")));
    builder = match config.route.proxy() {
        Some((url, no_proxy)) => {
            let proxy = reqwest::Proxy::all(url).map_err(|e| {
                    let name = match &config.route {
                        ProxyRoute::Env { var, .. } => format!("{var}="),
                        _ => "proxy ".into(),
                    };
                    ClientBuildError(format!(
                        "{name}{} is not a usable proxy URL ({e}); expected e.g. http://127.0.0.1:7890 or socks5://127.0.0.1:7891",
                        route::mask_proxy_url(url)
                    ))
                })?;
            builder.proxy(proxy.no_proxy(reqwest::NoProxy::from_string(no_proxy)))
        }
        None => builder.no_proxy(),
    };
    if let Some(ca) = &config.extra_ca {
        // With rustls-platform-verifier, merged roots become `Verifier::new_with_extra_roots`:
        // the OS store stays, these are trusted as well.
        builder = builder.tls_certs_merge(ca.certs.iter().cloned());
    }
    builder.build().map_err(|e| {
        let chain = failure::error_chain(&e);
        match &config.extra_ca {
            Some(ca) => ClientBuildError(format!(
                "{chain} (with the extra CA file {} from {})",
                ca.path.display(),
                ca.from
            )),
            None => ClientBuildError(chain),
        }
    })
}

impl Upstream {
    pub fn route(&self) -> &ProxyRoute {
        &self.config.route
    }

    pub fn config(&self) -> &UpstreamConfig {
        &self.config
    }

    /// A client for another route with the same timeouts and trusted CAs.
    pub fn with_route(
        &self,
        choice: OutboundRoute,
        route: ProxyRoute,
    ) -> Result<Upstream, ClientBuildError> {
        Upstream::new(UpstreamConfig {
            route,
            choice,
            ..self.config.clone()
        })
    }

    /// The failure a request to `{base_url}/{path}` would report (provider, URL, masked proxy, key
    /// variable), with a placeholder kind; callers set `kind` once they know what went wrong.
    pub fn failure_context(&self, provider: &ProviderProfile, path: &str) -> UpstreamFailure {
        let url = format!("{}/{}", provider.base_url.trim_end_matches('/'), path);
        let proxy = self
            .config
            .route
            .proxy_for(&host_of(&url))
            .map(route::mask_proxy_url);
        UpstreamFailure {
            kind: FailureKind::Other {
                detail: String::new(),
            },
            provider: provider.id.clone(),
            url,
            proxy,
            key_env: provider.primary_key_env().to_string(),
        }
    }

    /// POSTs a JSON body to `{base_url}/{path}`; returns the response once its status is a success.
    ///
    /// A failed connect is retried once; 429 and 5xx are retried with backoff (honouring
    /// `Retry-After`) while the retry budget lasts. Nothing is retried once a response is handed back.
    pub async fn post_json(
        &self,
        provider: &ProviderProfile,
        path: &str,
        body: Bytes,
    ) -> Result<reqwest::Response, UpstreamFailure> {
        let context = self.failure_context(provider, path);
        let fail = |kind| UpstreamFailure {
            kind,
            ..context.clone()
        };
        let started = tokio::time::Instant::now();
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let mut request = self
                .client
                .post(&context.url)
                .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                .body(body.clone());
            if let Some(key) = provider.api_key.as_ref().filter(|k| !k.is_empty()) {
                request = request.bearer_auth(key.expose());
            }
            let sent = tokio::time::timeout(self.config.header_timeout, request.send()).await;
            let failure = match sent {
                Err(_) => fail(FailureKind::TimedOut {
                    phase: "waiting for response headers",
                }),
                Ok(Err(err)) => {
                    let kind = failure::classify_transport(&err, context.proxy.is_some());
                    let f = fail(kind);
                    let connect_failed = err.is_connect() && attempt == 1;
                    if connect_failed {
                        tracing::warn!(provider = %provider.id, code = %f.code(), "upstream connect failed, retrying once: {}", failure::error_chain(&err));
                        tokio::time::sleep(Duration::from_millis(200)).await;
                        continue;
                    }
                    f
                }
                Ok(Ok(response)) if response.status().is_success() => return Ok(response),
                Ok(Ok(response)) => fail(FailureKind::from_response(response).await),
            };
            if failure.is_transient() {
                if let Some(wait) = self.retry_wait(&failure, attempt, started.elapsed()) {
                    tracing::warn!(provider = %provider.id, code = %failure.code(), attempt, wait_ms = wait.as_millis() as u64, "upstream answered {}, retrying", failure.code());
                    tokio::time::sleep(wait).await;
                    continue;
                }
            }
            return Err(failure);
        }
    }

    /// How long to wait before the next attempt, or `None` when the budget is spent.
    fn retry_wait(
        &self,
        failure: &UpstreamFailure,
        attempt: u32,
        spent: Duration,
    ) -> Option<Duration> {
        // Codex retries 5xx and 429 itself (DESIGN §4), so one extra attempt here is enough: more
        // would multiply into dozens of upstream hits per turn.
        if attempt >= 2 {
            return None;
        }
        let wait = match &failure.kind {
            // A long Retry-After is Codex's to honour ("try again in Ns" sets its delay); holding the
            // request open that long would only look like a hang.
            FailureKind::Http {
                retry_after: Some(secs),
                ..
            } if *secs > MAX_INTERNAL_RETRY_AFTER_SECS => return None,
            FailureKind::Http {
                retry_after: Some(secs),
                ..
            } => Duration::from_secs(*secs),
            _ => Duration::from_millis(250 * 2u64.pow(attempt - 1)),
        };
        (spent + wait <= self.config.retry_budget).then_some(wait)
    }
}

/// Host of a URL (no port, IPv6 in brackets), for NO_PROXY decisions and messages.
pub fn host_of(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(u) => u.host_str().unwrap_or_default().to_string(),
        Err(_) => String::new(),
    }
}
