//! [`Entry`]: one path of the image filesystem, as small as it can be. An image can hold a
//! million entries and the merged tree keeps every one, so each byte of an entry is a MiB of
//! peak memory there. What only a few entries have (a link target, captured content) lives in
//! one optional box ([`Extra`]): 8 bytes on every entry instead of 33, and the box only on
//! links and captured files. Owner ids take 32 bits each (what Linux's `uid_t` holds); an id
//! past that, which only a crafted tar can state, goes in the box, so every id reads back as
//! the tar gave it.
//!
//! It reads and serialises as it did with those fields inline: the accessors below give what
//! the fields held, and the JSON lists the same fields in the same order.

use std::sync::Arc;

use serde::ser::SerializeStruct;

use super::{EntryKind, ImagePath};

/// One path of the image filesystem.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Absolute, normalised (`/app/dist/main.js`; no trailing `/`, no `.`/`..`). The merged
    /// tree finds an entry by this path: it is held once, not again as a key.
    pub path: ImagePath,
    pub kind: EntryKind,
    pub size: u64,
    /// Permission bits including setuid/setgid/sticky (`mode & 0o7777`), not the file type
    /// (12 bits: a `u16` leaves the entry 56 bytes rather than 64).
    pub mode: u16,
    /// Owner ids when both fit 32 bits (see [`Entry::uid`]; else 0 and the ids in [`Extra`]).
    uid: u32,
    gid: u32,
    /// Index into [`super::Image::layers`] of the layer that added (last wrote) this entry.
    pub layer: usize,
    /// Its place among its layer's entries, in the tar's order (set by the merge, which needs
    /// it to undo a layer it merged while the layer was read: see merge/stream.rs).
    pub(crate) order: u32,
    /// The link target and captured content, when there is either (None for most entries).
    extra: Option<Box<Extra>>,
}

/// What few entries have. Never all empty: then [`Entry::extra`] is None.
#[derive(Debug, Clone, Default)]
pub(super) struct Extra {
    link_target: Option<Box<str>>,
    content: Option<Arc<[u8]>>,
    truncated: bool,
    /// Owner ids when either is past 32 bits (a tar can state up to 64).
    pub(super) wide_ids: Option<(u64, u64)>,
}

impl Entry {
    /// An entry of `kind` at `path`, shipped by `layer`; size, mode and owner 0, no link
    /// target, no content.
    pub fn new(path: ImagePath, kind: EntryKind, layer: usize) -> Entry {
        Entry {
            path,
            kind,
            size: 0,
            mode: 0,
            uid: 0,
            gid: 0,
            layer,
            order: 0,
            extra: None,
        }
    }

    /// Symlink target as stored (relative or absolute, not resolved); hard link target as a
    /// normalised absolute path of the image (`/app/dist/main.js`), like [`Entry::path`].
    pub fn link_target(&self) -> Option<&str> {
        self.extra.as_ref()?.link_target.as_deref()
    }

    /// Content, when the [`super::Capture`] asked for it (files only; None otherwise).
    pub fn content(&self) -> Option<&[u8]> {
        self.shared_content().map(|c| &**c)
    }

    /// The content as shared (a hard link shares its target's).
    pub fn shared_content(&self) -> Option<&Arc<[u8]>> {
        self.extra.as_ref()?.content.as_ref()
    }

    /// Owner user id, as the tar stated it.
    pub fn uid(&self) -> u64 {
        self.wide_ids().map_or(u64::from(self.uid), |(uid, _)| uid)
    }

    /// Owner group id, as the tar stated it.
    pub fn gid(&self) -> u64 {
        self.wide_ids().map_or(u64::from(self.gid), |(_, gid)| gid)
    }

    fn wide_ids(&self) -> Option<(u64, u64)> {
        self.extra.as_ref()?.wide_ids
    }

    /// Sets the owner ids (32 bits each inline; wider ones in the box).
    pub fn set_owner(&mut self, uid: u64, gid: u64) {
        match (u32::try_from(uid), u32::try_from(gid)) {
            (Ok(u), Ok(g)) => {
                (self.uid, self.gid) = (u, g);
                if self.wide_ids().is_some() {
                    self.edit(|x| x.wide_ids = None);
                }
            }
            _ => {
                (self.uid, self.gid) = (0, 0);
                self.edit(|x| x.wide_ids = Some((uid, gid)));
            }
        }
    }

