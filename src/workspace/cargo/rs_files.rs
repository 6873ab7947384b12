//! The `.rs` files under a folder of a Cargo workspace, in a stable order, for discovery's
//! text searches (listeners, server markers, `include_str!` paths). `target/` and `.git/` are
//! never entered; callers name what else to leave out (test code). It only lists: reading and
//! searching stay with the callers.

use std::path::{Path, PathBuf};

/// Where the sources of the package in `dir` (relative to `root`) are searched: its folder,
/// or `src/` for the root package (`""`), whose folder holds the other members too.
pub(super) fn package_sources(root: &Path, dir: &str) -> PathBuf {
    if dir.is_empty() {
        root.join("src")
    } else {
        root.join(dir)
    }
}

/// The `.rs` files under `top`, sorted by name within each folder, leaving out `target`,
/// `.git` and every file or folder below `top` whose name is in `skip`.
pub(super) fn rs_files<'a>(
    top: &Path,
    skip: &'a [&'a str],
) -> impl Iterator<Item = walkdir::DirEntry> + 'a {
    let walk = (crate::fsio::walk(top).sort_by_file_name().into_iter()).filter_entry(move |e| {
        let name = e.file_name().to_str().unwrap_or("");
        !(matches!(name, "target" | ".git") || (e.depth() > 0 && skip.contains(&name)))
    });
    crate::fsio::walked_all(walk)
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "rs"))
}
