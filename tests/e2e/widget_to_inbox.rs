//! The walking skeleton, as a citizen and an agent live it: the demo site in Chromium, the
//! widget opened and filled by its labels, the reference on screen, and both emails in a real
//! SMTP server.

use std::time::Duration;

use anyhow::{Context, Result, ensure};
use tests::axe;
use tests::guichet::Guichet;
use tests::poll::wait_until;
use tests::smtp::{ReceivedMail, SmtpServer};
use tests::webdriver::{Browser, ShadowRoot, find_in_shadow_by_label};

use crate::world::demo_config;

const MESSAGE: &str = "Le lampadaire devant le 8 rue des Lilas est éteint depuis trois jours <b>urgent</b>";

fn no_violations(browser: &Browser, state: &str) -> Result<()> {
    let violations = axe::check(browser, "document.querySelector('guichet-widget')")?;
    let report: Vec<String> = violations.iter().map(ToString::to_string).collect();
    ensure!(violations.is_empty(), "axe found violations with the widget {state}:\n{}", report.join("\n"));
    Ok(())
}

fn shown_text(root: &ShadowRoot<'_>, css: &str) -> Result<Option<String>> {
    root.find(css).ok().map(|e| e.text()).transpose()
}

#[test]
fn a_citizen_writes_on_the_demo_site_and_agents_get_the_ticket_by_email() -> Result<()> {
    let smtp = SmtpServer::start()?;
    let data = tempfile::tempdir()?;
    let guichet = Guichet::start(&demo_config(Some(&smtp.url()), None)?, data.path())?;
    let browser = Browser::start()?;
    browser.goto(&format!("{}/index.html", guichet.base_url()))?;

    let host = wait_until(Duration::from_secs(10), || Ok(browser.find("guichet-widget").ok()))
        .context("the loader never added its launcher")?;
    let root = browser.shadow_root(&host)?;
    let launcher = root.find(".launcher")?;
    assert_eq!(launcher.text()?, "Nous contacter");
    launcher.click()?;
    wait_until(Duration::from_secs(20), || Ok(root.find("dialog[open] select option[value=voirie]").ok()))
        .context("the dialog did not open with the site's topics")?;
    no_violations(&browser, "open")?;

    // Sending an empty form shows each problem beside its field, in words.
    root.find("button[type=submit]")?.click()?;
    let error = wait_until(Duration::from_secs(5), || shown_text(&root, "#g-message-error"))?;
    assert_eq!(error, "Écrivez votre message.");
    let message = find_in_shadow_by_label(&root, "Votre message")?;
    assert_eq!(message.attribute("aria-invalid")?.as_deref(), Some("true"));
    assert_eq!(message.attribute("aria-describedby")?.as_deref(), Some("g-message-error"));
    assert!(shown_text(&root, "#g-email-error")?.unwrap_or_default().starts_with("Indiquez une adresse électronique"));
    no_violations(&browser, "showing errors")?;

    root.find("option[value=voirie]")?.click()?;
    message.send_keys(MESSAGE)?;
    find_in_shadow_by_label(&root, "Nom et prénom")?.send_keys("Claire Dubois")?;
    find_in_shadow_by_label(&root, "Adresse électronique")?.send_keys("claire.dubois@example.fr")?;
    find_in_shadow_by_label(&root, "Téléphone")?.send_keys("06 12 34 56 78")?;
    find_in_shadow_by_label(&root, "J’accepte")?.click()?;
    root.find("button[type=submit]")?.click()?;

    let confirmation = wait_until(Duration::from_secs(20), || shown_text(&root, ".reference"))
        .context("no reference shown after sending")?;
    let reference = confirmation.strip_prefix("Votre référence : ").context(confirmation.clone())?.to_owned();
    ensure!(reference.starts_with("VE-20") && reference.len() == "VE-2026-000001".len(), "{reference}");
    no_violations(&browser, "sent")?;

    let mails = smtp.wait_for(2, Duration::from_secs(30)).context("the two emails never reached the SMTP server")?;
    let to = |address: &str| -> Result<&ReceivedMail> {
        mails.iter().find(|m| m.to() == [address]).with_context(|| format!("no email to {address}"))
    };

    let agents = to("voirie@ville-exemple.localhost")?;
    assert_eq!(
        agents.subject().as_deref(),
        Some(
            format!("[{reference}] Voirie, trottoirs et éclairage: Le lampadaire devant le 8 rue des Lilas…").as_str()
        )
    );
    let thread = format!("<ticket.{}@ville-exemple.localhost>", reference.to_ascii_lowercase());
    assert_eq!(agents.header("Message-ID").as_deref(), Some(thread.as_str()));
    assert_eq!(agents.header("Auto-Submitted").as_deref(), Some("auto-generated"));
    let text = agents.text_body().context("no text part")?;
    for needle in [
        MESSAGE,
        "Nom : Claire Dubois",
        "Adresse électronique : claire.dubois@example.fr",
        "Téléphone : 06 12 34 56 78",
        "Canal : formulaire du site",
        "Site : Ville d'Exemple (ville-exemple)",
        "Service : Service voirie et éclairage",
    ] {
        assert!(text.contains(needle), "the agents' text lacks `{needle}`:\n{text}");
    }
    let html = agents.html_body().context("no HTML part")?;
    assert!(html.contains("trois jours &lt;b&gt;urgent&lt;/b&gt;") && !html.contains("<b>urgent"), "{html}");

    let ack = to("claire.dubois@example.fr")?;
    assert_eq!(ack.subject().as_deref(), Some(format!("[{reference}] Votre demande a bien été reçue").as_str()));
    assert!(ack.text_body().unwrap_or_default().contains(&format!("Sa référence est {reference}")));
    Ok(())
}

