//! The headless binary as a user runs it: flags, exit codes, `init`, `print-config`, the banner, the
//! log file (one line per request, never a key), graceful stop on SIGTERM.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;
use support::fake_upstream::{FakeUpstream, Profile};

const BIN: &str = env!("CARGO_BIN_EXE_mimo2codex");

/// A command with a clean environment: no proxies, no keys, no MIMO2CODEX_* from the developer's
/// shell, and English whatever the machine's language (`--lang` or a later `MIMO2CODEX_LANG` wins).
fn cmd(data_dir: &std::path::Path) -> Command {
    let mut c = Command::new(BIN);
    c.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", data_dir)
        .env("MIMO2CODEX_LANG", "en")
        .arg("--data-dir")
        .arg(data_dir);
    c
}

/// Runs `c`, which must succeed (its stderr shown if not), and returns its stdout.
fn run_ok(c: &mut Command) -> String {
    let out = c.output().expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

#[test]
fn version_help_and_bad_flags() {
    let dir = tempfile::tempdir().expect("dir");
    let out = cmd(dir.path()).arg("--version").output().expect("run");
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains(env!("CARGO_PKG_VERSION")));
    let out = cmd(dir.path()).arg("--help").output().expect("run");
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("print-config"));
    let out = cmd(dir.path()).arg("--no-such-flag").output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--no-such-flag"));
    let out = cmd(dir.path())
        .args(["--port", "notaport"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn init_writes_a_private_template_once_and_print_config_points_at_the_port() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("data");
    let out = cmd(&data).arg("init").output().expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let env_file = data.join(".env");
    let template = std::fs::read_to_string(&env_file).expect("template");
    assert!(template.contains("MIMO_API_KEY") && template.contains("DS_API_KEY"));
    std::fs::write(&env_file, "DS_API_KEY=sk-mine-0123456789\n").expect("write");
    run_ok(cmd(&data).arg("init"));
    assert_eq!(
        std::fs::read_to_string(&env_file).expect("read"),
        "DS_API_KEY=sk-mine-0123456789\n",
        "init never overwrites"
    );
    let text = run_ok(cmd(&data).args(["--port", "9911", "print-config"]));
    assert!(
        text.contains("base_url = \"http://127.0.0.1:9911/v1\""),
        "{text}"
    );
    // The key in .env made deepseek the default provider.
    assert!(text.contains("model = \"deepseek-v4-pro\""), "{text}");
    assert!(!text.contains("sk-mine"), "no key in the snippet");
}

#[test]
fn a_blank_mimo2codex_variable_means_unset() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(dir.path().join(".env"), "DS_API_KEY=sk-mine-0123456789\n").expect("write");
    let out = cmd(dir.path())
        .env("MIMO2CODEX_PORT", "")
        .env("MIMO2CODEX_PROXY", "")
        .arg("print-config")
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("http://127.0.0.1:8788/v1"),
        "the default port: {text}"
    );
}

#[test]
fn bad_providers_json_is_exit_2_naming_the_field() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(
        dir.path().join("providers.json"),
        r#"{"providers":[{"id":"local","envKey":"LOCAL_KEY","defaultModel":"m"}]}"#,
    )
    .expect("write");
    let out = cmd(dir.path()).arg("print-config").output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("providers[0].baseUrl"), "{err}");

    std::fs::write(
        dir.path().join("providers.json"),
        "{\"providers\": [\n  {,}\n]}",
    )
    .expect("write");
    let out = cmd(dir.path()).arg("print-config").output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 2"), "{err}");
}

struct Served {
    child: Child,
    banner: Vec<String>,
}

/// Starts `mimo2codex` and reads its banner (until the `data dir:` line, `数据目录：` in Chinese).
fn serve(mut c: Command) -> Served {
    let mut child = c
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut banner = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(15);
    while Instant::now() < deadline {
        match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(line) => {
                let done = line.contains("data dir:") || line.contains("数据目录：");
                banner.push(line);
                if done {
                    break;
                }
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                if let Ok(Some(status)) = child.try_wait() {
                    panic!("mimo2codex exited with {status}: {banner:?}");
                }
            }
            Err(_) => break,
        }
    }
    Served { child, banner }
}

