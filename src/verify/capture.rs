//! Which files of an image the rules will read, so the image reader keeps their content while
//! it streams the layers (everything else is kept as metadata only): every `package.json`,
//! passwd/group, the OS package databases, npm/yarn/pypi/cloud credential files, `.env` files,
//! keys, JSON config outside `/usr`, and the entrypoint's candidate files and start scripts.
//!
//! It only answers "keep this path?" from a path and the image config; it never reads a layer
//! or judges a file (the rules do, later, from what was kept).

use std::collections::HashSet;

use super::facts::{self, RuntimeConfig};
use super::fs;
use super::launch;
use crate::image::Capture;

/// Largest file content kept in memory per captured file.
pub const CAPTURE_MAX_BYTES: u64 = 1 << 20;

/// What the image reader must capture for the rules, given the image's run-time config (the
/// entrypoint's candidate files) when it is known.
pub fn capture(config: Option<&RuntimeConfig>) -> Capture {
    let (paths, names) = config.map(launch::wanted_paths).unwrap_or_default();
    let paths: HashSet<String> = paths.into_iter().collect();
    Capture {
        wants: Box::new(move |path: &str| wants(path, &paths, &names)),
        max_bytes: CAPTURE_MAX_BYTES,
    }
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
