//! `isogen.toml`: one file at the workspace root, one section per pipeline.
//!
//! ```toml
//! [workspace]   # which packages are services      -> workspace::WorkspaceConfig
//! [generate]    # base images, uid, ports, ...       -> generate::GenerateConfig
//! [verify]      # policy: app root, globs, severity  -> verify::VerifyConfig
//! [compose]     # depends_on, profiles of compose.yaml -> compose::ComposeConfig
//! ```
//!
//! Each section's struct lives next to the code that reads it (the cargo-deny `cfg.rs` habit);
//! this module only composes them and turns TOML errors into errors naming the file, line and
//! column. Unknown keys are errors everywhere (`deny_unknown_fields`).
//!
//! The file is read once, here, by the CLI, and each pipeline is handed its section: this module
//! sits above `workspace`, `generate` and `verify` and none of them imports it (the tidy test in
//! tests/it/tidy keeps it so). It never reads images or formats reports.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{line_col, Error, Result};

/// The file name looked for at the workspace root.
pub use crate::workspace::CONFIG_FILE as FILE_NAME;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub workspace: crate::workspace::WorkspaceConfig,
    #[serde(default)]
    pub generate: crate::generate::GenerateConfig,
    #[serde(default)]
    pub verify: crate::verify::VerifyConfig,
    #[serde(default)]
    pub compose: crate::compose::ComposeConfig,
    /// Where the config was read from (None: defaults, no file).
    #[serde(skip)]
    pub source: Option<PathBuf>,
}

impl Config {
    /// Reads `root/isogen.toml` when it exists; defaults otherwise.
    pub fn load_from_root(root: &Path) -> Result<Config> {
        let path = root.join(FILE_NAME);
        if crate::fsio::is_file(&path) {
            Config::load(&path)
        } else {
            Ok(Config::default())
        }
    }

    /// Reads the config file at `path`; a missing file is an error.
    pub fn load(path: &Path) -> Result<Config> {
        let text = crate::fsio::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let mut config = Config::parse(&text, path)?;
        config.source = Some(path.to_path_buf());
        Ok(config)
    }

    /// Parses config text; `path` is only used in error messages.
    pub fn parse(text: &str, path: &Path) -> Result<Config> {
        let mut config: Config = toml::from_str(text).map_err(|e| Error::Parse {
            path: path.to_path_buf(),
            location: e.span().map(|s| line_col(text, s.start)),
            message: e.message().trim().to_string(),
        })?;
        config.verify.assets =
            crate::verify::cfg::asset_globs(config.generate.asset_destinations());
        config.verify.build_script = config.generate.node.build_script.clone();
        config.workspace.bin_services = config
            .generate
            .services
            .iter()
            .filter_map(|(name, s)| Some((name.clone(), s.bin.clone()?)))
            .collect();
        config.verify.locate(text, path);
        Ok(config)
    }

    /// The path to name in errors about a config value.
    pub fn display_path(&self) -> PathBuf {
        self.source
            .clone()
            .unwrap_or_else(|| PathBuf::from(FILE_NAME))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_names_file_line_and_key() {
        let err = Config::parse("[workspace]\nservicez = []\n", Path::new("isogen.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("isogen.toml:2:1: "), "{err}");
        assert!(err.contains("servicez"), "{err}");
    }

    #[test]
    fn empty_file_is_defaults() {
        let c = Config::parse("", Path::new("isogen.toml")).unwrap();
        assert!(c.workspace.services.is_none());
    }
}
