//! The rules, strongest evidence first: the thread (a reply, a reference), then the same
//! citizen, then another identity under a fitting name, then other citizens' reports of the same
//! occurrence. Each rule needs several cues to agree, because a wrong merge costs more than a
//! missed one.

use super::identity::{
    Identity, MAX_TOKENS, Name, NameFit, compact_fit, compact_letters, identities, letters_conflict, signed_phones,
};
use super::lexicon::Concept;
use super::places::{self, Fit, Place, PlaceFit};
use super::text::{self, Cues, hash_str};
use super::{
    Decision, DedupConfig, Engine, IncidentChoice, IncidentId, Reasons, TicketState, channel_key, kind_key, name_key,
    outage_key, place_key, seen_key, tag, word_key,
};
use crate::domain::message::InboundMessage;

/// Everything the rules read from a message, computed once.
pub(crate) struct Features {
    pub(crate) time: i64,
    pub(crate) identities: Vec<Identity>,
    pub(crate) name: Option<Name>,
    /// A name the writer gives in the text ("c'est Jean-Baptiste").
    pub(crate) stated: Option<Name>,
    /// The account the writer says they wrote from ("sur X (compte « max »)").
    pub(crate) account: Option<Name>,
    /// A relative the writer writes for, in a recall ("la demande faite par mon mari Julien
    /// Roussel").
    pub(crate) relative: Option<Name>,
    pub(crate) shingles: Vec<u32>,
    /// Written in English (else French): two languages share few words for one occurrence.
    pub(crate) english: bool,
    /// Words of its own beyond greetings and chatter.
    pub(crate) content: usize,
    pub(crate) places: Vec<Place>,
    /// Words that may name a known place ([`places::loose_names`]).
    pub(crate) loose_places: Vec<Box<str>>,
    pub(crate) concepts: u64,
    pub(crate) cues: Cues,
    pub(crate) dates: Vec<u16>,
    /// Days named relative to the message ("hier", "jeudi"), read only in a recall ("je vous
    /// ai écrit jeudi"): compared with the days of a ticket's first and last messages.
    pub(crate) days: Vec<u16>,
    pub(crate) references: Vec<String>,
    pub(crate) in_reply_to: Option<String>,
    pub(crate) topic: Option<String>,
    /// The bit of its channel, as [`Cues::channels`] names them.
    pub(crate) channel: u16,
    /// Answers an earlier exchange (a `Re:` subject, a quoted message) whose own id the
    /// history may not hold: the answer of an agent is not a message of the set.
    pub(crate) replies: bool,
    /// The sender gave a name ([`Features::name`] may be read from an email address instead).
    pub(crate) gave_name: bool,
    /// Its distinct stems, hashed, longest first: how rare each is on the site finds the words
    /// that name an occurrence ("moodle", "izly", "laverie") where no place is parsed.
    pub(crate) words: Vec<u64>,
}

impl Features {
    pub(crate) fn of(m: &InboundMessage) -> Features {
        let subject = m.subject.as_deref().map(text::strip_subject).unwrap_or("");
        let (words, quoted) = crate::domain::quotes::read(&m.body);
        let tokens = text::expand(text::tokenize(&format!("{subject}\n{words}")));
        let english = text::is_english(&tokens);
        let mut places = places::extract(&tokens);
        if let Some(location) = &m.location {
            for p in places::from_location(&text::expand(text::tokenize(location))) {
                if !places.iter().any(|q| q.kind == p.kind && q.name == p.name) {
                    places.push(p);
                }
            }
        }
        let mut references = Vec::new();
        for s in [m.subject.as_deref(), Some(m.body.as_str()), m.in_reply_to.as_deref()].into_iter().flatten() {
            for r in find_references(s) {
                if !references.contains(&r) {
                    references.push(r);
                }
            }
        }
        // The form's topic ("eclairage", "eau") names a concept as surely as the text does.
        let topic_concepts = m.topic.as_deref().map_or(0, |t| text::concepts(&text::tokenize(t)));
        let concepts = text::concepts(&tokens) | topic_concepts;
        let mut ids = identities(&m.from);
        for p in signed_phones(&m.body) {
            if !ids.contains(&p) {
                ids.push(p);
            }
        }
        let name = Name::of(&m.from);
        // "Mimi C" writing "c'est Noémie": Noémie C, the surname or its initial from the
        // display name.
        let stated = Name::stated(&tokens)
            .map(|mut s| {
                if let Some(n) = name.as_ref().filter(|n| n.tokens.len() >= 2 && !n.loose)
                    && let Some(last) = n.tokens.last()
                    && !s.tokens.contains(last)
                    && s.tokens.len() < MAX_TOKENS
                {
                    s.tokens.push(last.clone());
                }
                s
            })
            .filter(|s| Some(s) != name.as_ref());
        // The writer's own name ("c'est Marie-Laure Ollivier", "Appel de Mme Ollivier", a
        // signature) is in many of their messages whatever the matter: not words of the matter.
        let own: Vec<&str> = name
            .iter()
            .chain(&stated)
            .flat_map(|n| n.tokens.iter().map(String::as_str))
            .filter(|t| t.chars().count() >= 3)
            .collect();
        let stems = text::stems(tokens.iter().filter(|t| !own.contains(&t.folded.as_str())), english);
        // Longest first: among words equally rare, the longer names the matter better. Numbers
        // and times ("14h") name no matter.
        let mut long: Vec<&String> =
            stems.iter().filter(|s| !s.chars().all(|c| c.is_ascii_digit() || c == 'h')).collect();
        long.sort_by_key(|s| std::cmp::Reverse(s.len()));
        let mut hashed: Vec<u64> = Vec::with_capacity(long.len());
        for s in long {
            let w = hash_str(&[b"s", s.as_bytes()]);
            if !hashed.contains(&w) {
                hashed.push(w);
            }
        }
        let loose_places = if places.is_empty() { places::loose_names(&tokens) } else { Vec::new() };
        let cues = text::cues(&tokens, concepts);
        Features {
            time: m.received_at.unix_timestamp(),
            loose_places,
            identities: ids,
            name,
            stated,
            account: if cues.recall { Name::account(&words) } else { None },
            relative: if cues.recall { Name::relative(&tokens) } else { None },
            shingles: text::shingles(&stems),
            english,
            content: stems.len(),
            places,
            concepts,
            // Only a recall's days are ever compared: no scan for the others. In French time, as
            // `day_of` reads a ticket's days: timestamps may come in UTC.
            days: if cues.recall {
                text::relative_days(&tokens, paris_date(m.received_at.unix_timestamp()))
            } else {
                Vec::new()
            },
            cues,
            dates: text::dates(&tokens),
            references,
            in_reply_to: m.in_reply_to.clone(),
            topic: m.topic.clone(),
            channel: 1 << (m.channel as u8),
            gave_name: m.from.name.is_some(),
            replies: quoted || m.subject.as_deref().is_some_and(text::is_reply_subject),
            words: hashed,
        }
    }

