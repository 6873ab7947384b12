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

use std::collections::{BTreeMap, BTreeSet, HashSet, VecDeque};

use super::diags::skip;
use super::facts::{Facts, Manifest};
use super::fs;
use super::launch::Launch;
use crate::image::EntryKind;
use crate::workspace::{Ecosystem, Service, Workspace};

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
}

impl Subject {
    pub fn role_of_dir(&self, dir: &str) -> Option<&Role> {
        self.roles.get(dir)
    }

    /// The nearest package folder at or above `path`, with its role.
    pub fn owner(&self, path: &str) -> Option<(&str, &Role)> {
        fs::self_and_ancestors(path)
            .find_map(|a| self.roles.get_key_value(a))
            .map(|(k, v)| (k.as_str(), v))
    }

    pub fn internal_roots(&self) -> impl Iterator<Item = &str> {
        self.internal.iter().map(String::as_str)
    }
}

/// What the workspace says about the service, when one is known.
struct WsFacts {
    package_name: String,
    runtime_names: BTreeSet<String>,
    /// Those of `runtime_names` that have no build script (`[generate.node] build_script`).
    unbuilt_names: BTreeSet<String>,
    all_names: BTreeMap<String, String>,
    dev_names: BTreeSet<String>,
    runtime_dep_names: BTreeSet<String>,
    others: Vec<OtherService>,
    ecosystem: Ecosystem,
    bin: Option<String>,
}

fn ws_facts(ws: &Workspace, service: &Service, build_script: &str) -> WsFacts {
    let own = ws.service_package(service);
    let closure: BTreeSet<usize> = service.runtime_closure.iter().copied().collect();
    let mut dev_names = BTreeSet::new();
    let mut runtime_dep_names = BTreeSet::new();
    for p in &ws.packages {
        dev_names.extend(p.dev_deps.iter().cloned());
        runtime_dep_names.extend(p.external_deps.iter().cloned());
        for d in &p.internal_deps {
            let name = ws.package(d.package).name.clone();
            if d.kind.is_runtime() {
                runtime_dep_names.insert(name);
            } else {
                dev_names.insert(name);
            }
        }
    }
    let others = ws
        .services
        .iter()
        .filter(|s| s.name != service.name && !closure.contains(&s.package))
        .map(|s| {
            let p = ws.service_package(s);
            let same = s.package == service.package;
            OtherService {
                name: s.name.clone(),
                package: (!same).then(|| p.name.clone()),
                dir: (!same && !p.dir.is_empty()).then(|| p.dir.clone()),
                bin: (p.ecosystem == Ecosystem::Cargo).then(|| s.entry.clone()),
                entry: (p.ecosystem == Ecosystem::Pnpm && !s.entry.is_empty())
                    .then(|| s.entry.clone()),
            }
        })
        .collect();
    WsFacts {
        package_name: own.name.clone(),
        runtime_names: service
            .runtime_closure
            .iter()
            .map(|&i| ws.package(i).name.clone())
            .collect(),
        unbuilt_names: service
            .runtime_closure
            .iter()
            .map(|&i| ws.package(i))
            .filter(|p| {
                p.node
                    .as_ref()
                    .is_some_and(|n| !n.scripts.contains_key(build_script))
            })
            .map(|p| p.name.clone())
            .collect(),
        all_names: ws
            .packages
            .iter()
            .map(|p| (p.name.clone(), p.dir.clone()))
            .collect(),
        dev_names,
        runtime_dep_names,
        others,
        ecosystem: own.ecosystem,
        bin: (own.ecosystem == Ecosystem::Cargo).then(|| service.entry.clone()),
    }
}

/// Directories under which a service is not "installed" but part of the system; the app root
/// is the first folder below them.
const SYSTEM_DIRS: &[&str] = &[
    "/",
    "/usr",
    "/usr/src",
    "/usr/local",
    "/usr/local/src",
    "/usr/local/lib",
    "/usr/lib",
    "/usr/share",
    "/usr/local/share",
    "/usr/bin",
    "/usr/local/bin",
    "/usr/sbin",
    "/usr/local/sbin",
    "/bin",
    "/sbin",
    "/lib",
    "/lib64",
    "/opt",
    "/srv",
    "/home",
    "/var",
    "/var/lib",
    "/var/www",
    "/var/opt",
    "/root",
    "/etc",
    "/tmp",
    "/mnt",
];

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
    subject
}

