//! Logging to stderr and to `<data dir>/mimo2codex.log` — the exact file the desktop log window
//! tails. Size-capped rotation keeps the current file's name (`mimo2codex.log`, `.1`, `.2`, `.3`).

use std::path::{Path, PathBuf};

use file_rotate::compression::Compression;
use file_rotate::suffix::AppendCount;
use file_rotate::{ContentLimit, FileRotate};
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{fmt, EnvFilter, Layer};

/// The log file name inside the data dir.
pub const LOG_FILE_NAME: &str = "mimo2codex.log";
/// Rotate when the current file passes this size.
pub const LOG_MAX_BYTES: usize = 10 * 1024 * 1024;
/// Rotated files kept besides the current one.
pub const LOG_KEEP: usize = 3;

/// Keeps the background log writer alive; drop it last (it flushes).
pub struct LogGuard {
    _file: Option<WorkerGuard>,
    /// Where the file log goes, or why it could not be opened.
    pub file: Result<PathBuf, String>,
}

pub fn log_path(data_dir: &Path) -> PathBuf {
    data_dir.join(LOG_FILE_NAME)
}

/// The default filter: our INFO lines, only warnings from the HTTP stack.
pub fn default_filter() -> String {
    "info,hyper=warn,hyper_util=warn,reqwest=warn,h2=warn,rustls=warn".to_string()
}

/// Installs the global subscriber. `filter` follows `RUST_LOG` syntax (`MIMO2CODEX_LOG` or `RUST_LOG`
/// usually supply it). A log file that cannot be opened is reported, never fatal.
pub fn init(data_dir: &Path, filter: Option<&str>) -> LogGuard {
    let filter_text = filter.map(str::to_string).unwrap_or_else(default_filter);
    let make_filter =
        || EnvFilter::try_new(&filter_text).unwrap_or_else(|_| EnvFilter::new(default_filter()));
    let stderr_layer = fmt::layer()
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_filter(make_filter());
    let path = log_path(data_dir);
    let (file_layer, guard, file) = match open_rotating(&path) {
        Ok(rotate) => {
            let (writer, guard) = tracing_appender::non_blocking(rotate);
            let layer = fmt::layer()
                .with_writer(writer)
                .with_ansi(false)
                .with_target(false)
                .with_filter(make_filter());
            (Some(layer), Some(guard), Ok(path))
        }
        Err(err) => (None, None, Err(err)),
    };
    // A second init (tests, a restarted engine in the desktop app) keeps the first subscriber.
    let _ = tracing_subscriber::registry()
        .with(stderr_layer)
        .with(file_layer)
        .try_init();
    LogGuard { _file: guard, file }
}

/// Opens the rotating writer after checking the directory is writable (file-rotate panics otherwise).
pub fn open_rotating(path: &Path) -> Result<FileRotate<AppendCount>, String> {
    let dir = path
        .parent()
        .ok_or_else(|| format!("{} has no parent directory", path.display()))?;
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    Ok(FileRotate::new(
        path,
        AppendCount::new(LOG_KEEP),
        ContentLimit::BytesSurpassed(LOG_MAX_BYTES),
        Compression::None,
        None,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn rotation_keeps_the_current_file_name() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(LOG_FILE_NAME);
        let mut rotate = FileRotate::new(
            &path,
            AppendCount::new(2),
            ContentLimit::BytesSurpassed(10),
            Compression::None,
            None,
        );
        for line in ["first line\n", "second line\n", "third line\n"] {
            rotate.write_all(line.as_bytes()).expect("write");
        }
        rotate.flush().expect("flush");
        assert_eq!(
            std::fs::read_to_string(&path).expect("current"),
            "third line\n"
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("mimo2codex.log.1")).expect("rotated"),
            "second line\n"
        );
    }

    #[test]
    fn unwritable_directory_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().expect("tempdir");
        let blocker = dir.path().join("file");
        std::fs::write(&blocker, "x").expect("write");
        assert!(open_rotating(&blocker.join("sub").join(LOG_FILE_NAME)).is_err());
    }
}
