//! Agents' answers by email: a reply to a ticket's `reply+` address is checked (signed token,
//! sender among the service's agents), its commands carried out, and its text sent to the
//! citizen on the channel they used last; everything is confirmed in the ticket's thread.

use std::sync::PoisonError;

use lettre::message::Mailbox;
use time::OffsetDateTime;
use wire::Lang;

use crate::channels::social_send::SocialTarget;
use crate::config::{Config, Service, Site};
use crate::domain::agent_reply::{self, Command};
use crate::domain::message::{Channel, InboundMessage};
use crate::domain::notify::{self, CitizenReply, Email, EmailKind, Refused, ThreadNote, agents_words, channel_label};
use crate::domain::reply_token::{ReplyTo, Role, Signer};
use crate::domain::social_rules::{self, ReplyPlan};
use crate::domain::ticket::Ticket;
use crate::intake::{Intake, IntakeError, split_in};
use crate::mail::outbox::now_ms;
use crate::store::{SocialQueued, StoreError, Tx};

/// A delivery failure report about one of Guichet's emails, as read from a bounce.
#[derive(Debug, Clone, Default)]
pub struct Bounced {
    pub original_message_id: Option<String>,
    pub recipient: Option<String>,
    pub diagnostic: Option<String>,
}

/// An email written to a ticket's agents' reply address, as read.
#[derive(Debug, Clone)]
pub struct AgentMail {
    /// The sender's bare address.
    pub from: String,
    pub subject: Option<String>,
    /// The agent's new words: quotes of the thread and signature already taken off.
    pub new_words: String,
}

/// What became of an agent's email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answered {
    /// Acted upon: the commands carried out and whether text went to the citizen.
    Done { commands: Vec<Command>, sent_to_citizen: bool },
    /// Not acted upon; the sender was told why.
    Refused(String),
}

impl Intake {
    /// Acts on an agent's email to the reply address `to` (already checked as signed).
    pub async fn take_agent_mail(&self, to: ReplyTo, mut mail: AgentMail) -> Result<Answered, IntakeError> {
        mail.from = mail.from.trim().to_ascii_lowercase();
        let (config, engine, signer) = (self.config.clone(), self.engine.clone(), self.signer.clone());
        self.store
            .write_or(move |tx| {
                let now = now_ms();
                let Some(row) = tx.ticket_row(&to.reference)? else {
                    return Ok(Answered::Refused(refuse(tx, &config, None, &mail, Refused::BadAddress, now)?));
                };
                let (ticket, _) = tx.ticket(row)?;
                let site = config.site(&ticket.site).ok_or_else(|| IntakeError::UnknownSite(ticket.site.clone()))?;
                let service = service_of(site, &ticket);
                if !is_agent(service, &mail.from) {
                    let why = Refused::NotAnAgent { reference: ticket.reference.as_str(), service: &service.name };
                    tx.record_event(row, "refused", Some(&mail.from), mail.subject.as_deref().unwrap_or(""))?;
                    return Ok(Answered::Refused(refuse(tx, &config, Some(site), &mail, why, now)?));
                }
                let ctx = Ctx { tx, config: &config, signer: &signer, site, row, agent: &mail.from, now };
                let reply = agent_reply::read(&mail.new_words);
                let mut ticket = ticket;
                for line in &reply.unknown {
                    ctx.note(&ticket, &fill(ctx.words().unknown_command, &[("command", line)]), None)?;
                }
                let mut done = Vec::new();
                for command in &reply.commands {
                    match command {
                        Command::Note => {}
                        Command::Close => {
                            tx.set_status(row, "closed")?;
                            tx.record_event(row, "close", Some(ctx.agent), "")?;
                            ctx.note(&ticket, &fill(ctx.words().closed, &[("agent", ctx.agent)]), None)?;
                        }
                        Command::Assign(id) => match site.service(id) {
                            Some(new) => {
                                let old = service_of(site, &ticket).clone();
                                tx.set_service(row, &new.id)?;
                                tx.record_event(row, "assign", Some(ctx.agent), &new.id)?;
                                ticket.service = new.id.clone();
                                let text = fill(ctx.words().assigned, &[("agent", ctx.agent), ("service", &new.name)]);
                                // Both services hear of it: the old one lets go, the new one takes the thread.
                                let mut email = ctx.note_email(&ticket, &text, None);
                                email.to.extend(old.agents.iter().filter(|a| !new.agents.contains(a)).cloned());
                                tx.enqueue(Some(row), &email, now)?;
                            }
                            None => {
                                let services: Vec<&str> = site.services.iter().map(|s| s.id.as_str()).collect();
                                let text = fill(
                                    ctx.words().unknown_service,
                                    &[("service", id), ("services", &services.join(", "))],
                                );
                                ctx.note(&ticket, &text, None)?;
                                continue;
                            }
                        },
                        Command::Split => {
                            let messages = tx.messages_of(row)?;
                            let Some((_, last)) = messages.iter().skip(1).last() else {
                                ctx.note(&ticket, ctx.words().nothing_to_split, None)?;
                                continue;
                            };
                            let mut engine = engine.lock().unwrap_or_else(PoisonError::into_inner);
                            split_in(tx, &config, &mut engine, &signer, site, &last.id)?;
                            tx.record_event(row, "split", Some(ctx.agent), &last.id)?;
                        }
                    }
                    done.push(command.clone());
                }
                if reply.commands.contains(&Command::Note) && !reply.text.is_empty() {
                    tx.record_event(row, "note", Some(ctx.agent), &reply.text)?;
                    ctx.note(&ticket, &fill(ctx.words().note, &[("agent", ctx.agent)]), Some(&reply.text))?;
                }
                let sent = reply.goes_to_citizen() && ctx.answer_citizen(&ticket, &reply.text)?;
                Ok(Answered::Done { commands: done, sent_to_citizen: sent })
            })
            .await
    }
}

