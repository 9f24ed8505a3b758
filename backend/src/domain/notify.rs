//! Notifications: the emails a new ticket causes, composed as plain data.
//!
//! Composing is pure; the outbox stores an [`Email`] in the same transaction as the ticket,
//! and the mail adapter renders and sends it later.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use wire::Lang;

use crate::config::{Service, Site};
use crate::domain::message::{Channel, InboundMessage};
use crate::domain::ticket::{Reference, Ticket};

/// Who an email is for, which decides its wording and whether a reply may go back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmailKind {
    NewTicket,
    FollowUp,
    Acknowledgment,
}

/// An email ready to render. Every email Guichet writes is automatic, so it always says so
/// (`Auto-Submitted: auto-generated`, RFC 3834) and asks robots not to answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email {
    pub kind: EmailKind,
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub message_id: String,
    #[serde(default)]
    pub in_reply_to: Option<String>,
    #[serde(default)]
    pub references: Vec<String>,
    /// Files to attach, by their row in the store's `attachments` (the bytes stay there, not
    /// in the outbox's JSON).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<i64>,
}

/// Everything a new ticket's emails talk about.
#[derive(Debug, Clone, Copy)]
pub struct NewTicket<'a> {
    pub site: &'a Site,
    pub service: &'a Service,
    pub ticket: &'a Ticket,
    pub message: &'a InboundMessage,
    /// The language the citizen wrote in (the page's language).
    pub citizen_lang: Lang,
    /// The incident the new ticket joined, if any.
    pub incident: Option<IncidentNote<'a>>,
    /// The files the message came with (row in the store, name): attached to the agents' email.
    pub files: &'a [(i64, String)],
}

/// An incident as the agents' email tells it.
#[derive(Debug, Clone, Copy)]
pub struct IncidentNote<'a> {
    pub reference: &'a str,
    /// How many tickets (citizens' requests) the incident groups, this one included.
    pub tickets: u64,
}

/// A message filed under an existing ticket.
#[derive(Debug, Clone, Copy)]
pub struct FollowUp<'a> {
    pub site: &'a Site,
    pub service: &'a Service,
    pub ticket: &'a Ticket,
    pub message: &'a InboundMessage,
    /// Why the engine filed it there, in a sentence, so an agent can judge and undo.
    pub why: &'a str,
    /// Tells this email's Message-ID apart from the ticket's others.
    pub unique: i64,
    pub mail_domain: &'a str,
    /// The files the message came with (row in the store, name), attached.
    pub files: &'a [(i64, String)],
}

/// The agents' email for a follow-up: a reply in the ticket's thread, saying on which
/// channel the citizen wrote again and why it was filed there.
pub fn follow_up(f: FollowUp<'_>) -> Email {
    let lang = f.site.language;
    let w = words(lang);
    let m = f.message;
    let reference = f.ticket.reference.as_str();
    let subject = format!("[{reference}] {}: {}", w.follow_up, first_words(&m.body, 8, 60));
    let intro = fill(w.also_received, &[("channel", channel_name(m.channel, lang))]);
    let mut facts: Vec<(&str, String)> = vec![(w.received, format_time(m.received_at)), (w.why, f.why.to_owned())];
    if let Some(subject) = &m.subject {
        facts.push((w.subject, subject.clone()));
    }
    push_files(&mut facts, f.files, w);
    let contact = contact_lines(m, w);

    let mut text = format!("{intro}\n\n{}\n\n", m.body.trim());
    push_fields(&mut text, &facts);
    text.push_str(&format!("\n{}\n{}\n", w.contact, "-".repeat(w.contact.chars().count())));
    push_fields(&mut text, &contact);

    let mut html = html_open(&subject);
    html.push_str(&format!("<p><strong>{}</strong></p>\n{}\n", esc(&intro), html_paragraphs(&m.body)));
    html.push_str(&html_fields(&facts));
    html.push_str(&format!(
        "<h2 style=\"font-size:1.1em\">{}</h2>\n{}</body></html>\n",
        esc(w.contact),
        html_fields(&contact)
    ));

    Email {
        kind: EmailKind::FollowUp,
        to: f.service.agents.clone(),
        subject,
        text,
        html,
        message_id: format!("<msg.{}.{}@{}>", reference.to_ascii_lowercase(), f.unique, f.mail_domain),
        in_reply_to: Some(f.ticket.thread_id.clone()),
        references: vec![f.ticket.thread_id.clone()],
        attachments: f.files.iter().map(|(id, _)| *id).collect(),
    }
}