/// A photo as a citizen attaches one: a wrong file and a too large one are refused beside the
/// field, the right one reaches the agents as a real attachment, and the sent screen says how
/// to follow the request.
#[test]
fn a_photo_reaches_the_agents_as_an_attachment() -> Result<()> {
    let smtp = SmtpServer::start()?;
    let data = tempfile::tempdir()?;
    let guichet = Guichet::start(&demo_config(Some(&smtp.url()), None)?, data.path())?;
    let browser = Browser::start()?;
    browser.goto(&format!("{}/index.html", guichet.base_url()))?;
    let host = wait_until(Duration::from_secs(10), || Ok(browser.find("guichet-widget").ok()))?;
    let root = browser.shadow_root(&host)?;
    root.find(".launcher")?.click()?;
    wait_until(Duration::from_secs(20), || Ok(root.find("dialog[open] select option[value=voirie]").ok()))?;
    let fixtures = tests::workspace_root().join("tests/fixtures/photo");
    let photo = find_in_shadow_by_label(&root, "Photo (facultative)")?;
    assert_eq!(photo.attribute("aria-describedby")?.as_deref(), Some("g-photo-hint"));
    assert_eq!(
        shown_text(&root, "#g-photo-hint")?.as_deref(),
        Some("Une seule photo, JPEG, PNG ou WebP, de 5 Mo au plus.")
    );

    // A PDF named .png: its bytes give it away.
    photo.send_keys(&fixtures.join("plan.png").display().to_string())?;
    let error = wait_until(Duration::from_secs(5), || shown_text(&root, "#g-photo-error"))?;
    assert_eq!(error, "Ce fichier n'est pas une photo JPEG, PNG ou WebP.");
    assert_eq!(photo.attribute("aria-invalid")?.as_deref(), Some("true"));
    assert_eq!(photo.attribute("aria-describedby")?.as_deref(), Some("g-photo-hint g-photo-error"));
    no_violations(&browser, "with a refused photo")?;

    // A real PNG header, then more than the site's 5 MiB.
    let big = data.path().join("enorme.png");
    let mut bytes = std::fs::read(fixtures.join("lampadaire.png"))?;
    bytes.resize(5 * 1024 * 1024 + 1, 0);
    std::fs::write(&big, bytes)?;
    photo.send_keys(&big.display().to_string())?;
    wait_until(Duration::from_secs(5), || {
        Ok(shown_text(&root, "#g-photo-error")?.filter(|e| e.starts_with("Cette photo est trop lourde (5 Mo au plus)")))
    })?;

    let png = std::fs::read(fixtures.join("lampadaire.png"))?;
    photo.send_keys(&fixtures.join("lampadaire.png").display().to_string())?;
    wait_until(Duration::from_secs(5), || {
        shown_text(&root, ".remove").map(|t| t.filter(|t| t.contains("lampadaire.png")))
    })
    .context("the chosen photo is not shown")?;
    ensure!(shown_text(&root, "#g-photo-error")?.is_none(), "the error stays after a good photo");

    root.find("option[value=voirie]")?.click()?;
    find_in_shadow_by_label(&root, "Votre message")?
        .send_keys("Le lampadaire du 8 rue des Lilas est cassé, photo jointe.")?;
    find_in_shadow_by_label(&root, "Nom et prénom")?.send_keys("Claire Dubois")?;
    find_in_shadow_by_label(&root, "Adresse électronique")?.send_keys("claire.dubois@example.fr")?;
    find_in_shadow_by_label(&root, "J’accepte")?.click()?;
    root.find("button[type=submit]")?.click()?;
    let confirmation = wait_until(Duration::from_secs(20), || shown_text(&root, ".reference"))?;
    let reference = crate::world::reference_in(&confirmation)?;
    let sent = root.find(".sent")?.text()?;
    for needle in [
        "Un accusé de réception portant cette référence est envoyé à claire.dubois@example.fr. \
         Pour ajouter une information ou une pièce, répondez simplement à ce courriel.",
        "Nous répondons en général sous 5 jours ouvrés.",
    ] {
        ensure!(sent.contains(needle), "the sent screen lacks `{needle}`:\n{sent}");
    }
    no_violations(&browser, "sent, with a photo")?;

    let mails = smtp.wait_for(2, Duration::from_secs(30))?;
    let agents = mails.iter().find(|m| m.to() == ["voirie@ville-exemple.localhost"]).context("no agents' email")?;
    ensure!(agents.subject().is_some_and(|s| s.starts_with(&format!("[{reference}]"))), "{:?}", agents.subject());
    assert_eq!(agents.attachments(), [("lampadaire.png".to_owned(), "image/png".to_owned(), png)]);
    let text = agents.text_body().context("no text part")?;
    ensure!(text.contains("Pièce jointe : lampadaire.png"), "the text does not name the photo:\n{text}");
    let ack = mails.iter().find(|m| m.to() == ["claire.dubois@example.fr"]).context("no acknowledgment")?;
    assert_eq!(ack.attachments(), [], "the citizen's own photo is not sent back");
    Ok(())
}
