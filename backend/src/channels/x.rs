//! X's Account Activity webhooks: direct messages (`direct_message_events` of type
//! `message_create`) as inbound messages, and the CRC answer.
//!
//! The body's signature (`x-twitter-webhooks-signature`) is checked by [`verify`] before
//! [`parse`] reads it. The account's own messages (`sender_id == for_user_id`), read and typing
//! events, and every other kind of activity are left aside.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::Value;
use time::OffsetDateTime;

use crate::channels::webhook::{self, Batch, Encoding, ParseError, SignatureError, attachment_line, from_millis};
use crate::config::XConfig;
use crate::domain::message::{Channel, InboundMessage, Sender};

pub const SIGNATURE_HEADER: &str = "x-twitter-webhooks-signature";

pub fn verify(config: &XConfig, body: &[u8], signature: Option<&str>) -> Result<(), SignatureError> {
    webhook::verify(&config.consumer_secret, body, signature, Encoding::Base64)
}

/// The answer to X's Challenge-Response Check: `{"response_token": "sha256=<base64>"}`.
pub fn crc_response(config: &XConfig, crc_token: &str) -> Value {
    serde_json::json!({ "response_token": webhook::sign(&config.consumer_secret, crc_token.as_bytes(), Encoding::Base64) })
}

#[derive(Deserialize)]
struct Payload {
    for_user_id: Option<String>,
    #[serde(default)]
    direct_message_events: Vec<DmEvent>,
    #[serde(default)]
    users: HashMap<String, User>,
    #[serde(flatten)]
    other: serde_json::Map<String, Value>,
}

#[derive(Deserialize)]
struct DmEvent {
    #[serde(rename = "type")]
    kind: String,
    id: String,
    created_timestamp: Option<String>,
    message_create: Option<MessageCreate>,
}

#[derive(Deserialize)]
struct MessageCreate {
    sender_id: String,
    message_data: MessageData,
}

#[derive(Deserialize)]
struct MessageData {
    #[serde(default)]
    text: String,
    attachment: Option<Attachment>,
}

#[derive(Deserialize)]
struct Attachment {
    media: Option<Media>,
}

#[derive(Deserialize)]
struct Media {
    #[serde(rename = "type")]
    kind: Option<String>,
    media_url_https: Option<String>,
}

#[derive(Deserialize)]
struct User {
    name: Option<String>,
}

/// Reads a delivery (already verified) for `site` into the messages to file.
pub fn parse(site: &str, config: &XConfig, body: &[u8], now: OffsetDateTime) -> Result<Batch, ParseError> {
    let payload: Payload = serde_json::from_slice(body)?;
    let mut batch = Batch::default();
    // `users` comes with the messages; any other key is another kind of activity.
    for kind in payload.other.keys().filter(|k| !matches!(k.as_str(), "users")) {
        tracing::debug!(site, kind, "X activity that is not a direct message: ignored");
        batch.ignored += 1;
    }
    if payload.for_user_id.as_deref() != Some(config.user_id.as_str()) {
        tracing::warn!(site, for_user_id = ?payload.for_user_id, "X webhook for an account this site does not configure: ignored");
        batch.ignored += payload.direct_message_events.len();
        return Ok(batch);
    }
    for event in payload.direct_message_events {
        let Some(create) = event.message_create.filter(|_| event.kind == "message_create") else {
            tracing::debug!(site, kind = event.kind, "X direct message event that is not a message: ignored");
            batch.ignored += 1;
            continue;
        };
        if create.sender_id == config.user_id {
            batch.ignored += 1;
            continue;
        }
        let data = create.message_data;
        let media = data.attachment.and_then(|a| a.media);
        let attachments: Vec<String> = media
            .iter()
            .map(|m| attachment_line(m.kind.as_deref().unwrap_or("media"), m.media_url_https.as_deref(), None))
            .collect();
        let body = webhook::body(Some(&data.text), &attachments);
        if body.is_empty() {
            batch.ignored += 1;
            continue;
        }
        let millis = event.created_timestamp.as_deref().and_then(|t| t.parse().ok());
        let name = payload.users.get(&create.sender_id).and_then(|u| u.name.clone());
        batch.messages.push(InboundMessage {
            id: event.id,
            site: site.to_owned(),
            channel: Channel::X,
            received_at: from_millis(millis, now),
            from: Sender { name, handle: Some(format!("x:{}", create.sender_id)), ..Sender::default() },
            topic: None,
            subject: None,
            body,
            in_reply_to: None,
            location: None,
        });
    }
    Ok(batch)
}
