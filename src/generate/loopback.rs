//! The warning for a service that listens on a loopback address only (`127.0.0.1`,
//! `localhost`, `::1`): in a container that is the container's own loopback, so the server
//! starts and answers inside it, yet nothing outside reaches it (`docker run -p`, a Kubernetes
//! Service, another container of a compose file). Each warning names the file and line and
//! the fix that fits the shape found:
//!
//! - a host read from an environment variable whose default is loopback
//!   (`process.env.HOST ?? 'localhost'`; Fastify's `listen` given an unset variable binds
//!   localhost too): the exact `env = { HOST = "0.0.0.0" }` line for isogen.toml. isogen does
//!   not set it on its own: the same variable often builds the public URLs a service prints
//!   or redirects to, where `0.0.0.0` would be wrong, so the choice is the user's;
//! - a clap option with a loopback default (`--bind 127.0.0.1:8080`): the `args` line (or the
//!   `env` line when the option reads a variable);
//! - Fastify's `listen({ port })` (and NestJS on the Fastify adapter) with no host, which
//!   Fastify binds to localhost: the `host: '0.0.0.0'` its docs give for containers;
//! - an address written in the code (mini-redis's `format!("127.0.0.1:{port}")`): a code change.
//!
//! Silent once the service's section of isogen.toml sets the variable, or `args` (or `cmd`)
//! give the option, to an address that is not loopback. Discovery found the sites (Node:
//! `workspace::pnpm::sources`' `listens`; Cargo: `CargoPackage::loopback_binds`); this reads
//! no file.

use crate::generate::cfg::ServiceConfig;
use crate::js::ListenHost;
use crate::workspace::cargo::is_loopback;
use crate::workspace::pnpm::sources::FASTIFY_PACKAGES;
use crate::workspace::{Ecosystem, Service, Workspace};

/// One loopback listen of a service, for generate's warning and `isogen list`'s note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loopback {
    /// `file:line`, workspace-relative.
    pub site: String,
    /// What it listens on and why, as the warning says it.
    pub binds: String,
    /// The fix.
    pub fix: String,
}

impl Loopback {
    /// The warning generate prints.
    pub fn warning(&self, service: &str) -> String {
        format!(
            "{}: `{service}` listens only on {}: in a container that is the container's own \
             loopback, so nothing outside it reaches the server (`docker run -p`, a Kubernetes \
             Service, another container); {}",
            self.site, self.binds, self.fix
        )
    }
}

/// The loopback listens of `service` (its package's sources and, for Node, those of the
/// workspace packages its build takes), given its section of isogen.toml.
pub fn loopbacks(
    ws: &Workspace,
    service: &Service,
    overrides: Option<&ServiceConfig>,
) -> Vec<Loopback> {
    let section = format!("[generate.services.{}]", service.name);
    match ws.service_package(service).ecosystem {
        Ecosystem::Pnpm => node(ws, service, overrides, &section),
        Ecosystem::Cargo => cargo(ws, service, overrides, &section),
    }
}

/// The value isogen.toml's `env` gives `var`, if any.
fn configured<'a>(overrides: Option<&'a ServiceConfig>, var: &str) -> Option<&'a str> {
    overrides.and_then(|o| o.env.get(var)).map(String::as_str)
}

