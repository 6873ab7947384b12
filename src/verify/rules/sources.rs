//! `sources`: `*.ts`/`*.tsx`/`*.mts`/`*.cts` (declaration files `*.d.ts` excepted),
//! `tsconfig*.json`, the `src/` folder of the service and of any package outside
//! `node_modules` (unless the package's own entry points are in it: then `src/` is what runs),
//! `*.rs`, `Cargo.toml`, `Cargo.lock`, Cargo `target/` folders, and whatever else a crate folder
//! (one holding a `Cargo.toml`) copied into the image holds. Not Prisma 7's `prisma.config.ts`
//! at the top of a package whose manifest in the image needs the `prisma` CLI in production:
//! the CLI reads it at run time, and generate ships it. Nor a TypeScript file the service
//! declares in `[generate.services.<name>] assets`: generate ships it because the user asked.
//! Nor a Next.js app's `next.config.ts` (`.mts`) at the top of the service's package when its
//! manifest in the image lists `next` in production: `next start` compiles and runs it when the
//! server starts, and generate ships it.
//!
//! Third-party packages are not searched (many publish their TypeScript next to the build), nor
//! are distribution folders (`/usr/lib`, `/usr/share`, ...) where a `.ts` is as likely an MPEG
//! transport stream. The service's and internal packages' folders are searched even when they
//! are installed into `node_modules`.
//!
//! Like every rule, it looks only at the [`super::Ctx`] (no I/O) and never writes a message
//! text of its own: its messages are constructors in [`crate::verify::diags`].

use super::{Ctx, Hit};
use crate::image::EntryKind;
use crate::verify::diags::Diag;
use crate::verify::facts::Shipped;
use crate::verify::fs;
use crate::verify::subject::Role;

const SYSTEM: &[&str] = &[
    "/usr/share",
    "/usr/lib",
    "/usr/lib64",
    "/usr/include",
    "/usr/local/include",
    "/usr/local/lib",
    "/usr/local/share",
    "/lib",
    "/lib64",
    "/etc",
    "/proc",
    "/sys",
    "/dev",
    "/var/lib",
    "/var/cache",
];

pub fn is_typescript_source(base: &str) -> bool {
    let is_ts = [".ts", ".tsx", ".mts", ".cts"]
        .iter()
        .any(|e| base.ends_with(e));
    let is_decl = [".d.ts", ".d.mts", ".d.cts"]
        .iter()
        .any(|e| base.ends_with(e));
    is_ts && !is_decl
}

pub fn classify(ctx: &Ctx, s: Shipped) -> Option<Hit> {
    let path = s.entry.path;
    if SYSTEM.iter().any(|d| fs::is_within(path, d)) {
        return None;
    }
    let owner = ctx.owner(path);
    if fs::in_node_modules(path) {
        // Only our own packages, installed into node_modules as folders.
        let ours = matches!(owner, Some((dir, Role::Service | Role::Internal)) if !fs::in_node_modules(&path[dir.len()..]));
        if !ours {
            return None;
        }
    }
    let base = fs::basename(path);
    let is_file = matches!(
        s.entry.kind,
        EntryKind::File | EntryKind::HardLink | EntryKind::Symlink
    );

    // Cargo build folders.
    let in_target = path.contains("/target");
    for a in fs::self_and_ancestors(path).filter(|_| in_target) {
        if fs::basename(a) == "target" {
            let marker = ["CACHEDIR.TAG", ".rustc_info.json", "release", "debug"]
                .iter()
                .any(|m| ctx.facts.fs.exists(&fs::join(a, m)));
            if marker {
                return Some(Hit::new(Diag::cargo_target_folder(), a));
            }
        }
    }

    // src/ of a package (ours or any package outside node_modules).
    if let Some((dir, _)) = owner.filter(|_| path.contains("/src")) {
        let src = if dir == "/" {
            "/src".to_string()
        } else {
            format!("{dir}/src")
        };
        if fs::is_within(path, &src) {
            let m = ctx.facts.manifests.get(dir);
            let runs_from_src = m.is_some_and(|m| m.output_dirs.iter().any(|d| d == "src"))
                || launched_from(ctx, &src);
            if !runs_from_src {
                return Some(Hit::new(Diag::src_folder(), src));
            }
        }
    }

    if !is_file {
        return None;
    }
    // A declared asset (`[generate.services.<name>] assets`) ships because the user asked.
    let declared = declared_asset(ctx, path, owner);
    let read_at_run_time =
        prisma_cli_config(ctx, path, owner) || next_start_config(ctx, path, owner);
    if is_typescript_source(base) && !read_at_run_time && !declared {
        return Some(Hit::new(Diag::typescript_sources(), path));
    }
    if base.starts_with("tsconfig") && base.ends_with(".json") {
        return Some(Hit::new(Diag::typescript_configs(), path));
    }
    if base.ends_with(".rs") {
        // A crate's src/ is one path, not one per file.
        let report = fs::self_and_ancestors(path)
            .find(|a| {
                fs::basename(a) == "src"
                    && ctx.facts.fs.exists(&fs::join(fs::parent(a), "Cargo.toml"))
            })
            .unwrap_or(path);
        return Some(Hit::new(Diag::rust_sources(), report));
    }
    if base == "Cargo.toml" || base == "Cargo.lock" {
        return Some(Hit::new(Diag::cargo_manifests(), path));
    }
    crate_folder(ctx, s, owner.map(|(dir, _)| dir)).map(|dir| Hit::new(Diag::crate_folder(), dir))
}

