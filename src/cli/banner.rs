//! The startup banner on stderr: everything a user needs to check the setup at a glance, in the
//! CLI's language (the log's "started" line stays English).

use std::path::Path;

use super::{label_width, pad};
use crate::engine::RunningEngine;
use crate::i18n::Lang;
use crate::logging::LogGuard;
use crate::t;

/// The banner's lines (also used by tests and the desktop status view).
pub fn lines(running: &RunningEngine, data_dir: &Path, log: &LogGuard, lang: Lang) -> Vec<String> {
    let settings = running.handle.settings();
    let registry = &settings.registry;
    let default = registry.default_provider();
    let labels = [
        t!(lang, "cli-banner-listening"),
        t!(lang, "cli-banner-provider"),
        t!(lang, "cli-banner-key"),
        t!(lang, "cli-banner-also"),
        t!(lang, "cli-banner-tls"),
        t!(lang, "cli-banner-thinking"),
        t!(lang, "cli-banner-log-file"),
        t!(lang, "cli-banner-data-dir"),
    ];
    let width = label_width(&labels, 0);
    let [listening, provider, key_label, also, tls, thinking, log_file, data] =
        labels.map(|l| format!("  {}", pad(&l, width)));
    let key = match &default.api_key {
        Some(k) if !k.is_empty() => format!("{}={}", default.primary_key_env(), k.masked()),
        _ => t!(
            lang,
            "cli-banner-key-missing",
            var = default.primary_key_env()
        ),
    };
    let others: Vec<&str> = registry
        .providers()
        .iter()
        .filter(|p| p.id != default.id)
        .map(|p| p.id.as_str())
        .collect();
    let mut out = vec![
        format!("mimo2codex {}", crate::VERSION),
        format!(
            "{listening}{}",
            t!(lang, "cli-banner-listening-value", url = running.base_url())
        ),
        format!(
            "{provider}{}",
            t!(
                lang,
                "cli-banner-provider-value",
                id = default.id.as_str(),
                url = default.base_url.as_str(),
                model = default.default_model.as_str()
            )
        ),
        format!("{key_label}{key}"),
    ];
    if !others.is_empty() {
        out.push(format!("{also}{}", others.join(", ")));
    }
    let route = settings.upstream.route();
    out.push(format!("  {}", route.describe_in(lang)));
    if let Some(hint) = route.hint_in(lang) {
        out.push(format!("{}{hint}", " ".repeat(width + 2)));
    }
    if let Some(ca) = &settings.upstream.config().extra_ca {
        out.push(format!("{tls}{}", ca.describe_in(lang)));
    }
    out.push(format!(
        "{thinking}{}",
        if settings.thinking {
            t!(lang, "cli-banner-on")
        } else {
            t!(lang, "cli-banner-off")
        }
    ));
    out.push(match &log.file {
        Ok(path) => format!("{log_file}{}", path.display()),
        Err(err) => format!(
            "{log_file}{}",
            t!(lang, "cli-banner-log-none", why = err.to_string())
        ),
    });
    out.push(format!("{data}{}", data_dir.display()));
    out
}

pub fn print(running: &RunningEngine, data_dir: &Path, log: &LogGuard, lang: Lang) {
    let lines = lines(running, data_dir, log, lang);
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
