//! The outbound route end to end, with real proxies (tinyproxy for HTTP CONNECT, microsocks for
//! SOCKS5) and a TLS upstream with its own CA. Everything listens on loopback; the "remote" upstream is
//! 127.0.0.2 so that it is not in the never-proxied loopback list (localhost, 127.0.0.1, ::1).

#[path = "network_routes/proxies.rs"]
mod proxies;
mod support;
#[path = "support/engine.rs"]
mod support_engine;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::Ordering;
use std::time::Duration;

use futures_util::StreamExt;
use mimo2codex::engine::{self, EngineConfig, NetworkConfig, RunningEngine};
use mimo2codex::provider::{ProviderProfile, ProviderRegistry};
use mimo2codex::upstream::{OutboundRoute, Preset};
use proxies::{free_port, pki, port_is_free, tls_upstream, Pki, Proxy, TlsUpstream};
use serde_json::{json, Value};
use support::fake_upstream::{FakeUpstream, Profile, Script};
use support_engine::profile_for;

// ---- helpers: the engine ----------------------------------------------------------------------

struct Setup {
    fake: FakeUpstream,
    tls: TlsUpstream,
    pki: Pki,
    ca_file: PathBuf,
    _dir: tempfile::TempDir,
}

/// A fake DeepSeek behind TLS on 127.0.0.2 with a certificate for `names`.
async fn setup(names: &[&str], expired: bool) -> Setup {
    let fake = FakeUpstream::start(Profile::deepseek()).await;
    let pki = pki(names, expired);
    let tls = tls_upstream(fake.addr(), &pki).await;
    let dir = tempfile::tempdir().expect("tmp");
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, &pki.ca_pem).expect("write ca");
    Setup {
        fake,
        tls,
        pki,
        ca_file,
        _dir: dir,
    }
}

impl Setup {
    fn profile(&self, host: &str) -> ProviderProfile {
        let mut p = profile_for("deepseek", &self.fake);
        p.base_url = format!("https://{host}:{}/v1", self.tls.addr.port());
        p
    }

    fn network(&self, route: OutboundRoute) -> NetworkConfig {
        NetworkConfig {
            route,
            ca_file: Some((self.ca_file.clone(), "--ca-file".into())),
            ..NetworkConfig::default()
        }
    }
}

async fn start(
    profile: ProviderProfile,
    network: NetworkConfig,
    data: &Path,
) -> Result<RunningEngine, engine::EngineError> {
    let registry = ProviderRegistry::from_profiles(vec![profile], "deepseek").expect("registry");
    engine::start(EngineConfig {
        host: "127.0.0.1".into(),
        port: 0,
        data_dir: data.to_path_buf(),
        registry,
        thinking: false,
        body_limit: engine::DEFAULT_BODY_LIMIT,
        no_proxy_from_env: true,
        network,
        lang: Default::default(),
    })
    .await
}

async fn engine(
    profile: ProviderProfile,
    network: NetworkConfig,
) -> (RunningEngine, tempfile::TempDir) {
    let data = tempfile::tempdir().expect("data");
    let running = start(profile, network, data.path())
        .await
        .unwrap_or_else(|e| panic!("engine start: {e}"));
    (running, data)
}

