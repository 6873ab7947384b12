//! What a Node service reads at run time besides its build output and `node_modules`, and the
//! build step that makes part of it:
//!
//! - `assets` of `[generate.services.<name>]`: files or folders of the service's package,
//!   shipped at the same path under its folder in the image;
//! - migration folders of the service's package (`drizzle/`, `migrations/`; `prisma/` when
//!   a step runs `prisma` and no client generator made it Prisma's, below) when its start
//!   command uses them: a step or argument names the folder or a migration (`migrat...`:
//!   `node dist/migrate.js && node dist/server.js`, or a line of the entrypoint script it
//!   runs); a folder its `files` lists ships anyway;
//! - the files of the `node <file>` steps the start script runs before the service (`node
//!   scripts/migrate.mjs && next start`): the top folder of each (or the file, at the top of
//!   the package), as the package has it, when the image does not ship it already;
//! - files of the service's package that its start command preloads (`node -r ./tracing.js`,
//!   `--import ./otel.mjs`, or the same in the image's `NODE_OPTIONS`: the script's, or
//!   `env` of isogen.toml): node loads them from the working directory, the service folder,
//!   before the entry;
//! - Prisma (see [`crate::workspace::pnpm::prisma`]): `prisma generate` runs in the builder,
//!   before the package's build (so a TypeScript build compiles a `prisma-client` output);
//!   the schema and its `migrations/` folder ship; a `prisma-client-js` client ships from
//!   where it was generated: its `output`, or by default `node_modules/.prisma`, staged in
//!   the builder and copied to `<app_root>/node_modules/.pnpm/node_modules/.prisma`, where
//!   Node finds it walking up from the real folder of `@prisma/client` in pnpm's virtual
//!   store (`.pnpm/<name>@<version>/node_modules/@prisma/client`); the generated client
//!   requires `@prisma/client/runtime`, so it must sit where that resolves.
//!
//! Every file is copied from the builder stage by the runtime stage, to the same path. It
//! never reads the disk (discovery read the folders and the schema); a configured path it
//! cannot copy is an error naming the setting.

use std::path::Path;

use serde::Serialize;

use super::shell_dir;
use crate::error::{Error, Result};
use crate::generate::cfg::is_plain_path;
use crate::generate::templates::shell_quote;
use crate::workspace::pnpm::{NodePackage, StartCommand, NODE_VALUE_OPTIONS};
use crate::workspace::relpath;
use crate::workspace::Package;

/// Where the builder stages a default-output Prisma client (`node_modules/.prisma`).
const PRISMA_STAGE: &str = "/isogen/prisma";

/// One path the runtime stage copies from the builder stage (absolute in both).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunFile {
    pub from: String,
    pub to: String,
}

/// Migration folders a start command may read.
const MIGRATION_FOLDERS: &[&str] = &["drizzle", "migrations"];

/// The `prisma generate` command of a package of the build, run from the app root, with the
/// pnpm `flags` of [`run_flags`](super::settings::run_flags); `None`
/// without Prisma. A package without the `prisma` CLI among its dependencies cannot run it:
/// a warning says so. `build_script` is the script the package's build step runs.
pub(super) fn prisma_generate(
    p: &Package,
    n: &NodePackage,
    (selector, build_script): (&str, &str),
    flags: &str,
    warnings: &mut Vec<String>,
) -> Option<String> {
    let prisma = n.prisma.as_ref()?;
    if !n.deps.iter().any(|d| d.key == "prisma") {
        warnings.push(format!(
            "{}: `{}` uses Prisma ({}) but has no `prisma` dependency, so the build cannot run `prisma generate`; add prisma to its devDependencies",
            p.manifest, p.name, prisma.schema
        ));
        return None;
    }
    // `env("DATABASE_URL")` in prisma.config.* throws when the variable is unset; generate
    // connects to nothing, so a placeholder of the right scheme is enough for this step.
    let env: String = prisma
        .config_env
        .iter()
        .map(|(name, url)| format!("{name}=\"${{{name}:-{url}}}\" "))
        .collect();
    let mut cmd = match generate_script(n, build_script) {
        Some(script) => format!(
            "{env}pnpm{flags} --filter {} run {}",
            shell_quote(selector),
            shell_quote(script)
        ),
        None => format!(
            "{env}pnpm{flags} --filter {} exec prisma generate",
            shell_quote(selector)
        ),
    };
    if prisma.provider == "prisma-client-js" && prisma.output.is_none() {
        // The client lands next to @prisma/client in pnpm's store: stage it for the runtime.
        cmd.push_str(&format!(
            " \\\n && mkdir -p {PRISMA_STAGE} && cp -a \"$(cd {} && node -p \"require('path').dirname(require.resolve('@prisma/client/package.json'))\")/../../.prisma\" {PRISMA_STAGE}/",
            shell_dir(&p.dir)
        ));
    }
    Some(cmd)
}

