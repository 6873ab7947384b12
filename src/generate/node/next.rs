//! Next.js apps as services: which of the three ways one runs ([`NextKind`]), and what its
//! image then ships and runs. `output: "standalone"` ships `.next/standalone` (server.js and
//! the node_modules `next build` traced) with `.next/static` and `public/` beside server.js,
//! and runs `node server.js`; any other app runs `next start` (its options kept) from `.next`
//! (without `.next/cache`), `public/`, its config, package.json and the production install; a
//! custom server (`node server.js` that requires `next`) ships its files plus those three.
//! Steps the start script runs before `next start` (`prisma migrate deploy && next start`)
//! run first in the CMD (`/bin/sh -c "<steps> && exec node ..."`, see [`super::steps`]),
//! with either output; a step the image cannot run is refused by name.
//!
//! It decides from the config facts discovery read ([`NextConfig`]); it never reads the disk,
//! never guesses a value the config computes at run time (it names the assumption it made,
//! for the Dockerfile's comment, or refuses), and refuses a static export (no server to run).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::generate::cfg::is_plain_path;
use crate::workspace::pnpm::next_config::{ConfigValue, NextConfig};
use crate::workspace::pnpm::{start_command, with_defaults, NodePackage, StartCommand};
use crate::workspace::{Package, Workspace};

/// How a Next.js app runs in its image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NextKind {
    /// `output: "standalone"`: `node server.js` in the standalone tree.
    Standalone,
    /// `next start`.
    Start,
    /// A custom server (`node server.js` that calls `next()`).
    Custom,
}

/// What the templates get for a Next.js app (`next` in the context; absent otherwise).
#[derive(Debug, Clone, Serialize)]
pub struct NextContext {
    pub kind: NextKind,
    /// Where `next build` writes (`.next`, or the config's `distDir`), relative to the app.
    pub dist_dir: String,
    /// The app's folder with a trailing `/` (`apps/web/`; `""` at the workspace root): where
    /// server.js sits in the standalone tree.
    pub app_prefix: String,
    /// Whether the app has a `public/` folder.
    pub public: bool,
    /// What isogen assumed where the config computes a value, for the Dockerfile's comment.
    pub notes: Vec<String>,
}

/// A Next.js service's plan: the context, and (for `standalone` and `start`) the CMD, what
/// the image ships of the app's folder and the environment the server reads.
pub(super) struct NextPlan {
    pub context: NextContext,
    /// `None` for a custom server: its start script's `node <file>` runs as for any service.
    pub cmd: Option<Vec<String>>,
    /// Paths of the app's folder the image ships (for a custom server: besides its own).
    pub copy: Vec<String>,
    /// Variables the server reads (`PORT`, `HOSTNAME`), under the config's `env`.
    pub env: BTreeMap<String, String>,
}

