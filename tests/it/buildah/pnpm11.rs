//! pnpm 11 on Node 22 with a native addon, built for real: the image isogen generates for
//! tests/fixtures/pnpm11-addon (settings in `pnpm-workspace.yaml`, a default catalog,
//! `allowBuilds: {fs-ext: true}`, `engines.node ^22.13.0`) builds with buildah from the local
//! Node 22 bases, its build stages on the full image compile fs-ext (C++, node-gyp, Node's
//! headers from the base) with `pnpm rebuild --pending`, and the runtime image (slim: no
//! compiler) holds the compiled addon, loads it at start (the service takes an flock through
//! it), holds exactly the lockfile's production closure, and passes `isogen verify --workspace`.
//!
//! ```sh
//! cargo xtask base-images --node 22      # node:22-bookworm-slim and node:22-bookworm, once
//! cargo test --test it buildah::pnpm11 -- --ignored --nocapture
//! ```
//!
//! The image is `localhost/isogen-gen/pnpm11-addon-ledger`, removed once checked.

use super::locked::{inventory_of, locked_closure_of, INVENTORY};
use super::support::{
    build, buildah, config, container, export_and_verify, generated_fixture, run_in,
};

const FIXTURE: &str = "pnpm11-addon";
const SERVICE_DIR: &str = "services/ledger";
const IMAGE: &str = "localhost/isogen-gen/pnpm11-addon-ledger";

#[test]
#[ignore = "slow: builds an image with buildah, compiles a native addon; needs the Node 22 bases"]
fn pnpm11_service_with_a_native_addon_builds_starts_and_verifies() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join(FIXTURE);
    generated_fixture(FIXTURE, &root);
    build(&root, &format!("{SERVICE_DIR}/Dockerfile"), IMAGE);
    let cmd = config(IMAGE)["Cmd"].clone();
    let container = container(IMAGE);
    let run = |env: &[&str], args: &[&str]| run_in(&container, env, args);
    let started = run(
        &["ISOGEN_SMOKE=1"],
        &["node", "/app/services/ledger/src/main.js"],
    );
    let inventory = run(
        &[],
        &["node", "-e", &INVENTORY.replace("@locked/", "@ledger/")],
    );
    let addons = run(&[], &["find", "/app/node_modules/.pnpm", "-name", "*.node"]);
    let toolchain = run(
        &[],
        &[
            "sh",
            "-c",
            "ls /usr/bin/g++ /usr/bin/make /usr/bin/python3 2>&1 || true",
        ],
    );
    let archive = tmp.path().join("ledger.docker.tar");
    let verified = export_and_verify(IMAGE, &root, &archive);
    buildah(&["rm", &container]);
    buildah(&["rmi", IMAGE]);

    assert_eq!(
        cmd,
        serde_json::json!(["node", "/app/services/ledger/src/main.js"])
    );
    // The addon was compiled for this Node (22) and loads: the service took an flock with it.
    assert_eq!(
        started.trim(),
        "ledger: flock ok, retention 172800000 ms, node 22"
    );
    assert!(
        addons.contains("fs-ext/build/Release/fs_ext.node"),
        "{addons}"
    );
    // The compiler stayed in the build stages.
    assert_eq!(toolchain.matches("No such file").count(), 3, "{toolchain}");

    let (found, installed) = inventory_of(&inventory);
    // The service's closure, through the workspace link into packages/store's dependencies.
    let expected = locked_closure_of(&root, SERVICE_DIR);
    assert_eq!(
        installed, expected,
        "the image differs from pnpm-lock.yaml\n{inventory}"
    );
    let internal: Vec<&str> = found
        .iter()
        .filter(|f| f.name.starts_with("@ledger/"))
        .map(|f| f.path.as_str())
        .collect();
    assert_eq!(internal, ["/app/packages/store", "/app/services/ledger"]);

    match verified {
        Ok(report) => println!("{report}"),
        Err(report) => panic!("{report}"),
    }
}
