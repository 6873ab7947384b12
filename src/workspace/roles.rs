//! Every package of a discovered [`Workspace`] with its role (service, internal package, tool,
//! AWS Lambda handler, not a service) and the reason, for `isogen list`. It reads only the model discovery built
//! and the `[workspace]` lists, never the disk, and never discovers again; whether `generate`
//! refuses a service is its caller's to add ([`Role::Refused`]).

use serde::Serialize;

use super::cargo::services::{
    desktop_framework, features_off_by_default, server_source, SERVER_FRAMEWORKS, TOOL_WORDS,
};
use super::{DepKind, Ecosystem, Package, Selector, Workspace, WorkspaceConfig};
use crate::error::Result;

/// What a package is to isogen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// One or more images are generated from it.
    Service,
    /// A service the generator refuses (its reason says why and how to fix it).
    Refused,
    /// A library other workspace packages use: shipped inside their images.
    InternalPackage,
    /// A command-line tool or developer task: no image.
    Tool,
    /// An AWS Lambda handler: the Lambda runtime calls it, no image.
    LambdaHandler,
    /// Neither: no start command, left out by isogen.toml, or unused.
    NotAService,
}

impl Role {
    /// The role as `isogen list` prints it.
    pub fn label(self) -> &'static str {
        match self {
            Role::Service => "service",
            Role::Refused => "refused",
            Role::InternalPackage => "internal package",
            Role::Tool => "tool",
            Role::LambdaHandler => "lambda handler",
            Role::NotAService => "not a service",
        }
    }
}

/// One package, its role and why.
#[derive(Debug, Clone, Serialize)]
pub struct PackageRole {
    pub name: String,
    pub ecosystem: Ecosystem,
    /// Folder relative to the root (`.` for the root itself).
    pub folder: String,
    pub role: Role,
    pub reason: String,
    /// The services it holds (a crate's binaries, a package's processes).
    pub services: Vec<String>,
    /// For a package left out by the default rule only because isogen could not read its
    /// start-like script: the script's name and text (see [`unread_starts`]).
    #[serde(skip)]
    pub unread_start: Option<(String, String)>,
    /// Left out by `[workspace] not_services` of isogen.toml.
    #[serde(skip)]
    pub excluded: bool,
}

/// Every package of `ws`, in discovery order (pnpm first, then Cargo).
pub fn roles(ws: &Workspace, config: &WorkspaceConfig) -> Result<Vec<PackageRole>> {
    let (explicit, excluded) = super::service_selectors(&ws.root, config)?;
    let mut out = Vec::new();
    for (i, p) in ws.packages.iter().enumerate() {
        let services: Vec<String> = ws
            .services
            .iter()
            .filter(|s| s.package == i)
            .map(|s| s.name.clone())
            .collect();
        // Who depends on it, and whether only to develop or test with it (symbolicator-test,
        // crates.io's test database crate: "used by" alone read as a run-time dependency).
        let users: Vec<String> = (ws.packages.iter())
            .filter_map(|o| {
                let mut kinds = o.internal_deps.iter().filter(|d| d.package == i);
                let first = kinds.next()?;
                let dev_only = first.kind == DepKind::Dev && kinds.all(|d| d.kind == DepKind::Dev);
                Some(match dev_only {
                    true => format!("{} (dev-dependency)", o.name),
                    false => o.name.clone(),
                })
            })
            .collect();
        let mut unread = None;
        let mut left_out = false;
        let (role, reason) = if !services.is_empty() {
            let reason = service_row_reason(ws, i, &services, explicit.as_deref(), config);
            (Role::Service, reason)
        } else if let Some(s) = excluded.iter().find(|s| s.matches(p)) {
            left_out = true;
            (
                Role::NotAService,
                format!("`{}` in [workspace] not_services of isogen.toml", s.text),
            )
        } else if !users.is_empty() {
            // tensorzero's `evaluations`: a library others use, with a command-line binary.
            let bins: Vec<String> = (p.cargo.iter().flat_map(|c| &c.bins))
                .filter_map(|b| {
                    let why = super::cargo::tool_reason(p, &b.name)?;
                    Some(format!("; its binary `{}` is a tool: {why}", b.name))
                })
                .collect();
            (
                Role::InternalPackage,
                format!("used by {}{}", users.join(", "), bins.concat()),
            )
        } else if let Some(lambda) = p.node.as_ref().and_then(super::pnpm::lambda::reason) {
            (Role::LambdaHandler, lambda)
        } else if let Some(tool) = tool_reason(p) {
            (Role::Tool, tool)
        } else if explicit.is_some() {
            (
                Role::NotAService,
                "not in [workspace] services of isogen.toml".into(),
            )
        } else {
            unread = unread_start(p);
            (Role::NotAService, not_service_reason(p))
        };
        out.push(PackageRole {
            name: p.name.clone(),
            ecosystem: p.ecosystem,
            folder: if p.dir.is_empty() {
                ".".into()
            } else {
                p.dir.clone()
            },
            role,
            reason,
            services,
            unread_start: unread,
            excluded: left_out,
        });
    }
    Ok(out)
}

