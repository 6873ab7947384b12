//! Where a binary parses its command line when it does so in another workspace crate, behind
//! a function it calls: kellnr's `main` calls `kellnr_settings::parse_cli()` (imported with
//! `use kellnr_settings::parse_cli`), whose body runs `Cli::parse()` on the settings crate's
//! `Cli`. The calls the binary makes to a workspace crate's functions (`krate::f()`,
//! `krate::module::f()`, or `f()` after `use krate::...::f`) are followed into that crate, by
//! the functions' names, through the crate's own calls (a few levels deep), to a
//! `<Struct>::parse()` of a struct deriving `Parser` or `StructOpt` that the crate declares.
//!
//! Only what can be told for sure: a call isogen cannot follow (a method, a trait's function,
//! a builder) into a crate that does parse a command line somewhere is reported as
//! [`Followed::Unsure`], never guessed at. Also here: [`help_without`], the code that prints
//! the help when an optional subcommand is left out (kellnr: `None => {
//! Cli::command().print_help() }`), which makes the binary do nothing run bare.
//!
//! Everything is parsed with `syn`; a file that does not parse is skipped.

use std::collections::BTreeSet;
use std::path::PathBuf;

use syn::visit::Visit;
use syn::{Expr, Item};

use super::cli_args::PARSE_FNS;
use super::model::UnsureCommandLine;

/// How many calls deep a crate's functions are followed.
const DEPTH: usize = 3;

/// Methods that print a clap command's help (or render it for printing).
const PRINTS_HELP: &[&str] = &[
    "print_help",
    "print_long_help",
    "write_help",
    "write_long_help",
    "render_help",
    "render_long_help",
];

/// What [`follow`] found.
pub(super) enum Followed {
    /// The crate `krate` parses its struct `ident`.
    Parsed {
        krate: String,
        ident: String,
    },
    /// The binary calls into a crate that parses a command line, but isogen could not follow
    /// the call there (`bin` left empty, `file` absolute).
    Unsure(UnsureCommandLine),
    Nothing,
}

/// Every call of a path in `parsed` (`a::b::f(..)` -> `[a, b, f]`), in the files' order.
pub(super) fn calls(parsed: &[(PathBuf, syn::File)]) -> Vec<Vec<String>> {
    let mut v = Calls(Vec::new());
    for (_, file) in parsed {
        v.visit_file(file);
    }
    v.0
}

struct Calls(Vec<Vec<String>>);

impl<'ast> Visit<'ast> for Calls {
    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        if let Expr::Path(p) = &*c.func {
            let path = p
                .path
                .segments
                .iter()
                .map(|s| s.ident.to_string())
                .collect();
            self.0.push(path);
        }
        syn::visit::visit_expr_call(self, c);
    }
}

/// Follows the calls `calls` of a binary (with its `use` imports, local name -> path) into
/// the workspace crates `crate_files` names (see the module doc).
pub(super) fn follow(
    calls: &[Vec<String>],
    imports: &[(String, Vec<String>)],
    crate_files: &dyn Fn(&str) -> Vec<PathBuf>,
) -> Followed {
    // (crate, the path in it) of each call into a workspace crate.
    let mut into: Vec<(String, Vec<String>)> = Vec::new();
    for call in calls {
        let full = match imports
            .iter()
            .find(|(local, _)| Some(local) == call.first())
        {
            Some((_, path)) => path.iter().chain(&call[1..]).cloned().collect(),
            None => call.clone(),
        };
        let [krate, rest @ ..] = full.as_slice() else {
            continue;
        };
        if rest.is_empty() || ["crate", "self", "super", "std", "core"].contains(&krate.as_str()) {
            continue;
        }
        let entry = (krate.clone(), rest.to_vec());
        if !into.contains(&entry) {
            into.push(entry);
        }
    }
    let mut unsure = None;
    let mut crates: Vec<(String, Vec<(PathBuf, syn::File)>)> = Vec::new();
    for (krate, path) in &into {
        if !crates.iter().any(|(k, _)| k == krate) {
            let files = crate_files(krate);
            if files.is_empty() {
                continue;
            }
            crates.push((krate.clone(), super::cli_args::parse_files(&files)));
        }
        let Some((_, parsed)) = crates.iter().find(|(k, _)| k == krate) else {
            continue;
        };
        let items = super::cli_args::located(parsed);
        if let Some(ident) = parses(&items, path) {
            return Followed::Parsed {
                krate: krate.clone(),
                ident,
            };
        }
        let parsers = parsers_in(&items, parsed);
        if unsure.is_none() && !parsers.is_empty() {
            unsure = Some(UnsureCommandLine {
                bin: String::new(),
                call: format!("{krate}::{}", path.join("::")),
                parsers,
            });
        }
    }
    unsure.map_or(Followed::Nothing, Followed::Unsure)
}

/// Whether `items` declare a struct named `name` deriving `Parser` or `StructOpt`.
fn parser_named(items: &super::cli_args::Items<'_>, name: &str) -> bool {
    items.iter().any(|(_, i)| {
        matches!(i, Item::Struct(s) if s.ident == name && s.attrs.iter().any(super::cli_args::derives_parser))
    })
}

