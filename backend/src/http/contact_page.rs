//! `/s/{site}/contact`: the contact form without JavaScript. A plain HTML page posts
//! urlencoded to the same pipeline as the widget and answers with an HTML page.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use html_escape::{encode_double_quoted_attribute as attr, encode_text as esc};
use serde::Deserialize;
use time::OffsetDateTime;
use wire::{Field, Lang, Problem, Submission};

use crate::channels::widget;
use crate::config::Site;
use crate::http::AppState;
use crate::http::error::{Failure, HttpError, lang_of};

/// The form as browsers post it: an unticked checkbox is simply absent.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Posted {
    #[serde(default)]
    idempotency_key: String,
    #[serde(default)]
    topic: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
    consent: Option<String>,
}

pub(crate) async fn show(State(state): State<AppState>, Path(site): Path<String>, headers: HeaderMap) -> Response {
    let lang = lang_of(&headers);
    match state.config.site(&site) {
        Some(site) => {
            Html(page(site, lang, &Posted { idempotency_key: fresh_key(), ..Posted::default() }, &[])).into_response()
        }
        None => HttpError(lang, Failure::UnknownSite).into_response(),
    }
}

pub(crate) async fn submit(
    State(state): State<AppState>,
    Path(site_id): Path<String>,
    headers: HeaderMap,
    Form(posted): Form<Posted>,
) -> Response {
    let lang = lang_of(&headers);
    let Some(site) = state.config.site(&site_id) else {
        return HttpError(lang, Failure::UnknownSite).into_response();
    };
    // The page is Guichet's own: a post from elsewhere is another site's form.
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or_default();
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok())
        && origin.split_once("://").map(|(_, h)| h) != Some(host)
    {
        return HttpError(lang, Failure::ForbiddenOrigin).into_response();
    }
    let submission = Submission {
        idempotency_key: posted.idempotency_key.clone(),
        topic: posted.topic.clone(),
        message: posted.message.clone(),
        name: posted.name.clone(),
        email: posted.email.clone(),
        phone: posted.phone.clone(),
        location: String::new(),
        consent: posted.consent.is_some(),
        lang,
        photo: None,
    };
    let topics: Vec<&str> = site.topics.iter().map(|t| t.id.as_str()).collect();
    let problems = wire::validate(&submission, &topics);
    if !problems.is_empty() {
        return (StatusCode::UNPROCESSABLE_ENTITY, Html(page(site, lang, &posted, &problems))).into_response();
    }
    let message = widget::to_message(&site.id, submission, OffsetDateTime::now_utc());
    match state.intake.file(message, lang).await {
        Ok(filed) => {
            if !filed.already_seen {
                state.outbox.wake();
            }
            Html(sent(site, lang, filed.reference.as_str())).into_response()
        }
        Err(e) => HttpError::from((lang, e)).into_response(),
    }
}

fn fresh_key() -> String {
    format!("{:032x}", rand::random::<u128>())
}