/// What the service says it is before the image is searched: its package names, ecosystem,
/// binary name and the other services, from the workspace when known, else from the image's
/// labels.
fn claimed(facts: &Facts, name: &str, wsf: Option<&WsFacts>) -> Subject {
    let label = |k: &str| facts.config.labels.get(k).cloned();
    let mut subject = Subject {
        name: name.to_string(),
        ..Default::default()
    };
    match wsf {
        Some(w) => {
            subject.package_names.insert(w.package_name.clone());
            subject.ecosystem = Some(w.ecosystem);
            subject.bin = w.bin.clone();
            subject.others = w.others.clone();
        }
        None => {
            subject.package_names.insert(name.to_string());
            if let Some(p) = label("dev.isogen.package") {
                subject.package_names.insert(p);
            }
            subject.ecosystem = match label("dev.isogen.ecosystem").as_deref() {
                Some("pnpm") => Some(Ecosystem::Pnpm),
                Some("cargo") => Some(Ecosystem::Cargo),
                _ => None,
            };
            if subject.ecosystem == Some(Ecosystem::Cargo) {
                subject.bin = Some(name.to_string());
            }
        }
    }
    subject
}

/// The service's package folder (`root`), or the entry file that stands for it (`entry`).
fn locate_package(facts: &Facts, launch: &Launch, subject: &mut Subject, wsf: Option<&WsFacts>) {
    // The package the entry file belongs to.
    let entry_file = match launch {
        Launch::Node { resolved, .. } => resolved.clone(),
        Launch::Binary { resolved, .. } => resolved.clone(),
        _ => None,
    };
    let entry_pkg = entry_file.as_deref().and_then(|f| {
        fs::self_and_ancestors(fs::parent(f))
            .find(|d| facts.manifests.contains_key(*d))
            .map(String::from)
    });
    subject.root = package_root(facts, subject, entry_pkg.as_deref(), wsf);
    // No package.json of the service (a bundle, or dist + node_modules copied without it): the
    // file node runs is the service when no package holds it. Its folder, or the one above a
    // build-output folder, stands for the package.
    if subject.root.is_none() && entry_pkg.is_none() {
        if let Launch::Node {
            resolved: Some(f), ..
        } = launch
        {
            if !fs::in_node_modules(f) {
                subject.entry = Some(f.clone());
                let dir = fs::parent(f);
                let dir = match fs::basename(dir) {
                    "dist" | "build" | "out" | "lib" => fs::parent(dir),
                    _ => dir,
                };
                if !SYSTEM_DIRS.contains(&dir) {
                    subject.root = Some(dir.to_string());
                }
            }
        }
    }
    if (subject.root.is_some() || subject.entry.is_some()) && subject.ecosystem.is_none() {
        subject.ecosystem = Some(Ecosystem::Pnpm);
    }
}

/// The folder of the service's package.json: the package the entrypoint's file belongs to
/// (`entry_pkg`) when it is the service's, else one named like it.
fn package_root(
    facts: &Facts,
    subject: &Subject,
    entry_pkg: Option<&str>,
    wsf: Option<&WsFacts>,
) -> Option<String> {
    let name = subject.name.as_str();
    let exact = |m: &Manifest| {
        m.name
            .as_ref()
            .is_some_and(|n| subject.package_names.contains(n))
    };
    let fuzzy = |m: &Manifest| {
        exact(m)
            || m.name
                .as_deref()
                .and_then(|n| n.rsplit('/').next())
                .is_some_and(|n| n == name)
            || (!m.in_node_modules && fs::basename(&m.dir) == name)
    };
    let by_name = |pred: &dyn Fn(&Manifest) -> bool| {
        facts
            .manifests
            .values()
            .filter(|m| pred(m))
            .min_by_key(|m| (m.in_node_modules, m.dir.len()))
            .map(|m| m.dir.clone())
    };
    let entry_pkg_if = |pred: &dyn Fn(&Manifest) -> bool| {
        entry_pkg
            .filter(|d| facts.manifests.get(*d).is_some_and(pred))
            .map(String::from)
    };
    match wsf {
        Some(w) => entry_pkg_if(&exact)
            .or_else(|| by_name(&exact))
            // A build tool's own package.json next to its output (Nx, bundlers) is named as
            // the tool likes: the package the entrypoint runs is the service unless it is
            // another package of the workspace.
            .or_else(|| {
                entry_pkg_if(&|m: &Manifest| {
                    !m.in_node_modules
                        && !m.name.as_ref().is_some_and(|n| w.all_names.contains_key(n))
                })
            }),
        None => entry_pkg_if(&|m: &Manifest| !m.in_node_modules).or_else(|| by_name(&fuzzy)),
    }
}

