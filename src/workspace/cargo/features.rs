//! A package's features: the `[features]` names plus the implicit feature of each optional
//! dependency, with what each feature enables checked as cargo checks it (so a typo fails at
//! generate, naming the line, not in the middle of an image build).
//!
//! It reads only manifests already loaded; it never opens a file.

use std::collections::BTreeMap;

use toml::Spanned;

use super::members::{Loaded, Loader};
use crate::error::{line_col, Error, Result};

/// The features a plain `cargo build -p <package>` enables: `default` and, transitively, the
/// features it names (`dep:x` and `x/f` entries enable no feature of this package; a plain
/// name that is an optional dependency is its implicit feature), sorted. Empty when the
/// package has no `default` feature.
pub(super) fn default_features(table: &BTreeMap<String, Spanned<Vec<String>>>) -> Vec<String> {
    let mut on: Vec<String> = Vec::new();
    let mut queue: Vec<&str> = vec!["default"];
    while let Some(f) = queue.pop() {
        if on.iter().any(|o| o == f) {
            continue;
        }
        on.push(f.to_string());
        for item in table
            .get(f)
            .map(|v| v.get_ref().as_slice())
            .unwrap_or_default()
        {
            if !item.starts_with("dep:") && !item.contains('/') {
                queue.push(item);
            }
        }
    }
    if !table.contains_key("default") {
        on.clear();
    }
    on.sort();
    on
}

/// The keys of `optional` (a package's optional dependencies, by key) that its default
/// features leave off: none of the features in `defaults` ([`default_features`]) names it
/// (`x`, `dep:x`, or `x/f`; `x?/f` enables no dependency), sorted.
pub(super) fn optional_off(
    table: &BTreeMap<String, Spanned<Vec<String>>>,
    defaults: &[String],
    optional: &[String],
) -> Vec<String> {
    let enabled = |key: &str| {
        defaults.iter().any(|d| d == key)
            || defaults
                .iter()
                .filter_map(|d| table.get(d))
                .flat_map(|v| v.get_ref())
                .any(|item| {
                    item.strip_prefix("dep:") == Some(key)
                        || item == key
                        || item.split_once('/').is_some_and(|(k, _)| k == key)
                })
    };
    let mut off: Vec<String> = optional.iter().filter(|k| !enabled(k)).cloned().collect();
    off.sort();
    off.dedup();
    off
}

/// The features of registry dependencies a package asks for (see
/// [`super::CargoPackage::dependency_features`]); `decls` are its dependency declarations.
pub(super) fn dependency_features(
    table: &BTreeMap<String, Spanned<Vec<String>>>,
    decls: &[super::deps::DepDecl],
) -> BTreeMap<String, Vec<String>> {
    let package = |key: &str| {
        (decls.iter().find(|d| d.key == key)).map_or(key.to_string(), |d| d.package.clone())
    };
    let mut out = BTreeMap::new();
    let asked: Vec<String> = (decls.iter())
        .filter(|d| d.kind != crate::workspace::DepKind::Dev)
        .flat_map(|d| d.features.iter().map(|f| format!("{}/{f}", d.package)))
        .collect();
    out.insert(String::new(), asked);
    for (feature, items) in table {
        let items = (items.get_ref().iter())
            .filter(|i| !i.starts_with("dep:"))
            .map(|i| match i.split_once('/') {
                Some((key, f)) => format!("{}/{f}", package(key.trim_end_matches('?'))),
                None => i.clone(),
            })
            .collect();
        out.insert(feature.clone(), items);
    }
    out
}

impl Loader {
    /// The feature names of one package (see [`super::CargoPackage::features`]), sorted. What each
    /// feature enables is checked as cargo checks it when it loads the manifest: a plain name is
    /// another feature or an optional dependency, `dep:x` an optional dependency, and `x/f` or
    /// `x?/f` a dependency; anything else is an error at the feature's line.
    pub(super) fn features_of(&self, loaded: &Loaded) -> Result<Vec<String>> {
        let table = &loaded.manifest.features;
        let mut names: Vec<String> = table.keys().cloned().collect();
        let uses_dep_syntax = |dep: &str| {
            let wanted = format!("dep:{dep}");
            table
                .values()
                .flat_map(|v| v.get_ref())
                .any(|f| *f == wanted)
        };
        let Some(&index) = self.by_dir.get(&loaded.dir) else {
            return Ok(names);
        };
        let deps = self.deps_of(index)?;
        for dep in &deps {
            if dep.optional && !names.contains(&dep.key) && !uses_dep_syntax(&dep.key) {
                names.push(dep.key.clone());
            }
        }
        // A key may be declared several times (normal, dev, build, per target): it is a
        // dependency if any declaration is, and optional if any declaration is.
        let dep = |key: &str| {
            let mut found = deps.iter().filter(|d| d.key == key).peekable();
            found.peek()?;
            Some(found.any(|d| d.optional))
        };
        let manifest_path = self.root.join(&loaded.manifest_rel);
        for (feature, enables) in table {
            for item in enables.get_ref() {
                let problem = if let Some(key) = item.strip_prefix("dep:") {
                    match dep(key) {
                        Some(true) => None,
                        Some(_) => Some(format!("`{key}` is not an optional dependency")),
                        None => Some(format!("`{key}` is not a dependency")),
                    }
                } else if let Some((key, _)) = item.split_once('/') {
                    let key = key.strip_suffix('?').unwrap_or(key);
                    dep(key)
                        .is_none()
                        .then(|| format!("`{key}` is not a dependency"))
                } else if table.contains_key(item.as_str()) {
                    None
                } else {
                    match dep(item) {
                        Some(true) => None,
                        Some(_) => Some(format!("`{item}` is not an optional dependency")),
                        None => Some(format!(
                            "`{item}` is neither a dependency nor another feature"
                        )),
                    }
                };
                if let Some(problem) = problem {
                    return Err(Error::workspace_at(
                        &manifest_path,
                        line_col(&loaded.text, enables.span().start),
                        format!("feature `{feature}` includes `{item}`, but {problem}"),
                    ));
                }
            }
        }
        names.sort();
        Ok(names)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_features_are_default_and_what_it_enables_transitively() {
        let table: BTreeMap<String, Spanned<Vec<String>>> = toml::from_str(
            "default = [\"full\", \"dep:zstd\", \"tokio/rt\"]\nfull = [\"cluster\", \"rocksdb\"]\n\
             cluster = []\nservice_debug = [\"cluster\"]\n",
        )
        .unwrap();
        assert_eq!(
            default_features(&table),
            ["cluster", "default", "full", "rocksdb"]
        );
        let none: BTreeMap<String, Spanned<Vec<String>>> =
            toml::from_str("service_debug = []\n").unwrap();
        assert!(default_features(&none).is_empty());
        let defaults = default_features(&table);
        let optional = ["zstd", "rocksdb", "tokio", "shaderc", "pq"].map(String::from);
        assert_eq!(
            optional_off(&table, &defaults, &optional),
            ["pq", "shaderc"]
        );
    }
}
