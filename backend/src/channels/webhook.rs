//! What the social networks' webhooks share: HMAC-SHA256 signatures of the raw body,
//! checked in constant time before anything is parsed, and the batch a delivery becomes.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ring::hmac;
use time::OffsetDateTime;

use crate::domain::message::{InboundMessage, MediaRef};

/// Why a delivery's signature was refused. Nothing of the body was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the signature header is missing")]
    Missing,
    #[error("the signature header is not `sha256=` followed by the signature")]
    Malformed,
    #[error("the signature does not match the body")]
    Mismatch,
}

/// How the signature is written after `sha256=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// Meta's `X-Hub-Signature-256`.
    Hex,
    /// X's `x-twitter-webhooks-signature`.
    Base64,
}

/// Checks `header` (`sha256=<signature>`) against the HMAC-SHA256 of `body` with `secret`.
pub fn verify(secret: &str, body: &[u8], header: Option<&str>, encoding: Encoding) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let written = header.trim().strip_prefix("sha256=").ok_or(SignatureError::Malformed)?;
    let tag = match encoding {
        Encoding::Hex => from_hex(written),
        Encoding::Base64 => BASE64.decode(written).ok(),
    }
    .ok_or(SignatureError::Malformed)?;
    // ring compares in constant time.
    hmac::verify(&hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes()), body, &tag)
        .map_err(|_| SignatureError::Mismatch)
}

/// `sha256=<signature>` of `body`: what a network would send (tests, the fake networks) and
/// what X's CRC answer holds.
pub fn sign(secret: &str, body: &[u8], encoding: Encoding) -> String {
    let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes()), body);
    let written = match encoding {
        Encoding::Hex => tag.as_ref().iter().map(|b| format!("{b:02x}")).collect(),
        Encoding::Base64 => BASE64.encode(tag.as_ref()),
    };
    format!("sha256={written}")
}

fn from_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || !s.is_ascii() {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok()).collect()
}

/// A delivery, once read: the messages to file, and how many events were left aside
/// (echoes, receipts, statuses, the account's own messages, unknown kinds).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Batch {
    pub messages: Vec<InboundMessage>,
    pub ignored: usize,
    /// Files to fetch once their message is filed (WhatsApp media, when the site fetches them).
    pub media: Vec<MediaRef>,
}

/// The body is signed but is not the JSON the network documents.
#[derive(Debug, thiserror::Error)]
#[error("the body is not a webhook payload: {0}")]
pub struct ParseError(pub String);

impl From<serde_json::Error> for ParseError {
    fn from(e: serde_json::Error) -> ParseError {
        ParseError(e.to_string())
    }
}

/// A network's timestamp in milliseconds; `now` when absent or absurd.
pub(crate) fn from_millis(ms: Option<i64>, now: OffsetDateTime) -> OffsetDateTime {
    ms.and_then(|ms| OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok()).unwrap_or(now)
}

/// The line an attachment becomes in the message's body: kept as a reference, not fetched.
pub(crate) fn attachment_line(kind: &str, reference: Option<&str>, note: Option<&str>) -> String {
    let mut line = format!("[{kind}]");
    for part in [reference, note].into_iter().flatten().filter(|p| !p.trim().is_empty()) {
        line.push(' ');
        line.push_str(part.trim());
    }
    line
}

/// The body: the text, then one line per attachment.
pub(crate) fn body(text: Option<&str>, attachments: &[String]) -> String {
    let text = text.map(str::trim).filter(|t| !t.is_empty());
    text.into_iter().chain(attachments.iter().map(String::as_str)).collect::<Vec<_>>().join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_is_checked_against_the_raw_body() {
        let body = br#"{"object":"page","entry":[]}"#;
        for encoding in [Encoding::Hex, Encoding::Base64] {
            let good = sign("secret", body, encoding);
            assert_eq!(verify("secret", body, Some(&good), encoding), Ok(()));
            assert_eq!(verify("other", body, Some(&good), encoding), Err(SignatureError::Mismatch));
            assert_eq!(verify("secret", b"{ }", Some(&good), encoding), Err(SignatureError::Mismatch));
            assert_eq!(verify("secret", body, None, encoding), Err(SignatureError::Missing));
            assert_eq!(verify("secret", body, Some("md5=abc"), encoding), Err(SignatureError::Malformed));
        }
        // The well-known HMAC-SHA256 example, in hex as Meta writes it.
        assert_eq!(
            sign("key", b"The quick brown fox jumps over the lazy dog", Encoding::Hex),
            "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
        );
        assert_eq!(verify("k", body, Some("sha256=zz"), Encoding::Hex), Err(SignatureError::Malformed));
    }
}
