//! tauri-driver (which starts WebKitWebDriver, which launches the app) and a small typed W3C WebDriver
//! client for it: blocking calls over reqwest on the shared runtime ([`super::rt`]), each with a
//! time limit, errors carrying the driver's `error` and `message`.
//!
//! tauri-driver runs as the leader of a process group of its own; WebKitWebDriver, the app and
//! WebKit's helper processes inherit that group, so [`Driver::stop`] ends them all by the group id.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use reqwest::Method;
use serde_json::{json, Value};

use super::desktop::{Desktop, Options};
use super::process::{
    die_with_parent, free_port, group_members, port_is_open, stop_group, wait_for, Member, WAIT,
};
use super::rt;

/// The key of an element reference in W3C WebDriver JSON.
pub const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";
/// Limit of one WebDriver command over HTTP (scripts are limited to 10 s by the session).
const COMMAND_LIMIT: Duration = Duration::from_secs(40);
/// Limit of `POST /session` (launching the app and waiting for its webview; under 1 s when idle).
/// An app that opens no window at start never answers: WebKitWebDriver waits for a webview.
const NEW_SESSION_LIMIT: Duration = Duration::from_secs(30);

/// Where tauri-driver is: `$TAURI_DRIVER`, else on PATH, else in cargo's bin directory.
pub fn tauri_driver_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("TAURI_DRIVER") {
        return Some(PathBuf::from(p));
    }
    let on_path = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|d| d.join("tauri-driver"))
            .find(|p| p.is_file())
    });
    on_path.or_else(|| {
        let cargo_home = std::env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))?;
        let p = cargo_home.join("bin/tauri-driver");
        p.is_file().then_some(p)
    })
}

/// A WebDriver error: the HTTP status and the driver's `error` code and `message` (or a transport
/// failure, with status 0).
#[derive(Clone, Debug)]
pub struct WdError {
    pub status: u16,
    /// W3C error code: `no such element`, `stale element reference`, `javascript error`, …
    pub error: String,
    pub message: String,
}

impl WdError {
    pub fn is_no_such_element(&self) -> bool {
        self.error == "no such element"
    }
}

impl fmt::Display for WdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {}", self.error, self.status, self.message)
    }
}

impl std::error::Error for WdError {}

fn transport(e: impl fmt::Display) -> WdError {
    WdError {
        status: 0,
        error: "transport".into(),
        message: e.to_string(),
    }
}

/// One W3C command: `method url` with an optional JSON body; returns the response's `value`.
async fn command(
    http: &reqwest::Client,
    method: Method,
    url: &str,
    body: Option<&Value>,
) -> Result<Value, WdError> {
    let mut req = http.request(method.clone(), url);
    if let Some(body) = body {
        req = req.json(body);
    }
    let resp = req.send().await.map_err(|e| {
        if e.is_timeout() {
            transport(format!("{method} {url}: no answer in time"))
        } else {
            transport(format!("{method} {url}: {e}"))
        }
    })?;
    let status = resp.status().as_u16();
    let text = resp
        .text()
        .await
        .map_err(|e| transport(format!("{method} {url}: {e}")))?;
    let json: Value = serde_json::from_str(&text).map_err(|_| WdError {
        status,
        error: "not json".into(),
        message: format!("{method} {url}: {text}"),
    })?;
    let value = json.get("value").cloned().unwrap_or(Value::Null);
    if (200..300).contains(&status) {
        return Ok(value);
    }
    Err(WdError {
        status,
        error: value["error"].as_str().unwrap_or("unknown error").into(),
        message: value["message"].as_str().unwrap_or(&text).into(),
    })
}

fn http_client(limit: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(limit)
        .build()
        .expect("build an HTTP client")
}

/// A running tauri-driver (and its WebKitWebDriver) on free loopback ports.
pub struct Driver {
    pub port: u16,
    pub native_port: u16,
    child: Option<Child>,
    log: PathBuf,
}

