//! Text: the citizen's new words (quotes and signatures off), tokens, stems, character n-gram
//! shingles and the bottom-k sketch that compares them, topics and phrase cues.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::OnceLock;

use rust_stemmers::{Algorithm, Stemmer};
use unicode_normalization::UnicodeNormalization;

use super::lexicon::{self, Concept};

pub(crate) use crate::domain::quotes::fold;

/// Equal but for one substitution, insertion or deletion.
pub(crate) fn within_one_edit(a: &str, b: &str) -> bool {
    // Folded names are ASCII almost always: compare bytes without allocating.
    if a.is_ascii() && b.is_ascii() {
        return one_edit(a.as_bytes(), b.as_bytes());
    }
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    one_edit(&a, &b)
}

fn one_edit<T: PartialEq>(a: &[T], b: &[T]) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if long.len() - short.len() > 1 {
        return false;
    }
    let prefix = short.iter().zip(long.iter()).take_while(|(x, y)| x == y).count();
    if short.len() == long.len() {
        short[prefix..].iter().skip(1).eq(long[prefix..].iter().skip(1))
    } else {
        short[prefix..].iter().eq(long[prefix + 1..].iter())
    }
}

pub use crate::domain::quotes::new_words;

/// The first reply or forward prefix of a subject ("RE :", "Fwd:"), lowercase, and the
/// length it takes with its colon.
fn subject_prefix(subject: &str) -> Option<(&'static str, usize)> {
    let lower = subject.to_lowercase();
    ["re", "tr", "fw", "fwd", "aw", "réf", "ref", "rép", "rep"].iter().find_map(|p| {
        let rest = lower.strip_prefix(p)?;
        let rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{a0}');
        rest.starts_with(':').then(|| (*p, lower.len() - rest.len() + 1))
    })
}

/// `Re: …`, `RE : …`, `AW: …`: an answer, unlike a forward (`TR:`, `Fwd:`) which may start
/// a new matter.
pub(crate) fn is_reply_subject(subject: &str) -> bool {
    subject_prefix(subject.trim_start()).is_some_and(|(p, _)| !matches!(p, "tr" | "fw" | "fwd"))
}

/// A subject without its reply and forward prefixes.
pub(crate) fn strip_subject(subject: &str) -> &str {
    let mut s = subject.trim();
    loop {
        match subject_prefix(s) {
            Some((_, n)) if s.is_char_boundary(n) => s = s[n..].trim_start(),
            _ => return s,
        }
    }
}

/// A word as the place parser and the stemmer need it.
#[derive(Debug, Clone)]
pub(crate) struct Token {
    /// Lowercase with accents: Snowball stems before accents are folded.
    pub(crate) lower: String,
    pub(crate) folded: String,
    /// Written with a capital: a proper name or a room letter.
    pub(crate) cap: bool,
    /// Punctuation (or a line break) between the previous token and this one.
    pub(crate) boundary: bool,
    /// A `/` or `&` before it: "Pasteur/Gambetta".
    pub(crate) slash: bool,
    /// `l'`, `d'`, `qu'`…: kept for phrases ("plus d'eau"), never a word.
    pub(crate) elided: bool,
}

const ELISIONS: &[&str] = &[
    "l", "d", "j", "m", "n", "s", "t", "c", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu", "presqu", "quelqu", "aujourd",
];

const ABBREVIATIONS: &[&str] = &[
    "bat", "av", "ave", "bd", "pl", "imp", "rte", "ch", "st", "ste", "m", "mme", "mlle", "dr", "pr", "n", "no",
    "amphi", "salle",
];

pub(crate) fn tokenize(text: &str) -> Vec<Token> {
    let text: String = text.nfc().collect::<String>().replace("n°", " numero ").replace("N°", " numero ");
    let mut out: Vec<Token> = Vec::new();
    let mut word = String::new();
    let (mut boundary, mut slash) = (true, false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_alphanumeric() {
            word.push(c);
            continue;
        }
        // "@VilleDeX" on X names the account written to, which every post there shares.
        if c == '@' && word.is_empty() {
            while chars.next_if(|n| n.is_alphanumeric() || *n == '_').is_some() {}
            continue;
        }
        let apostrophe = matches!(c, '\'' | '’' | 'ʼ' | '‘');
        if apostrophe && !word.is_empty() && chars.peek().is_some_and(|n| n.is_alphabetic()) {
            let elided = ELISIONS.contains(&fold(&word).as_str());
            push_token(&mut out, &mut word, boundary, slash, elided);
            boundary = false;
            slash = false;
            continue;
        }
        // "Bât. Lavoisier", "av. Foch", "M. Guérin": an abbreviation's dot ends nothing.
        let abbreviation = c == '.'
            && (ABBREVIATIONS.contains(&fold(&word).as_str())
                || (word.chars().count() == 1 && word.chars().all(char::is_uppercase)));
        if !word.is_empty() {
            push_token(&mut out, &mut word, boundary, slash, false);
            boundary = false;
            slash = false;
        }
        if abbreviation {
            continue;
        }
        match c {
            '/' | '&' | '+' => {
                boundary = true;
                slash = true;
            }
            c if c.is_whitespace() && c != '\n' => {}
            '-' | '\'' | '’' | '°' | '#' | '@' | '_' => {}
            _ => boundary = true,
        }
    }
    if !word.is_empty() {
        push_token(&mut out, &mut word, boundary, slash, false);
    }
    merge_wifi(out)
}

