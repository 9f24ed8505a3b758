//! Who wrote: normalised identities (email, E.164 phone, social handle), the registry that
//! links them into citizens, and the weak cue of a compatible name.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::text::{Token, fold, is_chatter, is_stopword};
use crate::domain::message::Sender;

/// One way to reach a citizen, normalised so that equal means the same mailbox, line or account.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "lowercase")]
pub enum Identity {
    Email(String),
    /// E.164, e.g. `+33612345678`.
    Phone(String),
    /// `<channel>:<id>`, e.g. `messenger:2783641`.
    Handle(String),
}

impl std::fmt::Display for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Identity::Email(e) => write!(f, "email:{e}"),
            Identity::Phone(p) => write!(f, "phone:{p}"),
            Identity::Handle(h) => f.write_str(h),
        }
    }
}

/// The identities a sender's fields name, normalised and without duplicates.
///
/// A WhatsApp handle is a phone number (Meta's `wa_id` has the country code and no `+`), so it
/// also yields that phone: this is how a WhatsApp message finds a phone given on the widget.
pub fn identities(from: &Sender) -> Vec<Identity> {
    let mut out = Vec::new();
    if let Some(e) = from.email.as_deref().and_then(normalise_email) {
        out.push(Identity::Email(e));
    }
    if let Some(p) = from.phone.as_deref().and_then(normalise_phone) {
        out.push(Identity::Phone(p));
    }
    if let Some(h) = from.handle.as_deref().and_then(normalise_handle) {
        if let Some(number) = h.strip_prefix("whatsapp:")
            && let Some(p) = normalise_phone(&format!("+{}", number.trim_start_matches('+')))
        {
            out.push(Identity::Phone(p));
        }
        out.push(Identity::Handle(h));
    }
    out.sort();
    out.dedup();
    out
}

/// Phones the writer signs with: a line of the last few of their own words (before any quoted
/// history) that is mostly a number ("06 54 21 09 77", "Tél. : 06…"). Only a signature: a number
/// inside a sentence may be anyone's (a neighbour, a plumber, the council's hotline), and a
/// number many citizens quote must not make them one citizen.
pub(crate) fn signed_phones(body: &str) -> Vec<Identity> {
    let own: Vec<&str> = body
        .lines()
        .take_while(|l| {
            let t = fold(l.trim());
            !(t.starts_with('>')
                || t.starts_with("-----")
                || t.starts_with("de :")
                || t.starts_with("from:")
                || t.contains("a ecrit")
                || t.ends_with("wrote:"))
        })
        .filter(|l| !l.trim().is_empty())
        .collect();
    let mut out = Vec::new();
    for line in own.iter().rev().take(3) {
        let digits = line.chars().filter(char::is_ascii_digit).count();
        let letters = line.chars().filter(|c| c.is_alphabetic()).count();
        if (10..=15).contains(&digits)
            && letters <= 8
            && let Some(p) = normalise_phone(line.trim_start_matches(|c: char| !c.is_ascii_digit() && c != '+'))
            // A number read as a phone (French, or written with its country code), not a
            // SIRET or a file number.
            && p.starts_with('+')
        {
            out.push(Identity::Phone(p));
        }
    }
    out
}

fn normalise_email(raw: &str) -> Option<String> {
    let e = raw.trim().trim_start_matches("mailto:").trim_matches(|c| c == '<' || c == '>').to_lowercase();
    let (local, domain) = e.split_once('@')?;
    (!local.is_empty() && domain.contains('.') && !e.contains(char::is_whitespace)).then_some(e)
}

/// French numbers by default: `06 12 34 56 78`, `0612345678`, `+33 6 12…`, `0033 6…`,
/// `+33 (0)6…` are all `+33612345678`. Other international numbers keep their country code.
pub(crate) fn normalise_phone(raw: &str) -> Option<String> {
    let raw = raw.trim().replace("(0)", "");
    let plus = raw.starts_with('+');
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    let e164 = if plus {
        digits
    } else if let Some(rest) = digits.strip_prefix("00") {
        rest.to_owned()
    } else if digits.len() == 10 && digits.starts_with('0') {
        format!("33{}", &digits[1..])
    } else if digits.len() == 9 && !digits.starts_with('0') {
        format!("33{digits}")
    } else if digits.len() == 11 && digits.starts_with("33") {
        digits
    } else {
        return (digits.len() >= 6).then_some(digits);
    };
    // A French number written with its trunk zero after the country code: +33 06…
    let e164 = match e164.strip_prefix("330") {
        Some(rest) if rest.len() == 9 => format!("33{rest}"),
        _ => e164,
    };
    (8..=15).contains(&e164.len()).then(|| format!("+{e164}"))
}

fn normalise_handle(raw: &str) -> Option<String> {
    let (channel, id) = raw.trim().split_once(':')?;
    let (channel, id) = (channel.trim().to_lowercase(), id.trim());
    (!channel.is_empty() && !id.is_empty()).then(|| format!("{channel}:{id}"))
}

const NONE: u32 = u32::MAX;

/// Citizens: identities linked when they appear in one message or when an agent links them.
/// A union-find per site (identities are hashed with their site, so sites never meet), kept in
/// flat vectors: about 40 bytes per identity, no allocation per identity.
#[derive(Default)]
pub(crate) struct Registry {
    /// Hash of (site, identity) → node. 64 bits: a collision among millions is negligible.
    nodes: HashMap<u64, u32, super::text::KeyHasher>,
    parent: Vec<u32>,
    size: Vec<u32>,
    /// Members of a citizen form a ring through `next`, so a union splices two rings.
    next: Vec<u32>,
    phone: Vec<bool>,
    /// Head of each node's chain of tickets in `chain`.
    head: Vec<u32>,
    /// (ticket slot, next link).
    chain: Vec<(u32, u32)>,
}

