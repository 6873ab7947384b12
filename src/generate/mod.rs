//! `isogen generate`: Workspace + config -> rendered Dockerfiles and `.dockerignore`s (Tera) ->
//! written atomically, only over files that carry isogen's header; `--check` writes nothing.
//!
//! TODO(issue 2): implement.

pub mod cargo;

use serde::Deserialize;

/// `[generate]` in `isogen.toml`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenerateConfig {
    /// `[generate.cargo]`: Cargo-only settings.
    #[serde(default)]
    pub cargo: cargo::CargoConfig,
}
