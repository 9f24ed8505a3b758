//! Deduplication: which ticket a message belongs to, and which incident its ticket joins.
//!
//! Pure: the [`Engine`] holds an in-memory index of every ticket of every site, rebuilt at start
//! by applying the stored decisions in order, and answers [`Engine::decide`] without I/O.
//!
//! # Layout
//! - `identity`: emails, E.164 phones and handles; the registry that links them into citizens;
//!   names as a weak cue.
//! - `text`: the citizen's new words (quotes and signatures off), stems, character n-gram
//!   shingles, the bottom-k sketch that compares them, topics and phrase cues.
//! - `lexicon`: the word lists behind `text`.
//! - `places`: streets with house numbers, junctions, buildings, rooms, named facilities.
//! - `index`: inverted indexes (place key, name token → tickets), newest first, bounded walks.
//! - `decide`: the rules, from the strongest evidence to the weakest, and their reasons.
//!
//! # Protocol
//! `decide(m)` → the caller assigns ids (for `NewTicket`, a new ticket N; for `StartWith(T)`,
//! also a new incident I holding T and N) → `apply(m, N or T, incident)`. `apply` attaches T to
//! I itself: it finds the same partner because nothing changed since `decide`.

mod decide;
mod identity;
mod index;
mod lexicon;
mod places;
mod text;

#[cfg(test)]
mod eval;
#[cfg(test)]
mod tests;

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use time::Duration;

use crate::domain::message::InboundMessage;
use decide::Features;
use identity::Registry;
pub use identity::{Identity, identities};
use index::Postings;
use places::Place;
pub use text::new_words;
use text::{KeyHasher, Sketch, hash_str};

/// Windows and thresholds. The defaults favour precision: a wrong merge is worse than a miss.
#[derive(Debug, Clone, PartialEq)]
pub struct DedupConfig {
    /// A citizen writing again about the same matter within this time of the ticket's last
    /// message continues it; later, it is a new ticket.
    pub ticket_window: Duration,
    /// Reports of other citizens group into an incident within this time of each other.
    pub incident_window: Duration,
    /// A message under another identity joins a ticket by a fitting name only this close.
    pub name_window: Duration,
    /// A message with no matter of its own ("je précise…") continues the citizen's latest
    /// ticket within this time.
    pub conversation_gap: Duration,
    /// Same citizen: text this similar (overlap of character trigrams) is the same matter.
    pub follow_similarity: f32,
    /// Same citizen, shared topic: this similarity is enough.
    pub topic_similarity: f32,
    /// Another identity with a fitting name: text this similar is the same request.
    pub name_similarity: f32,
    /// Another citizen, same kind of place but one unnamed ("la BU"): this similarity is needed.
    pub incident_similarity: f32,
}

impl Default for DedupConfig {
    fn default() -> DedupConfig {
        DedupConfig {
            ticket_window: Duration::days(30),
            incident_window: Duration::days(7),
            name_window: Duration::days(7),
            conversation_gap: Duration::hours(24),
            follow_similarity: 0.5,
            topic_similarity: 0.25,
            name_similarity: 0.45,
            incident_similarity: 0.3,
        }
    }
}

/// A ticket, as numbered by the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TicketId(pub i64);

/// An incident, as numbered by the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct IncidentId(pub i64);

/// Where a message goes.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Decision {
    /// A new ticket, alone or grouped with other citizens' reports of the same occurrence.
    NewTicket { incident: IncidentChoice, reasons: Reasons },
    /// The same request as this ticket; and, when the ticket was in no incident, the incident
    /// this message shows it belongs to ("ligne 7 direction Gare, arrêt Capucins" after a
    /// first "toujours pas de 7 ?!"), with the reasons of that grouping.
    FollowUp {
        ticket: TicketId,
        reasons: Reasons,
        #[serde(skip_serializing_if = "IncidentChoice::is_none")]
        incident: IncidentChoice,
        #[serde(skip_serializing_if = "Option::is_none")]
        grouped: Option<Box<Reasons>>,
    },
    /// This very message (same source id, same site) was already applied: where it went.
    AlreadySeen { ticket: TicketId },
}

/// The incident a new ticket belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum IncidentChoice {
    None,
    Join(IncidentId),
    /// Start a new incident with this existing ticket (of another citizen) and the new one.
    StartWith(TicketId),
}

