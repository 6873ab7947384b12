//! `user-unset`, `user-root`, `user-unresolvable`: the config's `User` is set, is not root, and
//! resolves in the image's `/etc/passwd` (a named group in `/etc/group`), all as runc resolves
//! it (see `verify::users`): root by name, by a uid whose 32-bit value is 0 in any spelling
//! (`0`, `-0`, `000`, `4294967296`), through a passwd entry whose uid is 0 or reads as 0, or by
//! an explicit group that is gid 0. Root is decided before anything else, so `user-root` fires
//! whatever severity the policy gives `user-unresolvable`. A numeric uid works at run time
//! without a passwd entry, but tools and `runAsNonRoot` checks that map uids to names do not,
//! so it is reported all the same.
//!
//! Like every rule, it looks only at the [`super::Ctx`] (no I/O) and never writes a message
//! text of its own: its messages are constructors in [`crate::verify::diags`].

use super::{Collector, Ctx};
use crate::verify::diags::Diag;
use crate::verify::users::{is_root_id, resolve, Resolution, Unresolved};

pub fn check(ctx: &Ctx, out: &mut Collector) {
    let facts = ctx.facts;
    let Some(user) = facts.config.user.as_deref() else {
        out.config(Diag::user_unset(), vec!["User: (unset)".into()]);
        return;
    };
    let value = vec![format!("User: {user}")];
    let resolution = resolve(user, facts.passwd.as_deref(), facts.group.as_deref());
    if root(ctx, user, &resolution, &value, out) {
        return;
    }
    let passwd_layer = facts.fs.get("/etc/passwd").map(|e| e.layer);
    match resolution.problem {
        Some(Unresolved::NoPasswd) => out.config(Diag::user_without_passwd(user), value),
        Some(Unresolved::UserNotInPasswd(name)) => out.config_with_paths(
            Diag::user_not_in_passwd(&name),
            value,
            vec!["/etc/passwd".into()],
            passwd_layer,
        ),
        Some(Unresolved::GroupNotInGroup(group)) => out.config_with_paths(
            Diag::group_not_in_group(&group),
            value,
            vec!["/etc/group".into()],
            facts.fs.get("/etc/group").map(|e| e.layer),
        ),
        None if resolution.entry.is_some() => {}
        None => match (facts.passwd.is_some(), resolution.uid) {
            (true, Some(uid)) => out.config_with_paths(
                Diag::uid_not_in_passwd(uid),
                value,
                vec!["/etc/passwd".into()],
                passwd_layer,
            ),
            _ => out.config(Diag::user_without_passwd(user), value),
        },
    }
}

/// Reports `user-root` when the user resolves to root (uid or explicit group); true if it did.
fn root(ctx: &Ctx, user: &str, r: &Resolution, value: &[String], out: &mut Collector) -> bool {
    let passwd_layer = ctx.facts.fs.get("/etc/passwd").map(|e| e.layer);
    let name = user.split(':').next().unwrap_or("");
    if let Some(uid) = r.uid.filter(|uid| is_root_id(*uid)) {
        let value = value.to_vec();
        match &r.entry {
            _ if name == "root" || name == "0" => out.config(Diag::user_root(user), value),
            Some(e) if e.line.split(':').nth(2) == Some("0") => out.config_with_paths(
                Diag::user_root_in_passwd(name),
                value,
                vec!["/etc/passwd".into()],
                passwd_layer,
            ),
            Some(e) => out.config_with_paths(
                Diag::user_root_in_passwd_line(user, uid, &e.line),
                value,
                vec!["/etc/passwd".into()],
                passwd_layer,
            ),
            None => out.config(Diag::user_root_wrapped(user, uid), value),
        }
        return true;
    }
    if let Some(gid) = r.group_gid.filter(|gid| is_root_id(*gid)) {
        out.config_with_paths(
            Diag::user_root_group(user, gid),
            value.to_vec(),
            vec!["/etc/group".into()],
            ctx.facts.fs.get("/etc/group").map(|e| e.layer),
        );
        return true;
    }
    false
}