/// The service's binary (Cargo services, or any image whose entrypoint is a program). Found
/// as the entrypoint's program, else by name wherever it is: a shell or a script may be what
/// starts it, and that is the entrypoint rules' finding, not a missing service.
fn locate_binary(facts: &Facts, launch: &Launch, subject: &mut Subject) {
    let matches_bin = |p: &str| subject.bin.as_deref().is_none_or(|b| fs::basename(p) == b);
    if let Launch::Binary { resolved, .. } = launch {
        subject.binary = resolved.clone().filter(|r| matches_bin(r));
    }
    let by_name = subject.bin.clone().or_else(|| {
        // Nothing says what the service is: an executable named like it is its binary, when
        // no package of it was found.
        (subject.root.is_none() && subject.ecosystem.is_none()).then(|| subject.name.clone())
    });
    if let (None, Some(bin)) = (&subject.binary, by_name) {
        subject.binary = facts
            .image
            .tree
            .entries
            .values()
            .find(|e| {
                fs::basename(&e.path) == bin
                    && matches!(e.kind, EntryKind::File | EntryKind::HardLink)
                    && e.mode & 0o111 != 0
                    && !fs::in_node_modules(&e.path)
                    && !fs::is_within(&e.path, "/usr/share")
                    && !facts.os_owned(e)
            })
            .map(|e| e.path.clone());
    }
    // A Cargo binary copied under another name (`COPY ... /app/server`): the program the
    // entrypoint runs, unless it is another service's binary or a package's file.
    if let (
        None,
        Some(_),
        Launch::Binary {
            resolved: Some(r), ..
        },
    ) = (&subject.binary, &subject.bin, launch)
    {
        let base = fs::basename(r);
        let others = subject
            .others
            .iter()
            .any(|o| o.bin.as_deref() == Some(base));
        if !others && !fs::in_node_modules(r) && subject.root.is_none() {
            subject.binary = Some(r.clone());
        }
    }
    if subject.ecosystem.is_none() && subject.root.is_none() && subject.binary.is_some() {
        subject.ecosystem = Some(Ecosystem::Cargo);
    }
}

