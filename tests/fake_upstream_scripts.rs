//! The strict fake Chat Completions upstream streams what its scripts say: chunked text and
//! reasoning, parallel tool calls, errors, delays, recording and the responder.
//! (Strictness: `fake_upstream_strictness.rs`.)

mod support;

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::fake_upstream::client::{base, client, post, post_with, tool_history, KEY};
use support::fake_upstream::{assemble_chat_stream, FakeUpstream, Profile, Script};

#[tokio::test]
async fn scripted_text_and_reasoning_stream_in_chunks() {
    let fake = FakeUpstream::start(Profile::deepseek()).await;
    fake.push(
        Script::text("Hello there, world")
            .reasoning("thinking hard")
            .chunks(4)
            .usage(30, 12)
            .cached(10)
            .reasoning_tokens(5)
            .deepseek_usage(),
    );
    let (status, body) = post(&fake, &base()).await;
    assert_eq!(status, 200);
    let a = assemble_chat_stream(&body);
    assert_eq!(a.text, "Hello there, world");
    assert_eq!(a.reasoning, "thinking hard");
    assert!(a.done);
    assert_eq!(a.finish_reason.as_deref(), Some("stop"));
    // role chunk + 4 reasoning + 4 text + finish + usage
    assert_eq!(a.chunks, 11, "{body}");
    let u = a.usage.unwrap();
    assert_eq!(u["prompt_cache_hit_tokens"], 10);
    assert_eq!(u["prompt_cache_miss_tokens"], 20);
    assert_eq!(u["completion_tokens_details"]["reasoning_tokens"], 5);
    assert_eq!(u["total_tokens"], 42);
    assert_eq!(fake.pending(), 0);

    // Thinking disabled: the model does not think, reasoning is not streamed.
    fake.push(Script::text("plain").reasoning("hidden"));
    let mut off = base();
    off["thinking"] = json!({"type": "disabled"});
    let a = assemble_chat_stream(&post(&fake, &off).await.1);
    assert_eq!((a.text.as_str(), a.reasoning.as_str()), ("plain", ""));
}

#[tokio::test]
async fn minimax_streams_think_tags_and_needs_stream_options_for_usage() {
    let fake = FakeUpstream::start(Profile::minimax()).await;
    fake.push(Script::text("answer").reasoning("let me think").chunks(2));
    let a = assemble_chat_stream(&post(&fake, &base()).await.1);
    assert_eq!(a.text, "<think>let me think</think>\nanswer");
    assert_eq!(a.reasoning, "");
    assert!(a.usage.is_none(), "no usage without stream_options");
    fake.push(Script::text("again").usage(7, 3));
    let mut b = base();
    b["stream_options"] = json!({"include_usage": true});
    let a = assemble_chat_stream(&post(&fake, &b).await.1);
    let u = a.usage.expect("usage with include_usage");
    assert_eq!(u["prompt_tokens"], 7);
    assert_eq!(u["prompt_tokens_details"]["cached_tokens"], 0);
}

#[tokio::test]
async fn scripted_parallel_tool_calls_stream_incrementally() {
    let fake = FakeUpstream::start(Profile::lenient()).await;
    let args1 = r#"{"cmd":"echo one && echo two"}"#;
    let args2 = r#"{"cmd":"pwd"}"#;
    fake.push(
        Script::tool_call("call_a", "exec_command", args1)
            .with_call("call_b", "exec_command", args2)
            .fragments(4)
            .interleaved(),
    );
    let (_, body) = post(&fake, &base()).await;
    let a = assemble_chat_stream(&body);
    assert_eq!(
        a.tool_calls,
        vec![
            ("call_a".into(), "exec_command".into(), args1.into()),
            ("call_b".into(), "exec_command".into(), args2.into())
        ]
    );
    assert_eq!(a.finish_reason.as_deref(), Some("tool_calls"));
    // interleaved: index sequence alternates
    let indices: Vec<u64> = body
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .filter_map(|d| serde_json::from_str::<Value>(d).ok())
        .filter_map(|v| {
            v.pointer("/choices/0/delta/tool_calls/0/index")
                .and_then(Value::as_u64)
        })
        .collect();
    assert_eq!(&indices[..4], &[0, 1, 0, 1], "{indices:?}");
    // arguments really arrive in several pieces
    let pieces = body.matches("\"arguments\":\"").count();
    assert!(pieces >= 8, "{body}");
}

