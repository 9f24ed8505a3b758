//! Router tests: the whole app called with `oneshot`, on an in-memory store.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

use super::{AppState, app};
use crate::config::Config;
use crate::intake::Intake;
use crate::mail::outbox::Wake;
use crate::store::Store;

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/fixtures/http/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

async fn state() -> AppState {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../guichet.toml")).unwrap();
    let config = Arc::new(Config::parse(&text, None).unwrap());
    AppState::new(Intake::open(Store::in_memory().unwrap(), config).await.unwrap(), Wake::default())
}

fn post(site: &str, body: impl Into<Body>) -> Request<Body> {
    Request::post(format!("/api/v1/sites/{site}/messages"))
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::HOST, "127.0.0.1:8080")
        .header(header::ORIGIN, "http://127.0.0.1:8080")
        .body(body.into())
        .unwrap()
}

async fn call(state: &AppState, request: Request<Body>) -> (StatusCode, Value) {
    let response = app(state.clone()).oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

async fn outbox_size(state: &AppState) -> usize {
    state.store.write(|tx| tx.outbox(100)).await.unwrap().len()
}

#[tokio::test]
async fn a_submission_files_a_ticket_and_queues_two_emails() {
    let state = state().await;
    let (status, body) = call(&state, post("ville-exemple", fixture("submission.json"))).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let reference = body["reference"].as_str().unwrap();
    assert!(reference.starts_with("VE-20") && reference.ends_with("-000001"), "{reference}");
    let outbox = state.store.write(|tx| tx.outbox(10)).await.unwrap();
    let subjects: Vec<&str> = outbox.iter().map(|e| e.email.subject.as_str()).collect();
    assert_eq!(subjects.len(), 2, "{subjects:?}");
    assert!(
        subjects.contains(
            &format!("[{reference}] Voirie, trottoirs et éclairage: Un nid-de-poule dangereux devant le 12 rue des…")
                .as_str()
        )
    );
    assert!(subjects.contains(&format!("[{reference}] Votre demande a bien été reçue").as_str()));
}

#[tokio::test]
async fn a_replayed_idempotency_key_gives_the_same_ticket_and_no_second_email() {
    let state = state().await;
    let (first, a) = call(&state, post("ville-exemple", fixture("submission.json"))).await;
    let (again, b) = call(&state, post("ville-exemple", fixture("submission.json"))).await;
    assert_eq!((first, again), (StatusCode::CREATED, StatusCode::OK));
    assert_eq!(a["reference"], b["reference"]);
    assert_eq!(outbox_size(&state).await, 2);
}

#[tokio::test]
async fn bad_json_says_what_is_wrong() {
    let state = state().await;
    let (status, body) = call(&state, post("ville-exemple", "{\"topic\": ")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["code"], "bad_json");
    assert!(body["message"].as_str().unwrap().contains("EOF while parsing"), "{body}");
    let (status, body) = call(&state, post("ville-exemple", "{\"message\": \"sans clé\"}")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["message"].as_str().unwrap().contains("idempotency_key"), "{body}");
}

#[tokio::test]
async fn a_missing_contact_is_named_in_the_callers_language() {
    let state = state().await;
    let request = post("ville-exemple", fixture("no-contact.json"));
    let (status, body) = call(&state, request).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["code"], "invalid");
    assert_eq!(body["fields"][0]["field"], "email");
    assert_eq!(body["fields"][0]["problem"], "contact_needed");
    assert!(body["fields"][0]["message"].as_str().unwrap().starts_with("Indiquez une adresse électronique"));

    let mut english = post("ville-exemple", fixture("no-contact.json"));
    english.headers_mut().insert(header::ACCEPT_LANGUAGE, "en-GB,en;q=0.9".parse().unwrap());
    let (_, body) = call(&state, english).await;
    assert!(body["fields"][0]["message"].as_str().unwrap().starts_with("Give an email address"), "{body}");
    assert_eq!(outbox_size(&state).await, 0);
}

#[tokio::test]
async fn an_oversized_body_is_refused_before_parsing() {
    let state = state().await;
    let huge = format!("{{\"message\": \"{}\"}}", "a".repeat(state.config.submit_body_limit() + 1));
    let (status, body) = call(&state, post("ville-exemple", huge)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body["code"], "too_large");
}

/// The fixture submission with a photo: `data` is base64.
fn with_photo(name: &str, content_type: &str, data: &str) -> String {
    let mut submission: Value = serde_json::from_str(&fixture("submission.json")).unwrap();
    submission["photo"] = serde_json::json!({ "name": name, "content_type": content_type, "data": data });
    submission.to_string()
}

