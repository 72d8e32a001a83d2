//! The fast path (`push_data`: typed chunk parsing, SSE frames written directly) against the `Value`
//! path (`push_chunk` + `write_sse_frame`): same events, same bytes, for every recorded fixture and
//! for hand-written chunks of unusual shapes.

use serde_json::Value;

use super::*;
use crate::translate::stream::chunk::Chunk;

const FIXTURES: [(&str, &str); 8] = [
    ("deepseek-cut-stream", chat!("deepseek-cut-stream.sse")),
    (
        "deepseek-reasoning-tool-call",
        chat!("deepseek-reasoning-tool-call.sse"),
    ),
    (
        "glm-custom-apply-patch",
        chat!("glm-custom-apply-patch.sse"),
    ),
    (
        "kimi-parallel-tool-calls",
        chat!("kimi-parallel-tool-calls.sse"),
    ),
    ("mimo-text", chat!("mimo-text.sse")),
    (
        "minimax-think-tags-tool-call",
        chat!("minimax-think-tags-tool-call.sse"),
    ),
    ("qwen-length", chat!("qwen-length.sse")),
    ("vllm-error-chunk", chat!("vllm-error-chunk.sse")),
];

/// The events of an SSE byte stream, checking each frame's `event:` line against its `type`.
fn parse_frames(bytes: &[u8]) -> Vec<Value> {
    let text = std::str::from_utf8(bytes).expect("frames are UTF-8");
    let frames = text.strip_suffix("\n\n").unwrap_or(text);
    if frames.is_empty() {
        return Vec::new();
    }
    frames
        .split("\n\n")
        .map(|frame| {
            let (event, data) = frame.split_once('\n').expect("two lines");
            let event = event.strip_prefix("event: ").expect("event line");
            let data = data.strip_prefix("data: ").expect("data line");
            assert!(!data.contains('\n'), "one data line");
            let v: Value = serde_json::from_str(data).expect("data is JSON");
            assert_eq!(v["type"].as_str(), Some(event));
            v
        })
        .collect()
}

struct Outcome {
    events: Vec<Value>,
    bytes: Vec<u8>,
    /// Per chunk: whether it was JSON at all.
    parsed: Vec<bool>,
    usage: Option<Usage>,
    finish_reason: Option<String>,
    final_response: Option<Value>,
}

/// The `Value` path, as the server ran before the fast path existed.
fn slow(data: &[&str], end: &StreamEnd, think_tags: bool) -> Outcome {
    let mut m = machine(think_tags);
    let mut events = m.start();
    let mut parsed = Vec::new();
    for d in data {
        let chunk = serde_json::from_str::<Value>(d);
        parsed.push(chunk.is_ok());
        if let Ok(chunk) = chunk {
            events.extend(m.push_chunk(&chunk));
        }
    }
    events.extend(m.finish(end.clone()));
    let mut out = SseOut::default();
    events.iter().for_each(|e| out.push(e));
    Outcome {
        events,
        bytes: out.into_bytes(),
        parsed,
        usage: m.usage(),
        finish_reason: m.finish_reason().map(str::to_string),
        final_response: m.final_response().cloned(),
    }
}

fn fast(data: &[&str], end: &StreamEnd, think_tags: bool) -> Outcome {
    let mut m = machine(think_tags);
    let mut out = SseOut::default();
    m.start_into(&mut out);
    let parsed = data.iter().map(|d| m.push_data(d, &mut out).is_ok());
    let parsed = parsed.collect();
    m.finish_into(end.clone(), &mut out);
    let bytes = out.into_bytes();
    Outcome {
        events: parse_frames(&bytes),
        bytes,
        parsed,
        usage: m.usage(),
        finish_reason: m.finish_reason().map(str::to_string),
        final_response: m.final_response().cloned(),
    }
}

/// Typed parsing but `Value` events: isolates the parsing half of the fast path.
fn typed_values(data: &[&str], end: &StreamEnd, think_tags: bool) -> Vec<Value> {
    let mut m = machine(think_tags);
    let mut events = m.start();
    for d in data {
        let _ = m.push_data_to(d, &mut Sink::Values(&mut events));
    }
    events.extend(m.finish(end.clone()));
    events
}

