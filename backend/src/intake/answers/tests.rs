//! Agents' answers on an in-memory store: who may answer, what each command does, and what
//! the citizen and the agents receive.

use std::sync::Arc;

use super::*;
use crate::store::Store;

async fn intake() -> Intake {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../guichet.toml")).unwrap();
    let config = Arc::new(Config::parse(&text, None).unwrap());
    Intake::open(Store::in_memory().unwrap(), config).await.unwrap()
}

/// Files the fixture messages whose ids are given; returns their tickets' references.
async fn file(intake: &Intake, ids: &[&str]) -> Vec<String> {
    let all =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/answers/messages.jsonl")).unwrap();
    let mut references = vec![];
    for id in ids {
        let line = all.lines().find(|l| l.contains(&format!("\"id\":\"{id}\""))).unwrap();
        let message: InboundMessage = serde_json::from_str(line).unwrap();
        references.push(intake.file(message, Lang::FR).await.unwrap().reference.to_string());
    }
    references
}

fn agent_mail(from: &str, words: &str) -> AgentMail {
    AgentMail { from: from.into(), subject: Some("Re: [VE] Voirie".into()), new_words: words.into() }
}

async fn to(intake: &Intake, reference: &str) -> ReplyTo {
    intake.signer.check(&intake.signer.token(reference, Role::Agents)).unwrap()
}

/// The emails queued since the `skip` first, oldest first.
async fn queued(intake: &Intake, skip: usize) -> Vec<Email> {
    let mut all: Vec<Email> =
        intake.store.write(|tx| tx.outbox(500)).await.unwrap().into_iter().rev().map(|e| e.email).collect();
    all.drain(..skip.min(all.len()));
    all
}

const VOIRIE: &str = "voirie@ville-exemple.localhost";

#[tokio::test]
async fn an_agents_answer_reaches_the_citizen_from_guichet_and_is_confirmed_in_the_thread() {
    let intake = intake().await;
    let refs = file(&intake, &["w-1", "<CAF3x9@mail.example.fr>"]).await;
    assert_eq!(refs[0], refs[1], "the email is a follow-up of the widget's ticket");
    let before = queued(&intake, 0).await.len();
    let answered = intake
        .take_agent_mail(
            to(&intake, &refs[0]).await,
            agent_mail("Voirie@Ville-Exemple.localhost", "Bonjour,\nUne équipe passe demain."),
        )
        .await
        .unwrap();
    assert_eq!(answered, Answered::Done { commands: vec![], sent_to_citizen: true });
    let emails = queued(&intake, before).await;
    let reply = emails.iter().find(|e| e.kind == EmailKind::Reply).unwrap();
    assert_eq!(reply.to, vec!["claire.dubois@example.fr".to_owned()]);
    // Threaded with the citizen's own email, which the subject answers.
    assert_eq!(reply.in_reply_to.as_deref(), Some("<CAF3x9@mail.example.fr>"));
    assert_eq!(reply.subject, format!("Re: Nid-de-poule rue des Lilas [{}]", refs[0]));
    assert!(reply.text.starts_with("Bonjour,\nUne équipe passe demain."), "{}", reply.text);
    assert!(!reply.text.contains(VOIRIE) && !reply.html.contains(VOIRIE), "no agent address reaches the citizen");
    let citizen_token = reply.reply_to.as_deref().unwrap();
    let domain = &intake.config.mail.reply_domain;
    assert_eq!(intake.signer.check_address(citizen_token, domain).unwrap().role, Role::Citizen);
    let note = emails.iter().find(|e| e.kind == EmailKind::FollowUp).unwrap();
    assert_eq!(note.to, vec![VOIRIE.to_owned()]);
    assert!(note.subject.contains("Réponse de voirie@ville-exemple.localhost envoyée au citoyen"), "{}", note.subject);
    assert_eq!(
        note.in_reply_to.as_deref(),
        Some(format!("<ticket.{}@ville-exemple.localhost>", refs[0].to_lowercase()).as_str())
    );
}

