//! Which binaries are services. Default rule: every binary target of a workspace member that
//! runs a server, named after the binary. A package runs a server when one of its normal
//! dependencies (directly, optional or not, any target, from a registry or a path) is a server
//! framework of [`SERVER_FRAMEWORKS`] (axum, actix-web, hyper, tonic, ...; `tonic` and `hyper`
//! only when the sources start a server, see [`super::serves`]), or when it is a thin binary
//! over a workspace library that starts a server ([`super::server_lib`]); a binary of such a
//! package whose sources name no crate of the server while a sibling's do is a tool
//! ([`super::bin_sources`]); a binary named as a server (`mini-redis-server`) of a package
//! with no framework that opens a listening socket is a service when it runs as it is
//! ([`socket_server`]); the binaries of every other
//! package are tools and get no image, as do the members of a package called `xtask` (the
//! cargo-xtask convention for developer tasks) and binaries named as tools (a word of
//! [`TOOL_WORDS`] after any server word:
//! `mini-redis-cli`, `migration-tool`, `schema_generator`, `restatectl`), binaries whose
//! command line requires a subcommand none of whose choices serves (restate's
//! `restate-doctor`; see `super::subcommand_names`) or a positional argument (dragonfly's
//! `dfget <URL>`; see `super::cli_args`), the binaries of desktop apps
//! (a package that depends on a GUI framework of [`DESKTOP_FRAMEWORKS`], such as tauri, even
//! when it links a server library), and binaries whose
//! `required-features` the package's default features do not enable (a plain `cargo build`
//! skips them: debug and developer binaries). `[workspace] not_services` removes services from
//! that default; `[workspace] services` replaces it. Both lists hold binary names, package names,
//! member folders or folder names (globs allowed); a package name or folder stands for all of
//! that package's binaries. Each service gets its run-time and build closures.
//!
//! It reads nothing from disk; it only refuses names that cannot become files and images.

use std::path::PathBuf;

use globset::{GlobBuilder, GlobMatcher};

use super::model::CargoWorkspace;
use super::serves::CLIENT_OR_SERVER;
use super::MANIFEST;
use crate::error::{Error, Result};
use crate::workspace::{graph, DepKind, Service, Workspace, WorkspaceConfig};

/// Package names the default service rule skips.
const NOT_SERVICES_BY_DEFAULT: &[&str] = &["xtask"];

/// Crates whose presence among a package's normal dependencies makes its binaries services by
/// default: HTTP and RPC server frameworks (and the server halves of the HTTP stacks they are
/// built on).
pub const SERVER_FRAMEWORKS: &[&str] = &[
    "actix-web",
    "axum",
    "dropshot",
    "gotham",
    "hyper",
    "loco-rs",
    "ntex",
    "oxhttp",
    "pingora",
    "poem",
    "rocket",
    "rouille",
    "salvo",
    "tide",
    "tiny_http",
    "tonic",
    "tower-http",
    "trillium",
    "viz",
    "warp",
];

/// Words of a binary's name (split at `-` and `_`) that make it a tool even in a server's
/// package: `mini-redis-cli`, `kv-client`, `migration-tool`, `rustdesk-utils`, and the
/// generators that write a file or print and exit (qdrant's `schema_generator`, quickwit's
/// `generate_markdown`, `openapi-gen`), whose sources often reach the server's modules for
/// its types, and load testers and benchmarks (firezone's `firezone-loadtest`, which starts an
/// axum echo server of its own to measure against): clients, not deployed servers. A test
/// server keeps its server word last (`http-test-server`).
pub const TOOL_WORDS: &[&str] = &[
    "cli",
    "client",
    "ctl",
    "tool",
    "tools",
    "util",
    "utils",
    "gen",
    "generate",
    "generator",
    "codegen",
    "bindgen",
    "test",
    "loadtest",
    "bench",
    "benchmark",
];

/// Desktop GUI frameworks: a package that depends on one (directly, as a normal dependency)
/// is a desktop app, never a service, even when it links a server library (rqbit's Tauri
/// app over `librqbit`, which starts an axum server inside the app).
pub const DESKTOP_FRAMEWORKS: &[&str] = &[
    "tauri",
    "eframe",
    "iced",
    "gtk",
    "gtk4",
    "relm4",
    "slint",
    "druid",
    "fltk",
    "dioxus-desktop",
    "gpui",
];

