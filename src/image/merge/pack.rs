//! Keeping the merged tree's nodes full. A `BTreeMap` filled in key order (as a layer's tar
//! lists its paths, mostly) splits each full leaf into 6 and 5 of its 11 slots and never fills
//! the left one again, so its nodes end about half empty: with `Entry` in the slots that was
//! ~250 bytes of node per entry, two thirds of an entry's memory. Rebuilding the map from
//! itself in order (`BTreeMap::append`, which fills every node) takes it to ~140 bytes, and
//! frees the old nodes as it goes, so the rebuild never holds both.
//!
//! It only moves entries between nodes: the keys, the entries and their order are the same
//! before and after, so it can never change what the merge decides.

use super::{Entries, Merger};

/// Trees smaller than this are never rebuilt (their nodes are a few MiB at most).
const PACK_FROM: usize = 32 * 1024;

impl Merger {
    /// Rebuilds the tree with full nodes when it has grown by a quarter since it was last
    /// rebuilt (so at most a fifth of it has half-empty nodes, and each entry is moved about
    /// five times in all, whatever the image's size).
    pub(super) fn pack_when_grown(&mut self) {
        let len = self.tree.len();
        if len < PACK_FROM || len < self.packed + self.packed / 4 {
            return;
        }
        self.tree = packed(std::mem::take(&mut self.tree));
        self.packed = len;
    }
}

/// The same map with every node full (but those on its right edge).
pub(super) fn packed(mut tree: Entries) -> Entries {
    let mut out = Entries::new();
    if let Some(entry) = tree.pop_first() {
        // Not empty, so `append` merges (a full rebuild) rather than swapping the sets.
        out.insert(entry);
        out.append(&mut tree);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::{Entry, EntryKind};

    fn entry(path: String, order: u32) -> Entry {
        let mut e = Entry::new(path.into(), EntryKind::File, 0);
        e.size = u64::from(order);
        e.mode = 0o644;
        e.order = order;
        e
    }

    #[test]
    fn packing_keeps_every_entry_under_its_path() {
        for len in [0usize, 1, 2, 11, 12, 40_000] {
            let tree: Entries = (0..len as u32)
                .map(|i| entry(format!("/app/node_modules/p{}/lib/f{i}.js", i / 100), i))
                .collect();
            let before: Vec<(String, u32)> =
                tree.iter().map(|(k, e)| (k.to_string(), e.order)).collect();
            let after = packed(tree);
            assert_eq!(after.len(), len);
            let got: Vec<(String, u32)> = after
                .iter()
                .map(|(k, e)| (k.to_string(), e.order))
                .collect();
            assert_eq!(got, before);
            assert!(after
                .iter()
                .all(|(k, e)| *k == e.path && e.size == u64::from(e.order)));
        }
    }
}
