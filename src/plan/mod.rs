//! `isogen plan`: every service with what CI needs to build it (ecosystem, folder, package,
//! internal packages, Dockerfile, image name) and, with `--since REF`, only those a change
//! since that git ref affects, each with why (which changed file, via which internal package).
//!
//! The steps, one module each: [`git`] lists the changed files; [`affected`] maps each path to
//! the services whose image it reaches; [`lockfiles`] compares each service's own part of
//! `pnpm-lock.yaml` ([`pnpm_lock`]) and `Cargo.lock` ([`cargo_lock`]) at the ref and now;
//! [`format`] writes the result for CI (JSON, a GitHub Actions matrix, a GitLab child pipeline,
//! a bake group).
//!
//! This module reads the workspace, the config and git, and writes nothing; it never looks at
//! images, rules or reports.

pub(crate) mod affected;
pub(crate) mod cargo_lock;
pub mod format;
pub(crate) mod git;
pub(crate) mod lockfiles;
pub(crate) mod pnpm_lock;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::error::Result;
use crate::generate::{image_name::image_name, GenerateConfig};
use crate::workspace::{Ecosystem, Service, Workspace};

/// The version of the JSON `plan --format json` writes.
pub const SCHEMA_VERSION: u32 = 1;

/// What `plan` found.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub schema_version: u32,
    /// The git ref compared with (`--since`), if any.
    pub since: Option<String>,
    /// The services to build: all of them, or with `since` the affected ones; by name.
    pub services: Vec<PlannedService>,
    /// With `since`: the services no change reaches, by name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unaffected: Option<Vec<String>>,
}

/// One service and how to build it.
#[derive(Debug, Clone, Serialize)]
pub struct PlannedService {
    pub name: String,
    pub ecosystem: Ecosystem,
    /// The service's folder relative to the workspace root.
    pub folder: String,
    /// The package (npm name or crate name) that holds it.
    pub package: String,
    /// The internal packages its build needs (names, dependencies first).
    pub internal_deps: Vec<String>,
    pub dockerfile: String,
    pub ignore_file: String,
    /// The image name from `[generate] image_name` (no tag).
    pub image: String,
    /// With `since`: why it is affected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub affected_by: Option<Vec<Reason>>,
}

/// One reason a service is affected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reason {
    /// The changed file, relative to the workspace root.
    pub file: String,
    /// `added`, `modified`, `deleted`, `renamed`, `copied` or `type-changed`.
    pub change: &'static str,
    /// For a rename or copy: the path it came from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    pub why: Why,
    /// The internal package the change reaches the service through.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
    /// What changed inside the file, for lockfiles.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// What the changed file is to the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Why {
    /// A file in the service's own package folder.
    Service,
    /// A file in the folder of an internal package its build needs (`via`).
    InternalPackage,
    /// Its Dockerfile.
    Dockerfile,
    /// Its Dockerfile's ignore file.
    IgnoreFile,
    /// `isogen.toml`.
    Config,
    /// The project's template folder (`[generate] templates`).
    Templates,
    /// A workspace file every build of its ecosystem reads (`pnpm-workspace.yaml`, the root
    /// `package.json`, `.npmrc`, root tsconfigs, patches; the root `Cargo.toml`, `.cargo/config.toml`,
    /// `rust-toolchain.toml`, ...).
    Workspace,
    /// Its part of `pnpm-lock.yaml` or `Cargo.lock`.
    Lockfile,
}

/// Lists the services of `ws`; with `since`, only those affected by the changes between that
/// git ref and the work tree. Errors (not a git repository, unknown ref) name what is wrong.
pub fn plan(ws: &Workspace, config: &GenerateConfig, since: Option<&str>) -> Result<Plan> {
    let mut services: Vec<&Service> = ws.services.iter().collect();
    services.sort_by(|a, b| a.name.cmp(&b.name));
    let mut planned = services
        .iter()
        .map(|s| describe(ws, config, s))
        .collect::<Result<Vec<_>>>()?;
    let Some(since) = since else {
        return Ok(Plan {
            schema_version: SCHEMA_VERSION,
            since: None,
            services: planned,
            unaffected: None,
        });
    };
    git::check(&ws.root, since)?;
    let changes = git::changes(&ws.root, since)?;
    let mut reasons: BTreeMap<String, Vec<Reason>> = affected::path_reasons(ws, config, &changes);
    lockfiles::add_reasons(ws, since, &changes, &mut reasons)?;
    let mut unaffected = Vec::new();
    planned.retain_mut(|p| match reasons.remove(&p.name) {
        Some(r) if !r.is_empty() => {
            p.affected_by = Some(r);
            true
        }
        _ => {
            unaffected.push(p.name.clone());
            false
        }
    });
    Ok(Plan {
        schema_version: SCHEMA_VERSION,
        since: Some(since.to_string()),
        services: planned,
        unaffected: Some(unaffected),
    })
}

fn describe(ws: &Workspace, config: &GenerateConfig, s: &Service) -> Result<PlannedService> {
    let package = ws.service_package(s);
    Ok(PlannedService {
        name: s.name.clone(),
        ecosystem: package.ecosystem,
        folder: package.dir.clone(),
        package: package.name.clone(),
        internal_deps: s
            .build_closure
            .iter()
            .map(|&i| ws.package(i).name.clone())
            .collect(),
        dockerfile: ws.dockerfile_path(s),
        ignore_file: ws.ignore_file_path(s),
        image: image_name(
            config.image_name.as_deref(),
            &s.name,
            package.ecosystem,
            &ws.root.join(crate::workspace::CONFIG_FILE),
        )?,
        affected_by: None,
    })
}

#[cfg(test)]
mod tests;
