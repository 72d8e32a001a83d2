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
use crate::i18n::Lang;
use crate::t;

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
/// Warnings and reasons are in English ([`status_in`] for another language).
pub fn status(
    paths: &CodexPaths,
    expected_base_url: &str,
) -> Result<StatusReport, CodexConfigError> {
    status_in(paths, expected_base_url, Lang::En)
}

/// [`status`] with the report's warnings and reasons in `lang` (render it with
/// [`StatusReport::render`]).
pub fn status_in(
    paths: &CodexPaths,
    expected_base_url: &str,
    lang: Lang,
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
        warnings.push(t!(lang, "codex-warn-no-table", id = PROVIDER_ID));
    }
    if enabled && !token_set {
        warnings.push(t!(lang, "codex-warn-no-token"));
    }
    if enabled && edit::provider_str(&doc, "env_key").is_some() {
        warnings.push(t!(lang, "codex-warn-env-key"));
    }
    warnings.extend(edit::profile_overrides_in(&doc, lang));

    let engine = match &base_url {
        Some(url) if enabled => probe_health_in(url, PROBE_TIMEOUT, lang),
        Some(_) => EngineProbe::Skipped(t!(lang, "codex-probe-not-pointing")),
        None => EngineProbe::Skipped(t!(lang, "codex-probe-no-base-url")),
    };
    let catalog = check_catalog(
        doc.get("model_catalog_json").and_then(|i| i.as_str()),
        model.as_deref(),
    );
    if enabled {
        match &catalog {
            CatalogCheck::Present {
                has_model: false, ..
            } => warnings.push(t!(
                lang,
                "codex-warn-catalog-no-model",
                model = model.as_deref().unwrap_or("")
            )),
            CatalogCheck::Missing(p) => warnings.push(t!(
                lang,
                "codex-warn-catalog-missing",
                path = p.display().to_string()
            )),
            CatalogCheck::Invalid(p, e) => warnings.push(t!(
                lang,
                "codex-warn-catalog-invalid",
                path = p.display().to_string(),
                error = e.as_str()
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

/// `GET /healthz` on the host and port of `base_url` (plain HTTP, short timeouts); the reasons are
/// in English ([`probe_health_in`] for another language).
pub fn probe_health(base_url: &str, timeout: Duration) -> EngineProbe {
    probe_health_in(base_url, timeout, Lang::En)
}

/// [`probe_health`] with its reasons in `lang`.
pub fn probe_health_in(base_url: &str, timeout: Duration, lang: Lang) -> EngineProbe {
    let Some(rest) = base_url.strip_prefix("http://") else {
        return EngineProbe::Skipped(t!(lang, "codex-probe-not-http", url = base_url));
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
        Err(e) => {
            return EngineProbe::NotAnswering(t!(
                lang,
                "codex-probe-unresolvable-why",
                authority = authority,
                detail = e.to_string()
            ))
        }
    };
    let Some(addr) = addrs.first() else {
        return EngineProbe::NotAnswering(t!(
            lang,
            "codex-probe-unresolvable",
            authority = authority
        ));
    };
    let mut stream = match TcpStream::connect_timeout(addr, timeout) {
        Ok(s) => s,
        Err(e) => {
            return EngineProbe::NotAnswering(t!(
                lang,
                "codex-probe-nothing",
                authority = authority,
                detail = e.to_string()
            ))
        }
    };
    let _ = stream.set_read_timeout(Some(timeout));
    let _ = stream.set_write_timeout(Some(timeout));
    let request =
        format!("GET /healthz HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\nAccept: application/json\r\n\r\n");
    if let Err(e) = stream.write_all(request.as_bytes()) {
        return EngineProbe::NotAnswering(t!(
            lang,
            "codex-probe-closed",
            authority = authority,
            detail = e.to_string()
        ));
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
        _ => {
            let status = match text.lines().next() {
                Some(line) => line.to_string(),
                None => t!(lang, "codex-probe-no-response"),
            };
            EngineProbe::NotAnswering(t!(
                lang,
                "codex-probe-not-us",
                authority = authority,
                status = status
            ))
        }
    }
}

impl StatusReport {
    /// The report as `codex status` prints it, in `lang` (the warnings are in the language the
    /// report was made in: [`status_in`]).
    pub fn render(&self, lang: Lang) -> String {
        let labels = [
            t!(lang, "codex-status-config"),
            t!(lang, "codex-status-enabled"),
            t!(lang, "codex-status-model"),
            t!(lang, "codex-status-base-url"),
            t!(lang, "codex-status-auth"),
            t!(lang, "codex-status-engine"),
            t!(lang, "codex-status-catalog"),
            t!(lang, "codex-status-backups"),
            t!(lang, "codex-status-warning"),
        ];
        let width = crate::cli::label_width(&labels, 12);
        let [config, enabled, model, base_url, auth, engine, catalog, backups, warning] =
            labels.map(|l| crate::cli::pad(&l, width));
        let mut out = Vec::new();
        let path = self.config_path.display().to_string();
        out.push(format!(
            "{config}{}",
            if self.config_exists {
                path
            } else {
                t!(lang, "codex-status-config-missing", path = path)
            }
        ));
        let answer = if self.enabled {
            t!(lang, "codex-status-yes")
        } else {
            t!(lang, "codex-status-no")
        };
        let provider = match &self.model_provider {
            Some(p) => p.clone(),
            None => t!(lang, "codex-status-provider-unset"),
        };
        out.push(format!(
            "{enabled}{}",
            t!(
                lang,
                "codex-status-enabled-value",
                answer = answer,
                provider = provider
            )
        ));
        if let Some(m) = &self.model {
            out.push(format!("{model}{m}"));
        }
        if let Some(url) = &self.base_url {
            let line = if self.port_matches() {
                t!(lang, "codex-status-url-matches", url = url.as_str())
            } else {
                t!(
                    lang,
                    "codex-status-url-other",
                    url = url.as_str(),
                    expected = self.expected_base_url.as_str()
                )
            };
            out.push(format!("{base_url}{line}"));
        }
        if self.enabled {
            let line = if self.token_set {
                t!(lang, "codex-status-token")
            } else {
                t!(lang, "codex-status-no-token")
            };
            out.push(format!("{auth}{line}"));
        }
        let line = match &self.engine {
            EngineProbe::Answers { version } => {
                t!(
                    lang,
                    "codex-status-engine-answers",
                    version = version.as_str()
                )
            }
            EngineProbe::NotAnswering(why) => {
                t!(lang, "codex-status-engine-down", why = why.as_str())
            }
            EngineProbe::Skipped(why) => {
                t!(lang, "codex-status-engine-skipped", why = why.as_str())
            }
        };
        out.push(format!("{engine}{line}"));
        let line = match &self.catalog {
            CatalogCheck::NotConfigured => t!(lang, "codex-status-catalog-none"),
            CatalogCheck::Missing(p) => t!(
                lang,
                "codex-status-catalog-missing",
                path = p.display().to_string()
            ),
            CatalogCheck::Invalid(p, e) => t!(
                lang,
                "codex-status-catalog-invalid",
                path = p.display().to_string(),
                error = e.as_str()
            ),
            CatalogCheck::Present {
                path,
                models,
                has_model,
            } => {
                let (path, count) = (path.display().to_string(), models.to_string());
                if *has_model {
                    t!(
                        lang,
                        "codex-status-catalog-present",
                        path = path,
                        count = count
                    )
                } else {
                    t!(
                        lang,
                        "codex-status-catalog-no-model",
                        path = path,
                        count = count
                    )
                }
            }
        };
        out.push(format!("{catalog}{line}"));
        out.push(format!(
            "{backups}{}",
            t!(
                lang,
                "codex-status-backups-value",
                count = self.backups.to_string(),
                dir = self.backups_dir.display().to_string()
            )
        ));
        for w in &self.warnings {
            out.push(format!("{warning}{w}"));
        }
        let mut text = out.join("\n");
        text.push('\n');
        text
    }
}

impl fmt::Display for StatusReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(Lang::En))
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
        let zh = status_in(&paths, "http://127.0.0.1:8788/v1", Lang::ZhCn).expect("status");
        let text = zh.render(Lang::ZhCn);
        assert!(!text.contains("enabled:"), "{text}");
        assert!(text.contains("config.toml"), "{text}");
    }
}
