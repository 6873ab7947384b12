//! Binaries whose command line requires arguments: a clap or structopt struct that derives
//! `Parser` or `StructOpt` with a field clap requires: a positional argument (no `long`,
//! `short`, `flatten`, `subcommand` or `skip`) or an option (`long`/`short`) that has no
//! default, no `env`, no `action` and no condition (`group`, `required_unless_present`,
//! `conflicts_with`, ...) and is not an `Option`, a `Vec` or a `bool` (or says `required =
//! true`). Run bare, as an image's CMD would run it, such a binary prints its usage and exits
//! 2: dragonfly's `dfget <URL>` beside the `dfdaemon` server is a download client, not a
//! service; tensorzero's `evaluations` requires `--variant-name`.
//!
//! A field `#[command(flatten)]` brings in the fields of the struct it names (declared in the
//! same files, each argument named with the file that declares it; not an `Option<...>` one),
//! and a required argument group (`#[group(required =
//! true)]` on such a struct, or `#[command(group(ArgGroup::new(..).required(true)...))]`)
//! counts as one required option, its first member, whose flag the refusal's `args` gives.
//!
//! The struct is the one the binary parses (`Args::parse()` in its module files), declared in
//! those files or, when they import it from a workspace crate (`use evaluations::Args`, the
//! package's own library or another member), in that crate's module files: tensorzero's
//! `evaluations/src/main.rs` parses the `Args` of `evaluations/src/cli.rs`; else the struct a
//! workspace crate parses behind a function the binary calls (kellnr's
//! `kellnr_settings::parse_cli()`; see `cli_follow`, which also says when it cannot tell).
//! The struct's `#[command(subcommand)]` field is reported too, for `subcommands`.
//!
//! Besides, the options clap lets it leave out (`Option<...>`, no default) that the binary's
//! own code cannot do without ([`NeededOption`]): a use of the field `<var>.<option>` whose
//! `None` is turned into an error (`.unwrap()`, `.expect(..)`, `.ok_or(..)`, `.context(..)`,
//! a `match` whose `None` arm fails, `let Some(..) = .. else`). sozu's `-c/--config` is one:
//! `sozu start` without it stops with "failed to start Sōzu". The options of a flattened
//! struct count, read through the flattening field (`cli.server.config`), and so do each
//! subcommand's (`Serve(ServeArgs)`'s, `Serve { config }`'s, bound by the variant's pattern),
//! tagged with the subcommand, after which clap takes them.
//!
//! Everything is parsed with `syn`; a file that does not parse is skipped.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use syn::punctuated::Punctuated;
use syn::visit::Visit;
use syn::{Attribute, Expr, Fields, Item, Meta, Token, Type, UseTree};

use super::model::{CliArg, NeededOption, RequiredArg, UnsureCommandLine};

/// Field attribute keys that make a field something else than a required positional argument.
const NOT_POSITIONAL: &[&str] = &[
    "long",
    "short",
    "flatten",
    "subcommand",
    "skip",
    "env",
    "default_value",
    "default_value_t",
    "default_values",
    "default_values_t",
    "default_value_os",
    "default_missing_value",
    "last",
    "raw",
];

/// Field attribute keys that make an option something clap does not simply require: a
/// default, a variable, an action (flags, counters), a group or a condition.
const NOT_REQUIRED_OPTION: &[&str] = &[
    "flatten",
    "subcommand",
    "skip",
    "env",
    "default_value",
    "default_value_t",
    "default_values",
    "default_values_t",
    "default_value_os",
    "default_value_if",
    "default_value_ifs",
    "default_missing_value",
    "action",
    "group",
    "required_unless_present",
    "required_unless_present_any",
    "required_unless_present_all",
    "conflicts_with",
    "conflicts_with_all",
    "exclusive",
    "required_if_eq",
    "required_if_eq_any",
    "required_if_eq_all",
];

/// Methods that turn an absent option into an error (or a panic).
const FAILS_WITHOUT: &[&str] = &[
    "unwrap",
    "expect",
    "ok_or",
    "ok_or_else",
    "context",
    "with_context",
    "wrap_err",
    "wrap_err_with",
    "ok_or_eyre",
];

/// Methods through which a use still stands for the option's value (`args.config.as_ref()`).
const SAME_VALUE: &[&str] = &[
    "as_ref",
    "as_deref",
    "as_mut",
    "as_deref_mut",
    "clone",
    "cloned",
    "to_owned",
    "take",
];

/// What a binary's command line requires, as [`command_line`] reads it.
#[derive(Debug, Default)]
pub(super) struct CommandLine {
    /// The arguments clap requires.
    pub required: Option<RequiredArg>,
    /// The options clap lets it leave out that its code needs.
    pub needed: Vec<NeededOption>,
    /// The subcommand field of the struct it parses, when it has one.
    pub subcommand: Option<SubcommandField>,
    /// It calls into a workspace crate that parses a command line, and isogen could not follow
    /// the call to where it does.
    pub unsure: Option<UnsureCommandLine>,
}

/// The `#[command(subcommand)]` field of the struct a binary parses.
#[derive(Debug)]
pub(super) struct SubcommandField {
    /// The struct's file.
    pub file: PathBuf,
    /// The attribute's line, 1-based.
    pub line: usize,
    /// `Option<...>`: clap lets the command line leave it out.
    pub optional: bool,
    /// Where the code prints its help when it is left out (kellnr's `None => {
    /// Cli::command().print_help() }`), `file:line` relative to the root.
    pub help_at: Option<String>,
    /// The files the struct's crate (or the binary) is made of, where its enum is declared.
    pub files: Vec<PathBuf>,
}

/// The command line of binary `bin` (see the module's doc): `files` are its module files;
/// `crate_files(name)` the module files of the workspace crate a `use name::...` names (none
/// for another crate). Paths in the result are relative to `root`.
pub(super) fn command_line(
    root: &Path,
    bin: &str,
    files: &[PathBuf],
    crate_files: &dyn Fn(&str) -> Vec<PathBuf>,
) -> CommandLine {
    let parsed = parse_files(files);
    let declared = match parser_struct(&parsed, crate_files) {
        Lookup::Found(d) => d,
        Lookup::Unsure(u) => {
            let parsers = (u.parsers.into_iter())
                .map(|(ident, file, line)| (ident, relative(root, Path::new(&file)), line))
                .collect();
            return CommandLine {
                unsure: Some(UnsureCommandLine {
                    bin: bin.to_string(),
                    call: u.call,
                    parsers,
                }),
                ..CommandLine::default()
            };
        }
        Lookup::Nothing => return CommandLine::default(),
    };
    let relative_args = |args: &[CliArg]| -> Vec<CliArg> {
        let mut args = args.to_vec();
        for a in &mut args {
            a.file = relative(root, Path::new(&a.file));
        }
        args
    };
    let args = relative_args(&declared.fields.0);
    // The options clap lets it leave out: the command line's own (and its flattened
    // structs'), then each subcommand's, with the subcommand's name.
    let optional: Vec<(Option<String>, CliArg)> = (relative_args(&declared.fields.1).into_iter())
        .map(|a| (None, a))
        .chain((declared.sub_options.iter()).map(|(sub, a)| {
            let a = relative_args(std::slice::from_ref(a)).remove(0);
            (Some(sub.clone()), a)
        }))
        .collect();
    let required = args.first().map(|first| RequiredArg {
        bin: bin.to_string(),
        file: first.file.clone(),
        line: first.line,
        name: first.name.clone(),
        args: args.clone(),
    });
    // The code that reads the options: the binary's, and the crate's that declares them.
    let other = parse_files(&declared.files);
    let code: Vec<&(PathBuf, syn::File)> = parsed.iter().chain(&other).collect();
    let needed = needed_options(root, bin, &code, &optional, &declared);
    let subcommand = declared.subcommand.map(|(line, optional, field, _)| {
        let help_at = (code.iter()).find_map(|(path, file)| {
            super::cli_follow::help_without(file, &field)
                .map(|l| format!("{}:{l}", relative(root, path)))
        });
        SubcommandField {
            file: declared.file.clone(),
            line,
            optional,
            help_at,
            files: declared.files.clone(),
        }
    });
    CommandLine {
        required,
        needed,
        subcommand,
        unsure: None,
    }
}