fn identity_key(site: u32, identity: &Identity) -> u64 {
    let (kind, value): (&[u8], &str) = match identity {
        Identity::Email(e) => (b"e", e),
        Identity::Phone(p) => (b"p", p),
        Identity::Handle(h) => (b"h", h),
    };
    super::text::hash_str(&[b"i", &site.to_le_bytes(), kind, value.as_bytes()])
}

impl Registry {
    pub(crate) fn get(&self, site: u32, identity: &Identity) -> Option<u32> {
        self.nodes.get(&identity_key(site, identity)).copied()
    }

    pub(crate) fn intern(&mut self, site: u32, identity: &Identity) -> u32 {
        if let Some(n) = self.get(site, identity) {
            return n;
        }
        let n = self.parent.len() as u32;
        self.nodes.insert(identity_key(site, identity), n);
        self.parent.push(n);
        self.size.push(1);
        self.next.push(n);
        self.phone.push(matches!(identity, Identity::Phone(_)));
        self.head.push(NONE);
        n
    }

    pub(crate) fn root(&self, mut n: u32) -> u32 {
        while self.parent[n as usize] != n {
            n = self.parent[n as usize];
        }
        n
    }

    pub(crate) fn union(&mut self, a: u32, b: u32) {
        let (ra, rb) = (self.root(a), self.root(b));
        if ra == rb {
            return;
        }
        // Smaller under larger keeps paths short without compression (reads stay `&self`).
        let (big, small) = if self.size[ra as usize] >= self.size[rb as usize] { (ra, rb) } else { (rb, ra) };
        self.parent[small as usize] = big;
        self.size[big as usize] += self.size[small as usize];
        self.next.swap(big as usize, small as usize);
    }

    /// Every node of the citizen `n` belongs to.
    pub(crate) fn citizen(&self, n: u32) -> Vec<u32> {
        let mut out = vec![n];
        let mut at = self.next[n as usize];
        while at != n {
            out.push(at);
            at = self.next[at as usize];
        }
        out
    }

    pub(crate) fn is_phone(&self, n: u32) -> bool {
        self.phone[n as usize]
    }

    /// Tickets where `n` appeared, newest first. After a split a ticket may still be listed
    /// here; callers check the ticket's own nodes.
    pub(crate) fn tickets_of(&self, n: u32) -> impl Iterator<Item = u32> + '_ {
        let mut at = self.head[n as usize];
        std::iter::from_fn(move || {
            if at == NONE {
                return None;
            }
            let (slot, next) = self.chain[at as usize];
            at = next;
            Some(slot)
        })
    }

    pub(crate) fn add_ticket(&mut self, n: u32, slot: u32) {
        if self.tickets_of(n).any(|s| s == slot) {
            return;
        }
        let link = self.chain.len() as u32;
        self.chain.push((slot, self.head[n as usize]));
        self.head[n as usize] = link;
    }

    pub(crate) fn bytes(&self) -> usize {
        super::table_bytes(&self.nodes)
            + self.parent.capacity() * 4
            + self.size.capacity() * 4
            + self.next.capacity() * 4
            + self.phone.capacity()
            + self.head.capacity() * 4
            + self.chain.capacity() * 8
    }
}

/// A person's name as comparable tokens: folded, civilities dropped, initials kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Name {
    pub(crate) tokens: Vec<String>,
    /// A username rather than a name ("elodie.bzh", "chloe_mrtn"): its extra parts are
    /// nicknames, not a second surname, so they never contradict a real name.
    pub(crate) loose: bool,
    /// A civility before one word ("Mme Ferhat"): that word is a surname.
    pub(crate) surname: bool,
}

const CIVILITIES: &[&str] = &[
    "m",
    "mr",
    "mme",
    "mlle",
    "madame",
    "monsieur",
    "mademoiselle",
    "mrs",
    "ms",
    "miss",
    "dr",
    "docteur",
    "pr",
    "me",
    "famille",
    "family",
];

impl Name {
    /// From the sender's name, or failing that the local part of their email
    /// (`karim.benali@…` names Karim Benali as well as a form would).
    pub(crate) fn of(from: &Sender) -> Option<Name> {
        let from_name = from.name.as_deref().and_then(Name::parse);
        from_name.or_else(|| {
            let local = from.email.as_deref()?.split('@').next()?;
            let n = Name::parse(&local.replace(['.', '_', '-'], " "))?;
            // `jdupont` or `contact` say nothing reliable about a person.
            (n.tokens.len() >= 2).then_some(n)
        })
    }

    pub(crate) fn parse(raw: &str) -> Option<Name> {
        // "M. Morel (Alphatech Solutions)": what is in brackets is not the person's name.
        let unbracketed: String = {
            let mut depth = 0u32;
            raw.chars()
                .filter(|&c| {
                    match c {
                        '(' => depth += 1,
                        ')' => depth = depth.saturating_sub(1),
                        _ => return depth == 0,
                    }
                    false
                })
                .collect()
        };
        let raw = unbracketed.trim();
        let loose = !raw.contains(char::is_whitespace)
            && (raw.contains(['.', '_']) || raw.chars().any(|c| c.is_ascii_digit()) || raw.starts_with('@'));
        let mut tokens: Vec<String> = Vec::new();
        let words: Vec<&str> = raw.split(|c: char| !c.is_alphanumeric()).filter(|t| !t.is_empty()).collect();
        for (i, &word) in words.iter().enumerate() {
            if word.chars().all(|c| c.is_ascii_digit()) {
                continue;
            }
            // "Lina DS": capitals without a vowel after the given name are initials (Dos Santos);
            // so are two or three capitals ending the name ("Mehdi AS" for Aït-Saïd).
            let capitals = (2..=3).contains(&word.len()) && word.chars().all(|c| c.is_ascii_uppercase());
            let initials =
                i > 0 && capitals && (i + 1 == words.len() || !word.contains(['A', 'E', 'I', 'O', 'U', 'Y']));
            if initials {
                tokens.extend(word.chars().map(|c| c.to_ascii_lowercase().to_string()));
            } else {
                tokens.extend(
                    fold(word).split(|c: char| !c.is_alphanumeric()).filter(|t| !t.is_empty()).map(str::to_owned),
                );
            }
        }
        // "M. Lefèvre", "Mme Josiane Picard": a civility leads; "Sophie M" ends with an initial.
        let mut titled = false;
        while tokens.len() > 1 && CIVILITIES.contains(&tokens[0].as_str()) {
            tokens.remove(0);
            titled = true;
        }
        tokens.truncate(MAX_TOKENS);
        let surname = titled && tokens.len() == 1 && !loose;
        (!tokens.is_empty()).then_some(Name { tokens, loose, surname })
    }