impl Driver {
    /// Starts `tauri-driver --port P --native-port Q` with the app's environment (WebKitWebDriver
    /// and the app inherit it) and waits until it answers `GET /status`. Tried twice, with new
    /// ports, in case another process took a port between choosing and binding it.
    pub fn start(desktop: &Desktop, opts: &Options) -> Driver {
        let mut failure = String::new();
        for attempt in 1..=2 {
            match Driver::try_start(desktop, opts, attempt) {
                Ok(driver) => return driver,
                Err(e) => {
                    eprintln!("e2e: tauri-driver attempt {attempt}: {e}");
                    failure = e;
                }
            }
        }
        panic!("{failure}");
    }

    fn try_start(desktop: &Desktop, opts: &Options, attempt: u32) -> Result<Driver, String> {
        let bin = tauri_driver_path().ok_or("tauri-driver is not installed")?;
        let (port, native_port) = (free_port(), free_port());
        let log = desktop.dir().join(format!("driver-{attempt}.log"));
        let out = std::fs::File::create(&log).map_err(|e| format!("create driver.log: {e}"))?;
        let err = out
            .try_clone()
            .map_err(|e| format!("clone a file handle: {e}"))?;
        let mut cmd = Command::new(&bin);
        desktop.apply_env(&mut cmd, opts);
        die_with_parent(&mut cmd);
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let child = cmd
            .args(["--port", &port.to_string()])
            .args(["--native-port", &native_port.to_string()])
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(|e| format!("spawn {}: {e}", bin.display()))?;
        let mut driver = Driver {
            port,
            native_port,
            child: Some(child),
            log,
        };
        let http = http_client(Duration::from_secs(2));
        let url = format!("http://127.0.0.1:{port}/status");
        let ready = wait_for(WAIT, || {
            if !port_is_open(port) || !port_is_open(native_port) {
                return None;
            }
            rt().block_on(command(&http, Method::GET, &url, None))
                .ok()
                .filter(|v| v["ready"].as_bool() != Some(false))
        });
        if ready.is_none() {
            driver.stop();
            let log = std::fs::read_to_string(&driver.log).unwrap_or_default();
            return Err(format!(
                "tauri-driver did not answer {url} within {WAIT:?}:\n{log}"
            ));
        }
        Ok(driver)
    }

    /// tauri-driver's, WebKitWebDriver's and the app's stdout and stderr.
    pub fn log_path(&self) -> PathBuf {
        self.log.clone()
    }

    /// The processes in tauri-driver's process group.
    pub fn members(&self) -> Vec<Member> {
        self.child
            .as_ref()
            .map(|c| group_members(c.id() as i32))
            .unwrap_or_default()
    }

    /// The process group's id (tauri-driver's pid) while it runs.
    pub fn pgid(&self) -> Option<i32> {
        self.child.as_ref().map(|c| c.id() as i32)
    }

    /// `POST /session` for the app at `application` with `args` (the app is launched now).
    pub fn new_session(&self, application: &Path, args: &[String]) -> Result<WebDriver, WdError> {
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "wry",
            "tauri:options": {"application": application, "args": args},
            "timeouts": {"script": 10_000, "pageLoad": 30_000, "implicit": 0}
        }}});
        let url = format!("http://127.0.0.1:{}/session", self.port);
        let t0 = Instant::now();
        let value = rt().block_on(command(
            &http_client(NEW_SESSION_LIMIT),
            Method::POST,
            &url,
            Some(&caps),
        ))?;
        let id = value["sessionId"]
            .as_str()
            .ok_or_else(|| WdError {
                status: 200,
                error: "no session id".into(),
                message: value.to_string(),
            })?
            .to_string();
        Ok(WebDriver {
            base: format!("{url}/{id}"),
            id,
            http: http_client(COMMAND_LIMIT),
            started_in: t0.elapsed(),
            capabilities: value["capabilities"].clone(),
        })
    }

    /// Ends the process group (tauri-driver, WebKitWebDriver, the app, WebKit's helpers): SIGTERM,
    /// SIGKILL after 3 s for what is left.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let stubborn = stop_group(&mut child);
            if !stubborn.is_empty() {
                eprintln!("e2e: SIGKILLed after SIGTERM did not end them: {stubborn:?}");
            }
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A WebDriver session on the app's webview (the main window). Blocking calls; do not use from
/// inside an async runtime.
pub struct WebDriver {
    base: String,
    id: String,
    http: reqwest::Client,
    started_in: Duration,
    capabilities: Value,
}

