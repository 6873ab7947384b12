//! `entrypoint-*`: the container runs the service directly. Exec form; `node <file>` where the
//! file belongs to the service's package, or the service's binary; the file exists in the
//! merged tree (symlinks followed); no package-manager script (`npm start`), no start script,
//! no argument that picks another service to run (positional, or a selector option's value
//! such as `--service`; another option's value is configuration). Init shims and pass-through
//! entrypoint scripts (the Node image's `docker-entrypoint.sh`) are looked through, see
//! [`crate::verify::launch`].
//!
//! Like every rule, it looks only at the [`super::Ctx`] (no I/O) and never writes a message
//! text of its own: its messages are constructors in [`crate::verify::diags`].

use super::{Collector, Ctx};
use crate::verify::diags::Diag;
use crate::verify::launch::Launch;
use crate::verify::subject::Role;
use crate::workspace::Ecosystem;

fn values(ctx: &Ctx) -> Vec<String> {
    let c = &ctx.facts.config;
    let json = |v: &Vec<String>| serde_json::to_string(v).unwrap_or_default();
    let mut out = Vec::new();
    if !c.entrypoint.is_empty() {
        out.push(format!("Entrypoint: {}", json(&c.entrypoint)));
    }
    if !c.cmd.is_empty() {
        out.push(format!("Cmd: {}", json(&c.cmd)));
    }
    if out.is_empty() {
        out.push("Entrypoint/Cmd: (unset)".into());
    }
    out
}

/// Option names whose value picks what runs (`--service payments`, `--app=payments`): a start
/// script's selector, not configuration.
const SELECTOR_OPTIONS: &[&str] = &[
    "service",
    "svc",
    "app",
    "application",
    "project",
    "package",
    "pkg",
    "workspace",
    "filter",
    "scope",
    "target",
    "entry",
    "run",
    "start",
    "only",
    "name",
];

fn is_selector_option(option: &str) -> bool {
    let name = option.trim_start_matches('-').to_ascii_lowercase();
    SELECTOR_OPTIONS.contains(&name.as_str())
}

/// An argument naming another service that picks what runs: a positional one (`node start.js
/// payments`) or the value of a selector option (`--service payments`, `--app=payments`). The
/// value of another option (`--upstream billing`, a gateway told where its neighbours are) is
/// configuration of the service that runs, not a choice of which service runs.
fn selects_other_service<'a>(ctx: &'a Ctx, args: &[String]) -> Option<&'a str> {
    let mut selecting: Vec<&str> = Vec::new();
    for (i, arg) in args.iter().enumerate() {
        if let Some((option, value)) = arg.split_once('=').filter(|_| arg.starts_with('-')) {
            if is_selector_option(option) {
                selecting.push(value);
            }
            continue;
        }
        let after_option = i
            .checked_sub(1)
            .and_then(|p| args.get(p))
            .filter(|prev| prev.starts_with('-') && *prev != "--" && !prev.contains('='));
        match after_option {
            Some(option) if !is_selector_option(option) => {}
            _ => selecting.push(arg),
        }
    }
    ctx.subject.others.iter().find_map(|o| {
        selecting
            .iter()
            .any(|a| *a == o.name || o.package.as_deref() == Some(*a))
            .then_some(o.name.as_str())
    })
}

