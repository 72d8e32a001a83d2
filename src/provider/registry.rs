//! Which provider and upstream model serve a request, chosen by the `model` Codex sent.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use super::{ModelInfo, ProviderProfile};

/// Inputs the registry is built from. `env` is the process environment merged over `~/.mimo2codex/.env`
/// (process wins), so tests can build a registry without touching the real environment.
#[derive(Clone, Debug, Default)]
pub struct ProviderSources {
    pub env: HashMap<String, String>,
    /// `~/.mimo2codex/providers.json`, if it exists.
    pub providers_json: Option<PathBuf>,
    /// `--provider` / `MIMO2CODEX_DEFAULT_PROVIDER`.
    pub default_provider: Option<String>,
}

/// Why a configuration could not be loaded; the message says what is wrong and where.
#[derive(Debug, thiserror::Error)]
pub enum ProviderConfigError {
    #[error("{path}: line {line}, column {column}: {message}")]
    ProvidersJson {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{path}: providers[{index}].{field}: {message}")]
    ProvidersJsonField {
        path: PathBuf,
        index: usize,
        field: String,
        message: String,
    },
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("unknown provider '{id}' (from {origin}); configured providers: {known}")]
    UnknownDefault {
        id: String,
        origin: String,
        known: String,
    },
    #[error("{0}")]
    Invalid(String),
}

/// Why the requested model went elsewhere.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FallbackReason {
    /// The model id is not served by any configured provider.
    UnknownModel,
    /// The provider forces its default model.
    ForcedDefault,
}

impl FallbackReason {
    pub fn as_str(&self) -> &'static str {
        match self {
            FallbackReason::UnknownModel => "unknown model id",
            FallbackReason::ForcedDefault => "provider forces its default model",
        }
    }
}

/// The outcome of routing one request.
#[derive(Clone, Debug)]
pub struct RouteDecision {
    pub provider: Arc<ProviderProfile>,
    /// The model id sent upstream.
    pub upstream_model: String,
    pub model: ModelInfo,
    /// Set when the client's model was replaced.
    pub fallback: Option<FallbackReason>,
}

/// All configured providers and the default one.
#[derive(Clone, Debug)]
pub struct ProviderRegistry {
    providers: Vec<Arc<ProviderProfile>>,
    default_index: usize,
    /// Accepted-but-ignored configuration, for the startup log.
    notes: Vec<String>,
}

