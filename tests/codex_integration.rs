//! `mimo2codex codex enable|disable|status` against a real user's Codex home and the real Codex CLI:
//! the edited config drives `codex exec` (no env key: the bearer token from config.toml) through
//! the engine to the fake upstream, offers apply_patch through the generated catalog, and `disable`
//! gives the user's bytes back. A recording hop in front of the engine shows what Codex sent.
//!
//! Needs `npm ci` (see tests/support/codex.rs); `MIMO2CODEX_SKIP_CODEX_E2E=1` skips the Codex part.

mod support;
#[path = "support/engine.rs"]
mod support_engine;

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use base64::Engine as _;
use serde_json::json;
use support::codex::CodexHome;
use support::fake_upstream::{FakeUpstream, Script};
use support_engine::{fake_profile_for, TestEngine};

const BIN: &str = env!("CARGO_BIN_EXE_mimo2codex");

/// A user's Codex config: comments, MCP server, profile, trusted project, odd spacing.
const USER_CONFIG: &str = r#"# My Codex settings — written by hand, keep my comments!
model = "gpt-5.5"   # what I normally use
check_for_update_on_startup = false

# sandbox
sandbox_mode    =   "workspace-write"

[mcp_servers.x]
command = "/bin/false"   # never started: disabled
enabled = false

[profiles.y]
model = "o3"
# a comment inside a profile

[projects."/some/path"]
trust_level = "trusted"

[analytics]
enabled = false

[features]
plugins = false
unbounded_connection_retries = false
"#;

/// `mimo2codex --data-dir <data> codex <args…> --codex-home <home>` with a clean environment.
fn m2c(data: &Path, codex_home: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", data)
        .env("MIMO2CODEX_LANG", "en")
        .arg("--data-dir")
        .arg(data)
        .arg("codex")
        .args(args)
        .arg("--codex-home")
        .arg(codex_home)
        .output()
        .expect("run mimo2codex")
}

fn text(out: &Output) -> String {
    format!(
        "exit={:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A fake ChatGPT login as Codex stores it (`auth.json`): must survive everything byte-for-byte.
fn chatgpt_auth_json() -> String {
    let b64 = |v: serde_json::Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string().as_bytes())
    };
    let id_token = format!(
        "{}.{}.c2ln",
        b64(json!({"alg": "none", "typ": "JWT"})),
        b64(json!({
            "email": "user@example.com",
            "https://api.openai.com/auth": {"chatgpt_plan_type": "plus", "chatgpt_account_id": "acct-fake"}
        }))
    );
    let auth = json!({
        "OPENAI_API_KEY": null,
        "tokens": {
            "id_token": id_token,
            "access_token": "chatgpt-access-token-must-not-be-sent",
            "refresh_token": "chatgpt-refresh-token",
            "account_id": "acct-fake"
        },
        "last_refresh": mimo2codex::codex_config::backup::rfc3339(std::time::SystemTime::now()),
    });
    serde_json::to_string_pretty(&auth).expect("json")
}

/// `("POST /v1/responses", Some("Bearer …"))` per request.
type Seen = Arc<Mutex<Vec<(String, Option<String>)>>>;

/// A recording HTTP hop: forwards everything to `target` and keeps each request's
/// `(method path, authorization)`.
#[derive(Clone)]
struct Recorder {
    target: String,
    client: reqwest::Client,
    seen: Seen,
}

async fn forward(State(rec): State<Recorder>, req: Request) -> Response {
    let auth = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    rec.seen
        .lock()
        .unwrap()
        .push((format!("{} {path}", req.method()), auth));
    let method = req.method().clone();
    let mut headers = req.headers().clone();
    headers.remove("host");
    headers.remove("content-length");
    let body = axum::body::to_bytes(req.into_body(), usize::MAX)
        .await
        .unwrap_or_default();
    let upstream = rec
        .client
        .request(method, format!("{}{path}", rec.target))
        .headers(headers)
        .body(body)
        .send()
        .await
        .expect("engine reachable");
    let mut builder = Response::builder().status(upstream.status());
    for (k, v) in upstream.headers() {
        if k != "content-length" && k != "transfer-encoding" {
            builder = builder.header(k, v);
        }
    }
    builder
        .body(Body::from_stream(upstream.bytes_stream()))
        .expect("response")
}

