//! Meta's webhooks (Messenger `object: page`, Instagram `object: instagram`, WhatsApp Cloud
//! API `object: whatsapp_business_account`) as inbound messages.
//!
//! The body's signature is checked by [`verify`] before [`parse`] reads it. Echoes, the
//! account's own messages, delivery and read receipts, WhatsApp statuses, reactions and
//! unknown kinds are left aside; attachments become lines of the body, kept as references
//! (URLs, or WhatsApp media ids). When the site fetches media (`fetch_media`), the batch
//! also names each WhatsApp media id, for [`crate::media_fetch`] to download later.

use serde::Deserialize;
use serde_json::Value;
use time::OffsetDateTime;

use crate::channels::webhook::{self, Batch, Encoding, ParseError, SignatureError, attachment_line, from_millis};
use crate::config::MetaConfig;
use crate::domain::message::{Channel, InboundMessage, MediaRef, Sender};

pub const SIGNATURE_HEADER: &str = "x-hub-signature-256";

/// Checks `X-Hub-Signature-256` against the raw body.
pub fn verify(config: &MetaConfig, body: &[u8], signature: Option<&str>) -> Result<(), SignatureError> {
    webhook::verify(&config.app_secret, body, signature, Encoding::Hex)
}

/// The subscription handshake: the challenge to echo when the mode is `subscribe` and the
/// token is the site's; `None` otherwise (answered 403).
pub fn handshake<'a>(
    config: &MetaConfig,
    mode: Option<&str>,
    token: Option<&str>,
    challenge: Option<&'a str>,
) -> Option<&'a str> {
    let token_ok = token.is_some_and(|t| constant_time_eq(t.as_bytes(), config.verify_token.as_bytes()));
    (mode == Some("subscribe") && token_ok).then_some(challenge).flatten()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[derive(Deserialize)]
struct Payload {
    object: String,
    #[serde(default)]
    entry: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    #[serde(default)]
    id: String,
    time: Option<i64>,
    #[serde(default)]
    messaging: Vec<Messaging>,
    /// Events seen while another app holds the conversation (handover protocol).
    #[serde(default)]
    standby: Vec<Value>,
    #[serde(default)]
    changes: Vec<Change>,
}

/// One Messenger or Instagram event; only `message` is filed, the rest is named in the log.
#[derive(Deserialize)]
struct Messaging {
    sender: Option<Id>,
    timestamp: Option<i64>,
    message: Option<MessengerMessage>,
    #[serde(flatten)]
    other: serde_json::Map<String, Value>,
}

#[derive(Deserialize)]
struct Id {
    id: String,
}

#[derive(Deserialize)]
struct MessengerMessage {
    mid: String,
    text: Option<String>,
    #[serde(default)]
    is_echo: bool,
    #[serde(default)]
    attachments: Vec<MessengerAttachment>,
}

#[derive(Deserialize)]
struct MessengerAttachment {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    payload: Value,
}

#[derive(Deserialize)]
struct Change {
    field: String,
    #[serde(default)]
    value: Value,
}

#[derive(Deserialize)]
struct WhatsappValue {
    metadata: Option<WhatsappMetadata>,
    #[serde(default)]
    contacts: Vec<WhatsappContact>,
    #[serde(default)]
    messages: Vec<WhatsappMessage>,
    #[serde(default)]
    statuses: Vec<Value>,
}

#[derive(Deserialize)]
struct WhatsappMetadata {
    phone_number_id: String,
}

#[derive(Deserialize)]
struct WhatsappContact {
    wa_id: String,
    profile: Option<WhatsappProfile>,
}

#[derive(Deserialize)]
struct WhatsappProfile {
    name: Option<String>,
}

#[derive(Deserialize)]
struct WhatsappMessage {
    from: String,
    id: String,
    timestamp: Option<String>,
    #[serde(rename = "type")]
    kind: String,
    text: Option<WhatsappText>,
    location: Option<WhatsappLocation>,
    button: Option<WhatsappText>,
    #[serde(flatten)]
    other: serde_json::Map<String, Value>,
}

#[derive(Deserialize)]
struct WhatsappText {
    #[serde(alias = "text")]
    body: String,
}

#[derive(Deserialize)]
struct WhatsappLocation {
    latitude: f64,
    longitude: f64,
    name: Option<String>,
    address: Option<String>,
}

/// Reads a delivery (already verified) for `site` into the messages to file.
pub fn parse(site: &str, config: &MetaConfig, body: &[u8], now: OffsetDateTime) -> Result<Batch, ParseError> {
    let payload: Payload = serde_json::from_slice(body)?;
    let mut batch = Batch::default();
    let (channel, own_id) = match payload.object.as_str() {
        "page" => (Channel::Messenger, config.page_id.as_deref()),
        "instagram" => (Channel::Instagram, config.instagram_id.as_deref()),
        "whatsapp_business_account" => {
            for entry in payload.entry {
                for change in entry.changes {
                    whatsapp_change(site, config, change, now, &mut batch)?;
                }
            }
            return Ok(batch);
        }
        other => {
            tracing::debug!(site, object = other, "Meta webhook for an object Guichet does not take: ignored");
            batch.ignored += payload.entry.len().max(1);
            return Ok(batch);
        }
    };
    for entry in payload.entry {
        if !entry.standby.is_empty() {
            tracing::debug!(
                site,
                count = entry.standby.len(),
                "Meta standby events (another app has the thread): ignored"
            );
            batch.ignored += entry.standby.len();
        }
        if own_id != Some(entry.id.as_str()) {
            tracing::warn!(
                site,
                account = entry.id,
                "Meta webhook for an account this site does not configure: ignored"
            );
            batch.ignored += entry.messaging.len().max(1);
            continue;
        }
        for event in entry.messaging {
            match messenger_event(site, channel, own_id, event, from_millis(entry.time, now)) {
                Some(message) => batch.messages.push(message),
                None => batch.ignored += 1,
            }
        }
    }
    Ok(batch)
}

