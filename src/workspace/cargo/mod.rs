//! Cargo workspaces, read the way cargo reads them but without running cargo (generate must
//! work on a machine with no Rust toolchain): the root `Cargo.toml`'s `[workspace]` (`members`
//! globs, `exclude`, `default-members`, `[workspace.dependencies]`, `[workspace.package]`), every
//! member's manifest, the path dependencies between members, and each member's targets
//! (library, binaries, build script, explicitly declared examples/tests/benches).
//!
//! Rules followed from cargo (checked against `cargo metadata --no-deps` in the tests):
//! - `members` entries are glob patterns (`*`, `?`, `[..]`, `**`) relative to the root; a glob
//!   only matches directories. A member without a `Cargo.toml`, or a pattern that matches
//!   nothing, is an error (cargo errors on both).
//! - `exclude` entries are *paths*, not globs: everything at or under an excluded path is left
//!   out of glob-expanded members. A `members` entry at or above a folder wins over `exclude`
//!   (so `"."` excludes nothing).
//! - A root manifest with `[package]` is itself a member; one without is a virtual manifest. A
//!   root `Cargo.toml` with `[package]` and no `[workspace]` is a workspace of one package.
//! - Path dependencies (normal, dev, build, target-specific; direct or through
//!   `[workspace.dependencies]` with `workspace = true`) that live under the root become members
//!   unless excluded; excluded ones are still packages the build needs. A path dependency outside
//!   the root is an error: the root is the Docker build context, nothing outside it can be copied.
//! - Binaries: `src/main.rs` (named after the package), `src/bin/*.rs`, `src/bin/*/main.rs`, and
//!   `[[bin]]` tables (custom name and path; one without a path finds its file by name).
//!   `autobins = false` turns inference off; in edition 2015 declaring any `[[bin]]` does too.
//!
//! Default service rule: a binary target of a workspace member whose package depends on a server
//! framework (axum, actix-web, hyper, tonic, ...: `services::SERVER_FRAMEWORKS`; for `tonic` and
//! `hyper`, which clients use too, only when its sources start a server: [`serves`]), or on a
//! workspace library that starts one ([`server_lib`]: a thin binary), is a
//! service, named after the binary, unless the binary's name says it is a tool, or its
//! sources name no crate of the server while a sibling binary's do ([`bin_sources`]) (a word `cli`,
//! `ctl`, `client`, `tool`, `util`, ...); every other binary is a tool. `[workspace] not_services` removes services from
//! that default; `[workspace] services` replaces it. Both lists hold binary names, package
//! names, member folders or folder names (globs allowed); a package name or folder stands for
//! all of that package's binaries.
//!
//! The steps, one module each (the way cargo-chef's `src/skeleton/` reads a workspace):
//! [`manifest`] (the TOML shapes), [`members`] (the root, `members` globs, path dependencies,
//! `[patch]`), [`deps`] (one dependency declaration), [`inherit`] (`workspace = true` fields),
//! [`features`], [`targets`], [`includes`] (files the sources and build scripts read from
//! outside), [`serves`] (whether sources start a server), [`server_lib`] (thin binaries over
//! a server library), [`bin_sources`] (tools beside the server in one package), [`package`] (a loaded manifest to a [`Package`] and its edges),
//! [`services`] (which binaries are services), and the root files: [`root`], [`lock`],
//! [`cargo_config`]. [`model`] holds what discovery hands to `generate`.
//!
//! This module reads manifests, looks at which target files exist and scans `.rs` sources for
//! include paths and server markers. It never runs cargo,
//! never resolves the registry, and never writes anything.

mod bin_sources;
mod build_programs;
mod cargo_config;
mod cli_args;
mod cli_follow;
mod deps;
mod embeds;
mod features;
mod includes;
mod inherit;
mod listens;
mod live_reload;
mod lock;
mod loopback;
mod manifest;
mod members;
pub mod model;
mod package;
mod paths;
mod root;
mod rs_comments;
mod rs_files;
mod server_lib;
mod serves;
pub(crate) mod services;
mod sqlx_macros;
mod subcommand_names;
mod subcommands;
mod submodules;
mod targets;

use std::path::Path;

use super::{Workspace, WorkspaceConfig};
use crate::error::Result;
use members::Loader;

pub use loopback::is_loopback;
pub use model::{CargoPackage, CargoWorkspace, Target, TargetKind};
#[cfg(test)]
use paths::normalize;
pub use services::tool_reason;

/// The manifest file name.
pub const MANIFEST: &str = "Cargo.toml";
/// The lockfile next to the root manifest.
pub const LOCKFILE: &str = "Cargo.lock";

/// Whether `dir` has a `Cargo.toml` that makes it the root of a Cargo workspace: one with
/// `[workspace]`, or a lone `[package]` (a workspace of one). A manifest that does not parse
/// counts too, so that discovery reports the parse error instead of "not a workspace".
pub fn is_workspace_root(dir: &Path) -> bool {
    match crate::fsio::read_to_string(dir.join(MANIFEST)) {
        Ok(text) => match text.parse::<toml::Table>() {
            Ok(t) => t.contains_key("workspace") || t.contains_key("package"),
            Err(_) => true,
        },
        Err(_) => false,
    }
}

/// Reads the Cargo workspace at `ws.root` into `ws`: its packages, services and closures.
pub fn discover(ws: &mut Workspace, config: &WorkspaceConfig) -> Result<()> {
    let loader = Loader::load(&ws.root)?;
    let first = ws.packages.len();
    let cargo = loader.into_workspace(ws, first)?;
    services::select(ws, &cargo, config)?;
    ws.cargo = Some(cargo);
    Ok(())
}

#[cfg(test)]
mod tests;