/// The email to the agents of the ticket's service, in the site's language; its Message-ID
/// is the ticket's thread id, so later emails of the ticket thread under it.
pub fn to_agents(n: NewTicket<'_>) -> Email {
    let lang = n.site.language;
    let w = words(lang);
    let m = n.message;
    let topic = topic_label(n, lang);
    let subject = format!("[{}] {}: {}", n.ticket.reference, topic, first_words(&m.body, 8, 60));

    let mut facts: Vec<(&str, String)> = vec![
        (w.topic, topic.clone()),
        (w.service, n.service.name.clone()),
        (w.site, format!("{} ({})", n.site.name, n.site.id)),
        (w.channel, channel_name(m.channel, lang).to_owned()),
        (w.received, format_time(m.received_at)),
    ];
    if let Some(place) = &m.location {
        facts.push((w.location, place.clone()));
    }
    push_files(&mut facts, n.files, w);
    if let Some(incident) = n.incident {
        let count = incident.tickets.to_string();
        facts.push((w.incident, fill(w.incident_count, &[("reference", incident.reference), ("count", &count)])));
    }
    let contact = contact_lines(m, w);

    let mut text = format!("{} {}\n\n", w.new_ticket, n.ticket.reference);
    push_fields(&mut text, &facts);
    text.push_str(&format!("\n{}\n{}\n{}\n\n", w.message, "-".repeat(w.message.chars().count()), m.body.trim()));
    text.push_str(&format!("{}\n{}\n", w.contact, "-".repeat(w.contact.chars().count())));
    push_fields(&mut text, &contact);

    let mut html = html_open(&subject);
    html.push_str(&format!(
        "<h1 style=\"font-size:1.25em\">{} {}</h1>\n",
        esc(w.new_ticket),
        esc(n.ticket.reference.as_str())
    ));
    html.push_str(&html_fields(&facts));
    html.push_str(&format!("<h2 style=\"font-size:1.1em\">{}</h2>\n{}\n", esc(w.message), html_paragraphs(&m.body)));
    html.push_str(&format!("<h2 style=\"font-size:1.1em\">{}</h2>\n", esc(w.contact)));
    html.push_str(&html_fields(&contact));
    html.push_str("</body></html>\n");

    Email {
        kind: EmailKind::NewTicket,
        to: n.service.agents.clone(),
        subject,
        text,
        html,
        message_id: n.ticket.thread_id.clone(),
        in_reply_to: None,
        references: vec![],
        attachments: n.files.iter().map(|(id, _)| *id).collect(),
    }
}

/// The acknowledgment to the citizen, in their language, when they gave an email address.
/// `unique` tells this acknowledgment's Message-ID apart from any other of the ticket.
pub fn acknowledgment(n: NewTicket<'_>, mail_domain: &str, unique: i64) -> Option<Email> {
    let to = n.message.from.email.clone()?;
    let lang = n.citizen_lang;
    let w = words(lang);
    let reference = n.ticket.reference.as_str();
    let greeting = match &n.message.from.name {
        Some(name) => format!("{} {name},", w.hello),
        None => format!("{},", w.hello),
    };
    let received = fill(w.ack_received, &[("site", &n.site.name), ("reference", reference)]);
    let forwarded = fill(w.ack_forwarded, &[("service", &n.service.name)]);

    let quoted: String = n.message.body.trim().lines().map(|l| format!("> {l}\n")).collect();
    let text = format!("{greeting}\n\n{received}\n\n{forwarded}\n\n{}\n{quoted}\n{}\n", w.your_message, w.automatic);
    let mut html = html_open(w.ack_subject);
    html.push_str(&format!("<p>{}</p>\n<p>{}</p>\n<p>{}</p>\n", esc(&greeting), esc(&received), esc(&forwarded)));
    html.push_str(&format!(
        "<p>{}</p>\n<blockquote style=\"border-left:3px solid #ccc;margin:0;padding-left:1em\">{}</blockquote>\n",
        esc(w.your_message),
        html_paragraphs(&n.message.body)
    ));
    html.push_str(&format!("<p style=\"color:#555\">{}</p>\n</body></html>\n", esc(w.automatic)));

    Some(Email {
        kind: EmailKind::Acknowledgment,
        to: vec![to],
        subject: format!("[{reference}] {}", w.ack_subject),
        text,
        html,
        message_id: format!("<ack.{}.{unique}@{mail_domain}>", reference.to_ascii_lowercase()),
        in_reply_to: None,
        references: vec![],
        attachments: vec![],
    })
}

