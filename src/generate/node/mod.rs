//! The Node (pnpm) context: everything `node.Dockerfile.tera` and `node.dockerignore.tera`
//! need for one service, computed here so the templates stay declarative. One concept per
//! file: [`context`] runs the steps; [`settings`] picks Node, images and pnpm;
//! [`pnpm_settings`] acts on (or names) the settings that change the install; [`shipped`]
//! says what each package folder contributes; [`runtime`] what the production install
//! installs and ships; [`rewrite`] the `npm pkg` commands around it; [`tsconfig`] follows
//! `references` and `extends`; [`next`] runs Next.js apps (standalone output, `next start`,
//! custom servers); [`entry_script`] runs a service started by a shell script of its package;
//! [`steps`] the steps a start script runs before the service; [`tsc_output`] refuses an
//! entry the package's `tsc` build writes under another path; [`isolation`] refuses imports
//! that cross a package boundary; [`build_files`] the repository files the build scripts run
//! from outside the packages; [`local_dirs`] the folders `file:` dependencies install from;
//! [`values`] converts each distinct package's template values once per run.
//!
//! Pure functions of (Workspace, config): nothing here reads the disk (discovery read every
//! file first), so the whole context can be built from a Workspace made in memory.

mod build_files;
pub mod command;
pub mod context;
pub mod debian;
pub(crate) mod dep_problems;
pub mod dev_peers;
mod downloads;
mod entry_script;
mod env_files;
mod idle_entry;
pub(crate) mod isolation;
mod launcher;
pub(crate) mod loadable;
mod local_dirs;
pub mod next;
mod next_config_imports;
mod patch_copies;
pub mod pnpm_settings;
mod published_sources;
mod remote_sources;
pub mod rewrite;
mod run_paths;
pub mod runfiles;
mod runtime;
mod script_installs;
pub mod settings;
pub mod shipped;
mod steps;
mod toolchain_deps;
mod ts_entry;
mod tsc_output;
pub mod tsconfig;
pub mod values;

#[cfg(test)]
mod tests;

use std::path::Path;

use serde::Serialize;

pub use context::context;
pub use settings::{DEFAULT_IMAGE_SUFFIX, DEFAULT_NODE_MAJOR};

use super::cfg::{is_plain_path, GenerateConfig, PnpmInstall};
use super::{CommonContext, Rendering};
use crate::error::{Error, Result};
use crate::workspace::pnpm::NodePackage;
use crate::workspace::{Package, Service, Workspace};

