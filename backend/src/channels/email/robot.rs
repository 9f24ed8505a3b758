//! Mail no one should answer: auto-replies, lists, loops and bounces (RFC 3834, RFC 3464 and
//! the older shapes mail servers still send), and what a bounce says about the failed delivery.

use std::fmt;

use mail_parser::{Message, MessagePart, MimeHeaders, PartType};
use serde::Serialize;

use super::{header_values, unfold};
use crate::domain::quotes::fold;

/// Why a message was written by a robot, not a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Robot {
    /// `Auto-Submitted` with anything but `no` (its value).
    AutoSubmitted(String),
    /// `X-Autoreply`, `X-Autorespond` or `X-Auto-Response-Suppress` (the header's name).
    AutoReplyHeader(String),
    /// `Precedence: bulk | list | junk | auto_reply` (the value).
    Precedence(String),
    /// `X-Loop`.
    Loop,
    /// `List-Id` or `List-Unsubscribe`.
    MailingList,
    /// A subject such as "Réponse automatique" or "Out of Office".
    OutOfOffice,
    /// A delivery status report: a bounce, or a warning that delivery is delayed.
    Bounce,
}

impl fmt::Display for Robot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Robot::AutoSubmitted(v) => write!(f, "Auto-Submitted: {v}"),
            Robot::AutoReplyHeader(h) => write!(f, "{h} header"),
            Robot::Precedence(v) => write!(f, "Precedence: {v}"),
            Robot::Loop => f.write_str("X-Loop header"),
            Robot::MailingList => f.write_str("mailing list (List-Id or List-Unsubscribe)"),
            Robot::OutOfOffice => f.write_str("out-of-office subject"),
            Robot::Bounce => f.write_str("delivery status report"),
        }
    }
}

/// What a delivery failure report says: enough to mark the original delivery failed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Bounce {
    /// The Message-ID of the mail that failed, with angle brackets.
    pub original_message_id: Option<String>,
    /// The address the mail could not reach (`Final-Recipient`).
    pub recipient: Option<String>,
    /// The enhanced status code, e.g. `5.1.1`.
    pub status: Option<String>,
    /// The remote server's words, e.g. `smtp; 550 5.1.1 User unknown`.
    pub diagnostic: Option<String>,
}

/// Why `message` comes from a robot, if it does. `report` is whether it is a delivery report
/// ([`delivery_report`]).
pub(super) fn robot(message: &Message<'_>, report: bool, subject: Option<&str>) -> Option<Robot> {
    if report {
        return Some(Robot::Bounce);
    }
    let first = |name| header_values(message, name).next();
    if let Some(v) = first("Auto-Submitted").filter(|v| !v.eq_ignore_ascii_case("no")) {
        return Some(Robot::AutoSubmitted(v));
    }
    for name in ["X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress"] {
        if first(name).is_some() {
            return Some(Robot::AutoReplyHeader(name.to_owned()));
        }
    }
    if let Some(v) =
        first("Precedence").filter(|v| ["bulk", "list", "junk", "auto_reply"].iter().any(|p| v.eq_ignore_ascii_case(p)))
    {
        return Some(Robot::Precedence(v.to_ascii_lowercase()));
    }
    if first("X-Loop").is_some() {
        return Some(Robot::Loop);
    }
    if first("List-Id").is_some() || first("List-Unsubscribe").is_some() {
        return Some(Robot::MailingList);
    }
    subject.filter(|s| is_out_of_office(s)).map(|_| Robot::OutOfOffice)
}

/// An out-of-office subject: "Réponse automatique : …", "Out of Office: …". A person answering
/// one writes "Re: Réponse automatique …": a reply's subject is no robot's.
fn is_out_of_office(subject: &str) -> bool {
    let s = fold(subject).replace('-', " ");
    let reply = ["re:", "re :", "tr:", "tr :", "fw:", "fwd:", "aw:"].iter().any(|p| s.trim_start().starts_with(p));
    !reply
        && [
            "reponse automatique",
            "absence du bureau",
            "absent du bureau",
            "absente du bureau",
            "message d'absence",
            "notification d'absence",
            "out of office",
            "out of the office",
            "automatic reply",
            "auto reply",
            "autoreply",
            "auto response",
        ]
        .iter()
        .any(|p| s.contains(p))
}

