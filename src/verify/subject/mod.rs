//! Which service an image is, and what every package in it is to that service.
//!
//! The service is recognised by what it is, not by where isogen would put it: the package the
//! entrypoint's file belongs to, `package.json` names (the workspace's exact names when a
//! workspace is known), the entry binary. From the service's manifest, its dependencies are
//! resolved inside the image the way Node does (`file:` specs, then `node_modules` up the
//! tree, symlinks followed), which tells internal packages (reached through `file:`/`link:`
//! specs, living outside `node_modules`, or named as workspace packages) from third-party ones,
//! and what is needed at run time from what only dev dependencies need.
//!
//! It only says what is what; it never judges (finding problems is the rules' business) and
//! never reads anything but the already-read image and the workspace model.

mod installed;
mod locate;
mod packages;
mod workspace;

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashSet};

use super::diags::skip;
use super::facts::Facts;
use super::fs;
use super::launch::Launch;
use crate::workspace::{Ecosystem, Service, Workspace};
pub use installed::InstalledLock;
use locate::{claimed, find_app_root, locate_binary, locate_package, nested_roots};
use packages::classify_packages;
pub(crate) use packages::{find_installed, node_modules_name};
pub use workspace::LockFacts;
use workspace::{ws_facts, WsFacts};

/// What a package found in the image is to the service under check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    Service,
    /// An internal package the service needs at run time.
    Internal,
    /// A registry package in `node_modules`.
    ThirdParty,
    /// Another service of the workspace (its name).
    OtherService(String),
    /// A workspace package the service does not need at run time (its name).
    WorkspacePackage(String),
    /// A package.json outside `node_modules` that nothing leads to.
    Unknown,
}

/// Another service of the workspace, as it could show up in the image.
#[derive(Debug, Clone)]
pub struct OtherService {
    pub name: String,
    /// Its package name (None when it shares this service's package: Cargo binaries).
    pub package: Option<String>,
    /// Its workspace-relative folder (same condition).
    pub dir: Option<String>,
    /// Its binary name (Cargo services).
    pub bin: Option<String>,
    /// Its entry file relative to its package folder (pnpm services, e.g. `dist/main.js`).
    pub entry: Option<String>,
}

/// The service under check, found in the image.
#[derive(Debug, Clone, Default)]
pub struct Subject {
    pub name: String,
    pub ecosystem: Option<Ecosystem>,
    /// The names its package.json may carry.
    pub package_names: BTreeSet<String>,
    /// Its binary name, when it is a Cargo service.
    pub bin: Option<String>,
    /// Folder of its package.json in the image (or, when the image has no package.json of it,
    /// the folder its entry file stands for: see [`Subject::entry`]).
    pub root: Option<String>,
    /// Package roots of the service's own below its folder that Node goes through when it
    /// resolves from the entry file (a build that writes `dist/package.json` and runs `npm
    /// install` in `dist/`, as jitsu's rotor does): their files are the service's and their
    /// dependencies are resolved from them, as Node resolves them from the entry.
    pub nested: BTreeSet<String>,
    /// The file node runs, when the service was recognised by it alone: a bundle, or build
    /// output copied without the package.json.
    pub entry: Option<String>,
    /// Its binary in the image (resolved).
    pub binary: Option<String>,
    /// Role of every manifest folder (visible and hidden).
    pub roles: BTreeMap<String, Role>,
    /// Package folders needed at run time (the service's, internal, third-party), resolved.
    pub runtime: HashSet<String>,
    /// Folders of installed packages that only dev dependencies lead to: direct ones...
    pub dev_direct: BTreeSet<String>,
    /// ...and what only they need.
    pub dev_transitive: BTreeSet<String>,
    /// Those of `dev_direct` and `dev_transitive` that are installed only because the
    /// workspace root's package.json lists them (or what needs them) in `dependencies`: pnpm's
    /// production install always installs the root project (with `--workspace`).
    pub dev_by_root: BTreeSet<String>,
    pub app_root: Option<String>,
    /// Why there is no app root, when there is none.
    pub app_root_note: Option<String>,
    pub others: Vec<OtherService>,
    /// Folders above the service, its packages and its binary: they hold them, so they belong
    /// under the app root.
    pub holders: HashSet<String>,
    /// Folders of the internal packages (visible or hidden).
    pub internal: Vec<String>,
    /// Folders of the internal packages the workspace does not build (Node packages without
    /// its build script: plain JavaScript shipped as `npm pack` would, their whole folder).
    pub unbuilt: BTreeSet<String>,
    /// `/<dir>` of each other service with a folder, for suffix matching.
    pub other_suffixes: Vec<(usize, String)>,
    /// What `pnpm-lock.yaml` locks for the service's production closure (with `--workspace`
    /// and a shared v6/v9 lockfile).
    pub locked: Option<LockFacts>,
    /// pnpm's current lockfile under the workspace root in the image (when `locked` is known
    /// and so is that root, or the app root).
    pub installed: Option<InstalledLock>,
    /// The workspace root's folder in the image: the service's folder without the service's
    /// workspace path (`/app` for `/app/services/api`), when the image keeps that layout.
    pub ws_root: Option<String>,
}

