#!/usr/bin/env bash
# Builds mimo2codex (release) and starts it. Extra arguments go to the binary, e.g.
#   ./scripts/run.sh --provider deepseek --port 8788
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --bin mimo2codex
exec target/release/mimo2codex "$@"
