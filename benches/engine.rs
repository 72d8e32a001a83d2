//! Engine benchmark (not a test): `cargo bench --bench engine`.
//!
//! Runs the release `mimo2codex` binary as a child process against an in-process fake Chat Completions
//! upstream that streams ~100 chunks per response, and reports, in one run:
//! * time to first event (TTFE) through the engine vs. directly to the fake upstream, p50/p99 at
//!   concurrency 1, 64 and 256 — the difference is what the engine adds;
//! * engine CPU time per streamed response (from /proc/<pid>/stat);
//! * engine RSS idle, peak at 256 concurrent streams, and after 10,000 requests.
//!
//! Linux only (reads /proc). Environment: `BENCH_QUICK=1` shrinks the request counts for a smoke run.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::response::IntoResponse;
use axum::routing::post;
use axum::Router;
use bytes::Bytes;
use futures_util::StreamExt;

const CHUNKS: usize = 100;

fn chat_stream_frames() -> Vec<Bytes> {
    let mut frames = Vec::with_capacity(CHUNKS + 2);
    frames.push(Bytes::from(
        "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"bench-model\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n",
    ));
    for i in 0..CHUNKS - 2 {
        frames.push(Bytes::from(format!(
            "data: {{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"bench-model\",\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"token{i} \"}},\"finish_reason\":null}}]}}\n\n"
        )));
    }
    frames.push(Bytes::from(
        "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"bench-model\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":1200,\"completion_tokens\":98,\"total_tokens\":1298}}\n\n",
    ));
    frames.push(Bytes::from("data: [DONE]\n\n"));
    frames
}