fn node(
    ws: &Workspace,
    service: &Service,
    overrides: Option<&ServiceConfig>,
    section: &str,
) -> Vec<Loopback> {
    let Some(pnpm) = ws.pnpm.as_ref() else {
        return Vec::new();
    };
    let packages = std::iter::once(service.package).chain(service.build_closure.iter().copied());
    // One of several processes of a package (firecrawl's `api-worker` beside `api`): only
    // the listen calls of the package's files that this process's entry can load.
    let siblings = (ws.services.iter())
        .filter(|s| s.package == service.package)
        .count();
    let own = (siblings > 1)
        .then(|| crate::generate::node::loadable::loadable(ws, pnpm, service, &service.entry))
        .flatten();
    let mut out = Vec::new();
    for (i, p) in packages.filter_map(|i| Some((i, ws.packages.get(i)?))) {
        let Some(sources) = pnpm.sources.get(&p.dir) else {
            continue;
        };
        let declared = (p.external_deps.iter()).any(|d| FASTIFY_PACKAGES.contains(&d.as_str()));
        let loads = |file: &str| {
            i != service.package || own.as_ref().is_none_or(|files| files.contains(file))
        };
        for l in sources.listens.iter().filter(|l| loads(&l.file)) {
            let fastify = l.fastify || declared;
            let site = format!("{}:{}", l.file, l.call.line);
            let env_fix = |var: &str| {
                format!(
                    "set `env = {{ {var} = \"0.0.0.0\" }}` in {section} of isogen.toml (or give \
                     the container `-e {var}=0.0.0.0`)"
                )
            };
            let found = match &l.call.host {
                ListenHost::Missing if fastify && l.call.options_object => Some((
                    "`localhost` (Fastify's `listen` given no `host`)".to_string(),
                    "give it `host: '0.0.0.0'` (`listen({ port, host: '0.0.0.0' })`, as \
                     Fastify's docs say for containers)"
                        .to_string(),
                )),
                ListenHost::Missing if fastify => Some((
                    "`localhost` (Fastify's `listen`, and NestJS's on the Fastify adapter, given \
                     no host)"
                        .to_string(),
                    "give it the host: `listen(port, '0.0.0.0')`".to_string(),
                )),
                ListenHost::Literal(h) if is_loopback(h) => Some((
                    format!("`{h}` (written in the code)"),
                    "listen on `0.0.0.0` instead (or read the host from a variable, \
                     `process.env.HOST ?? '0.0.0.0'`)"
                        .to_string(),
                )),
                ListenHost::Env { var, default } => match configured(overrides, var) {
                    Some(v) if is_loopback(v) => Some((
                        format!("`{v}` (isogen.toml's `env` gives `{var}` that value)"),
                        format!("set `{var} = \"0.0.0.0\"` in `env` of {section}"),
                    )),
                    Some(_) => None,
                    None => match default {
                        Some(d) if is_loopback(d) => Some((
                            format!("`{d}` when `{var}` is unset (the image sets no `{var}`)"),
                            env_fix(var),
                        )),
                        None if fastify => Some((
                            format!(
                                "`localhost` when `{var}` is unset (Fastify's `listen` given \
                                 no host; the image sets no `{var}`)"
                            ),
                            env_fix(var),
                        )),
                        _ => None,
                    },
                },
                _ => None,
            };
            if let Some((binds, fix)) = found {
                out.push(Loopback { site, binds, fix });
            }
        }
    }
    out
}

fn cargo(
    ws: &Workspace,
    service: &Service,
    overrides: Option<&ServiceConfig>,
    section: &str,
) -> Vec<Loopback> {
    let pkg = ws.service_package(service);
    let Some(c) = pkg.cargo.as_ref() else {
        return Vec::new();
    };
    let args: Vec<&str> = overrides
        .into_iter()
        .flat_map(|o| o.args.iter().chain(o.cmd.iter().flatten()))
        .map(String::as_str)
        .collect();
    let binds = (c.loopback_binds.iter())
        .filter(|b| b.bin.as_deref().is_none_or(|bin| bin == service.entry));
    let mut out = Vec::new();
    for b in binds {
        let site = format!("{}:{}", b.file, b.line);
        if let (Some(name), None) = (&b.unset_of, &b.option) {
            out.push(Loopback {
                site,
                binds: format!(
                    "`{}` (the code's default when `{name}` is not set)",
                    b.address
                ),
                fix: format!(
                    "give `{name}` an address that is not loopback (`0.0.0.0` or `[::]`) where \
                     the service reads it (its config file or a variable)"
                ),
            });
            continue;
        }
        let Some(option) = &b.option else {
            out.push(Loopback {
                site,
                binds: format!("`{}` (written in the code)", b.address),
                fix: "bind `0.0.0.0` (or `[::]`) instead, or read the address from an \
                      argument or a variable"
                    .to_string(),
            });
            continue;
        };
        if let Some(v) = option
            .env
            .as_deref()
            .and_then(|var| configured(overrides, var))
        {
            if !is_loopback(v) {
                continue;
            }
        }
        // An option of another subcommand than the one the image runs (oxigraph's
        // `serve-read-only --bind` when `args = ["serve"]`) is never parsed.
        if let Some(sub) = &option.subcommand {
            if !args.is_empty() && !args.iter().any(|a| a == sub) {
                continue;
            }
        }
        if let Some(flag) = &option.flag {
            let given = args
                .iter()
                .position(|a| a == flag || a.starts_with(&format!("{flag}=")));
            if given.is_some() {
                // What follows the flag (or `=`) is the user's address.
                let value = given.and_then(|i| {
                    args[i]
                        .split_once('=')
                        .map(|(_, v)| v)
                        .or(args.get(i + 1).copied())
                });
                if value.is_some_and(|v| !is_loopback(v)) {
                    continue;
                }
            }
        }
        if let Some(key) = &option.config_key {
            out.push(config_default(
                b,
                key,
                option.env.as_deref(),
                &site,
                section,
            ));
            continue;
        }
        out.push(option_default(b, option, site, section));
    }
    out
}

