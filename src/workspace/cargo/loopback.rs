//! Where a binary binds its listening socket to the loopback address, which in a container is
//! the container's own: the server starts, but nothing outside the container reaches it
//! (`docker run -p`, a Kubernetes Service, another container). Two shapes, read with `syn`:
//!
//! - a bind call (`TcpListener::bind`, actix's `.bind(...)`, `Server::bind`, `axum_server::bind`,
//!   warp's `serve(...).run(...)`, tiny_http's `Server::http(...)`, rouille's
//!   `start_server(...)`, ...) whose address is loopback as written: a literal
//!   (`"127.0.0.1:8080"`, `format!("127.0.0.1:{port}")`, `("localhost", port)`),
//!   `Ipv4Addr::LOCALHOST`, `[127, 0, 0, 1]`, `Ipv4Addr::new(127, 0, 0, 1)`, or a name a `let`
//!   of the same file gave such a value (by name, not by scope); tokio's mini-redis
//!   server binds `format!("127.0.0.1:{port}")`;
//! - a clap/structopt option whose name says it is the listening address (`bind`, `listen`,
//!   `host`, `addr`, ...) with a loopback default (`default_value = "127.0.0.1:8080"`), with
//!   its flag and `env` variable, so the fix can be an argument or a variable.
//!
//! - a top-level field of the server's serde config struct (`Config`, `Settings`, ...) named
//!   as the listening address whose `#[serde(default = "...")]` function returns a loopback
//!   address (conduwuit's `address`, `["127.0.0.1", "::1"]` by default), with the variable a
//!   figment `Env::prefixed("CONDUWUIT_")` of the same file maps to it (`CONDUWUIT_ADDRESS`);
//! - a key of the `config` crate set to a loopback default (atuin's server:
//!   `Config::builder().set_default("host", "127.0.0.1")`), with the variable its
//!   `Environment::with_prefix("atuin")` source reads (`ATUIN_HOST`); keys of a section
//!   (`metrics.host`) are left alone: a metrics or admin port on loopback is often meant.
//!
//! - an unset option replaced by a loopback default in the code
//!   (`cfg.bindaddress.unwrap_or(vec![DEFAULT_SERVER_ADDRESS.to_string()])`, kanidm's server
//!   core, the constant `"127.0.0.1:8443"` in another crate of the workspace), with the clap
//!   field of that name (its `env` variable) when the binary's crates declare one.
//!
//! Where an address is an option's default (clap's, serde's, an unset option's), it may be a
//! string constant (`const DEFAULT_HTTP_ADDR: &str = "localhost:7700"`, meilisearch's), read
//! from the file or, for loopback addresses, from any file of the crates the binary builds,
//! and a clap default may be an argument-less function returning one (`default_value_t =
//! default_http_addr()`); a clap `env` may name its variable through a constant (`env =
//! MEILI_HTTP_ADDR`). A bind call given a constant is left alone (ntpd-rs's observation port,
//! a local control socket beside the real listener).
//!
//! It reads the module files of each binary, of its package's library and of the library-only
//! workspace crates the package depends on (every binary runs those: a thin binary over a
//! server library binds where the library does); a file that does not parse, or names no
//! loopback address at all, is skipped.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use syn::punctuated::Punctuated;
use syn::visit::Visit;
use syn::{Expr, Lit, Meta, Token};

use super::bin_sources::module_files;
use super::model::{LoopbackBind, LoopbackOption};
use crate::workspace::Package;

/// Text without which a file binds no loopback address isogen can read.
const HINTS: &[&str] = &["127.", "localhost", "LOCALHOST", "::1", "127,"];

/// Functions and methods that bind a listening socket to the address they are given.
const BIND_CALLS: &[&str] = &[
    "bind",
    "try_bind",
    "bind_rustls",
    "bind_rustls_0_23",
    "bind_openssl",
    "bind_auto_h2c",
];

/// Associated functions of a type named `Server` that build a server listening on the address
/// they are given first: tiny_http's `Server::http("127.0.0.1:8000")` and `Server::https`,
/// rouille's `Server::new("localhost:8000", handler)` (and its `start_server`).
const SERVER_CONSTRUCTORS: &[&str] = &["http", "https", "new"];

/// Clap field names that name the address the server itself listens on (besides any with a
/// word `bind` or `listen`, alone or glued to `addr`/`address`: kanidm's `bindaddress`);
/// `db_host`, `redis_addr` are addresses it connects to.
const LISTEN_NAMES: &[&str] = &[
    "host",
    "hostname",
    "addr",
    "address",
    "ip",
    "http_host",
    "http_addr",
    "http_address",
    "server_host",
    "server_addr",
    "server_address",
];

/// Whether `host` (a host, or `host:port`, `[v6]:port`) is a loopback address: `localhost`,
/// `127.x.x.x`, `::1`.
pub fn is_loopback(host: &str) -> bool {
    let host = host.trim();
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or(rest)
    } else if host.matches(':').count() == 1 {
        host.split(':').next().unwrap_or(host)
    } else {
        host
    };
    match name.parse::<std::net::IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => matches!(
            name.to_ascii_lowercase().as_str(),
            "localhost" | "ip6-localhost" | "ip6-loopback"
        ),
    }
}

