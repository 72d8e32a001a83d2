//! Drives the real Codex CLI (`@openai/codex`, pinned in `package.json`) against a local base URL.
//!
//! * Binary: `$CODEX_BIN`, else `<repo>/node_modules/.bin/codex` (`npm ci` installs it). Missing binary
//!   → the test fails and says to run `npm ci`, unless `MIMO2CODEX_SKIP_CODEX_E2E=1`, in which case
//!   [`CodexHome::new`] returns `None` and the test returns early.
//! * Each [`CodexHome`] is a fresh directory under `<repo>/target/codex-e2e/` (override with
//!   `MIMO2CODEX_E2E_DIR`). Never under `/tmp`: Codex's sandboxed shell breaks there (DESIGN §8).
//!   The directory is removed when the test passes and kept (path printed) when it fails.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::AsyncReadExt;

/// The Codex CLI version the tests are written against (keep in sync with `package.json`).
pub const CODEX_VERSION: &str = "0.169.0";
/// Provider id written into Codex's config.
pub const PROVIDER_ID: &str = "m2c";
/// Environment variable Codex reads the bearer token from (`env_key`).
pub const ENV_KEY: &str = "M2C_E2E_API_KEY";
/// Token Codex sends as `Authorization: Bearer …` to the base URL.
pub const CLIENT_TOKEN: &str = "sk-codex-e2e-client";
/// Default wall-clock limit of one `codex exec`.
pub const EXEC_TIMEOUT: Duration = Duration::from_secs(60);

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// `true` when the user opted out of the real-Codex tests.
pub fn skip_requested() -> bool {
    std::env::var("MIMO2CODEX_SKIP_CODEX_E2E").is_ok_and(|v| v == "1")
}

/// The Codex binary, or a panic that says how to get it. `None` only when skipping was requested.
pub fn codex_bin() -> Option<PathBuf> {
    if skip_requested() {
        eprintln!("MIMO2CODEX_SKIP_CODEX_E2E=1: skipping a real-Codex test");
        return None;
    }
    let bin = match std::env::var_os("CODEX_BIN") {
        Some(p) => PathBuf::from(p),
        None => super::repo_root().join("node_modules/.bin/codex"),
    };
    if !bin.exists() {
        panic!(
            "Codex CLI not found at {}.\nRun `npm ci` in the repository root (installs @openai/codex \
             {CODEX_VERSION} from package-lock.json), or set CODEX_BIN=/path/to/codex, or set \
             MIMO2CODEX_SKIP_CODEX_E2E=1 to skip the real-Codex tests.",
            bin.display()
        );
    }
    Some(bin)
}

fn e2e_root() -> PathBuf {
    if let Some(dir) = std::env::var_os("MIMO2CODEX_E2E_DIR") {
        return PathBuf::from(dir);
    }
    let dir = super::repo_root().join("target/codex-e2e");
    if dir.starts_with("/tmp") {
        // The sandboxed shell breaks under /tmp; use the user's cache instead.
        let home = std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("/var/tmp"));
        return home.join(".cache/mimo2codex-codex-e2e");
    }
    dir
}

/// A private `CODEX_HOME` (+ `HOME` and a workspace) with a config pointing Codex at `base_url`.
pub struct CodexHome {
    /// Root of everything this run owns.
    pub root: PathBuf,
    /// `CODEX_HOME` (holds `config.toml`, sessions, logs).
    pub codex_home: PathBuf,
    /// `HOME` of the Codex process.
    pub home: PathBuf,
    /// Working directory of `codex exec` (a scratch project).
    pub workspace: PathBuf,
    pub base_url: String,
    pub model: String,
    bin: PathBuf,
}