/// A Messenger or Instagram event as a message, or `None` when it is not one to file.
fn messenger_event(
    site: &str,
    channel: Channel,
    own_id: Option<&str>,
    event: Messaging,
    entry_time: OffsetDateTime,
) -> Option<InboundMessage> {
    let Some(message) = event.message else {
        let kinds: Vec<&String> = event.other.keys().filter(|k| !matches!(k.as_str(), "recipient")).collect();
        tracing::debug!(
            site,
            ?channel,
            ?kinds,
            "Meta event that is not a message (receipt, read, postback...): ignored"
        );
        return None;
    };
    let sender = event.sender?.id;
    if message.is_echo || Some(sender.as_str()) == own_id {
        return None;
    }
    let attachments: Vec<String> = message
        .attachments
        .iter()
        .map(|a| attachment_line(&a.kind, a.payload.get("url").and_then(Value::as_str), None))
        .collect();
    let body = webhook::body(message.text.as_deref(), &attachments);
    if body.is_empty() {
        tracing::debug!(site, mid = message.mid, "Meta message with neither text nor attachment: ignored");
        return None;
    }
    Some(InboundMessage {
        id: message.mid,
        site: site.to_owned(),
        channel,
        received_at: event.timestamp.map_or(entry_time, |t| from_millis(Some(t), entry_time)),
        from: Sender { handle: Some(format!("{}:{sender}", channel.as_str())), ..Sender::default() },
        topic: None,
        subject: None,
        body,
        in_reply_to: None,
        location: None,
    })
}

fn whatsapp_change(
    site: &str,
    config: &MetaConfig,
    change: Change,
    now: OffsetDateTime,
    batch: &mut Batch,
) -> Result<(), ParseError> {
    if change.field != "messages" {
        tracing::debug!(site, field = change.field, "WhatsApp change that is not about messages: ignored");
        batch.ignored += 1;
        return Ok(());
    }
    let value: WhatsappValue = serde_json::from_value(change.value)?;
    let number = value.metadata.as_ref().map(|m| m.phone_number_id.as_str());
    if number.is_none() || number != config.whatsapp_phone_number_id.as_deref() {
        tracing::warn!(site, ?number, "WhatsApp webhook for a number this site does not configure: ignored");
        batch.ignored += value.messages.len() + value.statuses.len();
        return Ok(());
    }
    // Delivery and read statuses of what Guichet sent: nothing to file.
    batch.ignored += value.statuses.len();
    for message in value.messages {
        let name =
            value.contacts.iter().find(|c| c.wa_id == message.from).and_then(|c| c.profile.as_ref()?.name.clone());
        match whatsapp_message(site, message, name, now) {
            Some((message, media)) => {
                batch.media.extend(media.filter(|_| config.fetch_media));
                batch.messages.push(message);
            }
            None => batch.ignored += 1,
        }
    }
    Ok(())
}

/// The kinds that carry media, each an object with an `id` and maybe a caption or filename.
const WHATSAPP_MEDIA: [&str; 5] = ["image", "audio", "video", "document", "sticker"];

fn whatsapp_message(
    site: &str,
    m: WhatsappMessage,
    name: Option<String>,
    now: OffsetDateTime,
) -> Option<(InboundMessage, Option<MediaRef>)> {
    let mut location = None;
    let mut media_ref = None;
    let (text, attachments) = match m.kind.as_str() {
        "text" => (m.text.map(|t| t.body), vec![]),
        "button" => (m.button.map(|b| b.body), vec![]),
        kind if WHATSAPP_MEDIA.contains(&kind) => {
            let media = m.other.get(kind);
            let field = |name: &str| media.and_then(|v| v.get(name)).and_then(Value::as_str);
            // Ids go into a URL path: Graph's are digits, anything else is left as a reference.
            let safe = |id: &&str| id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
            media_ref = field("id").filter(safe).map(|id| MediaRef {
                message_id: m.id.clone(),
                media_id: id.to_owned(),
                mime_type: field("mime_type").map(str::to_owned),
            });
            let id = field("id").map(|id| format!("whatsapp-media:{id}"));
            (field("caption").map(str::to_owned), vec![attachment_line(kind, id.as_deref(), field("filename"))])
        }
        "location" => {
            let l = m.location?;
            let place: Vec<&str> = [l.name.as_deref(), l.address.as_deref()].into_iter().flatten().collect();
            location = (!place.is_empty()).then(|| place.join(", "));
            let at = format!("{:.6},{:.6}", l.latitude, l.longitude);
            (None, vec![attachment_line("location", location.as_deref(), Some(&at))])
        }
        other => {
            tracing::debug!(site, kind = other, id = m.id, "WhatsApp message of a kind Guichet does not file: ignored");
            return None;
        }
    };
    let body = webhook::body(text.as_deref(), &attachments);
    if body.is_empty() {
        return None;
    }
    let seconds = m.timestamp.as_deref().and_then(|t| t.parse::<i64>().ok());
    let message = InboundMessage {
        id: m.id,
        site: site.to_owned(),
        channel: Channel::Whatsapp,
        received_at: from_millis(seconds.map(|s| s * 1000), now),
        from: Sender {
            name,
            phone: Some(format!("+{}", m.from)),
            handle: Some(format!("whatsapp:{}", m.from)),
            email: None,
        },
        topic: None,
        subject: None,
        body,
        in_reply_to: None,
        location,
    };
    Some((message, media_ref))
}
