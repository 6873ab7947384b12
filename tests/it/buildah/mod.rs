//! Real builds with buildah, opt-in (`#[ignore]`: minutes each, and they need buildah and the
//! local base images): `node` builds the pnpm fixtures, `locked` compares a pnpm image with its
//! lockfile package by package, `hoisted` does the same for the deps stage and the images of a
//! `node-linker=hoisted` + `ignore-scripts=true` pnpm 8 workspace, `pnpm11` a pnpm 11 workspace
//! on Node 22 with a native addon compiled in the image (needs `cargo xtask base-images --node
//! 22`), `next` the Next.js apps of tests/fixtures/pnpm9-next, `cargo` the Cargo fixtures,
//! `cargo_servers` starts Cargo servers and asks them what they did;
//! `nested` a service whose build installs a package into its output (jitsu rotor's shape);
//! `runtime_libs` a Node service with `runtime_packages` (needs `cargo xtask base-images --apt
//! --full`: the stage that downloads them runs apt-get);
//! `support` is what they all do the same way (build, container, config, export and verify).
//! The fixtures that name no Node version build on isogen's default, Node 26 (`cargo xtask
//! base-images [--full]`); those that pin Node 20 (`engines.node`, `.nvmrc`: pnpm9-runfiles,
//! pnpm9-prisma-cli, ...) need `cargo xtask base-images --node 20`, as Node 22 needs `--node 22`.
//!
//! ```sh
//! cargo test --test it buildah:: -- --ignored --nocapture          # all
//! cargo test --test it buildah::node -- --ignored --nocapture      # the pnpm fixtures
//! cargo test --test it buildah::cargo -- --ignored --nocapture     # the Cargo fixtures
//! cargo test --test it buildah::next -- --ignored --nocapture      # the Next.js apps
//! cargo test --test it buildah::pnpm11 -- --ignored --nocapture    # pnpm 11, Node 22, an addon
//! cargo test --test it buildah::hoisted -- --ignored --nocapture   # node-linker=hoisted fleet
//! cargo test --test it buildah::cargo_servers -- --ignored --nocapture   # Cargo servers, started
//! cargo test --test it buildah::runtime_libs -- --ignored --nocapture    # runtime_packages, apt base
//! ```

mod cargo;
mod cargo_servers;
mod hoisted;
mod locked;
mod nested;
mod next;
mod node;
mod pnpm11;
mod runtime_libs;
mod support;
