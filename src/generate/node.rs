//! The Node (pnpm) context: everything `node.Dockerfile.tera` and `node.dockerignore.tera`
//! need for one service, computed here so the templates stay declarative.
//!
//! The run-time manifest rewrite lives here too: which `npm pkg set/delete` calls turn the
//! copied package.json files into manifests plain `npm install` accepts (`workspace:` ->
//! `file:` paths between the copied folders, peers -> the ranges `pnpm publish` would write,
//! `catalog:` -> the catalog's range, no `devDependencies`, no `scripts`).

use std::collections::BTreeSet;
use std::path::Path;

use serde::Serialize;

use super::cfg::{check_image, is_plain_path, GenerateConfig, PnpmInstall};
use super::{common_context, CommonContext, Rendering};
use crate::error::{Error, Result};
use crate::workspace::pnpm::{NodePackage, PnpmWorkspace};
use crate::workspace::spec::{self, WorkspaceSpec};
use crate::workspace::{DepKind, Package, Service, Workspace};

/// Node major used when nothing in the workspace or the config names one.
pub const DEFAULT_NODE_MAJOR: &str = "20";
/// The default image tag: `node:<version>-bookworm-slim` (CONTRACTS.md).
pub const DEFAULT_IMAGE_SUFFIX: &str = "-bookworm-slim";

