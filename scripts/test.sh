#!/usr/bin/env bash
# The project's test command: formatting, lints, every test target (unit, integration, real-Codex e2e).
# Real-Codex tests need `npm ci` first (installs the pinned @openai/codex); MIMO2CODEX_SKIP_CODEX_E2E=1
# skips them. Benches (harness = false) are compiled by clippy but not run here. Uses cargo-nextest
# when installed (its closing "Summary" line is what CI reads). The workspace's default members are the
# engine (.) and the desktop app (src-tauri), so clippy and the tests cover both; the desktop's unit tests
# need its system libraries (libwebkit2gtk-4.1-dev, libayatana-appindicator3-dev) but no display.
set -euo pipefail
cd "$(dirname "$0")/.."

t0=$(date +%s)
status=0
step() {
  local name=$1
  shift
  local s
  s=$(date +%s)
  echo "==> $name: $*"
  if "$@"; then
    echo "==> $name: ok ($(($(date +%s) - s))s)"
  else
    echo "==> $name: FAILED ($(($(date +%s) - s))s)"
    status=1
  fi
}

export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

# The pinned Codex CLI for the end-to-end tests (package-lock.json); installed once per clone.
# Also TypeScript and the Tauri CLI for the windows.
if [ ! -x node_modules/.bin/tsc ] || { [ ! -x node_modules/.bin/codex ] && [ "${MIMO2CODEX_SKIP_CODEX_E2E:-}" != "1" ]; }; then
  step npm-ci npm ci --no-audit --no-fund --loglevel=error
fi

# The windows' TypeScript: type errors fail the run (cargo's build script only warns about them).
step ui-types npm run --silent build:ui
step fmt cargo fmt --all --check
step clippy cargo clippy --all-targets -- -D warnings
# Tests run even when fmt/clippy failed, so one run reports everything.
step doctests cargo test --doc
if cargo nextest --version >/dev/null 2>&1; then
  step tests cargo nextest run --lib --bins --tests --no-fail-fast
else
  step tests cargo test --lib --bins --tests --no-fail-fast
fi

elapsed=$(($(date +%s) - t0))
if [ "$status" -eq 0 ]; then
  echo "test.sh: PASS (${elapsed}s)"
else
  echo "test.sh: FAIL (${elapsed}s)"
fi
exit "$status"
