//! Collects [`TranslateNote`]s for one request, one per key (the caller dedupes across requests).

use super::TranslateNote;

#[derive(Debug, Default)]
pub struct Notes(Vec<TranslateNote>);

impl Notes {
    /// Records a note unless one with the same key is already there.
    pub fn push(&mut self, key: impl Into<String>, message: impl Into<String>) {
        let key = key.into();
        if !self.0.iter().any(|n| n.key == key) {
            self.0.push(TranslateNote {
                key,
                message: message.into(),
            });
        }
    }

    pub fn has(&self, key: &str) -> bool {
        self.0.iter().any(|n| n.key == key)
    }

    pub fn into_vec(self) -> Vec<TranslateNote> {
        self.0
    }
}