/// The options of `optional` (each with its subcommand) whose absence the code `code` turns
/// into an error, each with where (see [`Demands`]).
fn needed_options(
    root: &Path,
    bin: &str,
    code: &[&(PathBuf, syn::File)],
    optional: &[(Option<String>, CliArg)],
    declared: &Declared,
) -> Vec<NeededOption> {
    let mut needed: Vec<NeededOption> = Vec::new();
    for (path, file) in code.iter().filter(|_| !optional.is_empty()) {
        let mut finder = Demands {
            fields: optional,
            via: &declared.via,
            variants: &declared.variants,
            bound: Vec::new(),
            found: Vec::new(),
        };
        finder.visit_file(file);
        for (name, line, sub) in finder.found {
            // The subcommand's option when a pattern of its variant bound it, else the
            // command line's own before a subcommand's of the same name.
            let option = match &sub {
                Some(_) => optional.iter().find(|(s, o)| *s == sub && o.name == name),
                None => (optional.iter().find(|(s, o)| s.is_none() && o.name == name))
                    .or_else(|| optional.iter().find(|(_, o)| o.name == name)),
            };
            let Some((sub, option)) = option else {
                continue;
            };
            if needed
                .iter()
                .any(|n| n.option.name == name && n.subcommand == *sub)
            {
                continue;
            }
            needed.push(NeededOption {
                bin: bin.to_string(),
                file: option.file.clone(),
                option: option.clone(),
                needed_at: format!("{}:{line}", relative(root, path)),
                subcommand: sub.clone(),
            });
        }
    }
    needed
}

/// `files` parsed (a file that does not read or parse is left out).
pub(super) fn parse_files(files: &[PathBuf]) -> Vec<(PathBuf, syn::File)> {
    files
        .iter()
        .filter_map(|f| {
            let text = crate::fsio::read_to_string(f).ok()?;
            Some((f.clone(), syn::parse_file(&text).ok()?))
        })
        .collect()
}

/// `file` relative to `root`, `/`-separated.
fn relative(root: &Path, file: &Path) -> String {
    file.strip_prefix(root)
        .unwrap_or(file)
        .to_string_lossy()
        .replace('\\', "/")
}

/// The associated functions that parse the process's command line into a struct:
/// `Args::parse()`, `Opt::from_args()`, ...
pub(super) const PARSE_FNS: &[&str] = &[
    "parse",
    "try_parse",
    "parse_from",
    "try_parse_from",
    "from_args",
    "from_args_safe",
    "from_iter",
];

/// The struct a binary parses its command line into, as [`parser_struct`] found it.
struct Declared {
    /// The struct's file.
    file: PathBuf,
    fields: ParserFields,
    /// Its `#[command(subcommand)]` field: the attribute's line, whether it is an `Option`,
    /// the field's name, the enum's name.
    subcommand: Option<(usize, bool, String, String)>,
    /// The options of each subcommand of that enum that clap lets it leave out (with those of
    /// the structs a variant takes or flattens), each with the subcommand's name.
    sub_options: Vec<(String, CliArg)>,
    /// The names of the fields that flatten a struct, in the command line or a subcommand's
    /// (`server` of `#[command(flatten)] server: ServerArgs`): the code reads the options
    /// through them, `cli.server.config`.
    via: Vec<String>,
    /// Each subcommand's variant and name (`CheckConfig`, `check-config`).
    variants: Vec<(String, String)>,
    /// The module files of the workspace crate that declares it (none: the binary's own).
    files: Vec<PathBuf>,
}

/// What [`parser_struct`] found.
enum Lookup {
    Found(Declared),
    /// The binary calls into a workspace crate that parses a command line, through a call
    /// isogen could not follow (the `bin` field is left empty).
    Unsure(UnsureCommandLine),
    Nothing,
}

/// The struct deriving `Parser` or `StructOpt` that the binary parses its command line into
/// (`<Name>::parse()` in its files; structopt and clap also derive them on the argument
/// structs of subcommands, garage's `ConnectNodeOpt { node }`), with its file: declared in the
/// binary's files, else imported from a workspace crate (`use evaluations::Args`), else
/// parsed in a workspace crate behind a function the binary calls (kellnr's
/// `kellnr_settings::parse_cli()`, see `cli_follow`).
fn parser_struct(
    parsed: &[(PathBuf, syn::File)],
    crate_files: &dyn Fn(&str) -> Vec<PathBuf>,
) -> Lookup {
    let calls = super::cli_follow::calls(parsed);
    let parsed_here = |name: &str| {
        calls.iter().any(|c| {
            c.len() >= 2 && c[c.len() - 2] == name && PARSE_FNS.contains(&c[c.len() - 1].as_str())
        })
    };
    let every = located(parsed);
    let own = every.iter().find_map(|(file, item)| match item {
        Item::Struct(s)
            if s.attrs.iter().any(derives_parser) && parsed_here(&s.ident.to_string()) =>
        {
            Some(declared(s, file, &every, Vec::new()))
        }
        _ => None,
    });
    if let Some(d) = own {
        return Lookup::Found(d);
    }
    // `use evaluations::{Args, ...};` then `Args::parse()`: the crate's struct.
    let mut imports = Vec::new();
    for (_, item) in &every {
        if let Item::Use(u) = item {
            imported(&u.tree, &mut Vec::new(), &mut imports);
        }
    }
    let from_crate = imports.iter().find_map(|(local, path)| {
        let (krate, ident) = (path.first()?, path.last()?);
        if path.len() < 2 || ["crate", "self", "super"].contains(&krate.as_str()) {
            return None;
        }
        if !parsed_here(local) {
            return None;
        }
        in_crate(krate, ident, crate_files)
    });
    if let Some(d) = from_crate {
        return Lookup::Found(d);
    }
    match super::cli_follow::follow(&calls, &imports, crate_files) {
        super::cli_follow::Followed::Parsed { krate, ident } => {
            in_crate(&krate, &ident, crate_files).map_or(Lookup::Nothing, Lookup::Found)
        }
        super::cli_follow::Followed::Unsure(u) => Lookup::Unsure(u),
        super::cli_follow::Followed::Nothing => Lookup::Nothing,
    }
}

/// The struct `ident` deriving `Parser` that workspace crate `krate` declares.
fn in_crate(
    krate: &str,
    ident: &str,
    crate_files: &dyn Fn(&str) -> Vec<PathBuf>,
) -> Option<Declared> {
    let files = crate_files(krate);
    let parsed = parse_files(&files);
    let items = located(&parsed);
    items.iter().find_map(|(file, item)| match item {
        Item::Struct(s) if s.ident == ident && s.attrs.iter().any(derives_parser) => {
            Some(declared(s, file, &items, files.clone()))
        }
        _ => None,
    })
}