impl CodexHome {
    /// Creates the directories and writes `config.toml`. `extra_toml` is inserted before the tables,
    /// so it may hold top-level keys (and whole tables of its own).
    pub fn new(base_url: &str, model: &str, extra_toml: &str) -> Option<CodexHome> {
        let bin = codex_bin()?;
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let thread = std::thread::current();
        let tag: String = thread
            .name()
            .unwrap_or("test")
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let tag: String = tag
            .chars()
            .rev()
            .take(40)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let root = e2e_root().join(format!("{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let codex_home = root.join("codex-home");
        let home = root.join("home");
        let workspace = root.join("workspace");
        for d in [&codex_home, &home, &workspace] {
            std::fs::create_dir_all(d).expect("create codex e2e dir");
        }
        let config = config_toml(base_url, model, extra_toml);
        std::fs::write(codex_home.join("config.toml"), config).expect("write config.toml");
        Some(CodexHome {
            root,
            codex_home,
            home,
            workspace,
            base_url: base_url.to_string(),
            model: model.to_string(),
            bin,
        })
    }

    /// Like [`CodexHome::new`], plus a `model_catalog_json` file so Codex knows the model (context window,
    /// freeform `apply_patch`). `catalog` is the whole `{"models": […]}` document.
    pub fn with_catalog(
        base_url: &str,
        model: &str,
        catalog: &Value,
        extra_toml: &str,
    ) -> Option<CodexHome> {
        // The catalog path must be known before config.toml is written: write it next to it.
        let probe = CodexHome::new(base_url, model, "")?;
        let path = probe.codex_home.join("model-catalog.json");
        std::fs::write(&path, serde_json::to_string_pretty(catalog).unwrap())
            .expect("write catalog");
        let extra = format!(
            "model_catalog_json = {}\n{extra_toml}",
            toml_str(&path.to_string_lossy())
        );
        std::fs::write(
            probe.codex_home.join("config.toml"),
            config_toml(base_url, model, &extra),
        )
        .expect("write config.toml");
        Some(probe)
    }

    pub fn config_path(&self) -> PathBuf {
        self.codex_home.join("config.toml")
    }

    /// `codex exec --json --skip-git-repo-check --sandbox read-only <extra_args> "<prompt>" </dev/null`
    /// with [`EXEC_TIMEOUT`]. A `--sandbox …` in `extra_args` replaces the read-only default.
    pub async fn run_exec(&self, prompt: &str, extra_args: &[&str]) -> CodexRun {
        self.run_exec_with_timeout(prompt, extra_args, EXEC_TIMEOUT)
            .await
    }

    pub async fn run_exec_with_timeout(
        &self,
        prompt: &str,
        extra_args: &[&str],
        limit: Duration,
    ) -> CodexRun {
        let mut cmd = tokio::process::Command::new(&self.bin);
        cmd.arg("exec").arg("--json").arg("--skip-git-repo-check");
        // Codex rejects a repeated --sandbox: the caller's choice replaces the default.
        if !extra_args
            .iter()
            .any(|a| *a == "--sandbox" || *a == "-s" || a.starts_with("--sandbox="))
        {
            cmd.arg("--sandbox").arg("read-only");
        }
        cmd.args(extra_args)
            .arg(prompt)
            .current_dir(&self.workspace)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .process_group(0);
        for var in [
            "HTTPS_PROXY",
            "https_proxy",
            "HTTP_PROXY",
            "http_proxy",
            "ALL_PROXY",
            "all_proxy",
            "OPENAI_API_KEY",
            "OPENAI_BASE_URL",
            "CODEX_API_KEY",
            "RUST_LOG",
        ] {
            cmd.env_remove(var);
        }
        cmd.env("CODEX_HOME", &self.codex_home)
            .env("HOME", &self.home)
            .env("XDG_CONFIG_HOME", self.home.join(".config"))
            .env("XDG_CACHE_HOME", self.home.join(".cache"))
            .env("XDG_DATA_HOME", self.home.join(".local/share"))
            .env("NO_PROXY", "127.0.0.1,localhost")
            .env("NO_COLOR", "1")
            .env(ENV_KEY, CLIENT_TOKEN);

        let started = Instant::now();
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", self.bin.display()));
        let pid = child.id();
        let mut out = child.stdout.take().unwrap();
        let mut err = child.stderr.take().unwrap();
        let out_task = tokio::spawn(async move {
            let mut buf = Vec::new();
            let _ = out.read_to_end(&mut buf).await;
            buf
        });
        let err_task = tokio::spawn(async move {
            let mut buf = Vec::new();
            let _ = err.read_to_end(&mut buf).await;
            buf
        });
        let (status, timed_out) = match tokio::time::timeout(limit, child.wait()).await {
            Ok(Ok(s)) => (s.code(), false),
            Ok(Err(e)) => panic!("waiting for codex: {e}"),
            Err(_) => {
                if let Some(pid) = pid {
                    // The whole process group we created (codex and its sandboxed children).
                    let _ = std::process::Command::new("kill")
                        .args(["-KILL", "--", &format!("-{pid}")])
                        .status();
                }
                let _ = child.kill().await;
                (None, true)
            }
        };
        if !timed_out {
            // Make sure no helper of this run outlives it.
            if let Some(pid) = pid {
                let _ = std::process::Command::new("kill")
                    .args(["-KILL", "--", &format!("-{pid}")])
                    .stderr(Stdio::null())
                    .status();
            }
        }
        let grace = Duration::from_secs(5);
        let stdout = tokio::time::timeout(grace, out_task)
            .await
            .ok()
            .and_then(Result::ok)
            .unwrap_or_default();
        let stderr = tokio::time::timeout(grace, err_task)
            .await
            .ok()
            .and_then(Result::ok)
            .unwrap_or_default();
        let stdout = String::from_utf8_lossy(&stdout).into_owned();
        let stderr = String::from_utf8_lossy(&stderr).into_owned();
        let events = stdout
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l.trim()).ok())
            .collect();
        CodexRun {
            events,
            stdout,
            stderr,
            status,
            timed_out,
            elapsed: started.elapsed(),
            root: self.root.clone(),
        }
    }
}

