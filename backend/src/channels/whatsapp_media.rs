//! WhatsApp Cloud API media: "Retrieve media URL" (`GET {graph}/{media-id}`, answered with
//! `{url, mime_type, file_size, id}`), then the file itself from that short-lived URL, both
//! with the site's access token. Errors say whether trying again may help, as sends do.

use serde::Deserialize;

use crate::channels::social_send::{SendError, agent, refusal};
use crate::domain::message::{Attachment, Channel};

/// Graph's description of a media file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct MediaUrl {
    pub url: String,
    pub mime_type: Option<String>,
    pub file_size: Option<u64>,
}

/// What to fetch, and with what.
#[derive(Debug, Clone)]
pub struct MediaRequest {
    pub graph_url: String,
    pub access_token: String,
    pub media_id: String,
    /// The webhook's `mime_type`, used when Graph names none.
    pub mime_type: Option<String>,
    /// Larger files are refused (permanently), before or while downloading.
    pub max_bytes: usize,
}

/// Reads Graph's answer to "Retrieve media URL".
pub fn read_media_url(status: u16, answer: &str) -> Result<MediaUrl, SendError> {
    if !(200..300).contains(&status) {
        return Err(refusal(Channel::Whatsapp, status, answer));
    }
    serde_json::from_str(answer)
        .map_err(|e| SendError::permanent(format!("WhatsApp's media description is not what Graph documents: {e}")))
}

/// The file's name as agents receive it: `whatsapp-<media-id>.<extension of its type>`.
pub fn file_name(media_id: &str, mime_type: &str) -> String {
    let essence = mime_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    let extension = match essence.as_str() {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/webp" => "webp",
        "audio/ogg" => "ogg",
        "audio/mpeg" => "mp3",
        "audio/aac" => "aac",
        "audio/amr" => "amr",
        "audio/mp4" => "m4a",
        "video/mp4" => "mp4",
        "video/3gpp" => "3gp",
        "application/pdf" => "pdf",
        "text/plain" => "txt",
        _ => "bin",
    };
    format!("whatsapp-{media_id}.{extension}")
}

/// The file is over the limit (`size` when Graph said it).
fn too_large(size: Option<u64>, max: usize) -> SendError {
    let size = size.map_or_else(|| "the file is".to_owned(), |s| format!("the file is {s} bytes,"));
    SendError::permanent(format!("{size} more than the {max} bytes attachments may have"))
}

/// Fetches one media file.
pub async fn fetch(request: MediaRequest) -> Result<Attachment, SendError> {
    tokio::task::spawn_blocking(move || fetch_blocking(&request))
        .await
        .map_err(|e| SendError::transient(format!("the fetching task stopped: {e}")))?
}

