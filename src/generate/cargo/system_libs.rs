//! System libraries a service's binary loads at run time that the runtime image lacks: a `-sys`
//! crate that links a shared library of the build image (lemmy's `pq-sys`, through diesel's
//! `postgres` feature, links `libpq.so.5`; the official Rust image has `libpq-dev`, so the
//! build passes) leaves a binary that stops at start with "error while loading shared
//! libraries" in the default distroless runtime. `generate` warns, naming the crate, the
//! library, and the `runtime_packages` entry (or the crate's bundled build) that fixes it.
//!
//! It reads `Cargo.lock` (the crates reachable from the service's package, see `lock_walk`, and whether the
//! crate that bundles the library is among the `-sys` crate's dependencies: cargo writes a
//! dependency into the lockfile only when a feature enables it); it never changes a
//! Dockerfile.

use super::lock_walk::{deps, entries, gated_off, name, reachable, Build};
use crate::workspace::Workspace;

/// `-sys` crates that link a shared library unless they build it: (crate, the dependency that
/// means it is built and linked statically, the library, its Debian package).
const SYSTEM_LIBS: &[(&str, &str, &str, &str)] = &[
    ("pq-sys", "pq-src", "libpq.so.5", "libpq5"),
    ("libsqlite3-sys", "cc", "libsqlite3.so.0", "libsqlite3-0"),
    (
        "mysqlclient-sys",
        "mysqlclient-src",
        "libmysqlclient.so",
        "libmariadb3",
    ),
];

/// One warning per system library the service's binary links that `runtime_packages` does not
/// name. `package` is the service's Cargo package; `lockfile` is relative to the workspace root.
pub(super) fn warnings(
    ws: &Workspace,
    lockfile: Option<&str>,
    build: &Build<'_>,
    service: &str,
    runtime_packages: &[String],
) -> Vec<String> {
    let entries = entries(&ws.root, lockfile);
    let reachable = reachable(ws, &entries, build.package, &gated_off(ws, build));
    let mut out = Vec::new();
    for (sys, bundle, library, debian) in SYSTEM_LIBS {
        let Some(entry) = reachable.iter().find(|e| name(e) == *sys) else {
            continue;
        };
        let bundled = deps(entry).any(|d| d == *bundle);
        let named = runtime_packages
            .iter()
            .any(|p| p == debian || p.starts_with(&format!("{debian}=")));
        if bundled || named {
            continue;
        }
        out.push(format!(
            "service `{service}` links the system library {library} (crate `{sys}` in \
             Cargo.lock, without its bundled build): the runtime image does not have it, so the \
             binary would stop at start (\"error while loading shared libraries\"). Add \
             runtime_packages = [\"{debian}\", ...] to [generate.services.{service}] of \
             isogen.toml with the libraries it loads in turn (dependencies are not followed: \
             `apt-cache depends {debian}`), or build `{sys}` bundled"
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::cargo::lock_walk::plain;

    const LOCK: &str = r#"
version = 4

[[package]]
name = "api"
version = "0.1.0"
dependencies = ["diesel", "rusqlite"]

[[package]]
name = "diesel"
version = "2.3.7"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = ["pq-sys"]

[[package]]
name = "pq-sys"
version = "0.7.5"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = ["libc", "pkg-config", "vcpkg"]

[[package]]
name = "rusqlite"
version = "0.32.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = ["libsqlite3-sys"]

[[package]]
name = "libsqlite3-sys"
version = "0.30.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = ["cc", "pkg-config", "vcpkg"]

[[package]]
name = "worker"
version = "0.1.0"
"#;

    #[test]
    fn a_linked_libpq_is_named_and_a_bundled_sqlite_or_a_named_package_is_not() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("Cargo.lock"), LOCK).unwrap();
        let ws = Workspace {
            root: dir.path().to_path_buf(),
            packages: Vec::new(),
            services: Vec::new(),
            pnpm: None,
            cargo: None,
        };
        let found = warnings(&ws, Some("Cargo.lock"), &plain("api"), "api", &[]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].contains("libpq.so.5 (crate `pq-sys`"),
            "{}",
            found[0]
        );
        assert!(found[0].contains("runtime_packages = [\"libpq5\", ...]"));
        let named = ["libpq5".to_string()];
        assert!(warnings(&ws, Some("Cargo.lock"), &plain("api"), "api", &named).is_empty());
        assert!(warnings(&ws, Some("Cargo.lock"), &plain("worker"), "worker", &[]).is_empty());
    }
}
