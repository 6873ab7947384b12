//! What Cargo discovery hands on: the workspace-level facts ([`CargoWorkspace`]) and the
//! per-package ones ([`CargoPackage`], its [`Target`]s). Plain data: nothing here reads a file,
//! and nothing here knows how a Dockerfile uses it.

use serde::Serialize;

/// Workspace-level Cargo facts the generator needs.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CargoWorkspace {
    /// The root manifest, relative to the workspace root (`Cargo.toml`).
    pub manifest: String,
    /// `Cargo.lock` when it exists (relative to the workspace root).
    pub lockfile: Option<String>,
    /// The root package, when the root manifest has `[package]` (index into the packages).
    pub root_package: Option<usize>,
    /// Every member, in discovery order (root package, then `members` order, then path
    /// dependencies); indices into [`Workspace::packages`].
    pub members: Vec<usize>,
    /// `default-members`, when given (indices into the packages).
    pub default_members: Vec<usize>,
    /// Every Cargo package the workspace builds: the members plus excluded path dependencies.
    pub packages: Vec<usize>,
    /// Packages that replace registry crates through `[patch]` with a `path`: built as
    /// dependencies, so their real sources belong with the dependencies, not with stubs.
    pub patches: Vec<usize>,
    /// Root files that change what a build does and exist here (`.cargo/config.toml`,
    /// `rust-toolchain.toml`, ...), relative to the root.
    pub build_files: Vec<String>,
    /// `build.target` of the workspace's `.cargo/config.toml`: cargo then writes the binaries
    /// under `target/<triple>/` instead of `target/`. The triple, or a target spec file's stem.
    pub build_target: Option<String>,
    /// Folders of local sources the cargo config replaces registries with
    /// (`[source.<name>] directory = "vendor"`, what `cargo vendor` prints), relative to the
    /// root: the dependency build reads them.
    pub vendor_dirs: Vec<String>,
    /// Link programs the cargo config asks for on Linux (`linker = "clang"`, `-fuse-ld=lld`),
    /// which the build image may lack (see `cargo_config`).
    pub link_tools: Vec<LinkTool>,
    /// `.sqlx` when that folder exists at the root: the offline query data `cargo sqlx prepare
    /// --workspace` writes, which `sqlx::query!` reads at compile time when no database is
    /// reachable (a build input of the services whose crates use sqlx).
    pub sqlx_offline: Option<String>,
}

