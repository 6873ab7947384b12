//! `user-unset`, `user-root`, `user-unresolvable`: the config's `User` is set, is not root (by
//! name, by uid 0, or through a passwd entry whose uid is 0), and resolves in the image's
//! `/etc/passwd` (a named group in `/etc/group`). A numeric uid works at run time without a
//! passwd entry, but tools and `runAsNonRoot` checks that map uids to names do not, so it is
//! reported all the same.

use super::{Collector, Ctx};
use crate::verify::diags::RuleId;

pub fn check(ctx: &Ctx, out: &mut Collector) {
    let facts = ctx.facts;
    let Some(user) = facts.config.user.as_deref() else {
        out.config(
            RuleId::UserUnset,
            "the image sets no User, so the container runs as root",
            vec!["User: (unset)".into()],
        );
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
        out.config(
            RuleId::UserRoot,
            format!("the image runs as root (User {user})"),
            value,
        );
        return;
    }
    if let Some(e) = entry.filter(|e| e.uid == 0) {
        out.config_with_paths(
            RuleId::UserRoot,
            format!("User {name} has uid 0 in /etc/passwd: it is root"),
            value,
            vec!["/etc/passwd".into()],
            passwd_layer,
        );
        let _ = e;
        return;
    }
    if facts.passwd.is_none() {
        out.config(
            RuleId::UserUnresolvable,
            format!("User {user} cannot be resolved: the image has no /etc/passwd"),
            value,
        );
        return;
    }
    if entry.is_none() {
        let what = match uid {
            Some(uid) => format!("uid {uid} has no entry in /etc/passwd"),
            None => format!("user {name:?} is not in /etc/passwd (the container will not start)"),
        };
        out.config_with_paths(
            RuleId::UserUnresolvable,
            what,
            value,
            vec!["/etc/passwd".into()],
            passwd_layer,
        );
        return;
    }
    if let Some(g) = group.filter(|g| g.parse::<u64>().is_err() && !g.is_empty()) {
        let known = facts
            .group
            .as_ref()
            .is_some_and(|gs| gs.iter().any(|(n, _)| n == g));
        if !known {
            out.config_with_paths(
                RuleId::UserUnresolvable,
                format!("group {g:?} is not in /etc/group (the container will not start)"),
                value,
                vec!["/etc/group".into()],
                facts.fs.get("/etc/group").map(|e| e.layer),
            );
        }
    }
}
