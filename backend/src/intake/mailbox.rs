//! What arrives by email, whichever way it came (a watched IMAP mailbox, a mail server's pipe,
//! the HTTP endpoint): a citizen's message, an agent's answer to a `reply+` address, a bounce,
//! or a robot's mail that must change nothing.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::channels::email::{self, Limits, ReadEmail};
use crate::channels::email_intake::idempotency_key;
use crate::domain::message::{Attachment, Channel, InboundMessage, Sender};
use crate::domain::notify::Refused;
use crate::domain::reply_token::{ReplyTo, Role, TokenError};
use crate::intake::answers::refuse;
use crate::intake::{AgentMail, Answered, Bounced, Filed, Intake, IntakeError};
use crate::mail::outbox::now_ms;

/// What an email did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum EmailOutcome {
    /// A citizen's message, filed.
    Filed { reference: String, incident: Option<String>, already_seen: bool },
    /// An agent's answer, acted upon.
    Answered { sent_to_citizen: bool },
    /// Sent to a reply address by someone who may not use it, or with a broken token: the
    /// sender was told why (unless a robot sent it).
    Refused { why: String },
    /// A delivery failure report; `matched` when it named one of Guichet's emails.
    Bounce { matched: bool },
    /// Nothing to do: a robot's mail, or Guichet's own.
    Ignored { why: String },
}

/// A raw email on disk, and what was made of it so far.
#[derive(Debug, Clone)]
pub struct StoredEmail {
    id: i64,
    site: Option<String>,
    raw: Vec<u8>,
    /// What it did, when it was processed already (delivered twice, or piped again).
    done: Option<EmailOutcome>,
}

impl EmailOutcome {
    /// The raw email's status once it did this.
    fn status(&self) -> &'static str {
        match self {
            EmailOutcome::Filed { .. } => "filed",
            EmailOutcome::Answered { .. } => "answered",
            EmailOutcome::Refused { .. } => "refused",
            EmailOutcome::Bounce { .. } => "bounce",
            EmailOutcome::Ignored { .. } => "ignored",
        }
    }
}

impl Intake {
    /// Stores a raw email durably (once per site and Message-ID) before anything is made of it.
    pub async fn store_email(&self, site: Option<&str>, raw: Vec<u8>) -> Result<StoredEmail, IntakeError> {
        let key = idempotency_key(&raw);
        let site = site.map(str::to_owned);
        self.store
            .write(move |tx| {
                tx.insert_raw_email(site.as_deref(), &key, &raw, now_ms())?;
                let (id, status, note) = tx.raw_email_state(site.as_deref(), &key)?.expect("stored just now");
                let done = (status != "new").then(|| note.and_then(|n| serde_json::from_str(&n).ok())).flatten();
                Ok(StoredEmail { id, site, raw, done })
            })
            .await
            .map_err(IntakeError::from)
    }

    /// Makes of a stored email what it asks, once, and keeps the outcome with it.
    pub async fn process_email(&self, stored: StoredEmail) -> Result<EmailOutcome, IntakeError> {
        if let Some(done) = stored.done {
            return Ok(done);
        }
        let result = self.take_email(stored.site.as_deref(), &stored.raw).await;
        let (status, note) = match &result {
            Ok(outcome) => (outcome.status(), serde_json::to_string(outcome).unwrap_or_default()),
            // Kept as "new" to be tried again: the store failed, not the email.
            Err(IntakeError::Store(_)) => return result,
            Err(e) => {
                ("refused", serde_json::to_string(&EmailOutcome::Refused { why: e.to_string() }).unwrap_or_default())
            }
        };
        let id = stored.id;
        self.store.write(move |tx| tx.set_raw_email_status(id, status, &note)).await?;
        result
    }

    /// Stores, then processes: for emails handed over by a mail server.
    pub async fn receive_email(&self, site: Option<&str>, raw: Vec<u8>) -> Result<EmailOutcome, IntakeError> {
        if raw.len() > self.config.mail.max_email_bytes {
            return Err(IntakeError::BadEmail(format!(
                "{} bytes, over mail.max_email_bytes ({})",
                raw.len(),
                self.config.mail.max_email_bytes
            )));
        }
        let stored = self.store_email(site, raw).await?;
        self.process_email(stored).await
    }

    /// Processes the emails a crash left stored but unprocessed.
    pub async fn process_pending_emails(&self) -> Result<usize, IntakeError> {
        let pending = self.store.write(|tx| tx.pending_raw_emails()).await?;
        let count = pending.len();
        for raw in pending {
            let stored = StoredEmail { id: raw.id, site: raw.site, raw: raw.raw, done: None };
            if let Err(e) = self.process_email(stored).await {
                tracing::warn!("a stored email could not be processed: {e}");
            }
        }
        Ok(count)
    }

