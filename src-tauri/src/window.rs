//! The app's one window (Settings, Log and Diagnose are its views). Closing it hides it; if it stays
//! hidden for a while it is destroyed, so an app that lives in the tray gives the webview's memory
//! back (WebKit's processes are large). Opening it again creates it anew.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tauri::{AppHandle, Emitter, Manager, WebviewUrl, WebviewWindowBuilder};

use crate::ipc::{UiEvent, View, EVENT};

/// The window's label (Tauri's id).
pub const MAIN: &str = "main";
/// How long a hidden window is kept for a quick reopen before it is destroyed.
const RELEASE_AFTER: Duration = Duration::from_secs(60);
/// Overrides [`RELEASE_AFTER`] (seconds); the end-to-end tests use it.
pub const RELEASE_ENV: &str = "MIMO2CODEX_WINDOW_RELEASE_SECS";

/// Counts hides, so a release timer from an earlier hide does nothing after a reopen.
#[derive(Default)]
pub struct WindowState {
    hides: AtomicU64,
}

fn release_after() -> Duration {
    std::env::var(RELEASE_ENV)
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
        .unwrap_or(RELEASE_AFTER)
}

/// Whether the window exists (visible or hidden): then it wants state events.
pub fn is_open(app: &AppHandle) -> bool {
    app.get_webview_window(MAIN).is_some()
}

/// Shows the window on `view`, creating it if needed.
pub fn open_view(app: &AppHandle, view: View) {
    if let Some(state) = app.try_state::<WindowState>() {
        // A pending release must not destroy the window being shown.
        state.hides.fetch_add(1, Ordering::SeqCst);
    }
    if let Some(existing) = app.get_webview_window(MAIN) {
        if let Err(err) = app.emit_to(MAIN, EVENT, UiEvent::Navigate { view }) {
            tracing::warn!("cannot switch the window to {}: {err}", view.name());
        }
        let _ = existing.show();
        let _ = existing.unminimize();
        let _ = existing.set_focus();
        return;
    }
    let url = WebviewUrl::App(format!("index.html#{}", view.name()).into());
    if let Err(err) = WebviewWindowBuilder::new(app, MAIN, url)
        .title("mimo2codex")
        .inner_size(860.0, 640.0)
        .min_inner_size(560.0, 420.0)
        .build()
    {
        tracing::warn!("cannot open the window: {err}");
    }
}

/// Hides the window now and destroys it if it is still hidden after the release delay.
pub fn hide_and_release_later(app: &AppHandle, label: &str) {
    let Some(window) = app.get_webview_window(label) else {
        return;
    };
    if let Err(err) = window.hide() {
        tracing::warn!("cannot hide the window: {err}");
    }
    let Some(state) = app.try_state::<WindowState>() else {
        return;
    };
    let generation = state.hides.fetch_add(1, Ordering::SeqCst) + 1;
    let app = app.clone();
    let label = label.to_string();
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(release_after()).await;
        let Some(state) = app.try_state::<WindowState>() else {
            return;
        };
        if state.hides.load(Ordering::SeqCst) != generation {
            return; // shown (or hidden) again since
        }
        if let Some(window) = app.get_webview_window(&label) {
            if !window.is_visible().unwrap_or(true) {
                tracing::debug!("releasing the hidden window");
                if let Err(err) = window.destroy() {
                    tracing::warn!("cannot release the window: {err}");
                }
            }
        }
    });
}
