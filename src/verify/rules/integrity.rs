//! `integrity-not-locked`: every third-party package folder under the workspace root in the
//! image was installed from the tarball `pnpm-lock.yaml` locks. pnpm's install records what
//! it linked in its current lockfile (`node_modules/.pnpm/lock.yaml`), with the integrity of
//! each tarball it checked before unpacking it; each folder whose name and version the
//! service's production closure locks with an integrity must be recorded there with that one.
//!
//! A folder the current lockfile does not record, and a current lockfile that could not be
//! read, are findings: the gate does not pass what it could not compare. An image without a
//! current lockfile is listed as skipped (`verify::skipped`), never passed silently. A folder
//! whose version the closure does not lock is `version-not-locked`'s. Like every rule, it only
//! looks at the [`super::Ctx`].

use super::locked::checked_packages;
use super::{Collector, Ctx};
use crate::verify::diags::Diag;
use crate::verify::subject::{InstalledLock, LockFacts};
use crate::workspace::pnpm::current_lock::InstalledPackages;

pub fn check(ctx: &Ctx, out: &mut Collector) {
    let (Some(lock), Some(installed)) = (&ctx.subject.locked, &ctx.subject.installed) else {
        return;
    };
    match installed {
        InstalledLock::Read { path, packages, .. } => compare(ctx, lock, path, packages, out),
        InstalledLock::Unreadable { path, layer, why } => {
            if !ctx.policy.allowed(path) {
                let diag = Diag::installed_lock_unreadable(path, why);
                out.config_with_paths(diag, Vec::new(), vec![path.clone()], Some(*layer));
            }
        }
        InstalledLock::Absent { .. } => {}
    }
}

/// Each package folder in the workspace root whose name and version the closure locks with an
/// integrity, against what the current lockfile at `lock_path` records of it.
fn compare(
    ctx: &Ctx,
    lock: &LockFacts,
    lock_path: &str,
    installed: &InstalledPackages,
    out: &mut Collector,
) {
    let Some(scope) = (ctx.subject.ws_root.as_deref()).or(ctx.subject.app_root.as_deref()) else {
        return;
    };
    for (dir, m, name, version) in checked_packages(ctx, lock, scope) {
        let locked = lock.closure.packages.get(name).and_then(|v| v.get(version));
        let Some(Some(locked)) = locked else {
            continue;
        };
        let package = format!("{name}@{version}");
        let diag = match installed.get(name).and_then(|v| v.get(version)) {
            None => Diag::integrity_not_recorded(dir, &package, lock_path),
            Some(found) if found.as_deref() != Some(locked.as_str()) => {
                Diag::integrity_not_locked(dir, &package, lock_path, found.as_deref(), locked)
            }
            Some(_) => continue,
        };
        out.config_with_paths(diag, vec![package], vec![dir.clone()], Some(m.layer));
    }
}