/// Sets [`super::model::CargoPackage::loopback_binds`] of every package with binaries: those
/// of its binaries, of its library, and of the library-only workspace crates it depends on
/// (normal dependencies, transitively: a thin binary over a server library binds where the
/// library does), said of every binary. A crate with binaries of its own is another
/// deployable, and a server framework's own crate (a member in its repository) binds what
/// its callers give it. `dirs[k]` is the folder of `packages[k]`, at `first + k` in the
/// workspace.
pub(super) fn mark_loopback_binds(
    root: &Path,
    dirs: &[&str],
    packages: &mut [Package],
    first: usize,
) {
    let lib_file = |k: usize| -> Option<PathBuf> {
        let lib = packages[k].cargo.as_ref()?.lib.as_ref()?;
        Some(
            root.join(dirs.get(k).copied().unwrap_or(""))
                .join(&lib.path),
        )
    };
    // The loopback string constants of each library's files, then of each library with the
    // libraries it depends on (what its code can name).
    let mut lib_consts: Vec<Option<Consts>> = vec![None; packages.len()];
    let consts_of = |j: usize, lib_consts: &mut Vec<Option<Consts>>| -> Consts {
        let mut all = Consts::new();
        for i in std::iter::once(j).chain(library_deps(packages, j, first)) {
            let own = lib_consts[i].get_or_insert_with(|| {
                lib_file(i).map_or_else(Consts::new, |f| loopback_consts(&module_files(&f)))
            });
            all.extend(own.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        all
    };
    let mut libs: Vec<Option<Found>> = vec![None; packages.len()];
    let mut found_all = Vec::with_capacity(packages.len());
    for k in 0..packages.len() {
        let Some(c) = packages[k].cargo.as_ref().filter(|c| !c.bins.is_empty()) else {
            found_all.push(None);
            continue;
        };
        let dir = root.join(dirs.get(k).copied().unwrap_or(""));
        let mut found = Found::default();
        for j in std::iter::once(k).chain(library_deps(packages, k, first)) {
            if libs[j].is_none() {
                let consts = consts_of(j, &mut lib_consts);
                libs[j] = Some(lib_file(j).map_or_else(Found::default, |f| {
                    binds_in(root, None, &module_files(&f), &consts)
                }));
            }
            if let Some(lib) = &libs[j] {
                found.extend(lib.clone());
            }
        }
        let package_consts = consts_of(k, &mut lib_consts);
        for bin in &c.bins {
            let files = module_files(&dir.join(&bin.path));
            let mut consts = loopback_consts(&files);
            consts.extend(package_consts.iter().map(|(a, b)| (a.clone(), b.clone())));
            found.extend(binds_in(root, Some(&bin.name), &files, &consts));
        }
        found_all.push(Some(found.joined()));
    }
    for (p, found) in packages.iter_mut().zip(found_all) {
        if let (Some(c), Some(found)) = (p.cargo.as_mut(), found) {
            c.loopback_binds = found;
        }
    }
}

/// String constants with a loopback value, by name (`DEFAULT_SERVER_ADDRESS`).
type Consts = BTreeMap<String, String>;

/// The loopback binds of some files, and the clap options named as the listening address
/// they declare (by field name), for the binds that stand for an unset option.
#[derive(Debug, Clone, Default)]
struct Found {
    binds: Vec<LoopbackBind>,
    options: BTreeMap<String, LoopbackOption>,
}

impl Found {
    fn extend(&mut self, other: Found) {
        self.binds.extend(other.binds);
        for (name, option) in other.options {
            self.options.entry(name).or_insert(option);
        }
    }

    /// The binds, each unset option's given the clap field of its name.
    fn joined(self) -> Vec<LoopbackBind> {
        let options = self.options;
        (self.binds.into_iter())
            .map(|mut b| {
                if let Some(name) = &b.unset_of {
                    b.option = options.get(name).cloned();
                }
                b
            })
            .collect()
    }
}

/// The string constants of `files` whose value is a loopback address (`pub const
/// DEFAULT_SERVER_ADDRESS: &str = "127.0.0.1:8443";`), read from the text, line by line.
fn loopback_consts(files: &[PathBuf]) -> Consts {
    let mut out = Consts::new();
    for file in files {
        let Ok(text) = crate::fsio::read_to_string(file) else {
            continue;
        };
        if !HINTS.iter().any(|h| text.contains(h)) {
            continue;
        }
        for line in text.lines() {
            let Some((_, rest)) = line.split_once("const ") else {
                continue;
            };
            let Some((name, rest)) = rest.split_once(':') else {
                continue;
            };
            let Some(value) = rest
                .trim_start()
                .strip_prefix("&")
                .and_then(|r| r.trim_start().strip_prefix("'static").or(Some(r)))
                .and_then(|r| r.trim_start().strip_prefix("str"))
                .and_then(|r| r.trim_start().strip_prefix('='))
                .and_then(|r| r.trim_start().strip_prefix('"'))
                .and_then(|r| r.split('"').next())
            else {
                continue;
            };
            let name = name.trim();
            if is_loopback(value) && name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                out.insert(name.to_string(), value.to_string());
            }
        }
    }
    out
}

/// The library-only workspace crates `packages[k]` depends on through normal dependencies,
/// transitively (not through a crate with binaries or a server framework's own crate), in
/// breadth-first order, without `k`.
fn library_deps(packages: &[Package], k: usize, first: usize) -> Vec<usize> {
    let mut seen = vec![false; packages.len()];
    seen[k] = true;
    let mut order = Vec::new();
    let mut queue = std::collections::VecDeque::from([k]);
    while let Some(j) = queue.pop_front() {
        let next = (packages[j].internal_deps.iter())
            .filter(|d| d.kind == crate::workspace::DepKind::Normal)
            .filter_map(|d| d.package.checked_sub(first))
            .filter(|&i| i < packages.len());
        for i in next {
            if std::mem::replace(&mut seen[i], true) {
                continue;
            }
            let library = packages[i]
                .cargo
                .as_ref()
                .is_some_and(|c| c.bins.is_empty() && c.lib.is_some());
            let framework = super::services::SERVER_FRAMEWORKS.contains(&packages[i].name.as_str());
            if library && !framework {
                order.push(i);
                queue.push_back(i);
            }
        }
    }
    order
}

/// The loopback binds of `files`, said of `bin` (`None`: the library's), given the loopback
/// constants the crates can name; with the clap options they declare.
fn binds_in(root: &Path, bin: Option<&str>, files: &[PathBuf], consts: &Consts) -> Found {
    let mut out = Found::default();
    for file in files {
        let Ok(text) = crate::fsio::read_to_string(file) else {
            continue;
        };
        let names_const = consts.keys().any(|c| text.contains(c.as_str()));
        // A clap field with a variable: the option an unset-default elsewhere may name.
        let declares_env = (text.contains("env =") || text.contains("env="))
            && ["#[clap(", "#[arg(", "#[structopt("]
                .iter()
                .any(|a| text.contains(a));
        if !HINTS.iter().any(|h| text.contains(h)) && !names_const && !declares_env {
            continue;
        }
        let Ok(parsed) = syn::parse_file(&text) else {
            continue;
        };
        let rel = (file.strip_prefix(root).unwrap_or(file))
            .to_string_lossy()
            .replace('\\', "/");
        let mut v = Binds {
            env_prefix: env_prefix(&text),
            consts: consts.clone(),
            ..Binds::default()
        };
        v.strings = string_consts(&parsed.items);
        if text.contains("serde(") || text.contains("default_value") {
            v.default_fns = default_fns(&v, &parsed.items);
        }
        v.visit_file(&parsed);
        out.options.extend(v.options);
        out.binds.extend(
            v.found
                .into_iter()
                .map(|(line, address, option, unset_of)| LoopbackBind {
                    bin: bin.map(str::to_string),
                    file: rel.clone(),
                    line,
                    address,
                    option,
                    unset_of,
                }),
        );
    }
    out
}

/// The string constants of `items` (and of the modules written inside them), by name: a
/// clap `env = MEILI_HTTP_ADDR` names its variable through one.
fn string_consts(items: &[syn::Item]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for item in items {
        match item {
            syn::Item::Const(c) => {
                if let Expr::Lit(l) = &*c.expr {
                    if let Lit::Str(v) = &l.lit {
                        out.insert(c.ident.to_string(), v.value());
                    }
                }
            }
            syn::Item::Mod(m) => {
                if let Some((_, inner)) = &m.content {
                    out.extend(string_consts(inner));
                }
            }
            _ => {}
        }
    }
    out
}

#[derive(Default)]
struct Binds {
    /// Names a `let` gave a loopback address, and that address.
    names: BTreeMap<String, String>,
    /// (line, address as written, the clap option when it is one's default, the option an
    /// `unwrap_or` gives it to when unset).
    found: Vec<(usize, String, Option<LoopbackOption>, Option<String>)>,
    /// Loopback string constants the file's crate can name (its own and its libraries').
    consts: Consts,
    /// The file's own string constants, whatever their value.
    strings: BTreeMap<String, String>,
    /// The clap fields named as the listening address, by name, with their flag and `env`.
    options: BTreeMap<String, LoopbackOption>,
    /// Inside `#[cfg(test)]` or a `#[test]` function.
    in_test: bool,
    /// What the file's config loader puts before a key's name to make its environment
    /// variable: `ATUIN_` for the `config` crate's `Environment::with_prefix("atuin")`,
    /// `CONDUWUIT_` for figment's `Env::prefixed("CONDUWUIT_")` (the last one, which wins).
    env_prefix: Option<String>,
    /// The file's argument-less functions that return a loopback address (serde's
    /// `default = "default_address"`), and that address.
    default_fns: BTreeMap<String, String>,
    /// Inside the struct that deserializes the whole configuration (see [`CONFIG_STRUCTS`]).
    in_config: bool,
    /// Inside a variant of an enum that derives clap's `Subcommand`: the subcommand's name.
    subcommand: Option<String>,
}

/// Names of the struct a server deserializes its whole configuration into: only its own
/// top-level keys are the listening address (a `DatabaseConfig`'s `address` is one it connects
/// to).
const CONFIG_STRUCTS: &[&str] = &["Config", "Settings", "ServerConfig", "AppConfig"];

/// Whether a struct's doc comment says it configures a client (corrosion's `consul-client`
/// crate: `/// HashiCorp Consul client configuration.` over a `Config` whose `address`,
/// `127.0.0.1:8501` by default, is the Consul agent it connects to, not one it listens on).
fn client_doc(attrs: &[syn::Attribute]) -> bool {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .any(|a| match &a.meta {
            Meta::NameValue(nv) => matches!(&nv.value, Expr::Lit(l) if matches!(&l.lit,
            Lit::Str(t) if t.value().split(|c: char| !c.is_ascii_alphanumeric())
                .any(|w| w.eq_ignore_ascii_case("client")))),
            _ => false,
        })
}

/// See [`Binds::env_prefix`].
fn env_prefix(text: &str) -> Option<String> {
    let quoted = |call: &str, at: usize| {
        text[at + call.len()..]
            .split('"')
            .next()
            .map(str::to_string)
    };
    let config = text
        .find("Environment::with_prefix(\"")
        .and_then(|at| quoted("Environment::with_prefix(\"", at))
        .filter(|p| !p.is_empty())
        .map(|p| format!("{}_", p.to_ascii_uppercase()));
    let figment = text
        .rfind("Env::prefixed(\"")
        .and_then(|at| quoted("Env::prefixed(\"", at))
        .filter(|p| !p.is_empty());
    config.or(figment)
}

/// The argument-less functions of `items` (and of the modules written inside them) whose body
/// gives a loopback address somewhere (conduwuit's `fn default_address() -> ListeningAddr {
/// ListeningAddr { addrs: Right(vec![Ipv4Addr::LOCALHOST.into(), ...]) } }`), with it.
fn default_fns(binds: &Binds, items: &[syn::Item]) -> BTreeMap<String, String> {
    struct First<'b> {
        binds: &'b Binds,
        found: Option<String>,
    }
    impl<'ast> Visit<'ast> for First<'_> {
        fn visit_expr(&mut self, e: &'ast Expr) {
            if self.found.is_none() {
                self.found = self.binds.loopback(e);
                syn::visit::visit_expr(self, e);
            }
        }
    }
    let mut out = BTreeMap::new();
    for item in items {
        match item {
            syn::Item::Fn(f) if f.sig.inputs.is_empty() => {
                let mut first = First { binds, found: None };
                first.visit_block(&f.block);
                if let Some(address) = first.found {
                    out.insert(f.sig.ident.to_string(), address);
                }
            }
            syn::Item::Mod(m) => {
                if let Some((_, inner)) = &m.content {
                    out.extend(default_fns(binds, inner));
                }
            }
            _ => {}
        }
    }
    out
}

