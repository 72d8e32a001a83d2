//! `mimo2codex doctor`: the command-line face of [`crate::doctor`].

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;

use super::{load_inputs, new_runtime, CommonArgs, EXIT_CONFIG, EXIT_RUNTIME};
use crate::codex_config::{resolve_codex_home, CodexPaths};
use crate::config::env_flag;
use crate::doctor::{run_doctor, Check, CheckStatus, DoctorContext, DoctorReport};

/// `mimo2codex doctor`
#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Print the checks as one JSON object (`{"ok", "summary", "checks": [...]}`) instead of text.
    #[arg(long)]
    pub json: bool,
    /// Seconds each connect (TCP, proxy handshake, DNS lookup) may take.
    #[arg(long, value_name = "SECS", default_value_t = 3.0)]
    pub connect_timeout: f64,
    /// Codex's config directory [default: $CODEX_HOME, else ~/.codex].
    #[arg(long, env = "CODEX_HOME")]
    pub codex_home: Option<PathBuf>,
    /// Do not look for proxy apps (process list and preset ports).
    #[arg(long)]
    pub no_detect: bool,
}

fn print_check(check: &Check) {
    println!(
        "{} {}: {}",
        check.status.symbol(),
        check.title,
        check.detail
    );
    if let Some(fix) = &check.fix {
        if check.status != CheckStatus::Pass {
            println!("    fix: {fix}");
        } else {
            println!("    {fix}");
        }
    }
}

fn summary(report: &DoctorReport) -> serde_json::Value {
    serde_json::json!({
        "pass": report.count(CheckStatus::Pass),
        "warn": report.count(CheckStatus::Warn),
        "fail": report.count(CheckStatus::Fail),
        "skip": report.count(CheckStatus::Skip),
    })
}

/// What the doctor checks, from the configuration `serve` would run with (flags and variables,
/// `.env`, settings.json, providers.json) — for `doctor` and the desktop's per-provider "Test"
/// ([`crate::doctor::test_provider`]). The error says what is wrong with the configuration.
pub fn context(common: &CommonArgs, data_dir: &Path) -> Result<DoctorContext, String> {
    let inputs = load_inputs(common, data_dir)?;
    let network = crate::settings::network_config(common, &inputs.env, &inputs.settings)
        .map_err(|e| e.to_string())?;
    let mut ctx = DoctorContext::new(inputs.registry, network);
    ctx.no_proxy_from_env = env_flag(&inputs.env, "MIMO2CODEX_NO_PROXY_FROM_ENV");
    ctx.host = common.host.clone();
    ctx.port = inputs.effective.port.value;
    Ok(ctx)
}

/// Runs the checks; exit 0 when none failed, 1 when one did, 2 for bad configuration.
pub fn run(args: &DoctorArgs, common: &CommonArgs, data_dir: &Path) -> i32 {
    let mut ctx = match context(common, data_dir) {
        Ok(ctx) => ctx,
        Err(err) => {
            eprintln!("error: {err}");
            return EXIT_CONFIG;
        }
    };
    if !(args.connect_timeout.is_finite() && args.connect_timeout > 0.0) {
        eprintln!("error: --connect-timeout must be a positive number of seconds");
        return EXIT_CONFIG;
    }
    let connect_timeout = Duration::from_secs_f64(args.connect_timeout.min(60.0));
    ctx.codex = Some(CodexPaths::new(
        resolve_codex_home(args.codex_home.as_deref()),
        data_dir,
    ));
    ctx.connect_timeout = connect_timeout;
    ctx.request_timeout = (connect_timeout * 3).max(Duration::from_secs(10));
    if args.no_detect {
        ctx.detect = None;
    }
    let runtime = match new_runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let json = args.json;
    if !json {
        println!(
            "mimo2codex doctor: Codex → mimo2codex ({}:{}) → proxy → provider",
            ctx.host, ctx.port
        );
    }
    let report = runtime.block_on(run_doctor(&ctx, |check| {
        if !json {
            print_check(check);
        }
    }));
    if json {
        let out = serde_json::json!({
            "ok": report.ok(),
            "summary": summary(&report),
            "checks": report.checks,
        });
        match serde_json::to_string_pretty(&out) {
            Ok(text) => println!("{text}"),
            Err(err) => {
                eprintln!("error: cannot encode the report: {err}");
                return EXIT_RUNTIME;
            }
        }
    } else {
        println!(
            "{} passed, {} warning(s), {} failed, {} skipped",
            report.count(CheckStatus::Pass),
            report.count(CheckStatus::Warn),
            report.count(CheckStatus::Fail),
            report.count(CheckStatus::Skip)
        );
    }
    if report.ok() {
        0
    } else {
        EXIT_RUNTIME
    }
}
