//! The HTTP server Codex talks to.
