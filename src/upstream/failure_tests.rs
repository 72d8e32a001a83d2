//! Classification and wording of upstream failures.

use super::*;

fn failure(kind: FailureKind) -> UpstreamFailure {
    UpstreamFailure {
        kind,
        provider: "deepseek".into(),
        url: "https://api.deepseek.com/v1/chat/completions".into(),
        proxy: Some("http://127.0.0.1:7890".into()),
        key_env: "DS_API_KEY".into(),
    }
}

#[test]
fn refused_proxy_names_the_proxy_and_the_fix() {
    let f = failure(FailureKind::ConnectRefused { by_proxy: true });
    assert_eq!(f.code(), "ECONNREFUSED");
    let m = f.message();
    assert!(m.contains("127.0.0.1:7890") && m.contains("proxy"), "{m}");
    assert_eq!(
        f.codex_reply(),
        CodexReply::Status {
            status: 502,
            code: "ECONNREFUSED".into()
        }
    );
}

#[test]
fn refused_upstream_hint_depends_on_local_or_remote_host() {
    let mut f = failure(FailureKind::ConnectRefused { by_proxy: false });
    f.proxy = None;
    let remote = f.message();
    assert!(
        remote.contains("api.deepseek.com") && remote.contains("HTTPS_PROXY"),
        "{remote}"
    );
    assert!(!remote.contains("Ollama"), "{remote}");
    for url in [
        "http://127.0.0.1:11434/v1/chat/completions",
        "http://localhost:8000/v1",
        "http://[::1]:1234/v1",
    ] {
        f.url = url.into();
        let local = f.message();
        assert!(
            local.contains("Ollama") && local.contains("nothing is listening"),
            "{url}: {local}"
        );
    }
    assert!(
        is_local_host("127.0.0.1:8080")
            && is_local_host("[::1]")
            && !is_local_host("api.deepseek.com:443")
    );
}

#[test]
fn auth_failure_names_the_key_variable() {
    let f = failure(FailureKind::Http {
        status: 401,
        body: r#"{"error":{"message":"Authentication Fails"}}"#.into(),
        retry_after: None,
    });
    let m = f.message();
    assert!(
        m.contains("DS_API_KEY") && m.contains("deepseek") && m.contains("Authentication Fails"),
        "{m}"
    );
}

