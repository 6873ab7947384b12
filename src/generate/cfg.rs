//! `[generate]` of `isogen.toml`: repository-wide settings, `[generate.node]` for Node services,
//! and `[generate.services.<service>]` per-service overrides. Unknown keys are errors
//! (`deny_unknown_fields`), reported by `config.rs` with the file, line and key.
//!
//! ```toml
//! [generate]
//! templates = "ci/isogen-templates"   # the project's own templates (missing ones: defaults)
//! uid = 10001                          # the runtime user's uid (and gid, unless `gid` is set)
//! app_root = "/app"
//! image_name = "ghcr.io/acme/{service}"   # plan, docker-bake.hcl, compose.yaml (default "{service}")
//! bake = true                          # also write docker-bake.hcl (as `isogen bake` does)
//!
//! [generate.node]
//! version = "20"                       # Node major (or full version) for the default images
//! image = "node:26-bookworm-slim"      # build stages; `name@sha256:...` pins a digest
//! runtime_image = "node:26-bookworm-slim"
//! pnpm_version = "9.12.0"              # default: packageManager of the root package.json
//! pnpm_install = "npm"                 # or "corepack"
//! build_script = "build"               # the package.json script that builds a package
//!
//! [generate.cargo]                    # Cargo services (see generate::cargo::CargoConfig)
//! image = "docker.io/library/rust:1-bookworm"
//! runtime_image = "gcr.io/distroless/cc-debian12:latest"
//! profile = "release"
//! cache_mounts = false
//!
//! [generate.services.billing]
//! port = 8080
//! healthcheck = ["node", "/app/services/billing/dist/health.js"]   # or a shell string
//! entry = "dist/server.js"             # relative to the service folder
//! out_dir = "dist"                     # what the runtime image ships besides package.json
//! build = "pnpm run build:prod"        # shell command, run in the service folder
//! env = { LOG_FORMAT = "json" }
//! image = "..."                        # overrides [generate.node] image / runtime_image
//! runtime_image = "..."
//! cmd = ["/app/billing", "serve"]     # the whole exec-form command (default: the binary / node <entry>)
//! args = ["run"]                       # appended to the command
//! expose = [9090]                      # more ports to EXPOSE besides `port`
//! healthcheck = { cmd = ["/app/billing", "health"], interval = "30s", timeout = "5s", retries = 3 }
//! writable = ["data", { path = "/var/lib/billing", volume = true }]   # owned by the service user
//! workdir = "/data"                    # Cargo only: the working directory (default the app root)
//! assets = ["config/default.toml"]     # shipped at <app_root>/<package dir>/config/default.toml (Node), <app_root>/config/default.toml (Cargo)
//! assets = [{ from_root = "dist" }]    # Cargo only: from the workspace root to <app_root>/dist
//! build_inputs = ["version.json"]      # Cargo only: files outside the crate its build reads
//! builder_packages = ["cmake", "protobuf-compiler"]   # apt packages of the build stages
//! runtime_packages = ["libpq5"]        # shared libraries for the runtime image
//! features = ["tls"]                   # Cargo only: added to [generate.cargo] features
//! no_default_features = true           # Cargo only: overrides [generate.cargo]
//! build_args = ["NEXT_PUBLIC_APP_URL", "NEXT_PUBLIC_DOCKER_BUILD=true"] # ARG of the build stages (docker build --build-arg), NAME=value with a default
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};

/// The default uid (and gid) of the runtime user (CONTRACTS.md).
pub const DEFAULT_UID: u32 = 10001;
/// The default folder the image holds the workspace's packages under.
pub const DEFAULT_APP_ROOT: &str = "/app";

