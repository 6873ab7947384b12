//! `user-unset`, `user-root`, `user-unresolvable`: the config's `User` is set, is not root, and
//! resolves in the image's `/etc/passwd` (a named group in `/etc/group`), all as runc resolves
//! it (see `verify::users`): root by name, by a uid whose 32-bit value is 0 in any spelling
//! (`0`, `-0`, `000`, `4294967296`), through a passwd entry whose uid is 0 or reads as 0, or by
//! an explicit group that is gid 0. Root is decided before anything else, so `user-root` fires
//! whatever severity the policy gives `user-unresolvable`. A numeric uid works at run time
//! without a passwd entry, but tools and `runAsNonRoot` checks that map uids to names do not,
//! so it is reported all the same.

use super::{Collector, Ctx};
use crate::verify::diags::id;
use crate::verify::users::{is_root_id, resolve};

pub fn check(ctx: &Ctx, out: &mut Collector) {
    let facts = ctx.facts;
    let Some(user) = facts.config.user.as_deref() else {
        out.config(
            id::USER_UNSET,
            "the image sets no User, so the container runs as root",
            vec!["User: (unset)".into()],
        );
        return;
    };
    let value = vec![format!("User: {user}")];
    let passwd_layer = facts.fs.get("/etc/passwd").map(|e| e.layer);
    let group_layer = facts.fs.get("/etc/group").map(|e| e.layer);
    let resolution = resolve(user, facts.passwd.as_deref(), facts.group.as_deref());
    if let Some(uid) = resolution.uid.filter(|uid| is_root_id(*uid)) {
        let name = user.split(':').next().unwrap_or("");
        match &resolution.entry {
            _ if name == "root" || name == "0" => out.config(
                id::USER_ROOT,
                format!("the image runs as root (User {user})"),
                value,
            ),
            Some(e) => out.config_with_paths(
                id::USER_ROOT,
                format!(
                    "User {user} is uid {uid} through /etc/passwd (`{}`): it is root",
                    e.line
                ),
                value,
                vec!["/etc/passwd".into()],
                passwd_layer,
            ),
            None => out.config(
                id::USER_ROOT,
                format!(
                    "the image runs as root (User {user}: runtimes read the uid as {uid}, stored in 32 bits as 0)"
                ),
                value,
            ),
        }
        return;
    }
    if let Some(gid) = resolution.group_gid.filter(|gid| is_root_id(*gid)) {
        out.config_with_paths(
            id::USER_ROOT,
            format!("User {user} runs with the root group (gid {gid}, 0 in 32 bits)"),
            value,
            vec!["/etc/group".into()],
            group_layer,
        );
        return;
    }
    if let Some(problem) = resolution.problem {
        let (path, layer) = if problem.contains("/etc/group") {
            ("/etc/group", group_layer)
        } else {
            ("/etc/passwd", passwd_layer)
        };
        if facts.passwd.is_none() && path == "/etc/passwd" {
            out.config(id::USER_UNRESOLVABLE, problem, value);
        } else {
            out.config_with_paths(
                id::USER_UNRESOLVABLE,
                problem,
                value,
                vec![path.into()],
                layer,
            );
        }
        return;
    }
    if resolution.entry.is_none() {
        match (facts.passwd.is_some(), resolution.uid) {
            (true, Some(uid)) => out.config_with_paths(
                id::USER_UNRESOLVABLE,
                format!("uid {uid} has no entry in /etc/passwd"),
                value,
                vec!["/etc/passwd".into()],
                passwd_layer,
            ),
            _ => out.config(
                id::USER_UNRESOLVABLE,
                format!("User {user} cannot be resolved: the image has no /etc/passwd"),
                value,
            ),
        }
    }
}
