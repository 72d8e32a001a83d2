//! `mimo2codex doctor`: walks both hops — Codex → mimo2codex on loopback, mimo2codex → proxy →
//! provider — and reports each check as data ([`Check`]), so the CLI prints them and the desktop
//! window can show them live through [`run_doctor`]'s `progress` callback.
//!
//! Every network failure's detail and fix come from [`crate::upstream::UpstreamFailure`], the same
//! classification the engine logs and shows Codex. Network calls are bounded by
//! [`DoctorContext::connect_timeout`]; providers are checked concurrently.

pub mod cert;
mod local;
mod provider;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::{FuturesUnordered, StreamExt};
use serde::Serialize;

use crate::codex_config::CodexPaths;
use crate::engine::NetworkConfig;
use crate::network::detect::DetectOptions;
use crate::provider::ProviderRegistry;
use crate::upstream::{
    ExtraCa, ProxyRoute, RouteContext, Upstream, UpstreamConfig, UpstreamFailure,
};

/// The outcome of one check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckStatus {
    Pass,
    Warn,
    Fail,
    /// Not applicable, or an earlier step failed.
    Skip,
}

impl CheckStatus {
    /// `✓`, `!`, `✗`, `-`.
    pub fn symbol(self) -> &'static str {
        match self {
            CheckStatus::Pass => "✓",
            CheckStatus::Warn => "!",
            CheckStatus::Fail => "✗",
            CheckStatus::Skip => "-",
        }
    }
}

/// One check: what was looked at, what was found, what to do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Check {
    /// Stable id: `env.proxy_vars`, `engine.port`, `provider.deepseek.tls`, …
    pub id: String,
    pub title: String,
    pub status: CheckStatus,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// The failure code (`ECONNREFUSED`, `ENOTFOUND`, `ETUNNEL`, `HTTP_401`, …) when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

impl Check {
    pub fn new(
        id: impl Into<String>,
        title: impl Into<String>,
        status: CheckStatus,
        detail: impl Into<String>,
    ) -> Check {
        Check {
            id: id.into(),
            title: title.into(),
            status,
            detail: detail.into(),
            fix: None,
            code: None,
        }
    }

    pub fn with_fix(mut self, fix: impl Into<String>) -> Check {
        let fix = fix.into();
        self.fix = (!fix.is_empty()).then_some(fix);
        self
    }

    /// A check whose detail, fix and code are the engine's classification of `failure`.
    pub fn from_failure(
        id: impl Into<String>,
        title: impl Into<String>,
        status: CheckStatus,
        failure: &UpstreamFailure,
    ) -> Check {
        let mut check = Check::new(id, title, status, failure.problem()).with_fix(failure.fix());
        check.code = Some(failure.code());
        check
    }
}

/// All checks, in a stable order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DoctorReport {
    pub checks: Vec<Check>,
}

impl DoctorReport {
    pub fn count(&self, status: CheckStatus) -> usize {
        self.checks.iter().filter(|c| c.status == status).count()
    }

    /// No check failed.
    pub fn ok(&self) -> bool {
        self.count(CheckStatus::Fail) == 0
    }

    pub fn get(&self, id: &str) -> Option<&Check> {
        self.checks.iter().find(|c| c.id == id)
    }
}

/// What the doctor checks against: the engine's own configuration.
#[derive(Clone, Debug)]
pub struct DoctorContext {
    /// The real process environment (proxy variables are read from it, as the engine does).
    pub env: HashMap<String, String>,
    /// `MIMO2CODEX_NO_PROXY_FROM_ENV=1`.
    pub no_proxy_from_env: bool,
    /// Route, NO_PROXY list and CA file, as `serve` would use them.
    pub network: NetworkConfig,
    /// The address the engine listens on (`--host`, `--port`).
    pub host: String,
    pub port: u16,
    pub registry: ProviderRegistry,
    /// Codex's config to check; `None` skips that check.
    pub codex: Option<CodexPaths>,
    /// Per connect (TCP, proxy handshake) and per DNS lookup.
    pub connect_timeout: Duration,
    /// For the whole `GET /models` exchange.
    pub request_timeout: Duration,
    /// Proxy-app detection; `None` skips it.
    pub detect: Option<DetectOptions>,
}

impl DoctorContext {
    /// Defaults: 3 s connects, 10 s requests, the preset ports probed, Codex not checked.
    pub fn new(registry: ProviderRegistry, network: NetworkConfig) -> DoctorContext {
        DoctorContext {
            env: crate::provider::env_file::process_env().collect(),
            no_proxy_from_env: false,
            network,
            host: "127.0.0.1".into(),
            port: crate::engine::DEFAULT_PORT,
            registry,
            codex: None,
            connect_timeout: Duration::from_secs(3),
            request_timeout: Duration::from_secs(10),
            detect: Some(DetectOptions::default()),
        }
    }
}

