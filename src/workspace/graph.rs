//! The dependency graph between workspace packages: transitive closures in topological order,
//! and cycles reported by name.

use std::collections::BTreeSet;

use super::{DepKind, Package};

/// A cycle, as the package names along it (`a -> b -> a`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cycle(pub Vec<String>);

impl std::fmt::Display for Cycle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.join(" -> "))
    }
}

/// The packages reachable from `start` over edges whose kind `follow` accepts (and, from there,
/// over runtime edges only when `transitive_runtime_only` is set), in topological order:
/// every package comes after the packages it depends on. `start` itself is not included.
///
/// A cycle among the reachable packages is an error naming it.
pub fn closure(
    packages: &[Package],
    start: usize,
    follow_first: impl Fn(DepKind) -> bool,
    follow_rest: impl Fn(DepKind) -> bool,
) -> Result<Vec<usize>, Cycle> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        None,
        OnStack,
        Done,
    }
    let mut marks = vec![Mark::None; packages.len()];
    let mut order = Vec::new();
    let mut stack: Vec<usize> = Vec::new();

    fn visit(
        packages: &[Package],
        node: usize,
        follow: &dyn Fn(DepKind) -> bool,
        follow_rest: &dyn Fn(DepKind) -> bool,
        marks: &mut [Mark],
        stack: &mut Vec<usize>,
        order: &mut Vec<usize>,
    ) -> Result<(), Cycle> {
        match marks[node] {
            Mark::Done => return Ok(()),
            Mark::OnStack => {
                let from = stack.iter().position(|&n| n == node).unwrap_or(0);
                let mut names: Vec<String> = stack[from..]
                    .iter()
                    .map(|&n| packages[n].name.clone())
                    .collect();
                names.push(packages[node].name.clone());
                return Err(Cycle(names));
            }
            Mark::None => {}
        }
        marks[node] = Mark::OnStack;
        stack.push(node);
        // Deterministic order: by name of the dependency.
        let deps: BTreeSet<(&str, usize)> = packages[node]
            .internal_deps
            .iter()
            .filter(|d| follow(d.kind))
            .map(|d| (packages[d.package].name.as_str(), d.package))
            .collect();
        for (_, dep) in deps {
            visit(packages, dep, follow_rest, follow_rest, marks, stack, order)?;
        }
        stack.pop();
        marks[node] = Mark::Done;
        order.push(node);
        Ok(())
    }

    visit(
        packages,
        start,
        &follow_first,
        &follow_rest,
        &mut marks,
        &mut stack,
        &mut order,
    )?;
    order.pop(); // `start` is last in post-order
    Ok(order)
}

/// Every package reachable from `start` over edges whose kind `follow` accepts, dependencies
/// before their dependents where the edges allow it. Unlike [`closure`], cycles are not an
/// error: pnpm links and installs workspace packages that depend on each other (through
/// `devDependencies`, or at run time: `db` -> `queue` -> `db`) and only warns; a cycle is
/// broken at the edge that closes it, members in name order. `start` itself is not included.
pub fn reachable(
    packages: &[Package],
    start: usize,
    follow: impl Fn(DepKind) -> bool,
) -> Vec<usize> {
    fn visit(
        packages: &[Package],
        node: usize,
        follow: &dyn Fn(DepKind) -> bool,
        seen: &mut [bool],
        order: &mut Vec<usize>,
    ) {
        seen[node] = true;
        let deps: BTreeSet<(&str, usize)> = packages[node]
            .internal_deps
            .iter()
            .filter(|d| follow(d.kind))
            .map(|d| (packages[d.package].name.as_str(), d.package))
            .collect();
        for (_, dep) in deps {
            if !seen[dep] {
                visit(packages, dep, follow, seen, order);
            }
        }
        order.push(node);
    }
    let mut seen = vec![false; packages.len()];
    let mut order = Vec::new();
    visit(packages, start, &follow, &mut seen, &mut order);
    order.pop();
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::{Ecosystem, InternalDep};

    fn pkg(name: &str, deps: &[(usize, DepKind)]) -> Package {
        Package {
            ecosystem: Ecosystem::Pnpm,
            name: name.into(),
            version: None,
            dir: format!("packages/{name}"),
            manifest: format!("packages/{name}/package.json"),
            internal_deps: deps
                .iter()
                .map(|&(package, kind)| InternalDep {
                    alias: String::new(),
                    package,
                    kind,
                    spec: "workspace:*".into(),
                })
                .collect(),
            external_deps: vec![],
            dev_deps: vec![],
            node: None,
            cargo: None,
        }
    }

    fn runtime(p: &[Package], start: usize) -> Result<Vec<usize>, Cycle> {
        closure(p, start, DepKind::is_runtime, DepKind::is_runtime)
    }

    #[test]
    fn topological_dependencies_first() {
        // 0 svc -> 1 a -> 2 b ; svc -> 2 b
        let p = vec![
            pkg("svc", &[(1, DepKind::Normal), (2, DepKind::Normal)]),
            pkg("a", &[(2, DepKind::Normal)]),
            pkg("b", &[]),
        ];
        assert_eq!(runtime(&p, 0).unwrap(), vec![2, 1]);
    }

    #[test]
    fn the_runtime_closure_leaves_dev_edges_out() {
        let p = vec![
            pkg("svc", &[(1, DepKind::Dev)]),
            pkg("tools", &[(2, DepKind::Dev)]),
            pkg("testkit", &[]),
        ];
        assert!(runtime(&p, 0).unwrap().is_empty());
    }

    #[test]
    fn cycle_is_named() {
        let p = vec![
            pkg("svc", &[(1, DepKind::Normal)]),
            pkg("a", &[(2, DepKind::Normal)]),
            pkg("b", &[(1, DepKind::Optional)]),
        ];
        let c = runtime(&p, 0).unwrap_err();
        assert_eq!(c.to_string(), "a -> b -> a");
    }

    #[test]
    fn reachable_tolerates_runtime_cycles() {
        // svc -> db -> queue -> db, as pnpm installs it.
        let p = vec![
            pkg("svc", &[(1, DepKind::Normal)]),
            pkg("db", &[(2, DepKind::Normal)]),
            pkg("queue", &[(1, DepKind::Normal)]),
        ];
        assert_eq!(reachable(&p, 0, DepKind::is_runtime), vec![2, 1]);
    }

    #[test]
    fn reachable_tolerates_dev_cycles() {
        let p = vec![
            pkg("svc", &[(1, DepKind::Normal)]),
            pkg("core", &[(2, DepKind::Dev)]),
            pkg("testkit", &[(1, DepKind::Normal)]),
        ];
        assert_eq!(reachable(&p, 0, |_| true), vec![2, 1]);
    }
}
