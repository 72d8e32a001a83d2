//! The outbound hop: one shared HTTP client, retries, error classification.
