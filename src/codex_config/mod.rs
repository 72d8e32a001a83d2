//! Pointing Codex (CLI and Desktop) at the engine without losing anything: edits
//! `$CODEX_HOME/config.toml` in place, writes the model catalog, keeps backups, and puts the user's
//! settings back on [`disable`].
//!
//! The public API is what `mimo2codex codex enable|disable|status` and the desktop app call:
//! [`CodexPaths`] says where things are, [`enable`] / [`disable`] / [`status`] do the work and return
//! reports; nothing here prints, logs a token, or touches Codex's `auth.json`.
//!
//! Auth: the provider table carries `experimental_bearer_token`, which Codex 0.169 sends as
//! `Authorization: Bearer …` with no environment variable — what a Codex Desktop started from the
//! Dock or Start menu needs. Codex ignores unknown provider fields silently, so if a future Codex drops
//! that field the symptom is a request without our token, not a config error (see doc/codex.md).

pub mod backup;
pub mod catalog;
pub mod edit;
pub mod error;
pub mod fsutil;
mod ops;
pub mod state;
pub mod status;

use std::path::{Path, PathBuf};

pub use catalog::CatalogModel;
pub use error::CodexConfigError;
pub use ops::{
    disable, enable, enable_in, DisableOutcome, DisableReport, EnableOptions, EnableReport,
};
pub use status::{
    probe_health, probe_health_in, status, status_in, CatalogCheck, EngineProbe, StatusReport,
};

use crate::provider::ProviderRegistry;

/// The generated catalog's file name inside the data dir.
pub const CATALOG_FILE: &str = "codex-model-catalog.json";

/// Where Codex's config and our own files live.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodexPaths {
    /// `CODEX_HOME` (holds `config.toml` and `auth.json`).
    pub codex_home: PathBuf,
    /// The engine's data dir (catalog, backups, integration record).
    pub data_dir: PathBuf,
}

impl CodexPaths {
    /// Both made absolute (Codex reads `model_catalog_json` from its own working directory).
    pub fn new(codex_home: impl Into<PathBuf>, data_dir: impl Into<PathBuf>) -> Self {
        CodexPaths {
            codex_home: absolute(codex_home.into()),
            data_dir: absolute(data_dir.into()),
        }
    }

    pub fn config_path(&self) -> PathBuf {
        self.codex_home.join("config.toml")
    }

    pub fn catalog_path(&self) -> PathBuf {
        self.data_dir.join(CATALOG_FILE)
    }

    pub fn backups_dir(&self) -> PathBuf {
        backup::backups_dir(&self.data_dir)
    }

    pub fn state_path(&self) -> PathBuf {
        state::state_path(&self.data_dir)
    }
}

fn absolute(path: PathBuf) -> PathBuf {
    std::path::absolute(&path).unwrap_or(path)
}

/// `--codex-home`, else `$CODEX_HOME`, else `~/.codex`.
pub fn resolve_codex_home(explicit: Option<&Path>) -> PathBuf {
    codex_home_from(
        explicit,
        std::env::var_os("CODEX_HOME").map(PathBuf::from),
        directories::BaseDirs::new().map(|b| b.home_dir().to_path_buf()),
    )
}

/// [`resolve_codex_home`] with its inputs given (tested).
pub fn codex_home_from(
    explicit: Option<&Path>,
    env: Option<PathBuf>,
    home: Option<PathBuf>,
) -> PathBuf {
    if let Some(p) = explicit {
        return p.to_path_buf();
    }
    if let Some(p) = env.filter(|p| !p.as_os_str().is_empty()) {
        return p;
    }
    home.map(|h| h.join(".codex"))
        .unwrap_or_else(|| PathBuf::from(".codex"))
}

/// The base URL Codex must use for an engine listening on `host:port`: a wildcard address becomes
/// loopback, an IPv6 literal gets brackets.
pub fn engine_base_url(host: &str, port: u16) -> String {
    let host = host.trim().trim_matches(|c| c == '[' || c == ']');
    let host = match host {
        "" | "0.0.0.0" => "127.0.0.1".to_string(),
        "::" => "[::1]".to_string(),
        h if h.contains(':') => format!("[{h}]"),
        h => h.to_string(),
    };
    format!("http://{host}:{port}/v1")
}

