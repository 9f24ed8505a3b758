//! A citizen writes on WhatsApp: Meta's signed webhook reaches Guichet, which files a ticket
//! and mails the agents through a real SMTP server; Meta's re-deliveries, before and after a
//! restart, create nothing new, and nothing is sent back to the network unasked. The same
//! person writing first in the widget with their phone number, then on WhatsApp from it,
//! has one ticket and the agents one thread, and the agent's emailed answer reaches them on
//! WhatsApp.

use std::time::Duration;

use anyhow::{Context, Result, ensure};
use serde_json::Value;
use tests::fake_social::{FakeSocial, sign_meta};
use tests::guichet::Guichet;
use tests::smtp::{ReceivedMail, SmtpServer};

const APP_SECRET: &str = "e2e-meta-app-secret";
const INGEST_TOKEN: &str = "e2e-ingest-token-of-24-chars-or-more";
const WAMID: &str = "wamid.HBgLMzM2MTIzNDU2NzgVAgASGBQzQUZBQ0FFQ0U1QjU3NEY4MDc4RQA=";

/// The harness's small configuration, its site given a Meta app whose Graph API is the fake.
pub(crate) fn config(smtp_url: &str, graph_url: &str) -> Result<String> {
    let text = std::fs::read_to_string(tests::workspace_root().join("tests/fixtures/guichet.toml"))?;
    let mut config: toml::Table = text.parse()?;
    let mail = config.get_mut("mail").and_then(|m| m.as_table_mut()).context("no [mail]")?;
    mail.insert("smtp_url".into(), smtp_url.into());
    let server = config.get_mut("server").and_then(|m| m.as_table_mut()).context("no [server]")?;
    server.insert("ingest_token".into(), INGEST_TOKEN.into());
    let site = config.get_mut("sites").and_then(|s| s.as_array_mut()).and_then(|s| s.first_mut());
    let site = site.and_then(|s| s.as_table_mut()).context("no [[sites]]")?;
    let mut meta: toml::Table = format!(
        "app_secret = \"{APP_SECRET}\"\nverify_token = \"jeton-e2e\"\n\
         whatsapp_phone_number_id = \"106540352242922\"\naccess_token = \"EAAG-e2e\""
    )
    .parse()?;
    meta.insert("graph_url".into(), graph_url.into());
    site.insert("meta".into(), meta.into());
    Ok(config.to_string())
}

/// The agent answers the ticket of `agents_mail` from their mail client; the mail server
/// pipes it to Guichet. Returns what Guichet made of it.
fn agent_answers(guichet: &Guichet, agents_mail: &ReceivedMail, message_id: &str) -> Result<Value> {
    let template =
        std::fs::read_to_string(tests::workspace_root().join("tests/fixtures/social/agent-answer.eml.template"))?;
    let answer = template
        .replace("{{TO}}", &agents_mail.header("Reply-To").context("no Reply-To")?)
        .replace("{{SUBJECT}}", &agents_mail.subject().unwrap_or_default())
        .replace("{{IN_REPLY_TO}}", &agents_mail.header("Message-ID").context("no Message-ID")?)
        .replace("{{MESSAGE_ID}}", message_id)
        .replace('\n', "\r\n");
    let agent = ureq::Agent::config_builder().http_status_as_error(false).build().new_agent();
    let mut piped = agent
        .post(&format!("{}/ingest/v1/email", guichet.base_url()))
        .header("Authorization", &format!("Bearer {INGEST_TOKEN}"))
        .header("Content-Type", "message/rfc822")
        .send(answer.as_bytes())?;
    ensure!(piped.status().as_u16() == 202, "the answer was not taken: {}", piped.status());
    Ok(piped.body_mut().read_json()?)
}

/// POSTs `body` to the site's Meta webhook, signed; returns the status and the JSON answer.
pub(crate) fn deliver(guichet: &Guichet, body: &[u8]) -> Result<(u16, Value)> {
    let agent = ureq::Agent::config_builder().http_status_as_error(false).build().new_agent();
    let mut response = agent
        .post(&format!("{}/webhooks/meta/test", guichet.base_url()))
        .header("Content-Type", "application/json")
        .header("X-Hub-Signature-256", &sign_meta(APP_SECRET, body))
        .send(body)?;
    Ok((response.status().as_u16(), response.body_mut().read_json().unwrap_or(Value::Null)))
}

