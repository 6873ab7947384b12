//! `pnpm-lock.yaml` (lockfile v5.4 to v9): what each importer (package folder) resolved its
//! dependencies to, the overrides pnpm applied, and every registry version the lockfile holds.
//!
//! It reads the lockfile and nothing else; it never resolves a version on its own (a version
//! isogen pins comes from here or nowhere).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Serialize;

use super::files::{read_text, yaml_error};
use super::PnpmWorkspace;
use crate::error::Result;

/// One importer dependency of `pnpm-lock.yaml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LockedDep {
    /// The spec the lockfile was made from (what package.json said).
    pub specifier: String,
    /// What it resolved to (`2.1.3`, `2.1.3(react@18.2.0)`, `link:../lib`, ...).
    pub version: String,
}

impl PnpmWorkspace {
    /// The exact version the lockfile resolved for `key` of the package in `dir`, when the
    /// lockfile entry was made from `spec` (it is current) and resolved to a registry version.
    pub fn locked_version(&self, dir: &str, key: &str, spec: &str) -> Option<String> {
        let importer = if dir.is_empty() { "." } else { dir };
        let locked = self.locked.get(importer)?.get(key)?;
        if locked.specifier != spec {
            return None;
        }
        // Peer suffixes: `1.2.3(react@18.2.0)`.
        let version = locked.version.split('(').next().unwrap_or_default().trim();
        nodejs_semver::Version::parse(version)
            .ok()
            .map(|v| v.to_string())
    }
}

/// `lockfileVersion` from the top of `pnpm-lock.yaml`, without parsing the (large) rest.
#[cfg(test)]
pub(super) fn read_lockfile_version(path: &Path) -> Option<String> {
    lockfile_version(&read_text(path).ok()?)
}

/// The two parts of a `pnpm-lock.yaml`: pnpm's environment document, when there is one, and the
/// lockfile of the install. A pnpm that pins itself (pnpm 11's `devEngines.packageManager`, or a
/// `packageManager` of pnpm 12 and newer) writes two YAML documents: a file that opens on `---`
/// holds the environment (one importer `.` with `configDependencies` and
/// `packageManagerDependencies`: pnpm itself and what its configuration loads) up to the first
/// `---` line, and the project's lockfile after it, as pnpm's own reader splits them. Any other
/// file is one document: the project's.
pub fn lockfile_documents(text: &str) -> (Option<&str>, &str) {
    let opening = ["---\n", "---\r\n"]
        .iter()
        .find_map(|marker| text.strip_prefix(marker));
    let Some(rest) = opening else {
        return (None, text);
    };
    let separator = ["\n---\n", "\n---\r\n"]
        .iter()
        .filter_map(|marker| rest.find(marker).map(|at| (at, marker.len())))
        .min();
    match separator {
        Some((at, len)) => (Some(&rest[..at + 1]), &rest[at + len..]),
        None => (None, rest),
    }
}

/// `lockfileVersion` from the top of lockfile `text` (of its project document).
pub(super) fn lockfile_version(text: &str) -> Option<String> {
    let text = lockfile_documents(text).1;
    text.lines().take(20).find_map(|l| {
        l.strip_prefix("lockfileVersion:")
            .map(|v| v.trim().trim_matches(['\'', '"']).to_string())
    })
}

/// `pnpm-lock.yaml` as parsed once, for every reader: the facts here ([`facts`]), the package
/// graph of `dev_peers` and the build closure of `build_scripts`.
#[derive(serde::Deserialize, Default)]
pub(super) struct LockDoc {
    #[serde(default)]
    importers: BTreeMap<String, LockImporter>,
    /// `overrides` as pnpm applied them (`$name` references and `catalog:` resolved).
    #[serde(default)]
    overrides: BTreeMap<String, String>,
    /// `name@version` (v9), `/name@version(peers)` (v6), `/name/version_peers` (v5.4).
    #[serde(default)]
    pub packages: BTreeMap<String, LockNode>,
    /// v9: what each resolved package (with its peers) depends on.
    #[serde(default)]
    pub snapshots: BTreeMap<String, LockNode>,
    /// v9: the catalog entries the install used (`catalogs: {default: {ms: {specifier, version}}}`).
    #[serde(default)]
    catalogs: BTreeMap<String, BTreeMap<String, LockCatalogEntry>>,
    /// A lockfile of one project (no `importers`, as pnpm 8 writes per-package lockfiles)
    /// holds that project's dependencies at the top.
    #[serde(flatten)]
    single: LockImporter,
}

