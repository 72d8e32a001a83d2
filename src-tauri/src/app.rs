//! The tray app: single instance, autostart, the engine in the background, the tray menu and its
//! actions. Every action is a menu item (Linux tray hosts ignore icon clicks).

use std::time::Duration;

use tauri::image::Image;
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Emitter, Manager, RunEvent, WindowEvent};

use crate::control::Controller;
use crate::ipc::{AppView, UiEvent, View, EVENT};
use crate::menu::build_menu;
use crate::model::{action_for, menu_model, tooltip, Action, EngineStatus};
use crate::services::{self, autostart_enabled, Ctl};
use crate::window;

/// The tray icon's id.
pub const TRAY_ID: &str = "main";
/// Passed by the login item: start in the tray without opening a window.
pub const HIDDEN_ARG: &str = "--hidden";

const ICON_RUNNING: &[u8] = include_bytes!("../../icons/tray-running.png");
const ICON_ERROR: &[u8] = include_bytes!("../../icons/tray-error.png");
const ICON_STOPPED: &[u8] = include_bytes!("../../icons/tray-stopped.png");
/// macOS menu bar template images: black on transparent, recoloured by the system.
#[cfg(target_os = "macos")]
const TEMPLATE: &[u8] = include_bytes!("../../icons/tray-template.png");
#[cfg(target_os = "macos")]
const TEMPLATE_ERROR: &[u8] = include_bytes!("../../icons/tray-template-error.png");
/// Whether tray icons are template images (macOS) or coloured (Linux, Windows).
const AS_TEMPLATE: bool = cfg!(target_os = "macos");

/// How detection of proxy apps is repeated (they start and stop while we run).
const DETECT_EVERY: Duration = Duration::from_secs(60);

/// What the command line asked for at launch.
#[derive(Clone, Copy, Debug, Default)]
pub struct Launch {
    /// Started by the login item: stay in the tray.
    pub hidden: bool,
    /// `--window <view>`: open the window on this view at start.
    pub window: Option<View>,
}