/// The package's script that runs `prisma generate` and then more steps that finish the client
/// (openpanel's `codegen`: `pnpm with-env prisma generate && jiti prisma/prisma-json-types.ts`,
/// which types the Json fields; without it the packages that type-check against the client
/// fail with TS2322): the build runs that script instead of `prisma generate` alone. Not a
/// script with a step that needs a database (`migrate`, `db push`, `db seed`), nor the
/// package's build script or one it runs: usertour's `"build": "prisma generate && nest
/// build"` would then build the package twice (this step, then the build's own).
fn generate_script<'n>(n: &'n NodePackage, build_script: &str) -> Option<&'n str> {
    let built = super::script_installs::reached(&n.scripts, build_script);
    n.scripts.iter().find_map(|(name, text)| {
        if built.contains(name) {
            return None;
        }
        let steps: Vec<Vec<&str>> = (text.split("&&"))
            .map(|step| step.split_whitespace().collect())
            .collect();
        let generates =
            |words: &Vec<&str>| (words.windows(2)).any(|w| w[0] == "prisma" && w[1] == "generate");
        let needs_db = |words: &Vec<&str>| {
            (words.windows(2)).any(|w| w[0] == "prisma" && ["migrate", "db"].contains(&w[1]))
        };
        let at = steps.iter().position(generates)?;
        (at + 1 < steps.len()
            && !steps.iter().any(needs_db)
            && !text.contains(['|', ';', '`', '$', '>', '<']))
        .then_some(name.as_str())
    })
}

/// The Rust query engine that `prisma generate` copies into the client of Prisma 6 and
/// earlier (`prisma-client-js`, and `prisma-client` unless `engineType = "client"`), which no
/// npm package ships: generate downloads it from binaries.prisma.sh (checked with 6.19.3, no
/// network there: `prisma generate` fails on that download, fetches it from
/// `PRISMA_ENGINES_MIRROR` when given one, and copies `PRISMA_QUERY_ENGINE_LIBRARY`'s file
/// under its own name), so the Dockerfile names both ways to give it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueryEngine {
    /// The Prisma version (the package's `prisma` in the lockfile).
    pub prisma: String,
    /// The engines commit (`@prisma/engines-version`'s suffix), when the lockfile holds one
    /// version of it for that Prisma.
    pub commit: Option<String>,
    /// The file on binaries.prisma.sh under `all_commits/<commit>/<platform>/`.
    pub download: &'static str,
    /// The name Prisma gives the file (`<platform>` in it).
    pub file: &'static str,
    /// The variable naming a local copy.
    pub var: &'static str,
}

/// The query engine `prisma generate` needs for `p` (see [`QueryEngine`]); `None` without
/// Prisma, with Prisma 7 and later (no Rust query engine), with `engineType = "client"`, or
/// when the lockfile does not say which Prisma.
pub(super) fn prisma_query_engine(
    pnpm: &crate::workspace::pnpm::PnpmWorkspace,
    p: &Package,
    n: &NodePackage,
) -> Option<QueryEngine> {
    let prisma = n.prisma.as_ref()?;
    let version = ["prisma", "@prisma/client"]
        .iter()
        .find_map(|name| prisma_version(pnpm, p, n, name))?;
    let mut parts = version.split('.');
    let (major, minor) = (parts.next()?.parse::<u32>().ok()?, parts.next()?);
    if major >= 7 || prisma.engine_type.as_deref() == Some("client") {
        return None;
    }
    let prefix = format!("{major}.{minor}.");
    let commits: Vec<&str> = (pnpm.locked_versions.get("@prisma/engines-version"))
        .into_iter()
        .flatten()
        .filter(|v| v.starts_with(&prefix))
        .filter_map(|v| v.rsplit_once('.').map(|(_, commit)| commit))
        .collect();
    let binary = prisma.engine_type.as_deref() == Some("binary");
    Some(QueryEngine {
        commit: (commits.len() == 1).then(|| commits[0].to_string()),
        prisma: version,
        download: if binary {
            "query-engine.gz"
        } else {
            "libquery_engine.so.node.gz"
        },
        file: if binary {
            "query-engine-<platform>"
        } else {
            "libquery_engine-<platform>.so.node"
        },
        var: if binary {
            "PRISMA_QUERY_ENGINE_BINARY"
        } else {
            "PRISMA_QUERY_ENGINE_LIBRARY"
        },
    })
}

