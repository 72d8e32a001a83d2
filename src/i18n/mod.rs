//! What people read, in English and Simplified Chinese: one Fluent catalogue per language
//! (`locales/en/`, `locales/zh-CN/`, one file per area: tray, ui, cli, doctor, errors), keyed by
//! stable message ids, used by the CLI, the doctor, the error text Codex shows, the tray and the
//! windows (which get the same text).
//!
//! Log lines stay English on purpose: people paste them into issues.
//!
//! The language is passed explicitly ([`Lang`]); [`Lang::resolve`] picks it from `--lang` /
//! `MIMO2CODEX_LANG` / settings, else the OS locale. A message missing from a catalogue is a test
//! failure (`tests` below), and at run time falls back to English, then to its id.

use std::borrow::Cow;
use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};
use serde::{Deserialize, Serialize};

/// The languages we ship.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Lang {
    #[default]
    #[serde(rename = "en")]
    En,
    #[serde(rename = "zh-CN")]
    ZhCn,
}

/// The catalogues' files (an area each); the windows get the same text.
macro_rules! catalogue {
    ($lang:literal) => {
        &[
            (
                "tray.ftl",
                include_str!(concat!("../../locales/", $lang, "/tray.ftl")),
            ),
            (
                "ui.ftl",
                include_str!(concat!("../../locales/", $lang, "/ui.ftl")),
            ),
            (
                "cli.ftl",
                include_str!(concat!("../../locales/", $lang, "/cli.ftl")),
            ),
            (
                "doctor.ftl",
                include_str!(concat!("../../locales/", $lang, "/doctor.ftl")),
            ),
            (
                "errors.ftl",
                include_str!(concat!("../../locales/", $lang, "/errors.ftl")),
            ),
        ]
    };
}
pub const EN_FILES: &[(&str, &str)] = catalogue!("en");
pub const ZH_CN_FILES: &[(&str, &str)] = catalogue!("zh-CN");

/// The variable that sets the language (`--lang` wins).
pub const LANG_ENV: &str = "MIMO2CODEX_LANG";

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::ZhCn];

    /// The BCP 47 tag: `en`, `zh-CN`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::ZhCn => "zh-CN",
        }
    }

    /// The language's own name, for a language picker.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::ZhCn => "简体中文",
        }
    }

    /// The catalogue's Fluent files: (name, source).
    pub fn files(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Lang::En => EN_FILES,
            Lang::ZhCn => ZH_CN_FILES,
        }
    }

    /// The whole catalogue as one Fluent source (for the windows).
    pub fn ftl(self) -> String {
        self.files()
            .iter()
            .map(|(_, text)| *text)
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// A locale as an OS or a user writes it: `zh`, `zh-CN`, `zh_CN.UTF-8`, `zh-Hans-CN`, `en-US`,
    /// `C`… Any Chinese locale reads Simplified Chinese (there is no Traditional catalogue yet); a
    /// locale we have no catalogue for is `None`.
    pub fn parse(locale: &str) -> Option<Lang> {
        let base = locale
            .trim()
            .split(['.', '@'])
            .next()
            .unwrap_or_default()
            .replace('_', "-")
            .to_ascii_lowercase();
        let primary = base.split('-').next().unwrap_or_default();
        match primary {
            "zh" => Some(Lang::ZhCn),
            "en" | "c" | "posix" => Some(Lang::En),
            _ => None,
        }
    }

    /// The OS user's language (macOS, Windows and Linux via `sys-locale`), English when unknown.
    pub fn from_os() -> Lang {
        sys_locale::get_locales()
            .find_map(|l| Lang::parse(&l))
            .unwrap_or_default()
    }

    /// An explicit choice (`--lang`, `MIMO2CODEX_LANG`, the Settings window) wins; `system`, empty
    /// or `None` follow the OS. An unknown value is an error naming the choices.
    pub fn resolve(choice: Option<&str>) -> Result<Lang, LangError> {
        match choice.map(str::trim) {
            None | Some("") | Some("system") | Some("auto") => Ok(Lang::from_os()),
            Some(value) => Lang::parse(value).ok_or_else(|| LangError(value.to_string())),
        }
    }
}