fn shell(site: &Site, lang: Lang, title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{} — {}</title>\
         <style>body{{font-family:system-ui,sans-serif;max-width:40rem;margin:auto;padding:1rem;color:#161616;line-height:1.5}}\
         label{{display:block;font-weight:500;margin-top:1rem}}input:not([type=checkbox]),select,textarea{{display:block;width:100%;\
         padding:.5rem;font:inherit;box-sizing:border-box}}.error{{color:#ce0500}}button{{margin-top:1rem;padding:.5rem 1rem;\
         font:inherit;background:#000091;color:#fff;border:0;border-radius:.25rem}}a{{color:#000091}}</style></head>\
         <body><main><h1>{}</h1>{body}</main></body></html>",
        lang.code(),
        esc(title),
        esc(&site.name),
        esc(title),
    )
}

fn page(site: &Site, lang: Lang, p: &Posted, problems: &[(Field, Problem)]) -> String {
    let t = lang.texts();
    let error = |field: Field| -> String {
        problems
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(f, pb)| format!("<p class=\"error\" id=\"{f:?}-error\">{}</p>", esc(lang.problem(*f, *pb))))
            .unwrap_or_default()
    };
    let described = |field: Field| -> String {
        if problems.iter().any(|(f, _)| *f == field) {
            format!(" aria-invalid=\"true\" aria-describedby=\"{field:?}-error\"")
        } else {
            String::new()
        }
    };
    let options: String = site
        .topics
        .iter()
        .map(|topic| {
            let selected = if topic.id == p.topic { " selected" } else { "" };
            format!("<option value=\"{}\"{selected}>{}</option>", attr(&topic.id), esc(topic.label(lang)))
        })
        .collect();
    let summary = if problems.is_empty() {
        String::new()
    } else {
        format!("<p class=\"error\" role=\"alert\">{}</p>", esc(t.form_has_errors))
    };
    let text_field = |field: Field, name: &str, label: &str, kind: &str, value: &str, required: bool| {
        format!(
            "<label for=\"{name}\">{}{}</label><input id=\"{name}\" name=\"{name}\" type=\"{kind}\" value=\"{}\"{}{}>{}",
            esc(label),
            if required { " *" } else { "" },
            attr(value),
            if required { " aria-required=\"true\"" } else { "" },
            described(field),
            error(field)
        )
    };
    let body = format!(
        "<p>{intro}</p><p>{hint}</p>{summary}<form method=\"post\">\
         <input type=\"hidden\" name=\"idempotency_key\" value=\"{key}\">\
         <label for=\"topic\">{topic_label} *</label><select id=\"topic\" name=\"topic\" aria-required=\"true\"{topic_described}>\
         <option value=\"\">{placeholder}</option>{options}</select>{topic_error}\
         <label for=\"message\">{message_label} *</label><textarea id=\"message\" name=\"message\" rows=\"6\" aria-required=\"true\"{message_described}>{message}</textarea>{message_error}\
         {name}<fieldset><legend>{contact_legend}</legend><p>{contact_hint}</p>{email}{phone}</fieldset>\
         <p><input type=\"checkbox\" id=\"consent\" name=\"consent\" value=\"yes\"{checked}{consent_described}> \
         <label for=\"consent\" style=\"display:inline\">{consent_label} *</label></p>{consent_error}\
         <p><a href=\"{privacy}\">{privacy_link}</a></p><button type=\"submit\">{submit}</button></form>",
        intro = esc(t.intro),
        hint = esc(t.required_hint),
        key = attr(&p.idempotency_key),
        topic_label = esc(t.topic_label),
        topic_described = described(Field::Topic),
        placeholder = esc(t.topic_placeholder),
        topic_error = error(Field::Topic),
        message_label = esc(t.message_label),
        message_described = described(Field::Message),
        message = esc(&p.message),
        message_error = error(Field::Message),
        name = text_field(Field::Name, "name", t.name_label, "text", &p.name, true),
        contact_legend = esc(t.contact_legend),
        contact_hint = esc(t.contact_hint),
        email = text_field(Field::Email, "email", t.email_label, "email", &p.email, false),
        phone = text_field(Field::Phone, "phone", t.phone_label, "tel", &p.phone, false),
        checked = if p.consent.is_some() { " checked" } else { "" },
        consent_described = described(Field::Consent),
        consent_label = esc(t.consent_label),
        consent_error = error(Field::Consent),
        privacy = attr(&site.privacy_url),
        privacy_link = esc(t.privacy_link),
        submit = esc(t.submit),
    );
    shell(site, lang, t.dialog_title, &body)
}

fn sent(site: &Site, lang: Lang, reference: &str) -> String {
    let t = lang.texts();
    let body = format!(
        "<p><strong>{}</strong></p><p>{}</p>",
        esc(&wire::i18n::fill(t.sent_reference, &[("reference", reference)])),
        esc(t.sent_next)
    );
    shell(site, lang, t.sent_title, &body)
}
