//! The "not a workspace" error for a folder that is not a workspace root but holds some below
//! it: a repository whose Cargo workspaces live in `server/` and `bridge/` (svix-webhooks)
//! makes a first run at its root name those folders, so the user knows where to point isogen.
//!
//! It only looks for the marker files (`pnpm-workspace.yaml`, a `Cargo.toml` with
//! `[workspace]` or a lone `[package]`) a few folders deep; it never reads a workspace.

use std::path::Path;

use super::{cargo, pnpm};
use crate::error::Error;

/// How deep below the folder to look (`server/`, `rust/server/`, `a/b/c/`).
const MAX_DEPTH: usize = 3;
/// How many folders the error names.
const MAX_NAMED: usize = 8;

/// Folders never searched: build output, dependencies, version control.
const SKIPPED: &[&str] = &["target", "node_modules", "vendor", "dist", "build"];

/// The error for `root`, which is not a workspace root, naming the workspace roots below it.
pub(super) fn not_a_workspace(root: &Path) -> Error {
    let base = format!(
        "not a workspace: no {} and no Cargo.toml with [workspace]",
        pnpm::WORKSPACE_FILE
    );
    let found = below(root);
    let message = match found.first() {
        None => base,
        Some(first) => {
            let mut named: Vec<String> = found.iter().take(MAX_NAMED).cloned().collect();
            if found.len() > MAX_NAMED {
                named.push(format!("and {} more", found.len() - MAX_NAMED));
            }
            format!(
                "{base}; workspaces below it: {}; run isogen in one of them (`isogen generate \
                 {}`); each is built from its own folder, so a path dependency that leaves it \
                 cannot be built",
                named.join(", "),
                shown(&root.join(first.trim_end_matches('/'))),
            )
        }
    };
    Error::workspace(root, message)
}

/// The Cargo workspaces (`[workspace]`; a lone crate there is more often a native addon a
/// pnpm package builds) below a root that is a pnpm workspace only (tensorzero keeps its Cargo
/// workspace in `crates/`, beside a root `pnpm-workspace.yaml`): a run at the root reads the
/// pnpm side alone, so these are named for the user to run isogen there.
pub(super) fn cargo_roots_below(root: &Path) -> Vec<String> {
    below(root)
        .into_iter()
        .filter(|rel| {
            let manifest = root.join(rel.trim_end_matches('/')).join("Cargo.toml");
            crate::fsio::read_to_string(manifest)
                .ok()
                .and_then(|text| text.parse::<toml::Table>().ok())
                .is_some_and(|t| t.contains_key("workspace"))
        })
        .collect()
}

/// The warning for Cargo projects below a pnpm-only root, when there are some.
pub(super) fn unread_cargo_warning(root: &Path) -> Option<String> {
    let found = cargo_roots_below(root);
    let first = found.first()?;
    Some(format!(
        "the root has no Cargo.toml, so this run reads only the pnpm workspace; Cargo projects \
         below it: {}; their services get Dockerfiles from a run there (`isogen generate {}`)",
        found.join(", "),
        shown(&root.join(first.trim_end_matches('/'))),
    ))
}

/// `path` as a user would type it: `server`, not `./server`.
fn shown(path: &Path) -> String {
    let text = path.to_string_lossy();
    text.strip_prefix("./").unwrap_or(&text).to_string()
}

/// The top-most workspace roots below `root` (`server/`, `bridge/`), sorted; a root's own
/// folders are not searched (its members are lone-looking packages).
fn below(root: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut walk = crate::fsio::walk(root)
        .min_depth(1)
        .max_depth(MAX_DEPTH)
        .sort_by_file_name()
        .into_iter();
    while let Some(entry) = walk.next() {
        let Ok(entry) = entry else { continue };
        crate::fsio::walked(&entry);
        if !entry.file_type().is_dir() {
            continue;
        }
        let name = entry.file_name().to_string_lossy();
        if name.starts_with('.') || SKIPPED.contains(&name.as_ref()) {
            walk.skip_current_dir();
            continue;
        }
        let dir = entry.path();
        if crate::fsio::is_file(dir.join(pnpm::WORKSPACE_FILE)) || cargo::is_workspace_root(dir) {
            if let Ok(rel) = dir.strip_prefix(root) {
                found.push(format!("{}/", rel.to_string_lossy()));
            }
            walk.skip_current_dir();
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, rel: &str, text: &str) {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn names_the_top_most_workspaces_below_and_not_their_members() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "package.json", "{}");
        write(
            root,
            "server/Cargo.toml",
            "[workspace]\nmembers = [\"api\"]\n",
        );
        write(root, "server/api/Cargo.toml", "[package]\nname = \"api\"\n");
        write(root, "web/pnpm-workspace.yaml", "packages: []\n");
        write(root, "sdk/rust/Cargo.toml", "[package]\nname = \"sdk\"\n");
        write(root, "server/target/x/Cargo.toml", "[workspace]\n");
        write(root, ".github/Cargo.toml", "[workspace]\n");
        assert_eq!(below(root), ["sdk/rust/", "server/", "web/"]);
        let message = not_a_workspace(root).to_string();
        assert!(
            message.contains("workspaces below it: sdk/rust/, server/, web/"),
            "{message}"
        );
        let first = shown(&root.join("sdk/rust"));
        assert!(
            message.contains(&format!("`isogen generate {first}`")),
            "{message}"
        );
        assert_eq!(shown(Path::new("./server")), "server");
        // From a pnpm-only root, only the Cargo workspaces are named (not the lone crate).
        assert_eq!(cargo_roots_below(root), ["server/"]);
        let warning = unread_cargo_warning(root).unwrap();
        assert!(
            warning.contains("Cargo projects below it: server/"),
            "{warning}"
        );
    }

    #[test]
    fn a_folder_with_no_workspace_below_says_only_that() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "README.md", "hi");
        let message = not_a_workspace(dir.path()).to_string();
        assert!(
            message.ends_with("no Cargo.toml with [workspace]"),
            "{message}"
        );
    }
}
