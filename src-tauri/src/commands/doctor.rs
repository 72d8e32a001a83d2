//! The Diagnose view: runs the engine's doctor ([`mimo2codex::doctor`]) with live progress events.
//!
//! The checks run against what the engine actually uses: the configuration `mimo2codex doctor`
//! reads (environment, `.env`, settings.json, providers.json, CA file), overlaid with the
//! controller's current view — the running engine's live registry and route, else the last
//! configuration it was started with — and the port it listens on.
//!
//! When the configuration cannot be read at all (a broken providers.json, a bad `MIMO2CODEX_*`
//! value…), the local checks (proxy variables, NO_PROXY, port, Codex config, CA, route, proxy app)
//! still run and a failing `config` check comes first, saying what is wrong; the provider checks are
//! left out, since there are no providers to check. When only the re-read fails but the engine
//! has a configuration (it runs, or ran), that one is checked and the `config` check is a warning.
//! (A missing provider key is not a configuration failure: the provider's checks report it.)
//!
//! One run at a time: a call while a run is in progress joins it (no second run starts) and gets
//! the same summary.

use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};

use mimo2codex::cli::CommonArgs;
use mimo2codex::codex_config::{resolve_codex_home, CodexPaths};
use mimo2codex::doctor::{Check, CheckStatus, DoctorContext};
use mimo2codex::engine::NetworkConfig;
use mimo2codex::provider::{ProviderProfile, ProviderRegistry};
use mimo2codex::upstream::OutboundRoute;
use tauri::{AppHandle, Emitter};
use tokio::sync::watch;

use crate::control::{self, ConfigView, Controller};
use crate::ipc::{CheckView, CommandError, DoctorSummary, UiEvent, EVENT};
use crate::services;
use crate::window::MAIN;

type Outcome = Result<DoctorSummary, CommandError>;

/// The run in progress: its number and where its outcome will appear.
struct Current {
    run: u64,
    outcome: watch::Receiver<Option<Outcome>>,
}

/// The diagnosis in progress, if any (app state: one run at a time per app).
#[derive(Default)]
pub struct DoctorRuns {
    current: Mutex<Option<Current>>,
    runs: std::sync::atomic::AtomicU64,
}

impl DoctorRuns {
    fn current(&self) -> MutexGuard<'_, Option<Current>> {
        self.current
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Id of the `config` check (the configuration could not be read).
const CONFIG_CHECK: &str = "config";
/// The placeholder provider used when no configuration could be read (its checks are dropped).
const PLACEHOLDER: &str = "unconfigured";

#[tauri::command]
pub async fn run_doctor(
    app: AppHandle,
    runs: tauri::State<'_, Arc<DoctorRuns>>,
) -> Result<DoctorSummary, CommandError> {
    let outcome = start_or_join(runs.inner(), move || async move { diagnose(&app).await });
    wait(outcome).await
}

/// Starts a run (`start()`) unless one is in progress; either way, the receiver of its outcome.
fn start_or_join<F>(
    runs: &Arc<DoctorRuns>,
    start: impl FnOnce() -> F,
) -> watch::Receiver<Option<Outcome>>
where
    F: Future<Output = Outcome> + Send + 'static,
{
    let mut slot = runs.current();
    if let Some(running) = slot.as_ref() {
        tracing::debug!("diagnosis already running: joining it");
        return running.outcome.clone();
    }
    let run = runs.runs.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
    let (tx, rx) = watch::channel(None);
    *slot = Some(Current {
        run,
        outcome: rx.clone(),
    });
    let guard = RunGuard {
        runs: runs.clone(),
        run,
        tx,
    };
    let job = start();
    tauri::async_runtime::spawn(async move {
        let outcome = job.await;
        guard.finish(outcome);
    });
    rx
}

async fn wait(mut outcome: watch::Receiver<Option<Outcome>>) -> Outcome {
    let result = match outcome.wait_for(Option::is_some).await {
        Ok(done) => done.clone(),
        Err(_) => None,
    };
    result.unwrap_or_else(|| {
        Err(CommandError::new("the diagnosis stopped unexpectedly")
            .with_fix("click Run checks again; if it happens again, see the Log view"))
    })
}

/// Ends the run: clears the current run (also if the run panics) and publishes the outcome.
struct RunGuard {
    runs: Arc<DoctorRuns>,
    run: u64,
    tx: watch::Sender<Option<Outcome>>,
}

impl RunGuard {
    fn finish(self, outcome: Outcome) {
        self.clear();
        // Nobody waiting (the window was closed) is fine.
        let _ = self.tx.send(Some(outcome));
    }

