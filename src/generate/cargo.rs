//! The Cargo side of `generate`: from a Cargo service (one binary target of a workspace member)
//! to the variables of `templates/cargo.Dockerfile.tera` and `cargo.dockerignore.tera`.
//!
//! The build is planned here, from the manifests discovery read, in cargo-chef's spirit but
//! without installing it (LukeMathWalker/cargo-chef, `src/skeleton/`):
//!
//! 1. deps: the root manifest, the lockfile, the root build settings (`.cargo/config.toml`,
//!    `rust-toolchain.toml`), every package's `Cargo.toml` (cargo loads every member to resolve
//!    the workspace, even for `-p one`), and a stub file for each target cargo would look for
//!    (empty libraries, `fn main() {}` for binaries and build scripts). Building the service
//!    then compiles only its dependencies; the layer changes only with a manifest or the lock.
//!    `[patch]` path crates are dependencies, so their real sources go here.
//! 2. builder: the real sources of the service's package and of the crates it needs (its build
//!    closure: normal and build dependencies, transitively; never dev-dependencies, which
//!    `cargo build` does not compile). Their mtimes are bumped, so cargo rebuilds them over the
//!    stubs whatever time the build context carried. Other members stay stubs: their sources
//!    never enter the image's build stages.
//! 3. runtime: the binary alone (plus configured assets), a non-root user, a direct `CMD`.
//!
//! This module computes strings and lists; it never reads files (discovery did) or writes any.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::cfg::ServiceConfig;
use super::{common_context, CommonContext, GenerateConfig, Rendering};
use crate::error::{Error, Result};
use crate::workspace::cargo::{CargoPackage, TargetKind};
use crate::workspace::{Ecosystem, Service, Workspace};

/// The Dockerfile template of Cargo services.
pub const DOCKERFILE_TEMPLATE: &str = "cargo.Dockerfile.tera";
/// The ignore-file template of Cargo services.
pub const IGNORE_TEMPLATE: &str = "cargo.dockerignore.tera";

/// The builder image used when `[generate.cargo] image` is not set.
pub const DEFAULT_IMAGE: &str = "docker.io/library/rust:1-bookworm";
/// The runtime image used when `[generate.cargo] runtime_image` is not set: glibc, libgcc_s,
/// libssl, CA certificates and `/etc/passwd`, no shell, no package manager.
pub const DEFAULT_RUNTIME_IMAGE: &str = "gcr.io/distroless/cc-debian12:latest";
/// `CARGO_HOME` in the default builder image (the official `rust` images'); the registry
/// cache mounts go under it.
pub const DEFAULT_CARGO_HOME: &str = "/usr/local/cargo";
/// Where the build stages keep the workspace.
pub const BUILD_DIR: &str = "/build";
/// Where the builder stage leaves the binary for the runtime stage to copy.
pub const OUT_DIR: &str = "/out";

/// `[generate.cargo]` in `isogen.toml`.
///
/// ```toml
/// [generate.cargo]
/// image = "docker.io/library/rust:1-bookworm"             # build stages (name@sha256:... pins)
/// runtime_image = "gcr.io/distroless/cc-debian12:latest"   # final stage
/// profile = "release"                                      # or "dev", or a custom profile
/// features = ["metrics"]                                   # passed to every cargo build
/// no_default_features = false
/// cache_mounts = false        # RUN --mount=type=cache for the registry and target/ (BuildKit, buildah)
/// cargo_home = "/usr/local/cargo"                          # CARGO_HOME of the builder image
/// ```
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CargoConfig {
    pub image: Option<String>,
    pub runtime_image: Option<String>,
    pub profile: Option<String>,
    #[serde(default)]
    pub features: Vec<String>,
    #[serde(default)]
    pub no_default_features: bool,
    #[serde(default)]
    pub cache_mounts: bool,
    pub cargo_home: Option<String>,
}

/// Everything a Cargo template gets: the common variables plus `cargo`.
#[derive(Debug, Clone, Serialize)]
pub struct CargoTemplateContext {
    #[serde(flatten)]
    pub common: CommonContext,
    pub cargo: CargoContext,
}

