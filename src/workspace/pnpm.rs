//! pnpm workspaces: `pnpm-workspace.yaml` (`packages:` globs with `!` negations, `catalog:`
//! and `catalogs:`), every package's `package.json`, and `workspace:` edges between them.
//!
//! TODO(issue 2): implement discovery.

use serde::Serialize;

use super::{Workspace, WorkspaceConfig};
use crate::error::{Error, Result};

/// The file that marks a pnpm workspace root.
pub const WORKSPACE_FILE: &str = "pnpm-workspace.yaml";

/// Workspace-level pnpm facts the generator needs.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PnpmWorkspace {}

/// Per-package pnpm facts.
#[derive(Debug, Clone, Default, Serialize)]
pub struct NodePackage {}

pub fn discover(ws: &mut Workspace, _config: &WorkspaceConfig) -> Result<()> {
    Err(Error::workspace(
        ws.root.join(WORKSPACE_FILE),
        "pnpm discovery is not implemented yet",
    ))
}
