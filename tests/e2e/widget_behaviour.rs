//! The widget as citizens and webmasters use it: keyboard alone, both embed modes, English,
//! a hostile page, the page's JavaScript API, a draft across reloads, and the offline queue.

use std::time::Duration;

use anyhow::{Context, Result, ensure};
use serde_json::Value;
use tests::poll::wait_until;
use tests::webdriver::{find_in_shadow_by_label, keys};

use crate::world::{World, reference_in, shadow, text_of};

const LAUNCHER: &str = "guichet-widget";
const INLINE: &str = "[data-guichet-form]";

/// The id (or class) of what has the focus inside the launcher's shadow root.
fn focused(w: &World) -> Result<Value> {
    w.in_shadow(LAUNCHER, "const a = r.activeElement; return a ? (a.id || a.className) : null")
}

fn wait_focused(w: &World, what: &str) -> Result<()> {
    wait_until(Duration::from_secs(10), || Ok((focused(w)? == what).then_some(())))
        .with_context(|| format!("the focus never reached `{what}` (it is on {})", focused(w).unwrap_or_default()))
}

fn open_dialog(w: &World) -> Result<()> {
    w.shadow(LAUNCHER)?.find(".launcher")?.click()?;
    wait_until(Duration::from_secs(20), || {
        Ok((w.in_shadow(LAUNCHER, "return !!r.querySelector('dialog[open] #g-topic option[value=autre]')")? == true)
            .then_some(()))
    })
    .context("the dialog did not open with the site's topics")
}

#[test]
fn a_citizen_sends_with_the_keyboard_alone_and_gets_the_focus_back() -> Result<()> {
    let w = World::start(None)?;
    w.goto("index.html")?;
    w.shadow(LAUNCHER)?;
    // All of this runs under the strict CSP README gives to webmasters.
    let csp =
        w.browser.execute("return fetch('/index.html').then(r => r.headers.get('content-security-policy'))", &[])?;
    ensure!(
        csp.as_str().is_some_and(|c| c.contains("script-src 'self' 'wasm-unsafe-eval'; style-src 'self';")),
        "{csp}"
    );
    w.no_violations(LAUNCHER, "closed")?;
    w.in_shadow(LAUNCHER, "r.querySelector('.launcher').focus()")?;
    w.browser.send_keys_to_active(keys::ENTER)?;
    wait_focused(&w, "g-topic")?;
    w.browser.send_chord_to_active(keys::SHIFT, keys::TAB)?;
    wait_focused(&w, "close")?;
    w.browser.send_keys_to_active(keys::TAB)?;
    wait_focused(&w, "g-topic")?;

    // Typing a letter on a select picks the first option starting with it: "Autre demande".
    w.browser.send_keys_to_active("A")?;
    w.browser.send_keys_to_active(keys::TAB)?;
    wait_focused(&w, "g-message")?;
    w.browser.send_keys_to_active("Bonjour, les horaires de la mairie changent-ils en août ?")?;
    w.browser.send_keys_to_active(keys::TAB)?;
    wait_focused(&w, "g-photo")?; // optional: passed over
    for (field, text) in [("g-name", "Jeanne Martin"), ("g-email", "jeanne.martin@example.fr")] {
        w.browser.send_keys_to_active(keys::TAB)?;
        wait_focused(&w, field)?;
        w.browser.send_keys_to_active(text)?;
    }
    for field in ["g-phone", "g-consent"] {
        w.browser.send_keys_to_active(keys::TAB)?;
        wait_focused(&w, field)?;
    }
    w.browser.send_keys_to_active(keys::SPACE)?;
    w.browser.send_keys_to_active(keys::TAB)?; // the privacy notice's link
    w.browser.send_keys_to_active(keys::TAB)?;
    wait_focused(&w, "primary")?;
    w.browser.send_keys_to_active(keys::ENTER)?;

    let root = w.shadow(LAUNCHER)?;
    reference_in(&text_of(&root, ".reference")?)?;
    // The confirmation takes the focus, so a screen reader reads it at once.
    wait_focused(&w, "g-sent-title")?;
    w.no_violations(LAUNCHER, "sent")?;
    w.browser.send_keys_to_active(keys::ESCAPE)?;
    wait_focused(&w, "launcher")?;
    ensure!(
        w.in_shadow(LAUNCHER, "return r.querySelector('dialog').open")? == false,
        "Escape did not close the dialog"
    );
    Ok(())
}

