//! Targeted shapes: orphans, turn merging, parameters per quirk, tool choice, errors.

use super::*;
use crate::provider::{MaxTokensField, ThinkingParam};

fn dev(text: &str) -> Value {
    json!({"type": "message", "role": "developer", "content": [{"type": "input_text", "text": text}]})
}
fn user(text: &str) -> Value {
    json!({"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]})
}
fn said(text: &str) -> Value {
    json!({"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": text}]})
}
fn call(id: &str, name: &str, args: &str) -> Value {
    json!({"type": "function_call", "call_id": id, "name": name, "arguments": args})
}
fn output(id: &str, out: Value) -> Value {
    json!({"type": "function_call_output", "call_id": id, "output": out})
}
fn req(input: Value) -> Value {
    json!({"model": "x", "stream": true, "input": input,
        "tools": [{"type": "function", "name": "sh", "parameters": {"type": "object", "properties": {}}},
                  {"type": "namespace", "name": "team.v1", "tools": [{"type": "function", "name": "spawn"}]}]})
}

#[test]
fn call_without_output_gets_a_no_output_tool_message() {
    let plan = run(&req(json!([
        user("go"),
        call("c1", "sh", "{}"),
        user("stop")
    ])));
    assert_eq!(roles(&plan), ["user", "assistant", "tool", "user"]);
    assert_eq!(msgs(&plan)[2]["content"], MISSING_OUTPUT_TEXT);
    assert!(has_note(&plan, "orphan-call"));
    // At the very end of the history too.
    let plan = run(&req(json!([user("go"), call("c1", "sh", "{}")])));
    assert_eq!(roles(&plan), ["user", "assistant", "tool"]);
}

#[test]
fn output_without_call_becomes_user_text() {
    let plan = run(&req(json!([
        user("go"),
        output("ghost", json!("ghost says hi")),
        said("ok")
    ])));
    assert_eq!(roles(&plan), ["user", "user", "assistant"]);
    let text = msgs(&plan)[1]["content"].as_str().unwrap_or("");
    assert!(
        text.contains("ghost says hi") && text.contains("`ghost`"),
        "{text}"
    );
    assert!(has_note(&plan, "orphan-output"));
}

#[test]
fn assistant_items_merge_until_a_user_or_tool_boundary() {
    let input = json!([
        user("go"),
        {"type": "reasoning", "summary": [{"type": "summary_text", "text": "r1"}]},
        said("first"),
        call("c1", "sh", "{}"),
        output("c1", json!("one")),
        {"type": "reasoning", "content": [{"type": "reasoning_text", "text": "r2"}]},
        call("c2", "sh", "{}"),
        call("c3", "sh", "{}"),
        output("c2", json!("two")),
        output("c3", json!("three")),
        said("done"),
        said("really"),
        user("next")
    ]);
    let plan = run(&req(input));
    assert_eq!(
        roles(&plan),
        [
            "user",
            "assistant",
            "tool",
            "assistant",
            "tool",
            "tool",
            "assistant",
            "user"
        ]
    );
    let m = msgs(&plan);
    assert_eq!(m[1]["content"], "first");
    assert_eq!(m[1]["reasoning_content"], "r1");
    assert_eq!(m[3]["reasoning_content"], "r2");
    assert_eq!(m[3]["tool_calls"].as_array().map(Vec::len), Some(2));
    assert_eq!(m[6]["content"], "done\n\nreally");
    assert!(m[6].get("tool_calls").is_none());
}

#[test]
fn echo_quirk_fills_every_assistant_turn() {
    let echo = Quirks {
        echo_reasoning_content: true,
        ..Quirks::default()
    };
    let input = json!([user("go"),
        {"type": "reasoning", "encrypted_content": encode_reasoning("real")},
        call("c1", "sh", "{}"), output("c1", json!("x")), said("done")]);
    let plan = run_with(&req(input), &echo, &model("m"), true);
    let m = msgs(&plan);
    assert_eq!(m[1]["reasoning_content"], "real");
    assert_eq!(m[3]["reasoning_content"], NO_THINKING_PLACEHOLDER);
    assert_eq!(plan.placeholder_turns, 1);
}

