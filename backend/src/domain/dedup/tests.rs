//! The engine's behaviour, in the data-driven shape (messages in, verdict and reasons out), and
//! its quality on the labelled sets.

use std::path::{Path, PathBuf};

use super::eval::{Score, evaluate};
use super::*;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/dedup")
}

/// Every labelled set under the fixtures directory: the shared dev set (a copy of
/// `shared/dedup-devset`) and our own sets of the same kinds. A new set is a new directory;
/// `DEDUP_SET=name` keeps one, to study it.
fn sets() -> Vec<String> {
    let only = std::env::var("DEDUP_SET").ok();
    let mut out: Vec<String> = std::fs::read_dir(fixtures())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("messages.jsonl").exists())
        .filter(|e| only.as_ref().is_none_or(|o| e.file_name().to_string_lossy() == o.as_str()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    out.sort();
    out
}

/// A message under construction: site `ville` and channel `widget` unless told.
#[derive(Clone)]
struct M(InboundMessage);

fn m(id: &str, at: &str, body: &str) -> M {
    M(InboundMessage {
        id: id.into(),
        site: "ville".into(),
        channel: crate::domain::message::Channel::Widget,
        received_at: time::OffsetDateTime::parse(
            &format!("2026-03-{at}:00+01:00"),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap(),
        from: crate::domain::message::Sender::default(),
        topic: None,
        subject: None,
        body: body.into(),
        in_reply_to: None,
        location: None,
    })
}

impl M {
    fn site(mut self, s: &str) -> M {
        self.0.site = s.into();
        self
    }
    fn channel(mut self, c: &str) -> M {
        self.0.channel = serde_json::from_value(serde_json::Value::String(c.into())).unwrap();
        self
    }
    fn name(mut self, s: &str) -> M {
        self.0.from.name = Some(s.into());
        self
    }
    fn email(mut self, s: &str) -> M {
        self.0.from.email = Some(s.into());
        self
    }
    fn phone(mut self, s: &str) -> M {
        self.0.from.phone = Some(s.into());
        self
    }
    fn handle(mut self, s: &str) -> M {
        self.0.from.handle = Some(s.into());
        self
    }
    fn topic(mut self, s: &str) -> M {
        self.0.topic = Some(s.into());
        self
    }
    fn subject(mut self, s: &str) -> M {
        self.0.subject = Some(s.into());
        self
    }
    fn reply_to(mut self, s: &str) -> M {
        self.0.in_reply_to = Some(s.into());
        self
    }
}

/// What a case expects; message ids stand for the tickets they were filed under.
#[derive(Debug)]
enum Want {
    New,
    StartWith(&'static str),
    Join(&'static str),
    FollowUp(&'static str),
    /// A follow-up of the first, which puts its ticket with the second's (in its incident).
    FollowUpWith(&'static str, &'static str),
    Seen(&'static str),
}

struct Case {
    name: &'static str,
    history: Vec<M>,
    probe: M,
    want: Want,
    rule: &'static str,
    /// Each must appear somewhere in the reasons' JSON.
    reasons: &'static [&'static str],
}

fn run(case: Case, setup: impl FnOnce(&mut Engine, &std::collections::HashMap<String, TicketId>)) {
    let mut engine = Engine::new(DedupConfig::default());
    let history: Vec<InboundMessage> = case.history.into_iter().map(|m| m.0).collect();
    let outputs = eval::replay(&mut engine, &history);
    let ticket_of: std::collections::HashMap<String, TicketId> =
        outputs.iter().map(|o| (o.id.clone(), o.ticket)).collect();
    let incident_of: std::collections::HashMap<TicketId, IncidentId> =
        outputs.iter().filter_map(|o| o.final_incident.map(|i| (o.ticket, i))).collect();
    setup(&mut engine, &ticket_of);
    let got = engine.decide(&case.probe.0);
    let t = |id: &str| ticket_of[id];
    let (ok, reasons) = match (&case.want, &got) {
        (Want::New, Decision::NewTicket { incident: IncidentChoice::None, reasons }) => (true, Some(reasons)),
        (Want::StartWith(id), Decision::NewTicket { incident: IncidentChoice::StartWith(x), reasons }) => {
            (*x == t(id), Some(reasons))
        }
        (Want::Join(id), Decision::NewTicket { incident: IncidentChoice::Join(i), reasons }) => {
            (incident_of.get(&t(id)) == Some(i), Some(reasons))
        }
        (Want::FollowUp(id), Decision::FollowUp { ticket, reasons, incident: IncidentChoice::None, .. }) => {
            (*ticket == t(id), Some(reasons))
        }
        (Want::FollowUpWith(id, other), Decision::FollowUp { ticket, reasons, incident, grouped: Some(_) }) => {
            let grouped = match incident {
                IncidentChoice::Join(i) => incident_of.get(&t(other)) == Some(i),
                IncidentChoice::StartWith(x) => *x == t(other),
                IncidentChoice::None => false,
            };
            (*ticket == t(id) && grouped, Some(reasons))
        }
        (Want::Seen(id), Decision::AlreadySeen { ticket }) => (*ticket == t(id), None),
        _ => (false, None),
    };
    assert!(ok, "{}: wanted {:?}, got {got:#?}", case.name, case.want);
    if let Some(r) = reasons {
        assert_eq!(r.rule, case.rule, "{}: {r:#?}", case.name);
        let json = serde_json::to_string(r).unwrap();
        for needle in case.reasons {
            assert!(json.contains(needle), "{}: `{needle}` not in {json}", case.name);
        }
        assert!(!r.summary().is_empty());
    }
}

fn pothole() -> M {
    m(
        "a1",
        "02T09:00",
        "Un gros nid de poule devant le 45 avenue des Tilleuls, ma voiture a failli y laisser une roue.",
    )
    .name("Sophie Marchand")
    .email("sophie.marchand@example.fr")
    .phone("06 71 22 38 90")
    .topic("voirie")
}

fn lamp(id: &str, at: &str, name: &str, email: &str) -> M {
    m(id, at, "Le lampadaire au carrefour de la rue Pasteur et de la rue Gambetta ne s'allume plus, il fait tout noir.")
        .name(name)
        .email(email)
}

#[test]
fn threads_and_identities_find_the_ticket() {
    let cases = vec![
        Case {
            name: "a reply names the message it answers",
            history: vec![pothole()],
            probe: m("a2", "09T09:00", "Toujours rien ??\n\nLe lun. 2 mars 2026 à 09:00, Sophie <s@x.fr> a écrit :\n> Un gros nid")
                .channel("email")
                .email("someone.else@example.org")
                .reply_to("a1"),
            want: Want::FollowUp("a1"),
            rule: "thread",
            reasons: &["in reply to a1"],
        },
        Case {
            name: "a re-delivered message is already seen",
            history: vec![pothole()],
            probe: pothole(),
            want: Want::Seen("a1"),
            rule: "",
            reasons: &[],
        },
        Case {
            name: "an email differing only in case is the same citizen",
            history: vec![pothole()],
            probe: m("a2", "03T19:40", "Je vous écris aussi par mail pour le trou dans la chaussée avenue des Tilleuls.")
                .channel("email")
                .email(" Sophie.Marchand@Example.FR"),
            want: Want::FollowUp("a1"),
            rule: "same-citizen",
            reasons: &["email:sophie.marchand@example.fr", "street 45 tilleul"],
        },
        Case {
            name: "a WhatsApp number is the phone given on the form",
            history: vec![pothole()],
            probe: m("a2", "05T12:00", "c'est encore moi pour le nid de poule av des tilleuls, toujours pas rebouché")
                .channel("whatsapp")
                .handle("whatsapp:33671223890"),
            want: Want::FollowUp("a1"),
            rule: "same-citizen",
            reasons: &["phone:+33671223890", "road"],
        },
        Case {
            name: "the same citizen about another matter opens a new ticket",
            history: vec![pothole()],
            probe: m("a2", "04T10:00", "Je souhaiterais inscrire mon fils à la cantine de l'école Jules Ferry.")
                .channel("email")
                .email("sophie.marchand@example.fr"),
            want: Want::New,
            rule: "new",
            reasons: &[],
        },
        Case {
            name: "\"autre question\" is another matter even on the same street",
            history: vec![pothole()],
            probe: m("a2", "04T10:00", "Autre question : quand passe la balayeuse avenue des Tilleuls ?")
                .email("sophie.marchand@example.fr"),
            want: Want::New,
            rule: "new",
            reasons: &[],
        },
        Case {
            name: "a thank-you with nothing of its own goes to the latest ticket",
            history: vec![pothole()],
            probe: m("a2", "06T18:00", "Merci, c'est réparé 👍").channel("whatsapp").handle("whatsapp:33671223890"),
            want: Want::FollowUp("a1"),
            rule: "conversation",
            reasons: &["nothing new of its own"],
        },
        Case {
            name: "the same matter in other words",
            history: vec![pothole()],
            probe: m("a2", "10T09:00", "Le nid de poule avenue des Tilleuls s'agrandit, il fait bien 30 cm maintenant.").email("sophie.marchand@example.fr"),
            want: Want::FollowUp("a1"),
            rule: "same-citizen",
            reasons: &[],
        },
        Case {
            name: "quoted text does not make a new matter look like the old one",
            history: vec![pothole()],
            probe: m(
                "a2",
                "04T10:00",
                "Pouvez-vous m'envoyer le menu de la cantine ?\n\nLe lun. 2 mars 2026 à 09:00, Sophie <s@x.fr> a écrit :\n> Un gros nid de poule devant le 45 avenue des Tilleuls, ma voiture a failli y laisser une roue.",
            )
            .channel("email")
            .email("sophie.marchand@example.fr"),
            want: Want::New,
            rule: "new",
            reasons: &[],
        },
    ];
    for case in cases {
        run(case, |_, _| {});
    }
}

#[test]
fn the_ticket_window_closes() {
    let mut late =
        m("a2", "02T09:00", "Le nid de poule avenue des Tilleuls est revenu.").email("sophie.marchand@example.fr");
    late.0.received_at += time::Duration::days(45);
    run(
        Case {
            name: "45 days later",
            history: vec![pothole()],
            probe: late,
            want: Want::New,
            rule: "new",
            reasons: &[],
        },
        |_, _| {},
    );
}

#[test]
fn a_reference_or_an_agent_link_finds_the_ticket() {
    run(
        Case {
            name: "a ticket reference in the subject",
            history: vec![pothole()],
            probe: m("a2", "08T10:00", "Des nouvelles ?")
                .channel("email")
                .email("autre@example.org")
                .subject("Re: VE-2026-000042"),
            want: Want::FollowUp("a1"),
            rule: "reference",
            reasons: &["reference VE-2026-000042"],
        },
        |e, t| e.set_reference(t["a1"], "ve-2026-000042"),
    );
    run(
        Case {
            name: "identities an agent linked are one citizen",
            history: vec![pothole()],
            probe: m("a2", "05T10:00", "Toujours pas réparé le trou avenue des Tilleuls")
                .channel("messenger")
                .handle("messenger:42"),
            want: Want::FollowUp("a1"),
            rule: "same-citizen",
            reasons: &["messenger:42"],
        },
        |e, _| {
            e.link_identities(
                "ville",
                &Identity::Email("sophie.marchand@example.fr".into()),
                &Identity::Handle("messenger:42".into()),
            )
        },
    );
}

#[test]
fn an_answer_to_an_exchange_continues_the_citizens_request() {
    let history = || {
        vec![
            m(
                "k1",
                "24T11:10",
                "Hello, I need a certificate of enrolment for my visa renewal. How can I get one? Kenji",
            )
            .channel("email")
            .subject("Certificate of enrolment")
            .email("kenji@example.fr"),
        ]
    };
    run(
        Case {
            name: "a Re: subject answering the agent, whose message is not in the history",
            history: history(),
            probe: m("k2", "27T09:05", "Thank you. I downloaded it from the ENT as you explained.")
                .channel("email")
                .subject("Re: Certificate of enrolment")
                .email("kenji@example.fr"),
            want: Want::FollowUp("k1"),
            rule: "same-citizen",
            reasons: &["same topic"],
        },
        |_, _| {},
    );
}

#[test]
fn an_agents_note_or_a_named_channel_finds_the_request_weeks_later() {
    run(
        Case {
            name: "a call noted with a surname, recalling a request weeks old",
            history: vec![m(
                "c1",
                "02T12:40",
                "Nous demandons une dérogation de secteur scolaire pour que notre fille Zoé soit scolarisée à l'école Paul-Bert plutôt qu'à Condorcet.",
            )
            .channel("email")
            .name("Aurélien Colas")
            .email("aurelien.colas@example.fr")],
            probe: m("c2", "24T08:45", "M. Colas relance pour la dérogation scolaire de sa fille Zoé (Paul-Bert au lieu de Condorcet).")
                .channel("phone")
                .name("M. Colas")
                .phone("07 60 41 22 83"),
            want: Want::FollowUp("c1"),
            rule: "same-name",
            reasons: &["refers to an earlier message"],
        },
        |_, _| {},
    );
    run(
        Case {
            name: "the same citizen completing the request they made on the site",
            history: vec![m("n1", "04T08:47", "Je voudrais une carte de stationnement résidant, j'habite au 17 rue Danton.")
                .name("Nadège Fournier")
                .email("nadege.fournier@example.fr")],
            probe: m("n2", "06T12:31", "Je complète ma demande faite sur le site lundi : ci-joint la carte grise et une facture d'électricité au 17 rue Danton.")
                .channel("email")
                .name("Nadège Fournier")
                .email("nadege.fournier@example.fr"),
            want: Want::FollowUp("n1"),
            rule: "same-citizen",
            reasons: &["names the channel of the earlier message"],
        },
        |_, _| {},
    );
}

#[test]
fn a_full_name_is_believed_over_the_ticket_window_but_not_for_a_new_occurrence() {
    let desk = || {
        vec![
            m("h1", "02T10:00", "Mme Henriette Costes demande le prix d'une concession trentenaire au cimetière.")
                .channel("desk")
                .name("Henriette Costes"),
        ]
    };
    run(
        Case {
            name: "a call two weeks after a desk visit, same full name and matter",
            history: desk(),
            probe: m(
                "h2",
                "17T09:30",
                "Mme Henriette Costes voudrait connaître le prix de la concession trentenaire au cimetière.",
            )
            .channel("phone")
            .name("Henriette Costes")
            .phone("05 61 85 09 76"),
            want: Want::FollowUp("h1"),
            rule: "same-name",
            reasons: &["strong"],
        },
        |_, _| {},
    );
    run(
        Case {
            name: "the same person's trouble back three weeks later",
            history: vec![
                m("u1", "03T08:02", "Le passage souterrain sous la gare est complètement inondé ce matin.")
                    .name("Antoine Caron")
                    .email("antoine.caron@example.fr"),
            ],
            probe: m(
                "u2",
                "24T07:48",
                "Le souterrain de la gare est de nouveau inondé après la tempête de cette nuit.",
            )
            .channel("whatsapp")
            .name("Antoine Caron")
            .handle("whatsapp:33645901233"),
            want: Want::New,
            rule: "new",
            reasons: &[],
        },
        |_, _| {},
    );
}

#[test]
fn a_fitting_name_is_a_weak_cue_never_enough_alone() {
    let messenger = m(
        "k1",
        "12T16:20",
        "Bonjour, encore un dépôt sauvage au bout du chemin des Vignes : matelas, pneus et sacs poubelle.",
    )
    .channel("messenger")
    .name("Karim B.")
    .handle("messenger:5520098812");
    let cases = vec![
        Case {
            name: "an agent's note recalls the day of the citizen's call",
            history: vec![m("d1", "02T10:05", "Mme Raymonde Chastaing appelle : le robinet du cimetière ne donne plus d'eau depuis dimanche.")
                .channel("phone")
                .name("Raymonde Chastaing")
                .phone("05 45 71 33 82")],
            probe: m("d2", "10T11:10", "Mme Chastaing passée en mairie : le robinet du cimetière n'est toujours pas réparé malgré son appel du 2 mars.")
                .channel("desk")
                .name("Mme Chastaing"),
            want: Want::FollowUp("d1"),
            rule: "same-name",
            reasons: &["same date"],
        },
        Case {
            name: "a fitting name, the same place and topic",
            history: vec![messenger.clone()],
            probe: m(
                "k2",
                "12T16:41",
                "Je vous ai écrit sur Facebook : dépôt d'ordures sauvage chemin des Vignes, merci d'enlever.",
            )
            .name("Karim Benali")
            .email("karim.benali@example.fr"),
            want: Want::FollowUp("k1"),
            rule: "same-name",
            reasons: &["~ karim b (strong)", "street vigne"],
        },
        Case {
            name: "a fitting name about something else",
            history: vec![messenger.clone()],
            probe: m("k2", "12T17:00", "Bonjour, quels sont les horaires de la médiathèque ?")
                .name("Karim Benali")
                .email("karim.benali@example.fr"),
            want: Want::New,
            rule: "new",
            reasons: &[],
        },
        Case {
            name: "a shared given name with another surname is another person",
            history: vec![messenger.name("Karim Benali")],
            probe: m("k2", "12T16:41", "Dépôt sauvage chemin des Vignes, des matelas et des pneus, merci d'enlever.")
                .name("Karim Bouzid")
                .email("karim.bouzid@example.fr"),
            want: Want::StartWith("k1"),
            rule: "incident",
            reasons: &["waste"],
        },
    ];
    for case in cases {
        run(case, |_, _| {});
    }
}

#[test]
fn other_citizens_reports_of_one_occurrence_make_an_incident() {
    let two = || vec![lamp("l1", "10T21:05", "Bernard Lefort", "b.lefort@example.com")];
    let three = || {
        vec![
            lamp("l1", "10T21:05", "Bernard Lefort", "b.lefort@example.com"),
            m("l2", "11T07:48", "bjr, eclairage en panne rue gambetta au niveau de pasteur, il fait tout noir 😬")
                .channel("messenger")
                .name("Amandine Roy")
                .handle("messenger:7781203341"),
        ]
    };
    let cases = vec![
        Case {
            name: "a second report starts an incident",
            history: two(),
            probe: m(
                "l2",
                "11T07:48",
                "bjr, eclairage en panne rue gambetta au niveau de pasteur, il fait tout noir 😬",
            )
            .channel("messenger")
            .name("Amandine Roy")
            .handle("messenger:7781203341"),
            want: Want::StartWith("l1"),
            rule: "incident",
            reasons: &["street gambetta", "lighting"],
        },
        Case {
            name: "a third report joins it",
            history: three(),
            probe: m("l3", "11T13:30", "L'éclairage public est hors service au croisement Pasteur/Gambetta.")
                .channel("email")
                .email("gerard.mounier@example.org"),
            want: Want::Join("l1"),
            rule: "incident",
            reasons: &["lighting"],
        },
        Case {
            name: "an English report joins a French one",
            history: vec![
                m(
                    "h1",
                    "16T08:35",
                    "Il n'y a pas de chauffage dans l'amphi B du bâtiment Sciences, il fait 12 degrés.",
                )
                .site("univ")
                .email("lea@example.fr"),
            ],
            probe: m(
                "h2",
                "16T09:02",
                "Hello, heating is broken in lecture hall B (Sciences building) during the exam.",
            )
            .site("univ")
            .channel("email")
            .email("thomas@example.fr"),
            want: Want::StartWith("h1"),
            rule: "incident",
            reasons: &["amphi b", "heating"],
        },
        Case {
            name: "another site never joins",
            history: two(),
            probe: lamp("l2", "11T08:00", "Amandine Roy", "amandine.roy@example.fr").site("agglo"),
            want: Want::New,
            rule: "new",
            reasons: &["first message of this site"],
        },
    ];
    for case in cases {
        run(case, |_, _| {});
    }
}

#[test]
fn hard_negatives_stay_apart() {
    let cases = vec![
        Case {
            name: "a pothole on another street",
            history: vec![pothole()],
            probe: m("b1", "04T11:00", "Nid de poule important rue Victor Hugo, en face de la boulangerie.").phone("07 12 45 66 01"),
            want: Want::New,
            rule: "new",
            reasons: &[],
        },
        Case {
            name: "another pothole far down the same street",
            history: vec![m("b1", "16T08:10", "Nid-de-poule profond juste devant le 3 rue de la République.").email("p@example.fr")],
            probe: m("b2", "16T12:12", "Un trou énorme sur la chaussée au niveau du 118 rue de la République").email("a@example.fr"),
            want: Want::New,
            rule: "new",
            reasons: &[],
        },
        Case {
            name: "the same trouble three weeks later, the citizen not saying they wrote",
            history: vec![m("q1", "01T09:00", "Fête très bruyante à la salle des fêtes cette nuit, musique jusqu'à 3h du matin.")
                .email("voisin@example.fr")],
            probe: m("q2", "22T09:30", "Encore une soirée à la salle des fêtes jusqu'à 3h du matin, musique à fond.")
                .email("voisin@example.fr"),
            want: Want::New,
            rule: "new",
            reasons: &[],
        },
        Case {
            name: "three weeks later, saying it is still not settled",
            history: vec![m("q1", "01T09:00", "Fête très bruyante à la salle des fêtes cette nuit, musique jusqu'à 3h du matin.")
                .email("voisin@example.fr")],
            probe: m("q2", "22T09:30", "Toujours aucune réponse pour le bruit de la salle des fêtes, que comptez-vous faire ?")
                .email("voisin@example.fr"),
            want: Want::FollowUp("q1"),
            rule: "same-citizen",
            reasons: &["voisin@example.fr"],
        },
        Case {
            name: "the writer's own name in both messages does not make two matters alike",
            history: vec![
                m("o0", "10T08:34", "La facture de cantine de février a été prélevée deux fois sur mon compte. Pouvez-vous rembourser le second prélèvement ?\n\nCordialement,\nMarie-Laure Ollivier\n06 33 50 72 18")
                    .channel("email")
                    .name("Marie-Laure Ollivier")
                    .email("marie-laure.ollivier@example.fr"),
                m("o1", "12T08:30", "Appel de Mme Ollivier au sujet de sa facture de restauration scolaire de février prélevée deux fois. A écrit un mail la semaine dernière, pas de réponse. Transmis à la régie.")
                .channel("phone")
                .name("Marie-Laure Ollivier")
                .phone("06 33 50 72 18"),
            ],
            probe: m("o2", "13T18:20", "Bonjour, c'est Marie-Laure Ollivier, j'avais demandé sur le site pour une cabine de plage cet été. Est-ce qu'il en reste ?")
                .channel("whatsapp")
                .name("ML Ollivier")
                .phone("+33633507218")
                .handle("whatsapp:33633507218"),
            want: Want::New,
            rule: "new",
            reasons: &[],
        },
        Case {
            name: "a signature with the writer's name does not make two short messages alike",
            history: vec![m("k1", "02T09:00", "Le portail du jardin grince.\nMarie-Laure Ollivier-Kerbrat").name("Marie-Laure Ollivier-Kerbrat").email("mlok@example.fr")],
            probe: m("k2", "03T09:00", "Mon chat a disparu.\nMarie-Laure Ollivier-Kerbrat").name("Marie-Laure Ollivier-Kerbrat").email("mlok@example.fr"),
            want: Want::New,
            rule: "new",
            reasons: &[],
        },
        Case {
            name: "the trouble back days later, in words the lexicon has no topic for",
            history: vec![m("r1", "06T09:10", "Ce matin à la marée le quai a débordé, le parking du Bassin sous 20 cm, deux voitures dedans.")
                .email("bar@example.fr")],
            probe: m("r2", "13T08:55", "Rebelote ce matin : le parking du Bassin de nouveau inondé à la marée.")
                .email("bar@example.fr"),
            want: Want::New,
            rule: "new",
            reasons: &[],
        },
        Case {
            name: "'cette fois': another lamp than the one reported",
            history: vec![m("r1", "06T21:00", "Tous les lampadaires du front de mer sont éteints.").email("lb@example.fr")],
            probe: m("r2", "10T21:50", "Cette fois c'est un seul lampadaire éteint sur le front de mer, en face du kiosque.")
                .email("lb@example.fr"),
            want: Want::New,
            rule: "new",
            reasons: &[],
        },
        Case {
            name: "two people asking for an acte de naissance",
            history: vec![m("c1", "06T09:10", "Je voudrais une copie intégrale de mon acte de naissance, né à Ville d'Exemple.")
                .email("luc@example.com")],
            probe: m("c2", "06T09:55", "J'aurais besoin d'un extrait d'acte de naissance, je suis née à Ville d'Exemple.")
                .email("emma@example.fr"),
            want: Want::New,
            rule: "new",
            reasons: &[],
        },
        Case {
            name: "a personal Wi-Fi problem during an outage",
            history: vec![m("w1", "24T10:20", "Pas de connexion Wi-Fi à la bibliothèque universitaire centrale depuis 9h.")
                .email("hugo@example.fr")],
            probe: m("w2", "24T10:30", "Je n'arrive plus à me connecter au wifi de la BU centrale depuis mon changement de mot de passe, les autres y arrivent.")
                .email("yanis@example.fr"),
            want: Want::New,
            rule: "new",
            reasons: &["a problem of one person"],
        },
        Case {
            name: "'il y en a un autre': not the occurrence the writer reported",
            history: vec![
                m("d1", "02T19:00", "Le lampadaire devant le 5 rue Danton est éteint.")
                    .channel("email")
                    .name("Julie Roche")
                    .email("julie.roche@example.fr"),
                m("d2", "03T10:00", "Le lampadaire devant le 5 rue Danton ne s'allume plus.").email("sonia@example.fr"),
            ],
            probe: m("d3", "04T08:00", "Je vous ai écrit par mail pour un lampadaire rue Danton, il y en a un autre éteint au 90.")
                .channel("whatsapp")
                .name("Julie")
                .handle("whatsapp:33612121212"),
            want: Want::New,
            rule: "new",
            reasons: &[],
        },
        Case {
            name: "a student's two questions about their studies are two requests",
            history: vec![m("s1", "10T08:05", "ya pa de salle pr le partiel de droit constit, on fait koi ??")
                .channel("messenger")
                .handle("messenger:2121")],
            probe: m("s2", "12T17:00", "c koi la date du rattrapage de constit la semaine pro ?")
                .channel("messenger")
                .handle("messenger:2121"),
            want: Want::New,
            rule: "new",
            reasons: &[],
        },
        Case {
            name: "the account a post mentions says nothing of its matter",
            history: vec![m("x1", "09T10:05", "@VilleExemple coupure de courant au gymnase, plus de lumière dans les vestiaires")
                .channel("x")
                .handle("x:1313")],
            probe: m("x2", "14T14:25", "@VilleExemple et maintenant c'est le parking de la gare qui est fermé")
                .channel("x")
                .handle("x:1313"),
            want: Want::New,
            rule: "new",
            reasons: &[],
        },
        Case {
            name: "the same citizen about another bus line",
            history: vec![m("l1", "02T07:40", "Aucun bus de la ligne 3 ce matin à l'arrêt Champ de Foire, aucune information.")
                .email("p.l@example.fr")],
            probe: m("l2", "16T07:15", "Encore aucun bus ligne 5 ce matin, il y a une grève ? Aucune information.")
                .email("p.l@example.fr"),
            want: Want::New,
            rule: "new",
            reasons: &[],
        },
        Case {
            name: "a flood is too much water, not a water cut",
            history: vec![m("f1", "03T08:30", "La rue Basse est inondée, l'eau arrive au niveau des portes.").email("b@example.fr")],
            probe: m("f2", "03T09:25", "La rue Haute est aussi inondée au 40, une voiture est bloquée dans l'eau.")
                .email("f@example.org"),
            want: Want::New,
            rule: "new",
            reasons: &[],
        },
        Case {
            name: "the trouble back weeks later is another occurrence",
            history: vec![m("h1", "05T08:00", "Plus de chauffage à l'école des Tilleuls, la chaudière affiche un voyant rouge.")
                .email("parent@example.fr")],
            probe: m("h2", "24T08:10", "La chaudière de l'école des Tilleuls est de nouveau à l'arrêt, même voyant rouge.")
                .email("parent@example.fr"),
            want: Want::New,
            rule: "new",
            reasons: &[],
        },
        Case {
            name: "two people of one family mailbox",
            history: vec![m("v1", "05T09:00", "Je voudrais un deuxième bac jaune pour le recyclage, route de Cadours.")
                .name("Élodie Vidal")
                .email("famille.vidal@example.fr")],
            probe: m("v2", "06T10:00", "Le bac jaune de la route de Cadours n'a pas été vidé depuis deux semaines.")
                .name("Marcel Vidal")
                .email("famille.vidal@example.fr"),
            want: Want::New,
            rule: "new",
            reasons: &[],
        },
        Case {
            name: "a leak at another number of the street",
            history: vec![
                m("k1", "14T06:50", "Fuite d'eau importante sur la chaussée devant le 27 avenue des Vergers.").email("t@example.com"),
                m("k2", "14T08:05", "De l'eau jaillit du trottoir avenue des Vergers depuis ce matin, une vraie rivière.")
                    .email("n@example.com"),
            ],
            probe: m("k3", "15T18:30", "Petite fuite au compteur d'eau enterré devant le 90 avenue des Vergers.").email("g@example.fr"),
            want: Want::New,
            rule: "new",
            reasons: &[],
        },
        Case {
            name: "a pothole joining through a report without a number, far from the others",
            history: vec![
                m("j1", "07T07:52", "Un trou énorme dans la chaussée au 112 boulevard Jean-Jaurès, les bus font un écart.")
                    .email("nadia@example.fr"),
                m("j2", "08T06:31", "La chaussée s'effondre sur le boulevard Jean-Jaurès, un bus a tapé dans le trou ce matin.")
                    .email("olive@example.fr"),
            ],
            probe: m("j3", "09T17:20", "Nid de poule assez profond au 8 boulevard Jean-Jaurès, côté pharmacie.").email("b@example.com"),
            want: Want::New,
            rule: "new",
            reasons: &[],
        },
        Case {
            name: "a question about a service at the place of an incident",
            history: vec![m("g1", "06T08:10", "Les poubelles de la rue Carnot n'ont pas été ramassées depuis 8 jours.").email("j@example.fr")],
            probe: m("g2", "06T09:00", "Bonjour, à quelle date passe la collecte des encombrants rue Carnot ?").email("m@example.fr"),
            want: Want::New,
            rule: "new",
            reasons: &["an information request"],
        },
    ];
    for case in cases {
        run(case, |_, _| {});
    }
}

#[test]
fn a_new_identity_is_the_citizen_only_with_the_matter_and_a_cue() {
    let shelter = || {
        m("s1", "09T08:00", "La vitre de l'abribus de l'arrêt Mairie est cassée, du verre partout sur le trottoir.")
            .name("Noémie Carrel")
            .email("noemie.carrel@example.fr")
            .phone("06 44 18 72 05")
            .topic("voirie")
    };
    let fair = || {
        m(
            "f1",
            "02T20:00",
            "Bonjour, le comité des fêtes voudrait organiser une brocante le 19 avril place du Marché : quelles démarches ?",
        )
        .channel("email")
        .name("Chloé Vernet")
        .email("chloe.vernet@example.fr")
    };
    let cases = vec![
        Case {
            name: "a phone signed at the end of an email is the phone given on the form",
            history: vec![shelter()],
            probe: m("s2", "10T09:00", "Bonjour,\nLes débris de verre sont toujours là à l'arrêt Mairie.\n\nN. Carrel\n06 44 18 72 05")
                .channel("email")
                .email("atelier.carrel@example.org"),
            want: Want::FollowUp("s1"),
            rule: "same-citizen",
            reasons: &["phone:+33644187205"],
        },
        Case {
            name: "a phone inside a sentence is not the writer's",
            history: vec![shelter()],
            probe: m(
                "s2",
                "10T09:00",
                "Le gardien (joignable au 06 44 18 72 05 toute la journée) signale des tags sur la façade de l'école du Centre.",
            )
            .channel("email")
            .email("syndic@example.org"),
            want: Want::New,
            rule: "new",
            reasons: &[],
        },
        Case {
            name: "a name given in the text, the same matter and 'je vous ai écrit'",
            history: vec![shelter()],
            probe: m("s2", "14T18:00", "Bonjour, c'est Noémie, je vous ai écrit pour l'abribus de la Mairie. Toujours rien ?")
                .channel("messenger")
                .name("Mimi C")
                .handle("messenger:440012"),
            want: Want::FollowUp("s1"),
            rule: "same-name",
            reasons: &["gives their name in the text", "refers to an earlier message"],
        },
        Case {
            name: "a name given in the text about something else",
            history: vec![shelter()],
            probe: m("s2", "14T18:00", "Bonjour, c'est Noémie, je voudrais connaître les horaires de la piscine.")
                .channel("messenger")
                .name("Mimi C")
                .handle("messenger:440012"),
            want: Want::New,
            rule: "new",
            reasons: &[],
        },
        Case {
            name: "a username with the surname's consonants, the channel named, weeks later",
            history: vec![fair()],
            probe: m(
                "f2",
                "18T11:00",
                "Coucou ! J'ai envoyé un mail il y a deux semaines pour la brocante du 19 avril place du Marché, pas de nouvelles",
            )
            .channel("instagram")
            .name("chloe.vrnt")
            .handle("instagram:178400"),
            want: Want::FollowUp("f1"),
            rule: "same-name",
            reasons: &["chloe vrnt ~ chloe vernet (strong)", "names the channel of an earlier message"],
        },
        Case {
            name: "the same username without saying it wrote before",
            history: vec![fair()],
            probe: m("f2", "18T11:00", "Le marché de la place du Marché est-il maintenu samedi ?")
                .channel("instagram")
                .name("chloe.vrnt")
                .handle("instagram:178400"),
            want: Want::New,
            rule: "new",
            reasons: &[],
        },
        Case {
            name: "'autre chose' names another ticket of the citizen by place and topic",
            history: vec![
                m("g1", "03T12:00", "Je voudrais inscrire mon fils à la cantine de l'école des Érables à partir de mai.")
                    .channel("email")
                    .email("ines.roy@example.fr")
                    .phone("07 11 22 33 44"),
                m("g2", "05T09:00", "Un nid de poule énorme devant le 8 rue du Stade.").email("ines.roy@example.fr"),
            ],
            probe: m("g3", "09T20:00", "Autre chose : toujours pas de réponse pour la cantine à l'école des Érables.")
                .channel("whatsapp")
                .handle("whatsapp:33711223344"),
            want: Want::FollowUp("g1"),
            rule: "same-citizen",
            reasons: &["school erable", "same place and topic"],
        },
    ];
    for case in cases {
        run(case, |_, _| {});
    }
}

#[test]
fn a_new_identity_naming_its_channels_finds_the_only_fitting_ticket() {
    let bar = |id: &str, at: &str, name: &str, email: &str| {
        m(id, at, "Le bar Le Zinc, place Carnot, met la musique très fort jusqu'à 2h du matin. Impossible de dormir.")
            .name(name)
            .email(email)
    };
    let mailed = || {
        vec![
            bar("z1", "08T23:00", "Marie Rolland", "marie.rolland@example.fr"),
            m(
                "z2",
                "10T10:00",
                "Je reviens vers vous pour le bruit du bar place Carnot, encore jusqu'à 2h cette nuit.",
            )
            .channel("email")
            .name("Marie Rolland")
            .email("marie.rolland@example.fr"),
        ]
    };
    let post = |body: &str| m("z3", "12T01:40", body).channel("x").name("Lulu 🌙").handle("x:30988");
    let cases = vec![
        Case {
            name: "a pseudonym naming the channels of the one ticket of this place and topic",
            history: mailed(),
            probe: post(
                "encore la musique à fond au bar place Carnot, je vous ai déjà écrit sur le site et par mail. M.",
            ),
            want: Want::FollowUp("z1"),
            rule: "recall",
            reasons: &["names the channels of the only fitting ticket", "noise"],
        },
        Case {
            name: "of two tickets of the place, the one that came by every channel named",
            history: {
                let mut h = mailed();
                h.push(bar("y1", "11T23:30", "Paul Girard", "paul.girard@example.fr"));
                h
            },
            probe: post("encore la musique à fond au bar place Carnot, je vous ai déjà écrit sur le site et par mail."),
            want: Want::FollowUp("z1"),
            rule: "recall",
            reasons: &["names the channels of the only fitting ticket"],
        },
        Case {
            name: "two tickets fit the channels named: nobody can tell, an incident",
            history: vec![
                bar("z1", "10T22:00", "Marie Rolland", "marie.rolland@example.fr"),
                bar("y1", "10T23:30", "Paul Girard", "paul.girard@example.fr"),
            ],
            probe: post("encore la musique à fond au bar place Carnot, je vous ai déjà écrit sur le site."),
            want: Want::Join("z1"),
            rule: "incident",
            reasons: &["noise"],
        },
        Case {
            name: "a full name that fits nobody is another neighbour",
            history: mailed(),
            probe: m(
                "z3",
                "12T01:40",
                "Encore la musique à fond au bar place Carnot, je vous ai déjà écrit sur le site.",
            )
            .channel("email")
            .name("Paul Girard")
            .email("paul.girard@example.fr"),
            want: Want::StartWith("z1"),
            rule: "incident",
            reasons: &["noise"],
        },
        Case {
            name: "no place: the one ticket of the channel named about the same matter, days ago",
            history: vec![swim("n1", "08T20:31"), swim_other("n2", "09T10:00")],
            probe: swim_widget(),
            want: Want::FollowUp("n1"),
            rule: "recall",
            reasons: &["names the channels of the only fitting ticket"],
        },
        Case {
            name: "no place, the name stated in the text fits nobody of that ticket",
            history: vec![swim("n1", "08T20:31").name("Kévin Mazaud")],
            probe: m(
                "n3",
                "10T12:47",
                "Bonjour, c'est Paul Girard, je vous ai écrit dimanche sur Instagram pour les cours de natation du mercredi (mon fils Nathan, 7 ans, débutant). Y a-t-il encore des places ?",
            )
            .email("pg@example.fr"),
            want: Want::New,
            rule: "new",
            reasons: &[],
        },
        Case {
            name: "no place, two tickets of the channel named about the same matter: nobody can tell",
            history: vec![swim("n1", "08T20:31"), swim("n2", "08T22:00")],
            probe: swim_widget(),
            want: Want::New,
            rule: "new",
            reasons: &[],
        },
    ];
    for case in cases {
        run(case, |_, _| {});
    }
}

fn swim(id: &str, at: &str) -> M {
    m(id, at, "Bonjour, il reste de la place dans les cours de natation enfants du mercredi ? Mon fils a 7 ans et ne sait pas nager")
        .channel("instagram")
        .handle(&format!("instagram:{id}"))
}

fn swim_other(id: &str, at: &str) -> M {
    m(id, at, "Bonjour, la piscine est-elle ouverte le dimanche matin pendant les vacances ?")
        .channel("instagram")
        .handle(&format!("instagram:{id}"))
}

fn swim_widget() -> M {
    m(
        "n3",
        "10T12:47",
        "Bonjour, je vous ai écrit dimanche sur Instagram pour les cours de natation du mercredi (mon fils Nathan, 7 ans, débutant). Y a-t-il encore des places ?",
    )
    .name("Kévin Mazaud")
    .email("kevin.mazaud@example.fr")
}

#[test]
fn the_day_a_writer_names_finds_the_ticket_of_that_day() {
    // 2 March 2026 is a Monday.
    let glass = |id: &str, at: &str| {
        m(id, at, "La colonne à verre du parking de la salle des fêtes du Mesnil-Aubert est pleine à ras bord, il y a du verre cassé partout.")
            .email("corinne.lehoux@example.fr")
    };
    let sewer = || {
        m("g1", "02T07:00", "Le regard d'égout devant le 8 rue du Lavoir déborde depuis l'orage de cette nuit, des eaux usées coulent sur la chaussée.")
            .email("y.bazire@example.fr")
    };
    let meter = || {
        m("g1", "02T09:20", "Bonjour, mon compteur a été remplacé en mars. Sur la facture, l'ancien compteur est facturé jusqu'à 2 950 m3 alors que je l'avais photographié à 2 874 le jour du changement. Je conteste donc 76 m3.")
            .name("Antoine Lefranc")
            .email("antoine.lefranc@example.com")
    };
    let tony =
        |body: &str| m("g2", "09T21:48", body).channel("messenger").name("Tony L").handle("messenger:9183002764");
    let cases = vec![
        Case {
            name: "\"je vous avais signalé lundi\": the same citizen's ticket of that Monday",
            history: vec![glass("g1", "02T18:22")],
            probe: m("g2", "05T08:30", "Bonjour, je vous avais signalé lundi la colonne du Mesnil-Aubert. Elle n'est toujours pas vidée et ça empire.")
                .channel("email")
                .email("corinne.lehoux@example.fr"),
            want: Want::FollowUp("g1"),
            rule: "same-citizen",
            reasons: &["names the date of the earlier request"],
        },
        Case {
            name: "\"ça recommence\" about yesterday's report is that report, not a new occurrence",
            history: vec![sewer()],
            probe: m("g2", "03T18:40", "Suite à mon signalement d'hier matin (égout rue du Lavoir) : l'équipe est passée mais ça recommence à refouler ce soir.")
                .channel("email")
                .email("y.bazire@example.fr"),
            want: Want::FollowUp("g1"),
            rule: "same-citizen",
            reasons: &[],
        },
        Case {
            name: "\"ça recommence\" a week later, naming no day, is a new occurrence",
            history: vec![sewer()],
            probe: m("g2", "09T18:40", "Ça recommence : l'égout de la rue du Lavoir refoule de nouveau ce soir.")
                .channel("email")
                .email("y.bazire@example.fr"),
            want: Want::New,
            rule: "new",
            reasons: &[],
        },
        Case {
            name: "a stated full name naming the channel of its ticket, in few words of the matter",
            history: vec![meter()],
            probe: tony("Bsr, c'est Antoine Lefranc, je vous ai écrit via le site la semaine dernière pour les 76 m3 en trop après le changement de compteur."),
            want: Want::FollowUp("g1"),
            rule: "same-name",
            reasons: &["refers to an earlier message", "names the channel of an earlier message"],
        },
        Case {
            name: "the same words naming a channel the ticket never came by",
            history: vec![meter()],
            probe: tony("Bsr, c'est Antoine Lefranc, je vous ai écrit sur Instagram la semaine dernière pour les 76 m3 en trop après le changement de compteur."),
            want: Want::New,
            rule: "new",
            reasons: &[],
        },
        Case {
            name: "a channel word that names no earlier contact does not hide the ticket",
            history: vec![swim("n1", "08T20:31")],
            probe: m(
                "n3",
                "10T12:47",
                "Bonjour, je vous ai écrit dimanche sur Instagram pour les cours de natation du mercredi (mon fils Nathan, 7 ans, débutant). Le standard ne répond pas au téléphone.",
            )
            .name("Kévin Mazaud")
            .email("kevin.mazaud@example.fr"),
            want: Want::FollowUp("n1"),
            rule: "recall",
            reasons: &["names the channels of the only fitting ticket"],
        },
        Case {
            name: "their full name, the channel and the day of the ticket, in few words of the matter",
            history: vec![pontoon()],
            probe: m("c2", "28T09:55", "Bonjour, c'est Philippe Audren, je vous ai écrit ce matin par mail pour le ponton C. Quelqu'un peut passer ?")
                .channel("messenger")
                .name("Phil Audren")
                .handle("messenger:100009988123"),
            want: Want::FollowUp("c1"),
            rule: "same-name",
            reasons: &["refers to an earlier message", "same date"],
        },
        Case {
            name: "their full name and the channel, a ticket of another day and other words",
            history: vec![pontoon()],
            probe: m("c2", "31T09:55", "Bonjour, c'est Philippe Audren, je vous ai écrit par mail jeudi pour la taxe de séjour. Quelqu'un peut répondre ?")
                .channel("messenger")
                .name("Phil Audren")
                .handle("messenger:100009988123"),
            want: Want::New,
            rule: "new",
            reasons: &[],
        },
        Case {
            name: "no place, two tickets of the channel named: the one of the day named",
            history: vec![swim("n1", "08T20:31"), swim("n2", "09T10:00")],
            probe: swim_widget(),
            want: Want::FollowUp("n1"),
            rule: "recall",
            reasons: &["names the channels of the only fitting ticket"],
        },
    ];
    for case in cases {
        run(case, |_, _| {});
    }
}

#[test]
fn one_citizens_money_matters_stay_apart() {
    let bill = || {
        vec![m("b1", "02T20:14", "Bonsoir, ma fille Manon n'a pas reçu sa carte de transport scolaire. Le dossier a été déposé en ligne le 18 juin, paiement de 45 euros compris, et je n'ai aucune nouvelle.")
            .email("nathalie.berthier@example.fr")]
    };
    let charpentier = || {
        vec![
            m("c1", "02T20:14", "Bonsoir, je viens de recevoir ma facture d'eau : 612,40 euros alors que d'habitude je paie 180 euros. Erreur de relevé ? Merci de me rappeler.")
                .email("elodie.charpentier@example.fr")
                .phone("06 33 81 27 45"),
            m("c2", "05T18:05", "Bonjour, autre sujet : comment réserver un composteur de 400 L ? Faut-il venir le chercher ? Elodie")
                .channel("email")
                .email("elodie.charpentier@example.fr"),
        ]
    };
    let cases = vec![
        Case {
            name: "a grant renewal a week after a paid school card is another matter",
            history: bill(),
            probe: m("b2", "09T21:40", "Bonjour, j'ai déposé en juillet le dossier de renouvellement de la PCH de mon fils Théo. Ses droits se terminent le 31 octobre et je n'ai aucune nouvelle ; sans versement je ne peux pas payer l'aide à domicile.")
                .channel("email")
                .email("nathalie.berthier@example.fr"),
            want: Want::New,
            rule: "new",
            reasons: &[],
        },
        Case {
            name: "an agent's note naming the day of one of the citizen's requests goes to that one",
            history: charpentier(),
            probe: m("c3", "13T11:45", "Mme Charpentier rappelle pour le composteur demandé par mail le 5 mars, et demande où en est sa facture d'eau de 612,40 euros (erreur de relevé ?).")
                .channel("phone")
                .phone("06 33 81 27 45"),
            want: Want::FollowUp("c2"),
            rule: "same-citizen",
            reasons: &[],
        },
    ];
    for case in cases {
        run(case, |_, _| {});
    }
}

fn pontoon() -> M {
    m("c1", "28T07:40", "Bonjour, suite au coup de vent de cette nuit, le catway de ma place C14 est arraché et mon bateau cogne contre le quai. Merci d'intervenir rapidement.")
        .channel("email")
        .name("Philippe Audren")
        .email("philippe.audren@example.fr")
}

fn poplar() -> M {
    m(
        "p1",
        "28T06:55",
        "Peuplier en travers de la D44 à la sortie de Montcalm, une voiture a tapé dedans cette nuit. Faut venir vite",
    )
    .channel("messenger")
    .handle("messenger:2219087345")
}

#[test]
fn sms_spelling_english_and_unmarked_places_join_incidents() {
    let water = || {
        vec![
            m("e1", "19T07:10", "Plus d'eau au robinet depuis 6h au hameau des Granges.").email("a@example.fr"),
            m("e2", "19T07:30", "Coupure d'eau hameau des Granges, rien au robinet.").email("b@example.fr"),
        ]
    };
    // "Ascenseur" in many questions of the site before: no longer a rare word there.
    let lift = || {
        let mut history: Vec<M> = (1..=9)
            .map(|n| {
                m(
                    &format!("q{n}"),
                    &format!("0{}T10:00", n.min(7)),
                    "Est-ce que l'ascenseur du musée est accessible avec une poussette ?",
                )
                .email(&format!("q{n}@example.fr"))
            })
            .collect();
        history.push(
            m("a1", "08T07:50", "Bonjour, l'ascenseur qui relie le quai à la passerelle de la gare est en panne, porte bloquée, voyant rouge. Je suis en fauteuil roulant.")
                .email("m.renaud@example.net"),
        );
        history
    };
    let village = || {
        vec![
            m("w1", "19T07:05", "Plus une goutte d'eau au robinet depuis 6h à Montaigut, les voisins pareil.")
                .email("f@example.fr"),
        ]
    };
    let moodle = || {
        vec![
            m("v1", "04T14:08", "Moodle plante depuis 14h pendant le QCM de statistiques, erreur 502 à chaque page.")
                .email("lea@example.fr"),
        ]
    };
    let cases = vec![
        Case {
            name: "SMS spelling and a lowercase place the site knows",
            history: water(),
            probe: m("e3", "19T08:00", "slt pk ya plu d'eau o granges?? svp dites nous qd ça revient")
                .channel("whatsapp")
                .handle("whatsapp:33745120987"),
            want: Want::Join("e1"),
            rule: "incident",
            reasons: &["water"],
        },
        Case {
            name: "a lowercase word no place of the site bears stays placeless",
            history: water(),
            // The next day: the same morning, any report of no water joins the cut.
            probe: m("e3", "20T08:00", "slt pk ya plu d'eau o moulin?? svp")
                .channel("whatsapp")
                .handle("whatsapp:33745120987"),
            want: Want::New,
            rule: "new",
            reasons: &[],
        },
        Case {
            name: "a breakdown no place or lexicon names, told in the same rare words within hours",
            history: moodle(),
            probe: m("v2", "04T14:20", "moodle HS en plein qcm de stats !!! ça charge pas").channel("x").handle("x:4411"),
            want: Want::StartWith("v1"),
            rule: "incident",
            reasons: &[],
        },
        Case {
            name: "one rare word when both say outright that something is wrong, within hours",
            history: {
                // Words many messages of the site use are not rare: only "moodle" is.
                let mut h: Vec<M> = (0..10)
                    .map(|i| {
                        m(&format!("q{i}"), "29T10:00", "Bonjour, impossible de trouver les horaires de ce soir.")
                            .email(&format!("q{i}@example.fr"))
                    })
                    .collect();
                h.push(m("v1", "29T21:15", "Moodle plante, impossible de déposer ce soir.").channel("x").handle("x:5150"));
                h
            },
            probe: m("v2", "29T21:22", "moodle HS ce soir, impossible de rendre le devoir")
                .channel("instagram")
                .handle("instagram:178414"),
            want: Want::StartWith("v1"),
            rule: "incident",
            reasons: &[],
        },
        Case {
            name: "'de nouveau' days later: another occurrence than the one others reported",
            history: vec![
                m("u1", "02T07:40", "La rue des Lilas est inondée devant le 4, impossible de passer.").email("a@example.fr"),
                m("u2", "02T08:10", "Rue des Lilas inondée au niveau du 4 ce matin.").email("b@example.fr"),
            ],
            probe: m("u3", "05T07:50", "La rue des Lilas est de nouveau inondée devant le 4 ce matin.").email("c@example.fr"),
            want: Want::New,
            rule: "new",
            reasons: &[],
        },
        Case {
            name: "'again' days later is another occurrence too",
            history: vec![
                m("u1", "02T07:40", "La rue des Lilas est inondée devant le 4, impossible de passer.").email("a@example.fr"),
                m("u2", "02T08:10", "Rue des Lilas inondée au niveau du 4 ce matin.").email("b@example.fr"),
            ],
            probe: m("u3", "05T07:50", "Rue des Lilas flooded again this morning near number 4.").email("c@example.fr"),
            want: Want::New,
            rule: "new",
            reasons: &[],
        },
        Case {
            name: "the same numbered road the same day, one report naming no topic",
            history: vec![poplar()],
            probe: m("p2", "28T14:40", "Un arbre bloque la D44 depuis ce matin, impossible de passer.")
                .channel("whatsapp")
                .handle("whatsapp:33615447020"),
            want: Want::StartWith("p1"),
            rule: "incident",
            reasons: &["street d44"],
        },
        Case {
            name: "another numbered road the same night",
            history: vec![poplar()],
            probe: m("p2", "28T07:40", "Bonjour, un arbre est tombé sur la D9 au calvaire de la Bessière, la route est bloquée.")
                .channel("whatsapp")
                .handle("whatsapp:33615447020"),
            want: Want::New,
            rule: "new",
            reasons: &[],
        },
        Case {
            name: "two rare words in common, hours apart",
            history: vec![m("w1", "04T08:00", "La laverie Descartes ne marche plus, toutes les machines affichent une erreur.")
                .email("ana@example.fr")],
            probe: m("w2", "04T16:00", "Laverie Descartes : aucune machine ne fonctionne, écran noir depuis ce matin.")
                .email("bob@example.fr"),
            want: Want::StartWith("w1"),
            rule: "incident",
            reasons: &[],
        },
        Case {
            name: "the same rare words two days later",
            history: moodle(),
            probe: m("v2", "06T14:20", "moodle HS en plein qcm de stats !!! ça charge pas").channel("x").handle("x:4411"),
            want: Want::New,
            rule: "new",
            reasons: &[],
        },
        Case {
            name: "an English report sharing only the rare word, within hours",
            history: moodle(),
            probe: m("v3", "04T15:10", "Hello, Moodle is not loading since this afternoon, the page says unavailable. I have an assignment for Macroeconomics due at 4 pm and I cannot upload it. What should I do?")
                .email("ana@example.pt"),
            want: Want::StartWith("v1"),
            rule: "incident",
            reasons: &[],
        },
        Case {
            name: "a leak is not a cut: no water on another street an hour later is another matter",
            history: vec![m("k1", "08T08:00", "Fuite d'eau importante avenue des Vergers, ça jaillit du trottoir depuis une heure.")
                .email("k@example.fr")],
            probe: m("k2", "08T09:00", "Plus d'eau au robinet rue des Lilas depuis ce matin, c'est une coupure ?").email("l@example.fr"),
            want: Want::New,
            rule: "new",
            reasons: &[],
        },
        Case {
            name: "a lift out of order, then a report naming no place, within hours",
            history: lift(),
            probe: m("a2", "08T11:40", "l'ascenseur est toujours en rade côté tram, ma mère ne peut pas monter avec son genou")
                .channel("messenger")
                .handle("messenger:5512"),
            want: Want::StartWith("a1"),
            rule: "incident",
            reasons: &["elevator"],
        },
        Case {
            name: "the same a day later is not found by its kind alone",
            history: lift(),
            probe: m("a3", "09T11:40", "l'ascenseur est toujours en rade côté tram, ma mère ne peut pas monter avec son genou")
                .channel("messenger")
                .handle("messenger:5512"),
            want: Want::New,
            rule: "new",
            reasons: &[],
        },
        Case {
            name: "one person's trouble with the same rare words",
            history: moodle(),
            probe: m("v2", "04T14:30", "Je n'arrive pas à me connecter à Moodle pour le QCM de statistiques depuis mon changement de mot de passe.")
                .email("tom@example.fr"),
            want: Want::New,
            rule: "new",
            reasons: &["a problem of one person"],
        },
        Case {
            name: "letters repeated and an SMS street light",
            history: vec![lamp("l1", "10T21:05", "Bernard Lefort", "b.lefort@example.com")],
            probe: m("l2", "10T22:00", "le lampadR rue Gambetta est eteint, noiiiir complet")
                .channel("x")
                .handle("x:9912"),
            want: Want::StartWith("l1"),
            rule: "incident",
            reasons: &["lighting"],
        },
        Case {
            name: "reports of no water the same morning, from other streets or none",
            history: water(),
            probe: m("e4", "19T09:40", "Plus une goutte d'eau rue des Peupliers depuis ce matin, c'est une coupure ?")
                .email("c@example.fr"),
            want: Want::Join("e1"),
            rule: "incident",
            reasons: &["water"],
        },
        Case {
            name: "a cut in another village the same morning is another cut",
            history: village(),
            probe: m("w2", "19T09:30", "Plus d.eau aux Essarts depuis 8h, une info ?").email("g@example.fr"),
            want: Want::New,
            rule: "new",
            reasons: &[],
        },
        Case {
            name: "a cut in the same village the same morning",
            history: village(),
            probe: m("w3", "19T08:10", "Coupure d'eau à Montaigut depuis ce matin, c'est général ?").email("h@example.fr"),
            want: Want::StartWith("w1"),
            rule: "incident",
            reasons: &["water"],
        },
        Case {
            name: "a closed exam room the same morning, whatever each came for",
            history: vec![
                m(
                    "r1",
                    "20T07:45",
                    "La salle B204 est fermée avec un panneau dégât des eaux, on a le partiel à 8h, on va où ?",
                )
                .email("lucas@example.fr"),
            ],
            probe: m(
                "r2",
                "20T08:20",
                "Salle B204 condamnée, partiel de droit constit L1 : où doit-on aller ? Personne sur place.",
            )
            .email("antoine@example.fr"),
            want: Want::StartWith("r1"),
            rule: "incident",
            reasons: &["room b204"],
        },
        Case {
            name: "an English post naming the neighbourhood",
            history: vec![
                m("p1", "20T19:20", "Coupure d'électricité dans tout le quartier des Tanneurs depuis 19h.")
                    .email("g@example.fr"),
            ],
            probe: m("p2", "20T20:30", "The whole Tanneurs neighbourhood has had no power since 7pm.")
                .channel("email")
                .email("d@example.org"),
            want: Want::StartWith("p1"),
            rule: "incident",
            reasons: &["power"],
        },
    ];
    for case in cases {
        run(case, |_, _| {});
    }
}

#[test]
fn undone_decisions_are_not_redone() {
    let history = || {
        vec![
            lamp("l1", "10T21:05", "Bernard Lefort", "b.lefort@example.com"),
            lamp("l2", "11T07:48", "Amandine Roy", "amandine.roy@example.fr"),
        ]
    };
    // The agent took the first ticket out of the incident: a new report joins the incident
    // through the second ticket, never through the first again.
    let mut engine = Engine::new(DedupConfig::default());
    let h: Vec<InboundMessage> = history().into_iter().map(|m| m.0).collect();
    let out = eval::replay(&mut engine, &h);
    engine.detach_from_incident(out[0].ticket);
    let probe = lamp("l3", "11T13:30", "Gérard Mounier", "gerard@example.org").0;
    match engine.decide(&probe) {
        Decision::NewTicket { incident: IncidentChoice::Join(i), .. } => assert_eq!(Some(i), out[1].final_incident),
        d => panic!("{d:#?}"),
    }
    engine.detach_from_incident(out[1].ticket);
    assert!(matches!(engine.decide(&probe), Decision::NewTicket { incident: IncidentChoice::None, .. }));

    // A message split out of a ticket: its replies follow it, and its sender's later messages no
    // longer reach the old ticket by name.
    let mut engine = Engine::new(DedupConfig::default());
    let first = m("k1", "12T16:20", "Dépôt sauvage au bout du chemin des Vignes : matelas, pneus.")
        .channel("messenger")
        .name("Karim B.")
        .handle("messenger:55");
    let second =
        m("k2", "12T16:41", "Je vous ai écrit sur Facebook : dépôt sauvage chemin des Vignes, matelas et pneus.")
            .name("Karim Benali")
            .email("karim.benali@example.fr");
    let out = eval::replay(&mut engine, &[first.0.clone(), second.0.clone()]);
    assert_eq!(out[0].ticket, out[1].ticket);
    engine.split_message(&second.0, TicketId(99));
    assert_eq!(engine.decide(&second.0), Decision::AlreadySeen { ticket: TicketId(99) });
    let reply = m("k3", "13T09:00", "Merci").channel("email").email("x@example.org").reply_to("k2").0;
    assert!(matches!(engine.decide(&reply), Decision::FollowUp { ticket: TicketId(99), .. }));
    let again = m("k4", "13T10:00", "Toujours les matelas chemin des Vignes, je vous ai déjà écrit.")
        .email("karim.benali@example.fr")
        .name("Karim Benali")
        .0;
    assert!(
        matches!(engine.decide(&again), Decision::FollowUp { ticket: TicketId(99), .. }),
        "{:#?}",
        engine.decide(&again)
    );
}

#[test]
fn a_start_with_decision_groups_both_tickets_on_apply() {
    let mut engine = Engine::new(DedupConfig::default());
    let a = lamp("l1", "10T21:05", "Bernard Lefort", "b.lefort@example.com").0;
    let b = lamp("l2", "11T07:48", "Amandine Roy", "amandine.roy@example.fr").0;
    engine.apply(&a, TicketId(1), None);
    assert_eq!(
        engine.decide(&b),
        Decision::NewTicket {
            incident: IncidentChoice::StartWith(TicketId(1)),
            reasons: match engine.decide(&b) {
                Decision::NewTicket { reasons, .. } => reasons,
                _ => unreachable!(),
            }
        }
    );
    engine.apply(&b, TicketId(2), Some(IncidentId(7)));
    let c = lamp("l3", "11T13:30", "Gérard Mounier", "gerard@example.org").0;
    assert!(matches!(engine.decide(&c), Decision::NewTicket { incident: IncidentChoice::Join(IncidentId(7)), .. }));
    // Rebuilding from the stored decisions gives the same engine.
    let mut rebuilt = Engine::new(DedupConfig::default());
    rebuilt.apply(&a, TicketId(1), Some(IncidentId(7)));
    rebuilt.apply(&b, TicketId(2), Some(IncidentId(7)));
    assert_eq!(rebuilt.decide(&c), engine.decide(&c));
}

#[test]
fn the_labelled_sets_meet_the_targets() {
    let (mut tickets, mut incidents) = (Score::default(), Score::default());
    println!("{:<12} {:>6} {:>6} {:>6}   {:>6} {:>6} {:>6}", "set", "T-P", "T-R", "T-F1", "I-P", "I-R", "I-F1");
    for set in &sets() {
        let s = evaluate(&fixtures().join(set), DedupConfig::default());
        println!(
            "{:<12} {:>6.3} {:>6.3} {:>6.3}   {:>6.3} {:>6.3} {:>6.3}",
            set,
            s.tickets.precision(),
            s.tickets.recall(),
            s.tickets.f1(),
            s.incidents.precision(),
            s.incidents.recall(),
            s.incidents.f1()
        );
        for m in &s.mistakes {
            println!("    {m}");
        }
        tickets.add(s.tickets);
        incidents.add(s.incidents);
    }
    println!(
        "{:<12} {:>6.3} {:>6.3} {:>6.3}   {:>6.3} {:>6.3} {:>6.3}",
        "all",
        tickets.precision(),
        tickets.recall(),
        tickets.f1(),
        incidents.precision(),
        incidents.recall(),
        incidents.f1()
    );
    assert!(tickets.precision() >= 0.98, "ticket precision {:.3}", tickets.precision());
    assert!(tickets.f1() >= 0.95, "ticket F1 {:.3}", tickets.f1());
    assert!(incidents.f1() >= 0.90, "incident F1 {:.3}", incidents.f1());
}

#[test]
#[ignore = "diagnostic: prints the similarity of labelled pairs"]
fn similarity_distribution() {
    use super::decide::Features;
    use super::eval::read_messages;
    let (mut same, mut other) = (Vec::new(), Vec::new());
    for set in &sets() {
        let msgs = read_messages(&fixtures().join(set).join("messages.jsonl"));
        let labels: std::collections::HashMap<String, String> =
            std::fs::read_to_string(fixtures().join(set).join("labels.jsonl"))
                .unwrap()
                .lines()
                .map(|l| {
                    let v: serde_json::Value = serde_json::from_str(l).unwrap();
                    (v["id"].as_str().unwrap().to_owned(), v["ticket"].as_str().unwrap().to_owned())
                })
                .collect();
        let feats: Vec<_> = msgs.iter().map(Features::of).collect();
        for i in 0..msgs.len() {
            for j in 0..i {
                if msgs[i].id == msgs[j].id || msgs[i].site != msgs[j].site {
                    continue;
                }
                let s = text::Sketch::of(&feats[j].shingles).overlap(&feats[i].shingles);
                if labels[&msgs[i].id] == labels[&msgs[j].id] {
                    same.push((s, msgs[i].id.clone(), msgs[j].id.clone()));
                } else {
                    other.push((s, msgs[i].id.clone(), msgs[j].id.clone()));
                }
            }
        }
    }
    same.sort_by(|a, b| a.0.total_cmp(&b.0));
    other.sort_by(|a, b| b.0.total_cmp(&a.0));
    let q = |v: &Vec<(f32, String, String)>, p: f64| v[((v.len() - 1) as f64 * p) as usize].0;
    println!(
        "same ticket: n={} q10={:.2} q50={:.2} q90={:.2}",
        same.len(),
        q(&same, 0.1),
        q(&same, 0.5),
        q(&same, 0.9)
    );
    println!("other pairs: n={} top: {:?}", other.len(), &other[..15]);
    println!("same lowest: {:?}", &same[..15]);
}

#[test]
#[ignore = "scale smoke test: run with --ignored (debug builds are ~20x slower than release)"]
fn decisions_stay_fast_as_history_grows() {
    let streets =
        ["Pasteur", "Gambetta", "Jean Jaurès", "Victor Hugo", "des Lilas", "de la Gare", "du Moulin", "Carnot"];
    let templates = [
        "Nid de poule devant le {n} rue {s}, attention aux vélos.",
        "Le lampadaire du {n} rue {s} ne s'allume plus depuis hier soir.",
        "Dépôt sauvage de sacs poubelle rue {s}, au niveau du {n}.",
        "Bonjour, je souhaiterais un acte de naissance pour mon dossier.",
        "Plus d'eau au robinet depuis ce matin rue {s}.",
        "Quels sont les horaires de la médiathèque le samedi ?",
    ];
    let first = ["Marie", "Jean", "Sophie", "Karim", "Lucas", "Emma", "Hugo", "Léa", "Paul", "Inès"];
    let last = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau"];
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut rnd = |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    let n: usize = std::env::var("DEDUP_SCALE").ok().and_then(|v| v.parse().ok()).unwrap_or(20_000);
    let base = time::macros::datetime!(2026-01-01 00:00 UTC);
    let make = |i: usize, rnd: &mut dyn FnMut(usize) -> usize| {
        let body = templates[rnd(templates.len())]
            .replace("{n}", &(1 + rnd(150)).to_string())
            .replace("{s}", streets[rnd(streets.len())]);
        let (f, l) = (first[rnd(first.len())], last[rnd(last.len())]);
        InboundMessage {
            id: format!("m{i}"),
            site: format!("site-{}", rnd(20)),
            channel: crate::domain::message::Channel::Widget,
            received_at: base + time::Duration::seconds((i as i64) * 31_536_000 / n as i64),
            from: crate::domain::message::Sender {
                name: Some(format!("{f} {l}")),
                email: Some(format!("{}.{}{}@example.fr", f.to_lowercase(), l.to_lowercase(), rnd(5000))),
                phone: None,
                handle: None,
            },
            topic: None,
            subject: None,
            body,
            in_reply_to: None,
            location: None,
        }
    };
    let mut engine = Engine::new(DedupConfig::default());
    let started = std::time::Instant::now();
    for i in 0..n {
        let msg = make(i, &mut rnd);
        engine.apply(&msg, TicketId(i as i64), None);
    }
    let build = started.elapsed();
    let mut times = Vec::new();
    for i in n..n + 1000 {
        let msg = make(i, &mut rnd);
        let t = std::time::Instant::now();
        let d = engine.decide(&msg);
        times.push(t.elapsed());
        std::hint::black_box(d);
    }
    times.sort();
    let stats = engine.stats();
    println!(
        "{n} tickets: build {:.1} s ({:.0} msg/s); decide median {:?}, p99 {:?}; {} bytes/ticket",
        build.as_secs_f64(),
        n as f64 / build.as_secs_f64(),
        times[times.len() / 2],
        times[times.len() * 99 / 100],
        stats.bytes / stats.tickets.max(1)
    );
}

#[test]
#[ignore = "diagnostic: time of feature extraction alone"]
fn feature_extraction_time() {
    let msgs = eval::read_messages(&fixtures().join("commune").join("messages.jsonl"));
    let t = std::time::Instant::now();
    for _ in 0..20 {
        for m in &msgs {
            std::hint::black_box(super::decide::Features::of(m));
        }
    }
    println!("features: {:?} per message", t.elapsed() / (20 * msgs.len() as u32));
    let n = msgs.len() as u32;
    let time = |label: &str, f: &dyn Fn(&InboundMessage)| {
        let t = std::time::Instant::now();
        for m in &msgs {
            f(m);
        }
        println!("  {label}: {:?}", t.elapsed() / n);
    };
    time("new_words", &|m| {
        std::hint::black_box(text::new_words(&m.body));
    });
    let toks = |m: &InboundMessage| text::expand(text::tokenize(&text::new_words(&m.body)));
    time("tokenize", &|m| {
        std::hint::black_box(toks(m));
    });
    time("stems", &|m| {
        std::hint::black_box(text::stems(&toks(m), false));
    });
    time("places", &|m| {
        std::hint::black_box(places::extract(&toks(m)));
    });
    time("concepts", &|m| {
        std::hint::black_box(text::concepts(&toks(m)));
    });
    time("cues", &|m| {
        std::hint::black_box(text::cues(&toks(m), 0));
    });
}

#[test]
fn a_household_a_date_and_a_name_stated_late_find_the_request() {
    let chairs = || {
        vec![m("k1", "07T11:15", "Bonjour, pourriez-vous nous prêter des grilles d'exposition et deux tréteaux pour la kermesse du 27 juin ? Merci d'avance")
            .channel("whatsapp")
            .name("Sandrine Koenig")
            .phone("+33 6 71 20 48 93")]
    };
    let school = || {
        vec![m("h1", "02T16:30", "Good afternoon, we have just moved to 4 chemin des Aulnes. How do we register our two children at the primary school? Many thanks, Tom Becker")
            .channel("email")
            .name("Tom Becker")
            .email("becker.family@example.com")]
    };
    let ditch = || {
        vec![m("v1", "03T09:10", "Appel de M. Gérard Vasseur (ferme des Aulnes) : le fossé qui longe son champ déborde sur le chemin rural, il demande un curage avant l'hiver.")
            .channel("phone")
            .name("Gérard Vasseur")
            .phone("03 26 41 77 10")]
    };
    let transcript = || {
        vec![m("r1", "04T10:05", "Bonjour, je n'ai toujours pas reçu mon relevé de notes de L3 (sessions 1 et 2), il me le faut pour mes candidatures en master.")
            .name("Chloé Vasseur")
            .email("chloe.vasseur@example.fr")
            .phone("06 48 17 92 35")]
    };
    let keys = || {
        vec![
            m(
                "x1",
                "12T07:15",
                "@ReseauBus perdu mon trousseau (porte-clés phare + badge vert) ce matin vers 8h, qqn l'a rapporté ?",
            )
            .channel("x")
            .name("max")
            .handle("x:1102938475"),
        ]
    };
    let stalls = || {
        vec![m("s1", "07T11:15", "Bonjour, est-ce que la mairie prête des grilles d'exposition pour la fête de l'école le 27 juin ? Sandrine Koenig, hameau des Aulnes")
            .channel("messenger")
            .name("Sandy K")
            .handle("messenger:100033118402")]
    };
    let cases = vec![
        Case {
            name: "an agent's note sharing the date of the citizen's request continues it",
            history: chairs(),
            probe: m("k2", "09T15:40", "Mme Koenig : prêt confirmé du matériel (grilles) pour le samedi 27 juin, retrait le vendredi aux ateliers.")
                .channel("phone")
                .phone("06 71 20 48 93"),
            want: Want::FollowUp("k1"),
            rule: "same-citizen",
            reasons: &["names the date of the earlier request"],
        },
        Case {
            name: "the same phone about another day is another request",
            history: chairs(),
            probe: m("k3", "09T15:40", "Mme Koenig demande une salle pour l'assemblée générale de son association le 12 octobre.")
                .channel("phone")
                .phone("06 71 20 48 93"),
            want: Want::New,
            rule: "new",
            reasons: &[],
        },
        Case {
            name: "a spouse writing from the household's mailbox about what the other asked",
            history: school(),
            probe: m("h2", "09T12:02", "Hello, my husband emailed last week about registering our children at the school. We have had no answer yet; can we come on Saturday?")
                .name("Anna Becker")
                .email("becker.family@example.com"),
            want: Want::FollowUp("h1"),
            rule: "same-citizen",
            reasons: &[],
        },
        Case {
            name: "another given name on the household's mailbox, without a relative, is someone else",
            history: school(),
            probe: m("h3", "09T12:02", "Hello, I emailed last week about registering the children at the school. Can we come on Saturday?")
                .name("Anna Becker")
                .email("becker.family@example.com"),
            want: Want::New,
            rule: "new",
            reasons: &[],
        },
        Case {
            name: "a nickname then the full name, recalling a call",
            history: ditch(),
            probe: m("v2", "17T19:30", "bonsoir c'est encore moi Gégé, Gérard Vasseur des Aulnes. Pour le fossé que je vous ai appelé il y a 15 jours, l'eau passe toujours sur le chemin")
                .channel("messenger")
                .name("Gégé V")
                .handle("messenger:100051992204"),
            want: Want::FollowUp("v1"),
            rule: "same-name",
            reasons: &["gives their name in the text"],
        },
        Case {
            name: "an agent's note naming the day the request began",
            history: transcript(),
            probe: m("r2", "12T14:30", "Passage à l'accueil de Mme Vasseur : attend depuis le 04/03 son relevé définitif signé pour ses dossiers de master. Transmis au secrétariat.")
                .channel("desk")
                .phone("06.48.17.92.35"),
            want: Want::FollowUp("r1"),
            rule: "same-citizen",
            reasons: &["names the date of the earlier request"],
        },
        Case {
            name: "the account the writer says they wrote from",
            history: keys(),
            probe: m("x2", "12T12:50", "Bonjour, je vous ai écrit ce matin sur X (compte « max ») : mes clés sont peut-être restées dans le bus de la ligne 4. Merci de m'appeler.")
                .name("Maxime Girault")
                .email("maxime.girault@example.com"),
            want: Want::FollowUp("x1"),
            rule: "same-name",
            reasons: &["names the account it wrote from"],
        },
        Case {
            name: "the account's name on a ticket of another channel is not that account",
            history: vec![m("x4", "12T07:15", "perdu mon trousseau (porte-clés phare + badge vert) ce matin vers 8h, qqn l'a rapporté ?")
                .channel("messenger")
                .name("max")
                .handle("messenger:4455")],
            probe: m("x5", "12T12:50", "Bonjour, je vous ai écrit ce matin sur X (compte « max ») : mes clés sont peut-être restées dans le bus de la ligne 4. Merci de m'appeler.")
                .name("Paul Girault")
                .email("paul.girault@example.com"),
            want: Want::New,
            rule: "new",
            reasons: &[],
        },
        Case {
            name: "another account named is someone else's",
            history: keys(),
            probe: m("x3", "12T12:50", "Bonjour, je vous ai écrit ce matin sur X (compte « maxou ») : mes clés sont peut-être restées dans le bus de la ligne 4. Merci de m'appeler.")
                .name("Maxime Girault")
                .email("maxime.girault@example.com"),
            want: Want::New,
            rule: "new",
            reasons: &[],
        },
        Case {
            name: "a full name closing a message is the writer's, found by another channel",
            history: stalls(),
            probe: m("s2", "10T18:02", "Bonsoir, Sandrine Koenig, je vous ai écrit sur Facebook samedi pour emprunter les grilles le 27 juin. Il faudrait aussi deux tréteaux si possible.")
                .channel("whatsapp")
                .name("Sandrine Koenig")
                .phone("+33 6 71 20 48 93"),
            want: Want::FollowUp("s1"),
            rule: "same-name",
            reasons: &[],
        },
    ];
    for case in cases {
        run(case, |_, _| {});
    }
}

#[test]
fn a_follow_up_saying_where_and_what_groups_its_ticket() {
    let bus = || {
        vec![
            m("a1", "14T05:12", "@ReseauBus toujours rien ce matin, 25 min d'attente et rien sur l'appli. Super.")
                .channel("x")
                .handle("x:5512"),
            m(
                "b1",
                "14T07:40",
                "Aucun bus de la ligne 12 n'est passé ce matin à l'arrêt Mairie, mes enfants sont en retard.",
            )
            .email("b@example.fr"),
            m("c1", "14T08:10", "Ligne 12 : pas un seul bus à l'arrêt Mairie depuis 7h, que se passe-t-il ?")
                .email("c@example.fr"),
        ]
    };
    let lights = || {
        vec![
            m("n1", "14T06:10", "Panne d'éclairage public chez nous, pouvez-vous intervenir ?")
                .email("noel@example.fr"),
            m("o1", "14T07:00", "Le lampadaire devant le 8 rue des Lilas est éteint depuis hier soir.")
                .email("o@example.fr"),
            m("o2", "14T07:20", "Lampadaire éteint au 8 rue des Lilas, on n'y voit rien.").email("q@example.fr"),
        ]
    };
    let pass = || {
        let mut history = bus();
        history[0] = m("p1", "14T05:12", "Mon abonnement ne passe plus au valideur, il bipe rouge à chaque fois.")
            .channel("x")
            .handle("x:7781");
        history
    };
    let cases = vec![
        Case {
            name: "the same writer says which line and stop, hours later",
            history: bus(),
            probe: m("a2", "14T08:30", "Toujours rien sur l'appli : aucun bus de la ligne 12 à l'arrêt Mairie, 25 min d'attente ce matin.").channel("x").handle("x:5512"),
            want: Want::FollowUpWith("a1", "b1"),
            rule: "same-citizen",
            reasons: &[],
        },
        Case {
            name: "a day later, a follow-up no longer groups its ticket",
            history: lights(),
            probe: m("n2", "15T12:30", "Je précise : c'est le lampadaire devant le 8 rue des Lilas, toujours éteint.").email("noel@example.fr"),
            want: Want::FollowUp("n1"),
            rule: "same-citizen",
            reasons: &[],
        },
        Case {
            name: "the same hours later groups it",
            history: lights(),
            probe: m("n3", "14T09:30", "Je précise : c'est le lampadaire devant le 8 rue des Lilas, toujours éteint.").email("noel@example.fr"),
            want: Want::FollowUpWith("n1", "o1"),
            rule: "same-citizen",
            reasons: &[],
        },
        Case {
            name: "one person's problem stays theirs whatever its follow-up says",
            history: pass(),
            probe: m("p2", "14T08:30", "Toujours pareil : ça bipe rouge au valideur à chaque fois, et aucun bus de la ligne 12 à l'arrêt Mairie ce matin.").channel("x").handle("x:7781"),
            want: Want::FollowUp("p1"),
            rule: "same-citizen",
            reasons: &[],
        },
    ];
    for case in cases {
        run(case, |_, _| {});
    }
}

#[test]
fn other_matters_nicknames_surnames_and_the_day_a_channel_was_used() {
    let permit = || {
        vec![m("v1", "02T09:20", "Bonjour, j'habite au 6 rue des Genêts et je n'ai pas reçu ma carte de stationnement résident pour la zone payante du port. Dossier déposé à l'accueil, payé 20 €.")
            .name("Odile Marchais")
            .email("odile.marchais@example.fr")]
    };
    let train = || {
        vec![m("t1", "05T09:12", "Madame, Monsieur, abonné sur la ligne Vireux – Montclar, je porte réclamation pour la suppression du TER de 7h18 ce jeudi : aucune annonce, arrivé avec une heure de retard au travail.")
            .channel("email")
            .name("Hugues Bastide")
            .email("hugues.bastide@example.fr")]
    };
    let noise = || {
        vec![
            m("n1", "14T02:47", "c'est quoi ces basses à 3h du mat vers le bd de la Mer ?? les enfants sont réveillés")
                .channel("messenger")
                .name("Yanis T")
                .handle("messenger:100066540001"),
        ]
    };
    let lamps = || {
        vec![
            m("l1", "09T21:14", "Place du Kiosque tout est éteint depuis 2 soirs, vous rallumez quand ? #SaintRoch")
                .channel("x")
                .name("Fanfan du 5e")
                .handle("x:88230001"),
        ]
    };
    let sms_train = || {
        vec![m("w1", "22T07:41", "bjr le train de 7h18 de vireux a ete suprimé ce matin jsuis arrivé a 10h au taf, jvais avoir une retenue ou quoi ??")
            .channel("whatsapp")
            .name("Jojo")
            .phone("+33762440011")
            .handle("whatsapp:33762440011")]
    };
    let school_bus = || {
        vec![m("c1", "02T15:03", "Madame, Monsieur, mon petit-fils Dorian vient habiter chez moi à Taillette et reste au lycée de Vireux. Que faire pour qu'il ait une carte de car depuis Taillette ?")
            .channel("email")
            .name("Martine Cordier")
            .email("martine.cordier@example.fr")]
    };
    let nursery = || {
        vec![
            m("k1", "02T13:05", "Bonjour, j'ai déposé une demande de place en crèche pour ma fille Jade, entrée en septembre. Quand a lieu la commission d'attribution ?")
                .name("Émilie Roux")
                .phone("07 81 26 00 04"),
            m("k2", "05T16:30", "Mme Roux venue au guichet petite enfance pour la place en crèche de Jade : la commission se réunit début avril.")
                .channel("desk")
                .name("Mme Roux")
                .phone("0781260004"),
        ]
    };
    let showers = || {
        vec![
            m("s1", "24T08:15", "Pas d'eau chaude aux sanitaires du bloc B du camping municipal depuis hier soir.")
                .name("Sylvain Morel")
                .phone("06 80 31 00 22"),
        ]
    };
    let cases = vec![
        Case {
            name: "a website named as where to book is no earlier contact: another matter of the same mailbox",
            history: permit(),
            probe: m("v2", "20T21:12", "Bonjour, ma fille doit refaire sa carte d'identité avant un voyage scolaire. Sur le site de prise de rendez-vous tout est complet jusqu'à fin septembre : des créneaux se libèrent-ils ?")
                .channel("email")
                .name("Odile Marchais")
                .email("odile.marchais@example.fr"),
            want: Want::New,
            rule: "new",
            reasons: &[],
        },
        Case {
            name: "a civility and a surname that fit none of the ticket's names are someone else",
            history: vec![m("v4", "02T14:22", "Bonjour, je vends des bijoux et je souhaiterais un emplacement passager sur le marché nocturne du jeudi, sur le quai. Quelles sont les démarches ?")
                .channel("email")
                .name("Odile Marchais")
                .email("odile.marchais@example.fr")],
            probe: m("v3", "03T11:05", "Appel de Mme Ferhat qui relance sa demande d'emplacement passager pour le marché nocturne du jeudi, envoyée par mail le 2. Attend la réponse écrite.")
                .channel("phone")
                .name("Mme Ferhat")
                .phone("06 98 12 04 77"),
            want: Want::New,
            rule: "new",
            reasons: &[],
        },
        Case {
            name: "a new cancellation twelve days later is another request",
            history: train(),
            probe: m("t2", "17T19:55", "Madame, Monsieur, nouvelle suppression ce soir : le TER de 17h46 Montclar → Vireux n'a pas circulé. Merci d'enregistrer cette nouvelle réclamation.")
                .channel("email")
                .name("Hugues Bastide")
                .email("hugues.bastide@example.fr"),
            want: Want::New,
            rule: "new",
            reasons: &[],
        },
        Case {
            name: "the full name of the account that wrote on Facebook tonight, placing the noise elsewhere",
            history: noise(),
            probe: m("n2", "14T10:20", "Je vous ai écrit cette nuit sur Facebook. Le bar au bout de la plage des Dunes a mis la musique à fond jusqu'à 4h du matin.")
                .name("Yanis Tessier")
                .email("yanis.tessier@example.fr"),
            want: Want::FollowUp("n1"),
            rule: "same-name",
            reasons: &["names the channel it wrote on lately"],
        },
        Case {
            name: "a full name naming the channel of a ticket two days old, in another language",
            history: vec![m("o1", "04T09:12", "Hello, I live on the 9th floor of Tower B (Les Peupliers). The lift has not been working since Saturday and my wife is on crutches.")
                .channel("email")
                .name("Daniel Okafor")
                .email("daniel.okafor@example.com")],
            probe: m("o2", "06T11:15", "M. Okafor venu à l'accueil, anglophone, a déjà envoyé un mail. Sa femme ne peut toujours pas descendre. Demande une attestation de la mairie.")
                .channel("desk")
                .name("Daniel Okafor"),
            want: Want::FollowUp("o1"),
            rule: "same-name",
            reasons: &["names the channel it wrote on lately"],
        },
        Case {
            name: "the same name naming another channel is not that message",
            history: noise(),
            probe: m("n3", "14T10:20", "Je vous ai écrit cette nuit sur Instagram. Le bar au bout de la plage des Dunes a mis la musique à fond jusqu'à 4h du matin.")
                .name("Yanis Tessier")
                .email("yanis.tessier@example.fr"),
            want: Want::New,
            rule: "new",
            reasons: &[],
        },
        Case {
            name: "the display name the writer owns in brackets",
            history: lamps(),
            probe: m("l2", "10T08:30", "Je vous ai déjà interpellés sur X hier soir (Fanfan du 5e, c'est moi). Tous les lampadaires de la place Aristide-Briand sont éteints depuis samedi.")
                .name("Françoise Vasseur")
                .email("f.vasseur@example.net"),
            want: Want::FollowUp("l1"),
            rule: "same-name",
            reasons: &["names the account it wrote from"],
        },
        Case {
            name: "the channel and the day of the earlier message, despite SMS spelling",
            history: sms_train(),
            probe: m("w2", "23T08:02", "Bonjour, je vous ai contacté hier sur WhatsApp pour le train de Vireux. Mon employeur me demande un justificatif officiel, vous pouvez m'en envoyer un ?\n\nJoël Maréchal\n07 62 44 00 11")
                .channel("email")
                .name("Joël Maréchal")
                .email("joel.marechal@example.com"),
            want: Want::FollowUp("w1"),
            rule: "same-citizen",
            reasons: &["names the channel of the earlier message"],
        },
        Case {
            name: "a surname with the channel of that ticket and some words in common",
            history: school_bus(),
            probe: m("c2", "07T16:20", "Appel de Mme Cordier, suite à ses deux mails : son petit-fils Dorian n'est toujours pas inscrit sur la liste du car depuis Taillette.")
                .channel("phone")
                .name("Mme Cordier")
                .phone("03 24 54 11 29"),
            want: Want::FollowUp("c1"),
            rule: "same-name",
            reasons: &["names the channel of an earlier message under that name"],
        },
        Case {
            name: "the surname naming another channel is not that ticket",
            history: school_bus(),
            probe: m("c3", "07T16:20", "Appel de Mme Cordier, suite à son passage au guichet : son petit-fils Dorian n'est toujours pas inscrit sur la liste du car depuis Taillette.")
                .channel("phone")
                .name("Mme Cordier")
                .phone("03 24 54 11 29"),
            want: Want::New,
            rule: "new",
            reasons: &[],
        },
        Case {
            name: "asking weeks later whether there is an answer continues the request",
            history: nursery(),
            probe: m("k3", "27T17:50", "Bonjour, la commission a eu lieu hier je crois, est-ce qu'on a une réponse pour Jade ? Merci beaucoup")
                .channel("whatsapp")
                .name("Émilie R.")
                .phone("+33781260004")
                .handle("whatsapp:33781260004"),
            want: Want::FollowUp("k1"),
            rule: "same-citizen",
            reasons: &[],
        },
        Case {
            name: "cold showers the next morning are the same sanitary block",
            history: showers(),
            probe: m("s2", "25T07:50", "Toujours douches froides au bloc B ce matin. 2e jour. On paie 28 € la nuit…")
                .channel("whatsapp")
                .name("Sylvain")
                .phone("+33680310022")
                .handle("whatsapp:33680310022"),
            want: Want::FollowUp("s1"),
            rule: "same-citizen",
            reasons: &["same topic"],
        },
    ];
    let outage = || {
        vec![
            m("e1", "11T21:55", "Bonsoir plus de courant aux Dunes depuis l'orage, toute la rue est noire.")
                .channel("whatsapp")
                .name("Marco")
                .phone("+33645780001")
                .handle("whatsapp:33645780001"),
            m(
                "e2",
                "11T23:30",
                "Pas d'électricité depuis 21h45 impasse des Chardons (quartier des Dunes), j'ai un bébé de 3 mois.",
            )
            .email("julie@example.fr"),
        ]
    };
    let school = || {
        vec![
            m("j1", "13T07:52", "Bonjour, le car de la ligne 412 n'est jamais venu ce matin à Fépin. Ma fille est en seconde au lycée Jean-Jaurès, elle attend depuis 6h55 dans le froid.")
                .email("colin@example.fr"),
            m("j2", "20T08:40", "Toujours aucune réponse... une semaine après, pour le car du lycée Jean-Jaurès.")
                .email("colin@example.fr"),
        ]
    };
    let subscription = || {
        vec![
            m("r1", "02T21:40", "Bonjour, nous emménageons le 1er avril au 5 impasse des Tilleuls à Beaumesnil. Comment ouvrir un abonnement eau à notre nom ?")
                .name("Julien Rousseau")
                .email("julien.rousseau@example.fr"),
            m("r2", "03T08:26", "Bonjour, vous trouverez ci-joint l'attestation de vente et le RIB pour l'abonnement eau du 5 impasse des Tilleuls à Beaumesnil.")
                .channel("email")
                .name("Julien Rousseau")
                .email("julien.rousseau@example.fr"),
        ]
    };
    let more = vec![
        Case {
            name: "a spouse completing the request the other made, naming them in full",
            history: subscription()[..1].to_vec(),
            probe: m("r3", "10T08:26", "Bonjour, je complète la demande faite par mon mari Julien Rousseau sur votre site le 2 mars : ci-joint l'attestation de vente et le RIB.")
                .channel("email")
                .name("Marine Rousseau")
                .email("marine.rousseau@example.fr"),
            want: Want::FollowUp("r1"),
            rule: "same-name",
            reasons: &["julien rousseau ~ julien rousseau (strong)"],
        },
        Case {
            name: "a request completed by a follow-up is still no report of trouble for others' reports",
            history: subscription(),
            probe: m("r4", "03T09:30", "Ce matin l'eau sort marron du robinet impasse des Tilleuls à Beaumesnil, c'est normal ?")
                .email("voisine@example.fr"),
            want: Want::New,
            rule: "new",
            reasons: &[],
        },
        Case {
            name: "a recall naming another channel than the ticket's is about another request at home",
            history: vec![m("h1", "09T09:15", "M. Marcel Pujade se plaint de la fête à la salle des fêtes samedi soir : musique jusqu'à 3h, voitures garées devant son portail route de Cadours.")
                .channel("phone")
                .name("Marcel Pujade")
                .phone("05 61 85 00 64")],
            probe: m("h2", "20T10:10", "M. Pujade (route de Cadours) appelle au sujet de sa lettre pour la haie : son petit-fils la taillera au printemps, est-ce acceptable ?")
                .channel("phone")
                .name("M. Pujade")
                .phone("05 61 85 00 64"),
            want: Want::New,
            rule: "new",
            reasons: &[],
        },
        Case {
            name: "a house without power while the neighbours have it is one person's problem",
            history: outage(),
            probe: m("e3", "12T10:30", "Mme Ménard, avenue de la Gare aux Dunes : plus d'électricité chez elle depuis l'orage alors que les voisins en ont.")
                .channel("phone")
                .name("Mme Ménard")
                .phone("02 51 33 40 21"),
            want: Want::New,
            rule: "new",
            reasons: &["a problem of one person"],
        },
        Case {
            name: "a report eight days after a ticket's first report is no longer that occurrence, whatever its writer said since",
            history: school(),
            probe: m("j3", "21T10:48", "Il n'y a plus de chauffage dans le bâtiment des sciences du lycée Jean-Jaurès depuis ce matin, 9 °C en salle B12.")
                .email("vasseur@example.fr"),
            want: Want::New,
            rule: "new",
            reasons: &[],
        },
    ];
    for case in cases.into_iter().chain(more) {
        run(case, |_, _| {});
    }
}
