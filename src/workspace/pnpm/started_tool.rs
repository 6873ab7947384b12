//! Why a pnpm package with a `bin` stays a command-line tool though a start script runs it
//! (`"start": "node bin/cli.js"`, or Flowise's `run-script-os` whose Linux variant is `cd bin
//! && ./run start`): the default rule keeps a package whose start script runs its own `bin`
//! a tool (CLIs often have one for development), so the reason names the script, what it
//! runs, and the isogen.toml settings that make it a service. A server missed this way is
//! never silent: `isogen list` and the "no services" error both print this.
//!
//! Pure: it reads the model discovery already built, never the disk.

use super::StartCommand;
use crate::workspace::Package;

/// The sentence added to a started tool's reason: the script, what it runs and the fix;
/// `None` when no start script runs the package (or it runs a development command).
pub fn started_tool_note(package: &Package) -> Option<String> {
    let node = package.node.as_ref()?;
    let (script, command) = node.start.as_ref()?;
    let text = node.scripts.get(script)?;
    let through = through_run_script_os(node, script);
    let fix = format!(
        "if it starts a server, list `{}` with the other services in [workspace] services of \
         isogen.toml (that list replaces the default rule)",
        package.name
    );
    let section = format!("[generate.services.{}]", package.folder_name());
    match command {
        StartCommand::PackageFile { dir, file, args } => {
            let cmd = suggested_cmd(dir, file, args);
            Some(format!(
                "its `{script}` script{through} runs the package file `{file}`{} (`{text}`), \
                 which isogen does not read as a server's start: {fix} and set `cmd = {cmd}` \
                 in {section} when `{file}` is a Node launcher (`#!/usr/bin/env node`)",
                in_dir(dir)
            ))
        }
        StartCommand::Node { .. } => Some(format!(
            "its `{script}` script{through} runs it too (`{text}`): {fix}"
        )),
        StartCommand::Dev(_) => None,
        _ => Some(format!(
            "its `{script}` script{through} runs `{text}`, which isogen does not read: {fix} \
             and set `cmd` in {section}"
        )),
    }
}

/// ` (what run-script-os runs on Linux for `start`)` when `script` is a platform variant.
pub(super) fn through_run_script_os(node: &super::NodePackage, script: &str) -> String {
    super::start_script::os_variant_of(&node.scripts, script)
        .map_or_else(String::new, |(base, runner)| {
            format!(" (what `{base}`, `{runner}`, runs on Linux)")
        })
}

/// ` with `start` from `bin/``: the arguments and the folder a package file runs in.
fn in_dir(dir: &str) -> String {
    if dir.is_empty() {
        String::new()
    } else {
        format!(" from `{dir}/`")
    }
}

/// The exec-form `cmd` that runs `file` with `args` as the script does, as TOML: from the
/// package folder with `node`, or through `sh -c 'cd <dir> && exec node ...'` when the
/// script moved to another folder first.
pub fn suggested_cmd(dir: &str, file: &str, args: &[String]) -> String {
    let words: Vec<String> = if dir.is_empty() {
        ["node", file]
            .into_iter()
            .map(String::from)
            .chain(args.iter().cloned())
            .collect()
    } else {
        vec!["/bin/sh".into(), "-c".into(), shell_line(dir, file, args)]
    };
    toml::Value::Array(words.into_iter().map(toml::Value::String).collect()).to_string()
}

/// `cd <dir> && exec node ./<file> <args>`: the launcher `file` (relative to the package)
/// run by node from `dir`, as the start script runs it.
pub fn shell_line(dir: &str, file: &str, args: &[String]) -> String {
    let local = file.strip_prefix(&format!("{dir}/")).unwrap_or(file);
    let mut line = format!("cd {dir} && exec node ./{local}");
    if let Ok(joined) = shlex::try_join(args.iter().map(String::as_str)) {
        if !joined.is_empty() {
            line.push(' ');
            line.push_str(&joined);
        }
    }
    line
}
