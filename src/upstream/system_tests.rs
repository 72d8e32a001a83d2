//! Parsers of the OS proxy settings, fed with captured outputs.

use super::*;

const SCUTIL_CLASH: &str = "<dictionary> {
  ExceptionsList : <array> {
    0 : 127.0.0.1
    1 : localhost
    2 : *.local
    3 : 192.168.0.0/16
    4 : timestamp.apple.com
  }
  ExcludeSimpleHostnames : 1
  FTPPassive : 1
  HTTPEnable : 1
  HTTPPort : 7890
  HTTPProxy : 127.0.0.1
  HTTPSEnable : 1
  HTTPSPort : 7890
  HTTPSProxy : 127.0.0.1
  SOCKSEnable : 1
  SOCKSPort : 7890
  SOCKSProxy : 127.0.0.1
}
";

const SCUTIL_NONE: &str = "<dictionary> {
  ExceptionsList : <array> {
    0 : *.local
    1 : 169.254/16
  }
  FTPPassive : 1
  HTTPEnable : 0
  HTTPSEnable : 0
  SOCKSEnable : 0
}
";

const SCUTIL_PAC: &str = "<dictionary> {
  ExcludeSimpleHostnames : 1
  FTPPassive : 1
  HTTPEnable : 0
  HTTPSEnable : 0
  ProxyAutoConfigEnable : 1
  ProxyAutoConfigURLString : http://127.0.0.1:6152/proxy.pac
  SOCKSEnable : 0
}
";

const SCUTIL_SOCKS_ONLY: &str = "<dictionary> {
  HTTPEnable : 0
  HTTPSEnable : 0
  SOCKSEnable : 1
  SOCKSPort : 1080
  SOCKSProxy : 127.0.0.1
}
";

#[test]
fn scutil_https_proxy_with_exceptions() {
    let p = parse_scutil(SCUTIL_CLASH);
    assert_eq!(p.source, MACOS);
    assert_eq!(p.proxy.as_deref(), Some("http://127.0.0.1:7890"));
    assert_eq!(
        p.bypass,
        [
            "127.0.0.1",
            "localhost",
            ".local",
            "192.168.0.0/16",
            "timestamp.apple.com"
        ]
    );
    assert_eq!(p.pac, None);
}

#[test]
fn scutil_none_pac_and_socks() {
    assert_eq!(parse_scutil(SCUTIL_NONE).proxy, None);
    let pac = parse_scutil(SCUTIL_PAC);
    assert_eq!(pac.proxy, None);
    assert_eq!(pac.pac.as_deref(), Some("http://127.0.0.1:6152/proxy.pac"));
    assert_eq!(
        parse_scutil(SCUTIL_SOCKS_ONLY).proxy.as_deref(),
        Some("socks5h://127.0.0.1:1080")
    );
}

const REG_CLASH: &str = "
HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings
    DisableCachingOfSSLPages    REG_DWORD    0x0
    IE5_UA_Backup_Flag    REG_SZ    5.0
    PrivacyAdvanced    REG_DWORD    0x1
    SecureProtocols    REG_DWORD    0xa80
    User Agent    REG_SZ    Mozilla/4.0 (compatible; MSIE 8.0; Win32)
    CertificateRevocation    REG_DWORD    0x1
    ZonesSecurityUpgrade    REG_BINARY    FA7A8F58E63ED701
    ProxyEnable    REG_DWORD    0x1
    ProxyServer    REG_SZ    127.0.0.1:7890
    ProxyOverride    REG_SZ    localhost;127.*;10.*;172.16.*;192.168.*;*.lan;<local>
    EnableNegotiate    REG_DWORD    0x1

HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\5.0
HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Connections
";

const REG_PER_PROTOCOL_DISABLED_PAC: &str = "
HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings
    ProxyEnable    REG_DWORD    0x0
    ProxyServer    REG_SZ    http=127.0.0.1:10809;https=127.0.0.1:10809;socks=127.0.0.1:10808
    AutoConfigURL    REG_SZ    http://127.0.0.1:33331/commands/pac
";

#[test]
fn reg_query_proxy_server_and_override() {
    let p = parse_reg_query(REG_CLASH);
    assert_eq!(p.source, WINDOWS);
    assert_eq!(p.proxy.as_deref(), Some("http://127.0.0.1:7890"));
    assert_eq!(
        p.bypass,
        [
            "localhost",
            "127.0.0.0/8",
            "10.0.0.0/8",
            "172.16.0.0/16",
            "192.168.0.0/16",
            ".lan"
        ]
    );
    assert_eq!(p.pac, None);
}

