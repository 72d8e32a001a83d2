//! `mimo2codex codex enable|disable|status`: the command-line face of [`crate::codex_config`].

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use super::{effective_port, load_inputs_or_exit, CommonArgs, EXIT_CONFIG, EXIT_RUNTIME};
use crate::codex_config::{
    self, catalog_models, engine_base_url, resolve_codex_home, resolve_model, CodexConfigError,
    CodexPaths, DisableOutcome, EnableOptions,
};

/// Exit code of `codex status` when Codex does not point at mimo2codex.
pub const EXIT_NOT_ENABLED: i32 = 3;

/// `mimo2codex codex …`
#[derive(Debug, Args)]
pub struct CodexArgs {
    #[command(subcommand)]
    pub action: CodexAction,
    /// Codex's config directory [default: $CODEX_HOME, else ~/.codex].
    #[arg(long, global = true, env = "CODEX_HOME")]
    pub codex_home: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum CodexAction {
    /// Point Codex (CLI and Desktop) at this engine: edits config.toml in place (backup first),
    /// writes the model catalog. Use the global --provider to pick the provider, --host/--port for
    /// the address the engine listens on.
    Enable {
        /// Model Codex starts with [default: the provider's default model].
        #[arg(long)]
        model: Option<String>,
    },
    /// Put Codex's previous settings back (byte-identical when nothing else changed).
    Disable,
    /// Show whether Codex points at this engine and whether it answers. Exit 3 when not enabled.
    Status,
}

/// Runs a `codex` subcommand; returns the exit code.
pub fn run(args: &CodexArgs, common: &CommonArgs, data_dir: &Path) -> i32 {
    let paths = CodexPaths::new(resolve_codex_home(args.codex_home.as_deref()), data_dir);
    match &args.action {
        CodexAction::Enable { model } => enable(&paths, common, model.as_deref()),
        CodexAction::Disable => disable(&paths),
        CodexAction::Status => status(&paths, common),
    }
}

fn exit_code(err: &CodexConfigError) -> i32 {
    match err {
        CodexConfigError::InvalidToml { .. }
        | CodexConfigError::NotUtf8 { .. }
        | CodexConfigError::Unsupported { .. }
        | CodexConfigError::BadState { .. }
        | CodexConfigError::Model(_) => EXIT_CONFIG,
        CodexConfigError::ReadOnly { .. } | CodexConfigError::Io { .. } => EXIT_RUNTIME,
    }
}

fn fail(err: &CodexConfigError) -> i32 {
    eprintln!("error: {err}");
    exit_code(err)
}

fn enable(paths: &CodexPaths, common: &CommonArgs, model: Option<&str>) -> i32 {
    let inputs = match load_inputs_or_exit(common, &paths.data_dir) {
        Ok(inputs) => inputs,
        Err(code) => return code,
    };
    let registry = &inputs.registry;
    let model = match resolve_model(registry, model) {
        Ok(m) => m,
        Err(err) => return fail(&err),
    };
    let opts = EnableOptions {
        catalog: catalog_models(registry, &model),
        model,
        base_url: engine_base_url(&common.host, inputs.effective.port.value),
    };
    match codex_config::enable(paths, &opts) {
        Ok(report) => {
            if report.changed {
                println!(
                    "{}    {}",
                    if report.created { "created" } else { "updated" },
                    report.config_path.display()
                );
            } else {
                println!(
                    "unchanged  {} (already points at {})",
                    report.config_path.display(),
                    report.base_url
                );
            }
            if let Some(b) = &report.backup {
                println!("backup     {}", b.display());
            }
            println!(
                "catalog    {} ({} models{})",
                report.catalog_path.display(),
                report.catalog_models,
                if report.catalog_changed {
                    ", written"
                } else {
                    ", unchanged"
                }
            );
            println!("codex  →   {}  model {}", report.base_url, report.model);
            for w in &report.warnings {
                println!("warning    {w}");
            }
            println!("undo with: mimo2codex codex disable");
            0
        }
        Err(err) => fail(&err),
    }
}

fn disable(paths: &CodexPaths) -> i32 {
    match codex_config::disable(paths) {
        Ok(report) => {
            let path = report.config_path.display();
            match report.outcome {
                DisableOutcome::RestoredBackup(b) => {
                    println!("restored   {path} (from {})", b.display())
                }
                DisableOutcome::RemovedCreatedFile => {
                    println!("removed    {path} (mimo2codex had created it)")
                }
                DisableOutcome::Edited => println!(
                    "updated    {path}: mimo2codex keys removed, your previous model_provider/model/model_catalog_json put back"
                ),
                DisableOutcome::NotEnabled => {
                    println!("unchanged  {path} (Codex does not point at mimo2codex)")
                }
            }
            0
        }
        Err(err) => fail(&err),
    }
}

fn status(paths: &CodexPaths, common: &CommonArgs) -> i32 {
    let port = effective_port(common, &paths.data_dir).value;
    match codex_config::status(paths, &engine_base_url(&common.host, port)) {
        Ok(report) => {
            print!("{report}");
            if report.enabled {
                0
            } else {
                EXIT_NOT_ENABLED
            }
        }
        Err(err) => fail(&err),
    }
}
