//! `service-missing`: the image holds the service it claims to be. `other-service`: no other
//! service of the workspace is anywhere in it, found by package name (any `package.json`, in
//! `node_modules` too), by folder (its workspace-relative folder anywhere, or its folder name
//! directly under the app root or under a `services`/`apps`-like folder there, or deeper when
//! the folder holds that service's entry file), and by binary
//! name (an executable file named like another Cargo service's binary). Files the OS package
//! manager installed (dpkg's or apk's database lists them) are never another service.
//!
//! Like every rule, it looks only at the [`super::Ctx`] (no I/O) and never writes a message
//! text of its own: its messages are constructors in [`crate::verify::diags`].

use super::{Collector, Ctx, Hit};
use crate::image::EntryKind;
use crate::verify::diags::Diag;
use crate::verify::facts::Shipped;
use crate::verify::fs;
use crate::verify::subject::{OtherService, Role};
use crate::workspace::Ecosystem;

pub fn check_presence(ctx: &Ctx, out: &mut Collector) {
    let s = ctx.subject;
    let found = match s.ecosystem {
        Some(Ecosystem::Cargo) => s.binary.is_some(),
        _ => s.root.is_some() || s.binary.is_some() || s.entry.is_some(),
    };
    if !found {
        let diag = match (&s.ecosystem, &s.bin) {
            (Some(Ecosystem::Cargo), Some(bin)) => Diag::service_binary_missing(&s.name, bin),
            _ => Diag::service_package_missing(&s.name, &s.package_names),
        };
        out.config(diag, vec![format!("service: {}", s.name)]);
    }
    check_labels(ctx, out);
}

/// The image's own labels must name the service it is checked as: an image labelled as
/// another service (`dev.isogen.service=payments` checked with `--service billing`) is another
/// service's image, whatever its files say.
fn check_labels(ctx: &Ctx, out: &mut Collector) {
    let s = ctx.subject;
    for key in [crate::verify::SERVICE_LABEL, "dev.isogen.package"] {
        let Some(value) = ctx.facts.config.labels.get(key).map(|v| v.trim()) else {
            continue;
        };
        if value.is_empty()
            || value == s.name
            || s.package_names.contains(value)
            || s.bin.as_deref() == Some(value)
        {
            continue;
        }
        let other = s
            .others
            .iter()
            .find(|o| o.name == value || o.package.as_deref() == Some(value))
            .map(|o| o.name.as_str());
        out.config(
            Diag::other_service_label(key, value, other, &s.name),
            vec![format!("{key}: {value}")],
        );
    }
}

/// Folders that hold services side by side in a workspace (and so in a copied layout).
const SERVICE_PARENTS: &[&str] = &["services", "apps", "packages", "workers", "functions"];

pub fn classify(ctx: &Ctx, s: Shipped) -> Option<Hit> {
    let subject = ctx.subject;
    if subject.others.is_empty() {
        return None;
    }
    let path = s.entry.path;
    // A file of the OS's packages (a distribution's program named like a service) is the OS's,
    // whatever its name.
    if ctx.facts.os_owned(s.entry) {
        return None;
    }
    let ours = match package_above(ctx, path) {
        Above::OtherService(hit) => return Some(hit),
        Above::Ours(dir) => dir,
    };
    if subject.binary.as_deref() == Some(path) {
        return None;
    }
    let folders = Folders::new(ctx, ours);
    // Folder names count outside third-party packages: up to the first node_modules.
    let base = path.find("/node_modules/").map_or(path, |i| &path[..i]);
    folders
        .workspace_folder(base)
        .or_else(|| folders.folder_name(base))
        .or_else(|| binary(ctx, s))
}

/// What the packages above a path say.
enum Above<'p> {
    /// The path is in another service's package.
    OtherService(Hit),
    /// The nearest package above it that is ours (the service, an internal package), if any.
    Ours(Option<&'p str>),
}

/// Another service's package anywhere above the path (its own node_modules included) is a
/// hit. The nearest package that is ours ends that search: package names inside it are its
/// business. Folders inside it are still looked at, with stronger evidence asked for: a
/// hand-written image often has the service's package at the app root (`WORKDIR
/// /usr/src/app`, `COPY . .`), so another service copied in lands inside it.
fn package_above<'p>(ctx: &Ctx, path: &'p str) -> Above<'p> {
    for a in fs::self_and_ancestors(path) {
        match ctx.subject.role_of_dir(a) {
            Some(Role::Service | Role::Internal) => return Above::Ours(Some(a)),
            Some(Role::OtherService(name)) => {
                return Above::OtherService(Hit::new(Diag::other_service_package(name), a))
            }
            _ => {}
        }
    }
    Above::Ours(None)
}

