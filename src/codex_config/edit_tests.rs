use super::*;

const P: &str = "/home/u/.codex/config.toml";

fn path() -> &'static Path {
    Path::new(P)
}

fn desired(port: u16) -> Desired {
    Desired {
        model: "deepseek-v4-pro".into(),
        base_url: format!("http://127.0.0.1:{port}/v1"),
        catalog_path: "/home/u/.mimo2codex/codex-model-catalog.json".into(),
        token: "m2c-test-token".into(),
    }
}

/// A config a real user might have: comments everywhere, odd spacing, literal strings.
const USER: &str = r#"# My Codex settings — keep my comments!
model = 'gpt-5.5'   # the one I normally use
approval_policy = "on-request"

# sandbox
sandbox_mode    =   "workspace-write"

[mcp_servers.x]
command = "npx"   # runs the server
args = ["-y", "@x/server"]

[profiles.y]
model = "o3"
# a comment inside a profile

[projects."/some/path"]
trust_level = "trusted"

# trailing comment at the end
"#;

fn enable(text: &str, d: &Desired) -> (String, Previous) {
    let mut doc = parse(path(), text).expect("parses");
    let previous = record_previous(&doc);
    apply_enable(&mut doc, d, path()).expect("enable");
    (doc.to_string(), previous)
}

fn disable(text: &str, previous: &Previous) -> String {
    let mut doc = parse(path(), text).expect("parses");
    apply_disable(&mut doc, previous, path()).expect("disable");
    doc.to_string()
}

#[test]
fn enable_changes_only_our_keys_byte_for_byte() {
    let (out, _) = enable(USER, &desired(8788));
    let expected = r#"# My Codex settings — keep my comments!
model = "deepseek-v4-pro"   # the one I normally use
approval_policy = "on-request"

# sandbox
sandbox_mode    =   "workspace-write"
model_provider = "mimo2codex"
model_catalog_json = "/home/u/.mimo2codex/codex-model-catalog.json"

[mcp_servers.x]
command = "npx"   # runs the server
args = ["-y", "@x/server"]

[profiles.y]
model = "o3"
# a comment inside a profile

[projects."/some/path"]
trust_level = "trusted"

# Added by `mimo2codex codex enable`; `mimo2codex codex disable` puts your previous settings back.
[model_providers.mimo2codex]
name = "mimo2codex"
base_url = "http://127.0.0.1:8788/v1"
wire_api = "responses"
experimental_bearer_token = "m2c-test-token"

# trailing comment at the end
"#;
    assert_eq!(out, expected);
}

#[test]
fn untouched_document_round_trips() {
    let doc = parse(path(), USER).expect("parses");
    assert_eq!(doc.to_string(), USER);
}

#[test]
fn enable_is_idempotent() {
    let (once, _) = enable(USER, &desired(8788));
    let (twice, _) = enable(&once, &desired(8788));
    assert_eq!(once, twice);
}

#[test]
fn port_change_rewrites_base_url_only() {
    let (a, _) = enable(USER, &desired(8788));
    let (b, _) = enable(&a, &desired(9911));
    let changed: Vec<(&str, &str)> = a.lines().zip(b.lines()).filter(|(x, y)| x != y).collect();
    assert_eq!(a.lines().count(), b.lines().count());
    assert_eq!(
        changed,
        vec![(
            "base_url = \"http://127.0.0.1:8788/v1\"",
            "base_url = \"http://127.0.0.1:9911/v1\""
        )]
    );
}