impl Decision {
    /// A follow-up that groups nothing.
    pub(crate) fn follow_up(ticket: TicketId, reasons: Reasons) -> Decision {
        Decision::FollowUp { ticket, reasons, incident: IncidentChoice::None, grouped: None }
    }
}

impl IncidentChoice {
    pub fn is_none(&self) -> bool {
        matches!(self, IncidentChoice::None)
    }
}

/// Why: recorded with the verdict so that an agent can see it and undo it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Reasons {
    /// The rule that decided: `thread`, `reference`, `same-citizen`, `conversation`,
    /// `same-name`, `incident`, or `new`.
    pub rule: String,
    /// Identities shared with the chosen ticket (`email:…`, `phone:+33…`, `messenger:…`).
    pub identities: Vec<String>,
    /// A name that fits the chosen ticket's, when identities differ.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The thread hint: the message replied to, or the reference named.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thread: Option<String>,
    /// Overlap of the new words with the chosen ticket (0 to 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub similarity: Option<f32>,
    /// Places in common.
    pub places: Vec<String>,
    /// Topics in common.
    pub topics: Vec<String>,
    /// Phrase cues that counted ("refers to an earlier message", "same conversation"…).
    pub cues: Vec<String>,
    /// One sentence for an agent.
    pub headline: String,
}

impl Reasons {
    /// The headline with its evidence, as an agent reads it in a follow-up email.
    pub fn summary(&self) -> String {
        let mut parts = vec![self.headline.clone()];
        if let Some(t) = &self.thread {
            parts.push(t.clone());
        }
        if let Some(n) = &self.name {
            parts.push(format!("name {n}"));
        }
        if let Some(s) = self.similarity {
            parts.push(format!("similarity {s:.2}"));
        }
        if !self.places.is_empty() {
            parts.push(format!("places: {}", self.places.join(", ")));
        }
        if !self.topics.is_empty() {
            parts.push(format!("topics: {}", self.topics.join(", ")));
        }
        parts.join("; ")
    }
}

/// Sizes, for benchmarks and the index's memory budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct EngineStats {
    pub tickets: usize,
    pub messages: usize,
    /// Approximate heap and inline bytes of the whole engine.
    pub bytes: usize,
}

struct MessageRecord {
    ticket: u32,
}

/// What the engine remembers of a ticket: compact summaries, never the text.
struct TicketState {
    id: TicketId,
    site: u32,
    first: i64,
    last: i64,
    incident: Option<IncidentId>,
    /// An agent took it out of an incident: the engine never groups it again.
    detached: bool,
    /// Some message reported something wrong (not only asked how or when).
    reports: bool,
    /// Some message said outright that something is wrong.
    problem: bool,
    personal: bool,
    /// Its first message was in English.
    english: bool,
    concepts: u64,
    sketch: Sketch,
    places: Vec<Place>,
    /// Names as [`Name::compact`] strings.
    names: Vec<Box<str>>,
    /// Identity nodes of its messages, once per message that carried them (a split removes
    /// one message's share).
    nodes: Vec<u32>,
    messages: u16,
    /// Channels its messages came by, as bits of `message::Channel`.
    channels: u16,
    topic: Option<u16>,
    dates: Vec<u16>,
}

const MAX_PLACES: usize = 6;
const MAX_NAMES: usize = 4;
const MAX_DATES: usize = 4;

/// The in-memory index of every ticket of every site.
pub struct Engine {
    config: DedupConfig,
    sites: HashMap<String, u32>,
    topics: HashMap<String, u16>,
    /// Source ids already applied, hashed with their site.
    seen: HashMap<u64, u32, KeyHasher>,
    messages: Vec<MessageRecord>,
    tickets: Vec<TicketState>,
    slots: HashMap<TicketId, u32>,
    incidents: HashSet<IncidentId>,
    /// Numbered streets of each incident's tickets: a report joining through a ticket that
    /// gave no number must still fit where the others said it is.
    incident_streets: HashMap<IncidentId, Vec<Place>>,
    registry: Registry,
    places: Postings,
    names: Postings,
    /// Tickets reporting a utility outage (water, power, gas, network, heating), per site and
    /// kind: reports of one cut arrive within hours, and name their streets differently or not
    /// at all. Also, under [`kind_key`], reports saying outright that something else is wrong
    /// (a lift, a road): a report that names no place finds them within hours.
    outages: Postings,
    /// Reports of something wrong under their rarest words on the site: reports of one
    /// occurrence that no place names ("Moodle plante en plein QCM") share them within hours.
    bursts: Postings,
    /// Tickets under each channel their messages came by, per site: "je vous ai écrit sur
    /// Facebook pour les cours de natation" names where to look when no place does.
    by_channel: Postings,
    /// How many messages of the site used each word ([`word_key`]).
    word_counts: HashMap<u64, u32, KeyHasher>,
    /// How many messages each site has, by site number: what makes a word rare there.
    site_messages: Vec<u32>,
    references: HashMap<String, TicketId>,
    /// (identity node, ticket slot) pairs an agent split apart.
    forbidden: HashSet<(u32, u32)>,
}

