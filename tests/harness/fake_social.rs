//! A stand-in for the Graph API (Messenger, Instagram, WhatsApp) and X's API on loopback:
//! it answers sends as the networks do, can be told to fail, and records every request to a
//! JSON Lines file, so that what Guichet sent survives a restart of Guichet and of the fake.
//!
//! Point `meta.graph_url` and `x.api_url` at [`FakeSocial::url`] (X's path: `/2/...`).
//!
//! WhatsApp media: `GET /{media-id}` describes the file as Graph does, its `url` pointing back
//! here at `GET /media/{media-id}`, which serves [`MEDIA_FIXTURE`].

use std::collections::{BTreeMap, VecDeque};
use std::fs::{self, OpenOptions};
use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// One request as the fake received it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recorded {
    pub method: String,
    /// With the query string, if any.
    pub path: String,
    /// Lowercase names.
    pub headers: BTreeMap<String, String>,
    /// `null` when the body was not JSON.
    pub body: Value,
    /// The status the fake answered.
    pub status: u16,
}

/// An answer the fake was told to give instead of success.
#[derive(Debug, Clone)]
struct Failure {
    status: u16,
    body: String,
}

/// The fake networks' server, stopped when dropped.
pub struct FakeSocial {
    port: u16,
    records: PathBuf,
    failures: Arc<Mutex<VecDeque<Failure>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

const RECORDS: &str = "requests.jsonl";

/// The bytes every WhatsApp media file has, relative to the workspace root.
pub const MEDIA_FIXTURE: &str = "tests/fixtures/photo/lampadaire.png";

impl FakeSocial {
    /// Starts on a free port, recording into `dir` (kept: start again on it to find the
    /// records of an earlier run).
    pub fn start(dir: &Path) -> Result<FakeSocial> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).context("cannot bind a loopback port")?;
        let port = listener.local_addr()?.port();
        let mut fake = FakeSocial {
            port,
            records: dir.join(RECORDS),
            failures: Arc::default(),
            stop: Arc::default(),
            thread: None,
        };
        fake.serve(listener)?;
        Ok(fake)
    }

    /// `http://127.0.0.1:PORT`: Graph's base URL; X's is this followed by `/2`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The next `times` requests get `status` with `body` (a Graph or X error, or anything).
    pub fn fail_next(&self, times: usize, status: u16, body: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(PoisonError::into_inner);
        failures.extend(std::iter::repeat_n(Failure { status, body: body.to_owned() }, times));
    }

    /// The next request gets a 400 with a Graph API error, as for a recipient out of reach.
    pub fn fail_next_with_graph_error(&self, code: i64, message: &str) {
        let body =
            json!({ "error": { "message": message, "type": "OAuthException", "code": code, "fbtrace_id": "FAKE" } });
        self.fail_next(1, 400, &body.to_string());
    }

    /// Every request received so far, this run and earlier ones on the same directory.
    pub fn requests(&self) -> Result<Vec<Recorded>> {
        read_records(self.records.parent().unwrap_or(Path::new(".")))
    }

    /// Stops answering: connections are refused until [`FakeSocial::start_again`].
    pub fn stop(&mut self) -> Result<()> {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            thread.join().map_err(|_| anyhow::anyhow!("the fake networks' thread panicked"))?;
        }
        Ok(())
    }

    /// Starts again on the same port and records file, failures still pending.
    pub fn start_again(&mut self) -> Result<()> {
        if self.thread.is_some() {
            bail!("the fake networks' server on port {} is already running", self.port);
        }
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, self.port))
            .with_context(|| format!("cannot bind port {} again", self.port))?;
        self.serve(listener)
    }

    fn serve(&mut self, listener: TcpListener) -> Result<()> {
        // Non-blocking accept, so that the loop sees the stop flag.
        listener.set_nonblocking(true)?;
        self.stop = Arc::new(AtomicBool::new(false));
        let (stop, failures, records) = (self.stop.clone(), self.failures.clone(), self.records.clone());
        self.thread = Some(thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        if let Err(e) = answer(stream, &failures, &records) {
                            eprintln!("fake networks: {e:#}");
                        }
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => thread::sleep(Duration::from_millis(10)),
                    Err(e) => eprintln!("fake networks: accept: {e}"),
                }
            }
        }));
        Ok(())
    }
}

