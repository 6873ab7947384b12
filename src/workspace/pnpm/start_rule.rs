//! The default rule for which pnpm packages are services: a package whose parent folder is
//! `services` or `apps` (at any depth), or a package anywhere in the workspace whose scripts
//! start it in production (`start`, `start:prod`, ... running `node <file>`, `next start` (under
//! any script name: `console:start`), a node `#!` launcher of the package (its own `bin` only
//! with a server subcommand: `cd bin && ./run start`; see `launcher`) or a
//! shell script of the package, several `start:*` processes, or a runtime isogen names when it
//! refuses it). A package with no
//! start command stays a library (an internal package when others depend on it). In
//! `services/` or `apps/`, a package with no start command at all is still not a service when
//! it is plainly something else: a library (its package.json names `types`, as an SDK
//! published from `apps/sdk` does) or a command-line tool (a `bin`, and its folder or package
//! name says `cli`, `ctl`, `tool`, ... as for Cargo binaries), or nothing `node` could run
//! (no `main`, `exports` or `bin`: a browser extension, a static site, a single-page app) and
//! neither its `build` nor its `dev` script shows a Node server (`tsx watch src/server.ts`,
//! `tsup`, `tsc` without a front-end tool): that one stays a service `generate` refuses with
//! the fixes, unless its folder holds a `vercel.json` (Vercel builds and serves it: its
//! `build` running `node scripts/build.js` is a build step). A Next.js app there with no
//! start script stays a service (it runs `next start`).
//! A static front end (its start script runs `vite preview`, `serve -s dist`, ...: see
//! `front_end`) is never a service, wherever it lies, nor is an AWS Lambda handler nothing
//! starts (see `lambda`).
//!
//! Pure: it reads the model discovery already built, never the disk.

use super::StartCommand;
use crate::workspace::Package;

/// Why the default rule makes `package` a service, or `None` when it does not.
pub fn service_reason(package: &Package) -> Option<String> {
    if super::front_end::static_front_end(package).is_some() {
        return None;
    }
    if (package.node.as_ref()).is_some_and(|n| super::lambda::reason(n).is_some()) {
        return None;
    }
    if let Some(parent) = parent_folder(&package.dir) {
        if package
            .node
            .as_ref()
            .is_some_and(|n| not_started(n) && plainly_not_a_service(package, n))
        {
            return None;
        }
        return Some(format!("its folder is in `{parent}/`"));
    }
    let node = package.node.as_ref()?;
    if node.processes.len() > 1 {
        let names: Vec<&str> = node.processes.iter().map(|(s, _)| s.as_str()).collect();
        return Some(format!("its scripts {} each run node", names.join(", ")));
    }
    match &node.start {
        // A command-line tool whose start script runs its own `bin`, or runs the package
        // itself (`node .`) when it has a `bin` (which then wraps `main`): not a service.
        Some((_, StartCommand::Node { file, .. })) if runs_bin(node, file) => None,
        Some((script, StartCommand::Node { .. }))
            if node.bin.is_some() && runs_itself(node, script) =>
        {
            None
        }
        Some((script, StartCommand::Node { file, .. })) => {
            Some(format!("its `{script}` script runs `node {file}`"))
        }
        Some((script, StartCommand::Next { .. })) => Some(format!(
            "its `{script}` script runs `next start` (a Next.js app)"
        )),
        Some((script, StartCommand::ShellScript { script: file, .. })) => Some(format!(
            "its `{script}` script runs the shell script `{file}`"
        )),
        Some((script, StartCommand::PackageFile { file, args, .. })) => {
            let subcommand = super::launcher::serves(node)?;
            let through = super::started_tool::through_run_script_os(node, script);
            Some(if subcommand.is_empty() {
                format!("its `{script}` script{through} runs `{file}`, a node `#!` file")
            } else {
                format!(
                    "its `{script}` script{through} runs its `bin` launcher `{file} {}` (a node \
                     `#!` file) with the server subcommand `{subcommand}`",
                    args.join(" ")
                )
            })
        }
        Some((script, StartCommand::Unsupported(kind))) => {
            Some(format!("its `{script}` script starts a {kind} app"))
        }
        _ => None,
    }
}

/// Whether no script of the package starts it: no start-like script, no `start:*` processes.
fn not_started(node: &super::NodePackage) -> bool {
    node.start.is_none() && node.processes.is_empty()
}

/// Whether a package nothing starts is, by its manifest, a library ([`library_reason`]), a
/// command-line tool ([`cli_name`]), or has nothing `node` could run at all (no `main`,
/// `exports` or `bin`: a browser extension, a static site, a single-page app).
fn plainly_not_a_service(package: &Package, node: &super::NodePackage) -> bool {
    library_reason(node).is_some()
        || (node.bin.is_some() && cli_name(package).is_some())
        || (node.service_entry().is_none()
            && node.next.is_none()
            && (!builds_a_server(node) || vercel_deployed(node)))
}

/// Whether the package's folder holds a `vercel.json` (Vercel's project config): a package
/// nothing starts, with nothing `node` could run, that Vercel builds and serves (liam's
/// `frontend/apps/assets`, whose `build` is `node scripts/build.js` writing `.vercel/output`,
/// and `erd-sample`, whose `build` runs another package's CLI into `dist`). Its `build`
/// running `node <file>` is then a build step, not a server.
fn vercel_deployed(node: &super::NodePackage) -> bool {
    node.folder
        .top_level
        .iter()
        .any(|e| e.name == "vercel.json")
}

