//! The pure `config.toml` edits: point Codex at the engine, and take it back. Only the keys we own
//! are touched; `toml_edit` keeps every other byte (comments, blank lines, key order, quoting).
//!
//! Owned keys: top-level `model_provider`, `model`, `model_catalog_json`, and the table
//! `[model_providers.mimo2codex]` (`name`, `base_url`, `wire_api`, `experimental_bearer_token`; an
//! `env_key` there is removed, because Codex would then demand that variable).

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use toml_edit::{DocumentMut, Item, Table, Value};

use super::error::CodexConfigError;
use crate::i18n::Lang;
use crate::t;

/// The provider id we register in Codex.
pub const PROVIDER_ID: &str = "mimo2codex";
/// Top-level keys we set.
pub const ROOT_KEYS: [&str; 3] = ["model_provider", "model", "model_catalog_json"];
/// Keys we own inside `[model_providers.mimo2codex]`.
pub const PROVIDER_KEYS: [&str; 5] = [
    "name",
    "base_url",
    "wire_api",
    "experimental_bearer_token",
    "env_key",
];
/// The comment above our provider table.
const TABLE_COMMENT: &str = "\n# Added by `mimo2codex codex enable`; `mimo2codex codex disable` puts your previous settings back.\n";

/// What `enable` writes.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Desired {
    pub model: String,
    /// `http://127.0.0.1:8788/v1`.
    pub base_url: String,
    /// Absolute path of the generated model catalog.
    pub catalog_path: String,
    /// Sent by Codex as `Authorization: Bearer …` (`experimental_bearer_token`).
    pub token: String,
}

impl std::fmt::Debug for Desired {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Desired")
            .field("model", &self.model)
            .field("base_url", &self.base_url)
            .field("catalog_path", &self.catalog_path)
            .field("token", &crate::secret::mask(&self.token))
            .finish()
    }
}

/// The user's values before the first `enable`: each key's TOML text (`None` = absent), so
/// `disable` can put back exactly what was there, quoting style included.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Previous {
    pub root: BTreeMap<String, Option<String>>,
    pub model_providers_existed: bool,
    pub provider_table_existed: bool,
    pub provider_keys: BTreeMap<String, Option<String>>,
    /// Key order of a pre-existing provider table, so a removed `env_key` returns to its place.
    #[serde(default)]
    pub provider_key_order: Vec<String>,
}

/// Parses `config.toml`; the error names line and column.
pub fn parse(path: &Path, text: &str) -> Result<DocumentMut, CodexConfigError> {
    text.parse::<DocumentMut>()
        .map_err(|e| CodexConfigError::invalid_toml(path, text, &e))
}

/// `model_provider = "mimo2codex"` at the top level.
pub fn points_at_us(doc: &DocumentMut) -> bool {
    doc.get("model_provider").and_then(Item::as_str) == Some(PROVIDER_ID)
}

/// Our provider table, if present.
pub fn provider_table(doc: &DocumentMut) -> Option<&Table> {
    doc.get("model_providers")
        .and_then(Item::as_table)
        .and_then(|t| t.get(PROVIDER_ID))
        .and_then(Item::as_table)
}

/// A string key of our provider table.
pub fn provider_str<'a>(doc: &'a DocumentMut, key: &str) -> Option<&'a str> {
    provider_table(doc)
        .and_then(|t| t.get(key))
        .and_then(Item::as_str)
}

/// The value's TOML text without surrounding whitespace or comments.
fn repr(item: &Item) -> Option<String> {
    let value = item.as_value()?;
    let mut value = value.clone();
    value.decor_mut().clear();
    Some(value.to_string().trim().to_string())
}

/// Records what `enable` is about to overwrite.
pub fn record_previous(doc: &DocumentMut) -> Previous {
    let root = ROOT_KEYS
        .iter()
        .map(|k| (k.to_string(), doc.get(k).and_then(repr)))
        .collect();
    let table = provider_table(doc);
    let provider_keys = match table {
        Some(t) => PROVIDER_KEYS
            .iter()
            .map(|k| (k.to_string(), t.get(k).and_then(repr)))
            .collect(),
        None => BTreeMap::new(),
    };
    Previous {
        root,
        model_providers_existed: doc.contains_key("model_providers"),
        provider_table_existed: table.is_some(),
        provider_keys,
        provider_key_order: table
            .map(|t| t.iter().map(|(k, _)| k.to_string()).collect())
            .unwrap_or_default(),
    }
}

