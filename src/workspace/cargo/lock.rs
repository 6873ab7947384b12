//! `Cargo.lock`: checked to be a lockfile cargo can read, so a broken one fails generate
//! (naming it) rather than the image build.
//!
//! It only parses the file; it never resolves versions or rewrites the lock.

use std::path::Path;

use serde::Deserialize;

use super::manifest::read;
use super::LOCKFILE;
use crate::error::{line_col, Error, Result};

/// `Cargo.lock` when it exists, after checking it is one: TOML whose `version` is a number and
/// whose `[[package]]` entries have a string `name` and `version`. Cargo refuses any command on
/// a lockfile that does not parse, so generate does too (naming it) instead of writing builds
/// that fail at their first `cargo build --locked`.
pub(super) fn check_lockfile(root: &Path) -> Result<Option<String>> {
    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct Lock {
        version: Option<u32>,
        #[serde(default)]
        package: Vec<LockedPackage>,
    }
    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct LockedPackage {
        name: String,
        version: String,
    }
    let path = root.join(LOCKFILE);
    if !crate::fsio::is_file(&path) {
        return Ok(None);
    }
    let text = read(&path)?;
    toml::from_str::<Lock>(&text).map_err(|e| Error::Parse {
        path: path.clone(),
        location: e.span().map(|s| line_col(&text, s.start)),
        message: format!(
            "{} (not a Cargo.lock cargo can read; `cargo generate-lockfile` writes a new one)",
            e.message().trim()
        ),
    })?;
    Ok(Some(LOCKFILE.to_string()))
}
