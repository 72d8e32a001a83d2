//! Which proxy app runs on this machine and which preset to pick: running processes (sysinfo) plus a
//! probe of every preset port on loopback — does an HTTP proxy answer `CONNECT`, does a SOCKS5 server
//! answer the greeting. Nothing leaves the machine: the `CONNECT` asks for `127.0.0.1:0`, which any
//! proxy refuses at once with a status line, and the SOCKS5 probe stops after the greeting.
//!
//! The decision ([`classify`], [`match_app`], [`pick`]) is pure; [`detect`] is the thin I/O around it.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use serde::Serialize;

use super::probe;
use crate::i18n::Lang;
use crate::t;
use crate::upstream::Preset;

/// The protocol a port speaks (or is expected to).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ProxyKind {
    Http,
    Socks5,
}

impl ProxyKind {
    pub fn of(preset: Preset) -> ProxyKind {
        if preset.url().starts_with("socks") {
            ProxyKind::Socks5
        } else {
            ProxyKind::Http
        }
    }
}

/// One port to probe.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProbeTarget {
    pub preset: Option<Preset>,
    pub port: u16,
    pub kind: ProxyKind,
}

impl ProbeTarget {
    /// Every preset's port ([`Preset::ALL`]).
    pub fn presets() -> Vec<ProbeTarget> {
        Preset::ALL
            .iter()
            .map(|p| ProbeTarget {
                preset: Some(*p),
                port: p.port(),
                kind: ProxyKind::of(*p),
            })
            .collect()
    }
}

/// What one port did when probed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PortAnswer {
    pub listening: bool,
    /// Status code of the answer to `CONNECT`, when it was HTTP.
    pub http_status: Option<u16>,
    /// Method chosen in answer to the SOCKS5 greeting, when it was SOCKS5.
    pub socks_method: Option<u8>,
}

/// A probed port.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Candidate {
    /// The preset's `--proxy` name (`clash`), if the port is a preset's.
    #[serde(serialize_with = "preset_name")]
    pub preset: Option<Preset>,
    pub port: u16,
    /// What the preset expects there.
    pub kind: ProxyKind,
    pub listening: bool,
    /// What actually answered (the expected kind first: a mixed port answers both).
    pub answered_as: Option<ProxyKind>,
    /// The process holding the port, when it can be found.
    pub process: Option<String>,
}

fn preset_name<S: serde::Serializer>(p: &Option<Preset>, s: S) -> Result<S::Ok, S::Error> {
    match p {
        Some(p) => s.serialize_some(p.name()),
        None => s.serialize_none(),
    }
}

/// A proxy app seen among the running processes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RunningApp {
    /// The process name as the OS reports it.
    pub process: String,
    /// The app as users know it.
    pub app: &'static str,
    /// Its preset, when mimo2codex has one.
    #[serde(serialize_with = "preset_name")]
    pub preset: Option<Preset>,
}

/// Everything detection found.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Detection {
    pub candidates: Vec<Candidate>,
    pub apps: Vec<RunningApp>,
    /// The preset to pick, if any answers as expected.
    #[serde(serialize_with = "preset_name")]
    pub pick: Option<Preset>,
}

impl Detection {
    /// One line for screens, in `lang`:
    /// `Clash Verge answers on 127.0.0.1:7897 (Clash Verge is running): --proxy clash-verge`.
    pub fn summary(&self, lang: Lang) -> Option<String> {
        let preset = self.pick?;
        let running = self
            .apps
            .iter()
            .find(|a| a.preset.is_some_and(|p| family(p) == family(preset)));
        Some(match running {
            Some(app) => t!(
                lang,
                "doctor-detect-summary-running",
                label = preset.label(),
                port = preset.port(),
                app = app.app,
                preset = preset.name()
            ),
            None => t!(
                lang,
                "doctor-detect-summary",
                label = preset.label(),
                port = preset.port(),
                preset = preset.name()
            ),
        })
    }
}

