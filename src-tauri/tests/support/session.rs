//! The app under test on a private [`Desktop`]: spawned by the test ([`Session::tray`]) or launched
//! through tauri-driver and WebKitWebDriver with a WebDriver session on its window
//! ([`Session::window`]). Either way: the engine's port, HOME and data directory, liveness, waits that
//! fail early when the app dies, the engine's HTTP API, and diagnostics printed when a test panics.

use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::desktop::{Desktop, Options};
use super::process::{die_with_parent, pid_alive, runs, stop, tail, wait_for, WAIT};
use super::rt;
use super::webdriver::{Driver, WebDriver};
use super::x11::{self, XWindow};

/// The desktop app binary cargo built for these tests.
pub const APP: &str = env!("CARGO_BIN_EXE_mimo2codex-desktop");
/// Runs the tests against another build of the app (e.g. a release binary).
pub const APP_VAR: &str = "MIMO2CODEX_E2E_APP";

/// The app binary under test: `$MIMO2CODEX_E2E_APP`, else [`APP`].
pub fn app_binary() -> PathBuf {
    std::env::var_os(APP_VAR)
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(APP))
}

enum AppProcess {
    /// Spawned by the test; its stderr goes to a file.
    Child {
        child: Mutex<Child>,
        exit: Mutex<Option<ExitStatus>>,
        stderr: PathBuf,
    },
    /// Started by WebKitWebDriver (a grandchild of tauri-driver, in its process group); its stderr
    /// goes to the driver's log.
    Driven,
}

/// The app, its desktop, and (in window mode) the WebDriver session. Dropping it deletes the
/// WebDriver session, stops tauri-driver's process group (WebKitWebDriver, the app, WebKit's
/// helpers), the app, the bus and Xvfb, then removes the temporary directory.
pub struct Session {
    /// The engine's port (`MIMO2CODEX_PORT`).
    pub port: u16,
    /// The app's HOME (temporary).
    pub home: PathBuf,
    /// `MIMO2CODEX_DATA_DIR` (temporary): settings.json, mimo2codex.log, …
    pub data_dir: PathBuf,
    opts: Options,
    app_pid: u32,
    app: AppProcess,
    pub(crate) last_layout: Mutex<String>,
    wd: Option<WebDriver>,
    driver: Option<Driver>,
    desktop: Desktop,
}

