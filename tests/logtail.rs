//! The log tail against real files: bounded reading of the last lines, and a follower that sees
//! appends, partial lines, rotation (by hand and by the real file-rotate writer), truncation and a
//! file created late. Every wait is bounded.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use file_rotate::compression::Compression;
use file_rotate::suffix::AppendCount;
use file_rotate::{ContentLimit, FileRotate};
use mimo2codex::logging::{open_rotating, LOG_FILE_NAME, LOG_KEEP, LOG_MAX_BYTES};
use mimo2codex::logtail::{read_last_lines, FollowOptions, Level, LogEvent, LogFollower};

const BOUND: Duration = Duration::from_secs(10);

fn line(i: usize) -> String {
    format!(
        "2026-11-22T01:{:02}:{:02}.{:06}Z  INFO line {i:06} — 直连 ✓\n",
        i / 3600 % 60,
        i / 60 % 60,
        i % 1_000_000
    )
}

fn expected(range: std::ops::Range<usize>) -> Vec<String> {
    range.map(|i| line(i).trim_end().to_string()).collect()
}

fn append(path: &Path, range: std::ops::Range<usize>) {
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .expect("open for append");
    for i in range {
        file.write_all(line(i).as_bytes()).expect("append");
    }
}

/// Everything a follower sent, in order.
struct Seen {
    rx: Receiver<LogEvent>,
    lines: Vec<String>,
    rotations: usize,
    errors: Vec<String>,
    /// Index into `lines` where each `Rotated` arrived.
    rotated_at: Vec<usize>,
}

impl Seen {
    fn new(rx: Receiver<LogEvent>) -> Seen {
        Seen {
            rx,
            lines: Vec::new(),
            rotations: 0,
            errors: Vec::new(),
            rotated_at: Vec::new(),
        }
    }

    fn take(&mut self, event: LogEvent) {
        match event {
            LogEvent::Lines(lines) => self.lines.extend(lines.into_iter().map(|l| l.text)),
            LogEvent::Rotated => {
                self.rotations += 1;
                self.rotated_at.push(self.lines.len());
            }
            LogEvent::Error(e) => self.errors.push(e),
        }
    }

    /// Receives until `count` lines in total have arrived; panics after `within`.
    fn wait_lines(&mut self, count: usize, within: Duration) {
        let deadline = Instant::now() + within;
        while self.lines.len() < count {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(event) => self.take(event),
                Err(RecvTimeoutError::Timeout) => panic!(
                    "waited {within:?} for {count} lines, got {}: last {:?}, errors {:?}",
                    self.lines.len(),
                    self.lines.last(),
                    self.errors
                ),
                Err(RecvTimeoutError::Disconnected) => panic!("follower stopped"),
            }
        }
    }

    /// Collects whatever arrives during `period`.
    fn settle(&mut self, period: Duration) {
        let deadline = Instant::now() + period;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(event) => self.take(event),
                Err(_) => return,
            }
        }
    }
}

fn follow(path: &Path, options: FollowOptions) -> (LogFollower, Seen) {
    let (tx, rx) = mpsc::channel();
    let follower = LogFollower::start_with(path, tx, options).expect("start follower");
    (follower, Seen::new(rx))
}

/// Notifications only in practice: the poll is too slow to matter within a test's waits.
fn notify_only() -> FollowOptions {
    FollowOptions {
        poll_interval: Duration::from_secs(60),
        ..FollowOptions::default()
    }
}

fn fast_poll() -> FollowOptions {
    FollowOptions {
        poll_interval: Duration::from_millis(20),
        ..FollowOptions::default()
    }
}

fn log_in(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join(LOG_FILE_NAME)
}

