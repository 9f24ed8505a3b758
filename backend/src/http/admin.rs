//! Agents' corrections over HTTP, behind the administrator's token: split a message out of
//! its ticket, take a ticket out of its incident. Without `server.admin_token`, none of it exists.

use axum::Json;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use wire::Accepted;

use crate::http::AppState;
use crate::http::error::{Failure, HttpError, lang_of};
use crate::intake::IntakeError;

pub(crate) async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    bearer(state.config.admin_token.as_deref(), request, next).await
}

/// Lets the request through only with `Authorization: Bearer <token>`; without a configured
/// token, the routes behind do not exist.
pub(crate) async fn bearer(token: Option<&str>, request: Request, next: Next) -> Response {
    let lang = lang_of(request.headers());
    let Some(token) = token else {
        return HttpError(lang, Failure::NotFound).into_response();
    };
    let given = request.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    match given.and_then(|v| v.strip_prefix("Bearer ")) {
        Some(given) if same(given.as_bytes(), token.as_bytes()) => next.run(request).await,
        _ => HttpError(lang, Failure::Unauthorized).into_response(),
    }
}

/// Compares without stopping at the first difference, so timing tells nothing of the token.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub(crate) async fn split(
    State(state): State<AppState>,
    Path((site, message)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Json<Accepted>, HttpError> {
    let reference = state.intake.split_message(&site, &message).await.map_err(|e| refused(&headers, e))?;
    state.outbox.wake();
    Ok(Json(Accepted { reference: reference.to_string() }))
}

pub(crate) async fn detach(
    State(state): State<AppState>,
    Path(reference): Path<String>,
    headers: HeaderMap,
) -> Result<StatusCode, HttpError> {
    state.intake.detach(&reference).await.map_err(|e| refused(&headers, e))?;
    Ok(StatusCode::NO_CONTENT)
}

fn refused(headers: &HeaderMap, e: IntakeError) -> HttpError {
    let lang = lang_of(headers);
    match e {
        IntakeError::UnknownSite(_) => HttpError(lang, Failure::UnknownSite),
        IntakeError::UnknownMessage | IntakeError::UnknownTicket => HttpError(lang, Failure::NotFound),
        IntakeError::NothingToSplit | IntakeError::NotInIncident => HttpError(lang, Failure::Conflict(e.to_string())),
        e => HttpError::from((lang, e)),
    }
}
