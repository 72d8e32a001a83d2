//! A `/v1/models` server on loopback for the doctor's provider checks: 200 for [`GOOD_KEY`] as a
//! bearer token, else 401 with a vendor message. Shared by `tests/doctor.rs` and the unit tests of
//! `src/doctor/mod.rs` (`#[path]`), so it uses nothing but std and tokio.

use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The key the server accepts.
pub const GOOD_KEY: &str = "sk-good-0123456789";

/// Starts the server on `ip` (e.g. `127.0.0.1`, or `127.0.0.2` to look remote) and an ephemeral
/// port; it runs until the runtime stops.
pub async fn models_server(ip: &str) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind((ip, 0))
        .await
        .unwrap_or_else(|e| panic!("bind {ip}: {e}"));
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut tcp, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tcp.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let text = String::from_utf8_lossy(&head).to_ascii_lowercase();
                let (status, body) = if text
                    .contains(&format!("bearer {}", GOOD_KEY.to_ascii_lowercase()))
                {
                    ("200 OK", r#"{"object":"list","data":[{"id":"m"}]}"#)
                } else {
                    (
                        "401 Unauthorized",
                        r#"{"error":{"message":"Authentication Fails, Your api key is invalid"}}"#,
                    )
                };
                let reply = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tcp.write_all(reply.as_bytes()).await;
            });
        }
    });
    addr
}
