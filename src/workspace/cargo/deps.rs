//! One package's dependency declarations, as cargo reads them: `[dependencies]`,
//! `[dev-dependencies]`, `[build-dependencies]` and their `[target.<cfg>]` forms, each a version
//! string or a table (`path`, `package` renames, `optional`, `workspace = true` resolved against
//! `[workspace.dependencies]`). Paths come out relative to the workspace root.
//!
//! It reads only manifests already loaded; it never opens a file and never decides which
//! dependencies become edges (that is [`super::package`]).

use std::ops::Range;

use toml::Spanned;

use super::manifest::DepTable;
use super::members::{Loaded, Loader};
use super::paths::normalize;
use super::MANIFEST;
use crate::error::{line_col, Error, Result};
use crate::workspace::DepKind;

/// A dependency as declared, with the path (when it is a path dependency) made relative to the
/// workspace root.
pub(super) struct DepDecl {
    pub(super) key: String,
    /// The real package name (`package = "..."` when renamed, else the key).
    pub(super) package: String,
    pub(super) kind: DepKind,
    pub(super) path: Option<String>,
    pub(super) spec: String,
    /// `optional = true` (of a normal or a build dependency).
    pub(super) optional: bool,
    /// Byte span of the declaration in the manifest, for messages.
    pub(super) span: Range<usize>,
    /// The features it asks of the dependency (`features = [...]`, with those of the
    /// `[workspace.dependencies]` entry it inherits).
    pub(super) features: Vec<String>,
}

/// What a declaration says, before it is tied to its key, kind and span.
struct Declared {
    package: String,
    path: Option<String>,
    spec: String,
    optional: bool,
}

impl Loader {
    /// Every dependency declaration of loaded package `index`, with `workspace = true` resolved
    /// against `[workspace.dependencies]` and paths made relative to the root.
    pub(super) fn deps_of(&self, index: usize) -> Result<Vec<DepDecl>> {
        let loaded = &self.loaded[index];
        let m = &loaded.manifest;
        let mut tables: Vec<(&DepTable, DepKind)> = vec![
            (&m.dependencies, DepKind::Normal),
            (&m.dev_dependencies, DepKind::Dev),
            (&m.build_dependencies, DepKind::Build),
        ];
        for platform in m.target.values() {
            tables.push((&platform.dependencies, DepKind::Normal));
            tables.push((&platform.dev_dependencies, DepKind::Dev));
            tables.push((&platform.build_dependencies, DepKind::Build));
        }
        let mut out = Vec::new();
        for (table, kind) in tables {
            for (key, value) in table {
                out.push(self.interpret_dep(loaded, key, value, kind)?);
            }
        }
        Ok(out)
    }

    fn interpret_dep(
        &self,
        loaded: &Loaded,
        key: &str,
        value: &Spanned<toml::Value>,
        kind: DepKind,
    ) -> Result<DepDecl> {
        let manifest_path = self.root.join(&loaded.manifest_rel);
        let at = line_col(&loaded.text, value.span().start);
        let wrong = |what: String| Error::workspace_at(&manifest_path, at.clone(), what);
        let declared = match value.get_ref() {
            toml::Value::String(version) => Declared {
                package: key.into(),
                path: None,
                spec: version.clone(),
                optional: false,
            },
            toml::Value::Table(table) => {
                let optional = table.get("optional").and_then(|v| v.as_bool()) == Some(true);
                if let Some(inherit) = table.get("workspace") {
                    if inherit.as_bool() != Some(true) {
                        return Err(wrong(format!(
                            "dependency `{key}`: `workspace` must be `true` when given"
                        )));
                    }
                    self.inherited_dep(key, optional, &wrong)?
                } else {
                    local_dep(&loaded.dir, key, table, optional).map_err(wrong)?
                }
            }
            _ => {
                return Err(wrong(format!(
                    "dependency `{key}` must be a version string or a table"
                )))
            }
        };
        let mut features = asked_features(value.get_ref());
        if value.get_ref().get("workspace").is_some() {
            if let Some(ws_dep) = self.workspace.dependencies.get(key) {
                features.extend(asked_features(ws_dep.get_ref()));
            }
        }
        Ok(DepDecl {
            features,
            key: key.to_string(),
            package: declared.package,
            kind: if declared.optional && kind == DepKind::Normal {
                DepKind::Optional
            } else {
                kind
            },
            path: declared.path,
            spec: declared.spec,
            optional: declared.optional,
            span: value.span(),
        })
    }