/// The model Codex should use: `requested`, or the default provider's default model. A model the
/// engine would not route to as asked (it would fall back to another one) is refused.
pub fn resolve_model(
    registry: &ProviderRegistry,
    requested: Option<&str>,
) -> Result<String, CodexConfigError> {
    let provider = registry.default_provider();
    let Some(model) = requested.map(str::trim).filter(|m| !m.is_empty()) else {
        return Ok(provider.default_model.clone());
    };
    let decision = registry.route(model);
    if decision.fallback.is_some() {
        let known: Vec<String> = registry
            .list_models()
            .into_iter()
            .map(|(_, m)| m.id)
            .collect();
        return Err(CodexConfigError::Model {
            model: model.to_string(),
            known: known.join(", "),
        });
    }
    Ok(model.to_string())
}

/// Catalog entries: `model` first, then every model of every configured provider (default provider
/// first). A provider without a model list contributes its default model.
pub fn catalog_models(registry: &ProviderRegistry, model: &str) -> Vec<CatalogModel> {
    let decision = registry.route(model);
    let mut out = vec![CatalogModel {
        slug: model.to_string(),
        provider: decision.provider.id.clone(),
        info: decision.model.clone(),
    }];
    let default_id = registry.default_provider().id.clone();
    let mut providers: Vec<_> = registry.providers().iter().collect();
    providers.sort_by_key(|p| p.id != default_id);
    for p in providers {
        if p.is_open_catalog() {
            out.push(CatalogModel {
                slug: p.default_model.clone(),
                provider: p.id.clone(),
                info: p.model_or_default(&p.default_model),
            });
        } else {
            out.extend(p.models.iter().map(|m| CatalogModel {
                slug: m.id.clone(),
                provider: p.id.clone(),
                info: m.clone(),
            }));
        }
    }
    out.retain(|m| !m.slug.is_empty());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::builtin::builtin_profiles;

    #[test]
    fn codex_home_precedence() {
        let home = Some(PathBuf::from("/home/u"));
        assert_eq!(
            codex_home_from(Some(Path::new("/x")), Some("/e".into()), home.clone()),
            PathBuf::from("/x")
        );
        assert_eq!(
            codex_home_from(None, Some("/e".into()), home.clone()),
            PathBuf::from("/e")
        );
        assert_eq!(
            codex_home_from(None, Some("".into()), home.clone()),
            PathBuf::from("/home/u/.codex")
        );
    }

    #[test]
    fn base_url_for_hosts() {
        assert_eq!(
            engine_base_url("127.0.0.1", 8788),
            "http://127.0.0.1:8788/v1"
        );
        assert_eq!(engine_base_url("0.0.0.0", 1), "http://127.0.0.1:1/v1");
        assert_eq!(engine_base_url("::1", 2), "http://[::1]:2/v1");
        assert_eq!(engine_base_url("::", 3), "http://[::1]:3/v1");
        assert_eq!(engine_base_url("localhost", 4), "http://localhost:4/v1");
    }

    #[test]
    fn model_choice_and_catalog() {
        let profiles = builtin_profiles();
        let registry = ProviderRegistry::from_profiles(profiles, "deepseek").expect("registry");
        assert_eq!(
            resolve_model(&registry, None).expect("default"),
            registry.default_provider().default_model
        );
        assert_eq!(
            resolve_model(&registry, Some("qwen3-max")).expect("known"),
            "qwen3-max"
        );
        let err = resolve_model(&registry, Some("no-such-model")).expect_err("unknown");
        assert!(err.to_string().contains("no-such-model"), "{err}");
        let models = catalog_models(&registry, "qwen3-max");
        assert_eq!(models[0].slug, "qwen3-max");
        assert_eq!(models[0].provider, "qwen");
        assert_eq!(models[1].provider, "deepseek", "default provider next");
        assert!(models.iter().any(|m| m.slug == "kimi-k2.6"));
    }
}
