//! The root facts of a pnpm workspace that a Dockerfile needs: `packageManager`, the Node
//! version sources, overrides and patches (root package.json and `pnpm-workspace.yaml`), the
//! lockfile, `.npmrc`, `.pnpmfile.cjs` and the root `tsconfig*.json` files.
//!
//! It only reads files at the root (and the lockfile); it never reads a package's manifest and
//! never decides what goes into an image.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use serde_json::Value;

use super::files::{read_json, read_text, string_map};
use super::lockfile::{facts, lockfile_version, LockDoc, LockfileFacts};
use super::npmrc::Npmrc;
use super::overrides::{merge_overrides, resolve_values};
use super::settings::PnpmSettings;
use super::{node_version, PnpmWorkspace, LOCKFILE, WORKSPACE_FILE};
use crate::error::{Error, Result};
use crate::workspace::relpath;

/// Overrides as found, before the lockfile's (which win when it has them).
#[derive(Default)]
struct Overrides {
    list: Vec<(String, String)>,
    file: Option<String>,
    /// Each selector's field as its file spells it (`pnpm.overrides`, `resolutions`,
    /// `overrides`): the last that set it.
    fields: BTreeMap<String, String>,
    /// The root package.json's dependencies of every kind: what `$name` values refer to.
    root_deps: HashMap<String, String>,
}

/// What the root facts leave for the freshness check.
#[derive(Default)]
pub(super) struct RootRead {
    /// The root package.json, when there is one (importer `.`).
    pub manifest: Option<Value>,
    /// The root lockfile's importers (specifiers), catalogs and overrides, when it has one.
    pub lock: Option<LockfileFacts>,
    /// The overrides the workspace configures (values resolved as pnpm does).
    pub configured_overrides: Vec<(String, String)>,
    /// The field that sets each of them, as its file spells it (`pnpm.overrides`).
    pub override_fields: BTreeMap<String, String>,
}

/// Fills the root facts of `pnpm` (its `catalogs` are read already).
pub(super) fn read_root_facts(
    root: &Path,
    yaml: &Value,
    pnpm: &mut PnpmWorkspace,
) -> Result<RootRead> {
    let root_manifest = root.join("package.json");
    pnpm.root_manifest = crate::fsio::is_file(&root_manifest);
    let json = if pnpm.root_manifest {
        Some(read_json(&root_manifest)?)
    } else {
        None
    };
    let mut patches = BTreeSet::new();
    let mut overrides = Overrides::default();
    if let Some(json) = &json {
        read_root_manifest(json, &root_manifest, pnpm, &mut overrides, &mut patches)?;
    }
    let ws_file = root.join(WORKSPACE_FILE);
    let field = yaml.get("patchedDependencies");
    patches.extend(patch_files(root, field, "patchedDependencies", &ws_file)?);
    pnpm.patches = patches.into_iter().collect();
    if let Some(v) = yaml.get("overrides").filter(|v| !v.is_null()) {
        let map = string_map(v, "overrides", &root.join(WORKSPACE_FILE))?;
        (overrides.fields).extend(map.keys().map(|k| (k.clone(), "overrides".to_string())));
        merge_overrides(&mut overrides.list, map);
        overrides.file = Some(WORKSPACE_FILE.to_string());
    }
    resolve_values(&mut overrides.list, &overrides.root_deps, &pnpm.catalogs);
    let configured_overrides = overrides.list.clone();
    pnpm.overrides = overrides.list;
    pnpm.overrides_file = overrides.file;

    pnpm.nvmrc = [".nvmrc", ".node-version"].iter().find_map(|name| {
        let text = crate::fsio::read_to_string(root.join(name)).ok()?;
        text.lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_string)
    });
    pnpm.node_version = node_version::discover(root, json.as_ref());
    let (lock, doc) = read_root_lockfile(root, pnpm)?;
    read_npm_config(root, yaml, json.as_ref(), doc.as_ref(), pnpm)?;
    pnpm.pnpmfile = crate::fsio::is_file(root.join(".pnpmfile.cjs"));
    (pnpm.tsconfigs, pnpm.turbo_json) = root_configs(root)?;
    Ok(RootRead {
        manifest: json,
        lock,
        configured_overrides,
        override_fields: overrides.fields,
    })
}

