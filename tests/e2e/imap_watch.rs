//! Emails to a council's mailbox, as the council's IMAP server (a real Dovecot) holds them:
//! Guichet stores each one once, raw, and only then marks it on the server; a crash at
//! either side of the storing loses nothing and duplicates nothing.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, ensure};
use tests::dovecot::Dovecot;
use tests::guichet::Guichet;
use tests::poll::wait_until;

const WAIT: Duration = Duration::from_secs(20);

fn email(name: &str) -> Result<Vec<u8>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/email").join(name);
    std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))
}

/// The test configuration, its site watching `mailbox`, and the agents' replies `reply`.
fn config(mailbox: toml::Table, reply: Option<toml::Table>) -> Result<String> {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/guichet.toml"))?;
    let mut config: toml::Table = text.parse()?;
    let site = config["sites"].as_array_mut().and_then(|s| s.first_mut()).and_then(|s| s.as_table_mut());
    site.context("no [[sites]]")?.insert("mailboxes".into(), vec![toml::Value::from(mailbox)].into());
    if let Some(reply) = reply {
        let mail = config.get_mut("mail").and_then(|m| m.as_table_mut()).context("no [mail]")?;
        mail.insert("reply_mailbox".into(), reply.into());
    }
    Ok(config.to_string())
}

fn with(mut table: toml::Table, entries: &[(&str, toml::Value)]) -> toml::Table {
    for (key, value) in entries {
        table.insert((*key).into(), value.clone());
    }
    table
}

/// The raw emails Guichet stored: site, key and bytes, in the order stored.
type Stored = Vec<(Option<String>, String, Vec<u8>)>;

