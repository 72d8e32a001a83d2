//! The window in English and Simplified Chinese, end to end on Linux (the harness in `support/`, its
//! API at the top of support/mod.rs): the language picker in Settings switches the page, the saved
//! settings and the tray menu live; `MIMO2CODEX_LANG` sets the language from the first paint and
//! locks the picker; Chinese actually renders under Xvfb (a CJK font draws distinct glyphs, not
//! tofu boxes); screenshots of Settings in each language.
//!
//! Screenshots go to `$MIMO2CODEX_DOC_SCREENSHOTS/settings.<lang>.png` when that is set (e.g.
//! `MIMO2CODEX_DOC_SCREENSHOTS=$PWD/doc/screenshots`), else to target/tmp/.
//!
//! Without Xvfb, dbus-daemon, gdbus, tauri-driver or WebKitWebDriver the end-to-end tests skip with
//! a printed reason, or fail when MIMO2CODEX_REQUIRE_DESKTOP_E2E (or CI) is set.
#![cfg(target_os = "linux")]

mod support;
mod views;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{json, Value};
use support::{png_info, read_json, start_fake, wait_for, Options, Profile, Session, WebDriver};
use views::{js, ready};

/// Where a screenshot named `name` goes.
fn screenshot_path(name: &str) -> PathBuf {
    let dir = std::env::var_os("MIMO2CODEX_DOC_SCREENSHOTS")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")));
    std::fs::create_dir_all(&dir).expect("create the screenshot directory");
    dir.join(name)
}

/// An English OS locale whatever the developer's is (the harness passes LANG and LC_* through):
/// with no `MIMO2CODEX_LANG` (the harness removes it) and no settings.json, the app is in English.
fn english_os(opts: Options) -> Options {
    opts.env("LANGUAGE", "")
        .env("LC_ALL", "C.UTF-8")
        .env("LC_MESSAGES", "C.UTF-8")
        .env("LANG", "C.UTF-8")
}

/// The Settings view from its top (choosing a language scrolled down to the picker).
fn settings_screenshot(wd: &WebDriver, name: &str) -> Vec<u8> {
    js(
        wd,
        "document.querySelector('main').scrollTop = 0; document.activeElement?.blur();",
        &[],
    );
    // Let the page repaint before the screenshot.
    std::thread::sleep(Duration::from_millis(200));
    wd.save_screenshot(&screenshot_path(name))
}

/// What the page shows that depends on the language, read in one call.
fn labels(wd: &WebDriver) -> Value {
    js(
        wd,
        "const q = (s) => document.querySelector(s);
         const text = (s) => (q(s) ? q(s).textContent : null);
         return {
           lang: document.documentElement.lang,
           pending: document.documentElement.hasAttribute('data-i18n-pending'),
           tabSettings: text('#tab-settings'),
           tabLog: text('#tab-log'),
           tabDiagnose: text('#tab-diagnose'),
           restart: text('#restart'),
           restartTitle: q('#restart').title,
           portApply: text('#port-apply'),
           doctorRun: text('#doctor-run'),
           logCopy: text('#log-copy'),
           logSearch: q('#log-search') ? q('#log-search').placeholder : null,
           status: text('#status'),
           language: q('#language').value,
           languageDisabled: q('#language').disabled,
           languageNote: text('#language-note'),
           languageOptions: [...q('#language').options].map((o) => [o.value, o.textContent]),
         };",
        &[],
    )
}

fn wait_labels(wd: &WebDriver, what: &str, ok: impl Fn(&Value) -> bool) -> Value {
    wd.wait_until(what, || Some(labels(wd)).filter(|l| ok(l)))
}

/// Selects `value` in the `<select>` `css` as a person would (clicking its option).
fn choose(wd: &WebDriver, css: &str, value: &str) {
    let option = format!("{css} option[value=\"{value}\"]");
    wd.wait_find(&option)
        .click()
        .unwrap_or_else(|e| panic!("click {option}: {e}"));
}

/// The tray menu's labels, all levels.
fn menu_labels(item: &support::MenuItem, out: &mut BTreeSet<String>) {
    for child in &item.children {
        if !child.label.is_empty() {
            out.insert(child.label.clone());
        }
        menu_labels(child, out);
    }
}