#[test]
fn the_inline_form_on_the_contact_page_sends_and_passes_axe() -> Result<()> {
    let w = World::start(None)?;
    w.goto("contact.html")?;
    let root = w.shadow(INLINE)?;
    wait_until(Duration::from_secs(20), || Ok(root.find("#g-topic option[value=autre]").ok()))?;
    w.no_violations(INLINE, "inline")?;
    find_in_shadow_by_label(&root, "Sujet")?.send_keys("Voirie")?;
    // Roads need a place: the field appears for this topic.
    find_in_shadow_by_label(&root, "Adresse ou lieu concerné")?.send_keys("8 rue des Lilas")?;
    find_in_shadow_by_label(&root, "Votre message")?.send_keys("Le lampadaire est éteint.")?;
    find_in_shadow_by_label(&root, "Nom et prénom")?.send_keys("Paul Leroy")?;
    find_in_shadow_by_label(&root, "Téléphone")?.send_keys("0612345678")?;
    // Keys, not clicks: chromedriver misplaces clicks in a shadow root of a scrolled page.
    find_in_shadow_by_label(&root, "J’accepte")?.send_keys(keys::SPACE)?;
    root.find("button[type=submit]")?.send_keys(keys::ENTER)?;
    reference_in(&text_of(&root, ".reference")?)?;
    w.no_violations(INLINE, "inline, sent")?;
    Ok(())
}

#[test]
fn an_english_page_gets_an_english_widget() -> Result<()> {
    let w = World::start(Some("tests/fixtures/pages"))?;
    w.goto("en.html")?;
    let root = w.shadow(LAUNCHER)?;
    assert_eq!(root.find(".launcher")?.text()?, "Contact us");
    open_dialog(&w)?;
    find_in_shadow_by_label(&root, "Your message")?;
    root.find("button[type=submit]")?.click()?;
    assert_eq!(text_of(&root, "#g-message-error")?, "Write your message.");
    assert_eq!(text_of(&root, "#g-email-error")?, "Give an email address or a phone number so that we can answer you.");
    w.no_violations(LAUNCHER, "in English, with errors")?;
    Ok(())
}

#[test]
fn a_hostile_page_style_neither_breaks_the_widget_nor_is_changed_by_it() -> Result<()> {
    let w = World::start(Some("tests/fixtures/pages"))?;
    w.goto("hostile.html")?;
    let root = w.shadow(LAUNCHER)?;
    let launcher = w.in_shadow(
        LAUNCHER,
        "const b = r.querySelector('.launcher').getBoundingClientRect(); return [b.width, b.height]",
    )?;
    ensure!(
        launcher[0].as_f64() > Some(50.0) && launcher[1].as_f64() > Some(20.0),
        "the launcher is not visible: {launcher}"
    );
    open_dialog(&w)?;
    let label =
        w.in_shadow(LAUNCHER, "return r.querySelector('label[for=g-message]').getBoundingClientRect().height")?;
    ensure!(label.as_f64() > Some(10.0), "the form's labels are hidden: {label}");
    root.find("option[value=autre]")?.click()?;
    find_in_shadow_by_label(&root, "Votre message")?.send_keys("Tout va bien malgré le style de la page.")?;
    find_in_shadow_by_label(&root, "Nom et prénom")?.send_keys("Inès Garnier")?;
    find_in_shadow_by_label(&root, "Adresse électronique")?.send_keys("ines@example.fr")?;
    find_in_shadow_by_label(&root, "J’accepte")?.click()?;
    root.find("button[type=submit]")?.click()?;
    reference_in(&text_of(&root, ".reference")?)?;
    let page_button =
        w.browser.execute("return getComputedStyle(document.getElementById('page-button')).backgroundColor", &[])?;
    assert_eq!(page_button, "rgb(255, 105, 180)", "the widget's styles leaked into the page");
    Ok(())
}

