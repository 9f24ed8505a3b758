//! A real SMTP server on loopback (aiosmtpd, which stores what it receives in a Maildir) and
//! the messages it received, with headers and bodies decoded as a mail client would.

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use mail_parser::{HeaderName, Message, MessageParser, MimeHeaders, PartType};
use tempfile::TempDir;

use crate::poll::wait_until;
use crate::ports::free_port;
use crate::process::Child;

/// Debian's python3-aiosmtpd is installed for the system Python, not for any other on PATH.
const PYTHON: &str = "/usr/bin/python3";

/// An SMTP server accepting every message, on one loopback port for its whole life.
pub struct SmtpServer {
    // Declared first so that it is killed before the Maildir is deleted.
    server: Option<Child>,
    port: u16,
    maildir: PathBuf,
    _dir: TempDir,
}

impl SmtpServer {
    pub fn start() -> Result<SmtpServer> {
        let dir = tempfile::tempdir()?;
        let mut smtp = SmtpServer { server: None, port: free_port()?, maildir: dir.path().join("maildir"), _dir: dir };
        smtp.start_again()?;
        Ok(smtp)
    }

    /// The URL Guichet's `mail.smtp_url` takes.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Ends the server, as an outage would: connections to the port are refused until
    /// [`SmtpServer::start_again`].
    pub fn stop(&mut self) -> Result<()> {
        match self.server.take() {
            Some(mut server) => server.kill(),
            None => Ok(()),
        }
    }

    /// Starts the server on the same port and Maildir, keeping the messages received so far.
    pub fn start_again(&mut self) -> Result<()> {
        if self.server.is_some() {
            bail!("the SMTP server on port {} is already running", self.port);
        }
        let mut command = Command::new(PYTHON);
        command.args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{}", self.port)]);
        command.args(["-c", "aiosmtpd.handlers.Mailbox"]).arg(&self.maildir);
        let mut server = Child::spawn("smtp", command)?;
        server.wait_for_port(self.port, Duration::from_secs(15))?;
        self.server = Some(server);
        Ok(())
    }

    /// The messages received so far, in the order they arrived.
    pub fn messages(&self) -> Result<Vec<ReceivedMail>> {
        read_maildir(&self.maildir)
    }

    /// Waits until at least `count` messages have arrived, and returns them all.
    pub fn wait_for(&self, count: usize, timeout: Duration) -> Result<Vec<ReceivedMail>> {
        wait_until(timeout, || Ok(Some(self.messages()?).filter(|messages| messages.len() >= count))).with_context(
            || {
                let arrived = self.messages().map(|messages| messages.len()).unwrap_or_default();
                format!("waiting for {count} messages on {}: {arrived} arrived", self.url())
            },
        )
    }
}

/// The messages of a Maildir (`new/` and `cur/`), in the order they were delivered.
pub fn read_maildir(maildir: &Path) -> Result<Vec<ReceivedMail>> {
    let mut files = Vec::new();
    for folder in ["new", "cur"] {
        let entries = match fs::read_dir(maildir.join(folder)) {
            Err(e) if e.kind() == ErrorKind::NotFound => continue,
            entries => entries.with_context(|| format!("cannot list {}", maildir.join(folder).display()))?,
        };
        for entry in entries {
            let path = entry?.path();
            files.push((delivery_order(&path), path));
        }
    }
    files.sort();
    files
        .into_iter()
        .map(|(_, path)| {
            let raw = fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
            Ok(ReceivedMail { raw: String::from_utf8_lossy(&raw).into_owned() })
        })
        .collect()
}

/// Python's Maildir names a file `SECONDS.M<MICROSECONDS>P<PID>Q<COUNT>.HOST`, the
/// microseconds not padded: sorting the names as text would misorder a busy second.
fn delivery_order(path: &Path) -> (u64, u64) {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let mut parts = name.split('.');
    let seconds = parts.next().and_then(|s| s.parse().ok());
    let micros = parts.next().and_then(|s| s.strip_prefix('M')?.split('P').next()?.parse().ok());
    (seconds.unwrap_or(u64::MAX), micros.unwrap_or(u64::MAX))
}

/// One delivered message, as the server stored it (with aiosmtpd's `X-MailFrom`, `X-RcptTo`
/// and `X-Peer` headers added).
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    raw: String,
}

impl ReceivedMail {
    pub fn raw(&self) -> &str {
        &self.raw
    }

