//! Provider profiles: where a request goes and which quirks the upstream has.
//!
//! Every vendor difference lives here as data ([`Quirks`]); the translator reads the data and never
//! asks which vendor it is talking to.

pub mod builtin;
pub mod env_edit;
pub mod env_file;
pub mod features;
pub mod from_env;
pub mod key_status;
pub mod load;
pub mod providers_json;
pub mod registry;

use serde::{Deserialize, Serialize};

use crate::secret::Secret;

pub use registry::{
    describe_fallback, FallbackReason, ProviderConfigError, ProviderRegistry, ProviderSources,
    RouteDecision,
};

/// Which API the upstream speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum WireApi {
    /// `POST {base}/chat/completions`: we translate.
    #[default]
    Chat,
    /// `POST {base}/responses`: we pass the request through untouched.
    Responses,
}

/// How the upstream is told to think or not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ThinkingParam {
    /// No switch; thinking is chosen by model id (Kimi `kimi-k2-thinking`, MiniMax think tags).
    #[default]
    None,
    /// `"thinking": {"type": "enabled" | "disabled"}` (MiMo, DeepSeek, GLM).
    ThinkingType,
    /// `"enable_thinking": true | false` (Qwen).
    EnableThinking,
}

/// Which field carries the output-token cap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum MaxTokensField {
    #[default]
    MaxTokens,
    /// MiMo rejects `max_tokens`.
    MaxCompletionTokens,
}

/// What the upstream accepts as `reasoning_effort`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum EffortSupport {
    /// Never send `reasoning_effort`.
    #[default]
    Omit,
    /// Only `low`/`medium`/`high`: `minimal`/`none` clamp to `low`, `xhigh` to `high`.
    LowMediumHigh,
    /// Send Codex's value unchanged.
    Passthrough,
}

/// Vendor differences, as data. Defaults describe a plain, permissive OpenAI-compatible server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Quirks {
    pub thinking_param: ThinkingParam,
    /// Every assistant turn must carry `reasoning_content` while thinking is on (DeepSeek V4, MiMo).
    /// Where thinking is chosen by model id (Kimi), this holds for models with [`ModelInfo::reasoning`].
    pub echo_reasoning_content: bool,
    pub max_tokens_field: MaxTokensField,
    pub reasoning_effort: EffortSupport,
    /// Drop `temperature`, `top_p`, `presence_penalty`, `frequency_penalty` while thinking (DeepSeek).
    pub drop_sampling_when_thinking: bool,
    /// Reasoning arrives as `<think>…</think>` inside `content` (MiniMax, some self-hosted).
    pub think_tags_in_content: bool,
    /// Longest tool name the upstream accepts.
    pub max_tool_name_len: usize,
    /// Only `tool_choice: "auto"` is accepted (MiMo); anything else is dropped.
    pub tool_choice_auto_only: bool,
    /// `strict` on tools must be absent, not null or false (MiMo).
    pub omit_tool_strict: bool,
    /// Usage is only reported with `stream_options: {include_usage: true}` (Kimi, MiniMax; harmless elsewhere).
    pub stream_usage_option: bool,
    /// `response_format: {type: json_schema}` is accepted; otherwise the schema goes into the system prompt.
    pub json_schema_response_format: bool,
    /// Hosted tools (`web_search`, …) may be forwarded; chat upstreams almost never support them.
    pub hosted_tools: bool,
}

impl Default for Quirks {
    fn default() -> Self {
        Quirks {
            thinking_param: ThinkingParam::None,
            echo_reasoning_content: false,
            max_tokens_field: MaxTokensField::MaxTokens,
            reasoning_effort: EffortSupport::Omit,
            drop_sampling_when_thinking: false,
            think_tags_in_content: false,
            max_tool_name_len: 64,
            tool_choice_auto_only: false,
            omit_tool_strict: true,
            stream_usage_option: true,
            json_schema_response_format: true,
            hosted_tools: false,
        }
    }
}

/// One model a provider serves.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ModelInfo {
    /// The upstream model id.
    pub id: String,
    /// Other names Codex may send for it (e.g. `deepseek-chat`).
    pub aliases: Vec<String>,
    pub context_window: u32,
    pub max_output_tokens: u32,
    /// Accepts image parts.
    pub vision: bool,
    /// Produces reasoning (either by switch or by being a thinking model).
    pub reasoning: bool,
}

impl Default for ModelInfo {
    fn default() -> Self {
        ModelInfo {
            id: String::new(),
            aliases: Vec::new(),
            context_window: 128_000,
            max_output_tokens: 32_768,
            vision: false,
            reasoning: true,
        }
    }
}

/// A configured provider: endpoint, key, models, quirks.
#[derive(Clone, Debug)]
pub struct ProviderProfile {
    /// Stable id used in routing, logs, `--provider` (e.g. `mimo`, `deepseek`, or a providers.json id).
    pub id: String,
    /// Human name for the banner and the tray.
    pub display_name: String,
    /// Base URL without the trailing `/chat/completions`, e.g. `https://api.deepseek.com/v1`.
    pub base_url: String,
    pub api_key: Option<Secret>,
    /// The environment variable(s) the key is read from, first one named in messages.
    pub key_env: Vec<String>,
    pub default_model: String,
    pub models: Vec<ModelInfo>,
    pub wire_api: WireApi,
    /// Send every request to `default_model` whatever Codex asked for.
    pub force_default_model: bool,
    pub quirks: Quirks,
}

impl Default for ProviderProfile {
    /// An empty, unconfigured chat provider: a base for tests and struct-update syntax.
    fn default() -> Self {
        ProviderProfile {
            id: String::new(),
            display_name: String::new(),
            base_url: String::new(),
            api_key: None,
            key_env: Vec::new(),
            default_model: String::new(),
            models: Vec::new(),
            wire_api: WireApi::Chat,
            force_default_model: false,
            quirks: Quirks::default(),
        }
    }
}

impl ProviderProfile {
    /// No model list: any model id is forwarded as sent (a providers.json or `GENERIC_*` upstream
    /// such as Ollama, whose catalog we cannot know).
    pub fn is_open_catalog(&self) -> bool {
        self.models.is_empty()
    }

    /// The model entry for an upstream id or alias.
    pub fn model(&self, name: &str) -> Option<&ModelInfo> {
        self.models
            .iter()
            .find(|m| m.id == name || m.aliases.iter().any(|a| a == name))
    }

    /// Model info for an upstream id, falling back to permissive defaults for ids we do not list.
    pub fn model_or_default(&self, id: &str) -> ModelInfo {
        self.model(id).cloned().unwrap_or_else(|| ModelInfo {
            id: id.to_string(),
            ..ModelInfo::default()
        })
    }

    /// The environment variable a user should set for this provider's key.
    pub fn primary_key_env(&self) -> &str {
        self.key_env
            .first()
            .map(String::as_str)
            .unwrap_or("API key")
    }
}