    /// A name the writer gives in the text: "c'est Jean-Baptiste", "je m'appelle Inès Roy",
    /// "this is Tom Baker", "c'est encore Dédé, André Gaborit" (the full name after a nickname),
    /// or a full name closing a message ("… le 10 mai ? Damien Chollet, Les Ouches").
    /// Capitalised words right after the phrase, up to three.
    pub(crate) fn stated(tokens: &[Token]) -> Option<Name> {
        const LEADS: &[&[&str]] = &[
            &["c", "est"],
            &["je", "suis"],
            &["je", "m", "appelle"],
            &["this", "is"],
            &["it", "s"],
            &["my", "name", "is"],
            &["i", "m"],
            &["ici"],
        ];
        // "C'est encore moi, Dédé": words between the phrase and the name.
        const FILLERS: &[&str] = &["encore", "moi", "again", "me"];
        // "Bonsoir, Florian Dumas, j'attends toujours…": a greeting followed by a full name.
        const GREETINGS: &[&str] = &["bonjour", "bonsoir", "hello", "hi", "salut", "coucou"];
        for i in 0..tokens.len() {
            let greeting = GREETINGS.contains(&tokens[i].folded.as_str());
            let lead: &[&str] = if greeting {
                &[""]
            } else if let Some(lead) = LEADS
                .iter()
                .find(|l| l.iter().enumerate().all(|(k, w)| tokens.get(i + k).is_some_and(|t| t.folded == *w)))
            {
                lead
            } else {
                continue;
            };
            // "ici" and greetings name only at the start of a sentence: "Bonjour, ici Paul".
            if lead.len() == 1 && !(i == 0 || tokens[i].boundary) {
                continue;
            }
            let mut at = i + lead.len();
            if !greeting {
                while tokens.get(at).is_some_and(|t| !t.cap && FILLERS.contains(&t.folded.as_str())) {
                    at += 1;
                }
            }
            let mut words = capitalised(tokens, at);
            // "C'est encore moi. Lampadaire toujours éteint": after the fillers, a new sentence
            // naming a thing is no name.
            if at > i + lead.len() && words.len() == 1 && super::text::word_concepts(words[0]) != 0 {
                continue;
            }
            // "Dédé, André Gaborit": a nickname, then the full name.
            if words.len() == 1 && tokens.get(at + 1).is_some_and(|t| t.boundary) {
                let full = capitalised(tokens, at + 1);
                if full.len() >= 2 && named(&full) {
                    words = full;
                }
            }
            // After a greeting, two words at least and no civility: "Bonjour Madame Dupuis" is
            // addressed to someone.
            let enough = if greeting {
                words.len() >= 2 && named(&words)
            } else {
                !words.is_empty() && words.iter().all(|w| w.chars().count() >= 2)
            };
            if enough {
                return Name::parse(&words.join(" "));
            }
        }
        Self::signed(tokens)
    }

    /// The full name of a relative the writer writes for: "je complète la demande faite par
    /// mon mari Julien Roussel", "j'écris pour mon père, M. Roger Dubreuil".
    pub(crate) fn relative(tokens: &[Token]) -> Option<Name> {
        (0..tokens.len().saturating_sub(1)).find_map(|i| {
            let pair = (tokens[i].folded.as_str(), tokens[i + 1].folded.as_str());
            if !super::lexicon::KIN.iter().any(|k| k.split_once(' ') == Some(pair)) {
                return None;
            }
            let mut at = i + 2;
            while tokens.get(at).is_some_and(|t| CIVILITIES.contains(&t.folded.as_str())) {
                at += 1;
            }
            let words = capitalised(tokens, at);
            (words.len() >= 2 && named(&words)).then(|| Name::parse(&words.join(" "))).flatten()
        })
    }

    /// A full name closing a short message, as a sentence of its own: "… merci ! Damien
    /// Chollet, Les Ouches". Not a place ("… c'est dangereux. Place Carnot").
    fn signed(tokens: &[Token]) -> Option<Name> {
        const TAIL: usize = 10;
        // A short message, as on the social networks: a long one is signed in its own lines,
        // read from the sender.
        const SHORT: usize = 60;
        if tokens.len() > SHORT {
            return None;
        }
        let from = tokens.len().saturating_sub(TAIL).max(1);
        let i = (from..tokens.len()).find(|&i| tokens[i].boundary && tokens[i].cap)?;
        let words = capitalised(tokens, i);
        let closes = tokens.get(i + words.len()).is_none_or(|t| t.boundary);
        let place = !super::places::extract(&tokens[i..i + words.len()]).is_empty();
        // "MC Dubreuil" signs with initials that fit no given name: the sender's own name is better.
        let spelt = words.iter().all(|w| w.chars().count() >= 3);
        (words.len() >= 2 && closes && spelt && named(&words) && !place)
            .then(|| Name::parse(&words.join(" ")))
            .flatten()
    }

