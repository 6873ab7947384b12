//! Which registry packages of each importer's production closure `pnpm-lock.yaml` marks
//! `requiresBuild: true` (an install script or a `binding.gyp`: native addons). Lockfiles v5.4
//! and v6 (pnpm 7, 8) record it; v9 no longer does, and then nothing is known.
//!
//! Read only when the workspace forbids install scripts (`ignore-scripts`), to name what the
//! image will lack. It reads the lockfile text it is given and nothing else, and it never
//! guesses: a package is named only when the lockfile marks it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::files::yaml_error;
use super::lockfile::LockedDep;
use crate::error::Result;

#[derive(serde::Deserialize)]
struct Lockfile {
    #[serde(default)]
    packages: BTreeMap<String, LockPackage>,
}

#[derive(serde::Deserialize)]
struct LockPackage {
    #[serde(default, rename = "requiresBuild")]
    requires_build: bool,
    #[serde(default)]
    dependencies: BTreeMap<String, String>,
    #[serde(default, rename = "optionalDependencies")]
    optional_dependencies: BTreeMap<String, String>,
}

/// Importer folder -> names of the packages its production dependencies (transitively) need
/// built, from the lockfile `text` (v5.4 or v6; empty for v9).
pub(super) fn requires_build(
    text: &str,
    path: &Path,
    version: Option<&str>,
    importers: &BTreeMap<String, BTreeMap<String, LockedDep>>,
) -> Result<BTreeMap<String, BTreeSet<String>>> {
    let v5 = version.is_some_and(|v| v.starts_with('5'));
    if !(v5 || version.is_some_and(|v| v.starts_with('6'))) {
        return Ok(BTreeMap::new());
    }
    let lock: Lockfile = serde_saphyr::from_str(text).map_err(|e| yaml_error(path, &e))?;
    if !lock.packages.values().any(|p| p.requires_build) {
        return Ok(BTreeMap::new());
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
            if p.requires_build {
                names.insert(name);
            }
            for (n, v) in p.dependencies.iter().chain(&p.optional_dependencies) {
                todo.extend(key(n, v).map(|k| (n.clone(), k)));
            }
        }
        if !names.is_empty() {
            out.insert(dir.clone(), names);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v6_closure_names_what_needs_a_build_and_v9_names_nothing() {
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
        let got =
            requires_build(text, Path::new("pnpm-lock.yaml"), Some("6.0"), &importers).unwrap();
        assert_eq!(
            got.get("services/api")
                .map(|s| s.iter().map(String::as_str).collect::<Vec<_>>()),
            Some(vec!["argon2", "bcrypt"])
        );
        assert!(!got.contains_key("packages/lib"));
        let none =
            requires_build(text, Path::new("pnpm-lock.yaml"), Some("9.0"), &importers).unwrap();
        assert!(none.is_empty());
    }
}
