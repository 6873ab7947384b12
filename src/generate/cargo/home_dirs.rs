//! Services whose code finds its folders under `$HOME`: a crate of [`HOME_CRATES`] (`dirs`,
//! `directories`, `dirs-next`, `home`, `etcetera`) in what the service runs with. Such code
//! writes under `~/.config`, `~/.local/share` or `~/.cache` (atomic-server keeps its search
//! index there, through `directories`). The image's user has the app root as its home (see the
//! template's `user` stage), a folder it cannot write, so the service stops at its first
//! write. One warning per service, naming the crate and the workspace crate that pulls it in,
//! with the settings that give it a home it can write: `writable` and `env` `HOME`.
//!
//! Isogen warns rather than giving every image a writable home: a folder written in the image
//! without a `VOLUME` is lost with the container, which users running a database or an index
//! do not expect; where it goes (and whether it is a volume) is theirs to say.
//!
//! The crates are those of `Cargo.lock` the service's binary runs with: from its package
//! through the run-time dependencies of workspace crates (not build or dev ones) and every
//! dependency of a registry crate except the build tools of [`BUILD_ONLY`] (Cargo.lock does
//! not tell a registry crate's build-dependencies apart: `prost-build` and `which` reach `home`
//! at build time only). It reads `Cargo.lock` only.

use std::collections::{BTreeMap, BTreeSet};

use super::lock_walk::{deps, entries, name};
use crate::generate::cfg::ServiceConfig;
use crate::workspace::Workspace;

/// Crates that find the user's folders from `$HOME`.
const HOME_CRATES: &[&str] = &["dirs", "directories", "dirs-next", "home", "etcetera"];

/// Registry crates used by build scripts only, not followed (they reach `home` through `which`).
const BUILD_ONLY: &[&str] = &[
    "cc",
    "cmake",
    "pkg-config",
    "bindgen",
    "prost-build",
    "tonic-build",
    "tonic-prost-build",
    "protox",
    "which",
    "vergen",
    "vergen-gitcl",
    "built",
    "autocfg",
    "version_check",
    "rustc_version",
];

/// The warning for service `service` (package `package`) when what it runs with reaches a
/// crate of [`HOME_CRATES`], unless isogen.toml already sets `HOME` in its `env`.
pub(super) fn warnings(
    ws: &Workspace,
    lockfile: Option<&str>,
    package: &str,
    service: &str,
    overrides: Option<&ServiceConfig>,
) -> Vec<String> {
    if overrides.is_some_and(|o| o.env.contains_key("HOME")) {
        return Vec::new();
    }
    let entries = entries(&ws.root, lockfile);
    // Each crate reached, with the workspace crate whose run-time dependency led there.
    let mut from: BTreeMap<&str, String> = BTreeMap::new();
    let mut queue: Vec<(&str, String)> = vec![(package, package.to_string())];
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    while let Some((n, via)) = queue.pop() {
        if !seen.insert(n) {
            continue;
        }
        from.entry(n).or_insert_with(|| via.clone());
        for e in entries.iter().filter(|e| name(e) == n) {
            let workspace = !e.contains_key("source");
            let run = workspace.then(|| run_deps(ws, n)).flatten();
            let next_via = if workspace {
                n.to_string()
            } else {
                via.clone()
            };
            for d in deps(e) {
                let follow = match &run {
                    Some(r) => r.contains(d),
                    None => !BUILD_ONLY.contains(&d),
                };
                if follow {
                    queue.push((d, next_via.clone()));
                }
            }
        }
    }
    let found: Vec<(&str, &String)> = (HOME_CRATES.iter())
        .filter_map(|c| from.get(c).map(|via| (*c, via)))
        .collect();
    let Some((_, via)) = found.first() else {
        return Vec::new();
    };
    let named: Vec<String> = found.iter().map(|(c, _)| format!("`{c}`")).collect();
    vec![format!(
        "service `{service}` runs with {} (in Cargo.lock, through crate `{via}`), which finds \
         folders under $HOME (~/.config, ~/.local/share, ~/.cache): in the image $HOME is the \
         app root, which the service's user cannot write, so a write there stops it \
         (atomic-server's search index). If it writes there, give it a home it can write in \
         [generate.services.{service}] of isogen.toml: writable = [{{ path = \"/data\", volume \
         = true }}] and env = {{ HOME = \"/data\" }}; setting HOME in `env` silences this",
        if named.len() == 1 {
            format!("crate {}", named[0])
        } else {
            format!("crates {}", named.join(", "))
        },
    )]
}

/// The crates workspace package `name` runs with: its run-time registry dependencies (not the
/// optional ones its defaults leave off) and its normal workspace dependencies; `None` when
/// `ws` has no such Cargo package.
fn run_deps(ws: &Workspace, name: &str) -> Option<BTreeSet<String>> {
    super::lock_walk::package_deps(ws, name, false)
}