/// A ticket's summary in the place index's nodes: its incident concepts (bits 0–19), whether it
/// has other concepts, reports something wrong, says so outright, is one person's problem.
pub(crate) mod tag {
    pub(crate) const INCIDENT: u32 = 0xF_FFFF;
    pub(crate) const OTHER: u32 = 1 << 20;
    pub(crate) const REPORTS: u32 = 1 << 21;
    pub(crate) const PROBLEM: u32 = 1 << 22;
    pub(crate) const PERSONAL: u32 = 1 << 23;
}

fn place_tag(t: &TicketState) -> u32 {
    let incident = lexicon::Concept::incident_bits();
    let mut tag = (t.concepts & incident) as u32 & tag::INCIDENT;
    for (on, bit) in [
        (t.concepts & !incident != 0, tag::OTHER),
        (t.reports, tag::REPORTS),
        (t.problem, tag::PROBLEM),
        (t.personal, tag::PERSONAL),
    ] {
        if on {
            tag |= bit;
        }
    }
    tag
}

/// Bytes a hash table holds: its buckets (a table is at most 7/8 full) of entries padded to
/// their alignment, and a control byte each.
pub(crate) fn table_bytes<K, V, S>(map: &HashMap<K, V, S>) -> usize {
    map.capacity() * 8 / 7 * (std::mem::size_of::<(K, V)>() + 1)
}

fn seen_key(site: u32, id: &str) -> u64 {
    hash_str(&[b"m", &site.to_le_bytes(), id.as_bytes()])
}

fn place_key(site: u32, kind: u8, key: &str) -> u64 {
    hash_str(&[b"p", &site.to_le_bytes(), &[kind], key.as_bytes()])
}

fn outage_key(site: u32, concept: lexicon::Concept) -> u64 {
    hash_str(&[b"o", &site.to_le_bytes(), &[concept as u8]])
}

/// Another kind of trouble said outright (a lift, a road), apart from the utilities' cuts.
fn kind_key(site: u32, concept: lexicon::Concept) -> u64 {
    hash_str(&[b"k", &site.to_le_bytes(), &[concept as u8]])
}

fn channel_key(site: u32, channel_bit: u16) -> u64 {
    hash_str(&[b"c", &site.to_le_bytes(), &channel_bit.to_le_bytes()])
}

fn word_key(site: u32, word: u64) -> u64 {
    hash_str(&[b"w", &site.to_le_bytes(), &word.to_le_bytes()])
}

fn name_key(site: u32, token: &str) -> u64 {
    hash_str(&[b"n", &site.to_le_bytes(), token.as_bytes()])
}

impl Engine {
    pub fn new(config: DedupConfig) -> Engine {
        Engine {
            config,
            sites: HashMap::new(),
            topics: HashMap::new(),
            seen: HashMap::default(),
            messages: Vec::new(),
            tickets: Vec::new(),
            slots: HashMap::new(),
            incidents: HashSet::new(),
            incident_streets: HashMap::new(),
            registry: Registry::default(),
            places: Postings::default(),
            names: Postings::default(),
            outages: Postings::default(),
            bursts: Postings::default(),
            by_channel: Postings::default(),
            word_counts: HashMap::default(),
            site_messages: Vec::new(),
            references: HashMap::new(),
            forbidden: HashSet::new(),
        }
    }

    pub fn config(&self) -> &DedupConfig {
        &self.config
    }

