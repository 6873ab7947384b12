//! Whether a folder the workspace names but cannot find is a git submodule that was not checked
//! out (a clone without `--recurse-submodules`, or a source archive, which never holds
//! submodules): the hint added to "has no Cargo.toml" errors.
//!
//! It reads only the root `.gitmodules` (its `path = ...` lines); it never runs git and never
//! fails: an unreadable file gives no hint.

use std::path::Path;

/// The hint for folder `dir` (relative to `root`, `/`-separated) when `.gitmodules` at `root`
/// lists it or a folder above it as a submodule, else an empty string.
pub(super) fn submodule_hint(root: &Path, dir: &str) -> String {
    let Ok(text) = crate::fsio::read_to_string(root.join(".gitmodules")) else {
        return String::new();
    };
    let found = text.lines().find_map(|line| {
        let (key, value) = line.split_once('=')?;
        let path = value.trim().trim_matches('"').trim_end_matches('/');
        let under = dir == path || dir.starts_with(&format!("{path}/"));
        (key.trim() == "path" && !path.is_empty() && under).then(|| path.to_string())
    });
    match found {
        Some(path) => format!(
            "; `{path}` is a git submodule (.gitmodules) that is not checked out: run `git \
             submodule update --init --recursive` (a source archive holds no submodules)"
        ),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listed_submodule_gets_the_hint_and_other_folders_do_not() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(".gitmodules"),
            "[submodule \"libs/common\"]\n\tpath = libs/common\n\turl = https://example.com/common\n",
        )
        .unwrap();
        let hint = submodule_hint(dir.path(), "libs/common");
        assert!(hint.contains("`libs/common` is a git submodule"), "{hint}");
        assert!(hint.contains("git submodule update --init"), "{hint}");
        assert!(submodule_hint(dir.path(), "libs/common/nested").contains("libs/common"));
        assert_eq!(submodule_hint(dir.path(), "libs/commonx"), "");
        assert_eq!(submodule_hint(dir.path(), "crates/api"), "");
    }

    #[test]
    fn no_gitmodules_file_gives_no_hint() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(submodule_hint(dir.path(), "libs/common"), "");
    }
}
