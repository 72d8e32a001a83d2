//! What can go wrong while pointing Codex at the engine. Every message says which file and what to do;
//! none carries a token or key.

use std::path::{Path, PathBuf};

use crate::i18n::Lang;
use crate::t;

/// What we were doing with a file (`read`, `write`…) in `lang`.
fn action_text(lang: Lang, action: &str) -> String {
    match action {
        "read" => t!(lang, "codex-action-read"),
        "write" => t!(lang, "codex-action-write"),
        "create the directory" => t!(lang, "codex-action-create-dir"),
        "remove" => t!(lang, "codex-action-remove"),
        other => other.to_string(),
    }
}

/// Errors of [`super::enable`], [`super::disable`] and [`super::status`].
#[derive(Debug, thiserror::Error)]
pub enum CodexConfigError {
    /// `config.toml` does not parse. Nothing was written.
    #[error(
        "{} is not valid TOML (line {line}, column {column}: {message}). Fix that line first; \
         mimo2codex did not change the file",
        path.display()
    )]
    InvalidToml {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    /// `config.toml` is not UTF-8 text.
    #[error("{} is not UTF-8 text; mimo2codex did not change it", path.display())]
    NotUtf8 { path: PathBuf },
    /// A file or directory we must write is read-only (or owned by someone else).
    #[error(
        "cannot {action} {}: permission denied (the file or its directory is read-only). Make it \
         writable (e.g. `chmod u+w`) and run the command again; nothing was changed",
        path.display()
    )]
    ReadOnly { action: &'static str, path: PathBuf },
    /// Any other I/O failure.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file is valid TOML but shaped in a way we will not edit automatically.
    #[error("{}: {detail}. Edit it by hand (see doc/codex.md); nothing was changed", path.display())]
    Unsupported { path: PathBuf, detail: String },
    /// `codex-integration.json` exists but cannot be read.
    #[error("{} is not a valid mimo2codex integration record ({message}); move it away and run the command again", path.display())]
    BadState { path: PathBuf, message: String },
    /// The requested model is not one the engine serves (`known`: the models it does, comma-separated).
    #[error(
        "model '{model}' is not served by the configured providers (known: {known}). Pick one of \
         those with --model, or --provider <id> for another provider"
    )]
    Model { model: String, known: String },
}

impl CodexConfigError {
    /// The error in `lang`, with what to do (its `Display` is English, for logs).
    pub fn text(&self, lang: Lang) -> String {
        let shown = |p: &Path| p.display().to_string();
        match self {
            CodexConfigError::InvalidToml {
                path,
                line,
                column,
                message,
            } => t!(
                lang,
                "codex-err-toml",
                path = shown(path),
                line = line.to_string(),
                column = column.to_string(),
                message = message.as_str()
            ),
            CodexConfigError::NotUtf8 { path } => t!(lang, "codex-err-utf8", path = shown(path)),
            CodexConfigError::ReadOnly { action, path } => t!(
                lang,
                "codex-err-read-only",
                action = action_text(lang, action),
                path = shown(path)
            ),
            CodexConfigError::Io {
                action,
                path,
                source,
            } => t!(
                lang,
                "codex-err-io",
                action = action_text(lang, action),
                path = shown(path),
                detail = source.to_string()
            ),
            CodexConfigError::Unsupported { path, detail } => t!(
                lang,
                "codex-err-unsupported",
                path = shown(path),
                detail = detail.as_str()
            ),
            CodexConfigError::BadState { path, message } => t!(
                lang,
                "codex-err-bad-state",
                path = shown(path),
                message = message.as_str()
            ),
            CodexConfigError::Model { model, known } => t!(
                lang,
                "codex-err-unknown-model",
                model = model.as_str(),
                known = known.as_str()
            ),
        }
    }

    /// Wraps an I/O error, turning "permission denied" into [`CodexConfigError::ReadOnly`].
    pub fn io(action: &'static str, path: &Path, source: std::io::Error) -> Self {
        if source.kind() == std::io::ErrorKind::PermissionDenied
            || source.kind() == std::io::ErrorKind::ReadOnlyFilesystem
        {
            CodexConfigError::ReadOnly {
                action,
                path: path.to_path_buf(),
            }
        } else {
            CodexConfigError::Io {
                action,
                path: path.to_path_buf(),
                source,
            }
        }
    }

    /// A `toml_edit` parse error with 1-based line and column computed from its span.
    pub fn invalid_toml(path: &Path, text: &str, err: &toml_edit::TomlError) -> Self {
        let offset = err.span().map(|s| s.start).unwrap_or(0).min(text.len());
        let (line, column) = line_column(text, offset);
        CodexConfigError::InvalidToml {
            path: path.to_path_buf(),
            line,
            column,
            message: err.message().trim().to_string(),
        }
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_are_one_based() {
        assert_eq!(line_column("abc", 0), (1, 1));
        assert_eq!(line_column("a = 1\nb = ", 10), (2, 5));
        assert_eq!(line_column("é\nx", 3), (2, 1));
    }

    #[test]
    fn permission_denied_reads_as_read_only() {
        let e = CodexConfigError::io(
            "write",
            Path::new("/x/config.toml"),
            std::io::Error::from(std::io::ErrorKind::PermissionDenied),
        );
        assert!(matches!(e, CodexConfigError::ReadOnly { .. }));
        assert!(e.to_string().contains("read-only"), "{e}");
    }
}
