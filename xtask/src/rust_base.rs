//! The local base images of Cargo services, made from this machine (no registry is reachable):
//!
//! - the builder, tagged `docker.io/library/rust:1-bookworm` (the generated Dockerfiles'
//!   default `RUST_IMAGE`): the host's active Rust toolchain (`rustc --print sysroot`: cargo,
//!   rustc, rustdoc and their libraries, no docs) laid out as the official image has it
//!   (`/usr/local/rustup/toolchains/<name>`, `/usr/local/cargo/bin` first on `PATH`,
//!   `CARGO_HOME=/usr/local/cargo`), gcc, g++, make, pkg-config with binutils, the libc and
//!   OpenSSL headers to link and to build the C code of `-sys` crates, as the official image
//!   (buildpack-deps) has them (the Debian packages' files as installed here, with their
//!   dependencies), dash as `/bin/sh` (busybox's shell would run its own `ar` before binutils'),
//!   busybox-static for the utilities the Dockerfile's `RUN`s use,
//!   and the system CA bundle, so `cargo build --locked` fetches crates through the TLS proxy;
//! - the runtime, tagged `gcr.io/distroless/cc-debian12:latest` (the default `RUNTIME_IMAGE`):
//!   what Google's distroless `cc` image holds, from the host's packages: glibc, libgcc_s,
//!   libssl3, the CA bundle, `/etc/passwd` and `/etc/group` (root, nobody, nonroot 65532),
//!   `/tmp`; no shell, no package manager.
//!
//! Both are rebuilt only when their inputs change (a digest over every file's path, size, mtime
//! and mode, and the Containerfile, kept in a label), as the Node base image is: the storage is
//! shared, and a rebuild would invalidate every cached layer above it.

use std::collections::BTreeSet;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::base_images::{
    build_from_rootfs, canonical, up_to_date_image, Entry, RootFs, CA_BUNDLE,
};
use crate::cmd::{buildah, Cmd};

/// Names of the builder image; the first is the generated Dockerfiles' default.
pub const BUILDER_NAMES: &[&str] = &[
    "docker.io/library/rust:1-bookworm",
    "localhost/isogen-cargo/rust-builder:1",
];
/// Names of the runtime image; the first is the generated Dockerfiles' default.
pub const RUNTIME_NAMES: &[&str] = &[
    "gcr.io/distroless/cc-debian12:latest",
    "localhost/isogen-cargo/runtime:1",
];

/// Debian packages whose files (and whose dependencies' files) make the builder's C toolchain.
/// `rust:1-bookworm` (buildpack-deps) has these and more: `make` and `g++` for `-sys` crates that
/// build C/C++ (jemalloc-sys), `pkg-config` and `libssl-dev` for openssl-sys.
const BUILDER_PACKAGES: &[&str] = &[
    "gcc",
    "g++",
    "make",
    "libc6-dev",
    "pkg-config",
    "libssl-dev",
    "dash",
];
/// Debian packages whose files make the runtime (distroless `cc`'s set).
const RUNTIME_PACKAGES: &[&str] = &["libc6", "libgcc-s1", "libssl3"];
/// Toolchain binaries the builder keeps (clippy, rustfmt, rust-analyzer are not for builds).
const TOOLCHAIN_BINS: &[&str] = &["cargo", "rustc", "rustdoc"];

/// An image made (or found up to date).
#[derive(Debug, Clone)]
pub struct RustBase {
    pub names: Vec<String>,
    pub id: String,
    /// Whether this run built it.
    pub built: bool,
}

/// The builder and runtime images, built into the shared storage when out of date.
pub fn build_all(work_dir: &Path) -> Result<(RustBase, RustBase)> {
    let builder = build_builder(&work_dir.join("builder"))?;
    let runtime = build_runtime(&work_dir.join("runtime"))?;
    Ok((builder, runtime))
}

/// The host's active Rust toolchain: its sysroot, version (`1.95.0`) and name.
pub(crate) struct Toolchain {
    sysroot: PathBuf,
    pub version: String,
    pub name: String,
}

pub(crate) fn host_toolchain() -> Result<Toolchain> {
    let sysroot = PathBuf::from(
        Cmd::new("rustc")
            .args(["--print", "sysroot"])
            .quiet()
            .read()?,
    );
    let version = Cmd::new("rustc").arg("--version").quiet().read()?;
    let version = version
        .split_whitespace()
        .nth(1)
        .with_context(|| format!("unexpected `rustc --version` output {version:?}"))?
        .to_owned();
    let name = sysroot
        .file_name()
        .and_then(|n| n.to_str())
        .context("rustc's sysroot has no name")?
        .to_owned();
    Ok(Toolchain {
        sysroot,
        version,
        name,
    })
}

