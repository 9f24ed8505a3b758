//! The social networks' webhooks: `/webhooks/meta/{site}` (Messenger, Instagram, WhatsApp)
//! and `/webhooks/x/{site}`. Thin: check the signature on the raw body, parse, file each
//! message through the intake, answer 200 (also when every event was left aside).
//!
//! A message id seen before is an idempotency key hit: the networks' re-deliveries create
//! nothing new.

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use time::OffsetDateTime;
use wire::ApiError;

use crate::channels::webhook::{Batch, ParseError, SignatureError};
use crate::channels::{meta, x};
use crate::config::{MetaConfig, Site, XConfig};
use crate::http::AppState;

/// A delivery batches events, but is never a file: media stay on the networks' servers.
pub(crate) const MAX_BODY_BYTES: usize = 1024 * 1024;

/// What the networks are told; they only look at the status, people reading logs at the rest.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub(crate) struct Received {
    /// Messages filed for the first time.
    filed: usize,
    /// Messages received before: nothing was changed.
    already_seen: usize,
    /// Echoes, receipts, statuses, own messages, unknown kinds.
    ignored: usize,
}

#[derive(Debug)]
pub(crate) enum WebhookError {
    UnknownSite,
    /// The site exists but takes nothing from this network.
    NotConfigured,
    /// The handshake's token is not the site's.
    Forbidden,
    Signature(SignatureError),
    BadPayload(ParseError),
    MissingCrcToken,
    TooLarge,
    Internal(String),
}

impl IntoResponse for WebhookError {
    fn into_response(self) -> Response {
        use WebhookError::*;
        let (status, code, message) = match self {
            UnknownSite => (StatusCode::NOT_FOUND, "unknown_site", "no such site".to_owned()),
            NotConfigured => {
                (StatusCode::NOT_FOUND, "not_configured", "this site takes no messages from this network".to_owned())
            }
            Forbidden => (StatusCode::FORBIDDEN, "forbidden", "the verify token is not this site's".to_owned()),
            Signature(e @ SignatureError::Missing) => (StatusCode::UNAUTHORIZED, "missing_signature", e.to_string()),
            Signature(e) => (StatusCode::FORBIDDEN, "bad_signature", e.to_string()),
            BadPayload(e) => (StatusCode::BAD_REQUEST, "bad_json", e.to_string()),
            MissingCrcToken => (StatusCode::BAD_REQUEST, "missing_crc_token", "crc_token is missing".to_owned()),
            TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "too_large", "the body is too large".to_owned()),
            Internal(detail) => {
                tracing::error!("webhook: {detail}");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error".to_owned())
            }
        };
        if status != StatusCode::INTERNAL_SERVER_ERROR {
            tracing::info!(status = status.as_u16(), code, "webhook refused: {message}");
        }
        (status, Json(ApiError { code: code.to_owned(), message, fields: vec![] })).into_response()
    }
}

fn site<'a>(state: &'a AppState, id: &str) -> Result<&'a Site, WebhookError> {
    state.config.site(id).ok_or(WebhookError::UnknownSite)
}

fn raw(body: Result<Bytes, BytesRejection>) -> Result<Bytes, WebhookError> {
    body.map_err(|e| match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE => WebhookError::TooLarge,
        _ => WebhookError::BadPayload(ParseError(e.body_text())),
    })
}

/// `GET /webhooks/meta/{site}`: Meta's subscription handshake.
pub(crate) async fn meta_handshake(
    State(state): State<AppState>,
    Path(site_id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, WebhookError> {
    let config = site(&state, &site_id)?.meta.as_ref().ok_or(WebhookError::NotConfigured)?;
    let get = |k: &str| query.get(k).map(String::as_str);
    let challenge = meta::handshake(config, get("hub.mode"), get("hub.verify_token"), get("hub.challenge"))
        .ok_or(WebhookError::Forbidden)?;
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], challenge.to_owned()).into_response())
}

/// `GET /webhooks/x/{site}?crc_token=…`: X's Challenge-Response Check.
pub(crate) async fn x_crc(
    State(state): State<AppState>,
    Path(site_id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<serde_json::Value>, WebhookError> {
    let config = site(&state, &site_id)?.x.as_ref().ok_or(WebhookError::NotConfigured)?;
    let token = query.get("crc_token").ok_or(WebhookError::MissingCrcToken)?;
    Ok(Json(x::crc_response(config, token)))
}

/// A network's webhook deliveries: where its configuration is, how they are signed and read.
pub(crate) trait Network: Sized {
    const SIGNATURE_HEADER: &'static str;
    fn of(site: &Site) -> Option<&Self>;
    fn verify(&self, body: &[u8], signature: Option<&str>) -> Result<(), SignatureError>;
    fn parse(&self, site: &str, body: &[u8], now: OffsetDateTime) -> Result<Batch, ParseError>;
}

impl Network for MetaConfig {
    const SIGNATURE_HEADER: &'static str = meta::SIGNATURE_HEADER;
    fn of(site: &Site) -> Option<&Self> {
        site.meta.as_ref()
    }
    fn verify(&self, body: &[u8], signature: Option<&str>) -> Result<(), SignatureError> {
        meta::verify(self, body, signature)
    }
    fn parse(&self, site: &str, body: &[u8], now: OffsetDateTime) -> Result<Batch, ParseError> {
        meta::parse(site, self, body, now)
    }
}

impl Network for XConfig {
    const SIGNATURE_HEADER: &'static str = x::SIGNATURE_HEADER;
    fn of(site: &Site) -> Option<&Self> {
        site.x.as_ref()
    }
    fn verify(&self, body: &[u8], signature: Option<&str>) -> Result<(), SignatureError> {
        x::verify(self, body, signature)
    }
    fn parse(&self, site: &str, body: &[u8], now: OffsetDateTime) -> Result<Batch, ParseError> {
        x::parse(site, self, body, now)
    }
}

/// `POST /webhooks/meta/{site}` (Messenger, Instagram, WhatsApp) and `POST /webhooks/x/{site}`:
/// the signature on the raw body first, then the payload, then each message filed.
pub(crate) async fn delivery<N: Network>(
    State(state): State<AppState>,
    Path(site_id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Received>, WebhookError> {
    let site = site(&state, &site_id)?;
    let network = N::of(site).ok_or(WebhookError::NotConfigured)?;
    let body = raw(body)?;
    let signature = headers.get(N::SIGNATURE_HEADER).and_then(|v| v.to_str().ok());
    network.verify(&body, signature).map_err(WebhookError::Signature)?;
    let batch = network.parse(&site.id, &body, OffsetDateTime::now_utc()).map_err(WebhookError::BadPayload)?;
    file(&state, site, batch).await
}

/// Files each message in turn. A failure answers 500, so that the network delivers again;
/// the messages filed before it are then already seen.
async fn file(state: &AppState, site: &Site, batch: Batch) -> Result<Json<Received>, WebhookError> {
    let Batch { messages, ignored, media } = batch;
    let mut received = Received { filed: 0, already_seen: 0, ignored };
    for message in messages {
        // Media are only queued with their message here: fetched later, never in this request.
        let files = media.iter().filter(|m| m.message_id == message.id).cloned().collect();
        let filed = state
            .intake
            .file_social(message, site.language, files)
            .await
            .map_err(|e| WebhookError::Internal(e.to_string()))?;
        if filed.already_seen {
            received.already_seen += 1;
        } else {
            received.filed += 1;
        }
    }
    if received.filed > 0 {
        // Wakes every worker: the outbox, and the media fetcher.
        state.outbox.wake();
    }
    Ok(Json(received))
}
