//! Building the registry from what the user configured: environment (over `~/.mimo2codex/.env`),
//! built-ins, `GENERIC_*` and providers.json.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::builtin::{self, GENERIC_ID};
use super::env_file::{merged_env, read_env_file};
use super::from_env::{self, env_value};
use super::providers_json::{read_providers_json, JsonProvider, ProvidersFile};
use super::registry::{ProviderConfigError, ProviderRegistry, ProviderSources};
use super::ProviderProfile;
use crate::secret::Secret;

impl ProviderSources {
    /// The usual sources: `<data_dir>/.env` under the process environment, and
    /// `MIMO2CODEX_PROVIDERS_FILE` (which must exist) or `<data_dir>/providers.json` (if it exists).
    pub fn from_data_dir(
        data_dir: &Path,
        process: impl Iterator<Item = (String, String)>,
        default_provider: Option<String>,
    ) -> Result<Self, ProviderConfigError> {
        let env = merged_env(process, read_env_file(&data_dir.join(".env"))?);
        let providers_json = match env_value(&env, &["MIMO2CODEX_PROVIDERS_FILE"]) {
            Some(explicit) => {
                let path = PathBuf::from(explicit);
                if !path.is_file() {
                    return Err(ProviderConfigError::Invalid(format!(
                        "MIMO2CODEX_PROVIDERS_FILE points to {}, which does not exist",
                        path.display()
                    )));
                }
                Some(path)
            }
            None => Some(data_dir.join("providers.json")).filter(|p| p.is_file()),
        };
        Ok(ProviderSources {
            env,
            providers_json,
            default_provider,
        })
    }
}

/// Where the requested default provider came from, for error messages.
const DEFAULT_ORIGIN_CLI: &str = "--provider / MIMO2CODEX_DEFAULT_PROVIDER";
const DEFAULT_ENV: &str = "MIMO2CODEX_DEFAULT_PROVIDER";

/// A providers.json entry with its key read from `env`.
fn resolve_json(entry: &JsonProvider, env: &HashMap<String, String>) -> ProviderProfile {
    let mut profile = entry.profile.clone();
    let names: Vec<&str> = profile.key_env.iter().map(String::as_str).collect();
    profile.api_key = env_value(env, &names).map(Secret::new);
    if !entry.base_url_given {
        from_env::set_mimo_host_from_key(&mut profile);
    }
    profile
}

