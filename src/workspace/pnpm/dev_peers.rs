//! The packages that `pnpm install --prod` installs only because pnpm resolved an OPTIONAL
//! peer dependency from a devDependency (pnpm/pnpm#15344): `@prisma/client` declares
//! `prisma` and `typescript` as optional peers; the importer lists both as devDependencies;
//! the lockfile records them in the snapshot of `@prisma/client`, and a production install
//! links every resolved peer of a snapshot, so the image would ship the Prisma CLI and the
//! TypeScript compiler. npm's `--omit=dev` leaves them out (a lone optional peer is never
//! installed), and so does the production closure this module computes: every edge of the
//! lockfile except an optional peer edge whose package nothing else in production reaches.
//!
//! Lockfiles v6 (`/name@version(peers)` packages with their dependencies) and v9 (`packages`
//! for the metadata, `snapshots` for the edges); v5.4 and per-package lockfiles give nothing.
//! It reads the lockfile text it is given and nothing else; it never picks a version.

use std::collections::{BTreeMap, BTreeSet};
#[cfg(test)]
use std::path::Path;

use super::lockfile::LockDoc;
#[cfg(test)]
use crate::error::Result;

/// The lockfile's package graph: what [`LockGraph::dev_peers`] walks.
#[derive(Debug, Clone, Default)]
pub struct LockGraph {
    /// Snapshot key (`name@version(peers)`, no leading `/`) -> (dependency name, its key).
    pub(super) edges: BTreeMap<String, Vec<(String, String)>>,
    /// `name@version` -> the names of its optional peers.
    optional_peers: BTreeMap<String, BTreeSet<String>>,
    /// Importer (`.` for the root) -> its production dependencies (name, key); `link:`
    /// dependencies are left out (the caller names every importer it ships).
    pub(super) prod: BTreeMap<String, Vec<(String, String)>>,
    /// Importer -> devDependency name -> key.
    pub(super) dev: BTreeMap<String, BTreeMap<String, String>>,
    /// `name@version` (the key without peers) -> what `packages:` records of it: its own
    /// version when the key does not say it, its integrity, whether it bundles dependencies.
    pub(super) meta: BTreeMap<String, PackageMeta>,
    /// Some package of `meta` has a `source` (a tarball URL or a git repository): without one,
    /// only a registry `.npmrc` sets for a scope makes a package remote (see `remote.rs`).
    pub(super) any_source: bool,
}

/// What the lockfile's `packages:` entry says of one package.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PackageMeta {
    /// The name `packages:` records (a v6 git or tarball key does not say it).
    pub name: Option<String>,
    pub version: Option<String>,
    /// Where it is fetched from when not from the registry by name: the tarball URL, or the
    /// git repository of a `type: git` resolution.
    pub source: Option<String>,
    /// `source` is a git repository.
    pub git: bool,
    pub integrity: Option<String>,
    /// It lists `bundledDependencies` (shipped inside its tarball, not locked one by one).
    pub bundles: bool,
}

/// An optional peer that a devDependency resolved and nothing else in production reaches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevPeer {
    /// `name@version`.
    pub package: String,
    /// The package whose optional peer it is (`@prisma/client@7.10.0`).
    pub dependent: String,
    /// The importer (workspace folder, `.` for the root) that lists it in devDependencies,
    /// when one does (pnpm may also have resolved it from what another peer brought).
    pub importer: Option<String>,
}

/// What a production install of some importers holds that their production closure does not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DevPeers {
    pub peers: Vec<DevPeer>,
    /// Every snapshot key to leave out: the peers' and those of the packages only they need.
    pub keys: Vec<String>,
    /// Every snapshot key of the production closure (what stays).
    pub kept: Vec<String>,
}

/// `name@version` of a snapshot key (peers and patch hash dropped).
pub fn plain(key: &str) -> &str {
    key.split('(').next().unwrap_or(key)
}

/// The snapshot key a dependency `name: reference` points to: `None` for a `link:`.
fn key_of(name: &str, reference: &str) -> Option<String> {
    if reference.starts_with("link:") {
        return None;
    }
    if let Some(k) = reference.strip_prefix('/') {
        return Some(k.to_string()); // v6 alias or full path
    }
    let head = plain(reference);
    // v9 tarball and git references (`https://codeload.github.com/...`) follow the name.
    if head.contains("://") {
        return Some(format!("{name}@{reference}"));
    }
    // v9 alias (`string-width-cjs: string-width@4.2.3`), v6 `file:` keys and v6 tarball and
    // git keys (`github.com/panva/node-oidc-provider/5e7a...`) stand alone.
    if head.rfind('@').is_some_and(|i| i > 0)
        || reference.starts_with("file:")
        || head.contains('/')
    {
        return Some(reference.to_string());
    }
    Some(format!("{name}@{reference}"))
}

