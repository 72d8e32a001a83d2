//! Starts, stops and restarts the engine, and reads its state for the tray. Configuration comes
//! from the same sources as the headless binary: the `MIMO2CODEX_*` environment, `<data dir>/.env`,
//! `providers.json` and `settings.json`.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use clap::Parser;
use mimo2codex::cli::{load_env, Cli, CommonArgs};
use mimo2codex::config::resolve_data_dir;
use mimo2codex::engine::{self, EngineConfig, EngineError, EngineHandle, RunningEngine};
use mimo2codex::provider::ProviderRegistry;
use mimo2codex::upstream::{OutboundRoute, Preset};

use crate::model::{EngineStatus, ProviderItem, RouteAlert, TrayState};
use mimo2codex::i18n::Lang;
use mimo2codex::provider::key_status::{key_statuses, KeyStatus};
use mimo2codex::settings::effective::Sourced;

/// The engine options from the environment (`MIMO2CODEX_HOST`, `_PORT`, `_DATA_DIR`, `_PROXY`…),
/// exactly as the headless binary reads them; the desktop app's own arguments are not engine flags.
pub fn common_args_from_env() -> Result<CommonArgs, String> {
    Cli::try_parse_from(["mimo2codex"])
        .map(|cli| cli.common)
        .map_err(|e| one_line(&e))
}

/// clap's text is "error: invalid value 'x' for '--port <PORT>': …\n\nFor more information…".
fn one_line(err: &clap::Error) -> String {
    let text = err.to_string();
    let first = text.lines().next().unwrap_or_default();
    format!(
        "bad MIMO2CODEX_* setting: {}",
        first.trim_start_matches("error: ").trim()
    )
}

/// The data directory (`MIMO2CODEX_DATA_DIR`, else `~/.mimo2codex`).
pub fn data_dir(common: Option<&CommonArgs>) -> PathBuf {
    resolve_data_dir(common.and_then(|c| c.data_dir.as_deref()))
}

/// Builds the engine's configuration, the way `mimo2codex serve` does, from settings.json as read.
pub fn load_config(
    common: &CommonArgs,
    data_dir: &Path,
    settings: &mimo2codex::settings::Settings,
) -> Result<EngineConfig, String> {
    std::fs::create_dir_all(data_dir).map_err(|e| {
        format!(
            "cannot create the data directory {}: {e}",
            data_dir.display()
        )
    })?;
    let env = load_env(data_dir)?;
    mimo2codex::cli::engine_config_with(common, data_dir, &env, settings)
}

/// A start failure as the status line says it: `port 8788 in use by pid 42 (node)`.
pub fn describe_start_error(err: &EngineError, lang: Lang) -> String {
    match err {
        EngineError::PortInUse { port, holder, .. } => {
            // `holder` is ` by pid 42 (node)` or empty.
            let holder = match holder.strip_prefix(" by ") {
                Some(who) => mimo2codex::t!(lang, "engine-port-holder", holder = who),
                None => String::new(),
            };
            mimo2codex::t!(lang, "desktop-port-in-use", port = *port, holder = holder)
        }
        other => other.text(lang),
    }
}

/// What the menu shows about settings when no engine is running: the last configuration read.
#[derive(Clone, Debug)]
pub struct ConfigView {
    pub route: OutboundRoute,
    pub thinking: bool,
    pub registry: Option<Arc<ProviderRegistry>>,
    /// The port the engine listens (or last tried to listen) on.
    pub port: u16,
    /// The user's NO_PROXY list.
    pub no_proxy: String,
    /// The route's proxy port is not listening, etc.
    pub route_warning: Option<String>,
    /// What the route resolved to ("proxy: http://127.0.0.1:7890 (clash preset)"), while running.
    pub route_line: Option<String>,
    /// The short form of `route_warning` for the menu.
    pub route_alert: Option<RouteAlert>,
}

