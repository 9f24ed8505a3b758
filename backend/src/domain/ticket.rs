//! Tickets: one request of one citizen, and the reference they are known by.

use std::fmt;

use time::OffsetDateTime;

/// `VE-2026-000123`: the site's prefix, the year, and a number counted per site and year.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Reference(String);

impl Reference {
    pub fn new(prefix: &str, year: i32, number: u64) -> Reference {
        Reference(format!("{prefix}-{year}-{number:06}"))
    }

    /// Trusts its input: for references read back from the store.
    pub fn from_stored(s: String) -> Reference {
        Reference(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A ticket as the notifications need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    pub reference: Reference,
    pub site: String,
    pub topic: Option<String>,
    pub service: String,
    /// The Message-ID of the first email to agents: every later email of the ticket replies to it.
    pub thread_id: String,
    pub created_at: OffsetDateTime,
}

/// The Message-ID that roots a ticket's thread in agents' mailboxes. Derived from the
/// reference alone, so that it is the same whoever computes it and whenever.
pub fn thread_id(reference: &Reference, mail_domain: &str) -> String {
    format!("<ticket.{}@{mail_domain}>", reference.as_str().to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_count_with_six_digits() {
        assert_eq!(Reference::new("VE", 2026, 123).as_str(), "VE-2026-000123");
        assert_eq!(Reference::new("UNIV", 2027, 1_234_567).as_str(), "UNIV-2027-1234567");
    }

    #[test]
    fn a_thread_id_is_a_message_id_stable_for_the_ticket() {
        let r = Reference::new("VE", 2026, 7);
        assert_eq!(thread_id(&r, "ville.fr"), "<ticket.ve-2026-000007@ville.fr>");
    }
}
