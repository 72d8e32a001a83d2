//! The tray menu as plain data: [`menu_model`] builds it from a [`TrayState`], [`action_for`] maps a
//! clicked item's id back to an [`Action`]. Both are pure, so they are tested without a display;
//! `menu.rs` maps the entries onto `tauri::menu`.

use mimo2codex::i18n::Lang;
use mimo2codex::t;
use mimo2codex::upstream::{OutboundRoute, Preset};

pub use crate::ipc::View;

/// Item ids (stable strings; Tauri hands them back in menu events).
pub mod ids {
    pub const STATUS: &str = "status";
    /// A disabled line under the status when the outbound proxy is not listening.
    pub const ROUTE_ALERT: &str = "route-alert";
    pub const PROXY_MENU: &str = "proxy";
    pub const PROXY_DIRECT: &str = "proxy:direct";
    pub const PROXY_SYSTEM: &str = "proxy:system";
    pub const PROXY_ENV: &str = "proxy:env";
    pub const PROXY_CLASH: &str = "proxy:clash";
    pub const PROXY_CLASH_VERGE: &str = "proxy:clash-verge";
    pub const PROXY_SURGE: &str = "proxy:surge";
    pub const PROXY_V2RAYN: &str = "proxy:v2rayn";
    pub const PROXY_V2BOX: &str = "proxy:v2box";
    /// The route in effect when it is none of the items above (a proxy URL, a SOCKS preset).
    pub const PROXY_OTHER: &str = "proxy:other";
    /// "Custom…": opens Settings, where a proxy URL and NO_PROXY are typed.
    pub const PROXY_CUSTOM: &str = "proxy:custom";
    pub const THINKING: &str = "thinking";
    pub const PROVIDER_MENU: &str = "provider";
    /// Prefix of a provider item's id: `provider:deepseek`.
    pub const PROVIDER_PREFIX: &str = "provider:";
    pub const OPEN_LOG: &str = "open-log";
    pub const SETTINGS: &str = "settings";
    pub const DIAGNOSE: &str = "diagnose";
    pub const AUTOSTART: &str = "autostart";
    pub const RESTART: &str = "restart";
    pub const QUIT: &str = "quit";
}

/// The proxy submenu's fixed choices, in menu order: item id and route.
pub fn proxy_routes() -> [(&'static str, OutboundRoute); 8] {
    [
        (ids::PROXY_DIRECT, OutboundRoute::Direct),
        (ids::PROXY_SYSTEM, OutboundRoute::System),
        (ids::PROXY_ENV, OutboundRoute::Env),
        (ids::PROXY_CLASH, OutboundRoute::Preset(Preset::Clash)),
        (
            ids::PROXY_CLASH_VERGE,
            OutboundRoute::Preset(Preset::ClashVerge),
        ),
        (ids::PROXY_SURGE, OutboundRoute::Preset(Preset::Surge)),
        (ids::PROXY_V2RAYN, OutboundRoute::Preset(Preset::V2rayN)),
        (ids::PROXY_V2BOX, OutboundRoute::Preset(Preset::V2Box)),
    ]
}

/// A route as the menu names it: proxy apps keep their names (with their port), the rest is
/// translated; a proxy URL is shown masked.
pub fn route_label(route: &OutboundRoute, lang: Lang) -> String {
    match route {
        OutboundRoute::Direct => t!(lang, "tray-proxy-direct"),
        OutboundRoute::System => t!(lang, "tray-proxy-system"),
        OutboundRoute::Env => t!(lang, "tray-proxy-env"),
        OutboundRoute::Preset(p) => format!("{} ({})", p.label(), p.port()),
        other => t!(lang, "tray-proxy-custom", route = other.to_string()),
    }
}

/// [`proxy_routes`] with their labels in `lang`: id, label, route.
pub fn proxy_choices(lang: Lang) -> Vec<(&'static str, String, OutboundRoute)> {
    proxy_routes()
        .into_iter()
        .map(|(id, route)| (id, route_label(&route, lang), route))
        .collect()
}

/// What the engine is doing, as the status line shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EngineStatus {
    Starting,
    Running {
        addr: String,
    },
    Stopped,
    /// A start failure, already phrased for the user (e.g. "port 8788 in use by pid 42 (node)").
    Error(String),
}

