//! `init` and `print-config`: first-run helpers that never overwrite user files.

use std::io::Write;
use std::path::Path;

use super::{load_inputs_or_exit, CommonArgs, EXIT_RUNTIME};
use crate::provider::env_file::env_template;

/// Creates the data dir and a commented `.env` (mode 0600) unless one exists.
pub fn init(data_dir: &Path) -> i32 {
    if let Err(err) = std::fs::create_dir_all(data_dir) {
        eprintln!("error: cannot create {}: {err}", data_dir.display());
        return EXIT_RUNTIME;
    }
    let env_path = data_dir.join(".env");
    if env_path.exists() {
        println!(
            "kept     {} (already exists, not overwritten)",
            env_path.display()
        );
    } else {
        match write_private(&env_path, env_template()) {
            Ok(()) => println!("created  {} — put your API keys there", env_path.display()),
            Err(err) => {
                eprintln!("error: cannot write {}: {err}", env_path.display());
                return EXIT_RUNTIME;
            }
        }
    }
    println!("data dir {}", data_dir.display());
    println!("next: edit the .env, run `mimo2codex`, and add the output of `mimo2codex print-config` to ~/.codex/config.toml");
    0
}

/// Creates a new file readable only by the user (it holds keys).
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

/// Prints the Codex `config.toml` snippet for this engine's host and port.
pub fn print_config(common: &CommonArgs, data_dir: &Path) -> i32 {
    let inputs = match load_inputs_or_exit(common, data_dir) {
        Ok(inputs) => inputs,
        Err(code) => return code,
    };
    print!(
        "{}",
        codex_snippet(
            &common.host,
            inputs.effective.port.value,
            &inputs.registry.default_provider().default_model
        )
    );
    0
}

/// The snippet itself (pure, tested).
pub fn codex_snippet(host: &str, port: u16, model: &str) -> String {
    let host = if host == "0.0.0.0" || host == "::" {
        "127.0.0.1"
    } else {
        host
    };
    format!(
        "# Add to ~/.codex/config.toml (or $CODEX_HOME/config.toml) — points Codex at mimo2codex\n\
model_provider = \"mimo2codex\"\n\
model = \"{model}\"\n\
\n\
[model_providers.mimo2codex]\n\
name = \"mimo2codex\"\n\
base_url = \"http://{host}:{port}/v1\"\n\
wire_api = \"responses\"\n\
# Any value: mimo2codex holds the real provider keys. Works for Codex Desktop started from the Dock/Start menu.\n\
experimental_bearer_token = \"mimo2codex\"\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippet_is_valid_toml_pointing_at_the_port() {
        let text = codex_snippet("127.0.0.1", 9999, "deepseek-v4-pro");
        let parsed: toml_edit::DocumentMut = text.parse().expect("valid toml");
        assert_eq!(parsed["model_provider"].as_str(), Some("mimo2codex"));
        assert_eq!(
            parsed["model_providers"]["mimo2codex"]["base_url"].as_str(),
            Some("http://127.0.0.1:9999/v1")
        );
        assert_eq!(
            parsed["model_providers"]["mimo2codex"]["wire_api"].as_str(),
            Some("responses")
        );
    }

    #[test]
    fn init_never_overwrites() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join(".env"), "MIMO_API_KEY=mine\n").expect("write");
        assert_eq!(init(dir.path()), 0);
        assert_eq!(
            std::fs::read_to_string(dir.path().join(".env")).expect("read"),
            "MIMO_API_KEY=mine\n"
        );
        let fresh = dir.path().join("fresh");
        assert_eq!(init(&fresh), 0);
        let text = std::fs::read_to_string(fresh.join(".env")).expect("template");
        assert!(text.contains("MIMO_API_KEY"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(fresh.join(".env"))
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