fn assert_same(name: &str, data: &[&str], end: StreamEnd, think_tags: bool) {
    let (s, f) = (slow(data, &end, think_tags), fast(data, &end, think_tags));
    assert_eq!(f.parsed, s.parsed, "{name}: which chunks are JSON");
    assert_eq!(f.events, s.events, "{name}: events");
    assert_eq!(
        typed_values(data, &end, think_tags),
        s.events,
        "{name}: typed parsing"
    );
    assert_eq!(
        String::from_utf8_lossy(&f.bytes),
        String::from_utf8_lossy(&s.bytes),
        "{name}: bytes"
    );
    assert_eq!(f.usage, s.usage, "{name}: usage");
    assert_eq!(f.finish_reason, s.finish_reason, "{name}: finish_reason");
    assert_eq!(f.final_response, s.final_response, "{name}: final response");
}

fn payloads(sse: &str) -> (Vec<&str>, StreamEnd) {
    let data: Vec<&str> = sse
        .lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .map(str::trim)
        .collect();
    match data.split_last() {
        Some((&"[DONE]", rest)) => (rest.to_vec(), StreamEnd::Done),
        _ => (data, StreamEnd::Eof),
    }
}

#[test]
fn every_fixture_streams_the_same_through_both_paths() {
    for (name, sse) in FIXTURES {
        let (data, end) = payloads(sse);
        for think_tags in [false, true] {
            assert_same(name, &data, end.clone(), think_tags);
            let failed = StreamEnd::Failed {
                code: "server_error".into(),
                message: "cut".into(),
            };
            assert_same(name, &data, failed, think_tags);
            assert_same(name, &data, StreamEnd::Eof, think_tags);
        }
        // The fast path really is taken: only error chunks need a `Value`.
        for d in &data {
            let is_error = d.contains("\"error\":{");
            assert_eq!(Chunk::parse(d).is_none(), is_error, "{name}: {d}");
        }
    }
}

const TEXT: &str = r#"{"choices":[{"index":0,"delta":{"content":"hello"}}]}"#;

