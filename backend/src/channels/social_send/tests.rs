//! The send client against a one-request HTTP server on loopback standing in for the network.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::thread::{self, JoinHandle};

use serde_json::{Value, json};

use super::*;
use crate::config::Config;

/// What the stand-in server received: request line, headers (lowercase names), JSON body.
struct Seen {
    request_line: String,
    headers: Vec<(String, String)>,
    body: Value,
}

/// A server answering one request with `status` and `answer`; returns its base URL.
fn network(status: u16, answer: &'static str) -> (String, JoinHandle<Seen>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let handle = thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut request_line = String::new();
        reader.read_line(&mut request_line).unwrap();
        let mut headers = Vec::new();
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            let Some((name, value)) = line.trim_end().split_once(": ") else { break };
            headers.push((name.to_ascii_lowercase(), value.to_owned()));
        }
        let length = headers.iter().find(|(n, _)| n == "content-length").map_or(0, |(_, v)| v.parse().unwrap());
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        let mut stream = stream;
        write!(
            stream,
            "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
            answer.len()
        )
        .unwrap();
        Seen { request_line: request_line.trim_end().to_owned(), headers, body: serde_json::from_slice(&body).unwrap() }
    });
    (url, handle)
}

/// The social fixture configuration with both networks' base URLs at `url`.
fn site(url: &str) -> Site {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/config/social.toml")).unwrap();
    let mut site = Config::parse(&text, None).unwrap().sites.remove(0);
    site.meta.as_mut().unwrap().graph_url = url.to_owned();
    let x = site.x.as_mut().unwrap();
    x.api_url = format!("{url}/2");
    x.access_token = Some("x-user-token".into());
    site
}

#[tokio::test]
async fn each_network_gets_its_request_and_gives_its_message_id() {
    let cases = [
        (
            "messenger:6783920011223344",
            false,
            r#"{"recipient_id":"6783920011223344","message_id":"m_sent-0001"}"#,
            "POST /1100000000000001/messages HTTP/1.1",
            "Bearer EAAG-page-token",
            json!({ "recipient": { "id": "6783920011223344" }, "messaging_type": "RESPONSE", "message": { "text": "Bonjour" } }),
            "m_sent-0001",
        ),
        (
            "instagram:5512340000000001",
            true,
            r#"{"recipient_id":"5512340000000001","message_id":"aWdf-sent"}"#,
            "POST /1100000000000001/messages HTTP/1.1",
            "Bearer EAAG-page-token",
            json!({ "recipient": { "id": "5512340000000001" }, "messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT", "message": { "text": "Bonjour" } }),
            "aWdf-sent",
        ),
        (
            "whatsapp:33612345678",
            false,
            r#"{"messaging_product":"whatsapp","contacts":[{"input":"33612345678","wa_id":"33612345678"}],"messages":[{"id":"wamid.SENT0001"}]}"#,
            "POST /106540352242922/messages HTTP/1.1",
            "Bearer EAAG-page-token",
            json!({ "messaging_product": "whatsapp", "recipient_type": "individual", "to": "33612345678", "type": "text", "text": { "preview_url": false, "body": "Bonjour" } }),
            "wamid.SENT0001",
        ),
        (
            "x:3001969357",
            false,
            r#"{"data":{"dm_conversation_id":"3001969357-4337869213","dm_event_id":"1854000000000000099"}}"#,
            "POST /2/dm_conversations/with/3001969357/messages HTTP/1.1",
            "Bearer x-user-token",
            json!({ "text": "Bonjour" }),
            "1854000000000000099",
        ),
    ];
    for (handle, tag, answer, request_line, authorization, body, id) in cases {
        let (url, server) = network(200, answer);
        let target = SocialTarget::for_handle(&site(&url), handle, tag).unwrap();
        assert_eq!(send(&target, "Bonjour").await, Ok(id.to_owned()), "{handle}");
        let seen = server.join().unwrap();
        assert_eq!(seen.request_line, request_line, "{handle}");
        assert!(seen.headers.contains(&("authorization".into(), authorization.into())), "{handle}: {:?}", seen.headers);
        assert_eq!(seen.body, body, "{handle}");
    }
}

#[tokio::test]
async fn refusals_are_permanent_and_outages_are_not() {
    let cases = [
        (
            400,
            r#"{"error":{"message":"(#100) The parameter recipient is required","type":"OAuthException","code":100,"fbtrace_id":"A1"}}"#,
            true,
            "Messenger answered 400: (#100) The parameter recipient is required (code 100)",
        ),
        (
            400,
            r#"{"error":{"message":"(#613) Calls to this api have exceeded the rate limit.","code":613}}"#,
            false,
            "Messenger answered 400: (#613) Calls to this api have exceeded the rate limit. (code 613)",
        ),
        (429, r#"{"error":{"message":"Too many","code":4}}"#, false, "Messenger answered 429: Too many (code 4)"),
        (500, "<html>oops</html>", false, "Messenger answered 500: <html>oops</html>"),
        (200, r#"{"recipient_id":"6783920011223344"}"#, true, "the network answered 200 without a message id"),
    ];
    for (status, answer, permanent, message) in cases {
        let (url, server) = network(status, answer);
        let target = SocialTarget::for_handle(&site(&url), "messenger:6783920011223344", false).unwrap();
        let error = send(&target, "Bonjour").await.unwrap_err();
        server.join().unwrap();
        assert_eq!(error.permanent, permanent, "{status} {answer}");
        assert!(error.message.starts_with(message), "{}", error.message);
    }
    // Nothing listens: the network is unreachable, for now.
    let closed = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let target = SocialTarget::for_handle(&site(&format!("http://{closed}")), "whatsapp:33612345678", false).unwrap();
    assert!(!send(&target, "Bonjour").await.unwrap_err().permanent);
}

#[test]
fn a_target_needs_the_networks_configuration() {
    let mut site = site("http://127.0.0.1:9");
    assert!(SocialTarget::for_handle(&site, "widget:abc", false).unwrap_err().permanent);
    assert!(SocialTarget::for_handle(&site, "sans-deux-points", false).is_err());
    site.meta.as_mut().unwrap().access_token = None;
    let error = SocialTarget::for_handle(&site, "whatsapp:33612345678", false).unwrap_err();
    assert_eq!(error.message, "meta.access_token is not configured for the site `mairie`");
    site.x = None;
    assert_eq!(
        SocialTarget::for_handle(&site, "x:1", false).unwrap_err().message,
        "x is not configured for the site `mairie`"
    );
    assert!(
        !format!("{:?}", SocialTarget::for_handle(&self::site("http://h"), "x:1", false).unwrap()).contains("token")
    );
}
