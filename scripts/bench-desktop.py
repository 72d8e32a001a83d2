#!/usr/bin/env python3
"""Desktop memory and start-up benchmark (Linux; Python stdlib only). Not a test: it prints numbers.

    scripts/bench-desktop.py                 # release build, then 5 runs of each scenario (as root)
    scripts/bench-desktop.py --runs 9 --settle 8 --bin target/release/mimo2codex-desktop --no-build

Each run gets its own X display (`Xvfb -displayfd`), its own session bus (`dbus-daemon`), a
temporary HOME / XDG_RUNTIME_DIR / MIMO2CODEX_DATA_DIR and a free port, like src-tauri/tests/tray_e2e.rs,
and starts the app in one of two ways:

  tray     no window flag: the tray menu and the engine only
  window   `--window settings`: the main window opened at launch (a WebKit web view)

Measured per run:

  ready    time from spawning the app to the first `200` from GET http://127.0.0.1:<port>/healthz
           (polled every 2 ms over a fresh TCP connection)
  PSS      the sum of `Pss:` in /proc/<pid>/smaps_rollup over the app and all its descendants
           (WebKitWebProcess, WebKitNetworkProcess, bwrap/xdg-dbus-proxy if WebKit sandboxes them),
           found through the parent pids in /proc/<pid>/stat; sampled every 0.5 s for --settle seconds
           after the engine is ready (window: after the first WebKitWebProcess appears) and the last
           sample is the run's value. RSS and USS (private pages) are summed alongside for reference.

Which pages count as "shared" decides PSS, and on a busy machine other processes (another GUI app, a
test, another Xvfb: Mesa's software renderer links LLVM) map the same WebKitGTK, GTK and LLVM files and
take a share of them. So by default (root and unshare(1) needed) the benchmark first does one discovery
run per scenario to list every file the app, WebKit's processes and Xvfb map (≈ 230 files, 500 MB),
then re-runs itself in a private mount namespace where each of those files is replaced by a copy on a
tmpfs: only the processes of the run map them, and the result does not depend on what else runs. That
is an upper bound for a real desktop, where libc, GLib, GTK and the GL driver are also mapped by other
apps and the compositor; the X server (here Xvfb, started inside the namespace) shares Mesa's pages with
the app as it would there. The private session bus activates no services (no portals).

--shared-libs measures with the system's files as they are instead; each run then first waits
(--quiet-wait) until no other process has those libraries loaded, and a run that still saw one is
marked SHARED and left out of the table when clean runs exist.

The table shows the median over the runs (and min-max).
"""

import argparse
import ctypes
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
PR_SET_PDEATHSIG = 1
LIBC = ctypes.CDLL(None, use_errno=True)


def die_with_us():
    """preexec_fn: the child gets SIGTERM when this process dies, even by SIGKILL."""
    LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def first_line(cmd, env, log, what, limit=10.0):
    """Spawns cmd with stdout piped and returns (process, its first line)."""
    p = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log,
                         preexec_fn=die_with_us)
    deadline = time.monotonic() + limit
    line = b""
    os.set_blocking(p.stdout.fileno(), False)
    while time.monotonic() < deadline and not line.endswith(b"\n"):
        try:
            chunk = p.stdout.read(256)
        except BlockingIOError:
            chunk = None
        if chunk:
            line += chunk
        elif p.poll() is not None:
            break
        else:
            time.sleep(0.01)
    if not line.strip():
        stop(p)
        sys.exit(f"bench-desktop: {what} did not start within {limit} s")
    return p, line.decode().strip().splitlines()[0]


