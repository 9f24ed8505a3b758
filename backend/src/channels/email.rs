//! Inbound email as Guichet reads it: raw RFC 5322 bytes to a [`ReadEmail`] — addresses, thread
//! ids, the text (HTML converted when there is no text part), the citizen's new words,
//! attachments within limits, and whether a robot sent it (auto-reply, list, bounce).
//!
//! MIME, charsets and transfer encodings are mail-parser's; quotes and signatures are
//! [`crate::domain::quotes`]'s. The caller decides what a message changes: this only reads.

mod html;
mod robot;

use std::fmt;

use mail_parser::{Message, MessageParser, MessagePart, MimeHeaders, PartType};
use serde::Serialize;
use serde_json::json;
use time::{OffsetDateTime, UtcOffset};

use crate::domain::quotes;
pub use robot::{Bounce, Robot};

/// How much of a message's attachments Guichet keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// An attachment larger than this (decoded) is refused.
    pub max_attachment_bytes: usize,
    /// Attachments after this many are refused.
    pub max_attachments: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { max_attachment_bytes: 10 * 1024 * 1024, max_attachments: 10 }
    }
}

/// A mailbox: `Claire Dubois <claire@example.fr>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Address {
    pub name: Option<String>,
    /// Trimmed and lowercased.
    pub email: String,
}

/// A kept attachment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub name: String,
    /// `type/subtype`, lowercase.
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// An attachment left out, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RefusedAttachment {
    pub name: String,
    pub content_type: String,
    pub size: usize,
    pub reason: Refusal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    /// Larger than [`Limits::max_attachment_bytes`].
    TooBig,
    /// Beyond [`Limits::max_attachments`].
    TooMany,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Refusal::TooBig => "too big",
            Refusal::TooMany => "too many",
        })
    }
}

/// An inbound email as Guichet understands it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadEmail {
    pub from: Option<Address>,
    pub to: Vec<Address>,
    pub cc: Vec<Address>,
    /// `Delivered-To` and `X-Original-To`, lowercased: which of Guichet's addresses it reached.
    pub delivered_to: Vec<String>,
    pub reply_to: Option<Address>,
    pub subject: Option<String>,
    /// With angle brackets: `<abc@example.fr>`.
    pub message_id: Option<String>,
    /// The first id of `In-Reply-To`, with angle brackets.
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    pub date: Option<OffsetDateTime>,
    /// Why this is a robot's mail, if it is: never answer it.
    pub robot: Option<Robot>,
    /// Some for a delivery failure report (not for a warning that delivery is delayed).
    pub bounce: Option<Bounce>,
    /// The whole text body (HTML converted to text when there is no text part).
    pub text: String,
    /// The new words only: [`quotes::new_words`] of `text`.
    pub body: String,
    pub attachments: Vec<Attachment>,
    pub refused_attachments: Vec<RefusedAttachment>,
}

impl ReadEmail {
    /// Whether a robot wrote it (RFC 3834's "automatically submitted", in the wide sense).
    pub fn auto_submitted(&self) -> bool {
        self.robot.is_some()
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ReadError {
    #[error("the message is empty")]
    Empty,
    #[error("not an email: no header at its start")]
    NoHeaders,
    #[error("the MIME structure cannot be read")]
    Unreadable,
}

/// Headers that say a text is an email: a bare body that happens to start with `Word: …`
/// has none of them.
const KNOWN_HEADERS: &[&str] = &[
    "from",
    "to",
    "subject",
    "date",
    "message-id",
    "received",
    "return-path",
    "mime-version",
    "content-type",
    "delivered-to",
    "sender",
];

/// Reads raw RFC 5322 bytes.
pub fn read(raw: &[u8], limits: &Limits) -> Result<ReadEmail, ReadError> {
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Err(ReadError::Empty);
    }
    if !starts_with_header(raw) {
        return Err(ReadError::NoHeaders);
    }
    let message = MessageParser::default().parse(raw).ok_or(ReadError::Unreadable)?;
    if !message.headers_raw().any(|(n, _)| KNOWN_HEADERS.iter().any(|k| n.eq_ignore_ascii_case(k))) {
        return Err(ReadError::NoHeaders);
    }

    let from = message.from().and_then(|a| addresses(a).into_iter().next());
    let subject = message.subject().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    let text = text_of(&message);
    let report = robot::delivery_report(&message, from.as_ref().map(|a| a.email.as_str()), subject.as_deref(), &text);
    let robot = robot::robot(&message, report.is_some(), subject.as_deref());
    let (attachments, refused_attachments) = attachments(&message, limits, report.is_some());
    let bounce = report.flatten();
    let ids = |v: &mail_parser::HeaderValue<'_>| -> Vec<String> {
        match v {
            mail_parser::HeaderValue::Text(t) => vec![bracketed(t)],
            mail_parser::HeaderValue::TextList(l) => l.iter().map(|t| bracketed(t)).collect(),
            _ => Vec::new(),
        }
    };
    Ok(ReadEmail {
        to: message.to().map(addresses).unwrap_or_default(),
        cc: message.cc().map(addresses).unwrap_or_default(),
        delivered_to: ["Delivered-To", "X-Original-To"]
            .iter()
            .flat_map(|h| header_values(&message, h).collect::<Vec<_>>())
            .map(|v| v.trim_matches(['<', '>', ' ']).to_ascii_lowercase())
            .filter(|v| !v.is_empty())
            .collect(),
        reply_to: message.reply_to().and_then(|a| addresses(a).into_iter().next()),
        message_id: message.message_id().filter(|id| !id.trim().is_empty()).map(bracketed),
        in_reply_to: ids(message.in_reply_to()).into_iter().next(),
        references: ids(message.references()),
        date: message.date().and_then(offset_date_time),
        from,
        subject,
        robot,
        bounce,
        body: quotes::new_words(&text),
        text,
        attachments,
        refused_attachments,
    })
}

