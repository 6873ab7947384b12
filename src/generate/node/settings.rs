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

/// Node major used when nothing in the workspace or the config names one: the Active LTS line.
///
/// 26 (Lithium) since 2026-10-28, Active LTS until 2027-10-20, end of life 2029-04-30, by the
/// Node.js Release Working Group's schedule (github.com/nodejs/Release); 24 went to Maintenance
/// on 2026-10-20 and 20 reached its end of life on 2026-04-30. Node 26 is the last line of the
/// old even/odd schedule; from 27 on every major (April) becomes LTS in October, so the next
/// change is to 27 in October 2027. `node:26-bookworm-slim` and `node:26-bookworm` are
/// published by docker-node (as are trixie and bullseye).
pub const DEFAULT_NODE_MAJOR: &str = "26";
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
    let pnpm_version = pnpm_version(pnpm, config, config_path, warnings)?;
    let (version, mut version_source) = node_version(pnpm, config, config_path)?;
    warn_node_for_pnpm(&pnpm_version, &version, &version_source, warnings);
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
    let pnpm_install = config.node.pnpm_install.unwrap_or_default();
    let major = version
        .split('.')
        .next()
        .and_then(|m| m.parse::<u64>().ok());
    if matches!(pnpm_install, super::PnpmInstall::Corepack)
        && image == default_image
        && major.is_some_and(|m| m >= 25)
    {
        warnings.push(format!(
            "pnpm_install = \"corepack\" with Node {version} ({version_source}): Node 25 and later ship no corepack, nor do their official images ({image}), so `corepack enable` fails in the build; use pnpm_install = \"npm\" (the default), or a build image that has corepack"
        ));
    }

    Ok(NodeSettings {
        version,
        version_source,
        image,
        builder_note: String::new(),
        runtime_image,
        pnpm_version,
        pnpm_install,
        lockfile: pnpm.lockfile,
    })
}

/// When the shipped packages' dependencies include packages pnpm builds (`builds`: native
/// addons, compiled by node-gyp) and the build image is the default slim one, which has no
/// compiler: the build stages use `node:<version>-bookworm` (python3, make, g++), the runtime
/// image stays slim. `unknown`: pnpm builds dependencies and the lockfile does not say which
/// (pnpm 9 and a v9 lockfile, no allow list): the same full image, since one may be an addon.
pub(super) fn full_builder(node: &mut NodeSettings, builds: &[String], unknown: bool) {
    let slim = format!("node:{}{DEFAULT_IMAGE_SUFFIX}", node.version);
    if (builds.is_empty() && !unknown) || node.image != slim {
        return;
    }
    node.image = format!("node:{}-bookworm", node.version);
    if builds.is_empty() {
        node.builder_note = format!(
            "pnpm {} runs the install script of every dependency that has one, and pnpm-lock.yaml (v9) does not say which do: the build stages use the full image (python3, make, g++ for node-gyp) in case one is a native addon, the runtime image stays slim; list the dependencies allowed to build in onlyBuiltDependencies of pnpm-workspace.yaml to say which",
            node.pnpm_version
        );
        return;
    }
    // A v6 lockfile marks hundreds of packages `requiresBuild` (teable: 152, @babel/parser
    // among them): a few names and the count, not a comment line of every one.
    const SHOWN: usize = 10;
    if builds.len() > SHOWN {
        node.builder_note = format!(
            "{} dependencies run an install script (pnpm-lock.yaml or the allow list says so), a native addon maybe among them ({}, and {} more): the build stages use the full image (python3, make, g++ for node-gyp), the runtime image stays slim",
            builds.len(),
            builds[..SHOWN].join(", "),
            builds.len() - SHOWN
        );
        return;
    }
    let verb = if builds.len() == 1 { "builds" } else { "build" };
    node.builder_note = format!(
        "{} {verb} a native addon at install: the build stages use the full image (python3, make, g++ for node-gyp), the runtime image stays slim",
        builds.join(", ")
    );
}

