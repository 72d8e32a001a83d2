//! The network around the engine: which proxy app runs here ([`detect`]), raw hop probes
//! ([`probe`]), the Codex launcher scripts ([`launcher`]), and the warning given before traffic fails
//! when the chosen proxy's loopback port is not listening.

pub mod detect;
pub mod launcher;
pub mod probe;

use std::net::SocketAddr;
use std::time::Duration;

use crate::upstream::route::{is_loopback_host, mask_proxy_url, proxy_endpoint};
use crate::upstream::ProxyRoute;

/// How long the "is the proxy listening" check may take (loopback answers at once).
pub const LISTEN_CHECK_TIMEOUT: Duration = Duration::from_millis(300);

/// The route's proxy when it is on this machine: `(masked URL, host, port)`.
pub fn loopback_proxy(route: &ProxyRoute) -> Option<(String, String, u16)> {
    let (url, _) = route.proxy()?;
    let (_, host, port) = proxy_endpoint(url)?;
    is_loopback_host(&host).then(|| (mask_proxy_url(url), host, port))
}

fn loopback_addrs(host: &str, port: u16) -> Vec<SocketAddr> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<std::net::IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        // localhost
        Err(_) => vec![
            SocketAddr::from(([127, 0, 0, 1], port)),
            SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, port)),
        ],
    }
}

/// The WARN text for a loopback proxy port that nothing listens on.
pub fn not_listening_warning(route: &ProxyRoute, host: &str, port: u16) -> String {
    format!(
        "{} — nothing is listening on {host}:{port}: upstream requests will fail with ECONNREFUSED until \
         your proxy app runs there. Start it, or pick another route (--proxy direct, another preset, a URL); \
         `mimo2codex doctor` shows which proxy ports answer on this machine",
        route.describe()
    )
}

/// Checks the route's loopback proxy port (blocking, at most [`LISTEN_CHECK_TIMEOUT`] per address).
pub fn route_port_warning_blocking(route: &ProxyRoute) -> Option<String> {
    let (_, host, port) = loopback_proxy(route)?;
    let listening = loopback_addrs(&host, port)
        .iter()
        .any(|addr| std::net::TcpStream::connect_timeout(addr, LISTEN_CHECK_TIMEOUT).is_ok());
    (!listening).then(|| not_listening_warning(route, &host, port))
}

/// As [`route_port_warning_blocking`], without blocking the runtime.
pub async fn route_port_warning(route: &ProxyRoute) -> Option<String> {
    let (_, host, port) = loopback_proxy(route)?;
    let addrs = loopback_addrs(&host, port);
    let listening = probe::connect(&addrs, LISTEN_CHECK_TIMEOUT).await.is_ok();
    (!listening).then(|| not_listening_warning(route, &host, port))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::upstream::{OutboundRoute, RouteContext};

    fn resolved(route: &str) -> ProxyRoute {
        let choice: OutboundRoute = route.parse().expect(route);
        choice.resolve(&RouteContext::default(), || None)
    }

    #[test]
    fn only_loopback_proxies_are_checked() {
        assert_eq!(loopback_proxy(&resolved("direct")), None);
        assert_eq!(loopback_proxy(&resolved("http://proxy.corp:3128")), None);
        assert_eq!(
            loopback_proxy(&resolved("clash")),
            Some(("http://127.0.0.1:7890".into(), "127.0.0.1".into(), 7890))
        );
        assert_eq!(
            loopback_proxy(&resolved("socks5://u:secret@localhost:1080")).map(|l| l.0),
            Some("socks5://u:****@localhost:1080".into())
        );
    }

    #[test]
    fn warns_when_nothing_listens_and_not_when_something_does() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let route = resolved(&format!("http://127.0.0.1:{port}"));
        assert_eq!(route_port_warning_blocking(&route), None);
        drop(listener);
        let warning = route_port_warning_blocking(&route).expect("warning");
        assert!(
            warning.contains(&format!("127.0.0.1:{port}")) && warning.contains("ECONNREFUSED"),
            "{warning}"
        );
        assert_eq!(route_port_warning_blocking(&resolved("direct")), None);
    }
}
