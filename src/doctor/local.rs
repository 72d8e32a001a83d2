//! The checks on this machine: proxy variables, NO_PROXY for Codex, the engine's port, Codex's
//! config, the proxy app.

use super::{Check, CheckStatus, DoctorContext};
use crate::codex_config::status::PROBE_TIMEOUT;
use crate::codex_config::{engine_base_url, probe_health, EngineProbe};
use crate::network::detect::{Detection, ProxyKind};
use crate::network::launcher::LOOPBACK;
use crate::network::probe;
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

/// Which proxy variables are set, which one wins, and whether the engine uses it.
pub fn proxy_env(ctx: &DoctorContext) -> Check {
    let title = "Proxy environment variables";
    let set = set_vars(ctx, &PROXY_VARS);
    if set.is_empty() {
        return Check::new(
            "env.proxy_vars",
            title,
            CheckStatus::Pass,
            "none set (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, either case)",
        );
    }
    let listed: Vec<String> = set
        .iter()
        .map(|(k, v)| format!("{k}={}", mask_proxy_url(v)))
        .collect();
    let winner = set[0].0;
    let used = if ctx.no_proxy_from_env {
        "mimo2codex ignores them: MIMO2CODEX_NO_PROXY_FROM_ENV=1".to_string()
    } else {
        match &ctx.network.route {
            crate::upstream::OutboundRoute::Env => {
                format!("{winner} wins and is what mimo2codex uses (route env)")
            }
            crate::upstream::OutboundRoute::System => format!(
                "{winner} wins; mimo2codex uses it only when the OS names no proxy (route system)"
            ),
            other => format!(
                "{winner} would win, but mimo2codex does not use them: route {other} is in effect"
            ),
        }
    };
    let distinct: std::collections::HashSet<&str> = set.iter().map(|(_, v)| *v).collect();
    let detail = format!("set: {}; {used}", listed.join(", "));
    if distinct.len() > 1 {
        Check::new("env.proxy_vars", title, CheckStatus::Warn, detail).with_fix(format!(
            "These variables name different proxies; {winner} is used for https upstreams. Set them to the same URL, or unset the ones you do not mean"
        ))
    } else {
        Check::new("env.proxy_vars", title, CheckStatus::Pass, detail)
    }
}

/// An environment proxy without loopback in NO_PROXY sends Codex's own requests for mimo2codex to
/// the proxy.
pub fn no_proxy_loopback(ctx: &DoctorContext) -> Check {
    let (id, title) = (
        "env.no_proxy",
        "NO_PROXY covers loopback (Codex → mimo2codex)",
    );
    // PROXY_VARS: HTTPS_PROXY (either case), then HTTP_PROXY and ALL_PROXY.
    let http = set_vars(ctx, &PROXY_VARS[2..]);
    let https = set_vars(ctx, &PROXY_VARS[..2]);
    if http.is_empty() && https.is_empty() {
        return Check::new(
            id,
            title,
            CheckStatus::Pass,
            "no proxy variables: Codex connects to mimo2codex on 127.0.0.1 directly",
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
            format!("NO_PROXY={no_proxy} covers localhost and 127.0.0.1"),
        );
    }
    let value = if no_proxy.is_empty() {
        LOOPBACK.to_string()
    } else {
        format!("{no_proxy},{LOOPBACK}")
    };
    let fix = format!(
        "Add loopback to NO_PROXY where you start Codex: `export NO_PROXY={value} no_proxy=\"$NO_PROXY\"` \
         (PowerShell: `$env:NO_PROXY=\"{value}\"`), or start Codex with the launcher script (`mimo2codex launcher`)"
    );
    match http.first() {
        Some((var, value)) => Check::new(
            id,
            title,
            CheckStatus::Fail,
            format!(
                "{var}={} is set and NO_PROXY does not cover 127.0.0.1: Codex started from this shell sends \
                 its requests for http://127.0.0.1:{} to that proxy, which answers 502 Bad Gateway or \
                 ECONNREFUSED (Codex shows Reconnecting... 1/5)",
                mask_proxy_url(value),
                ctx.port
            ),
        )
        .with_fix(fix),
        None => Check::new(
            id,
            title,
            CheckStatus::Warn,
            "HTTPS_PROXY is set and NO_PROXY does not cover 127.0.0.1: Codex's plain-http connection to \
             mimo2codex is not affected, but clients that apply HTTPS_PROXY to every URL are",
        )
        .with_fix(fix),
    }
}

