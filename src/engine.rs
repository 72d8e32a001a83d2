//! The running engine and its control handle.
//!
//! Settings that change at run time (thinking, default provider, providers) live behind one
//! [`EngineHandle`]; a request takes a snapshot when it starts and finishes on it.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use arc_swap::ArcSwap;

use crate::provider::ProviderRegistry;

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
}

/// Snapshot of the settings a request runs with.
#[derive(Clone, Debug)]
pub struct RuntimeSettings {
    pub thinking: bool,
    pub registry: Arc<ProviderRegistry>,
}

/// Cheap-to-clone control handle for the CLI, the tray and tests.
#[derive(Clone, Debug)]
pub struct EngineHandle {
    settings: Arc<ArcSwap<RuntimeSettings>>,
}

impl EngineHandle {
    pub fn new(settings: RuntimeSettings) -> Self {
        EngineHandle {
            settings: Arc::new(ArcSwap::from_pointee(settings)),
        }
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
        self.settings.rcu(|current| RuntimeSettings {
            thinking: on,
            registry: current.registry.clone(),
        });
    }

    /// Replaces the provider set (and default) for requests that start from now on.
    pub fn set_registry(&self, registry: ProviderRegistry) {
        let registry = Arc::new(registry);
        self.settings.rcu(|current| RuntimeSettings {
            thinking: current.thinking,
            registry: registry.clone(),
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
}

/// A started engine. Drop or [`RunningEngine::shutdown`] to stop it.
pub struct RunningEngine {
    pub local_addr: SocketAddr,
    pub handle: EngineHandle,
}