fn push_token(out: &mut Vec<Token>, word: &mut String, boundary: bool, slash: bool, elided: bool) {
    let lower = squeeze(&word.to_lowercase());
    let folded = fold(&lower);
    let cap = word.chars().next().is_some_and(char::is_uppercase);
    out.push(Token { lower, folded, cap, boundary, slash, elided });
    word.clear();
}

/// Letters repeated for emphasis ("coupuuure", "toujoursss") written once. Runs of three or more
/// only: French doubles its letters ("ville", "arrêt") and "créée" has three different ones.
fn squeeze(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    let mut chars = word.chars().peekable();
    while let Some(c) = chars.next() {
        let mut n = 1;
        while chars.next_if_eq(&c).is_some() {
            n += 1;
        }
        let times = if n >= 3 && c.is_alphabetic() { 1 } else { n };
        out.extend(std::iter::repeat_n(c, times));
    }
    out
}

fn merge_wifi(tokens: Vec<Token>) -> Vec<Token> {
    let mut out: Vec<Token> = Vec::with_capacity(tokens.len());
    for t in tokens {
        if t.folded == "fi"
            && let Some(prev) = out.last_mut()
            && prev.folded == "wi"
            && !t.boundary
        {
            prev.lower = "wifi".into();
            prev.folded = "wifi".into();
            continue;
        }
        out.push(t);
    }
    out
}

/// Phrases indexed by their first word, each with the bits it sets: a text is scanned once,
/// word by word, whatever the number of phrases (matching each phrase over the text made
/// phrase cues the costliest part of a decision).
#[derive(Default)]
struct Phrases {
    by_first: HashMap<&'static str, Vec<Tail>>,
}