    fn clear(&self) {
        let mut slot = self.runs.current();
        if slot.as_ref().is_some_and(|c| c.run == self.run) {
            *slot = None;
        }
    }
}

impl Drop for RunGuard {
    fn drop(&mut self) {
        self.clear();
    }
}

/// What the run checks, and the `config` check when the configuration could not be (re)read.
struct Prepared {
    ctx: DoctorContext,
    config_check: Option<Check>,
}

impl Prepared {
    /// No providers were configured: their checks are the placeholder's, not worth showing.
    fn without_providers(&self) -> bool {
        self.config_check
            .as_ref()
            .is_some_and(|c| c.status == CheckStatus::Fail)
    }
}

async fn diagnose(app: &AppHandle) -> Outcome {
    let ctl = services::controller(app);
    // Reading the configuration reads files (and may log a warning).
    let prepared = tauri::async_runtime::spawn_blocking(move || prepare(&ctl))
        .await
        .map_err(|e| CommandError::new(format!("cannot read the configuration: {e}")))??;
    tracing::info!("diagnosis started");
    let shown = check_all(&prepared, |view| {
        emit(
            app,
            UiEvent::DoctorCheck {
                check: view.clone(),
            },
        )
    })
    .await;
    let summary = summarize(&shown);
    tracing::info!(
        "diagnosis done: {} passed, {} warning(s), {} failed, {} skipped",
        summary.ok,
        summary.warn,
        summary.fail,
        summary.skip
    );
    emit(
        app,
        UiEvent::DoctorDone {
            summary: summary.clone(),
        },
    );
    Ok(summary)
}

/// Runs the checks, passing each one shown to `progress` as it finishes; all of them, in that order.
async fn check_all(prepared: &Prepared, mut progress: impl FnMut(&CheckView)) -> Vec<CheckView> {
    let skip_providers = prepared.without_providers();
    let mut shown: Vec<CheckView> = Vec::new();
    let mut show = |check: &Check| {
        let view = check_view(check);
        progress(&view);
        shown.push(view);
    };
    if let Some(check) = &prepared.config_check {
        show(check);
    }
    mimo2codex::doctor::run_doctor(&prepared.ctx, |check| {
        if !(skip_providers && check.id.starts_with("provider.")) {
            show(check);
        }
    })
    .await;
    shown
}

fn emit(app: &AppHandle, event: UiEvent) {
    if let Err(err) = app.emit_to(MAIN, EVENT, event) {
        tracing::debug!("cannot send a diagnosis event to the window: {err}");
    }
}

/// The doctor's context for what the engine uses now (the provider "Test" button).
pub fn context(ctl: &Controller) -> Result<DoctorContext, CommandError> {
    prepare(ctl).map(|p| p.ctx)
}

/// Builds the doctor's context from the configuration files and the controller's current view.
fn prepare(ctl: &Controller) -> Result<Prepared, CommandError> {
    let data_dir = ctl.data_dir();
    let view = ctl.config_view();
    let common = control::common_args_from_env();
    let loaded = common
        .clone()
        .and_then(|c| mimo2codex::cli::doctor::context(&c, data_dir));
    let common = common.ok();
    let known_registry = view.as_ref().and_then(|v| v.registry.clone());
    let (mut ctx, config_check) = match (loaded, known_registry) {
        (Ok(ctx), _) => (ctx, None),
        (Err(err), Some(registry)) => {
            let check = Check::new(
                CONFIG_CHECK,
                "Configuration",
                CheckStatus::Warn,
                format!(
                    "cannot read the configuration again ({err}); checking the one the proxy was started with"
                ),
            )
            .with_fix(format!(
                "Fix the setting named above (in {} or the MIMO2CODEX_* environment), then click Restart proxy",
                data_dir.display()
            ));
            (
                fallback_context(ctl, common.as_ref(), (*registry).clone()),
                Some(check),
            )
        }
        (Err(err), None) => {
            let registry = ProviderRegistry::from_profiles(
                vec![ProviderProfile {
                    id: PLACEHOLDER.into(),
                    ..ProviderProfile::default()
                }],
                PLACEHOLDER,
            )
            .map_err(|e| CommandError::new(format!("cannot prepare the checks: {e}")))?;
            let check = Check::new(
                CONFIG_CHECK,
                "Configuration",
                CheckStatus::Fail,
                format!("{err}; the providers cannot be checked until the configuration loads"),
            )
            .with_fix(format!(
                "Fix the setting named above (in {} or the MIMO2CODEX_* environment), then click Restart proxy and run the checks again",
                data_dir.display()
            ));
            (
                fallback_context(ctl, common.as_ref(), registry),
                Some(check),
            )
        }
    };
    if let Some(view) = &view {
        Live::of(view).apply(&mut ctx);
    }
    ctx.codex = Some(CodexPaths::new(resolve_codex_home(None), data_dir));
    // The window's language, which may differ from what the files say (a live switch).
    ctx.lang = ctl.lang();
    Ok(Prepared { ctx, config_check })
}

/// What the engine runs with (or was last started with): it wins over the files read now.
struct Live {
    registry: Option<Arc<ProviderRegistry>>,
    route: OutboundRoute,
    no_proxy: String,
    port: u16,
}

impl Live {
    fn of(view: &ConfigView) -> Live {
        Live {
            registry: view.registry.clone(),
            route: view.route.clone(),
            no_proxy: view.no_proxy.clone(),
            port: view.port,
        }
    }

