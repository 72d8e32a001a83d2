//! Helpers of tests/tray_e2e.rs: a private X display and session bus, the app under test with a
//! temporary HOME / data directory / port, `gdbus` calls with hard time limits, and the menu.
//!
//! Every child process gets `PR_SET_PDEATHSIG`, so nothing outlives a killed test; a normal end (or
//! a panic) stops them in `Drop`, and a panic first prints the app's stderr and the last menu layout.

use std::io::{BufRead, BufReader, Read};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::{mpsc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::gvariant::{self, MenuItem};

pub const APP: &str = env!("CARGO_BIN_EXE_mimo2codex-desktop");
/// The longest any single wait may take.
pub const WAIT: Duration = Duration::from_secs(10);
/// The longest one `gdbus` call may take.
const GDBUS_LIMIT: Duration = Duration::from_secs(4);
const POLL: Duration = Duration::from_millis(50);
const ITEM_ROOT: &str = "/org/ayatana/NotificationItem";

/// Whether Xvfb, dbus-daemon and gdbus can run; if not: a failure on CI (.ci/run installs them), a
/// printed skip elsewhere.
pub fn tools_present() -> bool {
    let tools = [
        ("Xvfb", "-help", "xvfb"),
        ("dbus-daemon", "--version", "dbus"),
        ("gdbus", "help", "libglib2.0-bin"),
    ];
    let missing: Vec<String> = tools
        .iter()
        .filter(|(bin, arg, _)| {
            Command::new(bin)
                .arg(arg)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_err()
        })
        .map(|(bin, _, pkg)| format!("{bin} (Debian package {pkg})"))
        .collect();
    if missing.is_empty() {
        return true;
    }
    let msg = format!(
        "the tray end-to-end test needs {}: apt-get install -y xvfb xauth dbus libglib2.0-bin; \
         .ci/run does",
        missing.join(", ")
    );
    if std::env::var_os("CI").is_some() {
        panic!("{msg}");
    }
    eprintln!("SKIPPED: {msg}");
    false
}

pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

pub fn port_is_free(port: u16) -> bool {
    std::net::TcpListener::bind(("127.0.0.1", port)).is_ok()
        && TcpStream::connect_timeout(
            &SocketAddr::from(([127, 0, 0, 1], port)),
            Duration::from_millis(200),
        )
        .is_err()
}

/// Polls `f` every 50 ms until it gives a value or `limit` passes.
pub fn wait_for<T>(limit: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(POLL);
    }
}

fn signal(pid: u32, sig: libc::c_int) {
    // SAFETY: kill(2) on a pid of our own child, which has not been reaped yet.
    unsafe {
        libc::kill(pid as libc::pid_t, sig);
    }
}

/// The child dies with us (SIGTERM when the spawning thread ends), even if we are SIGKILLed.
fn die_with_parent(cmd: &mut Command) -> &mut Command {
    // SAFETY: prctl is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        })
    }
}

