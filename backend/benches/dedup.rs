//! The deduplication engine's speed and memory: one decision against 10 k, 100 k and 1 M
//! indexed tickets of realistic short messages. `cargo xtask bench` runs it
//! (`cargo bench -p backend --bench dedup`) and puts its JSON line per size in BENCHMARKS.md.
//! Sizes can be given as arguments (`cargo bench -p backend --bench dedup -- 100000`).
//!
//! History arrives at a fixed rate (a million messages a year), so only the 1 M history fills
//! the windows the rules read when the probes come (a day after it ends).
//! `GUICHET_BENCH_PROBE_AT_END=1` sends the probes right after the last message instead: a
//! 100 k history then costs each decision what a 1 M one does, in a tenth of the build time.

use std::time::Instant;

use backend::domain::dedup::{Decision, DedupConfig, Engine, IncidentChoice, IncidentId, TicketId};
use backend::domain::message::{Channel, InboundMessage, Sender};
use time::{Duration, OffsetDateTime};

/// The process's resident memory in bytes (Linux), to measure the index's memory per ticket
/// with the allocator's overhead included.
fn resident() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<usize>().ok());
    kb.unwrap_or(0) * 1024
}

/// How many times the kernel took the core from this thread (Linux): a first run during which
/// this grows waited for another process, and its time says nothing of the engine.
fn preempted() -> u64 {
    let status = std::fs::read_to_string("/proc/thread-self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("nonvoluntary_ctxt_switches:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

const STREETS: &[&str] = &[
    "rue des Lilas",
    "avenue des Tilleuls",
    "rue Pasteur",
    "rue Gambetta",
    "chemin des Vignes",
    "rue Victor Hugo",
    "allée des Acacias",
    "boulevard de la République",
    "place de la Mairie",
    "rue de la Gare",
    "impasse des Roses",
    "rue Jean Jaurès",
    "avenue Foch",
    "rue du Moulin",
    "route de Lyon",
    "rue des Écoles",
];
const TEMPLATES: &[(&str, &str)] = &[
    ("voirie", "Bonjour, il y a un nid de poule dangereux devant le {n} {street}, merci d'intervenir."),
    ("voirie", "Le lampadaire au niveau du {n} {street} est en panne depuis {d} jours."),
    ("proprete", "Dépôt sauvage d'encombrants au {n} {street}, c'est la {d}e fois ce mois-ci."),
    ("etat-civil", "Je voudrais une copie intégrale de mon acte de naissance, né le {d} mars 19{n}."),
    ("scolarite", "Inscription à la cantine pour mon fils en CE{d}, école de la {street}."),
    ("autre", "Quels sont les horaires d'ouverture de la mairie le samedi {d} ?"),
    ("voirie", "Plus d'eau au robinet depuis ce matin {street}, quartier du n°{n}."),
    ("proprete", "Les poubelles du {n} {street} n'ont pas été ramassées depuis {d} jours."),
];
const NAMES: &[&str] = &["Claire", "Paul", "Inès", "Marc", "Zoé", "Louis", "Jeanne", "Hugo", "Lucie", "Nadia"];
const SURNAMES: &[&str] = &["Dubois", "Martin", "Garnier", "Petit", "Lambert", "Caron", "Leroy", "Moreau", "Roux"];

/// A small deterministic generator: the same messages on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }
}

fn message(rng: &mut Rng, i: usize, start: OffsetDateTime) -> InboundMessage {
    let (topic, template) = *rng.pick(TEMPLATES);
    let body = template
        .replace("{n}", &(1 + rng.next() % 180).to_string())
        .replace("{street}", rng.pick::<&str>(STREETS))
        .replace("{d}", &(1 + rng.next() % 9).to_string());
    let channel = *rng.pick(&[Channel::Widget, Channel::Email, Channel::Messenger, Channel::Whatsapp]);
    let name = format!("{} {}", rng.pick(NAMES), rng.pick(SURNAMES));
    let from = match channel {
        Channel::Widget | Channel::Email => {
            Sender { name: Some(name), email: Some(format!("citoyen{i}@example.fr")), ..Sender::default() }
        }
        Channel::Whatsapp => {
            Sender { name: Some(name), handle: Some(format!("whatsapp:336{:08}", i)), ..Sender::default() }
        }
        _ => Sender { name: Some(name), handle: Some(format!("messenger:{}", 1_000_000 + i)), ..Sender::default() },
    };
    InboundMessage {
        id: format!("m-{i}"),
        site: "ville-exemple".into(),
        channel,
        // A year of history: one message every few seconds to minutes.
        received_at: start + Duration::seconds((i as i64) * 31_536_000 / 1_000_000),
        from,
        topic: Some(topic.into()),
        subject: None,
        body,
        in_reply_to: None,
        location: None,
    }
}

/// Files a message as the intake does, numbering tickets and incidents.
fn file(engine: &mut Engine, m: &InboundMessage, tickets: &mut i64, incidents: &mut i64) {
    let mut number = |choice| match choice {
        IncidentChoice::None => None,
        IncidentChoice::Join(i) => Some(i),
        IncidentChoice::StartWith(_) => {
            *incidents += 1;
            Some(IncidentId(*incidents))
        }
    };
    let (ticket, incident) = match engine.decide(m) {
        Decision::AlreadySeen { ticket } => (ticket, None),
        Decision::FollowUp { ticket, incident, .. } => (ticket, number(incident)),
        Decision::NewTicket { incident, .. } => {
            *tickets += 1;
            (TicketId(*tickets), number(incident))
        }
    };
    engine.apply(m, ticket, incident);
}

fn main() {
    // `cargo bench` passes `--bench`; numbers choose the sizes.
    let mut sizes: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    if sizes.is_empty() {
        sizes = vec![10_000, 100_000, 1_000_000];
    }
    let start = OffsetDateTime::from_unix_timestamp(1_767_225_600).expect("a valid date");
    // The same kind of messages as JSON Lines, for timing `guichet replay` end to end.
    if let Ok(path) = std::env::var("GUICHET_BENCH_REPLAY_FILE") {
        let mut rng = Rng(0x2545_F491_4F6C_DD1D);
        let lines: Vec<String> = (0..20_000)
            .map(|i| serde_json::to_string(&message(&mut rng, i, start)).expect("plain data serialises"))
            .collect();
        std::fs::write(path, lines.join("\n") + "\n").expect("writing the replay file");
    }
    for size in sizes {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let before = resident();
        let mut engine = Engine::new(DedupConfig::default());
        let (mut tickets, mut incidents) = (0, 0);
        let built = Instant::now();
        for i in 0..size {
            let m = message(&mut rng, i, start);
            file(&mut engine, &m, &mut tickets, &mut incidents);
        }
        let build_secs = built.elapsed().as_secs_f64();
        let memory = resident().saturating_sub(before);

        // Decisions for new messages arriving after the history: new citizens and follow-ups.
        // Each decision is timed on its first run (cold caches), then twice more: on this
        // shared machine another process may take the core for a few milliseconds during any
        // run, so the fastest of the three is also given, as the engine's own cost.
        let (mut times, mut fastest, mut undisturbed) = (Vec::new(), Vec::new(), Vec::new());
        let end = if std::env::var_os("GUICHET_BENCH_PROBE_AT_END").is_some() {
            start + Duration::seconds((size as i64) * 31_536_000 / 1_000_000)
        } else {
            start + Duration::days(366)
        };
        for j in 0..2000 {
            let mut m = message(&mut rng, size + j, end);
            m.received_at = end + Duration::seconds(j as i64);
            if j % 2 == 1 {
                m.from.email = Some(format!("citoyen{}@example.fr", size - 1 - j));
                m.from.handle = None;
            }
            let mut runs = [0.0; 3];
            let switches = preempted();
            for run in &mut runs {
                let t = Instant::now();
                std::hint::black_box(engine.decide(&m));
                *run = t.elapsed().as_nanos() as f64 / 1000.0;
            }
            // Counted over the three runs: a first run is kept only if none was disturbed.
            if preempted() == switches {
                undisturbed.push(runs[0]);
            }
            times.push(runs[0]);
            fastest.push(runs.iter().copied().fold(f64::INFINITY, f64::min));
        }
        times.sort_by(f64::total_cmp);
        fastest.sort_by(f64::total_cmp);
        undisturbed.sort_by(f64::total_cmp);
        println!(
            "{}",
            serde_json::json!({
                "messages": size,
                "tickets": tickets,
                "incidents": incidents,
                "median_us": times[times.len() / 2],
                "p99_us": times[times.len() * 99 / 100],
                "undisturbed_first_runs": undisturbed.len(),
                "undisturbed_p99_us": undisturbed.get(undisturbed.len() * 99 / 100).copied().unwrap_or(f64::NAN),
                "fastest_of_3_median_us": fastest[fastest.len() / 2],
                "fastest_of_3_p99_us": fastest[fastest.len() * 99 / 100],
                "bytes_per_ticket": memory as f64 / tickets.max(1) as f64,
                "engine_messages_per_second": size as f64 / build_secs,
            })
        );
        drop(engine);
    }
}
