//! Router tests of the social networks' webhooks, with the fixture payloads of
//! `tests/fixtures/social/` signed as Meta and X sign them.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

use super::{AppState, app};
use crate::channels::webhook::{Encoding, sign};
use crate::config::Config;
use crate::intake::Intake;
use crate::mail::outbox::Wake;
use crate::store::Store;

const META_SECRET: &str = "meta-app-secret";
const X_SECRET: &str = "x-consumer-secret";

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/fixtures/social/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

async fn state() -> AppState {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/config/social.toml")).unwrap();
    let config = Arc::new(Config::parse(&text, None).unwrap());
    AppState::new(Intake::open(Store::in_memory().unwrap(), config).await.unwrap(), Wake::default())
}

/// A POST of `body` to a network's webhook, with `signature` as its signature header.
fn delivery(network: &str, body: Vec<u8>, signature: Option<String>) -> Request<Body> {
    let mut request =
        Request::post(format!("/webhooks/{network}/mairie")).header(header::CONTENT_TYPE, "application/json");
    if let Some(signature) = signature {
        let name = if network == "meta" { "X-Hub-Signature-256" } else { "x-twitter-webhooks-signature" };
        request = request.header(name, signature);
    }
    request.body(Body::from(body)).unwrap()
}

/// `name` signed as its network signs it.
fn signed(name: &str) -> Request<Body> {
    let body = fixture(name);
    if name.starts_with("x-") {
        let signature = sign(X_SECRET, &body, Encoding::Base64);
        delivery("x", body, Some(signature))
    } else {
        let signature = sign(META_SECRET, &body, Encoding::Hex);
        delivery("meta", body, Some(signature))
    }
}

async fn call(state: &AppState, request: Request<Body>) -> (StatusCode, Option<String>, String) {
    let response = app(state.clone()).oneshot(request).await.unwrap();
    let status = response.status();
    let content_type = response.headers().get(header::CONTENT_TYPE).map(|v| v.to_str().unwrap().to_owned());
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, content_type, String::from_utf8(bytes.to_vec()).unwrap())
}

async fn call_json(state: &AppState, request: Request<Body>) -> (StatusCode, Value) {
    let (status, _, body) = call(state, request).await;
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

/// The agents' emails queued: one per new ticket (social senders get no acknowledgment).
async fn outbox_subjects(state: &AppState) -> Vec<String> {
    let outbox = state.store.write(|tx| tx.outbox(100)).await.unwrap();
    outbox.into_iter().map(|e| e.email.subject).collect()
}

async fn reference_of(state: &AppState, id: &str) -> Option<String> {
    let id = id.to_owned();
    state.store.write(move |tx| tx.reference_of("mairie", &id)).await.unwrap().map(|r| r.to_string())
}

#[tokio::test]
async fn meta_subscribes_with_the_sites_verify_token_only() {
    let state = state().await;
    let handshake = |token: &str| {
        let uri = format!("/webhooks/meta/mairie?hub.mode=subscribe&hub.verify_token={token}&hub.challenge=1158201444");
        Request::get(uri).body(Body::empty()).unwrap()
    };
    let (status, content_type, body) = call(&state, handshake("jeton-de-verification")).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "1158201444"));
    assert!(content_type.unwrap().starts_with("text/plain"));
    let (status, _, _) = call(&state, handshake("autre-jeton")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let unknown = Request::get("/webhooks/meta/ailleurs?hub.mode=subscribe").body(Body::empty()).unwrap();
    assert_eq!(call(&state, unknown).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn x_gets_its_crc_answer() {
    let state = state().await;
    let crc = Request::get("/webhooks/x/mairie?crc_token=9b4507b3-9040-4669-9ef5-1c8ba5bd2b32").body(Body::empty());
    let (status, body) = call_json(&state, crc.unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({ "response_token": "sha256=kos+TMhB7pzuhvT83nowROSFjkKlnUMovZSOrLAxx9M=" }));
    let (status, body) = call_json(&state, Request::get("/webhooks/x/mairie").body(Body::empty()).unwrap()).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("missing_crc_token")));
}

#[tokio::test]
async fn a_signed_whatsapp_message_files_a_ticket_once_however_often_it_is_delivered() {
    let state = state().await;
    let wamid = "wamid.HBgLMzM2MTIzNDU2NzgVAgASGBQzQUZBQ0FFQ0U1QjU3NEY4MDc4RQA=";
    let (status, body) = call_json(&state, signed("whatsapp-text.json")).await;
    assert_eq!((status, body), (StatusCode::OK, json!({ "filed": 1, "already_seen": 0, "ignored": 0 })));
    let reference = reference_of(&state, wamid).await.expect("the message is stored");
    let subjects = outbox_subjects(&state).await;
    assert_eq!(subjects.len(), 1, "{subjects:?}");
    assert!(subjects[0].starts_with(&format!("[{reference}]")), "{subjects:?}");

    // Meta delivers again when it did not hear 200 in time.
    let (status, body) = call_json(&state, signed("whatsapp-text.json")).await;
    assert_eq!((status, body), (StatusCode::OK, json!({ "filed": 0, "already_seen": 1, "ignored": 0 })));
    assert_eq!(outbox_subjects(&state).await.len(), 1);
    assert_eq!(reference_of(&state, wamid).await, Some(reference));
}