/// A bare text, no headers: what `guichet email inspect` shows for a pasted body.
pub fn read_text(text: &str) -> ReadEmail {
    let text = text.replace("\r\n", "\n");
    ReadEmail {
        from: None,
        to: Vec::new(),
        cc: Vec::new(),
        delivered_to: Vec::new(),
        reply_to: None,
        subject: None,
        message_id: None,
        in_reply_to: None,
        references: Vec::new(),
        date: None,
        robot: None,
        bounce: None,
        body: quotes::new_words(&text),
        text,
        attachments: Vec::new(),
        refused_attachments: Vec::new(),
    }
}

/// What makes a re-delivery of the same mail recognisable: its Message-ID, or the SHA-256 of its
/// bytes (`sha256:<hex>`) when it has none.
pub fn idempotency_key(raw: &[u8], read: &ReadEmail) -> String {
    read.message_id.clone().unwrap_or_else(|| hash_key(raw))
}

/// `sha256:<hex>` of the raw bytes: the key of a message without a Message-ID.
pub fn hash_key(raw: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, raw);
    let digest = digest.as_ref();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// How `guichet email inspect` reads `raw`: an RFC 5322 message, or else a bare text body.
pub fn inspect(raw: &[u8], limits: &Limits) -> Result<serde_json::Value, ReadError> {
    let read = match read(raw, limits) {
        Ok(read) => read,
        Err(ReadError::NoHeaders) => read_text(&decode_bare(raw)),
        Err(e) => return Err(e),
    };
    Ok(inspect_json(&read))
}

/// The JSON `guichet email inspect` prints.
pub fn inspect_json(read: &ReadEmail) -> serde_json::Value {
    let format = time::format_description::well_known::Rfc3339;
    json!({
        "from": read.from,
        "to": read.to,
        "cc": read.cc,
        "delivered_to": read.delivered_to,
        "reply_to": read.reply_to,
        "subject": read.subject,
        "message_id": read.message_id,
        "in_reply_to": read.in_reply_to,
        "references": read.references,
        "date": read.date.and_then(|d| d.format(&format).ok()),
        "auto_submitted": read.auto_submitted(),
        "robot": read.robot.as_ref().map(ToString::to_string),
        "bounce": read.bounce,
        "body": read.body,
        "attachments": read.attachments.iter().map(|a| json!({
            "name": a.name,
            "content_type": a.content_type,
            "size": a.bytes.len(),
        })).collect::<Vec<_>>(),
        "refused_attachments": read.refused_attachments,
    })
}

/// UTF-8, or Latin-1 for the bytes of an old editor.
fn decode_bare(raw: &[u8]) -> String {
    match std::str::from_utf8(raw) {
        Ok(s) => s.to_owned(),
        Err(_) => raw.iter().map(|b| char::from(*b)).collect(),
    }
}

/// Whether the first line is a header field (`Name: value`), an mbox `From ` line aside.
fn starts_with_header(raw: &[u8]) -> bool {
    let mut lines = raw.split(|b| *b == b'\n');
    let mut first = lines.next().unwrap_or_default();
    if first.starts_with(b"From ") {
        first = lines.next().unwrap_or_default();
    }
    let Some(colon) = first.iter().position(|b| *b == b':') else { return false };
    colon > 0 && first[..colon].iter().all(|b| b.is_ascii_graphic())
}

/// The values of header `name` in `message`'s top headers, as written (encoded words stay
/// encoded), unfolded and trimmed.
fn header_values<'a>(message: &'a Message<'_>, name: &'a str) -> impl Iterator<Item = String> + 'a {
    message.headers_raw().filter(move |(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| unfold(v))
}

