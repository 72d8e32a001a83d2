//! File access for the Codex integration: optional reads, symlink-following crash-safe writes (see
//! [`crate::fsutil`]), read-only checks.

use std::fs;
use std::path::{Path, PathBuf};

use super::error::CodexConfigError;
pub use crate::fsutil::NewFileMode;

/// Reads a file, `None` when it does not exist.
pub fn read_optional(path: &Path) -> Result<Option<Vec<u8>>, CodexConfigError> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(CodexConfigError::io("read", path, e)),
    }
}

/// The file a path names, following symlinks (a dotfile manager's `config.toml -> dotfiles/…` keeps
/// its link: we write the target). A missing file resolves to itself.
pub fn write_target(path: &Path) -> PathBuf {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
        }
        _ => path.to_path_buf(),
    }
}

/// Refuses a read-only existing file up front: `rename` would happily replace it, but the user made
/// it read-only on purpose.
pub fn ensure_writable(path: &Path) -> Result<(), CodexConfigError> {
    match fs::metadata(path) {
        Ok(meta) if meta.permissions().readonly() => Err(CodexConfigError::ReadOnly {
            action: "write",
            path: path.to_path_buf(),
        }),
        _ => Ok(()),
    }
}

/// Writes `bytes` to `path` (or, for a symlink, to the file it names) atomically. An existing file
/// keeps its permissions; a new one gets `mode`. The parent directory must exist.
pub fn atomic_write(path: &Path, bytes: &[u8], mode: NewFileMode) -> Result<(), CodexConfigError> {
    crate::fsutil::atomic_write(&write_target(path), bytes, mode)
        .map_err(|e| CodexConfigError::io(e.action, &e.path, e.source))
}

/// Creates a directory and its parents.
pub fn create_dir(path: &Path) -> Result<(), CodexConfigError> {
    fs::create_dir_all(path).map_err(|e| CodexConfigError::io("create the directory", path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_content_and_keeps_mode() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("config.toml");
        fs::write(&path, "old\n").expect("write");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).expect("chmod");
        }
        atomic_write(&path, b"new\n", NewFileMode::Private).expect("atomic write");
        assert_eq!(fs::read(&path).expect("read"), b"new\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o640);
        }
        let leftovers: Vec<_> = fs::read_dir(dir.path())
            .expect("ls")
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "no temp file left behind");
    }

    #[test]
    fn new_private_file_is_0600() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("state.json");
        atomic_write(&path, b"{}", NewFileMode::Private).expect("write");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn failed_write_leaves_the_old_file() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("missing-dir").join("config.toml");
        assert!(atomic_write(&path, b"x", NewFileMode::Default).is_err());
        let ok = dir.path().join("config.toml");
        fs::write(&ok, "keep\n").expect("write");
        // A directory where the temp file should go cannot be created: the target is untouched.
        let blocked = dir.path().join("blocked");
        fs::create_dir(&blocked).expect("mkdir");
        let target = blocked.join("config.toml");
        fs::write(&target, "keep\n").expect("write");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&blocked, fs::Permissions::from_mode(0o500)).expect("chmod");
            let result = atomic_write(&target, b"new", NewFileMode::Default);
            fs::set_permissions(&blocked, fs::Permissions::from_mode(0o700)).expect("chmod");
            // Root ignores directory permissions; then the write simply succeeds atomically.
            if result.is_err() {
                assert_eq!(fs::read(&target).expect("read"), b"keep\n");
            }
        }
    }

    #[cfg(unix)]
    #[test]
    fn symlinked_config_keeps_its_link() {
        let dir = tempfile::tempdir().expect("dir");
        let real = dir.path().join("dotfiles-config.toml");
        fs::write(&real, "a = 1\n").expect("write");
        let link = dir.path().join("config.toml");
        std::os::unix::fs::symlink(&real, &link).expect("symlink");
        atomic_write(&link, b"a = 2\n", NewFileMode::Default).expect("write");
        assert!(fs::symlink_metadata(&link)
            .expect("meta")
            .file_type()
            .is_symlink());
        assert_eq!(fs::read(&real).expect("read"), b"a = 2\n");
    }

    #[test]
    fn read_only_file_is_refused() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("config.toml");
        fs::write(&path, "a = 1\n").expect("write");
        let mut perms = fs::metadata(&path).expect("meta").permissions();
        perms.set_readonly(true);
        fs::set_permissions(&path, perms).expect("chmod");
        let err = ensure_writable(&path).expect_err("read-only");
        assert!(matches!(err, CodexConfigError::ReadOnly { .. }));
    }
}
