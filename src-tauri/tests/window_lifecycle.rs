//! The window's lifecycle end to end on Linux: closing hides it while the engine keeps serving, the
//! tray brings it back on the asked view, a window left hidden is destroyed after
//! `MIMO2CODEX_WINDOW_RELEASE_SECS` (and WebKit's web process with it) unless it is shown again
//! first, a second launch hands over to the first instance's window, Quit with a window open stops
//! the engine and the app, and a tray-only start has no window and no web process until asked.
//!
//! The real app binary on its own X display and D-Bus session bus (harness in `support/`, API at
//! the top of support/mod.rs). The window is watched through X11 (`s.x_windows()`), the page
//! through WebDriver, the tray through D-Bus, WebKit's processes through /proc. Without the tools
//! these skip with a printed reason, or fail when MIMO2CODEX_REQUIRE_DESKTOP_E2E (or CI) is set.
#![cfg(target_os = "linux")]

mod support;
mod views;

use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;
use support::process::{descendants, pid_alive, Proc};
use support::x11::XWindow;
use support::{app_binary, port_is_free, wait_for, Menu, Options, Session, WAIT};
use views::{ready, wait_view, wait_visibility};

/// The window's title (window.rs).
const TITLE: &str = "mimo2codex";
/// window.rs's release-delay override.
const RELEASE_ENV: &str = "MIMO2CODEX_WINDOW_RELEASE_SECS";
/// Debug lines of the desktop crate ("releasing the hidden window", "tray: OpenView(..)").
const DEBUG_LOG: &str = "info,mimo2codex_desktop=debug";

// ---- helpers ------------------------------------------------------------------------------------

/// The app's top-level X windows titled "mimo2codex", mapped or not. (GTK's unmapped client-leader
/// windows are titled after the program, "mimo2codex-desktop", and are not the app's window.)
fn app_windows(s: &Session) -> Vec<XWindow> {
    s.x_windows()
        .into_iter()
        .filter(|w| w.title == TITLE)
        .collect()
}

/// The app's one viewable window, waiting at most [`WAIT`].
fn wait_viewable(s: &Session, what: &str) -> XWindow {
    let mut found = None;
    s.wait(what, || {
        let shown: Vec<XWindow> = app_windows(s).into_iter().filter(|w| w.viewable).collect();
        if shown.len() == 1 {
            found = shown.into_iter().next();
        }
        found.is_some()
    });
    found.expect("a viewable window")
}

