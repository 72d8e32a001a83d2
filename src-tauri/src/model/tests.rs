use super::*;

fn running() -> TrayState {
    TrayState {
        status: EngineStatus::Running {
            addr: "127.0.0.1:8788".into(),
        },
        route: OutboundRoute::Preset(Preset::Clash),
        thinking: true,
        providers: vec![
            ProviderItem {
                id: "deepseek".into(),
                label: "DeepSeek".into(),
            },
            ProviderItem {
                id: "mimo".into(),
                label: "Xiaomi MiMo".into(),
            },
        ],
        default_provider: Some("mimo".into()),
        autostart: false,
        detected: Vec::new(),
        route_alert: None,
        lang: Lang::En,
    }
}

fn find<'a>(entries: &'a [MenuEntry], id: &str) -> &'a MenuEntry {
    entries
        .iter()
        .find_map(|e| match e {
            _ if e.id() == Some(id) => Some(e),
            MenuEntry::Submenu { items, .. } => items.iter().find(|i| i.id() == Some(id)),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no entry {id}"))
}

fn submenu<'a>(entries: &'a [MenuEntry], id: &str) -> &'a [MenuEntry] {
    match find(entries, id) {
        MenuEntry::Submenu { items, .. } => items,
        other => panic!("{id} is not a submenu: {other:?}"),
    }
}

fn checked(entries: &[MenuEntry]) -> Vec<&str> {
    entries
        .iter()
        .filter_map(|e| match e {
            MenuEntry::Check {
                id, checked: true, ..
            } => Some(id.as_str()),
            _ => None,
        })
        .collect()
}

#[test]
fn top_level_labels_in_order() {
    let model = menu_model(&running());
    let labels: Vec<&str> = model.iter().filter_map(MenuEntry::label).collect();
    assert_eq!(
        labels,
        [
            "Running on 127.0.0.1:8788",
            "Outbound proxy",
            "Thinking",
            "Provider",
            "Open log…",
            "Settings…",
            "Diagnose network…",
            "Start at login",
            "Restart proxy",
            "Quit",
        ]
    );
    assert!(matches!(
        find(&model, ids::STATUS),
        MenuEntry::Item { enabled: false, .. }
    ));
}

#[test]
fn proxy_submenu_lists_the_choices_with_exactly_one_checked() {
    let model = menu_model(&running());
    let proxy = submenu(&model, ids::PROXY_MENU);
    let labels: Vec<&str> = proxy.iter().filter_map(MenuEntry::label).collect();
    assert_eq!(
        labels,
        [
            "Direct",
            "System proxy",
            "From environment",
            "Clash (7890)",
            "Clash Verge (7897)",
            "Surge (6152)",
            "V2RayN (10809)",
            "V2Box (1087)",
            "Custom…",
        ]
    );
    assert_eq!(checked(proxy), [ids::PROXY_CLASH]);
    for (id, route) in proxy_routes() {
        let state = TrayState { route, ..running() };
        let model = menu_model(&state);
        assert_eq!(checked(submenu(&model, ids::PROXY_MENU)), [id]);
    }
}

#[test]
fn a_route_without_an_item_gets_one_checked_line_with_the_password_masked() {
    let route: OutboundRoute = "http://bob:hunter2@10.0.0.1:3128".parse().expect("route");
    let model = menu_model(&TrayState { route, ..running() });
    let proxy = submenu(&model, ids::PROXY_MENU);
    assert_eq!(checked(proxy), [ids::PROXY_OTHER]);
    let label = find(&model, ids::PROXY_OTHER).label().expect("label");
    assert!(label.starts_with("Custom: http://bob:"), "{label}");
    assert!(!label.contains("hunter2"), "{label}");
    let socks = menu_model(&TrayState {
        route: OutboundRoute::Preset(Preset::V2rayNSocks),
        ..running()
    });
    assert_eq!(
        find(&socks, ids::PROXY_OTHER).label(),
        Some("V2RayN SOCKS5 (10808)")
    );
    assert_eq!(action_for(ids::PROXY_OTHER), None);
    assert_eq!(
        action_for(ids::PROXY_CUSTOM),
        Some(Action::OpenView(View::Settings)),
        "Custom… opens Settings, where the URL is typed"
    );
}