/// The desktop GUI framework `package` depends on, if any (see [`DESKTOP_FRAMEWORKS`]).
pub fn desktop_framework(package: &crate::workspace::Package) -> Option<&'static str> {
    DESKTOP_FRAMEWORKS
        .iter()
        .copied()
        .find(|f| package.external_deps.iter().any(|d| d == f))
}

/// The binary of `package` named as a cargo subcommand, if it has one: cargo runs a
/// `cargo-<name>` found on `PATH` as `cargo <name>` (shuttle's `cargo-shuttle`, beside its
/// `shuttle` alias), so the package is a developer's command-line tool, installed with `cargo
/// install`, even when a command of it starts a local server (`shuttle run`, on hyper).
pub fn cargo_subcommand(package: &crate::workspace::Package) -> Option<&str> {
    let c = package.cargo.as_ref()?;
    (c.bins.iter()).map(|b| b.name.as_str()).find(|b| {
        b.strip_prefix("cargo-")
            .is_some_and(|rest| !rest.is_empty())
    })
}

/// The file-watcher crate of a command-line tool whose server is a live-reload preview (see
/// `super::live_reload`), if `package` is one.
pub fn live_reload(package: &crate::workspace::Package) -> Option<&str> {
    package.cargo.as_ref()?.live_reload.as_deref()
}

/// The server framework `package` depends on, if any (the first in [`SERVER_FRAMEWORKS`]).
/// `tonic` and `hyper` count only when the package's sources start a server: a gRPC or HTTP
/// client depends on them too.
pub fn server_framework(package: &crate::workspace::Package) -> Option<&'static str> {
    let cargo = package.cargo.as_ref()?;
    SERVER_FRAMEWORKS
        .iter()
        .copied()
        .filter(|f| cargo.starts_server || !CLIENT_OR_SERVER.contains(f))
        .find(|f| cargo.frameworks.iter().any(|d| d == f))
}

/// For a package whose only server frameworks are optional dependencies its default features
/// leave off (see [`super::model::CargoPackage::frameworks_off`]): the words that say so,
/// ` (its hyper is optional, ...)`; empty otherwise.
pub fn frameworks_off_note(package: &crate::workspace::Package) -> String {
    match package.cargo.as_ref().map(|c| &c.frameworks_off[..]) {
        Some([one]) => format!(
            " ({one} only behind a feature its default features leave off: an optional \
             dependency a plain `cargo build` does not compile, so no sign that it serves)"
        ),
        Some(off) if !off.is_empty() => format!(
            " ({} only behind features its default features leave off: optional dependencies \
             a plain `cargo build` does not compile, so no sign that it serves)",
            off.join(", ")
        ),
        _ => String::new(),
    }
}

/// Whether `package`'s binaries run a server: it depends on a server framework
/// ([`server_framework`]), or it is a thin binary over a workspace library that starts one
/// ([`super::model::CargoPackage::server_lib`]).
pub fn runs_server(package: &crate::workspace::Package) -> bool {
    if desktop_framework(package).is_some() || cargo_subcommand(package).is_some() {
        return false;
    }
    server_framework(package).is_some()
        || package
            .cargo
            .as_ref()
            .is_some_and(|c| c.server_lib.is_some())
}

/// What makes `package` a server's package, as `isogen list` and the messages say it:
/// `depends on axum`, or `depends on workspace crate kanidmd_core, which starts a hyper
/// server`.
pub fn server_source(package: &crate::workspace::Package) -> Option<String> {
    if desktop_framework(package).is_some() || cargo_subcommand(package).is_some() {
        return None;
    }
    if let Some(f) = server_framework(package) {
        return Some(format!("depends on {f}"));
    }
    let lib = package.cargo.as_ref()?.server_lib.as_ref()?;
    Some(format!(
        "depends on workspace crate {}, which starts a server with {}",
        lib.name, lib.framework
    ))
}