#[test]
fn the_page_prefills_opens_and_hears_about_submissions() -> Result<()> {
    let w = World::start(Some("tests/fixtures/pages"))?;
    w.goto("api.html")?;
    let root = w.shadow(LAUNCHER)?;
    let launcher = root.find(".launcher")?;
    assert_eq!(launcher.text()?, "Écrire à la mairie");
    let style = w.in_shadow(
        LAUNCHER,
        "const s = getComputedStyle(r.querySelector('.launcher')); return [s.left, s.backgroundColor]",
    )?;
    assert_eq!(style, serde_json::json!(["16px", "rgb(24, 117, 60)"]));

    w.browser
        .execute("Guichet.prefill({name: 'Zoé Lambert', email: 'zoe.lambert@example.fr'}); Guichet.open();", &[])?;
    wait_until(Duration::from_secs(20), || Ok(root.find("dialog[open] #g-topic option[value=autre]").ok()))?;
    let name = find_in_shadow_by_label(&root, "Nom et prénom")?;
    wait_until(Duration::from_secs(5), || Ok((name.property("value")? == "Zoé Lambert").then_some(())))
        .context("the name was not prefilled")?;
    assert_eq!(find_in_shadow_by_label(&root, "Adresse électronique")?.property("value")?, "zoe.lambert@example.fr");
    assert_eq!(root.find("#g-topic")?.property("value")?, "etat-civil", "data-topic preselects the topic");

    find_in_shadow_by_label(&root, "Votre message")?.send_keys("Je souhaite une copie de mon acte de mariage.")?;
    find_in_shadow_by_label(&root, "J’accepte")?.click()?;
    root.find("button[type=submit]")?.click()?;
    let reference = reference_in(&text_of(&root, ".reference")?)?;
    let seen = w.browser.execute("return window.seen", &[])?;
    assert_eq!(seen, serde_json::json!([{"type": "open"}, {"type": "submitted", "reference": reference}]));
    w.browser.execute("Guichet.close()", &[])?;
    wait_until(Duration::from_secs(5), || {
        Ok((w.in_shadow(LAUNCHER, "return r.querySelector('dialog').open")? == false).then_some(()))
    })?;
    Ok(())
}

#[test]
fn a_draft_survives_a_reload_until_it_is_sent() -> Result<()> {
    let w = World::start(None)?;
    w.goto("index.html")?;
    open_dialog(&w)?;
    let draft = "Le ramassage des encombrants est-il prévu ce mois-ci ?";
    find_in_shadow_by_label(&w.shadow(LAUNCHER)?, "Votre message")?.send_keys(draft)?;

    w.goto("index.html")?;
    open_dialog(&w)?;
    let root = w.shadow(LAUNCHER)?;
    assert_eq!(find_in_shadow_by_label(&root, "Votre message")?.property("value")?, draft);
    root.find("option[value=proprete]")?.click()?;
    find_in_shadow_by_label(&root, "Nom et prénom")?.send_keys("Marc Petit")?;
    find_in_shadow_by_label(&root, "Téléphone")?.send_keys("07 11 22 33 44")?;
    find_in_shadow_by_label(&root, "J’accepte")?.click()?;
    root.find("button[type=submit]")?.click()?;
    reference_in(&text_of(&root, ".reference")?)?;

    w.goto("index.html")?;
    open_dialog(&w)?;
    assert_eq!(find_in_shadow_by_label(&w.shadow(LAUNCHER)?, "Votre message")?.property("value")?, "");
    Ok(())
}

