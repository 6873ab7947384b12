//! `internal-package-twice` (a warning): an internal package of the service shipped as two
//! real folders (its workspace folder and a copy in `node_modules`, as npm's
//! `--install-links` makes it, or two copies in `node_modules`). Node loads one of them; the
//! other is dead weight that can differ from it, and a relative path that works in the
//! repository may reach the wrong one. The finding names every copy and the one Node loads
//! from the service's folder.
//!
//! A symlink to the package (pnpm's `node_modules/@s/core -> ../../packages/core`) is the
//! same copy, not a second one. Like every rule, it looks only at the [`super::Ctx`] (no I/O)
//! and writes no message text of its own ([`crate::verify::diags`] does).

use std::collections::{BTreeMap, BTreeSet};

use super::{Collector, Ctx};
use crate::verify::diags::Diag;
use crate::verify::subject::find_installed;

pub fn check(ctx: &Ctx, out: &mut Collector) {
    let facts = ctx.facts;
    let mut by_name: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (dir, m) in &facts.manifests {
        if let Some(name) = &m.name {
            by_name.entry(name).or_default().push(dir);
        }
    }
    let mut done = BTreeSet::new();
    for dir in ctx.subject.internal_roots() {
        let Some(name) = facts.manifests.get(dir).and_then(|m| m.name.as_deref()) else {
            continue;
        };
        let copies = by_name.get(name).map(Vec::as_slice).unwrap_or_default();
        if copies.len() < 2 || !done.insert(name) {
            continue;
        }
        if copies.iter().all(|c| ctx.policy.allowed(c)) {
            continue;
        }
        // The copy Node loads from the service's folder; else the one the service needs.
        let loaded = (ctx.subject.root.as_deref())
            .and_then(|root| find_installed(facts, root, name))
            .map(|(_, real)| real)
            .filter(|real| copies.contains(&real.as_str()))
            .or_else(|| {
                (copies.iter())
                    .find(|c| ctx.subject.runtime.contains(**c))
                    .map(|c| c.to_string())
            });
        let paths: Vec<String> = copies.iter().map(|c| c.to_string()).collect();
        let layer = paths
            .iter()
            .filter_map(|p| facts.manifests.get(p.as_str()).map(|m| m.layer))
            .max();
        out.config_with_paths(
            Diag::internal_package_twice(name, &paths, loaded.as_deref()),
            Vec::new(),
            paths,
            layer,
        );
    }
}