/// What answered, preferring the kind the preset expects.
pub fn classify(expected: ProxyKind, answer: &PortAnswer) -> Option<ProxyKind> {
    let http = answer.http_status.is_some();
    let socks = answer.socks_method.is_some();
    match expected {
        ProxyKind::Http if http => Some(ProxyKind::Http),
        ProxyKind::Socks5 if socks => Some(ProxyKind::Socks5),
        _ if http => Some(ProxyKind::Http),
        _ if socks => Some(ProxyKind::Socks5),
        _ => None,
    }
}

/// Presets of one app share a family (Surge HTTP and SOCKS5…).
fn family(p: Preset) -> &'static str {
    match p {
        Preset::Clash | Preset::ClashVerge => "clash",
        Preset::Surge | Preset::SurgeSocks => "surge",
        Preset::V2rayN | Preset::V2rayNSocks => "v2rayn",
        Preset::V2Box => "v2box",
    }
}

/// A process name → the proxy app it is, case-insensitive (`.exe` and `.app` ignored).
pub fn match_app(process: &str) -> Option<(&'static str, Option<Preset>)> {
    let name = process.trim().to_ascii_lowercase();
    let name = name
        .strip_suffix(".exe")
        .or_else(|| name.strip_suffix(".app"))
        .unwrap_or(&name);
    let has = |needle: &str| name.contains(needle);
    let found = if has("clash-verge") || has("clash verge") || has("verge-mihomo") {
        ("Clash Verge", Some(Preset::ClashVerge))
    } else if has("clash") || has("mihomo") {
        ("Clash", Some(Preset::Clash))
    } else if name.starts_with("surge") {
        ("Surge", Some(Preset::Surge))
    } else if has("v2rayn") {
        ("V2RayN", Some(Preset::V2rayN))
    } else if has("v2box") {
        ("V2Box", Some(Preset::V2Box))
    } else if has("qv2ray") {
        ("Qv2ray", None)
    } else if name == "xray" || name.starts_with("xray-") {
        ("Xray", None)
    } else if name == "v2ray" || name.starts_with("v2ray-") || name == "v2ctl" {
        ("V2Ray", None)
    } else if has("sing-box") {
        ("sing-box", None)
    } else if has("hiddify") {
        ("Hiddify", None)
    } else if has("nekoray") || has("nekobox") {
        ("NekoRay / NekoBox", None)
    } else if has("shadowrocket") {
        ("Shadowrocket", None)
    } else if has("quantumult") {
        ("Quantumult", None)
    } else if has("trojan") {
        ("Trojan", None)
    } else if has("shadowsocks") || name == "sslocal" || name == "ss-local" {
        ("Shadowsocks", None)
    } else {
        return None;
    };
    Some(found)
}

/// The preset to pick: one whose port answers the way the preset expects, an app of its family
/// running first, then HTTP over SOCKS5, then [`Preset::ALL`] order.
pub fn pick(candidates: &[Candidate], apps: &[RunningApp]) -> Option<Preset> {
    let running = |p: Preset| {
        apps.iter()
            .any(|a| a.preset.is_some_and(|ap| family(ap) == family(p)))
    };
    candidates
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let preset = c.preset?;
            (c.answered_as == Some(c.kind)).then_some((i, c, preset))
        })
        .min_by_key(|(i, c, preset)| (!running(*preset), c.kind != ProxyKind::Http, *i))
        .map(|(_, _, preset)| preset)
}

/// Detection settings; [`DetectOptions::default`] probes every preset on 127.0.0.1.
#[derive(Clone, Debug)]
pub struct DetectOptions {
    pub host: IpAddr,
    pub targets: Vec<ProbeTarget>,
    /// Per connect and per answer.
    pub timeout: Duration,
    /// Look at running processes too.
    pub processes: bool,
}

impl Default for DetectOptions {
    fn default() -> Self {
        DetectOptions {
            host: IpAddr::from([127, 0, 0, 1]),
            targets: ProbeTarget::presets(),
            timeout: Duration::from_millis(500),
            processes: true,
        }
    }
}