/// The engine's log file so far (empty when unreadable).
fn log_text(s: &Session) -> String {
    std::fs::read(s.log_path())
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

/// A second launch with this session's environment but `args` of our own (the session's
/// `app_command()` repeats the first launch's `--window`, and only the first `--window` counts).
/// Returns the exit status, how long it ran, and its stderr.
fn second_launch(s: &Session, args: &[&str]) -> (ExitStatus, Duration, String) {
    let mut cmd = Command::new(app_binary());
    s.desktop().apply_env(&mut cmd, s.options());
    support::process::die_with_parent(&mut cmd);
    let err_path = s.desktop().dir().join(format!(
        "second-launch-{}.stderr",
        args.join("_").replace('-', "")
    ));
    let err = std::fs::File::create(&err_path).expect("create the second launch's stderr file");
    let t0 = Instant::now();
    let mut child = cmd
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(err)
        .spawn()
        .expect("spawn the second instance");
    let status = wait_for(WAIT, || child.try_wait().ok().flatten());
    let took = t0.elapsed();
    let stderr = std::fs::read_to_string(&err_path).unwrap_or_default();
    let Some(status) = status else {
        let _ = child.kill();
        let _ = child.wait();
        panic!("the second instance {args:?} still runs after {WAIT:?}\n{stderr}");
    };
    (status, took, stderr)
}

/// WebKit's web (page) processes below the app.
fn web_processes(s: &Session) -> Vec<Proc> {
    descendants(s.app_pid() as i32)
        .into_iter()
        .filter(|p| p.name.contains("WebKitWebProcess"))
        .collect()
}

/// Their memory: PSS (RSS where smaps_rollup is unreadable), KiB.
fn total_pss(procs: &[Proc]) -> u64 {
    procs
        .iter()
        .map(|p| if p.pss_kib > 0 { p.pss_kib } else { p.rss_kib })
        .sum()
}

/// The app with its window on Settings and a release delay of `secs`, its debug log on: the
/// session once the page is ready, the shown window and the tray menu.
fn start_releasing_after(secs: u64) -> (Session, XWindow, Menu) {
    let s = Session::window(
        Options::new()
            .window("settings")
            .env(RELEASE_ENV, secs.to_string())
            .env("MIMO2CODEX_LOG", DEBUG_LOG),
    );
    ready(s.wd());
    let window = wait_viewable(&s, "the window is shown at start");
    let menu = s.wait_for_menu();
    (s, window, menu)
}

// ---- tests --------------------------------------------------------------------------------------

/// (1) The title bar's × hides the window, the engine keeps serving, and the tray's "Open log…"
/// shows the same window again, on the Log view, with the WebDriver session intact.
#[test]
fn closing_hides_the_window_and_the_tray_shows_it_again_on_the_log_view() {
    if !support::tools_present(true) {
        return;
    }
    let t0 = Instant::now();
    let s = Session::window(Options::new().window("settings"));
    let wd = s.wd();
    ready(wd);
    wait_view(wd, "settings");
    let window = wait_viewable(&s, "the window is shown at start");
    let menu = s.wait_for_menu();
    s.healthz();

    assert_eq!(
        s.request_close(TITLE),
        1,
        "one window to close: {:?}",
        s.x_windows()
    );
    s.wait("the window is unmapped (hidden, not destroyed)", || {
        let w = app_windows(&s);
        w.iter().any(|x| x.id == window.id) && w.iter().all(|x| !x.viewable)
    });
    // The page sees itself hidden too (WebDriver still reaches the hidden webview).
    wait_visibility(wd, "hidden");
    // Still hidden a moment later (nothing re-shows it), and the engine is untouched.
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        app_windows(&s).iter().all(|w| !w.viewable),
        "{:?}",
        s.x_windows()
    );
    assert!(s.app_alive(), "closing the window ended the app");
    let health = s
        .try_healthz()
        .expect("/healthz answers while the window is hidden");
    assert!(health.is_object(), "{health}");
    let running = format!("Running on 127.0.0.1:{}", s.port);
    s.wait_layout(&menu, "the tray still says the engine runs", |l| {
        l.children.first().map(|i| i.label.as_str()) == Some(running.as_str())
    });

    s.click(&menu, "Open log…");
    let shown = wait_viewable(&s, "the tray's Open log… shows the window again");
    assert_eq!(
        shown.id, window.id,
        "the hidden window is reused, not re-created"
    );
    // The WebDriver session survived the hide/show and the page switched to the Log view.
    wait_view(wd, "log");
    wait_visibility(wd, "visible");
    let tab = wd
        .find("#tab-log")
        .expect("#tab-log")
        .attribute("aria-selected")
        .expect("aria-selected");
    assert_eq!(tab.as_deref(), Some("true"));
    assert_eq!(wd.window_handles().expect("window handles").len(), 1);
    assert!(s.try_healthz().is_some());
    eprintln!(
        "window_lifecycle: close/hide/show passed in {:?}",
        t0.elapsed()
    );
}

