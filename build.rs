//! Sets `ISOGEN_VERSION` for `isogen --version`: the package version and, when the source is a
//! git checkout with `git` on the PATH, the short commit (`0.1.0 (1a2b3c4)`). A tarball or
//! crates.io build has no `.git`: the version alone, never a build failure. `ISOGEN_GIT_COMMIT`
//! set in the environment (a packager's build) is used instead of asking git.

use std::path::Path;
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let text = text.trim();
    (out.status.success() && !text.is_empty()).then(|| text.to_string())
}

/// Rebuild when HEAD moves: the HEAD file, and the branch's ref (loose or packed).
fn watch_head() {
    let (Some(git_dir), Some(common)) = (
        git(&["rev-parse", "--absolute-git-dir"]),
        git(&["rev-parse", "--path-format=absolute", "--git-common-dir"]),
    ) else {
        return;
    };
    let mut watched = vec![Path::new(&git_dir).join("HEAD")];
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        // A branch whose ref is only in packed-refs gets a loose file at its next commit: watch
        // the nearest folder that exists (cargo scans a folder for any newer file), or that
        // commit would never rebuild this and `--version` would name the old one.
        let ref_file = Path::new(&common).join(branch);
        let refs = Path::new(&common).join("refs");
        let existing = ref_file
            .ancestors()
            .take_while(|p| p.starts_with(&refs))
            .find(|p| p.exists());
        watched.extend(existing.map(Path::to_path_buf));
    }
    watched.push(Path::new(&common).join("packed-refs"));
    // A path that does not exist would make cargo rerun this script on every build.
    for path in watched.into_iter().filter(|p| p.exists()) {
        println!("cargo:rerun-if-changed={}", path.display());
    }
}

/// Whether this package is the top of a git checkout (not a tarball unpacked inside some other
/// repository, whose commit would say nothing about these sources).
fn is_checkout() -> bool {
    let top = git(&["rev-parse", "--show-toplevel"]).map(std::path::PathBuf::from);
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    match (top.and_then(|t| t.canonicalize().ok()), here.canonicalize()) {
        (Some(top), Ok(here)) => top == here,
        _ => false,
    }
}

fn main() {
    println!("cargo:rerun-if-env-changed=ISOGEN_GIT_COMMIT");
    println!("cargo:rerun-if-changed=build.rs");
    let version = env!("CARGO_PKG_VERSION");
    let commit = match std::env::var("ISOGEN_GIT_COMMIT") {
        Ok(c) if !c.trim().is_empty() => Some(c.trim().to_string()),
        _ if !is_checkout() => None,
        _ => {
            watch_head();
            git(&["rev-parse", "--short=10", "HEAD"])
        }
    };
    match commit {
        Some(c) => println!("cargo:rustc-env=ISOGEN_VERSION={version} ({c})"),
        None => println!("cargo:rustc-env=ISOGEN_VERSION={version}"),
    }
}
