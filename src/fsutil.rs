//! Crash-safe file writes, shared by `settings.json` and the Codex integration: a temp file in the
//! same directory, fsync, rename over the target, fsync the directory. A crash leaves the old file
//! or the new one, never a partial one.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// How the written file's permissions are chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NewFileMode {
    /// An existing file keeps its permissions; a new one gets the process default (umask).
    Default,
    /// An existing file keeps its permissions; a new one is readable by the owner only (0600): the
    /// file may hold tokens.
    Private,
    /// Always readable by the owner only (0600), even when the file it replaces was not.
    AlwaysPrivate,
}

/// A failed step of [`atomic_write`]: what was being done, to which path.
#[derive(Debug)]
pub struct WriteError {
    pub action: &'static str,
    pub path: PathBuf,
    pub source: std::io::Error,
}

/// Writes `bytes` to `path` atomically (a symlink at `path` is replaced, not followed). The parent
/// directory must exist. On failure the temp file is removed and the target is untouched.
pub fn atomic_write(path: &Path, bytes: &[u8], mode: NewFileMode) -> Result<(), WriteError> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    let existing = match mode {
        NewFileMode::AlwaysPrivate => None,
        NewFileMode::Default | NewFileMode::Private => fs::metadata(path).ok(),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into());
    let tmp = dir.join(format!(
        ".{name}.mimo2codex-{}-{}.tmp",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    ));
    let result = write_tmp_and_rename(&tmp, path, bytes, existing.as_ref(), mode);
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result?;
    sync_dir(&dir);
    Ok(())
}

fn write_tmp_and_rename(
    tmp: &Path,
    path: &Path,
    bytes: &[u8],
    existing: Option<&fs::Metadata>,
    mode: NewFileMode,
) -> Result<(), WriteError> {
    let err = |action: &'static str, path: &Path| {
        let path = path.to_path_buf();
        move |source| WriteError {
            action,
            path,
            source,
        }
    };
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        if existing.is_none() && mode != NewFileMode::Default {
            options.mode(0o600);
        }
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options
        .open(tmp)
        .map_err(err("create a temporary file in", tmp))?;
    file.write_all(bytes).map_err(err("write", tmp))?;
    if let Some(meta) = existing {
        // Same permissions as the file we replace (a 0600 config stays 0600).
        fs::set_permissions(tmp, meta.permissions()).map_err(err("set permissions on", tmp))?;
    }
    file.sync_all().map_err(err("flush", tmp))?;
    drop(file);
    fs::rename(tmp, path).map_err(err("replace", path))
}

/// Makes the rename durable (POSIX); a no-op where directories cannot be opened.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn always_private_tightens_an_existing_file() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("settings.json");
        fs::write(&path, "{}").expect("write");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).expect("chmod");
        atomic_write(&path, b"{\"a\":1}", NewFileMode::AlwaysPrivate).expect("write");
        assert_eq!(fs::read(&path).expect("read"), b"{\"a\":1}");
        let mode = fs::metadata(&path).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
