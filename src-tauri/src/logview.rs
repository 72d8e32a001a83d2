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
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use mimo2codex::logtail::{FollowOptions, LogEvent, LogFollower, LogLine, LogTailError};
use tauri::{AppHandle, Emitter, Manager};

use crate::ipc::{CommandError, LogLineView, LogSnapshot, UiEvent, EVENT};

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

pub fn line_view(line: LogLine) -> LogLineView {
    LogLineView {
        level: line.level.map(|l| l.as_str().to_ascii_lowercase()),
        text: line.text,
    }
}

/// Forwards `early`, then every event of `events`, coalesced by `batcher`, to `emit` until the
/// channel closes or `stopped` is set (then nothing more is emitted).
pub fn forward(
    early: Vec<LogEvent>,
    events: Receiver<LogEvent>,
    mut batcher: Batcher,
    stopped: &AtomicBool,
    mut emit: impl FnMut(UiEvent),
) {
    let mut send = |out: UiEvent| {
        if !stopped.load(Ordering::SeqCst) {
            emit(out);
        }
    };
    for event in early {
        batcher
            .push(event, Instant::now())
            .into_iter()
            .for_each(&mut send);
    }
    loop {
        let received = match batcher.deadline() {
            Some(deadline) => {
                events.recv_timeout(deadline.saturating_duration_since(Instant::now()))
            }
            None => events.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        if stopped.load(Ordering::SeqCst) {
            return;
        }
        match received {
            Ok(event) => batcher
                .push(event, Instant::now())
                .into_iter()
                .for_each(&mut send),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => {
                batcher.flush().into_iter().for_each(&mut send);
                return;
            }
        }
        batcher.due(Instant::now()).into_iter().for_each(&mut send);
    }
}

/// Coalesces the follower's events into few window events (pure: the caller supplies the time).
///
/// Lines are held until `interval` after the first of them, or until `max_batch` are held. A
/// rotation sends what the old file had, then holds a reset whose lines are the new file's first
/// ones. An error sends what is held, then the error, at once.
#[derive(Debug)]
pub struct Batcher {
    interval: Duration,
    max_batch: usize,
    lines: Vec<LogLineView>,
    /// A reset is held: the next batch is a [`UiEvent::LogReset`] with this reason.
    reset: Option<String>,
    /// When the held batch started.
    since: Option<Instant>,
}

impl Batcher {
    pub fn new(interval: Duration, max_batch: usize) -> Self {
        Batcher {
            interval,
            max_batch: max_batch.max(1),
            lines: Vec::new(),
            reset: None,
            since: None,
        }
    }

    /// Takes one follower event; returns the window events now due.
    pub fn push(&mut self, event: LogEvent, now: Instant) -> Vec<UiEvent> {
        let mut out = Vec::new();
        match event {
            LogEvent::Lines(lines) => {
                for line in lines {
                    self.since.get_or_insert(now);
                    self.lines.push(line_view(line));
                    if self.lines.len() >= self.max_batch {
                        out.extend(self.flush());
                    }
                }
            }
            LogEvent::Rotated => {
                if self.reset.is_none() {
                    out.extend(self.flush());
                } else {
                    // Rotated again before the reset went out: only the newest file counts.
                    self.lines.clear();
                }
                self.reset = Some(RESET_REASON.to_string());
                self.since.get_or_insert(now);
            }
            LogEvent::Error(message) => {
                out.extend(self.flush());
                out.push(UiEvent::LogError { message });
            }
        }
        out
    }

    /// When the held batch is due, if one is held.
    pub fn deadline(&self) -> Option<Instant> {
        self.since.map(|since| since + self.interval)
    }

    /// The held batch, if its time has come.
    pub fn due(&mut self, now: Instant) -> Option<UiEvent> {
        match self.deadline() {
            Some(deadline) if now >= deadline => self.flush(),
            _ => None,
        }
    }

    /// The held batch, now.
    pub fn flush(&mut self) -> Option<UiEvent> {
        self.since = None;
        let lines = std::mem::take(&mut self.lines);
        match self.reset.take() {
            Some(reason) => Some(UiEvent::LogReset { reason, lines }),
            None if lines.is_empty() => None,
            None => Some(UiEvent::LogLines { lines }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn lines(texts: &[&str]) -> LogEvent {
        LogEvent::Lines(texts.iter().map(|t| LogLine::parse(*t)).collect())
    }

    fn numbered(from: usize, count: usize) -> LogEvent {
        LogEvent::Lines(
            (from..from + count)
                .map(|i| LogLine::parse(format!("2026-11-22T01:05:22.000000Z  INFO line {i}")))
                .collect(),
        )
    }

    fn texts(event: &UiEvent) -> Vec<&str> {
        match event {
            UiEvent::LogLines { lines } | UiEvent::LogReset { lines, .. } => {
                lines.iter().map(|l| l.text.as_str()).collect()
            }
            other => panic!("not lines: {other:?}"),
        }
    }

    fn line_count(events: &[UiEvent]) -> usize {
        events.iter().map(|e| texts(e).len()).sum()
    }

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn lines_wait_for_the_interval_then_go_as_one_event() {
        let t0 = Instant::now();
        let mut b = Batcher::new(100 * MS, 1000);
        assert_eq!(b.deadline(), None);
        assert!(b.push(lines(&["a"]), t0).is_empty());
        assert!(b.push(lines(&["b", "c"]), t0 + 50 * MS).is_empty());
        assert_eq!(b.deadline(), Some(t0 + 100 * MS));
        assert!(b.due(t0 + 99 * MS).is_none());
        let out = b.due(t0 + 100 * MS).expect("due");
        assert!(matches!(out, UiEvent::LogLines { .. }));
        assert_eq!(texts(&out), vec!["a", "b", "c"]);
        assert_eq!(b.deadline(), None);
        assert!(b.flush().is_none());
        // Empty reads start nothing.
        assert!(b.push(LogEvent::Lines(vec![]), t0).is_empty());
        assert_eq!(b.deadline(), None);
    }

    #[test]
    fn a_burst_of_ten_thousand_lines_is_a_few_events() {
        let t0 = Instant::now();
        let mut b = Batcher::new(100 * MS, 5000);
        let mut out = Vec::new();
        // 10 000 lines arriving one per event, all within the interval.
        for i in 0..10_000 {
            out.extend(b.push(numbered(i, 1), t0 + MS * (i as u32 / 1000)));
            out.extend(b.due(t0 + MS * (i as u32 / 1000)));
        }
        out.extend(b.flush());
        assert_eq!(out.len(), 2, "{} events", out.len());
        assert_eq!(line_count(&out), 10_000);
        assert!(texts(&out[1]).last().expect("last").ends_with("line 9999"));
    }

    #[test]
    fn levels_become_the_contract_strings() {
        let t0 = Instant::now();
        let mut b = Batcher::new(100 * MS, 1000);
        b.push(
            lines(&[
                "2026-11-22T01:05:22.000000Z ERROR boom",
                "  caused by: nothing",
                "2026-11-22T01:05:22.000000Z  WARN hm",
            ]),
            t0,
        );
        let Some(UiEvent::LogLines { lines }) = b.flush() else {
            panic!("no lines");
        };
        let levels: Vec<Option<&str>> = lines.iter().map(|l| l.level.as_deref()).collect();
        assert_eq!(levels, vec![Some("error"), None, Some("warn")]);
    }

    #[test]
    fn rotation_sends_the_old_lines_then_a_reset_with_the_new_files_lines() {
        let t0 = Instant::now();
        let mut b = Batcher::new(100 * MS, 1000);
        assert!(b.push(lines(&["old 1", "old 2"]), t0).is_empty());
        let out = b.push(LogEvent::Rotated, t0 + 10 * MS);
        assert_eq!(out.len(), 1);
        assert!(matches!(out[0], UiEvent::LogLines { .. }));
        assert_eq!(texts(&out[0]), vec!["old 1", "old 2"]);
        assert!(b.push(lines(&["new 1"]), t0 + 20 * MS).is_empty());
        // A reset is held like lines: due an interval after the rotation.
        assert_eq!(b.deadline(), Some(t0 + 110 * MS));
        let reset = b.due(t0 + 110 * MS).expect("reset");
        let UiEvent::LogReset { reason, .. } = &reset else {
            panic!("not a reset: {reset:?}");
        };
        assert_eq!(reason, RESET_REASON);
        assert_eq!(texts(&reset), vec!["new 1"]);
        // Afterwards, plain lines again.
        b.push(lines(&["new 2"]), t0 + 200 * MS);
        assert!(matches!(b.flush(), Some(UiEvent::LogLines { .. })));
    }

    #[test]
    fn a_rotation_without_new_lines_still_resets() {
        let t0 = Instant::now();
        let mut b = Batcher::new(100 * MS, 1000);
        assert!(b.push(LogEvent::Rotated, t0).is_empty());
        let reset = b.due(t0 + 100 * MS).expect("reset");
        assert!(matches!(&reset, UiEvent::LogReset { lines, .. } if lines.is_empty()));
    }

    #[test]
    fn two_rotations_in_one_batch_keep_the_newest_file() {
        let t0 = Instant::now();
        let mut b = Batcher::new(100 * MS, 1000);
        b.push(LogEvent::Rotated, t0);
        b.push(lines(&["middle"]), t0);
        assert!(b.push(LogEvent::Rotated, t0).is_empty());
        b.push(lines(&["newest"]), t0);
        let reset = b.flush().expect("reset");
        assert_eq!(texts(&reset), vec!["newest"]);
    }

    #[test]
    fn a_full_reset_batch_is_sent_as_a_reset_then_lines() {
        let t0 = Instant::now();
        let mut b = Batcher::new(100 * MS, 3);
        b.push(LogEvent::Rotated, t0);
        let out = b.push(numbered(0, 5), t0);
        assert_eq!(out.len(), 1);
        assert!(matches!(&out[0], UiEvent::LogReset { lines, .. } if lines.len() == 3));
        let rest = b.flush().expect("rest");
        assert!(matches!(&rest, UiEvent::LogLines { lines } if lines.len() == 2));
    }

    #[test]
    fn errors_flush_what_is_held_and_go_at_once() {
        let t0 = Instant::now();
        let mut b = Batcher::new(100 * MS, 1000);
        b.push(lines(&["before"]), t0);
        let out = b.push(LogEvent::Error("cannot read".into()), t0);
        assert_eq!(out.len(), 2);
        assert_eq!(texts(&out[0]), vec!["before"]);
        assert!(matches!(&out[1], UiEvent::LogError { message } if message == "cannot read"));
        assert_eq!(b.deadline(), None);
    }

    #[test]
    fn the_forwarder_coalesces_a_burst_and_stops_when_told() {
        let (tx, rx) = mpsc::channel();
        for i in 0..100 {
            tx.send(numbered(i * 100, 100)).expect("send");
        }
        tx.send(LogEvent::Error("oops".into())).expect("send");
        drop(tx);
        let stopped = AtomicBool::new(false);
        let mut out = Vec::new();
        forward(
            vec![LogEvent::Error("early".into())],
            rx,
            Batcher::new(BATCH_INTERVAL, MAX_BATCH),
            &stopped,
            |e| out.push(e),
        );
        assert!(matches!(&out[0], UiEvent::LogError { message } if message == "early"));
        assert!(matches!(out.last(), Some(UiEvent::LogError { message }) if message == "oops"));
        let batches = &out[1..out.len() - 1];
        assert!(
            batches.len() <= 3,
            "{} events for 10 000 lines",
            batches.len()
        );
        assert_eq!(line_count(batches), 10_000);

        // Once stopped, nothing more is emitted.
        let (tx, rx) = mpsc::channel();
        tx.send(numbered(0, 10)).expect("send");
        drop(tx);
        let stopped = AtomicBool::new(true);
        let mut out = Vec::new();
        forward(vec![], rx, Batcher::new(BATCH_INTERVAL, 1), &stopped, |e| {
            out.push(e)
        });
        assert!(out.is_empty());
    }

    #[test]
    fn the_forwarder_sends_a_lone_line_after_the_interval() {
        let (tx, rx) = mpsc::channel();
        let (out_tx, out_rx) = mpsc::channel();
        let thread = std::thread::spawn(move || {
            let stopped = AtomicBool::new(false);
            forward(vec![], rx, Batcher::new(20 * MS, 1000), &stopped, |e| {
                let _ = out_tx.send(e);
            });
        });
        tx.send(lines(&["alone"])).expect("send");
        // Arrives without the channel closing.
        let event = out_rx.recv_timeout(Duration::from_secs(5)).expect("event");
        assert_eq!(texts(&event), vec!["alone"]);
        drop(tx);
        thread.join().expect("join");
    }

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
