//! The social outbox worker: agents' answers to citizens who wrote on Messenger, Instagram,
//! WhatsApp or X go out through the network's send API, part by part, retried with the
//! email outbox's backoff; a part the network accepted is never sent again, and an answer
//! given up on is told to the agents in the ticket's thread.

use std::time::Duration;

use tokio::sync::watch;

use crate::channels::social_send::{self, SendError, SocialTarget};
use crate::intake::Intake;
use crate::mail::outbox::{MAX_ATTEMPTS, Wake, backoff, keep_passing, now_ms, pause_until};
use crate::store::{SocialQueued, StoreError};

const BATCH: u32 = 20;

/// Runs until `shutdown` turns true.
pub async fn run(intake: Intake, wake: Wake, shutdown: watch::Receiver<bool>) {
    keep_passing("social outbox", &wake, shutdown, || pass(&intake)).await;
}

/// Sends what is due; returns how long to wait before the next pass.
pub async fn pass(intake: &Intake) -> Result<Duration, StoreError> {
    let store = intake.store();
    loop {
        let now = now_ms();
        let due = store.write(move |tx| tx.social_due(now, BATCH)).await?;
        let full = due.len() == BATCH as usize;
        for queued in due {
            send_one(intake, queued).await?;
        }
        if !full {
            break;
        }
    }
    Ok(pause_until(store.write(|tx| tx.social_next_due_at()).await?))
}

async fn send_one(intake: &Intake, q: SocialQueued) -> Result<(), StoreError> {
    let id = q.id;
    let target = intake
        .config()
        .site(&q.site)
        .ok_or_else(|| SendError { message: format!("no site `{}` any more", q.site), permanent: true })
        .and_then(|site| SocialTarget::for_handle(site, &q.handle, q.human_agent_tag));
    let outcome = match target {
        Ok(target) => send_parts(intake, &target, &q).await?,
        Err(e) => Err(e),
    };
    let now = now_ms();
    match outcome {
        Ok(()) => {
            tracing::info!(social = id, handle = %q.handle, "answer sent");
            intake.store().write(move |tx| tx.social_sent(id, now)).await
        }
        Err(e) if e.permanent || q.attempts + 1 >= MAX_ATTEMPTS => {
            tracing::error!(social = id, handle = %q.handle, "answer given up: {}", e.message);
            intake.social_answer_failed(q, e.message).await.map_err(|e| StoreError::Task(e.to_string()))
        }
        Err(e) => {
            let next = now + backoff(q.attempts).as_millis() as i64;
            tracing::warn!(social = id, attempt = q.attempts + 1, "answer not sent, will retry: {}", e.message);
            intake.store().write(move |tx| tx.social_retry(id, next, &e.message)).await
        }
    }
}

/// Sends the parts not sent yet, recording each as it goes.
async fn send_parts(
    intake: &Intake,
    target: &SocialTarget,
    q: &SocialQueued,
) -> Result<Result<(), SendError>, StoreError> {
    for part in q.parts.iter().skip(q.sent_parts) {
        if let Err(e) = social_send::send(target, part).await {
            return Ok(Err(e));
        }
        let id = q.id;
        intake.store().write(move |tx| tx.social_part_sent(id)).await?;
    }
    Ok(Ok(()))
}