#[test]
fn a_whatsapp_message_becomes_a_ticket_in_the_agents_mailbox_once() -> Result<()> {
    let smtp = SmtpServer::start()?;
    let records = tempfile::tempdir()?;
    let fake = FakeSocial::start(records.path())?;
    let data = tempfile::tempdir()?;
    let mut guichet = Guichet::start(&config(&smtp.url(), &fake.url())?, data.path())?;
    let payload = std::fs::read(tests::workspace_root().join("backend/tests/fixtures/social/whatsapp-text.json"))?;

    // Meta's subscription handshake first, as when the council connects the app.
    let handshake = format!(
        "{}/webhooks/meta/test?hub.mode=subscribe&hub.verify_token=jeton-e2e&hub.challenge=8412",
        guichet.base_url()
    );
    assert_eq!(ureq::get(&handshake).call()?.body_mut().read_to_string()?, "8412");

    let (status, answer) = deliver(&guichet, &payload)?;
    assert_eq!((status, &answer["filed"]), (200, &Value::from(1)), "{answer}");

    let mails = smtp.wait_for(1, Duration::from_secs(30)).context("the agents' email never arrived")?;
    let mail = &mails[0];
    assert_eq!(mail.to(), ["accueil@test.localhost"]);
    let subject = mail.subject().unwrap_or_default();
    ensure!(subject.starts_with("[VT-20") && subject.contains("toujours pas de lumière"), "subject: {subject}");
    let text = mail.text_body().unwrap_or_default();
    for shown in
        ["Bonjour, toujours pas de lumière rue des Lilas, devant le 8.", "Claire Dubois", "+33612345678", "WhatsApp"]
    {
        assert!(text.contains(shown), "`{shown}` not in the agents' email:\n{text}");
    }

    // Meta delivers again when it missed the 200; and again after Guichet restarted.
    let (status, answer) = deliver(&guichet, &payload)?;
    assert_eq!((status, &answer["already_seen"], &answer["filed"]), (200, &Value::from(1), &Value::from(0)));
    guichet.stop()?;
    guichet.restart()?;
    let (status, answer) = deliver(&guichet, &payload)?;
    assert_eq!((status, &answer["already_seen"]), (200, &Value::from(1)), "{answer}");

    // A bad signature is refused: the network is told, nothing is filed.
    let tampered = String::from_utf8(payload.clone())?.replace("Bonjour", "Bonsoir").replace(WAMID, "wamid.FORGED");
    let agent = ureq::Agent::config_builder().http_status_as_error(false).build().new_agent();
    let refused = agent
        .post(&format!("{}/webhooks/meta/test", guichet.base_url()))
        .header("X-Hub-Signature-256", &sign_meta(APP_SECRET, &payload))
        .send(tampered.as_bytes())?;
    assert_eq!(refused.status().as_u16(), 403);

    // Time enough for the outbox to have sent a second email, had one been queued.
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(smtp.messages()?.len(), 1, "a re-delivery or a forged one must not mail the agents again");
    assert_eq!(fake.requests()?, vec![], "nothing goes to the citizen on WhatsApp unless an agent replies");
    Ok(())
}

