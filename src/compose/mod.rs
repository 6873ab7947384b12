//! `isogen compose`: a `compose.yaml` at the workspace root that runs the generated images
//! together, as teams hand-write one per workspace: each service built from its Dockerfile
//! (context `.`), its image name (`[generate] image_name`, tag `${TAG:-latest}`), its port and
//! health check, the non-root user of its image, a read-only root file system with a tmpfs
//! `/tmp`, and `depends_on` / `profiles` from `[compose.services.<name>]` (a dependency that is
//! a `kind = "job"` is waited for until it exits 0).
//!
//! It builds the file (through generate's writer: header, drift check, never over a
//! hand-written file) and nothing else: it never runs docker and never reads images.

pub mod cfg;

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;
use serde_saphyr::DoubleQuoted;

pub use cfg::ComposeConfig;

use crate::error::{Error, Result};
use crate::generate::cfg::{Healthcheck, ServiceKind};
use crate::generate::{image_name::image_name, GenerateConfig, GeneratedFile};
use crate::workspace::{Service, Workspace};

/// The file name, at the workspace root.
pub const FILE: &str = "compose.yaml";
/// The command its header names.
pub const COMMAND: &str = "isogen compose";

#[derive(Debug, Serialize)]
struct ComposeFile {
    services: BTreeMap<String, ComposeService>,
}

#[derive(Debug, Serialize)]
struct ComposeService {
    build: Build,
    image: String,
    /// `uid:gid`, and ports `host:container`, double-quoted: YAML 1.1 readers take an unquoted
    /// `22:22` for a base-60 number.
    user: DoubleQuoted<String>,
    read_only: bool,
    tmpfs: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    ports: Vec<DoubleQuoted<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    healthcheck: Option<Check>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    depends_on: BTreeMap<String, Condition>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    profiles: Vec<String>,
}

#[derive(Debug, Serialize)]
struct Build {
    context: String,
    dockerfile: String,
}

#[derive(Debug, Serialize)]
struct Check {
    test: Vec<String>,
}

#[derive(Debug, Serialize)]
struct Condition {
    condition: &'static str,
}

/// The compose file for every service of `ws` (without the header), from `[generate]` and
/// `[compose]`; `config_path` names isogen.toml in errors.
pub fn file(
    ws: &Workspace,
    generate: &GenerateConfig,
    compose: &ComposeConfig,
    config_path: &Path,
) -> Result<GeneratedFile> {
    check_config(ws, compose, config_path)?;
    let mut services = BTreeMap::new();
    for s in &ws.services {
        let ours = compose.services.get(&s.name);
        services.insert(s.name.clone(), service(ws, generate, ours, s, config_path)?);
    }
    let yaml = serde_saphyr::to_string(&ComposeFile { services })
        .map_err(|e| Error::Usage(format!("cannot write {FILE}: {e}")))?;
    Ok(GeneratedFile {
        path: FILE.into(),
        service: String::new(),
        bin: None,
        contents: format!(
            "# Run every service with `docker compose up --build` (TAG picks the images' tag).\n{yaml}"
        ),
        command: COMMAND,
    })
}

fn service(
    ws: &Workspace,
    generate: &GenerateConfig,
    ours: Option<&cfg::ComposeService>,
    s: &Service,
    config_path: &Path,
) -> Result<ComposeService> {
    let overrides = generate.service(&s.name);
    let image = image_name(
        generate.image_name.as_deref(),
        &s.name,
        ws.service_package(s).ecosystem,
        config_path,
    )?;
    let port = overrides.and_then(|o| o.port);
    let ports = match (port, ours.and_then(|c| c.host_port)) {
        (Some(p), host) => vec![DoubleQuoted(format!("{}:{p}", host.unwrap_or(p)))],
        (None, Some(_)) => {
            return Err(Error::config(
                config_path,
                format!(
                    "[compose.services.{0}] host_port: `{0}` has no port; set `port` in [generate.services.{0}]",
                    s.name
                ),
            ))
        }
        (None, None) => Vec::new(),
    };
    let healthcheck = overrides
        .and_then(|o| o.healthcheck.as_ref())
        .map(|h| Check {
            test: match h.command() {
                Healthcheck::Exec(args) => std::iter::once("CMD".to_string())
                    .chain(args.iter().cloned())
                    .collect(),
                Healthcheck::Shell(line) => vec!["CMD-SHELL".into(), line.clone()],
                // `command()` never returns the table form.
                Healthcheck::Options(_) => Vec::new(),
            },
        });
    let depends_on = ours
        .map(|c| c.depends_on.as_slice())
        .unwrap_or_default()
        .iter()
        .map(|d| {
            let theirs = generate.service(d);
            // A one-shot job (a migration) is waited for until it exits 0, as compose's
            // `service_completed_successfully` does; a server until healthy, or started.
            let job = theirs.and_then(|o| o.kind) == Some(ServiceKind::Job);
            let healthy = theirs.is_some_and(|o| o.healthcheck.is_some());
            let condition = if job {
                "service_completed_successfully"
            } else if healthy {
                "service_healthy"
            } else {
                "service_started"
            };
            (d.clone(), Condition { condition })
        })
        .collect();
    Ok(ComposeService {
        build: Build {
            context: ".".into(),
            dockerfile: ws.dockerfile_path(s),
        },
        image: format!("{image}:${{TAG:-latest}}"),
        user: DoubleQuoted(format!("{}:{}", generate.uid(), generate.gid())),
        read_only: true,
        tmpfs: vec!["/tmp".into()],
        ports,
        healthcheck,
        depends_on,
        profiles: ours.map(|c| c.profiles.clone()).unwrap_or_default(),
    })
}

/// Every `[compose.services.X]` names a service, and so does every `depends_on` entry; profile
/// names are what compose accepts.
fn check_config(ws: &Workspace, compose: &ComposeConfig, config_path: &Path) -> Result<()> {
    let known = |name: &str| ws.services.iter().any(|s| s.name == name);
    let list = || {
        let mut names: Vec<&str> = ws.services.iter().map(|s| s.name.as_str()).collect();
        names.sort();
        names.join(", ")
    };
    for (name, c) in &compose.services {
        if !known(name) {
            return Err(Error::config(
                config_path,
                format!(
                    "[compose.services.{name}]: no service is named `{name}` (services: {})",
                    list()
                ),
            ));
        }
        for d in &c.depends_on {
            if d == name || !known(d) {
                return Err(Error::config(
                    config_path,
                    format!(
                        "[compose.services.{name}] depends_on: `{d}` is {} (services: {})",
                        if d == name {
                            "the service itself"
                        } else {
                            "not a service"
                        },
                        list()
                    ),
                ));
            }
        }
        for p in &c.profiles {
            let ok = p.starts_with(|c: char| c.is_ascii_alphanumeric())
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
            if !ok {
                return Err(Error::config(
                    config_path,
                    format!("[compose.services.{name}] profiles: `{p}` is not a profile name (letters, digits, `_`, `.`, `-`)"),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