    /// Reads a raw email and does what it asks. `site` is the site whose mailbox received it;
    /// mail to a `reply+` address needs none, since the address names the ticket.
    pub async fn take_email(&self, site: Option<&str>, raw: &[u8]) -> Result<EmailOutcome, IntakeError> {
        let limits = Limits {
            max_attachment_bytes: self.config.mail.max_attachment_bytes,
            max_attachments: self.config.mail.max_attachments,
        };
        let read = email::read(raw, &limits).map_err(|e| IntakeError::BadEmail(e.to_string()))?;
        let key = email::idempotency_key(raw, &read);
        let from = read.from.as_ref().map(|a| a.email.clone()).unwrap_or_default();
        if self.is_own_address(&from) {
            return Ok(EmailOutcome::Ignored { why: "sent by Guichet itself".into() });
        }
        if let Some(bounce) = &read.bounce {
            let bounced = Bounced {
                original_message_id: bounce.original_message_id.clone(),
                recipient: bounce.recipient.clone(),
                diagnostic: bounce.diagnostic.clone().or_else(|| bounce.status.clone()),
            };
            return Ok(EmailOutcome::Bounce { matched: self.take_bounce(bounced).await? });
        }
        if let Some(robot) = &read.robot {
            return Ok(EmailOutcome::Ignored { why: robot.to_string() });
        }
        match self.reply_address(&read) {
            Some(Ok(to)) if to.role == Role::Agents => {
                let mail = AgentMail { from, subject: read.subject.clone(), new_words: read.body.clone() };
                return Ok(match self.take_agent_mail(to, mail).await? {
                    Answered::Done { sent_to_citizen, .. } => EmailOutcome::Answered { sent_to_citizen },
                    Answered::Refused(why) => EmailOutcome::Refused { why },
                });
            }
            Some(Ok(to)) => return self.take_citizen_reply(to, key, read).await,
            Some(Err(_)) => return self.refuse_bad_address(read).await,
            None => {}
        }
        let site = site.ok_or(IntakeError::NoSite)?;
        let lang = self.config.site(site).ok_or_else(|| IntakeError::UnknownSite(site.to_owned()))?.language;
        let message = citizen_message(site, key, &read);
        Ok(self.file_with(message, lang, files(read)).await?.into())
    }

    /// Guichet's own sender address, or one of its reply addresses: answering them would loop.
    fn is_own_address(&self, address: &str) -> bool {
        let mail = &self.config.mail;
        address.eq_ignore_ascii_case(mail.from.email.as_ref())
            || self.signer.check_address(address, &mail.reply_domain) != Err(TokenError::NotAReplyAddress)
    }

    /// The first `reply+` address of the reply domain among the recipients, checked.
    fn reply_address(&self, read: &ReadEmail) -> Option<Result<ReplyTo, TokenError>> {
        let recipients = read.to.iter().chain(&read.cc).map(|a| a.email.as_str());
        recipients
            .chain(read.delivered_to.iter().map(String::as_str))
            .map(|address| self.signer.check_address(address, &self.config.mail.reply_domain))
            .find(|checked| checked != &Err(TokenError::NotAReplyAddress))
    }

    /// A citizen's answer to one of Guichet's emails: a follow-up of the ticket it names.
    async fn take_citizen_reply(&self, to: ReplyTo, key: String, read: ReadEmail) -> Result<EmailOutcome, IntakeError> {
        let reference = to.reference.clone();
        let found = self.store.write(move |tx| Ok(tx.ticket_row(&reference)?.map(|row| tx.ticket(row)))).await?;
        let Some(ticket) = found.transpose()? else { return self.refuse_bad_address(read).await };
        let (ticket, _) = ticket;
        let lang = self.config.site(&ticket.site).map_or(wire::Lang::FR, |s| s.language);
        let mut message = citizen_message(&ticket.site, key, &read);
        // The reference in the subject is what files it there, whatever the citizen did to the subject.
        let subject = message.subject.take().unwrap_or_default();
        message.subject = Some(match subject.contains(ticket.reference.as_str()) {
            true => subject,
            false => format!("{subject} [{}]", ticket.reference).trim().to_owned(),
        });
        Ok(self.file_with(message, lang, files(read)).await?.into())
    }

    async fn refuse_bad_address(&self, read: ReadEmail) -> Result<EmailOutcome, IntakeError> {
        let Some(from) = read.from.map(|a| a.email) else {
            return Ok(EmailOutcome::Ignored { why: "a broken reply address, and no sender to tell".into() });
        };
        let mail = AgentMail { from, subject: read.subject, new_words: String::new() };
        let config = self.config.clone();
        let why = self.store.write(move |tx| refuse(tx, &config, None, &mail, Refused::BadAddress, now_ms())).await?;
        Ok(EmailOutcome::Refused { why })
    }
}

impl From<Filed> for EmailOutcome {
    fn from(filed: Filed) -> EmailOutcome {
        EmailOutcome::Filed {
            reference: filed.reference.to_string(),
            incident: filed.incident,
            already_seen: filed.already_seen,
        }
    }
}

/// The attachments kept (within the configured limits), as the agents' email carries them.
fn files(read: ReadEmail) -> Vec<Attachment> {
    let kept = read.attachments.into_iter();
    kept.map(|a| Attachment { name: a.name, content_type: a.content_type, bytes: a.bytes }).collect()
}

/// The interchange form of a citizen's email: its body as received (quotes included, as the
/// format wants; the engine and the agents' email keep only the new words).
fn citizen_message(site: &str, key: String, read: &ReadEmail) -> InboundMessage {
    InboundMessage {
        id: key,
        site: site.to_owned(),
        channel: Channel::Email,
        // When it reached us, not the sender's claimed Date, which may be anything.
        received_at: OffsetDateTime::now_utc(),
        from: Sender {
            name: read.from.as_ref().and_then(|a| a.name.clone()),
            email: read.from.as_ref().map(|a| a.email.clone()),
            phone: None,
            handle: None,
        },
        topic: None,
        subject: read.subject.clone(),
        body: read.text.clone(),
        in_reply_to: read.in_reply_to.clone(),
        location: None,
    }
}
