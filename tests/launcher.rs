//! `mimo2codex launcher`: the generated `codex-with-proxy.sh` run for real, with a fake `codex` on
//! PATH that prints its environment and arguments.

#![cfg(unix)]

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_mimo2codex");

#[test]
fn the_sh_launcher_sets_the_proxy_appends_loopback_and_passes_arguments() {
    let dir = tempfile::tempdir().expect("tmp");
    let out_dir = dir.path().join("dir with spaces");
    let out = Command::new(BIN)
        .env_clear()
        .env("MIMO2CODEX_LANG", "en")
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", dir.path())
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .args([
            "launcher",
            "--proxy-for-codex",
            "http://127.0.0.1:7890",
            "--dir",
        ])
        .arg(&out_dir)
        .output()
        .expect("run launcher");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("created"), "{stdout}");
    for name in [
        "codex-with-proxy.sh",
        "codex-with-proxy.ps1",
        "codex-with-proxy.cmd",
    ] {
        assert!(out_dir.join(name).is_file(), "{name}");
    }

    let bin = dir.path().join("bin");
    std::fs::create_dir_all(&bin).expect("bin");
    let fake = bin.join("codex");
    std::fs::write(
        &fake,
        "#!/bin/sh\necho \"HTTPS_PROXY=$HTTPS_PROXY\"\necho \"HTTP_PROXY=$HTTP_PROXY\"\necho \"NO_PROXY=$NO_PROXY\"\necho \"no_proxy=$no_proxy\"\nfor a in \"$@\"; do echo \"arg=[$a]\"; done\n",
    )
    .expect("fake codex");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let script = out_dir.join("codex-with-proxy.sh");
    let run = |no_proxy: Option<&str>| {
        let mut cmd = Command::new(&script);
        cmd.env_clear()
            .env("PATH", &path)
            .args(["exec", "two words", "--flag=$HOME"]);
        if let Some(v) = no_proxy {
            cmd.env("NO_PROXY", v);
        }
        let out = cmd.output().expect("run the launcher");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let printed = run(Some("intranet.corp"));
    for line in [
        "HTTPS_PROXY=http://127.0.0.1:7890",
        "HTTP_PROXY=http://127.0.0.1:7890",
        "NO_PROXY=intranet.corp,localhost,127.0.0.1,::1",
        "no_proxy=intranet.corp,localhost,127.0.0.1,::1",
        "arg=[exec]",
        "arg=[two words]",
        "arg=[--flag=$HOME]",
    ] {
        assert!(
            printed.lines().any(|l| l == line),
            "missing {line:?} in:\n{printed}"
        );
    }
    let printed = run(None);
    assert!(
        printed.contains("\nNO_PROXY=localhost,127.0.0.1,::1\n"),
        "{printed}"
    );

    // Running it again changes nothing; an edited script is kept.
    let again = Command::new(BIN)
        .env_clear()
        .env("MIMO2CODEX_LANG", "en")
        .env("HOME", dir.path())
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .args(["launcher", "--dir"])
        .arg(&out_dir)
        .output()
        .expect("rerun");
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stdout).contains("updated"));
    let edited = std::fs::read_to_string(&script).expect("read") + "# my note\n";
    std::fs::write(&script, &edited).expect("edit");
    let kept = Command::new(BIN)
        .env_clear()
        .env("MIMO2CODEX_LANG", "en")
        .env("HOME", dir.path())
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .args(["launcher", "--dir"])
        .arg(&out_dir)
        .output()
        .expect("rerun");
    assert_eq!(kept.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&kept.stdout).contains("kept"));
    assert_eq!(std::fs::read_to_string(&script).expect("read"), edited);
}
