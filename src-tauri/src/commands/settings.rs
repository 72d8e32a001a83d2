//! State and the settings the tray also changes.

use tauri::AppHandle;

use crate::app::refresh_and_view;
use crate::ipc::{AppView, CatalogView, CommandError};
use crate::services::{self, autostart_enabled, controller};
use crate::view::app_view;

type Answer = Result<AppView, CommandError>;

/// The state after a change: the tray and the window are refreshed, and the view returned.
pub(super) fn done(app: &AppHandle) -> Answer {
    Ok(refresh_and_view(app))
}

#[tauri::command]
pub fn get_state(app: AppHandle) -> Answer {
    Ok(app_view(&controller(&app), autostart_enabled(&app)))
}

/// `route`: `direct`, `env`, `system`, a preset name or a proxy URL.
#[tauri::command]
pub async fn set_route(app: AppHandle, route: String) -> Answer {
    let route = services::parse_route(&route)?;
    let ctl = controller(&app);
    // Resolving `system` runs an OS command: off the async workers.
    tauri::async_runtime::spawn_blocking(move || services::set_route(&ctl, route))
        .await
        .map_err(|e| CommandError::new(format!("route change interrupted: {e}")))??;
    done(&app)
}

#[tauri::command]
pub async fn set_no_proxy(app: AppHandle, no_proxy: String) -> Answer {
    services::set_no_proxy(&controller(&app), no_proxy).await?;
    done(&app)
}

#[tauri::command]
pub fn set_thinking(app: AppHandle, on: bool) -> Answer {
    services::set_thinking(&controller(&app), on)?;
    done(&app)
}

#[tauri::command]
pub fn set_default_provider(app: AppHandle, id: String) -> Answer {
    services::set_default_provider(&controller(&app), &id)?;
    done(&app)
}

#[tauri::command]
pub async fn set_port(app: AppHandle, port: u16) -> Answer {
    services::set_port(&controller(&app), port).await?;
    done(&app)
}

#[tauri::command]
pub fn set_autostart(app: AppHandle, on: bool) -> Answer {
    services::set_autostart(&app, on)?;
    done(&app)
}

#[tauri::command]
pub async fn restart_engine(app: AppHandle) -> Answer {
    controller(&app).restart().await;
    done(&app)
}

/// `system`, `en` or `zh-CN`: the tray is rebuilt and the window re-renders (State event).
#[tauri::command]
pub fn set_language(app: AppHandle, choice: String) -> Answer {
    services::set_language(&controller(&app), &choice)?;
    done(&app)
}

/// The message catalogue for `lang` (default: the language in effect).
#[tauri::command]
pub fn i18n_catalog(app: AppHandle, lang: Option<String>) -> Result<CatalogView, CommandError> {
    let lang = match lang {
        Some(code) => code.parse::<mimo2codex::i18n::Lang>()?,
        None => controller(&app).lang(),
    };
    Ok(CatalogView {
        lang: lang.code().to_string(),
        ftl: lang.ftl(),
    })
}
