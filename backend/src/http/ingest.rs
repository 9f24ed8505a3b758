//! Raw email handed over by a mail server: `POST /api/v1/email[?site=S]` with the message as
//! `message/rfc822`, behind `server.ingest_token`. The answer says what the email did.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use serde::Deserialize;

use crate::http::AppState;
use crate::http::admin::bearer;
use crate::http::error::{Failure, HttpError, lang_of};
use crate::intake::{EmailOutcome, IntakeError};

pub(crate) async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    bearer(state.config.ingest_token.as_deref(), request, next).await
}

#[derive(Debug, Deserialize)]
pub(crate) struct Target {
    /// The site whose address received it; mail to a `reply+` address needs none.
    site: Option<String>,
}

pub(crate) async fn email(
    State(state): State<AppState>,
    Query(target): Query<Target>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<EmailOutcome>), HttpError> {
    let lang = lang_of(&headers);
    let kind = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let kind = kind.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if !matches!(kind.as_str(), "message/rfc822" | "text/plain" | "application/octet-stream") {
        let why = format!("send the raw message as `Content-Type: message/rfc822`, not `{kind}`");
        return Err(HttpError(lang, Failure::Unsupported(why)));
    }
    let outcome = state.intake.receive_email(target.site.as_deref(), body.to_vec()).await.map_err(|e| match e {
        IntakeError::UnknownSite(_) => HttpError(lang, Failure::UnknownSite),
        IntakeError::BadEmail(_) | IntakeError::NoSite => HttpError(lang, Failure::BadInput(e.to_string())),
        e => HttpError::from((lang, e)),
    })?;
    state.outbox.wake();
    Ok((StatusCode::ACCEPTED, Json(outcome)))
}
