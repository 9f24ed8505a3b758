//! Filing: a message from any channel becomes durable, lands in a ticket, and queues the
//! emails this causes, all in one transaction.

use std::sync::Arc;

use wire::Lang;

use crate::config::Config;
use crate::domain::message::InboundMessage;
use crate::domain::notify::{self, NewTicket};
use crate::domain::routing::route;
use crate::domain::ticket::{Reference, Ticket, thread_id};
use crate::mail::outbox::now_ms;
use crate::store::{Store, StoreError};

/// Where a message was filed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filed {
    pub reference: Reference,
    /// The message had been received before: nothing was changed, no email queued.
    pub already_seen: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    #[error("no site `{0}` in the configuration")]
    UnknownSite(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Files `message`; `citizen_lang` is the language to acknowledge in.
pub async fn file(
    store: &Store,
    config: Arc<Config>,
    message: InboundMessage,
    citizen_lang: Lang,
) -> Result<Filed, IntakeError> {
    if config.site(&message.site).is_none() {
        return Err(IntakeError::UnknownSite(message.site));
    }
    let filed = store
        .write(move |tx| {
            if let Some(reference) = tx.reference_of(&message.site, &message.id)? {
                return Ok(Filed { reference, already_seen: true });
            }
            let site = config.site(&message.site).expect("checked above");
            let row = tx.insert_message(&message)?;
            let service = route(site, message.topic.as_deref());
            let year = message.received_at.year();
            let reference = Reference::new(&site.reference_prefix, year, tx.next_ticket_number(&site.id, year)?);
            let ticket = Ticket {
                thread_id: thread_id(&reference, &config.mail.domain),
                reference: reference.clone(),
                site: site.id.clone(),
                topic: message.topic.clone().filter(|t| site.topic(t).is_some()),
                service: service.id.clone(),
                created_at: message.received_at,
            };
            let ticket_row = tx.insert_ticket(&ticket, row)?;
            let new = NewTicket { site, service, ticket: &ticket, message: &message, citizen_lang };
            let now = now_ms();
            tx.enqueue(Some(ticket_row), &notify::to_agents(new), now)?;
            if let Some(ack) = notify::acknowledgment(new, &config.mail.domain, row) {
                tx.enqueue(Some(ticket_row), &ack, now)?;
            }
            Ok(Filed { reference, already_seen: false })
        })
        .await?;
    Ok(filed)
}