    /// The account a writer says they wrote from: "sur X (compte « max »)", "sur Instagram
    /// (jordan.mlt)", "my account sev_lmbt", "je suis @vlp_grognon", "(Titi du 3e, c'est moi)".
    /// A word after "compte", "account" or "pseudo", a handle they say is theirs, a display name
    /// they own in brackets, or a username alone in brackets.
    pub(crate) fn account(body: &str) -> Option<Name> {
        const LEADS: &[&str] = &["compte", "account", "pseudo", "username"];
        let is_user = |c: char| c.is_alphanumeric() || matches!(c, '.' | '_' | '-');
        let bytes = body.as_bytes();
        for lead in LEADS {
            // Byte offsets in `body` itself: the leads are ASCII, matched whatever their case.
            let starts = (0..bytes.len().saturating_sub(lead.len() - 1))
                .filter(|&i| bytes[i..i + lead.len()].eq_ignore_ascii_case(lead.as_bytes()));
            for start in starts {
                let at = start + lead.len();
                // A word of its own ("décompte" is not), followed by the name.
                if body[..start].chars().next_back().is_some_and(char::is_alphanumeric) {
                    continue;
                }
                let rest = body.get(at..).unwrap_or_default();
                let bare = rest.trim_start_matches(char::is_whitespace);
                let rest = bare.trim_start_matches(|c: char| c.is_whitespace() || matches!(c, '«' | '"' | ':' | '@'));
                // Quoted ("compte « max »") or shaped like a username ("compte sev_lmbt"), not
                // "compte rendu".
                let marked = rest.len() < bare.len();
                let word: String = rest.chars().take_while(|&c| is_user(c)).collect();
                let word = word.trim_end_matches(['.', '-']);
                let shaped = word.contains(['.', '_']) || word.chars().any(|c| c.is_ascii_digit());
                // "(pseudo Momo)": after "pseudo", a capitalised word is the pseudonym.
                let pseudonym = *lead == "pseudo" && word.starts_with(char::is_uppercase);
                if word.chars().count() >= 2 && (marked || shaped || pseudonym) && !is_stopword(&fold(word)) {
                    return Name::parse(word);
                }
            }
        }
        // "Je suis @vlp_grognon sur X": a handle the writer says is theirs.
        let handle = body.match_indices('@').find_map(|(at, _)| {
            // Letters and single spaces only: "I'm" and "I’m" are "i m".
            let before: String = fold(&body[..at]).chars().map(|c| if c.is_alphanumeric() { c } else { ' ' }).collect();
            let before = before.split_whitespace().collect::<Vec<_>>().join(" ");
            let bracket = body[..at].trim_end().ends_with('(');
            let mine = bracket || ["je suis", "i m", "i am", "moi c est"].iter().any(|w| before.ends_with(w));
            let word: String = body[at + 1..].chars().take_while(|&c| is_user(c)).collect();
            let word = word.trim_end_matches(['.', '-']);
            (mine && word.chars().count() >= 2).then(|| Name::parse(word)).flatten()
        });
        if handle.is_some() {
            return handle;
        }
        // "(Titi du 3e, c'est moi)": a display name owned in brackets.
        let owned = bracketed(body).find_map(|inside| {
            let (name, me) = inside.split_once(',')?;
            let name = name.trim();
            let words = name.split_whitespace().count();
            let me: String = fold(me).chars().filter(|c| c.is_alphanumeric()).collect();
            let mine = matches!(me.as_str(), "cestmoi" | "thatsme");
            (mine && (1..=4).contains(&words) && name.starts_with(char::is_uppercase))
                .then(|| Name::parse(name))
                .flatten()
        });
        if owned.is_some() {
            return owned;
        }
        // "(jordan.mlt)": a username in brackets.
        bracketed(body).find_map(|inside| {
            let user = !inside.is_empty()
                && inside.chars().all(is_user)
                && inside.contains(['.', '_'])
                && !inside.ends_with('.');
            user.then(|| Name::parse(inside)).flatten()
        })
    }

    /// How many of its tokens start with each letter: the name index's tag (see [`letters`]).
    pub(crate) fn letters(&self) -> u32 {
        letters(self.tokens.iter().map(String::as_str), self.loose)
    }

    pub(crate) fn joined(&self) -> String {
        self.tokens.join(" ")
    }

    /// A given name and a surname at least, not a username: enough to tell two people apart.
    pub(crate) fn is_full(&self) -> bool {
        !self.loose && self.full_tokens().count() >= 2
    }

    /// Whether this account, named by a writer, is the name a ticket holds (`compact`): the same
    /// name, or each of its words in that name ("pseudo Momo" for "Momo Lstr"; not
    /// "@tom_in_town" for Tom Durand).
    pub(crate) fn shown_as(&self, compact: &str) -> bool {
        compact_fit(self, compact) == NameFit::Strong || {
            let theirs: Vec<&str> = uncompact(compact).0.collect();
            self.full_tokens().all(|t| theirs.contains(&t))
        }
    }

    /// A full name or a surname: enough to tell this person from someone of another name.
    pub(crate) fn tells_apart(&self) -> bool {
        self.is_full() || self.surname
    }

    /// Full tokens (not initials): what the name index is keyed by.
    pub(crate) fn full_tokens(&self) -> impl Iterator<Item = &str> {
        self.tokens.iter().map(String::as_str).filter(|t| t.chars().count() >= 2)
    }

    /// One string, as a ticket keeps it: "karim benali", or "~elodie bzh" for a username.
    pub(crate) fn compact(&self) -> Box<str> {
        let joined = self.joined();
        if self.loose { format!("~{joined}").into() } else { joined.into() }
    }
}

/// What a text says in brackets, each opening bracket up to its closing one.
fn bracketed(body: &str) -> impl Iterator<Item = &str> {
    body.split('(').skip(1).map(|rest| rest.split(')').next().unwrap_or_default())
}

/// Capitalised words from `at` (the first may open a sentence, the others not), up to three:
/// a name given in the text.
fn capitalised(tokens: &[Token], at: usize) -> Vec<&str> {
    tokens[at.min(tokens.len())..]
        .iter()
        .enumerate()
        .take_while(|(k, t)| {
            t.cap && !t.elided && (*k == 0 || !t.boundary) && !is_stopword(&t.folded) && !is_chatter(&t.folded)
        })
        .map(|(_, t)| t.folded.as_str())
        .take(3)
        .collect()
}

