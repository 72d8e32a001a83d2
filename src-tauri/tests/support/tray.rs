//! The app's tray menu on the session bus: libayatana exports it as `com.canonical.dbusmenu` on one
//! of the app's bus connections; it is read with `GetLayout` and clicked with `Event <id> clicked`,
//! through `gdbus`. Menu item ids change whenever the app rebuilds its menu (after every click), so
//! items are looked up by label in a freshly read layout each time.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::desktop::{gdbus_call, GDBUS_LIMIT};
use super::gvariant::{self, MenuItem};
use super::process::{wait_for, WAIT};
use super::session::Session;

const ITEM_ROOT: &str = "/org/ayatana/NotificationItem";

/// Where the app serves its menu: a unique bus name and the dbusmenu object path.
#[derive(Clone, Debug)]
pub struct Menu {
    pub dest: String,
    pub path: String,
}

/// The first child node in an `Introspect` reply (`('<node>…<node name="x"/>…',)`).
fn item_name(reply: &str) -> Option<String> {
    let v = gvariant::parse(reply.trim()).ok()?;
    let xml = v.items().first()?.as_str()?;
    let name = xml.split("<node name=\"").nth(1)?.split('"').next()?;
    (!name.is_empty()).then(|| name.to_string())
}

impl Session {
    /// `gdbus call --session <args>` on this session's bus.
    pub fn gdbus(&self, args: &[&str]) -> Result<String, String> {
        self.desktop().gdbus(args)
    }

    fn bus_method(&self, method: &str, args: &[&str]) -> Result<gvariant::GValue, String> {
        let full = format!("org.freedesktop.DBus.{method}");
        let mut all = vec![
            "--dest",
            "org.freedesktop.DBus",
            "--object-path",
            "/org/freedesktop/DBus",
            "--method",
            &full,
        ];
        all.extend_from_slice(args);
        gvariant::parse(self.gdbus(&all)?.trim())
    }

    /// The bus connections of the app's process.
    fn app_connections(&self) -> Vec<String> {
        let Ok(names) = self.bus_method("ListNames", &[]) else {
            return Vec::new();
        };
        let Some(list) = names.items().first() else {
            return Vec::new();
        };
        list.items()
            .iter()
            .filter_map(|n| n.as_str())
            .filter(|n| n.starts_with(':'))
            .filter(|n| {
                self.bus_method("GetConnectionUnixProcessID", &[n])
                    .ok()
                    .and_then(|v| v.items().first().and_then(|p| p.as_int()))
                    == Some(i64::from(self.app_pid()))
            })
            .map(str::to_string)
            .collect()
    }

    /// The app's dbusmenu, once it is on the bus (at most [`WAIT`]). The item's object lives on one
    /// of the app's connections; they are asked at once, and one that does not answer in time (the
    /// single-instance connection ignores introspection) is left alone while its call is pending.
    pub fn wait_for_menu(&self) -> Menu {
        let mut found = None;
        // Connections that did not answer, and when: not asked again for a while.
        let mut silent: Vec<(String, Instant)> = Vec::new();
        let bus = self.desktop().bus_address.clone();
        self.wait("the tray menu on the session bus", || {
            if self.app_output().contains("cannot create the tray icon") {
                panic!("the app could not create its tray: install libayatana-appindicator3-1");
            }
            silent.retain(|(_, when)| when.elapsed() < GDBUS_LIMIT);
            let conns: Vec<String> = self
                .app_connections()
                .into_iter()
                .filter(|c| !silent.iter().any(|(s, _)| s == c))
                .collect();
            let (tx, rx) = mpsc::channel();
            for conn in &conns {
                let (tx, bus, conn) = (tx.clone(), bus.clone(), conn.clone());
                std::thread::spawn(move || {
                    let answer = gdbus_call(
                        &bus,
                        &[
                            "--dest",
                            &conn,
                            "--object-path",
                            ITEM_ROOT,
                            "--method",
                            "org.freedesktop.DBus.Introspectable.Introspect",
                        ],
                    );
                    let _ = tx.send((conn, answer));
                });
            }
            drop(tx);
            // Answers come within milliseconds; give the slow ones a moment, then move on.
            let deadline = Instant::now() + Duration::from_millis(500);
            let mut answered = Vec::new();
            while let Ok((conn, answer)) =
                rx.recv_timeout(deadline.saturating_duration_since(Instant::now()))
            {
                answered.push(conn.clone());
                if let Some(name) = answer.ok().as_deref().and_then(item_name) {
                    found = Some(Menu {
                        dest: conn,
                        path: format!("{ITEM_ROOT}/{name}/Menu"),
                    });
                    return true;
                }
            }
            let now = Instant::now();
            silent.extend(
                conns
                    .into_iter()
                    .filter(|c| !answered.contains(c))
                    .map(|c| (c, now)),
            );
            false
        });
        found.expect("the menu was found")
    }

    /// Reads the layout once (remembered for failure messages).
    pub fn try_layout(&self, menu: &Menu) -> Result<MenuItem, String> {
        let text = self.gdbus(&[
            "--dest",
            &menu.dest,
            "--object-path",
            &menu.path,
            "--method",
            "com.canonical.dbusmenu.GetLayout",
            "--",
            "0",
            "-1",
            "[]",
        ])?;
        let (revision, root) = gvariant::parse_layout(&text)?;
        *self.last_layout.lock().unwrap_or_else(|p| p.into_inner()) =
            format!("revision {revision}:\n{}", root.render());
        Ok(root)
    }

    pub fn layout(&self, menu: &Menu) -> MenuItem {
        self.try_layout(menu)
            .unwrap_or_else(|e| panic!("GetLayout: {e}"))
    }

    /// Waits (at most [`WAIT`]) for a layout that satisfies `ok`, and returns it.
    pub fn wait_layout(&self, menu: &Menu, what: &str, ok: impl Fn(&MenuItem) -> bool) -> MenuItem {
        let mut last = None;
        self.wait(what, || match self.try_layout(menu) {
            Ok(l) if ok(&l) => {
                last = Some(l);
                true
            }
            _ => false,
        });
        last.expect("a matching layout")
    }

    /// Clicks the item labelled `label` in a fresh layout; retried (within [`WAIT`]) when the menu
    /// was rebuilt between reading its id and clicking.
    pub fn click(&self, menu: &Menu, label: &str) {
        let mut last_err = String::new();
        let clicked = wait_for(WAIT, || {
            let id = match self.try_layout(menu) {
                Ok(root) => match root.get(label) {
                    Some(item) => item.id.to_string(),
                    None => {
                        last_err = format!("no single item labelled {label:?}");
                        return None;
                    }
                },
                Err(e) => {
                    last_err = e;
                    return None;
                }
            };
            let event = self.gdbus(&[
                "--dest",
                &menu.dest,
                "--object-path",
                &menu.path,
                "--method",
                "com.canonical.dbusmenu.Event",
                "--",
                &id,
                "clicked",
                "<0>",
                "0",
            ]);
            match event {
                Ok(_) => Some(()),
                Err(e) => {
                    eprintln!("e2e: click on {label:?} (#{id}) failed, retrying: {e}");
                    last_err = e;
                    None
                }
            }
        });
        if clicked.is_none() {
            panic!("cannot click {label:?} within {WAIT:?}: {last_err}");
        }
    }
}