/// The toolchain where the official image has it: `/usr/local/rustup/toolchains/<name>`, with
/// `/usr/local/cargo/bin/{cargo,rustc,rustdoc}` linking into it.
pub(crate) fn add_toolchain(fs: &mut RootFs, t: &Toolchain) -> Result<()> {
    let rustup_dir = Path::new("/usr/local/rustup/toolchains").join(&t.name);
    for bin in TOOLCHAIN_BINS {
        let source = t.sysroot.join("bin").join(bin);
        fs.add_tree_at(&source, &rustup_dir.join("bin").join(bin))?;
        fs.entries.insert(
            Path::new("/usr/local/cargo/bin").join(bin),
            Entry::Symlink {
                target: Path::new("../../rustup/toolchains")
                    .join(&t.name)
                    .join("bin")
                    .join(bin),
            },
        );
    }
    fs.add_tree_at(&t.sysroot.join("lib"), &rustup_dir.join("lib"))
}

/// The builder's files without the Rust toolchain: the C toolchain of [`BUILDER_PACKAGES`],
/// busybox for the utilities, and dash as `/bin/sh` (as in the official image): busybox's shell
/// runs its own applets before `PATH`, so a `-sys` crate's libtool recipe (`ar cru`) got
/// busybox's `ar`, which cannot create an archive, and garage's libsodium-sys failed.
pub(crate) fn builder_c_toolchain() -> Result<RootFs> {
    let mut fs = RootFs {
        entries: Default::default(),
    };
    fs.merged_usr();
    for path in package_files(&dependency_closure(BUILDER_PACKAGES)?)? {
        add_host_path(&mut fs, &path)?;
    }
    fs.entries.insert(
        "/usr/bin/cc".into(),
        Entry::Symlink {
            target: "gcc".into(),
        },
    );
    fs.add_busybox()?;
    fs.entries.insert(
        canonical(Path::new("/bin"))?.join("sh"),
        Entry::Symlink {
            target: "dash".into(),
        },
    );
    Ok(fs)
}

pub fn build_builder(work_dir: &Path) -> Result<RustBase> {
    let host = host_toolchain()?;
    let (version, toolchain) = (host.version.clone(), host.name.clone());

    let mut fs = builder_c_toolchain()?;

    add_toolchain(&mut fs, &host)?;

    fs.builder_basics()?;

    let containerfile = format!(
        "FROM scratch\n\
         ADD rootfs.tar /\n\
         ENV PATH=/usr/local/cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \\\n    \
         HOME=/root \\\n    \
         CARGO_HOME=/usr/local/cargo \\\n    \
         RUSTUP_HOME=/usr/local/rustup \\\n    \
         RUST_VERSION={version} \\\n    \
         SSL_CERT_FILE={CA_BUNDLE}\n\
         LABEL org.opencontainers.image.title=\"rust\" \\\n      \
         org.opencontainers.image.description=\"Local Rust builder made by cargo xtask from the host's toolchain ({toolchain}), gcc, dash and busybox\"\n\
         CMD [\"/bin/sh\"]\n"
    );
    build_image(&fs, &containerfile, BUILDER_NAMES, work_dir)
}

pub fn build_runtime(work_dir: &Path) -> Result<RustBase> {
    let mut fs = RootFs {
        entries: Default::default(),
    };
    fs.merged_usr();
    let packages: Vec<String> = RUNTIME_PACKAGES.iter().map(|p| p.to_string()).collect();
    for path in package_files(&packages)? {
        // No documentation, locales or helper programs: a runtime holds libraries only.
        if path.starts_with("/usr/share")
            || path.starts_with("/usr/bin")
            || path.starts_with("/usr/sbin")
        {
            continue;
        }
        add_host_path(&mut fs, &path)?;
    }
    fs.add_bytes(
        "/etc/passwd",
        "root:x:0:0:root:/root:/sbin/nologin\n\
         nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n\
         nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n",
        0o644,
    );
    fs.add_bytes(
        "/etc/group",
        "root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n",
        0o644,
    );
    fs.add_bytes(
        "/etc/nsswitch.conf",
        "passwd: files\ngroup: files\nshadow: files\nhosts: files dns\n",
        0o644,
    );
    fs.add_bytes(
        "/etc/os-release",
        "PRETTY_NAME=\"Distroless-style cc (isogen e2e, from Debian 12 host packages)\"\n\
         NAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nID=debian\n",
        0o644,
    );
    fs.add_file(Path::new(CA_BUNDLE))?;
    fs.system_dirs();
    fs.entries
        .insert("/home/nonroot".into(), Entry::Dir { mode: 0o755 });

    let containerfile = format!(
        "FROM scratch\n\
         ADD rootfs.tar /\n\
         ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \\\n    \
         SSL_CERT_FILE={CA_BUNDLE}\n\
         LABEL org.opencontainers.image.title=\"cc-debian12\" \\\n      \
         org.opencontainers.image.description=\"Local distroless-style runtime made by cargo xtask: glibc, libgcc_s, libssl3, CA certificates; no shell\"\n"
    );
    build_image(&fs, &containerfile, RUNTIME_NAMES, work_dir)
}

