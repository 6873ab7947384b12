//! The default rule for which pnpm packages are services: a package whose parent folder is
//! `services` or `apps` (at any depth), or a package anywhere in the workspace whose scripts
//! start it in production (`start`, `start:prod`, ... running `node <file>`, `next start` (under
//! any script name: `console:start`) or a
//! shell script of the package, several `start:*` processes, or a runtime isogen names when it
//! refuses it). A package with no
//! start command stays a library (an internal package when others depend on it).
//!
//! Pure: it reads the model discovery already built, never the disk.

use super::StartCommand;
use crate::workspace::Package;

/// Why the default rule makes `package` a service, or `None` when it does not.
pub fn service_reason(package: &Package) -> Option<String> {
    if let Some(parent) = parent_folder(&package.dir) {
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
        Some((script, StartCommand::Unsupported(kind))) => {
            Some(format!("its `{script}` script starts a {kind} app"))
        }
        _ => None,
    }
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
