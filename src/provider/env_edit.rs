//! Changing one variable in `~/.mimo2codex/.env` (the desktop's "API key" field): that variable's
//! line is replaced in place, added, or removed; every other byte of the file stays as the user
//! wrote it. The file holds keys, so it is written atomically and readable by the owner only.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::env_file::parse_env_text;
use super::registry::ProviderConfigError;
use crate::fsutil::NewFileMode;

/// `FOO_API_KEY`-style: letters, digits and `_`, not starting with a digit.
pub fn is_env_name(name: &str) -> bool {
    name.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Sets `name` to `value` in the `.env` file at `path` (`None` removes it). The first line assigning
/// `name` is rewritten (its `export ` prefix kept), later ones dropped; an absent variable goes
/// after its commented template line (`# NAME=`) or at the end. The result is checked with the
/// reader before it replaces the file: no other variable may change. A symlinked file is written
/// through the link. The value is quoted only when the reader needs it; it is never put in an error.
pub fn set_env_var(
    path: &Path,
    name: &str,
    value: Option<&str>,
) -> Result<(), ProviderConfigError> {
    if !is_env_name(name) {
        return Err(ProviderConfigError::Invalid(format!(
            "'{name}' is not a valid variable name: use letters, digits and _, not starting with a digit"
        )));
    }
    if value.is_some_and(|v| v.contains(['\n', '\r', '\0'])) {
        return Err(ProviderConfigError::Invalid(format!(
            "the value for {name} contains a line break or NUL character; enter the key alone"
        )));
    }
    let target = resolve_link(path)?;
    let text = match std::fs::read_to_string(&target) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(source) => {
            return Err(ProviderConfigError::Io {
                path: target,
                source,
            })
        }
    };
    // A file the reader rejects must be fixed by hand: we could not check our edit against it.
    let mut expected = parse_env_text(path, &text)?;
    match value {
        Some(v) => expected.insert(name.to_string(), v.to_string()),
        None => expected.remove(name),
    };
    let edited = edit(&text, name, value.map(encode).as_deref());
    if edited == text {
        return Ok(());
    }
    let check = parse_env_text(path, &edited).unwrap_or_else(|_| HashMap::new());
    if check != expected {
        return Err(ProviderConfigError::Invalid(format!(
            "cannot change {name} in {} safely (another line would change too, e.g. a multi-line \
             value or a ${name} reference); edit the file by hand",
            path.display()
        )));
    }
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| ProviderConfigError::Write {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    crate::fsutil::atomic_write(&target, edited.as_bytes(), NewFileMode::AlwaysPrivate).map_err(
        |e| ProviderConfigError::Write {
            path: e.path,
            source: e.source,
        },
    )
}

/// The file a symlink points to (the atomic rename would otherwise replace the link itself).
fn resolve_link(path: &Path) -> Result<PathBuf, ProviderConfigError> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            std::fs::canonicalize(path).map_err(|source| ProviderConfigError::Io {
                path: path.to_path_buf(),
                source,
            })
        }
        _ => Ok(path.to_path_buf()),
    }
}

/// `value` as the `.env` reader (dotenvy) reads it back: bare when plain, else in single quotes
/// (literal), else in double quotes with `\`, `"` and `$` escaped (`$` would substitute). No `\` in
/// single quotes: dotenvy's line joiner treats `\'` as an escaped quote there, its parser does not.
fn encode(value: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_.:/+=@,%~".contains(c);
    if value.chars().all(plain) {
        value.to_string()
    } else if !value.contains(['\'', '\\']) {
        format!("'{value}'")
    } else {
        let mut out = String::with_capacity(value.len() + 2);
        out.push('"');
        for c in value.chars() {
            if matches!(c, '\\' | '"' | '$') {
                out.push('\\');
            }
            out.push(c);
        }
        out.push('"');
        out
    }
}

