//! The outbox worker: sends the emails the store queued, retrying with backoff, so that an
//! SMTP outage delays mail and loses none.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use lettre::message::Mailbox;
use tokio::sync::watch;

use crate::mail::{Mailer, render};
use crate::store::{Queued, Store, StoreError};

/// How many emails one pass takes from the store.
const BATCH: u32 = 20;
/// After this many failed attempts (about eight hours of backoff), an email is given up on.
pub const MAX_ATTEMPTS: u32 = 50;
/// How long the worker sleeps at most when nothing is due, in case a wake-up was missed.
const IDLE: Duration = Duration::from_secs(60);

/// Wakes the workers (email, social networks) when a transaction queued something for them.
/// A wake-up given while a worker is busy is kept for when it waits again.
#[derive(Clone)]
pub struct Wake(Arc<watch::Sender<u64>>);

impl Default for Wake {
    fn default() -> Wake {
        Wake(Arc::new(watch::Sender::new(0)))
    }
}

impl Wake {
    pub fn wake(&self) {
        self.0.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// What a worker waits on: `changed()` returns at the next wake-up.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.0.subscribe()
    }
}

/// The wait before attempt `attempts + 1`: 5 s doubling up to 10 minutes.
pub fn backoff(attempts: u32) -> Duration {
    let secs = 5u64.saturating_mul(1 << attempts.min(10));
    Duration::from_secs(secs.min(600))
}

/// Runs until `shutdown` turns true; an email being sent then is finished first.
pub async fn run(store: Store, mailer: Mailer, from: Mailbox, wake: Wake, shutdown: watch::Receiver<bool>) {
    keep_passing("outbox", &wake, shutdown, || pass(&store, &mailer, &from)).await;
}

/// A worker's loop: `pass` sends what is due and says how long to wait; the worker then waits
/// that long, or until woken, or until `shutdown` turns true. A failed pass is tried again soon.
pub async fn keep_passing<F, Fut>(name: &str, wake: &Wake, mut shutdown: watch::Receiver<bool>, mut pass: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Duration, StoreError>>,
{
    let mut woken = wake.subscribe();
    loop {
        let pause = pass().await.unwrap_or_else(|e| {
            tracing::error!("{name}: {e}");
            Duration::from_secs(5)
        });
        tokio::select! {
            _ = woken.changed() => {}
            _ = tokio::time::sleep(pause) => {}
            _ = shutdown.changed() => {}
        }
        if *shutdown.borrow() {
            return;
        }
    }
}

/// How long to wait for the next item due at `next` (ms), if any, at most [`IDLE`].
pub fn pause_until(next: Option<i64>) -> Duration {
    next.map_or(IDLE, |at| Duration::from_millis((at - now_ms()).clamp(0, IDLE.as_millis() as i64) as u64))
}

/// Sends what is due; returns how long to wait before the next pass.
pub async fn pass(store: &Store, mailer: &Mailer, from: &Mailbox) -> Result<Duration, StoreError> {
    loop {
        let now = now_ms();
        let due = store.write(move |tx| tx.due(now, BATCH)).await?;
        let full = due.len() == BATCH as usize;
        for queued in due {
            send_one(store, mailer, from, queued).await?;
        }
        if !full {
            break;
        }
    }
    Ok(pause_until(store.write(|tx| tx.next_due_at()).await?))
}

async fn send_one(store: &Store, mailer: &Mailer, from: &Mailbox, q: Queued) -> Result<(), StoreError> {
    let id = q.id;
    let ids = q.email.attachments.clone();
    let files = store
        .write(move |tx| ids.iter().filter_map(|a| tx.attachment(*a).transpose()).collect::<Result<Vec<_>, _>>())
        .await?;
    let outcome = match render(&q.email, from, &files) {
        Ok(message) => mailer.send(id, &message).await,
        Err(e) => Err(crate::mail::SendError { message: e, permanent: true }),
    };
    let now = now_ms();
    match outcome {
        Ok(()) => {
            tracing::info!(outbox = id, to = ?q.email.to, subject = %q.email.subject, "mail sent");
            store.write(move |tx| tx.mark_sent(id, now)).await
        }
        Err(e) if e.permanent || q.attempts + 1 >= MAX_ATTEMPTS => {
            tracing::error!(outbox = id, to = ?q.email.to, "mail given up: {e}");
            store.write(move |tx| tx.mark_failed(id, now, &e.message)).await
        }
        Err(e) => {
            let next = now + backoff(q.attempts).as_millis() as i64;
            tracing::warn!(outbox = id, attempt = q.attempts + 1, "mail not sent, will retry: {e}");
            store.write(move |tx| tx.mark_retry(id, next, &e.message)).await
        }
    }
}

pub fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_then_stays_at_ten_minutes() {
        let secs: Vec<u64> = (0..9).map(|a| backoff(a).as_secs()).collect();
        assert_eq!(secs, [5, 10, 20, 40, 80, 160, 320, 600, 600]);
        assert_eq!(backoff(u32::MAX).as_secs(), 600);
    }
}