impl Drop for FakeSocial {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

/// The records a fake kept in `dir`, in the order received.
pub fn read_records(dir: &Path) -> Result<Vec<Recorded>> {
    let text = match fs::read_to_string(dir.join(RECORDS)) {
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
        text => text.with_context(|| format!("cannot read {}", dir.join(RECORDS).display()))?,
    };
    text.lines().map(|line| serde_json::from_str(line).with_context(|| format!("bad record: {line}"))).collect()
}

/// Reads one request, records it, answers it and closes the connection.
fn answer(stream: TcpStream, failures: &Mutex<VecDeque<Failure>>, records: &Path) -> Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut parts = request_line.split_whitespace();
    let (method, path) = (parts.next().unwrap_or_default().to_owned(), parts.next().unwrap_or_default().to_owned());
    let mut headers = BTreeMap::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            break;
        }
        let Some((name, value)) = line.trim_end().split_once(':') else { break };
        headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
    }
    let length: usize = headers.get("content-length").and_then(|l| l.parse().ok()).unwrap_or(0);
    let mut raw = vec![0; length];
    reader.read_exact(&mut raw)?;
    let body: Value = serde_json::from_slice(&raw).unwrap_or(Value::Null);

    let failure = failures.lock().unwrap_or_else(PoisonError::into_inner).pop_front();
    let sequence = read_records(records.parent().unwrap_or(Path::new(".")))?.len() + 1;
    let (status, content_type, reply) = match failure {
        Some(Failure { status, body }) => (status, "application/json", body.into_bytes()),
        None if method == "GET" => media(&path, headers.get("host").map_or("", String::as_str))?,
        None => (200, "application/json", success(&path, &body, sequence).to_string().into_bytes()),
    };
    let record = Recorded { method, path, headers, body, status };
    let mut file = OpenOptions::new().create(true).append(true).open(records)?;
    writeln!(file, "{}", serde_json::to_string(&record)?)?;
    file.sync_all()?;

    let mut stream = stream;
    write!(
        stream,
        "HTTP/1.1 {status} {}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        if status == 200 { "OK" } else { "Error" },
        reply.len()
    )?;
    stream.write_all(&reply)?;
    stream.flush()?;
    Ok(())
}

/// Graph's "Retrieve media URL" (`/{media-id}`) and the download it points to (`/media/{id}`).
fn media(path: &str, host: &str) -> Result<(u16, &'static str, Vec<u8>)> {
    let bytes = fs::read(crate::workspace_root().join(MEDIA_FIXTURE)).context(MEDIA_FIXTURE)?;
    if path.starts_with("/media/") {
        return Ok((200, "image/png", bytes));
    }
    let id = path.trim_start_matches('/');
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
        let error =
            json!({ "error": { "message": "Unsupported get request.", "type": "GraphMethodException", "code": 100 } });
        return Ok((400, "application/json", error.to_string().into_bytes()));
    }
    let described = json!({
        "messaging_product": "whatsapp",
        "url": format!("http://{host}/media/{id}"),
        "mime_type": "image/png",
        "sha256": "fake",
        "file_size": bytes.len(),
        "id": id,
    });
    Ok((200, "application/json", described.to_string().into_bytes()))
}

