//! What the widget sends, and the rules both sides check it against.

use serde::{Deserialize, Serialize};

use crate::i18n::Lang;
use crate::photo::Photo;

/// Longest message accepted, in characters: a long letter, not a document.
pub const MESSAGE_MAX: usize = 5000;
/// Longest name, location or topic id, in characters.
pub const SHORT_MAX: usize = 200;
/// RFC 5321's limit on an address's length.
pub const EMAIL_MAX: usize = 254;

/// `POST /api/v1/sites/{site}/messages`. Blank strings count as absent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submission {
    /// Chosen by the widget once per draft, so that every retry of the same draft is harmless.
    pub idempotency_key: String,
    #[serde(default)]
    pub topic: String,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub location: String,
    #[serde(default)]
    pub consent: bool,
    /// The page's language: the acknowledgment is written in it.
    #[serde(default)]
    pub lang: Lang,
    /// One optional photo, checked by [`crate::photo::check`] against the site's limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photo: Option<Photo>,
}

impl Submission {
    /// The text of `field`, for forms that edit fields by name; `None` for non-text fields.
    pub fn text_mut(&mut self, field: Field) -> Option<&mut String> {
        match field {
            Field::Topic => Some(&mut self.topic),
            Field::Message => Some(&mut self.message),
            Field::Name => Some(&mut self.name),
            Field::Email => Some(&mut self.email),
            Field::Phone => Some(&mut self.phone),
            Field::Location => Some(&mut self.location),
            Field::Consent | Field::IdempotencyKey | Field::Photo => None,
        }
    }
}

/// A field of the form, as named in errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    IdempotencyKey,
    Topic,
    Message,
    Name,
    Email,
    Phone,
    Location,
    Consent,
    Photo,
}

/// What is wrong with a field; the words come from [`crate::i18n`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Problem {
    Required,
    TooLong,
    InvalidEmail,
    InvalidPhone,
    /// Neither an email nor a phone: nobody could answer.
    ContactNeeded,
    ConsentNeeded,
    UnknownTopic,
    /// Not a JPEG, PNG or WebP image (by its bytes, whatever its name says).
    PhotoType,
    PhotoTooLarge,
}

/// Checks everything that does not need the site's settings, in the form's order.
/// `topics` is the list of the site's topic ids.
pub fn validate(s: &Submission, topics: &[&str]) -> Vec<(Field, Problem)> {
    let mut problems = Vec::new();
    let key = s.idempotency_key.trim();
    if key.is_empty() || key.len() > 100 {
        problems.push((Field::IdempotencyKey, Problem::Required));
    }
    let topic = s.topic.trim();
    if topic.is_empty() {
        problems.push((Field::Topic, Problem::Required));
    } else if !topics.contains(&topic) {
        problems.push((Field::Topic, Problem::UnknownTopic));
    }
    check_text(&mut problems, Field::Message, &s.message, MESSAGE_MAX, true);
    check_text(&mut problems, Field::Name, &s.name, SHORT_MAX, true);
    let email = s.email.trim();
    let phone = s.phone.trim();
    if email.is_empty() && phone.is_empty() {
        problems.push((Field::Email, Problem::ContactNeeded));
    }
    if !email.is_empty() && !is_email(email) {
        problems.push((Field::Email, Problem::InvalidEmail));
    }
    if !phone.is_empty() && !is_phone(phone) {
        problems.push((Field::Phone, Problem::InvalidPhone));
    }
    check_text(&mut problems, Field::Location, &s.location, SHORT_MAX, false);
    if !s.consent {
        problems.push((Field::Consent, Problem::ConsentNeeded));
    }
    problems
}

fn check_text(out: &mut Vec<(Field, Problem)>, field: Field, text: &str, max: usize, required: bool) {
    let text = text.trim();
    if required && text.is_empty() {
        out.push((field, Problem::Required));
    } else if text.chars().count() > max {
        out.push((field, Problem::TooLong));
    }
}

/// Deliberately permissive: one `@`, something before it, a dotted domain after it, no spaces.
/// Whether the address exists is only known when mail bounces.
pub fn is_email(s: &str) -> bool {
    if s.len() > EMAIL_MAX || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains("..")
        }
        None => false,
    }
}

