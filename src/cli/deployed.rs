//! A pnpm package the default rule leaves out (no start command isogen reads, used by another
//! package, a tool) whose own folder holds a hand-written Dockerfile that runs it with Node:
//! cosmo's `admission-server` and `cdn-server` (`dev: tsx watch`, `CMD ["node", "dist",
//! "index.js"]`), electric's `agents-server` (a devDependency of its conformance tests,
//! `ENTRYPOINT ["node", "dist/entrypoint.js"]`). The repository deploys it, so `generate`
//! names it in the first run with the settings that make it a service (or silence this),
//! instead of leaving a deployed service without a Dockerfile and without a word.
//!
//! It reads only the Dockerfiles directly in the package's folder (not the root's, which may
//! build anything) and counts only those whose final stage runs `node` or a package manager
//! (an Elixir or Rust image beside a package.json of front-end tooling is not a Node
//! service), and not one whose `pnpm deploy --filter` selects another package (papra's
//! `packages/app/Dockerfile` deploys `@papra/app-server`: its image runs that one); it
//! writes nothing.

use std::path::Path;

use isogen::config::Config;
use isogen::generate::carry::stage::{self, Form, What};
use isogen::generate::write;
use isogen::workspace::roles::{self, Role};
use isogen::workspace::{Ecosystem, Workspace};

/// Programs whose command runs a Node package.
const NODE_PROGRAMS: &[&str] = &["node", "nodejs", "npm", "pnpm", "yarn", "npx", "tsx"];

