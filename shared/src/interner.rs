//! Topic names shared instead of allocated per event: one `Arc<str>` per distinct name, up to a
//! bound, so a source inventing names cannot grow the table without limit (past it, names are
//! allocated per use, which costs memory only while those events are kept).

use std::collections::HashMap;
use std::sync::Arc;

#[derive(Debug)]
pub struct Interner {
    names: HashMap<Box<str>, Arc<str>>,
    max: usize,
}

impl Interner {
    pub fn new(max: usize) -> Interner {
        Interner { names: HashMap::new(), max }
    }

    /// The shared copy of `name`.
    pub fn intern(&mut self, name: &str) -> Arc<str> {
        if let Some(t) = self.names.get(name) {
            return t.clone();
        }
        let t: Arc<str> = name.into();
        if self.names.len() < self.max {
            self.names.insert(name.into(), t.clone());
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_up_to_its_bound() {
        let mut i = Interner::new(2);
        let a = i.intern("connect");
        assert!(Arc::ptr_eq(&a, &i.intern("connect")));
        i.intern("disconnect");
        let c = i.intern("custom");
        assert!(!Arc::ptr_eq(&c, &i.intern("custom")), "past the bound names are not kept");
        assert_eq!(&*c, "custom");
    }
}
