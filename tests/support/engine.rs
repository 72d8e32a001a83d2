//! Starts the real engine in-process against a [`FakeUpstream`]. Included with
//! `#[path = "support/engine.rs"] mod support_engine;` by the tests that need the engine, so the
//! fake's own tests and the Codex harness tests do not depend on the engine API.

#![allow(dead_code)]

use std::time::Duration;

use mimo2codex::engine::{self, EngineConfig, RunningEngine};
use mimo2codex::provider::builtin::builtin_profiles;
use mimo2codex::provider::{ModelInfo, ProviderProfile, ProviderRegistry};
use mimo2codex::secret::Secret;

use crate::support::fake_upstream::{FakeUpstream, Profile};

/// Ids of every built-in provider profile.
pub fn builtin_ids() -> Vec<String> {
    builtin_profiles().into_iter().map(|p| p.id).collect()
}

/// A built-in profile pointed at `fake` with the fake's key.
pub fn profile_for(id: &str, fake: &FakeUpstream) -> ProviderProfile {
    let mut p = builtin_profiles()
        .into_iter()
        .find(|p| p.id == id)
        .unwrap_or_else(|| panic!("no built-in provider '{id}'"));
    p.base_url = fake.base_url();
    p.api_key = Some(Secret::new(fake.api_key()));
    p
}

/// The fake strictness matching a built-in provider and its default model (vision per model).
pub fn fake_profile_for(id: &str) -> (Profile, ModelInfo) {
    let p = builtin_profiles()
        .into_iter()
        .find(|p| p.id == id)
        .unwrap_or_else(|| panic!("no built-in provider '{id}'"));
    let model = p.model_or_default(&p.default_model);
    let fake = Profile {
        vision: model.vision,
        ..Profile::for_provider(id)
    }
    .with_key(&format!("sk-upstream-{id}-0123456789"));
    (fake, model)
}

/// A started engine plus the data dir it owns.
pub struct TestEngine {
    pub running: Option<RunningEngine>,
    pub base_url: String,
    pub profile: ProviderProfile,
    _data: tempfile::TempDir,
}

impl TestEngine {
    /// Starts the engine on 127.0.0.1:0 with one provider: built-in `id` aimed at `fake`.
    pub async fn start(id: &str, fake: &FakeUpstream, thinking: bool) -> TestEngine {
        TestEngine::start_with(profile_for(id, fake), thinking).await
    }

    pub async fn start_with(profile: ProviderProfile, thinking: bool) -> TestEngine {
        let data = tempfile::tempdir().expect("data dir");
        let registry =
            ProviderRegistry::from_profiles(vec![profile.clone()], &profile.id).expect("registry");
        let config = EngineConfig {
            host: "127.0.0.1".into(),
            port: 0,
            data_dir: data.path().to_path_buf(),
            registry,
            thinking,
            body_limit: engine::DEFAULT_BODY_LIMIT,
            no_proxy_from_env: true,
            network: Default::default(),
            lang: Default::default(),
        };
        let running = tokio::time::timeout(Duration::from_secs(10), engine::start(config))
            .await
            .expect("engine::start timed out")
            .unwrap_or_else(|e| panic!("engine::start failed: {e}"));
        let base_url = running.base_url();
        TestEngine {
            running: Some(running),
            base_url,
            profile,
            _data: data,
        }
    }

    pub async fn shutdown(mut self) {
        if let Some(r) = self.running.take() {
            let _ = tokio::time::timeout(Duration::from_secs(10), r.shutdown()).await;
        }
    }
}
