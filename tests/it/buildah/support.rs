//! What every buildah test does the same way: buildah on vfs (a failure panics with its
//! output), a build as the tests make them (chroot isolation, no layers, never pull: the base
//! images are local), a working container, the image's config, and the export that
//! `isogen verify --workspace` must pass.

use std::path::Path;
use std::process::{Command, Output};

/// buildah with the vfs driver, as root without a daemon: the tests' storage.
pub const BUILDAH: &[&str] = &["buildah", "--storage-driver", "vfs"];

/// Runs buildah; a failure panics naming the arguments, with what buildah printed.
pub fn buildah(args: &[&str]) -> Output {
    let out = Command::new(BUILDAH[0])
        .args(&BUILDAH[1..])
        .args(args)
        .output()
        .expect("buildah runs");
    assert!(
        out.status.success(),
        "buildah {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Builds `dockerfile` (relative to `root`, the build context) as `image`, in the Docker image
/// format as `docker build` makes it (buildah's default OCI format drops `HEALTHCHECK`).
pub fn build(root: &Path, dockerfile: &str, image: &str) {
    let dockerfile = root.join(dockerfile);
    buildah(&[
        "bud",
        "--isolation",
        "chroot",
        "--format",
        "docker",
        "--layers=false",
        "--pull=never",
        "-f",
        dockerfile.to_str().unwrap(),
        "-t",
        image,
        root.to_str().unwrap(),
    ]);
}

/// The image's OCI config (`Cmd`, `User`, `Env`, ...).
pub fn config(image: &str) -> serde_json::Value {
    let inspect = buildah(&["inspect", "--type", "image", image]);
    let inspect: serde_json::Value = serde_json::from_slice(&inspect.stdout).unwrap();
    inspect["OCIv1"]["config"].clone()
}

/// A working container of `image`; its name.
pub fn container(image: &str) -> String {
    let out = buildah(&["from", "--pull=never", image]);
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// Exports `image` as a docker-archive at `archive`, runs `isogen verify --workspace root`
/// on it and removes it: the report when verify passed, else its exit code and report.
pub fn export_and_verify(image: &str, root: &Path, archive: &Path) -> Result<String, String> {
    buildah(&[
        "push",
        "--quiet",
        image,
        &format!("docker-archive:{}:{image}", archive.display()),
    ]);
    let verify = Command::new(env!("CARGO_BIN_EXE_isogen"))
        .arg("verify")
        .arg(archive)
        .arg("--workspace")
        .arg(root)
        .output()
        .map_err(|e| format!("running isogen verify: {e}"))?;
    std::fs::remove_file(archive).ok();
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&verify.stdout),
        String::from_utf8_lossy(&verify.stderr)
    );
    match verify.status.code() {
        Some(0) => Ok(report),
        code => Err(format!("verify exited {code:?}:\n{report}")),
    }
}
