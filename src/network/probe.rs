//! Raw, bounded handshakes with the hops on the way out: a TCP connect, an HTTP `CONNECT`, a SOCKS5
//! greeting and tunnel request. Used by proxy detection and `mimo2codex doctor`; the parsing is pure
//! and unit-tested, the I/O is thin.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::i18n::Lang;
use crate::t;
use crate::upstream::FailureKind;

/// Largest proxy answer head we read.
const MAX_HEAD: usize = 8 * 1024;

/// Why a hop could not be reached, in the terms [`crate::upstream::FailureKind`] uses.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NetError {
    #[error("cannot resolve {0}")]
    NotFound(String),
    #[error("connection refused")]
    Refused,
    #[error("timed out")]
    TimedOut,
    #[error("connection reset")]
    Reset,
    #[error("{0}")]
    Other(String),
}

impl NetError {
    fn from_io(err: &std::io::Error) -> NetError {
        use std::io::ErrorKind as K;
        match err.kind() {
            K::ConnectionRefused => NetError::Refused,
            K::TimedOut => NetError::TimedOut,
            K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe | K::UnexpectedEof => {
                NetError::Reset
            }
            _ => NetError::Other(err.to_string()),
        }
    }

    /// The engine's classification of this error; `by_proxy` says the hop was the proxy, `phase`
    /// names what timed out.
    pub fn into_kind(self, by_proxy: bool, phase: &'static str) -> FailureKind {
        match self {
            NetError::Refused => FailureKind::ConnectRefused { by_proxy },
            NetError::NotFound(_) => FailureKind::NotFound,
            NetError::TimedOut => FailureKind::TimedOut { phase },
            NetError::Reset => FailureKind::ConnReset,
            NetError::Other(detail) => FailureKind::Other { detail },
        }
    }
}

/// Resolves `host:port` (bounded by `timeout`); an IP literal needs no lookup.
pub async fn resolve(
    host: &str,
    port: u16,
    timeout: Duration,
) -> Result<Vec<SocketAddr>, NetError> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<std::net::IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    match tokio::time::timeout(timeout, tokio::net::lookup_host((bare, port))).await {
        Err(_) => Err(NetError::TimedOut),
        Ok(Err(_)) => Err(NetError::NotFound(bare.to_string())),
        Ok(Ok(addrs)) => {
            let addrs: Vec<SocketAddr> = addrs.collect();
            if addrs.is_empty() {
                Err(NetError::NotFound(bare.to_string()))
            } else {
                Ok(addrs)
            }
        }
    }
}

/// Connects to the first address that accepts within `timeout` each.
pub async fn connect(addrs: &[SocketAddr], timeout: Duration) -> Result<TcpStream, NetError> {
    let mut last = NetError::Other("no address to connect to".into());
    for addr in addrs {
        match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
            Ok(Ok(stream)) => return Ok(stream),
            Ok(Err(err)) => last = NetError::from_io(&err),
            Err(_) => last = NetError::TimedOut,
        }
    }
    Err(last)
}

/// Resolves and connects.
pub async fn connect_host(host: &str, port: u16, timeout: Duration) -> Result<TcpStream, NetError> {
    let addrs = resolve(host, port, timeout).await?;
    connect(&addrs, timeout).await
}

/// What a proxy said to a tunnel request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TunnelAnswer {
    /// The tunnel is open.
    Open,
    /// The proxy refused.
    Refused(TunnelProblem),
    /// What answered is not this kind of proxy.
    NotAProxy(TunnelProblem),
}

/// Why a tunnel did not open, as data; [`TunnelProblem::text`] words it in a language.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TunnelProblem {
    /// `407 Proxy Authentication Required` (the wording of
    /// [`crate::upstream::failure::classify_proxy_text`] in English).
    AuthRequired,
    /// Another status line answered `CONNECT`: the line.
    Status(String),
    /// Not an HTTP answer: its first bytes, quoted and printable; empty when the connection
    /// closed without an answer.
    NotHttp(String),
    /// The SOCKS5 proxy rejected the user name / password.
    SocksAuthRejected,
    /// The SOCKS5 proxy wants a user name / password and none was given.
    SocksWantsAuth,
    /// The SOCKS5 proxy chose a method we did not offer.
    SocksUnknownMethod(u8),
    /// No SOCKS5 answer to the greeting.
    SocksNoGreeting,
    /// The SOCKS5 CONNECT failed with this RFC 1928 reply code.
    SocksReply(u8),
    /// The SOCKS5 proxy closed the connection before replying.
    SocksClosed,
}

