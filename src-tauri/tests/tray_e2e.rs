//! The tray end to end on Linux: the real app binary on its own X display (Xvfb) and its own D-Bus
//! session bus, driven through the menu libayatana exports on that bus (`com.canonical.dbusmenu`, read
//! with `GetLayout`, clicked with `Event <id> clicked`), with a temporary HOME, data directory and port.
//! The harness (display, bus, app process, menu) is in `support/` (shared with `window_e2e.rs`).
//!
//! Without Xvfb, dbus-daemon or gdbus it skips with a printed reason, or fails when
//! MIMO2CODEX_REQUIRE_DESKTOP_E2E (or CI) is set, as .ci/run does.
#![cfg(target_os = "linux")]

mod support;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use support::{port_is_free, read_json, wait_for, MenuItem, Options, Session, WAIT};

#[test]
fn tray_menu_drives_the_app_end_to_end() {
    if !support::tools_present(false) {
        return;
    }
    let t0 = Instant::now();
    let s = Session::tray(Options::new());
    let port = s.port;

    // 1. The app's menu appears on the bus.
    let menu = s.wait_for_menu();
    eprintln!(
        "tray_e2e: menu {} at {} after {:?}",
        menu.dest,
        menu.path,
        t0.elapsed()
    );

    // 2. Status line, and exactly one outbound route checked.
    let running = format!("Running on 127.0.0.1:{port}");
    let layout = s.wait_layout(&menu, "the status line says the engine runs", |l| {
        l.children.first().map(|i| i.label.as_str()) == Some(running.as_str())
    });
    let proxy = layout.find("Outbound proxy");
    let checked: Vec<&str> = proxy.checked_children();
    assert_eq!(
        checked.len(),
        1,
        "exactly one route is checked: {checked:?}"
    );
    assert_ne!(
        checked,
        ["Direct"],
        "the starting route must not already be Direct"
    );
    assert!(proxy.children.len() >= 8, "{:?}", proxy.children);

    // 3. Direct: saved to settings.json and checked in the rebuilt menu.
    s.click(&menu, "Direct");
    let settings = s.data_dir.join("settings.json");
    s.wait("settings.json says \"proxy\": \"direct\"", || {
        read_json(&settings).is_some_and(|v| v["proxy"] == "direct")
    });
    s.wait_layout(&menu, "Direct is the only checked route", |l| {
        l.get("Outbound proxy")
            .is_some_and(|p| p.checked_children() == ["Direct"])
    });

    // 4. Thinking flips in the engine.
    let before = s.healthz()["thinking"]
        .as_bool()
        .unwrap_or_else(|| panic!("/healthz has no thinking flag"));
    assert_eq!(
        s.layout(&menu).find("Thinking").checked(),
        Some(before),
        "the menu shows the engine's thinking flag"
    );
    s.click(&menu, "Thinking");
    s.wait("/healthz reports thinking flipped", || {
        s.try_healthz()
            .is_some_and(|h| h["thinking"].as_bool() == Some(!before))
    });
    s.wait_layout(&menu, "Thinking shows the new value", |l| {
        l.get("Thinking").and_then(MenuItem::checked) == Some(!before)
    });

    // 5. Start at login writes an XDG autostart entry that starts the app hidden.
    let autostart = s.home.join(".config/autostart");
    s.click(&menu, "Start at login");
    s.wait("an autostart .desktop file with --hidden", || {
        desktop_files(&autostart)
            .iter()
            .any(|f| std::fs::read_to_string(f).is_ok_and(|t| t.contains("--hidden")))
    });
    s.wait_layout(&menu, "Start at login is checked", |l| {
        l.get("Start at login").and_then(MenuItem::checked) == Some(true)
    });

    // 6. A second launch hands over to the first and exits; the first keeps running.
    let mut second = s
        .app_command()
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the second instance");
    let status = wait_for(WAIT, || second.try_wait().ok().flatten());
    let Some(status) = status else {
        let _ = second.kill();
        let _ = second.wait();
        panic!("the second instance still runs after {WAIT:?}");
    };
    let second_err = second
        .stderr
        .take()
        .map(|mut e| {
            let mut t = String::new();
            let _ = std::io::Read::read_to_string(&mut e, &mut t);
            t
        })
        .unwrap_or_default();
    assert!(status.success(), "second instance: {status}\n{second_err}");
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        s.app_alive(),
        "the first instance died after a second launch"
    );
    assert!(
        s.try_healthz().is_some(),
        "the first instance stopped serving"
    );
    s.wait_layout(&menu, "the menu is still served", |l| {
        l.children.first().map(|i| i.label.as_str()) == Some(running.as_str())
    });

    // 7. Quit: exit code 0 within seconds, port released.
    s.click(&menu, "Quit");
    let status = s.wait_exit(WAIT).expect("the app is our child");
    assert!(status.success(), "Quit: {status}");
    assert!(
        wait_for(WAIT, || port_is_free(port).then_some(())).is_some(),
        "port {port} still taken {WAIT:?} after Quit"
    );
    eprintln!("tray_e2e: passed in {:?}", t0.elapsed());
}

fn desktop_files(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "desktop"))
                .collect()
        })
        .unwrap_or_default()
}
