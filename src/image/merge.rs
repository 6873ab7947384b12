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
//! Paths are compared lexically: an entry under a path that a lower layer made a symlink stays
//! under its own name (as overlayfs keeps it in its own layer directory).

use std::collections::BTreeMap;

use super::layer::Item;
use super::{Capture, Entry, EntryKind, Hidden, MergedTree, ShippedEntry};

/// Merges the layers' items, lowest layer first.
pub(crate) fn merge(layers: Vec<Vec<Item>>, capture: &Capture) -> MergedTree {
    let mut tree: BTreeMap<String, Entry> = BTreeMap::new();
    let mut hidden: Vec<ShippedEntry> = Vec::new();
    for (layer, items) in layers.into_iter().enumerate() {
        let deleted = Hidden::Deleted { by_layer: layer };
        let mut entries = Vec::with_capacity(items.len());
        for item in items {
            match item {
                Item::Whiteout(path) => {
                    if let Some(entry) = tree.remove(&path) {
                        hidden.push(ShippedEntry {
                            entry,
                            hidden: deleted,
                        });
                    }
                    remove_children(&mut tree, &path, deleted, &mut hidden);
                }
                Item::Opaque(dir) => remove_children(&mut tree, &dir, deleted, &mut hidden),
                Item::Entry(entry) => entries.push(entry),
            }
        }
        let overwritten = Hidden::Overwritten { by_layer: layer };
        for mut entry in entries {
            if let Some(old) = tree.remove(&entry.path) {
                match (old.kind, entry.kind) {
                    // Re-stating a directory (every layer that touches /app/x lists /app) does
                    // not hide it or its children.
                    (EntryKind::Dir, EntryKind::Dir) => {}
                    (EntryKind::Dir, _) => {
                        remove_children(&mut tree, &entry.path, overwritten, &mut hidden);
                        hidden.push(ShippedEntry {
                            entry: old,
                            hidden: overwritten,
                        });
                    }
                    _ => hidden.push(ShippedEntry {
                        entry: old,
                        hidden: overwritten,
                    }),
                }
            }
            // A hard link shares its target's content: give it the captured bytes too.
            if entry.kind == EntryKind::HardLink && entry.content.is_none() {
                if let Some(target) = entry.link_target.as_ref().and_then(|t| tree.get(t)) {
                    if target.content.is_some() && (capture.wants)(&entry.path) {
                        entry.content = target.content.clone();
                        entry.truncated = target.truncated;
                    }
                }
            }
            tree.insert(entry.path.clone(), entry);
        }
    }
    // Hidden entries in the order their layers shipped them.
    hidden.sort_by_key(|h| h.entry.layer);
    MergedTree {
        entries: tree,
        hidden,
    }
}

/// Removes everything strictly under `dir`.
fn remove_children(
    tree: &mut BTreeMap<String, Entry>,
    dir: &str,
    why: Hidden,
    hidden: &mut Vec<ShippedEntry>,
) {
    let prefix = if dir == "/" {
        "/".to_string()
    } else {
        format!("{dir}/")
    };
    let keys: Vec<String> = tree
        .range(prefix.clone()..)
        .take_while(|(k, _)| k.starts_with(&prefix))
        .map(|(k, _)| k.clone())
        .collect();
    for key in keys {
        if let Some(entry) = tree.remove(&key) {
            hidden.push(ShippedEntry { entry, hidden: why });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str, kind: EntryKind, layer: usize) -> Item {
        Item::Entry(Entry {
            path: path.to_string(),
            kind,
            size: 0,
            mode: 0o644,
            uid: 0,
            gid: 0,
            link_target: None,
            layer,
            content: None,
            truncated: false,
        })
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
        }
    }

    fn paths(tree: &MergedTree) -> Vec<&str> {
        tree.entries.keys().map(String::as_str).collect()
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
        );
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
        );
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
                vec![file("/f", 1), Item::Whiteout("/f".into())],
            ],
            &nothing(),
        );
        assert_eq!(tree.entries["/f"].layer, 1);
        assert_eq!(hidden(&tree), [("/f", 0, Hidden::Deleted { by_layer: 1 })]);
    }

    #[test]
    fn overwrites_and_duplicates() {
        let tree = merge(
            vec![
                vec![file("/f", 0), dir("/d", 0), file("/d/x", 0)],
                vec![file("/f", 1), file("/f", 1), file("/d", 1)],
            ],
            &nothing(),
        );
        assert_eq!(paths(&tree), ["/d", "/f"]);
        assert_eq!(tree.entries["/d"].kind, EntryKind::File);
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
        );
        assert_eq!(paths(&tree), ["/d", "/d/x", "/d/y"]);
        assert!(tree.hidden.is_empty());
        assert_eq!(tree.entries["/d"].layer, 1);
    }

    #[test]
    fn root_opaque_clears_everything_below() {
        let tree = merge(
            vec![
                vec![file("/a", 0), file("/b/c", 0)],
                vec![Item::Opaque("/".into()), file("/z", 1)],
            ],
            &nothing(),
        );
        assert_eq!(paths(&tree), ["/z"]);
        assert_eq!(tree.hidden.len(), 2);
    }
}
