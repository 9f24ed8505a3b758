//! The widget's API: the site's settings, and submissions.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use time::OffsetDateTime;
use wire::{Accepted, Field, Lang, Submission, TopicInfo, WidgetConfig};

use crate::channels::widget;
use crate::http::AppState;
use crate::http::error::{Failure, HttpError, lang_of};

/// `GET /api/v1/sites/{site}/widget`: topics and privacy link, in the caller's language.
pub(crate) async fn widget_config(
    State(state): State<AppState>,
    Path(site): Path<String>,
    headers: HeaderMap,
) -> Result<Json<WidgetConfig>, HttpError> {
    let lang = lang_of(&headers);
    let site = state.config.site(&site).ok_or(HttpError(lang, Failure::UnknownSite))?;
    Ok(Json(WidgetConfig {
        site: site.id.clone(),
        name: site.name.clone(),
        topics: site
            .topics
            .iter()
            .map(|t| TopicInfo { id: t.id.clone(), label: t.label(lang).to_owned(), location: t.location })
            .collect(),
        privacy_url: site.privacy_url.clone(),
        max_photo_bytes: site.max_photo_bytes,
        follow_up: site.follow_up(lang).map(str::to_owned),
    }))
}

/// `POST /api/v1/sites/{site}/messages`: 201 with the new ticket's reference once it is on
/// disk; 200 with the same reference when the idempotency key was seen before.
pub(crate) async fn submit(
    State(state): State<AppState>,
    Path(site_id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Accepted>), HttpError> {
    let lang = lang_of(&headers);
    let fail = |f| HttpError(lang, f);
    let site = state.config.site(&site_id).ok_or(fail(Failure::UnknownSite))?;
    let body = body.map_err(|e| match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE => fail(Failure::TooLarge),
        _ => fail(Failure::BadJson(e.body_text())),
    })?;
    let submission: Submission = serde_json::from_slice(&body).map_err(|e| fail(Failure::BadJson(e.to_string())))?;
    let topics: Vec<&str> = site.topics.iter().map(|t| t.id.as_str()).collect();
    let mut problems = wire::validate(&submission, &topics);
    let photo = submission.photo.as_ref().map(|p| widget::photo(p, site.max_photo_bytes)).transpose();
    let attachments = match photo {
        Ok(photo) => photo.into_iter().collect(),
        Err(problem) => {
            problems.push((Field::Photo, problem));
            vec![]
        }
    };
    if !problems.is_empty() {
        return Err(fail(Failure::Invalid { problems, max_photo_bytes: site.max_photo_bytes }));
    }
    let citizen_lang: Lang = submission.lang;
    let message = widget::to_message(&site.id, submission, OffsetDateTime::now_utc());
    let filed =
        state.intake.file_with(message, citizen_lang, attachments).await.map_err(|e| HttpError::from((lang, e)))?;
    if !filed.already_seen {
        state.outbox.wake();
    }
    let status = if filed.already_seen { StatusCode::OK } else { StatusCode::CREATED };
    Ok((status, Json(Accepted { reference: filed.reference.to_string() })))
}
