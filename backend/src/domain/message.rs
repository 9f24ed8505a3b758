//! The one kind of message every channel is turned into (see `shared/formats/inbound-message.md`).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Where a message came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Widget,
    Email,
    Messenger,
    Instagram,
    Whatsapp,
    X,
    Phone,
    Desk,
    Post,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Widget => "widget",
            Channel::Email => "email",
            Channel::Messenger => "messenger",
            Channel::Instagram => "instagram",
            Channel::Whatsapp => "whatsapp",
            Channel::X => "x",
            Channel::Phone => "phone",
            Channel::Desk => "desk",
            Channel::Post => "post",
        }
    }
}

/// What the channel tells about the sender; any part may be missing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sender {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// `<channel>:<id>` for social networks, e.g. `messenger:2783641`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handle: Option<String>,
}

/// A message as received, whatever its channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboundMessage {
    /// Unique at its source: the same id seen twice is the same message delivered twice.
    pub id: String,
    pub site: String,
    pub channel: Channel,
    #[serde(with = "time::serde::rfc3339")]
    pub received_at: OffsetDateTime,
    pub from: Sender,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    pub body: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_reply_to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

/// A file that came with a message (the widget's photo). Kept beside the message, not in
/// its interchange JSON: history files stay text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// A file a network keeps for a message (a WhatsApp media id), to be fetched after the
/// message is filed: webhooks are answered before anything is downloaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaRef {
    /// The message's id on the network ([`InboundMessage::id`]).
    pub message_id: String,
    /// The network's id of the file.
    pub media_id: String,
    /// What the webhook said the file is, if it did.
    pub mime_type: Option<String>,
}

/// Turns a blank string into `None` and trims the rest: forms send empty fields.
pub fn non_blank(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interchange_example_reads_and_writes_back() {
        let line = r#"{"id":"m-0001","site":"ville-exemple","channel":"widget","received_at":"2026-03-02T09:14:00+01:00","from":{"name":"Claire Dubois","email":"claire.dubois@example.fr","phone":"06 12 34 56 78"},"topic":"voirie","body":"Un nid-de-poule dangereux devant le 12 rue des Lilas.","location":"12 rue des Lilas"}"#;
        let m: InboundMessage = serde_json::from_str(line).unwrap();
        assert_eq!(m.channel, Channel::Widget);
        assert_eq!(m.received_at.offset().whole_hours(), 1);
        assert_eq!(serde_json::to_string(&m).unwrap(), line);
    }
}
