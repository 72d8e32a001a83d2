//! The HTTP surface: bad input gets a clear error and the server keeps serving; failures of the
//! upstream hop reach Codex in the shape DESIGN §4 asks for; disconnects abort the upstream.

mod support;
#[path = "support/engine.rs"]
mod support_engine;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use mimo2codex::engine::{self, EngineConfig, EngineError};
use mimo2codex::provider::{ProviderProfile, ProviderRegistry};
use mimo2codex::secret::Secret;
use serde_json::{json, Value};
use support::fake_upstream::{FakeUpstream, Profile, Script};
use support::sse::{done_items, parse_sse, terminal};
use support_engine::{profile_for, TestEngine};

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client")
}

fn text_request(model: &str) -> Value {
    json!({
        "model": model,
        "stream": true,
        "input": [
            {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "be brief"}]},
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hello there"}]}
        ],
        "tools": [],
        "store": false
    })
}

/// `POST {base}/responses` with a JSON body.
async fn post_responses(base: &str, body: &Value) -> reqwest::Response {
    client()
        .post(format!("{base}/responses"))
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .expect("send")
}

/// `error.message` of an OpenAI-shaped error body ("" when absent).
fn error_message(v: &Value) -> &str {
    v["error"]["message"].as_str().unwrap_or("")
}

