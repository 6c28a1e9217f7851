//! A bounded FIFO that drops its oldest element when full.

use std::collections::VecDeque;

/// Keeps at most `capacity` items; pushing into a full ring evicts the oldest one.
#[derive(Debug, Clone)]
pub struct Ring<T> {
    items: VecDeque<T>,
    capacity: usize,
}

impl<T> Ring<T> {
    pub fn new(capacity: usize) -> Self {
        Ring {
            // Do not pre-allocate huge capacities up front: memory follows use.
            items: VecDeque::with_capacity(capacity.min(1024)),
            capacity,
        }
    }

    /// Pushes `item`, returning the evicted oldest item if the ring was full.
    /// A ring of capacity 0 keeps nothing and returns `item` itself.
    pub fn push(&mut self, item: T) -> Option<T> {
        if self.capacity == 0 {
            return Some(item);
        }
        let out = if self.items.len() >= self.capacity { self.items.pop_front() } else { None };
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

    /// Keeps only the items `keep` says to, in order.
    pub fn retain(&mut self, keep: impl FnMut(&T) -> bool) {
        self.items.retain(keep);
    }

    pub fn clear(&mut self) {
        self.items.clear();
    }

    /// Removes and returns the oldest item.
    pub fn pop_oldest(&mut self) -> Option<T> {
        self.items.pop_front()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_newest_and_returns_what_it_evicts() {
        let mut r = Ring::new(3);
        let evicted: Vec<i32> = (0..5).filter_map(|i| r.push(i)).collect();
        assert_eq!(evicted, [0, 1]);
        assert_eq!(r.iter().copied().collect::<Vec<_>>(), vec![2, 3, 4]);
        assert_eq!(r.pop_oldest(), Some(2));
        assert_eq!(r.len(), 2);
    }

    #[test]
    fn zero_capacity_keeps_nothing() {
        let mut r = Ring::new(0);
        assert_eq!(r.push(1), Some(1));
        assert!(r.is_empty());
    }
}
