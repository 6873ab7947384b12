//! Real builds with buildah, opt-in (`#[ignore]`: minutes each, and they need buildah and the
//! local base images): `node` builds the pnpm fixtures, `locked` compares a pnpm image with its
//! lockfile package by package, `cargo` the Cargo fixtures.
//!
//! ```sh
//! cargo test --test it buildah:: -- --ignored --nocapture          # both
//! cargo test --test it buildah::node -- --ignored --nocapture      # the pnpm fixtures
//! cargo test --test it buildah::cargo -- --ignored --nocapture     # the Cargo fixtures
//! ```

mod cargo;
mod locked;
mod node;