fn pixel_png() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/photo/pixel.png.b64")).unwrap()
}

#[tokio::test]
async fn a_photo_is_kept_with_its_message_and_attached_to_the_agents_email_once() {
    let state = state().await;
    let body = with_photo("trou.png", "image/png", &pixel_png());
    let (status, first) = call(&state, post("ville-exemple", body.clone())).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let (status, again) = call(&state, post("ville-exemple", body)).await;
    assert_eq!((status, &again["reference"]), (StatusCode::OK, &first["reference"]));

    let outbox = state.store.write(|tx| tx.outbox(10)).await.unwrap();
    let with_files: Vec<&Vec<i64>> = outbox.iter().map(|e| &e.email.attachments).filter(|a| !a.is_empty()).collect();
    assert_eq!(with_files, [&vec![1]], "only the agents' email carries the photo");
    let (photo, second) = state.store.write(|tx| Ok((tx.attachment(1)?, tx.attachment(2)?))).await.unwrap();
    let photo = photo.unwrap();
    assert_eq!((photo.name.as_str(), photo.content_type.as_str(), photo.bytes.len()), ("trou.png", "image/png", 70));
    assert!(second.is_none(), "the retry stored no second photo");
}

#[tokio::test]
async fn a_photo_that_is_not_an_image_or_too_large_is_named_in_the_callers_language() {
    let state = state().await;
    let pdf = "JVBERi0xLjcKJcfsj6IKNSAwIG9iago="; // "%PDF-1.7…", named and declared as a PNG
    let mut request = post("ville-exemple", with_photo("trou.png", "image/png", pdf));
    request.headers_mut().insert(header::ACCEPT_LANGUAGE, "en".parse().unwrap());
    let (status, body) = call(&state, request).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!((&body["fields"][0]["field"], &body["fields"][0]["problem"]), (&"photo".into(), &"photo_type".into()));
    assert_eq!(body["fields"][0]["message"], "This file is not a JPEG, PNG or WebP photo.");

    // A real PNG header followed by a little more than the site's 5 MiB: within the body's
    // limit (made for the largest photo plus a message), over the photo's.
    let big = format!("{}{}", &pixel_png()[..16], "A".repeat((5 * 1024 * 1024 + 3000) / 3 * 4));
    let (status, body) = call(&state, post("ville-exemple", with_photo("big.png", "image/png", &big))).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(
        body["fields"][0]["message"],
        "Cette photo est trop lourde (5 Mo au plus) : choisissez-en une plus petite."
    );
    assert_eq!(outbox_size(&state).await, 0);
}

#[tokio::test]
async fn an_unknown_site_is_a_404_with_a_reason() {
    let state = state().await;
    let (status, body) = call(&state, post("ville-inconnue", fixture("submission.json"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["code"], "unknown_site");
}

#[tokio::test]
async fn a_forbidden_origin_is_refused_and_allowed_ones_get_cors_headers() {
    let state = state().await;
    let mut evil = post("ville-exemple", fixture("submission.json"));
    evil.headers_mut().insert(header::ORIGIN, "https://evil.example".parse().unwrap());
    let (status, body) = call(&state, evil).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["code"], "forbidden_origin");
    assert_eq!(outbox_size(&state).await, 0);

    let preflight = Request::options("/api/v1/sites/ville-exemple/messages")
        .header(header::HOST, "guichet.example:443")
        .header(header::ORIGIN, "http://localhost:8080")
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
        .body(Body::empty())
        .unwrap();
    let response = app(state.clone()).oneshot(preflight).await.unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(response.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN], "http://localhost:8080");
}

#[tokio::test]
async fn the_widget_reads_the_sites_topics_in_its_language() {
    let state = state().await;
    let request = Request::get("/api/v1/sites/ville-exemple/widget")
        .header(header::ACCEPT_LANGUAGE, "en")
        .body(Body::empty())
        .unwrap();
    let (status, body) = call(&state, request).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["topics"][0]["label"], "Roads, pavements and street lights");
    assert_eq!(body["privacy_url"], "/confidentialite.html");
    assert_eq!(body["max_photo_bytes"], 5 * 1024 * 1024);
    assert_eq!(body["follow_up"], "We usually answer within 5 working days.");
}

