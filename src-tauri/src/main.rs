//! mimo2codex desktop: the engine in the background, controlled from the system tray.
// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod app;
mod commands;
mod control;
mod headless;
mod ipc;
mod logview;
mod menu;
mod model;
mod services;
mod view;
mod window;

use std::sync::Arc;

fn main() {
    mimo2codex::config::drop_blank_env_vars();
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
             \x20 --window V   open the window on view V (settings, log or diagnose) at start\n\
             \x20 --headless   no tray or window: run the proxy until Ctrl-C\n\n\
             Engine settings come from the same places as the headless `mimo2codex` binary:\n\
             MIMO2CODEX_* variables, ~/.mimo2codex/.env, providers.json, settings.json.",
            mimo2codex::VERSION
        );
        return 0;
    }
    let window = match window_arg(&args) {
        Ok(w) => w,
        Err(err) => {
            eprintln!("error: {err}");
            return 2;
        }
    };
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
    let launch = app::Launch {
        hidden: args.iter().any(|a| a == app::HIDDEN_ARG),
        window,
    };
    app::run(controller, launch)
}

/// `--window <view>` / `--window=<view>`; a second launch passes its arguments here too.
pub fn window_arg(args: &[String]) -> Result<Option<ipc::View>, String> {
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        let value = if arg == "--window" {
            iter.next().map(String::as_str).unwrap_or_default()
        } else if let Some(v) = arg.strip_prefix("--window=") {
            v
        } else {
            continue;
        };
        return ipc::View::parse(value)
            .map(Some)
            .ok_or_else(|| format!("--window takes settings, log or diagnose, not '{value}'"));
    }
    Ok(None)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn window_flag_names_a_view() {
        assert_eq!(window_arg(&args(&["--hidden"])), Ok(None));
        assert_eq!(
            window_arg(&args(&["--window", "log"])),
            Ok(Some(ipc::View::Log))
        );
        assert_eq!(
            window_arg(&args(&["/usr/bin/app", "--window=diagnose"])),
            Ok(Some(ipc::View::Diagnose))
        );
        let err = window_arg(&args(&["--window", "prefs"])).expect_err("bad view");
        assert!(err.contains("settings, log or diagnose"), "{err}");
        assert!(window_arg(&args(&["--window"])).is_err());
    }
}
