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
use super::loadable::{entry_sources, is_source, module_files, roots, strip};
use crate::js::LoadEffects;
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
    let node = p.node.as_ref()?;
    let files: BTreeSet<&str> = (node.folder.files.iter())
        .map(String::as_str)
        .filter(|f| is_source(f))
        .collect();
    // One root, the entry's source, or nothing is said: a build or start script that names
    // other source files (`esbuild src/server.ts --outfile=dist/index.js`, a webpack config)
    // or bundles a framework's folders (Nitro's routes) may build the entry from them.
    let roots = roots(node, &files, entry);
    let [root] = entry_sources(entry, &files)[..] else {
        return None;
    };
    if roots.len() != 1 || !roots.contains(root) {
        return None;
    }
    let root = crate::workspace::relpath::child(&p.dir, root);
    let mut seen: BTreeSet<(usize, String)> = BTreeSet::new();
    let mut todo: VecDeque<(usize, String)> = VecDeque::from([(service.package, root.clone())]);
    let mut runs: Option<String> = None;
    while let Some((owner, file)) = todo.pop_front() {
        if !seen.insert((owner, file.clone())) {
            continue;
        }
        let pkg = ws.packages.get(owner)?;
        let effects = pnpm.sources.get(&pkg.dir)?.loads.get(&file)?;
        if effects.keeps_alive.is_some() {
            return None;
        }
        if runs.is_none() {
            runs = (effects.runs.as_ref()).map(|(line, _)| format!("{file}:{line}"));
        }
        todo.extend(imported(ws, pnpm, owner, &file, effects)?);
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

/// The workspace files (with their packages) that `file` of the package `owner` imports, or
/// `None` when one of its imports may keep Node running or cannot be followed: a built-in
/// that starts processes or threads, a module of `node_modules` loaded only for its effect
/// (but the known ones that start nothing), a file isogen cannot place, or a workspace package
/// none of whose sources were read.
fn imported(
    ws: &Workspace,
    pnpm: &PnpmWorkspace,
    owner: usize,
    file: &str,
    effects: &LoadEffects,
) -> Option<Vec<(usize, String)>> {
    let pkg = ws.packages.get(owner)?;
    let srcs = pnpm.sources.get(&pkg.dir)?;
    let resolver = PackageResolver::new(pnpm, pkg);
    let own: BTreeSet<&str> = (srcs.loads.keys())
        .filter_map(|f| strip(f, &pkg.dir))
        .collect();
    let mut out = Vec::new();
    for i in (srcs.imports.iter()).filter(|i| i.file == file && !i.type_only) {
        let builtin = i.specifier.strip_prefix("node:").unwrap_or(&i.specifier);
        if KEEP_ALIVE_BUILTINS.contains(&builtin) {
            return None;
        }
        let Some((path, target)) = resolver.target(&ws.packages, file, &i.specifier) else {
            let for_effect = effects.for_effect.contains(&i.specifier);
            if for_effect && !crate::js::is_builtin(&i.specifier) && !inert(&i.specifier) {
                return None;
            }
            continue;
        };
        let target = target?;
        let tp = ws.packages.get(target)?;
        let tsrcs = pnpm.sources.get(&tp.dir)?;
        if target == owner {
            let rel = strip(&path, &pkg.dir)?;
            let found = module_files(rel, &own);
            if found.is_empty() && !data_file(rel) {
                return None;
            }
            let found = found.into_iter();
            out.extend(found.map(|f| (owner, crate::workspace::relpath::child(&pkg.dir, f))));
        } else if tsrcs.loads.is_empty() {
            return None;
        } else {
            // Another workspace package: all its sources (what it loads is not followed
            // through its manifest's entry points).
            out.extend(tsrcs.loads.keys().map(|f| (target, f.clone())));
        }
    }
    Some(out)
}

/// Modules of `node_modules` imported (or preloaded) for their effect that start nothing: they
/// read `.env`, register a loader or a source-map handler, or install a polyfill.
fn inert(specifier: &str) -> bool {
    const INERT: &[&str] = &[
        "dotenv/config",
        "dotenv-flow/config",
        "@dotenvx/dotenvx/config",
        "reflect-metadata",
        "source-map-support/register",
        "module-alias/register",
        "tsconfig-paths/register",
        "express-async-errors",
        "isomorphic-fetch",
        "cross-fetch/polyfill",
        "regenerator-runtime/runtime",
        "@total-typescript/ts-reset",
        "tsx",
        "tsx/esm",
        "tsx/cjs",
        "ts-node/register",
        "ts-node/esm",
        "@swc-node/register",
        "@babel/register",
        "esbuild-register",
    ];
    INERT.contains(&specifier) || specifier.starts_with("core-js/")
}

/// Whether every module `NODE_OPTIONS` (`value`) preloads is one known to start nothing
/// (`-r dotenv/config`); node loads them before the command line's, so one of the package's
/// own (`--import ./instrument.mjs`) may start the server itself.
pub(super) fn preloads_start_nothing(value: &str) -> bool {
    let argv = crate::js::split_node_options(value);
    crate::js::preloads(&argv)
        .iter()
        .all(|p| inert(&p.specifier))
}

/// The script a `node` CMD runs (`dist/main.js` of `node --enable-source-maps -r
/// dotenv/config dist/main.js`), or `None` when it runs none (`-e`, `--test`), when the
/// program is not `node`, or when a preload may start something itself (a preload of the
/// package's own, `--import ./instrument.js`: only the known ones that start nothing pass).
pub(super) fn node_script(cmd: &[String]) -> Option<&str> {
    /// Node options whose value is the next argument.
    const VALUED: &[&str] = &[
        "--loader",
        "--experimental-loader",
        "-C",
        "--conditions",
        "--env-file",
        "--env-file-if-exists",
        "--inspect-port",
        "--title",
        "--input-type",
        "--watch-path",
        "--disable-warning",
        "--redirect-warnings",
        "--stack-trace-limit",
    ];
    let (program, args) = cmd.split_first()?;
    if program != "node" && !program.ends_with("/node") {
        return None;
    }
    let mut i = 0;
    while let Some(a) = args.get(i) {
        if let Some((preload, n)) = crate::js::preload_at(args, i) {
            if !inert(&preload.specifier) {
                return None;
            }
            i += n;
            continue;
        }
        match a.as_str() {
            "--" => return args.get(i + 1).map(String::as_str),
            "-e" | "--eval" | "-p" | "--print" | "-i" | "--interactive" | "-c" | "--check"
            | "--test" | "--run" => return None,
            a if VALUED.contains(&a) => i += 2,
            a if a.starts_with('-') => i += 1,
            a => return Some(a),
        }
    }
    None
}

/// When the package's `start` script runs another program with the entry as its argument
/// (`fastify start -l info app.js`: the launcher loads the module and serves what it
/// exports), the sentence that says so and names the setting that runs it; else nothing.
pub(super) fn launcher_hint(
    scripts: &std::collections::BTreeMap<String, String>,
    entry: &str,
    section: &str,
) -> String {
    let Some(start) = scripts.get("start") else {
        return String::new();
    };
    let words: Vec<&str> = (start.split_whitespace())
        .skip_while(|w| w.contains('=') && !w.starts_with('-'))
        .collect();
    let names_entry = (words.iter().skip(1))
        .any(|w| w.trim_start_matches("./") == entry || w.ends_with(&format!("/{entry}")));
    match words.first() {
        Some(program) if *program != "node" && names_entry => format!(
            "; its `start` script runs `{start}`, which loads `{entry}` itself: set `cmd` in \
             {section} of isogen.toml to run `{program}` with its arguments (from \
             `node_modules/.bin`)"
        ),
        _ => String::new(),
    }
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
                let (what, them) = match modules {
                    0 => ("declares and exports", "it"),
                    _ => ("declare and export", "them"),
                };
                format!(
                    "the service `{service}` runs `{entry}`, built from `{source}`, but \
                     `{source}`{} only {what}: run as the CMD, Node loads {them} and exits 0, \
                     and the container stops at once; set `entry` in {section} of isogen.toml \
                     to the built file that starts the server (`entry = \"dist/server.js\"`), \
                     or add `{service}` to `not_services` in [workspace] if it is a library",
                    modules_text(*modules),
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
                 to `not_services` in [workspace]; if `{service}` is a one-shot job that does \
                 its work and exits (a migration, a cron task), set `kind = \"job\"` in \
                 {section} to say so",
                modules_text(*modules).replacen(" and", " or", 1)
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(cmd: &str) -> Vec<String> {
        cmd.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn the_script_node_runs_past_its_options_and_known_preloads() {
        for (cmd, script) in [
            ("node dist/main.js", Some("dist/main.js")),
            (
                "node --enable-source-maps -r dotenv/config dist/main.js --port 3",
                Some("dist/main.js"),
            ),
            (
                "node --import tsx --env-file .env src/a.ts",
                Some("src/a.ts"),
            ),
            ("/usr/local/bin/node -- x.js", Some("x.js")),
            // A preload of the package's own may start the server itself.
            ("node --import ./instrument.mjs index.mjs", None),
            ("node -r ./tracing.js dist/main.js", None),
            ("node -e require('./x')", None),
            ("tsx src/a.ts", None),
        ] {
            assert_eq!(node_script(&words(cmd)), script, "{cmd}");
        }
    }

    #[test]
    fn a_launcher_in_the_start_script_is_named() {
        let scripts = |start: &str| [("start".to_string(), start.to_string())].into();
        let hint = launcher_hint(&scripts("fastify start -l info app.js"), "app.js", "[s]");
        assert!(hint.contains("runs `fastify start -l info app.js`, which loads `app.js`"));
        let hint = launcher_hint(&scripts("NODE_ENV=production node app.js"), "app.js", "[s]");
        assert_eq!(hint, "");
    }
}