/// Probes one port: two connections at once, one asked `CONNECT`, one greeted as SOCKS5.
pub async fn probe_port(addr: SocketAddr, timeout: Duration) -> PortAnswer {
    let Ok(first) = probe::connect(&[addr], timeout).await else {
        return PortAnswer::default();
    };
    let http = async move {
        let mut stream = first;
        probe::http_connect(&mut stream, "127.0.0.1:0", None, timeout)
            .await
            .ok()
            .and_then(|(_, status)| status)
    };
    let socks = async {
        let mut stream = probe::connect(&[addr], timeout).await.ok()?;
        probe::socks5_greeting(&mut stream, timeout)
            .await
            .ok()
            .flatten()
    };
    let (http_status, socks_method) = tokio::join!(http, socks);
    PortAnswer {
        listening: true,
        http_status,
        socks_method,
    }
}

/// Proxy apps among the running processes (blocking: reads the process table).
pub fn running_apps() -> Vec<RunningApp> {
    use sysinfo::{ProcessRefreshKind, ProcessesToUpdate, System};
    let Ok(mut sys) = System::new() else {
        return Vec::new();
    };
    sys.refresh_processes_specifics(ProcessesToUpdate::All, true, ProcessRefreshKind::nothing());
    let mut apps: Vec<RunningApp> = sys
        .processes()
        .values()
        .filter_map(|p| {
            let process = p.name().to_string_lossy().into_owned();
            let (app, preset) = match_app(&process)?;
            Some(RunningApp {
                process,
                app,
                preset,
            })
        })
        .collect();
    apps.sort_by(|a, b| a.process.cmp(&b.process));
    apps.dedup_by(|a, b| a.process == b.process);
    apps
}