impl LockGraph {
    /// Reads the graph from the lockfile `text` (v6 or v9; empty for any other version).
    #[cfg(test)]
    pub(super) fn read(text: &str, path: &Path, version: Option<&str>) -> Result<LockGraph> {
        let doc = (LockGraph::handles(version))
            .then(|| LockDoc::parse(text, path))
            .transpose()?;
        Ok(doc.map_or_else(LockGraph::default, |d| LockGraph::of(&d, version)))
    }

    /// Whether a lockfile of `version` has a graph here (v6, v9 and later).
    fn handles(version: Option<&str>) -> bool {
        let v6 = version.is_some_and(|v| v.starts_with('6'));
        let major = version.and_then(|v| v.split('.').next()?.parse::<u32>().ok());
        v6 || major.is_some_and(|m| m >= 9)
    }

    /// The graph of the parsed lockfile `lock` of `version` (empty unless v6 or v9).
    pub(super) fn of(lock: &LockDoc, version: Option<&str>) -> LockGraph {
        if !LockGraph::handles(version) {
            return LockGraph::default();
        }
        let major = version.and_then(|v| v.split('.').next()?.parse::<u32>().ok());
        let v9 = major.is_some_and(|m| m >= 9);
        let mut g = LockGraph::default();
        for (key, node) in &lock.packages {
            let key = key.trim_start_matches('/');
            let resolution = node.resolution.as_ref();
            let meta = PackageMeta {
                name: node.name.clone(),
                version: node.version.clone(),
                source: resolution.and_then(|r| match r.kind.as_deref() {
                    Some("git") => r.repo.clone(),
                    Some(_) => None,
                    None => r.tarball.clone(),
                }),
                git: resolution.is_some_and(|r| r.kind.as_deref() == Some("git")),
                integrity: resolution.and_then(|r| r.integrity.clone()),
                bundles: node.bundled.is_some(),
            };
            g.any_source |= meta.source.is_some();
            if meta != PackageMeta::default() {
                g.meta.insert(plain(key).to_string(), meta);
            }
            let optional: BTreeSet<String> = (node.peers_meta.iter())
                .filter(|(_, m)| m.optional)
                .map(|(n, _)| n.clone())
                .collect();
            if !optional.is_empty() {
                g.optional_peers.insert(plain(key).to_string(), optional);
            }
        }
        let nodes = if v9 { &lock.snapshots } else { &lock.packages };
        for (key, node) in nodes {
            let deps = (node.dependencies.iter().chain(&node.optional))
                .filter_map(|(n, r)| Some((n.clone(), key_of(n, r)?)))
                .collect();
            g.edges
                .insert(key.trim_start_matches('/').to_string(), deps);
        }
        for (dir, imp) in lock.importers() {
            let prod = (imp.dependencies.iter().chain(&imp.optional_dependencies))
                .filter_map(|(n, e)| Some((n.clone(), key_of(n, e.version())?)))
                .collect();
            g.prod.insert(dir.clone(), prod);
            let dev = (imp.dev_dependencies.iter())
                .filter_map(|(n, e)| Some((n.clone(), key_of(n, e.version())?)))
                .collect();
            g.dev.insert(dir.clone(), dev);
        }
        g
    }

    /// The optional peers that `pnpm install --prod` of `importers` (workspace folders, `""`
    /// or `.` for the root) installs although nothing in their production closure needs them
    /// and no importer lists them as a production dependency (a devDependency resolved them:
    /// of these importers, of the root, or of another package of the workspace), with what
    /// only they need. Empty when the graph is empty (no v6/v9 lockfile).
    pub fn dev_peers(&self, importers: &[&str]) -> DevPeers {
        let importers: Vec<&str> = importers
            .iter()
            .map(|d| if d.is_empty() { "." } else { d })
            .collect();
        let roots: Vec<String> = (importers.iter())
            .flat_map(|d| self.prod.get(*d).into_iter().flatten())
            .map(|(_, k)| k.clone())
            .collect();
        let full = self.closure(roots.clone(), false);
        // Optional peer edges to a package some importer lists as a production dependency
        // (the root's, which pnpm resolves peers from) are kept: their targets are roots of
        // their own, until nothing changes.
        let mut extra: BTreeSet<String> = BTreeSet::new();
        loop {
            let kept = self.closure(roots.iter().chain(&extra).cloned().collect(), true);
            let mut peers = Vec::new();
            let mut more = false;
            for key in &kept {
                for (name, target) in self.optional_edges(key) {
                    if kept.contains(target) {
                        continue;
                    }
                    if self.prod_source(name, target) {
                        more |= extra.insert(target.clone());
                        continue;
                    }
                    peers.push(DevPeer {
                        package: plain(target).to_string(),
                        dependent: plain(key).to_string(),
                        importer: self.dev_source(&importers, name, target),
                    });
                }
            }
            if more {
                continue;
            }
            peers.sort_by(|a, b| (&a.package, &a.dependent).cmp(&(&b.package, &b.dependent)));
            peers.dedup_by(|a, b| a.package == b.package && a.dependent == b.dependent);
            let keys = full.difference(&kept).cloned().collect();
            return DevPeers {
                peers,
                keys,
                kept: kept.into_iter().collect(),
            };
        }
    }

