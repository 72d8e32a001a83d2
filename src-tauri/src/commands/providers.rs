//! Providers in the Settings view: save a key (to the data dir's .env) and test a provider with the
//! doctor's hop checks (DNS, connect or tunnel, TLS, then the key on `GET /models`).

use tauri::AppHandle;

use crate::ipc::{AppView, CommandError, ProviderTestView};
use crate::services::{self, controller};

#[tauri::command]
pub async fn save_provider_key(
    app: AppHandle,
    provider: String,
    key: String,
) -> Result<AppView, CommandError> {
    services::save_provider_key(&controller(&app), &provider, &key).await?;
    super::settings::done(&app)
}

#[tauri::command]
pub async fn test_provider(
    app: AppHandle,
    provider: String,
) -> Result<ProviderTestView, CommandError> {
    let ctl = controller(&app);
    let ctx = super::doctor::context(&ctl)?;
    let checks = mimo2codex::doctor::test_provider(&ctx, &provider)
        .await
        .map_err(|e| CommandError::new(e.message(ctx.lang)))?;
    let checks: Vec<_> = checks.iter().map(super::doctor::check_view).collect();
    let passed = checks.iter().all(|c| c.status != "fail");
    tracing::info!(
        "tested provider {provider}: {}",
        if passed { "ok" } else { "failed" }
    );
    Ok(ProviderTestView {
        provider,
        passed,
        checks,
    })
}
