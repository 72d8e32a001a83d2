//! Edge cases from hand-written chunks.

use serde_json::{json, Value};

use super::*;

/// One chat chunk with a delta and an optional finish_reason.
fn c(delta: Value, finish_reason: Option<&str>) -> Value {
    json!({"id": "x", "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}]})
}

fn tc(index: u64, id: Option<&str>, name: Option<&str>, args: &str) -> Value {
    let mut f = json!({"arguments": args});
    if let Some(n) = name {
        f["name"] = json!(n);
    }
    let mut call = json!({"index": index, "type": "function", "function": f});
    if let Some(id) = id {
        call["id"] = json!(id);
    }
    c(json!({"tool_calls": [call]}), None)
}

fn text(t: &str) -> Value {
    c(json!({"content": t}), None)
}

fn stop(reason: &str) -> Value {
    c(json!({}), Some(reason))
}

#[test]
fn nothing_after_finish() {
    let mut m = machine(false);
    feed(&mut m, &[text("hi"), stop("stop")], StreamEnd::Done);
    assert!(m.is_finished());
    assert!(m.push_chunk(&text("more")).is_empty());
    assert!(m.finish(StreamEnd::Eof).is_empty());
    assert!(m.start().is_empty());
    assert_eq!(
        m.final_response().map(|r| &r["status"]),
        Some(&json!("completed"))
    );
}

#[test]
fn chunk_before_start_still_opens_with_created() {
    let mut m = machine(false);
    let mut events = m.push_chunk(&text("hi"));
    events.extend(m.start());
    events.extend(m.finish(StreamEnd::Done));
    check_consistency(&events);
}

#[test]
fn endings_without_or_with_finish_reason() {
    let cases = [
        (vec![text("a")], StreamEnd::Done, "completed", None),
        (
            vec![text("a"), stop("stop")],
            StreamEnd::Eof,
            "completed",
            None,
        ),
        (
            vec![text("a"), stop("content_filter")],
            StreamEnd::Done,
            "incomplete",
            None,
        ),
        (
            vec![text("a")],
            StreamEnd::Eof,
            "failed",
            Some("server_error"),
        ),
        (
            vec![text("a"), stop("error")],
            StreamEnd::Done,
            "failed",
            Some("server_error"),
        ),
        (
            vec![stop("insufficient_system_resource")],
            StreamEnd::Done,
            "failed",
            Some("server_is_overloaded"),
        ),
    ];
    for (chunks, end, status, code) in cases {
        let events = feed(&mut machine(false), &chunks, end);
        let r = terminal(&events);
        assert_eq!(r["status"], status, "{chunks:?}");
        assert_eq!(r["error"]["code"].as_str(), code);
        assert_eq!(r["usage"], Value::Null, "no usage was sent");
        let closed = !done_items(&events).is_empty();
        assert_eq!(closed, code.is_none(), "items close only on success");
    }
    let events = feed(
        &mut machine(false),
        &[text("a"), stop("content_filter")],
        StreamEnd::Done,
    );
    assert_eq!(
        terminal(&events)["incomplete_details"]["reason"],
        "content_filter"
    );
}

#[test]
fn transport_failure_keeps_its_code_and_drops_open_items() {
    let end = StreamEnd::Failed {
        code: "rate_limit_exceeded".into(),
        message: "try again in 3s".into(),
    };
    let chunks = [
        c(json!({"reasoning_content": "hmm"}), None),
        tc(0, Some("call_1"), Some("f"), "{"),
    ];
    let events = feed(&mut machine(false), &chunks, end);
    assert_eq!(
        done_items(&events).len(),
        1,
        "only the reasoning closed (the call began)"
    );
    let r = terminal(&events);
    assert_eq!(
        r["error"],
        json!({"code": "rate_limit_exceeded", "message": "try again in 3s"})
    );
}

#[test]
fn whitespace_is_buffered_until_real_text() {
    let events = feed(
        &mut machine(false),
        &[text("\n\n"), text(" "), stop("stop")],
        StreamEnd::Done,
    );
    assert_eq!(seq(&events), "created in_progress completed");
    let events = feed(
        &mut machine(false),
        &[text("\n\n"), text("Hi"), stop("stop")],
        StreamEnd::Done,
    );
    assert_eq!(done_items(&events)[0]["content"][0]["text"], "\n\nHi");
    let deltas: Vec<_> = events
        .iter()
        .filter(|e| ty(e) == "response.output_text.delta")
        .collect();
    assert_eq!(deltas.len(), 1);
}

#[test]
fn odd_tool_calls() {
    let chunks = [
        // No id, name only in a later fragment, arguments not JSON.
        tc(0, None, None, "{\"a\": "),
        tc(0, None, Some("exec_command"), "1,"),
        // Empty arguments, and a custom tool whose arguments are not the `{"input"}` wrapper.
        tc(1, Some("call_b"), Some("list"), ""),
        tc(2, Some("call_c"), Some("apply_patch"), "*** Begin Patch"),
        stop("tool_calls"),
    ];
    let events = feed(&mut machine(false), &chunks, StreamEnd::Done);
    let items = done_items(&events);
    assert_eq!(
        (items[0]["call_id"].as_str(), items[0]["arguments"].as_str()),
        (Some("call_t1_0"), Some("{\"a\": 1,"))
    );
    assert_eq!(items[1]["arguments"], "{}");
    assert_eq!(
        (items[2]["type"].as_str(), items[2]["input"].as_str()),
        (Some("custom_tool_call"), Some("*** Begin Patch"))
    );
    let first_delta = events
        .iter()
        .find(|e| ty(e) == "response.function_call_arguments.delta");
    assert_eq!(
        first_delta.map(|e| &e["delta"]),
        Some(&json!("{\"a\": 1,")),
        "buffered args follow the late name"
    );
}

#[test]
fn custom_tool_in_a_namespace_keeps_its_namespace() {
    let mut m = machine(false);
    m.start
        .tool_names
        .insert_custom_in_namespace("functions__exec".into(), "functions", "exec");
    let chunks = [
        tc(
            0,
            Some("call_x"),
            Some("functions__exec"),
            r#"{"input":"ls"}"#,
        ),
        stop("tool_calls"),
    ];
    let events = feed(&mut m, &chunks, StreamEnd::Done);
    assert_eq!(
        *done_items(&events)[0],
        json!({"type": "custom_tool_call", "id": "ctc_t1_0", "call_id": "call_x", "name": "exec",
            "namespace": "functions", "input": "ls", "status": "completed"})
    );
}

#[test]
fn text_after_a_tool_call_keeps_output_order() {
    let chunks = [
        tc(0, Some("call_a"), Some("f"), "{}"),
        text("Running it."),
        stop("tool_calls"),
    ];
    let events = feed(&mut machine(false), &chunks, StreamEnd::Done);
    let items = done_items(&events);
    assert_eq!(
        (items[0]["id"].as_str(), items[1]["id"].as_str()),
        (Some("fc_t1_0"), Some("msg_t1_1"))
    );
}

#[test]
fn reasoning_field_spelling_and_interleaving() {
    let chunks = [
        c(json!({"reasoning": "a"}), None),
        text("b"),
        c(json!({"reasoning_content": "c", "content": "d"}), None),
        stop("stop"),
    ];
    let events = feed(&mut machine(false), &chunks, StreamEnd::Done);
    let kinds: Vec<&str> = done_items(&events)
        .iter()
        .filter_map(|i| i["type"].as_str())
        .collect();
    assert_eq!(kinds, ["reasoning", "message", "reasoning", "message"]);
}

#[test]
fn minimax_base_resp_error() {
    let chunk =
        json!({"choices": [], "base_resp": {"status_code": 1002, "status_msg": "rate limit"}});
    let events = feed(
        &mut machine(true),
        &[text("a"), chunk, text("b")],
        StreamEnd::Done,
    );
    assert_eq!(terminal(&events)["error"]["code"], "rate_limit_exceeded");
    let deltas = events
        .iter()
        .filter(|e| ty(e) == "response.output_text.delta")
        .count();
    assert_eq!(deltas, 1, "nothing after the error");
}

#[test]
fn think_block_cut_at_end_of_stream() {
    let chunks = [text("<think>plan"), text("ning</thi"), stop("stop")];
    let events = feed(&mut machine(true), &chunks, StreamEnd::Done);
    assert_eq!(
        done_items(&events)[0]["summary"][0]["text"],
        "planning</thi"
    );
}

#[test]
fn sse_frames_round_trip() {
    let (_, events) = run(chat!("deepseek-reasoning-tool-call.sse"), false);
    let mut buf = Vec::new();
    events.iter().for_each(|e| write_sse_frame(&mut buf, e));
    let text = String::from_utf8(buf).expect("utf8");
    assert_eq!(text, events.iter().map(sse_frame).collect::<String>());
    let (back, _) = data_lines(&text);
    assert_eq!(back, events);
}

/// `cargo test --release --lib perf_100_chunks -- --ignored --nocapture`
#[test]
#[ignore]
fn perf_100_chunks() {
    let mut chunks: Vec<Value> = (0..40)
        .map(|i| c(json!({"reasoning_content": format!("thought {i} ")}), None))
        .collect();
    chunks.extend((0..40).map(|i| text(&format!("word{i} "))));
    chunks.push(tc(0, Some("call_1"), Some("exec_command"), ""));
    chunks.extend((0..18).map(|i| tc(0, None, None, if i == 0 { "{\"cmd\":\"" } else { "x" })));
    chunks.push(stop("tool_calls"));
    let rounds = 2000;
    let t = std::time::Instant::now();
    let mut bytes = 0;
    for _ in 0..rounds {
        let mut m = machine(false);
        let mut buf = Vec::with_capacity(64 * 1024);
        let mut events = m.start();
        for ch in &chunks {
            events.extend(m.push_chunk(ch));
        }
        events.extend(m.finish(StreamEnd::Done));
        events.iter().for_each(|e| write_sse_frame(&mut buf, e));
        bytes += buf.len();
    }
    let per = t.elapsed() / rounds;
    println!(
        "{} chunks: {per:?} per response ({} bytes)",
        chunks.len(),
        bytes / rounds as usize
    );
    assert!(per < std::time::Duration::from_micros(300), "{per:?}");
}