/// Another service found by its folders, with what counts as evidence around our own.
struct Folders<'c, 'a, 'f> {
    ctx: &'c Ctx<'a, 'f>,
    /// The nearest package of ours above the path.
    ours: Option<&'c str>,
    /// The service's and its internal packages' folders.
    own_anchors: Vec<&'c str>,
}

impl<'c, 'a, 'f> Folders<'c, 'a, 'f> {
    fn new(ctx: &'c Ctx<'a, 'f>, ours: Option<&'c str>) -> Self {
        let subject = ctx.subject;
        let own_anchors = subject
            .root
            .iter()
            .map(String::as_str)
            .chain(subject.internal_roots())
            .collect();
        Folders {
            ctx,
            ours,
            own_anchors,
        }
    }

    fn is_own_ancestor(&self, d: &str) -> bool {
        self.own_anchors.iter().any(|a| fs::is_within(a, d))
    }

    /// Inside our own package a folder may be named like another service, or even end in its
    /// workspace folder (`dist/services/payments/` holding a client of it): it counts only
    /// when it holds that service's entry file or a package.json.
    fn evidence(&self, a: &str, o: &OtherService) -> bool {
        self.ours.is_none_or(|own| !fs::is_within(a, own)) || {
            let fs = &self.ctx.facts.fs;
            fs.exists(&fs::join(a, "package.json"))
                || o.entry
                    .as_deref()
                    .is_some_and(|e| fs.exists(&fs::join(a, e)))
        }
    }

    /// Deeper down (inside the service's own folder, `/prod/billing/catalog/dist/main.js`), a
    /// folder named like another service counts when it holds that service's entry file: its
    /// build output copied in under its own name.
    fn holds_entry(&self, a: &str, o: &OtherService) -> bool {
        o.entry
            .as_deref()
            .is_some_and(|e| self.ctx.facts.fs.exists(&fs::join(a, e)))
    }

    /// Another service's workspace-relative folder, anywhere.
    fn workspace_folder(&self, path: &str) -> Option<Hit> {
        let subject = self.ctx.subject;
        for (i, suffix) in &subject.other_suffixes {
            let o = &subject.others[*i];
            if let Some(a) = fs::self_and_ancestors(path).find(|a| {
                a.ends_with(suffix.as_str()) && !self.is_own_ancestor(a) && self.evidence(a, o)
            }) {
                return Some(Hit::new(
                    Diag::other_service_folder(&o.name, &suffix[1..]),
                    a,
                ));
            }
        }
        None
    }

    /// Another service's folder name under the app root: directly under it or under a
    /// `services`-like folder there, or deeper when it holds that service's entry file.
    fn folder_name(&self, path: &str) -> Option<Hit> {
        let subject = self.ctx.subject;
        let root = subject.app_root.as_deref()?;
        for o in &subject.others {
            let Some(dir) = o.dir.as_deref() else {
                continue;
            };
            let folder = fs::basename(dir);
            let hit = fs::self_and_ancestors(path).find(|a| {
                fs::basename(a) == folder
                    && fs::is_within(a, root)
                    && *a != root
                    && !self.is_own_ancestor(a)
                    && ({
                        let p = fs::parent(a);
                        (p == root || SERVICE_PARENTS.contains(&fs::basename(p)))
                            && self.evidence(a, o)
                    } || self.holds_entry(a, o))
            });
            if let Some(a) = hit {
                return Some(Hit::new(
                    Diag::other_service_folder_name(&o.name, folder),
                    a,
                ));
            }
        }
        None
    }
}

/// Another service's binary: an executable (or a symlink) named like it, outside
/// `node_modules` and `/usr/share`.
fn binary(ctx: &Ctx, s: Shipped) -> Option<Hit> {
    let path = s.entry.path;
    let candidate = matches!(
        s.entry.kind,
        EntryKind::File | EntryKind::HardLink | EntryKind::Symlink
    ) && (s.entry.mode & 0o111 != 0 || s.entry.kind == EntryKind::Symlink)
        && !fs::in_node_modules(path)
        && !fs::is_within(path, "/usr/share");
    if !candidate {
        return None;
    }
    let base = fs::basename(path);
    ctx.subject
        .others
        .iter()
        .find(|o| o.bin.as_deref() == Some(base))
        .map(|o| Hit::new(Diag::other_service_binary(&o.name), path))
}
