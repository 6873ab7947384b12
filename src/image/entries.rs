//! [`Entries`]: the merged tree's visible entries in path order, found by path.
//!
//! An image can hold a million entries and the tree keeps every one until the report is
//! written, so this is where an image's memory goes. An [`Entry`] owning its path (one
//! allocation of ~46 bytes plus the allocator's ~16) in a B-tree slot (~64 bytes with the
//! nodes' slack) took ~137 bytes per entry: 146 MiB at a million. Here most entries are kept
//! compact instead:
//!
//! - `sorted`: a vector of 32-byte records in path order, each naming its path by offset and
//!   length in `paths`, one string holding every path's bytes back to back (no allocation per
//!   path); owner ids as an index into a table of the image's (uid, gid) pairs; what few
//!   entries have (link target, captured content) in a side table. ~77 bytes per entry in all.
//! - `recent`: the entries inserted since `sorted` was last rebuilt, owned, in a B-tree: the
//!   merge inserts and removes entries in tar order, anywhere in path order, and a vector
//!   cannot take that one at a time. Once `recent` holds a thirty-second of the tree (and
//!   at least [`RECENT_MIN`]) it is merged into `sorted` in place (each new record's place
//!   found by a galloping search from the last one, the records between moved as blocks).
//! - A removed record stays in `sorted` as a tombstone until the next rebuild; each path is
//!   live in one of the two at most.
//!
//! Entries are handed out as [`EntryRef`]s (the path a `&str` into `paths` or into the
//! entry), and read as an `&Entry` was. It offers the map's reading methods (`get`, `keys`,
//! `values`, `iter`, `len`, `from_path`) with the same results and order as the
//! `BTreeMap<path, Entry>` it replaces, and the same JSON (an object path -> entry).
//!
//! Nothing may make it order or find entries other than by their path's text.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap};
use std::iter::Peekable;
use std::ops::Bound;

use super::entry::{Extra, Parts};
use super::{Entry, EntryKind, EntryRef, ImagePath};

/// Entries in `recent` below which it is never merged into `sorted` (a small tree stays a
/// B-tree of owned entries until [`Entries::seal`]).
const RECENT_MIN: usize = 8 * 1024;

/// `recent` is merged into `sorted` once it holds `sorted.len() / RECENT_SHARE` entries (and
/// at least [`RECENT_MIN`]): its owned entries cost ~130 bytes each against a record's ~77,
/// and each rebuild moves every record once.
const RECENT_SHARE: usize = 32;

/// Visible entries by absolute path.
#[derive(Debug, Clone, Default)]
pub struct Entries {
    /// Entries inserted since the last rebuild, owned, in path order.
    recent: BTreeSet<ByPath>,
    /// The other entries, compact, in path order (tombstones among them).
    sorted: Vec<Rec>,
    /// Tombstones in `sorted`.
    dead: usize,
    /// The paths of `sorted`'s records (and of tombstones, until the tree is dropped).
    paths: String,
    /// The (uid, gid) pairs of `sorted`'s records, and each pair's index.
    owners: Vec<(u64, u64)>,
    owner_index: HashMap<(u64, u64), u16>,
    /// What few records have (link target, captured content; ids a `u16` index cannot
    /// name), by [`Rec::extra`] - 1; freed slots are reused.
    extras: Vec<Extra>,
    free_extras: Vec<u32>,
}

/// One entry of `sorted`: 32 bytes.
#[derive(Debug, Clone, Copy)]
struct Rec {
    size: u64,
    /// Offset of the path in `paths` (bits 24 and up), the kind (bits 21-23) and the path's
    /// length (bits 0-20; [`LONG`]: the length is written before the path, 16 hex digits).
    span: u64,
    /// 1 + the index of its [`Extra`] in `extras`; 0 for none.
    extra: u32,
    /// As [`Entry::order`].
    order: u32,
    /// As [`Entry::layer`]; [`DEAD`] for a tombstone.
    layer: u32,
    /// Index of its (uid, gid) in `owners`; [`WIDE`]: they are in its `Extra`.
    owner: u16,
    mode: u16,
}

