//! The files only a test runner reads: its config and setup files at the top of a package
//! (`vitest.config.ts`, `jest.setup.js`, `setupTests.ts`), and the setup files those configs
//! name (`setupFiles: ['./src/support/setup.ts']`, `globalSetup`, jest's
//! `setupFilesAfterEnv: ['<rootDir>/spec/env.ts']`). The source scan leaves them out: they
//! never reach an image, and the build never reads them.
//!
//! It reads the config files at the top of the package (and only them), looking for those
//! keys' string literals; a config it cannot read names nothing, and it never fails.

use std::collections::BTreeSet;
use std::path::Path;

use crate::workspace::{relpath, Package};

/// The first name part of a test runner's config or setup file (`vitest.config.ts`,
/// `vitest.workspace.ts`, `jest.setup.js`, `playwright.config.ts`).
const RUNNERS: &[&str] = &["vitest", "jest", "playwright", "cypress"];
/// The config keys whose values are files the test runner loads before the tests.
const SETUP_KEYS: &[&str] = &["setupFiles", "globalSetup", "setupFilesAfterEnv"];

/// A test runner's config or setup file (`vitest.config.ts`, `jest.setup.js`,
/// `setupTests.ts`), by its name.
pub(super) fn is_runner_file(name: &str) -> bool {
    let mut parts = name.split('.');
    let first = parts.next().unwrap_or(name);
    let dotted = parts.count() >= 2;
    (dotted && RUNNERS.contains(&first)) || ["setupTests", "setup-tests"].contains(&first)
}

/// The setup files (workspace-relative) that the test runner configs at the top of `p` name.
pub(super) fn setup_files(root: &Path, p: &Package) -> BTreeSet<String> {
    let Some(n) = p.node.as_ref() else {
        return BTreeSet::new();
    };
    let configs = n
        .folder
        .files
        .iter()
        .filter(|f| !f.contains('/') && f.contains(".config.") && is_runner_file(f));
    let mut out = BTreeSet::new();
    for config in configs {
        let Ok(text) = crate::fsio::read_to_string(root.join(relpath::child(&p.dir, config)))
        else {
            continue;
        };
        for named in named_files(&text) {
            let named = named.strip_prefix("<rootDir>/").unwrap_or(named);
            out.extend(relpath::join(&p.dir, named));
        }
    }
    out
}

/// The string literals of the [`SETUP_KEYS`] values in a config's text: a string, or the
/// strings of an array.
fn named_files(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for key in SETUP_KEYS {
        for (at, _) in text.match_indices(key) {
            let rest = text[at + key.len()..]
                .trim_start_matches(['"', '\''])
                .trim_start();
            let Some(value) = rest.strip_prefix(':').map(str::trim_start) else {
                continue;
            };
            let end = match value.strip_prefix('[') {
                Some(list) => list.find(']').map_or(0, |e| e + 1),
                None => value.find([',', '\n', '}']).unwrap_or(value.len()),
            };
            out.extend(literals(&value[..end]));
        }
    }
    out
}

/// The quoted strings in `s` (`'`, `"` or a template without `${`).
fn literals(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(start) = rest.find(['\'', '"', '`']) {
        let quote = rest[start..].chars().next().unwrap_or('"');
        let body = &rest[start + 1..];
        let Some(end) = body.find(quote) else {
            break;
        };
        let lit = &body[..end];
        if !lit.contains("${") {
            out.push(lit);
        }
        rest = &body[end + 1..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runner_files_by_name() {
        for runner in [
            "vitest.config.ts",
            "vitest.workspace.mts",
            "jest.config.js",
            "jest.setup.ts",
            "playwright.config.ts",
            "setupTests.ts",
        ] {
            assert!(is_runner_file(runner), "{runner}");
        }
        for source in ["vite.config.ts", "jest.ts", "testing.ts", "main.ts"] {
            assert!(!is_runner_file(source), "{source}");
        }
    }

    #[test]
    fn setup_files_named_by_vitest_and_jest_configs() {
        let vitest = "export default defineConfig({\n  test: {\n    setupFiles: [\n      './src/support/setup.ts',\n      \"src/support/db.ts\",\n    ],\n    globalSetup: './src/support/global.ts',\n  },\n});\n";
        assert_eq!(
            named_files(vitest),
            [
                "./src/support/setup.ts",
                "src/support/db.ts",
                "./src/support/global.ts"
            ]
        );
        let jest = "module.exports = { \"setupFilesAfterEnv\": [\"<rootDir>/spec/env.ts\"], testEnvironment: 'node' };";
        assert_eq!(named_files(jest), ["<rootDir>/spec/env.ts"]);
    }
}
