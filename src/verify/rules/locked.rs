//! `version-not-locked`: the image runs what `pnpm-lock.yaml` locks for the service's
//! production closure (with `--workspace` and a shared v6/v9 lockfile). Three checks:
//!
//! - every third-party package folder under the workspace root is a name and version of that
//!   closure (a package the closure does not hold at all, or another version of one it does);
//! - every link in a `node_modules` whose owner the lockfile describes (an importer's folder,
//!   or a package of pnpm's virtual store, `.pnpm/<key>/node_modules`) gives the version the
//!   lockfile locks for that edge;
//! - a package the service's own code imports without its package.json declaring it (found
//!   through hoisting, `shamefully-hoist`) is the version the workspace's own install hoists:
//!   the image's smaller install may hoist another one from another package's closure.
//!
//! A package root the build wrote in the service's output with its own `node_modules` is
//! reported whole when an install ran there, package by package when it is a bundler's copy
//! of the frozen install (Nitro's `.output/server`).
//!
//! Packages bundled inside another package's tarball (`bundledDependencies`) are not locked
//! one by one and are left alone. Like every rule, it only looks at the [`super::Ctx`].

use std::collections::{BTreeMap, HashMap};

use super::{Collector, Ctx};
use crate::verify::diags::Diag;
use crate::verify::facts::Manifest;
use crate::verify::fs;
use crate::verify::modgraph::Graph;
use crate::verify::subject::{find_installed, node_modules_name, LockFacts, Role};

pub fn check(ctx: &Ctx, graph: Option<&Graph>, out: &mut Collector) {
    let Some(lock) = &ctx.subject.locked else {
        return;
    };
    let Some(scope) = ctx
        .subject
        .ws_root
        .as_deref()
        .or(ctx.subject.app_root.as_deref())
    else {
        return;
    };
    packages(ctx, lock, scope, out);
    nested_packages(ctx, lock, scope, out);
    links(ctx, lock, scope, out);
    if let Some(g) = graph {
        undeclared(ctx, lock, g, out);
    }
}

/// A third-party package folder of the image (its `node_modules` position and manifest).
pub(super) fn third_party<'a>(ctx: &'a Ctx, dir: &str) -> Option<&'a Manifest> {
    let m = ctx.facts.manifests.get(dir)?;
    let third = matches!(ctx.subject.role_of_dir(dir), Some(Role::ThirdParty));
    (third && m.in_node_modules && node_modules_name(dir).is_some()).then_some(m)
}

/// Whether `dir` is inside `scope` (the workspace root in the image), not the system's.
pub(super) fn in_scope(dir: &str, scope: &str) -> bool {
    fs::is_within(dir, scope) && !fs::is_within(dir, "/usr") && !fs::is_within(dir, "/opt")
}

/// Whether the package folder `dir` sits in the `node_modules` of a package that bundles its
/// dependencies (they come inside its tarball, which the lockfile locks whole).
pub(super) fn bundled(ctx: &Ctx, lock: &LockFacts, dir: &str) -> bool {
    let Some(i) = dir.rfind("/node_modules/") else {
        return false;
    };
    let holder = &dir[..i];
    (ctx.facts.manifests.get(holder))
        .and_then(|m| m.name.as_ref())
        .is_some_and(|n| lock.closure.bundlers.contains(n))
}

/// A third-party package folder under `scope` that the lockfile rules check: its folder, its
/// manifest, its name and version.
pub(super) type Checked<'a> = (&'a String, &'a Manifest, &'a String, &'a String);

/// Every third-party package folder under `scope` with a name and a version, not allowed by
/// the policy and not bundled in another package: what `version-not-locked` and
/// `integrity-not-locked` compare with the lockfile.
pub(super) fn checked_packages<'a, 'c: 'a, 'f: 'c>(
    ctx: &'a Ctx<'c, 'f>,
    lock: &'a LockFacts,
    scope: &'a str,
) -> impl Iterator<Item = Checked<'a>> + use<'a, 'c, 'f> {
    ctx.facts.manifests.iter().filter_map(move |(dir, m)| {
        if !in_scope(dir, scope) || ctx.policy.allowed(&m.path()) {
            return None;
        }
        let m = third_party(ctx, dir)?;
        let (Some(name), Some(version)) = (&m.name, &m.version) else {
            return None;
        };
        (!bundled(ctx, lock, dir) && nested_install(ctx, dir).is_none())
            .then_some((dir, m, name, version))
    })
}

