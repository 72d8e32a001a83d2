//! The checks on this machine: proxy variables, NO_PROXY for Codex, the engine's port, Codex's
//! config, the proxy app.

use super::{Check, CheckStatus, DoctorContext};
use crate::codex_config::status::PROBE_TIMEOUT;
use crate::codex_config::{engine_base_url, probe_health, EngineProbe};
use crate::i18n::Lang;
use crate::network::detect::{Detection, ProxyKind};
use crate::network::launcher::LOOPBACK;
use crate::network::probe;
use crate::t;
use crate::upstream::route::{host_matches_no_proxy, mask_proxy_url, proxy_endpoint, PROXY_VARS};
use crate::upstream::{Preset, ProxyRoute, UpstreamFailure};

fn set_vars<'a>(ctx: &'a DoctorContext, names: &[&'a str]) -> Vec<(&'a str, &'a str)> {
    names
        .iter()
        .filter_map(|n| {
            ctx.env
                .get(*n)
                .map(|v| v.trim())
                .filter(|v| !v.is_empty())
                .map(|v| (*n, v))
        })
        .collect()
}

/// `a; b` in `lang` (a full-width semicolon in Chinese).
pub(super) fn join_parts(lang: Lang, parts: &[String]) -> String {
    parts.join(&t!(lang, "doctor-sep"))
}

/// `a, b` in `lang` (an enumeration comma in Chinese).
pub(super) fn join_list<S: AsRef<str>>(lang: Lang, items: &[S]) -> String {
    let items: Vec<&str> = items.iter().map(AsRef::as_ref).collect();
    items.join(&t!(lang, "doctor-list-sep"))
}

/// Which proxy variables are set, which one wins, and whether the engine uses it.
pub fn proxy_env(ctx: &DoctorContext) -> Check {
    let lang = ctx.lang;
    let title = t!(lang, "doctor-title-proxy-env");
    let set = set_vars(ctx, &PROXY_VARS);
    if set.is_empty() {
        return Check::new(
            "env.proxy_vars",
            title,
            CheckStatus::Pass,
            t!(lang, "doctor-proxy-env-none"),
        );
    }
    let listed: Vec<String> = set
        .iter()
        .map(|(k, v)| format!("{k}={}", mask_proxy_url(v)))
        .collect();
    let winner = set[0].0;
    let usage = if ctx.no_proxy_from_env {
        t!(lang, "doctor-proxy-env-ignored")
    } else {
        match &ctx.network.route {
            crate::upstream::OutboundRoute::Env => t!(lang, "doctor-proxy-env-used", var = winner),
            crate::upstream::OutboundRoute::System => {
                t!(lang, "doctor-proxy-env-system", var = winner)
            }
            other => t!(
                lang,
                "doctor-proxy-env-unused",
                var = winner,
                route = other.to_string()
            ),
        }
    };
    let distinct: std::collections::HashSet<&str> = set.iter().map(|(_, v)| *v).collect();
    let detail = t!(
        lang,
        "doctor-proxy-env-set",
        vars = join_list(lang, &listed),
        usage = usage
    );
    if distinct.len() > 1 {
        Check::new("env.proxy_vars", title, CheckStatus::Warn, detail).with_fix(t!(
            lang,
            "doctor-proxy-env-differ-fix",
            var = winner
        ))
    } else {
        Check::new("env.proxy_vars", title, CheckStatus::Pass, detail)
    }
}

/// An environment proxy without loopback in NO_PROXY sends Codex's own requests for mimo2codex to
/// the proxy.
pub fn no_proxy_loopback(ctx: &DoctorContext) -> Check {
    let lang = ctx.lang;
    let (id, title) = ("env.no_proxy", t!(lang, "doctor-title-no-proxy"));
    // PROXY_VARS: HTTPS_PROXY (either case), then HTTP_PROXY and ALL_PROXY.
    let http = set_vars(ctx, &PROXY_VARS[2..]);
    let https = set_vars(ctx, &PROXY_VARS[..2]);
    if http.is_empty() && https.is_empty() {
        return Check::new(
            id,
            title,
            CheckStatus::Pass,
            t!(lang, "doctor-no-proxy-no-vars"),
        );
    }
    let no_proxy = set_vars(ctx, &["NO_PROXY", "no_proxy"])
        .first()
        .map(|(_, v)| v.to_string())
        .unwrap_or_default();
    let covered = ["localhost", "127.0.0.1"]
        .iter()
        .all(|h| host_matches_no_proxy(h, &no_proxy));
    if covered {
        return Check::new(
            id,
            title,
            CheckStatus::Pass,
            t!(lang, "doctor-no-proxy-covered", value = no_proxy.as_str()),
        );
    }
    let value = if no_proxy.is_empty() {
        LOOPBACK.to_string()
    } else {
        format!("{no_proxy},{LOOPBACK}")
    };
    let fix = t!(lang, "doctor-no-proxy-fix", value = value.as_str());
    match http.first() {
        Some((var, value)) => Check::new(
            id,
            title,
            CheckStatus::Fail,
            t!(
                lang,
                "doctor-no-proxy-http",
                var = *var,
                proxy = mask_proxy_url(value),
                port = ctx.port
            ),
        )
        .with_fix(fix),
        None => Check::new(
            id,
            title,
            CheckStatus::Warn,
            t!(lang, "doctor-no-proxy-https"),
        )
        .with_fix(fix),
    }
}