/// Whether binary `bin` of `package` is a tool beside the package's server: its sources name
/// none of the crates that serve while a sibling binary's do
/// ([`super::model::CargoPackage::side_tools`]).
fn side_tool(package: &crate::workspace::Package, bin: &str) -> bool {
    package
        .cargo
        .as_ref()
        .is_some_and(|c| c.side_tools.iter().any(|t| t == bin))
}

/// For binary `bin` of a library crate that starts no server of its own
/// ([`super::model::CargoPackage::library_tools`]): the workspace package with binaries that
/// uses the library.
fn library_tool<'a>(package: &'a crate::workspace::Package, bin: &str) -> Option<&'a str> {
    let c = package.cargo.as_ref()?;
    let (_, user) = c.library_tools.iter().find(|(t, _)| t == bin)?;
    Some(user)
}

/// The `required-features` of binary `bin` of `package` that its default features do not
/// enable, when there are some: a plain `cargo build` skips such a binary, so the project
/// builds it only on purpose (qdrant's `schema_generator`, `wal_inspector` behind
/// `service_debug`), and the default rule makes it a tool.
pub fn features_off_by_default(package: &crate::workspace::Package, bin: &str) -> Vec<String> {
    let Some(c) = package.cargo.as_ref() else {
        return Vec::new();
    };
    c.bin(bin)
        .map(|b| {
            b.required_features
                .iter()
                .filter(|f| !c.default_features.contains(f))
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

/// Words of a binary's name that make it a server when they come after every tool word:
/// `tls-client-auth-server` serves (its last such word is `server`), `server-cli` does not.
/// An `exporter` is a Prometheus exporter, an HTTP server of metrics (ntpd-rs's
/// `ntp-metrics-exporter` beside `ntp-daemon`, as `node_exporter`).
const SERVER_WORDS: &[&str] = &["server", "srv", "daemon", "service", "exporter"];

/// Whether the binary's name says it is a tool: of its words (split at `-` and `_`) in
/// [`TOOL_WORDS`] or [`SERVER_WORDS`], the last one is a tool word (the last word of a compound
/// names what it is: `mini-redis-cli`, `server-ctl`, but `tls-client-auth-server`).
/// A word ending in `ctl` counts as the tool word `ctl` (restate's `restatectl`, as
/// `kubectl`).
pub fn tool_name(bin: &str) -> bool {
    let tool_word = |w: &str| TOOL_WORDS.contains(&w) || (w.len() > 3 && w.ends_with("ctl"));
    bin.split(['-', '_'])
        .rev()
        .find(|w| tool_word(w) || SERVER_WORDS.contains(w))
        .is_some_and(tool_word)
}

/// Whether the binary's name says it serves: of its words in [`TOOL_WORDS`] or
/// [`SERVER_WORDS`], the last one is a server word (`mini-redis-server`, `kv_daemon`).
fn server_name(bin: &str) -> bool {
    bin.split(['-', '_'])
        .rev()
        .find(|w| TOOL_WORDS.contains(w) || w.ends_with("ctl") || SERVER_WORDS.contains(w))
        .is_some_and(|w| SERVER_WORDS.contains(&w))
}

/// For a binary of a package with no server framework that is a server on plain sockets by
/// default: its name says it serves (see [`server_name`]), its package (or a workspace crate
/// it uses) opens a listening socket, and it runs as it is: no subcommand required, no
/// feature the defaults leave off, not a desktop app or a live-reload tool. mini-redis's
/// `mini-redis-server` (a tokio `TcpListener`, an optional `--port`). The listener site,
/// `None` otherwise: bore's `bore server`, sozu's `sozu start -c ...` and rathole's `rathole
/// server.toml` are not named as servers, and stay tools with a hint.
pub fn socket_server<'a>(package: &'a crate::workspace::Package, bin: &str) -> Option<&'a str> {
    let c = package.cargo.as_ref()?;
    let plain = server_name(bin)
        && !runs_server(package)
        && desktop_framework(package).is_none()
        && live_reload(package).is_none()
        && required_subcommand(package, bin).is_none()
        && required_arg(package, bin).is_none()
        && features_off_by_default(package, bin).is_empty();
    c.listens_of(bin).filter(|_| plain)
}

/// Where binary `bin`'s command line requires a subcommand, if it does (see
/// `super::subcommands`).
pub fn required_subcommand<'a>(
    package: &'a crate::workspace::Package,
    bin: &str,
) -> Option<&'a super::model::RequiredSubcommand> {
    package
        .cargo
        .as_ref()?
        .required_subcommands
        .iter()
        .find(|r| r.bin == bin)
}