#[test]
fn reasoning_only_turn_and_think_tags() {
    let input = json!([user("go"), {"type": "reasoning", "content": [{"type": "reasoning_text", "text": "hmm"}]}]);
    let plan = run(&req(input));
    assert_eq!(roles(&plan), ["user"]);
    assert!(has_note(&plan, "drop-item:reasoning-only-turn"));
    let tags = Quirks {
        think_tags_in_content: true,
        ..Quirks::default()
    };
    let input = json!([user("go"), {"type": "reasoning", "content": [{"type": "reasoning_text", "text": "hmm"}]}, said("hi")]);
    let plan = run_with(&req(input), &tags, &model("m"), true);
    assert_eq!(msgs(&plan)[1]["content"], "<think>\nhmm\n</think>\n\nhi");
    assert!(msgs(&plan)[1].get("reasoning_content").is_none());
}

#[test]
fn historical_namespaced_call_maps_to_the_tool_name() {
    let mut c = call("c1", "spawn", "{\"a\":1}");
    c["namespace"] = json!("team.v1");
    let plan = run(&req(json!([user("go"), c, output("c1", json!("ok"))])));
    let name = msgs(&plan)[1]["tool_calls"][0]["function"]["name"].clone();
    assert_eq!(name, "team_v1__spawn");
    assert!(tool_names(&plan).contains(&"team_v1__spawn"));
    // A call to a tool no longer offered still gets a legal, mapped name.
    let mut gone = call("c2", "old tool", "{}");
    gone["namespace"] = json!("mcp.srv");
    let plan = run(&req(json!([user("go"), gone, output("c2", json!("ok"))])));
    assert_eq!(
        msgs(&plan)[1]["tool_calls"][0]["function"]["name"],
        "mcp_srv__old_tool"
    );
    assert_eq!(
        plan.tool_names.resolve("mcp_srv__old_tool"),
        ToolOrigin::Namespaced {
            namespace: "mcp.srv".into(),
            name: "old tool".into()
        }
    );
}

#[test]
fn invalid_historical_arguments_are_wrapped() {
    let plan = run(&req(json!([
        user("go"),
        call("c1", "sh", "{\"cmd\": \"ls"),
        output("c1", json!("x"))
    ])));
    let args = msgs(&plan)[1]["tool_calls"][0]["function"]["arguments"]
        .as_str()
        .unwrap_or("");
    assert_eq!(
        serde_json::from_str::<Value>(args).ok(),
        Some(json!({"raw": "{\"cmd\": \"ls"}))
    );
    assert!(has_note(&plan, "repaired-arguments"));
}

#[test]
fn output_arrays_join_text_and_move_images_after_tool_messages() {
    let img = json!({"type": "input_image", "image_url": "data:image/png;base64,AAAA"});
    let input = json!([
        user("go"),
        call("c1", "sh", "{}"),
        call("c2", "sh", "{}"),
        output(
            "c1",
            json!([{"type": "input_text", "text": "a"}, img, {"type": "input_text", "text": "b"}])
        ),
        output("c2", json!("plain"))
    ]);
    let vision = ModelInfo {
        vision: true,
        ..model("vl")
    };
    let plan = run_with(&req(input.clone()), &Quirks::default(), &vision, true);
    assert_eq!(roles(&plan), ["user", "assistant", "tool", "tool", "user"]);
    let m = msgs(&plan);
    let t1 = m[2]["content"].as_str().unwrap_or("");
    assert!(t1.starts_with("a\n") && t1.ends_with("\nb"), "{t1}");
    assert_eq!(
        m[4]["content"][1]["image_url"]["url"],
        "data:image/png;base64,AAAA"
    );
    let plan = run_with(&req(input), &Quirks::default(), &model("txt"), true);
    assert_eq!(roles(&plan), ["user", "assistant", "tool", "tool"]);
    assert_eq!(
        msgs(&plan)[2]["content"],
        "a\n[image omitted: txt does not accept images]\nb"
    );
}

#[test]
fn non_message_items_are_noted_not_silently_dropped() {
    let input = json!([user("go"),
        {"type": "web_search_call", "id": "ws_1", "status": "completed", "action": {"type": "search", "query": "q"}},
        {"type": "compaction", "encrypted_content": "gAAAA-opaque"},
        {"type": "tool_search_call", "call_id": "ts1", "arguments": {"query": "x"}},
        {"type": "tool_search_output", "call_id": "ts1", "tools": [{"type": "function", "name": "found_tool"}]},
        {"type": "brand_new_item"},
        said("ok")]);
    let plan = run(&req(input));
    assert_eq!(roles(&plan), ["user", "assistant"]);
    for key in [
        "drop-item:web_search_call",
        "drop-item:compaction",
        "drop-item:tool_search_call",
        "drop-item:tool_search_output",
        "drop-item:brand_new_item",
    ] {
        assert!(has_note(&plan, key), "missing note {key}");
    }
    assert!(tool_names(&plan).contains(&"found_tool"));
}