/// The engine's port: free, held by a running mimo2codex (a pass), or held by something else.
pub async fn engine_port(ctx: &DoctorContext) -> Check {
    let lang = ctx.lang;
    let (host, port) = (ctx.host.clone(), ctx.port);
    let id = "engine.port";
    let title = t!(
        lang,
        "doctor-title-engine-port",
        host = host.as_str(),
        port = port
    );
    let Ok(ip) = crate::engine::parse_host(&host) else {
        return Check::new(
            id,
            title,
            CheckStatus::Fail,
            t!(lang, "doctor-port-invalid-host", host = host.as_str()),
        )
        .with_fix(t!(lang, "doctor-port-invalid-host-fix"));
    };
    let base_url = engine_base_url(&host, port);
    let found =
        tokio::task::spawn_blocking(move || match std::net::TcpListener::bind((ip, port)) {
            Ok(_) => Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => Ok(Some((
                crate::port_holder::find_port_holder(port),
                probe_health(&base_url, PROBE_TIMEOUT),
            ))),
            Err(e) => Err(e.to_string()),
        })
        .await
        .unwrap_or_else(|e| Err(e.to_string()));
    let host = host.as_str();
    match found {
        Ok(None) => Check::new(
            id,
            title,
            CheckStatus::Warn,
            t!(lang, "doctor-port-free", host = host, port = port),
        )
        .with_fix(t!(lang, "doctor-port-free-fix", port = port)),
        Ok(Some((holder, EngineProbe::Answers { version }))) => {
            let detail = match holder {
                Some(h) => t!(
                    lang,
                    "doctor-port-ours-by",
                    version = version,
                    holder = h.to_string()
                ),
                None => t!(lang, "doctor-port-ours", version = version),
            };
            Check::new(id, title, CheckStatus::Pass, detail)
        }
        Ok(Some((holder, probe))) => {
            let why = match probe {
                EngineProbe::NotAnswering(w) | EngineProbe::Skipped(w) => w,
                EngineProbe::Answers { .. } => String::new(),
            };
            let detail = match holder {
                Some(h) => t!(
                    lang,
                    "doctor-port-busy",
                    host = host,
                    port = port,
                    holder = h.to_string(),
                    why = why
                ),
                None => t!(
                    lang,
                    "doctor-port-busy-unknown",
                    host = host,
                    port = port,
                    why = why
                ),
            };
            Check::new(id, title, CheckStatus::Fail, detail)
                .with_fix(t!(lang, "doctor-port-busy-fix"))
        }
        Err(e) => Check::new(
            id,
            title,
            CheckStatus::Fail,
            t!(
                lang,
                "doctor-port-cannot-listen",
                host = host,
                port = port,
                error = e
            ),
        )
        .with_fix(t!(lang, "doctor-port-cannot-listen-fix")),
    }
}

/// Does Codex's config.toml point at this engine's address?
pub async fn codex_config(ctx: &DoctorContext) -> Check {
    let lang = ctx.lang;
    let (id, title) = ("codex.config", t!(lang, "doctor-title-codex-config"));
    let Some(paths) = ctx.codex.clone() else {
        return Check::new(id, title, CheckStatus::Skip, t!(lang, "doctor-not-checked"));
    };
    let expected = engine_base_url(&ctx.host, ctx.port);
    let status = {
        let expected = expected.clone();
        tokio::task::spawn_blocking(move || crate::codex_config::status(&paths, &expected)).await
    };
    let report = match status {
        Ok(Ok(r)) => r,
        Ok(Err(err)) => {
            return Check::new(
                id,
                title,
                CheckStatus::Fail,
                t!(lang, "doctor-codex-unreadable", error = err.to_string()),
            )
            .with_fix(t!(lang, "doctor-codex-unreadable-fix"))
        }
        Err(err) => {
            return Check::new(
                id,
                title,
                CheckStatus::Fail,
                t!(lang, "doctor-codex-unreadable", error = err.to_string()),
            )
        }
    };
    let path = report.config_path.display().to_string();
    let path = path.as_str();
    if !report.enabled {
        let provider = match report.model_provider.as_deref() {
            Some(p) => p.to_string(),
            None => t!(lang, "doctor-codex-provider-unset"),
        };
        return Check::new(
            id,
            title,
            CheckStatus::Warn,
            t!(
                lang,
                "doctor-codex-not-enabled",
                path = path,
                provider = provider
            ),
        )
        .with_fix(t!(lang, "doctor-codex-not-enabled-fix", port = ctx.port));
    }
    let base = report.base_url.clone().unwrap_or_default();
    let base = base.as_str();
    if !report.port_matches() {
        return Check::new(
            id,
            title,
            CheckStatus::Fail,
            t!(
                lang,
                "doctor-codex-elsewhere",
                path = path,
                base = base,
                expected = expected.as_str()
            ),
        )
        .with_fix(t!(
            lang,
            "doctor-codex-elsewhere-fix",
            port = ctx.port,
            base = base
        ));
    }
    if !report.warnings.is_empty() {
        return Check::new(
            id,
            title,
            CheckStatus::Warn,
            t!(
                lang,
                "doctor-codex-warnings",
                path = path,
                warnings = join_parts(lang, &report.warnings)
            ),
        )
        .with_fix(t!(lang, "doctor-codex-warnings-fix"));
    }
    Check::new(
        id,
        title,
        CheckStatus::Pass,
        t!(lang, "doctor-codex-ok", path = path, base = base),
    )
}

