//! Where the service is in the image: what it claims to be (package names, ecosystem, binary
//! name, from the workspace or the image's labels), its package folder or the entry file that
//! stands for it, its binary, and the app root above it. It only locates; it never judges what
//! it finds (the rules do).

use std::collections::BTreeSet;

use super::workspace::WsFacts;
use super::Subject;
use crate::image::EntryKind;
use crate::verify::facts::{Facts, Manifest};
use crate::verify::fs;
use crate::verify::launch::Launch;
use crate::workspace::Ecosystem;

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

/// What the service says it is before the image is searched: its package names, ecosystem,
/// binary name and the other services, from the workspace when known, else from the image's
/// labels.
pub(super) fn claimed(facts: &Facts, name: &str, wsf: Option<&WsFacts>) -> Subject {
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
pub(super) fn locate_package(
    facts: &Facts,
    launch: &Launch,
    subject: &mut Subject,
    wsf: Option<&WsFacts>,
) {
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

/// The package roots below the service's folder between it and the entry file
/// ([`Subject::nested`]): visible manifests outside `node_modules` that are not a module-type
/// marker (the roles treat those) and not another package of the workspace, nor another
/// service's.
pub(super) fn nested_roots(
    facts: &Facts,
    launch: &Launch,
    subject: &Subject,
    wsf: Option<&WsFacts>,
) -> BTreeSet<String> {
    let (Some(root), Some(file)) = (subject.root.as_deref(), launch.file()) else {
        return BTreeSet::new();
    };
    let foreign = |name: &str| {
        !subject.package_names.contains(name)
            && (wsf.is_some_and(|w| w.all_names.contains_key(name))
                || (subject.others.iter()).any(|o| o.package.as_deref() == Some(name)))
    };
    fs::self_and_ancestors(fs::parent(file))
        .take_while(|d| *d != root && fs::is_within(d, root))
        .filter_map(|d| facts.manifests.get(d))
        .filter(|m| !m.in_node_modules && !super::packages::is_marker(m))
        .filter(|m| !m.name.as_deref().is_some_and(foreign))
        .map(|m| m.dir.clone())
        .collect()
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
    // A bundler's own `dist/package.json` may carry the service's name too (graphql-hive's
    // runify): the outermost folder around the entry whose package.json has the service's
    // name is the service's folder, where generate puts it.
    let outermost_exact = || {
        let d = entry_pkg?;
        fs::self_and_ancestors(d)
            .filter(|a| (facts.manifests.get(*a)).is_some_and(|m| !m.in_node_modules && exact(m)))
            .last()
            .map(String::from)
    };
    match wsf {
        Some(w) => outermost_exact()
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
        None => outermost_exact()
            .or_else(|| entry_pkg_if(&|m: &Manifest| !m.in_node_modules))
            .or_else(|| by_name(&fuzzy)),
    }
}

/// The service's binary (Cargo services, or any image whose entrypoint is a program). Found
/// as the entrypoint's program, else by name wherever it is: a shell or a script may be what
/// starts it, and that is the entrypoint rules' finding, not a missing service.
pub(super) fn locate_binary(facts: &Facts, launch: &Launch, subject: &mut Subject) {
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
                fs::basename(e.path) == bin
                    && matches!(e.kind, EntryKind::File | EntryKind::HardLink)
                    && e.mode & 0o111 != 0
                    && !fs::in_node_modules(e.path)
                    && !fs::is_within(e.path, "/usr/share")
                    && !facts.os_owned(*e)
            })
            .map(|e| e.path.to_string());
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
pub(super) fn find_app_root(
    facts: &Facts,
    configured: Option<&str>,
    anchor: Option<&str>,
) -> Option<String> {
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
