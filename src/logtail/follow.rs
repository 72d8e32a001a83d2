//! [`LogFollower`]: a live tail of the log file that survives rotation.
//!
//! One plain thread per follower. It keeps the file open and a byte offset into it; a `notify`
//! watcher on the file's *directory* (so rotation and a not-yet-created file are seen) wakes it, and
//! it also wakes every `poll_interval` on its own (the fallback when notifications are unavailable,
//! and a safety net when one is missed). Each wake reads only the new bytes.
//!
//! Rotation (`mimo2codex.log` renamed to `.1`, a new `mimo2codex.log` created, as file-rotate does) is
//! recognised by the path naming another file (device + inode on Unix) or one shorter than the
//! offset (truncation; the only test on other platforms). The still-open old file is read to its end
//! first, then [`LogEvent::Rotated`] is sent and the new file is read from offset 0. A file that is
//! created *and* rotated away between two wakes is never opened, so its lines are skipped; at the
//! default 10 MiB limit that would take 10 MiB of log within one wake-up.

use std::fs::{self, File, Metadata};
use std::io::{self, Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, TryRecvError};
use std::thread::JoinHandle;
use std::time::Duration;

use notify::{RecommendedWatcher, RecursiveMode, Watcher};

use super::tail::read_tail;
use super::{split_lines, LogEvent, LogLine, LogSink, LogTailError};

/// Bytes read per `read` call, and so the largest batch of one [`LogEvent::Lines`].
const READ_CHUNK: usize = 64 * 1024;
/// A "line" longer than this without a newline is delivered in pieces (bounds memory).
const MAX_LINE: usize = 1024 * 1024;
/// File switches handled in one wake before yielding to the next (guards against a path that keeps
/// changing under us).
const MAX_SWITCHES_PER_WAKE: usize = 8;

/// How a [`LogFollower`] watches and what it sends first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowOptions {
    /// Check the file this often without a notification. Default 500 ms.
    pub poll_interval: Duration,
    /// Watch the directory with `notify`. `false`, or a watcher that cannot start, means polling only.
    pub use_notify: bool,
    /// Existing lines to send as the first [`LogEvent::Lines`] (0: only lines appended after
    /// `start`). Read with the follower's own file handle, so nothing falls between backlog and tail.
    pub backlog_lines: usize,
    /// At most this many bytes are read from the end for the backlog (and to find where the last
    /// complete line ends). Default 1 MiB.
    pub backlog_max_bytes: u64,
}

impl Default for FollowOptions {
    fn default() -> Self {
        FollowOptions {
            poll_interval: Duration::from_millis(500),
            use_notify: true,
            backlog_lines: 0,
            backlog_max_bytes: 1024 * 1024,
        }
    }
}

/// A running tail of one log file; dropping it stops the thread (and the watcher) and waits for it.
///
/// With a bounded `SyncSender`, keep draining the receiver (or drop it) before dropping the follower:
/// a thread blocked on a full channel cannot see the stop request.
pub struct LogFollower {
    control: Sender<Wake>,
    thread: Option<JoinHandle<()>>,
}

enum Wake {
    Changed,
    Stop,
}

impl LogFollower {
    /// Follows `path` from its current end (after its last complete line, so a line being written
    /// arrives whole) with the default options. A missing file is followed from its creation.
    pub fn start(path: impl Into<PathBuf>, sink: impl LogSink) -> Result<Self, LogTailError> {
        Self::start_with(path, sink, FollowOptions::default())
    }