/// What [`Declared`] says of struct `s` in `file`.
fn declared(s: &syn::ItemStruct, file: &Path, items: &Items<'_>, files: Vec<PathBuf>) -> Declared {
    let subcommand = match &s.fields {
        Fields::Named(named) => named.named.iter().find_map(|f| {
            let attr = f
                .attrs
                .iter()
                .find(|a| attr_keys(a).iter().any(|k| k == "subcommand"))?;
            let optional = matches!(&f.ty, Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Option"));
            let ty = inner_type(&f.ty)?;
            Some((attr.pound_token.span.start().line, optional, f.ident.as_ref()?.to_string(), ty))
        }),
        _ => None,
    };
    let mut via = flatten_names(&s.fields, items, 0);
    let mut variants = Vec::new();
    let sub_options = match &subcommand {
        Some((_, _, _, ty)) => subcommand_options(ty, items, &mut via, &mut variants),
        None => Vec::new(),
    };
    Declared {
        file: file.to_path_buf(),
        fields: fields_of(s, file, items),
        subcommand,
        sub_options,
        via,
        variants,
        files,
    }
}

/// The name of the type a field holds, through `Option<...>` and `Box<...>`: `Command` for
/// `Option<Command>`.
fn inner_type(ty: &Type) -> Option<String> {
    let Type::Path(p) = ty else {
        return None;
    };
    let last = p.path.segments.last()?;
    if last.ident == "Option" || last.ident == "Box" {
        if let syn::PathArguments::AngleBracketed(a) = &last.arguments {
            if let Some(syn::GenericArgument::Type(t)) = a.args.first() {
                return inner_type(t);
            }
        }
    }
    Some(last.ident.to_string())
}

/// The names of the fields of `fields` that flatten a struct, and of the structs those
/// flatten in turn.
fn flatten_names(fields: &Fields, items: &Items<'_>, depth: usize) -> Vec<String> {
    let Fields::Named(named) = fields else {
        return Vec::new();
    };
    let mut out: Vec<String> = (named.named.iter())
        .filter(|f| (f.attrs.iter()).any(|a| attr_keys(a).iter().any(|k| k == "flatten")))
        .filter_map(|f| f.ident.as_ref().map(ToString::to_string))
        .collect();
    if depth < FLATTEN_DEPTH {
        for (t, _) in flattened_fields(fields, items) {
            out.extend(flatten_names(&t.fields, items, depth + 1));
        }
    }
    out
}

/// The options clap lets each subcommand of enum `ty` (among `items`) leave out, by the
/// subcommand's name: a struct-like variant's own (`Serve { #[arg(long)] config:
/// Option<PathBuf> }`) and its flattened structs', or those of the struct a variant takes
/// (`Serve(ServeArgs)`). The names of the flattening fields on the way go into `via`, each
/// variant with its subcommand's name into `variants`.
fn subcommand_options(
    ty: &str,
    items: &Items<'_>,
    via: &mut Vec<String>,
    variants: &mut Vec<(String, String)>,
) -> Vec<(String, CliArg)> {
    let Some((file, declared)) = items.iter().find_map(|(f, i)| match i {
        Item::Enum(e) if e.ident == ty => Some((*f, e)),
        _ => None,
    }) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for v in &declared.variants {
        let renamed = v.attrs.iter().find_map(attr_name);
        let name = renamed.unwrap_or_else(|| super::subcommand_names::kebab(&v.ident.to_string()));
        variants.push((v.ident.to_string(), name.clone()));
        let options = match &v.fields {
            Fields::Named(named) => {
                via.extend(flatten_names(&v.fields, items, 0));
                let mut own = in_file(optional_options(named), file);
                for (t, tf) in flattened_fields(&v.fields, items) {
                    own.extend(optional_of(t, tf, items, 1));
                }
                own
            }
            Fields::Unnamed(u) if u.unnamed.len() == 1 => {
                let Some(inner) = inner_type(&u.unnamed[0].ty) else {
                    continue;
                };
                match items.iter().find_map(|(f, i)| match i {
                    Item::Struct(s) if s.ident == inner => Some((s, *f)),
                    _ => None,
                }) {
                    Some((s, f)) => {
                        via.extend(flatten_names(&s.fields, items, 0));
                        optional_of(s, f, items, 0)
                    }
                    None => continue,
                }
            }
            _ => continue,
        };
        out.extend(options.into_iter().map(|o| (name.clone(), o)));
    }
    out
}

/// A command line struct's required arguments and optional options.
type ParserFields = (Vec<CliArg>, Vec<CliArg>);

/// Items with the file that declares each.
pub(super) type Items<'a> = [(&'a Path, &'a Item)];

/// `args` with `file` as their file.
fn in_file(mut args: Vec<CliArg>, file: &Path) -> Vec<CliArg> {
    for a in &mut args {
        a.file = file.to_string_lossy().into_owned();
    }
    args
}

/// The items of `parsed` files (and of their inline modules), each with its file.
pub(super) fn located(parsed: &[(PathBuf, syn::File)]) -> Vec<(&Path, &Item)> {
    parsed
        .iter()
        .flat_map(|(p, f)| {
            all_items(&f.items)
                .into_iter()
                .map(move |i| (p.as_path(), i))
        })
        .collect()
}

/// The required arguments and the optional options of struct `s` (declared in `file`), with
/// those of the structs it flattens (declared among `items`), each with its own file.
fn fields_of(s: &syn::ItemStruct, file: &Path, items: &Items<'_>) -> ParserFields {
    let mut required = required_of(s, file, items, 0);
    for a in in_file(group_required(s), file) {
        if !required.iter().any(|r| r.name == a.name) {
            required.push(a);
        }
    }
    (required, optional_of(s, file, items, 0))
}

/// How deep `#[command(flatten)]` is followed (a struct flattening itself ends there).
const FLATTEN_DEPTH: usize = 4;

/// The structs of `items` that the fields of `s` flatten (`#[command(flatten)] common:
/// Common`; an `Option<Common>` is all optional and is left out), with their files.
fn flattened<'a>(s: &syn::ItemStruct, items: &Items<'a>) -> Vec<(&'a syn::ItemStruct, &'a Path)> {
    flattened_fields(&s.fields, items)
}

/// [`flattened`] for the fields of a struct or of a struct-like enum variant.
fn flattened_fields<'a>(
    fields: &Fields,
    items: &Items<'a>,
) -> Vec<(&'a syn::ItemStruct, &'a Path)> {
    let Fields::Named(fields) = fields else {
        return Vec::new();
    };
    fields
        .named
        .iter()
        .filter(|f| {
            f.attrs
                .iter()
                .any(|a| attr_keys(a).iter().any(|k| k == "flatten"))
        })
        .filter_map(|f| {
            let Type::Path(p) = &f.ty else {
                return None;
            };
            let last = p.path.segments.last()?;
            if last.ident == "Option" {
                return None;
            }
            items.iter().find_map(|(f, i)| match *i {
                Item::Struct(t) if t.ident == last.ident => Some((t, *f)),
                _ => None,
            })
        })
        .collect()
}

/// The required arguments of struct `s` (in `file`) and of the structs it flattens, in field
/// order.
fn required_of(s: &syn::ItemStruct, file: &Path, items: &Items<'_>, depth: usize) -> Vec<CliArg> {
    required_in(&s.fields, file, items, depth)
}

/// [`required_of`] for the fields of a struct or of a struct-like enum variant (kellnr's
/// `Start { #[command(flatten)] server: SettingsArgs }`).
fn required_in(fields: &Fields, file: &Path, items: &Items<'_>, depth: usize) -> Vec<CliArg> {
    let Fields::Named(named) = fields else {
        return Vec::new();
    };
    let mut out = in_file(required_fields(named), file);
    if depth < FLATTEN_DEPTH {
        for (t, tf) in flattened_fields(fields, items) {
            out.extend(required_of(t, tf, items, depth + 1));
            out.extend(in_file(group_required(t), tf));
        }
    }
    out
}

/// The optional options of struct `s` and of the structs it flattens.
fn optional_of(s: &syn::ItemStruct, file: &Path, items: &Items<'_>, depth: usize) -> Vec<CliArg> {
    let Fields::Named(fields) = &s.fields else {
        return Vec::new();
    };
    let mut out = in_file(optional_options(fields), file);
    if depth < FLATTEN_DEPTH {
        for (t, tf) in flattened(s, items) {
            out.extend(optional_of(t, tf, items, depth + 1));
        }
    }
    out
}

