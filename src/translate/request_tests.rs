//! Tests of `responses_to_chat` on real Codex 0.169 captures and on targeted shapes.

use serde_json::{json, Value};

use super::*;
use crate::provider::{ModelInfo, Quirks};
use crate::translate::history::MISSING_OUTPUT_TEXT;
use crate::translate::names::is_legal_tool_name;
use crate::translate::reasoning::encode_reasoning;
use crate::translate::{ChatPlan, ToolOrigin, NO_THINKING_PLACEHOLDER};

macro_rules! fixture {
    ($file:literal) => {
        body_of(include_str!(concat!(
            "../../../shared/fixtures/codex/",
            $file
        )))
    };
}

fn body_of(raw: &str) -> Value {
    let capture: Value = serde_json::from_str(raw).unwrap_or(Value::Null);
    capture["body"].clone()
}

fn model(id: &str) -> ModelInfo {
    ModelInfo {
        id: id.into(),
        ..ModelInfo::default()
    }
}

fn run_with(req: &Value, quirks: &Quirks, model: &ModelInfo, thinking: bool) -> ChatPlan {
    let opts = TranslateOptions {
        quirks,
        model,
        thinking,
    };
    match responses_to_chat(req, &opts) {
        Ok(plan) => {
            assert_well_formed(&plan, quirks.max_tool_name_len);
            plan
        }
        Err(e) => panic!("translation failed: {e}"),
    }
}

fn run(req: &Value) -> ChatPlan {
    run_with(req, &Quirks::default(), &model("up-model"), true)
}

fn msgs(plan: &ChatPlan) -> &Vec<Value> {
    plan.body["messages"].as_array().expect("messages array")
}

fn roles(plan: &ChatPlan) -> Vec<&str> {
    msgs(plan)
        .iter()
        .map(|m| m["role"].as_str().unwrap_or("?"))
        .collect()
}

fn tool_names(plan: &ChatPlan) -> Vec<&str> {
    plan.body["tools"]
        .as_array()
        .map(|t| {
            t.iter()
                .filter_map(|t| t["function"]["name"].as_str())
                .collect()
        })
        .unwrap_or_default()
}

fn tool_def<'p>(plan: &'p ChatPlan, name: &str) -> &'p Value {
    let tools = plan.body["tools"].as_array().expect("tools");
    tools
        .iter()
        .find(|t| t["function"]["name"] == name)
        .unwrap_or_else(|| panic!("no tool {name}"))
}

fn has_note(plan: &ChatPlan, key: &str) -> bool {
    plan.notes.iter().any(|n| n.key == key)
}

/// What every strict upstream demands: one leading system message, every call answered right after
/// its assistant message in order, no stray tool message, legal tool names, valid JSON arguments.
fn assert_well_formed(plan: &ChatPlan, max_len: usize) {
    let m = msgs(plan);
    for (i, msg) in m.iter().enumerate() {
        let role = msg["role"].as_str().unwrap_or("");
        assert!(
            matches!(role, "system" | "user" | "assistant" | "tool"),
            "role {role}"
        );
        assert!(role != "system" || i == 0, "system message at {i}");
    }
    let mut i = 0;
    while i < m.len() {
        let calls = m[i]["tool_calls"].as_array().cloned().unwrap_or_default();
        if m[i]["role"] == "tool" {
            panic!("stray tool message at {i}: {}", m[i]);
        }
        for (k, call) in calls.iter().enumerate() {
            let tool = &m[i + 1 + k];
            assert_eq!(tool["role"], "tool", "call {k} of message {i} unanswered");
            assert_eq!(tool["tool_call_id"], call["id"]);
            let args = call["function"]["arguments"].as_str().unwrap_or("");
            assert!(
                serde_json::from_str::<Value>(args).is_ok_and(|v| v.is_object()),
                "{args}"
            );
            let name = call["function"]["name"].as_str().unwrap_or("");
            assert!(is_legal_tool_name(name, max_len), "{name}");
        }
        i += 1 + calls.len();
    }
    for name in tool_names(plan) {
        assert!(is_legal_tool_name(name, max_len), "{name}");
    }
}

