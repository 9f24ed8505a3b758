//! `guichet ingest-email`: a mail server's pipe into Guichet (Postfix `mailbox_command`, an
//! alias `|guichet ingest-email --site S`, procmail…). One raw message on standard input.
//!
//! When `guichet serve` runs on the same data directory it holds the directory's lock, and
//! the message goes through its HTTP endpoint (so that its deduplication index sees it);
//! otherwise the message is filed directly in the database, and the emails it causes wait
//! in the outbox for the service to start. Exit codes follow `sysexits.h`, which mail servers
//! read: 75 (try again later) when the service cannot take it now, 65 when the message is bad.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use crate::config::Config;
use crate::intake::{EmailOutcome, Intake, IntakeError};
use crate::store::Store;

/// `EX_DATAERR`: the message itself is refused; the mail server bounces it.
pub const EXIT_BAD_MESSAGE: u8 = 65;
/// `EX_TEMPFAIL`: the mail server keeps the message and tries again later.
pub const EXIT_TRY_LATER: u8 = 75;

/// Why a piped message was not taken.
#[derive(Debug, thiserror::Error)]
pub enum PipeError {
    #[error("{0}")]
    BadMessage(String),
    #[error("{0}")]
    TryLater(String),
}

impl PipeError {
    pub fn exit_code(&self) -> u8 {
        match self {
            PipeError::BadMessage(_) => EXIT_BAD_MESSAGE,
            PipeError::TryLater(_) => EXIT_TRY_LATER,
        }
    }
}

/// Holds the data directory for one `guichet serve`: two services on one database would each
/// keep a deduplication index blind to the other's messages.
#[derive(Debug)]
pub struct DataDirLock(#[allow(dead_code)] File);

/// Takes the data directory's lock; `Ok(None)` when another process holds it.
pub fn lock_data_dir(data_dir: &Path) -> std::io::Result<Option<DataDirLock>> {
    std::fs::create_dir_all(data_dir)?;
    let file = File::options().create(true).truncate(false).write(true).open(data_dir.join("guichet.lock"))?;
    match file.try_lock() {
        Ok(()) => Ok(Some(DataDirLock(file))),
        Err(std::fs::TryLockError::WouldBlock) => Ok(None),
        Err(std::fs::TryLockError::Error(e)) => Err(e),
    }
}

/// Takes one raw message for `site` (none for mail to a `reply+` address).
pub async fn ingest(config: Config, site: Option<String>, raw: Vec<u8>) -> Result<EmailOutcome, PipeError> {
    let lock = lock_data_dir(&config.data_dir).map_err(|e| PipeError::TryLater(e.to_string()))?;
    match lock {
        Some(_lock) => {
            let store = Store::open(&config.data_dir).map_err(|e| PipeError::TryLater(e.to_string()))?;
            let intake = Intake::open(store, Arc::new(config)).await.map_err(|e| PipeError::TryLater(e.to_string()))?;
            intake.receive_email(site.as_deref(), raw).await.map_err(|e| match e {
                IntakeError::BadEmail(_) | IntakeError::NoSite | IntakeError::UnknownSite(_) => {
                    PipeError::BadMessage(e.to_string())
                }
                e => PipeError::TryLater(e.to_string()),
            })
        }
        None => post(&config, site, raw).await,
    }
}

/// Hands the message to the running service.
async fn post(config: &Config, site: Option<String>, raw: Vec<u8>) -> Result<EmailOutcome, PipeError> {
    let Some(token) = config.ingest_token.clone() else {
        return Err(PipeError::TryLater(
            "guichet serve runs on this data directory: set server.ingest_token so that piped mail can reach it".into(),
        ));
    };
    let mut url = format!("{}/ingest/v1/email", config.public_url);
    if let Some(site) = &site {
        url.push_str(&format!("?site={site}"));
    }
    tokio::task::spawn_blocking(move || {
        let agent = ureq::Agent::config_builder().http_status_as_error(false).build().new_agent();
        let mut response = agent
            .post(&url)
            .header("Authorization", &format!("Bearer {token}"))
            .header("Content-Type", "message/rfc822")
            .send(&raw[..])
            .map_err(|e| PipeError::TryLater(format!("{url}: {e}")))?;
        let status = response.status().as_u16();
        let body = response.body_mut().read_to_string().unwrap_or_default();
        match status {
            200..=299 => serde_json::from_str(&body).map_err(|e| PipeError::TryLater(format!("{url}: {e}"))),
            400..=499 if status != 429 && status != 401 => Err(PipeError::BadMessage(format!("{status}: {body}"))),
            _ => Err(PipeError::TryLater(format!("{url}: {status} {body}"))),
        }
    })
    .await
    .map_err(|e| PipeError::TryLater(e.to_string()))?
}
