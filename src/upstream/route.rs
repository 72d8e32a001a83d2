//! The route in effect: direct, a proxy from the environment, or a proxy the user picked (preset,
//! custom URL, OS settings) — see [`super::choice::OutboundRoute`] for the choice itself.
//!
//! The wording of [`ProxyRoute::describe`] for the environment cases is the FAQ's, so users can match
//! what they read there.

use std::collections::HashMap;

use crate::i18n::Lang;
use crate::t;

/// Hosts that never go through a proxy: the engine and local upstreams (Ollama, LM Studio, tests).
pub const LOOPBACK_NO_PROXY: &str = "localhost,127.0.0.1,::1,[::1]";

/// Environment variables that name a proxy, in the order we honour them.
pub const PROXY_VARS: [&str; 6] = [
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
];

/// How upstream traffic leaves this machine, resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProxyRoute {
    /// No proxy variable in the environment.
    Direct,
    /// `MIMO2CODEX_NO_PROXY_FROM_ENV=1`: proxy variables exist or not, we ignore them.
    Disabled,
    /// A proxy from the environment.
    Env {
        /// Which variable supplied it (`HTTPS_PROXY`, `http_proxy`, …).
        var: String,
        url: String,
        /// The user's NO_PROXY lists plus loopback.
        no_proxy: String,
    },
    /// A proxy from a preset, a custom URL or the OS settings.
    Via {
        /// What the banner says after `proxy: ` (password masked).
        label: RouteLabel,
        url: String,
        no_proxy: String,
        /// Advice shown under the banner line, if any.
        hint: Option<RouteHint>,
    },
    /// No proxy, by choice (`direct`) or because the OS settings have none (or only a PAC script).
    NoProxy {
        label: RouteLabel,
        hint: Option<RouteHint>,
    },
}

/// What a route picked by the user resolved to, kept as data so it can be said in any language
/// ([`ProxyRoute::describe_in`]). Proxy URLs here have their password masked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RouteLabel {
    /// `--proxy direct`.
    Direct,
    /// A proxy app's preset: its name (`Clash`) and URL.
    Preset { app: String, proxy: String },
    /// A proxy URL the user typed.
    Custom { proxy: String },
    /// `system`, and the OS settings name this proxy.
    System { source: String, proxy: String },
    /// `system`, but the OS settings could not be read: the environment's route is used.
    SystemUnreadable { fallback: Fallback },
    /// `system`, and the OS settings name no proxy: the environment's route is used.
    SystemNone { source: String, fallback: Fallback },
    /// `system`, and the OS settings name a proxy URL we cannot use.
    SystemUnusable { source: String, fallback: Fallback },
    /// `system`, and the OS settings use a PAC script, which is not evaluated.
    SystemPac { pac: String, fallback: Fallback },
}

/// What a `system` route falls back to: the environment's proxy, or none.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fallback {
    Direct,
    /// `HTTPS_PROXY` (or another variable) and its URL, masked.
    Env {
        var: String,
        proxy: String,
    },
}

/// Advice shown with a route.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RouteHint {
    /// The OS settings' proxy URL is unusable: why.
    UnusableProxy(super::choice::RouteError),
    /// The OS settings (`source`) use a PAC script.
    Pac { source: String },
}

impl ProxyRoute {
    /// Reads the route from an environment map (the process env in production, a literal map in tests).
    pub fn from_env(env: &HashMap<String, String>, no_proxy_from_env: bool) -> ProxyRoute {
        ProxyRoute::from_env_with(env, no_proxy_from_env, "")
    }

    /// As [`ProxyRoute::from_env`], with the user's own NO_PROXY setting added to the env's.
    pub fn from_env_with(
        env: &HashMap<String, String>,
        no_proxy_from_env: bool,
        user_no_proxy: &str,
    ) -> ProxyRoute {
        if no_proxy_from_env {
            return ProxyRoute::Disabled;
        }
        for var in PROXY_VARS {
            if let Some(url) = env.get(var).map(|v| v.trim()).filter(|v| !v.is_empty()) {
                let env_list = env
                    .get("NO_PROXY")
                    .or_else(|| env.get("no_proxy"))
                    .map(|v| v.trim())
                    .unwrap_or_default();
                return ProxyRoute::Env {
                    var: var.to_string(),
                    url: url.to_string(),
                    no_proxy: super::choice::join_no_proxy([env_list, user_no_proxy]),
                };
            }
        }
        ProxyRoute::Direct
    }

    /// The banner / status line, passwords masked.
    pub fn describe(&self) -> String {
        self.describe_in(Lang::En)
    }

