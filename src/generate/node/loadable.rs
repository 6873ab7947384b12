//! Which source files of a service's own package the running service can load: the files
//! reached by following imports (relative paths, tsconfig `paths`, as the isolation check
//! resolves them: [`super::isolation::PackageResolver`]) from the roots of what runs. The
//! roots are the source of the entry file (`build/server.js` from `server.ts` or
//! `src/server.ts`, or the entry itself when it is source), the source files the build and
//! start scripts name (`esbuild ./server.ts ./sentry.server.ts --outdir=build`), and, when
//! those scripts run a framework that bundles a folder by convention (Remix, React Router,
//! Next.js, Nuxt, Astro, SvelteKit, Vite), the files of its folders (`app/`, `pages/`,
//! `src/`, `server/`) and Next.js's `middleware` and `instrumentation` files. Seed, eval and
//! maintenance scripts beside them (trigger.dev's webapp: `seed-webhook-deliveries.ts`,
//! `evals/*.eval.ts`, `scripts/*.mts`) are not reached.
//!
//! `None` when no root is found: the caller then counts every source file, so a warning is
//! never lost for want of a root. Pure: it reads the workspace model, never the disk.

use std::borrow::Cow;
use std::cell::OnceCell;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::ops::Bound;

use super::isolation::PackageResolver;
use super::script_installs::reached;
use crate::workspace::pnpm::{NodePackage, PnpmWorkspace};
use crate::workspace::{relpath, Service, Workspace};

const SOURCE_EXTENSIONS: &[&str] = &["ts", "tsx", "mts", "cts", "js", "jsx", "mjs", "cjs"];

/// Programs that bundle the files of conventional folders of the package (routes, pages).
const FOLDER_BUNDLERS: &[&str] = &[
    "remix",
    "react-router",
    "next",
    "nuxt",
    "nuxi",
    "astro",
    "svelte-kit",
    "vite",
];
/// Programs that run the file named after them (their options aside).
const RUNNERS: &[&str] = &[
    "node",
    "tsx",
    "ts-node",
    "jiti",
    "bun",
    "vite-node",
    "babel-node",
];
const FRAMEWORK_FOLDERS: &[&str] = &["app", "pages", "src", "server"];
/// Files at the top of the package such a framework loads by name (Next.js's middleware and
/// instrumentation hooks).
const FRAMEWORK_FILES: &[&str] = &["middleware", "instrumentation"];

/// [`loadable`] of one service, worked out at most once: the dotenv and the run-path warnings
/// both ask, with the same entry (each computation was 20M instructions for the bench's 200
/// services).
#[derive(Default)]
pub(super) struct Loadable(OnceCell<(String, Option<BTreeSet<String>>)>);

impl Loadable {
    /// [`loadable`] for `entry`, from the first computation when it was for the same entry.
    pub(super) fn get(
        &self,
        ws: &Workspace,
        pnpm: &PnpmWorkspace,
        service: &Service,
        entry: &str,
    ) -> Cow<'_, Option<BTreeSet<String>>> {
        let (first, files) = self
            .0
            .get_or_init(|| (entry.to_string(), loadable(ws, pnpm, service, entry)));
        if first == entry {
            Cow::Borrowed(files)
        } else {
            Cow::Owned(loadable(ws, pnpm, service, entry))
        }
    }
}

/// The workspace-relative source files of the service's own package that it can load, from
/// its entry `entry` (relative to the package folder); `None` when no root is known.
pub(crate) fn loadable(
    ws: &Workspace,
    pnpm: &PnpmWorkspace,
    service: &Service,
    entry: &str,
) -> Option<BTreeSet<String>> {
    let p = ws.packages.get(service.package)?;
    let node = p.node.as_ref()?;
    let sources = pnpm.sources.get(&p.dir)?;
    let files: BTreeSet<&str> = (node.folder.files.iter())
        .map(String::as_str)
        .filter(|f| is_source(f))
        .collect();
    let roots = roots(node, &files, entry);
    if roots.is_empty() {
        return None;
    }
    let mut imports: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for i in sources.imports.iter().filter(|i| !i.type_only) {
        imports.entry(&i.file).or_default().push(&i.specifier);
    }
    let resolver = PackageResolver::new(pnpm, p);
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut todo: VecDeque<String> = (roots.iter()).map(|f| relpath::child(&p.dir, f)).collect();
    while let Some(file) = todo.pop_front() {
        if !seen.insert(file.clone()) {
            continue;
        }
        for specifier in imports.get(file.as_str()).into_iter().flatten() {
            let Some((path, Some(owner))) = resolver.target(&ws.packages, &file, specifier) else {
                continue;
            };
            let Some(rel) = (owner == service.package)
                .then(|| strip(&path, &p.dir))
                .flatten()
            else {
                continue;
            };
            let found = module_files(rel, &files);
            todo.extend(found.into_iter().map(|f| relpath::child(&p.dir, f)));
        }
    }
    Some(seen)
}

/// `path` relative to the folder `dir` it is in (both workspace-relative).
pub(super) fn strip<'a>(path: &'a str, dir: &str) -> Option<&'a str> {
    if dir.is_empty() {
        return Some(path);
    }
    match path.strip_prefix(dir)? {
        "" => Some(""),
        rest => rest.strip_prefix('/'),
    }
}

