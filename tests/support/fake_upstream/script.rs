//! Scripts: the builders describing one upstream turn (text, reasoning, tool calls, usage, endings).

use std::time::Duration;

use serde_json::{json, Value};

/// One tool call the fake will stream.
#[derive(Clone, Debug)]
pub struct ScriptCall {
    pub id: String,
    pub name: String,
    /// The complete arguments string (usually JSON).
    pub arguments: String,
}

/// Which usage shape to report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum UsageShape {
    /// `prompt_tokens_details.cached_tokens`, `completion_tokens_details.reasoning_tokens`.
    #[default]
    OpenAi,
    /// DeepSeek: `prompt_cache_hit_tokens` / `prompt_cache_miss_tokens`.
    DeepSeek,
}

/// Token counts a script reports.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ScriptUsage {
    pub prompt: u64,
    pub completion: u64,
    pub cached: u64,
    pub reasoning: u64,
    pub shape: UsageShape,
}

impl ScriptUsage {
    pub fn to_json(self) -> Value {
        let mut u = json!({
            "prompt_tokens": self.prompt,
            "completion_tokens": self.completion,
            "total_tokens": self.prompt + self.completion,
            "completion_tokens_details": {"reasoning_tokens": self.reasoning},
        });
        match self.shape {
            UsageShape::OpenAi => {
                u["prompt_tokens_details"] = json!({"cached_tokens": self.cached});
            }
            UsageShape::DeepSeek => {
                u["prompt_cache_hit_tokens"] = json!(self.cached);
                u["prompt_cache_miss_tokens"] = json!(self.prompt - self.cached.min(self.prompt));
            }
        }
        u
    }
}

/// How a stream is ended early.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ending {
    /// finish_reason chunk, usage, `data: [DONE]`.
    Normal,
    /// After `n` content chunks: one `data: {"error": …}` chunk, then the stream closes.
    ErrorChunk { after: usize, message: String },
    /// After `n` content chunks the body ends cleanly with no finish_reason and no `[DONE]`.
    Cut { after: usize },
    /// After `n` content chunks the connection is aborted mid-body (transport error at the client).
    Abort { after: usize },
}

/// One scripted upstream turn. Build with the constructors and chain the modifiers.
#[derive(Clone, Debug)]
pub struct Script {
    /// Answer this HTTP error instead of a completion: status, body (JSON or text), `Retry-After`.
    pub http_error: Option<(u16, String, Option<u64>)>,
    pub header_delay: Duration,
    pub chunk_delay: Duration,
    pub reasoning: Option<String>,
    pub reasoning_chunks: usize,
    pub text: Option<String>,
    pub text_chunks: usize,
    pub tool_calls: Vec<ScriptCall>,
    /// Pieces each call's arguments are split into.
    pub argument_fragments: usize,
    /// Send fragments of parallel calls round-robin (index 0, 1, 0, 1, …) instead of one after another.
    pub interleave: bool,
    pub usage: Option<ScriptUsage>,
    /// Defaults to `tool_calls` when there are calls, else `stop`.
    pub finish_reason: Option<String>,
    pub ending: Ending,
    /// Answer one `chat.completion` JSON even if the request asked for a stream.
    pub force_json: bool,
}

impl Default for Script {
    fn default() -> Self {
        Script {
            http_error: None,
            header_delay: Duration::ZERO,
            chunk_delay: Duration::ZERO,
            reasoning: None,
            reasoning_chunks: 3,
            text: None,
            text_chunks: 3,
            tool_calls: Vec::new(),
            argument_fragments: 3,
            interleave: false,
            usage: Some(ScriptUsage {
                prompt: 20,
                completion: 10,
                ..ScriptUsage::default()
            }),
            finish_reason: None,
            ending: Ending::Normal,
            force_json: false,
        }
    }
}

impl Script {
    /// Plain assistant text.
    pub fn text(text: impl Into<String>) -> Self {
        Script {
            text: Some(text.into()),
            ..Script::default()
        }
    }