/// The reason of a service row of `isogen list`: why its services are services (the default
/// rule, `[workspace] services`, or a `bin` section running one of its binaries under another
/// name), then its other binaries with why each is none.
fn service_row_reason(
    ws: &Workspace,
    i: usize,
    services: &[String],
    explicit: Option<&[Selector]>,
    config: &WorkspaceConfig,
) -> String {
    let p = &ws.packages[i];
    let renamed: Vec<(&str, &str)> = (ws.services.iter())
        .filter(|s| s.package == i && p.ecosystem == Ecosystem::Cargo && s.name != s.entry)
        .map(|s| (s.name.as_str(), s.entry.as_str()))
        .collect();
    let by_rule = services.len() > renamed.len();
    let reason = match explicit {
        _ if !by_rule => None,
        Some(list) => Some(match list.iter().find(|s| s.matches(p)) {
            Some(s) => format!("`{}` in [workspace] services of isogen.toml", s.text),
            None => "listed in [workspace] services of isogen.toml".to_string(),
        }),
        None => Some(service_reason(p)),
    };
    let runs = renamed.iter().map(|(name, bin)| {
        format!("`{name}` runs binary `{bin}` ([generate.services.{name}] bin of isogen.toml)")
    });
    let reason = reason
        .into_iter()
        .chain(runs)
        .collect::<Vec<_>>()
        .join("; ");
    let run_bins: Vec<String> = (services.iter().cloned())
        .chain(renamed.iter().map(|(_, bin)| bin.to_string()))
        .collect();
    match other_bins(p, &run_bins, config) {
        Some(tools) => format!("{reason}; not services: {tools}"),
        None => reason,
    }
}

/// Why the default rule made `p` a service.
fn service_reason(p: &Package) -> String {
    match p.ecosystem {
        Ecosystem::Pnpm => {
            super::pnpm::start_rule::service_reason(p).unwrap_or_else(|| "the default rule".into())
        }
        Ecosystem::Cargo => match server_source(p) {
            Some(f) => format!("its binaries run a server: it {f}"),
            None => socket_servers(p).unwrap_or_else(|| "the default rule".into()),
        },
    }
}

/// For a package with no server framework whose binaries named as servers listen on plain
/// sockets (see [`super::cargo::services::socket_server`]): which, and where.
fn socket_servers(p: &Package) -> Option<String> {
    let c = p.cargo.as_ref()?;
    let found: Vec<(String, &str)> = (c.bins.iter())
        .filter_map(|b| {
            let site = super::cargo::services::socket_server(p, &b.name)?;
            Some((format!("`{}`", b.name), site))
        })
        .collect();
    let names: Vec<&str> = found.iter().map(|(n, _)| n.as_str()).collect();
    let names = match names[..] {
        [] => return None,
        [one] => format!("the name of {one} says it serves"),
        _ => format!("the names of {} say they serve", names.join(", ")),
    };
    let calls = if found.iter().all(|(_, s)| *s == found[0].1) {
        format!("it calls {}", found[0].1)
    } else {
        let each: Vec<String> = (found.iter())
            .map(|(n, s)| format!("{n} calls {s}"))
            .collect();
        each.join(", ")
    };
    Some(format!("a server on plain sockets: {names}, and {calls}"))
}

