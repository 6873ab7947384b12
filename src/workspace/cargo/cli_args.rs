//! Binaries whose command line requires a positional argument: a clap or structopt struct
//! that derives `Parser` or `StructOpt` with a field clap reads as a positional argument (no
//! `long`, `short`, `flatten`, `subcommand` or `skip`) that has no default, no `env` and is not
//! an `Option`, a `Vec` or a `bool`. Run bare, as an image's CMD would run it, such a binary
//! prints its usage and exits 2: dragonfly's `dfget <URL>` beside the `dfdaemon` server is a
//! download client, not a service.
//!
//! It parses the binary's own module files with `syn` (the library's command line is not read:
//! a server library's struct is usually the server's) and skips a file that does not parse.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use syn::punctuated::Punctuated;
use syn::{Attribute, Fields, Item, Meta, Token, Type};

use super::model::RequiredArg;

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

/// The first required positional argument of the command line declared in `files` (a binary's
/// module files), with its file relative to `root`, its line and the field's name.
pub(super) fn required_arg(root: &Path, bin: &str, files: &[PathBuf]) -> Option<RequiredArg> {
    files.iter().find_map(|file| {
        let text = crate::fsio::read_to_string(file).ok()?;
        let parsed = syn::parse_file(&text).ok()?;
        let all = files
            .iter()
            .filter_map(|f| crate::fsio::read_to_string(f).ok())
            .collect::<Vec<_>>()
            .join("\n");
        let (name, line) = parsed
            .items
            .iter()
            .find_map(|item| positional_of_parser(item, &all))?;
        let rel = file
            .strip_prefix(root)
            .unwrap_or(file)
            .to_string_lossy()
            .replace('\\', "/");
        Some(RequiredArg {
            bin: bin.to_string(),
            file: rel,
            line,
            name,
        })
    })
}

/// The required positional arguments of each subcommand of enum `ty` (a derive-style
/// subcommand enum declared in `files`), by the subcommand's name (kebab-case, and the
/// `name = "..."` an attribute gives): `Start { config: PathBuf }` -> `start`: `config`;
/// `Run(RunArgs)` -> the positional fields of `struct RunArgs`. Subcommands with none are left
/// out, as is a variant with subcommands of its own (what it requires depends on the next
/// choice). Files that do not parse are skipped.
pub(super) fn subcommand_args(files: &[PathBuf], ty: &str) -> BTreeMap<String, Vec<String>> {
    let parsed: Vec<syn::File> = files
        .iter()
        .filter_map(|f| crate::fsio::read_to_string(f).ok())
        .filter_map(|text| syn::parse_file(&text).ok())
        .collect();
    let items: Vec<&Item> = parsed.iter().flat_map(|f| all_items(&f.items)).collect();
    let Some(declared) = items.iter().find_map(|i| match i {
        Item::Enum(e) if e.ident == ty => Some(e),
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
        let args: Vec<String> = match &v.fields {
            Fields::Named(named) => positional_fields(named),
            Fields::Unnamed(u) if u.unnamed.len() == 1 => {
                let Type::Path(p) = &u.unnamed[0].ty else {
                    continue;
                };
                let Some(name) = p.path.segments.last().map(|s| s.ident.to_string()) else {
                    continue;
                };
                items
                    .iter()
                    .find_map(|i| match i {
                        Item::Struct(s) if s.ident == name => match &s.fields {
                            Fields::Named(named) => Some(positional_fields(named)),
                            _ => None,
                        },
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

/// The names of the required positional fields of a clap struct or struct-like variant.
fn positional_fields(fields: &syn::FieldsNamed) -> Vec<String> {
    fields
        .named
        .iter()
        .filter(|f| f.attrs.iter().all(|a| !not_positional(a)) && required_type(&f.ty))
        .filter_map(|f| f.ident.as_ref().map(ToString::to_string))
        .collect()
}

/// The keys of a clap, structopt or command attribute (`subcommand`, `long`, `name`, ...).
fn attr_keys(attr: &Attribute) -> Vec<String> {
    clap_items(attr)
        .iter()
        .filter_map(|m| m.path().get_ident().map(ToString::to_string))
        .collect()
}

/// The `name = "..."` a clap or structopt attribute gives a subcommand.
fn attr_name(attr: &Attribute) -> Option<String> {
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

/// Calls that parse the process's command line into a struct: `Args::parse()`,
/// `Opt::from_args()`, ...
const PARSE_CALLS: &[&str] = &[
    "parse()",
    "try_parse()",
    "parse_from(",
    "try_parse_from(",
    "from_args()",
    "from_args_safe()",
    "from_iter(",
];

/// For the struct deriving `Parser` or `StructOpt` that the binary parses its command line
/// into (`<Name>::parse()` in `sources`; structopt and clap also derive them on the argument
/// structs of subcommands, garage's `ConnectNodeOpt { node }`): its first required positional
/// field's name and line.
fn positional_of_parser(item: &Item, sources: &str) -> Option<(String, usize)> {
    let Item::Struct(s) = item else {
        return None;
    };
    if !s.attrs.iter().any(derives_parser) {
        return None;
    }
    let parsed = PARSE_CALLS
        .iter()
        .any(|call| sources.contains(&format!("{}::{call}", s.ident)));
    if !parsed {
        return None;
    }
    let Fields::Named(fields) = &s.fields else {
        return None;
    };
    fields.named.iter().find_map(|f| {
        let ident = f.ident.as_ref()?;
        let positional = f.attrs.iter().all(|a| !not_positional(a));
        (positional && required_type(&f.ty)).then(|| (ident.to_string(), ident.span().start().line))
    })
}

/// Whether `attr` is `#[derive(..., Parser, ...)]` (or `clap::Parser`, `StructOpt`).
fn derives_parser(attr: &Attribute) -> bool {
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
        required_arg(dir.path(), "b", &[path]).map(|a| (a.name, a.line))
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
            "#[derive(Parser)]\nstruct Cli {\n    #[arg(short, long)]\n    config: PathBuf,\n}\n",
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
        let got = subcommand_args(&[path], "Command");
        let want: BTreeMap<String, Vec<String>> = [
            ("start".to_string(), vec!["config".to_string()]),
            ("run".to_string(), vec!["listen".to_string()]),
        ]
        .into_iter()
        .collect();
        assert_eq!(got, want);
    }
}