    /// Reports something wrong, rather than asking how or when.
    pub(crate) fn reports(&self) -> bool {
        self.cues.problem || !self.cues.question
    }

    /// Says the matter goes on: "toujours pas", "je relance", a reply to an exchange.
    fn continues(&self) -> bool {
        self.cues.still || self.cues.recall || self.replies
    }

    /// Nothing of its own to compare: "Merci, c'est réparé", "Toujours rien ??".
    fn contentless(&self) -> bool {
        self.content <= 2 && self.concepts == 0 && self.places.is_empty()
    }
}

/// How a name fits the names a ticket holds: a strong fit with one of them counts (a ticket
/// may hold a nickname too); a weak one only if none contradicts it.
fn ticket_name_fit(name: &Name, names: &[Box<str>]) -> Option<NameFit> {
    let letters = name.letters();
    let (mut best, mut conflict) = (None, false);
    for n in names {
        let fit = if letters_conflict(letters, compact_letters(n)) { NameFit::Conflict } else { compact_fit(name, n) };
        conflict |= fit == NameFit::Conflict;
        best = best.max(Some(fit));
    }
    match best? {
        NameFit::Strong => Some(NameFit::Strong),
        NameFit::Weak if !conflict => Some(NameFit::Weak),
        _ => None,
    }
}

/// Whether `name` is surely someone else than every name the ticket holds.
/// Full names only: "Patrice" on WhatsApp and "M. Leclerc" on the phone may be one man.
fn names_conflict(name: &Name, names: &[Box<str>]) -> bool {
    name.is_full() && surely_other(name, names)
}

/// Whether every name the ticket holds is a full name that `name` contradicts.
fn surely_other(name: &Name, names: &[Box<str>]) -> bool {
    !names.is_empty()
        && names.iter().all(|n| {
            // A ticket keeps "~" before a username's name and spaces between full tokens.
            let full_theirs = !n.starts_with('~') && n.split(' ').filter(|t| t.chars().count() >= 2).count() >= 2;
            full_theirs && compact_fit(name, n) == NameFit::Conflict
        })
}

/// Ticket references such as `VE-2026-000123`, also inside `<ticket.ve-2026-000123@…>`.
pub(crate) fn find_references(s: &str) -> Vec<String> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_alphabetic() || (i > 0 && b[i - 1].is_ascii_alphanumeric()) {
            i += 1;
            continue;
        }
        let letters = b[i..].iter().take_while(|c| c.is_ascii_alphabetic()).count();
        let mut j = i + letters;
        let year = j < b.len() && b[j] == b'-' && b[j + 1..].iter().take_while(|c| c.is_ascii_digit()).count() == 4;
        if (1..=8).contains(&letters) && year {
            j += 5;
            let digits = if j < b.len() && b[j] == b'-' {
                b[j + 1..].iter().take_while(|c| c.is_ascii_digit()).count()
            } else {
                0
            };
            if digits >= 3 {
                let end = j + 1 + digits;
                if end >= b.len() || !b[end].is_ascii_alphanumeric() {
                    out.push(s[i..end].to_uppercase());
                }
                i = end;
                continue;
            }
        }
        i += letters.max(1);
    }
    out
}

/// How a message relates to one ticket's matter.
struct Matter {
    similarity: f32,
    place: PlaceFit,
    shared: u64,
    /// Both name topics and none is shared.
    disjoint: bool,
    shared_date: bool,
    same_topic: bool,
    /// Seconds between the message and the ticket's span of messages.
    gap: i64,
    ticket_concepts: u64,
    /// Concepts either side names.
    named: u64,
    /// The message says it follows an earlier contact by a channel the ticket came by.
    recalled: bool,
}

impl Matter {
    /// "Le souterrain est de nouveau inondé": the writer's trouble is back, a day or more
    /// after the ticket's last word, so it is another occurrence.
    fn new_occurrence(&self, f: &Features) -> bool {
        f.cues.recur
            && (self.shared & Concept::incident_bits() != 0 || f.cues.problem)
            && self.gap > DAY
            // "Suite à mon signalement d'hier : ça recommence": the same report, not yet mended.
            && !(f.cues.recall && self.shared_date)
    }

    /// A topic in common beyond the broad ones ("studies"), in enough of the same words.
    fn same_topic_words(&self, c: &DedupConfig) -> bool {
        self.shared & !Concept::broad_bits() != 0 && self.similarity >= c.topic_similarity
    }

    fn place_verdict(&self) -> Fit {
        self.place.verdict(Concept::area(self.shared, self.named) != 0)
    }
}

/// Both name topics and none is shared.
fn disjoint(a: u64, b: u64) -> bool {
    a != 0 && b != 0 && a & b == 0
}

/// A moment's day as [`text::dates`] writes it (month × 100 + day), in French winter time: a
/// day named in a message is a local day (in summer, the hour after midnight counts as the day
/// before; a recalled day rarely is that hour).
fn day_of(unix_seconds: i64) -> u16 {
    text::day_code(paris_date(unix_seconds))
}

/// A moment's local date in French winter time.
fn paris_date(unix_seconds: i64) -> time::Date {
    const PARIS_WINTER: i64 = 3600;
    time::OffsetDateTime::from_unix_timestamp(unix_seconds + PARIS_WINTER)
        .map_or(time::Date::MIN, time::OffsetDateTime::date)
}

/// Which walk found an incident candidate: each has its own test.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Found {
    Place,
    Outage,
    Words,
    /// The same kind of trouble said outright, within hours, by a report naming no place.
    Kind,
}

/// Seconds between a message and a ticket's span of messages.
fn gap(f: &Features, t: &TicketState) -> i64 {
    if f.time < t.first {
        t.first - f.time
    } else if f.time > t.last {
        f.time - t.last
    } else {
        0
    }
}

/// How many of a citizen's tickets (newest first) a decision reads: an association writing daily
/// must not make every decision slow.
const OWN_CAP: usize = 256;

