//! The Cargo services' bad variant: a good Cargo image with what a single-stage build would
//! leave behind. The Cargo services themselves go through the same steps as the pnpm ones in
//! [`crate::e2e`] (build, run, export, verify), with the Rust base images of
//! [`crate::rust_base`].
//!
//! The variant is derived from the good image with `buildah copy` + `buildah commit` (cheap on
//! vfs, where every layer over the ~800 MB builder would copy it): the toolchain's `cargo` and
//! `rustc` in `/usr/local/cargo/bin`, and a Cargo `target/` folder, the crate's `Cargo.toml`
//! and a `src/main.rs` under the app root. It must fail verify with `toolchain` and `sources`.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::cmd::{buildah, Cmd};
use crate::example::Service;
use crate::variants::Expect;

/// Appended to the service's name to name the variant.
pub const LEFTOVERS_SUFFIX: &str = "-leftovers";
pub const LEFTOVERS_WHY: &str = "cargo and rustc in /usr/local/cargo/bin, a target/ folder, \
     Cargo.toml and src/main.rs under the app root, as a single-stage build leaves them";
pub const LEFTOVERS_EXPECT: Expect = Expect::Rules(&["sources", "toolchain"]);

/// Builds the variant of `service` as `image` on top of its good image `good_id`; returns the
/// new image's id and a Dockerfile that says what the variant is (written for the record:
/// the image is made with buildah copy and commit).
pub fn leftovers_variant(
    service: &Service,
    good_id: &str,
    image: &str,
    workspace: &Path,
    out: &Path,
) -> Result<(String, PathBuf)> {
    let dir = out
        .join("variants")
        .join(format!("{}{LEFTOVERS_SUFFIX}", service.name));
    let _ = fs::remove_dir_all(&dir);
    let crate_dir = workspace.join(
        service
            .dockerfile
            .parent()
            .context("Dockerfile without a folder")?,
    );
    fs::create_dir_all(dir.join("app/target/release"))?;
    fs::create_dir_all(dir.join("app/src"))?;
    fs::write(
        dir.join("app/target/CACHEDIR.TAG"),
        "Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by cargo.\n",
    )?;
    fs::write(dir.join("app/target/.rustc_info.json"), "{}\n")?;
    fs::copy(crate_dir.join("Cargo.toml"), dir.join("app/Cargo.toml"))?;
    let main = ["src/main.rs", "src/lib.rs"]
        .iter()
        .map(|f| crate_dir.join(f))
        .find(|p| p.is_file())
        .with_context(|| format!("no src/main.rs or src/lib.rs in {}", crate_dir.display()))?;
    fs::copy(main, dir.join("app/src/main.rs"))?;
    let sysroot = PathBuf::from(
        Cmd::new("rustc")
            .args(["--print", "sysroot"])
            .quiet()
            .read()?,
    );
    let dockerfile = dir.join("Dockerfile");
    fs::write(
        &dockerfile,
        format!(
            "# What `cargo xtask e2e` made with buildah copy + commit:\n\
             FROM {good_id}\n\
             COPY app /app\n\
             COPY {cargo} {rustc} /usr/local/cargo/bin/\n",
            cargo = sysroot.join("bin/cargo").display(),
            rustc = sysroot.join("bin/rustc").display(),
        ),
    )?;

    let name = format!("isogen-e2e-{}{LEFTOVERS_SUFFIX}", service.name);
    // One left by an interrupted run is replaced.
    let _ = buildah().args(["rm", &name]).quiet().output_raw();
    let container = buildah()
        .args(["from", "--pull=never", "--name", &name, good_id])
        .quiet()
        .read()?;
    let result = (|| -> Result<String> {
        buildah()
            .args(["copy", "--quiet", &container])
            .arg(dir.join("app"))
            .arg("/app")
            .run()?;
        buildah()
            .args(["copy", "--quiet", &container])
            .arg(sysroot.join("bin/cargo"))
            .arg(sysroot.join("bin/rustc"))
            .arg("/usr/local/cargo/bin/")
            .run()?;
        let iidfile = dir.join("iid");
        buildah()
            .args(["commit", "--quiet", "--iidfile"])
            .arg(&iidfile)
            .args([&container, image])
            .run()?;
        Ok(fs::read_to_string(&iidfile)?.trim().to_owned())
    })();
    let _ = buildah().args(["rm", &container]).quiet().output_raw();
    Ok((result?, dockerfile))
}
