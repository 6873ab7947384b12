//! Merging the layers while they are read: each layer's items go to the merge as the threads
//! reading them hand them over, as soon as every layer below is merged (before that they wait
//! here, in the order they came). So the merge of the last layer read (of the only one, for a
//! single-layer image) runs beside its read instead of after it, and a big layer's list of
//! items is never held whole.
//!
//! It never decides anything: the outcome of each read and of the merge is reported by the
//! caller, a read failure before a merge error (as the merge error of a layer that failed to
//! read means nothing).

use super::layer::{Item, LayerError, LayerRead};
use super::merge::Merger;
use super::{Capture, MergedTree};

/// What reading one layer gave.
pub(crate) type LayerResult = std::result::Result<LayerRead, LayerError>;

/// What a thread reading layer `i` hands over.
pub(crate) enum Arrival {
    /// The next items of layer `i`, in its tar's order.
    Items(usize, Vec<Item>),
    /// Layer `i` is read (its last items are in the result).
    Done(usize, LayerResult),
}

pub(crate) struct Merging<'c> {
    merger: Merger,
    capture: &'c Capture,
    /// The items of each layer not being merged yet, in the chunks they came in.
    early: Vec<Vec<Vec<Item>>>,
    reads: Vec<Option<LayerResult>>,
    /// Layers merged so far: the one being merged is `merged`.
    merged: usize,
    error: Option<String>,
}

impl<'c> Merging<'c> {
    pub fn new(count: usize, capture: &'c Capture) -> Self {
        Merging {
            merger: Merger::new(count),
            capture,
            early: (0..count).map(|_| Vec::new()).collect(),
            reads: (0..count).map(|_| None).collect(),
            merged: 0,
            error: None,
        }
    }

    pub fn arrived(&mut self, arrival: Arrival) {
        match arrival {
            Arrival::Items(_, _) if self.error.is_some() => {}
            Arrival::Items(i, items) if i == self.merged => self.merger.feed(items, self.capture),
            Arrival::Items(i, items) => {
                if let Some(early) = self.early.get_mut(i) {
                    early.push(items);
                }
            }
            Arrival::Done(i, read) => {
                if let Some(slot) = self.reads.get_mut(i) {
                    *slot = Some(read);
                }
                self.advance();
            }
        }
    }

    /// Ends every layer that is read and whose lower layers are merged.
    fn advance(&mut self) {
        while self.error.is_none() {
            let Some(Some(Ok(read))) = self.reads.get_mut(self.merged) else {
                break;
            };
            let rest = std::mem::take(&mut read.items);
            self.merger.feed(rest, self.capture);
            self.error = self.merger.end_layer(self.capture).err();
            self.merged += 1;
            let early = self.early.get_mut(self.merged).map(std::mem::take);
            for items in early.into_iter().flatten() {
                self.merger.feed(items, self.capture);
            }
        }
    }

    /// Each layer's read (None: never started, as another failed first), the first merge error,
    /// and the merged tree (to be used only when every read succeeded and there is no error).
    pub fn finish(self) -> (Vec<Option<LayerResult>>, Option<String>, MergedTree) {
        (self.reads, self.error, self.merger.finish())
    }
}
