//! Codex integration from the Settings view: the same `codex_config` operations as
//! `mimo2codex codex enable|disable|status`.

use mimo2codex::codex_config::status::StatusReport;
use mimo2codex::codex_config::{
    self, catalog_models, engine_base_url, resolve_codex_home, resolve_model, CodexPaths,
    DisableOutcome, EnableOptions,
};
use tauri::AppHandle;

use crate::control::Controller;
use crate::ipc::{CodexView, CommandError};
use crate::services::controller;

fn paths(ctl: &Controller) -> CodexPaths {
    CodexPaths::new(resolve_codex_home(None), ctl.data_dir())
}

/// The base URL Codex must use for the engine as configured now.
fn base_url(ctl: &Controller) -> String {
    let port = ctl
        .config_view()
        .map(|c| c.port)
        .unwrap_or(mimo2codex::engine::DEFAULT_PORT);
    engine_base_url("127.0.0.1", port)
}

/// The window's summary of a status report.
pub fn codex_view(report: &StatusReport) -> CodexView {
    let path = report.config_path.display().to_string();
    let model = report.model.clone();
    let (summary, fix) = if !report.enabled {
        (
            format!("Codex does not use mimo2codex ({path})."),
            Some("Click \"Point Codex here\" to set it up; your other settings stay.".to_string()),
        )
    } else if !report.port_matches() {
        (
            format!(
                "Codex points at {} but the proxy serves {}.",
                report.base_url.as_deref().unwrap_or("?"),
                report.expected_base_url
            ),
            Some("Click \"Point Codex here\" again to update the address.".to_string()),
        )
    } else {
        (
            format!(
                "Codex uses mimo2codex at {} with model {}.",
                report.expected_base_url,
                model.as_deref().unwrap_or("(default)")
            ),
            None,
        )
    };
    let mut summary = summary;
    for w in &report.warnings {
        summary.push(' ');
        summary.push_str(w);
    }
    CodexView {
        config_path: path,
        enabled: report.enabled,
        model,
        port_matches: report.port_matches(),
        summary,
        fix,
    }
}

fn config_error(err: codex_config::CodexConfigError) -> CommandError {
    CommandError::new(err.to_string())
        .with_fix("fix or move ~/.codex/config.toml, then try again; nothing was changed")
}

fn status_now(ctl: &Controller) -> Result<CodexView, CommandError> {
    codex_config::status(&paths(ctl), &base_url(ctl))
        .map(|r| codex_view(&r))
        .map_err(config_error)
}

/// Runs blocking file work (and the health probe) off the async workers.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, CommandError> + Send + 'static,
) -> Result<T, CommandError> {
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(|e| CommandError::new(format!("interrupted: {e}")))?
}

#[tauri::command]
pub async fn codex_status(app: AppHandle) -> Result<CodexView, CommandError> {
    let ctl = controller(&app);
    blocking(move || status_now(&ctl)).await
}

/// Points Codex at the engine with `model` (default: the default provider's default model).
#[tauri::command]
pub async fn codex_enable(
    app: AppHandle,
    model: Option<String>,
) -> Result<CodexView, CommandError> {
    let ctl = controller(&app);
    blocking(move || {
        let registry = ctl.config_view().and_then(|c| c.registry).ok_or_else(|| {
            CommandError::new("no provider is configured yet")
                .with_fix("add an API key under Providers first")
        })?;
        let model = resolve_model(&registry, model.as_deref()).map_err(config_error)?;
        let opts = EnableOptions {
            catalog: catalog_models(&registry, &model),
            model,
            base_url: base_url(&ctl),
        };
        let report = codex_config::enable(&paths(&ctl), &opts).map_err(config_error)?;
        tracing::info!(
            "codex: {} {} (model {})",
            if report.changed {
                "pointed at"
            } else {
                "already at"
            },
            report.base_url,
            report.model
        );
        status_now(&ctl)
    })
    .await
}

/// Undoes `codex_enable` (restores the backup when nothing else changed).
#[tauri::command]
pub async fn codex_disable(app: AppHandle) -> Result<CodexView, CommandError> {
    let ctl = controller(&app);
    blocking(move || {
        let report = codex_config::disable(&paths(&ctl)).map_err(config_error)?;
        let what = match report.outcome {
            DisableOutcome::RestoredBackup(_) => "restored from backup",
            DisableOutcome::RemovedCreatedFile => "removed (mimo2codex had created it)",
            DisableOutcome::Edited => "mimo2codex keys removed",
            DisableOutcome::NotEnabled => "unchanged",
        };
        tracing::info!("codex: {} {what}", report.config_path.display());
        status_now(&ctl)
    })
    .await
}
