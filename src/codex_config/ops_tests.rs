use super::*;
use crate::codex_config::backup::list_backups;
use crate::provider::ModelInfo;

const USER: &str = "# mine\nmodel = \"gpt-5.5\" # usual\n\n[mcp_servers.x]\ncommand = \"npx\"\n\n[projects.\"/some/path\"]\ntrust_level = \"trusted\"\n";

fn setup() -> (tempfile::TempDir, CodexPaths) {
    let dir = tempfile::tempdir().expect("dir");
    let paths = CodexPaths::new(dir.path().join("codex"), dir.path().join("data"));
    (dir, paths)
}

fn opts(port: u16) -> EnableOptions {
    EnableOptions {
        model: "deepseek-v4-pro".into(),
        base_url: format!("http://127.0.0.1:{port}/v1"),
        catalog: vec![CatalogModel {
            slug: "deepseek-v4-pro".into(),
            provider: "deepseek".into(),
            info: ModelInfo {
                id: "deepseek-v4-pro".into(),
                ..ModelInfo::default()
            },
        }],
    }
}

fn write_user(paths: &CodexPaths, text: &str) {
    std::fs::create_dir_all(&paths.codex_home).expect("mkdir");
    std::fs::write(paths.config_path(), text).expect("write");
}

fn read(paths: &CodexPaths) -> String {
    std::fs::read_to_string(paths.config_path()).expect("read config")
}

#[test]
fn enable_twice_then_disable_is_byte_identical() {
    let (_d, paths) = setup();
    write_user(&paths, USER);
    let first = enable(&paths, &opts(8788)).expect("enable");
    assert!(first.changed && first.backup.is_some());
    assert!(paths.catalog_path().exists());
    let after_first = read(&paths);
    let second = enable(&paths, &opts(8788)).expect("enable again");
    assert!(!second.changed && second.backup.is_none() && !second.catalog_changed);
    assert_eq!(read(&paths), after_first);
    assert_eq!(list_backups(&paths.data_dir).len(), 1, "no second backup");
    // A port change rewrites base_url only, still no backup, and disable still restores exactly.
    let third = enable(&paths, &opts(9000)).expect("port change");
    assert!(third.changed && third.backup.is_none());
    assert_eq!(
        read(&paths),
        after_first.replace("127.0.0.1:8788", "127.0.0.1:9000")
    );
    let report = disable(&paths).expect("disable");
    assert!(
        matches!(report.outcome, DisableOutcome::RestoredBackup(_)),
        "{report:?}"
    );
    assert_eq!(read(&paths), USER);
    let again = disable(&paths).expect("disable twice");
    assert_eq!(again.outcome, DisableOutcome::NotEnabled);
    assert_eq!(read(&paths), USER);
}

#[test]
fn token_is_kept_across_enables() {
    let (_d, paths) = setup();
    write_user(&paths, USER);
    enable(&paths, &opts(1)).expect("enable");
    let doc = edit::parse(&paths.config_path(), &read(&paths)).expect("parse");
    let token = edit::provider_str(&doc, "experimental_bearer_token")
        .expect("token")
        .to_string();
    assert!(token.starts_with("m2c-") && token.len() > 20);
    disable(&paths).expect("disable");
    enable(&paths, &opts(1)).expect("enable again");
    let doc = edit::parse(&paths.config_path(), &read(&paths)).expect("parse");
    assert_eq!(
        edit::provider_str(&doc, "experimental_bearer_token"),
        Some(token.as_str())
    );
}

#[test]
fn later_user_edits_survive_disable() {
    let (_d, paths) = setup();
    write_user(&paths, USER);
    enable(&paths, &opts(8788)).expect("enable");
    let edited = read(&paths) + "\n[projects.\"/new\"]\ntrust_level = \"trusted\"\n";
    std::fs::write(paths.config_path(), &edited).expect("user edit");
    let report = disable(&paths).expect("disable");
    assert_eq!(report.outcome, DisableOutcome::Edited);
    assert_eq!(
        read(&paths),
        format!("{USER}\n[projects.\"/new\"]\ntrust_level = \"trusted\"\n")
    );
}

#[test]
fn missing_home_is_created_and_removed_again() {
    let (_d, paths) = setup();
    let report = enable(&paths, &opts(8788)).expect("enable");
    assert!(report.created && report.backup.is_none());
    assert!(read(&paths).contains("model_provider = \"mimo2codex\""));
    let report = disable(&paths).expect("disable");
    assert_eq!(report.outcome, DisableOutcome::RemovedCreatedFile);
    assert!(!paths.config_path().exists());
}

#[test]
fn malformed_and_read_only_configs_are_left_alone() {
    let (_d, paths) = setup();
    let bad = "model = \"x\"\n[broken\n";
    write_user(&paths, bad);
    let err = enable(&paths, &opts(1)).expect_err("invalid");
    assert!(
        matches!(err, CodexConfigError::InvalidToml { line: 2, .. }),
        "{err}"
    );
    assert_eq!(read(&paths), bad);
    assert!(list_backups(&paths.data_dir).is_empty());
    assert!(!paths.state_path().exists());

    write_user(&paths, USER);
    let mut perms = std::fs::metadata(paths.config_path())
        .expect("meta")
        .permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(paths.config_path(), perms).expect("chmod");
    let err = enable(&paths, &opts(1)).expect_err("read-only");
    assert!(matches!(err, CodexConfigError::ReadOnly { .. }), "{err}");
    assert_eq!(read(&paths), USER);
}

#[test]
fn a_hand_pointed_config_is_adopted_without_backup() {
    let (_d, paths) = setup();
    let hand = "model_provider = \"mimo2codex\"\nmodel = \"deepseek-v4-pro\"\n\n[model_providers.mimo2codex]\nname = \"mimo2codex\"\nbase_url = \"http://127.0.0.1:8788/v1\"\nwire_api = \"responses\"\nexperimental_bearer_token = \"mimo2codex\"\n";
    write_user(&paths, hand);
    let report = enable(&paths, &opts(8788)).expect("enable");
    assert!(report.changed, "the catalog key is added");
    assert!(
        report.backup.is_none(),
        "never back up a file pointing at us"
    );
    assert!(read(&paths).contains("experimental_bearer_token = \"mimo2codex\""));
    let report = disable(&paths).expect("disable");
    assert_eq!(report.outcome, DisableOutcome::Edited);
    assert_eq!(read(&paths), "");
}