impl TunnelProblem {
    /// The problem in `lang` (`407 proxy authentication required`, …).
    pub fn text(&self, lang: Lang) -> String {
        match self {
            TunnelProblem::AuthRequired => t!(lang, "doctor-probe-407"),
            TunnelProblem::Status(line) => {
                t!(lang, "doctor-probe-connect-status", line = line.as_str())
            }
            TunnelProblem::NotHttp(head) if head.is_empty() => t!(
                lang,
                "doctor-probe-not-http",
                head = t!(lang, "doctor-probe-closed")
            ),
            TunnelProblem::NotHttp(head) => {
                t!(lang, "doctor-probe-not-http", head = head.as_str())
            }
            TunnelProblem::SocksAuthRejected => t!(lang, "doctor-probe-socks-auth-rejected"),
            TunnelProblem::SocksWantsAuth => t!(lang, "doctor-probe-socks-wants-auth"),
            TunnelProblem::SocksUnknownMethod(method) => t!(
                lang,
                "doctor-probe-socks-method",
                method = format!("{method:#04x}")
            ),
            TunnelProblem::SocksNoGreeting => t!(lang, "doctor-probe-socks-no-greeting"),
            TunnelProblem::SocksReply(code) => t!(
                lang,
                "doctor-probe-socks-reply",
                reason = socks_reply_text(lang, *code)
            ),
            TunnelProblem::SocksClosed => t!(lang, "doctor-probe-socks-closed"),
        }
    }
}

/// `HTTP/1.1 407 Proxy Authentication Required` → `(407, the line)`.
pub fn parse_status_line(head: &[u8]) -> Option<(u16, String)> {
    let text = String::from_utf8_lossy(head);
    let line = text.lines().next()?.trim();
    let mut parts = line.split_whitespace();
    let version = parts.next()?;
    if !version.starts_with("HTTP/1.") {
        return None;
    }
    let status = parts.next()?.parse::<u16>().ok()?;
    (100..1000)
        .contains(&status)
        .then(|| (status, line.to_string()))
}

/// The answer to `CONNECT`, from the status line.
pub fn connect_answer(head: &[u8]) -> TunnelAnswer {
    match parse_status_line(head) {
        Some((200..=299, _)) => TunnelAnswer::Open,
        Some((407, _)) => TunnelAnswer::Refused(TunnelProblem::AuthRequired),
        Some((_, line)) => TunnelAnswer::Refused(TunnelProblem::Status(line)),
        None => TunnelAnswer::NotAProxy(TunnelProblem::NotHttp(printable(head))),
    }
}

/// The first bytes of an answer, quoted, control characters as `.`; empty for no bytes.
fn printable(bytes: &[u8]) -> String {
    let text: String = String::from_utf8_lossy(&bytes[..bytes.len().min(40)])
        .chars()
        .map(|c| if c.is_control() { '.' } else { c })
        .collect();
    if text.is_empty() {
        String::new()
    } else {
        format!("{text:?}")
    }
}

/// Reads an HTTP head (up to the blank line, [`MAX_HEAD`] or EOF).
async fn read_head(stream: &mut TcpStream) -> Result<Vec<u8>, NetError> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    loop {
        let n = stream
            .read(&mut chunk)
            .await
            .map_err(|e| NetError::from_io(&e))?;
        if n == 0 {
            return Ok(buf);
        }
        buf.extend_from_slice(&chunk[..n]);
        if buf.windows(4).any(|w| w == b"\r\n\r\n") || buf.len() >= MAX_HEAD {
            return Ok(buf);
        }
    }
}

/// Sends `CONNECT target` (with `Proxy-Authorization: Basic …` when `basic` is set) and reads the
/// answer, all within `timeout`.
pub async fn http_connect(
    stream: &mut TcpStream,
    target: &str,
    basic: Option<&str>,
    timeout: Duration,
) -> Result<(TunnelAnswer, Option<u16>), NetError> {
    let mut request = format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n");
    if let Some(credentials) = basic {
        request.push_str(&format!("Proxy-Authorization: Basic {credentials}\r\n"));
    }
    request.push_str("\r\n");
    let exchange = async {
        stream
            .write_all(request.as_bytes())
            .await
            .map_err(|e| NetError::from_io(&e))?;
        read_head(stream).await
    };
    let head = tokio::time::timeout(timeout, exchange)
        .await
        .map_err(|_| NetError::TimedOut)??;
    let status = parse_status_line(&head).map(|(s, _)| s);
    Ok((connect_answer(&head), status))
}

/// A SOCKS5 server's choice of method: `00` none, `02` user/password, `FF` none acceptable.
pub fn parse_socks_method(answer: &[u8]) -> Option<u8> {
    match answer {
        [0x05, method, ..] => Some(*method),
        _ => None,
    }
}

/// RFC 1928 reply codes, in words, in `lang`.
pub fn socks_reply_text(lang: Lang, code: u8) -> String {
    t!(lang, "doctor-socks-reply", code = code)
}