/// `[generate]` in `isogen.toml`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenerateConfig {
    /// The project's template folder, relative to the workspace root.
    pub templates: Option<PathBuf>,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    pub app_root: Option<String>,
    /// `generate` also writes `docker-bake.hcl` (what `isogen bake` writes).
    #[serde(default)]
    pub bake: bool,
    /// The image name of each service: a pattern with `{service}` (and `{ecosystem}`), used by
    /// `plan`, the bake file and the compose file (see `generate::image_name`).
    pub image_name: Option<String>,
    #[serde(default)]
    pub node: NodeConfig,
    /// `[generate.cargo]`: Cargo-only settings (see `generate::cargo::CargoConfig`).
    #[serde(default)]
    pub cargo: super::cargo::CargoConfig,
    #[serde(default)]
    pub services: BTreeMap<String, ServiceConfig>,
}

/// How pnpm gets into the build stages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PnpmInstall {
    /// `npm install -g pnpm@X` (works behind registry proxies that break corepack's signature
    /// check).
    #[default]
    Npm,
    /// `corepack enable pnpm && corepack prepare pnpm@X --activate`.
    Corepack,
}

/// `[generate.node]`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeConfig {
    pub version: Option<String>,
    pub image: Option<String>,
    pub runtime_image: Option<String>,
    pub pnpm_version: Option<String>,
    pub pnpm_install: Option<PnpmInstall>,
    pub build_script: Option<String>,
}

pub use super::asset_setting::AssetSetting;
pub use super::runtime::{Healthcheck, Writable};
pub use super::stop_signal::StopSignal;

/// `[generate.services.<service name>]`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceConfig {
    /// Cargo: the binary this service runs, when the service is another process of a binary
    /// (`bin = "bore"` with `args = ["server"]`; crates.io's `server` binary run with
    /// `background-worker`): the section's name is then a new service of its own, with its
    /// own `<service>.Dockerfile`, beside whatever the binary itself is (read by discovery:
    /// [`crate::workspace::WorkspaceConfig::bin_services`]).
    pub bin: Option<String>,
    pub port: Option<u16>,
    pub healthcheck: Option<Healthcheck>,
    pub entry: Option<String>,
    pub out_dir: Option<String>,
    pub build: Option<String>,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    pub image: Option<String>,
    pub runtime_image: Option<String>,
    /// Files or folders of the service's package shipped in the runtime image (relative to the
    /// package folder); for Cargo services also `{ from_root = "dist" }`, a path from the
    /// workspace root (see [`AssetSetting`]).
    #[serde(default)]
    pub assets: Vec<AssetSetting>,
    /// Cargo services: features of this service's build, besides `[generate.cargo] features`.
    #[serde(default)]
    pub features: Vec<String>,
    /// Cargo services: `--no-default-features` for this service (overrides `[generate.cargo]`).
    pub no_default_features: Option<bool>,
    /// The whole exec-form command, as written (replaces the binary / `node <entry>`).
    pub cmd: Option<Vec<String>>,
    /// Arguments appended to the command (`args = ["run"]` gives `CMD ["/app/lldap", "run"]`).
    #[serde(default)]
    pub args: Vec<String>,
    /// More ports to `EXPOSE` (besides `port`).
    #[serde(default)]
    pub expose: Vec<u16>,
    /// Folders the service writes to, created empty and owned by its user (optionally a
    /// `VOLUME`); relative to its working directory.
    #[serde(default)]
    pub writable: Vec<Writable>,
    /// Cargo services: the working directory, an absolute folder outside the app root (default:
    /// the app root, which holds the binary and is root's). A service that writes beside itself
    /// (rustdesk's hbbs: its key and SQLite file) gets `workdir` and the same folder `writable`.
    pub workdir: Option<String>,
    /// Cargo services: files or folders outside the crate that its build reads (an
    /// `include_str!("../../../version.json")`), relative to the workspace root, copied into
    /// the build at the same path.
    #[serde(default)]
    pub build_inputs: Vec<String>,
    /// Debian packages installed in the build stages (`cmake`, `clang`, `protobuf-compiler`;
    /// a native addon's `-dev` package for a Node service).
    #[serde(default)]
    pub builder_packages: Vec<DebianPackage>,
    /// Debian packages whose files (shared libraries) the runtime image gets (`libpq5`; for a
    /// Node service with Prisma's Rust engine, `libssl3` is added without being asked).
    #[serde(default)]
    pub runtime_packages: Vec<DebianPackage>,
    /// The signal that stops the service (`STOPSIGNAL`); SIGTERM when unset.
    pub stop_signal: Option<StopSignal>,
    /// Variables the build reads (`NEXT_PUBLIC_APP_URL`, which `next build` inlines; kanidm's
    /// `KANIDM_BUILD_PROFILE`, which a Cargo build script reads), declared as `ARG` in the
    /// build stages so `--build-arg NAME=value` reaches them; never in the runtime image.
    #[serde(default)]
    pub build_args: Vec<BuildArg>,
    /// What the service is: a long-running `server` (the default) or a one-shot `job` (a
    /// migration, a cron task: its entry does its work and exits). A Node `job` gets no
    /// warning that nothing keeps Node running; an entry that runs nothing is refused all
    /// the same.
    pub kind: Option<ServiceKind>,
}