#[test]
fn every_fixture_translates_into_a_well_formed_body() {
    let all = [
        fixture!("request-01-text-turn.json"),
        fixture!("request-02-shell-first.json"),
        fixture!("request-03-shell-followup-function_call_output.json"),
        fixture!("request-04-reasoning-replayed.json"),
        fixture!("request-05-parallel-two-outputs.json"),
        fixture!("request-06-gpt55-custom-apply_patch-tool.json"),
        fixture!("request-07-custom_tool_call_output.json"),
        fixture!("request-08-model_catalog_json-model.json"),
        fixture!("request-09-gpt6-responses-lite.json"),
        fixture!("request-10-effort-summary-schema-image-tier.json"),
        fixture!("request-11-retry-after-missing-completed.json"),
        fixture!("request-13-resumed-second-turn.json"),
    ];
    for req in &all {
        let plan = run(req);
        assert_eq!(msgs(&plan)[0]["role"], "system");
        assert_eq!(plan.body["model"], "up-model");
        assert_eq!(plan.body["stream"], true);
        assert!(plan.client_stream);
        for dropped in [
            "store",
            "include",
            "prompt_cache_key",
            "client_metadata",
            "service_tier",
            "reasoning",
            "text",
            "input",
        ] {
            assert!(plan.body.get(dropped).is_none(), "{dropped} leaked");
        }
    }
}

#[test]
fn text_turn_has_one_system_message_and_flattened_namespace() {
    let req = fixture!("request-01-text-turn.json");
    let plan = run(&req);
    assert_eq!(roles(&plan), ["system", "user", "user"]);
    let system = msgs(&plan)[0]["content"].as_str().unwrap_or("");
    let dev0 = req["input"][0]["content"][0]["text"]
        .as_str()
        .unwrap_or("-");
    let dev1b = req["input"][1]["content"][1]["text"]
        .as_str()
        .unwrap_or("-");
    assert!(system.starts_with(dev0));
    assert!(system.ends_with(dev1b));
    assert!(system.contains(&format!("{dev0}\n\n")));
    let dev1a = req["input"][1]["content"][0]["text"]
        .as_str()
        .unwrap_or("-");
    assert!(system.contains(&format!("{dev1a}\n\n{dev1b}")));
    let names = tool_names(&plan);
    assert_eq!(names[0], "exec_command");
    assert!(names.contains(&"multi_agent_v1__spawn_agent"), "{names:?}");
    assert!(names.contains(&"update_goal"));
    assert_eq!(
        plan.tool_names.resolve("multi_agent_v1__spawn_agent"),
        ToolOrigin::Namespaced {
            namespace: "multi_agent_v1".into(),
            name: "spawn_agent".into()
        }
    );
    assert_eq!(
        plan.tool_names.namespace("multi_agent_v1__close_agent"),
        Some("multi_agent_v1")
    );
    // web_search is hosted: not sent, noted once.
    assert!(plan.body["tools"]
        .as_array()
        .is_some_and(|t| t.iter().all(|t| t["type"] == "function")));
    assert!(has_note(&plan, "drop-tool:web_search"));
    assert_eq!(plan.body["tool_choice"], "auto");
    assert_eq!(plan.body["parallel_tool_calls"], true);
    assert_eq!(plan.body["stream_options"], json!({"include_usage": true}));
    assert!(tool_def(&plan, "exec_command")["function"]
        .get("strict")
        .is_none());
}

#[test]
fn shell_followup_becomes_assistant_call_and_tool_answer() {
    let req = fixture!("request-03-shell-followup-function_call_output.json");
    let plan = run(&req);
    assert_eq!(
        roles(&plan),
        ["system", "user", "user", "assistant", "tool"]
    );
    let m = msgs(&plan);
    assert_eq!(m[3]["content"], Value::Null);
    assert_eq!(m[3]["tool_calls"][0]["id"], "call_mock_1");
    assert_eq!(m[3]["tool_calls"][0]["function"]["name"], "exec_command");
    assert_eq!(
        m[3]["tool_calls"][0]["function"]["arguments"],
        r#"{"cmd":"echo mock-tool-ran && pwd"}"#
    );
    assert_eq!(m[4]["content"], req["input"][5]["output"]);
}