impl EngineStatus {
    pub fn is_running(&self) -> bool {
        matches!(self, EngineStatus::Running { .. })
    }
}

/// A configured provider as the menu lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderItem {
    pub id: String,
    pub label: String,
}

/// Everything the menu shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrayState {
    pub status: EngineStatus,
    pub route: OutboundRoute,
    pub thinking: bool,
    pub providers: Vec<ProviderItem>,
    /// The default provider's id.
    pub default_provider: Option<String>,
    pub autostart: bool,
    /// Presets whose proxy app answers on its port (or runs): marked in the submenu.
    pub detected: Vec<Preset>,
    /// The route will fail before any request is sent.
    pub route_alert: Option<RouteAlert>,
    /// The language of the labels.
    pub lang: Lang,
}

/// Why the outbound route will fail, shown under the status line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RouteAlert {
    /// The route's loopback proxy port has no listener.
    NotListening { host: String, port: u16 },
    /// Something else makes the proxy unreachable.
    Unreachable,
}

impl RouteAlert {
    pub fn text(&self, lang: Lang) -> String {
        match self {
            RouteAlert::NotListening { host, port } => {
                t!(
                    lang,
                    "tray-route-alert-port",
                    host = host.as_str(),
                    port = *port
                )
            }
            RouteAlert::Unreachable => t!(lang, "tray-route-alert-other"),
        }
    }
}

impl Default for TrayState {
    fn default() -> Self {
        TrayState {
            status: EngineStatus::Starting,
            route: OutboundRoute::Env,
            thinking: true,
            providers: Vec::new(),
            default_provider: None,
            autostart: false,
            detected: Vec::new(),
            route_alert: None,
            lang: Lang::En,
        }
    }
}

/// One menu entry, as plain data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MenuEntry {
    Item {
        id: String,
        label: String,
        enabled: bool,
    },
    Check {
        id: String,
        label: String,
        enabled: bool,
        checked: bool,
    },
    Submenu {
        id: String,
        label: String,
        enabled: bool,
        items: Vec<MenuEntry>,
    },
    Separator,
}

// Accessors for tests and future windows.
#[cfg_attr(not(test), allow(dead_code))]
impl MenuEntry {
    pub fn id(&self) -> Option<&str> {
        match self {
            MenuEntry::Item { id, .. }
            | MenuEntry::Check { id, .. }
            | MenuEntry::Submenu { id, .. } => Some(id),
            MenuEntry::Separator => None,
        }
    }

    pub fn label(&self) -> Option<&str> {
        match self {
            MenuEntry::Item { label, .. }
            | MenuEntry::Check { label, .. }
            | MenuEntry::Submenu { label, .. } => Some(label),
            MenuEntry::Separator => None,
        }
    }
}

fn item(id: &str, label: &str, enabled: bool) -> MenuEntry {
    MenuEntry::Item {
        id: id.into(),
        label: label.into(),
        enabled,
    }
}

fn check(id: &str, label: &str, enabled: bool, checked: bool) -> MenuEntry {
    MenuEntry::Check {
        id: id.into(),
        label: label.into(),
        enabled,
        checked,
    }
}

/// Longest status line; a longer error is cut (the log has the whole text).
pub const STATUS_MAX_CHARS: usize = 90;

/// The disabled first line of the menu.
pub fn status_line(status: &EngineStatus, lang: Lang) -> String {
    let text = match status {
        EngineStatus::Starting => t!(lang, "tray-status-starting"),
        EngineStatus::Running { addr } => t!(lang, "tray-status-running", addr = addr.as_str()),
        EngineStatus::Stopped => t!(lang, "tray-status-stopped"),
        EngineStatus::Error(why) => t!(lang, "tray-status-error", why = why.as_str()),
    };
    // A menu label is one line.
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= STATUS_MAX_CHARS {
        text
    } else {
        let cut: String = text.chars().take(STATUS_MAX_CHARS - 1).collect();
        format!("{cut}…")
    }
}

/// The tray's tooltip (where the platform shows one).
pub fn tooltip(state: &TrayState) -> String {
    t!(
        state.lang,
        "tray-tooltip",
        status = status_line(&state.status, state.lang)
    )
}

