//! What a Cargo service's build needs besides the crates: build inputs outside the crates
//! (`build_inputs` of isogen.toml plus the files discovery found the crates' sources to
//! include from outside their folders) and the Debian packages of the build and runtime stages.
//!
//! It checks and merges lists from the config and the workspace model; it never reads files.

use std::path::Path;

use super::words::is_path;
use crate::error::{Error, Result};
use crate::generate::cfg::ServiceConfig;
use crate::workspace::{Service, Workspace};

/// The build inputs of `service`: the configured ones (relative to the workspace root), then
/// those the crates it builds include from outside their folders; sorted, each once.
pub(super) fn build_inputs(
    ws: &Workspace,
    service: &Service,
    overrides: Option<&ServiceConfig>,
    config_path: &Path,
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
    for &i in crates {
        let Some(c) = &ws.packages[i].cargo else {
            continue;
        };
        for input in &c.outside_inputs {
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
    out.sort();
    out.dedup();
    Ok(out)
}

/// The names of `builder_packages` and `runtime_packages` (checked when isogen.toml was read).
pub(super) fn packages(overrides: Option<&ServiceConfig>) -> (Vec<String>, Vec<String>) {
    let names = |list: &[crate::generate::cfg::DebianPackage]| -> Vec<String> {
        let mut v: Vec<String> = list.iter().map(|p| p.0.clone()).collect();
        v.dedup();
        v
    };
    match overrides {
        Some(o) => (names(&o.builder_packages), names(&o.runtime_packages)),
        None => (Vec::new(), Vec::new()),
    }
}
