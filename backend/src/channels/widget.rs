//! The widget's submissions, already validated, as inbound messages.

use time::OffsetDateTime;
use wire::Submission;

use crate::domain::message::{Channel, InboundMessage, Sender, non_blank};

/// The idempotency key is the message's source id: a retried submission is the same message.
pub fn to_message(site: &str, s: Submission, received_at: OffsetDateTime) -> InboundMessage {
    InboundMessage {
        id: format!("widget:{}", s.idempotency_key.trim()),
        site: site.to_owned(),
        channel: Channel::Widget,
        received_at,
        from: Sender { name: non_blank(&s.name), email: non_blank(&s.email), phone: non_blank(&s.phone), handle: None },
        topic: non_blank(&s.topic),
        subject: None,
        body: s.message.trim().to_owned(),
        in_reply_to: None,
        location: non_blank(&s.location),
    }
}