/// `packageManager`, `engines.node`, `resolutions`, `pnpm.overrides` and
/// `pnpm.patchedDependencies` of the root package.json.
fn read_root_manifest(
    json: &Value,
    path: &Path,
    pnpm: &mut PnpmWorkspace,
    overrides: &mut Overrides,
    patches: &mut BTreeSet<String>,
) -> Result<()> {
    pnpm.root_npm_workspaces = json.get("workspaces").is_some_and(|w| !w.is_null());
    pnpm.root_start = ["start", "start:prod"].iter().find_map(|name| {
        let command = json.pointer(&format!("/scripts/{name}"))?.as_str()?;
        Some((name.to_string(), command.to_string()))
    });
    for field in ["optionalDependencies", "devDependencies", "dependencies"] {
        if let Some(Value::Object(deps)) = json.get(field) {
            for (k, v) in deps {
                if let Some(v) = v.as_str() {
                    overrides.root_deps.insert(k.clone(), v.to_string());
                    let folder = super::deps::local_folder("", v);
                    let path = path.parent().unwrap_or(Path::new(""));
                    pnpm.root_local_dirs.extend(
                        folder.filter(|f| !f.is_empty() && crate::fsio::is_dir(path.join(f))),
                    );
                }
                pnpm.root_dependencies.insert(k.clone(), field.to_string());
            }
        }
    }
    for (pointer, what) in [
        ("/resolutions", "resolutions"),
        ("/pnpm/overrides", "pnpm.overrides"),
    ] {
        if let Some(v) = json.pointer(pointer).filter(|v| !v.is_null()) {
            let map = string_map(v, what, path)?;
            (overrides.fields).extend(map.keys().map(|k| (k.clone(), what.to_string())));
            merge_overrides(&mut overrides.list, map);
            overrides.file = Some("package.json".to_string());
        }
    }
    pnpm.root_local_dirs.sort();
    pnpm.root_local_dirs.dedup();
    pnpm.package_manager = json
        .get("packageManager")
        .and_then(Value::as_str)
        .map(str::to_string);
    pnpm.pnpm_version = pnpm
        .package_manager
        .as_deref()
        .and_then(|pm| pm.strip_prefix("pnpm@"))
        .map(|v| v.split('+').next().unwrap_or(v).trim().to_string())
        .filter(|v| !v.is_empty());
    pnpm.engines_node = json
        .pointer("/engines/node")
        .and_then(Value::as_str)
        .map(str::to_string);
    pnpm.engines_pnpm = json
        .pointer("/engines/pnpm")
        .and_then(Value::as_str)
        .map(str::to_string);
    let root = path.parent().unwrap_or(Path::new(""));
    let field = json.pointer("/pnpm/patchedDependencies");
    patches.extend(patch_files(root, field, "pnpm.patchedDependencies", path)?);
    Ok(())
}

/// The patch files `patchedDependencies` (`field`, spelled as the file at `path` spells it)
/// names, workspace-relative. pnpm stops on a value that is not a map of `name@version` to a
/// patch file, and on a patch file that is not there (and so would the image's build, at
/// its `COPY`): both are errors naming the field.
fn patch_files(
    root: &Path,
    value: Option<&Value>,
    field: &str,
    path: &Path,
) -> Result<Vec<String>> {
    let Some(value) = value.filter(|v| !v.is_null()) else {
        return Ok(Vec::new());
    };
    let bad = |message: String| Error::Parse {
        path: path.to_path_buf(),
        location: None,
        message,
    };
    let Value::Object(map) = value else {
        return Err(bad(format!(
            "`{field}` must map packages (`name@version`) to patch files, found {value}"
        )));
    };
    let mut out = Vec::new();
    for (package, file) in map {
        let Some(file) = file.as_str() else {
            return Err(bad(format!(
                "`{field}.{package}` must be the path of a patch file, found {file}"
            )));
        };
        let clean = relpath::clean(file);
        if !crate::fsio::is_file(root.join(&clean)) {
            return Err(bad(format!(
                "`{field}` patches {package} with {file}, which does not exist; pnpm install stops on it: add the patch file (`pnpm patch-commit`) or remove the entry"
            )));
        }
        out.push(clean);
    }
    Ok(out)
}

