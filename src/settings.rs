//! `<data dir>/settings.json`: the settings the user changes at run time (the outbound route and its
//! NO_PROXY list, and the desktop app's port, thinking and default provider). Written atomically; a
//! corrupt file is set aside, never lost. Flags and `MIMO2CODEX_*` variables win over it
//! ([`effective`]).

pub mod effective;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::fsutil::NewFileMode;
use crate::upstream::OutboundRoute;

pub const FILE_NAME: &str = "settings.json";

/// The persisted settings. Unknown keys (written by a newer version) are kept on rewrite.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Settings {
    /// `direct`, `env`, `system`, a preset name or a proxy URL.
    pub proxy: OutboundRoute,
    /// Hosts never proxied, comma-separated (loopback is always added).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub no_proxy: String,
    /// Listen port (`--port` / `MIMO2CODEX_PORT` win).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// Thinking on or off (`--disable-thinking` / `MIMO2CODEX_DISABLE_THINKING` force it off).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thinking: Option<bool>,
    /// Default provider id, used when it names a configured provider (`--provider` /
    /// `MIMO2CODEX_DEFAULT_PROVIDER` win).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_provider: Option<String>,
    /// `en`, `zh-CN`, or `system` / absent to follow the OS (`--lang` / `MIMO2CODEX_LANG` win).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot encode the settings: {0}")]
    Encode(#[from] serde_json::Error),
}

/// The settings read at start, and what went wrong reading them (already logged as WARN).
#[derive(Clone, Debug, Default)]
pub struct Loaded {
    pub settings: Settings,
    pub warning: Option<String>,
}

pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join(FILE_NAME)
}

impl Settings {
    /// Reads `settings.json`; missing → defaults; unreadable or corrupt → defaults and a WARN (a
    /// corrupt file is kept as `settings.json.bad-<unix seconds>`).
    pub fn load(data_dir: &Path) -> Loaded {
        match read(data_dir) {
            Ok(loaded) => loaded,
            Err(err) => {
                let warning = format!("{err}; using default settings");
                tracing::warn!("{warning}");
                Loaded {
                    settings: Settings::default(),
                    warning: Some(warning),
                }
            }
        }
    }

    /// Writes `settings.json` atomically: a temp file beside it, fsync, rename (mode 0600 on Unix: a
    /// custom proxy URL may hold a password).
    pub fn save(&self, data_dir: &Path) -> Result<(), SettingsError> {
        let file = path(data_dir);
        let write_err = |source| SettingsError::Write {
            path: file.display().to_string(),
            source,
        };
        let mut text = serde_json::to_string_pretty(self)?;
        text.push('\n');
        std::fs::create_dir_all(data_dir).map_err(write_err)?;
        crate::fsutil::atomic_write(&file, text.as_bytes(), NewFileMode::AlwaysPrivate)
            .map_err(|e| write_err(e.source))
    }

    /// The one way to change settings.json: re-reads it, applies `change`, writes it back atomically
    /// (other keys, unknown ones included, untouched) and returns what was written. Changes made in
    /// this process are serialized so two writers cannot lose each other's change. A corrupt file is
    /// set aside as [`Settings::load`] does; an unreadable one is an error (overwriting it could lose
    /// settings).
    pub fn update(
        data_dir: &Path,
        change: impl FnOnce(&mut Settings),
    ) -> Result<Loaded, SettingsError> {
        static ONE_WRITER: Mutex<()> = Mutex::new(());
        let _one_at_a_time = ONE_WRITER
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let Loaded {
            mut settings,
            warning,
        } = read(data_dir)?;
        change(&mut settings);
        settings.save(data_dir)?;
        // The warning says a corrupt file was set aside before this write (for status views).
        Ok(Loaded { settings, warning })
    }
}

/// [`Settings::load`] without the fallback for an unreadable file.
fn read(data_dir: &Path) -> Result<Loaded, SettingsError> {
    let file = path(data_dir);
    let text = match std::fs::read_to_string(&file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Loaded::default()),
        Err(source) => {
            return Err(SettingsError::Read {
                path: file.display().to_string(),
                source,
            })
        }
    };
    match serde_json::from_str::<Settings>(&text) {
        Ok(settings) => Ok(Loaded {
            settings,
            warning: None,
        }),
        Err(err) => {
            let stamp = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or_default();
            let bad = data_dir.join(format!("{FILE_NAME}.bad-{stamp}"));
            let kept = match std::fs::rename(&file, &bad) {
                Ok(()) => format!("kept as {}", bad.display()),
                Err(e) => format!("could not move it aside: {e}"),
            };
            let warning = format!(
                "{} is not valid ({err}); using default settings, the bad file is {kept}",
                file.display()
            );
            tracing::warn!("{warning}");
            Ok(Loaded {
                settings: Settings::default(),
                warning: Some(warning),
            })
        }
    }
}

