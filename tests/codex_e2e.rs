//! End to end: real `codex exec` (pinned 0.169) → the engine → the strict fake Chat Completions
//! upstream configured like the provider under test. Each scenario asserts on what Codex did and on
//! what the upstream received.
//!
//! Needs `npm ci` (see tests/support/codex.rs); `MIMO2CODEX_SKIP_CODEX_E2E=1` skips.

mod support;
#[path = "support/engine.rs"]
mod support_engine;

use serde_json::{json, Value};
use support::codex::CodexHome;
use support::codex_fixture;
use support::fake_upstream::{FakeUpstream, RecordedRequest, Script};
use support_engine::{fake_profile_for, TestEngine};

/// Fake + engine for built-in provider `id`, the fake as strict as that vendor.
async fn stack(id: &str, thinking: bool) -> (FakeUpstream, TestEngine) {
    let (profile, _model) = fake_profile_for(id);
    let fake = FakeUpstream::start(profile).await;
    let engine = TestEngine::start(id, &fake, thinking).await;
    (fake, engine)
}

/// A model catalog entry for `slug` (Codex then offers the freeform apply_patch tool).
fn catalog_for(slug: &str) -> Value {
    let mut catalog: Value =
        serde_json::from_str(&codex_fixture("catalog.example.json")).expect("catalog JSON");
    catalog["models"][0]["slug"] = json!(slug);
    catalog["models"][0]["display_name"] = json!(slug);
    catalog
}

fn has_tool_message(req: &RecordedRequest) -> bool {
    req.messages().iter().any(|m| m["role"] == "tool")
}

fn last_tool_message(req: &RecordedRequest) -> Option<&Value> {
    req.messages().iter().rev().find(|m| m["role"] == "tool")
}

