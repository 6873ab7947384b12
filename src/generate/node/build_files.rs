//! The repository files outside the package folders that the builds run: a `build` script
//! (or a script it runs by name, or its `pre`/`post` script) such as
//! `tsx ../../../scripts/runify.ts` needs `scripts/runify.ts` and what it imports by
//! relative path, and a tool config file (`tsdown.config.ts`) the files it imports from
//! outside (discovery found them: [`script_files`](crate::workspace::pnpm::script_files)).
//! Also the root's `turbo.json` when a package of the build (or the root) uses
//! `eslint-plugin-turbo` (or `eslint-config-turbo`): its `no-undeclared-env-vars` rule reads
//! the root config, and `next build` lints, so without it every use of an environment
//! variable is a lint error and the build stops (saleor/apps' apps).
//! The builder copies each one to its own path; the image never ships them.
//!
//! Pure: it reads the workspace model, never the disk.

use std::collections::BTreeSet;

use super::BuildPackage;
use crate::workspace::pnpm::PnpmWorkspace;
use crate::workspace::{relpath, Workspace};

/// The files (workspace-relative, sorted) that the build scripts of `packages` run from
/// outside every copied package folder, and that the builder does not copy already (root
/// tsconfigs, `already`). `build_script` names the script a package's build runs; a build
/// that `[generate.services.<name>] build` replaces (`overridden`) reads none.
pub(super) fn build_files(
    ws: &Workspace,
    pnpm: &PnpmWorkspace,
    packages: &[BuildPackage],
    build_script: &str,
    overridden: Option<&str>,
    already: &[String],
) -> Vec<String> {
    let copied = |file: &str| {
        pnpm.tsconfigs.iter().chain(already).any(|t| t == file)
            || packages
                .iter()
                .any(|p| !p.dir.is_empty() && relpath::within(file, &p.dir))
    };
    let mut out = BTreeSet::new();
    for p in packages.iter().filter(|p| p.build.is_some()) {
        if p.is_service && overridden.is_some() {
            continue;
        }
        let Some(n) = ws.node_at(&p.dir) else {
            continue;
        };
        // The build script and the scripts it runs (`pnpm run update-version`, as
        // trigger.dev's core runs `tsx ../../scripts/updateVersion.ts`).
        let run = super::script_installs::reached(&n.scripts, build_script);
        let files = run
            .iter()
            .flat_map(|s| n.script_files.get(s).into_iter().flatten());
        out.extend(files.chain(&n.config_files).filter(|f| !copied(f)).cloned());
    }
    out.extend(turbo_config(ws, pnpm, packages));
    out.into_iter().collect()
}

/// The packages whose lint rules read the root's Turborepo config.
const TURBO_LINT: &[&str] = &["eslint-plugin-turbo", "eslint-config-turbo"];

/// The root's `turbo.json` when the root or a package of the build declares a
/// [`TURBO_LINT`] package (devDependencies included: the lint is part of the build).
fn turbo_config(ws: &Workspace, pnpm: &PnpmWorkspace, packages: &[BuildPackage]) -> Option<String> {
    let file = pnpm.turbo_json.as_ref()?;
    let in_root = TURBO_LINT
        .iter()
        .any(|t| pnpm.root_dependencies.contains_key(*t));
    let in_build = || {
        let nodes = packages.iter().filter_map(|p| ws.node_at(&p.dir));
        nodes
            .flat_map(|n| &n.deps)
            .any(|d| TURBO_LINT.contains(&d.key.as_str()))
    };
    (in_root || in_build()).then(|| file.clone())
}
