//! Helpers shared by the unit tests of several modules.

use std::collections::HashMap;

/// An environment map (as `.env`, the process environment or their merge) from literal pairs.
pub(crate) fn env_map(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}
