//! The optional peers that the production install would ship only because a devDependency
//! resolved them (see [`crate::workspace::pnpm::dev_peers`]): which `node_modules/.pnpm`
//! folders the runtime-deps stage removes after `pnpm install --prod`, and the lines its
//! comment names them with.
//!
//! The folder of a package is pnpm's name for its snapshot key (`depPathToFilename`: `/` and
//! the other unsafe characters as `+`, peers as `_`); a name pnpm would shorten with a hash
//! (over 120 characters, or upper case) is matched by its first 50 characters, which every
//! pnpm version keeps. A folder that cannot be named safely (an odd character, a prefix that a
//! kept folder shares) stays, with a warning: verify then reports what it holds. Pure: it
//! reads the workspace model only, never the disk.

use std::collections::BTreeSet;

use serde::Serialize;

use super::runtime::shipped;
use crate::workspace::pnpm::dev_peers::plain;
use crate::workspace::pnpm::PnpmWorkspace;
use crate::workspace::{Service, Workspace};

/// What the runtime-deps stage removes after the production install.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DevPeersContext {
    /// One line per peer: `typescript@5.6.3: optional peer of @prisma/client@7.10.0,
    /// devDependency of services/notes`.
    pub notes: Vec<String>,
    /// How many packages only those peers need (removed with them).
    pub only_theirs: usize,
    /// The folders of `node_modules/.pnpm` to remove: an exact name with a trailing `/`, or
    /// the first characters of a hashed one followed by `*`.
    pub folders: Vec<String>,
}

/// pnpm's folder name for a snapshot key, before any shortening.
fn store_name(key: &str) -> String {
    let mut f: String = (key.replacen("file:", "file+", 1).chars())
        .map(|c| if r#"\/:*?"<>|"#.contains(c) { '+' } else { c })
        .collect();
    if f.contains('(') {
        if f.ends_with(')') {
            f.pop();
        }
        f = f.replace(")(", "_").replace(['(', ')'], "_");
    }
    f
}

/// Characters a folder pattern may hold unquoted in the shell.
fn shell_safe(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "@+._=-".contains(c))
}

/// The removal pattern of `key`: `None` when it cannot be named without touching `kept`.
fn pattern(key: &str, kept: &[String]) -> Option<String> {
    let name = store_name(key);
    if !shell_safe(&name) {
        return None;
    }
    let hashed = name.len() > 120 || (name != name.to_lowercase() && !name.starts_with("file+"));
    if !hashed {
        return Some(format!("{name}/"));
    }
    let prefix = &name[..50.min(name.len())];
    (!kept.iter().any(|k| store_name(k).starts_with(prefix))).then(|| format!("{prefix}*"))
}

/// What to remove after the production install of `service` and the packages it ships;
/// `None` when nothing is to remove, there is no shared lockfile, or the service is a
/// Next.js `standalone` output (no production install: nothing to remove, nothing to say).
pub(super) fn dev_peers(
    ws: &Workspace,
    pnpm: &PnpmWorkspace,
    service: &Service,
    standalone: bool,
    warnings: &mut Vec<String>,
) -> Option<DevPeersContext> {
    if !pnpm.lockfile || pnpm.split_lockfiles || standalone {
        return None;
    }
    // With the workspace root: pnpm's production install installs its `dependencies` too,
    // and their optional peers a devDependency resolved (cosmo's root graphiql and
    // `@types/react-dom`).
    let dirs: Vec<&str> = shipped(service)
        .map(|i| ws.package(i).dir.as_str())
        .chain(std::iter::once(""))
        .collect();
    let found = pnpm.lock_graph.dev_peers(&dirs);
    if found.keys.is_empty() {
        return None;
    }
    let mut folders = Vec::new();
    let mut kept_back = BTreeSet::new();
    for key in &found.keys {
        match pattern(key, &found.kept) {
            Some(p) => folders.push(p),
            None => {
                kept_back.insert(plain(key).to_string());
            }
        }
    }
    if !kept_back.is_empty() {
        warnings.push(format!(
            "the production install ships {} only because devDependencies resolved optional peers, and isogen cannot name their node_modules/.pnpm folders safely: they stay in the image",
            kept_back.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    if folders.is_empty() {
        return None;
    }
    let notes = (found.peers.iter())
        .map(|p| {
            let source = match p.importer.as_deref() {
                Some(".") => ", devDependency of the workspace root".to_string(),
                Some(dir) => format!(", devDependency of {dir}"),
                None => ", which no package lists as a dependency".to_string(),
            };
            format!("{}: optional peer of {}{source}", p.package, p.dependent)
        })
        .collect();
    let peers: BTreeSet<&str> = found.peers.iter().map(|p| p.package.as_str()).collect();
    let only_theirs = (found.keys.iter())
        .filter(|k| !peers.contains(plain(k)))
        .count();
    Some(DevPeersContext {
        notes,
        only_theirs,
        folders,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_names_follow_pnpm() {
        assert_eq!(
            store_name("@prisma/dev@0.24.17(typescript@5.6.3)"),
            "@prisma+dev@0.24.17_typescript@5.6.3"
        );
        assert_eq!(
            store_name("prisma@7.10.0(@types/react@19.3.3)(react-dom@19.3.1(react@19.3.1))(react@19.3.1)(typescript@5.6.3)"),
            "prisma@7.10.0_@types+react@19.3.3_react-dom@19.3.1_react@19.3.1__react@19.3.1_typescript@5.6.3"
        );
        assert_eq!(
            store_name("ms@2.1.3(patch_hash=abc)"),
            "ms@2.1.3_patch_hash=abc"
        );
        assert_eq!(
            pattern("typescript@5.6.3", &[]),
            Some("typescript@5.6.3/".into())
        );
        // Over 120 characters: pnpm hashes it; matched by its first 50.
        let long = "@prisma/client@7.10.0(prisma@7.10.0(@types/react@19.3.3)(react-dom@19.3.1(react@19.3.1))(react@19.3.1)(typescript@5.6.3))(typescript@5.6.3)";
        assert_eq!(
            pattern(long, &[]),
            Some("@prisma+client@7.10.0_prisma@7.10.0_@types+react@1*".into())
        );
        // A kept folder with the same first 50 characters: not removable by name.
        assert_eq!(pattern(long, &[format!("{long}(x@1.0.0)")]), None);
        assert_eq!(pattern("a@https://x.test/a b.tgz", &[]), None);
    }
}
