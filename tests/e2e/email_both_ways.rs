//! Email both ways with real servers: the council's mailbox in Dovecot, Guichet's mail to a
//! real SMTP server. A citizen's email becomes a ticket, the agent's emailed answer reaches
//! the citizen in their own thread; robots and bounces create nothing; a crash or an SMTP
//! outage loses and duplicates nothing.

use std::time::Duration;

use anyhow::{Context, Result, ensure};
use tests::dovecot::Dovecot;
use tests::guichet::Guichet;
use tests::poll::wait_until;
use tests::smtp::{ReceivedMail, SmtpServer};

use crate::world::demo_config;

const CITIZEN_ID: &str = "<CAF3x9e2e.citizen@mail.example.fr>";
const AGENTS: &str = "accueil@ville-exemple.localhost";
const CITIZEN: &str = "claire.dubois@example.fr";
const WAIT: Duration = Duration::from_secs(30);

fn fixture(name: &str) -> Result<String> {
    let path = tests::workspace_root().join("tests/fixtures/email").join(name);
    std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))
}

/// A template fixture with its `{{KEY}}` holes filled, lines ending in CRLF as mail has them.
fn filled(name: &str, values: &[(&str, &str)]) -> Result<Vec<u8>> {
    let mut text = fixture(name)?;
    for (key, value) in values {
        text = text.replace(&format!("{{{{{key}}}}}"), value);
    }
    Ok(text.lines().map(|l| format!("{l}\r\n")).collect::<String>().into_bytes())
}

/// Dovecot holding the council's mailbox (`INBOX`) and the reply domain's (`Reponses`), an SMTP
/// server, and the demo configuration watching both.
struct MailWorld {
    dovecot: Dovecot,
    smtp: SmtpServer,
    config: String,
    data: tempfile::TempDir,
}

impl MailWorld {
    fn new() -> Result<MailWorld> {
        let dovecot = Dovecot::start()?;
        dovecot.create_folder("Reponses")?;
        let smtp = SmtpServer::start()?;
        let mut config: toml::Table = demo_config(Some(&smtp.url()), None)?.parse()?;
        let sites = config.get_mut("sites").and_then(|s| s.as_array_mut()).context("no [[sites]]")?;
        let site = sites[0].as_table_mut().context("a site")?;
        site.insert("mailboxes".into(), toml::Value::Array(vec![dovecot.mailbox_config("INBOX").into()]));
        let mail = config.get_mut("mail").and_then(|m| m.as_table_mut()).context("no [mail]")?;
        let mut replies = dovecot.mailbox_config("Reponses");
        replies.insert("poll_seconds".into(), 1.into());
        mail.insert("reply_mailbox".into(), replies.into());
        Ok(MailWorld { dovecot, smtp, config: config.to_string(), data: tempfile::tempdir()? })
    }

    fn guichet(&self) -> Result<Guichet> {
        Guichet::start(&self.config, self.data.path())
    }

    fn mail_to(&self, count: usize, to: &str) -> Result<Vec<ReceivedMail>> {
        wait_until(WAIT, || {
            let mails: Vec<ReceivedMail> =
                self.smtp.messages()?.into_iter().filter(|m| m.to().iter().any(|t| t.contains(to))).collect();
            Ok((mails.len() >= count).then_some(mails))
        })
        .with_context(|| format!("fewer than {count} emails to {to}"))
    }

    /// The citizen's email arrives; returns the agents' email and the acknowledgment.
    fn citizen_writes(&self) -> Result<(ReceivedMail, ReceivedMail)> {
        self.dovecot.append("INBOX", fixture("citizen.eml")?.as_bytes())?;
        let agents = self.mail_to(1, AGENTS)?.remove(0);
        let ack = self.mail_to(1, CITIZEN)?.remove(0);
        Ok((agents, ack))
    }
}

fn header(mail: &ReceivedMail, name: &str) -> Result<String> {
    mail.header(name).with_context(|| format!("no {name} in\n{}", mail.raw()))
}

