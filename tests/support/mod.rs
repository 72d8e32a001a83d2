//! Shared test support. Each integration test includes it with `mod support;` and uses a part of it.
#![allow(dead_code)]

pub mod codex;
pub mod fake_responses;
pub mod fake_upstream;
pub mod sse;

use std::path::PathBuf;

/// The repository root (where Cargo.toml is).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared/fixtures/codex/<name>` (captured Codex 0.169 traffic), read as text.
pub fn codex_fixture(name: &str) -> String {
    let dir = std::env::var_os("MIMO2CODEX_CODEX_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("../shared/fixtures/codex"));
    let path = dir.join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read Codex fixture {}: {e} (the shared fixtures live in ../shared beside the repo)",
            path.display()
        )
    })
}

/// The `body` of a captured Codex request fixture (`request-*.json`).
pub fn codex_request_body(name: &str) -> serde_json::Value {
    let v: serde_json::Value = serde_json::from_str(&codex_fixture(name)).expect("fixture is JSON");
    v.get("body").cloned().unwrap_or(v)
}
