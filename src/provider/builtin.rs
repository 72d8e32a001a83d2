//! Built-in provider profiles (MiMo, DeepSeek, Kimi, GLM, Qwen, MiniMax, SenseNova): hosts, models
//! and quirks as data. Keys and overrides are read from the environment in [`super::from_env`].
//!
//! Model limits were looked up in vendor docs and public integrations in mid-2026; where sources
//! disagreed or were thin, the smaller value was taken (noted per model) because an understated
//! window only makes Codex compact earlier, while an overstated one ends in an upstream 400.

use super::{
    EffortSupport, MaxTokensField, ModelInfo, ProviderProfile, Quirks, ThinkingParam, WireApi,
};

/// MiMo pay-as-you-go host (`sk-…` keys).
pub const MIMO_PAYG_BASE_URL: &str = "https://api.xiaomimimo.com/v1";
/// MiMo token-plan host (`tp-…` keys); a key sent to the other host gets a 401.
pub const MIMO_TOKEN_PLAN_BASE_URL: &str = "https://token-plan-cn.xiaomimimo.com/v1";

/// Id of the provider built from `GENERIC_*` variables.
pub const GENERIC_ID: &str = "generic";

/// The environment variables one built-in reads.
#[derive(Clone, Copy, Debug)]
pub struct BuiltinEnv {
    pub id: &'static str,
    /// Key variables, first non-empty wins.
    pub key: &'static [&'static str],
    pub base_url: &'static str,
    pub model: &'static str,
}

/// Built-ins in the order used to pick the default provider.
pub const BUILTIN_ENV: [BuiltinEnv; 7] = [
    BuiltinEnv {
        id: "mimo",
        key: &["MIMO_API_KEY"],
        base_url: "MIMO_BASE_URL",
        model: "MIMO_MODEL",
    },
    BuiltinEnv {
        id: "deepseek",
        key: &["DS_API_KEY", "DEEPSEEK_API_KEY"],
        base_url: "DEEPSEEK_BASE_URL",
        model: "DEEPSEEK_MODEL",
    },
    BuiltinEnv {
        id: "kimi",
        key: &["KIMI_API_KEY", "MOONSHOT_API_KEY"],
        base_url: "KIMI_BASE_URL",
        model: "KIMI_MODEL",
    },
    BuiltinEnv {
        id: "glm",
        key: &["GLM_API_KEY", "ZHIPUAI_API_KEY"],
        base_url: "GLM_BASE_URL",
        model: "GLM_MODEL",
    },
    BuiltinEnv {
        id: "qwen",
        key: &["DASHSCOPE_API_KEY", "QWEN_API_KEY"],
        base_url: "QWEN_BASE_URL",
        model: "QWEN_MODEL",
    },
    BuiltinEnv {
        id: "minimax",
        key: &["MINIMAX_API_KEY"],
        base_url: "MINIMAX_BASE_URL",
        model: "MINIMAX_MODEL",
    },
    BuiltinEnv {
        id: "sensenova",
        key: &["SENSENOVA_API_KEY"],
        base_url: "SENSENOVA_BASE_URL",
        model: "SENSENOVA_MODEL",
    },
];

/// `GENERIC_*` variables, for the `.env` template and messages.
pub const GENERIC_ENV: [&str; 6] = [
    "GENERIC_BASE_URL",
    "GENERIC_API_KEY",
    "GENERIC_DEFAULT_MODEL",
    "GENERIC_MODEL",
    "GENERIC_WIRE_API",
    "GENERIC_FORCE_DEFAULT_MODEL",
];

pub fn builtin_env(id: &str) -> Option<&'static BuiltinEnv> {
    BUILTIN_ENV.iter().find(|e| e.id == id)
}

/// One built-in profile by id, without a key.
pub fn builtin_profile(id: &str) -> Option<ProviderProfile> {
    builtin_profiles().into_iter().find(|p| p.id == id)
}

/// Every built-in profile with its default host and no key, in default-provider order.
pub fn builtin_profiles() -> Vec<ProviderProfile> {
    vec![
        mimo(),
        deepseek(),
        kimi(),
        glm(),
        qwen(),
        minimax(),
        sensenova(),
    ]
}