impl Intake {
    /// Marks the bounced email as failed on its ticket; when it was for the citizen, the
    /// agents are told in the thread. Returns whether the bounce named an email of ours.
    pub async fn take_bounce(&self, bounce: Bounced) -> Result<bool, IntakeError> {
        let Some(original) = bounce.original_message_id.clone() else { return Ok(false) };
        let (config, signer) = (self.config.clone(), self.signer.clone());
        self.store
            .write_or(move |tx| {
                let Some((outbox_row, ticket_row, email)) = tx.sent_email(&original)? else { return Ok(false) };
                let why = bounce.diagnostic.clone().unwrap_or_else(|| "bounced".to_owned());
                let now = now_ms();
                tx.mark_failed(outbox_row, now, &format!("bounced: {why}"))?;
                let Some(row) = ticket_row else { return Ok(true) };
                let to = bounce.recipient.clone().unwrap_or_else(|| email.to.join(", "));
                tx.record_event(row, "bounce", Some(&to), &why)?;
                if matches!(email.kind, EmailKind::Acknowledgment | EmailKind::Reply) {
                    let (ticket, _) = tx.ticket(row)?;
                    let site =
                        config.site(&ticket.site).ok_or_else(|| IntakeError::UnknownSite(ticket.site.clone()))?;
                    let ctx = Ctx { tx, config: &config, signer: &signer, site, row, agent: "", now };
                    let headline =
                        fill(ctx.words().bounced, &[("subject", &email.subject), ("to", &to), ("why", &why)]);
                    ctx.note(&ticket, &headline, Some(&email.text))?;
                }
                Ok(true)
            })
            .await
    }
}

/// What every step of an agent's email needs.
pub(super) struct Ctx<'a, 't> {
    pub(super) tx: &'a Tx<'t>,
    pub(super) config: &'a Config,
    pub(super) signer: &'a Signer,
    pub(super) site: &'a Site,
    /// The ticket's row.
    pub(super) row: i64,
    pub(super) agent: &'a str,
    pub(super) now: i64,
}

impl Ctx<'_, '_> {
    fn words(&self) -> notify::AgentsWords {
        agents_words(self.site.language)
    }

    /// A note in the ticket's thread to its agents, their answers coming back to Guichet.
    pub(super) fn note_email(&self, ticket: &Ticket, headline: &str, body: Option<&str>) -> Email {
        let service = service_of(self.site, ticket);
        let mut email = notify::thread_note(ThreadNote {
            site: self.site,
            service,
            ticket,
            headline,
            body,
            unique: unique(),
            mail_domain: &self.config.mail.domain,
        });
        email.reply_to =
            Some(self.signer.address(ticket.reference.as_str(), Role::Agents, &self.config.mail.reply_domain));
        email
    }

    fn note(&self, ticket: &Ticket, headline: &str, body: Option<&str>) -> Result<(), StoreError> {
        self.tx.enqueue(Some(self.row), &self.note_email(ticket, headline, body), self.now)
    }

