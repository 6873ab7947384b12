//! Dependency entries discovery left out (`workspace::pnpm::DepProblem`: a spec pnpm refuses,
//! a `link:` to a folder the image cannot ship) turned into what generate says: an error for
//! a service whose build installs the package, naming the manifest, the entry and the fix;
//! a warning for a package no service installs (its problem does not stop the others).
//!
//! It only reads the workspace model; it never reads the disk and never writes.

use std::collections::BTreeSet;

use crate::error::{Error, Result};
use crate::workspace::{Service, Workspace};

/// Refuses `service` when a package its build installs (itself, or any package of its build
/// closure) has a left-out dependency: every such entry is named, the first one's manifest
/// is the error's file. Problems of packages no service installs are warnings. Runs before
/// the other checks of the service: they read the manifest without the left-out entries.
pub fn refuse(ws: &Workspace, service: &Service, warnings: &mut Vec<String>) -> Result<()> {
    let Some(pnpm) = ws.pnpm.as_ref() else {
        return Ok(());
    };
    let installed: BTreeSet<usize> = std::iter::once(service.package)
        .chain(service.build_closure.iter().copied())
        .collect();
    let in_some_service = |package: usize| {
        ws.services
            .iter()
            .any(|s| s.package == package || s.build_closure.contains(&package))
    };
    for p in (pnpm.dep_problems.iter()).filter(|p| !in_some_service(p.package)) {
        warnings.push(format!(
            "{}: {} (no service installs this package, so generate goes on without it)",
            p.manifest, p.message
        ));
    }
    let mine: Vec<_> = (pnpm.dep_problems.iter())
        .filter(|p| installed.contains(&p.package))
        .collect();
    let Some(first) = mine.first() else {
        return Ok(());
    };
    let mut message = first.message.clone();
    for other in &mine[1..] {
        if other.manifest == first.manifest {
            message.push_str(&format!("; and {}", other.message));
        } else {
            message.push_str(&format!("; and {}: {}", other.manifest, other.message));
        }
    }
    Err(Error::workspace(ws.root.join(&first.manifest), message))
}