    /// Which ticket and incident this message belongs to, with reasons. A pure read; never
    /// across sites.
    pub fn decide(&self, message: &InboundMessage) -> Decision {
        let Some(&site) = self.sites.get(&message.site) else {
            return Decision::NewTicket {
                incident: IncidentChoice::None,
                reasons: Reasons {
                    rule: "new".into(),
                    headline: "first message of this site".into(),
                    ..Reasons::default()
                },
            };
        };
        if let Some(&m) = self.seen.get(&seen_key(site, &message.id)) {
            return Decision::AlreadySeen { ticket: self.tickets[self.messages[m as usize].ticket as usize].id };
        }
        let mut f = Features::of(message);
        self.known_places(site, &mut f);
        self.decide_features(site, &f)
    }

    /// A message that marks no place may still name one the site knows ("plus d'eau o
    /// granges" after reports from "hameau des Granges"): such words become places when every
    /// one of them is a place key some ticket used within the ticket window.
    fn known_places(&self, site: u32, f: &mut Features) {
        if !f.places.is_empty() {
            return;
        }
        let since = f.time - self.config.ticket_window.max(self.config.incident_window).whole_seconds();
        let mut found = Vec::new();
        let known = |p: &Place| {
            p.keys().iter().all(|(kind, k)| {
                let mut out = Vec::new();
                self.places.walk(place_key(site, *kind, k), since, 1, &mut out, |_| true);
                !out.is_empty()
            })
        };
        for name in &f.loose_places {
            // Both words ("pré vert"), else the first ("l'erable marche pas").
            let first = name.split(' ').next().unwrap_or_default();
            for n in [&**name, first] {
                let p = Place { kind: places::Kind::Generic, name: n.into(), number: None };
                if known(&p) {
                    if !found.contains(&p) {
                        found.push(p);
                    }
                    break;
                }
            }
        }
        f.places = found;
    }

    /// Records that `message` was filed under `ticket` (new or existing) and, if any,
    /// `incident`. Applying a message already applied changes nothing. For an existing ticket,
    /// `None` keeps the incident it has.
    pub fn apply(&mut self, message: &InboundMessage, ticket: TicketId, incident: Option<IncidentId>) {
        let site = self.intern_site(&message.site);
        let key = seen_key(site, &message.id);
        if self.seen.contains_key(&key) {
            return;
        }
        let mut f = Features::of(message);
        self.known_places(site, &mut f);
        // The partner of a new incident is found before this message changes anything, so it is
        // the one `decide` named.
        let partner = match incident {
            Some(i) if !self.incidents.contains(&i) => match self.decide_features(site, &f) {
                Decision::NewTicket { incident: IncidentChoice::StartWith(t), .. }
                | Decision::FollowUp { incident: IncidentChoice::StartWith(t), .. } => Some(t),
                _ => None,
            },
            _ => None,
        };
        let nodes = self.intern_identities(site, &f);
        let slot = self.slot_for(ticket, site, &f);
        let m = self.messages.len() as u32;
        self.messages.push(MessageRecord { ticket: slot });
        self.seen.insert(key, m);
        self.add_to_ticket(slot, &f, &nodes);
        if let Some(i) = incident {
            self.incidents.insert(i);
            if let Some(&p) = partner.as_ref().and_then(|t| self.slots.get(t))
                && p != slot
                && self.tickets[p as usize].incident.is_none()
            {
                self.tickets[p as usize].incident = Some(i);
                self.note_streets(i, p);
            }
            self.tickets[slot as usize].incident = Some(i);
            self.note_streets(i, slot);
        }
    }

    fn note_streets(&mut self, incident: IncidentId, slot: u32) {
        let streets = self.incident_streets.entry(incident).or_default();
        for p in &self.tickets[slot as usize].places {
            if p.number.is_some() && streets.len() < MAX_PLACES && !streets.contains(p) {
                streets.push(p.clone());
            }
        }
    }

    /// An agent groups a ticket into an incident (also what `apply` does for a `StartWith`).
    pub fn join_incident(&mut self, ticket: TicketId, incident: IncidentId) {
        self.incidents.insert(incident);
        if let Some(&slot) = self.slots.get(&ticket) {
            let t = &mut self.tickets[slot as usize];
            t.incident = Some(incident);
            t.detached = false;
            self.note_streets(incident, slot);
        }
    }

