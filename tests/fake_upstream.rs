//! The strict fake Chat Completions upstream proves its own strictness here: every rejection fires
//! with the vendor wording, correct bodies pass, and scripts stream what they say.

mod support;

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::fake_upstream::{
    assemble_chat_stream, FakeUpstream, Profile, Script, ERR_MINIMAX_2013, ERR_MISSING_TOOL_ANSWER,
    ERR_REASONING_ECHO, ERR_TOOL_WITHOUT_CALL,
};

const KEY: &str = "sk-fake-upstream-key";

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

async fn post(fake: &FakeUpstream, body: &Value) -> (u16, String) {
    post_with(fake, body, Some(KEY)).await
}

async fn post_with(fake: &FakeUpstream, body: &Value, key: Option<&str>) -> (u16, String) {
    let mut req = client()
        .post(format!("{}/chat/completions", fake.base_url()))
        .json(body);
    if let Some(k) = key {
        req = req.bearer_auth(k);
    }
    let resp = req.send().await.expect("request");
    let status = resp.status().as_u16();
    (status, resp.text().await.unwrap_or_default())
}

fn base() -> Value {
    json!({"model": "m", "stream": true, "messages": [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "hi"}
    ]})
}

fn tool(name: &str, params: Value) -> Value {
    json!({"type": "function", "function": {"name": name, "description": "d", "parameters": params}})
}

fn obj_schema() -> Value {
    json!({"type": "object", "properties": {"cmd": {"type": "string"}}, "required": ["cmd"]})
}

fn tool_history(reasoning: Option<&str>) -> Value {
    let mut assistant = json!({"role": "assistant", "content": null, "tool_calls": [
        {"id": "call_1", "type": "function", "function": {"name": "exec_command", "arguments": "{\"cmd\":\"ls\"}"}}
    ]});
    if let Some(r) = reasoning {
        assistant["reasoning_content"] = json!(r);
    }
    json!({"model": "m", "stream": true, "tools": [tool("exec_command", obj_schema())], "messages": [
        {"role": "system", "content": "s"},
        {"role": "user", "content": "list"},
        assistant,
        {"role": "tool", "tool_call_id": "call_1", "content": "a.txt"}
    ]})
}

#[track_caller]
fn assert_rejected(resp: &(u16, String), status: u16, needle: &str) {
    assert_eq!(resp.0, status, "body: {}", resp.1);
    let v: Value = serde_json::from_str(&resp.1).expect("error body is JSON");
    let msg = v["error"]["message"].as_str().expect("error.message");
    assert!(msg.contains(needle), "{msg:?} should contain {needle:?}");
    assert!(v["error"]["type"].is_string());
}

#[tokio::test]
async fn auth_is_required_and_checked() {
    let fake = FakeUpstream::start(Profile::lenient()).await;
    assert_rejected(&post_with(&fake, &base(), None).await, 401, "no api key");
    assert_rejected(
        &post_with(&fake, &base(), Some("sk-wrong")).await,
        401,
        "invalid",
    );
    assert_eq!(post(&fake, &base()).await.0, 200);
    assert_eq!(fake.hits(), 3);
    assert_eq!(fake.rejections().len(), 2);
    let reqs = fake.requests();
    assert_eq!(
        reqs[2].header("authorization"),
        Some("Bearer sk-fake-upstream-key")
    );
    assert_eq!(reqs[2].path, "/v1/chat/completions");
}

#[tokio::test]
async fn body_shape_is_validated() {
    let fake = FakeUpstream::start(Profile::lenient()).await;
    let r = client()
        .post(format!("{}/chat/completions", fake.base_url()))
        .bearer_auth(KEY)
        .body("not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert_rejected(
        &post(
            &fake,
            &json!({"messages": [{"role": "user", "content": "x"}]}),
        )
        .await,
        400,
        "model",
    );
    assert_rejected(
        &post(&fake, &json!({"model": "m", "messages": []})).await,
        400,
        "messages",
    );
    assert_rejected(&post(&fake, &json!({"model": "m"})).await, 400, "messages");
    let mut dev = base();
    dev["messages"][0]["role"] = json!("developer");
    assert_rejected(&post(&fake, &dev).await, 400, "unknown variant `developer`");
    let mut null_user = base();
    null_user["messages"][1]["content"] = Value::Null;
    assert_rejected(&post(&fake, &null_user).await, 400, "content");
}