/// What each network answers to a send; ids numbered across runs so that none repeats.
fn success(path: &str, body: &Value, sequence: usize) -> Value {
    if path.contains("/dm_conversations/") {
        json!({ "data": { "dm_conversation_id": "fake-conversation", "dm_event_id": format!("{}", 1_900_000_000_000_000_000u64 + sequence as u64) } })
    } else if body["messaging_product"] == "whatsapp" {
        json!({
            "messaging_product": "whatsapp",
            "contacts": [{ "input": body["to"], "wa_id": body["to"] }],
            "messages": [{ "id": format!("wamid.FAKE{sequence:06}") }],
        })
    } else {
        json!({ "recipient_id": body["recipient"]["id"], "message_id": format!("m_fake{sequence:06}") })
    }
}

/// `sha256=<hex>` of `body` with the app secret: Meta's `X-Hub-Signature-256`.
pub fn sign_meta(app_secret: &str, body: &[u8]) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, app_secret.as_bytes());
    let tag = ring::hmac::sign(&key, body);
    format!("sha256={}", tag.as_ref().iter().map(|b| format!("{b:02x}")).collect::<String>())
}

/// `sha256=<base64>` of `body` with the consumer secret: X's `x-twitter-webhooks-signature`.
pub fn sign_x(consumer_secret: &str, body: &[u8]) -> String {
    use base64::Engine as _;
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, consumer_secret.as_bytes());
    format!("sha256={}", base64::engine::general_purpose::STANDARD.encode(ring::hmac::sign(&key, body).as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(url: &str, body: Value) -> (u16, Value) {
        let agent = ureq::Agent::config_builder().http_status_as_error(false).build().new_agent();
        let mut response = agent.post(url).header("Authorization", "Bearer t").send_json(&body).unwrap();
        (response.status().as_u16(), response.body_mut().read_json().unwrap_or(Value::Null))
    }

    #[test]
    fn it_answers_as_the_networks_fails_when_told_and_keeps_its_records_across_restarts() -> Result<()> {
        let dir = tempfile::tempdir()?;
        let mut fake = FakeSocial::start(dir.path())?;
        let whatsapp = json!({ "messaging_product": "whatsapp", "to": "33612345678", "type": "text", "text": { "body": "Bonjour" } });
        let (status, answer) = post(&format!("{}/106540352242922/messages", fake.url()), whatsapp.clone());
        assert_eq!((status, answer["messages"][0]["id"].as_str()), (200, Some("wamid.FAKE000001")));

        fake.fail_next(1, 500, "{}");
        fake.fail_next_with_graph_error(551, "This person isn't available right now.");
        let messenger = json!({ "recipient": { "id": "678" }, "message": { "text": "Bonjour" } });
        assert_eq!(post(&format!("{}/1100/messages", fake.url()), messenger.clone()).0, 500);
        let (status, answer) = post(&format!("{}/1100/messages", fake.url()), messenger.clone());
        assert_eq!((status, answer["error"]["code"].as_i64()), (400, Some(551)));

        fake.stop()?;
        assert!(!crate::ports::accepts(fake.port));
        let mut again = FakeSocial::start(dir.path())?;
        let (status, answer) =
            post(&format!("{}/2/dm_conversations/with/300/messages", again.url()), json!({ "text": "Bonjour" }));
        assert_eq!(status, 200);
        assert!(answer["data"]["dm_event_id"].as_str().is_some_and(|id| id.ends_with('4')), "{answer}");
        again.stop()?;
        fake.start_again()?;
        let (status, answer) = post(&format!("{}/1100/messages", fake.url()), messenger.clone());
        assert_eq!((status, answer["message_id"].as_str()), (200, Some("m_fake000005")));

        let records = fake.requests()?;
        let seen: Vec<(&str, u16)> = records.iter().map(|r| (r.path.as_str(), r.status)).collect();
        assert_eq!(
            seen,
            [
                ("/106540352242922/messages", 200),
                ("/1100/messages", 500),
                ("/1100/messages", 400),
                ("/2/dm_conversations/with/300/messages", 200),
                ("/1100/messages", 200),
            ]
        );
        assert_eq!(records[0].body, whatsapp);
        assert_eq!(records[0].headers.get("authorization").map(String::as_str), Some("Bearer t"));
        Ok(())
    }
}
