//! The names of the subcommands a binary's required subcommand chooses from, and whether one
//! of them serves. restate's `restatectl`, `restate-doctor` and `bifrost-benchpress` depend
//! on a server framework (through restate's crates) and require a subcommand, yet none of
//! their subcommands (`nodes`, `logs`, `log-server`, `write-to-read`, ...) runs a server: they
//! are command-line tools. A server's command line offers one that does (`kanidmd server`,
//! `garage server`, `lldap run`, `surreal start`, `ssservice server`).
//!
//! It reads the variants of the derive-style enum (clap or structopt) the required field
//! names (`cmd: Command` -> `enum Command { .. }`), or of the `Parser` enum itself, in the
//! module files it is given, line by line: an identifier at the start of a line at the enum's
//! top level, renamed or aliased by a `name = "..."` or `alias = "..."` attribute above it. It
//! parses no Rust, and it knows nothing of the builder API (no names: the binary stays a
//! service that needs `args`).

use std::path::PathBuf;
use std::sync::OnceLock;

use regex::Regex;

/// First words of a subcommand that runs a server: verbs (`serve`, `run`, `start`, `up`) and
/// the nouns servers name their serving subcommand after (`server`, `daemon`, `agent`,
/// `node`). Only the first word counts: `start-server` serves, restate-doctor's `log-server`
/// (which inspects one) does not.
const SERVING_WORDS: &[&str] = &[
    "serve",
    "server",
    "run",
    "start",
    "up",
    "launch",
    "listen",
    "daemon",
    "agent",
    "node",
    "worker",
    "proxy",
    "gateway",
    "relay",
    "service",
    "api",
    "web",
    "standalone",
];

/// Whether subcommand `name` (kebab-case) runs a server, by its first word.
pub fn serves(name: &str) -> bool {
    name.split(['-', '_'])
        .next()
        .is_some_and(|w| SERVING_WORDS.contains(&w.to_ascii_lowercase().as_str()))
}

/// The subcommand names of the command line that `file`'s line `line` (1-based) makes
/// required, looked up in `files` (the binary's and its library's module files), and the name
/// of the enum that declares them (`None` for the builder API); no names when they cannot be
/// read (the builder API built elsewhere, a type declared in no file given).
pub(super) fn names(
    file: &std::path::Path,
    line: usize,
    files: &[PathBuf],
    default_features: &[String],
) -> (Vec<String>, Option<String>) {
    let Ok(text) = crate::fsio::read_to_string(file) else {
        return (Vec::new(), None);
    };
    let lines: Vec<&str> = text.lines().collect();
    let Some(at) = lines.get(line.saturating_sub(1)) else {
        return (Vec::new(), None);
    };
    if let Some(ty) = enum_name(at) {
        return (variants(&lines[line - 1..], default_features), Some(ty));
    }
    if !at.trim_start().starts_with("#[") {
        return (builder_names(&lines), None);
    }
    // The field under the attribute: `pub cmd: Command,` or `command: Box<Command>,`.
    let Some(ty) = lines[line..]
        .iter()
        .map(|l| l.trim())
        .find(|l| !(l.is_empty() || l.starts_with("#[") || l.starts_with("//")))
        .and_then(field_type)
    else {
        return (Vec::new(), None);
    };
    let declaration = Regex::new(&format!(r"^\s*(pub(\([^)]*\))?\s+)?enum\s+{ty}\b"));
    let Ok(declaration) = declaration else {
        return (Vec::new(), None);
    };
    let found = std::iter::once(file.to_path_buf())
        .chain(files.iter().cloned())
        .filter_map(|f| crate::fsio::read_to_string(&f).ok())
        .find_map(|text| {
            let lines: Vec<&str> = text.lines().collect();
            let start = lines.iter().position(|l| declaration.is_match(l))?;
            Some(variants(&lines[start..], default_features))
        });
    match found {
        Some(names) => (names, Some(ty)),
        None => (Vec::new(), None),
    }
}

/// The name an `enum` declaration line declares (`pub enum Args {` -> `Args`).
fn enum_name(line: &str) -> Option<String> {
    let mut words = line.split_whitespace().take(4);
    words.find(|w| *w == "enum")?;
    let name: String = words
        .next()?
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    (!name.is_empty()).then_some(name)
}