async fn start_fake() -> SocketAddr {
    let frames = Arc::new(chat_stream_frames());
    let app = Router::new().route(
        "/v1/chat/completions",
        post(move |_body: Bytes| {
            let frames = frames.clone();
            async move {
                let stream = futures_util::stream::iter(
                    frames
                        .iter()
                        .cloned()
                        .map(Ok::<Bytes, Infallible>)
                        .collect::<Vec<_>>(),
                );
                (
                    [("content-type", "text/event-stream")],
                    Body::from_stream(stream),
                )
                    .into_response()
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind fake");
    let addr = listener.local_addr().expect("fake addr");
    tokio::spawn(async move {
        let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let _ = axum::serve(listener, app).await;
    });
    addr
}

struct Engine {
    child: std::process::Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Engine {
    fn start(fake: SocketAddr) -> Engine {
        let dir = tempfile::tempdir().expect("tempdir");
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").expect("probe port");
            l.local_addr().expect("addr").port()
        };
        // MIMO2CODEX_BENCH_BIN runs another build (e.g. one with symbols, for a profiler).
        let bin = std::env::var("MIMO2CODEX_BENCH_BIN")
            .unwrap_or_else(|_| env!("CARGO_BIN_EXE_mimo2codex").to_string());
        let child = std::process::Command::new(bin)
            .args(["--port", &port.to_string(), "--data-dir"])
            .arg(dir.path())
            .env("GENERIC_BASE_URL", format!("http://{fake}/v1"))
            .env("GENERIC_API_KEY", "bench-key")
            .env("GENERIC_DEFAULT_MODEL", "bench-model")
            .env("MIMO2CODEX_DEFAULT_PROVIDER", "generic")
            .env_remove("HTTPS_PROXY")
            .env_remove("HTTP_PROXY")
            .stderr(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("spawn engine");
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "engine did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Engine {
            child,
            port,
            _dir: dir,
        }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// PSS-free RSS in KiB from /proc/<pid>/status.
fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// (user, system) CPU time of a process in seconds, from /proc/<pid>/stat (utime, stime).
fn cpu_seconds(pid: u32) -> (f64, f64) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let cols: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| cols.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    // USER_HZ is 100 on every Linux we target.
    (ticks(11) as f64 / 100.0, ticks(12) as f64 / 100.0)
}

#[derive(Clone)]
struct Target {
    url: String,
    body: Bytes,
}

/// One request: returns (time to first body bytes, total time) after reading the whole stream.
async fn one(client: &reqwest::Client, target: &Target) -> (Duration, Duration) {
    let start = Instant::now();
    let resp = client
        .post(&target.url)
        .header("content-type", "application/json")
        .body(target.body.clone())
        .send()
        .await
        .expect("request");
    assert!(resp.status().is_success(), "status {}", resp.status());
    let mut stream = resp.bytes_stream();
    let mut first = None;
    let mut total_bytes = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.expect("chunk");
        if first.is_none() && !chunk.is_empty() {
            first = Some(start.elapsed());
        }
        total_bytes += chunk.len();
    }
    assert!(total_bytes > 0);
    (first.unwrap_or_else(|| start.elapsed()), start.elapsed())
}

async fn run_load(
    client: &reqwest::Client,
    target: &Target,
    concurrency: usize,
    per_task: usize,
) -> Vec<Duration> {
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let client = client.clone();
        let target = target.clone();
        tasks.push(tokio::spawn(async move {
            let mut out = Vec::with_capacity(per_task);
            for _ in 0..per_task {
                out.push(one(&client, &target).await.0);
            }
            out
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("task"));
    }
    all.sort();
    all
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx].as_secs_f64() * 1000.0
}

fn responses_body() -> Bytes {
    let text = include_str!("../../shared/fixtures/codex/request-01-text-turn.json");
    let mut v: serde_json::Value = serde_json::from_str(text).expect("fixture");
    let mut body = v["body"].take();
    body["model"] = serde_json::Value::String("bench-model".into());
    Bytes::from(serde_json::to_vec(&body).expect("encode"))
}

/// The chat body the engine sends upstream for `responses_body()`, so the direct baseline moves the
/// same bytes and "added" is only the engine's own work.
fn chat_body(responses: &Bytes) -> Bytes {
    use mimo2codex::provider::{ModelInfo, Quirks};
    use mimo2codex::translate::{request::responses_to_chat, TranslateOptions};
    let request: serde_json::Value = serde_json::from_slice(responses).expect("request json");
    let quirks = Quirks::default();
    let model = ModelInfo {
        id: "bench-model".into(),
        ..ModelInfo::default()
    };
    let opts = TranslateOptions {
        quirks: &quirks,
        model: &model,
        thinking: true,
    };
    let plan = responses_to_chat(&request, &opts).expect("translate");
    Bytes::from(serde_json::to_vec(&plan.body).expect("encode"))
}

fn small_responses_body() -> Bytes {
    Bytes::from_static(br#"{"model":"bench-model","stream":true,"input":[{"type":"message","role":"user","content":[{"type":"input_text","text":"hi"}]}]}"#)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let quick = std::env::var("BENCH_QUICK").is_ok();
    let scale = |n: usize| if quick { (n / 10).max(1) } else { n };
    let fake = start_fake().await;
    let engine = Engine::start(fake);
    let pid = engine.pid();
    let client = reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(512)
        .build()
        .expect("client");
    let via_engine = Target {
        url: format!("http://127.0.0.1:{}/v1/responses", engine.port),
        body: responses_body(),
    };
    let direct = Target {
        url: format!("http://{fake}/v1/chat/completions"),
        body: chat_body(&via_engine.body),
    };
    // Warm up both paths (connection pools, lazy init).
    run_load(&client, &via_engine, 4, 25).await;
    run_load(&client, &direct, 4, 25).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let idle_rss = rss_kib(pid);

    println!(
        "mimo2codex engine benchmark — {CHUNKS} chunks per response; Codex request {} bytes, translated chat request {} bytes",
        via_engine.body.len(),
        direct.body.len()
    );
    println!("| concurrency | direct p50 ms | direct p99 ms | engine p50 ms | engine p99 ms | added p50 ms | added p99 ms |");
    println!("|---|---|---|---|---|---|---|");
    let peak = Arc::new(AtomicU64::new(0));
    for (c, per) in [(1usize, scale(300)), (64, scale(20)), (256, scale(6))] {
        let d = run_load(&client, &direct, c, per).await;
        let sampling = Arc::new(AtomicBool::new(c == 256));
        let sampler = {
            let sampling = sampling.clone();
            let peak = peak.clone();
            tokio::spawn(async move {
                while sampling.load(Ordering::Relaxed) {
                    peak.fetch_max(rss_kib(pid), Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            })
        };
        let e = run_load(&client, &via_engine, c, per).await;
        sampling.store(false, Ordering::Relaxed);
        let _ = sampler.await;
        println!(
            "| {c} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} |",
            pct(&d, 0.5),
            pct(&d, 0.99),
            pct(&e, 0.5),
            pct(&e, 0.99),
            pct(&e, 0.5) - pct(&d, 0.5),
            pct(&e, 0.99) - pct(&d, 0.99)
        );
    }

    let n_cpu = scale(2000);
    println!();
    for (label, target) in [
        (
            "Codex-sized request (fixture request-01)",
            via_engine.clone(),
        ),
        (
            "minimal request",
            Target {
                url: via_engine.url.clone(),
                body: small_responses_body(),
            },
        ),
    ] {
        let (user0, sys0) = cpu_seconds(pid);
        let t = Instant::now();
        run_load(&client, &target, 4, n_cpu / 4).await;
        let (user1, sys1) = cpu_seconds(pid);
        let (user, sys) = (user1 - user0, sys1 - sys0);
        let per = |s: f64| s * 1000.0 / n_cpu as f64;
        println!(
            "engine CPU per streamed response, {label}: {:.3} ms = {:.3} user + {:.3} kernel ({} responses, {:.2} s wall)",
            per(user + sys),
            per(user),
            per(sys),
            n_cpu,
            t.elapsed().as_secs_f64()
        );
    }

    let n_soak = scale(10_000);
    let rss_before_soak = rss_kib(pid);
    run_load(&client, &via_engine, 64, n_soak / 64).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss_after = rss_kib(pid);
    println!(
        "engine RSS: idle {:.1} MB · peak at 256 concurrent streams {:.1} MB · before soak {:.1} MB · after {} more requests {:.1} MB",
        idle_rss as f64 / 1024.0,
        peak.load(Ordering::Relaxed) as f64 / 1024.0,
        rss_before_soak as f64 / 1024.0,
        (n_soak / 64) * 64,
        rss_after as f64 / 1024.0
    );
    drop(engine);
}
