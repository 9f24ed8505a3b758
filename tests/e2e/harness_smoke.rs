//! The harness's own smoke test: its SMTP server receives what a client sends, and its
//! browser reaches into a shadow root and runs axe there.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::Duration;

use anyhow::{Result, bail, ensure};
use tests::axe;
use tests::smtp::SmtpServer;
use tests::webdriver::{Browser, find_in_shadow_by_label, keys};

fn fixture(name: &str) -> Result<String> {
    Ok(std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(name))?)
}

#[test]
fn the_smtp_server_keeps_what_it_receives() -> Result<()> {
    let smtp = SmtpServer::start()?;
    send_mail(smtp.port(), "harness@test.localhost", "zelie@example.org", &fixture("smoke.eml")?)?;

    let mails = smtp.wait_for(1, Duration::from_secs(10))?;
    assert_eq!(mails[0].subject().as_deref(), Some("Essai du harnais — n°1"));
    assert_eq!(mails[0].to(), ["zelie@example.org"]);
    assert_eq!(mails[0].header("X-RcptTo").as_deref(), Some("zelie@example.org"));
    let body = mails[0].text_body().unwrap_or_default();
    assert!(body.contains("\n.a line starting with a dot"), "{body}");
    Ok(())
}

#[test]
fn the_browser_reaches_into_a_shadow_root_and_axe_sees_inside() -> Result<()> {
    let browser = Browser::start()?;
    browser.goto(&data_url(&fixture("shadow_form.html")?))?;
    let host = browser.find("#host")?;
    let root = browser.shadow_root(&host)?;

    let name = find_in_shadow_by_label(&root, "Your name")?;
    name.send_keys("Zoé")?;
    assert_eq!(name.property("value")?, "Zoé");
    // Keys typed at the focus land inside the shadow root, though the document sees its host.
    browser.send_keys_to_active("!")?;
    assert_eq!(root.find("#name")?.property("value")?, "Zoé!");
    assert_eq!(browser.active_element()?.attribute("id")?.as_deref(), Some("host"));
    let email = find_in_shadow_by_label(&root, "Your email")?;
    assert_eq!(email.attribute("id")?.as_deref(), Some("email"));
    assert!(find_in_shadow_by_label(&root, "Your age").is_err());

    name.click()?;
    browser.send_keys_to_active(keys::TAB)?;
    let focused = browser.execute("return document.getElementById('host').shadowRoot.activeElement.id", &[])?;
    assert_eq!(focused, "email");
    assert_eq!(browser.find("h1")?.text()?, "A widget in a shadow root");
    let screenshot = tempfile::NamedTempFile::new()?;
    browser.screenshot_png(screenshot.path())?;
    assert!(std::fs::read(screenshot.path())?.starts_with(b"\x89PNG"));

    let violations = axe::check(&browser, "document.getElementById('host')")?;
    for violation in &violations {
        eprintln!("{violation}");
    }
    // The one unlabelled input is inside the shadow root: axe must have looked there.
    let ids: Vec<&str> = violations.iter().map(|violation| violation.id.as_str()).collect();
    ensure!(ids == ["label"], "expected only the `label` violation, got {ids:?}");
    assert!(violations[0].to_string().contains("#host >> #unlabelled"), "{}", violations[0]);
    Ok(())
}

/// A `data:` URL for `html`, every byte but letters and digits percent-encoded.
fn data_url(html: &str) -> String {
    let encoded: String = html
        .bytes()
        .map(|byte| if byte.is_ascii_alphanumeric() { char::from(byte).to_string() } else { format!("%{byte:02X}") })
        .collect();
    format!("data:text/html;charset=utf-8,{encoded}")
}

/// The smallest SMTP client that delivers one message: no TLS, no authentication.
fn send_mail(port: u16, from: &str, to: &str, message: &str) -> Result<()> {
    let stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = stream;
    expect(&mut reader, "220")?;
    let commands = [
        ("EHLO harness.localhost".to_owned(), "250"),
        (format!("MAIL FROM:<{from}>"), "250"),
        (format!("RCPT TO:<{to}>"), "250"),
        ("DATA".to_owned(), "354"),
    ];
    for (command, reply) in commands {
        write!(writer, "{command}\r\n")?;
        expect(&mut reader, reply)?;
    }
    for line in message.lines() {
        // Dot-stuffing: a line starting with a dot would otherwise end the message early.
        let stuffed = if line.starts_with('.') { "." } else { "" };
        write!(writer, "{stuffed}{line}\r\n")?;
    }
    write!(writer, ".\r\n")?;
    expect(&mut reader, "250")?;
    write!(writer, "QUIT\r\n")?;
    expect(&mut reader, "221")
}

/// Reads one reply, continuation lines (`250-…`) included, and checks its code.
fn expect(reader: &mut impl BufRead, code: &str) -> Result<()> {
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            bail!("the SMTP server closed the connection while {code} was expected");
        }
        if !line.starts_with(code) {
            bail!("expected an SMTP {code} reply, got `{}`", line.trim_end());
        }
        if line.as_bytes().get(3) != Some(&b'-') {
            return Ok(());
        }
    }
}
