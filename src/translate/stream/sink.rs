//! Where the machine's events go: a list of `Value`s (tests, callers that inspect events) or SSE
//! frames written straight into a byte buffer (the server's hot path).
//!
//! In SSE mode the per-token delta events are not built as `Value`s: each item pre-renders its frame
//! around the delta once ([`DeltaFrame`]), and a delta is a copy, the escaped text, and a copy. The
//! bytes are the ones `write_sse_frame` produces for the equivalent `Value` (same key order, since
//! `serde_json` maps are sorted, and the same string escaping); the tests check that.

use serde::Serialize;
use serde_json::Value;

use crate::translate::events::{self as ev, write_frame, write_sse_frame};

/// SSE frames ready to write to Codex, and how many events they hold.
#[derive(Debug, Default)]
pub struct SseOut {
    bytes: Vec<u8>,
    events: usize,
}

impl SseOut {
    pub fn with_capacity(bytes: usize) -> Self {
        SseOut {
            bytes: Vec::with_capacity(bytes),
            events: 0,
        }
    }

    /// Number of events written so far.
    pub fn events(&self) -> usize {
        self.events
    }

    pub fn is_empty(&self) -> bool {
        self.events == 0
    }

    /// Appends one already built event.
    pub fn push(&mut self, event: &Value) {
        write_sse_frame(&mut self.bytes, event);
        self.events += 1;
    }

    /// Appends an event of type `kind` serialised from a borrowed view of it.
    fn push_borrowed(&mut self, kind: &str, body: &impl Serialize) {
        write_frame(&mut self.bytes, kind, body);
        self.events += 1;
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }
}

/// The machine's output.
pub(crate) enum Sink<'a> {
    Values(&'a mut Vec<Value>),
    Sse(&'a mut SseOut),
}

impl Sink<'_> {
    pub fn push(&mut self, event: Value) {
        match self {
            Sink::Values(v) => v.push(event),
            Sink::Sse(o) => o.push(&event),
        }
    }

    pub fn delta(&mut self, frame: &DeltaFrame, delta: &str) {
        match self {
            Sink::Values(v) => v.push(frame.value(delta)),
            Sink::Sse(o) => {
                frame.write(&mut o.bytes, delta);
                o.events += 1;
            }
        }
    }

    /// `{"type": kind, "response": response}` without cloning the response in SSE mode.
    pub fn lifecycle(&mut self, kind: &str, response: &Value) {
        match self {
            Sink::Values(v) => v.push(ev::lifecycle(kind, response.clone())),
            Sink::Sse(o) => o.push_borrowed(kind, &LifecycleEvent { response, kind }),
        }
    }

    /// `response.output_item.done` without cloning the item in SSE mode.
    pub fn item_done(&mut self, output_index: usize, item: &Value) {
        match self {
            Sink::Values(v) => v.push(ev::item_done(output_index, item.clone())),
            Sink::Sse(o) => {
                let kind = "response.output_item.done";
                o.push_borrowed(
                    kind,
                    &ItemDoneEvent {
                        item,
                        output_index,
                        kind,
                    },
                );
            }
        }
    }
}

// Borrowed twins of the `events.rs` builders; fields in the order a `Value` map sorts its keys.

#[derive(Serialize)]
struct LifecycleEvent<'a> {
    response: &'a Value,
    #[serde(rename = "type")]
    kind: &'a str,
}

#[derive(Serialize)]
struct ItemDoneEvent<'a> {
    item: &'a Value,
    output_index: usize,
    #[serde(rename = "type")]
    kind: &'a str,
}

/// Compact JSON, escaped exactly as `serde_json` escapes it inside a `Value`.
fn json<T: serde::Serialize + ?Sized>(b: &mut Vec<u8>, v: &T) {
    // Writing into a Vec cannot fail, and a str / Value always serialises.
    let _ = serde_json::to_writer(&mut *b, v);
}

/// The three streamed delta events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DeltaKind {
    /// `response.output_text.delta`
    OutputText,
    /// `response.reasoning_summary_text.delta`
    SummaryText,
    /// `response.function_call_arguments.delta`
    Arguments,
}

