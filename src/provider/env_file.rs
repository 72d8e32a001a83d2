//! `~/.mimo2codex/.env`: read with dotenvy's parser, never loaded into the process environment
//! (the registry gets an explicit map, so a reload or a test sees exactly what it was given).

use std::collections::HashMap;
use std::path::Path;

use super::builtin::{BUILTIN_ENV, GENERIC_ENV};
use super::registry::ProviderConfigError;

/// Variables from a `.env` file. A missing file is an empty map. Parse errors name the line but
/// never quote it: it may hold a key.
pub fn read_env_file(path: &Path) -> Result<HashMap<String, String>, ProviderConfigError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(HashMap::new()),
        Err(source) => {
            return Err(ProviderConfigError::Io {
                path: path.to_path_buf(),
                source,
            })
        }
    };
    parse_env_text(path, &text)
}

/// Parses `.env` text; `path` is only used in messages.
pub fn parse_env_text(
    path: &Path,
    text: &str,
) -> Result<HashMap<String, String>, ProviderConfigError> {
    let mut vars = HashMap::new();
    for item in dotenvy::from_read_iter(text.as_bytes()) {
        match item {
            Ok((key, value)) => {
                vars.insert(key, value);
            }
            Err(dotenvy::Error::LineParse(line, at)) => {
                let line_no = text
                    .find(line.as_str())
                    .map(|start| text[..start].matches('\n').count() + 1);
                let whereabouts = match line_no {
                    Some(n) => format!("line {n}, column {}", at + 1),
                    None => format!("column {}", at + 1),
                };
                return Err(ProviderConfigError::Invalid(format!(
                    "{}: {whereabouts}: not a KEY=value line (quote values with spaces or #)",
                    path.display()
                )));
            }
            Err(e) => {
                return Err(ProviderConfigError::Invalid(format!(
                    "{}: {}",
                    path.display(),
                    redact_dotenv_error(&e)
                )))
            }
        }
    }
    Ok(vars)
}

/// dotenvy's other errors (I/O, variable substitution) carry no file content; keep their text short.
fn redact_dotenv_error(e: &dotenvy::Error) -> String {
    match e {
        dotenvy::Error::Io(io) => io.to_string(),
        dotenvy::Error::EnvVar(v) => v.to_string(),
        _ => "cannot parse file".to_string(),
    }
}

/// The process environment, skipping entries that are not valid Unicode (which `std::env::vars`
/// would panic on).
pub fn process_env() -> impl Iterator<Item = (String, String)> {
    std::env::vars_os().filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
}

/// The file's variables overlaid by the process environment: the process wins, except that a
/// variable exported empty does not hide a value the file sets (a stray `export X=` is an accident
/// far more often than a deliberate unset).
pub fn merged_env(
    process: impl Iterator<Item = (String, String)>,
    file: HashMap<String, String>,
) -> HashMap<String, String> {
    let mut merged = file;
    for (key, value) in process {
        let file_has_value = merged.get(&key).is_some_and(|v| !v.trim().is_empty());
        if value.trim().is_empty() && file_has_value {
            continue;
        }
        merged.insert(key, value);
    }
    merged
}

/// A commented `.env` template naming every variable the providers read (for `mimo2codex init`).
pub fn env_template() -> &'static str {
    ENV_TEMPLATE
}

const ENV_TEMPLATE: &str = r#"# mimo2codex provider settings. Variables set in the real environment win over this file.
# Uncomment the lines for the providers you use. With several keys set, the first configured
# provider in this file's order is the default; MIMO2CODEX_DEFAULT_PROVIDER (or --provider) picks one.
# Each built-in also takes <X>_BASE_URL (another host) and <X>_MODEL (its default model).

# MIMO2CODEX_DEFAULT_PROVIDER=deepseek

# --- Xiaomi MiMo: tp-… keys use https://token-plan-cn.xiaomimimo.com/v1, sk-… keys https://api.xiaomimimo.com/v1
# MIMO_API_KEY=
# MIMO_BASE_URL=
# MIMO_MODEL=mimo-v2.5-pro

# --- DeepSeek (DS_API_KEY is read first)
# DS_API_KEY=
# DEEPSEEK_API_KEY=
# DEEPSEEK_BASE_URL=https://api.deepseek.com/v1
# DEEPSEEK_MODEL=deepseek-v4-pro

# --- Kimi (Moonshot)
# KIMI_API_KEY=
# MOONSHOT_API_KEY=
# KIMI_BASE_URL=https://api.moonshot.cn/v1
# KIMI_MODEL=kimi-k2.6

