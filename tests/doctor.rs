//! `mimo2codex doctor --json` as a user runs it, one failure at a time, everything on loopback:
//! the "remote" provider is a small `/v1/models` server on 127.0.0.2 (behind TLS with a test CA when
//! needed), proxies are real tinyproxy / microsocks processes, DNS failures use `.invalid`.
//! Also: proxy detection on injected ports, and the engine's warning for a proxy port that is not
//! listening.

#[path = "support/models_server.rs"]
mod models_server;
#[allow(dead_code)]
#[path = "network_routes/proxies.rs"]
mod proxies;

use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use mimo2codex::engine::{self, EngineConfig, NetworkConfig};
use mimo2codex::i18n::Lang;
use mimo2codex::network::detect::{detect, DetectOptions, ProbeTarget, ProxyKind};
use mimo2codex::provider::{ProviderProfile, ProviderRegistry};
use mimo2codex::upstream::{OutboundRoute, Preset};
use models_server::{models_server, GOOD_KEY};
use proxies::{free_port, pki, tls_upstream, Proxy};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_mimo2codex");
struct Run {
    code: i32,
    json: Value,
    elapsed: Duration,
}

impl Run {
    fn check(&self, id: &str) -> &Value {
        self.json["checks"]
            .as_array()
            .and_then(|a| a.iter().find(|c| c["id"] == id))
            .unwrap_or_else(|| panic!("no check {id} in {:#}", self.json))
    }