    /// Agent action: `message` is split out of its ticket into `new_ticket`. The engine then
    /// never files that message's identities into the old ticket again unless they reappear
    /// in it through an identity it still holds, and later replies to the message follow it.
    ///
    /// Takes the whole message (the store has it) because the engine keeps no text: the new
    /// ticket's summary is rebuilt from it. The old ticket's summary keeps what the message
    /// added, a bounded imprecision in exchange for a compact index.
    pub fn split_message(&mut self, message: &InboundMessage, new_ticket: TicketId) {
        let site = self.intern_site(&message.site);
        let key = seen_key(site, &message.id);
        let Some(&m) = self.seen.get(&key) else {
            self.apply(message, new_ticket, None);
            return;
        };
        let old = self.messages[m as usize].ticket;
        if self.tickets[old as usize].id == new_ticket {
            return;
        }
        let f = Features::of(message);
        let moved: Vec<u32> = f.identities.iter().filter_map(|i| self.registry.get(site, i)).collect();
        let old_state = &mut self.tickets[old as usize];
        old_state.messages = old_state.messages.saturating_sub(1);
        for n in &moved {
            if let Some(p) = old_state.nodes.iter().position(|x| x == n) {
                old_state.nodes.remove(p);
            }
        }
        for &n in &moved {
            if !old_state.nodes.contains(&n) {
                self.forbidden.insert((n, old));
            }
        }
        let slot = self.slot_for(new_ticket, site, &f);
        self.messages[m as usize].ticket = slot;
        self.add_to_ticket(slot, &f, &moved);
    }

    /// Agent action: the ticket leaves its incident, and the engine never groups it again.
    pub fn detach_from_incident(&mut self, ticket: TicketId) {
        if let Some(&slot) = self.slots.get(&ticket) {
            let t = &mut self.tickets[slot as usize];
            t.incident = None;
            t.detached = true;
        }
    }

    /// Agent action: two identities are one citizen (e.g. an email and a phone).
    pub fn link_identities(&mut self, site: &str, a: &Identity, b: &Identity) {
        let site = self.intern_site(site);
        let (na, nb) = (self.registry.intern(site, a), self.registry.intern(site, b));
        self.registry.union(na, nb);
    }

    /// The reference a ticket is known by (`VE-2026-000123`): a message naming it in its
    /// subject, body or reply headers follows that ticket.
    pub fn set_reference(&mut self, ticket: TicketId, reference: &str) {
        self.references.insert(reference.trim().to_uppercase(), ticket);
    }

    pub fn stats(&self) -> EngineStats {
        let tickets: usize = self
            .tickets
            .iter()
            .map(|t| {
                std::mem::size_of::<TicketState>()
                    + t.sketch.bytes()
                    + t.places.iter().map(|p| std::mem::size_of::<Place>() + p.name.len()).sum::<usize>()
                    + t.names.iter().map(|n| 16 + n.len()).sum::<usize>()
                    + 4 * t.nodes.capacity()
                    + 2 * t.dates.capacity()
            })
            .sum();
        let messages = self.messages.capacity() * std::mem::size_of::<MessageRecord>() + table_bytes(&self.seen);
        let bytes = tickets
            + messages
            + table_bytes(&self.slots)
            + self.places.bytes()
            + self.names.bytes()
            + self.outages.bytes()
            + self.bursts.bytes()
            + self.by_channel.bytes()
            + table_bytes(&self.word_counts)
            + self.incident_streets.values().map(|s| s.capacity() * std::mem::size_of::<Place>()).sum::<usize>()
            + self.registry.bytes();
        EngineStats { tickets: self.tickets.len(), messages: self.messages.len(), bytes }
    }

    fn intern_site(&mut self, site: &str) -> u32 {
        let next = self.sites.len() as u32;
        *self.sites.entry(site.to_owned()).or_insert(next)
    }

    fn intern_identities(&mut self, site: u32, f: &Features) -> Vec<u32> {
        let nodes: Vec<u32> = f.identities.iter().map(|i| self.registry.intern(site, i)).collect();
        // Identities in one message are one citizen: a widget form with email and phone.
        for w in nodes.windows(2) {
            self.registry.union(w[0], w[1]);
        }
        nodes
    }

