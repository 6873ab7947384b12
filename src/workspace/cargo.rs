//! Cargo workspaces: `[workspace]` members/exclude globs, `[workspace.dependencies]`, path
//! dependencies between members, and binary targets.
//!
//! TODO(issue 3): implement discovery.

use std::path::Path;

use serde::Serialize;

use super::{Workspace, WorkspaceConfig};
use crate::error::{Error, Result};

/// Workspace-level Cargo facts the generator needs.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CargoWorkspace {}

/// Per-member Cargo facts.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CargoPackage {}

/// Whether `dir/Cargo.toml` exists and has a `[workspace]` table.
pub fn is_workspace_root(dir: &Path) -> bool {
    std::fs::read_to_string(dir.join("Cargo.toml"))
        .ok()
        .and_then(|text| text.parse::<toml::Table>().ok())
        .is_some_and(|t| t.contains_key("workspace"))
}

pub fn discover(ws: &mut Workspace, _config: &WorkspaceConfig) -> Result<()> {
    Err(Error::workspace(
        ws.root.join("Cargo.toml"),
        "Cargo discovery is not implemented yet",
    ))
}