/// The struct a call of `path` in a crate (of `items`) parses: `Cli::parse` itself, or the
/// function of that name (a free function or a method of any `impl`) whose body parses it or
/// calls a function of the crate that does, [`DEPTH`] calls deep.
fn parses(items: &super::cli_args::Items<'_>, path: &[String]) -> Option<String> {
    if let [.., ty, f] = path {
        if PARSE_FNS.contains(&f.as_str()) && parser_named(items, ty) {
            return Some(ty.clone());
        }
    }
    let mut seen = BTreeSet::new();
    parses_in(items, path.last()?, 0, &mut seen)
}

fn parses_in(
    items: &super::cli_args::Items<'_>,
    name: &str,
    depth: usize,
    seen: &mut BTreeSet<String>,
) -> Option<String> {
    if depth > DEPTH || !seen.insert(name.to_string()) {
        return None;
    }
    let mut bodies: Vec<&syn::Block> = Vec::new();
    for (_, item) in items {
        match item {
            Item::Fn(f) if f.sig.ident == name => bodies.push(&f.block),
            Item::Impl(i) => bodies.extend(i.items.iter().filter_map(|m| match m {
                syn::ImplItem::Fn(f) if f.sig.ident == name => Some(&f.block),
                _ => None,
            })),
            _ => {}
        }
    }
    let mut inner = Calls(Vec::new());
    for body in bodies {
        inner.visit_block(body);
    }
    let found = inner.0.iter().find_map(|c| match c.as_slice() {
        [.., ty, f] if PARSE_FNS.contains(&f.as_str()) && parser_named(items, ty) => {
            Some(ty.clone())
        }
        _ => None,
    });
    found.or_else(|| {
        (inner.0.iter())
            .filter_map(|c| c.last())
            .find_map(|f| parses_in(items, f, depth + 1, seen))
    })
}

/// The structs deriving `Parser` that the crate parses somewhere (name, file and line).
fn parsers_in(
    items: &super::cli_args::Items<'_>,
    parsed: &[(PathBuf, syn::File)],
) -> Vec<(String, String, usize)> {
    let all = calls(parsed);
    items
        .iter()
        .filter_map(|(file, item)| match item {
            Item::Struct(s) if s.attrs.iter().any(super::cli_args::derives_parser) => {
                let ident = s.ident.to_string();
                let parsed_there = all.iter().any(|c| {
                    matches!(c.as_slice(), [.., ty, f] if *ty == ident && PARSE_FNS.contains(&f.as_str()))
                });
                parsed_there.then(|| {
                    let file = file.to_string_lossy().into_owned();
                    (ident, file, s.ident.span().start().line)
                })
            }
            _ => None,
        })
        .collect()
}

/// The line where `file`'s code prints the command's help when the optional subcommand
/// `field` is left out: a `match <x>.<field>` whose `None` arm does, `let Some(..) =
/// <x>.<field> else { ... }`, `if let Some(..) = <x>.<field> { .. } else { ... }`.
pub(super) fn help_without(file: &syn::File, field: &str) -> Option<usize> {
    let mut finder = HelpWithout { field, found: None };
    finder.visit_file(file);
    finder.found
}

struct HelpWithout<'a> {
    field: &'a str,
    found: Option<usize>,
}

impl HelpWithout<'_> {
    /// Whether `e` is `<x>.<field>` (through `&`, `.as_ref()`, `.take()`, parentheses).
    fn is_field(&self, e: &Expr) -> bool {
        match e {
            Expr::Field(f) => matches!(&f.member, syn::Member::Named(n) if n == self.field),
            Expr::Reference(r) => self.is_field(&r.expr),
            Expr::Paren(p) => self.is_field(&p.expr),
            Expr::MethodCall(m)
                if ["as_ref", "as_deref", "take", "clone"]
                    .contains(&m.method.to_string().as_str()) =>
            {
                self.is_field(&m.receiver)
            }
            _ => false,
        }
    }
}

/// The line of the first help-printing call in `e`, if any.
fn prints_help(e: &Expr) -> Option<usize> {
    struct Prints(Option<usize>);
    impl<'ast> Visit<'ast> for Prints {
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            if self.0.is_none() && PRINTS_HELP.contains(&m.method.to_string().as_str()) {
                self.0 = Some(m.method.span().start().line);
            }
            syn::visit::visit_expr_method_call(self, m);
        }
    }
    let mut p = Prints(None);
    p.visit_expr(e);
    p.0
}

impl<'ast> Visit<'ast> for HelpWithout<'_> {
    fn visit_expr_match(&mut self, m: &'ast syn::ExprMatch) {
        if self.found.is_none() && self.is_field(&m.expr) {
            self.found = m.arms.iter().find_map(|arm| {
                let none = matches!(&arm.pat, syn::Pat::Ident(p) if p.ident == "None")
                    || matches!(&arm.pat, syn::Pat::Path(p) if p.path.is_ident("None"));
                none.then(|| prints_help(&arm.body)).flatten()
            });
        }
        syn::visit::visit_expr_match(self, m);
    }

    fn visit_expr_if(&mut self, i: &'ast syn::ExprIf) {
        if let (None, Expr::Let(l), Some((_, other))) = (self.found, &*i.cond, &i.else_branch) {
            if self.is_field(&l.expr) {
                self.found = prints_help(other);
            }
        }
        syn::visit::visit_expr_if(self, i);
    }

    fn visit_local(&mut self, l: &'ast syn::Local) {
        if let (None, Some(init)) = (self.found, &l.init) {
            if let Some((_, other)) = &init.diverge {
                if self.is_field(&init.expr) {
                    self.found = prints_help(other);
                }
            }
        }
        syn::visit::visit_local(self, l);
    }
}
