//! `mimo2codex launcher`: writes `codex-with-proxy.sh`, `.ps1` and `.cmd` ([`crate::network::launcher`]).

use std::path::{Path, PathBuf};

use clap::Args;

use super::{error, label_width, pad, EXIT_CONFIG, EXIT_RUNTIME};
use crate::i18n::Lang;
use crate::network::launcher::{write_launchers, LauncherError, LauncherOptions, Outcome};
use crate::t;
use crate::upstream::ProxyUrl;

/// `mimo2codex launcher`
#[derive(Debug, Args)]
pub struct LauncherArgs {
    /// Where to write the scripts [default: the data dir].
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Proxy for Codex's own traffic (HTTPS_PROXY / HTTP_PROXY in the scripts), e.g.
    /// http://127.0.0.1:7890. Without it the scripts leave Codex's proxy variables as they are.
    #[arg(long, value_name = "URL")]
    pub proxy_for_codex: Option<String>,
    /// The Codex command the scripts run [default: codex, found on PATH].
    #[arg(long, value_name = "PATH")]
    pub codex: Option<String>,
    /// Replace scripts you edited; the edited file is kept as <name>.bak.
    #[arg(long)]
    pub force: bool,
}

pub fn run(args: &LauncherArgs, data_dir: &Path, lang: Lang) -> i32 {
    let proxy = match args.proxy_for_codex.as_deref().map(ProxyUrl::parse) {
        None => None,
        Some(Ok(url)) => Some(url),
        Some(Err(err)) => {
            error(
                lang,
                &t!(lang, "cli-launcher-bad-proxy", error = err.text(lang)),
            );
            return EXIT_CONFIG;
        }
    };
    let opts = LauncherOptions {
        proxy,
        codex: args.codex.clone(),
    };
    let dir = args.dir.clone().unwrap_or_else(|| data_dir.to_path_buf());
    let written = match write_launchers(&dir, &opts, args.force) {
        Ok(w) => w,
        Err(LauncherError::Quote { what }) => {
            error(lang, &t!(lang, "cli-launcher-quote", what = what));
            return EXIT_CONFIG;
        }
        Err(LauncherError::Io { path, source }) => {
            let message = t!(
                lang,
                "cli-config-write",
                path = path.display().to_string(),
                detail = source.to_string()
            );
            error(lang, &message);
            return EXIT_RUNTIME;
        }
    };
    let labels = [
        t!(lang, "cli-label-created"),
        t!(lang, "cli-label-updated"),
        t!(lang, "cli-label-unchanged"),
        t!(lang, "cli-label-kept"),
        t!(lang, "cli-label-replaced"),
    ];
    let width = label_width(&labels, 11);
    let [created, updated, unchanged, kept_label, replaced] = labels.map(|l| pad(&l, width));
    let mut kept = false;
    for (path, outcome) in &written {
        let path = path.display().to_string();
        match outcome {
            Outcome::Created => println!("{created}{path}"),
            Outcome::Updated => println!("{updated}{path}"),
            Outcome::Unchanged => println!("{unchanged}{path}"),
            Outcome::KeptEdited => {
                kept = true;
                println!("{kept_label}{}", t!(lang, "cli-launcher-kept", path = path))
            }
            Outcome::ReplacedWithBackup(bak) => println!(
                "{replaced}{}",
                t!(
                    lang,
                    "cli-launcher-replaced",
                    path = path,
                    backup = bak.display().to_string()
                )
            ),
        }
    }
    match &opts.proxy {
        Some(p) => println!("{}", t!(lang, "cli-launcher-proxy", proxy = p.masked())),
        None => println!("{}", t!(lang, "cli-launcher-no-proxy")),
    }
    println!(
        "{}",
        t!(
            lang,
            "cli-launcher-run",
            script = dir.join(crate::network::launcher::SH).display().to_string()
        )
    );
    if kept {
        EXIT_RUNTIME
    } else {
        0
    }
}