/// Words that can be a person's name: two letters at least, no civility ("Madame").
fn named(words: &[&str]) -> bool {
    words.iter().all(|w| w.chars().count() >= 2 && !CIVILITIES.contains(w))
}

/// How many tokens a [`Name`] keeps: "Maria del Carmen Lopez Garcia" is enough as four.
pub(crate) const MAX_TOKENS: usize = 4;

/// A [`Name::compact`] string as its tokens and whether it is a username.
fn uncompact(compact: &str) -> (std::str::Split<'_, char>, bool) {
    match compact.strip_prefix('~') {
        Some(rest) => (rest.split(' '), true),
        None => (compact.split(' '), false),
    }
}

const LOOSE: u32 = 1 << 30;
const UNSURE: u32 = 1 << 31;
const BUCKETS: u32 = 15;

/// A name's tokens counted by first letter, in 15 buckets of two bits (letters share buckets,
/// counts stop at 3), with `LOOSE` for a username and `UNSURE` when a token starts with
/// something else than a–z.
fn letters<'a>(tokens: impl Iterator<Item = &'a str>, loose: bool) -> u32 {
    let mut bits = if loose { LOOSE } else { 0 };
    for t in tokens {
        match t.bytes().next() {
            Some(b @ b'a'..=b'z') => {
                let shift = 2 * (u32::from(b - b'a') % BUCKETS);
                if (bits >> shift) & 3 < 3 {
                    bits += 1 << shift;
                }
            }
            _ => bits |= UNSURE,
        }
    }
    bits
}

/// [`Name::letters`] of a name a ticket keeps as [`Name::compact`], without parsing it.
pub(crate) fn compact_letters(compact: &str) -> u32 {
    let (tokens, loose) = uncompact(compact);
    letters(tokens, loose)
}

/// Whether two names, known by their letters, surely conflict: each has more tokens starting
/// with some letters than the other has, and neither is a username. Equal tokens, initials,
/// short forms and skeletons all share their first letter, so such tokens stay unmatched on
/// both sides; only a typo in a first letter escapes this test.
pub(crate) fn letters_conflict(a: u32, b: u32) -> bool {
    if (a | b) & (LOOSE | UNSURE) != 0 {
        return false;
    }
    // All 15 buckets at once (a walk of the name index tests every posting it reads).
    more_in_some_bucket(a, b) && more_in_some_bucket(b, a)
}

/// Whether some two-bit bucket of `x` holds more than the same bucket of `y`: x > y where the
/// high bit wins, or the high bits agree and the low bit wins.
fn more_in_some_bucket(x: u32, y: u32) -> bool {
    const LOW: u32 = 0x1555_5555; // the low bit of each of the 15 buckets
    let (x_hi, y_hi) = ((x >> 1) & LOW, (y >> 1) & LOW);
    let (x_lo, y_lo) = (x & LOW, y & LOW);
    (x_hi & !y_hi) | (!(x_hi ^ y_hi) & x_lo & !y_lo) != 0
}

/// How well two names fit one person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum NameFit {
    /// Two different given names or surnames: Nguyen Van Minh is not Nguyen Thi Lan.
    Conflict,
    Unknown,
    /// One shared token and nothing against it ("Julie" and "Julie Martin").
    Weak,
    /// Two shared tokens, or one and a matching initial ("Karim B." and "Karim Benali").
    Strong,
}

/// How a message's name fits one a ticket keeps as [`Name::compact`], read in place: a decision
/// compares every candidate ticket's names, and building each as a [`Name`] cost more than
/// comparing it.
pub(crate) fn compact_fit(a: &Name, compact: &str) -> NameFit {
    let (tokens, loose) = uncompact(compact);
    let mut stack = [""; MAX_TOKENS];
    let mut n = 0;
    for t in tokens.clone() {
        let Some(slot) = stack.get_mut(n) else {
            // Longer than any name this module builds: compared whole all the same.
            return fit(&a.tokens, a.loose, &tokens.collect::<Vec<_>>(), loose);
        };
        *slot = t;
        n += 1;
    }
    fit(&a.tokens, a.loose, &stack[..n], loose)
}

/// `n` flags, on the stack for any name of at most [`MAX_TOKENS`] tokens.
fn flags<'a>(stack: &'a mut [bool; MAX_TOKENS], heap: &'a mut Vec<bool>, n: usize) -> &'a mut [bool] {
    if n <= MAX_TOKENS {
        &mut stack[..n]
    } else {
        heap.resize(n, false);
        heap
    }
}

fn joined<T: AsRef<str>>(tokens: &[T]) -> String {
    tokens.iter().map(AsRef::as_ref).collect()
}