/// For each required argument group of struct `s`, the option that stands for it (its first
/// member): `#[group(required = true)]` on the struct (clap 4's derive: one of its fields),
/// and `#[command(group(ArgGroup::new("src").required(true).args(["a", "b"])))]` (members by
/// field name, or the fields that say `group = "src"`). clap requires one of them, so the
/// binary run bare prints its usage and exits, as for one required option.
fn group_required(s: &syn::ItemStruct) -> Vec<CliArg> {
    let Fields::Named(fields) = &s.fields else {
        return Vec::new();
    };
    let member = |name: &str| -> Option<CliArg> {
        let f = fields
            .named
            .iter()
            .find(|f| f.ident.as_ref().is_some_and(|i| i == name))?;
        let ident = f.ident.as_ref()?;
        let o = option_of(f);
        Some(CliArg {
            name: ident.to_string(),
            flag: o
                .as_ref()
                .and_then(|o| o.long.clone().or_else(|| o.short.clone())),
            short: o.and_then(|o| o.long.and(o.short)),
            line: ident.span().start().line,
            file: String::new(),
        })
    };
    let mut out = Vec::new();
    for attr in &s.attrs {
        // `#[group(required = true, multiple = false)]`: the struct's own fields.
        if attr.path().is_ident("group") {
            let items = attr
                .parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated)
                .map(|i| i.into_iter().collect::<Vec<_>>())
                .unwrap_or_default();
            if items.iter().any(is_required_true) {
                let first = fields.named.iter().filter_map(|f| f.ident.as_ref()).next();
                out.extend(first.and_then(|i| member(&i.to_string())));
            }
            continue;
        }
        // `#[command(group(ArgGroup::new("src").required(true).args([...])))]`.
        for m in clap_items(attr) {
            let Meta::List(list) = &m else { continue };
            if !list.path.is_ident("group") {
                continue;
            }
            let Ok(expr) = syn::parse2::<Expr>(list.tokens.clone()) else {
                continue;
            };
            let Some((id, required, members)) = arg_group(&expr) else {
                continue;
            };
            if !required {
                continue;
            }
            let members = match members.is_empty() {
                false => members,
                true => (fields.named.iter())
                    .filter(|f| f.attrs.iter().any(|a| names_group(a, &id)))
                    .filter_map(|f| f.ident.as_ref().map(ToString::to_string))
                    .collect(),
            };
            out.extend(members.first().and_then(|n| member(n.as_str())));
        }
    }
    out
}

/// `required = true` in an attribute's items.
fn is_required_true(m: &Meta) -> bool {
    matches!(m, Meta::NameValue(nv) if nv.path.is_ident("required")
        && matches!(&nv.value, Expr::Lit(l) if matches!(&l.lit, syn::Lit::Bool(b) if b.value)))
}

/// Whether field attribute `attr` puts the field in group `id` (`group = "src"`).
fn names_group(attr: &Attribute, id: &str) -> bool {
    clap_items(attr).iter().any(|m| {
        matches!(m, Meta::NameValue(nv) if nv.path.is_ident("group")
            && matches!(&nv.value, Expr::Lit(l) if matches!(&l.lit, syn::Lit::Str(v) if v.value() == id)))
    })
}

/// An `ArgGroup::new("id")...` builder chain: its id, whether `.required(true)` is in it, and
/// the members `.args([...])` and `.arg(...)` name.
fn arg_group(expr: &Expr) -> Option<(String, bool, Vec<String>)> {
    let strings = |e: &Expr| -> Vec<String> {
        let mut out = Vec::new();
        let mut push = |e: &Expr| {
            if let Expr::Lit(l) = e {
                if let syn::Lit::Str(s) = &l.lit {
                    out.push(s.value());
                }
            }
        };
        match e {
            Expr::Array(a) => a.elems.iter().for_each(&mut push),
            Expr::Reference(r) => {
                if let Expr::Array(a) = &*r.expr {
                    a.elems.iter().for_each(&mut push);
                }
            }
            e => push(e),
        }
        out
    };
    match expr {
        Expr::MethodCall(m) => {
            let (id, mut required, mut members) = arg_group(&m.receiver)?;
            let method = m.method.to_string();
            match method.as_str() {
                "required" => {
                    required = matches!(m.args.first(), Some(Expr::Lit(l)) if matches!(&l.lit, syn::Lit::Bool(b) if b.value));
                }
                "args" | "arg" => members.extend(m.args.iter().flat_map(strings)),
                _ => {}
            }
            Some((id, required, members))
        }
        Expr::Call(c) => {
            let Expr::Path(p) = &*c.func else {
                return None;
            };
            let named = p
                .path
                .segments
                .iter()
                .map(|s| s.ident.to_string())
                .collect::<Vec<_>>();
            if named.len() < 2 || named[named.len() - 2] != "ArgGroup" {
                return None;
            }
            let id = c
                .args
                .first()
                .map(strings)
                .and_then(|v| v.into_iter().next())?;
            Some((id, false, Vec::new()))
        }
        _ => None,
    }
}

/// The names a `use` tree brings in, each with the path it names: `use a::{b::C, D as E}` ->
/// (`C`, [a, b, C]), (`E`, [a, D]).
fn imported(tree: &UseTree, prefix: &mut Vec<String>, out: &mut Vec<(String, Vec<String>)>) {
    match tree {
        UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            imported(&p.tree, prefix, out);
            prefix.pop();
        }
        UseTree::Name(n) => {
            let mut path = prefix.clone();
            path.push(n.ident.to_string());
            out.push((n.ident.to_string(), path));
        }
        UseTree::Rename(r) => {
            let mut path = prefix.clone();
            path.push(r.ident.to_string());
            out.push((r.rename.to_string(), path));
        }
        UseTree::Group(g) => {
            for t in &g.items {
                imported(t, prefix, out);
            }
        }
        UseTree::Glob(_) => {}
    }
}

/// The required arguments (positional ones and required options) of each subcommand of enum
/// `ty` (a derive-style subcommand enum declared in `files`), by the subcommand's name
/// (kebab-case, and the `name = "..."` an attribute gives): `Start { config: PathBuf }` ->
/// `start`: `config`; `Run(RunArgs)` -> the required fields of `struct RunArgs`. Subcommands
/// with none are left out, as is a variant with subcommands of its own (what it requires
/// depends on the next choice). Files that do not parse are skipped.
pub(super) fn subcommand_args(files: &[PathBuf], ty: &str) -> BTreeMap<String, Vec<CliArg>> {
    let parsed = parse_files(files);
    let items = located(&parsed);
    let Some((file, declared)) = items.iter().find_map(|(f, i)| match i {
        Item::Enum(e) if e.ident == ty => Some((*f, e)),
        _ => None,
    }) else {
        return BTreeMap::new();
    };
    let mut out = BTreeMap::new();
    for v in &declared.variants {
        if v.attrs
            .iter()
            .any(|a| attr_keys(a).iter().any(|k| k == "subcommand"))
        {
            continue;
        }
        let args: Vec<CliArg> = match &v.fields {
            // With the structs it flattens (kellnr's `Start { #[command(flatten)] server:
            // SettingsArgs }`).
            Fields::Named(_) => required_in(&v.fields, file, &items, 0),
            Fields::Unnamed(u) if u.unnamed.len() == 1 => {
                let Type::Path(p) = &u.unnamed[0].ty else {
                    continue;
                };
                let Some(name) = p.path.segments.last().map(|s| s.ident.to_string()) else {
                    continue;
                };
                items
                    .iter()
                    .find_map(|(f, i)| match i {
                        Item::Struct(s) if s.ident == name => Some(fields_of(s, f, &items).0),
                        _ => None,
                    })
                    .unwrap_or_default()
            }
            _ => Vec::new(),
        };
        if args.is_empty() {
            continue;
        }
        let renamed = v.attrs.iter().find_map(attr_name);
        let name = renamed.unwrap_or_else(|| super::subcommand_names::kebab(&v.ident.to_string()));
        out.insert(name, args);
    }
    out
}

/// The items of a file and of the modules declared inline in it, depth first.
fn all_items(items: &[Item]) -> Vec<&Item> {
    let mut out = Vec::new();
    for item in items {
        out.push(item);
        if let Item::Mod(m) = item {
            if let Some((_, inner)) = &m.content {
                out.extend(all_items(inner));
            }
        }
    }
    out
}