    fn failed(&self) -> Vec<String> {
        self.json["checks"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter(|c| c["status"] == "fail")
                    .filter_map(|c| c["id"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn assert_check(&self, id: &str, status: &str, needles: &[&str]) -> &Value {
        let c = self.check(id);
        assert_eq!(c["status"], status, "{id}: {c:#}");
        let text = c.to_string();
        for n in needles {
            assert!(text.contains(n), "{id} lacks {n:?}: {c:#}");
        }
        c
    }
}

/// Runs `doctor --json --no-detect` with a clean environment plus `env`; the engine port is a free one.
/// English unless `env` or `args` say otherwise, whatever this machine's locale.
async fn doctor(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> Run {
    let mut cmd = Command::new(BIN);
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", dir)
        .env("MIMO2CODEX_LANG", "en")
        .env("GENERIC_MODEL", "m")
        .args(["--data-dir"])
        .arg(dir.join("data"))
        .args(["doctor", "--json", "--no-detect", "--codex-home"])
        .arg(dir.join("codex"));
    if !args.contains(&"--port") {
        cmd.args(["--port", &free_port().to_string()]);
    }
    cmd.envs(env.iter().copied()).args(args);
    let started = Instant::now();
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .expect("join")
        .expect("run doctor");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let json: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "doctor --json printed no JSON ({e}): {stdout}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    Run {
        code: out.status.code().unwrap_or(-1),
        json,
        elapsed: started.elapsed(),
    }
}

fn base(addr: SocketAddr, scheme: &str) -> String {
    format!("{scheme}://{addr}/v1")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_healthy_setup_passes_and_exits_zero() {
    let dir = tempfile::tempdir().expect("tmp");
    let up = models_server("127.0.0.2").await;
    let url = base(up, "http");
    let run = doctor(
        dir.path(),
        &[("GENERIC_BASE_URL", &url), ("GENERIC_API_KEY", GOOD_KEY)],
        &["--proxy", "direct"],
    )
    .await;
    assert_eq!(run.code, 0, "{:#}", run.json);
    assert_eq!(run.json["ok"], true);
    run.assert_check("provider.generic.dns", "pass", &["127.0.0.2"]);
    run.assert_check("provider.generic.connect", "pass", &["connected directly"]);
    run.assert_check(
        "provider.generic.tls",
        "pass",
        &["HTTP 200", "GENERIC_API_KEY"],
    );
    run.assert_check("route", "pass", &["proxy: direct"]);
    run.assert_check("codex.config", "warn", &["codex enable"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_proxy_is_econnrefused_naming_it() {
    let dir = tempfile::tempdir().expect("tmp");
    let port = free_port();
    let proxy = format!("http://127.0.0.1:{port}");
    let run = doctor(
        dir.path(),
        &[("GENERIC_BASE_URL", "https://127.0.0.2:9/v1")],
        &["--proxy", &proxy],
    )
    .await;
    assert_eq!(run.code, 1);
    let needle = format!("proxy http://127.0.0.1:{port} (ECONNREFUSED)");
    run.assert_check(
        "proxy.listening",
        "fail",
        &["ECONNREFUSED", &needle, "Start your proxy app"],
    );
    run.assert_check("provider.generic.connect", "fail", &[&needle]);
    run.assert_check("provider.generic.tls", "skip", &[]);
}

/// Chinese characters in a text (the Simplified Chinese catalogue is in use).
fn has_chinese(text: &str) -> bool {
    text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// `(id, status, code)` of every check: what `--json` consumers rely on, in any language.
fn shape(run: &Run) -> Vec<(String, String, String)> {
    run.json["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .map(|c| {
            let field = |name: &str| c[name].as_str().unwrap_or("").to_string();
            (field("id"), field("status"), field("code"))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chinese_by_flag_or_variable_keeps_ids_statuses_and_codes() {
    let dir = tempfile::tempdir().expect("tmp");
    let port = free_port();
    let proxy = format!("http://127.0.0.1:{port}");
    let engine_port = free_port().to_string();
    let env = [("GENERIC_BASE_URL", "https://127.0.0.2:9/v1")];
    let args = ["--proxy", proxy.as_str(), "--port", engine_port.as_str()];
    let en = doctor(dir.path(), &env, &args).await;
    let by_flag = doctor(
        dir.path(),
        &env,
        &[&args[..], &["--lang", "zh-CN"][..]].concat(),
    )
    .await;
    let by_env = doctor(dir.path(), &[env[0], ("MIMO2CODEX_LANG", "zh-CN")], &args).await;
    assert_eq!(en.code, 1);
    for zh in [&by_flag, &by_env] {
        assert_eq!(zh.code, en.code);
        assert_eq!(zh.json["ok"], en.json["ok"]);
        assert_eq!(zh.json["summary"], en.json["summary"]);
        assert_eq!(shape(zh), shape(&en), "{:#}", zh.json);
        for id in ["proxy.listening", "provider.generic.connect"] {
            let (c, e) = (zh.check(id), en.check(id));
            assert_eq!(c["code"], "ECONNREFUSED", "{c:#}");
            let (detail, fix) = (
                c["detail"].as_str().unwrap_or(""),
                c["fix"].as_str().unwrap_or(""),
            );
            assert!(has_chinese(detail) && has_chinese(fix), "{id}: {c:#}");
            assert_ne!(c["detail"], e["detail"], "{id}");
            assert_ne!(c["title"], e["title"], "{id}");
            // Hosts, ports and codes stay as they are.
            assert!(
                detail.contains(&format!("127.0.0.1:{port}")) && detail.contains("ECONNREFUSED"),
                "{id}: {c:#}"
            );
        }
        let listening = zh.check("proxy.listening");
        assert_eq!(listening["title"], "代理端口能否连接");
        let skipped = zh.check("provider.generic.tls");
        assert_eq!(skipped["status"], "skip");
        assert!(
            has_chinese(skipped["detail"].as_str().unwrap_or("")),
            "{skipped:#}"
        );
        let port_check = zh.check("engine.port");
        assert!(
            has_chinese(port_check["detail"].as_str().unwrap_or(""))
                && port_check["fix"]
                    .as_str()
                    .unwrap_or("")
                    .contains(&format!("`mimo2codex --port {engine_port}`")),
            "{port_check:#}"
        );
    }
    // Without JSON: the checks and the summary line in Chinese.
    let out = Command::new(BIN)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", dir.path())
        .env("GENERIC_MODEL", "m")
        .envs(env)
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .args(["doctor", "--no-detect", "--codex-home"])
        .arg(dir.path().join("codex"))
        .args(args)
        .args(["--lang", "zh-CN"])
        .output()
        .expect("run doctor");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("解决办法："), "{text}");
    assert!(text.contains("失败 2 项"), "{text}");
}

#[test]
fn an_unknown_language_is_a_configuration_error_naming_the_choices() {
    let dir = tempfile::tempdir().expect("tmp");
    for (flag, var) in [(Some("xx"), None), (None, Some("klingon"))] {
        let mut cmd = Command::new(BIN);
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", dir.path())
            .env("GENERIC_BASE_URL", "http://127.0.0.2:9/v1")
            .env("GENERIC_MODEL", "m")
            .arg("--data-dir")
            .arg(dir.path().join("data"))
            .args(["doctor", "--json", "--no-detect"]);
        if let Some(lang) = flag {
            cmd.args(["--lang", lang]);
        }
        if let Some(lang) = var {
            cmd.env("MIMO2CODEX_LANG", lang);
        }
        let out = cmd.output().expect("run doctor");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        let wrong = flag.or(var).unwrap_or_default();
        for needle in [wrong, "en", "zh-CN", "system"] {
            assert!(stderr.contains(needle), "lacks {needle:?}: {stderr}");
        }
        assert!(
            out.stdout.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unresolvable_host_is_enotfound() {
    let dir = tempfile::tempdir().expect("tmp");
    let run = doctor(
        dir.path(),
        &[("GENERIC_BASE_URL", "https://nonexistent.invalid/v1")],
        &["--proxy", "direct"],
    )
    .await;
    assert_eq!(run.code, 1);
    assert_eq!(run.failed(), vec!["provider.generic.dns"], "{:#}", run.json);
    let c = run.assert_check(
        "provider.generic.dns",
        "fail",
        &["cannot resolve nonexistent.invalid"],
    );
    assert_eq!(c["code"], "ENOTFOUND");
    assert!(
        c["fix"].as_str().unwrap_or("").contains("--proxy clash"),
        "{c:#}"
    );
    run.assert_check("provider.generic.connect", "skip", &[]);
}

/// A listener with a backlog of 0 that never accepts: once one connection waits in its queue, the
/// kernel drops further SYNs, so a connect neither succeeds nor is refused — it times out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_port_that_never_answers_times_out_within_the_connect_timeout() {
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket
        .bind("127.0.0.2:0".parse().expect("addr"))
        .expect("bind");
    let addr = socket.local_addr().expect("addr");
    let _listener = socket.listen(0).expect("listen");
    let mut fillers = Vec::new();
    for _ in 0..4 {
        if let Ok(Ok(s)) = tokio::time::timeout(
            Duration::from_millis(300),
            tokio::net::TcpStream::connect(addr),
        )
        .await
        {
            fillers.push(s);
        }
    }
    let probe = tokio::time::timeout(
        Duration::from_millis(500),
        tokio::net::TcpStream::connect(addr),
    )
    .await;
    assert!(
        probe.is_err(),
        "the full backlog still accepted a connection: {probe:?}"
    );
    let dir = tempfile::tempdir().expect("tmp");
    let url = base(addr, "http");
    let run = doctor(
        dir.path(),
        &[("GENERIC_BASE_URL", &url)],
        &["--proxy", "direct", "--connect-timeout", "1"],
    )
    .await;
    assert_eq!(run.code, 1);
    let c = run.assert_check(
        "provider.generic.connect",
        "fail",
        &["timed out (ETIMEDOUT)"],
    );
    assert_eq!(c["code"], "ETIMEDOUT");
    assert!(
        run.elapsed < Duration::from_secs(8),
        "took {:?}",
        run.elapsed
    );
    drop(fillers);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proxy_answering_407_refuses_the_tunnel_and_credentials_fix_it() {
    let port = free_port();
    let Some(_tiny) = Proxy::tinyproxy(port, "BasicAuth alice s3cret").await else {
        return;
    };
    let up = models_server("127.0.0.2").await;
    let url = base(up, "http");
    let env = [
        ("GENERIC_BASE_URL", url.as_str()),
        ("GENERIC_API_KEY", GOOD_KEY),
    ];
    let dir = tempfile::tempdir().expect("tmp");
    let proxy = format!("http://127.0.0.1:{port}");
    let run = doctor(dir.path(), &env, &["--proxy", &proxy]).await;
    assert_eq!(run.code, 1);
    run.assert_check("proxy.listening", "pass", &[]);
    let c = run.assert_check(
        "provider.generic.connect",
        "fail",
        &[
            "407 proxy authentication required",
            "tunneling socket could not be established",
        ],
    );
    assert_eq!(c["code"], "ETUNNEL");
    let with_auth = format!("http://alice:s3cret@127.0.0.1:{port}");
    let run = doctor(dir.path(), &env, &["--proxy", &with_auth]).await;
    assert_eq!(run.code, 0, "{:#}", run.json);
    run.assert_check(
        "provider.generic.connect",
        "pass",
        &["opened a tunnel", "alice:****"],
    );
    run.assert_check("provider.generic.tls", "pass", &["HTTP 200"]);
    assert!(!run.json.to_string().contains("s3cret"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_socks5_proxy_tunnel_is_checked() {
    let port = free_port();
    let Some(_socks) = Proxy::microsocks(port, None).await else {
        return;
    };
    let up = models_server("127.0.0.2").await;
    let url = base(up, "http");
    let dir = tempfile::tempdir().expect("tmp");
    let proxy = format!("socks5h://127.0.0.1:{port}");
    let run = doctor(
        dir.path(),
        &[("GENERIC_BASE_URL", &url), ("GENERIC_API_KEY", GOOD_KEY)],
        &["--proxy", &proxy],
    )
    .await;
    assert_eq!(run.code, 0, "{:#}", run.json);
    run.assert_check("provider.generic.dns", "skip", &["resolved by the proxy"]);
    run.assert_check("provider.generic.connect", "pass", &["opened a tunnel"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untrusted_certificate_fails_and_the_ca_file_fixes_it() {
    let up = models_server("127.0.0.2").await;
    let pki = pki(&["127.0.0.2"], false);
    let tls = tls_upstream(up, &pki).await;
    let dir = tempfile::tempdir().expect("tmp");
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, &pki.ca_pem).expect("ca");
    let url = base(tls.addr, "https");
    let env = [
        ("GENERIC_BASE_URL", url.as_str()),
        ("GENERIC_API_KEY", GOOD_KEY),
    ];
    let run = doctor(dir.path(), &env, &["--proxy", "direct"]).await;
    assert_eq!(run.code, 1);
    let c = run.assert_check(
        "provider.generic.tls",
        "fail",
        &["TLS handshake with 127.0.0.2", "--ca-file"],
    );
    let code = c["code"].as_str().unwrap_or("");
    assert!(
        code == "UNABLE_TO_GET_ISSUER_CERT" || code == "SELF_SIGNED_CERT_IN_CHAIN",
        "{c:#}"
    );
    let ca_arg = ca.to_string_lossy().into_owned();
    let run = doctor(
        dir.path(),
        &env,
        &["--proxy", "direct", "--ca-file", &ca_arg],
    )
    .await;
    assert_eq!(run.code, 0, "{:#}", run.json);
    run.assert_check("tls.ca", "pass", &["1 certificate"]);
    run.assert_check(
        "provider.generic.tls",
        "pass",
        &["TLS verified, issued by CN=mimo2codex test CA", "HTTP 200"],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upstream_401_names_the_key_variable() {
    let up = models_server("127.0.0.2").await;
    let url = base(up, "http");
    let dir = tempfile::tempdir().expect("tmp");
    let run = doctor(
        dir.path(),
        &[
            ("GENERIC_BASE_URL", &url),
            ("GENERIC_API_KEY", "sk-wrong-key-000"),
        ],
        &["--proxy", "direct"],
    )
    .await;
    assert_eq!(run.code, 1);
    assert_eq!(run.failed(), vec!["provider.generic.tls"]);
    let c = run.assert_check(
        "provider.generic.tls",
        "fail",
        &[
            "rejected the API key (HTTP 401)",
            "Authentication Fails",
            "GENERIC_API_KEY",
        ],
    );
    assert_eq!(c["code"], "HTTP_401");
    assert!(!c.to_string().contains("sk-wrong"), "{c:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_port_held_by_another_process_fails_and_a_running_engine_passes() {
    let up = models_server("127.0.0.2").await;
    let url = base(up, "http");
    let env = [
        ("GENERIC_BASE_URL", url.as_str()),
        ("GENERIC_API_KEY", GOOD_KEY),
    ];
    let dir = tempfile::tempdir().expect("tmp");
    let busy = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = busy.local_addr().expect("addr").port().to_string();
    let run = doctor(dir.path(), &env, &["--proxy", "direct", "--port", &port]).await;
    assert_eq!(run.code, 1);
    assert_eq!(run.failed(), vec!["engine.port"], "{:#}", run.json);
    let pid = format!("pid {}", std::process::id());
    run.assert_check("engine.port", "fail", &["already in use", &pid, "--port"]);
    drop(busy);

    let profile = ProviderProfile {
        id: "generic".into(),
        base_url: url.clone(),
        default_model: "m".into(),
        ..ProviderProfile::default()
    };
    let running = engine::start(EngineConfig {
        host: "127.0.0.1".into(),
        port: 0,
        data_dir: dir.path().join("engine"),
        registry: ProviderRegistry::from_profiles(vec![profile], "generic").expect("registry"),
        thinking: false,
        body_limit: engine::DEFAULT_BODY_LIMIT,
        no_proxy_from_env: true,
        lang: Lang::En,
        network: NetworkConfig::default(),
    })
    .await
    .expect("engine");
    let port = running.local_addr.port().to_string();
    let run = doctor(dir.path(), &env, &["--proxy", "direct", "--port", &port]).await;
    assert_eq!(run.code, 0, "{:#}", run.json);
    run.assert_check("engine.port", "pass", &["answers GET /healthz"]);
    running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn codex_pointing_elsewhere_fails() {
    let up = models_server("127.0.0.2").await;
    let url = base(up, "http");
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::create_dir_all(dir.path().join("codex")).expect("codex home");
    std::fs::write(
        dir.path().join("codex/config.toml"),
        "model_provider = \"mimo2codex\"\nmodel = \"m\"\n\n[model_providers.mimo2codex]\nname = \"mimo2codex\"\n\
         base_url = \"http://127.0.0.1:9/v1\"\nwire_api = \"responses\"\nexperimental_bearer_token = \"mimo2codex\"\n",
    )
    .expect("config");
    let run = doctor(
        dir.path(),
        &[("GENERIC_BASE_URL", &url), ("GENERIC_API_KEY", GOOD_KEY)],
        &["--proxy", "direct"],
    )
    .await;
    assert_eq!(run.code, 1);
    assert_eq!(run.failed(), vec!["codex.config"], "{:#}", run.json);
    run.assert_check(
        "codex.config",
        "fail",
        &["http://127.0.0.1:9/v1", "codex enable"],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_env_proxy_without_loopback_in_no_proxy_breaks_codex() {
    let up = models_server("127.0.0.2").await;
    let url = base(up, "http");
    let dir = tempfile::tempdir().expect("tmp");
    let mut env = vec![
        ("GENERIC_BASE_URL", url.as_str()),
        ("GENERIC_API_KEY", GOOD_KEY),
        ("HTTP_PROXY", "http://127.0.0.1:7890"),
    ];
    let run = doctor(dir.path(), &env, &["--proxy", "direct"]).await;
    assert_eq!(run.code, 1);
    assert_eq!(run.failed(), vec!["env.no_proxy"], "{:#}", run.json);
    run.assert_check(
        "env.no_proxy",
        "fail",
        &["NO_PROXY=localhost,127.0.0.1,::1"],
    );
    run.assert_check("env.proxy_vars", "pass", &["route direct is in effect"]);
    env.push(("NO_PROXY", "localhost,127.0.0.1"));
    let run = doctor(dir.path(), &env, &["--proxy", "direct"]).await;
    assert_eq!(run.code, 0, "{:#}", run.json);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn detection_finds_tinyproxy_and_microsocks_on_injected_ports() {
    let (http_port, socks_port, dead_port) = (free_port(), free_port(), free_port());
    let Some(_tiny) = Proxy::tinyproxy(http_port, "").await else {
        return;
    };
    let Some(_socks) = Proxy::microsocks(socks_port, None).await else {
        return;
    };
    let target = |preset: Preset, port| ProbeTarget {
        preset: Some(preset),
        port,
        kind: ProxyKind::of(preset),
    };
    let options = DetectOptions {
        targets: vec![
            target(Preset::Surge, dead_port),
            target(Preset::V2rayNSocks, socks_port),
            target(Preset::ClashVerge, http_port),
        ],
        timeout: Duration::from_millis(800),
        processes: false,
        ..DetectOptions::default()
    };
    let found = detect(&options).await;
    let [dead, socks, http] = found.candidates.as_slice() else {
        panic!("{found:?}")
    };
    assert!(!dead.listening && dead.answered_as.is_none(), "{dead:?}");
    assert_eq!(socks.answered_as, Some(ProxyKind::Socks5), "{socks:?}");
    assert_eq!(http.answered_as, Some(ProxyKind::Http), "{http:?}");
    if cfg!(target_os = "linux") {
        assert_eq!(http.process.as_deref(), Some("tinyproxy"), "{http:?}");
        assert_eq!(socks.process.as_deref(), Some("microsocks"), "{socks:?}");
    }
    // HTTP is preferred over SOCKS5 when no app tips the balance.
    assert_eq!(found.pick, Some(Preset::ClashVerge));
    assert!(
        tinyproxy_log_has_no_outbound(&_tiny),
        "the probe must not make the proxy connect anywhere but 127.0.0.1:0"
    );
}

fn tinyproxy_log_has_no_outbound(proxy: &Proxy) -> bool {
    let log = proxy.log_text();
    !log.lines()
        .any(|l| l.contains("Established connection") && !l.contains("127.0.0.1"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_engine_warns_when_the_proxy_port_is_not_listening() {
    let dead = free_port();
    let profile = ProviderProfile {
        id: "generic".into(),
        base_url: "https://127.0.0.2:9/v1".into(),
        default_model: "m".into(),
        ..ProviderProfile::default()
    };
    let dir = tempfile::tempdir().expect("tmp");
    let route: OutboundRoute = format!("http://127.0.0.1:{dead}").parse().expect("route");
    let running = engine::start(EngineConfig {
        host: "127.0.0.1".into(),
        port: 0,
        data_dir: dir.path().to_path_buf(),
        registry: ProviderRegistry::from_profiles(vec![profile], "generic").expect("registry"),
        thinking: false,
        body_limit: engine::DEFAULT_BODY_LIMIT,
        no_proxy_from_env: true,
        lang: Lang::En,
        network: NetworkConfig {
            route,
            ..NetworkConfig::default()
        },
    })
    .await
    .expect("engine");
    let warning = running.handle.route_warning().expect("a warning at start");
    assert!(
        warning.contains(&format!("127.0.0.1:{dead}")) && warning.contains("ECONNREFUSED"),
        "{warning}"
    );
    let handle = running.handle.clone();
    tokio::task::spawn_blocking(move || handle.set_route(OutboundRoute::Direct))
        .await
        .expect("join")
        .expect("set_route");
    assert_eq!(running.handle.route_warning(), None);
    running.shutdown().await;
}
