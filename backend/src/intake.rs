//! Filing: a message from any channel becomes durable, is placed by the deduplication engine
//! (a new ticket, a follow-up, a ticket in an incident), and queues the emails this causes,
//! all in one transaction.

mod answers;
mod mailbox;
mod media;

use std::sync::{Arc, Mutex, PoisonError};

use wire::Lang;

use crate::config::{Config, Site};
use crate::domain::dedup::{Decision, DedupConfig, Engine, IncidentChoice, IncidentId, TicketId};
use crate::domain::message::{Attachment, InboundMessage};
use crate::domain::notify::{self, FollowUp, IncidentNote, NewTicket};
use crate::domain::reply_token::{Role, Signer};
use crate::domain::routing::route;
use crate::domain::ticket::{Reference, Ticket, thread_id};
use crate::mail::outbox::now_ms;
use crate::store::{Store, StoreError, Tx};

pub use answers::{AgentMail, Answered, Bounced};
pub use mailbox::{EmailOutcome, StoredEmail};

/// Where a message was filed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filed {
    pub reference: Reference,
    pub incident: Option<String>,
    /// The message had been received before: nothing was changed, no email queued.
    pub already_seen: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    #[error("no site `{0}` in the configuration")]
    UnknownSite(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot write the output: {0}")]
    Output(String),
    #[error("no such message")]
    UnknownMessage,
    #[error("no such ticket")]
    UnknownTicket,
    #[error("the message is its ticket's only one: there is nothing to split")]
    NothingToSplit,
    #[error("the ticket is in no incident")]
    NotInIncident,
    #[error("not an email: {0}")]
    BadEmail(String),
    #[error("an email to no site: it came through no site's mailbox and names no ticket")]
    NoSite,
}

/// The pipeline every channel feeds: cheap to clone.
#[derive(Clone)]
pub struct Intake {
    store: Store,
    config: Arc<Config>,
    engine: Arc<Mutex<Engine>>,
    /// Signs the `reply+` addresses of the emails a ticket causes.
    signer: Signer,
}

