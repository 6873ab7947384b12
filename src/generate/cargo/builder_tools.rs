//! Programs a service's build runs that the default build image (the official Rust image,
//! Debian bookworm) lacks: `cmake` (a `-sys` crate that builds its C library with the `cmake`
//! crate: `rdkafka-sys` with `cmake-build`, `libz-ng-sys`, `protobuf-src`), libclang (a crate
//! that generates its bindings with `bindgen`: `librocksdb-sys`, `zstd-sys` with `bindgen`),
//! `nasm` (a crate that assembles with `nasm-rs`: rav1e, under atomic-server's `image`),
//! and `protoc` (a crate whose build script runs `prost-build` or `tonic-build` without a
//! vendored `protoc`). The build would stop in the middle of `cargo build` ("failed to
//! execute cmake", "Unable to find libclang", "Could not find `protoc`"); `generate` warns,
//! naming the crates and the `builder_packages` entry that fixes it.
//!
//! `aws-lc-sys` is left out: its lockfile entry lists `cmake` and may list `bindgen`, but on
//! Linux it builds with the C compiler alone and ships its bindings. It reads `Cargo.lock`
//! (see `lock_walk`); it never changes a Dockerfile.

use super::lock_walk::{deps, entries, gated_off, name, reachable, Build};
use crate::workspace::Workspace;

/// One program a build script may run: the crates that run it, the crates that bring their
/// own (a dependent that also depends on one is fine), the Debian package, and what fails.
struct Tool {
    runners: &'static [&'static str],
    brings_own: &'static [&'static str],
    debian: &'static str,
    what: &'static str,
}

const TOOLS: &[Tool] = &[
    Tool {
        runners: &["cmake"],
        brings_own: &[],
        debian: "cmake",
        what: "run cmake (through the `cmake` crate)",
    },
    Tool {
        runners: &["bindgen"],
        brings_own: &[],
        debian: "libclang-dev",
        what: "generate bindings with bindgen, which loads libclang",
    },
    Tool {
        runners: &["nasm-rs"],
        brings_own: &[],
        debian: "nasm",
        what: "assemble with nasm (through the `nasm-rs` crate: rav1e's `asm` feature, which \
               `image`'s AVIF encoder enables)",
    },
    Tool {
        runners: &["prost-build", "tonic-build", "tonic-prost-build"],
        brings_own: &["protoc-bin-vendored", "protobuf-src"],
        debian: "protobuf-compiler",
        what: "run protoc (through prost-build or tonic-build, without a vendored protoc)",
    },
];

/// Crates whose lockfile entry lists a runner they do not run on Linux.
const NOT_RUN_ON_LINUX: &[&str] = &["aws-lc-sys"];

/// One warning per program the crates `package` builds run that `builder_packages` (the
/// configured ones and those isogen adds) does not install.
pub(super) fn warnings(
    ws: &Workspace,
    lockfile: Option<&str>,
    build: &Build<'_>,
    service: &str,
    builder_packages: &[String],
) -> Vec<String> {
    let entries = entries(&ws.root, lockfile);
    let reachable = reachable(ws, &entries, build.package, &gated_off(ws, build));
    let mut out = Vec::new();
    for tool in TOOLS {
        let installed = builder_packages
            .iter()
            .any(|p| p == tool.debian || p.starts_with(&format!("{}=", tool.debian)));
        if installed {
            continue;
        }
        let mut users: Vec<&str> = reachable
            .iter()
            .filter(|e| !NOT_RUN_ON_LINUX.contains(&name(e)))
            .filter(|e| !tool.runners.contains(&name(e)))
            .filter(|e| deps(e).any(|d| tool.runners.contains(&d)))
            .filter(|e| !deps(e).any(|d| tool.brings_own.contains(&d)))
            .map(|e| name(e))
            .collect();
        users.sort_unstable();
        users.dedup();
        if users.is_empty() {
            continue;
        }
        let shown: Vec<String> = users.iter().take(5).map(|u| format!("`{u}`")).collect();
        let more = match users.len() {
            n if n > 5 => format!(" and {} more", n - 5),
            _ => String::new(),
        };
        out.push(format!(
            "service `{service}` builds crates that {} at build time ({}{more}, in \
             Cargo.lock): the default build image does not have it, so `cargo build` would \
             stop there. Add builder_packages = [\"{}\", ...] to [generate.services.{service}] \
             of isogen.toml (or build those crates without it)",
            tool.what,
            shown.join(", "),
            tool.debian
        ));
    }
    out
}

/// The Debian package that installs each program a build script may run (see
/// `workspace::cargo::build_programs`); `None` for the package managers bookworm has no
/// package of (`pnpm`; its `yarnpkg` installs `yarnpkg`, not `yarn`).
const SCRIPT_PROGRAMS: &[(&str, Option<&str>)] = &[
    ("npm", Some("npm")),
    ("npx", Some("npm")),
    ("node", Some("nodejs")),
    ("pnpm", None),
    ("yarn", None),
    ("cmake", Some("cmake")),
    ("protoc", Some("protobuf-compiler")),
    ("go", Some("golang-go")),
    ("clang", Some("clang")),
];

