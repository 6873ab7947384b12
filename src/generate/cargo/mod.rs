//! The Cargo side of `generate`: from a Cargo service (one binary target of a workspace member)
//! to the variables of `templates/cargo.Dockerfile.tera` and `cargo.dockerignore.tera`.
//!
//! The build is planned here, from the manifests discovery read, in cargo-chef's spirit but
//! without installing it (LukeMathWalker/cargo-chef, `src/skeleton/`):
//!
//! 1. deps: the root manifest, the lockfile, the root build settings (`.cargo/config.toml`,
//!    `rust-toolchain.toml`), every package's `Cargo.toml` (cargo loads every member to resolve
//!    the workspace, even for `-p one`), and a stub file for each target cargo would look for
//!    (a doc comment alone for libraries, plus `fn main() {}` for binaries and build scripts,
//!    so a workspace that denies `missing_docs` compiles them). Building the service
//!    then compiles only its dependencies; the layer changes only with a manifest or the lock.
//!    `[patch]` path crates are dependencies, so their real sources go here.
//! 2. builder: the real sources of the service's package and of the crates it needs (its build
//!    closure: normal and build dependencies, transitively; never dev-dependencies, which
//!    `cargo build` does not compile). Their mtimes are bumped, so cargo rebuilds them over the
//!    stubs whatever time the build context carried. Other members stay stubs: their sources
//!    never enter the image's build stages.
//! 3. runtime: the binary alone (plus configured assets), a non-root user, a direct `CMD`.
//!
//! One module per part of the plan: [`settings`] (the config, checked), [`command`] (the
//! `cargo build` line and where it writes), [`layout`] (what each stage copies), [`assets`]
//! (what the runtime image ships besides the binary), [`inputs`] (build inputs, apt packages), [`vars`] (the template variables).
//!
//! This module computes strings and lists; it never reads files (discovery did; [`assets`] only
//! looks whether a root asset exists, to warn) or writes any.

mod assets;
mod builder_tools;
mod command;
mod downloads;
mod fetches;
mod home_dirs;
mod inputs;
mod layout;
mod lock_walk;
mod settings;
mod system_libs;
mod vars;
mod words;

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::cfg::ServiceConfig;
use super::{common_context, CommonContext, GenerateConfig, Rendering};
use crate::error::{Error, Result};
use crate::workspace::{Service, Workspace};
use command::{Build, Wanted};
use layout::Layout;
use settings::Settings;

pub use vars::{Asset, CargoContext, NestedFile, Stub};

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
    /// Variables the build reads (a build script's `env::var`, an `env!`), from `build_args`
    /// of the service's settings: each an `ARG` of the deps and builder stages, so `docker
    /// build --build-arg NAME=value` reaches `cargo build`; the runtime image never has them.
    pub build_args: Vec<String>,
}

/// The files of one Cargo service: its Dockerfile and its ignore file. A service refused only
/// because its command line needs a subcommand or an argument still renders, into `drafts` (never written):
/// what the hand-written Dockerfiles beside it say (their `CMD`, `EXPOSE`, ...) is then told in
/// the same run as the refusal, not one run later.
pub fn renderings(
    ws: &Workspace,
    service: &Service,
    config: &GenerateConfig,
    config_path: &Path,
    warnings: &mut Vec<String>,
    drafts: &mut Vec<Rendering>,
) -> Result<Vec<Rendering>> {
    let overrides = config.service(&service.name);
    // Before any refusal, as for Node: a user fixing the service's command line sees its
    // loopback listen and its other problems in the same run.
    let loopbacks = crate::generate::loopback::loopbacks(ws, service, overrides);
    warnings.extend(loopbacks.iter().map(|l| l.warning(&service.name)));
    warnings.extend(needed_options_missing(ws, service, overrides));
    warnings.extend(unsure_command_line(ws, service, overrides));
    let refusal = command_line_given(ws, service, overrides);
    match (refusal, unchecked_context(ws, service, config, config_path)) {
        (Err(refused), Ok(ctx)) => {
            build_warnings(ws, service, config, &ctx, warnings);
            drafts.extend(files_of(&ctx)?);
            Err(refused)
        }
        // Both problems in one run: the command line and what isogen.toml asks that cannot be.
        (Err(refused), Err(other)) => Err(Error::Service(vec![refused, other])),
        (Ok(()), ctx) => {
            let ctx = ctx?;
            build_warnings(ws, service, config, &ctx, warnings);
            files_of(&ctx)
        }
    }
}

