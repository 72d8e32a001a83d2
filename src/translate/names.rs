//! Upstream-legal tool names for Codex tools.
//!
//! Chat upstreams accept `[A-Za-z0-9_-]{1,max}`; Codex has namespaces (`multi_agent_v1.spawn_agent`),
//! MCP names with dots, and arbitrary lengths. Names must be deterministic (history from an earlier
//! call has to map to the same name) and collision-free, so a too-long or colliding name gets a short
//! hash of its full identity instead of a counter that would depend on what else is in the request.

use std::collections::HashMap;

use super::tools::{ToolNameMap, ToolOrigin};

/// Separator between a namespace and a tool name in a flattened name.
pub const NAMESPACE_SEPARATOR: &str = "__";
/// Used when the quirk gives no usable limit.
const DEFAULT_MAX_LEN: usize = 64;
/// `_` + 8 hex digits.
const HASH_SUFFIX_LEN: usize = 9;

/// Identity of a tool on the Codex side: namespace (if any) and name.
type ToolKey = (Option<String>, String);

/// Hands out upstream names and records them in a [`ToolNameMap`].
#[derive(Debug)]
pub struct ToolNamer {
    max_len: usize,
    by_key: HashMap<ToolKey, String>,
    taken: HashMap<String, ToolKey>,
    map: ToolNameMap,
}

impl ToolNamer {
    pub fn new(max_len: usize) -> Self {
        ToolNamer {
            max_len: if max_len == 0 {
                DEFAULT_MAX_LEN
            } else {
                max_len
            },
            by_key: HashMap::new(),
            taken: HashMap::new(),
            map: ToolNameMap::default(),
        }
    }

    /// The upstream name already given to a Codex tool, if any.
    pub fn existing(&self, namespace: Option<&str>, name: &str) -> Option<&str> {
        self.by_key
            .get(&(namespace.map(str::to_string), name.to_string()))
            .map(String::as_str)
    }

    /// The upstream name for a Codex tool, allocating and recording it on first use.
    /// `custom` marks a freeform tool (comes back as `custom_tool_call`).
    pub fn name_for(&mut self, namespace: Option<&str>, name: &str, custom: bool) -> String {
        let key: ToolKey = (namespace.map(str::to_string), name.to_string());
        if let Some(existing) = self.by_key.get(&key) {
            return existing.clone();
        }
        let upstream = self.allocate(&key);
        let name = name.to_string();
        match (namespace, custom) {
            (Some(ns), true) => self
                .map
                .insert_custom_in_namespace(upstream.clone(), ns, &name),
            (None, true) => self
                .map
                .insert(upstream.clone(), ToolOrigin::Custom { name }),
            (Some(ns), false) => {
                let namespace = ns.to_string();
                let origin = ToolOrigin::Namespaced { namespace, name };
                self.map.insert(upstream.clone(), origin)
            }
            (None, false) => self
                .map
                .insert(upstream.clone(), ToolOrigin::Function { name }),
        }
        self.taken.insert(upstream.clone(), key.clone());
        self.by_key.insert(key, upstream.clone());
        upstream
    }

    pub fn into_map(self) -> ToolNameMap {
        self.map
    }

    fn allocate(&self, key: &ToolKey) -> String {
        let base = flatten_tool_name(key.0.as_deref(), &key.1);
        if base.len() <= self.max_len && !self.taken.contains_key(&base) {
            return base;
        }
        let identity = format!("{}\u{1f}{}", key.0.as_deref().unwrap_or(""), key.1);
        // The salt only moves on a 32-bit hash collision, which in practice never happens.
        for salt in 0..u32::MAX {
            let candidate = hashed_name(&base, &identity, salt, self.max_len);
            if !self.taken.contains_key(&candidate) {
                return candidate;
            }
        }
        base
    }
}

/// The unshortened upstream name: sanitized `namespace__name` or sanitized `name`.
pub fn flatten_tool_name(namespace: Option<&str>, name: &str) -> String {
    match namespace {
        Some(ns) if !ns.is_empty() => {
            format!("{}{NAMESPACE_SEPARATOR}{}", sanitize(ns), sanitize(name))
        }
        _ => sanitize(name),
    }
}

