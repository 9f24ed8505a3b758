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
    /// An agent's answer, sent to the citizen.
    Reply,
    /// To whoever wrote to a reply address they may not use: why nothing was done.
    Refusal,
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
    /// Where answers go: a signed `reply+…` address naming the ticket.
    #[serde(default)]
    pub reply_to: Option<String>,
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
    /// The incident this message showed the ticket belongs to, if it just joined one.
    pub incident: Option<IncidentNote<'a>>,
    /// Tells this email's Message-ID apart from the ticket's others.
    pub unique: i64,
    pub mail_domain: &'a str,
    /// The files the message came with (row in the store, name), attached.
    pub files: &'a [(i64, String)],
}

fn push_incident(facts: &mut Vec<(&str, String)>, incident: Option<IncidentNote<'_>>, w: &Words) {
    if let Some(incident) = incident {
        let count = incident.tickets.to_string();
        facts.push((w.incident, fill(w.incident_count, &[("reference", incident.reference), ("count", &count)])));
    }
}

/// The agents' email for a follow-up: a reply in the ticket's thread, saying on which
/// channel the citizen wrote again and why it was filed there.
pub fn follow_up(f: FollowUp<'_>) -> Email {
    let lang = f.site.language;
    let w = words(lang);
    let m = f.message;
    let reference = f.ticket.reference.as_str();
    let body = said(m);
    let subject = format!("[{reference}] {}: {}", w.follow_up, first_words(&body, 8, 60));
    let intro = fill(w.also_received, &[("channel", channel_name(m.channel, lang))]);
    let mut facts: Vec<(&str, String)> = vec![(w.received, format_time(m.received_at)), (w.why, f.why.to_owned())];
    if let Some(subject) = &m.subject {
        facts.push((w.subject, subject.clone()));
    }
    push_incident(&mut facts, f.incident, w);
    push_files(&mut facts, f.files, w);
    let contact = contact_lines(m, w);

    let mut text = format!("{intro}\n\n{body}\n\n");
    push_fields(&mut text, &facts);
    text.push_str(&format!("\n{}\n{}\n", w.contact, "-".repeat(w.contact.chars().count())));
    push_fields(&mut text, &contact);

    let mut html = html_open(&subject);
    html.push_str(&format!("<p><strong>{}</strong></p>\n{}\n", esc(&intro), html_paragraphs(&body)));
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
        reply_to: None,
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
    let body = said(m);
    let subject = format!("[{}] {}: {}", n.ticket.reference, topic, first_words(&body, 8, 60));

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
    push_incident(&mut facts, n.incident, w);
    let contact = contact_lines(m, w);

    let mut text = format!("{} {}\n\n", w.new_ticket, n.ticket.reference);
    push_fields(&mut text, &facts);
    text.push_str(&format!("\n{}\n{}\n{body}\n\n", w.message, "-".repeat(w.message.chars().count())));
    text.push_str(&format!("{}\n{}\n", w.contact, "-".repeat(w.contact.chars().count())));
    push_fields(&mut text, &contact);

    let mut html = html_open(&subject);
    html.push_str(&format!(
        "<h1 style=\"font-size:1.25em\">{} {}</h1>\n",
        esc(w.new_ticket),
        esc(n.ticket.reference.as_str())
    ));
    html.push_str(&html_fields(&facts));
    html.push_str(&format!("<h2 style=\"font-size:1.1em\">{}</h2>\n{}\n", esc(w.message), html_paragraphs(&body)));
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
        reply_to: None,
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

    let body = said(n.message);
    let quoted: String = body.lines().map(|l| format!("> {l}\n")).collect();
    let text = format!("{greeting}\n\n{received}\n\n{forwarded}\n\n{}\n{quoted}\n{}\n", w.your_message, w.automatic);
    let mut html = html_open(w.ack_subject);
    html.push_str(&format!("<p>{}</p>\n<p>{}</p>\n<p>{}</p>\n", esc(&greeting), esc(&received), esc(&forwarded)));
    html.push_str(&format!(
        "<p>{}</p>\n<blockquote style=\"border-left:3px solid #ccc;margin:0;padding-left:1em\">{}</blockquote>\n",
        esc(w.your_message),
        html_paragraphs(&body)
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
        reply_to: None,
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
    let text = fill(words(site.language).split_done, &[("new", new_reference.as_str())]);
    thread_note(ThreadNote { site, service, ticket: old, headline: &text, body: None, unique, mail_domain })
}

/// Something that happened to a ticket, told to its agents in its thread.
#[derive(Debug, Clone, Copy)]
pub struct ThreadNote<'a> {
    pub site: &'a Site,
    pub service: &'a Service,
    pub ticket: &'a Ticket,
    /// One sentence: it is also the subject.
    pub headline: &'a str,
    /// Text quoted under the headline (a reply, a note), if any.
    pub body: Option<&'a str>,
    pub unique: i64,
    pub mail_domain: &'a str,
}

/// An email to the ticket's agents, as a reply in its thread.
pub fn thread_note(n: ThreadNote<'_>) -> Email {
    let reference = n.ticket.reference.as_str();
    let subject = format!("[{reference}] {}", first_words(n.headline, 14, 110));
    let mut text = format!("{}\n", n.headline);
    let mut html = html_open(&subject);
    html.push_str(&format!("<p>{}</p>\n", esc(n.headline)));
    if let Some(body) = n.body.filter(|b| !b.trim().is_empty()) {
        text.push_str(&format!("\n{}\n", body.trim()));
        html.push_str(&format!(
            "<blockquote style=\"border-left:3px solid #ccc;margin:0;padding-left:1em\">{}</blockquote>\n",
            html_paragraphs(body)
        ));
    }
    html.push_str("</body></html>\n");
    Email {
        kind: EmailKind::FollowUp,
        to: n.service.agents.clone(),
        subject,
        text,
        html,
        message_id: format!("<note.{}.{}@{}>", reference.to_ascii_lowercase(), n.unique, n.mail_domain),
        in_reply_to: Some(n.ticket.thread_id.clone()),
        references: vec![n.ticket.thread_id.clone()],
        reply_to: None,
        attachments: vec![],
    }
}

/// An agent's answer as the citizen receives it: from Guichet (never from the agent's own
/// address), in the thread of the citizen's own email when they wrote by email.
#[derive(Debug, Clone, Copy)]
pub struct CitizenReply<'a> {
    pub site: &'a Site,
    pub ticket: &'a Ticket,
    pub to: &'a str,
    pub text: &'a str,
    /// The language the citizen wrote in.
    pub lang: Lang,
    /// The citizen's last email and its subject, to answer in its thread.
    pub answers: Option<(&'a str, Option<&'a str>)>,
    pub unique: i64,
    pub mail_domain: &'a str,
}

