//! pnpm's current lockfile in the image, `<workspace root>/node_modules/.pnpm/lock.yaml`: what
//! the image's pnpm install recorded it put in `node_modules`, each package with the integrity
//! of the tarball it unpacked. Read once for `integrity-not-locked`: found and parsed, absent,
//! or there but unreadable (and why). It only reads the already-read image; it never judges.

use crate::verify::capture::PNPM_CURRENT_LOCK;
use crate::verify::facts::Facts;
use crate::verify::SOURCE_MAX_BYTES;
use crate::workspace::pnpm::current_lock::{installed_packages, InstalledPackages};

/// pnpm's current lockfile of the install under the workspace root in the image.
#[derive(Debug, Clone)]
pub enum InstalledLock {
    /// Read: every package it records, by name and version, with its integrity.
    Read {
        path: String,
        packages: InstalledPackages,
    },
    /// The image holds no file there (no pnpm install, or a later step deleted it).
    Absent { path: String },
    /// The file is there but could not be read: why.
    Unreadable {
        path: String,
        layer: usize,
        why: String,
    },
}

/// The current lockfile of the install whose `node_modules` is in the folder `scope`.
pub(super) fn read(facts: &Facts, scope: &str) -> InstalledLock {
    let path = format!("{}{PNPM_CURRENT_LOCK}", scope.trim_end_matches('/'));
    let Some((_, entry)) = facts.fs.lookup(&path) else {
        return InstalledLock::Absent { path };
    };
    let layer = entry.layer;
    let unreadable = |why: String| InstalledLock::Unreadable {
        path: path.clone(),
        layer,
        why,
    };
    if entry.kind != crate::image::EntryKind::File {
        return unreadable("it is not a file".into());
    }
    let Some(content) = entry.content() else {
        return unreadable(
            "its content was not kept (over the memory budget isogen gives the files it parses)"
                .into(),
        );
    };
    if entry.truncated() {
        return unreadable(format!(
            "it is larger than the {} MiB isogen reads",
            SOURCE_MAX_BYTES >> 20
        ));
    }
    let Ok(text) = std::str::from_utf8(content) else {
        return unreadable("it is not UTF-8 text".into());
    };
    match installed_packages(text, &path) {
        Ok(packages) => InstalledLock::Read { path, packages },
        Err(why) => unreadable(why),
    }
}