/// The note in the old ticket's thread when an agent split a message out of it.
pub fn split_notice(
    site: &Site,
    service: &Service,
    old: &Ticket,
    new_reference: &Reference,
    mail_domain: &str,
    unique: i64,
) -> Email {
    let w = words(site.language);
    let reference = old.reference.as_str();
    let text = fill(w.split_done, &[("new", new_reference.as_str())]);
    let subject = format!("[{reference}] {text}");
    let mut html = html_open(&subject);
    html.push_str(&format!("<p>{}</p>\n</body></html>\n", esc(&text)));
    Email {
        kind: EmailKind::FollowUp,
        to: service.agents.clone(),
        subject,
        text: format!("{text}\n"),
        html,
        message_id: format!("<split.{}.{unique}@{mail_domain}>", reference.to_ascii_lowercase()),
        in_reply_to: Some(old.thread_id.clone()),
        references: vec![old.thread_id.clone()],
        attachments: vec![],
    }
}

fn topic_label(n: NewTicket<'_>, lang: Lang) -> String {
    let topic = n.ticket.topic.as_deref().and_then(|t| n.site.topic(t));
    topic.map_or_else(|| words(lang).no_topic.to_owned(), |t| t.label(lang).to_owned())
}

fn contact_lines<'w>(m: &InboundMessage, w: &'w Words) -> Vec<(&'w str, String)> {
    let f = &m.from;
    [(w.name, &f.name), (w.email, &f.email), (w.phone, &f.phone), (w.handle, &f.handle)]
        .into_iter()
        .filter_map(|(label, value)| value.clone().map(|v| (label, v)))
        .collect()
}

/// The first `max_words` words of a text, at most about `max_chars` long, on one line.
pub fn first_words(text: &str, max_words: usize, max_chars: usize) -> String {
    let mut out = String::new();
    let mut all = text.split_whitespace();
    for word in all.by_ref().take(max_words) {
        if !out.is_empty() && out.chars().count() + word.chars().count() + 1 > max_chars {
            out.push('…');
            return out;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    if all.next().is_some() {
        out.push('…');
    }
    out
}

fn format_time(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!("{:04}-{:02}-{:02} {:02}:{:02} UTC", t.year(), u8::from(t.month()), t.day(), t.hour(), t.minute())
}

fn push_fields(out: &mut String, fields: &[(&str, String)]) {
    for (label, value) in fields {
        out.push_str(&format!("{label} : {value}\n"));
    }
}

fn html_open(title: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{}</title></head>\n<body style=\"font-family:Arial,sans-serif;line-height:1.5;color:#161616\">\n",
        esc(title)
    )
}

fn html_fields(fields: &[(&str, String)]) -> String {
    let rows: String = fields
        .iter()
        .map(|(label, value)| {
            format!(
                "<tr><th style=\"text-align:left;padding-right:1em\">{}</th><td>{}</td></tr>\n",
                esc(label),
                esc(value)
            )
        })
        .collect();
    format!("<table>\n{rows}</table>\n")
}

fn html_paragraphs(text: &str) -> String {
    text.trim().split("\n\n").map(|p| format!("<p>{}</p>", esc(p).replace('\n', "<br>"))).collect::<Vec<_>>().join("\n")
}

/// Names the attached files among the facts, so the text says what the attachments are.
fn push_files(facts: &mut Vec<(&str, String)>, files: &[(i64, String)], w: &Words) {
    if !files.is_empty() {
        facts.push((w.attachments, files.iter().map(|(_, name)| name.as_str()).collect::<Vec<_>>().join(", ")));
    }
}

fn esc(s: &str) -> String {
    html_escape::encode_text(s).replace('"', "&quot;")
}

fn fill(template: &str, values: &[(&str, &str)]) -> String {
    wire::i18n::fill(template, values)
}

fn channel_name(channel: Channel, lang: Lang) -> &'static str {
    let fr = lang == Lang::FR;
    match channel {
        Channel::Widget if fr => "formulaire du site",
        Channel::Widget => "website form",
        Channel::Email if fr => "courrier électronique",
        Channel::Email => "email",
        Channel::Messenger => "Messenger",
        Channel::Instagram => "Instagram",
        Channel::Whatsapp => "WhatsApp",
        Channel::X => "X",
        Channel::Phone if fr => "téléphone",
        Channel::Phone => "phone",
        Channel::Desk if fr => "accueil physique",
        Channel::Desk => "front desk",
        Channel::Post if fr => "courrier postal",
        Channel::Post => "post",
    }
}

