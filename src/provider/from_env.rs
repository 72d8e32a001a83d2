//! Reading a provider's key, host and default model from the environment (process env merged
//! over `~/.mimo2codex/.env`), and the `GENERIC_*` single-instance provider.

use std::collections::HashMap;

use super::builtin::{builtin_env, GENERIC_ID, MIMO_PAYG_BASE_URL, MIMO_TOKEN_PLAN_BASE_URL};
use super::registry::ProviderConfigError;
use super::{ModelInfo, ProviderProfile, Quirks, WireApi};
use crate::secret::Secret;

/// The first non-empty value among `names`, trimmed.
pub(crate) fn env_value<'a>(env: &'a HashMap<String, String>, names: &[&str]) -> Option<&'a str> {
    names
        .iter()
        .filter_map(|n| env.get(*n))
        .map(|v| v.trim())
        .find(|v| !v.is_empty())
}

/// `https://host/v1/` and `https://host/v1/chat/completions` both become `https://host/v1`.
pub(crate) fn normalize_base_url(url: &str) -> String {
    let mut url = url.trim().trim_end_matches('/');
    if let Some(stripped) = url.strip_suffix("/chat/completions") {
        url = stripped.trim_end_matches('/');
    }
    url.to_string()
}

/// A plausible http(s) URL: scheme and a host without spaces.
pub(crate) fn is_http_url(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    match rest {
        Some(rest) => {
            let host = rest.split('/').next().unwrap_or("");
            !host.is_empty() && !url.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

/// MiMo's host for a key: token-plan keys (`tp-`) have their own host.
pub fn mimo_base_url_for_key(key: &str) -> &'static str {
    if key.trim().starts_with("tp-") {
        MIMO_TOKEN_PLAN_BASE_URL
    } else {
        MIMO_PAYG_BASE_URL
    }
}

/// MiMo without an explicit host takes the one its key belongs to.
pub(crate) fn set_mimo_host_from_key(profile: &mut ProviderProfile) {
    if profile.id == "mimo" {
        if let Some(key) = &profile.api_key {
            profile.base_url = mimo_base_url_for_key(key.expose()).to_string();
        }
    }
}

fn env_base_url(
    env: &HashMap<String, String>,
    name: &str,
) -> Result<Option<String>, ProviderConfigError> {
    match env_value(env, &[name]) {
        None => Ok(None),
        Some(url) if is_http_url(url) => Ok(Some(normalize_base_url(url))),
        // The value is not echoed: a URL may carry credentials.
        Some(_) => Err(ProviderConfigError::Invalid(format!(
            "{name} must be an http(s) URL such as https://api.example.com/v1"
        ))),
    }
}

/// Lists `id` as a model of `profile` if it is not one already (a `<X>_MODEL` override naming a
/// model we do not know), so routing recognises it.
pub(crate) fn ensure_model(profile: &mut ProviderProfile, id: &str) {
    if !profile.is_open_catalog() && profile.model(id).is_none() {
        profile.models.push(ModelInfo {
            id: id.to_string(),
            ..ModelInfo::default()
        });
    }
}

/// Fills key, host and default model of a built-in from `env`. Returns whether the user
/// configured it (a key, or an explicit base URL for a keyless endpoint).
pub fn apply_env(
    profile: &mut ProviderProfile,
    env: &HashMap<String, String>,
) -> Result<bool, ProviderConfigError> {
    let Some(spec) = builtin_env(&profile.id) else {
        return Ok(false);
    };
    let key = env_value(env, spec.key).map(Secret::new);
    let base = env_base_url(env, spec.base_url)?;
    let configured = key.is_some() || base.is_some();
    profile.api_key = key;
    match base {
        Some(url) => profile.base_url = url,
        None => set_mimo_host_from_key(profile),
    }
    if let Some(m) = env_value(env, &[spec.model]) {
        profile.default_model = m.to_string();
        ensure_model(profile, m);
    }
    Ok(configured)
}

fn parse_flag(name: &str, value: Option<&str>) -> Result<bool, ProviderConfigError> {
    match value.map(str::to_ascii_lowercase).as_deref() {
        None | Some("0" | "false" | "no" | "off") => Ok(false),
        Some("1" | "true" | "yes" | "on") => Ok(true),
        Some(_) => Err(ProviderConfigError::Invalid(format!(
            "{name} must be 1/true or 0/false"
        ))),
    }
}

/// The `generic` provider, when `GENERIC_BASE_URL` is set. Its catalog is open: model ids are
/// forwarded as sent unless `GENERIC_FORCE_DEFAULT_MODEL` is on.
pub fn generic_from_env(
    env: &HashMap<String, String>,
) -> Result<Option<ProviderProfile>, ProviderConfigError> {
    let Some(base_url) = env_base_url(env, "GENERIC_BASE_URL")? else {
        return Ok(None);
    };
    let default_model =
        env_value(env, &["GENERIC_DEFAULT_MODEL", "GENERIC_MODEL"]).ok_or_else(|| {
            ProviderConfigError::Invalid(
                "GENERIC_BASE_URL is set but GENERIC_DEFAULT_MODEL is not: set it to a model id \
                 the upstream serves"
                    .to_string(),
            )
        })?;
    let wire_api = match env_value(env, &["GENERIC_WIRE_API"]).map(str::to_ascii_lowercase) {
        None => WireApi::Chat,
        Some(v) if v == "chat" => WireApi::Chat,
        Some(v) if v == "responses" => WireApi::Responses,
        Some(_) => {
            return Err(ProviderConfigError::Invalid(
                "GENERIC_WIRE_API must be \"chat\" or \"responses\"".to_string(),
            ))
        }
    };
    let force = parse_flag(
        "GENERIC_FORCE_DEFAULT_MODEL",
        env_value(env, &["GENERIC_FORCE_DEFAULT_MODEL"]),
    )?;
    Ok(Some(ProviderProfile {
        id: GENERIC_ID.to_string(),
        display_name: "Generic (OpenAI-compatible)".to_string(),
        base_url,
        api_key: env_value(env, &["GENERIC_API_KEY"]).map(Secret::new),
        key_env: vec!["GENERIC_API_KEY".to_string()],
        default_model: default_model.to_string(),
        models: Vec::new(),
        wire_api,
        force_default_model: force,
        quirks: Quirks::default(),
    }))
}

#[cfg(test)]
mod tests {
    use super::super::builtin::{builtin_profile, builtin_profiles, BUILTIN_ENV};
    use super::*;

    use crate::test_support::env_map as env;

    fn configured(id: &str, pairs: &[(&str, &str)]) -> (ProviderProfile, bool) {
        let mut p = builtin_profile(id).expect("built-in");
        let ok = apply_env(&mut p, &env(pairs)).expect("valid env");
        (p, ok)
    }

    #[test]
    fn mimo_host_follows_key_prefix_and_override() {
        let (p, ok) = configured("mimo", &[("MIMO_API_KEY", "tp-abcdefghijkl")]);
        assert!(ok);
        assert_eq!(p.base_url, MIMO_TOKEN_PLAN_BASE_URL);
        assert_eq!(p.default_model, "mimo-v2.5-pro");
        let (p, _) = configured("mimo", &[("MIMO_API_KEY", "sk-abcdefghijkl")]);
        assert_eq!(p.base_url, MIMO_PAYG_BASE_URL);
        let (p, _) = configured(
            "mimo",
            &[
                ("MIMO_API_KEY", "tp-abcdefghijkl"),
                ("MIMO_BASE_URL", "https://proxy.example.com/v1/"),
            ],
        );
        assert_eq!(p.base_url, "https://proxy.example.com/v1");
        let (p, ok) = configured("mimo", &[]);
        assert!(!ok);
        assert!(p.api_key.is_none());
        assert_eq!(p.primary_key_env(), "MIMO_API_KEY");
    }

    #[test]
    fn deepseek_prefers_ds_api_key_and_reads_overrides() {
        let both = [
            ("DS_API_KEY", "ds-first-key-1"),
            ("DEEPSEEK_API_KEY", "ds-second-key"),
        ];
        let (p, _) = configured("deepseek", &both);
        assert_eq!(
            p.api_key.as_ref().map(Secret::expose),
            Some("ds-first-key-1")
        );
        let (p, _) = configured("deepseek", &[("DS_API_KEY", " "), both[1]]);
        assert_eq!(
            p.api_key.as_ref().map(Secret::expose),
            Some("ds-second-key")
        );
        let (p, ok) = configured(
            "deepseek",
            &[
                (
                    "DEEPSEEK_BASE_URL",
                    "http://127.0.0.1:9000/v1/chat/completions",
                ),
                ("DEEPSEEK_MODEL", "deepseek-v5-preview"),
            ],
        );
        assert!(ok, "a base URL alone configures a keyless endpoint");
        assert_eq!(p.base_url, "http://127.0.0.1:9000/v1");
        assert_eq!(p.default_model, "deepseek-v5-preview");
        assert!(p.model("deepseek-v5-preview").is_some());
        assert_eq!(
            p.model("deepseek-chat").map(|m| m.id.as_str()),
            Some("deepseek-v4-flash")
        );
    }

    #[test]
    fn bad_base_url_is_an_error_without_echoing_it() {
        let mut p = builtin_profile("kimi").expect("kimi");
        let err = apply_env(&mut p, &env(&[("KIMI_BASE_URL", "api.moonshot.cn/v1")]))
            .expect_err("not a URL");
        assert!(err
            .to_string()
            .contains("KIMI_BASE_URL must be an http(s) URL"));
        assert!(!err.to_string().contains("moonshot"));
    }

    #[test]
    fn every_builtin_reads_its_variables() {
        for spec in &BUILTIN_ENV {
            for key in spec.key {
                let (p, ok) = configured(spec.id, &[(key, "key-value-123"), (spec.model, "m-x")]);
                assert!(ok && p.api_key.is_some(), "{} via {key}", spec.id);
                assert_eq!(p.default_model, "m-x");
            }
            let p = builtin_profile(spec.id).expect("profile");
            assert!(
                p.model(&p.default_model).is_some(),
                "{} default listed",
                spec.id
            );
            assert!(is_http_url(&p.base_url), "{}", spec.id);
        }
        let ids: Vec<String> = builtin_profiles().into_iter().map(|p| p.id).collect();
        let order = [
            "mimo",
            "deepseek",
            "kimi",
            "glm",
            "qwen",
            "minimax",
            "sensenova",
        ];
        assert_eq!(ids, order);
    }

    /// DESIGN §5 as data: which built-ins have each quirk. Exact sets for vendor-specific quirks;
    /// "at least" for the ones the permissive defaults already switch on.
    #[test]
    fn generic_from_env_reads_wire_api_and_force_flag() {
        assert!(generic_from_env(&env(&[])).expect("ok").is_none());
        let g = generic_from_env(&env(&[
            ("GENERIC_BASE_URL", "http://localhost:11434/v1"),
            ("GENERIC_API_KEY", "ollama"),
            ("GENERIC_DEFAULT_MODEL", "qwen3:8b"),
        ]))
        .expect("ok")
        .expect("configured");
        assert_eq!(g.id, "generic");
        assert_eq!(g.wire_api, WireApi::Chat);
        assert!(!g.force_default_model && g.is_open_catalog());
        assert_eq!(g.quirks, Quirks::default());
        let g = generic_from_env(&env(&[
            ("GENERIC_BASE_URL", "https://api.openai.com/v1"),
            ("GENERIC_DEFAULT_MODEL", "gpt-5"),
            ("GENERIC_WIRE_API", "responses"),
            ("GENERIC_FORCE_DEFAULT_MODEL", "true"),
        ]))
        .expect("ok")
        .expect("configured");
        assert_eq!(g.wire_api, WireApi::Responses);
        assert!(g.force_default_model && g.api_key.is_none());
        for (bad, needle) in [
            (("GENERIC_WIRE_API", "grpc"), "GENERIC_WIRE_API"),
            (
                ("GENERIC_FORCE_DEFAULT_MODEL", "maybe"),
                "GENERIC_FORCE_DEFAULT_MODEL",
            ),
            (("GENERIC_DEFAULT_MODEL", ""), "GENERIC_DEFAULT_MODEL"),
        ] {
            let mut e = env(&[
                ("GENERIC_BASE_URL", "http://h/v1"),
                ("GENERIC_DEFAULT_MODEL", "m"),
            ]);
            e.insert(bad.0.to_string(), bad.1.to_string());
            let err = generic_from_env(&e).expect_err("invalid");
            assert!(err.to_string().contains(needle), "{err}");
        }
    }
}
