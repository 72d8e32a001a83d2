//! Splits `<think>…</think>` out of streamed `content` (MiniMax and some self-hosted servers put the
//! reasoning there instead of in `reasoning_content`).
//!
//! Tags may be cut across chunk boundaries (`<thi` + `nk>`), so a possible tag prefix at the end of a
//! chunk is held back until the next chunk decides it. A stray `</think>` without an opening tag is
//! left in the text: guessing where such reasoning began would misfile real answer text.

const OPEN: &str = "<think>";
const CLOSE: &str = "</think>";

/// Which side of the tags a piece of text was on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PieceKind {
    Reasoning,
    Text,
}

/// A run of text of one kind, in stream order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Piece {
    pub kind: PieceKind,
    pub text: String,
}

/// Incremental `<think>` splitter. Feed every content fragment to [`ThinkSplitter::push`], then call
/// [`ThinkSplitter::finish`] once to release anything held back.
#[derive(Clone, Debug, Default)]
pub struct ThinkSplitter {
    in_think: bool,
    /// A tail that may be the beginning of the next tag.
    held: String,
}

impl ThinkSplitter {
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether the stream is currently inside a think block.
    pub fn in_think(&self) -> bool {
        self.in_think
    }

    /// Splits one fragment; returns the pieces that are certain so far (possibly none).
    pub fn push(&mut self, fragment: &str) -> Vec<Piece> {
        let mut out = Vec::new();
        let joined;
        let mut rest: &str = if self.held.is_empty() {
            fragment
        } else {
            self.held.push_str(fragment);
            joined = std::mem::take(&mut self.held);
            &joined
        };
        loop {
            let tag = if self.in_think { CLOSE } else { OPEN };
            if let Some(pos) = rest.find(tag) {
                self.emit(&mut out, &rest[..pos]);
                rest = &rest[pos + tag.len()..];
                self.in_think = !self.in_think;
                continue;
            }
            let keep = partial_tag_suffix(rest, tag);
            let cut = rest.len() - keep;
            self.emit(&mut out, &rest[..cut]);
            self.held.push_str(&rest[cut..]);
            return out;
        }
    }

    /// Releases a held-back partial tag as ordinary text of the current kind (the stream ended, so it
    /// was never a tag). A stream that ends inside a think block simply leaves the reasoning unclosed.
    pub fn finish(&mut self) -> Vec<Piece> {
        let mut out = Vec::new();
        let held = std::mem::take(&mut self.held);
        self.emit(&mut out, &held);
        out
    }

    fn emit(&self, out: &mut Vec<Piece>, text: &str) {
        if text.is_empty() {
            return;
        }
        let kind = if self.in_think {
            PieceKind::Reasoning
        } else {
            PieceKind::Text
        };
        match out.last_mut() {
            Some(last) if last.kind == kind => last.text.push_str(text),
            _ => out.push(Piece {
                kind,
                text: text.to_string(),
            }),
        }
    }
}

/// Length of the longest proper prefix of `tag` that `s` ends with. Tags are ASCII, so a match always
/// starts on a char boundary.
fn partial_tag_suffix(s: &str, tag: &str) -> usize {
    (1..tag.len())
        .rev()
        .find(|&k| s.ends_with(&tag[..k]))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(fragments: &[&str]) -> Vec<(PieceKind, String)> {
        let mut s = ThinkSplitter::new();
        let mut all: Vec<Piece> = Vec::new();
        for f in fragments {
            all.extend(s.push(f));
        }
        all.extend(s.finish());
        // Merge across calls so the assertions do not depend on chunking.
        let mut merged: Vec<(PieceKind, String)> = Vec::new();
        for p in all {
            match merged.last_mut() {
                Some((k, t)) if *k == p.kind => t.push_str(&p.text),
                _ => merged.push((p.kind, p.text)),
            }
        }
        merged
    }

    use PieceKind::{Reasoning as R, Text as T};

    #[test]
    fn whole_tags_in_one_fragment() {
        assert_eq!(
            run(&["<think>plan</think>answer"]),
            vec![(R, "plan".into()), (T, "answer".into())]
        );
    }

    #[test]
    fn tags_split_across_fragments() {
        let got = run(&[
            "<thi",
            "nk>\nwe should ",
            "list files\n</th",
            "ink>",
            "\n\nDone.",
        ]);
        assert_eq!(
            got,
            vec![
                (R, "\nwe should list files\n".into()),
                (T, "\n\nDone.".into())
            ]
        );
    }

    #[test]
    fn every_split_point_gives_the_same_result() {
        let whole = "pre<think>a < b </think>post </thinker";
        let expected = run(&[whole]);
        for i in 0..=whole.len() {
            for j in i..=whole.len() {
                let got = run(&[&whole[..i], &whole[i..j], &whole[j..]]);
                assert_eq!(got, expected, "split at {i},{j}");
            }
        }
        assert_eq!(
            expected,
            vec![
                (T, "pre".into()),
                (R, "a < b ".into()),
                (T, "post </thinker".into())
            ]
        );
    }

    #[test]
    fn held_prefix_is_not_emitted_early() {
        let mut s = ThinkSplitter::new();
        assert_eq!(
            s.push("hello <th"),
            vec![Piece {
                kind: T,
                text: "hello ".into()
            }]
        );
        assert!(s.push("").is_empty());
        assert_eq!(
            s.push("en"),
            vec![Piece {
                kind: T,
                text: "<then".into()
            }]
        );
    }

    #[test]
    fn stream_ending_inside_think_block() {
        let mut s = ThinkSplitter::new();
        let mut got = s.push("<think>still thinking </thi");
        assert!(s.in_think());
        got.extend(s.finish());
        let text: String = got.iter().map(|p| p.text.as_str()).collect();
        assert!(got.iter().all(|p| p.kind == R));
        assert_eq!(text, "still thinking </thi");
    }

    #[test]
    fn closing_tag_without_opening_stays_text() {
        assert_eq!(
            run(&["reasoning</think>answer"]),
            vec![(T, "reasoning</think>answer".into())]
        );
    }

    #[test]
    fn multibyte_text_next_to_tags() {
        assert_eq!(
            run(&["<think>思考", "中</thin", "k>答案✓<"]),
            vec![(R, "思考中".into()), (T, "答案✓<".into())]
        );
    }
}