/// Warns when the Node of the service's images is one that packages of its production closure
/// (`shipped`: the folders of the packages the image ships) say they do not run on, by the
/// `engines.node` pnpm-lock.yaml records (openpanel's api: `undici@8.10.0` needs
/// `>=22.19.0`, and nothing in the workspace names a version, so the images were Node 20).
/// A major (`20`, the floating tag) passes a range that some release of it satisfies.
pub(super) fn warn_engines(
    node: &NodeSettings,
    pnpm: &PnpmWorkspace,
    (service, shipped): (&str, &[&str]),
    warnings: &mut Vec<String>,
) {
    use nodejs_semver::{Range, Version};
    if node.version_source.is_empty() {
        return;
    }
    let exact = Version::parse(&node.version).ok();
    let Ok(major_range) = Range::parse(format!("{}.x", node.version)) else {
        return;
    };
    let runs = |range: &Range| match &exact {
        Some(v) => range.satisfies(v),
        None => range.allows_any(&major_range),
    };
    let mut refused: Vec<(&str, &str, Range)> = Vec::new();
    let ranges = (shipped.iter())
        .map(|d| if d.is_empty() { "." } else { d })
        .filter_map(|d| pnpm.node_engines.get(d))
        .flatten();
    for (package, text) in ranges {
        let Ok(range) = Range::parse(text.trim()) else {
            continue;
        };
        if !runs(&range) && !refused.iter().any(|(p, ..)| p == package) {
            refused.push((package, text, range));
        }
    }
    if refused.is_empty() {
        return;
    }
    let allows = |major: u64, range: &Range| {
        Range::parse(format!("{major}.x")).is_ok_and(|m| range.allows_any(&m))
    };
    let needed = (crate::workspace::pnpm::node_version::LTS_MAJORS.iter())
        .find(|&&m| refused.iter().all(|(_, _, r)| allows(m, r)))
        .map(|m| format!("Node {m}"))
        .unwrap_or_else(|| "a Node version they allow".to_string());
    const SHOWN: usize = 5;
    let mut named: Vec<String> = (refused.iter().take(SHOWN))
        .map(|(p, t, _)| format!("{p} (engines.node {t:?})"))
        .collect();
    if refused.len() > SHOWN {
        named.push(format!("and {} more", refused.len() - SHOWN));
    }
    warnings.push(format!(
        "{service}: its images run Node {} ({}), which production dependencies it ships do not run on, as pnpm-lock.yaml records their engines: {}; the service may fail at start: name {needed} (engines.node of the root package.json, .nvmrc, or [generate.node] version in isogen.toml)",
        node.version,
        node.version_source,
        named.join(", ")
    ));
}

/// The oldest Node major pnpm 11 runs on (it needs >= 22.13).
const PNPM_11_NODE_MAJOR: u64 = 22;