/// Whether `path` is one of the service's declared assets where generate puts it: under the
/// app root for a Cargo service (`<app_root>/<asset>`), in the service's folder for a Node
/// service (`<service folder>/<asset>`).
fn declared_asset(ctx: &Ctx, path: &str, owner: Option<(&str, &Role)>) -> bool {
    if ctx.policy.assets.matches(path) {
        return true;
    }
    let (Some((dir, Role::Service)), Some(root)) = (owner, ctx.subject.app_root.as_deref()) else {
        return false;
    };
    let rel = path.strip_prefix(dir).filter(|r| r.starts_with('/'));
    rel.is_some_and(|rel| {
        (ctx.policy.assets).matches(&format!("{}{rel}", root.trim_end_matches('/')))
    })
}

/// The crate folder (one holding a `Cargo.toml`) a file was copied in with: a crate folder in
/// the image is its sources, and what else it holds (its README, Dockerfile, build config)
/// came with them: one cause, one finding, not also `app-root-foreign`. Not the service's
/// binary, the entrypoint's file or declared assets, and not files of a Node package (a
/// package with a native addon may hold a crate, and its built addon is what runs).
fn crate_folder<'p>(ctx: &Ctx, s: Shipped<'p>, owner: Option<&str>) -> Option<&'p str> {
    let path = s.entry.path;
    let sub = ctx.subject;
    if owner.is_some()
        || sub.binary.as_deref() == Some(path)
        || ctx.launch.file() == Some(path)
        || ctx.policy.assets.matches(path)
    {
        return None;
    }
    let dir = fs::self_and_ancestors(fs::parent(path))
        .take_while(|a| *a != "/")
        .find(|a| ctx.facts.crate_dirs.contains(*a))?;
    Some(dir)
}

/// Prisma 7's `prisma.config.ts` (`.mts`, `.cts`) at the top of one of our packages whose
/// manifest in the image lists the `prisma` CLI among its production dependencies: the CLI
/// reads it at run time (`prisma migrate deploy` takes the database URL from it, not from the
/// schema), and generate ships it (hoppscotch's backend publishes it with `files`).
fn prisma_cli_config(ctx: &Ctx, path: &str, owner: Option<(&str, &Role)>) -> bool {
    let Some((dir, Role::Service | Role::Internal)) = owner else {
        return false;
    };
    let base = fs::basename(path);
    let config = ["prisma.config.ts", "prisma.config.mts", "prisma.config.cts"].contains(&base);
    config
        && fs::parent(path) == dir
        && ctx.facts.manifests.get(dir).is_some_and(|m| {
            m.dependencies
                .iter()
                .chain(&m.optional)
                .any(|(name, _)| name == "prisma")
        })
}

/// A Next.js config in TypeScript at the top of the service's package whose manifest in the
/// image lists `next` among its production dependencies: `next start` compiles it (payload's
/// templates, pnpm11-payload-templates' website) when the server starts.
fn next_start_config(ctx: &Ctx, path: &str, owner: Option<(&str, &Role)>) -> bool {
    let Some((dir, Role::Service)) = owner else {
        return false;
    };
    ["next.config.ts", "next.config.mts"].contains(&fs::basename(path))
        && fs::parent(path) == dir
        && ctx.facts.manifests.get(dir).is_some_and(|m| {
            (m.dependencies.iter())
                .chain(&m.optional)
                .any(|(name, _)| name == "next")
        })
}

/// Whether the entrypoint's file is under `dir`.
fn launched_from(ctx: &Ctx, dir: &str) -> bool {
    match ctx.launch {
        crate::verify::launch::Launch::Node {
            resolved: Some(f), ..
        }
        | crate::verify::launch::Launch::Binary {
            resolved: Some(f), ..
        } => fs::is_within(f, dir),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::is_typescript_source;

    #[test]
    fn typescript_sources_but_not_declarations() {
        for s in ["a.ts", "a.tsx", "a.mts", "a.cts"] {
            assert!(is_typescript_source(s));
        }
        for s in ["a.d.ts", "a.d.mts", "a.js", "a.d.cts", "tsconfig.json"] {
            assert!(!is_typescript_source(s));
        }
    }
}
