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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::config::Config;
    use crate::store::Store;

    async fn intake() -> Intake {
        let text =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/config/social.toml")).unwrap();
        Intake::open(Store::in_memory().unwrap(), Arc::new(Config::parse(&text, None).unwrap())).await.unwrap()
    }

    fn photo_message() -> (InboundMessage, Vec<MediaRef>) {
        let body = crate::channels::social_tests::fixture("whatsapp-image.json");
        let config = crate::channels::social_tests::config();
        let meta = config.site("mairie").unwrap().meta.clone().unwrap();
        let mut batch = crate::channels::meta::parse("mairie", &meta, &body, time::OffsetDateTime::now_utc()).unwrap();
        (batch.messages.remove(0), batch.media)
    }

    /// The emails queued after the ticket's own, oldest first.
    async fn queued_notes(intake: &Intake) -> Vec<crate::domain::notify::Email> {
        let outbox = intake.store().write(|tx| tx.outbox(100)).await.unwrap();
        outbox.into_iter().rev().map(|q| q.email).skip(1).collect()
    }

    #[tokio::test]
    async fn a_fetched_file_is_kept_and_sent_to_the_agents_in_the_thread() {
        let intake = intake().await;
        let (message, media) = photo_message();
        let filed = intake.file_social(message, Lang::FR, media).await.unwrap();
        let due = intake.store().write(|tx| tx.media_due(i64::MAX, 10)).await.unwrap();
        assert_eq!(due.len(), 1);
        let png = Attachment {
            name: "whatsapp-1003383421387299.png".into(),
            content_type: "image/png".into(),
            bytes: vec![137, 80],
        };
        intake.media_fetched(due[0].clone(), png.clone()).await.unwrap();

        let message = due[0].message;
        let kept = intake.store().write(move |tx| tx.attachments_of(message)).await.unwrap();
        assert_eq!(kept.iter().map(|(_, name)| name.as_str()).collect::<Vec<_>>(), [png.name.as_str()]);
        let notes = queued_notes(&intake).await;
        assert_eq!(notes.len(), 1, "one note after the ticket's email");
        let note = &notes[0];
        assert_eq!(note.attachments, [kept[0].0]);
        assert!(
            note.subject.starts_with(&format!("[{}] Pièce jointe reçue via WhatsApp", filed.reference)),
            "{}",
            note.subject
        );
        assert!(note.reply_to.as_deref().is_some_and(|r| r.starts_with("reply+")), "{:?}", note.reply_to);
        assert!(intake.store().write(|tx| tx.media_due(i64::MAX, 10)).await.unwrap().is_empty(), "done");
    }

    #[tokio::test]
    async fn a_file_given_up_on_is_explained_to_the_agents() {
        let intake = intake().await;
        let (message, media) = photo_message();
        intake.file_social(message, Lang::FR, media).await.unwrap();
        let due = intake.store().write(|tx| tx.media_due(i64::MAX, 10)).await.unwrap();
        intake.media_given_up(due[0].clone(), "WhatsApp answered 404: gone".into()).await.unwrap();
        let notes = queued_notes(&intake).await;
        assert_eq!(notes.len(), 1);
        assert!(notes[0].attachments.is_empty());
        assert!(
            notes[0].text.contains("La pièce jointe whatsapp-media:1003383421387299 envoyée via WhatsApp n'a pas pu être récupérée : WhatsApp answered 404: gone"),
            "{}",
            notes[0].text
        );
        assert!(intake.store().write(|tx| tx.media_due(i64::MAX, 10)).await.unwrap().is_empty(), "given up");
    }
}
