//! The import graph of `src/`: every `crate::X`, `crate::{X, ..}` and `super::..::X` that leaves
//! the file's top-level module, checked against the forbidden edges. Test code is skipped.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::rust_text::{is_cfg_test_before, strip, tokenize, Token};
use super::{source, Source, FORBIDDEN};

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Edge {
    path: String,
    line: usize,
    from: String,
    to: String,
}

pub fn check_graph(
    sources: &[Source],
    forbidden: &[(&str, &[&str])],
    known: &[(&str, &str)],
) -> String {
    let mut tops: BTreeSet<String> = sources
        .iter()
        .filter_map(|s| s.module.first().cloned())
        .collect();
    for (from, tos) in forbidden {
        tops.insert(from.to_string());
        tops.extend(tos.iter().map(|to| to.to_string()));
    }
    let reexports = root_reexports(sources);
    let test_modules = test_modules(sources);
    let mut edges = Vec::new();
    for source in sources {
        let is_test = test_modules.iter().any(|t| source.module.starts_with(t));
        if source.module.is_empty() || is_test {
            continue;
        }
        edges.extend(edges_of(source, &tops, &reexports));
    }
    let is_forbidden = |edge: &Edge| {
        forbidden
            .iter()
            .any(|(from, tos)| *from == edge.from && tos.contains(&edge.to.as_str()))
    };
    let mut report = String::new();
    let mut seen = BTreeSet::new();
    for edge in edges.iter().filter(|e| is_forbidden(e)) {
        seen.insert((edge.from.as_str(), edge.to.as_str()));
        if !known.contains(&(edge.from.as_str(), edge.to.as_str())) {
            let _ = writeln!(
                report,
                "{}:{}: {} -> {} (forbidden: {} never imports {})",
                edge.path, edge.line, edge.from, edge.to, edge.from, edge.to
            );
        }
    }
    for (from, to) in known {
        if !seen.contains(&(*from, *to)) {
            let _ = writeln!(
                report,
                "{from} -> {to} is listed in KNOWN_VIOLATIONS but no longer exists: remove it from the list"
            );
        }
    }
    report
}

/// Names the crate root re-exports (`pub use error::{Error, Result};` -> Error: error).
fn root_reexports(sources: &[Source]) -> BTreeMap<String, String> {
    let mut names = BTreeMap::new();
    for source in sources.iter().filter(|s| s.path == "src/lib.rs") {
        let tokens = tokenize(&strip(&source.text));
        for (i, token) in tokens.iter().enumerate() {
            if token.text != "use" {
                continue;
            }
            let Some(module) = tokens.get(i + 1) else {
                continue;
            };
            for t in tokens[i + 1..].iter().take_while(|t| t.text != ";") {
                if t.is_ident() {
                    names.insert(t.text.clone(), module.text.clone());
                }
            }
        }
    }
    names
}

/// Module paths declared `#[cfg(test)] mod name;` (their files are test code).
pub fn test_modules(sources: &[Source]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for source in sources {
        let tokens = tokenize(&strip(&source.text));
        for i in 0..tokens.len() {
            let declared = tokens[i].text == "mod"
                && tokens.get(i + 2).is_some_and(|t| t.text == ";")
                && is_cfg_test_before(&tokens, i);
            if declared {
                let mut module = source.module.clone();
                module.push(tokens[i + 1].text.clone());
                out.push(module);
            }
        }
    }
    out
}

fn edges_of(
    source: &Source,
    tops: &BTreeSet<String>,
    reexports: &BTreeMap<String, String>,
) -> Vec<Edge> {
    let from = source.module[0].clone();
    let tokens = tokenize(&strip(&source.text));
    let mut edges = Vec::new();
    // Inline modules open at this brace depth: (name, depth, is test code).
    let mut inline: Vec<(String, usize, bool)> = Vec::new();
    let mut depth = 0;
    let mut i = 0;
    while i < tokens.len() {
        let token = &tokens[i];
        match token.text.as_str() {
            "{" => depth += 1,
            "}" => {
                depth -= 1;
                if inline.last().is_some_and(|(_, d, _)| *d == depth) {
                    inline.pop();
                }
            }
            "mod" if tokens.get(i + 2).is_some_and(|t| t.text == "{") => {
                let test = is_cfg_test_before(&tokens, i);
                inline.push((tokens[i + 1].text.clone(), depth, test));
            }
            _ => {}
        }
        let in_test = inline.iter().any(|(_, _, test)| *test);
        let prev = i.checked_sub(1).map(|p| tokens[p].text.as_str());
        let next_is_path = tokens.get(i + 1).is_some_and(|t| t.text == "::");
        let starts_path = next_is_path && prev != Some("::") && prev != Some("$");
        if !in_test && starts_path && (token.text == "crate" || token.text == "super") {
            let mut ups = 0;
            let mut j = i;
            while token.text == "super" && tokens.get(j).is_some_and(|t| t.text == "super") {
                ups += 1;
                j += 2;
            }
            let base_len = if token.text == "crate" {
                Some(0)
            } else {
                (source.module.len() + inline.len()).checked_sub(ups)
            };
            let first = if token.text == "crate" { i + 2 } else { j };
            if base_len == Some(0) {
                for (name, line) in path_heads(&tokens, first) {
                    let to = match reexports.get(&name) {
                        Some(module) => module.clone(),
                        None => name,
                    };
                    if tops.contains(&to) && to != from {
                        edges.push(Edge {
                            path: source.path.clone(),
                            line,
                            from: from.clone(),
                            to,
                        });
                    }
                }
            }
        }
        i += 1;
    }
    edges
}