/// The whole tray menu for `state`. Settings that need the engine are disabled while it is not
/// running (they act on the running engine's handle).
pub fn menu_model(state: &TrayState) -> Vec<MenuEntry> {
    let live = state.status.is_running();
    let lang = state.lang;
    let mut proxy_items: Vec<MenuEntry> = proxy_choices(lang)
        .into_iter()
        .map(|(id, label, route)| {
            let label = match &route {
                OutboundRoute::Preset(p) if state.detected.contains(p) => {
                    format!("{label} {}", t!(lang, "tray-detected"))
                }
                _ => label,
            };
            check(id, &label, live, route == state.route)
        })
        .collect();
    if !proxy_routes().iter().any(|(_, r)| *r == state.route) {
        // Exactly one item is always checked: name the route in effect (masked).
        let label = route_label(&state.route, lang);
        proxy_items.push(MenuEntry::Separator);
        proxy_items.push(check(ids::PROXY_OTHER, &label, false, true));
    }
    proxy_items.push(MenuEntry::Separator);
    proxy_items.push(item(
        ids::PROXY_CUSTOM,
        &t!(lang, "tray-proxy-custom-edit"),
        true,
    ));
    let provider_items: Vec<MenuEntry> = state
        .providers
        .iter()
        .map(|p| {
            check(
                &format!("{}{}", ids::PROVIDER_PREFIX, p.id),
                &p.label,
                live,
                state.default_provider.as_deref() == Some(p.id.as_str()),
            )
        })
        .collect();
    let mut menu = vec![item(ids::STATUS, &status_line(&state.status, lang), false)];
    if let Some(alert) = &state.route_alert {
        menu.push(item(
            ids::ROUTE_ALERT,
            &format!("⚠ {}", alert.text(lang)),
            false,
        ));
    }
    menu.extend([
        MenuEntry::Separator,
        MenuEntry::Submenu {
            id: ids::PROXY_MENU.into(),
            label: t!(lang, "tray-proxy-menu"),
            enabled: true,
            items: proxy_items,
        },
        check(
            ids::THINKING,
            &t!(lang, "tray-thinking"),
            live,
            state.thinking,
        ),
        MenuEntry::Submenu {
            id: ids::PROVIDER_MENU.into(),
            label: t!(lang, "tray-provider-menu"),
            enabled: !provider_items.is_empty(),
            items: provider_items,
        },
        MenuEntry::Separator,
        item(ids::OPEN_LOG, &t!(lang, "tray-open-log"), true),
        item(ids::SETTINGS, &t!(lang, "tray-settings"), true),
        item(ids::DIAGNOSE, &t!(lang, "tray-diagnose"), true),
        MenuEntry::Separator,
        check(
            ids::AUTOSTART,
            &t!(lang, "tray-autostart"),
            true,
            state.autostart,
        ),
        item(ids::RESTART, &t!(lang, "tray-restart"), true),
        item(ids::QUIT, &t!(lang, "tray-quit"), true),
    ]);
    menu
}

/// What a click on a menu item asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    SetRoute(OutboundRoute),
    /// Flip thinking (the new value is the opposite of the engine's current one).
    ToggleThinking,
    SetProvider(String),
    OpenView(View),
    ToggleAutostart,
    Restart,
    Quit,
}

/// The action for a clicked item id; `None` for ids that do nothing (status line, submenus, the
/// "other route" line).
pub fn action_for(id: &str) -> Option<Action> {
    if let Some((_, route)) = proxy_routes().into_iter().find(|(pid, _)| *pid == id) {
        return Some(Action::SetRoute(route));
    }
    if let Some(provider) = id.strip_prefix(ids::PROVIDER_PREFIX) {
        return (!provider.is_empty()).then(|| Action::SetProvider(provider.to_string()));
    }
    match id {
        ids::THINKING => Some(Action::ToggleThinking),
        ids::OPEN_LOG => Some(Action::OpenView(View::Log)),
        ids::SETTINGS | ids::PROXY_CUSTOM => Some(Action::OpenView(View::Settings)),
        ids::DIAGNOSE => Some(Action::OpenView(View::Diagnose)),
        ids::AUTOSTART => Some(Action::ToggleAutostart),
        ids::RESTART => Some(Action::Restart),
        ids::QUIT => Some(Action::Quit),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