#[test]
fn forbidden_and_server_errors_say_what_to_do() {
    let http = |status, body: &str| {
        failure(FailureKind::Http {
            status,
            body: body.into(),
            retry_after: None,
        })
        .message()
    };
    let m = http(403, r#"{"error":{"message":"unsupported region"}}"#);
    assert!(
        m.contains("HTTP 403") && m.contains("unsupported region") && m.contains("DS_API_KEY"),
        "{m}"
    );
    assert!(!m.contains("rejected the API key"), "{m}");
    let m = http(503, "Service Unavailable");
    assert!(
        m.contains("HTTP 503") && m.contains("not mimo2codex"),
        "{m}"
    );
    let m = http(404, "Not Found");
    assert!(m.contains("base URL"), "{m}");
}

#[test]
fn statuses_map_to_codex_codes() {
    let http = |status, body: &str| {
        failure(FailureKind::Http {
            status,
            body: body.into(),
            retry_after: Some(7),
        })
        .codex_reply()
    };
    assert_eq!(
        http(400, "This model's maximum context length is 65536 tokens"),
        CodexReply::Failed {
            code: "context_length_exceeded".into()
        }
    );
    assert_eq!(
        http(429, "slow down"),
        CodexReply::Failed {
            code: "rate_limit_exceeded".into()
        }
    );
    assert_eq!(
        http(402, "Insufficient Balance"),
        CodexReply::Failed {
            code: "insufficient_quota".into()
        }
    );
    assert!(matches!(
        http(400, "bad field"),
        CodexReply::Status { status: 400, .. }
    ));
    assert!(matches!(
        http(503, "down"),
        CodexReply::Status { status: 502, .. }
    ));
    let m = failure(FailureKind::Http {
        status: 429,
        body: "slow".into(),
        retry_after: Some(7),
    })
    .message();
    assert!(m.contains("try again in 7s"), "{m}");
}

#[test]
fn tls_details_get_node_style_codes() {
    assert_eq!(
        tls_code("invalid peer certificate: UnknownIssuer"),
        "UNABLE_TO_GET_ISSUER_CERT"
    );
    assert_eq!(tls_code("certificate has expired"), "CERT_HAS_EXPIRED");
    assert_eq!(
        tls_code("self-signed certificate in chain"),
        "SELF_SIGNED_CERT_IN_CHAIN"
    );
}

#[test]
fn real_rustls_texts_from_reqwest_map_to_codes() {
    // Captured from reqwest 0.13 + rustls-platform-verifier (tests/network_routes.rs).
    let unknown = "error sending request for url (https://127.0.0.2:40355/v1/chat/completions): client error (Connect): invalid peer certificate: UnknownIssuer";
    let wrong_host = "invalid peer certificate: certificate not valid for name \"127.0.0.2\"; certificate is only valid for DnsName(\"upstream.example\")";
    let expired = "invalid peer certificate: certificate expired: verification time 1795311745 (UNIX), but certificate is not valid after 1609459200 (185852545 seconds ago)";
    let not_yet = "invalid peer certificate: certificate not valid yet: verification time 1 (UNIX), but certificate is not valid before 2 (1 seconds in future)";
    assert_eq!(tls_code(unknown), "UNABLE_TO_GET_ISSUER_CERT");
    assert_eq!(tls_code(wrong_host), "ERR_TLS_CERT_ALTNAME_INVALID");
    assert_eq!(tls_code(expired), "CERT_HAS_EXPIRED");
    assert_eq!(tls_code(not_yet), "CERT_HAS_EXPIRED");
    let m = failure(FailureKind::Tls {
        detail: unknown.into(),
    })
    .message();
    assert!(
        m.contains("--ca-file") && m.contains("never disables"),
        "{m}"
    );
    let m = failure(FailureKind::Tls {
        detail: expired.into(),
    })
    .message();
    assert!(m.contains("date and time"), "{m}");
}

#[test]
fn proxy_hop_texts_are_classified() {
    let auth =
        "error sending request: client error (Connect): tunnel error: proxy authorization required";
    assert!(matches!(
        classify_proxy_text(auth, false),
        Some(FailureKind::TunnelRefused { detail }) if detail.contains("407")
    ));
    assert!(matches!(
        classify_proxy_text("client error (Connect): tunnel error: unsuccessful", false),
        Some(FailureKind::TunnelRefused { .. })
    ));
    // The proxy not answering is left to the io rules (ECONNREFUSED naming the proxy).
    assert_eq!(
        classify_proxy_text(
            "client error (Connect): tunnel error: failed to create underlying connection: Connection refused (os error 111)",
            false
        ),
        None
    );
    let socks_down = "client error (Connect): error connecting to socks proxy: SOCKS error: failed to create underlying connection";
    assert_eq!(
        classify_proxy_text(socks_down, false),
        Some(FailureKind::ConnectRefused { by_proxy: true })
    );
    assert!(matches!(
        classify_proxy_text(socks_down, true),
        Some(FailureKind::TimedOut { .. })
    ));
    assert!(matches!(
        classify_proxy_text("SOCKS error: credentials not accepted", false),
        Some(FailureKind::TunnelRefused { detail }) if detail.contains("user name / password")
    ));
    assert!(matches!(
        classify_proxy_text("SOCKS error: host unreachable", false),
        Some(FailureKind::TunnelRefused { detail }) if detail.contains("host unreachable")
    ));
    assert_eq!(classify_proxy_text("connection refused", false), None);
}

#[test]
fn every_kind_reads_in_chinese_with_the_same_code_and_reply() {
    let kinds = [
        FailureKind::ConnectRefused { by_proxy: true },
        FailureKind::ConnectRefused { by_proxy: false },
        FailureKind::NotFound,
        FailureKind::TimedOut {
            phase: "connecting",
        },
        FailureKind::TimedOut {
            phase: "waiting for response headers",
        },
        FailureKind::ConnReset,
        FailureKind::TunnelRefused {
            detail: TUNNEL_407.into(),
        },
        FailureKind::TunnelRefused {
            detail: format!("{SOCKS_ANSWER}host unreachable"),
        },
        FailureKind::Tls {
            detail: "invalid peer certificate: UnknownIssuer".into(),
        },
        FailureKind::Tls {
            detail: "certificate expired".into(),
        },
        FailureKind::Http {
            status: 401,
            body: r#"{"error":{"message":"Authentication Fails"}}"#.into(),
            retry_after: None,
        },
        FailureKind::Http {
            status: 403,
            body: String::new(),
            retry_after: None,
        },
        FailureKind::Http {
            status: 404,
            body: "Not Found".into(),
            retry_after: None,
        },
        FailureKind::Http {
            status: 429,
            body: "slow down".into(),
            retry_after: None,
        },
        FailureKind::Http {
            status: 503,
            body: "Service Unavailable".into(),
            retry_after: None,
        },
        FailureKind::Http {
            status: 418,
            body: "teapot".into(),
            retry_after: None,
        },
        FailureKind::Other {
            detail: "protocol error".into(),
        },
    ];
    for kind in kinds {
        let f = failure(kind);
        let en = f.message();
        let zh = f.message_in(Lang::ZhCn);
        assert_eq!(en, f.message_in(Lang::En));
        assert_ne!(en, zh, "{zh}");
        // Chinese text, the same facts: the code and the provider or proxy it names.
        assert!(
            zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{zh}"
        );
        let code = f.code();
        let named = if code.starts_with("HTTP_") {
            code.trim_start_matches("HTTP_").to_string()
        } else {
            code.clone()
        };
        // Whatever code the English names, the Chinese names too.
        assert!(!en.contains(&named) || zh.contains(&named), "{code}: {zh}");
        assert!(
            zh.contains("deepseek") || zh.contains("127.0.0.1:7890"),
            "{zh}"
        );
        // The problem comes first, the advice after it, in both languages.
        assert!(zh.starts_with(&f.problem_in(Lang::ZhCn)), "{zh}");
        assert!(zh.ends_with(&f.fix_in(Lang::ZhCn)), "{zh}");
    }
    let http = |status, body: &str| {
        failure(FailureKind::Http {
            status,
            body: body.into(),
            retry_after: None,
        })
        .message_in(Lang::ZhCn)
    };
    assert!(http(401, "x").contains("DS_API_KEY"));
    assert!(
        http(500, "").contains("（响应体为空）"),
        "{}",
        http(500, "")
    );
}

#[test]
fn chinese_rate_limit_keeps_the_phrase_codex_reads_the_delay_from() {
    let f = failure(FailureKind::Http {
        status: 429,
        body: "slow".into(),
        retry_after: Some(7),
    });
    let zh = f.message_in(Lang::ZhCn);
    assert!(
        zh.contains("try again in 7s") && zh.contains("7 秒"),
        "{zh}"
    );
    assert_eq!(
        f.codex_reply(),
        CodexReply::Failed {
            code: "rate_limit_exceeded".into()
        }
    );
}

#[test]
fn every_phase_a_timeout_names_is_translated() {
    for phase in [
        "connecting",
        "connecting to the proxy",
        "waiting for data",
        "waiting for response headers",
        "resolving the name",
        "waiting for the proxy",
    ] {
        let zh = phase_text(Lang::ZhCn, phase);
        assert!(!zh.is_ascii(), "phase '{phase}' has no Chinese text: {zh}");
        assert_eq!(phase_text(Lang::En, phase), phase);
    }
}
