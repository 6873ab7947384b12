//! What the runtime-deps stage installs and ships: the packages of the service's production
//! closure (original manifests, build output, the `publishConfig` fields they publish), the
//! pnpm selectors of the production install, the internal packages whose only loaded copy is
//! the one pnpm injects into `node_modules/.pnpm`, and the install's own files removed after it.
//!
//! The install is pnpm's, from the lockfile (`--frozen-lockfile --prod`): nothing here picks a
//! version. Pure: it reads the workspace model only, never the disk.

use std::collections::BTreeSet;

use super::rewrite::rewrite_command;
use super::shipped::{is_typescript, typescript_warning, unbuilt_paths};
use super::{node_of, selector, RuntimePackage};
use crate::error::{Error, Result};
use crate::workspace::pnpm::{PnpmWorkspace, LOCKFILE, WORKSPACE_FILE};
use crate::workspace::{DepKind, Service, Workspace};

/// The inputs of [`runtime_packages`] that the context computed before.
pub(super) struct Shipping<'a> {
    pub ws: &'a Workspace,
    pub pnpm: &'a PnpmWorkspace,
    pub service: &'a Service,
    /// What the service's own folder ships (its build output).
    pub service_copy: &'a [String],
    /// The file the service's command runs, relative to its folder (empty when a Next.js
    /// command runs it).
    pub entry: &'a str,
    /// Packages built through another package's tsconfig `references`.
    pub referenced: &'a BTreeSet<String>,
    /// The script that builds a package (`build` unless configured).
    pub build_script: &'a str,
    pub app_root: &'a str,
    /// The service's `assets` of its own folder (relative to it): shipped on purpose.
    pub assets: &'a [String],
    /// A Next.js app that `next build` serves (standalone or `next start`): it compiles the
    /// workspace packages it imports, TypeScript entries included (pnpm links them from
    /// outside `node_modules`), so an internal package with a TypeScript entry needs no build.
    pub next_compiles: bool,
}

/// Whether Node would still find a TypeScript entry after the package's build: `main` is a
/// `.ts` file, and neither the build rewrites the manifest nor `publishConfig` points Node
/// elsewhere (jitsu's `juava`: `"main": "src/index.ts"`, a `build` that runs `tsc` with
/// `noEmit`). Its sources are then no run-time file, built or not.
fn entry_stays_typescript(n: &crate::workspace::pnpm::NodePackage) -> bool {
    n.entry.as_deref().is_some_and(is_typescript)
        && n.manifest_rewrite.is_none()
        && !["main", "exports", "module"]
            .iter()
            .any(|k| n.publish_overrides.contains_key(*k))
}

/// The service's production closure in install order: dependencies first, the service last.
pub(super) fn shipped(service: &Service) -> impl Iterator<Item = usize> + '_ {
    (service.runtime_closure.iter().copied()).chain(std::iter::once(service.package))
}