fn request() -> reqwest::RequestBuilder {
    let body = json!({
        "model": "deepseek-v4-pro", "stream": true, "store": false, "tools": [],
        "input": [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hello route"}]}]
    });
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
        .post("http://placeholder/")
        .header("content-type", "application/json")
        .body(body.to_string())
}

/// POSTs a turn; returns the status and the body (the SSE text, or the error JSON).
async fn turn(running: &RunningEngine) -> (u16, String) {
    let r = request()
        .build()
        .map(|mut r| {
            *r.url_mut() = format!("{}/responses", running.base_url())
                .parse()
                .expect("url");
            r
        })
        .expect("request");
    let response = reqwest::Client::new().execute(r).await.expect("send");
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

fn assert_ok(status: u16, body: &str) {
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("response.completed") && body.contains("fake upstream reply"),
        "{body}"
    );
}

/// The `error.code` and `error.message` of a failed turn.
fn error_of(status: u16, body: &str) -> (String, String) {
    assert_eq!(status, 502, "{body}");
    let v: Value = serde_json::from_str(body).unwrap_or_else(|_| panic!("json: {body}"));
    (
        v["error"]["code"].as_str().unwrap_or_default().to_string(),
        v["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    )
}

fn custom(url: &str) -> OutboundRoute {
    url.parse().expect("route")
}

// ---- tests --------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_proxy_url_tunnels_https_with_connect_then_refused_when_stopped() {
    let s = setup(&["127.0.0.2"], false).await;
    let Some(mut tp) = Proxy::tinyproxy(free_port(), "").await else {
        return;
    };
    let route = custom(&format!("http://127.0.0.1:{}", tp.port));
    let (running, _data) = engine(s.profile("127.0.0.2"), s.network(route)).await;
    assert_eq!(
        running.handle.settings().upstream.route().describe(),
        format!("proxy: custom http://127.0.0.1:{}", tp.port)
    );
    let (status, body) = turn(&running).await;
    assert_ok(status, &body);
    let connect = format!("CONNECT 127.0.0.2:{}", s.tls.addr.port());
    assert_eq!(tp.count(&connect), 1, "tinyproxy log: {}", tp.log_text());
    assert_eq!(s.tls.handshakes.load(Ordering::SeqCst), 1);

    tp.stop();
    let (status, body) = turn(&running).await;
    let (code, message) = error_of(status, &body);
    assert_eq!(code, "ECONNREFUSED", "{message}");
    assert!(
        message.contains(&format!("127.0.0.1:{}", tp.port)) && message.contains("proxy"),
        "{message}"
    );
    running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn socks5_with_credentials_carries_https_and_a_stopped_proxy_is_named() {
    let s = setup(&["127.0.0.2"], false).await;
    let Some(mut ms) = Proxy::microsocks(free_port(), Some(("bob", "s3cret"))).await else {
        return;
    };
    let route = custom(&format!("socks5://bob:s3cret@127.0.0.1:{}", ms.port));
    let (running, _data) = engine(s.profile("127.0.0.2"), s.network(route)).await;
    let line = running.handle.settings().upstream.route().describe();
    assert_eq!(
        line,
        format!("proxy: custom socks5://bob:****@127.0.0.1:{}", ms.port)
    );
    let (status, body) = turn(&running).await;
    assert_ok(status, &body);
    let hop = format!("connected to 127.0.0.2:{}", s.tls.addr.port());
    assert_eq!(ms.count(&hop), 1, "microsocks log: {}", ms.log_text());

    // Wrong password: the SOCKS5 handshake is refused.
    let bad = custom(&format!("socks5://bob:wrong@127.0.0.1:{}", ms.port));
    running.handle.set_route(bad).expect("set route");
    let (status, body) = turn(&running).await;
    let (code, message) = error_of(status, &body);
    assert_eq!(code, "ETUNNEL", "{message}");
    assert!(!message.contains("wrong"), "password leaked: {message}");

    ms.stop();
    let (status, body) = turn(&running).await;
    let (code, message) = error_of(status, &body);
    assert_eq!(code, "ECONNREFUSED", "{message}");
    assert!(
        message.contains(&format!("127.0.0.1:{}", ms.port)),
        "{message}"
    );
    running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loopback_upstreams_go_around_the_proxy() {
    let fake = FakeUpstream::start(Profile::deepseek()).await;
    // A proxy nobody listens on: any attempt to use it would fail.
    let dead = free_port();
    for route in [
        custom(&format!("http://127.0.0.1:{dead}")),
        custom(&format!("socks5h://127.0.0.1:{dead}")),
    ] {
        let network = NetworkConfig {
            route,
            no_proxy: "intranet.example".into(),
            ..NetworkConfig::default()
        };
        let (running, _data) = engine(profile_for("deepseek", &fake), network).await;
        let (status, body) = turn(&running).await;
        assert_ok(status, &body);
        running.shutdown().await;
    }
    assert_eq!(fake.accepted().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn untrusted_certificates_are_named_and_the_ca_file_fixes_them() {
    let s = setup(&["127.0.0.2"], false).await;
    let direct = NetworkConfig {
        route: OutboundRoute::Direct,
        ..NetworkConfig::default()
    };
    let (running, _data) = engine(s.profile("127.0.0.2"), direct).await;
    let (status, body) = turn(&running).await;
    let (code, message) = error_of(status, &body);
    assert!(
        code == "UNABLE_TO_GET_ISSUER_CERT" || code == "SELF_SIGNED_CERT_IN_CHAIN",
        "{code}: {message}"
    );
    assert!(message.contains("--ca-file"), "{message}");
    running.shutdown().await;

    let (running, _data) = engine(s.profile("127.0.0.2"), s.network(OutboundRoute::Direct)).await;
    let (status, body) = turn(&running).await;
    assert_ok(status, &body);
    running.shutdown().await;
    assert!(!s.pki.chain.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_host_and_expired_certificates_get_their_codes() {
    let wrong = setup(&["upstream.example"], false).await;
    let (running, _data) = engine(
        wrong.profile("127.0.0.2"),
        wrong.network(OutboundRoute::Direct),
    )
    .await;
    let (status, body) = turn(&running).await;
    let (code, message) = error_of(status, &body);
    assert_eq!(code, "ERR_TLS_CERT_ALTNAME_INVALID", "{message}");
    running.shutdown().await;

    let expired = setup(&["127.0.0.2"], true).await;
    let (running, _data) = engine(
        expired.profile("127.0.0.2"),
        expired.network(OutboundRoute::Direct),
    )
    .await;
    let (status, body) = turn(&running).await;
    let (code, message) = error_of(status, &body);
    assert_eq!(code, "CERT_HAS_EXPIRED", "{message}");
    assert!(message.contains("date and time"), "{message}");
    running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_ca_file_is_a_clear_start_error() {
    let fake = FakeUpstream::start(Profile::deepseek()).await;
    let data = tempfile::tempdir().expect("data");
    let missing = data.path().join("corp-ca.pem");
    let network = NetworkConfig {
        ca_file: Some((missing.clone(), "MIMO2CODEX_EXTRA_CA_CERTS".into())),
        ..NetworkConfig::default()
    };
    let err = start(profile_for("deepseek", &fake), network, data.path())
        .await
        .err()
        .expect("must fail");
    let text = err.to_string();
    assert!(
        text.contains("corp-ca.pem") && text.contains("MIMO2CODEX_EXTRA_CA_CERTS"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proxy_answering_407_is_a_tunnel_refusal() {
    let s = setup(&["127.0.0.2"], false).await;
    let Some(tp) = Proxy::tinyproxy(free_port(), "BasicAuth alice pw123").await else {
        return;
    };
    let route = custom(&format!("http://127.0.0.1:{}", tp.port));
    let (running, _data) = engine(s.profile("127.0.0.2"), s.network(route)).await;
    let (status, body) = turn(&running).await;
    let (code, message) = error_of(status, &body);
    assert_eq!(code, "ETUNNEL", "{message}");
    assert!(message.contains("407"), "{message}");
    assert_eq!(s.tls.handshakes.load(Ordering::SeqCst), 0);

    // With the credentials in the URL the tunnel opens.
    let route = custom(&format!("http://alice:pw123@127.0.0.1:{}", tp.port));
    running.handle.set_route(route).expect("set route");
    let (status, body) = turn(&running).await;
    assert_ok(status, &body);
    running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn route_switched_live_while_a_stream_is_in_flight() {
    let s = setup(&["127.0.0.2"], false).await;
    let Some(tp) = Proxy::tinyproxy(free_port(), "").await else {
        return;
    };
    let Some(ms) = Proxy::microsocks(free_port(), None).await else {
        return;
    };
    let data = tempfile::tempdir().expect("data");
    let network = NetworkConfig {
        persist: true,
        ..s.network(custom(&format!("http://127.0.0.1:{}", tp.port)))
    };
    let running = start(s.profile("127.0.0.2"), network, data.path())
        .await
        .expect("start");
    s.fake.push(
        Script::text("a slow answer in many pieces")
            .chunks(20)
            .delay(Duration::from_millis(60)),
    );
    let r = request()
        .build()
        .map(|mut r| {
            *r.url_mut() = format!("{}/responses", running.base_url())
                .parse()
                .expect("url");
            r
        })
        .expect("request");
    let response = reqwest::Client::new().execute(r).await.expect("send");
    assert_eq!(response.status(), 200);
    let mut stream = response.bytes_stream();
    let mut body = Vec::new();
    let first = stream.next().await.expect("first chunk").expect("bytes");
    body.extend_from_slice(&first);

    let socks = custom(&format!("socks5h://127.0.0.1:{}", ms.port));
    running.handle.set_route(socks.clone()).expect("switch");
    assert_eq!(running.handle.route(), socks);
    while let Some(chunk) = stream.next().await {
        body.extend_from_slice(&chunk.expect("stream must finish on the old route"));
    }
    let text = String::from_utf8_lossy(&body);
    assert!(text.contains("response.completed"), "{text}");
    let connect = format!("CONNECT 127.0.0.2:{}", s.tls.addr.port());
    assert_eq!(tp.count(&connect), 1);
    assert_eq!(ms.count("connected to"), 0);

    let (status, body) = turn(&running).await;
    assert_ok(status, &body);
    assert_eq!(
        tp.count(&connect),
        1,
        "the next request must not use tinyproxy"
    );
    assert_eq!(ms.count("connected to"), 1, "{}", ms.log_text());

    let saved = std::fs::read_to_string(data.path().join("settings.json")).expect("saved");
    let v: Value = serde_json::from_str(&saved).expect("json");
    assert_eq!(v["proxy"], format!("socks5h://127.0.0.1:{}", ms.port));
    running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preset_on_a_closed_port_names_that_port_and_clash_works_when_7890_is_free() {
    let s = setup(&["127.0.0.2"], false).await;
    let Some(preset) = Preset::ALL.into_iter().find(|p| port_is_free(p.port())) else {
        eprintln!("NOTE: every preset port is in use here; skipping the closed-preset check");
        return;
    };
    let (running, _data) = engine(
        s.profile("127.0.0.2"),
        s.network(OutboundRoute::Preset(preset)),
    )
    .await;
    let (status, body) = turn(&running).await;
    let (code, message) = error_of(status, &body);
    assert_eq!(code, "ECONNREFUSED", "{message}");
    assert!(
        message.contains(&format!("127.0.0.1:{}", preset.port())),
        "{message}"
    );

    if !port_is_free(7890) {
        eprintln!("NOTE: port 7890 is in use; skipping the live Clash preset check");
        running.shutdown().await;
        return;
    }
    let Some(tp) = Proxy::tinyproxy(7890, "").await else {
        return;
    };
    running
        .handle
        .set_route(OutboundRoute::Preset(Preset::Clash))
        .expect("clash");
    let (status, body) = turn(&running).await;
    assert_ok(status, &body);
    assert_eq!(tp.count("CONNECT 127.0.0.2:"), 1, "{}", tp.log_text());
    running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unresolvable_host_is_enotfound() {
    let s = setup(&["127.0.0.2"], false).await;
    let direct = NetworkConfig {
        route: OutboundRoute::Direct,
        ..NetworkConfig::default()
    };
    let (running, _data) = engine(s.profile("mimo2codex-test.invalid"), direct).await;
    let (status, body) = turn(&running).await;
    let (code, message) = error_of(status, &body);
    assert_eq!(code, "ENOTFOUND", "{message}");
    assert!(message.contains("mimo2codex-test.invalid"), "{message}");
    running.shutdown().await;
}

#[test]
fn bad_proxy_flag_is_a_config_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_mimo2codex"))
        .args(["--proxy", "ftp://127.0.0.1:21", "print-config"])
        .env_remove("MIMO2CODEX_PROXY")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("scheme 'ftp'"), "{err}");
}