/// Per-package Cargo facts.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CargoPackage {
    /// Whether the package is a workspace member (false: an excluded path dependency).
    pub member: bool,
    /// `package.edition` (inherited or not); `2015` when absent, as cargo does.
    pub edition: String,
    /// `package.rust-version`, when given.
    pub rust_version: Option<String>,
    /// `package.description`, when given.
    pub description: Option<String>,
    /// The library target, if any.
    pub lib: Option<Target>,
    /// Binary targets, in manifest order (explicit `[[bin]]` first, then inferred ones).
    pub bins: Vec<Target>,
    /// The build script, relative to the package folder.
    pub build_script: Option<String>,
    /// Explicitly declared examples, tests and benches: cargo wants their files to exist when
    /// it loads the manifest, so a dependency-only build needs stubs for them.
    pub declared_targets: Vec<Target>,
    /// The features `--features` accepts for this package: the `[features]` table's names and
    /// the implicit feature of each optional dependency that no feature names as `dep:<name>`.
    pub features: Vec<String>,
    /// The features a plain `cargo build` of the package enables: `default` and what it
    /// enables, transitively (see `features::default_features`). A binary whose
    /// `required-features` are not all among them is one cargo does not build by default.
    pub default_features: Vec<String>,
    /// For the package at the workspace root: the top-level files and folders that are its own
    /// (see `root::root_package_entries`), sorted. Empty for every other package, whose folder is
    /// its own whole.
    pub root_entries: Vec<String>,
    /// Files outside the package folder its sources include at compile time
    /// (`include_str!("../../../version.json")`), relative to the workspace root, sorted. Empty
    /// for the package at the root.
    pub outside_inputs: Vec<String>,
    /// Folders outside the package folder that its sources embed only when a feature is on,
    /// sorted (see [`FeatureInput`]); not in `outside_inputs`.
    pub feature_inputs: Vec<FeatureInput>,
    /// Registry crates of `[build-dependencies]` (any target), sorted: what the build script
    /// runs (`tonic-build` and `prost-build` need `protoc` in the build image).
    pub build_deps: Vec<String>,
    /// Registry crates among its optional normal and build dependencies (package names) that
    /// its default features leave off: a build of the package with its default features does
    /// not compile them (qdrant's `gpu` crate and `shaderc`), though Cargo.lock lists them.
    pub optional_off: Vec<String>,
    /// The features of registry dependencies it asks for, by its own feature: `""` -> those
    /// its dependency declarations ask (`diesel = { features = ["r2d2"] }`: `diesel/r2d2`),
    /// each of its features -> the `<crate>/<feature>` items and the features of its own it
    /// enables (`postgresql = ["diesel/postgres"]`: `diesel/postgres`; crates by package
    /// name, `?` dropped). Read by the lockfile warnings (see `generate::cargo::lock_walk`).
    pub dependency_features: std::collections::BTreeMap<String, Vec<String>>,
    /// Programs its build script runs that the default build image lacks (`npm install` in
    /// rqbit's `librqbit/build.rs`), first place of each.
    pub build_programs: Vec<BuildProgram>,
    /// The downloads its build script makes (`program`: the HTTP client crate, `reqwest`, or
    /// `curl`/`wget`; see `build_programs::build_downloads`), first place of each.
    pub build_downloads: Vec<BuildProgram>,
    /// Whether the sources start a server (`Server::builder`, `serve_connection`, ...), its own
    /// or those of a workspace crate it depends on; looked at only when the package uses a
    /// framework clients use too (`tonic`, `hyper`), false otherwise.
    pub starts_server: bool,
    /// For a package with binaries and no server framework: where its sources, or those of a
    /// workspace crate it depends on, open a listening socket (`` `UnixListener::bind` at
    /// bin/src/main.rs:98 ``, then ` in sozu-lib` for a dependency's); a hint that a tool may
    /// be a server (see `listens`), `None` otherwise.
    pub listens: Option<String>,
    /// For a package with several binaries that [`CargoPackage::listens`]: where each binary's
    /// own code, or the library module it hands its work to, opens its listening socket, when
    /// the sources say (see `listens::bin_listener_site`); by binary name.
    pub bin_listens: std::collections::BTreeMap<String, String>,
    /// The server frameworks of [`super::services::SERVER_FRAMEWORKS`] among its normal
    /// dependencies (any target; optional ones only when its default features enable them),
    /// from a registry or a path: a member named `tonic` counts in the framework's own
    /// repository or a fork of it, as the crate does.
    pub frameworks: Vec<String>,
    /// Server frameworks among its optional registry dependencies that its default features
    /// leave off (hickory-dns's hyper, behind `prometheus-metrics`): a plain `cargo build`
    /// does not compile them, so they say nothing of whether it serves; named in the
    /// reasons so that a user who builds with the feature knows why.
    pub frameworks_off: Vec<String>,
    /// For a package with binaries that depends on no server framework itself: the
    /// library-only workspace crate among its normal dependencies (transitively) that depends
    /// on one and whose sources start a server (kanidm's `daemon` over `kanidmd_core`, garage
    /// over `garage_api_common`). Its binaries run that server.
    pub server_lib: Option<ServerLib>,
    /// Binaries of a package that runs a server whose sources (the root file and the modules
    /// it declares) name neither the server framework, nor the package's library, nor a
    /// workspace crate that serves, while a sibling binary does: tools beside the server
    /// (qdrant's `wal_inspector` beside `qdrant`).
    pub side_tools: Vec<String>,
    /// Binaries of a library crate another workspace package with binaries uses, whose
    /// sources start no server (a synchronous `main` with no runtime, server or listener):
    /// generators beside the library (warpgate's OpenAPI printers `warpgate-admin` and
    /// `warpgate-protocol-http`, its `config-schema`), each with that package's name.
    pub library_tools: Vec<(String, String)>,
    /// Binaries whose command line does nothing without a subcommand (clap's
    /// `#[command(subcommand)]` on a field that is not an `Option`, `subcommand_required`):
    /// each with the file (relative to the workspace root) and line that says so.
    pub required_subcommands: Vec<RequiredSubcommand>,
    /// Binaries whose command line requires a positional argument (dfget's `<URL>`; see
    /// `cli_args`): run bare, they print their usage and exit.
    pub required_args: Vec<RequiredArg>,
    /// Options its binaries' command lines may leave out but their code needs (see
    /// [`NeededOption`]).
    pub needed_options: Vec<NeededOption>,
    /// Binaries whose command line isogen could not read for sure (see `cli_follow`).
    pub unsure_command_lines: Vec<UnsureCommandLine>,
    /// Where its binaries (or its library) bind their listening socket to a loopback address
    /// (see `loopback`): unreachable from outside a container.
    pub loopback_binds: Vec<LoopbackBind>,
    /// For a command-line tool whose server is a live-reload preview (zola's `zola serve`,
    /// typst's `typst watch`; see `live_reload`): the file-watcher crate it (or its server
    /// library) depends on. Its binaries are tools by default.
    pub live_reload: Option<String>,
    /// Folders its sources embed at compile time that do not exist (a front end's build
    /// output): the image build would stop there.
    pub missing_embeds: Vec<MissingEmbed>,
    /// Where its sources call sqlx's checked query macros, and what they find at compile time
    /// (only for a package that depends on sqlx; see `sqlx_macros`).
    pub sqlx_macros: Option<SqlxMacros>,
}