/// The first segment of each path starting at token `i`: `a::b` -> a; `{a::b, c}` -> a, c.
fn path_heads(tokens: &[Token], i: usize) -> Vec<(String, usize)> {
    let Some(token) = tokens.get(i) else {
        return Vec::new();
    };
    if token.text != "{" {
        return vec![(token.text.clone(), token.line)];
    }
    let mut heads = Vec::new();
    let mut depth = 0;
    let mut expect_head = true;
    for t in &tokens[i..] {
        match t.text.as_str() {
            "{" => {
                depth += 1;
                expect_head = depth == 1;
                continue;
            }
            "}" => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            "," if depth == 1 => {
                expect_head = true;
                continue;
            }
            _ => {}
        }
        if expect_head && t.is_ident() && t.text != "self" {
            heads.push((t.text.clone(), t.line));
        }
        expect_head = false;
    }
    heads
}

// The checker's own tests: each feeds it a small made-up file and expects it to fail (or not).

#[test]
fn a_forbidden_use_fails_naming_the_edge() {
    let sources = [source(
        "src/verify/run.rs",
        "//! Runs.\n\nuse std::io;\nuse crate::report::{self, Report};\n",
    )];
    let report = check_graph(&sources, FORBIDDEN, &[]);
    assert_eq!(
        report,
        "src/verify/run.rs:4: verify -> report (forbidden: verify never imports report)\n"
    );
}

#[test]
fn paths_groups_and_super_chains_are_edges_too() {
    let sources = [
        source(
            "src/image/layer.rs",
            "fn f() {\n    let x = crate::workspace::Workspace::default();\n}\n",
        ),
        source(
            "src/workspace/pnpm/lockfile.rs",
            "use crate::{error::Error, generate::cfg};\nuse super::super::super::image::Image;\nuse super::super::spec;\n",
        ),
        source("src/generate/mod.rs", "use crate::Error;\nuse crate::workspace::Workspace;\n"),
    ];
    let report = check_graph(&sources, FORBIDDEN, &[]);
    assert_eq!(
        report,
        "src/image/layer.rs:2: image -> workspace (forbidden: image never imports workspace)\n\
         src/workspace/pnpm/lockfile.rs:1: workspace -> generate (forbidden: workspace never imports generate)\n\
         src/workspace/pnpm/lockfile.rs:2: workspace -> image (forbidden: workspace never imports image)\n"
    );
}

#[test]
fn comments_strings_and_test_code_are_not_edges() {
    let sources = [source(
        "src/image/mod.rs",
        "//! Never imports crate::verify.\n\
         /* use crate::verify::x; /* nested */ crate::report */\n\
         const A: &str = \"crate::verify::Rule\";\n\
         const B: &str = r#\"use crate::report;\"#;\n\
         const C: char = '\"'; fn f<'a>(x: &'a str) {}\n\
         macro_rules! m { () => { $crate::verify::x } }\n\
         #[cfg(test)]\nmod tests {\n    use crate::verify::Finding;\n    use super::super::report;\n}\n\
         #[cfg(test)]\npub(crate) mod testkit;\n",
    )];
    let [file] = sources;
    let testkit = source("src/image/testkit.rs", "use crate::verify::Finding;\n");
    let report = check_graph(&[file, testkit], FORBIDDEN, &[]);
    assert_eq!(report, "");
}

#[test]
fn a_known_violation_that_is_gone_fails_too() {
    let sources = [source("src/verify/run.rs", "use crate::image::Image;\n")];
    let report = check_graph(&sources, FORBIDDEN, &[("verify", "report")]);
    assert!(
        report.contains("verify -> report is listed in KNOWN_VIOLATIONS but no longer exists"),
        "{report}"
    );
}
