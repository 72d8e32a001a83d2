//! What the user sees in the real Codex CLI (pinned 0.169) for each upstream failure class.
//!
//! Each test runs `codex exec --json` against the engine, the engine against the strict fake upstream
//! (or a dead address), and asserts the key facts of Codex's JSONL (`error` / `turn.failed` events,
//! final message), how often the upstream was hit (engine + Codex retries), and that the run ended
//! within a bounded time. The harness config keeps Codex's retries low (`request_max_retries = 0`,
//! `stream_max_retries = 1`); a user's default Codex retries more (doc/errors.md has the table).
//!
//! Needs `npm ci` (see tests/support/codex.rs); `MIMO2CODEX_SKIP_CODEX_E2E=1` skips.

mod support;
#[path = "support/engine.rs"]
mod support_engine;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mimo2codex::engine::{self, EngineConfig};
use mimo2codex::provider::{ProviderProfile, ProviderRegistry};
use mimo2codex::secret::Secret;
use support::codex::{CodexHome, CodexRun};
use support::fake_upstream::{FakeUpstream, Script};
use support_engine::{fake_profile_for, profile_for, TestEngine};

const PROVIDER: &str = "deepseek";
const MODEL: &str = "deepseek-v4-pro";
/// Every failing run must end well within this (Codex's own retry backoff is sub-second here).
const BOUND: Duration = Duration::from_secs(15);

/// At most two Codex processes at a time (2-core machines), whatever the test thread count.
static CODEX_SLOTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

async fn fake() -> FakeUpstream {
    FakeUpstream::start(fake_profile_for(PROVIDER).0).await
}

/// The engine with the built-in DeepSeek profile aimed at `fake`, then changed by `edit`.
async fn engine_with(fake: &FakeUpstream, edit: impl FnOnce(&mut ProviderProfile)) -> TestEngine {
    let mut profile = profile_for(PROVIDER, fake);
    edit(&mut profile);
    TestEngine::start_with(profile, false).await
}

/// Runs `codex exec "say hi"` once with a wall-clock limit. The home lives as long as the caller
/// keeps it (its files are kept when the test fails).
async fn exec(base_url: &str, limit: Duration) -> Option<(CodexHome, CodexRun)> {
    exec_with(base_url, limit, "", |_| {}).await
}

