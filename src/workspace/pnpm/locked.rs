//! What `pnpm-lock.yaml` locks for some importers' production closure, as `verify` compares an
//! image with it: every package of the closure by name and version (with its integrity), each
//! importer's direct production dependencies, each package's own dependencies, and which
//! version of each name pnpm's hoisting puts at the top of the workspace's full install (what
//! an import that no manifest declares finds there).
//!
//! It reads the [`LockGraph`] and nothing else; it never picks a version of its own. Hoisting
//! follows pnpm's `@pnpm/hoist`: the importers' direct dependencies first (the first importer
//! in lockfile order wins), then every package's dependencies by the depth the lockfile walker
//! first reached it, then by key; a name the root importer declares is never hoisted.

use std::collections::{BTreeMap, BTreeSet};

use super::dev_peers::{plain, LockGraph};

/// A package of the lockfile: its name and version (`4.21.2`, or what a tarball's or git
/// dependency's `packages:` entry says).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct LockedPackage {
    pub name: String,
    pub version: String,
}

impl std::fmt::Display for LockedPackage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}@{}", self.name, self.version)
    }
}

/// What the lockfile locks for a production install of some importers.
#[derive(Debug, Clone, Default)]
pub struct LockedClosure {
    /// Name -> version -> integrity (when `packages:` records one): every package of the
    /// production closure, optional peers included (pnpm links every resolved peer).
    pub packages: BTreeMap<String, BTreeMap<String, Option<String>>>,
    /// Importer (`.` for the root) -> dependency name -> the package it is locked to.
    pub direct: BTreeMap<String, BTreeMap<String, LockedPackage>>,
    /// `name@version` of a closure package -> dependency name -> the packages it is locked to
    /// (one per peer variant of the package; usually one).
    pub deps: BTreeMap<String, BTreeMap<String, BTreeSet<LockedPackage>>>,
    /// Names of the closure packages that ship dependencies inside their own tarball
    /// (`bundledDependencies`): what sits in their folder's `node_modules` is not locked.
    pub bundlers: BTreeSet<String>,
}

/// The name and version of a snapshot key (`@s/a@1.2.3(react@18.2.0)` -> `@s/a`, `1.2.3`;
/// `x@https://host/x-1.0.0.tgz` -> `x`, the URL).
pub fn split_key(key: &str) -> Option<(&str, &str)> {
    let key = plain(key.trim_start_matches('/'));
    let from = if key.starts_with('@') {
        key.find('/')? + 1
    } else {
        0
    };
    let at = from + key[from..].find('@')?;
    let (name, version) = (&key[..at], &key[at + 1..]);
    (!name.is_empty() && !version.is_empty()).then_some((name, version))
}

impl LockGraph {
    /// Whether the graph was read (a v6 or v9 lockfile).
    pub fn is_read(&self) -> bool {
        !self.prod.is_empty() || !self.edges.is_empty()
    }

    /// The package a snapshot key stands for: name and version, the version `packages:`
    /// records when the key's is not one (a tarball URL, a git commit).
    pub fn package_of(&self, key: &str) -> Option<LockedPackage> {
        let (name, version) = split_key(key)?;
        let own = self.meta.get(plain(key.trim_start_matches('/')));
        let version = match own.and_then(|m| m.version.as_deref()) {
            Some(v) => v,
            None => version,
        };
        Some(LockedPackage {
            name: name.to_string(),
            version: version.to_string(),
        })
    }

    /// Every `name@version` the lockfile's `packages:` records, whoever depends on it: what a
    /// frozen install of the workspace can hold, and so what a bundler's trace of the build's
    /// install (Nitro's `.output/server/node_modules`) can copy.
    pub fn every_package(&self) -> BTreeSet<String> {
        (self.meta.keys())
            .filter_map(|k| self.package_of(k))
            .map(|p| format!("{}@{}", p.name, p.version))
            .collect()
    }

