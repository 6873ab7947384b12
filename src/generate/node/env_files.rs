//! The warning for the env files a service's start script loads (`dotenv -e ../../.env --`,
//! `node --env-file=.env`, `-r dotenv/config`): the image holds none (a repository's `.env`
//! holds secrets; the ignore file keeps them out) and its CMD loads none, so the variables
//! they gave are missing at run time unless given another way. One warning per file, naming
//! the script, the file and the two ways (isogen.toml `env`, or at run time); silent once the
//! service's section sets `env`. The same for a bare `import 'dotenv/config'` (or
//! `require('dotenv/config')`) in the sources of the service or of a workspace package it
//! loads (one warning per service, naming every import), and the calls of dotenv's
//! `config()` (`dotenv.config()`, `require('dotenv').config()`, `config()` imported from
//! `dotenv`) there (one warning per service and file they load, naming every call): they load `.env` of the working folder, or the file their `path` option
//! names (shown as written, with where it is in the image), when the module runs; not in a
//! tool's config file at the top of a package (`vite.config.ts`), which only the build loads.
//! It never reads the files.

use crate::generate::cfg::ServiceConfig;
use crate::js::{EnvPath, ImportKind};
use crate::workspace::pnpm::env_files::env_files;
use crate::workspace::pnpm::{NodePackage, PnpmWorkspace};
use crate::workspace::{relpath, DepKind, Package, Service, Workspace};

/// Warns about each env file the script running `entry` (or the package's start script,
/// for a Next.js app or a shell script) loads.
pub(super) fn warn(
    pkg: &Package,
    node: &NodePackage,
    entry: &str,
    overrides: Option<&ServiceConfig>,
    section: &str,
    warnings: &mut Vec<String>,
) {
    if overrides.is_some_and(|o| !o.env.is_empty()) {
        return;
    }
    let running = match node.script_running(entry) {
        Some((script, _)) => script,
        None => match &node.start {
            Some((script, _)) => script.as_str(),
            None => return,
        },
    };
    // One warning per file, naming every way the scripts load it.
    let mut files: Vec<(String, String, Vec<&str>)> = Vec::new();
    for f in env_files(&node.scripts, running) {
        match files.iter_mut().find(|(file, _, _)| *file == f.file) {
            Some((_, _, hows)) => hows.push(f.how),
            None => files.push((f.file, f.script, vec![f.how])),
        }
    }
    for (file, script, hows) in files {
        // The file from the workspace root, as `docker run --env-file` would be given it.
        let from_root = relpath::join(&pkg.dir, &file).unwrap_or_else(|| file.clone());
        warnings.push(format!(
            "{}: the `{script}` script loads `{file}` ({}) when it starts, but the image holds \
             no env file (they hold secrets; its ignore file keeps them out) and its CMD loads \
             none: give the service its variables with `env` in {section} of isogen.toml (for \
             values that are not secret), or when it runs (`docker run --env-file {from_root}`, \
             your orchestrator's secrets)",
            pkg.manifest,
            hows.join(", ")
        ));
    }
}