/// Sets `key` to `value`. An equal value is left alone (its formatting too); a different one is
/// replaced in place, keeping the comments and spacing around it; an absent key is appended.
fn set_value(
    table: &mut Table,
    key: &str,
    value: Value,
    path: &Path,
    where_: &str,
) -> Result<(), CodexConfigError> {
    match table.get_mut(key) {
        Some(Item::Value(current)) => {
            if current.as_str().is_some() && current.as_str() == value.as_str() {
                return Ok(());
            }
            let decor = current.decor().clone();
            *current = value;
            *current.decor_mut() = decor;
            Ok(())
        }
        Some(Item::None) | None => {
            table.insert(key, Item::Value(value));
            Ok(())
        }
        Some(_) => Err(CodexConfigError::Unsupported {
            path: path.to_path_buf(),
            detail: format!("`{where_}{key}` is a table, expected a value"),
        }),
    }
}

/// Puts back a recorded value (`None` removes the key).
fn restore(
    table: &mut Table,
    key: &str,
    previous: Option<&String>,
    path: &Path,
    where_: &str,
) -> Result<(), CodexConfigError> {
    match previous {
        None => {
            table.remove(key);
            Ok(())
        }
        Some(text) => {
            let value = text
                .parse::<Value>()
                .map_err(|e| CodexConfigError::Unsupported {
                    path: path.to_path_buf(),
                    detail: format!(
                        "the recorded value of `{where_}{key}` does not parse ({})",
                        e.message()
                    ),
                })?;
            match table.get_mut(key) {
                Some(Item::Value(current)) => {
                    let decor = current.decor().clone();
                    *current = value;
                    *current.decor_mut() = decor;
                }
                _ => {
                    table.insert(key, Item::Value(value));
                }
            }
            Ok(())
        }
    }
}

/// Highest table position in the document, so a new table is rendered last.
fn max_position(table: &Table) -> isize {
    let mut max = table.position().unwrap_or(0);
    for (_, item) in table.iter() {
        match item {
            Item::Table(t) => max = max.max(max_position(t)),
            Item::ArrayOfTables(a) => {
                for t in a.iter() {
                    max = max.max(max_position(t));
                }
            }
            _ => {}
        }
    }
    max
}

/// `[model_providers]` as a mutable table, created (implicit, so no header is printed) if absent.
fn model_providers_mut<'a>(
    doc: &'a mut DocumentMut,
    path: &Path,
) -> Result<&'a mut Table, CodexConfigError> {
    let root = doc.as_table_mut();
    if !root.contains_key("model_providers") {
        let mut t = Table::new();
        t.set_implicit(true);
        root.insert("model_providers", Item::Table(t));
    }
    root.get_mut("model_providers")
        .and_then(Item::as_table_mut)
        .ok_or_else(|| CodexConfigError::Unsupported {
            path: path.to_path_buf(),
            detail: "`model_providers` is an inline table or a value".into(),
        })
}