/// The warnings about what the image of a service (planned as `ctx`) lacks to build or run:
/// missing assets, system libraries, build tools, embedded folders, sqlx's compile-time data.
fn build_warnings(
    ws: &Workspace,
    service: &Service,
    config: &GenerateConfig,
    ctx: &CargoTemplateContext,
    warnings: &mut Vec<String>,
) {
    let overrides = config.service(&service.name);
    warnings.extend(assets::missing(ws, service, &ctx.cargo.assets));
    let lockfile = ws.cargo.as_ref().and_then(|c| c.lockfile.as_deref());
    // The build the Dockerfile runs: its features include the binary's required-features.
    let build = lock_walk::Build {
        package: &ctx.cargo.package,
        features: &ctx.cargo.features,
        no_default_features: ctx.cargo.no_default_features,
    };
    warnings.extend(system_libs::warnings(
        ws,
        lockfile,
        &build,
        &service.name,
        &ctx.cargo.runtime_packages,
    ));
    warnings.extend(builder_tools::warnings(
        ws,
        lockfile,
        &build,
        &service.name,
        &ctx.cargo.builder_packages,
    ));
    warnings.extend(builder_tools::script_warnings(
        ws,
        service,
        &ctx.cargo.builder_packages,
    ));
    warnings.extend(builder_tools::link_warnings(
        ws,
        &service.name,
        &ctx.cargo.builder_packages,
    ));
    warnings.extend(builder_tools::embed_warnings(
        ws,
        service,
        &ctx.cargo.features_on,
    ));
    warnings.extend(downloads::warnings(ws, service, &build));
    warnings.extend(fetches::warnings(ws, lockfile, &build, &service.name));
    warnings.extend(inputs::sqlx_warnings(ws, service, &ctx.cargo.build_inputs));
    warnings.extend(home_dirs::warnings(
        ws,
        lockfile,
        &ctx.cargo.package,
        &service.name,
        overrides,
    ));
}

/// For a service whose `args` (or `cmd`) are set but leave out an option its binary's code
/// needs (see `workspace::cargo::cli_args`; sozu's `-c`/`--config`, which `sozu start` fails
/// without): the warning, with the `args` line that gives it.
fn needed_options_missing(
    ws: &Workspace,
    service: &Service,
    overrides: Option<&ServiceConfig>,
) -> Vec<String> {
    let Some(o) = overrides else {
        return Vec::new();
    };
    let (key, given): (&str, &[String]) = match (&o.cmd, o.args.as_slice()) {
        (Some(cmd), _) => ("cmd", cmd.get(1..).unwrap_or_default()),
        (None, []) => return Vec::new(),
        (None, args) => ("args", args),
    };
    let package = ws.service_package(service);
    let needed = crate::workspace::cargo::services::needed_options(package, &service.entry);
    // A subcommand's option matters when `args` run that subcommand, and goes after it.
    let at = |n: &crate::workspace::cargo::model::NeededOption| match &n.subcommand {
        None => Some(0),
        Some(s) => given.iter().position(|g| g == s).map(|k| k + 1),
    };
    let missing: Vec<_> = needed
        .into_iter()
        .filter(|n| at(n).is_some() && !n.option.given_in(given))
        .collect();
    if missing.is_empty() {
        return Vec::new();
    }
    let mut fixed: Vec<String> = given.to_vec();
    for n in missing.iter().rev() {
        let k = at(n).unwrap_or(0);
        fixed.splice(k..k, n.option.argv());
    }
    let fix = match key {
        "cmd" => "give it in `cmd`, where clap takes it".to_string(),
        _ => format!(
            "args = {}",
            crate::workspace::cargo::services::toml_list(&fixed)
        ),
    };
    vec![format!(
        "service `{name}`: `{key}` in [generate.services.{name}] of isogen.toml does not give \
         {what}, so the image's command would stop there; {fix} (a file it reads goes into \
         the image with `assets`)",
        name = service.name,
        what = crate::workspace::cargo::services::needed_note(&missing),
    )]
}

