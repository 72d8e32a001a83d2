//! Helpers of tests/network_routes.rs: real proxy processes (tinyproxy, microsocks) on free loopback
//! ports, a test CA, and a TLS front for the fake upstream.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio_rustls::rustls;

// ---- helpers: processes, ports ------------------------------------------------------------------

pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

pub fn port_is_free(port: u16) -> bool {
    std::net::TcpListener::bind(("127.0.0.1", port)).is_ok()
        && std::net::TcpStream::connect_timeout(
            &SocketAddr::from(([127, 0, 0, 1], port)),
            Duration::from_millis(200),
        )
        .is_err()
}

/// Whether `bin` can run; if not: a failure on CI (it installs both), a printed skip elsewhere.
pub fn have(bin: &str) -> bool {
    if Command::new(bin)
        .arg("-h")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
    {
        return true;
    }
    let msg = format!("{bin} not found: install it (apt-get install -y {bin}); .ci/run does");
    if std::env::var_os("CI").is_some() {
        panic!("{msg}");
    }
    eprintln!("SKIPPED: {msg}");
    false
}

/// A proxy process of ours, killed when dropped; its log/stderr is a file.
pub struct Proxy {
    child: Option<Child>,
    pub port: u16,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Proxy {
    async fn wait_listening(self) -> Proxy {
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", self.port))
                .await
                .is_ok()
            {
                return self;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "proxy on port {} did not start; log: {}",
            self.port,
            self.log_text()
        );
    }

    /// tinyproxy in the foreground on `port`, with extra config lines (e.g. `BasicAuth u p`).
    pub async fn tinyproxy(port: u16, extra: &str) -> Option<Proxy> {
        if !have("tinyproxy") {
            return None;
        }
        let dir = tempfile::tempdir().expect("tmp");
        let log = dir.path().join("tinyproxy.log");
        let conf = dir.path().join("tinyproxy.conf");
        // No ConnectPort line: CONNECT to any port is allowed.
        let text = format!(
            "Port {port}\nListen 127.0.0.1\nTimeout 30\nLogFile \"{}\"\nLogLevel Info\nMaxClients 20\nAllow 127.0.0.1\n{extra}\n",
            log.display()
        );
        std::fs::write(&conf, text).expect("write conf");
        let child = Command::new("tinyproxy")
            .arg("-d")
            .arg("-c")
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn tinyproxy");
        Some(
            Proxy {
                child: Some(child),
                port,
                log,
                _dir: dir,
            }
            .wait_listening()
            .await,
        )
    }

    /// microsocks (SOCKS5) on `port`, with `user:password` when given; it logs each connection.
    pub async fn microsocks(port: u16, auth: Option<(&str, &str)>) -> Option<Proxy> {
        if !have("microsocks") {
            return None;
        }
        let dir = tempfile::tempdir().expect("tmp");
        let log = dir.path().join("microsocks.log");
        let mut cmd = Command::new("microsocks");
        cmd.args(["-i", "127.0.0.1", "-p", &port.to_string()]);
        if let Some((u, p)) = auth {
            cmd.args(["-u", u, "-P", p]);
        }
        let err = std::fs::File::create(&log).expect("log file");
        let child = cmd
            .stdout(Stdio::null())
            .stderr(err)
            .spawn()
            .expect("spawn microsocks");
        Some(
            Proxy {
                child: Some(child),
                port,
                log,
                _dir: dir,
            }
            .wait_listening()
            .await,
        )
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Lines of the log containing `needle`.
    pub fn count(&self, needle: &str) -> usize {
        self.log_text()
            .lines()
            .filter(|l| l.contains(needle))
            .count()
    }

    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop();
    }
}

// ---- helpers: certificates and the TLS upstream ---------------------------------------------------

/// A test CA and a server certificate it signed.
pub struct Pki {
    pub ca_pem: String,
    pub chain: Vec<rustls::pki_types::CertificateDer<'static>>,
    pub key_der: Vec<u8>,
}

pub fn pki(names: &[&str], expired: bool) -> Pki {
    let ca_key = rcgen::KeyPair::generate().expect("ca key");
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("ca params");
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "mimo2codex test CA");
    let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).expect("ca");
    let key = rcgen::KeyPair::generate().expect("leaf key");
    let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    let mut params = rcgen::CertificateParams::new(names).expect("leaf params");
    if expired {
        params.not_before = rcgen::date_time_ymd(2020, 1, 1);
        params.not_after = rcgen::date_time_ymd(2021, 1, 1);
    }
    let leaf = params.signed_by(&key, &ca).expect("leaf");
    Pki {
        ca_pem: ca.pem(),
        chain: vec![leaf.der().clone(), ca.der().clone()],
        key_der: key.serialize_der(),
    }
}

/// A TLS front on 127.0.0.2 forwarding to a plain [`FakeUpstream`]; counts handshakes.
pub struct TlsUpstream {
    pub addr: SocketAddr,
    pub handshakes: Arc<AtomicUsize>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

pub async fn tls_upstream(backend: SocketAddr, pki: &Pki) -> TlsUpstream {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(pki.key_der.clone().into());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(pki.chain.clone(), key)
        .expect("server cert");
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.2:0")
        .await
        .expect("bind 127.0.0.2 (Linux routes all of 127/8 to loopback)");
    let addr = listener.local_addr().expect("addr");
    let handshakes = Arc::new(AtomicUsize::new(0));
    let (tx, mut rx) = tokio::sync::oneshot::channel::<()>();
    let count = handshakes.clone();
    tokio::spawn(async move {
        loop {
            let (tcp, _) = tokio::select! {
                _ = &mut rx => return,
                accepted = listener.accept() => match accepted { Ok(a) => a, Err(_) => return },
            };
            let acceptor = acceptor.clone();
            let count = count.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                count.fetch_add(1, Ordering::SeqCst);
                if let Ok(mut plain) = tokio::net::TcpStream::connect(backend).await {
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
                }
            });
        }
    });
    TlsUpstream {
        addr,
        handshakes,
        _stop: tx,
    }
}