#[test]
fn a_citizens_email_becomes_a_ticket_and_the_agents_answer_reaches_them_in_their_thread() -> Result<()> {
    let world = MailWorld::new()?;
    let _guichet = world.guichet()?;
    let (agents, ack) = world.citizen_writes()?;

    let subject = agents.subject().unwrap_or_default();
    ensure!(subject.starts_with("[VE-") && subject.contains("Un nid-de-poule"), "agents' subject: {subject}");
    let text = agents.text_body().unwrap_or_default();
    ensure!(text.contains("12 rue des Lilas, un cycliste a failli tomber"), "the citizen's words: {text}");
    ensure!(!text.contains("Envoyé de mon iPhone"), "the mobile footer is not the citizen's words: {text}");
    let reply_to = header(&agents, "Reply-To")?;
    ensure!(reply_to.starts_with("reply+") && reply_to.ends_with("@ville-exemple.localhost"), "{reply_to}");
    ensure!(header(&ack, "Auto-Submitted")? == "auto-generated");
    let reference = subject[1..].split(']').next().unwrap_or_default().to_owned();

    // The agent answers from their mail client, quoting the thread and signing.
    let answer = filled(
        "agent-reply.eml.template",
        &[
            ("TO", &reply_to),
            ("SUBJECT", &subject),
            ("IN_REPLY_TO", &header(&agents, "Message-ID")?),
            ("REFERENCE", &reference),
        ],
    )?;
    world.dovecot.append("Reponses", &answer)?;
    let to_citizen = world.mail_to(2, CITIZEN)?.into_iter().find(|m| m.header("In-Reply-To").is_some());
    let to_citizen = to_citizen.context("no answer threaded to the citizen")?;
    ensure!(header(&to_citizen, "In-Reply-To")? == CITIZEN_ID, "threaded with the citizen's own email");
    ensure!(header(&to_citizen, "From")?.contains("guichet@ville-exemple.localhost"));
    let said = to_citizen.text_body().unwrap_or_default();
    ensure!(said.contains("Une équipe de la voirie passe demain matin"), "{said}");
    for hidden in [AGENTS, "01 23 45 67 89", "a écrit", "Nouvelle demande"] {
        ensure!(!to_citizen.raw().contains(hidden), "the citizen sees `{hidden}`:\n{}", to_citizen.raw());
    }
    // The agents see in their thread that it went out.
    let note = world.mail_to(2, AGENTS)?.remove(1);
    ensure!(header(&note, "In-Reply-To")? == header(&agents, "Message-ID")?, "a reply in the ticket's thread");
    ensure!(note.text_body().unwrap_or_default().contains("envoyée au citoyen"));
    // Both emails are flagged as processed on the server, never before being stored.
    ensure!(world.dovecot.uids_with_flag("INBOX", "$Guichet")?.len() == 1);
    ensure!(world.dovecot.uids_with_flag("Reponses", "$Guichet")?.len() == 1);
    Ok(())
}

#[test]
fn a_citizens_reply_to_the_acknowledgment_joins_their_ticket() -> Result<()> {
    let world = MailWorld::new()?;
    let _guichet = world.guichet()?;
    let (agents, ack) = world.citizen_writes()?;
    let reply_to = header(&ack, "Reply-To")?;
    ensure!(reply_to.starts_with("reply+") && !reply_to.contains("accueil"), "the citizen's own address: {reply_to}");
    let reply = filled(
        "citizen-reply.eml.template",
        &[
            ("TO", &reply_to),
            ("SUBJECT", &ack.subject().unwrap_or_default()),
            ("IN_REPLY_TO", &header(&ack, "Message-ID")?),
        ],
    )?;
    world.dovecot.append("Reponses", &reply)?;
    let follow_up = world.mail_to(2, AGENTS)?.remove(1);
    ensure!(header(&follow_up, "In-Reply-To")? == header(&agents, "Message-ID")?, "in the ticket's thread");
    let reference = agents.subject().unwrap_or_default()[1..].split(']').next().unwrap_or_default().to_owned();
    ensure!(follow_up.subject().unwrap_or_default().starts_with(&format!("[{reference}]")));
    let text = follow_up.text_body().unwrap_or_default();
    ensure!(text.contains("trente centimètres") && !text.contains("a bien reçu"), "the new words only: {text}");
    Ok(())
}

