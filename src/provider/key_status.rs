//! Which provider keys are set and where, for the desktop's Settings window: `sk-…abcd (from
//! ~/.mimo2codex/.env)`, or "set in the environment; the .env value is shadowed". Keys are only
//! ever shown masked.

use std::collections::HashMap;
use std::path::Path;

use serde::Serialize;

use super::builtin::builtin_profiles;
use super::env_file::read_env_file;
use super::registry::{ProviderConfigError, ProviderRegistry};
use super::ProviderProfile;
use crate::secret::mask;

/// Where a key in effect was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum KeySource {
    /// The process environment (wins over `.env`).
    Environment,
    /// `<data dir>/.env`.
    EnvFile,
}

/// One provider's key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyStatus {
    pub provider: String,
    pub display_name: String,
    /// In the registry; `false` for a built-in not configured yet (listed so a key can be added).
    pub configured: bool,
    /// The variable to write this provider's key to (the first one it reads); `None` when it reads
    /// none.
    pub env_var: Option<String>,
    /// The variable the key in effect comes from (`DEEPSEEK_API_KEY` when `DS_API_KEY` is unset).
    pub found_in: Option<String>,
    /// `None`: no key.
    pub source: Option<KeySource>,
    /// The key masked (`sk-…abcd`).
    pub masked: Option<String>,
    /// The environment sets `env_var`, so a value for it in `.env` is ignored.
    pub shadowed: bool,
}

impl KeyStatus {
    pub fn present(&self) -> bool {
        self.source.is_some()
    }
}

/// The key of every provider in `registry` (none when no configuration loaded), then of each
/// built-in it does not hold, read now from
/// `process` (the process environment) and the `.env` file at `env_file` with the engine's rule:
/// the first variable with a value, the environment's value over the file's unless it is blank.
pub fn key_statuses(
    registry: Option<&ProviderRegistry>,
    process: &HashMap<String, String>,
    env_file: &Path,
) -> Result<Vec<KeyStatus>, ProviderConfigError> {
    let file = read_env_file(env_file)?;
    let configured = registry
        .into_iter()
        .flat_map(|r| r.providers().iter())
        .map(|p| (&**p, true));
    let builtins = builtin_profiles();
    let unconfigured = builtins
        .iter()
        .filter(|b| registry.is_none_or(|r| r.get(&b.id).is_none()))
        .map(|b| (b, false));
    Ok(configured
        .chain(unconfigured)
        .map(|(p, configured)| status(p, configured, process, &file))
        .collect())
}

fn status(
    p: &ProviderProfile,
    configured: bool,
    process: &HashMap<String, String>,
    file: &HashMap<String, String>,
) -> KeyStatus {
    let set = |vars: &HashMap<String, String>, name: &str| {
        vars.get(name)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let found = p.key_env.iter().find_map(|name| {
        let from = |source| move |value| (name, source, value);
        set(process, name)
            .map(from(KeySource::Environment))
            .or_else(|| set(file, name).map(from(KeySource::EnvFile)))
    });
    let env_var = p.key_env.first().cloned();
    KeyStatus {
        provider: p.id.clone(),
        display_name: p.display_name.clone(),
        configured,
        shadowed: env_var
            .as_deref()
            .is_some_and(|name| set(process, name).is_some()),
        env_var,
        found_in: found.as_ref().map(|(name, _, _)| name.to_string()),
        source: found.as_ref().map(|(_, source, _)| *source),
        masked: found.as_ref().map(|(_, _, value)| mask(value)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::ProviderSources;

    use crate::test_support::env_map as map;

    #[test]
    fn reports_each_key_its_variable_and_where_it_came_from() {
        let dir = tempfile::tempdir().expect("dir");
        let env_file = dir.path().join(".env");
        std::fs::write(
            &env_file,
            "DEEPSEEK_API_KEY=sk-file-ds-0123456789\nMIMO_API_KEY=tp-file-mimo-0123456789\n\
             GLM_API_KEY=glm-file-0123456789\n",
        )
        .expect("write");
        let process = map(&[
            ("MIMO_API_KEY", "tp-process-mimo-9876543210"),
            // Blank in the environment: the file's value is used.
            ("GLM_API_KEY", " "),
        ]);
        let sources = ProviderSources::from_data_dir(dir.path(), process.clone().into_iter(), None)
            .expect("sources");
        let registry = ProviderRegistry::load(&sources).expect("registry");
        let all = key_statuses(Some(&registry), &process, &env_file).expect("statuses");
        let get = |id: &str| all.iter().find(|s| s.provider == id).expect(id);

        let mimo = get("mimo");
        assert!(mimo.configured && mimo.present() && mimo.shadowed);
        assert_eq!(mimo.source, Some(KeySource::Environment));
        assert_eq!(mimo.masked.as_deref(), Some("tp-…3210"));
        assert_eq!(mimo.env_var.as_deref(), Some("MIMO_API_KEY"));

        // DS_API_KEY is the variable to write; the key in effect is the later alias in the file.
        let ds = get("deepseek");
        assert_eq!(ds.env_var.as_deref(), Some("DS_API_KEY"));
        assert_eq!(ds.found_in.as_deref(), Some("DEEPSEEK_API_KEY"));
        assert_eq!(ds.source, Some(KeySource::EnvFile));
        assert!(!ds.shadowed);

        let glm = get("glm");
        assert_eq!(
            (glm.source, glm.shadowed),
            (Some(KeySource::EnvFile), false)
        );

        // Built-ins without a key are listed, unconfigured, after the configured ones.
        let kimi = get("kimi");
        assert!(!kimi.configured && !kimi.present() && kimi.masked.is_none());
        assert_eq!(kimi.env_var.as_deref(), Some("KIMI_API_KEY"));
        let order: Vec<&str> = all.iter().map(|s| s.provider.as_str()).collect();
        assert_eq!(
            order,
            [
                "mimo",
                "deepseek",
                "glm",
                "kimi",
                "qwen",
                "minimax",
                "sensenova"
            ]
        );
        let json = serde_json::to_string(&all).expect("json");
        assert!(!json.contains("0123456789") && !json.contains("9876543210"));
        assert!(json.contains("\"source\":\"envFile\""), "{json}");
    }

    #[test]
    fn keyless_providers_and_a_missing_file() {
        let dir = tempfile::tempdir().expect("dir");
        let sources = ProviderSources {
            env: map(&[
                ("GENERIC_BASE_URL", "http://127.0.0.1:11434/v1"),
                ("GENERIC_DEFAULT_MODEL", "llama3.2"),
            ]),
            ..ProviderSources::default()
        };
        let registry = ProviderRegistry::load(&sources).expect("registry");
        let all = key_statuses(Some(&registry), &HashMap::new(), &dir.path().join(".env"))
            .expect("missing .env is empty");
        let generic = &all[0];
        assert_eq!(
            (
                generic.provider.as_str(),
                generic.configured,
                generic.present()
            ),
            ("generic", true, false)
        );
        assert_eq!(generic.env_var.as_deref(), Some("GENERIC_API_KEY"));
        assert_eq!(all.len(), 8, "generic and the seven built-ins");
    }

    #[test]
    fn without_a_configuration_every_builtin_is_listed_for_a_key() {
        let dir = tempfile::tempdir().expect("dir");
        let all = key_statuses(None, &HashMap::new(), &dir.path().join(".env")).expect("statuses");
        assert!(all.len() >= 7, "{all:?}");
        assert!(all.iter().all(|k| !k.configured && !k.present()));
        assert!(all
            .iter()
            .any(|k| k.provider == "deepseek" && k.env_var.as_deref() == Some("DS_API_KEY")));
    }
}
