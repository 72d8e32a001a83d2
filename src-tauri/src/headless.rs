//! The engine without a tray, for when no display or no tray can be had: it runs until SIGINT or
//! SIGTERM, like the headless binary.

use std::sync::Arc;

use crate::control::Controller;
use crate::model::{status_line, EngineStatus};

pub fn run(controller: Arc<Controller>) -> i32 {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(err) => {
            tracing::error!("cannot start the async runtime: {err}");
            return 1;
        }
    };
    runtime.block_on(async move {
        controller.start().await;
        let status = controller.status();
        match &status {
            // The whole text: a terminal has room for it.
            EngineStatus::Error(why) => eprintln!("mimo2codex (no tray): error: {why}"),
            other => eprintln!(
                "mimo2codex (no tray): {}",
                status_line(other, mimo2codex::i18n::Lang::En)
            ),
        }
        if !matches!(status, EngineStatus::Running { .. }) {
            return 1;
        }
        mimo2codex::cli::wait_for_signal().await;
        controller.stop().await;
        0
    })
}
