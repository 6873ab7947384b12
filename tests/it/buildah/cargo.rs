//! The proof for the Cargo fixtures (`tests/fixtures/cargo-*`, described in
//! tests/it/cargo_fixtures.rs): every service's committed Dockerfile builds with buildah (no
//! daemon), its image runs the binary as `CMD` says and it prints what only the real sources
//! (not the dependency-stage stubs) print, and `isogen verify --workspace` passes the exported
//! image with no error.
//!
//! Slow (about a minute per image on vfs) and needs buildah plus the local Rust base images
//! (`cargo xtask rust-base-images`, see /work/wt/notes/rust-base.md), so it is ignored by
//! default:
//!
//! ```sh
//! cargo test --test it buildah::cargo -- --ignored --nocapture
//! ISOGEN_CARGO_FIXTURES=cargo-edge cargo test --test it buildah::cargo -- --ignored   # one fixture
//! ```
//!
//! The build context is a copy of the fixture. Images are named
//! `localhost/isogen-qa-cargo/<service>:test` and removed once checked.

use std::path::Path;

use super::support::{build, buildah, config, container, export_and_verify};

/// (fixture, service, its Dockerfile, a line its binary prints)
const SERVICES: &[(&str, &str, &str, &str)] = &[
    (
        "cargo-platform",
        "billing-api",
        "services/billing/api/billing-api.Dockerfile",
        "billing-api up: invoice-7   19.99 (core-types 2.1.0)",
    ),
    (
        "cargo-platform",
        "billing-reconcile",
        "services/billing/api/billing-reconcile.Dockerfile",
        "billing-reconcile: total 22.50",
    ),
    (
        "cargo-platform",
        "billing-export",
        "services/billing/api/billing-export.Dockerfile",
        "billing-export: 42,0.05",
    ),
    (
        "cargo-platform",
        "indexer",
        "services/search/indexer/Dockerfile",
        "indexer ready: documents   3",
    ),
    (
        "cargo-edge",
        "edge",
        "Dockerfile",
        // metrics from the patched itoa, audit-log from [generate.services.edge] features, the
        // env from .cargo/config.toml, the shipped asset
        "edge listening: routes=3 proto=2822262611 metrics=7(fork) audit=on sep-at=Some(4) flavour=container\nedge config: shipped # upstreams = 3",
    ),
    (
        "cargo-edge",
        "edge-admin",
        "crates/admin/Dockerfile",
        "edge-admin: routes=3 proto=2822262611 sep-at=Some(4) flavour=container",
    ),
    (
        "cargo-engine",
        "engine",
        "engine/Dockerfile",
        "engine standalone: engine 0.9.1 ran self-test (tracing=true)",
    ),
    (
        "cargo-engine",
        "scheduler",
        "apps/scheduler/scheduler.Dockerfile",
        "scheduler: nightly-report done on engine 0.9.1",
    ),
    (
        "cargo-engine",
        "scheduler-gc",
        "apps/scheduler/scheduler-gc.Dockerfile",
        "scheduler-gc: garbage-collect",
    ),
    (
        "cargo-engine",
        "worker_pool",
        "apps/worker-pool/Dockerfile",
        // `-p worker-pool` alone: engine without its default features, as cargo resolves it
        "engine 0.9.1 (tracing=false)",
    ),
    (
        "cargo-mixed",
        "api",
        "apps/api/Dockerfile",
        "api ready: domain derive +serde-ish (1 skus)",
    ),
    (
        "cargo-nested",
        "gateway",
        "backend/services/gateway/Dockerfile",
        "gateway ready: port 8080 wire/1 telemetry=off",
    ),
    (
        "cargo-nested",
        "notifier",
        "backend/services/notifier/Dockerfile",
        "notifier ready: 2 channels, telemetry=json, OK",
    ),
];

pub(super) fn copy_fixture(name: &str, to: &Path) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    for entry in walkdir::WalkDir::new(&src)
        .into_iter()
        .filter_entry(|e| !matches!(e.file_name().to_str(), Some("target" | "node_modules")))
    {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(&src).unwrap();
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(to.join(rel)).unwrap();
        } else {
            std::fs::copy(entry.path(), to.join(rel)).unwrap();
        }
    }
}

/// Builds, runs, exports and verifies one service; returns what went wrong.
fn check(root: &Path, service: &str, dockerfile: &str, expected: &str) -> Result<(), String> {
    let image = format!("localhost/isogen-qa-cargo/{service}:test");
    let started = std::time::Instant::now();
    build(root, dockerfile, &image);
    eprintln!("built {service} in {:?}", started.elapsed());
    let result = (|| {
        let config = config(&image);
        let cmd: Vec<String> = config["Cmd"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        let user = config["User"].as_str().unwrap_or("");
        if cmd != [format!("/app/{service}")] || user != "10001:10001" {
            return Err(format!("Cmd {cmd:?}, User {user:?}"));
        }
        let container = container(&image);
        let mut run = vec!["run", "--isolation", "chroot", container.as_str(), "--"];
        run.extend(cmd.iter().map(String::as_str));
        let out = buildah(&run);
        buildah(&["rm", &container]);
        let printed = String::from_utf8_lossy(&out.stdout).into_owned();
        eprint!("{printed}");
        if !printed.contains(expected) {
            return Err(format!("printed {printed:?}, expected {expected:?}"));
        }
        export_and_verify(&image, root, &root.join(format!("{service}.tar"))).map(drop)
    })();
    buildah(&["rmi", &image]);
    result
}

#[test]
#[ignore = "slow: builds images with buildah"]
fn cargo_fixture_images_build_run_and_pass_verify() {
    let only = std::env::var("ISOGEN_CARGO_FIXTURES").ok();
    let mut failures = Vec::new();
    let mut last: Option<(&str, tempfile::TempDir)> = None;
    for (fixture, service, dockerfile, expected) in SERVICES {
        if only
            .as_deref()
            .is_some_and(|o| !o.split(',').any(|f| f == *fixture))
        {
            continue;
        }
        if last.as_ref().is_none_or(|(name, _)| name != fixture) {
            let dir = tempfile::tempdir().unwrap();
            copy_fixture(fixture, dir.path());
            last = Some((fixture, dir));
        }
        let root = last.as_ref().unwrap().1.path();
        if let Err(e) = check(root, service, dockerfile, expected) {
            failures.push(format!("{fixture}/{service}: {e}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