/// For a service whose binary calls into a workspace crate that parses a command line through
/// a call isogen could not follow (see `workspace::cargo::cli_follow`), when isogen.toml says
/// neither `args` nor `cmd`: the warning that says isogen cannot tell whether it runs bare.
fn unsure_command_line(
    ws: &Workspace,
    service: &Service,
    overrides: Option<&ServiceConfig>,
) -> Option<String> {
    if overrides.is_some_and(|o| o.cmd.is_some() || !o.args.is_empty()) {
        return None;
    }
    let package = ws.service_package(service);
    let c = package.cargo.as_ref()?;
    let u = c
        .unsure_command_lines
        .iter()
        .find(|u| u.bin == service.entry)?;
    let parsers: Vec<String> = (u.parsers.iter())
        .map(|(ident, file, line)| format!("`{ident}` ({file}:{line})"))
        .collect();
    Some(format!(
        "service `{name}`: binary `{bin}` calls `{call}` of a workspace crate that parses \
         the command line {parsers}, and isogen could not follow that call to a parse, so it \
         cannot tell whether the binary serves when run bare, as CMD [\"/app/{bin}\"] runs \
         it. Run it bare once; if it needs a subcommand or arguments, set `args` in \
         [generate.services.{name}] of isogen.toml, and if it does not, set cmd = \
         [\"/app/{bin}\"] to say so",
        name = service.name,
        bin = u.bin,
        call = u.call,
        parsers = parsers.join(" or "),
    ))
}

