//! The outbound side as the engine builds it — the route, the extra CA file and the client — and
//! the `tls.ca` and `route` checks that say how building them went, in the doctor's language.

use crate::t;
use crate::upstream::{ExtraCa, ProxyRoute, RouteContext, Upstream, UpstreamConfig};

use super::{Check, CheckStatus, DoctorContext};

/// The route and the outbound client, exactly as the engine builds them, with the checks saying how
/// building them went.
pub(super) struct Outbound {
    pub route: ProxyRoute,
    upstream: Result<Upstream, String>,
    /// `tls.ca`: the extra CA file, if any.
    pub ca_check: Check,
    /// `route`: the outbound route, and a hint when it is likely wrong.
    pub route_check: Check,
}

impl Outbound {
    pub async fn build(ctx: &DoctorContext) -> Outbound {
        let lang = ctx.lang;
        let route_ctx = RouteContext {
            env: ctx.env.clone(),
            no_proxy_from_env: ctx.no_proxy_from_env,
            no_proxy: ctx.network.no_proxy.clone(),
        };
        let choice = ctx.network.route.clone();
        let route = {
            let choice = choice.clone();
            // Reading the OS proxy settings runs a short command.
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
        let title = t!(lang, "doctor-title-tls-ca");
        let ca_check = match &ca {
            None => Check::new("tls.ca", title, CheckStatus::Pass, t!(lang, "doctor-ca-os")),
            Some(Ok(ca)) => Check::new("tls.ca", title, CheckStatus::Pass, ca.describe_in(lang)),
            Some(Err(err)) => Check::new("tls.ca", title, CheckStatus::Fail, err.text(lang))
                .with_fix(t!(lang, "doctor-ca-fix")),
        };
        let upstream = Upstream::new(UpstreamConfig {
            choice: choice.clone(),
            extra_ca: ca.and_then(Result::ok),
            connect_timeout: ctx.connect_timeout,
            ..UpstreamConfig::new(route.clone())
        })
        .map_err(|e| e.to_string());
        let hint = route.hint_in(lang);
        let (status, fix) = match (&upstream, hint) {
            (Err(err), _) => (
                CheckStatus::Fail,
                t!(lang, "doctor-route-client-error", error = err.as_str()),
            ),
            (Ok(_), Some(hint)) => (CheckStatus::Warn, hint),
            (Ok(_), None) => (CheckStatus::Pass, String::new()),
        };
        let route_check = Check::new(
            "route",
            t!(lang, "doctor-title-route"),
            status,
            route.describe_in(lang),
        )
        .with_fix(fix);
        Outbound {
            route,
            upstream,
            ca_check,
            route_check,
        }
    }

    /// The client the provider checks use; `None` when it could not be built (see `route`).
    pub fn client(&self) -> Option<reqwest::Client> {
        match self.upstream.as_ref().map(|u| u.diagnostic_client()) {
            Ok(Ok(client)) => Some(client),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[tokio::test]
    async fn route_and_ca_checks_in_both_languages() {
        let dir = tempfile::tempdir().expect("tmp");
        let key = rcgen::KeyPair::generate().expect("key");
        let params = rcgen::CertificateParams::new(vec!["ca.test".to_string()]).expect("params");
        let pem = params.self_signed(&key).expect("cert").pem();
        let ca = dir.path().join("ca.pem");
        std::fs::write(&ca, pem).expect("write");
        let registry = crate::provider::ProviderRegistry::from_profiles(
            vec![crate::provider::ProviderProfile {
                id: "generic".into(),
                base_url: "http://127.0.0.2:9/v1".into(),
                default_model: "m".into(),
                ..Default::default()
            }],
            "generic",
        )
        .expect("registry");
        let network = crate::engine::NetworkConfig {
            route: crate::upstream::OutboundRoute::Direct,
            ca_file: Some((ca, "--ca-file".into())),
            ..Default::default()
        };
        let mut ctx = DoctorContext::new(registry, network);
        let en = Outbound::build(&ctx).await;
        assert_eq!(en.route_check.status, CheckStatus::Pass);
        assert_eq!(en.route_check.title, "Outbound route");
        assert!(
            en.route_check.detail.starts_with("proxy: direct"),
            "{:?}",
            en.route_check
        );
        assert!(
            en.ca_check
                .detail
                .contains("(1 certificate, from --ca-file)"),
            "{:?}",
            en.ca_check
        );
        ctx.lang = Lang::ZhCn;
        let zh = Outbound::build(&ctx).await;
        assert_eq!(
            (zh.route_check.id.as_str(), zh.route_check.status),
            ("route", CheckStatus::Pass)
        );
        assert_eq!(zh.route_check.title, "出站方式");
        assert_ne!(zh.route_check.detail, en.route_check.detail);
        assert!(
            zh.ca_check.detail.contains("1 个证书，来自 --ca-file"),
            "{:?}",
            zh.ca_check
        );
        assert!(zh.client().is_some());
    }
}
