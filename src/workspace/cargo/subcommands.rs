//! Binaries that do nothing without a subcommand: a clap or structopt command line whose
//! subcommand is required (`#[command(subcommand)] commands: KanidmdOpt`, not
//! `Option<...>`, in the top-level struct that derives `Parser` or `StructOpt`;
//! `.subcommand_required(true)` in the builder API) prints its usage and exits when the image runs it bare (`kanidmd server`,
//! `garage server`, `quickwit run`). Discovery records where it saw that, and `generate`
//! refuses such a service until `args` (or `cmd`) says what to run.
//!
//! It reads the module files of each binary and of its package's library (where the command
//! line often lives: quickwit's `quickwit_cli::cli`), looking for those markers line by line.
//! When none is there, the struct `cli_args` finds the binary parsing (parsed with `syn`, in
//! another workspace crate too: kellnr's `kellnr_settings::Cli`) says: a subcommand field that
//! is not an `Option`, or an `Option` whose absence the code answers by printing the help and
//! nothing else (kellnr's `None => { Cli::command().print_help() }`: run bare it exits 0
//! having served nothing).

use std::path::Path;

use super::bin_sources::module_files;
use super::model::RequiredSubcommand;
use crate::workspace::Package;

/// Builder calls that make clap refuse to run without a subcommand or an argument.
const BUILDER_MARKERS: &[&str] = &[
    ".subcommand_required(true)",
    "AppSettings::SubcommandRequired",
];

/// Sets [`super::model::CargoPackage::required_subcommands`], `required_args` and
/// `needed_options` (see `super::cli_args`) of every package with binaries.
/// `dirs[k]` is the folder of `packages[k]` relative to `root`.
pub(super) fn mark_required_subcommands(root: &Path, dirs: &[&str], packages: &mut [Package]) {
    let lib_files_of = |k: usize, packages: &[Package]| -> Vec<std::path::PathBuf> {
        let dir = dirs.get(k).copied().unwrap_or("");
        packages[k]
            .cargo
            .as_ref()
            .and_then(|c| c.lib.as_ref())
            .map(|l| module_files(&root.join(dir).join(&l.path)))
            .unwrap_or_default()
    };
    // `use evaluations::Args` in a binary: the module files of the workspace crate whose
    // library is called `evaluations` (the package's own or another member's).
    let libs: Vec<(String, std::path::PathBuf)> = (packages.iter().enumerate())
        .filter_map(|(k, p)| {
            let lib = p.cargo.as_ref()?.lib.as_ref()?;
            Some((lib.name.clone(), root.join(dirs.get(k)?).join(&lib.path)))
        })
        .collect();
    let crate_files = |name: &str| -> Vec<std::path::PathBuf> {
        libs.iter()
            .find(|(lib, _)| lib == name)
            .map(|(_, path)| module_files(path))
            .unwrap_or_default()
    };
    for k in 0..packages.len() {
        let mut lib_files = lib_files_of(k, packages);
        // A thin binary over a server library (surrealdb's `surreal`, whose `main` only calls
        // `surrealdb_server::init`) parses the command line the library declares.
        let server_lib = packages[k]
            .cargo
            .as_ref()
            .and_then(|c| c.server_lib.as_ref())
            .and_then(|l| packages.iter().position(|p| p.name == l.name));
        if let Some(j) = server_lib {
            lib_files.extend(lib_files_of(j, packages));
        }
        let dir = dirs.get(k).copied().unwrap_or("");
        let Some(c) = packages[k].cargo.as_mut() else {
            continue;
        };
        let mut found = Vec::new();
        let mut args = Vec::new();
        let mut needed = Vec::new();
        let mut unsure = Vec::new();
        for bin in &c.bins {
            let files = module_files(&root.join(dir).join(&bin.path));
            let line = super::cli_args::command_line(root, &bin.name, &files, &crate_files);
            args.extend(line.required);
            needed.extend(line.needed);
            unsure.extend(line.unsure);
            let searched: Vec<_> = files.iter().chain(&lib_files).cloned().collect();
            let nested = subcommand_types(searched.iter());
            let place = searched
                .iter()
                .find_map(|f| required_at(f, &nested).map(|line| (f.clone(), line, None)));
            // Else the struct the binary parses, read where it is declared (another workspace
            // crate: kellnr's `kellnr_settings::Cli`): a subcommand that is not an `Option`,
            // or one whose absence the code answers with the help.
            let (place, searched) = match (place, line.subcommand) {
                (Some(p), _) => (Some(p), searched),
                (None, Some(s)) if !s.optional || s.help_at.is_some() => {
                    let files = [searched, s.files].concat();
                    (Some((s.file, s.line, s.help_at)), files)
                }
                (None, _) => (None, searched),
            };
            if let Some((file, line, help_at)) = place {
                let rel = file
                    .strip_prefix(root)
                    .unwrap_or(&file)
                    .to_string_lossy()
                    .replace('\\', "/");
                let defaults = &c.default_features;
                let (subcommands, ty) =
                    super::subcommand_names::names(&file, line, &searched, defaults);
                let mut arguments = ty
                    .map(|ty| super::cli_args::subcommand_args(&searched, &ty))
                    .unwrap_or_default();
                for a in arguments.values_mut().flatten() {
                    let f = std::path::Path::new(&a.file);
                    a.file =
                        (f.strip_prefix(root).unwrap_or(f).to_string_lossy()).replace('\\', "/");
                }
                found.push(RequiredSubcommand {
                    bin: bin.name.clone(),
                    file: rel,
                    line,
                    subcommands,
                    arguments,
                    help_at,
                });
            }
        }
        c.required_subcommands = found;
        c.required_args = args;
        c.needed_options = needed;
        c.unsure_command_lines = unsure;
    }
}

