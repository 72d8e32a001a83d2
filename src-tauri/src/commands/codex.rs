//! Codex integration from the Settings view: the same `codex_config` operations as
//! `mimo2codex codex enable|disable|status`.

use mimo2codex::codex_config::status::StatusReport;
use mimo2codex::codex_config::{
    self, catalog_models, engine_base_url, resolve_codex_home, resolve_model, CodexPaths,
    DisableOutcome, EnableOptions,
};
use mimo2codex::i18n::{tr_attr, Lang};
use mimo2codex::t;
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
pub fn codex_view(report: &StatusReport, lang: Lang) -> CodexView {
    let path = report.config_path.display().to_string();
    let model = report.model.clone();
    let (summary, fix) = if !report.enabled {
        (
            t!(lang, "desktop-codex-off", path = path.as_str()),
            Some(tr_attr(lang, "desktop-codex-off", "fix", &[])),
        )
    } else if !report.port_matches() {
        (
            t!(
                lang,
                "desktop-codex-elsewhere",
                url = report.base_url.as_deref().unwrap_or("?"),
                expected = report.expected_base_url.as_str()
            ),
            Some(tr_attr(lang, "desktop-codex-elsewhere", "fix", &[])),
        )
    } else {
        let default = t!(lang, "desktop-codex-default-model");
        (
            t!(
                lang,
                "desktop-codex-on",
                url = report.expected_base_url.as_str(),
                model = model.as_deref().unwrap_or(&default)
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

fn config_error(err: codex_config::CodexConfigError, lang: Lang) -> CommandError {
    CommandError::new(err.text(lang)).with_fix(t!(lang, "desktop-codex-untouched"))
}

fn status_now(ctl: &Controller) -> Result<CodexView, CommandError> {
    let lang = ctl.lang();
    codex_config::status_in(&paths(ctl), &base_url(ctl), lang)
        .map(|r| codex_view(&r, lang))
        .map_err(|e| config_error(e, lang))
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
        let lang = ctl.lang();
        let registry = ctl.config_view().and_then(|c| c.registry).ok_or_else(|| {
            CommandError::new(t!(lang, "desktop-no-provider")).with_fix(tr_attr(
                lang,
                "desktop-no-provider",
                "fix",
                &[],
            ))
        })?;
        let model =
            resolve_model(&registry, model.as_deref()).map_err(|e| config_error(e, lang))?;
        let opts = EnableOptions {
            catalog: catalog_models(&registry, &model),
            model,
            base_url: base_url(&ctl),
        };
        let report = codex_config::enable_in(&paths(&ctl), &opts, lang)
            .map_err(|e| config_error(e, lang))?;
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
        let report =
            codex_config::disable(&paths(&ctl)).map_err(|e| config_error(e, ctl.lang()))?;
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
