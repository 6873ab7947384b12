//! Applying layers in order to get the filesystem a container sees, following the OCI
//! image-spec's changeset rules (<https://github.com/opencontainers/image-spec/blob/main/layer.md>):
//!
//! - a whiteout `.wh.<name>` removes `<name>` and everything under it from the layers *below*;
//! - an opaque marker `.wh..wh..opq` removes the directory's children from the layers below,
//!   never its siblings in the same layer;
//! - an entry replaces the path it names; a directory over a directory only updates metadata
//!   (children stay), anything else over a directory replaces the whole subtree;
//! - within one layer the last entry for a path wins.
//!
//! Because whiteouts apply to lower layers only, a layer's whiteouts are applied before its
//! entries, whatever their order in the tar. Everything removed or replaced is kept in
//! [`MergedTree::hidden`] with the layer that shipped it: it is still in the image's bytes.
//!
//! A runtime writes an entry through a symlinked parent (`y -> /etc`, then `y/passwd`) where the
//! link points, and runtimes disagree on where that is when the link is in a lower layer (docker's
//! overlay2 extracts each layer into its own directory, containerd into the merged mount). Such a
//! layer, and a hard link to itself, to a missing path or to a directory, is refused as
//! ambiguous: the tree is only ever the one every runtime builds.

use std::collections::{HashMap, HashSet};

use super::layer::Item;
use super::{Capture, Entries, Entry, EntryKind, Hidden, ImagePath, MergedTree, ShippedEntry};

mod stream;

/// Merges the layers' items, lowest layer first, fed one item at a time as a layer being read
/// feeds them. Errors name the layer (1-based) and the entry.
#[cfg(test)]
pub(crate) fn merge(layers: Vec<Vec<Item>>, capture: &Capture) -> Result<MergedTree, String> {
    let count = layers.len();
    let mut merger = Merger::new(count);
    for items in layers {
        for item in items {
            merger.feed(vec![item], capture);
        }
        merger.end_layer(capture)?;
    }
    Ok(merger.finish())
}

/// The tree so far, built one layer at a time, lowest first, so a caller can merge layer `i`
/// as soon as layers `0..=i` are read while later ones are still being read.
pub(crate) struct Merger {
    tree: Entries,
    hidden: Vec<ShippedEntry>,
    /// Hashes of every path that was ever a symlink (see [`prefixes`]): most images have a
    /// handful, so most entries need no lookup at all.
    symlinks: HashSet<u64>,
    /// Layers merged so far, and how many the image has (for error messages).
    merged: usize,
    count: usize,
    /// `dir/` for [`Merger::remove_children`], reused: one allocation per merge, not one per entry.
    prefix: String,
    /// How the layer being fed is merged (see [`stream`]).
    mode: stream::Mode,
}

impl Merger {
    /// A merger for an image of `count` layers.
    pub fn new(count: usize) -> Self {
        Merger {
            tree: Entries::new(),
            hidden: Vec::new(),
            symlinks: HashSet::new(),
            merged: 0,
            count,
            prefix: String::new(),
            mode: stream::Mode::default(),
        }
    }

    /// Applies the next layer's items over the tree in one batch, never streamed: what
    /// streaming must give.
    #[cfg(test)]
    pub fn push_batch(&mut self, items: Vec<Item>, capture: &Capture) -> Result<(), String> {
        self.mode = stream::Mode::Batch(items);
        self.end_layer(capture)
    }

    /// Ends the layer being fed (see [`Merger::feed`]). Errors name the layer (1-based) and the
    /// entry; after one, the tree is incomplete and must not be used.
    pub fn end_layer(&mut self, capture: &Capture) -> Result<(), String> {
        let layer = self.merged;
        self.merged += 1;
        match std::mem::take(&mut self.mode) {
            stream::Mode::Streaming { .. } => Ok(()),
            stream::Mode::Failed(message) => Err(message),
            stream::Mode::Batch(items) => self.layer(layer, items, capture),
        }
        .map_err(|m| format!("layer {} of {}: {m}", layer + 1, self.count))
    }

