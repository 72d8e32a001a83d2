//! The window's Settings view end to end on Linux, through real clicks and typing over WebDriver: the
//! app binary launched by tauri-driver / WebKitWebDriver on a private X display and D-Bus session bus
//! with a temporary HOME, data directory and port (the harness is in `support/`, its API documented
//! at the top of support/mod.rs). Each test checks what a control changes outside the page: the
//! engine's behaviour (requests reaching the fake upstream, the listening port), settings.json, the
//! data directory's .env, Codex's config.toml, the tray menu.
//!
//! More (the Log and Diagnose views, the screenshots for the docs) is in `window_views_more.rs`.
//!
//! Without Xvfb, dbus-daemon, gdbus, tauri-driver or WebKitWebDriver these skip with a printed
//! reason, or fail when MIMO2CODEX_REQUIRE_DESKTOP_E2E (or CI) is set.
#![cfg(target_os = "linux")]

mod support;
mod views;

use std::io::Write as _;
use std::os::unix::fs::PermissionsExt as _;

use serde_json::Value;
use support::{free_port, start_fake, Profile, Session, WAIT};
use views::{attr, click, dom_html, fill, read_json, ready, text, wait_attr, wait_text, FakeProxy};

/// The route radios: click `direct`, then `clash`; settings.json, the route line and the tray
/// follow. Then a custom proxy URL takes effect without a restart: the next request goes through
/// a fake HTTP proxy.
#[test]
fn route_presets_and_a_custom_proxy_change_the_engines_route() {
    if !support::tools_present(true) {
        return;
    }
    // The provider's host is not loopback (loopback never goes through a proxy); only the fake
    // proxy knows where it is.
    let fake = start_fake(Profile::deepseek());
    let upstream_host = "fake-upstream.test";
    let base_url = format!("http://{upstream_host}:{}/v1", fake.addr().port());
    let s = Session::window(
        views::options()
            .window("settings")
            .deepseek_at(&base_url, &fake.api_key()),
    );
    let wd = s.wd();
    ready(wd);
    wait_attr(wd, "#status", "data-state", "running");
    let settings = s.data_dir.join("settings.json");

    click(wd, r#"label[data-route="direct"] input"#);
    s.wait("settings.json says \"proxy\": \"direct\"", || {
        read_json(&settings).is_some_and(|v| v["proxy"] == "direct")
    });
    // The engine's own route line for an explicit Direct (not the `env` default's "no
    // HTTPS_PROXY in env").
    let direct_line = wait_text(wd, "#route-description", |t| {
        t.contains("route set to direct")
    });

    click(wd, r#"label[data-route="clash"] input"#);
    s.wait("settings.json says \"proxy\": \"clash\"", || {
        read_json(&settings).is_some_and(|v| v["proxy"] == "clash")
    });
    let clash_line = wait_text(wd, "#route-description", |t| t.contains("127.0.0.1:7890"));
    assert_ne!(direct_line, clash_line);
    assert_eq!(
        views::property(wd, r#"label[data-route="clash"] input"#, "checked"),
        Value::Bool(true)
    );
    // The tray shows the same choice.
    let menu = s.wait_for_menu();
    s.wait_layout(&menu, "the tray checks Clash (7890) only", |l| {
        l.get("Outbound proxy").is_some_and(|p| {
            let checked = p.checked_children();
            checked.len() == 1 && checked[0].starts_with("Clash (7890)")
        })
    });

    // A custom proxy URL: live at once, no restart.
    let proxy = FakeProxy::start(fake.addr());
    let url = format!("http://127.0.0.1:{}", proxy.port);
    fill(wd, "#route-custom-url", &url);
    click(wd, "#route-custom-apply");
    s.wait("settings.json holds the custom proxy URL", || {
        read_json(&settings).is_some_and(|v| {
            v["proxy"]
                .as_str()
                .is_some_and(|p| p.contains(&format!("127.0.0.1:{}", proxy.port)))
        })
    });
    wait_text(wd, "#route-description", |t| {
        t.contains(&format!("127.0.0.1:{}", proxy.port))
    });
    assert_eq!(
        views::property(wd, r#"label[data-route="custom"] input"#, "checked"),
        Value::Bool(true)
    );
    let (status, sse) = s.responses_turn("through the custom proxy");
    assert_eq!(status, 200, "{sse}");
    assert!(sse.contains("fake upstream reply to"), "{sse}");
    let seen = proxy.seen();
    assert!(
        seen.iter().any(|l| l.contains(upstream_host)),
        "the proxy saw no request for {upstream_host}: {seen:?}"
    );
    assert_eq!(fake.accepted().len(), 1, "{:#?}", fake.requests());
    s.wait_layout(&menu, "the tray names the custom route", |l| {
        l.get("Outbound proxy").is_some_and(|p| {
            let checked = p.checked_children();
            checked.len() == 1 && checked[0].starts_with("Custom:")
        })
    });
}

/// The thinking checkbox flips what the next request sends upstream, and is saved.
#[test]
fn the_thinking_checkbox_changes_the_next_request() {
    if !support::tools_present(true) {
        return;
    }
    let fake = start_fake(Profile::deepseek());
    let s = Session::window(
        views::options()
            .window("settings")
            .deepseek_at(&fake.base_url(), &fake.api_key()),
    );
    let wd = s.wd();
    ready(wd);
    wait_attr(wd, "#status", "data-state", "running");
    let before = views::property(wd, "#thinking", "checked")
        .as_bool()
        .expect("#thinking is a checkbox");
    let sent = |what: &str| -> Value {
        let (status, sse) = s.responses_turn(what);
        assert_eq!(status, 200, "{sse}");
        let last = fake.accepted().into_iter().last().expect("a request");
        assert!(last.path.ends_with("/chat/completions"), "{}", last.path);
        last.body["thinking"]["type"].clone()
    };
    let on_off = |on: bool| Value::from(if on { "enabled" } else { "disabled" });
    assert_eq!(sent("before the click"), on_off(before));

    click(wd, "#thinking");
    let settings = s.data_dir.join("settings.json");
    s.wait("settings.json saves the new thinking choice", || {
        read_json(&settings).is_some_and(|v| v["thinking"] == Value::Bool(!before))
    });
    assert_eq!(
        s.healthz()["thinking"].as_bool(),
        Some(!before),
        "/healthz reports the new choice"
    );
    assert_eq!(sent("after the click"), on_off(!before));
    assert_eq!(
        views::property(wd, "#thinking", "checked"),
        Value::Bool(!before)
    );
}

/// A key typed into the DeepSeek row is saved to <data dir>/.env (0600), shown only masked, the
/// engine restarts with it, and the Test button checks it against the fake's GET /models.
#[test]
fn saving_a_key_restarts_the_engine_and_the_test_button_checks_it() {
    if !support::tools_present(true) {
        return;
    }
    let fake = start_fake(Profile::deepseek());
    fake.serve_models();
    let key = fake.api_key();
    // No key anywhere (Options::new() sets DS_API_KEY): DeepSeek's base URL only.
    let mut opts = views::options().window("settings");
    opts.env.retain(|(k, _)| k != "DS_API_KEY");
    let s = Session::window(opts.env("DEEPSEEK_BASE_URL", fake.base_url()));
    let wd = s.wd();
    ready(wd);
    let row = r#"[data-provider="deepseek"]"#;
    wd.wait_find(&format!("{row} .key-input"));
    assert!(
        !text(wd, row).unwrap_or_default().contains("Key sk-"),
        "no key is shown before one is saved: {}",
        wd.page_text()
    );

    fill(wd, &format!("{row} .key-input"), &key);
    click(wd, &format!("{row} .key-save"));
    let env_file = s.data_dir.join(".env");
    s.wait(".env holds DS_API_KEY", || {
        std::fs::read_to_string(&env_file)
            .is_ok_and(|t| t.lines().any(|l| l == format!("DS_API_KEY={key}")))
    });
    let mode = std::fs::metadata(&env_file)
        .expect(".env")
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600, ".env mode {mode:o}");
    let masked = format!("{}…{}", &key[..3], &key[key.len() - 4..]);
    wait_text(wd, row, |t| t.contains(&format!("Key {masked}")));
    wait_attr(wd, "#status", "data-state", "running");
    assert_eq!(
        views::property(wd, &format!("{row} .key-input"), "value"),
        Value::from(""),
        "the key field is emptied after saving"
    );
    // The engine restarted with the key: a turn reaches the fake and is accepted.
    let (status, sse) = s.responses_turn("with the saved key");
    assert_eq!(status, 200, "{sse}");
    assert!(sse.contains("fake upstream reply to"), "{sse}");

    // The Test button: GET /models with the saved key.
    click(wd, &format!("{row} .key-test"));
    let result = format!("{row} .test-result");
    let passed = views::wait_some(wd, "the test result", || attr(wd, &result, "data-passed"));
    assert_eq!(passed, "true", "{}", text(wd, &result).unwrap_or_default());
    assert!(
        fake.requests()
            .iter()
            .any(|r| r.method == "GET" && r.path == "/v1/models" && r.rejection.is_none()),
        "{:#?}",
        fake.requests()
    );

    // A wrong key: saved, restarted, and the test names the 401.
    let wrong = "sk-e2e-wrong-key-0000";
    fill(wd, &format!("{row} .key-input"), wrong);
    click(wd, &format!("{row} .key-save"));
    wait_text(wd, row, |t| t.contains("Key sk-…0000"));
    wait_attr(wd, "#status", "data-state", "running");
    click(wd, &format!("{row} .key-test"));
    let passed = views::wait_some(wd, "the failed test result", || {
        attr(wd, &result, "data-passed")
    });
    let shown = text(wd, &result).unwrap_or_default();
    assert_eq!(passed, "false", "{shown}");
    assert!(
        shown.contains("FAIL") && shown.contains("401"),
        "the failed line names the 401: {shown}"
    );

    // Never the full keys: not in the page (text or markup), not in the log.
    let log = std::fs::read_to_string(s.log_path()).unwrap_or_default();
    assert!(log.contains("saved DS_API_KEY"), "{log}");
    for secret in [key.as_str(), wrong] {
        assert!(!wd.page_text().contains(secret), "the page shows {secret}");
        assert!(!dom_html(wd).contains(secret), "the DOM holds {secret}");
        assert!(!log.contains(secret), "the log holds {secret}");
    }
}

/// A port held by someone else at start, set by MIMO2CODEX_PORT (as the harness always launches):
/// the header names the port, "in use" and the holder's pid; the port field is read-only and says
/// where to change it; once the port is free, "Restart proxy" brings the engine up on it.
#[test]
fn a_busy_port_from_the_environment_is_reported_and_restart_recovers() {
    if !support::tools_present(true) {
        return;
    }
    let busy = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let held = busy.local_addr().expect("addr").port();
    let s = Session::window(views::options().port(held).window("settings"));
    let wd = s.wd();
    ready(wd);
    wait_attr(wd, "#status", "data-state", "error");
    let status = text(wd, "#status").unwrap_or_default();
    let pid = std::process::id();
    assert!(
        status.contains(&format!("port {held} in use")) && status.contains(&format!("pid {pid}")),
        "the status names the port, \"in use\" and our pid {pid}: {status}"
    );
    let note = text(wd, "#port-note").unwrap_or_default();
    assert!(note.contains("MIMO2CODEX_PORT"), "{note}");
    assert_eq!(views::property(wd, "#port", "disabled"), Value::Bool(true));
    assert_eq!(
        views::property(wd, "#port-apply", "disabled"),
        Value::Bool(true)
    );

    drop(busy);
    click(wd, "#restart");
    wait_text(wd, "#status", |t| {
        t.contains(&format!("Running on 127.0.0.1:{held}"))
    });
    assert!(s.healthz().is_object());
}

/// A port held by someone else at start, set in settings.json: the header and the port note say
/// so and ask for another port; applying a free port brings the engine up there; another change
/// moves it again (the old port is released).
#[test]
fn a_busy_port_is_reported_and_the_port_field_moves_the_engine() {
    if !support::tools_present(true) {
        return;
    }
    let busy = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let held = busy.local_addr().expect("addr").port();
    // The port comes from settings.json (MIMO2CODEX_PORT would make the field read-only).
    let data = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        data.path().join("settings.json"),
        format!("{{\"port\": {held}}}\n"),
    )
    .expect("write settings.json");
    let s = Session::window(
        views::options()
            .port(held)
            .window("settings")
            .env("MIMO2CODEX_PORT", "")
            .env("MIMO2CODEX_DATA_DIR", data.path()),
    );
    ready(s.wd());
    let wd = s.wd();
    wait_attr(wd, "#status", "data-state", "error");
    let status = text(wd, "#status").unwrap_or_default();
    let pid = std::process::id();
    assert!(
        status.contains(&format!("port {held} in use")) && status.contains(&format!("pid {pid}")),
        "the status names the port, \"in use\" and our pid {pid}: {status}"
    );
    let note = wait_text(wd, "#port-note", |t| t.contains("Pick another port"));
    assert!(note.contains(&held.to_string()), "{note}");
    assert_eq!(attr(wd, "#port", "disabled"), None, "the port is editable");

    let mut previous = held;
    for round in 0..2 {
        let new_port = free_port();
        fill(wd, "#port", &new_port.to_string());
        click(wd, "#port-apply");
        wait_text(wd, "#status", |t| {
            t.contains(&format!("Running on 127.0.0.1:{new_port}"))
        });
        assert_eq!(
            attr(wd, "#status", "data-state").as_deref(),
            Some("running")
        );
        let health = support::wait_for(WAIT, || views::healthz_at(new_port))
            .unwrap_or_else(|| panic!("no /healthz on the new port {new_port}"));
        assert!(health.is_object(), "{health}");
        let saved = read_json(&data.path().join("settings.json")).expect("settings.json");
        assert_eq!(saved["port"], Value::from(new_port), "{saved}");
        if round > 0 {
            // The engine left the previous port (the first one is ours, still held).
            assert!(
                support::wait_for(WAIT, || support::port_is_free(previous).then_some(())).is_some(),
                "port {previous} still answers after moving to {new_port}"
            );
        }
        wait_text(wd, "#port-note", |t| !t.contains("Pick another port"));
        previous = new_port;
    }
    drop(busy);
}

/// "Point Codex here" writes the temporary HOME's ~/.codex/config.toml (keeping the user's own
/// lines) and "Undo" restores it; without a config.toml, Undo removes the one it created.
#[test]
fn codex_buttons_edit_and_restore_codex_config() {
    if !support::tools_present(true) {
        return;
    }
    // The app resolves $CODEX_HOME, else ~/.codex; empty counts as unset, so ~ (temporary) wins.
    let s = Session::window(views::options().window("settings").env("CODEX_HOME", ""));
    let wd = s.wd();
    ready(wd);
    wait_attr(wd, "#status", "data-state", "running");
    wait_attr(wd, "#codex-summary", "data-enabled", "false");
    let codex = s.home.join(".codex");
    let config = codex.join("config.toml");
    let mine = "# my own Codex settings\nmodel = \"o3\"\napproval_policy = \"on-request\"\n";
    std::fs::create_dir_all(&codex).expect("mkdir ~/.codex");
    std::fs::write(&config, mine).expect("write config.toml");
    let base_url = format!("http://127.0.0.1:{}/v1", s.port);

    for existing in [true, false] {
        click(wd, "#codex-enable");
        wait_attr(wd, "#codex-summary", "data-enabled", "true");
        let toml = std::fs::read_to_string(&config).expect("config.toml after enabling");
        assert!(
            toml.contains("model_provider = \"mimo2codex\""),
            "config.toml:\n{toml}"
        );
        assert!(
            toml.contains(&base_url),
            "{base_url} in config.toml:\n{toml}"
        );
        if existing {
            assert!(toml.contains("approval_policy = \"on-request\""), "{toml}");
        }
        let summary = text(wd, "#codex-summary").unwrap_or_default();
        assert!(summary.contains(&base_url), "{summary}");
        assert_eq!(
            views::property(wd, "#codex-disable", "disabled"),
            Value::Bool(false)
        );

        click(wd, "#codex-disable");
        wait_attr(wd, "#codex-summary", "data-enabled", "false");
        let summary = text(wd, "#codex-summary").unwrap_or_default();
        assert!(
            summary.contains("does not use mimo2codex"),
            "the summary says Codex is not pointed here: {summary}"
        );
        if existing {
            let back = std::fs::read_to_string(&config).expect("config.toml after undo");
            assert_eq!(back, mine, "Undo restores the user's file");
            std::fs::remove_file(&config).expect("rm config.toml");
        } else {
            assert!(
                !config.exists(),
                "Undo removes the config.toml it created: {:?}",
                std::fs::read_to_string(&config)
            );
        }
    }
}

/// A corrupt settings.json at start: set aside as settings.json.bad-*, the window warns, the
/// engine runs with the defaults.
#[test]
fn a_corrupt_settings_file_is_set_aside_and_shown() {
    if !support::tools_present(true) {
        return;
    }
    let data = tempfile::tempdir().expect("tempdir");
    let mut f = std::fs::File::create(data.path().join("settings.json")).expect("create");
    f.write_all(b"{not json").expect("write");
    drop(f);
    let s = Session::window(
        views::options()
            .window("settings")
            .env("MIMO2CODEX_DATA_DIR", data.path()),
    );
    let wd = s.wd();
    ready(wd);
    wait_attr(wd, "#status", "data-state", "running");
    let warning = wait_text(wd, "#warnings", |t| t.contains("settings.json"));
    assert!(
        warning.contains("not valid") && warning.contains("default settings"),
        "{warning}"
    );
    let bad: Vec<_> = std::fs::read_dir(data.path())
        .expect("read the data dir")
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("settings.json.bad-")
        })
        .collect();
    assert_eq!(bad.len(), 1, "one bad file kept");
    assert_eq!(
        std::fs::read_to_string(bad[0].path()).expect("read"),
        "{not json"
    );
    assert!(
        warning.contains(&bad[0].file_name().to_string_lossy().to_string()),
        "the warning names the kept file: {warning}"
    );
    // Defaults: the route is `env`, the engine answers on the launch port.
    assert_eq!(
        views::property(wd, r#"label[data-route="env"] input"#, "checked"),
        Value::Bool(true)
    );
    assert!(s.healthz().is_object());
    // A change writes a good settings.json again, and the warning stays on the new state.
    click(wd, "#thinking");
    let settings = data.path().join("settings.json");
    s.wait("a new settings.json with the thinking choice", || {
        read_json(&settings).is_some_and(|v| v["thinking"].is_boolean())
    });
    wait_attr(wd, "#status", "data-state", "running");
    let after = text(wd, "#warnings").unwrap_or_default();
    assert_eq!(after, warning, "the warning after a change");
    let state = wd
        .invoke("get_state", serde_json::json!({}))
        .expect("get_state");
    assert!(
        state["warnings"].as_array().is_some_and(|w| w
            .iter()
            .any(|w| w.as_str().is_some_and(|w| w.contains("settings.json")))),
        "the state still carries the warning: {state}"
    );
}

/// settings.json corrupted while the app runs, then the window reloads and the proxy restarts:
/// the bad file is set aside and the window says so (as it does for a corrupt file at launch).
#[test]
fn a_settings_file_corrupted_while_running_is_reported() {
    if !support::tools_present(true) {
        return;
    }
    let s = Session::window(views::options().window("settings"));
    let wd = s.wd();
    ready(wd);
    wait_attr(wd, "#status", "data-state", "running");
    assert_eq!(text(wd, "#warnings").as_deref(), Some(""));
    std::fs::write(s.data_dir.join("settings.json"), "{not json").expect("corrupt it");
    // The page reads the state anew (as a reopened window does), then the proxy restarts.
    wd.refresh().expect("reload the page");
    ready(wd);
    click(wd, "#restart");
    wait_attr(wd, "#status", "data-state", "running");
    let bad = std::fs::read_dir(&s.data_dir)
        .expect("read the data dir")
        .filter_map(|e| e.ok())
        .any(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("settings.json.bad-")
        });
    assert!(bad, "the bad file is kept beside");
    wait_text(wd, "#warnings", |t| t.contains("settings.json"));
}

