//! `enable` and `disable`: read, check, back up, record, write — in an order where a crash at any
//! point leaves a state the next run understands.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::backup::{create_backup, rfc3339};
use super::catalog::{catalog_bytes, catalog_json, CatalogModel};
use super::edit::{self, Desired, Previous};
use super::error::CodexConfigError;
use super::fsutil::{
    atomic_write, create_dir, ensure_writable, read_optional, write_target, NewFileMode,
};
use super::state::{self, IntegrationState};
use super::CodexPaths;
use crate::i18n::Lang;
use crate::t;

/// What to point Codex at.
#[derive(Clone, Debug)]
pub struct EnableOptions {
    /// Model Codex starts with (`model = …`).
    pub model: String,
    /// The engine's `http://host:port/v1`.
    pub base_url: String,
    /// Catalog entries (first = `model`).
    pub catalog: Vec<CatalogModel>,
}

/// What `enable` did.
#[derive(Clone, Debug)]
pub struct EnableReport {
    pub config_path: PathBuf,
    /// `config.toml` was written (false: it already said exactly this).
    pub changed: bool,
    /// `config.toml` did not exist and was created.
    pub created: bool,
    /// The backup taken before the change, if one was needed.
    pub backup: Option<PathBuf>,
    pub base_url: String,
    pub model: String,
    pub catalog_path: PathBuf,
    pub catalog_changed: bool,
    pub catalog_models: usize,
    /// Things the user should know (a profile overriding us, a replaced catalog…).
    pub warnings: Vec<String>,
}

/// How `disable` undid it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DisableOutcome {
    /// Nothing else had changed: the pre-`enable` bytes are back (from this backup).
    RestoredBackup(PathBuf),
    /// `config.toml` did not exist before `enable` and nothing else was added: it was removed.
    RemovedCreatedFile,
    /// Other settings changed meanwhile: our keys were taken out, the user's values put back.
    Edited,
    /// Codex was not pointed at mimo2codex: nothing to do.
    NotEnabled,
}

/// What `disable` did.
#[derive(Clone, Debug)]
pub struct DisableReport {
    pub config_path: PathBuf,
    pub outcome: DisableOutcome,
}

/// `config.toml` as read (through a symlink): its bytes, `None` when missing, and their text.
pub(super) struct ConfigFile {
    pub(super) path: PathBuf,
    pub(super) bytes: Option<Vec<u8>>,
    pub(super) text: String,
}

pub(super) fn read_config(path: &Path) -> Result<ConfigFile, CodexConfigError> {
    let bytes = read_optional(&write_target(path))?;
    let text = match &bytes {
        Some(b) => std::str::from_utf8(b)
            .map_err(|_| CodexConfigError::NotUtf8 {
                path: path.to_path_buf(),
            })?
            .to_string(),
        None => String::new(),
    };
    Ok(ConfigFile {
        path: path.to_path_buf(),
        bytes,
        text,
    })
}

fn load_state(paths: &CodexPaths) -> Result<Option<IntegrationState>, CodexConfigError> {
    Ok(state::load(&paths.data_dir)?.filter(|s| s.config_path == paths.config_path()))
}

fn new_token() -> String {
    format!("m2c-{}", uuid::Uuid::new_v4().simple())
}

/// Writes `bytes` unless the file already holds exactly them; returns whether it wrote.
fn write_if_changed(
    path: &Path,
    bytes: &[u8],
    mode: NewFileMode,
) -> Result<bool, CodexConfigError> {
    if read_optional(path)?.as_deref() == Some(bytes) {
        return Ok(false);
    }
    atomic_write(path, bytes, mode)?;
    Ok(true)
}

/// Points Codex at the engine. Idempotent: a second run with the same options writes nothing and
/// takes no backup; with another port only `base_url` changes.
pub fn enable(paths: &CodexPaths, opts: &EnableOptions) -> Result<EnableReport, CodexConfigError> {
    enable_in(paths, opts, Lang::En)
}