#[tokio::test]
async fn tool_messages_must_pair_with_tool_calls() {
    let fake = FakeUpstream::start(Profile::lenient()).await;
    assert_eq!(
        post(&fake, &tool_history(None)).await.0,
        200,
        "a correct loop passes"
    );

    let mut orphan = tool_history(None);
    orphan["messages"][3]["tool_call_id"] = json!("call_other");
    assert_rejected(&post(&fake, &orphan).await, 400, ERR_TOOL_WITHOUT_CALL);

    let mut no_assistant = tool_history(None);
    no_assistant["messages"].as_array_mut().unwrap().remove(2);
    assert_rejected(
        &post(&fake, &no_assistant).await,
        400,
        ERR_TOOL_WITHOUT_CALL,
    );

    let mut unanswered = tool_history(None);
    unanswered["messages"].as_array_mut().unwrap().pop();
    assert_rejected(
        &post(&fake, &unanswered).await,
        400,
        ERR_MISSING_TOOL_ANSWER,
    );

    let mut user_between = tool_history(None);
    user_between["messages"]
        .as_array_mut()
        .unwrap()
        .insert(3, json!({"role": "user", "content": "wait"}));
    assert_rejected(
        &post(&fake, &user_between).await,
        400,
        ERR_MISSING_TOOL_ANSWER,
    );

    // Parallel calls: both must be answered, in any order.
    let mut parallel = tool_history(None);
    parallel["messages"][2]["tool_calls"]
        .as_array_mut()
        .unwrap()
        .push(json!({"id": "call_2", "type": "function",
            "function": {"name": "exec_command", "arguments": "{\"cmd\":\"pwd\"}"}}));
    assert_rejected(&post(&fake, &parallel).await, 400, "call_2");
    parallel["messages"].as_array_mut().unwrap().insert(
        3,
        json!({"role": "tool", "tool_call_id": "call_2", "content": "/"}),
    );
    assert_eq!(post(&fake, &parallel).await.0, 200);

    let mut bad_args = tool_history(None);
    bad_args["messages"][2]["tool_calls"][0]["function"]["arguments"] = json!("{not json");
    assert_rejected(&post(&fake, &bad_args).await, 400, "valid JSON");
}

#[tokio::test]
async fn tool_definitions_are_validated() {
    let fake = FakeUpstream::start(Profile::lenient()).await;
    let with_tools = |tools: Value| {
        let mut b = base();
        b["tools"] = tools;
        b
    };
    assert_eq!(
        post(&fake, &with_tools(json!([tool("ok_name-1", obj_schema())])))
            .await
            .0,
        200
    );
    let no_params = json!([{"type": "function", "function": {"name": "get_goal"}}]);
    assert_eq!(post(&fake, &with_tools(no_params)).await.0, 200);

    let long = "a".repeat(65);
    assert_rejected(
        &post(&fake, &with_tools(json!([tool(&long, obj_schema())]))).await,
        400,
        "does not match",
    );
    assert_eq!(
        post(
            &fake,
            &with_tools(json!([tool(&"a".repeat(64), obj_schema())]))
        )
        .await
        .0,
        200
    );
    assert_rejected(
        &post(
            &fake,
            &with_tools(json!([tool("multi_agent_v1.wait", obj_schema())])),
        )
        .await,
        400,
        "does not match",
    );
    assert_rejected(
        &post(&fake, &with_tools(json!([tool("", obj_schema())]))).await,
        400,
        "does not match",
    );
    assert_rejected(
        &post(
            &fake,
            &with_tools(json!([tool("a", obj_schema()), tool("a", obj_schema())])),
        )
        .await,
        400,
        "duplicate",
    );
    for bad in [
        Value::Null,
        json!({"type": null}),
        json!({"oneOf": [{"type": "object"}, {"type": "string"}]}),
        json!({"type": "object", "anyOf": [{"required": ["a"]}]}),
        json!({"type": "string"}),
    ] {
        assert_rejected(
            &post(&fake, &with_tools(json!([tool("t", bad.clone())]))).await,
            400,
            "Invalid schema",
        );
    }
    let mut strict_null = tool("t", obj_schema());
    strict_null["function"]["strict"] = Value::Null;
    assert_rejected(
        &post(&fake, &with_tools(json!([strict_null]))).await,
        400,
        "strict",
    );
    let mut strict_false = tool("t", obj_schema());
    strict_false["function"]["strict"] = json!(false);
    assert_eq!(
        post(&fake, &with_tools(json!([strict_false.clone()])))
            .await
            .0,
        200
    );
    assert_rejected(
        &post(
            &fake,
            &with_tools(json!([{"type": "custom", "name": "apply_patch"}])),
        )
        .await,
        400,
        "only 'function'",
    );

    // MiMo: `strict` must be absent, tool_choice only "auto".
    fake.set_profile(Profile::mimo());
    let mut b = with_tools(json!([strict_false]));
    b["thinking"] = json!({"type": "disabled"});
    assert_rejected(&post(&fake, &b).await, 400, "strict");
    let mut b = with_tools(json!([tool("t", obj_schema())]));
    b["thinking"] = json!({"type": "disabled"});
    b["tool_choice"] = json!("required");
    assert_rejected(&post(&fake, &b).await, 400, "tool_choice");
    b["tool_choice"] = json!("auto");
    assert_eq!(post(&fake, &b).await.0, 200);
}

