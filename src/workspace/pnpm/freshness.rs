//! Whether `pnpm-lock.yaml` is current, as pnpm's own frozen-lockfile check decides it
//! (`satisfiesPackageManifest`): each package's `dependencies`, `devDependencies` and
//! `optionalDependencies` must be its importer's, with the same specifiers (as written:
//! `catalog:` and `workspace:^` compare as text, so a catalog bump never shows up as a changed
//! dependency; a direct dependency an override replaces is locked with the override's value,
//! as pnpm applies overrides to the manifest before it compares, and one it removes (`-`) is
//! not locked at all), in the same field; with `auto-install-peers` (pnpm 8+'s
//! default) a peer not declared otherwise is a dependency of the importer too. The catalog
//! ranges and the overrides the lockfile was made with must be the workspace's.
//!
//! Pure: it compares facts already read and says what differs; it never reads a file and
//! never decides what to do about it (generate refuses to write, naming `pnpm install`).
//! When in doubt (a form it cannot compare) it says nothing: a false "stale" would stop a
//! working build.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use super::lockfile::LockSpec;
use crate::workspace::spec::Catalogs;

/// One file whose content the lockfile does not reflect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stale {
    /// The file that changed (workspace-relative): a package.json, or the file holding the
    /// catalogs or overrides.
    pub file: String,
    /// The package whose manifest `file` is, when it is one.
    pub package: Option<String>,
    /// The lockfile that is out of date (workspace-relative).
    pub lockfile: String,
    /// What differs, one item per dependency (`added ms ^2.1.0`).
    pub differences: Vec<String>,
}

/// The installed fields, in the order pnpm spreads them (a later one wins for a key in two).
const FIELDS: [&str; 3] = ["devDependencies", "dependencies", "optionalDependencies"];

/// What differs between a package.json and its importer; empty when current. `importer` is
/// `None` when the lockfile has no entry for the package.
pub fn importer_differences(
    manifest: &Value,
    importer: Option<&BTreeMap<String, LockSpec>>,
    auto_install_peers: bool,
    overrides: &BTreeMap<String, String>,
) -> Vec<String> {
    let mut declared = declared(manifest, auto_install_peers);
    // What an override does to a direct dependency: `-` removes it; a value replaces its spec
    // when the lockfile holds that value (a version selector such as `ai@^6` may not apply).
    declared.retain(|key, _| direct_overrides(overrides, key).all(|v| v != "-"));
    let Some(importer) = importer else {
        return if declared.is_empty() {
            Vec::new()
        } else {
            vec!["the package is not in the lockfile".to_string()]
        };
    };
    let peers = string_map(manifest.get("peerDependencies"));
    let mut out = Vec::new();
    for (key, (field, spec)) in &declared {
        match importer.get(key) {
            None => out.push(format!("added `{key}` ({spec})")),
            Some(locked)
                if locked.specifier != *spec
                    && direct_overrides(overrides, key).all(|v| v != locked.specifier) =>
            {
                out.push(format!(
                    "`{key}` is `{spec}` in package.json but `{}` in the lockfile",
                    locked.specifier
                ))
            }
            Some(locked) if locked.field != *field => {
                out.push(format!("`{key}` moved from {} to {field}", locked.field))
            }
            Some(_) => {}
        }
    }
    for key in importer.keys() {
        // A peer the lockfile installed (auto-install-peers) is declared, not removed.
        if !declared.contains_key(key) && !peers.contains_key(key) {
            out.push(format!("removed `{key}`"));
        }
    }
    out
}

/// The values of the overrides that replace `name` wherever it is a dependency (`name`,
/// `name@<range>`; not `parent>name`, which applies below another package only).
fn direct_overrides<'a>(
    overrides: &'a BTreeMap<String, String>,
    name: &'a str,
) -> impl Iterator<Item = &'a str> + 'a {
    overrides
        .iter()
        .filter(move |(selector, _)| {
            !super::overrides::has_parent(selector)
                && super::overrides::name_of_part(selector) == name
        })
        .map(|(_, v)| v.as_str())
}

