//! The steps a start script runs before the service (`prisma migrate deploy && node
//! dist/main.js`), as the image's CMD can run them: a `node` step as written; a dependency's
//! command-line tool as `node` on the file its `bin` names, inside the service's
//! `node_modules` (`node node_modules/prisma/build/index.js migrate deploy`), never `npx`
//! (which downloads what is not installed). A tool runs only when its package is a
//! production dependency of the service (the image installs nothing else) and isogen knows
//! the file of its `bin` ([`KNOWN_TOOLS`]: the image cannot be asked at generate time, and
//! `verify` checks that the file is there).
//!
//! Pure: it reads the package facts, never the disk.

use crate::workspace::pnpm::NodePackage;
use crate::workspace::shell::is_assignment;
use crate::workspace::DepKind;

/// Command-line tools a start script runs before the service, by `bin` name: the package
/// that has it and the file that `bin` names (from each package's package.json).
const KNOWN_TOOLS: &[(&str, &str, &str)] = &[
    ("prisma", "prisma", "build/index.js"),
    ("drizzle-kit", "drizzle-kit", "bin.cjs"),
    ("knex", "knex", "bin/cli.js"),
    ("typeorm", "typeorm", "cli.js"),
    ("sequelize", "sequelize-cli", "lib/sequelize"),
    ("sequelize-cli", "sequelize-cli", "lib/sequelize"),
    ("migrate-mongo", "migrate-mongo", "bin/migrate-mongo.js"),
];

/// The package whose `bin` is the command `bin`: the known one, else the package of that
/// name (`prisma`, `drizzle-kit`: a tool's bin is usually named after its package).
pub(super) fn package_of_bin(bin: &str) -> &str {
    KNOWN_TOOLS
        .iter()
        .find(|(b, ..)| *b == bin)
        .map_or(bin, |(_, package, _)| package)
}

/// One step as the CMD runs it, or why it cannot: the step's text and the reason, with the
/// fix that fits it.
/// `manifest` (the service's package.json) and `section` (its isogen.toml section) are for
/// the reasons.
pub(super) fn runnable(
    step: &str,
    n: &NodePackage,
    manifest: &str,
    section: &str,
) -> Result<String, String> {
    let Some(words) = shlex::split(step) else {
        return Err("isogen could not split it into words".into());
    };
    let assignments = words.iter().take_while(|w| is_assignment(w)).count();
    let (env, command) = words.split_at(assignments);
    let Some((program, args)) = command.split_first() else {
        return Err("it runs nothing".into());
    };
    if program == "node" {
        return Ok(step.to_string());
    }
    let Some((_, dep, file)) = KNOWN_TOOLS.iter().find(|(bin, ..)| bin == program) else {
        return Err(format!(
            "isogen does not know which file the `{program}` command runs; set `cmd` in {section} of isogen.toml (`sh -c \"node node_modules/<package>/<its bin file> ... && exec node ...\"`)"
        ));
    };
    match n.deps.iter().find(|d| d.key == *dep).map(|d| d.kind) {
        Some(DepKind::Normal | DepKind::Optional) => {}
        Some(DepKind::Dev) => {
            return Err(format!(
                "`{dep}` is a devDependency in {manifest}, and the image installs only dependencies; move `{dep}` to dependencies, or set `cmd` in {section} of isogen.toml"
            ))
        }
        _ => {
            return Err(format!(
                "`{dep}` is not among the dependencies in {manifest}, so the image does not have it; add `{dep}` to its dependencies, or set `cmd` in {section} of isogen.toml"
            ))
        }
    }
    let quote_error = |_| "isogen could not quote it for the shell".to_string();
    let mut out: Vec<String> = Vec::new();
    for assignment in env {
        // `NAME=value`: only the value is quoted (a quoted name is a command, not a variable).
        let (name, value) = assignment.split_once('=').unwrap_or((assignment, ""));
        out.push(format!(
            "{name}={}",
            shlex::try_quote(value).map_err(quote_error)?
        ));
    }
    let mut command = vec!["node".to_string(), format!("node_modules/{dep}/{file}")];
    command.extend(args.iter().cloned());
    out.push(shlex::try_join(command.iter().map(String::as_str)).map_err(quote_error)?);
    Ok(out.join(" "))
}

/// Whether a step as [`runnable`] writes it runs a file of the app with `node` (not a
/// dependency's bin under `node_modules/`).
pub(super) fn runs_node_file(step: &str) -> bool {
    let words = shlex::split(step).unwrap_or_default();
    let mut command = words.iter().skip_while(|w| is_assignment(w));
    command.next().is_some_and(|p| p == "node")
        && !command
            .find(|w| !w.starts_with('-'))
            .is_some_and(|f| f.starts_with("node_modules/"))
}

#[cfg(test)]
mod tests {
    use super::runnable;
    use crate::workspace::pnpm::{DeclaredDep, NodePackage};
    use crate::workspace::DepKind;

    const M: &str = "apps/api/package.json";
    const S: &str = "[generate.services.api]";

    fn package(deps: &[(&str, DepKind)]) -> NodePackage {
        NodePackage {
            deps: deps
                .iter()
                .map(|(key, kind)| DeclaredDep {
                    kind: *kind,
                    key: key.to_string(),
                    spec: "^1.0.0".into(),
                    catalog_range: None,
                    internal: None,
                })
                .collect(),
            ..NodePackage::default()
        }
    }

    #[test]
    fn a_production_tool_runs_under_node_and_anything_else_says_why_not() {
        let prod = package(&[("prisma", DepKind::Normal)]);
        assert_eq!(
            runnable("DATABASE_URL=file:x.db prisma migrate deploy", &prod, M, S),
            Ok(
                "DATABASE_URL=file:x.db node node_modules/prisma/build/index.js migrate deploy"
                    .into()
            )
        );
        assert_eq!(
            runnable("node dist/migrate.js", &prod, M, S),
            Ok("node dist/migrate.js".into())
        );
        let dev = package(&[("drizzle-kit", DepKind::Dev)]);
        let err = runnable("drizzle-kit migrate", &dev, M, S).unwrap_err();
        assert!(
            err.contains("`drizzle-kit` is a devDependency in apps/api/package.json"),
            "{err}"
        );
        let err = runnable("knex migrate:latest", &dev, M, S).unwrap_err();
        assert!(
            err.contains("`knex` is not among the dependencies"),
            "{err}"
        );
        let err = runnable("tool-x up", &prod, M, S).unwrap_err();
        assert!(
            err.contains("which file the `tool-x` command runs"),
            "{err}"
        );
    }
}