/// Programs whose build is a front end (static files, a browser bundle), never a Node server.
const FRONT_END_TOOLS: &[&str] = &[
    "vite",
    "astro",
    "webpack",
    "parcel",
    "plasmo",
    "wxt",
    "react-scripts",
    "ng",
    "nuxt",
    "svelte-kit",
    "expo",
    "gatsby",
    "docusaurus",
];

/// Programs that run or build a Node server's TypeScript or JavaScript.
const SERVER_TOOLS: &[&str] = &[
    "tsx",
    "ts-node",
    "ts-node-dev",
    "nodemon",
    "node",
    "tsc",
    "tsup",
    "tsdown",
    "esbuild",
];

/// Whether the `build` and `dev` scripts of a package with no entry show a Node server (it
/// runs `tsx watch src/server.ts` in development, or builds with tsc/tsup/tsdown and no
/// front-end tool): a service whose manifest lacks its entry, refused with the fixes, not a
/// front end.
pub(super) fn builds_a_server(node: &super::NodePackage) -> bool {
    let words = |name: &str| -> Vec<&str> {
        node.scripts.get(name).map_or(Vec::new(), |text| {
            text.split(|c: char| c.is_whitespace() || "&;|".contains(c))
                .filter(|w| !w.is_empty())
                .collect()
        })
    };
    let (build, dev) = (words("build"), words("dev"));
    let front_end = build
        .iter()
        .chain(&dev)
        .any(|w| FRONT_END_TOOLS.contains(w));
    !front_end && build.iter().chain(&dev).any(|w| SERVER_TOOLS.contains(w))
}

/// Why a package that no script starts is not a service, when its manifest says more than
/// "no start command": a Next.js app with no `next start` script (built and deployed
/// elsewhere, as on Vercel), or a package in `apps/` or `services/` with nothing `node` could
/// run (no `main`, `exports` or `bin`). `None` otherwise.
pub fn nothing_starts_reason(package: &Package) -> Option<String> {
    let node = package.node.as_ref().filter(|n| not_started(n))?;
    if node.next.is_some() {
        let build = match node.scripts.get("build") {
            Some(b) if b.contains("next build") => " (its `build` runs `next build`)",
            _ => "",
        };
        return Some(format!(
            "a Next.js app with no `next start` script{build}: nothing starts it in \
             production; to make it a service add `\"start\": \"next start\"` to its \
             package.json scripts, or list it in [workspace] services of isogen.toml (the image \
             then runs `next start`)"
        ));
    }
    let nothing_to_run = node.service_entry().is_none();
    if parent_folder(&package.dir).is_none() || !nothing_to_run {
        return None;
    }
    if vercel_deployed(node) {
        return Some(
            "nothing starts it: no start script, `main` or `bin`, and its vercel.json says \
             Vercel builds and serves it; [workspace] services of isogen.toml makes it a \
             service"
                .to_string(),
        );
    }
    (!builds_a_server(node)).then(|| {
        "nothing starts it: no start script, `main` or `bin`; [workspace] services of \
         isogen.toml makes it a service"
            .to_string()
    })
}

/// Why a package in `apps/` or `services/` that nothing starts is a library: its
/// package.json names type declarations, so it is meant to be imported.
pub fn library_reason(node: &super::NodePackage) -> Option<String> {
    (not_started(node) && node.declares_types).then(|| {
        "a library: no start command, and its package.json names type declarations (`types`); \
         [workspace] services of isogen.toml makes it a service"
            .to_string()
    })
}

/// The folder or package name (its last segment) of `package` that says it is a
/// command-line tool (`cli`, `acme-cli`, `ctl`, `tools`: the Cargo binaries' rule).
pub fn cli_name(package: &Package) -> Option<&str> {
    let folder = package.dir.rsplit('/').next().unwrap_or(&package.dir);
    let name = package.name.rsplit('/').next().unwrap_or(&package.name);
    [folder, name]
        .into_iter()
        .find(|n| crate::workspace::cargo::services::tool_name(n))
}

/// Whether `file` (a start script's) is the package's own `bin` command.
fn runs_bin(node: &super::NodePackage, file: &str) -> bool {
    let clean = |f: &str| {
        f.trim_start_matches("./")
            .trim_end_matches(".js")
            .to_string()
    };
    node.bin.as_deref().is_some_and(|b| clean(b) == clean(file))
}

/// Whether the script named `script` is `node .` (behind env assignments and wrappers).
fn runs_itself(node: &super::NodePackage, script: &str) -> bool {
    node.scripts.get(script).is_some_and(|text| {
        matches!(super::start_command(text), StartCommand::Node { file, .. } if file == super::start_script::PACKAGE_ITSELF)
    })
}

/// `services` or `apps` when that is the name of the folder holding `dir`.
fn parent_folder(dir: &str) -> Option<&'static str> {
    let mut parts = dir.rsplit('/');
    let _own = parts.next();
    match parts.next() {
        Some("services") => Some("services"),
        Some("apps") => Some("apps"),
        _ => None,
    }
}
