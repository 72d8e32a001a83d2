//! Parsing one line of the engine's log file (tracing-subscriber `fmt`, no ANSI, no target):
//! `2026-11-22T01:05:22.206690Z  INFO started http://127.0.0.1:8788/v1 — proxy: …`.
//! The parser is pure and never fails: what it cannot recognise stays `None`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A tracing level, ordered by severity: `Trace < Debug < Info < Warn < Error`
/// (the opposite of `tracing::Level`'s ordering, which sorts by verbosity).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Level {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
}

impl Level {
    /// All levels, least severe first (handy for a level picker).
    pub const ALL: [Level; 5] = [
        Level::Trace,
        Level::Debug,
        Level::Info,
        Level::Warn,
        Level::Error,
    ];

    /// The spelling tracing writes: `TRACE`, `DEBUG`, `INFO`, `WARN`, `ERROR`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Trace => "TRACE",
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Warn => "WARN",
            Level::Error => "ERROR",
        }
    }

    /// Exactly the upper-case spelling tracing writes (a log line says `INFO`, never `info`).
    fn from_log_token(token: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.as_str() == token)
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Case-insensitive, for settings and UI input (`"warn"`, `"WARN"`); `"warning"` is accepted too.
impl FromStr for Level {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let upper = s.trim().to_ascii_uppercase();
        if upper == "WARNING" {
            return Ok(Level::Warn);
        }
        Level::from_log_token(&upper).ok_or_else(|| format!("unknown log level {s:?}"))
    }
}

/// One line of the log, without its line terminator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogLine {
    /// The whole line as written (invalid UTF-8 is replaced by U+FFFD).
    pub text: String,
    /// `None` for lines tracing did not start: continuation lines of a multi-line message, panics,
    /// anything else written to the file.
    pub level: Option<Level>,
    /// The RFC 3339 timestamp token exactly as written (`2026-11-22T01:05:22.206690Z`).
    pub timestamp: Option<String>,
}

impl LogLine {
    /// Parses `text` (one line, terminator already removed).
    pub fn parse(text: impl Into<String>) -> LogLine {
        let text = text.into();
        let head = parse_head(&text);
        LogLine {
            level: head.level,
            timestamp: head.timestamp.map(str::to_string),
            text,
        }
    }

    /// The text after the timestamp and level (the whole line when neither was recognised).
    pub fn message(&self) -> &str {
        let head = parse_head(&self.text);
        &self.text[head.message_start..]
    }
}

struct Head<'a> {
    timestamp: Option<&'a str>,
    level: Option<Level>,
    message_start: usize,
}

/// Splits `<timestamp> <padded level> <message>`; either part may be missing (`without_time()`
/// output starts with the level).
fn parse_head(text: &str) -> Head<'_> {
    let none = Head {
        timestamp: None,
        level: None,
        message_start: 0,
    };
    let (first, first_end) = next_token(text, 0);
    let (timestamp, level_from) = if looks_like_timestamp(first) {
        (Some(first), first_end)
    } else {
        (None, 0)
    };
    let (token, token_end) = next_token(text, level_from);
    match Level::from_log_token(token) {
        Some(level) => Head {
            timestamp,
            level: Some(level),
            message_start: skip_one_space(text, token_end),
        },
        None => match timestamp {
            Some(ts) => Head {
                timestamp: Some(ts),
                level: None,
                message_start: skip_one_space(text, first_end),
            },
            None => none,
        },
    }
}

/// The token starting at the first non-space byte at or after `from`, and the index after it.
fn next_token(text: &str, from: usize) -> (&str, usize) {
    let rest = &text[from..];
    let start = from + (rest.len() - rest.trim_start_matches(' ').len());
    let end = text[start..]
        .find(' ')
        .map_or(text.len(), |offset| start + offset);
    (&text[start..end], end)
}

fn skip_one_space(text: &str, at: usize) -> usize {
    if text[at..].starts_with(' ') {
        at + 1
    } else {
        at
    }
}

