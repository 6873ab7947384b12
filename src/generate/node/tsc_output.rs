//! A service whose entry its own `tsc` build does not write: the tsconfig sets `outDir` but
//! no `rootDir`, and a file outside `src/` (`prisma.config.ts` at the package top) makes tsc
//! take the package folder as the root, so `dist/main.js` is written as `dist/src/main.js`.
//! The image would build and stop at start with MODULE_NOT_FOUND; it is refused instead,
//! naming the tsconfig, the files that widened the root, the path tsc writes and the fixes.
//!
//! It only acts on discovery's prediction ([`crate::workspace::pnpm::tsc_root`]), which
//! exists only for builds read exactly; it never reads a file and never guesses.

use crate::error::{Error, Result};
use crate::workspace::pnpm::tsc_root::TscBuild;
use crate::workspace::relpath;

/// The output a compile input becomes (`src/main.ts` -> `src/main.js`).
fn output_of(input: &str) -> Option<String> {
    let (stem, ext) = input.rsplit_once('.')?;
    let out = match ext {
        "ts" | "tsx" | "js" | "jsx" => "js",
        "mts" | "mjs" => "mjs",
        "cts" | "cjs" => "cjs",
        _ => return None,
    };
    Some(format!("{stem}.{out}"))
}

/// `path` (workspace-relative) as seen from the folder `dir` (`../shared/x.ts`).
fn relative_to(dir: &str, path: &str) -> String {
    let from: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
    let to: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let same = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let up = std::iter::repeat_n("..", from.len() - same);
    up.chain(to[same..].iter().copied())
        .collect::<Vec<_>>()
        .join("/")
}

/// What the refusal names.
pub(super) struct Service<'a> {
    pub name: &'a str,
    /// The package folder (workspace-relative).
    pub dir: &'a str,
    /// The entry, relative to the package folder (`dist/main.js`).
    pub entry: &'a str,
    /// Where the entry comes from (`its \`start\` script`).
    pub source: String,
    /// `[generate.services.<name>]`.
    pub section: &'a str,
}

/// Refuses `svc` when `build` writes its entry under another path (see the module doc).
pub(super) fn check(root: &std::path::Path, build: &TscBuild, svc: &Service) -> Result<()> {
    let Some(entry) = relpath::join(svc.dir, svc.entry) else {
        return Ok(());
    };
    let Some(wanted) = entry
        .strip_prefix(build.out_dir.as_str())
        .and_then(|r| r.strip_prefix('/'))
    else {
        return Ok(());
    };
    let outputs: Vec<(String, &String)> = build
        .inputs
        .iter()
        .filter_map(|i| {
            let rel = i.strip_prefix(build.root_dir.as_str())?;
            let rel = rel.strip_prefix('/').unwrap_or(rel);
            Some((output_of(rel)?, i))
        })
        .collect();
    if outputs.iter().any(|(o, _)| o == wanted) {
        return Ok(());
    }
    let suffix = format!("/{wanted}");
    let Some(written) = outputs
        .iter()
        .filter(|(o, _)| o.ends_with(&suffix))
        .map(|(o, _)| o)
        .min_by_key(|o| o.len())
    else {
        return never_written(root, build, svc, wanted);
    };
    let prefix = &written[..written.len() - suffix.len()];
    let source_dir = relpath::child(&build.root_dir, prefix);
    let pkg_rel = |p: &str| relative_to(svc.dir, p);
    let wideners: Vec<String> = build
        .inputs
        .iter()
        .filter(|i| !relpath::within(i, &source_dir))
        .map(|i| format!("`{}`", pkg_rel(i)))
        .collect();
    let shown = if wideners.len() > 3 {
        format!(
            "{} and {} more",
            wideners[..3].join(", "),
            wideners.len() - 3
        )
    } else {
        wideners.join(", ")
    };
    let tsconfig = pkg_rel(&build.tsconfig);
    let out_dir = pkg_rel(&build.out_dir);
    let real = relpath::child(&out_dir, written);
    let src = pkg_rel(&source_dir);
    let root_shown = if build.root_dir == svc.dir {
        "the package folder".to_string()
    } else {
        format!("`{}`", pkg_rel(&build.root_dir))
    };
    let entry = &svc.entry;
    let (why, fix) = if build.root_set {
        // The tsconfig names the root itself (refly's sandbox-agent: `"rootDir": "./"` with
        // every input under `src/`): no input widened it, so there is none to exclude.
        (
            format!("whose `rootDir` is {root_shown}, so tsc writes `{src}/` under `{out_dir}/` and the entry as `{real}` (not `{entry}`): the image would stop at start with MODULE_NOT_FOUND"),
            format!("set `\"rootDir\": \"{src}\"` in {tsconfig}"),
        )
    } else {
        let first = wideners.first().map(String::as_str).unwrap_or("");
        (
            format!("which sets `outDir` and no `rootDir`: tsc takes the longest common folder of its inputs as the root; with {shown} outside `{src}/`, that is {root_shown}, so tsc writes `{real}` (not `{entry}`) and the image would stop at start with MODULE_NOT_FOUND"),
            format!("add {first} to `exclude` in {tsconfig} (or set `\"include\": [\"{src}\"]` and `\"rootDir\": \"{src}\"` in it)"),
        )
    };
    Err(Error::workspace(
        root.join(&build.tsconfig),
        format!(
            "the service `{name}` starts `{entry}` ({source}), but its `{script}` script compiles with {tsconfig}, {why}; fix one of: {fix}, or start `node {real}`, or set `entry = \"{real}\"` in {section} of isogen.toml",
            name = svc.name,
            source = svc.source,
            script = build.script,
            section = svc.section,
        ),
    ))
}

