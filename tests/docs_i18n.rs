//! The user documentation exists in English and Simplified Chinese, and the two stay linked.
//!
//! For `README.md` and every `doc/*.md`:
//! - there is a `.zh.md` twin beside it (and no `.zh.md` without an English original);
//! - the first line of each is the language switch, linking to the other one;
//! - every relative link (`[text](path#anchor)`, images too) points at a file that exists, and an
//!   anchor into a Markdown file names one of its headings (GitHub's slugs) or `<a id>`s;
//! - a Chinese file links to the Chinese version of another doc, never to the English one (only
//!   its own English original may be linked, as the language switch does).
//!
//! Links inside code blocks and inline code are not links and are skipped; so are URLs with a scheme.

use std::collections::HashSet;
use std::fs;
use std::path::{Component, Path, PathBuf};

const ZH_SUFFIX: &str = ".zh.md";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `README.md` and `doc/*.md`: every Markdown file of the user documentation, both languages.
fn doc_files() -> Vec<PathBuf> {
    let mut files = vec![root().join("README.md"), root().join("README.zh.md")];
    let mut docs: Vec<PathBuf> = fs::read_dir(root().join("doc"))
        .expect("read doc/")
        .map(|e| e.expect("doc/ entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    files.retain(|p| p.exists());
    files
}

fn is_zh(path: &Path) -> bool {
    file_name(path).ends_with(ZH_SUFFIX)
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .expect("file name")
        .to_string_lossy()
        .into_owned()
}

/// `doc/x.md` ⇄ `doc/x.zh.md`.
fn twin(path: &Path) -> PathBuf {
    let name = file_name(path);
    let other = match name.strip_suffix(ZH_SUFFIX) {
        Some(stem) => format!("{stem}.md"),
        None => format!("{}{ZH_SUFFIX}", name.strip_suffix(".md").expect(".md")),
    };
    path.with_file_name(other)
}

fn rel(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .display()
        .to_string()
}

/// The text of a file with fenced code blocks blanked (line numbers stay), and inline code removed.
fn prose_lines(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut fence: Option<(char, usize)> = None;
    for line in text.lines() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        let marker = trimmed.chars().next().filter(|c| *c == '`' || *c == '~');
        let run = marker.map_or(0, |c| trimmed.chars().take_while(|x| *x == c).count());
        match fence {
            Some((c, n)) => {
                if marker == Some(c) && run >= n && trimmed[run..].trim().is_empty() {
                    fence = None;
                }
                out.push(String::new());
            }
            None if indent <= 3 && run >= 3 => {
                fence = marker.map(|c| (c, run));
                out.push(String::new());
            }
            None => out.push(strip_inline_code(line)),
        }
    }
    out
}

/// Removes `code spans` (any number of backticks) from one line; an unclosed run stays as text.
fn strip_inline_code(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '`' {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let n = chars[i..].iter().take_while(|c| **c == '`').count();
        let mut j = i + n;
        let mut close = None;
        while j < chars.len() {
            if chars[j] == '`' {
                let m = chars[j..].iter().take_while(|c| **c == '`').count();
                if m == n {
                    close = Some(j + m);
                    break;
                }
                j += m;
            } else {
                j += 1;
            }
        }
        match close {
            Some(end) => {
                out.push_str(" CODE ");
                i = end;
            }
            None => {
                out.extend(&chars[i..i + n]);
                i += n;
            }
        }
    }
    out
}

/// Targets of `[text](target)` / `![alt](target)` and of `[label]: target` definitions, with the
/// 1-based line they are on.
fn links(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (n, line) in prose_lines(text).iter().enumerate() {
        let mut rest = line.as_str();
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let Some(end) = after.find(')') else { break };
            let raw = after[..end].trim();
            let target = raw
                .strip_prefix('<')
                .and_then(|t| t.split('>').next())
                .unwrap_or_else(|| raw.split_whitespace().next().unwrap_or(""));
            found.push((n + 1, target.to_string()));
            rest = &after[end..];
        }
        let t = line.trim_start();
        if t.starts_with('[') && !t.starts_with("[^") {
            if let Some(close) = t.find("]:") {
                let target = t[close + 2..].split_whitespace().next().unwrap_or("");
                if !target.is_empty() {
                    found.push((n + 1, target.to_string()));
                }
            }
        }
    }
    found
}

