//! Which files of an image the rules will read, so the image reader keeps their content while
//! it streams the layers (everything else is kept as metadata only): every `package.json`,
//! passwd/group, the OS package databases, npm/yarn/pypi/cloud credential files, `.env` files,
//! keys, JSON config outside `/usr`, and the entrypoint's candidate files and start scripts.
//! Apart from those, within a budget of their own ([`SOURCES_BUDGET`]), the JavaScript files
//! the module graph rule parses ([`wants_source`]): every `.js`/`.mjs`/`.cjs` outside
//! `node_modules` and the system's folders, and those of packages in `node_modules` named like
//! a package of the workspace (an internal package npm copied there), and pnpm's current
//! lockfile (`node_modules/.pnpm/lock.yaml`, [`PNPM_CURRENT_LOCK`]), which can be larger than
//! the other captures' limit.
//!
//! It only answers "keep this path?" from a path and the image config; it never reads a layer
//! or judges a file (the rules do, later, from what was kept).

use std::collections::{BTreeSet, HashSet};

use super::facts::{self, RuntimeConfig};
use super::fs;
use super::launch;
use crate::image::{Capture, Sources};

/// Largest file content kept in memory per captured file.
pub const CAPTURE_MAX_BYTES: u64 = 1 << 20;

/// Largest JavaScript file kept for the module graph (a bundled service is one big file).
pub const SOURCE_MAX_BYTES: u64 = 16 << 20;

/// Most bytes of JavaScript kept for the module graph per image, apart from the other
/// captures; past it files are metadata only and the rule says which it could not read.
pub const SOURCES_BUDGET: u64 = 96 << 20;

/// What the image reader must capture for the rules, given the image's run-time config (the
/// entrypoint's candidate files) when it is known, and the names of the workspace's packages
/// (whose copies in `node_modules` are read as the service's own code).
pub fn capture(config: Option<&RuntimeConfig>, packages: BTreeSet<String>) -> Capture {
    let (paths, names) = config.map(launch::wanted_paths).unwrap_or_default();
    let paths: HashSet<String> = paths.into_iter().collect();
    Capture {
        wants: Box::new(move |path: &str| wants(path, &paths, &names)),
        max_bytes: CAPTURE_MAX_BYTES,
        sources: Some(Sources::new(
            Box::new(move |path: &str| {
                wants_source(path, &packages) || path.ends_with(PNPM_CURRENT_LOCK)
            }),
            SOURCE_MAX_BYTES,
            SOURCES_BUDGET,
        )),
    }
}

/// Where pnpm writes its current lockfile, below a `node_modules` folder's parent: what the
/// install put there, with each package's integrity (`integrity-not-locked` reads it).
pub const PNPM_CURRENT_LOCK: &str = "/node_modules/.pnpm/lock.yaml";

/// Folders whose JavaScript is the system's or a tool's, never the service's.
const NOT_SOURCES: &[&str] = &[
    "/usr/lib",
    "/usr/local/lib",
    "/usr/share",
    "/usr/local/share",
    "/usr/include",
    "/usr/local/include",
    "/proc",
    "/sys",
];

/// Whether the module graph rule may parse the file at `path`: JavaScript (or TypeScript,
/// which Node 22.18+ runs by stripping its types) outside `node_modules` and the system's
/// folders, or in a `node_modules` package named like one of `packages`.
pub(crate) fn wants_source(path: &str, packages: &BTreeSet<String>) -> bool {
    let ext = path.rsplit_once('.').map_or("", |(_, e)| e);
    let typescript = matches!(ext, "ts" | "mts" | "cts") && !path.contains(".d.");
    if !matches!(ext, "js" | "mjs" | "cjs") && !typescript {
        return false;
    }
    if fs::in_node_modules(path) {
        return fs::package_dir(path).is_some_and(|(_, name)| packages.contains(name));
    }
    !NOT_SOURCES.iter().any(|d| fs::is_within(path, d))
        && !path.starts_with("/opt/yarn-")
        && !path.contains("/.npm/")
        && !path.contains("/.cache/")
}

fn wants(path: &str, paths: &HashSet<String>, names: &[String]) -> bool {
    let base = fs::basename(path);
    if paths.contains(path) {
        return true;
    }
    if matches!(
        base,
        "package.json"
            | ".npmrc"
            | "npmrc"
            | ".yarnrc"
            | ".yarnrc.yml"
            | ".pypirc"
            | "config.json"
            | "credentials"
            | "credentials.toml"
    ) || path == "/etc/passwd"
        || path == "/etc/group"
        || facts::is_package_db(path)
    {
        return true;
    }
    let in_nm = fs::in_node_modules(path);
    if in_nm {
        return false;
    }
    if base.starts_with(".env") {
        return true;
    }
    let ext = base.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    if matches!(ext, "pem" | "key" | "p8" | "ppk") {
        return true;
    }
    // Private keys are told by content, and often carry no extension: anything in `.ssh`
    // (`deploy_key`, `github`), and extension-less files in folders named for keys. Not every
    // extension-less file: binaries are (a Cargo service's is one).
    let folder = fs::basename(fs::parent(path)).to_ascii_lowercase();
    if folder == ".ssh"
        || (ext.is_empty()
            && matches!(
                folder.as_str(),
                "keys"
                    | "key"
                    | "certs"
                    | "cert"
                    | "secrets"
                    | "secret"
                    | "ssl"
                    | "tls"
                    | "private"
            ))
    {
        return true;
    }
    if ext == "json" && !fs::is_within(path, "/usr") {
        return true;
    }
    // Start scripts and symlinked entrypoints: files named like a word of the entrypoint.
    names.iter().any(|n| n == base)
        || (base.ends_with(".sh")
            && ["/", "/usr/local/bin", "/usr/bin", "/bin"].contains(&fs::parent(path)))
}