/// Everything a Node template gets: the common variables, flattened, plus these.
#[derive(Debug, Clone, Serialize)]
pub struct NodeContext {
    #[serde(flatten)]
    pub common: CommonContext,
    pub node: NodeSettings,
    /// Root files the deps stage copies (`package.json`, `pnpm-lock.yaml`,
    /// `pnpm-workspace.yaml`, `.npmrc`, `.pnpmfile.cjs`, whichever exist).
    pub root_files: Vec<String>,
    /// Patch files a frozen install needs (`patchedDependencies`).
    pub patches: Vec<String>,
    /// Root `tsconfig*.json` files the builder copies (packages extend them).
    pub tsconfigs: Vec<String>,
    /// The tsconfig files outside the packages and the root that the tsconfigs of the built
    /// packages extend (`../../config/tsconfig.base.json`), transitively; each copied to its
    /// own path.
    pub tsconfig_extends: Vec<String>,
    /// Whether the root has a `.npmrc` (used by the installs, never shipped).
    pub npmrc: bool,
    /// `--filter` selectors of the frozen install (the service and its dependencies).
    pub install_filters: Vec<String>,
    /// The workspace packages the build needs, dependencies first, the service last.
    pub packages: Vec<BuildPackage>,
    /// The packages the image ships, dependencies first, the service last.
    pub runtime_packages: Vec<RuntimePackage>,
    /// Build output folders (workspace-relative) kept out of the build context: the builder
    /// makes them fresh, and stale ones from the host must not mix in.
    pub context_excludes: Vec<String>,
    /// The command that refreshes injected workspace packages after one of them is built (an
    /// offline re-install: pnpm copies a directory dependency anew on every install); `None`
    /// when no package of the build is injected.
    pub inject_refresh: Option<String>,
    /// pnpm's `overrides` as the npm `overrides` the service's package.json gets (JSON), each
    /// pinned to the version the lockfile holds; `None` without overrides.
    pub npm_overrides: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NodeSettings {
    /// The Node version of the default images (a major, or what the config says).
    pub version: String,
    /// The image of the build stages (`base`, `deps`, `builder`, `runtime-deps`).
    pub image: String,
    /// The image of the final stage.
    pub runtime_image: String,
    /// The pnpm version to install (from `packageManager`, or the config).
    pub pnpm_version: String,
    /// `npm` or `corepack`.
    pub pnpm_install: PnpmInstall,
    /// Whether the workspace has a `pnpm-lock.yaml` (then the install is `--frozen-lockfile`).
    pub lockfile: bool,
}

/// A workspace package as the build stages see it.
#[derive(Debug, Clone, Serialize)]
pub struct BuildPackage {
    pub name: String,
    pub dir: String,
    pub manifest: String,
    /// Its own `pnpm-lock.yaml` (relative), with `shared-workspace-lockfile=false`.
    pub lockfile: Option<String>,
    pub is_service: bool,
    /// The pnpm selector (`@acme/lib`, or `{packages/lib}` for a nameless package).
    pub selector: String,
    /// The shell command that builds it, run from the app root; `None` when the package has
    /// no build script (and no override).
    pub build: Option<String>,
    /// Its output folder (relative to `dir`; `""` for none), kept out of the build context.
    pub out_dir: String,
    /// Whether a package of the build injects it (`dependenciesMeta.<name>.injected`, or
    /// `injectWorkspacePackages`): pnpm copied it into `node_modules` before it was built, so
    /// the copy is refreshed (`inject_refresh`) after its build.
    pub injected: bool,
}

/// A package as the image ships it.
#[derive(Debug, Clone, Serialize)]
pub struct RuntimePackage {
    pub name: String,
    pub dir: String,
    pub is_service: bool,
    /// Paths relative to `dir` copied from the builder besides package.json (`dist`).
    pub copy: Vec<String>,
    /// Top-level package.json keys to delete (`npm pkg delete`).
    pub delete: Vec<String>,
    /// `key=value` arguments for `npm pkg set` (`dependencies[@acme/lib]=file:../lib`).
    pub set: Vec<String>,
    /// `key=<JSON>` arguments for `npm pkg set --json` (`publishConfig` fields that are not
    /// strings, such as `exports` maps).
    pub set_json: Vec<String>,
    /// `delete`, `set` and `set_json` as one shell command (`cd <folder> && npm pkg delete ... && npm pkg
    /// set ...`); `None` when the manifest needs no change.
    pub rewrite: Option<String>,
}

/// The files of one pnpm service: its Dockerfile and its ignore file.
pub fn renderings(
    ws: &Workspace,
    service: &Service,
    config: &GenerateConfig,
    config_path: &Path,
    warnings: &mut Vec<String>,
) -> Result<Vec<Rendering>> {
    let ctx = context(ws, service, config, config_path, warnings)?;
    let tera_ctx = tera::Context::from_serialize(&ctx).map_err(|e| Error::Template {
        name: "node.Dockerfile.tera".into(),
        message: format!("building the context: {e}"),
    })?;
    Ok(vec![
        Rendering {
            template: "node.Dockerfile.tera".into(),
            path: ctx.common.service.dockerfile.clone(),
            context: tera_ctx.clone(),
        },
        Rendering {
            template: "node.dockerignore.tera".into(),
            path: ctx.common.service.ignore_file.clone(),
            context: tera_ctx,
        },
    ])
}

fn node_of(p: &Package) -> Result<&NodePackage> {
    p.node
        .as_ref()
        .ok_or_else(|| Error::workspace(&p.manifest, "not a Node package (no package.json facts)"))
}

/// Computes the context of one service.
pub fn context(
    ws: &Workspace,
    service: &Service,
    config: &GenerateConfig,
    config_path: &Path,
    warnings: &mut Vec<String>,
) -> Result<NodeContext> {
    let pnpm = ws.pnpm.as_ref().ok_or_else(|| {
        Error::workspace(&ws.root, "not a pnpm workspace (no pnpm-workspace.yaml)")
    })?;
    let mut common = common_context(ws, service, config, config_path, "pnpm")?;
    let overrides = config.service(&service.name);
    let section = format!("[generate.services.{}]", service.name);
    let svc_pkg = ws.service_package(service);
    let svc_node = node_of(svc_pkg)?;
    if let Some(o) = overrides {
        super::reject_keys(
            config_path,
            &section,
            &[
                ("assets", !o.assets.is_empty()),
                ("features", !o.features.is_empty()),
                ("no_default_features", o.no_default_features.is_some()),
            ],
            &format!(
                "only for Cargo services; `{}` is a Node service (its image ships the `dist` \
                 of its package, `out_dir` names another folder)",
                service.name
            ),
        )?;
    }
    let manifest_path = ws.root.join(&svc_pkg.manifest);

    // Entry and output folder of the service.
    let entry = match overrides.and_then(|o| o.entry.as_deref()) {
        Some(e) => e.trim().trim_start_matches("./").to_string(),
        None => svc_node.service_entry().map(str::to_string).ok_or_else(|| {
            Error::workspace(
                &manifest_path,
                format!(
                    "the service `{}` has no entry: package.json has no `main`, no `exports` entry for \".\", no `start` script of the form `node <file>` and no single `bin` command; add `\"main\": \"dist/main.js\"` (the file `node` runs) to package.json, or set `entry = \"dist/main.js\"` in {section} of isogen.toml",
                    service.name
                ),
            )
        })?,
    };
    let out_dir = match overrides.and_then(|o| o.out_dir.as_deref()) {
        Some(d) => d
            .trim()
            .trim_start_matches("./")
            .trim_end_matches('/')
            .to_string(),
        None if overrides.and_then(|o| o.entry.as_deref()).is_some() => svc_node.out_dir.clone(),
        None => svc_node.service_out_dir(),
    };
    for (what, value) in [("entry", &entry), ("out_dir", &out_dir)] {
        if !value.is_empty() && (!is_plain_path(value) || value.split('/').any(|s| s == "..")) {
            return Err(Error::config(
                config_path,
                format!("{section} {what} = {value:?}: expected a path inside the service folder, without spaces or quotes"),
            ));
        }
    }
    let build_script = config.node.build_script.as_deref().unwrap_or("build");
    let service_built = overrides.and_then(|o| o.build.as_deref()).is_some()
        || svc_node.scripts.contains_key(build_script);
    let service_copy = match overrides.and_then(|o| o.out_dir.as_deref()) {
        Some(_) if !out_dir.is_empty() => vec![out_dir.clone()],
        _ if !service_built && svc_node.files.is_none() && is_plain_js(ws, svc_pkg) => {
            package_contents(ws, svc_pkg, warnings)?
        }
        _ => svc_node.runtime_paths(Some(&entry), &out_dir),
    };
    if !service_copy
        .iter()
        .any(|p| entry == *p || entry.starts_with(&format!("{p}/")))
    {
        return Err(Error::workspace(
            &manifest_path,
            format!(
                "the entry `{entry}` of the service `{}` is not in what its image ships ({}){}; set `out_dir` (or `entry`) in {section} of isogen.toml",
                service.name,
                if service_copy.is_empty() { "nothing".to_string() } else { service_copy.join(", ") },
                if service_built {
                    String::new()
                } else {
                    format!(": package.json has no `{build_script}` script to make it (add one, or set `build` in {section})")
                }
            ),
        ));
    }
    common.service.cmd = vec![
        "node".into(),
        format!("{}/{}", common.service.workdir, entry),
    ];
    // `node --import ./tracing.mjs dist/main.js`: the CMD runs the file alone.
    let node_options = svc_node
        .scripts
        .get("start")
        .filter(|_| svc_node.start_entry.as_deref() == Some(entry.as_str()))
        .map(|s| crate::workspace::pnpm::start_script_node_options(s))
        .unwrap_or_default();
    if !node_options.is_empty() && !common.env.contains_key("NODE_OPTIONS") {
        warnings.push(format!(
            "{}: the `start` script runs node with `{}`, which the image's CMD (`node {entry}`) does not pass; to keep them, set `env = {{ NODE_OPTIONS = \"{}\" }}` in {section} of isogen.toml",
            svc_pkg.manifest,
            node_options.join(" "),
            node_options.join(" ").replace('"', "\\\"")
        ));
    }

    let mut node = settings(pnpm, config, &service.name, config_path, warnings)?;
    if let Some(o) = overrides {
        let shell = match &o.healthcheck {
            Some(super::cfg::Healthcheck::Shell(s)) => Some(("healthcheck", s.as_str())),
            _ => None,
        };
        for (key, value) in o
            .build
            .as_deref()
            .map(|b| ("build", b))
            .into_iter()
            .chain(shell)
        {
            if value.contains(['\n', '\r']) || value.trim().is_empty() {
                return Err(Error::config(
                    config_path,
                    format!("{section} {key}: expected one non-empty line (join commands with &&)"),
                ));
            }
        }
    }

    // Build side: every package the frozen install and the builds touch.
    let mut packages = Vec::new();
    for &i in service
        .build_closure
        .iter()
        .chain(std::iter::once(&service.package))
    {
        let p = ws.package(i);
        let n = node_of(p)?;
        let is_service = i == service.package;
        check_dir(p, &ws.root)?;
        let selector = selector(p, n);
        let build = match (is_service, overrides.and_then(|o| o.build.as_deref())) {
            (true, Some(cmd)) => Some(format!("cd {} && {cmd}", shell_dir(&p.dir))),
            _ if n.scripts.contains_key(build_script) => Some(format!(
                "pnpm --filter {} run {}",
                super::templates::shell_quote(&selector),
                super::templates::shell_quote(build_script)
            )),
            _ => None,
        };
        let out_dir = if is_service {
            out_dir.clone()
        } else {
            n.out_dir.clone()
        };
        packages.push(BuildPackage {
            name: p.name.clone(),
            dir: p.dir.clone(),
            manifest: p.manifest.clone(),
            lockfile: pnpm
                .package_lockfiles
                .contains(&p.dir)
                .then(|| format!("{}/{}", p.dir, crate::workspace::pnpm::LOCKFILE)),
            is_service,
            selector,
            build,
            out_dir,
            injected: false,
        });
    }
    // Injected workspace packages: copied by the deps stage's install, before they are built.
    for &i in service
        .build_closure
        .iter()
        .chain(std::iter::once(&service.package))
    {
        let p = ws.package(i);
        let n = node_of(p)?;
        for d in &p.internal_deps {
            let target = ws.package(d.package);
            if pnpm.inject_workspace_packages
                || n.injected.contains(&d.alias)
                || n.injected.contains(&target.name)
            {
                if let Some(b) = packages.iter_mut().find(|b| b.dir == target.dir) {
                    b.injected = true;
                }
            }
        }
    }
    // A plain-JS service needs no build; a TypeScript one without a build step likely does.
    if packages.last().is_some_and(|p| p.build.is_none()) && !is_plain_js(ws, svc_pkg) {
        warnings.push(format!(
            "{}: the service `{}` has no `{build_script}` script; its image ships `{}` as the workspace has it (set `build` in {section} to build it)",
            svc_pkg.manifest,
            service.name,
            service_copy.join(", ")
        ));
    }
    if pnpm.split_lockfiles {
        // A frozen install needs the lockfile of every package it installs.
        let missing: Vec<&str> = packages
            .iter()
            .filter(|p| p.lockfile.is_none())
            .map(|p| p.dir.as_str())
            .collect();
        node.lockfile = missing.is_empty();
        if !missing.is_empty() {
            warnings.push(format!(
                ".npmrc sets shared-workspace-lockfile=false, but {} {} no {}, so the deps stage of `{}` cannot install with --frozen-lockfile; run `pnpm install` and commit the lockfiles",
                missing.join(", "),
                if missing.len() == 1 { "has" } else { "have" },
                crate::workspace::pnpm::LOCKFILE,
                service.name
            ));
        }
    }
    let install_filters = vec![format!("{}...", selector(svc_pkg, svc_node))];
    let inject_refresh = packages
        .iter()
        .any(|p| p.injected && p.build.is_some() && !p.is_service)
        .then(|| {
            let mut cmd = String::from("pnpm install");
            if node.lockfile {
                cmd.push_str(" --frozen-lockfile");
            }
            cmd.push_str(" --offline --ignore-scripts");
            for f in &install_filters {
                cmd.push_str(" --filter ");
                cmd.push_str(&super::templates::shell_quote(f));
            }
            cmd
        });
    if !pnpm.patches.is_empty() {
        warnings.push(format!(
            "patchedDependencies ({}): pnpm applies them in the build stages only; the runtime install (npm) installs those packages unpatched",
            pnpm.patches.join(", ")
        ));
    }
    let (overrides_map, _) = npm_overrides(pnpm, warnings);
    let npm_overrides =
        (!overrides_map.is_empty()).then(|| serde_json::Value::Object(overrides_map).to_string());

    // Run-time side.
    let referenced = built_by_references(ws, &packages);
    let mut runtime_packages = Vec::new();
    for &i in service
        .runtime_closure
        .iter()
        .chain(std::iter::once(&service.package))
    {
        let p = ws.package(i);
        let n = node_of(p)?;
        let is_service = i == service.package;
        let copy = if is_service {
            service_copy.clone()
        } else if n.scripts.contains_key(build_script) {
            n.runtime_paths(n.entry.as_deref(), &n.out_dir)
        } else if referenced.contains(&p.dir) {
            // No build script, but a build that runs `tsc -b` builds it through the project
            // references of its tsconfig: what it declares exists once the builder ran,
            // whether or not the workspace holds a stale build of it.
            n.runtime_paths(n.entry.as_deref(), &n.out_dir)
        } else {
            unbuilt_paths(ws, p, n, warnings)?
        };
        let (delete, mut set) = runtime_rewrite(ws, service, i, pnpm)?;
        // Ship the package as `pnpm publish` would: publishConfig fields win.
        let mut set_json = Vec::new();
        for (key, value) in &n.publish_overrides {
            match value {
                serde_json::Value::String(v) => set.push(format!("{key}={v}")),
                other => set_json.push(format!("{key}={other}")),
            }
        }
        // The service is the root of the npm install: only its `overrides` count.
        if let (true, Some(o)) = (is_service, &npm_overrides) {
            set_json.push(format!("overrides={o}"));
        }
        if let Some(bad) = set
            .iter()
            .chain(&set_json)
            .find(|a| a.contains(['\n', '\r']))
        {
            return Err(Error::workspace(
                ws.root.join(&p.manifest),
                format!("a dependency spec would put a line break into the Dockerfile: {bad:?}"),
            ));
        }
        let rewrite = rewrite_command(&common.app_root, &p.dir, &delete, &set, &set_json);
        runtime_packages.push(RuntimePackage {
            name: p.name.clone(),
            dir: p.dir.clone(),
            is_service,
            copy,
            delete,
            set,
            set_json,
            rewrite,
        });
    }

    let mut root_files = vec![];
    if ws.root.join("package.json").is_file() {
        root_files.push("package.json".to_string());
    }
    if pnpm.lockfile {
        root_files.push(crate::workspace::pnpm::LOCKFILE.to_string());
    } else if !pnpm.split_lockfiles && ws.root.join(crate::workspace::pnpm::LOCKFILE).is_file() {
        warnings.push(format!(
            "{}: the file is empty, so the deps stage cannot install with --frozen-lockfile (pnpm refuses an empty lockfile); run `pnpm install` and commit the lockfile",
            crate::workspace::pnpm::LOCKFILE
        ));
    } else if !pnpm.split_lockfiles {
        warnings.push(format!(
            "{}: no {} next to it, so the deps stage cannot install with --frozen-lockfile; run `pnpm install` and commit the lockfile",
            crate::workspace::pnpm::WORKSPACE_FILE,
            crate::workspace::pnpm::LOCKFILE
        ));
    }
    root_files.push(crate::workspace::pnpm::WORKSPACE_FILE.to_string());
    if pnpm.npmrc {
        root_files.push(".npmrc".into());
    }
    if pnpm.pnpmfile {
        root_files.push(".pnpmfile.cjs".into());
    }
    let tsconfig_extends = tsconfig_extends(ws, &packages, &pnpm.tsconfigs);
    for f in pnpm
        .patches
        .iter()
        .chain(&pnpm.tsconfigs)
        .chain(&tsconfig_extends)
    {
        if !is_plain_path(f) || f.split('/').any(|s| s == "..") {
            return Err(Error::workspace(
                ws.root.join(f),
                "this path cannot be copied by a Dockerfile (spaces, quotes or `..`)",
            ));
        }
    }

    let context_excludes = packages
        .iter()
        .filter(|p| {
            (p.build.is_some() || referenced.contains(&p.dir)) && is_build_output(&p.out_dir)
        })
        .map(|p| {
            if p.dir.is_empty() {
                p.out_dir.clone()
            } else {
                format!("{}/{}", p.dir, p.out_dir)
            }
        })
        .collect();
    Ok(NodeContext {
        context_excludes,
        common,
        node,
        root_files,
        patches: pnpm.patches.clone(),
        tsconfigs: pnpm.tsconfigs.clone(),
        tsconfig_extends,
        npmrc: pnpm.npmrc,
        install_filters,
        packages,
        runtime_packages,
        inject_refresh,
        npm_overrides,
    })
}

/// pnpm's `overrides` as npm `overrides`, for the package.json at the root of the runtime
/// install: `parent>child` becomes `{"parent": {"child": ...}}`, `name@range` keys stay as
/// they are (npm reads both), and each value is pinned to the one version of its package that
/// `pnpm-lock.yaml` holds within the override's range (else it stays as written). Values npm
/// has no equivalent for (`-`, `link:`, `file:`, `workspace:`, unresolved `$name` or
/// `catalog:`) are left out with a warning. Also returns the plain ones (a bare name), by
/// name: a direct dependency of the root with that name must have the same spec, or npm stops
/// with EOVERRIDE.
pub fn npm_overrides(
    pnpm: &PnpmWorkspace,
    warnings: &mut Vec<String>,
) -> (
    serde_json::Map<String, serde_json::Value>,
    std::collections::BTreeMap<String, String>,
) {
    use serde_json::Value;
    let mut out = serde_json::Map::new();
    let mut plain = std::collections::BTreeMap::new();
    let file = pnpm.overrides_file.as_deref().unwrap_or("package.json");
    for (selector, spec) in &pnpm.overrides {
        let spec = spec.trim();
        let parts: Vec<&str> = selector.split('>').map(str::trim).collect();
        let unusable = spec == "-"
            || ["link:", "file:", "workspace:", "catalog:", "$"]
                .iter()
                .any(|p| spec.starts_with(p))
            || spec.is_empty()
            || parts.iter().any(|p| p.is_empty());
        if unusable {
            warnings.push(format!(
                "{file}: the override `{selector}: {spec}` has no npm equivalent, so the runtime install (npm) does not apply it"
            ));
            continue;
        }
        let target = crate::workspace::pnpm::selector_target(selector);
        let value = pinned_override(pnpm, target, spec);
        let mut map = &mut out;
        for part in &parts[..parts.len() - 1] {
            let entry = map
                .entry(part.to_string())
                .or_insert_with(|| Value::Object(Default::default()));
            if let Value::String(s) = entry {
                let mut m = serde_json::Map::new();
                m.insert(".".into(), Value::String(std::mem::take(s)));
                *entry = Value::Object(m);
            }
            let Value::Object(m) = entry else {
                unreachable!("made an object above")
            };
            map = m;
        }
        let last = parts[parts.len() - 1];
        match map.get_mut(last) {
            Some(Value::Object(m)) => {
                m.insert(".".into(), Value::String(value.clone()));
            }
            _ => {
                map.insert(last.to_string(), Value::String(value.clone()));
            }
        }
        if parts.len() == 1 && crate::workspace::pnpm::name_of_part(last) == last {
            plain.insert(last.to_string(), value);
        }
    }
    (out, plain)
}

/// The one version of `name` in the lockfile that `spec` allows, else `spec` itself.
fn pinned_override(pnpm: &PnpmWorkspace, name: &str, spec: &str) -> String {
    let Ok(range) = nodejs_semver::Range::parse(spec) else {
        return spec.to_string();
    };
    let matching: Vec<&String> = pnpm
        .locked_versions
        .get(name)
        .into_iter()
        .flatten()
        .filter(|v| nodejs_semver::Version::parse(v).is_ok_and(|v| v.satisfies(&range)))
        .collect();
    match matching.as_slice() {
        [one] => (*one).clone(),
        _ => spec.to_string(),
    }
}

fn rewrite_command(
    app_root: &str,
    dir: &str,
    delete: &[String],
    set: &[String],
    set_json: &[String],
) -> Option<String> {
    use super::templates::shell_quote;
    if delete.is_empty() && set.is_empty() && set_json.is_empty() {
        return None;
    }
    let folder = if dir.is_empty() {
        app_root.to_string()
    } else {
        format!("{app_root}/{dir}")
    };
    let mut cmd = format!("cd {}", shell_quote(&folder));
    if !delete.is_empty() {
        cmd.push_str(" && npm pkg delete");
        for k in delete {
            cmd.push(' ');
            cmd.push_str(&shell_quote(k));
        }
    }
    if !set.is_empty() {
        cmd.push_str(" && npm pkg set");
        for kv in set {
            cmd.push(' ');
            cmd.push_str(&shell_quote(kv));
        }
    }
    if !set_json.is_empty() {
        cmd.push_str(" && npm pkg set --json");
        for kv in set_json {
            cmd.push(' ');
            cmd.push_str(&shell_quote(kv));
        }
    }
    Some(cmd)
}

/// What an internal package without a build step ships. With a `files` field: those of its
/// paths that exist in the workspace (nothing builds the others, and a COPY of a missing path
/// fails the build). Plain JavaScript (no `tsconfig*.json` of its own): its whole folder, as
/// `npm pack` would ship it, since its entry may `require` any of its files. Otherwise (a
/// TypeScript package built by something else): its entry's output folder or file when it
/// exists, or Node's default `index.js` when it declares no entry; a types-only package thus
/// ships only its package.json.
fn unbuilt_paths(
    ws: &Workspace,
    p: &Package,
    n: &NodePackage,
    warnings: &mut Vec<String>,
) -> Result<Vec<String>> {
    if n.files.is_none() && is_plain_js(ws, p) {
        return package_contents(ws, p, warnings);
    }
    let mut declared = if n.entry.is_none() && n.files.is_none() {
        vec!["index.js".to_string()]
    } else {
        n.runtime_paths(n.entry.as_deref(), &n.out_dir)
    };
    // `files: ["*.js", "lib"]`: a pattern at the top names files that are there already; and
    // npm pack ships the `main` file whatever `files` says (when it is there: below).
    declared.extend(top_level_file_globs(ws, p, n));
    if n.files.is_some() {
        if let Some(first) = n.entry.as_deref().and_then(|e| e.split('/').next()) {
            declared.push(first.to_string());
        }
    }
    declared.sort();
    declared.dedup();
    if let Some(entry) = &n.entry {
        if !ws.root.join(&p.dir).join(entry).exists() {
            let there: Vec<&str> = declared
                .iter()
                .filter(|rel| ws.root.join(&p.dir).join(rel).exists())
                .map(String::as_str)
                .collect();
            warnings.push(format!(
                "{}: `{}` loads {entry}, which is not in the workspace, and nothing in the image's build makes it (no `build` script, no tsconfig `references` from a package that is built), so the image ships only its package.json{}; add a `build` script to it",
                p.manifest,
                p.name,
                if there.is_empty() { String::new() } else { format!(" and {}", there.join(", ")) }
            ));
        }
    }
    Ok(declared
        .into_iter()
        .filter(|rel| ws.root.join(&p.dir).join(rel).exists())
        .collect())
}

/// The top-level names of an unbuilt package that a pattern of its `files` field matches in
/// its first segment (`*.js`, `*.d.ts`, `{index,cli}.js`), as npm pack would include them.
fn top_level_file_globs(ws: &Workspace, p: &Package, n: &NodePackage) -> Vec<String> {
    let Some(files) = &n.files else {
        return Vec::new();
    };
    let mut set = globset::GlobSetBuilder::new();
    let mut any = false;
    for f in files {
        let f = f.trim().trim_start_matches("./");
        let first = f.split('/').next().unwrap_or(f);
        if f.starts_with('!') || !first.contains(['*', '?', '[', '{']) {
            continue;
        }
        if let Ok(g) = globset::Glob::new(first) {
            set.add(g);
            any = true;
        }
    }
    let (true, Ok(set)) = (any, set.build()) else {
        return Vec::new();
    };
    let Ok(entries) = ws.listing(&p.dir) else {
        return Vec::new();
    };
    let mut out: Vec<String> = entries
        .iter()
        .map(|e| e.name.clone())
        .filter(|name| {
            set.is_match(name)
                && !name.starts_with('.')
                && !matches!(name.as_str(), "node_modules" | "package.json")
                && !name.starts_with("Dockerfile")
                && is_plain_path(name)
        })
        .collect();
    out.sort();
    out
}

/// The folders of the packages (without a build script of their own) that the builder's builds
/// make anyway: those a built package's `tsconfig*.json` names in `references`, transitively
/// (`tsc -b` builds referenced projects first). TypeScript project-reference workspaces often
/// give only the services a `build` script.
fn built_by_references(ws: &Workspace, packages: &[BuildPackage]) -> BTreeSet<String> {
    let dirs: BTreeSet<&str> = packages.iter().map(|p| p.dir.as_str()).collect();
    let mut todo: Vec<String> = packages
        .iter()
        .filter(|p| p.build.is_some())
        .map(|p| p.dir.clone())
        .collect();
    let mut seen: BTreeSet<String> = todo.iter().cloned().collect();
    let mut found = BTreeSet::new();
    while let Some(dir) = todo.pop() {
        for target in tsconfig_references(ws, &dir) {
            if dirs.contains(target.as_str()) && seen.insert(target.clone()) {
                found.insert(target.clone());
                todo.push(target);
            }
        }
    }
    found
}

/// The files (relative to the workspace root) that the `tsconfig*.json` at the top of the
/// packages' folders extend by a relative path, transitively, that the builder would not have
/// otherwise: outside every package folder it copies and not a root tsconfig. Read leniently
/// like [`tsconfig_references`].
fn tsconfig_extends(
    ws: &Workspace,
    packages: &[BuildPackage],
    root_tsconfigs: &[String],
) -> Vec<String> {
    let inside_copied = |file: &str| {
        root_tsconfigs.iter().any(|t| t == file)
            || packages
                .iter()
                .any(|p| !p.dir.is_empty() && file.starts_with(&format!("{}/", p.dir)))
    };
    let mut todo: Vec<String> = Vec::new();
    for p in packages {
        let Ok(entries) = ws.listing(&p.dir) else {
            continue;
        };
        for e in entries.iter() {
            let name = e.name.clone();
            if name.starts_with("tsconfig") && name.ends_with(".json") {
                todo.push(if p.dir.is_empty() {
                    name
                } else {
                    format!("{}/{name}", p.dir)
                });
            }
        }
    }
    let mut seen: BTreeSet<String> = todo.iter().cloned().collect();
    let mut out = BTreeSet::new();
    while let Some(file) = todo.pop() {
        let Ok(text) = std::fs::read_to_string(ws.root.join(&file)) else {
            continue;
        };
        let dir = file.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        for target in extends_values(&text) {
            if !target.starts_with('.') {
                continue; // a package (`@tsconfig/node20`), resolved from node_modules
            }
            let Some(mut rel) = crate::workspace::spec::join_normalized(dir, &target) else {
                continue;
            };
            if !ws.root.join(&rel).is_file() && ws.root.join(format!("{rel}.json")).is_file() {
                rel.push_str(".json");
            }
            if !ws.root.join(&rel).is_file() || !seen.insert(rel.clone()) {
                continue;
            }
            if !inside_copied(&rel) {
                out.insert(rel.clone());
            }
            todo.push(rel);
        }
    }
    out.into_iter().collect()
}

/// The strings of a tsconfig's `"extends"` (a string or a list of them).
fn extends_values(text: &str) -> Vec<String> {
    let Some(at) = text.find("\"extends\"") else {
        return Vec::new();
    };
    let rest = text[at + 9..].trim_start();
    let Some(rest) = rest.strip_prefix(':') else {
        return Vec::new();
    };
    let rest = rest.trim_start();
    let list = match rest.strip_prefix('[') {
        Some(inner) => &inner[..inner.find(']').unwrap_or(inner.len())],
        None => rest,
    };
    let mut out = Vec::new();
    let mut parts = list.split('"');
    parts.next();
    while let Some(value) = parts.next() {
        out.push(value.to_string());
        if rest.starts_with('"') {
            break; // a single string
        }
        parts.next(); // the separator between strings
    }
    out
}

/// The package folders (relative to the workspace root) that the `references` of the
/// `tsconfig*.json` files at the top of `dir` point to. Read leniently (tsconfig files are
/// JSON with comments): every `"path": "..."` after a `"references"` key.
fn tsconfig_references(ws: &Workspace, dir: &str) -> Vec<String> {
    let Ok(entries) = ws.listing(dir) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for e in entries.iter() {
        let name = &e.name;
        if !(name.starts_with("tsconfig") && name.ends_with(".json")) {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(ws.root.join(dir).join(name)) else {
            continue;
        };
        let Some(at) = text.find("\"references\"") else {
            continue;
        };
        let mut rest = &text[at..];
        while let Some(i) = rest.find("\"path\"") {
            rest = &rest[i + 6..];
            let after = rest.trim_start();
            let Some(after) = after.strip_prefix(':') else {
                continue;
            };
            let after = after.trim_start();
            let Some(value) = after.strip_prefix('"') else {
                continue;
            };
            let Some(end) = value.find('"') else {
                break;
            };
            if let Some(target) = join_rel(dir, &value[..end]) {
                out.push(target);
            }
        }
    }
    out
}

/// `dir/rel` normalised (`..` resolved) to a package folder: a reference may name the folder
/// or a tsconfig file in it. `None` when it leaves the workspace.
fn join_rel(dir: &str, rel: &str) -> Option<String> {
    let joined = crate::workspace::spec::join_normalized(dir, rel)?;
    match joined.rsplit_once('/') {
        Some((folder, file)) if file.starts_with("tsconfig") && file.ends_with(".json") => {
            Some(folder.to_string())
        }
        None if joined.starts_with("tsconfig") && joined.ends_with(".json") => Some(String::new()),
        _ => Some(joined),
    }
}

/// Whether a package is plain JavaScript: no `tsconfig*.json` and no TypeScript source (`.ts`,
/// `.tsx`, `.mts`, `.cts`; declaration files aside) in its folder, so the files there are
/// what runs. A TypeScript package ships its build output instead (or, types only, nothing).
fn is_plain_js(ws: &Workspace, p: &Package) -> bool {
    !has_typescript(ws, &p.dir, true)
}

/// Whether `dir` holds TypeScript source below it (node_modules and dot-folders aside), or a
/// `tsconfig*.json` at its top when `top`.
fn has_typescript(ws: &Workspace, dir: &str, top: bool) -> bool {
    let Ok(entries) = ws.listing(dir) else {
        return false;
    };
    entries.iter().any(|e| {
        let name = e.name.as_str();
        if e.is_dir {
            return name != "node_modules"
                && !name.starts_with('.')
                && has_typescript(ws, &join_dir(dir, name), false);
        }
        let tsconfig = top && name.starts_with("tsconfig") && name.ends_with(".json");
        let ts_source = [".ts", ".tsx", ".mts", ".cts"]
            .iter()
            .any(|ext| name.ends_with(ext))
            && ![".d.ts", ".d.mts", ".d.cts"]
                .iter()
                .any(|ext| name.ends_with(ext));
        e.is_file && (tsconfig || ts_source)
    })
}

fn join_dir(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

/// Whether a top-level name of a package is there for its tests only: test folders
/// (`test`, `tests`, `__tests__`, `__mocks__`, fixtures, `coverage`) and test files
/// (`*.test.js`, `*.spec.mjs`, ...). They never run in the service.
fn is_test_only(name: &str) -> bool {
    matches!(
        name,
        "test"
            | "tests"
            | "__tests__"
            | "__mocks__"
            | "coverage"
            | "fixtures"
            | "__fixtures__"
            | "test-fixtures"
    ) || name.contains(".test.")
        || name.contains(".spec.")
}

/// The top-level files and folders of a package that `npm pack` would ship and the service may
/// run, sorted: everything but package.json (copied on its own), dotfiles (`.env`, linters'
/// settings, `.npmrc`), `node_modules`, lockfiles, the generated Dockerfile and ignore file,
/// TypeScript configs and build info, tests, and folders holding other workspace packages. Names a Dockerfile line cannot carry (spaces,
/// quotes) are left out with a warning.
fn package_contents(
    ws: &Workspace,
    p: &Package,
    warnings: &mut Vec<String>,
) -> Result<Vec<String>> {
    let dir = ws.root.join(&p.dir);
    let entries = ws.listing(&p.dir).map_err(|e| Error::io(&dir, e))?;
    let mut out = Vec::new();
    for entry in entries.iter() {
        let name = entry.name.clone();
        let rel = if p.dir.is_empty() {
            name.clone()
        } else {
            format!("{}/{name}", p.dir)
        };
        let skipped = name.starts_with('.')
            || name == "node_modules"
            || name == "package.json"
            || name == crate::workspace::pnpm::LOCKFILE
            || name == super::DOCKERFILE
            || name.ends_with(".Dockerfile")
            || name.ends_with(".dockerignore")
            || name.ends_with(".tsbuildinfo")
            || (name.starts_with("tsconfig") && name.ends_with(".json"))
            || is_test_only(&name)
            || ws.packages.iter().any(|o| {
                o.dir
                    .strip_prefix(rel.as_str())
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
            });
        if skipped {
            continue;
        }
        if !is_plain_path(&name) {
            warnings.push(format!(
                "{rel}: not shipped, a Dockerfile line cannot copy a name with spaces or quotes; rename it, or list what the package ships in `files` of {}",
                p.manifest
            ));
            continue;
        }
        out.push(name);
    }
    out.sort();
    Ok(out)
}

fn selector(p: &Package, n: &NodePackage) -> String {
    if n.has_name {
        p.name.clone()
    } else {
        format!("{{{}}}", p.dir)
    }
}

fn shell_dir(dir: &str) -> String {
    if dir.is_empty() {
        ".".into()
    } else {
        super::templates::shell_quote(dir)
    }
}

/// Whether a package's output folder can safely be left out of the build context: not empty
/// (the package root) and not a conventional source folder.
fn is_build_output(out_dir: &str) -> bool {
    !out_dir.is_empty() && !matches!(out_dir, "src" | "source" | "app" | "lib-src")
}

fn check_dir(p: &Package, root: &Path) -> Result<()> {
    if is_plain_path(&p.dir) {
        Ok(())
    } else {
        Err(Error::workspace(
            root.join(&p.manifest),
            format!(
                "the folder `{}` cannot be copied by a Dockerfile line (spaces or quotes); rename it",
                p.dir
            ),
        ))
    }
}

/// Node version, images and pnpm for one service.
fn settings(
    pnpm: &PnpmWorkspace,
    config: &GenerateConfig,
    service: &str,
    config_path: &Path,
    warnings: &mut Vec<String>,
) -> Result<NodeSettings> {
    let version = match &config.node.version {
        Some(v) => {
            let v = v.trim().trim_start_matches('v').to_string();
            if v.is_empty()
                || !v
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
            {
                return Err(Error::config(
                    config_path,
                    format!("[generate.node] version = {v:?}: expected a Node version such as \"20\" or \"20.11.1\""),
                ));
            }
            v
        }
        None => pnpm
            .engines_node
            .as_deref()
            .and_then(major_for_engines)
            .or_else(|| pnpm.nvmrc.as_deref().and_then(major_from_nvmrc))
            .unwrap_or_else(|| DEFAULT_NODE_MAJOR.to_string()),
    };
    let default_image = format!("node:{version}{DEFAULT_IMAGE_SUFFIX}");
    let overrides = config.service(service);
    let image = overrides
        .and_then(|o| o.image.clone())
        .or_else(|| config.node.image.clone())
        .unwrap_or_else(|| default_image.clone());
    let runtime_image = overrides
        .and_then(|o| o.runtime_image.clone())
        .or_else(|| config.node.runtime_image.clone())
        .unwrap_or_else(|| image.clone());
    check_image(&image, "image", config_path)?;
    check_image(&runtime_image, "runtime_image", config_path)?;

    let pnpm_version = match (&config.node.pnpm_version, &pnpm.pnpm_version) {
        (Some(v), _) => v.trim().to_string(),
        (None, Some(v)) => v.clone(),
        (None, None) => {
            let major = match pnpm.lockfile_version.as_deref() {
                Some(v) if v.starts_with('9') => Some("9"),
                Some(v) if v.starts_with('6') => Some("8"),
                Some(v) if v.starts_with("5.4") => Some("7"),
                _ => None,
            };
            match major {
                Some(m) => {
                    warnings.push(format!(
                        "package.json has no `packageManager: \"pnpm@<version>\"`; installing pnpm@{m} (from the lockfile's version); pin it with packageManager or [generate.node] pnpm_version"
                    ));
                    m.to_string()
                }
                None => {
                    return Err(Error::workspace(
                        "package.json",
                        "no pnpm version: add `\"packageManager\": \"pnpm@<version>\"` to the root package.json, or set pnpm_version in [generate.node] of isogen.toml",
                    ))
                }
            }
        }
    };
    if pnpm_version.is_empty()
        || !pnpm_version
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-".contains(c))
    {
        return Err(Error::config(
            config_path,
            format!("pnpm version {pnpm_version:?} is not a version"),
        ));
    }
    Ok(NodeSettings {
        version,
        image,
        runtime_image,
        pnpm_version,
        pnpm_install: config.node.pnpm_install.unwrap_or_default(),
        lockfile: pnpm.lockfile,
    })
}

/// The Node major for an `engines.node` range: the default major when the range allows it
/// (`>=18`, `18 || 20`, `*` -> 20), else the first major the range names (`^22.1.0` -> 22,
/// `18.x` -> 18).
pub fn major_for_engines(range: &str) -> Option<String> {
    if range_allows_default(range) {
        return Some(DEFAULT_NODE_MAJOR.to_string());
    }
    major_from_range(range)
}

/// Whether an npm range allows some release of the default major. npm comparators are
/// space-separated and `||`-joined; each alternative is checked with the semver crate (whose
/// bare versions mean `^`, which gives the same answer for this question).
fn range_allows_default(range: &str) -> bool {
    let major: u64 = DEFAULT_NODE_MAJOR.parse().unwrap_or(20);
    let candidates: Vec<semver::Version> = [0, 9, 18, 99]
        .iter()
        .map(|minor| semver::Version::new(major, *minor, 0))
        .collect();
    range.split("||").any(|alt| {
        let mut parts: Vec<String> = Vec::new();
        let mut pending_op = String::new();
        for w in alt.split_whitespace() {
            if w.chars().all(|c| "<>=~^".contains(c)) {
                pending_op = w.to_string();
                continue;
            }
            let w = w.trim_start_matches('v');
            parts.push(format!("{pending_op}{w}"));
            pending_op.clear();
        }
        if parts.is_empty() {
            return alt.trim().is_empty() || alt.trim() == "*";
        }
        match semver::VersionReq::parse(&parts.join(", ")) {
            Ok(req) => candidates.iter().any(|v| req.matches(v)),
            Err(_) => false,
        }
    })
}

/// The first major a range names: `>=18` -> 18, `^20.11.0` -> 20, `20.x` -> 20.
pub fn major_from_range(range: &str) -> Option<String> {
    let start = range.find(|c: char| c.is_ascii_digit())?;
    let digits: String = range[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let n: u32 = digits.parse().ok()?;
    (n > 0).then(|| n.to_string())
}

/// The major an `.nvmrc` names: `v20.11.1`, `20`, or an LTS code name (`lts/iron`).
pub fn major_from_nvmrc(text: &str) -> Option<String> {
    let t = text.trim().to_ascii_lowercase();
    if let Some(name) = t.strip_prefix("lts/") {
        let major = match name {
            "hydrogen" => "18",
            "iron" => "20",
            "jod" => "22",
            "krypton" => "24",
            _ => return None,
        };
        return Some(major.into());
    }
    major_from_range(&t)
}

/// The `npm pkg delete` keys and `npm pkg set` arguments that turn the package.json of
/// `pkg_index` (as copied into the image) into one `npm install` accepts.
pub fn runtime_rewrite(
    ws: &Workspace,
    service: &Service,
    pkg_index: usize,
    pnpm: &PnpmWorkspace,
) -> Result<(Vec<String>, Vec<String>)> {
    let pkg = ws.package(pkg_index);
    let n = node_of(pkg)?;
    let is_service = pkg_index == service.package;
    let mut delete = Vec::new();
    // Scripts never run in the image (CMD runs node directly), and npm would run lifecycle
    // scripts (prepare, postinstall, ...) of the copied packages while installing them.
    if !n.scripts.is_empty() {
        delete.push("scripts".to_string());
    }
    // npm resolves devDependencies even with --omit=dev, and `workspace:` ones fail.
    if n.deps.iter().any(|d| d.kind == DepKind::Dev) {
        delete.push("devDependencies".to_string());
    }
    let mut set = Vec::new();
    let mut direct: BTreeSet<usize> = BTreeSet::new();
    // npm stops (EOVERRIDE) when a dependency of the root differs from an override of it.
    let plain_overrides = if is_service {
        npm_overrides(pnpm, &mut Vec::new()).1
    } else {
        Default::default()
    };
    for d in n.deps.iter().filter(|d| d.kind != DepKind::Dev) {
        let field = match d.kind {
            DepKind::Normal => "dependencies",
            DepKind::Optional => "optionalDependencies",
            DepKind::Peer => "peerDependencies",
            DepKind::Dev | DepKind::Build => continue,
        };
        if let Some(target) = d.internal {
            let t = ws.package(target);
            match d.kind {
                DepKind::Peer if is_service => {
                    // The service is the root of the install: npm would fetch a peer range
                    // from the registry. Its internal peers become file: dependencies below.
                    delete.push(format!("{field}[{}]", d.key));
                }
                DepKind::Peer => {
                    let published = match WorkspaceSpec::parse(&d.spec) {
                        Ok(Some(ws_spec)) => {
                            ws_spec.published(&d.key, &t.name, t.version.as_deref())
                        }
                        _ => t.version.clone().unwrap_or_else(|| "*".into()),
                    };
                    set.push(format!("{field}[{}]={published}", d.key));
                }
                _ => {
                    // npm places a dependency under its key: only a key equal to the
                    // package's name satisfies a peer of that name.
                    if d.key == t.name {
                        direct.insert(target);
                    }
                    set.push(format!(
                        "{field}[{}]={}",
                        d.key,
                        spec::file_spec(&pkg.dir, &t.dir)
                    ));
                }
            }
        } else if d.kind != DepKind::Peer {
            // The version pnpm locked, so the image runs what the build was made with; else
            // the catalog's range (npm cannot read `catalog:`).
            if let Some(value) = plain_overrides.get(&d.key) {
                set.push(format!("{field}[{}]={value}", d.key));
            } else if let Some(version) = pnpm.locked_version(&pkg.dir, &d.key, &d.spec) {
                set.push(format!("{field}[{}]={version}", d.key));
            } else if let Some(range) = &d.catalog_range {
                set.push(format!("{field}[{}]={range}", d.key));
            }
        } else if let Some(range) = &d.catalog_range {
            set.push(format!("{field}[{}]={range}", d.key));
        }
    }
    if is_service {
        // Every internal package some shipped package wants as a peer must be in the tree,
        // or npm looks for it on the registry: the service provides it.
        let shipped: Vec<usize> = service
            .runtime_closure
            .iter()
            .copied()
            .chain(std::iter::once(service.package))
            .collect();
        let mut peers: BTreeSet<(String, usize)> = BTreeSet::new();
        for &i in &shipped {
            for d in &ws.package(i).internal_deps {
                if d.kind == DepKind::Peer
                    && d.package != service.package
                    && !direct.contains(&d.package)
                {
                    peers.insert((ws.package(d.package).name.clone(), d.package));
                }
            }
        }
        for (name, target) in peers {
            set.push(format!(
                "dependencies[{name}]={}",
                spec::file_spec(&pkg.dir, &ws.package(target).dir)
            ));
        }
    }
    Ok((delete, set))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::WorkspaceConfig;

    fn discover(files: &[(&str, &str)]) -> (tempfile::TempDir, Workspace) {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let p = dir.path().join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        let ws = Workspace::discover(dir.path(), &WorkspaceConfig::default()).unwrap();
        (dir, ws)
    }

    /// (delete, set) of every shipped package of `service`, by package name.
    fn rewrites(ws: &Workspace, service: &str) -> Vec<(String, Vec<String>, Vec<String>)> {
        let svc = ws.service(service).unwrap();
        let pnpm = ws.pnpm.as_ref().unwrap();
        svc.runtime_closure
            .iter()
            .chain(std::iter::once(&svc.package))
            .map(|&i| {
                let (d, s) = runtime_rewrite(ws, svc, i, pnpm).unwrap();
                (ws.package(i).name.clone(), d, s)
            })
            .collect()
    }

    #[test]
    fn every_workspace_form_becomes_a_file_path_transitively() {
        let (_dir, ws) = discover(&[
            (
                "pnpm-workspace.yaml",
                "packages: ['packages/*', 'services/*']\ncatalog:\n  ms: ^2.1.3\n",
            ),
            (
                "packages/a/package.json",
                r#"{"name":"@s/a","version":"1.5.0","dependencies":{"ms":"catalog:"}}"#,
            ),
            (
                "packages/b/package.json",
                r#"{"name":"@s/b","version":"2.0.0","dependencies":{"@s/a":"workspace:^"},"peerDependencies":{"@s/c":"workspace:~"},"devDependencies":{"@s/d":"workspace:*"},"scripts":{"prepare":"tsc"}}"#,
            ),
            (
                "packages/c/package.json",
                r#"{"name":"@s/c","version":"3.1.4"}"#,
            ),
            (
                "packages/d/package.json",
                r#"{"name":"@s/d","version":"0.0.1"}"#,
            ),
            (
                "packages/e/package.json",
                r#"{"name":"@s/e","version":"1.0.0"}"#,
            ),
            (
                "packages/f/package.json",
                r#"{"name":"@s/f","version":"1.0.0"}"#,
            ),
            (
                "services/x/package.json",
                r#"{"name":"x","main":"dist/main.js","dependencies":{"@s/b":"workspace:*","@s/e":"workspace:1.0.0","alias-f":"workspace:@s/f@^1.0.0"},"optionalDependencies":{"@s/a":"workspace:~"}}"#,
            ),
        ]);
        let r = rewrites(&ws, "x");
        let names: Vec<&str> = r.iter().map(|(n, _, _)| n.as_str()).collect();
        // Dependencies first, the service last; dev-only @s/d is not shipped.
        assert_eq!(names, ["@s/a", "@s/c", "@s/b", "@s/e", "@s/f", "x"]);
        let get = |name: &str| r.iter().find(|(n, _, _)| n == name).unwrap().clone();
        assert_eq!(get("@s/a").2, vec!["dependencies[ms]=^2.1.3"]);
        let (_, del_b, set_b) = get("@s/b");
        assert_eq!(del_b, vec!["scripts", "devDependencies"]);
        assert_eq!(
            set_b,
            vec![
                "dependencies[@s/a]=file:../a",
                "peerDependencies[@s/c]=~3.1.4"
            ]
        );
        let (_, del_x, set_x) = get("x");
        assert!(del_x.is_empty());
        assert_eq!(
            set_x,
            vec![
                "dependencies[@s/b]=file:../../packages/b",
                "dependencies[@s/e]=file:../../packages/e",
                "dependencies[alias-f]=file:../../packages/f",
                "optionalDependencies[@s/a]=file:../../packages/a",
                // b's peer on c, provided by the service so npm never asks the registry
                "dependencies[@s/c]=file:../../packages/c",
            ]
        );
    }

    #[test]
    fn pnpm_overrides_become_npm_overrides_of_the_service() {
        let (_dir, ws) = discover(&[
            (
                "package.json",
                r#"{"name":"root","devDependencies":{"typescript":"5.6.3"},"pnpm":{"overrides":{"react@<18":"17.0.2","tslib":"$typescript"}}}"#,
            ),
            (
                "pnpm-workspace.yaml",
                "packages: ['packages/*', 'services/*']\ncatalog:\n  semver: ^7.6.0\noverrides:\n  semver: 'catalog:'\n  '@s/x>debug': ^4\n  '@s/x': ^1.0.0\n  foo: link:../foo\n",
            ),
            (
                "pnpm-lock.yaml",
                "lockfileVersion: '9.0'\npackages:\n  semver@7.6.3:\n    resolution: {integrity: x}\n  semver@6.3.1:\n    resolution: {integrity: x}\n  debug@4.3.7:\n    resolution: {integrity: x}\n  debug@4.4.0:\n    resolution: {integrity: x}\n  /@s/x@1.2.0(react@17.0.2):\n    resolution: {integrity: x}\n",
            ),
            (
                "packages/a/package.json",
                r#"{"name":"@s/a","version":"1.0.0","main":"index.js","dependencies":{"semver":"^6.0.0"}}"#,
            ),
            (
                "services/x/package.json",
                r#"{"name":"x","main":"dist/main.js","dependencies":{"@s/a":"workspace:*","semver":"catalog:"}}"#,
            ),
        ]);
        let pnpm = ws.pnpm.as_ref().unwrap();
        let mut warnings = Vec::new();
        let (map, plain) = npm_overrides(pnpm, &mut warnings);
        assert_eq!(
            serde_json::Value::Object(map).to_string(),
            r#"{"react@<18":"17.0.2","tslib":"5.6.3","@s/x":{".":"1.2.0","debug":"^4"},"semver":"7.6.3"}"#
        );
        assert_eq!(
            plain.into_iter().collect::<Vec<_>>(),
            [
                ("@s/x".to_string(), "1.2.0".to_string()),
                ("semver".into(), "7.6.3".into()),
                ("tslib".into(), "5.6.3".into())
            ]
        );
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].contains("pnpm-workspace.yaml") && warnings[0].contains("foo: link:../foo"),
            "{warnings:?}"
        );
        // The service's own `semver` equals its override; the internal package keeps its pin.
        let r = rewrites(&ws, "x");
        assert_eq!(
            r[1].2,
            vec![
                "dependencies[@s/a]=file:../../packages/a",
                "dependencies[semver]=7.6.3"
            ]
        );
        assert!(r[0].2.is_empty(), "{:?}", r[0]);
    }

    #[test]
    fn engines_prefer_the_default_major_when_allowed() {
        let m = |r| major_for_engines(r);
        assert_eq!(m(">=18").as_deref(), Some("20"));
        assert_eq!(m(">= 18.0.0").as_deref(), Some("20"));
        assert_eq!(m("^18 || ^20").as_deref(), Some("20"));
        assert_eq!(m("20.x").as_deref(), Some("20"));
        assert_eq!(m("*").as_deref(), Some("20"));
        assert_eq!(m(">=18 <21").as_deref(), Some("20"));
        assert_eq!(m("^18.17.0").as_deref(), Some("18"));
        assert_eq!(m(">=22").as_deref(), Some("22"));
        assert_eq!(m("~22.3").as_deref(), Some("22"));
    }

    #[test]
    fn node_majors() {
        assert_eq!(major_from_range(">=18").as_deref(), Some("18"));
        assert_eq!(major_from_range("^20.11.0").as_deref(), Some("20"));
        assert_eq!(major_from_range("20.x").as_deref(), Some("20"));
        assert_eq!(major_from_range(">=18 <21").as_deref(), Some("18"));
        assert_eq!(major_from_range("*"), None);
        assert_eq!(major_from_nvmrc("v20.11.1\n").as_deref(), Some("20"));
        assert_eq!(major_from_nvmrc("lts/iron").as_deref(), Some("20"));
        assert_eq!(major_from_nvmrc("lts/*"), None);
        assert_eq!(major_from_nvmrc("node"), None);
    }
}