/// The arguments clap requires of a struct or struct-like variant, in field order: required
/// positional fields and required options.
fn required_fields(fields: &syn::FieldsNamed) -> Vec<CliArg> {
    fields
        .named
        .iter()
        .filter_map(|f| {
            let ident = f.ident.as_ref()?;
            let name = ident.to_string();
            let line = ident.span().start().line;
            if f.attrs.iter().all(|a| !not_positional(a)) && required_type(&f.ty) {
                return Some(CliArg {
                    name,
                    flag: None,
                    short: None,
                    line,
                    file: String::new(),
                });
            }
            let o = option_of(f)?;
            let simple = !o.unreadable && !o.required_false && !o.conditional;
            (simple && (o.required_true || required_type(&f.ty))).then(|| CliArg {
                flag: o.long.clone().or_else(|| o.short.clone()),
                short: o.long.and(o.short),
                name,
                line,
                file: String::new(),
            })
        })
        .collect()
}

/// The options of a struct that clap lets the command line leave out for want of a value:
/// an `Option<...>` with no default, no `env` and no condition (`--config`, not `--verbose`).
fn optional_options(fields: &syn::FieldsNamed) -> Vec<CliArg> {
    fields
        .named
        .iter()
        .filter_map(|f| {
            let ident = f.ident.as_ref()?;
            let o = option_of(f)?;
            let wrapped = matches!(&f.ty, Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Option"));
            (wrapped && !o.unreadable && !o.conditional && !o.required_true).then(|| CliArg {
                name: ident.to_string(),
                flag: o.long.clone().or_else(|| o.short.clone()),
                short: o.long.and(o.short),
                line: ident.span().start().line,
                file: String::new(),
            })
        })
        .collect()
}

/// What the clap attributes of an option field say.
struct OptionAttrs {
    long: Option<String>,
    short: Option<String>,
    /// A default, a variable, an action, a group or a condition.
    conditional: bool,
    required_true: bool,
    required_false: bool,
    /// An attribute isogen cannot read.
    unreadable: bool,
}

/// The flags and keys of field `f` when its attributes make it an option (`long`, `short`);
/// `None` for a positional argument or another field.
fn option_of(f: &syn::Field) -> Option<OptionAttrs> {
    let ident = f.ident.as_ref()?.to_string();
    let mut o = OptionAttrs {
        long: None,
        short: None,
        conditional: false,
        required_true: false,
        required_false: false,
        unreadable: false,
    };
    for attr in &f.attrs {
        let clap = ["arg", "clap", "structopt", "command"]
            .iter()
            .any(|k| attr.path().is_ident(k));
        if !clap || !matches!(attr.meta, Meta::List(_)) {
            continue;
        }
        let Ok(items) = attr.parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated)
        else {
            o.unreadable = true;
            continue;
        };
        for m in &items {
            let key = m
                .path()
                .get_ident()
                .map(|i| i.to_string())
                .unwrap_or_default();
            let value = match m {
                Meta::NameValue(nv) => Some(&nv.value),
                _ => None,
            };
            let literal = value.and_then(|v| match v {
                Expr::Lit(l) => Some(&l.lit),
                _ => None,
            });
            match (key.as_str(), literal) {
                ("long", None) => o.long = Some(format!("--{}", ident.replace('_', "-"))),
                ("long", Some(syn::Lit::Str(s))) => o.long = Some(format!("--{}", s.value())),
                ("short", None) => o.short = ident.chars().next().map(|c| format!("-{c}")),
                ("short", Some(syn::Lit::Char(c))) => o.short = Some(format!("-{}", c.value())),
                ("long" | "short", _) => o.unreadable = true,
                ("required", Some(syn::Lit::Bool(b))) if b.value => o.required_true = true,
                ("required", _) => o.required_false = true,
                (k, _) if NOT_REQUIRED_OPTION.contains(&k) => o.conditional = true,
                _ => {}
            }
        }
    }
    (o.long.is_some() || o.short.is_some()).then_some(o)
}

/// Finds the uses of `fields` (by name, as `<var>.<field>`) whose `None` the code turns into
/// an error; each with its line.
struct Demands<'a> {
    /// The options, each with its subcommand (`None`: the command line's own).
    fields: &'a [(Option<String>, CliArg)],
    /// The names of the fields that flatten a struct (see [`Declared`]'s `via`).
    via: &'a [String],
    /// Each subcommand's variant and name.
    variants: &'a [(String, String)],
    /// The variables a pattern of a subcommand's variant binds to its options (`Serve {
    /// config } =>`): variable, option, subcommand; innermost last.
    bound: Vec<(String, String, String)>,
    /// Option, line, and the subcommand when a variant's pattern bound it.
    found: Vec<(String, usize, Option<String>)>,
}

impl Demands<'_> {
    /// Whether `e` is a variable (not `self`), or a flattening field of one
    /// (`cli.server`).
    fn holds_options(&self, e: &Expr) -> bool {
        match e {
            Expr::Path(p) => p.path.get_ident().is_some_and(|i| i != "self"),
            Expr::Field(f) => {
                matches!(&f.member, syn::Member::Named(n) if self.via.iter().any(|v| n == v))
                    && self.holds_options(&f.base)
            }
            Expr::Paren(p) => self.holds_options(&p.expr),
            Expr::Reference(r) => self.holds_options(&r.expr),
            _ => false,
        }
    }

    /// The option `expr` stands for: `args.config`, `args.config.as_ref()`, `&opt.config`,
    /// `cli.server.config` through a flattened struct, `config` bound by a subcommand's
    /// pattern.
    fn option_of(&self, expr: &Expr) -> Option<(String, usize, Option<String>)> {
        match expr {
            Expr::MethodCall(m) if SAME_VALUE.contains(&m.method.to_string().as_str()) => {
                self.option_of(&m.receiver)
            }
            Expr::Reference(r) => self.option_of(&r.expr),
            Expr::Paren(p) => self.option_of(&p.expr),
            Expr::Field(f) => {
                let syn::Member::Named(name) = &f.member else {
                    return None;
                };
                let known = self.fields.iter().any(|(_, o)| *name == o.name);
                (known && self.holds_options(&f.base))
                    .then(|| (name.to_string(), name.span().start().line, None))
            }
            Expr::Path(p) => {
                let ident = p.path.get_ident()?;
                let (_, option, sub) = self.bound.iter().rev().find(|(v, _, _)| ident == v)?;
                Some((option.clone(), ident.span().start().line, Some(sub.clone())))
            }
            _ => None,
        }
    }
}

impl<'ast> Visit<'ast> for Demands<'_> {
    fn visit_arm(&mut self, arm: &'ast syn::Arm) {
        // `Command::Serve { config, .. } =>` binds the `serve` subcommand's options.
        let mut bound = Vec::new();
        if let syn::Pat::Struct(ps) = &arm.pat {
            let variant = ps.path.segments.last().map(|s| &s.ident);
            let sub = (self.variants.iter())
                .find(|(v, _)| variant.is_some_and(|i| i == v))
                .map(|(_, name)| name);
            for fp in &ps.fields {
                let (syn::Member::Named(field), syn::Pat::Ident(var)) = (&fp.member, &*fp.pat)
                else {
                    continue;
                };
                let Some(sub) = sub.as_ref().and_then(|k| {
                    (self.fields.iter())
                        .find(|(s, o)| *field == o.name && s.as_ref() == Some(k))
                        .and_then(|(s, _)| s.clone())
                }) else {
                    continue;
                };
                bound.push((var.ident.to_string(), field.to_string(), sub));
            }
        }
        let n = bound.len();
        self.bound.extend(bound);
        syn::visit::visit_arm(self, arm);
        self.bound.truncate(self.bound.len() - n);
    }

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        if FAILS_WITHOUT.contains(&m.method.to_string().as_str()) {
            self.found.extend(self.option_of(&m.receiver));
        }
        syn::visit::visit_expr_method_call(self, m);
    }

    fn visit_expr_match(&mut self, m: &'ast syn::ExprMatch) {
        if let Some(found) = self.option_of(&m.expr) {
            let none_fails = m.arms.iter().any(|arm| {
                let none = matches!(&arm.pat, syn::Pat::Ident(p) if p.ident == "None")
                    || matches!(&arm.pat, syn::Pat::Path(p) if p.path.is_ident("None"));
                none && fails(&arm.body)
            });
            if none_fails {
                self.found.push(found);
            }
        }
        syn::visit::visit_expr_match(self, m);
    }

    fn visit_local(&mut self, l: &'ast syn::Local) {
        // `let Some(path) = args.config else { ... }`: the else branch diverges.
        if let Some(init) = &l.init {
            if init.diverge.is_some() {
                self.found.extend(self.option_of(&init.expr));
            }
        }
        syn::visit::visit_local(self, l);
    }
}

