//! The media worker: files the networks keep for a message (WhatsApp media ids, queued in the
//! transaction that filed it) are downloaded through the Graph API after the webhook was
//! answered, retried with the outbox's backoff, then kept as the message's attachment and
//! mailed to the ticket's agents in its thread; a file given up on is explained there.

use std::time::Duration;

use tokio::sync::watch;

use crate::channels::social_send::SendError;
use crate::channels::whatsapp_media::{self, MediaRequest};
use crate::config::Config;
use crate::intake::Intake;
use crate::mail::outbox::{MAX_ATTEMPTS, Wake, backoff, keep_passing, now_ms, pause_until};
use crate::store::{MediaQueued, StoreError};

const BATCH: u32 = 20;

/// Runs until `shutdown` turns true.
pub async fn run(intake: Intake, wake: Wake, shutdown: watch::Receiver<bool>) {
    keep_passing("media fetch", &wake, shutdown, || pass(&intake, &wake)).await;
}

/// Fetches what is due, waking the outbox for the notes it queues; returns how long to wait
/// before the next pass.
pub async fn pass(intake: &Intake, outbox: &Wake) -> Result<Duration, StoreError> {
    let store = intake.store();
    loop {
        let now = now_ms();
        let due = store.write(move |tx| tx.media_due(now, BATCH)).await?;
        let full = due.len() == BATCH as usize;
        for queued in due {
            if fetch_one(intake, queued).await? {
                outbox.wake();
            }
        }
        if !full {
            break;
        }
    }
    Ok(pause_until(store.write(|tx| tx.media_next_due_at()).await?))
}

/// What to ask Graph for `queued`, from the site's configuration as it is now.
fn request_for(config: &Config, q: &MediaQueued) -> Result<MediaRequest, SendError> {
    let meta = config.site(&q.site).and_then(|site| site.meta.as_ref());
    let meta = meta.ok_or_else(|| SendError::permanent(format!("the site `{}` has no Meta app any more", q.site)))?;
    let access_token = meta.access_token.clone().filter(|_| meta.fetch_media).ok_or_else(|| {
        SendError::permanent(format!("the site `{}` does not fetch media any more (meta.fetch_media)", q.site))
    })?;
    Ok(MediaRequest {
        graph_url: meta.graph_url.clone(),
        access_token,
        media_id: q.media_id.clone(),
        mime_type: q.mime_type.clone(),
        max_bytes: config.mail.max_attachment_bytes,
    })
}

/// After a failed attempt: when to try again, or `None` to give up.
fn retry_at(error: &SendError, attempts_before: u32, now: i64) -> Option<i64> {
    (!error.permanent && attempts_before + 1 < MAX_ATTEMPTS).then(|| now + backoff(attempts_before).as_millis() as i64)
}

/// Tries one file; returns whether a note to the agents was queued.
async fn fetch_one(intake: &Intake, q: MediaQueued) -> Result<bool, StoreError> {
    let outcome = match request_for(intake.config(), &q) {
        Ok(request) => whatsapp_media::fetch(request).await,
        Err(e) => Err(e),
    };
    let (id, media) = (q.id, q.media_id.clone());
    let done = match outcome {
        Ok(file) => {
            tracing::info!(fetch = id, media, bytes = file.bytes.len(), "media fetched");
            intake.media_fetched(q, file).await
        }
        Err(e) => match retry_at(&e, q.attempts, now_ms()) {
            Some(next) => {
                tracing::warn!(fetch = id, media, attempt = q.attempts + 1, "media not fetched, will retry: {e}");
                intake.store().write(move |tx| tx.media_retry(id, next, &e.message)).await?;
                return Ok(false);
            }
            None => {
                tracing::error!(fetch = id, media, "media given up: {e}");
                intake.media_given_up(q, e.message).await
            }
        },
    };
    done.map_err(|e| StoreError::Task(e.to_string()))?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        let text =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/config/social.toml")).unwrap();
        Config::parse(&text, None).unwrap()
    }

    fn queued(site: &str) -> MediaQueued {
        MediaQueued {
            id: 1,
            message: 1,
            site: site.into(),
            media_id: "1003383421387256".into(),
            mime_type: Some("image/jpeg".into()),
            attempts: 0,
        }
    }

    #[test]
    fn a_fetch_asks_the_sites_graph_with_its_token_and_the_attachment_limit() {
        let config = config();
        let request = request_for(&config, &queued("mairie")).unwrap();
        assert_eq!(
            (request.graph_url.as_str(), request.access_token.as_str(), request.media_id.as_str()),
            ("https://graph.facebook.com/v21.0", "EAAG-page-token", "1003383421387256")
        );
        assert_eq!(request.max_bytes, config.mail.max_attachment_bytes);
    }

    #[test]
    fn a_site_that_no_longer_fetches_media_gives_the_fetch_up() {
        let mut config = config();
        let gone = request_for(&config, &queued("nowhere")).unwrap_err();
        assert!(gone.permanent && gone.message.contains("no Meta app"), "{gone:?}");
        config.sites[0].meta.as_mut().unwrap().fetch_media = false;
        let off = request_for(&config, &queued("mairie")).unwrap_err();
        assert!(off.permanent && off.message.contains("meta.fetch_media"), "{off:?}");
    }

    #[test]
    fn transient_failures_are_retried_with_backoff_until_the_last_attempt() {
        let busy = SendError::transient("WhatsApp answered 503");
        assert_eq!(retry_at(&busy, 0, 1_000), Some(6_000));
        assert_eq!(retry_at(&busy, 3, 1_000), Some(41_000));
        assert_eq!(retry_at(&busy, MAX_ATTEMPTS - 1, 1_000), None, "given up after the last attempt");
        let refused = SendError::permanent("WhatsApp answered 404");
        assert_eq!(retry_at(&refused, 0, 1_000), None, "a refusal is not tried again");
    }
}