#[test]
fn reg_query_disabled_proxy_with_pac_and_per_protocol_servers() {
    let p = parse_reg_query(REG_PER_PROTOCOL_DISABLED_PAC);
    assert_eq!(p.proxy, None, "ProxyEnable 0x0 means no proxy");
    assert_eq!(
        p.pac.as_deref(),
        Some("http://127.0.0.1:33331/commands/pac")
    );
    let enabled = REG_PER_PROTOCOL_DISABLED_PAC.replace("0x0", "0x1");
    assert_eq!(
        parse_reg_query(&enabled).proxy.as_deref(),
        Some("http://127.0.0.1:10809")
    );
    assert_eq!(
        windows_proxy_server("socks=127.0.0.1:10808").as_deref(),
        Some("socks5h://127.0.0.1:10808")
    );
}

fn gsettings(pairs: &[(&str, &str, &str)]) -> impl Fn(&str, &str) -> Option<String> {
    let map: HashMap<(String, String), String> = pairs
        .iter()
        .map(|(s, k, v)| ((s.to_string(), k.to_string()), format!("{v}\n")))
        .collect();
    move |s, k| map.get(&(s.to_string(), k.to_string())).cloned()
}

#[test]
fn gnome_manual_auto_and_none() {
    let manual = gsettings(&[
        ("org.gnome.system.proxy", "mode", "'manual'"),
        (
            "org.gnome.system.proxy",
            "ignore-hosts",
            "['localhost', '127.0.0.0/8', '::1', '*.corp.example']",
        ),
        ("org.gnome.system.proxy.https", "host", "'127.0.0.1'"),
        ("org.gnome.system.proxy.https", "port", "7897"),
        ("org.gnome.system.proxy.http", "host", "'127.0.0.1'"),
        ("org.gnome.system.proxy.http", "port", "7897"),
        ("org.gnome.system.proxy.socks", "host", "''"),
        ("org.gnome.system.proxy.socks", "port", "0"),
    ]);
    let p = parse_gnome(manual);
    assert_eq!(p.source, GNOME);
    assert_eq!(p.proxy.as_deref(), Some("http://127.0.0.1:7897"));
    assert_eq!(
        p.bypass,
        ["localhost", "127.0.0.0/8", "::1", ".corp.example"]
    );

    let socks_only = gsettings(&[
        ("org.gnome.system.proxy", "mode", "'manual'"),
        ("org.gnome.system.proxy.https", "host", "''"),
        ("org.gnome.system.proxy.https", "port", "0"),
        ("org.gnome.system.proxy.socks", "host", "'127.0.0.1'"),
        ("org.gnome.system.proxy.socks", "port", "10808"),
    ]);
    assert_eq!(
        parse_gnome(socks_only).proxy.as_deref(),
        Some("socks5h://127.0.0.1:10808")
    );

    let auto = gsettings(&[
        ("org.gnome.system.proxy", "mode", "'auto'"),
        (
            "org.gnome.system.proxy",
            "autoconfig-url",
            "'http://wpad.corp/proxy.pac'",
        ),
    ]);
    let p = parse_gnome(auto);
    assert_eq!(p.proxy, None);
    assert_eq!(p.pac.as_deref(), Some("http://wpad.corp/proxy.pac"));

    let none = gsettings(&[("org.gnome.system.proxy", "mode", "'none'")]);
    assert_eq!(parse_gnome(none), SystemProxy::none(GNOME));
}

const KIOSLAVERC: &str = "[$Version]
update_info=kioslave.upd:kde4.2

[Proxy Settings]
AuthMode=0
NoProxyFor=localhost,127.0.0.1,.corp.example
Proxy Config Script=
ProxyType=1
ReversedException=false
ftpProxy=
httpProxy=http://127.0.0.1 7890
httpsProxy=http://127.0.0.1 7890
socksProxy=socks://127.0.0.1 7891
";

#[test]
fn kioslaverc_manual_and_pac() {
    let p = parse_kioslaverc(KIOSLAVERC);
    assert_eq!(p.source, KDE);
    assert_eq!(p.proxy.as_deref(), Some("http://127.0.0.1:7890"));
    assert_eq!(p.bypass, ["localhost", "127.0.0.1", ".corp.example"]);
    let pac = KIOSLAVERC.replace("ProxyType=1", "ProxyType=2").replace(
        "Proxy Config Script=",
        "Proxy Config Script=file:///etc/proxy.pac",
    );
    let p = parse_kioslaverc(&pac);
    assert_eq!(p.proxy, None);
    assert_eq!(p.pac.as_deref(), Some("file:///etc/proxy.pac"));
    let none = KIOSLAVERC.replace("ProxyType=1", "ProxyType=0");
    assert_eq!(parse_kioslaverc(&none).proxy, None);
    let socks = "[Proxy Settings]\nProxyType=1\nsocksProxy=socks://127.0.0.1:1080\n";
    assert_eq!(
        parse_kioslaverc(socks).proxy.as_deref(),
        Some("socks5h://127.0.0.1:1080")
    );
}
