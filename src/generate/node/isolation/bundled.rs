//! What a service's bundle leaves to Node at run time without the service declaring it. tsup
//! and tsdown bundle every import except what package.json declares (`dependencies`,
//! `peerDependencies`; tsdown `optionalDependencies` too) and what their config leaves
//! external (`external`, tsdown's `deps.neverBundle`, `skipNodeModulesBundle: true`); webpack
//! and Vite leave out what `externals` / `ssr.external` name. The bundle runs from the
//! service's output folder, where Node finds only the service's own dependencies (and the
//! workspace root's `dependencies`): a package left external that the service does not
//! declare, found in the workspace only because an internal package declares it or a flat
//! `node_modules` hoisted it, is missing in the image and the service stops at start with
//! `ERR_MODULE_NOT_FOUND` (karakeep's workers: `external: ["better-sqlite3"]`, declared by
//! `@karakeep/db`, which the bundle inlines through `noExternal: [/^@karakeep\//]`).
//!
//! Only what the config's literals say is claimed; the imports checked are those of the files
//! the build reads ([`super::read`]) in the service and in the internal packages its bundle
//! inlines, type imports and tool configs aside. Pure: it reads the facts discovery gathered.

use std::collections::BTreeMap;

use super::{checked_imports, Resolved};
use crate::error::{Error, Result};
use crate::js::ImportKind;
use crate::workspace::pnpm::sources::{self, SourceImport};
use crate::workspace::{DepKind, Service, Workspace};

/// Refuses `service` when its bundle leaves a package to Node that the service does not
/// declare as a production dependency, naming the bundler's config, each package, the file
/// importing it and the fix. An import that may not run (a `require()` or `import()` that
/// is not reached whenever its file loads) is a warning.
pub(crate) fn check(
    ws: &Workspace,
    service: &Service,
    resolved: &Resolved,
    warnings: &mut Vec<String>,
) -> Result<()> {
    let (Some(pnpm), Some(node)) = (&ws.pnpm, ws.packages[service.package].node.as_ref()) else {
        return Ok(());
    };
    let b = &node.bundles;
    let Some(config) = b.config.as_deref() else {
        return Ok(());
    };
    if b.external.is_empty() && b.all_external.is_none() {
        return Ok(());
    }
    let declared = |name: &str| {
        (node.deps.iter()).any(|d| d.key == name && d.kind != DepKind::Dev)
            || pnpm.root_dependencies.get(name).map(String::as_str) == Some("dependencies")
    };
    let internal = |name: &str| ws.packages.iter().any(|p| p.name == name);
    let inlined =
        (service.build_closure.iter().copied()).filter(|&i| b.inlines(&ws.packages[i].name));
    // name -> (importing package, first import, how many more)
    let mut found: BTreeMap<&str, (usize, &SourceImport, usize)> = BTreeMap::new();
    // name -> whether the bundle leaves it to Node
    let mut verdicts: BTreeMap<&str, bool> = BTreeMap::new();
    for index in std::iter::once(service.package).chain(inlined) {
        let p = &ws.packages[index];
        let Some(sources) = pnpm.sources.get(&p.dir) else {
            continue;
        };
        for import in checked_imports(&sources.imports) {
            let top_config = crate::workspace::relpath::parent(&import.file) == p.dir
                && import.file.contains(".config.");
            if import.type_only || top_config || sources::build_tool_config(&import.file) {
                continue;
            }
            let Some(name) = super::undeclared::registry_name(&import.specifier) else {
                continue;
            };
            if declared(name) || internal(name) {
                continue;
            }
            // Patterns compile on each match: decided once per name (latitude-llm's apps
            // inline 40 packages' imports).
            let left = *verdicts.entry(name).or_insert_with(|| {
                let external =
                    b.all_external.is_some() || (b.external.iter()).any(|x| x.matches(name));
                external && !(b.inline.iter()).any(|x| x.matches(name))
            });
            if !left || !resolved.reads(ws, pnpm, index, &import.file) {
                continue;
            }
            found
                .entry(name)
                .and_modify(|(_, _, more)| *more += 1)
                .or_insert((index, import, 0));
        }
    }
    let mut refusals = Vec::new();
    for (name, (index, import, more)) in found {
        let line = message(ws, service, name, index, import, more);
        let may_not_run = matches!(import.kind, ImportKind::Require | ImportKind::DynamicImport)
            && !import.unconditional;
        if may_not_run && more == 0 {
            warnings.push(format!("{config}: {line}"));
        } else {
            refusals.push(line);
        }
    }
    if refusals.is_empty() {
        return Ok(());
    }
    Err(Error::workspace(
        ws.root.join(config),
        refusals.join("; and "),
    ))
}

/// What is wrong with the bundle leaving `name` to Node, imported first by `import` in the
/// package `index`, and the fix.
fn message(
    ws: &Workspace,
    service: &Service,
    name: &str,
    index: usize,
    import: &SourceImport,
    more: usize,
) -> String {
    let s = &ws.packages[service.package];
    let Some(node) = s.node.as_ref() else {
        return String::new();
    };
    let b = &node.bundles;
    let why = match &b.all_external {
        Some(key) => format!("`{key}: true` leaves every package external"),
        None => "its `external` list names it".to_string(),
    };
    let also = match more {
        0 => String::new(),
        n => format!(" (and {n} more import{})", if n == 1 { "" } else { "s" }),
    };
    let p = &ws.packages[index];
    let spec = (p.node.iter().flat_map(|n| &n.deps))
        .find(|d| d.key == name && d.kind != DepKind::Dev)
        .map(|d| d.spec.clone());
    let out_dir = (node.bundler_output.as_ref()).map_or("dist", |o| o.out_dir.as_str());
    let inlined = match (index != service.package, &spec) {
        (false, _) => String::new(),
        (true, Some(_)) => format!(
            "; `{}` declares it, but the bundle inlines that code into {}, where Node looks only in the service's node_modules",
            p.name,
            crate::workspace::relpath::child(&s.dir, out_dir)
        ),
        (true, None) => format!(" (in `{}`, whose code the bundle inlines)", p.name),
    };
    let fix = match &spec {
        Some(spec) => format!("\"{name}\": \"{spec}\""),
        None => format!("\"{name}\""),
    };
    format!(
        "{} bundles service `{}` but leaves `{name}` to Node at run time ({why}), and {} does not declare it in dependencies: {}:{} imports it{also}{inlined}; the image installs only what the service declares, so it would stop at start with ERR_MODULE_NOT_FOUND; add {fix} to the dependencies of {}",
        b.by.split(" (").next().unwrap_or(&b.by), service.name, s.manifest, import.file, import.line, s.manifest
    )
}