#[test]
fn last_lines_of_a_large_file_read_only_its_tail() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = log_in(&dir);
    // 4 MiB of invalid UTF-8 with newlines: any byte of it read would show up as U+FFFD lines.
    let garbage: Vec<u8> = b"\xff\xfe\xc3 not utf-8 \x80\x81\n"
        .iter()
        .copied()
        .cycle()
        .take(4 << 20)
        .collect();
    fs::write(&path, &garbage).expect("write head");
    append(&path, 0..2000);
    let max_bytes = 64 * 1024;

    let started = Instant::now();
    let last = read_last_lines(&path, 50, max_bytes).expect("last 50");
    let elapsed = started.elapsed();
    let texts: Vec<String> = last.iter().map(|l| l.text.clone()).collect();
    assert_eq!(texts, expected(1950..2000));
    assert!(last.iter().all(|l| l.level == Some(Level::Info)));
    assert!(last
        .iter()
        .all(|l| l.timestamp.as_deref().is_some_and(|t| t.ends_with('Z'))));

    // Asking for more lines than the window holds stops at the window, never in the garbage.
    let many = read_last_lines(&path, 1_000_000, max_bytes).expect("window");
    assert!(many.len() > 500 && many.len() < 2000, "{}", many.len());
    assert!(many.iter().all(|l| !l.text.contains('\u{FFFD}')));
    assert_eq!(
        many.last().map(|l| l.text.clone()),
        expected(1999..2000).pop()
    );
    // Sanity check of the fixture: a window reaching into the head does see garbage.
    let all = read_last_lines(&path, 1_000_000, u64::MAX).expect("everything");
    assert!(all.iter().any(|l| l.text.contains('\u{FFFD}')));
    eprintln!("last 50 lines of a 4.2 MB file in {elapsed:?}");
}

#[test]
fn appended_lines_arrive_within_a_second() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = log_in(&dir);
    append(&path, 0..10); // history: not sent without a backlog
    let (_follower, mut seen) = follow(&path, notify_only());
    for round in 0..3 {
        let from = 10 + round * 3;
        let written = Instant::now();
        append(&path, from..from + 3);
        seen.wait_lines((round + 1) * 3, Duration::from_secs(5));
        let latency = written.elapsed();
        assert!(latency < Duration::from_secs(1), "took {latency:?}");
    }
    assert_eq!(seen.lines, expected(10..19));
    assert!(seen.errors.is_empty(), "{:?}", seen.errors);
}

#[test]
fn polling_alone_follows_too() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = log_in(&dir);
    let options = FollowOptions {
        use_notify: false,
        poll_interval: Duration::from_millis(100),
        ..FollowOptions::default()
    };
    let (_follower, mut seen) = follow(&path, options);
    append(&path, 0..5);
    let written = Instant::now();
    seen.wait_lines(5, Duration::from_secs(5));
    assert!(written.elapsed() < Duration::from_secs(1));
    append(&path, 5..8);
    seen.wait_lines(8, BOUND);
    assert_eq!(seen.lines, expected(0..8));
}

#[test]
fn a_partial_line_waits_for_its_newline() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = log_in(&dir);
    fs::write(&path, "").expect("create");
    let (_follower, mut seen) = follow(&path, fast_poll());
    let mut file = OpenOptions::new().append(true).open(&path).expect("open");
    file.write_all("2026-11-22T01:05:22.206690Z  WARN half a line — 直".as_bytes())
        .expect("write");
    seen.settle(Duration::from_millis(300)); // 15 polls and the notifications
    assert!(seen.lines.is_empty(), "{:?}", seen.lines);
    file.write_all("连 done\nsecond\n".as_bytes())
        .expect("write");
    seen.wait_lines(2, BOUND);
    assert_eq!(
        seen.lines,
        vec![
            "2026-11-22T01:05:22.206690Z  WARN half a line — 直连 done",
            "second"
        ]
    );
}

#[test]
fn backlog_then_live_lines_without_a_gap() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = log_in(&dir);
    append(&path, 0..100);
    let partial = line(100);
    let (head, tail) = partial.split_at(30);
    fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .and_then(|mut f| f.write_all(head.as_bytes()))
        .expect("partial");
    let options = FollowOptions {
        backlog_lines: 20,
        ..notify_only()
    };
    let (_follower, mut seen) = follow(&path, options);
    seen.wait_lines(20, BOUND);
    assert_eq!(seen.lines, expected(80..100));
    fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .and_then(|mut f| f.write_all(tail.as_bytes()))
        .expect("rest");
    append(&path, 101..105);
    seen.wait_lines(25, BOUND);
    assert_eq!(seen.lines, expected(80..105));
}

