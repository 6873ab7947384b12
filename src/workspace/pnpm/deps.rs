//! The dependencies of one package.json (`dependencies`, `optionalDependencies`,
//! `peerDependencies`, `devDependencies`) and what each points at: a workspace package
//! (`workspace:`, `link:`/`file:` to a package folder, or a plain range the lockfile linked),
//! a catalog range, or the registry.
//!
//! It reads the parsed manifest and the facts discovery already has (packages, catalogs,
//! lockfile); it never reads a file. A manifest whose dependency fields are malformed is an
//! error; a single spec pnpm would refuse (or the image could not ship) is a [`DepProblem`]
//! naming the manifest and the key, kept for the services that install that package, so one
//! package's bad dependency never hides the rest of the workspace.

use std::collections::HashMap;
use std::path::Path;

use serde::Serialize;
use serde_json::Value;

use super::{PnpmWorkspace, WORKSPACE_FILE};
use crate::error::{Error, Result};
use crate::workspace::spec::{self, WorkspaceSpec, WorkspaceTarget};
use crate::workspace::{relpath, DepKind, Package};

/// One dependency as declared in a package.json.
#[derive(Debug, Clone, Serialize)]
pub struct DeclaredDep {
    pub kind: DepKind,
    /// The key in the manifest (an alias for `workspace:<name>@<range>` and `npm:` specs).
    pub key: String,
    /// The spec as written.
    pub spec: String,
    /// For `catalog:` specs, the range the catalog gives.
    pub catalog_range: Option<String>,
    /// For edges to a workspace package, its index in [`Workspace::packages`].
    ///
    /// [`Workspace::packages`]: crate::workspace::Workspace::packages
    pub internal: Option<usize>,
}

/// The folder (workspace-relative) a `file:`/`link:` spec of the package in `dir` names,
/// when it names a folder (not a tarball) inside the workspace.
pub fn local_folder(dir: &str, spec: &str) -> Option<String> {
    let rel = spec
        .strip_prefix("link:")
        .or_else(|| spec.strip_prefix("file:"))?
        .trim();
    (!is_tarball(rel))
        .then(|| relpath::join(dir, rel))
        .flatten()
}

/// The workspace-relative file of a `file:` dependency on a tarball of the repository
/// (`"xlsx": "file:vendor/xlsx-0.20.3.tgz"` in `apps/web`, as formbricks vendors SheetJS):
/// pnpm installs it from that file, checked against the lockfile's integrity. `None` for any
/// other spec, and for a tarball outside the workspace.
pub fn local_tarball(dir: &str, spec: &str) -> Option<String> {
    let rel = spec.strip_prefix("file:")?.trim();
    is_tarball(rel).then(|| relpath::join(dir, rel)).flatten()
}

fn is_tarball(rel: &str) -> bool {
    [".tgz", ".tar.gz", ".tar"].iter().any(|e| rel.ends_with(e))
}

/// How dependency targets are found: every package, by name and by folder.
pub(super) struct Lookup<'a> {
    pub packages: &'a [Package],
    pub pnpm: &'a PnpmWorkspace,
    pub by_name: &'a HashMap<String, usize>,
    pub by_dir: &'a HashMap<String, usize>,
}

/// A dependency of one package that discovery left out because no install of it could
/// work (pnpm refuses the spec, or the image cannot ship what it names): `generate` refuses
/// every service whose build installs the package, with `message`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DepProblem {
    /// The package, an index in [`Workspace::packages`].
    ///
    /// [`Workspace::packages`]: crate::workspace::Workspace::packages
    pub package: usize,
    /// Its manifest, workspace-relative.
    pub manifest: String,
    /// What is wrong and the fix, starting with the entry (`` `dependencies.x: link:y`: ``).
    pub message: String,
}

/// The declared dependencies of `packages[index]`, whose manifest is `json`, in manifest
/// order per kind, and the entries left out as [`DepProblem`]s.
pub(super) fn read_deps(
    json: &Value,
    index: usize,
    lookup: &Lookup,
    root: &Path,
) -> Result<(Vec<DeclaredDep>, Vec<DepProblem>)> {
    let pkg = &lookup.packages[index];
    let path = root.join(&pkg.manifest);
    let parse_error = |message: String| Error::Parse {
        path: path.clone(),
        location: None,
        message,
    };
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for (field, kind) in [
        ("dependencies", DepKind::Normal),
        ("optionalDependencies", DepKind::Optional),
        ("peerDependencies", DepKind::Peer),
        ("devDependencies", DepKind::Dev),
    ] {
        let Some(v) = json.get(field).filter(|v| !v.is_null()) else {
            continue;
        };
        let Value::Object(map) = v else {
            return Err(parse_error(format!(
                "`{field}` must map package names to specs, found {v}"
            )));
        };
        for (key, spec) in map {
            if key.is_empty() || key.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(parse_error(format!(
                    "`{field}` has the key {key:?}, which is not a package name"
                )));
            }
            let Some(spec) = spec.as_str() else {
                return Err(parse_error(format!(
                    "`{field}.{key}` must be a string, found {spec}"
                )));
            };
            let bad = |message: String| DepProblem {
                package: index,
                manifest: pkg.manifest.clone(),
                message: format!("`{field}.{key}: {spec}`: {message}"),
            };
            match classify(pkg, kind, key, spec, lookup, root, bad) {
                Ok(dep) => out.push(dep),
                Err(problem) => problems.push(problem),
            }
        }
    }
    Ok((out, problems))
}

