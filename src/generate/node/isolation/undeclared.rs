//! Imports of registry packages that the image will not have where the importing package
//! looks for them: a package the importer does not declare, which only a flat `node_modules`
//! (`node-linker=hoisted`, `shamefully-hoist=true`) lets it load from another package's
//! dependencies; and a package only the root package.json declares, in `devDependencies`,
//! loaded at run time by a package the image ships: the build finds it (the root's
//! `node_modules` is on every package's lookup path), the production install does not
//! install it. (The root's `dependencies` are installed with the service's: pnpm's filtered
//! install includes the workspace root.) A build tool's config (`tsdown.config.ts`,
//! `vite.config.ts`: [`sources::build_tool_config`]) importing a root devDependency is
//! fine: only the build loads it.
//!
//! Each is a warning naming the file, the line, the package and the fix (declare it), one per
//! importing package and name. Pure: it reads the facts discovery gathered, never the disk.

use std::collections::BTreeMap;

use crate::js::is_builtin;
use crate::workspace::pnpm::sources::{self, SourceImport};
use crate::workspace::pnpm::PnpmWorkspace;
use crate::workspace::Package;

/// The setting that makes the workspace's `node_modules` flat, as `file: key = value`;
/// `None` with pnpm's isolated layout.
pub(super) fn flat_layout(pnpm: &PnpmWorkspace) -> Option<String> {
    if let Some(s) = pnpm.settings.get("node-linker") {
        let value = s.value.join(", ");
        if value != "isolated" {
            return Some(format!("{}: `node-linker = {value}`", s.file));
        }
    }
    let s = pnpm.settings.get("shamefully-hoist")?;
    (s.value.len() == 1 && s.value[0] == "true")
        .then(|| format!("{}: `shamefully-hoist = true`", s.file))
}

/// The registry package a bare specifier names (`lodash/fp` -> `lodash`), `None` for a
/// built-in module or a specifier that names no package.
pub(super) fn registry_name(specifier: &str) -> Option<&str> {
    if is_builtin(specifier) || specifier.starts_with(['.', '/', '#']) || specifier.contains(':') {
        return None;
    }
    let name = super::reach::package_name(specifier);
    let plain = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-._~".contains(c))
    };
    let ok = match name.strip_prefix('@') {
        Some(scoped) => scoped
            .split_once('/')
            .is_some_and(|(scope, n)| plain(scope) && plain(n)),
        None => plain(name),
    };
    ok.then_some(name)
}

/// The DefinitelyTyped package of `name` (`express` -> `@types/express`, `@babel/core` ->
/// `@types/babel__core`).
fn types_package(name: &str) -> String {
    match name.strip_prefix('@') {
        Some(scoped) => format!("@types/{}", scoped.replacen('/', "__", 1)),
        None => format!("@types/{name}"),
    }
}

/// The warnings for `imports` of package `p` (imports a workspace package, a `paths` alias or
/// a `baseUrl` folder resolved are not passed in). `shipped`: the image ships `p`.
pub(super) fn warnings(
    pnpm: &PnpmWorkspace,
    p: &Package,
    shipped: bool,
    imports: &[&SourceImport],
) -> Vec<String> {
    let declared = |name: &str| {
        (p.node.as_ref()).is_some_and(|n| n.deps.iter().any(|d| d.key == name))
            || p.internal_deps.iter().any(|d| d.alias == name)
    };
    let flat = flat_layout(pnpm);
    // name -> (first import, how many more)
    let mut found: BTreeMap<&str, (&SourceImport, usize)> = BTreeMap::new();
    for import in imports {
        let Some(name) = registry_name(&import.specifier) else {
            continue;
        };
        // `import { Request } from "express"` with only `@types/express` declared: the
        // compiler reads the types package and drops the import (types only). Not so for
        // `import express from "express"` (Flowise's api-documentation, with @types/express
        // only at the root: the image loaded another express than the workspace did).
        let types = types_package(name);
        let types_declared = declared(&types) || pnpm.root_dependencies.contains_key(&types);
        if declared(name) || (types_declared && !import.binds_value) {
            continue;
        }
        let problem = match pnpm.root_dependencies.get(name).map(String::as_str) {
            // A build tool's config (`tsdown.config.ts` importing `tsdown`: Cap's internal
            // packages) is loaded by the build, which has the root's devDependencies, never
            // by the service.
            Some("devDependencies") => {
                shipped && !import.type_only && !sources::build_tool_config(&import.file)
            }
            Some(_) => false,
            None => flat.is_some(),
        };
        if problem {
            found
                .entry(name)
                .and_modify(|(_, more)| *more += 1)
                .or_insert((import, 0));
        }
    }
    found
        .into_iter()
        .map(|(name, (import, more))| {
            let also = match more {
                0 => String::new(),
                n => format!(" (and {n} more import{})", if n == 1 { "" } else { "s" }),
            };
            let why = match (pnpm.root_dependencies.get(name), &flat) {
                (Some(_), _) => "only the root package.json declares it, in devDependencies: the build finds it in the root's node_modules, but the image's production install does not install it, so the service would throw MODULE_NOT_FOUND".to_string(),
                (None, Some(setting)) => format!(
                    "{setting} lets it load from another package's dependencies in a flat node_modules, but the image's node_modules holds only this service's closure, so the build or the service finds no copy of it, or another version than the workspace loads"
                ),
                (None, None) => String::new(),
            };
            format!(
                "{}:{}: imports `{name}`{also}, which {} does not declare; {why}; add \"{name}\" to its dependencies",
                import.file, import.line, p.manifest
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_names_of_bare_specifiers() {
        assert_eq!(registry_name("lodash/fp"), Some("lodash"));
        assert_eq!(registry_name("@nestjs/core"), Some("@nestjs/core"));
        assert_eq!(registry_name("@nestjs/core/x.js"), Some("@nestjs/core"));
        for none in [
            "fs",
            "node:fs",
            "fs/promises",
            "./x",
            "#db",
            "virtual:x",
            "@scope",
            "a b",
        ] {
            assert_eq!(registry_name(none), None, "{none}");
        }
    }
}