/// For a binary whose command line requires a subcommand, none of which serves (restate's
/// `restate-doctor`: `partition-store`, `log-server`, `id`, ...; see `subcommand_names`):
/// where it says so and the subcommands. `None` when a subcommand serves, when isogen could
/// not read them, or when none is required.
pub fn tool_subcommands<'a>(
    package: &'a crate::workspace::Package,
    bin: &str,
) -> Option<&'a super::model::RequiredSubcommand> {
    required_subcommand(package, bin).filter(|r| {
        !r.subcommands.is_empty()
            && !r
                .subcommands
                .iter()
                .any(|s| super::subcommand_names::serves(s))
    })
}

/// The required positional argument of binary `bin`'s command line, if it has one (see
/// `super::cli_args`): dragonfly's `dfget <URL>`.
pub fn required_arg<'a>(
    package: &'a crate::workspace::Package,
    bin: &str,
) -> Option<&'a super::model::RequiredArg> {
    package
        .cargo
        .as_ref()?
        .required_args
        .iter()
        .find(|a| a.bin == bin)
}

/// Subcommands whose name says the binary serves with them, most likely first: the one to
/// suggest when a server's command line requires a subcommand (garage lists `server`,
/// `status`, `node`, `layout`, ...).
const SERVE_SUBCOMMANDS: &[&str] = &["server", "serve", "start", "run", "daemon", "up", "web"];

/// The subcommand of binary `bin`'s required subcommand that serves, by its name: one of
/// [`SERVE_SUBCOMMANDS`], else the first whose first word says it serves (see
/// `subcommand_names::serves`). bore's `bore server` (beside `bore local`).
pub fn serving_subcommand(r: &super::model::RequiredSubcommand) -> Option<&str> {
    SERVE_SUBCOMMANDS
        .iter()
        .find_map(|s| r.subcommands.iter().find(|n| n == s))
        .or_else(|| {
            r.subcommands
                .iter()
                .find(|s| super::subcommand_names::serves(s))
        })
        .map(String::as_str)
}

/// The `args` that run the serving subcommand of `r` (see [`serving_subcommand`]), with a
/// placeholder for each argument it requires: `["start", "<config>"]` for `Start { config:
/// PathBuf }`, `["start", "--config", "<config>"]` for a required option. The options the
/// binary's code needs (`needed`) go where clap takes them: the top-level command line's
/// first (`["-c", "<config>", "start"]`, sozu), the subcommand's after it (`["serve",
/// "--config", "<config>"]`); another subcommand's are left out.
pub fn serving_args(
    r: &super::model::RequiredSubcommand,
    needed: &[&super::model::NeededOption],
) -> Option<Vec<String>> {
    let s = serving_subcommand(r)?;
    let placeholders = r.arguments.get(s).into_iter().flatten();
    let of = |sub: Option<&str>| -> Vec<String> {
        (needed.iter())
            .filter(|n| n.subcommand.as_deref() == sub)
            .flat_map(|n| n.option.argv())
            .collect()
    };
    Some(
        of(None)
            .into_iter()
            .chain(std::iter::once(s.to_string()))
            .chain(placeholders.flat_map(super::model::CliArg::argv))
            .chain(of(Some(s)))
            .collect(),
    )
}

/// The options of `needed` that belong to the top-level command line (not a subcommand's).
pub fn top_level<'a>(
    needed: &[&'a super::model::NeededOption],
) -> Vec<&'a super::model::NeededOption> {
    (needed.iter().copied())
        .filter(|n| n.subcommand.is_none())
        .collect()
}

