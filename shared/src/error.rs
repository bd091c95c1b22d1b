//! The one JSON error body every 4xx and 5xx response carries.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `{"error": "<code>", "message": "<what is wrong>"}`: a stable machine code and a sentence
/// for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    /// Stable code such as `bad_request`, `not_found`, `conflict`.
    pub error: String,
    /// What is wrong, written for the person who sent the request.
    pub message: String,
}