#[test]
fn thinking_and_autostart_follow_the_state() {
    let on = menu_model(&running());
    assert!(matches!(
        find(&on, ids::THINKING),
        MenuEntry::Check { checked: true, .. }
    ));
    assert!(matches!(
        find(&on, ids::AUTOSTART),
        MenuEntry::Check { checked: false, .. }
    ));
    let off = menu_model(&TrayState {
        thinking: false,
        autostart: true,
        ..running()
    });
    assert!(matches!(
        find(&off, ids::THINKING),
        MenuEntry::Check { checked: false, .. }
    ));
    assert!(matches!(
        find(&off, ids::AUTOSTART),
        MenuEntry::Check { checked: true, .. }
    ));
}

#[test]
fn provider_submenu_checks_the_default() {
    let model = menu_model(&running());
    let providers = submenu(&model, ids::PROVIDER_MENU);
    let labels: Vec<&str> = providers.iter().filter_map(MenuEntry::label).collect();
    assert_eq!(labels, ["DeepSeek", "Xiaomi MiMo"]);
    assert_eq!(checked(providers), ["provider:mimo"]);
}

#[test]
fn status_lines() {
    assert_eq!(
        status_line(
            &EngineStatus::Running {
                addr: "127.0.0.1:8788".into()
            },
            Lang::En
        ),
        "Running on 127.0.0.1:8788"
    );
    assert_eq!(status_line(&EngineStatus::Stopped, Lang::En), "Stopped");
    assert_eq!(
        status_line(
            &EngineStatus::Error("port 8788 in use by pid 42 (node)".into()),
            Lang::En
        ),
        "Error: port 8788 in use by pid 42 (node)"
    );
    assert_eq!(
        status_line(&EngineStatus::Error("two\nlines".into()), Lang::En),
        "Error: two lines"
    );
    let long = status_line(&EngineStatus::Error("x".repeat(500)), Lang::En);
    assert_eq!(long.chars().count(), STATUS_MAX_CHARS);
    assert!(long.ends_with('…'));
}

#[test]
fn engine_settings_are_disabled_unless_running() {
    let state = TrayState {
        status: EngineStatus::Error("port 8788 in use by pid 42 (node)".into()),
        ..running()
    };
    let model = menu_model(&state);
    assert_eq!(
        find(&model, ids::STATUS).label(),
        Some("Error: port 8788 in use by pid 42 (node)")
    );
    for id in [ids::THINKING, ids::PROXY_DIRECT, "provider:mimo"] {
        assert!(
            matches!(find(&model, id), MenuEntry::Check { enabled: false, .. }),
            "{id}"
        );
    }
    for id in [ids::RESTART, ids::QUIT, ids::OPEN_LOG] {
        assert!(
            matches!(find(&model, id), MenuEntry::Item { enabled: true, .. }),
            "{id}"
        );
    }
}

#[test]
fn every_clickable_id_maps_to_its_action() {
    for (id, route) in proxy_routes() {
        assert_eq!(action_for(id), Some(Action::SetRoute(route)));
    }
    assert_eq!(
        action_for("provider:deepseek"),
        Some(Action::SetProvider("deepseek".into()))
    );
    assert_eq!(action_for("provider:"), None);
    assert_eq!(action_for(ids::THINKING), Some(Action::ToggleThinking));
    assert_eq!(action_for(ids::OPEN_LOG), Some(Action::OpenView(View::Log)));
    assert_eq!(
        action_for(ids::SETTINGS),
        Some(Action::OpenView(View::Settings))
    );
    assert_eq!(
        action_for(ids::DIAGNOSE),
        Some(Action::OpenView(View::Diagnose))
    );
    assert_eq!(action_for(ids::AUTOSTART), Some(Action::ToggleAutostart));
    assert_eq!(action_for(ids::RESTART), Some(Action::Restart));
    assert_eq!(action_for(ids::QUIT), Some(Action::Quit));
    for inert in [ids::STATUS, ids::PROXY_MENU, ids::PROVIDER_MENU, "nonsense"] {
        assert_eq!(action_for(inert), None, "{inert}");
    }
}