/// The plan of `pkg` when it is a Next.js app that runs as one of [`NextKind`]; `None` for any
/// other package (and for an app whose start script is `next dev`: the caller refuses it).
/// `(section, assets)`: the service's section of isogen.toml and its `assets` of the app's folder.
pub(super) fn plan(
    ws: &Workspace,
    pkg: &Package,
    n: &NodePackage,
    (section, assets, command_set): (&str, &[String], bool),
    workdir: &str,
    warnings: &mut Vec<String>,
) -> Result<Option<NextPlan>> {
    let Some(config) = &n.next else {
        return Ok(None);
    };
    let config_name = config.file.as_deref().unwrap_or("next.config.js");
    let refuse =
        |message: String| Error::workspace(ws.root.join(&pkg.dir).join(config_name), message);
    let dist_dir = dist_dir(config, &refuse)?;
    let Some((kind, options)) = kind(
        ws,
        pkg,
        n,
        (config, &dist_dir),
        (section, command_set),
        &refuse,
        warnings,
    )?
    else {
        return Ok(None);
    };
    let mut notes = assumptions(n, config, config_name, kind);
    if config.external_computed && kind != NextKind::Custom {
        warnings.push(format!(
            "{}/{config_name}: `serverExternalPackages` is computed when the config runs: isogen takes only its literal names ({}) as loaded from node_modules at run time and every other internal package as bundled by `next build`; list the names literally so the check of by-path imports and TypeScript entries covers them",
            pkg.dir,
            if config.external_packages.is_empty() { "none".to_string() } else { config.external_packages.join(", ") }
        ));
    }
    let public = n.folder.has("public");
    let before = steps_before(n);
    let mut copy = vec![dist_dir.clone()];
    copy.extend(public.then(|| "public".to_string()));
    copy.extend(config.file.clone());
    let (cmd, env) = match kind {
        NextKind::Standalone => {
            let env = standalone_env(&options, pkg, warnings);
            let cmd = vec!["node".to_string(), format!("{workdir}/server.js")];
            (Some(cmd), env)
        }
        NextKind::Start => {
            require_next_at_run_time(ws, pkg, n, section)?;
            if let Some(file) = &config.file {
                typescript_for_the_config(ws, pkg, n, file, section)?;
                let shipped: Vec<String> = copy.iter().chain(assets).cloned().collect();
                super::next_config_imports::check(ws, pkg, n, file, &shipped, section, warnings)?;
            }
            let mut cmd = vec![
                "node".to_string(),
                format!("{workdir}/node_modules/next/dist/bin/next"),
                "start".to_string(),
            ];
            cmd.extend(options);
            (Some(cmd), BTreeMap::new())
        }
        NextKind::Custom => {
            require_next_at_run_time(ws, pkg, n, section)?;
            (None, BTreeMap::new())
        }
    };
    let cmd = match (cmd, before) {
        (Some(cmd), Some((script, steps))) => {
            let steps = runnable_steps(ws, pkg, n, kind, script, steps, section)?;
            notes.push(format!(
                "Before the server, the CMD runs the steps of the `{script}` script: {}.{}",
                steps.join(" && "),
                if kind == NextKind::Standalone {
                    " They run in the standalone tree (its node_modules: only what `next build` traced)."
                } else {
                    ""
                }
            ));
            Some(with_steps(&steps, cmd))
        }
        (cmd, _) => cmd,
    };
    Ok(Some(NextPlan {
        context: NextContext {
            kind,
            dist_dir,
            app_prefix: if pkg.dir.is_empty() {
                String::new()
            } else {
                format!("{}/", pkg.dir)
            },
            public,
            notes,
        },
        cmd,
        copy,
        env,
    }))
}

/// The steps the start script runs before the server (`prisma migrate deploy && next
/// start`), with the script's name; `None` when it runs none.
fn steps_before(n: &NodePackage) -> Option<(&str, &[String])> {
    match &n.start {
        Some((script, StartCommand::Next { before, .. } | StartCommand::Node { before, .. }))
            if !before.is_empty() =>
        {
            Some((script.as_str(), before.as_slice()))
        }
        _ => None,
    }
}

/// The steps as the image's shell runs them (see [`super::steps`]); an error names each step
/// the image cannot run and why. The standalone output has no `node_modules` of the app's
/// own: a dependency's tool (`prisma migrate deploy`) is not in it.
fn runnable_steps(
    ws: &Workspace,
    pkg: &Package,
    n: &NodePackage,
    kind: NextKind,
    script: &str,
    steps: &[String],
    section: &str,
) -> Result<Vec<String>> {
    let mut ok = Vec::new();
    let mut problems = Vec::new();
    for step in steps {
        match super::steps::runnable(step, n, &pkg.manifest, section) {
            Ok(cmd) if kind == NextKind::Standalone && !super::steps::runs_node_file(&cmd) => {
                problems.push(format!("`{step}`: the standalone output ships only the node_modules `next build` traced for the server, so the image has no `{}` command; run it from a `node <file>` step of the app, drop `output: \"standalone\"` (`next start` ships the production install), or set `cmd` in {section} of isogen.toml", step_program(step)));
            }
            Ok(cmd) => ok.push(cmd),
            Err(why) => problems.push(format!("`{step}`: {why}")),
        }
    }
    if problems.is_empty() {
        return Ok(ok);
    }
    Err(Error::workspace(
        ws.root.join(&pkg.manifest),
        format!(
            "the `{script}` script of `{}` runs steps before Next.js that its image cannot run: {}",
            pkg.name,
            problems.join("; ")
        ),
    ))
}

/// The program of a step (`prisma` in `DATABASE_URL=x prisma migrate deploy`).
fn step_program(step: &str) -> &str {
    step.split_whitespace()
        .find(|w| !w.contains('='))
        .unwrap_or(step)
}

/// `cmd` after `steps`: `/bin/sh -c "<step> && ... && exec <cmd>"` (`exec`: the server
/// replaces the shell and gets the container's signals).
fn with_steps(steps: &[String], cmd: Vec<String>) -> Vec<String> {
    let server = shlex::try_join(cmd.iter().map(String::as_str)).unwrap_or_else(|_| cmd.join(" "));
    let line = format!("{} && exec {server}", steps.join(" && "));
    vec!["/bin/sh".into(), "-c".into(), line]
}

