//! End-to-end harness of the desktop app (Linux): the real `mimo2codex-desktop` binary on a private
//! X display (Xvfb) and D-Bus session bus, with a temporary HOME, data directory and engine port;
//! its tray menu driven over D-Bus (`gdbus`, com.canonical.dbusmenu) and its window driven over
//! W3C WebDriver (tauri-driver 2.1.0 + WebKitWebDriver). Used by `tray_e2e.rs` and `window_e2e.rs`.
//!
//! Nothing touches the real HOME; every process (Xvfb, dbus-daemon, tauri-driver, WebKitWebDriver,
//! the app, WebKit's helpers) is stopped when the [`Session`] drops, also on panic, and gets SIGTERM
//! if the test process dies (`PR_SET_PDEATHSIG`; the app under tauri-driver also loses its display).
//! A failing test prints the app's output, the last menu layout and the driver's process group.
//!
//! # API
//!
//! ```text
//! // Skip or fail: false (after printing "SKIPPED: …") when a tool is missing, unless
//! // MIMO2CODEX_REQUIRE_DESKTOP_E2E (or CI) is set, then it panics.
//! fn tools_present(window: bool) -> bool
//!
//! // How to launch the app.
//! Options::new() -> Options                       // free port, DS_API_KEY=sk-e2e
//!   .port(u16) .arg(&str) .window("settings"|"log"|"diagnose")   // --window <view>
//!   .env(key, value)                              // wins over the defaults
//!   .deepseek_at(base_url, api_key)               // DEEPSEEK_BASE_URL + DS_API_KEY (the fake)
//!
//! Session::tray(Options) -> Session               // app spawned directly (tray tests)
//! Session::window(Options) -> Session             // via tauri-driver; needs .window(..)
//!   s.port / s.home / s.data_dir                  // pub fields
//!   s.wd() -> &WebDriver                          // window mode only
//!   s.session_start() -> Option<Duration>         // how long POST /session took
//!   s.log_path() -> PathBuf                       // <data dir>/mimo2codex.log
//!   s.app_pid() -> u32; s.app_alive() -> bool
//!   s.wait_exit(Duration) -> Option<ExitStatus>   // None in window mode (not our child)
//!   s.wait(what, || bool); s.wait_up_to(limit, what, || bool)   // panics early if the app dies
//!   s.app_command() -> Command                    // a second launch, same env and args
//!   s.try_healthz() -> Option<Value>; s.healthz() -> Value      // GET /healthz
//!   s.engine_post(path, &Value) -> (u16, String)  // POST to the engine, no proxy
//!   s.responses_turn(text) -> (u16, String)       // one streamed /v1/responses turn
//!   s.app_output() -> String; s.diagnostics() -> String
//!   s.x_windows() -> Vec<XWindow { id, title, viewable }>    // the display's top-level windows
//!   s.request_close(title_part) -> usize          // WM_DELETE_WINDOW, like a title bar's ×
//!   // tray (tray.rs):
//!   s.wait_for_menu() -> Menu; s.layout(&Menu) -> MenuItem; s.try_layout(..) -> Result<..>
//!   s.wait_layout(&Menu, what, |&MenuItem| bool) -> MenuItem; s.click(&Menu, label)
//!   s.gdbus(&[args]) -> Result<String, String>
//!
//! WebDriver (webdriver.rs; blocking, every call Result<_, WdError>; never call from async code):
//!   find(css) -> Element; find_all(css) -> Vec<Element>; wait_find(css) -> Element (panics)
//!   wait_until(what, || Option<T>) -> T (panics with the page text)
//!   title(); url(); refresh(); page_text() -> String
//!   execute(script, &[Value]) -> Value            // `return …`; arguments[i]; Element::arg()
//!   execute_async(script, &[Value]) -> Value      // last argument is the callback; 10 s limit
//!   invoke(cmd, json!({..})) -> Result<Value, String>   // a Tauri command from the page
//!   screenshot() -> Vec<u8> (PNG); save_screenshot(&Path) -> Vec<u8>
//!   window_handle(); window_handles(); switch_to_window(h); close_window(); window_rect()
//!   delete(self)                                  // also done by Session's drop
//! Element: click(); clear(); send_keys(text); text(); property(name) -> Value;
//!   attribute(name) -> Option<String>; is_selected(); is_enabled(); is_displayed();
//!   find(css); find_all(css); arg()
//! png_info(&[u8]) -> Result<PngInfo { width, height, colours }, String>
//!
//! The fake upstream (tests/support/fake_upstream of the engine crate, included by path):
//!   start_fake(Profile) -> FakeUpstream           // on the shared runtime; stops on drop
//!   fake.base_url(); fake.api_key(); fake.requests(); fake.accepted(); fake.push(Script)
//!
//! process.rs: WAIT (10 s), wait_for(limit, || Option<T>), free_port(), port_is_free(port),
//!   pid_alive(pid), group_members(pgid)
//! ```
//!
//! `MIMO2CODEX_E2E_APP=/path/to/mimo2codex-desktop` runs the tests against another build of the app.
//!
//! Recipes for window tests:
//! * Settings preset → engine route: click the control, then `s.wait("…", || s.try_healthz()
//!   .is_some_and(|h| …))` or read `settings.json` in `s.data_dir`.
//! * Thinking toggle → next upstream request: `let fake = start_fake(Profile::deepseek());`
//!   `Options::new().window("settings").deepseek_at(&fake.base_url(), &fake.api_key())`; toggle in
//!   the page, `s.responses_turn("hi")`, then `fake.accepted().last().body["thinking"]["type"]`.
//! * Log: append a line to `s.log_path()` and `s.wd().wait_until("…", || …)` (the wait polls every
//!   50 ms, so time it with `Instant` for the 1 s bound).
//! * Close-to-hide: `s.request_close("mimo2codex")`, then `s.wait(.., || s.x_windows().iter()
//!   .all(|w| !w.viewable))`, `s.app_alive()`, `s.healthz()`. Not `wd.close_window()`: WebDriver's
//!   close ends the session and WebKitWebDriver ends the app with it.
//! * Single instance: `s.app_command().spawn()` exits 0 soon and the first instance shows its
//!   window again (`wd.window_handles()`, `document.visibilityState`).
//!
//! Tests are plain `#[test]` functions: the WebDriver client, the engine helpers and the fake run
//! on one shared tokio runtime ([`rt`]) and must not be called from inside another runtime.
#![allow(dead_code)]

