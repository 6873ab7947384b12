//! isogen: one service = one image.
//!
//! Two pipelines over one workspace model:
//!
//! - `workspace` (discovery) -> `generate` (render + write Dockerfiles);
//! - `image` (read an image tarball into a merged tree) -> `verify` (rules, joined with the
//!   workspace) -> `report` (human, json, sarif, junit).
//!
//! Around them: `plan` (which services a git change affects, for CI matrices and bake groups)
//! reads the workspace, the config and git, never images; `compose` writes a compose.yaml for
//! the generated images through generate's writer.
//!
//! Data flows one way: `workspace` knows nothing of images, `image` knows nothing of workspaces or
//! rules, `verify` joins them, `report` only formats. See ARCHITECTURE.md.
//!
//! The public surface is what the CLI (`main.rs`) and the integration tests use; modules no other
//! crate needs are private or `pub(crate)`, so the compiler reports their dead code.

pub mod compose;
pub mod config;
mod error;
pub mod fsio;
pub mod generate;
pub mod image;
pub mod init;
pub mod js;
mod par;
pub mod plan;
pub mod report;
pub mod verify;
pub mod workspace;

pub use error::{Error, Result};