/// The fake upstream's GET /models (used by the Test button) is strict about the key.
#[test]
fn the_fake_upstream_lists_models_only_for_its_key() {
    let mut profile = Profile::deepseek();
    profile.models = Some(vec!["deepseek-v4-flash".into(), "deepseek-v4-pro".into()]);
    let fake = start_fake(profile);
    let get = |key: Option<&str>| -> (u16, Value) {
        support::rt().block_on(async {
            let client = reqwest::Client::builder()
                .no_proxy()
                .build()
                .expect("client");
            let mut req = client.get(format!("{}/models", fake.base_url()));
            if let Some(key) = key {
                req = req.bearer_auth(key);
            }
            let resp = req.send().await.expect("GET /models");
            let status = resp.status().as_u16();
            (status, resp.json().await.unwrap_or(Value::Null))
        })
    };
    // Off by default: an unknown route.
    assert_eq!(get(Some(&fake.api_key())).0, 404);
    fake.serve_models();
    let (status, body) = get(None);
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"]["type"], "authentication_error", "{body}");
    assert_eq!(get(Some("sk-wrong")).0, 401);
    let (status, body) = get(Some(&fake.api_key()));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["object"], "list");
    let ids: Vec<&str> = body["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|m| {
            assert_eq!(m["object"], "model", "{m}");
            m["id"].as_str().expect("id")
        })
        .collect();
    assert_eq!(ids, ["deepseek-v4-flash", "deepseek-v4-pro"]);
    let requests = fake.requests();
    assert_eq!(requests.len(), 4);
    assert_eq!(fake.accepted().len(), 1);
}
