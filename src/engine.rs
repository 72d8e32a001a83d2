//! The running engine and its control handle.
//!
//! Settings that change at run time (thinking, default provider, providers) live behind one
//! [`EngineHandle`]; a request takes a snapshot when it starts and finishes on it.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use arc_swap::ArcSwap;
use axum::serve::ListenerExt;
use tokio::net::TcpListener;

use crate::i18n::Lang;
use crate::port_holder::find_port_holder;
use crate::server::{router, AppState};
use crate::t;
use crate::upstream::system::read_system_proxy;
use crate::upstream::{CaError, ExtraCa, OutboundRoute, RouteContext, UpstreamConfig};

use crate::provider::ProviderRegistry;
use crate::upstream::Upstream;

/// Default listen port.
pub const DEFAULT_PORT: u16 = 8788;
/// Default request body cap (64 MiB): Codex sends whole histories with images.
pub const DEFAULT_BODY_LIMIT: usize = 64 * 1024 * 1024;

/// Everything needed to start an engine.
#[derive(Clone, Debug)]
pub struct EngineConfig {
    /// Listen address, `127.0.0.1` by default.
    pub host: String,
    /// `0` picks a free port (tests).
    pub port: u16,
    pub data_dir: PathBuf,
    pub registry: ProviderRegistry,
    pub thinking: bool,
    pub body_limit: usize,
    /// Ignore the process proxy environment (`MIMO2CODEX_NO_PROXY_FROM_ENV=1`).
    pub no_proxy_from_env: bool,
    /// Outbound route, NO_PROXY list, extra CA (`NetworkConfig::default()`: today's env route).
    pub network: NetworkConfig,
    /// The language of the error text Codex shows (log lines stay English); see
    /// [`EngineHandle::set_lang`].
    pub lang: Lang,
}

/// The outbound network settings an engine starts with.
#[derive(Clone, Debug, Default)]
pub struct NetworkConfig {
    /// `--proxy` / settings.json; `env` by default.
    pub route: OutboundRoute,
    /// The user's NO_PROXY list, comma-separated; loopback is always added.
    pub no_proxy: String,
    /// Extra CA PEM file and what named it (`--ca-file`, `SSL_CERT_FILE`…).
    pub ca_file: Option<(PathBuf, String)>,
    /// Write routes chosen with [`EngineHandle::set_route`] to `<data dir>/settings.json`.
    pub persist: bool,
}

/// Why a new route could not be applied (or saved).
#[derive(Debug, thiserror::Error)]
pub enum SetRouteError {
    #[error("cannot use this route: {0}")]
    Build(String),
    /// The route is in effect for this run, but was not saved.
    #[error("the route is in effect but was not saved: {0}")]
    Persist(#[from] crate::settings::SettingsError),
}

/// What a route change resolves against; fixed for the engine's life.
#[derive(Debug, Default)]
struct NetContext {
    route: RouteContext,
    settings_dir: Option<PathBuf>,
    /// Serializes route changes (resolve, build, swap, save).
    changing: Mutex<()>,
    /// The route's loopback proxy port is not listening (checked at start and on each switch).
    route_warning: Mutex<Option<String>>,
}

/// Snapshot of the settings a request runs with.
#[derive(Clone, Debug)]
pub struct RuntimeSettings {
    pub thinking: bool,
    pub registry: Arc<ProviderRegistry>,
    /// The outbound client, rebuilt when the network route changes.
    pub upstream: Arc<Upstream>,
    /// The language of the error text Codex shows for this request.
    pub lang: Lang,
}

/// Cheap-to-clone control handle for the CLI, the tray and tests.
#[derive(Clone, Debug)]
pub struct EngineHandle {
    settings: Arc<ArcSwap<RuntimeSettings>>,
    net: Arc<NetContext>,
}

impl EngineHandle {
    pub fn new(settings: RuntimeSettings) -> Self {
        EngineHandle {
            settings: Arc::new(ArcSwap::from_pointee(settings)),
            net: Arc::default(),
        }
    }

    /// The outbound route the user picked (`env` unless set).
    pub fn route(&self) -> OutboundRoute {
        self.settings.load().upstream.config().choice.clone()
    }

