//! The proof that matters, on a second workspace: the Dockerfiles isogen generates for
//! tests/fixtures/pnpm-ts (`catalog:` specs, a `workspace:` alias, an ESM-only `exports`
//! package, a `prepare` script) build with buildah, their services start, every internal
//! package resolves in the image, and `isogen verify` passes the exported images.
//!
//! There is one harness for this, `cargo xtask e2e` (xtask/src/e2e.rs); this test only runs it
//! on the fixture, so the two never drift:
//!
//! ```sh
//! cargo xtask e2e --workspace tests/fixtures/pnpm-ts --generate --no-variants
//! cargo test --test buildah -- --ignored --nocapture    # the same
//! ```
//!
//! Slow (minutes: two pnpm builds against the registry) and needs buildah, so it is ignored by
//! default and not part of `.ci/run`. Images are `localhost/isogen-e2e/ws-pnpm-ts/<service>`,
//! outputs in target/e2e/workspaces/pnpm-ts/.

use std::path::Path;
use std::process::Command;

#[test]
#[ignore = "slow: builds images with buildah (cargo xtask e2e on the fixture)"]
fn generated_dockerfiles_build_and_their_services_start() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args(["xtask", "e2e", "--workspace"])
        .arg(root.join("tests/fixtures/pnpm-ts"))
        .args(["--generate", "--no-variants", "--only", "pnpm"])
        .current_dir(root)
        .status()
        .expect("cargo runs");
    assert!(
        status.success(),
        "cargo xtask e2e on tests/fixtures/pnpm-ts failed"
    );
}