    /// One tool call (id, name, arguments string).
    pub fn tool_call(id: &str, name: &str, arguments: impl Into<String>) -> Self {
        Script::default().with_call(id, name, arguments)
    }

    /// An HTTP error before any stream; `body` is sent as is (use a vendor's JSON).
    pub fn http_error(status: u16, body: impl Into<String>) -> Self {
        Script {
            http_error: Some((status, body.into(), None)),
            ..Script::default()
        }
    }

    pub fn with_call(mut self, id: &str, name: &str, arguments: impl Into<String>) -> Self {
        self.tool_calls.push(ScriptCall {
            id: id.into(),
            name: name.into(),
            arguments: arguments.into(),
        });
        self
    }

    pub fn with_text(mut self, text: impl Into<String>) -> Self {
        self.text = Some(text.into());
        self
    }

    pub fn reasoning(mut self, reasoning: impl Into<String>) -> Self {
        self.reasoning = Some(reasoning.into());
        self
    }

    pub fn chunks(mut self, n: usize) -> Self {
        self.text_chunks = n.max(1);
        self.reasoning_chunks = n.max(1);
        self
    }

    pub fn fragments(mut self, n: usize) -> Self {
        self.argument_fragments = n.max(1);
        self
    }

    pub fn interleaved(mut self) -> Self {
        self.interleave = true;
        self
    }

    pub fn usage(mut self, prompt: u64, completion: u64) -> Self {
        let u = self.usage.get_or_insert_with(ScriptUsage::default);
        u.prompt = prompt;
        u.completion = completion;
        self
    }

    pub fn cached(mut self, cached: u64) -> Self {
        self.usage.get_or_insert_with(ScriptUsage::default).cached = cached;
        self
    }

    pub fn reasoning_tokens(mut self, n: u64) -> Self {
        self.usage
            .get_or_insert_with(ScriptUsage::default)
            .reasoning = n;
        self
    }

    pub fn deepseek_usage(mut self) -> Self {
        self.usage.get_or_insert_with(ScriptUsage::default).shape = UsageShape::DeepSeek;
        self
    }

    pub fn no_usage(mut self) -> Self {
        self.usage = None;
        self
    }

    pub fn finish(mut self, reason: &str) -> Self {
        self.finish_reason = Some(reason.into());
        self
    }

    pub fn delay(mut self, between_chunks: Duration) -> Self {
        self.chunk_delay = between_chunks;
        self
    }

    pub fn header_delay(mut self, before_headers: Duration) -> Self {
        self.header_delay = before_headers;
        self
    }

    pub fn retry_after(mut self, secs: u64) -> Self {
        if let Some(e) = self.http_error.as_mut() {
            e.2 = Some(secs);
        }
        self
    }

    pub fn error_chunk_after(mut self, after: usize, message: &str) -> Self {
        self.ending = Ending::ErrorChunk {
            after,
            message: message.into(),
        };
        self
    }

    pub fn cut_after(mut self, after: usize) -> Self {
        self.ending = Ending::Cut { after };
        self
    }

    pub fn abort_after(mut self, after: usize) -> Self {
        self.ending = Ending::Abort { after };
        self
    }

    pub fn json(mut self) -> Self {
        self.force_json = true;
        self
    }

    pub(super) fn finish_reason(&self) -> String {
        self.finish_reason.clone().unwrap_or_else(|| {
            if self.tool_calls.is_empty() {
                "stop".into()
            } else {
                "tool_calls".into()
            }
        })
    }
}

/// Splits `s` into `n` pieces on char boundaries (fewer if `s` is short).
pub fn split_pieces(s: &str, n: usize) -> Vec<String> {
    let chars: Vec<char> = s.chars().collect();
    if chars.is_empty() {
        return Vec::new();
    }
    let n = n.clamp(1, chars.len());
    let size = chars.len().div_ceil(n);
    chars.chunks(size).map(|c| c.iter().collect()).collect()
}
