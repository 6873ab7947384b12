//! `[generate.cargo]` and a service's Cargo overrides, checked: images, profile, `CARGO_HOME`,
//! and the features of the build (repo-wide, the service's, the binary's required ones), each
//! refused with the setting's name when cargo or a Dockerfile could not take it.
//!
//! It reads only the config and the workspace model; it never reads files.

use std::path::Path;

use super::words::{is_feature, is_image_reference, is_path, is_word};
use super::{CargoConfig, DEFAULT_CARGO_HOME, DEFAULT_IMAGE, DEFAULT_RUNTIME_IMAGE};
use crate::error::{Error, Result};
use crate::generate::cfg::ServiceConfig;
use crate::workspace::cargo::{CargoPackage, Target};
use crate::workspace::{Package, Service};

/// The checked `[generate.cargo]` values of one service's build.
pub(super) struct Settings {
    pub(super) image: String,
    pub(super) runtime_image: String,
    pub(super) profile: String,
    pub(super) cargo_home: String,
}

impl Settings {
    pub(super) fn check(config: &CargoConfig, config_path: &Path) -> Result<Settings> {
        let bad_config =
            |what: String| Error::config(config_path, format!("[generate.cargo] {what}"));
        let image = config.image.clone().unwrap_or_else(|| DEFAULT_IMAGE.into());
        let runtime_image = config
            .runtime_image
            .clone()
            .unwrap_or_else(|| DEFAULT_RUNTIME_IMAGE.into());
        for (key, value) in [("image", &image), ("runtime_image", &runtime_image)] {
            if !is_image_reference(value) {
                return Err(bad_config(format!(
                    "{key} = {value:?}: not an image reference (expected e.g. \
                     \"{DEFAULT_IMAGE}\" or \"name@sha256:<64 hex digits>\")"
                )));
            }
        }
        let profile = config.profile.clone().unwrap_or_else(|| "release".into());
        if !is_word(&profile) {
            return Err(bad_config(format!(
                "profile = {profile:?}: not a profile name"
            )));
        }
        let cargo_home = config
            .cargo_home
            .clone()
            .unwrap_or_else(|| DEFAULT_CARGO_HOME.into());
        if !cargo_home.starts_with('/') || !is_path(&cargo_home) {
            return Err(bad_config(format!(
                "cargo_home = {cargo_home:?}: expected an absolute folder"
            )));
        }
        Ok(Settings {
            image,
            runtime_image,
            profile,
            cargo_home,
        })
    }
}

/// Repo-wide features, then the service's, then the binary's required-features. Each plain
/// name must be a feature of the package: cargo refuses the build otherwise, and generate can
/// say so now, naming the setting, instead of a failed image build later.
pub(super) fn features(
    config: &CargoConfig,
    overrides: Option<&ServiceConfig>,
    service: &Service,
    package: &Package,
    details: &CargoPackage,
    bin: &Target,
    config_path: &Path,
) -> Result<Vec<String>> {
    let section = format!("[generate.services.{}]", service.name);
    let mut features: Vec<String> = Vec::new();
    let requested = config
        .features
        .iter()
        .map(|f| ("[generate.cargo]", f))
        .chain(
            overrides
                .into_iter()
                .flat_map(|o| &o.features)
                .map(|f| (section.as_str(), f)),
        );
    for (origin, f) in requested {
        if !is_feature(f) {
            return Err(Error::config(
                config_path,
                format!("{origin} features: {f:?} is not a feature name"),
            ));
        }
        // `dep/feature` and `dep?/feature` name a dependency's feature: cargo checks those.
        if !f.contains('/') && !details.features.contains(f) {
            let known = if details.features.is_empty() {
                "none".to_string()
            } else {
                details.features.join(", ")
            };
            let hint = if origin == "[generate.cargo]" {
                "; a feature of one service belongs in [generate.services.<name>] features"
            } else {
                ""
            };
            return Err(Error::config(
                config_path,
                format!(
                    "{origin} features: package `{}` (service `{}`) has no feature `{f}` (its \
                     features: {known}){hint}",
                    package.name, service.name
                ),
            ));
        }
        if !features.contains(f) {
            features.push(f.clone());
        }
    }
    for f in &bin.required_features {
        if !features.contains(f) {
            features.push(f.clone());
        }
    }
    Ok(features)
}