    /// The merged tree, hidden entries in the order their layers shipped them.
    pub fn finish(self) -> MergedTree {
        let Merger {
            mut tree,
            mut hidden,
            ..
        } = self;
        tree.seal();
        hidden.sort_by_key(|h| h.entry.layer);
        MergedTree {
            entries: tree,
            hidden,
        }
    }
}

impl Merger {
    fn layer(&mut self, layer: usize, items: Vec<Item>, capture: &Capture) -> Result<(), String> {
        let mut entries = Vec::with_capacity(items.len());
        // Whiteouts by path hash, with how many entries came before them.
        let mut whiteouts: HashMap<u64, Vec<(String, usize)>> = HashMap::new();
        for item in items {
            match item {
                Item::Entry(entry) => entries.push(entry),
                Item::Whiteout(path) => {
                    self.apply_marker(&Item::Whiteout(path.clone()), layer)?;
                    let hash = prefixes(&path, |_, _| false).1;
                    whiteouts
                        .entry(hash)
                        .or_default()
                        .push((path, entries.len()));
                }
                marker => self.apply_marker(&marker, layer)?,
            }
        }
        if !whiteouts.is_empty() {
            whiteout_after_entry(&entries, &whiteouts)?;
        }
        let overwritten = Hidden::Overwritten { by_layer: layer };
        for entry in entries {
            self.entry(entry, overwritten, capture)?;
        }
        Ok(())
    }

    /// Applies a whiteout or an opaque marker of `layer` to the tree of the layers below it.
    fn apply_marker(&mut self, item: &Item, layer: usize) -> Result<(), String> {
        let deleted = Hidden::Deleted { by_layer: layer };
        match item {
            Item::Whiteout(path) => {
                self.through_symlink(path)
                    .map_err(|m| format!("whiteout `{path}`: {m}"))?;
                if let Some(entry) = self.tree.remove(path.as_str()) {
                    self.hidden.push(ShippedEntry {
                        entry,
                        hidden: deleted,
                    });
                }
                self.remove_children(path, deleted);
            }
            Item::Opaque(dir) => {
                self.through_symlink(&format!("{dir}/x"))
                    .map_err(|m| format!("opaque marker in `{dir}`: {m}"))?;
                self.remove_children(dir, deleted)
            }
            Item::Entry(_) => {}
        }
        Ok(())
    }

    fn entry(
        &mut self,
        entry: Entry,
        overwritten: Hidden,
        capture: &Capture,
    ) -> Result<(), String> {
        self.check_entry(&entry)?;
        self.apply_entry(entry, overwritten, capture);
        Ok(())
    }

    /// Err when `entry` cannot go over the tree as it is: written through a symlink, or a
    /// hard link no runtime extracts. The message names the entry.
    fn check_entry(&self, entry: &Entry) -> Result<(), String> {
        let named = |m: String| format!("entry `{}`: {m}", entry.path);
        self.through_symlink(&entry.path).map_err(named)?;
        if entry.kind == EntryKind::HardLink {
            self.check_hard_link(entry).map_err(named)?;
        }
        Ok(())
    }

    /// Puts a checked entry in the tree. Returns the directory it re-stated (a directory over a
    /// directory: not hidden, dropped), which only undoing a streamed layer needs.
    fn apply_entry(
        &mut self,
        mut entry: Entry,
        overwritten: Hidden,
        capture: &Capture,
    ) -> Option<Entry> {
        // Anything but a directory replaces the whole subtree (also children whose directory
        // was never listed itself).
        if entry.kind != EntryKind::Dir {
            self.remove_children(&entry.path, overwritten);
        }
        // A hard link shares its target's content: give it the captured bytes too.
        if entry.kind == EntryKind::HardLink && entry.content().is_none() {
            if let Some(target) = entry.link_target().and_then(|t| self.tree.get(t)) {
                if target.content().is_some() && capture.wanted(&entry.path) {
                    let content = target.shared_content().cloned();
                    entry.set_content(content, target.truncated());
                }
            }
        }
        if entry.kind == EntryKind::Symlink {
            self.symlinks.insert(prefixes(&entry.path, |_, _| false).1);
        }
        let dir = entry.kind == EntryKind::Dir;
        // One descent of the tree: the entry takes the place of what was there.
        let old = self.tree.insert(entry)?;
        // Re-stating a directory (every layer that touches /app/x lists /app) does not hide it
        // or its children.
        if old.kind == EntryKind::Dir && dir {
            return Some(old);
        }
        self.hidden.push(ShippedEntry {
            entry: old,
            hidden: overwritten,
        });
        None
    }