/// Runs every check; `progress` is called with each check as soon as it is known (providers in the
/// order they finish). The report keeps a stable order.
pub async fn run_doctor(ctx: &DoctorContext, mut progress: impl FnMut(&Check)) -> DoctorReport {
    let mut report = DoctorReport::default();
    let mut emit = |check: Check, report: &mut DoctorReport| push(report, &mut progress, check);

    emit(local::proxy_env(ctx), &mut report);
    emit(local::no_proxy_loopback(ctx), &mut report);
    emit(local::engine_port(ctx).await, &mut report);
    emit(local::codex_config(ctx).await, &mut report);

    // The route and the client, exactly as the engine builds them.
    let route_ctx = RouteContext {
        env: ctx.env.clone(),
        no_proxy_from_env: ctx.no_proxy_from_env,
        no_proxy: ctx.network.no_proxy.clone(),
    };
    let choice = ctx.network.route.clone();
    let route = {
        let choice = choice.clone();
        tokio::task::spawn_blocking(move || {
            choice.resolve(&route_ctx, || {
                crate::upstream::system::read_system_proxy(&route_ctx.env)
            })
        })
        .await
        .unwrap_or(ProxyRoute::Direct)
    };
    let ca = ctx
        .network
        .ca_file
        .as_ref()
        .map(|(path, from)| ExtraCa::load(path, from));
    let (status, detail, fix) = match &ca {
        None => (CheckStatus::Pass, "OS trust store (no extra CA file)".to_string(), ""),
        Some(Ok(ca)) => (CheckStatus::Pass, ca.describe(), ""),
        Some(Err(err)) => (
            CheckStatus::Fail,
            err.to_string(),
            "Point --ca-file (or the variable named) at a PEM file with -----BEGIN CERTIFICATE----- blocks",
        ),
    };
    emit(
        Check::new("tls.ca", "Trusted certificates", status, detail).with_fix(fix),
        &mut report,
    );
    let extra_ca = ca.and_then(Result::ok);
    let upstream = Upstream::new(UpstreamConfig {
        choice,
        extra_ca,
        connect_timeout: ctx.connect_timeout,
        ..UpstreamConfig::new(route.clone())
    });
    let (status, fix) = match (&upstream, route.hint()) {
        (Err(err), _) => (CheckStatus::Fail, err.to_string()),
        (Ok(_), Some(hint)) => (CheckStatus::Warn, hint.to_string()),
        (Ok(_), None) => (CheckStatus::Pass, String::new()),
    };
    emit(
        Check::new("route", "Outbound route", status, route.describe()).with_fix(fix),
        &mut report,
    );

    let detection = match &ctx.detect {
        Some(options) => Some(crate::network::detect::detect(options).await),
        None => None,
    };
    if let Some(d) = &detection {
        emit(local::detection_check(d), &mut report);
    }
    emit(
        local::proxy_listening(ctx, &route, detection.as_ref()).await,
        &mut report,
    );

    let client = match upstream.as_ref().map(|u| u.diagnostic_client()) {
        Ok(Ok(client)) => Some(client),
        _ => None,
    };
    let route = Arc::new(route);
    let mut pending: FuturesUnordered<_> = ctx
        .registry
        .providers()
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let route = route.clone();
            let client = client.clone();
            async move { (i, provider::checks(ctx, p, &route, client.as_ref()).await) }
        })
        .collect();
    let mut done: Vec<(usize, Vec<Check>)> = Vec::new();
    while let Some((i, checks)) = pending.next().await {
        checks.iter().for_each(&mut progress);
        done.push((i, checks));
    }
    drop(pending);
    done.sort_by_key(|(i, _)| *i);
    report
        .checks
        .extend(done.into_iter().flat_map(|(_, checks)| checks));
    report
}

fn push(report: &mut DoctorReport, progress: &mut impl FnMut(&Check), check: Check) {
    progress(&check);
    report.checks.push(check);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_serialize_for_the_json_output() {
        let check = Check::new("engine.port", "Port 8788", CheckStatus::Warn, "free")
            .with_fix("start mimo2codex");
        let v = serde_json::to_value(&check).expect("json");
        assert_eq!(v["status"], "warn");
        assert_eq!(v["fix"], "start mimo2codex");
        assert!(v.get("code").is_none());
        let report = DoctorReport {
            checks: vec![check, Check::new("x", "X", CheckStatus::Fail, "bad")],
        };
        assert!(!report.ok());
        assert_eq!(report.count(CheckStatus::Warn), 1);
        assert_eq!(CheckStatus::Fail.symbol(), "✗");
    }
}
