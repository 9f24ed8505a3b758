//! Every text a citizen reads, in one catalogue per language.
//!
//! A language is one file in `i18n/` filling a [`Catalogue`], plus one [`Lang`] variant:
//! the compiler then points at every place that must know about it.

use serde::{Deserialize, Serialize};

use crate::submission::{Field, Problem};

mod en;
mod fr;

/// A language Guichet speaks. French first: it is the default for anything unknown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Fr,
    En,
}

impl Lang {
    /// Reads a BCP 47 tag (`fr`, `fr-FR`, `en-GB`…) or an `Accept-Language` value,
    /// taking the first language it knows; French otherwise.
    pub fn from_tag(tag: &str) -> Lang {
        tag.split(',')
            .filter_map(|part| {
                let primary = part.split(';').next()?.trim().split(['-', '_']).next()?;
                match primary.to_ascii_lowercase().as_str() {
                    "fr" => Some(Lang::Fr),
                    "en" => Some(Lang::En),
                    _ => None,
                }
            })
            .next()
            .unwrap_or_default()
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }

    pub fn texts(self) -> &'static Catalogue {
        match self {
            Lang::Fr => &fr::CATALOGUE,
            Lang::En => &en::CATALOGUE,
        }
    }

    /// The sentence shown beside `field` for `problem`.
    pub fn problem(self, field: Field, problem: Problem) -> &'static str {
        let t = self.texts();
        match (field, problem) {
            (Field::Topic, Problem::Required) => t.topic_required,
            (Field::Message, Problem::Required) => t.message_required,
            (Field::Name, Problem::Required) => t.name_required,
            (Field::IdempotencyKey, _) => t.key_required,
            (_, Problem::Required) => t.field_required,
            (Field::Message, Problem::TooLong) => t.message_too_long,
            (_, Problem::TooLong) => t.field_too_long,
            (_, Problem::InvalidEmail) => t.invalid_email,
            (_, Problem::InvalidPhone) => t.invalid_phone,
            (_, Problem::ContactNeeded) => t.contact_needed,
            (_, Problem::ConsentNeeded) => t.consent_needed,
            (_, Problem::UnknownTopic) => t.unknown_topic,
        }
    }
}

/// The words of one language. Placeholders are written `{name}` and filled by [`fill`].
#[derive(Debug)]
pub struct Catalogue {
    pub launcher: &'static str,
    pub dialog_title: &'static str,
    pub intro: &'static str,
    pub required_hint: &'static str,
    pub required_mark: &'static str,
    pub topic_label: &'static str,
    pub topic_placeholder: &'static str,
    pub message_label: &'static str,
    pub name_label: &'static str,
    pub contact_legend: &'static str,
    pub contact_hint: &'static str,
    pub email_label: &'static str,
    pub phone_label: &'static str,
    pub location_label: &'static str,
    pub consent_label: &'static str,
    pub privacy_link: &'static str,
    pub submit: &'static str,
    pub sending: &'static str,
    pub close: &'static str,
    pub loading: &'static str,
    pub sent_title: &'static str,
    /// `{reference}`
    pub sent_reference: &'static str,
    pub sent_next: &'static str,
    pub sent_again: &'static str,
    pub form_has_errors: &'static str,
    pub network_error: &'static str,
    pub server_error: &'static str,
    pub config_error: &'static str,
    pub retry: &'static str,
    pub queued: &'static str,
    // Field problems.
    pub topic_required: &'static str,
    pub message_required: &'static str,
    pub name_required: &'static str,
    pub key_required: &'static str,
    pub field_required: &'static str,
    pub message_too_long: &'static str,
    pub field_too_long: &'static str,
    pub invalid_email: &'static str,
    pub invalid_phone: &'static str,
    pub contact_needed: &'static str,
    pub consent_needed: &'static str,
    pub unknown_topic: &'static str,
    // Whole-request problems, answered by the backend.
    pub bad_request: &'static str,
    pub unknown_site: &'static str,
    pub forbidden_origin: &'static str,
    pub too_large: &'static str,
    pub invalid_submission: &'static str,
    pub internal_error: &'static str,
    pub not_found: &'static str,
}

/// Replaces each `{key}` of `template` by its value.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = template.to_owned();
    for (key, value) in values {
        out = out.replace(&format!("{{{key}}}"), value);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_are_read_from_tags_and_headers() {
        let cases = [
            ("fr", Lang::Fr),
            ("fr-FR", Lang::Fr),
            ("en-GB", Lang::En),
            ("EN", Lang::En),
            ("de-DE,en;q=0.8,fr;q=0.5", Lang::En),
            ("de", Lang::Fr),
            ("", Lang::Fr),
        ];
        for (tag, lang) in cases {
            assert_eq!(Lang::from_tag(tag), lang, "{tag}");
        }
    }

    #[test]
    fn every_problem_has_words_in_every_language() {
        let fields = [Field::Topic, Field::Message, Field::Name, Field::Email, Field::Phone, Field::Consent];
        let problems = [
            Problem::Required,
            Problem::TooLong,
            Problem::InvalidEmail,
            Problem::InvalidPhone,
            Problem::ContactNeeded,
            Problem::ConsentNeeded,
            Problem::UnknownTopic,
        ];
        for lang in [Lang::Fr, Lang::En] {
            for f in fields {
                for p in problems {
                    assert!(lang.problem(f, p).len() > 5);
                }
            }
        }
    }

    #[test]
    fn placeholders_are_filled() {
        assert_eq!(
            fill(Lang::En.texts().sent_reference, &[("reference", "VE-2026-000001")]),
            "Your reference: VE-2026-000001"
        );
    }
}
