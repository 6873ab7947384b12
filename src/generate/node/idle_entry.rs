//! A service whose CMD would start nothing: Node loads the entry, runs it, and exits 0 at once
//! (refly's `sandbox-agent`: `dist/src/index.js`, built from an `src/index.ts` that only
//! re-exports; the image built and the container stopped). Read from the static import graph
//! of the entry's source: the files its relative imports (and tsconfig `paths`) reach in its
//! package, as the isolation check resolves them ([`super::isolation::PackageResolver`]), and
//! every source file of a workspace package it imports by name. Modules from `node_modules`
//! are taken to start nothing on load.
//!
//! - Nothing in the graph runs code at load ([`crate::js::LoadEffects::runs`]: only imports,
//!   exports, declarations and initializers that call nothing): refused, naming the entry and
//!   the fix (the file that starts the server as `entry`, or `not_services`).
//! - The graph runs code, but nothing in it may keep Node running
//!   ([`crate::js::LoadEffects::keeps_alive`]: a server, a timer, a worker, an event source, a
//!   top-level `await`, `child_process`/`cluster`/`worker_threads`): a warning, since that
//!   evidence is heuristic (an entry that re-exports a `server.ts` calling `app.listen()` has
//!   it; one whose only call is `dotenv.config()` has not).
//!
//! Silent when the entry's source is not found (a built-only file), when a file of the graph
//! was not read or parsed, or when an import reaches a file isogen cannot place: it never
//! judges what it did not read. Pure: it reads the workspace model, never the disk.

use std::collections::{BTreeSet, VecDeque};

use super::isolation::PackageResolver;
use super::loadable::{entry_sources, module_files, strip};
use crate::workspace::pnpm::PnpmWorkspace;
use crate::workspace::{Service, Workspace};

/// Built-in modules whose use may keep Node running (a child process, a cluster, a thread).
const KEEP_ALIVE_BUILTINS: &[&str] = &["child_process", "cluster", "worker_threads"];

/// What the graph of an entry's source holds.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Finding {
    /// Nothing runs at load: the entry's source and how many other modules it imports.
    DeclaresOnly { source: String, modules: usize },
    /// Code runs at load (the first site, `file:line`), nothing keeps Node running.
    NothingKeepsRunning {
        source: String,
        modules: usize,
        runs: String,
    },
}

/// The finding for `service` run with `entry` (relative to its package folder), or `None`
/// when the graph may keep Node running or could not be read in full.
pub(super) fn finding(
    ws: &Workspace,
    pnpm: &PnpmWorkspace,
    service: &Service,
    entry: &str,
) -> Option<Finding> {
    let p = ws.packages.get(service.package)?;
    let sources = pnpm.sources.get(&p.dir)?;
    let files: BTreeSet<&str> = (sources.loads.keys())
        .filter_map(|f| strip(f, &p.dir))
        .collect();
    let roots = entry_sources(entry, &files);
    // One source for the entry, or nothing is said (a bundle of several files).
    let [root] = roots.as_slice() else {
        return None;
    };
    let root = crate::workspace::relpath::child(&p.dir, root);
    let mut seen: BTreeSet<(usize, String)> = BTreeSet::new();
    let mut todo: VecDeque<(usize, String)> = VecDeque::from([(service.package, root.clone())]);
    let mut runs: Option<String> = None;
    while let Some((owner, file)) = todo.pop_front() {
        if !seen.insert((owner, file.clone())) {
            continue;
        }
        let pkg = ws.packages.get(owner)?;
        let srcs = pnpm.sources.get(&pkg.dir)?;
        let effects = srcs.loads.get(&file)?;
        if effects.keeps_alive.is_some() {
            return None;
        }
        if runs.is_none() {
            runs = (effects.runs.as_ref()).map(|(line, _)| format!("{file}:{line}"));
        }
        let resolver = PackageResolver::new(pnpm, pkg);
        let own: BTreeSet<&str> = (srcs.loads.keys())
            .filter_map(|f| strip(f, &pkg.dir))
            .collect();
        for i in (srcs.imports.iter()).filter(|i| i.file == file && !i.type_only) {
            let builtin = i.specifier.strip_prefix("node:").unwrap_or(&i.specifier);
            if KEEP_ALIVE_BUILTINS.contains(&builtin) {
                return None;
            }
            let Some((path, target)) = resolver.target(&ws.packages, &file, &i.specifier) else {
                continue;
            };
            let target = target?;
            let tp = ws.packages.get(target)?;
            let tsrcs = pnpm.sources.get(&tp.dir)?;
            if target == owner {
                let rel = strip(&path, &pkg.dir)?;
                let found = module_files(rel, &own);
                if found.is_empty() {
                    if data_file(rel) {
                        continue;
                    }
                    return None;
                }
                let found = found
                    .into_iter()
                    .map(|f| crate::workspace::relpath::child(&pkg.dir, f));
                todo.extend(found.map(|f| (owner, f)));
            } else {
                // Another workspace package: all its sources (what it loads is not followed
                // through its manifest's entry points).
                todo.extend(tsrcs.loads.keys().map(|f| (target, f.clone())));
            }
        }
    }
    let modules = seen.len() - 1;
    Some(match runs {
        None => Finding::DeclaresOnly {
            source: root,
            modules,
        },
        Some(runs) => Finding::NothingKeepsRunning {
            source: root,
            modules,
            runs,
        },
    })
}

/// A file Node or the bundler loads as data, running nothing.
fn data_file(path: &str) -> bool {
    let ext = path.rsplit_once('.').map_or("", |(_, e)| e);
    matches!(ext, "json" | "css" | "scss" | "svg" | "txt" | "md" | "node")
}

fn modules_text(modules: usize) -> String {
    match modules {
        0 => String::new(),
        1 => " and the module it imports".to_string(),
        n => format!(" and the {n} modules it imports"),
    }
}

impl Finding {
    /// The refusal (for [`Finding::DeclaresOnly`]) or the warning, for `service` whose CMD runs
    /// `entry`; `section` is its section of isogen.toml.
    pub(super) fn message(&self, service: &str, entry: &str, section: &str) -> String {
        match self {
            Finding::DeclaresOnly { source, modules } => {
                format!(
                "the service `{service}` runs `{entry}`, built from `{source}`, but `{source}`{} \
                 only {}: run as the CMD, Node loads them and exits 0, and the \
                 container stops at once; set `entry` in {section} of isogen.toml to the built \
                 file that starts the server (`entry = \"dist/server.js\"`), or add `{service}` \
                 to `not_services` in [workspace] if it is a library",
                modules_text(*modules),
                if *modules == 0 { "declares and exports" } else { "declare and export" }
            )
            }
            Finding::NothingKeepsRunning {
                source,
                modules,
                runs,
            } => format!(
                "{runs}: the service `{service}` runs `{entry}`, built from `{source}`, but \
                 nothing in it{} starts what keeps Node running (a server's `.listen(`, \
                 `createServer`, `serve(`, `NestFactory.create`, a timer, a queue worker or \
                 consumer, an event source, a top-level `await`, a child process): the \
                 container may exit 0 as soon as it starts; if so, set `entry` in {section} \
                 of isogen.toml to the built file that starts the server, or add `{service}` \
                 to `not_services` in [workspace]",
                modules_text(*modules).replacen(" and", " or", 1)
            ),
        }
    }
}
