//! Workspace-relative paths as Cargo discovery writes them: `/`-separated, lexically
//! normalized, never leaving the root.
//!
//! Pure string functions: nothing here touches the filesystem (except asking whether a path is
//! absolute).

use std::path::Path;

/// `base/rel` made relative to the workspace root and lexically normalized (`.`/`..` folded,
/// `/`-separated, no trailing slash); `None` when it leaves the root.
pub(super) fn normalize(base: &str, rel: &str) -> Option<String> {
    if Path::new(rel).is_absolute() {
        return None;
    }
    let mut parts: Vec<&str> = base.split('/').filter(|s| !s.is_empty()).collect();
    for part in rel.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}

/// A target path from a manifest, `/`-separated and without a leading `./`.
pub(super) fn clean_rel(path: &str) -> String {
    normalize("", path).unwrap_or_else(|| path.replace('\\', "/"))
}

pub(super) fn join_rel(dir: &str, file: &str) -> String {
    if dir.is_empty() {
        file.to_string()
    } else {
        format!("{dir}/{file}")
    }
}

pub(super) fn display_dir(dir: &str) -> &str {
    if dir.is_empty() {
        "."
    } else {
        dir
    }
}
