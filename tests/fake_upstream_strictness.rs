//! The strict fake Chat Completions upstream proves its own strictness here: every rejection fires
//! with the vendor wording and correct bodies pass. (Scripts: `fake_upstream_scripts.rs`.)

mod support;

use serde_json::{json, Value};
use support::fake_upstream::client::{
    base, client, obj_schema, post, post_with, tool, tool_history, KEY,
};
use support::fake_upstream::{
    FakeUpstream, Profile, ERR_MINIMAX_2013, ERR_MISSING_TOOL_ANSWER, ERR_REASONING_ECHO,
    ERR_TOOL_WITHOUT_CALL,
};

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
