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
//! - a climbing literal that lands in no package (a folder at the workspace level) or in a
//!   folder of the service's build output that its build does not write while the sources
//!   have it (usertour's email templates): nothing ships it; the warning names file:line and
//!   how to put it where the image has it.
//!
//! It reads the workspace model and the runtime packages the context computed, and the disk
//! only to ask whether a path it names exists (and nest-cli.json); it only warns (a static
//! guess may miss what the code does at run time).

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
    warnings.extend(unshipped_reads(ws, service, sources, &loads, section));
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

/// The reads by a climbing literal that land where nothing ships a file: a folder of the
/// workspace outside every package (`email-templates/` at the root, which no Node setting ships:
/// `assets` takes paths of the package), or a folder of the service's own build output that the
/// build does not write (usertour's `join(__dirname, '../../email-templates', fileName)` from
/// `dist/common/email/`: `dist/email-templates`, which `nest build` never writes, while the
/// sources have `src/email-templates`). A literal is resolved from the folder the compiled file
/// runs in (the tsc prediction of the package's build: `outDir` plus the path below `rootDir`),
/// else from the source file's folder; only what exists in the workspace is named.
fn unshipped_reads(
    ws: &Workspace,
    service: &Service,
    sources: &PackageSources,
    loads: &dyn Fn(&str) -> bool,
    section: &str,
) -> Vec<String> {
    let pkg = ws.package(service.package);
    let tsc = ws.pnpm.as_ref().and_then(|p| p.tsc_builds.get(&pkg.dir));
    let exists = |path: &str| crate::fsio::exists(ws.root.join(path));
    let mut out = Vec::new();
    for (file, line, literal) in sources.climbs.iter().filter(|(file, ..)| loads(file)) {
        let imported = (sources.imports.iter())
            .any(|i| &i.file == file && i.line == *line && &i.specifier == literal);
        if imported {
            continue;
        }
        // Where the module runs: its compiled file's folder when tsc's output is predicted.
        let compiled = tsc.and_then(|t| {
            t.inputs.iter().any(|i| i == file).then_some(())?;
            let below = file
                .strip_prefix(t.root_dir.as_str())?
                .trim_start_matches('/');
            Some(relpath::child(&t.out_dir, relpath::parent(below)))
        });
        let from = compiled
            .clone()
            .unwrap_or_else(|| relpath::parent(file).to_string());
        let Some(target) = relpath::join(&from, literal) else {
            continue;
        };
        if owner_of(ws, &target).is_none() && !target.is_empty() && exists(&target) {
            out.push(format!(
                "{file}:{line}: `{literal}` reaches `{target}`, a folder of the workspace outside every package, which no image ships (a Node service's image holds only its packages' files, and `assets` of {section} takes paths of the package), so the service finds nothing there at run time; make `{target}` a workspace package (a package.json, in pnpm-workspace.yaml) and declare it in the `dependencies` of {} (the image then ships it at the same place, keeping the path), or move it into {} and list it in `assets`",
                pkg.manifest, pkg.dir
            ));
            continue;
        }
        // A folder of the build output the build does not write, whose source twin exists.
        let Some(t) = tsc.filter(|_| compiled.is_some()) else {
            continue;
        };
        let Some(rest) = target
            .strip_prefix(t.out_dir.as_str())
            .and_then(|r| r.strip_prefix('/'))
        else {
            continue;
        };
        let twin = relpath::child(&t.root_dir, rest);
        let compiles = |p: &str| t.inputs.iter().any(|i| relpath::within(i, p));
        if exists(&target) || !exists(&twin) || compiles(&twin) || copied(ws, &pkg.dir, rest) {
            continue;
        }
        let out_rel = target[pkg.dir.len()..].trim_start_matches('/');
        let twin_rel = twin[pkg.dir.len()..].trim_start_matches('/');
        let out_dir = t.out_dir[pkg.dir.len()..].trim_start_matches('/');
        let script = (pkg.node.as_ref())
            .and_then(|n| n.scripts.get(&t.script))
            .map(|s| format!(" (`{s}`)"))
            .unwrap_or_default();
        out.push(format!(
            "{file}:{line}: `{literal}` from the compiled module reaches `{out_rel}` in the image, which its `{}` script{script} does not write (the TypeScript compiler emits only compiled files), so the service finds nothing there at run time, although the sources have `{twin_rel}`; copy it into the output in the build: `cp -r {twin_rel} {out_dir}/` in the `{}` script, or nest-cli.json `\"compilerOptions\": {{ \"assets\": [\"{rest}/**/*\"] }}` with `nest build`",
            t.script, t.script
        ));
    }
    out.dedup();
    out
}

/// Whether something of the package already copies `rest` (a path below the output folder)
/// into the build output: nest-cli.json's `assets`, or a script naming it.
fn copied(ws: &Workspace, dir: &str, rest: &str) -> bool {
    let name = rest.split('/').next().unwrap_or(rest);
    let nest =
        crate::fsio::read_to_string(ws.root.join(dir).join("nest-cli.json")).unwrap_or_default();
    if nest.contains("\"assets\"") {
        return true;
    }
    let pkg = (ws.packages.iter()).find(|p| p.dir == dir);
    pkg.and_then(|p| p.node.as_ref())
        .is_some_and(|n| n.scripts.values().any(|s| s.contains(name)))
}

/// The package whose folder holds `path` (the deepest one; not the workspace root's).
fn owner_of(ws: &Workspace, path: &str) -> Option<usize> {
    (ws.packages.iter().enumerate())
        .filter(|(_, p)| !p.dir.is_empty() && relpath::within(path, &p.dir))
        .max_by_key(|(_, p)| p.dir.len())
        .map(|(i, _)| i)
}
