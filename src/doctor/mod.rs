//! `mimo2codex doctor`: walks both hops — Codex → mimo2codex on loopback, mimo2codex → proxy →
//! provider — and reports each check as data ([`Check`]), so the CLI prints them and the desktop
//! window can show them live through [`run_doctor`]'s `progress` callback.
//!
//! Every network failure's detail and fix come from [`crate::upstream::UpstreamFailure`], the same
//! classification the engine logs and shows Codex. Titles, details and fixes are in
//! [`DoctorContext::lang`] (`locales/<lang>/doctor.ftl`); check ids, statuses and codes are
//! language-neutral, for `--json` consumers. Network calls are bounded by
//! [`DoctorContext::connect_timeout`]; providers are checked concurrently.

pub mod cert;
mod local;
mod outbound;
mod provider;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::{FuturesUnordered, StreamExt};
use serde::Serialize;

use crate::codex_config::CodexPaths;
use crate::engine::NetworkConfig;
use crate::i18n::Lang;
use crate::network::detect::DetectOptions;
use crate::provider::ProviderRegistry;
use crate::upstream::UpstreamFailure;
use outbound::Outbound;

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

    /// A check whose detail, fix and code are the engine's classification of `failure`, the
    /// detail and fix in `lang` (the code is language-neutral).
    pub fn from_failure(
        lang: Lang,
        id: impl Into<String>,
        title: impl Into<String>,
        status: CheckStatus,
        failure: &UpstreamFailure,
    ) -> Check {
        let (problem, fix) = failure_text(lang, failure);
        let mut check = Check::new(id, title, status, problem).with_fix(fix);
        check.code = Some(failure.code());
        check
    }
}

/// The engine's explanation of `failure` — the words Codex shows and the log has — as
/// `(problem, fix)` in `lang`.
fn failure_text(lang: Lang, failure: &UpstreamFailure) -> (String, String) {
    (failure.problem_in(lang), failure.fix_in(lang))
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
    /// The language of every check's title, detail and fix (ids, statuses and codes are
    /// language-neutral). English unless set.
    pub lang: Lang,
}

impl DoctorContext {
    /// Defaults: 3 s connects, 10 s requests, the preset ports probed, Codex not checked, English.
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
            lang: Lang::En,
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

    let outbound = Outbound::build(ctx).await;
    emit(outbound.ca_check.clone(), &mut report);
    emit(outbound.route_check.clone(), &mut report);
    let route = outbound.route.clone();

    let detection = match &ctx.detect {
        Some(options) => Some(crate::network::detect::detect(options).await),
        None => None,
    };
    if let Some(d) = &detection {
        emit(local::detection_check(ctx.lang, d), &mut report);
    }
    emit(
        local::proxy_listening(ctx, &route, detection.as_ref()).await,
        &mut report,
    );

    let client = outbound.client();
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

/// Why [`test_provider`] could not run.
#[derive(Debug, thiserror::Error)]
pub enum DoctorError {
    #[error("unknown provider '{id}'; configured providers: {known}")]
    UnknownProvider { id: String, known: String },
}

impl DoctorError {
    /// What went wrong, for people, in `lang` (`Display` is the English of it, for logs).
    pub fn message(&self, lang: Lang) -> String {
        match self {
            DoctorError::UnknownProvider { id, known } => crate::t!(
                lang,
                "doctor-unknown-provider",
                id = id.as_str(),
                known = known.as_str()
            ),
        }
    }
}

/// The checks of one provider (DNS, connect or tunnel, TLS + key), with the route and client
/// [`run_doctor`] uses — the desktop's "Test" button. The `tls.ca` and `route` checks come first
/// when they did not pass: they explain the provider's failures.
pub async fn test_provider(
    ctx: &DoctorContext,
    provider_id: &str,
) -> Result<Vec<Check>, DoctorError> {
    let Some(p) = ctx.registry.get(provider_id.trim()) else {
        let known: Vec<&str> = ctx
            .registry
            .providers()
            .iter()
            .map(|p| p.id.as_str())
            .collect();
        return Err(DoctorError::UnknownProvider {
            id: provider_id.to_string(),
            known: known.join(", "),
        });
    };
    let outbound = Outbound::build(ctx).await;
    let client = outbound.client();
    let mut checks: Vec<Check> = [outbound.ca_check, outbound.route_check]
        .into_iter()
        .filter(|c| c.status != CheckStatus::Pass)
        .collect();
    checks.extend(provider::checks(ctx, p, &outbound.route, client.as_ref()).await);
    Ok(checks)
}

fn push(report: &mut DoctorReport, progress: &mut impl FnMut(&Check), check: Check) {
    progress(&check);
    report.checks.push(check);
}

/// The `/v1/models` server of the integration tests (tests/doctor.rs), for the unit tests.
#[cfg(test)]
#[path = "../../tests/support/models_server.rs"]
mod models_server;

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

