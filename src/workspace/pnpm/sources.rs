//! The import specifiers of the packages' own sources, read before any build so generate can
//! say which imports cross a package boundary ([`crate::js`] parses each file), and the other
//! facts generate warns about: dotenv's `config()` calls, run-time writes, and the hosts the
//! `.listen(...)` calls give (a file is parsed for them only when its text may call `.listen(`:
//! [`js::may_call_listen`]).
//!
//! Which files: every `.ts`/`.tsx`/`.mts`/`.cts`/`.js`/`.jsx`/`.mjs`/`.cjs` in the package
//! folder, declaration files (`.d.ts`) aside, outside `node_modules`, dot-folders, the folders
//! of packages nested inside, build output at the top of the folder (`dist`, `build`, `out`,
//! `coverage`, the manifest's output folder, tsconfig `outDir`s) and tests (`*.test.*`,
//! `*.spec.*`, `__tests__`, `__mocks__`, `test/`, `tests/`, `e2e/`, `test-utils/`,
//! `test-helpers/`, `testing/`, and the test runners' own files: `vitest.config.*`,
//! `jest.setup.*`, `playwright.config.*`, `setupTests.*`, and the setup files their configs
//! name: [`super::test_runner`]): tests never reach an image, and
//! the build never reads them. Files are decoded as `tsc` reads them (UTF-16 with a byte order
//! mark, UTF-8 with U+FFFD for a stray byte: [`decode`]) and parsed in parallel. The configs of build tools
//! (`tailwind.config.*`, `vite.config.*`, ...) are read for their imports (the build loads
//! them) but not for run-time paths: the service never runs them.
//!
//! It reads files and records what they import; it never decides what an import means (that
//! is generate's), and a file it cannot read or parse is a fact ([`PackageSources::unreadable`]),
//! never a panic.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::{test_runner, NodePackage};
use crate::js::{self, ImportKind};
use crate::workspace::{relpath, Package};

/// One import of one source file.
#[derive(Debug, Clone)]
pub struct SourceImport {
    /// The file, workspace-relative.
    pub file: String,
    pub line: u32,
    pub specifier: String,
    pub kind: ImportKind,
    pub type_only: bool,
    /// The import surely loads the module at run time (see `js::imports::Import`).
    pub binds_value: bool,
    /// It runs whenever the file is loaded (see `js::imports::Import`).
    pub unconditional: bool,
}

/// The sources of one package.
#[derive(Debug, Clone, Default)]
pub struct PackageSources {
    /// How many files were read.
    pub files: usize,
    /// Every import, by file and line.
    pub imports: Vec<SourceImport>,
    /// `file:line: why` for each file that could not be read or parsed.
    pub unreadable: Vec<String>,
    /// (file, call) of each call of dotenv's `config()` ([`js::dotenv_config_calls`]: its
    /// line and `path` option), in the files that import `dotenv`.
    pub dotenv_calls: Vec<(String, js::DotenvCall)>,
    /// (file, what) of each write under the working folder or the module's folder
    /// ([`js::run_paths`]).
    pub writes: Vec<(String, js::Write)>,
    /// (file, line, literal) of each string literal that climbs two folders (`../../ui/dist`).
    pub climbs: Vec<(String, u32, String)>,
    /// Each `.listen(...)` call ([`js::listen_calls`]), with its file and whether that file
    /// imports Fastify (`fastify`, `@nestjs/platform-fastify`), whose `listen` binds
    /// localhost when given no host.
    pub listens: Vec<Listen>,
    /// What each file does when Node loads it ([`js::imports_and_load_effects`]), by file
    /// (workspace-relative); build tools' configs aside.
    pub loads: BTreeMap<String, js::LoadEffects>,
}

/// One `.listen(...)` call of a package's sources.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Listen {
    /// The file, workspace-relative.
    pub file: String,
    pub call: js::ListenCall,
    /// The file imports `fastify` or `@nestjs/platform-fastify`.
    pub fastify: bool,
}

/// The packages whose `listen` binds localhost when given no host.
pub const FASTIFY_PACKAGES: &[&str] = &["fastify", "@nestjs/platform-fastify"];

/// What one file gave: its imports, its dotenv `config()` lines, its run-time paths, its
/// `.listen(...)` calls.
type FileFacts = (
    Vec<js::Import>,
    Vec<js::DotenvCall>,
    js::RunPaths,
    Vec<js::ListenCall>,
    Option<js::LoadEffects>,
);