async fn start_recorder(target: SocketAddr) -> (SocketAddr, Recorder) {
    let rec = Recorder {
        target: format!("http://{target}"),
        client: reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("client"),
        seen: Arc::default(),
    };
    let app = axum::Router::new()
        .fallback(forward)
        .with_state(rec.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (addr, rec)
}

fn bearer_token(config: &str) -> String {
    let doc: toml_edit::DocumentMut = config.parse().expect("config parses");
    doc["model_providers"]["mimo2codex"]["experimental_bearer_token"]
        .as_str()
        .expect("token written")
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enable_drives_real_codex_then_disable_restores_bytes() {
    let (profile, _) = fake_profile_for("qwen");
    let fake = FakeUpstream::start(profile).await;
    let engine = TestEngine::start("qwen", &fake, false).await;
    let engine_addr = engine.running.as_ref().expect("running").local_addr;
    let (hop, rec) = start_recorder(engine_addr).await;
    let patch = "*** Begin Patch\n*** Add File: enabled.txt\n+via codex enable\n*** End Patch\n";
    fake.set_responder(move |req| {
        if req.messages().iter().any(|m| m["role"] == "tool") {
            return Script::text("Patched.");
        }
        let name = req
            .tool_names()
            .into_iter()
            .find(|n| n.contains("apply_patch"))
            .unwrap_or_else(|| "apply_patch-tool-was-not-offered".into());
        Script::tool_call(
            "call_enable_1",
            &name,
            json!({ "input": patch }).to_string(),
        )
    });

    let Some(home) = CodexHome::new(&engine.base_url, "qwen3-max", "") else {
        return;
    };
    let codex_home = home.codex_home.clone();
    let data = home.root.join("m2c-data");
    std::fs::create_dir_all(&data).expect("data dir");
    std::fs::write(
        data.join(".env"),
        "QWEN_API_KEY=sk-upstream-not-used-here\n",
    )
    .expect(".env");
    let config_path = codex_home.join("config.toml");
    std::fs::write(&config_path, USER_CONFIG).expect("user config");
    let auth = chatgpt_auth_json();
    let auth_path = codex_home.join("auth.json");
    std::fs::write(&auth_path, &auth).expect("auth.json");

    // enable → points at the recording hop in front of the engine.
    let hop_port = hop.port().to_string();
    let enable_args = [
        "enable",
        "--provider",
        "qwen",
        "--model",
        "qwen3-max",
        "--port",
        &hop_port,
    ];
    let out = m2c(&data, &codex_home, &enable_args);
    assert!(out.status.success(), "{}", text(&out));
    let enabled = std::fs::read_to_string(&config_path).expect("config");
    assert!(
        enabled.contains(&format!("base_url = \"http://127.0.0.1:{hop_port}/v1\"")),
        "{enabled}"
    );
    let backups: Vec<_> = std::fs::read_dir(data.join("backups"))
        .expect("backups dir")
        .collect();
    assert_eq!(backups.len(), 1);
    assert!(data.join("codex-model-catalog.json").exists());
    assert!(data.join("codex-integration.json").exists());
    let token = bearer_token(&enabled);
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains(&token)
            && !String::from_utf8_lossy(&out.stderr).contains(&token),
        "the token is never printed"
    );

    // The real Codex, no env key for our provider, a ChatGPT login in auth.json.
    let run = home
        .run_exec("create the file", &["--sandbox", "workspace-write"])
        .await;
    run.assert_success();
    assert_eq!(run.final_message().as_deref(), Some("Patched."));
    let written = std::fs::read_to_string(home.workspace.join("enabled.txt"))
        .unwrap_or_else(|e| panic!("patched file missing ({e}):\n{}", run.describe()));
    assert_eq!(written, "via codex enable\n");
    let reqs = fake.accepted();
    assert!(
        reqs[0]
            .tool_names()
            .iter()
            .any(|n| n.contains("apply_patch")),
        "the catalog makes Codex offer apply_patch: {:?}",
        reqs[0].tool_names()
    );
    let seen = rec.seen.lock().unwrap().clone();
    let responses: Vec<_> = seen
        .iter()
        .filter(|(what, _)| what.starts_with("POST /v1/responses"))
        .collect();
    assert!(
        !responses.is_empty(),
        "Codex went through the hop: {seen:?}"
    );
    for (what, auth_header) in &responses {
        assert_eq!(
            auth_header.as_deref(),
            Some(format!("Bearer {token}").as_str()),
            "{what}: Codex must send experimental_bearer_token, not the ChatGPT login"
        );
    }
    assert_eq!(
        std::fs::read_to_string(&auth_path).expect("auth"),
        auth,
        "auth.json untouched"
    );

    // Codex parsed our catalog: the model's real context window and text-only input.
    let models = Command::new(support::codex::codex_bin().expect("codex"))
        .args(["debug", "models"])
        .env("CODEX_HOME", &codex_home)
        .env("HOME", &home.home)
        .output()
        .expect("codex debug models");
    let models: serde_json::Value = serde_json::from_slice(&models.stdout)
        .unwrap_or_else(|e| panic!("codex debug models: {e}: {}", text(&models)));
    let entry = models["models"]
        .as_array()
        .and_then(|m| m.iter().find(|e| e["slug"] == "qwen3-max"))
        .expect("qwen3-max in Codex's catalog");
    assert_eq!(entry["context_window"], 262_144);
    assert_eq!(entry["input_modalities"], json!(["text"]));
    assert_eq!(entry["apply_patch_tool_type"], "freeform");

    // enable again: no change, no new backup.
    let after_exec = std::fs::read_to_string(&config_path).expect("config");
    let out = m2c(&data, &codex_home, &enable_args);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        std::fs::read_to_string(&config_path).expect("config"),
        after_exec
    );
    assert_eq!(
        std::fs::read_dir(data.join("backups")).expect("ls").count(),
        1
    );

    // Port change (straight to the engine): base_url is the only line that changes.
    let engine_port = engine_addr.port().to_string();
    let out = m2c(
        &data,
        &codex_home,
        &[
            "enable",
            "--provider",
            "qwen",
            "--model",
            "qwen3-max",
            "--port",
            &engine_port,
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let moved = std::fs::read_to_string(&config_path).expect("config");
    let diff: Vec<_> = after_exec
        .lines()
        .zip(moved.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(after_exec.lines().count(), moved.lines().count());
    assert_eq!(diff.len(), 1, "{diff:?}");
    assert!(diff[0].1.starts_with("base_url = ") && diff[0].1.contains(&engine_port));

    // status: enabled, engine answers on that port.
    let out = m2c(&data, &codex_home, &["status", "--port", &engine_port]);
    let status = text(&out);
    assert_eq!(out.status.code(), Some(0), "{status}");
    assert!(status.contains("enabled:    yes"), "{status}");
    assert!(status.contains("matches this engine"), "{status}");
    assert!(status.contains("engine:     answers"), "{status}");
    assert!(status.contains("backups:    1"), "{status}");
    assert!(!status.contains(&token), "status never prints the token");

    // disable: the user's bytes come back exactly.
    let out = m2c(&data, &codex_home, &["disable"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        std::fs::read_to_string(&config_path).expect("config"),
        USER_CONFIG
    );
    let out = m2c(&data, &codex_home, &["status", "--port", &engine_port]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert_eq!(std::fs::read_to_string(&auth_path).expect("auth"), auth);
    engine.shutdown().await;
}

#[test]
fn malformed_and_read_only_configs_are_refused_untouched() {
    let root = support::repo_root().join(format!(
        "target/codex-integration-{}-refuse",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&root);
    let codex_home = root.join("codex-home");
    let data = root.join("data");
    std::fs::create_dir_all(&codex_home).expect("mkdir");
    let config = codex_home.join("config.toml");

    let bad = "model = \"gpt-5\"\n\n[mcp_servers.x\ncommand = \"npx\"\n";
    std::fs::write(&config, bad).expect("write");
    let out = m2c(&data, &codex_home, &["enable"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not valid TOML (line 3"), "{err}");
    assert_eq!(std::fs::read_to_string(&config).expect("read"), bad);
    assert!(
        !data.join("backups").exists(),
        "no backup of a refused file"
    );

    std::fs::write(&config, USER_CONFIG).expect("write");
    let mut perms = std::fs::metadata(&config).expect("meta").permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(&config, perms).expect("chmod");
    let out = m2c(&data, &codex_home, &["enable"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("read-only"), "{err}");
    assert_eq!(std::fs::read_to_string(&config).expect("read"), USER_CONFIG);
    let out = m2c(&data, &codex_home, &["status"]);
    assert_eq!(out.status.code(), Some(3), "not enabled: {}", text(&out));
    let _ = std::fs::remove_dir_all(&root);
}
