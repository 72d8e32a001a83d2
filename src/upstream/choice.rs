//! The outbound route the user picks — `direct`, `env`, `system`, a preset or a proxy URL — and how it
//! resolves into the [`ProxyRoute`] the client uses.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use super::route::{mask_proxy_url, ProxyRoute, RouteHint, RouteLabel, LOOPBACK_NO_PROXY};
use super::system::SystemProxy;
use crate::i18n::Lang;
use crate::t;

/// A proxy app's well-known local port.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Preset {
    /// Clash / Clash for Windows / mihomo mixed port 7890.
    Clash,
    /// Clash Verge (Rev) mixed port 7897.
    ClashVerge,
    /// Surge HTTP 6152.
    Surge,
    /// Surge SOCKS5 6153.
    SurgeSocks,
    /// V2RayN HTTP 10809.
    V2rayN,
    /// V2RayN SOCKS5 10808.
    V2rayNSocks,
    /// V2Box HTTP 1087.
    V2Box,
}

impl Preset {
    pub const ALL: [Preset; 7] = [
        Preset::Clash,
        Preset::ClashVerge,
        Preset::Surge,
        Preset::SurgeSocks,
        Preset::V2rayN,
        Preset::V2rayNSocks,
        Preset::V2Box,
    ];

    /// The `--proxy` name.
    pub fn name(self) -> &'static str {
        match self {
            Preset::Clash => "clash",
            Preset::ClashVerge => "clash-verge",
            Preset::Surge => "surge",
            Preset::SurgeSocks => "surge-socks",
            Preset::V2rayN => "v2rayn",
            Preset::V2rayNSocks => "v2rayn-socks",
            Preset::V2Box => "v2box",
        }
    }

    /// The app's name as users know it.
    pub fn label(self) -> &'static str {
        match self {
            Preset::Clash => "Clash",
            Preset::ClashVerge => "Clash Verge",
            Preset::Surge => "Surge",
            Preset::SurgeSocks => "Surge SOCKS5",
            Preset::V2rayN => "V2RayN",
            Preset::V2rayNSocks => "V2RayN SOCKS5",
            Preset::V2Box => "V2Box",
        }
    }

    pub fn port(self) -> u16 {
        match self {
            Preset::Clash => 7890,
            Preset::ClashVerge => 7897,
            Preset::Surge => 6152,
            Preset::SurgeSocks => 6153,
            Preset::V2rayN => 10809,
            Preset::V2rayNSocks => 10808,
            Preset::V2Box => 1087,
        }
    }

    /// The proxy URL; SOCKS presets resolve names on the proxy side (`socks5h`).
    pub fn url(self) -> String {
        let scheme = match self {
            Preset::SurgeSocks | Preset::V2rayNSocks => "socks5h",
            _ => "http",
        };
        format!("{scheme}://127.0.0.1:{}", self.port())
    }
}

/// A validated proxy URL (`http`, `https`, `socks5`, `socks5h`, optional `user:password`).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ProxyUrl(String);

impl ProxyUrl {
    pub fn parse(raw: &str) -> Result<ProxyUrl, RouteError> {
        let raw = raw.trim();
        let bad = |why: &str| RouteError::BadUrl {
            url: mask_proxy_url(raw),
            why: why.to_string(),
        };
        let url = reqwest::Url::parse(raw).map_err(|e| bad(&e.to_string()))?;
        match url.scheme() {
            "http" | "https" | "socks5" | "socks5h" => {}
            other => return Err(bad(&format!("scheme '{other}' {BAD_SCHEME}"))),
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(bad(NO_HOST));
        }
        if url.port_or_known_default().is_none() {
            return Err(bad(NO_PORT));
        }
        if url.username().is_empty() && url.password().is_some() {
            return Err(bad(PASSWORD_ONLY));
        }
        if !(url.path().is_empty() || url.path() == "/") || url.query().is_some() {
            return Err(bad(HAS_PATH));
        }
        Ok(ProxyUrl(raw.trim_end_matches('/').to_string()))
    }

