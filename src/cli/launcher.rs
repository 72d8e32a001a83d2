//! `mimo2codex launcher`: writes `codex-with-proxy.sh`, `.ps1` and `.cmd` ([`crate::network::launcher`]).

use std::path::{Path, PathBuf};

use clap::Args;

use super::{EXIT_CONFIG, EXIT_RUNTIME};
use crate::network::launcher::{write_launchers, LauncherError, LauncherOptions, Outcome};
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

pub fn run(args: &LauncherArgs, data_dir: &Path) -> i32 {
    let proxy = match args.proxy_for_codex.as_deref().map(ProxyUrl::parse) {
        None => None,
        Some(Ok(url)) => Some(url),
        Some(Err(err)) => {
            eprintln!("error: --proxy-for-codex: {err}");
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
        Err(err @ LauncherError::Quote { .. }) => {
            eprintln!("error: {err}");
            return EXIT_CONFIG;
        }
        Err(err) => {
            eprintln!("error: {err}");
            return EXIT_RUNTIME;
        }
    };
    let mut kept = false;
    for (path, outcome) in &written {
        let path = path.display();
        match outcome {
            Outcome::Created => println!("created    {path}"),
            Outcome::Updated => println!("updated    {path}"),
            Outcome::Unchanged => println!("unchanged  {path}"),
            Outcome::KeptEdited => {
                kept = true;
                println!("kept       {path} (you edited it; --force replaces it and keeps yours as .bak)")
            }
            Outcome::ReplacedWithBackup(bak) => {
                println!("replaced   {path} (your version: {})", bak.display())
            }
        }
    }
    match &opts.proxy {
        Some(p) => println!("Codex's own traffic goes through {}; NO_PROXY always covers localhost,127.0.0.1,::1", p.masked()),
        None => println!("Codex's proxy variables are left as they are; NO_PROXY always covers localhost,127.0.0.1,::1"),
    }
    println!(
        "run Codex through it: {} [codex arguments]  (Windows: codex-with-proxy.cmd or .ps1)",
        dir.join(crate::network::launcher::SH).display()
    );
    if kept {
        EXIT_RUNTIME
    } else {
        0
    }
}
