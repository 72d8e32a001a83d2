//! `~/.mimo2codex/providers.json`, in the schema of the original Node mimo2codex:
//! `{"providers":[{id, baseUrl, envKey, defaultModel, wireApi?, models?, features?, forceDefaultModel?, name?}]}`.
//!
//! Every error names the file and either a line/column (bad JSON) or `providers[i].field`.
//! Unknown keys are ignored (and unknown features reported as notes), so a file written for the
//! Node version still loads.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::builtin::builtin_profile;
use super::env_edit::is_env_name;
use super::features::apply_features;
use super::from_env::{ensure_model, is_http_url, normalize_base_url};
use super::registry::ProviderConfigError;
use super::{ModelInfo, ProviderProfile, WireApi};

/// One entry of the file, turned into a profile (key not yet read).
#[derive(Clone, Debug)]
pub struct JsonProvider {
    pub profile: ProviderProfile,
    /// The entry replaces the built-in of the same id.
    pub overrides_builtin: bool,
    /// `baseUrl` was given (a MiMo override without one still picks its host from the key).
    pub base_url_given: bool,
}

/// The parsed file.
#[derive(Clone, Debug, Default)]
pub struct ProvidersFile {
    pub providers: Vec<JsonProvider>,
    /// Things accepted but ignored, for one INFO line each.
    pub notes: Vec<String>,
}

/// Reads and validates the file. A missing file is an error here; callers check existence.
pub fn read_providers_json(path: &Path) -> Result<ProvidersFile, ProviderConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ProviderConfigError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_providers_json(path, &text)
}