fn model(id: &str, context: u32, max_out: u32, vision: bool, reasoning: bool) -> ModelInfo {
    ModelInfo {
        id: id.to_string(),
        aliases: Vec::new(),
        context_window: context,
        max_output_tokens: max_out,
        vision,
        reasoning,
    }
}

fn with_aliases(mut m: ModelInfo, aliases: &[&str]) -> ModelInfo {
    m.aliases = aliases.iter().map(|a| a.to_string()).collect();
    m
}

fn profile(
    id: &str,
    name: &str,
    base: &str,
    default: &str,
    models: Vec<ModelInfo>,
    quirks: Quirks,
) -> ProviderProfile {
    ProviderProfile {
        id: id.to_string(),
        display_name: name.to_string(),
        base_url: base.to_string(),
        api_key: None,
        key_env: builtin_env(id)
            .map(|e| e.key.iter().map(|k| k.to_string()).collect())
            .unwrap_or_default(),
        default_model: default.to_string(),
        models,
        wire_api: WireApi::Chat,
        force_default_model: false,
        quirks,
    }
}

/// Built-ins answer `json_schema` formats unevenly, so the schema goes into the prompt for them.
fn builtin_quirks() -> Quirks {
    Quirks {
        json_schema_response_format: false,
        ..Quirks::default()
    }
}

fn mimo() -> ProviderProfile {
    // MiMo publishes a 1M window for the V2.5 family (some guides still say 128K; the 1M figure
    // is what the Node mimo2codex ships to real users). Output caps from MiMo's chat API page.
    let models = vec![
        with_aliases(
            model("mimo-v2.5-pro", 1_000_000, 131_072, false, true),
            &["mimo-v2-pro"],
        ),
        // Pay-as-you-go (`sk-`) keys only, on approval.
        model("mimo-v2.5-pro-ultraspeed", 1_000_000, 131_072, false, true),
        with_aliases(
            model("mimo-v2.5", 1_000_000, 32_768, true, true),
            &["mimo-v2-omni", "mimo-v2-flash"],
        ),
    ];
    let quirks = Quirks {
        thinking_param: ThinkingParam::ThinkingType,
        echo_reasoning_content: true,
        max_tokens_field: MaxTokensField::MaxCompletionTokens,
        reasoning_effort: EffortSupport::LowMediumHigh,
        tool_choice_auto_only: true,
        omit_tool_strict: true,
        ..builtin_quirks()
    };
    let name = "Xiaomi MiMo";
    profile(
        "mimo",
        name,
        MIMO_PAYG_BASE_URL,
        "mimo-v2.5-pro",
        models,
        quirks,
    )
}

fn deepseek() -> ProviderProfile {
    // V4 Pro and Flash: 1M context, 384K max output (DeepSeek V4 announcement). The legacy names
    // route to V4 Flash upstream and retire on 2026-07-24, so they are aliases, not models.
    let models = vec![
        model("deepseek-v4-pro", 1_000_000, 393_216, false, true),
        with_aliases(
            model("deepseek-v4-flash", 1_000_000, 393_216, false, true),
            &["deepseek-chat", "deepseek-reasoner"],
        ),
    ];
    let quirks = Quirks {
        thinking_param: ThinkingParam::ThinkingType,
        echo_reasoning_content: true,
        reasoning_effort: EffortSupport::LowMediumHigh,
        drop_sampling_when_thinking: true,
        ..builtin_quirks()
    };
    let base = "https://api.deepseek.com/v1";
    profile(
        "deepseek",
        "DeepSeek",
        base,
        "deepseek-v4-pro",
        models,
        quirks,
    )
}

fn kimi() -> ProviderProfile {
    // 256K (262,144) windows per Moonshot's model cards. Output caps are not clearly published
    // for the hosted API; 32K is a conservative choice. Only the dedicated thinking models
    // reason (and so need the echo); K2.5/K2.6 take images.
    let models = vec![
        model("kimi-k2.6", 262_144, 32_768, true, false),
        model("kimi-k2.5", 262_144, 32_768, true, false),
        model("kimi-k2-thinking", 262_144, 32_768, false, true),
        model("kimi-k2-thinking-turbo", 262_144, 32_768, false, true),
        model("kimi-k2-turbo-preview", 262_144, 32_768, false, false),
        model("kimi-k2-0905-preview", 262_144, 32_768, false, false),
    ];
    let quirks = Quirks {
        thinking_param: ThinkingParam::None,
        echo_reasoning_content: true,
        stream_usage_option: true,
        ..builtin_quirks()
    };
    let base = "https://api.moonshot.cn/v1";
    profile("kimi", "Kimi (Moonshot)", base, "kimi-k2.6", models, quirks)
}