impl ProviderRegistry {
    /// Builds the registry from environment, `.env` and providers.json.
    ///
    /// Configured: built-ins with a key or a base-URL override, `generic` when `GENERIC_BASE_URL`
    /// is set, every providers.json entry (an entry with a built-in's id replaces it). Default: the
    /// requested one, else the first configured in built-in order, then `generic`, then the file;
    /// with nothing configured, `mimo` without a key so the banner and errors can say what to set.
    pub fn load(sources: &ProviderSources) -> Result<Self, ProviderConfigError> {
        let env = &sources.env;
        let file = match &sources.providers_json {
            Some(path) => read_providers_json(path)?,
            None => ProvidersFile::default(),
        };
        let from_file = |id: &str| file.providers.iter().find(|j| j.profile.id == id);
        let mut slots: Vec<(ProviderProfile, bool)> = Vec::new();
        for mut profile in builtin::builtin_profiles() {
            if let Some(entry) = from_file(&profile.id) {
                slots.push((resolve_json(entry, env), true));
            } else {
                let configured = from_env::apply_env(&mut profile, env)?;
                slots.push((profile, configured));
            }
        }
        if let Some(entry) = from_file(GENERIC_ID) {
            slots.push((resolve_json(entry, env), true));
        } else if let Some(generic) = from_env::generic_from_env(env)? {
            slots.push((generic, true));
        }
        for entry in &file.providers {
            if !entry.overrides_builtin && entry.profile.id != GENERIC_ID {
                slots.push((resolve_json(entry, env), true));
            }
        }

        let requested = match sources.default_provider.as_deref().map(str::trim) {
            Some(id) if !id.is_empty() => Some((id.to_string(), DEFAULT_ORIGIN_CLI)),
            _ => env_value(env, &[DEFAULT_ENV]).map(|id| (id.to_string(), DEFAULT_ENV)),
        };
        let default_id = match requested {
            Some((id, origin)) => {
                if !slots.iter().any(|(p, _)| p.id == id) {
                    let known = slots
                        .iter()
                        .map(|(p, _)| p.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ");
                    return Err(ProviderConfigError::UnknownDefault {
                        id,
                        origin: origin.to_string(),
                        known,
                    });
                }
                id
            }
            None => slots
                .iter()
                .find(|(_, configured)| *configured)
                .map(|(p, _)| p.id.clone())
                .unwrap_or_else(|| "mimo".to_string()),
        };
        // An unconfigured default stays, keyless, so requests can say which variable to set.
        let profiles = slots
            .into_iter()
            .filter(|(p, configured)| *configured || p.id == default_id)
            .map(|(p, _)| p)
            .collect();
        let mut registry = Self::from_profiles(profiles, &default_id)?;
        registry.set_notes(file.notes);
        Ok(registry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::test_support::env_sources as sources;

    fn ids(r: &ProviderRegistry) -> Vec<&str> {
        r.providers().iter().map(|p| p.id.as_str()).collect()
    }

    fn load(pairs: &[(&str, &str)]) -> ProviderRegistry {
        ProviderRegistry::load(&sources(pairs)).expect("loads")
    }

    const GENERIC: [(&str, &str); 2] = [
        ("GENERIC_BASE_URL", "http://127.0.0.1:11434/v1"),
        ("GENERIC_DEFAULT_MODEL", "llama3.2"),
    ];

    #[test]
    fn nothing_configured_keeps_keyless_mimo() {
        let r = load(&[]);
        assert_eq!(ids(&r), ["mimo"]);
        assert!(r.default_provider().api_key.is_none());
        assert_eq!(r.default_provider().primary_key_env(), "MIMO_API_KEY");
    }

    #[test]
    fn default_is_first_configured_in_fixed_order() {
        let r = load(&[
            ("QWEN_API_KEY", "q-key-12345"),
            ("GLM_API_KEY", "g-key-12345"),
        ]);
        assert_eq!(ids(&r), ["glm", "qwen"]);
        assert_eq!(r.default_provider().id, "glm");
        let r = load(&[GENERIC[0], GENERIC[1], ("SENSENOVA_API_KEY", "s-key-12345")]);
        assert_eq!(
            (ids(&r), r.default_provider().id.as_str()),
            (vec!["sensenova", "generic"], "sensenova")
        );
        let r = load(&GENERIC);
        assert_eq!(r.default_provider().id, "generic");
    }

    #[test]
    fn requested_default_wins_and_unknown_is_an_error() {
        let mut s = sources(&[
            ("MIMO_API_KEY", "sk-1234567890"),
            ("DEEPSEEK_API_KEY", "ds-123456789"),
        ]);
        s.default_provider = Some("deepseek".into());
        assert_eq!(
            ProviderRegistry::load(&s)
                .expect("ok")
                .default_provider()
                .id,
            "deepseek"
        );
        // A requested built-in without a key stays, so its requests can say what to set.
        s.default_provider = Some("kimi".into());
        let r = ProviderRegistry::load(&s).expect("ok");
        assert_eq!(ids(&r), ["mimo", "deepseek", "kimi"]);
        assert!(r.default_provider().api_key.is_none());
        s.default_provider = Some("openai".into());
        let msg = ProviderRegistry::load(&s).expect_err("unknown").to_string();
        assert!(msg.starts_with(
            "unknown provider 'openai' (from --provider / MIMO2CODEX_DEFAULT_PROVIDER)"
        ));
        assert!(
            msg.contains("mimo, deepseek, kimi, glm, qwen, minimax, sensenova"),
            "{msg}"
        );
        let r = load(&[
            ("MIMO_API_KEY", "sk-1234567890"),
            ("MIMO2CODEX_DEFAULT_PROVIDER", "glm"),
        ]);
        assert_eq!(r.default_provider().id, "glm");
    }

    #[test]
    fn providers_json_overrides_builtin_and_appends_entries() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("providers.json");
        let json = r#"{"providers":[
            {"id":"lab","baseUrl":"http://10.0.0.2:8000/v1","envKey":"LAB_KEY","defaultModel":"lab-model",
             "models":["lab-model","shared-id"]},
            {"id":"deepseek","baseUrl":"https://ds.example.com/v1","envKey":"MY_DS_KEY"}]}"#;
        std::fs::write(&path, json).expect("write");
        let mut s = sources(&[
            ("MY_DS_KEY", "ds-from-file-entry"),
            ("DS_API_KEY", "ignored-for-override"),
        ]);
        s.providers_json = Some(path);
        let r = ProviderRegistry::load(&s).expect("loads");
        assert_eq!(ids(&r), ["deepseek", "lab"]);
        let ds = r.get("deepseek").expect("deepseek");
        assert_eq!(ds.base_url, "https://ds.example.com/v1");
        assert_eq!(
            ds.api_key.as_ref().map(Secret::expose),
            Some("ds-from-file-entry")
        );
        assert!(r.get("lab").expect("lab").api_key.is_none());
        assert_eq!(r.route("lab/anything").upstream_model, "anything");
    }

    #[test]
    fn sources_from_data_dir_merge_env_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join(".env"),
            "KIMI_API_KEY=from-file-123\nMIMO_API_KEY=file-mimo\n",
        )
        .expect("write");
        let process = vec![("MIMO_API_KEY".to_string(), "sk-process-123".to_string())];
        let s = ProviderSources::from_data_dir(dir.path(), process.into_iter(), None).expect("ok");
        assert_eq!(s.env["MIMO_API_KEY"], "sk-process-123");
        assert_eq!(s.env["KIMI_API_KEY"], "from-file-123");
        assert!(s.providers_json.is_none());
        std::fs::write(dir.path().join("providers.json"), "{}").expect("write");
        let s = ProviderSources::from_data_dir(dir.path(), std::iter::empty(), None).expect("ok");
        assert_eq!(s.providers_json, Some(dir.path().join("providers.json")));
        let missing = vec![(
            "MIMO2CODEX_PROVIDERS_FILE".to_string(),
            "/nonexistent/p.json".to_string(),
        )];
        let err = ProviderSources::from_data_dir(dir.path(), missing.into_iter(), None)
            .expect_err("missing");
        assert!(err.to_string().contains("MIMO2CODEX_PROVIDERS_FILE"));
    }
}
