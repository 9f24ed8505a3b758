//! Every text a citizen reads, in one catalogue per language.
//!
//! A language is one file, `wire/i18n/<code>.toml`, with the keys of `fr.toml`: `build.rs`
//! embeds every file it finds there as a [`Catalogue`] and gives it a [`Lang`]. No code
//! names the languages one by one, so adding a file is all a new language takes.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::submission::{Field, Problem};

/// A language Guichet speaks: one of the catalogues. French first: it is the default for
/// anything unknown. On the wire, its code (`"fr"`).
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Lang(u8);

include!(concat!(env!("OUT_DIR"), "/catalogues.rs"));

impl Lang {
    /// Every language there is a catalogue for, French first.
    pub fn all() -> impl Iterator<Item = Lang> {
        (0..CATALOGUES.len() as u8).map(Lang)
    }

    /// The language of an exact code (`fr`, `en`), case aside.
    pub fn from_code(code: &str) -> Option<Lang> {
        Lang::all().find(|l| l.code().eq_ignore_ascii_case(code))
    }

    /// Reads a BCP 47 tag (`fr`, `fr-FR`, `en-GB`…) or an `Accept-Language` value,
    /// taking the first language it knows; French otherwise.
    pub fn from_tag(tag: &str) -> Lang {
        tag.split(',')
            .filter_map(|part| Lang::from_code(part.split(';').next()?.trim().split(['-', '_']).next()?))
            .next()
            .unwrap_or_default()
    }

    pub fn code(self) -> &'static str {
        CODES[usize::from(self.0)]
    }

    /// The codes of every language, for messages that list them: `fr, en`.
    pub fn codes() -> String {
        CODES.join(", ")
    }

    pub fn texts(self) -> &'static Catalogue {
        &CATALOGUES[usize::from(self.0)]
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
            (_, Problem::PhotoType) => t.photo_wrong_type,
            (_, Problem::PhotoTooLarge) => t.photo_too_large,
        }
    }

    /// A size in this language's units, in whole megabytes when it is one, else in kilobytes.
    /// Integers only: formatting floats would weigh kilobytes in the widget.
    pub fn size(self, bytes: u64) -> String {
        const MB: u64 = 1024 * 1024;
        let t = self.texts();
        match bytes % MB {
            0 => fill(t.size_mb, &[("n", &(bytes / MB).to_string())]),
            _ => fill(t.size_kb, &[("n", &bytes.div_ceil(1024).to_string())]),
        }
    }
}

impl fmt::Debug for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for Lang {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

/// Lenient, as [`Lang::from_tag`]: a language this build lacks is read as French, so that
/// a message is never refused for its language.
impl<'de> Deserialize<'de> for Lang {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Lang, D::Error> {
        Ok(Lang::from_tag(&String::deserialize(d)?))
    }
}

/// The words of one language, filled from `i18n/<code>.toml`. Placeholders are written
/// `{name}` and filled by [`fill`].
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
    pub photo_label: &'static str,
    /// `{max}`
    pub photo_hint: &'static str,
    pub photo_remove: &'static str,
    /// `{n}` megabytes.
    pub size_mb: &'static str,
    /// `{n}` kilobytes.
    pub size_kb: &'static str,
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
    /// `{email}`: the acknowledgment's address, and that a reply to it reaches the service.
    pub sent_email: &'static str,
    pub sent_no_email: &'static str,
    /// How long an answer usually takes, when the site's configuration does not say.
    pub sent_delay: &'static str,
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
    pub photo_wrong_type: &'static str,
    /// `{max}`
    pub photo_too_large: &'static str,
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
            ("fr", Lang::FR),
            ("fr-FR", Lang::FR),
            ("en-GB", Lang::EN),
            ("EN", Lang::EN),
            ("de-DE,en;q=0.8,fr;q=0.5", Lang::EN),
            ("de", Lang::FR),
            ("", Lang::FR),
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
            Problem::PhotoType,
            Problem::PhotoTooLarge,
        ];
        for lang in Lang::all() {
            for f in fields {
                for p in problems {
                    assert!(lang.problem(f, p).len() > 5);
                }
            }
        }
    }

    /// Every file of `i18n/` is a language, found by its code, with no code naming it:
    /// a file dropped there is picked up by the build.
    #[test]
    fn every_catalogue_file_is_a_language() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("i18n");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| e.unwrap().file_name().to_str()?.strip_suffix(".toml").map(str::to_owned))
            .collect();
        files.sort();
        let mut codes: Vec<&str> = Lang::all().map(Lang::code).collect();
        assert_eq!(codes[0], "fr", "French is the default");
        codes.sort_unstable();
        assert_eq!(codes, files);
        for lang in Lang::all() {
            assert_eq!(Lang::from_tag(&format!("{}-XX", lang.code())), lang);
            assert_eq!(serde_json::to_string(&lang).unwrap(), format!("\"{}\"", lang.code()));
            let text = format!("{:?}", lang.texts());
            assert!(!text.contains(": \"\""), "an empty text in {}: {text}", lang.code());
        }
    }

    #[test]
    fn sizes_are_written_without_floats() {
        assert_eq!(Lang::FR.size(5 * 1024 * 1024), "5 Mo");
        assert_eq!(Lang::EN.size(1_500_000), "1465 KB");
    }

    #[test]
    fn placeholders_are_filled() {
        assert_eq!(
            fill(Lang::EN.texts().sent_reference, &[("reference", "VE-2026-000001")]),
            "Your reference: VE-2026-000001"
        );
    }
}