    /// [`ProxyRoute::describe`] in `lang` (the banner, the desktop's status line).
    pub fn describe_in(&self, lang: Lang) -> String {
        let line = match self {
            ProxyRoute::Direct => t!(lang, "route-direct-env"),
            ProxyRoute::Disabled => t!(lang, "route-disabled"),
            ProxyRoute::Env { var, url, .. } => {
                format!("{var}={}", mask_proxy_url(url))
            }
            ProxyRoute::Via { label, .. } | ProxyRoute::NoProxy { label, .. } => label.text(lang),
        };
        t!(lang, "route-line", route = line)
    }

    /// Advice to show with the route (a PAC script we do not evaluate, an unusable OS proxy), in
    /// English.
    pub fn hint(&self) -> Option<String> {
        self.hint_in(Lang::En)
    }

    /// [`ProxyRoute::hint`] in `lang`.
    pub fn hint_in(&self, lang: Lang) -> Option<String> {
        match self {
            ProxyRoute::Via { hint, .. } | ProxyRoute::NoProxy { hint, .. } => {
                hint.as_ref().map(|h| h.text(lang))
            }
            _ => None,
        }
    }

    /// The proxy URL and its NO_PROXY list, when there is a proxy at all.
    pub fn proxy(&self) -> Option<(&str, &str)> {
        match self {
            ProxyRoute::Env { url, no_proxy, .. } | ProxyRoute::Via { url, no_proxy, .. } => {
                Some((url, no_proxy))
            }
            _ => None,
        }
    }

    /// The proxy URL traffic to `host` goes through, or `None` for a direct connection.
    pub fn proxy_for(&self, host: &str) -> Option<&str> {
        match self.proxy() {
            Some((url, no_proxy)) if !host_matches_no_proxy(host, no_proxy) => Some(url),
            _ => None,
        }
    }

    /// This (environment) route restated as the fallback of another choice: `label` gets what it
    /// falls back to (`direct` or `HTTPS_PROXY=…`).
    pub(crate) fn relabel(self, label: impl FnOnce(Fallback) -> RouteLabel) -> ProxyRoute {
        match self {
            ProxyRoute::Env { var, url, no_proxy } => ProxyRoute::Via {
                label: label(Fallback::Env {
                    var,
                    proxy: mask_proxy_url(&url),
                }),
                url,
                no_proxy,
                hint: None,
            },
            ProxyRoute::Via { .. } => self,
            _ => ProxyRoute::NoProxy {
                label: label(Fallback::Direct),
                hint: None,
            },
        }
    }

    pub(crate) fn with_hint(mut self, advice: RouteHint) -> ProxyRoute {
        if let ProxyRoute::Via { hint, .. } | ProxyRoute::NoProxy { hint, .. } = &mut self {
            *hint = Some(advice);
        }
        self
    }
}

impl RouteLabel {
    /// What follows `proxy: ` in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        match self {
            RouteLabel::Direct => t!(lang, "route-direct"),
            RouteLabel::Preset { app, proxy } => {
                t!(
                    lang,
                    "route-preset",
                    app = app.as_str(),
                    proxy = proxy.as_str()
                )
            }
            RouteLabel::Custom { proxy } => t!(lang, "route-custom", proxy = proxy.as_str()),
            RouteLabel::System { source, proxy } => t!(
                lang,
                "route-system",
                source = source.as_str(),
                proxy = proxy.as_str()
            ),
            RouteLabel::SystemUnreadable { fallback } => t!(
                lang,
                "route-system-unreadable",
                fallback = fallback.text(lang)
            ),
            RouteLabel::SystemNone { source, fallback } => t!(
                lang,
                "route-system-none",
                source = source.as_str(),
                fallback = fallback.text(lang)
            ),
            RouteLabel::SystemUnusable { source, fallback } => t!(
                lang,
                "route-system-unusable",
                source = source.as_str(),
                fallback = fallback.text(lang)
            ),
            RouteLabel::SystemPac { pac, fallback } => t!(
                lang,
                "route-system-pac",
                pac = pac.as_str(),
                fallback = fallback.text(lang)
            ),
        }
    }
}

impl Fallback {
    /// `direct` (in `lang`) or `HTTPS_PROXY=http://…`.
    pub fn text(&self, lang: Lang) -> String {
        match self {
            Fallback::Direct => t!(lang, "route-fallback-direct"),
            Fallback::Env { var, proxy } => format!("{var}={proxy}"),
        }
    }
}

impl RouteHint {
    pub fn text(&self, lang: Lang) -> String {
        match self {
            RouteHint::UnusableProxy(err) => {
                t!(lang, "route-hint-unusable", error = err.text(lang))
            }
            RouteHint::Pac { source } => t!(lang, "route-hint-pac", source = source.as_str()),
        }
    }
}

