//! `mimo2codex doctor`: the command-line face of [`crate::doctor`].

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;

use super::{load_inputs, new_runtime, CommonArgs, EXIT_CONFIG, EXIT_RUNTIME};
use crate::codex_config::{resolve_codex_home, CodexPaths};
use crate::config::env_flag;
use crate::doctor::{run_doctor, Check, CheckStatus, DoctorContext, DoctorReport};
use crate::i18n::Lang;
use crate::t;

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

fn print_check(lang: Lang, check: &Check) {
    println!(
        "{}",
        t!(
            lang,
            "doctor-cli-check",
            symbol = check.status.symbol(),
            title = check.title.as_str(),
            detail = check.detail.as_str()
        )
    );
    if let Some(fix) = &check.fix {
        if check.status != CheckStatus::Pass {
            println!("    {}", t!(lang, "doctor-cli-fix", fix = fix.as_str()));
        } else {
            println!("    {fix}");
        }
    }
}

/// `3 passed, 1 warning, 1 failed, 0 skipped`, in `lang`.
fn summary_line(lang: Lang, report: &DoctorReport) -> String {
    t!(
        lang,
        "doctor-cli-summary",
        pass = report.count(CheckStatus::Pass),
        warn = report.count(CheckStatus::Warn),
        fail = report.count(CheckStatus::Fail),
        skip = report.count(CheckStatus::Skip)
    )
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
/// `.env`, settings.json, providers.json), in the CLI's language (`--lang`, `MIMO2CODEX_LANG`,
/// settings.json, else the OS) — for `doctor` and the desktop's per-provider "Test"
/// ([`crate::doctor::test_provider`]). The error says what is wrong with the configuration.
pub fn context(common: &CommonArgs, data_dir: &Path) -> Result<DoctorContext, String> {
    let inputs = load_inputs(common, data_dir)?;
    let network = crate::settings::network_config(common, &inputs.env, &inputs.settings)
        .map_err(|e| e.to_string())?;
    let mut ctx = DoctorContext::new(inputs.registry, network);
    ctx.lang = super::language(common, &inputs.settings).map_err(|e| e.to_string())?;
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
            super::error(super::cli_lang(), &err);
            return EXIT_CONFIG;
        }
    };
    let lang = ctx.lang;
    if !(args.connect_timeout.is_finite() && args.connect_timeout > 0.0) {
        super::error(lang, &t!(lang, "doctor-cli-bad-timeout"));
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
            "{}",
            t!(
                lang,
                "doctor-cli-header",
                host = ctx.host.as_str(),
                port = ctx.port
            )
        );
    }
    let report = runtime.block_on(run_doctor(&ctx, |check| {
        if !json {
            print_check(lang, check);
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
                super::error(
                    lang,
                    &t!(lang, "doctor-cli-encode-error", error = err.to_string()),
                );
                return EXIT_RUNTIME;
            }
        }
    } else {
        println!("{}", summary_line(lang, &report));
    }
    if report.ok() {
        0
    } else {
        EXIT_RUNTIME
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_line_in_both_languages() {
        let report = DoctorReport {
            checks: vec![
                Check::new("a", "A", CheckStatus::Pass, ""),
                Check::new("b", "B", CheckStatus::Pass, ""),
                Check::new("c", "C", CheckStatus::Warn, ""),
                Check::new("d", "D", CheckStatus::Fail, ""),
            ],
        };
        assert_eq!(
            summary_line(Lang::En, &report),
            "2 passed, 1 warning, 1 failed, 0 skipped"
        );
        let two_warnings = DoctorReport {
            checks: vec![
                Check::new("c", "C", CheckStatus::Warn, ""),
                Check::new("e", "E", CheckStatus::Warn, ""),
            ],
        };
        assert_eq!(
            summary_line(Lang::En, &two_warnings),
            "0 passed, 2 warnings, 0 failed, 0 skipped"
        );
        assert_eq!(
            summary_line(Lang::ZhCn, &report),
            "通过 2 项，警告 1 项，失败 1 项，跳过 0 项"
        );
        assert_eq!(t!(Lang::ZhCn, "doctor-cli-fix", fix = "x"), "解决办法：x");
        assert_eq!(
            t!(
                Lang::En,
                "doctor-cli-header",
                host = "127.0.0.1",
                port = 8788u16
            ),
            "mimo2codex doctor: Codex → mimo2codex (127.0.0.1:8788) → proxy → provider"
        );
    }
}
