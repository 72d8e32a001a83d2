//! Which value wins where the command line and settings.json can both give one: a flag or
//! `MIMO2CODEX_*` variable for this run, else settings.json (what the desktop app saves), else the
//! default. Each value says where it came from, so the desktop's Settings window can say "set by
//! MIMO2CODEX_PORT; the setting here is ignored".

use std::collections::HashMap;

use serde::Serialize;

use super::Settings;
use crate::cli::CommonArgs;
use crate::config::env_flag;
use crate::engine::DEFAULT_PORT;
use crate::provider::ProviderRegistry;

pub const PORT_ENV: &str = "MIMO2CODEX_PORT";
pub const DISABLE_THINKING_ENV: &str = "MIMO2CODEX_DISABLE_THINKING";
pub const DEFAULT_PROVIDER_ENV: &str = "MIMO2CODEX_DEFAULT_PROVIDER";

/// Where an effective value came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "name", rename_all = "camelCase")]
pub enum Origin {
    /// A command-line flag, e.g. `--port`.
    Flag(&'static str),
    /// A variable in the environment (or, where honoured, `.env`), e.g. `MIMO2CODEX_PORT`.
    Env(&'static str),
    /// `settings.json`.
    Settings,
    /// The built-in default.
    Default,
}

impl Origin {
    /// A flag or variable: settings.json's value is ignored for this run.
    pub fn overrides_settings(&self) -> bool {
        matches!(self, Origin::Flag(_) | Origin::Env(_))
    }

    /// `--port`, `MIMO2CODEX_PORT`, `settings.json` or `default`.
    pub fn describe(&self) -> &'static str {
        match self {
            Origin::Flag(name) | Origin::Env(name) => name,
            Origin::Settings => "settings.json",
            Origin::Default => "default",
        }
    }
}

/// A value and where it came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Sourced<T> {
    pub value: T,
    pub origin: Origin,
}

impl<T> Sourced<T> {
    fn new(value: T, origin: Origin) -> Self {
        Sourced { value, origin }
    }
}

/// The port, thinking and default provider a run uses.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Effective {
    /// `--port` / `MIMO2CODEX_PORT`, else settings.json's `port`, else 8788.
    pub port: Sourced<u16>,
    /// Off with `--disable-thinking` / `MIMO2CODEX_DISABLE_THINKING` (environment or `.env`), else
    /// settings.json's `thinking`, else on.
    pub thinking: Sourced<bool>,
    /// The provider asked for: `--provider` / `MIMO2CODEX_DEFAULT_PROVIDER` (environment or `.env`),
    /// else settings.json's `defaultProvider` (used only if it names a configured provider, see
    /// [`apply_settings_provider`]); `None` lets the registry choose.
    pub default_provider: Sourced<Option<String>>,
}

impl Effective {
    /// `env` is the process environment over `.env`, as [`crate::cli::load_env`] gives it.
    pub fn resolve(
        common: &CommonArgs,
        env: &HashMap<String, String>,
        settings: &Settings,
    ) -> Effective {
        Effective {
            port: port(common, env, settings),
            thinking: thinking(common, env, settings),
            default_provider: default_provider(common, env, settings),
        }
    }
}

/// clap merges a flag and its variable; the variable is named when it holds the value clap chose.
fn explicit(
    env: &HashMap<String, String>,
    var: &'static str,
    flag: &'static str,
    holds_value: impl Fn(&str) -> bool,
) -> Origin {
    match env.get(var) {
        Some(v) if holds_value(v.trim()) => Origin::Env(var),
        _ => Origin::Flag(flag),
    }
}

fn port(common: &CommonArgs, env: &HashMap<String, String>, settings: &Settings) -> Sourced<u16> {
    // MIMO2CODEX_PORT counts only from the real environment (clap reads it); a `.env` line never did.
    match (common.port, settings.port) {
        (Some(p), _) => Sourced::new(p, explicit(env, PORT_ENV, "--port", |v| v.parse() == Ok(p))),
        (None, Some(p)) => Sourced::new(p, Origin::Settings),
        (None, None) => Sourced::new(DEFAULT_PORT, Origin::Default),
    }
}

fn thinking(
    common: &CommonArgs,
    env: &HashMap<String, String>,
    settings: &Settings,
) -> Sourced<bool> {
    if env_flag(env, DISABLE_THINKING_ENV) {
        Sourced::new(false, Origin::Env(DISABLE_THINKING_ENV))
    } else if common.disable_thinking {
        Sourced::new(false, Origin::Flag("--disable-thinking"))
    } else if let Some(on) = settings.thinking {
        Sourced::new(on, Origin::Settings)
    } else {
        Sourced::new(true, Origin::Default)
    }
}

