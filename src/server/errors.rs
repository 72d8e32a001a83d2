//! OpenAI-shaped JSON error replies: Codex shows `error.message` to the user, so it carries the fix.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// `{"error": {"message", "type", "code"}}` with a status.
pub fn json_error(
    status: StatusCode,
    kind: &str,
    code: &str,
    message: impl Into<String>,
) -> Response {
    let body = json!({
        "error": {
            "message": message.into(),
            "type": kind,
            "code": code,
        }
    });
    (status, Json(body)).into_response()
}

pub fn bad_request(message: impl Into<String>) -> Response {
    json_error(
        StatusCode::BAD_REQUEST,
        "invalid_request_error",
        "invalid_request",
        message,
    )
}