    /// The URL with its password (for the client and settings.json only).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The URL with the password masked, for screens and logs.
    pub fn masked(&self) -> String {
        mask_proxy_url(&self.0)
    }
}

impl fmt::Debug for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ProxyUrl({})", self.masked())
    }
}

/// How the user wants upstream traffic to leave this machine (the `--proxy` setting).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub enum OutboundRoute {
    /// Never a proxy.
    Direct,
    /// `HTTPS_PROXY` > `HTTP_PROXY` > `ALL_PROXY`, `NO_PROXY` (today's behaviour, the default).
    #[default]
    Env,
    /// The OS proxy settings (what a GUI app would use), else the environment.
    System,
    Preset(Preset),
    Custom(ProxyUrl),
}

/// A bad `--proxy` value or proxy URL.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RouteError {
    #[error("unknown proxy route '{0}': use direct, env, system, a preset (clash, clash-verge, surge, surge-socks, v2rayn, v2rayn-socks, v2box) or a proxy URL such as http://127.0.0.1:7890 or socks5://user:password@127.0.0.1:1080")]
    Unknown(String),
    #[error("proxy URL {url} is not usable: {why}. Expected e.g. http://127.0.0.1:7890, https://proxy.corp:8443, socks5://user:password@127.0.0.1:1080 or socks5h://127.0.0.1:1080")]
    BadUrl { url: String, why: String },
}

impl RouteError {
    /// The error in `lang` (its `Display` is English, for logs).
    pub fn text(&self, lang: Lang) -> String {
        match self {
            RouteError::Unknown(value) => t!(lang, "route-error-unknown", value = value.as_str()),
            RouteError::BadUrl { url, why } => t!(
                lang,
                "route-error-bad-url",
                url = url.as_str(),
                why = why_text(lang, why)
            ),
        }
    }
}

const NO_HOST: &str = "no host";
const NO_PORT: &str = "no port (SOCKS proxies need one, e.g. :1080)";
const PASSWORD_ONLY: &str = "a password without a user name; write user:password@host";
const HAS_PATH: &str = "a proxy URL has no path or query; write scheme://host:port";
const BAD_SCHEME: &str = "is not supported; use http://, https://, socks5:// or socks5h://";

/// Why a proxy URL is unusable, in `lang` (a URL parser's own message stays as it is).
fn why_text(lang: Lang, why: &str) -> String {
    match why {
        NO_HOST => t!(lang, "route-why-no-host"),
        NO_PORT => t!(lang, "route-why-no-port"),
        PASSWORD_ONLY => t!(lang, "route-why-password-only"),
        HAS_PATH => t!(lang, "route-why-path"),
        _ => match why
            .strip_prefix("scheme '")
            .and_then(|rest| rest.strip_suffix(&format!("' {BAD_SCHEME}")))
        {
            Some(scheme) => t!(lang, "route-why-scheme", scheme = scheme),
            None => why.to_string(),
        },
    }
}

impl FromStr for OutboundRoute {
    type Err = RouteError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let lower = s.to_ascii_lowercase();
        match lower.as_str() {
            "direct" | "none" | "off" => return Ok(OutboundRoute::Direct),
            "env" | "environment" | "" => return Ok(OutboundRoute::Env),
            "system" | "os" => return Ok(OutboundRoute::System),
            _ => {}
        }
        if let Some(p) = Preset::ALL.iter().find(|p| p.name() == lower) {
            return Ok(OutboundRoute::Preset(*p));
        }
        if s.contains("://") {
            return ProxyUrl::parse(s).map(OutboundRoute::Custom);
        }
        Err(RouteError::Unknown(s.to_string()))
    }
}

impl OutboundRoute {
    /// The setting's value as written in `--proxy` and settings.json (the password included).
    pub fn as_setting(&self) -> String {
        match self {
            OutboundRoute::Direct => "direct".into(),
            OutboundRoute::Env => "env".into(),
            OutboundRoute::System => "system".into(),
            OutboundRoute::Preset(p) => p.name().into(),
            OutboundRoute::Custom(u) => u.as_str().into(),
        }
    }

