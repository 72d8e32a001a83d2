//! `<data dir>/codex-integration.json`: what `enable` replaced, so `disable` can put it back.
//! Written atomically, mode 0600 (it holds the bearer token Codex sends us).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::edit::{Desired, Previous};
use super::error::CodexConfigError;
use super::fsutil::{atomic_write, create_dir, read_optional, NewFileMode};

/// File name inside the data dir.
pub const STATE_FILE: &str = "codex-integration.json";

/// The integration record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntegrationState {
    pub version: u32,
    /// The `config.toml` this record is about.
    pub config_path: PathBuf,
    /// Codex points at us (as far as we know).
    pub enabled: bool,
    /// `config.toml` existed before the first `enable`.
    pub original_existed: bool,
    /// Backup of the file as it was before the first `enable`.
    pub backup: Option<PathBuf>,
    /// The user's values of the keys we own, before the first `enable`.
    pub previous: Previous,
    /// What the last `enable` wrote.
    pub written: Option<Desired>,
    /// The file already pointed at us when we first saw it (hand-edited): no previous values known.
    #[serde(default)]
    pub adopted: bool,
    pub updated_at: String,
}

/// `<data dir>/codex-integration.json`.
pub fn state_path(data_dir: &Path) -> PathBuf {
    data_dir.join(STATE_FILE)
}

/// The record, `None` when there is none.
pub fn load(data_dir: &Path) -> Result<Option<IntegrationState>, CodexConfigError> {
    let path = state_path(data_dir);
    let Some(bytes) = read_optional(&path)? else {
        return Ok(None);
    };
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| CodexConfigError::BadState {
            path,
            message: e.to_string(),
        })
}

/// Saves the record atomically.
pub fn save(data_dir: &Path, state: &IntegrationState) -> Result<(), CodexConfigError> {
    create_dir(data_dir)?;
    let path = state_path(data_dir);
    let mut text = serde_json::to_string_pretty(state).map_err(|e| CodexConfigError::BadState {
        path: path.clone(),
        message: e.to_string(),
    })?;
    text.push('\n');
    atomic_write(&path, text.as_bytes(), NewFileMode::Private)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_garbage() {
        let dir = tempfile::tempdir().expect("dir");
        assert!(load(dir.path()).expect("no record").is_none());
        let state = IntegrationState {
            version: 1,
            config_path: PathBuf::from("/h/.codex/config.toml"),
            enabled: true,
            original_existed: true,
            backup: None,
            previous: Previous::default(),
            written: None,
            adopted: false,
            updated_at: "2025-01-01T00:00:00Z".into(),
        };
        save(dir.path(), &state).expect("save");
        assert_eq!(load(dir.path()).expect("load"), Some(state));
        std::fs::write(state_path(dir.path()), "{not json").expect("write");
        assert!(matches!(
            load(dir.path()),
            Err(CodexConfigError::BadState { .. })
        ));
    }
}