/// pnpm 11 and later need Node >= 22.13: when the workspace or the config names an older major,
/// a warning says the build's `pnpm` will not start. isogen's default (26) runs every pnpm
/// (until r19 the default was 20, and pnpm 11 moved it to 22).
fn warn_node_for_pnpm(pnpm_version: &str, version: &str, source: &str, warnings: &mut Vec<String>) {
    let major = |v: &str| v.split('.').next().and_then(|m| m.parse::<u64>().ok());
    if major(pnpm_version).is_none_or(|m| m < 11) {
        return;
    }
    if major(version).is_some_and(|m| m < PNPM_11_NODE_MAJOR) {
        warnings.push(format!(
            "Node {version} ({source}) cannot run pnpm {pnpm_version}, which needs Node >= 22.13: the build's pnpm will not start; name Node 22 or later (engines.node, .nvmrc, or [generate.node] version)"
        ));
    }
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
            use crate::workspace::pnpm::pnpm_major::{implied, Source};
            let engines = pnpm.engines_pnpm.as_deref();
            match implied(pnpm.lockfile_version.as_deref(), engines) {
                Some((m, source)) => {
                    let why = match (source, engines) {
                        (Source::Engines, Some(e)) => format!(
                            "the lockfile's version and engines.pnpm {e:?} of package.json"
                        ),
                        _ => "from the lockfile's version".to_string(),
                    };
                    warnings.push(format!(
                        "package.json has no `packageManager: \"pnpm@<version>\"`; installing pnpm@{m} ({why}); pin it with packageManager or [generate.node] pnpm_version"
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
    refuse_unadmitted_pnpm(pnpm, config, config_path, &pnpm_version)?;
    Ok(pnpm_version)
}

/// pnpm refuses to install at all when its own version is outside `engines.pnpm` of the
/// root package.json (ERR_PNPM_UNSUPPORTED_ENGINE, whatever `engine-strict` says), so the
/// image build would stop at its first install: refused here, naming where the version came
/// from. wundergraph/cosmo had `packageManager: pnpm@8.7.0` beside `engines.pnpm: "9"`.
fn refuse_unadmitted_pnpm(
    pnpm: &PnpmWorkspace,
    config: &GenerateConfig,
    config_path: &Path,
    version: &str,
) -> Result<()> {
    use crate::workspace::pnpm::pnpm_major::{admits, writers};
    let Some(engines) = pnpm.engines_pnpm.as_deref() else {
        return Ok(());
    };
    if admits(engines, version) != Some(false) {
        return Ok(());
    }
    let lockfile = (pnpm.lockfile_version.as_deref())
        .and_then(|v| {
            Some(format!(
                " (pnpm-lock.yaml is lockfile v{v}, which pnpm {} writes)",
                writers(v)?
            ))
        })
        .unwrap_or_default();
    let refusal = format!(
        "`engines.pnpm` ({engines:?}) of the root package.json does not admit pnpm {version}: pnpm refuses to install in this workspace (ERR_PNPM_UNSUPPORTED_ENGINE), so the image build would stop at its first `pnpm install`; make them agree{lockfile}"
    );
    Err(match (&config.node.pnpm_version, &pnpm.package_manager) {
        (Some(_), _) => Error::config(
            config_path,
            format!("[generate.node] pnpm_version = {version:?}: {refusal}: set a version engines.pnpm admits, or change engines.pnpm"),
        ),
        (None, Some(_)) => Error::workspace(
            "package.json",
            format!("`packageManager: \"pnpm@{version}\"`: {refusal}: change `packageManager` or `engines.pnpm`"),
        ),
        (None, None) => Error::workspace(
            "package.json",
            format!("no `packageManager`, so the image installs pnpm {version} (the lockfile's version): {refusal}: pin a version both admit with `\"packageManager\": \"pnpm@<version>\"`, or change `engines.pnpm`"),
        ),
    })
}

/// The flags of the builder's `pnpm run` and `pnpm exec` for pnpm `pnpm_version`: from pnpm 10
/// on, `--config.verify-deps-before-run=false`. pnpm 11 checks before each run that
/// node_modules matches the workspace's settings and, since the deps stage installs only the
/// service's closure (and with `--node-linker=isolated` over a `hoisted` workspace), runs a
/// full `pnpm install` in the middle of the build, install scripts included (seen on
/// karakeep: it built better-sqlite3 with no python and failed). The deps stage's install is
/// the one the build uses, so the check has nothing to add.
pub(super) fn run_flags(pnpm_version: &str) -> &'static str {
    match pnpm_version
        .split('.')
        .next()
        .and_then(|m| m.parse::<u64>().ok())
    {
        Some(m) if m >= 10 => " --config.verify-deps-before-run=false",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slim(version: &str) -> NodeSettings {
        NodeSettings {
            version: version.into(),
            version_source: String::new(),
            image: format!("node:{version}{DEFAULT_IMAGE_SUFFIX}"),
            builder_note: String::new(),
            runtime_image: format!("node:{version}{DEFAULT_IMAGE_SUFFIX}"),
            pnpm_version: "8.15.5".into(),
            pnpm_install: Default::default(),
            lockfile: true,
        }
    }

    #[test]
    fn a_long_list_of_builds_is_counted_not_listed() {
        // teable's v6 lockfile marks 135 of the backend's packages requiresBuild.
        let builds: Vec<String> = (0..135).map(|i| format!("pkg{i:03}")).collect();
        let mut node = slim("20");
        full_builder(&mut node, &builds, false);
        assert_eq!(node.image, "node:20-bookworm");
        assert!(
            node.builder_note
                .starts_with("135 dependencies run an install script"),
            "{}",
            node.builder_note
        );
        assert!(node.builder_note.contains("pkg009, and 125 more)"));
        assert!(!node.builder_note.contains("pkg010"));
        let mut node = slim("20");
        full_builder(&mut node, &["bcrypt".to_string()], false);
        assert!(node
            .builder_note
            .starts_with("bcrypt builds a native addon at install"));
    }
}