    /// Sends `text` to the citizen where they can read it; tells the agents what was done.
    /// Returns whether it went out.
    fn answer_citizen(&self, ticket: &Ticket, text: &str) -> Result<bool, StoreError> {
        let messages = self.tx.messages_of(self.row)?;
        let w = self.words();
        // On the network the citizen used last, when its rules let the answer through.
        let last = messages.last().map(|(_, m)| m);
        if let Some((m, handle)) = last.and_then(|m| m.from.handle.as_deref().map(|h| (m, h))) {
            match self.plan_social(m, handle, text) {
                Ok(plan) => {
                    let site = &self.site.id;
                    self.tx.enqueue_social(self.row, site, handle, plan.human_agent_tag, &plan.parts, self.now)?;
                    self.tx.record_event(self.row, "reply", Some(self.agent), text)?;
                    let channel = channel_label(m.channel, self.site.language);
                    let headline = fill(w.replied, &[("agent", self.agent), ("to", handle), ("channel", channel)]);
                    self.note(ticket, &headline, Some(text))?;
                    return Ok(true);
                }
                Err(why) => {
                    self.tx.record_event(self.row, "undeliverable", Some(self.agent), &why)?;
                    self.note(ticket, &fill(w.undeliverable, &[("why", &why)]), Some(text))?;
                }
            }
        }
        let address = messages.iter().rev().find_map(|(_, m)| m.from.email.clone());
        let Some(address) = address else {
            if last.is_some_and(|m| m.from.handle.is_some()) {
                return Ok(false);
            }
            let channel = last.map_or(Channel::Widget, |m| m.channel);
            let why = fill(w.no_address, &[("channel", channel_label(channel, self.site.language))]);
            self.tx.record_event(self.row, "undeliverable", Some(self.agent), &why)?;
            self.note(ticket, &fill(w.undeliverable, &[("why", &why)]), Some(text))?;
            return Ok(false);
        };
        let (_, lang) = self.tx.ticket_state(self.row)?;
        let lang = Lang::from_tag(&lang);
        // Answer in the thread of the citizen's own email when they wrote by email.
        let answers = last_email(&messages).map(|m| (m.id.as_str(), m.subject.as_deref()));
        let mut email = notify::citizen_reply(CitizenReply {
            site: self.site,
            ticket,
            to: &address,
            text,
            lang,
            answers,
            unique: unique(),
            mail_domain: &self.config.mail.domain,
        });
        email.reply_to =
            Some(self.signer.address(ticket.reference.as_str(), Role::Citizen, &self.config.mail.reply_domain));
        self.tx.enqueue(Some(self.row), &email, self.now)?;
        self.tx.record_event(self.row, "reply", Some(self.agent), text)?;
        let channel = channel_label(Channel::Email, self.site.language);
        let headline = fill(w.replied, &[("agent", self.agent), ("to", &address), ("channel", channel)]);
        self.note(ticket, &headline, Some(text))?;
        Ok(true)
    }

    /// How the answer may go out on the network of the citizen's last message, or why not,
    /// in the agents' language.
    fn plan_social(&self, last: &InboundMessage, handle: &str, text: &str) -> Result<ReplyPlan, String> {
        let tag = self.site.meta.as_ref().is_some_and(|m| m.human_agent_tag);
        let now = OffsetDateTime::now_utc();
        let plan = social_rules::plan_reply(last.channel, last.received_at, now, tag, text)
            .map_err(|blocked| blocked.reason.explain(self.site.language))?;
        // The site must be able to send there at all: said now rather than by a failure later.
        SocialTarget::for_handle(self.site, handle, plan.human_agent_tag).map_err(|e| e.message)?;
        Ok(plan)
    }
}

impl Intake {
    /// A social answer given up on: recorded on the ticket, and the agents are told.
    pub async fn social_answer_failed(&self, queued: SocialQueued, why: String) -> Result<(), IntakeError> {
        let (config, signer) = (self.config.clone(), self.signer.clone());
        self.store
            .write_or(move |tx| {
                tx.social_failed(queued.id, now_ms(), &why)?;
                let (ticket, _) = tx.ticket(queued.ticket)?;
                let site = config.site(&ticket.site).ok_or_else(|| IntakeError::UnknownSite(ticket.site.clone()))?;
                let ctx =
                    Ctx { tx, config: &config, signer: &signer, site, row: queued.ticket, agent: "", now: now_ms() };
                let text = queued.parts.join("\n\n");
                ctx.note(&ticket, &fill(ctx.words().undeliverable, &[("why", &why)]), Some(&text))?;
                Ok(())
            })
            .await
    }
}

fn last_email(messages: &[(i64, InboundMessage)]) -> Option<&InboundMessage> {
    messages.iter().rev().map(|(_, m)| m).find(|m| m.channel == Channel::Email && m.id.starts_with('<'))
}

fn service_of<'s>(site: &'s Site, ticket: &Ticket) -> &'s Service {
    site.service(&ticket.service).unwrap_or_else(|| crate::domain::routing::route(site, ticket.topic.as_deref()))
}

/// Whether `from` is one of the service's agents (addresses compared without case).
fn is_agent(service: &Service, from: &str) -> bool {
    service
        .agents
        .iter()
        .filter_map(|a| a.parse::<Mailbox>().ok())
        .any(|m| m.email.to_string().to_ascii_lowercase() == from)
}

/// Tells the sender of a mail to a reply address why nothing was done; returns the reason.
pub(super) fn refuse(
    tx: &Tx<'_>,
    config: &Config,
    site: Option<&Site>,
    mail: &AgentMail,
    why: Refused<'_>,
    now: i64,
) -> Result<String, StoreError> {
    let lang = site.map_or(Lang::FR, |s| s.language);
    let email = notify::refusal(lang, &mail.from, mail.subject.as_deref(), why, unique(), &config.mail.domain);
    let reason = email.text.lines().next().unwrap_or_default().to_owned();
    tx.enqueue(None, &email, now)?;
    Ok(reason)
}

/// Tells apart the Message-IDs of a ticket's notes and replies.
fn unique() -> i64 {
    (rand::random::<u64>() >> 1) as i64
}

fn fill(template: &str, values: &[(&str, &str)]) -> String {
    wire::i18n::fill(template, values)
}

#[cfg(test)]
mod tests;
