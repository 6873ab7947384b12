//! The crates of `Cargo.lock` a service's build reaches: from its package's entry, through
//! every entry's `dependencies` (every version of a name: never fewer than cargo builds),
//! except the development-only edges of workspace crates (cargo writes dev-dependencies into
//! the lockfile, but `cargo build` compiles none of them) and their optional registry
//! crates that their default features leave off (Cargo.lock lists every feature's). Shared by the warnings that read
//! the lockfile (`system_libs`, `builder_tools`).
//!
//! Cargo.lock lists a registry crate's dependencies whatever features turn them on, so a few
//! crates that only a feature builds are left out by name ([`gated_off`]): `aws-lc-fips-sys`
//! (every aws-lc-rs entry lists it; only a `fips` feature builds it), and diesel's `pq-sys` and
//! `mysqlclient-sys` when a workspace crate asks for the backend (`diesel/postgres`) only in
//! a feature the service's build leaves off (vaultwarden's `postgresql`), and `tss-esapi-sys`
//! (bindgen: libclang) when one asks for `tpm` only so (kanidm's `kanidm_lib_crypto`:
//! `tpm = ["kanidm-hsm-crypto/tpm"]`, which `kanidmd` does not enable).
//!
//! It reads `Cargo.lock` only; a lockfile it cannot read or parse gives no entries (the
//! warnings are hints; the build's `--locked` says the rest).

use std::collections::BTreeSet;
use std::path::Path;

use toml::{Table, Value};

use crate::workspace::{DepKind, Workspace};

/// The `[[package]]` entries of the workspace's lockfile; empty when it has none or cannot
/// be read.
pub(super) fn entries(root: &Path, lockfile: Option<&str>) -> Vec<Table> {
    let Some(text) = lockfile.and_then(|l| crate::fsio::read_to_string(root.join(l)).ok()) else {
        return Vec::new();
    };
    let Ok(lock) = text.parse::<Table>() else {
        return Vec::new();
    };
    lock.get("package")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_table)
        .cloned()
        .collect()
}

pub(super) fn name(entry: &Table) -> &str {
    entry.get("name").and_then(Value::as_str).unwrap_or("")
}

/// The crate names of an entry's `dependencies` (`name`, `name version`, `name version
/// (source)`).
pub(super) fn deps(entry: &Table) -> impl Iterator<Item = &str> {
    entry
        .get("dependencies")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(|d| d.split(' ').next().unwrap_or(d))
}

/// Crates built only when a dependency's feature of these names is on (in any crate:
/// rustls's `fips` turns on aws-lc-rs's), and whether that is so even when no workspace crate
/// names the feature (else a crate is left out only when one names it in a feature the build
/// leaves off: the lockfile lists it because of that feature).
const GATED: &[(&str, &[&str], bool)] = &[
    ("aws-lc-fips-sys", &["fips"], true),
    ("pq-sys", &["postgres"], false),
    ("mysqlclient-sys", &["mysql"], false),
    ("tss-esapi-sys", &["tpm"], false),
];

/// What a service's build enables: its package, the features isogen.toml gives it, and
/// whether it turns the default features off.
pub(super) struct Build<'a> {
    pub package: &'a str,
    pub features: &'a [String],
    pub no_default_features: bool,
}