/// The packages the image ships, dependencies first, the service last.
pub(super) fn runtime_packages(
    s: &Shipping<'_>,
    warnings: &mut Vec<String>,
) -> Result<Vec<RuntimePackage>> {
    let mut out = Vec::new();
    let mut typescript = Vec::new();
    for i in shipped(s.service) {
        let p = s.ws.package(i);
        let n = node_of(p)?;
        let is_service = i == s.service.package;
        let mut copy = if is_service {
            s.service_copy.to_vec()
        } else if (n.scripts.contains_key(s.build_script) || s.referenced.contains(&p.dir))
            && !entry_stays_typescript(n)
        {
            // A package without a build script that a `tsc -b` builds through the project
            // references of its tsconfig: what it declares exists once the builder ran,
            // whether or not the workspace holds a stale build of it.
            n.runtime_paths(n.entry.as_deref(), &n.out_dir)
        } else {
            unbuilt_paths(s.ws, p, n, warnings, &mut typescript)
        };
        let entry = if is_service {
            Some(s.entry).filter(|e| !e.is_empty())
        } else {
            n.entry.as_deref()
        };
        let declared = if is_service { s.assets } else { &[] };
        super::published_sources::leave_out(&p.manifest, n, (entry, declared), &mut copy, warnings);
        if let Some(how) = &n.manifest_rewrite {
            warnings.push(rewrite_warning(p, n, how));
        }
        // Node loads the package as `pnpm publish` would ship it: publishConfig fields win.
        let mut set = Vec::new();
        let mut set_json = Vec::new();
        for (key, value) in &n.publish_overrides {
            match value {
                serde_json::Value::String(v) => set.push(format!("{key}={v}")),
                other => set_json.push(format!("{key}={other}")),
            }
        }
        if let Some(bad) = set
            .iter()
            .chain(&set_json)
            .find(|a| a.contains(['\n', '\r']))
        {
            return Err(Error::workspace(
                s.ws.root.join(&p.manifest),
                format!(
                    "a publishConfig field would put a line break into the Dockerfile: {bad:?}"
                ),
            ));
        }
        let no_workspaces = s.pnpm.root_npm_workspaces;
        let mut strip = Vec::new();
        if !n.scripts.is_empty() {
            strip.push("scripts".to_string());
        }
        if n.deps.iter().any(|d| d.kind == DepKind::Dev) {
            strip.push("devDependencies".to_string());
        }
        out.push(RuntimePackage {
            name: p.name.clone(),
            dir: p.dir.clone(),
            manifest: p.manifest.clone(),
            lockfile: (s.pnpm.package_lockfiles.contains(&p.dir))
                .then(|| format!("{}/{LOCKFILE}", p.dir)),
            is_service,
            copy,
            publish: rewrite_command(s.app_root, &p.dir, &[], &set, &set_json, no_workspaces),
            strip: rewrite_command(s.app_root, &p.dir, &strip, &[], &[], no_workspaces),
            set,
            set_json,
        });
    }
    warn_unbuilt(s, typescript, warnings)?;
    Ok(out)
}

/// Warns about the internal packages whose TypeScript entry nothing builds, leaving out those
/// the service's own build inlines.
fn warn_unbuilt(
    s: &Shipping<'_>,
    mut typescript: Vec<(String, String, String)>,
    warnings: &mut Vec<String>,
) -> Result<()> {
    // Those the service's own bundler inlines (tsup/tsdown `noExternal`, `alwaysBundle`,
    // webpack, a Vite server build) are loaded from its output: nothing else needs to build them.
    let bundles = &node_of(s.ws.package(s.service.package))?.bundles;
    typescript.retain(|(_, name, _)| !bundles.inlines(name));
    if s.next_compiles {
        // Next compiles what it bundles; what its config leaves external Node loads as is.
        let external = super::isolation::external(s.ws, s.service);
        let names: BTreeSet<&str> = (external.iter())
            .map(|&i| s.ws.package(i).name.as_str())
            .collect();
        typescript.retain(|(_, name, _)| names.contains(name.as_str()));
    }
    if nitro_output(s.entry) {
        // Nitro's build (TanStack Start, Nuxt, SolidStart, Analog: `vite build` or `nuxt
        // build`, then `node .output/server/index.mjs`) bundles the server with the code it
        // imports from outside node_modules, the workspace packages' TypeScript included.
        typescript.clear();
    }
    let unread = (!bundles.unread.is_empty()).then(|| {
        format!(
            "; {} computes at run time what it inlines ({}), and isogen does not run the config, so it cannot tell whether the build inlines them",
            bundles.by,
            bundles.unread.join(", ")
        )
    });
    let warning = typescript_warning(&s.service.name, &typescript);
    warnings.extend(warning.map(|w| w + unread.as_deref().unwrap_or_default()));
    Ok(())
}

/// Whether the service runs a Nitro server build (`.output/server/index.mjs`, the output of
/// Nitro's `node-server` preset).
fn nitro_output(entry: &str) -> bool {
    entry
        .trim_start_matches("./")
        .starts_with(".output/server/")
}

/// The warning for a package whose build rewrites its own package.json (`how`: the script
/// and its command): the image ships the repository's manifest and what it names.
fn rewrite_warning(
    p: &crate::workspace::Package,
    n: &crate::workspace::pnpm::NodePackage,
    how: &str,
) -> String {
    let entry = n.entry.as_deref().unwrap_or("main/exports");
    format!(
        "{}: its build rewrites package.json ({how}), but the image ships the repository's package.json and what it names ({entry}), not what the build wrote, so Node loads {entry} in production; put the production fields (main, exports pointing at the build output) in `publishConfig`, which pnpm applies when it publishes or deploys and the image applies too, and drop the rewrite",
        p.manifest
    )
}