#[test]
fn every_item_in_the_model_is_handled() {
    // Each enabled, clickable entry the menu shows leads to an action.
    fn walk(entries: &[MenuEntry]) {
        for e in entries {
            match e {
                MenuEntry::Submenu { items, .. } => walk(items),
                MenuEntry::Item {
                    id, enabled: true, ..
                }
                | MenuEntry::Check {
                    id, enabled: true, ..
                } => {
                    assert!(action_for(id).is_some(), "{id} does nothing")
                }
                _ => {}
            }
        }
    }
    walk(&menu_model(&running()));
}

#[test]
fn detected_proxy_apps_are_marked_and_still_choosable() {
    let mut state = running();
    state.detected = vec![Preset::ClashVerge];
    let menu = menu_model(&state);
    let Some(MenuEntry::Submenu { items, .. }) =
        menu.iter().find(|e| e.id() == Some(ids::PROXY_MENU))
    else {
        panic!("no proxy submenu")
    };
    let label = |id: &str| {
        items
            .iter()
            .find(|e| e.id() == Some(id))
            .and_then(|e| e.label())
            .map(str::to_string)
    };
    assert_eq!(
        label(ids::PROXY_CLASH_VERGE).as_deref(),
        Some("Clash Verge (7897) — detected")
    );
    assert_eq!(label(ids::PROXY_CLASH).as_deref(), Some("Clash (7890)"));
    assert_eq!(
        action_for(ids::PROXY_CLASH_VERGE),
        Some(Action::SetRoute(OutboundRoute::Preset(Preset::ClashVerge)))
    );
}

#[test]
fn a_dead_proxy_port_shows_under_the_status_line() {
    let quiet = menu_model(&running());
    assert!(quiet.iter().all(|e| e.id() != Some(ids::ROUTE_ALERT)));
    let state = TrayState {
        route_alert: Some(RouteAlert::NotListening {
            host: "127.0.0.1".into(),
            port: 7890,
        }),
        ..running()
    };
    let menu = menu_model(&state);
    assert_eq!(menu[1].id(), Some(ids::ROUTE_ALERT));
    assert_eq!(menu[1].label(), Some("⚠ Nothing listens on 127.0.0.1:7890"));
    assert_eq!(action_for(ids::ROUTE_ALERT), None);
}

#[test]
fn the_menu_speaks_chinese_and_keeps_its_ids() {
    let zh = menu_model(&TrayState {
        lang: Lang::ZhCn,
        detected: vec![Preset::Clash],
        ..running()
    });
    let en = menu_model(&running());
    let ids = |m: &[MenuEntry]| {
        m.iter()
            .map(|e| e.id().map(str::to_string))
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&zh), ids(&en), "same items, same ids");
    assert_eq!(find(&zh, ids::QUIT).label(), Some("退出"));
    assert_eq!(
        find(&zh, ids::STATUS).label(),
        Some("运行中：127.0.0.1:8788")
    );
    assert_eq!(find(&zh, ids::PROXY_DIRECT).label(), Some("直连"));
    assert_eq!(
        find(&zh, ids::PROXY_CLASH).label(),
        Some("Clash (7890) — 已检测到")
    );
    assert_eq!(
        action_for(ids::PROXY_DIRECT),
        Some(Action::SetRoute(OutboundRoute::Direct))
    );
}