impl Drop for CodexHome {
    fn drop(&mut self) {
        if std::thread::panicking() || std::env::var_os("MIMO2CODEX_KEEP_E2E").is_some() {
            eprintln!("codex e2e files kept in {}", self.root.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.root);
        }
    }
}

fn toml_str(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

/// The config.toml of DESIGN §8.
pub fn config_toml(base_url: &str, model: &str, extra_toml: &str) -> String {
    format!(
        r#"model = {model}
model_provider = "{PROVIDER_ID}"
check_for_update_on_startup = false
{extra_toml}

[model_providers.{PROVIDER_ID}]
name = "mimo2codex test"
base_url = {base_url}
env_key = "{ENV_KEY}"
wire_api = "responses"
request_max_retries = 0
stream_max_retries = 1
stream_idle_timeout_ms = 30000

[analytics]
enabled = false

[features]
plugins = false
unbounded_connection_retries = false
"#,
        model = toml_str(model),
        base_url = toml_str(base_url),
    )
}

/// What one `codex exec --json` run produced.
#[derive(Debug)]
pub struct CodexRun {
    /// Parsed JSONL events from stdout.
    pub events: Vec<Value>,
    pub stdout: String,
    pub stderr: String,
    /// Exit code (`None` if killed).
    pub status: Option<i32>,
    pub timed_out: bool,
    pub elapsed: Duration,
    root: PathBuf,
}

impl CodexRun {
    /// Items of `item.completed` events.
    pub fn completed_items(&self) -> Vec<&Value> {
        self.events
            .iter()
            .filter(|e| e.get("type").and_then(Value::as_str) == Some("item.completed"))
            .filter_map(|e| e.get("item"))
            .collect()
    }

    pub fn items_of_type(&self, ty: &str) -> Vec<&Value> {
        self.completed_items()
            .into_iter()
            .filter(|i| i.get("type").and_then(Value::as_str) == Some(ty))
            .collect()
    }

    /// Texts of completed `agent_message` items.
    pub fn agent_messages(&self) -> Vec<String> {
        self.items_of_type("agent_message")
            .into_iter()
            .filter_map(|i| i.get("text").and_then(Value::as_str).map(str::to_string))
            .collect()
    }

    /// The last agent message.
    pub fn final_message(&self) -> Option<String> {
        self.agent_messages().pop()
    }

    /// Completed `command_execution` items (`command`, `aggregated_output`, `exit_code`, `status`).
    pub fn commands(&self) -> Vec<&Value> {
        self.items_of_type("command_execution")
    }

    /// Completed `file_change` items (apply_patch).
    pub fn file_changes(&self) -> Vec<&Value> {
        self.items_of_type("file_change")
    }

    /// Error texts: `error` events (stream errors, "Reconnecting… n/5") and `turn.failed` errors.
    pub fn errors(&self) -> Vec<String> {
        let mut out = Vec::new();
        for e in &self.events {
            match e.get("type").and_then(Value::as_str) {
                Some("error") => out.push(
                    e.get("message")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string(),
                ),
                Some("turn.failed") => out.push(
                    e.pointer("/error/message")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string(),
                ),
                _ => {}
            }
        }
        out
    }

    /// Messages of completed `error` items: Codex uses them for warnings that do not stop the turn
    /// (e.g. "Model metadata for `x` not found" for a model missing from the catalog).
    pub fn error_items(&self) -> Vec<String> {
        self.items_of_type("error")
            .into_iter()
            .map(|i| {
                i.get("message")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string()
            })
            .collect()
    }

    /// `turn.completed` was seen.
    pub fn turn_completed(&self) -> bool {
        self.events
            .iter()
            .any(|e| e.get("type").and_then(Value::as_str) == Some("turn.completed"))
    }

    /// A readable dump for assertion messages.
    pub fn describe(&self) -> String {
        let tail: String = {
            let s = &self.stderr;
            let start = s.len().saturating_sub(4000);
            let mut i = start;
            while !s.is_char_boundary(i) {
                i += 1;
            }
            s[i..].to_string()
        };
        format!(
            "codex exit={:?} timed_out={} elapsed={:?} (files: {})\n--- events ---\n{}\n--- stderr (tail) ---\n{}",
            self.status,
            self.timed_out,
            self.elapsed,
            self.root.display(),
            self.events
                .iter()
                .map(Value::to_string)
                .collect::<Vec<_>>()
                .join("\n"),
            tail
        )
    }

    /// Panics with [`CodexRun::describe`] unless Codex exited 0 with a completed turn and no errors.
    pub fn assert_success(&self) {
        assert!(
            !self.timed_out && self.status == Some(0) && self.turn_completed(),
            "codex exec did not complete a turn:\n{}",
            self.describe()
        );
        assert!(
            self.errors().is_empty(),
            "codex reported errors: {:?}\n{}",
            self.errors(),
            self.describe()
        );
    }
}

/// Reads a file the test expects Codex to have written.
pub fn read_in(dir: &Path, name: &str) -> Option<String> {
    std::fs::read_to_string(dir.join(name)).ok()
}