/// The `kind` of `[generate.services.<name>]`, as Kubernetes names the workload (`kind:
/// Job`): what the container is expected to do once started.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ServiceKind {
    /// Runs until stopped (a server, a worker, a consumer).
    #[default]
    Server,
    /// Does its work and exits (a migration, a cron task, a seed).
    Job,
}

/// A build argument (`NEXT_PUBLIC_APP_URL`), or one with a default (`NEXT_PUBLIC_DOCKER_BUILD=true`,
/// as `generate --force` carries a hand-written builder stage's `ARG`), checked while
/// isogen.toml is read: a shell variable name, which `ARG` and `--build-arg` take, and a value
/// on one line.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct BuildArg(pub String);

impl BuildArg {
    /// The variable's name (before any `=`).
    pub fn name(&self) -> &str {
        self.0.split_once('=').map_or(self.0.as_str(), |(n, _)| n)
    }

    /// What follows `ARG` in a Dockerfile: `NAME`, `NAME=value`, or `NAME="a value"` when the
    /// value holds anything but plain characters (quotes, backslashes and `$` escaped, so
    /// the build reads the value as written).
    pub fn declaration(&self) -> String {
        let Some((name, value)) = self.0.split_once('=') else {
            return self.0.clone();
        };
        let plain = !value.is_empty()
            && value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_-.,:/@%+=".contains(c));
        if plain {
            return format!("{name}={value}");
        }
        let mut quoted = String::new();
        for c in value.chars() {
            if matches!(c, '"' | '\\' | '$') {
                quoted.push('\\');
            }
            quoted.push(c);
        }
        format!("{name}=\"{quoted}\"")
    }
}

impl<'de> Deserialize<'de> for BuildArg {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        let (name, value) = match text.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (text.as_str(), None),
        };
        let mut chars = name.chars();
        let first_ok = chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
        if !first_ok || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(serde::de::Error::custom(format!(
                "build_args: `{name}` is not a variable name (letters, digits and `_`, not first a digit)"
            )));
        }
        if value.is_some_and(|v| v.contains(['\n', '\r'])) {
            return Err(serde::de::Error::custom(format!(
                "build_args: the default of `{name}` spans lines (expected NAME or NAME=value on one line)"
            )));
        }
        Ok(BuildArg(text))
    }
}

/// A Debian package name (`libpq5`, `protobuf-compiler`, `libssl3=3.0.15-1~deb12u1`), checked
/// while isogen.toml is read.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct DebianPackage(pub String);

impl DebianPackage {
    /// The names of `list`, each once, in the order given (`builder_packages` and
    /// `runtime_packages` of either ecosystem).
    pub fn names(list: &[DebianPackage]) -> Vec<String> {
        let mut v: Vec<String> = Vec::new();
        for p in list {
            if !v.contains(&p.0) {
                v.push(p.0.clone());
            }
        }
        v
    }
}

