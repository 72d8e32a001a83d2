//! Child processes that cannot outlive the test: `PR_SET_PDEATHSIG`, SIGTERM-then-SIGKILL stops,
//! process groups (for tauri-driver, which starts WebKitWebDriver, which starts the app), commands
//! with hard time limits, free ports and polling; a process's descendants and their memory.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The longest any single wait may take.
pub const WAIT: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(50);

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    l.local_addr().expect("local addr").port()
}

/// Nobody listens on `port` and it can be bound.
pub fn port_is_free(port: u16) -> bool {
    std::net::TcpListener::bind(("127.0.0.1", port)).is_ok()
        && TcpStream::connect_timeout(
            &SocketAddr::from(([127, 0, 0, 1], port)),
            Duration::from_millis(200),
        )
        .is_err()
}

/// Something accepts connections on `127.0.0.1:port`.
pub fn port_is_open(port: u16) -> bool {
    TcpStream::connect_timeout(
        &SocketAddr::from(([127, 0, 0, 1], port)),
        Duration::from_millis(200),
    )
    .is_ok()
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

pub(crate) fn signal(pid: i32, sig: libc::c_int) {
    // SAFETY: kill(2) on a child (or, negative, a process group) of our own that has not been
    // reaped yet, so the id cannot have been reused.
    unsafe {
        libc::kill(pid as libc::pid_t, sig);
    }
}

/// The child gets SIGTERM when the thread that spawned it ends, even if the test is SIGKILLed.
pub fn die_with_parent(cmd: &mut Command) -> &mut Command {
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
pub fn stop(child: &mut Child) {
    if matches!(child.try_wait(), Ok(Some(_))) {
        return;
    }
    signal(child.id() as i32, libc::SIGTERM);
    if wait_for(Duration::from_secs(3), || child.try_wait().ok().flatten()).is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// One process of a process group, from `/proc/<pid>/stat`.
#[derive(Clone, Debug)]
pub struct Member {
    pub pid: i32,
    /// `R`, `S`, `Z` (zombie), …
    pub state: char,
    pub comm: String,
}

/// The processes whose process group is `pgid` (zombies included).
pub fn group_members(pgid: i32) -> Vec<Member> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // `pid (comm) state ppid pgrp …`; comm may hold spaces and parentheses.
            let open = stat.find('(')?;
            let close = stat.rfind(')')?;
            let comm = stat.get(open + 1..close)?.to_string();
            let mut rest = stat.get(close + 1..)?.split_whitespace();
            let state = rest.next()?.chars().next()?;
            let _ppid = rest.next()?;
            let pgrp: i32 = rest.next()?.parse().ok()?;
            (pgrp == pgid).then_some(Member { pid, state, comm })
        })
        .collect()
}

/// One process below the app: pid, executable name, proportional and resident memory (KiB).
#[derive(Clone, Debug)]
pub struct Proc {
    pub pid: i32,
    pub name: String,
    pub pss_kib: u64,
    pub rss_kib: u64,
}

/// Every live descendant of `root` (children, grandchildren, … e.g. WebKit's helpers, also when
/// bubblewrap sits in between), from /proc.
pub fn descendants(root: i32) -> Vec<Proc> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut parent: HashMap<i32, i32> = HashMap::new();
    for pid in dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok()) {
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // `pid (comm) state ppid …`
        let Some(rest) = stat.rfind(')').and_then(|i| stat.get(i + 1..)) else {
            continue;
        };
        let mut f = rest.split_whitespace();
        let state = f.next().unwrap_or("Z");
        if state == "Z" || state == "X" {
            continue;
        }
        if let Some(ppid) = f.next().and_then(|p| p.parse().ok()) {
            parent.insert(pid, ppid);
        }
    }
    let is_below = |mut pid: i32| {
        for _ in 0..64 {
            match parent.get(&pid) {
                Some(&p) if p == root => return true,
                Some(&p) if p > 1 => pid = p,
                _ => return false,
            }
        }
        false
    };
    parent
        .keys()
        .copied()
        .filter(|&pid| is_below(pid))
        .map(|pid| Proc {
            pid,
            name: exe_name(pid),
            pss_kib: kib_field(&format!("/proc/{pid}/smaps_rollup"), "Pss:"),
            rss_kib: kib_field(&format!("/proc/{pid}/status"), "VmRSS:"),
        })
        .collect()
}

/// The executable's file name (`/proc/<pid>/exe`, else argv[0]; `comm` is cut at 15 bytes).
fn exe_name(pid: i32) -> String {
    let from_exe = std::fs::read_link(format!("/proc/{pid}/exe"))
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()));
    from_exe.unwrap_or_else(|| {
        std::fs::read(format!("/proc/{pid}/cmdline"))
            .ok()
            .and_then(|c| {
                let argv0 = c.split(|&b| b == 0).next()?.to_vec();
                let argv0 = String::from_utf8_lossy(&argv0).into_owned();
                Some(argv0.rsplit('/').next()?.to_string())
            })
            .unwrap_or_default()
    })
}

/// A `Name:   123 kB` line's number (0 when unreadable).
fn kib_field(path: &str, name: &str) -> u64 {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with(name))?
                .split_whitespace()
                .nth(1)?
                .parse()
                .ok()
        })
        .unwrap_or(0)
}

/// Whether `pid` runs this executable (`/proc/<pid>/exe`).
pub fn runs(pid: i32, exe: &Path) -> bool {
    let Ok(link) = std::fs::read_link(format!("/proc/{pid}/exe")) else {
        return false;
    };
    let exe = std::fs::canonicalize(exe).unwrap_or_else(|_| exe.to_path_buf());
    link == exe
}

/// Whether `pid` exists and is not a zombie.
pub fn pid_alive(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            let close = s.rfind(')')?;
            s.get(close + 1..)?
                .split_whitespace()
                .next()?
                .chars()
                .next()
        })
        .is_some_and(|state| state != 'Z' && state != 'X')
}

/// Stops a process group whose leader is our unreaped `leader` (so the group id cannot be reused):
/// SIGTERM to the group, SIGKILL to it after 3 s if anything but zombies is left, then reaps the
/// leader. Returns the members that needed SIGKILL.
pub fn stop_group(leader: &mut Child) -> Vec<Member> {
    let pgid = leader.id() as i32;
    let live = || -> Vec<Member> {
        group_members(pgid)
            .into_iter()
            .filter(|m| m.state != 'Z' && m.state != 'X')
            .collect()
    };
    signal(-pgid, libc::SIGTERM);
    let mut stubborn = Vec::new();
    if wait_for(Duration::from_secs(3), || live().is_empty().then_some(())).is_none() {
        stubborn = live();
        signal(-pgid, libc::SIGKILL);
        wait_for(Duration::from_secs(2), || live().is_empty().then_some(()));
    }
    let _ = leader.wait();
    stubborn
}

/// Runs `cmd` to completion, killed after `limit`; output read on a thread so a full pipe never
/// blocks the child.
pub fn run_limited(cmd: &mut Command, limit: Duration) -> Result<Output, String> {
    let child = die_with_parent(cmd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("spawn {cmd:?}: {e}"))?;
    let pid = child.id() as i32;
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
pub fn spawn_reading_first_line(cmd: &mut Command, what: &str) -> (Child, String) {
    let mut child = die_with_parent(cmd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {what}: {e}"));
    let stdout = child.stdout.take().expect("piped stdout");
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

/// The last `n` lines of a text file (empty if unreadable).
pub fn tail(path: &Path, n: usize) -> String {
    let text = std::fs::read(path)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}