impl WebDriver {
    pub fn id(&self) -> &str {
        &self.id
    }

    /// How long `POST /session` took.
    pub fn started_in(&self) -> Duration {
        self.started_in
    }

    /// What the driver answered to `POST /session` (`browserName`, `browserVersion` = wry's, …).
    pub fn capabilities(&self) -> &Value {
        &self.capabilities
    }

    fn call(&self, method: Method, path: &str, body: Option<Value>) -> Result<Value, WdError> {
        let url = format!("{}{path}", self.base);
        rt().block_on(command(&self.http, method, &url, body.as_ref()))
    }

    fn get(&self, path: &str) -> Result<Value, WdError> {
        self.call(Method::GET, path, None)
    }

    fn post(&self, path: &str, body: Value) -> Result<Value, WdError> {
        self.call(Method::POST, path, Some(body))
    }

    /// `DELETE /session/{id}`: WebKitWebDriver closes the app. Errors are ignored (the driver may
    /// be gone already).
    pub fn delete(self) {
        let _ = rt().block_on(command(
            &http_client(Duration::from_secs(5)),
            Method::DELETE,
            &self.base,
            None,
        ));
    }

    /// The first element matching the CSS selector.
    pub fn find(&self, css: &str) -> Result<Element<'_>, WdError> {
        let v = self.post("/element", json!({"using": "css selector", "value": css}))?;
        Element::from_value(self, &v)
    }

    /// Every element matching the CSS selector (empty when none).
    pub fn find_all(&self, css: &str) -> Result<Vec<Element<'_>>, WdError> {
        let v = self.post("/elements", json!({"using": "css selector", "value": css}))?;
        Element::list(self, &v)
    }

    /// The first element matching `css`, waiting at most [`WAIT`]; panics with the page's text.
    pub fn wait_find(&self, css: &str) -> Element<'_> {
        let mut last = None;
        if let Some(e) = wait_for(WAIT, || match self.find(css) {
            Ok(e) => Some(e),
            Err(err) => {
                last = Some(err);
                None
            }
        }) {
            return e;
        }
        panic!(
            "no element {css:?} within {WAIT:?} ({last:?}); page text:\n{}",
            self.page_text()
        );
    }

    /// Polls `f` (every 50 ms, at most [`WAIT`]) until it gives a value; panics naming `what`.
    pub fn wait_until<T>(&self, what: &str, f: impl FnMut() -> Option<T>) -> T {
        wait_for(WAIT, f).unwrap_or_else(|| {
            panic!(
                "timed out after {WAIT:?} waiting for: {what}; page text:\n{}",
                self.page_text()
            )
        })
    }

    /// `document.body.innerText` (empty on error), for failure messages.
    pub fn page_text(&self) -> String {
        self.execute("return document.body ? document.body.innerText : ''", &[])
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    }

    pub fn title(&self) -> Result<String, WdError> {
        Ok(self.get("/title")?.as_str().unwrap_or_default().to_string())
    }

    pub fn url(&self) -> Result<String, WdError> {
        Ok(self.get("/url")?.as_str().unwrap_or_default().to_string())
    }

    /// Reloads the page.
    pub fn refresh(&self) -> Result<(), WdError> {
        self.post("/refresh", json!({})).map(drop)
    }

    /// Runs `script` as a function body (`return …` gives the value); `args` are `arguments[i]`
    /// (pass [`Element::arg`] for an element).
    pub fn execute(&self, script: &str, args: &[Value]) -> Result<Value, WdError> {
        self.post("/execute/sync", json!({"script": script, "args": args}))
    }

    /// Runs `script` with a callback as the last argument; the value is what it is called with.
    /// Limited to 10 s (the session's script timeout).
    pub fn execute_async(&self, script: &str, args: &[Value]) -> Result<Value, WdError> {
        self.post("/execute/async", json!({"script": script, "args": args}))
    }

    /// Calls a Tauri command from the page (`window.__TAURI__.core.invoke` when the app sets
    /// `withGlobalTauri`, else `window.__TAURI_INTERNALS__.invoke`): its result, or the rejection
    /// as text.
    pub fn invoke(&self, cmd: &str, args: Value) -> Result<Value, String> {
        let script = r#"
            const [cmd, args, done] = arguments;
            const core = (window.__TAURI__ && window.__TAURI__.core) || window.__TAURI_INTERNALS__;
            if (!core) { done({err: "no Tauri IPC in this page"}); return; }
            core.invoke(cmd, args).then(
                (ok) => done({ok: ok === undefined ? null : ok}),
                (e) => done({err: typeof e === "string" ? e : JSON.stringify(e)}));
        "#;
        let v = self
            .execute_async(script, &[json!(cmd), args])
            .map_err(|e| format!("invoke {cmd}: {e}"))?;
        match (v.get("ok"), v.get("err")) {
            (Some(ok), _) => Ok(ok.clone()),
            (_, Some(err)) => Err(err.as_str().map(str::to_string).unwrap_or(err.to_string())),
            _ => Err(format!("invoke {cmd}: unexpected answer {v}")),
        }
    }

    /// A PNG of the window's viewport.
    pub fn screenshot(&self) -> Result<Vec<u8>, WdError> {
        let v = self.get("/screenshot")?;
        base64::engine::general_purpose::STANDARD
            .decode(v.as_str().unwrap_or_default())
            .map_err(|e| WdError {
                status: 200,
                error: "bad screenshot".into(),
                message: e.to_string(),
            })
    }

    /// [`WebDriver::screenshot`] written to `path`; returns the PNG bytes.
    pub fn save_screenshot(&self, path: &Path) -> Vec<u8> {
        let png = self.screenshot().expect("take a screenshot");
        std::fs::write(path, &png).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        png
    }

    pub fn window_handle(&self) -> Result<String, WdError> {
        Ok(self
            .get("/window")?
            .as_str()
            .unwrap_or_default()
            .to_string())
    }

    pub fn window_handles(&self) -> Result<Vec<String>, WdError> {
        Ok(self
            .get("/window/handles")?
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|h| h.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default())
    }

    pub fn switch_to_window(&self, handle: &str) -> Result<(), WdError> {
        self.post("/window", json!({"handle": handle})).map(drop)
    }

    /// `DELETE /window`: asks the current browsing context to close; returns the handles left.
    pub fn close_window(&self) -> Result<Vec<String>, WdError> {
        let v = self.call(Method::DELETE, "/window", None)?;
        Ok(v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|h| h.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// `{x, y, width, height}` of the current window.
    pub fn window_rect(&self) -> Result<Value, WdError> {
        self.get("/window/rect")
    }
}

/// An element of the page, valid until the page changes it away (`stale element reference`).
#[derive(Clone)]
pub struct Element<'a> {
    wd: &'a WebDriver,
    id: String,
}

