//! `codex status`: does Codex point at us, at which address, is the engine answering there, is the
//! catalog in place, how many backups exist.

use std::fmt;
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::time::Duration;

use super::backup::list_backups;
use super::edit::{self, PROVIDER_ID};
use super::error::CodexConfigError;
use super::ops::read_config;
use super::CodexPaths;

/// How long the health probe may take (connect, then read).
pub const PROBE_TIMEOUT: Duration = Duration::from_millis(800);

/// Result of `GET /healthz` at Codex's base URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EngineProbe {
    /// A mimo2codex engine answered, with its version.
    Answers { version: String },
    /// Nothing answered, or something else did.
    NotAnswering(String),
    /// Not probed (no base URL, or not plain http).
    Skipped(String),
}

/// The model catalog Codex is told to read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CatalogCheck {
    NotConfigured,
    Missing(PathBuf),
    Invalid(PathBuf, String),
    Present {
        path: PathBuf,
        models: usize,
        /// The configured `model` has an entry.
        has_model: bool,
    },
}

/// Everything `codex status` reports.
#[derive(Clone, Debug)]
pub struct StatusReport {
    pub config_path: PathBuf,
    pub config_exists: bool,
    /// `model_provider = "mimo2codex"` and our provider table exists.
    pub enabled: bool,
    pub model_provider: Option<String>,
    pub model: Option<String>,
    pub base_url: Option<String>,
    /// The base URL this engine (its `--host/--port`) would serve.
    pub expected_base_url: String,
    pub token_set: bool,
    pub engine: EngineProbe,
    pub catalog: CatalogCheck,
    pub backups: usize,
    pub backups_dir: PathBuf,
    pub warnings: Vec<String>,
}

impl StatusReport {
    /// `base_url` is the one this engine would use.
    pub fn port_matches(&self) -> bool {
        self.base_url.as_deref().map(|u| u.trim_end_matches('/'))
            == Some(self.expected_base_url.trim_end_matches('/'))
    }
}

/// Reads `config.toml` and probes the engine. Invalid TOML is an error; a missing file is a report.
pub fn status(
    paths: &CodexPaths,
    expected_base_url: &str,
) -> Result<StatusReport, CodexConfigError> {
    let config = read_config(&paths.config_path())?;
    let doc = edit::parse(&config.path, &config.text)?;
    let root_str = |k: &str| doc.get(k).and_then(|i| i.as_str()).map(str::to_string);
    let model_provider = root_str("model_provider");
    let model = root_str("model");
    let base_url = edit::provider_str(&doc, "base_url").map(str::to_string);
    let points_at_us = edit::points_at_us(&doc);
    let has_table = edit::provider_table(&doc).is_some();
    let enabled = points_at_us && has_table;
    let token_set = edit::provider_str(&doc, "experimental_bearer_token").is_some();

    let mut warnings = Vec::new();
    if points_at_us && !has_table {
        warnings.push(format!(
            "model_provider = \"{PROVIDER_ID}\" but there is no [model_providers.{PROVIDER_ID}] table: Codex will refuse to start. Run `mimo2codex codex enable`"
        ));
    }
    if enabled && !token_set {
        warnings.push("no experimental_bearer_token in [model_providers.mimo2codex]: Codex Desktop started from the Dock/Start menu may send no token. Run `mimo2codex codex enable`".into());
    }
    if enabled && edit::provider_str(&doc, "env_key").is_some() {
        warnings.push("[model_providers.mimo2codex] has env_key: Codex then requires that environment variable (Codex Desktop from the Dock/Start menu does not have it). Run `mimo2codex codex enable` to switch to the bearer token".into());
    }
    warnings.extend(edit::profile_overrides(&doc));

    let engine = match &base_url {
        Some(url) if enabled => probe_health(url, PROBE_TIMEOUT),
        Some(_) => EngineProbe::Skipped("Codex does not point at mimo2codex".into()),
        None => EngineProbe::Skipped("no base_url configured".into()),
    };
    let catalog = check_catalog(
        doc.get("model_catalog_json").and_then(|i| i.as_str()),
        model.as_deref(),
    );
    if enabled {
        match &catalog {
            CatalogCheck::Present {
                has_model: false, ..
            } => warnings.push(format!(
                "the model catalog has no entry for model '{}': Codex will not offer apply_patch for it. Run `mimo2codex codex enable`",
                model.as_deref().unwrap_or("")
            )),
            CatalogCheck::Missing(p) => warnings.push(format!(
                "model_catalog_json points to {}, which does not exist: Codex will refuse to start. Run `mimo2codex codex enable`",
                p.display()
            )),
            CatalogCheck::Invalid(p, e) => warnings.push(format!(
                "the model catalog {} is invalid ({e}): Codex will refuse to start. Run `mimo2codex codex enable`",
                p.display()
            )),
            _ => {}
        }
    }
    Ok(StatusReport {
        config_exists: config.bytes.is_some(),
        config_path: config.path,
        enabled,
        model_provider,
        model,
        base_url,
        expected_base_url: expected_base_url.to_string(),
        token_set,
        engine,
        catalog,
        backups: list_backups(&paths.data_dir).len(),
        backups_dir: paths.backups_dir(),
        warnings,
    })
}