pub fn citizen_reply(r: CitizenReply<'_>) -> Email {
    let w = words(r.lang);
    let reference = r.ticket.reference.as_str();
    let subject = match r.answers.and_then(|(_, subject)| subject) {
        Some(subject) if subject.contains(reference) => reply_subject(subject),
        Some(subject) => format!("{} [{reference}]", reply_subject(subject)),
        None => format!("[{reference}] {} {}", w.reply_subject, r.site.name),
    };
    let footer = fill(w.reply_footer, &[("reference", reference)]);
    let text = format!("{}\n\n-- \n{footer}\n", r.text.trim());
    let mut html = html_open(&subject);
    html.push_str(&format!(
        "{}\n<p style=\"color:#555;border-top:1px solid #ddd;padding-top:.5em\">{}</p>\n</body></html>\n",
        html_paragraphs(r.text),
        esc(&footer)
    ));
    let parent = r.answers.map(|(id, _)| id.to_owned());
    Email {
        kind: EmailKind::Reply,
        to: vec![r.to.to_owned()],
        subject,
        text,
        html,
        message_id: format!("<reply.{}.{}@{}>", reference.to_ascii_lowercase(), r.unique, r.mail_domain),
        references: parent.iter().cloned().collect(),
        in_reply_to: parent,
        reply_to: None,
        attachments: vec![],
    }
}

fn reply_subject(subject: &str) -> String {
    let lower = subject.trim_start().to_lowercase();
    if ["re:", "re :", "tr:", "aw:"].iter().any(|p| lower.starts_with(p)) {
        subject.trim().to_owned()
    } else {
        format!("Re: {}", subject.trim())
    }
}

