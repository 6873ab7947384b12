//! `assets` of a Cargo service: what the runtime image ships besides the binary. A string is a
//! file or folder of its package, shipped at `<app_root>/<path relative to the package
//! folder>`; `{ from_root = "dist", to = "dist" }` is one from the workspace root (a frontend
//! another build writes there, served by the binary from its working directory), shipped at
//! `<app_root>/<to>` (default: the same path), or at `to` when absolute.
//!
//! It checks and maps the configured paths. It looks at the disk only to tell the user that an
//! asset is missing: a root asset another build makes (the Dockerfile does not run that build),
//! or a package asset written from the workspace root; the image build's `COPY` would fail.

use std::path::Path;

use super::vars::Asset;
use super::words::{is_path, join};
use crate::error::{Error, Result};
use crate::generate::cfg::AssetSetting;
use crate::workspace::{Package, Service, Workspace};

/// A relative path without `.`/`..` parts, `./` and a trailing `/` dropped; `None` if not one.
fn plain(path: &str) -> Option<&str> {
    let rel = path.trim_start_matches("./").trim_end_matches('/');
    let inside = !rel.is_empty()
        && !rel.starts_with('/')
        && !rel.split('/').any(|part| part == ".." || part == ".");
    (inside && is_path(rel)).then_some(rel)
}

/// The assets of `service` (binary `bin` of `package`), from its `assets` setting.
pub(super) fn assets(
    configured: &[AssetSetting],
    service: &Service,
    package: &Package,
    bin: &str,
    app_root: &str,
    config_path: &Path,
) -> Result<Vec<Asset>> {
    let section = format!("[generate.services.{}] assets", service.name);
    let bad = |why: String| Error::config(config_path, format!("{section}: {why}"));
    let mut out = Vec::new();
    for a in configured {
        let asset = match a {
            AssetSetting::Package(p) => {
                let rel = plain(p).ok_or_else(|| {
                    bad(format!(
                        "{p:?} must be a plain path inside the package folder ({}); for a \
                         path outside it write {{ from_root = \"<path from the workspace \
                         root>\" }}",
                        if package.dir.is_empty() {
                            "."
                        } else {
                            &package.dir
                        }
                    ))
                })?;
                Asset {
                    src: join(&package.dir, rel),
                    dest: format!("{app_root}/{rel}"),
                    from_root: false,
                }
            }
            AssetSetting::Root { from_root, to } => {
                let src = plain(from_root).ok_or_else(|| {
                    bad(format!(
                        "from_root = {from_root:?} must be a plain path inside the workspace \
                         root, relative to it (e.g. \"dist\")"
                    ))
                })?;
                let dest = match to.as_deref() {
                    None => format!("{app_root}/{src}"),
                    Some(t) if t.starts_with('/') && t.len() > 1 && plain(&t[1..]).is_some() => {
                        t.trim_end_matches('/').to_string()
                    }
                    Some(t) => format!(
                        "{app_root}/{}",
                        plain(t).ok_or_else(|| bad(format!(
                            "to = {t:?} must be a plain path, relative to the working directory \
                             ({app_root}) or absolute"
                        )))?
                    ),
                };
                Asset {
                    src: src.to_string(),
                    dest,
                    from_root: true,
                }
            }
        };
        if asset.dest == format!("{app_root}/{bin}") || asset.dest == app_root {
            return Err(bad(format!(
                "{} would overwrite the binary at {app_root}/{bin}",
                asset.dest
            )));
        }
        out.push(asset);
    }
    Ok(out)
}

/// A warning for each asset the workspace does not hold: a root asset something other than
/// Cargo builds (a frontend), whose build neither isogen nor the Dockerfile runs, and a
/// package asset that is not there (often a path written from the root).
pub(super) fn missing(ws: &Workspace, service: &Service, assets: &[Asset]) -> Vec<String> {
    let absent = |a: &&Asset| !crate::fsio::exists(ws.root.join(&a.src));
    let in_package = (assets.iter())
        .filter(|a| !a.from_root)
        .filter(absent)
        .map(|a| missing_in_package(ws, service, a));
    let from_root = (assets.iter())
        .filter(|a| a.from_root)
        .filter(absent)
        .map(|a| {
            format!(
                "{}: the asset `{}` (from_root) is not in the workspace yet: the Dockerfile \
                 copies it from the build context and does not build it (isogen runs only \
                 cargo){}; the image build fails at its COPY until it exists",
                service.name,
                a.src,
                builder_hint(&ws.root)
            )
        });
    in_package.chain(from_root).collect()
}

/// The warning for a package asset that is not there: the image build would stop at its
/// `COPY`. A path written from the workspace root (sozu's `bin/config.toml` for package
/// `bin`, which isogen reads as `bin/bin/config.toml`) gets the path that works.
fn missing_in_package(ws: &Workspace, service: &Service, a: &Asset) -> String {
    let dir = &ws.service_package(service).dir;
    let prefix = format!("{dir}/");
    let rel = a.src.strip_prefix(&prefix).unwrap_or(&a.src);
    let from_root = !dir.is_empty() && crate::fsio::exists(ws.root.join(rel));
    let hint = match rel.strip_prefix(&prefix) {
        Some(inner) if from_root => {
            format!("; paths in `assets` are relative to the package folder: write \"{inner}\"")
        }
        None if from_root => {
            format!("; `{rel}` is outside the package folder: write {{ from_root = \"{rel}\" }}")
        }
        _ => String::new(),
    };
    format!(
        "{}: the asset `{rel}` is not in the package folder ({} does not exist): the image \
         build fails at its COPY until it exists{hint}",
        service.name, a.src
    )
}

/// How the root's package.json would build it, when it has a `build` script.
fn builder_hint(root: &Path) -> String {
    let script = crate::fsio::read_to_string(root.join("package.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|v| v["scripts"]["build"].as_str().map(str::to_string));
    match script {
        Some(s) => format!(
            ": build it first with the root package.json's `build` script ({s:?}), e.g. `npm \
             ci && npm run build`"
        ),
        None => ": build it first".to_string(),
    }
}