/// GitHub's heading slug: lower case, letters/digits/`-`/`_` kept (CJK included), spaces → `-`,
/// everything else (punctuation, full-width punctuation, symbols, backticks) dropped.
fn slug(heading: &str) -> String {
    let mut text = String::new();
    // [text](url) → text
    let mut rest = heading;
    while let Some(open) = rest.find('[') {
        let Some(mid) = rest[open..].find("](") else {
            break;
        };
        let Some(close) = rest[open + mid..].find(')') else {
            break;
        };
        text.push_str(&rest[..open]);
        text.push_str(&rest[open + 1..open + mid]);
        rest = &rest[open + mid + close + 1..];
    }
    text.push_str(rest);
    text.to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            '-' | '_' => Some(c),
            c if c.is_alphanumeric() => Some(c),
            _ => None,
        })
        .collect()
}

/// Every anchor a file offers: heading slugs (with GitHub's `-1`, `-2` for repeats) and the ids of
/// `<a id="…">` / `<a name="…">`.
fn anchors(text: &str) -> HashSet<String> {
    let mut set = HashSet::new();
    let mut fence: Option<(char, usize)> = None;
    for line in text.lines() {
        let trimmed = line.trim_start();
        let marker = trimmed.chars().next().filter(|c| *c == '`' || *c == '~');
        let run = marker.map_or(0, |c| trimmed.chars().take_while(|x| *x == c).count());
        if let Some((c, n)) = fence {
            if marker == Some(c) && run >= n && trimmed[run..].trim().is_empty() {
                fence = None;
            }
            continue;
        }
        if run >= 3 {
            fence = marker.map(|c| (c, run));
            continue;
        }
        let hashes = trimmed.chars().take_while(|c| *c == '#').count();
        if (1..=6).contains(&hashes) && trimmed[hashes..].starts_with(' ') {
            let title = trimmed[hashes..].trim().trim_end_matches('#').trim();
            let base = slug(title);
            let mut candidate = base.clone();
            let mut i = 0;
            while set.contains(&candidate) {
                i += 1;
                candidate = format!("{base}-{i}");
            }
            set.insert(candidate);
        }
        for attr in ["id=\"", "name=\""] {
            let mut rest = line;
            while let Some(at) = rest.find("<a ") {
                let tag = &rest[at..];
                let tag = &tag[..tag.find('>').unwrap_or(tag.len())];
                if let Some(v) = tag.find(attr) {
                    let value = &tag[v + attr.len()..];
                    if let Some(end) = value.find('"') {
                        set.insert(value[..end].to_string());
                    }
                }
                rest = &rest[at + 3..];
            }
        }
    }
    set
}

