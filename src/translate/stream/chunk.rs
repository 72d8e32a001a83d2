//! One chat completion chunk, read two ways into the same borrowed view:
//!
//! * [`Chunk::parse`], the fast path: straight from the `data:` text with serde, borrowing strings
//!   from it, no `Value` tree. It only accepts the common shape (every field it reads has the JSON
//!   type the machine expects) and validates skipped fields exactly as `serde_json::Value` parsing
//!   does, so a chunk it accepts is one the `Value` path reads the same way.
//! * [`Chunk::from_value`], the fallback for everything else: the lenient reading of a parsed
//!   `Value` (a field of the wrong type counts as absent), as the machine always did.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::Usage;
use crate::translate::events::parse_usage;

/// A chat chunk as the machine reads it.
#[derive(Debug, Default)]
pub(crate) struct Chunk<'a> {
    pub choices: Vec<Choice<'a>>,
    pub usage: Option<Usage>,
    /// Fast path only: a non-null `error`, which the `Value` path handles.
    error: bool,
    /// Fast path only: a non-zero `base_resp.status_code`, which the `Value` path handles.
    base_resp_error: bool,
}

#[derive(Debug, Default)]
pub(crate) struct Choice<'a> {
    pub index: Option<u64>,
    pub delta: Option<Delta<'a>>,
    pub finish_reason: Option<Text<'a>>,
    pub usage: Option<Usage>,
}

#[derive(Debug, Default)]
pub(crate) struct Delta<'a> {
    pub reasoning_content: Option<Text<'a>>,
    pub reasoning: Option<Text<'a>>,
    pub content: Option<Text<'a>>,
    pub tool_calls: Vec<ToolFragment<'a>>,
}

#[derive(Debug, Default)]
pub(crate) struct ToolFragment<'a> {
    pub index: Option<u64>,
    pub id: Option<Text<'a>>,
    pub name: Option<Text<'a>>,
    pub arguments: Option<Text<'a>>,
}

/// A JSON string, borrowed from the input unless it had escapes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Text<'a>(pub Cow<'a, str>);

impl std::ops::Deref for Text<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl<'a> Chunk<'a> {
    /// The fast path. `None` when the chunk is not in the common shape (or not JSON at all): the
    /// caller then parses a `Value` and uses [`Chunk::from_value`].
    pub fn parse(data: &'a str) -> Option<Chunk<'a>> {
        let chunk: Chunk<'a> = serde_json::from_str(data).ok()?;
        (!chunk.error && !chunk.base_resp_error).then_some(chunk)
    }

    /// The lenient reading of an already parsed chunk (its `error` / `base_resp` handled by the caller).
    pub fn from_value(v: &'a Value) -> Chunk<'a> {
        let choices = v.get("choices").and_then(Value::as_array);
        Chunk {
            choices: choices
                .into_iter()
                .flatten()
                .map(Choice::from_value)
                .collect(),
            usage: v.get("usage").and_then(parse_usage),
            ..Chunk::default()
        }
    }
}

fn text(v: Option<&Value>) -> Option<Text<'_>> {
    v.and_then(Value::as_str).map(|s| Text(Cow::Borrowed(s)))
}

impl<'a> Choice<'a> {
    fn from_value(c: &'a Value) -> Choice<'a> {
        Choice {
            index: c.get("index").and_then(Value::as_u64).or(Some(0)),
            delta: c.get("delta").map(Delta::from_value),
            finish_reason: text(c.get("finish_reason")),
            usage: c.get("usage").and_then(parse_usage),
        }
    }
}

impl<'a> Delta<'a> {
    fn from_value(d: &'a Value) -> Delta<'a> {
        let calls = d.get("tool_calls").and_then(Value::as_array);
        Delta {
            reasoning_content: text(d.get("reasoning_content")),
            reasoning: text(d.get("reasoning")),
            content: text(d.get("content")),
            tool_calls: calls
                .into_iter()
                .flatten()
                .map(ToolFragment::from_value)
                .collect(),
        }
    }
}

impl<'a> ToolFragment<'a> {
    fn from_value(f: &'a Value) -> ToolFragment<'a> {
        ToolFragment {
            index: f.get("index").and_then(Value::as_u64),
            id: text(f.get("id")),
            name: text(f.pointer("/function/name")),
            arguments: text(f.pointer("/function/arguments")),
        }
    }
}

// ---- the fast path: hand-written map visitors ----
//
// Derived impls are not used because they skip unknown fields with `IgnoredAny`, which accepts what
// `Value` rejects (lone surrogate escapes, numbers out of range), and they read structs from arrays.
// Here unknown fields go through `deserialize_any` like `Value`, only objects are accepted, and a
// repeated key overwrites the earlier one as in `Value`'s map.

/// A JSON object read field by field; `field` returns false for keys it does not read.
trait Fields<'de>: Default {
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error>;
}

struct ObjectVisitor<T>(PhantomData<T>);

impl<'de, T: Fields<'de>> Visitor<'de> for ObjectVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let mut out = T::default();
        while let Some(key) = map.next_key::<Text<'de>>()? {
            if !out.field(&key, &mut map)? {
                map.next_value::<Skip>()?;
            }
        }
        Ok(out)
    }
}

macro_rules! object_deserialize {
    ($($t:ident),*) => {$(
        impl<'de> Deserialize<'de> for $t<'de> {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                d.deserialize_map(ObjectVisitor(PhantomData))
            }
        }
    )*};
}

object_deserialize!(
    Chunk,
    Choice,
    Delta,
    ToolFragment,
    FunctionPart,
    UsageIn,
    Counts,
    BaseResp
);

