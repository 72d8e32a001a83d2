//! Steps shared by the window tests (`window_views.rs`, `window_views_more.rs`, `window_i18n.rs`,
//! `window_lifecycle.rs`): reading the page in one script call, which view is shown, clicking and typing with retries over re-renders (the views rebuild parts of the page on
//! every state event, which makes element references stale), a fake HTTP proxy, log lines in the
//! engine's format, and where screenshots go.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

use crate::support::{wait_for, Options, WebDriver, WAIT};

/// [`Options::new`] with the app's language pinned to English: the tests read its messages.
pub fn options() -> Options {
    Options::new().env("MIMO2CODEX_LANG", "en")
}

/// Runs `script` (a function body), panicking with the script on a WebDriver error.
pub fn js(wd: &WebDriver, script: &str, args: &[Value]) -> Value {
    wd.execute(script, args)
        .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
}

/// Waits until the page rendered its first state (`document.body.dataset.ready`).
pub fn ready(wd: &WebDriver) {
    wd.wait_until("the page rendered its first state", || {
        (wd.execute("return document.body.dataset.ready === 'true'", &[])
            .ok()?
            == Value::Bool(true))
        .then_some(())
    });
}

/// Which views are not `hidden`, and `location.hash`.
pub fn shown_views(wd: &WebDriver) -> Result<(Vec<String>, String), String> {
    let v = wd
        .execute(
            "return {shown: ['settings', 'log', 'diagnose']
                        .filter(n => !document.getElementById('view-' + n).hidden),
                     hash: location.hash}",
            &[],
        )
        .map_err(|e| e.to_string())?;
    let shown = v["shown"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    Ok((shown, v["hash"].as_str().unwrap_or_default().to_string()))
}

/// Waits until `document.visibilityState` is `state`.
pub fn wait_visibility(wd: &WebDriver, state: &str) {
    wd.wait_until(&format!("document.visibilityState == {state:?}"), || {
        (wd.execute("return document.visibilityState", &[]).ok()? == json!(state)).then_some(())
    });
}

/// Waits until `view` is the only visible view and `location.hash` is `#view`.
pub fn wait_view(wd: &WebDriver, view: &str) {
    let mut last = Err(String::from("not read"));
    let ok = wait_for(WAIT, || {
        last = shown_views(wd);
        match &last {
            Ok((shown, hash)) => {
                (shown == &[view.to_string()] && hash == &format!("#{view}")).then_some(())
            }
            Err(_) => None,
        }
    });
    assert!(
        ok.is_some(),
        "the {view} view is not the one shown after {WAIT:?}: (shown views, hash) = {last:?}"
    );
}

/// The `textContent` of the first element matching `css`, if any.
pub fn text(wd: &WebDriver, css: &str) -> Option<String> {
    js(
        wd,
        "const e = document.querySelector(arguments[0]); return e ? e.textContent : null;",
        &[json!(css)],
    )
    .as_str()
    .map(str::to_string)
}

/// An attribute of the first element matching `css` (`None`: no element or no attribute).
pub fn attr(wd: &WebDriver, css: &str, name: &str) -> Option<String> {
    js(
        wd,
        "const e = document.querySelector(arguments[0]); return e ? e.getAttribute(arguments[1]) : null;",
        &[json!(css), json!(name)],
    )
    .as_str()
    .map(str::to_string)
}

/// A DOM property of the first element matching `css` (`null` when none).
pub fn property(wd: &WebDriver, css: &str, name: &str) -> Value {
    js(
        wd,
        "const e = document.querySelector(arguments[0]); return e ? e[arguments[1]] : null;",
        &[json!(css), json!(name)],
    )
}