    /// Like [`LogFollower::start`], with options (backlog, poll interval, polling only).
    ///
    /// Fails only for a path without a file name or when the thread cannot start; I/O problems are
    /// sent as [`LogEvent::Error`] and retried at every poll.
    pub fn start_with(
        path: impl Into<PathBuf>,
        sink: impl LogSink,
        options: FollowOptions,
    ) -> Result<Self, LogTailError> {
        let path = path.into();
        let (dir, name) = match (path.parent(), path.file_name()) {
            (Some(dir), Some(name)) => (dir.to_path_buf(), name.to_string_lossy().into_owned()),
            _ => return Err(LogTailError::InvalidPath(path)),
        };
        let dir = if dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            dir
        };
        let (control, wakes) = mpsc::channel();
        let mut watch = DirWatch {
            dir,
            name,
            wake: control.clone(),
            watcher: None,
            gave_up: false,
        };
        // Watch before the first read: a change after it is either read now or wakes the thread.
        let mut notice = None;
        if options.use_notify {
            notice = watch.try_start();
        }
        let mut tail = Tail {
            path,
            sink,
            file: None,
            id: None,
            offset: 0,
            pending: Pending::default(),
            buf: vec![0; READ_CHUNK],
            last_error: None,
        };
        if let Some(notice) = notice {
            tail.report(notice);
        }
        tail.open_at_end(&options);
        let thread = std::thread::Builder::new()
            .name("mimo2codex-logtail".into())
            .spawn(move || run(tail, watch, wakes, &options))
            .map_err(LogTailError::Thread)?;
        Ok(LogFollower {
            control,
            thread: Some(thread),
        })
    }
}

impl Drop for LogFollower {
    fn drop(&mut self) {
        let _ = self.control.send(Wake::Stop);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn run<S: LogSink>(
    mut tail: Tail<S>,
    mut watch: DirWatch,
    wakes: Receiver<Wake>,
    options: &FollowOptions,
) {
    // Catch up with what was written between `start` and this thread running.
    if !tail.check() {
        return;
    }
    loop {
        match wakes.recv_timeout(options.poll_interval) {
            Ok(Wake::Stop) | Err(RecvTimeoutError::Disconnected) => return,
            Ok(Wake::Changed) => {}
            Err(RecvTimeoutError::Timeout) => {
                if options.use_notify && watch.watcher.is_none() {
                    if let Some(notice) = watch.try_start() {
                        if !tail.report(notice) {
                            return;
                        }
                    }
                }
            }
        }
        // One read covers every notification queued so far.
        loop {
            match wakes.try_recv() {
                Ok(Wake::Changed) => {}
                Ok(Wake::Stop) | Err(TryRecvError::Disconnected) => return,
                Err(TryRecvError::Empty) => break,
            }
        }
        if !tail.check() {
            return;
        }
    }
}

/// The `notify` watcher on the log's directory; its events only wake the thread.
struct DirWatch {
    dir: PathBuf,
    name: String,
    wake: Sender<Wake>,
    watcher: Option<RecommendedWatcher>,
    gave_up: bool,
}

impl DirWatch {
    /// Starts watching; on failure returns a message to report. A directory that does not exist yet
    /// is not worth one: polling covers it and watching is retried once it exists. Any other failure
    /// (no inotify instances left, …) is reported once and leaves the follower polling for good.
    fn try_start(&mut self) -> Option<String> {
        if self.gave_up || !self.dir.is_dir() {
            return None;
        }
        let wake = self.wake.clone();
        let name = self.name.clone();
        let started = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
            let relevant = match &event {
                Ok(event) => {
                    event.paths.is_empty()
                        || event.paths.iter().any(|p| {
                            p.file_name()
                                .is_some_and(|f| f.to_string_lossy().starts_with(name.as_str()))
                        })
                }
                Err(_) => true,
            };
            if relevant {
                let _ = wake.send(Wake::Changed);
            }
        })
        .and_then(|mut watcher| {
            watcher.watch(&self.dir, RecursiveMode::NonRecursive)?;
            Ok(watcher)
        });
        match started {
            Ok(watcher) => {
                self.watcher = Some(watcher);
                None
            }
            Err(_) if !self.dir.is_dir() => None,
            Err(err) => {
                self.gave_up = true;
                Some(format!(
                    "file notifications unavailable for {} ({err}); checking the log by polling",
                    self.dir.display()
                ))
            }
        }
    }
}

