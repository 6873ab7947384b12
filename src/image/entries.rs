//! [`Entries`]: the merged tree's visible entries in path order, each found by its own
//! [`Entry::path`]. A `BTreeMap<ImagePath, Entry>` held a key beside every entry (16 bytes in
//! every slot of every node, and with it the path shared between two owners); a set ordered by
//! the entry's path holds the entry alone. It offers the map's reading methods (`get`,
//! indexing by `&str`, `keys`, `values`, `iter`, `len`) so callers read it as they read the map.
//!
//! Nothing may make it order or find entries other than by their path's text.

use std::borrow::Borrow;
use std::collections::BTreeSet;
use std::ops::Bound;

use super::{Entry, ImagePath};

/// Visible entries by absolute path.
#[derive(Debug, Clone, Default)]
pub struct Entries(BTreeSet<ByPath>);

/// An entry ordered, compared and looked up by its path alone.
#[derive(Debug, Clone)]
struct ByPath(Entry);

impl PartialEq for ByPath {
    fn eq(&self, other: &Self) -> bool {
        self.0.path == other.0.path
    }
}

impl Eq for ByPath {}

impl PartialOrd for ByPath {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ByPath {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.path.as_str().cmp(other.0.path.as_str())
    }
}

impl Borrow<str> for ByPath {
    fn borrow(&self) -> &str {
        self.0.path.as_str()
    }
}

impl Entries {
    pub fn new() -> Self {
        Entries(BTreeSet::new())
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, path: &str) -> Option<&Entry> {
        self.0.get(path).map(|e| &e.0)
    }

    pub fn contains_key(&self, path: &str) -> bool {
        self.0.contains(path)
    }

    /// The entries in path order.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &Entry> + Clone {
        self.0.iter().map(|e| &e.0)
    }

    /// The paths in order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &ImagePath> + Clone {
        self.values().map(|e| &e.path)
    }

    /// Each entry with its path, in path order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&ImagePath, &Entry)> + Clone {
        self.values().map(|e| (&e.path, e))
    }

    /// The entries from `path` on (the first one `path` itself, if present), in path order.
    pub fn from_path<'a>(&'a self, path: &str) -> impl Iterator<Item = &'a Entry> + 'a {
        self.0
            .range::<str, _>((Bound::Included(path), Bound::Unbounded))
            .map(|e| &e.0)
    }

    /// Puts `entry` under its path; returns the entry it replaced.
    pub fn insert(&mut self, entry: Entry) -> Option<Entry> {
        self.0.replace(ByPath(entry)).map(|e| e.0)
    }

    pub fn remove(&mut self, path: &str) -> Option<Entry> {
        self.0.take(path).map(|e| e.0)
    }

    pub(crate) fn pop_first(&mut self) -> Option<Entry> {
        self.0.pop_first().map(|e| e.0)
    }

    /// Moves every entry of `other` into `self` (rebuilding the nodes full, see merge/pack.rs).
    pub(crate) fn append(&mut self, other: &mut Entries) {
        self.0.append(&mut other.0);
    }
}

impl std::ops::Index<&str> for Entries {
    type Output = Entry;

    /// The entry at `path`; panics if there is none (as a map's indexing does: for tests and
    /// paths known present).
    fn index(&self, path: &str) -> &Entry {
        match self.get(path) {
            Some(e) => e,
            None => panic!("no entry at {path}"),
        }
    }
}

impl FromIterator<Entry> for Entries {
    fn from_iter<I: IntoIterator<Item = Entry>>(iter: I) -> Self {
        Entries(iter.into_iter().map(ByPath).collect())
    }
}

impl IntoIterator for Entries {
    type Item = Entry;
    type IntoIter = IntoIter;

    fn into_iter(self) -> IntoIter {
        IntoIter(self.0.into_iter())
    }
}

/// The entries of an [`Entries`], in path order, moved out.
pub struct IntoIter(std::collections::btree_set::IntoIter<ByPath>);

impl Iterator for IntoIter {
    type Item = Entry;

    fn next(&mut self) -> Option<Entry> {
        self.0.next().map(|e| e.0)
    }
}

/// As the map it replaces: an object of path -> entry, in path order.
impl serde::Serialize for Entries {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::EntryKind;

    fn entry(path: &str, size: u64) -> Entry {
        let mut e = Entry::new(path.into(), EntryKind::File, 0);
        e.size = size;
        e
    }

    #[test]
    fn entries_sort_and_are_found_by_their_path_as_text() {
        let mut t: Entries = ["/b", "/a/c", "/a", "/a-b"]
            .iter()
            .map(|p| entry(p, 1))
            .collect();
        let keys: Vec<&str> = t.keys().map(ImagePath::as_str).collect();
        assert_eq!(keys, ["/a", "/a-b", "/a/c", "/b"]);
        assert!(t.contains_key("/a/c") && !t.contains_key("/a/"));
        let old = t.insert(entry("/a-b", 2)).map(|e| e.size);
        assert_eq!((old, t["/a-b"].size, t.len()), (Some(1), 2, 4));
        let from: Vec<&str> = t.from_path("/a-").map(|e| e.path.as_str()).collect();
        assert_eq!(from, ["/a-b", "/a/c", "/b"]);
        assert_eq!(t.remove("/a").map(|e| e.size), Some(1));
        assert_eq!(
            serde_json::to_value(&t)
                .ok()
                .map(|v| v["/b"]["size"].clone()),
            Some(serde_json::json!(1))
        );
    }
}
