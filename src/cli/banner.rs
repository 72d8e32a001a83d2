//! The startup banner on stderr: everything a user needs to check the setup at a glance.

use std::path::Path;

use crate::engine::RunningEngine;
use crate::logging::LogGuard;

/// The banner's lines (also used by tests and the desktop status view).
pub fn lines(running: &RunningEngine, data_dir: &Path, log: &LogGuard) -> Vec<String> {
    let settings = running.handle.settings();
    let registry = &settings.registry;
    let default = registry.default_provider();
    let key = match &default.api_key {
        Some(k) if !k.is_empty() => format!("{}={}", default.primary_key_env(), k.masked()),
        _ => format!("missing — set {}", default.primary_key_env()),
    };
    let others: Vec<&str> = registry
        .providers()
        .iter()
        .filter(|p| p.id != default.id)
        .map(|p| p.id.as_str())
        .collect();
    let mut out = vec![
        format!("mimo2codex {}", crate::VERSION),
        format!("  listening: {}  (Codex base_url)", running.base_url()),
        format!(
            "  provider:  {} (default) → {}  model {}",
            default.id, default.base_url, default.default_model
        ),
        format!("  key:       {key}"),
    ];
    if !others.is_empty() {
        out.push(format!("  also:      {}", others.join(", ")));
    }
    out.push(format!("  {}", settings.upstream.route().describe()));
    if let Some(hint) = settings.upstream.route().hint() {
        out.push(format!("             {hint}"));
    }
    if let Some(ca) = &settings.upstream.config().extra_ca {
        out.push(format!("  tls:       {}", ca.describe()));
    }
    out.push(format!(
        "  thinking:  {}",
        if settings.thinking { "on" } else { "off" }
    ));
    out.push(match &log.file {
        Ok(path) => format!("  log file:  {}", path.display()),
        Err(err) => format!("  log file:  none ({err})"),
    });
    out.push(format!("  data dir:  {}", data_dir.display()));
    out
}

pub fn print(running: &RunningEngine, data_dir: &Path, log: &LogGuard) {
    let lines = lines(running, data_dir, log);
    for line in &lines {
        eprintln!("{line}");
    }
    for note in running.handle.settings().registry.notes() {
        tracing::info!("providers.json: {note}");
    }
    tracing::info!(
        "started {} — {}",
        running.base_url(),
        running.handle.settings().upstream.route().describe()
    );
}