/// Text that may hold a write under the working folder or a climbing literal: only such a
/// file is parsed a second time, for [`js::run_paths`].
const RUN_PATH_HINTS: &[&str] = &[
    "../../",
    "cwd",
    "dirname",
    "mkdir",
    "writeFile",
    "appendFile",
    "WriteStream",
    "outputFile",
    "ensureDir",
];

const EXTENSIONS: &[&str] = &["ts", "tsx", "mts", "cts", "js", "jsx", "mjs", "cjs"];
const OUTPUT_FOLDERS: &[&str] = &["dist", "build", "out", "coverage", "lib-cov"];
const TEST_FOLDERS: &[&str] = &[
    "__tests__",
    "__mocks__",
    "test",
    "tests",
    "e2e",
    "test-utils",
    "test-helpers",
    "testing",
];
/// Reads the sources of `packages[i]` for each `i` in `which`: package folder -> its sources.
/// `out_dirs` are extra build output folders (workspace-relative: tsconfig `outDir`s).
pub fn read(
    root: &Path,
    packages: &[Package],
    which: &BTreeSet<usize>,
    out_dirs: &BTreeSet<String>,
) -> BTreeMap<String, PackageSources> {
    let nested: BTreeSet<&str> = packages.iter().map(|p| p.dir.as_str()).collect();
    let mut jobs: Vec<(String, String)> = Vec::new();
    for &i in which {
        let p = &packages[i];
        let mut skip: BTreeSet<String> = OUTPUT_FOLDERS
            .iter()
            .map(|f| relpath::child(&p.dir, f))
            .collect();
        // The folder of the entry is build output, unless the entry is TypeScript source
        // (`"main": "./src/index.ts"`: a package its dependents compile or bundle) or nothing
        // builds the package (plain JavaScript whose `main` is `src/server.js`: its sources).
        // tsconfig `outDir`s (a package another's `tsc -b` builds) are in `out_dirs`.
        let built =
            |n: &NodePackage| (n.scripts.keys()).any(|k| k == "build" || k.starts_with("build:"));
        if let Some(n) =
            (p.node.as_ref()).filter(|n| !n.out_dir.is_empty() && !source_entry(n) && built(n))
        {
            skip.insert(relpath::child(&p.dir, &n.out_dir));
        }
        skip.extend(out_dirs.iter().cloned());
        let setup = test_runner::setup_files(root, p);
        for file in files_of(p, &nested, &skip) {
            if setup.contains(&file) {
                continue;
            }
            jobs.push((p.dir.clone(), file));
        }
    }
    let mut out: BTreeMap<String, PackageSources> = which
        .iter()
        .map(|&i| (packages[i].dir.clone(), PackageSources::default()))
        .collect();
    for (dir, file, result) in parse_all(root, jobs) {
        let entry = out.entry(dir).or_default();
        entry.files += 1;
        match result {
            Ok((imports, dotenv_calls, run_paths, listens, loads)) => {
                if let Some(loads) = loads {
                    entry.loads.insert(file.clone(), loads);
                }
                let fastify = (imports.iter())
                    .any(|i| !i.type_only && FASTIFY_PACKAGES.contains(&i.specifier.as_str()));
                entry.listens.extend(listens.into_iter().map(|call| Listen {
                    file: file.clone(),
                    call,
                    fastify,
                }));
                let calls = dotenv_calls.into_iter().map(|c| (file.clone(), c));
                entry.dotenv_calls.extend(calls);
                let writes = run_paths.writes.into_iter().map(|w| (file.clone(), w));
                entry.writes.extend(writes);
                let climbs = (run_paths.climbs.into_iter()).map(|(l, v)| (file.clone(), l, v));
                entry.climbs.extend(climbs);
                entry
                    .imports
                    .extend(imports.into_iter().map(|i| SourceImport {
                        file: file.clone(),
                        line: i.line,
                        specifier: i.specifier,
                        kind: i.kind,
                        type_only: i.type_only,
                        binds_value: i.binds_value,
                        unconditional: i.unconditional,
                    }));
            }
            Err(why) => entry.unreadable.push(why),
        }
    }
    for sources in out.values_mut() {
        sources
            .imports
            .sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
        sources.unreadable.sort();
        sources.dotenv_calls.sort();
        sources.writes.sort();
        sources.climbs.sort();
        sources.listens.sort();
    }
    out
}

