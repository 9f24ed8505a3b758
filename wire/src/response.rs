//! What the backend answers to a submission.

use serde::{Deserialize, Serialize};

use crate::submission::{Field, Problem};

/// `201 Created` (or `200 OK` when the idempotency key was already seen): the ticket's reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accepted {
    pub reference: String,
}

/// Every 4xx answer: a stable `code`, a sentence for people, and the fields at fault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub code: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
}

/// One field's problem: which field, a stable code, and the sentence shown beside the field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: Field,
    pub problem: Problem,
    pub message: String,
}