/// The function a `#[serde(default = "...")]` attribute names, if any.
fn serde_default(attrs: &[syn::Attribute]) -> Option<String> {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("serde"))
        .filter_map(|a| {
            a.parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated)
                .ok()
        })
        .flatten()
        .find_map(|m| match m {
            Meta::NameValue(nv) if nv.path.is_ident("default") => match nv.value {
                Expr::Lit(syn::ExprLit {
                    lit: Lit::Str(s), ..
                }) => Some(s.value()),
                _ => None,
            },
            _ => None,
        })
}

/// Whether `attrs` derive serde's `Deserialize`.
fn derives_deserialize(attrs: &[syn::Attribute]) -> bool {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("derive"))
        .any(|a| {
            a.parse_args_with(Punctuated::<syn::Path, Token![,]>::parse_terminated)
                .is_ok_and(|paths| {
                    paths
                        .iter()
                        .any(|p| p.segments.last().is_some_and(|s| s.ident == "Deserialize"))
                })
        })
}

/// Whether a field or key name says it is the address the server itself listens on.
fn listen_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let glued = |w: &str, head: &str| {
        w.strip_prefix(head)
            .is_some_and(|rest| ["", "addr", "address", "addrs", "addresses"].contains(&rest))
    };
    LISTEN_NAMES.contains(&lower.as_str())
        || lower
            .split('_')
            .any(|w| glued(w, "bind") || glued(w, "listen"))
}

