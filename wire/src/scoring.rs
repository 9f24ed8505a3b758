//! Pairwise scores of a grouping against the truth, as `shared/formats/inbound-message.md`
//! defines them: precision, recall and F1 over the pairs of messages that share a group (a
//! ticket, or separately an incident). Used by the engine's quality test and by
//! `cargo xtask bench`, so both report the same figures.

use std::collections::{BTreeMap, BTreeSet};

/// Unordered pairs of distinct message ids, the smaller id first.
pub type Pairs = BTreeSet<(String, String)>;

/// The pairs of messages sharing a group. Each id counts once (the first group given for it
/// wins: a re-delivered line is the same message); ids without a group share nothing. Label
/// names are arbitrary: only the grouping counts.
pub fn pairs<'a>(groups: impl IntoIterator<Item = (&'a str, Option<&'a str>)>) -> Pairs {
    let mut group_of: BTreeMap<&str, Option<&str>> = BTreeMap::new();
    for (id, g) in groups {
        group_of.entry(id).or_insert(g);
    }
    let mut members: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (id, g) in group_of {
        if let Some(g) = g {
            members.entry(g).or_default().push(id);
        }
    }
    let mut out = Pairs::new();
    for ids in members.values() {
        for (i, a) in ids.iter().enumerate() {
            for b in &ids[i + 1..] {
                let (x, y) = if a < b { (a, b) } else { (b, a) };
                out.insert(((*x).to_owned(), (*y).to_owned()));
            }
        }
    }
    out
}

/// Counts of pairs; the rates are computed from them, so that scores of several sets add up.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Score {
    pub true_pairs: usize,
    pub predicted_pairs: usize,
    pub correct_pairs: usize,
}

impl Score {
    pub fn of(truth: &Pairs, predicted: &Pairs) -> Score {
        Score {
            true_pairs: truth.len(),
            predicted_pairs: predicted.len(),
            correct_pairs: truth.intersection(predicted).count(),
        }
    }

    /// No pair predicted is a perfect precision, not an undefined one.
    pub fn precision(&self) -> f64 {
        if self.predicted_pairs == 0 { 1.0 } else { self.correct_pairs as f64 / self.predicted_pairs as f64 }
    }

    /// No pair to find is a perfect recall.
    pub fn recall(&self) -> f64 {
        if self.true_pairs == 0 { 1.0 } else { self.correct_pairs as f64 / self.true_pairs as f64 }
    }

    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 { 0.0 } else { 2.0 * p * r / (p + r) }
    }

    pub fn add(&mut self, other: Score) {
        self.true_pairs += other.true_pairs;
        self.predicted_pairs += other.predicted_pairs;
        self.correct_pairs += other.correct_pairs;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairwise_scores_count_pairs_not_labels() {
        let truth = pairs([("a", Some("T1")), ("b", Some("T1")), ("c", Some("T1")), ("d", Some("T2"))]);
        let predicted = pairs([("a", Some("X")), ("b", Some("X")), ("c", Some("Y")), ("d", Some("Y"))]);
        let s = Score::of(&truth, &predicted);
        assert_eq!((s.true_pairs, s.predicted_pairs, s.correct_pairs), (3, 2, 1));
        assert_eq!((s.precision(), s.recall()), (0.5, 1.0 / 3.0));
        assert!((s.f1() - 0.4).abs() < 1e-9);
    }

    #[test]
    fn no_group_anywhere_is_a_perfect_score() {
        let none = pairs([("a", None), ("b", None)]);
        assert!(none.is_empty());
        assert_eq!(Score::of(&none, &none).f1(), 1.0);
    }

    #[test]
    fn a_redelivered_id_counts_once() {
        assert_eq!(pairs([("a", Some("T")), ("b", Some("T")), ("a", Some("T"))]).len(), 1);
    }
}
