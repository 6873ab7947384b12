//! An opt-in Rust builder base WITH a working apt, for the builds that install Debian packages
//! (`builder_packages`, and the `apt-get download` of `runtime_packages`): the default local
//! builder (`rust_base`) is made from host files and has no package manager.
//!
//! It is a real Debian bookworm root made by `mmdebstrap --variant=apt` (apt, dpkg, gcc, g++,
//! make, pkg-config, libc6-dev, libssl-dev, ca-certificates; the archive must be reachable), with the host's Rust toolchain
//! and CA bundle (the TLS proxy's certificate, for crates.io) added as a second layer, tagged
//! `localhost/isogen-cargo/rust-apt:1`. It never replaces the default builder's tag: a build
//! uses it by naming it (`[generate.cargo] image` or `--build-arg RUST_IMAGE=...`). The
//! Debian root is kept in the work folder and made again only when it is missing.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::base_images::{build_from_rootfs, up_to_date_image, RootFs, CA_BUNDLE};
use crate::cmd::{buildah, on_path, Cmd};
use crate::rust_base::{self, RustBase};

/// The image's name.
pub const NAME: &str = "localhost/isogen-cargo/rust-apt:1";
/// What mmdebstrap installs besides the `apt` variant's essentials: the C toolchain the
/// default builder (and `rust:1-bookworm`) has for `-sys` crates (`make` for jemalloc-sys,
/// `g++`, `pkg-config` and `libssl-dev` for openssl-sys).
const INCLUDE: &str = "ca-certificates,gcc,g++,make,pkg-config,libc6-dev,libssl-dev";
/// Beside the kept Debian root: the `INCLUDE` it was made with (a root made with another list
/// is made again).
const STAMP: &str = "debian.include";
/// The Debian suite and mirror (the host's, reachable from this machine).
const SUITE: &str = "bookworm";
const MIRROR: &str = "http://deb.debian.org/debian";

/// Builds the image (or finds it up to date) in `work_dir`.
pub fn build(work_dir: &Path) -> Result<RustBase> {
    let debian = debian_root(work_dir, INCLUDE, &[], "rust-apt base")?;
    let debian_meta =
        fs::metadata(&debian).with_context(|| format!("reading {}", debian.display()))?;
    let (fs, version, toolchain) = toolchain_layer()?;
    let containerfile = format!(
        "# debian root: {SUITE} ({INCLUDE}), {} bytes, /tmp and /var/tmp 1777\n\
         FROM scratch\n\
         ADD debian.tar /\n\
         ADD rootfs.tar /\n\
         ENV PATH=/usr/local/cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \\\n    \
         HOME=/root \\\n    \
         CARGO_HOME=/usr/local/cargo \\\n    \
         RUSTUP_HOME=/usr/local/rustup \\\n    \
         RUST_VERSION={version} \\\n    \
         SSL_CERT_FILE={CA_BUNDLE}\n\
         LABEL org.opencontainers.image.title=\"rust-apt\" \\\n      \
         org.opencontainers.image.description=\"Local Rust builder with apt: Debian {SUITE} by mmdebstrap plus the host's toolchain ({toolchain})\"\n\
         CMD [\"/bin/bash\"]\n",
        debian_meta.len()
    );
    let names = vec![NAME.to_string()];
    let inputs = fs.sources_digest(&containerfile)?;
    if let Some(id) = up_to_date_image(NAME, &inputs)? {
        eprintln!("rust-apt base: {NAME} is up to date ({id:.12})");
        return Ok(RustBase {
            names,
            id,
            built: false,
        });
    }
    let tar_path = work_dir.join("rootfs.tar");
    fs.write_tar(&tar_path)
        .with_context(|| format!("writing {}", tar_path.display()))?;
    let id = build_from_rootfs(work_dir, &containerfile, &names, &inputs)?;
    let _ = fs::remove_file(&tar_path);
    Ok(RustBase {
        names,
        id,
        built: true,
    })
}

