//! `/s/{site}/contact`: the contact form without JavaScript. A plain HTML page posts to the
//! same pipeline as the widget (`multipart/form-data` with its optional photo, urlencoded
//! also read) and answers with an HTML page.

use axum::Form;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use html_escape::{encode_double_quoted_attribute as attr, encode_text as esc};
use serde::Deserialize;
use time::OffsetDateTime;
use wire::i18n::fill;
use wire::{Field, Lang, Problem, Submission};

use crate::channels::widget;
use crate::config::Site;
use crate::domain::message::Attachment;
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

/// A posted form and its photo: the file, or why it was refused.
type WithPhoto = (Posted, Option<Result<Attachment, Problem>>);

/// Reads the form as the page posts it (multipart, with the photo) or urlencoded.
async fn read_form(state: &AppState, request: Request, max_photo_bytes: u64) -> Result<WithPhoto, Failure> {
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !multipart {
        let Form(posted) = Form::<Posted>::from_request(request, state).await.map_err(|e| match e.status() {
            StatusCode::PAYLOAD_TOO_LARGE => Failure::TooLarge,
            _ => Failure::BadJson(e.body_text()),
        })?;
        return Ok((posted, None));
    }
    let mut form = Multipart::from_request(request, state).await.map_err(|e| Failure::BadJson(e.body_text()))?;
    let (mut posted, mut photo) = (Posted::default(), None);
    let unreadable = |e: axum::extract::multipart::MultipartError| match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE => Failure::TooLarge,
        _ => Failure::BadJson(e.body_text()),
    };
    while let Some(field) = form.next_field().await.map_err(unreadable)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "photo" {
            let file_name = field.file_name().unwrap_or_default().to_owned();
            let bytes = field.bytes().await.map_err(unreadable)?;
            // A file input left empty still posts a part, nameless and empty.
            if !(file_name.is_empty() && bytes.is_empty()) {
                photo = Some(widget::uploaded(&file_name, bytes.to_vec(), max_photo_bytes));
            }
            continue;
        }
        let value = field.text().await.map_err(unreadable)?;
        match name.as_str() {
            "idempotency_key" => posted.idempotency_key = value,
            "topic" => posted.topic = value,
            "message" => posted.message = value,
            "name" => posted.name = value,
            "email" => posted.email = value,
            "phone" => posted.phone = value,
            "consent" => posted.consent = Some(value),
            _ => {}
        }
    }
    Ok((posted, photo))
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
    request: Request,
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
    let (posted, photo) = match read_form(&state, request, site.max_photo_bytes).await {
        Ok(read) => read,
        Err(failure) => return HttpError(lang, failure).into_response(),
    };
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
    let mut problems = wire::validate(&submission, &topics);
    let attachments = match photo.transpose() {
        Ok(photo) => photo.into_iter().collect(),
        Err(problem) => {
            problems.push((Field::Photo, problem));
            vec![]
        }
    };
    if !problems.is_empty() {
        let status = match problems.contains(&(Field::Photo, Problem::PhotoTooLarge)) {
            true => StatusCode::PAYLOAD_TOO_LARGE,
            false => StatusCode::UNPROCESSABLE_ENTITY,
        };
        return (status, Html(page(site, lang, &posted, &problems))).into_response();
    }
    let email = submission.email.trim().to_owned();
    let message = widget::to_message(&site.id, submission, OffsetDateTime::now_utc());
    match state.intake.file_with(message, lang, attachments).await {
        Ok(filed) => {
            if !filed.already_seen {
                state.outbox.wake();
            }
            Html(sent(site, lang, filed.reference.as_str(), &email)).into_response()
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
    let max_photo = lang.size(site.max_photo_bytes);
    let error = |field: Field| -> String {
        problems
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(f, pb)| {
                let text = fill(lang.problem(*f, *pb), &[("max", &max_photo)]);
                format!("<p class=\"error\" id=\"{f:?}-error\">{}</p>", esc(&text))
            })
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
    // The hint is always tied to the input; the error joins it when there is one.
    let photo = match site.max_photo_bytes {
        0 => String::new(),
        _ => format!(
            "<label for=\"photo\">{}</label><p id=\"photo-hint\">{}</p>\
             <input id=\"photo\" name=\"photo\" type=\"file\" accept=\"image/jpeg,image/png,image/webp\"{}>{}",
            esc(t.photo_label),
            esc(&fill(t.photo_hint, &[("max", &max_photo)])),
            match problems.iter().any(|(f, _)| *f == Field::Photo) {
                true => " aria-invalid=\"true\" aria-describedby=\"photo-hint Photo-error\"",
                false => " aria-describedby=\"photo-hint\"",
            },
            error(Field::Photo)
        ),
    };
    let body = format!(
        "<p>{intro}</p><p>{hint}</p>{summary}<form method=\"post\" enctype=\"multipart/form-data\">\
         <input type=\"hidden\" name=\"idempotency_key\" value=\"{key}\">\
         <label for=\"topic\">{topic_label} *</label><select id=\"topic\" name=\"topic\" aria-required=\"true\"{topic_described}>\
         <option value=\"\">{placeholder}</option>{options}</select>{topic_error}\
         <label for=\"message\">{message_label} *</label><textarea id=\"message\" name=\"message\" rows=\"6\" aria-required=\"true\"{message_described}>{message}</textarea>{message_error}\
         {photo}{name}<fieldset><legend>{contact_legend}</legend><p>{contact_hint}</p>{email}{phone}</fieldset>\
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

/// The reference, what happens next, and how to follow the request, as the widget says it.
fn sent(site: &Site, lang: Lang, reference: &str, email: &str) -> String {
    let t = lang.texts();
    let follow = match email {
        "" => t.sent_no_email.to_owned(),
        email => fill(t.sent_email, &[("email", email)]),
    };
    let body = format!(
        "<p><strong>{}</strong></p><p>{}</p><p>{}</p><p>{}</p>",
        esc(&fill(t.sent_reference, &[("reference", reference)])),
        esc(t.sent_next),
        esc(&follow),
        esc(site.follow_up(lang).unwrap_or(t.sent_delay)),
    );
    shell(site, lang, t.sent_title, &body)
}
