//! Maps the plain-data menu ([`crate::model::MenuEntry`]) onto `tauri::menu`.

use tauri::menu::{CheckMenuItem, Menu, MenuItem, MenuItemKind, PredefinedMenuItem, Submenu};
use tauri::{Manager, Runtime};

use crate::model::MenuEntry;

/// Builds the real menu for `entries` (a fresh menu each time: Tauri 2 has no radio items, so the
/// tray rebuilds the whole menu whenever its state changes).
pub fn build_menu<R: Runtime, M: Manager<R>>(
    manager: &M,
    entries: &[MenuEntry],
) -> tauri::Result<Menu<R>> {
    let menu = Menu::new(manager)?;
    for entry in entries {
        menu.append(&build_entry(manager, entry)?)?;
    }
    Ok(menu)
}

fn build_entry<R: Runtime, M: Manager<R>>(
    manager: &M,
    entry: &MenuEntry,
) -> tauri::Result<MenuItemKind<R>> {
    Ok(match entry {
        MenuEntry::Item { id, label, enabled } => MenuItemKind::MenuItem(MenuItem::with_id(
            manager,
            id.as_str(),
            label,
            *enabled,
            None::<&str>,
        )?),
        MenuEntry::Check {
            id,
            label,
            enabled,
            checked,
        } => MenuItemKind::Check(CheckMenuItem::with_id(
            manager,
            id.as_str(),
            label,
            *enabled,
            *checked,
            None::<&str>,
        )?),
        MenuEntry::Submenu {
            id,
            label,
            enabled,
            items,
        } => {
            let submenu = Submenu::with_id(manager, id.as_str(), label, *enabled)?;
            for item in items {
                submenu.append(&build_entry(manager, item)?)?;
            }
            MenuItemKind::Submenu(submenu)
        }
        MenuEntry::Separator => MenuItemKind::Predefined(PredefinedMenuItem::separator(manager)?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ids, menu_model, EngineStatus, ProviderItem, TrayState};
    use mimo2codex::upstream::OutboundRoute;

    /// (id, label, enabled, checked) of every item, depth first; submenus as `>id`.
    fn flatten<R: Runtime>(
        items: Vec<MenuItemKind<R>>,
        out: &mut Vec<(String, String, bool, Option<bool>)>,
    ) {
        for item in items {
            match item {
                MenuItemKind::MenuItem(i) => out.push((
                    i.id().0.clone(),
                    i.text().expect("text"),
                    i.is_enabled().expect("enabled"),
                    None,
                )),
                MenuItemKind::Check(c) => out.push((
                    c.id().0.clone(),
                    c.text().expect("text"),
                    c.is_enabled().expect("enabled"),
                    Some(c.is_checked().expect("checked")),
                )),
                MenuItemKind::Submenu(s) => {
                    out.push((
                        format!(">{}", s.id().0),
                        s.text().expect("text"),
                        s.is_enabled().expect("enabled"),
                        None,
                    ));
                    flatten(s.items().expect("items"), out);
                }
                _ => {}
            }
        }
    }

    fn state() -> TrayState {
        TrayState {
            status: EngineStatus::Running {
                addr: "127.0.0.1:8788".into(),
            },
            route: OutboundRoute::System,
            thinking: false,
            providers: vec![
                ProviderItem {
                    id: "deepseek".into(),
                    label: "DeepSeek".into(),
                },
                ProviderItem {
                    id: "kimi".into(),
                    label: "Kimi".into(),
                },
            ],
            default_provider: Some("deepseek".into()),
            autostart: true,
            detected: Vec::new(),
            route_alert: None,
            lang: mimo2codex::i18n::Lang::En,
        }
    }

    #[test]
    fn the_real_menu_has_the_model_items_with_their_states() {
        let app = tauri::test::mock_app();
        let menu = build_menu(app.handle(), &menu_model(&state())).expect("menu");
        let mut items = Vec::new();
        flatten(menu.items().expect("items"), &mut items);
        let get = |id: &str| {
            items
                .iter()
                .find(|(i, ..)| i == id)
                .cloned()
                .unwrap_or_else(|| panic!("no item {id} in {items:?}"))
        };
        assert_eq!(
            get(ids::STATUS),
            (
                ids::STATUS.to_string(),
                "Running on 127.0.0.1:8788".to_string(),
                false,
                None
            )
        );
        assert_eq!(get(">proxy").1, "Outbound proxy");
        assert_eq!(get(ids::PROXY_SYSTEM).3, Some(true));
        let proxy_checked: Vec<_> = items
            .iter()
            .filter(|(id, _, _, checked)| id.starts_with("proxy:") && *checked == Some(true))
            .collect();
        assert_eq!(proxy_checked.len(), 1, "{items:?}");
        assert_eq!(get(ids::PROXY_CLASH).1, "Clash (7890)");
        assert_eq!(get(ids::PROXY_CLASH).3, Some(false));
        assert_eq!(get(ids::THINKING).3, Some(false));
        assert_eq!(get(ids::AUTOSTART).3, Some(true));
        assert_eq!(get("provider:deepseek").3, Some(true));
        assert_eq!(get("provider:kimi").3, Some(false));
        for id in [
            ids::OPEN_LOG,
            ids::SETTINGS,
            ids::DIAGNOSE,
            ids::RESTART,
            ids::QUIT,
        ] {
            assert!(get(id).2, "{id} enabled");
        }
        assert_eq!(get(ids::QUIT).1, "Quit");
    }

    #[test]
    fn a_rebuilt_menu_reflects_the_new_state() {
        let app = tauri::test::mock_app();
        let next = TrayState {
            status: EngineStatus::Error("port 8788 in use by pid 7 (node)".into()),
            route: OutboundRoute::Direct,
            thinking: true,
            ..state()
        };
        let menu = build_menu(app.handle(), &menu_model(&next)).expect("menu");
        let mut items = Vec::new();
        flatten(menu.items().expect("items"), &mut items);
        let status = items.iter().find(|i| i.0 == ids::STATUS).expect("status");
        assert_eq!(status.1, "Error: port 8788 in use by pid 7 (node)");
        let direct = items
            .iter()
            .find(|i| i.0 == ids::PROXY_DIRECT)
            .expect("direct");
        assert_eq!((direct.2, direct.3), (false, Some(true)));
    }
}