fn check_catalog(path: Option<&str>, model: Option<&str>) -> CatalogCheck {
    let Some(path) = path else {
        return CatalogCheck::NotConfigured;
    };
    let path = PathBuf::from(path);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(_) => return CatalogCheck::Missing(path),
    };
    let value: serde_json::Value = match serde_json::from_slice(&bytes) {
        Ok(v) => v,
        Err(e) => return CatalogCheck::Invalid(path, e.to_string()),
    };
    let Some(models) = value.get("models").and_then(|m| m.as_array()) else {
        return CatalogCheck::Invalid(path, "no \"models\" array".into());
    };
    let has_model = model.is_some_and(|m| {
        models
            .iter()
            .any(|e| e.get("slug").and_then(|s| s.as_str()) == Some(m))
    });
    CatalogCheck::Present {
        path,
        models: models.len(),
        has_model,
    }
}

/// `GET /healthz` on the host and port of `base_url` (plain HTTP, short timeouts).
pub fn probe_health(base_url: &str, timeout: Duration) -> EngineProbe {
    let Some(rest) = base_url.strip_prefix("http://") else {
        return EngineProbe::Skipped(format!("{base_url} is not a plain http:// address"));
    };
    let authority = rest.split('/').next().unwrap_or("");
    let addr_text = if authority
        .rsplit_once(':')
        .is_some_and(|(_, p)| !p.contains(']'))
    {
        authority.to_string()
    } else {
        format!("{authority}:80")
    };
    let addrs = match addr_text.to_socket_addrs() {
        Ok(a) => a.collect::<Vec<_>>(),
        Err(e) => return EngineProbe::NotAnswering(format!("cannot resolve {authority}: {e}")),
    };
    let Some(addr) = addrs.first() else {
        return EngineProbe::NotAnswering(format!("cannot resolve {authority}"));
    };
    let mut stream = match TcpStream::connect_timeout(addr, timeout) {
        Ok(s) => s,
        Err(e) => {
            return EngineProbe::NotAnswering(format!(
                "nothing answers at {authority} ({e}); start mimo2codex there"
            ))
        }
    };
    let _ = stream.set_read_timeout(Some(timeout));
    let _ = stream.set_write_timeout(Some(timeout));
    let request =
        format!("GET /healthz HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\nAccept: application/json\r\n\r\n");
    if let Err(e) = stream.write_all(request.as_bytes()) {
        return EngineProbe::NotAnswering(format!("{authority} closed the connection ({e})"));
    }
    let mut buf = Vec::new();
    let _ = stream.take(64 * 1024).read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf);
    let status_ok = text
        .lines()
        .next()
        .is_some_and(|l| l.split_whitespace().nth(1) == Some("200"));
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    let json: Option<serde_json::Value> = serde_json::from_str(body.trim()).ok();
    match json {
        Some(v) if status_ok && v.get("status").and_then(|s| s.as_str()) == Some("ok") => {
            EngineProbe::Answers {
                version: v
                    .get("version")
                    .and_then(|s| s.as_str())
                    .unwrap_or("?")
                    .to_string(),
            }
        }
        _ => EngineProbe::NotAnswering(format!(
            "{authority} answers, but not as mimo2codex (GET /healthz: {})",
            text.lines().next().unwrap_or("no response")
        )),
    }
}