    /// The file was wanted but larger than the capture limit: the content holds only its start.
    pub fn truncated(&self) -> bool {
        self.extra.as_ref().is_some_and(|x| x.truncated)
    }

    pub fn set_link_target(&mut self, target: Option<Box<str>>) {
        self.edit(|x| x.link_target = target);
    }

    /// Sets the captured content (None: not captured) and whether it is only the file's start.
    pub fn set_content(&mut self, content: Option<Arc<[u8]>>, truncated: bool) {
        self.edit(|x| {
            x.content = content;
            x.truncated = truncated;
        });
    }

    fn edit(&mut self, f: impl FnOnce(&mut Extra)) {
        let mut extra = self.extra.take().unwrap_or_default();
        f(&mut extra);
        let empty = extra.link_target.is_none()
            && extra.content.is_none()
            && !extra.truncated
            && extra.wide_ids.is_none();
        self.extra = (!empty).then_some(extra);
    }
}

impl serde::Serialize for Entry {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.view().serialize(serializer)
    }
}

impl Entry {
    /// The entry as the merged tree hands its entries out (see [`EntryRef`]).
    pub fn view(&self) -> EntryRef<'_> {
        let (uid, gid) = (self.uid(), self.gid());
        EntryRef {
            path: self.path.as_str(),
            kind: self.kind,
            size: self.size,
            mode: self.mode,
            layer: self.layer,
            uid,
            gid,
            extra: self.extra.as_deref(),
        }
    }

    /// Its parts, for the merged tree's compact store (`entries.rs`), which keeps the path and
    /// the ids apart.
    pub(super) fn into_parts(self) -> (ImagePath, Parts) {
        let (uid, gid) = (self.uid(), self.gid());
        let parts = Parts {
            kind: self.kind,
            size: self.size,
            mode: self.mode,
            layer: self.layer,
            order: self.order,
            uid,
            gid,
            extra: self.extra.map(|x| *x),
        };
        (self.path, parts)
    }

    /// The entry [`Entry::into_parts`] took apart.
    pub(super) fn from_parts(path: ImagePath, parts: Parts) -> Entry {
        let mut e = Entry::new(path, parts.kind, parts.layer);
        e.size = parts.size;
        e.mode = parts.mode;
        e.order = parts.order;
        e.extra = parts.extra.map(Box::new);
        e.set_owner(parts.uid, parts.gid);
        e
    }
}

/// An entry but its path, owned (see [`Entry::into_parts`]).
pub(super) struct Parts {
    pub kind: EntryKind,
    pub size: u64,
    pub mode: u16,
    pub layer: usize,
    pub order: u32,
    pub uid: u64,
    pub gid: u64,
    pub extra: Option<Extra>,
}

/// One entry of the image filesystem as the merged tree hands it out: its fields, read from
/// wherever the tree keeps them (an [`Entry`], or the tree's compact store, where no entry owns
/// its path). Reads as an `&Entry` did: the same fields and accessors, the same JSON.
#[derive(Debug, Clone, Copy)]
pub struct EntryRef<'a> {
    /// As [`Entry::path`].
    pub path: &'a str,
    pub kind: EntryKind,
    pub size: u64,
    pub mode: u16,
    pub layer: usize,
    uid: u64,
    gid: u64,
    extra: Option<&'a Extra>,
}

impl<'a> EntryRef<'a> {
    /// A view of the parts of an entry kept elsewhere (see `entries.rs`).
    pub(super) fn new(
        path: &'a str,
        kind: EntryKind,
        (size, mode, layer): (u64, u16, usize),
        (uid, gid): (u64, u64),
        extra: Option<&'a Extra>,
    ) -> Self {
        EntryRef {
            path,
            kind,
            size,
            mode,
            layer,
            uid,
            gid,
            extra,
        }
    }

