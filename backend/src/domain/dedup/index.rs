//! Inverted indexes from a key (a place, a name token) to the tickets that carry it, newest
//! first, so that a decision reads a few short lists instead of every ticket.
//!
//! Each list is a chain threaded through one flat vector of 12-byte nodes: no per-key
//! allocation, and a walk that stops after a bounded number of nodes keeps the worst case
//! bounded however popular a key becomes (the newest entries are the ones a time window wants).
//! Each node carries a tag, a summary of the ticket chosen by the index's owner, so that a walk
//! skips tickets that cannot qualify without reading them: reading a ticket is a cache miss in
//! a large history, reading the next node of a chain is usually one too, but only one.

use std::collections::HashMap;

const NONE: u32 = u32::MAX;

#[derive(Clone, Copy)]
struct Node {
    slot: u32,
    next: u32,
    /// Minutes since the Unix epoch of the message that put the ticket here.
    minute: u32,
    tag: u32,
}

#[derive(Default)]
pub(crate) struct Postings {
    heads: HashMap<u64, u32>,
    nodes: Vec<Node>,
}

pub(crate) fn minute(unix_seconds: i64) -> u32 {
    (unix_seconds.max(0) / 60).min(i64::from(u32::MAX - 1)) as u32
}

impl Postings {
    /// Puts `slot` at the head of `key`'s list with `tag`.
    pub(crate) fn push(&mut self, key: u64, slot: u32, unix_seconds: i64, tag: u32) {
        let head = self.heads.get(&key).copied().unwrap_or(NONE);
        // The same ticket again at the head (a follow-up naming the same street): refresh only.
        if head != NONE && self.nodes[head as usize].slot == slot {
            let node = &mut self.nodes[head as usize];
            node.minute = node.minute.max(minute(unix_seconds));
            node.tag = tag;
            return;
        }
        let id = self.nodes.len() as u32;
        self.nodes.push(Node { slot, next: head, minute: minute(unix_seconds), tag });
        self.heads.insert(key, id);
    }

    /// Tickets under `key` put there at or after `since` (seconds) by a node whose tag
    /// `accept`s, newest first, at most `cap` nodes read.
    pub(crate) fn walk(&self, key: u64, since: i64, cap: usize, out: &mut Vec<u32>, accept: impl Fn(u32) -> bool) {
        let since = minute(since);
        let mut at = self.heads.get(&key).copied().unwrap_or(NONE);
        let mut read = 0;
        // Chains are in arrival order, so a node a day older than the window ends the walk (a
        // day of slack for messages delivered out of order).
        let stop = since.saturating_sub(24 * 60);
        while at != NONE && read < cap {
            let node = self.nodes[at as usize];
            if node.minute < stop {
                break;
            }
            if node.minute >= since && accept(node.tag) && !out.contains(&node.slot) {
                out.push(node.slot);
            }
            at = node.next;
            read += 1;
        }
    }

    pub(crate) fn bytes(&self) -> usize {
        self.nodes.capacity() * std::mem::size_of::<Node>()
            + self.heads.capacity() * (std::mem::size_of::<(u64, u32)>() + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_newest_first_within_the_window_and_the_cap() {
        let mut p = Postings::default();
        for (slot, t) in [(1, 60), (2, 120), (3, 180), (3, 240)] {
            p.push(7, slot, t, slot);
        }
        let all = |_| true;
        let mut out = Vec::new();
        p.walk(7, 0, 10, &mut out, all);
        assert_eq!(out, [3, 2, 1]);
        out.clear();
        p.walk(7, 120, 10, &mut out, all);
        assert_eq!(out, [3, 2]);
        out.clear();
        p.walk(7, 0, 1, &mut out, all);
        assert_eq!(out, [3]);
        out.clear();
        p.walk(8, 0, 10, &mut out, all);
        assert!(out.is_empty());
        out.clear();
        p.walk(7, 0, 10, &mut out, |tag| tag != 2);
        assert_eq!(out, [3, 1]);
    }
}
