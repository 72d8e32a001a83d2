//! Strictness profiles: which vendor rejections the fake applies, and its thinking switch.

use serde_json::Value;

/// Which thinking switch the upstream understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThinkingShape {
    /// Accepts either switch (permissive OpenAI-compatible server).
    Any,
    /// `thinking: {type: "enabled" | "disabled"}` (MiMo, DeepSeek, GLM); `enable_thinking` → 400.
    ThinkingType,
    /// `enable_thinking: bool` (Qwen); `thinking` → 400.
    EnableThinking,
    /// No switch at all (Kimi, MiniMax): either field → 400; thinking is chosen by model id.
    NoSwitch,
}

/// How strict the fake is. Each flag mirrors one real vendor rejection (DESIGN §5).
#[derive(Clone, Debug)]
pub struct Profile {
    /// Name used in messages (`deepseek`, `mimo`, …).
    pub name: String,
    /// The key expected in `Authorization: Bearer …`.
    pub api_key: String,
    /// Thinking mode on → every assistant message needs non-empty `reasoning_content` (DeepSeek V4, MiMo).
    pub require_reasoning_echo: bool,
    /// A system message after a non-system message → 400 `invalid chat setting (2013)` (MiniMax).
    pub system_only_at_start: bool,
    /// `max_tokens` → 400; `max_completion_tokens` is the field (MiMo).
    pub reject_max_tokens: bool,
    /// `tool_choice` other than `"auto"` → 400 (MiMo).
    pub tool_choice_auto_only: bool,
    /// `strict` present on a tool at all → 400 (MiMo). `strict: null` is always rejected.
    pub reject_tool_strict: bool,
    /// `temperature`/`top_p`/`presence_penalty`/`frequency_penalty` while thinking → 400 (DeepSeek).
    pub reject_sampling_when_thinking: bool,
    pub thinking_shape: ThinkingShape,
    /// Thinking state when the request carries no switch.
    pub thinking_default: bool,
    /// Model ids containing one of these think regardless of switches (`kimi-k2-thinking`, `deepseek-reasoner`).
    pub thinking_model_markers: Vec<String>,
    /// Usage is only streamed with `stream_options: {include_usage: true}` (Kimi, MiniMax).
    pub usage_needs_stream_options: bool,
    /// `image_url` parts accepted.
    pub vision: bool,
    /// Reasoning is streamed as `<think>…</think>` inside `content` (MiniMax).
    pub think_tags: bool,
    /// Longest tool name accepted.
    pub max_tool_name_len: usize,
    /// When set, other model ids → 400 `Model Not Exist`.
    pub models: Option<Vec<String>>,
    /// Roles accepted in `messages`.
    pub roles: Vec<String>,
}

impl Default for Profile {
    fn default() -> Self {
        Profile::lenient()
    }
}

