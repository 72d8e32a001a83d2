//! `mimo2codex codex enable|disable|status`: the command-line face of [`crate::codex_config`].

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use super::{
    effective_port, error, label_width, load_inputs_or_exit, pad, CommonArgs, EXIT_CONFIG,
    EXIT_RUNTIME,
};
use crate::codex_config::{
    self, catalog_models, engine_base_url, resolve_codex_home, resolve_model, CodexConfigError,
    CodexPaths, DisableOutcome, EnableOptions,
};
use crate::i18n::Lang;
use crate::t;

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
pub fn run(args: &CodexArgs, common: &CommonArgs, data_dir: &Path, lang: Lang) -> i32 {
    let paths = CodexPaths::new(resolve_codex_home(args.codex_home.as_deref()), data_dir);
    match &args.action {
        CodexAction::Enable { model } => enable(&paths, common, model.as_deref(), lang),
        CodexAction::Disable => disable(&paths, lang),
        CodexAction::Status => status(&paths, common, lang),
    }
}

fn exit_code(err: &CodexConfigError) -> i32 {
    match err {
        CodexConfigError::InvalidToml { .. }
        | CodexConfigError::NotUtf8 { .. }
        | CodexConfigError::Unsupported { .. }
        | CodexConfigError::BadState { .. }
        | CodexConfigError::Model { .. } => EXIT_CONFIG,
        CodexConfigError::ReadOnly { .. } | CodexConfigError::Io { .. } => EXIT_RUNTIME,
    }
}

fn fail(err: &CodexConfigError, lang: Lang) -> i32 {
    error(lang, &err.text(lang));
    exit_code(err)
}

/// The row labels of `enable` / `disable`, padded to one width.
struct Labels {
    created: String,
    updated: String,
    unchanged: String,
    restored: String,
    removed: String,
    backup: String,
    catalog: String,
    codex: String,
    warning: String,
}

impl Labels {
    fn new(lang: Lang) -> Labels {
        let labels = [
            t!(lang, "cli-label-created"),
            t!(lang, "cli-label-updated"),
            t!(lang, "cli-label-unchanged"),
            t!(lang, "cli-label-restored"),
            t!(lang, "cli-label-removed"),
            t!(lang, "cli-label-backup"),
            t!(lang, "cli-label-catalog"),
            t!(lang, "cli-label-codex"),
            t!(lang, "cli-label-warning"),
        ];
        let width = label_width(&labels, 11);
        let [created, updated, unchanged, restored, removed, backup, catalog, codex, warning] =
            labels.map(|l| pad(&l, width));
        Labels {
            created,
            updated,
            unchanged,
            restored,
            removed,
            backup,
            catalog,
            codex,
            warning,
        }
    }
}

fn enable(paths: &CodexPaths, common: &CommonArgs, model: Option<&str>, lang: Lang) -> i32 {
    let inputs = match load_inputs_or_exit(common, &paths.data_dir, lang) {
        Ok(inputs) => inputs,
        Err(code) => return code,
    };
    let registry = &inputs.registry;
    let model = match resolve_model(registry, model) {
        Ok(m) => m,
        Err(err) => return fail(&err, lang),
    };
    let opts = EnableOptions {
        catalog: catalog_models(registry, &model),
        model,
        base_url: engine_base_url(&common.host, inputs.effective.port.value),
    };
    let l = Labels::new(lang);
    match codex_config::enable_in(paths, &opts, lang) {
        Ok(report) => {
            let config = report.config_path.display().to_string();
            if report.changed {
                let label = if report.created {
                    &l.created
                } else {
                    &l.updated
                };
                println!("{label}{config}");
            } else {
                println!(
                    "{}{}",
                    l.unchanged,
                    t!(
                        lang,
                        "cli-codex-already",
                        path = config,
                        url = report.base_url.as_str()
                    )
                );
            }
            if let Some(b) = &report.backup {
                println!("{}{}", l.backup, b.display());
            }
            let catalog = report.catalog_path.display().to_string();
            let count = report.catalog_models.to_string();
            let catalog = if report.catalog_changed {
                t!(
                    lang,
                    "cli-codex-catalog-written",
                    path = catalog,
                    count = count
                )
            } else {
                t!(
                    lang,
                    "cli-codex-catalog-unchanged",
                    path = catalog,
                    count = count
                )
            };
            println!("{}{catalog}", l.catalog);
            println!(
                "{}{}",
                l.codex,
                t!(
                    lang,
                    "cli-codex-target",
                    url = report.base_url.as_str(),
                    model = report.model.as_str()
                )
            );
            for w in &report.warnings {
                println!("{}{w}", l.warning);
            }
            println!("{}", t!(lang, "cli-codex-undo"));
            0
        }
        Err(err) => fail(&err, lang),
    }
}

fn disable(paths: &CodexPaths, lang: Lang) -> i32 {
    let l = Labels::new(lang);
    match codex_config::disable(paths) {
        Ok(report) => {
            let path = report.config_path.display().to_string();
            match report.outcome {
                DisableOutcome::RestoredBackup(b) => println!(
                    "{}{}",
                    l.restored,
                    t!(
                        lang,
                        "cli-codex-restored",
                        path = path,
                        backup = b.display().to_string()
                    )
                ),
                DisableOutcome::RemovedCreatedFile => println!(
                    "{}{}",
                    l.removed,
                    t!(lang, "cli-codex-removed", path = path)
                ),
                DisableOutcome::Edited => {
                    println!("{}{}", l.updated, t!(lang, "cli-codex-edited", path = path))
                }
                DisableOutcome::NotEnabled => println!(
                    "{}{}",
                    l.unchanged,
                    t!(lang, "cli-codex-not-enabled", path = path)
                ),
            }
            0
        }
        Err(err) => fail(&err, lang),
    }
}

fn status(paths: &CodexPaths, common: &CommonArgs, lang: Lang) -> i32 {
    let port = effective_port(common, &paths.data_dir).value;
    match codex_config::status_in(paths, &engine_base_url(&common.host, port), lang) {
        Ok(report) => {
            print!("{}", report.render(lang));
            if report.enabled {
                0
            } else {
                EXIT_NOT_ENABLED
            }
        }
        Err(err) => fail(&err, lang),
    }
}
