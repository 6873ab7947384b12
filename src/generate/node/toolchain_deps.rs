//! The warning for build tools a shipped package declares as production dependencies
//! (novel's Next.js app lists `typescript` in `dependencies`): the production install puts
//! them in the image. `isogen verify` fails it for turbo, nx, lerna (`workspace-tooling`);
//! a compiler (`toolchain`: typescript, tsx, ...) it passes as part of the production closure
//! (papra runs its migrations with `tsx` at run time), so the warning says so instead of
//! predicting a failure. Named in the first run, with the fix (move them to
//! devDependencies: the build stage installs those). A Next.js standalone output installs
//! nothing and gets no warning. A peer dependency is not warned about (`@trpc/server`'s peer
//! `typescript`): what it asks of its host is not a build tool it ships, and verify passes a
//! package the production closure needs. It only reads the workspace model; it never changes
//! what the Dockerfile installs.

use crate::workspace::{DepKind, Package, Service, Workspace};

/// Packages `isogen verify` refuses in a runtime image, with the rule that refuses them (the
/// package lists of verify's `toolchain` and `workspace-tooling` rules).
const REFUSED: &[(&str, &str)] = &[
    ("typescript", "toolchain"),
    ("ts-node", "toolchain"),
    ("tsx", "toolchain"),
    ("ts-node-dev", "toolchain"),
    ("@swc/cli", "toolchain"),
    ("pnpm", "workspace-tooling"),
    ("@pnpm/exe", "workspace-tooling"),
    ("nx", "workspace-tooling"),
    ("turbo", "workspace-tooling"),
    ("lerna", "workspace-tooling"),
    ("@microsoft/rush", "workspace-tooling"),
];

/// The verify rule that refuses the package `name` in a runtime image, if any.
pub(super) fn refused_by(name: &str) -> Option<&'static str> {
    REFUSED
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, rule)| *rule)
}

/// Whether `p` declares `name` in `dependencies` or `optionalDependencies` (not only as a
/// peer or a devDependency).
fn declares_for_production(p: &Package, name: &str) -> bool {
    match p.node.as_ref() {
        Some(node) => node.deps.iter().any(|d| {
            d.key == name
                && d.internal.is_none()
                && matches!(d.kind, DepKind::Normal | DepKind::Optional)
        }),
        None => p.external_deps.iter().any(|d| d == name),
    }
}

/// A package name and the verify rule that names it.
type Found<'a> = (&'a str, &'a str);

/// "is"/"it" for one name, "are"/"them" for several.
fn words(n: usize) -> (&'static str, &'static str) {
    if n == 1 {
        ("is", "it")
    } else {
        ("are", "them")
    }
}

/// One warning per shipped package (the service and the internal packages it loads) that
/// declares any of [`REFUSED`] in `dependencies` or `optionalDependencies`: those verify
/// fails (`workspace-tooling`) and the build tools it passes (`toolchain`) each in their own.
pub(super) fn warn(ws: &Workspace, service: &Service, warnings: &mut Vec<String>) {
    for i in super::runtime::shipped(service) {
        let p = ws.package(i);
        let found: Vec<(&str, &str)> = REFUSED
            .iter()
            .copied()
            .filter(|(name, _)| declares_for_production(p, name))
            .collect();
        if found.is_empty() {
            continue;
        }
        let list = |found: &[(&str, &str)]| -> Vec<String> {
            found.iter().map(|(n, _)| format!("`{n}`")).collect()
        };
        let (passes, fails): (Vec<Found>, Vec<Found>) =
            found.iter().partition(|(_, rule)| *rule == "toolchain");
        if !fails.is_empty() {
            let names = list(&fails);
            let mut rules: Vec<&str> = fails.iter().map(|(_, r)| *r).collect();
            rules.dedup();
            let (is, it) = words(names.len());
            warnings.push(format!(
                "{}: {} {is} in its production dependencies, so the image of `{}` ships {it} \
                 and `isogen verify` fails it (rule {}); move {it} to devDependencies (the build \
                 stage installs those)",
                p.manifest,
                names.join(", "),
                service.name,
                rules.join(", "),
            ));
        }
        if !passes.is_empty() {
            let names = list(&passes);
            let (is, it) = words(names.len());
            warnings.push(format!(
                "{}: {} {is} in its production dependencies, so the image of `{}` ships {it} (a \
                 build tool; `isogen verify` accepts {it} as part of the production closure): move \
                 {it} to devDependencies (the build stage installs those) unless the service \
                 runs {it} at run time",
                p.manifest,
                names.join(", "),
                service.name,
            ));
        }
    }
}