/// What the Dockerfile's comment says isogen assumed about how the app runs.
fn assumptions(
    n: &NodePackage,
    config: &NextConfig,
    config_name: &str,
    kind: NextKind,
) -> Vec<String> {
    let mut notes = Vec::new();
    if n.start.is_none() {
        notes.push("package.json has no start script: the image runs `next start`, which serves what `next build` made.".to_string());
    }
    // liam's docs app (Next 15, `next start`): an 861 MB image, with Next's SWC binaries,
    // `@swc/core`, `@sentry/cli` and esbuild from the production install; the standalone
    // output ships only what the server loads.
    if config.output == ConfigValue::Absent && kind == NextKind::Start {
        notes.push(format!("`next start` needs the app's whole production install: `next` with its SWC compiler binary for this platform (over 100 MB), and every production dependency and its native binaries, loaded by the server or not. For a smaller image set `output: \"standalone\"` in {config_name}: `next build` then traces the files the server loads and the image ships only those (regenerate after the change)."));
    }
    if config.output == ConfigValue::Computed && kind == NextKind::Start {
        notes.push(format!("{config_name} computes `output` when it runs: assumed not \"standalone\"; `next start` serves either build."));
    }
    if kind == NextKind::Standalone && config.tracing_root != ConfigValue::Absent {
        notes.push(format!("{config_name} sets `outputFileTracingRoot`: assumed to be the workspace root or the app folder (the build stops if server.js is elsewhere)."));
    }
    notes
}

/// Where `next build` writes: `.next`, or the config's `distDir` string.
fn dist_dir(config: &NextConfig, refuse: &dyn Fn(String) -> Error) -> Result<String> {
    Ok(match &config.dist_dir {
        ConfigValue::Absent => ".next".to_string(),
        ConfigValue::Literal(d) => {
            let d = d.trim().trim_start_matches("./").trim_end_matches('/');
            if d.is_empty() || !is_plain_path(d) || d.split('/').any(|s| s == "..") {
                return Err(refuse(format!(
                    "`distDir: {d:?}`: expected a folder inside the app, without spaces or quotes"
                )));
            }
            d.to_string()
        }
        ConfigValue::Computed => {
            return Err(refuse("`distDir` is computed when the config runs, so isogen cannot tell where `next build` writes; set it to a string, or add the app to `not_services` in [workspace] of isogen.toml".into()));
        }
    })
}

/// How the app runs, and the `next start` options of its start script; `None` when it runs
/// none of the ways of [`NextKind`] (a `next dev`, which the caller refuses). `command_set`:
/// isogen.toml sets `cmd` or `args` for the service.
fn kind(
    ws: &Workspace,
    pkg: &Package,
    n: &NodePackage,
    (config, dist_dir): (&NextConfig, &str),
    (section, command_set): (&str, bool),
    refuse: &dyn Fn(String) -> Error,
    warnings: &mut Vec<String>,
) -> Result<Option<(NextKind, Vec<String>)>> {
    let next_start = |options: &[String]| -> Result<(NextKind, Vec<String>)> {
        Ok(match &config.output {
            ConfigValue::Literal(o) if o == "export" => {
                return Err(refuse(format!("`output: \"export\"` makes static files (in `out/`) and no server: serve them with a web server image, and add `{}` to `not_services` in [workspace] of isogen.toml", pkg.name)));
            }
            ConfigValue::Literal(o) if o == "standalone" => {
                (NextKind::Standalone, options.to_vec())
            }
            _ => (NextKind::Start, options.to_vec()),
        })
    };
    Ok(Some(match &n.start {
        Some((_, StartCommand::Next { options, .. })) => next_start(options)?,
        Some((_, StartCommand::Node { file, .. }))
            if file.starts_with(&format!("{dist_dir}/standalone/")) =>
        {
            (NextKind::Standalone, Vec::new())
        }
        Some((_, StartCommand::Node { .. })) => (NextKind::Custom, Vec::new()),
        // `next start -p ${PORT:-3000}`: a shell isogen does not run.
        Some((script, StartCommand::Other))
            if n.scripts
                .get(script)
                .is_some_and(|t| t.contains("next start")) =>
        {
            let text = &n.scripts[script];
            // `next start --port ${PORT_PREFIX:-81}01`: the image does not set the variable,
            // so the shell would run `next start --port 8101`.
            if let Some((plain, expansions)) = with_defaults(text) {
                if let StartCommand::Next {
                    options, before, ..
                } = start_command(&plain)
                {
                    if before.is_empty() && !command_set {
                        warnings.push(format!(
                            "{}: the `{script}` script of `{}` runs `{}`; the image sets no variable of {}, so the shell would take {}: the image runs `{}`; set `args` in {section} of isogen.toml (the `next start` options, e.g. `args = [\"--port\", \"3000\"]`) or `env` to choose otherwise",
                            pkg.manifest,
                            pkg.name,
                            text,
                            expansions.join(", "),
                            if expansions.len() == 1 { "its default" } else { "their defaults" },
                            plain.trim(),
                        ));
                        return Ok(Some(next_start(&options)?));
                    }
                }
            }
            // `cmd` or `args` in isogen.toml say how it starts: `next start` with them.
            if command_set {
                return Ok(Some(next_start(&[])?));
            }
            return Err(Error::workspace(
                ws.root.join(&pkg.manifest),
                format!("the `{script}` script of `{}` runs `next start` through the shell (`{}`), which isogen does not read; write it as plain `next start [-p <port>] [-H <host>]` (`next start` reads `PORT` from the environment), after steps joined by `&&` if it has any (each a `node <file>` command, a dependency's tool such as `prisma migrate deploy`, or a script made of those), or set `args` (the `next start` options: `args = [\"--port\", \"3000\"]`) or `cmd` in {section} of isogen.toml", pkg.name, text),
            ));
        }
        // No start script, and `next build` builds it: Next's own way to serve that build.
        None if n.scripts.values().any(|t| t.contains("next build")) => {
            (NextKind::Start, Vec::new())
        }
        _ => return Ok(None),
    }))
}