impl Binds {
    /// The loopback address `e` gives, as written, if it is one isogen can read.
    fn loopback(&self, e: &Expr) -> Option<String> {
        self.resolve(e, true)
    }

    /// The loopback address `e` gives as written, string constants left unread: a bind call
    /// given a constant (ntpd-rs's observation port, `TcpListener::bind(OBSERVE_ADDR)`) is
    /// often a local control socket beside the service's real listener; constants count only
    /// where they are an option's default.
    fn written(&self, e: &Expr) -> Option<String> {
        self.resolve(e, false)
    }

    /// See [`Binds::loopback`]; `consts`: whether string constants are read.
    fn resolve(&self, e: &Expr, consts: bool) -> Option<String> {
        match e {
            Expr::Lit(l) => match &l.lit {
                Lit::Str(s) => Some(s.value()).filter(|v| is_loopback(v)),
                _ => None,
            },
            Expr::Macro(m) => {
                let args = m
                    .mac
                    .parse_body_with(Punctuated::<Expr, Token![,]>::parse_terminated)
                    .ok()?;
                self.resolve(args.first()?, consts)
            }
            Expr::Path(p) => {
                let segments: Vec<String> = p
                    .path
                    .segments
                    .iter()
                    .map(|s| s.ident.to_string())
                    .collect();
                match segments.iter().map(String::as_str).collect::<Vec<_>>()[..] {
                    [.., "Ipv4Addr", "LOCALHOST"] => Some("127.0.0.1".into()),
                    [.., "Ipv6Addr", "LOCALHOST"] => Some("::1".into()),
                    [name] => (self.names.get(name))
                        .or_else(|| self.consts.get(name).filter(|_| consts))
                        .or_else(|| (self.strings.get(name)).filter(|v| consts && is_loopback(v)))
                        .cloned(),
                    [.., name] => self.consts.get(name).filter(|_| consts).cloned(),
                    _ => None,
                }
            }
            Expr::Array(a) => {
                let octets: Vec<String> = a.elems.iter().filter_map(int).collect();
                (octets.len() == 4 && octets[0] == "127").then(|| octets.join("."))
            }
            Expr::Call(c) if c.args.is_empty() => match &*c.func {
                Expr::Path(p) => (p.path.get_ident())
                    .filter(|_| consts)
                    .and_then(|f| self.default_fns.get(&f.to_string()).cloned()),
                _ => None,
            },
            Expr::Call(c) => {
                let octets: Vec<String> = c.args.iter().filter_map(int).collect();
                if octets.len() == 4 && octets[0] == "127" {
                    return Some(octets.join("."));
                }
                c.args.iter().find_map(|a| self.resolve(a, consts))
            }
            Expr::Tuple(t) => t.elems.first().and_then(|e| self.resolve(e, consts)),
            Expr::Reference(r) => self.resolve(&r.expr, consts),
            Expr::Paren(p) => self.resolve(&p.expr, consts),
            Expr::Group(g) => self.resolve(&g.expr, consts),
            Expr::Try(t) => self.resolve(&t.expr, consts),
            Expr::Await(a) => self.resolve(&a.base, consts),
            Expr::MethodCall(m) => self.resolve(&m.receiver, consts),
            _ => None,
        }
    }

