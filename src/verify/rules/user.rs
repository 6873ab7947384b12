//! `user-unset`, `user-root`, `user-unresolvable`: the config's `User` is set, is not root (by
//! name, by uid 0, or through a passwd entry whose uid is 0), and resolves in the image's
//! `/etc/passwd` (a named group in `/etc/group`). A numeric uid works at run time without a
//! passwd entry, but tools and `runAsNonRoot` checks that map uids to names do not, so it is
//! reported all the same.

use super::{Collector, Ctx};
use crate::verify::diags::Diag;

pub fn check(ctx: &Ctx, out: &mut Collector) {
    let facts = ctx.facts;
    let Some(user) = facts.config.user.as_deref() else {
        out.config(Diag::user_unset(), vec!["User: (unset)".into()]);
        return;
    };
    let value = vec![format!("User: {user}")];
    let (name, group) = match user.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (user, None),
    };
    let passwd_layer = facts.fs.get("/etc/passwd").map(|e| e.layer);
    let uid: Option<u64> = name.parse().ok();
    let entry = facts.passwd.as_ref().and_then(|p| match uid {
        Some(uid) => p.iter().find(|e| e.uid == uid),
        None => p.iter().find(|e| e.name == name),
    });
    if uid == Some(0) || name == "root" {
        out.config(Diag::user_root(user), value);
        return;
    }
    if let Some(e) = entry.filter(|e| e.uid == 0) {
        out.config_with_paths(
            Diag::user_root_in_passwd(name),
            value,
            vec!["/etc/passwd".into()],
            passwd_layer,
        );
        let _ = e;
        return;
    }
    if facts.passwd.is_none() {
        out.config(Diag::user_without_passwd(user), value);
        return;
    }
    if entry.is_none() {
        let diag = match uid {
            Some(uid) => Diag::uid_not_in_passwd(uid),
            None => Diag::user_not_in_passwd(name),
        };
        out.config_with_paths(diag, value, vec!["/etc/passwd".into()], passwd_layer);
        return;
    }
    if let Some(g) = group.filter(|g| g.parse::<u64>().is_err() && !g.is_empty()) {
        let known = facts
            .group
            .as_ref()
            .is_some_and(|gs| gs.iter().any(|(n, _)| n == g));
        if !known {
            out.config_with_paths(
                Diag::group_not_in_group(g),
                value,
                vec!["/etc/group".into()],
                facts.fs.get("/etc/group").map(|e| e.layer),
            );
        }
    }
}
