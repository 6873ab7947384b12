//! The run-time manifest rewrite: which `npm pkg set/delete` calls turn the copied
//! package.json files into manifests plain `npm install` accepts (`workspace:` -> `file:`
//! paths between the copied folders, peers -> the ranges `pnpm publish` would write,
//! `catalog:` -> the catalog's range, locked versions pinned, pnpm `overrides` -> npm
//! `overrides`, no `devDependencies`, no `scripts`).
//!
//! Pure: it turns workspace facts into arguments; it never reads a file and never writes a
//! line break into a Dockerfile (the caller checks).

use std::collections::{BTreeMap, BTreeSet};

use super::node_of;
use crate::error::Result;
use crate::generate::templates::shell_quote;
use crate::workspace::pnpm::{DeclaredDep, PnpmWorkspace};
use crate::workspace::spec::{self, WorkspaceSpec};
use crate::workspace::{DepKind, Package, Service, Workspace};

/// pnpm's `overrides` as npm `overrides`, for the package.json at the root of the runtime
/// install: `parent>child` becomes `{"parent": {"child": ...}}`, `name@range` keys stay as
/// they are (npm reads both), and each value is pinned to the one version of its package that
/// `pnpm-lock.yaml` holds within the override's range (else it stays as written). Values npm
/// has no equivalent for (`-`, `link:`, `file:`, `workspace:`, unresolved `$name` or
/// `catalog:`) are left out with a warning. Also returns the plain ones (a bare name), by
/// name: a direct dependency of the root with that name must have the same spec, or npm stops
/// with EOVERRIDE.
pub fn npm_overrides(
    pnpm: &PnpmWorkspace,
    warnings: &mut Vec<String>,
) -> (
    serde_json::Map<String, serde_json::Value>,
    std::collections::BTreeMap<String, String>,
) {
    use serde_json::Value;
    let mut out = serde_json::Map::new();
    let mut plain = std::collections::BTreeMap::new();
    let file = pnpm.overrides_file.as_deref().unwrap_or("package.json");
    for (selector, spec) in &pnpm.overrides {
        let spec = spec.trim();
        let parts: Vec<&str> = selector.split('>').map(str::trim).collect();
        let unusable = spec == "-"
            || ["link:", "file:", "workspace:", "catalog:", "$"]
                .iter()
                .any(|p| spec.starts_with(p))
            || spec.is_empty()
            || parts.iter().any(|p| p.is_empty());
        if unusable {
            warnings.push(format!(
                "{file}: the override `{selector}: {spec}` has no npm equivalent, so the runtime install (npm) does not apply it"
            ));
            continue;
        }
        let target = crate::workspace::pnpm::selector_target(selector);
        let value = pinned_override(pnpm, target, spec);
        let mut map = &mut out;
        for part in &parts[..parts.len() - 1] {
            let entry = map
                .entry(part.to_string())
                .or_insert_with(|| Value::Object(Default::default()));
            if let Value::String(s) = entry {
                let mut m = serde_json::Map::new();
                m.insert(".".into(), Value::String(std::mem::take(s)));
                *entry = Value::Object(m);
            }
            let Value::Object(m) = entry else {
                unreachable!("made an object above")
            };
            map = m;
        }
        let last = parts[parts.len() - 1];
        match map.get_mut(last) {
            Some(Value::Object(m)) => {
                m.insert(".".into(), Value::String(value.clone()));
            }
            _ => {
                map.insert(last.to_string(), Value::String(value.clone()));
            }
        }
        if parts.len() == 1 && crate::workspace::pnpm::name_of_part(last) == last {
            plain.insert(last.to_string(), value);
        }
    }
    (out, plain)
}

/// The one version of `name` in the lockfile that `spec` allows, else `spec` itself.
fn pinned_override(pnpm: &PnpmWorkspace, name: &str, spec: &str) -> String {
    let Ok(range) = nodejs_semver::Range::parse(spec) else {
        return spec.to_string();
    };
    let matching: Vec<&String> = pnpm
        .locked_versions
        .get(name)
        .into_iter()
        .flatten()
        .filter(|v| nodejs_semver::Version::parse(v).is_ok_and(|v| v.satisfies(&range)))
        .collect();
    match matching.as_slice() {
        [one] => (*one).clone(),
        _ => spec.to_string(),
    }
}

pub(super) fn rewrite_command(
    app_root: &str,
    dir: &str,
    delete: &[String],
    set: &[String],
    set_json: &[String],
) -> Option<String> {
    if delete.is_empty() && set.is_empty() && set_json.is_empty() {
        return None;
    }
    let folder = if dir.is_empty() {
        app_root.to_string()
    } else {
        format!("{app_root}/{dir}")
    };
    let mut cmd = format!("cd {}", shell_quote(&folder));
    if !delete.is_empty() {
        cmd.push_str(" && npm pkg delete");
        for k in delete {
            cmd.push(' ');
            cmd.push_str(&shell_quote(k));
        }
    }
    if !set.is_empty() {
        cmd.push_str(" && npm pkg set");
        for kv in set {
            cmd.push(' ');
            cmd.push_str(&shell_quote(kv));
        }
    }
    if !set_json.is_empty() {
        cmd.push_str(" && npm pkg set --json");
        for kv in set_json {
            cmd.push(' ');
            cmd.push_str(&shell_quote(kv));
        }
    }
    Some(cmd)
}

