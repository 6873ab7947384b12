//! What the service's own sources do with paths at run time that the image does not allow,
//! named before any build (the facts are [`crate::js::run_paths`]'s, gathered by discovery):
//!
//! - writes under the working folder (`fs.mkdirSync(path.resolve(process.cwd(), 'logs'))`, a
//!   `dataDir` of `${cwd}/.streams-data`) or next to the module (`__dirname`): the image's
//!   folders belong to root and the service runs as its own user, so they fail with EACCES;
//!   the warning names each file:line and the `writable` setting to add (folders a setting
//!   already lists are not named);
//! - a string literal that climbs out of the service's package into another package's folder
//!   (`path.resolve(moduleDir, '../../../agents-ui/dist')`) that the image does not ship
//!   there (a devDependency, or no dependency at all): the service would find nothing at run
//!   time; the warning names file:line, what is missing and how to fix it.
//!
//! Only the files the running service can load count ([`super::loadable`], from its entry): a
//! maintenance script beside the server (openpanel's `apps/api/scripts/get-bots.ts`, which a
//! `gen:bots` script runs with jiti to write a source file) writes where it likes, since the
//! image never runs it.
//!
//! Pure: it reads the workspace model and the runtime packages the context computed; it never
//! reads the disk and only warns (a static guess may miss what the code does at run time).

use std::collections::BTreeMap;

use super::RuntimePackage;
use crate::generate::cfg::ServiceConfig;
use crate::js::{Base, Write};
use crate::workspace::pnpm::sources::PackageSources;
use crate::workspace::{relpath, DepKind, Service, Workspace};

/// The warnings about the service's run-time paths (see the module doc); `entry` is the
/// file the image runs, relative to the package folder.
pub(super) fn warn(
    ws: &Workspace,
    (service, entry, loaded): (&Service, &str, &super::loadable::Loadable),
    runtime: &[RuntimePackage],
    overrides: Option<&ServiceConfig>,
    section: &str,
    workdir: &str,
    warnings: &mut Vec<String>,
) {
    let pkg = ws.package(service.package);
    let Some(pnpm) = ws.pnpm.as_ref() else {
        return;
    };
    let Some(sources) = pnpm.sources.get(&pkg.dir) else {
        return;
    };
    let loaded_files = loaded.get(ws, pnpm, service, entry);
    let loaded = Option::as_ref(&*loaded_files);
    let loads = |file: &str| loaded.as_ref().is_none_or(|l| l.contains(file));
    let writable: Vec<&str> = overrides
        .map(|o| o.writable.iter().map(|w| w.path.as_str()).collect())
        .unwrap_or_default();
    warnings.extend(writes_warning(
        &service.name,
        sources,
        &loads,
        &writable,
        section,
        workdir,
    ));
    warnings.extend(climbs_warnings(ws, service, runtime, sources, &loads));
}