/// (2) A window left hidden longer than the release delay is destroyed (its X window is gone, not
/// just unmapped; WebKit's web process ends), the engine keeps running, and the tray creates a
/// fresh window afterwards.
#[test]
fn a_window_left_hidden_is_released_and_the_tray_creates_a_fresh_one() {
    if !support::tools_present(true) {
        return;
    }
    let t0 = Instant::now();
    let (s, window, menu) = start_releasing_after(2);
    let wd = s.wd();
    let mut before = Vec::new();
    s.wait("a WebKit web process runs under the app", || {
        before = web_processes(&s);
        !before.is_empty()
    });
    let pss_before = total_pss(&before);

    let closed_at = Instant::now();
    assert_eq!(s.request_close(TITLE), 1);
    s.wait("the window is hidden first", || {
        app_windows(&s)
            .iter()
            .any(|w| w.id == window.id && !w.viewable)
    });
    let hidden_after = closed_at.elapsed();
    s.wait("the hidden window is destroyed", || {
        !app_windows(&s).iter().any(|w| w.id == window.id)
    });
    let released_after = closed_at.elapsed();
    assert!(
        released_after >= Duration::from_millis(1900),
        "destroyed {released_after:?} after the close, before the 2 s release delay \
         (hidden after {hidden_after:?})"
    );
    assert!(
        app_windows(&s).iter().all(|w| !w.viewable),
        "{:?}",
        s.x_windows()
    );
    s.wait("the log says the window was released", || {
        log_text(&s).contains("releasing the hidden window")
    });

    // WebKit's page process goes with the webview (measured: it exits; no prewarmed one is kept).
    let mut after = Vec::new();
    let gone = wait_for(WAIT, || {
        after = web_processes(&s);
        (after.len() < before.len()).then_some(())
    });
    let pss_after = total_pss(&after);
    eprintln!(
        "window_lifecycle: web processes {} ({pss_before} KiB PSS) -> {} ({pss_after} KiB PSS); \
         hidden after {hidden_after:?}, destroyed after {released_after:?}",
        before.len(),
        after.len()
    );
    assert!(
        gone.is_some(),
        "the web process count did not drop after the release: before {before:?}, after {after:?}"
    );
    assert!(after.is_empty(), "web processes left: {after:?}");

    // WebDriver agrees: the session's page is gone.
    let handles = wd
        .window_handles()
        .expect("window handles after the release");
    assert!(
        handles.is_empty(),
        "pages left after the release: {handles:?}"
    );

    // The app stays in the tray, serving.
    assert!(s.app_alive());
    assert!(s.try_healthz().is_some(), "/healthz after the release");

    // The tray's Settings… builds a new window (a new X window id, a new web process).
    s.click(&menu, "Settings…");
    let fresh = wait_viewable(&s, "a fresh window after Settings…");
    assert_ne!(fresh.id, window.id, "a new X window");
    s.wait("a web process for the new window", || {
        !web_processes(&s).is_empty()
    });
    // The new page loads and works (its IPC answered: data-ready), on Settings, visible. The
    // automation session adopts the new webview: switch to its handle.
    let handle = wd.wait_until("the new window's page in the WebDriver session", || {
        wd.window_handles().ok()?.into_iter().next()
    });
    wd.switch_to_window(&handle)
        .expect("switch to the new window's page");
    ready(wd);
    wait_view(wd, "settings");
    wait_visibility(wd, "visible");
    let log = log_text(&s);
    assert!(log.contains("tray: OpenView(Settings)"), "{log}");
    assert!(
        !log.contains("cannot open the window"),
        "the app failed to re-create its window:\n{log}"
    );
    assert!(s.app_alive());
    eprintln!("window_lifecycle: release passed in {:?}", t0.elapsed());
}

/// (2b) Showing the window again within the release delay cancels the release: the same X window
/// and the WebDriver session outlive the delay.
#[test]
fn showing_the_window_again_within_the_delay_cancels_the_release() {
    if !support::tools_present(true) {
        return;
    }
    let t0 = Instant::now();
    let (s, window, menu) = start_releasing_after(2);
    let wd = s.wd();

    let closed_at = Instant::now();
    assert_eq!(s.request_close(TITLE), 1);
    s.wait("the window is hidden", || {
        app_windows(&s).iter().all(|w| !w.viewable)
    });
    if let Some(rest) = Duration::from_millis(500).checked_sub(closed_at.elapsed()) {
        std::thread::sleep(rest);
    }
    s.click(&menu, "Diagnose network…");
    let shown = wait_viewable(&s, "the window shown again by the tray");
    let reshown_after = closed_at.elapsed();
    assert_eq!(shown.id, window.id, "the same window");
    assert!(
        reshown_after < Duration::from_millis(1800),
        "the window was shown again only {reshown_after:?} after the close (too slow to test \
         the cancellation of a 2 s release)"
    );

    // Past the delay (with a margin): still the same, shown window, and a live session.
    std::thread::sleep(Duration::from_secs(3));
    let now: Vec<XWindow> = app_windows(&s);
    assert!(
        now.iter().any(|w| w.id == window.id && w.viewable),
        "the window was released although it was shown again: {now:?}"
    );
    wait_view(wd, "diagnose");
    assert_eq!(
        wd.execute("return 6 * 7", &[])
            .expect("the session still works"),
        json!(42)
    );
    assert!(
        !log_text(&s).contains("releasing the hidden window"),
        "a release ran"
    );
    eprintln!(
        "window_lifecycle: release cancelled (shown again after {reshown_after:?}); passed in {:?}",
        t0.elapsed()
    );
}