pub mod desktop;
pub mod gvariant;
pub mod process;
pub mod session;
pub mod tray;
pub mod webdriver;
pub mod x11;

#[path = "../../../tests/support/fake_upstream/mod.rs"]
pub mod fake_upstream;

use std::process::{Command, Stdio};
use std::sync::OnceLock;

// Each test crate uses a different subset, hence the `allow`s.
#[allow(unused_imports)]
pub use desktop::Options;
#[allow(unused_imports)]
pub use fake_upstream::{FakeUpstream, Profile};
#[allow(unused_imports)]
pub use gvariant::MenuItem;
#[allow(unused_imports)]
pub use process::{free_port, port_is_free, wait_for, WAIT};
#[allow(unused_imports)]
pub use session::{app_binary, Session, APP, APP_VAR};
#[allow(unused_imports)]
pub use tray::Menu;
#[allow(unused_imports)]
pub use webdriver::{png_info, Element, WdError, WebDriver};

/// Set (to anything but `0` or empty) to make a missing tool a failure instead of a skip;
/// .ci/run sets it. `CI` does the same.
pub const REQUIRE_VAR: &str = "MIMO2CODEX_REQUIRE_DESKTOP_E2E";

/// The runtime the WebDriver client, the engine helpers and the fake upstream run on.
pub fn rt() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("build the tests' tokio runtime")
    })
}

/// A JSON file's contents (`None`: missing or not JSON), e.g. the app's settings.json.
pub fn read_json(path: &std::path::Path) -> Option<serde_json::Value> {
    serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()
}

/// Starts a fake upstream with this strictness on the shared runtime.
pub fn start_fake(profile: Profile) -> FakeUpstream {
    rt().block_on(FakeUpstream::start(profile))
}

fn required() -> bool {
    [REQUIRE_VAR, "CI"].iter().any(|v| {
        std::env::var(v)
            .ok()
            .is_some_and(|s| !s.is_empty() && s != "0" && s != "false")
    })
}

/// Whether `bin arg` can be started (its exit status does not matter: `Xvfb -help` exits 1).
fn runs_ok(bin: &std::path::Path, arg: &str) -> bool {
    Command::new(bin)
        .arg(arg)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// Whether Xvfb, dbus-daemon and gdbus (and with `window`, tauri-driver and WebKitWebDriver) can
/// run. If not: a panic when [`REQUIRE_VAR`] or `CI` is set (.ci/run installs them), else a
/// printed `SKIPPED:` line and `false`.
pub fn tools_present(window: bool) -> bool {
    let mut tools = vec![
        ("Xvfb", "-help", "Debian package xvfb"),
        ("dbus-daemon", "--version", "Debian package dbus"),
        ("gdbus", "help", "Debian package libglib2.0-bin"),
    ];
    if window {
        tools.push((
            "WebKitWebDriver",
            "--version",
            "Debian package webkit2gtk-driver",
        ));
    }
    let mut missing: Vec<String> = tools
        .iter()
        .filter(|(bin, arg, _)| !runs_ok(std::path::Path::new(bin), arg))
        .map(|(bin, _, how)| format!("{bin} ({how})"))
        .collect();
    if window {
        // `--help` only: any other invocation starts the server.
        let found = webdriver::tauri_driver_path().filter(|p| runs_ok(p, "--help"));
        if found.is_none() {
            missing
                .push("tauri-driver (cargo install tauri-driver --version 2.1.0 --locked)".into());
        }
    }
    if missing.is_empty() {
        return true;
    }
    let msg = format!(
        "the desktop end-to-end tests need {}; .ci/run installs them",
        missing.join(", ")
    );
    if required() {
        panic!("{msg} ({REQUIRE_VAR} or CI is set, so this is a failure)");
    }
    eprintln!("SKIPPED: {msg}");
    false
}
