//! Follows the log file for the Log view and forwards new lines as events.
//!
//! [`start`] opens the log with the engine's [`LogFollower`] (its backlog is the view's snapshot, read
//! with the follower's own file handle, so no line falls between snapshot and live tail), then a
//! forwarder thread turns the follower's [`LogEvent`]s into [`UiEvent`]s. The forwarder coalesces
//! ([`Batcher`]): lines are sent at most every [`BATCH_INTERVAL`] or per [`MAX_BATCH`] lines, so a
//! burst of thousands of lines is a handful of events. A rotation or truncation becomes
//! [`UiEvent::LogReset`] carrying the new file's first lines; a failure [`UiEvent::LogError`]. A
//! missing file is not an error: the follower waits for it.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use mimo2codex::logtail::{FollowOptions, LogEvent, LogFollower, LogLine, LogTailError};
use tauri::{AppHandle, Emitter, Manager};

use crate::ipc::{CommandError, LogSnapshot, EVENT};

mod batch;
pub use batch::{forward, line_view, Batcher};

/// Lines in the snapshot the Log view opens with.
pub const SNAPSHOT_LINES: usize = 2000;
/// At most this much of the file's end is read for the snapshot.
const SNAPSHOT_MAX_BYTES: u64 = 4 * 1024 * 1024;
/// New lines wait at most this long before they are sent.
pub const BATCH_INTERVAL: Duration = Duration::from_millis(100);
/// A batch is sent as soon as it holds this many lines.
pub const MAX_BATCH: usize = 5000;
/// The `reason` of a [`UiEvent::LogReset`].
pub const RESET_REASON: &str = "the log file was rotated or truncated";

/// The follower while the Log view is open.
#[derive(Default)]
pub struct LogSession {
    running: Mutex<Option<Running>>,
}

/// A follower and the thread forwarding its events to the window.
struct Running {
    follower: LogFollower,
    forwarder: JoinHandle<()>,
    stopped: Arc<AtomicBool>,
}

impl Running {
    /// Stops both threads and waits for them: no event of this session is emitted afterwards.
    fn shutdown(self) {
        self.stopped.store(true, Ordering::SeqCst);
        // Joins the follower thread; its sink (our channel's sender) goes with it, which ends the
        // forwarder's wait.
        drop(self.follower);
        if self.forwarder.join().is_err() {
            tracing::warn!("the log forwarder thread panicked");
        }
    }
}

/// Starts following the log for the window (replacing any previous follower) and returns the
/// snapshot it starts from.
pub fn start(app: &AppHandle) -> Result<LogSnapshot, CommandError> {
    // The previous session's events must not reach the window after this snapshot.
    stop(app);
    let data_dir = crate::services::controller(app).data_dir().to_path_buf();
    let path = mimo2codex::logging::log_path(&data_dir);
    let opened = open(&path, SNAPSHOT_LINES, FollowOptions::default()).map_err(|e| {
        CommandError::new(format!("cannot follow the log: {e}"))
            .with_fix("check that the data directory exists and is readable")
    })?;
    let Opened {
        snapshot,
        follower,
        events,
        early,
    } = opened;
    let stopped = Arc::new(AtomicBool::new(false));
    let emitter = app.clone();
    let flag = stopped.clone();
    let forwarder = std::thread::Builder::new()
        .name("mimo2codex-logview".into())
        .spawn(move || {
            let batcher = Batcher::new(BATCH_INTERVAL, MAX_BATCH);
            forward(early, events, batcher, &flag, |event| {
                if let Err(err) = emitter.emit_to(crate::window::MAIN, EVENT, event) {
                    tracing::debug!("cannot send log lines to the window: {err}");
                }
            });
        })
        .map_err(|e| CommandError::new(format!("cannot start the log forwarder thread: {e}")))?;
    let previous = app
        .state::<LogSession>()
        .running
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .replace(Running {
            follower,
            forwarder,
            stopped,
        });
    // Another `start` raced this one: keep the newest.
    if let Some(previous) = previous {
        previous.shutdown();
    }
    Ok(snapshot)
}

