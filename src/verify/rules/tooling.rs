//! What builds a service but must not ship with it:
//!
//! - `dev-dependency`: packages installed in the app's `node_modules` that the manifests (the
//!   image's, and the workspace's when known) list only as `devDependencies` and that nothing
//!   needed at run time depends on; plus the packages only they need.
//! - `workspace-tooling`: pnpm (the package, its binaries, its content-addressable store,
//!   `PNPM_HOME`, corepack's cached copy), nx, turbo, lerna, rush; workspace files
//!   (`pnpm-workspace.yaml`, `pnpm-lock.yaml`, `nx.json`, `turbo.json`, `lerna.json`,
//!   `rush.json`); npm/yarn workspace root manifests.
//! - `workspace-protocol`: a visible `package.json` keeping `workspace:`/`catalog:` specs.
//! - `toolchain`: TypeScript and TS runners, C compilers and make, cargo/rustc/rustup and their
//!   homes. C headers (`/usr/include`, Node's `/usr/local/include/node`) are not a toolchain
//!   without a compiler, and ship in sound runtime bases, so they are not reported.
//! - `package-manager` (warning): npm, npx, yarn, corepack as installed globally, which the
//!   official Node images ship; a project may turn it off.
//!
//! Like every rule, it looks only at the [`super::Ctx`] (no I/O) and never writes a message
//! text of its own: its messages are constructors in [`crate::verify::diags`].

use super::{Collector, Ctx, Hit};
use crate::image::EntryKind;
use crate::verify::diags::Diag;
use crate::verify::facts::Shipped;
use crate::verify::fs;
use crate::verify::subject::find_installed;

/// Directories a program is run from.
const BIN_DIRS: &[&str] = &[
    "/bin",
    "/sbin",
    "/usr/bin",
    "/usr/sbin",
    "/usr/local/bin",
    "/usr/local/sbin",
    "/usr/local/cargo/bin",
];

pub use crate::verify::fs::package_dir;

fn in_bin_dir(path: &str, ctx: &Ctx) -> bool {
    let parent = fs::parent(path);
    BIN_DIRS.contains(&parent)
        || ctx
            .facts
            .path_dirs()
            .iter()
            .any(|d| d == parent && !fs::in_node_modules(d))
}

fn is_program(s: Shipped) -> bool {
    matches!(
        s.entry.kind,
        EntryKind::File | EntryKind::Symlink | EntryKind::HardLink
    )
}

pub fn classify_dev(ctx: &Ctx, s: Shipped) -> Option<Hit> {
    let (dir, name) = package_dir(s.entry.path)?;
    let sub = ctx.subject;
    // The link a package manager puts in a package's place (pnpm's `node_modules/typescript`
    // -> `.pnpm/typescript@5.9.3/node_modules/typescript`, and the hoisted
    // `.pnpm/node_modules/typescript`) is that package: a dev dependency's link is the dev
    // dependency's finding, not also a toolchain's or another rule's.
    let resolved;
    let dir = if s.entry.kind == EntryKind::Symlink && s.entry.path == dir {
        resolved = ctx.facts.fs.resolve(dir);
        match resolved.as_deref() {
            Some(real) if sub.dev_direct.contains(real) || sub.dev_transitive.contains(real) => {
                real
            }
            _ => dir,
        }
    } else {
        dir
    };
    if sub.dev_by_root.contains(dir) {
        return Some(Hit::new(Diag::root_dependencies(), dir));
    }
    if sub.dev_direct.contains(dir) {
        return Some(Hit::new(Diag::dev_dependencies(), dir));
    }
    if sub.dev_transitive.contains(dir) {
        return Some(Hit::new(Diag::dev_only_dependencies(), dir));
    }
    let _ = name;
    None
}

const TOOLING_PACKAGES: &[(&str, &str)] = &[
    ("pnpm", "pnpm"),
    ("@pnpm/exe", "pnpm"),
    ("nx", "nx"),
    ("turbo", "turbo"),
    ("lerna", "lerna"),
    ("@microsoft/rush", "rush"),
];
const TOOLING_BINS: &[(&str, &str)] = &[
    ("pnpm", "pnpm"),
    ("pnpx", "pnpm"),
    ("nx", "nx"),
    ("turbo", "turbo"),
    ("lerna", "lerna"),
    ("rush", "rush"),
];
const TOOLING_FILES: &[(&str, &str)] = &[
    ("pnpm-workspace.yaml", "pnpm"),
    ("pnpm-lock.yaml", "pnpm"),
    (".pnpmfile.cjs", "pnpm"),
    ("nx.json", "nx"),
    ("turbo.json", "turbo"),
    ("lerna.json", "lerna"),
    ("rush.json", "rush"),
];

