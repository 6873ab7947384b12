//! `start` scripts of the form `node [options] <file> [args]`: the file they run (a service's
//! entry) and the options they give `node` (`-r dotenv/config`, `--import ./tracing.mjs`).
//!
//! Pure text work; it never runs a shell, and anything it cannot read plainly (other tools,
//! shell operators, environment assignments) is "not a node start script".

use crate::workspace::relpath;

/// The file a `start` script runs when it is plainly `node [--option ...] <file> [args]`
/// (`node --enable-source-maps dist/main.js`); `None` for anything else (other tools, shell
/// operators, environment assignments).
/// operators, environment assignments).
pub fn start_script_entry(script: &str) -> Option<String> {
    start_script_parts(script).map(|(_, file)| file)
}

/// The options a `start` script of the form `node [options] <file>` gives `node`, as written
/// (`--import ./tracing.mjs`, `--enable-source-maps`); empty for any other script.
pub fn start_script_node_options(script: &str) -> Vec<String> {
    start_script_parts(script)
        .map(|(options, _)| options)
        .unwrap_or_default()
}

fn start_script_parts(script: &str) -> Option<(Vec<String>, String)> {
    if script.contains(['&', '|', ';', '$', '`', '>', '<']) {
        return None;
    }
    let mut words = script.split_whitespace();
    if words.next()? != "node" {
        return None;
    }
    // Options that take a separate value (`-r dotenv/config`).
    const WITH_VALUE: &[&str] = &[
        "-r",
        "--require",
        "--import",
        "--loader",
        "--experimental-loader",
        "--env-file",
        "-C",
        "--conditions",
    ];
    let mut skip_value = false;
    let mut options: Vec<String> = Vec::new();
    for w in words {
        if skip_value {
            skip_value = false;
            if let Some(last) = options.last_mut() {
                last.push(' ');
                last.push_str(w);
            }
            continue;
        }
        if w.starts_with('-') {
            skip_value = WITH_VALUE.contains(&w);
            options.push(w.to_string());
            continue;
        }
        let file = relpath::clean(w.trim_matches(['"', '\'']));
        let looks_like_file = file.ends_with(".js")
            || file.ends_with(".mjs")
            || file.ends_with(".cjs")
            || file.contains('/');
        return (looks_like_file && !file.starts_with('/') && !file.contains(".."))
            .then_some((options, file));
    }
    None
}