pub fn check(ctx: &Ctx, out: &mut Collector) {
    let v = values(ctx);
    match ctx.launch {
        Launch::Nothing => out.config(Diag::entrypoint_missing(), v),
        Launch::Shell { command } => out.config(Diag::entrypoint_shell(command), v),
        Launch::PackageManager { tool, args } => {
            out.config(Diag::entrypoint_package_manager(tool, args), v)
        }
        Launch::Script { path, .. } => out.config_with_paths(
            Diag::entrypoint_start_script(path),
            v,
            vec![path.clone()],
            ctx.facts.fs.get(path).map(|e| e.layer),
        ),
        Launch::Node { inline: true, .. } => out.config(Diag::entrypoint_inline_code(), v),
        Launch::Node { script: None, .. } => out.config(Diag::node_without_script(), v),
        Launch::Node {
            resolved: None,
            wanted,
            script,
            ..
        } => out.config_with_paths(
            Diag::node_script_not_found(script.as_deref().unwrap_or_default()),
            v,
            wanted.iter().cloned().collect(),
            None,
        ),
        Launch::Node {
            resolved: Some(file),
            args,
            ..
        } => check_node_script(ctx, out, file, args, v),
        Launch::Binary {
            program,
            resolved: None,
            wanted,
            ..
        } => out.config_with_paths(
            Diag::program_not_found(program),
            v,
            wanted.iter().cloned().collect(),
            None,
        ),
        Launch::Binary {
            resolved: Some(bin),
            args,
            ..
        } => check_binary(ctx, out, bin, args, v),
    }
}

/// `node <file> args...`: the file is the service's, and no argument picks another service.
fn check_node_script(ctx: &Ctx, out: &mut Collector, file: &str, args: &[String], v: Vec<String>) {
    let service = &ctx.subject.name;
    let problem = match ctx.owner(file) {
        Some((_, Role::Service)) => None,
        Some((dir, Role::ThirdParty)) if is_next_start(ctx, file, dir, args) => None,
        Some((dir, Role::OtherService(other))) => Some(Diag::entrypoint_other_services_file(
            file, other, dir, service,
        )),
        _ if ctx.subject.root.is_none() => None,
        Some((dir, _)) => Some(Diag::entrypoint_package_file(file, dir, service)),
        None => Some(Diag::entrypoint_foreign_file(file, service)),
    };
    if let Some(diag) = problem {
        let layer = ctx.facts.fs.get(file).map(|e| e.layer);
        out.config_with_paths(diag, v, vec![file.to_string()], layer);
    } else if let Some(other) = selects_other_service(ctx, args) {
        out.config(Diag::entrypoint_selects_service(other), v);
    }
}

/// `node <…>/next/dist/bin/next start [options]` in the service's folder, for a service that
/// depends on `next`: Next.js's production server serving the app of its working folder, the
/// way Next's docs run it (the start script's `next start` without a package manager).
fn is_next_start(ctx: &Ctx, file: &str, dir: &str, args: &[String]) -> bool {
    let Some(root) = ctx.subject.root.as_deref() else {
        return false;
    };
    let named_next =
        (ctx.facts.manifests.get(dir)).is_some_and(|m| m.name.as_deref() == Some("next"));
    let depends = (ctx.facts.manifests.get(root))
        .is_some_and(|m| m.runtime_deps().any(|(name, _)| name == "next"));
    named_next
        && depends
        && file == crate::verify::fs::join(dir, "dist/bin/next")
        && args.first().map(String::as_str) == Some("start")
        && ctx.facts.config.workdir() == root
}

/// A program run directly: not another service's binary, not something other than node for
/// a Node service, and no argument that picks another service.
fn check_binary(ctx: &Ctx, out: &mut Collector, bin: &str, args: &[String], v: Vec<String>) {
    let layer = ctx.facts.fs.get(bin).map(|e| e.layer);
    let base = crate::verify::fs::basename(bin);
    if let Some(o) = ctx
        .subject
        .others
        .iter()
        .find(|o| o.bin.as_deref() == Some(base))
    {
        out.config_with_paths(
            Diag::entrypoint_other_services_binary(bin, &o.name),
            v,
            vec![bin.to_string()],
            layer,
        );
    } else if ctx.subject.ecosystem == Some(Ecosystem::Pnpm)
        && ctx
            .subject
            .root
            .as_deref()
            .is_some_and(|r| !crate::verify::fs::is_within(bin, r))
    {
        out.config_with_paths(
            Diag::entrypoint_not_node(bin),
            v,
            vec![bin.to_string()],
            layer,
        );
    } else if let Some(other) = selects_other_service(ctx, args) {
        out.config(Diag::entrypoint_selects_service(other), v);
    }
}