def stop(p, limit=5.0):
    if p is None or p.poll() is not None:
        return
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(limit)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def healthz(port):
    """True when GET /healthz answers 200."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            s.sendall(f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode())
            return s.recv(64).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


def children_map():
    kids = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
        kids.setdefault(ppid, []).append(int(name))
    return kids


def tree(pid):
    kids = children_map()
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def comm(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return "?"


def rollup(pid):
    """kB of Pss, Rss and private (USS) pages of one process, or None if it is gone."""
    vals = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 3 and parts[2] == "kB":
                    vals[parts[0].rstrip(":")] = int(parts[1])
    except OSError:
        return None
    return {
        "pss": vals.get("Pss", 0),
        "rss": vals.get("Rss", 0),
        "uss": vals.get("Private_Clean", 0) + vals.get("Private_Dirty", 0),
    }


def sample(pid):
    total = {"pss": 0, "rss": 0, "uss": 0}
    procs = {}
    for p in tree(pid):
        r = rollup(p)
        if r is None:
            continue
        for k in total:
            total[k] += r[k]
        name = comm(p)
        procs[name] = procs.get(name, 0) + r["pss"]
    return total, procs


SHARED_LIBS = (b"libwebkit2gtk-4.1.so", b"libjavascriptcoregtk-4.1.so", b"libgtk-3.so", b"libLLVM")


def mapped_files(pid, code_only=False):
    """(device, inode) of the files mapped by pid (only executable mappings with code_only)."""
    found = set()
    try:
        with open(f"/proc/{pid}/maps", "rb") as f:
            for line in f:
                parts = line.split(None, 5)
                if len(parts) < 6 or parts[4] == b"0" or (code_only and b"x" not in parts[1]):
                    continue
                found.add((parts[3], parts[4], parts[5].strip() if not code_only else b""))
    except OSError:
        pass
    return found


def shared_gui_files(pids):
    """(device, inode) of WebKitGTK, GTK 3 and LLVM as mapped by our processes."""
    return {(dev, ino) for p in pids for dev, ino, path in mapped_files(p)
            if any(lib in path for lib in SHARED_LIBS)}


def foreign_mappers(ours, files=None):
    """Pids outside `ours` that have the same WebKitGTK, GTK 3 or LLVM files loaded as code (`files`:
    (device, inode) pairs; by default those of this system's libraries, found by name in any process).
    They take a share of those pages, so our PSS reads lower while they run: another GUI app, a test
    on the same machine, another Xvfb. A linker reading the .so, or rustc's own libLLVM, does not count."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) in ours or int(name) == os.getpid():
            continue
        if files is None:
            try:
                with open(f"/proc/{name}/maps", "rb") as f:
                    hit = any(b"r-xp" in line and any(lib in line for lib in SHARED_LIBS)
                              and b"-rust" not in line for line in f)
            except OSError:
                continue
        else:
            hit = any((dev, ino) in files for dev, ino, _ in mapped_files(name, code_only=True))
        if hit:
            found.append(int(name))
    return found


def wait_quiet(limit):
    """Waits up to `limit` s until no other process maps the shared GUI libraries."""
    deadline = time.monotonic() + limit
    others = foreign_mappers(set())
    if others:
        print(f"  waiting for {len(others)} other GTK/WebKit processes to exit "
              f"({', '.join(comm(p) for p in others[:5])})...", flush=True)
    while others and time.monotonic() < deadline:
        time.sleep(1)
        others = foreign_mappers(set())
    return others


def top_mappings(pids, n):
    """The n mappings (file, or [heap]/[anon]/...) with the most PSS over pids, in kB."""
    agg = {}
    for pid in pids:
        cur = None
        try:
            with open(f"/proc/{pid}/smaps") as f:
                for line in f:
                    parts = line.split()
                    if parts and "-" in parts[0] and not parts[0].endswith(":"):
                        cur = parts[5] if len(parts) > 5 else "[anon]"
                    elif parts and parts[0] == "Pss:":
                        agg[cur] = agg.get(cur, 0) + int(parts[1])
        except OSError:
            continue
    return sorted(agg.items(), key=lambda kv: -kv[1])[:n]


def app_env(home, runtime, data, display, bus, port):
    env = {}
    for k, v in os.environ.items():
        ku = k.upper()
        if ku.startswith("MIMO2CODEX_") or ku.endswith("_PROXY") or ku in (
            "WAYLAND_DISPLAY", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME",
            "DBUS_SESSION_BUS_ADDRESS", "DISPLAY", "HOME", "XDG_RUNTIME_DIR"):
            continue
        env[k] = v
    env.update({
        "HOME": home, "XDG_RUNTIME_DIR": runtime, "DISPLAY": display, "DBUS_SESSION_BUS_ADDRESS": bus,
        "MIMO2CODEX_DATA_DIR": data, "MIMO2CODEX_HOST": "127.0.0.1", "MIMO2CODEX_PORT": str(port),
        "DS_API_KEY": "sk-bench-desktop",
    })
    return env


BUS_CONF = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={dir}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


def mapped_paths(pids):
    """Regular files mapped by pids (libraries, the executables, fonts, caches)."""
    paths = set()
    for pid in pids:
        for _, _, path in mapped_files(pid):
            p = path.decode(errors="replace")
            if p.startswith("/") and not p.startswith(("/tmp/", "/dev/", "/proc/", "/memfd:")) \
                    and " (deleted)" not in p and os.path.isfile(p):
                paths.add(p)
    return paths


def private_libs(paths, store):
    """In a private mount namespace (we are in one): copies each file to a tmpfs on `store` and mounts
    the copy over the original, so only processes started here map those pages. All of it goes away
    with the namespace."""
    subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=0755", "m2c-bench-libs", store], check=True)
    total = 0
    for i, path in enumerate(sorted(paths)):
        copy = os.path.join(store, f"{i}-{os.path.basename(path)}")
        shutil.copy2(path, copy)
        total += os.path.getsize(copy)
        subprocess.run(["mount", "--bind", copy, path], check=True)
    print(f"private copies: {len(paths)} mapped files, {total / 1e6:.0f} MB, on a tmpfs in a private "
          f"mount namespace", flush=True)


def one_run(binary, scenario, settle, verbose, top=0, discover=None):
    with tempfile.TemporaryDirectory(prefix="m2c-bench-desktop-", ignore_cleanup_errors=True) as tmp:
        home, runtime, data = (os.path.join(tmp, d) for d in ("home", "run", "data"))
        for d in (home, runtime, data):
            os.makedirs(d)
        os.chmod(runtime, 0o700)
        xvfb = bus = app = None
        try:
            with open(os.path.join(tmp, "xvfb.log"), "wb") as log:
                xvfb, number = first_line(["Xvfb", "-displayfd", "1", "-nolisten", "tcp", "-screen", "0",
                                           "1280x800x24"], dict(os.environ), log, "Xvfb")
            display = f":{number}"
            benv = dict(os.environ, HOME=home, XDG_RUNTIME_DIR=runtime, DISPLAY=display)
            benv.pop("WAYLAND_DISPLAY", None)
            # A session bus that starts no services: no portals or FUSE mounts outliving the run, no
            # processes beside the app's own (a desktop session would have them running already).
            conf = os.path.join(tmp, "bus.conf")
            with open(conf, "w") as f:
                f.write(BUS_CONF.format(dir=runtime))
            with open(os.path.join(tmp, "dbus.log"), "wb") as log:
                bus, address = first_line(["dbus-daemon", f"--config-file={conf}", "--nofork",
                                           "--nopidfile", "--print-address=1"], benv, log, "dbus-daemon")
            port = free_port()
            args = [binary] + (["--window", "settings"] if scenario == "window" else [])
            app_log = open(os.path.join(tmp, "app.stderr"), "wb")
            t0 = time.monotonic()
            app = subprocess.Popen(args, env=app_env(home, runtime, data, display, address, port),
                                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=app_log,
                                   preexec_fn=die_with_us)
            ready = None
            while time.monotonic() - t0 < 15:
                if healthz(port):
                    ready = time.monotonic() - t0
                    break
                if app.poll() is not None:
                    break
                time.sleep(0.002)
            if ready is None:
                app_log.flush()
                sys.exit(f"bench-desktop: engine not ready (exit {app.poll()}); log:\n"
                         + open(os.path.join(tmp, "app.stderr"), errors="replace").read()[-3000:])
            if scenario == "window":
                deadline = time.monotonic() + 15
                while not any(comm(p).startswith("WebKitWebProces") for p in tree(app.pid)):
                    if time.monotonic() > deadline or app.poll() is not None:
                        sys.exit("bench-desktop: no WebKitWebProcess appeared with --window settings; log:\n"
                                 + open(os.path.join(tmp, "app.stderr"), errors="replace").read()[-3000:])
                    time.sleep(0.05)
            samples = []
            others = set()
            end = time.monotonic() + settle
            while True:
                samples.append(sample(app.pid))
                ours = set(tree(app.pid))
                others.update(foreign_mappers(ours | set(tree(bus.pid)) | {xvfb.pid},
                                              shared_gui_files(ours)))
                if time.monotonic() >= end:
                    break
                time.sleep(0.5)
            if app.poll() is not None:
                sys.exit(f"bench-desktop: the app exited ({app.returncode}) during the run")
            if discover is not None:
                discover.update(mapped_paths(tree(app.pid) + [xvfb.pid]))
            if top:
                print(f"  {scenario}: largest mappings by PSS (MB), all processes:")
                for path, kb in top_mappings(tree(app.pid), top):
                    print(f"    {kb / 1024:7.1f}  {os.path.basename(path) if path.startswith('/') else path}")
            total, procs = samples[-1]
            peak = max(s[0]["pss"] for s in samples)
            if verbose:
                print(f"  {scenario}: ready {ready*1000:.0f} ms, PSS {total['pss']/1024:.1f} MB "
                      + (f"[SHARED with {len(others)} other GTK/WebKit processes] " if others else "")
                      + f"(peak {peak/1024:.1f}) RSS {total['rss']/1024:.1f} USS {total['uss']/1024:.1f} "
                      + ", ".join(f"{k} {v/1024:.1f}" for k, v in sorted(procs.items())), flush=True)
            return {"ready_ms": ready * 1000, "pss": total["pss"] / 1024, "rss": total["rss"] / 1024,
                    "uss": total["uss"] / 1024, "peak_pss": peak / 1024, "others": len(others),
                    "procs": {k: v / 1024 for k, v in procs.items()}}
        finally:
            stop(app)
            stop(bus)
            stop(xvfb)


def machine():
    cpu = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    osname = "?"
    try:
        for line in open("/etc/os-release"):
            if line.startswith("PRETTY_NAME="):
                osname = line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    webkit = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "libwebkit2gtk-4.1-0"],
                            capture_output=True, text=True).stdout or "?"
    return (f"{osname}, kernel {platform.release()}, {cpu}, {os.cpu_count()} cores, {mem:.0f} GiB RAM, "
            f"WebKitGTK {webkit}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--settle", type=float, default=5.0, help="seconds of sampling after ready")
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "mimo2codex-desktop"))
    ap.add_argument("--no-build", action="store_true", help="use --bin as it is")
    ap.add_argument("--scenarios", default="tray,window")
    ap.add_argument("--json", help="also write the raw results here")
    ap.add_argument("--top", type=int, default=0, help="print the N largest mappings by PSS (first run)")
    ap.add_argument("--shared-libs", action="store_true",
                    help="use the system's library files as they are (by default the runs happen in a "
                         "private mount namespace over private copies of every file the app maps)")
    ap.add_argument("--quiet-wait", type=float, default=120.0,
                    help="before each run, wait up to this many seconds for other GTK/WebKit processes")
    a = ap.parse_args()
    for tool, pkg in (("Xvfb", "xvfb"), ("dbus-daemon", "dbus")):
        if shutil.which(tool) is None:
            sys.exit(f"bench-desktop: needs {tool} (apt-get install {pkg})")
    if not a.no_build:
        pkg = json.load(open(os.path.join(ROOT, "package.json")))
        if "build:ui" in pkg.get("scripts", {}):
            subprocess.run(["npm", "run", "--silent", "build:ui"], cwd=ROOT, check=True)
        # The production build, as `tauri build` and ./scripts/run.sh make it.
        subprocess.run(["cargo", "build", "--release", "-p", "mimo2codex-desktop", "--features",
                        "tauri/custom-protocol"], cwd=ROOT, check=True)
    private = not a.shared_libs
    if private and os.environ.get("M2C_BENCH_FILES") is None:
        # A discovery run of each scenario finds the files to copy; then the benchmark proper runs
        # again under unshare(1) in its own mount namespace.
        if os.geteuid() != 0 or shutil.which("unshare") is None:
            sys.exit("bench-desktop: private library copies need root and unshare(1); "
                     "run as root or pass --shared-libs (and keep other GUI apps closed)")
        print("discovery runs (the files the app, WebKit and Xvfb map)...", flush=True)
        files = set()
        for s in a.scenarios.split(","):
            one_run(a.bin, s, 2.0, False, discover=files)
        files.add(os.path.realpath(a.bin))
        with tempfile.TemporaryDirectory(prefix="m2c-bench-libs-") as work:
            listing = os.path.join(work, "files")
            with open(listing, "w") as f:
                f.write("\n".join(sorted(files)))
            store = os.path.join(work, "store")
            os.mkdir(store)
            rc = subprocess.run(["unshare", "--mount", "--propagation", "private", sys.executable,
                                 os.path.abspath(__file__), *sys.argv[1:], "--no-build"],
                                env=dict(os.environ, M2C_BENCH_FILES=listing, M2C_BENCH_STORE=store)
                                ).returncode
        sys.exit(rc)
    if private:
        private_libs(open(os.environ["M2C_BENCH_FILES"]).read().split("\n"), os.environ["M2C_BENCH_STORE"])
    print(f"binary:  {a.bin} ({os.path.getsize(a.bin)/1e6:.1f} MB)")
    print(f"machine: {machine()}")
    print(f"runs:    {a.runs} per scenario, settle {a.settle:g} s", flush=True)
    scenarios = a.scenarios.split(",")
    results = {s: [] for s in scenarios}
    for i in range(a.runs):
        print(f"run {i + 1}/{a.runs}", flush=True)
        for s in scenarios:  # interleaved, so drift on the machine hits both alike
            if not private:
                wait_quiet(a.quiet_wait)
            results[s].append(one_run(a.bin, s, a.settle, True, a.top if i == 0 else 0))

    raw = {k: list(v) for k, v in results.items()}

    def cell(rs, key, fmt):
        vals = [r[key] for r in rs]
        return f"{fmt(statistics.median(vals))} ({fmt(min(vals))}–{fmt(max(vals))})"

    mb = lambda v: f"{v:.1f}"
    ms = lambda v: f"{v:.0f}"
    print()
    print("| scenario | PSS MB | RSS MB | USS MB | engine ready ms |")
    print("| --- | --- | --- | --- | --- |")
    for s, rs in list(results.items()):
        clean = [r for r in rs if not r["others"]]
        if clean and len(clean) < len(rs):
            print(f"({s}: {len(rs) - len(clean)} runs shared libraries with other processes; "
                  f"the table uses the {len(clean)} clean ones)")
            results[s] = rs = clean
        elif not clean:
            print(f"({s}: every run shared libraries with other GTK/WebKit processes: PSS reads low)")
    for s, rs in results.items():
        print(f"| {s} | {cell(rs, 'pss', mb)} | {cell(rs, 'rss', mb)} | {cell(rs, 'uss', mb)} | "
              f"{cell(rs, 'ready_ms', ms)} |")
    print("\nmedian PSS by process (MB):")
    for s, rs in results.items():
        names = sorted({n for r in rs for n in r["procs"]})
        print(f"  {s}: " + ", ".join(
            f"{n} {statistics.median([r['procs'].get(n, 0.0) for r in rs]):.1f}" for n in names))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"machine": machine(), "runs": a.runs, "settle": a.settle, "results": raw}, f,
                      indent=1)


if __name__ == "__main__":
    main()