/// The files of one Cargo service: its Dockerfile and its ignore file.
pub fn renderings(
    ws: &Workspace,
    service: &Service,
    config: &GenerateConfig,
    config_path: &Path,
) -> Result<Vec<Rendering>> {
    let ctx = template_context(ws, service, config, config_path)?;
    let tera_ctx = tera::Context::from_serialize(&ctx).map_err(|e| Error::Template {
        name: DOCKERFILE_TEMPLATE.into(),
        message: format!("building the context: {e}"),
    })?;
    Ok(vec![
        Rendering {
            template: DOCKERFILE_TEMPLATE.into(),
            path: ctx.common.service.dockerfile.clone(),
            context: tera_ctx.clone(),
        },
        Rendering {
            template: IGNORE_TEMPLATE.into(),
            path: ctx.common.service.ignore_file.clone(),
            context: tera_ctx,
        },
    ])
}

/// The variables of one Cargo service's templates.
pub fn template_context(
    ws: &Workspace,
    service: &Service,
    config: &GenerateConfig,
    config_path: &Path,
) -> Result<CargoTemplateContext> {
    let mut common = common_context(ws, service, config, config_path, "cargo")?;
    let overrides = config.service(&service.name);
    let section = format!("[generate.services.{}]", service.name);
    if let Some(o) = overrides {
        super::reject_keys(
            config_path,
            &section,
            &[
                ("entry", o.entry.is_some()),
                ("out_dir", o.out_dir.is_some()),
                ("build", o.build.is_some()),
            ],
            &format!(
                "only for Node services; `{}` is a Cargo binary (set features or profile in \
                 [generate.cargo], files to ship in `assets`)",
                service.name
            ),
        )?;
    }
    let mut cargo_config = config.cargo.clone();
    if let Some(image) = overrides.and_then(|o| o.image.clone()) {
        cargo_config.image = Some(image);
    }
    if let Some(image) = overrides.and_then(|o| o.runtime_image.clone()) {
        cargo_config.runtime_image = Some(image);
    }
    let cargo = context(
        ws,
        service,
        &cargo_config,
        &common.app_root,
        overrides,
        config_path,
    )?;
    let dockerfile = ws.dockerfile_path(service);
    common.service.ignore_file = format!("{dockerfile}.dockerignore");
    common.service.dockerfile = dockerfile;
    // The binary sits at the app root; the package folder does not exist in the image.
    common.service.workdir = common.app_root.clone();
    common.service.cmd = vec![cargo.binary.clone()];
    Ok(CargoTemplateContext { common, cargo })
}

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
}

/// A file copied into its own folder of the manifests stage.
#[derive(Debug, Clone, Serialize)]
pub struct NestedFile {
    pub src: String,
    pub dir: String,
}

/// A file or folder of the service's package shipped in the runtime image.
#[derive(Debug, Clone, Serialize)]
pub struct Asset {
    /// Relative to the workspace root (the build context).
    pub src: String,
    /// Absolute, under the app root: `<app_root>/<path relative to the package folder>`.
    pub dest: String,
}

/// One stub file of the dependency-only build.
#[derive(Debug, Clone, Serialize)]
pub struct Stub {
    /// Relative to the workspace root.
    pub path: String,
    /// Its folder (for `mkdir -p`).
    pub dir: String,
    /// What it holds: nothing for a library, `fn main() {}` for everything that is run.
    pub content: String,
}