fn tooling(tool: &str, report: &str) -> Option<Hit> {
    Some(Hit::new(Diag::workspace_tooling(tool), report))
}

pub fn classify(ctx: &Ctx, s: Shipped) -> Option<Hit> {
    let path = s.entry.path;
    let base = fs::basename(path);
    // pnpm's content-addressable store and its home (the substring test keeps the common case
    // cheap). Not the virtual store `node_modules/.pnpm` nor its `.modules.yaml`: that is how
    // pnpm lays out an installed `node_modules` (`pnpm deploy --prod`, pnpm's own Docker
    // recipe, writes one), the only copy of the service's packages; they are judged as
    // installed packages (dev dependencies, toolchains, other services) like any other.
    let suspicious = path.contains("pnpm") || path.contains("/.nx") || path.contains("/.turbo");
    for a in fs::self_and_ancestors(path).filter(|_| suspicious) {
        let b = fs::basename(a);
        if b == ".pnpm-store"
            || (b == "pnpm"
                && (a.ends_with("/.local/share/pnpm")
                    || a.ends_with("/.cache/pnpm")
                    || a == "/pnpm"))
            // corepack's download cache (`~/.cache/node/corepack/v1/pnpm/<version>`), not the
            // `pnpm` shims corepack itself ships in node_modules.
            || (b == "pnpm" && a.contains("/corepack/") && !fs::in_node_modules(a))
        {
            return tooling("pnpm", a);
        }
        if (b == ".nx" || b == ".turbo") && !fs::in_node_modules(a) {
            return tooling(b.trim_start_matches('.'), a);
        }
    }
    if let Some((dir, name)) = package_dir(path) {
        if let Some((_, tool)) = TOOLING_PACKAGES.iter().find(|(p, _)| *p == name) {
            return tooling(tool, dir);
        }
    }
    if !fs::in_node_modules(path) {
        if let Some((_, tool)) = TOOLING_FILES.iter().find(|(f, _)| *f == base) {
            return tooling(tool, path);
        }
    }
    if is_program(s) && in_bin_dir(path, ctx) {
        if let Some((_, tool)) = TOOLING_BINS.iter().find(|(b, _)| *b == base) {
            return tooling(tool, path);
        }
    }
    if base == "package.json" && !fs::in_node_modules(path) {
        let dir = fs::parent(path);
        let root = ctx
            .facts
            .manifests
            .get(dir)
            .or_else(|| ctx.facts.hidden_manifests.iter().find(|m| m.dir == dir));
        if root.is_some_and(|m| m.workspaces) {
            return Some(Hit::new(Diag::workspace_root_manifest(), path));
        }
    }
    None
}

const TOOLCHAIN_PACKAGES: &[&str] = &["typescript", "ts-node", "tsx", "ts-node-dev", "@swc/cli"];
const TOOLCHAIN_BINS: &[&str] = &[
    "tsc", "ts-node", "tsx", "gcc", "g++", "cc", "c++", "clang", "clang++", "make", "gmake",
    "cmake", "cargo", "rustc", "rustup", "rustdoc",
];
const PM_PACKAGES: &[&str] = &["npm", "corepack", "yarn"];
const PM_BINS: &[&str] = &["npm", "npx", "yarn", "yarnpkg", "corepack"];

/// `gcc-12`, `x86_64-linux-gnu-gcc-12`, `clang-16`: versioned and target-prefixed compilers.
fn is_compiler_name(base: &str) -> bool {
    let stem = base
        .trim_end_matches(|c: char| c.is_ascii_digit() || c == '.')
        .trim_end_matches('-');
    ["gcc", "g++", "clang", "clang++", "cc", "c++"]
        .iter()
        .any(|c| stem == *c || stem.ends_with(&format!("-{c}")))
}

fn toolchain(what: &str, report: &str) -> Option<Hit> {
    Some(Hit::new(Diag::toolchain(what), report))
}