/// `http://user:secret@host:7890` → `http://user:****@host:7890`.
pub fn mask_proxy_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split_once(':').map(|(u, _)| u).unwrap_or(userinfo);
            format!("{scheme}://{user}:****@{host}{path}")
        }
        None => url.to_string(),
    }
}

/// A proxy URL parsed, with its host (IPv6 in brackets) and port (the scheme's default if none).
pub fn proxy_endpoint(url: &str) -> Option<(reqwest::Url, String, u16)> {
    let parsed = reqwest::Url::parse(url).ok()?;
    let host = parsed.host_str()?.to_string();
    let port = parsed.port_or_known_default()?;
    Some((parsed, host, port))
}

/// NO_PROXY matching the way curl does it: exact host, or a domain suffix (`.example.com` / `example.com`),
/// `*` for everything. Ports in entries are ignored.
pub fn host_matches_no_proxy(host: &str, no_proxy: &str) -> bool {
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    no_proxy.split(',').map(str::trim).any(|entry| {
        if entry.is_empty() {
            return false;
        }
        if entry == "*" {
            return true;
        }
        let entry = entry.trim_start_matches('[');
        let entry = match entry.find(']') {
            Some(i) => &entry[..i],
            None => entry,
        };
        let entry = entry.trim_start_matches("*.").trim_start_matches('.');
        let entry = entry.to_ascii_lowercase();
        host == entry || host.ends_with(&format!(".{entry}"))
    })
}

/// Whether an address is this machine (never proxied).
pub fn is_loopback_host(host: &str) -> bool {
    // An IP is loopback by value (all of 127.0.0.0/8); a name only when it is `localhost`, so
    // `127.evil.example` is not treated as local.
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<std::net::IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => host_matches_no_proxy(host, LOOPBACK_NO_PROXY),
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// An environment map from literal pairs (shared by the `upstream` tests).
    pub(in crate::upstream) use crate::test_support::env_map as env;

    #[test]
    fn describes_the_three_faq_cases() {
        let direct = ProxyRoute::from_env(&env(&[]), false);
        assert_eq!(
            direct.describe(),
            "proxy: direct (no HTTPS_PROXY / HTTP_PROXY in env)"
        );
        let disabled = ProxyRoute::from_env(&env(&[("HTTPS_PROXY", "http://p:1")]), true);
        assert_eq!(
            disabled.describe(),
            "proxy: disabled (MIMO2CODEX_NO_PROXY_FROM_ENV=1)"
        );
        let proxied = ProxyRoute::from_env(
            &env(&[("https_proxy", "http://bob:hunter2@127.0.0.1:7890")]),
            false,
        );
        assert_eq!(
            proxied.describe(),
            "proxy: https_proxy=http://bob:****@127.0.0.1:7890"
        );
    }

    #[test]
    fn https_proxy_wins_over_http_and_all() {
        let r = ProxyRoute::from_env(
            &env(&[
                ("ALL_PROXY", "socks5://a:1"),
                ("HTTP_PROXY", "http://b:2"),
                ("HTTPS_PROXY", "http://c:3"),
            ]),
            false,
        );
        assert!(matches!(r, ProxyRoute::Env { ref var, .. } if var == "HTTPS_PROXY"));
    }

    #[test]
    fn loopback_is_decided_by_address_not_by_name_prefix() {
        for local in ["127.0.0.1", "127.0.0.2", "localhost", "::1", "[::1]"] {
            assert!(is_loopback_host(local), "{local}");
        }
        for remote in ["127.evil.example", "api.deepseek.com", "10.0.0.1"] {
            assert!(!is_loopback_host(remote), "{remote}");
        }
    }

    #[test]
    fn loopback_and_no_proxy_bypass_the_proxy() {
        let r = ProxyRoute::from_env(
            &env(&[
                ("HTTPS_PROXY", "http://127.0.0.1:7890"),
                ("NO_PROXY", ".corp.example,intranet"),
            ]),
            false,
        );
        assert_eq!(r.proxy_for("127.0.0.1"), None);
        assert_eq!(r.proxy_for("localhost"), None);
        assert_eq!(r.proxy_for("[::1]"), None);
        assert_eq!(r.proxy_for("api.corp.example"), None);
        assert_eq!(r.proxy_for("intranet"), None);
        assert_eq!(
            r.proxy_for("api.deepseek.com"),
            Some("http://127.0.0.1:7890")
        );
    }

    #[test]
    fn masks_only_the_password() {
        assert_eq!(
            mask_proxy_url("socks5h://u:p@h:1080/x"),
            "socks5h://u:****@h:1080/x"
        );
        assert_eq!(mask_proxy_url("http://h:7890"), "http://h:7890");
    }
}