/// The builder API's subcommands (shadowsocks' `ssservice`): the name of each
/// `.subcommand(...Command::new("local")...)` of the file; empty when one of them is built
/// elsewhere (`.subcommand(run())`, quickwit's), since the list would be partial.
fn builder_names(lines: &[&str]) -> Vec<String> {
    static NEW: OnceLock<Regex> = OnceLock::new();
    let new = NEW.get_or_init(|| {
        Regex::new(r#"(?:Command::new|SubCommand::with_name|App::new)\(\s*"([^"]+)""#)
            .expect("a valid pattern")
    });
    let text = lines.join("\n");
    let mut names = Vec::new();
    for segment in text.split(".subcommand(").skip(1) {
        // The call's argument: up to the parenthesis that closes it.
        let mut depth = 1;
        let end = segment
            .char_indices()
            .find_map(|(i, c)| {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                (depth == 0).then_some(i)
            })
            .unwrap_or(segment.len());
        let argument = &segment[..end];
        if argument.trim().is_empty() {
            // `matches.subcommand()`: the getter, not a declaration.
            continue;
        }
        match new.captures(argument) {
            Some(c) => names.push(c[1].to_string()),
            None => return Vec::new(),
        }
    }
    names
}

/// The type a field line names, without `Box<..>` and a module path: `Command`.
fn field_type(field: &str) -> Option<String> {
    let (_, ty) = field.split_once(':')?;
    let ty = ty.trim().trim_end_matches(',').trim();
    // `Option<Command>`: an optional subcommand whose absence the code answers with the help
    // (kellnr's), read as a required one.
    let ty = ty
        .strip_prefix("Option<")
        .and_then(|t| t.strip_suffix('>'))
        .unwrap_or(ty);
    let ty = ty
        .strip_prefix("Box<")
        .and_then(|t| t.strip_suffix('>'))
        .unwrap_or(ty);
    let ty = ty.rsplit("::").next()?.trim();
    (!ty.is_empty() && ty.chars().all(|c| c.is_alphanumeric() || c == '_')).then(|| ty.into())
}

/// The variant names (kebab-case, as clap names them, plus the names and aliases attributes
/// give) of the enum whose declaration is `lines[0]`, without the variants behind a
/// `#[cfg(feature = "...")]` that `default_features` lacks (restate's `dev`, behind
/// `dev-cmd`: a plain `cargo build` has no such subcommand).
fn variants(lines: &[&str], default_features: &[String]) -> Vec<String> {
    static RENAME: OnceLock<Regex> = OnceLock::new();
    static GATE: OnceLock<Regex> = OnceLock::new();
    let rename = RENAME.get_or_init(|| {
        Regex::new(r#"\b(?:name|alias|visible_alias)\s*=\s*"([^"]+)""#).expect("a valid pattern")
    });
    let gate = GATE.get_or_init(|| {
        Regex::new(r#"^#\[cfg\(feature\s*=\s*"([^"]+)"\)\]"#).expect("a valid pattern")
    });
    let mut names = Vec::new();
    let mut pending: Vec<String> = Vec::new();
    let mut off = false;
    let mut depth = 0i32;
    let mut opened = false;
    for line in lines {
        let t = line.trim();
        if t.starts_with("//") {
            continue;
        }
        if opened && depth == 1 {
            if let Some(c) = gate.captures(t) {
                off |= !default_features.iter().any(|f| *f == c[1]);
            } else if t.starts_with("#[") && t.contains("flatten") {
                // `#[command(flatten)] Admin(admin::Command)` (crates.io): the variant is no
                // subcommand; another enum's subcommands stand at this level in its place.
                off = true;
            } else if t.starts_with("#[") {
                pending.extend(rename.captures_iter(t).map(|c| c[1].to_string()));
            } else if t.starts_with(|c: char| c.is_ascii_uppercase()) {
                let ident: String = t
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                pending.push(kebab(&ident));
                if !off {
                    for name in pending.drain(..) {
                        if !names.contains(&name) {
                            names.push(name);
                        }
                    }
                }
                pending.clear();
                off = false;
            }
        }
        for c in t.chars() {
            match c {
                '{' | '(' | '[' => {
                    depth += 1;
                    opened = true;
                }
                '}' | ')' | ']' => depth -= 1,
                _ => {}
            }
        }
        if opened && depth <= 0 {
            break;
        }
    }
    names
}

/// `WhoAmI` -> `who-am-i`, `LogServer` -> `log-server`: clap's default subcommand names.
pub(super) fn kebab(ident: &str) -> String {
    let mut out = String::new();
    for (i, c) in ident.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('-');
        }
        out.push(c.to_ascii_lowercase());
    }
    out.replace('_', "-")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names_in(text: &str, line: usize) -> Vec<String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.rs");
        std::fs::write(&path, text).unwrap();
        names(&path, line, &[], &["cluster".to_string()]).0
    }

    #[test]
    fn the_variants_of_the_required_enum_are_its_subcommands() {
        // restatectl: the field names `Command`, declared below with nested subcommands.
        let ctl = "#[derive(Parser)]\npub struct CliApp {\n    #[clap(subcommand)]\n    pub cmd: Command,\n}\n\n#[derive(Subcommand)]\npub enum Command {\n    /// Cluster node status (of a node)\n    #[clap(subcommand)]\n    Nodes(Nodes),\n    Provision(ProvisionOpts),\n    #[clap(name = \"sql-query\")]\n    Sql {\n        #[arg(long)]\n        query: String,\n    },\n    MetadataServer(MetadataServer),\n}\n";
        assert_eq!(
            names_in(ctl, 3),
            ["nodes", "provision", "sql-query", "sql", "metadata-server"]
        );
        // restate's `dev` is behind a feature the defaults do not enable; `cluster` is on.
        let gated = "#[derive(Parser)]\npub enum Command {\n    #[cfg(feature = \"dev-cmd\")]\n    #[clap(name = \"dev\", visible_alias = \"up\")]\n    Dev(Dev),\n    #[cfg(feature = \"cluster\")]\n    Nodes,\n    Sql,\n}\n";
        assert_eq!(names_in(gated, 2), ["nodes", "sql"]);
        // rauthy: the Parser enum is the command line.
        let parser_enum =
            "#[derive(Parser)]\npub enum Args {\n    Serve(ArgsServer),\n    Boxed(Box<X>),\n}\n";
        assert_eq!(names_in(parser_enum, 2), ["serve", "boxed"]);
        // crates.io: a flattened variant is no subcommand of its own name.
        let flattened = "#[derive(clap::Parser)]\nenum Command {\n    #[command(flatten)]\n    Admin(admin::Command),\n    Server,\n    BackgroundWorker,\n}\n";
        assert_eq!(names_in(flattened, 2), ["server", "background-worker"]);
        // A type declared in another file, or the builder API: unknown.
        assert!(names_in(
            "struct Cli {\n    #[command(subcommand)]\n    cmd: Elsewhere,\n}\n",
            2
        )
        .is_empty());
        // The builder API: ssservice's names; quickwit's `run()` makes the list unknown.
        let builder = "app.subcommand_required(true)\n  .subcommand(local::opts(Command::new(\"local\")).about(\"x\"))\n  .subcommand(\n    genkey::opts(Command::new(\"genkey\")),\n  )\n  .subcommand(server::opts(Command::new(\"server\")))\n  .get_matches();\nmatch matches.subcommand() {}\n";
        assert_eq!(names_in(builder, 1), ["local", "genkey", "server"]);
        let quickwit =
            "Command::new(\"quickwit\")\n    .subcommand(run())\n    .subcommand_required(true)\n";
        assert!(names_in(quickwit, 3).is_empty());
    }

    #[test]
    fn only_a_first_word_that_serves_makes_a_serving_subcommand() {
        for name in [
            "server",
            "serve",
            "run",
            "start",
            "start-server",
            "up",
            "daemon",
        ] {
            assert!(serves(name), "{name}");
        }
        for name in [
            "log-server",
            "metadata-server",
            "who-am-i",
            "write-to-read",
            "dump",
        ] {
            assert!(!serves(name), "{name}");
        }
        assert_eq!(kebab("WhoAmI"), "who-am-i");
    }
}
