//! A private desktop: a temporary directory holding HOME, the data directory and XDG_RUNTIME_DIR, an
//! X display of its own (`Xvfb -displayfd` picks a free number atomically, unlike `xvfb-run -a`) and a
//! D-Bus session bus of its own (`dbus-daemon --session --print-address`). Runs in parallel never
//! meet: the app's single-instance lock is a name on the bus. The app's environment is built here.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::Duration;

use super::process::{free_port, run_limited, spawn_reading_first_line, stop};

/// The longest one `gdbus` call may take.
pub const GDBUS_LIMIT: Duration = Duration::from_secs(4);

/// How to launch the app: engine port, command-line arguments, extra environment.
#[derive(Clone, Debug)]
pub struct Options {
    pub port: u16,
    pub args: Vec<String>,
    /// Applied after the defaults, so these win.
    pub env: Vec<(OsString, OsString)>,
}

impl Default for Options {
    fn default() -> Self {
        Options::new()
    }
}

impl Options {
    /// A free engine port, no arguments, `DS_API_KEY=sk-e2e` (so a provider is configured).
    pub fn new() -> Options {
        Options {
            port: free_port(),
            args: Vec::new(),
            env: vec![("DS_API_KEY".into(), "sk-e2e".into())],
        }
    }

    pub fn port(mut self, port: u16) -> Options {
        self.port = port;
        self
    }

    pub fn arg(mut self, arg: impl Into<String>) -> Options {
        self.args.push(arg.into());
        self
    }

    /// `--window <view>`: the app opens its main window on `settings`, `log` or `diagnose` at start.
    pub fn window(self, view: &str) -> Options {
        self.arg("--window").arg(view)
    }

    pub fn env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> Options {
        self.env.push((key.into(), value.into()));
        self
    }

    /// DeepSeek pointed at a fake upstream (`DEEPSEEK_BASE_URL`, `DS_API_KEY` = the fake's key):
    /// the engine's default provider then talks to the fake. Use `Profile::deepseek()` for its
    /// thinking switch (`thinking: {type}`).
    pub fn deepseek_at(self, base_url: &str, api_key: &str) -> Options {
        self.env("DEEPSEEK_BASE_URL", base_url)
            .env("DS_API_KEY", api_key)
    }
}

/// Whether the developer's variable `key` must not reach the app: engine settings, proxies,
/// provider keys and hosts, and where the user's files live.
fn scrubbed(key: &str) -> bool {
    let k = key.to_ascii_uppercase();
    k.starts_with("MIMO2CODEX_")
        || k.ends_with("_PROXY")
        || k.ends_with("_API_KEY")
        || k.ends_with("_BASE_URL")
        || k.ends_with("_MODEL")
        || matches!(
            k.as_str(),
            "WAYLAND_DISPLAY"
                | "XDG_CONFIG_HOME"
                | "XDG_DATA_HOME"
                | "XDG_CACHE_HOME"
                | "XDG_STATE_HOME"
                | "XAUTHORITY"
        )
}

/// The temporary directories, the X display and the session bus.
pub struct Desktop {
    pub home: PathBuf,
    pub data_dir: PathBuf,
    pub runtime_dir: PathBuf,
    /// `:N`
    pub display: String,
    pub bus_address: String,
    bus: Child,
    xvfb: Child,
    /// Removed on drop, after the processes stopped.
    dir: tempfile::TempDir,
}

impl Desktop {
    /// Starts Xvfb (1280x800x24) and a session bus; `prefix` names the temporary directory.
    pub fn start(prefix: &str) -> Desktop {
        let dir = tempfile::Builder::new()
            .prefix(prefix)
            .tempdir()
            .expect("create the temporary directory");
        let home = dir.path().join("home");
        let data_dir = dir.path().join("data");
        let runtime_dir = dir.path().join("run");
        for d in [&home, &data_dir, &runtime_dir] {
            std::fs::create_dir_all(d).expect("mkdir in the temporary directory");
        }
        std::fs::set_permissions(
            &runtime_dir,
            std::os::unix::fs::PermissionsExt::from_mode(0o700),
        )
        .expect("chmod 700 XDG_RUNTIME_DIR");

        // Xvfb writes the display number once it accepts clients.
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
                    .env("NO_AT_BRIDGE", "1")
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
        Desktop {
            home,
            data_dir,
            runtime_dir,
            display,
            bus_address,
            bus,
            xvfb,
            dir,
        }
    }

    /// The temporary directory (logs of Xvfb, the bus, the driver and the app live here).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Gives `cmd` the app's environment: the developer's engine/proxy/provider variables removed,
    /// HOME, XDG_RUNTIME_DIR, DISPLAY, the bus, MIMO2CODEX_DATA_DIR / HOST / PORT, then `opts.env`.
    pub fn apply_env<'c>(&self, cmd: &'c mut Command, opts: &Options) -> &'c mut Command {
        for (key, _) in std::env::vars_os() {
            if scrubbed(&key.to_string_lossy()) {
                cmd.env_remove(&key);
            }
        }
        cmd.env("HOME", &self.home)
            .env("XDG_RUNTIME_DIR", &self.runtime_dir)
            .env("DISPLAY", &self.display)
            .env("DBUS_SESSION_BUS_ADDRESS", &self.bus_address)
            .env("NO_AT_BRIDGE", "1")
            .env("MIMO2CODEX_DATA_DIR", &self.data_dir)
            .env("MIMO2CODEX_HOST", "127.0.0.1")
            .env("MIMO2CODEX_PORT", opts.port.to_string());
        for (k, v) in &opts.env {
            cmd.env(k, v);
        }
        cmd
    }

    /// `gdbus call --session <args>` on this bus, killed after [`GDBUS_LIMIT`].
    pub fn gdbus(&self, args: &[&str]) -> Result<String, String> {
        gdbus_call(&self.bus_address, args)
    }
}

impl Drop for Desktop {
    fn drop(&mut self) {
        stop(&mut self.bus);
        stop(&mut self.xvfb);
    }
}

/// `gdbus call --session <args>` on the bus at `address`, killed after [`GDBUS_LIMIT`].
pub fn gdbus_call(address: &str, args: &[&str]) -> Result<String, String> {
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