    /// Switches the outbound route live: resolves it (reading the OS settings for `system`, which
    /// runs a short command — call from a blocking context), rebuilds the client, swaps it in — new
    /// requests use it, in-flight streams finish on the old one — and saves it to settings.json.
    pub fn set_route(&self, route: OutboundRoute) -> Result<(), SetRouteError> {
        let _one_at_a_time = self
            .net
            .changing
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let ctx = &self.net.route;
        let resolved = route.resolve(ctx, || read_system_proxy(&ctx.env));
        let upstream = self
            .settings()
            .upstream
            .with_route(route.clone(), resolved)
            .map_err(|e| SetRouteError::Build(e.to_string()))?;
        tracing::info!(
            "outbound route changed to {}: {}",
            route,
            upstream.route().describe()
        );
        if let Some(hint) = upstream.route().hint() {
            tracing::warn!("{hint}");
        }
        let warning = crate::network::route_port_warning_blocking(upstream.route());
        if let Some(w) = &warning {
            tracing::warn!("{w}");
        }
        self.set_route_warning(warning);
        self.set_upstream(upstream);
        if let Some(dir) = &self.net.settings_dir {
            crate::settings::Settings::update(dir, |s| s.proxy = route)?;
        }
        Ok(())
    }

    /// Why the current route will fail before any request is sent (its proxy's loopback port is not
    /// listening), as checked at start and on the last [`EngineHandle::set_route`]; for status views.
    pub fn route_warning(&self) -> Option<String> {
        self.net
            .route_warning
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    fn set_route_warning(&self, warning: Option<String>) {
        *self
            .net
            .route_warning
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = warning;
    }

    /// The settings new requests will use.
    pub fn settings(&self) -> Arc<RuntimeSettings> {
        self.settings.load_full()
    }

    pub fn thinking(&self) -> bool {
        self.settings.load().thinking
    }

    /// Turns thinking on or off for requests that start from now on.
    pub fn set_thinking(&self, on: bool) {
        self.update(|s| s.thinking = on);
    }

    /// Replaces the provider set (and default) for requests that start from now on.
    pub fn set_registry(&self, registry: ProviderRegistry) {
        let registry = Arc::new(registry);
        self.update(|s| s.registry = registry.clone());
    }

    /// The language of the error text Codex shows (log lines stay English).
    pub fn lang(&self) -> Lang {
        self.settings.load().lang
    }

    /// Switches the language of the error text Codex shows, for requests that start from now on.
    pub fn set_lang(&self, lang: Lang) {
        self.update(|s| s.lang = lang);
    }

    /// Replaces the outbound client (a new route); in-flight requests keep the one they started with.
    pub fn set_upstream(&self, upstream: Upstream) {
        let upstream = Arc::new(upstream);
        self.update(|s| s.upstream = upstream.clone());
    }

    fn update(&self, change: impl Fn(&mut RuntimeSettings)) {
        self.settings.rcu(|current| {
            let mut next = RuntimeSettings::clone(current);
            change(&mut next);
            next
        });
    }
}

/// Why the engine could not start.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("port {port} on {host} is already in use{holder}. Stop that process or start with --port <another port>")]
    PortInUse {
        host: String,
        port: u16,
        /// ` by pid 123 (node)` or empty.
        holder: String,
    },
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid listen host '{0}': use an IP address such as 127.0.0.1")]
    BadHost(String),
    #[error("cannot build the outbound HTTP client: {0}")]
    Client(String),
    #[error("{0}")]
    Ca(#[from] CaError),
}

impl EngineError {
    /// The error in `lang`, with what to do (its `Display` is English, for logs).
    pub fn text(&self, lang: Lang) -> String {
        match self {
            EngineError::PortInUse { host, port, holder } => {
                // `holder` is ` by pid 123 (node)` or empty.
                let holder = match holder.strip_prefix(" by ") {
                    Some(who) => t!(lang, "engine-port-holder", holder = who),
                    None => String::new(),
                };
                t!(
                    lang,
                    "engine-port-in-use",
                    host = host.as_str(),
                    port = port.to_string(),
                    holder = holder
                )
            }
            EngineError::Bind { addr, source } => t!(
                lang,
                "engine-cannot-listen",
                addr = addr.as_str(),
                detail = source.to_string()
            ),
            EngineError::BadHost(host) => t!(lang, "engine-bad-host", host = host.as_str()),
            EngineError::Client(detail) => {
                t!(lang, "engine-client", detail = detail.as_str())
            }
            EngineError::Ca(err) => err.text(lang),
        }
    }
}

/// A started engine. Call [`RunningEngine::shutdown`] to stop it gracefully.
pub struct RunningEngine {
    pub local_addr: SocketAddr,
    pub handle: EngineHandle,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

/// How long in-flight streams get to finish on shutdown.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

impl RunningEngine {
    /// Base URL Codex should use, e.g. `http://127.0.0.1:8788/v1`.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.local_addr)
    }

    /// Stops accepting, lets in-flight streams finish within [`SHUTDOWN_GRACE`], then cuts the rest.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if tokio::time::timeout(SHUTDOWN_GRACE, &mut self.task)
            .await
            .is_err()
        {
            tracing::warn!(
                "in-flight requests did not finish within {SHUTDOWN_GRACE:?}; closing them"
            );
            self.task.abort();
        }
    }

