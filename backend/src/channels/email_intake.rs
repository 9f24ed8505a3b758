//! Emails fetched from the watched mailboxes, stored raw and durably before anything else is
//! done with them: what the IMAP watcher's [`Deliver`] calls.
//!
//! The key is the Message-ID (with its angle brackets), or `sha256:<hex>` of the raw bytes
//! when a message has none: the same email fetched twice (after a crash between storing and
//! marking, or copied into two mailboxes of a site) is stored once.

use mail_parser::MessageParser;

use crate::channels::email;
use crate::channels::imap::Deliver;
use crate::intake::Intake;
use crate::mail::outbox::Wake;

/// Stores `raw` for `site` (`None` for the agents' reply mailbox), then makes of it what it
/// asks. `Ok` once it is on disk: what it then did (or failed to do) is kept with it, and an
/// email left unprocessed by a crash is processed at the next start.
pub async fn store_raw(intake: &Intake, site: Option<&str>, raw: Vec<u8>) -> Result<(), String> {
    let stored = intake.store_email(site, raw).await.map_err(|e| e.to_string())?;
    if let Err(e) = intake.process_email(stored).await {
        tracing::warn!(site = site.unwrap_or("(replies)"), "email stored, not processed: {e}");
    }
    Ok(())
}

/// The key a raw email is stored under: its Message-ID, or a hash of the bytes when it has
/// none (the same key [`email::idempotency_key`] gives its message).
pub fn idempotency_key(raw: &[u8]) -> String {
    let message_id = MessageParser::default()
        .parse_headers(raw)
        .and_then(|m| m.message_id().map(|id| id.trim().to_owned()))
        .filter(|id| !id.is_empty());
    message_id.map_or_else(|| email::hash_key(raw), |id| format!("<{id}>"))
}

/// The watcher's delivery for one mailbox: into the raw emails of `site`.
#[derive(Clone)]
pub struct StoreRaw {
    pub intake: Intake,
    pub site: Option<String>,
    /// Woken when an email queued mail, so that it goes out at once.
    pub outbox: Wake,
}

impl Deliver for StoreRaw {
    async fn deliver(&self, raw: Vec<u8>) -> Result<(), String> {
        let stored = store_raw(&self.intake, self.site.as_deref(), raw).await;
        self.outbox.wake();
        stored
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Arc;

    use super::*;
    use crate::config::Config;
    use crate::store::Store;

    fn fixture(name: &str) -> Vec<u8> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/raw-email").join(name);
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    #[test]
    fn the_key_is_the_message_id_or_a_hash() {
        assert_eq!(idempotency_key(&fixture("with-message-id.eml")), "<lampadaire-8-lilas@exemple.fr>");
        let without = fixture("without-message-id.eml");
        let key = idempotency_key(&without);
        assert!(key.starts_with("sha256:") && key.len() == "sha256:".len() + 64, "{key}");
        assert_eq!(key, idempotency_key(&without));
        assert_ne!(key, idempotency_key(b"Subject: other\r\n\r\nbody\r\n"));
    }

    #[tokio::test]
    async fn an_email_stored_twice_is_kept_once_per_site() {
        let text =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/config/minimal.toml"))
                .unwrap();
        let config = Arc::new(Config::parse(&text, None).unwrap());
        let store = Store::in_memory().unwrap();
        let intake = Intake::open(store.clone(), config).await.unwrap();
        let raw = fixture("with-message-id.eml");
        for site in [Some("mairie"), Some("mairie"), None, None, Some("other")] {
            store_raw(&intake, site, raw.clone()).await.unwrap();
        }
        let rows = store.write(|tx| tx.raw_emails()).await.unwrap();
        let sites: Vec<Option<&str>> = rows.iter().map(|r| r.site.as_deref()).collect();
        assert_eq!(sites, [Some("mairie"), None, Some("other")]);
        assert!(rows.iter().all(|r| r.raw == raw && r.key == "<lampadaire-8-lilas@exemple.fr>"));
    }
}
