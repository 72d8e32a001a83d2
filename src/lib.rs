//! mimo2codex engine: a local Responses-API server that lets the OpenAI Codex CLI and Codex Desktop
//! talk to Chat Completions providers. No GUI dependency: the desktop shell drives it through
//! [`engine::EngineHandle`].

pub mod cli;
pub mod codex_config;
pub mod config;
pub mod doctor;
pub mod engine;
pub mod fsutil;
pub mod i18n;
pub mod logging;
pub mod logtail;
pub mod network;
pub mod port_holder;
pub mod provider;
pub mod secret;
pub mod server;
pub mod settings;
pub mod translate;
pub mod upstream;

#[cfg(test)]
mod test_support;

/// Version string shown in the banner and `--version`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
