//! Validates the real-Codex harness (`tests/support/codex.rs`) without the engine: a tiny Responses
//! server replays SSE captured from Codex 0.169 (`../shared/fixtures/codex/`). If these fail, the
//! harness or the pinned Codex changed — not the engine.

mod support;

use serde_json::Value;
use support::codex::{CodexHome, CLIENT_TOKEN};
use support::fake_responses::{function_call_sse, text_turn_sse, FakeResponses};
use support::{codex_fixture, sse};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn codex_completes_a_text_turn_from_captured_sse() {
    let fake = FakeResponses::start().await;
    fake.push_sse(codex_fixture("sse-01-text-message.sse"));
    let Some(home) = CodexHome::new(&fake.base_url(), "mock-model", "") else {
        return;
    };
    let run = home.run_exec("say hi", &[]).await;
    run.assert_success();
    assert_eq!(
        run.final_message().as_deref(),
        Some("Hello from the mock Responses server."),
        "{}",
        run.describe()
    );
    let bodies = fake.bodies();
    assert_eq!(bodies.len(), 1, "one request for one text turn");
    let body = &bodies[0];
    assert_eq!(body["model"], "mock-model");
    assert_eq!(body["stream"], true);
    assert_eq!(fake.auth_headers()[0], format!("Bearer {CLIENT_TOKEN}"));
    // 0.169 sends the system prompt as input[0] (developer), not `instructions`.
    assert_eq!(body["input"][0]["role"], "developer");
    assert!(body.get("instructions").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn codex_runs_exec_command_and_sends_its_output_back() {
    let fake = FakeResponses::start().await;
    fake.push_sse(codex_fixture("sse-03-function_call.sse"));
    fake.push_sse(text_turn_sse("resp_mock_2", "The command ran."));
    let Some(home) = CodexHome::new(&fake.base_url(), "mock-model", "") else {
        return;
    };
    let run = home.run_exec("run the mock command", &[]).await;
    run.assert_success();
    let commands = run.commands();
    assert_eq!(commands.len(), 1, "{}", run.describe());
    let output = commands[0]["aggregated_output"].as_str().unwrap_or("");
    assert!(output.contains("mock-tool-ran"), "{}", run.describe());
    assert_eq!(commands[0]["exit_code"], 0, "{}", run.describe());
    assert_eq!(run.final_message().as_deref(), Some("The command ran."));

    let bodies = fake.bodies();
    assert_eq!(bodies.len(), 2, "tool call + follow-up");
    let input = bodies[1]["input"].as_array().unwrap();
    let call = input
        .iter()
        .find(|i| i["type"] == "function_call")
        .expect("function_call replayed");
    assert_eq!(call["call_id"], "call_mock_1");
    let out = input
        .iter()
        .find(|i| i["type"] == "function_call_output")
        .expect("function_call_output sent");
    assert_eq!(out["call_id"], "call_mock_1");
    assert!(out["output"]
        .as_str()
        .unwrap_or("")
        .contains("mock-tool-ran"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn codex_accepts_a_namespaced_function_call() {
    let fake = FakeResponses::start().await;
    fake.push_sse(function_call_sse(
        "resp_ns_1",
        "call_ns_1",
        Some("multi_agent_v1"),
        "wait_agent",
        r#"{"targets":["no-such-agent"],"timeout_ms":1}"#,
    ));
    fake.push_sse(text_turn_sse("resp_ns_2", "namespace ok"));
    let Some(home) = CodexHome::new(&fake.base_url(), "mock-model", "") else {
        return;
    };
    let run = home.run_exec("wait for agents", &[]).await;
    run.assert_success();
    let bodies = fake.bodies();
    assert_eq!(bodies.len(), 2, "{}", run.describe());
    let out = bodies[1]["input"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["type"] == "function_call_output")
        .cloned()
        .expect("function_call_output");
    let text = out["output"].to_string();
    assert!(
        !text.contains("unsupported call"),
        "Codex rejected the namespaced call: {text}"
    );
    // It reached the multi-agent handler, which rejects the made-up id without side effects.
    assert!(
        text.contains("invalid agent id"),
        "unexpected output: {text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn codex_reports_a_flattened_namespace_name_as_unsupported() {
    // The reverse of the test above: what the engine must avoid (DESIGN §3).
    let fake = FakeResponses::start().await;
    fake.push_sse(function_call_sse(
        "resp_flat_1",
        "call_flat_1",
        None,
        "multi_agent_v1__wait_agent",
        r#"{"targets":["no-such-agent"],"timeout_ms":1}"#,
    ));
    fake.push_sse(text_turn_sse("resp_flat_2", "done"));
    let Some(home) = CodexHome::new(&fake.base_url(), "mock-model", "") else {
        return;
    };
    let run = home.run_exec("wait for agents", &[]).await;
    let bodies = fake.bodies();
    assert_eq!(bodies.len(), 2, "{}", run.describe());
    let out: Vec<&Value> = bodies[1]["input"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["type"] == "function_call_output")
        .collect();
    assert_eq!(out.len(), 1, "{}", run.describe());
    assert!(
        out[0]["output"].to_string().contains("unsupported call"),
        "expected 'unsupported call', got {}",
        out[0]["output"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn codex_applies_a_freeform_patch_with_a_model_catalog() {
    let fake = FakeResponses::start().await;
    fake.push_sse(codex_fixture("sse-05-custom_tool_call-apply_patch.sse"));
    fake.push_sse(text_turn_sse("resp_patch_2", "patched"));
    let catalog: Value =
        serde_json::from_str(&codex_fixture("catalog.example.json")).expect("catalog JSON");
    let Some(home) = CodexHome::with_catalog(&fake.base_url(), "mock-model", &catalog, "") else {
        return;
    };
    let run = home
        .run_exec("add the file", &["--sandbox", "workspace-write"])
        .await;
    run.assert_success();
    // A catalog entry silences the unknown-model warning.
    assert!(run.error_items().is_empty(), "{}", run.describe());
    let bodies = fake.bodies();
    let apply_patch = bodies[0]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "apply_patch")
        .cloned()
        .expect("catalog model gets apply_patch");
    assert_eq!(apply_patch["type"], "custom");
    let written = std::fs::read_to_string(home.workspace.join("hello_from_mock.txt"))
        .unwrap_or_else(|e| panic!("patched file missing ({e}):\n{}", run.describe()));
    assert_eq!(written, "hello from the mock apply_patch\n");
    assert_eq!(run.file_changes().len(), 1, "{}", run.describe());
    let out = bodies[1]["input"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["type"] == "custom_tool_call_output")
        .cloned()
        .expect("custom_tool_call_output");
    assert_eq!(out["call_id"], "call_patch_1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn codex_without_catalog_warns_and_offers_no_apply_patch() {
    let fake = FakeResponses::start().await;
    fake.push_sse(text_turn_sse("resp_nocat", "hi"));
    let Some(home) = CodexHome::new(&fake.base_url(), "some-vendor-model", "") else {
        return;
    };
    let run = home.run_exec("hi", &[]).await;
    run.assert_success();
    assert!(
        run.error_items()
            .iter()
            .any(|m| m.contains("Model metadata for `some-vendor-model` not found")),
        "{}",
        run.describe()
    );
    let tools = fake.bodies()[0]["tools"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(!tools.iter().any(|t| t["name"] == "apply_patch"));
}

#[test]
fn captured_text_stream_is_well_formed_by_our_checker() {
    let events = sse::parse_sse(&codex_fixture("sse-01-text-message.sse"));
    assert_eq!(sse::assert_well_formed(&events), "response.completed");
    let items = sse::done_items(&events);
    assert_eq!(
        sse::message_text(&items),
        "Hello from the mock Responses server."
    );
    // sse-02 lacks response.created: the checker must reject it.
    let minimal = sse::parse_sse(&codex_fixture("sse-02-minimal-accepted.sse"));
    assert!(std::panic::catch_unwind(|| sse::assert_well_formed(&minimal)).is_err());
}