/// Whether evaluating `body` fails: it calls one of [`FAILS_WITHOUT`], builds an `Err(..)`,
/// exits the process or panics (`panic!`, `bail!`, `unreachable!`).
fn fails(body: &Expr) -> bool {
    struct Fails(bool);
    impl<'ast> Visit<'ast> for Fails {
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            self.0 |= FAILS_WITHOUT.contains(&m.method.to_string().as_str());
            syn::visit::visit_expr_method_call(self, m);
        }
        fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
            if let Expr::Path(p) = &*c.func {
                let last = p.path.segments.last().map(|s| s.ident.to_string());
                self.0 |= matches!(last.as_deref(), Some("Err" | "exit"));
            }
            syn::visit::visit_expr_call(self, c);
        }
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            let last = m.path.segments.last().map(|s| s.ident.to_string());
            self.0 |= matches!(last.as_deref(), Some("panic" | "bail" | "unreachable"));
        }
    }
    let mut f = Fails(false);
    f.visit_expr(body);
    f.0
}

/// The keys of a clap, structopt or command attribute (`subcommand`, `long`, `name`, ...).
fn attr_keys(attr: &Attribute) -> Vec<String> {
    clap_items(attr)
        .iter()
        .filter_map(|m| m.path().get_ident().map(ToString::to_string))
        .collect()
}

/// The `name = "..."` a clap or structopt attribute gives a subcommand.
pub(super) fn attr_name(attr: &Attribute) -> Option<String> {
    clap_items(attr).into_iter().find_map(|m| match m {
        Meta::NameValue(nv) if nv.path.is_ident("name") => match nv.value {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => Some(s.value()),
            _ => None,
        },
        _ => None,
    })
}

/// The items of a `#[clap(...)]`, `#[arg(...)]`, `#[command(...)]` or `#[structopt(...)]`
/// attribute; none for another attribute or one that does not parse.
fn clap_items(attr: &Attribute) -> Vec<Meta> {
    let clap = ["arg", "clap", "structopt", "command"]
        .iter()
        .any(|k| attr.path().is_ident(k));
    if !clap {
        return Vec::new();
    }
    attr.parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated)
        .map(|items| items.into_iter().collect())
        .unwrap_or_default()
}

/// Whether `attr` is `#[derive(..., Parser, ...)]` (or `clap::Parser`, `StructOpt`).
pub(super) fn derives_parser(attr: &Attribute) -> bool {
    if !attr.path().is_ident("derive") {
        return false;
    }
    let Ok(paths) = attr.parse_args_with(Punctuated::<syn::Path, Token![,]>::parse_terminated)
    else {
        return false;
    };
    paths.iter().any(|p| {
        p.segments
            .last()
            .is_some_and(|s| s.ident == "Parser" || s.ident == "StructOpt")
    })
}

/// Whether a field attribute makes it an option, a flag, a group, a subcommand or an argument
/// that may be left out (`required = false`); an attribute isogen cannot read counts as one
/// (the binary is then not called a tool for it).
fn not_positional(attr: &Attribute) -> bool {
    let clap = ["arg", "clap", "structopt", "command"]
        .iter()
        .any(|k| attr.path().is_ident(k));
    if !clap {
        return false;
    }
    let Meta::List(_) = &attr.meta else {
        return false;
    };
    let Ok(items) = attr.parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated) else {
        return true;
    };
    items.iter().any(|m| {
        let key = m.path().get_ident().map(|i| i.to_string()).unwrap_or_default();
        let optional = match m {
            Meta::NameValue(nv) if key == "required" => {
                !matches!(&nv.value, syn::Expr::Lit(l) if matches!(&l.lit, syn::Lit::Bool(b) if b.value))
            }
            _ => false,
        };
        optional || NOT_POSITIONAL.contains(&key.as_str())
    })
}

