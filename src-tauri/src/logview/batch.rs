//! The Log view's batching (pure: no window, no file): follower events in, few window events out.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use mimo2codex::logtail::{LogEvent, LogLine};

use super::RESET_REASON;
use crate::ipc::{LogLineView, UiEvent};

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
pub(crate) mod tests {
    use super::*;
    use crate::logview::{BATCH_INTERVAL, MAX_BATCH};
    use std::sync::mpsc;

    pub(crate) fn lines(texts: &[&str]) -> LogEvent {
        LogEvent::Lines(texts.iter().map(|t| LogLine::parse(*t)).collect())
    }

    fn numbered(from: usize, count: usize) -> LogEvent {
        LogEvent::Lines(
            (from..from + count)
                .map(|i| LogLine::parse(format!("2026-11-22T01:05:22.000000Z  INFO line {i}")))
                .collect(),
        )
    }

    pub(crate) fn texts(event: &UiEvent) -> Vec<&str> {
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

    pub(crate) const MS: Duration = Duration::from_millis(1);

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
}