/// Runs the tray app; returns the process exit code.
pub fn run(controller: Ctl, launch: Launch) -> i32 {
    let ctl = controller.clone();
    // Building the app initialises GTK; a failure there must not reach the user as a panic.
    let built = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
        tauri::Builder::default()
            // First, so a second launch exits before doing anything else.
            .plugin(tauri_plugin_single_instance::init(|app, argv, _cwd| {
                let view = crate::window_arg(&argv)
                    .ok()
                    .flatten()
                    .unwrap_or(View::Settings);
                tracing::info!("already running: showing the {} view", view.name());
                window::open_view(app, view);
            }))
            .plugin(
                tauri_plugin_autostart::Builder::new()
                    .args([HIDDEN_ARG])
                    .build(),
            )
            .manage(ctl)
            .manage(crate::logview::LogSession::default())
            .manage(window::WindowState::default())
            .manage(std::sync::Arc::new(crate::commands::DoctorRuns::default()))
            .invoke_handler(crate::commands::handler())
            .setup(move |app| {
                // macOS: a menu bar app, no Dock icon (the windows still come to the front).
                #[cfg(target_os = "macos")]
                app.set_activation_policy(tauri::ActivationPolicy::Accessory);
                let handle = app.handle().clone();
                if let Err(why) = create_tray(&handle) {
                    tracing::error!(
                        "cannot create the tray icon ({why}); the proxy runs without it. \
                         On Linux install libayatana-appindicator3-1."
                    );
                }
                match launch.window {
                    Some(view) if !launch.hidden => window::open_view(&handle, view),
                    _ => {}
                }
                let ctl = services::controller(&handle);
                let app = handle.clone();
                tauri::async_runtime::spawn(async move {
                    ctl.start().await;
                    refresh(&app);
                    detect_loop(app).await;
                });
                // Ctrl-C / SIGTERM: stop the engine gracefully, like Quit.
                tauri::async_runtime::spawn(async move {
                    mimo2codex::cli::wait_for_signal().await;
                    tracing::info!("signal received: quitting");
                    services::controller(&handle).stop().await;
                    handle.exit(0);
                });
                Ok(())
            })
            .on_window_event(|w, event| match event {
                // Closing the window hides it (the app lives in the tray); it is destroyed later
                // if it stays hidden, to give the webview's memory back.
                WindowEvent::CloseRequested { api, .. } => {
                    api.prevent_close();
                    window::hide_and_release_later(w.app_handle(), w.label());
                }
                WindowEvent::Destroyed => {
                    crate::logview::stop(w.app_handle());
                }
                _ => {}
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
    #[cfg(target_os = "macos")]
    let bytes = match status {
        EngineStatus::Error(_) => TEMPLATE_ERROR,
        _ => TEMPLATE,
    };
    #[cfg(not(target_os = "macos"))]
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

fn create_tray(app: &AppHandle) -> Result<(), String> {
    let ctl = services::controller(app);
    let state = ctl.tray_state(autostart_enabled(app));
    let menu = build_menu(app, &menu_model(&state)).map_err(|e| e.to_string())?;
    let mut builder = TrayIconBuilder::with_id(TRAY_ID)
        .menu(&menu)
        .tooltip(tooltip(&state))
        .icon_as_template(AS_TEMPLATE)
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

/// Rebuilds the menu, icon and tooltip from the current state, and tells the window (if any).
pub fn refresh(app: &AppHandle) {
    let ctl = services::controller(app);
    let autostart = autostart_enabled(app);
    if window::is_open(app) {
        tell_window(app, crate::view::app_view(&ctl, autostart));
    }
    refresh_tray(app, &ctl, autostart);
}

/// [`refresh`] for a command's answer: the window's new state, built once for the event and the
/// answer.
pub fn refresh_and_view(app: &AppHandle) -> AppView {
    let ctl = services::controller(app);
    let autostart = autostart_enabled(app);
    let view = crate::view::app_view(&ctl, autostart);
    if window::is_open(app) {
        tell_window(app, view.clone());
    }
    refresh_tray(app, &ctl, autostart);
    view
}

fn tell_window(app: &AppHandle, state: AppView) {
    let state = Box::new(state);
    if let Err(err) = app.emit(EVENT, UiEvent::State { state }) {
        tracing::warn!("cannot update the window: {err}");
    }
}

fn refresh_tray(app: &AppHandle, ctl: &Controller, autostart: bool) {
    let Some(tray) = tray(app) else {
        return;
    };
    let state = ctl.tray_state(autostart);
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
        if AS_TEMPLATE {
            let _ = tray.set_icon_as_template(true);
        }
    }
    let _ = tray.set_tooltip(Some(tooltip(&state)));
}

/// Looks for proxy apps now and then; the menu marks the presets that answer.
async fn detect_loop(app: AppHandle) {
    let options = mimo2codex::network::detect::DetectOptions::default();
    loop {
        let found = mimo2codex::network::detect::detect(&options).await;
        let mut presets: Vec<_> = found
            .candidates
            .iter()
            .filter(|c| c.answered_as.is_some())
            .filter_map(|c| c.preset)
            .chain(found.apps.iter().filter_map(|a| a.preset))
            .collect();
        presets.sort_by_key(|p| p.name());
        presets.dedup();
        if services::controller(&app).set_detected(presets) {
            refresh(&app);
        }
        tokio::time::sleep(DETECT_EVERY).await;
    }
}

fn on_menu(app: &AppHandle, id: &str) {
    let Some(action) = action_for(id) else {
        return;
    };
    tracing::debug!("tray: {action:?}");
    let ctl = services::controller(app);
    let app = app.clone();
    match action {
        Action::SetRoute(route) => {
            // Resolving `system` runs an OS command: off the main thread.
            tauri::async_runtime::spawn_blocking(move || {
                if let Err(err) = services::set_route(&ctl, route) {
                    tracing::warn!("{}", err.message);
                }
                refresh(&app);
            });
        }
        Action::ToggleThinking => {
            let on = !ctl.tray_state(false).thinking;
            if let Err(err) = services::set_thinking(&ctl, on) {
                tracing::warn!("{}", err.message);
            }
            refresh(&app);
        }
        Action::SetProvider(id) => {
            if let Err(err) = services::set_default_provider(&ctl, &id) {
                tracing::warn!("cannot make {id} the default: {}", err.message);
            }
            refresh(&app);
        }
        Action::OpenView(view) => window::open_view(&app, view),
        Action::ToggleAutostart => {
            if let Err(err) = services::set_autostart(&app, !autostart_enabled(&app)) {
                tracing::warn!("{}", err.message);
            }
            refresh(&app);
        }
        Action::Restart => {
            tauri::async_runtime::spawn(async move {
                ctl.restart().await;
                refresh(&app);
            });
        }
        Action::Quit => {
            tauri::async_runtime::spawn(async move {
                ctl.stop().await;
                app.exit(0);
            });
        }
    }
}
