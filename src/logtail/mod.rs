//! The engine side of the desktop Log window: the last lines of `mimo2codex.log` without reading the
//! whole file ([`read_last_lines`]), a live tail that survives rotation ([`LogFollower`]), and the
//! level/search filter ([`filter`]). No GUI dependency; see `doc/desktop.md` ("Log window backend").

mod follow;
mod parse;
mod tail;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use follow::{FollowOptions, LogFollower};
pub use parse::{Level, LogLine};
pub use tail::read_last_lines;

/// What a [`LogFollower`] reports, in file order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "data")]
pub enum LogEvent {
    /// Complete lines appended to the log (a batch per read, at most about 64 KiB of text).
    Lines(Vec<LogLine>),
    /// The file was rotated away (`mimo2codex.log` → `.1`) or truncated. Everything the old file held
    /// was delivered before this event; lines after it come from the new file, from its start.
    Rotated,
    /// Reading failed (permissions, a vanished directory, notifications unavailable…). The follower
    /// keeps trying; the same message is not repeated until something succeeds.
    Error(String),
}

#[derive(Debug, thiserror::Error)]
pub enum LogTailError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} is not a file path (no parent directory or file name)", .0.display())]
    InvalidPath(PathBuf),
    #[error("cannot start the log follower thread: {0}")]
    Thread(#[source] std::io::Error),
}

impl LogTailError {
    /// True when the log file does not exist (yet): show an empty window, not an error.
    pub fn is_not_found(&self) -> bool {
        matches!(self, LogTailError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound)
    }
}

/// Where a [`LogFollower`] sends its events. The documented choice is a `std::sync::mpsc::Sender`
/// (the follower is a plain thread); a bounded `SyncSender` applies back-pressure, and a
/// `tokio::sync::mpsc::UnboundedSender` suits an async consumer. The follower stops by itself once
/// the receiving side is gone.
pub trait LogSink: Send + 'static {
    /// Delivers one event; `false` means nobody is listening any more.
    fn send_event(&self, event: LogEvent) -> bool;
}

impl LogSink for std::sync::mpsc::Sender<LogEvent> {
    fn send_event(&self, event: LogEvent) -> bool {
        self.send(event).is_ok()
    }
}

impl LogSink for std::sync::mpsc::SyncSender<LogEvent> {
    fn send_event(&self, event: LogEvent) -> bool {
        self.send(event).is_ok()
    }
}

impl LogSink for tokio::sync::mpsc::UnboundedSender<LogEvent> {
    fn send_event(&self, event: LogEvent) -> bool {
        self.send(event).is_ok()
    }
}

/// The lines that pass the Log window's filters, in order: level at least `min_level`, and `query`
/// found case-insensitively (an empty query matches everything).
///
/// A line without a level (a continuation of a multi-line message, a panic) takes the level of the
/// nearest line above it that has one, so it shows and hides with its message; before any levelled
/// line it always passes the level filter.
pub fn filter<'a, I>(lines: I, min_level: Level, query: &str) -> Vec<&'a LogLine>
where
    I: IntoIterator<Item = &'a LogLine>,
{
    let query = query.to_lowercase();
    let mut current: Option<Level> = None;
    lines
        .into_iter()
        .filter(|line| {
            if line.level.is_some() {
                current = line.level;
            }
            let level_ok = current.is_none_or(|level| level >= min_level);
            level_ok && (query.is_empty() || contains_ignore_case(&line.text, &query))
        })
        .collect()
}

/// `needle` is already lower-case.
fn contains_ignore_case(haystack: &str, needle: &str) -> bool {
    if haystack.is_ascii() && needle.is_ascii() {
        let (h, n) = (haystack.as_bytes(), needle.as_bytes());
        return n.len() <= h.len() && h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n));
    }
    haystack.to_lowercase().contains(needle)
}

