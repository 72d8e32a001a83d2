#!/usr/bin/env bash
# Takes doc/screenshots/tray-menu.png: the real tray menu of the release app, opened by a mouse click.
#
#   ./scripts/screenshot-tray.sh [path/to/mimo2codex-desktop]     (default target/release/mimo2codex-desktop)
#   MIMO2CODEX_LANG=zh-CN ./scripts/screenshot-tray.sh            the menu in Chinese: tray-menu.zh-CN.png
#
# The app inherits the environment, so MIMO2CODEX_LANG picks the menu's language (English when it is
# unset, whatever the OS locale); a language other than English is written to tray-menu.<lang>.png.
#
# How: a private Xvfb display and session bus; `trayer` (Debian package trayer) as the tray. With no
# StatusNotifierWatcher on the bus, libayatana-appindicator falls back to an XEmbed icon, which trayer
# embeds; `xdotool` clicks it (GTK opens the app's own menu), hovers "Outbound proxy" to open that
# submenu, and ImageMagick's `import` grabs the screen. Needs: xvfb dbus trayer xdotool imagemagick.
set -euo pipefail
cd "$(dirname "$0")/.."
app=$(realpath "${1:-target/release/mimo2codex-desktop}")
# English unless MIMO2CODEX_LANG says otherwise (not the OS locale of whoever runs this).
export MIMO2CODEX_LANG=${MIMO2CODEX_LANG:-en}
case "$MIMO2CODEX_LANG" in
  en) out=doc/screenshots/tray-menu.png ;;
  *) out="doc/screenshots/tray-menu.$MIMO2CODEX_LANG.png" ;;
esac
for t in Xvfb dbus-daemon trayer xdotool xwininfo import convert; do
  command -v "$t" >/dev/null || { echo "screenshot-tray.sh: needs $t (apt-get install xvfb dbus trayer xdotool x11-utils imagemagick)" >&2; exit 1; }
done

tmp=$(mktemp -d /tmp/m2c-shot-XXXXXX)
pids=()
cleanup() {
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill "${pids[i]}" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
mkdir -p "$tmp/home" "$tmp/run" "$tmp/data"
chmod 700 "$tmp/run"

# A display of its own (-displayfd: Xvfb picks a free number and writes it once it accepts clients).
exec 3>"$tmp/display"
Xvfb -displayfd 3 -nolisten tcp -wr -screen 0 900x420x24 >"$tmp/xvfb.log" 2>&1 &
pids+=($!)
exec 3>&-
for _ in $(seq 100); do [ -s "$tmp/display" ] && break; sleep 0.05; done
export DISPLAY=":$(cat "$tmp/display")" HOME="$tmp/home" XDG_RUNTIME_DIR="$tmp/run"
unset WAYLAND_DISPLAY
dbus-daemon --session --fork --print-address=1 --print-pid=4 4>"$tmp/bus.pid" >"$tmp/bus.addr"
pids+=("$(cat "$tmp/bus.pid")")
export DBUS_SESSION_BUS_ADDRESS
DBUS_SESSION_BUS_ADDRESS=$(head -n1 "$tmp/bus.addr")

trayer --edge top --align right --widthtype request --height 32 --tint 0xdddddd --transparent true \
  --alpha 0 >"$tmp/trayer.log" 2>&1 &
pids+=($!)
sleep 0.5

# The default port when it is free (the menu shows it), else any free one.
port=$(python3 -c 'import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the engine binds: TIME_WAIT is no obstacle
try: s.bind(("127.0.0.1", 8788))
except OSError: s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
env -u HTTPS_PROXY -u HTTP_PROXY -u https_proxy -u http_proxy -u ALL_PROXY -u all_proxy \
  MIMO2CODEX_DATA_DIR="$tmp/data" MIMO2CODEX_HOST=127.0.0.1 MIMO2CODEX_PORT="$port" DS_API_KEY=sk-screenshot \
  "$app" >"$tmp/app.log" 2>&1 &
pids+=($!)

# The icon embedded in trayer, then the engine running (so the status line reads "Running on …").
icon=
for _ in $(seq 200); do
  icon=$(xwininfo -root -tree | awk '/"tray-icon tray app main"/ {print $1; exit}')
  [ -n "$icon" ] && curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.05
done
[ -n "$icon" ] || { echo "screenshot-tray.sh: no tray icon appeared; app log:" >&2; cat "$tmp/app.log" >&2; exit 1; }
sleep 0.5
eval "$(xwininfo -id "$icon" | awk '/Absolute upper-left X/ {print "x=" $4} /Absolute upper-left Y/ {print "y=" $4} /Width/ {print "w=" $2} /Height/ {print "h=" $2}')"
xdotool mousemove $((x + w / 2)) $((y + h / 2)) click 1
sleep 1
# The menu is the app's largest popup; hover its second row ("Outbound proxy ▸").
eval "$(xwininfo -root -tree | awk '/"mimo2codex-desktop": \("mimo2codex-desktop"/ {split($NF, a, "+"); split($(NF-1), s, "x"); if (s[1] > 100) {print "mx=" a[2] "; my=" a[3] "; mw=" s[1]}}' | tail -n1)"
[ -n "${mx:-}" ] || { echo "screenshot-tray.sh: the menu did not open" >&2; exit 1; }
xdotool mousemove $((mx + mw / 3)) $((my + 42))
sleep 1
mkdir -p "$(dirname "$out")"
import -window root "$tmp/root.png"
convert "$tmp/root.png" -trim -bordercolor white -border 12 +repage -strip "$out"
echo "wrote $out ($(identify -format '%wx%h' "$out"))"