    fn apply(self, ctx: &mut DoctorContext) {
        if let Some(registry) = self.registry {
            ctx.registry = (*registry).clone();
        }
        ctx.network.route = self.route;
        ctx.network.no_proxy = self.no_proxy;
        ctx.port = self.port;
    }
}

/// A context from whatever can be read when the full configuration cannot.
fn fallback_context(
    ctl: &Controller,
    common: Option<&CommonArgs>,
    registry: ProviderRegistry,
) -> DoctorContext {
    let data_dir = ctl.data_dir();
    let env = mimo2codex::cli::load_env(data_dir)
        .unwrap_or_else(|_| mimo2codex::provider::env_file::process_env().collect());
    let settings = mimo2codex::settings::Settings::load(data_dir).settings;
    let network = common
        .and_then(|c| mimo2codex::settings::network_config(c, &env, &settings).ok())
        .unwrap_or_else(|| NetworkConfig {
            route: settings.proxy.clone(),
            no_proxy: settings.no_proxy.clone(),
            ca_file: mimo2codex::upstream::tls::ca_file_choice(None, &env),
            persist: false,
        });
    let mut ctx = DoctorContext::new(registry, network);
    ctx.no_proxy_from_env = mimo2codex::config::env_flag(&env, "MIMO2CODEX_NO_PROXY_FROM_ENV");
    match common {
        Some(c) => {
            ctx.host = c.host.clone();
            ctx.port = mimo2codex::cli::effective_port_with(c, &settings).value;
        }
        None => ctx.port = settings.port.unwrap_or(mimo2codex::engine::DEFAULT_PORT),
    }
    ctx
}

/// The window's name for a status.
pub fn status_name(status: CheckStatus) -> &'static str {
    match status {
        CheckStatus::Pass => "ok",
        CheckStatus::Warn => "warn",
        CheckStatus::Fail => "fail",
        CheckStatus::Skip => "skip",
    }
}

/// A check as the window shows it (the doctor already masks keys and proxy passwords).
pub fn check_view(check: &Check) -> CheckView {
    CheckView {
        id: check.id.clone(),
        title: check.title.clone(),
        status: status_name(check.status).to_string(),
        detail: check.detail.clone(),
        fix: check.fix.clone(),
    }
}