/// One warning per package left out by the default rule whose folder's hand-written
/// Dockerfile runs it with Node.
pub fn warnings(root: &Path, ws: &Workspace, config: &Config) -> isogen::Result<Vec<String>> {
    let rows = roles::roles(ws, &config.workspace)?;
    let mut out = Vec::new();
    for (package, row) in ws.packages.iter().zip(&rows) {
        if package.ecosystem != Ecosystem::Pnpm
            || package.dir.is_empty()
            || matches!(row.role, Role::Service | Role::Refused)
            || row.excluded
        {
            continue;
        }
        let Some((path, line, argv, workdir)) = node_dockerfile(root, &package.dir) else {
            continue;
        };
        // papra's `packages/app/Dockerfile` builds `pnpm deploy --filter=@papra/app-server`:
        // its image runs that package (a service with its own Dockerfile), not this one.
        if deployed_package(root, &path).is_some_and(|f| selects_another(ws, &package.dir, &f)) {
            continue;
        }
        let name = package.folder_name();
        let entry = match entry_of(&argv, &workdir, &package.dir) {
            Some((file, args)) if args.is_empty() => format!("`entry = \"{file}\"`"),
            // powersync's `ENTRYPOINT ["node", "service/lib/entry.js"]` + `CMD ["start"]`:
            // without `start` the service prints its usage and exits.
            Some((file, args)) => format!(
                "`entry = \"{file}\"` and `args = [{}]`",
                args.iter()
                    .map(|a| format!("{a:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            None => "`entry` (the file its command runs) or `cmd`".to_string(),
        };
        out.push(format!(
            "{path} is a hand-written Dockerfile whose image runs package `{}` (line {line}: \
             `{}`), so the repository deploys it, but isogen makes it no service ({}: {}) and \
             writes no Dockerfile for it: if it is a service, list it with the other services \
             in [workspace] services of isogen.toml (that list replaces the default rule) and \
             set {entry} in [generate.services.{name}]; if it is not, add it to [workspace] \
             not_services to silence this",
            package.name,
            argv.join(" "),
            row.role.label(),
            row.reason,
        ));
    }
    Ok(out)
}

/// The first hand-written Dockerfile directly in `dir` whose final stage runs a Node program:
/// (its path, the line of its command, the command, the final working directory).
fn node_dockerfile(root: &Path, dir: &str) -> Option<(String, usize, Vec<String>, String)> {
    let entries = isogen::fsio::read_dir(root.join(dir)).ok()?;
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter(|n| super::elsewhere::is_dockerfile_name(n))
        .collect();
    names.sort();
    names.into_iter().find_map(|name| {
        let rel = format!("{dir}/{name}");
        let bytes = isogen::fsio::read(root.join(&rel)).ok()?;
        let text = String::from_utf8_lossy(&bytes);
        if write::has_header(&text) {
            return None;
        }
        let (line, argv, workdir) = command(&text)?;
        let program = argv.first()?.rsplit('/').next()?.to_string();
        NODE_PROGRAMS
            .contains(&program.as_str())
            .then_some((rel, line, argv, workdir))
    })
}

/// The package a `RUN pnpm ... deploy` of the Dockerfile at `path` selects with `--filter`
/// (`pnpm deploy --filter=@papra/app-server --prod /prod/server`), in any stage.
fn deployed_package(root: &Path, path: &str) -> Option<String> {
    let bytes = isogen::fsio::read(root.join(path)).ok()?;
    let text = String::from_utf8_lossy(&bytes);
    let file = parse_dockerfile::parse(&text).ok()?;
    file.instructions.iter().find_map(|i| match i {
        parse_dockerfile::Instruction::Run(run) => match &run.arguments {
            parse_dockerfile::Command::Shell(shell) => deploy_filter(shell.value),
            _ => None,
        },
        _ => None,
    })
}

/// Whether the pnpm filter `filter` (a name, `./folder` or `{folder}`, from the root)
/// selects a workspace package other than the one in `dir`.
fn selects_another(ws: &Workspace, dir: &str, filter: &str) -> bool {
    let folder = filter
        .trim_start_matches('{')
        .trim_end_matches('}')
        .trim_start_matches("./")
        .trim_end_matches('/');
    ws.packages
        .iter()
        .any(|q| q.dir != dir && !q.dir.is_empty() && (q.name == filter || q.dir == folder))
}

/// The `--filter` of a `pnpm ... deploy` command in the shell line `shell` (continuations
/// joined; commands split at `&&`, `||`, `;`).
fn deploy_filter(shell: &str) -> Option<String> {
    let words = shlex::split(&shell.replace("\\\n", " "))?;
    words
        .split(|w| matches!(w.as_str(), "&&" | "||" | ";"))
        .filter(|cmd| {
            cmd.first()
                .is_some_and(|p| p.rsplit('/').next() == Some("pnpm"))
        })
        .filter(|cmd| cmd.iter().any(|w| w == "deploy"))
        .find_map(|cmd| {
            let mut it = cmd.iter();
            while let Some(w) = it.next() {
                let value = match w.strip_prefix("--filter=") {
                    Some(v) => Some(v.to_string()),
                    None if w == "--filter" || w == "-F" => it.next().cloned(),
                    None => None,
                };
                if let Some(v) = value {
                    return Some(v.trim_end_matches("...").to_string());
                }
            }
            None
        })
}

/// The final stage's command (`ENTRYPOINT` then `CMD`, each as a list; a shell form split on
/// spaces), the line of its last part, and the final `WORKDIR`.
fn command(text: &str) -> Option<(usize, Vec<String>, String)> {
    let last = stage::final_stage(text).ok()?;
    let mut workdir = "/".to_string();
    let (mut entry, mut cmd) = (None, None);
    for found in &last.found {
        match &found.what {
            What::Workdir(w) if w.starts_with('/') => workdir = w.clone(),
            What::Workdir(w) => workdir = format!("{}/{w}", workdir.trim_end_matches('/')),
            What::Entrypoint(form) => entry = Some((found.line, words(form))),
            What::Cmd(form) => cmd = Some((found.line, words(form))),
            _ => {}
        }
    }
    let line = cmd.as_ref().or(entry.as_ref())?.0;
    let argv = [entry, cmd]
        .into_iter()
        .flatten()
        .flat_map(|c| c.1)
        .collect();
    Some((line, argv, workdir))
}

fn words(form: &Form) -> Vec<String> {
    match form {
        Form::Exec(list) => list.clone(),
        Form::Shell(line) => line.split_whitespace().map(str::to_string).collect(),
    }
}

/// The script `node <options> <file> <args>` runs, relative to the package folder `dir`, and
/// the arguments after it: a `.js`, `.mjs` or `.cjs` file, or the `index.js` of a folder
/// (`node dist`, as Node loads it when no `dist.js` exists). The path is taken relative to
/// the Dockerfile's working directory, then to the package folder when it starts with it (a
/// Dockerfile that copies the whole workspace to `/app` and runs `node service/lib/entry.js`
/// from there, as powersync's `service/Dockerfile`).
fn entry_of(argv: &[String], workdir: &str, dir: &str) -> Option<(String, Vec<String>)> {
    if argv.first()?.rsplit('/').next()? != "node" {
        return None;
    }
    let mut args = argv[1..].iter();
    let file = loop {
        let a = args.next()?;
        if isogen::workspace::pnpm::start_script::NODE_VALUE_OPTIONS.contains(&a.as_str()) {
            args.next();
        } else if !a.starts_with('-') {
            break a;
        }
    };
    let mut args = args.peekable();
    let last = file.rsplit('/').next().unwrap_or(file);
    let file = if last.contains('.') {
        if ![".js", ".mjs", ".cjs"].iter().any(|x| file.ends_with(x)) {
            return None;
        }
        file.clone()
    } else {
        // `node dist`: Node loads the folder's index.js (cosmo's `node dist index.js`, whose
        // `index.js` reads as part of the path, not as an argument).
        args.next_if(|a| *a == "index.js");
        format!("{}/index.js", file.trim_end_matches('/'))
    };
    let file = match file.strip_prefix(&format!("{}/", workdir.trim_end_matches('/'))) {
        Some(inside) => inside,
        None if file.starts_with('/') => return None,
        None => file.trim_start_matches("./"),
    };
    let file = file.strip_prefix(&format!("{dir}/")).unwrap_or(file);
    Some((file.to_string(), args.cloned().collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_final_stage_command_and_the_file_node_runs() {
        let text = "FROM node:22 AS build\nCMD [\"node\", \"build.js\"]\n\nFROM node:22-slim\n\
                    WORKDIR /prod\nWORKDIR agents-server\nENTRYPOINT [\"node\", \"dist/entrypoint.js\"]\n";
        let (line, argv, workdir) = command(text).unwrap();
        assert_eq!((line, workdir.as_str()), (7, "/prod/agents-server"));
        let exec = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let found = |file: &str, args: &[&str]| Some((file.to_string(), exec(args)));
        assert_eq!(
            entry_of(&argv, &workdir, "packages/agents-server"),
            found("dist/entrypoint.js", &[])
        );
        assert_eq!(
            entry_of(&exec(&["node", "dist", "index.js"]), "/app", "cdn-server"),
            found("dist/index.js", &[])
        );
        assert_eq!(entry_of(&exec(&["node", "server.ts"]), "/app", "x"), None);
        assert_eq!(
            entry_of(
                &exec(&["node", "-r", "dotenv/config", "/app/lib/main.mjs"]),
                "/app",
                "apps/api"
            ),
            found("lib/main.mjs", &[])
        );
        assert_eq!(entry_of(&exec(&["pnpm", "start"]), "/app", "x"), None);
        // powersync: the whole workspace at /app, `ENTRYPOINT ["node", "service/lib/entry.js"]`
        // and `CMD ["start"]`: the file inside the package `service`, and its argument.
        assert_eq!(
            entry_of(
                &exec(&["node", "service/lib/entry.js", "start"]),
                "/app",
                "service"
            ),
            found("lib/entry.js", &["start"])
        );
    }

    #[test]
    fn the_package_a_pnpm_deploy_selects() {
        assert_eq!(
            deploy_filter("pnpm i && pnpm deploy --filter=@papra/app-server --legacy --prod /p")
                .as_deref(),
            Some("@papra/app-server")
        );
        assert_eq!(
            deploy_filter("pnpm --filter \"api...\" --prod \\\n  deploy /out").as_deref(),
            Some("api")
        );
        assert_eq!(deploy_filter("pnpm --filter api run build"), None);
        assert_eq!(deploy_filter("npm run deploy --filter x"), None);
    }
}
