//! The root `Procfile` (Heroku's, foreman's, honcho's: `<process>: <command>` a line): each
//! process that runs a binary of the Cargo workspace with arguments no service runs it with is
//! named by a warning, with the `[generate.services.<name>]` section (`bin` and `args`) that
//! gives it an image of its own (crates.io's `background_worker: ./target/release/server
//! background-worker` beside `web: ./target/release/server`).
//!
//! A line is what Heroku documents, `^([A-Za-z0-9_-]+):\s*(.+)$`; the command is split into
//! words as a POSIX shell would (`shlex`). A command isogen cannot split, or whose program is
//! no binary of the workspace (`node`, `bin/start-nginx`), is left alone: the Procfile may run
//! other things than this workspace's programs.

use std::sync::LazyLock;

use regex::Regex;

use super::GenerateConfig;
use crate::workspace::shell::is_assignment;
use crate::workspace::{Ecosystem, Workspace};

/// The Procfile's name, at the workspace root.
pub const FILE: &str = "Procfile";

/// One process of the Procfile that runs a workspace binary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Process {
    /// 1-based line number.
    pub line: usize,
    /// The process type (`web`, `background_worker`).
    pub name: String,
    /// The workspace binary it runs.
    pub bin: String,
    /// The words after the program.
    pub args: Vec<String>,
}

static LINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([A-Za-z0-9_-]+):[ \t]*(.+)$").expect("valid regex"));

/// The processes of `text` that run one of `bins` (by the file name of their program, after
/// any leading `VAR=value` words).
pub fn processes(text: &str, bins: &[&str]) -> Vec<Process> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let Some(caps) = LINE.captures(line.trim_end()) else {
            continue;
        };
        let Some(words) = shlex::split(&caps[2]) else {
            continue;
        };
        let mut words = words.into_iter().skip_while(|w| is_assignment(w));
        let Some(program) = words.next() else {
            continue;
        };
        let file = program.rsplit('/').next().unwrap_or(&program);
        if let Some(bin) = bins.iter().find(|b| **b == file) {
            out.push(Process {
                line: i + 1,
                name: caps[1].to_string(),
                bin: bin.to_string(),
                args: words.collect(),
            });
        }
    }
    out
}

/// Warnings for the Procfile's processes that no service runs: each with its line, what it
/// runs, and the section of isogen.toml that makes it a service.
pub fn warnings(ws: &Workspace, config: &GenerateConfig) -> Vec<String> {
    let Some(cargo) = &ws.cargo else {
        return Vec::new();
    };
    let Ok(text) = crate::fsio::read_to_string(ws.root.join(FILE)) else {
        return Vec::new();
    };
    let bins = cargo.bin_names(&ws.packages);
    let mut out = Vec::new();
    for p in processes(&text, &bins) {
        let runs = |s: &&crate::workspace::Service| {
            ws.service_package(s).ecosystem == Ecosystem::Cargo
                && s.entry == p.bin
                && command_args(config, &s.name, &s.entry) == Some(p.args.clone())
        };
        if ws.services.iter().any(|s| runs(&s)) {
            continue;
        }
        out.push(warning(ws, config, &p));
    }
    out
}

/// The arguments service `name` runs its binary with: `args`, or what follows the binary in
/// `cmd` (None when `cmd` runs something else).
fn command_args(config: &GenerateConfig, name: &str, bin: &str) -> Option<Vec<String>> {
    let settings = config.service(name);
    match settings.and_then(|s| s.cmd.as_ref()) {
        Some(cmd) => {
            let (program, rest) = cmd.split_first()?;
            let file = program.rsplit('/').next().unwrap_or(program);
            (file == bin).then(|| rest.to_vec())
        }
        None => Some(settings.map(|s| s.args.clone()).unwrap_or_default()),
    }
}

fn warning(ws: &Workspace, config: &GenerateConfig, p: &Process) -> String {
    let taken = |n: &str| {
        n == p.bin || ws.services.iter().any(|s| s.name == n) || config.services.contains_key(n)
    };
    let name = if taken(&p.name) {
        format!("{}-{}", p.bin, p.name)
    } else {
        p.name.clone()
    };
    let quoted: Vec<String> = p.args.iter().map(|a| format!("{a:?}")).collect();
    let with = if p.args.is_empty() {
        "with no arguments".to_string()
    } else {
        format!("with `{}`", p.args.join(" "))
    };
    // Heroku runs `release` once per deploy, before the new processes start: a job.
    let job = if p.name == "release" {
        ", kind = \"job\" (it runs once per release and exits)"
    } else {
        ""
    };
    format!(
        "{FILE}:{}: process `{}` runs binary `{}` {with}, which no service does, so it gets no \
         image; to give it one, add [generate.services.{name}] to isogen.toml with bin = \"{}\", \
         args = [{}]{job}; if it is not deployed in a container, ignore this",
        p.line,
        p.name,
        p.bin,
        p.bin,
        quoted.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_names_a_process_its_binary_and_arguments() {
        let text = "# processes\nweb: ./target/release/server\n\
                    background_worker: RUST_LOG=info target/release/server background-worker\n\
                    assets: node build.js\nrelease: ./target/release/server migrate --yes 'a b'\n";
        let got = processes(text, &["server"]);
        let names: Vec<(&str, usize, Vec<&str>)> = got
            .iter()
            .map(|p| {
                (
                    p.name.as_str(),
                    p.line,
                    p.args.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        assert_eq!(
            names,
            vec![
                ("web", 2, vec![]),
                ("background_worker", 3, vec!["background-worker"]),
                ("release", 5, vec!["migrate", "--yes", "a b"]),
            ]
        );
    }
}
