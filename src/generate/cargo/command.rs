//! The `cargo build` of one service: its arguments (profile, `--target-dir`, `-p`/`--bin`,
//! features), where cargo then writes the binary, and the cache mounts of the RUNs that build.
//!
//! It computes strings from checked settings; it never checks a setting (see `settings`) and
//! never reads files.

use super::settings::Settings;
use super::words::shell_word;
use super::BUILD_DIR;

/// The build of one binary.
pub(super) struct Build {
    /// `cargo build ...` as one shell-ready line.
    pub(super) command: String,
    pub(super) target_dir: String,
    pub(super) profile_dir: String,
    /// Where cargo writes the binary.
    pub(super) artifact: String,
    /// `--mount` flags of the RUNs that build (empty without cache mounts).
    pub(super) mounts: Vec<String>,
}

/// What to build: package `package`'s binary `bin`, with `features`, for `build_target` (the
/// `build.target` of the workspace's cargo config, when set).
pub(super) struct Wanted<'a> {
    pub(super) package: &'a str,
    pub(super) bin: &'a str,
    pub(super) no_default_features: bool,
    pub(super) features: &'a [String],
    pub(super) build_target: Option<&'a str>,
    pub(super) cache_mounts: bool,
}

impl Wanted<'_> {
    /// The build as the lockfile walks read it (package, features, default features).
    pub(super) fn lock_build(&self) -> super::lock_walk::Build<'_> {
        super::lock_walk::Build {
            package: self.package,
            features: self.features,
            no_default_features: self.no_default_features,
        }
    }
}

impl Build {
    pub(super) fn plan(settings: &Settings, wanted: &Wanted) -> Build {
        let profile = settings.profile.as_str();
        let mut build = vec!["cargo".to_string(), "build".into(), "--locked".into()];
        match profile {
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
            wanted.package.to_string(),
            "--bin".into(),
            wanted.bin.to_string(),
        ]);
        if wanted.no_default_features {
            build.push("--no-default-features".into());
        }
        if !wanted.features.is_empty() {
            build.push("--features".into());
            build.push(wanted.features.join(","));
        }
        let command = build
            .iter()
            .map(|w| shell_word(w))
            .collect::<Vec<_>>()
            .join(" ");

        let profile_dir = match profile {
            "dev" | "test" => "debug".to_string(),
            "bench" => "release".into(),
            other => other.to_string(),
        };
        let artifact = match wanted.build_target {
            Some(triple) => format!("{target_dir}/{triple}/{profile_dir}/{}", wanted.bin),
            None => format!("{target_dir}/{profile_dir}/{}", wanted.bin),
        };
        let cargo_home = &settings.cargo_home;
        // Shared, not `sharing=locked`: cargo locks the registry and the target folder itself,
        // and buildah 1.28 (Debian bookworm's) never gives the lock of a locked cache mount
        // back to a later stage of the same build: the builder stage's RUN, after the deps
        // stage's, waited forever on kanidm's.
        let mounts = if wanted.cache_mounts {
            vec![
                format!("--mount=type=cache,target={cargo_home}/registry"),
                format!("--mount=type=cache,target={cargo_home}/git"),
                format!("--mount=type=cache,target={target_dir}"),
            ]
        } else {
            Vec::new()
        };
        Build {
            command,
            target_dir,
            profile_dir,
            artifact,
            mounts,
        }
    }
}