/// [`enable`] with the report's warnings in `lang`.
pub fn enable_in(
    paths: &CodexPaths,
    opts: &EnableOptions,
    lang: Lang,
) -> Result<EnableReport, CodexConfigError> {
    let config = read_config(&paths.config_path())?;
    let mut doc = edit::parse(&config.path, &config.text)?;
    if config.bytes.is_some() {
        ensure_writable(&write_target(&config.path))?;
    }
    let existing_state = load_state(paths)?;
    let was_ours = edit::points_at_us(&doc);

    let token = was_ours
        .then(|| edit::provider_str(&doc, "experimental_bearer_token"))
        .flatten()
        .map(str::to_string)
        .or_else(|| {
            existing_state
                .as_ref()
                .and_then(|s| s.written.as_ref())
                .map(|w| w.token.clone())
        })
        .unwrap_or_else(new_token);
    let catalog_path = paths.catalog_path();
    let desired = Desired {
        model: opts.model.clone(),
        base_url: opts.base_url.clone(),
        catalog_path: catalog_path.to_string_lossy().into_owned(),
        token,
    };

    let previous = edit::record_previous(&doc);
    let mut warnings = Vec::new();
    if !was_ours {
        if let Some(Some(old)) = previous.root.get("model_catalog_json") {
            warnings.push(t!(lang, "codex-warn-replaced-catalog", old = old.as_str()));
        }
    }
    edit::apply_enable(&mut doc, &desired, &config.path)?;
    warnings.extend(edit::profile_overrides_in(&doc, lang));
    let new_text = doc.to_string();
    let changed = config.bytes.is_none() || new_text != config.text;

    // The catalog first: a config naming a missing catalog makes Codex refuse to start.
    create_dir(&paths.data_dir)?;
    let catalog = catalog_json(&opts.catalog);
    let catalog_models = catalog["models"].as_array().map_or(0, Vec::len);
    let catalog_changed = write_if_changed(
        &catalog_path,
        &catalog_bytes(&catalog),
        NewFileMode::Default,
    )?;

    let mut backup = None;
    if changed {
        create_dir(&paths.codex_home)?;
        // Never back up a file that already points at us: it holds nothing of the user's we own.
        if !was_ours {
            if let Some(bytes) = &config.bytes {
                backup = Some(create_backup(&paths.data_dir, bytes)?);
            }
        }
    }
    let next_state = match existing_state {
        // First enable (or again after disable): remember what we replace.
        _ if !was_ours => Some(record(
            paths,
            config.bytes.is_some(),
            backup.clone(),
            previous,
            &desired,
            false,
        )),
        Some(mut s) if s.enabled => {
            if s.written.as_ref() == Some(&desired) {
                None
            } else {
                s.written = Some(desired.clone());
                s.updated_at = rfc3339(SystemTime::now());
                Some(s)
            }
        }
        // Already pointing at us by hand: nothing of the user's is known to restore.
        _ => Some(record(
            paths,
            true,
            None,
            Previous::default(),
            &desired,
            true,
        )),
    };
    // The record goes down before the config: after a crash in between, the config still does not
    // point at us and the next enable starts over.
    if let Some(s) = &next_state {
        state::save(&paths.data_dir, s)?;
    }
    if changed {
        atomic_write(&config.path, new_text.as_bytes(), NewFileMode::Default)?;
    }
    Ok(EnableReport {
        config_path: config.path,
        changed,
        created: config.bytes.is_none(),
        backup,
        base_url: desired.base_url,
        model: desired.model,
        catalog_path,
        catalog_changed,
        catalog_models,
        warnings,
    })
}

fn record(
    paths: &CodexPaths,
    original_existed: bool,
    backup: Option<PathBuf>,
    previous: Previous,
    desired: &Desired,
    adopted: bool,
) -> IntegrationState {
    IntegrationState {
        version: 1,
        config_path: paths.config_path(),
        enabled: true,
        original_existed,
        backup,
        previous,
        written: Some(desired.clone()),
        adopted,
        updated_at: rfc3339(SystemTime::now()),
    }
}

/// Undoes [`enable`]: byte-identical when nothing else changed in between, otherwise a surgical
/// edit that keeps the user's later changes.
pub fn disable(paths: &CodexPaths) -> Result<DisableReport, CodexConfigError> {
    let config = read_config(&paths.config_path())?;
    let existing_state = load_state(paths)?;
    let report = |outcome| DisableReport {
        config_path: config.path.clone(),
        outcome,
    };
    let mark_disabled = |s: Option<IntegrationState>| -> Result<(), CodexConfigError> {
        if let Some(mut s) = s.filter(|s| s.enabled) {
            s.enabled = false;
            s.updated_at = rfc3339(SystemTime::now());
            state::save(&paths.data_dir, &s)?;
        }
        Ok(())
    };
    if config.bytes.is_none() {
        mark_disabled(existing_state)?;
        return Ok(report(DisableOutcome::NotEnabled));
    }
    let mut doc = edit::parse(&config.path, &config.text)?;
    if !edit::points_at_us(&doc) {
        mark_disabled(existing_state)?;
        return Ok(report(DisableOutcome::NotEnabled));
    }
    let target = write_target(&config.path);
    ensure_writable(&target)?;

    let usable = existing_state.as_ref().filter(|s| s.enabled);
    if let Some(outcome) = usable.and_then(|s| restore_original(&config, s).transpose()) {
        let outcome = outcome?;
        mark_disabled(existing_state)?;
        return Ok(report(outcome));
    }
    let previous = usable.map(|s| s.previous.clone()).unwrap_or_default();
    edit::apply_disable(&mut doc, &previous, &config.path)?;
    atomic_write(
        &config.path,
        doc.to_string().as_bytes(),
        NewFileMode::Default,
    )?;
    mark_disabled(existing_state)?;
    Ok(report(DisableOutcome::Edited))
}

/// When the file is exactly what `enable` made of the original, puts the original back.
fn restore_original(
    config: &ConfigFile,
    s: &IntegrationState,
) -> Result<Option<DisableOutcome>, CodexConfigError> {
    let Some(written) = &s.written else {
        return Ok(None);
    };
    if s.adopted {
        return Ok(None);
    }
    let original: Option<Vec<u8>> = if s.original_existed {
        match &s.backup {
            Some(b) => read_optional(b)?,
            None => None,
        }
    } else {
        Some(Vec::new())
    };
    let Some(original) = original else {
        return Ok(None);
    };
    let Ok(original_text) = String::from_utf8(original.clone()) else {
        return Ok(None);
    };
    let Ok(expected) = edit::enabled_text(&config.path, &original_text, written) else {
        return Ok(None);
    };
    if expected != config.text {
        return Ok(None);
    }
    if s.original_existed {
        atomic_write(&config.path, &original, NewFileMode::Default)?;
        Ok(s.backup.clone().map(DisableOutcome::RestoredBackup))
    } else {
        let target = write_target(&config.path);
        std::fs::remove_file(&target).map_err(|e| CodexConfigError::io("remove", &target, e))?;
        Ok(Some(DisableOutcome::RemovedCreatedFile))
    }
}

#[cfg(test)]
#[path = "ops_tests.rs"]
mod tests;
