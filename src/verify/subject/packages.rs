//! What every package in the image is to the service: dependencies resolved the way Node
//! resolves them (`file:`/`link:` specs, then `node_modules` up the tree, symlinks followed),
//! the service's run-time closure, each manifest folder's [`Role`], and what only dev
//! dependencies need. It reads only the already-read image (through [`Facts`]); it never
//! judges.

use std::collections::{BTreeMap, BTreeSet, HashSet, VecDeque};

use super::workspace::WsFacts;
use super::{Role, Subject};
use crate::verify::facts::{Facts, Manifest};
use crate::verify::fs;

/// Resolves `name` (with `spec`) as required from the package folder `from` (a real path):
/// where Node loads it, `node_modules` up from `from`, symlinks followed. Only when Node finds
/// nothing does a `file:`/`link:` spec's folder stand for the package (a hand-made image that
/// kept the workspace's layout without installing it; what its code imports is the
/// module-not-found rule's business).
fn resolve_dep(facts: &Facts, from: &str, name: &str, spec: &str) -> Option<String> {
    if let Some((_, real)) = find_installed(facts, from, name) {
        return Some(real);
    }
    ["file:", "link:"].iter().find_map(|proto| {
        let rel = spec.strip_prefix(proto)?;
        facts
            .fs
            .resolve(&fs::join(from, rel))
            .filter(|dir| facts.manifests.contains_key(dir))
    })
}

/// Where Node finds package `name` from folder `from`: the `node_modules` folder it is in and
/// the package's real folder (symlinks followed), when that folder holds a manifest.
pub(crate) fn find_installed(facts: &Facts, from: &str, name: &str) -> Option<(String, String)> {
    for anc in fs::self_and_ancestors(from) {
        if fs::basename(anc) == "node_modules" {
            continue;
        }
        let modules = fs::join(anc, "node_modules");
        let cand = fs::join(&modules, name);
        if let Some(real) = facts.fs.resolve(&cand) {
            if facts.manifests.contains_key(&real) {
                return Some((modules, real));
            }
        }
    }
    None
}

/// The package name a `node_modules` folder installs (`.../node_modules/@a/b` -> `@a/b`).
pub fn node_modules_name(dir: &str) -> Option<&str> {
    let i = dir.rfind("/node_modules/")?;
    let rest = &dir[i + "/node_modules/".len()..];
    let mut parts = rest.splitn(3, '/');
    let first = parts.next()?;
    if first.starts_with('@') {
        let second = parts.next()?;
        parts
            .next()
            .is_none()
            .then_some(&rest[..first.len() + 1 + second.len()])
    } else {
        parts.next().is_none().then_some(rest)
    }
}

fn walk(
    facts: &Facts,
    starts: impl IntoIterator<Item = String>,
    seen: &mut HashSet<String>,
    mut on_edge: impl FnMut(&Manifest, &str, &str, &str),
) {
    let mut queue: VecDeque<String> = starts.into_iter().collect();
    while let Some(dir) = queue.pop_front() {
        if !seen.insert(dir.clone()) {
            continue;
        }
        let Some(m) = facts.manifests.get(&dir) else {
            continue;
        };
        for (dep, spec) in m.runtime_deps() {
            if let Some(target) = resolve_dep(facts, &dir, dep, spec) {
                on_edge(m, dep, spec, &target);
                if !seen.contains(&target) {
                    queue.push_back(target);
                }
            }
        }
    }
}

/// The roles of every package in the image, what the service needs at run time, and what only
/// dev dependencies need.
pub(super) fn classify_packages(facts: &Facts, s: &mut Subject, wsf: Option<&WsFacts>) {
    let (runtime, internal) = runtime_closure(facts, s, wsf);
    s.roles = roles(facts, s, wsf, &internal);
    let (direct, transitive) = dev_only(facts, s, wsf, &runtime);
    s.dev_by_root = by_root(facts, wsf, &runtime, &direct, &transitive);
    s.dev_direct = direct;
    s.dev_transitive = transitive;
    s.runtime = runtime;
}