/// The variable a line assigns and where its value starts:
/// `  export NAME = value` → (`NAME`, index of `value`).
fn assignment(line: &str) -> Option<(&str, usize)> {
    let body = line.trim_start();
    let rest = match body.strip_prefix("export") {
        Some(after) if after.starts_with([' ', '\t']) => after.trim_start(),
        _ => body,
    };
    let key_len = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
        .unwrap_or(rest.len());
    let (key, after_key) = rest.split_at(key_len);
    let spaced = after_key.trim_start();
    if key.is_empty() || !spaced.starts_with('=') {
        return None;
    }
    // The user's spacing after `=` is kept too.
    let value = spaced[1..].trim_start_matches([' ', '\t']);
    Some((key, line.len() - value.len()))
}

/// A commented-out template line for `name` (`# NAME=`, as `mimo2codex init` writes them).
fn is_placeholder(line: &str, name: &str) -> bool {
    line.trim_start()
        .strip_prefix('#')
        .and_then(assignment)
        .is_some_and(|(key, _)| key == name)
}

/// The text with `name`'s line replaced (`encoded` is the written value) or removed (`None`).
fn edit(text: &str, name: &str, encoded: Option<&str>) -> String {
    let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let mut out = String::with_capacity(text.len() + 64);
    let mut written = false;
    for line in text.split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r']);
        let ending = &line[content.len()..];
        match assignment(content) {
            Some((key, value_at)) if key == name => {
                // Later duplicates would win in the reader: only the first line stays.
                if let (Some(encoded), false) = (encoded, written) {
                    out.push_str(&content[..value_at]);
                    out.push_str(encoded);
                    out.push_str(ending);
                    written = true;
                }
            }
            _ => out.push_str(line),
        }
    }
    let Some(encoded) = encoded.filter(|_| !written) else {
        return out;
    };
    let new_line = format!("{name}={encoded}{eol}");
    let mut lines: Vec<&str> = out.split_inclusive('\n').collect();
    match lines
        .iter()
        .position(|l| is_placeholder(l.trim_end_matches(['\n', '\r']), name))
    {
        Some(i) if lines[i].ends_with('\n') => {
            lines.insert(i + 1, &new_line);
            lines.concat()
        }
        _ => {
            if !out.is_empty() && !out.ends_with('\n') {
                out.push_str(eol);
            }
            out.push_str(&new_line);
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::env_file::read_env_file;

    fn set(path: &Path, name: &str, value: Option<&str>) {
        set_env_var(path, name, value).expect("set");
    }

    fn read(path: &Path) -> String {
        std::fs::read_to_string(path).expect("read")
    }

    #[test]
    fn replaces_in_place_and_keeps_everything_else() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join(".env");
        let original = "# my keys\n\nexport DS_API_KEY = old-key # note\nKIMI_API_KEY='k # 1'\n\
                        DS_API_KEY=dup\n   # trailing comment\nGLM_API_KEY=g";
        std::fs::write(&path, original).expect("write");
        set(&path, "DS_API_KEY", Some("sk-new-0123456789"));
        assert_eq!(
            read(&path),
            "# my keys\n\nexport DS_API_KEY = sk-new-0123456789\nKIMI_API_KEY='k # 1'\n\
             \x20  # trailing comment\nGLM_API_KEY=g"
        );
        // Absent: appended (a newline added to a last line that had none).
        set(&path, "QWEN_API_KEY", Some("q-1"));
        assert!(read(&path).ends_with("GLM_API_KEY=g\nQWEN_API_KEY=q-1\n"));
        // Removed: only that line goes.
        set(&path, "KIMI_API_KEY", None);
        let text = read(&path);
        assert!(!text.contains("KIMI") && text.starts_with("# my keys\n\nexport DS_API_KEY"));
        let vars = read_env_file(&path).expect("reads");
        assert_eq!(vars["DS_API_KEY"], "sk-new-0123456789");
        assert_eq!(vars["GLM_API_KEY"], "g");
        assert_eq!(vars.len(), 3);
        // Removing what is not there changes nothing.
        let before = read(&path);
        set(&path, "MINIMAX_API_KEY", None);
        assert_eq!(read(&path), before);
    }

    #[test]
    fn goes_under_its_template_line_and_keeps_crlf() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join(".env");
        std::fs::write(&path, "# --- Kimi\r\n# KIMI_API_KEY=\r\n# KIMI_MODEL=x\r\n").expect("w");
        set(&path, "KIMI_API_KEY", Some("sk-kimi-123"));
        assert_eq!(
            read(&path),
            "# --- Kimi\r\n# KIMI_API_KEY=\r\nKIMI_API_KEY=sk-kimi-123\r\n# KIMI_MODEL=x\r\n"
        );
        // The real template: the key lands in its section, and the file still parses.
        let fresh = dir.path().join("fresh.env");
        std::fs::write(&fresh, super::super::env_file::env_template()).expect("w");
        set(&fresh, "DEEPSEEK_API_KEY", Some("sk-ds-123"));
        let text = read(&fresh);
        assert!(
            text.contains("# DEEPSEEK_API_KEY=\nDEEPSEEK_API_KEY=sk-ds-123\n# DEEPSEEK_BASE_URL")
        );
        assert_eq!(read_env_file(&fresh).expect("reads").len(), 1);
        // A missing file (and directory) is created.
        let new = dir.path().join("sub").join(".env");
        set(&new, "MIMO_API_KEY", Some("tp-1"));
        assert_eq!(read(&new), "MIMO_API_KEY=tp-1\n");
    }

    #[test]
    fn values_round_trip_through_the_reader() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join(".env");
        let values = [
            "sk-abc_DEF.123+/=",
            "",
            "with space",
            "hash#inside",
            " lead and trail ",
            "it's",
            "$HOME and ${PATH}",
            "back\\slash \"quoted\" it's",
            "ends with backslash\\",
            "c:\\keys\\",
            "ключ-密钥",
            "tab\there",
        ];
        for v in values {
            set(&path, "GENERIC_API_KEY", Some(v));
            let vars = read_env_file(&path).expect("reads");
            assert_eq!(
                vars["GENERIC_API_KEY"],
                v,
                "{v:?} written as {:?}",
                read(&path)
            );
        }
        assert_eq!(
            encode("sk-plain-1"),
            "sk-plain-1",
            "plain keys stay unquoted"
        );
    }

    #[test]
    fn rejects_bad_input_without_echoing_the_value() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join(".env");
        std::fs::write(&path, "A=1\n").expect("write");
        for bad in ["sk-secret\nB=2", "sk-secret\r", "sk-secret\0"] {
            let err = set_env_var(&path, "A", Some(bad)).expect_err("rejected");
            let msg = err.to_string();
            assert!(
                msg.contains("line break or NUL") && !msg.contains("sk-secret"),
                "{msg}"
            );
        }
        for bad in ["", "1ABC", "A-B", "A B", "A=B", "ÄPI"] {
            let err = set_env_var(&path, bad, Some("v")).expect_err("bad name");
            assert!(
                err.to_string().contains("not a valid variable name"),
                "{err}"
            );
        }
        // A file the reader rejects is not touched.
        std::fs::write(&path, "A=1\nnot a line\n").expect("write");
        let err = set_env_var(&path, "A", Some("2")).expect_err("invalid file");
        assert!(err.to_string().contains("line 2"), "{err}");
        // An edit that would change another variable (it references this one) is refused.
        std::fs::write(&path, "A=1\nB=${A}\n").expect("write");
        let err = set_env_var(&path, "A", Some("2")).expect_err("reference");
        assert!(err.to_string().contains("edit the file by hand"), "{err}");
        assert_eq!(read(&path), "A=1\nB=${A}\n");
        assert!(!is_placeholder("#", "A") && assignment("export=1").is_some());
    }

    #[cfg(unix)]
    #[test]
    fn writes_owner_only_and_through_a_symlink() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("dir");
        let real = dir.path().join("dotfiles.env");
        std::fs::write(&real, "# mine\nA=1\n").expect("write");
        std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let link = dir.path().join(".env");
        std::os::unix::fs::symlink(&real, &link).expect("symlink");
        set(&link, "B", Some("2"));
        assert!(std::fs::symlink_metadata(&link)
            .expect("meta")
            .file_type()
            .is_symlink());
        assert_eq!(read(&real), "# mine\nA=1\nB=2\n");
        let mode = std::fs::metadata(&real).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