    fn bind_arg(&mut self, line: usize, arg: Option<&Expr>) {
        if self.in_test || arg.is_some_and(ephemeral) {
            return;
        }
        if let Some(address) = arg.and_then(|a| self.written(a)) {
            self.found.push((line, address, None, None));
        }
    }

    /// `<option>.unwrap_or(<loopback>)` (or `unwrap_or_else(|| <loopback>)`) where the
    /// receiver ends in a name said as the listening address: the address the code gives an
    /// unset option (kanidm's `bindaddress.unwrap_or(vec![DEFAULT_SERVER_ADDRESS.to_string()])`).
    fn unset_default(&mut self, call: &syn::ExprMethodCall) {
        let method = call.method.to_string();
        if self.in_test || !(method == "unwrap_or" || method == "unwrap_or_else") {
            return;
        }
        let Some(name) = receiver_name(&call.receiver).filter(|n| listen_name(n)) else {
            return;
        };
        let value = match call.args.first() {
            Some(Expr::Closure(c)) => &*c.body,
            Some(e) => e,
            None => return,
        };
        if let Some(address) = self.loopback(value) {
            let line = call.method.span().start().line;
            self.found.push((line, address, None, Some(name)));
        }
    }
}

/// The last name of a receiver chain (`cfg.bindaddress.clone()`: `bindaddress`).
fn receiver_name(e: &Expr) -> Option<String> {
    match e {
        Expr::Field(f) => match &f.member {
            syn::Member::Named(n) => Some(n.to_string()),
            syn::Member::Unnamed(_) => None,
        },
        Expr::Path(p) => p.path.get_ident().map(ToString::to_string),
        Expr::MethodCall(m) => receiver_name(&m.receiver),
        Expr::Reference(r) => receiver_name(&r.expr),
        Expr::Paren(p) => receiver_name(&p.expr),
        _ => None,
    }
}

/// Whether a bind address asks for port 0, any free port: nobody outside can know it, so it
/// is a helper socket, not the service's listener (tensorzero-core's
/// `TcpListener::bind("127.0.0.1:0")` for a client's embedded gateway). `"127.0.0.1:0"`,
/// `("127.0.0.1", 0)`, `SocketAddr::from(([127, 0, 0, 1], 0))`, and the standard library's
/// constructors given port 0 (`SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0)`, quadratic's SSH
/// tunnel forwarding a random local port to a database; `SocketAddr::new`, `SocketAddrV6::new`).
fn ephemeral(e: &Expr) -> bool {
    match e {
        Expr::Lit(l) => matches!(&l.lit, Lit::Str(s) if s.value().ends_with(":0")),
        Expr::Tuple(t) => t.elems.len() == 2 && int(&t.elems[1]).is_some_and(|p| p == "0"),
        Expr::Call(c) if socket_addr_new(&c.func) => {
            c.args.len() >= 2 && int(&c.args[1]).is_some_and(|p| p == "0")
        }
        Expr::Call(c) => c.args.len() == 1 && c.args.first().is_some_and(ephemeral),
        Expr::Reference(r) => ephemeral(&r.expr),
        Expr::Paren(p) => ephemeral(&p.expr),
        Expr::Group(g) => ephemeral(&g.expr),
        Expr::MethodCall(m) => ephemeral(&m.receiver),
        Expr::Macro(m) => m
            .mac
            .parse_body_with(Punctuated::<Expr, Token![,]>::parse_terminated)
            .is_ok_and(|args| args.first().is_some_and(ephemeral)),
        _ => false,
    }
}

/// Whether `func` is a socket address constructor whose second argument is the port:
/// `SocketAddrV4::new(ip, port)`, `SocketAddr::new(ip, port)`, `SocketAddrV6::new(ip, port,
/// flowinfo, scope_id)`, with or without a `std::net::` path.
fn socket_addr_new(func: &Expr) -> bool {
    let Expr::Path(p) = func else {
        return false;
    };
    let names: Vec<String> = (p.path.segments.iter())
        .map(|s| s.ident.to_string())
        .collect();
    matches!(
        names.iter().map(String::as_str).collect::<Vec<_>>()[..],
        [.., "SocketAddr" | "SocketAddrV4" | "SocketAddrV6", "new"]
    )
}

/// An integer literal's digits.
fn int(e: &Expr) -> Option<String> {
    match e {
        Expr::Lit(l) => match &l.lit {
            Lit::Int(i) => Some(i.base10_digits().to_string()),
            _ => None,
        },
        _ => None,
    }
}

/// Whether `attrs` mark test-only code: `#[cfg(test)]`, `#[cfg(all(test, target_os =
/// "linux"))]` (dragonfly's storage server), `#[test]`, `#[tokio::test]`.
fn test_only(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        let last = a.path().segments.last().map(|s| s.ident.to_string());
        let cfg_test =
            a.path().is_ident("cfg") && a.parse_args::<Meta>().is_ok_and(|m| cfg_needs_test(&m));
        cfg_test || last.as_deref() == Some("test")
    })
}