/// The options binary `bin`'s command line may leave out but its code needs (see
/// `super::cli_args`): sozu's `-c/--config`.
pub fn needed_options<'a>(
    package: &'a crate::workspace::Package,
    bin: &str,
) -> Vec<&'a super::model::NeededOption> {
    package
        .cargo
        .as_ref()
        .map(|c| c.needed_options.iter().filter(|n| n.bin == bin).collect())
        .unwrap_or_default()
}

/// What the options `needed` are, for a message: `` `-c`/`--config` (its code needs it at
/// bin/src/util.rs:124) ``.
pub fn needed_note(needed: &[&super::model::NeededOption]) -> String {
    let each: Vec<String> = needed
        .iter()
        .map(|n| {
            let flags: Vec<&str> = (n.option.short.iter().chain(&n.option.flag))
                .map(String::as_str)
                .collect();
            let of = match &n.subcommand {
                Some(s) => format!(" of `{s}`"),
                None => String::new(),
            };
            format!(
                "`{}`{of} (an option its command line at {}:{} may leave out, but its code \
                 fails without it at {})",
                flags.join("`/`"),
                n.file,
                n.option.line,
                n.needed_at
            )
        })
        .collect();
    each.join(", ")
}

/// `["start", "<config>"]`: a list of strings as isogen.toml writes it.
pub fn toml_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("\"{i}\"")).collect();
    format!("[{}]", quoted.join(", "))
}

/// For a tool that listens, the exact `args` line that would make binary `bin` run its server
/// in an image, with why: `` args = ["server"] (its command line requires a subcommand at
/// tunnel/src/main.rs:9, and `server` serves) ``; `None` when its command line requires
/// neither a subcommand with a serving name nor an argument.
pub fn serve_args(package: &crate::workspace::Package, bin: &str) -> Option<String> {
    let all = needed_options(package, bin);
    let needed_too = |needed: &[&super::model::NeededOption]| match needed.is_empty() {
        true => String::new(),
        false => format!("; it needs {}", needed_note(needed)),
    };
    if let Some(r) = required_subcommand(package, bin) {
        let args = serving_args(r, &all)?;
        let s = serving_subcommand(r)?;
        let needed: Vec<_> = (all.iter().copied())
            .filter(|n| n.subcommand.as_deref().is_none_or(|n| n == s))
            .collect();
        let needed_too = needed_too(&needed);
        let more: Vec<String> = r
            .arguments
            .get(s)
            .into_iter()
            .flatten()
            .flat_map(super::model::CliArg::argv)
            .collect();
        let needs = match &more[..] {
            [] => String::new(),
            more => format!(
                "; `{s}` requires {}: a file it reads goes into the image with `assets`",
                more.join(" ")
            ),
        };
        return Some(format!(
            "args = {} (its command line requires a subcommand at {}:{}, and `{s}` of \
             {} serves by its name{needs}{needed_too})",
            toml_list(&args),
            r.file,
            r.line,
            r.subcommands.join(", ")
        ));
    }
    let a = required_arg(package, bin)?;
    let needed = top_level(&all);
    let needed_too = needed_too(&needed);
    let args: Vec<String> = (needed.iter().flat_map(|n| n.option.argv()))
        .chain(a.args.iter().flat_map(super::model::CliArg::argv))
        .collect();
    Some(format!(
        "args = {} (its command line requires {} at {}:{}; a file it reads goes into the \
         image with `assets`{needed_too})",
        toml_list(&args),
        required_list(a),
        a.file,
        a.line,
    ))
}

/// The arguments `a` requires, for a message: `` the argument `config` ``, `` the options
/// `--variant-name`, `--dataset` ``.
pub fn required_list(a: &super::model::RequiredArg) -> String {
    let (kind, names) = required_kind(a);
    let kind = kind.strip_prefix("an ").unwrap_or(kind);
    format!("the {kind} {names}")
}

/// What `a` requires and their names: (`an argument`, `` `config` ``), (`options`,
/// `` `--variant-name`, `--dataset` ``).
fn required_kind(a: &super::model::RequiredArg) -> (&'static str, String) {
    let names: Vec<String> = a
        .args
        .iter()
        .map(|c| format!("`{}`", c.flag.clone().unwrap_or_else(|| c.name.clone())))
        .collect();
    let options = a.args.iter().filter(|c| c.flag.is_some()).count();
    let kind = match (options, a.args.len()) {
        (0, 1) => "an argument",
        (1, 1) => "an option",
        (o, n) if o == n => "options",
        _ => "arguments",
    };
    (kind, names.join(", "))
}