impl Intake {
    /// Opens the pipeline on `store`, rebuilding the deduplication index from its history.
    pub async fn open(store: Store, config: Arc<Config>) -> Result<Intake, StoreError> {
        let history = store.write(|tx| tx.history()).await?;
        let mut engine = Engine::new(DedupConfig::default());
        for filed in &history {
            engine.apply(&filed.message, TicketId(filed.ticket), filed.incident.map(IncidentId));
        }
        // Agents' corrections come after, as they did: the engine then remembers not to redo them.
        for (kind, message, ticket) in store.write(|tx| tx.actions()).await? {
            match (kind.as_str(), message) {
                ("split", Some(message)) => engine.split_message(&message, TicketId(ticket)),
                ("detach", _) => engine.detach_from_incident(TicketId(ticket)),
                _ => {}
            }
        }
        for filed in &history {
            engine.set_reference(TicketId(filed.ticket), &filed.reference);
        }
        let secret = match &config.mail.secret {
            Some(secret) => secret.as_bytes().to_vec(),
            None => store.write(|tx| tx.secret("reply-token", 32)).await?,
        };
        Ok(Intake { store, config, engine: Arc::new(Mutex::new(engine)), signer: Signer::new(&secret) })
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn config(&self) -> &Arc<Config> {
        &self.config
    }

    /// The incident a ticket belongs to now: a ticket filed alone joins one when another
    /// citizen reports the same occurrence later.
    pub async fn incident_of(&self, ticket: &Reference) -> Result<Option<String>, StoreError> {
        let ticket = ticket.as_str().to_owned();
        self.store.write(move |tx| tx.incident_of(&ticket)).await
    }

    /// Files `message`; `citizen_lang` is the language to acknowledge in.
    pub async fn file(&self, message: InboundMessage, citizen_lang: Lang) -> Result<Filed, IntakeError> {
        self.file_with(message, citizen_lang, vec![]).await
    }

    /// [`Intake::file`] with the files the message came with, kept in the same transaction and
    /// attached to the agents' email. A message seen before keeps its first files only.
    pub async fn file_with(
        &self,
        message: InboundMessage,
        citizen_lang: Lang,
        attachments: Vec<Attachment>,
    ) -> Result<Filed, IntakeError> {
        self.file_then(message, citizen_lang, attachments, |_, _| Ok(())).await
    }

    /// [`Intake::file_with`], running `then` with the message's row in the same transaction
    /// when the message is new.
    async fn file_then(
        &self,
        message: InboundMessage,
        citizen_lang: Lang,
        attachments: Vec<Attachment>,
        then: impl FnOnce(&Tx<'_>, i64) -> Result<(), StoreError> + Send + 'static,
    ) -> Result<Filed, IntakeError> {
        if self.config.site(&message.site).is_none() {
            return Err(IntakeError::UnknownSite(message.site));
        }
        let (config, engine, signer) = (self.config.clone(), self.engine.clone(), self.signer.clone());
        let filed = self
            .store
            .write(move |tx| {
                // The store is the truth about what was seen; the engine only an index of it.
                if let Some(reference) = tx.reference_of(&message.site, &message.id)? {
                    let incident = tx.incident_of(reference.as_str())?;
                    return Ok(Filed { reference, incident, already_seen: true });
                }
                let site = config.site(&message.site).expect("checked above");
                let desk = Desk { tx, config: &config, signer: &signer, site };
                let mut engine = engine.lock().unwrap_or_else(PoisonError::into_inner);
                let decision = engine.decide(&message);
                let row = tx.insert_message(&message)?;
                then(tx, row)?;
                let files = attachments
                    .iter()
                    .map(|a| Ok((tx.insert_attachment(row, a)?, a.name.clone())))
                    .collect::<Result<Vec<_>, StoreError>>()?;
                tx.record_decision(row, &serde_json::to_string(&decision)?)?;
                let placed = match decision {
                    Decision::FollowUp { ticket, reasons, incident: grouping, grouped } => {
                        tx.file_message(row, ticket.0)?;
                        if let Some(i) = desk.incident_for(grouping, message.received_at)? {
                            tx.set_incident(ticket.0, Some(i))?;
                        }
                        let (t, incident) = tx.ticket(ticket.0)?;
                        // Told only when this message put the ticket in it.
                        let note = incident.filter(|_| grouped.is_some()).map(|i| tx.incident(i)).transpose()?;
                        let note =
                            note.as_ref().map(|(reference, tickets)| IncidentNote { reference, tickets: *tickets });
                        let why = match &grouped {
                            Some(g) => format!("{}; {}", reasons.summary(), g.summary()),
                            None => reasons.summary(),
                        };
                        let service = site.service(&t.service).unwrap_or_else(|| route(site, t.topic.as_deref()));
                        let mut email = notify::follow_up(FollowUp {
                            site,
                            service,
                            ticket: &t,
                            message: &message,
                            why: &why,
                            incident: note,
                            unique: row,
                            mail_domain: &config.mail.domain,
                            files: &files,
                        });
                        email.reply_to = Some(desk.reply_to(&t.reference, Role::Agents));
                        tx.enqueue(Some(ticket.0), &email, now_ms())?;
                        Placed { ticket, incident: incident.map(IncidentId), reference: t.reference }
                    }
                    Decision::AlreadySeen { ticket } => {
                        tx.file_message(row, ticket.0)?;
                        let (t, incident) = tx.ticket(ticket.0)?;
                        Placed { ticket, incident: incident.map(IncidentId), reference: t.reference }
                    }
                    Decision::NewTicket { incident, .. } => {
                        desk.new_ticket(&message, row, incident, citizen_lang, true, &files)?
                    }
                };
                engine.apply(&message, placed.ticket, placed.incident);
                engine.set_reference(placed.ticket, placed.reference.as_str());
                let incident = placed.incident.map(|i| tx.incident(i.0).map(|(r, _)| r)).transpose()?;
                Ok(Filed { reference: placed.reference, incident, already_seen: false })
            })
            .await?;
        Ok(filed)
    }
}

impl Intake {
    /// An agent's correction: `message` leaves its ticket for a ticket of its own, and the
    /// engine will not file it (or its sender's later messages) back there. Returns the new
    /// ticket's reference.
    pub async fn split_message(&self, site: &str, message_id: &str) -> Result<Reference, IntakeError> {
        let (config, engine, signer) = (self.config.clone(), self.engine.clone(), self.signer.clone());
        let (site, message_id) = (site.to_owned(), message_id.to_owned());
        self.store
            .write_or(move |tx| {
                let site = config.site(&site).ok_or_else(|| IntakeError::UnknownSite(site.clone()))?;
                let mut engine = engine.lock().unwrap_or_else(PoisonError::into_inner);
                split_in(tx, &config, &mut engine, &signer, site, &message_id)
            })
            .await
    }

    /// An agent's correction: the ticket leaves its incident, for good.
    pub async fn detach(&self, reference: &str) -> Result<(), IntakeError> {
        let (engine, reference) = (self.engine.clone(), reference.to_owned());
        self.store
            .write_or(move |tx| {
                let row = tx.ticket_row(&reference)?.ok_or(IntakeError::UnknownTicket)?;
                if tx.ticket(row)?.1.is_none() {
                    return Err(IntakeError::NotInIncident);
                }
                tx.set_incident(row, None)?;
                tx.record_action("detach", None, row)?;
                engine.lock().unwrap_or_else(PoisonError::into_inner).detach_from_incident(TicketId(row));
                Ok(())
            })
            .await
    }
}

struct Placed {
    ticket: TicketId,
    incident: Option<IncidentId>,
    reference: Reference,
}

/// Moves message `message_id` out of its ticket into a ticket of its own, tells the old
/// ticket's agents, and makes the engine remember it.
fn split_in(
    tx: &Tx<'_>,
    config: &Config,
    engine: &mut Engine,
    signer: &Signer,
    site: &Site,
    message_id: &str,
) -> Result<Reference, IntakeError> {
    let (row, old, message) = tx.message(&site.id, message_id)?.ok_or(IntakeError::UnknownMessage)?;
    if tx.messages_in(old)? < 2 {
        return Err(IntakeError::NothingToSplit);
    }
    let (old_ticket, _) = tx.ticket(old)?;
    let desk = Desk { tx, config, signer, site };
    let files = tx.attachments_of(row)?;
    let placed = desk.new_ticket(&message, row, IncidentChoice::None, site.language, false, &files)?;
    tx.record_action("split", Some(row), placed.ticket.0)?;
    let service = site.service(&old_ticket.service).unwrap_or_else(|| route(site, old_ticket.topic.as_deref()));
    let mut notice = notify::split_notice(site, service, &old_ticket, &placed.reference, &config.mail.domain, row);
    notice.reply_to = Some(desk.reply_to(&old_ticket.reference, Role::Agents));
    tx.enqueue(Some(old), &notice, now_ms())?;
    engine.split_message(&message, placed.ticket);
    engine.set_reference(placed.ticket, placed.reference.as_str());
    Ok(placed.reference)
}

/// Where tickets are opened: one transaction, one site.
struct Desk<'a, 't> {
    tx: &'a Tx<'t>,
    config: &'a Config,
    signer: &'a Signer,
    site: &'a Site,
}

impl Desk<'_, '_> {
    fn reply_to(&self, reference: &Reference, role: Role) -> String {
        self.signer.address(reference.as_str(), role, &self.config.mail.reply_domain)
    }

    /// The incident the engine chose, a new one numbered in the site's series if it starts one
    /// (with the other citizen's ticket it names).
    fn incident_for(&self, choice: IncidentChoice, at: time::OffsetDateTime) -> Result<Option<i64>, StoreError> {
        let (tx, site) = (self.tx, self.site);
        Ok(match choice {
            IncidentChoice::None => None,
            IncidentChoice::Join(incident) => Some(incident.0),
            IncidentChoice::StartWith(first) => {
                let year = at.year();
                let number = tx.next_ticket_number(&format!("{}#incident", site.id), year)?;
                let reference = format!("{}-INC-{year}-{number:04}", site.reference_prefix);
                let incident = tx.insert_incident(&site.id, &reference, at)?;
                tx.set_incident(first.0, Some(incident))?;
                Some(incident)
            }
        })
    }

    /// Opens a ticket for `message` (stored as `row`), in an incident if the engine said so,
    /// and queues the agents' email (with the message's `files`: row, name) and, if
    /// `acknowledge`, the citizen's acknowledgment.
    fn new_ticket(
        &self,
        message: &InboundMessage,
        row: i64,
        incident: IncidentChoice,
        citizen_lang: Lang,
        acknowledge: bool,
        files: &[(i64, String)],
    ) -> Result<Placed, StoreError> {
        let (tx, config, site) = (self.tx, self.config, self.site);
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
        tx.set_lang(ticket_row, citizen_lang.code())?;
        let incident = self.incident_for(incident, message.received_at)?;
        tx.set_incident(ticket_row, incident)?;
        let note = incident.map(|i| tx.incident(i)).transpose()?;
        let note = note.as_ref().map(|(reference, tickets)| IncidentNote { reference, tickets: *tickets });
        let new = NewTicket { site, service, ticket: &ticket, message, citizen_lang, incident: note, files };
        let now = now_ms();
        let mut to_agents = notify::to_agents(new);
        to_agents.reply_to = Some(self.reply_to(&reference, Role::Agents));
        tx.enqueue(Some(ticket_row), &to_agents, now)?;
        if let Some(mut ack) = notify::acknowledgment(new, &config.mail.domain, row).filter(|_| acknowledge) {
            ack.reply_to = Some(self.reply_to(&reference, Role::Citizen));
            tx.enqueue(Some(ticket_row), &ack, now)?;
        }
        Ok(Placed { ticket: TicketId(ticket_row), incident: incident.map(IncidentId), reference })
    }
}