#[test]
fn choosing_chinese_in_settings_switches_the_window_the_settings_and_the_tray_live() {
    if !support::tools_present(true) {
        return;
    }
    let fake = start_fake(Profile::deepseek());
    let s = Session::window(english_os(
        Options::new()
            .window("settings")
            .deepseek_at(&fake.base_url(), &fake.api_key()),
    ));
    let wd = s.wd();
    ready(wd);

    // English: no language chosen, an English OS locale.
    let en = wait_labels(wd, "the English page", |l| l["status"] != "Starting…");
    assert_eq!(en["lang"], "en", "{en:#}");
    assert_eq!(en["pending"], false, "{en:#}");
    assert_eq!(en["tabSettings"], "Settings", "{en:#}");
    assert_eq!(en["restart"], "Restart proxy", "{en:#}");
    assert_eq!(en["language"], "system", "{en:#}");
    assert_eq!(en["languageDisabled"], false, "{en:#}");
    assert_eq!(
        en["languageOptions"],
        json!([
            ["system", "Follow the system"],
            ["en", "English"],
            ["zh-CN", "简体中文"]
        ]),
        "{en:#}"
    );
    let png = settings_screenshot(wd, "settings.en.png");
    assert!(png_info(&png).is_ok_and(|i| i.colours > 1));

    // Content that must survive the switch: a log line and a finished diagnosis.
    js(wd, "document.querySelector('#tab-log').click()", &[]);
    wd.wait_until("the log is followed", || {
        (js(
            wd,
            "return document.querySelector('#log-lines').dataset.state",
            &[],
        ) == "open")
            .then_some(())
    });
    let marker = "i18n-e2e marker line 42";
    {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(s.log_path())
            .expect("open the log");
        writeln!(f, "2025-01-01T00:00:00.000000Z  INFO mimo2codex: {marker}").expect("append");
    }
    let has_marker = || {
        js(
            wd,
            "return document.querySelector('#log-lines').textContent",
            &[],
        )
        .as_str()
        .is_some_and(|t| t.contains(marker))
    };
    wd.wait_until("the appended line is shown", || has_marker().then_some(()));
    js(wd, "document.querySelector('#tab-diagnose').click()", &[]);
    let rows_before = wait_for(Duration::from_secs(40), || {
        let done = js(
            wd,
            "const s = document.querySelector('#doctor-summary');
             return !s.hidden && s.dataset.passed !== undefined
               ? [...document.querySelectorAll('#doctor-checks .check-title')].map((e) => e.textContent)
               : null;",
            &[],
        );
        done.as_array().filter(|a| !a.is_empty()).cloned()
    })
    .unwrap_or_else(|| panic!("the diagnosis did not finish; page:\n{}", wd.page_text()));
    js(wd, "document.querySelector('#tab-settings').click()", &[]);

    // Choose 简体中文.
    choose(wd, "#language", "zh-CN");
    let zh = wait_labels(wd, "the page in Chinese", |l| l["lang"] == "zh-CN");
    assert_eq!(zh["tabSettings"], "设置", "{zh:#}");
    assert_eq!(zh["tabLog"], "日志", "{zh:#}");
    assert_eq!(zh["tabDiagnose"], "网络诊断", "{zh:#}");
    assert_eq!(zh["restart"], "重启代理", "{zh:#}");
    assert_eq!(
        zh["restartTitle"], "停止代理，并按已保存的设置重新启动",
        "{zh:#}"
    );
    assert_eq!(zh["portApply"], "应用并重启", "{zh:#}");
    assert_eq!(zh["doctorRun"], "开始检查", "{zh:#}");
    assert_eq!(zh["logCopy"], "复制", "{zh:#}");
    assert_eq!(zh["logSearch"], "搜索（不区分大小写）", "{zh:#}");
    assert_eq!(zh["language"], "zh-CN", "{zh:#}");
    assert_eq!(
        zh["languageOptions"][0],
        json!(["system", "跟随系统"]),
        "{zh:#}"
    );
    let status = wait_labels(wd, "the status line in Chinese", |l| {
        l["status"]
            .as_str()
            .is_some_and(|t| t.starts_with("运行中"))
    });
    assert!(
        status["status"]
            .as_str()
            .is_some_and(|t| t.contains(&format!("127.0.0.1:{}", s.port))),
        "{status:#}"
    );
    // No English label is left on the Settings view (Rust's own text aside, none is English here).
    let leftovers = js(
        wd,
        "return [...document.querySelectorAll('[data-i18n]')]
           .filter((e) => e.getAttribute('data-i18n') !== 'ui-language-en' && /^[\\x20-\\x7e]*[A-Za-z]{4,}[\\x20-\\x7e]*$/.test(e.textContent) && !/https?:|\\.env|MIMO2CODEX|base_url|Codex|~\\//.test(e.textContent))
           .map((e) => e.getAttribute('data-i18n') + ': ' + e.textContent);",
        &[],
    );
    assert_eq!(leftovers, json!([]), "labels still in English");
    settings_screenshot(wd, "settings.zh-CN.png");

    // The log lines and the diagnosis stayed; only their labels changed.
    assert!(has_marker(), "the log line is gone after the switch");
    let rows_after = js(
        wd,
        "return [...document.querySelectorAll('#doctor-checks .check-title')].map((e) => e.textContent)",
        &[],
    );
    assert_eq!(
        rows_after.as_array(),
        Some(&rows_before),
        "the diagnosis changed"
    );
    let summary = js(
        wd,
        "return document.querySelector('#doctor-summary').textContent",
        &[],
    );
    assert!(
        summary
            .as_str()
            .is_some_and(|t| t.contains("检查") || t.contains("问题")),
        "the diagnosis summary is relabelled: {summary}"
    );

    // The other views in Chinese, for a human to look at (target/tmp/).
    for view in ["log", "diagnose"] {
        js(
            wd,
            &format!("document.querySelector('#tab-{view}').click()"),
            &[],
        );
        std::thread::sleep(Duration::from_millis(200));
        wd.save_screenshot(
            &PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
                .join(format!("window_i18n-{view}.zh-CN.png")),
        );
    }
    js(wd, "document.querySelector('#tab-settings').click()", &[]);

    // Saved.
    let settings = s.data_dir.join("settings.json");
    s.wait("settings.json says \"language\": \"zh-CN\"", || {
        read_json(&settings).is_some_and(|v| v["language"] == "zh-CN")
    });

    // The tray menu is in Chinese and still works.
    let menu = s.wait_for_menu();
    let layout = s.wait_layout(&menu, "the tray menu in Chinese", |l| {
        l.get("退出").is_some() && l.get("设置…").is_some()
    });
    let mut all = BTreeSet::new();
    menu_labels(&layout, &mut all);
    for english in ["Quit", "Settings…", "Thinking", "Outbound proxy"] {
        assert!(
            !all.contains(english),
            "{english} is still in the menu: {all:?}"
        );
    }
    let before = s.healthz()["thinking"]
        .as_bool()
        .unwrap_or_else(|| panic!("/healthz has no thinking flag"));
    s.click(&menu, "思考模式");
    s.wait("/healthz reports thinking flipped", || {
        s.try_healthz()
            .is_some_and(|h| h["thinking"].as_bool() == Some(!before))
    });

    // Back to "Follow the system": English again (the OS locale here is C), nothing saved.
    choose(wd, "#language", "system");
    let back = wait_labels(wd, "the page in English again", |l| l["lang"] == "en");
    assert_eq!(back["tabSettings"], "Settings", "{back:#}");
    assert_eq!(back["doctorRun"], "Run checks", "{back:#}");
    s.wait("settings.json has no language", || {
        read_json(&settings).is_some_and(|v| v.get("language").is_none_or(Value::is_null))
    });
    s.wait_layout(&menu, "the tray menu in English again", |l| {
        l.get("Quit").is_some()
    });
    assert!(has_marker(), "the log line is gone after switching back");
}

/// Draws `text` in the computed font of `css` on a canvas and reads what came out, for several
/// Chinese characters and a private-use character (no font has a glyph for it: a tofu box).
const GLYPHS: &str = "
  const el = document.querySelector(arguments[0]);
  const family = getComputedStyle(el).fontFamily;
  const draw = (ch) => {
    const c = document.createElement('canvas');
    c.width = 64; c.height = 64;
    const x = c.getContext('2d');
    x.font = `40px ${family}`;
    x.textBaseline = 'top';
    x.fillStyle = '#000';
    x.fillText(ch, 8, 8);
    const d = x.getImageData(0, 0, 64, 64).data;
    let bits = '', ink = 0;
    for (let i = 3; i < d.length; i += 4) { const on = d[i] > 127; bits += on ? '1' : '0'; if (on) ink++; }
    return { bits, ink, width: x.measureText(ch).width };
  };
  const chars = ['设', '置', '网', '络'].map(draw);
  const tofu = draw('\\uE000');
  return {
    family,
    inks: chars.map((c) => c.ink),
    widths: chars.map((c) => c.width),
    distinct: new Set(chars.map((c) => c.bits)).size,
    likeTofu: chars.filter((c) => c.bits === tofu.bits).length,
    notoSc: document.fonts.check('16px \"Noto Sans CJK SC\"'),
    label: document.querySelector('#tab-settings').getBoundingClientRect().width,
  };";

#[test]
fn mimo2codex_lang_sets_chinese_from_the_start_locks_the_picker_and_chinese_renders() {
    if !support::tools_present(true) {
        return;
    }
    let s = Session::window(english_os(
        Options::new()
            .window("settings")
            .env("MIMO2CODEX_LANG", "zh-CN"),
    ));
    let wd = s.wd();
    ready(wd);

    // Chinese as soon as the page is there: the catalogue was in before the views were built.
    let zh = labels(wd);
    assert_eq!(zh["lang"], "zh-CN", "{zh:#}");
    assert_eq!(zh["pending"], false, "{zh:#}");
    assert_eq!(zh["tabSettings"], "设置", "{zh:#}");
    assert_eq!(zh["portApply"], "应用并重启", "{zh:#}");
    assert_eq!(zh["languageDisabled"], true, "{zh:#}");
    assert_eq!(zh["language"], "zh-CN", "{zh:#}");
    assert!(
        zh["languageNote"]
            .as_str()
            .is_some_and(|t| t.contains("MIMO2CODEX_LANG")),
        "{zh:#}"
    );

    // The glyphs are real: the characters draw as distinct shapes with ink, none like the
    // missing-glyph box, each one em wide, in a stack that names Noto Sans CJK SC. Checked to fail
    // without a CJK font (FONTCONFIG_FILE pointing at a configuration with only DejaVu: every
    // character drew nothing, width 0, all alike). `document.fonts.check` alone proves nothing:
    // WebKitGTK answers true for "Noto Sans CJK SC" even then (no web font needs loading).
    let g = js(wd, GLYPHS, &[json!("#tab-settings")]);
    eprintln!("window_i18n: glyphs {g}");
    assert_eq!(g["notoSc"], true, "Noto Sans CJK SC is not available: {g}");
    assert_eq!(g["distinct"], 4, "the characters draw alike (tofu): {g}");
    assert_eq!(
        g["likeTofu"], 0,
        "some characters draw as the missing-glyph box: {g}"
    );
    for ink in g["inks"].as_array().expect("inks") {
        assert!(
            ink.as_u64().is_some_and(|n| n > 40),
            "a glyph without ink: {g}"
        );
    }
    for w in g["widths"].as_array().expect("widths") {
        let w = w.as_f64().unwrap_or_default();
        assert!(
            (34.0..=46.0).contains(&w),
            "a CJK glyph is one em (40 px) wide, not {w}: {g}"
        );
    }
    let family = g["family"].as_str().unwrap_or_default();
    assert!(
        family.contains("Noto Sans CJK SC"),
        "the font stack: {family}"
    );

    let png = wd.save_screenshot(
        &PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("window_i18n-zh-CN-start.png"),
    );
    assert!(png_info(&png).is_ok_and(|i| i.colours > 1));

    // The picker cannot change what the variable sets; the command refuses nothing but the
    // language stays the variable's.
    let state = wd
        .invoke("get_state", json!({}))
        .unwrap_or_else(|e| panic!("get_state: {e}"));
    assert_eq!(state["languageLocked"], true, "{state:#}");
    assert_eq!(state["language"], "zh-CN", "{state:#}");
}

/// Every `ui-` message is used by the window (ui/src or ui/index.html); src/i18n/tests.rs checks
/// the other way (every id the window uses exists, in both languages).
#[test]
fn every_window_message_is_used() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let ftl = std::fs::read_to_string(root.join("locales/en/ui.ftl")).expect("read ui.ftl");
    let ids: Vec<&str> = ftl
        .lines()
        .filter(|l| l.starts_with("ui-"))
        .filter_map(|l| l.split_once('=').map(|(id, _)| id.trim()))
        .collect();
    assert!(ids.len() > 50, "{} ids", ids.len());
    let mut sources = String::new();
    let mut stack = vec![root.join("ui/src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read ui/src").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "ts") {
                sources += &std::fs::read_to_string(&path).expect("read a .ts file");
            }
        }
    }
    sources += &std::fs::read_to_string(root.join("ui/index.html")).expect("read index.html");
    // Messages may also be used by other messages ({ ui-port-apply }).
    let unused: Vec<&&str> = ids
        .iter()
        .filter(|id| {
            !sources.contains(&format!("\"{id}\"")) && !ftl.contains(&format!("{{ {id} }}"))
        })
        .collect();
    assert!(unused.is_empty(), "messages no window uses: {unused:?}");
}
