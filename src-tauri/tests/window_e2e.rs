//! The app's window end to end on Linux: the real app binary, launched with `--window <view>` by
//! WebKitWebDriver under tauri-driver, on its own X display and D-Bus session bus with a temporary
//! HOME, data directory and engine port, driven over W3C WebDriver. The harness is in `support/`
//! (its API is documented at the top of support/mod.rs).
//!
//! These are the harness's smoke tests; without Xvfb, dbus-daemon, gdbus, tauri-driver or
//! WebKitWebDriver they skip with a printed reason, or fail when MIMO2CODEX_REQUIRE_DESKTOP_E2E (or
//! CI) is set, as .ci/run does.
#![cfg(target_os = "linux")]

mod support;

use std::path::PathBuf;
use std::time::Instant;

use serde_json::{json, Value};
use support::process::{group_members, pid_alive};
use support::{png_info, start_fake, Options, Profile, Session};

/// Where screenshots are kept for a human to look at (target/tmp/).
fn artifact(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name)
}

#[test]
fn settings_window_answers_webdriver_and_nothing_outlives_the_session() {
    if !support::tools_present(true) {
        return;
    }
    let t0 = Instant::now();
    let s = Session::window(Options::new().window("settings"));
    let wd = s.wd();

    // The page is the app's own (tauri://localhost), loaded, with its root element.
    let url = wd.url().expect("url");
    assert!(url.starts_with("tauri://localhost/"), "{url}");
    wd.wait_until("document.readyState is complete", || {
        (wd.execute("return document.readyState", &[]).ok()? == "complete").then_some(())
    });
    let title = wd.title().expect("title");
    assert!(title.contains("mimo2codex"), "document.title: {title:?}");
    let via_script = wd.execute("return document.title", &[]).expect("execute");
    assert_eq!(via_script, json!(title));
    let root = wd.wait_find("#app, main");
    assert!(root.is_displayed().expect("displayed"), "the root is shown");
    root.text().expect("the root element's text can be read");
    assert_eq!(wd.window_handles().expect("handles").len(), 1);

    // IPC from the page: a core command every window may call.
    let version = wd
        .invoke("plugin:app|version", json!({}))
        .unwrap_or_else(|e| panic!("invoke from the page: {e}"));
    assert!(version.as_str().is_some_and(|v| !v.is_empty()), "{version}");

    // A screenshot that shows something (more than one colour).
    let png = wd.save_screenshot(&artifact("window_e2e-settings.png"));
    let info = png_info(&png).expect("the screenshot is a PNG");
    assert!(
        info.width >= 200 && info.height >= 150 && info.colours > 1,
        "{info:?}"
    );

    // Dropping the session ends every process it started.
    let app = s.app_pid() as i32;
    let pgid = s.driver_pgid().expect("window mode has a driver");
    eprintln!(
        "window_e2e: session started in {:?}, checks done after {:?}",
        s.session_start().expect("window mode"),
        t0.elapsed()
    );
    drop(s);
    assert!(!pid_alive(app), "the app outlived its session");
    let left: Vec<_> = group_members(pgid)
        .into_iter()
        .filter(|m| m.state != 'Z')
        .collect();
    assert!(left.is_empty(), "left running: {left:?}");
    eprintln!("window_e2e: torn down after {:?}", t0.elapsed());
}

#[test]
fn a_request_through_the_apps_engine_reaches_the_fake_upstream() {
    if !support::tools_present(true) {
        return;
    }
    let fake = start_fake(Profile::deepseek());
    let s = Session::window(
        Options::new()
            .window("settings")
            .deepseek_at(&fake.base_url(), &fake.api_key()),
    );
    let health = s.healthz();
    let thinking = health["thinking"]
        .as_bool()
        .unwrap_or_else(|| panic!("/healthz has no thinking flag: {health}"));

    let (status, sse) = s.responses_turn("hello from window_e2e");
    assert_eq!(status, 200, "{sse}");
    assert!(sse.contains("response.completed"), "{sse}");
    assert!(sse.contains("fake upstream reply to"), "{sse}");

    let requests = fake.requests();
    assert_eq!(requests.len(), 1, "{requests:#?}");
    let req = &requests[0];
    assert!(req.rejection.is_none(), "{:?}", req.rejection);
    let user_text = req
        .messages()
        .iter()
        .any(|m| m["role"] == "user" && m["content"].to_string().contains("hello from window_e2e"));
    assert!(
        user_text,
        "the user message reached the fake: {:#}",
        req.body
    );
    // What the thinking switch sends is what the engine reports.
    let sent = req.body["thinking"]["type"].clone();
    let expected = if thinking { "enabled" } else { "disabled" };
    assert_eq!(sent, Value::from(expected), "{:#}", req.body);
    eprintln!("window_e2e: the fake recorded thinking={sent} with /healthz thinking={thinking}");
}