/// A crate's sqlx checked query macros (see `sqlx_macros`).
#[derive(Debug, Clone, Default, Serialize)]
pub struct SqlxMacros {
    /// The first call, `<file>:<line>` relative to the workspace root.
    pub site: String,
    /// Whether offline query data (`.sqlx/`, `sqlx-data.json`) is in the crate's folder or one
    /// above it.
    pub offline: bool,
    /// The nearest `.env` (the crate's folder, then up to the root) that sets `DATABASE_URL`,
    /// relative to the root.
    pub env_file: Option<String>,
}

/// A link program the workspace's cargo config asks for (see `cargo_config`).
#[derive(Debug, Clone, Default, Serialize)]
pub struct LinkTool {
    /// The program as named (`clang`, `lld`, `clang-16`).
    pub program: String,
    /// The Debian package that installs it (`clang`, `lld`, `mold`).
    pub debian: String,
    /// The config file, relative to the workspace root (`.cargo/config.toml`).
    pub file: String,
    /// The line of the setting, 1-based.
    pub line: usize,
    /// The setting as read (`[target.x86_64-unknown-linux-gnu] linker = "clang"`).
    pub setting: String,
}

/// A program a build script runs (see `build_programs`).
#[derive(Debug, Clone, Default, Serialize)]
pub struct BuildProgram {
    /// Its name, as the script runs it (`npm`, `cmake`).
    pub program: String,
    /// The source file, relative to the workspace root, `/`-separated.
    pub file: String,
    /// Its line, 1-based.
    pub line: usize,
    /// The feature whose `#[cfg(feature = "...")]` block holds the call, if one does.
    pub feature: Option<String>,
}

/// A folder a crate embeds at compile time (`include_dir!`, rust-embed's `#[folder]`) that
/// the repository does not hold, or holds only as an empty placeholder (see `embeds`).
#[derive(Debug, Clone, Default, Serialize)]
pub struct MissingEmbed {
    /// The source file, relative to the workspace root, `/`-separated.
    pub file: String,
    /// Its line, 1-based.
    pub line: usize,
    /// The folder, relative to the workspace root.
    pub folder: String,
    /// The folder exists but holds only hidden files (rustc-perf's `site/frontend/dist/`, a
    /// committed `.gitkeep` that npm's build fills): the build passes and embeds nothing.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub placeholder: bool,
    /// The feature that compiles the embedding code, when a `#[cfg(feature = "...")]` gates it
    /// (on the item, on a block around it, or on a `mod` declaration on the way from the crate
    /// root to its file: roapi's `#[cfg(feature = "ui")] mod ui;`); a build without that
    /// feature never reads the folder.
    pub feature: Option<String>,
}

/// A folder outside the package's folder that its sources embed only when a feature is on
/// (roapi's `roapi-ui/dist`, behind its non-default `ui` feature): a build input of the
/// services whose build enables the feature, and of no other.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FeatureInput {
    /// The folder, relative to the workspace root.
    pub folder: String,
    /// The package's feature that embeds it.
    pub feature: String,
}

