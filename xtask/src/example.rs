//! What e2e needs to know about the example workspace, read straight from its manifests: the
//! services, their folders, their module kind and the internal packages they import.
//!
//! This deliberately does not use isogen's own discovery: the harness checks isogen, so it
//! keeps its own, simpler reading of the same facts (services are packages whose parent folder
//! is `services` or `apps`, as CONTRACTS.md defines the default rule).

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde_json::Value;

/// One service of the example workspace.
#[derive(Debug, Clone)]
pub struct Service {
    /// The folder name: isogen's service name.
    pub name: String,
    /// `name` of its package.json.
    pub package: String,
    /// Folder relative to the workspace root (`services/billing`).
    pub dir: String,
    /// `"type": "module"`.
    pub esm: bool,
    /// The keys under which it depends on internal packages at run time (aliases included:
    /// `"log": "workspace:@acme/logger@*"` gives `log`).
    pub internal_deps: Vec<String>,
}

impl Service {
    pub fn dockerfile(&self, root: &Path) -> PathBuf {
        root.join(&self.dir).join("Dockerfile")
    }

    /// The local image name e2e tags the service's image with.
    pub fn image(&self) -> String {
        format!("localhost/isogen-e2e/{}:latest", self.name)
    }
}

/// The services under `root`, sorted by name.
pub fn services(root: &Path) -> Result<Vec<Service>> {
    let mut found = Vec::new();
    for parent in ["services", "apps"] {
        let dir = root.join(parent);
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let entry = entry.with_context(|| format!("listing {}", dir.display()))?;
            let manifest = entry.path().join("package.json");
            if manifest.is_file() {
                found.push(read_service(
                    &manifest,
                    &format!("{parent}/{}", entry.file_name().to_string_lossy()),
                )?);
            }
        }
    }
    found.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(found)
}

fn read_service(manifest: &Path, dir: &str) -> Result<Service> {
    let text =
        fs::read_to_string(manifest).with_context(|| format!("reading {}", manifest.display()))?;
    let json: Value =
        serde_json::from_str(&text).with_context(|| format!("parsing {}", manifest.display()))?;
    let package = json["name"]
        .as_str()
        .with_context(|| format!("{}: no \"name\"", manifest.display()))?
        .to_owned();
    let mut internal_deps = Vec::new();
    for section in ["dependencies", "optionalDependencies"] {
        if let Some(deps) = json[section].as_object() {
            for (key, spec) in deps {
                if spec.as_str().is_some_and(|s| s.starts_with("workspace:")) {
                    internal_deps.push(key.clone());
                }
            }
        }
    }
    Ok(Service {
        name: dir.rsplit('/').next().unwrap_or(dir).to_owned(),
        package,
        dir: dir.to_owned(),
        esm: json["type"].as_str() == Some("module"),
        internal_deps,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example must keep exercising what e2e is there to prove: an ES module service, an
    /// aliased internal dependency, and CommonJS services.
    #[test]
    fn the_example_has_the_shapes_e2e_checks() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../services-example");
        let services = services(&root).unwrap();
        let names: Vec<_> = services.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["billing", "catalog", "gateway"]);
        let catalog = &services[1];
        assert!(catalog.esm);
        assert_eq!(catalog.internal_deps, ["@acme/http-kit", "log"]);
        assert!(!services[0].esm && !services[2].esm);
        assert_eq!(services[2].dir, "services/gateway");
    }
}