#[test]
fn foreign_reasoning_falls_back_to_readable_text() {
    let req = fixture!("request-04-reasoning-replayed.json");
    let plan = run(&req);
    assert_eq!(
        roles(&plan),
        ["system", "user", "user", "assistant", "tool"]
    );
    assert_eq!(
        msgs(&plan)[3]["reasoning_content"],
        "The user wants a command run; exec_command is available."
    );
    // Our own encoding wins over the readable text.
    let mut ours = req.clone();
    ours["input"][4]["encrypted_content"] = json!(encode_reasoning("upstream thoughts"));
    let plan = run(&ours);
    assert_eq!(msgs(&plan)[3]["reasoning_content"], "upstream thoughts");
    // Thinking switched off: no reasoning is sent at all.
    let switchable = Quirks {
        thinking_param: ThinkingParam::ThinkingType,
        ..Quirks::default()
    };
    let plan = run_with(&ours, &switchable, &model("m"), false);
    assert!(msgs(&plan)[3].get("reasoning_content").is_none());
    // A model that does not reason never gets it either.
    let plain = ModelInfo {
        reasoning: false,
        ..model("m")
    };
    let plan = run_with(&ours, &Quirks::default(), &plain, true);
    assert!(msgs(&plan)[3].get("reasoning_content").is_none());
}

#[test]
fn parallel_outputs_follow_tool_calls_order() {
    let req = fixture!("request-05-parallel-two-outputs.json");
    let plan = run(&req);
    assert_eq!(
        roles(&plan),
        ["system", "user", "user", "assistant", "tool", "tool"]
    );
    let m = msgs(&plan);
    assert_eq!(m[3]["tool_calls"].as_array().map(Vec::len), Some(2));
    assert_eq!(m[4]["tool_call_id"], "call_mock_1");
    assert_eq!(m[5]["tool_call_id"], "call_mock_2");
    assert!(m[5]["content"]
        .as_str()
        .is_some_and(|c| c.contains("second-call")));
    // Outputs arriving in the other order are still answered in call order.
    let mut swapped = req.clone();
    if let Some(items) = swapped["input"].as_array_mut() {
        items.swap(6, 7);
    }
    let plan = run(&swapped);
    let m = msgs(&plan);
    assert_eq!(m[4]["tool_call_id"], "call_mock_1");
    assert_eq!(m[5]["tool_call_id"], "call_mock_2");
}

#[test]
fn custom_apply_patch_tool_and_history() {
    let req = fixture!("request-06-gpt55-custom-apply_patch-tool.json");
    let plan = run(&req);
    let f = &tool_def(&plan, "apply_patch")["function"];
    assert_eq!(f["parameters"]["required"], json!(["input"]));
    let desc = f["description"].as_str().unwrap_or("");
    assert!(desc.starts_with("The `apply_patch` tool can be used to edit files."));
    assert!(
        desc.contains("```lark\nstart: begin_patch hunk+ end_patch"),
        "{desc}"
    );
    assert_eq!(
        plan.tool_names.resolve("apply_patch"),
        ToolOrigin::Custom {
            name: "apply_patch".into()
        }
    );
    assert!(has_note(&plan, "drop-tool:tool_search"));
    assert!(!tool_names(&plan).contains(&"tool_search"));

    let req = fixture!("request-07-custom_tool_call_output.json");
    let plan = run(&req);
    assert_eq!(
        roles(&plan),
        ["system", "user", "user", "assistant", "tool"]
    );
    let m = msgs(&plan);
    let call = &m[3]["tool_calls"][0];
    assert_eq!(call["function"]["name"], "apply_patch");
    let args: Value = serde_json::from_str(call["function"]["arguments"].as_str().unwrap_or(""))
        .unwrap_or(Value::Null);
    assert_eq!(args, json!({"input": req["input"][4]["input"]}));
    assert_eq!(m[4]["tool_call_id"], "call_patch_1");
    assert!(m[4]["content"]
        .as_str()
        .is_some_and(|c| c.contains("A hello_from_mock.txt")));
}