/// The `--filter` selectors of the production install: every package of the closure by
/// itself (pnpm's `svc...` would not follow an internal `peerDependencies`, which the image
/// ships too).
pub(super) fn prod_filters(ws: &Workspace, service: &Service) -> Result<Vec<String>> {
    shipped(service)
        .map(|i| {
            let p = ws.package(i);
            Ok(selector(p, node_of(p)?))
        })
        .collect()
}

/// Internal packages of the closure that pnpm injects for every dependent in the closure:
/// the lockfile resolved each of their edges to `file:<folder>` (pnpm's record of an injected
/// workspace package, from `dependenciesMeta.<name>.injected` or
/// `inject-workspace-packages`), not `link:`. pnpm copies them, built, into
/// `node_modules/.pnpm`, and that copy is the one Node loads; their workspace folders are
/// removed after the install so the image holds one copy. A package some dependent links, or
/// whose edges the lockfile does not record, keeps its folder, as does one holding another
/// shipped package's folder.
pub(super) fn injected_only(
    ws: &Workspace,
    pnpm: &PnpmWorkspace,
    service: &Service,
) -> Vec<String> {
    let closure: BTreeSet<usize> = shipped(service).collect();
    let mut injected = BTreeSet::new();
    let mut linked = BTreeSet::new();
    for &i in &closure {
        let p = ws.package(i);
        for d in p.internal_deps.iter().filter(|d| d.kind != DepKind::Dev) {
            let locked = (pnpm.locked.get(&p.dir)).and_then(|deps| deps.get(&d.alias));
            if locked.is_some_and(|l| l.version.starts_with("file:")) {
                injected.insert(d.package);
            } else {
                linked.insert(d.package);
            }
        }
    }
    injected
        .difference(&linked)
        .filter(|&&i| i != service.package)
        .map(|&i| ws.package(i).dir.clone())
        .filter(|dir| {
            !dir.is_empty()
                && !closure
                    .iter()
                    .any(|&o| ws.package(o).dir != *dir && within(&ws.package(o).dir, dir))
        })
        .collect()
}

/// The files the install needed and the image does not ship: the root's pnpm files, the
/// `.npmrc`, the patches (and their folders when nothing shipped is in them), the tarballs of
/// `file:` dependencies, per-package lockfiles. The root package.json stays when the
/// service or a shipped package is the root package.
pub(super) fn install_leftovers(
    pnpm: &PnpmWorkspace,
    root_files: &[String],
    tarballs: &[String],
    packages: &[RuntimePackage],
) -> Vec<String> {
    let mut out: Vec<String> = root_files
        .iter()
        .filter(|f| *f != "package.json" || packages.iter().all(|p| !p.dir.is_empty()))
        .cloned()
        .collect();
    if pnpm.npmrc && !out.iter().any(|f| f == ".npmrc") {
        out.push(".npmrc".into());
    }
    out.extend(pnpm.patches.iter().cloned());
    // The folders the patches were copied into, when they hold nothing the image ships.
    let patch_dirs: BTreeSet<&str> = (pnpm.patches.iter())
        .filter_map(|p| p.rsplit_once('/').map(|(d, _)| d))
        .filter(|d| {
            (packages.iter().filter(|p| !p.dir.is_empty()))
                .all(|p| !within(&p.dir, d) && !within(d, &p.dir))
        })
        .collect();
    out.extend(patch_dirs.into_iter().map(str::to_string));
    out.extend(tarballs.iter().cloned());
    out.extend(packages.iter().filter_map(|p| p.lockfile.clone()));
    if !out.iter().any(|f| f == WORKSPACE_FILE) {
        out.push(WORKSPACE_FILE.into());
    }
    out
}

/// Whether the folder `dir` is `parent` or inside it (workspace-relative, `/`-separated).
fn within(dir: &str, parent: &str) -> bool {
    crate::workspace::relpath::within(dir, parent)
}