    /// The snapshot keys reachable from `roots`; with `skip_optional_peers`, not through an
    /// optional peer edge.
    pub(super) fn closure(
        &self,
        roots: Vec<String>,
        skip_optional_peers: bool,
    ) -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut todo = roots;
        while let Some(key) = todo.pop() {
            if !seen.insert(key.clone()) {
                continue;
            }
            let optional = self.optional_peers.get(plain(&key));
            for (name, target) in self.edges.get(&key).into_iter().flatten() {
                if skip_optional_peers && optional.is_some_and(|o| o.contains(name)) {
                    continue;
                }
                todo.push(target.clone());
            }
        }
        seen
    }

    /// The optional peer edges of the snapshot `key`: (peer name, its key).
    fn optional_edges<'a>(&'a self, key: &str) -> impl Iterator<Item = (&'a str, &'a String)> {
        let optional = self.optional_peers.get(plain(key));
        (self.edges.get(key).into_iter().flatten())
            .filter(move |(n, _)| optional.is_some_and(|o| o.contains(n)))
            .map(|(n, k)| (n.as_str(), k))
    }

    /// The importer whose devDependency `name` is the snapshot `target`: one of `importers`,
    /// else the root, else any other importer of the workspace (pnpm resolves a peer from
    /// what the workspace holds: another service's devDependency too).
    fn dev_source(&self, importers: &[&str], name: &str, target: &str) -> Option<String> {
        let is_dev =
            |d: &str| (self.dev.get(d).and_then(|m| m.get(name))).is_some_and(|k| k == target);
        (importers.iter().copied().chain(["."]))
            .find(|d| is_dev(d))
            .or_else(|| self.dev.keys().map(String::as_str).find(|d| is_dev(d)))
            .map(str::to_string)
    }

    /// Whether some importer lists `name` at the snapshot `target` as a production dependency.
    fn prod_source(&self, name: &str, target: &str) -> bool {
        (self.prod.values().flatten()).any(|(n, k)| n == name && k == target)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `@prisma/client` with its optional peers resolved from devDependencies; `pg` a prod
    /// dependency that is also an optional peer of `kysely`; `react` an optional peer that
    /// another service lists as a production dependency (kept); `services/orders` lists only
    /// `prisma`, and pnpm resolved the `typescript` peer from `services/api`'s devDependency.
    const V9: &str = "lockfileVersion: '9.0'
importers:
  services/api:
    dependencies:
      '@prisma/client':
        specifier: 7.10.0
        version: 7.10.0(prisma@7.10.0(typescript@5.6.3))(typescript@5.6.3)
      kysely:
        specifier: 1.0.0
        version: 1.0.0(pg@8.0.0)
      pg:
        specifier: 8.0.0
        version: 8.0.0
      ui:
        specifier: 1.0.0
        version: 1.0.0(react@19.0.0)
      '@s/lib':
        specifier: workspace:*
        version: link:../../packages/lib
    devDependencies:
      prisma:
        specifier: 7.10.0
        version: 7.10.0(typescript@5.6.3)
      typescript:
        specifier: 5.6.3
        version: 5.6.3
  packages/lib:
    dependencies:
      ms:
        specifier: 2.1.3
        version: 2.1.3
  services/web:
    dependencies:
      react:
        specifier: 19.0.0
        version: 19.0.0
  services/orders:
    dependencies:
      '@prisma/client':
        specifier: 7.10.0
        version: 7.10.0(prisma@7.10.0(typescript@5.6.3))(typescript@5.6.3)
    devDependencies:
      prisma:
        specifier: 7.10.0
        version: 7.10.0(typescript@5.6.3)
packages:
  '@prisma/client@7.10.0':
    peerDependencies: {prisma: '*', typescript: '>=5'}
    peerDependenciesMeta:
      prisma: {optional: true}
      typescript: {optional: true}
  prisma@7.10.0:
    peerDependenciesMeta:
      typescript: {optional: true}
  kysely@1.0.0:
    peerDependenciesMeta:
      pg: {optional: true}
  ui@1.0.0:
    peerDependenciesMeta:
      react: {optional: true}
snapshots:
  '@prisma/client@7.10.0(prisma@7.10.0(typescript@5.6.3))(typescript@5.6.3)':
    dependencies:
      '@prisma/client-runtime-utils': 7.10.0
    optionalDependencies:
      prisma: 7.10.0(typescript@5.6.3)
      typescript: 5.6.3
  '@prisma/client-runtime-utils@7.10.0': {}
  prisma@7.10.0(typescript@5.6.3):
    dependencies:
      '@prisma/engines': 7.10.0
    optionalDependencies:
      typescript: 5.6.3
  '@prisma/engines@7.10.0': {}
  typescript@5.6.3: {}
  kysely@1.0.0(pg@8.0.0):
    optionalDependencies:
      pg: 8.0.0
  pg@8.0.0: {}
  ui@1.0.0(react@19.0.0):
    optionalDependencies:
      react: 19.0.0
  react@19.0.0: {}
  ms@2.1.3: {}
";

    fn graph(text: &str, version: &str) -> LockGraph {
        LockGraph::read(text, Path::new("pnpm-lock.yaml"), Some(version)).unwrap()
    }

    #[test]
    fn optional_peers_from_dev_dependencies_are_left_out_with_what_only_they_need() {
        let found = graph(V9, "9.0").dev_peers(&["services/api", "packages/lib"]);
        let peers: Vec<(&str, &str, &str)> = (found.peers.iter())
            .map(|p| {
                (
                    p.package.as_str(),
                    p.dependent.as_str(),
                    p.importer.as_deref().unwrap_or("-"),
                )
            })
            .collect();
        assert_eq!(
            peers,
            [
                ("prisma@7.10.0", "@prisma/client@7.10.0", "services/api"),
                ("typescript@5.6.3", "@prisma/client@7.10.0", "services/api"),
            ]
        );
        assert_eq!(
            found.keys,
            [
                "@prisma/engines@7.10.0",
                "prisma@7.10.0(typescript@5.6.3)",
                "typescript@5.6.3"
            ]
        );
        // A prod dependency that is also an optional peer stays, as does an optional peer that
        // another package lists as a production dependency, and the linked package's own
        // dependencies.
        for kept in [
            "pg@8.0.0",
            "react@19.0.0",
            "ms@2.1.3",
            "@prisma/client-runtime-utils@7.10.0",
        ] {
            assert!(
                found.kept.iter().any(|k| k == kept),
                "{kept}: {:?}",
                found.kept
            );
        }
    }

    #[test]
    fn a_peer_resolved_from_another_services_dev_dependency_is_left_out_too() {
        let found = graph(V9, "9.0").dev_peers(&["services/orders"]);
        let peers: Vec<(&str, Option<&str>)> = (found.peers.iter())
            .map(|p| (p.package.as_str(), p.importer.as_deref()))
            .collect();
        assert_eq!(
            peers,
            [
                ("prisma@7.10.0", Some("services/orders")),
                ("typescript@5.6.3", Some("services/api")),
            ]
        );
        assert!(found.keys.iter().any(|k| k == "typescript@5.6.3"));
    }

    #[test]
    fn a_v6_lockfile_gives_the_same_and_older_ones_nothing() {
        let v6 = "lockfileVersion: '6.0'
importers:
  .:
    dependencies:
      '@prisma/client':
        specifier: 5.0.0
        version: 5.0.0(prisma@5.0.0)
    devDependencies:
      prisma:
        specifier: 5.0.0
        version: 5.0.0
packages:
  /@prisma/client@5.0.0(prisma@5.0.0):
    peerDependenciesMeta:
      prisma: {optional: true}
    dependencies:
      prisma: 5.0.0
  /prisma@5.0.0:
    dependencies:
      '@prisma/engines': 5.0.0
  /@prisma/engines@5.0.0: {}
";
        let found = graph(v6, "6.0").dev_peers(&[""]);
        assert_eq!(found.keys, ["@prisma/engines@5.0.0", "prisma@5.0.0"]);
        assert_eq!(found.peers[0].importer.as_deref(), Some("."));
        assert!(graph(v6, "5.4").dev_peers(&[""]).keys.is_empty());
    }
}