/// The Dockerfile and ignore file renderings of a service's context.
fn files_of(ctx: &CargoTemplateContext) -> Result<Vec<Rendering>> {
    let tera_ctx = tera::Context::from_serialize(ctx).map_err(|e| Error::Template {
        name: DOCKERFILE_TEMPLATE.into(),
        message: format!("building the context: {e}"),
    })?;
    let tera_ctx = std::sync::Arc::new(tera_ctx);
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

/// Refuses a service whose binary's command line needs more than its bare name when
/// isogen.toml gives neither `args` nor `cmd`: run bare, as CMD ["/app/<bin>"] would run it,
/// clap prints the usage and exits. Two shapes, as discovery saw them: a required subcommand
/// (`kanidmd server`, `garage server`, `quickwit run`) and a required positional argument
/// (rathole's `rathole <CONFIG>`, listed in `[workspace] services`).
fn command_line_given(
    ws: &Workspace,
    service: &Service,
    overrides: Option<&crate::generate::cfg::ServiceConfig>,
) -> Result<()> {
    if overrides.is_some_and(|o| o.cmd.is_some() || !o.args.is_empty()) {
        return Ok(());
    }
    let package = ws.service_package(service);
    let needed = crate::workspace::cargo::services::needed_options(package, &service.entry);
    let services = crate::workspace::cargo::services::required_subcommand(package, &service.entry)
        .map(|r| subcommand_needed(ws, service, r, &needed));
    // Run without a subcommand, only the command line's own options count.
    let needed = crate::workspace::cargo::services::top_level(&needed);
    let argument = crate::workspace::cargo::services::required_arg(package, &service.entry)
        .map(|a| argument_needed(ws, service, a, &needed));
    let option = needed
        .first()
        .map(|n| option_needed(ws, service, n, &needed));
    match services.or(argument).or(option) {
        Some(refusal) => Err(refusal),
        None => Ok(()),
    }
}

/// The refusal of a service whose binary requires nothing clap checks, but whose code fails
/// without the options `needed` (the first is `first`; see [`command_line_given`]).
fn option_needed(
    ws: &Workspace,
    service: &Service,
    first: &crate::workspace::cargo::model::NeededOption,
    needed: &[&crate::workspace::cargo::model::NeededOption],
) -> Error {
    let args: Vec<String> = needed.iter().flat_map(|n| n.option.argv()).collect();
    Error::WorkspaceAt {
        path: ws.root.join(&first.file),
        location: first.option.line.to_string(),
        message: format!(
            "binary `{bin}` (service `{name}`) needs {what}, so run bare, as CMD \
             [\"/app/{bin}\"] would, it stops. Say what the image runs in \
             [generate.services.{name}] of isogen.toml: args = {args} (a file it reads goes \
             into the image with `assets`, next to the binary in /app), or cmd = \
             [\"/app/{bin}\"] if it runs without",
            bin = service.entry,
            name = service.name,
            what = crate::workspace::cargo::services::needed_note(needed),
            args = crate::workspace::cargo::services::toml_list(&args),
        ),
    }
}

/// The refusal of a service whose binary requires subcommand `r` (see [`command_line_given`]).
fn subcommand_needed(
    ws: &Workspace,
    service: &Service,
    r: &crate::workspace::cargo::model::RequiredSubcommand,
    needed: &[&crate::workspace::cargo::model::NeededOption],
) -> Error {
    // garage lists server, status, node, layout, ...: the one whose name says it serves.
    let likely = crate::workspace::cargo::services::serving_args(r, needed);
    // The options of the command line and of the serving subcommand.
    let serving = crate::workspace::cargo::services::serving_subcommand(r);
    let needed: Vec<_> = (needed.iter().copied())
        .filter(|n| n.subcommand.is_none() || n.subcommand.as_deref() == serving)
        .collect();
    let needed = needed.as_slice();
    let needs = match needed.is_empty() {
        true => String::new(),
        false => format!(
            "; it needs {}",
            crate::workspace::cargo::services::needed_note(needed)
        ),
    };
    let choices = match (r.subcommands.is_empty(), likely) {
        (true, _) => needs,
        (false, None) => format!(": one of {}{needs}", r.subcommands.join(", ")),
        (false, Some(args)) => format!(
            ": one of {}; by its name, args = {}{needs}",
            r.subcommands.join(", "),
            crate::workspace::cargo::services::toml_list(&args)
        ),
    };
    // kellnr: clap lets it be left out, and the code then prints the help and stops.
    let bin = &r.bin;
    let why = match &r.help_at {
        None => format!(
            "its command line requires one here, so run bare, as CMD [\"/app/{bin}\"] \
             would, it prints its usage and exits"
        ),
        Some(at) => format!(
            "its command line takes one here, and without one its code prints the help at \
             {at} and does nothing else, so run bare, as CMD [\"/app/{bin}\"] would, it \
             serves nothing"
        ),
    };
    Error::WorkspaceAt {
        path: ws.root.join(&r.file),
        location: r.line.to_string(),
        message: format!(
            "binary `{bin}` (service `{name}`) needs a subcommand: {why}. Say what the image \
             runs in [generate.services.{name}] of isogen.toml: args = [\"<subcommand>\", \
             ...] (the one that serves{choices}), or cmd = [\"/app/{bin}\"] if it runs \
             without one",
            name = service.name
        ),
    }
}

/// The refusal of a service whose binary requires positional argument `a` (see
/// [`command_line_given`]).
fn argument_needed(
    ws: &Workspace,
    service: &Service,
    a: &crate::workspace::cargo::model::RequiredArg,
    needed: &[&crate::workspace::cargo::model::NeededOption],
) -> Error {
    let args: Vec<String> = (needed.iter().flat_map(|n| n.option.argv()))
        .chain(a.args.iter().flat_map(|c| c.argv()))
        .collect();
    let (what, head) = match a.args.as_slice() {
        [one] if one.flag.is_none() => (format!("`{}`", one.name), "an argument"),
        [_] => (
            crate::workspace::cargo::services::required_list(a),
            "an option",
        ),
        _ => (
            crate::workspace::cargo::services::required_list(a),
            "arguments",
        ),
    };
    let needs = match needed.is_empty() {
        true => String::new(),
        false => format!(
            "; it also needs {}",
            crate::workspace::cargo::services::needed_note(needed)
        ),
    };
    Error::WorkspaceAt {
        path: ws.root.join(&a.file),
        location: a.line.to_string(),
        message: format!(
            "binary `{bin}` (service `{name}`) needs {head}: its command line requires \
             {what} here, so run bare, as CMD [\"/app/{bin}\"] would, it prints its usage and \
             exits{needs}. Say what the image runs in [generate.services.{name}] of isogen.toml: \
             args = {args} (the values it serves with; a file it reads goes into the image \
             with `assets`, next to the binary in /app), or cmd = [\"/app/{bin}\"] if it \
             runs without one",
            bin = service.entry,
            name = service.name,
            args = crate::workspace::cargo::services::toml_list(&args),
        ),
    }
}

/// `workdir = "/data"`: an absolute plain folder outside the app root (which holds the binary)
/// and outside the system's folders, as `WORKDIR` takes it.
fn workdir_setting(
    service: &Service,
    dir: &str,
    app_root: &str,
    config_path: &Path,
) -> Result<String> {
    if let Some(clean) = crate::generate::runtime::workdir_folder(dir, app_root) {
        return Ok(clean);
    }
    Err(Error::config(
        config_path,
        format!(
            "[generate.services.{}] workdir {dir:?}: expected an absolute folder outside the app \
             root {app_root} and the system's folders (e.g. \"/data\", and writable = \
             [\"/data\"] for a service that writes beside itself)",
            service.name
        ),
    ))
}

/// The variables of one Cargo service's templates.
pub fn template_context(
    ws: &Workspace,
    service: &Service,
    config: &GenerateConfig,
    config_path: &Path,
) -> Result<CargoTemplateContext> {
    command_line_given(ws, service, config.service(&service.name))?;
    unchecked_context(ws, service, config, config_path)
}

/// [`template_context`] without the refusal of a bare command that needs a subcommand or an
/// argument.
fn unchecked_context(
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
    // The binary sits at the app root; the package folder does not exist in the image.
    common.service.workdir = match overrides.and_then(|o| o.workdir.as_deref()) {
        Some(dir) => workdir_setting(service, dir, &common.app_root, config_path)?,
        None => common.app_root.clone(),
    };
    common.run = super::run_context(
        service,
        overrides,
        &common.service.workdir,
        &common.app_root,
        config_path,
    )?;
    let shipped = std::iter::once(&cargo.binary).chain(cargo.assets.iter().map(|a| &a.dest));
    for file in shipped {
        if let Some(w) = common
            .run
            .writable
            .iter()
            .find(|w| *file == w.path || file.starts_with(&format!("{}/", w.path)))
        {
            return Err(Error::config(
                config_path,
                format!(
                    "{section} writable: {} holds {file}, which the image ships read-only: name \
                     another folder",
                    w.path
                ),
            ));
        }
    }
    common.service.cmd = super::runtime::command(
        vec![cargo.binary.clone()],
        overrides.and_then(|o| o.cmd.as_deref()),
        overrides.map(|o| o.args.as_slice()).unwrap_or_default(),
        &section,
        config_path,
    )?;
    let build_args = (overrides.iter())
        .flat_map(|o| o.build_args.iter().map(|a| a.declaration()))
        .collect();
    Ok(CargoTemplateContext {
        common,
        cargo,
        build_args,
    })
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
    let settings = Settings::check(config, config_path)?;
    let features = settings::features(
        config,
        overrides,
        service,
        package,
        details,
        bin,
        config_path,
    )?;
    let no_default_features =
        (overrides.and_then(|o| o.no_default_features)).unwrap_or(config.no_default_features);
    let wanted = Wanted {
        package: &package.name,
        bin: &bin.name,
        no_default_features,
        features: &features,
        build_target: cargo_ws.build_target.as_deref(),
        cache_mounts: config.cache_mounts,
    };
    let build = Build::plan(&settings, &wanted);
    let layout = Layout::plan(ws, service, cargo_ws, lockfile)?;
    let configured = overrides.map(|o| o.assets.as_slice()).unwrap_or_default();
    let assets = assets::assets(
        configured,
        service,
        package,
        &bin.name,
        app_root,
        config_path,
    )?;
    let features_on = lock_walk::features_on(ws, &wanted.lock_build());
    let build_inputs = inputs::build_inputs(ws, service, overrides, config_path, &features_on)?;
    let (builder_packages, runtime_packages) = inputs::packages(ws, service, overrides);
    Ok(CargoContext {
        build_inputs,
        builder_packages,
        runtime_packages,
        top_files: layout.top_files,
        nested_files: layout.nested_files,
        image: settings.image,
        runtime_image: settings.runtime_image,
        package: package.name.clone(),
        bin: bin.name.clone(),
        workdir: BUILD_DIR.into(),
        profile_dir: build.profile_dir,
        profile: settings.profile,
        target_dir: build.target_dir,
        artifact: build.artifact,
        build_command: build.command,
        features,
        no_default_features,
        features_on,
        root_files: layout.root_files,
        manifests: layout.manifests,
        dependency_sources: layout.dependency_sources,
        stubs: layout.stubs,
        sources: layout.sources,
        binary: format!("{app_root}/{}", bin.name),
        built_binary: format!("{OUT_DIR}/{}", bin.name),
        out_dir: OUT_DIR.into(),
        assets,
        cache_mounts: config.cache_mounts,
        mounts: build.mounts,
        cargo_home: settings.cargo_home,
    })
}

#[cfg(test)]
mod tests;
