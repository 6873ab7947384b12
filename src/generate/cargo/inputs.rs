//! What a Cargo service's build needs besides the crates: build inputs outside the crates
//! (`build_inputs` of isogen.toml plus the files discovery found the crates' sources to
//! include from outside their folders) and the Debian packages of the build and runtime stages.
//!
//! It checks and merges lists from the config and the workspace model; it never reads files.

use std::path::Path;

use super::words::is_path;
use crate::error::{Error, Result};
use crate::generate::cfg::{DebianPackage, ServiceConfig};
use crate::workspace::{Service, Workspace};

/// The build inputs of `service`: the configured ones (relative to the workspace root), the
/// root `.sqlx` folder when a crate it builds uses sqlx (its `query!` macros read it at compile
/// time), then those the crates it builds include from outside their folders (a folder only a
/// feature's code embeds when the build turns that feature on: `features_on`); sorted, each once.
pub(super) fn build_inputs(
    ws: &Workspace,
    service: &Service,
    overrides: Option<&ServiceConfig>,
    config_path: &Path,
    features_on: &std::collections::BTreeSet<(String, String)>,
) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for b in overrides.into_iter().flat_map(|o| &o.build_inputs) {
        let rel = b.trim_start_matches("./").trim_end_matches('/');
        let inside = !rel.is_empty()
            && !rel.starts_with('/')
            && !rel.split('/').any(|part| part == ".." || part == ".");
        if !inside || !is_path(rel) {
            return Err(Error::config(
                config_path,
                format!(
                    "[generate.services.{}] build_inputs: {b:?} must be a plain path inside the \
                     workspace root, relative to it (e.g. \"version.json\")",
                    service.name
                ),
            ));
        }
        out.push(rel.to_string());
    }
    let crates = service
        .build_closure
        .iter()
        .chain(std::iter::once(&service.package));
    let uses_sqlx = crates
        .clone()
        .any(|&i| ws.packages[i].external_deps.iter().any(|d| d == "sqlx"));
    if let Some(dir) = ws.cargo.as_ref().and_then(|c| c.sqlx_offline.as_ref()) {
        if uses_sqlx {
            out.push(dir.clone());
        }
    }
    for &i in crates {
        let Some(c) = &ws.packages[i].cargo else {
            continue;
        };
        let package = &ws.packages[i].name;
        // roapi's `roapi-ui/dist`, embedded only with its `ui` feature: an input only when
        // the build turns that feature on (a build without it must not copy a folder that
        // another build writes and may not have written).
        let gated = (c.feature_inputs.iter())
            .filter(|g| features_on.contains(&(package.clone(), g.feature.clone())))
            .map(|g| &g.folder);
        for input in c.outside_inputs.iter().chain(gated) {
            if !is_path(input) {
                return Err(Error::workspace(
                    ws.root.join(&ws.packages[i].manifest),
                    format!(
                        "`{input}` (included by the crate's sources): isogen cannot write this \
                         path into a Dockerfile (spaces, quotes or `$`)"
                    ),
                ));
            }
            out.push(input.clone());
        }
    }
    Ok(outermost(out))
}

/// `paths` sorted, each once, without those inside another (`proto/vendor` beside `proto`,
/// a file `include_str!` reads in a folder that is a build input): the builder copies the
/// outermost folder, which holds them.
fn outermost(mut paths: Vec<String>) -> Vec<String> {
    paths.sort();
    paths.dedup();
    let inside = |p: &str| {
        (paths.iter()).any(|q| {
            p.strip_prefix(q.as_str())
                .is_some_and(|r| r.starts_with('/'))
        })
    };
    paths.iter().filter(|p| !inside(p)).cloned().collect()
}