/// key -> (field, spec) of the manifest's installed dependencies, later fields winning as in
/// pnpm (`{...dev, ...dependencies, ...optional}`); peers not declared otherwise are
/// `dependencies` with `auto_install_peers`.
fn declared(manifest: &Value, auto_install_peers: bool) -> BTreeMap<String, (String, String)> {
    let mut out = BTreeMap::new();
    for field in FIELDS {
        for (k, v) in string_map(manifest.get(field)) {
            out.insert(k, (field.to_string(), v));
        }
    }
    if auto_install_peers {
        for (k, v) in string_map(manifest.get("peerDependencies")) {
            out.entry(k).or_insert(("dependencies".to_string(), v));
        }
    }
    out
}

fn string_map(v: Option<&Value>) -> BTreeMap<String, String> {
    match v {
        Some(Value::Object(map)) => map
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
            .collect(),
        _ => BTreeMap::new(),
    }
}

/// Catalog entries whose range changed since the lockfile was made (entries only one side
/// has are left to the importer check: a dependency that uses them shows up there).
pub fn catalog_differences(
    catalogs: &Catalogs,
    locked: &BTreeMap<String, BTreeMap<String, String>>,
) -> Vec<String> {
    let mut out = Vec::new();
    for (name, entries) in locked {
        for (pkg, locked_range) in entries {
            let Some(range) = catalogs.get(name).and_then(|c| c.get(pkg)) else {
                continue;
            };
            if range != locked_range {
                out.push(format!(
                    "the catalog `{name}` gives `{pkg}` the range `{range}`, the lockfile was made with `{locked_range}`"
                ));
            }
        }
    }
    out
}

