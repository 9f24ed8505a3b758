//! The social networks' rules for an agent's reply: whether it may go out now, with which
//! tag, and in how many parts; when it may not, a reason the agent can read.
//!
//! The numbers are the networks' documented ones: Messenger and Instagram answer within 24
//! hours of the person's last message, or 7 days with the `HUMAN_AGENT` tag where the Page
//! was granted it; WhatsApp within 24 hours, after which only approved templates may be sent;
//! X direct messages have no such window. Text limits: Messenger 2,000 characters, Instagram
//! 1,000 bytes of UTF-8, WhatsApp 4,096 characters, X 10,000 characters.

use time::{Duration, OffsetDateTime};
use wire::Lang;

use crate::domain::message::Channel;

/// How long after the citizen's last message a reply may go out freely.
pub const STANDARD_WINDOW: Duration = Duration::hours(24);
/// How long with Messenger's and Instagram's `HUMAN_AGENT` tag.
pub const HUMAN_AGENT_WINDOW: Duration = Duration::days(7);
/// A reply needing more messages than this is refused: a wall of messages helps no one.
pub const MAX_PARTS: usize = 5;

/// What a network's length limit counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Chars,
    Bytes,
}

/// The longest text one message may carry on `channel`; `None` for channels that are not
/// social networks.
pub fn length_limit(channel: Channel) -> Option<(usize, Unit)> {
    match channel {
        Channel::Messenger => Some((2000, Unit::Chars)),
        Channel::Instagram => Some((1000, Unit::Bytes)),
        Channel::Whatsapp => Some((4096, Unit::Chars)),
        Channel::X => Some((10_000, Unit::Chars)),
        _ => None,
    }
}

/// How a reply goes out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyPlan {
    /// Each within the network's limit, in order.
    pub parts: Vec<String>,
    /// Sent with `messaging_type: MESSAGE_TAG` and `tag: HUMAN_AGENT` (Messenger, Instagram).
    pub human_agent_tag: bool,
}

/// A reply the network would refuse, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", reason.explain(Lang::EN))]
pub struct Blocked {
    pub reason: BlockReason,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlockReason {
    /// Replies through this channel are not the networks' (widget, email...).
    NotSocial(Channel),
    Empty,
    /// Messenger or Instagram: the window (24 hours, or 7 days with the tag) has closed.
    WindowClosed {
        channel: Channel,
        since: Duration,
        human_agent_tag: bool,
    },
    /// WhatsApp after 24 hours: only an approved template may be sent, and Guichet sends none.
    TemplateNeeded {
        since: Duration,
    },
    TooLong {
        channel: Channel,
        parts: usize,
    },
}

/// Decides how the reply `text` to a citizen whose last message on `channel` came at
/// `last_inbound` may go out at `now`; `human_agent_tag` is whether the site may use the tag.
pub fn plan_reply(
    channel: Channel,
    last_inbound: OffsetDateTime,
    now: OffsetDateTime,
    human_agent_tag: bool,
    text: &str,
) -> Result<ReplyPlan, Blocked> {
    let block = |reason| Err(Blocked { reason });
    let Some((limit, unit)) = length_limit(channel) else { return block(BlockReason::NotSocial(channel)) };
    if text.trim().is_empty() {
        return block(BlockReason::Empty);
    }
    // A clock a little behind the network's is not a reason to refuse.
    let since = (now - last_inbound).max(Duration::ZERO);
    let tagged = match channel {
        Channel::Messenger | Channel::Instagram if since <= STANDARD_WINDOW => false,
        Channel::Messenger | Channel::Instagram if human_agent_tag && since <= HUMAN_AGENT_WINDOW => true,
        Channel::Messenger | Channel::Instagram => {
            return block(BlockReason::WindowClosed { channel, since, human_agent_tag });
        }
        Channel::Whatsapp if since > STANDARD_WINDOW => return block(BlockReason::TemplateNeeded { since }),
        _ => false,
    };
    let parts = split(text, limit, unit);
    if parts.len() > MAX_PARTS {
        return block(BlockReason::TooLong { channel, parts: parts.len() });
    }
    Ok(ReplyPlan { parts, human_agent_tag: tagged })
}

/// Cuts `text` into parts of at most `limit` (in `unit`), preferring to cut between
/// paragraphs, then lines, then sentences, then words, so that each part reads on its own.
pub fn split(text: &str, limit: usize, unit: Unit) -> Vec<String> {
    let mut parts = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        let window = prefix_within(rest, limit, unit);
        if window == rest.len() {
            parts.push(rest.to_owned());
            break;
        }
        let cut = best_cut(rest, window).unwrap_or(window);
        parts.push(rest[..cut].trim_end().to_owned());
        rest = rest[cut..].trim_start();
    }
    parts
}