/// The source files of package `p` (workspace-relative, in walk order), from the listing
/// discovery made of its folder (`PackageFolder::files`: no folder is listed twice).
fn files_of(p: &Package, nested: &BTreeSet<&str>, skip: &BTreeSet<String>) -> Vec<String> {
    let Some(n) = p.node.as_ref() else {
        return Vec::new();
    };
    n.folder
        .files
        .iter()
        .filter(|f| is_source(f.rsplit('/').next().unwrap_or(f)))
        .filter(|f| kept(&p.dir, f, nested, skip))
        .map(|f| relpath::child(&p.dir, f))
        .collect()
}

/// Whether no folder between the package folder `dir` and its `file` (relative to `dir`) is
/// left out: tests, build output (`skip`, workspace-relative) or a nested package's folder.
fn kept(dir: &str, file: &str, nested: &BTreeSet<&str>, skip: &BTreeSet<String>) -> bool {
    let Some((folders, _)) = file.rsplit_once('/') else {
        return true;
    };
    let mut path = dir.to_string();
    for name in folders.split('/') {
        if !path.is_empty() {
            path.push('/');
        }
        path.push_str(name);
        if TEST_FOLDERS.contains(&name) || skip.contains(&path) || nested.contains(path.as_str()) {
            return false;
        }
    }
    true
}

/// Whether the package's entry is a TypeScript source file (not a declaration file): its
/// folder holds sources, not build output.
fn source_entry(n: &NodePackage) -> bool {
    let Some(entry) = n.entry.as_deref() else {
        return false;
    };
    let name = entry.rsplit('/').next().unwrap_or(entry);
    let ts = [".ts", ".tsx", ".mts", ".cts"]
        .iter()
        .any(|e| name.ends_with(e));
    ts && !name.contains(".d.")
}

/// The first name parts of the configs that only build tools read (`tailwind.config.js`,
/// `vite.config.ts`, ...), never the service at run time: the paths they name are the
/// build's (a Tailwind `content` glob of `../../internal/ui/src/**/*.tsx`, unkey's dashboard),
/// so they give no [`js::RunPaths`]. `next.config.*` is not one: `next start` loads it.
const BUILD_TOOL_CONFIGS: &[&str] = &[
    "tailwind.config",
    "postcss.config",
    "vite.config",
    "tsup.config",
    "tsdown.config",
    "rollup.config",
    "webpack.config",
    "rspack.config",
    "rsbuild.config",
    "babel.config",
    "eslint.config",
    "prettier.config",
    "stylelint.config",
    "svelte.config",
    "astro.config",
    "nuxt.config",
    "remix.config",
    "panda.config",
    "uno.config",
    "unocss.config",
    "electron.vite.config",
];

/// Whether `file` (workspace-relative) is a build tool's config ([`BUILD_TOOL_CONFIGS`]).
pub(crate) fn build_tool_config(file: &str) -> bool {
    let name = file.rsplit('/').next().unwrap_or(file);
    let Some((stem, ext)) = name.rsplit_once('.') else {
        return false;
    };
    EXTENSIONS.contains(&ext) && BUILD_TOOL_CONFIGS.contains(&stem)
}

/// A JS/TS source file that is neither a declaration file nor a test.
fn is_source(name: &str) -> bool {
    let Some((stem, ext)) = name.rsplit_once('.') else {
        return false;
    };
    let declaration = [".d", ".d.ts"].iter().any(|d| stem.ends_with(d));
    let test = [".test", ".spec", ".e2e-spec", ".e2e"]
        .iter()
        .any(|t| stem.ends_with(t));
    EXTENSIONS.contains(&ext) && !declaration && !test && !test_runner::is_runner_file(name)
}

/// (package folder, file, what the file gave, or why not).
type Parsed = (String, String, Result<FileFacts, String>);

/// Reads and parses every (package folder, file) on all cores ([`crate::par::map`]: each
/// thread takes the next files as it finishes its own, so a thread left with the larger files
/// does not hold back the rest, and the calling thread parses too), in `jobs`' order.
fn parse_all(root: &Path, jobs: Vec<(String, String)>) -> Vec<Parsed> {
    crate::par::map(&jobs, |job| parse_one(root, job))
}