/// Why the default rule makes binary `bin` of `package` a tool, or `None` when it makes it a
/// service: what `generate` tells a user who got no services.
pub fn tool_reason(package: &crate::workspace::Package, bin: &str) -> Option<String> {
    if NOT_SERVICES_BY_DEFAULT.contains(&package.name.as_str()) {
        return Some(format!("package `{}` holds developer tasks", package.name));
    }
    if let Some(f) = desktop_framework(package) {
        return Some(format!(
            "package `{}` is a desktop app (it depends on {f})",
            package.name
        ));
    }
    if let Some(b) = cargo_subcommand(package) {
        return Some(format!(
            "package `{}` is a cargo subcommand (its binary `{b}` runs as `cargo {}`): a \
             developer's command-line tool",
            package.name,
            b.trim_start_matches("cargo-")
        ));
    }
    if let Some(w) = live_reload(package) {
        return Some(format!(
            "package `{}` is a command-line tool whose server is a live-reload preview (it \
             needs a subcommand and watches files with {w})",
            package.name
        ));
    }
    let frameworks = package
        .cargo
        .as_ref()
        .map_or(&[][..], |c| &c.frameworks[..]);
    let client_only = CLIENT_OR_SERVER
        .iter()
        .find(|f| frameworks.iter().any(|d| d == *f));
    if runs_server(package) {
        if tool_name(bin) {
            return Some("its name says it is a tool".into());
        }
        if let Some(r) = tool_subcommands(package, bin) {
            return Some(format!(
                "its command line requires a subcommand ({}:{}) and none of them ({}) runs a \
                 server",
                r.file,
                r.line,
                r.subcommands.join(", ")
            ));
        }
        if let Some(a) = required_arg(package, bin) {
            return Some(format!(
                "its command line requires {} ({} at {}:{}), so run bare, as a CMD would run \
                 it, it prints its usage and exits: a command-line tool beside the server (if \
                 it serves, list it in [workspace] services with its `args`)",
                required_kind(a).0,
                required_kind(a).1,
                a.file,
                a.line
            ));
        }
        let off = features_off_by_default(package, bin);
        if !off.is_empty() {
            return Some(format!(
                "its required-features ({}) are not among the package's default features, so a \
                 plain `cargo build` skips it",
                off.join(", ")
            ));
        }
        if let Some(user) = library_tool(package, bin) {
            return Some(format!(
                "its package `{}` is a library that `{user}` uses, and its sources start no \
                 server (a synchronous `main` with no runtime, server or listener: a generator \
                 beside the library, as an OpenAPI or schema printer)",
                package.name
            ));
        }
        if side_tool(package, bin) {
            return Some(format!(
                "its sources name no crate of the server (the package {}), as a \
                 sibling binary's do",
                server_source(package).unwrap_or_default()
            ));
        }
        return None;
    }
    if socket_server(package, bin).is_some() {
        return None;
    }
    Some(match client_only {
        Some(f) => format!(
            "package `{}` uses {f} but its sources start no server{}",
            package.name,
            listener_hint(package, bin)
        ),
        None => format!(
            "package `{}` depends on no server framework{}{}",
            package.name,
            frameworks_off_note(package),
            listener_hint(package, bin)
        ),
    })
}

/// For a package with no server framework that opens a listening socket (see
/// `super::listens`): where, and how to make `bin` a service if it is a server; empty
/// otherwise, and for a binary named as a tool (`mini-redis-cli`).
pub fn listener_hint(package: &crate::workspace::Package, bin: &str) -> String {
    if tool_name(bin) {
        return String::new();
    }
    let Some(site) = package.cargo.as_ref().and_then(|c| c.listens_of(bin)) else {
        return String::new();
    };
    match serve_args(package, bin) {
        Some(args) => format!(
            ", though it calls {site}; a server on plain sockets is a service only when \
             listed in [workspace] services; if `{bin}` is one, list it there and set {args} \
             in [generate.services.{bin}]"
        ),
        None => format!(
            ", though it calls {site}; a server on plain sockets is a service only when \
             listed in [workspace] services, with `args` in [generate.services.{bin}] if it \
             serves only with a subcommand or a config file"
        ),
    }
}

