//! The contract between the Rust side and the windows' TypeScript: the views commands return and
//! the one event enum ([`UiEvent`]) pushed to the window. `ui/src/bindings.ts` is generated from
//! these types (the `bindings_are_current` test fails when it is stale), so both sides agree.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The one event name; its payload is always a [`UiEvent`].
pub const EVENT: &str = "m2c://event";

/// The views of the app's window (one window, three views; the tray opens the right one).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum View {
    Settings,
    Log,
    Diagnose,
}

impl View {
    pub const ALL: [View; 3] = [View::Settings, View::Log, View::Diagnose];

    /// The name used in `--window <name>` and in the page's `#hash`.
    pub fn name(self) -> &'static str {
        match self {
            View::Settings => "settings",
            View::Log => "log",
            View::Diagnose => "diagnose",
        }
    }

    pub fn parse(name: &str) -> Option<View> {
        View::ALL.into_iter().find(|v| v.name() == name)
    }
}

/// Everything Rust tells the window, on one event channel.
#[derive(Clone, Debug, Serialize, TS)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum UiEvent {
    /// The app's state changed (engine, route, thinking, providers, autostart…). Boxed: the
    /// other variants are small.
    State { state: Box<AppView> },
    /// The tray asked for a view.
    Navigate { view: View },
    /// New lines at the end of the log file.
    LogLines { lines: Vec<LogLineView> },
    /// The log file was rotated, truncated or replaced: the window starts over with `lines`.
    LogReset {
        reason: String,
        lines: Vec<LogLineView>,
    },
    /// The log cannot be followed any more (e.g. the file is unreadable).
    LogError { message: String },
    /// One doctor check finished (live progress).
    DoctorCheck { check: CheckView },
    /// The doctor run finished.
    DoctorDone { summary: DoctorSummary },
}

/// A command's failure: what went wrong and, when known, what to do.
#[derive(Clone, Debug, Serialize, TS)]
pub struct CommandError {
    pub message: String,
    pub fix: Option<String>,
}

impl CommandError {
    pub fn new(message: impl Into<String>) -> Self {
        CommandError {
            message: message.into(),
            fix: None,
        }
    }

    pub fn with_fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }
}

impl<E: std::fmt::Display> From<E> for CommandError {
    fn from(err: E) -> Self {
        CommandError::new(err.to_string())
    }
}

/// The engine's state as the window shows it.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum StatusView {
    Starting,
    #[serde(rename_all = "camelCase")]
    Running {
        addr: String,
        base_url: String,
    },
    Stopped,
    #[serde(rename_all = "camelCase")]
    Error {
        message: String,
        /// The port is taken: the window offers to pick another.
        port_busy: bool,
    },
}

/// Everything the Settings view shows; also what the State event carries.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AppView {
    pub status: StatusView,
    pub route: RouteView,
    pub thinking: bool,
    pub providers: Vec<ProviderView>,
    pub default_provider: Option<String>,
    pub port: PortView,
    pub autostart: bool,
    /// The language in effect: `en` or `zh-CN`.
    pub language: String,
    /// What the user chose: `system`, `en` or `zh-CN`.
    pub language_choice: String,
    /// MIMO2CODEX_LANG sets the language, so the window cannot change it.
    pub language_locked: bool,
    pub data_dir: String,
    pub log_path: String,
    /// Problems the user should see (a corrupt settings.json set aside, a route warning…).
    pub warnings: Vec<String>,
}

/// The outbound route.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RouteView {
    /// `direct`, `env`, `system`, a preset name, or `custom`.
    pub choice: String,
    /// The custom proxy URL with its password masked (empty unless `choice` is `custom`).
    pub custom_url: String,
    /// What the route means right now, e.g. "proxy: http://127.0.0.1:7890 (clash preset)".
    pub description: String,
    /// The route's proxy port is not listening, etc.
    pub warning: Option<String>,
    /// The user's NO_PROXY list (loopback is always added).
    pub no_proxy: String,
    pub presets: Vec<PresetView>,
}

/// One fixed route choice.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PresetView {
    /// The value `set_route` takes: `direct`, `system`, `env`, `clash`…
    pub value: String,
    pub label: String,
    /// A proxy app answers on its port or runs.
    pub detected: bool,
}

