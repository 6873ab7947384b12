//! The warning that names, per service, the packages its build fetches from outside the
//! public npm registry (a GitHub tarball, a git repository, a registry `.npmrc` sets for a
//! scope), with their hosts and what the build needs: the host reachable, and for a private
//! registry its credentials in `.npmrc`, which the build takes as the secret `npmrc` (never a
//! layer). Pure: it reads the workspace model only, never the disk.

use std::collections::BTreeMap;

use super::runtime::shipped;
use super::BuildPackage;
use crate::workspace::pnpm::npmrc::Npmrc;
use crate::workspace::pnpm::remote::{Registries, RemoteKind, RemotePackage};
use crate::workspace::pnpm::PnpmWorkspace;
use crate::workspace::{Service, Workspace};

/// Warns about the packages of `service`'s installs (the deps stage's install of `packages`,
/// devDependencies included, and the production closure of what ships) fetched from outside
/// the default registry. Nothing without a shared lockfile.
pub(super) fn warn(
    ws: &Workspace,
    pnpm: &PnpmWorkspace,
    service: &Service,
    packages: &[BuildPackage],
    warnings: &mut Vec<String>,
) {
    if !pnpm.lockfile || pnpm.split_lockfiles {
        return;
    }
    let npmrc = Npmrc::parse(&pnpm.npmrc_public.join("\n"));
    let registries = Registries::of(&npmrc.settings);
    let ships: Vec<&str> = shipped(service)
        .map(|i| ws.package(i).dir.as_str())
        .collect();
    let builds: Vec<&str> = packages.iter().map(|p| p.dir.as_str()).collect();
    let production = pnpm.lock_graph.remote_packages(&ships, false, &registries);
    let mut all = pnpm.lock_graph.remote_packages(&builds, true, &registries);
    for p in &mut all {
        p.production = production.iter().any(|q| q.package == p.package);
    }
    for p in production {
        if !all.iter().any(|q| q.package == p.package) {
            all.push(p);
        }
    }
    if all.is_empty() {
        return;
    }
    warnings.push(message(&service.name, &all, pnpm.npmrc_credentials));
}

/// The warning's text.
fn message(service: &str, packages: &[RemotePackage], credentials: bool) -> String {
    let mut hosts: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for p in packages {
        let how = match p.kind {
            RemoteKind::Tarball => "tarball",
            RemoteKind::Git => "git",
            RemoteKind::Registry => "registry",
        };
        let stage = if p.production { "" } else { ", build only" };
        (hosts.entry(p.host.as_str()).or_default()).push(format!("{} ({how}{stage})", p.package));
    }
    let listed: Vec<String> = (hosts.iter())
        .map(|(host, names)| format!("{host}: {}", names.join(", ")))
        .collect();
    let mut text = format!(
        "the build of `{service}` fetches packages from outside the npm registry ({}); it needs {} reachable from the build",
        listed.join("; "),
        if hosts.len() == 1 { "that host" } else { "those hosts" },
    );
    let private: Vec<&str> = (hosts.keys().copied())
        .filter(|h| {
            packages
                .iter()
                .any(|p| p.host == *h && p.kind == RemoteKind::Registry)
        })
        .collect();
    if !private.is_empty() {
        let have = match credentials {
            true => "the credentials of the root .npmrc reach the installs",
            false => "when it needs credentials, put them in the root .npmrc (`//<host>/:_authToken=...`) and generate again: the installs then take that file",
        };
        text.push_str(&format!(
            "; {} is a registry other than registry.npmjs.org: {have} as the build secret `npmrc`, never a layer (`docker build --secret id=npmrc,src=.npmrc`, `buildah bud --secret id=npmrc,src=.npmrc`)",
            private.join(", ")
        ));
    }
    if packages.iter().any(|p| p.kind == RemoteKind::Git) {
        text.push_str("; a git dependency makes pnpm run git in the build");
    }
    text
}
