//! A service whose own build installs a package into its output: tests/fixtures/pnpm9-nested-
//! output (jitsu's rotor's shape: `cp dist_package.json ./dist/package.json && cd ./dist/ &&
//! npm install`) built with buildah from its generated Dockerfile; the entry loads `debug`
//! from `dist/node_modules` and `kleur` from pnpm's install, and `isogen verify --workspace`
//! on the export fails only for what is true: the two packages npm installed outside
//! pnpm-lock.yaml (one `version-not-locked`, naming `dist/package.json`), not `dev-dependency` on
//! `ms` (which `debug` needs, and which another workspace package lists as a devDependency),
//! `entrypoint-indirect` or `app-root-foreign`.
//!
//! ```sh
//! cargo test --test it buildah::nested -- --ignored --nocapture
//! ```
//!
//! Needs buildah, the local base images (`cargo xtask base-images --full`) and the npm
//! registry. The image is `localhost/isogen-gen/pnpm9-nested-output-relay`, removed once
//! checked.

use super::support::{build, buildah, container, export_and_verify, generated_fixture, run_in};

const IMAGE: &str = "localhost/isogen-gen/pnpm9-nested-output-relay";

#[test]
#[ignore = "slow: builds an image with buildah"]
fn a_package_installed_into_the_services_output_runs_and_verify_names_only_what_is_true() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("ws");
    let warnings = generated_fixture("pnpm9-nested-output", &root);
    assert!(
        warnings.contains("the `bundle_externals` script runs `npm install`"),
        "{warnings}"
    );
    build(&root, "services/relay/Dockerfile", IMAGE);
    let c = container(IMAGE);
    let started = run_in(
        &c,
        &["PORT=0"],
        &[
            "node",
            "-e",
            "require('/app/services/relay/dist/main.js'); setTimeout(() => process.exit(0), 1000)",
        ],
    );
    buildah(&["rm", &c]);
    let report = export_and_verify(IMAGE, &root, &dir.path().join("relay.tar"));
    buildah(&["rmi", IMAGE]);
    assert!(started.contains("relay on"), "{started}");
    let report = report.expect_err("npm's install in dist/ is not locked");
    let errors: Vec<&str> = report.lines().filter(|l| l.starts_with("error[")).collect();
    assert_eq!(errors.len(), 1, "{report}");
    assert!(
        errors[0].starts_with("error[version-not-locked]: 2 package(s) in /app/services/relay/dist/node_modules (debug@4.3.7, ms@"),
        "{report}"
    );
    assert!(
        report.contains("installed for /app/services/relay/dist/package.json"),
        "{report}"
    );
}