/// The byte length of the longest prefix of `s` within `limit`, on a character boundary
/// (and at least one character, so that splitting always advances).
fn prefix_within(s: &str, limit: usize, unit: Unit) -> usize {
    let end = match unit {
        Unit::Chars => s.char_indices().nth(limit).map_or(s.len(), |(i, _)| i),
        Unit::Bytes => (0..=limit.min(s.len())).rev().find(|&i| s.is_char_boundary(i)).unwrap_or(0),
    };
    if end == 0 { s.chars().next().map_or(0, char::len_utf8) } else { end }
}

/// Where to cut `rest` within its first `window` bytes: the last boundary of the best kind
/// that keeps the part at least half full; failing that, the last boundary of any kind.
fn best_cut(rest: &str, window: usize) -> Option<usize> {
    let head = &rest[..window];
    let after = |i: usize| rest[i..].chars().next();
    let sentence_end = |i: usize, c: char| {
        matches!(c, '.' | '!' | '?' | '…' | ';') && after(i + c.len_utf8()).is_some_and(char::is_whitespace)
    };
    let kinds: [Vec<usize>; 4] = [
        head.match_indices("\n\n").map(|(i, _)| i).collect(),
        head.match_indices('\n').map(|(i, _)| i).collect(),
        head.char_indices().filter(|&(i, c)| sentence_end(i, c)).map(|(i, c)| i + c.len_utf8()).collect(),
        head.char_indices().filter(|(_, c)| c.is_whitespace()).map(|(i, _)| i).collect(),
    ];
    let usable = |cuts: &Vec<usize>| cuts.iter().copied().filter(|&i| i > 0 && i <= window).max();
    kinds
        .iter()
        .find_map(|cuts| usable(cuts).filter(|&i| i >= window / 2))
        .or_else(|| kinds.iter().filter_map(usable).max())
}

fn network(channel: Channel) -> &'static str {
    match channel {
        Channel::Messenger => "Messenger",
        Channel::Instagram => "Instagram",
        Channel::Whatsapp => "WhatsApp",
        Channel::X => "X",
        other => other.as_str(),
    }
}

/// "30 heures", "3 days": hours up to two days, then days.
fn ago(since: Duration, lang: Lang) -> String {
    let hours = since.whole_hours();
    match (lang, hours < 48) {
        (Lang::FR, true) => format!("{hours} heures"),
        (Lang::FR, false) => format!("{} jours", since.whole_days()),
        (_, true) => format!("{hours} hours"),
        (_, false) => format!("{} days", since.whole_days()),
    }
}