    /// `key = { workspace = true }`: the entry of `[workspace.dependencies]`. `wrong` makes an
    /// error at the member's line (no such entry); a bad entry is an error at the root's.
    fn inherited_dep(
        &self,
        key: &str,
        optional: bool,
        wrong: &dyn Fn(String) -> Error,
    ) -> Result<Declared> {
        let Some(ws_dep) = self.workspace.dependencies.get(key) else {
            return Err(wrong(format!(
                "dependency `{key}` has `workspace = true` but the root {MANIFEST} has no \
                 `{key}` in [workspace.dependencies]"
            )));
        };
        let ws_at = line_col(&self.root_text, ws_dep.span().start);
        let ws_wrong =
            |what: String| Error::workspace_at(self.root.join(MANIFEST), ws_at.clone(), what);
        let spec = "workspace = true".to_string();
        match ws_dep.get_ref() {
            toml::Value::String(_) => Ok(Declared {
                package: key.into(),
                path: None,
                spec,
                optional,
            }),
            toml::Value::Table(ws_table) => {
                let package = str_key(ws_table, "package")
                    .map_err(&ws_wrong)?
                    .unwrap_or(key)
                    .to_string();
                let path = match str_key(ws_table, "path").map_err(&ws_wrong)? {
                    Some(p) => {
                        Some(normalize("", p).ok_or_else(|| ws_wrong(outside_message(key, p)))?)
                    }
                    None => None,
                };
                Ok(Declared {
                    package,
                    path,
                    spec,
                    optional,
                })
            }
            _ => Err(ws_wrong(format!(
                "[workspace.dependencies] `{key}` must be a version string or a table"
            ))),
        }
    }
}

/// `key = { path = .., version = .., git = .., package = .. }` of the package in `dir`.
fn local_dep(
    dir: &str,
    key: &str,
    table: &toml::Table,
    optional: bool,
) -> std::result::Result<Declared, String> {
    let package = str_key(table, "package")?.unwrap_or(key).to_string();
    if let Some(p) = str_key(table, "path")? {
        let path = normalize(dir, p).ok_or_else(|| outside_message(key, p))?;
        return Ok(Declared {
            package,
            path: Some(path),
            spec: format!("path = {p:?}"),
            optional,
        });
    }
    let spec = str_key(table, "version")
        .ok()
        .flatten()
        .map(str::to_string)
        .or_else(|| {
            str_key(table, "git")
                .ok()
                .flatten()
                .map(|g| format!("git = {g:?}"))
        })
        .unwrap_or_else(|| "*".into());
    Ok(Declared {
        package,
        path: None,
        spec,
        optional,
    })
}

/// The `features` array of a dependency table (none for a version string).
fn asked_features(value: &toml::Value) -> Vec<String> {
    (value
        .get("features")
        .and_then(toml::Value::as_array)
        .into_iter())
    .flatten()
    .filter_map(toml::Value::as_str)
    .map(str::to_string)
    .collect()
}

pub(super) fn outside_message(key: &str, path: &str) -> String {
    format!(
        "path dependency `{key}` ({path}) is outside the workspace root; the root is the build \
         context, so every path dependency must live under it: isogen generates nothing for \
         this workspace (a build context above its root is not supported) until the crate \
         moves under the root or the root moves up to a folder holding both"
    )
}

fn str_key<'a>(table: &'a toml::Table, key: &str) -> std::result::Result<Option<&'a str>, String> {
    match table.get(key) {
        None => Ok(None),
        Some(toml::Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(format!("`{key}` must be a string")),
    }
}
