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

/// Saves the draft's text; not its photo, megabytes rewritten at each key stroke (after a
/// reload, the citizen picks the file again).
pub(crate) fn save_draft(key: &str, draft: &Submission) {
    let text = Submission { photo: None, ..draft.clone() };
    if let (Some(s), Some(text)) = (session(), json::to_string(&text)) {
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

/// Stores the queue; when the browser's quota refuses it with its photos, stores it without
/// them: the messages matter more than their pictures.
fn store_queue(key: &str, queue: &[Submission]) {
    let Some(s) = local() else { return };
    if queue.is_empty() {
        let _ = s.remove_item(key);
        return;
    }
    let set = |queue: &[Submission]| json::to_string(&queue).is_some_and(|text| s.set_item(key, &text).is_ok());
    if !set(queue) {
        let texts: Vec<Submission> = queue.iter().map(|q| Submission { photo: None, ..q.clone() }).collect();
        set(&texts);
    }
}