/// Whether `name` is already acceptable upstream as is.
pub fn is_legal_tool_name(name: &str, max_len: usize) -> bool {
    !name.is_empty()
        && name.len() <= max_len
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn sanitize(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if cleaned.is_empty() {
        "tool".to_string()
    } else {
        cleaned
    }
}

fn hashed_name(base: &str, identity: &str, salt: u32, max_len: usize) -> String {
    let mut hash = fnv1a(identity.as_bytes());
    if salt > 0 {
        hash = fnv1a(&[hash.to_le_bytes(), u64::from(salt).to_le_bytes()].concat());
    }
    let hex = format!("{:08x}", hash as u32);
    if max_len <= HASH_SUFFIX_LEN {
        return hex.chars().take(max_len.max(1)).collect();
    }
    // `base` is ASCII after sanitizing, so byte slicing is char-safe.
    let keep = base.len().min(max_len - HASH_SUFFIX_LEN);
    format!("{}_{hex}", &base[..keep])
}

/// FNV-1a: tiny, stable across Rust versions and platforms (unlike `DefaultHasher`).
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_legal_names_are_kept() {
        let mut n = ToolNamer::new(64);
        assert_eq!(n.name_for(None, "exec_command", false), "exec_command");
        assert_eq!(n.existing(None, "exec_command"), Some("exec_command"));
        let map = n.into_map();
        assert_eq!(
            map.resolve("exec_command"),
            ToolOrigin::Function {
                name: "exec_command".into()
            }
        );
    }

    #[test]
    fn namespaced_names_flatten_and_map_back() {
        let mut n = ToolNamer::new(64);
        let up = n.name_for(Some("multi_agent_v1"), "spawn_agent", false);
        assert_eq!(up, "multi_agent_v1__spawn_agent");
        let map = n.into_map();
        assert_eq!(
            map.resolve(&up),
            ToolOrigin::Namespaced {
                namespace: "multi_agent_v1".into(),
                name: "spawn_agent".into()
            }
        );
        assert_eq!(map.namespace(&up), Some("multi_agent_v1"));
    }

    #[test]
    fn illegal_characters_are_replaced() {
        let mut n = ToolNamer::new(64);
        let up = n.name_for(Some("mcp.server"), "get file/ü", false);
        assert!(is_legal_tool_name(&up, 64), "{up}");
        assert_eq!(up, "mcp_server__get_file__");
        assert_eq!(n.name_for(None, "", false), "tool");
    }

    #[test]
    fn long_names_are_truncated_with_stable_hash() {
        let long = "a".repeat(100);
        let mut n1 = ToolNamer::new(64);
        let up1 = n1.name_for(Some("ns"), &long, false);
        assert_eq!(up1.len(), 64);
        assert!(is_legal_tool_name(&up1, 64));
        assert!(up1.starts_with("ns__aaa"));
        // Deterministic across requests, regardless of other tools.
        let mut n2 = ToolNamer::new(64);
        n2.name_for(None, "other", false);
        assert_eq!(n2.name_for(Some("ns"), &long, false), up1);
        // Two long names sharing a prefix still differ.
        let long_b = format!("{}b", "a".repeat(99));
        assert_ne!(n2.name_for(Some("ns"), &long_b, false), up1);
        // Tiny limits still produce legal names.
        let mut tiny = ToolNamer::new(5);
        let t = tiny.name_for(None, "abcdefgh", false);
        assert_eq!(t.len(), 5);
        assert!(is_legal_tool_name(&t, 5));
    }

    #[test]
    fn collisions_get_distinct_names() {
        let mut n = ToolNamer::new(64);
        let a = n.name_for(Some("a"), "b", false); // a__b
        let b = n.name_for(None, "a__b", false); // would collide
        let c = n.name_for(Some("a.x"), "b", false);
        let d = n.name_for(Some("a/x"), "b", false); // both sanitize to a_x__b
        assert_eq!(a, "a__b");
        assert_ne!(a, b);
        assert!(b.starts_with("a__b_") && is_legal_tool_name(&b, 64));
        assert_eq!(c, "a_x__b");
        assert_ne!(c, d);
        // Same key again returns the same name.
        assert_eq!(n.name_for(None, "a__b", false), b);
        let map = n.into_map();
        assert_eq!(
            map.resolve(&b),
            ToolOrigin::Function {
                name: "a__b".into()
            }
        );
        assert_eq!(
            map.resolve(&d),
            ToolOrigin::Namespaced {
                namespace: "a/x".into(),
                name: "b".into()
            }
        );
    }

    #[test]
    fn custom_tools_keep_their_namespace_on_the_side() {
        let mut n = ToolNamer::new(64);
        let plain = n.name_for(None, "apply_patch", true);
        let nested = n.name_for(Some("functions"), "exec", true);
        let map = n.into_map();
        assert_eq!(
            map.resolve(&plain),
            ToolOrigin::Custom {
                name: "apply_patch".into()
            }
        );
        assert_eq!(map.namespace(&plain), None);
        assert_eq!(
            map.resolve(&nested),
            ToolOrigin::Custom {
                name: "exec".into()
            }
        );
        assert_eq!(map.namespace(&nested), Some("functions"));
    }
}
