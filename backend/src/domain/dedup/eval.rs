//! Quality measure: replays labelled JSON Lines through the engine exactly as the service does
//! (decide, assign ids, apply) and scores pairwise precision, recall and F1 for tickets and for
//! incidents against the labels with `wire::scoring` (as `cargo xtask bench` does). Test-only:
//! it reads fixture files.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::Deserialize;
pub(crate) use wire::scoring::Score;
use wire::scoring::pairs;

use super::{Decision, DedupConfig, Engine, IncidentChoice, IncidentId, TicketId};
use crate::domain::message::InboundMessage;

#[derive(Debug, Deserialize)]
struct Label {
    id: String,
    ticket: String,
    incident: Option<String>,
}

/// What `guichet replay` prints for one input line.
#[derive(Debug, Clone)]
pub(crate) struct Output {
    pub(crate) id: String,
    pub(crate) ticket: TicketId,
    pub(crate) incident: Option<IncidentId>,
    /// The ticket's incident once the whole file is replayed (a `StartWith` groups an earlier
    /// ticket after its lines were printed).
    pub(crate) final_incident: Option<IncidentId>,
    pub(crate) decision: Decision,
}

/// The store's part, in memory: numbering tickets and incidents, remembering each ticket's
/// incident (the engine's caller owns that state).
pub(crate) fn replay(engine: &mut Engine, messages: &[InboundMessage]) -> Vec<Output> {
    let mut next_ticket = 0;
    let mut next_incident = 0;
    let mut incident_of: HashMap<TicketId, IncidentId> = HashMap::new();
    let mut out = Vec::new();
    for m in messages {
        let decision = engine.decide(m);
        // A new incident's number, given to the ticket it starts with as well.
        let mut number = |choice: &IncidentChoice, incident_of: &mut HashMap<TicketId, IncidentId>| match choice {
            IncidentChoice::None => None,
            IncidentChoice::Join(i) => Some(*i),
            IncidentChoice::StartWith(t) => {
                next_incident += 1;
                let i = IncidentId(next_incident);
                incident_of.insert(*t, i);
                Some(i)
            }
        };
        let (ticket, incident) = match &decision {
            Decision::AlreadySeen { ticket } => (*ticket, None),
            Decision::FollowUp { ticket, incident, .. } => (*ticket, number(incident, &mut incident_of)),
            Decision::NewTicket { incident, .. } => {
                next_ticket += 1;
                (TicketId(next_ticket), number(incident, &mut incident_of))
            }
        };
        if let Some(i) = incident {
            incident_of.insert(ticket, i);
        }
        if !matches!(decision, Decision::AlreadySeen { .. }) {
            engine.apply(m, ticket, incident);
        }
        let incident = incident_of.get(&ticket).copied();
        out.push(Output { id: m.id.clone(), ticket, incident, final_incident: None, decision });
    }
    for o in &mut out {
        o.final_incident = incident_of.get(&o.ticket).copied();
    }
    out
}

fn score(
    truth: &BTreeMap<String, Option<String>>,
    predicted: &BTreeMap<String, Option<String>>,
) -> (Score, Vec<String>) {
    let groups = |m: &BTreeMap<String, Option<String>>| {
        pairs(m.iter().map(|(id, g)| (id.as_str(), g.as_deref())).collect::<Vec<_>>())
    };
    let (t, p) = (groups(truth), groups(predicted));
    let mistakes = p
        .difference(&t)
        .map(|(a, b)| format!("wrong merge {a} + {b}"))
        .chain(t.difference(&p).map(|(a, b)| format!("missed {a} + {b}")))
        .collect();
    (Score::of(&t, &p), mistakes)
}

/// Scores of one labelled set.
#[derive(Debug, Clone)]
pub(crate) struct SetScore {
    pub(crate) tickets: Score,
    pub(crate) incidents: Score,
    pub(crate) mistakes: Vec<String>,
}

pub(crate) fn read_messages(path: &Path) -> Vec<InboundMessage> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, l)| serde_json::from_str(l).unwrap_or_else(|e| panic!("{}:{}: {e}", path.display(), i + 1)))
        .collect()
}

/// Replays `dir/messages.jsonl` in a fresh engine and scores it against `dir/labels.jsonl`.
pub(crate) fn evaluate(dir: &Path, config: DedupConfig) -> SetScore {
    let messages = read_messages(&dir.join("messages.jsonl"));
    let labels_text = std::fs::read_to_string(dir.join("labels.jsonl")).unwrap();
    let labels: Vec<Label> =
        labels_text.lines().filter(|l| !l.trim().is_empty()).map(|l| serde_json::from_str(l).unwrap()).collect();
    let mut engine = Engine::new(config);
    let outputs = replay(&mut engine, &messages);
    if std::env::var_os("DEDUP_TRACE").is_some() {
        for o in &outputs {
            let why = match &o.decision {
                Decision::NewTicket { incident, reasons } => format!("new {incident:?}: {}", reasons.summary()),
                Decision::FollowUp { reasons, .. } => format!("follow-up: {}", reasons.summary()),
                Decision::AlreadySeen { .. } => "already seen".to_owned(),
            };
            println!("  {} -> t{} {:?}  {why}", o.id, o.ticket.0, o.final_incident.map(|i| i.0));
        }
    }
    let mut mistakes = Vec::new();
    // A re-delivered line must print what its first delivery printed.
    let mut first: HashMap<&str, (TicketId, Option<IncidentId>)> = HashMap::new();
    for o in &outputs {
        let e = first.entry(o.id.as_str()).or_insert((o.ticket, o.incident));
        if e.0 != o.ticket {
            mistakes.push(format!("re-delivery of {} went elsewhere", o.id));
        }
    }
    let (mut true_t, mut true_i, mut pred_t, mut pred_i) =
        (BTreeMap::new(), BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
    for l in &labels {
        true_t.entry(l.id.clone()).or_insert(Some(l.ticket.clone()));
        true_i.entry(l.id.clone()).or_insert(l.incident.clone());
    }
    for o in &outputs {
        pred_t.entry(o.id.clone()).or_insert(Some(format!("t{}", o.ticket.0)));
        pred_i.entry(o.id.clone()).or_insert(o.final_incident.map(|i| format!("i{}", i.0)));
    }
    let (tickets, mt) = score(&true_t, &pred_t);
    let (incidents, mi) = score(&true_i, &pred_i);
    mistakes.extend(mt);
    mistakes.extend(mi.into_iter().map(|m| format!("incident: {m}")));
    SetScore { tickets, incidents, mistakes }
}
