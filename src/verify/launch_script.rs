//! The one kind of script verify reads through: a plain entrypoint script (`sh
//! /app/services/api/entrypoint.sh`, as `isogen generate` writes for a start script that runs
//! `sh ./entrypoint.sh`), read as `generate` reads it (`workspace::pnpm::entry_script`): steps
//! one per line, then `exec node <file>`. The service is that exec'd node, once the script's
//! text is in the image as captured, every line was read, and every step can run there: a
//! `node` step's file exists, a tool (`prisma`, `npx prisma`) is on `PATH` or in the working
//! folder's `node_modules/.bin`, the rest are shell utilities. Anything else stays a start
//! script (the `entrypoint-indirect` finding): verify never passes what it could not read as
//! the shell would run it.

use super::facts::RuntimeConfig;
use super::fs::{self, Fs};
use super::launch::{locate, node, Launch};
use crate::workspace::pnpm::entry_script::{self, ScriptCommand, SHELL_PROGRAMS};

/// The words of the service `script` (as the shell names it, relative to the working folder)
/// execs, when it is a plain script whose every step can run in the image; `None` otherwise.
pub fn service(script: &str, config: &RuntimeConfig, fs: &Fs) -> Option<Vec<String>> {
    let path = fs::join(&config.workdir(), script);
    let resolved = fs.resolve(&path)?;
    let text = std::str::from_utf8(fs.bytes(&resolved)?).ok()?;
    let shape = entry_script::read(text);
    if !shape.unread.is_empty() || !shape.exec {
        return None;
    }
    let service = shape.service?;
    shape
        .steps
        .iter()
        .all(|s| runs(s, config, fs))
        .then_some(service.words)
}

/// Whether one step of the script can run in the image.
fn runs(step: &ScriptCommand, config: &RuntimeConfig, fs: &Fs) -> bool {
    let words: Vec<&String> = step.words.iter().skip_while(|w| w.contains('=')).collect();
    let Some(program) = words.first().map(|w| w.as_str()) else {
        return true;
    };
    if program == "node" {
        let args: Vec<String> = words[1..].iter().map(|w| w.to_string()).collect();
        return matches!(
            node(&args, config, fs),
            Launch::Node {
                resolved: Some(_),
                ..
            }
        );
    }
    if SHELL_PROGRAMS.contains(&program) {
        return true;
    }
    let tool = match program {
        "npx" => words[1..].iter().find(|w| !w.starts_with('-')),
        _ => words.first(),
    };
    let Some(tool) = tool else {
        return false;
    };
    let local = fs::join(&config.workdir(), &format!("node_modules/.bin/{tool}"));
    let npx_ok = program != "npx" || locate("npx", config, fs).1.is_some();
    npx_ok && (fs.is_file(&local) || locate(tool, config, fs).1.is_some())
}