/// The overrides of the workspace against those the lockfile was made with; nothing when a
/// value is one isogen cannot resolve as pnpm does (`$name` of a missing dependency).
pub fn override_differences(
    configured: &[(String, String)],
    locked: &BTreeMap<String, String>,
    fields: &BTreeMap<String, String>,
) -> Vec<String> {
    if configured
        .iter()
        .any(|(_, v)| v.starts_with('$') || v.starts_with("catalog:"))
    {
        return Vec::new();
    }
    let configured: BTreeMap<&str, &str> = configured
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let mut out = Vec::new();
    for (k, v) in &configured {
        // Where it is set, as the file spells the field (`pnpm.overrides` of package.json).
        let field = fields
            .get(*k)
            .map_or(String::new(), |f| format!(" in `{f}`"));
        match locked.get(*k) {
            None => out.push(format!("added the override `{k}: {v}`{field}")),
            Some(l) if l != v => out.push(format!(
                "the override `{k}` is `{v}`{field} but `{l}` in the lockfile"
            )),
            Some(_) => {}
        }
    }
    for k in locked.keys() {
        if !configured.contains_key(k.as_str()) {
            out.push(format!("removed the override `{k}`"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(field: &str, s: &str) -> LockSpec {
        LockSpec {
            field: field.into(),
            specifier: s.into(),
        }
    }

    #[test]
    fn added_removed_changed_and_moved_dependencies() {
        let importer: BTreeMap<String, LockSpec> = [
            ("ms".to_string(), spec("dependencies", "catalog:")),
            ("debug".into(), spec("dependencies", "^4.3.0")),
            ("@x/lib".into(), spec("dependencies", "workspace:^")),
            ("typescript".into(), spec("devDependencies", "5.6.3")),
            ("zod".into(), spec("dependencies", "^3.23.0")),
            ("react".into(), spec("dependencies", "^18.2.0")),
        ]
        .into_iter()
        .collect();
        let none = BTreeMap::new();
        let current = json!({
            "dependencies": {"ms": "catalog:", "debug": "^4.3.0", "@x/lib": "workspace:^", "zod": "^3.23.0"},
            "devDependencies": {"typescript": "5.6.3"},
            "peerDependencies": {"react": "^18.2.0"},
        });
        assert!(importer_differences(&current, Some(&importer), true, &none).is_empty());
        // Without auto-install-peers the peer is still not "removed": pnpm installed it.
        assert!(importer_differences(&current, Some(&importer), false, &none).is_empty());
        let stale = json!({
            "dependencies": {"ms": "catalog:", "@x/lib": "workspace:*", "express": "^4.19.0", "typescript": "5.6.3"},
            "peerDependencies": {"react": "^18.2.0"},
        });
        assert_eq!(
            importer_differences(&stale, Some(&importer), true, &none),
            [
                "`@x/lib` is `workspace:*` in package.json but `workspace:^` in the lockfile",
                "added `express` (^4.19.0)",
                "`typescript` moved from devDependencies to dependencies",
                "removed `debug`",
                "removed `zod`",
            ]
        );
        assert_eq!(
            importer_differences(&stale, None, true, &none),
            ["the package is not in the lockfile"]
        );
        assert!(importer_differences(&json!({}), None, true, &none).is_empty());
    }

    #[test]
    fn a_direct_dependency_an_override_replaces_is_locked_with_the_override() {
        // pnpm applies overrides to the manifest before it compares: `"ai": "^6.0.116"` with
        // the override `ai@^6: 6.0.116` is locked as `6.0.116`, and `"-"` removes `left-pad`.
        let importer: BTreeMap<String, LockSpec> = [
            ("ai".to_string(), spec("dependencies", "6.0.116")),
            ("dompurify".into(), spec("dependencies", "^3.4.13")),
        ]
        .into_iter()
        .collect();
        let manifest = json!({"dependencies": {"ai": "^6.0.116", "left-pad": "^1.3.0", "dompurify": "^3.4.1"}});
        let overrides: BTreeMap<String, String> = [
            ("ai@^6".to_string(), "6.0.116".to_string()),
            ("left-pad".into(), "-".into()),
            ("express>ai".into(), "5.0.0".into()),
            ("dompurify@>=3 <3.4.13".into(), "^3.4.13".into()),
        ]
        .into_iter()
        .collect();
        assert!(importer_differences(&manifest, Some(&importer), true, &overrides).is_empty());
        // Without the overrides both are real differences; an override with another value
        // does not hide a changed spec.
        assert_eq!(
            importer_differences(&manifest, Some(&importer), true, &BTreeMap::new()),
            [
                "`ai` is `^6.0.116` in package.json but `6.0.116` in the lockfile",
                "`dompurify` is `^3.4.1` in package.json but `^3.4.13` in the lockfile",
                "added `left-pad` (^1.3.0)",
            ]
        );
        let other: BTreeMap<String, String> = [("ai".to_string(), "6.0.100".to_string())]
            .into_iter()
            .collect();
        assert_eq!(
            importer_differences(&manifest, Some(&importer), true, &other).len(),
            3
        );
    }

    #[test]
    fn catalogs_and_overrides() {
        let mut catalogs = Catalogs::new();
        catalogs.insert(
            "default".into(),
            [("ms".to_string(), "^2.2.0".to_string())]
                .into_iter()
                .collect(),
        );
        let locked: BTreeMap<String, BTreeMap<String, String>> = [(
            "default".to_string(),
            [("ms".to_string(), "^2.1.0".to_string())]
                .into_iter()
                .collect(),
        )]
        .into_iter()
        .collect();
        assert_eq!(
            catalog_differences(&catalogs, &locked),
            ["the catalog `default` gives `ms` the range `^2.2.0`, the lockfile was made with `^2.1.0`"]
        );
        let locked: BTreeMap<String, String> = [("semver".to_string(), "7.6.3".to_string())]
            .into_iter()
            .collect();
        assert!(override_differences(
            &[("semver".into(), "7.6.3".into())],
            &locked,
            &BTreeMap::new()
        )
        .is_empty());
        assert_eq!(
            override_differences(&[("debug".into(), "4".into())], &locked, &BTreeMap::new()),
            [
                "added the override `debug: 4`",
                "removed the override `semver`"
            ]
        );
        assert!(
            override_differences(&[("x".into(), "$x".into())], &locked, &BTreeMap::new())
                .is_empty()
        );
    }
}
