//! The folders outside the workspace packages that the build's install links: `file:` and
//! `link:` dependencies that name no workspace package (`"eslint-plugin-hive": "file:rules"`
//! in the root's devDependencies, graphql-hive). pnpm installs the root project with every
//! filtered install and reads such a folder (ENOENT otherwise), so the deps stage copies it.
//!
//! Pure: it reads the workspace model, never the disk.

use std::collections::BTreeSet;

use super::BuildPackage;
use crate::workspace::pnpm::{deps::local_folder, PnpmWorkspace};
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
    out.retain(|d| !d.is_empty() && !ws.packages.iter().any(|w| &w.dir == d));
    out.into_iter().collect()
}