/// A type some command line takes as its subcommand: the last segment of its path, and the
/// segment before it when the path names a module (`enqueue_job::Command` is `Command` of the
/// module `enqueue_job`, not the `Command` of the file that declares the command line).
#[derive(Debug, PartialEq, Eq, Hash)]
struct SubcommandType {
    module: Option<String>,
    name: String,
}

/// Every type named in the `#[command(subcommand)]` / `#[clap(subcommand)]` fields of `files`
/// (each path of the field's type: `Option<Command>` gives `Option` and `Command`), whether the
/// field is named (`command: Option<Command>`) or a tuple variant (`EnqueueJob(enqueue_job::Command)`):
/// an enum deriving `Parser` that a struct takes as its subcommand is not the command line itself
/// (atomic-server's `#[derive(Parser)] pub enum Command`, the optional subcommand of `Opts`).
fn subcommand_types<'a>(
    files: impl Iterator<Item = &'a std::path::PathBuf>,
) -> std::collections::HashSet<SubcommandType> {
    let mut types = std::collections::HashSet::new();
    for file in files {
        let Ok(text) = crate::fsio::read_to_string(file) else {
            continue;
        };
        let lines: Vec<&str> = text.lines().map(str::trim).collect();
        for (i, line) in lines.iter().enumerate() {
            if !(line.starts_with("#[") && line.contains("(subcommand") && line.ends_with(")]")) {
                continue;
            }
            let field = lines[i + 1..]
                .iter()
                .find(|l| !(l.is_empty() || l.starts_with("#[") || l.starts_with("//")));
            let Some(ty) = field.and_then(|f| field_type(f)) else {
                continue;
            };
            types.extend(type_paths(ty));
        }
    }
    types
}

/// The type of a field line: after the `:` of `name: Type` (not a path's `::`), or inside the
/// parentheses of a tuple variant `Name(Type)`.
fn field_type(field: &str) -> Option<&str> {
    let bytes = field.as_bytes();
    let colon = (0..bytes.len()).find(|&k| {
        bytes[k] == b':' && bytes.get(k + 1) != Some(&b':') && (k == 0 || bytes[k - 1] != b':')
    });
    let paren = field.find('(');
    match (colon, paren) {
        (Some(c), p) if p.is_none_or(|p| c < p) => Some(&field[c + 1..]),
        (_, Some(p)) => Some(&field[p + 1..]),
        _ => None,
    }
}

/// The paths a type names (`Option<a::Command>`: `Option`, and `Command` of module `a`).
/// `crate::`, `self::` and `super::` say nothing of the module and are left out.
fn type_paths(ty: &str) -> Vec<SubcommandType> {
    let ty = ty.replace("::", "\u{1}");
    ty.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '\u{1}'))
        .filter(|p| !p.is_empty())
        .filter_map(|path| {
            let segments: Vec<&str> = path
                .split('\u{1}')
                .filter(|s| !s.is_empty() && !matches!(*s, "crate" | "self" | "super"))
                .collect();
            let (name, before) = segments.split_last()?;
            Some(SubcommandType {
                module: before.last().map(|m| m.to_string()),
                name: name.to_string(),
            })
        })
        .collect()
}

/// The module a file is (`admin/mod.rs` and `admin.rs`: `admin`); `None` for a crate root
/// (`main.rs`, `lib.rs`), which a path `m::Name` never names.
fn module_of(file: &Path) -> Option<String> {
    let stem = file.file_stem()?.to_str()?;
    match stem {
        "main" | "lib" => None,
        "mod" => Some(file.parent()?.file_name()?.to_str()?.to_string()),
        s => Some(s.to_string()),
    }
}