impl ConfigView {
    /// The live settings of a running engine.
    fn of(handle: &EngineHandle, last: Option<&ConfigView>, lang: Lang) -> Self {
        let settings = handle.settings();
        ConfigView {
            route: handle.route(),
            thinking: settings.thinking,
            registry: Some(settings.registry.clone()),
            port: last
                .map(|c| c.port)
                .unwrap_or(mimo2codex::engine::DEFAULT_PORT),
            no_proxy: last.map(|c| c.no_proxy.clone()).unwrap_or_default(),
            route_alert: handle
                .route_warning()
                .map(
                    |_| match mimo2codex::network::loopback_proxy(settings.upstream.route()) {
                        Some((_, host, port)) => RouteAlert::NotListening { host, port },
                        None => RouteAlert::Unreachable,
                    },
                ),
            route_warning: handle.route_warning(),
            route_line: Some(settings.upstream.route().describe_in(lang)),
        }
    }
}

/// The engine slot and what the tray shows about it.
pub struct Controller {
    data_dir: PathBuf,
    /// The running engine; the async lock serializes start, stop and restart.
    slot: tokio::sync::Mutex<Option<RunningEngine>>,
    /// Copies for the (synchronous) menu code.
    handle: Mutex<Option<EngineHandle>>,
    status: Mutex<EngineStatus>,
    last_config: Mutex<Option<ConfigView>>,
    /// Presets whose proxy app was found by the last detection.
    detected: Mutex<Vec<Preset>>,
    /// settings.json was unreadable or corrupt at the last start (it was set aside).
    settings_warning: Mutex<Option<String>>,
    /// The language of the tray and the windows, and what the user chose (`system` when none).
    lang: Mutex<(Lang, String)>,
    /// The listen port and what set it, as read at the last start (no file reads when rendering).
    port: Mutex<Option<Sourced<u16>>>,
    /// The last start failed because the port is taken (the window then offers another port).
    port_busy: Mutex<bool>,
    /// Every provider's key (masked) and where it comes from, read at the last start (keys only
    /// change through a restart), or why they could not be read.
    keys: Mutex<Result<Vec<KeyStatus>, String>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Controller {
    pub fn new(data_dir: PathBuf) -> Self {
        Controller {
            data_dir,
            slot: tokio::sync::Mutex::new(None),
            handle: Mutex::new(None),
            status: Mutex::new(EngineStatus::Stopped),
            last_config: Mutex::new(None),
            detected: Mutex::new(Vec::new()),
            settings_warning: Mutex::new(None),
            lang: Mutex::new((Lang::En, "system".into())),
            port: Mutex::new(None),
            port_busy: Mutex::new(false),
            keys: Mutex::new(Ok(Vec::new())),
        }
    }

    /// The running engine's handle, if any.
    pub fn handle(&self) -> Option<EngineHandle> {
        lock(&self.handle).clone()
    }

    pub fn status(&self) -> EngineStatus {
        lock(&self.status).clone()
    }

    fn set_status(&self, status: EngineStatus) {
        *lock(&self.status) = status;
    }

    /// Starts the engine with a freshly read configuration, unless one is running. Failures end
    /// up in the status line and the log.
    pub async fn start(&self) {
        let mut slot = self.slot.lock().await;
        if slot.is_none() {
            *slot = self.start_locked().await;
        }
    }

    async fn start_locked(&self) -> Option<RunningEngine> {
        self.set_status(EngineStatus::Starting);
        // Read once per start; a corrupt file's warning (the file is set aside) reaches the window.
        let loaded = mimo2codex::settings::Settings::load(&self.data_dir);
        let settings = loaded.settings;
        if loaded.warning.is_some() {
            *lock(&self.settings_warning) = loaded.warning;
        }
        let common = common_args_from_env();
        // MIMO2CODEX_LANG, else settings.json, else the OS; a bad value was already reported.
        let lang = common
            .as_ref()
            .ok()
            .and_then(|c| c.language(&settings).ok())
            .unwrap_or_else(Lang::from_os);
        self.set_lang(lang, settings.language.as_deref().unwrap_or("system"));
        let config = common.and_then(|common| {
            *lock(&self.port) = Some(mimo2codex::cli::effective_port_with(&common, &settings));
            load_config(&common, &self.data_dir, &settings)
        });
        let config = match config {
            Ok(c) => c,
            Err(err) => {
                tracing::error!("cannot start the proxy: {err}");
                self.read_keys(None);
                self.set_status(EngineStatus::Error(err));
                return None;
            }
        };
        self.read_keys(Some(&config.registry));
        *lock(&self.last_config) = Some(ConfigView {
            route: config.network.route.clone(),
            thinking: config.thinking,
            registry: Some(Arc::new(config.registry.clone())),
            port: config.port,
            no_proxy: config.network.no_proxy.clone(),
            route_warning: None,
            route_line: None,
            route_alert: None,
        });
        match engine::start(config).await {
            Ok(running) => {
                let addr = running.local_addr.to_string();
                tracing::info!("proxy listening on {} (Codex base_url)", running.base_url());
                *lock(&self.handle) = Some(running.handle.clone());
                *lock(&self.port_busy) = false;
                self.set_status(EngineStatus::Running { addr });
                Some(running)
            }
            Err(err) => {
                tracing::error!("cannot start the proxy: {err}");
                *lock(&self.port_busy) = matches!(err, EngineError::PortInUse { .. });
                self.set_status(EngineStatus::Error(describe_start_error(&err, self.lang())));
                None
            }
        }
    }

    /// Stops the engine gracefully (in-flight streams get the engine's grace period).
    pub async fn stop(&self) {
        let mut slot = self.slot.lock().await;
        self.stop_locked(&mut slot).await;
    }

    async fn stop_locked(&self, slot: &mut Option<RunningEngine>) {
        if let Some(handle) = lock(&self.handle).take() {
            // Keep showing the live settings while stopped.
            let view = ConfigView::of(&handle, lock(&self.last_config).as_ref(), self.lang());
            *lock(&self.last_config) = Some(view);
        }
        if let Some(running) = slot.take() {
            tracing::info!("stopping the proxy");
            running.shutdown().await;
        }
        self.set_status(EngineStatus::Stopped);
    }

    /// Stops the engine and starts it again with a freshly read configuration.
    pub async fn restart(&self) {
        let mut slot = self.slot.lock().await;
        self.stop_locked(&mut slot).await;
        *slot = self.start_locked().await;
    }

    /// The language of the tray and the windows.
    pub fn lang(&self) -> Lang {
        lock(&self.lang).0
    }

    /// `system`, `en` or `zh-CN`, as saved in settings.json.
    pub fn lang_choice(&self) -> String {
        lock(&self.lang).1.clone()
    }

    pub fn set_lang(&self, lang: Lang, choice: &str) {
        *lock(&self.lang) = (lang, choice.to_string());
    }

    /// The providers' keys as read at the last start.
    pub fn keys(&self) -> Result<Vec<KeyStatus>, String> {
        lock(&self.keys).clone()
    }

    fn read_keys(&self, registry: Option<&ProviderRegistry>) {
        let process: std::collections::HashMap<String, String> =
            mimo2codex::provider::env_file::process_env().collect();
        let env_file = self.data_dir.join(".env");
        *lock(&self.keys) =
            key_statuses(registry, &process, &env_file).map_err(|err| err.to_string());
    }

    /// The last start failed because the port is taken.
    pub fn port_busy(&self) -> bool {
        *lock(&self.port_busy)
    }

    /// The listen port and what set it (flag, variable, settings.json, default) at the last start.
    pub fn port_source(&self) -> Option<Sourced<u16>> {
        lock(&self.port).clone()
    }

    /// Records that settings.json was found corrupt (and set aside) outside a start.
    pub fn note_settings_warning(&self, warning: String) {
        *lock(&self.settings_warning) = Some(warning);
    }

    /// Why settings.json was set aside at a start, if it was.
    pub fn settings_warning(&self) -> Option<String> {
        lock(&self.settings_warning).clone()
    }

    /// Presets whose proxy app was found by the last detection.
    pub fn detected(&self) -> Vec<Preset> {
        lock(&self.detected).clone()
    }

    /// Stores a detection result; true when it differs from the last one (the menu needs a rebuild).
    pub fn set_detected(&self, presets: Vec<Preset>) -> bool {
        let mut slot = lock(&self.detected);
        let changed = *slot != presets;
        *slot = presets;
        changed
    }

    /// Changes what the window shows while no engine runs (e.g. a route saved for the next start).
    pub fn edit_last_config(&self, change: impl FnOnce(&mut ConfigView)) {
        if let Some(view) = lock(&self.last_config).as_mut() {
            change(view);
        }
    }

    /// The data directory (settings, keys, log).
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The running engine's live settings, else the last configuration read.
    pub fn config_view(&self) -> Option<ConfigView> {
        let last = lock(&self.last_config).clone();
        match self.handle() {
            Some(h) => Some(ConfigView::of(&h, last.as_ref(), self.lang())),
            None => last,
        }
    }

    /// What the tray shows now. `autostart` comes from the autostart plugin.
    pub fn tray_state(&self, autostart: bool) -> TrayState {
        let status = self.status();
        let view = self.config_view();
        let route_alert = view.as_ref().and_then(|v| v.route_alert.clone());
        let (route, thinking, registry) = match view {
            Some(view) => (view.route, view.thinking, view.registry),
            None => (OutboundRoute::Env, true, None),
        };
        let (providers, default_provider) = match &registry {
            Some(r) => (
                r.providers()
                    .iter()
                    .map(|p| ProviderItem {
                        id: p.id.clone(),
                        label: if p.display_name.is_empty() {
                            p.id.clone()
                        } else {
                            p.display_name.clone()
                        },
                    })
                    .collect(),
                Some(r.default_provider().id.clone()),
            ),
            None => (Vec::new(), None),
        };
        TrayState {
            status,
            route,
            thinking,
            providers,
            default_provider,
            autostart,
            detected: self.detected(),
            route_alert,
            lang: self.lang(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // One test touches process env, so the env-dependent checks live together.
    #[tokio::test(flavor = "multi_thread")]
    async fn starts_reports_port_in_use_and_restarts() {
        let dir = std::env::temp_dir().join(format!("m2c-desktop-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        // A port someone else holds.
        let busy = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = busy.local_addr().expect("addr").port();
        // SAFETY (edition 2021: set_var is safe): nextest runs each test in its own process.
        std::env::set_var("MIMO2CODEX_PORT", port.to_string());
        std::env::set_var("MIMO2CODEX_DATA_DIR", &dir);
        std::env::set_var("DS_API_KEY", "sk-test");
        let c = Controller::new(data_dir(common_args_from_env().ok().as_ref()));
        assert_eq!(c.data_dir, dir);
        c.start().await;
        let status = c.status();
        let EngineStatus::Error(why) = &status else {
            panic!("expected an error, got {status:?}")
        };
        assert!(
            why.starts_with(&format!("port {port} in use by pid {}", std::process::id())),
            "{why}"
        );
        // The menu still lists the configured providers while the engine is down.
        let state = c.tray_state(false);
        assert!(
            state.providers.iter().any(|p| p.id == "deepseek"),
            "{state:?}"
        );

        drop(busy);
        // A choice saved by the tray (settings.json) survives a restart.
        mimo2codex::settings::Settings::update(&dir, |s| s.thinking = Some(false)).expect("save");
        c.restart().await;
        assert_eq!(
            c.status(),
            EngineStatus::Running {
                addr: format!("127.0.0.1:{port}")
            }
        );
        let handle = c.handle().expect("handle");
        assert!(!handle.thinking(), "tray choice survives a restart");
        assert!(!c.tray_state(true).thinking);
        c.stop().await;
        assert_eq!(c.status(), EngineStatus::Stopped);
        assert!(c.handle().is_none());
        // The port is free again.
        std::net::TcpListener::bind(("127.0.0.1", port)).expect("port released");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_bad_environment_value_is_one_line() {
        let Err(err) = Cli::try_parse_from(["mimo2codex", "--port", "eighty"]) else {
            panic!("parsed")
        };
        let line = one_line(&err);
        assert!(
            line.starts_with("bad MIMO2CODEX_* setting: invalid value 'eighty'"),
            "{line}"
        );
        assert!(!line.contains('\n'), "{line}");
    }

    #[test]
    fn port_in_use_is_phrased_for_the_status_line() {
        let err = EngineError::PortInUse {
            host: "127.0.0.1".into(),
            port: 8788,
            holder: " by pid 42 (node)".into(),
        };
        assert_eq!(
            describe_start_error(&err, Lang::En),
            "port 8788 in use by pid 42 (node)"
        );
        assert_eq!(
            describe_start_error(&err, Lang::ZhCn),
            "端口 8788 已被占用（占用者：pid 42 (node)）"
        );
    }
}
