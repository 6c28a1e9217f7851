//! One memory budget for every query answer the plugin holds, across all clients: bytes read
//! from the node for a query are reserved as they arrive and released once the answer is
//! written to its client. Per-client limits alone let many clients that ask and never read pin
//! hundreds of MiB; with this, what all of them pin together is bounded, and past the bound
//! queries are refused (and counted) instead.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Bytes of answers the plugin holds at most, in flight from the node or waiting for a client.
pub const ANSWER_BUDGET: usize = 64 * 1024 * 1024;
/// The budget is counted in KiB so its permits fit the semaphore's `u32`.
const UNIT: usize = 1024;

#[derive(Debug, Clone)]
pub struct Budget {
    room: Arc<Semaphore>,
    total: usize,
    refused: Arc<AtomicU64>,
}

impl Default for Budget {
    fn default() -> Self {
        Budget::new(ANSWER_BUDGET)
    }
}

impl Budget {
    pub fn new(bytes: usize) -> Budget {
        let units = bytes.div_ceil(UNIT);
        Budget { room: Arc::new(Semaphore::new(units)), total: units * UNIT, refused: Arc::default() }
    }

    /// An empty reservation to grow as an answer arrives.
    pub fn reserve(&self) -> Reservation {
        Reservation { budget: self.clone(), held: None, units: 0 }
    }

    /// Counts one query refused for want of room; returns the count so far.
    pub fn refused(&self) -> u64 {
        self.refused.fetch_add(1, Ordering::Relaxed) + 1
    }

    pub fn refused_so_far(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }

    pub fn total(&self) -> usize {
        self.total
    }

    /// Bytes free now (for tests and logs).
    pub fn available(&self) -> usize {
        self.room.available_permits() * UNIT
    }
}

/// Room held for one answer; released when dropped.
#[derive(Debug)]
pub struct Reservation {
    budget: Budget,
    held: Option<OwnedSemaphorePermit>,
    units: usize,
}

impl Reservation {
    /// Makes the reservation cover `bytes` in all; false (and nothing more held) when the
    /// budget has no room for it.
    pub fn cover(&mut self, bytes: usize) -> bool {
        let want = bytes.div_ceil(UNIT);
        if want <= self.units {
            return true;
        }
        let Ok(more) = u32::try_from(want - self.units) else { return false };
        match self.budget.room.clone().try_acquire_many_owned(more) {
            Ok(permit) => {
                match &mut self.held {
                    Some(held) => held.merge(permit),
                    None => self.held = Some(permit),
                }
                self.units = want;
                true
            }
            Err(_) => false,
        }
    }

    pub fn budget(&self) -> &Budget {
        &self.budget
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reservations_share_one_bound_and_give_it_back() {
        let b = Budget::new(10 * UNIT);
        let mut r1 = b.reserve();
        assert!(r1.cover(3 * UNIT) && r1.cover(6 * UNIT - 1) && r1.cover(6 * UNIT));
        let mut r2 = b.reserve();
        assert!(!r2.cover(5 * UNIT), "only 4 units left");
        assert!(r2.cover(4 * UNIT));
        assert_eq!(b.available(), 0);
        drop(r1);
        assert_eq!(b.available(), 6 * UNIT);
        assert!(!r2.cover(usize::MAX / 2));
        assert_eq!((b.refused(), b.refused(), b.refused_so_far()), (1, 2, 2));
    }
}