/// The service's nested package root ([`crate::verify::subject::Subject::nested`]) whose own
/// `node_modules` holds the package folder `dir`: an install the lockfile does not describe.
pub(super) fn nested_install<'a>(ctx: &'a Ctx, dir: &str) -> Option<&'a str> {
    let holder = &dir[..dir.find("/node_modules/")?];
    ctx.subject.nested.get(holder).map(String::as_str)
}

/// The third-party package folders that an install in one of the service's nested package
/// roots put there: pnpm-lock.yaml locks none of them, whatever their version. One finding per
/// nested root (one cause), listing every folder.
fn nested_packages(ctx: &Ctx, lock: &LockFacts, scope: &str, out: &mut Collector) {
    // The service's manifest as the workspace has it, where the fix goes.
    let manifest = fs::join(&lock.service_dir, "package.json");
    let manifest = manifest.trim_start_matches('/');
    // Nested root -> (packages, folders, first layer).
    let mut by_holder: BTreeMap<&str, (Vec<String>, Vec<String>, usize)> = BTreeMap::new();
    for (dir, m) in &ctx.facts.manifests {
        let Some(holder) = nested_install(ctx, dir) else {
            continue;
        };
        if !in_scope(dir, scope) || ctx.policy.allowed(&m.path()) {
            continue;
        }
        let Some(m) = third_party(ctx, dir) else {
            continue;
        };
        let (Some(name), Some(version)) = (&m.name, &m.version) else {
            continue;
        };
        let package = format!("{name}@{version}");
        if copied_from_the_install(ctx, holder) && lock.every_package.contains(&package) {
            continue;
        }
        let entry = by_holder
            .entry(holder)
            .or_insert_with(|| (Vec::new(), Vec::new(), m.layer));
        entry.0.push(package);
        entry.1.push(dir.clone());
        entry.2 = entry.2.min(m.layer);
    }
    for (holder, (packages, dirs, layer)) in by_holder {
        let diag = Diag::nested_install_not_locked(holder, &packages, manifest);
        out.config_with_paths(diag, packages, dirs, Some(layer));
    }
}

/// Files a package manager writes where it installs (npm, yarn, pnpm): without any, the nested
/// root's `node_modules` is a copy that a bundler traced from the build's frozen install
/// (Nitro's `.output/server`, inngest's TanStack Start dashboard: 298 packages), whose every
/// package is then one the lockfile records; with one, an install resolved them itself.
const INSTALL_MARKERS: &[&str] = &[
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "node_modules/.package-lock.json",
    "node_modules/.yarn-integrity",
    "node_modules/.modules.yaml",
];

/// Whether the nested root `holder`'s `node_modules` holds no package manager's marks.
fn copied_from_the_install(ctx: &Ctx, holder: &str) -> bool {
    !(INSTALL_MARKERS.iter()).any(|f| ctx.facts.fs.exists(&fs::join(holder, f)))
}

fn packages(ctx: &Ctx, lock: &LockFacts, scope: &str, out: &mut Collector) {
    for (dir, m, name, version) in checked_packages(ctx, lock, scope) {
        let diag = match lock.closure.packages.get(name) {
            None => Diag::not_in_closure(dir, &format!("{name}@{version}")),
            Some(vs) if !vs.contains_key(version) => {
                let locked: Vec<&str> = vs.keys().map(String::as_str).collect();
                Diag::version_not_locked(dir, name, version, &locked.join(", "))
            }
            Some(_) => continue,
        };
        out.config_with_paths(
            diag,
            vec![version.clone()],
            vec![dir.clone()],
            Some(m.layer),
        );
    }
}

