//! The widget's submissions, already validated, as inbound messages.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use time::OffsetDateTime;
use wire::{Photo, Problem, Submission};

use crate::domain::message::{Attachment, Channel, InboundMessage, Sender, non_blank};

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

/// The photo as a file to keep, checked again whatever the widget did: the type its bytes
/// show must be the type it declares, and its size within the site's limit (0: no photo).
pub fn photo(p: &Photo, max_bytes: u64) -> Result<Attachment, Problem> {
    if let Some(problem) = wire::photo::check(p, max_bytes) {
        return Err(problem);
    }
    let bytes = STANDARD.decode(p.data.trim()).map_err(|_| Problem::PhotoType)?;
    let photo = uploaded(&p.name, bytes, max_bytes)?;
    (photo.content_type == p.content_type).then_some(photo).ok_or(Problem::PhotoType)
}

/// A file as a form uploads it (the page without JavaScript): its type is what its bytes
/// show, whatever its name suggests; its size within the site's limit (0: no photo).
pub fn uploaded(name: &str, bytes: Vec<u8>, max_bytes: u64) -> Result<Attachment, Problem> {
    let kind = wire::photo::sniff(&bytes).ok_or(Problem::PhotoType)?;
    if bytes.len() as u64 > max_bytes {
        return Err(Problem::PhotoTooLarge);
    }
    Ok(Attachment { name: file_name(name, kind), content_type: kind.to_owned(), bytes })
}

/// The file's own name without any folder, control characters or quotes, 100 characters at
/// most; `photo.<ext>` when nothing is left.
fn file_name(name: &str, kind: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String = base.chars().filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>')).take(100).collect();
    match clean.trim() {
        "" | "." | ".." => format!("photo.{}", kind.trim_start_matches("image/")),
        name => name.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png() -> Photo {
        let data = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/photo/pixel.png.b64"));
        Photo { name: "C:\\Users\\claire\\trou.png".into(), content_type: "image/png".into(), data: data.unwrap() }
    }

    #[test]
    fn a_real_png_becomes_an_attachment_named_without_its_folder() {
        let a = photo(&png(), 1000).unwrap();
        assert_eq!((a.name.as_str(), a.content_type.as_str(), a.bytes.len()), ("trou.png", "image/png", 70));
        assert_eq!(file_name("../..", "image/webp"), "photo.webp");
    }

    #[test]
    fn a_photo_is_checked_again_by_the_backend() {
        assert_eq!(photo(&png(), 69), Err(Problem::PhotoTooLarge));
        assert_eq!(photo(&png(), 0), Err(Problem::PhotoTooLarge));
        assert_eq!(photo(&Photo { content_type: "image/webp".into(), ..png() }, 1000), Err(Problem::PhotoType));
        // Right first bytes, then garbage that is not base64.
        let broken = Photo { data: format!("{}!!!!", &png().data[..16]), ..png() };
        assert_eq!(photo(&broken, 1000), Err(Problem::PhotoType));
    }
}