fn sigterm(child: &mut Child) -> Option<i32> {
    let _ = Command::new("kill").arg(child.id().to_string()).status();
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            return status.code();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    None
}

#[test]
fn serves_with_banner_logs_one_line_per_request_and_never_the_key() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let fake = rt.block_on(FakeUpstream::start(Profile::lenient()));
    let dir = tempfile::tempdir().expect("dir");
    let port = free_port();
    let key = fake.api_key();
    let mut c = cmd(dir.path());
    c.args(["--port", &port.to_string()])
        .env("GENERIC_BASE_URL", fake.base_url())
        .env("GENERIC_API_KEY", &key)
        .env("GENERIC_DEFAULT_MODEL", "fake-model");
    let mut served = serve(c);
    let banner = served.banner.join("\n");
    assert!(
        banner.contains(&format!("http://127.0.0.1:{port}/v1")),
        "{banner}"
    );
    assert!(
        banner.contains("proxy: direct (no HTTPS_PROXY / HTTP_PROXY in env)"),
        "{banner}"
    );
    assert!(banner.contains("generic"), "{banner}");
    assert!(banner.contains("GENERIC_API_KEY=sk-"), "{banner}");
    assert!(!banner.contains(&key), "the banner masks the key: {banner}");

    let body = json!({
        "model": "fake-model",
        "stream": true,
        "input": [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]}]
    });
    let text = rt.block_on(async {
        let r = reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("client")
            .post(format!("http://127.0.0.1:{port}/v1/responses"))
            .header("content-type", "application/json")
            .header(
                "authorization",
                "Bearer codex-side-token-should-not-be-logged",
            )
            .body(body.to_string())
            .send()
            .await
            .expect("send");
        r.text().await.expect("body")
    });
    assert!(text.contains("response.completed"), "{text}");
    assert_eq!(
        sigterm(&mut served.child),
        Some(0),
        "SIGTERM stops it cleanly"
    );

    let log = std::fs::read_to_string(dir.path().join("mimo2codex.log")).expect("log file");
    assert!(
        log.lines()
            .any(|l| l.contains("request fake-model → fake-model completed")
                && l.contains("provider=generic")),
        "one line per request: {log}"
    );
    assert!(!log.contains(&key), "the upstream key is never logged");
    assert!(
        !log.contains("codex-side-token"),
        "Authorization values are never logged"
    );
}

#[test]
fn proxy_line_follows_the_environment_with_the_password_masked() {
    let dir = tempfile::tempdir().expect("dir");
    let port = free_port();
    let mut c = cmd(dir.path());
    c.args(["--port", &port.to_string()])
        .env("HTTPS_PROXY", "http://alice:s3cret@127.0.0.1:7890");
    let mut served = serve(c);
    let banner = served.banner.join("\n");
    assert!(
        banner.contains("proxy: HTTPS_PROXY=http://alice:****@127.0.0.1:7890"),
        "{banner}"
    );
    assert!(!banner.contains("s3cret"));
    sigterm(&mut served.child);

    let port = free_port();
    let mut c = cmd(dir.path());
    c.args(["--port", &port.to_string()])
        .env("HTTPS_PROXY", "http://127.0.0.1:7890")
        .env("MIMO2CODEX_NO_PROXY_FROM_ENV", "1");
    let mut served = serve(c);
    let banner = served.banner.join("\n");
    assert!(
        banner.contains("proxy: disabled (MIMO2CODEX_NO_PROXY_FROM_ENV=1)"),
        "{banner}"
    );
    sigterm(&mut served.child);
}