#[tokio::test]
async fn http_errors_and_stream_failures_are_scriptable() {
    let fake = FakeUpstream::start(Profile::lenient()).await;
    fake.push(
        Script::http_error(429, r#"{"error":{"message":"Rate limit reached, try again in 2s","type":"rate_limit_error"}}"#)
            .retry_after(2),
    );
    let resp = client()
        .post(format!("{}/chat/completions", fake.base_url()))
        .bearer_auth(KEY)
        .json(&base())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 429);
    assert_eq!(resp.headers()["retry-after"], "2");
    assert!(resp.text().await.unwrap().contains("Rate limit"));

    // A rejected request does not consume the script.
    fake.push(Script::text("kept"));
    assert_eq!(post_with(&fake, &base(), Some("bad")).await.0, 401);
    assert_eq!(fake.pending(), 1);
    assert_eq!(
        assemble_chat_stream(&post(&fake, &base()).await.1).text,
        "kept"
    );

    fake.push(
        Script::text("abcdef")
            .chunks(3)
            .error_chunk_after(2, "upstream overloaded"),
    );
    let a = assemble_chat_stream(&post(&fake, &base()).await.1);
    assert_eq!(a.text, "ab");
    assert!(!a.done && a.finish_reason.is_none());
    assert_eq!(a.error.unwrap()["message"], "upstream overloaded");

    fake.push(Script::text("abcdef").chunks(3).cut_after(3));
    let (status, body) = post(&fake, &base()).await;
    assert_eq!(status, 200);
    let a = assemble_chat_stream(&body);
    assert_eq!(a.text, "abcd");
    assert!(!a.done && a.finish_reason.is_none() && a.error.is_none());

    fake.push(Script::text("abcdef").chunks(3).abort_after(2));
    let resp = client()
        .post(format!("{}/chat/completions", fake.base_url()))
        .bearer_auth(KEY)
        .json(&base())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert!(
        resp.text().await.is_err(),
        "aborted body must fail at the client"
    );
}

#[tokio::test]
async fn non_stream_requests_get_one_json_completion() {
    let fake = FakeUpstream::start(Profile::deepseek()).await;
    fake.push(
        Script::tool_call("call_1", "exec_command", r#"{"cmd":"ls"}"#)
            .reasoning("r")
            .usage(5, 6),
    );
    let mut b = base();
    b["stream"] = json!(false);
    let (status, body) = post(&fake, &b).await;
    assert_eq!(status, 200);
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["object"], "chat.completion");
    let m = &v["choices"][0]["message"];
    assert_eq!(m["reasoning_content"], "r");
    assert!(m["content"].is_null());
    assert_eq!(
        m["tool_calls"][0]["function"]["arguments"],
        r#"{"cmd":"ls"}"#
    );
    assert_eq!(v["choices"][0]["finish_reason"], "tool_calls");
    assert_eq!(v["usage"]["total_tokens"], 11);
    // .json() forces JSON even for a stream request
    fake.push(Script::text("j").json());
    let (_, body) = post(&fake, &base()).await;
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["choices"][0]["message"]["content"],
        "j"
    );
}

#[tokio::test]
async fn delays_are_honoured() {
    let fake = FakeUpstream::start(Profile::lenient()).await;
    fake.push(
        Script::text("abc")
            .chunks(3)
            .header_delay(Duration::from_millis(300))
            .delay(Duration::from_millis(100)),
    );
    let t = Instant::now();
    let resp = client()
        .post(format!("{}/chat/completions", fake.base_url()))
        .bearer_auth(KEY)
        .json(&base())
        .send()
        .await
        .unwrap();
    let headers_at = t.elapsed();
    let body = resp.text().await.unwrap();
    let total = t.elapsed();
    assert!(headers_at >= Duration::from_millis(300), "{headers_at:?}");
    // role + 3 text + finish + usage + DONE = 7 frames, 6 gaps of 100 ms
    assert!(total >= Duration::from_millis(850), "{total:?}");
    assert!(total < Duration::from_secs(5));
    assert_eq!(assemble_chat_stream(&body).text, "abc");
}

#[tokio::test]
async fn records_requests_and_falls_back_to_a_responder() {
    let fake = FakeUpstream::start(Profile::lenient()).await;
    let a = assemble_chat_stream(&post(&fake, &base()).await.1);
    assert_eq!(a.text, "fake upstream reply to: hi");
    fake.set_responder(|req| Script::text(format!("{} messages", req.messages().len())));
    assert_eq!(
        assemble_chat_stream(&post(&fake, &tool_history(None)).await.1).text,
        "4 messages"
    );
    let r = client()
        .get(format!("{}/models", fake.base_url()))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
    // the /v1-less route works too
    let r = client()
        .post(format!("http://{}/chat/completions", fake.addr()))
        .bearer_auth(KEY)
        .json(&base())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let reqs = fake.requests();
    assert_eq!(fake.hits(), 4);
    assert_eq!(reqs.len(), 4);
    assert_eq!(reqs[1].tool_names(), vec!["exec_command".to_string()]);
    assert_eq!(reqs[1].tool_message("call_1").unwrap()["content"], "a.txt");
    assert_eq!(reqs[2].path, "/v1/models");
    assert_eq!(reqs[3].path, "/chat/completions");
    assert_eq!(fake.accepted().len(), 3);
}