/// Why a message to a reply address was not acted upon, told to its sender.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused<'a> {
    /// The token was altered, forged, or names no ticket.
    BadAddress,
    /// The sender is not an agent of the ticket's service.
    NotAnAgent { reference: &'a str, service: &'a str },
}

pub fn refusal(
    site_lang: Lang,
    to: &str,
    original_subject: Option<&str>,
    why: Refused<'_>,
    unique: i64,
    mail_domain: &str,
) -> Email {
    let w = words(site_lang);
    let reason = match why {
        Refused::BadAddress => w.refused_bad_address.to_owned(),
        Refused::NotAnAgent { reference, service } => {
            fill(w.refused_not_agent, &[("reference", reference), ("service", service)])
        }
    };
    let subject = match original_subject {
        Some(s) => format!("{} : {}", w.refused_subject, s.trim()),
        None => w.refused_subject.to_owned(),
    };
    let mut html = html_open(&subject);
    html.push_str(&format!(
        "<p>{}</p>\n<p style=\"color:#555\">{}</p>\n</body></html>\n",
        esc(&reason),
        esc(w.automatic)
    ));
    Email {
        kind: EmailKind::Refusal,
        to: vec![to.to_owned()],
        subject,
        text: format!("{reason}\n\n{}\n", w.automatic),
        html,
        message_id: format!("<refused.{unique}@{mail_domain}>"),
        in_reply_to: None,
        references: vec![],
        reply_to: None,
        attachments: vec![],
    }
}

/// The sentences agents read in a ticket's thread after acting on it by email.
pub fn agents_words(lang: Lang) -> AgentsWords {
    let w = words(lang);
    AgentsWords {
        note: w.note_added,
        replied: w.reply_sent,
        closed: w.closed,
        assigned: w.assigned,
        unknown_command: w.unknown_command,
        unknown_service: w.unknown_service,
        nothing_to_split: w.nothing_to_split,
        undeliverable: w.undeliverable,
        no_address: w.no_address,
        bounced: w.bounced,
        media_received: w.media_received,
        media_failed: w.media_failed,
    }
}

/// Templates (with `{…}` holes filled by [`wire::i18n::fill`]) for agents' thread notes.
#[derive(Debug, Clone, Copy)]
pub struct AgentsWords {
    /// `{agent}`
    pub note: &'static str,
    /// `{agent}`, `{to}`, `{channel}`
    pub replied: &'static str,
    /// `{agent}`
    pub closed: &'static str,
    /// `{agent}`, `{service}`
    pub assigned: &'static str,
    /// `{command}`
    pub unknown_command: &'static str,
    /// `{service}`, `{services}`
    pub unknown_service: &'static str,
    pub nothing_to_split: &'static str,
    /// `{why}`
    pub undeliverable: &'static str,
    /// `{channel}`
    pub no_address: &'static str,
    /// `{subject}`, `{to}`, `{why}`
    pub bounced: &'static str,
    /// `{channel}`, `{name}`
    pub media_received: &'static str,
    /// `{channel}`, `{media}`, `{why}`
    pub media_failed: &'static str,
}

/// A channel's name as agents read it.
pub fn channel_label(channel: Channel, lang: Lang) -> &'static str {
    channel_name(channel, lang)
}