/// The line (1-based) of `file` that makes a subcommand required, if any. `nested`: the types
/// other command lines take as their subcommand (see [`subcommand_types`]).
fn required_at(file: &Path, nested: &std::collections::HashSet<SubcommandType>) -> Option<usize> {
    let text = crate::fsio::read_to_string(file).ok()?;
    let module = module_of(file);
    // An enum of this file is nested when a subcommand field names it plainly, or through the
    // module this file is (crates.io's `EnqueueJob(enqueue_job::Command)` does not name the
    // `#[derive(Parser)] enum Command` of `main.rs`).
    let is_nested = |name: &str| {
        nested.iter().any(|t| {
            t.name == name && (t.module.is_none() || t.module.as_deref() == module.as_deref())
        })
    };
    let lines: Vec<&str> = text.lines().collect();
    lines.iter().enumerate().find_map(|(i, line)| {
        let t = line.trim();
        if t.starts_with("//") {
            return None;
        }
        if BUILDER_MARKERS.iter().any(|m| t.contains(m)) {
            return Some(i + 1);
        }
        // `#[derive(Parser)] enum Args { Serve(..), ... }` (rauthy): the command line is the
        // choice of a subcommand itself.
        let words: Vec<&str> = t.split_whitespace().take(3).collect();
        if let Some(k) = words.iter().position(|w| *w == "enum") {
            let name = words
                .get(k + 1)
                .map(|w| w.split(['{', '<']).next().unwrap_or(w))
                .unwrap_or("");
            if !is_nested(name) && derives_parser(&lines[..i]) {
                return Some(i + 1);
            }
        }
        let attribute = t.starts_with("#[") && t.contains("(subcommand") && t.ends_with(")]");
        if !attribute || !in_top_level_struct(&lines[..i]) {
            return None;
        }
        // The field the attribute is on: the next line that is not an attribute or comment.
        let field = lines[i + 1..]
            .iter()
            .map(|l| l.trim())
            .find(|l| !(l.is_empty() || l.starts_with("#[") || l.starts_with("//")))?;
        (!field.contains("Option<")).then_some(i + 1)
    })
}

/// Whether the item the lines `above` end inside is a struct that derives `Parser` or
/// `StructOpt` (the command line itself), not an enum variant or an argument group: a nested
/// subcommand (lemmy's `migration <run|revert>`) is required only once its parent is chosen.
fn in_top_level_struct(above: &[&str]) -> bool {
    let item = above.iter().rposition(|l| {
        let words: Vec<&str> = l.split_whitespace().collect();
        words.iter().take(3).any(|w| *w == "struct" || *w == "enum")
    });
    let Some(at) = item else {
        return false;
    };
    if !above[at].split_whitespace().take(3).any(|w| w == "struct") {
        return false;
    }
    derives_parser(&above[..at])
}

