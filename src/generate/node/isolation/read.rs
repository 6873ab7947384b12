//! Which source files of a package the image's build or the running service reads: the files
//! its build tsconfig (`tsconfig.build.json`, else `tsconfig.json`) compiles (`files`, and the
//! `include` globs minus `exclude`), the files its build, install and start scripts name
//! (`node scripts/build.js`, `tsx index.ts`), the sources of its entry, its bundler's entries
//! and its tool configs at the top of the package (`tsdown.config.ts`), and every file those
//! import in the package (type imports too: the compiler reads them). A script only a person
//! runs (refly's `packages/openapi-schema/scripts/generate-docs.ts`, run by `generate:docs`,
//! outside `include: ["src/**/*"]`) is not read, so its imports cannot break the image.
//!
//! `None` when that cannot be told: no build tsconfig, a tsconfig chain not read exactly, or
//! one that lists no `include` and no `files` (then `tsc` compiles every file). The caller
//! then counts every file as read. Pure: it reads the facts discovery gathered.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::PackageResolver;
use crate::generate::node::loadable::{is_source, module_files, roots};
use crate::workspace::pnpm::tsc_root::{as_include, chain_exact, globs};
use crate::workspace::pnpm::tsconfig::Tsconfig;
use crate::workspace::pnpm::PnpmWorkspace;
use crate::workspace::{relpath, Package};

/// The scripts whose files the build or the service runs (with their `pre`/`post` scripts).
const RUN_SCRIPTS: &[&str] = &["build", "start", "install", "prepare"];

/// The workspace-relative source files of `p` that its build or the running service reads;
/// `None` when unknown (see the module documentation).
pub(super) fn read_files(
    packages: &[Package],
    pnpm: &PnpmWorkspace,
    p: &Package,
) -> Option<BTreeSet<String>> {
    let node = p.node.as_ref()?;
    let tsconfig = super::build_tsconfig(p)?;
    let chain = &pnpm.tsconfig_files;
    if !chain_exact(chain, &tsconfig, 0) {
        return None;
    }
    let listed = Tsconfig::inherited(chain, &tsconfig, &|t| t.emit.files.clone());
    let include = Tsconfig::inherited(chain, &tsconfig, &|t| t.emit.include.clone());
    if listed.is_none() && include.is_none() {
        return None;
    }
    let exclude = Tsconfig::inherited(chain, &tsconfig, &|t| t.emit.exclude.clone());
    let includes = globs(include.iter().flatten().flat_map(|p| as_include(p)))?;
    let excludes = globs((exclude.iter().flatten()).flat_map(|p| [p.clone(), format!("{p}/**")]))?;
    let listed: BTreeSet<String> = listed.into_iter().flatten().collect();
    let files: BTreeSet<&str> = (node.folder.files.iter())
        .map(String::as_str)
        .filter(|f| is_source(f))
        .collect();
    let mut start: BTreeSet<&str> = roots(node, &files, node.service_entry().unwrap_or(""));
    for f in &files {
        let rel = relpath::child(&p.dir, f);
        let compiled =
            listed.contains(&rel) || (includes.is_match(&rel) && !excludes.is_match(&rel));
        let config = !f.contains('/') && f.contains(".config.");
        if compiled || config {
            start.insert(f);
        }
    }
    let processes = node.processes.iter().map(|(name, _)| name.as_str());
    for script in RUN_SCRIPTS.iter().copied().chain(processes) {
        for name in crate::generate::node::script_installs::reached(&node.scripts, script) {
            let words = node
                .scripts
                .get(&name)
                .into_iter()
                .flat_map(|t| t.split_whitespace());
            for word in words {
                let word = word.trim_matches(['"', '\'']).trim_start_matches("./");
                start.extend(files.get(word));
            }
        }
    }
    let entries = node.bundler_output.iter().flat_map(|o| &o.entries);
    for e in entries {
        start.extend(files.get(e.trim_start_matches("./")));
    }
    Some(follow(packages, pnpm, p, &files, start))
}

/// Every file reached from `start` (relative to the package) by following the package's
/// imports inside it, workspace-relative.
fn follow(
    packages: &[Package],
    pnpm: &PnpmWorkspace,
    p: &Package,
    files: &BTreeSet<&str>,
    start: BTreeSet<&str>,
) -> BTreeSet<String> {
    let mut imports: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for i in pnpm.sources.get(&p.dir).iter().flat_map(|s| &s.imports) {
        imports.entry(&i.file).or_default().push(&i.specifier);
    }
    let resolver = PackageResolver::new(pnpm, p);
    let mut seen = BTreeSet::new();
    let mut todo: VecDeque<String> = start.iter().map(|f| relpath::child(&p.dir, f)).collect();
    while let Some(file) = todo.pop_front() {
        if !seen.insert(file.clone()) {
            continue;
        }
        for specifier in imports.get(file.as_str()).into_iter().flatten() {
            let Some((path, Some(owner))) = resolver.target(packages, &file, specifier) else {
                continue;
            };
            if packages.get(owner).is_none_or(|q| q.dir != p.dir) {
                continue;
            }
            let rel = if p.dir.is_empty() {
                path.as_str()
            } else {
                path.strip_prefix(&format!("{}/", p.dir)).unwrap_or(&path)
            };
            let found = module_files(rel, files);
            todo.extend(found.into_iter().map(|f| relpath::child(&p.dir, f)));
        }
    }
    seen
}