#[test]
fn the_widget_then_whatsapp_from_the_same_phone_make_one_ticket_and_one_thread() -> Result<()> {
    let smtp = SmtpServer::start()?;
    let records = tempfile::tempdir()?;
    let fake = FakeSocial::start(records.path())?;
    let data = tempfile::tempdir()?;
    let guichet = Guichet::start(&config(&smtp.url(), &fake.url())?, data.path())?;

    // In the widget, with a phone number and no email address: "06 12 34 56 78".
    let submission = std::fs::read(tests::workspace_root().join("tests/fixtures/social/widget-streetlight.json"))?;
    let agent = ureq::Agent::config_builder().http_status_as_error(false).build().new_agent();
    let mut response = agent
        .post(&format!("{}/api/v1/sites/test/messages", guichet.base_url()))
        .header("Content-Type", "application/json")
        .header("Origin", guichet.base_url())
        .send(&submission[..])?;
    let accepted: Value = response.body_mut().read_json()?;
    assert_eq!(response.status().as_u16(), 201, "{accepted}");
    let reference = accepted["reference"].as_str().context("no reference")?.to_owned();

    // Then on WhatsApp from +33 6 12 34 56 78, about the same streetlight, a minute later
    // (the fixture's time is the network's; it is moved to now).
    let fixture =
        std::fs::read_to_string(tests::workspace_root().join("backend/tests/fixtures/social/whatsapp-text.json"))?;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs() + 60;
    let payload = fixture.replace(r#""timestamp": "1772730000""#, &format!(r#""timestamp": "{now}""#));
    ensure!(payload != fixture, "the fixture's timestamp moved");
    let payload = payload.into_bytes();
    let (status, answer) = deliver(&guichet, &payload)?;
    assert_eq!((status, &answer["filed"]), (200, &Value::from(1)), "{answer}");

    let mails = smtp.wait_for(2, Duration::from_secs(30)).context("the agents did not get both emails")?;
    let (first, second) = (&mails[0], &mails[1]);
    for mail in [first, second] {
        assert_eq!(mail.to(), ["accueil@test.localhost"]);
        let subject = mail.subject().unwrap_or_default();
        assert!(subject.starts_with(&format!("[{reference}]")), "one ticket: {subject}");
    }
    let thread = first.header("Message-ID").context("no Message-ID")?;
    assert_eq!(second.header("In-Reply-To").as_deref(), Some(thread.as_str()), "one thread");
    let text = second.text_body().unwrap_or_default();
    assert!(text.contains("WhatsApp") && text.contains("toujours pas de lumière"), "{text}");
    assert!(smtp.messages()?.len() == 2 && fake.requests()?.is_empty());

    // The agent answers by email, piped in by the mail server: the answer goes out on
    // WhatsApp, the network the citizen used last, retried when the Graph API fails once.
    fake.fail_next(1, 500, r#"{"error":{"message":"try later","code":2}}"#);
    let outcome = agent_answers(&guichet, first, "<answer-1@test.localhost>")?;
    assert_eq!(outcome["outcome"], "answered", "{outcome}");
    let sent = tests::poll::wait_until(Duration::from_secs(40), || {
        let requests = fake.requests()?;
        Ok(requests.iter().any(|r| r.status == 200).then_some(requests))
    })?;
    assert_eq!(sent.len(), 2, "one failure, then one success: {sent:#?}");
    let delivered = &sent[1];
    assert_eq!(delivered.path, "/106540352242922/messages");
    assert_eq!(delivered.body["to"], "33612345678");
    let said = delivered.body["text"]["body"].as_str().unwrap_or_default();
    assert!(said.starts_with("Bonjour, une équipe remplace l'ampoule"), "{said}");
    assert!(!said.contains("a écrit") && !said.contains("Agent Accueil"), "quotes and signature stay out: {said}");
    let note = smtp.wait_for(3, Duration::from_secs(30))?.remove(2);
    assert!(note.text_body().unwrap_or_default().contains("par WhatsApp"), "the agents see it went out");
    Ok(())
}

#[test]
fn an_answer_waits_out_a_network_outage_and_a_restart_and_a_refusal_is_told_to_the_agents() -> Result<()> {
    let smtp = SmtpServer::start()?;
    let records = tempfile::tempdir()?;
    let mut fake = FakeSocial::start(records.path())?;
    let data = tempfile::tempdir()?;
    let mut guichet = Guichet::start(&config(&smtp.url(), &fake.url())?, data.path())?;
    let fixture =
        std::fs::read_to_string(tests::workspace_root().join("backend/tests/fixtures/social/whatsapp-text.json"))?;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs();
    let payload = fixture.replace(r#""timestamp": "1772730000""#, &format!(r#""timestamp": "{now}""#));
    assert_eq!(deliver(&guichet, payload.as_bytes())?.0, 200);
    let ticket = smtp.wait_for(1, Duration::from_secs(30))?.remove(0);

    // The network is unreachable when the agent answers, and Guichet restarts meanwhile.
    fake.stop()?;
    assert_eq!(agent_answers(&guichet, &ticket, "<answer-outage@test.localhost>")?["outcome"], "answered");
    std::thread::sleep(Duration::from_secs(1));
    guichet.stop()?;
    fake.start_again()?;
    guichet.restart()?;
    let delivered = tests::poll::wait_until(Duration::from_secs(40), || {
        Ok(fake.requests()?.into_iter().find(|r| r.status == 200))
    })?;
    assert_eq!(delivered.body["to"], "33612345678");
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(fake.requests()?.len(), 1, "sent once, after the restart");

    // The network refuses the next answer for good: the agents are told why, in the thread.
    fake.fail_next_with_graph_error(131_047, "Re-engagement message: more than 24 hours have passed");
    assert_eq!(agent_answers(&guichet, &ticket, "<answer-refused@test.localhost>")?["outcome"], "answered");
    let told = tests::poll::wait_until(Duration::from_secs(40), || {
        let mails = smtp.messages()?;
        Ok(mails.into_iter().find(|m| m.text_body().unwrap_or_default().contains("n'a pas pu être transmise")))
    })?;
    let text = told.text_body().unwrap_or_default();
    assert!(text.contains("24 hours"), "the network's reason: {text}");
    assert_eq!(told.header("In-Reply-To"), ticket.header("Message-ID"), "in the ticket's thread");
    Ok(())
}
