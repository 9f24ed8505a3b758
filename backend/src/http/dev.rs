//! `/dev/outbox`, in demo mode only: the emails Guichet wrote, readable in a browser, so that
//! a newcomer sees what agents and citizens receive without any mail server.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use html_escape::encode_text as esc;

use crate::http::AppState;
use crate::http::error::{Failure, HttpError};
use crate::store::OutboxEntry;

pub(crate) async fn outbox(State(state): State<AppState>) -> Result<Html<String>, HttpError> {
    let entries = state.store.write(|tx| tx.outbox(200)).await.map_err(internal)?;
    let mut page = String::from(
        "<!DOCTYPE html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>Courriels envoyés — Guichet</title>\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:auto;padding:1rem;color:#161616}\
         article{border:1px solid #ccc;border-radius:4px;padding:0 1rem;margin:1rem 0}pre{white-space:pre-wrap}\
         dt{font-weight:bold;float:left;clear:left;width:8rem}dd{margin-left:8rem}</style></head><body><main>\
         <h1>Courriels envoyés par Guichet</h1>\
         <p>Mode démonstration : sans serveur SMTP configuré, chaque courriel est aussi écrit en <code>.eml</code> dans le dossier de données.</p>",
    );
    if entries.is_empty() {
        page.push_str("<p>Aucun courriel pour l’instant : envoyez un message avec le formulaire du site.</p>");
    }
    for e in &entries {
        page.push_str(&entry(e));
    }
    page.push_str("</main></body></html>");
    Ok(Html(page))
}

fn entry(e: &OutboxEntry) -> String {
    let status = match (e.sent_at, e.failed_at) {
        (Some(_), _) => "envoyé".to_owned(),
        (None, Some(_)) => format!("échec : {}", e.last_error.as_deref().unwrap_or("")),
        (None, None) if e.attempts > 0 => {
            format!("en attente (tentative {}) : {}", e.attempts, e.last_error.as_deref().unwrap_or(""))
        }
        (None, None) => "en attente".to_owned(),
    };
    let m = &e.email;
    format!(
        "<article><h2>{}</h2><dl><dt>À</dt><dd>{}</dd><dt>Message-ID</dt><dd>{}</dd><dt>État</dt><dd>{}</dd></dl>\
         <pre>{}</pre><p><a href=\"/dev/outbox/{}\">Version HTML de « {} »</a></p></article>",
        esc(&m.subject),
        esc(&m.to.join(", ")),
        esc(&m.message_id),
        esc(&status),
        esc(&m.text),
        e.id,
        esc(&m.subject),
    )
}

/// The HTML part as the recipient's mail client would show it; the CSP forbids anything
/// but inline styles, as a mail client would.
pub(crate) async fn outbox_email(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Response, HttpError> {
    let email = state.store.write(move |tx| tx.outbox_email(id)).await.map_err(internal)?;
    let email = email.ok_or(HttpError(wire::Lang::FR, Failure::NotFound))?;
    let mut response = Html(email.html).into_response();
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'"),
    );
    Ok(response)
}

fn internal(e: crate::store::StoreError) -> HttpError {
    HttpError(wire::Lang::FR, Failure::Internal(e.to_string()))
}
