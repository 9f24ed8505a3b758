//! The one error type of the API: every 4xx says what is wrong in the caller's language;
//! a 500 is logged and tells the client nothing.

use axum::Json;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use wire::i18n::fill;
use wire::{ApiError, Field, FieldError, Lang, Problem};

use crate::intake::IntakeError;

#[derive(Debug)]
pub(crate) enum Failure {
    UnknownSite,
    ForbiddenOrigin,
    BadJson(String),
    TooLarge,
    /// Fields at fault; a photo's size is told against the site's limit.
    Invalid {
        problems: Vec<(Field, Problem)>,
        max_photo_bytes: u64,
    },
    NotFound,
    Unauthorized,
    /// The request is understood but contradicts the state (e.g. nothing to split).
    Conflict(String),
    /// The body is not what the route takes; says what is wrong.
    BadInput(String),
    /// The body's media type is not one the route takes; says which it takes.
    Unsupported(String),
    Internal(String),
}

/// A failure and the language to explain it in.
#[derive(Debug)]
pub(crate) struct HttpError(pub(crate) Lang, pub(crate) Failure);

impl From<(Lang, IntakeError)> for HttpError {
    fn from((lang, e): (Lang, IntakeError)) -> HttpError {
        HttpError(lang, Failure::Internal(e.to_string()))
    }
}

/// The caller's language, from `Accept-Language` (the widget sends the page's language).
pub(crate) fn lang_of(headers: &HeaderMap) -> Lang {
    headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).map(Lang::from_tag).unwrap_or_default()
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        let HttpError(lang, failure) = self;
        let t = lang.texts();
        let (status, code, message, fields) = match failure {
            Failure::UnknownSite => (StatusCode::NOT_FOUND, "unknown_site", t.unknown_site.to_owned(), vec![]),
            Failure::ForbiddenOrigin => {
                (StatusCode::FORBIDDEN, "forbidden_origin", t.forbidden_origin.to_owned(), vec![])
            }
            Failure::BadJson(detail) => {
                (StatusCode::BAD_REQUEST, "bad_json", format!("{} ({detail})", t.bad_request), vec![])
            }
            Failure::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "too_large", t.too_large.to_owned(), vec![]),
            Failure::NotFound => (StatusCode::NOT_FOUND, "not_found", t.not_found.to_owned(), vec![]),
            Failure::Unauthorized => {
                (StatusCode::UNAUTHORIZED, "unauthorized", "Bearer token required".to_owned(), vec![])
            }
            Failure::Conflict(why) => (StatusCode::CONFLICT, "conflict", why, vec![]),
            Failure::BadInput(why) => (StatusCode::BAD_REQUEST, "bad_request", why, vec![]),
            Failure::Unsupported(why) => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", why, vec![]),
            Failure::Invalid { problems, max_photo_bytes } => {
                // A photo over the limit is a body too large, said beside its field.
                let status = match problems.iter().any(|(_, p)| *p == Problem::PhotoTooLarge) {
                    true => StatusCode::PAYLOAD_TOO_LARGE,
                    false => StatusCode::UNPROCESSABLE_ENTITY,
                };
                let max = lang.size(max_photo_bytes);
                let fields = problems
                    .into_iter()
                    .map(|(field, problem)| FieldError {
                        field,
                        problem,
                        message: fill(lang.problem(field, problem), &[("max", &max)]),
                    })
                    .collect();
                (status, "invalid", t.invalid_submission.to_owned(), fields)
            }
            Failure::Internal(detail) => {
                tracing::error!("internal error: {detail}");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal", t.internal_error.to_owned(), vec![])
            }
        };
        (status, Json(ApiError { code: code.to_owned(), message, fields })).into_response()
    }
}

pub(crate) async fn not_found(headers: HeaderMap) -> HttpError {
    HttpError(lang_of(&headers), Failure::NotFound)
}
