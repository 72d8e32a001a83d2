//! The OS proxy settings — what a GUI app launched from Finder, the Start menu or the desktop has.
//!
//! Each reader is a pure parser of a command's output or a file's text (unit-tested with captured
//! outputs) plus a thin I/O layer ([`read_system_proxy`]). PAC scripts are reported, never evaluated.

use std::collections::HashMap;
use std::process::Command;

/// What the OS settings say.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SystemProxy {
    /// Where it was read: `macOS network settings`, `Windows Internet Options`, …
    pub source: String,
    /// The proxy URL (`http://127.0.0.1:7890`, `socks5h://…`), if one is configured.
    pub proxy: Option<String>,
    /// Hosts the OS does not proxy, in NO_PROXY syntax.
    pub bypass: Vec<String>,
    /// A PAC script URL (we do not evaluate it).
    pub pac: Option<String>,
}

impl SystemProxy {
    pub fn none(source: &str) -> SystemProxy {
        SystemProxy {
            source: source.to_string(),
            ..SystemProxy::default()
        }
    }
}

pub const MACOS: &str = "macOS network settings";
pub const WINDOWS: &str = "Windows Internet Options";
pub const GNOME: &str = "GNOME proxy settings";
pub const KDE: &str = "KDE proxy settings";

/// A bypass entry in NO_PROXY syntax: `*.local` → `.local`, `10.*` → `10.0.0.0/8`; `<local>` dropped.
pub fn normalize_bypass(entry: &str) -> Option<String> {
    let e = entry.trim().trim_matches(|c| c == '\'' || c == '"').trim();
    if e.is_empty() || e.eq_ignore_ascii_case("<local>") {
        return None;
    }
    if let Some(prefix) = e.strip_suffix(".*") {
        let octets: Vec<&str> = prefix.split('.').collect();
        let numeric = octets.iter().all(|o| o.parse::<u8>().is_ok());
        if numeric && (1..=3).contains(&octets.len()) {
            let mut full: Vec<&str> = octets.clone();
            full.resize(4, "0");
            return Some(format!("{}/{}", full.join("."), octets.len() * 8));
        }
    }
    Some(e.trim_start_matches('*').to_string())
}

fn host_port_url(scheme: &str, host: &str, port: &str) -> Option<String> {
    let host = host.trim();
    let port = port.trim();
    if host.is_empty() || port.is_empty() || port == "0" {
        return None;
    }
    // Some settings store the host with a scheme already (`http://127.0.0.1`).
    let host = host.split_once("://").map_or(host, |(_, h)| h);
    let host = host.trim_end_matches('/');
    Some(format!("{scheme}://{host}:{port}"))
}

/// `scutil --proxy` (macOS).
pub fn parse_scutil(output: &str) -> SystemProxy {
    let mut keys: HashMap<&str, &str> = HashMap::new();
    let mut bypass = Vec::new();
    let mut in_exceptions = false;
    for line in output.lines() {
        let line = line.trim();
        if line.starts_with("ExceptionsList") {
            in_exceptions = true;
            continue;
        }
        if in_exceptions {
            if line.starts_with('}') {
                in_exceptions = false;
            } else if let Some((_, v)) = line.split_once(" : ") {
                bypass.extend(normalize_bypass(v));
            }
            continue;
        }
        if let Some((k, v)) = line.split_once(" : ") {
            keys.insert(k.trim(), v.trim());
        }
    }
    let on = |k: &str| keys.get(k).is_some_and(|v| *v == "1");
    let get = |k: &str| keys.get(k).copied().unwrap_or_default();
    // `HTTPSEnable`, `HTTPSProxy`, `HTTPSPort`; likewise HTTP and SOCKS.
    let pick = |kind: &str, scheme: &str| {
        on(&format!("{kind}Enable"))
            .then(|| {
                host_port_url(
                    scheme,
                    get(&format!("{kind}Proxy")),
                    get(&format!("{kind}Port")),
                )
            })
            .flatten()
    };
    let proxy = pick("HTTPS", "http")
        .or_else(|| pick("HTTP", "http"))
        .or_else(|| pick("SOCKS", "socks5h"));
    let pac = on("ProxyAutoConfigEnable")
        .then(|| get("ProxyAutoConfigURLString").to_string())
        .filter(|u| !u.is_empty());
    SystemProxy {
        source: MACOS.into(),
        proxy,
        bypass,
        pac,
    }
}

/// `reg query "HKCU\Software\Microsoft\Windows\CurrentVersion\Internet Settings"` (Windows).
pub fn parse_reg_query(output: &str) -> SystemProxy {
    let mut values: HashMap<String, String> = HashMap::new();
    for line in output.lines() {
        let mut parts = line.split_whitespace();
        let (Some(name), Some(kind)) = (parts.next(), parts.next()) else {
            continue;
        };
        if !kind.starts_with("REG_") {
            continue;
        }
        // The value is whatever follows the type column (it may contain spaces).
        let value = line
            .split_once(kind)
            .map(|(_, v)| v.trim())
            .unwrap_or_default();
        values.insert(name.to_ascii_lowercase(), value.to_string());
    }
    let enabled = values.get("proxyenable").is_some_and(|v| {
        !v.trim_start_matches("0x")
            .trim_start_matches('0')
            .is_empty()
    });
    let proxy = if enabled {
        values
            .get("proxyserver")
            .and_then(|s| windows_proxy_server(s))
    } else {
        None
    };
    let bypass = values
        .get("proxyoverride")
        .map(|v| v.split(';').filter_map(normalize_bypass).collect())
        .unwrap_or_default();
    let pac = values
        .get("autoconfigurl")
        .filter(|v| !v.is_empty())
        .cloned();
    SystemProxy {
        source: WINDOWS.into(),
        proxy,
        bypass,
        pac,
    }
}