impl<'de> Deserialize<'de> for DebianPackage {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        let (name, version) = match text.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (text.as_str(), None),
        };
        let name_ok = name.len() >= 2
            && name.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "+-.".contains(c));
        let version_ok = version.is_none_or(|v| {
            !v.is_empty()
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".+~:-".contains(c))
        });
        if name_ok && version_ok {
            Ok(DebianPackage(text))
        } else {
            Err(serde::de::Error::custom(format!(
                "{text:?} is not a Debian package name (expected e.g. \"cmake\", \"libpq5\" or \
                 \"libssl3=3.0.15-1~deb12u1\")"
            )))
        }
    }
}

impl GenerateConfig {
    pub fn uid(&self) -> u32 {
        self.uid.unwrap_or(DEFAULT_UID)
    }

    pub fn gid(&self) -> u32 {
        self.gid.or(self.uid).unwrap_or(DEFAULT_UID)
    }

    /// The app root, checked: absolute, no trailing `/`, nothing a Dockerfile would split.
    pub fn app_root(&self, config_path: &Path) -> Result<String> {
        let root = self.app_root.as_deref().unwrap_or(DEFAULT_APP_ROOT);
        let trimmed = root.trim_end_matches('/');
        if !trimmed.starts_with('/') || trimmed.is_empty() || !is_plain_path(trimmed) {
            return Err(Error::config(
                config_path,
                format!("[generate] app_root = {root:?}: expected an absolute folder such as \"/app\", without spaces or quotes"),
            ));
        }
        Ok(trimmed.to_string())
    }

    /// The per-service section for `service`, if any.
    pub fn service(&self, service: &str) -> Option<&ServiceConfig> {
        self.services.get(service)
    }

    /// Where each service's `[generate.services.<name>] assets` land in its image:
    /// `<app_root>/<asset>` (a folder stands for what is under it), by service name, for the
    /// services that list assets. Unchecked: an asset generate would refuse (absolute, empty)
    /// is left out here, and generate reports it.
    pub fn asset_destinations(&self) -> BTreeMap<String, Vec<String>> {
        let root = self
            .app_root
            .as_deref()
            .unwrap_or(DEFAULT_APP_ROOT)
            .trim_end_matches('/');
        self.services
            .iter()
            .filter(|(_, s)| !s.assets.is_empty())
            .map(|(name, s)| {
                let paths = s
                    .assets
                    .iter()
                    .filter(|a| match a {
                        AssetSetting::Package(p) => {
                            let p = p.trim_start_matches("./").trim_end_matches('/');
                            !p.is_empty() && !p.starts_with('/')
                        }
                        AssetSetting::Root { from_root, .. } => !from_root.is_empty(),
                    })
                    .map(|a| a.destination(root))
                    .collect();
                (name.clone(), paths)
            })
            .collect()
    }
}

pub use crate::workspace::path::is_plain_path;