/// Folded header lines, or any run of spaces, as one space.
fn unfold(v: &str) -> String {
    v.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn bracketed(id: &str) -> String {
    let id = id.trim().trim_start_matches('<').trim_end_matches('>');
    format!("<{id}>")
}

fn addresses(a: &mail_parser::Address<'_>) -> Vec<Address> {
    a.iter()
        .filter_map(|addr| {
            let email = addr.address()?.trim().to_lowercase();
            let name = addr.name().map(|n| n.trim().trim_matches('"').trim().to_owned()).filter(|n| !n.is_empty());
            (!email.is_empty()).then_some(Address { name, email })
        })
        .collect()
}

fn offset_date_time(d: &mail_parser::DateTime) -> Option<OffsetDateTime> {
    if !d.is_valid() {
        return None;
    }
    let sign = if d.tz_before_gmt { -1 } else { 1 };
    let offset = UtcOffset::from_hms(sign * d.tz_hour as i8, sign * d.tz_minute as i8, 0).ok()?;
    OffsetDateTime::from_unix_timestamp(d.to_timestamp()).ok().map(|t| t.to_offset(offset))
}

/// The text body: the text parts in order; the HTML parts converted when there is no text.
fn text_of(message: &Message<'_>) -> String {
    let body_type = |p: &MessagePart<'_>| {
        p.content_type().is_none_or(|ct| {
            ct.ctype().eq_ignore_ascii_case("text")
                && ct.subtype().is_none_or(|s| s.eq_ignore_ascii_case("plain") || s.eq_ignore_ascii_case("html"))
        })
    };
    let parts = |ids: &[u32]| -> Vec<String> {
        ids.iter()
            .filter_map(|id| message.parts.get(*id as usize))
            .filter(|p| body_type(p))
            .filter_map(|p| match &p.body {
                PartType::Text(t) => Some(unflow(p, t)),
                PartType::Html(h) => Some(html::to_text(h)),
                _ => None,
            })
            .filter(|t| !t.trim().is_empty())
            .collect()
    };
    let mut texts = parts(&message.text_body);
    if texts.is_empty() {
        texts = parts(&message.html_body);
    }
    texts.join("\n\n").replace("\r\n", "\n").trim_end().to_owned()
}

/// Undoes `format=flowed` (RFC 3676, Thunderbird's default): a line ending in a space goes on
/// in the next line at the same quote depth; `DelSp=yes` drops that space.
fn unflow(part: &MessagePart<'_>, text: &str) -> String {
    let ct = part.content_type();
    let flowed = ct.and_then(|c| c.attribute("format")).is_some_and(|f| f.eq_ignore_ascii_case("flowed"));
    if !flowed {
        return text.to_owned();
    }
    let delsp = ct.and_then(|c| c.attribute("delsp")).is_some_and(|d| d.eq_ignore_ascii_case("yes"));
    let mut out: Vec<String> = Vec::new();
    let mut open: Option<usize> = None;
    for line in text.lines() {
        let depth = line.chars().take_while(|c| *c == '>').count();
        let content = &line[depth..];
        let content = content.strip_prefix(' ').unwrap_or(content);
        let prefix = if depth > 0 { format!("{} ", ">".repeat(depth)) } else { String::new() };
        let continues = content.ends_with(' ') && content != "-- ";
        let content = if continues && delsp { &content[..content.len() - 1] } else { content };
        match open {
            Some(d) if d == depth => {
                if let Some(last) = out.last_mut() {
                    last.push_str(content);
                }
            }
            _ => out.push(format!("{prefix}{content}")),
        }
        open = continues.then_some(depth);
    }
    out.iter().map(|l| l.trim_end()).collect::<Vec<_>>().join("\n")
}

/// The attachments kept within `limits`, and the refused ones. A delivery report's parts (the
/// status, the returned message) are the report, not attachments.
fn attachments(message: &Message<'_>, limits: &Limits, report: bool) -> (Vec<Attachment>, Vec<RefusedAttachment>) {
    let (mut kept, mut refused) = (Vec::new(), Vec::new());
    for (n, id) in message.attachments.iter().enumerate() {
        let Some(part) = message.parts.get(*id as usize) else { continue };
        let content_type = part.content_type().map_or_else(
            || "application/octet-stream".to_owned(),
            |ct| match ct.subtype() {
                Some(sub) => format!("{}/{}", ct.ctype(), sub).to_ascii_lowercase(),
                None => ct.ctype().to_ascii_lowercase(),
            },
        );
        if report && (content_type.starts_with("message/") || content_type == "text/rfc822-headers") {
            continue;
        }
        let name =
            part.attachment_name().map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()).unwrap_or_else(
                || match &part.body {
                    PartType::Message(_) => format!("message-{}.eml", n + 1),
                    _ => format!("attachment-{}", n + 1),
                },
            );
        let bytes = part.contents();
        let reason = if bytes.len() > limits.max_attachment_bytes {
            Some(Refusal::TooBig)
        } else if kept.len() >= limits.max_attachments {
            Some(Refusal::TooMany)
        } else {
            None
        };
        match reason {
            Some(reason) => refused.push(RefusedAttachment { name, content_type, size: bytes.len(), reason }),
            None => kept.push(Attachment { name, content_type, bytes: bytes.to_vec() }),
        }
    }
    (kept, refused)
}

#[cfg(test)]
mod tests;
