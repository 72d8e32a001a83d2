//! The tray app: single instance, autostart, the engine in the background, the tray menu and its
//! actions. Every action is a menu item (Linux tray hosts ignore icon clicks).

use std::sync::Arc;

use tauri::image::Image;
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Manager, RunEvent, WebviewUrl, WebviewWindowBuilder, WindowEvent};
use tauri_plugin_autostart::ManagerExt as _;

use crate::control::Controller;
use crate::menu::build_menu;
use crate::model::{action_for, menu_model, tooltip, Action, EngineStatus, Window};

/// The tray icon's id.
pub const TRAY_ID: &str = "main";
/// Passed by the login item: start in the tray without opening a window.
pub const HIDDEN_ARG: &str = "--hidden";

const ICON_RUNNING: &[u8] = include_bytes!("../../icons/tray-running.png");
const ICON_ERROR: &[u8] = include_bytes!("../../icons/tray-error.png");
const ICON_STOPPED: &[u8] = include_bytes!("../../icons/tray-stopped.png");

type Ctl = Arc<Controller>;

/// Runs the tray app; returns the process exit code.
pub fn run(controller: Ctl, hidden: bool) -> i32 {
    let ctl = controller.clone();
    // Building the app initialises GTK; a failure there must not reach the user as a panic.
    let built = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
        tauri::Builder::default()
            // First, so a second launch exits before doing anything else.
            .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
                tracing::info!("already running: showing the settings window");
                open_window(app, Window::Settings);
            }))
            .plugin(
                tauri_plugin_autostart::Builder::new()
                    .args([HIDDEN_ARG])
                    .build(),
            )
            .manage(ctl)
            .setup(move |app| {
                let handle = app.handle().clone();
                if let Err(why) = create_tray(&handle) {
                    tracing::error!(
                        "cannot create the tray icon ({why}); the proxy runs without it. \
                         On Linux install libayatana-appindicator3-1."
                    );
                }
                if !hidden {
                    tracing::debug!("started without {HIDDEN_ARG}: tray only in this version");
                }
                let ctl = handle.state::<Ctl>().inner().clone();
                let app = handle.clone();
                tauri::async_runtime::spawn(async move {
                    ctl.start().await;
                    refresh(&app);
                });
                // Ctrl-C / SIGTERM: stop the engine gracefully, like Quit.
                tauri::async_runtime::spawn(async move {
                    mimo2codex::cli::wait_for_signal().await;
                    tracing::info!("signal received: quitting");
                    handle.state::<Ctl>().inner().clone().stop().await;
                    handle.exit(0);
                });
                Ok(())
            })
            .on_window_event(|window, event| {
                // Closing a window hides it; the app lives in the tray.
                if let WindowEvent::CloseRequested { api, .. } = event {
                    api.prevent_close();
                    if let Err(err) = window.hide() {
                        tracing::warn!("cannot hide window {}: {err}", window.label());
                    }
                }
            })
            .build(tauri::generate_context!())
    }));
    let app = match built {
        Ok(Ok(app)) => app,
        Ok(Err(err)) => {
            tracing::error!("cannot start the desktop app ({err}); running headless");
            return crate::headless::run(controller);
        }
        Err(_) => {
            tracing::error!("cannot start the desktop app (no usable display?); running headless");
            return crate::headless::run(controller);
        }
    };
    app.run_return(|_app, event| {
        if let RunEvent::ExitRequested {
            code: None, api, ..
        } = event
        {
            // The last window closed: stay in the tray. Quit passes an exit code.
            api.prevent_exit();
        }
    })
}

fn icon_for(status: &EngineStatus) -> Option<Image<'static>> {
    let bytes = match status {
        EngineStatus::Running { .. } => ICON_RUNNING,
        EngineStatus::Error(_) => ICON_ERROR,
        EngineStatus::Starting | EngineStatus::Stopped => ICON_STOPPED,
    };
    match Image::from_bytes(bytes) {
        Ok(image) => Some(image),
        Err(err) => {
            tracing::warn!("cannot load the tray icon: {err}");
            None
        }
    }
}

fn autostart_enabled(app: &AppHandle) -> bool {
    app.autolaunch().is_enabled().unwrap_or(false)
}

