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
            let files = loadable_files(&target, config_name, &n.module_type);
            let inside = |p: &String| {
                let asset = relpath::child(&pkg.dir, p);
                files.iter().any(|f| relpath::within(f, &asset))
            };
            if !shipped.iter().any(inside) {
                let to = if import.unconditional {
                    &mut fatal
                } else {
                    &mut *warnings
                };
                let add = match files.iter().find(|f| crate::fsio::is_file(ws.root.join(f))) {
                    Some(file) => {
                        let dir = format!("{}/", pkg.dir);
                        format!("add \"{}\"", file.strip_prefix(&dir).unwrap_or(file))
                    }
                    None if is_typescript(config_name) => "add the file".to_string(),
                    None => "add the file (as JavaScript node can load)".to_string(),
                };
                to.push(format!(
                    "{at}: imports `{spec}`, which `next start` loads with the config when the server starts, but the image ships only {} of the app: {add} to `assets` in {section} of isogen.toml, {standalone}",
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
    if fatal.is_empty() {
        return Ok(());
    }
    Err(Error::workspace(
        ws.root.join(&config),
        format!(
            "`next start` runs this config whenever the server starts, and the image cannot resolve what it imports at its top level, so the server would stop at once (ERR_MODULE_NOT_FOUND): `{}` is refused; each import with its fix:\n  {}",
            pkg.name,
            fatal.join("\n  ")
        ),
    ))
}

/// Whether Next compiles the config (and the files it loads) from TypeScript.
fn is_typescript(config_name: &str) -> bool {
    config_name.ends_with(".ts") || config_name.ends_with(".mts")
}

/// The files an import of `target` (workspace-relative, as written) from the config can load,
/// in the order its loader tries them. A `next.config.ts` is compiled by Next into CommonJS and
/// run with a require hook for `.ts`, `.cts`, `.mts`, `.cjs` and `.mjs` (next's
/// `build/next-config-ts/require-hook.js`), so `./redirects` loads `redirects.ts` (payload's
/// website template); a CommonJS config is Node's `require` (`.js`, `.json`, `.node`, then a
/// folder's `index`); an ES module config loads exactly the file it names.
fn loadable_files(target: &str, config_name: &str, module_type: &str) -> Vec<String> {
    let extensions: &[&str] = if is_typescript(config_name) {
        &[
            ".js", ".json", ".node", ".ts", ".cts", ".mts", ".cjs", ".mjs",
        ]
    } else if config_name.ends_with(".mjs")
        || (config_name.ends_with(".js") && module_type == "module")
    {
        &[]
    } else {
        &[".js", ".json", ".node"]
    };
    let mut files = vec![target.to_string()];
    files.extend(extensions.iter().map(|e| format!("{target}{e}")));
    files.extend(extensions.iter().map(|e| format!("{target}/index{e}")));
    files
}

#[cfg(test)]
mod tests {
    use super::loadable_files;

    #[test]
    fn each_config_kind_loads_what_its_loader_finds() {
        let ts = loadable_files("web/redirects", "next.config.ts", "module");
        assert!(ts.contains(&"web/redirects.ts".to_string()), "{ts:?}");
        let cjs = loadable_files("web/redirects", "next.config.js", "commonjs");
        assert!(cjs.contains(&"web/redirects.js".to_string()), "{cjs:?}");
        assert!(!cjs.contains(&"web/redirects.ts".to_string()), "{cjs:?}");
        assert!(
            cjs.contains(&"web/redirects/index.js".to_string()),
            "{cjs:?}"
        );
        // An ES module config loads exactly the file it names.
        for (name, kind) in [
            ("next.config.mjs", "commonjs"),
            ("next.config.js", "module"),
        ] {
            assert_eq!(
                loadable_files("web/redirects", name, kind),
                ["web/redirects"],
                "{name}"
            );
        }
    }
}