/// The version of `name` (`prisma`, `@prisma/client`) that the lockfile gives `p`: its
/// importer's entry for a production dependency, else (a devDependency, which is how Prisma's
/// docs install the CLI: openpanel's `@openpanel/db`) the newest locked version of that name
/// that the declared range (or its catalog's) allows.
fn prisma_version(
    pnpm: &crate::workspace::pnpm::PnpmWorkspace,
    p: &Package,
    n: &NodePackage,
    name: &str,
) -> Option<String> {
    let dep = n.deps.iter().find(|d| d.key == name)?;
    if let Some(v) = pnpm.locked_version(&p.dir, name, &dep.spec) {
        return Some(v);
    }
    let range = dep.catalog_range.as_deref().unwrap_or(&dep.spec);
    let range = nodejs_semver::Range::parse(range.trim()).ok()?;
    (pnpm.locked_versions.get(name))
        .into_iter()
        .flatten()
        .filter_map(|v| nodejs_semver::Version::parse(v.split('(').next()?).ok())
        .filter(|v| range.satisfies(v))
        .max()
        .map(|v| v.to_string())
}

/// The run-time files of the service: see the module doc. `shipped` are the paths (relative
/// to each package's folder) the image already ships of each package, by package folder.
pub(super) struct RunFiles<'a> {
    pub app_root: &'a str,
    pub section: &'a str,
    pub config_path: &'a Path,
}