impl ProviderRegistry {
    /// A registry from explicit profiles (tests, the desktop shell). `default_id` must be one of them.
    pub fn from_profiles(
        providers: Vec<ProviderProfile>,
        default_id: &str,
    ) -> Result<Self, ProviderConfigError> {
        let providers: Vec<Arc<ProviderProfile>> = providers.into_iter().map(Arc::new).collect();
        let default_index = providers
            .iter()
            .position(|p| p.id == default_id)
            .ok_or_else(|| ProviderConfigError::UnknownDefault {
                id: default_id.to_string(),
                origin: "configuration".to_string(),
                known: providers
                    .iter()
                    .map(|p| p.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })?;
        Ok(ProviderRegistry {
            providers,
            default_index,
            notes: Vec::new(),
        })
    }

    pub(super) fn set_notes(&mut self, notes: Vec<String>) {
        self.notes = notes;
    }

    /// Configuration that was accepted but has no effect (unknown providers.json features, …).
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// Every model a configured provider serves, for `GET /v1/models`. A provider without a model
    /// list contributes its default model.
    pub fn list_models(&self) -> Vec<(String, ModelInfo)> {
        let mut out = Vec::new();
        for provider in &self.providers {
            if provider.is_open_catalog() {
                let info = provider.model_or_default(&provider.default_model);
                out.push((provider.id.clone(), info));
            } else {
                out.extend(
                    provider
                        .models
                        .iter()
                        .map(|m| (provider.id.clone(), m.clone())),
                );
            }
        }
        out
    }

    pub fn providers(&self) -> &[Arc<ProviderProfile>] {
        &self.providers
    }

    pub fn default_provider(&self) -> &Arc<ProviderProfile> {
        &self.providers[self.default_index]
    }

    pub fn get(&self, id: &str) -> Option<&Arc<ProviderProfile>> {
        self.providers.iter().find(|p| p.id == id)
    }

    /// The same providers with another default.
    pub fn with_default(&self, id: &str) -> Result<Self, ProviderConfigError> {
        let profiles = self.providers.iter().map(|p| (**p).clone()).collect();
        let mut registry = Self::from_profiles(profiles, id)?;
        registry.notes = self.notes.clone();
        Ok(registry)
    }

    /// Picks provider and upstream model for the `model` Codex sent.
    ///
    /// Order: a provider's model id or alias (default provider first), or the default model of a
    /// provider without a model list; `provider/model` or `provider:model` prefixes; else the
    /// default provider: its default model (an unknown id is a fallback, reported to the caller for
    /// the INFO line), or the id unchanged when that provider has no model list to check against.
    pub fn route(&self, client_model: &str) -> RouteDecision {
        let model = client_model.trim();
        if let Some(decision) = self.route_known(model) {
            return decision;
        }
        let provider = self.default_provider().clone();
        if model.is_empty() {
            return self.decide(provider, None, None);
        }
        if provider.is_open_catalog() {
            return self.decide(provider, Some(model.to_string()), None);
        }
        self.decide(provider, None, Some(FallbackReason::UnknownModel))
    }

    fn route_known(&self, model: &str) -> Option<RouteDecision> {
        if model.is_empty() {
            return None;
        }
        // Default provider first, so a model id two providers share goes to the one the user chose.
        let ordered = std::iter::once(self.default_provider())
            .chain(self.providers.iter())
            .cloned();
        for provider in ordered {
            if let Some(info) = provider.model(model) {
                let id = info.id.clone();
                return Some(self.decide(provider, Some(id), None));
            }
            if provider.is_open_catalog() && provider.default_model == model {
                return Some(self.decide(provider, Some(model.to_string()), None));
            }
        }
        for sep in ['/', ':'] {
            if let Some((prefix, rest)) = model.split_once(sep) {
                if let Some(provider) = self.get(prefix).cloned() {
                    let rest = rest.trim();
                    if rest.is_empty() {
                        return Some(self.decide(provider, None, None));
                    }
                    let id = provider
                        .model(rest)
                        .map(|m| m.id.clone())
                        .unwrap_or_else(|| rest.to_string());
                    return Some(self.decide(provider, Some(id), None));
                }
            }
        }
        None
    }

    fn decide(
        &self,
        provider: Arc<ProviderProfile>,
        model: Option<String>,
        fallback: Option<FallbackReason>,
    ) -> RouteDecision {
        let (upstream_model, fallback) = match model {
            // Only a real change is reported: asking for the forced model is not a fallback.
            Some(m) if provider.force_default_model && m != provider.default_model => (
                provider.default_model.clone(),
                Some(FallbackReason::ForcedDefault),
            ),
            Some(m) => (m, fallback),
            None => (provider.default_model.clone(), fallback),
        };
        let model = provider.model_or_default(&upstream_model);
        RouteDecision {
            provider,
            upstream_model,
            model,
            fallback,
        }
    }
}

/// The INFO line for a decision that replaced the client's model, `None` when nothing was replaced.
pub fn describe_fallback(decision: &RouteDecision, client_model: &str) -> Option<String> {
    let reason = decision.fallback.as_ref()?;
    let why = match reason {
        FallbackReason::UnknownModel => "client sent unknown model id",
        FallbackReason::ForcedDefault => "provider forces its default model",
    };
    Some(format!(
        "model fallback applied — {why}, request continues with provider default \
         {{ provider: {}, from: {}, to: {}, reason: {} }}",
        decision.provider.id,
        client_model,
        decision.upstream_model,
        reason.as_str()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::test_support::env_sources as sources;

    fn load(pairs: &[(&str, &str)]) -> ProviderRegistry {
        ProviderRegistry::load(&sources(pairs)).expect("loads")
    }

    const GENERIC: [(&str, &str); 2] = [
        ("GENERIC_BASE_URL", "http://127.0.0.1:11434/v1"),
        ("GENERIC_DEFAULT_MODEL", "llama3.2"),
    ];

    fn routing_registry() -> ProviderRegistry {
        let mut s = sources(&[
            ("MIMO_API_KEY", "tp-1234567890"),
            ("DS_API_KEY", "sk-1234567890"),
            GENERIC[0],
            GENERIC[1],
        ]);
        s.default_provider = Some("deepseek".into());
        ProviderRegistry::load(&s).expect("loads")
    }

    #[test]
    fn routes_by_id_alias_and_prefix() {
        let r = routing_registry();
        let d = r.route("mimo-v2.5-pro");
        assert_eq!(
            (
                d.provider.id.as_str(),
                d.upstream_model.as_str(),
                d.fallback
            ),
            ("mimo", "mimo-v2.5-pro", None)
        );
        let d = r.route("deepseek-reasoner");
        assert_eq!(
            (d.provider.id.as_str(), d.upstream_model.as_str()),
            ("deepseek", "deepseek-v4-flash")
        );
        assert!(d.fallback.is_none() && d.model.reasoning);
        let d = r.route("mimo-v2-omni");
        assert_eq!(d.upstream_model, "mimo-v2.5");
        assert!(d.model.vision);
        let d = r.route("generic/qwen3:8b");
        assert_eq!(
            (d.provider.id.as_str(), d.upstream_model.as_str()),
            ("generic", "qwen3:8b")
        );
        let d = r.route("mimo:mimo-v2-pro");
        assert_eq!(
            (d.provider.id.as_str(), d.upstream_model.as_str()),
            ("mimo", "mimo-v2.5-pro")
        );
        let d = r.route("llama3.2");
        assert_eq!((d.provider.id.as_str(), d.fallback), ("generic", None));
        let d = r.route("  ");
        assert_eq!(
            (d.upstream_model.as_str(), d.fallback),
            ("deepseek-v4-pro", None)
        );
    }

    #[test]
    fn unknown_model_falls_back_with_exact_info_line() {
        let r = routing_registry();
        let d = r.route("gpt-5.5");
        assert_eq!(
            (d.provider.id.as_str(), d.upstream_model.as_str()),
            ("deepseek", "deepseek-v4-pro")
        );
        assert_eq!(d.fallback, Some(FallbackReason::UnknownModel));
        assert_eq!(
            describe_fallback(&d, "gpt-5.5").as_deref(),
            Some("model fallback applied — client sent unknown model id, request continues with provider default { provider: deepseek, from: gpt-5.5, to: deepseek-v4-pro, reason: unknown model id }")
        );
        assert!(describe_fallback(&r.route("deepseek-v4-flash"), "deepseek-v4-flash").is_none());
        // A default provider without a model list forwards unknown ids unchanged.
        let open = r.with_default("generic").expect("known");
        let d = open.route("gpt-5.5");
        assert_eq!(
            (
                d.provider.id.as_str(),
                d.upstream_model.as_str(),
                d.fallback
            ),
            ("generic", "gpt-5.5", None)
        );
    }

    #[test]
    fn forced_default_reports_only_real_changes() {
        let force = [GENERIC[0], GENERIC[1], ("GENERIC_FORCE_DEFAULT_MODEL", "1")];
        let r = load(&force);
        let d = r.route("gpt-5.5");
        assert_eq!(
            (d.upstream_model.as_str(), d.fallback.clone()),
            ("llama3.2", Some(FallbackReason::ForcedDefault))
        );
        let line = describe_fallback(&d, "gpt-5.5").expect("line");
        assert!(
            line.contains("provider forces its default model")
                && line.contains("from: gpt-5.5, to: llama3.2")
        );
        let d = r.route("llama3.2");
        assert_eq!((d.upstream_model.as_str(), d.fallback), ("llama3.2", None));
        let d = r.route("generic/llama3.2");
        assert!(d.fallback.is_none());
    }

    #[test]
    fn list_models_covers_every_provider() {
        let models = routing_registry().list_models();
        let has = |p: &str, m: &str| models.iter().any(|(id, info)| id == p && info.id == m);
        assert!(has("mimo", "mimo-v2.5-pro") && has("deepseek", "deepseek-v4-flash"));
        assert!(has("generic", "llama3.2"));
        assert!(
            !models.iter().any(|(_, m)| m.id == "deepseek-chat"),
            "aliases are not models"
        );
    }
}
