//! Deduplication quality: pairwise precision, recall and F1 of `guichet replay` against a
//! labelled set, for tickets and for incidents (`shared/formats/inbound-message.md`), scored by
//! `wire::scoring` as the engine's own quality test does.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use wire::scoring::{Score, pairs};

/// A line of a labels file or of replay's output: label names are arbitrary.
#[derive(Debug, Deserialize)]
struct Grouping {
    id: String,
    ticket: String,
    incident: Option<String>,
}

/// Ticket and incident scores of one labelled set (`messages.jsonl` + `labels.jsonl`).
pub(crate) fn evaluate(guichet: &Path, set: &Path) -> Result<(Score, Score)> {
    let output = Command::new(guichet)
        .arg("replay")
        .arg(set.join("messages.jsonl"))
        .output()
        .with_context(|| format!("running {} replay", guichet.display()))?;
    if !output.status.success() {
        bail!("guichet replay {} failed: {}", set.display(), String::from_utf8_lossy(&output.stderr));
    }
    let predicted = parse(&String::from_utf8(output.stdout)?)?;
    let truth = parse(&std::fs::read_to_string(set.join("labels.jsonl"))?)?;
    let tickets = |gs: &[Grouping]| pairs(gs.iter().map(|g| (g.id.as_str(), Some(g.ticket.as_str()))));
    let incidents = |gs: &[Grouping]| pairs(gs.iter().map(|g| (g.id.as_str(), g.incident.as_deref())));
    Ok((Score::of(&tickets(&truth), &tickets(&predicted)), Score::of(&incidents(&truth), &incidents(&predicted))))
}

fn parse(text: &str) -> Result<Vec<Grouping>> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).with_context(|| format!("not a grouping line: {l}")))
        .collect()
}
