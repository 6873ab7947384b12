//! The imports of a Next.js app's config that `next start` (or a custom server) resolves when
//! the server starts, not when `next build` bundles the app: create-t3-turbo's next.config.js
//! imports `jiti`, a devDependency, which the image's production install leaves out, so the
//! server would stop at start with ERR_MODULE_NOT_FOUND. A registry package the config
//! imports must be a production dependency, and a file of the app it imports must ship; each
//! that is not is named with its file, line and fix, in the first run: one the config runs
//! whenever it loads refuses the app (a Dockerfile whose CMD cannot start is never written),
//! one behind a branch or in a function is a warning. A standalone output
//! never loads the config (its server has the config baked in) and is not checked.
//!
//! A TypeScript config (`next.config.ts`) is refused too when `typescript` is not a production
//! dependency: Next.js 15 needs it to load the config when the server starts.
//!
//! It reads the sources discovery parsed (static `import`, `require`, `import()` with a
//! literal); it cannot see a module loaded some other way (`jiti.import("./src/env")`).

use crate::error::{Error, Result};
use crate::js::{is_builtin, package_name, ImportKind};
use crate::workspace::pnpm::next_config::ConfigValue;
use crate::workspace::pnpm::NodePackage;
use crate::workspace::relpath;
use crate::workspace::{DepKind, Package, Workspace};

/// Names each import of `config_name` (in `pkg`'s folder) that the image cannot resolve: a
/// package not in `dependencies`/`optionalDependencies`, or a relative file outside `shipped`
/// (the app's paths the image holds: `.next`, `public`, the config). One the config runs
/// whenever it loads (top level, no branch or handling `try`) would stop `next start` at
/// once: the service is refused (exit 2), every such import named. One behind a branch or
/// in a function (the `webpack` hook, which `next start` does not run) is a warning.
pub(super) fn check(
    ws: &Workspace,
    pkg: &Package,
    n: &NodePackage,
    config_name: &str,
    shipped: &[String],
    section: &str,
    warnings: &mut Vec<String>,
) -> Result<()> {
    let Some(sources) = ws.pnpm.as_ref().and_then(|p| p.sources.get(&pkg.dir)) else {
        return Ok(());
    };
    let mut fatal = Vec::new();
    let config = relpath::child(&pkg.dir, config_name);
    // rallly: `output: process.env.NEXT_PUBLIC_SELF_HOSTED === "true" ? "standalone" : undefined`.
    let standalone = match n.next.as_ref().map(|c| &c.output) {
        Some(ConfigValue::Computed) => format!("or make `output` the literal \"standalone\" ({config_name} computes it when it runs, so isogen cannot know that a build makes the standalone output, whose server does not load the config)"),
        _ => "or use `output: \"standalone\"` (its server does not load the config)".to_string(),
    };
    let loaded = (sources.imports.iter())
        .filter(|i| i.file == config && !i.type_only && i.kind != ImportKind::ExportFrom);
    for import in loaded {
        let spec = import.specifier.as_str();
        let at = format!("{}:{}", import.file, import.line);
        if spec.starts_with('.') {
            let target = relpath::join(&pkg.dir, spec).unwrap_or_else(|| spec.to_string());
            let inside = |p: &String| relpath::within(&target, &relpath::child(&pkg.dir, p));
            if !shipped.iter().any(inside) {
                let to = if import.unconditional {
                    &mut fatal
                } else {
                    &mut *warnings
                };
                to.push(format!(
                    "{at}: imports `{spec}`, which `next start` loads with the config when the server starts, but the image ships only {} of the app: add the file (as JavaScript node can load) to `assets` in {section} of isogen.toml, {standalone}",
                    shipped.join(", ")
                ));
            }
            continue;
        }
        if spec.starts_with('/') || is_builtin(spec) {
            continue;
        }
        let name = package_name(spec);
        let runtime = (n.deps.iter())
            .any(|d| d.key == name && matches!(d.kind, DepKind::Normal | DepKind::Optional));
        if !runtime {
            let to = if import.unconditional {
                &mut fatal
            } else {
                &mut *warnings
            };
            to.push(format!(
                "{at}: imports `{name}`, which `next start` loads with the config when the server starts, but `{name}` is not in the `dependencies` of {} (the image's production install leaves it out): move it to `dependencies`, {standalone}",
                pkg.manifest
            ));
        }
    }
    let typescript = typescript_config(ws, pkg, n, config_name, &standalone);
    if fatal.is_empty() {
        return match typescript {
            None => Ok(()),
            Some(why) => Err(Error::workspace(
                ws.root.join(&config),
                format!("`next start` loads this config whenever the server starts, so the server would stop at once: `{}` is refused: {why}", pkg.name),
            )),
        };
    }
    fatal.extend(typescript.map(|why| format!("{config}: {why}")));
    Err(Error::workspace(
        ws.root.join(&config),
        format!(
            "`next start` runs this config whenever the server starts, and the image cannot resolve what it imports at its top level, so the server would stop at once (ERR_MODULE_NOT_FOUND): `{}` is refused; each import with its fix:\n  {}",
            pkg.name,
            fatal.join("\n  ")
        ),
    ))
}

/// Why a TypeScript config (`next.config.ts`) cannot load under `next start` in the image:
/// Next.js 15 needs `typescript` to load it when the server starts and, not finding it, runs
/// `npm install --save-dev typescript` there and stops (saleor/apps' apps, Next 15.5:
/// `Failed to load next.config.ts`). `None` for a JavaScript config, when `typescript` is a
/// production dependency of the app, or when the lockfile gives no Next.js 15 (other majors
/// are not known to do so).
fn typescript_config(
    ws: &Workspace,
    pkg: &Package,
    n: &NodePackage,
    config_name: &str,
    standalone: &str,
) -> Option<String> {
    if ![".ts", ".mts", ".cts"]
        .iter()
        .any(|e| config_name.ends_with(e))
    {
        return None;
    }
    let runtime = |name: &str| {
        (n.deps.iter())
            .any(|d| d.key == name && matches!(d.kind, DepKind::Normal | DepKind::Optional))
    };
    if runtime("typescript") {
        return None;
    }
    let pnpm = ws.pnpm.as_ref()?;
    let dir = if pkg.dir.is_empty() { "." } else { &pkg.dir };
    let next = pnpm.locked.get(dir)?.get("next")?;
    if !next.version.starts_with("15.") {
        return None;
    }
    Some(format!(
        "{config_name} is TypeScript, which Next.js {} compiles with `typescript` when the server starts, but `typescript` is not in the `dependencies` of {} (the image's production install leaves it out), so Next.js runs `npm install --save-dev typescript` in the container and stops (`Failed to load {config_name}`): write the config as JavaScript (`next.config.mjs`), {standalone}",
        next.version.split('(').next().unwrap_or_default(),
        pkg.manifest
    ))
}