/// The Debian bookworm root `mmdebstrap --variant=apt --include=<include>` makes, kept in
/// `work_dir` as `debian.tar` (a folder) and made again only when missing or made with another
/// `include` list or other mmdebstrap `options`. `what` names the image in the progress line.
pub(crate) fn debian_root(
    work_dir: &Path,
    include: &str,
    options: &[&str],
    what: &str,
) -> Result<PathBuf> {
    fs::create_dir_all(work_dir).with_context(|| format!("creating {}", work_dir.display()))?;
    let debian = work_dir.join("debian.tar");
    let stamp = work_dir.join(STAMP);
    let recipe = std::iter::once(include)
        .chain(options.iter().copied())
        .collect::<Vec<_>>()
        .join(" ");
    if debian.exists() && fs::read_to_string(&stamp).ok().as_deref() != Some(recipe.as_str()) {
        remove_root(&debian)?;
    }
    if !debian.exists() {
        debootstrap(&debian, include, options, what)?;
        fs::write(&stamp, &recipe).with_context(|| format!("writing {}", stamp.display()))?;
    }
    sticky_tmp(&debian)?;
    Ok(debian)
}

/// Removes a kept Debian root of [`debian_root`] (and its stamp).
pub(crate) fn remove_debian_root(work_dir: &Path) -> Result<()> {
    remove_root(&work_dir.join("debian.tar"))?;
    let _ = fs::remove_file(work_dir.join(STAMP));
    Ok(())
}

/// Makes `/tmp` and `/var/tmp` of a kept Debian root folder world-writable and sticky (1777):
/// mmdebstrap writing a folder left them 1755, and apt, which runs gpgv as `_apt` with its
/// temporary files in /tmp, then failed every `apt-get update` of a build on this image ("The
/// repository ... is not signed": crates.io's `builder_packages = ["libpq-dev"]`). A root kept
/// as a tar file is left as it is.
fn sticky_tmp(root: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    if !root.is_dir() {
        return Ok(());
    }
    for dir in ["tmp", "var/tmp"] {
        let path = root.join(dir);
        if path.is_dir() {
            fs::set_permissions(&path, fs::Permissions::from_mode(0o1777))
                .with_context(|| format!("chmod 1777 {}", path.display()))?;
        }
    }
    Ok(())
}

/// Removes the image and the kept Debian root.
pub fn remove(work_dir: &Path) -> Result<()> {
    let _ = buildah().args(["rmi", NAME]).quiet().read();
    remove_debian_root(work_dir)
}

/// Removes the kept Debian root: mmdebstrap writes a folder when the output's name does not
/// end in a tar extension (the `.tar.partial` it writes to), so it may be a folder.
fn remove_root(root: &Path) -> Result<()> {
    let removed = if root.is_dir() {
        fs::remove_dir_all(root)
    } else {
        fs::remove_file(root)
    };
    match removed {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("removing {}", root.display()))
        }
        _ => Ok(()),
    }
}

/// `mmdebstrap` of the Debian root into `out` (through a temporary name, so an interrupted
/// run leaves nothing that looks finished).
fn debootstrap(out: &Path, include: &str, options: &[&str], what: &str) -> Result<()> {
    if !on_path("mmdebstrap") {
        bail!(
            "mmdebstrap is not installed: `apt-get install --no-install-recommends mmdebstrap` \
             (the {what} is a Debian {SUITE} root it makes from {MIRROR})"
        );
    }
    let partial = out.with_extension("tar.partial");
    eprintln!("{what}: mmdebstrap {SUITE} (about 2-3 minutes)");
    let mut cmd = Cmd::new("mmdebstrap").arg("--variant=apt");
    if !include.is_empty() {
        cmd = cmd.arg(format!("--include={include}"));
    }
    cmd = cmd.args(options);
    cmd.arg(SUITE).arg(&partial).arg(MIRROR).read()?;
    fs::rename(&partial, out).with_context(|| format!("renaming to {}", out.display()))
}

/// The second layer: the host's toolchain where the official image has it, and the host's CA
/// bundle over Debian's. Returns it with the Rust version and the toolchain's name.
fn toolchain_layer() -> Result<(RootFs, String, String)> {
    let host = rust_base::host_toolchain()?;
    let mut fs = RootFs {
        entries: Default::default(),
    };
    rust_base::add_toolchain(&mut fs, &host)?;
    fs.add_file(Path::new(CA_BUNDLE))?;
    Ok((fs, host.version, host.name))
}
