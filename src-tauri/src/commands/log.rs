//! The Log view: the last lines, then live lines by events.

use tauri::AppHandle;

use crate::ipc::{CommandError, LogSnapshot};

/// The log's last lines ([`crate::logview::SNAPSHOT_LINES`]); new lines follow as `LogLines` events
/// until [`log_close`]. Reading runs off the main thread.
#[tauri::command]
pub async fn log_open(app: AppHandle) -> Result<LogSnapshot, CommandError> {
    tauri::async_runtime::spawn_blocking(move || crate::logview::start(&app))
        .await
        .map_err(|e| CommandError::new(format!("cannot open the log: {e}")))?
}

/// Stops following. Synchronous on purpose: it runs on the main thread in the order the window
/// called it, so a quick close-then-open cannot stop the new follower.
#[tauri::command]
pub fn log_close(app: AppHandle) {
    crate::logview::stop(&app);
}