#[tokio::test]
async fn the_no_javascript_form_files_through_the_same_pipeline() {
    let state = state().await;
    let page = |body: String| {
        Request::post("/s/ville-exemple/contact")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::HOST, "127.0.0.1:8080")
            .header(header::ORIGIN, "http://127.0.0.1:8080")
            .body(Body::from(body))
            .unwrap()
    };
    let html = |response: axum::response::Response| async {
        String::from_utf8(response.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap()
    };

    let form = app(state.clone()).oneshot(Request::get("/s/ville-exemple/contact").body(Body::empty()).unwrap());
    let form = html(form.await.unwrap()).await;
    assert!(
        form.contains("<label for=\"message\">Votre message *</label>") && form.contains("name=\"idempotency_key\"")
    );

    let refused =
        app(state.clone()).oneshot(page(fixture("no-js-incomplete.txt").trim_end().to_owned())).await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let refused = html(refused).await;
    assert!(refused.contains("Indiquez une adresse électronique ou un numéro de téléphone"), "{refused}");
    assert!(refused.contains("Un banc cassé"), "the citizen's text is kept: {refused}");

    let accepted = app(state.clone()).oneshot(page(fixture("no-js-complete.txt").trim_end().to_owned())).await.unwrap();
    assert_eq!(accepted.status(), StatusCode::OK);
    assert!(html(accepted).await.contains("Votre référence : VE-"));
    assert_eq!(outbox_size(&state).await, 2);
}

/// The no-JavaScript form as a browser posts it with a file: `fields` are the `name=value`
/// lines of a fixture, the photo a file part.
fn multipart(fields: &str, photo: (&str, &[u8])) -> Request<Body> {
    const BOUNDARY: &str = "----guichet-test-boundary";
    let mut body = Vec::new();
    for (name, value) in fields.lines().filter_map(|line| line.split_once('=')) {
        let part = format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n");
        body.extend_from_slice(part.as_bytes());
    }
    let head = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"{}\"\r\nContent-Type: image/png\r\n\r\n",
        photo.0
    );
    body.extend_from_slice(head.as_bytes());
    body.extend_from_slice(photo.1);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    Request::post("/s/ville-exemple/contact")
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={BOUNDARY}"))
        .header(header::HOST, "127.0.0.1:8080")
        .body(Body::from(body))
        .unwrap()
}