fn create_tray(app: &AppHandle) -> Result<(), String> {
    let ctl = app.state::<Ctl>().inner().clone();
    let state = ctl.tray_state(autostart_enabled(app));
    let menu = build_menu(app, &menu_model(&state)).map_err(|e| e.to_string())?;
    let mut builder = TrayIconBuilder::with_id(TRAY_ID)
        .menu(&menu)
        .tooltip(tooltip(&state))
        .show_menu_on_left_click(true)
        .on_menu_event(|app, event| on_menu(app, event.id().0.as_str()));
    if let Some(icon) = icon_for(&state.status) {
        builder = builder.icon(icon);
    }
    // Without libayatana-appindicator the tray crate panics: catch it and run without a tray.
    let app2 = app.clone();
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || builder.build(&app2))) {
        Ok(Ok(_tray)) => Ok(()),
        Ok(Err(err)) => Err(err.to_string()),
        Err(_) => Err("the tray library panicked".into()),
    }
}

fn tray(app: &AppHandle) -> Option<TrayIcon> {
    app.tray_by_id(TRAY_ID)
}

/// Rebuilds the menu, icon and tooltip from the current state.
pub fn refresh(app: &AppHandle) {
    let Some(tray) = tray(app) else {
        return;
    };
    let ctl = app.state::<Ctl>().inner().clone();
    let state = ctl.tray_state(autostart_enabled(app));
    match build_menu(app, &menu_model(&state)) {
        Ok(menu) => {
            if let Err(err) = tray.set_menu(Some(menu)) {
                tracing::warn!("cannot update the tray menu: {err}");
            }
        }
        Err(err) => tracing::warn!("cannot build the tray menu: {err}"),
    }
    if let Some(icon) = icon_for(&state.status) {
        if let Err(err) = tray.set_icon(Some(icon)) {
            tracing::warn!("cannot update the tray icon: {err}");
        }
    }
    let _ = tray.set_tooltip(Some(tooltip(&state)));
}

fn on_menu(app: &AppHandle, id: &str) {
    let Some(action) = action_for(id) else {
        return;
    };
    tracing::debug!("tray: {action:?}");
    let ctl = app.state::<Ctl>().inner().clone();
    match action {
        Action::SetRoute(route) => {
            let Some(handle) = ctl.handle() else {
                return refresh(app);
            };
            let app = app.clone();
            // Resolving `system` runs an OS command: off the main thread.
            tauri::async_runtime::spawn_blocking(move || {
                if let Err(err) = handle.set_route(route) {
                    tracing::warn!("{err}");
                }
                refresh(&app);
            });
        }
        Action::ToggleThinking => {
            if let Some(handle) = ctl.handle() {
                let on = !handle.thinking();
                handle.set_thinking(on);
                ctl.remember_thinking(on);
                tracing::info!("thinking turned {}", if on { "on" } else { "off" });
            }
            refresh(app);
        }
        Action::SetProvider(id) => {
            if let Some(handle) = ctl.handle() {
                match handle.settings().registry.with_default(&id) {
                    Ok(registry) => {
                        handle.set_registry(registry);
                        ctl.remember_provider(&id);
                        tracing::info!("default provider is now {id}");
                    }
                    Err(err) => tracing::warn!("cannot make {id} the default: {err}"),
                }
            }
            refresh(app);
        }
        Action::OpenWindow(window) => open_window(app, window),
        Action::ToggleAutostart => {
            let launcher = app.autolaunch();
            let result = if launcher.is_enabled().unwrap_or(false) {
                launcher.disable()
            } else {
                launcher.enable()
            };
            if let Err(err) = result {
                tracing::warn!("cannot change start at login: {err}");
            }
            refresh(app);
        }
        Action::Restart => {
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                ctl.restart().await;
                refresh(&app);
            });
        }
        Action::Quit => {
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                ctl.stop().await;
                app.exit(0);
            });
        }
    }
}

/// Shows (or creates) one of the app's windows. Their pages are placeholders in this version.
pub fn open_window(app: &AppHandle, window: Window) {
    if let Some(existing) = app.get_webview_window(window.label()) {
        let _ = existing.show();
        let _ = existing.unminimize();
        let _ = existing.set_focus();
        return;
    }
    let url = WebviewUrl::App(format!("index.html#{}", window.label()).into());
    if let Err(err) = WebviewWindowBuilder::new(app, window.label(), url)
        .title(window.title())
        .inner_size(720.0, 520.0)
        .build()
    {
        tracing::warn!("cannot open the {} window: {err}", window.label());
    }
}
