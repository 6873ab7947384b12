//! The workspace's cargo configuration (`.cargo/config`, `.cargo/config.toml`): the facts that
//! change where a build writes or what it reads, `build.target` and vendored `[source]`
//! directories. Everything else in it is left to cargo in the build stage.
//!
//! It reads that one file; it never evaluates environment variables or the user's config.

use std::path::Path;

use super::manifest::read;
use super::paths::normalize;
use crate::error::{line_col, Error, Result};

/// From the workspace's cargo config (`.cargo/config`, which cargo prefers, else
/// `.cargo/config.toml`): `build.target`, and the `directory` of every `[source.<name>]`
/// (vendored crates; relative to the root, as cargo reads paths in a config). A config that does
/// not parse, builds several targets at once, or vendors from outside the root is an error
/// naming it: cargo would refuse the first, isogen ships one binary, and the root is the build
/// context.
pub(super) fn read_cargo_config(root: &Path) -> Result<(Option<String>, Vec<String>)> {
    let Some(rel) = [".cargo/config", ".cargo/config.toml"]
        .into_iter()
        .find(|f| crate::fsio::is_file(root.join(f)))
    else {
        return Ok((None, Vec::new()));
    };
    let path = root.join(rel);
    let text = read(&path)?;
    let table: toml::Table = toml::from_str(&text).map_err(|e| Error::Parse {
        path: path.clone(),
        location: e.span().map(|s| line_col(&text, s.start)),
        message: e.message().trim().to_string(),
    })?;
    let mut vendor_dirs = Vec::new();
    let sources = table.get("source").and_then(|s| s.as_table());
    for (name, source) in sources.into_iter().flatten() {
        let Some(dir) = source.get("directory").and_then(|d| d.as_str()) else {
            continue;
        };
        let norm = normalize("", dir)
            .filter(|d| !d.is_empty())
            .ok_or_else(|| {
                Error::workspace(
                    &path,
                    format!(
                    "[source.{name}] directory = {dir:?} is outside the workspace root; the root \
                     is the build context, so vendored crates must live under it"
                ),
                )
            })?;
        if !vendor_dirs.contains(&norm) {
            vendor_dirs.push(norm);
        }
    }
    let target = table.get("build").and_then(|b| b.get("target"));
    let triple = match target {
        None => return Ok((None, vendor_dirs)),
        Some(toml::Value::String(t)) => t.clone(),
        Some(toml::Value::Array(a)) if a.len() == 1 && a[0].is_str() => {
            a[0].as_str().unwrap_or_default().to_string()
        }
        Some(other) => {
            return Err(Error::workspace(
                &path,
                format!(
                    "[build] target = {other}: isogen builds a service for one target; set one \
                     triple here, or none"
                ),
            ))
        }
    };
    // A custom target spec (`targets/my-os.json`) writes to `target/my-os/`.
    let name = match triple.strip_suffix(".json") {
        Some(spec) => spec.rsplit(['/', '\\']).next().unwrap_or(spec).to_string(),
        None => triple,
    };
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
    {
        return Err(Error::workspace(
            &path,
            format!("[build] target = {name:?} is not a target triple"),
        ));
    }
    Ok((Some(name), vendor_dirs))
}