/// One warning per program a build script of the crates `service` builds runs (discovery
/// found the call) that `builder_packages` does not install: rqbit's `librqbit/build.rs`
/// runs `npm install` for its web UI, which stops the build in the Rust image.
pub(super) fn script_warnings(
    ws: &Workspace,
    service: &crate::workspace::Service,
    builder_packages: &[String],
) -> Vec<String> {
    let mut out = Vec::new();
    let crates = std::iter::once(&service.package).chain(&service.build_closure);
    for &i in crates {
        let Some(c) = ws.packages.get(i).and_then(|p| p.cargo.as_ref()) else {
            continue;
        };
        for run in &c.build_programs {
            let Some((_, debian)) = SCRIPT_PROGRAMS.iter().find(|(p, _)| *p == run.program) else {
                continue;
            };
            let installed = debian.is_some_and(|debian| {
                builder_packages
                    .iter()
                    .any(|p| p == debian || p.starts_with(&format!("{debian}=")))
            });
            if installed {
                continue;
            }
            let (when, or) = match &run.feature {
                Some(f) => (
                    format!(" when feature `{f}` of `{}` is on", ws.packages[i].name),
                    format!(", or build without feature `{f}`"),
                ),
                None => (String::new(), String::new()),
            };
            let fix = match debian {
                Some(debian) => format!(
                    "Add builder_packages = [\"{debian}\", ...] to [generate.services.{}] of \
                     isogen.toml{or}",
                    service.name
                ),
                // atomic-server's build.rs runs `pnpm install` and `pnpm run build` for its
                // front end unless the built files are already in the crate.
                None => format!(
                    "No Debian package installs `{}`: build what it builds (a front end?) \
                     before building the image, into the folder the build script reads, or \
                     set `image` in [generate.services.{}] of isogen.toml to a build image \
                     that has it{or}",
                    run.program, service.name
                ),
            };
            out.push(format!(
                "service `{}`: the build script of crate `{}` runs `{}` ({}:{}), which the \
                 default build image does not have, so `cargo build` would stop there{when}. \
                 {fix}",
                service.name, ws.packages[i].name, run.program, run.file, run.line
            ));
        }
    }
    out
}

/// One warning for the link programs the workspace's cargo config asks for on Linux that
/// `builder_packages` does not install: kanidm's `.cargo/config.toml` links with `clang` and
/// `-fuse-ld=lld`, and the Rust image has neither, so the build stops at its first link
/// ("linker `clang` not found").
pub(super) fn link_warnings(
    ws: &Workspace,
    service: &str,
    builder_packages: &[String],
) -> Vec<String> {
    let Some(cargo) = ws.cargo.as_ref() else {
        return Vec::new();
    };
    let missing: Vec<_> = (cargo.link_tools.iter())
        .filter(|t| {
            !builder_packages
                .iter()
                .any(|p| *p == t.debian || p.starts_with(&format!("{}=", t.debian)))
        })
        .collect();
    let Some(first) = missing.first() else {
        return Vec::new();
    };
    let places: Vec<String> = missing
        .iter()
        .map(|t| format!("`{}` (line {}: {})", t.program, t.line, t.setting))
        .collect();
    let packages: Vec<String> = missing
        .iter()
        .map(|t| format!("\"{}\"", t.debian))
        .collect();
    vec![format!(
        "service `{service}`: {} links with {}, which the default build image does not have, so \
         `cargo build` would stop at the first link (\"linker `{}` not found\"). Add \
         builder_packages = [{}] to [generate.services.{service}] of isogen.toml",
        first.file,
        places.join(" and "),
        first.program,
        packages.join(", ")
    )]
}