impl BlockReason {
    /// What the agent reads in the email telling them their reply was not sent.
    pub fn explain(&self, lang: Lang) -> String {
        let fr = lang == Lang::FR;
        match self {
            BlockReason::NotSocial(channel) if fr => {
                format!("Réponse non envoyée : le canal « {} » n’est pas un réseau social.", channel.as_str())
            }
            BlockReason::NotSocial(channel) => {
                format!("Reply not sent: the channel “{}” is not a social network.", channel.as_str())
            }
            BlockReason::Empty if fr => "Réponse non envoyée : elle est vide.".to_owned(),
            BlockReason::Empty => "Reply not sent: it is empty.".to_owned(),
            BlockReason::WindowClosed { channel, since, human_agent_tag } => {
                let (name, ago) = (network(*channel), ago(*since, lang));
                let tag_note = match (*human_agent_tag, *since <= HUMAN_AGENT_WINDOW, fr) {
                    (true, _, true) => " Même avec le tag HUMAN_AGENT, le délai est de 7 jours.",
                    (true, _, false) => " Even with the HUMAN_AGENT tag, the limit is 7 days.",
                    (false, true, true) => {
                        " Le tag HUMAN_AGENT, qui porte ce délai à 7 jours, n’est pas activé pour ce site \
                         (meta.human_agent_tag)."
                    }
                    (false, true, false) => {
                        " The HUMAN_AGENT tag, which extends the limit to 7 days, is not enabled for this site \
                         (meta.human_agent_tag)."
                    }
                    (false, false, _) => "",
                };
                if fr {
                    format!(
                        "Réponse non envoyée : {name} n’autorise une réponse que dans les 24 heures qui suivent \
                         le dernier message de la personne, et le sien date de {ago}.{tag_note} Contactez-la \
                         autrement (téléphone, courriel) ou attendez qu’elle écrive de nouveau."
                    )
                } else {
                    format!(
                        "Reply not sent: {name} only allows a reply within 24 hours of the person's last \
                         message, and theirs was {ago} ago.{tag_note} Contact them another way (phone, email) \
                         or wait until they write again."
                    )
                }
            }
            BlockReason::TemplateNeeded { since } if fr => format!(
                "Réponse non envoyée : WhatsApp n’autorise une réponse libre que dans les 24 heures qui \
                 suivent le dernier message de la personne, et le sien date de {}. Au-delà, seul un modèle \
                 de message approuvé par Meta peut être envoyé, ce que Guichet ne fait pas. Contactez-la \
                 autrement (téléphone, courriel) ou attendez qu’elle écrive de nouveau.",
                ago(*since, lang)
            ),
            BlockReason::TemplateNeeded { since } => format!(
                "Reply not sent: WhatsApp only allows a free-form reply within 24 hours of the person's \
                 last message, and theirs was {} ago. After that only a message template approved by Meta \
                 may be sent, which Guichet does not do. Contact them another way (phone, email) or wait \
                 until they write again.",
                ago(*since, lang)
            ),
            BlockReason::TooLong { channel, parts } => {
                let (name, (limit, unit)) = (network(*channel), length_limit(*channel).unwrap_or((0, Unit::Chars)));
                let unit = match (unit, fr) {
                    (Unit::Chars, true) => "caractères",
                    (Unit::Bytes, true) => "octets",
                    (Unit::Chars, false) => "characters",
                    (Unit::Bytes, false) => "bytes",
                };
                if fr {
                    format!(
                        "Réponse non envoyée : trop longue pour {name}, elle ferait {parts} messages de \
                         {limit} {unit} au plus, et Guichet n’en envoie pas plus de {MAX_PARTS}. Raccourcissez-la."
                    )
                } else {
                    format!(
                        "Reply not sent: too long for {name}, it would take {parts} messages of at most \
                         {limit} {unit}, and Guichet sends no more than {MAX_PARTS}. Please shorten it."
                    )
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    const NOW: OffsetDateTime = datetime!(2026-03-10 12:00 UTC);

    #[derive(Debug, PartialEq)]
    enum Want {
        Send { tagged: bool },
        WindowClosed,
        Template,
        NotSocial,
    }

    #[test]
    fn the_window_depends_on_the_network_and_the_tag() {
        use Channel::*;
        let cases = [
            // channel, hours since the citizen's last message, tag enabled, verdict
            (Messenger, 1, false, Want::Send { tagged: false }),
            (Messenger, 24, false, Want::Send { tagged: false }),
            (Messenger, 25, false, Want::WindowClosed),
            (Messenger, 25, true, Want::Send { tagged: true }),
            (Messenger, 7 * 24, true, Want::Send { tagged: true }),
            (Messenger, 7 * 24 + 1, true, Want::WindowClosed),
            (Instagram, 23, true, Want::Send { tagged: false }),
            (Instagram, 100, true, Want::Send { tagged: true }),
            (Instagram, 100, false, Want::WindowClosed),
            (Whatsapp, 24, false, Want::Send { tagged: false }),
            (Whatsapp, 25, true, Want::Template),
            (X, 24 * 30, false, Want::Send { tagged: false }),
            (Email, 1, false, Want::NotSocial),
            (Widget, 1, false, Want::NotSocial),
            // A clock behind the network's: the message seems to come from the future.
            (Whatsapp, -2, false, Want::Send { tagged: false }),
        ];
        for (channel, hours, tag, want) in cases {
            let got = match plan_reply(channel, NOW - Duration::hours(hours), NOW, tag, "Bonjour") {
                Ok(plan) => {
                    assert_eq!(plan.parts, ["Bonjour"]);
                    Want::Send { tagged: plan.human_agent_tag }
                }
                Err(Blocked { reason: BlockReason::WindowClosed { .. } }) => Want::WindowClosed,
                Err(Blocked { reason: BlockReason::TemplateNeeded { .. } }) => Want::Template,
                Err(Blocked { reason: BlockReason::NotSocial(_) }) => Want::NotSocial,
                Err(other) => panic!("{channel:?} {hours}h: {other:?}"),
            };
            assert_eq!(got, want, "{channel:?}, {hours} hours, tag {tag}");
        }
    }

    #[test]
    fn the_agent_reads_why_in_french_and_english() {
        let blocked = |channel, hours, tag| {
            plan_reply(channel, NOW - Duration::hours(hours), NOW, tag, "Bonjour").unwrap_err().reason
        };
        let cases = [
            (
                blocked(Channel::Messenger, 30, false),
                "Messenger n’autorise une réponse que dans les 24 heures qui suivent le dernier message de la personne, et le sien date de 30 heures. Le tag HUMAN_AGENT",
                "Messenger only allows a reply within 24 hours of the person's last message, and theirs was 30 hours ago. The HUMAN_AGENT tag",
            ),
            (
                blocked(Channel::Instagram, 9 * 24, true),
                "le sien date de 9 jours. Même avec le tag HUMAN_AGENT, le délai est de 7 jours.",
                "theirs was 9 days ago. Even with the HUMAN_AGENT tag, the limit is 7 days.",
            ),
            (blocked(Channel::Messenger, 9 * 24, false), "date de 9 jours. Contactez-la", "9 days ago. Contact them"),
            (
                blocked(Channel::Whatsapp, 50, false),
                "seul un modèle de message approuvé par Meta peut être envoyé, ce que Guichet ne fait pas",
                "only a message template approved by Meta may be sent, which Guichet does not do",
            ),
        ];
        for (reason, fr, en) in cases {
            assert!(reason.explain(Lang::FR).contains(fr), "{}", reason.explain(Lang::FR));
            assert!(reason.explain(Lang::EN).contains(en), "{}", reason.explain(Lang::EN));
        }
        let empty = plan_reply(Channel::X, NOW, NOW, false, " \n ").unwrap_err();
        assert_eq!(empty.to_string(), "Reply not sent: it is empty.");
    }

    #[test]
    fn long_replies_are_cut_between_paragraphs_then_sentences_then_words() {
        let cases: [(&str, usize, Unit, &[&str]); 7] = [
            ("Court.", 10, Unit::Chars, &["Court."]),
            (
                "Premier paragraphe.\n\nSecond paragraphe.",
                30,
                Unit::Chars,
                &["Premier paragraphe.", "Second paragraphe."],
            ),
            // The paragraph break is too early to be worth it: a sentence end is better.
            (
                "Oui.\n\nUne phrase. Et une autre phrase.",
                30,
                Unit::Chars,
                &["Oui.\n\nUne phrase.", "Et une autre phrase."],
            ),
            ("Une phrase. Une autre phrase ici.", 20, Unit::Chars, &["Une phrase.", "Une autre phrase", "ici."]),
            ("mot mot mot mot", 9, Unit::Chars, &["mot mot", "mot mot"]),
            ("aaaaaaaaaaaa", 5, Unit::Chars, &["aaaaa", "aaaaa", "aa"]),
            // Bytes: a character is never cut in the middle.
            ("ééééé", 3, Unit::Bytes, &["é", "é", "é", "é", "é"]),
        ];
        for (text, limit, unit, want) in cases {
            let parts = split(text, limit, unit);
            assert_eq!(parts, want, "{text:?} in {limit} {unit:?}");
            for part in &parts {
                let size = if unit == Unit::Chars { part.chars().count() } else { part.len() };
                assert!(size <= limit, "{part:?}");
            }
        }
    }

    #[test]
    fn each_network_has_its_limit_and_too_many_parts_are_refused() {
        let sentence = "Nous avons bien reçu votre signalement et une équipe passera demain. ";
        let text = sentence.repeat(80); // about 5,500 characters
        let parts = |channel| plan_reply(channel, NOW, NOW, false, &text).map(|p| p.parts.len());
        assert_eq!(parts(Channel::X), Ok(1));
        assert_eq!(parts(Channel::Whatsapp), Ok(2));
        assert_eq!(parts(Channel::Messenger), Ok(3));
        let too_long = plan_reply(Channel::Instagram, NOW, NOW, false, &text).unwrap_err();
        assert!(matches!(too_long.reason, BlockReason::TooLong { parts: 5.., .. }), "{too_long:?}");
        assert!(too_long.reason.explain(Lang::FR).contains("messages de 1000 octets au plus"));
        let plan = plan_reply(Channel::Messenger, NOW, NOW, false, &text).unwrap();
        assert!(plan.parts.iter().all(|p| p.chars().count() <= 2000 && p.ends_with("demain.")));
    }
}