/// What the citizen said this time: an email's quoted history and signature are left out,
/// as the agents have them in the thread already.
fn said(m: &InboundMessage) -> String {
    match m.channel {
        Channel::Email => crate::domain::quotes::new_words(&m.body),
        _ => m.body.trim().to_owned(),
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
    reply_subject: &'static str,
    /// `{reference}`
    reply_footer: &'static str,
    refused_subject: &'static str,
    refused_bad_address: &'static str,
    /// `{reference}`, `{service}`
    refused_not_agent: &'static str,
    note_added: &'static str,
    reply_sent: &'static str,
    closed: &'static str,
    assigned: &'static str,
    unknown_command: &'static str,
    unknown_service: &'static str,
    nothing_to_split: &'static str,
    undeliverable: &'static str,
    no_address: &'static str,
    bounced: &'static str,
    media_received: &'static str,
    media_failed: &'static str,
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
    ack_forwarded: "Elle a été transmise au service concerné ({service}), qui vous répondra. Pour la compléter, répondez simplement à ce message.",
    your_message: "Votre message :",
    automatic: "Ce message est envoyé automatiquement.",
    follow_up: "Nouveau message",
    also_received: "Nouveau message de la même personne pour cette demande, reçu via {channel} :",
    why: "Rattaché car",
    subject: "Objet",
    incident: "Incident",
    incident_count: "{reference} : {count} demandes de citoyens différents signalent le même problème",
    split_done: "Un message a été retiré de cette demande : il est suivi dans la demande {new}",
    reply_subject: "Réponse à votre demande auprès de",
    reply_footer: "Référence de votre demande : {reference}. Pour la compléter, répondez simplement à ce message.",
    refused_subject: "Message non pris en compte",
    refused_bad_address: "L'adresse à laquelle vous avez écrit n'est pas une adresse de réponse valide (elle a été modifiée ou ne correspond à aucune demande). Votre message n'a été transmis à personne.",
    refused_not_agent: "Seuls les agents du service {service} peuvent répondre à la demande {reference} par courrier électronique. Votre message n'a pas été transmis au citoyen.",
    note_added: "Note interne de {agent} (non envoyée au citoyen) :",
    reply_sent: "Réponse de {agent} envoyée au citoyen ({to}) par {channel} :",
    closed: "Demande close par {agent}.",
    assigned: "Demande transférée au service {service} par {agent}.",
    unknown_command: "Commande non comprise : {command}. Commandes possibles : #note, #clore, #assigner <service>, #séparer.",
    unknown_service: "Service inconnu : {service}. Services de ce site : {services}.",
    nothing_to_split: "Rien à séparer : aucun message n'a été rattaché à cette demande.",
    undeliverable: "La réponse n'a pas pu être transmise au citoyen : {why}",
    no_address: "le citoyen a écrit via {channel} sans donner d'adresse électronique, et Guichet ne peut pas encore lui répondre par ce canal.",
    bounced: "Le courrier « {subject} » envoyé à {to} n'a pas pu être remis : {why}",
    media_received: "Pièce jointe reçue via {channel} : {name}",
    media_failed: "La pièce jointe {media} envoyée via {channel} n'a pas pu être récupérée : {why}",
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
    ack_forwarded: "It was forwarded to the service in charge ({service}), which will answer you. To add to it, simply reply to this message.",
    your_message: "Your message:",
    automatic: "This message was sent automatically.",
    follow_up: "New message",
    also_received: "A new message from the same person about this request, received via {channel}:",
    why: "Filed here because",
    subject: "Subject",
    incident: "Incident",
    incident_count: "{reference}: {count} requests from different citizens report the same problem",
    split_done: "A message was taken out of this request: it is followed in request {new}",
    reply_subject: "Answer to your request to",
    reply_footer: "Your request's reference: {reference}. To add to it, simply reply to this message.",
    refused_subject: "Message not taken into account",
    refused_bad_address: "The address you wrote to is not a valid reply address (it was altered or names no request). Your message was passed on to nobody.",
    refused_not_agent: "Only the agents of the {service} service may answer request {reference} by email. Your message was not passed on to the citizen.",
    note_added: "Internal note from {agent} (not sent to the citizen):",
    reply_sent: "Answer from {agent} sent to the citizen ({to}) by {channel}:",
    closed: "Request closed by {agent}.",
    assigned: "Request handed to the {service} service by {agent}.",
    unknown_command: "Command not understood: {command}. Commands: #note, #close, #assign <service>, #split.",
    unknown_service: "No service {service}. This site's services: {services}.",
    nothing_to_split: "Nothing to split: no message was merged into this request.",
    undeliverable: "The answer could not be passed on to the citizen: {why}",
    no_address: "the citizen wrote via {channel} without giving an email address, and Guichet cannot answer on that channel yet.",
    bounced: "The email \u{201c}{subject}\u{201d} sent to {to} could not be delivered: {why}",
    media_received: "Attachment received via {channel}: {name}",
    media_failed: "The attachment {media} sent via {channel} could not be fetched: {why}",
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