/// The words of a phrase after its first, and the bits it sets.
type Tail = (Box<[&'static str]>, u64);

impl Phrases {
    fn add(&mut self, phrase: &'static str, bits: u64) {
        let mut words = phrase.split(' ').filter(|w| !w.is_empty());
        let Some(first) = words.next() else { return };
        let rest: Box<[&str]> = words.collect();
        let entry = self.by_first.entry(first).or_default();
        match entry.iter_mut().find(|(r, _)| *r == rest) {
            Some((_, b)) => *b |= bits,
            None => entry.push((rest, bits)),
        }
    }

    /// The bits of every phrase found in `words` as consecutive whole words.
    fn scan(&self, words: &[&str]) -> u64 {
        let mut bits = 0;
        for (i, w) in words.iter().enumerate() {
            if let Some(list) = self.by_first.get(w) {
                for (rest, b) in list {
                    if words[i + 1..].starts_with(rest) {
                        bits |= b;
                    }
                }
            }
        }
        bits
    }
}

/// Bits of [`Phrases`] for the cue lists of `lexicon`.
const RECALL_BIT: u64 = 1;
const STILL_BIT: u64 = 1 << 1;
const NEW_MATTER_BIT: u64 = 1 << 2;
const PERSONAL_BIT: u64 = 1 << 3;
const OTHERS_BIT: u64 = 1 << 4;
const FINE_BIT: u64 = 1 << 5;
const PROBLEM_BIT: u64 = 1 << 6;
const QUESTION_BIT: u64 = 1 << 7;
const RECUR_BIT: u64 = 1 << 8;
/// Above every channel bit.
const KIN_BIT: u64 = 1 << 40;
/// Channel `c` named: bit `CHANNEL_SHIFT + c`.
const CHANNEL_SHIFT: u32 = 9;

struct Tables {
    sms: HashMap<&'static str, &'static str>,
    glosses: HashMap<&'static str, &'static str>,
    stop: HashMap<&'static str, ()>,
    chatter: HashMap<&'static str, ()>,
    exact: HashMap<&'static str, u64>,
    prefixes: Vec<(&'static str, u64)>,
    /// Concept phrases ("nid de poule"), bits of [`Concept`].
    phrases: Phrases,
    cues: Phrases,
    french: Stemmer,
    english: Stemmer,
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let mut exact: HashMap<&str, u64> = HashMap::new();
        let (mut prefixes, mut phrases) = (Vec::new(), Phrases::default());
        for (concept, words) in lexicon::CONCEPTS {
            for w in *words {
                if w.contains(' ') {
                    phrases.add(w, concept.bit());
                } else if let Some(p) = w.strip_suffix('*') {
                    prefixes.push((p, concept.bit()));
                } else {
                    *exact.entry(w).or_default() |= concept.bit();
                }
            }
        }
        let mut cues = Phrases::default();
        let lists: [(&[&str], u64); 10] = [
            (lexicon::KIN, KIN_BIT),
            (lexicon::RECUR, RECUR_BIT),
            (lexicon::RECALL, RECALL_BIT),
            (lexicon::STILL, STILL_BIT),
            (lexicon::NEW_MATTER, NEW_MATTER_BIT),
            (lexicon::PERSONAL, PERSONAL_BIT),
            (lexicon::OTHERS, OTHERS_BIT),
            (lexicon::FINE, FINE_BIT),
            (lexicon::PROBLEM, PROBLEM_BIT),
            (lexicon::QUESTION, QUESTION_BIT),
        ];
        for (list, bit) in lists {
            for p in list {
                cues.add(p, bit);
            }
        }
        for (p, c) in lexicon::CHANNEL_WORDS {
            cues.add(p, 1 << (CHANNEL_SHIFT + u32::from(*c)));
        }
        Tables {
            sms: lexicon::SMS.iter().copied().collect(),
            glosses: lexicon::GLOSSES.iter().copied().collect(),
            stop: lexicon::STOPWORDS.iter().map(|w| (*w, ())).collect(),
            chatter: lexicon::CHATTER.iter().map(|w| (*w, ())).collect(),
            exact,
            prefixes,
            phrases,
            cues,
            french: Stemmer::create(Algorithm::French),
            english: Stemmer::create(Algorithm::English),
        }
    })
}

/// SMS spellings and abbreviations spelled out ("tjrs" → "toujours", "av" → "avenue").
pub(crate) fn expand(tokens: Vec<Token>) -> Vec<Token> {
    let t = tables();
    let mut out = Vec::with_capacity(tokens.len());
    for tok in tokens {
        // A capital letter alone is a code ("bâtiment C", "salle O"), not SMS for "c'est".
        let code = tok.cap && tok.folded.chars().count() == 1;
        match t.sms.get(tok.folded.as_str()) {
            Some(expansion) if !tok.elided && !code => {
                for (i, w) in expansion.split(' ').enumerate() {
                    out.push(Token {
                        lower: w.to_owned(),
                        folded: w.to_owned(),
                        cap: false,
                        boundary: i == 0 && tok.boundary,
                        slash: i == 0 && tok.slash,
                        elided: false,
                    });
                }
            }
            _ => out.push(tok),
        }
    }
    out
}

pub(crate) fn is_stopword(folded: &str) -> bool {
    tables().stop.contains_key(folded)
}

pub(crate) fn is_chatter(folded: &str) -> bool {
    tables().chatter.contains_key(folded)
}

/// English when it has more English than French function words.
pub(crate) fn is_english(tokens: &[Token]) -> bool {
    const EN: &[&str] = &[
        "the", "is", "are", "and", "of", "in", "on", "it", "this", "there", "we", "have", "has", "been", "since",
        "not", "no", "my", "our", "could", "would", "please", "hello", "hi", "thanks", "with", "at",
    ];
    const FR: &[&str] = &[
        "le", "la", "les", "est", "et", "de", "des", "du", "un", "une", "il", "pas", "je", "nous", "vous", "dans",
        "pour", "sur", "au", "plus", "que", "qui", "bonjour", "merci", "depuis", "ce", "avec",
    ];
    let en = tokens.iter().filter(|t| EN.contains(&t.folded.as_str())).count();
    let fr = tokens.iter().filter(|t| FR.contains(&t.folded.as_str())).count();
    en > fr
}

/// Content stems: stopwords and chatter out, English glossed to French, Snowball stemming on the
/// accented word, then accents folded ("éclairage" and "eclairage" meet after that).
pub(crate) fn stems<'a>(tokens: impl IntoIterator<Item = &'a Token>, english: bool) -> Vec<String> {
    let t = tables();
    let mut out = Vec::new();
    for tok in tokens.into_iter().filter(|t| !t.elided) {
        let glossed = if english { t.glosses.get(tok.folded.as_str()).copied() } else { None };
        let words: Vec<(&str, bool)> = match glossed {
            Some(g) => g.split(' ').filter(|w| !w.is_empty()).map(|w| (w, true)).collect(),
            None => vec![(tok.lower.as_str(), false)],
        };
        for (w, french) in words {
            let f = fold(w);
            if is_stopword(&f) || is_chatter(&f) || f == "hui" {
                continue;
            }
            let alphabetic = f.chars().all(char::is_alphabetic);
            if alphabetic && f.chars().count() < 2 {
                continue;
            }
            if !alphabetic {
                out.push(f);
                continue;
            }
            let stemmer = if english && !french { &t.english } else { &t.french };
            out.push(fold(&stemmer.stem(w)));
        }
    }
    out
}