#[test]
fn disable_restores_byte_identical() {
    for original in [
        USER,
        "",
        "\n",
        "# only a comment\n",
        "model = \"gpt-5\"\n",
        "[features]\nplugins = false\n",
        // Existing providers table; our table goes in and out next to it.
        "model_provider = \"openai\"\n\n[model_providers.other]\nname = \"Other\"\nbase_url = \"http://x/v1\"\n",
        // A hand-written mimo2codex table with an env_key (print-config users): restored as it was.
        "model_provider = \"openai\"\n\n[model_providers.mimo2codex]\nname = \"mine\" # hand made\nbase_url = \"http://127.0.0.1:1/v1\"\nenv_key = \"MY_KEY\"\nrequest_max_retries = 0\n",
        // Our catalog key already set to something else.
        "model_catalog_json = '/elsewhere/models.json'\n",
    ] {
        let (enabled, previous) = enable(original, &desired(8788));
        let mut doc = parse(path(), &enabled).expect("enabled parses");
        assert!(points_at_us(&doc), "{original:?}");
        assert_eq!(
            provider_str(&doc, "experimental_bearer_token"),
            Some("m2c-test-token")
        );
        assert!(provider_str(&doc, "env_key").is_none());
        apply_disable(&mut doc, &previous, path()).expect("disable");
        assert_eq!(doc.to_string(), original, "restore of {original:?}");
    }
}

#[test]
fn disable_keeps_later_user_edits() {
    let (enabled, previous) = enable(USER, &desired(8788));
    let edited = enabled.replace(
        "trust_level = \"trusted\"\n",
        "trust_level = \"trusted\"\n\n[projects.\"/new\"]\ntrust_level = \"trusted\"\n",
    );
    let restored = disable(&edited, &previous);
    let expected = USER.replace(
        "trust_level = \"trusted\"\n",
        "trust_level = \"trusted\"\n\n[projects.\"/new\"]\ntrust_level = \"trusted\"\n",
    );
    assert_eq!(restored, expected);
}

#[test]
fn malformed_toml_names_line_and_column() {
    let text = "model = \"gpt-5\"\n[mcp_servers.x\ncommand = 1\n";
    let err = parse(path(), text).expect_err("invalid");
    match &err {
        CodexConfigError::InvalidToml { line, column, .. } => {
            assert_eq!(*line, 2, "{err}");
            assert!(*column > 1, "{err}");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.to_string().contains("line 2"), "{err}");
    assert!(err.to_string().contains(P), "{err}");
}

#[test]
fn windows_paths_are_valid_toml_strings() {
    for catalog in [
        r"C:\Users\Łukasz\.mimo2codex\codex-model-catalog.json",
        r"C:\Users\O'Brien\AppData\Roaming\mimo2codex\codex-model-catalog.json",
        r#"D:\odd "quoted"\dir\codex-model-catalog.json"#,
    ] {
        let d = Desired {
            catalog_path: catalog.into(),
            ..desired(8788)
        };
        let (text, _) = enable("", &d);
        let reparsed = parse(path(), &text).expect("still valid TOML");
        assert_eq!(
            reparsed["model_catalog_json"].as_str(),
            Some(catalog),
            "{text}"
        );
    }
}

#[test]
fn inline_providers_table_is_refused_not_mangled() {
    let text = "model_providers = { other = { name = \"x\" } }\n";
    let mut doc = parse(path(), text).expect("parses");
    let err = apply_enable(&mut doc, &desired(1), path()).expect_err("unsupported");
    assert!(matches!(err, CodexConfigError::Unsupported { .. }), "{err}");
}

#[test]
fn previous_values_keep_their_quoting() {
    let doc = parse(path(), USER).expect("parses");
    let previous = record_previous(&doc);
    assert_eq!(
        previous.root.get("model"),
        Some(&Some("'gpt-5.5'".to_string()))
    );
    assert_eq!(previous.root.get("model_provider"), Some(&None));
    assert!(!previous.provider_table_existed);
}

#[test]
fn active_profile_overriding_our_keys_is_reported() {
    let text = "profile = \"y\"\n\n[profiles.y]\nmodel_provider = \"openai\"\n";
    let doc = parse(path(), text).expect("parses");
    let warning = profile_overrides(&doc).expect("warning");
    assert!(warning.contains("`model_provider`"), "{warning}");
    let doc = parse(path(), USER).expect("parses");
    assert!(profile_overrides(&doc).is_none());
}