    fn slot_for(&mut self, ticket: TicketId, site: u32, f: &Features) -> u32 {
        if let Some(&s) = self.slots.get(&ticket) {
            return s;
        }
        let topic = f.topic.as_ref().map(|t| {
            let next = self.topics.len() as u16;
            *self.topics.entry(t.clone()).or_insert(next)
        });
        let slot = self.tickets.len() as u32;
        self.tickets.push(TicketState {
            id: ticket,
            site,
            first: f.time,
            last: f.time,
            incident: None,
            detached: false,
            reports: false,
            problem: false,
            personal: false,
            english: f.english,
            concepts: 0,
            sketch: Sketch::of(&[]),
            places: Vec::new(),
            names: Vec::new(),
            nodes: Vec::new(),
            messages: 0,
            channels: 0,
            topic,
            dates: Vec::new(),
        });
        self.slots.insert(ticket, slot);
        slot
    }

    fn add_to_ticket(&mut self, slot: u32, f: &Features, nodes: &[u32]) {
        let site = self.tickets[slot as usize].site;
        for &n in nodes {
            self.registry.add_ticket(n, slot);
        }
        let t = &mut self.tickets[slot as usize];
        let fresh = t.messages == 0;
        let old_tag = place_tag(t);
        t.messages = t.messages.saturating_add(1);
        t.channels |= f.channel;
        t.first = t.first.min(f.time);
        t.last = t.last.max(f.time);
        // A follow-up that completes a request ("vous trouverez ci-joint l'attestation") asks
        // nothing, yet reports nothing either: only trouble said outright makes it a report.
        t.reports |= if fresh { f.reports() } else { f.cues.problem };
        t.problem |= f.cues.problem;
        t.personal |= f.cues.personal;
        t.concepts |= f.concepts;
        if fresh {
            t.sketch = Sketch::of(&f.shingles);
        } else {
            t.sketch.merge(&f.shingles);
        }
        for p in &f.places {
            if t.places.len() < MAX_PLACES && !t.places.contains(p) {
                t.places.push(p.clone());
            }
        }
        for name in f.name.iter().chain(&f.stated) {
            let compact = name.compact();
            if t.names.len() < MAX_NAMES && !t.names.contains(&compact) {
                t.names.push(compact);
            }
        }
        t.nodes.extend_from_slice(nodes);
        for &d in &f.dates {
            if t.dates.len() < MAX_DATES && !t.dates.contains(&d) {
                t.dates.push(d);
            }
        }
        // A million tickets of one or two messages: capacity left by `push` would be a fifth
        // of the index's memory.
        t.places.shrink_to_fit();
        t.names.shrink_to_fit();
        t.nodes.shrink_to_fit();
        t.dates.shrink_to_fit();
        // A ticket whose summary changed (a follow-up says what is wrong) is put again under
        // all its places, so that walks filtering on the tag see what it is now.
        let tag = place_tag(t);
        let again: Vec<Place> = if !fresh && tag != old_tag { t.places.clone() } else { Vec::new() };
        for p in f.places.iter().chain(&again) {
            for (kind, k) in p.keys() {
                self.places.push(place_key(site, kind, &k), slot, f.time, tag);
            }
        }
        // A follow-up that does not only ask is indexed by its words and kinds as a first message
        // is, though it may not make its ticket a report: the tag tells walks whether the ticket
        // reports trouble, and a later report may name only what the follow-up said.
        if f.reports() && !f.cues.personal {
            for concept in lexicon::Concept::each(lexicon::Concept::outages(f.concepts)) {
                self.outages.push(outage_key(site, concept), slot, f.time, tag);
            }
            // Other kinds of trouble under their kind too, when said outright.
            if f.cues.problem {
                for concept in lexicon::Concept::each(lexicon::Concept::kinds(f.concepts)) {
                    self.outages.push(kind_key(site, concept), slot, f.time, tag);
                }
            }
            for w in self.rare_words(site, f, decide::RARE_WORDS) {
                self.bursts.push(word_key(site, w), slot, f.time, tag);
            }
        }
        self.by_channel.push(channel_key(site, f.channel), slot, f.time, tag);
        for &w in &f.words {
            *self.word_counts.entry(word_key(site, w)).or_insert(0) += 1;
        }
        if self.site_messages.len() <= site as usize {
            self.site_messages.resize(site as usize + 1, 0);
        }
        self.site_messages[site as usize] += 1;
        for name in f.name.iter().chain(&f.stated) {
            let tag = name.letters();
            for tok in name.full_tokens() {
                self.names.push(name_key(site, tok), slot, f.time, tag);
            }
        }
    }
}
