//! `isogen.toml`: one file at the workspace root, one section per pipeline.
//!
//! ```toml
//! [workspace]   # which packages are services      -> workspace::WorkspaceConfig
//! [generate]    # base images, uid, ports, ...       -> generate::GenerateConfig
//! [verify]      # policy: app root, globs, severity  -> verify::VerifyConfig
//! ```
//!
//! Each section's struct lives next to the code that reads it (the cargo-deny `cfg.rs` habit);
//! this module only composes them and turns TOML errors into errors naming the file, line and
//! column. Unknown keys are errors everywhere (`deny_unknown_fields`).

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};

/// The file name looked for at the workspace root.
pub const FILE_NAME: &str = "isogen.toml";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub workspace: crate::workspace::WorkspaceConfig,
    #[serde(default)]
    pub generate: crate::generate::GenerateConfig,
    #[serde(default)]
    pub verify: crate::verify::VerifyConfig,
    /// Where the config was read from (None: defaults, no file).
    #[serde(skip)]
    pub source: Option<PathBuf>,
}

impl Config {
    /// Reads `root/isogen.toml` when it exists; defaults otherwise.
    pub fn load_from_root(root: &Path) -> Result<Config> {
        let path = root.join(FILE_NAME);
        if path.is_file() {
            Config::load(&path)
        } else {
            Ok(Config::default())
        }
    }

    /// Reads the config file at `path`; a missing file is an error.
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
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

/// `line:column` (both 1-based) of a byte offset in `text`.
pub fn line_col(text: &str, offset: usize) -> String {
    let offset = offset.min(text.len());
    let before = &text[..text.floor_char_boundary_compat(offset)];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    format!("{line}:{col}")
}

trait FloorCharBoundary {
    fn floor_char_boundary_compat(&self, index: usize) -> usize;
}

impl FloorCharBoundary for str {
    fn floor_char_boundary_compat(&self, mut index: usize) -> usize {
        while index > 0 && !self.is_char_boundary(index) {
            index -= 1;
        }
        index
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

    #[test]
    fn line_col_counts_chars() {
        assert_eq!(line_col("ab\ncd", 4), "2:2");
        assert_eq!(line_col("é\nx", 3), "2:1");
    }
}