/// Reads exactly `n` bytes, or fewer when the peer closes.
async fn read_n(stream: &mut TcpStream, n: usize) -> Result<Vec<u8>, NetError> {
    let mut buf = vec![0u8; n];
    let mut got = 0;
    while got < n {
        let read = stream
            .read(&mut buf[got..])
            .await
            .map_err(|e| NetError::from_io(&e))?;
        if read == 0 {
            break;
        }
        got += read;
    }
    buf.truncate(got);
    Ok(buf)
}

/// The SOCKS5 greeting only (detection): offers "no auth" and "user/password"; returns the method.
pub async fn socks5_greeting(
    stream: &mut TcpStream,
    timeout: Duration,
) -> Result<Option<u8>, NetError> {
    let exchange = async {
        stream
            .write_all(&[0x05, 0x02, 0x00, 0x02])
            .await
            .map_err(|e| NetError::from_io(&e))?;
        read_n(stream, 2).await
    };
    let answer = tokio::time::timeout(timeout, exchange)
        .await
        .map_err(|_| NetError::TimedOut)??;
    Ok(parse_socks_method(&answer))
}

/// Where a SOCKS5 tunnel goes: a name the proxy resolves (`socks5h`) or an address resolved here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SocksTarget {
    Name(String, u16),
    Addr(SocketAddr),
}

/// The CONNECT request bytes for a target.
pub fn socks5_request(target: &SocksTarget) -> Vec<u8> {
    let mut req = vec![0x05, 0x01, 0x00];
    let port = match target {
        SocksTarget::Addr(SocketAddr::V4(a)) => {
            req.push(0x01);
            req.extend_from_slice(&a.ip().octets());
            a.port()
        }
        SocksTarget::Addr(SocketAddr::V6(a)) => {
            req.push(0x04);
            req.extend_from_slice(&a.ip().octets());
            a.port()
        }
        SocksTarget::Name(host, port) => {
            let name = &host.as_bytes()[..host.len().min(255)];
            req.push(0x03);
            req.push(name.len() as u8);
            req.extend_from_slice(name);
            *port
        }
    };
    req.extend_from_slice(&port.to_be_bytes());
    req
}