/// Checks an image reference from the config: `name[:tag][@sha256:<64 hex>]`, nothing that
/// would break a Dockerfile line. `key` names the setting in errors.
pub fn check_image(reference: &str, key: &str, config_path: &Path) -> Result<()> {
    let bad = |why: &str| {
        Error::config(
            config_path,
            format!("{key} = {reference:?}: {why} (expected e.g. \"node:20-bookworm-slim\" or \"node@sha256:<64 hex digits>\")"),
        )
    };
    if reference.is_empty()
        || reference
            .chars()
            .any(|c| c.is_whitespace() || "\"'\\$`".contains(c))
    {
        return Err(bad("not an image reference"));
    }
    if let Some((_, digest)) = reference.split_once('@') {
        let Some(hex) = digest.strip_prefix("sha256:") else {
            return Err(bad("a pinned digest must be sha256:..."));
        };
        if hex.len() != 64 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(bad("a sha256 digest has 64 hex digits"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[test]
    fn build_args_take_a_default_declared_as_the_build_reads_it() {
        let c = Config::parse(
            "[generate.services.web]\nbuild_args = [\"A\", \"B=true\", \"C=two words $x\"]\n",
            Path::new("isogen.toml"),
        )
        .unwrap();
        let args = &c.generate.service("web").unwrap().build_args;
        let declared: Vec<String> = args.iter().map(BuildArg::declaration).collect();
        assert_eq!(declared, ["A", "B=true", "C=\"two words \\$x\""]);
        assert_eq!(args[1].name(), "B");
        let err = Config::parse(
            "[generate.services.web]\nbuild_args = [\"1A=x\"]\n",
            Path::new("isogen.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("`1A` is not a variable name"), "{err}");
    }

    #[test]
    fn full_section_parses() {
        let c = Config::parse(
            r#"
[generate]
uid = 1234
app_root = "/srv/"
templates = "t"
[generate.node]
version = "22"
image = "node@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
pnpm_install = "corepack"
[generate.services.api]
port = 8080
healthcheck = ["node", "health.js"]
env = { A = "1" }
[generate.services.web]
healthcheck = "wget -q -O- http://localhost:3000/health"
[generate.services.table]
healthcheck = { cmd = ["/app/x", "health"], interval = "1m30s", retries = 3 }
writable = ["data", { path = "/var/lib/x", volume = true }]
builder_packages = ["cmake", "libssl3=3.0.15-1~deb12u1"]
"#,
            Path::new("isogen.toml"),
        )
        .unwrap();
        let g = c.generate;
        assert_eq!(g.uid(), 1234);
        assert_eq!(g.gid(), 1234);
        assert_eq!(g.app_root(Path::new("x")).unwrap(), "/srv");
        assert_eq!(g.node.pnpm_install, Some(PnpmInstall::Corepack));
        assert_eq!(
            g.service("api").unwrap().healthcheck,
            Some(Healthcheck::Exec(vec!["node".into(), "health.js".into()]))
        );
        assert!(matches!(
            g.service("table").unwrap().healthcheck,
            Some(Healthcheck::Options(_))
        ));
        let w = &g.service("table").unwrap().writable;
        assert_eq!((w[0].path.as_str(), w[0].volume), ("data", false));
        assert_eq!((w[1].path.as_str(), w[1].volume), ("/var/lib/x", true));
        assert!(matches!(
            g.service("web").unwrap().healthcheck,
            Some(Healthcheck::Shell(_))
        ));
    }

    #[test]
    fn unknown_keys_are_named() {
        let err = Config::parse(
            "[generate.services.api]\nprot = 1\n",
            Path::new("isogen.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("prot"), "{err}");
        assert!(err.starts_with("isogen.toml:2:"), "{err}");
        let err = Config::parse(
            "[generate.node]\npnpm_install = \"yarn\"\n",
            Path::new("isogen.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("yarn"), "{err}");
    }

    /// Settings whose shape is wrong are named with their line while isogen.toml is read.
    #[test]
    fn bad_run_settings_are_named_with_their_line() {
        for (text, needle) in [
            (
                "healthcheck = { cmd = \"x\", interval = \"often\" }",
                "not a duration",
            ),
            ("healthcheck = { cmd = \"x\", every = \"1s\" }", "every"),
            ("writable = [\"../up\"]", "plain folder path"),
            ("writable = [{ path = \"d\", volme = true }]", "volme"),
            (
                "builder_packages = [\"CMake\"]",
                "not a Debian package name",
            ),
            ("expose = [70000]", "70000"),
        ] {
            let err = Config::parse(
                &format!("[generate.services.api]\n{text}\n"),
                Path::new("isogen.toml"),
            )
            .unwrap_err()
            .to_string();
            assert!(err.starts_with("isogen.toml:2:"), "{text}: {err}");
            assert!(err.contains(needle), "{text}: {err}");
        }
    }

    #[test]
    fn images_and_app_root_are_checked() {
        let p = Path::new("isogen.toml");
        assert!(check_image("node:20-bookworm-slim", "k", p).is_ok());
        assert!(check_image("registry.example.com:5000/team/node:20@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "k", p).is_ok());
        assert!(check_image("node@sha256:abc", "k", p).is_err());
        assert!(check_image("node 20", "k", p).is_err());
        let g = GenerateConfig {
            app_root: Some("app".into()),
            ..Default::default()
        };
        assert!(g.app_root(p).is_err());
    }
}