/// Whether a `cfg` predicate holds only in test builds: `test`, or an `all(...)` with such a
/// predicate in it.
fn cfg_needs_test(m: &Meta) -> bool {
    match m {
        Meta::Path(p) => p.is_ident("test"),
        Meta::List(l) if l.path.is_ident("all") => l
            .parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated)
            .is_ok_and(|items| items.iter().any(cfg_needs_test)),
        _ => false,
    }
}

impl<'ast> Visit<'ast> for Binds {
    fn visit_item_mod(&mut self, it: &'ast syn::ItemMod) {
        let outer = self.in_test;
        self.in_test |= test_only(&it.attrs);
        syn::visit::visit_item_mod(self, it);
        self.in_test = outer;
    }

    fn visit_item_fn(&mut self, it: &'ast syn::ItemFn) {
        let outer = self.in_test;
        self.in_test |= test_only(&it.attrs);
        syn::visit::visit_item_fn(self, it);
        self.in_test = outer;
    }

    fn visit_local(&mut self, it: &'ast syn::Local) {
        syn::visit::visit_local(self, it);
        let pat = match &it.pat {
            syn::Pat::Type(t) => &*t.pat,
            p => p,
        };
        if let (syn::Pat::Ident(id), Some(init)) = (pat, &it.init) {
            let address = Some(&*init.expr)
                .filter(|e| !ephemeral(e))
                .and_then(|e| self.written(e));
            match address {
                Some(a) => self.names.insert(id.ident.to_string(), a),
                None => self.names.remove(&id.ident.to_string()),
            };
        }
    }

    fn visit_expr_call(&mut self, it: &'ast syn::ExprCall) {
        syn::visit::visit_expr_call(self, it);
        let Expr::Path(p) = &*it.func else {
            return;
        };
        let Some(last) = p.path.segments.last() else {
            return;
        };
        let names: Vec<String> = (p.path.segments.iter())
            .map(|s| s.ident.to_string())
            .collect();
        let constructor = match names.iter().map(String::as_str).collect::<Vec<_>>()[..] {
            [.., "Server", f] => SERVER_CONSTRUCTORS.contains(&f),
            [.., f] => f == "start_server",
            _ => false,
        };
        if constructor || BIND_CALLS.contains(&last.ident.to_string().as_str()) {
            self.bind_arg(last.ident.span().start().line, it.args.first());
        }
    }

    fn visit_expr_method_call(&mut self, it: &'ast syn::ExprMethodCall) {
        syn::visit::visit_expr_method_call(self, it);
        let method = it.method.to_string();
        // warp: `warp::serve(routes).run(([127, 0, 0, 1], 3030))`.
        let warp_run = method == "run"
            && matches!(&*it.receiver, Expr::Call(c) if matches!(&*c.func,
                Expr::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "serve")));
        if warp_run || BIND_CALLS.contains(&method.as_str()) {
            self.bind_arg(it.method.span().start().line, it.args.first());
        }
        if method == "set_default" && !self.in_test {
            self.config_default(it);
        }
        self.unset_default(it);
    }

    fn visit_item_enum(&mut self, it: &'ast syn::ItemEnum) {
        let derives_subcommand = it.attrs.iter().any(|a| {
            a.path().is_ident("derive")
                && a.parse_args_with(Punctuated::<syn::Path, Token![,]>::parse_terminated)
                    .is_ok_and(|paths| {
                        paths
                            .iter()
                            .any(|p| p.segments.last().is_some_and(|s| s.ident == "Subcommand"))
                    })
        });
        if !derives_subcommand {
            syn::visit::visit_item_enum(self, it);
            return;
        }
        let outer = self.subcommand.take();
        for v in &it.variants {
            let renamed = v.attrs.iter().find_map(super::cli_args::attr_name);
            self.subcommand = Some(
                renamed.unwrap_or_else(|| super::subcommand_names::kebab(&v.ident.to_string())),
            );
            syn::visit::visit_variant(self, v);
        }
        self.subcommand = outer;
    }

    fn visit_item_struct(&mut self, it: &'ast syn::ItemStruct) {
        let outer = self.in_config;
        self.in_config = CONFIG_STRUCTS.iter().any(|c| it.ident == c)
            && derives_deserialize(&it.attrs)
            && !client_doc(&it.attrs);
        syn::visit::visit_item_struct(self, it);
        self.in_config = outer;
    }

    fn visit_field(&mut self, it: &'ast syn::Field) {
        syn::visit::visit_field(self, it);
        let Some(ident) = &it.ident else {
            return;
        };
        let name = ident.to_string();
        if !listen_name(&name) || self.in_test {
            return;
        }
        let serde_default = (serde_default(&it.attrs).filter(|_| self.in_config))
            .and_then(|f| self.default_fns.get(&f).cloned());
        if let Some(address) = serde_default {
            let option = LoopbackOption {
                flag: None,
                env: (self.env_prefix.as_ref())
                    .map(|p| format!("{p}{}", name.to_ascii_uppercase())),
                config_key: Some(name),
                subcommand: None,
            };
            self.found
                .push((ident.span().start().line, address, Some(option), None));
            return;
        }
        let (address, mut option) = self.clap_default(&name, &it.attrs);
        if let Some(address) = address {
            option.subcommand = self.subcommand.clone();
            self.found.push((
                ident.span().start().line,
                address,
                Some(option.clone()),
                None,
            ));
        }
        if option != LoopbackOption::default() {
            self.options.entry(name).or_insert(option);
        }
    }
}