/// One warning for every write under the working folder or the module's folder that no
/// `writable` folder covers.
fn writes_warning(
    service: &str,
    sources: &PackageSources,
    loads: &dyn Fn(&str) -> bool,
    writable: &[&str],
    section: &str,
    workdir: &str,
) -> Option<String> {
    let covered = |below: &str| {
        writable.iter().any(|w| {
            let w = w.trim_end_matches('/');
            let w = (w.strip_prefix(workdir))
                .map(|r| r.trim_start_matches('/'))
                .unwrap_or(w);
            relpath::within(below, relpath::clean(w).as_str())
        })
    };
    // (base, folder) -> file -> (line, caught by a handling try).
    type Sites<'s> = BTreeMap<(Base, Option<&'s str>), BTreeMap<&'s str, Vec<(u32, bool)>>>;
    let mut sites: Sites = BTreeMap::new();
    for (file, w) in sources.writes.iter().filter(|(file, _)| loads(file)) {
        let Write {
            line,
            base,
            below,
            caught,
            ..
        } = w;
        if base == &Base::WorkingFolder && below.as_deref().is_some_and(covered) {
            continue;
        }
        let at = sites.entry((base.clone(), below.as_deref())).or_default();
        at.entry(file.as_str()).or_default().push((*line, *caught));
    }
    if sites.is_empty() {
        return None;
    }
    let mut named = Vec::new();
    let mut folders = Vec::new();
    for ((base, below), at) in &sites {
        let what = match (base, below) {
            (Base::WorkingFolder, Some(b)) => {
                folders.push(format!("\"{b}\""));
                format!("`{b}`")
            }
            (Base::WorkingFolder, None) => "the working folder itself".to_string(),
            (Base::Module, Some(b)) => format!("`{b}` next to the compiled module"),
            (Base::Module, None) => "the compiled module's folder".to_string(),
        };
        // hoppscotch's schema emitter: every write of the folder sits in a `try` whose
        // `catch` logs the failure; the service goes on without it.
        let caught = at.values().flatten().all(|(_, caught)| *caught);
        let at: Vec<String> = (at.iter())
            .map(|(file, lines)| {
                let lines: Vec<String> = lines.iter().map(|(l, _)| l.to_string()).collect();
                format!("{file}:{}", lines.join(","))
            })
            .collect();
        let caught = if caught {
            ", in a `try` whose `catch` handles the failure: the service goes on without it"
        } else {
            ""
        };
        named.push(format!("{what} ({}{caught})", at.join(", ")));
    }
    let fix = if folders.is_empty() {
        format!("write into a folder listed in `writable` of {section} in isogen.toml instead")
    } else {
        format!(
            "add `writable = [{}]` to {section} in isogen.toml (folders owned by the service's user; `{{ path = ..., volume = true }}` keeps the data), or point them elsewhere through the variable the code reads",
            folders.join(", ")
        )
    };
    Some(format!(
        "{service}: its code writes at run time under its working folder ({workdir} in the image){}, which root owns in the image while the service runs as its own user, so the write fails with EACCES: {}; {fix}",
        if sites.keys().any(|(b, _)| b == &Base::Module) { " or next to its compiled modules" } else { "" },
        named.join(", ")
    ))
}

/// One warning per literal that climbs into another package's folder the image does not ship.
fn climbs_warnings(
    ws: &Workspace,
    service: &Service,
    runtime: &[RuntimePackage],
    sources: &PackageSources,
    loads: &dyn Fn(&str) -> bool,
) -> Vec<String> {
    let pkg = ws.package(service.package);
    let out_dir = pkg.node.as_ref().map(|n| n.out_dir.as_str()).unwrap_or("");
    let mut out = Vec::new();
    for (file, line, literal) in sources.climbs.iter().filter(|(file, ..)| loads(file)) {
        let imported = (sources.imports.iter())
            .any(|i| &i.file == file && i.line == *line && &i.specifier == literal);
        if imported {
            continue;
        }
        // From the source file's folder, and from the output folder (a bundle runs there).
        let bases = [
            Some(relpath::parent(file).to_string()),
            (!out_dir.is_empty()).then(|| relpath::child(&pkg.dir, out_dir)),
        ];
        let found = bases.iter().flatten().find_map(|base| {
            let target = relpath::join(base, literal)?;
            let owner = owner_of(ws, &target)?;
            (owner != service.package).then_some((target, owner))
        });
        let Some((target, owner)) = found else {
            continue;
        };
        let other = ws.package(owner);
        let shipped = runtime.iter().find(|r| r.dir == other.dir);
        let rest = target[other.dir.len()..].trim_start_matches('/');
        if let Some(r) = shipped {
            if rest.is_empty() || r.copy.iter().any(|c| relpath::within(rest, c)) {
                continue;
            }
        }
        let relation = match (pkg.internal_deps.iter()).find(|d| d.package == owner) {
            _ if shipped.is_some() => {
                "a dependency whose files the image ships without it".to_string()
            }
            Some(d) if d.kind == DepKind::Dev => format!("a devDependency of {}", pkg.manifest),
            Some(_) => "a dependency the image does not ship".to_string(),
            None => format!("which {} does not declare", pkg.manifest),
        };
        out.push(format!(
            "{file}:{line}: `{literal}` reaches {target}, in `{}` ({relation}), which the image does not ship, so the service finds nothing there at run time; declare `{}` in the `dependencies` of {} (the image then ships its `files` at the same place, keeping the path), or copy what the service reads into its own build output",
            other.name, other.name, pkg.manifest
        ));
    }
    out.dedup();
    out
}

/// The package whose folder holds `path` (the deepest one; not the workspace root's).
fn owner_of(ws: &Workspace, path: &str) -> Option<usize> {
    (ws.packages.iter().enumerate())
        .filter(|(_, p)| !p.dir.is_empty() && relpath::within(path, &p.dir))
        .max_by_key(|(_, p)| p.dir.len())
        .map(|(i, _)| i)
}