impl DeltaKind {
    fn event_type(self) -> &'static str {
        match self {
            DeltaKind::OutputText => "response.output_text.delta",
            DeltaKind::SummaryText => "response.reasoning_summary_text.delta",
            DeltaKind::Arguments => "response.function_call_arguments.delta",
        }
    }

    /// The frame up to the delta string (keys sorted, as a `Value` map serialises them).
    fn head(self) -> &'static [u8] {
        match self {
            DeltaKind::OutputText => {
                b"event: response.output_text.delta\ndata: {\"content_index\":0,\"delta\":"
            }
            DeltaKind::SummaryText => {
                b"event: response.reasoning_summary_text.delta\ndata: {\"delta\":"
            }
            DeltaKind::Arguments => {
                b"event: response.function_call_arguments.delta\ndata: {\"delta\":"
            }
        }
    }
}

/// An item's id and output index, with its delta frame pre-rendered around the delta text.
#[derive(Debug)]
pub(crate) struct DeltaFrame {
    kind: DeltaKind,
    pub id: String,
    pub output_index: usize,
    /// Everything after the delta string: the item fields, `type`, and the frame end.
    tail: Vec<u8>,
}

impl DeltaFrame {
    pub fn new(kind: DeltaKind, id: String, output_index: usize) -> Self {
        let mut tail = Vec::with_capacity(id.len() + 96);
        tail.extend_from_slice(b",\"item_id\":");
        json(&mut tail, &id);
        tail.extend_from_slice(format!(",\"output_index\":{output_index}").as_bytes());
        if kind == DeltaKind::SummaryText {
            tail.extend_from_slice(b",\"summary_index\":0");
        }
        tail.extend_from_slice(b",\"type\":");
        json(&mut tail, kind.event_type());
        tail.extend_from_slice(b"}\n\n");
        DeltaFrame {
            kind,
            id,
            output_index,
            tail,
        }
    }

    /// The delta event as a `Value` (the builders in `events.rs`).
    pub fn value(&self, delta: &str) -> Value {
        let (id, oi) = (self.id.as_str(), self.output_index);
        match self.kind {
            DeltaKind::OutputText => ev::output_text_delta(id, oi, delta),
            DeltaKind::SummaryText => ev::summary_text_delta(id, oi, delta),
            DeltaKind::Arguments => ev::args_delta(id, oi, delta),
        }
    }

    fn write(&self, b: &mut Vec<u8>, delta: &str) {
        b.extend_from_slice(self.kind.head());
        json(b, delta);
        b.extend_from_slice(&self.tail);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn both(f: impl Fn(&mut Sink<'_>)) -> (Vec<u8>, Vec<u8>) {
        let (mut values, mut sse) = (Vec::new(), SseOut::default());
        f(&mut Sink::Values(&mut values));
        f(&mut Sink::Sse(&mut sse));
        let mut slow = SseOut::default();
        values.iter().for_each(|v| slow.push(v));
        assert_eq!(sse.events(), slow.events());
        (sse.into_bytes(), slow.into_bytes())
    }

    #[test]
    fn fast_frames_are_the_value_frames() {
        let texts = [
            "",
            "plain",
            "quote \" backslash \\ newline \n tab \t cr \r",
            "ctrl \u{1} \u{1f} del \u{7f}",
            "unicode ü 你好 😀 \u{2028}",
            "</script>&<>",
        ];
        for kind in [
            DeltaKind::OutputText,
            DeltaKind::SummaryText,
            DeltaKind::Arguments,
        ] {
            for (oi, id) in [(0, "msg_abc_0"), (12, "rs_\"odd\\id\"_12")] {
                let frame = DeltaFrame::new(kind, id.to_string(), oi);
                let (fast, slow) = both(|s| texts.iter().for_each(|t| s.delta(&frame, t)));
                assert_eq!(
                    String::from_utf8_lossy(&fast),
                    String::from_utf8_lossy(&slow)
                );
            }
        }
        let response =
            serde_json::json!({"id": "resp_1", "output": [{"text": "a\"b"}], "usage": null});
        let (fast, slow) = both(|s| {
            s.lifecycle("response.completed", &response);
            s.item_done(3, &response);
        });
        assert_eq!(
            String::from_utf8_lossy(&fast),
            String::from_utf8_lossy(&slow)
        );
    }
}
