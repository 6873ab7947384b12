//! Dependency specs that only pnpm understands, and what they become outside pnpm.
//!
//! - The [workspace protocol](https://pnpm.io/workspaces#workspace-protocol-workspace):
//!   `workspace:*`, `workspace:^`, `workspace:~`, `workspace:<range>`, bare `workspace:`
//!   (any version, as pnpm links it), aliases
//!   `workspace:<name>@<range>`, and relative paths `workspace:../lib`.
//! - [Catalogs](https://pnpm.io/catalogs): `catalog:` (the default catalog) and `catalog:<name>`.
//!
//! Parsing is pure (no I/O). The rewrites follow what `pnpm publish` does to the same specs
//! ([publishing workspace packages](https://pnpm.io/workspaces#publishing-workspace-packages)),
//! except for run-time dependencies of an image, which become `file:` paths of the copied package.

use std::collections::BTreeMap;
use std::fmt;

/// The version part of a `workspace:` spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkspaceRange {
    /// `*`: any version of the workspace package (published as the exact version).
    Any,
    /// `^`: published as `^<version>`.
    Caret,
    /// `~`: published as `~<version>`.
    Tilde,
    /// An explicit semver range, published as written (`1.2.3`, `^1.2.3`, `>=1 <2`).
    Range(String),
}

/// What a `workspace:` spec points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkspaceTarget {
    /// The package with the dependency's own key as its name (`"@acme/lib": "workspace:^"`).
    SameName,
    /// An alias: `"lib": "workspace:@acme/lib@*"` names `@acme/lib`.
    Named(String),
    /// A folder relative to the dependent package: `"lib": "workspace:../lib"`.
    Path(String),
}

/// A parsed `workspace:` spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkspaceSpec {
    pub target: WorkspaceTarget,
    pub range: WorkspaceRange,
}

/// Why a `workspace:` or `catalog:` spec is not usable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError(pub String);

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

const WORKSPACE: &str = "workspace:";
const CATALOG: &str = "catalog:";

/// Whether `spec` uses the workspace protocol.
pub fn is_workspace(spec: &str) -> bool {
    spec.trim_start().starts_with(WORKSPACE)
}

/// Whether `spec` uses the catalog protocol.
pub fn is_catalog(spec: &str) -> bool {
    spec.trim_start().starts_with(CATALOG)
}

impl WorkspaceSpec {
    /// Parses a `workspace:` spec; `Ok(None)` when `spec` is not one.
    pub fn parse(spec: &str) -> Result<Option<WorkspaceSpec>, SpecError> {
        if let Some(alias) = spec.trim().strip_prefix("npm:") {
            // `npm:<name>@workspace:<range>`: pnpm 10's npm-style alias of a workspace package.
            let first = alias.chars().next().map_or(0, char::len_utf8);
            let Some(at) = alias[first..].find("@workspace:").map(|i| i + first) else {
                return Ok(None);
            };
            let (name, range) = (&alias[..at], alias[at + 1 + WORKSPACE.len()..].trim());
            if name.is_empty() || range.is_empty() || range.starts_with(['.', '/']) {
                return Err(SpecError(format!(
                    "`{spec}` is not `npm:<package>@workspace:<range>`"
                )));
            }
            return Ok(Some(WorkspaceSpec {
                target: WorkspaceTarget::Named(name.to_string()),
                range: parse_range(range),
            }));
        }
        let Some(rest) = spec.trim().strip_prefix(WORKSPACE) else {
            return Ok(None);
        };
        let rest = rest.trim();
        if rest.is_empty() {
            // Bare `workspace:`: pnpm links the package of the same name whatever its version
            // (uploadthing's packages/shared lists its tooling so; the lockfile says `link:`).
            return Ok(Some(WorkspaceSpec {
                target: WorkspaceTarget::SameName,
                range: WorkspaceRange::Any,
            }));
        }
        if rest.starts_with('.') || rest.starts_with('/') {
            return Ok(Some(WorkspaceSpec {
                target: WorkspaceTarget::Path(rest.to_string()),
                range: WorkspaceRange::Any,
            }));
        }
        // An alias is `<name>@<range>`; a scoped name starts with its own `@`, so look for the
        // separator after the first character. Ranges never contain `@`.
        let first = rest.chars().next().map_or(0, char::len_utf8);
        if let Some(at) = rest[first..].rfind('@').map(|i| i + first) {
            let (name, range) = (&rest[..at], &rest[at + 1..]);
            if name.is_empty() || range.is_empty() {
                return Err(SpecError(format!(
                    "`{spec}` is not `workspace:<package>@<range>`"
                )));
            }
            return Ok(Some(WorkspaceSpec {
                target: WorkspaceTarget::Named(name.to_string()),
                range: parse_range(range),
            }));
        }
        if rest.starts_with('@') {
            // `workspace:@scope/name` without a range: the alias of any version.
            return Ok(Some(WorkspaceSpec {
                target: WorkspaceTarget::Named(rest.to_string()),
                range: WorkspaceRange::Any,
            }));
        }
        Ok(Some(WorkspaceSpec {
            target: WorkspaceTarget::SameName,
            range: parse_range(rest),
        }))
    }

