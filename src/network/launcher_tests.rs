use super::*;

fn opts(proxy: Option<&str>, codex: Option<&str>) -> LauncherOptions {
    LauncherOptions {
        proxy: proxy.map(|p| ProxyUrl::parse(p).expect(p)),
        codex: codex.map(str::to_string),
    }
}

#[test]
fn sh_sets_the_proxy_appends_loopback_and_passes_arguments() {
    let text = sh_script(&opts(Some("http://127.0.0.1:7890"), None));
    assert!(text.starts_with("#!/bin/sh\n"), "{text}");
    assert!(text.contains("proxy='http://127.0.0.1:7890'\n"), "{text}");
    assert!(text.contains("export HTTPS_PROXY HTTP_PROXY https_proxy http_proxy"));
    assert!(text.contains("loopback='localhost,127.0.0.1,::1'"));
    assert!(text.contains("NO_PROXY=\"$existing,$loopback\""));
    assert!(text.contains("exec 'codex' \"$@\"\n"), "{text}");
    assert!(is_unedited(&text));
    let without = sh_script(&opts(None, None));
    assert!(!without.contains("HTTPS_PROXY"), "{without}");
    assert!(without.contains("export NO_PROXY no_proxy"));
}

#[test]
fn paths_with_spaces_and_quotes_are_quoted_per_shell() {
    let o = opts(
        Some("http://o'neil:pa%25ss@127.0.0.1:7890"),
        Some("/Applications/My Tools/it's codex"),
    );
    let sh = sh_script(&o);
    assert!(
        sh.contains("exec '/Applications/My Tools/it'\\''s codex' \"$@\""),
        "{sh}"
    );
    assert!(
        sh.contains("proxy='http://o'\\''neil:pa%25ss@127.0.0.1:7890'"),
        "{sh}"
    );
    let ps = ps1_script(&o);
    assert!(
        ps.contains("& '/Applications/My Tools/it''s codex' @args\r\n"),
        "{ps}"
    );
    assert!(
        ps.contains("$proxy = 'http://o''neil:pa%25ss@127.0.0.1:7890'\r\n"),
        "{ps}"
    );
    assert!(!ps.replace("\r\n", "").contains('\n'), "CRLF only");
    let win = opts(
        Some("http://127.0.0.1:7890"),
        Some(r"C:\Program Files\nodejs\codex.cmd"),
    );
    let cmd = cmd_script(&win).expect("cmd");
    assert!(
        cmd.contains("call \"C:\\Program Files\\nodejs\\codex.cmd\" %*\r\n"),
        "{cmd}"
    );
    assert!(
        cmd.contains("set \"HTTPS_PROXY=http://127.0.0.1:7890\"\r\n"),
        "{cmd}"
    );
    assert!(
        cmd.contains("(set \"NO_PROXY=%NO_PROXY%,localhost,127.0.0.1,::1\")"),
        "{cmd}"
    );
    let pct = cmd_script(&o).expect("cmd");
    assert!(pct.contains("pa%%25ss"), "{pct}");
    assert!(cmd_script(&opts(None, Some("a\"b"))).is_err());
    assert!(is_unedited(&ps) && is_unedited(&cmd));
}

#[test]
fn edited_files_are_kept_unless_forced() {
    let dir = tempfile::tempdir().expect("tmp");
    let first = opts(Some("http://127.0.0.1:7890"), None);
    let written = write_launchers(dir.path(), &first, false).expect("write");
    assert!(
        written.iter().all(|(_, o)| *o == Outcome::Created),
        "{written:?}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join(SH))
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o755);
    }
    let again = write_launchers(dir.path(), &first, false).expect("again");
    assert!(
        again.iter().all(|(_, o)| *o == Outcome::Unchanged),
        "{again:?}"
    );
    // A new proxy replaces our own unedited files.
    let second = opts(Some("http://127.0.0.1:7897"), None);
    let updated = write_launchers(dir.path(), &second, false).expect("update");
    assert!(
        updated.iter().all(|(_, o)| *o == Outcome::Updated),
        "{updated:?}"
    );
    // An edit is kept…
    let sh = dir.path().join(SH);
    let edited = std::fs::read_to_string(&sh)
        .expect("read")
        .replace("exec", "exec nice");
    std::fs::write(&sh, &edited).expect("edit");
    let kept = write_launchers(dir.path(), &first, false).expect("kept");
    assert_eq!(kept[0].1, Outcome::KeptEdited);
    assert_eq!(std::fs::read_to_string(&sh).expect("read"), edited);
    // …unless forced, and then it is the .bak.
    let forced = write_launchers(dir.path(), &first, true).expect("forced");
    let bak = dir.path().join(format!("{SH}.bak"));
    assert_eq!(forced[0].1, Outcome::ReplacedWithBackup(bak.clone()));
    assert_eq!(std::fs::read_to_string(&bak).expect("bak"), edited);
    assert!(is_unedited(&std::fs::read_to_string(&sh).expect("read")));
}