/// One dependency with its target found (or the problem from `bad`, which names the entry).
fn classify(
    pkg: &Package,
    kind: DepKind,
    key: &str,
    spec: &str,
    lookup: &Lookup,
    root: &Path,
    bad: impl Fn(String) -> DepProblem,
) -> std::result::Result<DeclaredDep, DepProblem> {
    let mut dep = DeclaredDep {
        kind,
        key: key.to_string(),
        spec: spec.to_string(),
        catalog_range: None,
        internal: None,
    };
    let by_dir = |rel: &str| {
        relpath::join(&pkg.dir, rel.trim()).and_then(|dir| lookup.by_dir.get(&dir).copied())
    };
    if let Some(ws_spec) = WorkspaceSpec::parse(spec).map_err(|e| bad(e.0))? {
        let target = match &ws_spec.target {
            WorkspaceTarget::Path(rel) => by_dir(rel),
            _ => ws_spec
                .target_name(key)
                .and_then(|name| lookup.by_name.get(name).copied()),
        };
        let Some(target) = target else {
            let what = match &ws_spec.target {
                WorkspaceTarget::Path(rel) => format!("the folder `{rel}`"),
                _ => format!("`{}`", ws_spec.target_name(key).unwrap_or(key)),
            };
            return Err(bad(format!(
                "{what} is not a package of this workspace (check the name, or the `packages:` globs of {WORKSPACE_FILE})"
            )));
        };
        // Peers are not resolved by the install of this package: only the others.
        if let Some(message) = (kind != DepKind::Peer)
            .then(|| unsatisfied_range(&ws_spec, &lookup.packages[target]))
            .flatten()
        {
            return Err(bad(message));
        }
        dep.internal = Some(target);
    } else if let Some(range) =
        spec::resolve_catalog(&lookup.pnpm.catalogs, key, spec).map_err(|e| bad(e.0))?
    {
        dep.catalog_range = Some(range);
    } else if let Some(rel) = spec
        .strip_prefix("link:")
        .or_else(|| spec.strip_prefix("file:"))
    {
        // `link:`/`file:` to a workspace package's folder is an internal edge too.
        dep.internal = by_dir(rel);
        // A tarball of the repository is copied to both installs (generate's `tarballs`);
        // anything else it names is neither in the install stage (only manifests) nor in the
        // image: the run-time install cannot find it.
        let tarball = local_tarball(&pkg.dir, spec).is_some();
        if dep.internal.is_none() && is_tarball(rel.trim()) && !tarball && kind != DepKind::Dev {
            return Err(bad(format!(
                "`{}` is a tarball outside the workspace, so the image's build context cannot hold it; move it into the repository (a `vendor/` folder) or depend on a published version",
                rel.trim()
            )));
        }
        let folder = relpath::join(&pkg.dir, rel.trim());
        let linked = (dep.internal.is_none() && !tarball)
            .then(|| root_link_verdict(folder.as_deref(), lookup, kind, key, rel.trim()));
        if let Some(verdict) = linked.flatten() {
            return verdict.map(|()| dep).map_err(bad);
        }
        let missing =
            (folder.as_ref()).is_some_and(|f| crate::fsio::metadata(root.join(f)).is_err());
        if dep.internal.is_none() && !tarball && kind != DepKind::Dev && missing {
            // inbox-zero's web app: `"google": "link:@next/third-parties/google"` (a module
            // path written as a link). pnpm links the missing folder; nothing can load it.
            return Err(bad(format!(
                "`{}` is no folder ({} does not exist), so pnpm links a path that is not there and nothing can load `{key}`; remove the dependency (or, if a module of another package was meant, import that package)",
                rel.trim(),
                folder.unwrap_or_default(),
            )));
        }
        if dep.internal.is_none() && !tarball && kind != DepKind::Dev {
            return Err(bad(format!(
                "`{}` is not a package of this workspace, so the image cannot ship it; add its folder to the `packages:` globs of {WORKSPACE_FILE}, or depend on a published version",
                rel.trim()
            )));
        }
    } else if let Some(rel) = lookup
        .pnpm
        .locked
        .get(if pkg.dir.is_empty() { "." } else { &pkg.dir })
        .and_then(|deps| deps.get(key))
        .filter(|l| l.specifier == spec)
        .and_then(|l| l.version.strip_prefix("link:"))
    {
        // A plain range pnpm linked to a workspace package (`link-workspace-packages`,
        // pnpm 8's default): the lockfile says `link:<folder>`.
        dep.internal = by_dir(rel);
    }
    Ok(dep)
}

