//! Workspace-relative paths as Cargo discovery writes them: `/`-separated, lexically
//! normalized, never leaving the root.
//!
//! Pure string functions: nothing here touches the filesystem (except asking whether a path is
//! absolute).

/// `dir/file`, or `file` alone at the root.
pub(super) use crate::workspace::relpath::child as join_rel;
/// `base/rel` made relative to the workspace root and lexically normalized (`.`/`..` folded,
/// `/`-separated, no trailing slash); `None` when it leaves the root: the workspace's one
/// normaliser.
pub(super) use crate::workspace::relpath::join as normalize;

/// A target path from a manifest, `/`-separated and without a leading `./`.
pub(super) fn clean_rel(path: &str) -> String {
    normalize("", path).unwrap_or_else(|| path.replace('\\', "/"))
}

pub(super) fn display_dir(dir: &str) -> &str {
    if dir.is_empty() {
        "."
    } else {
        dir
    }
}
