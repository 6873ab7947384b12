//! A service whose start script runs a shell script of its package (`sh ./entrypoint.sh`):
//! the image ships the script and runs it as `pnpm start` would, with its shell (`/bin/sh`,
//! or `/bin/bash` when the start script or the `#!` line says bash; the default Node image has
//! both) from the service folder, and with the service's `node_modules/.bin` first on `PATH`
//! (`pnpm run` puts it there, so `prisma migrate deploy` finds the local bin). The `node` file
//! the script ends with (`exec node dist/main.js`) is the service's entry, so its build output
//! ships; migration folders its steps name ship too (see `runfiles`).
//!
//! A script isogen cannot read (no `exec node <file>` at the end, or a line it cannot follow)
//! is refused with the file and line; so is a step that cannot work in the image: a tool that
//! is only a devDependency or no dependency (`npx` would download it at every start), `pnpm`
//! or `yarn` (not in the runtime image). A program it does not know is a warning. It never
//! reads the disk (discovery read the script).

use crate::error::{Error, Result};
use crate::workspace::pnpm::entry_script::SHELL_PROGRAMS;
use crate::workspace::pnpm::{EntryScript, NodePackage, ScriptCommand, ScriptShape};
use crate::workspace::{DepKind, Package, Workspace};

/// `PATH` of the official Node images.
const IMAGE_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// What the image runs for a service started by a shell script.
pub(super) struct ScriptPlan {
    /// `["/bin/sh", "<workdir>/entrypoint.sh", args...]`.
    pub cmd: Vec<String>,
    /// The path of the service's folder to ship for the script (its first segment).
    pub copy: String,
    /// `PATH` with the service's `node_modules/.bin` first.
    pub path: String,
}

/// The plan of a service whose start script runs `script`; an error names the script's file
/// (and line) when it cannot run in the image.
pub(super) fn plan(
    ws: &Workspace,
    pkg: &Package,
    n: &NodePackage,
    script: &EntryScript,
    workdir: &str,
    section: &str,
    warnings: &mut Vec<String>,
) -> Result<ScriptPlan> {
    let file = crate::workspace::relpath::child(&pkg.dir, &script.path);
    let path = ws.root.join(&file);
    let shape = readable(script, &file, section).map_err(|m| Error::workspace(&path, m))?;
    let mut problems = Vec::new();
    for step in &shape.steps {
        match check_step(step, n, &pkg.manifest) {
            Ok(None) => {}
            Ok(Some(warning)) => warnings.push(format!("{file}:{}: {warning}", step.line)),
            Err(problem) => problems.push(format!("line {}: {problem}", step.line)),
        }
    }
    if !problems.is_empty() {
        return Err(Error::workspace(
            &path,
            format!(
                "the service's start script runs {file}, and the image cannot run it: {}; or set `cmd` in {section} of isogen.toml",
                problems.join("; ")
            ),
        ));
    }
    if !shape.exec {
        warnings.push(format!(
            "{file}: the script runs node without `exec`, so the shell stays the container's first process and node does not get its stop signal; write `exec node ...`"
        ));
    }
    let shell = format!("/bin/{}", script.shell);
    let mut cmd = vec![shell, format!("{workdir}/{}", script.path)];
    cmd.extend(script.args.iter().cloned());
    Ok(ScriptPlan {
        cmd,
        copy: script
            .path
            .split('/')
            .next()
            .unwrap_or(&script.path)
            .to_string(),
        path: format!("{workdir}/node_modules/.bin:{IMAGE_PATH}"),
    })
}

/// The script's shape when it ends with a `node` service and every line was read; else the
/// reason, with the fix.
pub(super) fn readable<'a>(
    script: &'a EntryScript,
    file: &str,
    section: &str,
) -> std::result::Result<&'a ScriptShape, String> {
    let fix = format!("or set `cmd` in {section} of isogen.toml");
    let shape = script.shape.as_ref().map_err(|e| {
        format!("the service's start script runs {file}, which cannot be read ({e})")
    })?;
    if let Some((line, text)) = shape.unread.first() {
        return Err(format!(
            "line {line}: isogen cannot read `{text}` without running a shell (it reads one plain command per line, ending with `exec node <file>`): the image would run a script isogen cannot check; simplify the script, {fix}"
        ));
    }
    if shape.service.is_none() {
        return Err(format!(
            "the script does not end with `exec node <file>`, so isogen cannot tell what the service runs; end it with `exec node <the built file>`, {fix}"
        ));
    }
    Ok(shape)
}

