//! Tests of the local checks (`local.rs`).

use super::*;
use crate::engine::NetworkConfig;
use crate::network::detect::{Candidate, RunningApp};
use crate::provider::{ProviderProfile, ProviderRegistry};

fn ctx(lang: Lang, env: &[(&str, &str)]) -> DoctorContext {
    let profile = ProviderProfile {
        id: "generic".into(),
        base_url: "http://127.0.0.2:9/v1".into(),
        default_model: "m".into(),
        ..ProviderProfile::default()
    };
    let registry = ProviderRegistry::from_profiles(vec![profile], "generic").expect("registry");
    let mut ctx = DoctorContext::new(registry, NetworkConfig::default());
    ctx.env = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    ctx.network.route = crate::upstream::OutboundRoute::Direct;
    ctx.port = 8788;
    ctx.lang = lang;
    ctx
}

#[test]
fn proxy_variables_and_no_proxy_in_both_languages() {
    let env = [
        ("HTTP_PROXY", "http://u:secret@127.0.0.1:7890"),
        ("HTTPS_PROXY", "http://127.0.0.1:7897"),
    ];
    let en = proxy_env(&ctx(Lang::En, &env));
    let zh = proxy_env(&ctx(Lang::ZhCn, &env));
    assert_eq!(
        (en.id.as_str(), en.status),
        ("env.proxy_vars", CheckStatus::Warn)
    );
    assert_eq!((zh.id.as_str(), zh.status), (en.id.as_str(), en.status));
    assert!(
        en.detail.contains("route direct is in effect"),
        "{}",
        en.detail
    );
    assert!(en.title.starts_with("Proxy environment"), "{}", en.title);
    assert_eq!(zh.title, "代理环境变量");
    assert!(
        zh.detail
            .contains("HTTPS_PROXY=http://127.0.0.1:7897、HTTP_PROXY=http://u:****@127.0.0.1:7890"),
        "{}",
        zh.detail
    );
    assert!(
        zh.detail.contains("direct") && zh.detail.contains("出站方式"),
        "{}",
        zh.detail
    );
    assert!(!format!("{zh:?}{en:?}").contains("secret"));
    assert!(
        zh.fix.as_deref().unwrap_or("").contains("HTTPS_PROXY"),
        "{zh:?}"
    );

    let en = no_proxy_loopback(&ctx(Lang::En, &env));
    let zh = no_proxy_loopback(&ctx(Lang::ZhCn, &env));
    assert_eq!(
        (en.status, zh.status),
        (CheckStatus::Fail, CheckStatus::Fail)
    );
    assert!(en.detail.contains("http://127.0.0.1:8788"), "{}", en.detail);
    assert!(
        zh.detail.contains("NO_PROXY 未包含 127.0.0.1"),
        "{}",
        zh.detail
    );
    assert!(zh.detail.contains("http://127.0.0.1:8788"), "{}", zh.detail);
    let fix = zh.fix.unwrap_or_default();
    assert!(
        fix.contains("`export NO_PROXY=localhost,127.0.0.1,::1 no_proxy=\"$NO_PROXY\"`")
            && fix.contains("`$env:NO_PROXY=\"localhost,127.0.0.1,::1\"`")
            && fix.contains("mimo2codex launcher"),
        "{fix}"
    );
}

#[test]
fn detection_in_both_languages() {
    let d = Detection {
        candidates: vec![Candidate {
            preset: Some(Preset::Clash),
            port: 7890,
            kind: ProxyKind::Http,
            listening: true,
            answered_as: Some(ProxyKind::Http),
            process: Some("mihomo".into()),
        }],
        apps: vec![RunningApp {
            process: "mihomo".into(),
            app: "Clash",
            preset: Some(Preset::Clash),
        }],
        pick: Some(Preset::Clash),
    };
    let en = detection_check(Lang::En, &d);
    assert_eq!(
        en.detail,
        "running: mihomo; clash 127.0.0.1:7890 answers HTTP, mihomo"
    );
    assert_eq!(
        en.fix.as_deref(),
        Some("to route through it: Clash answers on 127.0.0.1:7890 (Clash is running): --proxy clash")
    );
    let zh = detection_check(Lang::ZhCn, &d);
    assert_eq!(zh.title, "本机的代理软件");
    assert!(
        zh.detail
            .starts_with("正在运行：mihomo；clash 127.0.0.1:7890"),
        "{}",
        zh.detail
    );
    assert!(
        zh.fix.as_deref().unwrap_or("").contains("--proxy clash"),
        "{zh:?}"
    );
    let nothing = detection_check(Lang::ZhCn, &Detection::default());
    assert!(nothing.detail.contains("7890、7897"), "{}", nothing.detail);
    assert_eq!(nothing.fix, None);
}

#[tokio::test]
async fn a_free_port_in_chinese() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let mut c = ctx(Lang::ZhCn, &[]);
    c.port = port;
    let check = engine_port(&c).await;
    assert_eq!(
        (check.id.as_str(), check.status),
        ("engine.port", CheckStatus::Warn)
    );
    assert!(
        check.detail.contains(&format!("127.0.0.1:{port}")),
        "{check:?}"
    );
    assert!(check.detail.contains("ECONNREFUSED"), "{check:?}");
    assert!(
        check
            .fix
            .as_deref()
            .unwrap_or("")
            .contains(&format!("`mimo2codex --port {port}`")),
        "{check:?}"
    );
    c.host = "not-an-ip".into();
    let bad = engine_port(&c).await;
    assert!(bad.detail.contains("--host 'not-an-ip'"), "{bad:?}");
}
