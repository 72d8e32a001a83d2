//! Tool definitions Codex → upstream function tools, and the reverse name map.

use std::collections::HashMap;

/// What a tool was called on the Codex side.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ToolOrigin {
    /// A plain function tool.
    Function { name: String },
    /// A function nested in a `namespace` tool; must come back with `namespace` set.
    Namespaced { namespace: String, name: String },
    /// A freeform (`custom`) tool such as apply_patch; sent upstream as a function with one string
    /// parameter named `input`, comes back as a `custom_tool_call`.
    Custom { name: String },
}

/// Upstream function name → Codex tool. Deterministic: the same tools give the same names every call,
/// so history from earlier calls maps the same way.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ToolNameMap {
    by_upstream: HashMap<String, ToolOrigin>,
}

impl ToolNameMap {
    pub fn insert(&mut self, upstream: String, origin: ToolOrigin) {
        self.by_upstream.insert(upstream, origin);
    }

    /// The Codex tool an upstream name stands for; unknown names come back as plain functions.
    pub fn resolve(&self, upstream: &str) -> ToolOrigin {
        self.by_upstream
            .get(upstream)
            .cloned()
            .unwrap_or_else(|| ToolOrigin::Function {
                name: upstream.to_string(),
            })
    }

    pub fn len(&self) -> usize {
        self.by_upstream.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_upstream.is_empty()
    }
}