#[tokio::test]
async fn thinking_mode_requires_reasoning_echo() {
    for profile in [Profile::deepseek(), Profile::mimo()] {
        let fake = FakeUpstream::start(profile).await;
        // thinking on by default for these profiles
        assert_rejected(
            &post(&fake, &tool_history(None)).await,
            400,
            ERR_REASONING_ECHO,
        );
        assert_rejected(
            &post(&fake, &tool_history(Some(""))).await,
            400,
            ERR_REASONING_ECHO,
        );
        assert_eq!(
            post(&fake, &tool_history(Some("I will list."))).await.0,
            200
        );
        let mut explicit_on = tool_history(None);
        explicit_on["thinking"] = json!({"type": "enabled"});
        assert_rejected(&post(&fake, &explicit_on).await, 400, ERR_REASONING_ECHO);
        // a plain assistant text turn needs it too
        let mut text_turn = base();
        text_turn["messages"].as_array_mut().unwrap().extend([
            json!({"role": "assistant", "content": "hello"}),
            json!({"role": "user", "content": "again"}),
        ]);
        assert_rejected(&post(&fake, &text_turn).await, 400, ERR_REASONING_ECHO);
        // thinking off: no echo needed
        let mut off = tool_history(None);
        off["thinking"] = json!({"type": "disabled"});
        assert_eq!(post(&fake, &off).await.0, 200);
    }
    // The lenient profile never asks for it.
    let fake = FakeUpstream::start(Profile::lenient()).await;
    assert_eq!(post(&fake, &tool_history(None)).await.0, 200);
}

#[tokio::test]
async fn minimax_rejects_a_system_message_after_the_start() {
    let fake = FakeUpstream::start(Profile::minimax()).await;
    assert_eq!(post(&fake, &base()).await.0, 200);
    let mut two_at_start = base();
    two_at_start["messages"]
        .as_array_mut()
        .unwrap()
        .insert(1, json!({"role": "system", "content": "more rules"}));
    assert_eq!(post(&fake, &two_at_start).await.0, 200);
    let mut late = base();
    late["messages"]
        .as_array_mut()
        .unwrap()
        .push(json!({"role": "system", "content": "late"}));
    assert_rejected(&post(&fake, &late).await, 400, ERR_MINIMAX_2013);
    // the same body is fine for a lenient vendor
    fake.set_profile(Profile::lenient());
    assert_eq!(post(&fake, &late).await.0, 200);
}

#[tokio::test]
async fn parameter_quirks_are_enforced() {
    // MiMo: max_completion_tokens only
    let fake = FakeUpstream::start(Profile::mimo()).await;
    let mut b = base();
    b["thinking"] = json!({"type": "disabled"});
    b["max_tokens"] = json!(100);
    assert_rejected(&post(&fake, &b).await, 400, "max_completion_tokens");
    b.as_object_mut().unwrap().remove("max_tokens");
    b["max_completion_tokens"] = json!(100);
    assert_eq!(post(&fake, &b).await.0, 200);
    b["reasoning_effort"] = json!("xhigh");
    assert_rejected(&post(&fake, &b).await, 400, "reasoning_effort");

    // DeepSeek: sampling params rejected while thinking, fine when not
    fake.set_profile(Profile::deepseek());
    let mut b = base();
    b["temperature"] = json!(0.2);
    assert_rejected(&post(&fake, &b).await, 400, "temperature");
    b["thinking"] = json!({"type": "disabled"});
    assert_eq!(post(&fake, &b).await.0, 200);

    // Thinking switch shapes
    let mut enable = base();
    enable["enable_thinking"] = json!(true);
    let mut typed = base();
    typed["thinking"] = json!({"type": "enabled"});
    assert_rejected(&post(&fake, &enable).await, 400, "enable_thinking");
    assert_eq!(post(&fake, &typed).await.0, 200);
    fake.set_profile(Profile::qwen());
    assert_rejected(&post(&fake, &typed).await, 400, "thinking");
    assert_eq!(post(&fake, &enable).await.0, 200);
    for p in [Profile::kimi(), Profile::minimax()] {
        fake.set_profile(p);
        assert_rejected(&post(&fake, &typed).await, 400, "no thinking switch");
        assert_rejected(&post(&fake, &enable).await, 400, "no thinking switch");
        assert_eq!(post(&fake, &base()).await.0, 200);
    }
    fake.set_profile(Profile::glm());
    let mut bad_type = base();
    bad_type["thinking"] = json!({"type": "auto"});
    assert_rejected(&post(&fake, &bad_type).await, 400, "thinking.type");
}

#[tokio::test]
async fn images_need_a_vision_model() {
    let mut img = base();
    img["messages"][1]["content"] = json!([
        {"type": "text", "text": "what is this"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}
    ]);
    let fake = FakeUpstream::start(Profile {
        vision: false,
        ..Profile::lenient()
    })
    .await;
    assert_rejected(
        &post(&fake, &img).await,
        400,
        "image input is not supported",
    );
    fake.set_profile(Profile::lenient());
    assert_eq!(post(&fake, &img).await.0, 200);
    let mut bad_part = base();
    bad_part["messages"][1]["content"] =
        json!([{"type": "input_text", "text": "responses-style part"}]);
    assert_rejected(&post(&fake, &bad_part).await, 400, "unsupported");
}

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
