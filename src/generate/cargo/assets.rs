//! `assets` of a Cargo service: files or folders of its package shipped next to the binary in
//! the runtime image, at `<app_root>/<path relative to the package folder>`.
//!
//! It checks and maps the configured paths; it never looks at the disk (a missing asset fails
//! the image build's `COPY`, naming it).

use std::path::Path;

use super::vars::Asset;
use super::words::{is_path, join};
use crate::error::{Error, Result};
use crate::workspace::{Package, Service};

/// The assets of `service` (binary `bin` of `package`), from its `assets` setting.
pub(super) fn assets(
    configured: &[String],
    service: &Service,
    package: &Package,
    bin: &str,
    app_root: &str,
    config_path: &Path,
) -> Result<Vec<Asset>> {
    configured
        .iter()
        .map(|a| {
            let rel = a.trim_start_matches("./").trim_end_matches('/');
            let inside = !rel.is_empty()
                && !rel.starts_with('/')
                && !rel.split('/').any(|part| part == ".." || part == ".");
            if !inside || !is_path(rel) {
                return Err(Error::config(
                    config_path,
                    format!(
                        "[generate.services.{}] assets: {a:?} must be a plain path inside the \
                         package folder ({})",
                        service.name,
                        if package.dir.is_empty() {
                            "."
                        } else {
                            &package.dir
                        }
                    ),
                ));
            }
            if rel == bin {
                return Err(Error::config(
                    config_path,
                    format!(
                        "[generate.services.{}] assets: {a:?} would overwrite the binary at \
                         {app_root}/{bin}",
                        service.name
                    ),
                ));
            }
            Ok(Asset {
                src: join(&package.dir, rel),
                dest: format!("{app_root}/{rel}"),
            })
        })
        .collect()
}
