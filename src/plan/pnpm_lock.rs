//! A service's part of `pnpm-lock.yaml`: the importers of its package and of the internal
//! packages it builds with (and the root's), plus every `packages:` / `snapshots:` entry they
//! reach, so that a lockfile change touching only another service's importer leaves it alone.
//!
//! Reads lockfile versions 5 (`/name/1.0.0`), 6 (`/name@1.0.0`) and 9 (`name@1.0.0`, with
//! `snapshots:`). An entry it cannot find (a format it does not know) makes the whole of
//! `packages:` and `snapshots:` part of every service: a plan may build too much, never too
//! little. Pure functions over parsed YAML: no I/O.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

/// Top-level keys that change every install (`environment`: the pnpm a self-pinning repository
/// installs, from the lockfile's first document).
const SHARED_KEYS: &[&str] = &["lockfileVersion", "settings", "environment"];

/// What one service's image depends on in a lockfile.
#[derive(Debug, Default, PartialEq)]
pub struct Part<'a> {
    /// Importer (folder) -> its entry; `None` when the lockfile has no such importer.
    pub importers: BTreeMap<String, Option<&'a Value>>,
    /// `packages:` / `snapshots:` key (prefixed with the section) -> entry.
    pub entries: BTreeMap<String, &'a Value>,
    /// Entries could not all be found: all of them are in `entries`.
    pub everything: bool,
    pub shared: BTreeMap<&'static str, Option<&'a Value>>,
}

/// How a service's part changed between two lockfiles.
#[derive(Debug, Default, PartialEq)]
pub struct PartChange {
    /// Importers whose entry differs (added, removed or changed).
    pub importers: Vec<String>,
    /// Entries added, removed or changed (without the section prefix), at most a few.
    pub entries: Vec<String>,
    /// How many entries changed in all.
    pub entry_count: usize,
    /// `lockfileVersion`, `settings` or the environment document (another pnpm) changed.
    pub shared: bool,
}

#[cfg(test)]
impl PartChange {
    pub fn is_empty(&self) -> bool {
        self.importers.is_empty() && self.entry_count == 0 && !self.shared
    }
}

/// The part of `lock` that the importers `dirs` (workspace-relative folders, `""` for the
/// root) reach.
pub fn part<'a>(lock: &'a Value, dirs: &[&str]) -> Part<'a> {
    let importers = lock.get("importers");
    let mut out = Part::default();
    for key in SHARED_KEYS {
        out.shared.insert(key, lock.get(*key));
    }
    let mut queue: Vec<(String, String)> = Vec::new();
    for dir in dirs {
        let key = if dir.is_empty() { "." } else { dir };
        let entry = importers.and_then(|i| i.get(key));
        out.importers.insert(key.to_string(), entry);
        for section in ["dependencies", "devDependencies", "optionalDependencies"] {
            for (name, dep) in map(entry.and_then(|e| e.get(section))) {
                let version = dep.get("version").unwrap_or(dep);
                if let Some(v) = version.as_str() {
                    queue.push((name.clone(), v.to_string()));
                }
            }
        }
    }
    let mut seen = BTreeSet::new();
    while let Some((name, version)) = queue.pop() {
        if version.starts_with("link:") || !seen.insert((name.clone(), version.clone())) {
            continue;
        }
        let found = find_entries(lock, &name, &version);
        if found.is_empty() {
            out.everything = true;
            continue;
        }
        for (key, entry) in found {
            for section in ["dependencies", "optionalDependencies"] {
                for (n, v) in map(entry.get(section)) {
                    if let Some(v) = v.as_str() {
                        queue.push((n.clone(), v.to_string()));
                    }
                }
            }
            out.entries.insert(key, entry);
        }
    }
    if out.everything {
        for section in ["packages", "snapshots"] {
            for (k, v) in map(lock.get(section)) {
                out.entries.insert(format!("{section}:{k}"), v);
            }
        }
    }
    out
}

fn map(value: Option<&Value>) -> impl Iterator<Item = (&String, &Value)> {
    value.and_then(Value::as_object).into_iter().flatten()
}

/// The `packages:` and `snapshots:` entries of the dependency `name` resolved to `version`, in
/// whichever key form this lockfile version uses.
fn find_entries<'a>(lock: &'a Value, name: &str, version: &str) -> Vec<(String, &'a Value)> {
    let mut candidates = vec![
        version.to_string(),
        format!("{name}@{version}"),
        format!("/{name}@{version}"),
        format!("/{name}/{version}"),
    ];
    // v9 keys `packages:` without the peer suffix that `snapshots:` keys carry.
    let bare: Vec<String> = candidates
        .iter()
        .filter_map(|c| c.split_once('(').map(|(b, _)| b.to_string()))
        .collect();
    candidates.extend(bare);
    let mut out = Vec::new();
    for section in ["packages", "snapshots"] {
        let Some(entries) = lock.get(section).and_then(Value::as_object) else {
            continue;
        };
        for c in &candidates {
            if let Some(entry) = entries.get(c) {
                out.push((format!("{section}:{c}"), entry));
            }
        }
    }
    out
}

