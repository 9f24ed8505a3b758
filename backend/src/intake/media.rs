//! Files a network keeps for a message (WhatsApp media): queued in the transaction that files
//! the message, fetched later by [`crate::media_fetch`], then kept as the message's attachment
//! and sent to the ticket's agents in its thread, all in one transaction.

use wire::Lang;
use wire::i18n::fill;

use crate::domain::message::{Attachment, Channel, InboundMessage, MediaRef};
use crate::domain::notify::{agents_words, channel_label};
use crate::intake::answers::Ctx;
use crate::intake::{Filed, Intake, IntakeError};
use crate::mail::outbox::now_ms;
use crate::store::MediaQueued;

impl Intake {
    /// [`Intake::file`], queueing the fetch of `media` in the same transaction. A message seen
    /// before queues nothing again.
    pub async fn file_social(
        &self,
        message: InboundMessage,
        citizen_lang: Lang,
        media: Vec<MediaRef>,
    ) -> Result<Filed, IntakeError> {
        let site = message.site.clone();
        self.file_then(message, citizen_lang, vec![], move |tx, row| {
            let now = now_ms();
            for m in &media {
                tx.queue_media_fetch(row, &site, &m.media_id, m.mime_type.as_deref(), now)?;
            }
            Ok(())
        })
        .await
    }

    /// A file fetched: kept beside its message, and mailed to the agents of the message's
    /// ticket in its thread.
    pub async fn media_fetched(&self, queued: MediaQueued, file: Attachment) -> Result<(), IntakeError> {
        self.media_outcome(queued, Outcome::Fetched(file)).await
    }

    /// A file given up on (refused, too large, tried too often): the agents are told why.
    pub async fn media_given_up(&self, queued: MediaQueued, why: String) -> Result<(), IntakeError> {
        self.media_outcome(queued, Outcome::GivenUp(why)).await
    }

    /// Records the outcome and queues the note to the agents, in one transaction.
    async fn media_outcome(&self, queued: MediaQueued, outcome: Outcome) -> Result<(), IntakeError> {
        let (config, signer) = (self.config.clone(), self.signer.clone());
        self.store
            .write_or(move |tx| {
                let now = now_ms();
                let attachments = match &outcome {
                    Outcome::Fetched(file) => {
                        tx.media_done(queued.id, now)?;
                        vec![tx.insert_attachment(queued.message, file)?]
                    }
                    Outcome::GivenUp(why) => {
                        tx.media_failed(queued.id, now, why)?;
                        vec![]
                    }
                };
                // Where the message is now: an agent may have split it off since.
                let Some(ticket_row) = tx.ticket_of_message(queued.message)? else { return Ok(()) };
                let (ticket, _) = tx.ticket(ticket_row)?;
                let site = config.site(&ticket.site).ok_or_else(|| IntakeError::UnknownSite(ticket.site.clone()))?;
                let (w, channel) = (agents_words(site.language), channel_label(Channel::Whatsapp, site.language));
                let headline = match &outcome {
                    Outcome::Fetched(file) => fill(w.media_received, &[("channel", channel), ("name", &file.name)]),
                    Outcome::GivenUp(why) => {
                        let media = format!("whatsapp-media:{}", queued.media_id);
                        fill(w.media_failed, &[("channel", channel), ("media", &media), ("why", why)])
                    }
                };
                let ctx = Ctx { tx, config: &config, signer: &signer, site, row: ticket_row, agent: "", now };
                let mut email = ctx.note_email(&ticket, &headline, None);
                email.attachments = attachments;
                tx.enqueue(Some(ticket_row), &email, now)?;
                Ok(())
            })
            .await
    }
}

enum Outcome {
    Fetched(Attachment),
    GivenUp(String),
}