fn parse_one(root: &Path, (dir, file): &(String, String)) -> Parsed {
    let path = root.join(file);
    let result = match crate::fsio::read(&path) {
        Ok(bytes) => {
            let text = decode(&bytes);
            let text = text.as_str();
            let run_time = !build_tool_config(file);
            // A run-time file's imports and load effects come from one parse.
            let parsed = if run_time {
                js::imports_and_load_effects(Path::new(file), text)
                    .map(|(imports, loads)| (imports, Some(loads)))
            } else {
                js::static_imports(Path::new(file), text).map(|imports| (imports, None))
            };
            parsed
                .and_then(|(imports, loads)| {
                    // Only a file that loads dotenv is read for its calls.
                    let dotenv = (imports.iter()).any(|i| i.specifier == "dotenv" && !i.type_only);
                    let calls = if dotenv {
                        js::dotenv_config_calls(Path::new(file), text)?
                    } else {
                        Vec::new()
                    };
                    let run_paths = if run_time && RUN_PATH_HINTS.iter().any(|h| text.contains(h)) {
                        js::run_paths(Path::new(file), text)?
                    } else {
                        js::RunPaths::default()
                    };
                    // Only a file that may call `.listen(` is read for the hosts it listens on.
                    let listens = if run_time && js::may_call_listen(text) {
                        js::listen_calls(Path::new(file), text)?
                    } else {
                        Vec::new()
                    };
                    Ok((imports, calls, run_paths, listens, loads))
                })
                .map_err(|e| e.to_string())
        }
        Err(e) => Err(format!("{file}: {e}")),
    };
    (dir.clone(), file.clone(), result)
}

/// The text of a source file as TypeScript reads it (`ts.sys.readFile`) and `tsc` compiles
/// it: UTF-16 (little- or big-endian) when its byte order mark says so, as Windows tools
/// write them (`supabase gen types > x.ts` in PowerShell); otherwise UTF-8 without its byte
/// order mark, a byte that is no UTF-8 (a Windows-1252 dash in a comment) read as U+FFFD, as
/// Node decodes it.
fn decode(bytes: &[u8]) -> String {
    let utf16 = |rest: &[u8], word: fn([u8; 2]) -> u16| {
        let units: Vec<u16> = (rest.chunks_exact(2)).map(|c| word([c[0], c[1]])).collect();
        String::from_utf16_lossy(&units)
    };
    match bytes {
        [0xFF, 0xFE, rest @ ..] => utf16(rest, u16::from_le_bytes),
        [0xFE, 0xFF, rest @ ..] => utf16(rest, u16::from_be_bytes),
        [0xEF, 0xBB, 0xBF, rest @ ..] => String::from_utf8_lossy(rest).into_owned(),
        _ => String::from_utf8_lossy(bytes).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_are_decoded_as_typescript_reads_them() {
        let mut le = vec![0xFF, 0xFE];
        le.extend(
            "import x from 'a';\r\n"
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        );
        assert_eq!(decode(&le), "import x from 'a';\r\n");
        let mut be = vec![0xFE, 0xFF];
        be.extend("export {};".encode_utf16().flat_map(u16::to_be_bytes));
        assert_eq!(decode(&be), "export {};");
        assert_eq!(decode(b"\xEF\xBB\xBFlet a;"), "let a;");
        assert_eq!(decode(b"// a \x97 b\nlet a;"), "// a \u{fffd} b\nlet a;");
    }

    #[test]
    fn sources_tests_and_declarations() {
        assert!(is_source("main.ts") && is_source("a.mjs") && is_source("x.tsx"));
        assert!(!is_source("types.d.ts") && !is_source("types.d.mts"));
        assert!(!is_source("a.spec.ts") && !is_source("a.test.js") && !is_source("a.e2e-spec.ts"));
        assert!(!is_source("README.md") && !is_source("Makefile"));
        assert!(!is_source("vitest.config.ts") && !is_source("jest.setup.js"));
        assert!(is_source("vite.config.ts") && is_source("jest.ts") && is_source("testing.ts"));
    }

    #[test]
    fn build_tool_configs_are_named_by_their_stem() {
        assert!(build_tool_config("apps/web/tailwind.config.js"));
        assert!(
            build_tool_config("apps/web/vite.config.mts")
                && build_tool_config("postcss.config.cjs")
        );
        assert!(!build_tool_config("apps/web/next.config.js"));
        assert!(!build_tool_config("apps/web/src/tailwind.config.json"));
        assert!(!build_tool_config("apps/web/src/my-vite.config.ts"));
    }
}
