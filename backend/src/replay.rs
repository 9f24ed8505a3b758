//! `guichet replay`: inbound messages written as JSON Lines (`shared/formats/inbound-message.md`)
//! go through the same pipeline as live traffic; one JSON line comes out per line in.
//!
//! It is also how an institution imports its history, so a bad line is reported on its own
//! output line and the rest goes on.

use std::collections::HashMap;
use std::io::Write;

use serde::Serialize;
use wire::Lang;

use crate::domain::message::InboundMessage;
use crate::intake::{Intake, IntakeError};

/// One output line: where the message was filed, or why it could not be.
#[derive(Debug, Serialize)]
#[serde(untagged)]
enum Line {
    Filed { id: String, ticket: String, incident: Option<String> },
    Failed { line: usize, error: String },
}

/// What a replay did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub filed: usize,
    pub failed: usize,
}

/// The sites `input`'s messages name, in order of first appearance, for the caller to make
/// sure the configuration knows them.
pub fn sites(input: &str) -> Vec<String> {
    let mut sites: Vec<String> = Vec::new();
    for line in input.lines().filter(|l| !l.trim().is_empty()) {
        if let Ok(m) = serde_json::from_str::<InboundMessage>(line)
            && !sites.contains(&m.site)
        {
            sites.push(m.site);
        }
    }
    sites
}

/// Files every message of `input`, in order, then writes one line per non-blank line. The
/// lines wait for the end because a ticket's incident may be formed by a later message.
pub async fn replay(intake: &Intake, input: &str, out: &mut impl Write) -> Result<Summary, IntakeError> {
    let mut summary = Summary::default();
    let mut lines = Vec::new();
    for (n, text) in input.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        match serde_json::from_str::<InboundMessage>(text) {
            Err(e) => {
                summary.failed += 1;
                lines.push(Err(Line::Failed { line: n + 1, error: format!("not an inbound message: {e}") }));
            }
            Ok(message) => {
                summary.filed += 1;
                let id = message.id.clone();
                lines.push(Ok((id, intake.file(message, Lang::FR).await?.reference)));
            }
        }
    }
    let mut incidents = HashMap::new();
    for line in lines {
        let line = match line {
            Err(failed) => failed,
            Ok((id, ticket)) => {
                let incident = match incidents.get(&ticket) {
                    Some(incident) => Option::clone(incident),
                    None => {
                        let incident = intake.incident_of(&ticket).await?;
                        incidents.insert(ticket.clone(), incident.clone());
                        incident
                    }
                };
                Line::Filed { id, ticket: ticket.to_string(), incident }
            }
        };
        let json = serde_json::to_string(&line).expect("plain data serialises");
        writeln!(out, "{json}").map_err(|e| IntakeError::Output(e.to_string()))?;
    }
    Ok(summary)
}
