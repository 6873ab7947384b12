//! isogen's integration tests, in one test binary so a cold build compiles and links the test
//! code and its dependencies once instead of once per file. Each module is one area, run the
//! way a user meets it (the real CLI, real fixtures from tests/fixtures, temporary workspaces);
//! `image_support` builds image archives in code for the image and verify tests.
//!
//! Pick one area with a filter: `cargo nextest run --test it -E 'test(/^generate::/)'` or
//! `cargo test --test it generate::`. The `buildah` modules build real images and are
//! `#[ignore]`d: `cargo test --test it buildah:: -- --ignored --nocapture`.

mod buildah;
mod cargo_build_needs;
mod cargo_discovery;
mod cargo_fixtures;
mod cargo_generate;
mod cargo_handwritten;
mod check_cache;
mod discovery_roles;
mod errors;
mod fixture_copy;
mod force_carry;
mod gate_cli;
mod generate;
mod generate_build_files;
mod generate_next;
mod generate_npmrc;
mod generate_remote;
mod generate_tsc_root;
mod image_cli;
mod image_corrupt;
mod image_differential;
mod image_fixtures;
mod image_fuzz;
mod image_handmade;
mod image_hostile;
mod image_oracle;
mod image_runtime;
mod image_support;
mod isolation;
mod loopback;
mod plan_cli;
mod pnpm_field;
mod server_bundles;
mod shared_cycle;
mod start_wrap;
mod tidy;
mod trial_shapes;
mod verify_cli;
mod verify_locked;
mod verify_nested;

/// A service entry (CommonJS) that starts a server: generate refuses a service whose entry's
/// import graph runs nothing at load, so a workspace written by a test has an entry that does.
pub const SERVE_CJS: &str = "require('node:http').createServer().listen(3000);\n";

/// [`SERVE_CJS`] as an ES module.
pub const SERVE_ESM: &str =
    "import { createServer } from 'node:http';\ncreateServer().listen(3000);\n";