    /// Waits until the server task ends (it runs until shutdown).
    pub async fn wait(mut self) {
        let _ = (&mut self.task).await;
    }
}

/// Parses `--host`: an IP address, or `localhost`.
pub fn parse_host(host: &str) -> Result<IpAddr, EngineError> {
    if host.eq_ignore_ascii_case("localhost") {
        return Ok(IpAddr::from([127, 0, 0, 1]));
    }
    host.trim_matches(|c| c == '[' || c == ']')
        .parse()
        .map_err(|_| EngineError::BadHost(host.to_string()))
}

/// Binds the listener and starts serving in a background task.
pub async fn start(config: EngineConfig) -> Result<RunningEngine, EngineError> {
    let ip = parse_host(&config.host)?;
    let addr = SocketAddr::new(ip, config.port);
    let listener = match TcpListener::bind(addr).await {
        Ok(l) => l,
        Err(err) if err.kind() == std::io::ErrorKind::AddrInUse => {
            let holder = find_port_holder(config.port)
                .map(|h| format!(" by {h}"))
                .unwrap_or_default();
            return Err(EngineError::PortInUse {
                host: config.host.clone(),
                port: config.port,
                holder,
            });
        }
        Err(source) => {
            return Err(EngineError::Bind {
                addr: addr.to_string(),
                source,
            })
        }
    };
    let local_addr = listener.local_addr().map_err(|source| EngineError::Bind {
        addr: addr.to_string(),
        source,
    })?;
    let env: HashMap<String, String> = crate::provider::env_file::process_env().collect();
    let net = NetContext {
        route: RouteContext {
            env,
            no_proxy_from_env: config.no_proxy_from_env,
            no_proxy: config.network.no_proxy.clone(),
        },
        settings_dir: config.network.persist.then(|| config.data_dir.clone()),
        changing: Mutex::new(()),
        route_warning: Mutex::new(None),
    };
    let extra_ca = match &config.network.ca_file {
        Some((path, from)) => Some(ExtraCa::load(path, from)?),
        None => None,
    };
    let choice = config.network.route.clone();
    let route = choice.resolve(&net.route, || read_system_proxy(&net.route.env));
    if let Some(hint) = route.hint() {
        tracing::warn!("{hint}");
    }
    let route_warning = crate::network::route_port_warning(&route).await;
    if let Some(w) = &route_warning {
        tracing::warn!("{w}");
    }
    let upstream = Upstream::new(UpstreamConfig {
        choice,
        extra_ca,
        ..UpstreamConfig::new(route)
    })
    .map_err(|e| EngineError::Client(e.to_string()))?;
    let mut handle = EngineHandle::new(RuntimeSettings {
        thinking: config.thinking,
        registry: Arc::new(config.registry),
        upstream: Arc::new(upstream),
        lang: config.lang,
    });
    handle.net = Arc::new(net);
    handle.set_route_warning(route_warning);
    let state = AppState::new(handle.clone(), local_addr, config.body_limit);
    let app = router(state);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        // SSE is many small writes: without TCP_NODELAY, Nagle + delayed ACK hold each one ~40 ms.
        let listener = listener.tap_io(|tcp| {
            if let Err(err) = tcp.set_nodelay(true) {
                tracing::debug!("cannot set TCP_NODELAY: {err}");
            }
        });
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = rx.await;
            })
            .await;
        if let Err(err) = served {
            tracing::error!("server stopped: {err}");
        }
    });
    Ok(RunningEngine {
        local_addr,
        handle,
        shutdown: Some(tx),
        task,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_errors_read_the_same_through_the_catalogue_and_in_chinese() {
        let errors = [
            EngineError::PortInUse {
                host: "127.0.0.1".into(),
                port: 8788,
                holder: " by pid 42 (node)".into(),
            },
            EngineError::PortInUse {
                host: "127.0.0.1".into(),
                port: 8788,
                holder: String::new(),
            },
            EngineError::BadHost("example.com".into()),
            EngineError::Client("bad proxy".into()),
        ];
        for err in errors {
            assert_eq!(err.text(Lang::En), err.to_string());
            let zh = err.text(Lang::ZhCn);
            assert_ne!(zh, err.to_string());
            if let EngineError::PortInUse { holder, .. } = &err {
                assert!(zh.contains("8788") && zh.contains("--port"), "{zh}");
                assert_eq!(zh.contains("pid 42 (node)"), !holder.is_empty(), "{zh}");
            }
        }
    }
}