#[test]
fn busy_port_exits_1_naming_the_port_and_the_flag() {
    let dir = tempfile::tempdir().expect("dir");
    let busy = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = busy.local_addr().expect("addr").port();
    let out = cmd(dir.path())
        .args(["--port", &port.to_string()])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("port {port}")) && err.contains("--port"),
        "{err}"
    );
}

#[test]
fn settings_json_port_thinking_and_provider_apply_unless_a_flag_or_variable_wins() {
    let dir = tempfile::tempdir().expect("dir");
    let port = free_port();
    // kimi has no key here: a WARN and the registry's default, never a failure.
    let settings = format!(r#"{{"port": {port}, "thinking": false, "defaultProvider": "kimi"}}"#);
    std::fs::write(dir.path().join("settings.json"), settings).expect("write");
    let mut served = serve(cmd(dir.path()));
    let banner = served.banner.join("\n");
    assert!(
        banner.contains(&format!("http://127.0.0.1:{port}/v1")),
        "{banner}"
    );
    assert!(banner.contains("thinking:  off"), "{banner}");
    assert!(
        banner.contains("defaultProvider 'kimi' is not a configured provider"),
        "{banner}"
    );
    assert_eq!(sigterm(&mut served.child), Some(0));

    let out = cmd(dir.path()).arg("print-config").output().expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(&format!("127.0.0.1:{port}/v1")), "{text}");

    let other = free_port();
    let mut c = cmd(dir.path());
    c.env("MIMO2CODEX_PORT", other.to_string());
    let mut served = serve(c);
    let banner = served.banner.join("\n");
    assert!(
        banner.contains(&format!("http://127.0.0.1:{other}/v1")),
        "MIMO2CODEX_PORT wins: {banner}"
    );
    sigterm(&mut served.child);
}

/// Whether `text` has Chinese characters.
fn has_chinese(text: &str) -> bool {
    text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

#[test]
fn init_print_config_status_and_errors_speak_chinese_with_lang_zh_cn() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("data");
    let text = run_ok(cmd(&data).args(["--lang", "zh-CN", "init"]));
    assert!(
        text.contains("已创建")
            && text.contains("下一步")
            && text.contains("mimo2codex print-config"),
        "{text}"
    );
    assert!(
        text.contains(&data.join(".env").display().to_string()),
        "{text}"
    );
    let out = cmd(&data)
        .env("MIMO2CODEX_LANG", "zh-CN")
        .arg("init")
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("已存在，未覆盖"),
        "MIMO2CODEX_LANG works too: {text}"
    );

    let zh = run_ok(cmd(&data).args(["--lang", "zh-CN", "--port", "9911", "print-config"]));
    assert!(zh.starts_with("# 加到 ~/.codex/config.toml"), "{zh}");
    assert!(
        zh.contains("base_url = \"http://127.0.0.1:9911/v1\""),
        "{zh}"
    );
    let out = cmd(&data)
        .args(["--port", "9911", "print-config"])
        .output()
        .expect("run");
    let en = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(en.starts_with("# Add to ~/.codex/config.toml"), "{en}");
    // Only the comments differ.
    let keys = |t: &str| -> Vec<String> {
        t.lines()
            .filter(|l| !l.starts_with('#'))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(keys(&zh), keys(&en));

    let codex_home = dir.path().join("codex-home");
    let out = cmd(&data)
        .args(["--lang", "zh-CN", "codex", "status", "--codex-home"])
        .arg(&codex_home)
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(3),
        "not enabled: exit 3 in any language"
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("已启用：") && text.contains("否"), "{text}");

    std::fs::write(data.join("providers.json"), "{\"providers\": [\n  {,}\n]}").expect("write");
    let out = cmd(&data)
        .args(["--lang", "zh-CN", "print-config"])
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(2),
        "a config error is exit 2 in any language"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("错误：") && err.contains("第 2 行"),
        "{err}"
    );
}