impl std::fmt::Display for Lang {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

impl std::str::FromStr for Lang {
    type Err = LangError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Lang::parse(s).ok_or_else(|| LangError(s.to_string()))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown language '{0}': use en, zh-CN or system")]
pub struct LangError(pub String);

struct Catalogs {
    en: FluentBundle<FluentResource>,
    zh_cn: FluentBundle<FluentResource>,
}

fn bundle(lang: Lang) -> FluentBundle<FluentResource> {
    let id = match lang {
        Lang::En => unic_langid::langid!("en"),
        Lang::ZhCn => unic_langid::langid!("zh-CN"),
    };
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // Unicode isolation marks around placeables would end up in terminals and menus.
    bundle.set_use_isolating(false);
    for (name, text) in lang.files() {
        let resource =
            FluentResource::try_new(text.to_string()).unwrap_or_else(|(partial, errors)| {
                // The catalogues are tested to parse; a broken one still serves its good messages.
                tracing::error!(
                    "locales/{}/{name} has syntax errors: {errors:?}",
                    lang.code()
                );
                partial
            });
        if let Err(errors) = bundle.add_resource(resource) {
            tracing::error!("locales/{}/{name}: {errors:?}", lang.code());
        }
    }
    bundle
}

fn catalogs() -> &'static Catalogs {
    // Immutable data built once: the compiled-in catalogues.
    static CATALOGS: OnceLock<Catalogs> = OnceLock::new();
    CATALOGS.get_or_init(|| Catalogs {
        en: bundle(Lang::En),
        zh_cn: bundle(Lang::ZhCn),
    })
}

fn bundle_for(lang: Lang) -> &'static FluentBundle<FluentResource> {
    match lang {
        Lang::En => &catalogs().en,
        Lang::ZhCn => &catalogs().zh_cn,
    }
}

/// A message argument.
pub type Arg<'a> = (&'a str, FluentValue<'a>);

fn format(lang: Lang, id: &str, attribute: Option<&str>, args: &[Arg<'_>]) -> Option<String> {
    let bundle = bundle_for(lang);
    let message = bundle.get_message(id)?;
    let pattern = match attribute {
        Some(name) => message.get_attribute(name)?.value(),
        None => message.value()?,
    };
    let mut fluent_args = FluentArgs::new();
    for (name, value) in args {
        fluent_args.set(*name, value.clone());
    }
    let mut errors = Vec::new();
    let text: Cow<'_, str> = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
    if !errors.is_empty() {
        tracing::debug!("message {id} in {lang}: {errors:?}");
    }
    Some(text.into_owned())
}

/// The message `id` in `lang` with `args`; English when `lang` lacks it, else the id itself.
pub fn tr(lang: Lang, id: &str, args: &[Arg<'_>]) -> String {
    format(lang, id, None, args)
        .or_else(|| format(Lang::En, id, None, args))
        .unwrap_or_else(|| {
            tracing::debug!("no message {id}");
            id.to_string()
        })
}

/// An attribute of a message (`id.fix`), with the same fallbacks as [`tr`].
pub fn tr_attr(lang: Lang, id: &str, attribute: &str, args: &[Arg<'_>]) -> String {
    format(lang, id, Some(attribute), args)
        .or_else(|| format(Lang::En, id, Some(attribute), args))
        .unwrap_or_else(|| format!("{id}.{attribute}"))
}

/// `t!(lang, "message-id")` or `t!(lang, "message-id", name = value, …)`: a message as a String.
/// Values may be anything `FluentValue` converts from (strings, numbers).
#[macro_export]
macro_rules! t {
    ($lang:expr, $id:literal) => {
        $crate::i18n::tr($lang, $id, &[])
    };
    ($lang:expr, $id:literal, $($name:ident = $value:expr),+ $(,)?) => {
        $crate::i18n::tr(
            $lang,
            $id,
            &[$((stringify!($name), $crate::i18n::FluentValue::from($value))),+],
        )
    };
}

pub use fluent_bundle::FluentValue;

#[cfg(test)]
mod tests;
