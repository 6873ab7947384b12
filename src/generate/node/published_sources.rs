//! Folders a package's `files` field publishes that hold only TypeScript sources (`"files":
//! ["dist", "src"]`, so that npm users get source maps that point somewhere): Node never loads
//! them, the build compiled them into its output, and `isogen verify`'s `sources` rule refuses
//! TypeScript in an image. The image leaves them out, and a warning names the manifest and the
//! folders, so generate and verify agree on what a production image holds.
//!
//! Pure: it decides from the folder listing discovery made ([`PackageFolder::files`]); it never
//! reads the disk. A folder that holds anything but TypeScript (a template, a JSON file, a
//! `.js` file) ships as `files` says: the service may read it at run time.
//!
//! [`PackageFolder::files`]: crate::workspace::pnpm::folder::PackageFolder

use crate::workspace::pnpm::NodePackage;
use crate::workspace::relpath;

/// Removes from `copy` (paths relative to the package folder) the folders its `files` field
/// lists that hold only TypeScript sources and declarations, and the TypeScript files it
/// lists, unless `entry` or the output folder is in one; a warning names the manifest and what
/// was left out, except what `declared` (the service's `assets`, relative to its folder) ships
/// on purpose.
pub(super) fn leave_out(
    manifest: &str,
    n: &NodePackage,
    (entry, declared): (Option<&str>, &[String]),
    copy: &mut Vec<String>,
    warnings: &mut Vec<String>,
) {
    if n.files.is_none() {
        return;
    }
    let mut left_out = Vec::new();
    copy.retain(|rel| {
        let runs_there = entry.is_some_and(|e| relpath::within(e.trim_start_matches("./"), rel))
            || (!n.out_dir.is_empty() && relpath::within(&n.out_dir, rel));
        let asset = declared.iter().any(|d| d.trim_start_matches("./") == rel);
        if !runs_there && is_source_file(n, rel) {
            if !asset {
                left_out.push(rel.clone());
            }
            return false;
        }
        let sources = (!runs_there).then(|| only_typescript(n, rel)).flatten();
        if let Some(count) = sources {
            left_out.push(format!("{rel}/ ({count} files)"));
        }
        sources.is_none()
    });
    if left_out.is_empty() {
        return;
    }
    warnings.push(format!(
        "{}: `files` publishes {}, TypeScript sources that the build compiles into its output; Node does not load them in production, so the image leaves them out (they would fail `isogen verify`'s `sources` rule); if the service reads them at run time, build them into the output instead, or ship them on purpose with `assets` in [generate.services.<name>] of isogen.toml (verify accepts a declared asset)",
        manifest,
        left_out.join(", ")
    ));
}

/// Whether `rel` is one TypeScript source file of the package (`seed.ts`), not Prisma 7's
/// `prisma.config.ts`, which the `prisma` CLI reads at run time (shipped, and accepted by
/// verify).
fn is_source_file(n: &NodePackage, rel: &str) -> bool {
    let prisma_config = ["prisma.config.ts", "prisma.config.mts", "prisma.config.cts"];
    is_source(rel) && !prisma_config.contains(&rel) && n.folder.files.iter().any(|f| f == rel)
}

/// How many files `rel` holds when it is a folder of TypeScript sources (declaration files
/// may be among them, at least one source); `None` for anything else.
fn only_typescript(n: &NodePackage, rel: &str) -> Option<usize> {
    let prefix = format!("{rel}/");
    let inside: Vec<&String> = (n.folder.files.iter())
        .filter(|f| f.starts_with(&prefix))
        .collect();
    let sources = inside.iter().filter(|f| is_source(f)).count();
    let all_typescript = inside.iter().all(|f| is_source(f) || is_declaration(f));
    (sources > 0 && all_typescript).then_some(inside.len())
}

fn is_declaration(path: &str) -> bool {
    [".d.ts", ".d.mts", ".d.cts"]
        .iter()
        .any(|e| path.ends_with(e))
}

fn is_source(path: &str) -> bool {
    !is_declaration(path)
        && [".ts", ".tsx", ".mts", ".cts"]
            .iter()
            .any(|e| path.ends_with(e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::pnpm::folder::PackageFolder;

    const MANIFEST: &str = "packages/server/package.json";

    fn package(files: &[&str], listing: &[&str]) -> NodePackage {
        NodePackage {
            files: Some(files.iter().map(|f| f.to_string()).collect()),
            out_dir: "dist".into(),
            folder: PackageFolder {
                files: listing.iter().map(|f| f.to_string()).collect(),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    #[test]
    fn a_published_folder_of_typescript_sources_is_left_out_with_a_warning() {
        let n = package(
            &["dist", "drizzle", "src"],
            &[
                "src/index.ts",
                "src/db/schema.ts",
                "src/shim.d.ts",
                "drizzle/0001.sql",
            ],
        );
        let mut copy = vec!["dist".into(), "drizzle".into(), "src".into()];
        let mut warnings = Vec::new();
        leave_out(
            MANIFEST,
            &n,
            (Some("dist/entrypoint.js"), &[]),
            &mut copy,
            &mut warnings,
        );
        assert_eq!(copy, vec!["dist", "drizzle"]);
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0]
                .starts_with("packages/server/package.json: `files` publishes src/ (3 files)"),
            "{}",
            warnings[0]
        );
    }

    #[test]
    fn a_folder_with_other_files_or_the_entry_ships() {
        let n = package(
            &["src", "lib"],
            &["src/index.ts", "src/mail.html", "lib/a.ts"],
        );
        let mut copy = vec!["lib".into(), "src".into()];
        let mut warnings = Vec::new();
        leave_out(
            MANIFEST,
            &n,
            (Some("lib/a.js"), &[]),
            &mut copy,
            &mut warnings,
        );
        assert_eq!(copy, vec!["lib", "src"]);
        assert!(warnings.is_empty());
    }

    #[test]
    fn a_published_typescript_file_is_left_out_but_not_prisma_config_or_the_entry() {
        let n = package(
            &["dist", "seed.ts", "prisma.config.ts", "run.ts", "seed.d.ts"],
            &[
                "seed.ts",
                "prisma.config.ts",
                "run.ts",
                "seed.d.ts",
                "dist/a.js",
            ],
        );
        let mut copy: Vec<String> = ["dist", "seed.ts", "prisma.config.ts", "run.ts", "seed.d.ts"]
            .map(String::from)
            .to_vec();
        let mut warnings = Vec::new();
        leave_out(
            MANIFEST,
            &n,
            (Some("run.ts"), &[]),
            &mut copy,
            &mut warnings,
        );
        assert_eq!(
            copy,
            vec!["dist", "prisma.config.ts", "run.ts", "seed.d.ts"]
        );
        assert_eq!(warnings.len(), 1);
        let w = &warnings[0];
        assert!(
            w.starts_with(&format!("{MANIFEST}: `files` publishes seed.ts,")),
            "{w}"
        );
        assert!(w.contains("`assets`"), "{w}");
        // Declared as an asset: the asset's COPY ships it, nothing to say.
        let mut copy: Vec<String> = ["dist", "seed.ts"].map(String::from).to_vec();
        let mut warnings = Vec::new();
        let declared = ["seed.ts".to_string()];
        leave_out(MANIFEST, &n, (None, &declared), &mut copy, &mut warnings);
        assert_eq!(copy, vec!["dist"]);
        assert!(warnings.is_empty(), "{warnings:?}");
    }
}
