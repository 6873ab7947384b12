//! pnpm's "current lockfile", `node_modules/.pnpm/lock.yaml`: the record a pnpm install writes
//! of what it put in `node_modules`, every package by name and version with the integrity of
//! the tarball it unpacked (pnpm checks each tarball against that integrity before it links
//! it). `verify` reads it from an image to compare those integrities with `pnpm-lock.yaml`'s.
//!
//! It parses the text it is given (v5.4 to v9) and nothing else: it never reads the disk and
//! never judges what it read.

use std::collections::BTreeMap;
use std::path::Path;

use super::locked::split_key;
use super::lockfile::{package_key, LockDoc};

/// Name -> version -> the integrity recorded for it (None: the entry records none, as for a
/// directory, git or tarball dependency without one).
pub type InstalledPackages = BTreeMap<String, BTreeMap<String, Option<String>>>;

/// The packages a current lockfile `text` records (read from `path`, named in the error): an
/// error saying why when it is not a lockfile pnpm could have written.
pub fn installed_packages(text: &str, path: &str) -> Result<InstalledPackages, String> {
    if super::lockfile::lockfile_version(text).is_none() {
        return Err("it has no lockfileVersion".into());
    }
    let doc = LockDoc::parse(text, Path::new(path)).map_err(|e| e.to_string())?;
    let mut out = InstalledPackages::new();
    for (key, node) in &doc.packages {
        let Some((name, version)) = name_and_version(key, node.version.as_deref()) else {
            continue;
        };
        let integrity = node.resolution.as_ref().and_then(|r| r.integrity.clone());
        let versions = out.entry(name).or_default();
        // A v6 key per peer variant: the same tarball, so the same integrity; keep the first
        // that records one.
        let slot = versions.entry(version).or_default();
        if slot.is_none() {
            *slot = integrity;
        }
    }
    Ok(out)
}

/// The name and version of a `packages:` key, as [`super::dev_peers::LockGraph::package_of`]
/// names the workspace lockfile's (the entry's own `version` for a tarball or git key), or a
/// v5.4 key (`/ms/2.1.3`).
fn name_and_version(key: &str, own: Option<&str>) -> Option<(String, String)> {
    if let Some((name, version)) = split_key(key) {
        return Some((name.to_string(), own.unwrap_or(version).to_string()));
    }
    package_key(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_v9_current_lockfile_gives_each_package_its_integrity() {
        let text = "lockfileVersion: '9.0'
importers:
  services/api:
    dependencies:
      ms:
        specifier: 2.1.3
        version: 2.1.3
packages:
  ms@2.1.3:
    resolution: {integrity: sha512-ms}
  '@s/a@1.0.0':
    resolution: {integrity: sha512-a}
  legacy@https://example.test/legacy.tgz:
    resolution: {tarball: https://example.test/legacy.tgz}
    version: 1.0.0-beta
snapshots:
  ms@2.1.3: {}
";
        let got = installed_packages(text, "/app/node_modules/.pnpm/lock.yaml").unwrap();
        assert_eq!(got["ms"]["2.1.3"].as_deref(), Some("sha512-ms"));
        assert_eq!(got["@s/a"]["1.0.0"].as_deref(), Some("sha512-a"));
        assert_eq!(got["legacy"]["1.0.0-beta"], None);
    }

    #[test]
    fn v6_and_v5_keys_with_peers_and_patches_name_the_plain_version() {
        let v6 = "lockfileVersion: '6.0'
packages:
  /redux-thunk@3.1.0(redux@4.0.0):
    resolution: {integrity: sha512-thunk}
  /ms@2.1.3(patch_hash=abc):
    resolution: {integrity: sha512-ms}
";
        let got = installed_packages(v6, "lock.yaml").unwrap();
        assert_eq!(got["redux-thunk"]["3.1.0"].as_deref(), Some("sha512-thunk"));
        assert_eq!(got["ms"]["2.1.3"].as_deref(), Some("sha512-ms"));
        let v5 = "lockfileVersion: 5.4
packages:
  /ms/2.1.3:
    resolution: {integrity: sha512-ms5}
";
        let got = installed_packages(v5, "lock.yaml").unwrap();
        assert_eq!(got["ms"]["2.1.3"].as_deref(), Some("sha512-ms5"));
    }

    #[test]
    fn what_is_not_a_lockfile_is_an_error_saying_why() {
        let err = installed_packages("lockfileVersion: '9.0'\npackages: [\n", "lock.yaml");
        assert!(err.unwrap_err().contains("lock.yaml"));
        let err = installed_packages("{}\n", "lock.yaml").unwrap_err();
        assert_eq!(err, "it has no lockfileVersion");
    }
}