/// A configured provider.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ProviderView {
    pub id: String,
    pub label: String,
    /// In use (it has a key or needs none); `false`: a built-in listed so a key can be added.
    pub configured: bool,
    pub base_url: String,
    pub models: Vec<String>,
    /// The variable that holds its key, e.g. `DS_API_KEY`.
    pub key_var: String,
    /// The key, masked (`sk-…abcd`), when one is set.
    pub key_masked: Option<String>,
    /// Where the key comes from: "environment" or the .env file's path.
    pub key_source: Option<String>,
    /// The process environment sets the key, so a key saved here (in .env) is not used.
    pub key_shadowed: bool,
}

/// The listen port and who decides it.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PortView {
    pub value: u16,
    /// "default", "settings", or the flag / variable that set it (then the window cannot change it).
    pub source: String,
    pub editable: bool,
}

/// One doctor check.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CheckView {
    pub id: String,
    pub title: String,
    /// "ok", "warn", "fail", "skip" or "info".
    pub status: String,
    pub detail: String,
    pub fix: Option<String>,
}

/// How a doctor run ended.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DoctorSummary {
    pub ok: u32,
    pub warn: u32,
    pub fail: u32,
    pub skip: u32,
    pub passed: bool,
}

/// What the provider "Test" button found.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ProviderTestView {
    pub provider: String,
    pub passed: bool,
    pub checks: Vec<CheckView>,
}

/// One log line.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LogLineView {
    pub text: String,
    /// "error", "warn", "info", "debug", "trace", or none for a continuation line.
    pub level: Option<String>,
}

/// The log's last lines when the Log view opens (it follows from there by events).
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LogSnapshot {
    pub path: String,
    pub lines: Vec<LogLineView>,
    /// Older lines exist that were not read.
    pub truncated: bool,
    /// The file does not exist yet (it appears with the first log line).
    pub missing: bool,
}

/// A language's message catalogue for the window (Fluent source).
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CatalogView {
    /// `en` or `zh-CN`.
    pub lang: String,
    pub ftl: String,
}

/// Codex's configuration as it concerns us.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CodexView {
    pub config_path: String,
    /// config.toml points Codex at this app.
    pub enabled: bool,
    /// The model Codex uses through us.
    pub model: Option<String>,
    /// Codex's base_url matches the port the engine listens on.
    pub port_matches: bool,
    /// One-line summary for the window.
    pub summary: String,
    /// What the user should do, if anything.
    pub fix: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every type the TypeScript side uses, in dependency order.
    fn bindings() -> String {
        let decls = [
            View::decl(),
            UiEvent::decl(),
            CommandError::decl(),
            StatusView::decl(),
            AppView::decl(),
            RouteView::decl(),
            PresetView::decl(),
            ProviderView::decl(),
            PortView::decl(),
            CheckView::decl(),
            DoctorSummary::decl(),
            ProviderTestView::decl(),
            LogLineView::decl(),
            LogSnapshot::decl(),
            CodexView::decl(),
            CatalogView::decl(),
        ];
        let mut out = String::from(
            "// Generated from src-tauri/src/ipc.rs by its `bindings_are_current` test; do not edit.\n\
             // Regenerate: UPDATE_BINDINGS=1 cargo test -p mimo2codex-desktop bindings_are_current\n\n",
        );
        out.push_str(&format!("export const EVENT = \"{EVENT}\";\n\n"));
        for decl in decls {
            out.push_str("export ");
            out.push_str(&decl);
            out.push_str("\n\n");
        }
        out.truncate(out.trim_end().len());
        out.push('\n');
        out
    }

    #[test]
    fn bindings_are_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/bindings.ts");
        let want = bindings();
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            std::fs::write(&path, &want).expect("write bindings");
            return;
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            have == want,
            "ui/src/bindings.ts is stale: run UPDATE_BINDINGS=1 cargo test -p mimo2codex-desktop bindings_are_current"
        );
    }

    #[test]
    fn events_are_tagged_for_the_typescript_switch() {
        let json = serde_json::to_value(UiEvent::Navigate { view: View::Log }).expect("json");
        assert_eq!(json, serde_json::json!({"type": "navigate", "view": "log"}));
        let json = serde_json::to_value(StatusView::Running {
            addr: "127.0.0.1:8788".into(),
            base_url: "http://127.0.0.1:8788/v1".into(),
        })
        .expect("json");
        assert_eq!(
            json,
            serde_json::json!({"state": "running", "addr": "127.0.0.1:8788", "baseUrl": "http://127.0.0.1:8788/v1"})
        );
    }

    #[test]
    fn view_names_round_trip() {
        for v in View::ALL {
            assert_eq!(View::parse(v.name()), Some(v));
        }
        assert_eq!(View::parse("nope"), None);
    }
}