/// How many index nodes one key may cost a decision: the newest are the ones the windows want.
/// More than this many tickets under one street within a window is a city-wide event, whose
/// newest reports are the ones to group with.
const WALK_CAP: usize = 128;

/// Reports of one utility outage (no water, no power, no Wi-Fi) come within these hours of
/// each other, whatever streets or words they use.
const OUTAGE_BURST: i64 = 6 * 3600;

/// A citizen writing again about a matter of the same incident kind within this time is the
/// same matter, even in other words ("l'eau est revenue mais marron").
const SAME_KIND_GAP: i64 = 3 * DAY;

/// A citizen who writes again after this long without saying so ("toujours pas", "je relance",
/// a reply) brings another matter or another occurrence: the old one was settled or dropped.
const QUIET_GAP: i64 = 14 * DAY;

const DAY: i64 = 24 * 3600;

/// How far back "je vous ai écrit par mail" reaches without a place or a name to go by.
const RECALL_GAP: i64 = 14 * DAY;

/// Reports of one occurrence that share their rarest words come within these hours.
const WORD_BURST: i64 = 12 * 3600;

/// How many of a report's rarest words index it.
pub(crate) const RARE_WORDS: usize = 16;
/// How many of a message's rare words a decision looks up: more than a report is indexed under,
/// since its own new words come first and the shared ones after them.
const RARE_LOOKUPS: usize = 32;
/// How many rare words two reports must share within [`WORD_BURST`].
const SHARED_RARE_WORDS: usize = 2;
/// Within these hours one rare word is enough, when both reports say outright that something
/// is wrong ("moodle down", "Moodle marche plus du tout").
const ONE_WORD_BURST: i64 = 6 * 3600;
/// Within these hours, reports of one kind of trouble said outright are tested like reports
/// sharing a rare word.
const KIND_BURST: i64 = 6 * 3600;
/// A word is rare on a site when at most one message in this many used it, or at most
/// [`RARE_FLOOR`] messages while the site is young.
const RARE_SHARE: u32 = 25;
const RARE_FLOOR: u32 = 8;
/// Reports that share rare words need less of the rest in common than reports found by place.
const WORD_SIMILARITY: f32 = 0.2;
/// The same, between a French and an English report.
const CROSS_LANGUAGE_SIMILARITY: f32 = 0.1;

impl Engine {
    pub(super) fn decide_features(&self, site: u32, f: &Features) -> Decision {
        if let Some(d) = self.by_thread(site, f) {
            return self.grouped(site, f, d, &[], &[]);
        }
        let nodes: Vec<u32> = f.identities.iter().filter_map(|i| self.registry.get(site, i)).collect();
        let mut own: Vec<u32> = Vec::new();
        for &n in &nodes {
            for c in self.registry.citizen(n) {
                for s in self.registry.tickets_of(c).take(OWN_CAP) {
                    if !own.contains(&s)
                        && self.tickets[s as usize].nodes.contains(&c)
                        && !nodes.iter().any(|&n| self.forbidden.contains(&(n, s)))
                    {
                        own.push(s);
                    }
                }
            }
        }
        if let Some(d) = self.by_citizen(f, &own) {
            return self.grouped(site, f, d, &own, &[]);
        }
        let mut named: Vec<u32> = Vec::new();
        if let Some(d) = self.by_name(site, f, &nodes, &own, &mut named) {
            return self.grouped(site, f, d, &own, &named);
        }
        if let Some(d) = self.by_recall(site, f, &nodes) {
            return self.grouped(site, f, d, &own, &named);
        }
        self.by_incident(site, f, &own, &named)
    }

    /// A follow-up to a ticket in no incident may say what its first message did not: where,
    /// what ("aucun bus de la ligne 7 à l'arrêt Capucins" after "toujours pas de 7 ?!"). If
    /// it is another report of an occurrence other citizens reported, the ticket joins them.
    fn grouped(&self, site: u32, f: &Features, d: Decision, own: &[u32], named: &[u32]) -> Decision {
        let Decision::FollowUp { ticket, reasons, .. } = d else { return d };
        let Some(&slot) = self.slots.get(&ticket) else {
            return Decision::follow_up(ticket, reasons);
        };
        let t = &self.tickets[slot as usize];
        let mut incident = IncidentChoice::None;
        let mut grouped = None;
        // Not a ticket that asked something or that was one person's problem from the start.
        if t.incident.is_none() && !t.detached && t.reports && !t.personal && f.time - t.first <= DAY {
            let mut mine = own.to_vec();
            mine.push(slot);
            if let Decision::NewTicket { incident: i, reasons } = self.by_incident(site, f, &mine, named)
                && !i.is_none()
            {
                incident = i;
                grouped = Some(Box::new(reasons));
            }
        }
        Decision::FollowUp { ticket, reasons, incident, grouped }
    }

    fn matter(&self, f: &Features, t: &TicketState) -> Matter {
        self.matter_at(f, t, places::compare(&f.places, &t.places))
    }

    /// [`Engine::matter`] with the places already compared (walks compare them first, since a
    /// place that does not fit ends the candidate before the costlier similarity).
    fn matter_at(&self, f: &Features, t: &TicketState, place: PlaceFit) -> Matter {
        let shared = f.concepts & t.concepts;
        Matter {
            similarity: t.sketch.overlap(&f.shingles),
            place,
            shared,
            disjoint: disjoint(f.concepts, t.concepts),
            // "Son appel du 2 novembre": a date the writer recalls may be the ticket's own day.
            shared_date: f.dates.iter().any(|d| t.dates.contains(d))
                || ((!f.dates.is_empty() || !f.days.is_empty()) && {
                    // "Attend depuis le 14/10 son relevé", "son appel du 2 mars" (days named
                    // relative to the message are read only in a recall).
                    let (first, last) = (day_of(t.first), day_of(t.last));
                    f.dates.iter().chain(&f.days).any(|d| *d == first || *d == last)
                }),
            same_topic: f.topic.as_ref().is_some_and(|x| self.topics.get(x).copied() == t.topic && t.topic.is_some()),
            gap: gap(f, t),
            ticket_concepts: t.concepts,
            named: f.concepts | t.concepts,
            recalled: f.cues.recall && f.cues.channels & t.channels != 0,
        }
    }