/// Whether the attributes that end `above` (the lines just above an item; multi-line ones
/// included, up to an empty line or the end of the previous item) derive `Parser` or
/// `StructOpt`. Comments are not attributes: pgdog's `/// Parser result.` over the enum of
/// its admin console's commands derives nothing, and neither does a `ParserState` word.
fn derives_parser(above: &[&str]) -> bool {
    above
        .iter()
        .rev()
        .map(|l| l.trim())
        .take_while(|l| !(l.is_empty() || l.ends_with(';') || l.ends_with('}') || l.ends_with('{')))
        .filter(|l| !l.starts_with("//"))
        .any(|l| {
            l.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .any(|w| w == "Parser" || w == "StructOpt")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Option<usize> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("main.rs");
        std::fs::write(&path, text).unwrap();
        required_at(&path, &subcommand_types([path.clone()].iter()))
    }

    #[test]
    fn a_required_subcommand_is_found_and_an_optional_one_is_not() {
        let derive = "#[derive(Debug, Parser)]\n#[command(name = \"kanidmd\")]\nstruct Opt {\n    #[command(subcommand)]\n    /// what to do\n    commands: KanidmdOpt,\n}\n";
        assert_eq!(at(derive), Some(4));
        let structopt = "#[derive(StructOpt, Debug)]\n#[structopt(\n\tname = \"garage\",\n)]\npub struct Opt {\n\t#[structopt(subcommand)]\n\tcmd: Command,\n}\n";
        assert_eq!(at(structopt), Some(6));
        let optional = "#[derive(Parser)]\nstruct Opt {\n    #[command(subcommand)]\n    command: Option<Cmd>,\n}\n";
        assert_eq!(at(optional), None);
        // lemmy: only the `migration` subcommand has one of its own.
        let nested = "#[derive(Subcommand)]\nenum Cmd {\n  Migration {\n    #[command(subcommand)]\n    subcommand: MigrationCmd,\n  },\n}\n";
        assert_eq!(at(nested), None);
        let args = "#[derive(Args)]\nstruct RepairOpt {\n    #[command(subcommand)]\n    what: RepairWhat,\n}\n";
        assert_eq!(at(args), None);
        let builder =
            "Command::new(\"quickwit\")\n    .subcommand(run())\n    .subcommand_required(true)\n";
        assert_eq!(at(builder), Some(3));
        assert_eq!(at("// .subcommand_required(true)\nfn main() {}\n"), None);
        // rauthy: the top-level command line is an enum of subcommands.
        let parser_enum = "use clap::Parser;\n\n#[derive(Debug, Clone, Parser)]\n#[clap(author, version)]\npub enum Args {\n    Serve(ArgsServer),\n}\n";
        assert_eq!(at(parser_enum), Some(5));
        let subcommand_enum = "#[derive(Subcommand)]\npub enum Cmd {\n    Serve,\n}\n";
        assert_eq!(at(subcommand_enum), None);
        // atomic-server: an enum deriving `Parser` that is the optional subcommand of the
        // struct that is the command line.
        let optional_enum = "#[derive(Parser)]\npub struct Opts {\n    #[clap(subcommand)]\n    pub command: Option<Command>,\n}\n\n#[derive(Parser, Clone, Debug)]\npub enum Command {\n    Export(ExportOpts),\n}\n";
        assert_eq!(at(optional_enum), None);
        let required_enum = optional_enum.replace("Option<Command>", "Command");
        assert_eq!(at(&required_enum), Some(3));
        // pgdog: an enum whose doc comment says "Parser" is no command line.
        let documented = "/// Parser result.\npub enum ParseResult {\n    Pause(Pause),\n}\n";
        assert_eq!(at(documented), None);
        let multi_line =
            "#[derive(\n    Debug,\n    clap::Parser,\n)]\npub enum Args {\n    Serve,\n}\n";
        assert_eq!(at(multi_line), Some(5));
    }

    /// crates.io: `main.rs` parses `#[derive(clap::Parser)] enum Command { Server, ... }`, and
    /// its `admin` module's subcommands hold `#[clap(subcommand)] EnqueueJob(enqueue_job::Command)`,
    /// another module's `Command`: the command line is still the enum of `main.rs`.
    #[test]
    fn a_parser_enum_is_the_command_line_though_another_modules_type_of_its_name_is_a_subcommand() {
        let dir = tempfile::tempdir().unwrap();
        let main = dir.path().join("main.rs");
        std::fs::write(
            &main,
            "mod admin;\n\n#[derive(clap::Parser, Debug)]\n#[command(name = \"crates-io\")]\nenum Command {\n    #[command(flatten)]\n    Admin(admin::Command),\n    Server,\n    BackgroundWorker,\n}\n",
        )
        .unwrap();
        std::fs::create_dir(dir.path().join("admin")).unwrap();
        let admin = dir.path().join("admin/mod.rs");
        let tuple = "#[derive(clap::Subcommand, Debug)]\npub enum Command {\n    Migrate(migrate::Opts),\n    #[clap(subcommand)]\n    EnqueueJob(enqueue_job::Command),\n}\n";
        std::fs::write(&admin, tuple).unwrap();
        let files = [main.clone(), admin.clone()];
        assert_eq!(required_at(&main, &subcommand_types(files.iter())), Some(5));
        // The same variant naming the `Command` of main.rs (`crate::Command`, or a plain
        // `Command` in the same file) makes it nested again.
        for ty in ["crate::Command", "Command"] {
            let text = tuple.replace("enqueue_job::Command", ty);
            std::fs::write(&admin, text).unwrap();
            assert_eq!(
                required_at(&main, &subcommand_types(files.iter())),
                None,
                "{ty}"
            );
        }
        // A named field of another module's type, `Option<admin::Command>`, is not this one.
        let named = "#[derive(Parser)]\npub struct Opts {\n    #[clap(subcommand)]\n    pub command: Option<admin::Command>,\n}\n";
        std::fs::write(&admin, named).unwrap();
        assert_eq!(required_at(&main, &subcommand_types(files.iter())), Some(5));
    }

    #[test]
    fn a_fields_type_is_read_after_its_colon_or_inside_a_tuple_variant() {
        assert_eq!(
            field_type("command: Option<a::Cmd>,"),
            Some(" Option<a::Cmd>,")
        );
        assert_eq!(
            field_type("EnqueueJob(enqueue_job::Command),"),
            Some("enqueue_job::Command),")
        );
        assert_eq!(field_type("Run(Box<run::Opts>),"), Some("Box<run::Opts>),"));
        assert_eq!(field_type("Serve,"), None);
        let paths = type_paths("Option<crate::cli::Command>");
        assert_eq!(
            paths,
            vec![
                SubcommandType {
                    module: None,
                    name: "Option".into()
                },
                SubcommandType {
                    module: Some("cli".into()),
                    name: "Command".into()
                },
            ]
        );
    }
}
