//! The base of a Node service's images: the Node version (and where it comes from), the
//! build and runtime images, and the pnpm version to install.
//!
//! It reads the config and the workspace facts; it never reads a file and never guesses a
//! version the workspace or the config did not name (the default aside, which it says).

use std::path::Path;

use super::NodeSettings;
use crate::error::{Error, Result};
use crate::generate::cfg::{check_image, GenerateConfig};
use crate::workspace::pnpm::PnpmWorkspace;

/// Node major used when nothing in the workspace or the config names one.
pub const DEFAULT_NODE_MAJOR: &str = "20";
/// The default image tag: `node:<version>-bookworm-slim` (CONTRACTS.md).
pub const DEFAULT_IMAGE_SUFFIX: &str = "-bookworm-slim";

/// Node version, images and pnpm for one service.
pub(super) fn settings(
    pnpm: &PnpmWorkspace,
    config: &GenerateConfig,
    service: &str,
    config_path: &Path,
    warnings: &mut Vec<String>,
) -> Result<NodeSettings> {
    let (version, mut version_source) = node_version(pnpm, config, config_path)?;
    let default_image = format!("node:{version}{DEFAULT_IMAGE_SUFFIX}");
    let overrides = config.service(service);
    let image = overrides
        .and_then(|o| o.image.clone())
        .or_else(|| config.node.image.clone())
        .unwrap_or_else(|| default_image.clone());
    let runtime_image = overrides
        .and_then(|o| o.runtime_image.clone())
        .or_else(|| config.node.runtime_image.clone())
        .unwrap_or_else(|| image.clone());
    if image != default_image && runtime_image != default_image {
        // Both images are set in the config: the version names neither of them.
        version_source.clear();
    }
    check_image(&image, "image", config_path)?;
    check_image(&runtime_image, "runtime_image", config_path)?;

    let pnpm_version = pnpm_version(pnpm, config, config_path, warnings)?;
    Ok(NodeSettings {
        version,
        version_source,
        image,
        runtime_image,
        pnpm_version,
        pnpm_install: config.node.pnpm_install.unwrap_or_default(),
        lockfile: pnpm.lockfile,
    })
}

/// The Node version of the default images and where it comes from: `[generate.node]
/// version`, else what the workspace's files name (see
/// [`node_version`](crate::workspace::pnpm::node_version)), else [`DEFAULT_NODE_MAJOR`].
fn node_version(
    pnpm: &PnpmWorkspace,
    config: &GenerateConfig,
    config_path: &Path,
) -> Result<(String, String)> {
    let Some(v) = &config.node.version else {
        return Ok(match &pnpm.node_version {
            Some(found) => (found.major.clone(), found.source.clone()),
            None => (
                DEFAULT_NODE_MAJOR.to_string(),
                "isogen's default; nothing in the workspace names a version".to_string(),
            ),
        });
    };
    let v = v.trim().trim_start_matches('v').to_string();
    if v.is_empty()
        || !v
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
    {
        return Err(Error::config(
            config_path,
            format!("[generate.node] version = {v:?}: expected a Node version such as \"20\" or \"20.11.1\""),
        ));
    }
    Ok((
        v,
        format!(
            "[generate.node] version in {}",
            crate::workspace::CONFIG_FILE
        ),
    ))
}

/// The pnpm version to install: the config's, `packageManager`'s, else the major the
/// lockfile's version implies (with a warning).
fn pnpm_version(
    pnpm: &PnpmWorkspace,
    config: &GenerateConfig,
    config_path: &Path,
    warnings: &mut Vec<String>,
) -> Result<String> {
    let pnpm_version = match (&config.node.pnpm_version, &pnpm.pnpm_version) {
        (Some(v), _) => v.trim().to_string(),
        (None, Some(v)) => v.clone(),
        (None, None) => {
            let major = match pnpm.lockfile_version.as_deref() {
                Some(v) if v.starts_with('9') => Some("9"),
                Some(v) if v.starts_with('6') => Some("8"),
                Some(v) if v.starts_with("5.4") => Some("7"),
                _ => None,
            };
            match major {
                Some(m) => {
                    warnings.push(format!(
                        "package.json has no `packageManager: \"pnpm@<version>\"`; installing pnpm@{m} (from the lockfile's version); pin it with packageManager or [generate.node] pnpm_version"
                    ));
                    m.to_string()
                }
                None => {
                    return Err(Error::workspace(
                        "package.json",
                        "no pnpm version: add `\"packageManager\": \"pnpm@<version>\"` to the root package.json, or set pnpm_version in [generate.node] of isogen.toml",
                    ))
                }
            }
        }
    };
    if pnpm_version.is_empty()
        || !pnpm_version
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-".contains(c))
    {
        return Err(Error::config(
            config_path,
            format!("pnpm version {pnpm_version:?} is not a version"),
        ));
    }
    Ok(pnpm_version)
}