/// The root dependencies (`root_dependencies`: name -> field) that some package's `link:`
/// spec points at in the root's install (see [`root_install_link`]).
pub(super) fn root_links(
    packages: &[Package],
    root_dependencies: &std::collections::BTreeMap<String, String>,
) -> std::collections::BTreeSet<String> {
    let specs = packages.iter().flat_map(|p| {
        let deps = p
            .node
            .as_ref()
            .map(|n| n.deps.as_slice())
            .unwrap_or_default();
        deps.iter().map(move |d| (p, d))
    });
    specs
        .filter(|(_, d)| d.spec.starts_with("link:"))
        .filter_map(|(p, d)| {
            let folder = local_folder(&p.dir, &d.spec)?;
            let name = linked_root_name(&folder)?;
            root_dependencies
                .contains_key(name)
                .then(|| name.to_string())
        })
        .collect()
}

/// `<name>` of `node_modules/<name>` (a plain or scoped package name, nothing below it).
fn linked_root_name(folder: &str) -> Option<&str> {
    let name = folder.strip_prefix("node_modules/")?;
    let is_name = match name.split('/').collect::<Vec<_>>().as_slice() {
        [scope, _] => scope.starts_with('@'),
        [one] => !one.starts_with('@') && !one.starts_with('.'),
        _ => false,
    };
    is_name.then_some(name)
}

/// Whether a `link:` to `folder` (written `rel`) into the root's own install works in the
/// image: `None` when it is no such link; the error message when only the root's
/// devDependencies install it and a run-time dependency links it.
fn root_link_verdict(
    folder: Option<&str>,
    lookup: &Lookup,
    kind: DepKind,
    key: &str,
    rel: &str,
) -> Option<std::result::Result<(), String>> {
    Some(match root_install_link(folder, lookup)? {
        // The root's production install makes the folder: the image has it too.
        RootLink::Dependency => Ok(()),
        RootLink::DevOnly(name) if kind != DepKind::Dev => Err(format!(
            "`{rel}` is the workspace root's own install of `{name}`, a devDependency of the root package.json: the image's production install (`pnpm install --prod`) leaves the root's devDependencies out, so nothing could load `{key}` there; move `{name}` to `dependencies` of the root package.json (the link keeps one copy for every package) or depend on its version here (`catalog:`), then run `pnpm install`"
        )),
        RootLink::DevOnly(_) => Ok(()),
    })
}

/// What a `link:` into the workspace root's `node_modules` points at.
enum RootLink {
    /// A package the root package.json declares in `dependencies` or `optionalDependencies`:
    /// every install of the root (pnpm installs it with each filtered install, `--prod`
    /// included) makes the folder.
    Dependency,
    /// A package only the root's `devDependencies` declare (its name): the build's install
    /// makes the folder, the production install does not.
    DevOnly(String),
}

/// `folder` (workspace-relative) is `node_modules/<name>` of the root and the root package.json
/// declares `<name>`: saleor/apps links `@saleor/app-sdk` of every app to
/// `../../node_modules/@saleor/app-sdk`, the root's install, so that all share one copy. The
/// folder is absent until `pnpm install` runs, and pnpm makes it.
fn root_install_link(folder: Option<&str>, lookup: &Lookup) -> Option<RootLink> {
    let name = linked_root_name(folder?)?;
    Some(match lookup.pnpm.root_dependencies.get(name)?.as_str() {
        "devDependencies" => RootLink::DevOnly(name.to_string()),
        _ => RootLink::Dependency,
    })
}

/// Why pnpm would refuse a `workspace:<range>` spec on `target`: its version is not in the
/// range. pnpm picks the workspace package with `semver.maxSatisfying(versions, range, {loose:
/// true})` (prereleases only for ranges that name them) and fails the install
/// (`ERR_PNPM_NO_MATCHING_VERSION_INSIDE_WORKSPACE`) when none matches. `None` when it matches,
/// and for `*`/`^`/`~`, paths, targets without a valid version and ranges npm cannot parse
/// (nothing certain can be said of them).
fn unsatisfied_range(ws_spec: &WorkspaceSpec, target: &Package) -> Option<String> {
    let spec::WorkspaceRange::Range(range) = &ws_spec.range else {
        return None;
    };
    let version_text = target.version.as_deref()?;
    let version =
        nodejs_semver::Version::parse(version_text.trim().trim_start_matches(['v', '='])).ok()?;
    let parsed = nodejs_semver::Range::parse(range.trim()).ok()?;
    if version.satisfies(&parsed) {
        return None;
    }
    Some(format!(
        "`{}` is at version {version_text} ({}), which the range `{range}` does not allow; pnpm refuses to install it (ERR_PNPM_NO_MATCHING_VERSION_INSIDE_WORKSPACE): change the range, or the version of `{}`",
        target.name, target.manifest, target.name
    ))
}
