//! Which registry packages of each importer's production closure pnpm builds (runs install
//! scripts of: native addons). Lockfiles v5.4 and v6 (pnpm 7, 8) mark them `requiresBuild:
//! true`; v9 no longer does, and there only the packages the workspace allows to build
//! (`onlyBuiltDependencies`, pnpm 11's `allowBuilds`: pnpm 10 and 11 build nothing else) are
//! named; with neither, nothing is known.
//!
//! It reads the lockfile text it is given and nothing else, and it never guesses: a package is
//! named only when the lockfile marks it or the workspace's allow list names it. A v5.4/v6
//! package marked `optional: true` is not named: pnpm 7 and 8 mark every optional package
//! `requiresBuild` without downloading it to check (pnpm/pnpm#7707), so the mark says nothing.

use super::lockfile::{LockDoc, LockedDep};
use std::collections::{BTreeMap, BTreeSet};

/// Importer folder -> names of the packages its production dependencies (transitively) need
/// built, from the lockfile `text`: marked `requiresBuild` (v5.4, v6), or (v9) named by
/// `allowed`, the workspace's allow list.
#[cfg(test)]
pub(super) fn requires_build(
    text: &str,
    path: &std::path::Path,
    version: Option<&str>,
    importers: &BTreeMap<String, BTreeMap<String, LockedDep>>,
    allowed: &BTreeSet<String>,
) -> crate::error::Result<BTreeMap<String, BTreeSet<String>>> {
    let lock = LockDoc::parse(text, path)?;
    Ok(requires_build_in(&lock, version, importers, allowed))
}

/// [`requires_build`] of the parsed lockfile `lock`.
pub(super) fn requires_build_in(
    lock: &LockDoc,
    version: Option<&str>,
    importers: &BTreeMap<String, BTreeMap<String, LockedDep>>,
    allowed: &BTreeSet<String>,
) -> BTreeMap<String, BTreeSet<String>> {
    let v5 = version.is_some_and(|v| v.starts_with('5'));
    if !(v5 || version.is_some_and(|v| v.starts_with('6'))) {
        if allowed.is_empty() || !version.is_some_and(|v| v.starts_with('9')) {
            return BTreeMap::new();
        }
        return allowed_in_closure(lock, importers, allowed);
    }
    if !lock.packages.values().any(|p| p.requires_build) {
        return BTreeMap::new();
    }
    let key = |name: &str, version: &str| -> Option<String> {
        if version.starts_with('/') {
            return Some(version.to_string());
        }
        if version.starts_with("link:") || version.starts_with("file:") {
            return None;
        }
        Some(if v5 {
            format!("/{name}/{version}")
        } else {
            format!("/{name}@{version}")
        })
    };
    let mut out = BTreeMap::new();
    for (dir, deps) in importers {
        let mut todo: Vec<(String, String)> = deps
            .iter()
            .filter_map(|(n, d)| Some((n.clone(), key(n, &d.version)?)))
            .collect();
        let (mut seen, mut names) = (BTreeSet::new(), BTreeSet::new());
        while let Some((name, k)) = todo.pop() {
            if !seen.insert(k.clone()) {
                continue;
            }
            let Some(p) = lock.packages.get(&k) else {
                continue;
            };
            // `optional: true` packages are all marked, built or not (pnpm/pnpm#7707: sharp's
            // `@img/colour`, its wasm32 package): no fact to name. A build of one that fails
            // does not fail the install either.
            if p.requires_build && !p.only_optional && p.installs_on_debian() {
                names.insert(name);
            }
            for (n, v) in p.dependencies.iter().chain(&p.optional) {
                todo.extend(key(n, v).map(|k| (n.clone(), k)));
            }
        }
        if !names.is_empty() {
            out.insert(dir.clone(), names);
        }
    }
    out
}

