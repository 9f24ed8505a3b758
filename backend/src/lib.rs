//! Guichet's service: one counter for the messages citizens send to an institution.
//!
//! # Layout
//! - [`config`]: the TOML file, read once and validated with every error reported together.
//! - [`domain`]: pure types and decisions (messages, tickets, routing, notifications); no I/O.
//! - [`channels`]: adapters turning each channel's wire format into an inbound message; the
//!   IMAP watchers of the configured mailboxes, which store each email raw before marking it.
//! - [`intake`]: files a message in one transaction: stored, ticketed, emails queued; also
//!   what arrives by email (citizens' mail, agents' answers and commands, bounces, robots).
//! - [`store`]: SQLite, the only durable state.
//! - [`mail`]: rendering, transports (directory or SMTP) and the outbox worker.
//! - [`social_outbox`]: agents' answers out through the social networks' send APIs.
//! - [`media_fetch`]: WhatsApp media downloaded after their message was filed.
//! - [`http`]: the router (`app`), thin handlers, static files.
//! - [`pipe`]: `guichet ingest-email`, raw mail piped in by a mail server.
//! - [`replay`]: `guichet replay`, inbound messages from a JSON Lines file through the same pipeline.
//!
//! [`serve`] runs it all on a listener it is given, until `shutdown` resolves.

pub mod channels;
pub mod config;
pub mod domain;
pub mod http;
pub mod intake;
pub mod mail;
pub mod media_fetch;
pub mod pipe;
pub mod replay;
pub mod social_outbox;
pub mod store;

use std::future::Future;
use std::sync::Arc;

use tokio::net::TcpListener;

use crate::channels::email_intake::StoreRaw;
use crate::channels::imap;
use crate::config::Config;
use crate::http::{AppState, app};
use crate::intake::Intake;
use crate::mail::Mailer;
use crate::mail::outbox::{self, Wake};
use crate::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("mail: {0}")]
    Mail(String),
    #[error("data directory {0}")]
    DataDir(String),
    #[error("server: {0}")]
    Io(#[from] std::io::Error),
}

/// Serves Guichet on `listener` and watches the configured mailboxes until `shutdown`
/// resolves, then lets the outbox worker finish the email it is sending.
pub async fn serve(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let store = Store::open(&config.data_dir)?;
    let mailer = Mailer::new(&config.mail.transport).map_err(ServeError::Mail)?;
    let wake = Wake::default();
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let worker =
        tokio::spawn(outbox::run(store.clone(), mailer, config.mail.from.clone(), wake.clone(), stop_rx.clone()));
    let _lock = pipe::lock_data_dir(&config.data_dir)
        .map_err(|e| ServeError::DataDir(format!("{}: {e}", config.data_dir.display())))?
        .ok_or_else(|| ServeError::DataDir(format!("{}: another guichet serves it", config.data_dir.display())))?;
    let intake = Intake::open(store, Arc::new(config)).await?;
    // Emails a crash left stored but unprocessed are taken up first.
    let pending = intake.process_pending_emails().await.map_err(|e| ServeError::Mail(e.to_string()))?;
    if pending > 0 {
        tracing::info!(pending, "stored emails processed after a restart");
        wake.wake();
    }
    let watchers = spawn_watchers(&intake, &stop_rx, &wake);
    let social = tokio::spawn(social_outbox::run(intake.clone(), wake.clone(), stop_rx.clone()));
    let media = tokio::spawn(media_fetch::run(intake.clone(), wake.clone(), stop_rx.clone()));
    let state = AppState::new(intake, wake);
    axum::serve(listener, app(state)).with_graceful_shutdown(shutdown).await?;
    let _ = stop_tx.send(true);
    let _ = worker.await;
    let _ = social.await;
    let _ = media.await;
    for watcher in watchers {
        let _ = watcher.await;
    }
    Ok(())
}

/// One IMAP watcher per configured mailbox (the sites', then the reply domain's), each
/// storing what it fetches as raw emails; they stop when `stop` turns true.
fn spawn_watchers(
    intake: &Intake,
    stop: &tokio::sync::watch::Receiver<bool>,
    outbox: &Wake,
) -> Vec<tokio::task::JoinHandle<()>> {
    let config = intake.config();
    let site_accounts =
        config.sites.iter().flat_map(|site| site.mailboxes.iter().map(|account| (Some(site.id.clone()), account)));
    let reply_account = config.mail.reply_mailbox.iter().map(|account| (None, account));
    site_accounts
        .chain(reply_account)
        .map(|(site, account)| {
            let deliver = StoreRaw { intake: intake.clone(), site, outbox: outbox.clone() };
            tokio::spawn(imap::watch(account.clone(), deliver, stop.clone()))
        })
        .collect()
}
