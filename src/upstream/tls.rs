//! Extra trusted CA certificates: the OS trust store always, plus an optional PEM file (a corporate
//! TLS-inspecting proxy's CA, a self-hosted model server's CA). There is no switch that disables
//! verification.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::i18n::Lang;
use crate::t;

/// Environment variables that may name the extra CA file, first set wins (after `--ca-file`).
pub const CA_FILE_VARS: [&str; 3] = [
    "MIMO2CODEX_EXTRA_CA_CERTS",
    "SSL_CERT_FILE",
    "NODE_EXTRA_CA_CERTS",
];

/// Where the extra CA file comes from: `--ca-file` or the first variable of [`CA_FILE_VARS`] that is set.
pub fn ca_file_choice(
    flag: Option<&Path>,
    env: &HashMap<String, String>,
) -> Option<(PathBuf, String)> {
    if let Some(path) = flag.filter(|p| !p.as_os_str().is_empty()) {
        return Some((path.to_path_buf(), "--ca-file".into()));
    }
    CA_FILE_VARS.iter().find_map(|var| {
        env.get(*var)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .map(|v| (PathBuf::from(v), (*var).to_string()))
    })
}

/// An unusable CA file.
#[derive(Debug, thiserror::Error)]
pub enum CaError {
    #[error(
        "cannot read the CA file {path} (from {from}): {source}. Fix the path, or drop {from}"
    )]
    Read {
        path: String,
        from: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the CA file {path} (from {from}) holds no PEM certificate (-----BEGIN CERTIFICATE-----){detail}. Export the CA as PEM (Base-64 encoded X.509)")]
    NoCerts {
        path: String,
        from: String,
        detail: String,
    },
}

/// Loaded extra CA certificates, merged with the OS store by the client.
#[derive(Clone)]
pub struct ExtraCa {
    pub path: PathBuf,
    /// `--ca-file`, `SSL_CERT_FILE`, …
    pub from: String,
    pub certs: Vec<reqwest::Certificate>,
}

impl fmt::Debug for ExtraCa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExtraCa")
            .field("path", &self.path)
            .field("from", &self.from)
            .field("certs", &self.certs.len())
            .finish()
    }
}

impl ExtraCa {
    /// Reads and parses a PEM bundle; a missing file or one without a certificate is an error.
    pub fn load(path: &Path, from: &str) -> Result<ExtraCa, CaError> {
        let shown = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| CaError::Read {
            path: shown.clone(),
            from: from.to_string(),
            source,
        })?;
        let no_certs = |detail: String| CaError::NoCerts {
            path: shown.clone(),
            from: from.to_string(),
            detail,
        };
        if !bytes
            .windows(b"-----BEGIN CERTIFICATE-----".len())
            .any(|w| w == b"-----BEGIN CERTIFICATE-----")
        {
            return Err(no_certs(String::new()));
        }
        let certs = reqwest::Certificate::from_pem_bundle(&bytes)
            .map_err(|e| no_certs(format!(": {}", super::failure::error_chain(&e))))?;
        if certs.is_empty() {
            return Err(no_certs(String::new()));
        }
        Ok(ExtraCa {
            path: path.to_path_buf(),
            from: from.to_string(),
            certs,
        })
    }

    /// `OS trust store + /path/ca.pem (1 certificate, from --ca-file)`.
    pub fn describe(&self) -> String {
        self.describe_in(Lang::En)
    }

    /// [`ExtraCa::describe`] in `lang`.
    pub fn describe_in(&self, lang: Lang) -> String {
        t!(
            lang,
            "tls-extra-ca",
            path = self.path.display().to_string(),
            count = self.certs.len(),
            from = self.from.as_str()
        )
    }
}

impl CaError {
    /// The error in `lang` (its `Display` is English, for logs).
    pub fn text(&self, lang: Lang) -> String {
        match self {
            CaError::Read { path, from, source } => t!(
                lang,
                "tls-ca-unreadable",
                path = path.as_str(),
                from = from.as_str(),
                detail = source.to_string()
            ),
            CaError::NoCerts { path, from, detail } => t!(
                lang,
                "tls-ca-no-certs",
                path = path.as_str(),
                from = from.as_str(),
                detail = detail.as_str()
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::upstream::route::tests::env;

    #[test]
    fn flag_wins_then_the_first_variable_set() {
        let e = env(&[
            ("NODE_EXTRA_CA_CERTS", "/n.pem"),
            ("SSL_CERT_FILE", "/s.pem"),
        ]);
        assert_eq!(
            ca_file_choice(Some(Path::new("/f.pem")), &e),
            Some((PathBuf::from("/f.pem"), "--ca-file".into()))
        );
        assert_eq!(
            ca_file_choice(None, &e),
            Some((PathBuf::from("/s.pem"), "SSL_CERT_FILE".into()))
        );
        assert_eq!(ca_file_choice(None, &env(&[])), None);
    }

    #[test]
    fn missing_and_bad_files_are_clear_errors() {
        let dir = tempfile::tempdir().expect("tmp");
        let missing = dir.path().join("nope.pem");
        let err = ExtraCa::load(&missing, "--ca-file").expect_err("missing");
        assert!(err.to_string().contains("cannot read the CA file"), "{err}");
        let junk = dir.path().join("junk.pem");
        std::fs::write(&junk, "not a certificate").expect("write");
        let err = ExtraCa::load(&junk, "SSL_CERT_FILE").expect_err("junk");
        assert!(
            err.to_string().contains("holds no PEM certificate")
                && err.to_string().contains("SSL_CERT_FILE"),
            "{err}"
        );
        // The same text through the catalogue, and in Chinese.
        assert_eq!(err.text(Lang::En), err.to_string());
        let zh = err.text(Lang::ZhCn);
        assert!(
            zh.contains("没有 PEM 证书") && zh.contains("SSL_CERT_FILE"),
            "{zh}"
        );
        let err = ExtraCa::load(&missing, "--ca-file").expect_err("missing");
        assert_eq!(err.text(Lang::En), err.to_string());
    }
}