/// A `packages` or `snapshots` entry: what it depends on, whether it needs a build (v5.4, v6)
/// and which of its peers are optional.
#[derive(serde::Deserialize, Default)]
pub(super) struct LockNode {
    /// The package's name, for a key that does not say it (a v6 git or tarball key).
    #[serde(default)]
    pub name: Option<String>,
    /// The package's own version, for a key that is not `name@version` (tarballs, git).
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub resolution: Option<LockResolution>,
    #[serde(default, rename = "bundledDependencies")]
    pub bundled: Option<serde::de::IgnoredAny>,
    #[serde(default, rename = "requiresBuild")]
    pub requires_build: bool,
    /// `optional: true` (v5.4, v6): only optional dependencies lead to it. pnpm 7 and 8 mark
    /// every such package `requiresBuild`, having not downloaded it to check (pnpm/pnpm#7707).
    #[serde(default, rename = "optional")]
    pub only_optional: bool,
    /// The platforms it installs on (`os: [darwin]`, `libc: [musl]`, `cpu: [s390x]`): pnpm
    /// skips it elsewhere. pnpm copies each from the package's manifest as it is, so a
    /// manifest's single string (`"libc": "glibc"`, as sass-embedded's Linux packages have)
    /// stays one (`libc: glibc`): npm reads it as a list of one.
    #[serde(default, deserialize_with = "one_or_list")]
    pub os: Vec<String>,
    #[serde(default, deserialize_with = "one_or_list")]
    pub libc: Vec<String>,
    #[serde(default, deserialize_with = "one_or_list")]
    pub cpu: Vec<String>,
    #[serde(default)]
    pub dependencies: BTreeMap<String, String>,
    #[serde(default, rename = "optionalDependencies")]
    pub optional: BTreeMap<String, String>,
    #[serde(default, rename = "peerDependenciesMeta")]
    pub peers_meta: BTreeMap<String, PeerMeta>,
    /// `engines: {node: '>=22.19.0'}`: the Node versions the package says it runs on.
    #[serde(default)]
    pub engines: Option<LockEngines>,
}

/// A platform field of a lockfile entry: a list, or one name as its manifest wrote it.
fn one_or_list<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Vec<String>, D::Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum OneOrList {
        One(String),
        List(Vec<String>),
    }
    Ok(match serde::Deserialize::deserialize(d)? {
        OneOrList::One(name) => vec![name],
        OneOrList::List(names) => names,
    })
}

/// A package's `engines` in the lockfile.
#[derive(serde::Deserialize, Default)]
pub(super) struct LockEngines {
    #[serde(default)]
    pub node: Option<String>,
}

#[derive(serde::Deserialize, Default)]
pub(super) struct LockResolution {
    #[serde(default)]
    pub integrity: Option<String>,
    /// Where pnpm downloads it when that is not the registry's usual URL (a GitHub codeload
    /// tarball, a package of another registry, any `https://` tarball).
    #[serde(default)]
    pub tarball: Option<String>,
    /// `git` (with `repo` and `commit`) or `directory`; absent for a registry or tarball.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub repo: Option<String>,
}

#[derive(serde::Deserialize, Default)]
pub(super) struct PeerMeta {
    #[serde(default)]
    pub optional: bool,
}