impl Binds {
    /// `set_default("<key>", "<loopback>")` of the `config` crate, for a top-level key named
    /// as the listening address.
    fn config_default(&mut self, call: &syn::ExprMethodCall) {
        let (Some(Expr::Lit(key)), Some(value)) = (call.args.first(), call.args.get(1)) else {
            return;
        };
        let Lit::Str(key) = &key.lit else {
            return;
        };
        let key = key.value();
        if key.contains('.') || !listen_name(&key) {
            return;
        }
        let Some(address) = self.written(value) else {
            return;
        };
        let env = (self.env_prefix.as_ref()).map(|p| format!("{p}{}", key.to_ascii_uppercase()));
        let option = LoopbackOption {
            flag: None,
            env,
            config_key: Some(key),
            subcommand: None,
        };
        let line = call.method.span().start().line;
        self.found.push((line, address, Some(option), None));
    }

    /// A clap field's loopback default, if it has one, and its flag and `env` variable
    /// (`LoopbackOption::default()` when it is no clap field).
    fn clap_default(
        &self,
        field: &str,
        attrs: &[syn::Attribute],
    ) -> (Option<String>, LoopbackOption) {
        let mut default = None;
        let mut option = LoopbackOption::default();
        for attr in attrs {
            let clap = ["arg", "clap", "structopt"]
                .iter()
                .any(|k| attr.path().is_ident(k));
            if !clap {
                continue;
            }
            let Ok(items) = attr.parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated)
            else {
                continue;
            };
            for m in items {
                let key = m
                    .path()
                    .get_ident()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                let value = match &m {
                    Meta::NameValue(nv) => Some(&nv.value),
                    _ => None,
                };
                let text = value.and_then(|v| match v {
                    Expr::Lit(l) => match &l.lit {
                        Lit::Str(s) => Some(s.value()),
                        Lit::Char(c) => Some(c.value().to_string()),
                        _ => None,
                    },
                    Expr::Path(p) => (p.path.get_ident())
                        .and_then(|c| self.strings.get(&c.to_string()))
                        .cloned(),
                    _ => None,
                });
                let kebab = field.replace('_', "-");
                match key.as_str() {
                    "default_value" | "default_value_t" => {
                        default = value.and_then(|v| self.loopback(v));
                    }
                    "long" => option.flag = Some(format!("--{}", text.unwrap_or(kebab))),
                    "short" if option.flag.is_none() => {
                        let c = text.unwrap_or_else(|| kebab.chars().take(1).collect());
                        option.flag = Some(format!("-{c}"));
                    }
                    "env" => {
                        let var = text.unwrap_or_else(|| field.to_ascii_uppercase());
                        option.env = Some(var);
                    }
                    _ => {}
                }
            }
        }
        (default, option)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(src: &str) -> Vec<(usize, String, Option<LoopbackOption>)> {
        let mut v = Binds::default();
        v.visit_file(&syn::parse_file(src).unwrap());
        v.found.into_iter().map(|(l, a, o, _)| (l, a, o)).collect()
    }

    #[test]
    fn loopback_addresses() {
        for a in [
            "127.0.0.1",
            "127.0.0.1:8080",
            "localhost",
            "localhost:3000",
            "::1",
        ] {
            assert!(is_loopback(a), "{a}");
        }
        for a in ["[::1]:80", "127.1.2.3", "LOCALHOST"] {
            assert!(is_loopback(a), "{a}");
        }
        for a in [
            "0.0.0.0",
            "0.0.0.0:8080",
            "[::]:3900",
            "::",
            "example.com",
            "10.0.0.1:80",
        ] {
            assert!(!is_loopback(a), "{a}");
        }
    }