# --- Zhipu GLM
# GLM_API_KEY=
# ZHIPUAI_API_KEY=
# GLM_BASE_URL=https://open.bigmodel.cn/api/paas/v4
# GLM_MODEL=glm-5.1

# --- Qwen (Alibaba DashScope)
# DASHSCOPE_API_KEY=
# QWEN_API_KEY=
# QWEN_BASE_URL=https://dashscope.aliyuncs.com/compatible-mode/v1
# QWEN_MODEL=qwen3-max

# --- MiniMax
# MINIMAX_API_KEY=
# MINIMAX_BASE_URL=https://api.minimaxi.com/v1
# MINIMAX_MODEL=MiniMax-M2.7

# --- SenseNova
# SENSENOVA_API_KEY=
# SENSENOVA_BASE_URL=https://token.sensenova.cn/v1
# SENSENOVA_MODEL=sensenova-6.7-flash-lite

# --- Any other OpenAI-compatible server (vLLM, Ollama, LM Studio, …), provider id "generic".
# Model ids Codex sends are forwarded as they are unless GENERIC_FORCE_DEFAULT_MODEL=1.
# For several such servers use providers.json next to this file.
# GENERIC_BASE_URL=http://127.0.0.1:11434/v1
# GENERIC_API_KEY=
# GENERIC_DEFAULT_MODEL=
# GENERIC_MODEL=
# GENERIC_WIRE_API=chat
# GENERIC_FORCE_DEFAULT_MODEL=0
"#;

/// Every variable the template must mention.
pub fn template_variables() -> Vec<&'static str> {
    let mut names = vec!["MIMO2CODEX_DEFAULT_PROVIDER"];
    for spec in &BUILTIN_ENV {
        names.extend(spec.key.iter().copied());
        names.push(spec.base_url);
        names.push(spec.model);
    }
    names.extend(GENERIC_ENV);
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> HashMap<String, String> {
        parse_env_text(Path::new(".env"), text).expect("parses")
    }

    #[test]
    fn parses_comments_quotes_and_export() {
        let vars = parse(
            "# a comment\n\nMIMO_API_KEY=tp-abc # trailing comment\nexport DS_API_KEY=sk-1\n\
             GLM_API_KEY=\"quoted value\"\nKIMI_API_KEY='single # not a comment'\nEMPTY=\n",
        );
        assert_eq!(vars["MIMO_API_KEY"], "tp-abc");
        assert_eq!(vars["DS_API_KEY"], "sk-1");
        assert_eq!(vars["GLM_API_KEY"], "quoted value");
        assert_eq!(vars["KIMI_API_KEY"], "single # not a comment");
        assert_eq!(vars["EMPTY"], "");
        assert_eq!(vars.len(), 5);
    }

    #[test]
    fn missing_file_is_empty_and_real_file_is_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(".env");
        assert!(read_env_file(&path).expect("missing is ok").is_empty());
        std::fs::write(&path, "MINIMAX_API_KEY=mm-123\n").expect("write");
        assert_eq!(
            read_env_file(&path).expect("reads")["MINIMAX_API_KEY"],
            "mm-123"
        );
    }

    #[test]
    fn parse_error_names_line_without_quoting_it() {
        let err = parse_env_text(
            Path::new("/x/.env"),
            "A=1\nB=2\nSECRET sk-very-secret-value\n",
        )
        .expect_err("bad line");
        let msg = err.to_string();
        assert!(msg.contains("/x/.env: line 3"), "{msg}");
        assert!(!msg.contains("sk-very-secret-value"), "{msg}");
    }

    #[test]
    fn process_env_wins_over_file_except_when_empty() {
        let file: HashMap<String, String> = [
            ("MIMO_API_KEY", "from-file"),
            ("DS_API_KEY", "file-ds"),
            ("GLM_API_KEY", "file-glm"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let process = [
            ("MIMO_API_KEY", "from-process"),
            ("DS_API_KEY", ""),
            ("OTHER", "x"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()));
        let merged = merged_env(process, file);
        assert_eq!(merged["MIMO_API_KEY"], "from-process");
        assert_eq!(merged["DS_API_KEY"], "file-ds");
        assert_eq!(merged["GLM_API_KEY"], "file-glm");
        assert_eq!(merged["OTHER"], "x");
    }

    #[test]
    fn template_lists_every_variable_and_sets_none() {
        let template = env_template();
        for name in template_variables() {
            assert!(template.contains(&format!("# {name}=")), "{name} missing");
        }
        assert!(parse(template).is_empty(), "template must be all comments");
    }
}