#[tokio::test]
async fn only_the_services_agents_may_answer() {
    let intake = intake().await;
    let refs = file(&intake, &["w-1"]).await;
    let before = queued(&intake, 0).await.len();
    for from in ["etat-civil@ville-exemple.localhost", "claire.dubois@example.fr", "x@evil.example"] {
        let answered = intake.take_agent_mail(to(&intake, &refs[0]).await, agent_mail(from, "Réponse")).await.unwrap();
        assert!(
            matches!(answered, Answered::Refused(ref why) if why.contains("Seuls les agents du service")),
            "{answered:?}"
        );
    }
    let emails = queued(&intake, before).await;
    assert_eq!(emails.len(), 3, "one explanation each, nothing to the citizen: {emails:#?}");
    assert!(emails.iter().all(|e| e.kind == EmailKind::Refusal));
    assert_eq!(emails[2].to, vec!["x@evil.example".to_owned()]);
}

#[tokio::test]
async fn a_token_naming_no_ticket_is_refused() {
    let intake = intake().await;
    let answered = intake.take_agent_mail(to(&intake, "VE-2026-999999").await, agent_mail(VOIRIE, "x")).await.unwrap();
    assert!(matches!(answered, Answered::Refused(ref why) if why.contains("pas une adresse de réponse valide")));
}

#[tokio::test]
async fn a_note_stays_with_the_agents() {
    let intake = intake().await;
    let refs = file(&intake, &["w-1"]).await;
    let before = queued(&intake, 0).await.len();
    let answered = intake
        .take_agent_mail(to(&intake, &refs[0]).await, agent_mail(VOIRIE, "#note\nÀ voir avec l'entreprise."))
        .await;
    assert_eq!(answered.unwrap(), Answered::Done { commands: vec![Command::Note], sent_to_citizen: false });
    let emails = queued(&intake, before).await;
    assert_eq!(emails.len(), 1, "{emails:#?}");
    assert_eq!(emails[0].to, vec![VOIRIE.to_owned()]);
    assert!(
        emails[0].text.contains("Note interne de voirie@ville-exemple.localhost")
            && emails[0].text.contains("l'entreprise")
    );
}

#[tokio::test]
async fn close_and_assign_change_the_ticket_and_say_so() {
    let intake = intake().await;
    let refs = file(&intake, &["w-1"]).await;
    let before = queued(&intake, 0).await.len();
    let answered = intake
        .take_agent_mail(to(&intake, &refs[0]).await, agent_mail(VOIRIE, "#assigner etat-civil\n#clore"))
        .await
        .unwrap();
    assert_eq!(
        answered,
        Answered::Done { commands: vec![Command::Assign("etat-civil".into()), Command::Close], sent_to_citizen: false }
    );
    let reference = refs[0].clone();
    let (ticket, state) = intake
        .store
        .write(move |tx| {
            let row = tx.ticket_row(&reference)?.unwrap();
            Ok((tx.ticket(row)?.0, tx.ticket_state(row)?))
        })
        .await
        .unwrap();
    assert_eq!((ticket.service.as_str(), state.0.as_str()), ("etat-civil", "closed"));
    let emails = queued(&intake, before).await;
    let assigned = emails.iter().find(|e| e.text.contains("transférée au service Service état civil")).unwrap();
    assert!(
        assigned.to.contains(&"etat-civil@ville-exemple.localhost".to_owned())
            && assigned.to.contains(&VOIRIE.to_owned())
    );
    // Now the état civil agents answer for it, and the voirie ones no longer may.
    let closed = emails.iter().find(|e| e.text.contains("Demande close par")).unwrap();
    assert_eq!(closed.to, vec!["etat-civil@ville-exemple.localhost".to_owned()]);
    let again = intake.take_agent_mail(to(&intake, &refs[0]).await, agent_mail(VOIRIE, "Bonjour")).await.unwrap();
    assert!(matches!(again, Answered::Refused(_)));
}