    /// As [`Entry::link_target`].
    pub fn link_target(&self) -> Option<&'a str> {
        self.extra?.link_target.as_deref()
    }

    /// As [`Entry::content`].
    pub fn content(&self) -> Option<&'a [u8]> {
        self.shared_content().map(|c| &**c)
    }

    /// As [`Entry::shared_content`].
    pub fn shared_content(&self) -> Option<&'a Arc<[u8]>> {
        self.extra?.content.as_ref()
    }

    /// As [`Entry::uid`].
    pub fn uid(&self) -> u64 {
        self.uid
    }

    /// As [`Entry::gid`].
    pub fn gid(&self) -> u64 {
        self.gid
    }

    /// As [`Entry::truncated`].
    pub fn truncated(&self) -> bool {
        self.extra.is_some_and(|x| x.truncated)
    }

    /// An owned copy (its path allocated anew).
    pub fn to_entry(&self) -> Entry {
        let mut e = Entry::new(self.path.into(), self.kind, self.layer);
        e.size = self.size;
        e.mode = self.mode;
        e.extra = self.extra.map(|x| Box::new(x.clone()));
        e.set_owner(self.uid, self.gid);
        e
    }
}

impl serde::Serialize for EntryRef<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Entry", 9)?;
        s.serialize_field("path", self.path)?;
        s.serialize_field("kind", &self.kind)?;
        s.serialize_field("size", &self.size)?;
        s.serialize_field("mode", &self.mode)?;
        s.serialize_field("uid", &self.uid())?;
        s.serialize_field("gid", &self.gid())?;
        s.serialize_field("link_target", &self.link_target())?;
        s.serialize_field("layer", &self.layer)?;
        s.serialize_field("truncated", &self.truncated())?;
        s.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_is_small_and_keeps_what_few_entries_have_apart() {
        // path 16, size/layer 16, the box 8, order/uid/gid 12, mode 2, kind 1.
        assert!(std::mem::size_of::<Entry>() <= 56);
        let mut e = Entry::new("/app/x".into(), EntryKind::File, 2);
        assert_eq!(
            (e.link_target(), e.content(), e.truncated()),
            (None, None, false)
        );
        e.set_content(Some(Arc::from(&b"ab"[..])), true);
        e.set_link_target(Some("/etc".into()));
        assert_eq!(e.content(), Some(&b"ab"[..]));
        assert!(e.truncated());
        assert_eq!(e.link_target(), Some("/etc"));
        e.set_content(None, false);
        assert_eq!((e.content(), e.truncated()), (None, false));
        e.set_link_target(None);
        assert!(e.extra.is_none());
    }

    #[test]
    fn owner_ids_read_back_as_the_tar_gave_them_even_past_32_bits() {
        let mut e = Entry::new("/app/x".into(), EntryKind::File, 0);
        e.set_owner(10001, u64::from(u32::MAX));
        assert_eq!((e.uid(), e.gid()), (10001, u64::from(u32::MAX)));
        assert!(e.extra.is_none(), "32-bit ids stay inline");
        e.set_owner(1 << 40, 7);
        assert_eq!((e.uid(), e.gid()), (1 << 40, 7));
        let json = serde_json::to_value(&e).ok();
        assert_eq!(
            json.map(|v| (v["uid"].clone(), v["gid"].clone())),
            Some((serde_json::json!(1u64 << 40), serde_json::json!(7)))
        );
        e.set_owner(0, 0);
        assert_eq!((e.uid(), e.gid()), (0, 0));
        assert!(e.extra.is_none(), "the box goes once nothing needs it");
    }

    #[test]
    fn it_serialises_every_field_as_before() {
        let mut e = Entry::new("/bin/sh".into(), EntryKind::Symlink, 1);
        e.mode = 0o777;
        e.set_link_target(Some("busybox".into()));
        assert_eq!(
            serde_json::to_string(&e).ok().as_deref(),
            Some(
                r#"{"path":"/bin/sh","kind":"symlink","size":0,"mode":511,"uid":0,"gid":0,"link_target":"busybox","layer":1,"truncated":false}"#
            )
        );
    }
}
