//! The CI recipes against the command line they call: every `isogen ...` command in the GitHub
//! workflow (`.github/workflows/isogen.yml`) and in the README's YAML recipes (GitLab) parses
//! with the real clap definition, and every subcommand and flag the workflow uses is one the
//! README shows. Also the pre-commit hook's entry.
//!
//! Part of the binary crate (it needs [`Cli`]); test code only.

use std::collections::{BTreeMap, BTreeSet};

use clap::CommandFactory;

use super::Cli;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn read(rel: &str) -> String {
    std::fs::read_to_string(format!("{ROOT}/{rel}")).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Every string under a `run` (GitHub) or `script` (GitLab) key, at any depth.
fn scripts(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("run" | "script", serde_json::Value::String(s)) => out.push(s.clone()),
                    ("script", serde_json::Value::Array(items)) => {
                        out.extend(items.iter().filter_map(|i| i.as_str().map(String::from)))
                    }
                    _ => scripts(v, out),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|i| scripts(i, out)),
        _ => {}
    }
}

/// The isogen invocations in shell text, as argv without the program: from each `isogen` (or
/// `.../isogen`) in command position to the end of that command (a redirection, pipe, `;`,
/// `&&`, `)` or comment, outside quotes). GitHub's `${{ ... }}` expressions become a word.
fn commands(shell: &str) -> Vec<Vec<String>> {
    let mut shell = shell.replace("\\\n", " ");
    while let Some(start) = shell.find("${{") {
        let end = shell[start..]
            .find("}}")
            .map_or(shell.len(), |e| start + e + 2);
        shell.replace_range(start..end, "EXPR");
    }
    let mut out = Vec::new();
    for line in shell.lines() {
        for (i, _) in line.match_indices("isogen") {
            let after = &line[i + "isogen".len()..];
            if !(after.is_empty() || after.starts_with(char::is_whitespace)) {
                continue;
            }
            // The program word: `isogen`, or a path ending in `/isogen`.
            let word_start = line[..i]
                .rfind(|c: char| c.is_whitespace() || c == '(')
                .map_or(0, |j| j + 1);
            let word = &line[word_start..i];
            if !(word.is_empty() || word.ends_with('/')) {
                continue;
            }
            let before = line[..word_start].trim_end();
            let command_position = before.is_empty()
                || ["(", "&&", "||", ";", "|", "then", "else", "do"]
                    .iter()
                    .any(|p| before.ends_with(p));
            if command_position {
                out.push(shlex::split(cut(after)).unwrap_or_default());
            }
        }
    }
    out
}

/// `rest` up to where the command ends, quotes respected.
fn cut(rest: &str) -> &str {
    let mut quote = None;
    for (i, c) in rest.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, ')' | '>' | '|' | ';' | '&' | '#') => return &rest[..i],
            _ => {}
        }
    }
    rest
}

/// Subcommand -> the long flags used with it.
fn flags(commands: &[Vec<String>]) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for argv in commands {
        let sub = argv
            .iter()
            .find(|a| !a.starts_with('-'))
            .cloned()
            .unwrap_or_default();
        let entry = out.entry(sub).or_default();
        for a in argv.iter().filter(|a| a.starts_with("--")) {
            entry.insert(a.split('=').next().unwrap_or(a).to_string());
        }
    }
    out
}

fn parses(argv: &[String], what: &str) {
    let full = std::iter::once("isogen".to_string()).chain(argv.iter().cloned());
    if let Err(e) = Cli::command().try_get_matches_from(full) {
        panic!("{what}: `isogen {}` does not parse:\n{e}", argv.join(" "));
    }
}

/// The README's fenced code blocks: (language, text).
fn readme_blocks() -> Vec<(String, String)> {
    let readme = read("README.md");
    let mut blocks = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in readme.lines() {
        match (&mut current, line.strip_prefix("```")) {
            (None, Some(lang)) => current = Some((lang.trim().to_string(), String::new())),
            (Some(_), Some(_)) => blocks.extend(current.take()),
            (Some((_, text)), None) => {
                text.push_str(line);
                text.push('\n');
            }
            (None, None) => {}
        }
    }
    blocks
}

