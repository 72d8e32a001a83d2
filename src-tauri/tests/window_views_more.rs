//! The window's Log and Diagnose views end to end on Linux, and the screenshots for the docs (see
//! `window_views.rs` for the Settings view and support/mod.rs for the harness).
//!
//! `MIMO2CODEX_DOC_SCREENSHOTS=<dir>` saves `settings.png`, `log.png` and `diagnose.png` there
//! (otherwise they go to the cargo target's tmp directory only).
//!
//! Without Xvfb, dbus-daemon, gdbus, tauri-driver or WebKitWebDriver these skip with a printed
//! reason, or fail when MIMO2CODEX_REQUIRE_DESKTOP_E2E (or CI) is set.
#![cfg(target_os = "linux")]

mod support;
mod views;

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::{free_port, png_info, start_fake, wait_for, Profile, Session, WebDriver};
use views::{
    append, attr, click, js, log_line, ready, screenshot_path, text, wait_attr, wait_text,
};

/// The log lines shown, as `[text, data-level]` pairs.
fn shown_lines(wd: &WebDriver) -> Vec<(String, String)> {
    let v = js(
        wd,
        "return [...document.querySelectorAll('#log-lines .log-line')]
            .map((e) => [e.textContent, e.dataset.level || ''])",
        &[],
    );
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|p| {
                    (
                        p[0].as_str().unwrap_or_default().to_string(),
                        p[1].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The level of the shown line containing `needle`, if one is shown.
fn level_of(wd: &WebDriver, needle: &str) -> Option<String> {
    js(
        wd,
        "const e = [...document.querySelectorAll('#log-lines .log-line')]
            .find((e) => e.textContent.includes(arguments[0]));
         return e ? (e.dataset.level || '') : null;",
        &[json!(needle)],
    )
    .as_str()
    .map(str::to_string)
}

fn choose_level(wd: &WebDriver, value: &str) {
    click(wd, &format!("#log-level option[value=\"{value}\"]"));
    assert_eq!(
        views::property(wd, "#log-level", "value"),
        Value::from(value)
    );
}

/// The Log view follows the file: a new line shows within a second with its level; the level
/// filter and the search box hide lines; a rotated file replaces the view's lines.
#[test]
fn the_log_view_follows_filters_and_survives_rotation() {
    if !support::tools_present(true) {
        return;
    }
    let s = Session::window(views::options().window("log"));
    let wd = s.wd();
    ready(wd);
    wait_attr(wd, "#log-lines", "data-state", "open");
    let path = s.log_path();
    assert_eq!(
        text(wd, "#log-path").as_deref(),
        Some(path.to_string_lossy().as_ref())
    );
    // The engine's own start line is there (the file exists once the engine logged).
    wait_for(support::WAIT, || {
        level_of(wd, "proxy listening on").filter(|l| l == "info")
    })
    .unwrap_or_else(|| panic!("no start line shown: {:?}", shown_lines(wd)));

    let id = std::process::id();
    let warn_marker = format!("e2e marker {id}-warn");
    let t0 = Instant::now();
    append(&path, &log_line("WARN", &warn_marker));
    let level = wait_for(Duration::from_secs(5), || level_of(wd, &warn_marker))
        .unwrap_or_else(|| panic!("the new line never showed: {:?}", shown_lines(wd)));
    let took = t0.elapsed();
    assert_eq!(level, "warn");
    assert!(
        took < Duration::from_secs(1),
        "the new line took {took:?} to show"
    );
    eprintln!("window_views_more: a new log line showed after {took:?}");

    // Level filter: errors only hides the warning; all levels brings it back.
    let error_marker = format!("e2e marker {id}-error");
    append(&path, &log_line("ERROR", &error_marker));
    wait_for(support::WAIT, || level_of(wd, &error_marker)).expect("the error line shows");
    choose_level(wd, "error");
    let lines = shown_lines(wd);
    assert!(level_of(wd, &warn_marker).is_none(), "{lines:?}");
    assert_eq!(level_of(wd, &error_marker).as_deref(), Some("error"));
    assert!(
        lines.iter().all(|(_, level)| level == "error"),
        "only errors are shown: {lines:?}"
    );
    choose_level(wd, "all");
    assert_eq!(level_of(wd, &warn_marker).as_deref(), Some("warn"));

    // Search: only matching lines (case-insensitive).
    let search = wd.wait_find("#log-search");
    search
        .send_keys(&format!("E2E MARKER {id}-W"))
        .expect("type a search");
    let lines = wait_for(support::WAIT, || {
        let l = shown_lines(wd);
        (l.len() == 1).then_some(l)
    })
    .unwrap_or_else(|| panic!("the search leaves one line: {:?}", shown_lines(wd)));
    assert!(lines[0].0.contains(&warn_marker), "{lines:?}");
    search.clear().expect("clear the search");
    // `clear` fires no input event in every driver: type and delete one character to refilter.
    search.send_keys(" \u{E003}").expect("refilter");
    wait_for(support::WAIT, || level_of(wd, &error_marker)).expect("all lines again");

    // Rotation: the file is renamed away and a new one appears at the path.
    std::fs::rename(&path, path.with_extension("log.1")).expect("rotate the log");
    let rotated = format!("e2e marker {id}-after-rotation");
    append(&path, &log_line("INFO", &rotated));
    wait_for(Duration::from_secs(5), || level_of(wd, &rotated))
        .unwrap_or_else(|| panic!("the new file's line never showed: {:?}", shown_lines(wd)));
    let lines = shown_lines(wd);
    assert!(
        level_of(wd, &warn_marker).is_none(),
        "the old file's lines are gone after the reset: {lines:?}"
    );
    let note = wait_text(wd, "#log-note", |t| !t.is_empty());
    assert!(note.contains("rotated or truncated"), "{note}");
}

/// The Diagnose view runs its checks by itself; a provider on a dead port fails with a fix.
#[test]
fn diagnose_runs_by_itself_and_names_a_dead_provider_port() {
    if !support::tools_present(true) {
        return;
    }
    let dead = free_port();
    let s = Session::window(
        views::options()
            .window("diagnose")
            .env("DEEPSEEK_BASE_URL", format!("http://127.0.0.1:{dead}/v1")),
    );
    let wd = s.wd();
    ready(wd);
    let t0 = Instant::now();
    let count = |wd: &WebDriver| {
        js(
            wd,
            "return document.querySelectorAll('#doctor-checks li.check-row').length",
            &[],
        )
        .as_u64()
        .unwrap_or(0)
    };
    // Rows appear while it runs (no click needed).
    wait_for(Duration::from_secs(20), || (count(wd) > 0).then_some(()))
        .unwrap_or_else(|| panic!("no check ran by itself; page:\n{}", wd.page_text()));
    wait_for(Duration::from_secs(30), || {
        (attr(wd, "#doctor-summary", "hidden").is_none()
            && attr(wd, "#doctor-summary", "data-passed").is_some())
        .then_some(())
    })
    .unwrap_or_else(|| panic!("no summary; page:\n{}", wd.page_text()));
    eprintln!("window_views_more: the diagnosis took {:?}", t0.elapsed());
    let rows = count(wd);
    assert!(rows > 5, "{rows} checks; page:\n{}", wd.page_text());
    assert_eq!(
        attr(wd, "#doctor-summary", "data-passed").as_deref(),
        Some("false")
    );
    let summary = text(wd, "#doctor-summary").unwrap_or_default();
    assert!(summary.contains("problem"), "{summary}");

    let row = r#"li.check-row[data-check-id="provider.deepseek.connect"]"#;
    assert_eq!(
        attr(wd, row, "data-status").as_deref(),
        Some("fail"),
        "page:\n{}",
        wd.page_text()
    );
    let fix = text(wd, &format!("{row} .fix")).unwrap_or_default();
    assert!(fix.contains("port"), "the fix names the port: {fix:?}");
    let whole = text(wd, row).unwrap_or_default();
    assert!(
        whole.contains("ECONNREFUSED") && whole.contains(&format!("127.0.0.1:{dead}")),
        "{whole}"
    );
    // Later steps of that provider are skipped, not failed.
    assert_eq!(
        attr(
            wd,
            r#"li.check-row[data-check-id="provider.deepseek.tls"]"#,
            "data-status"
        )
        .as_deref(),
        Some("skip")
    );
    assert_eq!(
        views::property(wd, "#doctor-run", "disabled"),
        Value::Bool(false)
    );
    assert_eq!(
        views::property(wd, "#doctor-copy", "disabled"),
        Value::Bool(false)
    );
}

/// Screenshots of the three views in a realistic state (DeepSeek on the fake upstream, a few
/// requests served, the key tested, the checks run) for the docs.
#[test]
fn screenshots_of_the_three_views() {
    if !support::tools_present(true) {
        return;
    }
    let fake = start_fake(Profile::deepseek());
    fake.serve_models();
    // For the docs, the default port when it is free, as a user would see it.
    let for_docs = std::env::var_os("MIMO2CODEX_DOC_SCREENSHOTS").is_some_and(|d| !d.is_empty());
    let port = if for_docs && support::port_is_free(8788) {
        8788
    } else {
        free_port()
    };
    let s = Session::window(
        views::options()
            .port(port)
            .window("settings")
            .deepseek_at(&fake.base_url(), &fake.api_key())
            .env("CODEX_HOME", ""),
    );
    let wd = s.wd();
    ready(wd);
    wait_attr(wd, "#status", "data-state", "running");
    for text in [
        "Summarise the README",
        "Add a test for the parser",
        "Why does the build fail on Windows?",
    ] {
        let (status, sse) = s.responses_turn(text);
        assert_eq!(status, 200, "{sse}");
    }
    let rect = wd.window_rect().expect("window rect");
    eprintln!("window_views_more: window rect {rect}");
    let check = |name: &str| {
        // Two frames, so the screenshot shows the page as last changed (not the frame before).
        wd.execute_async(
            "const done = arguments[arguments.length - 1];
             requestAnimationFrame(() => requestAnimationFrame(() => done(null)));",
            &[],
        )
        .expect("wait for two frames");
        let path = screenshot_path(name);
        let png = wd.save_screenshot(&path);
        let info = png_info(&png).expect("a PNG");
        assert!(
            info.width >= 500 && info.height >= 400 && info.colours > 20,
            "{name}: {info:?}"
        );
        eprintln!("window_views_more: saved {} ({info:?})", path.display());
    };

    // Settings: Codex pointed here, the key tested.
    click(wd, "#codex-enable");
    wait_attr(wd, "#codex-summary", "data-enabled", "true");
    let row = r#"[data-provider="deepseek"]"#;
    click(wd, &format!("{row} .key-test"));
    let passed = views::wait_some(wd, "the key test", || {
        attr(wd, &format!("{row} .test-result"), "data-passed")
    });
    assert_eq!(passed, "true");
    // Back to the top of the view (the Test click scrolled its row into view).
    let scrolled = js(
        wd,
        "const moved = [];
         for (const e of document.querySelectorAll('*')) {
           if (e.scrollTop) { moved.push(e.tagName + '#' + e.id); e.scrollTop = 0; }
         }
         window.scrollTo(0, 0);
         return moved;",
        &[],
    );
    eprintln!("window_views_more: scrolled back {scrolled}");
    check("settings.png");

    // Log: the lines of this session.
    click(wd, "#tab-log");
    wait_attr(wd, "#log-lines", "data-state", "open");
    wait_for(support::WAIT, || {
        let n = js(
            wd,
            "return document.querySelectorAll('#log-lines .log-line').length",
            &[],
        );
        (n.as_u64().unwrap_or(0) >= 3).then_some(())
    })
    .expect("some log lines");
    check("log.png");

    // Diagnose: the checks run when the view first shows.
    click(wd, "#tab-diagnose");
    wait_for(Duration::from_secs(30), || {
        attr(wd, "#doctor-summary", "data-passed").map(drop)
    })
    .unwrap_or_else(|| panic!("no summary; page:\n{}", wd.page_text()));
    check("diagnose.png");
}