fn mix(mut h: u64) -> u64 {
    // splitmix64's finaliser: bottom-k sampling needs hashes spread uniformly.
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// FNV-1a then mixed: stable across runs and platforms, unlike `DefaultHasher`'s promise.
pub(crate) fn hash_str(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in *part {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        h ^= 0xff;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    mix(h)
}

/// The hasher of maps keyed by [`hash_str`] values: they are mixed already, so the key is its
/// own hash (SipHash over them was a few percent of a decision).
pub(crate) type KeyHasher = BuildHasherDefault<KeyHash>;

#[derive(Default)]
pub(crate) struct KeyHash(u64);

impl Hasher for KeyHash {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `u64` keys are hashed here; anything else still gets a sound FNV-1a.
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// Character trigrams of each stem (with word edges) plus the stem itself: a typo or an SMS
/// spelling changes a few trigrams, not the whole word.
pub(crate) fn shingles(stems: &[String]) -> Vec<u32> {
    let mut out = Vec::with_capacity(stems.len() * 8);
    for s in stems {
        out.push(hash_str(&[b"w", s.as_bytes()]) as u32);
        let chars: Vec<char> = std::iter::once('<').chain(s.chars()).chain(std::iter::once('>')).collect();
        if chars.len() >= 5 {
            for w in chars.windows(3) {
                let g: String = w.iter().collect();
                out.push(hash_str(&[b"g", g.as_bytes()]) as u32);
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// How many smallest shingle hashes a ticket keeps: a uniform sample of its words, enough to
/// estimate overlap within a few points, in 192 bytes whatever the ticket's length.
pub(crate) const SKETCH: usize = 48;

/// Below this many shingles (about four words), overlap is measured as if there were this many.
const SMALL_SET: usize = 24;

/// A bottom-k sketch of a ticket's shingles, with the estimated size of the whole set.
#[derive(Debug, Clone, Default)]
pub(crate) struct Sketch {
    mins: Box<[u32]>,
    card: u32,
}

impl Sketch {
    pub(crate) fn of(shingles: &[u32]) -> Sketch {
        Sketch { mins: shingles.iter().take(SKETCH).copied().collect(), card: shingles.len() as u32 }
    }

    /// Estimated shared shingles: the share of the sample found in `shingles` (sorted), scaled.
    fn shared(&self, shingles: &[u32]) -> f32 {
        if self.mins.is_empty() {
            return 0.0;
        }
        // Both are sorted: one merge pass, rather than a binary search per sample (this runs for
        // every candidate ticket of a decision).
        let (mut found, mut rest) = (0, shingles.iter().peekable());
        for h in &self.mins {
            while rest.next_if(|x| *x < h).is_some() {}
            match rest.peek() {
                None => break,
                Some(&x) if x == h => found += 1,
                Some(_) => {}
            }
        }
        found as f32 / self.mins.len() as f32 * self.card as f32
    }

    /// Overlap coefficient with a message's shingles: shared / the smaller set. A short
    /// follow-up contained in a long ticket scores high, as it should.
    pub(crate) fn overlap(&self, shingles: &[u32]) -> f32 {
        // A three-word message "contained" in anything says little: small sets count as
        // `SMALL_SET` shingles, so "merci, réparé ce soir" cannot score 1 against every ticket.
        let smaller = (self.card as usize).min(shingles.len()).max(SMALL_SET);
        if self.card == 0 || shingles.is_empty() {
            return 0.0;
        }
        (self.shared(shingles) / smaller as f32).min(1.0)
    }

    pub(crate) fn merge(&mut self, shingles: &[u32]) {
        let shared = self.shared(shingles);
        let card = (self.card as f32 + shingles.len() as f32 - shared).round().max(0.0) as u32;
        let mut all: Vec<u32> = self.mins.iter().chain(shingles.iter().take(SKETCH)).copied().collect();
        all.sort_unstable();
        all.dedup();
        all.truncate(SKETCH);
        self.mins = all.into_boxed_slice();
        self.card = card.max(self.mins.len() as u32);
    }

    pub(crate) fn bytes(&self) -> usize {
        self.mins.len() * 4 + std::mem::size_of::<Sketch>()
    }
}

/// The concepts one word names, phrases aside.
pub(crate) fn word_concepts(w: &str) -> u64 {
    let t = tables();
    let mut bits = t.exact.get(w).copied().unwrap_or(0);
    for (p, b) in &t.prefixes {
        if w.starts_with(p) {
            bits |= b;
        }
    }
    bits
}

/// The concepts (topics) a text names, as bits of [`Concept`].
pub(crate) fn concepts(tokens: &[Token]) -> u64 {
    let t = tables();
    let mut bits = 0;
    for tok in tokens.iter().filter(|t| !t.elided) {
        bits |= word_concepts(&tok.folded);
    }
    let words: Vec<&str> = tokens.iter().filter(|t| !t.elided).map(|t| t.folded.as_str()).collect();
    bits | t.phrases.scan(&words)
}

/// Phrase cues about the writer and the matter.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Cues {
    /// Refers to their own earlier contact ("je vous ai écrit sur Facebook").
    pub(crate) recall: bool,
    /// The matter goes on ("toujours pas", "still").
    pub(crate) still: bool,
    /// Says it is something else ("autre question").
    pub(crate) new_matter: bool,
    /// Says the trouble is back ("de nouveau en panne").
    pub(crate) recur: bool,
    /// A problem of one person ("mon mot de passe", "les autres y arrivent").
    pub(crate) personal: bool,
    /// Something is wrong.
    pub(crate) problem: bool,
    /// Asks how, when, whether: an information request.
    pub(crate) question: bool,
    /// Channels named as those of an earlier contact, as bits of `message::Channel` (only with
    /// `recall`).
    pub(crate) channels: u16,
    /// Names a relative ("mon mari", "my wife").
    pub(crate) kin: bool,
}

pub(crate) fn cues(tokens: &[Token], concepts: u64) -> Cues {
    let words: Vec<&str> = tokens.iter().map(|t| t.folded.as_str()).collect();
    let found = tables().cues.scan(&words);
    let any = |bit: u64| found & bit != 0;
    let others_fine = any(OTHERS_BIT) && any(FINE_BIT);
    let recall = any(RECALL_BIT);
    let channels = if recall { ((found & (KIN_BIT - 1)) >> CHANNEL_SHIFT) as u16 } else { 0 };
    Cues {
        recall,
        channels,
        still: any(STILL_BIT),
        new_matter: any(NEW_MATTER_BIT),
        recur: any(RECUR_BIT),
        personal: any(PERSONAL_BIT) || others_fine || owns_failing_device(tokens, concepts),
        problem: any(PROBLEM_BIT),
        question: any(QUESTION_BIT),
        kin: any(KIN_BIT),
    }
}

/// "mon portail électrique", "ma box", "mon nouvel ordinateur": the writer's own equipment.
/// A phone counts only in a network problem ("mon téléphone ne se connecte pas au wifi"), since
/// many reports end with "rappelez-moi sur mon portable".
fn owns_failing_device(tokens: &[Token], concepts: u64) -> bool {
    let network = concepts & Concept::Network.bit() != 0;
    tokens.windows(3).any(|w| {
        if !matches!(w[0].folded.as_str(), "mon" | "ma" | "mes" | "my" | "notre") {
            return false;
        }
        let noun = if lexicon::POSSESSED_ADJECTIVES.contains(&w[1].folded.as_str()) { &w[2] } else { &w[1] };
        let noun = noun.folded.as_str();
        lexicon::DEVICES.contains(&noun) || (network && lexicon::PHONES.contains(&noun))
    })
}

/// Whether a folded word names a month ("mars", "janv", "february").
pub(crate) fn is_month(word: &str) -> bool {
    MONTHS.iter().any(|(name, _)| *name == word)
}

const MONTHS: &[(&str, u16)] = &[
    ("janvier", 1),
    ("janv", 1),
    ("january", 1),
    ("jan", 1),
    ("fevrier", 2),
    ("fev", 2),
    ("february", 2),
    ("feb", 2),
    ("mars", 3),
    ("march", 3),
    ("mar", 3),
    ("avril", 4),
    ("avr", 4),
    ("april", 4),
    ("apr", 4),
    ("mai", 5),
    ("may", 5),
    ("juin", 6),
    ("june", 6),
    ("juillet", 7),
    ("juil", 7),
    ("july", 7),
    ("aout", 8),
    ("august", 8),
    ("aug", 8),
    ("septembre", 9),
    ("sept", 9),
    ("september", 9),
    ("sep", 9),
    ("octobre", 10),
    ("oct", 10),
    ("october", 10),
    ("novembre", 11),
    ("nov", 11),
    ("november", 11),
    ("decembre", 12),
    ("dec", 12),
    ("december", 12),
];

/// Days named relative to the message ("hier", "jeudi", "ce matin", "il y a 10 jours"), as
/// [`dates`] writes them, reckoned from `written`, the local day of the message: "je vous ai
/// écrit jeudi" names the day of that earlier message. A weekday with a date or "prochain"
/// ("jeudi 12 mars", "lundi prochain") names no day before it.
pub(crate) fn relative_days(tokens: &[Token], written: time::Date) -> Vec<u16> {
    let words: Vec<&str> = tokens.iter().map(|t| t.folded.as_str()).collect();
    let mut back: Vec<i64> = Vec::new();
    for (i, w) in words.iter().enumerate() {
        let next = |k: usize| words.get(i + k).copied().unwrap_or("");
        if let Some(n) = WEEKDAYS.iter().position(|d| d == w) {
            if next(1).parse::<u8>().is_ok() || matches!(next(1), "prochain" | "next") {
                continue;
            }
            // The last such day before today: "jeudi" written on a Thursday is a week ago.
            let named = (n % 7) as i64;
            let today = i64::from(written.weekday().number_days_from_monday());
            back.push((today - named - 1).rem_euclid(7) + 1);
            continue;
        }
        match *w {
            "hier" if i > 0 && words[i - 1] == "avant" => back.push(2),
            "hier" | "yesterday" => back.push(1),
            "matin" | "midi" if i > 0 && matches!(words[i - 1], "ce" | "a") => back.push(0),
            "morning" | "today" if i > 0 && matches!(words[i - 1], "this" | "earlier") => back.push(0),
            // "tout à l'heure": the elided "l" is a token of its own.
            "heure" if i >= 3 && words[i - 3] == "tout" && words[i - 2] == "a" => back.push(0),
            "il" if next(1) == "y" && next(2) == "a" => {
                if let Ok(n) = next(3).parse::<i64>()
                    && matches!(next(4), "jours" | "jour")
                    && (1..=31).contains(&n)
                {
                    back.push(n);
                }
            }
            // "Envoyée par mail le 1er", "mail du 8": a day of this month, or of the last one.
            "le" | "du" if i + 1 < tokens.len() && !tokens.get(i + 2).is_some_and(|t| t.slash) => {
                let more = next(2);
                let of_month = MONTHS.iter().any(|(m, _)| *m == more) || more.parse::<u16>().is_ok();
                // Not a floor, a district, a speed, a bus line or an emergency number: "le 1er
                // étage", "le 30 km/h", "la ligne du 8", "j'ai appelé le 17".
                let before = if i > 0 { words[i - 1] } else { "" };
                let not_a_day =
                    NOT_DAYS.contains(&more) || matches!(before, "appele" | "ligne" | "bus" | "numero" | "composer");
                if let Some(d) = day_number(next(1))
                    && !of_month
                    && !not_a_day
                {
                    let today = written.day();
                    let back_days = if d <= today {
                        i64::from(today - d)
                    } else {
                        // The named day of the month before: as many days back as it takes.
                        let last_month = written.replace_day(1).ok().and_then(|x| x.previous_day());
                        last_month.and_then(|b| b.replace_day(d).ok()).map_or(-1, |b| (written - b).whole_days())
                    };
                    if back_days >= 0 {
                        back.push(back_days);
                    }
                }
            }
            _ => {
                if let Ok(n) = w.parse::<i64>()
                    && matches!(next(1), "days" | "day")
                    && next(2) == "ago"
                    && (1..=31).contains(&n)
                {
                    back.push(n);
                }
            }
        }
    }
    let mut out: Vec<u16> =
        back.into_iter().filter_map(|n| written.checked_sub(time::Duration::days(n))).map(day_code).collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// What follows a number that is no day of the month: "le 1er étage", "le 30 km/h", "le 3 rue…".
const NOT_DAYS: &[&str] = &[
    "h",
    "heures",
    "euros",
    "eur",
    "rue",
    "avenue",
    "bd",
    "boulevard",
    "place",
    "etage",
    "arrondissement",
    "eme",
    "e",
    "bis",
    "ter",
    "km",
    "ans",
    "min",
    "minutes",
    "jours",
    "mois",
];

/// A day of the month as written: "14", "1er".
fn day_number(word: &str) -> Option<u8> {
    word.strip_suffix("er").unwrap_or(word).parse::<u8>().ok().filter(|d| (1..=31).contains(d))
}

/// A day as [`dates`] writes it: month × 100 + day ("14 mars" is 314).
pub(crate) fn day_code(d: time::Date) -> u16 {
    u16::from(u8::from(d.month())) * 100 + u16::from(d.day())
}

/// "jeudi", "friday": ends a place's name ("rue Pasteur jeudi") and names a day.
pub(crate) fn is_weekday(word: &str) -> bool {
    WEEKDAYS.contains(&word)
}

/// Days of the week, Monday first, in French then English.
const WEEKDAYS: &[&str] = &[
    "lundi",
    "mardi",
    "mercredi",
    "jeudi",
    "vendredi",
    "samedi",
    "dimanche",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// Calendar dates named in the text, as `month * 100 + day` ("16 mars", "14/02/1987").
pub(crate) fn dates(tokens: &[Token]) -> Vec<u16> {
    let mut out = Vec::new();
    for i in 0..tokens.len() {
        let Some(d) = day_number(&tokens[i].folded).map(u16::from) else { continue };
        let Some(next) = tokens.get(i + 1) else { continue };
        if let Some((_, m)) = MONTHS.iter().find(|(name, _)| *name == next.folded) {
            out.push(m * 100 + d);
        } else if next.slash
            && let Ok(m) = next.folded.parse::<u16>()
            && (1..=12).contains(&m)
        {
            out.push(m * 100 + d);
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_lose_their_prefixes() {
        assert_eq!(strip_subject("RE: RE: Demande acte"), "Demande acte");
        assert_eq!(strip_subject("TR : Fwd: coupure"), "coupure");
        assert_eq!(strip_subject("Relance : acte de mariage"), "Relance : acte de mariage");
        assert!(is_reply_subject("RE : Demande acte") && is_reply_subject("Réf: dossier"));
        assert!(!is_reply_subject("TR: coupure") && !is_reply_subject("Fwd: coupure") && !is_reply_subject("Relance"));
    }

    #[test]
    fn tokens_know_elisions_capitals_and_punctuation() {
        let toks = tokenize("L'éclairage, croisement Pasteur/Gambetta n°45 Wi-Fi");
        let f: Vec<&str> = toks.iter().map(|t| t.folded.as_str()).collect();
        assert_eq!(f, ["l", "eclairage", "croisement", "pasteur", "gambetta", "numero", "45", "wifi"]);
        assert!(toks[0].elided && toks[0].cap);
        assert!(toks[2].boundary && !toks[3].boundary && toks[4].slash);
    }

    #[test]
    fn stems_survive_accents_sms_and_english() {
        let s = |t: &str| {
            let toks = expand(tokenize(t));
            let en = is_english(&toks);
            stems(&toks, en)
        };
        assert_eq!(s("éclairage"), s("eclairage"));
        assert_eq!(s("bjr tjrs pas de lampadaire"), s("lampadaires"));
        assert!(s("The heating is broken in the library").contains(&"chauffag".to_owned()));
        // A word of the occurrence, written in the other language.
        for (english, french) in [("The shuttle did not come", "navette"), ("The pool is closed", "piscine")] {
            assert!(s(english).contains(&s(french)[0]), "{english}");
        }
    }

    #[test]
    fn sketches_estimate_overlap() {
        let sh = |s: &str| {
            let toks = expand(tokenize(s));
            shingles(&stems(&toks, false))
        };
        let a = sh("Un gros nid de poule devant le 45 avenue des Tilleuls, ma voiture a failli y laisser une roue");
        let b = sh("le nid de poule avenue des tilleuls est toujours pas rebouché");
        let c = sh("inscription à la cantine de l'école pour mon fils");
        let sk = Sketch::of(&a);
        assert!(sk.overlap(&b) > 0.6, "{}", sk.overlap(&b));
        assert!(sk.overlap(&c) < 0.1);
        assert!((sk.overlap(&a) - 1.0).abs() < 1e-6);
        let short = sh("merci, réparé ce soir");
        assert!(sk.overlap(&short) < 0.3);
    }

    #[test]
    fn sketches_count_exactly_the_samples_found() {
        // 60 shingles, every third one shared: the merge must find the 16 of the 48 samples.
        let a: Vec<u32> = (0..60).map(|i| i * 10).collect();
        let b: Vec<u32> = (0..60).map(|i| if i % 3 == 0 { i * 10 } else { i * 10 + 5 }).chain([5000]).collect();
        assert_eq!(Sketch::of(&a).shared(&b), 16.0 / 48.0 * 60.0);
        assert_eq!(Sketch::of(&a).shared(&[]), 0.0);
        assert_eq!(Sketch::of(&a).shared(&[0, 470, 480]), 2.0 / 48.0 * 60.0);
    }

    #[test]
    fn cues_and_concepts_are_found() {
        let toks = expand(tokenize("Bonjour, je vous ai écrit sur Facebook : plus d'eau au robinet, mon mot de passe"));
        let c = cues(&toks, concepts(&toks));
        assert!(c.recall && c.personal && c.problem && !c.new_matter);
        assert_eq!(Concept::names(concepts(&toks)), ["water"]);
        let toks = expand(tokenize("un nid-de-poule et la carte d'identité"));
        assert_eq!(Concept::names(concepts(&toks)), ["road", "id-documents"]);
        let personal = |s: &str| {
            let toks = expand(tokenize(s));
            cues(&toks, concepts(&toks)).personal
        };
        assert!(personal("depuis la coupure, mon portail électrique ne s'ouvre plus"));
        assert!(personal("je n'arrive pas à me connecter au wifi depuis mon nouvel ordinateur"));
        assert!(personal("le wifi ne marche pas, mes amis n'ont aucun problème"));
        assert!(personal("mon téléphone ne se connecte pas au wifi"));
        assert!(!personal("plus de courant rue Basse, rappelez-moi sur mon portable"));
        assert!(!personal("plus d'eau chez moi depuis ce matin"));
    }

    #[test]
    fn dates_are_read() {
        assert_eq!(dates(&tokenize("né le 14/02/1987, rdv le 1er avril et le 16 mars")), [214, 316, 401]);
    }

    #[test]
    fn days_named_relative_to_the_message_are_read() {
        // Written on Monday 9 March 2026.
        let written = time::macros::date!(2026 - 03 - 09);
        let cases: [(&str, &[u16]); 15] = [
            ("je vous ai écrit jeudi", &[305]),
            // A day of this month, or of the last one when it is still to come.
            ("demande envoyée par mail le 1er", &[301]),
            ("mon mail du 20, et la relance le 8 à 10 h", &[220, 308]),
            ("le 3 rue des Lilas, le 16 mars, le 14/02", &[]),
            ("au 1er étage, le 30 km/h, la ligne du 8, j'ai appelé le 17", &[]),
            ("je vous ai écrit lundi dernier", &[302]),
            ("suite à mon appel d'hier", &[308]),
            ("mon mail d'avant-hier", &[307]),
            ("I emailed you on Friday, and yesterday", &[306, 308]),
            ("je vous ai écrit sur Facebook à midi, puis ce matin", &[309]),
            ("une demande sur votre site il y a 10 jours", &[227]),
            ("sent 3 days ago", &[306]),
            ("le 16 mars, dans 3 jours, il y a longtemps", &[]),
            ("je vous ai écrit tout à l'heure", &[309]),
            ("rendez-vous jeudi 12 mars ou lundi prochain", &[]),
        ];
        for (text, want) in cases {
            assert_eq!(relative_days(&tokenize(text), written), want, "{text}");
        }
    }

    #[test]
    fn an_earlier_contact_and_its_channel_are_read() {
        let cases = [
            ("Appel de M. Morel pour son abri de jardin, deux mails sans réponse.", 1 << 1),
            ("Mme Moreau se présente (mail envoyé le 08/09).", 1 << 1),
            ("Comme demandé sur Messenger, voici mon RIB.", 1 << 2),
            ("le composteur demandé par mail le 20 mai", 1 << 1),
            ("Je suis @vlp_grognon sur X, je vous ai écrit hier soir", 1 << 5),
            ("Je vous avais signalé lundi la colonne à verre pleine", 0),
            ("Comme convenu au téléphone, je vous adresse ma demande", 1 << 6),
            ("3e jour sans ascenseur. Signalé via votre formulaire mercredi", 1),
            ("My husband emailed last week about the school", 1 << 1),
            ("Hello again, I asked yesterday through your website", 1),
            ("J'ai posé une question hier sur votre site", 1),
            ("M. Ferreira venu finaliser l'inscription (avait écrit fin mars)", 0),
            ("J'ai téléphoné il y a deux semaines pour le trottoir", 1 << 6),
            ("Appel de Mme Cordier, suite à ses deux mails", 1 << 1),
            ("Je vous ai tagués sur X tout à l'heure", 1 << 5),
        ];
        for (text, channels) in cases {
            let toks = expand(tokenize(text));
            let c = cues(&toks, concepts(&toks));
            assert!(c.recall, "{text}");
            assert_eq!(c.channels, channels, "{text}");
        }
        // A website named as where to do something is no earlier contact.
        for text in ["Sur le site de prise de rendez-vous tout est complet", "ça met erreur sur l'appli et sur le site"]
        {
            let toks = expand(tokenize(text));
            assert!(!cues(&toks, concepts(&toks)).recall, "{text}");
        }
    }

    #[test]
    fn a_new_occurrence_and_an_answer_awaited_are_read() {
        let cue = |s: &str| {
            let toks = expand(tokenize(s));
            cues(&toks, concepts(&toks))
        };
        let c = cue("Nouvelle suppression ce soir : le TER de 17h46 n'a pas circulé");
        assert!(c.recur && c.problem);
        assert!(cue("le car de 7h10 supprimé sans prévenir").problem);
        assert!(cue("la commission a eu lieu hier, est-ce qu'on a une réponse pour Jade ?").still);
        assert!(!cue("la commission a lieu quand ? on attend la date").still);
        for report in [
            "baignade interdite au poste 2, drapeau rouge",
            "pourquoi ya pas eu de cantine a paul bert aujourdhui ?",
            "The recycling bins were not collected on Monday",
        ] {
            assert!(cue(report).problem, "{report}");
        }
        assert!(cue("plus d'électricité chez elle alors que les voisins en ont").personal);
        assert_eq!(Concept::names(concepts(&expand(tokenize("douches froides au camping")))), ["toilets"]);
        assert_eq!(
            Concept::names(concepts(&expand(tokenize("impossible de doucher les enfants")))),
            Vec::<&str>::new()
        );
        assert_eq!(Concept::names(concepts(&expand(tokenize("une place en crèche pour Jade")))), ["school"]);
    }

    #[test]
    fn one_edit_apart() {
        assert!(within_one_edit("gambetta", "gambeta"));
        assert!(within_one_edit("benali", "bennali"));
        assert!(within_one_edit("tilleul", "tilleol"));
        assert!(!within_one_edit("moulin", "martin"));
    }
}
