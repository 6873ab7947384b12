//! The code `isogen generate` runs (the config, discovery, generate's planning, the CLI's
//! warnings) reads the disk only through `isogen::fsio`, which records every read for the
//! `--check` cache: a read that bypassed it would let the cache pass a tree whose change it
//! never saw. Writing (generate's writer) and test code are not checked.

use std::fmt::Write as _;

use super::graph::test_modules;
use super::rust_text::{strip, tokenize, without_inline_tests, Token};
use super::{source, Source};

/// `std::fs` functions that look at the disk.
const FS_READS: &[&str] = &[
    "read",
    "read_to_string",
    "read_dir",
    "metadata",
    "symlink_metadata",
    "read_link",
    "canonicalize",
    "exists",
];

/// `Path` methods that look at the disk.
const PATH_READS: &[&str] = &[
    "exists",
    "try_exists",
    "is_file",
    "is_dir",
    "is_symlink",
    "metadata",
    "symlink_metadata",
    "read_link",
    "read_dir",
    "canonicalize",
];

/// Whether `source` is run by `generate` and must read through `fsio`.
fn in_scope(source: &Source) -> bool {
    let top = source.module.first().map(String::as_str);
    (matches!(top, Some("workspace" | "generate" | "config"))
        && source.path != "src/generate/write.rs")
        || source.path == "src/cli/elsewhere.rs"
}

pub fn check_disk_reads(sources: &[Source]) -> String {
    let tests = test_modules(sources);
    let mut report = String::new();
    for source in sources {
        if !in_scope(source) || tests.iter().any(|t| source.module.starts_with(t)) {
            continue;
        }
        let tokens = without_inline_tests(tokenize(&strip(&source.text)));
        for i in 0..tokens.len() {
            if let Some(what) = direct_read(&tokens, i) {
                let _ = writeln!(
                    report,
                    "{}:{}: `{what}` reads the disk outside isogen::fsio (read through it, so the --check cache sees the read)",
                    source.path, tokens[i].line
                );
            }
        }
    }
    report
}

/// The read at token `i`, if it is one: `fs::read(..)`, `File::open`, `WalkDir`, or a `Path`
/// method such as `.is_file()` (not on a `file_type()` or a `Metadata`/`FileType` named
/// `m`/`t`, nor a method of `self`).
fn direct_read(tokens: &[Token], i: usize) -> Option<String> {
    let text = |k: Option<usize>| {
        k.and_then(|k| tokens.get(k))
            .map_or("", |t| t.text.as_str())
    };
    let at = text(Some(i));
    let prev = |n: usize| text(i.checked_sub(n));
    if at == "WalkDir" {
        return Some("WalkDir".into());
    }
    if prev(1) == "::"
        && (prev(2) == "fs" && FS_READS.contains(&at) || prev(2) == "File" && at == "open")
    {
        return Some(format!("{}::{at}", prev(2)));
    }
    if prev(1) != "." || text(Some(i + 1)) != "(" || !PATH_READS.contains(&at) {
        return None;
    }
    let on_file_type = prev(2) == ")" && prev(3) == "(" && prev(4) == "file_type";
    let on_value = matches!(prev(2), "t" | "m" | "self") && prev(3) != ".";
    (!(on_file_type || on_value)).then(|| format!(".{at}()"))
}

#[test]
fn direct_reads_in_generate_code_are_found() {
    let text = "fn f(p: &Path) {\n    let _ = std::fs::read_to_string(p);\n    if p.join(\"a\").is_file() {}\n    \
                let _ = e.file_type().is_dir();\n    let _ = crate::fsio::is_file(p);\n    for e in walkdir::WalkDir::new(p) {}\n}\n\
                #[cfg(test)]\nmod tests {\n    fn t() { std::fs::read(\"x\"); }\n}\n";
    let report = check_disk_reads(&[
        source("src/workspace/x.rs", text),
        source("src/image/y.rs", text),
        source("src/generate/write.rs", text),
    ]);
    assert_eq!(
        report,
        "src/workspace/x.rs:2: `fs::read_to_string` reads the disk outside isogen::fsio (read through it, so the --check cache sees the read)\n\
         src/workspace/x.rs:3: `.is_file()` reads the disk outside isogen::fsio (read through it, so the --check cache sees the read)\n\
         src/workspace/x.rs:6: `WalkDir` reads the disk outside isogen::fsio (read through it, so the --check cache sees the read)\n"
    );
}