/// `a/b/../c` → `a/c`, without touching the file system (the file may not exist).
fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
            if let Ok(b) = u8::from_str_radix(hex, 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn has_scheme(target: &str) -> bool {
    target.split_once(':').is_some_and(|(scheme, _)| {
        !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    })
}

#[test]
fn every_english_doc_has_a_chinese_twin_and_back() {
    let files = doc_files();
    assert!(
        files.iter().any(|f| file_name(f) == "configuration.md"),
        "doc/ not found under {}",
        root().display()
    );
    let mut problems = Vec::new();
    for file in &files {
        if !twin(file).exists() {
            problems.push(if is_zh(file) {
                format!("{} has no English original {}", rel(file), rel(&twin(file)))
            } else {
                format!("{} has no Chinese version {}", rel(file), rel(&twin(file)))
            });
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn each_doc_starts_with_a_language_switch_to_its_twin() {
    let mut problems = Vec::new();
    for file in doc_files() {
        let other = twin(&file);
        if !other.exists() {
            continue; // reported by every_english_doc_has_a_chinese_twin_and_back
        }
        let text = fs::read_to_string(&file).expect("read doc");
        let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        let want = file_name(&other);
        let (this_label, other_label) = if is_zh(&file) {
            ("**简体中文**", "[English]")
        } else {
            ("**English**", "[简体中文]")
        };
        let links_twin = links(first).iter().any(|(_, t)| t == &want);
        if !(links_twin && first.contains(this_label) && first.contains(other_label)) {
            problems.push(format!(
                "{}: the first line must be the language switch naming {this_label} and linking \
                 {other_label}({want}); found: {first:?}",
                rel(&file)
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn relative_links_resolve_and_chinese_docs_link_to_chinese_docs() {
    let files = doc_files();
    let mut problems = Vec::new();
    for file in &files {
        let text = fs::read_to_string(file).expect("read doc");
        let dir = file.parent().expect("dir");
        for (line, target) in links(&text) {
            if target.is_empty() || has_scheme(&target) {
                continue;
            }
            let (path_part, anchor) = match target.split_once('#') {
                Some((p, a)) => (p, Some(a)),
                None => (target.as_str(), None),
            };
            let dest = if path_part.is_empty() {
                file.clone()
            } else {
                normalise(&dir.join(percent_decode(path_part)))
            };
            let at = format!("{}:{line}: ({target})", rel(file));
            if !dest.exists() {
                problems.push(format!("{at}: {} does not exist", rel(&dest)));
                continue;
            }
            let dest_is_doc = files.contains(&dest);
            // A Chinese doc links to the Chinese version of other docs (it may still point at its
            // own English original: the switch, "the English text is authoritative").
            if is_zh(file)
                && dest_is_doc
                && !is_zh(&dest)
                && twin(&dest).exists()
                && dest != twin(file)
            {
                problems.push(format!(
                    "{at}: a Chinese doc should link to {} instead",
                    file_name(&twin(&dest))
                ));
            }
            if let Some(anchor) = anchor.filter(|a| !a.is_empty()) {
                if dest.extension().is_some_and(|e| e == "md") {
                    let offered = anchors(&fs::read_to_string(&dest).expect("read link target"));
                    let anchor = percent_decode(anchor);
                    if !offered.contains(&anchor) {
                        problems.push(format!(
                            "{at}: no heading or <a id> in {} gives the anchor #{anchor}",
                            rel(&dest)
                        ));
                    }
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_link_reader_and_slugs_behave_like_github() {
    assert_eq!(slug("Outbound route (`--proxy`)"), "outbound-route---proxy");
    assert_eq!(
        slug("Provider quirks (DESIGN §5)"),
        "provider-quirks-design-5"
    );
    assert_eq!(slug("settings.json"), "settingsjson");
    assert_eq!(slug("出站路线（`--proxy`）"), "出站路线--proxy");
    assert_eq!(slug("`codex status`"), "codex-status");
    let text = "# A\n\n## A\n```\n## not a heading [x](nowhere.md)\n```\n`[y](code.md)` [z](real.md#a-1)\n";
    assert_eq!(links(text), vec![(7, "real.md#a-1".to_string())]);
    let offered = anchors(text);
    assert!(offered.contains("a") && offered.contains("a-1") && !offered.contains("not-a-heading"));
    assert_eq!(twin(Path::new("/x/doc/a.md")), Path::new("/x/doc/a.zh.md"));
    assert_eq!(
        twin(Path::new("/x/README.zh.md")),
        Path::new("/x/README.md")
    );
    assert_eq!(percent_decode("a%20b"), "a b");
    assert!(
        has_scheme("https://example.com") && has_scheme("mailto:x@y") && !has_scheme("doc/a.md")
    );
}