    fn by_thread(&self, site: u32, f: &Features) -> Option<Decision> {
        if let Some(irt) = &f.in_reply_to
            && let Some(&m) = self.seen.get(&seen_key(site, irt))
        {
            let t = &self.tickets[self.messages[m as usize].ticket as usize];
            let reasons = Reasons {
                rule: "thread".into(),
                thread: Some(format!("in reply to {irt}")),
                headline: format!("replies to message {irt}"),
                ..Reasons::default()
            };
            return Some(Decision::follow_up(t.id, reasons));
        }
        for r in &f.references {
            if let Some(id) = self.references.get(r)
                && let Some(&slot) = self.slots.get(id)
                && self.tickets[slot as usize].site == site
            {
                let reasons = Reasons {
                    rule: "reference".into(),
                    thread: Some(format!("reference {r}")),
                    headline: format!("names the ticket reference {r}"),
                    ..Reasons::default()
                };
                return Some(Decision::follow_up(*id, reasons));
            }
        }
        None
    }

    /// Same citizen (a shared or linked identity): the same matter continues the ticket; a
    /// different matter is a new ticket.
    fn by_citizen(&self, f: &Features, own: &[u32]) -> Option<Decision> {
        let c = &self.config;
        let mut best: Option<(f32, u32, Matter, &'static str)> = None;
        for &slot in own {
            let t = &self.tickets[slot as usize];
            // A family mailbox or phone: Élodie Vidal is not Marcel Vidal, whatever they share.
            let given = f.stated.as_ref().or(f.name.as_ref().filter(|_| f.gave_name));
            // Unless they write for a relative who wrote before ("my husband emailed you").
            if given.is_some_and(|n| names_conflict(n, &t.names)) && !(f.cues.recall && f.cues.kin) {
                continue;
            }
            if gap(f, t) > c.ticket_window.whole_seconds() {
                continue;
            }
            let m = self.matter(f, t);
            let pv = m.place_verdict();
            let why = self.citizen_rule(f, &m, pv);
            let Some(why) = why else { continue };
            let days = m.gap as f32 / 86_400.0;
            // Evidence of the matter first; a message with nothing of its own goes to the
            // ticket the citizen was last writing about.
            let score = if why == "nothing new of its own" || why == "continues the conversation" {
                -days
            } else {
                100.0
                    + m.similarity
                    + if pv == Fit::Strong { 0.5 } else { 0.0 }
                    + if m.shared != 0 { 0.3 } else { 0.0 }
                    + if m.shared_date { 0.5 } else { 0.0 }
                    - days * 0.01
            };
            if best.as_ref().is_none_or(|b| score > b.0) {
                best = Some((score, slot, m, why));
            }
        }
        let (_, slot, m, why) = best?;
        let t = &self.tickets[slot as usize];
        let shared_ids: Vec<String> = f
            .identities
            .iter()
            .filter(|i| {
                self.registry.get(t.site, i).is_some_and(|n| {
                    let r = self.registry.root(n);
                    t.nodes.iter().any(|x| self.registry.root(*x) == r)
                })
            })
            .map(ToString::to_string)
            .collect();
        let rule = if why == "nothing new of its own" || why == "continues the conversation" {
            "conversation"
        } else {
            "same-citizen"
        };
        let mut reasons = self.reasons(rule, f, &m, t);
        reasons.identities = shared_ids;
        reasons.cues.push(why.to_owned());
        reasons.headline = format!(
            "same citizen ({}), {why}",
            if reasons.identities.is_empty() { "linked identity".to_owned() } else { reasons.identities.join(", ") }
        );
        Some(Decision::follow_up(t.id, reasons))
    }

    /// Why a message of the same citizen continues this ticket, if it does.
    fn citizen_rule(&self, f: &Features, m: &Matter, pv: Fit) -> Option<&'static str> {
        let c = &self.config;
        // "Autre chose : toujours pas de réponse pour la garderie des Edelweiss": the writer
        // leaves the matter of the conversation for one of their other tickets, which the same
        // place and the same topic name.
        if f.cues.new_matter {
            return (pv == Fit::Strong && m.shared != 0).then_some("same place and topic");
        }
        // "Je complète ma demande faite sur le site lundi": the citizen says which of their
        // tickets this is, whatever else the words name (a bill sent as proof of address).
        // "Je vous ai contacté hier sur WhatsApp": the channel and the day of the earlier message
        // name it, even when SMS spelling leaves few words in common.
        if m.recalled
            && (pv == Fit::Strong || m.similarity >= c.topic_similarity || m.shared_date)
            && m.gap <= SAME_KIND_GAP * 3
        {
            return Some("names the channel of the earlier message");
        }
        // Somewhere else, or about another topic.
        let other = (pv == Fit::Conflict && (m.similarity < 0.6 || m.place.distinct))
            || (m.disjoint && m.similarity < c.follow_similarity);
        if other || (m.gap >= QUIET_GAP && !f.continues()) {
            return None;
        }
        // "La chaudière de l'école est de nouveau à l'arrêt": a new occurrence of what this
        // ticket reported, once a day has passed.
        if m.new_occurrence(f) {
            return None;
        }
        // A cut of water, power or gas lasts hours: the same citizen without it days later
        // again reports another cut, even when "toujours sans avertissement".
        let brief = Concept::Water.bit() | Concept::Power.bit() | Concept::Gas.bit();
        let cut = Concept::outages(f.concepts) & Concept::outages(m.ticket_concepts) & brief;
        if cut != 0 && m.shared & !brief == 0 && m.gap > SAME_KIND_GAP && !f.cues.recall {
            return None;
        }
        // A ticket whose topic the lexicon could not name ("un platane est tombé") does not
        // contradict one that it can ("l'arbre est toujours là").
        let untopical = f.concepts == 0 || m.ticket_concepts == 0;
        // Their own street names all their requests: a problem there weeks later is another.
        // A recall naming another channel than this ticket's ("au sujet de sa lettre") is about
        // another of their requests.
        let recalls_this = f.cues.recall && (f.cues.channels == 0 || m.recalled);
        let same_place_topic = m.shared != 0
            || (untopical && (f.cues.still || recalls_this || (f.cues.problem && m.gap <= SAME_KIND_GAP)));
        // One citizen's bill, grant and deposit are all money, and three matters: money names
        // this one only when they say it goes on ("toujours pas de bourse").
        let matters = if f.continues() { m.shared } else { m.shared & !Concept::Money.bit() };
        let same_topic = matters != 0
            && (m.same_topic_words(c)
                || f.continues()
                || m.shared_date
                || pv == Fit::Weak
                || (m.shared & Concept::incident_bits() != 0 && m.gap <= SAME_KIND_GAP));
        let conversation = m.gap <= c.conversation_gap.whole_seconds()
            && f.concepts == 0
            && f.places.is_empty()
            && (f.cues.recall || f.cues.still);
        if pv == Fit::Strong && same_place_topic {
            Some("same place")
        } else if m.similarity >= c.follow_similarity {
            Some("similar words")
        } else if same_topic {
            Some("same topic")
        } else if m.shared_date && m.similarity >= c.topic_similarity {
            // "Prêt confirmé pour le samedi 27 juin" after their request for the 27th; "je vous
            // avais signalé lundi la colonne à verre" on the ticket of that Monday.
            Some("names the date of the earlier request")
        } else if f.contentless() {
            Some("nothing new of its own")
        } else if conversation {
            Some("continues the conversation")
        } else {
            None
        }
    }