/// (2c) A release timer from an earlier hide does nothing once the window was shown and hidden
/// again: the window is destroyed a full delay after the *last* close, not after the first.
#[test]
fn a_stale_release_timer_does_not_cut_a_later_hide_short() {
    if !support::tools_present(true) {
        return;
    }
    let t0 = Instant::now();
    let delay = Duration::from_secs(3);
    let (s, window, menu) = start_releasing_after(delay.as_secs());
    let hidden = |s: &Session| {
        app_windows(s)
            .iter()
            .any(|w| w.id == window.id && !w.viewable)
    };

    let first_close = Instant::now();
    assert_eq!(s.request_close(TITLE), 1);
    s.wait("hidden by the first close", || hidden(&s));
    std::thread::sleep(Duration::from_millis(400));
    s.click(&menu, "Settings…");
    let shown = wait_viewable(&s, "shown again by the tray");
    assert_eq!(shown.id, window.id);
    std::thread::sleep(Duration::from_millis(400));
    let second_close = Instant::now();
    assert_eq!(s.request_close(TITLE), 1);
    s.wait("hidden by the second close", || hidden(&s));
    let gap = second_close - first_close;
    assert!(
        gap < Duration::from_millis(2000),
        "the second close came {gap:?} after the first: too late to tell the timers apart"
    );

    // Between the first timer (first close + delay) and the second (second close + delay).
    let check_at = first_close + delay + gap / 2;
    std::thread::sleep(check_at.saturating_duration_since(Instant::now()));
    let now = app_windows(&s);
    assert!(
        now.iter().any(|w| w.id == window.id),
        "the window was released {:?} after the first close, {:?} after the second (delay \
         {delay:?}): the first close's timer fired: {now:?}",
        first_close.elapsed(),
        second_close.elapsed()
    );
    assert!(!log_text(&s).contains("releasing the hidden window"));

    // The second close's timer does release it.
    s.wait("released after the second close's delay", || {
        !app_windows(&s).iter().any(|w| w.id == window.id)
    });
    let after_second = second_close.elapsed();
    assert!(
        after_second >= delay - Duration::from_millis(100),
        "released {after_second:?} after the second close"
    );
    assert!(s.app_alive());
    eprintln!(
        "window_lifecycle: closes {gap:?} apart; released {after_second:?} after the second; \
         passed in {:?}",
        t0.elapsed()
    );
}

/// (3) A second launch exits 0 at once and the first instance shows its (hidden) window on the view
/// the second launch asked for, Settings when none; no second engine is started.
#[test]
fn a_second_launch_shows_the_first_instances_window_on_its_view() {
    if !support::tools_present(true) {
        return;
    }
    let t0 = Instant::now();
    let s = Session::window(Options::new().window("settings"));
    let wd = s.wd();
    ready(wd);
    let window = wait_viewable(&s, "the window is shown at start");
    s.healthz();
    assert_eq!(s.request_close(TITLE), 1);
    s.wait("the window is hidden", || {
        app_windows(&s).iter().all(|w| !w.viewable)
    });

    let (status, took, stderr) = second_launch(&s, &["--window", "diagnose"]);
    assert!(status.success(), "second instance: {status}\n{stderr}");
    assert!(
        took < Duration::from_secs(5),
        "the second instance took {took:?} to hand over"
    );
    let shown = wait_viewable(&s, "the first instance shows its window");
    assert_eq!(
        shown.id, window.id,
        "the first instance's window, not a new one"
    );
    wait_view(wd, "diagnose");

    // No --window: Settings.
    wd.find("#tab-log")
        .expect("#tab-log")
        .click()
        .expect("click the Log tab");
    wait_view(wd, "log");
    let (status, took2, stderr) = second_launch(&s, &[]);
    assert!(
        status.success(),
        "plain second instance: {status}\n{stderr}"
    );
    wait_view(wd, "settings");

    assert!(s.app_alive());
    assert!(
        s.try_healthz().is_some(),
        "the first instance stopped serving"
    );
    let mut log = String::new();
    s.wait("the log records both hand-overs", || {
        log = log_text(&s);
        log.contains("already running: showing the diagnose view")
            && log.contains("already running: showing the settings view")
    });
    assert_eq!(
        log.matches("proxy listening on").count(),
        1,
        "one engine start only:\n{log}"
    );
    for bad in ["cannot start the proxy", "in use", "stopping the proxy"] {
        assert!(!log.contains(bad), "{bad:?} in the log:\n{log}");
    }
    eprintln!(
        "window_lifecycle: second launches took {took:?} and {took2:?}; passed in {:?}",
        t0.elapsed()
    );
}

