//! The `cargo` variable of the Cargo templates (documented in templates/README.md): plain data,
//! serialized into the Tera context. Nothing here computes or checks a value.

use serde::Serialize;

/// The `cargo` variable of the Cargo templates (documented in templates/README.md).
#[derive(Debug, Clone, Serialize)]
pub struct CargoContext {
    /// Builder image (`ARG RUST_IMAGE`).
    pub image: String,
    /// Runtime image (`ARG RUNTIME_IMAGE`).
    pub runtime_image: String,
    /// The crate (package) holding the binary.
    pub package: String,
    /// The binary target.
    pub bin: String,
    /// Where the build stages keep the workspace (`/build`).
    pub workdir: String,
    /// The cargo profile and the folder under `target/` it writes to (`release`, `debug`).
    pub profile: String,
    pub profile_dir: String,
    /// The `--target-dir` of every build (`/build/target`).
    pub target_dir: String,
    /// Where cargo writes the binary: `<target_dir>[/<triple>]/<profile_dir>/<bin>` (the
    /// triple when `.cargo/config.toml` sets `build.target`).
    pub artifact: String,
    /// `cargo build` with its arguments, as one shell-ready line.
    pub build_command: String,
    /// The features that command passes (isogen.toml's, then the binary's
    /// `required-features`) and whether it passes `--no-default-features`; and the
    /// (workspace crate, feature) pairs the build turns on from them. What the build inputs
    /// and the build warnings read, so both see the build the Dockerfile runs; not template
    /// variables.
    #[serde(skip)]
    pub features: Vec<String>,
    #[serde(skip)]
    pub no_default_features: bool,
    #[serde(skip)]
    pub features_on: std::collections::BTreeSet<(String, String)>,
    /// Root files copied first: `Cargo.toml`, `Cargo.lock`, build settings.
    pub root_files: Vec<String>,
    /// The root files at the top level (`Cargo.toml Cargo.lock`: one `COPY` to `/`).
    pub top_files: Vec<String>,
    /// Every other file of the manifests stage, with its folder (one `COPY` each).
    pub nested_files: Vec<NestedFile>,
    /// Every other package manifest (members, excluded path dependencies, patches).
    pub manifests: Vec<String>,
    /// Real sources needed with the dependencies (`[patch]` path crates, vendored crates the
    /// cargo config names), folders.
    pub dependency_sources: Vec<String>,
    /// Stub target files for the dependency-only build.
    pub stubs: Vec<Stub>,
    /// Real sources of the service's crate and the crates it needs, dependencies first
    /// (folders, or files and folders for a package at the workspace root).
    pub sources: Vec<String>,
    /// The binary's absolute path in the runtime image (`/app/<bin>`).
    pub binary: String,
    /// Where the builder stage leaves the binary (`/out/<bin>`), and that folder.
    pub built_binary: String,
    pub out_dir: String,
    /// Files shipped next to the binary: from the build context to the runtime image.
    pub assets: Vec<Asset>,
    /// `RUN --mount=type=cache` for the cargo registry and target folder.
    pub cache_mounts: bool,
    /// The `--mount` flags for those RUNs (empty without cache mounts).
    pub mounts: Vec<String>,
    pub cargo_home: String,
    /// Files and folders outside the crates that the build reads, relative to the workspace
    /// root: `build_inputs` of isogen.toml and what the sources `include_str!` from outside.
    pub build_inputs: Vec<String>,
    /// Debian packages installed in the build stages (`builder_packages`).
    pub builder_packages: Vec<String>,
    /// Debian packages unpacked into the runtime image (`runtime_packages`).
    pub runtime_packages: Vec<String>,
}

/// A file copied into its own folder of the manifests stage.
#[derive(Debug, Clone, Serialize)]
pub struct NestedFile {
    pub src: String,
    pub dir: String,
}

/// A file or folder shipped in the runtime image (of the package, or from the workspace root).
#[derive(Debug, Clone, Serialize)]
pub struct Asset {
    /// Relative to the workspace root (the build context).
    pub src: String,
    /// Absolute: `<app_root>/<path relative to the package folder>`, or for a root asset
    /// `<app_root>/<to>` (or `to` itself when absolute).
    pub dest: String,
    /// Named by `{ from_root = ... }`: from the workspace root, maybe built by another tool.
    pub from_root: bool,
}

/// One stub file of the dependency-only build.
#[derive(Debug, Clone, Serialize)]
pub struct Stub {
    /// Relative to the workspace root.
    pub path: String,
    /// Its folder (for `mkdir -p`).
    pub dir: String,
    /// What it holds: a one-line doc comment (`/*! isogen stub */`), followed by
    /// `fn main() {}` for everything that is run.
    pub content: String,
}
