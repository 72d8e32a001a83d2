//! Logging to stderr and `~/.mimo2codex/mimo2codex.log`.
