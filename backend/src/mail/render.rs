//! Turns a domain [`Email`] into a MIME message: text and HTML alternatives (inside a
//! `multipart/mixed` with the attachments, if any), threading headers, and the headers that
//! tell robots not to answer.

use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Attachment as MimeAttachment, Mailbox, MultiPart};

use crate::domain::message::Attachment;
use crate::domain::notify::Email;

/// `Auto-Submitted: auto-generated` (RFC 3834): a robot wrote this; robots must not answer it.
#[derive(Debug, Clone)]
struct AutoSubmitted;

/// `X-Auto-Response-Suppress: All`: asks Exchange and Outlook not to send out-of-office replies.
#[derive(Debug, Clone)]
struct AutoResponseSuppress;

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }
    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AutoSubmitted)
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-generated".to_owned())
    }
}

impl Header for AutoResponseSuppress {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("X-Auto-Response-Suppress")
    }
    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AutoResponseSuppress)
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "All".to_owned())
    }
}

/// Builds the message with `files` (the email's attachments, loaded from the store); fails
/// only on an address or a stored content type that does not parse.
pub fn render(email: &Email, from: &Mailbox, files: &[Attachment]) -> Result<Message, String> {
    let mut builder = Message::builder()
        .from(from.clone())
        .subject(email.subject.clone())
        .message_id(Some(email.message_id.clone()))
        .date_now()
        .header(AutoSubmitted)
        .header(AutoResponseSuppress);
    for to in &email.to {
        let mailbox: Mailbox = to.parse().map_err(|e| format!("recipient `{to}`: {e}"))?;
        builder = builder.to(mailbox);
    }
    if let Some(reply_to) = &email.reply_to {
        let mailbox: Mailbox = reply_to.parse().map_err(|e| format!("reply-to `{reply_to}`: {e}"))?;
        builder = builder.reply_to(mailbox);
    }
    if let Some(parent) = &email.in_reply_to {
        builder = builder.in_reply_to(parent.clone());
    }
    if !email.references.is_empty() {
        builder = builder.references(email.references.join(" "));
    }
    let body = MultiPart::alternative_plain_html(email.text.clone(), email.html.clone());
    if files.is_empty() {
        return builder.multipart(body).map_err(|e| e.to_string());
    }
    let mut mixed = MultiPart::mixed().multipart(body);
    for file in files {
        let kind = ContentType::parse(&file.content_type).map_err(|e| format!("`{}`: {e}", file.content_type))?;
        mixed = mixed.singlepart(MimeAttachment::new(file.name.clone()).body(file.bytes.clone(), kind));
    }
    builder.multipart(mixed).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::notify::EmailKind;

    fn email() -> Email {
        Email {
            kind: EmailKind::NewTicket,
            to: vec!["Voirie <voirie@ville.fr>".into()],
            subject: "[VE-2026-000001] Voirie: trou".into(),
            text: "texte".into(),
            html: "<p>texte</p>".into(),
            message_id: "<ticket.ve-2026-000001@ville.fr>".into(),
            in_reply_to: Some("<a@b>".into()),
            references: vec!["<a@b>".into()],
            reply_to: Some("reply+ve-2026-000001.a.0123456789abcdef01234567@ville.fr".into()),
            attachments: vec![],
        }
    }

    #[test]
    fn rendered_mail_carries_threading_and_robot_headers() {
        let email = email();
        let from: Mailbox = "Guichet <guichet@ville.fr>".parse().unwrap();
        let raw = String::from_utf8(render(&email, &from, &[]).unwrap().formatted()).unwrap();
        for header in [
            "Message-ID: <ticket.ve-2026-000001@ville.fr>",
            "Auto-Submitted: auto-generated",
            "X-Auto-Response-Suppress: All",
            "In-Reply-To: <a@b>",
            "References: <a@b>",
            "Reply-To: reply+ve-2026-000001.a.0123456789abcdef01234567@ville.fr",
            "multipart/alternative",
        ] {
            assert!(raw.contains(header), "{header} in {raw}");
        }
        assert!(!raw.contains("multipart/mixed"));
        assert!(render(&Email { to: vec!["nope".into()], ..email }, &from, &[]).is_err());
    }

    #[test]
    fn attachments_wrap_the_alternatives_in_a_mixed_part() {
        let email = Email { attachments: vec![1], ..email() };
        let png = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/photo/pixel.png")).unwrap();
        let file = Attachment { name: "trou.png".into(), content_type: "image/png".into(), bytes: png };
        let from: Mailbox = "Guichet <guichet@ville.fr>".parse().unwrap();
        let raw = String::from_utf8(render(&email, &from, &[file]).unwrap().formatted()).unwrap();
        for part in ["multipart/mixed", "multipart/alternative", "Content-Type: image/png", "filename=\"trou.png\""] {
            assert!(raw.contains(part), "{part} in {raw}");
        }
    }
}
