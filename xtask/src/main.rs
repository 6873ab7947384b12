//! Developer tasks, in Rust: `cargo xtask base-images | e2e | ci`.
//!
//! - `base-images [--smoke]`: the local Node base image generated Dockerfiles build `FROM`.
//! - `e2e`: build isogen, drift-check services-example, build and run every service image,
//!   export the images for `isogen verify`.
//! - `ci`: the test suite, the system tools e2e needs, then `e2e` (what `.ci/run` calls).
//!
//! Tasks print the commands they run and fail with the command that failed; they never hide a
//! failure behind a retry.

mod base_images;
mod bench;
mod cargo_e2e;
mod cmd;
mod rust_base;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Result};

const USAGE: &str = "usage: cargo xtask <task>

tasks:
  base-images [--smoke]   build the local Node base image (docker.io/library/node:<major>-bookworm-slim);
                          --smoke also proves npm can install pnpm in it and pnpm can install from npm
  rust-base-images        build the local Rust builder (docker.io/library/rust:1-bookworm) and
                          distroless-style runtime (gcr.io/distroless/cc-debian12:latest) images
  e2e-cargo [--no-variants] [--service NAME]...
                          end-to-end for the Cargo services: generate --check, build, run,
                          export, verify (and a bad variant that must fail)
  e2e                     end-to-end: generate --check, build, run and export every example image
  bench                   image-reader benchmark against gzip|tar, umoci and syft
  ci                      cargo test, install buildah/skopeo/busybox-static if absent, then e2e";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("base-images") => base_images_task(&args[1..]),
        Some("rust-base-images") => rust_base_images_task(),
        Some("e2e-cargo") => e2e_cargo_task(&args[1..]),
        Some("bench") => bench::run(&args[1..]).map_err(anyhow::Error::msg),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(anyhow::anyhow!("unknown task {other:?}\n\n{USAGE}")),
        None => Err(anyhow::anyhow!("no task given\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("xtask: error: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn base_images_task(args: &[String]) -> Result<()> {
    let mut smoke = false;
    for arg in args {
        match arg.as_str() {
            "--smoke" => smoke = true,
            other => bail!("base-images: unknown argument {other:?}"),
        }
    }
    let work = target_dir().join("e2e/base/node");
    let image = base_images::build_node(&work)?;
    println!(
        "node base image {} (node {}, id {:.12}, {})",
        image.names.join(", "),
        image.node_version,
        image.id,
        if image.built { "built" } else { "up to date" }
    );
    if smoke {
        base_images::smoke_test(&image.names[0], "9", &work)?;
        println!(
            "smoke test passed: npm installed pnpm, pnpm installed is-number from the registry"
        );
    }
    Ok(())
}

fn rust_base_images_task() -> Result<()> {
    let (builder, runtime) = rust_base::build_all(&target_dir().join("e2e/base/rust"))?;
    for image in [builder, runtime] {
        println!(
            "{} (id {:.12}, {})",
            image.names.join(", "),
            image.id,
            if image.built { "built" } else { "up to date" }
        );
    }
    Ok(())
}

fn e2e_cargo_task(args: &[String]) -> Result<()> {
    let mut opts = cargo_e2e::Options {
        services: Vec::new(),
        variants: true,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--no-variants" => opts.variants = false,
            "--service" => match args.next() {
                Some(name) => opts.services.push(name.clone()),
                None => bail!("e2e-cargo: --service needs a name"),
            },
            other => bail!("e2e-cargo: unknown argument {other:?}"),
        }
    }
    cargo_e2e::run(&project_root(), &target_dir(), &opts)
}

/// The repository root (xtask lives in `<root>/xtask`).
fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Cargo's target folder (CARGO_TARGET_DIR honoured).
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| project_root().join("target"))
}