impl LockNode {
    /// Whether pnpm installs it in a Debian (glibc) Linux image of amd64 or arm64 (the
    /// platforms of Node's images that images are built for in practice; sharp's and
    /// napi-rs's packages for arm, ppc64, riscv64 and s390x are not): its `os`, `libc` and
    /// `cpu` lists, read as npm reads them (allowed names, or `!name` for a blocked one),
    /// allow it.
    pub fn installs_on_debian(&self) -> bool {
        let allows = |list: &[String], here: &str| {
            list.is_empty()
                || (list.iter().any(|v| v == here)
                    || (list.iter().all(|v| v.starts_with('!'))
                        && !list.iter().any(|v| v.strip_prefix('!') == Some(here))))
        };
        allows(&self.os, "linux")
            && allows(&self.libc, "glibc")
            && (allows(&self.cpu, "x64") || allows(&self.cpu, "arm64"))
    }
}

impl LockDoc {
    /// Parses lockfile `text` (read from `path`, named in errors).
    pub fn parse(text: &str, path: &Path) -> Result<LockDoc> {
        serde_saphyr::from_str(lockfile_documents(text).1).map_err(|e| yaml_error(path, &e))
    }

    /// Each importer (`.` for the root) with its dependency fields.
    pub fn importers(&self) -> impl Iterator<Item = (&String, &LockImporter)> {
        self.importers.iter()
    }
}

#[derive(serde::Deserialize, Default)]
pub(super) struct LockImporter {
    #[serde(default)]
    pub dependencies: BTreeMap<String, LockEntry>,
    #[serde(default, rename = "optionalDependencies")]
    pub optional_dependencies: BTreeMap<String, LockEntry>,
    #[serde(default, rename = "devDependencies")]
    pub dev_dependencies: BTreeMap<String, LockEntry>,
    /// Lockfile v5.4: specifiers apart, versions as plain strings.
    #[serde(default)]
    specifiers: BTreeMap<String, String>,
}

#[derive(serde::Deserialize)]
struct LockCatalogEntry {
    specifier: String,
}

/// One dependency of an importer as the lockfile was made from it: its manifest field and
/// its specifier (what package.json said).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LockSpec {
    /// `dependencies`, `devDependencies` or `optionalDependencies`.
    pub field: String,
    pub specifier: String,
}

/// An importer's dependency: `{specifier, version}` (v6+) or a bare version (v5.4).
#[derive(Debug)]
pub(super) enum LockEntry {
    Full { specifier: String, version: String },
    Version(String),
}

/// By hand rather than `#[serde(untagged)]`, which buffered every entry of every importer
/// into serde's `Content` before trying each variant (5% of a 200-service `generate`'s CPU,
/// perf, BENCHMARKS.md Round 15). It accepts what the untagged form accepted: a string, or a
/// map with string `specifier` and `version` (other keys ignored).
impl<'de> serde::Deserialize<'de> for LockEntry {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        d.deserialize_any(LockEntryVisitor)
    }
}

struct LockEntryVisitor;

impl<'de> serde::de::Visitor<'de> for LockEntryVisitor {
    type Value = LockEntry;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a version, or a map with `specifier` and `version`")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> std::result::Result<LockEntry, E> {
        Ok(LockEntry::Version(v.to_string()))
    }

    fn visit_string<E: serde::de::Error>(self, v: String) -> std::result::Result<LockEntry, E> {
        Ok(LockEntry::Version(v))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<LockEntry, A::Error> {
        use serde::de::Error;
        let (mut specifier, mut version) = (None, None);
        while let Some(key) = map.next_key::<String>()? {
            let slot = match key.as_str() {
                "specifier" => &mut specifier,
                "version" => &mut version,
                _ => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                    continue;
                }
            };
            if slot.is_some() {
                return Err(A::Error::custom(format!("duplicate field `{key}`")));
            }
            *slot = Some(map.next_value::<String>()?);
        }
        match (specifier, version) {
            (Some(specifier), Some(version)) => Ok(LockEntry::Full { specifier, version }),
            (None, _) => Err(A::Error::missing_field("specifier")),
            (_, None) => Err(A::Error::missing_field("version")),
        }
    }
}