    /// The setting with any password masked.
    pub fn masked(&self) -> String {
        match self {
            OutboundRoute::Custom(u) => u.masked(),
            other => other.as_setting(),
        }
    }
}

impl fmt::Display for OutboundRoute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl serde::Serialize for OutboundRoute {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.as_setting())
    }
}

impl<'de> serde::Deserialize<'de> for OutboundRoute {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// What a route resolves against: the environment, the user's NO_PROXY list, the OS settings.
#[derive(Clone, Debug, Default)]
pub struct RouteContext {
    pub env: HashMap<String, String>,
    /// `MIMO2CODEX_NO_PROXY_FROM_ENV=1`.
    pub no_proxy_from_env: bool,
    /// The user's NO_PROXY setting (`--no-proxy`), comma-separated.
    pub no_proxy: String,
}

/// Joins NO_PROXY lists, always ending with loopback.
pub fn join_no_proxy<'a>(lists: impl IntoIterator<Item = &'a str>) -> String {
    let mut out: Vec<&str> = lists
        .into_iter()
        .flat_map(|l| l.split(','))
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .collect();
    out.push(LOOPBACK_NO_PROXY);
    out.join(",")
}

impl OutboundRoute {
    /// Resolves the choice. `system` is called only for [`OutboundRoute::System`] (it reads the OS).
    pub fn resolve(
        &self,
        ctx: &RouteContext,
        system: impl FnOnce() -> Option<SystemProxy>,
    ) -> ProxyRoute {
        let fixed = |label: RouteLabel, url: &ProxyUrl, extra: &str| ProxyRoute::Via {
            label,
            url: url.as_str().to_string(),
            no_proxy: join_no_proxy([ctx.no_proxy.as_str(), extra]),
            hint: None,
        };
        match self {
            OutboundRoute::Direct => ProxyRoute::NoProxy {
                label: RouteLabel::Direct,
                hint: None,
            },
            OutboundRoute::Env => {
                ProxyRoute::from_env_with(&ctx.env, ctx.no_proxy_from_env, &ctx.no_proxy)
            }
            OutboundRoute::Preset(p) => {
                let url = ProxyUrl(p.url());
                let label = RouteLabel::Preset {
                    app: p.label().to_string(),
                    proxy: url.masked(),
                };
                fixed(label, &url, "")
            }
            OutboundRoute::Custom(url) => fixed(
                RouteLabel::Custom {
                    proxy: url.masked(),
                },
                url,
                "",
            ),
            OutboundRoute::System => {
                let env_route =
                    ProxyRoute::from_env_with(&ctx.env, ctx.no_proxy_from_env, &ctx.no_proxy);
                let Some(sys) = system() else {
                    return env_route.relabel(|fallback| RouteLabel::SystemUnreadable { fallback });
                };
                if let Some(raw) = &sys.proxy {
                    match ProxyUrl::parse(raw) {
                        Ok(url) => {
                            let label = RouteLabel::System {
                                source: sys.source.clone(),
                                proxy: url.masked(),
                            };
                            return fixed(label, &url, &sys.bypass.join(","));
                        }
                        Err(err) => {
                            return env_route
                                .relabel(|fallback| RouteLabel::SystemUnusable {
                                    source: sys.source.clone(),
                                    fallback,
                                })
                                .with_hint(RouteHint::UnusableProxy(err));
                        }
                    }
                }
                if let Some(pac) = &sys.pac {
                    return env_route
                        .relabel(|fallback| RouteLabel::SystemPac {
                            pac: mask_proxy_url(pac),
                            fallback,
                        })
                        .with_hint(RouteHint::Pac {
                            source: sys.source.clone(),
                        });
                }
                env_route.relabel(|fallback| RouteLabel::SystemNone {
                    source: sys.source.clone(),
                    fallback,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(pairs: &[(&str, &str)]) -> RouteContext {
        RouteContext {
            env: crate::upstream::route::tests::env(pairs),
            ..RouteContext::default()
        }
    }

    /// The OS has only a PAC script (which is not evaluated).
    fn pac() -> Option<SystemProxy> {
        Some(SystemProxy {
            source: "macOS network settings".into(),
            proxy: None,
            bypass: vec![],
            pac: Some("http://127.0.0.1:33331/pac".into()),
        })
    }

    #[test]
    fn presets_map_to_their_apps_ports() {
        let want = [
            ("clash", "http://127.0.0.1:7890"),
            ("clash-verge", "http://127.0.0.1:7897"),
            ("surge", "http://127.0.0.1:6152"),
            ("surge-socks", "socks5h://127.0.0.1:6153"),
            ("v2rayn", "http://127.0.0.1:10809"),
            ("v2rayn-socks", "socks5h://127.0.0.1:10808"),
            ("v2box", "http://127.0.0.1:1087"),
        ];
        for (name, url) in want {
            let route: OutboundRoute = name.parse().expect(name);
            let OutboundRoute::Preset(p) = route else {
                panic!("{name} is not a preset")
            };
            assert_eq!(p.url(), url);
            assert_eq!(route.as_setting(), name);
            let resolved = route.resolve(&ctx(&[]), || None);
            assert_eq!(resolved.proxy_for("api.deepseek.com"), Some(url));
            assert_eq!(resolved.proxy_for("127.0.0.1"), None);
        }
        let clash: OutboundRoute = "clash".parse().expect("clash");
        assert_eq!(
            clash.resolve(&ctx(&[]), || None).describe(),
            "proxy: Clash preset http://127.0.0.1:7890"
        );
    }

    #[test]
    fn custom_urls_are_validated_and_masked() {
        let r: OutboundRoute = "socks5h://user:pa55@proxy.example:1080"
            .parse()
            .expect("ok");
        assert_eq!(
            r.resolve(&ctx(&[]), || None).describe(),
            "proxy: custom socks5h://user:****@proxy.example:1080"
        );
        assert!(!format!("{r:?} {r}").contains("pa55"));
        for ok in [
            "http://127.0.0.1:7890",
            "https://proxy.corp:8443",
            "socks5://u:p@127.0.0.1:1080",
            "http://proxy.corp",
        ] {
            assert!(ok.parse::<OutboundRoute>().is_ok(), "{ok}");
        }
        for (bad, needle) in [
            ("ftp://127.0.0.1:21", "scheme 'ftp'"),
            ("socks5://127.0.0.1", "no port"),
            ("http://:secret@127.0.0.1:8080", "without a user name"),
            ("http://127.0.0.1:7890/path", "no path"),
            ("127.0.0.1:7890", "unknown proxy route"),
            ("clsh", "unknown proxy route"),
        ] {
            let err = bad.parse::<OutboundRoute>().expect_err(bad).to_string();
            assert!(err.contains(needle), "{bad}: {err}");
            assert!(!err.contains("secret"), "{err}");
        }
    }

    #[test]
    fn env_route_keeps_the_faq_wording_and_adds_the_user_list() {
        let mut c = ctx(&[("HTTPS_PROXY", "http://127.0.0.1:7890")]);
        c.no_proxy = "intranet.corp".into();
        let r = OutboundRoute::Env.resolve(&c, || None);
        assert_eq!(r.describe(), "proxy: HTTPS_PROXY=http://127.0.0.1:7890");
        assert_eq!(r.proxy_for("intranet.corp"), None);
        assert_eq!(r.proxy_for("localhost"), None);
        let direct = OutboundRoute::Direct.resolve(&c, || None);
        assert_eq!(direct.proxy_for("api.deepseek.com"), None);
        assert!(direct.describe().starts_with("proxy: direct"));
    }

    #[test]
    fn system_route_uses_the_os_proxy_pac_falls_back() {
        let c = ctx(&[("HTTPS_PROXY", "http://10.0.0.1:3128")]);
        let found = || {
            Some(SystemProxy {
                source: "macOS network settings".into(),
                proxy: Some("http://127.0.0.1:7890".into()),
                bypass: vec!["*.local".into()],
                pac: None,
            })
        };
        let r = OutboundRoute::System.resolve(&c, found);
        assert_eq!(
            r.describe(),
            "proxy: system (macOS network settings) → http://127.0.0.1:7890"
        );
        assert_eq!(r.proxy_for("printer.local"), None);
        let r = OutboundRoute::System.resolve(&ctx(&[]), pac);
        assert_eq!(
            r.describe(),
            "proxy: system — PAC script http://127.0.0.1:33331/pac is not evaluated; using direct"
        );
        assert!(r.hint().is_some_and(|h| h.contains("preset")));
        let r = OutboundRoute::System.resolve(&c, pac);
        assert_eq!(
            r.describe(),
            "proxy: system — PAC script http://127.0.0.1:33331/pac is not evaluated; using HTTPS_PROXY=http://10.0.0.1:3128"
        );
        let none = || Some(SystemProxy::none("GNOME proxy settings"));
        let r = OutboundRoute::System.resolve(&ctx(&[]), none);
        assert_eq!(
            r.describe(),
            "proxy: system (no proxy in GNOME proxy settings) → direct"
        );
    }

    #[test]
    fn routes_and_their_errors_read_in_chinese() {
        use crate::i18n::Lang;
        let clash: OutboundRoute = "clash".parse().expect("clash");
        let r = clash.resolve(&ctx(&[]), || None);
        assert_eq!(
            r.describe_in(Lang::ZhCn),
            "代理：Clash 预设 http://127.0.0.1:7890"
        );
        let r = OutboundRoute::System.resolve(&ctx(&[]), pac);
        assert_eq!(
            r.describe_in(Lang::ZhCn),
            "代理：系统代理 — 不解析 PAC 脚本 http://127.0.0.1:33331/pac；改用 直连"
        );
        assert!(r.hint_in(Lang::ZhCn).is_some_and(|h| h.contains("预设")));
        assert_eq!(r.hint(), r.hint_in(Lang::En));
        let unusable = || {
            Some(SystemProxy {
                source: "Windows settings".into(),
                proxy: Some("ftp://127.0.0.1:21".into()),
                bypass: vec![],
                pac: None,
            })
        };
        let r = OutboundRoute::System.resolve(&ctx(&[]), unusable);
        let hint = r.hint().expect("hint");
        assert!(
            hint.contains("scheme 'ftp' is not supported") && hint.contains("pick a preset"),
            "{hint}"
        );
        let zh = r.hint_in(Lang::ZhCn).expect("hint");
        assert!(zh.contains("不支持 'ftp' 协议"), "{zh}");
        for (bad, needle) in [
            ("clsh", "未知的出站方式 'clsh'"),
            ("socks5://127.0.0.1", "缺少端口"),
            ("http://127.0.0.1:7890/path", "不能带路径"),
        ] {
            let err = bad.parse::<OutboundRoute>().expect_err(bad);
            assert_eq!(err.text(Lang::En), err.to_string());
            assert!(
                err.text(Lang::ZhCn).contains(needle),
                "{}",
                err.text(Lang::ZhCn)
            );
        }
    }

    #[test]
    fn settings_value_round_trips_through_serde() {
        for v in [
            "env",
            "direct",
            "system",
            "v2box",
            "socks5://u:p@127.0.0.1:1080",
        ] {
            let r: OutboundRoute = v.parse().expect(v);
            let json = serde_json::to_string(&r).expect("ser");
            let back: OutboundRoute = serde_json::from_str(&json).expect("de");
            assert_eq!(back, r);
        }
        assert!(serde_json::from_str::<OutboundRoute>("\"nonsense\"").is_err());
    }
}