/// The loopback default of a command-line option (or of an unset one the code fills in): the
/// `env` line, or the `args` line.
fn option_default(
    b: &crate::workspace::cargo::model::LoopbackBind,
    option: &crate::workspace::cargo::model::LoopbackOption,
    site: String,
    section: &str,
) -> Loopback {
    let host = host_of(&b.address);
    let any = if host.contains(':') { "::" } else { "0.0.0.0" };
    let address = b.address.replacen(host, any, 1);
    // An option of a subcommand comes after it: `args = ["serve", "--bind", "0.0.0.0:7878"]`
    // (oxigraph), not `args = ["--bind", ...]`, which the top-level parser rejects.
    let words: Vec<String> = (option.subcommand.iter().cloned())
        .chain(option.flag.iter().cloned())
        .chain([address.clone()])
        .map(|w| format!("\"{w}\""))
        .collect();
    let args_line = format!("args = [{}]", words.join(", "));
    let fix = match (&option.env, &b.unset_of) {
        // The option is unset, not defaulted by clap: a variable is the way to give it.
        (Some(var), Some(_)) if option.flag.is_none() => {
            format!("set `env = {{ {var} = \"{address}\" }}` in {section} of isogen.toml")
        }
        (env, _) => match env {
            Some(var) => format!(
                "set `env = {{ {var} = \"{address}\" }}` (or `{args_line}`) in {section} of \
             isogen.toml"
            ),
            None => format!("set `{args_line}` in {section} of isogen.toml"),
        },
    };
    let binds = match &b.unset_of {
        Some(name) => format!(
            "`{}` (the code's default when `{name}` is not set)",
            b.address
        ),
        None => format!("`{}` (its command line's default)", b.address),
    };
    Loopback { site, binds, fix }
}

/// The loopback default of a `config` crate key (atuin's `host`): its variable, or the key in
/// the config file.
fn config_default(
    b: &crate::workspace::cargo::model::LoopbackBind,
    key: &str,
    env: Option<&str>,
    site: &str,
    section: &str,
) -> Loopback {
    let any = if host_of(&b.address).contains(':') {
        "::"
    } else {
        "0.0.0.0"
    };
    let fix = match env {
        Some(var) => format!(
            "set `env = {{ {var} = \"{any}\" }}` in {section} of isogen.toml (or `{key} = \"{any}\"` in \
             the config file it reads)"
        ),
        None => format!("set `{key} = \"{any}\"` in the config file it reads"),
    };
    Loopback {
        site: site.to_string(),
        binds: format!("`{}` (its config's default for `{key}`)", b.address),
        fix,
    }
}

/// The host part of an address (`127.0.0.1` of `127.0.0.1:8080`, `::1` of `[::1]:80`).
fn host_of(address: &str) -> &str {
    if let Some(rest) = address.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    if address.matches(':').count() == 1 {
        return address.split(':').next().unwrap_or(address);
    }
    address
}