fn stored(data: &Path) -> Result<Stored> {
    let db = rusqlite::Connection::open(data.join("guichet.sqlite3"))?;
    let mut stmt = db.prepare("SELECT site, key, raw FROM raw_emails ORDER BY id")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn keys(stored: &Stored) -> Vec<&str> {
    stored.iter().map(|(_, key, _)| key.as_str()).collect()
}

/// Waits until Dovecot's `folder` holds exactly `uids` with Guichet's keyword.
fn wait_flagged(dovecot: &Dovecot, folder: &str, uids: &[u32]) -> Result<()> {
    wait_until(WAIT, || Ok((dovecot.uids_with_flag(folder, "$Guichet")? == uids).then_some(())))
        .with_context(|| format!("{folder}: {uids:?} never all flagged $Guichet"))
}

#[test]
fn each_email_is_stored_once_raw_then_flagged_and_idle_brings_new_ones_at_once() -> Result<()> {
    let dovecot = Dovecot::start()?;
    let (lampadaire, sans_id) = (email("lampadaire.eml")?, email("sans-message-id.eml")?);
    dovecot.append("INBOX", &lampadaire)?;
    dovecot.append("INBOX", &sans_id)?;
    // Polling every hour: only IDLE can bring the third email within the test's wait.
    let mailbox = with(dovecot.mailbox_config("INBOX"), &[("poll_seconds", 3600.into())]);
    let data = tempfile::tempdir()?;
    let mut guichet = Guichet::start(&config(mailbox, None)?, data.path())?;

    wait_flagged(&dovecot, "INBOX", &[1, 2])?;
    let rows = stored(data.path())?;
    assert_eq!(keys(&rows)[0], "<lampadaire-8-lilas@example.org>");
    assert!(keys(&rows)[1].starts_with("sha256:"), "{:?}", keys(&rows));
    assert_eq!((&rows[0].2, &rows[1].2), (&lampadaire, &sans_id), "stored byte for byte");
    assert!(rows.iter().all(|(site, _, _)| site.as_deref() == Some("test")));
    // Fetched with BODY.PEEK: the agents still see them as unread in their own client.
    assert_eq!(dovecot.search("INBOX", "UNSEEN")?, [1, 2]);

    dovecot.append("INBOX", &email("nid-de-poule.eml")?)?;
    wait_flagged(&dovecot, "INBOX", &[1, 2, 3]).context("IDLE did not bring the new email")?;
    let rows = stored(data.path())?;
    assert_eq!(keys(&rows).len(), 3, "{:?}", keys(&rows));
    assert_eq!(keys(&rows)[2], "<nid-de-poule-jaures@example.org>");

    // The watcher stops with the service.
    guichet.stop()
}

#[test]
fn a_crash_before_or_after_storing_neither_loses_nor_duplicates_an_email() -> Result<()> {
    let dovecot = Dovecot::start()?;
    dovecot.append("INBOX", &email("lampadaire.eml")?)?;
    let config = config(dovecot.mailbox_config("INBOX"), None)?;
    let data = tempfile::tempdir()?;

    // Fetched, then the crash: nothing stored, nothing marked.
    let mut guichet = Guichet::start_with_env(&config, data.path(), &[("GUICHET_FAILPOINT", "imap-after-fetch")])?;
    let status = guichet.wait_for_exit(WAIT)?;
    ensure!(!status.success(), "the failpoint did not abort guichet: {status}");
    assert_eq!(keys(&stored(data.path())?), Vec::<&str>::new());
    assert_eq!(dovecot.uids_with_flag("INBOX", "$Guichet")?, Vec::<u32>::new());

    // Fetched and stored, then the crash before the flag: stored, not marked.
    let mut guichet = Guichet::start_with_env(&config, data.path(), &[("GUICHET_FAILPOINT", "imap-after-deliver")])?;
    let status = guichet.wait_for_exit(WAIT)?;
    ensure!(!status.success(), "the failpoint did not abort guichet: {status}");
    assert_eq!(keys(&stored(data.path())?), ["<lampadaire-8-lilas@example.org>"]);
    assert_eq!(dovecot.uids_with_flag("INBOX", "$Guichet")?, Vec::<u32>::new());

    // Started again without failpoint: the email is fetched again, kept once, and flagged.
    guichet.restart()?;
    wait_flagged(&dovecot, "INBOX", &[1])?;
    assert_eq!(keys(&stored(data.path())?), ["<lampadaire-8-lilas@example.org>"]);
    guichet.stop()
}

#[test]
fn processed_emails_move_to_their_folder_and_the_reply_mailbox_is_watched_too() -> Result<()> {
    let dovecot = Dovecot::start()?;
    dovecot.create_folder("Reponses")?;
    dovecot.append("INBOX", &email("lampadaire.eml")?)?;
    dovecot.append("Reponses", &email("nid-de-poule.eml")?)?;
    let mailbox = with(dovecot.mailbox_config("INBOX"), &[("move_to", "Traité".into())]);
    let reply = dovecot.mailbox_config("Reponses");
    let data = tempfile::tempdir()?;
    let mut guichet = Guichet::start(&config(mailbox, Some(reply))?, data.path())?;

    // INBOX empties once the email moved, so Traité exists by then; its name in IMAP's
    // modified UTF-7, as the server knows it.
    wait_until(WAIT, || Ok((dovecot.count("INBOX")? == 0 && dovecot.count("Trait&AOk-")? == 1).then_some(())))
        .context("the email was not moved to Traité")?;
    wait_flagged(&dovecot, "Reponses", &[1])?;
    let mut rows: Vec<(Option<String>, String)> =
        stored(data.path())?.into_iter().map(|(site, key, _)| (site, key)).collect();
    rows.sort();
    assert_eq!(
        rows,
        [
            (None, "<nid-de-poule-jaures@example.org>".to_owned()),
            (Some("test".to_owned()), "<lampadaire-8-lilas@example.org>".to_owned())
        ]
    );
    guichet.stop()
}

#[test]
fn without_idle_or_move_on_the_server_it_polls_and_copies_then_expunges() -> Result<()> {
    let dovecot = Dovecot::start_without(&["IDLE", "MOVE"])?;
    dovecot.append("INBOX", &email("lampadaire.eml")?)?;
    let mailbox = with(dovecot.mailbox_config("INBOX"), &[("move_to", "Traite".into()), ("poll_seconds", 1.into())]);
    let data = tempfile::tempdir()?;
    let mut guichet = Guichet::start(&config(mailbox, None)?, data.path())?;
    let moved = |count| -> Result<Option<()>> {
        // Traite is created by Guichet: it exists once INBOX is empty.
        Ok((dovecot.count("INBOX")? == 0 && dovecot.count("Traite")? == count).then_some(()))
    };
    wait_until(WAIT, || moved(1)).context("the email was not copied to Traite and expunged from INBOX")?;

    // Appended after the first pass: only polling can bring it.
    dovecot.append("INBOX", &email("nid-de-poule.eml")?)?;
    wait_until(WAIT, || moved(2)).context("polling did not bring the second email")?;
    assert_eq!(keys(&stored(data.path())?), ["<lampadaire-8-lilas@example.org>", "<nid-de-poule-jaures@example.org>"]);
    guichet.stop()
}

#[test]
fn a_refused_password_is_logged_and_retried_slowly_while_the_service_goes_on() -> Result<()> {
    let dovecot = Dovecot::start()?;
    dovecot.append("INBOX", &email("lampadaire.eml")?)?;
    let mailbox = with(dovecot.mailbox_config("INBOX"), &[("password", "pas-le-bon".into())]);
    let data = tempfile::tempdir()?;
    let mut guichet = Guichet::start(&config(mailbox, None)?, data.path())?;

    // Retried (Dovecot also delays each failure)...
    wait_until(WAIT, || Ok((guichet.count_log("IMAP login refused") >= 2).then_some(())))
        .context("the login was not retried")?;
    // ...but not in a loop: the next waits are 2 s, then 4 s.
    std::thread::sleep(Duration::from_secs(3));
    let attempts = guichet.count_log("IMAP login refused");
    assert!(attempts <= 3, "{attempts} login attempts: the watcher spins");
    let widget = ureq::get(&format!("{}/api/v1/sites/test/widget", guichet.base_url())).call()?;
    assert_eq!(widget.status(), 200);
    assert_eq!(dovecot.uids_with_flag("INBOX", "$Guichet")?, Vec::<u32>::new());
    guichet.stop()
}