/// The service's run-time closure inside the image (package folders, resolved), and which of
/// them are internal packages: reached through a local spec, named as the workspace's, or
/// living outside `node_modules`.
fn runtime_closure(
    facts: &Facts,
    s: &Subject,
    wsf: Option<&WsFacts>,
) -> (HashSet<String>, BTreeSet<String>) {
    let mut internal: BTreeSet<String> = BTreeSet::new();
    let mut runtime = HashSet::new();
    if let Some(root) = &s.root {
        let ws_runtime = wsf.map(|w| &w.runtime_names);
        // The workspace's production dependencies of the service, where the image has them
        // installed for it: a manifest stripped of its specs (a Next.js standalone tree's)
        // still needs what Node loads from there (next, and next's own dependencies).
        let declared = (wsf.map(|w| &w.own_external_deps).into_iter().flatten())
            .filter_map(|name| find_installed(facts, root, name).map(|(_, real)| real));
        // The service's nested package roots (its `dist/package.json` and what an install put
        // in `dist/node_modules`) hold what its entry loads.
        let nested = s.nested.iter().cloned();
        walk(
            facts,
            std::iter::once(root.clone()).chain(nested).chain(declared),
            &mut runtime,
            |_, dep, spec, target| {
                let m = &facts.manifests[target];
                // A `file:` tarball (`file:vendor/xlsx-0.20.3.tgz`) is a vendored third-party
                // package, not a folder of the workspace.
                let tarball = [".tgz", ".tar.gz", ".tar"]
                    .iter()
                    .any(|e| spec.trim_end().ends_with(e));
                // A link into an install (`link:../../node_modules/@saleor/app-sdk`: saleor/apps
                // links its SDK to the root's own install) is the registry package there.
                let into_install = ["file:", "link:"].iter().any(|p| {
                    (spec.strip_prefix(p))
                        .is_some_and(|rel| rel.split('/').any(|c| c == "node_modules"))
                });
                let local = !tarball
                    && !into_install
                    && ["file:", "link:", "workspace:"]
                        .iter()
                        .any(|p| spec.starts_with(p));
                let named = ws_runtime.is_some_and(|n| n.contains(dep))
                    || m.name
                        .as_ref()
                        .is_some_and(|n| ws_runtime.is_some_and(|r| r.contains(n)));
                if local || named || !m.in_node_modules {
                    internal.insert(target.to_string());
                }
            },
        );
    }
    (runtime, internal)
}

/// The role of every manifest folder, visible and hidden (`internal`: the internal packages
/// of the run-time closure).
fn roles(
    facts: &Facts,
    s: &Subject,
    wsf: Option<&WsFacts>,
    internal: &BTreeSet<String>,
) -> BTreeMap<String, Role> {
    let other_by_pkg: BTreeMap<&str, &str> = s
        .others
        .iter()
        .filter_map(|o| o.package.as_deref().map(|p| (p, o.name.as_str())))
        .collect();
    // Another copy of a package the service needs (a hand-written image may copy an internal
    // package under its folder name and also install it into node_modules).
    let internal_names: BTreeSet<String> = internal
        .iter()
        .filter_map(|d| facts.manifests.get(d).and_then(|m| m.name.clone()))
        .collect();
    let service_names = &s.package_names;
    let role_for = |m: &Manifest| -> Role {
        let name = m.name.as_deref().unwrap_or("");
        if Some(&m.dir) == s.root.as_ref()
            || s.nested.contains(&m.dir)
            || is_module_type_marker(m, s)
        {
            return Role::Service;
        }
        // A bundler's package.json in the service's output, named like the service.
        let in_service = s.root.as_deref().is_some_and(|r| fs::is_within(&m.dir, r));
        if in_service && !m.in_node_modules && service_names.contains(name) {
            return Role::Service;
        }
        if internal.contains(&m.dir) || (!m.in_node_modules && internal_names.contains(name)) {
            return Role::Internal;
        }
        if let Some(o) = other_by_pkg.get(name) {
            return Role::OtherService(o.to_string());
        }
        if m.hidden.is_some() && service_names.contains(name) && !m.in_node_modules {
            return Role::Service;
        }
        if let Some(w) = wsf {
            if w.runtime_names.contains(name) {
                return Role::Internal;
            }
            if w.all_names.contains_key(name) && !service_names.contains(name) {
                return Role::WorkspacePackage(name.to_string());
            }
        }
        if m.in_node_modules {
            Role::ThirdParty
        } else {
            Role::Unknown
        }
    };
    let mut roles = BTreeMap::new();
    for m in facts.manifests.values() {
        if nested_marker(m, facts) && !is_module_type_marker(m, s) {
            // Its files belong to the package around it (the owner walks up to it).
            continue;
        }
        roles.insert(m.dir.clone(), role_for(m));
    }
    for m in &facts.hidden_manifests {
        roles.entry(m.dir.clone()).or_insert_with(|| role_for(m));
    }
    roles
}

/// A `package.json` without a name, entry points or dependencies inside the service's own
/// folder (outside `node_modules`): a marker that sets the module type of the files below it
/// (`{"type": "commonjs"}`, which Next.js writes into `.next/`, and dual CommonJS/ESM builds
/// into `dist/cjs/`), part of the service, not a package of its own.
fn is_module_type_marker(m: &Manifest, s: &Subject) -> bool {
    let Some(root) = s.root.as_deref() else {
        return false;
    };
    m.dir != root && fs::is_within(&m.dir, root) && is_marker(m)
}

