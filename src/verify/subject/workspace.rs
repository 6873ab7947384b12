//! What the workspace says about the service under check, when one is known: its package's
//! name, the internal packages it needs at run time (and which of them the workspace does not
//! build), every package's name and folder, dev and run-time dependency names, and the other
//! services as they could show up in the image. Read from the workspace model only; it never
//! looks at the image.

use std::collections::{BTreeMap, BTreeSet};

use super::OtherService;
use crate::workspace::pnpm::locked::{LockedClosure, LockedPackage};
use crate::workspace::{Ecosystem, Service, Workspace};

/// What `pnpm-lock.yaml` locks for the service's production closure, for `version-not-locked`.
#[derive(Debug, Clone, Default)]
pub struct LockFacts {
    pub closure: LockedClosure,
    /// What the workspace's full install hoists, by name (see [`LockGraph::hoisted`]).
    ///
    /// [`LockGraph::hoisted`]: crate::workspace::pnpm::dev_peers::LockGraph::hoisted
    pub hoisted: BTreeMap<String, LockedPackage>,
    /// The service's package folder in the workspace (`services/api`; empty at the root).
    pub service_dir: String,
    /// Every `name@version` of the lockfile (see [`LockGraph::every_package`]).
    ///
    /// [`LockGraph::every_package`]: crate::workspace::pnpm::dev_peers::LockGraph::every_package
    pub every_package: BTreeSet<String>,
}

/// The service's lock facts: `None` without a shared `pnpm-lock.yaml` of v6 or v9 (a Cargo
/// service, no lockfile, per-package lockfiles, v5.4).
fn lock_facts(ws: &Workspace, service: &Service) -> Option<LockFacts> {
    let pnpm = ws.pnpm.as_ref()?;
    let own = ws.service_package(service);
    if own.ecosystem != Ecosystem::Pnpm || !pnpm.lockfile || pnpm.split_lockfiles {
        return None;
    }
    // The workspace root's own `dependencies` too: pnpm's production install always installs
    // the root project, whatever `--filter` selects (cosmo's root depends on graphiql, so every
    // service image holds it, exactly as locked; generate names them).
    let dirs: Vec<&str> = (service.runtime_closure.iter().copied())
        .chain(std::iter::once(service.package))
        .map(|i| ws.package(i).dir.as_str())
        .chain(std::iter::once(""))
        .collect();
    Some(LockFacts {
        closure: pnpm.lock_graph.locked_closure(&dirs)?,
        hoisted: pnpm.lock_graph.hoisted(),
        service_dir: own.dir.clone(),
        every_package: pnpm.lock_graph.every_package(),
    })
}

/// What the workspace says about the service, when one is known.
pub(super) struct WsFacts {
    pub(super) package_name: String,
    pub(super) runtime_names: BTreeSet<String>,
    /// Those of `runtime_names` that have no build script (`[generate.node] build_script`).
    pub(super) unbuilt_names: BTreeSet<String>,
    pub(super) all_names: BTreeMap<String, String>,
    pub(super) dev_names: BTreeSet<String>,
    pub(super) runtime_dep_names: BTreeSet<String>,
    /// The workspace root package.json's `dependencies` and `optionalDependencies`: pnpm's
    /// production install installs them in every service's image, whatever `--filter` selects.
    pub(super) root_dep_names: BTreeSet<String>,
    /// The registry packages the service's own package.json lists as production
    /// dependencies, as the workspace has it (an image may strip its copy: a Next.js
    /// standalone tree keeps no dependency specs).
    pub(super) own_external_deps: BTreeSet<String>,
    pub(super) others: Vec<OtherService>,
    pub(super) ecosystem: Ecosystem,
    pub(super) bin: Option<String>,
    pub(super) locked: Option<LockFacts>,
}

pub(super) fn ws_facts(ws: &Workspace, service: &Service, build_script: &str) -> WsFacts {
    let own = ws.service_package(service);
    let closure: BTreeSet<usize> = service.runtime_closure.iter().copied().collect();
    let mut dev_names = BTreeSet::new();
    let mut runtime_dep_names = BTreeSet::new();
    for p in &ws.packages {
        dev_names.extend(p.dev_deps.iter().cloned());
        runtime_dep_names.extend(p.external_deps.iter().cloned());
        for d in &p.internal_deps {
            let name = ws.package(d.package).name.clone();
            if d.kind.is_runtime() {
                runtime_dep_names.insert(name);
            } else {
                dev_names.insert(name);
            }
        }
    }
    let others = ws
        .services
        .iter()
        .filter(|s| s.name != service.name && !closure.contains(&s.package))
        .map(|s| {
            let p = ws.service_package(s);
            let same = s.package == service.package;
            OtherService {
                name: s.name.clone(),
                package: (!same).then(|| p.name.clone()),
                dir: (!same && !p.dir.is_empty()).then(|| p.dir.clone()),
                bin: (p.ecosystem == Ecosystem::Cargo).then(|| s.entry.clone()),
                entry: (p.ecosystem == Ecosystem::Pnpm && !s.entry.is_empty())
                    .then(|| s.entry.clone()),
            }
        })
        .collect();
    WsFacts {
        package_name: own.name.clone(),
        own_external_deps: own.external_deps.iter().cloned().collect(),
        runtime_names: service
            .runtime_closure
            .iter()
            .map(|&i| ws.package(i).name.clone())
            .collect(),
        unbuilt_names: service
            .runtime_closure
            .iter()
            .map(|&i| ws.package(i))
            .filter(|p| {
                p.node
                    .as_ref()
                    .is_some_and(|n| !n.scripts.contains_key(build_script))
            })
            .map(|p| p.name.clone())
            .collect(),
        all_names: ws
            .packages
            .iter()
            .map(|p| (p.name.clone(), p.dir.clone()))
            .collect(),
        dev_names,
        runtime_dep_names,
        root_dep_names: (ws.pnpm.iter())
            .flat_map(|p| &p.root_dependencies)
            .filter(|(_, field)| field.as_str() != "devDependencies")
            .map(|(name, _)| name.clone())
            .collect(),
        others,
        ecosystem: own.ecosystem,
        bin: (own.ecosystem == Ecosystem::Cargo).then(|| service.entry.clone()),
        locked: lock_facts(ws, service),
    }
}