/// Splits complete lines (`bytes` ends with `\n`, or is the last fragment of a finished file).
/// A trailing `\r` is dropped; invalid UTF-8 becomes U+FFFD.
pub(crate) fn split_lines(bytes: &[u8]) -> Vec<LogLine> {
    if bytes.is_empty() {
        return Vec::new();
    }
    bytes
        .strip_suffix(b"\n")
        .unwrap_or(bytes)
        .split(|&b| b == b'\n')
        .map(|raw| {
            let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
            LogLine::parse(String::from_utf8_lossy(raw).into_owned())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(texts: &[&str]) -> Vec<LogLine> {
        texts.iter().map(|t| LogLine::parse(*t)).collect()
    }

    fn texts<'a>(lines: &[&'a LogLine]) -> Vec<&'a str> {
        lines.iter().map(|l| l.text.as_str()).collect()
    }

    const SAMPLE: &[&str] = &[
        "preamble without a level",
        "2026-11-22T01:05:22.206690Z DEBUG resolving api.deepseek.com",
        "2026-11-22T01:05:22.206691Z  INFO started http://127.0.0.1:8788/v1 — proxy: direct",
        "2026-11-22T01:05:23.000000Z  WARN upstream slow: 3 s — Überlastung",
        "2026-11-22T01:05:24.000000Z ERROR request failed: connection refused",
        "  caused by: os error 111",
        "2026-11-22T01:05:25.000000Z  INFO 完成 ÉTAT ok",
    ];

    #[test]
    fn level_filter_keeps_continuations_with_their_message() {
        let all = lines(SAMPLE);
        assert_eq!(filter(&all, Level::Trace, "").len(), all.len());
        assert_eq!(
            texts(&filter(&all, Level::Warn, "")),
            vec![SAMPLE[0], SAMPLE[3], SAMPLE[4], SAMPLE[5]]
        );
        assert_eq!(
            texts(&filter(&all, Level::Error, "")),
            vec![SAMPLE[0], SAMPLE[4], SAMPLE[5]]
        );
        let debug_only = lines(&[SAMPLE[1], "  continuation of debug"]);
        assert!(filter(&debug_only, Level::Info, "").is_empty());
    }

    #[test]
    fn search_is_case_insensitive_including_non_ascii() {
        let all = lines(SAMPLE);
        assert_eq!(
            texts(&filter(&all, Level::Trace, "CONNECTION")),
            vec![SAMPLE[4]]
        );
        assert_eq!(
            texts(&filter(&all, Level::Trace, "überlastung")),
            vec![SAMPLE[3]]
        );
        assert_eq!(texts(&filter(&all, Level::Trace, "état")), vec![SAMPLE[6]]);
        assert_eq!(texts(&filter(&all, Level::Trace, "完成")), vec![SAMPLE[6]]);
        assert_eq!(
            texts(&filter(&all, Level::Info, "info")),
            vec![SAMPLE[2], SAMPLE[6]]
        );
        assert!(filter(&all, Level::Trace, "absent").is_empty());
        assert_eq!(filter(&all, Level::Error, "os ERROR").len(), 1);
    }

    #[test]
    fn filter_accepts_any_iterator_of_lines() {
        let ring: std::collections::VecDeque<LogLine> = lines(SAMPLE).into();
        assert_eq!(filter(&ring, Level::Info, "").len(), 6);
    }

    #[test]
    fn split_lines_handles_crlf_and_the_final_newline() {
        let got = split_lines(b"a\r\nb\n\nc\n");
        let got: Vec<&str> = got.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(got, vec!["a", "b", "", "c"]);
        assert!(split_lines(b"").is_empty());
        assert_eq!(split_lines(b"\n").len(), 1);
        assert_eq!(split_lines(b"\n\n").len(), 2);
        assert_eq!(split_lines(b"no newline")[0].text, "no newline");
    }

    #[test]
    fn not_found_is_recognisable() {
        let dir = tempfile::tempdir().expect("tempdir");
        let err = read_last_lines(&dir.path().join("missing.log"), 10, 1024).expect_err("missing");
        assert!(err.is_not_found(), "{err}");
    }
}