/// Which proxy apps run and which preset ports answer.
pub fn detection_check(lang: Lang, d: &Detection) -> Check {
    let (id, title) = ("proxy.detect", t!(lang, "doctor-title-proxy-detect"));
    let answering: Vec<String> = d
        .candidates
        .iter()
        .filter_map(|c| {
            let kind = c.answered_as?;
            let name = match c.preset {
                Some(p) => p.name().to_string(),
                None => t!(lang, "doctor-detect-port"),
            };
            let kind = match kind {
                ProxyKind::Http => "HTTP",
                ProxyKind::Socks5 => "SOCKS5",
            };
            Some(match c.process.as_deref() {
                Some(process) => t!(
                    lang,
                    "doctor-detect-answers-by",
                    name = name,
                    port = c.port,
                    kind = kind,
                    process = process
                ),
                None => t!(
                    lang,
                    "doctor-detect-answers",
                    name = name,
                    port = c.port,
                    kind = kind
                ),
            })
        })
        .collect();
    let apps: Vec<&str> = d.apps.iter().map(|a| a.process.as_str()).collect();
    let mut parts = Vec::new();
    if !apps.is_empty() {
        parts.push(t!(
            lang,
            "doctor-detect-running",
            apps = join_list(lang, &apps)
        ));
    }
    if answering.is_empty() {
        let ports: Vec<String> = Preset::ALL.iter().map(|p| p.port().to_string()).collect();
        parts.push(t!(
            lang,
            "doctor-detect-none",
            ports = join_list(lang, &ports)
        ));
    } else {
        parts.push(join_parts(lang, &answering));
    }
    let check = Check::new(id, title, CheckStatus::Pass, join_parts(lang, &parts));
    match d.summary(lang) {
        Some(s) => check.with_fix(t!(lang, "doctor-detect-fix", summary = s)),
        None => check,
    }
}

/// The route's proxy accepts connections.
pub async fn proxy_listening(
    ctx: &DoctorContext,
    route: &ProxyRoute,
    detection: Option<&Detection>,
) -> Check {
    let lang = ctx.lang;
    let (id, title) = ("proxy.listening", t!(lang, "doctor-title-proxy-listening"));
    let Some((url, _)) = route.proxy() else {
        return Check::new(
            id,
            title,
            CheckStatus::Skip,
            t!(lang, "doctor-listening-no-proxy"),
        );
    };
    let masked = mask_proxy_url(url);
    let Some((_, host, port)) = proxy_endpoint(url) else {
        return Check::new(
            id,
            title,
            CheckStatus::Fail,
            t!(lang, "doctor-proxy-bad-url", proxy = masked.as_str()),
        );
    };
    let failure = |kind| UpstreamFailure {
        kind,
        provider: "proxy".into(),
        url: url.to_string(),
        proxy: Some(masked.clone()),
        key_env: String::new(),
    };
    let kind = match probe::connect_host(&host, port, ctx.connect_timeout).await {
        Ok(_) => {
            return Check::new(
                id,
                title,
                CheckStatus::Pass,
                t!(lang, "doctor-listening-ok", proxy = masked.as_str()),
            )
        }
        Err(e) => e.into_kind(true, "connecting to the proxy"),
    };
    let mut check = Check::from_failure(lang, id, title, CheckStatus::Fail, &failure(kind));
    if let Some(summary) = detection.and_then(|d| d.summary(lang)) {
        let fix = check.fix.take().unwrap_or_default();
        check = check.with_fix(t!(
            lang,
            "doctor-listening-detected-fix",
            summary = summary,
            fix = fix
        ));
    }
    check
}

#[cfg(test)]
#[path = "local_tests.rs"]
mod tests;
