//! A package file a start script runs by itself (`./run start`, `cd bin && ./run start`: an
//! oclif launcher such as Flowise's `bin/run`): whether its `#!` line runs `node` (read at
//! discovery), and whether that start makes the package a service. A start script that runs
//! the package's own `bin` launcher with a server subcommand (`start`, `serve`, `server`) is
//! how its users start the server (`flowise start`), so it is one; the same launcher with no
//! subcommand, or another one, is a command-line tool run for development, which stays a tool.
//!
//! It reads only the launcher's first line, never runs it.

use std::path::Path;

use super::{NodePackage, StartCommand};

/// Subcommands of a package's own `bin` that start a server.
const SERVER_SUBCOMMANDS: &[&str] = &["start", "serve", "server"];

/// Whether the file `file` of the package folder `dir` (relative to `root`) starts with a
/// `#!` line that runs node (`#!/usr/bin/env node`, `#!/usr/bin/node`, with options).
pub fn node_shebang(root: &Path, dir: &str, file: &str) -> bool {
    let Ok(text) = crate::fsio::read(root.join(dir).join(file)) else {
        return false;
    };
    let first = text.split(|b| *b == b'\n').next().unwrap_or_default();
    let Some(line) = std::str::from_utf8(first)
        .ok()
        .and_then(|l| l.strip_prefix("#!"))
    else {
        return false;
    };
    let mut words = line.split_whitespace();
    let program = match words.next() {
        Some(env) if env.ends_with("/env") => words.find(|w| !w.starts_with('-')),
        other => other,
    };
    program.is_some_and(|p| p.rsplit('/').next() == Some("node"))
}

/// The server subcommand the start script gives the package's node launcher, when that is
/// how the package is started as a service (see the module doc); `""` when the launcher is
/// not the package's `bin` (a server file of its own, `./server.js`); `None` otherwise.
pub fn serves(node: &NodePackage) -> Option<&str> {
    let Some((_, StartCommand::PackageFile { file, args, .. })) = &node.start else {
        return None;
    };
    if !node.start_file_node {
        return None;
    }
    let own_bin = node
        .bin
        .as_deref()
        .is_some_and(|b| crate::workspace::relpath::clean(b) == *file);
    if !own_bin {
        return Some("");
    }
    args.first()
        .map(String::as_str)
        .filter(|a| SERVER_SUBCOMMANDS.contains(a))
}
