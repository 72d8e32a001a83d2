//! Builds the window's [`AppView`] from the controller's state. Pure given its inputs, so the
//! mapping is tested without a display.

use std::path::Path;
use std::sync::Arc;

use mimo2codex::provider::builtin::builtin_profile;
use mimo2codex::provider::key_status::{KeySource, KeyStatus};
use mimo2codex::provider::ProviderRegistry;
use mimo2codex::settings::effective::{Origin, Sourced};
use mimo2codex::upstream::OutboundRoute;

use crate::control::{ConfigView, Controller};
use crate::ipc::{AppView, PortView, PresetView, ProviderView, RouteView, StatusView};
use crate::model::{proxy_choices, EngineStatus, RouteAlert};
use mimo2codex::t;

/// The status as the window shows it.
pub fn status_view(status: &EngineStatus, port_busy: bool) -> StatusView {
    match status {
        EngineStatus::Starting => StatusView::Starting,
        EngineStatus::Running { addr } => StatusView::Running {
            addr: addr.clone(),
            base_url: format!("http://{addr}/v1"),
        },
        EngineStatus::Stopped => StatusView::Stopped,
        EngineStatus::Error(message) => StatusView::Error {
            message: message.clone(),
            port_busy,
        },
    }
}

/// The value `set_route` takes for a route, `custom` for a proxy URL.
pub fn route_choice(route: &OutboundRoute) -> String {
    match route {
        OutboundRoute::Custom(_) => "custom".into(),
        other => other.as_setting(),
    }
}

fn route_view(
    config: Option<&ConfigView>,
    detected: &[mimo2codex::upstream::Preset],
    lang: mimo2codex::i18n::Lang,
) -> RouteView {
    let route = config.map(|c| c.route.clone()).unwrap_or_default();
    let presets = proxy_choices(lang)
        .into_iter()
        .map(|(_, label, r)| PresetView {
            value: r.as_setting(),
            label,
            detected: matches!(&r, OutboundRoute::Preset(p) if detected.contains(p)),
        })
        .collect();
    RouteView {
        choice: route_choice(&route),
        custom_url: match &route {
            OutboundRoute::Custom(_) => route.masked(),
            _ => String::new(),
        },
        description: config
            .and_then(|c| c.route_line.clone())
            .unwrap_or_else(|| t!(lang, "desktop-route-pending", route = route.masked())),
        warning: config.and_then(|c| route_warning(c, lang)),
        no_proxy: config.map(|c| c.no_proxy.clone()).unwrap_or_default(),
        presets,
    }
}

/// Why the route will fail before any request is sent, in `lang` (the engine's own text, English,
/// when it is not the usual dead proxy port).
fn route_warning(config: &ConfigView, lang: mimo2codex::i18n::Lang) -> Option<String> {
    let warning = config.route_warning.clone()?;
    Some(match &config.route_alert {
        Some(RouteAlert::NotListening { host, port }) => t!(
            lang,
            "desktop-route-not-listening",
            host = host.as_str(),
            port = *port
        ),
        _ => warning,
    })
}

/// Every provider the window lists: the configured ones, then the built-ins without a key (so a key
/// can be added), each with its key masked and where it comes from.
pub fn providers_view(
    registry: Option<&ProviderRegistry>,
    keys: &[KeyStatus],
    env_file: &Path,
) -> Vec<ProviderView> {
    keys.iter()
        .map(|k| {
            let profile = registry
                .and_then(|r| r.get(&k.provider).cloned())
                .or_else(|| builtin_profile(&k.provider).map(Arc::new));
            let label = if k.display_name.is_empty() {
                k.provider.clone()
            } else {
                k.display_name.clone()
            };
            ProviderView {
                id: k.provider.clone(),
                label,
                configured: k.configured,
                base_url: profile
                    .as_ref()
                    .map(|p| p.base_url.clone())
                    .unwrap_or_default(),
                models: profile
                    .as_ref()
                    .map(|p| p.models.iter().map(|m| m.id.clone()).collect())
                    .unwrap_or_default(),
                key_var: k.env_var.clone().unwrap_or_default(),
                key_masked: k.masked.clone(),
                key_source: k.source.map(|s| match s {
                    KeySource::Environment => "environment".to_string(),
                    KeySource::EnvFile => env_file.display().to_string(),
                }),
                key_shadowed: k.shadowed,
            }
        })
        .collect()
}