/// Whether one step can run in the image: `Ok(None)` yes, `Ok(Some(warning))` isogen cannot
/// tell, `Err(problem)` no.
fn check_step(
    step: &ScriptCommand,
    n: &NodePackage,
    manifest: &str,
) -> std::result::Result<Option<String>, String> {
    let assignments = step.words.iter().take_while(|w| w.contains('=')).count();
    let words = &step.words[assignments..];
    let Some(program) = words.first() else {
        return Ok(None);
    };
    let tool = match program.as_str() {
        "node" | "exec" => return Ok(None),
        p if SHELL_PROGRAMS.contains(&p) => return Ok(None),
        "pnpm" | "yarn" | "bun" | "bunx" | "pnpx" => {
            return Err(format!(
                "`{}` runs {program}, which the runtime image does not have; run the built file with `node`, or the tool itself (the service's node_modules/.bin is on PATH)",
                words.join(" ")
            ))
        }
        "npm" if words.get(1).map(String::as_str) != Some("exec") => {
            return Err(format!(
                "`{}` runs an npm script, and the package.json files the image ships keep no scripts; run the built file with `node`, or the tool itself (the service's node_modules/.bin is on PATH)",
                words.join(" ")
            ))
        }
        "npx" | "npm" => {
            let skip = if program == "npx" { 1 } else { 2 };
            let rest = &words[skip..];
            if rest.iter().any(|w| w == "--yes" || w == "-y") {
                return Err(format!(
                    "`{}` lets npx download a package when the container starts; make it a dependency and drop `--yes`",
                    words.join(" ")
                ));
            }
            rest.iter().find(|w| !w.starts_with('-'))
        }
        p if p.contains('/') => {
            return Ok(Some(format!(
                "`{p}`: isogen does not check that the image has this file (it ships the package's `files`, or its build output)"
            )))
        }
        _ => Some(program),
    };
    let Some(tool) = tool else {
        return Ok(None);
    };
    let dep = super::steps::package_of_bin(tool);
    match n.deps.iter().find(|d| d.key == dep).map(|d| d.kind) {
        Some(DepKind::Normal | DepKind::Optional) => Ok(None),
        Some(DepKind::Dev) => Err(format!(
            "`{}` needs `{dep}`, a devDependency in {manifest}: the image installs only dependencies (and `npx` would download it at every start); move `{dep}` to dependencies",
            words.join(" ")
        )),
        _ if program == "npx" => Err(format!(
            "`{}`: `{dep}` is not among the dependencies in {manifest}, so npx would download it when the container starts; add `{dep}` to dependencies",
            words.join(" ")
        )),
        _ => Ok(Some(format!(
            "`{}`: isogen cannot tell whether the image has `{tool}` (it is no dependency in {manifest})",
            words.join(" ")
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::check_step;
    use crate::workspace::pnpm::{DeclaredDep, NodePackage, ScriptCommand};
    use crate::workspace::DepKind;

    fn step(line: &str) -> ScriptCommand {
        ScriptCommand {
            line: 3,
            words: shlex::split(line).unwrap(),
        }
    }

    #[test]
    fn steps_run_refuse_or_warn_by_what_the_image_has() {
        let dep = |key: &str, kind| DeclaredDep {
            kind,
            key: key.into(),
            spec: "1.0.0".into(),
            catalog_range: None,
            internal: None,
        };
        let n = NodePackage {
            deps: vec![
                dep("prisma", DepKind::Normal),
                dep("drizzle-kit", DepKind::Dev),
            ],
            ..NodePackage::default()
        };
        let m = "apps/api/package.json";
        for ok in [
            "node dist/migrate.js",
            "npx prisma migrate deploy",
            "prisma migrate deploy",
            "npm exec prisma migrate deploy",
            "export PORT=3000",
            "DEBUG=1 echo hi",
        ] {
            assert_eq!(check_step(&step(ok), &n, m), Ok(None), "{ok}");
        }
        for (no, why) in [
            (
                "npx drizzle-kit migrate",
                "a devDependency in apps/api/package.json",
            ),
            ("npx knex migrate:latest", "npx would download it"),
            ("npx --yes prisma migrate deploy", "download a package"),
            (
                "pnpm exec prisma migrate deploy",
                "runtime image does not have",
            ),
            ("yarn migrate", "runtime image does not have"),
            ("npm run migrate", "keep no scripts"),
        ] {
            let err = check_step(&step(no), &n, m).unwrap_err();
            assert!(err.contains(why), "{no}: {err}");
        }
        let warning = check_step(&step("wait-for-it db:5432"), &n, m).unwrap();
        assert!(
            warning.is_some_and(|w| w.contains("cannot tell whether the image has `wait-for-it`"))
        );
    }
}
