//! Incremental reader of the upstream `text/event-stream`: the `data` of each event, exactly as
//! eventsource-stream 0.2 reads it (the tests compare the two on every way of splitting the input),
//! without its costs: it copied the rest of its buffer after every line and allocated several
//! strings per event. Here the input is kept once, lines are found in place, and a single-line
//! `data` (the usual case) is handed out as a slice of it.
//!
//! What is read (the WHATWG grammar, as eventsource-stream implements it): lines end in CRLF, CR or
//! LF (a CR at the end of the input waits for the next byte); a line starting with `:` is a comment;
//! `data` lines (one optional space after the colon, a bare `data` counts as an empty value) are
//! joined with LF; an empty line ends the event, which is handed out if it had a `data` line; other
//! fields are ignored; a leading BOM is skipped; an unfinished event at the end is dropped. Bytes
//! that are not UTF-8 stop the reading there: nothing after them is parsed, and [`SseReader::finish`]
//! reports them.

use std::string::FromUtf8Error;

#[derive(Debug, Default)]
pub struct SseReader {
    /// Decoded input; `pos` is the start of the first line not read yet.
    text: String,
    pos: usize,
    /// Bytes after `text` that are not (yet) valid UTF-8.
    undecoded: Vec<u8>,
    /// Whether the first character (a possible BOM) has been seen.
    started: bool,
    data: Data,
    /// The data of an event that has more than one `data` line, or one read before a compaction.
    joined: String,
}

#[derive(Clone, Copy, Debug, Default)]
enum Data {
    /// No `data` line in the current event yet.
    #[default]
    None,
    /// One `data` line: its value is `text[start..end]`.
    One(usize, usize),
    /// The value is in `joined`.
    Joined,
}

enum Found {
    Range(usize, usize),
    Joined,
}

impl SseReader {
    pub fn new() -> Self {
        SseReader::default()
    }

    /// Appends bytes read from the upstream.
    pub fn feed(&mut self, bytes: &[u8]) {
        self.compact();
        if self.undecoded.is_empty() {
            match std::str::from_utf8(bytes) {
                Ok(s) => self.text.push_str(s),
                Err(e) => {
                    let (valid, rest) = bytes.split_at(e.valid_up_to());
                    self.text
                        .push_str(std::str::from_utf8(valid).unwrap_or_default());
                    self.undecoded.extend_from_slice(rest);
                }
            }
        } else {
            // A character split across reads, or bytes that will never decode.
            self.undecoded.extend_from_slice(bytes);
            let n = match std::str::from_utf8(&self.undecoded) {
                Ok(s) => s.len(),
                Err(e) => e.valid_up_to(),
            };
            if n > 0 {
                let valid = std::str::from_utf8(&self.undecoded[..n]).unwrap_or_default();
                self.text.push_str(valid);
                self.undecoded.drain(..n);
            }
        }
        if !self.started && !self.text.is_empty() {
            self.started = true;
            if self.text.starts_with('\u{feff}') {
                self.pos = '\u{feff}'.len_utf8();
            }
        }
    }

    /// The data of the next complete event, or `None` until more bytes arrive.
    pub fn next_event(&mut self) -> Option<&str> {
        match self.next_found()? {
            Found::Range(start, end) => self.text.get(start..end),
            Found::Joined => Some(&self.joined),
        }
    }

    /// At the end of the input: the error for trailing bytes that are not UTF-8, if any.
    pub fn finish(&mut self) -> Result<(), FromUtf8Error> {
        if self.undecoded.is_empty() {
            return Ok(());
        }
        String::from_utf8(std::mem::take(&mut self.undecoded)).map(drop)
    }

    /// Drops the lines already read (keeping a pending `data` value).
    fn compact(&mut self) {
        if self.pos == 0 {
            return;
        }
        if let Data::One(start, end) = self.data {
            self.joined.clear();
            self.joined
                .push_str(self.text.get(start..end).unwrap_or_default());
            self.data = Data::Joined;
        }
        // `pos` is always just after an ASCII line end or the BOM, so on a char boundary.
        if self.text.is_char_boundary(self.pos) {
            self.text.drain(..self.pos);
        } else {
            self.text.clear();
        }
        self.pos = 0;
    }

    fn next_found(&mut self) -> Option<Found> {
        loop {
            let rest = self.text.as_bytes().get(self.pos..)?;
            let i = find_line_end(rest)?;
            let eol = match (rest[i], rest.get(i + 1)) {
                // Could be the first half of a CRLF.
                (b'\r', None) => return None,
                (b'\r', Some(b'\n')) => 2,
                _ => 1,
            };
            let (start, end) = (self.pos, self.pos + i);
            self.pos = end + eol;
            if start == end {
                match std::mem::take(&mut self.data) {
                    Data::None => continue,
                    Data::One(s, e) => return Some(Found::Range(s, e)),
                    Data::Joined => return Some(Found::Joined),
                }
            }
            self.field(start, end);
        }
    }

    /// One non-empty line `text[start..end]`.
    fn field(&mut self, start: usize, end: usize) {
        let line = &self.text.as_bytes()[start..end];
        let value_start = match line.iter().position(|&b| b == b':') {
            Some(0) => return, // a comment
            Some(c) if &line[..c] == b"data" => {
                start + c + 1 + usize::from(line.get(c + 1) == Some(&b' '))
            }
            Some(_) => return,
            None if line == b"data" => end,
            None => return,
        };
        self.data = match self.data {
            Data::None => Data::One(value_start, end),
            Data::One(s, e) => {
                self.joined.clear();
                self.joined
                    .push_str(self.text.get(s..e).unwrap_or_default());
                self.push_joined(value_start, end);
                Data::Joined
            }
            Data::Joined => {
                self.push_joined(value_start, end);
                Data::Joined
            }
        };
    }

    fn push_joined(&mut self, start: usize, end: usize) {
        self.joined.push('\n');
        self.joined
            .push_str(self.text.get(start..end).unwrap_or_default());
    }
}

/// Index of the first CR or LF, eight bytes at a time.
fn find_line_end(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    let has_zero_byte = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    let mut words = bytes.chunks_exact(8);
    let mut offset = 0;
    for word in words.by_ref() {
        let mut w = [0; 8];
        w.copy_from_slice(word);
        let v = u64::from_le_bytes(w);
        let hits = has_zero_byte(v ^ (ONES * u64::from(b'\n')))
            | has_zero_byte(v ^ (ONES * u64::from(b'\r')));
        if hits != 0 {
            // The lowest flagged byte is a real match (false positives only occur above one).
            return Some(offset + hits.trailing_zeros() as usize / 8);
        }
        offset += 8;
    }
    let tail = words
        .remainder()
        .iter()
        .position(|&b| b == b'\n' || b == b'\r');
    tail.map(|i| offset + i)
}

#[cfg(test)]
mod tests;