/// Every link (or folder) at a `node_modules/<name>` position whose owner the lockfile
/// describes, checked against the version it locks for that edge.
fn links(ctx: &Ctx, lock: &LockFacts, scope: &str, out: &mut Collector) {
    // `.pnpm/<key>/node_modules` -> `name@version` of the package pnpm put there.
    let mut store: HashMap<&str, String> = HashMap::new();
    for (dir, m) in &ctx.facts.manifests {
        let Some(name) = node_modules_name(dir) else {
            continue;
        };
        let modules = &dir[..dir.len() - name.len() - 1];
        let key_dir = fs::parent(modules);
        if fs::basename(fs::parent(key_dir)) == ".pnpm" && m.name.as_deref() == Some(name) {
            if let Some(v) = &m.version {
                store.insert(modules, format!("{name}@{v}"));
            }
        }
    }
    let importers: BTreeMap<String, &str> = (lock.closure.direct.keys())
        .map(|dir| {
            let path = if dir == "." {
                scope.to_string()
            } else {
                fs::join(scope, dir)
            };
            (fs::join(&path, "node_modules"), dir.as_str())
        })
        .collect();
    let positions = ctx.facts.fs.tree.entries.values().filter(|e| {
        matches!(e.kind, crate::image::EntryKind::Symlink)
            || ctx.facts.manifests.contains_key(e.path)
    });
    for e in positions {
        let Some(alias) = node_modules_name(e.path) else {
            continue;
        };
        if !in_scope(e.path, scope) || ctx.policy.allowed(e.path) {
            continue;
        }
        let modules = &e.path[..e.path.len() - alias.len() - 1];
        let (dependent, locked) = if let Some(dir) = importers.get(modules) {
            let Some(p) = lock.closure.direct.get(*dir).and_then(|d| d.get(alias)) else {
                continue;
            };
            (dir.to_string(), vec![p.to_string()])
        } else if let Some(owner) = store.get(modules) {
            let Some(set) = lock.closure.deps.get(owner).and_then(|d| d.get(alias)) else {
                continue;
            };
            (owner.clone(), set.iter().map(ToString::to_string).collect())
        } else {
            continue;
        };
        let Some(real) = ctx.facts.fs.resolve(e.path) else {
            continue;
        };
        let Some(m) = third_party(ctx, &real) else {
            continue;
        };
        let (Some(name), Some(version)) = (&m.name, &m.version) else {
            continue;
        };
        let found = format!("{name}@{version}");
        if locked.contains(&found) {
            continue;
        }
        let diag = Diag::link_not_locked(e.path, &dependent, alias, &found, &locked.join(", "));
        out.config_with_paths(diag, vec![found], vec![e.path.to_string()], Some(e.layer));
    }
}

/// Packages the service's code imports without declaring them, found through hoisting, that
/// are not the version the workspace's install hoists.
fn undeclared(ctx: &Ctx, lock: &LockFacts, graph: &Graph, out: &mut Collector) {
    // Package name -> (where it resolved, the importing files and lines).
    let mut found: BTreeMap<&str, (String, Vec<String>)> = BTreeMap::new();
    for imp in &graph.packages {
        let name = imp.package();
        let Some((owner, Role::Service | Role::Internal)) = ctx.subject.owner(&imp.file) else {
            continue;
        };
        let Some(m) = ctx.facts.manifests.get(owner) else {
            continue;
        };
        let declared = (m.runtime_deps().chain(m.dev.iter())).any(|(n, _)| n == name);
        if declared || m.name.as_deref() == Some(name) {
            continue;
        }
        let Some((_, real)) = find_installed(ctx.facts, fs::parent(&imp.file), name) else {
            continue;
        };
        let entry = found.entry(name).or_insert_with(|| (real, Vec::new()));
        entry.1.push(format!("{}:{}", imp.file, imp.line));
    }
    for (name, (real, at)) in found {
        let Some(m) = third_party(ctx, &real) else {
            continue;
        };
        let Some(version) = &m.version else {
            continue;
        };
        let Some(hoisted) = lock.hoisted.get(name) else {
            continue;
        };
        if m.name.as_deref() == Some(hoisted.name.as_str()) && *version == hoisted.version {
            continue;
        }
        let diag = Diag::undeclared_not_hoisted(
            name,
            &at[0],
            at.len() - 1,
            &real,
            version,
            &hoisted.to_string(),
        );
        let files = at.iter().map(|a| {
            a.rsplit_once(':')
                .map_or(a.as_str(), |(f, _)| f)
                .to_string()
        });
        let mut paths: Vec<String> = files.collect();
        paths.dedup();
        out.config_with_paths(diag, vec![version.clone()], paths, Some(m.layer));
    }
}