/// The `cargo` template variable for `service`. `app_root` is the checked `[generate]
/// app_root`; `overrides` is the service's `[generate.services.<name>]` (its assets, relative
/// to its package folder, and its features); `config_path` names isogen.toml in errors.
pub fn context(
    ws: &Workspace,
    service: &Service,
    config: &CargoConfig,
    app_root: &str,
    overrides: Option<&ServiceConfig>,
    config_path: &Path,
) -> Result<CargoContext> {
    let no_assets = Vec::new();
    let assets = overrides.map_or(&no_assets, |o| &o.assets);
    let package = ws.service_package(service);
    let (Some(details), Some(cargo_ws)) = (&package.cargo, &ws.cargo) else {
        return Err(Error::Usage(format!(
            "service `{}` is not a Cargo service",
            service.name
        )));
    };
    let bin = details.bin(&service.entry).ok_or_else(|| {
        Error::workspace(
            ws.root.join(&package.manifest),
            format!(
                "package `{}` has no binary `{}`",
                package.name, service.entry
            ),
        )
    })?;
    let Some(lockfile) = &cargo_ws.lockfile else {
        return Err(Error::workspace(
            ws.root.join(&cargo_ws.manifest),
            "no Cargo.lock next to this manifest: the generated build runs `cargo build \
             --locked`, which needs one; run `cargo generate-lockfile` and commit Cargo.lock",
        ));
    };

    let bad_config = |what: String| Error::config(config_path, format!("[generate.cargo] {what}"));
    let image = config.image.clone().unwrap_or_else(|| DEFAULT_IMAGE.into());
    let runtime_image = config
        .runtime_image
        .clone()
        .unwrap_or_else(|| DEFAULT_RUNTIME_IMAGE.into());
    for (key, value) in [("image", &image), ("runtime_image", &runtime_image)] {
        if !is_image_reference(value) {
            return Err(bad_config(format!(
                "{key} = {value:?}: not an image reference (expected e.g. \"{DEFAULT_IMAGE}\" \
                 or \"name@sha256:<64 hex digits>\")"
            )));
        }
    }
    let profile = config.profile.clone().unwrap_or_else(|| "release".into());
    if !is_word(&profile) {
        return Err(bad_config(format!(
            "profile = {profile:?}: not a profile name"
        )));
    }
    let cargo_home = config
        .cargo_home
        .clone()
        .unwrap_or_else(|| DEFAULT_CARGO_HOME.into());
    if !cargo_home.starts_with('/') || !is_path(&cargo_home) {
        return Err(bad_config(format!(
            "cargo_home = {cargo_home:?}: expected an absolute folder"
        )));
    }
    // Repo-wide features, then the service's, then the binary's required-features. Each plain
    // name must be a feature of the package: cargo refuses the build otherwise, and generate
    // can say so now, naming the setting, instead of a failed image build later.
    let section = format!("[generate.services.{}]", service.name);
    let mut features: Vec<String> = Vec::new();
    let requested = config
        .features
        .iter()
        .map(|f| ("[generate.cargo]", f))
        .chain(
            overrides
                .into_iter()
                .flat_map(|o| &o.features)
                .map(|f| (section.as_str(), f)),
        );
    for (origin, f) in requested {
        if !is_feature(f) {
            return Err(Error::config(
                config_path,
                format!("{origin} features: {f:?} is not a feature name"),
            ));
        }
        // `dep/feature` and `dep?/feature` name a dependency's feature: cargo checks those.
        if !f.contains('/') && !details.features.contains(f) {
            let known = if details.features.is_empty() {
                "none".to_string()
            } else {
                details.features.join(", ")
            };
            let hint = if origin == "[generate.cargo]" {
                "; a feature of one service belongs in [generate.services.<name>] features"
            } else {
                ""
            };
            return Err(Error::config(
                config_path,
                format!(
                    "{origin} features: package `{}` (service `{}`) has no feature `{f}` (its \
                     features: {known}){hint}",
                    package.name, service.name
                ),
            ));
        }
        if !features.contains(f) {
            features.push(f.clone());
        }
    }
    for f in &bin.required_features {
        if !features.contains(f) {
            features.push(f.clone());
        }
    }
    let no_default_features = overrides
        .and_then(|o| o.no_default_features)
        .unwrap_or(config.no_default_features);

    let mut build = vec!["cargo".to_string(), "build".into(), "--locked".into()];
    match profile.as_str() {
        "release" => build.push("--release".into()),
        other => {
            build.push("--profile".into());
            build.push(other.into());
        }
    }
    // isogen decides where the output goes: a `build.target-dir` in .cargo/config.toml or a
    // CARGO_TARGET_DIR in the builder image would otherwise move the binary away from where
    // the builder stage copies it (and from the cache mount).
    let target_dir = format!("{BUILD_DIR}/target");
    build.extend(["--target-dir".into(), target_dir.clone()]);
    build.extend([
        "-p".into(),
        package.name.clone(),
        "--bin".into(),
        bin.name.clone(),
    ]);
    if no_default_features {
        build.push("--no-default-features".into());
    }
    if !features.is_empty() {
        build.push("--features".into());
        build.push(features.join(","));
    }
    let build_command = build
        .iter()
        .map(|w| shell_word(w))
        .collect::<Vec<_>>()
        .join(" ");

    let profile_dir = match profile.as_str() {
        "dev" | "test" => "debug".to_string(),
        "bench" => "release".into(),
        other => other.to_string(),
    };
    let artifact = match &cargo_ws.build_target {
        Some(triple) => format!("{target_dir}/{triple}/{profile_dir}/{}", bin.name),
        None => format!("{target_dir}/{profile_dir}/{}", bin.name),
    };

    let mut root_files = vec![cargo_ws.manifest.clone(), lockfile.clone()];
    root_files.extend(cargo_ws.build_files.iter().cloned());

    let cargo_packages: Vec<usize> = cargo_ws.packages.clone();
    let is_patch = |i: usize| cargo_ws.patches.contains(&i);
    // Patched crates come whole (with their manifest) as dependency sources.
    let mut manifests: Vec<String> = cargo_packages
        .iter()
        .filter(|&&i| !is_patch(i))
        .map(|&i| &ws.packages[i])
        .filter(|p| !p.dir.is_empty())
        .map(|p| p.manifest.clone())
        .collect();
    manifests.sort();

    // `[patch]` path crates and vendored registry crates: built with the dependencies.
    let dependency_sources: Vec<String> = cargo_ws
        .patches
        .iter()
        .map(|&i| ws.packages[i].dir.clone())
        .chain(cargo_ws.vendor_dirs.iter().cloned())
        .collect();

    let mut stubs = Vec::new();
    let mut ordered = cargo_packages.clone();
    ordered.sort_by(|&a, &b| ws.packages[a].dir.cmp(&ws.packages[b].dir));
    for i in ordered {
        if is_patch(i) {
            continue;
        }
        let p = &ws.packages[i];
        let Some(c) = &p.cargo else { continue };
        for (path, kind) in c.stub_files() {
            let path = join(&p.dir, &path);
            let dir = path
                .rsplit_once('/')
                .map(|(d, _)| d.to_string())
                .unwrap_or_else(|| ".".into());
            stubs.push(Stub {
                path,
                dir,
                content: match kind {
                    TargetKind::Lib => String::new(),
                    _ => "fn main() {}".into(),
                },
            });
        }
    }

    let mut sources = Vec::new();
    for &i in service
        .build_closure
        .iter()
        .chain(std::iter::once(&service.package))
    {
        if is_patch(i) {
            continue;
        }
        let p = &ws.packages[i];
        if p.ecosystem != Ecosystem::Cargo {
            continue;
        }
        match (&p.cargo, p.dir.is_empty()) {
            (_, false) => sources.push(p.dir.clone()),
            (Some(c), true) => {
                for s in root_package_sources(c) {
                    if !sources.contains(&s) {
                        sources.push(s);
                    }
                }
            }
            (None, true) => {}
        }
    }
    for s in dependency_sources
        .iter()
        .chain(&sources)
        .chain(&root_files)
        .chain(&manifests)
    {
        if !is_path(s) {
            return Err(Error::workspace(
                ws.root.join(&cargo_ws.manifest),
                format!("`{s}`: isogen cannot write this path into a Dockerfile (spaces, quotes or `$`)"),
            ));
        }
    }

    let assets = assets
        .iter()
        .map(|a| {
            let rel = a.trim_start_matches("./").trim_end_matches('/');
            let inside = !rel.is_empty()
                && !rel.starts_with('/')
                && !rel.split('/').any(|part| part == ".." || part == ".");
            if !inside || !is_path(rel) {
                return Err(Error::config(
                    config_path,
                    format!(
                        "[generate.services.{}] assets: {a:?} must be a plain path inside the \
                         package folder ({})",
                        service.name,
                        if package.dir.is_empty() { "." } else { &package.dir }
                    ),
                ));
            }
            if rel == bin.name {
                return Err(Error::config(
                    config_path,
                    format!(
                        "[generate.services.{}] assets: {a:?} would overwrite the binary at {app_root}/{}",
                        service.name, bin.name
                    ),
                ));
            }
            Ok(Asset {
                src: join(&package.dir, rel),
                dest: format!("{app_root}/{rel}"),
            })
        })
        .collect::<Result<Vec<_>>>()?;

    let mounts = if config.cache_mounts {
        vec![
            format!("--mount=type=cache,target={cargo_home}/registry,sharing=locked"),
            format!("--mount=type=cache,target={cargo_home}/git,sharing=locked"),
            format!("--mount=type=cache,target={target_dir},sharing=locked"),
        ]
    } else {
        Vec::new()
    };

    let (top_files, nested): (Vec<&String>, Vec<&String>) = root_files
        .iter()
        .chain(&manifests)
        .partition(|f| !f.contains('/'));
    let top_files = top_files.into_iter().cloned().collect();
    let nested_files = nested
        .into_iter()
        .map(|f| NestedFile {
            src: f.clone(),
            dir: f
                .rsplit_once('/')
                .map(|(d, _)| d.to_string())
                .unwrap_or_default(),
        })
        .collect();

    Ok(CargoContext {
        top_files,
        nested_files,
        image,
        runtime_image,
        package: package.name.clone(),
        bin: bin.name.clone(),
        workdir: BUILD_DIR.into(),
        profile_dir,
        profile,
        target_dir,
        artifact,
        build_command,
        root_files,
        manifests,
        dependency_sources,
        stubs,
        sources,
        binary: format!("{app_root}/{}", bin.name),
        built_binary: format!("{OUT_DIR}/{}", bin.name),
        out_dir: OUT_DIR.into(),
        assets,
        cache_mounts: config.cache_mounts,
        mounts,
        cargo_home,
    })
}