fn glm() -> ProviderProfile {
    // GLM-5.x / 4.6 / 4.7: 200K windows (Z.ai model table). Output caps vary by source
    // (8K–128K), so 64K is used; the air and vision models get smaller, conservative values.
    let models = vec![
        model("glm-5.1", 200_000, 65_536, false, true),
        model("glm-5", 200_000, 65_536, false, true),
        model("glm-4.7", 200_000, 65_536, false, true),
        model("glm-4.6", 200_000, 65_536, false, true),
        model("glm-4.5-air", 128_000, 65_536, false, true),
        model("glm-4.6v", 128_000, 32_768, true, true),
    ];
    let quirks = Quirks {
        thinking_param: ThinkingParam::ThinkingType,
        ..builtin_quirks()
    };
    let base = "https://open.bigmodel.cn/api/paas/v4";
    profile("glm", "Zhipu GLM", base, "glm-5.1", models, quirks)
}

fn qwen() -> ProviderProfile {
    // qwen3-max: 256K context, 64K output (Model Studio card). The Plus/Flash family: 1M context
    // (32K–64K output) with hybrid thinking via `enable_thinking`. qwen3-max and the coder model
    // are treated as non-thinking: not every snapshot accepts the switch.
    let models = vec![
        model("qwen3-max", 262_144, 65_536, false, false),
        model("qwen3.6-plus", 1_000_000, 65_536, false, true),
        model("qwen3.5-plus", 1_000_000, 65_536, false, true),
        model("qwen-plus", 1_000_000, 32_768, false, true),
        model("qwen-flash", 1_000_000, 32_768, false, true),
        model("qwen3-coder-plus", 1_000_000, 65_536, false, false),
        model("qwen3-vl-plus", 262_144, 32_768, true, true),
    ];
    let quirks = Quirks {
        thinking_param: ThinkingParam::EnableThinking,
        ..builtin_quirks()
    };
    let base = "https://dashscope.aliyuncs.com/compatible-mode/v1";
    profile(
        "qwen",
        "Qwen (DashScope)",
        base,
        "qwen3-max",
        models,
        quirks,
    )
}

fn minimax() -> ProviderProfile {
    // 204,800-token windows (MiniMax OpenAI-API page). No output cap is published there; 32K is a
    // conservative choice. Every M2 model thinks, inside `<think>` tags in `content`.
    let models = ["MiniMax-M2.7", "MiniMax-M2.7-highspeed", "MiniMax-M2.5"]
        .into_iter()
        .chain(["MiniMax-M2.5-highspeed", "MiniMax-M2.1", "MiniMax-M2"])
        .map(|id| model(id, 204_800, 32_768, false, true))
        .collect();
    let quirks = Quirks {
        thinking_param: ThinkingParam::None,
        think_tags_in_content: true,
        stream_usage_option: true,
        ..builtin_quirks()
    };
    let base = "https://api.minimaxi.com/v1";
    profile("minimax", "MiniMax", base, "MiniMax-M2.7", models, quirks)
}