#[test]
fn instructions_come_first_and_string_input_is_a_user_message() {
    let r = json!({"model": "x", "instructions": "old-style", "input": "hello"});
    let plan = run(&r);
    assert_eq!(roles(&plan), ["system", "user"]);
    assert_eq!(msgs(&plan)[0]["content"], "old-style");
    assert_eq!(msgs(&plan)[1]["content"], "hello");
    assert!(!plan.client_stream);
    assert!(plan.body.get("tools").is_none() && plan.body.get("tool_choice").is_none());
    let r = json!({"instructions": "first", "input": [dev("second"), user("u"), dev("third")]});
    let plan = run(&r);
    assert_eq!(roles(&plan), ["system", "user"]);
    assert_eq!(msgs(&plan)[0]["content"], "first\n\nsecond\n\nthird");
}

#[test]
fn bad_shapes_are_errors_naming_the_field() {
    let opts_q = Quirks::default();
    let m = model("m");
    let opts = TranslateOptions {
        quirks: &opts_q,
        model: &m,
        thinking: true,
    };
    let field_of = |r: Value| match responses_to_chat(&r, &opts) {
        Err(TranslateError::BadField { field, .. }) => field,
        other => panic!("expected BadField, got {other:?}"),
    };
    assert!(matches!(
        responses_to_chat(&json!([1]), &opts),
        Err(TranslateError::NotAnObject)
    ));
    assert_eq!(field_of(json!({"input": 5})), "input");
    assert_eq!(field_of(json!({})), "input");
    assert_eq!(field_of(json!({"input": [user("a"), "oops"]})), "input[1]");
    assert_eq!(field_of(json!({"input": [], "tools": {}})), "tools");
    assert_eq!(
        field_of(json!({"input": [], "instructions": 3})),
        "instructions"
    );
}

#[test]
fn effort_is_clamped_per_support_and_only_while_thinking() {
    let cases = [
        ("minimal", "low"),
        ("none", "low"),
        ("low", "low"),
        ("medium", "medium"),
        ("high", "high"),
        ("xhigh", "high"),
    ];
    for (codex, upstream) in cases {
        assert_eq!(
            map_effort(EffortSupport::LowMediumHigh, codex).as_deref(),
            Some(upstream)
        );
    }
    assert_eq!(
        map_effort(EffortSupport::Passthrough, "xhigh").as_deref(),
        Some("xhigh")
    );
    assert_eq!(map_effort(EffortSupport::Omit, "high"), None);
    let r = json!({"input": "hi", "reasoning": {"effort": "xhigh", "summary": "auto"}});
    let lmh = Quirks {
        reasoning_effort: EffortSupport::LowMediumHigh,
        thinking_param: ThinkingParam::ThinkingType,
        ..Quirks::default()
    };
    assert_eq!(
        run_with(&r, &lmh, &model("m"), true).body["reasoning_effort"],
        "high"
    );
    assert!(run_with(&r, &lmh, &model("m"), false)
        .body
        .get("reasoning_effort")
        .is_none());
    assert!(run_with(&r, &Quirks::default(), &model("m"), true)
        .body
        .get("reasoning_effort")
        .is_none());
}

#[test]
fn max_tokens_field_follows_quirk_and_is_capped() {
    let r = json!({"input": "hi", "max_output_tokens": 1000});
    let plan = run(&r);
    assert_eq!(plan.body["max_tokens"], 1000);
    assert!(plan.body.get("max_completion_tokens").is_none());
    let mimo = Quirks {
        max_tokens_field: MaxTokensField::MaxCompletionTokens,
        ..Quirks::default()
    };
    let plan = run_with(&r, &mimo, &model("m"), true);
    assert_eq!(plan.body["max_completion_tokens"], 1000);
    assert!(plan.body.get("max_tokens").is_none());
    let small = ModelInfo {
        max_output_tokens: 500,
        ..model("m")
    };
    assert_eq!(
        run_with(&r, &Quirks::default(), &small, true).body["max_tokens"],
        500
    );
}

