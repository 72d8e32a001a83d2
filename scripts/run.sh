#!/usr/bin/env bash
# Builds (release) and starts mimo2codex.
#   ./scripts/run.sh                  the desktop tray app (engine in the background)
#   ./scripts/run.sh --headless [...] the headless proxy; flags go to it, e.g. --provider deepseek --port 8788
#   ./scripts/run.sh init | print-config | codex ... | <engine flags>   the headless binary's commands
# Without a display, or without the desktop's system libraries (libwebkit2gtk-4.1-dev,
# libayatana-appindicator3-dev), it starts the headless proxy instead.
set -euo pipefail
cd "$(dirname "$0")/.."

headless() {
  cargo build --release --bin mimo2codex
  exec target/release/mimo2codex "$@"
}

if [ "${1:-}" = "--headless" ]; then
  shift
  headless "$@"
fi
# Anything but the desktop's own --hidden is for the headless binary.
for arg in "$@"; do
  [ "$arg" = "--hidden" ] || headless "$@"
done
if [ "$(uname -s)" = "Linux" ]; then
  if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
    echo "run.sh: no display (DISPLAY/WAYLAND_DISPLAY unset): starting the headless proxy" >&2
    headless
  fi
  if ! pkg-config --exists webkit2gtk-4.1 ayatana-appindicator3-0.1 2>/dev/null; then
    echo "run.sh: desktop libraries missing (apt-get install libwebkit2gtk-4.1-dev libayatana-appindicator3-dev): starting the headless proxy" >&2
    headless
  fi
fi
cargo build --release --bin mimo2codex-desktop
exec target/release/mimo2codex-desktop "$@"