/// Everything the window shows. `autostart` comes from the autostart plugin.
pub fn app_view(ctl: &Controller, autostart: bool) -> AppView {
    let config = ctl.config_view();
    let registry = config.as_ref().and_then(|c| c.registry.clone());
    let mut warnings: Vec<String> = ctl.settings_warning().into_iter().collect();
    if let Some(w) = config.as_ref().and_then(|c| route_warning(c, ctl.lang())) {
        warnings.push(w);
    }
    let data_dir = ctl.data_dir();
    let env_file = data_dir.join(".env");
    let keys = ctl.keys().unwrap_or_else(|err| {
        warnings.push(err);
        Vec::new()
    });
    let port = ctl.port_source().unwrap_or(Sourced {
        value: mimo2codex::engine::DEFAULT_PORT,
        origin: Origin::Default,
    });
    AppView {
        status: status_view(&ctl.status(), ctl.port_busy()),
        route: route_view(config.as_ref(), &ctl.detected(), ctl.lang()),
        thinking: config.as_ref().map(|c| c.thinking).unwrap_or(true),
        providers: providers_view(registry.as_deref(), &keys, &env_file),
        default_provider: registry.as_ref().map(|r| r.default_provider().id.clone()),
        port: PortView {
            value: port.value,
            source: port.origin.describe().to_string(),
            editable: !port.origin.overrides_settings(),
        },
        autostart,
        language: ctl.lang().code().to_string(),
        language_choice: ctl.lang_choice(),
        language_locked: std::env::var_os(mimo2codex::i18n::LANG_ENV)
            .is_some_and(|v| !v.is_empty()),
        data_dir: data_dir.display().to_string(),
        log_path: mimo2codex::logging::log_path(data_dir)
            .display()
            .to_string(),
        warnings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mimo2codex::upstream::Preset;

    #[test]
    fn status_carries_the_codex_base_url() {
        assert_eq!(
            status_view(
                &EngineStatus::Running {
                    addr: "127.0.0.1:9000".into()
                },
                false
            ),
            StatusView::Running {
                addr: "127.0.0.1:9000".into(),
                base_url: "http://127.0.0.1:9000/v1".into()
            }
        );
    }

    #[test]
    fn a_custom_route_is_shown_masked_and_presets_are_marked() {
        let route: OutboundRoute = "http://bob:hunter2secret@10.0.0.1:3128"
            .parse()
            .expect("url");
        let config = ConfigView {
            route,
            thinking: true,
            registry: None,
            port: 8788,
            no_proxy: "corp.example".into(),
            route_warning: None,
            route_line: None,
            route_alert: None,
        };
        let view = route_view(Some(&config), &[Preset::Surge], mimo2codex::i18n::Lang::En);
        assert_eq!(view.choice, "custom");
        assert!(!view.custom_url.contains("hunter2secret"), "{view:?}");
        assert!(!view.description.contains("hunter2secret"), "{view:?}");
        assert_eq!(view.no_proxy, "corp.example");
        let surge = view
            .presets
            .iter()
            .find(|p| p.value == "surge")
            .expect("surge");
        assert!(surge.detected);
        assert!(view.presets.iter().filter(|p| p.detected).count() == 1);
    }

    #[test]
    fn a_dead_proxy_port_is_explained_in_the_windows_language() {
        let config = ConfigView {
            route: OutboundRoute::Preset(Preset::Clash),
            thinking: true,
            registry: None,
            port: 8788,
            no_proxy: String::new(),
            route_warning: Some("engine text (English)".into()),
            route_line: None,
            route_alert: Some(RouteAlert::NotListening {
                host: "127.0.0.1".into(),
                port: 7890,
            }),
        };
        let zh = route_view(Some(&config), &[], mimo2codex::i18n::Lang::ZhCn)
            .warning
            .expect("warning");
        assert!(
            zh.contains("127.0.0.1:7890") && zh.contains("没有程序在监听"),
            "{zh}"
        );
        let quiet = ConfigView {
            route_warning: None,
            ..config
        };
        assert_eq!(
            route_view(Some(&quiet), &[], mimo2codex::i18n::Lang::En).warning,
            None
        );
    }
}