/// Warns about each `import 'dotenv/config'` / `require('dotenv/config')` and each call of
/// dotenv's `config()` in the sources of the service's package, of the workspace packages it
/// depends on (any kind) and of their production dependencies (`workdir` is the image's
/// working folder, where dotenv looks for `.env`). In the service's own package, only the
/// files it can load from its entry `entry` count ([`super::loadable`]): not the seed and
/// maintenance scripts beside its server.
pub(super) fn warn_imports(
    ws: &Workspace,
    pnpm: &PnpmWorkspace,
    (service, entry, own): (&Service, &str, &super::loadable::Loadable),
    overrides: Option<&ServiceConfig>,
    section: &str,
    workdir: &str,
    warnings: &mut Vec<String>,
) {
    if overrides.is_some_and(|o| !o.env.is_empty()) {
        return;
    }
    let service_dir = &ws.packages[service.package].dir;
    // What the service's code can load: its own dependencies of every kind (a bundler inlines
    // devDependencies too), and from there their production dependencies; not a CLI that an
    // internal package only develops with (trigger.dev's dashboard-agent and `trigger.dev`).
    let loaded = crate::workspace::graph::closure(
        &ws.packages,
        service.package,
        |_| true,
        |k| k != DepKind::Dev,
    )
    .unwrap_or_else(|_| service.build_closure.clone());
    let packages = std::iter::once(service.package).chain(loaded);
    let own_files = own.get(ws, pnpm, service, entry);
    let own = Option::as_ref(&*own_files);
    let mut sites = Vec::new();
    let mut calls = Vec::new();
    for p in packages.filter_map(|i| ws.packages.get(i)) {
        let Some(sources) = pnpm.sources.get(&p.dir) else {
            continue;
        };
        let loads = |file: &str| {
            !tool_config(&p.dir, file)
                && (p.dir != service_dir.as_str() || own.as_ref().is_none_or(|o| o.contains(file)))
        };
        sites.extend(sources.imports.iter().filter(|i| {
            i.specifier == "dotenv/config"
                && !i.type_only
                && i.kind != ImportKind::ExportFrom
                && loads(&i.file)
        }));
        calls.extend((sources.dotenv_calls.iter()).filter(|(file, _)| loads(file)));
    }
    warn_calls(calls, (service, service_dir), section, workdir, warnings);
    // One warning per service: cosmo's controlplane imports it in its server and in eight
    // scripts of src/bin/, and one fix covers them all.
    let Some((import, more)) = sites.split_first() else {
        return;
    };
    let also = match more.len() {
        0 => String::new(),
        n => format!(
            " (and {n} more import{} of it: {})",
            if n == 1 { "" } else { "s" },
            more.iter()
                .map(|i| format!("{}:{}", i.file, i.line))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let from_root = relpath::child(service_dir, ".env");
    warnings.push(format!(
        "{}:{}: `{}`{also} loads `.env` from the working folder ({workdir} in the image) when \
         it runs, but the image holds no env file (they hold secrets; its ignore file \
         keeps them out): give the service `{}` its variables with `env` in {section} \
         of isogen.toml (for values that are not secret), or when it runs (`docker run \
         --env-file {from_root}`, your orchestrator's secrets)",
        import.file,
        import.line,
        match import.kind {
            ImportKind::Require | ImportKind::ImportEquals => "require('dotenv/config')",
            ImportKind::DynamicImport => "import('dotenv/config')",
            _ => "import 'dotenv/config'",
        },
        service.name,
    ));
}

/// One warning per file the dotenv `config()` calls `calls` load, naming every call: erxes's
/// services reach 3 to 9 `dotenv.config()` calls each (their own and their shared package's),
/// 68 warnings in all before this, that one fix covers per service.
fn warn_calls(
    calls: Vec<&(String, crate::js::DotenvCall)>,
    (service, service_dir): (&Service, &str),
    section: &str,
    workdir: &str,
    warnings: &mut Vec<String>,
) {
    let mut groups: Vec<((String, String), Vec<String>)> = Vec::new();
    for (file, call) in calls {
        let what = what_loads(&call.path, service_dir, workdir);
        let site = format!("{file}:{}", call.line);
        match groups.iter_mut().find(|(w, _)| *w == what) {
            Some((_, sites)) => sites.push(site),
            None => groups.push((what, vec![site])),
        }
    }
    for ((loads, env_file), sites) in groups {
        let Some((first, more)) = sites.split_first() else {
            continue;
        };
        let also = match more.len() {
            0 => String::new(),
            n => format!(
                " (and {n} more call{} of it: {})",
                if n == 1 { "" } else { "s" },
                more.join(", ")
            ),
        };
        warnings.push(format!(
            "{first}: dotenv's `config()`{also} loads {loads} when it runs, but the image \
             holds no env file (they hold secrets; its ignore file keeps them out): give the \
             service `{}` its variables with `env` in {section} of isogen.toml (for values \
             that are not secret), or when it runs (`docker run --env-file {env_file}`, your \
             orchestrator's secrets)",
            service.name,
        ));
    }
}

/// Whether `file` is a tool's config file at the top of the package in `dir`
/// (`vite.config.ts`, `prisma.config.ts`): the build's tools load it, the service's CMD never
/// does, so the env file it loads is the build's business (logto's front ends read the
/// repository's `.env` in `vite.config.ts`).
fn tool_config(dir: &str, file: &str) -> bool {
    let name = file.rsplit('/').next().unwrap_or(file);
    relpath::parent(file) == dir && name.contains(".config.")
}

/// What a call of dotenv's `config()` loads, for the warning (the file as its `path` option
/// names it and where that is in the image, whose working folder is `workdir`), and the file
/// from the workspace root for `docker run --env-file`.
fn what_loads(path: &EnvPath, service_dir: &str, workdir: &str) -> (String, String) {
    let default_file = relpath::child(service_dir, ".env");
    let in_image = |f: &str| -> String {
        if f.starts_with('/') {
            return f.to_string();
        }
        match relpath::join(workdir.trim_start_matches('/'), f) {
            Some(p) => format!("/{p}"),
            None => format!("{workdir}/{f}"),
        }
    };
    match path {
        EnvPath::Default => (
            format!(
                "`.env` from the working folder ({} in the image)",
                in_image(".env")
            ),
            default_file,
        ),
        EnvPath::Files(files) => {
            let named: Vec<String> = files.iter().map(|f| format!("`{f}`")).collect();
            let placed: Vec<String> = files.iter().map(|f| in_image(f)).collect();
            let from_root = (files.first())
                .and_then(|f| relpath::join(service_dir, f))
                .unwrap_or(default_file);
            (
                format!(
                    "{} (its `path` option, from the working folder: {} in the image)",
                    named.join(", "),
                    placed.join(", "),
                ),
                from_root,
            )
        }
        EnvPath::Expression(text) => (
            format!(
                "the env file its `path` option names (`{text}`; a relative path is read from \
                 the working folder, {workdir} in the image)"
            ),
            default_file,
        ),
    }
}
