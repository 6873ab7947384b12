//! The crates of `Cargo.lock` a service's build reaches: from its package's entry, through
//! every entry's `dependencies` (every version of a name: never fewer than cargo builds),
//! except the development-only edges of workspace crates (cargo writes dev-dependencies into
//! the lockfile, but `cargo build` compiles none of them) and their optional registry
//! crates that their default features leave off (Cargo.lock lists every feature's). Shared by the warnings that read
//! the lockfile (`system_libs`, `builder_tools`).
//!
//! It reads `Cargo.lock` only; a lockfile it cannot read or parse gives no entries (the
//! warnings are hints; the build's `--locked` says the rest).

use std::collections::BTreeSet;
use std::path::Path;

use toml::{Table, Value};

use crate::workspace::{DepKind, Workspace};

/// The `[[package]]` entries of the workspace's lockfile; empty when it has none or cannot
/// be read.
pub(super) fn entries(root: &Path, lockfile: Option<&str>) -> Vec<Table> {
    let Some(text) = lockfile.and_then(|l| crate::fsio::read_to_string(root.join(l)).ok()) else {
        return Vec::new();
    };
    let Ok(lock) = text.parse::<Table>() else {
        return Vec::new();
    };
    lock.get("package")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_table)
        .cloned()
        .collect()
}

pub(super) fn name(entry: &Table) -> &str {
    entry.get("name").and_then(Value::as_str).unwrap_or("")
}

/// The crate names of an entry's `dependencies` (`name`, `name version`, `name version
/// (source)`).
pub(super) fn deps(entry: &Table) -> impl Iterator<Item = &str> {
    entry
        .get("dependencies")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(|d| d.split(' ').next().unwrap_or(d))
}

/// The entries reachable from the workspace package `package`. A workspace crate's entry (no
/// `source`) is followed only along its normal and build dependencies when `ws` knows it.
pub(super) fn reachable<'a>(ws: &Workspace, entries: &'a [Table], package: &str) -> Vec<&'a Table> {
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    let mut out = Vec::new();
    let mut queue: Vec<&str> = vec![package];
    while let Some(n) = queue.pop() {
        if !seen.insert(n) {
            continue;
        }
        for e in entries.iter().filter(|e| name(e) == n) {
            out.push(e);
            let built = (!e.contains_key("source"))
                .then(|| built_deps(ws, n))
                .flatten();
            queue.extend(deps(e).filter(|d| built.as_ref().is_none_or(|b| b.contains(*d))));
        }
    }
    out
}

/// The names of the crates a build of workspace package `name` compiles as its dependencies
/// (normal and build, registry and workspace; not the optional registry crates its default
/// features leave off, so a crate a non-default feature or a dependent's feature enables is
/// not looked at), or `None` when `ws` has no such Cargo package.
fn built_deps(ws: &Workspace, name: &str) -> Option<BTreeSet<String>> {
    let p = ws
        .packages
        .iter()
        .find(|p| p.name == name && p.cargo.is_some())?;
    let mut out: BTreeSet<String> = p.external_deps.iter().cloned().collect();
    out.extend(p.cargo.iter().flat_map(|c| c.build_deps.iter().cloned()));
    for off in p.cargo.iter().flat_map(|c| &c.optional_off) {
        out.remove(off);
    }
    for d in p.internal_deps.iter().filter(|d| d.kind != DepKind::Dev) {
        if let Some(q) = ws.packages.get(d.package) {
            out.insert(q.name.clone());
        }
    }
    Some(out)
}