fn assert_no_rejections(fake: &FakeUpstream) {
    let rejected: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.rejection.is_some())
        .map(|r| (r.path, r.rejection))
        .collect();
    assert!(
        rejected.is_empty(),
        "the upstream rejected requests the engine sent: {rejected:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_turn() {
    let (fake, engine) = stack("mimo", false).await;
    fake.push(Script::text("Hello from the fake MiMo.").chunks(4));
    let Some(home) = CodexHome::new(&engine.base_url, "mimo-v2.5-pro", "") else {
        return;
    };
    let run = home.run_exec("say hi", &[]).await;
    run.assert_success();
    assert_eq!(
        run.final_message().as_deref(),
        Some("Hello from the fake MiMo."),
        "{}",
        run.describe()
    );
    assert_no_rejections(&fake);
    let reqs = fake.accepted();
    assert_eq!(reqs.len(), 1, "one upstream call for one text turn");
    let body = &reqs[0].body;
    assert_eq!(body["model"], "mimo-v2.5-pro");
    assert_eq!(body["stream"], true);
    assert_eq!(reqs[0].messages()[0]["role"], "system");
    let last_user = reqs[0]
        .messages()
        .iter()
        .rev()
        .find(|m| m["role"] == "user")
        .expect("a user message")
        .to_string();
    assert!(last_user.contains("say hi"), "{last_user}");
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_command_round_trip() {
    let (fake, engine) = stack("glm", false).await;
    fake.push(
        Script::tool_call(
            "call_e2e_exec",
            "exec_command",
            r#"{"cmd":"echo e2e-tool-ran"}"#,
        )
        .fragments(5),
    );
    fake.push(Script::text("The command printed e2e-tool-ran."));
    let Some(home) = CodexHome::new(&engine.base_url, "glm-5.1", "") else {
        return;
    };
    let run = home.run_exec("run echo", &[]).await;
    run.assert_success();
    let commands = run.commands();
    assert_eq!(commands.len(), 1, "{}", run.describe());
    assert!(
        commands[0]["aggregated_output"]
            .as_str()
            .unwrap_or("")
            .contains("e2e-tool-ran"),
        "{}",
        run.describe()
    );
    assert_eq!(
        run.final_message().as_deref(),
        Some("The command printed e2e-tool-ran.")
    );
    assert_no_rejections(&fake);
    let reqs = fake.accepted();
    assert_eq!(reqs.len(), 2, "tool call turn + follow-up");
    assert!(reqs[0].tool_names().iter().any(|n| n == "exec_command"));
    let second = &reqs[1];
    let assistant = second
        .messages()
        .iter()
        .find(|m| m["role"] == "assistant" && m.get("tool_calls").is_some())
        .expect("assistant tool_calls replayed");
    assert_eq!(assistant["tool_calls"][0]["id"], "call_e2e_exec");
    assert_eq!(
        assistant["tool_calls"][0]["function"]["name"],
        "exec_command"
    );
    let args: Value = serde_json::from_str(
        assistant["tool_calls"][0]["function"]["arguments"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(args["cmd"], "echo e2e-tool-ran");
    let tool = second
        .tool_message("call_e2e_exec")
        .expect("tool message answers the call");
    assert!(
        tool["content"].to_string().contains("e2e-tool-ran"),
        "tool output should carry the command output: {tool}"
    );
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reasoning_round_trip_against_deepseek_strict_echo() {
    let (fake, engine) = stack("deepseek", true).await;
    let thought = "The user wants a command run; I will echo.";
    fake.push(
        Script::tool_call("call_ds_1", "exec_command", r#"{"cmd":"echo ds-ran"}"#)
            .reasoning(thought)
            .chunks(3)
            .deepseek_usage()
            .cached(8),
    );
    fake.push(Script::text("Done, it printed ds-ran.").reasoning("Summarise the output."));
    let Some(home) = CodexHome::new(&engine.base_url, "deepseek-v4-pro", "") else {
        return;
    };
    let run = home.run_exec("run echo with thinking", &[]).await;
    run.assert_success();
    assert_eq!(
        run.final_message().as_deref(),
        Some("Done, it printed ds-ran."),
        "{}",
        run.describe()
    );
    assert!(
        !run.items_of_type("reasoning").is_empty(),
        "the reasoning should be visible in Codex: {}",
        run.describe()
    );
    // The strict fake would have answered 400 "The reasoning_content in the thinking mode must be
    // passed back" had the engine dropped it.
    assert_no_rejections(&fake);
    let reqs = fake.accepted();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0].body["thinking"]["type"], "enabled");
    let assistant = reqs[1]
        .messages()
        .iter()
        .find(|m| m["role"] == "assistant" && m.get("tool_calls").is_some())
        .expect("assistant tool call turn");
    assert_eq!(assistant["reasoning_content"], thought);
    assert!(reqs[1].tool_message("call_ds_1").is_some());
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_patch_with_model_catalog() {
    let (fake, engine) = stack("qwen", false).await;
    let patch = "*** Begin Patch\n*** Add File: e2e_patched.txt\n+written through mimo2codex\n*** End Patch\n";
    let patch_owned = patch.to_string();
    fake.set_responder(move |req| {
        if has_tool_message(req) {
            return Script::text("Patched.");
        }
        let name = req
            .tool_names()
            .into_iter()
            .find(|n| n.contains("apply_patch"))
            .unwrap_or_else(|| "apply_patch-tool-was-not-offered".into());
        Script::tool_call(
            "call_patch_e2e",
            &name,
            json!({ "input": patch_owned }).to_string(),
        )
    });
    let Some(home) =
        CodexHome::with_catalog(&engine.base_url, "qwen3-max", &catalog_for("qwen3-max"), "")
    else {
        return;
    };
    let run = home
        .run_exec("create the file", &["--sandbox", "workspace-write"])
        .await;
    run.assert_success();
    assert_no_rejections(&fake);
    let reqs = fake.accepted();
    assert!(
        reqs[0]
            .tool_names()
            .iter()
            .any(|n| n.contains("apply_patch")),
        "the custom apply_patch tool must reach the upstream as a function: {:?}",
        reqs[0].tool_names()
    );
    let written = std::fs::read_to_string(home.workspace.join("e2e_patched.txt"))
        .unwrap_or_else(|e| panic!("patched file missing ({e}):\n{}", run.describe()));
    assert_eq!(written, "written through mimo2codex\n");
    assert_eq!(reqs.len(), 2, "{}", run.describe());
    assert!(reqs[1].tool_message("call_patch_e2e").is_some());
    assert_eq!(run.final_message().as_deref(), Some("Patched."));
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn namespaced_tool_call_is_accepted_by_codex() {
    let (fake, engine) = stack("kimi", false).await;
    fake.set_responder(|req| {
        if has_tool_message(req) {
            return Script::text("Checked the agents.");
        }
        // multi_agent_v1.wait_agent, flattened however the engine flattens it.
        let name = req
            .tool_names()
            .into_iter()
            .find(|n| n.contains("wait_agent"))
            .unwrap_or_else(|| "wait_agent-was-not-offered".into());
        Script::tool_call(
            "call_ns_e2e",
            &name,
            r#"{"targets":["no-such-agent"],"timeout_ms":1}"#,
        )
    });
    let Some(home) = CodexHome::new(&engine.base_url, "kimi-k2.6", "") else {
        return;
    };
    let run = home.run_exec("wait for the agents", &[]).await;
    run.assert_success();
    assert_no_rejections(&fake);
    let reqs = fake.accepted();
    assert_eq!(reqs.len(), 2, "{}", run.describe());
    let output = last_tool_message(&reqs[1])
        .expect("tool message")
        .to_string();
    assert!(
        !output.contains("unsupported call"),
        "Codex did not recognise the namespaced call (namespace lost?): {output}"
    );
    // Reached the multi-agent handler, which rejects the made-up id without side effects.
    assert!(output.contains("invalid agent id"), "{output}");
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upstream_rejection_is_shown_and_not_retried() {
    let (fake, engine) = stack("deepseek", false).await;
    fake.push(Script::http_error(
        400,
        r#"{"error":{"message":"Model Not Exist","type":"invalid_request_error","param":null,"code":"invalid_request_error"}}"#,
    ));
    let Some(home) = CodexHome::new(&engine.base_url, "deepseek-v4-pro", "") else {
        return;
    };
    let run = home.run_exec("hi", &[]).await;
    assert!(!run.timed_out, "{}", run.describe());
    assert!(
        run.elapsed < std::time::Duration::from_secs(20),
        "{}",
        run.describe()
    );
    assert!(!run.turn_completed(), "{}", run.describe());
    let errors = run.errors().join("\n");
    assert!(
        errors.contains("Model Not Exist"),
        "the upstream's message must reach the user: {}",
        run.describe()
    );
    assert_eq!(fake.hits(), 1, "a 400 must not be retried");
    engine.shutdown().await;
}
