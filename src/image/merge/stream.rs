//! Merging a layer while it is still being read, so that the merge of an image's last (often
//! only) layer is not left for after the read: entries go over the tree as they arrive, and the
//! layer's list of items is never held whole.
//!
//! The result must be exactly the batch merge's ([`Merger::layer`]), where a layer's whiteouts
//! apply to the layers below before any of its entries. Streaming gives the same tree as long
//! as every whiteout and opaque marker of the layer comes before its first entry, and every
//! entry passes its checks. Anything else (a marker after an entry, as `docker save` writes
//! `/etc/.wh.x` after `/etc/`, or an entry the merge refuses, whose error may not be the
//! one the batch merge reports first) undoes what the layer did so far and keeps the rest of its
//! items for the batch merge at the end of the layer. Undoing needs no copy of the items: the
//! layer's entries are all in the tree or in [`Merger::hidden`] (and what they displaced is
//! there too), and [`Entry::order`] gives back their order in the tar.
//!
//! It never reorders what a layer says and never decides an outcome the batch merge would not.

use super::{Capture, Entry, EntryKind, Hidden, ImagePath, Item, Merger};

/// How the layer being fed is merged.
pub(crate) enum Mode {
    /// Items are applied as they come. `mark`: the length of [`Merger::hidden`] when the
    /// layer's first entry came (None before it); `entries`: the entries applied so far;
    /// `restated`: the directories that a directory of this layer replaced (dropped by the
    /// merge, as nothing hides them, but needed to undo the layer).
    Streaming {
        mark: Option<usize>,
        entries: u32,
        restated: Vec<Entry>,
    },
    /// The layer's items so far, merged in one batch at its end.
    Batch(Vec<Item>),
    /// A whiteout before the layer's first entry was refused: the batch merge's first error
    /// too, since it applies those markers first and in the same order.
    Failed(String),
}

impl Default for Mode {
    fn default() -> Self {
        Mode::Streaming {
            mark: None,
            entries: 0,
            restated: Vec::new(),
        }
    }
}

impl Merger {
    /// Applies the next items, in the tar's order, of the layer being merged (the one after
    /// those already ended with [`Merger::end_layer`]). Errors are told by `end_layer`.
    pub fn feed(&mut self, items: Vec<Item>, capture: &Capture) {
        for item in items {
            self.mode = match std::mem::take(&mut self.mode) {
                Mode::Failed(message) => Mode::Failed(message),
                Mode::Batch(mut kept) => {
                    kept.push(item);
                    Mode::Batch(kept)
                }
                Mode::Streaming {
                    mark,
                    entries,
                    restated,
                } => self.stream(item, (mark, entries, restated), capture),
            };
        }
    }

    fn stream(
        &mut self,
        item: Item,
        (mark, entries, mut restated): (Option<usize>, u32, Vec<Entry>),
        capture: &Capture,
    ) -> Mode {
        let layer = self.merged;
        let mut entry = match item {
            Item::Entry(entry) => entry,
            // Before the first entry, a marker applies to the layers below, as in batch.
            marker if mark.is_none() => {
                return match self.apply_marker(&marker, layer) {
                    Ok(()) => Mode::Streaming {
                        mark,
                        entries,
                        restated,
                    },
                    Err(message) => Mode::Failed(message),
                };
            }
            marker => return self.undo(mark, restated, marker),
        };
        if self.check_entry(&entry).is_err() {
            return self.undo(mark, restated, Item::Entry(entry));
        }
        let mark = mark.or(Some(self.hidden.len()));
        entry.order = entries;
        let overwritten = Hidden::Overwritten { by_layer: layer };
        restated.extend(self.apply_entry(entry, overwritten, capture));
        Mode::Streaming {
            mark,
            entries: entries.saturating_add(1),
            restated,
        }
    }

    /// Takes the layer's entries back out of the tree, puts back what they displaced, and
    /// returns the batch of its items so far (in the tar's order) followed by `next`.
    fn undo(&mut self, mark: Option<usize>, restated: Vec<Entry>, next: Item) -> Mode {
        let layer = self.merged;
        let mark = mark.unwrap_or(self.hidden.len());
        let ours: Vec<ImagePath> = self
            .tree
            .values()
            .filter(|e| e.layer == layer)
            .map(|e| ImagePath::from(e.path))
            .collect();
        let mut entries: Vec<Entry> = ours
            .iter()
            .filter_map(|k| self.tree.remove(k.as_str()))
            .collect();
        let displaced = self.hidden.drain(mark..).map(|h| h.entry);
        for entry in displaced.chain(restated).collect::<Vec<_>>() {
            if entry.layer == layer {
                entries.push(entry);
            } else {
                // Each lower path was displaced once at most, and only this layer's entries
                // took its place: its slot is free again.
                self.tree.insert(entry);
            }
        }
        for entry in &mut entries {
            // A hard link's content was its target's, which the batch merge looks up again.
            if entry.kind == EntryKind::HardLink {
                entry.set_content(None, false);
            }
        }
        entries.sort_by_key(|e| e.order);
        let mut items: Vec<Item> = entries.into_iter().map(Item::Entry).collect();
        items.push(next);
        Mode::Batch(items)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::super::{merge, Merger};
    use super::*;
    use crate::image::{EntryRef, MergedTree};

    /// xorshift64: the same "random" layers on every run.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }
    }

