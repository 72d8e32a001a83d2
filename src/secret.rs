//! API keys never reach a log line: `Secret` masks itself in `Debug` and `Display`.

use std::fmt;

#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The raw value, for the one place that needs it: the outbound `Authorization` header.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `sk-a…wxyz` style: enough to tell two keys apart, never enough to use one.
    pub fn masked(&self) -> String {
        mask(&self.0)
    }
}

/// Masks any secret-looking string: keeps a short prefix and the last four characters.
pub fn mask(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.is_empty() {
        return "(empty)".to_string();
    }
    if chars.len() <= 8 {
        return "****".to_string();
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}…{tail}")
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({})", self.masked())
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_long_and_short_values() {
        assert_eq!(mask("sk-1234567890abcdef"), "sk-…cdef");
        assert_eq!(mask("short"), "****");
        assert_eq!(mask(""), "(empty)");
        let s = Secret::new("tp-abcdefghijklmnop");
        assert!(!format!("{s:?}").contains("abcdefghijkl"));
        assert!(!format!("{s}").contains("abcdefghijkl"));
        assert_eq!(s.expose(), "tp-abcdefghijklmnop");
    }
}