/// The binaries of `p` that are not among its `services` (tools by their names, or left out
/// by isogen.toml), for the service row of `isogen list`.
fn other_bins(p: &Package, services: &[String], config: &WorkspaceConfig) -> Option<String> {
    let c = p.cargo.as_ref()?;
    // The isogen.toml entry that names `bin` (a glob over the binary, its package or folder).
    let named = |list: &[String], bin: &str| {
        list.iter()
            .find(|e| {
                let glob = globset::GlobBuilder::new(e.trim_end_matches('/'))
                    .literal_separator(true)
                    .build();
                glob.is_ok_and(|g| {
                    let g = g.compile_matcher();
                    g.is_match(bin)
                        || g.is_match(&p.name)
                        || (!p.dir.is_empty()
                            && (g.is_match(&p.dir) || g.is_match(p.folder_name())))
                })
            })
            .cloned()
    };
    // Each with why it is no service (rustc-perf's `site` row said "not services:
    // fetch-latest" and nothing more): the default rule's reason, or isogen.toml's list.
    let others: Vec<String> = (c.bins.iter())
        .map(|b| b.name.as_str())
        .filter(|b| !services.iter().any(|s| s == b))
        .map(|b| match super::cargo::tool_reason(p, b) {
            Some(why) => format!("{b}: {why}"),
            None => match (&config.services, named(&config.not_services, b)) {
                (None, Some(entry)) => {
                    format!("{b}: `{entry}` in [workspace] not_services of isogen.toml")
                }
                (Some(_), _) => format!("{b}: not in [workspace] services of isogen.toml"),
                (None, None) => b.to_string(),
            },
        })
        .collect();
    (!others.is_empty()).then(|| others.join("; "))
}