/// The reading side: the open file, how far it was read, and the unfinished last line.
struct Tail<S> {
    path: PathBuf,
    sink: S,
    file: Option<File>,
    id: Option<FileId>,
    offset: u64,
    pending: Pending,
    buf: Vec<u8>,
    last_error: Option<String>,
}

enum Drained {
    Done,
    Failed(String),
    Closed,
}

impl<S: LogSink> Tail<S> {
    /// Opens the file at `start` and positions after its last complete line, sending the backlog.
    fn open_at_end(&mut self, options: &FollowOptions) {
        let mut file = match File::open(&self.path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return,
            Err(e) => {
                self.report(format!("cannot open {}: {e}", self.path.display()));
                return;
            }
        };
        let positioned = file.metadata().and_then(|meta| {
            let tail = read_tail(
                &mut file,
                meta.len(),
                options.backlog_lines,
                options.backlog_max_bytes,
            )?;
            file.seek(SeekFrom::Start(tail.end))?;
            Ok((tail, file_id(&meta)))
        });
        match positioned {
            Ok((tail, id)) => {
                self.file = Some(file);
                self.id = id;
                self.offset = tail.end;
                if !tail.lines.is_empty() {
                    self.sink.send_event(LogEvent::Lines(tail.lines));
                }
            }
            Err(e) => {
                self.report(format!("cannot read {}: {e}", self.path.display()));
            }
        }
    }

    /// Reads everything new, following rotation; `false` once nobody listens.
    fn check(&mut self) -> bool {
        for _ in 0..MAX_SWITCHES_PER_WAKE {
            if self.file.is_none() {
                match File::open(&self.path) {
                    Ok(file) => {
                        self.id = file.metadata().ok().and_then(|m| file_id(&m));
                        self.file = Some(file);
                        self.offset = 0;
                    }
                    Err(e) if e.kind() == io::ErrorKind::NotFound => return true,
                    Err(e) => {
                        return self.report(format!("cannot open {}: {e}", self.path.display()))
                    }
                }
            }
            if let Some(alive) = self.drain_or_report() {
                return alive;
            }
            let meta = match fs::metadata(&self.path) {
                Ok(meta) => meta,
                // Renamed away and its successor not created yet: keep reading the old one.
                Err(e) if e.kind() == io::ErrorKind::NotFound => return self.succeeded(),
                Err(e) => return self.report(format!("cannot stat {}: {e}", self.path.display())),
            };
            let other_file = matches!((self.id, file_id(&meta)), (Some(a), Some(b)) if a != b);
            if !other_file && meta.len() >= self.offset {
                return self.succeeded();
            }
            // Rotated or truncated. Lines written to the old file just before its rename are still
            // in the open handle.
            if let Some(alive) = self.drain_or_report() {
                return alive;
            }
            if let Some(last) = self.pending.take() {
                if !self.sink.send_event(LogEvent::Lines(vec![last])) {
                    return false;
                }
            }
            self.file = None;
            self.id = None;
            self.offset = 0;
            if !self.sink.send_event(LogEvent::Rotated) {
                return false;
            }
        }
        true
    }

    /// `None` when the open file was read to its end; otherwise what `check` should return.
    fn drain_or_report(&mut self) -> Option<bool> {
        match self.drain() {
            Drained::Done => None,
            Drained::Closed => Some(false),
            Drained::Failed(message) => Some(self.report(message)),
        }
    }

    /// Reads the open file from the offset to its current end, sending complete lines.
    fn drain(&mut self) -> Drained {
        let Tail {
            path,
            sink,
            file,
            offset,
            pending,
            buf,
            ..
        } = self;
        let Some(file) = file.as_mut() else {
            return Drained::Done;
        };
        loop {
            let read = match file.read(buf) {
                Ok(0) => return Drained::Done,
                Ok(read) => read,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Drained::Failed(format!("cannot read {}: {e}", path.display())),
            };
            *offset += read as u64;
            let lines = pending.push(&buf[..read]);
            if !lines.is_empty() && !sink.send_event(LogEvent::Lines(lines)) {
                return Drained::Closed;
            }
        }
    }

