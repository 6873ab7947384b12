//! `service-missing`: the image holds the service it claims to be. `other-service`: no other
//! service of the workspace is anywhere in it, found by package name (any `package.json`, in
//! `node_modules` too), by folder (its workspace-relative folder anywhere, or its folder name
//! directly under the app root or under a `services`/`apps`-like folder there, or deeper when
//! the folder holds that service's entry file), and by binary
//! name (an executable file named like another Cargo service's binary). Files the OS package
//! manager installed (dpkg's or apk's database lists them) are never another service.

use super::{Collector, Ctx, Hit};
use crate::image::EntryKind;
use crate::verify::diags::RuleId;
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
        let names = s
            .package_names
            .iter()
            .map(|n| format!("{n:?}"))
            .collect::<Vec<_>>()
            .join(" or ");
        let what = match (&s.ecosystem, &s.bin) {
            (Some(Ecosystem::Cargo), Some(bin)) => format!("no binary named {bin}"),
            _ => format!("no package.json named {names} and no entry file of it"),
        };
        out.config(
            RuleId::ServiceMissing,
            format!("service {} is not in the image: {what}", s.name),
            vec![format!("service: {}", s.name)],
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
    let path = s.entry.path.as_str();
    // A file of the OS's packages (a distribution's program named like a service) is the OS's,
    // whatever its name.
    if ctx.facts.os_owned(s.entry) {
        return None;
    }
    // Another service's package anywhere above the path (its own node_modules included) is a
    // hit. The nearest package that is ours (the service, an internal package) ends that
    // search: package names inside it are its business. Folders inside it are still looked at
    // below, with stronger evidence asked for: a hand-written image often has the service's
    // package at the app root (`WORKDIR /usr/src/app`, `COPY . .`), so another service copied
    // in lands inside it.
    let mut ours: Option<&str> = None;
    for a in fs::self_and_ancestors(path) {
        match subject.role_of_dir(a) {
            Some(Role::Service | Role::Internal) => {
                ours = Some(a);
                break;
            }
            Some(Role::OtherService(name)) => {
                return Some(Hit::new(
                    RuleId::OtherService,
                    format!("service {name} is in the image (its package)"),
                    a,
                ))
            }
            _ => {}
        }
    }
    if let Some(bin) = subject.binary.as_deref() {
        if path == bin {
            return None;
        }
    }
    let own_anchors: Vec<&str> = subject
        .root
        .iter()
        .map(String::as_str)
        .chain(subject.internal_roots())
        .collect();
    let is_own_ancestor = |d: &str| own_anchors.iter().any(|a| fs::is_within(a, d));
    // Inside our own package a folder may be named like another service, or even end in its
    // workspace folder (`dist/services/payments/` holding a client of it): it counts only when
    // it holds that service's entry file or a package.json.
    let evidence = |a: &str, o: &OtherService| {
        ours.is_none_or(|own| !fs::is_within(a, own)) || {
            let fs = &ctx.facts.fs;
            fs.exists(&fs::join(a, "package.json"))
                || o.entry
                    .as_deref()
                    .is_some_and(|e| fs.exists(&fs::join(a, e)))
        }
    };
    // Deeper down (inside the service's own folder, `/prod/billing/catalog/dist/main.js`), a
    // folder named like another service counts when it holds that service's entry file: its
    // build output copied in under its own name.
    let holds_entry = |a: &str, o: &OtherService| {
        o.entry
            .as_deref()
            .is_some_and(|e| ctx.facts.fs.exists(&fs::join(a, e)))
    };
    // Folder names count outside third-party packages: up to the first node_modules.
    let base = path.find("/node_modules/").map_or(path, |i| &path[..i]);
    {
        let path = base;
        // Its workspace-relative folder, anywhere.
        for (i, suffix) in &subject.other_suffixes {
            let o = &subject.others[*i];
            if let Some(a) = fs::self_and_ancestors(path)
                .find(|a| a.ends_with(suffix.as_str()) && !is_own_ancestor(a) && evidence(a, o))
            {
                return Some(Hit::new(
                    RuleId::OtherService,
                    format!(
                        "service {} is in the image (its folder {})",
                        o.name,
                        &suffix[1..]
                    ),
                    a,
                ));
            }
        }
        // Its folder name under the app root.
        if let Some(root) = subject.app_root.as_deref() {
            for o in &subject.others {
                let Some(dir) = o.dir.as_deref() else {
                    continue;
                };
                let folder = fs::basename(dir);
                let hit = fs::self_and_ancestors(path).find(|a| {
                    fs::basename(a) == folder
                        && fs::is_within(a, root)
                        && *a != root
                        && !is_own_ancestor(a)
                        && ({
                            let p = fs::parent(a);
                            (p == root || SERVICE_PARENTS.contains(&fs::basename(p)))
                                && evidence(a, o)
                        } || holds_entry(a, o))
                });
                if let Some(a) = hit {
                    return Some(Hit::new(
                        RuleId::OtherService,
                        format!(
                            "service {} is in the image (a folder named {folder})",
                            o.name
                        ),
                        a,
                    ));
                }
            }
        }
    }
    // Another service's binary.
    if matches!(
        s.entry.kind,
        EntryKind::File | EntryKind::HardLink | EntryKind::Symlink
    ) && (s.entry.mode & 0o111 != 0 || s.entry.kind == EntryKind::Symlink)
        && !fs::in_node_modules(path)
        && !fs::is_within(path, "/usr/share")
    {
        let base = fs::basename(path);
        if let Some(o) = subject
            .others
            .iter()
            .find(|o| o.bin.as_deref() == Some(base))
        {
            return Some(Hit::new(
                RuleId::OtherService,
                format!("service {} is in the image (its binary)", o.name),
                path,
            ));
        }
    }
    None
}
