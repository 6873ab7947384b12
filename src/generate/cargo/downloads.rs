//! Build scripts that download while the image builds: meilisearch's `build.rs` fetches its
//! mini-dashboard from GitHub with `reqwest` when its default feature `mini-dashboard` is on.
//! A builder without network access (an offline CI runner, a sandbox, a locked-down BuildKit)
//! stops there, and a builder with it ships whatever the URL serves that day. `generate` warns
//! for each such build script of a crate the service builds whose download the build's
//! features reach, naming the file, line and feature, and the isogen.toml line that builds
//! without it (`no_default_features = true` with the package's other default features).
//!
//! It reads what discovery found (`CargoPackage::build_downloads`); it never changes a
//! Dockerfile.

use crate::workspace::cargo::CargoPackage;
use crate::workspace::{Service, Workspace};

use super::lock_walk::Build;

/// One warning per download of a build script of the crates `service` builds that `build`
/// (its features) enables.
pub(super) fn warnings(ws: &Workspace, service: &Service, build: &Build<'_>) -> Vec<String> {
    let mut out = Vec::new();
    let crates = std::iter::once(&service.package).chain(&service.build_closure);
    for &i in crates {
        let Some(package) = ws.packages.get(i) else {
            continue;
        };
        let Some(c) = package.cargo.as_ref() else {
            continue;
        };
        let own = i == service.package;
        for d in &c.build_downloads {
            let place = format!(
                "the build script of crate `{}` downloads at build time (`{}`, {}:{})",
                package.name, d.program, d.file, d.line
            );
            let (when, fix) = match &d.feature {
                None => (String::new(), String::new()),
                Some(f) if own => {
                    let enabled = enabled(c, build.features, !build.no_default_features);
                    if !enabled.contains(f) {
                        continue;
                    }
                    (
                        format!(" when feature `{f}` is on, as it is in this build"),
                        own_fix(c, build, f, &service.name),
                    )
                }
                Some(f) => {
                    if !c.default_features.contains(f) {
                        continue;
                    }
                    (
                        format!(
                            " when feature `{f}` is on, a default feature of `{}`",
                            package.name
                        ),
                        format!(
                            " To build without it, depend on `{}` with `default-features = \
                             false` (and the features you need) where the service's crates do.",
                            package.name
                        ),
                    )
                }
            };
            out.push(format!(
                "service `{}`: {place}{when}: the image build needs network access to what it \
                 fetches, and stops there on a builder without it (an offline CI runner, a \
                 sandbox).{fix}",
                service.name
            ));
        }
    }
    out
}

/// The features of package `c` a build enables: the `features` given and, with `defaults`,
/// `default`, with what each enables of the package's own (transitively).
fn enabled(c: &CargoPackage, features: &[String], defaults: bool) -> Vec<String> {
    let mut queue: Vec<String> = features.to_vec();
    if defaults {
        queue.push("default".into());
    }
    closure(c, queue)
}

/// `start` and the package's own features they enable, transitively.
fn closure(c: &CargoPackage, mut queue: Vec<String>) -> Vec<String> {
    let mut on: Vec<String> = Vec::new();
    while let Some(f) = queue.pop() {
        if on.contains(&f) {
            continue;
        }
        for item in c.dependency_features.get(&f).into_iter().flatten() {
            if !item.contains('/') && !item.starts_with("dep:") {
                queue.push(item.clone());
            }
        }
        on.push(f);
    }
    on
}

/// The isogen.toml line that builds the service's own package without feature `f`: when a
/// feature isogen.toml gives enables it, dropping that one; otherwise (a default feature)
/// `no_default_features = true` with the other default features that do not enable it.
fn own_fix(c: &CargoPackage, build: &Build<'_>, f: &str, service: &str) -> String {
    let given: Vec<&String> = (build.features.iter())
        .filter(|g| closure(c, vec![(*g).clone()]).iter().any(|x| x == f))
        .collect();
    if !given.is_empty() {
        let names: Vec<String> = given.iter().map(|g| format!("`{g}`")).collect();
        return format!(
            " To build without it, leave {} out of `features` in [generate.services.{service}] \
             of isogen.toml.",
            names.join(", ")
        );
    }
    let mut keep: Vec<String> = (c.dependency_features.get("default").into_iter().flatten())
        .filter(|d| !closure(c, vec![(*d).clone()]).iter().any(|x| x == f))
        .cloned()
        .collect();
    for g in build.features {
        if !keep.contains(g) {
            keep.push(g.clone());
        }
    }
    let list: Vec<String> = keep.iter().map(|k| format!("{k:?}")).collect();
    format!(
        " To build without it, set no_default_features = true and features = [{}] (its other \
         default features) in [generate.services.{service}] of isogen.toml.",
        list.join(", ")
    )
}
