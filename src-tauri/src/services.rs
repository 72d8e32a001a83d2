//! What the tray menu and the window's commands do, in one place: both call these, then the tray and
//! the window are refreshed from the new state (`app::refresh`).

use std::sync::Arc;

use mimo2codex::i18n::tr_attr;
use mimo2codex::settings::Settings;
use mimo2codex::t;
use mimo2codex::upstream::OutboundRoute;
use tauri::{AppHandle, Manager};
use tauri_plugin_autostart::ManagerExt as _;

use crate::control::Controller;
use crate::ipc::CommandError;

pub type Ctl = Arc<Controller>;

pub fn controller(app: &AppHandle) -> Ctl {
    app.state::<Ctl>().inner().clone()
}

fn save_settings(ctl: &Controller, change: impl FnOnce(&mut Settings)) -> Result<(), CommandError> {
    let saved = Settings::update(ctl.data_dir(), change).map_err(|e| {
        CommandError::new(e.to_string()).with_fix(t!(ctl.lang(), "desktop-settings-unwritable"))
    })?;
    // A file corrupted while we run was set aside by this write's read: say so in the window.
    if let Some(warning) = saved.warning {
        ctl.note_settings_warning(warning);
    }
    Ok(())
}

/// Parses a route as typed in the window or named by a menu item.
pub fn parse_route(text: &str) -> Result<OutboundRoute, CommandError> {
    text.parse::<OutboundRoute>()
        .map_err(|e| CommandError::new(e.to_string()))
}

/// Switches the outbound route (live when the engine runs; saved to settings.json either way).
/// Blocking: resolving `system` runs an OS command.
pub fn set_route(ctl: &Controller, route: OutboundRoute) -> Result<(), CommandError> {
    match ctl.handle() {
        Some(handle) => handle.set_route(route).map_err(|e| {
            CommandError::new(e.to_string()).with_fix(t!(ctl.lang(), "desktop-route-fix"))
        }),
        None => {
            save_settings(ctl, |s| s.proxy = route.clone())?;
            ctl.edit_last_config(|c| c.route = route);
            Ok(())
        }
    }
}

/// Saves the NO_PROXY list; it takes effect on the restart that follows (the engine reads it at start).
pub async fn set_no_proxy(ctl: &Controller, no_proxy: String) -> Result<(), CommandError> {
    let cleaned = no_proxy
        .split([',', '\n', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(",");
    save_settings(ctl, |s| s.no_proxy = cleaned)?;
    ctl.restart().await;
    Ok(())
}

/// Turns thinking on or off now (new requests) and for later starts (settings.json).
pub fn set_thinking(ctl: &Controller, on: bool) -> Result<(), CommandError> {
    if let Some(handle) = ctl.handle() {
        handle.set_thinking(on);
    }
    ctl.edit_last_config(|c| c.thinking = on);
    save_settings(ctl, |s| s.thinking = Some(on))?;
    tracing::info!("thinking turned {}", if on { "on" } else { "off" });
    Ok(())
}

/// Makes `id` the default provider now and for later starts (settings.json).
pub fn set_default_provider(ctl: &Controller, id: &str) -> Result<(), CommandError> {
    let registry = ctl.config_view().and_then(|c| c.registry).ok_or_else(|| {
        CommandError::new("no provider is configured yet").with_fix("add an API key first")
    })?;
    let registry = registry.with_default(id).map_err(|e| {
        CommandError::new(e.to_string()).with_fix("add this provider's API key first")
    })?;
    if let Some(handle) = ctl.handle() {
        handle.set_registry(registry.clone());
    }
    ctl.edit_last_config(|c| c.registry = Some(Arc::new(registry)));
    save_settings(ctl, |s| s.default_provider = Some(id.to_string()))?;
    tracing::info!("default provider is now {id}");
    Ok(())
}

/// Saves a provider's API key to `<data dir>/.env` and restarts the engine with it.
pub async fn save_provider_key(
    ctl: &Controller,
    provider: &str,
    key: &str,
) -> Result<(), CommandError> {
    let key = key.trim();
    let lang = ctl.lang();
    if key.is_empty() {
        return Err(
            CommandError::new(t!(lang, "desktop-key-empty")).with_fix(tr_attr(
                lang,
                "desktop-key-empty",
                "fix",
                &[],
            )),
        );
    }
    let env_file = ctl.data_dir().join(".env");
    let registry = ctl.config_view().and_then(|c| c.registry);
    let process: std::collections::HashMap<String, String> =
        mimo2codex::provider::env_file::process_env().collect();
    let statuses =
        mimo2codex::provider::key_status::key_statuses(registry.as_deref(), &process, &env_file)?;
    let var = statuses
        .iter()
        .find(|k| k.provider == provider)
        .and_then(|k| k.env_var.clone())
        .ok_or_else(|| {
            CommandError::new(format!(
                "{provider} does not take an API key from a variable"
            ))
            .with_fix("set its key in providers.json")
        })?;
    mimo2codex::provider::env_edit::set_env_var(&env_file, &var, Some(key))
        .map_err(|e| CommandError::new(e.to_string()))?;
    tracing::info!("saved {var} to {}", env_file.display());
    ctl.restart().await;
    Ok(())
}

pub fn set_autostart(app: &AppHandle, on: bool) -> Result<(), CommandError> {
    let launcher = app.autolaunch();
    let result = if on {
        launcher.enable()
    } else {
        launcher.disable()
    };
    result.map_err(|e| {
        let lang = controller(app).lang();
        CommandError::new(t!(lang, "desktop-autostart-failed", error = e.to_string()))
            .with_fix(tr_attr(lang, "desktop-autostart-failed", "fix", &[]))
    })
}

pub fn autostart_enabled(app: &AppHandle) -> bool {
    app.autolaunch().is_enabled().unwrap_or(false)
}

/// Saves the listen port and restarts the engine on it.
pub async fn set_port(ctl: &Controller, port: u16) -> Result<(), CommandError> {
    if port == 0 {
        let lang = ctl.lang();
        return Err(
            CommandError::new(t!(lang, "desktop-port-zero")).with_fix(tr_attr(
                lang,
                "desktop-port-zero",
                "fix",
                &[],
            )),
        );
    }
    save_settings(ctl, |s| s.port = Some(port))?;
    ctl.restart().await;
    Ok(())
}

/// Switches the language of the tray and the windows (and saves it); `system` follows the OS.
pub fn set_language(ctl: &Controller, choice: &str) -> Result<(), CommandError> {
    let lang = mimo2codex::i18n::Lang::resolve(Some(choice))
        .map_err(|e| CommandError::new(e.to_string()))?;
    let saved = match choice.trim() {
        "" | "system" | "auto" => None,
        _ => Some(lang.code().to_string()),
    };
    save_settings(ctl, |s| s.language = saved.clone())?;
    ctl.set_lang(lang, saved.as_deref().unwrap_or("system"));
    if let Some(handle) = ctl.handle() {
        // Codex's error text follows from the next request.
        handle.set_lang(lang);
    }
    tracing::info!("language is now {lang}");
    Ok(())
}