const LEN_BITS: u32 = 21;
const LONG: u64 = (1 << LEN_BITS) - 1;
const KIND_SHIFT: u32 = LEN_BITS;
const OFFSET_SHIFT: u32 = 24;
const DEAD: u32 = u32::MAX;
const WIDE: u16 = u16::MAX;

const KINDS: [EntryKind; 5] = [
    EntryKind::File,
    EntryKind::Dir,
    EntryKind::Symlink,
    EntryKind::HardLink,
    EntryKind::Other,
];

impl Rec {
    fn kind(&self) -> EntryKind {
        KINDS[((self.span >> KIND_SHIFT) & 0b111) as usize % KINDS.len()]
    }

    fn is_dead(&self) -> bool {
        self.layer == DEAD
    }
}

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
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ByPath {
    fn cmp(&self, other: &Self) -> Ordering {
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
        Entries::default()
    }

    pub fn len(&self) -> usize {
        self.recent.len() + self.sorted.len() - self.dead
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, path: &str) -> Option<EntryRef<'_>> {
        if let Some(e) = self.recent.get(path) {
            return Some(e.0.view());
        }
        let i = self.find(path).ok()?;
        let rec = &self.sorted[i];
        (!rec.is_dead()).then(|| self.view(rec))
    }

    /// The entry at `path`; panics if there is none (as a map's indexing does: for tests and
    /// paths known present).
    pub fn at(&self, path: &str) -> EntryRef<'_> {
        match self.get(path) {
            Some(e) => e,
            None => panic!("no entry at {path}"),
        }
    }

    pub fn contains_key(&self, path: &str) -> bool {
        self.get(path).is_some()
    }

    /// The entries in path order.
    pub fn values(&self) -> Iter<'_> {
        self.from_path("")
    }

    /// The paths in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> + Clone {
        self.values().map(|e| e.path)
    }

    /// Each entry with its path, in path order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, EntryRef<'_>)> + Clone {
        self.values().map(|e| (e.path, e))
    }

    /// The entries from `path` on (the first one `path` itself, if present), in path order.
    pub fn from_path<'a>(&'a self, path: &str) -> Iter<'a> {
        let start = self.sorted.partition_point(|r| self.path(r) < path);
        Iter {
            store: self,
            recent: self
                .recent
                .range::<str, _>((Bound::Included(path), Bound::Unbounded))
                .peekable(),
            sorted: self.sorted[start..].iter().peekable(),
        }
    }

    /// Puts `entry` under its path; returns the entry it replaced.
    pub fn insert(&mut self, entry: Entry) -> Option<Entry> {
        // A path is live in one of the two at most: the old entry is in one or neither.
        let old = self.take_sorted(&entry.path);
        let replaced = self.recent.replace(ByPath(entry)).map(|e| e.0);
        if self.recent.len() >= RECENT_MIN.max(self.sorted.len() / RECENT_SHARE) {
            self.rebuild();
        }
        old.or(replaced)
    }

    pub fn remove(&mut self, path: &str) -> Option<Entry> {
        match self.recent.take(path) {
            Some(e) => Some(e.0),
            None => self.take_sorted(path),
        }
    }

    /// Moves every entry into the compact store (what a finished tree does: nothing is
    /// inserted any more, and `recent`'s owned entries cost more).
    pub(crate) fn seal(&mut self) {
        if !self.recent.is_empty() || self.dead > 0 {
            self.rebuild();
        }
        self.sorted.shrink_to_fit();
        self.paths.shrink_to_fit();
    }

    /// Where `path` is in `sorted` (Err: where it would go).
    fn find(&self, path: &str) -> Result<usize, usize> {
        self.sorted.binary_search_by(|r| self.path(r).cmp(path))
    }

    /// The record at `path` in `sorted`, made a tombstone and returned as an entry.
    fn take_sorted(&mut self, path: &str) -> Option<Entry> {
        let i = self.find(path).ok()?;
        if self.sorted[i].is_dead() {
            return None;
        }
        let rec = self.sorted[i];
        self.sorted[i].layer = DEAD;
        self.sorted[i].extra = 0;
        self.dead += 1;
        let extra = self.take_extra(rec.extra);
        let (uid, gid) = self.owner(&rec, extra.as_ref());
        let parts = Parts {
            kind: rec.kind(),
            size: rec.size,
            mode: rec.mode,
            layer: rec.layer as usize,
            order: rec.order,
            uid,
            gid,
            extra,
        };
        let entry = Entry::from_parts(ImagePath::from(self.path(&rec)), parts);
        if self.dead > self.sorted.len() / 4 + RECENT_MIN {
            self.rebuild();
        }
        Some(entry)
    }

    fn path(&self, rec: &Rec) -> &str {
        let offset = (rec.span >> OFFSET_SHIFT) as usize;
        let len = rec.span & LONG;
        if len != LONG {
            return self.paths.get(offset..offset + len as usize).unwrap_or("");
        }
        let long = self.paths.get(offset..offset + 16).unwrap_or("");
        let len = usize::from_str_radix(long, 16).unwrap_or(0);
        self.paths.get(offset + 16..offset + 16 + len).unwrap_or("")
    }

    fn owner(&self, rec: &Rec, extra: Option<&Extra>) -> (u64, u64) {
        match self.owners.get(usize::from(rec.owner)) {
            Some(&ids) if rec.owner != WIDE => ids,
            _ => extra.and_then(|x| x.wide_ids).unwrap_or((0, 0)),
        }
    }

    fn view<'a>(&'a self, rec: &Rec) -> EntryRef<'a> {
        let extra = match rec.extra {
            0 => None,
            i => self.extras.get(i as usize - 1),
        };
        EntryRef::new(
            self.path(rec),
            rec.kind(),
            (rec.size, rec.mode, rec.layer as usize),
            self.owner(rec, extra),
            extra,
        )
    }

    fn take_extra(&mut self, index: u32) -> Option<Extra> {
        let i = index.checked_sub(1)?;
        let extra = std::mem::take(self.extras.get_mut(i as usize)?);
        self.free_extras.push(i);
        Some(extra)
    }

    /// The record of `entry`, its path appended to `paths`.
    fn record(&mut self, entry: Entry) -> Rec {
        let (path, parts) = entry.into_parts();
        let offset = self.paths.len() as u64;
        let len = path.len() as u64;
        let len = if len < LONG {
            len
        } else {
            self.paths.push_str(&format!("{len:016x}"));
            LONG
        };
        self.paths.push_str(&path);
        drop(path);
        let kind = KINDS.iter().position(|k| *k == parts.kind).unwrap_or(4) as u64;
        let owner = self.owner_id(parts.uid, parts.gid);
        let mut extra = parts.extra;
        if owner == WIDE {
            extra.get_or_insert_with(Extra::default).wide_ids = Some((parts.uid, parts.gid));
        }
        let extra = match extra {
            None => 0,
            Some(x) => match self.free_extras.pop() {
                Some(i) => {
                    self.extras[i as usize] = x;
                    i + 1
                }
                None => {
                    self.extras.push(x);
                    self.extras.len() as u32
                }
            },
        };
        Rec {
            size: parts.size,
            span: offset << OFFSET_SHIFT | kind << KIND_SHIFT | len,
            extra,
            order: parts.order,
            // A layer index is below the manifest's count of layers, far below 2^32 - 1.
            layer: u32::try_from(parts.layer).unwrap_or(DEAD - 1).min(DEAD - 1),
            owner,
            mode: parts.mode,
        }
    }

    fn owner_id(&mut self, uid: u64, gid: u64) -> u16 {
        if let Some(&id) = self.owner_index.get(&(uid, gid)) {
            return id;
        }
        if self.owners.len() >= usize::from(WIDE) {
            return WIDE;
        }
        let id = self.owners.len() as u16;
        self.owners.push((uid, gid));
        self.owner_index.insert((uid, gid), id);
        id
    }

    /// Merges `recent` into `sorted`, in place, and drops the tombstones.
    fn rebuild(&mut self) {
        if self.dead > 0 {
            self.sorted.retain(|r| !r.is_dead());
            self.dead = 0;
        }
        let recent = std::mem::take(&mut self.recent);
        let n = self.sorted.len();
        // Where each new record goes among the old ones (ascending), and the records.
        let mut at: Vec<usize> = Vec::with_capacity(recent.len());
        let mut records: Vec<Rec> = Vec::with_capacity(recent.len());
        let mut from = 0;
        for entry in recent {
            from = self.gallop(from, &entry.0.path);
            at.push(from);
            let rec = self.record(entry.0);
            records.push(rec);
        }
        let d = records.len();
        self.sorted.resize(n + d, Rec::HOLE);
        // From the end: the old records after the k-th new one's place move up by k + 1.
        let mut end = n;
        for (k, (&place, &rec)) in at.iter().zip(&records).enumerate().rev() {
            self.sorted.copy_within(place..end, place + k + 1);
            self.sorted[place + k] = rec;
            end = place;
        }
    }

    /// The first index at or after `from` whose path is not below `path` (`sorted` is in path
    /// order and `path` is not in it): exponential steps, then a binary search.
    fn gallop(&self, from: usize, path: &str) -> usize {
        let below = |i: usize| self.path(&self.sorted[i]) < path;
        let n = self.sorted.len();
        let (mut lo, mut step) = (from, 1);
        while lo + step <= n && below(lo + step - 1) {
            lo += step;
            step *= 2;
        }
        let hi = (lo + step).min(n);
        lo + self.sorted[lo..hi].partition_point(|r| self.path(r) < path)
    }
}