/// The words of the emails, per language.
struct Words {
    new_ticket: &'static str,
    topic: &'static str,
    no_topic: &'static str,
    service: &'static str,
    site: &'static str,
    channel: &'static str,
    received: &'static str,
    location: &'static str,
    attachments: &'static str,
    message: &'static str,
    contact: &'static str,
    name: &'static str,
    email: &'static str,
    phone: &'static str,
    handle: &'static str,
    hello: &'static str,
    ack_subject: &'static str,
    ack_received: &'static str,
    ack_forwarded: &'static str,
    your_message: &'static str,
    automatic: &'static str,
    follow_up: &'static str,
    /// `{channel}`
    also_received: &'static str,
    why: &'static str,
    subject: &'static str,
    incident: &'static str,
    /// `{reference}`, `{count}`
    incident_count: &'static str,
    /// `{new}`
    split_done: &'static str,
}

/// Emails are written in French or English; another language of the widget gets French.
fn words(lang: Lang) -> &'static Words {
    if lang == Lang::EN { &EN } else { &FR }
}

static FR: Words = Words {
    new_ticket: "Nouvelle demande",
    topic: "Sujet",
    no_topic: "Sans sujet",
    service: "Service",
    site: "Site",
    channel: "Canal",
    received: "Reçue le",
    location: "Lieu",
    attachments: "Pièce jointe",
    message: "Message",
    contact: "Contact",
    name: "Nom",
    email: "Adresse électronique",
    phone: "Téléphone",
    handle: "Compte",
    hello: "Bonjour",
    ack_subject: "Votre demande a bien été reçue",
    ack_received: "{site} a bien reçu votre demande. Sa référence est {reference} : rappelez-la pour tout échange à ce sujet.",
    ack_forwarded: "Elle a été transmise au service concerné ({service}), qui vous répondra.",
    your_message: "Votre message :",
    automatic: "Ce message est envoyé automatiquement.",
    follow_up: "Nouveau message",
    also_received: "Nouveau message de la même personne pour cette demande, reçu via {channel} :",
    why: "Rattaché car",
    subject: "Objet",
    incident: "Incident",
    incident_count: "{reference} : {count} demandes de citoyens différents signalent le même problème",
    split_done: "Un message a été retiré de cette demande : il est suivi dans la demande {new}",
};