#[test]
fn an_unknown_lang_is_exit_2_naming_the_choices() {
    let dir = tempfile::tempdir().expect("dir");
    for (flag, var) in [(Some("xx"), None), (None, Some("xx"))] {
        let mut c = cmd(dir.path());
        if let Some(v) = var {
            c.env("MIMO2CODEX_LANG", v);
        }
        if let Some(f) = flag {
            c.args(["--lang", f]);
        }
        let out = c.arg("print-config").output().expect("run");
        assert_eq!(out.status.code(), Some(2), "{flag:?} {var:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        for needle in ["'xx'", "en", "zh-CN", "system"] {
            assert!(err.contains(needle), "{needle}: {err}");
        }
        assert!(out.stdout.is_empty(), "nothing else runs");
    }
    // settings.json's language never fails a command: an unknown one is ignored.
    std::fs::write(dir.path().join("settings.json"), r#"{"language": "xx"}"#).expect("write");
    let mut c = cmd(dir.path());
    c.env_remove("MIMO2CODEX_LANG");
    let out = c.arg("print-config").output().expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `POST /v1/responses` to a served port: (status, error.code, error.message).
fn failing_request(rt: &tokio::runtime::Runtime, port: u16) -> (u16, String, String) {
    let body = json!({
        "model": "deepseek-v4-pro",
        "stream": true,
        "input": [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]}]
    });
    rt.block_on(async {
        let r = reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("client")
            .post(format!("http://127.0.0.1:{port}/v1/responses"))
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .expect("send");
        let status = r.status().as_u16();
        let v: serde_json::Value = r.json().await.expect("json error");
        (
            status,
            v["error"]["code"].as_str().unwrap_or("").to_string(),
            v["error"]["message"].as_str().unwrap_or("").to_string(),
        )
    })
}

#[test]
fn served_errors_and_the_banner_follow_the_language_with_the_same_code_and_status() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    // The strict DeepSeek fake: a wrong key is its 401.
    let fake = rt.block_on(FakeUpstream::start(Profile::deepseek()));
    let dir = tempfile::tempdir().expect("dir");
    let mut answers = Vec::new();
    for lang in ["en", "zh-CN"] {
        let port = free_port();
        let mut c = cmd(dir.path());
        c.args(["--port", &port.to_string()])
            .env("MIMO2CODEX_LANG", lang)
            .env("DEEPSEEK_BASE_URL", fake.base_url())
            .env("DS_API_KEY", "sk-wrong-key-0123456789");
        let mut served = serve(c);
        let banner = served.banner.join("\n");
        answers.push((banner, failing_request(&rt, port)));
        assert_eq!(sigterm(&mut served.child), Some(0));
    }
    let (en_banner, (en_status, en_code, en)) = &answers[0];
    let (zh_banner, (zh_status, zh_code, zh)) = &answers[1];
    assert_eq!((en_status, en_code.as_str()), (&401, "HTTP_401"), "{en}");
    assert_eq!((zh_status, zh_code), (en_status, en_code), "{zh}");
    assert!(
        en.contains("deepseek rejected the API key (HTTP 401)"),
        "{en}"
    );
    assert!(
        zh.contains("deepseek 拒绝了 API key（HTTP 401）") && zh.contains("DS_API_KEY"),
        "{zh}"
    );
    assert!(
        !zh.contains("sk-wrong-key"),
        "the key is never echoed: {zh}"
    );
    assert!(
        en_banner.contains("  listening: http://127.0.0.1:"),
        "{en_banner}"
    );
    assert!(!has_chinese(en_banner), "{en_banner}");
    assert!(
        zh_banner.contains("监听地址：") && zh_banner.contains("代理：直连"),
        "{zh_banner}"
    );
    // The masked key line is the same in both.
    assert!(zh_banner.contains("DS_API_KEY=sk-"), "{zh_banner}");
    // The log stays English.
    let log = std::fs::read_to_string(dir.path().join("mimo2codex.log")).expect("log file");
    assert!(!has_chinese(&log), "log lines stay English: {log}");
    assert!(log.contains("rejected the API key"), "{log}");
}