/// What [`Subject::owner_cached`] answered last: for a path (the rules ask about each entry
/// more than once) and for a folder (the rules ask in path order, so most paths share the last
/// one's folder). One per thread that asks (the path rules run on several).
#[derive(Debug, Default)]
pub struct OwnerCache<'s>(RefCell<OwnerMemory<'s>>);

/// The last path and its owner; the last folder and the owner of what it holds.
type Owner<'s> = Option<(&'s str, &'s Role)>;

#[derive(Debug, Default)]
struct OwnerMemory<'s> {
    path: Option<(String, Owner<'s>)>,
    dir: Option<(String, Owner<'s>)>,
}

impl Subject {
    pub fn role_of_dir(&self, dir: &str) -> Option<&Role> {
        self.roles.get(dir)
    }

    /// The nearest package folder at or above `path`, with its role.
    pub fn owner(&self, path: &str) -> Option<(&str, &Role)> {
        self.owner_cached(path, &OwnerCache::default())
    }

    /// [`Subject::owner`], remembering its last answers in `cache` (the subject cannot change
    /// while a cache borrows it).
    pub fn owner_cached<'s>(&'s self, path: &str, cache: &OwnerCache<'s>) -> Owner<'s> {
        let mut memory = cache.0.borrow_mut();
        if let Some((last, owner)) = &memory.path {
            if last == path {
                return *owner;
            }
        }
        let owner = self.find_owner(path, &mut memory.dir);
        match &mut memory.path {
            Some((last, cached)) => {
                last.clear();
                last.push_str(path);
                *cached = owner;
            }
            none => *none = Some((path.to_string(), owner)),
        }
        owner
    }

    fn find_owner<'s>(
        &'s self,
        path: &str,
        dir_memory: &mut Option<(String, Owner<'s>)>,
    ) -> Owner<'s> {
        if let Some((k, v)) = self.roles.get_key_value(path) {
            return Some((k.as_str(), v));
        }
        if path == "/" || path.is_empty() {
            return None;
        }
        // The owner of everything in a folder but its own packages is the folder's: one walk
        // up per folder rather than one per path.
        let dir = fs::parent(path);
        if let Some((cached, owner)) = dir_memory {
            if cached == dir {
                return *owner;
            }
        }
        let owner = fs::self_and_ancestors(dir)
            .find_map(|a| self.roles.get_key_value(a))
            .map(|(k, v)| (k.as_str(), v));
        *dir_memory = Some((dir.to_string(), owner));
        owner
    }

    pub fn internal_roots(&self) -> impl Iterator<Item = &str> {
        self.internal.iter().map(String::as_str)
    }
}

/// Finds the service `name` in the image and what every package in it is to the service.
/// `ws`: the workspace, the service in it and the build script's name, when a workspace is
/// known; `app_root`: the policy's, when set.
pub fn identify(
    facts: &Facts,
    launch: &Launch,
    name: &str,
    ws: Option<(&Workspace, &Service, &str)>,
    app_root: Option<&str>,
) -> Subject {
    let wsf = ws.map(|(w, s, build_script)| ws_facts(w, s, build_script));
    let mut subject = claimed(facts, name, wsf.as_ref());
    locate_package(facts, launch, &mut subject, wsf.as_ref());
    locate_binary(facts, launch, &mut subject);
    subject.nested = nested_roots(facts, launch, &subject, wsf.as_ref());
    let anchor = subject
        .root
        .clone()
        .or_else(|| subject.binary.as_deref().map(|b| fs::parent(b).to_string()));
    subject.app_root = find_app_root(facts, app_root, anchor.as_deref());
    if subject.app_root.is_none() {
        subject.app_root_note = Some(match &anchor {
            Some(a) => skip::in_system_directory(a),
            None => skip::SERVICE_NOT_FOUND.into(),
        });
    }
    classify_packages(facts, &mut subject, wsf.as_ref());
    if let (Some(root), Some(_)) = (&subject.root, &subject.entry) {
        // Everything below the folder the entry file stands for is the service's, as if its
        // package.json were there.
        subject.roles.entry(root.clone()).or_insert(Role::Service);
    }
    derive_from_roles(facts, &mut subject, wsf.as_ref());
    if let Some(w) = wsf {
        subject.ws_root = subject.root.as_deref().and_then(|r| ws_root(r, &w));
        subject.locked = w.locked;
    }
    let scope = subject.ws_root.as_deref().or(subject.app_root.as_deref());
    if let (Some(_), Some(scope)) = (&subject.locked, scope) {
        subject.installed = Some(installed::read(facts, scope));
    }
    subject
}

/// The workspace root in the image, from the service's folder `root` and its workspace path.
fn ws_root(root: &str, w: &WsFacts) -> Option<String> {
    let dir = w.locked.as_ref()?.service_dir.as_str();
    if dir.is_empty() {
        return Some(root.to_string());
    }
    let base = root.strip_suffix(dir)?.strip_suffix('/')?;
    Some(if base.is_empty() { "/" } else { base }.to_string())
}