impl Rec {
    const HOLE: Rec = Rec {
        size: 0,
        span: 0,
        extra: 0,
        order: 0,
        layer: DEAD,
        owner: 0,
        mode: 0,
    };
}

/// The entries of an [`Entries`] from some path on, in path order.
#[derive(Clone)]
pub struct Iter<'a> {
    store: &'a Entries,
    recent: Peekable<std::collections::btree_set::Range<'a, ByPath>>,
    sorted: Peekable<std::slice::Iter<'a, Rec>>,
}

impl<'a> Iterator for Iter<'a> {
    type Item = EntryRef<'a>;

    fn next(&mut self) -> Option<EntryRef<'a>> {
        while self.sorted.next_if(|r| r.is_dead()).is_some() {}
        let store = self.store;
        let take_recent = match (self.recent.peek(), self.sorted.peek()) {
            (None, None) => return None,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (Some(e), Some(r)) => e.0.path.as_str() < store.path(r),
        };
        if take_recent {
            self.recent.next().map(|e| e.0.view())
        } else {
            self.sorted.next().map(|r| store.view(r))
        }
    }
}

impl FromIterator<Entry> for Entries {
    fn from_iter<I: IntoIterator<Item = Entry>>(iter: I) -> Self {
        let mut entries = Entries::new();
        for e in iter {
            entries.insert(e);
        }
        entries
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
    use std::sync::Arc;

    use super::*;

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
        let keys: Vec<&str> = t.keys().collect();
        assert_eq!(keys, ["/a", "/a-b", "/a/c", "/b"]);
        assert!(t.contains_key("/a/c") && !t.contains_key("/a/"));
        let old = t.insert(entry("/a-b", 2)).map(|e| e.size);
        assert_eq!(
            (old, t.get("/a-b").map(|e| e.size), t.len()),
            (Some(1), Some(2), 4)
        );
        let from: Vec<&str> = t.from_path("/a-").map(|e| e.path).collect();
        assert_eq!(from, ["/a-b", "/a/c", "/b"]);
        assert_eq!(t.remove("/a").map(|e| e.size), Some(1));
        assert_eq!(
            serde_json::to_value(&t)
                .ok()
                .map(|v| v["/b"]["size"].clone()),
            Some(serde_json::json!(1))
        );
    }