#[test]
fn responses_lite_additional_tools_are_sent() {
    let req = fixture!("request-09-gpt6-responses-lite.json");
    assert!(req.get("tools").is_none());
    let quirks = Quirks {
        reasoning_effort: EffortSupport::LowMediumHigh,
        ..Quirks::default()
    };
    let plan = run_with(&req, &quirks, &model("m"), true);
    assert_eq!(roles(&plan), ["system", "user", "user"]);
    let names = tool_names(&plan);
    for expected in [
        "functions__exec",
        "functions__wait",
        "clock__sleep",
        "collaboration__spawn_agent",
    ] {
        assert!(
            names.contains(&expected),
            "{expected} missing from {names:?}"
        );
    }
    assert_eq!(
        plan.tool_names.resolve("functions__exec"),
        ToolOrigin::Custom {
            name: "exec".into()
        }
    );
    assert_eq!(
        plan.tool_names.namespace("functions__exec"),
        Some("functions")
    );
    assert_eq!(plan.tool_names.namespace("clock__sleep"), Some("clock"));
    assert_eq!(plan.body["parallel_tool_calls"], false);
    assert_eq!(plan.body["reasoning_effort"], "medium");
    let system = msgs(&plan)[0]["content"].as_str().unwrap_or("");
    assert!(system.contains("<multi_agent_mode>"));
    assert!(!has_note(&plan, "drop-item:additional_tools"));
}

#[test]
fn json_schema_and_images() {
    let req = fixture!("request-10-effort-summary-schema-image-tier.json");
    let vision = ModelInfo {
        vision: true,
        ..model("vl")
    };
    let plan = run_with(&req, &Quirks::default(), &vision, true);
    assert_eq!(plan.body["response_format"]["type"], "json_schema");
    assert_eq!(
        plan.body["response_format"]["json_schema"]["name"],
        "codex_output_schema"
    );
    assert_eq!(plan.body["response_format"]["json_schema"]["strict"], true);
    assert_eq!(
        plan.body["response_format"]["json_schema"]["schema"],
        req["text"]["format"]["schema"]
    );
    let user = &msgs(&plan)[2]["content"];
    assert_eq!(user[1]["type"], "image_url");
    assert!(user[1]["image_url"]["url"]
        .as_str()
        .is_some_and(|u| u.starts_with("data:image/png;base64,")));
    assert_eq!(user[1]["image_url"]["detail"], "high");
    assert_eq!(user[3], json!({"type": "text", "text": "say hi"}));

    let quirks = Quirks {
        json_schema_response_format: false,
        ..Quirks::default()
    };
    let plan = run_with(&req, &quirks, &model("text-only"), true);
    assert!(plan.body.get("response_format").is_none());
    assert_eq!(roles(&plan)[0], "system");
    let system = msgs(&plan)[0]["content"].as_str().unwrap_or("");
    assert!(system.contains("codex_output_schema") && system.contains("\"answer\""));
    let user = msgs(&plan)[2]["content"].as_str().unwrap_or("");
    assert!(
        user.contains("[image omitted: text-only does not accept images]"),
        "{user}"
    );
    assert!(user.ends_with("say hi"));
}

#[test]
fn placeholder_only_with_echo_quirk_and_thinking() {
    let req = fixture!("request-13-resumed-second-turn.json");
    let echo = Quirks {
        echo_reasoning_content: true,
        thinking_param: ThinkingParam::ThinkingType,
        ..Quirks::default()
    };
    let plan = run_with(&req, &echo, &model("m"), true);
    assert_eq!(
        roles(&plan),
        ["system", "user", "user", "assistant", "user"]
    );
    assert_eq!(
        msgs(&plan)[3]["content"],
        "Hello from the mock Responses server."
    );
    assert_eq!(msgs(&plan)[3]["reasoning_content"], NO_THINKING_PLACEHOLDER);
    assert_eq!(plan.placeholder_turns, 1);
    let plan = run_with(&req, &Quirks::default(), &model("m"), true);
    assert!(msgs(&plan)[3].get("reasoning_content").is_none());
    assert_eq!(plan.placeholder_turns, 0);
    let plan = run_with(&req, &echo, &model("m"), false);
    assert!(msgs(&plan)[3].get("reasoning_content").is_none());
    assert_eq!(plan.placeholder_turns, 0);
}

#[path = "request_cases.rs"]
mod cases;