fn fit<A: AsRef<str>, B: AsRef<str>>(a: &[A], a_loose: bool, b: &[B], b_loose: bool) -> NameFit {
    // "El Amrani" and "Elamrani": the same letters, written in one word or two.
    if a.len() != b.len() && a.len().max(b.len()) >= 2 {
        let (ja, jb) = (joined(a), joined(b));
        if ja.chars().count() >= 8 && ja == jb {
            return NameFit::Strong;
        }
    }
    let (mut stack_a, mut stack_b) = ([false; MAX_TOKENS], [false; MAX_TOKENS]);
    let (mut heap_a, mut heap_b) = (Vec::new(), Vec::new());
    let used_a = flags(&mut stack_a, &mut heap_a, a.len());
    let used_b = flags(&mut stack_b, &mut heap_b, b.len());
    let mut full = 0;
    for (i, ta) in a.iter().map(AsRef::as_ref).enumerate() {
        if ta.chars().count() < 2 {
            continue;
        }
        if let Some(j) = b
            .iter()
            .map(AsRef::as_ref)
            .enumerate()
            .position(|(j, tb)| !used_b[j] && tb.chars().count() >= 2 && tokens_equal(ta, tb))
        {
            used_a[i] = true;
            used_b[j] = true;
            full += 1;
        }
    }
    full += match_skeletons(a, used_a, b, used_b) + match_skeletons(b, used_b, a, used_a);
    let initials = match_initials(a, used_a, b, used_b) + match_initials(b, used_b, a, used_a);
    let left_a = !a_loose && used_a.iter().any(|u| !*u);
    let left_b = !b_loose && used_b.iter().any(|u| !*u);
    if full == 0 {
        return if used_a.iter().any(|u| !*u) && used_b.iter().any(|u| !*u) && !(a_loose || b_loose) {
            NameFit::Conflict
        } else {
            NameFit::Unknown
        };
    }
    if left_a && left_b {
        return NameFit::Conflict;
    }
    // "Paul ROY" is not Paul Rousseau: an initial makes the fit strong only when nothing is
    // left over ("Karim B.", "Lina DS").
    if full >= 2 || (initials >= 1 && !left_a && !left_b) { NameFit::Strong } else { NameFit::Weak }
}

/// Three-letter short forms of longer first names.
const SHORT_FORMS: &[&str] = &["kev", "seb", "fab", "nic", "flo", "val", "gab", "nat", "vic", "dom"];

/// Initials and short forms of `x` ("B.", "Mat") against unused full tokens of `y` ("Benali",
/// "Mathieu").
fn match_initials<X: AsRef<str>, Y: AsRef<str>>(x: &[X], ux: &mut [bool], y: &[Y], uy: &mut [bool]) -> usize {
    let mut n = 0;
    for (i, t) in x.iter().map(AsRef::as_ref).enumerate() {
        let len = t.chars().count();
        // Short forms: "Max" for Maxime, "Mat" for Mathieu; not "Jean" for Jeanne.
        let short_form = (3..=4).contains(&len);
        if ux[i] || !(len == 1 || short_form) {
            continue;
        }
        // "Kev" for Kévin: a few three-letter short forms need only two letters more (not Léo
        // for Léonie).
        let min_len = match len {
            1 => 2,
            3 if SHORT_FORMS.contains(&t) => 5,
            _ => len + 3,
        };
        // "Coco" for Corinne, "Momo" for Mohamed: a doubled first syllable.
        let doubled = (len == 4 && t.is_ascii() && t[..2] == t[2..]).then(|| &t[..2]);
        let plain = |u: &str| (u.chars().count() >= min_len && u.starts_with(t)) || (len == 1 && u == t);
        let nickname = |u: &str| doubled.is_some_and(|half| u.chars().count() >= 5 && u.starts_with(half));
        if let Some(j) = y.iter().map(AsRef::as_ref).enumerate().position(|(j, u)| !uy[j] && (plain(u) || nickname(u)))
        {
            ux[i] = true;
            uy[j] = true;
            // A nickname does not vouch for the person as an initial does: "Coco" may be
            // Corinne or Colette.
            n += usize::from(plain(y[j].as_ref()));
        }
    }
    n
}

/// A username or a display name writes a surname without its vowels ("chloe.vrnt" for Chloé
/// Vernet, "Yass Bnh" for Yassine Benhamou): a token of `x` that is the consonant skeleton of an
/// unused token of `y`.
fn match_skeletons<X: AsRef<str>, Y: AsRef<str>>(x: &[X], ux: &mut [bool], y: &[Y], uy: &mut [bool]) -> usize {
    let mut n = 0;
    for (i, t) in x.iter().map(AsRef::as_ref).enumerate() {
        if ux[i] || t.chars().count() < 3 || t.chars().any(is_vowel) {
            continue;
        }
        // Or its start: "coralie.bpt" for Coralie Baptiste.
        if let Some(j) = y
            .iter()
            .map(AsRef::as_ref)
            .enumerate()
            .position(|(j, u)| !uy[j] && u.len() > t.len() && skeleton(u).starts_with(t))
        {
            ux[i] = true;
            uy[j] = true;
            n += 1;
        }
    }
    n
}

fn is_vowel(c: char) -> bool {
    matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y')
}

/// The first letter, then the consonants, doubles written once: "vernet" → "vrnt".
fn skeleton(t: &str) -> String {
    let mut out = String::new();
    for (i, c) in t.chars().enumerate() {
        if (i == 0 || !is_vowel(c)) && !out.ends_with(c) {
            out.push(c);
        }
    }
    out
}