/// Points the document at the engine. Applying it twice changes nothing the second time.
pub fn apply_enable(
    doc: &mut DocumentMut,
    desired: &Desired,
    path: &Path,
) -> Result<(), CodexConfigError> {
    let next_position = max_position(doc.as_table()) + 1;
    {
        let root = doc.as_table_mut();
        set_value(root, "model_provider", Value::from(PROVIDER_ID), path, "")?;
        set_value(root, "model", Value::from(desired.model.as_str()), path, "")?;
        set_value(
            root,
            "model_catalog_json",
            Value::from(desired.catalog_path.as_str()),
            path,
            "",
        )?;
    }
    let providers = model_providers_mut(doc, path)?;
    if !providers.contains_key(PROVIDER_ID) {
        let mut t = Table::new();
        t.set_position(Some(next_position));
        t.decor_mut().set_prefix(TABLE_COMMENT);
        providers.insert(PROVIDER_ID, Item::Table(t));
    }
    let table = providers
        .get_mut(PROVIDER_ID)
        .and_then(Item::as_table_mut)
        .ok_or_else(|| CodexConfigError::Unsupported {
            path: path.to_path_buf(),
            detail: format!("`model_providers.{PROVIDER_ID}` is an inline table or a value"),
        })?;
    let where_ = format!("model_providers.{PROVIDER_ID}.");
    set_value(table, "name", Value::from(PROVIDER_ID), path, &where_)?;
    set_value(
        table,
        "base_url",
        Value::from(desired.base_url.as_str()),
        path,
        &where_,
    )?;
    set_value(table, "wire_api", Value::from("responses"), path, &where_)?;
    set_value(
        table,
        "experimental_bearer_token",
        Value::from(desired.token.as_str()),
        path,
        &where_,
    )?;
    // With `env_key` Codex insists on that variable and ignores the bearer token.
    table.remove("env_key");
    Ok(())
}

/// Takes our keys back out: recorded values are restored, keys we added are removed, and a provider
/// table (and `[model_providers]`) we created disappears.
pub fn apply_disable(
    doc: &mut DocumentMut,
    previous: &Previous,
    path: &Path,
) -> Result<(), CodexConfigError> {
    for key in ROOT_KEYS {
        let value = previous.root.get(key).and_then(Option::as_ref);
        restore(doc.as_table_mut(), key, value, path, "")?;
    }
    let Some(providers) = doc.get_mut("model_providers").and_then(Item::as_table_mut) else {
        return Ok(());
    };
    if previous.provider_table_existed {
        if let Some(table) = providers.get_mut(PROVIDER_ID).and_then(Item::as_table_mut) {
            let where_ = format!("model_providers.{PROVIDER_ID}.");
            for key in PROVIDER_KEYS {
                let value = previous.provider_keys.get(key).and_then(Option::as_ref);
                restore(table, key, value, path, &where_)?;
            }
            let order = &previous.provider_key_order;
            let rank = |k: &toml_edit::Key| {
                order
                    .iter()
                    .position(|o| o == k.get())
                    .unwrap_or(usize::MAX)
            };
            table.sort_values_by(|k1, _, k2, _| rank(k1).cmp(&rank(k2)));
        }
    } else {
        providers.remove(PROVIDER_ID);
    }
    if !previous.model_providers_existed && providers.is_empty() {
        doc.as_table_mut().remove("model_providers");
    }
    Ok(())
}

/// `text` with Codex pointed at the engine.
pub fn enabled_text(
    path: &Path,
    text: &str,
    desired: &Desired,
) -> Result<String, CodexConfigError> {
    let mut doc = parse(path, text)?;
    apply_enable(&mut doc, desired, path)?;
    Ok(doc.to_string())
}

/// A profile selected with top-level `profile = "…"` that sets a key we own wins over our
/// top-level value in Codex: say so.
pub fn profile_overrides(doc: &DocumentMut) -> Option<String> {
    profile_overrides_in(doc, Lang::En)
}

/// [`profile_overrides`] in `lang`.
pub fn profile_overrides_in(doc: &DocumentMut, lang: Lang) -> Option<String> {
    let name = doc.get("profile").and_then(Item::as_str)?;
    let profile = doc
        .get("profiles")
        .and_then(Item::as_table_like)
        .and_then(|t| t.get(name))
        .and_then(Item::as_table_like)?;
    let keys: Vec<&str> = ROOT_KEYS
        .iter()
        .copied()
        .filter(|k| profile.contains_key(k))
        .collect();
    (!keys.is_empty()).then(|| {
        let keys = keys
            .iter()
            .map(|k| format!("`{k}`"))
            .collect::<Vec<_>>()
            .join(", ");
        t!(lang, "codex-warn-profile", name = name, keys = keys)
    })
}

#[cfg(test)]
#[path = "edit_tests.rs"]
mod tests;
