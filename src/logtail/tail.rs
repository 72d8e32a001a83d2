//! The last lines of a log file, read backwards in blocks: opening a 10 MiB log costs at most
//! `max_bytes` of reading, never the whole file.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

use super::{split_lines, LogLine, LogTailError};

/// Bytes read per backwards step.
const BLOCK: u64 = 64 * 1024;

/// What [`read_tail`] found: the lines and where the last complete line ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Tail {
    pub lines: Vec<LogLine>,
    /// Offset just after the last `\n` inside the window (a partial last line starts here); the
    /// file's length when the window holds no `\n` and does not start at 0; 0 for an empty file.
    pub end: u64,
}

/// The last `n` complete lines of the file at `path`, reading at most `max_bytes` from its end.
///
/// A last line without its `\n` is still being written and is left out. When the last `max_bytes`
/// hold fewer than `n` lines, the lines complete inside that window are returned (the fragment cut at
/// the window's start is dropped). Invalid UTF-8 becomes U+FFFD; `\r\n` endings are accepted.
pub fn read_last_lines(
    path: &Path,
    n: usize,
    max_bytes: u64,
) -> Result<Vec<LogLine>, LogTailError> {
    let io_err = |source| LogTailError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = File::open(path).map_err(io_err)?;
    let len = file.metadata().map_err(io_err)?.len();
    read_tail(&mut file, len, n, max_bytes)
        .map(|tail| tail.lines)
        .map_err(io_err)
}

