//! `init` and `print-config`: first-run helpers that never overwrite user files.

use std::io::Write;
use std::path::Path;

use super::{error, label_width, load_inputs_or_exit, pad, CommonArgs, EXIT_RUNTIME};
use crate::i18n::Lang;
use crate::provider::env_file::env_template;
use crate::t;

/// Creates the data dir and a commented `.env` (mode 0600) unless one exists.
pub fn init(data_dir: &Path, lang: Lang) -> i32 {
    let path = |p: &Path| p.display().to_string();
    if let Err(err) = std::fs::create_dir_all(data_dir) {
        let message = t!(
            lang,
            "cli-error-create",
            path = path(data_dir),
            detail = err.to_string()
        );
        error(lang, &message);
        return EXIT_RUNTIME;
    }
    let labels = [
        t!(lang, "cli-label-kept"),
        t!(lang, "cli-label-created"),
        t!(lang, "cli-label-data-dir"),
    ];
    let width = label_width(&labels, 0);
    let [kept, created, data] = labels.map(|l| pad(&l, width));
    let env_path = data_dir.join(".env");
    if env_path.exists() {
        println!(
            "{kept}{}",
            t!(lang, "cli-init-kept", path = path(&env_path))
        );
    } else {
        match write_private(&env_path, env_template()) {
            Ok(()) => println!(
                "{created}{}",
                t!(lang, "cli-init-created", path = path(&env_path))
            ),
            Err(err) => {
                let message = t!(
                    lang,
                    "cli-config-write",
                    path = path(&env_path),
                    detail = err.to_string()
                );
                error(lang, &message);
                return EXIT_RUNTIME;
            }
        }
    }
    println!("{data}{}", data_dir.display());
    println!("{}", t!(lang, "cli-init-next"));
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
pub fn print_config(common: &CommonArgs, data_dir: &Path, lang: Lang) -> i32 {
    let inputs = match load_inputs_or_exit(common, data_dir, lang) {
        Ok(inputs) => inputs,
        Err(code) => return code,
    };
    print!(
        "{}",
        codex_snippet(
            &common.host,
            inputs.effective.port.value,
            &inputs.registry.default_provider().default_model,
            lang
        )
    );
    0
}

/// The snippet itself (pure, tested); its comments are in `lang`.
pub fn codex_snippet(host: &str, port: u16, model: &str, lang: Lang) -> String {
    let host = if host == "0.0.0.0" || host == "::" {
        "127.0.0.1"
    } else {
        host
    };
    let header = t!(lang, "cli-snippet-header");
    let token = t!(lang, "cli-snippet-token");
    format!(
        "# {header}\n\
model_provider = \"mimo2codex\"\n\
model = \"{model}\"\n\
\n\
[model_providers.mimo2codex]\n\
name = \"mimo2codex\"\n\
base_url = \"http://{host}:{port}/v1\"\n\
wire_api = \"responses\"\n\
# {token}\n\
experimental_bearer_token = \"mimo2codex\"\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippet_is_valid_toml_pointing_at_the_port() {
        let text = codex_snippet("127.0.0.1", 9999, "deepseek-v4-pro", Lang::En);
        assert!(text.starts_with("# Add to ~/.codex/config.toml"), "{text}");
        let zh = codex_snippet("127.0.0.1", 9999, "deepseek-v4-pro", Lang::ZhCn);
        assert!(
            zh.contains("base_url = \"http://127.0.0.1:9999/v1\""),
            "{zh}"
        );
        assert!(zh.parse::<toml_edit::DocumentMut>().is_ok(), "{zh}");
        assert_ne!(zh, text);
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
        assert_eq!(init(dir.path(), Lang::En), 0);
        assert_eq!(
            std::fs::read_to_string(dir.path().join(".env")).expect("read"),
            "MIMO_API_KEY=mine\n"
        );
        let fresh = dir.path().join("fresh");
        assert_eq!(init(&fresh, Lang::ZhCn), 0);
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
