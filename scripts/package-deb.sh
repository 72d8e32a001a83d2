#!/usr/bin/env bash
# Builds the Debian package with the official Tauri CLI (@tauri-apps/cli, pinned below and installed on
# demand: it is not a devDependency because its macOS/Windows binaries are missing from some npm mirrors,
# which makes `npm ci` fail everywhere):
#
#   ./scripts/package-deb.sh     → target/release/bundle/deb/mimo2codex_<version>_<arch>.deb
#
# The package holds the tray app (/usr/bin/mimo2codex-desktop, its .desktop entry and icons) and the
# headless engine (/usr/bin/mimo2codex, bundle.linux.deb.files in tauri.conf.json). Its Depends are the
# dpkg-shlibdeps list in bundle.linux.deb.depends plus what the CLI adds (libayatana-appindicator3-1 for
# the tray, libwebkit2gtk-4.1-0, libgtk-3-0). See doc/desktop.md#packages.
# Needs what `./scripts/run.sh` needs to build the desktop app (libwebkit2gtk-4.1-dev,
# libayatana-appindicator3-dev, build-essential, pkg-config, Node.js/npm) and dpkg-deb. Works offline
# once the crates and node_modules are there.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "package-deb.sh: $*" >&2; }

TAURI_CLI_VERSION=2.12.5
[ -x node_modules/.bin/tsc ] || { say "npm ci"; npm ci --no-audit --no-fund; }
if [ "$(node_modules/.bin/tauri --version 2>/dev/null)" != "tauri-cli $TAURI_CLI_VERSION" ]; then
  say "npm install --no-save @tauri-apps/cli@$TAURI_CLI_VERSION"
  npm install --no-save --no-audit --no-fund "@tauri-apps/cli@$TAURI_CLI_VERSION"
fi

# The windows' TypeScript, unless tauri.conf.json already runs it as build.beforeBuildCommand.
before_build=$(node -e 'const c=require("./tauri.conf.json"); process.stdout.write((c.build&&c.build.beforeBuildCommand)?"set":"")')
has_build_ui=$(node -e 'const p=require("./package.json"); process.stdout.write((p.scripts&&p.scripts["build:ui"])?"yes":"")')
if [ -z "$before_build" ] && [ -n "$has_build_ui" ]; then
  say "npm run build:ui"
  npm run --silent build:ui
fi

# The headless binary first: the package ships it as /usr/bin/mimo2codex.
say "cargo build --release -p mimo2codex --bin mimo2codex"
cargo build --release -p mimo2codex --bin mimo2codex

# The Tauri app lives in src-tauri/ (its tauri.conf.json is a symlink to the one at the root). Without
# TAURI_APP_PATH the CLI would take the repository root, which also has a tauri.conf.json, as the app.
say "tauri build --bundles deb $*"
TAURI_APP_PATH=src-tauri node_modules/.bin/tauri build --ci --bundles deb "$@"

version=$(node -p 'require("./tauri.conf.json").version')
deb=$(ls -t target/release/bundle/deb/mimo2codex_"${version}"_*.deb | head -n1)
say "built $deb ($(du -h "$deb" | cut -f1))"
echo "$deb"
