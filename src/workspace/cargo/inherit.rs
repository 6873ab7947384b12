//! Fields a member takes from the root (`version.workspace = true` from `[workspace.package]`,
//! `[lints] workspace = true` from `[workspace.lints]`), resolved or refused the way cargo
//! refuses them when it loads the manifest.
//!
//! It reads only manifests already loaded; it never opens a file.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::manifest::Inheritable;
use super::members::{Loaded, Loader};
use super::MANIFEST;
use crate::error::{line_col, Error, Result};

impl Loader {
    /// A `[package]` string field of the manifest at `path`: its own value, or the root's
    /// `[workspace.package]` one when it says `field.workspace = true`.
    pub(super) fn inherit(
        &self,
        path: &Path,
        field: &str,
        value: &Option<Inheritable<String>>,
    ) -> Result<Option<String>> {
        match value {
            None => Ok(None),
            Some(Inheritable::Value(v)) => Ok(Some(v.clone())),
            Some(Inheritable::Inherit { workspace: true }) => self
                .workspace
                .package
                .as_ref()
                .and_then(|p| p.get(field))
                .and_then(|v| v.as_str())
                .map(|v| Some(v.to_string()))
                .ok_or_else(|| {
                    Error::workspace(
                        path,
                        format!(
                            "`{field}.workspace = true` but the root {MANIFEST} has no \
                             `{field}` in [workspace.package]"
                        ),
                    )
                }),
            Some(Inheritable::Inherit { workspace: false }) => Err(Error::workspace(
                path,
                format!("`{field}.workspace` must be `true` when given"),
            )),
        }
    }

    /// Every `field.workspace = true` of a member's `[package]` names a field the root's
    /// `[workspace.package]` defines, and `[lints] workspace = true` needs `[workspace.lints]`:
    /// cargo refuses the manifest otherwise. (Only members: an excluded path dependency inherits
    /// from a workspace of its own.)
    pub(super) fn check_inherited(&self, loaded: &Loaded) -> Result<()> {
        #[derive(Deserialize)]
        struct Raw {
            package: Option<BTreeMap<String, Spanned<toml::Value>>>,
            project: Option<BTreeMap<String, Spanned<toml::Value>>>,
        }
        const INHERITABLE: &[&str] = &[
            "version",
            "authors",
            "description",
            "documentation",
            "readme",
            "homepage",
            "repository",
            "license",
            "license-file",
            "keywords",
            "categories",
            "publish",
            "edition",
            "rust-version",
            "exclude",
            "include",
        ];
        let path = self.root.join(&loaded.manifest_rel);
        let raw: Raw = toml::from_str(&loaded.text).map_err(|e| Error::Parse {
            path: path.clone(),
            location: e.span().map(|s| line_col(&loaded.text, s.start)),
            message: e.message().trim().to_string(),
        })?;
        let defined = self.workspace.package.as_ref();
        for (field, value) in raw.package.or(raw.project).into_iter().flatten() {
            let toml::Value::Table(t) = value.get_ref() else {
                continue;
            };
            if !INHERITABLE.contains(&field.as_str()) || !t.contains_key("workspace") {
                continue;
            }
            let at = line_col(&loaded.text, value.span().start);
            if t.get("workspace").and_then(toml::Value::as_bool) != Some(true) {
                return Err(Error::workspace_at(
                    &path,
                    at,
                    format!("`{field}.workspace` must be `true` when given"),
                ));
            }
            if !defined.is_some_and(|p| p.contains_key(&field)) {
                return Err(Error::workspace_at(
                    &path,
                    at,
                    format!(
                        "`{field}.workspace = true` but the root {MANIFEST} has no `{field}` in \
                         [workspace.package]"
                    ),
                ));
            }
        }
        if let Some(lints) = &loaded.manifest.lints {
            if lints
                .get_ref()
                .get("workspace")
                .and_then(toml::Value::as_bool)
                == Some(true)
                && self.workspace.lints.is_none()
            {
                return Err(Error::workspace_at(
                    &path,
                    line_col(&loaded.text, lints.span().start),
                    format!(
                        "[lints] workspace = true but the root {MANIFEST} has no [workspace.lints]"
                    ),
                ));
            }
        }
        Ok(())
    }
}