/// The `npm pkg delete` keys and `npm pkg set` arguments that turn the package.json of
/// `pkg_index` (as copied into the image) into one `npm install` accepts.
pub fn runtime_rewrite(
    ws: &Workspace,
    service: &Service,
    pkg_index: usize,
    pnpm: &PnpmWorkspace,
) -> Result<(Vec<String>, Vec<String>)> {
    let pkg = ws.package(pkg_index);
    let n = node_of(pkg)?;
    let is_service = pkg_index == service.package;
    let mut delete = Vec::new();
    // Scripts never run in the image (CMD runs node directly), and npm would run lifecycle
    // scripts (prepare, postinstall, ...) of the copied packages while installing them.
    if !n.scripts.is_empty() {
        delete.push("scripts".to_string());
    }
    // npm resolves devDependencies even with --omit=dev, and `workspace:` ones fail.
    if n.deps.iter().any(|d| d.kind == DepKind::Dev) {
        delete.push("devDependencies".to_string());
    }
    let mut rewrite = Rewrite {
        ws,
        pnpm,
        pkg,
        is_service,
        // npm stops (EOVERRIDE) when a dependency of the root differs from an override of it.
        plain_overrides: if is_service {
            npm_overrides(pnpm, &mut Vec::new()).1
        } else {
            Default::default()
        },
        delete,
        set: Vec::new(),
        direct: BTreeSet::new(),
    };
    for d in n.deps.iter().filter(|d| d.kind != DepKind::Dev) {
        rewrite.dependency(d);
    }
    if is_service {
        rewrite.provide_internal_peers(service);
    }
    Ok((rewrite.delete, rewrite.set))
}

/// The rewrite of one manifest, built dependency by dependency.
struct Rewrite<'a> {
    ws: &'a Workspace,
    pnpm: &'a PnpmWorkspace,
    pkg: &'a Package,
    is_service: bool,
    plain_overrides: BTreeMap<String, String>,
    delete: Vec<String>,
    set: Vec<String>,
    /// Internal packages the manifest depends on under their own name.
    direct: BTreeSet<usize>,
}

impl Rewrite<'_> {
    fn dependency(&mut self, d: &DeclaredDep) {
        let field = match d.kind {
            DepKind::Normal => "dependencies",
            DepKind::Optional => "optionalDependencies",
            DepKind::Peer => "peerDependencies",
            DepKind::Dev | DepKind::Build => return,
        };
        if let Some(target) = d.internal {
            self.internal(field, d, target);
        } else if d.kind != DepKind::Peer {
            // The version pnpm locked, so the image runs what the build was made with; else
            // the catalog's range (npm cannot read `catalog:`).
            if let Some(value) = self.plain_overrides.get(&d.key) {
                self.set.push(format!("{field}[{}]={value}", d.key));
            } else if let Some(version) = self.pnpm.locked_version(&self.pkg.dir, &d.key, &d.spec) {
                self.set.push(format!("{field}[{}]={version}", d.key));
            } else if let Some(range) = &d.catalog_range {
                self.set.push(format!("{field}[{}]={range}", d.key));
            }
        } else if let Some(range) = &d.catalog_range {
            self.set.push(format!("{field}[{}]={range}", d.key));
        }
    }

    fn internal(&mut self, field: &str, d: &DeclaredDep, target: usize) {
        let t = self.ws.package(target);
        match d.kind {
            DepKind::Peer if self.is_service => {
                // The service is the root of the install: npm would fetch a peer range from
                // the registry. Its internal peers become file: dependencies below.
                self.delete.push(format!("{field}[{}]", d.key));
            }
            DepKind::Peer => {
                let published = match WorkspaceSpec::parse(&d.spec) {
                    Ok(Some(ws_spec)) => ws_spec.published(&d.key, &t.name, t.version.as_deref()),
                    _ => t.version.clone().unwrap_or_else(|| "*".into()),
                };
                self.set.push(format!("{field}[{}]={published}", d.key));
            }
            _ => {
                // npm places a dependency under its key: only a key equal to the package's
                // name satisfies a peer of that name.
                if d.key == t.name {
                    self.direct.insert(target);
                }
                self.set.push(format!(
                    "{field}[{}]={}",
                    d.key,
                    spec::file_spec(&self.pkg.dir, &t.dir)
                ));
            }
        }
    }

    /// Every internal package some shipped package wants as a peer must be in the tree, or
    /// npm looks for it on the registry: the service provides it.
    fn provide_internal_peers(&mut self, service: &Service) {
        let shipped = service
            .runtime_closure
            .iter()
            .copied()
            .chain(std::iter::once(service.package));
        let mut peers: BTreeSet<(String, usize)> = BTreeSet::new();
        for i in shipped {
            for d in &self.ws.package(i).internal_deps {
                if d.kind == DepKind::Peer
                    && d.package != service.package
                    && !self.direct.contains(&d.package)
                {
                    peers.insert((self.ws.package(d.package).name.clone(), d.package));
                }
            }
        }
        for (name, target) in peers {
            self.set.push(format!(
                "dependencies[{name}]={}",
                spec::file_spec(&self.pkg.dir, &self.ws.package(target).dir)
            ));
        }
    }
}