impl RunFiles<'_> {
    /// `assets` of the service (relative to its package folder), checked.
    pub fn assets(&self, service: &Package, assets: &[String]) -> Result<Vec<String>> {
        assets
            .iter()
            .map(|a| {
                let rel = a.trim().trim_start_matches("./").trim_end_matches('/');
                let inside = !rel.is_empty()
                    && !rel.starts_with('/')
                    && !rel.split('/').any(|s| s == ".." || s == "." || s == "node_modules");
                if inside && is_plain_path(rel) {
                    Ok(rel.to_string())
                } else {
                    Err(Error::config(
                        self.config_path,
                        format!(
                            "{} assets: {a:?} must be a plain path inside the package folder ({}), not node_modules",
                            self.section,
                            if service.dir.is_empty() { "." } else { &service.dir }
                        ),
                    ))
                }
            })
            .collect()
    }

    /// The migration folders of the service's package its start command uses (see the
    /// module doc), relative to the package folder.
    pub fn migrations(&self, n: &NodePackage, entry: &str) -> Vec<String> {
        let text = start_text(n, entry);
        let mut out: Vec<String> = MIGRATION_FOLDERS
            .iter()
            .filter(|f| n.folder.has(f) && (text.contains("migrat") || text.contains(*f)))
            .map(|f| f.to_string())
            .collect();
        // `prisma migrate deploy` without a client generator (a schema kept for migrations
        // only): Prisma's facts ship nothing, and the step reads `prisma/`.
        if n.prisma.is_none() && n.folder.has("prisma") && text.contains("prisma") {
            out.push("prisma".into());
        }
        out
    }

    /// The top folder (or file) of each `node <file>` step the start script runs before the
    /// service, when the package has it (build output the step runs ships with the build).
    pub fn step_files(&self, n: &NodePackage, entry: &str) -> Vec<String> {
        let Some((_, command)) = start_of(n, entry) else {
            return Vec::new();
        };
        let (StartCommand::Node { before, .. } | StartCommand::Next { before, .. }) = command
        else {
            return Vec::new();
        };
        let mut out: Vec<String> = before
            .iter()
            .filter_map(|step| node_file(step))
            .filter_map(|file| file.split('/').next().map(str::to_string))
            .filter(|top| n.folder.has(top) && top != "node_modules" && is_plain_path(top))
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// The files of the service's package its start command preloads (see the module doc),
    /// relative to the package folder. A preload outside the package, a TypeScript one or one
    /// not in the package is named in a warning: node would stop on it at start. `built`: the
    /// paths of the package its image ships from the build (`dist`), where a preload that is
    /// not in the repository is build output. `node_options`: the image's `NODE_OPTIONS` (the
    /// start script's, or `env` of isogen.toml, which wins) and whether isogen.toml sets it:
    /// node applies its preloads before the command line's.
    pub fn preloads(
        &self,
        p: &Package,
        n: &NodePackage,
        (entry, built): (&str, &[String]),
        node_options: (Option<&str>, bool),
        warnings: &mut Vec<String>,
    ) -> Vec<String> {
        let (script, options): (Option<&str>, &[String]) = match n.script_running(entry) {
            Some((script, StartCommand::Node { options, .. })) => (Some(script), options),
            _ => (None, &[]),
        };
        let (env, configured) = node_options;
        // Only what the image sets: NODE_OPTIONS of a script isogen does not run is not there.
        let env = env.filter(|_| configured || script.is_some());
        let mut argv: Vec<String> = env.map(crate::js::split_node_options).unwrap_or_default();
        let from_env = crate::js::preloads(&argv).len();
        for o in options {
            match o.split_once(' ') {
                Some((flag, value)) => argv.extend([flag.to_string(), value.to_string()]),
                None => argv.push(o.clone()),
            }
        }
        let mut out = Vec::new();
        for (i, preload) in crate::js::preloads(&argv).into_iter().enumerate() {
            let spec = preload.specifier.as_str();
            if !(spec.starts_with("./") || spec.starts_with("../")) {
                continue; // a package (`dotenv/config`): installed with the dependencies
            }
            let problem = match relpath::join("", spec) {
                Some(rel) if !spec.starts_with("../") => match shipped_preload(n, &rel, built) {
                    Ok(rel) => {
                        out.push(rel);
                        continue;
                    }
                    Err(why) => why,
                },
                _ => "is outside the package, which the image does not ship",
            };
            let (file, who) = match script {
                Some(script) if i >= from_env || !configured => {
                    (p.manifest.clone(), format!("the `{script}` script"))
                }
                _ => (
                    self.config_path.display().to_string(),
                    format!("`NODE_OPTIONS` in `env` of {}", self.section),
                ),
            };
            warnings.push(format!(
                "{file}: {who} preloads `{spec}`, which {problem}, so node would stop before the service starts; {}",
                if problem.starts_with("is a TypeScript") {
                    "preload its build output instead"
                } else {
                    "move it into the package (or its build output) and preload it from there"
                }
            ));
        }
        out
    }

    /// What Prisma needs at run time in package `p` (relative to the workspace root, or a
    /// staged path), as copies.
    pub fn prisma(&self, p: &Package, n: &NodePackage, warnings: &mut Vec<String>) -> Vec<RunFile> {
        let Some(prisma) = &n.prisma else {
            if !n.prisma_elsewhere.is_empty() {
                warnings.push(prisma_elsewhere_warning(p, &n.prisma_elsewhere));
            }
            return Vec::new();
        };
        let mut out = Vec::new();
        let same = |rel: &str| {
            let path = format!("{}/{}", self.app_root, join(&p.dir, rel));
            RunFile {
                from: path.clone(),
                to: path,
            }
        };
        let mut paths = vec![prisma.schema.clone()];
        if let Some(m) = &prisma.migrations {
            paths.push(m.clone());
        }
        if prisma.provider == "prisma-client-js" {
            match &prisma.output {
                Some(o) if o.starts_with("..") || o.split('/').any(|s| s == "node_modules") => {
                    warnings.push(format!(
                        "{}: the Prisma client `output` `{o}` is outside the package or in node_modules; the image does not ship it (generate it inside the package)",
                        p.manifest
                    ));
                }
                Some(o) => paths.push(o.clone()),
                None => out.push(RunFile {
                    from: format!("{PRISMA_STAGE}/.prisma"),
                    to: format!("{}/node_modules/.pnpm/node_modules/.prisma", self.app_root),
                }),
            }
        }
        for rel in paths.iter().filter(|r| is_plain_path(r)) {
            out.push(same(rel));
        }
        out
    }
}