/// `Vec<T>` from a JSON array; `null` is an empty list, as `as_array` + `flatten` reads it.
fn list<'de, A: MapAccess<'de>, T: Deserialize<'de>>(map: &mut A) -> Result<Vec<T>, A::Error> {
    Ok(map.next_value::<Option<Vec<T>>>()?.unwrap_or_default())
}

impl<'de> Fields<'de> for Chunk<'de> {
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        match key {
            "choices" => self.choices = list(map)?,
            "usage" => self.usage = map.next_value::<Option<UsageIn>>()?.and_then(|u| u.usage()),
            "error" => self.error = map.next_value::<Option<Skip>>()?.is_some(),
            "base_resp" => {
                let status = map.next_value::<Option<BaseResp>>()?.and_then(|b| b.0);
                self.base_resp_error = status.is_some_and(|s| s != 0);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}

impl<'de> Fields<'de> for Choice<'de> {
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        match key {
            "index" => self.index = map.next_value()?,
            "delta" => self.delta = map.next_value()?,
            "finish_reason" => self.finish_reason = map.next_value()?,
            "usage" => self.usage = map.next_value::<Option<UsageIn>>()?.and_then(|u| u.usage()),
            _ => return Ok(false),
        }
        Ok(true)
    }
}

impl<'de> Fields<'de> for Delta<'de> {
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        match key {
            "reasoning_content" => self.reasoning_content = map.next_value()?,
            "reasoning" => self.reasoning = map.next_value()?,
            "content" => self.content = map.next_value()?,
            "tool_calls" => self.tool_calls = list(map)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

impl<'de> Fields<'de> for ToolFragment<'de> {
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        match key {
            "index" => self.index = map.next_value()?,
            "id" => self.id = map.next_value()?,
            "function" => {
                let f = map
                    .next_value::<Option<FunctionPart>>()?
                    .unwrap_or_default();
                (self.name, self.arguments) = (f.name, f.arguments);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}

#[derive(Default)]
struct FunctionPart<'a> {
    name: Option<Text<'a>>,
    arguments: Option<Text<'a>>,
}

impl<'de> Fields<'de> for FunctionPart<'de> {
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        match key {
            "name" => self.name = map.next_value()?,
            "arguments" => self.arguments = map.next_value()?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// MiniMax's `base_resp`: only its `status_code` matters.
#[derive(Default)]
struct BaseResp<'a>(Option<i64>, PhantomData<&'a ()>);

impl<'de> Fields<'de> for BaseResp<'de> {
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        if key != "status_code" {
            return Ok(false);
        }
        self.0 = map.next_value()?;
        Ok(true)
    }
}

/// A chat `usage` object, read as [`parse_usage`] reads it.
#[derive(Default)]
struct UsageIn<'a> {
    prompt_tokens: Option<u64>,
    completion_tokens: Option<u64>,
    prompt_tokens_details: Option<Counts<'a>>,
    prompt_cache_hit_tokens: Option<u64>,
    cached_tokens: Option<u64>,
    completion_tokens_details: Option<Counts<'a>>,
}

impl UsageIn<'_> {
    fn usage(&self) -> Option<Usage> {
        let (input, output) = (self.prompt_tokens, self.completion_tokens);
        if input.is_none() && output.is_none() {
            return None;
        }
        let cached = self.prompt_tokens_details.as_ref().and_then(|d| d.cached);
        let reasoning = self.completion_tokens_details.as_ref();
        Some(Usage {
            input_tokens: input.unwrap_or(0),
            cached_tokens: cached
                .or(self.prompt_cache_hit_tokens)
                .or(self.cached_tokens)
                .unwrap_or(0),
            output_tokens: output.unwrap_or(0),
            reasoning_tokens: reasoning.and_then(|d| d.reasoning).unwrap_or(0),
        })
    }
}

impl<'de> Fields<'de> for UsageIn<'de> {
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        match key {
            "prompt_tokens" => self.prompt_tokens = map.next_value()?,
            "completion_tokens" => self.completion_tokens = map.next_value()?,
            "prompt_tokens_details" => self.prompt_tokens_details = map.next_value()?,
            "prompt_cache_hit_tokens" => self.prompt_cache_hit_tokens = map.next_value()?,
            "cached_tokens" => self.cached_tokens = map.next_value()?,
            "completion_tokens_details" => self.completion_tokens_details = map.next_value()?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// `prompt_tokens_details` / `completion_tokens_details`.
#[derive(Default)]
struct Counts<'a> {
    cached: Option<u64>,
    reasoning: Option<u64>,
    _borrow: PhantomData<&'a ()>,
}

impl<'de> Fields<'de> for Counts<'de> {
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        match key {
            "cached_tokens" => self.cached = map.next_value()?,
            "reasoning_tokens" => self.reasoning = map.next_value()?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(s)))
            }
            fn visit_str<E>(self, s: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(s.to_string())))
            }
            fn visit_string<E>(self, s: String) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(s)))
            }
        }
        d.deserialize_str(V)
    }
}

/// Any JSON value, parsed (and so validated) exactly as `Value` parses it, then dropped.
struct Skip;

impl<'de> Deserialize<'de> for Skip {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(Skip)
    }
}

impl<'de> Visitor<'de> for Skip {
    type Value = Skip;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_str<E>(self, _: &str) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_unit<E>(self) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_none<E>(self) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Skip, D::Error> {
        Skip::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Skip, A::Error> {
        while seq.next_element::<Skip>()?.is_some() {}
        Ok(Skip)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Skip, A::Error> {
        while map.next_key::<Skip>()?.is_some() {
            map.next_value::<Skip>()?;
        }
        Ok(Skip)
    }
}