/// A compiled `services` / `not_services` list: each entry with its glob.
type Patterns = Vec<(String, GlobMatcher)>;

/// Adds the Cargo services of `cargo` to `ws.services`.
pub(super) fn select(
    ws: &mut Workspace,
    cargo: &CargoWorkspace,
    config: &WorkspaceConfig,
) -> Result<()> {
    let explicit = config.services.as_deref().map(compile).transpose()?;
    let removed = compile(&config.not_services)?;
    for (index, bin) in chosen(ws, cargo, explicit.as_ref(), &removed) {
        check_name(ws, index, &bin)?;
        let service = with_closures(ws, index, bin)?;
        ws.services.push(service);
    }
    for (name, bin) in &config.bin_services {
        if removed.iter().any(|(_, g)| g.is_match(name)) {
            continue;
        }
        let index = bin_service_package(ws, cargo, name, bin)?;
        check_name(ws, index, name)?;
        let mut service = with_closures(ws, index, bin.clone())?;
        service.name = name.clone();
        ws.services.push(service);
    }
    Ok(())
}

/// The package whose binary `bin` the service `name` of `[generate.services.<name>] bin`
/// runs; an error naming the section when no member has that binary, or when `bin` is the
/// section's own name (that binary is already a service, or a tool `services` makes one).
fn bin_service_package(
    ws: &Workspace,
    cargo: &CargoWorkspace,
    name: &str,
    bin: &str,
) -> Result<usize> {
    let config_path = PathBuf::from(crate::workspace::CONFIG_FILE);
    let section = format!("[generate.services.{name}]");
    if name == bin {
        return Err(Error::config(
            &config_path,
            format!(
                "{section} bin = \"{bin}\": `bin` runs a binary as another service, under the \
                 section's name (`[generate.services.{bin}-server]` with bin = \"{bin}\" and its \
                 `args`); remove it here, and list `{bin}` in [workspace] services if the \
                 default rule makes it a tool"
            ),
        ));
    }
    let found = cargo.members.iter().copied().find(|&i| {
        ws.packages[i]
            .cargo
            .as_ref()
            .is_some_and(|c| c.bin(bin).is_some())
    });
    found.ok_or_else(|| {
        let mut bins = cargo.bin_names(&ws.packages);
        bins.sort_unstable();
        let bins = if bins.is_empty() {
            "none".to_string()
        } else {
            bins.join(", ")
        };
        Error::config(
            &config_path,
            format!(
                "{section} bin = \"{bin}\": no member of the Cargo workspace has a binary \
                 named `{bin}` (binaries: {bins})"
            ),
        )
    })
}

fn compile(list: &[String]) -> Result<Patterns> {
    let config_path = PathBuf::from(crate::workspace::CONFIG_FILE);
    list.iter()
        .map(|entry| {
            let clean = entry.trim_end_matches('/');
            GlobBuilder::new(clean)
                .literal_separator(true)
                .build()
                .map(|g| (entry.clone(), g.compile_matcher()))
                .map_err(|e| {
                    Error::config(&config_path, format!("`{entry}` is not a valid glob: {e}"))
                })
        })
        .collect()
}

/// (package index, binary name) of every binary the rule makes a service, in member order.
fn chosen(
    ws: &Workspace,
    cargo: &CargoWorkspace,
    explicit: Option<&Patterns>,
    removed: &Patterns,
) -> Vec<(usize, String)> {
    let mut chosen = Vec::new();
    for &index in &cargo.members {
        let package = &ws.packages[index];
        let Some(details) = &package.cargo else {
            continue;
        };
        for bin in &details.bins {
            let matches = |list: &Patterns| {
                list.iter().any(|(_, g)| {
                    g.is_match(&bin.name)
                        || g.is_match(&package.name)
                        || (!package.dir.is_empty()
                            && (g.is_match(&package.dir) || g.is_match(package.folder_name())))
                })
            };
            let is_service = match explicit {
                Some(list) => matches(list),
                None => tool_reason(package, &bin.name).is_none() && !matches(removed),
            };
            if is_service {
                chosen.push((index, bin.name.clone()));
            }
        }
    }
    chosen
}

