//! Helpers shared by the unit tests of several modules.

use std::collections::HashMap;

/// An environment map (as `.env`, the process environment or their merge) from literal pairs.
pub(crate) fn env_map(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Provider sources with only these environment variables.
pub(crate) fn env_sources(pairs: &[(&str, &str)]) -> crate::provider::ProviderSources {
    crate::provider::ProviderSources {
        env: env_map(pairs),
        ..Default::default()
    }
}