fn default_provider(
    common: &CommonArgs,
    env: &HashMap<String, String>,
    settings: &Settings,
) -> Sourced<Option<String>> {
    let non_empty = |v: Option<&String>| v.map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    if let Some(id) = non_empty(common.provider.as_ref()) {
        let origin = explicit(env, DEFAULT_PROVIDER_ENV, "--provider", |v| v == id);
        return Sourced::new(Some(id), origin);
    }
    // Written in `.env` (a real variable is already in `common.provider`).
    if let Some(id) = non_empty(env.get(DEFAULT_PROVIDER_ENV)) {
        return Sourced::new(Some(id), Origin::Env(DEFAULT_PROVIDER_ENV));
    }
    match non_empty(settings.default_provider.as_ref()) {
        Some(id) => Sourced::new(Some(id), Origin::Settings),
        None => Sourced::new(None, Origin::Default),
    }
}

/// settings.json's default provider applied to a registry loaded without one: used when it names a
/// configured provider; otherwise the registry keeps its own default and the warning says why (a
/// provider whose key was removed must not stop the start).
pub fn apply_settings_provider(
    registry: ProviderRegistry,
    id: &str,
) -> (ProviderRegistry, Option<String>) {
    if registry.get(id).is_some() {
        if let Ok(chosen) = registry.with_default(id) {
            return (chosen, None);
        }
    }
    let known: Vec<&str> = registry.providers().iter().map(|p| p.id.as_str()).collect();
    let warning = format!(
        "settings.json: defaultProvider '{id}' is not a configured provider (configured: {}); \
         using {} instead",
        known.join(", "),
        registry.default_provider().id
    );
    (registry, Some(warning))
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::test_support::env_map as env;

    /// What clap gives for these flags, built by hand: clap would also read the real environment,
    /// which a test must not depend on. A value clap took from a variable appears here as its flag.
    fn common(args: &[&str]) -> CommonArgs {
        let value = |flag: &str| {
            args.iter()
                .position(|a| *a == flag)
                .and_then(|i| args.get(i + 1))
                .map(|v| v.to_string())
        };
        CommonArgs {
            host: "127.0.0.1".into(),
            port: value("--port").map(|p| p.parse().expect("port")),
            data_dir: None,
            provider: value("--provider"),
            disable_thinking: args.contains(&"--disable-thinking"),
            body_limit_mb: 64,
            log: None,
            proxy: None,
            no_proxy: None,
            ca_file: None,
            lang: value("--lang"),
        }
    }

    /// Flags, variables (environment over `.env`), settings.json → the value and its origin.
    type Case<'a, T> = (
        &'a [&'a str],
        &'a [(&'a str, &'a str)],
        &'a Settings,
        T,
        Origin,
    );

    fn settings(port: Option<u16>, thinking: Option<bool>, provider: Option<&str>) -> Settings {
        Settings {
            port,
            thinking,
            default_provider: provider.map(str::to_string),
            ..Settings::default()
        }
    }

    #[test]
    fn port_precedence() {
        let s = settings(Some(9100), None, None);
        let cases: [Case<u16>; 5] = [
            (
                &[],
                &[],
                &Settings::default(),
                DEFAULT_PORT,
                Origin::Default,
            ),
            (&[], &[], &s, 9100, Origin::Settings),
            (&["--port", "9200"], &[], &s, 9200, Origin::Flag("--port")),
            // clap took the value from MIMO2CODEX_PORT (here: a flag standing in for it).
            (
                &["--port", "9300"],
                &[(PORT_ENV, "9300")],
                &s,
                9300,
                Origin::Env(PORT_ENV),
            ),
            // The flag beats the variable in clap; the origin names the flag.
            (
                &["--port", "9400"],
                &[(PORT_ENV, "9300")],
                &s,
                9400,
                Origin::Flag("--port"),
            ),
        ];
        for (args, vars, s, value, origin) in cases {
            let got = Effective::resolve(&common(args), &env(vars), s).port;
            assert_eq!(got, Sourced::new(value, origin), "{args:?} {vars:?}");
        }
        // A .env line alone does not set the port (only clap's real-environment read does).
        let got = Effective::resolve(&common(&[]), &env(&[(PORT_ENV, "9500")]), &s).port;
        assert_eq!(got, Sourced::new(9100, Origin::Settings));
        assert!(Origin::Env(PORT_ENV).overrides_settings());
        assert!(!Origin::Settings.overrides_settings());
        assert_eq!(Origin::Env(PORT_ENV).describe(), "MIMO2CODEX_PORT");
    }

    #[test]
    fn thinking_precedence() {
        let off = settings(None, Some(false), None);
        let on = settings(None, Some(true), None);
        let cases: [Case<bool>; 6] = [
            (&[], &[], &Settings::default(), true, Origin::Default),
            (&[], &[], &off, false, Origin::Settings),
            (&[], &[], &on, true, Origin::Settings),
            (
                &["--disable-thinking"],
                &[],
                &on,
                false,
                Origin::Flag("--disable-thinking"),
            ),
            (
                &[],
                &[(DISABLE_THINKING_ENV, "1")],
                &on,
                false,
                Origin::Env(DISABLE_THINKING_ENV),
            ),
            // `=0` does not force anything: settings.json decides.
            (
                &[],
                &[(DISABLE_THINKING_ENV, "0")],
                &off,
                false,
                Origin::Settings,
            ),
        ];
        for (args, vars, s, value, origin) in cases {
            let got = Effective::resolve(&common(args), &env(vars), s).thinking;
            assert_eq!(got, Sourced::new(value, origin), "{args:?} {vars:?}");
        }
    }

    #[test]
    fn provider_precedence() {
        let s = settings(None, None, Some("kimi"));
        let some = |id: &str| Some(id.to_string());
        let cases: [Case<Option<String>>; 5] = [
            (&[], &[], &Settings::default(), None, Origin::Default),
            (&[], &[], &s, some("kimi"), Origin::Settings),
            (
                &["--provider", "glm"],
                &[],
                &s,
                some("glm"),
                Origin::Flag("--provider"),
            ),
            (
                &[],
                &[(DEFAULT_PROVIDER_ENV, " qwen ")],
                &s,
                some("qwen"),
                Origin::Env(DEFAULT_PROVIDER_ENV),
            ),
            (
                &["--provider", "  "],
                &[],
                &s,
                some("kimi"),
                Origin::Settings,
            ),
        ];
        for (args, vars, s, value, origin) in cases {
            let got = Effective::resolve(&common(args), &env(vars), s).default_provider;
            assert_eq!(got, Sourced::new(value, origin), "{args:?} {vars:?}");
        }
    }

    #[test]
    fn settings_provider_is_used_only_when_configured() {
        let sources = crate::provider::ProviderSources {
            env: env(&[
                ("MIMO_API_KEY", "sk-1234567890"),
                ("DS_API_KEY", "sk-0987654321"),
            ]),
            ..Default::default()
        };
        let registry = ProviderRegistry::load(&sources).expect("loads");
        assert_eq!(registry.default_provider().id, "mimo");
        let (chosen, warning) = apply_settings_provider(registry.clone(), "deepseek");
        assert_eq!(
            (chosen.default_provider().id.as_str(), warning),
            ("deepseek", None)
        );
        let (kept, warning) = apply_settings_provider(registry, "kimi");
        assert_eq!(kept.default_provider().id, "mimo");
        let warning = warning.expect("warning");
        assert!(
            warning.contains("'kimi' is not a configured provider")
                && warning.contains("mimo, deepseek")
                && warning.contains("using mimo"),
            "{warning}"
        );
    }

    #[test]
    fn serializes_for_the_desktop() {
        let e = Effective::resolve(
            &common(&["--port", "9300"]),
            &env(&[(PORT_ENV, "9300")]),
            &Settings::default(),
        );
        let v = serde_json::to_value(&e).expect("json");
        assert_eq!(v["port"]["value"], 9300);
        assert_eq!(v["port"]["origin"]["kind"], "env");
        assert_eq!(v["port"]["origin"]["name"], PORT_ENV);
        assert_eq!(v["thinking"]["origin"]["kind"], "default");
        assert!(v["defaultProvider"]["value"].is_null());
    }

    #[test]
    fn language_precedence() {
        let zh = Settings {
            language: Some("zh-CN".into()),
            ..Settings::default()
        };
        assert_eq!(common(&[]).language(&zh), Ok(crate::i18n::Lang::ZhCn));
        assert_eq!(
            common(&["--lang", "en"]).language(&zh),
            Ok(crate::i18n::Lang::En)
        );
        assert!(common(&["--lang", "xx"]).language(&zh).is_err());
    }
}