    /// The first header named `name` (any case), unfolded and with its RFC 2047 encoded-words
    /// decoded; address headers come back as text too.
    pub fn header(&self, name: &str) -> Option<String> {
        // mail-parser applies the default to the headers its map does not name, but only once
        // the map names one: Subject is there to make every header plain text.
        let parser = MessageParser::new().header_text(HeaderName::Subject).default_header_text();
        let message = parser.parse_headers(self.raw.as_bytes())?;
        let header = message.headers().iter().find(|header| header.name().eq_ignore_ascii_case(name))?;
        Some(header.value().as_text().unwrap_or_default().to_owned())
    }

    pub fn subject(&self) -> Option<String> {
        self.header("Subject")
    }

    /// The addresses of the `To` header, without display names.
    pub fn to(&self) -> Vec<String> {
        let Some(message) = self.parsed() else { return Vec::new() };
        let addresses = message.to().into_iter().flat_map(|to| to.iter());
        addresses.filter_map(|addr| addr.address()).map(str::to_owned).collect()
    }

    /// The decoded `text/plain` body, if the message has one.
    pub fn text_body(&self) -> Option<String> {
        let message = self.parsed()?;
        message.text_bodies().find_map(|part| match &part.body {
            PartType::Text(text) => Some(text.to_string()),
            _ => None,
        })
    }

    /// The decoded `text/html` body, if the message has one.
    pub fn html_body(&self) -> Option<String> {
        let message = self.parsed()?;
        message.html_bodies().find_map(|part| match &part.body {
            PartType::Html(html) => Some(html.to_string()),
            _ => None,
        })
    }

    /// The attached files, as a mail client lists them: name, `type/subtype`, decoded bytes.
    pub fn attachments(&self) -> Vec<(String, String, Vec<u8>)> {
        let Some(message) = self.parsed() else { return Vec::new() };
        message
            .attachments()
            .map(|part| {
                let kind = part.content_type().map(|c| format!("{}/{}", c.ctype(), c.subtype().unwrap_or_default()));
                (
                    part.attachment_name().unwrap_or_default().to_owned(),
                    kind.unwrap_or_default(),
                    part.contents().to_vec(),
                )
            })
            .collect()
    }

    fn parsed(&self) -> Option<Message<'_>> {
        MessageParser::default().parse(self.raw.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture_mails() -> Vec<ReceivedMail> {
        read_maildir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/maildir")).unwrap()
    }

    #[test]
    fn reads_new_and_cur_in_delivery_order() {
        let subjects: Vec<_> = fixture_mails().iter().map(ReceivedMail::subject).collect();
        assert_eq!(
            subjects,
            [
                Some("Accusé de réception de votre demande VE-2024-0001".to_owned()),
                Some("Nouvelle demande VE-2024-0002 — Voirie".to_owned()),
            ]
        );
    }

    #[test]
    fn a_missing_maildir_is_empty() {
        assert!(read_maildir(Path::new("/nonexistent/maildir")).unwrap().is_empty());
    }

    #[test]
    fn headers_are_found_in_any_case_unfolded_and_decoded() {
        let mail = &fixture_mails()[0];
        assert_eq!(mail.header("x-guichet-reference").as_deref(), Some("VE-2024-0001 (folded)"));
        assert_eq!(mail.header("X-RCPTTO").as_deref(), Some("zelie@example.org, accueil@ville-exemple.localhost"));
        assert_eq!(
            mail.header("To").as_deref(),
            Some("Zélie Martin <zelie@example.org>, \"Accueil\" <accueil@ville-exemple.localhost>")
        );
        assert_eq!(mail.header("Cc"), None);
    }

    #[test]
    fn to_lists_the_bare_addresses() {
        assert_eq!(fixture_mails()[0].to(), ["zelie@example.org", "accueil@ville-exemple.localhost"]);
    }

    #[test]
    fn a_plain_message_has_a_text_body_only() {
        let mail = &fixture_mails()[0];
        assert_eq!(mail.text_body().as_deref(), Some("Bonjour Zélie,\n\nVotre demande est bien reçue.\n"));
        assert_eq!(mail.html_body(), None);
    }

    #[test]
    fn alternative_bodies_are_decoded() {
        let mail = &fixture_mails()[1];
        let text = mail.text_body().unwrap();
        assert!(text.contains("arrivée pour le service voirie et éclairage : un lampadaire"), "{text}");
        let html = mail.html_body().unwrap();
        assert!(html.contains("<strong>service voirie</strong>"), "{html}");
    }
}