/// The app root: the policy's (`configured`), else `/app` when the service (`anchor`: its
/// package folder or its binary's folder) is under it, else the first folder above the
/// service that is neither a system directory nor a home.
fn find_app_root(facts: &Facts, configured: Option<&str>, anchor: Option<&str>) -> Option<String> {
    match (configured, anchor) {
        (Some(r), _) => Some(r.to_string()),
        (None, Some(a)) if fs::is_within(a, "/app") => Some("/app".into()),
        (None, Some(a)) => {
            let homes = facts.homes();
            let mut chain: Vec<&str> = fs::self_and_ancestors(a).collect();
            chain.reverse();
            chain
                .into_iter()
                .find(|d| !SYSTEM_DIRS.contains(d) && !homes.iter().any(|h| h == d))
                .map(String::from)
        }
        (None, None) => None,
    }
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

/// Resolves `name` (with `spec`) as required from the package folder `from`.
pub(crate) fn resolve_dep(facts: &Facts, from: &str, name: &str, spec: &str) -> Option<String> {
    for proto in ["file:", "link:"] {
        if let Some(rel) = spec.strip_prefix(proto) {
            // The folder the spec names, when the image kept the workspace's relative layout;
            // else wherever npm installed it (node_modules, below).
            if let Some(dir) = facts.fs.resolve(&fs::join(from, rel)) {
                if facts.manifests.contains_key(&dir) {
                    return Some(dir);
                }
            }
        }
    }
    find_installed(facts, from, name).map(|(_, real)| real)
}

/// Where Node finds package `name` from folder `from`: the `node_modules` folder it is in and
/// the package's real folder (symlinks followed), when that folder holds a manifest.
pub(crate) fn find_installed(facts: &Facts, from: &str, name: &str) -> Option<(String, String)> {
    for anc in fs::self_and_ancestors(from) {
        if fs::basename(anc) == "node_modules" {
            continue;
        }
        let modules = fs::join(anc, "node_modules");
        let cand = fs::join(&modules, name);
        if let Some(real) = facts.fs.resolve(&cand) {
            if facts.manifests.contains_key(&real) {
                return Some((modules, real));
            }
        }
    }
    None
}

/// The package name a `node_modules` folder installs (`.../node_modules/@a/b` -> `@a/b`).
pub fn node_modules_name(dir: &str) -> Option<&str> {
    let i = dir.rfind("/node_modules/")?;
    let rest = &dir[i + "/node_modules/".len()..];
    let mut parts = rest.splitn(3, '/');
    let first = parts.next()?;
    if first.starts_with('@') {
        let second = parts.next()?;
        parts
            .next()
            .is_none()
            .then_some(&rest[..first.len() + 1 + second.len()])
    } else {
        parts.next().is_none().then_some(rest)
    }
}

fn walk(
    facts: &Facts,
    starts: impl IntoIterator<Item = String>,
    seen: &mut HashSet<String>,
    mut on_edge: impl FnMut(&Manifest, &str, &str, &str),
) {
    let mut queue: VecDeque<String> = starts.into_iter().collect();
    while let Some(dir) = queue.pop_front() {
        if !seen.insert(dir.clone()) {
            continue;
        }
        let Some(m) = facts.manifests.get(&dir) else {
            continue;
        };
        for (dep, spec) in m.runtime_deps() {
            if let Some(target) = resolve_dep(facts, &dir, dep, spec) {
                on_edge(m, dep, spec, &target);
                if !seen.contains(&target) {
                    queue.push_back(target);
                }
            }
        }
    }
}

/// The roles of every package in the image, what the service needs at run time, and what only
/// dev dependencies need.
fn classify_packages(facts: &Facts, s: &mut Subject, wsf: Option<&WsFacts>) {
    let (runtime, internal) = runtime_closure(facts, s, wsf);
    s.roles = roles(facts, s, wsf, &internal);
    let (direct, transitive) = dev_only(facts, s, wsf, &runtime);
    s.dev_direct = direct;
    s.dev_transitive = transitive;
    s.runtime = runtime;
}

/// The service's run-time closure inside the image (package folders, resolved), and which of
/// them are internal packages: reached through a local spec, named as the workspace's, or
/// living outside `node_modules`.
fn runtime_closure(
    facts: &Facts,
    s: &Subject,
    wsf: Option<&WsFacts>,
) -> (HashSet<String>, BTreeSet<String>) {
    let mut internal: BTreeSet<String> = BTreeSet::new();
    let mut runtime = HashSet::new();
    if let Some(root) = &s.root {
        let ws_runtime = wsf.map(|w| &w.runtime_names);
        walk(
            facts,
            [root.clone()],
            &mut runtime,
            |_, dep, spec, target| {
                let m = &facts.manifests[target];
                let local = ["file:", "link:", "workspace:"]
                    .iter()
                    .any(|p| spec.starts_with(p));
                let named = ws_runtime.is_some_and(|n| n.contains(dep))
                    || m.name
                        .as_ref()
                        .is_some_and(|n| ws_runtime.is_some_and(|r| r.contains(n)));
                if local || named || !m.in_node_modules {
                    internal.insert(target.to_string());
                }
            },
        );
    }
    (runtime, internal)
}

/// The role of every manifest folder, visible and hidden (`internal`: the internal packages
/// of the run-time closure).
fn roles(
    facts: &Facts,
    s: &Subject,
    wsf: Option<&WsFacts>,
    internal: &BTreeSet<String>,
) -> BTreeMap<String, Role> {
    let other_by_pkg: BTreeMap<&str, &str> = s
        .others
        .iter()
        .filter_map(|o| o.package.as_deref().map(|p| (p, o.name.as_str())))
        .collect();
    // Another copy of a package the service needs (a hand-written image may copy an internal
    // package under its folder name and also install it into node_modules).
    let internal_names: BTreeSet<String> = internal
        .iter()
        .filter_map(|d| facts.manifests.get(d).and_then(|m| m.name.clone()))
        .collect();
    let service_names = &s.package_names;
    let role_for = |m: &Manifest| -> Role {
        let name = m.name.as_deref().unwrap_or("");
        if Some(&m.dir) == s.root.as_ref() {
            return Role::Service;
        }
        if internal.contains(&m.dir) || (!m.in_node_modules && internal_names.contains(name)) {
            return Role::Internal;
        }
        if let Some(o) = other_by_pkg.get(name) {
            return Role::OtherService(o.to_string());
        }
        if m.hidden.is_some() && service_names.contains(name) && !m.in_node_modules {
            return Role::Service;
        }
        if let Some(w) = wsf {
            if w.runtime_names.contains(name) {
                return Role::Internal;
            }
            if w.all_names.contains_key(name) && !service_names.contains(name) {
                return Role::WorkspacePackage(name.to_string());
            }
        }
        if m.in_node_modules {
            Role::ThirdParty
        } else {
            Role::Unknown
        }
    };
    let mut roles = BTreeMap::new();
    for m in facts.manifests.values() {
        roles.insert(m.dir.clone(), role_for(m));
    }
    for m in &facts.hidden_manifests {
        roles.entry(m.dir.clone()).or_insert_with(|| role_for(m));
    }
    roles
}

/// Dev dependencies: names the manifests list only as devDependencies, installed in the
/// app's node_modules, and not needed at run time (`runtime`); plus what only they need.
/// Returns (direct, transitive) package folders.
fn dev_only(
    facts: &Facts,
    s: &Subject,
    wsf: Option<&WsFacts>,
    runtime: &HashSet<String>,
) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut dev_names: BTreeSet<String> = BTreeSet::new();
    let mut runtime_names: BTreeSet<String> = BTreeSet::new();
    if let Some(w) = wsf {
        dev_names.extend(w.dev_names.iter().cloned());
        runtime_names.extend(w.runtime_dep_names.iter().cloned());
    }
    for (dir, role) in &s.roles {
        if matches!(role, Role::Service | Role::Internal) {
            if let Some(m) = facts.manifests.get(dir) {
                dev_names.extend(m.dev.iter().map(|(n, _)| n.clone()));
                runtime_names.extend(m.runtime_deps().map(|(n, _)| n.clone()));
            }
        }
    }
    let in_app = |dir: &str| match (&s.app_root, &s.root) {
        (Some(a), _) => fs::is_within(dir, a),
        (None, Some(r)) => fs::self_and_ancestors(r)
            .any(|anc| anc != "/" && fs::is_within(dir, &fs::join(anc, "node_modules"))),
        _ => false,
    };
    let direct: BTreeSet<String> = facts
        .manifests
        .values()
        .filter(|m| m.in_node_modules && in_app(&m.dir) && !runtime.contains(&m.dir))
        .filter(|m| {
            node_modules_name(&m.dir)
                .is_some_and(|n| dev_names.contains(n) && !runtime_names.contains(n))
        })
        .map(|m| m.dir.clone())
        .collect();
    let mut dev_seen = HashSet::new();
    walk(
        facts,
        direct.iter().cloned(),
        &mut dev_seen,
        |_, _, _, _| {},
    );
    let transitive = dev_seen
        .into_iter()
        .filter(|d| !direct.contains(d) && !runtime.contains(d) && in_app(d))
        .collect();
    (direct, transitive)
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