    /// Another identity under a fitting name ("Karim B." on Messenger, "Karim Benali" on the
    /// widget): the same request only with strong agreement on the matter.
    fn by_name(&self, site: u32, f: &Features, nodes: &[u32], own: &[u32], named: &mut Vec<u32>) -> Option<Decision> {
        let c = &self.config;
        // The name given in the text first: "Titi Delorme" on Messenger writing "c'est
        // Jean-Baptiste" is Jean-Baptiste Delorme.
        let names: Vec<&Name> = f.stated.iter().chain(&f.name).chain(&f.account).chain(&f.relative).collect();
        if names.is_empty() {
            return None;
        }
        // Someone who says they wrote before is believed over the whole ticket window.
        let window = if f.cues.recall { c.ticket_window.max(c.name_window) } else { c.name_window };
        // A full name that fits fully ("Henriette Costes" at the desk, then on the phone) is
        // believed over the ticket window too.
        let full = names.iter().any(|n| n.is_full());
        let full_window = if full { c.ticket_window.max(window) } else { window };
        let since = f.time - full_window.whole_seconds();
        let mut candidates = Vec::new();
        let letters: Vec<u32> = names.iter().map(|n| n.letters()).collect();
        let accept = |tag: u32| letters.iter().any(|&l| !letters_conflict(l, tag));
        for name in &names {
            for tok in name.full_tokens() {
                self.names.walk(name_key(site, tok), since, WALK_CAP, &mut candidates, accept);
            }
        }
        let phones: Vec<u32> = nodes.iter().copied().filter(|&n| self.registry.is_phone(n)).collect();
        let has_phone = f.identities.iter().any(|i| matches!(i, Identity::Phone(_)));
        let mut best: Option<(f32, u32, Matter, NameFit, &'static str, &Name)> = None;
        for slot in candidates {
            let t = &self.tickets[slot as usize];
            if own.contains(&slot) || nodes.iter().any(|&n| self.forbidden.contains(&(n, slot))) {
                continue;
            }
            let Some((fit, name)) = names
                .iter()
                .filter_map(|n| ticket_name_fit(n, &t.names).map(|fit| (fit, *n)))
                // A relative's name only if it fits fully: "mon père, M. Dubreuil" is not enough.
                .filter(|(fit, n)| *fit == NameFit::Strong || f.relative.as_ref() != Some(*n))
                .max_by_key(|x| x.0)
            else {
                continue;
            };
            // Likely the writer's own ticket even when this is another matter: never an incident
            // with it ("je vous ai écrit par mail pour un lampadaire, il y en a un autre").
            if fit == NameFit::Strong || (f.cues.recall && f.cues.channels & t.channels != 0) {
                named.push(slot);
            }
            // Two different phones are two people, whatever the names say.
            let their_phones = t.nodes.iter().any(|&n| self.registry.is_phone(n));
            if has_phone && their_phones && !phones.iter().any(|p| t.nodes.contains(p)) {
                continue;
            }
            let g = gap(f, t);
            if g > if fit == NameFit::Strong { full_window } else { window }.whole_seconds() {
                continue;
            }
            if f.cues.new_matter {
                continue;
            }
            // "Je vous ai écrit cette nuit sur Facebook" under a name that fits the one it wrote
            // under, within a day (a full name within three: "M. Daniel Okafor, a déjà envoyé un
            // mail"): that message, wherever each of them places the trouble.
            let wrote_there = fit == NameFit::Strong
                && f.cues.recall
                && f.cues.channels & t.channels != 0
                && (g <= DAY || (name.is_full() && g <= SAME_KIND_GAP));
            // Another place or topic ends the candidate before the costlier similarity.
            let place = places::compare(&f.places, &t.places);
            if !wrote_there
                && (place.verdict(Concept::area(f.concepts & t.concepts, f.concepts | t.concepts) != 0)
                    == Fit::Conflict
                    || disjoint(f.concepts, t.concepts))
            {
                continue;
            }
            let m = self.matter_at(f, t, place);
            if m.new_occurrence(f) {
                continue;
            }
            let pv = m.place_verdict();
            // "Je vous ai écrit ce matin sur X (compte « max »)": the name of that account on a
            // ticket that came by the channel named.
            let account = f.account.as_ref().is_some_and(|a| t.names.iter().any(|n| a.shown_as(n)))
                && f.cues.channels & t.channels != 0;
            let why: Option<&'static str> = match fit {
                _ if account => Some("names the account it wrote from"),
                _ if wrote_there => Some("names the channel it wrote on lately"),
                NameFit::Strong if pv == Fit::Strong && m.shared != 0 => Some("same place and topic"),
                NameFit::Strong
                    if m.similarity >= c.follow_similarity
                        || (m.similarity >= c.name_similarity && (m.shared != 0 || pv == Fit::Strong)) =>
                {
                    Some("similar words")
                }
                NameFit::Strong if m.same_topic_words(c) => Some("same topic"),
                NameFit::Strong
                    if f.cues.recall
                        && (m.shared != 0
                            || pv == Fit::Strong
                            || m.similarity >= c.name_similarity
                            || ((pv == Fit::Weak || m.recalled || m.shared_date)
                                && m.similarity >= c.topic_similarity)
                            // "C'est Philippe Audren, je vous ai écrit ce matin par mail": their
                            // name, the channel and the day of the ticket say it all.
                            || (m.recalled && m.shared_date)) =>
                {
                    Some("refers to an earlier message")
                }
                // One fitting name token: the writer must say they wrote before, and either
                // recently or naming the channel they wrote on ("je vous ai envoyé un mail").
                // Or the matter must be unmistakable: "M. Colas relance pour la dérogation de sa
                // fille à l'école Paul-Bert" weeks after Aurélien Colas's email about it.
                NameFit::Weak
                    if f.cues.recall
                        && ((m.shared != 0
                            && (pv == Fit::Strong || m.similarity >= c.topic_similarity)
                            && (m.gap <= SAME_KIND_GAP || f.cues.channels & t.channels != 0))
                            || (pv == Fit::Strong && m.similarity >= c.name_similarity)
                            || (m.shared_date && m.similarity >= c.topic_similarity)
                            || m.similarity >= c.follow_similarity) =>
                {
                    Some("refers to an earlier message")
                }
                // "Appel de Mme Cordier, suite à ses deux mails": a surname or a full name, the
                // channel of that ticket named within two weeks, and the same topic or many words.
                NameFit::Weak
                    if f.cues.recall
                        && name.tells_apart()
                        && f.cues.channels & t.channels != 0
                        && m.gap <= RECALL_GAP
                        && (m.shared != 0 || m.similarity >= c.name_similarity) =>
                {
                    Some("names the channel of an earlier message under that name")
                }
                _ => None,
            };
            let Some(why) = why else { continue };
            let score = m.similarity
                + if pv == Fit::Strong { 0.5 } else { 0.0 }
                + if fit == NameFit::Strong { 0.3 } else { 0.0 };
            if best.as_ref().is_none_or(|b| score > b.0) {
                best = Some((score, slot, m, fit, why, name));
            }
        }
        let (_, slot, m, fit, why, name) = best?;
        let t = &self.tickets[slot as usize];
        let mut reasons = self.reasons("same-name", f, &m, t);
        let other = t.names.iter().map(|n| n.trim_start_matches('~')).collect::<Vec<_>>().join(" / ");
        reasons.name =
            Some(format!("{} ~ {other} ({})", name.joined(), if fit == NameFit::Strong { "strong" } else { "weak" }));
        reasons.cues.push(why.to_owned());
        if f.cues.channels & t.channels != 0 {
            reasons.cues.push("names the channel of an earlier message".to_owned());
        }
        if f.stated.as_ref() == Some(name) {
            reasons.cues.push("gives their name in the text".to_owned());
        }
        reasons.headline = format!("same person under another identity: fitting name, {why}");
        Some(Decision::follow_up(t.id, reasons))
    }