    /// What the lockfile locks for a production install of `importers` (workspace folders,
    /// `""` or `.` for the root): `None` when the graph was not read (no v6/v9 lockfile).
    pub fn locked_closure(&self, importers: &[&str]) -> Option<LockedClosure> {
        if !self.is_read() {
            return None;
        }
        let mut out = LockedClosure::default();
        let mut roots = Vec::new();
        for dir in importers {
            let dir = if dir.is_empty() { "." } else { dir };
            let mut direct = BTreeMap::new();
            for (alias, key) in self.prod.get(dir).into_iter().flatten() {
                roots.push(key.clone());
                if let Some(p) = self.package_of(key) {
                    direct.insert(alias.clone(), p);
                }
            }
            out.direct.insert(dir.to_string(), direct);
        }
        for key in self.closure(roots, false) {
            let Some(p) = self.package_of(&key) else {
                continue;
            };
            let own = self.meta.get(plain(&key));
            if own.is_some_and(|m| m.bundles) {
                out.bundlers.insert(p.name.clone());
            }
            let integrity = own.and_then(|m| m.integrity.clone());
            let deps = out.deps.entry(p.to_string()).or_default();
            for (alias, target) in self.edges.get(&key).into_iter().flatten() {
                if let Some(t) = self.package_of(target) {
                    deps.entry(alias.clone()).or_default().insert(t);
                }
            }
            out.packages
                .entry(p.name)
                .or_default()
                .insert(p.version, integrity);
        }
        Some(out)
    }

    /// Every package an install of `importers` with their devDependencies (a build's
    /// install) locks, by name and version; empty when the graph was not read.
    pub fn installed(&self, importers: &[&str]) -> BTreeSet<LockedPackage> {
        let mut roots = Vec::new();
        for dir in importers {
            let dir = if dir.is_empty() { "." } else { dir };
            roots.extend(
                self.prod
                    .get(dir)
                    .into_iter()
                    .flatten()
                    .map(|(_, k)| k.clone()),
            );
            roots.extend(
                self.dev
                    .get(dir)
                    .into_iter()
                    .flatten()
                    .map(|(_, k)| k.clone()),
            );
        }
        (self.closure(roots, false).iter())
            .filter_map(|k| self.package_of(k))
            .collect()
    }

    /// Name -> the package pnpm hoists to the top of the workspace's full install (every
    /// importer, devDependencies included), as `shamefully-hoist` puts it in the root's
    /// `node_modules` and `hoist-pattern` in `node_modules/.pnpm/node_modules`. Names the
    /// root importer declares are left out (they are its own dependencies there).
    pub fn hoisted(&self) -> BTreeMap<String, LockedPackage> {
        let mut taken: BTreeSet<String> = BTreeSet::new();
        let root_prod = self.prod.get(".").into_iter().flatten().map(|(n, _)| n);
        let root_dev = self.dev.get(".").into_iter().flatten().map(|(n, _)| n);
        taken.extend(root_prod.chain(root_dev).map(|n| n.to_lowercase()));
        // Depth -1: every importer's direct dependencies, dev first as pnpm spreads them.
        let mut direct: Vec<(String, String)> = Vec::new();
        let mut entry = Vec::new();
        for (dir, prod) in &self.prod {
            let dev = self.dev.get(dir).into_iter().flatten();
            for (alias, key) in dev.chain(prod.iter().map(|(a, k)| (a, k))) {
                if !direct.iter().any(|(a, _)| a == alias) {
                    direct.push((alias.clone(), key.clone()));
                }
                entry.push(key.clone());
            }
        }
        let mut nodes: Vec<(i64, String)> = Vec::new();
        let mut walked = BTreeSet::new();
        let first = self.step(entry, &mut walked);
        self.depths(first, 0, &mut walked, &mut nodes);
        nodes.sort();
        let mut out = BTreeMap::new();
        let children = direct.into_iter().chain(nodes.iter().flat_map(|(_, key)| {
            (self.edges.get(key).into_iter().flatten()).map(|(a, k)| (a.clone(), k.clone()))
        }));
        for (alias, key) in children {
            if taken.insert(alias.to_lowercase()) {
                if let Some(p) = self.package_of(&key) {
                    out.insert(alias, p);
                }
            }
        }
        out
    }

    /// One step of pnpm's lockfile walker: the keys of `next` not walked yet, marked walked.
    fn step(&self, next: Vec<String>, walked: &mut BTreeSet<String>) -> Vec<String> {
        next.into_iter()
            .filter(|k| self.edges.contains_key(k) && walked.insert(k.clone()))
            .collect()
    }