/// The files and folders a package at the workspace root builds from: the top-level entries
/// discovery found to be its own (the root minus other packages' folders), plus the top-level
/// entry of each target and of the build script (kept even where another package lives).
fn root_package_sources(c: &CargoPackage) -> Vec<String> {
    let mut out: Vec<String> = c.root_entries.clone();
    let paths = c
        .lib
        .iter()
        .chain(&c.bins)
        .map(|t| t.path.as_str())
        .chain(c.build_script.as_deref());
    for path in paths {
        let top = path.split('/').next().unwrap_or(path).to_string();
        if !out.contains(&top) {
            out.push(top);
        }
    }
    out.sort();
    out
}

fn join(dir: &str, file: &str) -> String {
    if dir.is_empty() {
        file.to_string()
    } else {
        format!("{dir}/{file}")
    }
}

/// A path that can stand unquoted in `COPY` and in a shell command.
fn is_path(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+@:~".contains(c))
}

fn is_word(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-".contains(c))
}

/// `name` or `dep/feature` / `dep?/feature`.
fn is_feature(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-/?+.".contains(c))
}

fn is_image_reference(s: &str) -> bool {
    if s.is_empty()
        || s.chars()
            .any(|c| c.is_whitespace() || "\"'\\$`".contains(c))
    {
        return false;
    }
    match s.split_once('@') {
        None => true,
        Some((_, digest)) => digest
            .strip_prefix("sha256:")
            .is_some_and(|h| h.len() == 64 && h.chars().all(|c| c.is_ascii_hexdigit())),
    }
}

/// One POSIX shell word: as is when it is plain, else single-quoted.
fn shell_word(s: &str) -> String {
    let plain = !s.is_empty()
        && !s.starts_with('~')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+@:,=".contains(c));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests;