    /// A new identity whose writer says they already wrote, and by which channels ("je vous ai
    /// déjà écrit sur le site et par mail"), with no fitting name (a pseudonym on X): the one
    /// ticket that came by the channels named (by most of them, if several tickets fit) and is
    /// about the same place and topic within days, or plainly about the same matter within two
    /// weeks ("I emailed last week about the bin days"), is theirs. Two such tickets, neither
    /// alone of the day the writer names, and nobody can tell: no merge.
    fn by_recall(&self, site: u32, f: &Features, nodes: &[u32]) -> Option<Decision> {
        if !f.cues.recall || f.cues.channels == 0 || f.cues.new_matter || !nodes.is_empty() {
            return None;
        }
        let c = &self.config;
        let since = f.time - SAME_KIND_GAP;
        let mut candidates = Vec::new();
        for p in &f.places {
            for (kind, k) in p.keys() {
                self.places.walk(place_key(site, kind, &k), since, WALK_CAP, &mut candidates, |_| true);
            }
        }
        let named = f.cues.channels;
        // "Je vous ai écrit ce matin par mail […] la capitainerie ne répond pas au téléphone":
        // not every channel word names an earlier contact, so each named channel is walked.
        let mut bits = named;
        while bits != 0 {
            let one = bits & bits.wrapping_neg();
            self.by_channel.walk(channel_key(site, one), f.time - RECALL_GAP, WALK_CAP, &mut candidates, |_| true);
            bits &= !one;
        }
        candidates.sort_unstable();
        candidates.dedup();
        // A full name (not a pseudonym), given or stated ("this is Wei Zhang"), or a surname
        // ("appel de Mme Ferhat") that fits none of the ticket's names is someone else.
        let telling: Vec<&Name> = f.stated.iter().chain(&f.name).filter(|n| n.tells_apart()).collect();
        let mut fitting: Vec<(u32, Matter)> = Vec::new();
        for slot in candidates {
            let t = &self.tickets[slot as usize];
            if t.channels & named == 0 {
                continue;
            }
            // A surname contradicts only full names: "M. Leclerc" may be "Patrice".
            let other = |name: &&Name| {
                if name.is_full() { ticket_name_fit(name, &t.names).is_none() } else { surely_other(name, &t.names) }
            };
            if !t.names.is_empty() && telling.iter().any(other) {
                continue;
            }
            let m = self.matter(f, t);
            // The same place and topic within days, or plainly the same matter within weeks,
            // whichever walk found the ticket.
            let same_place = m.gap <= SAME_KIND_GAP && m.place_verdict() == Fit::Strong && m.shared != 0;
            let same_matter = m.gap <= RECALL_GAP
                && m.place_verdict() != Fit::Conflict
                && (m.same_topic_words(c)
                    || (m.shared_date && m.similarity >= c.topic_similarity)
                    || m.similarity >= c.follow_similarity);
            let fits = !m.disjoint && (same_place || same_matter);
            if !fits {
                continue;
            }
            fitting.push((slot, m));
        }
        // Two fitting tickets: the one that came by more of the channels named ("sur le site et
        // par mail"), then the one of the day the writer names ("je vous ai écrit jeudi").
        let covered = |slot: u32| (self.tickets[slot as usize].channels & named).count_ones();
        if let Some(most) = fitting.iter().map(|(s, _)| covered(*s)).max() {
            fitting.retain(|(s, _)| covered(*s) == most);
        }
        if fitting.len() > 1 {
            fitting.retain(|(_, m)| m.shared_date);
        }
        if fitting.len() != 1 {
            return None;
        }
        let (slot, m) = fitting.swap_remove(0);
        let t = &self.tickets[slot as usize];
        let mut reasons = self.reasons("recall", f, &m, t);
        reasons.cues.push("names the channels of the only fitting ticket".to_owned());
        reasons.headline =
            "same person under a new identity: says they wrote by the channels of the one ticket of this matter"
                .to_owned();
        Some(Decision::follow_up(t.id, reasons))
    }

