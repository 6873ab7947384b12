//! Tidy checks over the text of `src/` (the way rust-analyzer's tidy tests read its sources):
//! the module graph is one-way ([`FORBIDDEN`]), every module file starts with a `//!`
//! paragraph, no `todo!`/`unimplemented!`/`dbg!` is left, no function is longer than
//! [`MAX_FN_LINES`] lines, and only the CLI layer prints or draws. Every failure names the file, the line and, for imports, the edge
//! (`src/verify/run.rs:12: verify -> report`).
//!
//! What exists today and is being removed is listed in `KNOWN_*`; those lists may only shrink:
//! an entry that no longer matches anything fails too, so they stay honest. Test code (files
//! declared `#[cfg(test)] mod x;` and inline `#[cfg(test)] mod x { ... }`) may import anything.

mod disk_reads;
mod graph;
mod hygiene;
mod rust_text;

use std::fmt::Write as _;
use std::path::Path;

/// Top-level module -> the top-level modules it must never name (`use crate::X`, `crate::X::`,
/// `super::X` from a submodule). The CLI (`main.rs`) and the crate root may use everything.
///
/// `config` sits above the pipelines: it reads `isogen.toml` once, assembles the sections each
/// pipeline declares next to its code (`WorkspaceConfig`, `GenerateConfig`, `VerifyConfig`) and
/// the CLI hands each pipeline its section; no pipeline reaches back up into `config`.
const FORBIDDEN: &[(&str, &[&str])] = &[
    (
        "error",
        &[
            "config",
            "workspace",
            "image",
            "generate",
            "plan",
            "verify",
            "report",
        ],
    ),
    (
        "workspace",
        &["config", "generate", "image", "plan", "verify", "report"],
    ),
    (
        "image",
        &[
            "config",
            "workspace",
            "generate",
            "plan",
            "verify",
            "report",
        ],
    ),
    ("generate", &["config", "image", "plan", "verify", "report"]),
    // `plan` reads the workspace, git and its `[generate]` section (image names, templates).
    ("plan", &["config", "image", "verify", "report"]),
    ("verify", &["config", "report", "generate", "plan"]),
    ("report", &["config", "generate", "plan", "workspace"]),
    ("config", &["image", "plan", "report"]),
    // `compose` writes through generate's writer from the sections the CLI hands it.
    ("compose", &["config", "image", "verify", "report", "plan"]),
    // `js` is a leaf: workspace, generate and verify all read sources through it.
    (
        "js",
        &[
            "config",
            "workspace",
            "image",
            "generate",
            "plan",
            "verify",
            "report",
            "compose",
        ],
    ),
];

/// Forbidden edges that exist today (issue 10 removes them). Only shrinks: remove an entry when
/// its last import goes; a listed edge that no longer exists fails the test.
const KNOWN_VIOLATIONS: &[(&str, &str)] = &[];

/// Files outside the CLI layer (`src/main.rs`, `src/cli/`) that print or draw today. Only
/// shrinks, like [`KNOWN_VIOLATIONS`].
const KNOWN_TERMINAL_OUTPUT: &[&str] = &[];

/// Longest function allowed in `src/`, in lines from `fn` to its closing brace.
const MAX_FN_LINES: usize = 100;

/// Functions over [`MAX_FN_LINES`] today (file, name), being split. Only shrinks, like
/// [`KNOWN_VIOLATIONS`].
const KNOWN_LONG_FNS: &[(&str, &str)] = &[];

/// One source file: its path (`src/verify/run.rs`), module path (`["verify", "run"]`), text.
pub struct Source {
    pub path: String,
    pub module: Vec<String>,
    pub text: String,
}

#[test]
fn the_module_graph_is_one_way() {
    let sources = read_sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    assert!(sources.len() > 20, "read {} files of src/", sources.len());
    let report = graph::check_graph(&sources, FORBIDDEN, KNOWN_VIOLATIONS);
    assert!(report.is_empty(), "{report}");
}

#[test]
fn every_module_says_what_it_does_and_nothing_is_left_unfinished() {
    let sources = read_sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    let mut report = String::new();
    for source in &sources {
        if !source.text.starts_with("//!") {
            let _ = writeln!(
                report,
                "{}:1: a module starts with a `//!` paragraph saying what it does and must never do",
                source.path
            );
        }
        report.push_str(&hygiene::leftover_macros(source));
    }
    assert!(report.is_empty(), "{report}");
}

#[test]
fn no_function_is_over_the_limit() {
    let sources = read_sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    let report = hygiene::check_fn_lengths(&sources, MAX_FN_LINES, KNOWN_LONG_FNS);
    assert!(report.is_empty(), "{report}");
}

#[test]
fn terminal_output_only_in_the_cli_layer() {
    let sources = read_sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    let report = hygiene::check_terminal_output(&sources, KNOWN_TERMINAL_OUTPUT);
    assert!(report.is_empty(), "{report}");
}

#[test]
fn generate_reads_the_disk_only_through_fsio() {
    let sources = read_sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    let report = disk_reads::check_disk_reads(&sources);
    assert!(report.is_empty(), "{report}");
}

/// A made-up file for the checker's own tests.
pub fn source(path: &str, text: &str) -> Source {
    Source {
        path: path.to_owned(),
        module: module_of(path.strip_prefix("src/").unwrap()),
        text: text.to_owned(),
    }
}

fn read_sources(src: &Path) -> Vec<Source> {
    let mut files = Vec::new();
    collect_rs(src, &mut files);
    files.sort();
    files
        .into_iter()
        .map(|file| {
            let relative = file
                .strip_prefix(src)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            Source {
                path: format!("src/{relative}"),
                module: module_of(&relative),
                text: std::fs::read_to_string(&file).unwrap(),
            }
        })
        .collect()
}

fn collect_rs(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_rs(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `verify/rules/mod.rs` -> `["verify", "rules"]`; `lib.rs` and `main.rs` -> `[]`.
fn module_of(relative: &str) -> Vec<String> {
    let without = relative.trim_end_matches(".rs");
    let mut parts: Vec<String> = without.split('/').map(str::to_owned).collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}