/// Validates the text of a providers.json; `path` is only used in messages.
pub fn parse_providers_json(path: &Path, text: &str) -> Result<ProvidersFile, ProviderConfigError> {
    let root: Value =
        serde_json::from_str(text).map_err(|e| ProviderConfigError::ProvidersJson {
            path: path.to_path_buf(),
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
    let shape_error =
        |what: &str| ProviderConfigError::Invalid(format!("{}: {what}", path.display()));
    let Value::Object(root) = root else {
        return Err(shape_error(
            "must be a JSON object like {\"providers\": [...]}",
        ));
    };
    let entries = match root.get("providers") {
        None | Some(Value::Null) => return Ok(ProvidersFile::default()),
        Some(Value::Array(a)) => a,
        Some(_) => return Err(shape_error("\"providers\" must be an array")),
    };
    let mut file = ProvidersFile::default();
    for (index, entry) in entries.iter().enumerate() {
        let mut cx = EntryCx {
            path,
            index,
            notes: &mut file.notes,
        };
        let provider = cx.entry(entry)?;
        let id = &provider.profile.id;
        if let Some(first) = file.providers.iter().position(|p| p.profile.id == *id) {
            let message = format!("duplicate id \"{id}\" (already used by providers[{first}])");
            return Err(cx.err("id", message));
        }
        file.providers.push(provider);
    }
    Ok(file)
}

struct EntryCx<'a> {
    path: &'a Path,
    index: usize,
    notes: &'a mut Vec<String>,
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl EntryCx<'_> {
    fn err(&self, field: &str, message: impl Into<String>) -> ProviderConfigError {
        ProviderConfigError::ProvidersJsonField {
            path: PathBuf::from(self.path),
            index: self.index,
            field: field.to_string(),
            message: message.into(),
        }
    }

    fn note(&mut self, field: &str, message: &str) {
        let path = self.path.display();
        let index = self.index;
        self.notes
            .push(format!("{path}: providers[{index}].{field}: {message}"));
    }

    /// An optional non-empty string field.
    fn string(
        &self,
        obj: &Map<String, Value>,
        field: &str,
    ) -> Result<Option<String>, ProviderConfigError> {
        match obj.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => {
                Err(self.err(field, "must not be empty"))
            }
            Some(Value::String(s)) => Ok(Some(s.trim().to_string())),
            Some(v) => Err(self.err(field, format!("must be a string, got {}", type_name(v)))),
        }
    }

    fn bool(
        &self,
        obj: &Map<String, Value>,
        field: &str,
    ) -> Result<Option<bool>, ProviderConfigError> {
        match obj.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(v) => Err(self.err(
                field,
                format!("must be true or false, got {}", type_name(v)),
            )),
        }
    }

    fn entry(&mut self, entry: &Value) -> Result<JsonProvider, ProviderConfigError> {
        let Value::Object(obj) = entry else {
            return Err(self.err("", format!("must be an object, got {}", type_name(entry))));
        };
        let id = self
            .string(obj, "id")?
            .ok_or_else(|| self.err("id", "missing"))?;
        // `/` and `:` separate provider from model in routing, so they cannot appear in an id.
        let id_ok = id.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !id_ok {
            return Err(self.err(
                "id",
                "must be letters, digits, '-', '_' or '.' (no spaces, '/' or ':')",
            ));
        }
        let builtin = builtin_profile(&id);
        let overrides_builtin = builtin.is_some();
        let mut profile = builtin.unwrap_or_default();
        profile.id = id.clone();

        let base_url = self.string(obj, "baseUrl")?;
        let base_url_given = base_url.is_some();
        match base_url {
            Some(url) if is_http_url(&url) => profile.base_url = normalize_base_url(&url),
            Some(_) => {
                return Err(self.err(
                    "baseUrl",
                    "must be an http(s) URL such as https://api.example.com/v1",
                ))
            }
            None if !overrides_builtin => return Err(self.err("baseUrl", "missing")),
            None => {}
        }
        match self.string(obj, "envKey")? {
            Some(key) if is_env_name(&key) => profile.key_env = vec![key],
            Some(_) => {
                return Err(self.err(
                    "envKey",
                    "must be an environment variable name such as MY_API_KEY",
                ))
            }
            None if !overrides_builtin => return Err(self.err("envKey", "missing")),
            None => {}
        }
        if let Some(name) = self
            .string(obj, "name")?
            .or(self.string(obj, "displayName")?)
        {
            profile.display_name = name;
        } else if !overrides_builtin {
            profile.display_name = id.clone();
        }
        profile.wire_api = match obj.get("wireApi") {
            None | Some(Value::Null) => profile.wire_api,
            Some(Value::String(s)) if s == "chat" => WireApi::Chat,
            Some(Value::String(s)) if s == "responses" => WireApi::Responses,
            Some(v) => {
                return Err(self.err(
                    "wireApi",
                    format!("must be \"chat\" or \"responses\", got {v}"),
                ))
            }
        };
        if let Some(models) = self.models(obj)? {
            profile.models = models;
        }
        match self.string(obj, "defaultModel")? {
            Some(m) => profile.default_model = m,
            None if !overrides_builtin => return Err(self.err("defaultModel", "missing")),
            None => {}
        }
        // A default missing from a declared list would otherwise be "unknown" to routing.
        let default_model = profile.default_model.clone();
        ensure_model(&mut profile, &default_model);
        if let Some(force) = self.bool(obj, "forceDefaultModel")? {
            profile.force_default_model = force;
        }
        match obj.get("features") {
            None | Some(Value::Null) => {}
            Some(Value::Object(f)) => {
                let mut notes = Vec::new();
                let base = profile.quirks.clone();
                profile.quirks = apply_features(f, base, &mut notes)
                    .map_err(|e| self.err(&e.field, e.message))?;
                for n in notes {
                    self.note(&n.field, n.message);
                }
            }
            Some(v) => {
                return Err(self.err(
                    "features",
                    format!("must be an object, got {}", type_name(v)),
                ))
            }
        }
        Ok(JsonProvider {
            profile,
            overrides_builtin,
            base_url_given,
        })
    }

    /// `models`: ids as strings, or objects with limits. `None` when absent.
    fn models(
        &self,
        obj: &Map<String, Value>,
    ) -> Result<Option<Vec<ModelInfo>>, ProviderConfigError> {
        let list = match obj.get("models") {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::Array(a)) => a,
            Some(v) => {
                return Err(self.err("models", format!("must be an array, got {}", type_name(v))))
            }
        };
        let mut out: Vec<ModelInfo> = Vec::new();
        let mut ids = HashSet::new();
        for (i, item) in list.iter().enumerate() {
            let field = format!("models[{i}]");
            let info = match item {
                Value::String(s) if !s.trim().is_empty() => ModelInfo {
                    id: s.trim().to_string(),
                    ..ModelInfo::default()
                },
                Value::Object(m) => self.model_object(&field, m)?,
                v => {
                    return Err(self.err(
                        &field,
                        format!("must be a model id or an object, got {}", type_name(v)),
                    ))
                }
            };
            if !ids.insert(info.id.clone()) {
                return Err(self.err(&field, format!("duplicate model id \"{}\"", info.id)));
            }
            out.push(info);
        }
        Ok(Some(out))
    }

    fn model_object(
        &self,
        field: &str,
        m: &Map<String, Value>,
    ) -> Result<ModelInfo, ProviderConfigError> {
        let sub = |name: &str| format!("{field}.{name}");
        let id = match m.get("id") {
            Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
            None | Some(Value::Null) => return Err(self.err(&sub("id"), "missing")),
            Some(_) => return Err(self.err(&sub("id"), "must be a non-empty string")),
        };
        let mut info = ModelInfo {
            id,
            ..ModelInfo::default()
        };
        for (name, slot) in [
            ("contextWindow", &mut info.context_window),
            ("maxOutputTokens", &mut info.max_output_tokens),
        ] {
            match m.get(name) {
                None | Some(Value::Null) => {}
                Some(v) => {
                    *slot = v
                        .as_u64()
                        .filter(|n| *n > 0)
                        .and_then(|n| u32::try_from(n).ok())
                        .ok_or_else(|| self.err(&sub(name), "must be a positive whole number"))?;
                }
            }
        }
        // `supportsImages`/`supportsReasoning` are the Node names for the same flags.
        for (names, slot) in [
            (["vision", "supportsImages"], &mut info.vision),
            (["reasoning", "supportsReasoning"], &mut info.reasoning),
        ] {
            for name in names {
                match m.get(name) {
                    None | Some(Value::Null) => {}
                    Some(Value::Bool(b)) => *slot = *b,
                    Some(_) => return Err(self.err(&sub(name), "must be true or false")),
                }
            }
        }
        match m.get("aliases") {
            None | Some(Value::Null) => {}
            Some(Value::Array(a)) => {
                for (j, alias) in a.iter().enumerate() {
                    match alias {
                        Value::String(s) if !s.trim().is_empty() => {
                            info.aliases.push(s.trim().to_string())
                        }
                        _ => {
                            return Err(self.err(
                                &format!("{field}.aliases[{j}]"),
                                "must be a non-empty string",
                            ))
                        }
                    }
                }
            }
            Some(_) => return Err(self.err(&sub("aliases"), "must be an array of strings")),
        }
        Ok(info)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::{EffortSupport, ThinkingParam};

    fn parse(text: &str) -> Result<ProvidersFile, ProviderConfigError> {
        parse_providers_json(Path::new("/cfg/providers.json"), text)
    }

    fn field_error(text: &str) -> (usize, String, String) {
        match parse(text) {
            Err(ProviderConfigError::ProvidersJsonField {
                index,
                field,
                message,
                ..
            }) => (index, field, message),
            other => panic!("expected a field error, got {other:?}"),
        }
    }

    const VALID: &str = r#"{
      "providers": [
        {
          "id": "local-qwen",
          "name": "Local vLLM",
          "baseUrl": "http://127.0.0.1:8000/v1/",
          "envKey": "LOCAL_QWEN_KEY",
          "defaultModel": "Qwen/Qwen3-32B",
          "models": [
            "Qwen/Qwen3-8B",
            {"id": "Qwen/Qwen3-32B", "contextWindow": 131072, "maxOutputTokens": 8192,
             "supportsImages": false, "reasoning": true, "aliases": ["qwen-big"]}
          ],
          "features": {"thinkingParam": "enable_thinking", "extractThinkTags": true},
          "forceDefaultModel": false,
          "shortcut": "lq"
        },
        {"id": "openai", "baseUrl": "https://api.openai.com/v1", "envKey": "OPENAI_API_KEY",
         "defaultModel": "gpt-5", "wireApi": "responses"}
      ]
    }"#;

    #[test]
    fn valid_file_becomes_profiles() {
        let file = parse(VALID).expect("valid");
        assert_eq!(file.providers.len(), 2);
        let p = &file.providers[0].profile;
        assert_eq!(p.id, "local-qwen");
        assert_eq!(p.display_name, "Local vLLM");
        assert_eq!(p.base_url, "http://127.0.0.1:8000/v1");
        assert_eq!(p.key_env, ["LOCAL_QWEN_KEY"]);
        assert_eq!(p.models.len(), 2);
        let big = p.model("qwen-big").expect("alias");
        assert_eq!((big.context_window, big.max_output_tokens), (131_072, 8192));
        assert_eq!(p.quirks.thinking_param, ThinkingParam::EnableThinking);
        assert!(p.quirks.think_tags_in_content);
        assert!(!file.providers[0].overrides_builtin);
        let openai = &file.providers[1].profile;
        assert_eq!(openai.wire_api, WireApi::Responses);
        assert!(openai.is_open_catalog(), "no models: any id passes through");
        assert!(file.notes.is_empty());
        assert!(parse("{}").expect("empty").providers.is_empty());
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("providers.json");
        let missing = read_providers_json(&path);
        assert!(matches!(missing, Err(ProviderConfigError::Io { .. })));
        std::fs::write(&path, VALID).expect("write");
        assert_eq!(
            read_providers_json(&path).expect("valid").providers.len(),
            2
        );
    }

    #[test]
    fn entry_with_builtin_id_overrides_it() {
        let file = parse(
            r#"{"providers":[{"id":"deepseek","baseUrl":"https://ds-proxy.example.com/v1",
                "envKey":"MY_DS_KEY","defaultModel":"deepseek-v4-flash"}]}"#,
        )
        .expect("valid");
        let entry = &file.providers[0];
        assert!(entry.overrides_builtin && entry.base_url_given);
        let p = &entry.profile;
        assert_eq!(p.base_url, "https://ds-proxy.example.com/v1");
        assert_eq!(p.key_env, ["MY_DS_KEY"]);
        assert_eq!(p.default_model, "deepseek-v4-flash");
        // Quirks and models come from the built-in unless the entry says otherwise.
        assert!(p.quirks.drop_sampling_when_thinking);
        assert_eq!(p.quirks.reasoning_effort, EffortSupport::LowMediumHigh);
        assert!(p.model("deepseek-chat").is_some());
        assert_eq!(p.display_name, "DeepSeek");
        // A built-in id may leave out what the built-in already knows.
        let file = parse(r#"{"providers":[{"id":"mimo","defaultModel":"mimo-v2.5"}]}"#);
        assert!(!file.expect("valid").providers[0].base_url_given);
    }

    #[test]
    fn invalid_json_reports_line_and_column() {
        let err = parse("{\n  \"providers\": [\n    {\"id\": \"a\",}\n  ]\n}").expect_err("bad");
        match &err {
            ProviderConfigError::ProvidersJson { line, column, .. } => {
                assert_eq!((*line, *column), (3, 16));
            }
            other => panic!("{other:?}"),
        }
        assert!(err
            .to_string()
            .starts_with("/cfg/providers.json: line 3, column 16: "));
    }

    #[test]
    fn missing_and_bad_fields_name_index_and_field() {
        let ok = r#""id":"x","baseUrl":"https://h/v1","envKey":"K","defaultModel":"m""#;
        let cases = [
            (
                r#"{"id":"x","envKey":"K","defaultModel":"m"}"#,
                "baseUrl",
                "missing",
            ),
            (
                r#"{"id":"x","baseUrl":"ftp://h","envKey":"K","defaultModel":"m"}"#,
                "baseUrl",
                "http(s) URL",
            ),
            (
                r#"{"baseUrl":"https://h/v1","envKey":"K","defaultModel":"m"}"#,
                "id",
                "missing",
            ),
            (
                r#"{"id":"a/b","baseUrl":"https://h/v1","envKey":"K","defaultModel":"m"}"#,
                "id",
                "'/'",
            ),
            (
                r#"{"id":"x","baseUrl":"https://h/v1","defaultModel":"m"}"#,
                "envKey",
                "missing",
            ),
            (
                r#"{"id":"x","baseUrl":"https://h/v1","envKey":"MY KEY","defaultModel":"m"}"#,
                "envKey",
                "variable name",
            ),
            (
                r#"{"id":"x","baseUrl":"https://h/v1","envKey":"K"}"#,
                "defaultModel",
                "missing",
            ),
            (
                r#"{"id":"x","baseUrl":"https://h/v1","envKey":"K","defaultModel":5}"#,
                "defaultModel",
                "a number",
            ),
            (
                r#"{"id":"x","baseUrl":"https://h/v1","envKey":"K","defaultModel":"m","wireApi":"grpc"}"#,
                "wireApi",
                "\"chat\" or \"responses\"",
            ),
            (
                r#"{"id":"x","baseUrl":"https://h/v1","envKey":"K","defaultModel":"m","models":[{"contextWindow":1}]}"#,
                "models[0].id",
                "missing",
            ),
            (
                r#"{"id":"x","baseUrl":"https://h/v1","envKey":"K","defaultModel":"m","models":["a",{"id":"b","contextWindow":-1}]}"#,
                "models[1].contextWindow",
                "positive",
            ),
            (
                r#"{"id":"x","baseUrl":"https://h/v1","envKey":"K","defaultModel":"m","features":{"thinkingParam":1}}"#,
                "features.thinkingParam",
                "must be one of",
            ),
            (
                r#"{"id":"x","baseUrl":"https://h/v1","envKey":"K","defaultModel":"m","forceDefaultModel":"yes"}"#,
                "forceDefaultModel",
                "true or false",
            ),
        ];
        for (entry, want_field, needle) in cases {
            let text = format!(r#"{{"providers":[{{{ok}}},{entry}]}}"#);
            let (index, field, message) = field_error(&text);
            assert_eq!((index, field.as_str()), (1, want_field), "{entry}");
            assert!(message.contains(needle), "{entry}: {message}");
        }
        let text = format!(r#"{{"providers":[{{{ok}}},{{"id":"y"}}]}}"#);
        let msg = parse(&text).expect_err("bad").to_string();
        assert_eq!(msg, "/cfg/providers.json: providers[1].baseUrl: missing");
    }

    #[test]
    fn duplicate_ids_and_bad_shapes_are_rejected() {
        let entry = r#"{"id":"dup","baseUrl":"https://h/v1","envKey":"K","defaultModel":"m"}"#;
        let (index, field, message) = field_error(&format!(r#"{{"providers":[{entry},{entry}]}}"#));
        assert_eq!((index, field.as_str()), (1, "id"));
        assert!(message.contains("duplicate id \"dup\"") && message.contains("providers[0]"));
        for text in [r#"[]"#, r#"{"providers":{}}"#] {
            let err = parse(text).expect_err("bad shape");
            assert!(
                err.to_string().starts_with("/cfg/providers.json: "),
                "{err}"
            );
        }
        let (index, field, _) = field_error(r#"{"providers":["deepseek"]}"#);
        assert_eq!((index, field.as_str()), (0, ""));
    }

    #[test]
    fn node_features_are_kept_as_notes() {
        let file = parse(
            r#"{"providers":[{"id":"mm","baseUrl":"https://api.minimaxi.com/v1","envKey":"MINIMAX_API_KEY",
               "defaultModel":"MiniMax-M2.7","forceDefaultModel":true,
               "features":{"minimaxCompat":true,"dropToolChoiceAuto":true}}]}"#,
        )
        .expect("valid");
        let p = &file.providers[0].profile;
        assert!(p.force_default_model && p.quirks.think_tags_in_content);
        assert!(
            p.model("MiniMax-M2.7").is_none(),
            "open catalog keeps no list"
        );
        assert_eq!(
            file.notes,
            ["/cfg/providers.json: providers[0].features.dropToolChoiceAuto: accepted for compatibility, has no effect here"]
        );
    }
}