    /// Err when a proper ancestor of `path` is a symlink in the tree so far.
    fn through_symlink(&self, path: &str) -> Result<(), String> {
        if self.symlinks.is_empty() {
            return Ok(());
        }
        let mut found = None;
        prefixes(path, |end, hash| {
            if !self.symlinks.contains(&hash) {
                return false;
            }
            let ancestor = &path[..end];
            match self.tree.get(ancestor) {
                Some(link) if link.kind == EntryKind::Symlink => {
                    found = Some((ancestor, link.link_target().unwrap_or("")));
                    true
                }
                _ => false,
            }
        });
        match found {
            Some((ancestor, target)) => Err(format!(
                "it is written through `{ancestor}`, a symlink (to `{target}`); runtimes write it where the link points or beside it depending on how they extract layers, so isogen refuses the image as ambiguous"
            )),
            None => Ok(()),
        }
    }

    /// Err when a hard link names itself, nothing, or a directory: extraction fails on it.
    fn check_hard_link(&self, entry: &Entry) -> Result<(), String> {
        let target = entry.link_target().unwrap_or("");
        if target == entry.path {
            return Err("a hard link to itself; no runtime extracts it".into());
        }
        self.through_symlink(target)?;
        match self.tree.get(target) {
            None => Err(format!(
                "a hard link to `{target}`, which no earlier entry or lower layer holds; no runtime extracts it"
            )),
            Some(t) if t.kind == EntryKind::Dir => Err(format!(
                "a hard link to the directory `{target}`; no runtime extracts it"
            )),
            Some(_) => Ok(()),
        }
    }
}

/// Err when a whiteout follows an entry of its own layer at or under its path: containerd
/// deletes that entry (it removes whatever is there), the OCI rules keep it (whiteouts apply to
/// lower layers only).
fn whiteout_after_entry(
    entries: &[Entry],
    whiteouts: &HashMap<u64, Vec<(String, usize)>>,
) -> Result<(), String> {
    for (i, entry) in entries.iter().enumerate() {
        let path = entry.path.as_str();
        let mut hit = None;
        let mut check = |end: usize, hash: u64| {
            let found = whiteouts.get(&hash).and_then(|ws| {
                ws.iter()
                    .find(|(w, before)| *before > i && w.as_str() == &path[..end])
            });
            if let Some((w, _)) = found {
                hit = Some(w.clone());
            }
            hit.is_some()
        };
        let (stopped, full) = prefixes(path, &mut check);
        if !stopped {
            check(path.len(), full);
        }
        if let Some(w) = hit {
            return Err(format!(
                "whiteout `{w}` follows this layer's own entry `{path}`; containerd deletes that entry, the OCI rules keep it, so isogen refuses the image as ambiguous"
            ));
        }
    }
    Ok(())
}