/// `next start`'s options as the variables the standalone server.js reads instead: `-p` is
/// `PORT`, `-H` is `HOSTNAME`, `--keepAliveTimeout` is `KEEP_ALIVE_TIMEOUT`. Defaults as Next's
/// docs give them for containers: `PORT=3000`, `HOSTNAME=0.0.0.0` (a container runtime sets
/// `HOSTNAME` to the container's name, which server.js would otherwise listen on).
fn standalone_env(
    options: &[String],
    pkg: &Package,
    warnings: &mut Vec<String>,
) -> BTreeMap<String, String> {
    let mut env = BTreeMap::from([
        ("PORT".to_string(), "3000".to_string()),
        ("HOSTNAME".to_string(), "0.0.0.0".to_string()),
    ]);
    let mut words = options.iter();
    while let Some(w) = words.next() {
        let (name, inline) = match w.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (w.as_str(), None),
        };
        let var = match name {
            "-p" | "--port" => "PORT",
            "-H" | "--hostname" => "HOSTNAME",
            "--keepAliveTimeout" => "KEEP_ALIVE_TIMEOUT",
            _ => {
                warnings.push(format!("{}: the standalone server.js takes no `{w}` (a `next start` option); the image leaves it out", pkg.manifest));
                continue;
            }
        };
        if let Some(value) = inline.or_else(|| words.next().cloned()) {
            env.insert(var.to_string(), value);
        }
    }
    env
}

/// Warns when the Next.js server listens on a loopback address: the standalone server.js's
/// `HOSTNAME` (from `next start -H 127.0.0.1`, or isogen.toml's `env`), or `next start`'s
/// `-H`/`--hostname`. Next itself listens on every interface unless told otherwise, and isogen
/// gives server.js `HOSTNAME=0.0.0.0` (docker sets `HOSTNAME` to the container's id).
/// `configured`: isogen.toml's `env` sets `HOSTNAME` (its path and the service's section),
/// which is then what to change (cosmo's studio: `--force` carried a hand-written
/// Dockerfile's `ENV HOSTNAME localhost` there, and the warning named `-H` of package.json).
pub(super) fn warn_loopback(
    pkg: &Package,
    env: &BTreeMap<String, String>,
    cmd: &[String],
    configured: Option<(&std::path::Path, &str)>,
    warnings: &mut Vec<String>,
) {
    let flag = cmd.iter().enumerate().find_map(|(i, w)| {
        let (name, inline) = match w.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (w.as_str(), None),
        };
        let value = inline.or_else(|| cmd.get(i + 1).map(String::as_str));
        matches!(name, "-H" | "--hostname")
            .then_some(value)
            .flatten()
    });
    let host = match flag {
        Some(h) => Some((h, format!("`next start -H {h}`"))),
        None if cmd.iter().any(|w| w.ends_with("server.js")) => {
            (env.get("HOSTNAME")).map(|h| (h.as_str(), format!("server.js's `HOSTNAME={h}`")))
        }
        None => None,
    };
    let Some((host, how)) = host.filter(|(h, _)| crate::workspace::cargo::is_loopback(h)) else {
        return;
    };
    if let (Some((config, section)), None) = (configured, flag) {
        warnings.push(format!(
            "{}: `HOSTNAME = \"{host}\"` in `env` of {section} makes the Next.js server listen on `{host}` only: in a container that is the container's own loopback, so nothing outside it reaches the server (`docker run -p`, a Kubernetes Service, another container); set it to \"0.0.0.0\", or remove it (the image then listens on `0.0.0.0`)",
            config.display()
        ));
        return;
    }
    warnings.push(format!(
        "{}: the Next.js server listens on `{host}` only ({how}): in a container that is \
         the container's own loopback, so nothing outside it reaches the server (`docker \
         run -p`, a Kubernetes Service, another container); drop `-H {host}` from the \
         start script (the image then listens on `0.0.0.0`) or set `HOSTNAME = \"0.0.0.0\"` \
         in `env` of isogen.toml",
        pkg.manifest
    ));
}