    const PATHS: &[&str] = &["/a", "/a/x", "/a/x/z", "/a/y", "/b", "/b/w", "/c"];

    fn item(rng: &mut Rng, layer: usize) -> Item {
        let path = PATHS[rng.below(PATHS.len())].to_string();
        let (kind, link_target) = match rng.below(10) {
            0 => return Item::Whiteout(path),
            1 => return Item::Opaque(path),
            2 | 3 => (EntryKind::Dir, None),
            4 => (EntryKind::Symlink, Some("/etc".into())),
            5 => (
                EntryKind::HardLink,
                Some(PATHS[rng.below(PATHS.len())].into()),
            ),
            _ => (EntryKind::File, None),
        };
        let content = (kind == EntryKind::File).then(|| Arc::<[u8]>::from(&b"x"[..]));
        let mut e = Entry::new(path.into(), kind, layer);
        e.size = 1;
        e.mode = 0o644;
        e.set_link_target(link_target);
        e.set_content(content, false);
        Item::Entry(e)
    }

    fn everything() -> Capture {
        Capture {
            wants: Box::new(|_| true),
            max_bytes: 10,
            sources: None,
        }
    }

    type Seen = (String, EntryKind, usize, Option<String>, bool);
    /// The visible entries, and the hidden ones in order with why; or the error.
    type Outcome = Result<(Vec<Seen>, Vec<(Seen, Hidden)>), String>;

    fn seen(e: EntryRef) -> Seen {
        let link = e.link_target().map(str::to_string);
        (
            e.path.to_string(),
            e.kind,
            e.layer,
            link,
            e.content().is_some(),
        )
    }

    fn outcome(tree: Result<MergedTree, String>) -> Outcome {
        tree.map(|t| {
            let visible = t.entries.values().map(seen).collect();
            let hidden = t
                .hidden
                .iter()
                .map(|h| (seen(h.entry.view()), h.hidden))
                .collect();
            (visible, hidden)
        })
    }

    fn batch(layers: Vec<Vec<Item>>, capture: &Capture) -> Result<MergedTree, String> {
        let mut merger = Merger::new(layers.len());
        for items in layers {
            merger.push_batch(items, capture)?;
        }
        Ok(merger.finish())
    }

    /// Whatever a layer says and in whatever order (markers after entries, refused entries,
    /// hard links whose target a later whiteout deletes...), merging it while it streams in
    /// gives the batch merge's tree, hidden entries (in order, with why) and first error.
    #[test]
    fn streaming_merges_exactly_as_the_batch_merge() {
        let capture = everything();
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let (mut undone, mut failed) = (0, 0);
        for _ in 0..30_000 {
            let layers: Vec<Vec<Item>> = (0..1 + rng.below(3))
                .map(|layer| (0..rng.below(9)).map(|_| item(&mut rng, layer)).collect())
                .collect();
            let copy = |layers: &Vec<Vec<Item>>| -> Vec<Vec<Item>> {
                layers
                    .iter()
                    .map(|items| {
                        items
                            .iter()
                            .map(|i| match i {
                                Item::Entry(e) => Item::Entry(e.clone()),
                                Item::Whiteout(p) => Item::Whiteout(p.clone()),
                                Item::Opaque(p) => Item::Opaque(p.clone()),
                            })
                            .collect()
                    })
                    .collect()
            };
            let marker_after_entry = layers.iter().any(|items| {
                let first = items.iter().position(|i| matches!(i, Item::Entry(_)));
                first.is_some_and(|f| items[f..].iter().any(|i| !matches!(i, Item::Entry(_))))
            });
            undone += usize::from(marker_after_entry);
            let expected = outcome(batch(copy(&layers), &capture));
            failed += usize::from(expected.is_err());
            assert_eq!(outcome(merge(layers, &capture)), expected);
        }
        // The cases that undo a streamed layer, and errors, were both exercised.
        assert!(undone > 5_000 && failed > 5_000, "{undone} {failed}");
    }
}
