//! The project's one fake upstream: a strict, scriptable Chat Completions server (in-process axum).
//!
//! * Listens on `127.0.0.1:0`; [`FakeUpstream::base_url`] is `http://127.0.0.1:PORT/v1`.
//! * Routes: `POST /v1/chat/completions` and `POST /chat/completions` (same handler, so a provider
//!   `base_url` with or without `/v1` both work). `GET /v1/models` (and `GET /models`) once
//!   [`FakeUpstream::serve_models`] turns it on: 401 without the profile's key, else the profile's
//!   models as an OpenAI model list. Anything else answers 404 in the OpenAI error shape and is
//!   recorded too.
//! * Validates every request the way real vendors do (see [`Profile`]); a rejected request is answered
//!   with the vendor-style 4xx and does **not** consume a scripted turn.
//! * Accepted requests take the next [`Script`] from the queue ([`FakeUpstream::push`]); when the
//!   queue is empty the responder (default: a short echo of the last user text) makes one.
//! * Every request is recorded ([`FakeUpstream::requests`]) with headers, parsed body and the
//!   rejection, if any; [`FakeUpstream::hits`] counts them.
//!
//! Reasoning in a script is only emitted when the request has thinking on (per the profile's
//! thinking switch), like real thinking models; with [`Profile::think_tags`] it arrives as
//! `<think>…</think>` inside `content` (MiniMax) instead of `reasoning_content`.

mod assemble;
pub mod client;
mod profile;
mod script;
mod server;
mod stream;
mod validate;

// Each test crate uses a different subset of these, hence the `allow`s.
#[allow(unused_imports)]
pub use assemble::{assemble_chat_stream, Assembled};
#[allow(unused_imports)]
pub use profile::{Profile, ThinkingShape};
#[allow(unused_imports)]
pub use script::{split_pieces, Ending, Script, ScriptCall, ScriptUsage, UsageShape};
#[allow(unused_imports)]
pub use server::{echo_responder, FakeUpstream, RecordedRequest, Responder};
#[allow(unused_imports)]
pub use validate::{
    validate, Rejection, ERR_MINIMAX_2013, ERR_MISSING_TOOL_ANSWER, ERR_REASONING_ECHO,
    ERR_TOOL_WITHOUT_CALL,
};