/// Rotation the way file-rotate does it: shift `.1` → `.2`, rename the log to `.1`, create a new
/// log. The writer also appends to the old file after the rename (still open), before the new one
/// exists; those lines must come before the rotation.
#[test]
fn rotation_by_rename_loses_and_repeats_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = log_in(&dir);
    let rotated = |n: usize| dir.path().join(format!("{LOG_FILE_NAME}.{n}"));
    let mut writer = File::create(&path).expect("create");
    let (_follower, mut seen) = follow(&path, fast_poll());
    let mut next = 0;
    let mut write = |writer: &mut File, count: usize| {
        for _ in 0..count {
            writer.write_all(line(next).as_bytes()).expect("write");
            next += 1;
        }
        next
    };
    let mut boundaries = Vec::new();
    for round in 0..4 {
        let written = write(&mut writer, 5);
        seen.wait_lines(written, BOUND);
        write(&mut writer, 3);
        if rotated(1).exists() {
            fs::rename(rotated(1), rotated(2)).expect("shift");
        }
        fs::rename(&path, rotated(1)).expect("rotate");
        boundaries.push(write(&mut writer, 2 + round)); // late lines into the renamed file
        writer = File::create(&path).expect("new log");
    }
    let total = write(&mut writer, 5);
    seen.wait_lines(total, BOUND);
    seen.settle(Duration::from_millis(100));
    assert_eq!(seen.lines, expected(0..total));
    assert_eq!(seen.rotated_at, boundaries);
    assert!(seen.errors.is_empty(), "{:?}", seen.errors);
}

/// The new file already longer than the old offset when the follower looks: only the file's
/// identity (device + inode) tells it apart, so polling-only with a slow poll to make that certain.
#[cfg(unix)]
#[test]
fn rotation_to_a_longer_file_is_seen_by_identity() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = log_in(&dir);
    append(&path, 0..2);
    let options = FollowOptions {
        use_notify: false,
        poll_interval: Duration::from_millis(300),
        ..FollowOptions::default()
    };
    let (_follower, mut seen) = follow(&path, options);
    append(&path, 2..4);
    seen.wait_lines(2, BOUND);
    let next = dir.path().join("next.tmp");
    append(&next, 4..20);
    fs::rename(&path, dir.path().join(format!("{LOG_FILE_NAME}.1"))).expect("rotate");
    fs::rename(&next, &path).expect("new log, already long");
    seen.wait_lines(16, BOUND);
    assert_eq!(seen.lines, expected(2..20));
    assert_eq!(seen.rotated_at, vec![2]);
}

#[test]
fn truncation_starts_over_from_the_beginning() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = log_in(&dir);
    append(&path, 0..3);
    let (_follower, mut seen) = follow(&path, fast_poll());
    append(&path, 3..13);
    seen.wait_lines(10, BOUND);
    let mut file = OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(&path)
        .expect("truncate");
    file.write_all(line(13).as_bytes()).expect("write");
    file.write_all(line(14).as_bytes()).expect("write");
    seen.wait_lines(12, BOUND);
    assert_eq!(seen.lines, expected(3..15));
    assert_eq!(seen.rotated_at, vec![10]);
}

#[test]
fn a_file_created_after_the_follower_starts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = log_in(&dir);
    let (_follower, mut seen) = follow(&path, notify_only());
    std::thread::sleep(Duration::from_millis(50));
    append(&path, 0..4);
    seen.wait_lines(4, Duration::from_secs(2));
    assert_eq!(seen.lines, expected(0..4));
    assert_eq!(seen.rotations, 0);
}

#[test]
fn a_directory_created_after_the_follower_starts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("later").join(LOG_FILE_NAME);
    let options = FollowOptions {
        poll_interval: Duration::from_millis(50),
        ..FollowOptions::default()
    };
    let (_follower, mut seen) = follow(&path, options);
    fs::create_dir(dir.path().join("later")).expect("mkdir");
    append(&path, 0..3);
    seen.wait_lines(3, BOUND);
    append(&path, 3..6);
    seen.wait_lines(6, BOUND);
    assert_eq!(seen.lines, expected(0..6));
    assert!(seen.errors.is_empty(), "{:?}", seen.errors);
}

