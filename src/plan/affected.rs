//! Which services a changed path reaches, by where it is: the service's own folder, an
//! internal package of its build closure, its Dockerfile or ignore file, `isogen.toml`, the
//! template folder, or a workspace file every build of its ecosystem reads. Lockfiles are left
//! to [`super::lockfiles`], which looks inside them.
//!
//! A path belongs to the package with the deepest folder holding it, so a package nested in
//! another's folder is its own. Pure: no I/O.

use std::collections::BTreeMap;

use super::git::Change;
use super::{Reason, Why};
use crate::generate::GenerateConfig;
use crate::workspace::{cargo, pnpm, Ecosystem, Workspace, CONFIG_FILE};

/// Root files every pnpm build reads (besides the tsconfigs and patches the workspace names).
const PNPM_ROOT_FILES: &[&str] = &[
    pnpm::WORKSPACE_FILE,
    "package.json",
    ".npmrc",
    ".pnpmfile.cjs",
    ".nvmrc",
    ".node-version",
];

/// Root files every Cargo build reads (besides the workspace's own build files and vendor
/// folders), whether or not they exist now: a deleted one changes the build too.
const CARGO_ROOT_FILES: &[&str] = &[
    cargo::MANIFEST,
    ".cargo/config.toml",
    ".cargo/config",
    "rust-toolchain.toml",
    "rust-toolchain",
];

/// The paths that matter to every service, per ecosystem, and every service's own files.
struct Map<'a> {
    ws: &'a Workspace,
    /// (service index, Dockerfile, ignore file).
    files: Vec<(usize, String, String)>,
    templates: Option<String>,
    pnpm_roots: Vec<String>,
    cargo_roots: Vec<String>,
}

impl<'a> Map<'a> {
    fn new(ws: &'a Workspace, config: &GenerateConfig) -> Map<'a> {
        let files = ws
            .services
            .iter()
            .enumerate()
            .map(|(i, s)| (i, ws.dockerfile_path(s), ws.ignore_file_path(s)))
            .collect();
        let templates = config.templates.as_ref().map(|t| {
            let t = t.to_string_lossy().replace('\\', "/");
            t.trim_start_matches("./").trim_end_matches('/').to_string()
        });
        let mut pnpm_roots: Vec<String> = Vec::new();
        if let Some(p) = &ws.pnpm {
            pnpm_roots.extend(PNPM_ROOT_FILES.iter().map(|s| s.to_string()));
            pnpm_roots.extend(p.tsconfigs.iter().cloned());
            pnpm_roots.extend(p.patches.iter().cloned());
        }
        let mut cargo_roots: Vec<String> = Vec::new();
        if let Some(c) = &ws.cargo {
            cargo_roots.extend(CARGO_ROOT_FILES.iter().map(|s| s.to_string()));
            cargo_roots.extend(c.build_files.iter().cloned());
            cargo_roots.extend(c.vendor_dirs.iter().cloned());
        }
        Map {
            ws,
            files,
            templates,
            pnpm_roots,
            cargo_roots,
        }
    }

    /// The package whose folder holds `path` (the deepest), never the root package.
    fn owner(&self, path: &str) -> Option<usize> {
        self.ws
            .packages
            .iter()
            .enumerate()
            .filter(|(_, p)| !p.dir.is_empty() && under(path, &p.dir))
            .max_by_key(|(_, p)| p.dir.len())
            .map(|(i, _)| i)
    }

    /// What `path` is to the service at `index`, if anything.
    fn classify(&self, index: usize, path: &str) -> Option<(Why, Option<String>)> {
        let service = &self.ws.services[index];
        for (i, dockerfile, ignore) in &self.files {
            if path == dockerfile || path == ignore {
                if *i != index {
                    return None;
                }
                let why = if path == dockerfile {
                    Why::Dockerfile
                } else {
                    Why::IgnoreFile
                };
                return Some((why, None));
            }
        }
        if path == CONFIG_FILE {
            return Some((Why::Config, None));
        }
        if self.templates.as_deref().is_some_and(|t| under(path, t)) {
            return Some((Why::Templates, None));
        }
        let roots = match self.ws.service_package(service).ecosystem {
            Ecosystem::Pnpm => &self.pnpm_roots,
            Ecosystem::Cargo => &self.cargo_roots,
        };
        if roots.iter().any(|r| under(path, r)) {
            return Some((Why::Workspace, None));
        }
        let owner = self.owner(path)?;
        if owner == service.package {
            return Some((Why::Service, None));
        }
        service.build_closure.contains(&owner).then(|| {
            (
                Why::InternalPackage,
                Some(self.ws.package(owner).name.clone()),
            )
        })
    }
}

/// Whether `path` is `dir` or inside it.
fn under(path: &str, dir: &str) -> bool {
    path == dir
        || path
            .strip_prefix(dir)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// The word for a `git diff --name-status` letter.
pub fn change_word(status: char) -> &'static str {
    match status {
        'A' => "added",
        'D' => "deleted",
        'R' => "renamed",
        'C' => "copied",
        'T' => "type-changed",
        _ => "modified",
    }
}

/// Service name -> the reasons the changed paths give it (lockfiles left out).
pub fn path_reasons(
    ws: &Workspace,
    config: &GenerateConfig,
    changes: &[Change],
) -> BTreeMap<String, Vec<Reason>> {
    let map = Map::new(ws, config);
    let mut out: BTreeMap<String, Vec<Reason>> = BTreeMap::new();
    for change in changes {
        for (index, service) in ws.services.iter().enumerate() {
            // A rename counts where it lands and where it came from.
            let Some((why, via)) = change.paths().find_map(|p| map.classify(index, p)) else {
                continue;
            };
            let reasons = out.entry(service.name.clone()).or_default();
            reasons.push(Reason {
                file: change.path.clone(),
                change: change_word(change.status),
                from: change.from.clone(),
                why,
                via,
                detail: None,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::under;

    #[test]
    fn under_is_by_path_component() {
        assert!(under("services/api/src/a.ts", "services/api"));
        assert!(under("services/api", "services/api"));
        assert!(!under("services/api-gateway/x", "services/api"));
    }
}