impl fmt::Display for StatusReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let yes_no = |b: bool| if b { "yes" } else { "no" };
        writeln!(
            f,
            "config:     {}{}",
            self.config_path.display(),
            if self.config_exists {
                ""
            } else {
                " (does not exist)"
            }
        )?;
        writeln!(
            f,
            "enabled:    {} (model_provider = {})",
            yes_no(self.enabled),
            self.model_provider
                .as_deref()
                .unwrap_or("(not set: Codex's default, openai)")
        )?;
        if let Some(m) = &self.model {
            writeln!(f, "model:      {m}")?;
        }
        if let Some(url) = &self.base_url {
            let note = if self.port_matches() {
                "matches this engine's --host/--port".to_string()
            } else {
                format!("this engine would serve {}", self.expected_base_url)
            };
            writeln!(f, "base_url:   {url} ({note})")?;
        }
        if self.enabled {
            writeln!(
                f,
                "auth:       {}",
                if self.token_set {
                    "experimental_bearer_token set (works without env vars, Codex Desktop too)"
                } else {
                    "no bearer token"
                }
            )?;
        }
        match &self.engine {
            EngineProbe::Answers { version } => {
                writeln!(f, "engine:     answers at base_url (mimo2codex {version})")?
            }
            EngineProbe::NotAnswering(why) => writeln!(f, "engine:     not answering: {why}")?,
            EngineProbe::Skipped(why) => writeln!(f, "engine:     not checked: {why}")?,
        }
        match &self.catalog {
            CatalogCheck::NotConfigured => writeln!(f, "catalog:    not configured")?,
            CatalogCheck::Missing(p) => writeln!(f, "catalog:    {} is missing", p.display())?,
            CatalogCheck::Invalid(p, e) => {
                writeln!(f, "catalog:    {} is invalid: {e}", p.display())?
            }
            CatalogCheck::Present {
                path,
                models,
                has_model,
            } => writeln!(
                f,
                "catalog:    {} ({models} models{})",
                path.display(),
                if *has_model {
                    ""
                } else {
                    ", not the configured model"
                }
            )?,
        }
        writeln!(
            f,
            "backups:    {} in {}",
            self.backups,
            self.backups_dir.display()
        )?;
        for w in &self.warnings {
            writeln!(f, "warning:    {w}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_reports_a_closed_port() {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
            l.local_addr().expect("addr").port()
        };
        let probe = probe_health(
            &format!("http://127.0.0.1:{port}/v1"),
            Duration::from_millis(300),
        );
        assert!(matches!(probe, EngineProbe::NotAnswering(_)), "{probe:?}");
        assert!(matches!(
            probe_health("https://x/v1", PROBE_TIMEOUT),
            EngineProbe::Skipped(_)
        ));
    }

    #[test]
    fn status_of_a_missing_config() {
        let dir = tempfile::tempdir().expect("dir");
        let paths = CodexPaths::new(dir.path().join("codex"), dir.path().join("data"));
        let report = status(&paths, "http://127.0.0.1:8788/v1").expect("status");
        assert!(!report.enabled);
        assert!(!report.config_exists);
        assert_eq!(report.backups, 0);
        assert!(report.to_string().contains("enabled:    no"));
    }
}