/// The engine's port: free, held by a running mimo2codex (a pass), or held by something else.
pub async fn engine_port(ctx: &DoctorContext) -> Check {
    let (host, port) = (ctx.host.clone(), ctx.port);
    let id = "engine.port";
    let title = format!("Port {port} on {host} (mimo2codex)");
    let Ok(ip) = crate::engine::parse_host(&host) else {
        return Check::new(
            id,
            title,
            CheckStatus::Fail,
            format!("invalid --host '{host}'"),
        )
        .with_fix("use an IP address such as 127.0.0.1");
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
    match found {
        Ok(None) => Check::new(
            id,
            title,
            CheckStatus::Warn,
            format!("free: mimo2codex is not running there, so Codex gets ECONNREFUSED from {host}:{port} until it does"),
        )
        .with_fix(format!("start mimo2codex (`mimo2codex --port {port}`, or ./scripts/run.sh), then Codex")),
        Ok(Some((holder, EngineProbe::Answers { version }))) => Check::new(
            id,
            title,
            CheckStatus::Pass,
            format!(
                "mimo2codex {version} is running there{} and answers GET /healthz",
                holder.map(|h| format!(" ({h})")).unwrap_or_default()
            ),
        ),
        Ok(Some((holder, probe))) => {
            let who = holder
                .map(|h| format!("by {h}"))
                .unwrap_or_else(|| "by another process (not visible to this user)".into());
            let why = match probe {
                EngineProbe::NotAnswering(w) | EngineProbe::Skipped(w) => w,
                EngineProbe::Answers { .. } => String::new(),
            };
            Check::new(
                id,
                title,
                CheckStatus::Fail,
                format!("port {port} on {host} is already in use {who}, which is not mimo2codex ({why}): mimo2codex cannot start there"),
            )
            .with_fix(
                "Stop that process, or use another port: `mimo2codex --port <N>` and `mimo2codex codex enable --port <N>` (Codex's base_url must name the same port)",
            )
        }
        Err(e) => Check::new(id, title, CheckStatus::Fail, format!("cannot listen on {host}:{port}: {e}"))
            .with_fix("use --host 127.0.0.1 (an address of this machine)"),
    }
}

/// Does Codex's config.toml point at this engine's address?
pub async fn codex_config(ctx: &DoctorContext) -> Check {
    let (id, title) = ("codex.config", "Codex config.toml → this engine");
    let Some(paths) = ctx.codex.clone() else {
        return Check::new(id, title, CheckStatus::Skip, "not checked");
    };
    let expected = engine_base_url(&ctx.host, ctx.port);
    let status = {
        let expected = expected.clone();
        tokio::task::spawn_blocking(move || crate::codex_config::status(&paths, &expected)).await
    };
    let report = match status {
        Ok(Ok(r)) => r,
        Ok(Err(err)) => {
            return Check::new(id, title, CheckStatus::Fail, err.to_string()).with_fix(
                "fix config.toml at the place named, or `mimo2codex codex disable` to restore the backup",
            )
        }
        Err(err) => return Check::new(id, title, CheckStatus::Fail, err.to_string()),
    };
    let path = report.config_path.display().to_string();
    if !report.enabled {
        return Check::new(
            id,
            title,
            CheckStatus::Warn,
            format!(
                "{path}: Codex does not use mimo2codex (model_provider = {})",
                report.model_provider.as_deref().unwrap_or("not set")
            ),
        )
        .with_fix(format!(
            "`mimo2codex codex enable --port {}` points it here (a backup is kept)",
            ctx.port
        ));
    }
    let base = report.base_url.clone().unwrap_or_default();
    if !report.port_matches() {
        return Check::new(
            id,
            title,
            CheckStatus::Fail,
            format!(
                "{path}: Codex sends its requests to {base}, but this engine serves {expected}: Codex gets \
                 ECONNREFUSED there (or reaches another program)"
            ),
        )
        .with_fix(format!(
            "`mimo2codex codex enable --port {}` rewrites base_url, or start mimo2codex on the port in {base}",
            ctx.port
        ));
    }
    if !report.warnings.is_empty() {
        return Check::new(
            id,
            title,
            CheckStatus::Warn,
            format!("{path}: {}", report.warnings.join("; ")),
        )
        .with_fix("`mimo2codex codex enable`");
    }
    Check::new(
        id,
        title,
        CheckStatus::Pass,
        format!("{path}: base_url = {base}"),
    )
}

/// Which proxy apps run and which preset ports answer.
pub fn detection_check(d: &Detection) -> Check {
    let (id, title) = ("proxy.detect", "Proxy apps on this machine");
    let answering: Vec<String> = d
        .candidates
        .iter()
        .filter_map(|c| {
            let kind = c.answered_as?;
            let name = c.preset.map(|p| p.name()).unwrap_or("port");
            let kind = match kind {
                ProxyKind::Http => "HTTP",
                ProxyKind::Socks5 => "SOCKS5",
            };
            let by = c
                .process
                .as_deref()
                .map(|p| format!(", {p}"))
                .unwrap_or_default();
            Some(format!("{name} 127.0.0.1:{} answers {kind}{by}", c.port))
        })
        .collect();
    let apps: Vec<&str> = d.apps.iter().map(|a| a.process.as_str()).collect();
    let mut parts = Vec::new();
    if !apps.is_empty() {
        parts.push(format!("running: {}", apps.join(", ")));
    }
    if answering.is_empty() {
        let ports: Vec<String> = Preset::ALL.iter().map(|p| p.port().to_string()).collect();
        parts.push(format!("no preset port answers ({})", ports.join(", ")));
    } else {
        parts.push(answering.join("; "));
    }
    let check = Check::new(id, title, CheckStatus::Pass, parts.join("; "));
    match d.summary() {
        Some(s) => check.with_fix(format!("to route through it: {s}")),
        None => check,
    }
}

/// The route's proxy accepts connections.
pub async fn proxy_listening(
    ctx: &DoctorContext,
    route: &ProxyRoute,
    detection: Option<&Detection>,
) -> Check {
    let (id, title) = ("proxy.listening", "Proxy accepts connections");
    let Some((url, _)) = route.proxy() else {
        return Check::new(id, title, CheckStatus::Skip, "this route uses no proxy");
    };
    let masked = mask_proxy_url(url);
    let Some((_, host, port)) = proxy_endpoint(url) else {
        return Check::new(
            id,
            title,
            CheckStatus::Fail,
            format!("{masked} is not a usable proxy URL"),
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
                format!("{masked} accepts connections"),
            )
        }
        Err(e) => e.into_kind(true, "connecting to the proxy"),
    };
    let mut check = Check::from_failure(id, title, CheckStatus::Fail, &failure(kind));
    if let Some(summary) = detection.and_then(Detection::summary) {
        let fix = check.fix.take().unwrap_or_default();
        check = check.with_fix(format!("Detected here: {summary}. {fix}"));
    }
    check
}