/// The crates of [`GATED`] that the build of `build` does not compile: no workspace crate it
/// builds asks for their feature (`x/fips`, `diesel/postgres`) in a dependency declaration or
/// in a feature the build enables (default features, and those isogen.toml gives).
pub(super) fn gated_off(ws: &Workspace, build: &Build<'_>) -> BTreeSet<&'static str> {
    let cargo = |n: &str| {
        ws.packages
            .iter()
            .find(|p| p.name == n && p.cargo.is_some())
    };
    let (crates, _, asked) = walk_features(ws, build);
    let named = |item: &String, words: &[&str]| {
        item.split_once('/')
            .is_some_and(|(_, f)| words.contains(&f))
    };
    let mentioned = |words: &[&str]| {
        (crates.iter().filter_map(|c| cargo(c)?.cargo.as_ref()))
            .any(|c| (c.dependency_features.values().flatten()).any(|i| named(i, words)))
    };
    (GATED.iter())
        .filter(|(_, words, always)| {
            !asked.iter().any(|a| named(a, words)) && (*always || mentioned(words))
        })
        .map(|(c, _, _)| *c)
        .collect()
}

/// The (workspace crate, feature) pairs the build of `build` enables: the features isogen.toml
/// gives and (unless `no_default_features`) `default` of the service's package, `default` of
/// every workspace crate it builds (normal and build dependencies, transitively), the features
/// their dependency declarations and enabled features ask of each other, transitively. A
/// workspace dependency declared with `default-features = false` is still counted with its
/// `default`: a feature may be counted on that cargo leaves off, never the reverse.
pub(super) fn features_on(ws: &Workspace, build: &Build<'_>) -> BTreeSet<(String, String)> {
    walk_features(ws, build).1
}

/// The workspace crates the build of `build` compiles (by name), the (crate, feature) pairs it
/// enables, and the `crate/feature` items it asks of crates outside the workspace.
fn walk_features(
    ws: &Workspace,
    build: &Build<'_>,
) -> (Vec<String>, BTreeSet<(String, String)>, BTreeSet<String>) {
    let cargo = |n: &str| {
        ws.packages
            .iter()
            .find(|p| p.name == n && p.cargo.is_some())
    };
    // A given `dep/feature` (`columnq/database`) asks a feature of a workspace dependency.
    let mut queue: Vec<(String, String)> = (build.features.iter())
        .map(|f| match f.split_once('/') {
            Some((c, g)) if cargo(c.trim_end_matches('?')).is_some() => {
                (c.trim_end_matches('?').to_string(), g.to_string())
            }
            _ => (build.package.to_string(), f.clone()),
        })
        .collect();
    let mut crates = vec![build.package.to_string()];
    let mut i = 0;
    while let Some(name) = crates.get(i).cloned() {
        i += 1;
        queue.push((name.clone(), String::new()));
        if name != build.package || !build.no_default_features {
            queue.push((name.clone(), "default".into()));
        }
        for d in cargo(&name).into_iter().flat_map(|p| &p.internal_deps) {
            let dep = ws.packages.get(d.package).map(|p| p.name.clone());
            if let Some(dep) = dep.filter(|n| d.kind != DepKind::Dev && !crates.contains(n)) {
                crates.push(dep);
            }
        }
    }
    let mut seen = BTreeSet::new();
    let mut asked: BTreeSet<String> = BTreeSet::new();
    while let Some((name, feature)) = queue.pop() {
        if !seen.insert((name.clone(), feature.clone())) {
            continue;
        }
        let items = cargo(&name).and_then(|p| p.cargo.as_ref()?.dependency_features.get(&feature));
        for item in items.into_iter().flatten() {
            match item.split_once('/') {
                Some((c, f)) if cargo(c).is_some() => queue.push((c.to_string(), f.to_string())),
                Some(_) => {
                    asked.insert(item.clone());
                }
                None => queue.push((name.clone(), item.clone())),
            }
        }
    }
    (crates, seen, asked)
}

/// The entries reachable from the workspace package `package`, but the crates of `skip`. A
/// workspace crate's entry (no `source`) is followed only along its normal and build
/// dependencies when `ws` knows it.
pub(super) fn reachable<'a>(
    ws: &Workspace,
    entries: &'a [Table],
    package: &str,
    skip: &BTreeSet<&str>,
) -> Vec<&'a Table> {
    let mut seen: BTreeSet<&str> = skip.clone();
    let mut out = Vec::new();
    let mut queue: Vec<&str> = vec![package];
    while let Some(n) = queue.pop() {
        if !seen.insert(n) {
            continue;
        }
        for e in entries.iter().filter(|e| name(e) == n) {
            out.push(e);
            let built = (!e.contains_key("source"))
                .then(|| built_deps(ws, n))
                .flatten();
            queue.extend(deps(e).filter(|d| built.as_ref().is_none_or(|b| b.contains(*d))));
        }
    }
    out
}

/// The names of the crates a build of workspace package `name` compiles as its dependencies
/// (normal and build, registry and workspace; not the optional registry crates its default
/// features leave off, so a crate a non-default feature or a dependent's feature enables is
/// not looked at), or `None` when `ws` has no such Cargo package.
fn built_deps(ws: &Workspace, name: &str) -> Option<BTreeSet<String>> {
    package_deps(ws, name, true)
}

/// The crates workspace package `name` depends on: its registry dependencies (not the optional
/// ones its default features leave off), its build dependencies when `with_build`, and its
/// workspace dependencies (normal ones, build ones too when `with_build`; never dev ones);
/// `None` when `ws` has no such Cargo package.
pub(super) fn package_deps(
    ws: &Workspace,
    name: &str,
    with_build: bool,
) -> Option<BTreeSet<String>> {
    let p = ws
        .packages
        .iter()
        .find(|p| p.name == name && p.cargo.is_some())?;
    let mut out: BTreeSet<String> = p.external_deps.iter().cloned().collect();
    if with_build {
        out.extend(p.cargo.iter().flat_map(|c| c.build_deps.iter().cloned()));
    }
    for off in p.cargo.iter().flat_map(|c| &c.optional_off) {
        out.remove(off);
    }
    let internal = p.internal_deps.iter().filter(|d| match with_build {
        true => d.kind != DepKind::Dev,
        false => d.kind.is_runtime(),
    });
    for d in internal {
        if let Some(q) = ws.packages.get(d.package) {
            out.insert(q.name.clone());
        }
    }
    Some(out)
}

/// The build of `package` with its default features and nothing else (tests).
#[cfg(test)]
pub(super) fn plain(package: &str) -> Build<'_> {
    Build {
        package,
        features: &[],
        no_default_features: false,
    }
}