/// The whole page's markup (input values are not in it; see [`property`]).
pub fn dom_html(wd: &WebDriver) -> String {
    js(wd, "return document.documentElement.outerHTML", &[])
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Polls `f` (at most [`WAIT`]); panics naming `what` with the page's text.
pub fn wait_some<T>(wd: &WebDriver, what: &str, f: impl FnMut() -> Option<T>) -> T {
    wd.wait_until(what, f)
}

/// Waits until `css`'s attribute `name` is `want`.
pub fn wait_attr(wd: &WebDriver, css: &str, name: &str, want: &str) {
    let mut last = None;
    let found = wait_for(WAIT, || {
        last = attr(wd, css, name);
        (last.as_deref() == Some(want)).then_some(())
    });
    if found.is_none() {
        panic!(
            "{css} [{name}] is {last:?}, not {want:?}, after {WAIT:?}; {css} says {:?}; page:\n{}",
            text(wd, css),
            wd.page_text()
        );
    }
}

/// Waits until `css`'s text satisfies `ok`; returns it.
pub fn wait_text(wd: &WebDriver, css: &str, ok: impl Fn(&str) -> bool) -> String {
    let mut last = None;
    let found = wait_for(WAIT, || {
        last = text(wd, css);
        last.clone().filter(|t| ok(t))
    });
    found.unwrap_or_else(|| {
        panic!(
            "{css} still says {last:?} after {WAIT:?}; page:\n{}",
            wd.page_text()
        )
    })
}

/// A WebDriver click on the first element matching `css`, found afresh (retried while a re-render
/// makes the element stale or it is not there yet).
pub fn click(wd: &WebDriver, css: &str) {
    let mut last = String::new();
    let done = wait_for(WAIT, || match wd.find(css).and_then(|e| e.click()) {
        Ok(()) => Some(()),
        Err(e) => {
            last = e.to_string();
            None
        }
    });
    if done.is_none() {
        panic!("cannot click {css}: {last}; page:\n{}", wd.page_text());
    }
}

/// Types `value` into the input matching `css` (cleared first) and checks the field holds exactly
/// it (a state event arriving between clearing and typing could refill it: then again).
pub fn fill(wd: &WebDriver, css: &str, value: &str) {
    let mut last = String::new();
    let done = wait_for(WAIT, || {
        let typed = wd.find(css).and_then(|e| {
            e.clear()?;
            e.send_keys(value)?;
            e.property("value")
        });
        match typed {
            Ok(v) if v.as_str() == Some(value) => Some(()),
            Ok(v) => {
                last = format!("the field holds {v}");
                None
            }
            Err(e) => {
                last = e.to_string();
                None
            }
        }
    });
    if done.is_none() {
        panic!("cannot type into {css}: {last}");
    }
}

#[allow(unused_imports)] // not every test crate reads JSON files
pub use crate::support::read_json;

/// A plain HTTP proxy on a free loopback port: records each connection's request line (`POST
/// http://host:port/… HTTP/1.1`, or `CONNECT host:port …`) and forwards plain requests to
/// `target`, whatever host they name. CONNECT is answered 502 (nothing here speaks TLS).
pub struct FakeProxy {
    pub port: u16,
    seen: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
}

impl FakeProxy {
    pub fn start(target: SocketAddr) -> FakeProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the fake proxy");
        let port = listener.local_addr().expect("addr").port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (seen2, stop2) = (seen.clone(), stop.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let seen = seen2.clone();
                std::thread::spawn(move || {
                    let _ = proxy_one(conn, target, &seen);
                });
            }
        });
        FakeProxy { port, seen, stop }
    }

    /// The request lines received so far.
    pub fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

impl Drop for FakeProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn proxy_one(
    client: TcpStream,
    target: SocketAddr,
    seen: &Mutex<Vec<String>>,
) -> std::io::Result<()> {
    client.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut reader = BufReader::new(client.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    seen.lock().unwrap().push(line.trim_end().to_string());
    let mut client_w = client;
    if line.starts_with("CONNECT ") {
        client_w.write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n")?;
        return Ok(());
    }
    let mut upstream = TcpStream::connect(target)?;
    upstream.write_all(line.as_bytes())?;
    // What the reader buffered beyond the line, then the rest, both ways.
    upstream.write_all(reader.buffer())?;
    let mut up_r = upstream.try_clone()?;
    let back = std::thread::spawn(move || {
        let _ = std::io::copy(&mut up_r, &mut client_w);
        let _ = client_w.shutdown(std::net::Shutdown::Write);
    });
    let mut rest = reader.into_inner();
    let mut buf = [0u8; 16 * 1024];
    loop {
        match rest.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => upstream.write_all(&buf[..n])?,
        }
    }
    let _ = upstream.shutdown(std::net::Shutdown::Write);
    let _ = back.join();
    Ok(())
}

/// Now as RFC 3339 UTC with microseconds, as the engine's log lines start
/// (`2026-01-02T03:04:05.123456Z`).
pub fn rfc3339_now() -> String {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).expect("clock");
    let secs = now.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:06}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        now.subsec_micros()
    )
}

/// One log line in the engine's file format: `<RFC 3339>  WARN message` (level right-aligned to
/// five columns, as tracing-subscriber writes it).
pub fn log_line(level: &str, message: &str) -> String {
    format!("{} {level:>5} {message}\n", rfc3339_now())
}

/// Appends `text` to the file at `path` (created if missing).
pub fn append(path: &Path, text: &str) {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap_or_else(|e| panic!("open {}: {e}", path.display()));
    f.write_all(text.as_bytes())
        .unwrap_or_else(|e| panic!("append to {}: {e}", path.display()));
}

/// `GET http://127.0.0.1:<port>/healthz` once: the JSON of a 200, else `None`.
pub fn healthz_at(port: u16) -> Option<Value> {
    crate::support::rt().block_on(async {
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(5))
            .build()
            .ok()?;
        let resp = client
            .get(format!("http://127.0.0.1:{port}/healthz"))
            .send()
            .await
            .ok()?;
        if resp.status() != 200 {
            return None;
        }
        resp.json().await.ok()
    })
}

/// Where a screenshot named `name` goes: `$MIMO2CODEX_DOC_SCREENSHOTS/<name>` when that variable is
/// set (the docs' images), else the cargo target's tmp directory.
pub fn screenshot_path(name: &str) -> PathBuf {
    match std::env::var_os("MIMO2CODEX_DOC_SCREENSHOTS").filter(|d| !d.is_empty()) {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            std::fs::create_dir_all(&dir)
                .unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
            dir.join(name)
        }
        None => PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("window_views-{name}")),
    }
}