/// `YYYY-MM-DDTHH:MM:SS…`: enough to tell a tracing timestamp from message text.
fn looks_like_timestamp(token: &str) -> bool {
    let b = token.as_bytes();
    let digits = |range: std::ops::Range<usize>| b[range].iter().all(u8::is_ascii_digit);
    b.len() >= 19
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && (b[10] == b'T' || b[10] == b't')
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_real_info_line_with_multibyte_text() {
        let text =
            "2026-11-22T01:05:22.206690Z  INFO started http://127.0.0.1:8788/v1 — proxy: 直连 🚀";
        let line = LogLine::parse(text);
        assert_eq!(line.level, Some(Level::Info));
        assert_eq!(
            line.timestamp.as_deref(),
            Some("2026-11-22T01:05:22.206690Z")
        );
        assert_eq!(line.text, text);
        assert_eq!(
            line.message(),
            "started http://127.0.0.1:8788/v1 — proxy: 直连 🚀"
        );
    }

    #[test]
    fn parses_every_level_with_tracing_padding() {
        let cases = [
            ("2026-11-22T01:05:22.206690Z TRACE a", Level::Trace),
            ("2026-11-22T01:05:22.206690Z DEBUG b", Level::Debug),
            ("2026-11-22T01:05:22.206690Z  INFO c", Level::Info),
            ("2026-11-22T01:05:22.206690Z  WARN d", Level::Warn),
            ("2026-11-22T01:05:22.206690Z ERROR e", Level::Error),
        ];
        for (text, level) in cases {
            let line = LogLine::parse(text);
            assert_eq!(line.level, Some(level), "{text}");
            assert_eq!(line.message().len(), 1, "{text}");
        }
    }

    #[test]
    fn spans_stay_in_the_message() {
        let line = LogLine::parse(
            "2026-11-22T01:05:23.000001Z  WARN request{id=7 model=\"mimo-v2\"}: upstream 502 — 重试",
        );
        assert_eq!(line.level, Some(Level::Warn));
        assert_eq!(
            line.message(),
            "request{id=7 model=\"mimo-v2\"}: upstream 502 — 重试"
        );
    }

    #[test]
    fn lines_without_a_level() {
        for text in [
            "",
            "   at src/server.rs:42",
            "thread 'main' panicked at src/engine.rs:10:5:",
            "日本語のメッセージ INFO not a level here",
            "INFOrmation",
            "2026-11-22 not a timestamp",
        ] {
            let line = LogLine::parse(text);
            assert_eq!(line.level, None, "{text:?}");
            assert_eq!(line.timestamp, None, "{text:?}");
            assert_eq!(line.message(), text);
        }
    }

    #[test]
    fn timestamp_without_a_level_and_level_without_a_timestamp() {
        let line = LogLine::parse("2026-11-22T01:05:22.206690Z something else");
        assert_eq!(line.level, None);
        assert_eq!(
            line.timestamp.as_deref(),
            Some("2026-11-22T01:05:22.206690Z")
        );
        assert_eq!(line.message(), "something else");

        let line = LogLine::parse(" INFO without_time() output");
        assert_eq!(line.level, Some(Level::Info));
        assert_eq!(line.timestamp, None);
        assert_eq!(line.message(), "without_time() output");
    }

    #[test]
    fn a_level_token_must_be_exact_and_upper_case() {
        assert_eq!(
            LogLine::parse("2026-11-22T01:05:22.206690Z  info lower").level,
            None
        );
        assert_eq!(
            LogLine::parse("2026-11-22T01:05:22.206690Z  INFOX x").level,
            None
        );
        assert_eq!(
            LogLine::parse("2026-11-22T01:05:22.206690Z ERROR").level,
            Some(Level::Error)
        );
        assert_eq!(
            LogLine::parse("2026-11-22T01:05:22.206690Z ERROR").message(),
            ""
        );
    }

    #[test]
    fn levels_order_by_severity_and_parse_from_settings() {
        assert!(Level::Trace < Level::Debug && Level::Warn < Level::Error);
        assert_eq!("warn".parse::<Level>(), Ok(Level::Warn));
        assert_eq!(" Warning ".parse::<Level>(), Ok(Level::Warn));
        assert_eq!("ERROR".parse::<Level>(), Ok(Level::Error));
        assert!("loud".parse::<Level>().is_err());
        assert_eq!(
            serde_json::to_string(&Level::Info).expect("json"),
            "\"INFO\""
        );
    }
}
