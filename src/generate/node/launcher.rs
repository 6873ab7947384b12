//! The CMD of a service whose start script runs a node launcher of its package by itself
//! (`cd bin && ./run start`, Flowise's oclif `bin/run`; see `workspace::pnpm::launcher`):
//! `node` on the launcher with the script's arguments, from the folder the script moved to
//! (`/bin/sh -c "cd bin && exec node ./run start"`: `exec` gives node the container's
//! signals), and the launcher shipped when what the image ships does not hold it. An `entry`
//! or `cmd` setting replaces it. It never reads the disk.

use crate::workspace::pnpm::{launcher, started_tool, NodePackage, StartCommand};
use crate::workspace::relpath;

/// The CMD and the updated `copy` for a service started by its launcher; `None` when the
/// service is not started that way.
pub(super) fn cmd(n: &NodePackage, workdir: &str, copy: &mut Vec<String>) -> Option<Vec<String>> {
    let Some((_, StartCommand::PackageFile { dir, file, args })) = &n.start else {
        return None;
    };
    launcher::serves(n)?;
    if !copy.iter().any(|p| relpath::within(file, p)) {
        copy.push(file.clone());
        copy.sort();
    }
    if dir.is_empty() {
        let mut words = vec!["node".to_string(), format!("{workdir}/{file}")];
        words.extend(args.iter().cloned());
        return Some(words);
    }
    Some(vec![
        "/bin/sh".into(),
        "-c".into(),
        started_tool::shell_line(dir, file, args),
    ])
}
