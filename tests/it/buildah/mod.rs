//! Real builds with buildah, opt-in (`#[ignore]`: minutes each, and they need buildah and the
//! local base images): `node` builds the pnpm fixtures, `next` the Next.js apps of
//! tests/fixtures/pnpm9-next, `cargo` the Cargo fixtures.
//!
//! ```sh
//! cargo test --test it buildah:: -- --ignored --nocapture          # all
//! cargo test --test it buildah::node -- --ignored --nocapture      # the pnpm fixtures
//! cargo test --test it buildah::cargo -- --ignored --nocapture     # the Cargo fixtures
//! cargo test --test it buildah::next -- --ignored --nocapture      # the Next.js apps
//! ```

mod cargo;
mod next;
mod node;