/// The pnpm store of the build stages: a cache mount, never in a layer.
pub const PNPM_STORE: &str = "/pnpm/store";

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
    /// The `COPY` of [`patches`](Self::patches): one per folder (see [`patch_copies`]).
    pub patch_copies: Vec<patch_copies::PatchCopy>,
    /// Root `tsconfig*.json` files the builder copies (packages extend them).
    pub tsconfigs: Vec<String>,
    /// The tsconfig files outside the packages and the root that the tsconfigs of the built
    /// packages extend (`../../config/tsconfig.base.json`), transitively; each copied to its
    /// own path.
    pub tsconfig_extends: Vec<String>,
    /// The repository files outside the package folders that the build scripts run
    /// (`tsx ../../../scripts/runify.ts`) and the files those import by relative path; each
    /// copied to its own path by the builder, never shipped (see [`build_files`]).
    pub build_files: Vec<String>,
    /// Folders outside the workspace packages that the install links (`file:`/`link:`
    /// dependencies of the root or of a built package that name no workspace package),
    /// copied by the deps stage (see [`local_dirs`]).
    pub local_dirs: Vec<String>,
    /// Tarballs of the repository that `file:` dependencies install from
    /// (`apps/web/vendor/xlsx-0.20.3.tgz`): copied to their own paths by the deps stage and
    /// the production install, removed after it (see [`local_dirs`]).
    pub tarballs: Vec<String>,
    /// Variables the build reads, from `build_args` of the service's settings: each an `ARG`
    /// of the builder stage, so `docker build --build-arg NAME=value` reaches the build.
    pub build_args: Vec<String>,
    /// The `build_args` that dependencies' install scripts read (`SENTRYCLI_SKIP_DOWNLOAD`,
    /// `npm_config_*`; see [`downloads`]): also an `ARG` of the install stages (deps,
    /// runtime-deps), where `pnpm rebuild` runs those scripts.
    pub install_args: Vec<String>,
    /// Whether the root has a `.npmrc` (used by the installs, never shipped).
    pub npmrc: bool,
    /// Whether that `.npmrc` holds registry credentials: then it is never copied (nor in the
    /// build context); the deps stage writes [`npmrc_lines`](Self::npmrc_lines) instead, and
    /// the installs mount the real file as the build secret `npmrc` at `/root/.npmrc`.
    pub npmrc_secret: bool,
    /// The `.npmrc` the stages write themselves (`npmrc_lines`, `npmrc_rewrite`).
    #[serde(flatten)]
    pub npmrc_write: NpmrcWrite,
    /// Where the installs keep pnpm's store: a BuildKit/buildah cache mount (`id=pnpm-store`),
    /// so a rebuild does not download again. [`PNPM_STORE`].
    pub pnpm_store: String,
    /// What the build does about the workspace's pnpm settings (`install_flags`,
    /// `ignore_scripts`).
    #[serde(flatten)]
    pub install: pnpm_settings::InstallSettings,
    /// `--filter` selectors of the frozen install (the service and its dependencies).
    pub install_filters: Vec<String>,
    /// `--filter` selectors of the production install (runtime-deps): each package of the
    /// service's production closure, the service last.
    pub prod_filters: Vec<String>,
    /// Whether the runtime-deps stage runs `pnpm rebuild --pending` (the install scripts of
    /// the production dependencies that pnpm allows): false when the workspace sets
    /// `ignore-scripts`.
    pub rebuild: bool,
    /// `install_flags` as `pnpm rebuild` takes them (`--config.node-linker=isolated`: pnpm 8
    /// refuses `--node-linker` there, and without it a `node-linker=hoisted` `.npmrc` makes the
    /// rebuild look for a hoisted tree, ERR_PNPM_MISSING_HOISTED_LOCATIONS).
    pub rebuild_flags: Vec<String>,
    /// Folders of internal packages that every dependent injects: after the production
    /// install their copy in `node_modules/.pnpm` is the one Node loads, and the workspace
    /// folder is removed (one copy per package).
    pub injected_only: Vec<String>,
    /// The optional peers only a devDependency resolved, which `pnpm install --prod` installs
    /// anyway: removed after the install (see [`dev_peers`]); `None` when there are none.
    pub dev_peers: Option<dev_peers::DevPeersContext>,
    /// The install's files removed after it (root `package.json` unless a shipped package is
    /// the root, `pnpm-lock.yaml`, `pnpm-workspace.yaml`, `.npmrc`, `.pnpmfile.cjs`, patches,
    /// per-package lockfiles): the image never ships them.
    pub install_leftovers: Vec<String>,
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
    /// What the runtime stage copies from the builder besides the build output: `assets`,
    /// migration folders, Prisma's schema and client (see [`runfiles`]).
    pub run_files: Vec<runfiles::RunFile>,
    /// A Next.js app: how it runs and what its image ships (see [`next`]); `None` otherwise.
    pub next: Option<next::NextContext>,
    /// Debian packages of the build stages and of the runtime image (see [`debian`]).
    pub debian: debian::DebianPackages,
}

#[derive(Debug, Clone, Serialize)]
pub struct NodeSettings {
    /// The Node version of the default images (a major, or what the config says).
    pub version: String,
    /// Where the version comes from (`engines.node ">=20" in package.json`, the config, or
    /// isogen's default), for the Dockerfile's comment.
    pub version_source: String,
    /// The image of the build stages (`base`, `deps`, `builder`, `runtime-deps`).
    pub image: String,
    /// Why the build stages use the full Debian image (native addons to compile), for the
    /// Dockerfile's comment; empty when they do not.
    pub builder_note: String,
    /// The image of the final stage.
    pub runtime_image: String,
    /// The pnpm version to install (from `packageManager`, or the config).
    pub pnpm_version: String,
    /// `npm` or `corepack`.
    pub pnpm_install: PnpmInstall,
    /// Whether the workspace has a `pnpm-lock.yaml` (then the install is `--frozen-lockfile`).
    pub lockfile: bool,
}