fn fetch_blocking(r: &MediaRequest) -> Result<Attachment, SendError> {
    let bearer = format!("Bearer {}", r.access_token);
    let described = format!("{}/{}", r.graph_url, r.media_id);
    let mut response = agent()
        .get(&described)
        .header("Authorization", &bearer)
        .call()
        .map_err(|e| SendError::transient(format!("{described}: {e}")))?;
    let answer = response.body_mut().read_to_string().unwrap_or_default();
    let media = read_media_url(response.status().as_u16(), &answer)?;
    if let Some(size) = media.file_size.filter(|s| *s > r.max_bytes as u64) {
        return Err(too_large(Some(size), r.max_bytes));
    }
    let mut response = agent()
        .get(&media.url)
        .header("Authorization", &bearer)
        .call()
        .map_err(|e| SendError::transient(format!("downloading media {}: {e}", r.media_id)))?;
    let status = response.status().as_u16();
    if !(200..300).contains(&status) {
        let answer = response.body_mut().read_to_string().unwrap_or_default();
        return Err(refusal(Channel::Whatsapp, status, &answer));
    }
    let served = response.headers().get("content-type").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let bytes = response.body_mut().with_config().limit(r.max_bytes as u64).read_to_vec().map_err(|e| match e {
        ureq::Error::BodyExceedsLimit(_) => too_large(None, r.max_bytes),
        e => SendError::transient(format!("downloading media {}: {e}", r.media_id)),
    })?;
    let content_type = media
        .mime_type
        .or_else(|| r.mime_type.clone())
        .or(served)
        .unwrap_or_else(|| "application/octet-stream".to_owned());
    Ok(Attachment { name: file_name(&r.media_id, &content_type), content_type, bytes })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channels::social_tests::fixture;

    #[test]
    fn graph_describes_a_media_file_with_a_url() {
        let answer = String::from_utf8(fixture("whatsapp-media-url.json")).unwrap();
        let media = read_media_url(200, &answer).unwrap();
        assert_eq!(media.url, "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1003383421387256");
        assert_eq!((media.mime_type.as_deref(), media.file_size), (Some("image/jpeg"), Some(303_833)));
        let broken = read_media_url(200, "{\"id\": \"1003383421387256\"}").unwrap_err();
        assert!(broken.permanent && broken.message.contains("missing field `url`"), "{broken:?}");
    }

    #[test]
    fn graph_refusals_say_whether_to_try_again() {
        let expired = r#"{"error":{"message":"Error validating access token","type":"OAuthException","code":190}}"#;
        let e = read_media_url(401, expired).unwrap_err();
        assert!(e.permanent, "a bad token does not mend itself: {e:?}");
        assert_eq!(e.message, "WhatsApp answered 401: Error validating access token (code 190)");
        let gone = r#"{"error":{"message":"Unsupported get request.","code":100}}"#;
        assert!(read_media_url(400, gone).unwrap_err().permanent);
        for (status, answer) in [(500, "oops"), (503, ""), (429, "{}")] {
            assert!(!read_media_url(status, answer).unwrap_err().permanent, "{status} is worth another try");
        }
        let throttled = r#"{"error":{"message":"Rate limit hit","code":130429}}"#;
        assert!(!read_media_url(400, throttled).unwrap_err().permanent);
    }

    type Answer = (u16, &'static str, Vec<u8>);

    /// Graph on loopback: answers each connection with the next of `answers(its URL)`
    /// (status, content type, body), and gives back the requests' heads.
    fn graph(answers: impl FnOnce(&str) -> Vec<Answer>) -> (String, std::thread::JoinHandle<Vec<String>>) {
        use std::io::{BufRead, BufReader, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let answers = answers(&url);
        let thread = std::thread::spawn(move || {
            let mut heads = vec![];
            for (status, content_type, body) in answers {
                let (mut stream, _) = listener.accept().unwrap();
                let mut head = String::new();
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                while reader.read_line(&mut head).unwrap() > 0 && !head.ends_with("\r\n\r\n") {}
                heads.push(head.to_ascii_lowercase());
                let top = format!(
                    "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                // The client may stop reading once over its limit.
                let _ = stream.write_all(top.as_bytes()).and_then(|()| stream.write_all(&body));
            }
            heads
        });
        (url, thread)
    }

    fn request(graph_url: &str, max_bytes: usize) -> MediaRequest {
        MediaRequest {
            graph_url: graph_url.to_owned(),
            access_token: "EAAG-test".into(),
            media_id: "42".into(),
            mime_type: Some("image/jpeg".into()),
            max_bytes,
        }
    }

    fn described(url: &str, size: Option<usize>) -> Answer {
        let json = serde_json::json!({ "url": format!("{url}/media/42"), "file_size": size, "id": "42" });
        (200, "application/json", json.to_string().into_bytes())
    }

    #[tokio::test]
    async fn the_file_is_downloaded_from_the_url_graph_gives_with_the_token() {
        let photo = b"\xff\xd8\xff a photo".to_vec();
        let (url, server) = graph(|url| vec![described(url, None), (200, "image/jpeg", photo.clone())]);
        let file = fetch(request(&url, 1000)).await.unwrap();
        let want = Attachment { name: "whatsapp-42.jpg".into(), content_type: "image/jpeg".into(), bytes: photo };
        assert_eq!(file, want, "Graph named no type: the webhook's is used");
        let heads = server.join().unwrap();
        assert!(heads[0].starts_with("get /42 ") && heads[1].starts_with("get /media/42 "), "{heads:?}");
        assert!(heads.iter().all(|h| h.contains("authorization: bearer eaag-test")), "{heads:?}");
    }

    #[tokio::test]
    async fn a_file_over_the_limit_is_refused_for_good_even_when_graph_gave_no_size() {
        let (url, server) = graph(|url| vec![described(url, None), (200, "image/jpeg", vec![0; 5000])]);
        let e = fetch(request(&url, 1000)).await.unwrap_err();
        assert!(e.permanent && e.message == "the file is more than the 1000 bytes attachments may have", "{e:?}");
        server.join().unwrap();
        let (url, server) = graph(|url| vec![described(url, Some(5000))]);
        let e = fetch(request(&url, 1000)).await.unwrap_err();
        assert_eq!(e.message, "the file is 5000 bytes, more than the 1000 bytes attachments may have");
        assert_eq!(server.join().unwrap().len(), 1, "not downloaded when Graph says it is too large");
    }

    #[tokio::test]
    async fn a_download_refused_or_unreachable_says_whether_to_try_again() {
        let (url, server) = graph(|url| vec![described(url, None), (404, "text/plain", b"gone".to_vec())]);
        let e = fetch(request(&url, 1000)).await.unwrap_err();
        assert!(e.permanent && e.message == "WhatsApp answered 404: gone", "{e:?}");
        server.join().unwrap();
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
        let e = fetch(request(&format!("http://{closed}"), 1000)).await.unwrap_err();
        assert!(!e.permanent, "a network that does not answer is tried again: {e:?}");
    }

    #[test]
    fn a_file_is_named_after_its_media_id_and_type() {
        assert_eq!(file_name("42", "image/jpeg"), "whatsapp-42.jpg");
        assert_eq!(file_name("42", "audio/ogg; codecs=opus"), "whatsapp-42.ogg");
        assert_eq!(file_name("42", "Application/PDF"), "whatsapp-42.pdf");
        assert_eq!(file_name("42", "application/x-unknown"), "whatsapp-42.bin");
    }
}