/// What the rules look up often, derived once the roles are known: internal package folders,
/// those the workspace does not build, the other services' folder suffixes, the holders.
fn derive_from_roles(facts: &Facts, subject: &mut Subject, wsf: Option<&WsFacts>) {
    subject.internal = subject
        .roles
        .iter()
        .filter(|(_, r)| **r == Role::Internal)
        .map(|(d, _)| d.clone())
        .collect();
    if let Some(w) = wsf {
        subject.unbuilt = subject
            .internal
            .iter()
            .filter(|d| {
                facts
                    .manifests
                    .get(*d)
                    .and_then(|m| m.name.as_ref())
                    .is_some_and(|n| w.unbuilt_names.contains(n))
            })
            .cloned()
            .collect();
    }
    subject.other_suffixes = subject
        .others
        .iter()
        .enumerate()
        .filter_map(|(i, o)| o.dir.as_ref().map(|d| (i, format!("/{d}"))))
        .collect();
    subject.holders = holders(subject);
}

fn holders(s: &Subject) -> HashSet<String> {
    let mut out = HashSet::new();
    let anchors = s
        .root
        .iter()
        .chain(s.binary.iter())
        .map(String::as_str)
        .chain(s.internal_roots())
        .chain(s.runtime.iter().map(String::as_str));
    for a in anchors {
        for anc in fs::self_and_ancestors(a) {
            out.insert(anc.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::launch::analyse;
    use crate::verify::testkit::{node_base, ImageBuilder};

    #[test]
    fn hand_written_layout_is_recognised_without_a_workspace() {
        // The seed's layout: /app/service + /app/shared, shared installed as a symlink.
        let image = ImageBuilder::new("svc")
            .cmd(&["node", "dist/index.js"])
            .workdir("/app/service")
            .with(|t| {
                node_base(t)
                    .layer(1)
                    .file(
                        "/app/service/package.json",
                        r#"{"name":"@acme/orders","dependencies":{"@acme/shared":"file:../shared","zod":"^3"},"devDependencies":{"typescript":"^5","vitest":"^1"}}"#,
                    )
                    .file("/app/service/dist/index.js", "x")
                    .file("/app/shared/package.json", r#"{"name":"@acme/shared","main":"dist/index.js","dependencies":{"zod":"^3"}}"#)
                    .file("/app/shared/dist/index.js", "x")
                    .symlink("/app/service/node_modules/@acme/shared", "../../../shared")
                    .file("/app/service/node_modules/zod/package.json", r#"{"name":"zod"}"#)
                    .file("/app/service/node_modules/typescript/package.json", r#"{"name":"typescript"}"#)
                    .file("/app/service/node_modules/vitest/package.json", r#"{"name":"vitest","dependencies":{"tinypool":"1"}}"#)
                    .file("/app/service/node_modules/tinypool/package.json", r#"{"name":"tinypool"}"#)
            })
            .build();
        let facts = Facts::new(&image);
        let launch = analyse(&facts.config, &facts.fs);
        let s = identify(&facts, &launch, "orders", None, None);
        assert_eq!(s.root.as_deref(), Some("/app/service"));
        assert_eq!(s.app_root.as_deref(), Some("/app"));
        assert_eq!(s.roles["/app/shared"], Role::Internal);
        assert_eq!(s.roles["/app/service/node_modules/zod"], Role::ThirdParty);
        assert!(s.runtime.contains("/app/service/node_modules/zod"));
        assert_eq!(
            s.dev_direct.iter().collect::<Vec<_>>(),
            vec![
                "/app/service/node_modules/typescript",
                "/app/service/node_modules/vitest"
            ]
        );
        assert_eq!(
            s.dev_transitive.iter().collect::<Vec<_>>(),
            vec!["/app/service/node_modules/tinypool"]
        );
    }

    #[test]
    fn app_root_outside_app_is_the_first_non_system_folder() {
        let image = ImageBuilder::new("svc")
            .cmd(&["node", "/usr/src/app/services/api/dist/main.js"])
            .with(|t| {
                node_base(t)
                    .file(
                        "/usr/src/app/services/api/package.json",
                        r#"{"name":"api"}"#,
                    )
                    .file("/usr/src/app/services/api/dist/main.js", "x")
            })
            .build();
        let facts = Facts::new(&image);
        let launch = analyse(&facts.config, &facts.fs);
        let s = identify(&facts, &launch, "api", None, None);
        assert_eq!(s.app_root.as_deref(), Some("/usr/src/app"));
        let s = identify(&facts, &launch, "api", None, Some("/srv"));
        assert_eq!(s.app_root.as_deref(), Some("/srv"));
    }

    #[test]
    fn node_modules_names() {
        assert_eq!(node_modules_name("/a/node_modules/x"), Some("x"));
        assert_eq!(node_modules_name("/a/node_modules/@s/x"), Some("@s/x"));
        assert_eq!(node_modules_name("/a/node_modules/x/lib"), None);
        assert_eq!(
            node_modules_name("/a/node_modules/x/node_modules/@s/y"),
            Some("@s/y")
        );
    }
}