/// The root `pnpm-lock.yaml`: an empty file is no lockfile to pnpm (`--frozen-lockfile`
/// refuses to run), but it is there.
/// The lockfile is parsed once: its facts are returned, the graph kept in `pnpm`, and the
/// parsed document returned for the build closure (which needs the settings read later).
fn read_root_lockfile(
    root: &Path,
    pnpm: &mut PnpmWorkspace,
) -> Result<(Option<LockfileFacts>, Option<LockDoc>)> {
    let path = root.join(LOCKFILE);
    pnpm.lockfile_present = crate::fsio::is_file(&path);
    let text = match pnpm.lockfile_present {
        true => read_text(&path).ok().filter(|t| !t.trim().is_empty()),
        false => None,
    };
    pnpm.lockfile = text.is_some();
    let Some(text) = text else {
        return Ok((None, None));
    };
    pnpm.lockfile_version = lockfile_version(&text);
    let mut doc = LockDoc::parse(&text, &path)?;
    pnpm.lock_graph = super::dev_peers::LockGraph::of(&doc, pnpm.lockfile_version.as_deref());
    let mut lock = facts(&mut doc);
    pnpm.locked = std::mem::take(&mut lock.importers);
    pnpm.locked_versions = std::mem::take(&mut lock.versions);
    if !lock.overrides.is_empty() {
        pnpm.overrides = lock.overrides.clone().into_iter().collect();
        pnpm.overrides_file = Some(LOCKFILE.to_string());
    }
    Ok((Some(lock), Some(doc)))
}

/// `.npmrc` and the settings of `pnpm-workspace.yaml` that change how pnpm installs.
fn read_npm_config(
    root: &Path,
    yaml: &Value,
    manifest: Option<&Value>,
    lock: Option<&LockDoc>,
    pnpm: &mut PnpmWorkspace,
) -> Result<()> {
    let path = root.join(".npmrc");
    pnpm.npmrc = crate::fsio::is_file(&path);
    let npmrc = if pnpm.npmrc {
        // An `.npmrc` pnpm cannot read stops pnpm too; one that is not UTF-8 is unreadable.
        Npmrc::parse(&read_text(&path)?)
    } else {
        Npmrc::default()
    };
    // pnpm 11 reads only auth and registry settings from .npmrc.
    let npmrc_ignored = pnpm
        .pnpm_version
        .as_deref()
        .and_then(|v| v.split('.').next()?.parse::<u64>().ok())
        .is_some_and(|major| major >= 11);
    let manifest_path = root.join("package.json");
    let pnpm_field = manifest
        .and_then(|m| m.get("pnpm"))
        .filter(|p| p.is_object());
    pnpm.settings = PnpmSettings::read(
        &npmrc,
        yaml,
        &root.join(WORKSPACE_FILE),
        pnpm_field.map(|f| (f, manifest_path.as_path())),
        npmrc_ignored,
    )?;
    pnpm.npmrc_credentials = npmrc.credentials;
    pnpm.npmrc_public = npmrc.public_lines;
    pnpm.split_lockfiles = pnpm.settings.sets("shared-workspace-lockfile", false);
    pnpm.inject_workspace_packages = pnpm.settings.sets("inject-workspace-packages", true);
    let allowed = pnpm.settings.allowed_builds();
    let ignore_scripts = pnpm.settings.sets("ignore-scripts", true);
    let v9 = (pnpm.lockfile_version.as_deref()).is_some_and(|v| v.starts_with('9'));
    // With no packageManager the image installs the major engines.pnpm and the lockfile imply.
    let before_10 = (pnpm.pnpm_version.as_deref())
        .and_then(|v| v.split('.').next()?.parse::<u64>().ok())
        .or_else(|| {
            super::pnpm_major::implied(
                pnpm.lockfile_version.as_deref(),
                pnpm.engines_pnpm.as_deref(),
            )
            .map(|(major, _)| major)
        })
        .is_none_or(|major| major < 10);
    pnpm.builds_unknown = pnpm.lockfile && v9 && allowed.is_empty() && !ignore_scripts && before_10;
    // v5.4/v6 lockfiles mark what pnpm builds whatever the settings say.
    if let Some(doc) = lock {
        pnpm.requires_build = super::build_scripts::requires_build_in(
            doc,
            pnpm.lockfile_version.as_deref(),
            &pnpm.locked,
            &allowed,
        );
        pnpm.node_engines = super::build_scripts::node_engines_in(doc, &pnpm.locked);
    }
    Ok(())
}

/// The root's `tsconfig*.json` files, sorted, and its Turborepo config (`turbo.json`, else
/// `turbo.jsonc`), from one listing.
fn root_configs(root: &Path) -> Result<(Vec<String>, Option<String>)> {
    let files: Vec<String> = crate::fsio::read_dir(root)
        .map_err(|e| Error::io(root, e))?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .collect();
    let mut tsconfigs: Vec<String> = (files.iter())
        .filter(|n| n.starts_with("tsconfig") && n.ends_with(".json"))
        .cloned()
        .collect();
    tsconfigs.sort();
    let turbo = ["turbo.json", "turbo.jsonc"]
        .into_iter()
        .find(|t| files.iter().any(|f| f == t));
    Ok((tsconfigs, turbo.map(str::to_string)))
}
