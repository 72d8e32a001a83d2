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
        })
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
        Self::from_profiles(profiles, id)
    }

    /// Picks provider and upstream model for the `model` Codex sent.
    ///
    /// Order: a provider's model id or alias; `provider/model` or `provider:model` prefixes; else the
    /// default provider's default model (an unknown id is a fallback, reported to the caller for the INFO line).
    pub fn route(&self, client_model: &str) -> RouteDecision {
        if let Some(decision) = self.route_known(client_model) {
            return decision;
        }
        let provider = self.default_provider().clone();
        self.decide(provider, None, Some(FallbackReason::UnknownModel))
    }

    fn route_known(&self, client_model: &str) -> Option<RouteDecision> {
        let model = client_model.trim();
        // Default provider first, so a model id two providers share goes to the one the user chose.
        let ordered = std::iter::once(self.default_provider())
            .chain(self.providers.iter())
            .cloned();
        for provider in ordered.clone() {
            if let Some(info) = provider.model(model) {
                let id = info.id.clone();
                return Some(self.decide(provider, Some(id), None));
            }
        }
        for sep in ['/', ':'] {
            if let Some((prefix, rest)) = model.split_once(sep) {
                if let Some(provider) = self.get(prefix).cloned() {
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
            Some(_) if provider.force_default_model => (
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