/// Where a binary's command line makes a subcommand required.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RequiredSubcommand {
    pub bin: String,
    /// The source file, relative to the workspace root, `/`-separated.
    pub file: String,
    /// Its line, 1-based.
    pub line: usize,
    /// The subcommands it chooses from (kebab-case, as clap names them), when isogen could
    /// read them (see `subcommand_names`); empty otherwise.
    pub subcommands: Vec<String>,
    /// The arguments those subcommands require (positional ones and required options), by
    /// subcommand, for those that have some (`start` -> `config` for `Start { config: PathBuf
    /// }`; see `cli_args`).
    pub arguments: std::collections::BTreeMap<String, Vec<CliArg>>,
    /// When clap lets the subcommand be left out but the code then prints its help and does
    /// nothing else (kellnr's `None => { Cli::command().print_help() }`): where, `file:line`
    /// relative to the workspace root.
    pub help_at: Option<String>,
}

/// A binary's required arguments (see `cli_args`): run bare, it prints its usage and exits.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RequiredArg {
    pub bin: String,
    /// The source file of the command line's struct, relative to the workspace root,
    /// `/`-separated (a library's file when the binary parses a struct a library declares).
    pub file: String,
    /// The first required field's line, 1-based.
    pub line: usize,
    /// The first required field's name.
    pub name: String,
    /// Every argument the command line requires, in field order (the first is `name`).
    pub args: Vec<CliArg>,
}

/// A binary that calls into a workspace crate which parses a command line (a struct deriving
/// `Parser` whose `parse()` that crate calls), through a call isogen could not follow to the
/// parse (a method, a trait, a function it cannot tell apart): whether it runs bare is not
/// known (see `cli_follow`).
#[derive(Debug, Clone, Default, Serialize)]
pub struct UnsureCommandLine {
    pub bin: String,
    /// The call the binary makes: `settings::Loader::default`.
    pub call: String,
    /// The command line structs the crate parses: name, file (relative to the workspace
    /// root, `/`-separated) and line.
    pub parsers: Vec<(String, String, usize)>,
}

/// One argument of a clap command line: a positional one or an option.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CliArg {
    /// The field's name.
    pub name: String,
    /// The option's flag (`--variant-name`, or `-c` when it has no long one); `None` for a
    /// positional argument.
    pub flag: Option<String>,
    /// The option's other flag, when it has both (`-c` beside `--config`).
    pub short: Option<String>,
    /// The field's line, 1-based.
    pub line: usize,
    /// The file that declares the field (a struct the command line flattens may live in
    /// another file), relative to the workspace root, `/`-separated.
    pub file: String,
}

impl CargoWorkspace {
    /// The name of every binary of the members (`packages` is [`Workspace::packages`]), in
    /// member order: what a Procfile line or a `[generate.services.<name>] bin` may name.
    ///
    /// [`Workspace::packages`]: crate::workspace::Workspace::packages
    pub fn bin_names<'a>(&self, packages: &'a [crate::workspace::Package]) -> Vec<&'a str> {
        (self.members.iter())
            .filter_map(|&i| packages[i].cargo.as_ref())
            .flat_map(|c| c.bins.iter().map(|b| b.name.as_str()))
            .collect()
    }
}

impl CliArg {
    /// How a command line gives it, with a placeholder for its value: `["<config>"]`,
    /// `["--variant-name", "<variant-name>"]`.
    pub fn argv(&self) -> Vec<String> {
        let value = format!("<{}>", self.name.replace('_', "-"));
        match &self.flag {
            Some(flag) => vec![flag.clone(), value],
            None => vec![value],
        }
    }

    /// Whether `args` give this option (`--config x`, `--config=x`, `-c x`, `-cx`); a
    /// positional argument is never "given" this way.
    pub fn given_in(&self, args: &[String]) -> bool {
        let flags = self.flag.iter().chain(&self.short);
        flags.into_iter().any(|f| {
            args.iter().any(|a| {
                a == f
                    || a.strip_prefix(f.as_str()).is_some_and(|rest| {
                        rest.starts_with('=') || (!f.starts_with("--") && !rest.is_empty())
                    })
            })
        })
    }
}