pub(super) fn is_source(file: &str) -> bool {
    let name = file.rsplit('/').next().unwrap_or(file);
    !name.contains(".d.")
        && (name.rsplit_once('.')).is_some_and(|(_, ext)| SOURCE_EXTENSIONS.contains(&ext))
}

/// The source files (relative to the package folder) that run first: the entry's source, the
/// source files the build and start scripts name, and a folder-bundling framework's folders.
pub(super) fn roots<'f>(
    node: &NodePackage,
    files: &BTreeSet<&'f str>,
    entry: &str,
) -> BTreeSet<&'f str> {
    let mut out: BTreeSet<&'f str> = entry_sources(entry, files).into_iter().collect();
    let mut bundles_folders = false;
    for script in ["build", "start"] {
        for name in reached(&node.scripts, script) {
            let Some(text) = node.scripts.get(&name) else {
                continue;
            };
            let mut after_runner = false;
            for word in text.split_whitespace() {
                let word = word.trim_matches(['"', '\'']).trim_start_matches("./");
                // A program the build runs (`node scripts/build.js`, which runs tsc and copies
                // assets: refly's api) is build-time code, not a module the service loads.
                let build_program = script == "build" && after_runner;
                if let Some(f) = files.get(word).filter(|_| !build_program) {
                    out.insert(*f);
                }
                if !word.starts_with('-') {
                    after_runner = RUNNERS.contains(&word);
                }
                bundles_folders |= FOLDER_BUNDLERS.contains(&word);
            }
        }
    }
    if bundles_folders {
        let in_folder = |f: &&&str| {
            FRAMEWORK_FOLDERS
                .iter()
                .any(|d| f.starts_with(&format!("{d}/")))
                || (f.split_once('.')).is_some_and(|(stem, _)| FRAMEWORK_FILES.contains(&stem))
        };
        out.extend(files.iter().filter(in_folder).copied());
    }
    out
}

/// The source files (relative to the package folder) that may build `entry`: the entry itself
/// when it is source, the same path without its first folder (`dist/server.js` from
/// `server.ts`), or under `src/` in its place (`src/server.ts`).
pub(super) fn entry_sources<'f>(entry: &str, files: &BTreeSet<&'f str>) -> Vec<&'f str> {
    let entry = entry.trim_start_matches("./");
    let stem = entry.rsplit_once('.').map_or(entry, |(s, _)| s);
    let rest = stem.split_once('/').map(|(_, r)| r);
    let stems = [Some(stem.to_string()), rest.map(String::from)]
        .into_iter()
        .flatten()
        .chain(rest.map(|r| format!("src/{r}")));
    let mut out = Vec::new();
    for s in stems {
        for f in module_files(&s, files) {
            if !out.contains(&f) {
                out.push(f);
            }
        }
    }
    out
}

/// The files a module path (relative to the package folder, as an import names it) may be:
/// itself, with a source extension, its folder's `index`, and the TypeScript source of a
/// `.js` name (`./x.js` for `x.ts` under `moduleResolution: node16`).
pub(super) fn module_files<'f>(path: &str, files: &BTreeSet<&'f str>) -> Vec<&'f str> {
    // Called for every import followed and every root stem: the candidate names are built in
    // one buffer (not 19 `format!`s), and the 17 that start with `path` are only looked up when
    // some file does.
    let mut out = Vec::new();
    let mut look = |name: &str| {
        if let Some(f) = files.get(name) {
            out.push(*f);
        }
    };
    let from = (Bound::Included(path), Bound::Unbounded);
    let prefixed = (files.range::<str, _>(from).next()).is_some_and(|f| f.starts_with(path));
    let mut name = String::with_capacity(path.len() + 12);
    if prefixed {
        look(path);
        for ext in SOURCE_EXTENSIONS {
            for middle in [".", "/index."] {
                name.clear();
                name.push_str(path);
                name.push_str(middle);
                name.push_str(ext);
                look(&name);
            }
        }
    }
    if let Some((stem, ext)) = path.rsplit_once('.') {
        let ts: &[&str] = match ext {
            "js" => &["ts", "tsx"],
            "mjs" => &["mts"],
            "cjs" => &["cts"],
            "jsx" => &["tsx"],
            _ => &[],
        };
        for e in ts {
            name.clear();
            name.push_str(stem);
            name.push('.');
            name.push_str(e);
            look(&name);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_paths_find_their_files() {
        let files: BTreeSet<&str> = ["server.ts", "app/x.ts", "lib/index.js", "src/a.mts"]
            .into_iter()
            .collect();
        assert_eq!(module_files("server", &files), vec!["server.ts"]);
        assert_eq!(module_files("lib", &files), vec!["lib/index.js"]);
        assert_eq!(module_files("src/a.mjs", &files), vec!["src/a.mts"]);
        assert_eq!(module_files("app/y", &files), Vec::<&str>::new());
        // Every candidate found, in the order a module path tries them.
        let files: BTreeSet<&str> = ["x.js", "x/index.ts", "x.ts", "y.ts", "y.js.ts"]
            .into_iter()
            .collect();
        assert_eq!(
            module_files("x", &files),
            vec!["x.ts", "x/index.ts", "x.js"]
        );
        assert_eq!(module_files("y.js", &files), vec!["y.js.ts", "y.ts"]);
        assert!(is_source("a/b.mts") && !is_source("a/b.d.ts") && !is_source("a.json"));
    }
}
