//! Where the engine keeps its files and how its settings are read from the environment.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// `~/.mimo2codex`, or `./.mimo2codex` when no home directory can be found.
pub fn default_data_dir() -> PathBuf {
    directories::BaseDirs::new()
        .map(|b| b.home_dir().join(".mimo2codex"))
        .unwrap_or_else(|| PathBuf::from(".mimo2codex"))
}

/// `--data-dir` wins over `MIMO2CODEX_DATA_DIR` (clap merges those two) over the default.
pub fn resolve_data_dir(explicit: Option<&Path>) -> PathBuf {
    explicit
        .map(Path::to_path_buf)
        .unwrap_or_else(default_data_dir)
}

/// `1`, `true`, `yes`, `on` (any case) are true.
pub fn truthy(value: Option<&str>) -> bool {
    matches!(
        value.map(|v| v.trim().to_ascii_lowercase()).as_deref(),
        Some("1" | "true" | "yes" | "on")
    )
}

/// Reads a flag-like variable from an env map.
pub fn env_flag(env: &HashMap<String, String>, name: &str) -> bool {
    truthy(env.get(name).map(String::as_str))
}

/// Removes `MIMO2CODEX_*` variables that are set but blank, so `MIMO2CODEX_PORT=` means "unset"
/// (as for every other setting) instead of a parse error. Call first thing in `main`, before any
/// thread starts: changing the environment is only sound while the process is single-threaded.
pub fn drop_blank_env_vars() {
    let blank: Vec<std::ffi::OsString> = std::env::vars_os()
        .filter(|(k, v)| k.to_string_lossy().starts_with("MIMO2CODEX_") && v.is_empty())
        .map(|(k, _)| k)
        .collect();
    for key in blank {
        // SAFETY (edition 2021: remove_var is safe): called before any other thread exists.
        std::env::remove_var(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truthy_values() {
        for v in ["1", "true", "TRUE", " yes ", "on"] {
            assert!(truthy(Some(v)), "{v}");
        }
        for v in ["0", "false", "", "no", "off", "2"] {
            assert!(!truthy(Some(v)), "{v}");
        }
        assert!(!truthy(None));
    }

    #[test]
    fn explicit_data_dir_wins() {
        assert_eq!(
            resolve_data_dir(Some(Path::new("/x/y"))),
            PathBuf::from("/x/y")
        );
        assert!(resolve_data_dir(None).ends_with(".mimo2codex"));
    }
}