/// Why `p` (not a service, used by no package) is a tool, if it is one.
fn tool_reason(p: &Package) -> Option<String> {
    if let Some(c) = &p.cargo {
        if c.bins.is_empty() {
            return None;
        }
        let bins = c
            .bins
            .iter()
            .map(|b| b.name.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        return Some(cargo_tool_reason(p, &bins));
    }
    let node = p.node.as_ref()?;
    let bin = node.bin.as_deref()?;
    let started = node.start.is_some() || !node.processes.is_empty();
    match super::pnpm::start_rule::cli_name(p).filter(|_| !started) {
        Some(name) => Some(format!(
            "a command-line tool: its `bin` runs {bin}, no script starts it, and its name `{name}` \
             says it is a tool; [workspace] services of isogen.toml makes it a service"
        )),
        None => Some(match super::pnpm::started_tool::started_tool_note(p) {
            Some(note) => format!("a command-line tool: its `bin` runs {bin}; {note}"),
            None => format!("a command-line tool: its `bin` runs {bin}"),
        }),
    }
}

/// The packages with a start script that the default rule made tools (see
/// [`super::pnpm::started_tool`]), one line each with the reason, for the "no services"
/// error: a server missed that way is named in the first run.
pub fn started_tools(ws: &Workspace) -> Vec<String> {
    ws.packages
        .iter()
        .filter(|p| p.node.as_ref().is_some_and(|n| n.start.is_some()))
        .filter(|p| super::pnpm::started_tool::started_tool_note(p).is_some())
        .filter_map(|p| Some(format!("  {} ({}): {}", p.name, p.dir, tool_reason(p)?)))
        .collect()
}

/// For a package with a `cargo-<name>` binary (shuttle's `cargo-shuttle`): that its binaries
/// `bins` are a cargo subcommand, with the framework it depends on anyway.
fn cargo_subcommand_reason(p: &Package, bins: &str) -> Option<String> {
    let b = super::cargo::services::cargo_subcommand(p)?;
    let frameworks = p.cargo.as_ref().map_or(&[][..], |c| &c.frameworks[..]);
    let serves = SERVER_FRAMEWORKS
        .iter()
        .find(|f| frameworks.iter().any(|d| d == *f))
        .map(|f| format!(", though it depends on {f}"))
        .unwrap_or_default();
    Some(format!(
        "its binaries ({bins}) are a cargo subcommand: `{b}` runs as `cargo {}`, a developer's \
         command-line tool{serves}",
        b.trim_start_matches("cargo-")
    ))
}

/// Why the binaries `bins` of Cargo package `p` are tools, with the fix when they may not be.
fn cargo_tool_reason(p: &Package, bins: &str) -> String {
    const MAKE: &str = "`[workspace] services` in isogen.toml makes them services";
    if p.name == "xtask" {
        return "xtask: the cargo-xtask convention for developer tasks".into();
    }
    if let Some(f) = desktop_framework(p) {
        return format!(
            "its binaries ({bins}) are a desktop app: it depends on {f}; {MAKE} if one also \
             runs headless as a server"
        );
    }
    if let Some(reason) = cargo_subcommand_reason(p, bins) {
        return format!("{reason}; {MAKE}");
    }
    if let Some(w) = super::cargo::services::live_reload(p) {
        return format!(
            "its binaries ({bins}) are a command-line tool whose server is a live-reload \
             preview: each needs a subcommand, and it watches files with {w}, though it {}; \
             {MAKE} (with `args` for the subcommand that serves)",
            server_source(p).unwrap_or_default()
        );
    }
    if let Some(f) = server_source(p) {
        if let Some(each) = per_binary_reasons(p) {
            return format!("its binaries are tools though it {f}: {each}; {MAKE}");
        }
        let sources = p.cargo.as_ref().is_some_and(|c| !c.side_tools.is_empty());
        let gated: Vec<String> = p
            .cargo
            .iter()
            .flat_map(|c| &c.bins)
            .filter_map(|b| {
                let off = features_off_by_default(p, &b.name);
                (!off.is_empty()).then(|| format!("{}: {}", b.name, off.join(", ")))
            })
            .collect();
        return format!(
            "its binaries ({bins}) are tools by their names (a word of {}){}{} though it {f}; \
             {MAKE}",
            TOOL_WORDS.join(", "),
            if sources {
                " or name no crate of the server in their sources"
            } else {
                ""
            },
            if gated.is_empty() {
                String::new()
            } else {
                format!(
                    " or need features the defaults do not enable ({})",
                    gated.join("; ")
                )
            }
        );
    }
    let frameworks = p.cargo.as_ref().map_or(&[][..], |c| &c.frameworks[..]);
    if let Some(site) = p.cargo.as_ref().and_then(|c| c.listens.as_deref()) {
        let uses = frameworks.first().map_or_else(
            || {
                format!(
                    "no server framework isogen knows{}",
                    super::cargo::services::frameworks_off_note(p)
                )
            },
            |f| format!("{f}, but starts no server with it"),
        );
        let how = serve_args_of(p).unwrap_or_else(|| {
            "with `args` in [generate.services.<binary>] when it needs a subcommand or a \
             config file to serve"
                .into()
        });
        return format!(
            "its binaries ({bins}) are tools by default: it uses {uses}, though it calls \
             {site}; if one is a server, list it in [workspace] services of \
             isogen.toml (that list replaces the default rule: name the other services too), \
             {how}"
        );
    }
    if let Some(f) = frameworks.first() {
        return format!(
            "its binaries ({bins}) run no server: it uses {f}, but neither its sources nor a \
             workspace crate it uses start one (`Server::builder`, `serve_connection`, ...); \
             {MAKE}"
        );
    }
    format!(
        "its binaries ({bins}) run no server: none of the {} server frameworks isogen knows \
             (axum, actix-web, hyper, tonic, ...) is among its dependencies{}; {MAKE}",
        SERVER_FRAMEWORKS.len(),
        super::cargo::services::frameworks_off_note(p)
    )
}

/// For a package on plain sockets whose binaries need a subcommand or an argument to run (bore's
/// `bore server`), the exact setting that makes each a server in an image: `and set args =
/// ["server"] in [generate.services.bore] (...)`; `None` when none does.
fn serve_args_of(p: &Package) -> Option<String> {
    let each: Vec<String> = (p.cargo.as_ref()?.bins.iter())
        .filter(|b| !super::cargo::services::tool_name(&b.name))
        .filter_map(|b| {
            let args = super::cargo::services::serve_args(p, &b.name)?;
            Some(format!("{args} in [generate.services.{}]", b.name))
        })
        .collect();
    (!each.is_empty()).then(|| format!("and set {}", each.join("; and ")))
}

/// For a server's package whose binaries are tools by a command line none of whose
/// subcommands serves (restate's `restate-cli`, `restate-doctor`) or that requires arguments
/// (tensorzero's `evaluations --variant-name ...`), each binary with its reason; `None` when the names, the sources and the features say it all.
fn per_binary_reasons(p: &Package) -> Option<String> {
    use super::cargo::services::{required_arg, tool_name, tool_subcommands};
    let c = p.cargo.as_ref()?;
    c.bins
        .iter()
        .filter(|b| !tool_name(&b.name))
        .any(|b| tool_subcommands(p, &b.name).is_some() || required_arg(p, &b.name).is_some())
        .then(|| {
            c.bins
                .iter()
                .filter(|b| !tool_name(&b.name))
                .filter_map(|b| {
                    let why = super::cargo::tool_reason(p, &b.name)?;
                    Some(format!("`{}` because {why}", b.name))
                })
                .collect::<Vec<_>>()
                .join("; ")
        })
}

/// The warnings `generate` prints for the packages `isogen list` says are not services only
/// because their start-like script (`start`, `start:prod`, `serve`, ...) is not a command
/// isogen reads: each names the script, its text and both fixes, so a main app that gets no
/// Dockerfile is never silent.
pub fn unread_starts(ws: &Workspace, config: &WorkspaceConfig) -> Result<Vec<String>> {
    let rows = roles(ws, config)?;
    let warnings = ws.packages.iter().zip(&rows).filter_map(|(p, row)| {
        let (script, text) = row.unread_start.as_ref()?;
        Some(format!(
            "{}: the `{script}` script of `{}` (`{text}`) is not a start command isogen reads \
             (`node <file>`, `next start`, a shell script of the package, `sh -c '...'` of \
             those, steps joined by `&&` before `node <file>` or `next start`), so it is not a service and gets \
             no Dockerfile: if it is one, list it with the other services in [workspace] \
             services of isogen.toml (that list replaces the default rule) and set `cmd` or \
             `entry` in [generate.services.{}]; if it is not, add it to [workspace] \
             not_services to silence this",
            p.manifest,
            p.name,
            p.folder_name()
        ))
    });
    Ok(warnings.collect())
}

/// The name and text of `p`'s start-like script when it runs something isogen does not read
/// (not a development command, which is no production start).
fn unread_start(p: &Package) -> Option<(String, String)> {
    let node = p.node.as_ref()?;
    if super::pnpm::front_end::static_front_end(p).is_some() {
        return None;
    }
    match node.start.as_ref()? {
        (_, super::pnpm::StartCommand::Dev(_)) => None,
        (script, _) => Some((script.clone(), node.scripts.get(script)?.clone())),
    }
}

/// Why `p` is neither a service, nor used, nor a tool.
fn not_service_reason(p: &Package) -> String {
    if let Some(c) = &p.cargo {
        if c.lib.is_none() {
            return "no library and no binary: only tests, examples or benches".into();
        }
        return "a library no workspace package uses".into();
    }
    if let Some(library) = p
        .node
        .as_ref()
        .and_then(super::pnpm::start_rule::library_reason)
    {
        return library;
    }
    if let Some(reason) = super::pnpm::front_end::static_front_end(p) {
        return reason;
    }
    if let Some(reason) = super::pnpm::start_rule::nothing_starts_reason(p) {
        return reason;
    }
    let start = p.node.as_ref().and_then(|n| n.start.as_ref());
    match start {
        Some((script, super::pnpm::StartCommand::Dev(program))) => format!(
            "its `{script}` script runs the development command `{program}`, no production start"
        ),
        Some((script, _)) => format!(
            "its `{script}` script runs no `node <file>` isogen reads (add it to [workspace] \
             services and set `entry` or `cmd` if it is a service)"
        ),
        None => {
            "no start command (`start`, `start:prod`, `serve`, ...) and no package uses it".into()
        }
    }
}
