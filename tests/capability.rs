//! One capability suite run against every built-in provider profile.
//!
//! For each profile: the fake upstream is as strict as that vendor (tests/support/fake_upstream/),
//! the engine runs with that built-in profile aimed at the fake, and Responses requests captured
//! from Codex 0.169 (`../shared/fixtures/codex/request-*.json`, `model` swapped for the profile's
//! default model) are posted over HTTP. The SSE answer is parsed and checked for what Codex needs
//! (DESIGN §4); the upstream request is checked for what the vendor needs (DESIGN §5).
//!
//! Every test runs all profiles (each in its own task) and reports every failing profile at once.

mod support;
#[path = "support/engine.rs"]
mod support_engine;

use std::future::Future;
use std::time::Duration;

use mimo2codex::provider::ModelInfo;
use serde_json::{json, Value};
use support::fake_upstream::{FakeUpstream, Profile, RecordedRequest, Script};
use support::sse::{self, assert_well_formed, done_items, items_of_type, message_text};
use support::{codex_fixture, codex_request_body};
use support_engine::{builtin_ids, fake_profile_for, TestEngine};

/// One profile's fake + engine + HTTP client.
struct Bench {
    id: String,
    fake: FakeUpstream,
    fake_profile: Profile,
    model: ModelInfo,
    engine: TestEngine,
    client: reqwest::Client,
}

/// What the engine answered to one Responses request.
struct Answer {
    status: u16,
    body: String,
    events: Vec<Value>,
}

impl Answer {
    fn items(&self) -> Vec<Value> {
        done_items(&self.events)
    }

    /// Asserts 200 + a well-formed stream ending in `response.completed`.
    #[track_caller]
    fn completed(&self) -> &Self {
        assert_eq!(
            self.status, 200,
            "engine answered {}: {}",
            self.status, self.body
        );
        assert_eq!(
            assert_well_formed(&self.events),
            "response.completed",
            "{}",
            self.body
        );
        self
    }

    fn terminal(&self) -> Option<&Value> {
        sse::terminal(&self.events)
    }
}

impl Bench {
    async fn new(id: &str) -> Bench {
        let (fake_profile, model) = fake_profile_for(id);
        let fake = FakeUpstream::start(fake_profile.clone()).await;
        let engine = TestEngine::start(id, &fake, true).await;
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        Bench {
            id: id.to_string(),
            fake,
            fake_profile,
            model,
            engine,
            client,
        }
    }

    /// A captured Codex request body with `model` set to this profile's default model.
    fn fixture(&self, name: &str) -> Value {
        let mut body = codex_request_body(name);
        body["model"] = json!(self.engine.profile.default_model);
        body
    }

    async fn send(&self, body: &Value) -> Answer {
        let resp = self
            .client
            .post(format!("{}/responses", self.engine.base_url))
            .bearer_auth("sk-codex-client")
            .header("accept", "text/event-stream")
            .json(body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("[{}] POST /responses: {e}", self.id));
        let status = resp.status().as_u16();
        let body = resp.text().await.unwrap_or_default();
        let events = sse::parse_sse(&body);
        Answer {
            status,
            body,
            events,
        }
    }

    /// Whether the fake considered the request thinking (per the vendor's switch / model id).
    fn thinking_on(&self, req: &RecordedRequest) -> bool {
        self.fake_profile.thinking_on(&req.body)
    }

    #[track_caller]
    fn no_rejections(&self) {
        let rejected = self.fake.rejections();
        assert!(
            rejected.is_empty(),
            "[{}] upstream rejected the engine's request(s): {rejected:?}",
            self.id
        );
    }

    fn last_request(&self) -> RecordedRequest {
        self.fake
            .accepted()
            .pop()
            .unwrap_or_else(|| panic!("[{}] no accepted upstream request", self.id))
    }

    async fn finish(self) {
        self.engine.shutdown().await;
    }
}