/// [`exec`] with extra top-level config and a chance to prepare the workspace first.
async fn exec_with(
    base_url: &str,
    limit: Duration,
    extra_toml: &str,
    setup: impl FnOnce(&CodexHome),
) -> Option<(CodexHome, CodexRun)> {
    let _slot = CODEX_SLOTS.acquire().await.expect("semaphore");
    let home = CodexHome::new(base_url, MODEL, extra_toml)?;
    setup(&home);
    let run = home.run_exec_with_timeout("say hi", &[], limit).await;
    // Shown with --nocapture: the verbatim texts quoted in doc/errors.md come from here.
    eprintln!("{}", run.describe());
    Some((home, run))
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

/// `error` events Codex printed while retrying ("Reconnecting... n/N (…)").
fn reconnects(run: &CodexRun) -> Vec<String> {
    run.errors()
        .into_iter()
        .filter(|e| e.starts_with("Reconnecting... "))
        .collect()
}

/// The message of the `turn.failed` event.
fn turn_failed(run: &CodexRun) -> Option<String> {
    run.events
        .iter()
        .find(|e| e["type"] == "turn.failed")
        .and_then(|e| e.pointer("/error/message"))
        .and_then(|m| m.as_str())
        .map(str::to_string)
}

/// Codex gave up on the turn (exit 1, `turn.failed`) within [`BOUND`]; returns the failure text.
fn assert_turn_failed(run: &CodexRun) -> String {
    assert!(
        !run.timed_out && run.elapsed < BOUND,
        "codex must give up quickly: {}",
        run.describe()
    );
    assert_eq!(run.status, Some(1), "{}", run.describe());
    assert!(!run.turn_completed(), "{}", run.describe());
    let failed = turn_failed(run).unwrap_or_else(|| panic!("no turn.failed: {}", run.describe()));
    // The last `error` event repeats the turn.failed text: that is the line the user reads last.
    assert_eq!(
        run.errors().iter().rev().nth(1),
        Some(&failed),
        "{}",
        run.describe()
    );
    failed
}

fn assert_contains(text: &str, needles: &[&str], run: &CodexRun) {
    for needle in needles {
        assert!(
            text.contains(needle),
            "expected {needle:?} in {text:?}\n{}",
            run.describe()
        );
    }
}

/// Codex retried exactly once (`stream_max_retries = 1`), showing the same failure in the notice.
fn assert_retried_once(run: &CodexRun, failed: &str) {
    let notices = reconnects(run);
    assert_eq!(notices.len(), 1, "{}", run.describe());
    let expected = format!("Reconnecting... 1/1 ({failed})");
    assert_eq!(notices[0], expected, "{}", run.describe());
}

fn assert_not_retried(run: &CodexRun) {
    assert!(reconnects(run).is_empty(), "{}", run.describe());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_upstream_is_a_502_naming_econnrefused_and_the_fix() {
    let f = fake().await;
    let port = closed_port();
    let engine = engine_with(&f, |p| p.base_url = format!("http://127.0.0.1:{port}/v1")).await;
    let Some((_home, run)) = exec(&engine.base_url, BOUND + Duration::from_secs(5)).await else {
        return;
    };
    let failed = assert_turn_failed(&run);
    assert!(
        failed.starts_with(&format!(
            "unexpected status 502 Bad Gateway: upstream deepseek at 127.0.0.1:{port} refused \
             the connection (ECONNREFUSED)"
        )),
        "{}",
        run.describe()
    );
    assert_contains(
        &failed,
        &[
            "nothing is listening there. Start the local server (Ollama, vLLM, LM Studio) or fix \
             the port in the provider's base URL.",
            &format!(", url: {}/responses", engine.base_url),
        ],
        &run,
    );
    assert_retried_once(&run, &failed);
    assert_eq!(f.hits(), 0);
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unresolvable_host_is_a_502_naming_enotfound() {
    let f = fake().await;
    let engine = engine_with(&f, |p| p.base_url = "http://nonexistent.invalid/v1".into()).await;
    let Some((_home, run)) = exec(&engine.base_url, BOUND + Duration::from_secs(5)).await else {
        return;
    };
    let failed = assert_turn_failed(&run);
    assert_contains(
        &failed,
        &[
            "unexpected status 502 Bad Gateway: cannot resolve nonexistent.invalid for provider \
             deepseek (ENOTFOUND).",
            "Check the base URL spelling and your DNS",
            "HTTPS_PROXY",
        ],
        &run,
    );
    assert_retried_once(&run, &failed);
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_api_key_is_a_401_before_any_network_traffic() {
    let f = fake().await;
    // A host that cannot resolve: any network attempt would say ENOTFOUND instead.
    let engine = engine_with(&f, |p| {
        p.base_url = "http://nonexistent.invalid/v1".into();
        p.api_key = None;
    })
    .await;
    let Some((_home, run)) = exec(&engine.base_url, BOUND + Duration::from_secs(5)).await else {
        return;
    };
    let failed = assert_turn_failed(&run);
    assert!(
        failed.starts_with(
            "unexpected status 401 Unauthorized: no API key for provider deepseek: set DS_API_KEY \
             in the environment or in ~/.mimo2codex/.env, then restart mimo2codex"
        ),
        "{}",
        run.describe()
    );
    assert!(!failed.contains("ENOTFOUND"), "{}", run.describe());
    // Codex retries a 401 at the stream level (5 times by default).
    assert_retried_once(&run, &failed);
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upstream_401_names_the_provider_and_the_key_variable() {
    let f = fake().await;
    let engine = engine_with(&f, |p| p.api_key = Some(Secret::new("sk-wrong-key"))).await;
    let Some((_home, run)) = exec(&engine.base_url, BOUND + Duration::from_secs(5)).await else {
        return;
    };
    let failed = assert_turn_failed(&run);
    assert_contains(
        &failed,
        &[
            "unexpected status 401 Unauthorized: deepseek rejected the API key (HTTP 401): \
             Authentication Fails, Your api key is invalid.",
            "Set a valid key in DS_API_KEY",
        ],
        &run,
    );
    assert!(!failed.contains("sk-wrong-key"), "the key must not leak");
    assert_retried_once(&run, &failed);
    // The engine does not retry a 401; Codex retried once.
    assert_eq!(f.hits(), 2, "{}", run.describe());
    assert!(f.rejections().iter().all(|r| r.status == 401));
    engine.shutdown().await;
}

/// Upstream 429s, each hit's time recorded.
fn rate_limited(f: &FakeUpstream, retry_after: u64) -> Arc<Mutex<Vec<Instant>>> {
    let times = Arc::new(Mutex::new(Vec::new()));
    let seen = times.clone();
    f.set_responder(move |_| {
        seen.lock().unwrap().push(Instant::now());
        Script::http_error(
            429,
            r#"{"error":{"message":"Rate limit reached for requests","type":"rate_limit_error"}}"#,
        )
        .retry_after(retry_after)
    });
    times
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upstream_429_tells_codex_how_long_to_wait() {
    // Retry-After: 30 → response.failed rate_limit_exceeded "try again in 30s": Codex shows it and
    // waits. Watched for 7 s, then stopped: no second hit in that time.
    let f = fake().await;
    let times = rate_limited(&f, 30);
    let engine = engine_with(&f, |_| {}).await;
    let Some((_home, run)) = exec(&engine.base_url, Duration::from_secs(7)).await else {
        return;
    };
    assert!(
        run.timed_out,
        "Codex should still be waiting out the 30 s: {}",
        run.describe()
    );
    assert_eq!(
        reconnects(&run),
        vec![
            "Reconnecting... 1/1 (rate limit exceeded: deepseek rate limit reached (HTTP 429): \
             Rate limit reached for requests. Please try again in 30s.)"
                .to_string()
        ],
        "{}",
        run.describe()
    );
    assert_eq!(times.lock().unwrap().len(), 1, "no retry before 30 s");
    engine.shutdown().await;

    // Retry-After: 3 → Codex waits ~3 s, retries once, then gives up with the same text.
    let f = fake().await;
    let times = rate_limited(&f, 3);
    let engine = engine_with(&f, |_| {}).await;
    let Some((_home, run)) = exec(&engine.base_url, BOUND + Duration::from_secs(5)).await else {
        return;
    };
    let failed = assert_turn_failed(&run);
    assert_eq!(
        failed,
        "rate limit exceeded: deepseek rate limit reached (HTTP 429): Rate limit reached for \
         requests. Please try again in 3s."
    );
    assert_retried_once(&run, &failed);
    let gap = retry_gap(&times, &run);
    assert!(
        gap >= Duration::from_millis(2500),
        "Codex retried after {gap:?}, not after the 3 s it was told"
    );
    engine.shutdown().await;
}

/// The time between the two requests of a turn Codex retried once ([`rate_limited`]'s `times`).
fn retry_gap(times: &Mutex<Vec<Instant>>, run: &CodexRun) -> Duration {
    let times = times.lock().unwrap().clone();
    assert_eq!(times.len(), 2, "{}", run.describe());
    times[1] - times[0]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chinese_text_reaches_codex_and_keeps_the_retry_delay() {
    // The engine speaking Chinese: Codex prints the Chinese text as is, and still reads its retry
    // delay from the "try again in Ns" the Chinese message keeps.
    let f = fake().await;
    let times = rate_limited(&f, 3);
    let engine = engine_with(&f, |_| {}).await;
    let handle = engine.running.as_ref().expect("running").handle.clone();
    handle.set_lang(mimo2codex::i18n::Lang::ZhCn);
    let Some((_home, run)) = exec(&engine.base_url, BOUND + Duration::from_secs(5)).await else {
        return;
    };
    let failed = assert_turn_failed(&run);
    assert_eq!(
        failed,
        "rate limit exceeded: deepseek 触发限流（HTTP 429）：Rate limit reached for requests。\
         请 3 秒后重试（try again in 3s）。"
    );
    assert_retried_once(&run, &failed);
    let gap = retry_gap(&times, &run);
    assert!(
        gap >= Duration::from_millis(2500),
        "Codex retried after {gap:?}, not after the 3 s the Chinese text names"
    );
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn context_length_stops_codex_without_retry() {
    let f = fake().await;
    f.set_responder(|_| {
        Script::http_error(
            400,
            r#"{"error":{"message":"This model's maximum context length is 131072 tokens. However, you requested 200000 tokens. Please reduce the length of the messages.","type":"invalid_request_error","param":null,"code":"context_length_exceeded"}}"#,
        )
    });
    let engine = engine_with(&f, |_| {}).await;
    let Some((_home, run)) = exec(&engine.base_url, BOUND + Duration::from_secs(5)).await else {
        return;
    };
    let failed = assert_turn_failed(&run);
    // Codex replaces the text with its own for context_length_exceeded.
    assert_eq!(
        failed,
        "Codex ran out of room in the model's context window. Start a new thread or clear \
         earlier history before retrying."
    );
    assert_not_retried(&run);
    assert_eq!(f.hits(), 1, "{}", run.describe());
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upstream_503_is_a_502_naming_the_status() {
    let f = fake().await;
    f.set_responder(|_| Script::http_error(503, r#"{"error":{"message":"Service Unavailable"}}"#));
    let engine = engine_with(&f, |_| {}).await;
    let Some((_home, run)) = exec(&engine.base_url, BOUND + Duration::from_secs(5)).await else {
        return;
    };
    let failed = assert_turn_failed(&run);
    assert!(
        failed.starts_with(&format!(
            "unexpected status 502 Bad Gateway: deepseek answered HTTP 503 from {}: Service \
             Unavailable",
            f.addr()
        )),
        "{}",
        run.describe()
    );
    assert_contains(
        &failed,
        &["The provider's server failed, not mimo2codex"],
        &run,
    );
    assert_retried_once(&run, &failed);
    // 2 engine attempts (one internal retry after 250 ms) × 2 Codex requests (one stream retry).
    assert_eq!(f.hits(), 4, "{}", run.describe());
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_chunk_mid_stream_is_retried_by_codex() {
    let f = fake().await;
    f.set_responder(|_| {
        Script::text("partial answer")
            .chunks(4)
            .error_chunk_after(2, "Internal server error, please retry")
    });
    let engine = engine_with(&f, |_| {}).await;
    let Some((_home, run)) = exec(&engine.base_url, BOUND + Duration::from_secs(5)).await else {
        return;
    };
    let failed = assert_turn_failed(&run);
    assert_eq!(
        failed,
        "stream disconnected before completion: upstream error: Internal server error, please retry"
    );
    assert_retried_once(&run, &failed);
    assert_eq!(f.hits(), 2, "{}", run.describe());
    // The partial text never becomes a message.
    assert!(run.agent_messages().is_empty(), "{}", run.describe());
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overloaded_error_chunk_is_shown_as_model_at_capacity_without_retry() {
    let f = fake().await;
    f.set_responder(|_| {
        Script::text("partial answer")
            .chunks(4)
            .error_chunk_after(2, "upstream overloaded mid-stream")
    });
    let engine = engine_with(&f, |_| {}).await;
    let Some((_home, run)) = exec(&engine.base_url, BOUND + Duration::from_secs(5)).await else {
        return;
    };
    let failed = assert_turn_failed(&run);
    // server_is_overloaded: Codex prints its own text and does not retry.
    assert_eq!(
        failed,
        "Selected model is at capacity. Please try a different model."
    );
    assert_not_retried(&run);
    assert_eq!(f.hits(), 1, "{}", run.describe());
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cut_stream_is_retried_by_codex() {
    let f = fake().await;
    f.set_responder(|_| Script::text("cut short answer").chunks(4).cut_after(2));
    let engine = engine_with(&f, |_| {}).await;
    let Some((_home, run)) = exec(&engine.base_url, BOUND + Duration::from_secs(5)).await else {
        return;
    };
    let failed = assert_turn_failed(&run);
    assert_eq!(
        failed,
        "stream disconnected before completion: the upstream stream ended before the response \
         finished (no finish_reason, no [DONE]): the connection was cut"
    );
    assert_retried_once(&run, &failed);
    assert_eq!(f.hits(), 2, "{}", run.describe());
    assert!(run.agent_messages().is_empty(), "{}", run.describe());
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finish_reason_length_is_an_incomplete_turn() {
    let f = fake().await;
    f.set_responder(|_| Script::text("truncated answer").finish("length"));
    let engine = engine_with(&f, |_| {}).await;
    let Some((_home, run)) = exec(&engine.base_url, BOUND + Duration::from_secs(5)).await else {
        return;
    };
    let failed = assert_turn_failed(&run);
    assert_eq!(
        failed,
        "Incomplete response returned, reason: max_output_tokens"
    );
    // The text that did arrive is shown, and the turn is not retried.
    assert_eq!(
        run.final_message().as_deref(),
        Some("truncated answer"),
        "{}",
        run.describe()
    );
    assert_not_retried(&run);
    assert_eq!(f.hits(), 1, "{}", run.describe());
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_request_is_a_413_naming_the_limit_and_the_fix() {
    let f = fake().await;
    let profile = profile_for(PROVIDER, &f);
    let data = tempfile::tempdir().expect("data dir");
    let config = EngineConfig {
        host: "127.0.0.1".into(),
        port: 0,
        data_dir: data.path().to_path_buf(),
        registry: ProviderRegistry::from_profiles(vec![profile], PROVIDER).expect("registry"),
        thinking: false,
        body_limit: 1024 * 1024,
        no_proxy_from_env: true,
        network: Default::default(),
        lang: Default::default(),
    };
    let running = tokio::time::timeout(Duration::from_secs(10), engine::start(config))
        .await
        .expect("engine start timed out")
        .expect("engine start");
    let base_url = running.base_url();
    // A 1.2 MB AGENTS.md that Codex is allowed to send in full makes the request exceed 1 MiB,
    // as a long session's history would.
    let big_doc = |home: &CodexHome| {
        let line = "Project rule: keep answers short and mention the file you changed.\n";
        std::fs::write(home.workspace.join("AGENTS.md"), line.repeat(18_000)).expect("AGENTS.md");
    };
    let Some((_home, run)) = exec_with(
        &base_url,
        BOUND + Duration::from_secs(5),
        "project_doc_max_bytes = 4000000",
        big_doc,
    )
    .await
    else {
        return;
    };
    let failed = assert_turn_failed(&run);
    assert!(
        failed.starts_with(
            "unexpected status 413 Payload Too Large: request body is larger than the 1 MiB \
             limit; raise it with --body-limit-mb or start a new Codex session (/new) to shrink \
             the history"
        ),
        "{}",
        run.describe()
    );
    // Codex retries a 413 too (it only gives up at once on 400).
    assert_retried_once(&run, &failed);
    assert_eq!(f.hits(), 0);
    let _ = tokio::time::timeout(Duration::from_secs(10), running.shutdown()).await;
}
