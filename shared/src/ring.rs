//! A bounded FIFO that drops its oldest element when full.

use std::collections::VecDeque;

/// Keeps at most `capacity` items; pushing into a full ring evicts the oldest one.
#[derive(Debug, Clone)]
pub struct Ring<T> {
    items: VecDeque<T>,
    capacity: usize,
    /// Items evicted since the ring was created (or since [`Ring::take_evicted`]).
    evicted: u64,
}

impl<T> Ring<T> {
    pub fn new(capacity: usize) -> Self {
        Ring {
            // Do not pre-allocate huge capacities up front: memory follows use.
            items: VecDeque::with_capacity(capacity.min(1024)),
            capacity,
            evicted: 0,
        }
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Pushes `item`, returning the evicted oldest item if the ring was full.
    /// A ring of capacity 0 keeps nothing and returns `item` itself.
    pub fn push(&mut self, item: T) -> Option<T> {
        if self.capacity == 0 {
            self.evicted += 1;
            return Some(item);
        }
        let out = if self.items.len() >= self.capacity {
            self.evicted += 1;
            self.items.pop_front()
        } else {
            None
        };
        self.items.push_back(item);
        out
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + ExactSizeIterator {
        self.items.iter()
    }

    pub fn iter_mut(&mut self) -> impl DoubleEndedIterator<Item = &mut T> + ExactSizeIterator {
        self.items.iter_mut()
    }

    pub fn get(&self, index: usize) -> Option<&T> {
        self.items.get(index)
    }

    pub fn back(&self) -> Option<&T> {
        self.items.back()
    }

    pub fn clear(&mut self) {
        self.items.clear();
    }

    /// Removes and returns the oldest item (counted as evicted).
    pub fn pop_oldest(&mut self) -> Option<T> {
        let out = self.items.pop_front();
        self.evicted += u64::from(out.is_some());
        out
    }

    /// Removes and returns every item, oldest first.
    pub fn drain(&mut self) -> impl Iterator<Item = T> + '_ {
        self.items.drain(..)
    }

    /// Number of items evicted since the last call, resetting the counter.
    pub fn take_evicted(&mut self) -> u64 {
        std::mem::take(&mut self.evicted)
    }

    pub fn evicted(&self) -> u64 {
        self.evicted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_newest_and_counts_evictions() {
        let mut r = Ring::new(3);
        for i in 0..5 {
            r.push(i);
        }
        assert_eq!(r.iter().copied().collect::<Vec<_>>(), vec![2, 3, 4]);
        assert_eq!(r.take_evicted(), 2);
        assert_eq!(r.take_evicted(), 0);
        assert_eq!(r.back(), Some(&4));
    }

    #[test]
    fn zero_capacity_keeps_nothing() {
        let mut r = Ring::new(0);
        assert_eq!(r.push(1), Some(1));
        assert!(r.is_empty());
        assert_eq!(r.evicted(), 1);
    }

    #[test]
    fn drain_empties_in_order() {
        let mut r = Ring::new(4);
        r.push('a');
        r.push('b');
        assert_eq!(r.drain().collect::<String>(), "ab");
        assert!(r.is_empty());
    }
}
