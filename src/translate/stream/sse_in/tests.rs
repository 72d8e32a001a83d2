//! [`SseReader`] against eventsource-stream (what the server used before) on the same input, split
//! into reads in every way that matters: at every byte, byte by byte, and in uneven pieces.

use eventsource_stream::{EventStreamError, Eventsource};
use futures_util::{FutureExt, StreamExt};

use super::*;

/// What the server saw: each event's data, then the error that ended the stream, if any.
#[derive(Debug, PartialEq)]
struct Seen {
    data: Vec<String>,
    error: Option<String>,
}

fn reference(reads: &[&[u8]]) -> Seen {
    let chunks: Vec<Result<Vec<u8>, std::convert::Infallible>> =
        reads.iter().map(|r| Ok(r.to_vec())).collect();
    let mut events = futures_util::stream::iter(chunks).eventsource();
    let mut seen = Seen {
        data: Vec::new(),
        error: None,
    };
    loop {
        match events
            .next()
            .now_or_never()
            .expect("an in-memory stream is ready")
        {
            Some(Ok(event)) => seen.data.push(event.data),
            Some(Err(EventStreamError::Utf8(err))) => {
                seen.error = Some(err.to_string());
                break;
            }
            Some(Err(err)) => panic!("unexpected reference error: {err}"),
            None => break,
        }
    }
    seen
}

fn ours(reads: &[&[u8]]) -> Seen {
    let mut reader = SseReader::new();
    let mut data = Vec::new();
    for r in reads {
        reader.feed(r);
        while let Some(d) = reader.next_event() {
            data.push(d.to_string());
        }
    }
    let error = reader.finish().err().map(|e| e.to_string());
    Seen { data, error }
}

fn check(input: &[u8]) {
    let whole = reference(&[input]);
    assert_eq!(
        ours(&[input]),
        whole,
        "one read: {:?}",
        String::from_utf8_lossy(input)
    );
    for at in 0..=input.len() {
        let reads = [&input[..at], &input[at..]];
        assert_eq!(
            ours(&reads),
            reference(&reads),
            "split at {at}: {:?}",
            String::from_utf8_lossy(input)
        );
    }
    let bytes: Vec<&[u8]> = input.chunks(1).collect();
    assert_eq!(
        ours(&bytes),
        reference(&bytes),
        "byte by byte: {:?}",
        String::from_utf8_lossy(input)
    );
    for step in [2, 3, 5, 7, 13] {
        let reads: Vec<&[u8]> = input.chunks(step).collect();
        assert_eq!(ours(&reads), reference(&reads), "reads of {step}");
    }
}

const CASES: &[&str] = &[
    "",
    "data: {\"a\":1}\n\n",
    "data: one\n\ndata: two\n\ndata: [DONE]\n\n",
    "data:no-space\n\ndata:  two spaces\n\n",
    "data: a\ndata: b\ndata:\ndata\n\n",
    "data\n\n",
    "data:\n\n",
    "data: crlf\r\n\r\ndata: next\r\n\r\n",
    "data: cr\r\rdata: next\r\r",
    "data: mixed\r\ndata: lines\r\n\n",
    "data: ends with cr\r",
    "data: ends with cr\r\r",
    ": comment\n\ndata: x\n: another\ndata: y\n\n",
    ":\n:\n\n",
    "event: delta\nid: 7\nretry: 100\ndata: with fields\n\n",
    "event: only\n\n",
    "id: 1\n\n\n\ndata: after blanks\n\n",
    " data: leading space is another field\n\ndata: x\n\n",
    "DATA: wrong case\ndata: ok\n\n",
    "data: colon: inside: value\n\n",
    "datax: other\ndata: d\n\n",
    "data: unfinished event\n",
    "data: unfinished line",
    "data: \u{feff}bom inside\n\n",
    "\n\u{feff}data: a bom after the first character is a name character\n\n",
    "d\u{feff}ata: x\n\n",
    "data: ü 你好 😀 multi-byte\n\ndata: ok\n\n",
    "data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\ndata: {\"choices\":[]}\n\ndata: [DONE]\n\n",
    "\n\n\ndata: x\n\n",
    "data: a\n\ndata: b\n",
    "data: nul \u{0} inside\n\n",
];

#[test]
fn reads_like_eventsource_stream() {
    for case in CASES {
        check(case.as_bytes());
    }
}

#[test]
fn bad_utf8_stops_the_reading_like_eventsource_stream() {
    let cases: &[&[u8]] = &[
        b"data: ok\n\ndata: bad \xff byte\n\ndata: never\n\n",
        b"data: truncated \xe4\xbd\n\n",
        b"data: truncated at end \xe4\xbd",
        b"\xffdata: x\n\n",
        b"data: a\n\n\xc3",
        b"data: lone continuation \x80\n\n",
        b"\xef\xbbdata: half a bom\n\n",
    ];
    for case in cases {
        check(case);
    }
}

#[test]
fn a_single_data_line_is_not_copied() {
    let mut reader = SseReader::new();
    reader.feed(b"data: one\n\ndata: two\n");
    let first = reader.next_event().map(|d| d.as_ptr());
    assert_eq!(first, Some(reader.text[6..].as_ptr()));
    assert!(reader.next_event().is_none());
    // The pending `data: two` survives the compaction of the next read.
    reader.feed(b"\n");
    assert_eq!(reader.next_event(), Some("two"));
    assert!(reader.next_event().is_none());
    assert!(reader.finish().is_ok());
}

/// eventsource-stream panics on a leading BOM (it slices one byte into the three-byte character);
/// the spec, and this reader, skip it.
#[test]
fn a_leading_bom_is_skipped() {
    let cases: &[(&[u8], &[&str])] = &[
        ("\u{feff}data: after bom\n\n".as_bytes(), &["after bom"]),
        ("\u{feff}\u{feff}data: x\n\n".as_bytes(), &[]),
        ("\u{feff}\u{feff}\n\ndata: x\n\n".as_bytes(), &["x"]),
        ("data: \u{feff}kept\n\n".as_bytes(), &["\u{feff}kept"]),
    ];
    for (input, want) in cases {
        let want: Vec<String> = want.iter().map(|s| s.to_string()).collect();
        for at in 0..=input.len() {
            let seen = ours(&[&input[..at], &input[at..]]);
            assert_eq!((&seen.data, &seen.error), (&want, &None), "split at {at}");
        }
        let bytes: Vec<&[u8]> = input.chunks(1).collect();
        assert_eq!(ours(&bytes).data, want);
    }
}

#[test]
fn line_ends_are_found_at_every_offset() {
    let naive = |b: &[u8]| b.iter().position(|&c| c == b'\n' || c == b'\r');
    for len in 0..40 {
        for at in 0..=len {
            for (eol, filler) in [(b'\n', b'a'), (b'\r', 0x8d), (b'\n', 0x0b), (b'\r', 0x0e)] {
                let mut v = vec![filler; len];
                if at < len {
                    v[at] = eol;
                }
                assert_eq!(find_line_end(&v), naive(&v), "{len} {at} {v:?}");
                if at + 1 < len {
                    v[at + 1] = b'\n';
                    assert_eq!(find_line_end(&v), naive(&v));
                }
            }
        }
    }
    let mixed: Vec<u8> = (0..=255u8).cycle().take(600).collect();
    for start in 0..300 {
        assert_eq!(find_line_end(&mixed[start..]), naive(&mixed[start..]));
    }
}