/// One warning per crate `service` builds whose sqlx checked query macros would find neither
/// a database nor offline data at compile time: no `.sqlx/` or `sqlx-data.json` is committed,
/// and the `.env` that sets `DATABASE_URL` (if any) is not among `build_inputs` (the ignore
/// file leaves `.env` files out). rustdesk-server's `hbbs` calls `sqlx::query!` with the URL
/// in the root `.env` and no offline data: sqlx refuses to expand the macros without either.
pub(super) fn sqlx_warnings(
    ws: &Workspace,
    service: &Service,
    build_inputs: &[String],
) -> Vec<String> {
    if ws.cargo.as_ref().is_some_and(|c| c.sqlx_offline.is_some()) {
        return Vec::new();
    }
    let crates = service
        .build_closure
        .iter()
        .chain(std::iter::once(&service.package));
    let mut out = Vec::new();
    for &i in crates {
        let p = &ws.packages[i];
        let Some(m) = p.cargo.as_ref().and_then(|c| c.sqlx_macros.as_ref()) else {
            continue;
        };
        let covered = |file: &str| {
            build_inputs
                .iter()
                .any(|b| file == b || file.starts_with(&format!("{b}/")))
        };
        if m.offline || m.env_file.as_deref().is_some_and(covered) {
            continue;
        }
        let name = &service.name;
        let commit = "commit the offline query data (`cargo sqlx prepare --workspace`, which writes `.sqlx/`)";
        out.push(match &m.env_file {
            Some(env) => format!(
                "service `{name}` builds crate `{}`, whose sqlx query macros ({}) read \
                 DATABASE_URL at compile time from {env}, which the build context leaves out \
                 (`.env` files never enter it), and no offline query data is committed: \
                 `cargo build` would stop there. Add build_inputs = [\"{env}\"] to [generate.services.{name}] of \
                 isogen.toml (the database it names must be reachable from the build: a SQLite \
                 file inside the build context), or {commit}",
                p.name, m.site
            ),
            None => format!(
                "service `{name}` builds crate `{}`, whose sqlx query macros ({}) need \
                 DATABASE_URL or offline query data at compile time, and neither is there (no \
                 `.env` sets it, no `.sqlx/` or `sqlx-data.json` is committed): `cargo build` \
                 would stop there. {}",
                p.name,
                m.site,
                capitalized(commit)
            ),
        });
    }
    out
}

/// `text` with its first letter upper-case.
fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Build-dependencies that run `protoc` (the official Rust image has none).
const RUNS_PROTOC: &[&str] = &["prost-build", "tonic-build", "tonic-prost-build"];
/// Build-dependencies that bring their own `protoc`.
const BRINGS_PROTOC: &[&str] = &["protoc-bin-vendored", "protobuf-src"];
/// The Debian package of `protoc`.
const PROTOC_PACKAGE: &str = "protobuf-compiler";

/// The names of `builder_packages` and `runtime_packages` (checked when isogen.toml was read),
/// each once. `protobuf-compiler` joins the builder packages when a crate the service builds
/// has a build script that runs `protoc` (`tonic-build`, `prost-build`) without bringing its
/// own: the official Rust image has no `protoc`, and cargo would fail there.
pub(super) fn packages(
    ws: &Workspace,
    service: &Service,
    overrides: Option<&ServiceConfig>,
) -> (Vec<String>, Vec<String>) {
    let (mut builder, runtime) = match overrides {
        Some(o) => (
            DebianPackage::names(&o.builder_packages),
            DebianPackage::names(&o.runtime_packages),
        ),
        None => (Vec::new(), Vec::new()),
    };
    let needs_protoc = service
        .build_closure
        .iter()
        .chain(std::iter::once(&service.package))
        .filter_map(|&i| ws.packages[i].cargo.as_ref())
        .any(|c| {
            let has = |list: &[&str]| c.build_deps.iter().any(|d| list.contains(&d.as_str()));
            has(RUNS_PROTOC) && !has(BRINGS_PROTOC)
        });
    let named = |p: &String| p == PROTOC_PACKAGE || p.starts_with(&format!("{PROTOC_PACKAGE}="));
    if needs_protoc && !builder.iter().any(named) {
        builder.push(PROTOC_PACKAGE.into());
    }
    (builder, runtime)
}

#[cfg(test)]
mod tests {
    use super::outermost;

    #[test]
    fn a_path_inside_another_is_left_out() {
        let paths = [
            "proto/vendor",
            "proto",
            "proto-x",
            "proto/vendor/a.proto",
            "version.json",
            "proto",
        ];
        assert_eq!(
            outermost(paths.iter().map(ToString::to_string).collect()),
            ["proto", "proto-x", "version.json"]
        );
    }
}