/// An option that clap lets a binary's command line leave out (an `Option<...>` field) but
/// whose absence its own code turns into an error: sozu's `-c/--config`, which `sozu start`
/// needs (`args.config` ... `None => ... .ok_or(UtilError::GetConfigFilePath)`). See
/// `cli_args::needed_options`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct NeededOption {
    pub bin: String,
    /// The file of the command line's struct, relative to the workspace root.
    pub file: String,
    /// The option.
    pub option: CliArg,
    /// Where the code fails without it, `file:line` relative to the workspace root.
    pub needed_at: String,
    /// The subcommand whose option it is (`serve` for `Serve(ServeArgs)` or `Serve { config:
    /// Option<PathBuf> }`), given after it; `None`: the top-level command line's.
    pub subcommand: Option<String>,
}

/// A loopback address a binary listens on (see `loopback`).
#[derive(Debug, Clone, Default, Serialize)]
pub struct LoopbackBind {
    /// The binary whose module files hold it; `None`: the package's library (every binary).
    pub bin: Option<String>,
    /// The source file, relative to the workspace root, `/`-separated.
    pub file: String,
    /// 1-based line of the bind call, or of the option's field.
    pub line: usize,
    /// The address as written (`127.0.0.1:{port}`).
    pub address: String,
    /// When the address is a clap option's default: how to give it another.
    pub option: Option<LoopbackOption>,
    /// When the address is what the code puts in place of an unset option
    /// (`bindaddress.unwrap_or(DEFAULT_SERVER_ADDRESS)`, kanidm's): that option's name;
    /// `option` is then the clap field of that name the binary's crates declare, if one does.
    pub unset_of: Option<String>,
}

/// A clap option, or a key of the `config` crate, whose default is a loopback address.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LoopbackOption {
    /// `--long` or `-s`; `None` for a positional argument.
    pub flag: Option<String>,
    /// Its `env` variable, when it has one.
    pub env: Option<String>,
    /// For a config default (`set_default("host", "127.0.0.1")` of the `config` crate), its
    /// key; `flag` is then `None` and `env` the variable its `Environment` source reads.
    pub config_key: Option<String>,
    /// For a clap option declared in a variant of a subcommand enum (oxigraph's `--bind` of
    /// `Serve { bind, .. }`): that subcommand's name (`serve`), which the command line must
    /// give before the option.
    pub subcommand: Option<String>,
}

/// A workspace library that starts the server a thin binary runs.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ServerLib {
    /// Its package name.
    pub name: String,
    /// The server framework it depends on.
    pub framework: String,
}

impl CargoPackage {
    /// Where binary `bin` opens a listening socket: its own site when the sources say,
    /// else the package's (see [`CargoPackage::listens`]).
    pub fn listens_of(&self, bin: &str) -> Option<&str> {
        (self.bin_listens.get(bin))
            .or(self.listens.as_ref())
            .map(String::as_str)
    }

    /// The binary target called `name`.
    pub fn bin(&self, name: &str) -> Option<&Target> {
        self.bins.iter().find(|b| b.name == name)
    }

    /// Every target file a manifest-only copy of this package needs a stub for, with the kind
    /// of stub: library (no items) or a program (`fn main() {}`).
    pub fn stub_files(&self) -> Vec<(String, TargetKind)> {
        let mut stubs: Vec<(String, TargetKind)> = Vec::new();
        let mut push = |path: &str, kind: TargetKind| {
            if !stubs.iter().any(|(p, _)| p == path) {
                stubs.push((path.to_string(), kind));
            }
        };
        if let Some(lib) = &self.lib {
            push(&lib.path, TargetKind::Lib);
        }
        for t in self.bins.iter().chain(&self.declared_targets) {
            push(&t.path, t.kind);
        }
        if let Some(build) = &self.build_script {
            push(build, TargetKind::BuildScript);
        }
        stubs
    }
}

/// What a target is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TargetKind {
    Lib,
    Bin,
    Example,
    Test,
    Bench,
    BuildScript,
}

/// One target of a package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Target {
    pub kind: TargetKind,
    /// The target name (for a library, the crate name with `-` turned into `_`).
    pub name: String,
    /// The root source file, relative to the package folder, `/`-separated.
    pub path: String,
    /// `required-features`: a build of this target must enable them.
    pub required_features: Vec<String>,
    /// A `proc-macro = true` library.
    pub proc_macro: bool,
}