/// A phone as people type it: digits with spaces, dots, dashes or brackets, maybe a leading `+`;
/// 8 to 15 digits (E.164's limit), so that both `06 12 34 56 78` and `+33 6 12 34 56 78` pass.
pub fn is_phone(s: &str) -> bool {
    let rest = s.strip_prefix('+').unwrap_or(s);
    let mut digits = 0;
    for c in rest.chars() {
        match c {
            '0'..='9' => digits += 1,
            ' ' | '.' | '-' | '(' | ')' | '\u{a0}' => {}
            _ => return false,
        }
    }
    (8..=15).contains(&digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> Submission {
        Submission {
            idempotency_key: "k-1".into(),
            topic: "voirie".into(),
            message: "Un nid-de-poule devant le 12 rue des Lilas.".into(),
            name: "Claire Dubois".into(),
            email: "claire.dubois@example.fr".into(),
            phone: String::new(),
            location: String::new(),
            consent: true,
            lang: Lang::FR,
            photo: None,
        }
    }

    fn problems(s: &Submission) -> Vec<(Field, Problem)> {
        validate(s, &["voirie", "etat-civil"])
    }

    #[test]
    fn a_complete_submission_passes() {
        assert_eq!(problems(&valid()), vec![]);
    }

    #[test]
    fn each_rule_names_its_field() {
        type Case = (fn(&mut Submission), (Field, Problem));
        let cases: Vec<Case> = vec![
            (|s| s.topic.clear(), (Field::Topic, Problem::Required)),
            (|s| s.topic = "piscine".into(), (Field::Topic, Problem::UnknownTopic)),
            (|s| s.message = "   ".into(), (Field::Message, Problem::Required)),
            (|s| s.message = "a".repeat(MESSAGE_MAX + 1), (Field::Message, Problem::TooLong)),
            (|s| s.name.clear(), (Field::Name, Problem::Required)),
            (|s| s.email.clear(), (Field::Email, Problem::ContactNeeded)),
            (|s| s.email = "claire@".into(), (Field::Email, Problem::InvalidEmail)),
            (|s| s.phone = "06 12 34".into(), (Field::Phone, Problem::InvalidPhone)),
            (|s| s.phone = "06 12 34 56 7x".into(), (Field::Phone, Problem::InvalidPhone)),
            (|s| s.location = "x".repeat(SHORT_MAX + 1), (Field::Location, Problem::TooLong)),
            (|s| s.consent = false, (Field::Consent, Problem::ConsentNeeded)),
            (|s| s.idempotency_key.clear(), (Field::IdempotencyKey, Problem::Required)),
        ];
        for (change, expected) in cases {
            let mut s = valid();
            change(&mut s);
            assert_eq!(problems(&s), vec![expected], "{s:?}");
        }
    }

    #[test]
    fn a_phone_alone_is_enough_contact() {
        let mut s = valid();
        s.email.clear();
        for phone in ["06 12 34 56 78", "0612345678", "+33 6 12 34 56 78", "06.12.34.56.78", "+44 20 7946 0958"] {
            s.phone = phone.into();
            assert_eq!(problems(&s), vec![], "{phone}");
        }
    }

    #[test]
    fn emails_people_really_have_pass() {
        for ok in ["a@b.fr", "jean-pierre.o'neil+mairie@sous.domaine.gouv.fr", "ÉLODIE@exemple.fr"] {
            assert!(is_email(ok), "{ok}");
        }
        for bad in ["", "a", "a@b", "@b.fr", "a@.fr", "a@b.", "a b@c.fr", "a@b@c.fr", "a@b..fr"] {
            assert!(!is_email(bad), "{bad}");
        }
    }

    #[test]
    fn fields_are_named_in_snake_case_on_the_wire() {
        let json = serde_json::to_string(&(Field::IdempotencyKey, Problem::ContactNeeded)).unwrap();
        assert_eq!(json, r#"["idempotency_key","contact_needed"]"#);
    }
}