/// The engine's network settings for `serve`: the flag (or `MIMO2CODEX_PROXY`) wins over
/// settings.json for this run without rewriting it; settings.json wins over the default `env`.
pub fn network_config(
    common: &crate::cli::CommonArgs,
    env: &HashMap<String, String>,
    settings: &Settings,
) -> Result<crate::engine::NetworkConfig, crate::upstream::RouteError> {
    let non_empty = |key: &str| env.get(key).map(|v| v.trim()).filter(|v| !v.is_empty());
    let route = match (&common.proxy, non_empty("MIMO2CODEX_PROXY")) {
        (Some(route), _) => route.clone(),
        // Written in .env (the real environment variable is already in `common.proxy`).
        (None, Some(value)) => value.parse()?,
        (None, None) => settings.proxy.clone(),
    };
    let no_proxy = common
        .no_proxy
        .clone()
        .or_else(|| non_empty("MIMO2CODEX_NO_PROXY_HOSTS").map(str::to_string))
        .unwrap_or_else(|| settings.no_proxy.clone());
    Ok(crate::engine::NetworkConfig {
        route,
        no_proxy,
        ca_file: crate::upstream::tls::ca_file_choice(common.ca_file.as_deref(), env),
        persist: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::upstream::Preset;

    #[test]
    fn round_trips_and_keeps_unknown_keys() {
        let dir = tempfile::tempdir().expect("tmp");
        assert_eq!(Settings::load(dir.path()).settings, Settings::default());
        std::fs::write(path(dir.path()), r#"{"proxy":"clash","futureKey":{"a":1}}"#)
            .expect("write");
        let loaded = Settings::load(dir.path());
        assert!(loaded.warning.is_none());
        assert_eq!(loaded.settings.proxy, OutboundRoute::Preset(Preset::Clash));
        let written = Settings::update(dir.path(), |s| {
            s.proxy = OutboundRoute::Direct;
            s.no_proxy = "intranet".into();
            s.port = Some(9123);
            s.thinking = Some(false);
            s.default_provider = Some("kimi".into());
        })
        .expect("update")
        .settings;
        let text = std::fs::read_to_string(path(dir.path())).expect("read");
        let v: serde_json::Value = serde_json::from_str(&text).expect("json");
        assert_eq!(v["proxy"], "direct");
        assert_eq!(v["noProxy"], "intranet");
        assert_eq!(v["port"], 9123);
        assert_eq!(v["thinking"], false);
        assert_eq!(v["defaultProvider"], "kimi");
        assert_eq!(v["futureKey"]["a"], 1);
        assert_eq!(Settings::load(dir.path()).settings, written);
        // Unset fields are left out, not written as null.
        Settings::update(dir.path(), |s| {
            s.port = None;
            s.thinking = None;
            s.default_provider = None;
        })
        .expect("update");
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path(dir.path())).expect("read"))
                .expect("json");
        let mut keys: Vec<&str> = v
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(keys, ["futureKey", "noProxy", "proxy"]);
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .expect("ls")
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
    }

    #[test]
    fn corrupt_file_gives_defaults_and_is_kept_aside() {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::write(path(dir.path()), r#"{"proxy": "nonsense-route"}"#).expect("write");
        let loaded = Settings::load(dir.path());
        assert_eq!(loaded.settings, Settings::default());
        let warning = loaded.warning.expect("warning");
        assert!(
            warning.contains("not valid") && warning.contains("bad-"),
            "{warning}"
        );
        assert!(!path(dir.path()).exists());
        let bad: Vec<_> = std::fs::read_dir(dir.path())
            .expect("ls")
            .filter_map(|e| e.ok())
            .filter(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with("settings.json.bad-")
            })
            .collect();
        assert_eq!(bad.len(), 1);
        // update() on a corrupt file starts from defaults too (the bad file stays aside).
        std::fs::write(path(dir.path()), r#"{"port": "not a number"}"#).expect("write");
        let written = Settings::update(dir.path(), |s| s.thinking = Some(true)).expect("update");
        assert!(
            written.warning.is_some(),
            "the write says the bad file was set aside"
        );
        let written = written.settings;
        assert_eq!(written.thinking, Some(true));
        assert_eq!(written.port, None);
    }

    #[cfg(unix)]
    #[test]
    fn update_refuses_an_unreadable_file() {
        let dir = tempfile::tempdir().expect("tmp");
        // A directory where the file should be: reading fails with an error other than NotFound.
        std::fs::create_dir(path(dir.path())).expect("mkdir");
        let err = Settings::update(dir.path(), |s| s.port = Some(1)).expect_err("unreadable");
        assert!(matches!(err, SettingsError::Read { .. }), "{err}");
        assert!(Settings::load(dir.path()).warning.is_some());
    }
}