async fn healthy(base: &str) {
    let r = client()
        .get(format!("{}/healthz", base.trim_end_matches("/v1")))
        .send()
        .await
        .expect("healthz");
    assert_eq!(r.status(), 200, "server must keep serving");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_clear_errors_and_the_server_keeps_serving() {
    let fake = FakeUpstream::start(Profile::deepseek()).await;
    let engine = TestEngine::start("deepseek", &fake, true).await;
    let base = engine.base_url.clone();
    let c = client();

    let r = c
        .post(format!("{base}/responses"))
        .header("content-type", "application/json")
        .body("{\"model\": ")
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.expect("json error body");
    assert!(error_message(&v).contains("not valid JSON"), "{v}");
    healthy(&base).await;

    let r = c
        .post(format!("{base}/responses"))
        .header("content-type", "text/plain")
        .body("hello")
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 415);
    let v: Value = r.json().await.expect("json");
    assert!(error_message(&v).contains("application/json"), "{v}");

    let r = c
        .post(format!("{base}/responses"))
        .header("content-type", "application/json")
        .header("host", "attacker.example:8788")
        .body(text_request("deepseek-v4-pro").to_string())
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 403, "a foreign Host header is DNS rebinding");
    let v: Value = r.json().await.expect("json");
    assert!(error_message(&v).contains("attacker.example"), "{v}");

    let r = c.get(format!("{base}/nowhere")).send().await.expect("send");
    assert_eq!(r.status(), 404);
    let v: Value = r.json().await.expect("json");
    let m = error_message(&v);
    assert!(m.contains("GET") && m.contains("/v1/nowhere"), "{m}");

    // An input item type nobody knows is noted, not fatal; the turn completes.
    let mut body = text_request("deepseek-v4-pro");
    body["input"]
        .as_array_mut()
        .expect("input")
        .push(json!({"type": "hologram_call", "id": "h1", "payload": 3}));
    let r = post_responses(&base, &body).await;
    assert_eq!(r.status(), 200);
    let events = parse_sse(&r.text().await.expect("body"));
    assert_eq!(
        terminal(&events).map(|e| e["type"].clone()),
        Some(json!("response.completed"))
    );
    let last = fake
        .requests()
        .last()
        .cloned()
        .expect("upstream saw the request");
    assert!(
        !last.body.to_string().contains("hologram"),
        "unknown items never go upstream"
    );
    healthy(&base).await;
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_body_is_413_with_the_limit_named() {
    let fake = FakeUpstream::start(Profile::lenient()).await;
    let profile = profile_for("deepseek", &fake);
    let data = tempfile::tempdir().expect("dir");
    let running = engine::start(EngineConfig {
        host: "127.0.0.1".into(),
        port: 0,
        data_dir: data.path().to_path_buf(),
        registry: ProviderRegistry::from_profiles(vec![profile], "deepseek").expect("registry"),
        thinking: true,
        body_limit: 1024 * 1024,
        no_proxy_from_env: true,
        network: Default::default(),
        lang: Default::default(),
    })
    .await
    .expect("start");
    let base = running.base_url();
    let mut body = text_request("deepseek-v4-pro");
    body["input"][1]["content"][0]["text"] = Value::String("x".repeat(2 * 1024 * 1024));
    let r = post_responses(&base, &body).await;
    assert_eq!(r.status(), 413);
    let v: Value = r.json().await.expect("json");
    assert!(error_message(&v).contains("1 MiB"), "{v}");
    assert_eq!(fake.hits(), 0);
    healthy(&base).await;
    running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn port_in_use_names_the_port_the_holder_and_the_flag() {
    let busy = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = busy.local_addr().expect("addr").port();
    let data = tempfile::tempdir().expect("dir");
    let fake = FakeUpstream::start(Profile::lenient()).await;
    let err = engine::start(EngineConfig {
        host: "127.0.0.1".into(),
        port,
        data_dir: data.path().to_path_buf(),
        registry: ProviderRegistry::from_profiles(vec![profile_for("deepseek", &fake)], "deepseek")
            .expect("registry"),
        thinking: true,
        body_limit: engine::DEFAULT_BODY_LIMIT,
        no_proxy_from_env: true,
        network: Default::default(),
        lang: Default::default(),
    })
    .await
    .err()
    .expect("second bind must fail");
    assert!(matches!(err, EngineError::PortInUse { .. }), "{err}");
    let text = err.to_string();
    assert!(
        text.contains(&port.to_string()) && text.contains("--port"),
        "{text}"
    );
    #[cfg(target_os = "linux")]
    assert!(
        text.contains(&format!("pid {}", std::process::id())),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_upstream_is_a_502_naming_the_code_and_the_fix() {
    // A port nothing listens on.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let profile = ProviderProfile {
        id: "deepseek".into(),
        base_url: format!("http://127.0.0.1:{closed}/v1"),
        api_key: Some(Secret::new("sk-test-0123456789")),
        key_env: vec!["DS_API_KEY".into()],
        default_model: "deepseek-v4-pro".into(),
        ..ProviderProfile::default()
    };
    let engine = TestEngine::start_with(profile, true).await;
    let r = post_responses(&engine.base_url, &text_request("deepseek-v4-pro")).await;
    assert_eq!(r.status(), 502);
    let v: Value = r.json().await.expect("json");
    assert_eq!(v["error"]["code"], "ECONNREFUSED", "{v}");
    let m = error_message(&v);
    assert!(
        m.contains(&format!("127.0.0.1:{closed}")) && m.contains("refused"),
        "{m}"
    );
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_failure_names_the_provider_and_the_key_variable() {
    let fake = FakeUpstream::start(Profile::deepseek()).await;
    let mut profile = profile_for("deepseek", &fake);
    profile.api_key = Some(Secret::new("sk-wrong-key-0123456789"));
    let engine = TestEngine::start_with(profile, true).await;
    let r = post_responses(&engine.base_url, &text_request("deepseek-v4-pro")).await;
    assert_eq!(r.status(), 401);
    let v: Value = r.json().await.expect("json");
    let m = error_message(&v);
    assert!(m.contains("deepseek") && m.contains("DS_API_KEY"), "{m}");
    assert!(
        !m.contains("sk-wrong-key"),
        "the key itself is never echoed: {m}"
    );
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_lang_switches_the_next_requests_error_text_but_not_codes_or_statuses() {
    let fake = FakeUpstream::start(Profile::deepseek()).await;
    let mut profile = profile_for("deepseek", &fake);
    profile.api_key = Some(Secret::new("sk-wrong-key-0123456789"));
    let engine = TestEngine::start_with(profile, true).await;
    let handle = engine.running.as_ref().expect("running").handle.clone();
    let base = engine.base_url.clone();
    // (status, code, message) of: an upstream 401, the engine's own 404, and a bad body.
    let answers = || async {
        let mut out = Vec::new();
        let r = post_responses(&base, &text_request("deepseek-v4-pro")).await;
        out.push((r.status().as_u16(), r.json::<Value>().await.expect("json")));
        let r = client()
            .get(format!("{base}/nowhere"))
            .send()
            .await
            .expect("send");
        out.push((r.status().as_u16(), r.json::<Value>().await.expect("json")));
        let r = client()
            .post(format!("{base}/responses"))
            .header("content-type", "application/json")
            .body("{\"model\": ")
            .send()
            .await
            .expect("send");
        out.push((r.status().as_u16(), r.json::<Value>().await.expect("json")));
        out
    };
    assert_eq!(handle.lang(), mimo2codex::i18n::Lang::En);
    let en = answers().await;
    handle.set_lang(mimo2codex::i18n::Lang::ZhCn);
    assert_eq!(handle.lang(), mimo2codex::i18n::Lang::ZhCn);
    let zh = answers().await;
    for ((en_status, en), (zh_status, zh)) in en.iter().zip(&zh) {
        assert_eq!(en_status, zh_status, "{en} / {zh}");
        assert_eq!(en["error"]["code"], zh["error"]["code"], "{en} / {zh}");
        assert_eq!(en["error"]["type"], zh["error"]["type"], "{en} / {zh}");
        assert_ne!(error_message(en), error_message(zh));
    }
    assert_eq!(en[0].0, 401);
    assert!(
        error_message(&en[0].1).contains("rejected the API key"),
        "{}",
        en[0].1
    );
    let m = error_message(&zh[0].1);
    assert!(
        m.contains("拒绝了 API key") && m.contains("DS_API_KEY"),
        "{m}"
    );
    let m = error_message(&zh[1].1);
    assert!(m.contains("GET /v1/nowhere") && m.contains("没有"), "{m}");
    assert!(
        error_message(&zh[2].1).contains("不是有效的 JSON"),
        "{}",
        zh[2].1
    );
    // And back.
    handle.set_lang(mimo2codex::i18n::Lang::En);
    let again = answers().await;
    assert_eq!(error_message(&again[0].1), error_message(&en[0].1));
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stream_failures_are_in_the_engines_language_with_the_same_codes() {
    let fake = FakeUpstream::start(Profile::deepseek()).await;
    let engine = TestEngine::start("deepseek", &fake, true).await;
    let handle = engine.running.as_ref().expect("running").handle.clone();
    let failed = || async {
        let r = post_responses(&engine.base_url, &text_request("deepseek-v4-pro")).await;
        assert_eq!(r.status(), 200);
        let events = parse_sse(&r.text().await.expect("body"));
        let end = terminal(&events).cloned().expect("terminal event");
        assert_eq!(end["type"], "response.failed", "{end}");
        end["response"]["error"].clone()
    };
    // A cut stream, then a 429 with Retry-After (both `response.failed`).
    let cut_then_limit = || async {
        fake.push(Script::text("cut short answer").chunks(4).cut_after(2));
        let cut = failed().await;
        fake.push(
            Script::http_error(429, r#"{"error":{"message":"Rate limit reached"}}"#)
                .retry_after(30),
        );
        (cut, failed().await)
    };
    let (cut_en, limit_en) = cut_then_limit().await;
    handle.set_lang(mimo2codex::i18n::Lang::ZhCn);
    let (cut_zh, limit_zh) = cut_then_limit().await;
    assert_eq!(cut_en["code"], "server_error");
    assert_eq!(cut_zh["code"], cut_en["code"]);
    assert!(
        cut_en["message"]
            .as_str()
            .unwrap_or("")
            .contains("the connection was cut"),
        "{cut_en}"
    );
    assert!(
        cut_zh["message"]
            .as_str()
            .unwrap_or("")
            .contains("连接被切断"),
        "{cut_zh}"
    );
    assert_eq!(limit_en["code"], "rate_limit_exceeded");
    assert_eq!(limit_zh["code"], limit_en["code"]);
    let m = limit_zh["message"].as_str().unwrap_or("");
    assert!(
        m.contains("触发限流") && m.contains("try again in 30s"),
        "{m}"
    );
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_stream_request_gets_one_json_response() {
    let fake = FakeUpstream::start(Profile::deepseek()).await;
    fake.push(
        Script::text("four")
            .reasoning("2+2 is 4")
            .usage(30, 5)
            .chunks(3),
    );
    let engine = TestEngine::start("deepseek", &fake, true).await;
    let mut body = text_request("deepseek-v4-pro");
    body["stream"] = Value::Bool(false);
    let r = post_responses(&engine.base_url, &body).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.expect("json response");
    assert_eq!(v["object"], "response");
    assert_eq!(v["status"], "completed");
    let output = v["output"].as_array().expect("output");
    assert_eq!(output[0]["type"], "reasoning");
    assert_eq!(output[1]["content"][0]["text"], "four");
    assert_eq!(v["usage"]["input_tokens"], 30);
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thinking_switch_applies_to_the_next_request() {
    let fake = FakeUpstream::start(Profile::deepseek()).await;
    let engine = TestEngine::start("deepseek", &fake, true).await;
    let handle = engine.running.as_ref().expect("running").handle.clone();
    let send = || async {
        let r = post_responses(&engine.base_url, &text_request("deepseek-v4-pro")).await;
        assert_eq!(r.status(), 200);
        let _ = r.text().await;
        fake.requests().last().cloned().expect("request").body
    };
    assert_eq!(send().await["thinking"]["type"], "enabled");
    handle.set_thinking(false);
    assert_eq!(send().await["thinking"]["type"], "disabled");
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn models_and_chat_passthrough_are_routed() {
    let fake = FakeUpstream::start(Profile::lenient()).await;
    let engine = TestEngine::start("deepseek", &fake, false).await;
    let c = client();
    let v: Value = c
        .get(format!("{}/models", engine.base_url))
        .send()
        .await
        .expect("models")
        .json()
        .await
        .expect("json");
    let ids: Vec<&str> = v["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|m| m["id"].as_str())
        .collect();
    assert!(ids.contains(&"deepseek-v4-pro"), "{ids:?}");

    // `deepseek-chat` is an alias: the upstream must see the real model id.
    let r = c
        .post(format!("{}/chat/completions", engine.base_url))
        .header("content-type", "application/json")
        .body(json!({"model": "deepseek-chat", "stream": true, "messages": [{"role": "user", "content": "hi"}]}).to_string())
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 200);
    let text = r.text().await.expect("body");
    assert!(
        text.contains("chat.completion.chunk") && text.contains("[DONE]"),
        "{text}"
    );
    let last = fake.requests().last().cloned().expect("request");
    assert_ne!(last.body["model"], "deepseek-chat");
    assert!(
        last.body["model"]
            .as_str()
            .unwrap_or("")
            .starts_with("deepseek-v4"),
        "{}",
        last.body["model"]
    );
    engine.shutdown().await;
}

/// An upstream that streams slowly and counts streams dropped before they finished.
async fn slow_upstream(dropped: Arc<AtomicUsize>) -> std::net::SocketAddr {
    use axum::body::Body;
    use axum::routing::post;
    struct Guard(Arc<AtomicUsize>, bool);
    impl Guard {
        fn complete(&mut self) {
            self.1 = true;
        }
    }
    impl Drop for Guard {
        fn drop(&mut self) {
            if !self.1 {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
    }
    let app = axum::Router::new().route(
        "/v1/chat/completions",
        post(move || {
            let dropped = dropped.clone();
            async move {
                let guard = Guard(dropped, false);
                let stream = futures_util::stream::unfold((0u32, guard), |(i, mut guard)| async move {
                    if i == 200 {
                        guard.complete();
                        return None;
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    let frame = format!(
                        "data: {{\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"t{i} \"}}}}]}}\n\n"
                    );
                    Some((Ok::<_, std::convert::Infallible>(frame), (i + 1, guard)))
                });
                ([("content-type", "text/event-stream")], Body::from_stream(stream))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_disconnect_aborts_the_upstream_stream() {
    use futures_util::StreamExt;
    let dropped = Arc::new(AtomicUsize::new(0));
    let addr = slow_upstream(dropped.clone()).await;
    let profile = ProviderProfile {
        id: "generic".into(),
        base_url: format!("http://{addr}/v1"),
        api_key: Some(Secret::new("sk-test-0123456789")),
        default_model: "slow".into(),
        ..ProviderProfile::default()
    };
    let engine = TestEngine::start_with(profile, false).await;
    let r = post_responses(&engine.base_url, &text_request("slow")).await;
    let mut body = r.bytes_stream();
    let mut seen = String::new();
    while !seen.contains("response.output_text.delta") {
        let chunk = body.next().await.expect("more").expect("chunk");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    drop(body);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
    while dropped.load(Ordering::SeqCst) == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the upstream stream kept running after Codex went away"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reasoning_round_trips_through_encrypted_content() {
    let fake = FakeUpstream::start(Profile::deepseek()).await;
    fake.push(
        Script::tool_call("call_1", "exec_command", r#"{"cmd":"ls"}"#)
            .reasoning("I should list files"),
    );
    fake.push(Script::text("done"));
    let engine = TestEngine::start("deepseek", &fake, true).await;
    let fixture = support::codex_request_body("request-02-shell-first.json");
    let mut first = fixture.clone();
    first["model"] = json!("deepseek-v4-pro");
    let r = post_responses(&engine.base_url, &first).await;
    let events = parse_sse(&r.text().await.expect("body"));
    let items = done_items(&events);
    assert_eq!(items[0]["type"], "reasoning");
    assert_eq!(items[1]["type"], "function_call");
    // Codex sends the items back with the tool output, as it does in request-03.
    let mut second = first.clone();
    let input = second["input"].as_array_mut().expect("input");
    input.push(items[0].clone());
    input.push(items[1].clone());
    input.push(json!({"type": "function_call_output", "call_id": items[1]["call_id"], "output": "a.txt\n"}));
    let r = post_responses(&engine.base_url, &second).await;
    let events = parse_sse(&r.text().await.expect("body"));
    assert_eq!(
        terminal(&events).map(|e| e["type"].clone()),
        Some(json!("response.completed")),
        "the strict upstream accepted the replayed history"
    );
    let sent = fake.requests().last().cloned().expect("request").body;
    let assistant = sent["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .find(|m| m["role"] == "assistant")
        .cloned()
        .expect("assistant turn");
    assert_eq!(assistant["reasoning_content"], "I should list files");
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn responses_wire_providers_are_passed_through_untouched() {
    use mimo2codex::provider::WireApi;
    use support::fake_responses::{text_turn_sse, FakeResponses};
    let upstream = FakeResponses::start().await;
    upstream.push_sse(text_turn_sse("resp_native_1", "native responses reply"));
    let profile = ProviderProfile {
        id: "native".into(),
        base_url: upstream.base_url(),
        api_key: Some(Secret::new("sk-native-0123456789")),
        default_model: "native-model".into(),
        wire_api: WireApi::Responses,
        ..ProviderProfile::default()
    };
    let engine = TestEngine::start_with(profile, true).await;
    let mut body = support::codex_request_body("request-01-text-turn.json");
    body["model"] = json!("native-model");
    let r = post_responses(&engine.base_url, &body).await;
    assert_eq!(r.status(), 200);
    let text = r.text().await.expect("body");
    assert!(
        text.contains("native responses reply") && text.contains("resp_native_1"),
        "{text}"
    );
    let sent = upstream.bodies().last().cloned().expect("forwarded");
    assert_eq!(
        sent["input"], body["input"],
        "the request goes through untranslated"
    );
    assert_eq!(sent["tools"], body["tools"]);
    assert_eq!(
        upstream.auth_headers().last().map(String::as_str),
        Some("Bearer sk-native-0123456789"),
        "the provider's key replaces Codex's token"
    );
    engine.shutdown().await;
}