/// A `package.json` without a name, entry points or dependencies, outside `node_modules`.
pub(super) fn is_marker(m: &Manifest) -> bool {
    m.name.is_none()
        && !m.in_node_modules
        && m.entry_points.is_empty()
        && m.runtime_deps().next().is_none()
        && m.dev.is_empty()
        && !m.workspaces
}

/// A marker ([`is_marker`]) below another package's folder outside `node_modules`: the
/// module type of a dual build's output (tshy's `dist/commonjs/package.json`,
/// `{"type": "commonjs"}`, and `dist/esm/package.json`), part of that package.
fn nested_marker(m: &Manifest, facts: &Facts) -> bool {
    is_marker(m)
        && fs::self_and_ancestors(fs::parent(&m.dir)).any(|a| {
            facts
                .manifests
                .get(a)
                .is_some_and(|o| !o.in_node_modules && o.dir != m.dir)
        })
}

/// Dev dependencies: names the manifests list only as devDependencies, installed in the
/// app's node_modules, and not needed at run time (`runtime`); plus what only they need.
/// Returns (direct, transitive) package folders.
/// Of the dev-only packages (`direct`, `transitive`), those the workspace root's production
/// dependencies install: reached from an installed package the root's `dependencies` name
/// (`dotenv-cli`, `@changesets/cli` and what they need), and not from a dev-only package
/// that they do not reach.
fn by_root(
    facts: &Facts,
    wsf: Option<&WsFacts>,
    runtime: &HashSet<String>,
    direct: &BTreeSet<String>,
    transitive: &BTreeSet<String>,
) -> BTreeSet<String> {
    let Some(root_names) = wsf.map(|w| &w.root_dep_names).filter(|n| !n.is_empty()) else {
        return BTreeSet::new();
    };
    let starts = (facts.manifests.values())
        .filter(|m| m.in_node_modules && !runtime.contains(&m.dir))
        .filter(|m| node_modules_name(&m.dir).is_some_and(|n| root_names.contains(n)))
        .map(|m| m.dir.clone());
    let mut from_root = HashSet::new();
    walk(facts, starts, &mut from_root, |_, _, _, _| {});
    let other = direct.iter().filter(|d| !from_root.contains(*d)).cloned();
    let mut from_other = HashSet::new();
    walk(facts, other, &mut from_other, |_, _, _, _| {});
    from_root
        .into_iter()
        .filter(|d| direct.contains(d) || (transitive.contains(d) && !from_other.contains(d)))
        .collect()
}

fn dev_only(
    facts: &Facts,
    s: &Subject,
    wsf: Option<&WsFacts>,
    runtime: &HashSet<String>,
) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut dev_names: BTreeSet<String> = BTreeSet::new();
    let mut runtime_names: BTreeSet<String> = BTreeSet::new();
    if let Some(w) = wsf {
        dev_names.extend(w.dev_names.iter().cloned());
        runtime_names.extend(w.runtime_dep_names.iter().cloned());
    }
    for (dir, role) in &s.roles {
        if matches!(role, Role::Service | Role::Internal) {
            if let Some(m) = facts.manifests.get(dir) {
                dev_names.extend(m.dev.iter().map(|(n, _)| n.clone()));
                runtime_names.extend(m.runtime_deps().map(|(n, _)| n.clone()));
            }
        }
    }
    let in_app = |dir: &str| match (&s.app_root, &s.root) {
        (Some(a), _) => fs::is_within(dir, a),
        (None, Some(r)) => fs::self_and_ancestors(r)
            .any(|anc| anc != "/" && fs::is_within(dir, &fs::join(anc, "node_modules"))),
        _ => false,
    };
    let direct: BTreeSet<String> = facts
        .manifests
        .values()
        .filter(|m| m.in_node_modules && in_app(&m.dir) && !runtime.contains(&m.dir))
        .filter(|m| {
            node_modules_name(&m.dir)
                .is_some_and(|n| dev_names.contains(n) && !runtime_names.contains(n))
        })
        .map(|m| m.dir.clone())
        .collect();
    let mut dev_seen = HashSet::new();
    walk(
        facts,
        direct.iter().cloned(),
        &mut dev_seen,
        |_, _, _, _| {},
    );
    let transitive = dev_seen
        .into_iter()
        .filter(|d| !direct.contains(d) && !runtime.contains(d) && in_app(d))
        .collect();
    (direct, transitive)
}