    /// xorshift64: the same "random" operations on every run.
    fn next(state: &mut u64) -> u64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state
    }

    /// An entry whose every field depends on `n` (and a long path now and then).
    fn varied(path: String, n: u64) -> Entry {
        let kind = KINDS[(n % 5) as usize];
        let mut e = Entry::new(path.into(), kind, (n % 7) as usize);
        e.size = n;
        e.mode = (n % 0o7777) as u16;
        e.order = (n % 1000) as u32;
        e.set_owner(n % 3, if n.is_multiple_of(11) { 1 << 40 } else { n % 5 });
        if n.is_multiple_of(4) {
            e.set_link_target(Some(format!("/t{n}").into()));
        }
        if n.is_multiple_of(6) {
            e.set_content(
                Some(Arc::from(format!("c{n}").as_bytes())),
                n.is_multiple_of(12),
            );
        }
        e
    }

    fn json(e: EntryRef) -> String {
        serde_json::to_string(&e).unwrap_or_default()
    }

    /// Whatever is inserted and removed, in whatever order and however many times the
    /// compact store is rebuilt, it holds what a `BTreeMap` of owned entries holds: the same
    /// entries, every field, in the same order, found by the same paths.
    #[test]
    fn it_holds_what_a_map_of_entries_holds() {
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut map: std::collections::BTreeMap<String, Entry> = Default::default();
        let mut t = Entries::new();
        let long = "x".repeat(LONG as usize + 3);
        for step in 0..40_000u64 {
            let r = next(&mut state);
            let path = match r % 97 {
                0 => format!("/long/{long}/{}", r % 5),
                _ => format!("/p{}/d{}/f{}", r % 13, (r >> 8) % 50, (r >> 16) % 300),
            };
            if r.is_multiple_of(5) {
                let a = map.remove(&path).map(|e| json(e.view()));
                let b = t.remove(&path).map(|e| json(e.view()));
                assert_eq!(a, b, "{path}");
            } else {
                let e = varied(path.clone(), step);
                let a = map.insert(path.clone(), e.clone()).map(|e| json(e.view()));
                let b = t.insert(e).map(|e| json(e.view()));
                assert_eq!(a, b, "{path}");
            }
            if step % 3_001 == 0 {
                assert_eq!(
                    t.get(&path).map(json),
                    map.get(&path).map(|e| json(e.view()))
                );
                let probe = format!("/p{}", r % 13);
                let a: Vec<String> = map
                    .range(probe.clone()..)
                    .map(|(_, e)| json(e.view()))
                    .collect();
                let b: Vec<String> = t.from_path(&probe).map(json).collect();
                assert_eq!(a, b);
            }
        }
        assert!(t.sorted.len() > RECENT_MIN && t.dead > 0 && !t.recent.is_empty());
        let all = |t: &Entries| -> Vec<String> { t.values().map(json).collect() };
        let expected: Vec<String> = map.values().map(|e| json(e.view())).collect();
        assert_eq!(all(&t), expected);
        assert_eq!(t.len(), map.len());
        t.seal();
        assert!(t.recent.is_empty() && t.dead == 0);
        assert_eq!(all(&t), expected);
        for (path, e) in &map {
            assert_eq!(t.remove(path).map(|e| e.order), Some(e.order));
        }
        assert!(t.is_empty() && t.values().next().is_none());
    }

    #[test]
    fn a_record_is_32_bytes() {
        assert_eq!(std::mem::size_of::<Rec>(), 32);
    }
}