    /// The name of the workspace package this spec targets, for targets given by name.
    pub fn target_name<'a>(&'a self, key: &'a str) -> Option<&'a str> {
        match &self.target {
            WorkspaceTarget::SameName => Some(key),
            WorkspaceTarget::Named(name) => Some(name),
            WorkspaceTarget::Path(_) => None,
        }
    }
}

fn parse_range(range: &str) -> WorkspaceRange {
    match range {
        "*" => WorkspaceRange::Any,
        "^" => WorkspaceRange::Caret,
        "~" => WorkspaceRange::Tilde,
        other => WorkspaceRange::Range(other.to_string()),
    }
}

/// The catalog a `catalog:` spec names: `catalog:` and `catalog:default` are the default one.
/// `None` when `spec` is not a catalog spec.
pub fn catalog_name(spec: &str) -> Option<&str> {
    let rest = spec.trim().strip_prefix(CATALOG)?.trim();
    Some(if rest.is_empty() { "default" } else { rest })
}

/// The catalogs of `pnpm-workspace.yaml`: catalog name -> package name -> range. The top-level
/// `catalog:` key is the catalog named `default`.
pub type Catalogs = BTreeMap<String, BTreeMap<String, String>>;

/// The range a `catalog:` spec stands for. `Ok(None)` when `spec` is not a catalog spec.
pub fn resolve_catalog(
    catalogs: &Catalogs,
    package: &str,
    spec: &str,
) -> Result<Option<String>, SpecError> {
    let Some(name) = catalog_name(spec) else {
        return Ok(None);
    };
    let Some(catalog) = catalogs.get(name) else {
        let hint = if name == "default" {
            "add a `catalog:` map to pnpm-workspace.yaml".to_string()
        } else {
            format!("add `catalogs: {{ {name}: ... }}` to pnpm-workspace.yaml")
        };
        return Err(SpecError(format!(
            "`{package}: {spec}` names the catalog `{name}`, which pnpm-workspace.yaml does not define ({hint})"
        )));
    };
    match catalog.get(package) {
        Some(range) if is_catalog(range) || is_workspace(range) => Err(SpecError(format!(
            "the catalog `{name}` gives `{package}` the range `{range}`, which is not a version range"
        ))),
        Some(range) => Ok(Some(range.clone())),
        None => Err(SpecError(format!(
            "`{package}: {spec}` names the catalog `{name}`, which has no entry for `{package}`"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ws(spec: &str) -> WorkspaceSpec {
        WorkspaceSpec::parse(spec).unwrap().unwrap()
    }

    #[test]
    fn parses_every_form() {
        assert_eq!(ws("workspace:*").range, WorkspaceRange::Any);
        assert_eq!(ws("workspace:^").range, WorkspaceRange::Caret);
        assert_eq!(ws("workspace:~").range, WorkspaceRange::Tilde);
        assert_eq!(
            ws("workspace:1.2.3").range,
            WorkspaceRange::Range("1.2.3".into())
        );
        assert_eq!(
            ws("workspace:^1.2.3").range,
            WorkspaceRange::Range("^1.2.3".into())
        );
        assert_eq!(ws("workspace:^1.2.3").target, WorkspaceTarget::SameName);
        let alias = ws("workspace:@scope/name@*");
        assert_eq!(alias.target, WorkspaceTarget::Named("@scope/name".into()));
        assert_eq!(alias.range, WorkspaceRange::Any);
        let alias = ws("workspace:lib@^");
        assert_eq!(alias.target, WorkspaceTarget::Named("lib".into()));
        assert_eq!(alias.range, WorkspaceRange::Caret);
        assert_eq!(
            ws("workspace:@scope/name").target,
            WorkspaceTarget::Named("@scope/name".into())
        );
        assert_eq!(
            ws("workspace:../lib").target,
            WorkspaceTarget::Path("../lib".into())
        );
        assert_eq!(WorkspaceSpec::parse("^1.0.0").unwrap(), None);
        assert_eq!(WorkspaceSpec::parse("npm:foo@1").unwrap(), None);
    }

    #[test]
    fn bare_workspace_is_any_version_and_half_aliases_are_refused() {
        // pnpm locks `workspace:` as a link to the package of the same name.
        assert_eq!(
            WorkspaceSpec::parse("workspace:").unwrap(),
            Some(WorkspaceSpec {
                target: WorkspaceTarget::SameName,
                range: WorkspaceRange::Any
            })
        );
        assert!(WorkspaceSpec::parse("workspace:lib@").is_err());
        // Never a panic on odd input.
        assert!(WorkspaceSpec::parse("workspace:é@1").is_ok());
        assert!(WorkspaceSpec::parse("workspace:@").is_ok());
    }

    #[test]
    fn catalogs_resolve_default_and_named() {
        let mut catalogs = Catalogs::new();
        catalogs.insert(
            "default".into(),
            [("react".to_string(), "^18.2.0".to_string())].into(),
        );
        catalogs.insert(
            "legacy".into(),
            [("react".to_string(), "^16.0.0".to_string())].into(),
        );
        let r = |s| resolve_catalog(&catalogs, "react", s);
        assert_eq!(r("catalog:").unwrap().as_deref(), Some("^18.2.0"));
        assert_eq!(r("catalog:default").unwrap().as_deref(), Some("^18.2.0"));
        assert_eq!(r("catalog:legacy").unwrap().as_deref(), Some("^16.0.0"));
        assert_eq!(r("^1.0.0").unwrap(), None);
        let err = r("catalog:nope").unwrap_err().to_string();
        assert!(err.contains("`nope`"), "{err}");
        let err = resolve_catalog(&catalogs, "vue", "catalog:")
            .unwrap_err()
            .to_string();
        assert!(err.contains("no entry for `vue`"), "{err}");
    }

    /// Every short string over the characters specs are made of: parsing never panics, and a
    /// parsed alias or range never loses or invents characters.
    #[test]
    fn parsing_is_total_over_short_inputs() {
        let alphabet = ['@', '/', '^', '~', '*', '.', '1', 'a', ' ', 'é', ':'];
        let mut inputs = vec![String::new()];
        for _ in 0..4 {
            let next: Vec<String> = inputs
                .iter()
                .flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}")))
                .collect();
            inputs.extend(next);
        }
        for body in &inputs {
            let spec = format!("workspace:{body}");
            match WorkspaceSpec::parse(&spec) {
                Ok(Some(p)) => {
                    let range = match &p.range {
                        WorkspaceRange::Any => "*".to_string(),
                        WorkspaceRange::Caret => "^".to_string(),
                        WorkspaceRange::Tilde => "~".to_string(),
                        WorkspaceRange::Range(r) => r.clone(),
                    };
                    if let WorkspaceTarget::Named(n) = &p.target {
                        assert!(body.trim().starts_with(n.as_str()), "{spec:?} -> {p:?}");
                    } else if let WorkspaceTarget::SameName = &p.target {
                        // A bare `workspace:` is any version (`*`).
                        let body = if body.trim().is_empty() {
                            "*"
                        } else {
                            body.trim()
                        };
                        assert_eq!(range, body, "{spec:?}");
                    }
                }
                Ok(None) => panic!("{spec:?} is a workspace spec"),
                Err(_) => {}
            }
            let _ = catalog_name(&format!("catalog:{body}"));
        }
    }
}