/// Runs `check` for every built-in profile concurrently and fails listing each failing profile.
async fn for_each_profile<F, Fut>(check: F)
where
    F: Fn(Bench) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let ids = builtin_ids();
    assert!(
        ids.len() >= 7,
        "expected the built-in profiles, got {ids:?}"
    );
    let mut tasks = Vec::new();
    for id in ids {
        let bench = Bench::new(&id).await;
        let fut = check(bench);
        tasks.push((
            id,
            tokio::spawn(async move { tokio::time::timeout(Duration::from_secs(60), fut).await }),
        ));
    }
    let mut failures = Vec::new();
    for (id, task) in tasks {
        match task.await {
            Ok(Ok(())) => {}
            Ok(Err(_)) => failures.push(format!("{id}: timed out")),
            Err(e) => {
                let msg = e
                    .try_into_panic()
                    .ok()
                    .and_then(|p| {
                        p.downcast_ref::<String>()
                            .cloned()
                            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                    })
                    .unwrap_or_else(|| "cancelled".into());
                failures.push(format!("{id}: {msg}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} profile(s) failed:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

fn find_tool(req: &RecordedRequest, needle: &str) -> String {
    req.tool_names()
        .into_iter()
        .find(|n| n.contains(needle))
        .unwrap_or_else(|| {
            panic!(
                "no upstream tool containing {needle:?}: {:?}",
                req.tool_names()
            )
        })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text() {
    for_each_profile(|b| async move {
        b.fake.push(Script::text("Hello capability."));
        let a = b.send(&b.fixture("request-01-text-turn.json")).await;
        a.completed();
        b.no_rejections();
        assert_eq!(message_text(&a.items()), "Hello capability.");
        let req = b.last_request();
        assert_eq!(req.body["model"], b.engine.profile.default_model);
        assert_eq!(req.body["stream"], true);
        assert_eq!(req.messages()[0]["role"], "system");
        assert!(req.messages().iter().all(|m| m["role"] != "developer"));
        b.finish().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stream_deltas_and_usage() {
    for_each_profile(|b| async move {
        let mut script = Script::text("one two three four five")
            .chunks(5)
            .usage(30, 12)
            .cached(10)
            .reasoning_tokens(4)
            .delay(Duration::from_millis(5));
        if b.id == "deepseek" {
            script = script.deepseek_usage();
        }
        b.fake.push(script);
        let a = b.send(&b.fixture("request-01-text-turn.json")).await;
        a.completed();
        b.no_rejections();
        let deltas: Vec<&str> = a
            .events
            .iter()
            .filter(|e| sse::event_type(e) == "response.output_text.delta")
            .filter_map(|e| e["delta"].as_str())
            .collect();
        assert!(deltas.len() >= 2, "text must stream: {deltas:?}");
        assert_eq!(deltas.concat(), "one two three four five");
        let added = a
            .events
            .iter()
            .position(|e| sse::event_type(e) == "response.output_item.added")
            .expect("output_item.added");
        let first_delta = a
            .events
            .iter()
            .position(|e| sse::event_type(e) == "response.output_text.delta")
            .unwrap();
        assert!(added < first_delta);
        let usage = &a.terminal().unwrap()["response"]["usage"];
        assert_eq!(usage["input_tokens"], 30, "usage: {usage}");
        assert_eq!(usage["output_tokens"], 12);
        assert_eq!(usage["total_tokens"], 42);
        assert_eq!(usage["input_tokens_details"]["cached_tokens"], 10);
        assert_eq!(usage["output_tokens_details"]["reasoning_tokens"], 4);
        b.finish().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tool_call() {
    for_each_profile(|b| async move {
        let args = r#"{"cmd":"echo mock-tool-ran && pwd"}"#;
        b.fake
            .push(Script::tool_call("call_cap_1", "exec_command", args).fragments(4));
        let a = b.send(&b.fixture("request-02-shell-first.json")).await;
        a.completed();
        b.no_rejections();
        let items = a.items();
        let calls = items_of_type(&items, "function_call");
        assert_eq!(calls.len(), 1, "{}", a.body);
        assert_eq!(calls[0]["call_id"], "call_cap_1");
        assert_eq!(calls[0]["name"], "exec_command");
        let got: Value = serde_json::from_str(calls[0]["arguments"].as_str().unwrap()).unwrap();
        assert_eq!(got, serde_json::from_str::<Value>(args).unwrap());
        assert!(calls[0].get("namespace").is_none_or(Value::is_null));
        b.finish().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multi_turn_tools() {
    for_each_profile(|b| async move {
        b.fake.push(Script::text("It printed mock-tool-ran."));
        let a = b
            .send(&b.fixture("request-03-shell-followup-function_call_output.json"))
            .await;
        a.completed();
        b.no_rejections();
        let req = b.last_request();
        let assistant = req
            .messages()
            .iter()
            .find(|m| m["role"] == "assistant" && m.get("tool_calls").is_some())
            .expect("assistant tool_calls");
        assert_eq!(assistant["tool_calls"][0]["id"], "call_mock_1");
        let tool = req.tool_message("call_mock_1").expect("tool message");
        assert!(tool["content"].to_string().contains("mock-tool-ran"));
        b.finish().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_tools() {
    for_each_profile(|b| async move {
        b.fake.push(
            Script::tool_call("call_p1", "exec_command", r#"{"cmd":"echo one"}"#)
                .with_call("call_p2", "exec_command", r#"{"cmd":"echo two"}"#)
                .fragments(3)
                .interleaved(),
        );
        let a = b.send(&b.fixture("request-02-shell-first.json")).await;
        a.completed();
        let items = a.items();
        let calls = items_of_type(&items, "function_call");
        let ids: Vec<&str> = calls
            .iter()
            .map(|c| c["call_id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["call_p1", "call_p2"], "{}", a.body);
        assert_eq!(calls[1]["arguments"], r#"{"cmd":"echo two"}"#);
        // history with two calls and two outputs
        b.fake.push(Script::text("both ran"));
        let a = b
            .send(&b.fixture("request-05-parallel-two-outputs.json"))
            .await;
        a.completed();
        b.no_rejections();
        let req = b.last_request();
        assert!(req.tool_message("call_mock_1").is_some());
        assert!(req.tool_message("call_mock_2").is_some());
        b.finish().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reasoning_and_tools_with_strict_echo() {
    for_each_profile(|b| async move {
        let thought = format!("Reasoning for {} before the call.", b.id);
        b.fake.push(
            Script::tool_call("call_r1", "exec_command", r#"{"cmd":"echo r"}"#)
                .reasoning(thought.clone())
                .chunks(3),
        );
        let first_body = b.fixture("request-02-shell-first.json");
        let a = b.send(&first_body).await;
        a.completed();
        let thinking = b.thinking_on(&b.last_request());
        // Engine thinking is on: a reasoning model must be asked to think, a plain one must not.
        assert_eq!(
            thinking, b.model.reasoning,
            "thinking state sent upstream for {} (reasoning model: {})",
            b.model.id, b.model.reasoning
        );
        let items = a.items();
        let reasoning = items_of_type(&items, "reasoning");
        if thinking {
            assert_eq!(reasoning.len(), 1, "reasoning item expected: {}", a.body);
            assert!(
                reasoning[0]["encrypted_content"]
                    .as_str()
                    .is_some_and(|s| !s.is_empty()),
                "reasoning must travel in encrypted_content: {}",
                reasoning[0]
            );
            assert!(a
                .events
                .iter()
                .any(|e| sse::event_type(e) == "response.reasoning_summary_text.delta"));
            if b.fake_profile.think_tags {
                assert!(
                    !message_text(&items).contains("<think>"),
                    "think tags must not leak into the message"
                );
            }
        }
        // Codex resends the output items verbatim, then the tool output.
        let mut next = first_body.clone();
        let input = next["input"].as_array_mut().unwrap();
        for item in &items {
            input.push(item.clone());
        }
        input.push(json!({"type": "function_call_output", "call_id": "call_r1", "output": "r\n"}));
        b.fake.push(Script::text("done").reasoning("wrap up"));
        let a2 = b.send(&next).await;
        a2.completed();
        b.no_rejections();
        let req = b.last_request();
        let assistant = req
            .messages()
            .iter()
            .find(|m| m["role"] == "assistant" && m.get("tool_calls").is_some())
            .expect("assistant tool call turn");
        if thinking && b.fake_profile.require_reasoning_echo {
            assert_eq!(assistant["reasoning_content"], json!(thought));
        }
        b.finish().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn image_input() {
    for_each_profile(|b| async move {
        b.fake.push(Script::text("A small picture."));
        let a = b
            .send(&b.fixture("request-10-effort-summary-schema-image-tier.json"))
            .await;
        a.completed();
        b.no_rejections();
        let req = b.last_request();
        let raw = serde_json::to_string(req.messages()).unwrap();
        if b.model.vision {
            assert!(raw.contains("\"image_url\""), "vision model gets the image");
        } else {
            assert!(
                !raw.contains("\"image_url\""),
                "non-vision model gets a text stand-in"
            );
        }
        assert!(
            !raw.contains("\"input_image\"") && !raw.contains("\"input_text\""),
            "Responses part types must be translated"
        );
        b.finish().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn custom_tool() {
    for_each_profile(|b| async move {
        let patch = "*** Begin Patch\n*** Add File: a.txt\n+hi\n*** End Patch\n";
        let patch_owned = patch.to_string();
        b.fake.set_responder(move |req| {
            let name = find_tool(req, "apply_patch");
            Script::tool_call(
                "call_cp1",
                &name,
                json!({ "input": patch_owned }).to_string(),
            )
            .fragments(4)
        });
        let a = b
            .send(&b.fixture("request-06-gpt55-custom-apply_patch-tool.json"))
            .await;
        a.completed();
        b.no_rejections();
        let items = a.items();
        let calls = items_of_type(&items, "custom_tool_call");
        assert_eq!(calls.len(), 1, "{}", a.body);
        assert_eq!(calls[0]["name"], "apply_patch");
        assert_eq!(calls[0]["call_id"], "call_cp1");
        assert_eq!(calls[0]["input"], patch);
        // history: custom_tool_call + custom_tool_call_output
        b.fake.set_responder(|_| Script::text("patched"));
        let a = b
            .send(&b.fixture("request-07-custom_tool_call_output.json"))
            .await;
        a.completed();
        b.no_rejections();
        b.finish().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn namespace_tool() {
    for_each_profile(|b| async move {
        b.fake.set_responder(|req| {
            let name = find_tool(req, "wait_agent");
            Script::tool_call("call_ns1", &name, r#"{"targets":["x"],"timeout_ms":1}"#)
        });
        let a = b.send(&b.fixture("request-01-text-turn.json")).await;
        a.completed();
        b.no_rejections();
        let items = a.items();
        let calls = items_of_type(&items, "function_call");
        assert_eq!(calls.len(), 1, "{}", a.body);
        assert_eq!(calls[0]["name"], "wait_agent");
        assert_eq!(calls[0]["namespace"], "multi_agent_v1");
        b.finish().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_classes() {
    for_each_profile(|b| async move {
        let body = b.fixture("request-01-text-turn.json");

        // Context too long: response.failed with context_length_exceeded (Codex stops, no retry).
        b.fake.push(Script::http_error(
            400,
            r#"{"error":{"message":"This model's maximum context length is 131072 tokens. However, you requested 200000 tokens. Please reduce the length of the messages.","type":"invalid_request_error","param":null,"code":"context_length_exceeded"}}"#,
        ));
        let a = b.send(&body).await;
        assert_eq!(a.status, 200, "{}", a.body);
        assert_eq!(assert_well_formed(&a.events), "response.failed", "{}", a.body);
        assert_eq!(
            a.terminal().unwrap()["response"]["error"]["code"],
            "context_length_exceeded"
        );

        // Rate limit: Codex must learn the delay ("try again in Ns").
        // (queued three times: an engine may retry once internally; leftovers are dropped)
        for _ in 0..3 {
            b.fake.push(
                Script::http_error(
                    429,
                    r#"{"error":{"message":"Rate limit reached for requests","type":"rate_limit_error"}}"#,
                )
                .retry_after(3),
            );
        }
        let a = b.send(&body).await;
        b.fake.clear_queue();
        if a.status == 200 {
            assert_eq!(assert_well_formed(&a.events), "response.failed", "{}", a.body);
            let err = &a.terminal().unwrap()["response"]["error"];
            assert_eq!(err["code"], "rate_limit_exceeded", "{err}");
            assert!(err["message"].as_str().unwrap_or("").contains("try again in"), "{err}");
        } else {
            assert_eq!(a.status, 429, "{}", a.body);
        }

        // An error chunk mid-stream: response.failed carrying the upstream's message.
        b.fake.push(Script::text("partial answer").chunks(4).error_chunk_after(2, "upstream overloaded mid-stream"));
        let a = b.send(&body).await;
        assert_eq!(assert_well_formed(&a.events), "response.failed", "{}", a.body);
        assert!(a.terminal().unwrap()["response"]["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("upstream overloaded mid-stream"));

        // A cut stream must not look like a completed turn.
        b.fake.push(Script::text("cut short").chunks(4).cut_after(2));
        let a = b.send(&body).await;
        assert!(
            !a.events.iter().any(|e| sse::event_type(e) == "response.completed"),
            "a cut upstream stream must not end in response.completed: {}",
            a.body
        );

        // finish_reason length: response.incomplete (ends the turn, no retry).
        b.fake.push(Script::text("truncated").finish("length"));
        let a = b.send(&body).await;
        assert_eq!(assert_well_formed(&a.events), "response.incomplete", "{}", a.body);
        assert_eq!(
            a.terminal().unwrap()["response"]["incomplete_details"]["reason"],
            "max_output_tokens"
        );

        // Upstream 5xx: never a completed turn; the message names the upstream status.
        for _ in 0..3 {
            b.fake.push(Script::http_error(503, r#"{"error":{"message":"Service Unavailable"}}"#));
        }
        let a = b.send(&body).await;
        b.fake.clear_queue();
        assert!(
            !a.events.iter().any(|e| sse::event_type(e) == "response.completed"),
            "{}",
            a.body
        );
        assert!(a.body.contains("503"), "the status must be named: {}", a.body);
        b.finish().await;
    })
    .await;
}

#[test]
fn fixtures_are_present() {
    // The suite's inputs; a missing ../shared makes every test above fail with this clearer message.
    for f in [
        "request-01-text-turn.json",
        "request-02-shell-first.json",
        "request-03-shell-followup-function_call_output.json",
        "request-05-parallel-two-outputs.json",
        "request-06-gpt55-custom-apply_patch-tool.json",
        "request-07-custom_tool_call_output.json",
        "request-10-effort-summary-schema-image-tier.json",
    ] {
        assert!(codex_request_body(f)["input"].is_array(), "{f}");
    }
    assert!(codex_fixture("catalog.example.json").contains("\"models\""));
}