#[test]
fn an_auto_reply_and_a_bounce_create_nothing() -> Result<()> {
    let world = MailWorld::new()?;
    let _guichet = world.guichet()?;
    let (_, ack) = world.citizen_writes()?;
    world.dovecot.append("INBOX", fixture("auto-reply.eml")?.as_bytes())?;
    let bounce = filled(
        "bounce.eml.template",
        &[
            ("RECIPIENT", CITIZEN),
            ("SUBJECT", &ack.subject().unwrap_or_default()),
            ("MESSAGE_ID", &header(&ack, "Message-ID")?),
        ],
    )?;
    world.dovecot.append("INBOX", &bounce)?;
    // Mail is taken in order: once the bounce is told to the agents, the auto-reply was read.
    let to_agents = world.mail_to(2, AGENTS)?;
    let note = to_agents[1].text_body().unwrap_or_default();
    ensure!(note.contains("n'a pas pu être remis") && note.contains("User unknown"), "{note}");
    wait_until(WAIT, || Ok((world.dovecot.uids_with_flag("INBOX", "$Guichet")?.len() == 3).then_some(())))?;
    let all = world.smtp.messages()?;
    ensure!(all.len() == 3, "no ticket, no acknowledgment from a robot: {:#?}", subjects(&all));
    Ok(())
}

#[test]
fn a_crash_between_fetching_and_storing_loses_and_duplicates_nothing() -> Result<()> {
    let world = MailWorld::new()?;
    for failpoint in ["imap-after-fetch", "imap-after-deliver"] {
        let mut guichet =
            Guichet::start_with_env(&world.config, world.data.path(), &[("GUICHET_FAILPOINT", failpoint)])?;
        if failpoint == "imap-after-fetch" {
            world.dovecot.append("INBOX", fixture("citizen.eml")?.as_bytes())?;
        } else {
            let second = fixture("citizen.eml")?.replace(CITIZEN_ID, "<second.e2e@mail.example.fr>");
            world.dovecot.append("INBOX", second.as_bytes())?;
        }
        let status = guichet.wait_for_exit(WAIT)?;
        ensure!(!status.success(), "{failpoint}: guichet should have aborted");
        guichet.restart()?;
        // Restarted without the failpoint: the message is taken once, then flagged.
        let want = if failpoint == "imap-after-fetch" { 1 } else { 2 };
        wait_until(WAIT, || Ok((world.dovecot.uids_with_flag("INBOX", "$Guichet")?.len() == want).then_some(())))?;
        guichet.stop()?;
    }
    // Two messages (the second one a follow-up of the same citizen): two agents' emails at most,
    // one acknowledgment; the one delivered before the crash was not filed twice.
    let all = world.smtp.messages()?;
    let new_tickets = all.iter().filter(|m| m.text_body().unwrap_or_default().contains("Nouvelle demande")).count();
    ensure!(new_tickets == 1, "one ticket: {:#?}", subjects(&all));
    let acks = all.iter().filter(|m| m.to().iter().any(|t| t.contains(CITIZEN))).count();
    ensure!(acks == 1, "one acknowledgment: {:#?}", subjects(&all));
    Ok(())
}

#[test]
fn an_smtp_outage_delays_mail_and_loses_none() -> Result<()> {
    let mut world = MailWorld::new()?;
    world.smtp.stop()?;
    let _guichet = world.guichet()?;
    world.dovecot.append("INBOX", fixture("citizen.eml")?.as_bytes())?;
    // Taken in (stored, filed, flagged) while the mail server is down.
    wait_until(WAIT, || Ok((world.dovecot.uids_with_flag("INBOX", "$Guichet")?.len() == 1).then_some(())))?;
    std::thread::sleep(Duration::from_secs(6));
    world.smtp.start_again()?;
    let agents = wait_until(Duration::from_secs(90), || {
        let all = world.smtp.messages()?;
        Ok((all.len() >= 2).then_some(all))
    })?;
    std::thread::sleep(Duration::from_secs(3));
    let all = world.smtp.messages()?;
    ensure!(all.len() == 2 && agents.len() == 2, "each email once: {:#?}", subjects(&all));
    Ok(())
}

fn subjects(mails: &[ReceivedMail]) -> Vec<String> {
    mails.iter().map(|m| format!("{:?} -> {:?}", m.subject(), m.to())).collect()
}
