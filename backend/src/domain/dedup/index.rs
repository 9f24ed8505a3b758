//! Inverted indexes from a key (a place, a name token) to the tickets that carry it, newest
//! first, so that a decision reads a few short lists instead of every ticket.
//!
//! Each list is a chain of blocks carved out of one flat vector of 12-byte cells: no per-key
//! allocation, and a walk that stops after a bounded number of postings keeps the worst case
//! bounded however popular a key becomes (the newest postings are the ones a time window wants).
//! A list's first block holds one posting, each next one twice as many up to [`MAX_BLOCK`]:
//! a key seen once (most surnames) costs two cells, and a walk of a popular key reads a few
//! contiguous runs, one cache miss each, instead of one miss per posting.
//! Each posting carries a tag, a summary of the ticket chosen by the index's owner, so that a
//! walk skips tickets that cannot qualify without reading them (reading a ticket is another miss).

use std::collections::HashMap;

use super::text::KeyHasher;

const NONE: u32 = u32::MAX;

/// Cells in the largest block: 31 postings and the link, 384 bytes.
const MAX_BLOCK: u8 = 32;

/// A posting, or a block's link (its last cell): `slot` is then the start of the next, older,
/// block and `minute` that block's size. One type for both keeps a block one contiguous run.
#[derive(Clone, Copy)]
struct Cell {
    slot: u32,
    /// Minutes since the Unix epoch of the message that put the ticket here.
    minute: u32,
    tag: u32,
}

/// A list's newest block: where it starts, its cells (link included), the postings it holds.
#[derive(Clone, Copy)]
struct Head {
    start: u32,
    /// Small, so that a head and its key take 16 bytes in the map, as one `u32` did.
    size: u8,
    len: u8,
}

impl Head {
    /// Postings fill a block from its end toward its start, so that a walk reads newest first
    /// in address order and ends on the link: they are `newest()..link()`.
    fn newest(&self) -> usize {
        self.link() - usize::from(self.len)
    }

    fn link(&self) -> usize {
        self.start as usize + usize::from(self.size) - 1
    }
}

#[derive(Default)]
pub(crate) struct Postings {
    heads: HashMap<u64, Head, KeyHasher>,
    cells: Vec<Cell>,
}

pub(crate) fn minute(unix_seconds: i64) -> u32 {
    (unix_seconds.max(0) / 60).min(i64::from(u32::MAX - 1)) as u32
}

impl Postings {
    /// Puts `slot` at the head of `key`'s list with `tag`.
    pub(crate) fn push(&mut self, key: u64, slot: u32, unix_seconds: i64, tag: u32) {
        let minute = minute(unix_seconds);
        let head = self.heads.get(&key).copied();
        if let Some(h) = head {
            // The same ticket again at the head (a follow-up naming the same street): refresh only.
            let newest = &mut self.cells[h.newest()];
            if newest.slot == slot {
                newest.minute = newest.minute.max(minute);
                newest.tag = tag;
                return;
            }
        }
        let h = match head {
            Some(h) if h.len + 1 < h.size => h,
            // A new block, twice the size of the full one it links to.
            _ => {
                let (size, link) = match head {
                    Some(full) => (
                        (full.size * 2).min(MAX_BLOCK),
                        Cell { slot: full.start, minute: u32::from(full.size), tag: 0 },
                    ),
                    None => (2, Cell { slot: NONE, minute: 0, tag: 0 }),
                };
                let start = self.cells.len() as u32;
                self.cells.resize(self.cells.len() + usize::from(size) - 1, Cell { slot: NONE, minute: 0, tag: 0 });
                self.cells.push(link);
                Head { start, size, len: 0 }
            }
        };
        self.cells[h.newest() - 1] = Cell { slot, minute, tag };
        self.heads.insert(key, Head { len: h.len + 1, ..h });
    }

    /// Tickets under `key` put there at or after `since` (seconds) by a posting whose tag
    /// `accept`s, newest first, at most `cap` postings read.
    pub(crate) fn walk(&self, key: u64, since: i64, cap: usize, out: &mut Vec<u32>, accept: impl Fn(u32) -> bool) {
        self.walk_between(key, since, i64::MAX, cap, out, accept);
    }

    /// [`Postings::walk`], only postings put there at or before `until` (seconds): messages
    /// may arrive out of order, and a burst is around a message, not only before it.
    pub(crate) fn walk_between(
        &self,
        key: u64,
        since: i64,
        until: i64,
        cap: usize,
        out: &mut Vec<u32>,
        accept: impl Fn(u32) -> bool,
    ) {
        let Some(head) = self.heads.get(&key) else { return };
        let until = minute(until);
        let since = minute(since);
        // Lists are in arrival order, so a posting a day older than the window ends the walk (a
        // day of slack for messages delivered out of order).
        let stop = since.saturating_sub(24 * 60);
        let (mut from, mut end) = (head.newest(), head.link());
        let mut left = cap;
        loop {
            for cell in &self.cells[from..end] {
                if left == 0 || cell.minute < stop {
                    return;
                }
                left -= 1;
                if cell.minute >= since && cell.minute <= until && accept(cell.tag) && !out.contains(&cell.slot) {
                    out.push(cell.slot);
                }
            }
            let link = self.cells[end];
            if link.slot == NONE {
                return;
            }
            // Older blocks are full.
            (from, end) = (link.slot as usize, (link.slot + link.minute - 1) as usize);
        }
    }

    pub(crate) fn bytes(&self) -> usize {
        self.cells.capacity() * std::mem::size_of::<Cell>() + super::table_bytes(&self.heads)
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

    #[test]
    fn long_lists_span_blocks_in_order_and_refresh_their_head() {
        let mut p = Postings::default();
        // Two keys interleaved, so that their blocks interleave in the vector.
        for i in 0..200u32 {
            p.push(1, i, i64::from(i) * 60, i);
            p.push(2, 1000 + i, i64::from(i) * 60, 0);
        }
        p.push(1, 199, 300 * 60, 5);
        let mut out = Vec::new();
        p.walk(1, 0, 1000, &mut out, |_| true);
        assert_eq!(out, (0..200).rev().collect::<Vec<_>>());
        out.clear();
        p.walk(1, 0, 70, &mut out, |_| true);
        assert_eq!(out, (130..200).rev().collect::<Vec<_>>());
        out.clear();
        // The refreshed head carries its new tag and minute.
        p.walk(1, 250 * 60, 1000, &mut out, |tag| tag == 5);
        assert_eq!(out, [199]);
        out.clear();
        p.walk(2, 150 * 60, 1000, &mut out, |_| true);
        assert_eq!(out, (1150..1200).rev().collect::<Vec<_>>());
    }
}