/// Probes every target concurrently and looks at the processes; bounded by the timeouts.
pub async fn detect(options: &DetectOptions) -> Detection {
    let probes = options.targets.iter().map(|t| {
        let addr = SocketAddr::new(options.host, t.port);
        async move { (t.clone(), probe_port(addr, options.timeout).await) }
    });
    let answers = futures_util::future::join_all(probes).await;
    let want_apps = options.processes;
    let ports: Vec<(u16, bool)> = answers.iter().map(|(t, a)| (t.port, a.listening)).collect();
    let blocking = tokio::task::spawn_blocking(move || {
        let apps = if want_apps {
            running_apps()
        } else {
            Vec::new()
        };
        let holders: Vec<Option<String>> = ports
            .iter()
            .map(|(port, listening)| {
                listening
                    .then(|| crate::port_holder::find_port_holder(*port).map(|h| h.name))
                    .flatten()
            })
            .collect();
        (apps, holders)
    });
    let (apps, holders) = blocking.await.unwrap_or_default();
    let candidates: Vec<Candidate> = answers
        .into_iter()
        .enumerate()
        .map(|(i, (target, answer))| Candidate {
            preset: target.preset,
            port: target.port,
            kind: target.kind,
            listening: answer.listening,
            answered_as: classify(target.kind, &answer),
            process: holders.get(i).cloned().flatten(),
        })
        .collect();
    let pick = pick(&candidates, &apps);
    Detection {
        candidates,
        apps,
        pick,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cand(preset: Preset, answered: Option<ProxyKind>) -> Candidate {
        Candidate {
            preset: Some(preset),
            port: preset.port(),
            kind: ProxyKind::of(preset),
            listening: answered.is_some(),
            answered_as: answered,
            process: None,
        }
    }

    fn app(name: &str) -> RunningApp {
        let (app, preset) = match_app(name).expect(name);
        RunningApp {
            process: name.into(),
            app,
            preset,
        }
    }

    #[test]
    fn process_names_map_to_apps() {
        let cases = [
            ("clash-verge", Some(Preset::ClashVerge)),
            ("verge-mihomo", Some(Preset::ClashVerge)),
            ("Clash Verge.exe", Some(Preset::ClashVerge)),
            ("mihomo", Some(Preset::Clash)),
            ("clash-meta", Some(Preset::Clash)),
            ("ClashX", Some(Preset::Clash)),
            ("Clash for Windows.exe", Some(Preset::Clash)),
            ("Surge", Some(Preset::Surge)),
            ("v2rayN.exe", Some(Preset::V2rayN)),
            ("V2RayN", Some(Preset::V2rayN)),
            ("V2Box", Some(Preset::V2Box)),
            ("xray", None),
            ("v2ray", None),
            ("sing-box", None),
            ("Shadowrocket", None),
            ("Quantumult X", None),
            ("hiddify", None),
            ("nekoray", None),
            ("nekobox", None),
            ("qv2ray", None),
            ("trojan-go", None),
        ];
        for (name, preset) in cases {
            let found = match_app(name).unwrap_or_else(|| panic!("{name} not recognised"));
            assert_eq!(found.1, preset, "{name}");
        }
        for other in ["bash", "firefox", "node", "codex"] {
            assert_eq!(match_app(other), None, "{other}");
        }
    }

    #[test]
    fn the_expected_kind_wins_on_a_mixed_port() {
        let both = PortAnswer {
            listening: true,
            http_status: Some(400),
            socks_method: Some(0),
        };
        assert_eq!(classify(ProxyKind::Socks5, &both), Some(ProxyKind::Socks5));
        assert_eq!(classify(ProxyKind::Http, &both), Some(ProxyKind::Http));
        let socks_only = PortAnswer {
            listening: true,
            http_status: None,
            socks_method: Some(2),
        };
        assert_eq!(
            classify(ProxyKind::Http, &socks_only),
            Some(ProxyKind::Socks5)
        );
        assert_eq!(classify(ProxyKind::Http, &PortAnswer::default()), None);
    }

    #[test]
    fn pick_prefers_a_running_app_then_http_then_order() {
        let none = [cand(Preset::Clash, None), cand(Preset::Surge, None)];
        assert_eq!(pick(&none, &[]), None);
        let two = [
            cand(Preset::Clash, Some(ProxyKind::Http)),
            cand(Preset::ClashVerge, Some(ProxyKind::Http)),
        ];
        assert_eq!(pick(&two, &[]), Some(Preset::Clash));
        let surge = [
            cand(Preset::Clash, Some(ProxyKind::Http)),
            cand(Preset::SurgeSocks, Some(ProxyKind::Socks5)),
        ];
        assert_eq!(pick(&surge, &[app("Surge")]), Some(Preset::SurgeSocks));
        let v2 = [
            cand(Preset::V2rayN, Some(ProxyKind::Http)),
            cand(Preset::V2rayNSocks, Some(ProxyKind::Socks5)),
        ];
        assert_eq!(pick(&v2, &[]), Some(Preset::V2rayN));
        // A SOCKS answer on an HTTP preset's port is not that preset.
        let wrong = [cand(Preset::Clash, Some(ProxyKind::Socks5))];
        assert_eq!(pick(&wrong, &[]), None);
        let d = Detection {
            candidates: surge.to_vec(),
            apps: vec![app("Surge")],
            pick: Some(Preset::SurgeSocks),
        };
        assert_eq!(
            d.summary(Lang::En).as_deref(),
            Some("Surge SOCKS5 answers on 127.0.0.1:6153 (Surge is running): --proxy surge-socks")
        );
        assert_eq!(
            d.summary(Lang::ZhCn).as_deref(),
            Some("Surge SOCKS5 在 127.0.0.1:6153 上有响应（Surge 正在运行）：--proxy surge-socks")
        );
        let alone = Detection {
            apps: Vec::new(),
            ..d
        };
        assert_eq!(
            alone.summary(Lang::En).as_deref(),
            Some("Surge SOCKS5 answers on 127.0.0.1:6153: --proxy surge-socks")
        );
        assert_eq!(Detection::default().summary(Lang::ZhCn), None);
    }
}