/// Builds (or finds up to date) the image of `fs` + `containerfile`, tagged with `names`.
fn build_image(
    fs: &RootFs,
    containerfile: &str,
    names: &[&str],
    work_dir: &Path,
) -> Result<RustBase> {
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    let inputs = fs.sources_digest(containerfile)?;
    if let Some(id) = up_to_date_image(&names[0], &inputs)? {
        eprintln!("rust base: {} is up to date ({id:.12})", names[0]);
        for name in &names[1..] {
            buildah().args(["tag", &id, name]).quiet().read()?;
        }
        return Ok(RustBase {
            names,
            id,
            built: false,
        });
    }
    fs::create_dir_all(work_dir).with_context(|| format!("creating {}", work_dir.display()))?;
    let tar_path = work_dir.join("rootfs.tar");
    fs.write_tar(&tar_path)
        .with_context(|| format!("writing {}", tar_path.display()))?;
    let id = build_from_rootfs(work_dir, containerfile, &names, &inputs)?;
    let _ = fs::remove_file(&tar_path);
    Ok(RustBase {
        names,
        id,
        built: true,
    })
}

/// `packages` and everything they depend on (not recommends/suggests), installed ones only.
pub(crate) fn dependency_closure(packages: &[&str]) -> Result<Vec<String>> {
    let out = Cmd::new("apt-cache")
        .args([
            "depends",
            "--recurse",
            "--no-recommends",
            "--no-suggests",
            "--no-conflicts",
            "--no-breaks",
            "--no-replaces",
            "--no-enhances",
        ])
        .args(packages)
        .quiet()
        .read()?;
    let mut names = BTreeSet::new();
    for line in out.lines() {
        // Package lines start at column 0; `<virtual>` packages and dependency lines do not.
        if line.is_empty() || line.starts_with([' ', '<']) {
            continue;
        }
        names.insert(line.trim().to_owned());
    }
    let mut installed = Vec::new();
    for name in names {
        let status = Cmd::new("dpkg-query")
            .args(["-W", "-f", "${db:Status-Abbrev}", &name])
            .quiet()
            .output_raw()?;
        if String::from_utf8_lossy(&status.stdout).starts_with("ii") {
            installed.push(name);
        }
    }
    for p in packages {
        if !installed.iter().any(|i| i == p) {
            bail!("the Debian package {p} is not installed here (apt-get install {p})");
        }
    }
    Ok(installed)
}

/// The files and symlinks the packages installed (`dpkg -L`), without documentation.
pub(crate) fn package_files(packages: &[String]) -> Result<Vec<PathBuf>> {
    let mut paths = BTreeSet::new();
    for p in packages {
        let out = Cmd::new("dpkg").args(["-L", p]).quiet().read()?;
        for line in out.lines().filter(|l| l.starts_with('/')) {
            let path = PathBuf::from(line);
            if [
                "/usr/share/doc",
                "/usr/share/man",
                "/usr/share/info",
                "/usr/share/locale",
                "/usr/share/lintian",
            ]
            .iter()
            .any(|d| path.starts_with(d))
            {
                continue;
            }
            paths.insert(path);
        }
    }
    Ok(paths.into_iter().collect())
}

/// Adds a host path at its canonical folder: a symlink as a symlink, a file as a file;
/// folders come with their contents' entries.
pub(crate) fn add_host_path(fs: &mut RootFs, path: &Path) -> Result<()> {
    let Ok(meta) = fs::symlink_metadata(path) else {
        // dpkg lists files a later package diverted or removed; they are not part of the set.
        return Ok(());
    };
    // `dpkg -L` starts with `/.`; folders are made as parents of what they hold.
    let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else {
        return Ok(());
    };
    let at = canonical(parent)?.join(name);
    if meta.file_type().is_symlink() {
        // Top-level merged-/usr links are handled by `RootFs::merged_usr`.
        let target = fs::read_link(path)?;
        // A package's link replaces a busybox applet of that name (binutils' `ar` over
        // busybox's, which lacks `r`: node-gyp's static libraries failed), not another link.
        let applet = matches!(fs.entries.get(&at),
            Some(Entry::Symlink { target }) if target.as_path() == Path::new("busybox"));
        if applet {
            fs.entries.insert(at, Entry::Symlink { target });
        } else {
            fs.entries.entry(at).or_insert(Entry::Symlink { target });
        }
    } else if meta.is_file() {
        fs.entries.insert(
            at,
            Entry::File {
                source: path.to_owned(),
                mode: meta.mode() & 0o7777,
            },
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `/bin/sh` of the builder is dash, and `ar` is binutils', not a busybox applet: a
    /// libtool recipe run by busybox's shell got busybox's `ar` (garage's libsodium-sys).
    #[test]
    fn the_builder_shell_is_dash_and_ar_is_binutils() {
        let fs = builder_c_toolchain().unwrap();
        let bin = canonical(Path::new("/bin")).unwrap();
        let link = |name: &str| match fs.entries.get(&bin.join(name)) {
            Some(Entry::Symlink { target }) => Some(target.clone()),
            _ => None,
        };
        assert_eq!(link("sh"), Some(PathBuf::from("dash")));
        assert!(matches!(
            fs.entries.get(&bin.join("dash")),
            Some(Entry::File { .. })
        ));
        assert_ne!(link("ar"), Some(PathBuf::from("busybox")));
        assert!(fs.entries.contains_key(&bin.join("ar")));
    }
}
