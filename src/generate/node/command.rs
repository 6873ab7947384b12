//! The `CMD` of a Node service, from the script that runs its entry: `node`, the options the
//! script gives it (`-r dotenv/config`, `--import ./tracing.mjs`, `--enable-source-maps`:
//! preloads and flags are kept), and the entry's absolute path. A script that runs steps
//! first (`node dist/migrate.js && node dist/server.js`, `prisma migrate deploy && node
//! dist/main.js`) becomes `/bin/sh -c "<steps> && exec node ... <entry>"`: the steps run in
//! order from the service folder, each must succeed, and `exec` makes the service the shell's
//! replacement, so it gets the container's signals. A dependency's tool runs as `node` on its
//! bin file (see [`super::steps`]); when a step cannot run in the image, none do, and a
//! warning names it, why, and the fix.
//!
//! Options that cannot work in the image are dropped with a warning that names them:
//! `--env-file` (the image ships no `.env`: its ignore file keeps them out; `env_files` warns
//! with the file), `--watch*` and `--inspect*` (development only). It never reads the disk.

use std::path::Path;

use crate::error::Result;
use crate::generate::cfg::ServiceConfig;
use crate::workspace::pnpm::{NodePackage, StartCommand};

/// The CMD with the service's `cmd` and `args` settings: `cmd` replaces `default`; `args` are
/// appended, to the exec'd node's line when `default` is `sh -c "<steps> && exec node ..."`.
pub(super) fn configured(
    mut default: Vec<String>,
    overrides: Option<&ServiceConfig>,
    section: &str,
    config_path: &Path,
) -> Result<Vec<String>> {
    let (cmd, mut args) = match overrides {
        Some(o) => (o.cmd.as_deref(), o.args.as_slice()),
        None => (None, &[][..]),
    };
    if let (None, [sh, c, line], false) = (cmd, default.as_mut_slice(), args.is_empty()) {
        if sh.as_str() != "/bin/sh" || c.as_str() != "-c" {
            return crate::generate::runtime::command(default, cmd, args, section, config_path);
        }
        line.push(' ');
        line.push_str(&shlex::try_join(args.iter().map(String::as_str)).unwrap_or_default());
        args = &[];
    }
    crate::generate::runtime::command(default, cmd, args, section, config_path)
}

/// Options of the start script the image's `node` does not get.
fn dropped(option: &str) -> bool {
    let name = option.split([' ', '=']).next().unwrap_or(option);
    name == "--env-file"
        || name == "--env-file-if-exists"
        || name.starts_with("--watch")
        || name.starts_with("--inspect")
}

/// The exec-form command that runs `entry` (relative to `workdir`) as the script running it
/// would; warnings name what it leaves out. `manifest` and `section` are for messages.
pub(super) fn node_cmd(
    n: &NodePackage,
    entry: &str,
    workdir: &str,
    manifest: &str,
    section: &str,
    warnings: &mut Vec<String>,
) -> Vec<String> {
    let (script, options, args, before): (&str, &[String], &[String], &[String]) =
        match n.script_running(entry) {
            Some((
                script,
                StartCommand::Node {
                    options,
                    args,
                    before,
                    ..
                },
            )) => (script, options, args, before),
            _ => {
                warn_unread_steps(n, manifest, entry, section, warnings);
                ("start", &[][..], &[][..], &[][..])
            }
        };
    let (gone, kept): (Vec<&String>, Vec<&String>) = options.iter().partition(|o| dropped(o));
    // `--env-file` has a warning of its own (see `super::env_files`).
    let gone: Vec<&str> = gone
        .iter()
        .map(|s| s.as_str())
        .filter(|o| !o.starts_with("--env-file"))
        .collect();
    if !gone.is_empty() {
        warnings.push(format!(
            "{manifest}: the `{script}` script runs node with `{}`, which the image's CMD leaves out (watchers and inspectors are for development)",
            gone.join(" ")
        ));
    }
    let before = runnable_steps(n, manifest, script, before, entry, section, warnings);
    let mut words = vec!["node".to_string()];
    for o in kept {
        // `-r dotenv/config` is one option of two words.
        words.extend(o.split_once(' ').map_or_else(
            || vec![o.clone()],
            |(k, v)| vec![k.to_string(), v.to_string()],
        ));
    }
    words.push(format!("{workdir}/{entry}"));
    words.extend(args.iter().cloned());
    if before.is_empty() {
        return words;
    }
    let service =
        shlex::try_join(words.iter().map(String::as_str)).unwrap_or_else(|_| words.join(" "));
    let mut line = before.join(" && ");
    line.push_str(" && exec ");
    line.push_str(&service);
    vec!["/bin/sh".into(), "-c".into(), line]
}

/// The steps of `script` as the CMD runs them (see [`super::steps`]); when one of them
/// cannot run in the image, none of them run (a later step may need the one left out) and a
/// warning names each step that cannot, why, and the fix.
fn runnable_steps(
    n: &NodePackage,
    manifest: &str,
    script: &str,
    before: &[String],
    entry: &str,
    section: &str,
    warnings: &mut Vec<String>,
) -> Vec<String> {
    let (ok, failed): (Vec<_>, Vec<_>) = before
        .iter()
        .map(|step| (step, super::steps::runnable(step, n, manifest, section)))
        .partition(|(_, r)| r.is_ok());
    if failed.is_empty() {
        return ok.into_iter().filter_map(|(_, r)| r.ok()).collect();
    }
    let reasons: Vec<String> = failed
        .iter()
        .map(|(step, r)| format!("`{step}`: {}", r.as_ref().err().map_or("", String::as_str)))
        .collect();
    warnings.push(format!(
        "{manifest}: the `{script}` script runs steps before the service that the image cannot run, so its CMD runs `node {entry}` alone and leaves out every step ({}): {}",
        before.join(" && "),
        reasons.join("; ")
    ));
    Vec::new()
}

/// A start script of steps isogen does not read (`prisma migrate deploy && node
/// dist/server.js`, `pnpm db:migrate && node dist/server.js`): the CMD runs the entry alone,
/// so say which steps it leaves out.
fn warn_unread_steps(
    n: &NodePackage,
    manifest: &str,
    entry: &str,
    section: &str,
    warnings: &mut Vec<String>,
) {
    let Some((script, StartCommand::Other)) = &n.start else {
        return;
    };
    let Some(text) = n.scripts.get(script) else {
        return;
    };
    if !text.contains("&&") {
        // `node dist/main.js --port $PORT`, `node dist/main.js | pino-pretty`: a shell
        // expansion or operator isogen does not run in an exec-form CMD.
        if text.split_whitespace().any(|w| w == "node") {
            warnings.push(format!(
                "{manifest}: the `{script}` script `{text}` is not read (shell variables, pipes and redirections are not run by the image's exec-form CMD); the CMD runs `node {entry}` alone, without the script's arguments: set `args` (or `cmd`) in {section} of isogen.toml"
            ));
        }
        return;
    }
    warnings.push(format!(
        "{manifest}: the `{script}` script `{text}` is not read as steps before the service (a step may be `node <file>` or a dependency's command-line tool, joined by `&&`; not another script, a path or other shell operators); the CMD runs `node {entry}` alone and leaves the rest out: make each step a `node <file>` or tool command, or set `cmd` in {section} of isogen.toml"
    ));
}