/// How the part changed from `old` (None: no such lockfile then) to `new`.
pub fn compare(old: Option<&Part>, new: &Part) -> PartChange {
    let mut change = PartChange::default();
    let Some(old) = old else {
        change.importers = new
            .importers
            .iter()
            .filter(|(_, v)| v.is_some())
            .map(|(k, _)| k.clone())
            .collect();
        let names: BTreeSet<String> = new.entries.keys().map(|k| strip(k)).collect();
        change.entry_count = names.len();
        change.entries = names.into_iter().take(5).collect();
        return change;
    };
    for (key, entry) in &new.importers {
        if old.importers.get(key).copied().flatten() != *entry {
            change.importers.push(key.clone());
        }
    }
    let keys: BTreeSet<&String> = old.entries.keys().chain(new.entries.keys()).collect();
    // One name per entry, whether `packages:`, `snapshots:` or both changed.
    let changed: BTreeSet<String> = keys
        .into_iter()
        .filter(|k| old.entries.get(*k) != new.entries.get(*k))
        .map(|k| strip(k))
        .collect();
    change.entry_count = changed.len();
    change.entries = changed.into_iter().take(5).collect();
    change.shared = old.shared != new.shared;
    change
}

fn strip(key: &str) -> String {
    key.split_once(':').map_or(key, |(_, k)| k).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(text: &str) -> Value {
        serde_saphyr::from_str(text).unwrap()
    }

    const V9: &str = r#"
lockfileVersion: '9.0'
importers:
  .: {}
  services/api:
    dependencies:
      '@acme/lib': {specifier: 'workspace:*', version: 'link:../../packages/lib'}
      express: {specifier: ^4, version: 4.19.2}
  services/web:
    dependencies:
      react-dom: {specifier: ^18, version: 18.2.0(react@18.2.0)}
  packages/lib:
    dependencies:
      ms: {specifier: ^2, version: 2.1.3}
packages:
  express@4.19.2: {resolution: {integrity: sha512-e}}
  ms@2.1.3: {resolution: {integrity: sha512-m}}
  react-dom@18.2.0: {resolution: {integrity: sha512-rd}}
  react@18.2.0: {resolution: {integrity: sha512-r}}
snapshots:
  express@4.19.2:
    dependencies: {ms: 2.1.3}
  ms@2.1.3: {}
  react-dom@18.2.0(react@18.2.0):
    dependencies: {react: 18.2.0}
  react@18.2.0: {}
"#;

    #[test]
    fn v9_part_follows_importers_and_snapshots() {
        let lock = yaml(V9);
        let p = part(&lock, &["", "services/api", "packages/lib"]);
        assert!(!p.everything);
        let keys: Vec<&str> = p.entries.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            vec![
                "packages:express@4.19.2",
                "packages:ms@2.1.3",
                "snapshots:express@4.19.2",
                "snapshots:ms@2.1.3"
            ]
        );
        let web = part(&lock, &["services/web"]);
        assert!(web
            .entries
            .contains_key("snapshots:react-dom@18.2.0(react@18.2.0)"));
        assert!(web.entries.contains_key("packages:react@18.2.0"));
    }

    #[test]
    fn another_importers_change_is_not_ours() {
        let old = yaml(V9);
        let new = yaml(&V9.replace(
            "react-dom: {specifier: ^18, version: 18.2.0(react@18.2.0)}",
            "react-dom: {specifier: ^18.2, version: 18.2.0(react@18.2.0)}",
        ));
        let dirs = ["", "services/api", "packages/lib"];
        let change = compare(Some(&part(&old, &dirs)), &part(&new, &dirs));
        assert!(change.is_empty(), "{change:?}");
        let change = compare(
            Some(&part(&old, &["services/web"])),
            &part(&new, &["services/web"]),
        );
        assert_eq!(change.importers, vec!["services/web"]);
    }

    #[test]
    fn a_transitive_entry_change_is_ours() {
        let old = yaml(V9);
        let new = yaml(&V9.replace("sha512-m}", "sha512-m2}"));
        let dirs = ["services/api", "packages/lib"];
        let change = compare(Some(&part(&old, &dirs)), &part(&new, &dirs));
        assert_eq!(change.entries, vec!["ms@2.1.3"]);
        assert!(change.importers.is_empty());
    }

    #[test]
    fn v6_and_v5_keys() {
        let v6 = yaml(
            "lockfileVersion: '6.0'\nimporters:\n  services/api:\n    dependencies:\n      express: {specifier: ^4, version: 4.19.2}\npackages:\n  /express@4.19.2:\n    dependencies: {ms: 2.1.3}\n  /ms@2.1.3: {}\n",
        );
        let p = part(&v6, &["services/api"]);
        assert!(!p.everything);
        assert_eq!(p.entries.len(), 2);
        let v5 = yaml(
            "lockfileVersion: 5.4\nimporters:\n  services/api:\n    specifiers: {express: ^4}\n    dependencies: {express: 4.19.2}\npackages:\n  /express/4.19.2:\n    dependencies: {ms: 2.1.3}\n  /ms/2.1.3: {}\n",
        );
        let p = part(&v5, &["services/api"]);
        assert!(!p.everything);
        assert_eq!(p.entries.len(), 2);
    }

    #[test]
    fn an_unknown_entry_makes_everything_ours() {
        let lock = yaml(
            "lockfileVersion: '9.0'\nimporters:\n  a:\n    dependencies:\n      x: {specifier: ^1, version: 1.0.0}\npackages:\n  y@1.0.0: {}\n",
        );
        let p = part(&lock, &["a"]);
        assert!(p.everything);
        assert!(p.entries.contains_key("packages:y@1.0.0"));
    }
}