/// The name becomes a file name (`<bin>.Dockerfile`), an image label and a word of the
/// Dockerfile's shell commands: only plain names are services, and only one of each.
fn check_name(ws: &Workspace, index: usize, bin: &str) -> Result<()> {
    let this_pkg = &ws.packages[index];
    let plain = !bin.starts_with(['.', '-'])
        && bin
            .chars()
            .all(|c| c.is_alphanumeric() || "-_.".contains(c));
    if !plain {
        return Err(Error::workspace(
            ws.root.join(&this_pkg.manifest),
            format!(
                "binary {bin:?} of package `{}` cannot be a service: its name goes into file \
                 names, image labels and the Dockerfile's shell commands; name it with \
                 letters, digits, `-`, `_` and `.`, or leave it out with [workspace] \
                 not_services in isogen.toml",
                this_pkg.name
            ),
        ));
    }
    if let Some(other) = ws.services.iter().find(|s| s.name == bin) {
        let other_pkg = &ws.packages[other.package];
        return Err(Error::workspace(
            ws.root.join(&this_pkg.manifest),
            format!(
                "two services are named `{bin}`: {} of package `{}` ({}) and the \
                 service of package `{}` ({}); rename one, or leave one out with \
                 [workspace] not_services in isogen.toml",
                what_runs(ws, bin, &this_pkg.name),
                this_pkg.name,
                this_pkg.manifest,
                other_pkg.name,
                other_pkg.manifest
            ),
        ));
    }
    Ok(())
}

/// How the duplicate-name error calls the service `name` of package `package`: a binary, or
/// a `[generate.services.<name>] bin` section.
fn what_runs(ws: &Workspace, name: &str, package: &str) -> String {
    let by_bin = ws
        .packages
        .iter()
        .find(|p| p.name == package)
        .and_then(|p| p.cargo.as_ref())
        .is_some_and(|c| c.bin(name).is_some());
    if by_bin {
        format!("binary `{name}`")
    } else {
        format!("the service [generate.services.{name}] of isogen.toml")
    }
}

/// The service for binary `bin` of package `index`, with its closures. `cargo build` never
/// compiles dev-dependencies, and cargo allows dev-dependency cycles, so neither closure
/// follows dev edges.
fn with_closures(ws: &Workspace, index: usize, bin: String) -> Result<Service> {
    let not_dev = |k: DepKind| k != DepKind::Dev;
    let cycle = |c: graph::Cycle| {
        Error::workspace(
            ws.root.join(MANIFEST),
            format!("dependency cycle between workspace crates: {c}"),
        )
    };
    let runtime_closure = graph::closure(
        &ws.packages,
        index,
        DepKind::is_runtime,
        DepKind::is_runtime,
    )
    .map_err(cycle)?;
    let build_closure = graph::closure(&ws.packages, index, not_dev, not_dev).map_err(cycle)?;
    Ok(Service {
        name: bin.clone(),
        package: index,
        entry: bin,
        runtime_closure,
        build_closure,
    })
}

#[cfg(test)]
mod tests {
    use super::tool_name;

    #[test]
    fn the_last_tool_or_server_word_of_a_name_decides() {
        for tool in [
            "mini-redis-cli",
            "rustdesk-utils",
            "kv_ctl",
            "server-cli",
            "helloworld-client",
            "schema_generator",
            "generate_markdown",
            "openapi-gen",
            "firezone-loadtest",
            "sd-bench",
            "api-load-test",
        ] {
            assert!(tool_name(tool), "{tool} is a tool");
        }
        for server in [
            "tls-client-auth-server",
            "hbbs",
            "client-gateway-daemon",
            "http-test-server",
            "api",
        ] {
            assert!(!tool_name(server), "{server} is not a tool by its name");
        }
    }
}