    #[test]
    fn bind_calls_with_a_loopback_address() {
        let src = r#"
async fn main() {
    let port = 6379;
    let listener = TcpListener::bind(&format!("127.0.0.1:{port}")).await?;
    HttpServer::new(app).bind(("localhost", 8080))?.run().await
}
fn other() {
    let addr = SocketAddr::from(([127, 0, 0, 1], 3000));
    axum_server::bind(addr).serve(app).await;
    warp::serve(routes).run((Ipv4Addr::LOCALHOST, 3030)).await;
    let all = TcpListener::bind("0.0.0.0:8080");
    let client = TcpStream::connect("127.0.0.1:6379");
}
#[cfg(test)]
mod tests {
    fn t() { TcpListener::bind("127.0.0.1:0"); }
}
#[cfg(all(test, target_os = "linux"))]
mod linux_tests {
    async fn pair() { TcpListener::bind("127.0.0.1:0").await.unwrap(); }
}
#[cfg(any(test, feature = "dev"))]
fn dev() { TcpListener::bind("127.0.0.1:7000"); }
pub async fn start_embedded() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let other = TcpListener::bind(("localhost", 0))?;
    let third = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))?;
    let tunnel = TcpListener::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0)).await?;
    let v6 = TcpListener::bind(std::net::SocketAddrV6::new(Ipv6Addr::LOCALHOST, 0, 0, 0))?;
    let fixed = TcpListener::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 8080))?;
    let any_port = "127.0.0.1:0";
    let fourth = TcpListener::bind(any_port)?;
}
"#;
        let got: Vec<(usize, String)> = found(src).into_iter().map(|(l, a, _)| (l, a)).collect();
        assert_eq!(
            got,
            vec![
                (4, "127.0.0.1:{port}".to_string()),
                (5, "localhost".to_string()),
                (9, "127.0.0.1".to_string()),
                (10, "127.0.0.1".to_string()),
                (23, "127.0.0.1:7000".to_string()),
                (30, "127.0.0.1".to_string()),
            ]
        );
    }

    #[test]
    fn config_crate_defaults_of_the_listening_address() {
        let src = r#"
fn new() -> Result<Settings, ConfigError> {
    let builder = Config::builder()
        .set_default("host", "127.0.0.1")?
        .set_default("port", 8888)?
        .set_default("metrics.host", "127.0.0.1")?
        .set_default("database_host", "localhost")?
        .add_source(Environment::with_prefix("atuin").prefix_separator("_").separator("__"));
    builder.build()?.try_deserialize()
}
"#;
        let mut v = Binds {
            env_prefix: env_prefix(src),
            ..Binds::default()
        };
        v.visit_file(&syn::parse_file(src).unwrap());
        assert_eq!(v.found.len(), 1, "{:?}", v.found);
        let (line, address, option, _) = v.found.remove(0);
        assert_eq!((line, address.as_str()), (4, "127.0.0.1"));
        let option = option.unwrap();
        assert_eq!(option.env.as_deref(), Some("ATUIN_HOST"));
        assert_eq!(option.config_key.as_deref(), Some("host"));
    }

    #[test]
    fn clap_defaults_of_listening_options() {
        let src = r#"
#[derive(Parser)]
struct Cli {
    #[arg(long, env = "LISTEN_ADDR", default_value = "127.0.0.1:8080")]
    listen_addr: SocketAddr,
    #[arg(short = 'H', default_value = "localhost")]
    host: String,
    #[arg(long, default_value = "0.0.0.0:9000")]
    metrics_bind: String,
    #[arg(long, default_value = "127.0.0.1:5432")]
    database_url: String,
    #[arg(long, default_value = "localhost")]
    db_host: String,
}
"#;
        let got = found(src);
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[0].0, 5);
        assert_eq!(got[0].1, "127.0.0.1:8080");
        let o = got[0].2.clone().unwrap();
        assert_eq!(o.flag.as_deref(), Some("--listen-addr"));
        assert_eq!(o.env.as_deref(), Some("LISTEN_ADDR"));
        let o = got[1].2.clone().unwrap();
        assert_eq!((o.flag.as_deref(), o.env), (Some("-H"), None));
    }

    #[test]
    fn server_constructors_with_an_address() {
        let src = r#"
fn main() {
    let server = tiny_http::Server::http("127.0.0.1:9000").unwrap();
    let tls = Server::https(("localhost", 9443), config).unwrap();
    rouille::start_server("localhost:8000", move |request| handle(request));
    let all = tiny_http::Server::http("0.0.0.0:9000").unwrap();
    let client = Client::http("127.0.0.1:9000");
    let pool = Pool::new("127.0.0.1:5432");
}
"#;
        let got: Vec<(usize, String)> = found(src).into_iter().map(|(l, a, _)| (l, a)).collect();
        assert_eq!(
            got,
            vec![
                (3, "127.0.0.1:9000".to_string()),
                (4, "localhost".to_string()),
                (5, "localhost:8000".to_string()),
            ]
        );
    }

    #[test]
    fn serde_defaults_of_the_configs_listening_address() {
        // conduwuit: `address` defaults to ["127.0.0.1", "::1"]; figment reads
        // `CONDUWUIT_ADDRESS`. A section's `address` and a non-loopback default say nothing.
        let src = r#"
#[derive(Clone, Debug, Deserialize)]
pub struct Config {
    pub server_name: String,
    #[serde(default = "default_address")]
    address: ListeningAddr,
    #[serde(default = "default_port")]
    port: u16,
    #[serde(default = "default_metrics_bind")]
    metrics_bind: String,
}
#[derive(Deserialize)]
pub struct DatabaseConfig {
    #[serde(default = "default_address")]
    address: ListeningAddr,
}
mod consul {
    /// HashiCorp Consul client configuration.
    #[derive(Debug, Clone, Deserialize, Serialize)]
    pub struct Config {
        /// Vault address
        #[serde(default = "default_address")]
        pub address: String,
    }
}
fn load() -> Figment {
    Figment::new()
        .merge(Env::prefixed("CONDUIT_").global().split("__"))
        .merge(Env::prefixed("CONDUWUIT_").global().split("__"))
}
fn default_address() -> ListeningAddr {
    ListeningAddr { addrs: Right(vec![Ipv4Addr::LOCALHOST.into(), Ipv6Addr::LOCALHOST.into()]) }
}
fn default_port() -> u16 { 8008 }
fn default_metrics_bind() -> String { "0.0.0.0:9090".into() }
"#;
        let mut v = Binds {
            env_prefix: env_prefix(src),
            ..Binds::default()
        };
        let parsed = syn::parse_file(src).unwrap();
        v.default_fns = default_fns(&v, &parsed.items);
        v.visit_file(&parsed);
        assert_eq!(v.found.len(), 1, "{:?}", v.found);
        let (line, address, option, _) = v.found.remove(0);
        assert_eq!((line, address.as_str()), (6, "127.0.0.1"));
        let option = option.unwrap();
        assert_eq!(option.env.as_deref(), Some("CONDUWUIT_ADDRESS"));
        assert_eq!(option.config_key.as_deref(), Some("address"));
        assert_eq!(option.flag, None);
    }
}