    /// A message's rarest words on its site, rarest first: words few of the site's messages
    /// used, so that "panne" or "ce matin" never make two reports one.
    pub(crate) fn rare_words(&self, site: u32, f: &Features, cap: usize) -> Vec<u64> {
        let seen = self.site_messages.get(site as usize).copied().unwrap_or(0);
        let limit = (seen / RARE_SHARE).max(RARE_FLOOR);
        let mut counted: Vec<(u32, u64)> = f
            .words
            .iter()
            .map(|&w| (self.word_counts.get(&word_key(site, w)).copied().unwrap_or(0), w))
            .filter(|&(n, _)| n <= limit)
            .collect();
        // Stable: equally rare words keep their longest-first order.
        counted.sort_by_key(|&(n, _)| n);
        counted.into_iter().take(cap).map(|(_, w)| w).collect()
    }

    /// Other citizens' reports of the same occurrence: same place, same kind of problem.
    fn by_incident(&self, site: u32, f: &Features, own: &[u32], named: &[u32]) -> Decision {
        let c = &self.config;
        let new = |reasons: Reasons| Decision::NewTicket { incident: IncidentChoice::None, reasons };
        let mut plain =
            Reasons { rule: "new".into(), headline: "no ticket of the same request".into(), ..Reasons::default() };
        // A utility outage with no other topic ("plus d'eau", not "ma facture d'eau").
        let utilities = Concept::outages(f.concepts);
        let outage = utilities != 0 && f.concepts & !Concept::incident_bits() == 0;
        // "La salle B204 est fermée, on a le partiel à 8h": a named room in trouble the same
        // day is one occurrence for everyone who meets it, whatever they came for.
        let room = f.cues.problem && f.places.iter().any(|p| p.kind.fine() && !p.name.is_empty());
        // Places and outages group reports of a kind of problem the lexicon knows, or of none.
        let placed = !((f.places.is_empty() && !outage)
            || (f.concepts & !Concept::incident_bits() != 0 && f.concepts & Concept::incident_bits() == 0 && !room));
        if f.cues.personal {
            plain.cues.push("a problem of one person".into());
            return new(plain);
        }
        if !f.reports() {
            plain.cues.push("an information request".into());
            return new(plain);
        }
        // "Still no light": an occurrence that goes on is grouped over the longer window.
        let window = if f.cues.still { c.ticket_window.max(c.incident_window) } else { c.incident_window };
        let since = f.time - window.whole_seconds();
        // Tickets that cannot qualify are skipped by their tag: one person's problem, nothing
        // reported, no incident kind in common unless both say something is wrong without any
        // personal topic (see below).
        let f_incident = (f.concepts & Concept::incident_bits()) as u32 & tag::INCIDENT;
        let f_other = f.concepts & !Concept::incident_bits() != 0;
        let accept = |t: u32| {
            t & tag::PERSONAL == 0
                && t & tag::REPORTS != 0
                && (t & f_incident != 0
                    || (f.cues.problem && t & tag::PROBLEM != 0 && ((t & tag::OTHER == 0 && !f_other) || room)))
        };
        let mut by_place = Vec::new();
        if placed {
            for p in &f.places {
                for (kind, k) in p.keys() {
                    self.places.walk(place_key(site, kind, &k), since, WALK_CAP, &mut by_place, accept);
                }
            }
        }
        let mut nearby = Vec::new();
        if outage && placed {
            for concept in Concept::each(utilities) {
                self.outages.walk(outage_key(site, concept), f.time - OUTAGE_BURST, WALK_CAP, &mut nearby, accept);
            }
        }
        let mut candidates: Vec<(u32, Found)> = by_place.iter().map(|&s| (s, Found::Place)).collect();
        for slot in nearby {
            if !by_place.contains(&slot) {
                candidates.push((slot, Found::Outage));
            }
        }
        // "Ascenseur de la gare toujours en rade", hours after "l'ascenseur du quai est en
        // panne": the same kind of trouble said outright, tested like shared rare words.
        if f.cues.problem && f.places.is_empty() {
            let mut kin = Vec::new();
            for concept in Concept::each(Concept::kinds(f.concepts)) {
                self.outages.walk(kind_key(site, concept), f.time - KIND_BURST, WALK_CAP, &mut kin, accept);
            }
            for slot in kin {
                if !candidates.iter().any(|(s, _)| *s == slot) {
                    candidates.push((slot, Found::Kind));
                }
            }
        }
        // Reports that share rare words within hours, each word counted once per ticket.
        let mut worded: Vec<(u32, usize)> = Vec::new();
        {
            let accept = |t: u32| t & tag::PERSONAL == 0 && t & tag::REPORTS != 0;
            for w in self.rare_words(site, f, RARE_LOOKUPS) {
                let mut found = Vec::new();
                self.bursts.walk_between(
                    word_key(site, w),
                    f.time - WORD_BURST,
                    f.time + WORD_BURST,
                    WALK_CAP,
                    &mut found,
                    accept,
                );
                for slot in found {
                    match worded.iter_mut().find(|(s, _)| *s == slot) {
                        Some((_, n)) => *n += 1,
                        None => worded.push((slot, 1)),
                    }
                }
            }
        }
        for (slot, n) in worded {
            // One rare word is enough when both say outright that something is wrong, within
            // fewer hours ("moodle down", "Moodle marche plus du tout").
            let t = &self.tickets[slot as usize];
            let one = f.cues.problem && t.problem && gap(f, t) <= ONE_WORD_BURST;
            // Also when found by place or outage: the words may join what those rules do not.
            if n >= SHARED_RARE_WORDS || one {
                candidates.push((slot, Found::Words));
            }
        }
        // "Il y en a un autre": not the occurrence the writer already reported.
        let theirs: Vec<IncidentId> = if f.cues.new_matter {
            own.iter().chain(named).filter_map(|&s| self.tickets[s as usize].incident).collect()
        } else {
            Vec::new()
        };
        // Prefer the same place, then a ticket already in an incident, then the closest.
        let rank = |m: &Matter, place_bonus: f32, t: &TicketState| {
            m.similarity
                + place_bonus
                + 0.1 * (m.shared & Concept::incident_bits()).count_ones() as f32
                + if t.incident.is_some() { 0.5 } else { 0.0 }
        };
        let mut best: Option<(f32, u32, Matter)> = None;
        for (slot, found) in candidates {
            let t = &self.tickets[slot as usize];
            if own.contains(&slot) || named.contains(&slot) || t.detached || t.personal || !t.reports {
                continue;
            }
            if t.incident.is_some_and(|i| theirs.contains(&i)) {
                continue;
            }
            // "Rebelote, comme le 22 septembre": the trouble is back, so reports older than a
            // day were of the last occurrence.
            // An occurrence is dated by the ticket's first report: its writer's "toujours aucune
            // réponse" a week later keeps it open for no other citizen's report.
            if (f.time - t.first).abs() > window.whole_seconds() || (f.cues.recur && gap(f, t) > DAY) {
                continue;
            }
            let shared = f.concepts & t.concepts & Concept::incident_bits();
            let place = places::compare(&f.places, &t.places);
            let area = Concept::area(shared, f.concepts | t.concepts) != 0;
            let pv = place.verdict(area);
            let (score, m) = match found {
                // Both say something is wrong, within hours, at no other place, about no other
                // topic, in some of the same words beside the rare ones.
                Found::Words | Found::Kind => {
                    let broad = Concept::broad_bits();
                    if !(t.problem || f.cues.problem)
                        || matches!(pv, Fit::Conflict | Fit::Far)
                        || place.facility_conflict
                        || disjoint(f.concepts & !broad, t.concepts & !broad)
                    {
                        continue;
                    }
                    let m = self.matter_at(f, t, place);
                    // "Moodle is not loading" and "moodle est down" share the rare word only.
                    let across = f.english != t.english && found == Found::Words;
                    let least = if across { CROSS_LANGUAGE_SIMILARITY } else { WORD_SIMILARITY };
                    if m.similarity < least {
                        continue;
                    }
                    (rank(&m, 0.0, t), m)
                }
                // The same utility within hours, on no other building.
                Found::Outage => {
                    let same_building = (place.coarse_strong || !place.fine_conflict)
                        && !place.facility_conflict
                        && !place.locality_conflict;
                    if shared & utilities == 0 || gap(f, t) > OUTAGE_BURST || !same_building {
                        continue;
                    }
                    let m = self.matter_at(f, t, place);
                    (rank(&m, 0.0, t), m)
                }
                Found::Place => match self.place_fits(f, t, place, shared, area, room) {
                    Some(m) => (rank(&m, if pv == Fit::Strong { 1.0 } else { 0.0 }, t), m),
                    None => continue,
                },
            };
            if best.as_ref().is_none_or(|b| score > b.0) {
                best = Some((score, slot, m));
            }
        }
        let Some((_, slot, m)) = best else { return new(plain) };
        let t = &self.tickets[slot as usize];
        let mut reasons = self.reasons("incident", f, &m, t);
        let incident = match t.incident {
            Some(i) => {
                reasons.headline = format!("another citizen's report of the same occurrence: joins incident {}", i.0);
                IncidentChoice::Join(i)
            }
            None => {
                reasons.headline = format!(
                    "another citizen's report of the same occurrence: starts an incident with ticket {}",
                    t.id.0
                );
                IncidentChoice::StartWith(t.id)
            }
        };
        Decision::NewTicket { incident, reasons }
    }