/// v9: for each importer, the packages of its production closure (importer dependencies, then
/// snapshots' dependencies, transitively) whose name `allowed` holds.
/// Importer folder -> the registry packages of its production closure (v9 lockfiles: the
/// `snapshots` graph) whose `engines.node` is set and that install on Linux (glibc, x64 or
/// arm64: [`installs_on_debian`](super::lockfile::LockNode::installs_on_debian)), as
/// (`name@version`, range), sorted.
pub(super) fn node_engines_in(
    lock: &LockDoc,
    importers: &BTreeMap<String, BTreeMap<String, LockedDep>>,
) -> BTreeMap<String, Vec<(String, String)>> {
    let mut out = BTreeMap::new();
    for (dir, deps) in importers {
        let mut found = Vec::new();
        for (_, key) in production_closure(lock, deps) {
            // `name@version(peers)` in `snapshots`; `name@version` in `packages`.
            let head = key.split('(').next().unwrap_or(&key);
            // A package for another platform (sharp's `@img/sharp-win32-ia32`, engines.node
            // `^20.9.0`: Cap's web app on Node 24) is never installed in a Linux image.
            let range = (lock.packages.get(head))
                .filter(|p| p.installs_on_debian())
                .and_then(|p| p.engines.as_ref()?.node.clone());
            if let Some(range) = range {
                found.push((head.to_string(), range));
            }
        }
        if !found.is_empty() {
            found.sort();
            found.dedup();
            out.insert(dir.clone(), found);
        }
    }
    out
}

/// The (name, `name@version(peers)` key) of every registry package in the production closure
/// of an importer's `deps` (v9 `snapshots`).
fn production_closure(lock: &LockDoc, deps: &BTreeMap<String, LockedDep>) -> Vec<(String, String)> {
    // `name@version(peers)`; an alias's version is written `real-name@version`.
    let key = |name: &str, version: &str| -> Option<(String, String)> {
        if version.starts_with("link:") || version.starts_with("file:") {
            return None;
        }
        let head = version.split('(').next().unwrap_or(version);
        match head.rfind('@').filter(|&i| i > 0) {
            Some(i) => Some((version[..i].to_string(), version.to_string())),
            None => Some((name.to_string(), format!("{name}@{version}"))),
        }
    };
    let mut todo: Vec<(String, String)> = deps
        .iter()
        .filter_map(|(n, d)| key(n, &d.version))
        .collect();
    let (mut seen, mut out) = (BTreeSet::new(), Vec::new());
    while let Some((name, k)) = todo.pop() {
        if !seen.insert(k.clone()) {
            continue;
        }
        if let Some(snap) = lock.snapshots.get(&k) {
            for (n, v) in snap.dependencies.iter().chain(&snap.optional) {
                todo.extend(key(n, v));
            }
        }
        out.push((name, k));
    }
    out
}