pub fn classify_toolchain(ctx: &Ctx, s: Shipped) -> Option<Hit> {
    let path = s.entry.path;
    let base = fs::basename(path);
    if let Some((dir, name)) = package_dir(path) {
        if TOOLCHAIN_PACKAGES.contains(&name) {
            // A production dependency needs it (`@trpc/server`'s peer `typescript`): the
            // image is as the lockfile locks it, and the package is not a build leftover.
            let needed =
                (ctx.facts.fs.resolve(dir)).is_some_and(|r| ctx.subject.runtime.contains(&r));
            return (!needed).then(|| Hit::new(Diag::toolchain(name), dir));
        }
        let global = !ctx
            .subject
            .app_root
            .as_deref()
            .is_some_and(|r| fs::is_within(dir, r));
        if global && PM_PACKAGES.contains(&name) && !ctx.subject.runtime.contains(dir) {
            return Some(Hit::new(Diag::package_manager(name), dir));
        }
        return None;
    }
    // Rust and its homes.
    let suspicious = path.contains("cargo") || path.contains("rust") || path.contains("/opt/yarn");
    for a in fs::self_and_ancestors(path).filter(|_| suspicious) {
        let b = fs::basename(a);
        if matches!(
            a,
            "/usr/local/cargo"
                | "/usr/local/rustup"
                | "/usr/lib/rustlib"
                | "/usr/local/lib/rustlib"
        ) || ((b == ".cargo" || b == ".rustup")
            && ctx.facts.homes().iter().any(|h| fs::parent(a) == h))
        {
            // Credentials inside ~/.cargo were claimed by the secrets rule already.
            return toolchain("Rust", a);
        }
        if b.starts_with("yarn-v") && fs::parent(a) == "/opt" {
            return Some(Hit::new(Diag::package_manager("yarn"), a));
        }
    }
    if is_program(s) && in_bin_dir(path, ctx) {
        if TOOLCHAIN_BINS.contains(&base) || is_compiler_name(base) {
            return toolchain(base, path);
        }
        if PM_BINS.contains(&base) {
            let name = match base {
                "npx" => "npm",
                "yarnpkg" => "yarn",
                b => b,
            };
            return Some(Hit::new(Diag::package_manager(name), path));
        }
    }
    None
}

/// `workspace-protocol`: visible manifests whose run-time dependencies keep a spec only pnpm
/// understands (`workspace:`, `catalog:`) and that is not installed where Node would look for
/// it: the image was made from the workspace without resolving the package in. A spec whose
/// package pnpm or yarn installed is resolved (`pnpm deploy` keeps the specs as written); one
/// whose package sits in a tree npm installed is not (npm cannot have installed it), and
/// dev dependencies are not installed in a production image at all. Hidden (overwritten)
/// manifests are not reported: their specs no longer affect anything; nor are manifests a path
/// rule claimed (another service's, a foreign package's): one cause, one finding.
pub fn check_manifests(ctx: &Ctx, out: &mut Collector) {
    for m in ctx.facts.manifests.values() {
        if ctx.policy.allowed(&m.path()) || out.claimed_manifest(&m.path()) {
            continue;
        }
        let bad: Vec<String> = m
            .dependencies
            .iter()
            .filter(|(_, spec)| spec.starts_with("workspace:") || spec.starts_with("catalog:"))
            .filter(|(n, _)| !installed_by_workspace_tool(ctx, &m.dir, n))
            .map(|(n, spec)| format!("{n}: {spec}"))
            .collect();
        if bad.is_empty() {
            continue;
        }
        out.config_with_paths(
            Diag::workspace_protocol(&m.path(), &bad),
            bad,
            vec![m.path()],
            Some(m.layer),
        );
    }
}

/// Whether package `name`, needed from folder `dir` through a `workspace:`/`catalog:` spec, is
/// installed by a tool that understands those specs. A tree npm installed (its hidden lockfile
/// `node_modules/.package-lock.json`, and none of pnpm's or yarn's marks) cannot have come from
/// such a manifest: npm refuses the spec, so the manifest was swapped after the install and no
/// longer says what the image holds (`npm ls`, `npm ci` and any later install break on it).
fn installed_by_workspace_tool(ctx: &Ctx, dir: &str, name: &str) -> bool {
    let Some((modules, real)) = find_installed(ctx.facts, dir, name) else {
        return false;
    };
    let fs = &ctx.facts.fs;
    let by = |mark: &str| fs.exists(&fs::join(&modules, mark));
    let pnpm_or_yarn = by(".modules.yaml")
        || by(".pnpm")
        || by(".yarn-state.yml")
        || real.contains("/node_modules/.pnpm/");
    pnpm_or_yarn || !by(".package-lock.json")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_dirs_and_compiler_names() {
        assert_eq!(
            package_dir("/app/node_modules/@s/x/lib/a.js"),
            Some(("/app/node_modules/@s/x", "@s/x"))
        );
        assert_eq!(
            package_dir("/app/node_modules/a/node_modules/b/index.js"),
            Some(("/app/node_modules/a/node_modules/b", "b"))
        );
        assert_eq!(package_dir("/app/node_modules/.bin/tsc"), None);
        assert_eq!(package_dir("/app/dist/x.js"), None);
        for c in [
            "gcc",
            "gcc-12",
            "x86_64-linux-gnu-gcc-12",
            "clang-16",
            "c++",
            "cc",
        ] {
            assert!(is_compiler_name(c), "{c}");
        }
        for c in [
            "ccache-x",
            "gcc-ar-12x",
            "node",
            "cat",
            "docker-entrypoint.sh",
        ] {
            assert!(!is_compiler_name(c), "{c}");
        }
    }
}
