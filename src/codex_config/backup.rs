//! Timestamped copies of `config.toml` in `<data dir>/backups/`, taken before we change a file
//! that does not point at us yet. The newest [`KEEP`] are kept.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use super::error::CodexConfigError;
use super::fsutil::{atomic_write, create_dir, NewFileMode};

/// How many backups are kept.
pub const KEEP: usize = 10;
const PREFIX: &str = "codex-config-";
const SUFFIX: &str = ".toml";

/// `<data dir>/backups`.
pub fn backups_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("backups")
}

/// Writes a new backup (mode 0600: Codex configs hold MCP tokens) and prunes old ones.
pub fn create_backup(data_dir: &Path, bytes: &[u8]) -> Result<PathBuf, CodexConfigError> {
    let dir = backups_dir(data_dir);
    create_dir(&dir)?;
    let stamp = timestamp(SystemTime::now());
    let mut path = dir.join(format!("{PREFIX}{stamp}{SUFFIX}"));
    let mut n = 1;
    while path.exists() {
        // `~` sorts after `.`, so a same-millisecond backup still sorts after the first one.
        path = dir.join(format!("{PREFIX}{stamp}~{n:03}{SUFFIX}"));
        n += 1;
    }
    atomic_write(&path, bytes, NewFileMode::Private)?;
    prune(data_dir, KEEP);
    Ok(path)
}

/// Existing backups, oldest first (names sort chronologically).
pub fn list_backups(data_dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(backups_dir(data_dir)) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(PREFIX) && n.ends_with(SUFFIX))
        })
        .collect();
    out.sort();
    out
}

/// Removes all but the newest `keep` backups (best effort).
pub fn prune(data_dir: &Path, keep: usize) {
    let all = list_backups(data_dir);
    let excess = all.len().saturating_sub(keep);
    for old in &all[..excess] {
        let _ = std::fs::remove_file(old);
    }
}

/// `20250131-235959-123` (UTC): sortable, valid in file names everywhere.
pub fn timestamp(time: SystemTime) -> String {
    let d = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs();
    let (y, m, day) = civil_from_days((secs / 86_400) as i64);
    let rem = secs % 86_400;
    format!(
        "{y:04}{m:02}{day:02}-{:02}{:02}{:02}-{:03}",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60,
        d.subsec_millis()
    )
}

/// RFC 3339 UTC time for the integration record.
pub fn rfc3339(time: SystemTime) -> String {
    let d = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs();
    let (y, m, day) = civil_from_days((secs / 86_400) as i64);
    let rem = secs % 86_400;
    format!(
        "{y:04}-{m:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn timestamps_are_utc_and_sortable() {
        assert_eq!(timestamp(UNIX_EPOCH), "19700101-000000-000");
        let t = UNIX_EPOCH + Duration::from_millis(1_709_251_199_123); // 2024-02-29 23:59:59.123
        assert_eq!(timestamp(t), "20240229-235959-123");
        assert_eq!(rfc3339(t), "2024-02-29T23:59:59Z");
    }

    #[test]
    fn keeps_the_newest_ten() {
        let dir = tempfile::tempdir().expect("dir");
        for i in 0..13 {
            let p = create_backup(dir.path(), format!("v{i}").as_bytes()).expect("backup");
            assert!(p.exists());
        }
        let all = list_backups(dir.path());
        assert_eq!(all.len(), KEEP);
        let newest = std::fs::read_to_string(all.last().expect("one")).expect("read");
        assert_eq!(newest, "v12");
        let oldest = std::fs::read_to_string(&all[0]).expect("read");
        assert_eq!(oldest, "v3");
    }
}
