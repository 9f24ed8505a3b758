//! The backend's two calls, over the browser's `fetch`.

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, Request, RequestInit, Response};
use wire::{Accepted, ApiError, Field, Lang, Problem, Submission, WidgetConfig};

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
    serde_json::from_str(&text).ok()
}

pub(crate) async fn submit(api: &str, site: &str, submission: &Submission) -> Outcome {
    let url = format!("{api}api/v1/sites/{site}/messages");
    let Ok(body) = serde_json::to_string(submission) else {
        return Outcome::Failed(Failure::Server);
    };
    match call(&url, "POST", Some(body), submission.lang).await {
        Err(_) => Outcome::Failed(Failure::Network),
        Ok((200 | 201, text)) => match serde_json::from_str::<Accepted>(&text) {
            Ok(accepted) => Outcome::Accepted(accepted.reference),
            Err(_) => Outcome::Failed(Failure::Server),
        },
        Ok((422, text)) => match serde_json::from_str::<ApiError>(&text) {
            Ok(e) if !e.fields.is_empty() => {
                Outcome::Rejected(e.fields.into_iter().map(|f| (f.field, f.problem)).collect())
            }
            _ => Outcome::Failed(Failure::Server),
        },
        Ok(_) => Outcome::Failed(Failure::Server),
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