/// Walks `path` once (FNV-1a), calling `f(end, hash)` for each proper ancestor `path[..end]`
/// (not the root) until it returns true. Returns whether it stopped, and the whole path's hash.
fn prefixes(path: &str, mut f: impl FnMut(usize, u64) -> bool) -> (bool, u64) {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, b) in path.bytes().enumerate() {
        if b == b'/' && i > 0 && f(i, hash) {
            return (true, hash);
        }
        hash = (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    (false, hash)
}

impl Merger {
    /// Removes everything strictly under `dir` (called for every entry that is not a
    /// directory: the prefix is built in a reused buffer).
    fn remove_children(&mut self, dir: &str, why: Hidden) {
        self.prefix.clear();
        self.prefix.push_str(dir);
        if dir != "/" {
            self.prefix.push('/');
        }
        let prefix = self.prefix.as_str();
        let keys: Vec<ImagePath> = self
            .tree
            .from_path(prefix)
            .take_while(|e| e.path.starts_with(prefix))
            .map(|e| ImagePath::from(e.path))
            .collect();
        for key in keys {
            if let Some(entry) = self.tree.remove(key.as_str()) {
                self.hidden.push(ShippedEntry { entry, hidden: why });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str, kind: EntryKind, layer: usize) -> Item {
        let mut e = Entry::new(path.into(), kind, layer);
        e.mode = 0o644;
        Item::Entry(e)
    }

    fn file(path: &str, layer: usize) -> Item {
        entry(path, EntryKind::File, layer)
    }

    fn dir(path: &str, layer: usize) -> Item {
        entry(path, EntryKind::Dir, layer)
    }

    fn nothing() -> Capture {
        Capture {
            wants: Box::new(|_| false),
            max_bytes: 0,
            sources: None,
        }
    }

    fn paths(tree: &MergedTree) -> Vec<&str> {
        tree.entries.keys().collect()
    }

    fn hidden(tree: &MergedTree) -> Vec<(&str, usize, Hidden)> {
        tree.hidden
            .iter()
            .map(|h| (h.entry.path.as_str(), h.entry.layer, h.hidden))
            .collect()
    }

    #[test]
    fn whiteout_deletes_a_subtree_and_keeps_it_as_shipped() {
        let tree = merge(
            vec![
                vec![
                    dir("/a", 0),
                    file("/a/x", 0),
                    dir("/a/sub", 0),
                    file("/a/sub/y", 0),
                    file("/ab", 0),
                ],
                vec![Item::Whiteout("/a/sub".into())],
            ],
            &nothing(),
        )
        .unwrap();
        assert_eq!(paths(&tree), ["/a", "/a/x", "/ab"]);
        let deleted = Hidden::Deleted { by_layer: 1 };
        assert_eq!(
            hidden(&tree),
            [("/a/sub", 0, deleted), ("/a/sub/y", 0, deleted)]
        );
    }

    #[test]
    fn opaque_hides_lower_children_but_not_same_layer_siblings() {
        let tree = merge(
            vec![
                vec![dir("/d", 0), file("/d/old", 0)],
                // The marker may come after the new content in the tar: order does not matter.
                vec![dir("/d", 1), file("/d/new", 1), Item::Opaque("/d".into())],
            ],
            &nothing(),
        )
        .unwrap();
        assert_eq!(paths(&tree), ["/d", "/d/new"]);
        assert_eq!(
            hidden(&tree),
            [("/d/old", 0, Hidden::Deleted { by_layer: 1 })]
        );
    }

    #[test]
    fn whiteout_and_recreate_in_one_layer() {
        let tree = merge(
            vec![
                vec![file("/f", 0)],
                vec![Item::Whiteout("/f".into()), file("/f", 1)],
            ],
            &nothing(),
        )
        .unwrap();
        assert_eq!(tree.entries.get("/f").map(|e| e.layer), Some(1));
        assert_eq!(hidden(&tree), [("/f", 0, Hidden::Deleted { by_layer: 1 })]);
        // The other order: containerd deletes the new file, the OCI rules keep it.
        let err = merge(
            vec![
                vec![file("/f", 0)],
                vec![file("/d/f", 1), Item::Whiteout("/d".into())],
            ],
            &nothing(),
        )
        .unwrap_err();
        assert!(err.contains("ambiguous"), "{err}");
    }

    #[test]
    fn overwrites_and_duplicates() {
        let tree = merge(
            vec![
                vec![file("/f", 0), dir("/d", 0), file("/d/x", 0)],
                vec![file("/f", 1), file("/f", 1), file("/d", 1)],
            ],
            &nothing(),
        )
        .unwrap();
        assert_eq!(paths(&tree), ["/d", "/f"]);
        assert_eq!(
            tree.entries.get("/d").map(|e| e.kind),
            Some(EntryKind::File)
        );
        let over = Hidden::Overwritten { by_layer: 1 };
        assert_eq!(
            hidden(&tree),
            [
                ("/f", 0, over),
                ("/d/x", 0, over),
                ("/d", 0, over),
                ("/f", 1, over)
            ]
        );
    }

    #[test]
    fn restating_a_directory_keeps_its_children() {
        let tree = merge(
            vec![
                vec![dir("/d", 0), file("/d/x", 0)],
                vec![dir("/d", 1), file("/d/y", 1)],
            ],
            &nothing(),
        )
        .unwrap();
        assert_eq!(paths(&tree), ["/d", "/d/x", "/d/y"]);
        assert!(tree.hidden.is_empty());
        assert_eq!(tree.entries.get("/d").map(|e| e.layer), Some(1));
    }

    #[test]
    fn root_opaque_clears_everything_below() {
        let tree = merge(
            vec![
                vec![file("/a", 0), file("/b/c", 0)],
                vec![Item::Opaque("/".into()), file("/z", 1)],
            ],
            &nothing(),
        )
        .unwrap();
        assert_eq!(paths(&tree), ["/z"]);
        assert_eq!(tree.hidden.len(), 2);
    }

    fn link(path: &str, kind: EntryKind, target: &str, layer: usize) -> Item {
        let Item::Entry(mut e) = entry(path, kind, layer) else {
            unreachable!()
        };
        e.set_link_target(Some(target.into()));
        Item::Entry(e)
    }

    #[test]
    fn entries_through_a_symlinked_parent_are_refused_in_the_same_or_a_later_layer() {
        let same = vec![vec![
            dir("/etc", 0),
            link("/y", EntryKind::Symlink, "/etc", 0),
            file("/y/passwd", 0),
        ]];
        let err = merge(same, &nothing()).unwrap_err();
        assert!(
            err.contains("layer 1 of 1") && err.contains("`/y`"),
            "{err}"
        );
        let later = vec![
            vec![link("/y", EntryKind::Symlink, "/etc", 0)],
            vec![file("/y/passwd", 1)],
        ];
        let err = merge(later, &nothing()).unwrap_err();
        assert!(
            err.contains("layer 2 of 2") && err.contains("/y/passwd"),
            "{err}"
        );
        // A directory that replaces the link first makes the path plain again.
        let replaced = vec![
            vec![link("/y", EntryKind::Symlink, "/etc", 0)],
            vec![dir("/y", 1), file("/y/passwd", 1)],
        ];
        assert!(merge(replaced, &nothing()).is_ok());
    }

    #[test]
    fn hard_links_to_themselves_to_nothing_or_to_directories_are_refused() {
        for (layers, needle) in [
            (
                vec![vec![link("/a", EntryKind::HardLink, "/a", 0)]],
                "itself",
            ),
            (vec![vec![link("/a", EntryKind::HardLink, "/b", 0)]], "`/b`"),
            (
                vec![vec![
                    link("/a", EntryKind::HardLink, "/b", 0),
                    file("/b", 0),
                ]],
                "`/b`",
            ),
            (
                vec![vec![dir("/d", 0), link("/a", EntryKind::HardLink, "/d", 0)]],
                "directory",
            ),
        ] {
            let err = merge(layers, &nothing()).unwrap_err();
            assert!(err.contains(needle), "{needle}: {err}");
        }
        let lower = vec![
            vec![file("/b", 0)],
            vec![link("/a", EntryKind::HardLink, "/b", 1)],
        ];
        assert!(merge(lower, &nothing()).is_ok());
    }

    #[test]
    fn a_file_replacing_an_unlisted_directory_hides_its_children() {
        let tree = merge(vec![vec![file("/y/passwd", 0), file("/y", 0)]], &nothing()).unwrap();
        assert_eq!(paths(&tree), ["/y"]);
    }
}
