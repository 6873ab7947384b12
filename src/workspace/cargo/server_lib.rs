//! Thin binaries over a server library: a package whose binary only calls into a workspace
//! library that runs the server (kanidm's `daemon` over `kanidmd_core`, garage's `garage` over
//! `garage_api_common` and `garage_web`) depends on no server framework itself, yet deploys one.
//! Such a package runs a server when a library-only crate among its normal dependencies
//! (transitively) depends on a server framework and its sources start a server
//! ([`super::serves::library_starts_server`]). A crate that only uses a framework's types
//! (meilisearch's `meilisearch-types`, which implements actix-web's `ResponseError`) starts
//! none, and a crate with binaries of its own is another deployable, not a library, so a tool
//! that links the server's package (an OpenAPI generator) stays a tool; unless those binaries
//! are all generators beside the library ([`super::bin_sources::mark_library_tools`]:
//! warpgate's `warpgate-protocol-http`, whose `main.rs` prints its OpenAPI spec while its
//! library runs the poem server the thin `warpgate` binary starts).
//!
//! It reads the `.rs` files of the candidate libraries only; it never chooses services.

use std::path::Path;

use super::model::ServerLib;
use super::serves::library_starts_server;
use super::services::SERVER_FRAMEWORKS;
use crate::workspace::{DepKind, Package};

/// Which workspace crates are server libraries: library-only, depending on a server framework
/// (not the framework's own crate), with sources that start a server. Each crate's sources are
/// read once, when first asked about.
pub(super) struct ServingLibs<'a> {
    root: &'a Path,
    dirs: &'a [&'a str],
    cache: Vec<Option<bool>>,
}

impl<'a> ServingLibs<'a> {
    /// `dirs[k]` is the folder of the package at `k` of the slice later passed to
    /// [`ServingLibs::serves`].
    pub(super) fn new(root: &'a Path, dirs: &'a [&'a str]) -> Self {
        ServingLibs {
            root,
            dirs,
            cache: vec![None; dirs.len()],
        }
    }

    /// Whether `packages[j]` is a server library.
    pub(super) fn serves(&mut self, packages: &[Package], j: usize) -> bool {
        let candidate = packages.get(j).is_some_and(|p| {
            p.cargo.as_ref().is_some_and(|c| {
                // A library whose binaries are all generators beside it (warpgate's
                // `warpgate-protocol-http` and its OpenAPI printer) is still a library.
                let tools_only = c
                    .bins
                    .iter()
                    .all(|b| c.library_tools.iter().any(|(t, _)| *t == b.name));
                tools_only && c.lib.is_some() && !c.frameworks.is_empty()
            }) && !SERVER_FRAMEWORKS.contains(&p.name.as_str())
        });
        if !candidate || j >= self.cache.len() {
            return false;
        }
        let (root, dir) = (self.root, self.dirs[j]);
        *self.cache[j].get_or_insert_with(|| library_starts_server(root, dir))
    }
}

/// Sets [`super::model::CargoPackage::server_lib`] of every package with binaries and no
/// server framework of its own. `packages[k]` lands at `first + k` in the workspace.
pub(super) fn mark_server_libs(libs: &mut ServingLibs, packages: &mut [Package], first: usize) {
    for i in 0..packages.len() {
        let thin = packages[i]
            .cargo
            .as_ref()
            .is_some_and(|c| !c.bins.is_empty() && c.frameworks.is_empty());
        if !thin {
            continue;
        }
        let found = closure(packages, i, first)
            .into_iter()
            .find(|&j| libs.serves(packages, j));
        let lib = found.and_then(|j| {
            let c = packages[j].cargo.as_ref()?;
            Some(ServerLib {
                name: packages[j].name.clone(),
                framework: c.frameworks.first()?.clone(),
            })
        });
        if let Some(c) = packages[i].cargo.as_mut() {
            c.server_lib = lib;
        }
    }
}

/// The workspace crates `packages[i]` depends on through normal dependencies, transitively,
/// nearest first (breadth-first, in manifest order), without `i` itself.
pub(super) fn closure(packages: &[Package], i: usize, first: usize) -> Vec<usize> {
    let mut seen = vec![false; packages.len()];
    seen[i] = true;
    let mut order = Vec::new();
    let mut queue = std::collections::VecDeque::from([i]);
    while let Some(j) = queue.pop_front() {
        let next = packages[j]
            .internal_deps
            .iter()
            .filter(|d| d.kind == DepKind::Normal)
            .filter_map(|d| d.package.checked_sub(first))
            .filter(|&k| k < packages.len());
        for k in next {
            if !std::mem::replace(&mut seen[k], true) {
                order.push(k);
                queue.push_back(k);
            }
        }
    }
    order
}
