//! A package's features: the `[features]` names plus the implicit feature of each optional
//! dependency, with what each feature enables checked as cargo checks it (so a typo fails at
//! generate, naming the line, not in the middle of an image build).
//!
//! It reads only manifests already loaded; it never opens a file.

use super::members::{Loaded, Loader};
use crate::error::{line_col, Error, Result};

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
