//! The window's commands: thin wrappers that call `services` (shared with the tray) or the engine's
//! public API, then refresh the tray and the window. Every failure is a [`CommandError`] with a fix
//! where one is known; nothing here panics on user input.

mod codex;
mod doctor;
mod log;
mod providers;
mod settings;

use tauri::ipc::Invoke;

pub use doctor::DoctorRuns;

/// All commands, for `Builder::invoke_handler`.
pub fn handler() -> impl Fn(Invoke) -> bool + Send + Sync + 'static {
    tauri::generate_handler![
        settings::get_state,
        settings::set_route,
        settings::set_no_proxy,
        settings::set_thinking,
        settings::set_default_provider,
        settings::set_port,
        settings::set_autostart,
        settings::restart_engine,
        settings::set_language,
        settings::i18n_catalog,
        providers::save_provider_key,
        providers::test_provider,
        codex::codex_status,
        codex::codex_enable,
        codex::codex_disable,
        doctor::run_doctor,
        log::log_open,
        log::log_close,
    ]
}