/// Stops following (the window closed or left the Log view).
pub fn stop(app: &AppHandle) {
    let Some(session) = app.try_state::<LogSession>() else {
        return;
    };
    let running = session
        .running
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take();
    // Joined outside the lock.
    if let Some(running) = running {
        running.shutdown();
    }
}

/// A follower just started, with the snapshot taken from its backlog.
pub struct Opened {
    pub snapshot: LogSnapshot,
    pub follower: LogFollower,
    /// The follower's events after the snapshot.
    pub events: Receiver<LogEvent>,
    /// Events that arrived while the snapshot was taken and still need forwarding (errors).
    pub early: Vec<LogEvent>,
}

/// Starts a follower on `path` and takes its backlog (the last `lines` lines, plus whatever it read
/// right after) as the snapshot. `options`' backlog settings are replaced.
pub fn open(path: &Path, lines: usize, options: FollowOptions) -> Result<Opened, LogTailError> {
    let len_before = std::fs::metadata(path).map(|m| m.len()).ok();
    let (tx, events) = mpsc::channel();
    let options = FollowOptions {
        // One more than shown: its presence says that older lines exist.
        backlog_lines: lines + 1,
        backlog_max_bytes: SNAPSHOT_MAX_BYTES,
        ..options
    };
    let follower = LogFollower::start_with(path, tx, options)?;
    // The backlog is sent before `start_with` returns; anything else queued by now follows it.
    let mut collected: Vec<LogLine> = Vec::new();
    let mut early = Vec::new();
    while let Ok(event) = events.try_recv() {
        match event {
            LogEvent::Lines(new) => collected.extend(new),
            // The lines before and after a rotation are still one history.
            LogEvent::Rotated => {}
            LogEvent::Error(_) => early.push(event),
        }
    }
    let mut truncated = len_before.is_some_and(|len| len > SNAPSHOT_MAX_BYTES);
    if collected.len() > lines {
        collected.drain(..collected.len() - lines);
        truncated = true;
    }
    let missing = collected.is_empty()
        && matches!(std::fs::metadata(path), Err(e) if e.kind() == std::io::ErrorKind::NotFound);
    let snapshot = LogSnapshot {
        path: path.display().to_string(),
        lines: collected.into_iter().map(line_view).collect(),
        truncated,
        missing,
    };
    Ok(Opened {
        snapshot,
        follower,
        events,
        early,
    })
}

#[cfg(test)]
mod tests {
    use super::batch::tests::{texts, MS};
    use super::*;
    use crate::ipc::UiEvent;
    use std::io::Write;
    use std::time::Instant;

    fn options() -> FollowOptions {
        FollowOptions {
            poll_interval: Duration::from_millis(20),
            use_notify: false,
            ..FollowOptions::default()
        }
    }

    fn write_lines(path: &Path, range: std::ops::Range<usize>) {
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .expect("open");
        let mut text = String::new();
        for i in range {
            text.push_str(&format!(
                "2026-11-22T01:05:22.{i:06}Z  INFO request {i} — 直连 ✓\n"
            ));
        }
        file.write_all(text.as_bytes()).expect("write");
    }