fn allowed_in_closure(
    lock: &LockDoc,
    importers: &BTreeMap<String, BTreeMap<String, LockedDep>>,
    allowed: &BTreeSet<String>,
) -> BTreeMap<String, BTreeSet<String>> {
    let mut out = BTreeMap::new();
    for (dir, deps) in importers {
        let names: BTreeSet<String> = (production_closure(lock, deps).into_iter())
            .map(|(name, _)| name)
            .filter(|name| allowed.contains(name))
            .collect();
        if !names.is_empty() {
            out.insert(dir.clone(), names);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    /// atproto: cbor-extract's optional platform packages are all marked `requiresBuild`, as
    /// pnpm 8 marks every `optional: true` package (pnpm/pnpm#7707; they hold prebuilt
    /// binaries): none is named, only cbor-extract itself (its install script picks one).
    #[test]
    fn optional_platform_packages_marked_requires_build_are_not_named() {
        let text = "lockfileVersion: '6.0'\npackages:\n  /cbor-extract@2.2.0:\n    requiresBuild: true\n    optionalDependencies:\n      '@cbor-extract/cbor-extract-darwin-arm64': 2.2.0\n      '@cbor-extract/cbor-extract-linux-x64': 2.2.0\n      '@cbor-extract/cbor-extract-linuxmusl-x64': 2.2.0\n      '@cbor-extract/cbor-extract-linux-s390x': 2.2.0\n      '@cbor-extract/cbor-extract-linux-arm64': 2.2.0\n  /@cbor-extract/cbor-extract-linux-s390x@2.2.0:\n    cpu: [s390x]\n    os: [linux]\n    libc: [glibc]\n    requiresBuild: true\n    optional: true\n  /@cbor-extract/cbor-extract-linux-arm64@2.2.0:\n    cpu: [arm64]\n    os: [linux]\n    requiresBuild: true\n    optional: true\n  /@cbor-extract/cbor-extract-darwin-arm64@2.2.0:\n    cpu: [arm64]\n    os: [darwin]\n    requiresBuild: true\n    optional: true\n  /@cbor-extract/cbor-extract-linux-x64@2.2.0:\n    cpu: [x64]\n    os: [linux]\n    requiresBuild: true\n    optional: true\n  /@cbor-extract/cbor-extract-linuxmusl-x64@2.2.0:\n    os: [linux]\n    libc: [musl]\n    requiresBuild: true\n    optional: true\n";
        let importers = BTreeMap::from([(
            "services/bsync".to_string(),
            BTreeMap::from([(
                "cbor-extract".to_string(),
                LockedDep {
                    specifier: "^2".into(),
                    version: "2.2.0".into(),
                },
            )]),
        )]);
        let got = requires_build(
            text,
            Path::new("pnpm-lock.yaml"),
            Some("6.0"),
            &importers,
            &BTreeSet::new(),
        )
        .unwrap();
        let names: Vec<&str> = got["services/bsync"].iter().map(String::as_str).collect();
        assert_eq!(names, ["cbor-extract"]);
    }

    #[test]
    fn v6_closure_names_what_needs_a_build_and_v9_without_an_allow_list_names_nothing() {
        let text = "lockfileVersion: '6.0'\npackages:\n  /bcrypt@5.1.1:\n    requiresBuild: true\n    dependencies:\n      node-addon-api: 5.1.0\n  /node-addon-api@5.1.0:\n    dev: false\n  /esbuild@0.19.0:\n    requiresBuild: true\n    dev: true\n  /argon2@0.31.0(x@1.0.0):\n    requiresBuild: true\n";
        let dep = |v: &str| LockedDep {
            specifier: "^1".into(),
            version: v.into(),
        };
        let importers = BTreeMap::from([
            (
                "services/api".to_string(),
                BTreeMap::from([
                    ("bcrypt".to_string(), dep("5.1.1")),
                    ("argon2".to_string(), dep("0.31.0(x@1.0.0)")),
                    ("@x/lib".to_string(), dep("link:../../packages/lib")),
                ]),
            ),
            ("packages/lib".to_string(), BTreeMap::new()),
        ]);
        let none = BTreeSet::new();
        let got = requires_build(
            text,
            Path::new("pnpm-lock.yaml"),
            Some("6.0"),
            &importers,
            &none,
        )
        .unwrap();
        assert_eq!(
            got.get("services/api")
                .map(|s| s.iter().map(String::as_str).collect::<Vec<_>>()),
            Some(vec!["argon2", "bcrypt"])
        );
        assert!(!got.contains_key("packages/lib"));
        let v9 = requires_build(
            text,
            Path::new("pnpm-lock.yaml"),
            Some("9.0"),
            &importers,
            &none,
        )
        .unwrap();
        assert!(v9.is_empty());
    }

    #[test]
    fn v9_closure_names_the_allowed_packages_it_reaches() {
        let text = "lockfileVersion: '9.0'\nsnapshots:\n  sqlite-wrap@1.0.0:\n    dependencies:\n      better-sqlite3: 11.0.0\n  better-sqlite3@11.0.0:\n    dependencies:\n      bindings: 1.5.0\n  bindings@1.5.0: {}\n  esbuild@0.19.0: {}\n  fs-ext@2.1.1(x@1.0.0): {}\n";
        let dep = |v: &str| LockedDep {
            specifier: "^1".into(),
            version: v.into(),
        };
        let importers = BTreeMap::from([
            (
                "services/api".to_string(),
                BTreeMap::from([
                    ("sqlite-wrap".to_string(), dep("1.0.0")),
                    ("locker".to_string(), dep("fs-ext@2.1.1(x@1.0.0)")),
                    ("@x/lib".to_string(), dep("link:../../packages/lib")),
                ]),
            ),
            (
                "packages/lib".to_string(),
                BTreeMap::from([("kleur".to_string(), dep("4.1.5"))]),
            ),
        ]);
        let allowed: BTreeSet<String> = ["better-sqlite3", "esbuild", "fs-ext"]
            .map(String::from)
            .into();
        let got = requires_build(
            text,
            Path::new("pnpm-lock.yaml"),
            Some("9.0"),
            &importers,
            &allowed,
        )
        .unwrap();
        let names: Vec<&str> = got["services/api"].iter().map(String::as_str).collect();
        // esbuild is allowed but no production dependency reaches it; the alias is named by
        // the package it installs.
        assert_eq!(names, ["better-sqlite3", "fs-ext"]);
        assert!(!got.contains_key("packages/lib"));
    }
}