impl Profile {
    /// A permissive OpenAI-compatible server: auth, body shape, tool pairing and tool schemas are
    /// still checked (every vendor checks those).
    pub fn lenient() -> Self {
        Profile {
            name: "generic".into(),
            api_key: "sk-fake-upstream-key".into(),
            require_reasoning_echo: false,
            system_only_at_start: false,
            reject_max_tokens: false,
            tool_choice_auto_only: false,
            reject_tool_strict: false,
            reject_sampling_when_thinking: false,
            thinking_shape: ThinkingShape::Any,
            thinking_default: false,
            thinking_model_markers: vec!["thinking".into(), "reasoner".into()],
            usage_needs_stream_options: false,
            vision: true,
            think_tags: false,
            max_tool_name_len: 64,
            models: None,
            roles: ["system", "user", "assistant", "tool"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
        }
    }

    /// DeepSeek V4: `thinking: {type}`, thinking on by default, reasoning echo, no sampling while thinking.
    pub fn deepseek() -> Self {
        Profile {
            name: "deepseek".into(),
            require_reasoning_echo: true,
            reject_sampling_when_thinking: true,
            thinking_shape: ThinkingShape::ThinkingType,
            thinking_default: true,
            vision: false,
            ..Profile::lenient()
        }
    }

    /// Xiaomi MiMo: `thinking: {type}`, reasoning echo, `max_completion_tokens`, `tool_choice` auto only,
    /// no `strict` on tools.
    pub fn mimo() -> Self {
        Profile {
            name: "mimo".into(),
            require_reasoning_echo: true,
            reject_max_tokens: true,
            tool_choice_auto_only: true,
            reject_tool_strict: true,
            thinking_shape: ThinkingShape::ThinkingType,
            thinking_default: true,
            ..Profile::lenient()
        }
    }

    /// Kimi (Moonshot): no switch, thinking by model id (`kimi-k2-thinking`, which then needs the
    /// reasoning echo), usage only with `stream_options`.
    pub fn kimi() -> Self {
        Profile {
            name: "kimi".into(),
            require_reasoning_echo: true,
            thinking_shape: ThinkingShape::NoSwitch,
            usage_needs_stream_options: true,
            ..Profile::lenient()
        }
    }

    /// SenseNova: no thinking switch accepted, the model always reasons.
    pub fn sensenova() -> Self {
        Profile {
            name: "sensenova".into(),
            thinking_shape: ThinkingShape::NoSwitch,
            thinking_default: true,
            ..Profile::lenient()
        }
    }

    /// Zhipu GLM: `thinking: {type}`.
    pub fn glm() -> Self {
        Profile {
            name: "glm".into(),
            thinking_shape: ThinkingShape::ThinkingType,
            thinking_default: true,
            ..Profile::lenient()
        }
    }

    /// Qwen (DashScope): `enable_thinking`.
    pub fn qwen() -> Self {
        Profile {
            name: "qwen".into(),
            thinking_shape: ThinkingShape::EnableThinking,
            ..Profile::lenient()
        }
    }

    /// MiniMax: no switch, `<think>` tags in content, system only at the start, usage only with `stream_options`.
    pub fn minimax() -> Self {
        Profile {
            name: "minimax".into(),
            system_only_at_start: true,
            thinking_shape: ThinkingShape::NoSwitch,
            thinking_default: true,
            usage_needs_stream_options: true,
            think_tags: true,
            ..Profile::lenient()
        }
    }

    /// The strictness matching a built-in provider id; unknown ids get [`Profile::lenient`].
    pub fn for_provider(id: &str) -> Self {
        match id {
            "deepseek" => Profile::deepseek(),
            "mimo" => Profile::mimo(),
            "kimi" => Profile::kimi(),
            "glm" => Profile::glm(),
            "qwen" => Profile::qwen(),
            "minimax" => Profile::minimax(),
            "sensenova" => Profile::sensenova(),
            other => Profile {
                name: other.to_string(),
                ..Profile::lenient()
            },
        }
    }

    pub fn with_key(mut self, key: &str) -> Self {
        self.api_key = key.to_string();
        self
    }

    /// Whether this request runs in thinking mode, per this profile's switch.
    pub fn thinking_on(&self, body: &Value) -> bool {
        let model = body.get("model").and_then(Value::as_str).unwrap_or("");
        if self
            .thinking_model_markers
            .iter()
            .any(|m| model.contains(m.as_str()))
        {
            return true;
        }
        let by_type = body
            .get("thinking")
            .and_then(|t| t.get("type"))
            .and_then(Value::as_str)
            .map(|t| t == "enabled");
        let by_flag = body.get("enable_thinking").and_then(Value::as_bool);
        match self.thinking_shape {
            ThinkingShape::ThinkingType => by_type.unwrap_or(self.thinking_default),
            ThinkingShape::EnableThinking => by_flag.unwrap_or(self.thinking_default),
            ThinkingShape::NoSwitch => self.thinking_default,
            ThinkingShape::Any => by_type.or(by_flag).unwrap_or(self.thinking_default),
        }
    }
}