/// `next start` and a custom server load `next` from the production install: it must be a
/// `dependency`, not a `devDependency` the install leaves out.
/// Next.js 15.0 to 16.1 load a `next.config.ts` under `next start` through the `typescript`
/// package (their `transpile-config.js` resolves it from the app folder to read tsconfig.json,
/// and tries to `npm install` it when it is missing, which fails in the image: "Failed to load
/// next.config.ts"); Next 16.2 reads tsconfig.json without it (read in the packages on npm:
/// 16.1.7 still calls `verifyTypeScriptSetup`, 16.2.0 has `loadTsConfig`). So such an app whose config is
/// TypeScript needs `typescript` among its production dependencies, as TypeScript apps
/// rarely have it (a devDependency): refused with the fixes. The version is the lockfile's.
fn typescript_for_the_config(
    ws: &Workspace,
    pkg: &Package,
    n: &NodePackage,
    config_name: &str,
    section: &str,
) -> Result<()> {
    use crate::workspace::DepKind;
    if ![".ts", ".mts", ".cts"]
        .iter()
        .any(|e| config_name.ends_with(e))
    {
        return Ok(());
    }
    let locked = |key: &str| {
        let d = n.deps.iter().find(|d| d.key == key)?;
        let pnpm = ws.pnpm.as_ref()?;
        pnpm.locked_version(&pkg.dir, key, &d.spec)
    };
    let Some(version) = locked("next") else {
        return Ok(());
    };
    let mut parts = (version.split(['.', '-']))
        .take(2)
        .map(|p| p.parse::<u32>().ok());
    let (Some(Some(major)), Some(Some(minor))) = (parts.next(), parts.next()) else {
        return Ok(());
    };
    // Next 15.0 to 16.1 resolve `typescript` to read tsconfig.json; 16.2 reads it itself.
    if !(major == 15 || (major == 16 && minor < 2)) {
        return Ok(());
    }
    let runtime = (n.deps.iter())
        .any(|d| d.key == "typescript" && matches!(d.kind, DepKind::Normal | DepKind::Optional));
    if runtime {
        return Ok(());
    }
    Err(Error::workspace(
        ws.root.join(&pkg.dir).join(config_name),
        format!(
            "Next.js {version} loads {config_name} under `next start` through the `typescript` package (to read tsconfig.json), but `typescript` is not in the `dependencies` of {} (the image's production install leaves it out; Next tries to `npm install` it at start, and the server stops with \"Failed to load {config_name}\"): `{}` is refused; fix one of: move `typescript` to `dependencies`, write the config as next.config.mjs, use `output: \"standalone\"` (its server does not load the config), or upgrade to Next.js 16.2 or later (which reads tsconfig.json without it); {section} of isogen.toml can set `entry` for another way to start it",
            pkg.manifest, pkg.name
        ),
    ))
}

fn require_next_at_run_time(
    ws: &Workspace,
    pkg: &Package,
    n: &NodePackage,
    section: &str,
) -> Result<()> {
    use crate::workspace::DepKind;
    let runtime = n
        .deps
        .iter()
        .any(|d| d.key == "next" && matches!(d.kind, DepKind::Normal | DepKind::Optional));
    if runtime {
        return Ok(());
    }
    Err(Error::workspace(
        ws.root.join(&pkg.manifest),
        format!(
            "`{}` runs `next` when it starts, but `next` is not in its `dependencies` (the image's production install leaves devDependencies out); move it to `dependencies`, or use `output: \"standalone\"` in its Next.js config ({section} of isogen.toml can set `entry` for another way to start it)",
            pkg.name
        ),
    ))
}