    /// Whether a ticket found by place is another report of this occurrence: a fitting place,
    /// the incident's numbered streets, and a kind of problem in common, the same words, or the
    /// same day when one report names no topic.
    fn place_fits(
        &self,
        f: &Features,
        t: &TicketState,
        place: PlaceFit,
        shared: u64,
        area: bool,
        room: bool,
    ) -> Option<Matter> {
        let c = &self.config;
        let pv = place.verdict(area);
        if pv < Fit::Weak {
            return None;
        }
        // Through a ticket without a house number, the incident's numbered reports decide:
        // the pothole at n°8 is not the one at n°112.
        let streets = t.incident.and_then(|i| self.incident_streets.get(&i));
        if streets.is_some_and(|s| places::compare(&f.places, s).verdict(area) == Fit::Far) {
            return None;
        }
        let m = self.matter_at(f, t, place);
        let ok = if shared != 0 {
            pv == Fit::Strong || (pv == Fit::Weak && m.similarity >= c.incident_similarity)
        } else {
            // A kind of problem the lexicon does not know, on one side or both: the same place,
            // both saying something is wrong, no personal topic, and much the same words or
            // the same day.
            let personal_topics = (f.concepts | t.concepts) & !Concept::incident_bits();
            let same_day_room = room && m.place.strong && !m.place.coarse_strong && m.gap <= DAY;
            // "Peuplier en travers de la D44" and "un arbre est tombé sur la D44": one side
            // names no topic at all, the same day.
            let untopical_same_day = (f.concepts == 0 || t.concepts == 0) && m.gap <= DAY;
            pv == Fit::Strong
                && f.cues.problem
                && t.problem
                && (same_day_room
                    || (personal_topics == 0 && (untopical_same_day || m.similarity >= c.follow_similarity)))
        };
        ok.then_some(m)
    }

    fn reasons(&self, rule: &str, f: &Features, m: &Matter, t: &TicketState) -> Reasons {
        let mut cues = Vec::new();
        if f.cues.recall {
            cues.push("refers to an earlier message".to_owned());
        }
        if f.cues.still {
            cues.push("says the matter goes on".to_owned());
        }
        if m.shared_date {
            cues.push("same date".to_owned());
        }
        if m.same_topic {
            cues.push("same form topic".to_owned());
        }
        Reasons {
            rule: rule.to_owned(),
            similarity: Some((m.similarity * 100.0).round() / 100.0),
            places: m.place.describe(&f.places, &t.places),
            topics: Concept::names(m.shared).into_iter().map(str::to_owned).collect(),
            cues,
            ..Reasons::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_fits_the_name_it_shows_and_a_surname_contradicts_only_full_names() {
        let name = |s: &str| Name::parse(s).unwrap();
        assert!(name("Momo").shown_as("momo lstr"));
        assert!(name("max").shown_as("max"));
        assert!(!name("tom_in_town").shown_as("tom durand"));
        let names = |v: &[&str]| v.iter().map(|&n| Box::<str>::from(n)).collect::<Vec<_>>();
        assert!(surely_other(&name("Mme Ferhat"), &names(&["helene castagnet"])));
        assert!(!surely_other(&name("M. Leclerc"), &names(&["patrice"])));
        assert!(!surely_other(&name("M. Leclerc"), &names(&["patrice leclerc"])));
    }

    #[test]
    fn references_are_found_in_text_and_headers() {
        assert_eq!(find_references("Re: votre demande VE-2026-000123 ?"), ["VE-2026-000123"]);
        assert_eq!(find_references("<ticket.ve-2026-000007@ville.fr>"), ["VE-2026-000007"]);
        assert!(find_references("né le 14-02-1987, tel 06-12-34").is_empty());
        assert!(find_references("XVE-2026-12").is_empty());
    }
}