/// `127.0.0.1:7890`, or `http=h:p;https=h:p;socks=h:p` (one per protocol).
fn windows_proxy_server(server: &str) -> Option<String> {
    let server = server.trim();
    if server.is_empty() {
        return None;
    }
    if !server.contains('=') {
        return Some(with_scheme(server, "http"));
    }
    let per: HashMap<String, &str> = server
        .split(';')
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim()))
        .filter(|(_, v)| !v.is_empty())
        .collect();
    if let Some(v) = per.get("https").or_else(|| per.get("http")) {
        return Some(with_scheme(v, "http"));
    }
    per.get("socks").map(|v| with_scheme(v, "socks5h"))
}

fn with_scheme(hostport: &str, scheme: &str) -> String {
    if hostport.contains("://") {
        hostport.to_string()
    } else {
        format!("{scheme}://{hostport}")
    }
}

/// GNOME: `gsettings get <schema> <key>` values, looked up through `get(schema, key)`.
pub fn parse_gnome(get: impl Fn(&str, &str) -> Option<String>) -> SystemProxy {
    let unquote = |v: String| v.trim().trim_matches('\'').to_string();
    let base = "org.gnome.system.proxy";
    let mode = get(base, "mode").map(unquote).unwrap_or_default();
    let mut out = SystemProxy::none(GNOME);
    match mode.as_str() {
        "manual" => {
            let pick = |schema: &str, scheme: &str| {
                let host = get(schema, "host").map(unquote).unwrap_or_default();
                let port = get(schema, "port").map(unquote).unwrap_or_default();
                host_port_url(scheme, &host, &port)
            };
            out.proxy = pick("org.gnome.system.proxy.https", "http")
                .or_else(|| pick("org.gnome.system.proxy.http", "http"))
                .or_else(|| pick("org.gnome.system.proxy.socks", "socks5h"));
            out.bypass = get(base, "ignore-hosts")
                .map(|v| {
                    v.trim()
                        .trim_start_matches('[')
                        .trim_end_matches(']')
                        .split(',')
                        .filter_map(normalize_bypass)
                        .collect()
                })
                .unwrap_or_default();
        }
        "auto" => {
            out.pac = get(base, "autoconfig-url")
                .map(unquote)
                .filter(|u| !u.is_empty())
                .or_else(|| Some("(WPAD auto-detection)".into()));
        }
        _ => {}
    }
    out
}

/// KDE: `~/.config/kioslaverc`, section `[Proxy Settings]`.
pub fn parse_kioslaverc(text: &str) -> SystemProxy {
    let mut in_section = false;
    let mut keys: HashMap<String, String> = HashMap::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_section = line == "[Proxy Settings]";
            continue;
        }
        if in_section {
            if let Some((k, v)) = line.split_once('=') {
                keys.insert(k.trim().to_string(), v.trim().to_string());
            }
        }
    }
    let get = |k: &str| keys.get(k).map(String::as_str).unwrap_or_default();
    let mut out = SystemProxy::none(KDE);
    match get("ProxyType") {
        "1" => {
            // `http://127.0.0.1 7890` (Plasma writes a space before the port) or `http://h:7890`.
            let pick = |k: &str, scheme: &str| {
                let v = get(k);
                match v.rsplit_once(' ') {
                    Some((host, port)) => host_port_url(scheme, host, port),
                    None if !v.is_empty() => {
                        let hostport = v.split_once("://").map_or(v, |(_, r)| r);
                        Some(format!("{scheme}://{}", hostport.trim_end_matches('/')))
                    }
                    None => None,
                }
            };
            out.proxy = pick("httpsProxy", "http")
                .or_else(|| pick("httpProxy", "http"))
                .or_else(|| pick("socksProxy", "socks5h"));
            out.bypass = get("NoProxyFor")
                .split(',')
                .filter_map(normalize_bypass)
                .collect();
        }
        "2" => out.pac = Some(get("Proxy Config Script").to_string()).filter(|s| !s.is_empty()),
        "3" => out.pac = Some("(WPAD auto-detection)".into()),
        _ => {}
    }
    out
}

/// Runs a command and returns its stdout, or `None` when it is missing or fails.
fn run(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Reads this machine's OS proxy settings; `None` when there is no reader for this platform/desktop.
pub fn read_system_proxy(env: &HashMap<String, String>) -> Option<SystemProxy> {
    if cfg!(target_os = "macos") {
        return run("scutil", &["--proxy"]).map(|o| parse_scutil(&o));
    }
    if cfg!(windows) {
        return run(
            "reg",
            &[
                "query",
                r"HKCU\Software\Microsoft\Windows\CurrentVersion\Internet Settings",
            ],
        )
        .map(|o| parse_reg_query(&o));
    }
    let desktop = env
        .get("XDG_CURRENT_DESKTOP")
        .map(|d| d.to_ascii_uppercase())
        .unwrap_or_default();
    if desktop.contains("KDE") {
        let home = env.get("HOME")?;
        let config = env
            .get("XDG_CONFIG_HOME")
            .cloned()
            .unwrap_or_else(|| format!("{home}/.config"));
        let text = std::fs::read_to_string(format!("{config}/kioslaverc")).ok()?;
        return Some(parse_kioslaverc(&text));
    }
    // Probe gsettings once: without it (a server, a container) there is nothing to read.
    run("gsettings", &["get", "org.gnome.system.proxy", "mode"])?;
    Some(parse_gnome(|schema, key| {
        run("gsettings", &["get", schema, key])
    }))
}

#[cfg(test)]
#[path = "system_tests.rs"]
mod tests;