impl LockEntry {
    /// What the dependency resolved to.
    pub fn version(&self) -> &str {
        match self {
            LockEntry::Full { version, .. } | LockEntry::Version(version) => version,
        }
    }
}

/// What isogen reads from a `pnpm-lock.yaml`.
#[derive(Debug, Default)]
pub(super) struct LockfileFacts {
    pub importers: BTreeMap<String, BTreeMap<String, LockedDep>>,
    pub overrides: BTreeMap<String, String>,
    pub versions: BTreeMap<String, BTreeSet<String>>,
    /// Every importer's dependencies of every field, as specified (for the freshness check).
    pub specs: BTreeMap<String, BTreeMap<String, LockSpec>>,
    /// The catalog ranges the lockfile was made with: catalog -> package -> specifier.
    pub catalogs: BTreeMap<String, BTreeMap<String, String>>,
    /// Whether the lockfile has `importers` (a workspace lockfile); one without holds a single
    /// project at its top, importer `.`.
    pub has_importers: bool,
}

/// The name and version of a `packages:` key of a lockfile: `@s/a@1.2.3` (v9),
/// `/@s/a@1.2.3(react@18.2.0)` (v6), `/@s/a/1.2.3_react@18.2.0` (v5.4). `None` for keys
/// that are not a registry version (tarballs, git, directories).
pub(super) fn package_key(key: &str) -> Option<(String, String)> {
    let key = key.trim().trim_start_matches('/');
    let key = key.split('(').next().unwrap_or(key);
    // The name: one segment, two for a scoped one; then `@version` (v6, v9) or `/version` (v5.4).
    let name_len = if key.starts_with('@') {
        let slash = key.find('/')?;
        slash
            + 1
            + key[slash + 1..]
                .find(['@', '/'])
                .unwrap_or(key.len() - slash - 1)
    } else {
        key.find(['@', '/']).unwrap_or(key.len())
    };
    let (name, rest) = key.split_at(name_len);
    let version = match rest.chars().next() {
        Some('@') => &rest[1..],
        Some('/') => rest[1..].split('_').next().unwrap_or_default(),
        _ => return None,
    };
    let version = nodejs_semver::Version::parse(version).ok()?;
    (!name.is_empty()).then(|| (name.to_string(), version.to_string()))
}

/// Reads a `pnpm-lock.yaml` (v5.4 to v9): importers, overrides and the locked versions of
/// every package. An empty file holds nothing.
pub(super) fn read_lockfile(path: &Path) -> Result<LockfileFacts> {
    let text = read_text(path)?;
    if text.trim().is_empty() {
        return Ok(LockfileFacts::default());
    }
    Ok(facts(&mut LockDoc::parse(&text, path)?))
}

/// The facts of a parsed lockfile: takes its importers, overrides and catalogs, and leaves
/// `packages` and `snapshots` for the other readers.
pub(super) fn facts(doc: &mut LockDoc) -> LockfileFacts {
    let mut lock = LockDoc {
        importers: std::mem::take(&mut doc.importers),
        overrides: std::mem::take(&mut doc.overrides),
        catalogs: std::mem::take(&mut doc.catalogs),
        single: std::mem::take(&mut doc.single),
        ..LockDoc::default()
    };
    let has_importers = !lock.importers.is_empty();
    if !has_importers {
        lock.importers.insert(".".to_string(), lock.single);
    }
    let mut versions: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for key in doc.packages.keys() {
        if let Some((name, version)) = package_key(key) {
            versions.entry(name).or_default().insert(version);
        }
    }
    let specs = lock
        .importers
        .iter()
        .map(|(dir, imp)| (dir.clone(), importer_specs(imp)))
        .collect();
    let catalogs = lock
        .catalogs
        .into_iter()
        .map(|(name, entries)| {
            let entries = entries.into_iter().map(|(k, e)| (k, e.specifier)).collect();
            (name, entries)
        })
        .collect();
    let importers = lock
        .importers
        .into_iter()
        .map(|(dir, imp)| {
            let deps = imp
                .dependencies
                .into_iter()
                .chain(imp.optional_dependencies)
                .filter_map(|(key, entry)| {
                    let locked = match entry {
                        LockEntry::Full { specifier, version } => LockedDep { specifier, version },
                        LockEntry::Version(version) => LockedDep {
                            specifier: imp.specifiers.get(&key)?.clone(),
                            version,
                        },
                    };
                    Some((key, locked))
                })
                .collect();
            (dir, deps)
        })
        .collect();
    LockfileFacts {
        importers,
        overrides: lock.overrides,
        versions,
        specs,
        catalogs,
        has_importers,
    }
}