/// (4) Quit from the tray with the window open stops the engine (port released) and the app, and
/// the log ends with the proxy stopping.
#[test]
fn quit_from_the_tray_with_the_window_open_stops_the_engine_and_the_app() {
    if !support::tools_present(true) {
        return;
    }
    let t0 = Instant::now();
    let s = Session::window(Options::new().window("log"));
    let wd = s.wd();
    ready(wd);
    wait_view(wd, "log");
    wait_viewable(&s, "the window is shown");
    let menu = s.wait_for_menu();
    s.healthz();
    let (port, pid) = (s.port, s.app_pid() as i32);
    assert!(!port_is_free(port));

    let clicked = Instant::now();
    s.click(&menu, "Quit");
    let exited = wait_for(WAIT, || (!pid_alive(pid)).then_some(()));
    assert!(exited.is_some(), "the app still runs {WAIT:?} after Quit");
    assert!(!s.app_alive());
    let took = clicked.elapsed();
    assert!(
        wait_for(WAIT, || port_is_free(port).then_some(())).is_some(),
        "port {port} still taken after Quit"
    );
    assert!(
        wait_for(WAIT, || app_windows(&s).is_empty().then_some(())).is_some(),
        "the window outlived the app: {:?}",
        s.x_windows()
    );
    let log = log_text(&s);
    let tail: Vec<&str> = log.lines().rev().take(5).collect();
    assert!(
        tail.iter().any(|l| l.contains("stopping the proxy")),
        "the log's last lines do not say the proxy stopped: {tail:#?}"
    );
    let listening = log.rfind("proxy listening on").expect("the engine started");
    let stopping = log.rfind("stopping the proxy").expect("the engine stopped");
    assert!(stopping > listening);
    eprintln!(
        "window_lifecycle: Quit took {took:?}; passed in {:?}",
        t0.elapsed()
    );
}

/// (5) Started for the tray only, the app has no window and no WebKit web process (no webview until
/// one is asked for); the tray's Settings… then opens one.
#[test]
fn a_tray_only_start_has_no_window_and_no_web_process_until_asked() {
    if !support::tools_present(false) {
        return;
    }
    let t0 = Instant::now();
    let s = Session::tray(Options::new());
    let menu = s.wait_for_menu();
    let running = format!("Running on 127.0.0.1:{}", s.port);
    s.wait_layout(&menu, "the engine runs", |l| {
        l.children.first().map(|i| i.label.as_str()) == Some(running.as_str())
    });
    let viewable: Vec<XWindow> = s.x_windows().into_iter().filter(|w| w.viewable).collect();
    assert!(
        viewable.is_empty(),
        "viewable windows at a tray start: {viewable:?}"
    );
    assert!(app_windows(&s).is_empty(), "{:?}", s.x_windows());
    let helpers = descendants(s.app_pid() as i32);
    assert!(
        !helpers.iter().any(|p| p.name.contains("WebKitWebProcess")),
        "a web process runs without a window: {helpers:?}"
    );
    eprintln!("window_lifecycle: processes under a tray-only app: {helpers:?}");

    s.click(&menu, "Settings…");
    wait_viewable(&s, "Settings… opens a window");
    // The check above could see a web process: the new window has one.
    s.wait("a web process for the window", || {
        !web_processes(&s).is_empty()
    });
    assert!(s.try_healthz().is_some());
    eprintln!(
        "window_lifecycle: tray-only start passed in {:?}",
        t0.elapsed()
    );
}
