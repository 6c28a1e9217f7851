//! Which of a subsystem's changes have been counted, by the node's own numbering: a change is
//! `(lane, index)` (a forward resolved at `updated_index` 7 is `(Updated, 7)`). Live events and
//! catch-up rounds bring the same changes in any interleaving (a round cut off by a plugin
//! restart and run again, a replay, a gap), and rows leave the views long before; counting
//! through the ledger counts each change once.
//!
//! Compact: below a watermark per lane everything is settled (counted, or from before this
//! session); above it, the indexes counted so far. A round that completes a lane moves the
//! watermark to where it ended and drops what is below.

use std::collections::BTreeSet;

/// Core Lightning's two indexes of a subsystem: `created` (new things) and `updated` (status
/// changes). Catch-up pages by them; the ledger counts by them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Index {
    Created,
    Updated,
}

impl Index {
    pub fn name(self) -> &'static str {
        match self {
            Index::Created => "created",
            Index::Updated => "updated",
        }
    }
}

#[derive(Debug, Default, Clone)]
pub struct Ledger {
    lanes: [Lane; 2],
}

#[derive(Debug, Default, Clone)]
struct Lane {
    through: u64,
    above: BTreeSet<u64>,
}

fn slot(i: Index) -> usize {
    match i {
        Index::Created => 0,
        Index::Updated => 1,
    }
}

impl Ledger {
    /// Records `(lane, index)` as counted; false if it was already (count nothing then).
    pub fn count(&mut self, lane: Index, index: u64) -> bool {
        let l = &mut self.lanes[slot(lane)];
        index > l.through && l.above.insert(index)
    }

    /// Everything in `lane` up to `through` has been taken in (a round paged to there).
    pub fn settle(&mut self, lane: Index, through: u64) {
        let l = &mut self.lanes[slot(lane)];
        if through > l.through {
            l.through = through;
            l.above = l.above.split_off(&(through + 1));
        }
    }

    /// Indexes held above the watermarks (for tests and memory checks).
    pub fn held(&self) -> usize {
        self.lanes.iter().map(|l| l.above.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_change_counts_once_whatever_the_order() {
        let mut l = Ledger::default();
        assert!(l.count(Index::Updated, 5));
        assert!(!l.count(Index::Updated, 5));
        assert!(l.count(Index::Created, 5), "lanes are apart");
        assert!(l.count(Index::Updated, 3));
        l.settle(Index::Updated, 4);
        assert_eq!(l.held(), 2, "3 went under the watermark; 5 stays above it");
        assert!(!l.count(Index::Updated, 1) && !l.count(Index::Updated, 4) && !l.count(Index::Updated, 5));
        assert!(l.count(Index::Updated, 6));
        l.settle(Index::Updated, 2);
        assert!(!l.count(Index::Updated, 6), "a watermark never goes back");
    }
}