    /// Sends an error unless it repeats the previous one; `false` once nobody listens.
    fn report(&mut self, message: String) -> bool {
        if self.last_error.as_deref() == Some(message.as_str()) {
            return true;
        }
        self.last_error = Some(message.clone());
        self.sink.send_event(LogEvent::Error(message))
    }

    fn succeeded(&mut self) -> bool {
        self.last_error = None;
        true
    }
}

/// Bytes after the last newline read so far: the line still being written.
#[derive(Default)]
struct Pending {
    partial: Vec<u8>,
}

impl Pending {
    /// Adds freshly read bytes and returns the lines they complete.
    fn push(&mut self, chunk: &[u8]) -> Vec<LogLine> {
        let Some(last_nl) = chunk.iter().rposition(|&b| b == b'\n') else {
            self.partial.extend_from_slice(chunk);
            if self.partial.len() > MAX_LINE {
                return self.take().into_iter().collect();
            }
            return Vec::new();
        };
        let (complete, rest) = chunk.split_at(last_nl + 1);
        let lines = if self.partial.is_empty() {
            split_lines(complete)
        } else {
            self.partial.extend_from_slice(complete);
            let lines = split_lines(&self.partial);
            self.partial.clear();
            lines
        };
        self.partial.extend_from_slice(rest);
        lines
    }

    /// The unfinished line, when its file will not grow any more.
    fn take(&mut self) -> Option<LogLine> {
        if self.partial.is_empty() {
            return None;
        }
        let line = split_lines(&self.partial).pop();
        self.partial.clear();
        line
    }
}

/// Identifies a file independently of its name (device + inode); `None` where std cannot tell.
type FileId = (u64, u64);

#[cfg(unix)]
fn file_id(meta: &Metadata) -> Option<FileId> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn file_id(_meta: &Metadata) -> Option<FileId> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(lines: &[LogLine]) -> Vec<&str> {
        lines.iter().map(|l| l.text.as_str()).collect()
    }

    #[test]
    fn pending_holds_a_partial_line_until_its_newline() {
        let mut p = Pending::default();
        assert!(p.push(b"2026-11-22T01:05:22.206690Z  INFO hal").is_empty());
        assert!(p.push("f — 直".as_bytes()).is_empty());
        let lines = p.push("连\nnext par".as_bytes());
        assert_eq!(
            texts(&lines),
            vec!["2026-11-22T01:05:22.206690Z  INFO half — 直连"]
        );
        assert_eq!(lines[0].level, Some(super::super::Level::Info));
        let lines = p.push(b"t\na\nb\n");
        assert_eq!(texts(&lines), vec!["next part", "a", "b"]);
        assert!(p.take().is_none());
    }

    #[test]
    fn a_multibyte_character_split_across_reads_survives() {
        let bytes = "ünïcødé ✓\n".as_bytes();
        for cut in 1..bytes.len() {
            let mut p = Pending::default();
            let mut lines = p.push(&bytes[..cut]);
            lines.extend(p.push(&bytes[cut..]));
            assert_eq!(texts(&lines), vec!["ünïcødé ✓"], "cut at {cut}");
        }
    }

    #[test]
    fn an_endless_line_is_delivered_in_pieces() {
        let mut p = Pending::default();
        let chunk = vec![b'x'; READ_CHUNK];
        let mut delivered = Vec::new();
        for _ in 0..(MAX_LINE / READ_CHUNK + 1) {
            delivered.extend(p.push(&chunk));
        }
        assert_eq!(delivered.len(), 1);
        assert!(delivered[0].text.len() > MAX_LINE);
    }

    #[test]
    fn a_path_without_a_file_name_is_rejected() {
        let (tx, _rx) = mpsc::channel();
        assert!(matches!(
            LogFollower::start("/", tx),
            Err(LogTailError::InvalidPath(_))
        ));
    }
}