fn sensenova() -> ProviderProfile {
    // Host and limits from SenseNova's 6.7 Flash-Lite API guide: https://token.sensenova.cn/v1,
    // 256K context, output ≤ 64K, images accepted; `thinking`/`enable_thinking` and
    // `response_format` are rejected, `reasoning_effort` is listed.
    let models = vec![
        model("sensenova-6.7-flash-lite", 262_144, 65_536, true, true),
        model("sensenova-6.8-flash-lite", 262_144, 65_536, true, true),
    ];
    let quirks = Quirks {
        thinking_param: ThinkingParam::None,
        reasoning_effort: EffortSupport::LowMediumHigh,
        ..builtin_quirks()
    };
    let base = "https://token.sensenova.cn/v1";
    let default = "sensenova-6.7-flash-lite";
    profile("sensenova", "SenseNova", base, default, models, quirks)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names of the quirks a profile switches on, in DESIGN §5 terms.
    fn flags(q: &Quirks) -> Vec<&'static str> {
        let mut f = vec![match q.thinking_param {
            ThinkingParam::ThinkingType => "thinking_type",
            ThinkingParam::EnableThinking => "enable_thinking",
            ThinkingParam::None => "thinking_by_model",
        }];
        let switches = [
            (q.echo_reasoning_content, "echo_reasoning"),
            (
                q.max_tokens_field == MaxTokensField::MaxCompletionTokens,
                "max_completion_tokens",
            ),
            (
                q.reasoning_effort == EffortSupport::LowMediumHigh,
                "effort_low_medium_high",
            ),
            (q.drop_sampling_when_thinking, "drop_sampling"),
            (q.think_tags_in_content, "think_tags"),
            (q.tool_choice_auto_only, "tool_choice_auto_only"),
            (q.omit_tool_strict, "omit_tool_strict"),
            (q.stream_usage_option, "stream_usage_option"),
        ];
        f.extend(switches.iter().filter(|(on, _)| *on).map(|(_, name)| *name));
        f
    }

    /// DESIGN §5 as data. Exact sets for vendor-specific quirks; for the two the permissive
    /// defaults switch on everywhere, the listed vendors must have them.
    const EXACT: [(&str, &[&str]); 9] = [
        ("thinking_type", &["mimo", "deepseek", "glm"]),
        ("enable_thinking", &["qwen"]),
        ("thinking_by_model", &["kimi", "minimax", "sensenova"]),
        ("echo_reasoning", &["mimo", "deepseek", "kimi"]),
        ("max_completion_tokens", &["mimo"]),
        ("effort_low_medium_high", &["mimo", "deepseek", "sensenova"]),
        ("drop_sampling", &["deepseek"]),
        ("think_tags", &["minimax"]),
        ("tool_choice_auto_only", &["mimo"]),
    ];
    const AT_LEAST: [(&str, &[&str]); 2] = [
        ("omit_tool_strict", &["mimo"]),
        ("stream_usage_option", &["kimi", "minimax"]),
    ];

    #[test]
    fn builtin_quirks_match_design_table() {
        let profiles = builtin_profiles();
        let with = |flag: &str| -> Vec<&str> {
            let on = |p: &&ProviderProfile| flags(&p.quirks).contains(&flag);
            profiles.iter().filter(on).map(|p| p.id.as_str()).collect()
        };
        for (flag, who) in EXACT {
            assert_eq!(with(flag), who, "{flag}");
        }
        for (flag, who) in AT_LEAST {
            let have = with(flag);
            assert!(who.iter().all(|id| have.contains(id)), "{flag}: {have:?}");
        }
        for p in &profiles {
            assert_eq!(p.quirks.max_tool_name_len, 64, "{}", p.id);
            assert!(!p.quirks.hosted_tools, "{}", p.id);
            assert_eq!(p.wire_api, WireApi::Chat, "{}", p.id);
        }
    }

    #[test]
    fn model_catalogs_are_consistent() {
        for p in builtin_profiles() {
            assert!(
                p.model(&p.default_model).is_some(),
                "{} default listed",
                p.id
            );
            assert!(p.api_key.is_none() && !p.key_env.is_empty(), "{}", p.id);
            for m in &p.models {
                assert!(m.max_output_tokens <= m.context_window, "{}", m.id);
            }
        }
        let kimi = builtin_profile("kimi").expect("kimi");
        assert!(kimi.model("kimi-k2-thinking").is_some_and(|m| m.reasoning));
        assert!(kimi
            .model("kimi-k2.6")
            .is_some_and(|m| !m.reasoning && m.vision));
        let mimo = builtin_profile("mimo").expect("mimo");
        assert!(mimo.model("mimo-v2.5").is_some_and(|m| m.vision));
        assert!(mimo.model("mimo-v2.5-pro").is_some_and(|m| !m.vision));
    }
}