impl fmt::Debug for Element<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Element({})", self.id)
    }
}

impl<'a> Element<'a> {
    fn from_value(wd: &'a WebDriver, v: &Value) -> Result<Element<'a>, WdError> {
        match v.get(ELEMENT_KEY).and_then(Value::as_str) {
            Some(id) => Ok(Element {
                wd,
                id: id.to_string(),
            }),
            None => Err(WdError {
                status: 200,
                error: "not an element".into(),
                message: v.to_string(),
            }),
        }
    }

    fn list(wd: &'a WebDriver, v: &Value) -> Result<Vec<Element<'a>>, WdError> {
        v.as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|e| Element::from_value(wd, e))
            .collect()
    }

    fn path(&self, rest: &str) -> String {
        format!("/element/{}{rest}", self.id)
    }

    /// This element as a script argument.
    pub fn arg(&self) -> Value {
        json!({ ELEMENT_KEY: self.id })
    }

    pub fn find(&self, css: &str) -> Result<Element<'a>, WdError> {
        let v = self.wd.post(
            &self.path("/element"),
            json!({"using": "css selector", "value": css}),
        )?;
        Element::from_value(self.wd, &v)
    }

    pub fn find_all(&self, css: &str) -> Result<Vec<Element<'a>>, WdError> {
        let v = self.wd.post(
            &self.path("/elements"),
            json!({"using": "css selector", "value": css}),
        )?;
        Element::list(self.wd, &v)
    }

    pub fn click(&self) -> Result<(), WdError> {
        self.wd.post(&self.path("/click"), json!({})).map(drop)
    }

    pub fn clear(&self) -> Result<(), WdError> {
        self.wd.post(&self.path("/clear"), json!({})).map(drop)
    }

    /// Types `text` into the element (W3C key codes such as `"\u{E007}"`, Enter, work too).
    pub fn send_keys(&self, text: &str) -> Result<(), WdError> {
        self.wd
            .post(&self.path("/value"), json!({ "text": text }))
            .map(drop)
    }

    /// The rendered text.
    pub fn text(&self) -> Result<String, WdError> {
        Ok(self
            .wd
            .get(&self.path("/text"))?
            .as_str()
            .unwrap_or_default()
            .to_string())
    }

    /// A DOM property (`value`, `checked`, `disabled`, …).
    pub fn property(&self, name: &str) -> Result<Value, WdError> {
        self.wd.get(&self.path(&format!("/property/{name}")))
    }

    /// An HTML attribute (`None` when absent).
    pub fn attribute(&self, name: &str) -> Result<Option<String>, WdError> {
        Ok(self
            .wd
            .get(&self.path(&format!("/attribute/{name}")))?
            .as_str()
            .map(str::to_string))
    }

    pub fn is_selected(&self) -> Result<bool, WdError> {
        Ok(self.wd.get(&self.path("/selected"))?.as_bool() == Some(true))
    }

    pub fn is_enabled(&self) -> Result<bool, WdError> {
        Ok(self.wd.get(&self.path("/enabled"))?.as_bool() == Some(true))
    }

    pub fn is_displayed(&self) -> Result<bool, WdError> {
        Ok(self.wd.get(&self.path("/displayed"))?.as_bool() == Some(true))
    }
}

/// Width, height and the number of distinct RGBA colours (counted up to 1024) of a PNG.
#[derive(Clone, Copy, Debug)]
pub struct PngInfo {
    pub width: u32,
    pub height: u32,
    pub colours: usize,
}

/// Decodes a PNG (e.g. a screenshot) far enough to tell a rendered page from a blank one.
pub fn png_info(bytes: &[u8]) -> Result<PngInfo, String> {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().map_err(|e| e.to_string())?;
    let size = reader
        .output_buffer_size()
        .ok_or("the PNG is too large to decode")?;
    let mut buf = vec![0; size];
    let frame = reader.next_frame(&mut buf).map_err(|e| e.to_string())?;
    let channels = frame.color_type.samples();
    let mut seen = std::collections::HashSet::new();
    for px in buf[..frame.buffer_size()].chunks_exact(channels) {
        seen.insert(px.to_vec());
        if seen.len() >= 1024 {
            break;
        }
    }
    Ok(PngInfo {
        width: frame.width,
        height: frame.height,
        colours: seen.len(),
    })
}