/// Whether a field of this type is required: not an `Option`, a `Vec` (zero or more) or a
/// `bool` (a flag).
fn required_type(ty: &Type) -> bool {
    let Type::Path(p) = ty else {
        return true;
    };
    !p.path
        .segments
        .last()
        .is_some_and(|s| s.ident == "Option" || s.ident == "Vec" || s.ident == "bool")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first(text: &str) -> Option<(String, usize)> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("main.rs");
        std::fs::write(&path, text).unwrap();
        command_line(dir.path(), "b", &[path], &|_| Vec::new())
            .required
            .map(|a| (a.name, a.line))
    }

    #[test]
    fn a_required_positional_argument_is_found_and_options_flags_and_defaults_are_not() {
        // dfget: the URL, with a help text that says "long".
        let dfget = "#[derive(Debug, Parser, Clone)]\n#[command(name = \"dfget\")]\nstruct Args {\n    #[arg(help = \"Specify the long URL [to] download\")]\n    url: Url,\n    #[arg(long, default_value_t = false)]\n    overwrite: bool,\n}\nfn main() { let _ = Args::parse(); }\n";
        assert_eq!(first(dfget), Some(("url".into(), 5)));
        let bare = "#[derive(clap::Parser)]\nstruct Cli {\n    /// The config file.\n    config: PathBuf,\n}\nfn main() { Cli::parse(); }\n";
        assert_eq!(first(bare), Some(("config".into(), 4)));
        let structopt = "#[derive(StructOpt)]\nstruct Opt {\n    #[structopt(parse(from_os_str))]\n    input: PathBuf,\n}\nfn main() { Opt::from_args(); }\n";
        assert_eq!(first(structopt), Some(("input".into(), 4)));
        for server in [
            // mini-redis-server: an optional `--port`.
            "#[derive(Parser, Debug)]\nstruct Cli {\n    #[arg(long)]\n    port: Option<u16>,\n}\n",
            "#[derive(Parser)]\nstruct Cli {\n    #[arg(env = \"CONFIG\")]\n    config: PathBuf,\n}\n",
            "#[derive(Parser)]\nstruct Cli {\n    #[arg(default_value = \"a.toml\")]\n    config: PathBuf,\n}\n",
            "#[derive(Parser)]\nstruct Cli {\n    #[arg(required = false)]\n    config: PathBuf,\n}\n",
            "#[derive(Parser)]\nstruct Cli {\n    paths: Vec<PathBuf>,\n    verbose: bool,\n}\n",
            "#[derive(Parser)]\nstruct Cli {\n    #[command(flatten)]\n    common: Common,\n    #[command(subcommand)]\n    cmd: Option<Cmd>,\n}\n",
            // An `Args` group is not the command line.
            "#[derive(Args)]\nstruct Common {\n    url: Url,\n}\n",
            "fn main( {\n",
            // garage: structopt derives StructOpt on a subcommand's arguments too; only the
            // struct the binary parses is its command line.
            "#[derive(StructOpt)]\npub struct Opt {\n    #[structopt(subcommand)]\n    cmd: Command,\n}\n#[derive(StructOpt)]\npub struct ConnectNodeOpt {\n    node: String,\n}\nfn main() { Opt::from_args(); }\n",
        ] {
            // Each is parsed as the command line (the `Args` group too, which cannot be).
            let text = format!("{server}fn run() {{ Cli::parse(); Common::parse(); }}\n");
            assert_eq!(first(&text), None, "{text}");
        }
    }

    #[test]
    fn the_required_arguments_of_each_subcommand_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cli.rs");
        std::fs::write(
            &path,
            "#[derive(Subcommand)]\npub enum Command {\n    /// Serve with a config file.\n    Start { config: PathBuf, #[arg(long)] port: Option<u16> },\n    #[command(name = \"check-config\")]\n    Check { #[arg(short, long)] config: PathBuf },\n    Run(RunArgs),\n    #[command(subcommand)]\n    Db(DbCmd),\n    Stop,\n}\n#[derive(Args)]\nstruct RunArgs {\n    listen: String,\n    upstream: Option<String>,\n}\n",
        )
        .unwrap();
        let got: BTreeMap<String, Vec<Vec<String>>> = subcommand_args(&[path], "Command")
            .into_iter()
            .map(|(k, v)| (k, v.iter().map(CliArg::argv).collect()))
            .collect();
        let want: BTreeMap<String, Vec<Vec<String>>> = [
            ("start".to_string(), vec![vec!["<config>".to_string()]]),
            (
                "check-config".to_string(),
                vec![vec!["--config".to_string(), "<config>".to_string()]],
            ),
            ("run".to_string(), vec![vec!["<listen>".to_string()]]),
        ]
        .into_iter()
        .collect();
        assert_eq!(got, want);
    }

    /// The command line of a binary whose module file is `main`, with `lib` as the module
    /// file of a workspace crate called `evaluations`.
    fn line_of(main: &str, lib: &str) -> CommandLine {
        let dir = tempfile::tempdir().unwrap();
        let (bin, krate) = (dir.path().join("main.rs"), dir.path().join("cli.rs"));
        std::fs::write(&bin, main).unwrap();
        std::fs::write(&krate, lib).unwrap();
        let files = |name: &str| match name {
            "evaluations" => vec![krate.clone()],
            _ => Vec::new(),
        };
        command_line(dir.path(), "b", std::slice::from_ref(&bin), &files)
    }

    #[test]
    fn required_options_are_read_with_their_flags_and_optional_ones_are_not() {
        let required = |fields: &str| {
            let text = format!(
                "#[derive(Parser)]\nstruct Cli {{\n{fields}\n}}\nfn main() {{ Cli::parse(); }}\n"
            );
            line_of(&text, "")
                .required
                .map(|r| r.args.iter().flat_map(CliArg::argv).collect::<Vec<_>>())
        };
        let want = |v: &[&str]| Some(v.iter().map(ToString::to_string).collect::<Vec<_>>());
        // tensorzero's `--variant-name`; a short-only option; a renamed long one.
        assert_eq!(
            required("    #[arg(short, long)]\n    variant_name: String,"),
            want(&["--variant-name", "<variant-name>"])
        );
        assert_eq!(
            required("    #[arg(short)]\n    config: PathBuf,"),
            want(&["-c", "<config>"])
        );
        assert_eq!(
            required("    #[clap(long = \"cfg\")]\n    config: PathBuf,"),
            want(&["--cfg", "<config>"])
        );
        assert_eq!(
            required("    #[arg(long, required = true)]\n    config: Option<PathBuf>,"),
            want(&["--config", "<config>"])
        );
        for optional in [
            "    #[arg(long)]\n    config: Option<PathBuf>,",
            "    #[arg(long, default_value = \"a.toml\")]\n    config: PathBuf,",
            "    #[arg(long, env = \"CONFIG\")]\n    config: PathBuf,",
            "    #[arg(short, long, action = clap::ArgAction::Count)]\n    verbose: u8,",
            "    #[arg(long, group = \"source\")]\n    dataset: String,",
            "    #[arg(long, required_unless_present = \"ids\")]\n    dataset: String,",
            "    #[arg(long, required = false)]\n    dataset: String,",
            "    #[arg(long)]\n    ids: Vec<String>,",
            "    #[arg(long)]\n    json: bool,",
        ] {
            assert_eq!(required(optional), None, "{optional}");
        }
    }

    #[test]
    fn a_command_line_imported_from_a_workspace_crate_is_read_there() {
        let cli = "#[derive(Parser, Debug)]\npub struct Args {\n    #[arg(long, default_value = \"x\")]\n    pub config_file: PathBuf,\n    #[arg(short, long)]\n    pub variant_name: String,\n}\n";
        for main in [
            "use clap::Parser;\nuse evaluations::{run, Args};\nfn main() { let args = Args::parse(); }\n",
            "use evaluations::cli::Args as Cli;\nfn main() { Cli::parse(); }\n",
        ] {
            let r = line_of(main, cli).required.expect(main);
            assert_eq!((r.file.as_str(), r.line, r.name.as_str()), ("cli.rs", 6, "variant_name"));
        }
        // Not parsed, or from a crate that is not the workspace's: nothing.
        assert!(line_of("use evaluations::Args;\nfn main() {}\n", cli)
            .required
            .is_none());
        assert!(
            line_of("use other::Args;\nfn main() { Args::parse(); }\n", cli)
                .required
                .is_none()
        );
    }

    #[test]
    fn an_option_the_code_fails_without_is_needed() {
        let cli = "#[derive(Parser)]\npub struct Args {\n    #[clap(short = 'c', long = \"config\", global = true)]\n    pub config: Option<String>,\n    #[clap(long)]\n    pub port: Option<u16>,\n}\n";
        let needed = |body: &str| -> Vec<(String, String)> {
            let main = format!("{cli}fn main() {{ let args = Args::parse(); run(&args); }}\nfn run(args: &Args) {{\n{body}\n}}\n");
            line_of(&main, "")
                .needed
                .into_iter()
                .map(|n| (n.option.argv().join(" "), n.needed_at))
                .collect()
        };
        let config =
            |line: usize| vec![("--config <config>".to_string(), format!("main.rs:{line}"))];
        // sozu: a match whose `None` arm fails.
        assert_eq!(needed("    match args.config.as_ref() {\n        Some(c) => Ok(c.as_str()),\n        None => option_env!(\"X\").ok_or(Error::Config),\n    }"), config(10));
        assert_eq!(
            needed("    let path = args.config.clone().expect(\"--config\");"),
            config(10)
        );
        assert_eq!(
            needed("    let Some(path) = &args.config else { return };"),
            config(10)
        );
        for fine in [
            "    let port = args.port.unwrap_or(8080);",
            "    let path = args.config.clone().unwrap_or_default();",
            "    match args.config.as_ref() {\n        Some(c) => load(c),\n        None => Config::default(),\n    }",
            // Another struct's field of the same name.
            "    let c = self.config.unwrap();",
        ] {
            assert_eq!(needed(fine), Vec::new(), "{fine}");
        }
    }

    /// The argument lists a command line requires, as the refusal's `args` gives them.
    fn required_argv(main: &str) -> Option<Vec<String>> {
        line_of(main, "")
            .required
            .map(|r| r.args.iter().flat_map(CliArg::argv).collect())
    }

    #[test]
    fn required_arguments_of_a_flattened_struct_are_the_command_lines() {
        // The server's options in a struct of their own, flattened into the command line
        // (corrosion's `#[command(flatten)] flags: TemplateFlags`, a common `ServerArgs`).
        let main = "#[derive(Parser)]\nstruct Cli {\n    #[command(flatten)]\n    server: ServerArgs,\n    #[arg(long)]\n    verbose: bool,\n}\n#[derive(Args)]\nstruct ServerArgs {\n    #[arg(long)]\n    listen: SocketAddr,\n    #[arg(long, default_value = \"x\")]\n    name: String,\n}\nfn main() { Cli::parse(); }\n";
        assert_eq!(
            required_argv(main),
            Some(vec!["--listen".to_string(), "<listen>".to_string()])
        );
        // Flattened as an `Option`: nothing required.
        let optional = main.replace("server: ServerArgs", "server: Option<ServerArgs>");
        assert_eq!(required_argv(&optional), None);
        // A struct that flattens itself ends.
        let cycle = "#[derive(Parser)]\nstruct Cli {\n    #[command(flatten)]\n    more: Cli,\n}\nfn main() { Cli::parse(); }\n";
        assert_eq!(required_argv(cycle), None);
    }

    #[test]
    fn a_required_argument_group_needs_one_of_its_members() {
        // clap 4's derive: `#[group(required = true)]` on a flattened struct.
        let derive = "#[derive(Parser)]\nstruct Cli {\n    #[command(flatten)]\n    source: Source,\n}\n#[derive(Args)]\n#[group(required = true, multiple = false)]\nstruct Source {\n    #[arg(long)]\n    config: Option<PathBuf>,\n    #[arg(long)]\n    url: Option<String>,\n}\nfn main() { Cli::parse(); }\n";
        assert_eq!(
            required_argv(derive),
            Some(vec!["--config".to_string(), "<config>".to_string()])
        );
        assert_eq!(
            required_argv(&derive.replace("required = true, ", "")),
            None
        );
        // The builder's `ArgGroup` on the command line's struct, by `.args` or by `group =`.
        let builder = "#[derive(Parser)]\n#[command(group(ArgGroup::new(\"src\").required(true).args([\"file\", \"url\"])))]\nstruct Cli {\n    #[arg(long)]\n    file: Option<PathBuf>,\n    #[arg(long)]\n    url: Option<String>,\n}\nfn main() { Cli::parse(); }\n";
        assert_eq!(
            required_argv(builder),
            Some(vec!["--file".to_string(), "<file>".to_string()])
        );
        let by_field = "#[derive(Parser)]\n#[command(group(clap::ArgGroup::new(\"src\").required(true)))]\nstruct Cli {\n    #[arg(long)]\n    verbose: bool,\n    #[arg(long, group = \"src\")]\n    url: Option<String>,\n}\nfn main() { Cli::parse(); }\n";
        assert_eq!(
            required_argv(by_field),
            Some(vec!["--url".to_string(), "<url>".to_string()])
        );
        assert_eq!(required_argv(&builder.replace(".required(true)", "")), None);
    }

    #[test]
    fn a_flattened_struct_in_another_file_is_named_with_its_own_file_and_line() {
        // kellnr's `SettingsArgs`, corrosion's `TemplateFlags`: the flattened struct lives in
        // a file of its own; its line is in that file, not in the command line's.
        let dir = tempfile::tempdir().unwrap();
        let (main, server) = (dir.path().join("main.rs"), dir.path().join("server.rs"));
        std::fs::write(
            &main,
            "mod server;\n#[derive(Parser)]\nstruct Cli {\n    #[command(flatten)]\n    server: server::ServerArgs,\n}\nfn main() {\n    let cli = Cli::parse();\n    let server = cli.server;\n    let path = server.config.expect(\"--config\");\n}\n",
        )
        .unwrap();
        std::fs::write(
            &server,
            "#[derive(Args)]\npub struct ServerArgs {\n    #[arg(long)]\n    pub listen: String,\n    #[arg(long)]\n    pub config: Option<PathBuf>,\n}\n",
        )
        .unwrap();
        let line = command_line(dir.path(), "b", &[main, server], &|_| Vec::new());
        let r = line.required.unwrap();
        assert_eq!((r.file.as_str(), r.line), ("server.rs", 4));
        assert_eq!(r.args[0].file, "server.rs");
        let n = &line.needed[0];
        assert_eq!((n.file.as_str(), n.option.line), ("server.rs", 6));
        assert_eq!(n.needed_at, "main.rs:10");
    }

    /// The needed options as (subcommand, argv, where), of a binary whose module file is
    /// `main`.
    fn needed_of(main: &str) -> Vec<(Option<String>, String, String)> {
        line_of(main, "")
            .needed
            .into_iter()
            .map(|n| (n.subcommand, n.option.argv().join(" "), n.needed_at))
            .collect()
    }

    #[test]
    fn an_option_reached_through_a_flattened_field_is_needed() {
        let cli = "#[derive(Parser)]\nstruct Cli {\n    #[command(flatten)]\n    server: ServerArgs,\n}\n#[derive(Args)]\nstruct ServerArgs {\n    #[arg(long)]\n    config: Option<PathBuf>,\n}\n";
        let at = |body: &str| {
            needed_of(&format!(
                "{cli}fn main() {{\n    let cli = Cli::parse();\n{body}\n}}\n"
            ))
        };
        let want = vec![(
            None,
            "--config <config>".to_string(),
            "main.rs:13".to_string(),
        )];
        assert_eq!(
            at("    let c = cli.server.config.clone().expect(\"--config\");"),
            want
        );
        assert_eq!(
            at("    let Some(c) = &cli.server.config else { return };"),
            want
        );
        // Not a flattening field, or on `self`: another struct's.
        assert_eq!(at("    let c = cli.other.config.unwrap();"), Vec::new());
        assert_eq!(at("    let c = self.server.config.unwrap();"), Vec::new());
    }

    #[test]
    fn an_option_of_a_subcommand_is_needed_with_its_subcommand() {
        let cli = "#[derive(Parser)]\nstruct Cli {\n    #[command(subcommand)]\n    command: Command,\n}\n#[derive(Subcommand)]\nenum Command {\n    Serve(ServeArgs),\n    #[command(name = \"run-worker\")]\n    Worker {\n        #[arg(long)]\n        queue: Option<String>,\n    },\n}\n#[derive(Args)]\nstruct ServeArgs {\n    #[arg(long)]\n    config: Option<PathBuf>,\n}\n";
        let main = format!("{cli}fn main() {{\n    match Cli::parse().command {{\n        Command::Serve(args) => {{ args.config.unwrap(); }}\n        Command::Worker {{ queue: q }} => {{ q.expect(\"--queue\"); }}\n    }}\n}}\n");
        assert_eq!(
            needed_of(&main),
            vec![
                (
                    Some("serve".to_string()),
                    "--config <config>".to_string(),
                    "main.rs:22".to_string()
                ),
                (
                    Some("run-worker".to_string()),
                    "--queue <queue>".to_string(),
                    "main.rs:23".to_string()
                ),
            ]
        );
        // A variable of the same name outside the variant's arm is no option.
        let outside = format!(
            "{cli}fn main() {{\n    let queue: Option<String> = None;\n    queue.unwrap();\n}}\n"
        );
        assert_eq!(needed_of(&outside), Vec::new());
    }

    #[test]
    fn a_command_line_parsed_behind_a_wrapper_of_a_workspace_crate_is_followed() {
        // kellnr: `use kellnr_settings::parse_cli;` then `parse_cli()`, which runs
        // `Cli::parse()` through a helper; an optional subcommand answered with the help.
        let lib = "#[derive(Parser)]\npub struct Cli {\n    #[command(subcommand)]\n    pub command: Option<Command>,\n}\npub fn parse_cli() -> R { read() }\nfn read() -> R {\n    let cli = Cli::parse();\n    match cli.command {\n        None => { Cli::command().print_help().ok(); R::Help }\n        Some(c) => R::Run(c),\n    }\n}\n";
        for main in [
            "use evaluations::parse_cli;\nfn main() { parse_cli(); }\n",
            "fn main() { evaluations::parse_cli(); }\n",
            "use evaluations as settings;\nfn main() { settings::parse_cli(); }\n",
        ] {
            let s = line_of(main, lib).subcommand.expect(main);
            assert_eq!((s.line, s.optional), (3, true), "{main}");
            assert_eq!(s.help_at.as_deref(), Some("cli.rs:10"), "{main}");
        }
        // Without the help, an optional subcommand is only that.
        let quiet = lib.replace("Cli::command().print_help().ok(); ", "");
        let s = line_of("fn main() { evaluations::parse_cli(); }\n", &quiet).subcommand;
        assert!(s.is_some_and(|s| s.help_at.is_none()));
        // A call isogen cannot follow (a method) into a crate that parses: it says so.
        let line = line_of(
            "fn main() { evaluations::Loader::default().load(); }\n",
            lib,
        );
        let u = line.unsure.expect("unsure");
        assert_eq!(u.call, "evaluations::Loader::default");
        assert_eq!(u.parsers, [("Cli".to_string(), "cli.rs".to_string(), 2)]);
        // A crate that parses nothing: nothing to say.
        let plain = "pub fn run() {}\n";
        let line = line_of("fn main() { evaluations::run(); }\n", plain);
        assert!(line.unsure.is_none() && line.subcommand.is_none());
    }
}
