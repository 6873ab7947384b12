//! What the lockfile rules compared, for the report to say (`42 third-party packages compared
//! with pnpm-lock.yaml by version, 40 by integrity`): a pass means something only when the
//! reader knows how much was checked. Counts only; it judges nothing and, like every rule,
//! looks only at the [`super::Ctx`].

use serde::Serialize;

use super::locked::checked_packages;
use super::Ctx;
use crate::verify::subject::InstalledLock;

/// How many third-party package folders `version-not-locked` compared with `pnpm-lock.yaml`,
/// and how many of them `integrity-not-locked` compared with the image's current lockfile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Compared {
    /// The lockfile of the workspace (`pnpm-lock.yaml`).
    pub lockfile: String,
    pub by_version: usize,
    pub by_integrity: usize,
    /// The current lockfile in the image the integrities were read from, when there is one.
    pub installed_lockfile: Option<String>,
}

/// `None` when the lockfile rules did not run (no workspace, no shared v6/v9 lockfile, no
/// workspace root in the image).
pub fn compared(ctx: &Ctx) -> Option<Compared> {
    let lock = ctx.subject.locked.as_ref()?;
    let scope = (ctx.subject.ws_root.as_deref()).or(ctx.subject.app_root.as_deref())?;
    let installed = match &ctx.subject.installed {
        Some(InstalledLock::Read { path, packages, .. }) => Some((path, packages)),
        _ => None,
    };
    let on = |rule: crate::verify::diags::RuleId| ctx.policy.severity(rule.rule()).is_some();
    if !on(crate::verify::diags::RuleId::VersionNotLocked) {
        return None;
    }
    let installed = installed.filter(|_| on(crate::verify::diags::RuleId::IntegrityNotLocked));
    let mut by_version = 0;
    let mut by_integrity = 0;
    for (_, _, name, version) in checked_packages(ctx, lock, scope) {
        by_version += 1;
        let locked = lock.closure.packages.get(name).and_then(|v| v.get(version));
        if matches!(locked, Some(Some(_))) && installed.is_some() {
            by_integrity += 1;
        }
    }
    Some(Compared {
        lockfile: crate::workspace::pnpm::LOCKFILE.to_string(),
        by_version,
        by_integrity,
        installed_lockfile: installed.map(|(path, _)| path.clone()),
    })
}