/// SIGTERM, then SIGKILL after 3 s; reaps the child.
fn stop(child: &mut Child) {
    if matches!(child.try_wait(), Ok(Some(_))) {
        return;
    }
    signal(child.id(), libc::SIGTERM);
    if wait_for(Duration::from_secs(3), || child.try_wait().ok().flatten()).is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// Runs `cmd` to completion, killed after `limit`; output read on a thread so a full pipe never
/// blocks the child.
fn run_limited(cmd: &mut Command, limit: Duration) -> Result<Output, String> {
    let child = die_with_parent(cmd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("spawn {cmd:?}: {e}"))?;
    let pid = child.id();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(limit) {
        Ok(Ok(out)) => Ok(out),
        Ok(Err(e)) => Err(format!("{cmd:?}: {e}")),
        Err(_) => {
            signal(pid, libc::SIGKILL);
            let _ = rx.recv_timeout(Duration::from_secs(2));
            Err(format!("{cmd:?}: no answer within {limit:?}"))
        }
    }
}

/// Spawns `cmd` with stdout piped and returns its first line (within [`WAIT`]).
fn spawn_reading_first_line(cmd: &mut Command, what: &str) -> (Child, String) {
    let mut child = die_with_parent(cmd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {what}: {e}"));
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    match rx.recv_timeout(WAIT) {
        Ok(line) if !line.trim().is_empty() => (child, line.trim().to_string()),
        other => {
            stop(&mut child);
            panic!("{what} did not start within {WAIT:?} (read {other:?})");
        }
    }
}

/// `gdbus call --session <args>` on the bus at `address`, killed after [`GDBUS_LIMIT`].
fn gdbus_call(address: &str, args: &[&str]) -> Result<String, String> {
    let out = run_limited(
        Command::new("gdbus")
            .args(["call", "--session", "--timeout", "2"])
            .args(args)
            .env("DBUS_SESSION_BUS_ADDRESS", address),
        GDBUS_LIMIT,
    )?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "gdbus call {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// The first child node in an `Introspect` reply (`('<node>…<node name="x"/>…',)`).
fn item_name(reply: &str) -> Option<String> {
    let v = gvariant::parse(reply.trim()).ok()?;
    let xml = v.items().first()?.as_str()?;
    let name = xml.split("<node name=\"").nth(1)?.split('"').next()?;
    (!name.is_empty()).then(|| name.to_string())
}

/// Where the app serves its menu: a unique bus name and the dbusmenu object path.
#[derive(Clone, Debug)]
pub struct Menu {
    pub dest: String,
    pub path: String,
}

/// The display, the bus, and the app under test.
pub struct Session {
    pub port: u16,
    pub home: PathBuf,
    pub data_dir: PathBuf,
    runtime_dir: PathBuf,
    display: String,
    bus_address: String,
    app: Mutex<Option<Child>>,
    app_pid: u32,
    app_exit: Mutex<Option<ExitStatus>>,
    stderr_path: PathBuf,
    last_layout: Mutex<String>,
    bus: Child,
    xvfb: Child,
    dir: tempfile::TempDir,
}

impl Session {
    /// Starts Xvfb, a session bus and the app (engine on `port`).
    pub fn start(port: u16) -> Session {
        let dir = tempfile::Builder::new()
            .prefix("m2c-tray-e2e-")
            .tempdir()
            .expect("tmp");
        let home = dir.path().join("home");
        let data_dir = dir.path().join("data");
        let runtime_dir = dir.path().join("run");
        for d in [&home, &data_dir, &runtime_dir] {
            std::fs::create_dir_all(d).expect("mkdir");
        }
        std::fs::set_permissions(
            &runtime_dir,
            std::os::unix::fs::PermissionsExt::from_mode(0o700),
        )
        .expect("chmod");

        // Xvfb picks a free display itself and writes its number once it accepts clients.
        let xvfb_log = std::fs::File::create(dir.path().join("xvfb.log")).expect("xvfb log");
        let (mut xvfb, number) = spawn_reading_first_line(
            Command::new("Xvfb")
                .args(["-displayfd", "1", "-nolisten", "tcp", "-screen", "0"])
                .arg("1280x800x24")
                .stderr(xvfb_log),
            "Xvfb",
        );
        let display = format!(":{number}");

        // The standard session configuration, as dbus-run-session uses it.
        let bus_log = std::fs::File::create(dir.path().join("dbus.log")).expect("dbus log");
        let bus = std::panic::catch_unwind(|| {
            spawn_reading_first_line(
                Command::new("dbus-daemon")
                    .args(["--session", "--nofork", "--nopidfile", "--print-address=1"])
                    .env("HOME", &home)
                    .env("XDG_RUNTIME_DIR", &runtime_dir)
                    .env("DISPLAY", &display)
                    .env_remove("WAYLAND_DISPLAY")
                    .stderr(bus_log),
                "dbus-daemon",
            )
        });
        let (bus, bus_address) = match bus {
            Ok(b) => b,
            Err(panic) => {
                stop(&mut xvfb);
                std::panic::resume_unwind(panic);
            }
        };

        let stderr_path = dir.path().join("app.stderr");
        let mut s = Session {
            port,
            home,
            data_dir,
            runtime_dir,
            display,
            bus_address,
            app: Mutex::new(None),
            app_pid: 0,
            app_exit: Mutex::new(None),
            stderr_path,
            last_layout: Mutex::new("(none read)".into()),
            bus,
            xvfb,
            dir,
        };
        let stderr = std::fs::File::create(&s.stderr_path).expect("app stderr");
        let app = s
            .app_command()
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("spawn the app");
        s.app_pid = app.id();
        *s.app.get_mut().unwrap_or_else(|p| p.into_inner()) = Some(app);
        eprintln!(
            "tray_e2e: app pid {} on display {}, bus {}, files in {}",
            s.app_pid,
            s.display,
            s.bus_address,
            s.dir.path().display()
        );
        s
    }

    /// The app's command line with this session's environment (also used for a second launch).
    pub fn app_command(&self) -> Command {
        let mut cmd = Command::new(APP);
        for (key, _) in std::env::vars_os() {
            let k = key.to_string_lossy().to_ascii_uppercase();
            if k.starts_with("MIMO2CODEX_")
                || k.ends_with("_PROXY")
                || matches!(
                    k.as_str(),
                    "WAYLAND_DISPLAY"
                        | "XDG_CONFIG_HOME"
                        | "XDG_DATA_HOME"
                        | "XDG_CACHE_HOME"
                        | "XDG_STATE_HOME"
                )
            {
                cmd.env_remove(&key);
            }
        }
        cmd.env("HOME", &self.home)
            .env("XDG_RUNTIME_DIR", &self.runtime_dir)
            .env("DISPLAY", &self.display)
            .env("DBUS_SESSION_BUS_ADDRESS", &self.bus_address)
            .env("MIMO2CODEX_DATA_DIR", &self.data_dir)
            .env("MIMO2CODEX_HOST", "127.0.0.1")
            .env("MIMO2CODEX_PORT", self.port.to_string())
            .env("DS_API_KEY", "sk-tray-e2e")
            .stdin(Stdio::null());
        die_with_parent(&mut cmd);
        cmd
    }

    fn app_status(&self) -> Option<ExitStatus> {
        let mut exit = self.app_exit.lock().unwrap_or_else(|p| p.into_inner());
        if exit.is_none() {
            let mut app = self.app.lock().unwrap_or_else(|p| p.into_inner());
            *exit = app.as_mut().and_then(|a| a.try_wait().ok().flatten());
        }
        *exit
    }

    pub fn app_alive(&self) -> bool {
        self.app_status().is_none()
    }

    /// The app's exit status, waiting at most `limit`.
    pub fn wait_exit(&self, limit: Duration) -> ExitStatus {
        wait_for(limit, || self.app_status())
            .unwrap_or_else(|| panic!("the app still runs {limit:?} after Quit"))
    }

    /// Waits (at most [`WAIT`]) until `ok`; fails early if the app exits.
    pub fn wait(&self, what: &str, mut ok: impl FnMut() -> bool) {
        let done = wait_for(WAIT, || {
            if ok() {
                return Some(true);
            }
            if let Some(status) = self.app_status() {
                panic!("the app exited ({status}) while waiting for: {what}");
            }
            None
        });
        if done.is_none() {
            panic!("timed out after {WAIT:?} waiting for: {what}");
        }
    }

    /// The app's stderr (its log) and the last menu layout read, for failure messages.
    pub fn diagnostics(&self) -> String {
        let stderr = std::fs::read(&self.stderr_path)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        let tail: String = {
            let lines: Vec<&str> = stderr.lines().collect();
            lines[lines.len().saturating_sub(60)..].join("\n")
        };
        let layout = self
            .last_layout
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        format!(
            "---- app stderr (last 60 lines) ----\n{tail}\n---- last menu layout ----\n{layout}\n----"
        )
    }

    fn app_stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr_path).unwrap_or_default()
    }

    /// `gdbus call --session <args>` on this session's bus.
    pub fn gdbus(&self, args: &[&str]) -> Result<String, String> {
        gdbus_call(&self.bus_address, args)
    }

    fn bus_method(&self, method: &str, args: &[&str]) -> Result<gvariant::GValue, String> {
        let mut all = vec![
            "--dest",
            "org.freedesktop.DBus",
            "--object-path",
            "/org/freedesktop/DBus",
            "--method",
        ];
        let full = format!("org.freedesktop.DBus.{method}");
        all.push(&full);
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
                    == Some(i64::from(self.app_pid))
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
        self.wait("the tray menu on the session bus", || {
            if self.app_stderr().contains("cannot create the tray icon") {
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
                let (tx, bus, conn) = (tx.clone(), self.bus_address.clone(), conn.clone());
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
        found.expect("menu")
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
        last.expect("layout")
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
                    eprintln!("tray_e2e: click on {label:?} (#{id}) failed, retrying: {e}");
                    last_err = e;
                    None
                }
            }
        });
        if clicked.is_none() {
            panic!("cannot click {label:?} within {WAIT:?}: {last_err}");
        }
    }

    /// `GET /healthz` of the app's engine, once.
    pub fn try_healthz(&self) -> Option<Value> {
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        let mut conn = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()?;
        conn.set_read_timeout(Some(Duration::from_secs(3))).ok()?;
        std::io::Write::write_all(
            &mut conn,
            b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
        )
        .ok()?;
        let mut text = String::new();
        conn.read_to_string(&mut text).ok()?;
        let body = text.split_once("\r\n\r\n")?.1;
        let json = &body[body.find('{')?..=body.rfind('}')?];
        serde_json::from_str(json).ok()
    }

    /// `GET /healthz`, waiting at most [`WAIT`] for an answer.
    pub fn healthz(&self) -> Value {
        let mut v = None;
        self.wait("an answer from /healthz", || {
            v = self.try_healthz();
            v.is_some()
        });
        v.expect("healthz")
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("tray_e2e failed; {}", self.diagnostics());
        }
        if let Some(app) = self.app.get_mut().unwrap_or_else(|p| p.into_inner()) {
            stop(app);
        }
        stop(&mut self.bus);
        stop(&mut self.xvfb);
    }
}
