#!/usr/bin/env bash
# Builds (release) and starts mimo2codex.
#   ./scripts/run.sh                  the desktop tray app (engine in the background)
#   ./scripts/run.sh --hidden         the same, tray only
#   ./scripts/run.sh --window settings  the same, with a window open (settings, log or diagnose)
#   ./scripts/run.sh --headless [...] the headless proxy; flags go to it, e.g. --provider deepseek --port 8788
#   ./scripts/run.sh init | print-config | codex ... | <engine flags>   the headless binary's commands
#
# On Debian/Ubuntu it installs the system packages the build needs when they are missing
# (build-essential pkg-config libwebkit2gtk-4.1-dev libayatana-appindicator3-dev, and nodejs npm when
# there is no npm): as root, or through sudo. It prints what it installs and asks nothing. Without root
# or sudo it prints the apt-get command and starts the headless proxy instead; so it does without a
# display (DISPLAY / WAYLAND_DISPLAY unset) or when the desktop's libraries cannot be found.
# Before building the desktop app it runs `npm ci` (when node_modules/ is missing) and
# `npm run build:ui` (the windows' TypeScript).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "run.sh: $*" >&2; }

# Debian, Ubuntu and their derivatives (ID or ID_LIKE in /etc/os-release) with apt-get.
is_debian_like() {
  [ -r /etc/os-release ] && command -v apt-get >/dev/null 2>&1 || return 1
  local id id_like
  id=$(. /etc/os-release && echo "${ID:-}")
  id_like=$(. /etc/os-release && echo "${ID_LIKE:-}")
  case " $id $id_like " in
    *" debian "* | *" ubuntu "*) return 0 ;;
    *) return 1 ;;
  esac
}

installed() { dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null | grep -qx installed; }

# Installs the given Debian packages unless present. Returns 1 (after printing the command to run)
# when that is impossible: not Debian/Ubuntu, or neither root nor sudo.
ensure_packages() {
  local need=() pkg
  for pkg in "$@"; do
    case "$pkg" in
      nodejs | npm) command -v npm >/dev/null 2>&1 && continue ;; # nvm, fnm, NodeSource… count too
    esac
    installed "$pkg" || need+=("$pkg")
  done
  [ "${#need[@]}" -eq 0 ] && return 0
  local cmd="apt-get install -y --no-install-recommends ${need[*]}"
  if ! is_debian_like; then
    say "missing: ${need[*]} (not Debian/Ubuntu: install their equivalents yourself)"
    return 1
  fi
  local as_root=()
  if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
      say "missing: ${need[*]}; neither root nor sudo. As root run: apt-get update && $cmd"
      return 1
    fi
    # sudo may ask for the user's password on a terminal; without one it must not wait for it.
    if [ -t 0 ]; then as_root=(sudo); else as_root=(sudo -n); fi
  fi
  say "installing with apt-get: ${need[*]}"
  if "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"; then
    return 0
  fi
  say "could not install ${need[*]}; run: sudo apt-get update && sudo $cmd"
  return 1
}

headless() {
  # A fresh machine may lack the C linker that cargo needs.
  if ! command -v cc >/dev/null 2>&1; then
    ensure_packages build-essential || true
  fi
  cargo build --release --bin mimo2codex
  exec target/release/mimo2codex "$@"
}

if [ "${1:-}" = "--headless" ]; then
  shift
  headless "$@"
fi
# Anything but the desktop's own flags (--hidden, --window <view>) is for the headless binary.
prev=
for arg in "$@"; do
  case "$arg" in
    --hidden | --window | --window=*) ;;
    *) [ "$prev" = "--window" ] || headless "$@" ;;
  esac
  prev=$arg
done
if [ "$(uname -s)" = "Linux" ]; then
  if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
    say "no display (DISPLAY/WAYLAND_DISPLAY unset): starting the headless proxy"
    headless
  fi
  if ! ensure_packages build-essential pkg-config libwebkit2gtk-4.1-dev libayatana-appindicator3-dev nodejs npm; then
    say "starting the headless proxy instead of the tray app"
    headless
  fi
  if ! pkg-config --exists webkit2gtk-4.1 ayatana-appindicator3-0.1 2>/dev/null; then
    say "desktop libraries missing (apt-get install libwebkit2gtk-4.1-dev libayatana-appindicator3-dev): starting the headless proxy"
    headless
  fi
fi

# The windows' TypeScript (ui/), compiled by the pinned typescript from node_modules.
if [ -f package.json ] && node -e 'process.exit(require("./package.json").scripts?.["build:ui"] ? 0 : 1)' 2>/dev/null; then
  if [ ! -d node_modules ]; then
    say "npm ci"
    npm ci --no-audit --no-fund --loglevel=error
  fi
  say "npm run build:ui"
  npm run --silent build:ui
fi
# The production build, as `tauri build` makes it for the packages (custom-protocol: no dev server).
cargo build --release -p mimo2codex-desktop --features tauri/custom-protocol
exec target/release/mimo2codex-desktop "$@"
