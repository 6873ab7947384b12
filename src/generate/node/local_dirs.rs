//! The folders outside the workspace packages that the build's install links: `file:` and
//! `link:` dependencies that name no workspace package (`"eslint-plugin-hive": "file:rules"`
//! in the root's devDependencies, graphql-hive). pnpm installs the root project with every
//! filtered install and reads such a folder (ENOENT otherwise), so the deps stage copies it.
//! Also the tarballs of the repository that `file:` dependencies name
//! (`"xlsx": "file:vendor/xlsx-0.20.3.tgz"`, formbricks): both installs read them.
//!
//! A folder inside a `node_modules` (a link to the root's own install of a package) is not
//! copied: the install makes it.
//!
//! Pure: it reads the workspace model, never the disk.

use std::collections::BTreeSet;

use super::BuildPackage;
use crate::workspace::pnpm::deps::{local_folder, local_tarball};
use crate::workspace::pnpm::PnpmWorkspace;
use crate::workspace::Workspace;

/// The folders (workspace-relative, sorted) the deps stage copies: those of the root's
/// `file:`/`link:` dependencies and of the built packages' ones that are no workspace package.
pub(super) fn local_dirs(
    ws: &Workspace,
    pnpm: &PnpmWorkspace,
    packages: &[BuildPackage],
) -> Vec<String> {
    let mut out: BTreeSet<String> = pnpm.root_local_dirs.iter().cloned().collect();
    for p in packages {
        let Some(n) = ws.node_at(&p.dir) else {
            continue;
        };
        let local = n.deps.iter().filter(|d| d.internal.is_none());
        out.extend(local.filter_map(|d| local_folder(&p.dir, &d.spec)));
    }
    // A folder in a `node_modules` is what an install makes, never the repository's: the
    // root's own install that saleor/apps links its apps' `@saleor/app-sdk` to
    // (`link:../../node_modules/@saleor/app-sdk`, see `workspace::pnpm::deps`).
    out.retain(|d| {
        !d.is_empty()
            && !d.split('/').any(|c| c == "node_modules")
            && !ws.packages.iter().any(|w| &w.dir == d)
    });
    out.into_iter().collect()
}

/// The tarballs (workspace-relative files, sorted) that the `file:` dependencies of the built
/// packages and of the root name: the deps stage and the production install copy each to its
/// own path (a frozen install reads it and checks it against the lockfile's integrity), and
/// the image does not keep it.
pub(super) fn local_tarballs(ws: &Workspace, packages: &[BuildPackage]) -> Vec<String> {
    let root = std::iter::once("");
    let dirs = root.chain(packages.iter().map(|p| p.dir.as_str()));
    let mut out = BTreeSet::new();
    for dir in dirs {
        let Some(n) = ws.node_at(dir) else {
            continue;
        };
        let local = n.deps.iter().filter(|d| d.internal.is_none());
        out.extend(local.filter_map(|d| local_tarball(dir, &d.spec)));
    }
    out.into_iter().collect()
}
