//! A citizen sends a photo on WhatsApp: Meta's signed webhook is answered at once, the
//! agents get the ticket, then Guichet fetches the photo through the Graph API (retrying
//! when it fails once) and mails it to them in the ticket's thread, its bytes intact; a
//! file over the attachment limit is not downloaded, and the agents are told why.

use std::time::Duration;

use anyhow::{Context, Result, ensure};
use serde_json::Value;
use tests::fake_social::{FakeSocial, MEDIA_FIXTURE};
use tests::guichet::Guichet;
use tests::smtp::SmtpServer;

use crate::social_inbound::{config, deliver};

const MEDIA_ID: &str = "1003383421387299";

#[test]
fn a_whatsapp_photo_reaches_the_agents_in_the_tickets_thread() -> Result<()> {
    let smtp = SmtpServer::start()?;
    let records = tempfile::tempdir()?;
    let fake = FakeSocial::start(records.path())?;
    let data = tempfile::tempdir()?;
    let guichet = Guichet::start(&config(&smtp.url(), &fake.url())?, data.path())?;
    let payload = std::fs::read(tests::workspace_root().join("backend/tests/fixtures/social/whatsapp-image.json"))?;

    // Graph is down for the first request: the webhook does not wait on it.
    fake.fail_next(1, 503, r#"{"error":{"message":"Service temporarily unavailable","code":2}}"#);
    let (status, answer) = deliver(&guichet, &payload)?;
    assert_eq!((status, &answer["filed"]), (200, &Value::from(1)), "{answer}");

    let mails = smtp.wait_for(2, Duration::from_secs(40)).context("the agents did not get the ticket and the photo")?;
    let (ticket, photo) = (&mails[0], &mails[1]);
    assert!(ticket.attachments().is_empty(), "the ticket's email goes before the photo is fetched");
    let ticket_text = ticket.text_body().unwrap_or_default();
    ensure!(ticket_text.contains(&format!("whatsapp-media:{MEDIA_ID}")), "the reference is kept:\n{ticket_text}");

    let subject = ticket.subject().unwrap_or_default();
    let reference = subject.split(']').next().unwrap_or_default().trim_start_matches('[').to_owned();
    ensure!(reference.starts_with("VT-"), "subject: {subject}");
    assert_eq!(photo.to(), ["accueil@test.localhost"]);
    assert!(photo.subject().unwrap_or_default().starts_with(&format!("[{reference}]")), "{:?}", photo.subject());
    assert_eq!(photo.header("In-Reply-To"), ticket.header("Message-ID"), "in the ticket's thread");
    assert_eq!(photo.header("Reply-To"), ticket.header("Reply-To"), "the agents answer the ticket from it");
    let name = format!("whatsapp-{MEDIA_ID}.png");
    let text = photo.text_body().unwrap_or_default();
    assert!(text.contains(&format!("Pièce jointe reçue via WhatsApp : {name}")), "{text}");
    let sent = std::fs::read(tests::workspace_root().join(MEDIA_FIXTURE))?;
    assert_eq!(photo.attachments(), vec![(name, "image/png".to_owned(), sent)], "the photo, bytes intact");

    // Graph was asked with the site's token: the description (once refused), then the file.
    let asked: Vec<(String, String, u16, Option<String>)> = fake
        .requests()?
        .into_iter()
        .map(|r| (r.method, r.path, r.status, r.headers.get("authorization").cloned()))
        .collect();
    let bearer = Some("Bearer EAAG-e2e".to_owned());
    let want = [
        ("GET", format!("/{MEDIA_ID}"), 503),
        ("GET", format!("/{MEDIA_ID}"), 200),
        ("GET", format!("/media/{MEDIA_ID}"), 200),
    ]
    .map(|(method, path, status)| (method.to_owned(), path, status, bearer.clone()));
    assert_eq!(asked, want);

    // Meta's re-delivery fetches nothing again and mails nobody.
    let (status, answer) = deliver(&guichet, &payload)?;
    assert_eq!((status, &answer["already_seen"]), (200, &Value::from(1)), "{answer}");
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!((smtp.messages()?.len(), fake.requests()?.len()), (2, 3));
    Ok(())
}

#[test]
fn a_whatsapp_file_over_the_attachment_limit_is_not_downloaded_and_the_agents_are_told() -> Result<()> {
    let smtp = SmtpServer::start()?;
    let records = tempfile::tempdir()?;
    let fake = FakeSocial::start(records.path())?;
    let data = tempfile::tempdir()?;
    let mut config: toml::Table = config(&smtp.url(), &fake.url())?.parse()?;
    let size = std::fs::metadata(tests::workspace_root().join(MEDIA_FIXTURE))?.len();
    let mail = config.get_mut("mail").and_then(|m| m.as_table_mut()).context("no [mail]")?;
    mail.insert("max_attachment_bytes".into(), toml::Value::Integer(size as i64 - 1));
    let guichet = Guichet::start(&config.to_string(), data.path())?;
    let payload = std::fs::read(tests::workspace_root().join("backend/tests/fixtures/social/whatsapp-image.json"))?;

    let (status, answer) = deliver(&guichet, &payload)?;
    assert_eq!((status, &answer["filed"]), (200, &Value::from(1)), "{answer}");
    let mails = smtp.wait_for(2, Duration::from_secs(30)).context("the agents were not told")?;
    let note = &mails[1];
    assert!(note.attachments().is_empty());
    let text = note.text_body().unwrap_or_default();
    let why = format!("the file is {size} bytes, more than the {} bytes attachments may have", size - 1);
    assert!(
        text.contains(&format!(
            "La pièce jointe whatsapp-media:{MEDIA_ID} envoyée via WhatsApp n'a pas pu être récupérée : {why}"
        )),
        "{text}"
    );
    let asked: Vec<String> = fake.requests()?.into_iter().map(|r| r.path).collect();
    assert_eq!(asked, [format!("/{MEDIA_ID}")], "described, never downloaded");
    Ok(())
}