#[test]
fn thinking_switch_per_param_kind() {
    let r = json!({"input": "hi"});
    let q = |p| Quirks {
        thinking_param: p,
        ..Quirks::default()
    };
    let plain = ModelInfo {
        reasoning: false,
        ..model("m")
    };
    let body = |p, thinking, m: &ModelInfo| run_with(&r, &q(p), m, thinking).body;
    assert_eq!(
        body(ThinkingParam::ThinkingType, true, &model("m"))["thinking"],
        json!({"type": "enabled"})
    );
    assert_eq!(
        body(ThinkingParam::ThinkingType, false, &model("m"))["thinking"],
        json!({"type": "disabled"})
    );
    assert_eq!(
        body(ThinkingParam::EnableThinking, true, &model("m"))["enable_thinking"],
        true
    );
    assert_eq!(
        body(ThinkingParam::EnableThinking, false, &model("m"))["enable_thinking"],
        false
    );
    let none = body(ThinkingParam::None, true, &model("m"));
    assert!(none.get("thinking").is_none() && none.get("enable_thinking").is_none());
    let b = body(ThinkingParam::ThinkingType, true, &plain);
    assert!(b.get("thinking").is_none());
    assert!(body(ThinkingParam::EnableThinking, true, &plain)
        .get("enable_thinking")
        .is_none());
}

#[test]
fn sampling_is_dropped_only_while_thinking_with_quirk() {
    let r = json!({"input": "hi", "temperature": 0.2, "top_p": 0.9});
    let ds = Quirks {
        drop_sampling_when_thinking: true,
        thinking_param: ThinkingParam::ThinkingType,
        ..Quirks::default()
    };
    let plan = run_with(&r, &ds, &model("m"), true);
    assert!(plan.body.get("temperature").is_none() && plan.body.get("top_p").is_none());
    assert!(has_note(&plan, "drop-sampling:temperature"));
    let plan = run_with(&r, &ds, &model("m"), false);
    assert_eq!(plan.body["temperature"], 0.2);
    assert_eq!(plan.body["top_p"], 0.9);
    assert_eq!(
        run_with(&r, &Quirks::default(), &model("m"), true).body["temperature"],
        0.2
    );
}

#[test]
fn tool_choice_is_mapped_flattened_or_dropped() {
    let mut r = req(json!([user("go")]));
    r["tool_choice"] = json!("required");
    assert_eq!(run(&r).body["tool_choice"], "required");
    r["tool_choice"] = json!({"type": "function", "name": "spawn", "namespace": "team.v1"});
    assert_eq!(
        run(&r).body["tool_choice"],
        json!({"type": "function", "function": {"name": "team_v1__spawn"}})
    );
    let auto_only = Quirks {
        tool_choice_auto_only: true,
        ..Quirks::default()
    };
    let plan = run_with(&r, &auto_only, &model("m"), true);
    assert!(plan.body.get("tool_choice").is_none());
    assert!(has_note(&plan, "drop-tool-choice:auto-only"));
    r["tool_choice"] = json!({"type": "function", "name": "nope"});
    let plan = run(&r);
    assert!(plan.body.get("tool_choice").is_none());
    assert!(has_note(&plan, "drop-tool-choice"));
    r["tool_choice"] = json!("auto");
    assert_eq!(
        run_with(&r, &auto_only, &model("m"), true).body["tool_choice"],
        "auto"
    );
}

#[test]
fn long_and_illegal_tool_names_are_mapped_deterministically() {
    let long = "x".repeat(80);
    let r = json!({"input": "hi", "tools": [
        {"type": "function", "name": long},
        {"type": "function", "name": "has.dot"},
        {"type": "function", "name": "has_dot"}
    ]});
    let short = Quirks {
        max_tool_name_len: 32,
        ..Quirks::default()
    };
    let a = run_with(&r, &short, &model("m"), true);
    let b = run_with(&r, &short, &model("m"), true);
    let names = tool_names(&a);
    assert_eq!(names, tool_names(&b));
    assert_eq!(names.len(), 3);
    assert!(names[0].len() == 32 && names[0].starts_with("xxxx"));
    // The real `has_dot` keeps its name; the sanitized `has.dot` yields.
    assert_eq!(names[2], "has_dot");
    assert!(names[1].starts_with("has_dot_") && names[1] != "has_dot");
    assert_eq!(
        a.tool_names.resolve(names[0]),
        ToolOrigin::Function { name: long.clone() }
    );
    assert_eq!(
        a.tool_names.resolve(names[1]),
        ToolOrigin::Function {
            name: "has.dot".into()
        }
    );
    assert_eq!(
        a.tool_names.resolve("has_dot"),
        ToolOrigin::Function {
            name: "has_dot".into()
        }
    );
    assert!(has_note(&a, &format!("tool-name-mapped:{long}")));
}
