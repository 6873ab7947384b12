//! Debian packages of a Node service's images: `builder_packages` of its isogen.toml section
//! (`apt-get install`ed in the `base` stage, which every build stage starts from: a native
//! addon's `libvips-dev`, `python3` for node-gyp on an image that lacks it) and its
//! `runtime_packages` (shared libraries the runtime image gets, as for Cargo services:
//! downloaded and unpacked in a stage of their own, copied over the runtime image's `/`, so the
//! runtime image holds no apt lists and no package manager state of theirs).
//!
//! One is added without being asked: `libssl3` for a service that ships a Prisma client with
//! the Rust query engine (Prisma 6 and earlier, unless `engineType = "client"`). That engine
//! (`libquery_engine-debian-openssl-3.0.x.so.node`) links `libssl.so.3`, which the official
//! `node:<major>-bookworm-slim` has not held since bookworm (nodejs/docker-node#1919: Node
//! links its own OpenSSL statically); without it the client fails at the first query,
//! "Prisma cannot find the required `libssl` system library" (prisma/prisma#19729), although
//! the image built and started.

use serde::Serialize;

use super::{BuildPackage, RuntimePackage};
use crate::generate::cfg::{DebianPackage, ServiceConfig};

/// The Debian package holding `libssl.so.3` on bookworm.
pub const LIBSSL: &str = "libssl3";

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DebianPackages {
    /// `apt-get install`ed at the top of the `base` stage.
    pub builder: Vec<String>,
    /// `apt-get download`ed and unpacked in the `runtime-packages` stage, copied into the
    /// runtime image.
    pub runtime: Vec<String>,
    /// Why isogen added packages of its own to `runtime` (a line for the Dockerfile's
    /// comment), when it did.
    pub added: Option<String>,
}

/// The service's Debian packages (see the module doc): each named once, in the order given,
/// then [`LIBSSL`] when a shipped package's Prisma client loads the Rust query engine and the
/// settings name no `libssl3` themselves.
pub fn packages(
    overrides: Option<&ServiceConfig>,
    build: &[BuildPackage],
    shipped: &[RuntimePackage],
) -> DebianPackages {
    let (builder, mut runtime) = match overrides {
        Some(o) => (
            DebianPackage::names(&o.builder_packages),
            DebianPackage::names(&o.runtime_packages),
        ),
        None => (Vec::new(), Vec::new()),
    };
    let engines: Vec<String> = (build.iter())
        .filter(|p| shipped.iter().any(|s| s.dir == p.dir))
        .filter_map(|p| {
            let e = p.prisma_engine.as_ref()?;
            Some(format!("`{}` (Prisma {})", p.name, e.prisma))
        })
        .collect();
    let named = |p: &String| p == LIBSSL || p.starts_with(&format!("{LIBSSL}="));
    let mut added = None;
    if !engines.is_empty() && !runtime.iter().any(named) {
        runtime.push(LIBSSL.to_string());
        added = Some(format!(
            "{LIBSSL}: the Prisma query engine of {} links libssl.so.3, which the slim Node \
             image does not have",
            engines.join(", ")
        ));
    }
    DebianPackages {
        builder,
        runtime,
        added,
    }
}