    /// pnpm's `getDependencies`: each key of `step` at `depth`, then (every child step taken
    /// first, as pnpm does) each child step one deeper, depth first.
    fn depths(
        &self,
        step: Vec<String>,
        depth: i64,
        walked: &mut BTreeSet<String>,
        out: &mut Vec<(i64, String)>,
    ) {
        let mut next_steps = Vec::new();
        for key in step {
            let children: Vec<String> = (self.edges.get(&key).into_iter().flatten())
                .map(|(_, k)| k.clone())
                .collect();
            out.push((depth, key));
            next_steps.push(self.step(children, walked));
        }
        for s in next_steps {
            self.depths(s, depth + 1, walked, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// The Flowise shape: `services/server` imports express without declaring it; the root
    /// is empty; `packages/components` locks express 4 directly, `body-kit` (the server's
    /// production dependency) needs express 5.
    const V9: &str = "lockfileVersion: '9.0'
importers:
  .:
    devDependencies:
      turbo:
        specifier: 2.0.0
        version: 2.0.0
  packages/components:
    dependencies:
      express:
        specifier: ^4.21.0
        version: 4.21.2
  services/server:
    dependencies:
      body-kit:
        specifier: 1.0.0
        version: 1.0.0(react@19.0.0)
      '@s/components':
        specifier: workspace:*
        version: link:../../packages/components
    devDependencies:
      typescript:
        specifier: 5.6.3
        version: 5.6.3
packages:
  body-kit@1.0.0:
    resolution: {integrity: sha512-body}
  express@4.21.2:
    resolution: {integrity: sha512-four}
  express@5.0.1:
    resolution: {integrity: sha512-five}
  ms@2.0.0:
    resolution: {integrity: sha512-ms0}
  ms@2.1.3:
    resolution: {integrity: sha512-ms3}
  react@19.0.0:
    resolution: {integrity: sha512-react}
  typescript@5.6.3:
    resolution: {integrity: sha512-ts}
  turbo@2.0.0:
    resolution: {integrity: sha512-turbo}
  legacy@1.0.0:
    resolution: {tarball: https://example.test/legacy.tgz}
    version: 1.0.0-beta
snapshots:
  body-kit@1.0.0(react@19.0.0):
    dependencies:
      express: 5.0.1
      react: 19.0.0
  express@4.21.2:
    dependencies:
      ms: 2.0.0
  express@5.0.1:
    dependencies:
      ms: 2.1.3
  ms@2.0.0: {}
  ms@2.1.3: {}
  react@19.0.0: {}
  typescript@5.6.3: {}
  turbo@2.0.0: {}
";

    fn graph() -> LockGraph {
        LockGraph::read(V9, Path::new("pnpm-lock.yaml"), Some("9.0")).unwrap()
    }

    #[test]
    fn the_closure_of_the_service_and_its_internal_package_with_integrity_and_edges() {
        let c = graph()
            .locked_closure(&["services/server", "packages/components"])
            .unwrap();
        let express: Vec<(&str, Option<&str>)> = (c.packages["express"].iter())
            .map(|(v, i)| (v.as_str(), i.as_deref()))
            .collect();
        assert_eq!(
            express,
            [
                ("4.21.2", Some("sha512-four")),
                ("5.0.1", Some("sha512-five"))
            ]
        );
        assert!(!c.packages.contains_key("typescript"));
        assert!(!c.packages.contains_key("turbo"));
        assert_eq!(
            c.direct["services/server"]["body-kit"].to_string(),
            "body-kit@1.0.0"
        );
        let body_deps = &c.deps["body-kit@1.0.0"]["express"];
        assert_eq!(
            body_deps
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            ["express@5.0.1"]
        );
        // The server alone: express 4 is not its closure's.
        let alone = graph().locked_closure(&["services/server"]).unwrap();
        assert_eq!(alone.packages["express"].len(), 1);
    }

    #[test]
    fn the_workspace_hoists_the_direct_dependency_before_a_transitive_one() {
        let hoisted = graph().hoisted();
        assert_eq!(hoisted["express"].to_string(), "express@4.21.2");
        // ms: express 4 (depth 0 as a direct dependency) comes first by key.
        assert_eq!(hoisted["ms"].to_string(), "ms@2.0.0");
        // The root's own dependency is never hoisted.
        assert!(!hoisted.contains_key("turbo"));
        assert_eq!(hoisted["typescript"].to_string(), "typescript@5.6.3");
    }

    #[test]
    fn keys_split_into_name_and_version() {
        assert_eq!(
            split_key("@s/a@1.2.3(react@18.2.0)"),
            Some(("@s/a", "1.2.3"))
        );
        assert_eq!(split_key("/express@4.21.2"), Some(("express", "4.21.2")));
        assert_eq!(split_key("express"), None);
        let g = graph();
        assert_eq!(
            g.package_of("legacy@1.0.0").map(|p| p.version),
            Some("1.0.0-beta".to_string())
        );
    }
}
