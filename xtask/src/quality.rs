//! Deduplication quality: pairwise precision, recall and F1 of `guichet replay` against a
//! labelled set, for tickets and for incidents (`shared/formats/inbound-message.md`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde::Deserialize;

/// A line of a labels file or of replay's output: label names are arbitrary.
#[derive(Debug, Deserialize)]
struct Grouping {
    id: String,
    ticket: String,
    incident: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Scores {
    pub(crate) precision: f64,
    pub(crate) recall: f64,
    pub(crate) f1: f64,
    /// Pairs in the truth, pairs predicted.
    pub(crate) true_pairs: usize,
    pub(crate) predicted_pairs: usize,
}

/// Ticket and incident scores of one labelled set (`messages.jsonl` + `labels.jsonl`).
pub(crate) fn evaluate(guichet: &Path, set: &Path) -> Result<(Scores, Scores)> {
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
    Ok((
        score(&pairs(&truth, |g| Some(&g.ticket)), &pairs(&predicted, |g| Some(&g.ticket))),
        score(&pairs(&truth, |g| g.incident.as_ref()), &pairs(&predicted, |g| g.incident.as_ref())),
    ))
}

fn parse(text: &str) -> Result<BTreeMap<String, Grouping>> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let g: Grouping = serde_json::from_str(l).with_context(|| format!("not a grouping line: {l}"))?;
            Ok((g.id.clone(), g))
        })
        .collect()
}

/// Unordered pairs of distinct messages that share a group (a re-delivered line counts once).
fn pairs(
    groups: &BTreeMap<String, Grouping>,
    key: impl Fn(&Grouping) -> Option<&String>,
) -> BTreeSet<(String, String)> {
    let mut members: BTreeMap<&String, Vec<&String>> = BTreeMap::new();
    for (id, g) in groups {
        if let Some(k) = key(g) {
            members.entry(k).or_default().push(id);
        }
    }
    let mut out = BTreeSet::new();
    for ids in members.values() {
        for (i, a) in ids.iter().enumerate() {
            for b in &ids[i + 1..] {
                out.insert(((*a).clone(), (*b).clone()));
            }
        }
    }
    out
}

fn score(truth: &BTreeSet<(String, String)>, predicted: &BTreeSet<(String, String)>) -> Scores {
    let hits = truth.intersection(predicted).count() as f64;
    // No pair to find and none predicted is perfect, not undefined.
    let precision = if predicted.is_empty() { 1.0 } else { hits / predicted.len() as f64 };
    let recall = if truth.is_empty() { 1.0 } else { hits / truth.len() as f64 };
    let f1 = if precision + recall == 0.0 { 0.0 } else { 2.0 * precision * recall / (precision + recall) };
    Scores { precision, recall, f1, true_pairs: truth.len(), predicted_pairs: predicted.len() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups(lines: &[(&str, &str, Option<&str>)]) -> BTreeMap<String, Grouping> {
        lines
            .iter()
            .map(|(id, t, i)| {
                (id.to_string(), Grouping { id: id.to_string(), ticket: t.to_string(), incident: i.map(str::to_owned) })
            })
            .collect()
    }

    #[test]
    fn pairwise_scores_count_pairs_not_labels() {
        let truth = groups(&[("a", "T1", None), ("b", "T1", None), ("c", "T1", None), ("d", "T2", None)]);
        let predicted = groups(&[("a", "X", None), ("b", "X", None), ("c", "Y", None), ("d", "Y", None)]);
        let s = score(&pairs(&truth, |g| Some(&g.ticket)), &pairs(&predicted, |g| Some(&g.ticket)));
        assert_eq!((s.true_pairs, s.predicted_pairs), (3, 2));
        assert_eq!((s.precision, s.recall), (0.5, 1.0 / 3.0));
        assert!((s.f1 - 0.4).abs() < 1e-9);
    }

    #[test]
    fn no_incident_anywhere_is_a_perfect_score() {
        let g = groups(&[("a", "T1", None)]);
        let s = score(&pairs(&g, |g| g.incident.as_ref()), &pairs(&g, |g| g.incident.as_ref()));
        assert_eq!(s.f1, 1.0);
    }
}
