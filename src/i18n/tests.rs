//! The catalogues are complete both ways, agree on each message's variables, parse cleanly, and
//! hold every message id the code and the windows use.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::*;

/// `id` or `id.attribute` → the variables it uses. A small reader of the FTL layout we write
/// (messages at column 0, attributes indented with `.name =`, continuation lines indented).
fn keys(ftl: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut message = String::new();
    let mut current = String::new();
    for line in ftl.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let starts_entry = line
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '-');
        if starts_entry {
            if let Some((id, _)) = line.split_once('=') {
                message = id.trim().to_string();
                current = message.clone();
                out.entry(current.clone()).or_default();
            }
        } else if let Some(rest) = line.trim_start().strip_prefix('.') {
            if let Some((attr, _)) = rest.split_once('=') {
                current = format!("{message}.{}", attr.trim());
                out.entry(current.clone()).or_default();
            }
        }
        let vars = out.entry(current.clone()).or_default();
        let mut rest = line;
        while let Some(i) = rest.find('$') {
            let name: String = rest[i + 1..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                .collect();
            if !name.is_empty() {
                vars.insert(name);
            }
            rest = &rest[i + 1..];
        }
    }
    out
}

#[test]
fn both_catalogues_parse_without_errors() {
    for lang in Lang::ALL {
        for (name, text) in lang.files() {
            if let Err((_, errors)) = FluentResource::try_new(text.to_string()) {
                panic!("locales/{}/{name}: {errors:?}", lang.code());
            }
        }
    }
}

#[test]
fn every_catalogue_file_is_compiled_in() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("locales");
    for lang in Lang::ALL {
        let mut on_disk: Vec<String> = std::fs::read_dir(root.join(lang.code()))
            .expect("locales dir")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".ftl"))
            .collect();
        on_disk.sort();
        let mut compiled: Vec<String> = lang.files().iter().map(|(n, _)| n.to_string()).collect();
        compiled.sort();
        assert_eq!(
            on_disk,
            compiled,
            "locales/{}: add new files to catalogue! in src/i18n/mod.rs",
            lang.code()
        );
    }
}

#[test]
fn every_message_is_in_both_languages_with_the_same_variables() {
    let en = keys(&Lang::En.ftl());
    let zh = keys(&Lang::ZhCn.ftl());
    assert!(
        en.len() > 10,
        "the English catalogue looks empty: {}",
        en.len()
    );
    let missing_zh: Vec<_> = en.keys().filter(|k| !zh.contains_key(*k)).collect();
    let missing_en: Vec<_> = zh.keys().filter(|k| !en.contains_key(*k)).collect();
    assert!(
        missing_zh.is_empty(),
        "missing in zh-CN.ftl: {missing_zh:?}"
    );
    assert!(missing_en.is_empty(), "missing in en.ftl: {missing_en:?}");
    let differ: Vec<_> = en
        .iter()
        .filter(|(k, vars)| zh.get(*k) != Some(vars))
        .map(|(k, vars)| format!("{k}: en {vars:?} vs zh-CN {:?}", zh.get(k)))
        .collect();
    assert!(differ.is_empty(), "variables differ: {differ:#?}");
}

fn files(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, ext, out);
        } else if path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
}

/// The first string literal after each `marker` in `text`.
fn ids_after(text: &str, marker: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(marker) {
        // `t(` must not be the end of a longer name (`set(`, `wait(`).
        let before = rest[..i].chars().last();
        rest = &rest[i + marker.len()..];
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.') {
            continue;
        }
        let Some(open) = rest.find('"') else { break };
        // Only a literal that is the call's first string argument (same statement, close by).
        if open > 80 || rest[..open].contains(';') {
            continue;
        }
        let after = &rest[open + 1..];
        if let Some(close) = after.find('"') {
            ids.push(after[..close].to_string());
        }
    }
    ids
}

#[test]
fn every_message_id_the_code_uses_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let en = keys(&Lang::En.ftl());
    let mut used = Vec::new();
    let mut rust = Vec::new();
    files(&root.join("src"), "rs", &mut rust);
    files(&root.join("src-tauri/src"), "rs", &mut rust);
    // The i18n module itself names example and missing ids on purpose.
    rust.retain(|f| !f.starts_with(root.join("src/i18n")));
    for file in &rust {
        let text = std::fs::read_to_string(file).expect("read source");
        for id in ids_after(&text, "t!(")
            .into_iter()
            .chain(ids_after(&text, "tr("))
        {
            used.push((file.clone(), id));
        }
        for id in ids_after(&text, "tr_attr(") {
            used.push((file.clone(), id));
        }
    }
    let mut ts = Vec::new();
    files(&root.join("ui/src"), "ts", &mut ts);
    for file in &ts {
        let text = std::fs::read_to_string(file).expect("read source");
        for id in ids_after(&text, "t(")
            .into_iter()
            .chain(ids_after(&text, "\"data-i18n\": "))
        {
            used.push((file.clone(), id));
        }
    }
    // The windows' ids all start with `ui-`: every such string literal in ui/src and every
    // data-i18n* attribute in ui/index.html (label(el, "ui-…"), "data-i18n-title": "ui-…", …).
    ts.push(root.join("ui/index.html"));
    for file in &ts {
        let text = std::fs::read_to_string(file).expect("read source");
        for (i, _) in text.match_indices("\"ui-") {
            let id: String = text[i + 1..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')
                .collect();
            if text[i + 1 + id.len()..].starts_with('"') {
                used.push((file.clone(), id));
            }
        }
    }
    let unknown: Vec<_> = used
        .iter()
        .filter(|(_, id)| !id.contains(['{', '$', ' ']) && !en.contains_key(id.as_str()))
        .map(|(f, id)| format!("{}: {id}", f.display()))
        .collect();
    assert!(unknown.is_empty(), "ids with no message: {unknown:#?}");
}

#[test]
fn locales_resolve_from_what_systems_and_users_write() {
    for (s, want) in [
        ("zh_CN.UTF-8", Some(Lang::ZhCn)),
        ("zh-Hans-CN", Some(Lang::ZhCn)),
        ("zh", Some(Lang::ZhCn)),
        ("zh-TW", Some(Lang::ZhCn)),
        ("en_US.UTF-8", Some(Lang::En)),
        ("en-GB", Some(Lang::En)),
        ("C", Some(Lang::En)),
        ("fr-FR", None),
    ] {
        assert_eq!(Lang::parse(s), want, "{s}");
    }
    assert_eq!(Lang::resolve(Some("zh-CN")), Ok(Lang::ZhCn));
    assert_eq!(Lang::resolve(Some(" en ")), Ok(Lang::En));
    let err = Lang::resolve(Some("klingon")).expect_err("unknown");
    assert!(err.to_string().contains("en, zh-CN or system"), "{err}");
    // `system` follows the OS, whatever it is here.
    assert!(Lang::resolve(Some("system")).is_ok());
}

#[test]
fn messages_format_with_arguments_and_fall_back() {
    let en = crate::t!(Lang::En, "tray-status-running", addr = "127.0.0.1:8788");
    let zh = crate::t!(Lang::ZhCn, "tray-status-running", addr = "127.0.0.1:8788");
    assert_eq!(en, "Running on 127.0.0.1:8788");
    assert!(zh.contains("127.0.0.1:8788") && zh != en, "{zh}");
    // No isolation marks around placeables.
    assert!(
        !zh.contains('\u{2068}') && !zh.contains('\u{2069}'),
        "{zh:?}"
    );
    assert_eq!(tr(Lang::ZhCn, "no-such-message", &[]), "no-such-message");
}
