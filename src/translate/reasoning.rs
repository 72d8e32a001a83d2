//! The `encrypted_content` we hand Codex: opaque to Codex, it carries the upstream `reasoning_content`
//! so the next call can echo it back.