/// Every dependency of an importer with its field and specifier (v6+: in the entry; v5.4: in
/// `specifiers`).
fn importer_specs(imp: &LockImporter) -> BTreeMap<String, LockSpec> {
    let mut out = BTreeMap::new();
    for (field, deps) in [
        ("devDependencies", &imp.dev_dependencies),
        ("dependencies", &imp.dependencies),
        ("optionalDependencies", &imp.optional_dependencies),
    ] {
        for (key, entry) in deps {
            let specifier = match entry {
                LockEntry::Full { specifier, .. } => Some(specifier.clone()),
                LockEntry::Version(_) => imp.specifiers.get(key).cloned(),
            };
            if let Some(specifier) = specifier {
                let field = field.to_string();
                out.insert(key.clone(), LockSpec { field, specifier });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(yaml: &str) -> std::result::Result<LockEntry, String> {
        serde_saphyr::from_str::<LockEntry>(yaml).map_err(|e| e.to_string())
    }

    #[test]
    fn an_entry_is_a_bare_version_or_a_specifier_and_version() {
        assert!(matches!(entry("1.2.3"), Ok(LockEntry::Version(v)) if v == "1.2.3"));
        let full = entry("specifier: ^1.0.0\nversion: 1.2.3(react@18.2.0)\nother: [1]\n");
        assert!(matches!(full, Ok(LockEntry::Full { specifier, version })
            if specifier == "^1.0.0" && version == "1.2.3(react@18.2.0)"));
        assert!(entry("specifier: ^1.0.0\n")
            .unwrap_err()
            .contains("version"));
        assert!(entry("version: 1.2.3\n").unwrap_err().contains("specifier"));
        assert!(entry("[1.2.3]").is_err());
    }
}

#[cfg(test)]
mod documents_tests {
    use super::lockfile_documents;

    #[test]
    fn an_environment_document_is_split_from_the_project_lockfile() {
        let text = "---\nlockfileVersion: '9.0'\nimporters: {}\n\n---\nlockfileVersion: '6.0'\n";
        let (environment, project) = lockfile_documents(text);
        assert_eq!(
            environment,
            Some("lockfileVersion: '9.0'\nimporters: {}\n\n")
        );
        assert_eq!(project, "lockfileVersion: '6.0'\n");
        assert_eq!(super::lockfile_version(text).as_deref(), Some("6.0"));
    }

    #[test]
    fn one_document_is_the_project_lockfile_with_or_without_its_marker() {
        assert_eq!(
            lockfile_documents("lockfileVersion: '9.0'\n"),
            (None, "lockfileVersion: '9.0'\n")
        );
        assert_eq!(
            lockfile_documents("---\nlockfileVersion: '9.0'\n"),
            (None, "lockfileVersion: '9.0'\n")
        );
        let crlf = "---\r\nlockfileVersion: '9.0'\r\n---\r\nlockfileVersion: '9.0'\r\nx: 1\r\n";
        assert_eq!(
            lockfile_documents(crlf).1,
            "lockfileVersion: '9.0'\r\nx: 1\r\n"
        );
    }
}