/// A delivery report: `Some(Some(bounce))` when it says a delivery failed, `Some(None)` when it
/// only warns of a delay, `None` when `message` is no delivery report. Reports are DSNs (RFC
/// 3464, `multipart/report; report-type=delivery-status`) or classic MAILER-DAEMON texts.
pub(super) fn delivery_report(
    message: &Message<'_>,
    from: Option<&str>,
    subject: Option<&str>,
    text: &str,
) -> Option<Option<Bounce>> {
    let report = message.content_type().is_some_and(|ct| {
        ct.ctype().eq_ignore_ascii_case("multipart")
            && ct.subtype().is_some_and(|s| s.eq_ignore_ascii_case("report"))
            && ct.attribute("report-type").is_some_and(|r| r.eq_ignore_ascii_case("delivery-status"))
    });
    let status_part = message.parts.iter().find(|p| is_type(p, "message", "delivery-status"));
    if report || status_part.is_some() {
        let status = status_part.map(|p| String::from_utf8_lossy(p.contents()).into_owned());
        let (mut b, failed) = status.as_deref().map_or((Bounce::default(), true), delivery_status);
        // The returned message's id; or one the status or the report's text name.
        b.original_message_id = returned_message_id(message)
            .or_else(|| status.as_deref().and_then(copied_message_id))
            .or_else(|| copied_message_id(text));
        return Some(failed.then_some(b));
    }
    let daemon = from.is_some_and(|f| {
        let local = f.split('@').next().unwrap_or("").to_ascii_lowercase();
        matches!(local.as_str(), "mailer-daemon" | "postmaster" | "mail-daemon")
    });
    let null_sender = header_values(message, "Return-Path").next().is_some_and(|r| r.trim() == "<>");
    if !(daemon || null_sender && subject.is_some_and(bounce_subject)) {
        return None;
    }
    let subject = fold(subject.unwrap_or(""));
    let delayed = ["delayed", "delay", "warning:", "retarde", "differe"].iter().any(|w| subject.contains(w));
    Some((!delayed).then(|| classic(text, message)))
}

fn is_type(part: &MessagePart<'_>, ctype: &str, subtype: &str) -> bool {
    part.content_type().is_some_and(|ct| {
        ct.ctype().eq_ignore_ascii_case(ctype) && ct.subtype().is_some_and(|s| s.eq_ignore_ascii_case(subtype))
    })
}

fn bounce_subject(subject: &str) -> bool {
    let s = fold(subject);
    [
        "undelivered mail",
        "undeliverable",
        "delivery status notification",
        "returned mail",
        "mail delivery failed",
        "delivery failure",
        "failure notice",
        "non remis",
        "echec de la remise",
        "message non delivre",
        "erreur de distribution",
    ]
    .iter()
    .any(|p| s.contains(p))
}

/// The per-recipient fields of a `message/delivery-status` body: the first failed recipient's,
/// or the first recipient's when none says `Action: failed`; and whether a delivery failed
/// (a report whose recipients say no action is taken as one).
fn delivery_status(body: &str) -> (Bounce, bool) {
    let mut groups: Vec<Vec<(String, String)>> = Vec::new();
    let mut current: Vec<(String, String)> = Vec::new();
    for line in body.lines() {
        if line.trim().is_empty() {
            if !current.is_empty() {
                groups.push(std::mem::take(&mut current));
            }
        } else if line.starts_with([' ', '\t']) {
            if let Some((_, v)) = current.last_mut() {
                v.push(' ');
                v.push_str(line.trim());
            }
        } else if let Some((name, value)) = line.split_once(':') {
            current.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
    }
    if !current.is_empty() {
        groups.push(current);
    }
    let field = |g: &[(String, String)], name: &str| g.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
    let recipients: Vec<&Vec<(String, String)>> = groups
        .iter()
        .filter(|g| field(g, "final-recipient").or_else(|| field(g, "original-recipient")).is_some())
        .collect();
    let failed = recipients.iter().find(|g| field(g, "action").is_some_and(|a| a.eq_ignore_ascii_case("failed")));
    let no_action = recipients.iter().all(|g| field(g, "action").is_none());
    let Some(group) = failed.or(recipients.first()) else {
        return (Bounce::default(), true);
    };
    let typed = |v: String| match v.split_once(';') {
        Some((_, addr)) => addr.trim().to_owned(),
        None => v.trim().to_owned(),
    };
    let bounce = Bounce {
        original_message_id: None,
        recipient: field(group, "final-recipient")
            .or_else(|| field(group, "original-recipient"))
            .map(typed)
            .map(|a| a.trim_matches(['<', '>']).to_ascii_lowercase()),
        status: field(group, "status").map(|s| s.split_whitespace().next().unwrap_or("").to_owned()),
        diagnostic: field(group, "diagnostic-code").map(|d| unfold(&d)),
    };
    (bounce, failed.is_some() || no_action)
}

/// The Message-ID of the message a report returns, whole (`message/rfc822`) or headers only
/// (`text/rfc822-headers`).
fn returned_message_id(message: &Message<'_>) -> Option<String> {
    message.parts.iter().find_map(|p| match &p.body {
        PartType::Message(m) => m.message_id().map(|id| format!("<{id}>")),
        _ if is_type(p, "text", "rfc822-headers") => copied_message_id(&String::from_utf8_lossy(p.contents())),
        _ => None,
    })
}

/// A `Message-ID:` header line in a text that copies a message's headers (or an
/// `X-Original-Message-ID:` line some servers add to their status).
fn copied_message_id(text: &str) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    lines.iter().enumerate().find_map(|(i, line)| {
        let (name, value) = line.trim_start().split_once(':')?;
        let name = name.trim().to_ascii_lowercase();
        if !matches!(name.as_str(), "message-id" | "original-message-id" | "x-original-message-id") {
            return None;
        }
        // The id may be folded onto the next line.
        let value = if value.trim().is_empty() { lines.get(i + 1).copied().unwrap_or("") } else { value };
        let start = value.find('<')?;
        let end = value[start..].find('>')? + start;
        Some(value[start..=end].to_owned())
    })
}