/// Refuses `svc` when no input of `build` becomes its entry (`wanted`, below `outDir`) and
/// nothing but the compile writes files: a start script naming a file the package no longer
/// has (atproto's `node dist/bin.js` beside a `src/` without `bin.ts`).
fn never_written(
    root: &std::path::Path,
    build: &TscBuild,
    svc: &Service,
    wanted: &str,
) -> Result<()> {
    if !build.only_compile {
        return Ok(());
    }
    let pkg_rel = |p: &str| relative_to(svc.dir, p);
    let stem = wanted.rsplit_once('.').map_or(wanted, |(s, _)| s);
    let source = pkg_rel(&relpath::child(&build.root_dir, &format!("{stem}.ts")));
    let root_how = if build.root_set {
        format!("`rootDir` `{}`", pkg_rel(&build.root_dir))
    } else {
        format!("its inputs' common folder `{}`", pkg_rel(&build.root_dir))
    };
    let package = relpath::child(svc.dir, "package.json");
    Err(Error::workspace(
        root.join(&package),
        format!(
            "the service `{name}` starts `{entry}` ({source_of}), but its `{script}` script compiles {tsconfig} ({root_how}, `outDir` `{out_dir}`) and no input becomes `{entry}`: there is no `{source}` (nor `.tsx`, `.js`, `.jsx`), so the image would build and stop at start with MODULE_NOT_FOUND; fix one of: start a file the build writes, or, if this package is not a service, add its name to `not_services` in [workspace] of isogen.toml, or, if a step before the compile writes `{source}`, set `entry = \"{entry}\"` in {section} of isogen.toml",
            name = svc.name,
            entry = svc.entry,
            source_of = svc.source,
            script = build.script,
            tsconfig = pkg_rel(&build.tsconfig),
            out_dir = pkg_rel(&build.out_dir),
            section = svc.section,
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(inputs: &[&str]) -> TscBuild {
        TscBuild {
            script: "build".into(),
            tsconfig: "api/tsconfig.build.json".into(),
            out_dir: "api/dist".into(),
            root_dir: "api".into(),
            inputs: inputs.iter().map(|s| s.to_string()).collect(),
            root_set: false,
            only_compile: true,
        }
    }

    fn svc(entry: &str) -> Service<'_> {
        Service {
            name: "api",
            dir: "api",
            entry,
            source: "its `start` script".into(),
            section: "[generate.services.api]",
        }
    }

    #[test]
    fn an_entry_written_one_folder_deeper_is_refused() {
        let b = build(&["api/prisma.config.ts", "api/src/main.ts"]);
        let err = check(std::path::Path::new("/w"), &b, &svc("dist/main.js"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("tsc writes `dist/src/main.js`"), "{err}");
        assert!(err.contains("add `prisma.config.ts` to `exclude`"), "{err}");
        assert!(check(Path::new("/w"), &b, &svc("dist/src/main.js")).is_ok());
        // Not in outDir: another check's business.
        assert!(check(Path::new("/w"), &b, &svc("build/main.js")).is_ok());
        // No input makes it, and only the compile writes files: refused, naming the source.
        let err = check(Path::new("/w"), &b, &svc("dist/other.js"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("no input becomes `dist/other.js`: there is no `other.ts`"),
            "{err}"
        );
        // A copy tool or a postbuild script may write it: not refused.
        let copies = TscBuild {
            only_compile: false,
            ..b.clone()
        };
        assert!(check(Path::new("/w"), &copies, &svc("dist/other.js")).is_ok());
        let narrow = TscBuild {
            root_dir: "api/src".into(),
            ..build(&["api/src/main.ts"])
        };
        assert!(check(Path::new("/w"), &narrow, &svc("dist/main.js")).is_ok());
    }

    #[test]
    fn paths_are_shown_from_the_package() {
        assert_eq!(
            relative_to("apps/api", "apps/api/prisma.config.ts"),
            "prisma.config.ts"
        );
        assert_eq!(
            relative_to("apps/api", "apps/shared/x.ts"),
            "../shared/x.ts"
        );
        assert_eq!(relative_to("", "x.ts"), "x.ts");
    }

    use std::path::Path;
}
