//! Responses request → chat completions request.

use serde_json::Value;

use super::{ChatPlan, TranslateError, TranslateOptions};

/// Translates one Responses request body.
pub fn responses_to_chat(
    _request: &Value,
    _opts: &TranslateOptions<'_>,
) -> Result<ChatPlan, TranslateError> {
    Err(TranslateError::NotAnObject)
}
