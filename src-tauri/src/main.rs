//! mimo2codex desktop: the engine in the background, controlled from the system tray.
// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod app;
mod control;
mod headless;
mod menu;
mod model;

use std::sync::Arc;

fn main() {
    std::process::exit(run());
}

fn run() -> i32 {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--version" || a == "-V") {
        println!("mimo2codex-desktop {}", mimo2codex::VERSION);
        return 0;
    }
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!(
            "mimo2codex-desktop {}: the mimo2codex proxy in the system tray.\n\n\
             Options:\n  --hidden     start in the tray only (used by \"Start at login\")\n\
             \x20 --headless   no tray or window: run the proxy until Ctrl-C\n\n\
             Engine settings come from the same places as the headless `mimo2codex` binary:\n\
             MIMO2CODEX_* variables, ~/.mimo2codex/.env, providers.json, settings.json.",
            mimo2codex::VERSION
        );
        return 0;
    }
    let common = match control::common_args_from_env() {
        Ok(c) => Some(c),
        Err(err) => {
            eprintln!("error: {err}");
            None
        }
    };
    let data_dir = control::data_dir(common.as_ref());
    let _log = mimo2codex::logging::init(&data_dir, common.as_ref().and_then(|c| c.log.as_deref()));
    let controller = Arc::new(control::Controller::new(data_dir));
    if args.iter().any(|a| a == "--headless") || !has_display() {
        if !args.iter().any(|a| a == "--headless") {
            tracing::warn!(
                "no display (DISPLAY / WAYLAND_DISPLAY unset): running without the tray"
            );
        }
        return headless::run(controller);
    }
    app::run(controller, args.iter().any(|a| a == app::HIDDEN_ARG))
}

/// Whether a GUI can start (Linux and BSDs need an X11 or Wayland display; others always have one).
fn has_display() -> bool {
    if cfg!(any(target_os = "macos", target_os = "windows")) {
        return true;
    }
    ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()))
}
