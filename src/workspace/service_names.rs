//! Service names that two pnpm packages would share (`examples/minimal-react/server` and
//! `examples/soa/server` are both `server`) made unique from their folders: each service of
//! such a group takes as many of its parent folders as the group needs
//! (`minimal-react-server`, `soa-server`), as a crate's binaries take `<folder>-<process>`.
//!
//! It renames services in the model and nothing else: a clash it cannot resolve (a Cargo
//! binary, a package at the top of the workspace) is left for
//! [`check_unique_service_names`](super::check_unique_service_names) to name.

use std::collections::BTreeMap;

use super::Workspace;

/// Renames the services from `first` on that share a name, when their folders tell them
/// apart: the shortest run of parent folders (leading dots dropped: `.test`) that makes each
/// name of the group unique, put before the name.
pub fn disambiguate(ws: &mut Workspace, first: usize) {
    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, s) in ws.services.iter().enumerate().skip(first) {
        groups.entry(s.name.clone()).or_default().push(i);
    }
    for (name, members) in groups.into_iter().filter(|(_, m)| m.len() > 1) {
        let parents: Vec<Vec<&str>> = (members.iter())
            .map(|&i| parent_folders(&ws.packages[ws.services[i].package].dir))
            .collect();
        let deepest = parents.iter().map(Vec::len).max().unwrap_or(0);
        let renamed = (1..=deepest).find_map(|depth| {
            let names: Vec<String> = parents.iter().map(|p| named(p, depth, &name)).collect();
            let mut seen = std::collections::BTreeSet::new();
            names.iter().all(|n| seen.insert(n)).then_some(names)
        });
        if let Some(names) = renamed {
            for (&i, new) in members.iter().zip(names) {
                ws.services[i].name = new;
            }
        }
    }
}

/// The parent folders of a package folder, nearest first (`examples/soa/server` -> `soa`,
/// `examples`), without leading dots and empty names.
fn parent_folders(dir: &str) -> Vec<&str> {
    let mut parts: Vec<&str> = dir.split('/').collect();
    parts.pop();
    (parts.into_iter().rev())
        .map(|p| p.trim_start_matches('.'))
        .filter(|p| !p.is_empty())
        .collect()
}

/// `name` after the `depth` nearest parents, outermost first (`soa-server`).
fn named(parents: &[&str], depth: usize, name: &str) -> String {
    let mut parts: Vec<&str> = parents.iter().take(depth).rev().copied().collect();
    parts.push(name);
    parts.join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parents_are_nearest_first_without_dots() {
        assert_eq!(
            parent_folders("examples/.test/ssg"),
            vec!["test", "examples"]
        );
        assert_eq!(parent_folders("server"), Vec::<&str>::new());
        assert_eq!(named(&["soa", "examples"], 1, "server"), "soa-server");
        assert_eq!(
            named(&["soa", "examples"], 2, "server"),
            "examples-soa-server"
        );
    }
}