#[tokio::test]
async fn split_undoes_the_last_merge_and_unknown_commands_are_explained() {
    let intake = intake().await;
    let refs = file(&intake, &["w-1", "<CAF3x9@mail.example.fr>"]).await;
    let before = queued(&intake, 0).await.len();
    let answered = intake
        .take_agent_mail(to(&intake, &refs[0]).await, agent_mail(VOIRIE, "#séparer\n#urgent\n#assigner nulle-part"))
        .await
        .unwrap();
    assert_eq!(answered, Answered::Done { commands: vec![Command::Split], sent_to_citizen: false });
    let (site, id) = ("ville-exemple".to_owned(), "<CAF3x9@mail.example.fr>".to_owned());
    let moved = intake.store.write(move |tx| tx.reference_of(&site, &id)).await.unwrap().unwrap();
    assert_ne!(moved.as_str(), refs[0], "the email has a ticket of its own");
    let texts: Vec<String> = queued(&intake, before).await.into_iter().map(|e| e.text).collect();
    for want in ["il est suivi dans la demande", "Commande non comprise : #urgent", "Service inconnu : nulle-part"] {
        assert!(texts.iter().any(|t| t.contains(want)), "{want} in {texts:#?}");
    }
    // Nothing left to split now.
    let again = intake.take_agent_mail(to(&intake, &refs[0]).await, agent_mail(VOIRIE, "#split")).await.unwrap();
    assert_eq!(again, Answered::Done { commands: vec![], sent_to_citizen: false });
}

#[tokio::test]
async fn without_an_address_the_agent_is_told_the_answer_could_not_go() {
    let intake = intake().await;
    let refs = file(&intake, &["fb-1"]).await;
    let before = queued(&intake, 0).await.len();
    let answered = intake
        .take_agent_mail(
            to(&intake, &refs[0]).await,
            agent_mail("accueil@ville-exemple.localhost", "Ouvert de 9 h à 12 h."),
        )
        .await
        .unwrap();
    assert_eq!(answered, Answered::Done { commands: vec![], sent_to_citizen: false });
    let emails = queued(&intake, before).await;
    assert_eq!(emails.len(), 1);
    assert!(
        emails[0].text.contains("n'a pas pu être transmise au citoyen") && emails[0].text.contains("Messenger"),
        "{}",
        emails[0].text
    );
}

#[tokio::test]
async fn a_bounced_acknowledgment_fails_on_the_ticket_and_the_agents_hear_of_it() {
    let intake = intake().await;
    let refs = file(&intake, &["w-1"]).await;
    let emails = queued(&intake, 0).await;
    let ack = emails.iter().find(|e| e.kind == EmailKind::Acknowledgment).unwrap().clone();
    let bounce = Bounced {
        original_message_id: Some(ack.message_id.clone()),
        recipient: Some("claire.dubois@example.fr".into()),
        diagnostic: Some("550 5.1.1 user unknown".into()),
    };
    assert!(intake.take_bounce(bounce).await.unwrap());
    let outbox = intake.store.write(|tx| tx.outbox(50)).await.unwrap();
    let entry = outbox.iter().find(|e| e.email.message_id == ack.message_id).unwrap();
    assert!(entry.failed_at.is_some() && entry.last_error.as_deref() == Some("bounced: 550 5.1.1 user unknown"));
    let note = queued(&intake, emails.len()).await.pop().unwrap();
    assert_eq!(note.to, vec![VOIRIE.to_owned()]);
    assert!(note.text.contains("n'a pas pu être remis : 550 5.1.1 user unknown"), "{}", note.text);
    let reference = refs[0].clone();
    let events = intake
        .store
        .write(move |tx| {
            let row = tx.ticket_row(&reference)?.unwrap();
            tx.events(row)
        })
        .await
        .unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(kinds, ["delivery_failed", "bounce"]);
    let unknown = Bounced { original_message_id: Some("<elsewhere@example.org>".into()), ..Bounced::default() };
    assert!(!intake.take_bounce(unknown).await.unwrap());
}