/// A full SOCKS5 tunnel request (greeting, optional user/password, CONNECT), within `timeout`.
pub async fn socks5_tunnel(
    stream: &mut TcpStream,
    target: &SocksTarget,
    credentials: Option<(&str, &str)>,
    timeout: Duration,
) -> Result<TunnelAnswer, NetError> {
    let exchange = async {
        let greeting: &[u8] = if credentials.is_some() {
            &[0x05, 0x02, 0x00, 0x02]
        } else {
            &[0x05, 0x01, 0x00]
        };
        let io = |e: std::io::Error| NetError::from_io(&e);
        stream.write_all(greeting).await.map_err(io)?;
        let method = parse_socks_method(&read_n(stream, 2).await?);
        match (method, credentials) {
            (Some(0x00), _) => {}
            (Some(0x02), Some((user, pass))) => {
                let mut auth = vec![0x01, user.len().min(255) as u8];
                auth.extend_from_slice(&user.as_bytes()[..user.len().min(255)]);
                auth.push(pass.len().min(255) as u8);
                auth.extend_from_slice(&pass.as_bytes()[..pass.len().min(255)]);
                stream.write_all(&auth).await.map_err(io)?;
                let status = read_n(stream, 2).await?;
                if status.get(1) != Some(&0x00) {
                    return Ok(TunnelAnswer::Refused(TunnelProblem::SocksAuthRejected));
                }
            }
            (Some(0x02 | 0xFF), _) => {
                return Ok(TunnelAnswer::Refused(TunnelProblem::SocksWantsAuth))
            }
            (Some(other), _) => {
                return Ok(TunnelAnswer::NotAProxy(TunnelProblem::SocksUnknownMethod(
                    other,
                )))
            }
            (None, _) => return Ok(TunnelAnswer::NotAProxy(TunnelProblem::SocksNoGreeting)),
        }
        stream
            .write_all(&socks5_request(target))
            .await
            .map_err(io)?;
        let reply = read_n(stream, 4).await?;
        Ok(match reply.as_slice() {
            [0x05, 0x00, ..] => TunnelAnswer::Open,
            [0x05, code, ..] => TunnelAnswer::Refused(TunnelProblem::SocksReply(*code)),
            _ => TunnelAnswer::NotAProxy(TunnelProblem::SocksClosed),
        })
    };
    tokio::time::timeout(timeout, exchange)
        .await
        .map_err(|_| NetError::TimedOut)?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_lines_and_connect_answers() {
        assert_eq!(
            parse_status_line(b"HTTP/1.1 200 Connection established\r\n\r\n"),
            Some((200, "HTTP/1.1 200 Connection established".into()))
        );
        assert_eq!(
            parse_status_line(b"HTTP/1.0 502 Bad Gateway\r\n").map(|s| s.0),
            Some(502)
        );
        assert_eq!(parse_status_line(b"SSH-2.0-OpenSSH\r\n"), None);
        assert_eq!(parse_status_line(b"\x05\x00"), None);
        assert_eq!(parse_status_line(b""), None);
        assert_eq!(
            connect_answer(b"HTTP/1.1 200 OK\r\n\r\n"),
            TunnelAnswer::Open
        );
        assert_eq!(
            connect_answer(b"HTTP/1.1 407 Proxy Authentication Required\r\n\r\n"),
            TunnelAnswer::Refused(TunnelProblem::AuthRequired)
        );
        assert_eq!(
            TunnelProblem::AuthRequired.text(Lang::En),
            "407 proxy authentication required"
        );
        let forbidden = connect_answer(b"HTTP/1.1 403 Forbidden\r\n\r\n");
        let TunnelAnswer::Refused(problem) = forbidden else {
            panic!("{forbidden:?}")
        };
        assert_eq!(
            problem.text(Lang::En),
            "CONNECT answered HTTP/1.1 403 Forbidden"
        );
        assert!(
            problem.text(Lang::ZhCn).contains("HTTP/1.1 403 Forbidden"),
            "{}",
            problem.text(Lang::ZhCn)
        );
        assert_eq!(
            connect_answer(b""),
            TunnelAnswer::NotAProxy(TunnelProblem::NotHttp(String::new()))
        );
        let ssh = connect_answer(b"SSH-2.0-OpenSSH\r\n");
        let TunnelAnswer::NotAProxy(problem) = ssh else {
            panic!("{ssh:?}")
        };
        assert_eq!(
            problem.text(Lang::En),
            "not an HTTP answer: \"SSH-2.0-OpenSSH..\""
        );
        assert_eq!(
            TunnelProblem::NotHttp(String::new()).text(Lang::En),
            "not an HTTP answer: (connection closed without an answer)"
        );
    }

    #[test]
    fn tunnel_problems_are_worded_in_both_languages() {
        let all = [
            TunnelProblem::AuthRequired,
            TunnelProblem::Status("HTTP/1.1 502 Bad Gateway".into()),
            TunnelProblem::NotHttp(String::new()),
            TunnelProblem::SocksAuthRejected,
            TunnelProblem::SocksWantsAuth,
            TunnelProblem::SocksUnknownMethod(0x80),
            TunnelProblem::SocksNoGreeting,
            TunnelProblem::SocksReply(2),
            TunnelProblem::SocksClosed,
        ];
        for p in &all {
            let (en, zh) = (p.text(Lang::En), p.text(Lang::ZhCn));
            assert!(!en.is_empty() && en != zh, "{p:?}: {en} / {zh}");
            assert!(!zh.starts_with("doctor-"), "{p:?}: {zh}");
        }
        assert_eq!(
            TunnelProblem::SocksUnknownMethod(0x80).text(Lang::En),
            "SOCKS5 proxy chose an unknown method 0x80"
        );
        assert_eq!(
            TunnelProblem::SocksReply(2).text(Lang::En),
            "SOCKS5 proxy answered: connection not allowed by ruleset"
        );
        assert!(
            TunnelProblem::SocksWantsAuth
                .text(Lang::ZhCn)
                .contains("socks5://user:password@host:port"),
            "{}",
            TunnelProblem::SocksWantsAuth.text(Lang::ZhCn)
        );
    }

    #[test]
    fn socks_bytes() {
        assert_eq!(parse_socks_method(&[0x05, 0x00]), Some(0));
        assert_eq!(parse_socks_method(&[0x05, 0xFF]), Some(0xFF));
        assert_eq!(parse_socks_method(b"HT"), None);
        assert_eq!(parse_socks_method(&[0x05]), None);
        assert_eq!(
            socks5_request(&SocksTarget::Name("api.x".into(), 443)),
            vec![5, 1, 0, 3, 5, b'a', b'p', b'i', b'.', b'x', 1, 187]
        );
        let addr: SocketAddr = "127.0.0.2:8443".parse().expect("addr");
        assert_eq!(
            socks5_request(&SocksTarget::Addr(addr)),
            vec![5, 1, 0, 1, 127, 0, 0, 2, 0x20, 0xFB]
        );
        assert_eq!(socks_reply_text(Lang::En, 5), "connection refused");
        assert_eq!(
            socks_reply_text(Lang::En, 0x08),
            "address type not supported"
        );
        assert_eq!(socks_reply_text(Lang::En, 0x42), "unknown error");
        assert_eq!(socks_reply_text(Lang::ZhCn, 5), "连接被拒绝");
        assert_eq!(socks_reply_text(Lang::ZhCn, 0x42), "未知错误");
    }
}
