//! The visible labels of the functions being parsed or compiled (PUC's `dyd->label`), shared
//! by the parser's checks and the compiler's jump resolution.
//!
//! Labels form a stack: a block's labels are pushed as they are defined and dropped when the
//! block ends; a function's labels start at an index (its `firstlabel`), so a lookup sees only
//! that function's visible labels. Invariant: `by_name[n]` lists, in increasing order, the
//! indices in `items` of the labels named `n`; `push` and `truncate` are the only writers of
//! either, so a lookup takes constant time and many labels load in linear time (PUC scans;
//! its constant factor hides it, ours did not).

#![forbid(unsafe_code)]

use std::collections::HashMap;

/// A label as the stack needs to see it.
pub(crate) trait Named {
    fn name(&self) -> &str;
}

pub(crate) struct LabelStack<L> {
    items: Vec<L>,
    by_name: HashMap<Box<str>, Vec<usize>>,
}

impl<L: Named> LabelStack<L> {
    pub(crate) fn new() -> LabelStack<L> {
        LabelStack {
            items: Vec::new(),
            by_name: HashMap::new(),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }

    pub(crate) fn push(&mut self, l: L) {
        let i = self.items.len();
        match self.by_name.get_mut(l.name()) {
            Some(v) => v.push(i),
            None => {
                self.by_name.insert(l.name().into(), vec![i]);
            }
        }
        self.items.push(l);
    }

    /// Drop the labels from index `n` on (the labels of a block that ends).
    pub(crate) fn truncate(&mut self, n: usize) {
        for l in self.items.drain(n.min(self.items.len())..) {
            if let Some(v) = self.by_name.get_mut(l.name()) {
                v.pop();
                if v.is_empty() {
                    self.by_name.remove(l.name());
                }
            }
        }
    }

    /// The newest label `name` at index `first` or above (a function's visible labels have
    /// distinct names, which the parser checks before pushing one).
    pub(crate) fn find(&self, name: &str, first: usize) -> Option<&L> {
        let &i = self.by_name.get(name)?.last()?;
        (i >= first).then(|| &self.items[i])
    }
}

#[cfg(test)]
mod tests {
    use super::{LabelStack, Named};

    impl Named for (&'static str, u32) {
        fn name(&self) -> &str {
            self.0
        }
    }

    #[test]
    fn find_sees_only_from_first_and_truncate_forgets() {
        let mut s = LabelStack::new();
        s.push(("a", 1));
        s.push(("b", 2));
        s.push(("a", 3));
        assert_eq!(s.find("a", 0), Some(&("a", 3)));
        assert_eq!(s.find("b", 2), None);
        s.truncate(2);
        assert_eq!(s.find("a", 0), Some(&("a", 1)));
        assert_eq!(s.find("a", 1), None);
        s.truncate(0);
        assert_eq!(s.len(), 0);
        assert_eq!(s.find("a", 0), None);
    }
}