/// `(chunk, whether the fast path takes it)`.
const CASES: &[(&str, bool)] = &[
    (
        r#"{"choices":[{"delta":{"content":"esc \n \"q\" \u00fc \ud83d\ude00 \/"}}]}"#,
        true,
    ),
    (
        r#"{"choices":[{"index":1,"delta":{"content":"n=2"}},{"delta":{"content":"x"}}]}"#,
        true,
    ),
    (
        r#"{"choices":[{"index":-1,"delta":{"content":"neg"}}]}"#,
        false,
    ),
    (
        r#"{"choices":[{"index":0.0,"delta":{"content":"f"}}]}"#,
        false,
    ),
    (r#"{"choices":[{"delta":{"content":5}}]}"#, false),
    (
        r#"{"choices":[{"delta":{"content":"a","content":"b"}}]}"#,
        true,
    ),
    (
        r#"{"choices":[{"delta":{"content":1,"content":"b"}}]}"#,
        false,
    ),
    (
        r#"{"choices":[{"delta":{"content":"a"}}],"choices":null}"#,
        true,
    ),
    (r#"{"choices":[[0,{"content":"positional"}]]}"#, false),
    (r#"[{"choices":[]}]"#, false),
    (r#"[0,[{"delta":{"content":"x"}}]]"#, false),
    ("null", false),
    ("\"str\"", false),
    ("42", false),
    ("{}", true),
    ("  {\"choices\": [ ] }  ", true),
    (r#"{"choices":null}"#, true),
    (r#"{"choices":{}}"#, false),
    (r#"{"choices":"x"}"#, false),
    (
        r#"{"choices":[{"delta":null,"finish_reason":"stop"}]}"#,
        true,
    ),
    (
        r#"{"choices":[{"delta":[],"finish_reason":"stop"}]}"#,
        false,
    ),
    (r#"{"choices":[5]}"#, false),
    (
        r#"{"id":"\ud800","choices":[{"delta":{"content":"x"}}]}"#,
        false,
    ),
    (r#"{"id":"\udc00","choices":[]}"#, false),
    (
        r#"{"created":1e400,"choices":[{"delta":{"content":"x"}}]}"#,
        false,
    ),
    (r#"{"x":[1,{"y":[-1e400]}],"choices":[]}"#, false),
    (r#"{"x":[1,{"y":[1e-400, true, null]}],"choices":[]}"#, true),
    (r#"{"choices":[{"delta":{"content":"x"}}]} trailing"#, false),
    (r#"{"choices":[{"delta":{"content":"x"}}]"#, false),
    (
        r#"{"error":null,"choices":[{"delta":{"content":"x"}}]}"#,
        true,
    ),
    (r#"{"error":{"message":"boom","code":"429"}}"#, false),
    (
        r#"{"error":"plain","choices":[{"delta":{"content":"x"}}]}"#,
        false,
    ),
    (r#"{"error":{"message":"m"},"error":null}"#, true),
    (
        r#"{"base_resp":{"status_code":0,"status_msg":""},"choices":[{"delta":{"content":"x"}}]}"#,
        true,
    ),
    (
        r#"{"base_resp":{"status_code":1002,"status_msg":"rate limited"}}"#,
        false,
    ),
    (
        r#"{"base_resp":{"status_code":1008},"base_resp":null,"choices":[]}"#,
        true,
    ),
    (r#"{"base_resp":{"status_code":1008},"error":null}"#, false),
    (r#"{"base_resp":"weird","choices":[]}"#, false),
    (r#"{"base_resp":{"status_code":"7"},"choices":[]}"#, false),
    (
        r#"{"choices":[],"usage":{"prompt_tokens":10,"completion_tokens":5,"prompt_tokens_details":{"cached_tokens":3},"completion_tokens_details":{"reasoning_tokens":2}}}"#,
        true,
    ),
    (
        r#"{"choices":[],"usage":{"prompt_tokens":9,"prompt_cache_hit_tokens":7,"cached_tokens":1}}"#,
        true,
    ),
    (
        r#"{"choices":[],"usage":{"completion_tokens":1,"cached_tokens":4,"prompt_tokens_details":null}}"#,
        true,
    ),
    (r#"{"choices":[],"usage":{"total_tokens":3}}"#, true),
    (
        r#"{"choices":[],"usage":{"prompt_tokens":1.5,"completion_tokens":2}}"#,
        false,
    ),
    (
        r#"{"choices":[],"usage":{"prompt_tokens":1,"prompt_tokens_details":[3]}}"#,
        false,
    ),
    (r#"{"choices":[],"usage":[1]}"#, false),
    (
        r#"{"choices":[{"delta":{},"usage":{"prompt_tokens":4,"completion_tokens":6,"cached_tokens":2}}]}"#,
        true,
    ),
    (
        r#"{"choices":[{"delta":{"reasoning_content":"","reasoning":"think"}}]}"#,
        true,
    ),
    (
        r#"{"choices":[{"delta":{"reasoning_content":"rc","reasoning":"r"}}]}"#,
        true,
    ),
    (
        r#"{"choices":[{"delta":{"reasoning":{"text":"obj"}}}]}"#,
        false,
    ),
    (
        r#"{"choices":[{"delta":{"content":"<think>in</think>out"}}]}"#,
        true,
    ),
    (
        r#"{"choices":[{"delta":{"tool_calls":[{"index":0,"id":"c1","function":{"name":"exec_command","arguments":"{\"cmd\":"}}]}}]}"#,
        true,
    ),
    (
        r#"{"choices":[{"delta":{"tool_calls":[{"id":"","function":{"arguments":"\"ls\"}"}}]}}]}"#,
        true,
    ),
    (
        r#"{"choices":[{"delta":{"tool_calls":[{"function":null},{"index":3,"function":{"name":"apply_patch"}}]}}]}"#,
        true,
    ),
    (
        r#"{"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"arguments":{"cmd":"ls"}}}]}}]}"#,
        false,
    ),
    (
        r#"{"choices":[{"delta":{"tool_calls":[{"index":0,"function":[1]}]}}]}"#,
        false,
    ),
    (r#"{"choices":[{"delta":{"tool_calls":null}}]}"#, true),
    (r#"{"choices":[{"delta":{"tool_calls":{}}}]}"#, false),
    (r#"{"choices":[{"delta":{},"finish_reason":""}]}"#, true),
    (
        r#"{"choices":[{"delta":{},"finish_reason":"error"}]}"#,
        true,
    ),
    (
        r#"{"choices":[{"delta":{},"finish_reason":"insufficient_system_resource"}]}"#,
        true,
    ),
    (
        r#"{"choices":[{"delta":{},"finish_reason":"length"}]}"#,
        true,
    ),
    (
        r#"{"choices":[{"delta":{},"finish_reason":"content_filter"}]}"#,
        true,
    ),
    (r#"{"choices":[{"delta":{},"finish_reason":5}]}"#, false),
    (
        r#"{"ch\u006fices":[{"delta":{"c\u006ftent":"escaped keys"}}]}"#,
        true,
    ),
];

#[test]
fn unusual_chunks_take_the_value_path_or_read_the_same() {
    for (i, &(case, takes_fast_path)) in CASES.iter().enumerate() {
        let name = format!("case {i}: {case}");
        assert_eq!(Chunk::parse(case).is_some(), takes_fast_path, "{name}");
        for think_tags in [false, true] {
            for data in [vec![case, TEXT], vec![TEXT, case, TEXT], vec![case, case]] {
                assert_same(&name, &data, StreamEnd::Done, think_tags);
                assert_same(&name, &data, StreamEnd::Eof, think_tags);
            }
        }
    }
}

#[test]
fn nothing_after_an_error_or_the_end() {
    let stop = r#"{"choices":[{"delta":{},"finish_reason":"stop"}]}"#;
    let err = r#"{"error":{"message":"boom"}}"#;
    for data in [vec![TEXT, err, TEXT, "not json"], vec![TEXT, stop, TEXT]] {
        assert_same("after", &data, StreamEnd::Done, false);
    }
    let mut m = machine(false);
    let mut out = SseOut::default();
    m.finish_into(StreamEnd::Done, &mut out);
    let n = out.events();
    assert!(m.push_data(TEXT, &mut out).is_ok());
    assert!(m.push_data("{", &mut out).is_err());
    m.start_into(&mut out);
    assert_eq!(out.events(), n);
}

/// The pure part of one streamed response, from upstream bytes to Codex bytes, old path vs new:
/// `cargo test --release --lib perf_fast_path -- --ignored --nocapture`
#[test]
#[ignore]
fn perf_fast_path() {
    use crate::translate::stream::sse_in::SseReader;
    let head = r#"data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"bench-model","choices":[{"index":0,"delta":{"#;
    let mut sse =
        format!("{head}\"role\":\"assistant\",\"content\":\"\"}},\"finish_reason\":null}}]}}\n\n");
    for i in 0..98 {
        sse += &format!("{head}\"content\":\"token{i} \"}},\"finish_reason\":null}}]}}\n\n");
    }
    sse += &format!("{head}}},\"finish_reason\":\"stop\"}}],\"usage\":{{\"prompt_tokens\":1200,\"completion_tokens\":98}}}}\n\ndata: [DONE]\n\n");
    let reads: Vec<&[u8]> = sse.as_bytes().chunks(4096).collect();
    let rounds = 2000;
    let time = |f: &dyn Fn() -> usize| {
        let t = std::time::Instant::now();
        let bytes: usize = (0..rounds).map(|_| f()).sum();
        (t.elapsed() / rounds, bytes / rounds as usize)
    };
    let old = time(&|| {
        let mut m = machine(false);
        let mut out = Vec::with_capacity(32 * 1024);
        m.start().iter().for_each(|e| write_sse_frame(&mut out, e));
        for data in sse.lines().filter_map(|l| l.strip_prefix("data: ")) {
            if let Ok(v) = serde_json::from_str::<Value>(data) {
                m.push_chunk(&v)
                    .iter()
                    .for_each(|e| write_sse_frame(&mut out, e));
            }
        }
        m.finish(StreamEnd::Done)
            .iter()
            .for_each(|e| write_sse_frame(&mut out, e));
        out.len()
    });
    let new = time(&|| {
        let mut m = machine(false);
        let mut reader = SseReader::new();
        let mut out = SseOut::with_capacity(32 * 1024);
        m.start_into(&mut out);
        for r in &reads {
            reader.feed(r);
            while let Some(data) = reader.next_event() {
                if data != "[DONE]" {
                    let _ = m.push_data(data, &mut out);
                }
            }
        }
        m.finish_into(StreamEnd::Done, &mut out);
        out.as_bytes().len()
    });
    println!("Value path {old:?}, fast path {new:?} (per response, bytes out)");
    assert_eq!(old.1, new.1);
}
