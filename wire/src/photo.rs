//! The optional photo of a submission: which images are accepted (by their bytes, not their
//! name), and how large; checked by the widget before sending and by the backend again.

use serde::{Deserialize, Serialize};

use crate::submission::Problem;

/// A site's limit when its configuration sets none: a phone's photo fits.
pub const DEFAULT_MAX_BYTES: u64 = 5 * 1024 * 1024;

/// The photo as sent: `data` is the file in standard base64 (no `data:` prefix).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Photo {
    pub name: String,
    pub content_type: String,
    pub data: String,
}

/// The image type `bytes` start with: JPEG, PNG or WebP; `None` for anything else.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    match bytes {
        [0xFF, 0xD8, 0xFF, ..] => Some("image/jpeg"),
        [0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1A, b'\n', ..] => Some("image/png"),
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => Some("image/webp"),
        _ => None,
    }
}

/// The image type base64 `data` starts with, read from its first bytes.
pub fn sniff_base64(data: &str) -> Option<&'static str> {
    sniff(&decode_head(data))
}

/// What is wrong with `photo` for a site accepting `max_bytes`, judged from its base64 text:
/// its first bytes must be an accepted image of the type it declares, its size within the limit.
pub fn check(photo: &Photo, max_bytes: u64) -> Option<Problem> {
    if sniff_base64(&photo.data).is_none_or(|kind| kind != photo.content_type) {
        return Some(Problem::PhotoType);
    }
    (decoded_len(&photo.data) > max_bytes).then_some(Problem::PhotoTooLarge)
}

/// How many bytes `data` decodes to.
pub fn decoded_len(data: &str) -> u64 {
    let data = data.trim_end();
    let padding = data.bytes().rev().take_while(|b| *b == b'=').count() as u64;
    (data.len() as u64 / 4 * 3).saturating_sub(padding)
}

/// The first 12 bytes of base64 `data`: enough to know an image's type, and far lighter in
/// the widget than a base64 decoder.
fn decode_head(data: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let mut out = Vec::with_capacity(12);
    for chunk in data.as_bytes().chunks_exact(4).take(4) {
        let Some(bits) = chunk.iter().try_fold(0u32, |acc, c| Some(acc << 6 | u32::from(value(*c)?))) else {
            break;
        };
        out.extend_from_slice(&bits.to_be_bytes()[1..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &str =
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

    fn photo(content_type: &str, data: &str) -> Photo {
        Photo { name: "trou.png".into(), content_type: content_type.into(), data: data.into() }
    }

    #[test]
    fn images_are_known_by_their_first_bytes() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]), Some("image/jpeg"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Some("image/png"));
        assert_eq!(sniff(b"RIFF\x24\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(sniff(b"RIFF\x24\0\0\0WAVEfmt "), None);
        assert_eq!(sniff(b"GIF89a"), None);
        assert_eq!(sniff(b"%PDF-1.7"), None);
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn a_small_png_passes_and_its_size_is_known_from_base64() {
        assert_eq!(check(&photo("image/png", PNG), 1000), None);
        assert_eq!(decoded_len(PNG), 70);
        assert_eq!(decoded_len("YWJj"), 3);
        assert_eq!(decoded_len("YWI="), 2);
    }

    #[test]
    fn a_photo_is_refused_for_its_type_or_size() {
        // A PDF named .png and declared image/png: its bytes say otherwise.
        assert_eq!(check(&photo("image/png", "JVBERi0xLjcKJcfsj6IKNSAwIG9iago="), 1000), Some(Problem::PhotoType));
        // A real PNG declared as JPEG.
        assert_eq!(check(&photo("image/jpeg", PNG), 1000), Some(Problem::PhotoType));
        assert_eq!(check(&photo("image/png", "not base64 at all"), 1000), Some(Problem::PhotoType));
        assert_eq!(check(&photo("image/png", PNG), 69), Some(Problem::PhotoTooLarge));
    }
}
