//! `module-not-found`: every import of the service's module graph resolves in the image, as
//! Node resolves it; `module-optional-missing` (information): an import inside a `try` whose
//! `catch` handles the failure that does not resolve (the program runs without it); and
//! `module-graph-incomplete` (a warning): the files of that graph the check could not read, so
//! that an unread file never passes in silence.
//!
//! The graph starts at the file `node` runs and at the modules the command preloads (`-r`,
//! `--require`, `--import`, and the image's `NODE_OPTIONS` ones, resolved from the working
//! directory), and follows the service's own code: files outside `node_modules` and those of
//! its internal packages. An import of a third-party package is checked by resolving it to a
//! file (its `exports`/`main`); that package's own code is not parsed. Like every rule, it looks only at the [`super::Ctx`] (no I/O) and writes no message
//! text of its own ([`crate::verify::diags`] does).

use std::collections::BTreeMap;

use super::{Collector, Ctx};
use crate::verify::diags::Diag;
use crate::verify::fs;
use crate::verify::launch::{Launch, Preload};
use crate::verify::modgraph::{self, Graph, Mode, Resolved, Resolver, Unread};
use crate::verify::subject::{Role, Subject};

/// Whether the file at `path` (a real path) is the service's own code, to be parsed and
/// followed: outside `node_modules`, or in a package the service owns (its own, internal).
fn own(subject: &Subject, path: &str) -> bool {
    if !fs::in_node_modules(path) {
        return true;
    }
    matches!(
        subject.owner(path),
        Some((_, Role::Service | Role::Internal))
    )
}

/// Checks the module graph and returns it (the `version-not-locked` rule looks at the
/// packages it imports); `None` when the service is not a Node program of its own.
pub fn check(ctx: &Ctx, out: &mut Collector) -> Option<Graph> {
    let Launch::Node {
        resolved: Some(entry),
        preloads,
        ..
    } = ctx.launch
    else {
        return None;
    };
    // A program of a package in node_modules run as the entrypoint is entrypoint-indirect's
    // business; its code is not the service's.
    if !own(ctx.subject, entry) {
        return None;
    }
    let fs = ctx.facts.fs;
    let resolver = Resolver::new(fs, modgraph::node_path(ctx.facts.config.env("NODE_PATH")))
        .with_type_stripping(modgraph::strips_types(ctx.facts.config.env("NODE_VERSION")));
    let mut roots = preload_roots(ctx, &resolver, preloads, out);
    roots.push(entry.clone());
    let graph = modgraph::walk(fs, &resolver, &roots, &|p| own(ctx.subject, p));
    let layer = |p: &str| fs.get(p).map(|e| e.layer);
    for u in &graph.unresolved {
        if ctx.policy.allowed(&u.file) {
            continue;
        }
        let diag = if u.optional {
            Diag::optional_module_missing(&u.file, u.line, &u.specifier)
        } else {
            Diag::module_not_found(&u.file, u.line, &u.specifier, &u.failure)
        };
        out.config_with_paths(
            diag,
            vec![u.specifier.clone()],
            vec![u.file.clone()],
            layer(&u.file),
        );
    }
    // One finding per reason, naming every file (a parse error with its line and message).
    let mut unread: BTreeMap<u8, (Vec<String>, Vec<String>)> = BTreeMap::new();
    for (file, why) in &graph.unread {
        if ctx.policy.allowed(file) {
            continue;
        }
        let (key, value) = match why {
            Unread::NotKept => (0, None),
            Unread::Truncated => (1, None),
            Unread::Parse { line, message } => (2, Some(format!("{file}:{line}: {message}"))),
        };
        let (paths, values) = unread.entry(key).or_default();
        paths.push(file.clone());
        values.extend(value);
    }
    for (key, (paths, values)) in unread {
        let diag = match key {
            0 => Diag::module_graph_not_kept(paths.len()),
            1 => Diag::module_graph_truncated(paths.len()),
            _ => Diag::module_graph_unparsed(paths.len()),
        };
        out.config_with_paths(diag, values, paths, None);
    }
    Some(graph)
}

/// The files the command's preloads (`-r`, `--require`, `--import`) resolve to from the
/// working directory, as node loads them before the script: the service's own are roots of
/// the graph; one that does not resolve is a finding (node stops before the service starts).
fn preload_roots(
    ctx: &Ctx,
    resolver: &Resolver,
    preloads: &[Preload],
    out: &mut Collector,
) -> Vec<String> {
    let workdir = ctx.facts.config.workdir();
    // Node resolves a preload as a module in the working directory would.
    let from = fs::join(&workdir, "[preload]");
    let mut roots = Vec::new();
    for p in preloads {
        let mode = if p.import {
            Mode::Import
        } else {
            Mode::Require
        };
        match resolver.resolve(&p.specifier, &from, mode) {
            Ok(Resolved::Builtin) => {}
            Ok(Resolved::File(f)) => {
                if own(ctx.subject, &f) && !roots.contains(&f) {
                    roots.push(f);
                }
            }
            Err(failure) => {
                out.config(
                    Diag::preload_not_found(p, &workdir, &failure),
                    vec![p.specifier.clone()],
                );
            }
        }
    }
    roots
}
