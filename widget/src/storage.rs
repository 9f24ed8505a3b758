//! What the widget keeps in the browser: the draft while typing (`sessionStorage`, gone with
//! the tab) and the submissions waiting for the network (`localStorage`, kept until sent).
//! A browser that refuses storage (private mode, quotas) only loses these comforts.

use web_sys::Storage;
use wire::Submission;

use crate::json;

fn session() -> Option<Storage> {
    web_sys::window()?.session_storage().ok()?
}

fn local() -> Option<Storage> {
    web_sys::window()?.local_storage().ok()?
}

pub(crate) fn load_draft(key: &str) -> Option<Submission> {
    json::from_str(&session()?.get_item(key).ok()??)
}

pub(crate) fn save_draft(key: &str, draft: &Submission) {
    if let (Some(s), Some(text)) = (session(), json::to_string(draft)) {
        let _ = s.set_item(key, &text);
    }
}

pub(crate) fn clear_draft(key: &str) {
    if let Some(s) = session() {
        let _ = s.remove_item(key);
    }
}

pub(crate) fn queued(key: &str) -> Vec<Submission> {
    local().and_then(|s| s.get_item(key).ok().flatten()).and_then(|text| json::from_str(&text)).unwrap_or_default()
}

/// Adds `submission` to the queue, once per idempotency key.
pub(crate) fn enqueue(key: &str, submission: &Submission) {
    let mut queue = queued(key);
    queue.retain(|q| q.idempotency_key != submission.idempotency_key);
    queue.push(submission.clone());
    store_queue(key, &queue);
}

pub(crate) fn dequeue(key: &str, idempotency_key: &str) {
    let mut queue = queued(key);
    queue.retain(|q| q.idempotency_key != idempotency_key);
    store_queue(key, &queue);
}

fn store_queue(key: &str, queue: &[Submission]) {
    if let Some(s) = local() {
        let _ = match queue.is_empty() {
            true => s.remove_item(key),
            false => json::to_string(&queue).map_or(Ok(()), |text| s.set_item(key, &text)),
        };
    }
}
