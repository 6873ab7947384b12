//! The repository files a package's scripts run by a relative path that leaves the package
//! folder (`"build": "tsx ../../../scripts/runify.ts"`, `node ../../tools/build.mjs`), and
//! the files those import or read by relative path, transitively (`./banner.js`): a build stage that
//! copies only the package folders would fail with "Cannot find module".
//!
//! The same for the tool config files at the top of a package (`tsdown.config.ts` importing
//! `../../scripts/entrypoints.js`, as trpc's packages do): the build's tool loads them.
//!
//! It reads those files (and only them) at discovery; it never decides what to do with them
//! (generate copies the ones a service's build runs) and never fails: a path it cannot read
//! or parse is simply not followed further.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::workspace::relpath;

/// Extensions of the files whose relative imports are followed.
const SOURCE_EXTENSIONS: &[&str] = &["ts", "mts", "cts", "tsx", "js", "mjs", "cjs", "jsx"];
/// What an extensionless import specifier may name, in the order TypeScript and bundlers try.
const IMPORT_SUFFIXES: &[&str] = &[
    "", ".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs", ".json",
];
/// At most this many files are followed per script (a script that reaches the repository's
/// whole tree is not a helper file any more).
const MAX_FILES: usize = 200;

/// Script name -> the files outside `dir` it runs and they import (workspace-relative,
/// sorted). Scripts that reach no such file are left out.
pub fn read(
    root: &Path,
    dir: &str,
    scripts: &BTreeMap<String, String>,
) -> BTreeMap<String, Vec<String>> {
    scripts
        .iter()
        .filter_map(|(name, script)| {
            let starts = outside_files(root, dir, script);
            if starts.is_empty() {
                return None;
            }
            Some((name.clone(), with_imports(root, dir, starts)))
        })
        .collect()
}

/// The files outside `dir` that the tool config files at its top (`*.config.*` among
/// `top_level`, the names at the top of the folder) import by a relative path, and what those
/// import, transitively (workspace-relative, sorted): the tool that a build runs loads its
/// config, so the build needs them.
pub fn config_imports<'a>(
    root: &Path,
    dir: &str,
    top_level: impl IntoIterator<Item = &'a str>,
) -> Vec<String> {
    let starts: BTreeSet<String> = (top_level.into_iter())
        .filter(|name| name.contains(".config."))
        .map(|name| relpath::child(dir, name))
        .flat_map(|config| relative_imports(root, &config))
        .filter(|f| !relpath::within(f, dir) && !f.split('/').any(|s| s == "node_modules"))
        .collect();
    if starts.is_empty() {
        return Vec::new();
    }
    with_imports(root, dir, starts.into_iter().collect())
}

/// The words of `script` that name an existing file outside `dir` by a relative path
/// (`../../scripts/build.ts`, or the value of `--config=../x.ts`).
fn outside_files(root: &Path, dir: &str, script: &str) -> Vec<String> {
    let Some(words) = shlex::split(script) else {
        return Vec::new();
    };
    words
        .iter()
        .map(|w| w.split_once('=').map_or(w.as_str(), |(_, v)| v))
        .filter(|w| w.starts_with("../"))
        .filter_map(|w| relpath::join(dir, w))
        .filter(|f| !relpath::within(f, dir) && crate::fsio::is_file(root.join(f)))
        .collect()
}

/// `starts` and every file they import by a relative path, transitively, that lies outside
/// `dir` and outside any `node_modules` (sorted, at most [`MAX_FILES`]).
fn with_imports(root: &Path, dir: &str, starts: Vec<String>) -> Vec<String> {
    let mut seen: BTreeSet<String> = starts.iter().cloned().collect();
    let mut todo = starts;
    while let Some(file) = todo.pop() {
        if seen.len() >= MAX_FILES {
            break;
        }
        for target in relative_imports(root, &file) {
            let outside =
                !relpath::within(&target, dir) && !target.split('/').any(|s| s == "node_modules");
            if outside && seen.insert(target.clone()) {
                todo.push(target);
            }
        }
    }
    seen.into_iter().collect()
}

