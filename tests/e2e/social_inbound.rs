//! A citizen writes on WhatsApp: Meta's signed webhook reaches Guichet, which files a ticket
//! and mails the agents through a real SMTP server; Meta's re-deliveries, before and after a
//! restart, create nothing new, and nothing is sent back to the network unasked.

use std::time::Duration;

use anyhow::{Context, Result, ensure};
use serde_json::Value;
use tests::fake_social::{FakeSocial, sign_meta};
use tests::guichet::Guichet;
use tests::smtp::SmtpServer;

const APP_SECRET: &str = "e2e-meta-app-secret";
const WAMID: &str = "wamid.HBgLMzM2MTIzNDU2NzgVAgASGBQzQUZBQ0FFQ0U1QjU3NEY4MDc4RQA=";

/// The harness's small configuration, its site given a Meta app whose Graph API is the fake.
fn config(smtp_url: &str, graph_url: &str) -> Result<String> {
    let text = std::fs::read_to_string(tests::workspace_root().join("tests/fixtures/guichet.toml"))?;
    let mut config: toml::Table = text.parse()?;
    let mail = config.get_mut("mail").and_then(|m| m.as_table_mut()).context("no [mail]")?;
    mail.insert("smtp_url".into(), smtp_url.into());
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

/// POSTs `body` to the site's Meta webhook, signed; returns the status and the JSON answer.
fn deliver(guichet: &Guichet, body: &[u8]) -> Result<(u16, Value)> {
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