/// The warning for a shipped package that depends on Prisma with its schemas (`schemas`) in
/// no place Prisma looks by default: the image gets no generated client.
fn prisma_elsewhere_warning(p: &Package, schemas: &[String]) -> String {
    format!(
        "{}: `{}` depends on Prisma but has no schema where Prisma looks by default (`prisma.schema` of package.json, prisma/schema.prisma, prisma/schema/, schema.prisma); it has {}, so the build runs no `prisma generate` and the image has no generated client (the service fails at its first query: `@prisma/client did not initialize yet`); name the one to ship in package.json: `\"prisma\": {{ \"schema\": \"{}\" }}`",
        p.manifest,
        p.name,
        schemas.join(", "),
        schemas[0]
    )
}

/// The file of the package a relative preload names (`rel` inside the package folder), as
/// node's `require` finds it: as written, or with `.js`/`.cjs`/`.mjs`/`.json` when it lies at
/// the top of the package; the reason it cannot ship otherwise.
fn shipped_preload(
    n: &NodePackage,
    rel: &str,
    built: &[String],
) -> std::result::Result<String, &'static str> {
    if [".ts", ".mts", ".cts", ".tsx"]
        .iter()
        .any(|e| rel.ends_with(e))
    {
        return Err("is a TypeScript file that plain node cannot load");
    }
    let top = rel.split('/').next().unwrap_or(rel);
    // Under the build output the image ships, which the repository does not hold: the build
    // writes it (its source is checked with the build, not here).
    if !n.folder.has(top) && built.iter().any(|b| relpath::within(rel, b)) {
        return Ok(rel.to_string());
    }
    if top != rel {
        // Under a folder: the folder listing is top-level only, so the folder must exist.
        return if n.folder.has(top) {
            Ok(rel.to_string())
        } else {
            Err("is not in the package")
        };
    }
    ["", ".js", ".cjs", ".mjs", ".json"]
        .iter()
        .map(|ext| format!("{rel}{ext}"))
        .find(|name| n.folder.has(name))
        .ok_or("is not in the package")
}

/// The text of the scripts that start the service running `entry`: the steps and options,
/// and the commands of the shell script it runs (`sh ./entrypoint.sh`).
fn start_text(n: &NodePackage, entry: &str) -> String {
    if let Some(Ok(shape)) = n.entry_script.as_ref().map(|s| s.shape.as_ref()) {
        let words = shape.steps.iter().chain(&shape.service);
        let words: Vec<String> = words.map(|c| c.words.join(" ")).collect();
        return words.join(" ").to_lowercase();
    }
    match start_of(n, entry) {
        Some((
            name,
            StartCommand::Node {
                before, options, ..
            }
            | StartCommand::Next {
                before, options, ..
            },
        )) => {
            let mut text = before.join(" ");
            text.push(' ');
            text.push_str(&options.join(" "));
            text.push(' ');
            text.push_str(n.scripts.get(name).map_or("", String::as_str));
            text.to_lowercase()
        }
        _ => String::new(),
    }
}

/// The script that starts the service running `entry`; a Next.js app, whose plan has no entry
/// (`""`), starts with its start script.
fn start_of<'a>(n: &'a NodePackage, entry: &str) -> Option<(&'a str, &'a StartCommand)> {
    match n.script_running(entry) {
        Some(found) => Some(found),
        None if entry.is_empty() => n.start.as_ref().map(|(s, c)| (s.as_str(), c)),
        None => None,
    }
}

/// The file a `node [options] <file> [args]` step runs (behind assignments), cleaned.
fn node_file(step: &str) -> Option<String> {
    let words = shlex::split(step)?;
    let mut words = words
        .iter()
        .skip_while(|w| w.contains('=') && !w.starts_with('-'));
    if words.next()? != "node" {
        return None;
    }
    while let Some(w) = words.next() {
        if !w.starts_with('-') {
            let file = relpath::clean(w);
            return (!file.is_empty() && !file.starts_with('/') && !file.contains(".."))
                .then_some(file);
        }
        if NODE_VALUE_OPTIONS.contains(&w.as_str()) {
            words.next();
        }
    }
    None
}

fn join(dir: &str, rel: &str) -> String {
    if dir.is_empty() {
        rel.to_string()
    } else {
        format!("{dir}/{rel}")
    }
}