#[tokio::test]
async fn the_no_javascript_form_takes_a_photo_checked_by_its_bytes() {
    let state = state().await;
    let fields = fixture("no-js-photo.txt");
    let text = |response: axum::response::Response| async {
        String::from_utf8(response.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap()
    };
    let form = app(state.clone()).oneshot(Request::get("/s/ville-exemple/contact").body(Body::empty()).unwrap());
    let form = text(form.await.unwrap()).await;
    assert!(
        form.contains("enctype=\"multipart/form-data\"")
            && form.contains("<input id=\"photo\" name=\"photo\" type=\"file\"")
    );

    let plan = b"%PDF-1.7 not a photo".as_slice();
    let refused = app(state.clone()).oneshot(multipart(&fields, ("plan.png", plan))).await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let refused = text(refused).await;
    assert!(refused.contains("Ce fichier n'est pas une photo JPEG, PNG ou WebP."), "{refused}");
    assert!(refused.contains("aria-describedby=\"photo-hint Photo-error\""), "{refused}");

    let png = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/photo/pixel.png")).unwrap();
    let accepted = app(state.clone()).oneshot(multipart(&fields, ("banc.png", &png))).await.unwrap();
    assert_eq!(accepted.status(), StatusCode::OK);
    let accepted = text(accepted).await;
    assert!(accepted.contains("Votre référence : VE-"), "{accepted}");
    assert!(accepted.contains("envoyé à paul@example.fr"), "{accepted}");
    let photo = state.store.write(|tx| tx.attachment(1)).await.unwrap().unwrap();
    assert_eq!((photo.name.as_str(), photo.bytes), ("banc.png", png));
    let outbox = state.store.write(|tx| tx.outbox(10)).await.unwrap();
    assert!(outbox.iter().any(|e| e.email.attachments == [1]));
}

#[tokio::test]
async fn the_same_citizen_writing_again_lands_in_the_same_ticket_and_its_thread() {
    let state = state().await;
    let (_, first) = call(&state, post("ville-exemple", fixture("submission.json"))).await;
    let (status, again) = call(&state, post("ville-exemple", fixture("submission-again.json"))).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(first["reference"], again["reference"], "one ticket per request");

    let outbox = state.store.write(|tx| tx.outbox(10)).await.unwrap();
    assert_eq!(outbox.len(), 3, "the follow-up is one email to the agents, and no second acknowledgment");
    let follow_up = &outbox[0].email;
    let thread = outbox.iter().find(|e| e.email.kind == crate::domain::notify::EmailKind::NewTicket).unwrap();
    assert_eq!(follow_up.in_reply_to.as_ref(), Some(&thread.email.message_id));
    assert_eq!(follow_up.references, vec![thread.email.message_id.clone()]);
    assert!(follow_up.subject.starts_with(&format!("[{}] Nouveau message", first["reference"].as_str().unwrap())));
    assert!(follow_up.text.contains("reçu via formulaire du site"), "{}", follow_up.text);
}

const ADMIN_TOKEN: &str = "test-admin-token-0123456789abcdef";

async fn state_with_admin() -> AppState {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../guichet.toml")).unwrap();
    let mut config = Config::parse(&text, None).unwrap();
    config.admin_token = Some(ADMIN_TOKEN.into());
    AppState::new(Intake::open(Store::in_memory().unwrap(), Arc::new(config)).await.unwrap(), Wake::default())
}

fn admin(path: &str, token: Option<&str>) -> Request<Body> {
    let mut request = Request::post(path);
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    request.body(Body::empty()).unwrap()
}

#[tokio::test]
async fn an_agent_splits_a_wrong_merge_and_the_engine_does_not_redo_it() {
    let state = state_with_admin().await;
    let (_, first) = call(&state, post("ville-exemple", fixture("submission.json"))).await;
    let (_, again) = call(&state, post("ville-exemple", fixture("submission-again.json"))).await;
    assert_eq!(first["reference"], again["reference"]);

    let path = "/admin/v1/sites/ville-exemple/messages/widget:c81d4e2b-5f7a-4d90-8e3b-1a2b3c4d5e6f/split";
    assert_eq!(call(&state, admin(path, None)).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(call(&state, admin(path, Some("wrong-token-0123456789abcdef"))).await.0, StatusCode::UNAUTHORIZED);
    let (status, split) = call(&state, admin(path, Some(ADMIN_TOKEN))).await;
    assert_eq!(status, StatusCode::OK, "{split}");
    assert_ne!(split["reference"], first["reference"]);
    let (status, _) = call(&state, admin(path, Some(ADMIN_TOKEN))).await;
    assert_eq!(status, StatusCode::CONFLICT, "a message alone in its ticket cannot be split again");

    // The same words again from the same citizen: not back into the ticket the agent undid.
    let mut third: serde_json::Value = serde_json::from_str(&fixture("submission-again.json")).unwrap();
    third["idempotency_key"] = "third".into();
    let (_, third) = call(&state, post("ville-exemple", third.to_string())).await;
    assert_ne!(third["reference"], first["reference"]);

    // After a restart, the engine rebuilt from the store remembers the split.
    let restarted =
        AppState::new(Intake::open(state.store.clone(), state.config.clone()).await.unwrap(), Wake::default());
    let mut fourth: serde_json::Value = serde_json::from_str(&fixture("submission-again.json")).unwrap();
    fourth["idempotency_key"] = "fourth".into();
    let (_, fourth) = call(&restarted, post("ville-exemple", fourth.to_string())).await;
    assert_ne!(fourth["reference"], first["reference"]);
}

#[tokio::test]
async fn an_agent_takes_a_ticket_out_of_its_incident_for_good() {
    let state = state_with_admin().await;
    let mut references = vec![];
    for n in 1..=2 {
        let (status, body) = call(&state, post("ville-exemple", fixture(&format!("streetlight-{n}.json")))).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        references.push(body["reference"].as_str().unwrap().to_owned());
    }
    let incident_of = |reference: String| {
        let store = state.store.clone();
        async move { store.write(move |tx| tx.incident_of(&reference)).await.unwrap() }
    };
    let incident = incident_of(references[1].clone()).await.expect("two citizens, one streetlight: an incident");
    assert_eq!(incident_of(references[0].clone()).await.as_ref(), Some(&incident));

    let (status, _) =
        call(&state, admin(&format!("/admin/v1/tickets/{}/detach", references[1]), Some(ADMIN_TOKEN))).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(incident_of(references[1].clone()).await, None);

    let (_, third) = call(&state, post("ville-exemple", fixture("streetlight-3.json"))).await;
    assert_eq!(incident_of(third["reference"].as_str().unwrap().to_owned()).await, Some(incident));
    assert_eq!(incident_of(references[1].clone()).await, None, "the engine does not put it back");
}

#[tokio::test]
async fn a_follow_up_saying_where_puts_the_ticket_in_the_incident_of_that_place() {
    let state = state().await;
    let mut references = vec![];
    for name in ["streetlight-vague.json", "streetlight-1.json", "streetlight-2.json"] {
        let (status, body) = call(&state, post("ville-exemple", fixture(name))).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        references.push(body["reference"].as_str().unwrap().to_owned());
    }
    let incident_of = |reference: String| {
        let store = state.store.clone();
        async move { store.write(move |tx| tx.incident_of(&reference)).await.unwrap() }
    };
    assert_eq!(incident_of(references[0].clone()).await, None, "no place yet: no incident");
    let incident = incident_of(references[1].clone()).await.expect("two citizens, one streetlight: an incident");

    let (_, precise) = call(&state, post("ville-exemple", fixture("streetlight-precise.json"))).await;
    assert_eq!(precise["reference"].as_str(), Some(references[0].as_str()), "the same citizen's request");
    assert_eq!(incident_of(references[0].clone()).await, Some(incident.clone()));
    let emails = state.store.write(|tx| tx.outbox(1)).await.unwrap();
    let follow_up = &emails[0].email;
    assert_eq!(follow_up.kind, crate::domain::notify::EmailKind::FollowUp);
    assert!(follow_up.text.contains(&format!("{incident} : 3 demandes")), "{}", follow_up.text);

    // After a restart, the engine rebuilt from the store holds the ticket in that incident: a
    // third citizen's report of the streetlight joins it, as one more of four.
    let restarted =
        AppState::new(Intake::open(state.store.clone(), state.config.clone()).await.unwrap(), Wake::default());
    let (_, third) = call(&restarted, post("ville-exemple", fixture("streetlight-3.json"))).await;
    assert_eq!(incident_of(third["reference"].as_str().unwrap().to_owned()).await, Some(incident.clone()));
    let emails = restarted.store.write(|tx| tx.outbox(2)).await.unwrap();
    let to_agents = emails.iter().find(|e| e.email.kind == crate::domain::notify::EmailKind::NewTicket).unwrap();
    assert!(to_agents.email.text.contains(&format!("{incident} : 4 demandes")), "{}", to_agents.email.text);
}

#[tokio::test]
async fn without_a_token_configured_there_is_no_admin_api() {
    let state = state().await;
    let (status, _) = call(&state, admin("/admin/v1/tickets/VE-2026-000001/detach", Some(ADMIN_TOKEN))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// The mail servers' entry: raw email in, behind `server.ingest_token`.
#[tokio::test]
async fn raw_email_comes_in_behind_the_ingest_token_and_counts_once() {
    const TOKEN: &str = "an-ingest-token-of-at-least-24-chars";
    let raw =
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/email/gmail-fr-attachments.eml")).unwrap();
    let ingest = |token: Option<&str>, kind: &str, body: Vec<u8>| {
        let mut request = Request::post("/ingest/v1/email?site=ville-exemple").header(header::CONTENT_TYPE, kind);
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        request.body(Body::from(body)).unwrap()
    };
    // Without a token in the configuration, the route does not exist.
    let closed = state().await;
    assert_eq!(call(&closed, ingest(Some(TOKEN), "message/rfc822", raw.clone())).await.0, StatusCode::NOT_FOUND);

    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../guichet.toml")).unwrap();
    let mut config = Config::parse(&text, None).unwrap();
    config.ingest_token = Some(TOKEN.into());
    let state =
        AppState::new(Intake::open(Store::in_memory().unwrap(), Arc::new(config)).await.unwrap(), Wake::default());
    assert_eq!(call(&state, ingest(None, "message/rfc822", raw.clone())).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(call(&state, ingest(Some("wrong"), "message/rfc822", raw.clone())).await.0, StatusCode::UNAUTHORIZED);
    let (status, body) = call(&state, ingest(Some(TOKEN), "application/json", raw.clone())).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(body["message"].as_str().unwrap().contains("message/rfc822"), "{body}");

    let (status, first) = call(&state, ingest(Some(TOKEN), "message/rfc822", raw.clone())).await;
    assert_eq!((status, first["outcome"].as_str()), (StatusCode::ACCEPTED, Some("filed")), "{first}");
    let emails = state.store.write(|tx| tx.outbox(10)).await.unwrap();
    assert_eq!(emails.len(), 2, "the agents' email and the acknowledgment");
    let to_agents = emails.iter().find(|e| e.email.kind == crate::domain::notify::EmailKind::NewTicket).unwrap();
    assert!(!to_agents.email.attachments.is_empty(), "the email's attachments go to the agents");
    // Piped twice (the mail server retried): the same outcome, nothing more.
    let (status, again) = call(&state, ingest(Some(TOKEN), "message/rfc822", raw)).await;
    assert_eq!((status, &again), (StatusCode::ACCEPTED, &first));
    assert_eq!(outbox_size(&state).await, 2);

    let (status, body) = call(&state, ingest(Some(TOKEN), "message/rfc822", vec![])).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}