#[test]
fn the_workflow_runs_commands_the_readme_documents_and_clap_accepts() {
    let workflow: serde_json::Value =
        serde_saphyr::from_str(&read(".github/workflows/isogen.yml")).unwrap();
    assert!(workflow["jobs"].is_object(), "{workflow}");
    let mut runs = Vec::new();
    scripts(&workflow, &mut runs);
    let used: Vec<Vec<String>> = runs.iter().flat_map(|r| commands(r)).collect();
    for argv in &used {
        parses(argv, ".github/workflows/isogen.yml");
    }
    let used = flags(&used);
    // The gate as the issue describes it: check, plan into a matrix, verify to SARIF and JUnit.
    for (sub, flag) in [
        ("generate", "--check"),
        ("plan", "--since"),
        ("plan", "--format"),
        ("verify", "--format"),
    ] {
        assert!(
            used.get(sub).is_some_and(|f| f.contains(flag)),
            "{sub} {flag}: {used:?}"
        );
    }

    let documented: Vec<Vec<String>> = readme_blocks()
        .iter()
        .flat_map(|(_, text)| {
            text.lines()
                .map(|l| l.trim_start().trim_start_matches("- "))
                .flat_map(commands)
                .collect::<Vec<_>>()
        })
        .collect();
    let documented = flags(&documented);
    for (sub, fl) in &used {
        let Some(doc) = documented.get(sub) else {
            panic!("the workflow runs `isogen {sub}`, which the README never shows");
        };
        let missing: Vec<&String> = fl.difference(doc).collect();
        assert!(
            missing.is_empty(),
            "`isogen {sub}` {missing:?}: used by the workflow, not in the README"
        );
    }
}

#[test]
fn the_readme_yaml_recipes_parse_and_their_commands_are_real() {
    let yaml: Vec<String> = readme_blocks()
        .into_iter()
        .filter(|(lang, _)| lang == "yaml")
        .map(|(_, text)| text)
        .collect();
    assert!(yaml.len() >= 2, "the GitLab recipe and its job template");
    let mut seen = 0;
    for text in &yaml {
        let doc: serde_json::Value =
            serde_saphyr::from_str(text).unwrap_or_else(|e| panic!("README yaml: {e}\n{text}"));
        let mut runs = Vec::new();
        scripts(&doc, &mut runs);
        for argv in runs.iter().flat_map(|r| commands(r)) {
            parses(&argv, "README");
            seen += 1;
        }
    }
    assert!(seen >= 5, "{seen} isogen commands in the README's YAML");
}

#[test]
fn the_pre_commit_hook_runs_generate_check() {
    let hooks: serde_json::Value = serde_saphyr::from_str(&read(".pre-commit-hooks.yaml")).unwrap();
    let hook = &hooks[0];
    assert_eq!(hook["id"], "isogen-generate-check");
    assert_eq!(hook["language"], "rust");
    assert_eq!(hook["pass_filenames"], false);
    let entry = commands(hook["entry"].as_str().unwrap());
    assert_eq!(entry, vec![vec!["generate".to_string(), "--check".into()]]);
    parses(&entry[0], ".pre-commit-hooks.yaml");
}

#[test]
fn commands_are_cut_where_the_shell_command_ends() {
    let found = commands(
        "matrix=\"$(isogen plan \"$W\" --since \"$BASE\" --format github-matrix)\"\n\
         status=0\n\
         target/release/isogen verify image.tar --format sarif > x.sarif || status=$?\n\
         echo isogen is not run here # isogen verify\n\
         isogen verify ${{ matrix.service }}.tar --workspace \"a b\" && isogen rules\n",
    );
    let argv = |s: &str| s.split(' ').map(String::from).collect::<Vec<_>>();
    assert_eq!(
        found,
        vec![
            argv("plan $W --since $BASE --format github-matrix"),
            argv("verify image.tar --format sarif"),
            vec![
                "verify".into(),
                "EXPR.tar".into(),
                "--workspace".into(),
                "a b".into()
            ],
            argv("rules"),
        ]
    );
}