/// The files `file` names by a relative path, imported or read (`import './banner.js'`,
/// `readFileSync(join(__dirname, './banner.js'))`), resolved as a bundler would (the exact file, then with an extension, then `index.*` of a folder; a `.js`
/// specifier also names the `.ts` file TypeScript compiles to it).
fn relative_imports(root: &Path, file: &str) -> Vec<String> {
    let ext = file.rsplit_once('.').map_or("", |(_, e)| e);
    if !SOURCE_EXTENSIONS.contains(&ext) {
        return Vec::new();
    }
    let Ok(text) = crate::fsio::read_to_string(root.join(file)) else {
        return Vec::new();
    };
    let Ok(literals) = crate::js::relative_path_literals(&root.join(file), &text) else {
        return Vec::new();
    };
    literals
        .iter()
        .filter_map(|l| relpath::join(relpath::parent(file), l))
        .filter_map(|base| resolve(root, &base))
        .collect()
}

/// The file a relative specifier (already joined to the importer's folder) names.
fn resolve(root: &Path, base: &str) -> Option<String> {
    let ts_twin = [
        (".js", ".ts"),
        (".mjs", ".mts"),
        (".cjs", ".cts"),
        (".jsx", ".tsx"),
    ]
    .iter()
    .find_map(|(js, ts)| base.strip_suffix(js).map(|stem| format!("{stem}{ts}")));
    IMPORT_SUFFIXES
        .iter()
        .map(|s| format!("{base}{s}"))
        .chain(ts_twin)
        .chain(
            IMPORT_SUFFIXES[1..]
                .iter()
                .map(|s| format!("{base}/index{s}")),
        )
        .find(|f| crate::fsio::is_file(root.join(f)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, file: &str, text: &str) {
        let path = root.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn a_build_script_running_a_repository_file_brings_it_and_its_relative_imports() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        write(root, "scripts/build.ts", "import { x } from './banner.js';\nimport 'tsup';\nconst t = readFileSync(join(__dirname, './template.txt'));\n");
        write(root, "scripts/template.txt", "");
        write(
            root,
            "scripts/banner.ts",
            "export const x = require('../tools/shim');\n",
        );
        write(root, "tools/shim/index.cjs", "module.exports = 1;\n");
        write(root, "scripts/unused.ts", "");
        let scripts = BTreeMap::from([
            (
                "build".to_string(),
                "tsx ../../scripts/build.ts --config=../../tools/shim/index.cjs".to_string(),
            ),
            ("dev".to_string(), "tsx src/dev.ts".to_string()),
            ("lint".to_string(), "eslint ../../missing.ts".to_string()),
        ]);
        let got = read(root, "services/api", &scripts);
        assert_eq!(
            got,
            BTreeMap::from([(
                "build".to_string(),
                vec![
                    "scripts/banner.ts".to_string(),
                    "scripts/build.ts".to_string(),
                    "scripts/template.txt".to_string(),
                    "tools/shim/index.cjs".to_string(),
                ]
            )])
        );
    }

    #[test]
    fn a_tool_config_importing_a_repository_file_brings_it_and_its_relative_imports() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        write(
            root,
            "packages/server/tsdown.config.ts",
            "import { defineConfig } from 'tsdown';\nimport './src/local';\nexport default defineConfig({ onSuccess: async () => { await import('../../scripts/entrypoints.js'); } });\n",
        );
        write(root, "packages/server/src/local.ts", "");
        write(
            root,
            "scripts/entrypoints.js",
            "export { generateEntrypoints } from './entrypoints.ts';\n",
        );
        write(root, "scripts/entrypoints.ts", "import fs from 'fs';\n");
        let got = config_imports(
            root,
            "packages/server",
            ["package.json", "src", "tsdown.config.ts"],
        );
        assert_eq!(
            got,
            vec![
                "scripts/entrypoints.js".to_string(),
                "scripts/entrypoints.ts".to_string()
            ]
        );
        assert!(config_imports(root, "packages/server", ["package.json"]).is_empty());
    }

    #[test]
    fn paths_inside_the_package_or_above_the_root_are_not_outside_files() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        write(root, "services/api/build.js", "");
        let scripts = BTreeMap::from([(
            "build".to_string(),
            "node ../api/build.js && node ../../../../etc/passwd".to_string(),
        )]);
        assert!(read(root, "services/api", &scripts).is_empty());
    }
}