    /// Waits for the follower's next lines.
    fn next_lines(events: &Receiver<LogEvent>) -> Vec<LogLine> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match events.recv_timeout(left).expect("an event") {
                LogEvent::Lines(lines) if !lines.is_empty() => return lines,
                _ => {}
            }
        }
    }

    #[test]
    fn snapshot_of_a_large_file_is_its_last_lines_and_says_truncated() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("mimo2codex.log");
        write_lines(&path, 0..60_000); // ~3.6 MB
        let opened = open(&path, SNAPSHOT_LINES, options()).expect("open");
        let s = &opened.snapshot;
        assert_eq!(s.lines.len(), SNAPSHOT_LINES);
        assert!(s.truncated);
        assert!(!s.missing);
        assert_eq!(s.path, path.display().to_string());
        assert!(
            s.lines[0].text.contains("request 58000 "),
            "{}",
            s.lines[0].text
        );
        assert!(s
            .lines
            .last()
            .expect("last")
            .text
            .contains("request 59999 "));
        assert_eq!(s.lines[0].level.as_deref(), Some("info"));
        // Following continues right after the snapshot.
        write_lines(&path, 60_000..60_001);
        let new = next_lines(&opened.events);
        assert!(new[0].text.contains("request 60000 "), "{}", new[0].text);
    }

    #[test]
    fn snapshot_of_a_small_file_is_all_of_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("mimo2codex.log");
        write_lines(&path, 0..10);
        let opened = open(&path, SNAPSHOT_LINES, options()).expect("open");
        assert_eq!(opened.snapshot.lines.len(), 10);
        assert!(!opened.snapshot.truncated);
        assert!(!opened.snapshot.missing);

        // Exactly as many lines as shown: nothing older.
        let opened = open(&path, 10, options()).expect("open");
        assert_eq!(opened.snapshot.lines.len(), 10);
        assert!(!opened.snapshot.truncated);
        let opened = open(&path, 9, options()).expect("open");
        assert_eq!(opened.snapshot.lines.len(), 9);
        assert!(opened.snapshot.truncated);
    }

    #[test]
    fn a_missing_file_is_not_an_error_and_is_followed_once_created() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("mimo2codex.log");
        let opened = open(&path, SNAPSHOT_LINES, options()).expect("open");
        assert!(opened.snapshot.missing);
        assert!(opened.snapshot.lines.is_empty());
        assert!(!opened.snapshot.truncated);
        assert!(opened.early.is_empty(), "{:?}", opened.early);
        write_lines(&path, 0..1);
        let new = next_lines(&opened.events);
        assert!(new[0].text.contains("request 0 "));
    }

    #[test]
    fn rotation_reaches_the_window_as_a_reset_with_the_new_files_lines() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("mimo2codex.log");
        write_lines(&path, 0..5);
        let opened = open(&path, SNAPSHOT_LINES, options()).expect("open");
        assert_eq!(opened.snapshot.lines.len(), 5);
        let Opened {
            follower,
            events,
            early,
            ..
        } = opened;
        let (out_tx, out_rx) = mpsc::channel();
        let stopped = Arc::new(AtomicBool::new(false));
        let flag = stopped.clone();
        let thread = std::thread::spawn(move || {
            forward(early, events, Batcher::new(20 * MS, 1000), &flag, |e| {
                let _ = out_tx.send(e);
            })
        });
        let next = || out_rx.recv_timeout(Duration::from_secs(10)).expect("event");
        write_lines(&path, 5..6);
        assert!(texts(&next())[0].contains("request 5 "));
        // Rotate the way file-rotate does: rename, then a new file under the old name.
        std::fs::rename(&path, dir.path().join("mimo2codex.log.1")).expect("rename");
        write_lines(&path, 100..103);
        let reset = next();
        assert!(matches!(reset, UiEvent::LogReset { .. }), "{reset:?}");
        let mut got: Vec<String> = texts(&reset).iter().map(|s| s.to_string()).collect();
        while got.len() < 3 {
            got.extend(texts(&next()).iter().map(|s| s.to_string()));
        }
        assert!(got[0].contains("request 100 ") && got[2].contains("request 102 "));
        // Stopping: the follower goes, the forwarder ends, nothing more is sent.
        stopped.store(true, Ordering::SeqCst);
        drop(follower);
        thread.join().expect("join");
        write_lines(&path, 200..201);
        assert!(out_rx.recv_timeout(Duration::from_millis(100)).is_err());
    }

    #[test]
    fn an_empty_file_is_not_missing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("mimo2codex.log");
        std::fs::write(&path, "").expect("write");
        let opened = open(&path, SNAPSHOT_LINES, options()).expect("open");
        assert!(!opened.snapshot.missing);
        assert!(opened.snapshot.lines.is_empty());
    }
}