/// The `.npmrc` the build stages write instead of copying it.
#[derive(Debug, Clone, Serialize)]
pub struct NpmrcWrite {
    /// The lines of `.npmrc` without its credentials and without `use-node-version` (written
    /// by the deps stage when [`NodeContext::npmrc_secret`] or `npmrc_rewrite`).
    pub npmrc_lines: Vec<String>,
    /// Whether the `.npmrc` (without credentials) sets `use-node-version`: pnpm would download
    /// that Node from nodejs.org at every install and run of the build (teable's 20.9.0 failed
    /// the build offline), so the stages write `npmrc_lines` instead of copying the file, and
    /// the build runs with the image's Node.
    pub npmrc_rewrite: bool,
}

/// A workspace package as the build stages see it.
#[derive(Debug, Clone, PartialEq, Serialize)]
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
    /// `prisma generate` for a package that uses Prisma (run before its build), from the
    /// app root; `None` without Prisma.
    pub prisma_generate: Option<String>,
    /// The Rust query engine that `prisma generate` downloads (Prisma 6 and earlier), for the
    /// comment on building without binaries.prisma.sh.
    pub prisma_engine: Option<runfiles::QueryEngine>,
    /// Its own lifecycle scripts that `pnpm rebuild --recursive` runs on a selected workspace
    /// package (`prepare`, `postinstall`, ...: [`LIFECYCLE_SCRIPTS`]), in that order: the deps
    /// stage sets them aside for its rebuild, since only the manifests are there (unkey's
    /// `"prepare": "tsc"` printed tsc's help and failed the build).
    pub lifecycle: Vec<String>,
}

/// The scripts of a workspace package that `pnpm install` and `pnpm rebuild --recursive` run
/// on the package itself (pnpm's project lifecycle, with npm's pre/post of `prepare`).
pub const LIFECYCLE_SCRIPTS: &[&str] = &[
    "preinstall",
    "install",
    "postinstall",
    "prepublish",
    "preprepare",
    "prepare",
    "postprepare",
];

/// A package as the image ships it, at its workspace folder.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuntimePackage {
    pub name: String,
    pub dir: String,
    /// Its package.json (relative), copied as it is: the frozen install reads it.
    pub manifest: String,
    /// Its own `pnpm-lock.yaml` (relative), with `shared-workspace-lockfile=false`.
    pub lockfile: Option<String>,
    pub is_service: bool,
    /// Paths relative to `dir` copied from the builder besides package.json (`dist`).
    pub copy: Vec<String>,
    /// `key=value` arguments for `npm pkg set`: its `publishConfig` fields (`main=dist/index.js`).
    pub set: Vec<String>,
    /// `key=<JSON>` arguments for `npm pkg set --json` (`publishConfig` fields that are not
    /// strings, such as `exports` maps).
    pub set_json: Vec<String>,
    /// `set` and `set_json` as one shell command (`cd <folder> && npm pkg set ...`), run
    /// before the install; `None` when the package publishes no other fields.
    pub publish: Option<String>,
    /// `cd <folder> && npm pkg delete scripts devDependencies` (those present), run after the
    /// install; `None` when it has neither.
    pub strip: Option<String>,
}

/// The files of one pnpm service: its Dockerfile and its ignore file.
pub fn renderings(
    ws: &Workspace,
    service: &Service,
    config: &GenerateConfig,
    config_path: &Path,
    values: &values::PackageValues,
    warnings: &mut Vec<String>,
) -> Result<Vec<Rendering>> {
    let mut ctx = context(ws, service, config, config_path, warnings)?;
    let context_error = |e: tera::Error| Error::Template {
        name: "node.Dockerfile.tera".into(),
        message: format!("building the context: {e}"),
    };
    // The package lists from the run's shared values (each distinct package converted once),
    // the rest of the context converted here.
    let packages = std::mem::take(&mut ctx.packages);
    let runtime_packages = std::mem::take(&mut ctx.runtime_packages);
    let mut tera_ctx = tera::Context::from_serialize(&ctx).map_err(context_error)?;
    tera_ctx.insert_value("packages", values.build(&packages).map_err(context_error)?);
    tera_ctx.insert_value(
        "runtime_packages",
        values.runtime(&runtime_packages).map_err(context_error)?,
    );
    let tera_ctx = std::sync::Arc::new(tera_ctx);
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

fn selector(p: &Package, n: &NodePackage) -> String {
    if n.select_by_folder {
        format!("{{{}}}", p.dir)
    } else {
        p.name.clone()
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