/// [`read_last_lines`] on any seekable reader of `len` bytes; reads only `[len - max_bytes, len)`.
pub(crate) fn read_tail<R: Read + Seek>(
    reader: &mut R,
    len: u64,
    n: usize,
    max_bytes: u64,
) -> io::Result<Tail> {
    let floor = len.saturating_sub(max_bytes);
    // Blocks from the end backwards; `n + 1` newlines pin the start of the n-th last line.
    let mut blocks: Vec<Vec<u8>> = Vec::new();
    let mut newlines = 0usize;
    let mut pos = len;
    while pos > floor && newlines <= n {
        let size = BLOCK.min(pos - floor);
        pos -= size;
        reader.seek(SeekFrom::Start(pos))?;
        let mut block = vec![0u8; usize::try_from(size).map_err(io::Error::other)?];
        reader.read_exact(&mut block)?;
        newlines += block.iter().filter(|&&b| b == b'\n').count();
        blocks.push(block);
    }
    let window_start = pos;
    let data: Vec<u8> = blocks.into_iter().rev().flatten().collect();

    let Some(last_nl) = data.iter().rposition(|&b| b == b'\n') else {
        let end = if window_start == 0 { 0 } else { len };
        return Ok(Tail {
            lines: Vec::new(),
            end,
        });
    };
    let end = window_start + last_nl as u64 + 1;
    // Unless the window starts the file, its first bytes may be the middle of a line.
    let first = if window_start == 0 {
        0
    } else {
        data.iter().position(|&b| b == b'\n').map_or(0, |i| i + 1)
    };
    let complete = if first <= last_nl {
        &data[first..=last_nl]
    } else {
        &[][..]
    };
    let mut lines = split_lines(complete);
    let skip = lines.len().saturating_sub(n);
    lines.drain(..skip);
    Ok(Tail { lines, end })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    /// Counts the bytes actually read and the lowest offset a read started at.
    struct Counting {
        inner: Cursor<Vec<u8>>,
        read: u64,
        lowest: u64,
    }

    impl Read for Counting {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.lowest = self.lowest.min(self.inner.position());
            let n = self.inner.read(buf)?;
            self.read += n as u64;
            Ok(n)
        }
    }

    impl Seek for Counting {
        fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
            self.inner.seek(pos)
        }
    }

    fn counting(data: Vec<u8>) -> (Counting, u64) {
        let len = data.len() as u64;
        (
            Counting {
                inner: Cursor::new(data),
                read: 0,
                lowest: u64::MAX,
            },
            len,
        )
    }

    fn texts(tail: &Tail) -> Vec<&str> {
        tail.lines.iter().map(|l| l.text.as_str()).collect()
    }

    fn log_line(i: usize) -> String {
        format!("2026-11-22T01:05:22.{i:06}Z  INFO line {i} — ✓\n")
    }

    #[test]
    fn reads_only_the_tail_of_a_large_input() {
        let mut data = Vec::new();
        for i in 0..100_000 {
            data.extend_from_slice(log_line(i).as_bytes());
        }
        let total = data.len() as u64;
        let (mut r, len) = counting(data);
        let tail = read_tail(&mut r, len, 3, 1 << 20).expect("tail");
        assert_eq!(tail.lines.len(), 3);
        assert_eq!(tail.lines[2].message(), "line 99999 — ✓");
        assert_eq!(tail.lines[0].message(), "line 99997 — ✓");
        assert_eq!(tail.end, total);
        // Three short lines need one block, not the whole 5 MB.
        assert!(r.read <= BLOCK, "read {} bytes", r.read);
    }

    #[test]
    fn max_bytes_bounds_the_reading() {
        let mut data = vec![b'x'; 3 * BLOCK as usize];
        data.push(b'\n');
        for i in 0..10 {
            data.extend_from_slice(log_line(i).as_bytes());
        }
        let (mut r, len) = counting(data);
        let max = 200;
        let tail = read_tail(&mut r, len, 1000, max).expect("tail");
        assert!(r.read <= max, "read {}", r.read);
        assert!(r.lowest >= len - max, "read before the window");
        // Only lines complete inside the window, the cut fragment dropped.
        let last = tail.lines.last().expect("lines");
        assert_eq!(last.message(), "line 9 — ✓");
        assert!(tail.lines.len() < 10 && !tail.lines.is_empty());
        assert!(tail.lines.iter().all(|l| l.level.is_some()));
    }

    #[test]
    fn spans_several_blocks_when_lines_need_it() {
        let long = "é".repeat(50_000); // 100 KB, crosses a block boundary
        let data = format!("first\n{long}\nlast\n").into_bytes();
        let (mut r, len) = counting(data);
        let tail = read_tail(&mut r, len, 2, u64::MAX).expect("tail");
        assert_eq!(texts(&tail), vec![long.as_str(), "last"]);
        let tail = read_tail(&mut r, len, 10, u64::MAX).expect("tail");
        assert_eq!(texts(&tail), vec!["first", long.as_str(), "last"]);
    }

    #[test]
    fn a_partial_last_line_is_left_out_and_marks_the_end() {
        let data = b"one\ntwo\r\nthree (no newl".to_vec();
        let (mut r, len) = counting(data);
        let tail = read_tail(&mut r, len, 5, 1024).expect("tail");
        assert_eq!(texts(&tail), vec!["one", "two"]);
        assert_eq!(tail.end, 9);
        let tail = read_tail(&mut r, len, 0, 1024).expect("tail");
        assert!(tail.lines.is_empty());
        assert_eq!(tail.end, 9);
    }

    #[test]
    fn empty_and_newline_free_inputs() {
        let (mut r, len) = counting(Vec::new());
        assert_eq!(
            read_tail(&mut r, len, 5, 1024).expect("tail"),
            Tail {
                lines: vec![],
                end: 0
            }
        );
        let (mut r, len) = counting(b"partial".to_vec());
        assert_eq!(read_tail(&mut r, len, 5, 1024).expect("tail").end, 0);
        let (mut r, len) = counting(vec![b'y'; 5000]);
        assert_eq!(read_tail(&mut r, len, 5, 100).expect("tail").end, 5000);
    }

    #[test]
    fn invalid_utf8_is_replaced_not_fatal() {
        let data = b"ok\n\xff\xfe broken\n".to_vec();
        let (mut r, len) = counting(data);
        let tail = read_tail(&mut r, len, 5, 1024).expect("tail");
        assert_eq!(tail.lines[1].text, "\u{FFFD}\u{FFFD} broken");
    }
}