impl Session {
    /// Starts a desktop and spawns the app on it (tray tests; no window unless `opts` asks for one,
    /// and then without WebDriver).
    pub fn tray(opts: Options) -> Session {
        let desktop = Desktop::start("m2c-tray-e2e-");
        let stderr_path = desktop.dir().join("app.stderr");
        let stderr = std::fs::File::create(&stderr_path).expect("create app.stderr");
        let mut cmd = Command::new(app_binary());
        desktop.apply_env(&mut cmd, &opts);
        die_with_parent(&mut cmd);
        let child = cmd
            .args(&opts.args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("spawn the app");
        let app_pid = child.id();
        eprintln!(
            "e2e: app pid {app_pid} on display {}, bus {}, files in {}",
            desktop.display,
            desktop.bus_address,
            desktop.dir().display()
        );
        let app = AppProcess::Child {
            child: Mutex::new(child),
            exit: Mutex::new(None),
            stderr: stderr_path,
        };
        Session::new(desktop, opts, app_pid, app, None)
    }

    /// Starts a desktop and tauri-driver on it, and opens a WebDriver session on the app: the app is
    /// launched by WebKitWebDriver with `opts.args` (which must open a window at start, e.g.
    /// [`Options::window`]) and inherits the environment. [`Session::wd`] is the session.
    pub fn window(opts: Options) -> Session {
        let desktop = Desktop::start("m2c-window-e2e-");
        let driver = Driver::start(&desktop, &opts);
        let t0 = Instant::now();
        let app = app_binary();
        let wd = match driver.new_session(&app, &opts.args) {
            Ok(wd) => wd,
            Err(e) => panic!(
                "no WebDriver session on the app ({e}) after {:?}; WebKitWebDriver attaches to the \
                 window the app opens at start: do the arguments {:?} open one?\n\
                 ---- driver and app output ----\n{}\n----",
                t0.elapsed(),
                opts.args,
                tail(&driver.log_path(), 80)
            ),
        };
        let started = t0.elapsed();
        let pid = wait_for(WAIT, || {
            driver
                .members()
                .into_iter()
                .find(|m| m.state != 'Z' && runs(m.pid, &app))
                .map(|m| m.pid as u32)
        });
        let Some(app_pid) = pid else {
            panic!(
                "a WebDriver session but no app process in the driver's group: {:?}",
                driver.members()
            );
        };
        eprintln!(
            "e2e: WebDriver session {} in {started:?}; app pid {app_pid} on display {}, bus {}, files in {}",
            wd.id(),
            desktop.display,
            desktop.bus_address,
            desktop.dir().display()
        );
        Session::new(
            desktop,
            opts,
            app_pid,
            AppProcess::Driven,
            Some((wd, driver)),
        )
    }

    /// The WebDriver session on the app's window; panics for a [`Session::tray`] session.
    pub fn wd(&self) -> &WebDriver {
        self.wd
            .as_ref()
            .expect("a WebDriver session exists only in Session::window")
    }

    /// How long `POST /session` took (app launch until its webview answered), in window mode.
    pub fn session_start(&self) -> Option<Duration> {
        self.wd.as_ref().map(WebDriver::started_in)
    }

    /// The session of an app started on `desktop` (with WebDriver and tauri-driver in window mode).
    fn new(
        desktop: Desktop,
        opts: Options,
        app_pid: u32,
        app: AppProcess,
        window: Option<(WebDriver, Driver)>,
    ) -> Session {
        let (wd, driver) = window.unzip();
        Session {
            port: opts.port,
            home: desktop.home.clone(),
            data_dir: desktop.data_dir.clone(),
            opts,
            app_pid,
            app,
            last_layout: Mutex::new("(none read)".into()),
            wd,
            driver,
            desktop,
        }
    }

    pub fn desktop(&self) -> &Desktop {
        &self.desktop
    }

    pub fn options(&self) -> &Options {
        &self.opts
    }

    /// `<data dir>/mimo2codex.log`, the engine's log file.
    pub fn log_path(&self) -> PathBuf {
        self.data_dir.join("mimo2codex.log")
    }

    pub fn app_pid(&self) -> u32 {
        self.app_pid
    }

    /// tauri-driver's process group (window mode): WebKitWebDriver, the app and WebKit's helpers.
    pub fn driver_pgid(&self) -> Option<i32> {
        self.driver.as_ref().and_then(Driver::pgid)
    }

    /// The app's exit status once it exited (window mode: `Some(None)`, the status is WebKitWebDriver's).
    fn app_exit(&self) -> Option<Option<ExitStatus>> {
        match &self.app {
            AppProcess::Child { child, exit, .. } => {
                let mut exit = exit.lock().unwrap_or_else(|p| p.into_inner());
                if exit.is_none() {
                    let mut child = child.lock().unwrap_or_else(|p| p.into_inner());
                    *exit = child.try_wait().ok().flatten();
                }
                exit.map(Some)
            }
            AppProcess::Driven => (!pid_alive(self.app_pid as i32)).then_some(None),
        }
    }

    pub fn app_alive(&self) -> bool {
        self.app_exit().is_none()
    }

    /// Waits at most `limit` for the app to exit; panics if it still runs. The status is `None` in
    /// window mode (the app is WebKitWebDriver's child, not ours).
    pub fn wait_exit(&self, limit: Duration) -> Option<ExitStatus> {
        wait_for(limit, || self.app_exit())
            .unwrap_or_else(|| panic!("the app still runs after {limit:?}"))
    }

    /// Waits (at most [`WAIT`]) until `ok`; fails early if the app exits.
    pub fn wait(&self, what: &str, ok: impl FnMut() -> bool) {
        self.wait_up_to(WAIT, what, ok)
    }

    /// [`Session::wait`] with another limit.
    pub fn wait_up_to(&self, limit: Duration, what: &str, mut ok: impl FnMut() -> bool) {
        let done = wait_for(limit, || {
            if ok() {
                return Some(());
            }
            if let Some(status) = self.app_exit() {
                panic!("the app exited ({status:?}) while waiting for: {what}");
            }
            None
        });
        if done.is_none() {
            panic!("timed out after {limit:?} waiting for: {what}");
        }
    }

    /// A second launch of the app with this session's environment and arguments (not spawned).
    pub fn app_command(&self) -> Command {
        let mut cmd = Command::new(app_binary());
        self.desktop.apply_env(&mut cmd, &self.opts);
        die_with_parent(&mut cmd);
        cmd.args(&self.opts.args).stdin(Stdio::null());
        cmd
    }

    /// The titled top-level X windows of this display (the app's windows; `viewable` false when
    /// hidden).
    pub fn x_windows(&self) -> Vec<XWindow> {
        x11::windows(&self.desktop.display).unwrap_or_else(|e| panic!("list X windows: {e}"))
    }

    /// Closes the viewable windows whose title contains `title` as a window manager's close button
    /// does (`WM_DELETE_WINDOW`), so the app's close handler runs; returns how many. (WebDriver's
    /// `close_window` instead ends the session and the app.)
    pub fn request_close(&self, title: &str) -> usize {
        x11::request_close(&self.desktop.display, title)
            .unwrap_or_else(|e| panic!("close the window {title:?}: {e}"))
    }

    /// `http://127.0.0.1:<port><path>`
    pub fn engine_url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// `GET /healthz` of the app's engine, once.
    pub fn try_healthz(&self) -> Option<Value> {
        let (status, body) = self.engine_get(&self.engine_url("/healthz")).ok()?;
        if status != 200 {
            return None;
        }
        serde_json::from_str(&body).ok()
    }

    /// `GET /healthz`, waiting at most [`WAIT`] for an answer.
    pub fn healthz(&self) -> Value {
        let mut v = None;
        self.wait("an answer from /healthz", || {
            v = self.try_healthz();
            v.is_some()
        });
        v.expect("healthz answered")
    }

    fn engine_get(&self, url: &str) -> Result<(u16, String), String> {
        rt().block_on(async {
            let resp = engine_client()
                .get(url)
                .send()
                .await
                .map_err(|e| format!("GET {url}: {e}"))?;
            let status = resp.status().as_u16();
            let text = resp.text().await.map_err(|e| format!("GET {url}: {e}"))?;
            Ok((status, text))
        })
    }

    /// `POST <path>` with a JSON body to the engine (no proxy, 30 s limit): status and body text.
    pub fn engine_post(&self, path: &str, body: &Value) -> (u16, String) {
        let url = self.engine_url(path);
        rt().block_on(async {
            let resp = engine_client()
                .post(&url)
                .json(body)
                .send()
                .await
                .unwrap_or_else(|e| panic!("POST {url}: {e}"));
            let status = resp.status().as_u16();
            let text = resp
                .text()
                .await
                .unwrap_or_else(|e| panic!("POST {url}: reading the body: {e}"));
            (status, text)
        })
    }

    /// One Codex-style turn through the engine: `POST /v1/responses` (streamed) with `text` as the
    /// user message and the default provider's model. Returns status and the SSE text.
    pub fn responses_turn(&self, text: &str) -> (u16, String) {
        let body = serde_json::json!({
            "stream": true,
            "input": [{"type": "message", "role": "user",
                       "content": [{"type": "input_text", "text": text}]}]
        });
        self.engine_post("/v1/responses", &body)
    }

    /// The app's stderr (window mode: tauri-driver's, WebKitWebDriver's and the app's output), the
    /// last menu layout read and the driver's process group, for failure messages.
    pub fn diagnostics(&self) -> String {
        let output = match (&self.app, &self.driver) {
            (AppProcess::Child { stderr, .. }, _) => tail(stderr, 60),
            (AppProcess::Driven, Some(d)) => tail(&d.log_path(), 60),
            (AppProcess::Driven, None) => String::new(),
        };
        let layout = self
            .last_layout
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let group = self
            .driver
            .as_ref()
            .map(|d| format!("\n---- driver process group ----\n{:?}", d.members()))
            .unwrap_or_default();
        format!(
            "---- app output (last 60 lines) ----\n{output}\n---- last menu layout ----\n{layout}{group}\n----"
        )
    }

    /// The app's own output so far (window mode: mixed with the drivers').
    pub fn app_output(&self) -> String {
        let path = match (&self.app, &self.driver) {
            (AppProcess::Child { stderr, .. }, _) => stderr.clone(),
            (AppProcess::Driven, Some(d)) => d.log_path(),
            (AppProcess::Driven, None) => return String::new(),
        };
        std::fs::read(path)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }
}

fn engine_client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("build an HTTP client")
}

impl Drop for Session {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("e2e test failed; {}", self.diagnostics());
        }
        if let Some(wd) = self.wd.take() {
            wd.delete();
        }
        if let Some(mut driver) = self.driver.take() {
            driver.stop();
        }
        if let AppProcess::Child { child, .. } = &mut self.app {
            stop(child.get_mut().unwrap_or_else(|p| p.into_inner()));
        }
        // `desktop` (bus, Xvfb, the temporary directory) drops after this.
    }
}