#[tokio::test]
async fn each_network_files_its_text_messages() {
    let state = state().await;
    let cases = [
        (
            "messenger-text.json",
            "m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_5cgXIbu7I3rBN0P",
        ),
        ("instagram-attachment.json", "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOnBob3RvLTAwMDE="),
        ("x-text.json", "1854000000000000001"),
    ];
    for (name, id) in cases {
        let (status, body) = call_json(&state, signed(name)).await;
        assert_eq!((status, &body["filed"]), (StatusCode::OK, &json!(1)), "{name}: {body}");
        assert!(reference_of(&state, id).await.is_some(), "{name}");
    }
    let (status, body) = call_json(&state, signed("whatsapp-batch.json")).await;
    assert_eq!((status, body), (StatusCode::OK, json!({ "filed": 3, "already_seen": 0, "ignored": 1 })));
    for id in ["wamid.BATCH0001", "wamid.BATCH0002", "wamid.BATCH0003"] {
        assert!(reference_of(&state, id).await.is_some(), "{id}");
    }
}

#[tokio::test]
async fn echoes_receipts_statuses_and_unknown_events_file_nothing() {
    let state = state().await;
    for name in [
        "messenger-echo.json",
        "messenger-receipts.json",
        "messenger-unknown.json",
        "instagram-echo.json",
        "instagram-read.json",
        "instagram-unknown.json",
        "whatsapp-status.json",
        "whatsapp-unknown.json",
        "x-own.json",
        "x-read.json",
        "x-unknown.json",
    ] {
        let (status, body) = call_json(&state, signed(name)).await;
        assert_eq!(status, StatusCode::OK, "{name}: {body}");
        assert_eq!((&body["filed"], &body["already_seen"]), (&json!(0), &json!(0)), "{name}: {body}");
        assert!(body["ignored"].as_u64().unwrap() > 0, "{name}: {body}");
    }
    assert_eq!(outbox_subjects(&state).await, Vec::<String>::new());
}

#[tokio::test]
async fn a_missing_or_wrong_signature_is_refused_and_nothing_is_stored() {
    let state = state().await;
    let body = fixture("whatsapp-text.json");
    let wamid = "wamid.HBgLMzM2MTIzNDU2NzgVAgASGBQzQUZBQ0FFQ0U1QjU3NEY4MDc4RQA=";

    let (status, answer) = call_json(&state, delivery("meta", body.clone(), None)).await;
    assert_eq!((status, answer["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("missing_signature")));

    let cases = [
        // Signed with another app's secret.
        sign("another-secret", &body, Encoding::Hex),
        // X's encoding on Meta's header.
        sign(META_SECRET, &body, Encoding::Base64),
        // Signed before a byte changed: the signature covers the raw body, not its meaning.
        sign(META_SECRET, &[&body[..], b" "].concat(), Encoding::Hex),
        "sha1=0123".to_owned(),
    ];
    for signature in cases {
        let (status, answer) = call_json(&state, delivery("meta", body.clone(), Some(signature.clone()))).await;
        assert_eq!((status, answer["code"].as_str()), (StatusCode::FORBIDDEN, Some("bad_signature")), "{signature}");
    }
    let x_body = fixture("x-text.json");
    let (status, _) =
        call_json(&state, delivery("x", x_body.clone(), Some(sign(META_SECRET, &x_body, Encoding::Base64)))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = call_json(&state, delivery("x", x_body, None)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    assert_eq!(reference_of(&state, wamid).await, None);
    assert_eq!(reference_of(&state, "1854000000000000001").await, None);
    assert!(outbox_subjects(&state).await.is_empty());
}

#[tokio::test]
async fn malformed_json_with_a_good_signature_is_a_400_that_says_why() {
    let state = state().await;
    for name in ["messenger-malformed.json", "instagram-malformed.json", "whatsapp-malformed.json", "x-malformed.json"]
    {
        let (status, body) = call_json(&state, signed(name)).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("bad_json")), "{name}");
        let message = body["message"].as_str().unwrap();
        assert!(message.starts_with("the body is not a webhook payload: ") && message.contains("line"), "{message}");
    }
    assert!(outbox_subjects(&state).await.is_empty());
}

#[tokio::test]
async fn a_site_without_the_network_configured_takes_nothing_from_it() {
    let state = state().await;
    let body = fixture("whatsapp-text.json");
    let signature = sign(META_SECRET, &body, Encoding::Hex);
    let request =
        Request::post("/webhooks/meta/inconnu").header("X-Hub-Signature-256", signature).body(Body::from(body));
    let (status, answer) = call_json(&state, request.unwrap()).await;
    assert_eq!((status, answer["code"].as_str()), (StatusCode::NOT_FOUND, Some("unknown_site")));
}

#[tokio::test]
async fn whatsapp_media_are_queued_with_their_message_not_fetched_in_the_request() {
    let state = state().await;
    let due = |state: &AppState| {
        let store = state.store.clone();
        async move { store.write(|tx| tx.media_due(i64::MAX, 10)).await.unwrap() }
    };
    let (status, answer) = call_json(&state, signed("whatsapp-attachment.json")).await;
    assert_eq!((status, &answer["filed"]), (StatusCode::OK, &json!(3)), "{answer}");
    let queued: Vec<(String, Option<String>)> =
        due(&state).await.into_iter().map(|q| (q.media_id, q.mime_type)).collect();
    assert_eq!(
        queued,
        [
            ("1003383421387256".to_owned(), Some("image/jpeg".to_owned())),
            ("1003383421387257".to_owned(), Some("application/pdf".to_owned()))
        ],
        "the photo and the document; the location is no file"
    );
    let (status, answer) = call_json(&state, signed("whatsapp-attachment.json")).await;
    assert_eq!((status, &answer["already_seen"]), (StatusCode::OK, &json!(3)), "{answer}");
    assert_eq!(due(&state).await.len(), 2, "a re-delivery queues nothing again");
}