static EN: Words = Words {
    new_ticket: "New request",
    topic: "Topic",
    no_topic: "No topic",
    service: "Service",
    site: "Site",
    channel: "Channel",
    received: "Received",
    location: "Place",
    attachments: "Attached",
    message: "Message",
    contact: "Contact",
    name: "Name",
    email: "Email",
    phone: "Phone",
    handle: "Account",
    hello: "Hello",
    ack_subject: "Your request was received",
    ack_received: "{site} received your request. Its reference is {reference}: please quote it whenever you write about it.",
    ack_forwarded: "It was forwarded to the service in charge ({service}), which will answer you.",
    your_message: "Your message:",
    automatic: "This message was sent automatically.",
    follow_up: "New message",
    also_received: "A new message from the same person about this request, received via {channel}:",
    why: "Filed here because",
    subject: "Subject",
    incident: "Incident",
    incident_count: "{reference}: {count} requests from different citizens report the same problem",
    split_done: "A message was taken out of this request: it is followed in request {new}",
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::domain::message::Sender;
    use crate::domain::ticket::{Reference, thread_id};

    fn with_new_ticket(body: &str, email: Option<&str>, check: impl FnOnce(NewTicket<'_>)) {
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../guichet.toml")).unwrap();
        let config = Config::parse(&text, None).unwrap();
        let site = config.site("ville-exemple").unwrap();
        let reference = Reference::new("VE", 2026, 123);
        let ticket = Ticket {
            thread_id: thread_id(&reference, "ville.fr"),
            reference,
            site: site.id.clone(),
            topic: Some("voirie".into()),
            service: "voirie".into(),
            created_at: time::macros::datetime!(2026-03-02 08:14 UTC),
        };
        let message = InboundMessage {
            id: "k-1".into(),
            site: site.id.clone(),
            channel: Channel::Widget,
            received_at: time::macros::datetime!(2026-03-02 08:14 UTC),
            from: Sender {
                name: Some("Claire <Dubois>".into()),
                email: email.map(str::to_owned),
                phone: Some("06 12 34 56 78".into()),
                handle: None,
            },
            topic: Some("voirie".into()),
            subject: None,
            body: body.into(),
            in_reply_to: None,
            location: Some("12 rue des Lilas".into()),
        };
        check(NewTicket {
            site,
            service: site.service("voirie").unwrap(),
            ticket: &ticket,
            message: &message,
            citizen_lang: Lang::EN,
            incident: None,
            files: &[],
        });
    }

    #[test]
    fn agents_get_the_reference_topic_and_first_words_in_the_subject() {
        with_new_ticket("Un nid-de-poule dangereux devant le 12 rue des Lilas, attention aux vélos.", None, |n| {
            let email = to_agents(n);
            assert_eq!(
                email.subject,
                "[VE-2026-000123] Voirie, trottoirs et éclairage: Un nid-de-poule dangereux devant le 12 rue des…"
            );
            assert_eq!(email.message_id, "<ticket.ve-2026-000123@ville.fr>");
            assert_eq!(email.to, vec!["voirie@ville-exemple.localhost".to_owned()]);
            for needle in [
                "Canal : formulaire du site",
                "Lieu : 12 rue des Lilas",
                "Téléphone : 06 12 34 56 78",
                "Site : Ville d'Exemple",
            ] {
                assert!(email.text.contains(needle), "{needle} in {}", email.text);
            }
        });
    }

    #[test]
    fn everything_from_the_citizen_is_escaped_in_html() {
        with_new_ticket("<script>alert('x')</script> & <img src=http://evil/>", Some("a@b.fr"), |n| {
            for email in [to_agents(n), acknowledgment(n, "ville.fr", 1).unwrap()] {
                assert!(!email.html.contains("<script>") && !email.html.contains("<img"), "{}", email.html);
                assert!(email.html.contains("&lt;script&gt;"));
            }
            assert!(to_agents(n).html.contains("Claire &lt;Dubois&gt;"));
        });
    }

    #[test]
    fn the_acknowledgment_speaks_the_citizens_language_and_needs_an_address() {
        with_new_ticket("Bonjour", Some("claire@example.fr"), |n| {
            let ack = acknowledgment(n, "ville.fr", 9).unwrap();
            assert_eq!(ack.subject, "[VE-2026-000123] Your request was received");
            assert!(ack.text.contains("Its reference is VE-2026-000123"));
            assert_eq!(ack.message_id, "<ack.ve-2026-000123.9@ville.fr>");
        });
        with_new_ticket("Bonjour", None, |n| assert_eq!(acknowledgment(n, "ville.fr", 9), None));
    }

    #[test]
    fn first_words_stop_at_words_or_characters() {
        assert_eq!(first_words("un deux trois", 8, 60), "un deux trois");
        assert_eq!(first_words("un deux trois quatre", 2, 60), "un deux…");
        assert_eq!(first_words("abcdefghij klmnopqrst", 8, 12), "abcdefghij…");
        assert_eq!(first_words("  multi\nligne  ", 8, 60), "multi ligne");
    }
}