#[test]
fn a_message_sent_while_the_server_is_down_arrives_once_it_is_back() -> Result<()> {
    let mut w = World::start(None)?;
    w.goto("index.html")?;
    open_dialog(&w)?;
    let root = shadow(&w.browser, LAUNCHER)?;
    root.find("option[value=autre]")?.click()?;
    find_in_shadow_by_label(&root, "Votre message")?.send_keys("Message écrit pendant la panne.")?;
    find_in_shadow_by_label(&root, "Nom et prénom")?.send_keys("Lucie Caron")?;
    find_in_shadow_by_label(&root, "Adresse électronique")?.send_keys("lucie.caron@example.fr")?;
    find_in_shadow_by_label(&root, "J’accepte")?.click()?;

    w.guichet.stop()?;
    root.find("button[type=submit]")?.click()?;
    let banner = text_of(&root, ".banner.info p")?;
    ensure!(banner.contains("sera envoyé automatiquement"), "{banner}");
    let queued = w.browser.execute("return localStorage.getItem('guichet-queue:ville-exemple')", &[])?;
    ensure!(queued.as_str().is_some_and(|q| q.contains("Message écrit pendant la panne.")), "not queued: {queued}");

    w.guichet.restart()?;
    reference_in(&text_of(&root, ".reference")?)?;
    let queued = w.browser.execute("return localStorage.getItem('guichet-queue:ville-exemple')", &[])?;
    assert_eq!(queued, Value::Null, "the queue is emptied once sent");
    // Every retry carried the same idempotency key: one ticket, one email to the agents.
    let outbox = w.browser.execute(
        "return fetch('/dev/outbox').then(r => r.text()).then(t => t.split('Nouvelle demande').length - 1)",
        &[],
    )?;
    assert_eq!(outbox, 1);
    Ok(())
}

/// Adds the widget's tag to the page with `integrity` (or the loader's true SHA-384 hash).
fn add_tag(w: &World, integrity: Option<&str>) -> Result<()> {
    let script = "const [forced, done] = arguments;
        const hash = forced ? Promise.resolve(forced) : fetch('/widget.js').then(r => r.arrayBuffer())
            .then(b => crypto.subtle.digest('SHA-384', b))
            .then(d => 'sha384-' + btoa(String.fromCharCode(...new Uint8Array(d))));
        hash.then(h => {
            const s = document.createElement('script');
            Object.assign(s, {src: '/widget.js', integrity: h, crossOrigin: 'anonymous', async: true});
            s.dataset.site = 'ville-exemple';
            s.onload = s.onerror = (e) => done(e.type);
            document.body.appendChild(s);
        });";
    let arg = integrity.map_or(Value::Null, |i| Value::String(i.to_owned()));
    w.browser.execute_async(script, &[arg]).map(drop)
}

#[test]
fn the_tag_with_its_integrity_hash_pins_the_whole_widget() -> Result<()> {
    let w = World::start(Some("tests/fixtures/pages"))?;
    w.goto("sri.html")?;
    add_tag(&w, Some("sha384-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"))?;
    std::thread::sleep(Duration::from_millis(500));
    let launcher = w.browser.execute("return document.querySelector('guichet-widget')", &[])?;
    assert_eq!(launcher, Value::Null, "a loader that does not match its hash must not run");

    w.goto("sri.html")?;
    add_tag(&w, None)?;
    // The loader carries the glue's and the WASM's hashes: the app only opens if they match.
    open_dialog(&w)?;
    Ok(())
}

#[test]
fn at_200_percent_zoom_the_dialog_fits_and_scrolls() -> Result<()> {
    let w = World::start(None)?;
    // The window's outer size: the page gets a little less, as at 200 % on a 1280×900 screen.
    w.browser.set_window_size(640, 450)?;
    w.goto("index.html")?;
    open_dialog(&w)?;
    let fit = w.in_shadow(
        LAUNCHER,
        "const d = r.querySelector('dialog'); const b = d.getBoundingClientRect();
         return [b.left >= 0, b.right <= innerWidth, b.bottom <= innerHeight, d.scrollWidth <= d.clientWidth, d.scrollHeight > d.clientHeight]",
    )?;
    assert_eq!(
        fit,
        serde_json::json!([true, true, true, true, true]),
        "[inside left, right, bottom; no sideways scroll; scrolls down]"
    );
    Ok(())
}
