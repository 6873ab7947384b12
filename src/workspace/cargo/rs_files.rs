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
/// `.git`, every file or folder below `top` whose name is in `skip`, and every folder below
/// `top` that holds a `Cargo.toml`: another package's sources (a member nested in the
/// package's folder, or crates kept as data: rustc-perf's `collector/compile-benchmarks/*`,
/// copies of real crates that the collector compiles, among them cargo's own `TcpListener::bind`).
pub(super) fn rs_files<'a>(
    top: &Path,
    skip: &'a [&'a str],
) -> impl Iterator<Item = walkdir::DirEntry> + 'a {
    let walk = (crate::fsio::walk(top).sort_by_file_name().into_iter()).filter_entry(move |e| {
        let name = e.file_name().to_str().unwrap_or("");
        let below = e.depth() > 0;
        !(matches!(name, "target" | ".git")
            || (below && skip.contains(&name))
            || (below
                && e.file_type().is_dir()
                && crate::fsio::is_file(e.path().join("Cargo.toml"))))
    });
    crate::fsio::walked_all(walk)
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "rs"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// rustc-perf: `collector/` holds its own sources, the member `collector/benchlib`, and
    /// `compile-benchmarks/cargo-0.87.1`, a copy of cargo kept as benchmark input; only the
    /// first are the collector's.
    #[test]
    fn a_folder_holding_another_package_is_not_searched() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for (path, text) in [
            ("collector/Cargo.toml", "[package]\nname = \"collector\"\n"),
            ("collector/src/main.rs", "fn main() {}\n"),
            ("collector/src/bin/rustc-fake.rs", "fn main() {}\n"),
            (
                "collector/benchlib/Cargo.toml",
                "[package]\nname = \"benchlib\"\n",
            ),
            ("collector/benchlib/src/lib.rs", "\n"),
            (
                "collector/compile-benchmarks/cargo-0.87.1/Cargo.toml",
                "[package]\nname = \"cargo\"\n",
            ),
            ("collector/compile-benchmarks/cargo-0.87.1/src/lib.rs", "\n"),
        ] {
            let path = root.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let found: Vec<String> = rs_files(&root.join("collector"), &[])
            .map(|e| e.path().strip_prefix(root).unwrap().display().to_string())
            .collect();
        assert_eq!(
            found,
            ["collector/src/bin/rustc-fake.rs", "collector/src/main.rs"]
        );
    }
}