    use super::models_server::{self, GOOD_KEY};

    #[tokio::test]
    async fn test_provider_checks_one_provider_and_names_unknown_ids() {
        use crate::provider::ProviderProfile;
        use crate::secret::Secret;
        let addr = models_server::models_server("127.0.0.1").await;
        let profile = |id: &str, key: &str| ProviderProfile {
            id: id.into(),
            base_url: format!("http://{addr}/v1"),
            api_key: Some(Secret::new(key)),
            key_env: vec![format!("{}_KEY", id.to_ascii_uppercase())],
            default_model: "m".into(),
            ..ProviderProfile::default()
        };
        let registry = ProviderRegistry::from_profiles(
            vec![profile("good", GOOD_KEY), profile("bad", "sk-wrong-000000")],
            "good",
        )
        .expect("registry");
        let network = NetworkConfig {
            route: crate::upstream::OutboundRoute::Direct,
            ..NetworkConfig::default()
        };
        let mut ctx = DoctorContext::new(registry, network);
        ctx.detect = None;

        let checks = test_provider(&ctx, "good").await.expect("known id");
        let ids: Vec<&str> = checks.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "provider.good.dns",
                "provider.good.connect",
                "provider.good.tls"
            ]
        );
        assert!(
            checks.iter().all(|c| c.status == CheckStatus::Pass),
            "{checks:#?}"
        );
        assert!(
            checks[2].detail.contains("GOOD_KEY is accepted"),
            "{checks:#?}"
        );

        let checks = test_provider(&ctx, "bad").await.expect("known id");
        let tls = checks.last().expect("tls check");
        assert_eq!(
            (tls.id.as_str(), tls.status),
            ("provider.bad.tls", CheckStatus::Fail)
        );
        assert_eq!(tls.code.as_deref(), Some("HTTP_401"));
        assert!(!format!("{checks:?}").contains("sk-wrong"));

        let err = test_provider(&ctx, "nope").await.expect_err("unknown id");
        assert_eq!(
            err.to_string(),
            "unknown provider 'nope'; configured providers: good, bad"
        );
        assert_eq!(err.message(Lang::En), err.to_string());
        assert_eq!(
            err.message(Lang::ZhCn),
            "未知的服务商 'nope'；已配置的服务商：good, bad"
        );

        // In Chinese: the same ids, statuses and codes; titles, details and fixes in Chinese.
        ctx.lang = Lang::ZhCn;
        let zh = test_provider(&ctx, "bad").await.expect("known id");
        let shape = |c: &Check| (c.id.clone(), c.status, c.code.clone());
        assert_eq!(
            zh.iter().map(shape).collect::<Vec<_>>(),
            checks.iter().map(shape).collect::<Vec<_>>()
        );
        let tls = zh.last().expect("tls check");
        assert_eq!(tls.title, "bad：API Key（明文 http）");
        assert!(
            tls.detail.starts_with("明文 http，没有 TLS；GET /models："),
            "{tls:#?}"
        );
        assert!(
            tls.fix.as_deref().unwrap_or("").contains("BAD_KEY"),
            "{tls:#?}"
        );
        assert!(zh[1].detail.starts_with("已直接连接 127.0.0.1:"), "{zh:#?}");
    }
}