/// One warning per folder a crate of `service`'s build embeds at compile time that the
/// repository does not hold (kellnr's `include_dir!("$CARGO_MANIFEST_DIR/static")`, its web UI
/// built by npm): the image build has no such folder, so `cargo build` stops there. A folder
/// only a feature's code embeds counts when `features_on` (the (crate, feature) pairs the
/// build enables) holds that feature: roapi's `ui` module, off by default, is not compiled.
pub(super) fn embed_warnings(
    ws: &Workspace,
    service: &crate::workspace::Service,
    features_on: &std::collections::BTreeSet<(String, String)>,
) -> Vec<String> {
    let crates = std::iter::once(&service.package).chain(&service.build_closure);
    crates
        .filter_map(|&i| ws.packages.get(i))
        .filter_map(|p| Some((p.name.as_str(), p.dir.as_str(), p.cargo.as_ref()?)))
        .flat_map(|(name, dir, c)| c.missing_embeds.iter().map(move |m| (name, dir, m)))
        .filter(|(name, _, m)| {
            (m.feature.as_ref())
                .is_none_or(|f| features_on.contains(&(name.to_string(), f.clone())))
        })
        .map(|(_, dir, m)| {
            let copied = match dir.is_empty() || m.folder.starts_with(&format!("{dir}/")) {
                true => "the image build copies the crate's folder whole, so it embeds the",
                false => {
                    "the image build copies it from the workspace root (a build input of \
                          the service), so it embeds the"
                }
            };
            let when = match &m.feature {
                Some(f) => format!(" (with feature `{f}`, on in this build)"),
                None => String::new(),
            };
            let (state, outcome) = match m.placeholder {
                false => ("it does not exist", "`cargo build` would stop there"),
                true => (
                    "it holds only hidden files (a placeholder such as `.gitkeep`)",
                    "the binary would embed it empty and serve none of it",
                ),
            };
            format!(
                "service `{}`: {}:{} embeds the folder {} at compile time{when}, and {state}: \
                 another build writes it (a front end's build output?), which the image build \
                 does not run, so {outcome}. Build it before building the image: {copied} {} \
                 it finds there",
                service.name, m.file, m.line, m.folder, m.folder
            )
        })
        .collect()
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
dependencies = ["rdkafka", "rocksdb", "rustls", "etcd-client"]

[[package]]
name = "rdkafka"
version = "0.37.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = ["rdkafka-sys"]

[[package]]
name = "rdkafka-sys"
version = "4.8.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = ["cmake", "libc", "num_enum"]

[[package]]
name = "cmake"
version = "0.1.54"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = ["cc"]

[[package]]
name = "rocksdb"
version = "0.23.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = ["librocksdb-sys"]

[[package]]
name = "librocksdb-sys"
version = "0.17.1+9.9.3"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = ["bindgen", "cc", "glob"]

[[package]]
name = "bindgen"
version = "0.69.5"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = ["clang-sys"]

[[package]]
name = "rustls"
version = "0.23.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = ["aws-lc-rs"]

[[package]]
name = "aws-lc-rs"
version = "1.13.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = ["aws-lc-sys"]

[[package]]
name = "aws-lc-sys"
version = "0.28.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = ["bindgen", "cc", "cmake"]

[[package]]
name = "etcd-client"
version = "0.14.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = ["prost", "tonic", "tonic-build"]

[[package]]
name = "tonic-build"
version = "0.12.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = ["prost-build"]

[[package]]
name = "prost-build"
version = "0.13.0"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "tls-only"
version = "0.1.0"
dependencies = ["rustls"]
"#;

    fn ws(dir: &std::path::Path) -> Workspace {
        Workspace {
            root: dir.to_path_buf(),
            packages: Vec::new(),
            services: Vec::new(),
            pnpm: None,
            cargo: None,
        }
    }

    /// atomic-server: `image` (AVIF through ravif) builds rav1e, whose build script
    /// assembles with nasm; the Rust image has none ("NASM build failed").
    #[test]
    fn rav1e_under_image_needs_nasm() {
        let lock = r#"
version = 4

[[package]]
name = "graph-server"
version = "0.1.0"
dependencies = ["image"]

[[package]]
name = "image"
version = "0.25.2"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = ["ravif"]

[[package]]
name = "ravif"
version = "0.11.10"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = ["rav1e"]

[[package]]
name = "rav1e"
version = "0.7.1"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = ["cc", "nasm-rs"]

[[package]]
name = "nasm-rs"
version = "0.2.5"
source = "registry+https://github.com/rust-lang/crates.io-index"
"#;
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("Cargo.lock"), lock).unwrap();
        let ws = ws(dir.path());
        let build = plain("graph-server");
        let found = warnings(&ws, Some("Cargo.lock"), &build, "graph-server", &[]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].contains("assemble with nasm (through the `nasm-rs` crate")
                && found[0].contains("(`rav1e`, in Cargo.lock)"),
            "{}",
            found[0]
        );
        assert!(found[0]
            .contains("builder_packages = [\"nasm\", ...] to [generate.services.graph-server]"));
        let installed = ["nasm".to_string()];
        assert!(warnings(&ws, Some("Cargo.lock"), &build, "graph-server", &installed).is_empty());
    }

    #[test]
    fn cmake_libclang_and_protoc_are_named_unless_installed_and_aws_lc_sys_needs_none() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("Cargo.lock"), LOCK).unwrap();
        let ws = ws(dir.path());
        let found = warnings(&ws, Some("Cargo.lock"), &plain("api"), "api", &[]);
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(found[0].contains("run cmake (through the `cmake` crate) at build time (`rdkafka-sys`, in Cargo.lock)"), "{}", found[0]);
        assert!(found[0].contains("builder_packages = [\"cmake\", ...] to [generate.services.api]"));
        assert!(found[1].contains("(`librocksdb-sys`, in"), "{}", found[1]);
        assert!(found[1].contains("[\"libclang-dev\", ...]"));
        assert!(found[2].contains("(`etcd-client`, in"), "{}", found[2]);
        assert!(found[2].contains("[\"protobuf-compiler\", ...]"));
        let installed = [
            "cmake".to_string(),
            "libclang-dev=1:14.0-55.7~deb12u1".into(),
        ];
        let found = warnings(&ws, Some("Cargo.lock"), &plain("api"), "api", &installed);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(warnings(&ws, Some("Cargo.lock"), &plain("tls-only"), "tls-only", &[]).is_empty());
    }
}