/// A bounce in prose (qmail, Exim, old Postfix, Exchange's text): the first address it names
/// as failed, the first enhanced status code, the line holding the remote server's answer.
fn classic(text: &str, message: &Message<'_>) -> Bounce {
    // The copy of the original message, when there is one, follows a marker line.
    let report_end = text
        .lines()
        .scan(0, |pos, l| {
            let start = *pos;
            *pos += l.len() + 1;
            Some((start, l))
        })
        .find(|(_, l)| {
            let f = fold(l);
            f.contains("copy of the message")
                || f.contains("copy of your message")
                || f.contains("original message")
                || f.contains("message d'origine")
                || f.contains("copie du message")
        })
        .map_or(text.len(), |(start, _)| start);
    let report = text.get(..report_end).unwrap_or(text);
    let lines: Vec<&str> = report.lines().collect();
    let at = lines.iter().position(|l| failed_address(l).is_some());
    let recipient = at.and_then(|i| failed_address(lines[i]));
    let status = report
        .split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .map(|w| w.trim_matches('.'))
        .find(|w| is_status(w))
        .map(str::to_owned);
    // The line with the remote server's reply code, or else (qmail) the words under the address.
    let diagnostic = lines
        .iter()
        .map(|l| l.trim())
        .find(|l| {
            l.split(|c: char| !c.is_ascii_digit()).any(|w| w.len() == 3 && (w.starts_with('4') || w.starts_with('5')))
                && l.chars().any(char::is_alphabetic)
        })
        .or_else(|| at.and_then(|i| lines[i + 1..].iter().map(|l| l.trim()).find(|l| !l.is_empty())))
        .map(str::to_owned);
    Bounce {
        original_message_id: returned_message_id(message)
            .or_else(|| copied_message_id(text.get(report_end..).unwrap_or(""))),
        recipient,
        status,
        diagnostic,
    }
}

/// `<claire@example.fr>:` (qmail) or a line holding nothing but an address (Exim).
fn failed_address(line: &str) -> Option<String> {
    let t = line.trim().trim_end_matches(':').trim_matches(['<', '>']);
    (t.contains('@') && !t.contains(char::is_whitespace) && t.len() <= 254).then(|| t.to_ascii_lowercase())
}

/// An enhanced status code: `5.1.1`, `4.2.2`, `5.7.1`.
fn is_status(w: &str) -> bool {
    let parts: Vec<&str> = w.split('.').collect();
    parts.len() == 3
        && matches!(parts[0], "2" | "4" | "5")
        && (1..=3).contains(&parts[1].len())
        && (1..=3).contains(&parts[2].len())
        && parts[1..].iter().all(|p| p.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivery_status_takes_the_failed_recipient() {
        let body = "Reporting-MTA: dns; mx.ville.example\n\nFinal-Recipient: rfc822; ok@example.fr\nAction: delivered\nStatus: 2.0.0\n\nFinal-Recipient: rfc822; <Claire@Example.fr>\nAction: failed\nStatus: 5.1.1 (bad mailbox)\nDiagnostic-Code: smtp; 550 5.1.1\n  User unknown\n";
        let (b, failed) = delivery_status(body);
        assert!(failed);
        assert_eq!(b.recipient.as_deref(), Some("claire@example.fr"));
        assert_eq!(b.status.as_deref(), Some("5.1.1"));
        assert_eq!(b.diagnostic.as_deref(), Some("smtp; 550 5.1.1 User unknown"));
    }

    #[test]
    fn a_delay_is_no_failure() {
        let body = "Reporting-MTA: dns; mx\n\nFinal-Recipient: rfc822; a@b.fr\nAction: delayed\nStatus: 4.4.7\n";
        let (b, failed) = delivery_status(body);
        assert!(!failed);
        assert_eq!(b.status.as_deref(), Some("4.4.7"));
    }

    #[test]
    fn statuses_and_addresses_are_recognised() {
        assert!(is_status("5.1.1") && is_status("4.4.7") && !is_status("1.2.3") && !is_status("5.1"));
        assert!(!is_status("192.0.2"));
        assert_eq!(failed_address("<a@b.fr>:").as_deref(), Some("a@b.fr"));
        assert_eq!(failed_address("mail to a@b.fr failed"), None);
        assert_eq!(copied_message_id("X: y\nMessage-ID:\n <id@x>\n").as_deref(), Some("<id@x>"));
        assert_eq!(copied_message_id("X-Original-Message-ID: <o@x>").as_deref(), Some("<o@x>"));
        assert_eq!(copied_message_id("Message-ID: none"), None);
    }

    #[test]
    fn out_of_office_subjects() {
        for s in ["Réponse automatique : Lampadaire", "Absence du bureau", "Automatic reply: Re: x", "Out-of-Office"] {
            assert!(is_out_of_office(s), "{s}");
        }
        assert!(!is_out_of_office("Re: lampadaire rue Pasteur"));
        assert!(!is_out_of_office("RE: Réponse automatique : Lampadaire"));
    }
}
