//! Hygiene of `src/`: no leftover `todo!`/`unimplemented!`/`dbg!`, no function over the limit,
//! no terminal output outside the CLI layer.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::graph::test_modules;
use super::rust_text::{strip, tokenize, without_inline_tests, Token};
use super::{source, Source};

pub fn leftover_macros(source: &Source) -> String {
    let tokens = tokenize(&strip(&source.text));
    let mut report = String::new();
    for pair in tokens.windows(2) {
        let name = pair[0].text.as_str();
        if matches!(name, "todo" | "unimplemented" | "dbg") && pair[1].text == "!" {
            let _ = writeln!(
                report,
                "{}:{}: `{name}!` left in src/",
                source.path, pair[0].line
            );
        }
    }
    report
}

/// Prints, progress bars and terminal streams in non-test code outside `src/main.rs` and
/// `src/cli/`: the library returns data and the CLI decides what the user sees.
pub fn check_terminal_output(sources: &[Source], known: &[&str]) -> String {
    let tests = test_modules(sources);
    let mut report = String::new();
    let mut seen = BTreeSet::new();
    for source in sources {
        let cli = source.path == "src/main.rs" || source.path.starts_with("src/cli/");
        if cli || tests.iter().any(|t| source.module.starts_with(t)) {
            continue;
        }
        let tokens = without_inline_tests(tokenize(&strip(&source.text)));
        for (i, token) in tokens.iter().enumerate() {
            let what = token.text.as_str();
            let next = tokens.get(i + 1).map_or("", |t| t.text.as_str());
            let prev = i.checked_sub(1).map_or("", |p| tokens[p].text.as_str());
            let is_macro =
                matches!(what, "println" | "eprintln" | "print" | "eprint") && next == "!";
            // `io::stdout()`, not a process's `output.stdout` or `Command::stdout(..)`.
            let stream_call = matches!(what, "stdout" | "stderr") && next == "(" && prev != ".";
            let is_terminal = matches!(what, "indicatif" | "anstream") || stream_call;
            if !(is_macro || is_terminal) {
                continue;
            }
            seen.insert(source.path.as_str());
            if !known.contains(&source.path.as_str()) {
                let _ = writeln!(
                    report,
                    "{}:{}: `{what}` outside the CLI layer (return the text; src/main.rs prints it)",
                    source.path, token.line
                );
            }
        }
    }
    for path in known {
        if !seen.contains(path) {
            let _ = writeln!(
                report,
                "{path} is listed in KNOWN_TERMINAL_OUTPUT but no longer prints: remove it from the list"
            );
        }
    }
    report
}

pub fn check_fn_lengths(sources: &[Source], max: usize, known: &[(&str, &str)]) -> String {
    let mut report = String::new();
    let mut seen = BTreeSet::new();
    for source in sources {
        for (name, line, lines) in fn_lengths(&source.text) {
            if lines <= max {
                continue;
            }
            seen.insert((source.path.clone(), name.clone()));
            if !known.contains(&(source.path.as_str(), name.as_str())) {
                let _ = writeln!(
                    report,
                    "{}:{line}: fn {name} is {lines} lines (at most {max}: split it)",
                    source.path
                );
            }
        }
    }
    for (path, name) in known {
        if !seen.contains(&(path.to_string(), name.to_string())) {
            let _ = writeln!(
                report,
                "{path}: fn {name} is listed in KNOWN_LONG_FNS but is no longer over {max} lines: remove it from the list"
            );
        }
    }
    report
}

/// (name, first line, lines from `fn` to the closing brace) of every function with a body.
fn fn_lengths(text: &str) -> Vec<(String, usize, usize)> {
    let tokens = tokenize(&strip(text));
    let mut out = Vec::new();
    for i in 0..tokens.len() {
        if tokens[i].text != "fn" || !tokens.get(i + 1).is_some_and(Token::is_ident) {
            continue;
        }
        // The body is the first `{` outside the signature's parentheses and brackets.
        let mut nesting = 0i32;
        let mut open = None;
        for (j, t) in tokens.iter().enumerate().skip(i + 2) {
            match t.text.as_str() {
                "(" | "[" => nesting += 1,
                ")" | "]" => nesting -= 1,
                ";" if nesting == 0 => break,
                "{" if nesting == 0 => {
                    open = Some(j);
                    break;
                }
                _ => {}
            }
        }
        let Some(open) = open else { continue };
        let mut depth = 0;
        for t in &tokens[open..] {
            match t.text.as_str() {
                "{" => depth += 1,
                "}" => depth -= 1,
                _ => {}
            }
            if depth == 0 {
                let lines = t.line - tokens[i].line + 1;
                out.push((tokens[i + 1].text.clone(), tokens[i].line, lines));
                break;
            }
        }
    }
    out
}

#[test]
fn long_functions_and_leftover_macros_are_found() {
    let body = "    let x = 1;\n".repeat(100);
    let text = format!(
        "//! M.\nfn short() {{ dbg!(1); }}\n\nfn long(a: [u8; 2]) -> u8 {{\n{body}    todo!()\n}}\n\
         // fn commented() {{ todo!() }}\ntrait T {{ fn declared(&self); }}\n"
    );
    let file = source("src/image/x.rs", &text);
    assert_eq!(
        leftover_macros(&file),
        "src/image/x.rs:2: `dbg!` left in src/\nsrc/image/x.rs:105: `todo!` left in src/\n"
    );
    assert_eq!(
        check_fn_lengths(std::slice::from_ref(&file), 100, &[]),
        "src/image/x.rs:4: fn long is 103 lines (at most 100: split it)\n"
    );
    assert_eq!(
        check_fn_lengths(&[file], 100, &[("src/image/x.rs", "long")]),
        ""
    );
}

#[test]
fn prints_outside_the_cli_are_found_and_test_code_may_print() {
    let lib = source(
        "src/verify/run.rs",
        "fn f() {\n    eprintln!(\"warning\");\n}\n#[cfg(test)]\nmod tests {\n    fn t() { println!(\"x\"); }\n}\nfn g() { let _ = std::io::stdout(); }\nfn h(o: Output) -> Vec<u8> { Command::new(\"git\").stdout(Stdio::piped()); o.stdout }\n",
    );
    let cli = source("src/main.rs", "fn main() { println!(\"ok\"); }\n");
    assert_eq!(
        check_terminal_output(&[lib, cli], &[]),
        "src/verify/run.rs:2: `eprintln` outside the CLI layer (return the text; src/main.rs prints it)\n\
         src/verify/run.rs:8: `stdout` outside the CLI layer (return the text; src/main.rs prints it)\n"
    );
}
