//! The backend's two calls, over the browser's `fetch`.

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, Request, RequestInit, Response};
use wire::{Accepted, ApiError, Field, Lang, Problem, Submission, WidgetConfig};

use crate::json;
use crate::state::Failure;

/// What a submission came to.
pub(crate) enum Outcome {
    Accepted(String),
    Rejected(Vec<(Field, Problem)>),
    Failed(Failure),
}

pub(crate) async fn settings(api: &str, site: &str, lang: Lang) -> Option<WidgetConfig> {
    let url = format!("{api}api/v1/sites/{site}/widget");
    let (status, text) = call(&url, "GET", None, lang).await.ok()?;
    if status != 200 {
        return None;
    }
    json::from_str(&text)
}

pub(crate) async fn submit(api: &str, site: &str, submission: &Submission) -> Outcome {
    let url = format!("{api}api/v1/sites/{site}/messages");
    let Some(body) = json::to_string(submission) else {
        return Outcome::Failed(Failure::Server);
    };
    match call(&url, "POST", Some(body), submission.lang).await {
        Err(_) => Outcome::Failed(Failure::Network),
        Ok((200 | 201, text)) => match json::from_str::<Accepted>(&text) {
            Some(accepted) => Outcome::Accepted(accepted.reference),
            None => Outcome::Failed(Failure::Server),
        },
        // 413 with fields: the photo was over the site's limit.
        Ok((413 | 422, text)) => match json::from_str::<ApiError>(&text) {
            Some(e) if !e.fields.is_empty() => {
                Outcome::Rejected(e.fields.into_iter().map(|f| (f.field, f.problem)).collect())
            }
            _ => Outcome::Failed(Failure::Server),
        },
        Ok(_) => Outcome::Failed(Failure::Server),
    }
}

/// Sends `submission`, trying again after 1 s and 3 s when the network or the server fails:
/// the idempotency key makes every attempt harmless. Offline, it does not insist.
pub(crate) async fn submit_with_retries(api: &str, site: &str, submission: &Submission) -> Outcome {
    let mut outcome = submit(api, site, submission).await;
    for pause in [1000, 3000] {
        let online = web_sys::window().is_none_or(|w| w.navigator().on_line());
        if !matches!(outcome, Outcome::Failed(_)) || !online {
            break;
        }
        sleep(pause).await;
        outcome = submit(api, site, submission).await;
    }
    outcome
}

pub(crate) async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// `guichet:submitted` on the page's document, with `{reference}`: sites count use without trackers.
pub(crate) fn announce_submitted(reference: &str) {
    let detail = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&detail, &"reference".into(), &reference.into());
    let init = web_sys::CustomEventInit::new();
    init.set_detail(&detail);
    if let (Some(document), Ok(event)) = (
        web_sys::window().and_then(|w| w.document()),
        web_sys::CustomEvent::new_with_event_init_dict("guichet:submitted", &init),
    ) {
        let _ = document.dispatch_event(&event);
    }
}

async fn call(url: &str, method: &str, body: Option<String>, lang: Lang) -> Result<(u16, String), JsValue> {
    let headers = Headers::new()?;
    headers.set("Accept-Language", lang.code())?;
    let init = RequestInit::new();
    init.set_method(method);
    if let Some(body) = body {
        headers.set("Content-Type", "application/json")?;
        init.set_body(&JsValue::from_str(&body));
    }
    init.set_headers(&headers);
    let request = Request::new_with_str_and_init(url, &init)?;
    let window = web_sys::window().ok_or_else(|| JsValue::from_str("no window"))?;
    let response: Response = JsFuture::from(window.fetch_with_request(&request)).await?.dyn_into()?;
    let text = JsFuture::from(response.text()?).await?.as_string().unwrap_or_default();
    Ok((response.status(), text))
}

/// A fresh idempotency key: 128 random bits in hex. `getRandomValues`, unlike
/// `randomUUID`, also works on pages served without TLS.
pub(crate) fn new_key() -> String {
    let mut bytes = [0u8; 16];
    if let Some(crypto) = web_sys::window().and_then(|w| w.crypto().ok()) {
        let _ = crypto.get_random_values_with_u8_array(&mut bytes);
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
