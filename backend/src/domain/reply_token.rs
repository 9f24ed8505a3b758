//! Reply addresses: `reply+<token>@<reply domain>`, where the token names a ticket and who may
//! write to it, signed with the server's secret so that nobody can forge one for another ticket.
//!
//! The token is `<reference>.<role>.<mac>` in lowercase (some mail servers fold the local
//! part's case): `ve-2026-000123.a.5f0c…`. The role says who the address was given to:
//! the agents (`a`, their replies go to the citizen) or the citizen (`c`, their replies are
//! follow-ups of their own ticket).

use ring::hmac;

/// Hex characters of the MAC kept in the token: 96 bits, far beyond guessing by mail.
const MAC_HEX: usize = 24;

/// Who a reply address was given to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Agents,
    Citizen,
}

impl Role {
    fn letter(self) -> char {
        match self {
            Role::Agents => 'a',
            Role::Citizen => 'c',
        }
    }
}

/// What a valid token says: the ticket's reference (as issued, uppercase) and the role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyTo {
    pub reference: String,
    pub role: Role,
}

/// Why an address is not a usable reply address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the address is not a reply address")]
    NotAReplyAddress,
    #[error("the reply address is malformed")]
    Malformed,
    #[error("the reply address's signature does not match: it was altered or forged")]
    BadSignature,
}

/// Signs and checks tokens with one secret.
#[derive(Clone)]
pub struct Signer {
    secret: Vec<u8>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer(…)")
    }
}

impl Signer {
    pub fn new(secret: &[u8]) -> Signer {
        Signer { secret: secret.to_vec() }
    }

    fn mac(&self, reference: &str, role: Role) -> String {
        let key = hmac::Key::new(hmac::HMAC_SHA256, &self.secret);
        let data = format!("guichet-reply:{}:{}", role.letter(), reference.to_ascii_lowercase());
        let tag = hmac::sign(&key, data.as_bytes());
        let mut hex: String = tag.as_ref().iter().map(|b| format!("{b:02x}")).collect();
        hex.truncate(MAC_HEX);
        hex
    }

    /// The token for a ticket and a role.
    pub fn token(&self, reference: &str, role: Role) -> String {
        format!("{}.{}.{}", reference.to_ascii_lowercase(), role.letter(), self.mac(reference, role))
    }

    /// The full address, `reply+<token>@<domain>`.
    pub fn address(&self, reference: &str, role: Role, domain: &str) -> String {
        format!("reply+{}@{domain}", self.token(reference, role))
    }

    /// Reads an address: `Ok` only for a `reply+` address of `domain` whose token is intact.
    pub fn check_address(&self, address: &str, domain: &str) -> Result<ReplyTo, TokenError> {
        let address = address.trim().trim_start_matches('<').trim_end_matches('>').to_ascii_lowercase();
        let (local, at) = address.rsplit_once('@').ok_or(TokenError::NotAReplyAddress)?;
        let token = local.strip_prefix("reply+").ok_or(TokenError::NotAReplyAddress)?;
        if at != domain.to_ascii_lowercase() {
            return Err(TokenError::NotAReplyAddress);
        }
        self.check(token)
    }

    /// Checks a token, comparing the MAC in constant time.
    pub fn check(&self, token: &str) -> Result<ReplyTo, TokenError> {
        let mut parts = token.rsplitn(3, '.');
        let (Some(mac), Some(role), Some(reference)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(TokenError::Malformed);
        };
        let role = match role {
            "a" => Role::Agents,
            "c" => Role::Citizen,
            _ => return Err(TokenError::Malformed),
        };
        if reference.is_empty() || mac.len() != MAC_HEX {
            return Err(TokenError::Malformed);
        }
        let expected = self.mac(reference, role);
        let same = expected.bytes().zip(mac.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0;
        if !same {
            return Err(TokenError::BadSignature);
        }
        Ok(ReplyTo { reference: reference.to_ascii_uppercase(), role })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer() -> Signer {
        Signer::new(b"a secret of the server, 32 bytes")
    }

    #[test]
    fn an_issued_address_reads_back() {
        let s = signer();
        let address = s.address("VE-2026-000123", Role::Agents, "reponses.ville.fr");
        assert!(address.starts_with("reply+ve-2026-000123.a."), "{address}");
        assert_eq!(
            s.check_address(&address, "reponses.ville.fr"),
            Ok(ReplyTo { reference: "VE-2026-000123".into(), role: Role::Agents })
        );
        // Mail servers may change the case of the local part, and clients add angle brackets.
        let shouted = format!("<{}>", address.to_ascii_uppercase());
        assert_eq!(s.check_address(&shouted, "REPONSES.ville.fr").map(|r| r.role), Ok(Role::Agents));
    }

    #[test]
    fn altered_or_forged_tokens_are_refused() {
        let s = signer();
        let token = s.token("VE-2026-000123", Role::Agents);
        let cases = [
            (token.replace("000123", "000124"), TokenError::BadSignature),
            (token.replace(".a.", ".c."), TokenError::BadSignature),
            (Signer::new(b"another secret").token("VE-2026-000123", Role::Agents), TokenError::BadSignature),
            (format!("{token}0"), TokenError::Malformed),
            ("ve-2026-000123.a".to_owned(), TokenError::Malformed),
            ("ve-2026-000123.x.000000000000000000000000".to_owned(), TokenError::Malformed),
            (".a.000000000000000000000000".to_owned(), TokenError::Malformed),
        ];
        for (token, want) in cases {
            assert_eq!(s.check(&token), Err(want), "{token}");
        }
        let address = s.address("VE-2026-000123", Role::Agents, "ville.fr");
        assert_eq!(s.check_address(&address, "other.fr"), Err(TokenError::NotAReplyAddress));
        assert_eq!(s.check_address("contact@ville.fr", "ville.fr"), Err(TokenError::NotAReplyAddress));
    }

    #[test]
    fn roles_sign_differently() {
        let s = signer();
        assert_ne!(s.token("VE-2026-000001", Role::Agents), s.token("VE-2026-000001", Role::Citizen));
        assert_eq!(s.check(&s.token("VE-2026-000001", Role::Citizen)).map(|r| r.role), Ok(Role::Citizen));
    }
}