/// Equal, or one typo apart in a long token (Benali / Bennali).
fn tokens_equal(a: &str, b: &str) -> bool {
    a == b || (a.chars().count() >= 5 && b.chars().count() >= 5 && super::text::within_one_edit(a, b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sender(name: Option<&str>, email: Option<&str>, phone: Option<&str>, handle: Option<&str>) -> Sender {
        Sender {
            name: name.map(str::to_owned),
            email: email.map(str::to_owned),
            phone: phone.map(str::to_owned),
            handle: handle.map(str::to_owned),
        }
    }

    #[test]
    fn phones_become_e164() {
        let cases = [
            ("06 12 34 56 78", Some("+33612345678")),
            ("0612345678", Some("+33612345678")),
            ("+33 6 12 34 56 78", Some("+33612345678")),
            ("0033 6 12 34 56 78", Some("+33612345678")),
            ("+33 (0)6 12 34 56 78", Some("+33612345678")),
            ("06.44.18.72.05", Some("+33644187205")),
            ("33612345678", Some("+33612345678")),
            ("+44 20 7946 0018", Some("+442079460018")),
            ("12", None),
        ];
        for (raw, want) in cases {
            assert_eq!(normalise_phone(raw).as_deref(), want, "{raw}");
        }
    }

    #[test]
    fn a_sender_yields_its_normalised_identities() {
        let cases = [
            (
                sender(Some("Claire"), Some(" Claire.Dubois@Example.FR "), Some("06 12 34 56 78"), None),
                vec![Identity::Email("claire.dubois@example.fr".into()), Identity::Phone("+33612345678".into())],
            ),
            (
                sender(None, None, None, Some("whatsapp:33612345678")),
                vec![Identity::Phone("+33612345678".into()), Identity::Handle("whatsapp:33612345678".into())],
            ),
            (
                sender(None, None, Some("+33612345678"), Some("WhatsApp:33612345678")),
                vec![Identity::Phone("+33612345678".into()), Identity::Handle("whatsapp:33612345678".into())],
            ),
            (sender(Some("x"), Some("not an email"), None, Some("messenger:")), vec![]),
        ];
        for (from, want) in cases {
            let mut want = want;
            want.sort();
            assert_eq!(identities(&from), want, "{from:?}");
        }
    }

    #[test]
    fn a_name_given_in_the_text_is_read() {
        use super::super::text::{expand, tokenize};
        let cases = [
            ("Bonjour c'est Jean-Baptiste, je vous ai écrit hier", Some("jean baptiste")),
            ("Bonsoir, Florian Dumas, j'attends toujours l'autorisation", Some("florian dumas")),
            ("Bonjour Madame Dupuis, la rue est noire", None),
            ("Bonjour, le lampadaire est éteint", None),
            ("Hi it's Marloes Bakker, I filled in your website form", Some("marloes bakker")),
            ("It's broken again", None),
            ("Hi! I'm Mateo Ruiz García, I sent an email on Tuesday", Some("mateo ruiz garcia")),
            ("bonsoir c'est encore Dédé, André Gaborit de la Touche. Pour le chemin", Some("andre gaborit")),
            ("c'est encore moi, Nadia, toujours rien", Some("nadia")),
            ("C'est encore moi. Lampadaire toujours éteint", None),
            ("On peut emprunter les tables le 10 mai ? Damien Chollet, Les Ouches", Some("damien chollet")),
            ("Le lampadaire est éteint depuis lundi. Place Carnot, devant la pharmacie", None),
            ("Le lampadaire est éteint depuis lundi soir. Merci de faire vite", None),
            ("cela a encore duré jusqu'à 2h du matin cette nuit.\n\nMC Dubreuil\n06 54 21 09 77", None),
        ];
        for (text, want) in cases {
            let got = Name::stated(&expand(tokenize(text))).map(|n| n.joined());
            assert_eq!(got.as_deref(), want, "{text}");
        }
    }

    #[test]
    fn a_relative_named_in_full_is_read() {
        let read = |s: &str| Name::relative(&super::super::text::tokenize(s)).map(|n| n.joined());
        assert_eq!(
            read("je complète la demande faite par mon mari Julien Roussel sur votre site").as_deref(),
            Some("julien roussel")
        );
        assert_eq!(
            read("J'écris pour mon père, M. Roger Dubreuil (Landelles), qui vous a écrit").as_deref(),
            Some("roger dubreuil")
        );
        assert_eq!(read("pour le transport de mon fils Adam, toujours pas de taxi"), None);
    }

    #[test]
    fn a_civility_before_one_word_makes_it_a_surname() {
        for (raw, surname, tells_apart) in [
            ("Mme Ferhat", true, true),
            ("M. Mark Whitfield", false, true),
            ("Ferhat", false, false),
            ("Mme", false, false),
        ] {
            let name = Name::parse(raw).unwrap();
            assert_eq!((name.surname, name.tells_apart()), (surname, tells_apart), "{raw}");
        }
    }

    #[test]
    fn the_account_a_writer_wrote_from_is_read() {
        let cases = [
            ("je vous ai écrit ce matin sur X (compte « max ») : j'ai perdu mes clés", Some("max")),
            ("Suite à mon message sur Instagram samedi (compte sev_lmbt), je précise", Some("~sev lmbt")),
            ("je vous ai envoyé un message sur Instagram ce matin (jordan.mlt). Piscine fermée", Some("~jordan mlt")),
            ("je vous ai écrit sur Facebook (en privé) pour le compte rendu", None),
            ("je vous ai écrit hier (voir plus bas).", None),
            ("İİİ ÉCRIT SUR X, COMPTE « Max_33 »", Some("~max")),
            ("c'est lui qui a écrit sur Facebook hier (pseudo Momo) pour le canapé", Some("momo")),
            ("Je vous ai déjà interpellés sur X hier soir (Titi du 3e, c'est moi).", Some("titi du 3e")),
            ("mon pseudo est trop long (voir plus bas, c'est moi qui signe)", None),
            ("(Le Spot, c'est le bar de plage) a mis la musique à fond", None),
            ("Je suis @vlp_grognon sur X, je vous ai écrit hier soir", Some("~vlp grognon")),
            ("j'ai tweeté à @VilleLestrade hier soir", None),
            ("I'm @tom_in_town on X, I wrote yesterday", Some("~tom in town")),
        ];
        for (text, want) in cases {
            let got = Name::account(text).map(|n| n.compact().to_string());
            assert_eq!(got.as_deref(), want, "{text}");
        }
    }

    #[test]
    fn names_fit_or_conflict() {
        let cases = [
            ("Karim B.", "Karim Benali", NameFit::Strong),
            ("Sophie M", "Sophie Marchand", NameFit::Strong),
            ("Nguyen Thi Lan", "Lan Nguyen", NameFit::Strong),
            ("Mme Josiane Picard", "Josiane Picard", NameFit::Strong),
            ("Nguyen Van Minh", "Nguyen Thi Lan", NameFit::Conflict),
            ("Nadia Ferhat", "Nadia Belkacem", NameFit::Conflict),
            ("Julie 🌿", "Julie Martin", NameFit::Weak),
            ("Sofia Moreau", "Sofia B", NameFit::Conflict),
            ("Théo G", "Theo Garnier", NameFit::Strong),
            ("Inès", "Hugo Masson", NameFit::Conflict),
            ("Marie Dupont", "Paul Martin", NameFit::Conflict),
            ("elodie.bzh", "Élodie Breton", NameFit::Weak),
            ("chloe_mrtn", "Chloé Martin", NameFit::Strong),
            ("chloe.vrnt", "Chloé Vernet", NameFit::Strong),
            ("chloe.vrnt", "Chloé Martin", NameFit::Weak),
            ("marc.brtn", "Marc Bertin", NameFit::Strong),
            ("mat.leroux", "Mathieu Leroux", NameFit::Strong),
            ("camille.dr", "Hugo Masson", NameFit::Unknown),
            ("Max Fontaine", "Maxime Fontaine", NameFit::Strong),
            ("Jean Martin", "Jeanne Martin", NameFit::Conflict),
            ("Karim B.", "Karim B", NameFit::Strong),
            ("coralie.bpt", "Coralie Baptiste", NameFit::Strong),
            ("Kev Lambert", "Kevin Lambert", NameFit::Strong),
            ("Youssef Elamrani", "Youssef El Amrani", NameFit::Strong),
            ("Ana Belle", "Anabelle", NameFit::Strong),
            ("M. Morel (Alphatech Solutions)", "Sébastien Morel", NameFit::Weak),
            ("Lina DS", "Lina Dos Santos", NameFit::Strong),
            ("Lina DS", "Lina Martin", NameFit::Conflict),
            ("Lina Dos", "Lina Dos Santos", NameFit::Strong),
            ("Ines Sy", "Ines Saidi", NameFit::Conflict),
            ("Yass Bnh", "Yassine Benhamou", NameFit::Strong),
            ("Yass Bnh", "Yassine Bouzid", NameFit::Conflict),
            ("Mehdi AS", "Mehdi Aït-Saïd", NameFit::Strong),
            ("Mehdi AS", "Mehdi Benali", NameFit::Conflict),
            ("Marie LE GOFF", "Marie Le Goff", NameFit::Strong),
            ("Coco Abadie", "Corinne Abadie", NameFit::Weak),
            ("Coco Abadie", "Colette Abadie", NameFit::Weak),
            ("Paul ROY", "Paul Rousseau", NameFit::Weak),
            ("Mehdi AS", "Mehdi Amrani", NameFit::Weak),
            ("Anne Martin", "Jeanne Martin", NameFit::Conflict),
            ("Momo", "Mohamed Ait-Kaci", NameFit::Unknown),
            ("Coco Abadie", "Laure Abadie", NameFit::Conflict),
            ("Lolo Abadie", "Corinne Abadie", NameFit::Conflict),
        ];
        for (a, b, want) in cases {
            let (na, nb) = (Name::parse(a).unwrap(), Name::parse(b).unwrap());
            assert_eq!(compact_fit(&na, &nb.compact()), want, "{a} / {b}");
            assert_eq!(compact_fit(&nb, &na.compact()), want, "{b} / {a}");
        }
    }

    #[test]
    fn a_kept_name_longer_than_names_are_is_compared_whole() {
        let maria = Name::parse("Maria Garcia").unwrap();
        assert_eq!(compact_fit(&maria, "maria del carmen lopez garcia"), NameFit::Strong);
        assert_eq!(compact_fit(&maria, "maria del carmen lopez"), NameFit::Conflict);
    }

    #[test]
    fn buckets_are_compared_all_at_once_as_one_by_one() {
        let one_by_one = |x: u32, y: u32| (0..BUCKETS).any(|k| (x >> (2 * k)) & 3 > (y >> (2 * k)) & 3);
        // Every pair of counts in every bucket, beside varied other buckets.
        let mut seed = 0x2545_F491u32;
        for _ in 0..20_000 {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            let (x, y) = (seed & 0x3FFF_FFFF, seed.rotate_left(11) & 0x3FFF_FFFF);
            assert_eq!(more_in_some_bucket(x, y), one_by_one(x, y), "{x:#x} {y:#x}");
        }
        for k in 0..BUCKETS {
            for (cx, cy) in (0..4).flat_map(|cx| (0..4).map(move |cy| (cx, cy))) {
                let (x, y) = (cx << (2 * k), cy << (2 * k));
                assert_eq!(more_in_some_bucket(x, y), cx > cy);
            }
        }
    }

    #[test]
    fn letters_tell_sure_conflicts_only() {
        let l = |s: &str| Name::parse(s).unwrap().letters();
        let cases = [
            ("Claire Dubois", "Claire Martin", true),
            ("Karim B.", "Karim Benali", false),
            ("Nguyen Thi Lan", "Lan Nguyen", false),
            ("Claire Dubois", "Claire", false),
            ("chloe.vrnt", "Chloé Martin", false),
            ("Marie Dupont", "Paul Martin", true),
            ("Lucie Leroy", "Lucie Martin", true),
            ("Lucie Leroy", "Louis Lambert", false),
            ("Lucie Leroy", "Lucie L.", false),
        ];
        for (a, b, want) in cases {
            assert_eq!(letters_conflict(l(a), l(b)), want, "{a} / {b}");
            let compact = Name::parse(b).unwrap().compact();
            assert_eq!(compact_letters(&compact), l(b), "{b}");
            if want {
                assert_eq!(
                    compact_fit(&Name::parse(a).unwrap(), &Name::parse(b).unwrap().compact()),
                    NameFit::Conflict
                );
            }
        }
    }

    #[test]
    fn a_name_comes_from_the_email_when_none_is_given() {
        let from = sender(None, Some("karim.benali@example.fr"), None, None);
        assert_eq!(Name::of(&from).map(|n| n.joined()).as_deref(), Some("karim benali"));
        let from = sender(None, Some("contact@example.fr"), None, None);
        assert_eq!(Name::of(&from), None);
    }
}