/// Counts the checks shown; the run passed when none failed ("info" is counted nowhere).
pub fn summarize(checks: &[CheckView]) -> DoctorSummary {
    let count = |status: &str| {
        let n = checks.iter().filter(|c| c.status == status).count();
        u32::try_from(n).unwrap_or(u32::MAX)
    };
    let fail = count("fail");
    DoctorSummary {
        ok: count("ok"),
        warn: count("warn"),
        fail,
        skip: count("skip"),
        passed: fail == 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_map_to_the_window_view() {
        let mut check = Check::new(
            "provider.deepseek.tls",
            "deepseek: TLS + API key",
            CheckStatus::Fail,
            "the key was refused",
        )
        .with_fix("set DS_API_KEY");
        check.code = Some("HTTP_401".into());
        assert_eq!(
            check_view(&check),
            CheckView {
                id: "provider.deepseek.tls".into(),
                title: "deepseek: TLS + API key".into(),
                status: "fail".into(),
                detail: "the key was refused".into(),
                fix: Some("set DS_API_KEY".into()),
            }
        );
        let pass = Check::new("route", "Outbound route", CheckStatus::Pass, "direct");
        assert_eq!(check_view(&pass).fix, None);
        let names: Vec<&str> = [
            CheckStatus::Pass,
            CheckStatus::Warn,
            CheckStatus::Fail,
            CheckStatus::Skip,
        ]
        .into_iter()
        .map(status_name)
        .collect();
        assert_eq!(names, ["ok", "warn", "fail", "skip"]);
    }

    #[test]
    fn summary_counts_each_status() {
        let view = |status: CheckStatus| check_view(&Check::new("x", "X", status, ""));
        let checks = vec![
            view(CheckStatus::Pass),
            view(CheckStatus::Pass),
            view(CheckStatus::Warn),
            view(CheckStatus::Skip),
        ];
        assert_eq!(
            summarize(&checks),
            DoctorSummary {
                ok: 2,
                warn: 1,
                fail: 0,
                skip: 1,
                passed: true,
            }
        );
        let mut failing = checks.clone();
        failing.push(view(CheckStatus::Fail));
        failing.push(CheckView {
            status: "info".into(),
            ..view(CheckStatus::Pass)
        });
        let summary = summarize(&failing);
        assert_eq!((summary.ok, summary.fail), (2, 1));
        assert!(!summary.passed);
        assert_eq!(
            summarize(&[]),
            DoctorSummary {
                ok: 0,
                warn: 0,
                fail: 0,
                skip: 0,
                passed: true,
            }
        );
    }

    #[test]
    fn the_live_configuration_wins() {
        let registry = |id: &str| {
            ProviderRegistry::from_profiles(
                vec![ProviderProfile {
                    id: id.into(),
                    base_url: "https://example.invalid/v1".into(),
                    ..ProviderProfile::default()
                }],
                id,
            )
            .expect("registry")
        };
        let mut ctx = DoctorContext::new(registry("from-files"), NetworkConfig::default());
        Live {
            registry: Some(Arc::new(registry("live"))),
            route: OutboundRoute::Direct,
            no_proxy: "corp.example".into(),
            port: 9911,
        }
        .apply(&mut ctx);
        assert_eq!(ctx.registry.default_provider().id, "live");
        assert_eq!(ctx.network.route, OutboundRoute::Direct);
        assert_eq!(ctx.network.no_proxy, "corp.example");
        assert_eq!(ctx.port, 9911);
    }

    #[tokio::test]
    async fn a_broken_configuration_still_runs_the_local_checks() {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::write(dir.path().join("providers.json"), "{ not json").expect("write");
        let ctl = Controller::new(dir.path().to_path_buf());
        let mut prepared = prepare(&ctl).expect("prepared");
        let config = prepared.config_check.clone().expect("config check");
        assert_eq!(config.id, CONFIG_CHECK);
        assert_eq!(config.status, CheckStatus::Fail);
        assert!(config.detail.contains("providers.json"), "{config:?}");
        assert!(config.fix.is_some());
        // Quick and offline: no proxy-app scan, no Codex config.
        prepared.ctx.detect = None;
        prepared.ctx.codex = None;
        let mut seen = Vec::new();
        let shown = check_all(&prepared, |c| seen.push(c.id.clone())).await;
        let ids: Vec<&str> = shown.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids.first(), Some(&CONFIG_CHECK), "{ids:?}");
        for local in ["env.proxy_vars", "env.no_proxy", "engine.port", "route"] {
            assert!(ids.contains(&local), "{local} missing from {ids:?}");
        }
        assert!(!ids.iter().any(|id| id.starts_with("provider.")), "{ids:?}");
        assert_eq!(seen, ids, "every check shown went through progress");
        assert!(!summarize(&shown).passed);
    }

    #[tokio::test]
    async fn a_second_run_joins_the_one_in_progress() {
        let started = Arc::new(std::sync::atomic::AtomicU32::new(0));
        let (release, released) = tokio::sync::oneshot::channel::<()>();
        let job = |started: Arc<std::sync::atomic::AtomicU32>, released| {
            move || async move {
                started.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let _ = released.await;
                Ok(summarize(&[]))
            }
        };
        let runs = Arc::new(DoctorRuns::default());
        let first = start_or_join(&runs, job(started.clone(), released));
        let (_unused, never) = tokio::sync::oneshot::channel::<()>();
        let second = start_or_join(&runs, job(started.clone(), never));
        release.send(()).expect("release");
        let (a, b) = tokio::join!(wait(first), wait(second));
        assert_eq!(a.expect("first"), b.expect("second"));
        assert_eq!(started.load(std::sync::atomic::Ordering::SeqCst), 1);
        // Once it ended, the next call runs again.
        let third = start_or_join(&runs, || async { Err(CommandError::new("boom")) });
        assert_eq!(wait(third).await.expect_err("third").message, "boom");
        // A run that panics ends as an error, and does not block the next one.
        let panics = start_or_join(&runs, || async { panic!("checks panicked") });
        assert!(wait(panics).await.is_err());
        let after = start_or_join(&runs, || async { Ok(summarize(&[])) });
        assert!(wait(after).await.is_ok());
    }
}
