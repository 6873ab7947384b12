//! Files at the workspace root that a build needs besides the manifests: the build settings
//! (`.cargo/config.toml`, `rust-toolchain.toml`) and, for a package at the root, the top-level
//! files and folders that are its own.
//!
//! It lists folders; it never reads file contents.

use std::path::Path;

use super::{LOCKFILE, MANIFEST};
use crate::workspace::path::is_plain_path;
/// Files at the workspace root (besides the manifest and lockfile) that change what a build
/// does, and so must be in the build stage when they exist.
const ROOT_BUILD_FILES: &[&str] = &[
    ".cargo/config.toml",
    ".cargo/config",
    "rust-toolchain.toml",
    "rust-toolchain",
];

/// The [`ROOT_BUILD_FILES`] that exist under `root`.
pub(super) fn root_build_files(root: &Path) -> Vec<String> {
    ROOT_BUILD_FILES
        .iter()
        .filter(|f| crate::fsio::is_file(root.join(f)))
        .map(|f| f.to_string())
        .collect()
}

/// The files and folders at the root that belong to a package at the root, as cargo draws a
/// package's boundary: the root folder minus every folder holding another package (a
/// `Cargo.toml`, or a `package.json` of a JavaScript workspace beside it, at any depth). Left
/// out too: dot-entries (`.git`, `.env`, `.cargo` is copied apart), build output
/// (`target`, `node_modules`), the files the manifests stage copies, isogen's own files and the
/// root files of a pnpm workspace. A build that reads `README.md`, `templates/` or
/// `migrations/` at compile time then finds them.
pub(super) fn root_package_entries(root: &Path) -> Vec<String> {
    const SKIPPED: &[&str] = &[
        "target",
        "node_modules",
        MANIFEST,
        LOCKFILE,
        "rust-toolchain",
        "rust-toolchain.toml",
        crate::workspace::CONFIG_FILE,
        "Dockerfile",
        "Containerfile",
        "package.json",
        "pnpm-workspace.yaml",
        "pnpm-lock.yaml",
    ];
    let holds_a_package = |dir: &Path| {
        let walk = (crate::fsio::walk(dir).min_depth(1).into_iter()).filter_entry(|e| {
            !matches!(
                e.file_name().to_str(),
                Some("target" | "node_modules" | ".git")
            )
        });
        crate::fsio::walked_all(walk)
            .filter_map(|e| e.ok())
            .any(|e| {
                e.file_type().is_file()
                    && matches!(e.file_name().to_str(), Some(MANIFEST | "package.json"))
            })
    };
    let Ok(entries) = crate::fsio::read_dir(root) else {
        return Vec::new();
    };
    let mut out: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_str()?.to_string();
            // A name a Dockerfile cannot carry unquoted (spaces, quotes) is not source code a
            // build reads; leaving it out keeps one odd file from failing generate.
            let skip = name.starts_with('.')
                || !is_plain_path(&name)
                || SKIPPED.contains(&name.as_str())
                || name.ends_with(".Dockerfile")
                || name.ends_with(".dockerignore");
            if skip {
                return None;
            }
            let path = e.path();
            (!crate::fsio::is_dir(&path) || !holds_a_package(&path)).then_some(name)
        })
        .collect();
    out.sort();
    out
}