/// The engine's writer (`open_rotating`'s configuration with a tiny limit) rotating many times
/// while the follower reads. Each burst of writes holds at most one rotation, which is what the
/// follower guarantees to follow without loss (at 10 MiB, a burst would be 10 MiB of log).
#[test]
fn file_rotate_writer_with_a_tiny_limit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = log_in(&dir);
    let line_len = line(0).len();
    let per_file = 5;
    let mut writer = FileRotate::new(
        &path,
        AppendCount::new(LOG_KEEP),
        ContentLimit::BytesSurpassed(line_len * per_file - 1),
        Compression::None,
        None,
    );
    let (_follower, mut seen) = follow(&path, FollowOptions::default());
    let total = 300;
    for burst in (0..total).step_by(per_file) {
        for i in burst..burst + per_file {
            writer.write_all(line(i).as_bytes()).expect("write");
        }
        writer.flush().expect("flush");
        seen.wait_lines(burst + per_file, BOUND);
    }
    seen.settle(Duration::from_millis(100));
    assert_eq!(seen.lines, expected(0..total));
    assert_eq!(seen.rotations, total / per_file - 1);
    assert!(seen.rotated_at.iter().all(|at| at % per_file == 0));
    assert!(dir
        .path()
        .join(format!("{LOG_FILE_NAME}.{LOG_KEEP}"))
        .exists());
    assert!(seen.errors.is_empty(), "{:?}", seen.errors);
}

/// `open_rotating` itself, pushed past its real 10 MiB limit in one go.
#[test]
fn open_rotating_past_its_real_limit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = log_in(&dir);
    let mut writer = open_rotating(&path).expect("open_rotating");
    let (_follower, mut seen) = follow(&path, FollowOptions::default());
    let pad = "x".repeat(1000);
    let make = |i: usize| format!("{}{pad}\n", line(i).trim_end());
    let per_file = LOG_MAX_BYTES / make(0).len() + 1;
    let total = per_file + 500;
    let started = Instant::now();
    for i in 0..total {
        writer.write_all(make(i).as_bytes()).expect("write");
    }
    writer.flush().expect("flush");
    seen.wait_lines(total, BOUND);
    seen.settle(Duration::from_millis(100));
    let want: Vec<String> = (0..total).map(|i| make(i).trim_end().to_string()).collect();
    assert!(seen.lines == want, "lines differ");
    assert_eq!(seen.rotated_at, vec![per_file]);
    assert!(dir.path().join(format!("{LOG_FILE_NAME}.1")).exists());
    eprintln!(
        "{total} lines ({} MB) written and followed in {:?}",
        total * make(0).len() / 1_000_000,
        started.elapsed()
    );
}

#[test]
fn dropping_the_follower_stops_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = log_in(&dir);
    let (tx, rx) = mpsc::channel();
    let follower = LogFollower::start(&path, tx).expect("start");
    append(&path, 0..2);
    let mut seen = Seen::new(rx);
    seen.wait_lines(2, BOUND);
    drop(follower); // joins the thread, which owned the sender
    append(&path, 2..4);
    loop {
        match seen.rx.recv_timeout(BOUND) {
            Ok(event) => seen.take(event),
            Err(RecvTimeoutError::Disconnected) => break,
            Err(RecvTimeoutError::Timeout) => panic!("follower still running"),
        }
    }
    assert_eq!(seen.lines, expected(0..2));
}

#[test]
fn a_tokio_channel_works_as_the_sink() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = log_in(&dir);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let _follower = LogFollower::start(&path, tx).expect("start");
    append(&path, 0..1);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime");
    let event = runtime
        .block_on(async { tokio::time::timeout(BOUND, rx.recv()).await })
        .expect("in time");
    match event {
        Some(LogEvent::Lines(lines)) => assert_eq!(lines[0].text, expected(0..1)[0]),
        other => panic!("unexpected {other:?}"),
    }
}
