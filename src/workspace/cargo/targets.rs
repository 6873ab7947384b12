//! A package's targets, by cargo's rules (`cargo/src/util/toml/targets.rs`), for the targets
//! isogen needs: the library, the binaries (`src/main.rs`, `src/bin/*.rs`, `src/bin/*/main.rs`,
//! `[[bin]]` tables, `autobins`, the edition-2015 rule), the build script, and the examples,
//! tests and benches a manifest declares (a dependency-only build needs stubs for them).
//!
//! It looks at which target files exist in the package folder; it never reads their contents,
//! and it refuses (rather than guesses) a target cargo would refuse or a build could not copy.

use std::ops::Range;
use std::path::Path;

use toml::Spanned;

use super::manifest::{BuildSetting, TomlPackage, TomlTarget};
use super::members::Loaded;
use super::model::{Target, TargetKind};
use super::paths::{clean_rel, normalize};
use crate::error::{line_col, Error, Result};

/// The targets of one package.
pub(super) struct Targets {
    pub(super) lib: Option<Target>,
    pub(super) bins: Vec<Target>,
    pub(super) build_script: Option<String>,
    pub(super) declared: Vec<Target>,
}

/// One package being read: its folder, manifest and `[package]`.
struct Reader<'a> {
    dir: &'a Path,
    manifest_path: &'a Path,
    package_name: &'a str,
    edition: &'a str,
    loaded: &'a Loaded,
    package: &'a TomlPackage,
}

impl Targets {
    /// Cargo's target rules, for the package of `loaded` in `dir`.
    pub(super) fn read(
        dir: &Path,
        manifest_path: &Path,
        package_name: &str,
        edition: &str,
        loaded: &Loaded,
        package: &TomlPackage,
    ) -> Result<Targets> {
        let r = Reader {
            dir,
            manifest_path,
            package_name,
            edition,
            loaded,
            package,
        };
        let mut targets = Targets {
            lib: r.lib(),
            bins: r.bins()?,
            build_script: r.build_script(),
            declared: r.declared()?,
        };
        r.check_files(&targets)?;
        // Cargo refuses only a package with no target of any kind: one holding only tests
        // (typst's `tests` member, a `[[test]]` with `harness = false`) builds and is a member.
        // With only inferred ones (`tests/*.rs`), the manifest-only copy of the dependency
        // stage would have none, so they count as declared: they get stubs there.
        if targets.lib.is_none() && targets.bins.is_empty() && targets.declared.is_empty() {
            targets.declared = r.inferred_extra_targets();
        }
        if targets.lib.is_none() && targets.bins.is_empty() && targets.declared.is_empty() {
            return Err(Error::workspace(
                manifest_path,
                "no targets: cargo needs src/lib.rs, src/main.rs, a [lib] section or a [[bin]] \
                 section",
            ));
        }
        Ok(targets)
    }
}

impl Reader<'_> {
    fn exists(&self, rel: &str) -> bool {
        crate::fsio::is_file(self.dir.join(rel))
    }

    /// The example, test and bench targets cargo infers from the package's files
    /// (`examples/*.rs`, `tests/*.rs`, `benches/*.rs` and their `*/main.rs` forms), where
    /// inference is on.
    fn inferred_extra_targets(&self) -> Vec<Target> {
        [
            (TargetKind::Example, "examples", self.package.autoexamples),
            (TargetKind::Test, "tests", self.package.autotests),
            (TargetKind::Bench, "benches", self.package.autobenches),
        ]
        .into_iter()
        .filter(|(_, _, auto)| *auto != Some(false))
        .flat_map(|(kind, folder, _)| {
            infer_dir_targets(self.dir, folder)
                .into_iter()
                .map(move |(name, path)| Target {
                    kind,
                    name,
                    path,
                    required_features: Vec::new(),
                    proc_macro: false,
                })
        })
        .collect()
    }

    fn lib(&self) -> Option<Target> {
        let default_name = || self.package_name.replace('-', "_");
        match &self.loaded.manifest.lib {
            Some(t) => Some(Target {
                kind: TargetKind::Lib,
                name: t.name.clone().unwrap_or_else(default_name),
                path: t
                    .path
                    .as_ref()
                    .map(|p| clean_rel(p.get_ref()))
                    .unwrap_or_else(|| "src/lib.rs".into()),
                required_features: Vec::new(),
                proc_macro: t.proc_macro == Some(true),
            }),
            None if self.package.autolib != Some(false) && self.exists("src/lib.rs") => {
                Some(Target {
                    kind: TargetKind::Lib,
                    name: default_name(),
                    path: "src/lib.rs".into(),
                    required_features: Vec::new(),
                    proc_macro: false,
                })
            }
            None => None,
        }
    }

    fn bins(&self) -> Result<Vec<Target>> {
        let mut inferred = Vec::new();
        if self.exists("src/main.rs") {
            inferred.push((self.package_name.to_string(), "src/main.rs".to_string()));
        }
        inferred.extend(infer_dir_targets(self.dir, "src/bin"));
        self.resolve(
            TargetKind::Bin,
            self.loaded.manifest.bin.as_deref(),
            inferred,
            self.package.autobins,
            "src/bin",
        )
    }

    fn declared(&self) -> Result<Vec<Target>> {
        let m = &self.loaded.manifest;
        let mut declared = Vec::new();
        for (kind, explicit, folder) in [
            (TargetKind::Example, &m.example, "examples"),
            (TargetKind::Test, &m.test, "tests"),
            (TargetKind::Bench, &m.bench, "benches"),
        ] {
            let Some(explicit) = explicit else { continue };
            // Inferred ones are found from files, which a manifest-only copy does not have;
            // only the declared ones need stubs (inference is off here for that reason).
            let inferred = infer_dir_targets(self.dir, folder);
            declared.extend(self.resolve(kind, Some(explicit), inferred, Some(false), folder)?);
        }
        Ok(declared)
    }

    fn build_script(&self) -> Option<String> {
        match self.package.build.as_ref().map(Spanned::get_ref) {
            Some(BuildSetting::Enabled(false)) => None,
            Some(BuildSetting::Enabled(true)) => Some("build.rs".to_string()),
            Some(BuildSetting::Path(p)) => Some(clean_rel(p)),
            None => self.exists("build.rs").then(|| "build.rs".to_string()),
        }
    }

    /// Cargo refuses a manifest whose library, binary or build script file is missing; a
    /// Dockerfile for it would only fail in the middle of its build. A target file outside the
    /// package folder is never copied into the image build (only the folder is), so the build
    /// would compile the stub standing in for it: a binary that does nothing. Refused, as is a
    /// missing file.
    fn check_files(&self, targets: &Targets) -> Result<()> {
        let m = &self.loaded.manifest;
        if let Some(lib) = &targets.lib {
            let span = m
                .lib
                .as_ref()
                .and_then(|t| t.path.as_ref())
                .map(Spanned::span);
            let what = match span {
                Some(_) => format!("[lib] path = {:?}", lib.path),
                None => "[lib] (no `path`, so src/lib.rs)".to_string(),
            };
            self.check_file(what, &lib.path, span)?;
        }
        for bin in &targets.bins {
            let span = m
                .bin
                .iter()
                .flatten()
                .find(|t| t.name.as_deref() == Some(bin.name.as_str()))
                .and_then(|t| t.path.as_ref())
                .map(Spanned::span);
            let what = format!("[[bin]] `{}` path = {:?}", bin.name, bin.path);
            self.check_file(what, &bin.path, span)?;
        }
        if let Some(build) = &targets.build_script {
            let span = self.package.build.as_ref().map(Spanned::span);
            self.check_file(format!("package.build = {build:?}"), build, span)?;
        }
        Ok(())
    }

    fn check_file(&self, what: String, file: &str, span: Option<Range<usize>>) -> Result<()> {
        let problem = if Path::new(file).is_absolute() || normalize("", file).is_none() {
            format!(
                "{file} is outside the package folder; the image build copies only the \
                 package's folder, so move the file into it"
            )
        } else if !self.exists(file) {
            format!("{file} does not exist (cargo refuses a target whose file is missing)")
        } else {
            return Ok(());
        };
        let message = format!("{what}: {problem}");
        Err(match span {
            Some(span) => Error::workspace_at(
                self.manifest_path,
                line_col(&self.loaded.text, span.start),
                message,
            ),
            None => Error::workspace(self.manifest_path, message),
        })
    }

    /// Merges explicit target tables with inferred ones, as cargo does: explicit ones first; an
    /// inferred target is added (when inference is on) unless an explicit one has its name or
    /// path.
    fn resolve(
        &self,
        kind: TargetKind,
        explicit: Option<&[TomlTarget]>,
        inferred: Vec<(String, String)>,
        auto: Option<bool>,
        folder: &str,
    ) -> Result<Vec<Target>> {
        let mut targets = Vec::new();
        for t in explicit.unwrap_or_default() {
            targets.push(self.explicit(kind, t, &inferred, folder)?);
        }
        let infer = match (auto, explicit) {
            (Some(auto), _) => auto,
            (None, None) => true,
            // Edition 2015 turns inference off as soon as any target of the kind is declared.
            (None, Some(_)) => self.edition != "2015",
        };
        if infer {
            for (name, path) in inferred {
                if !targets.iter().any(|t| t.name == name || t.path == path) {
                    targets.push(Target {
                        kind,
                        name,
                        path,
                        required_features: Vec::new(),
                        proc_macro: false,
                    });
                }
            }
        }
        Ok(targets)
    }

    /// One `[[bin]]` (or example, test, bench) table: its name checked, its file found.
    fn explicit(
        &self,
        kind: TargetKind,
        t: &TomlTarget,
        inferred: &[(String, String)],
        folder: &str,
    ) -> Result<Target> {
        let kind_name = match kind {
            TargetKind::Bin => "bin",
            TargetKind::Example => "example",
            TargetKind::Test => "test",
            TargetKind::Bench => "bench",
            TargetKind::Lib | TargetKind::BuildScript => "lib",
        };
        let Some(name) = t.name.clone() else {
            return Err(Error::workspace(
                self.manifest_path,
                format!("a [[{kind_name}]] table has no `name`"),
            ));
        };
        // Cargo's own refusals: an empty name, or a binary named like a folder of its
        // target directory.
        if name.trim().is_empty() {
            return Err(Error::workspace(
                self.manifest_path,
                format!("a [[{kind_name}]] table has an empty `name`"),
            ));
        }
        if kind == TargetKind::Bin
            && ["build", "deps", "examples", "incremental"].contains(&name.as_str())
        {
            return Err(Error::workspace(
                self.manifest_path,
                format!(
                    "the binary name `{name}` is forbidden: it is a folder of cargo's target \
                     directory"
                ),
            ));
        }
        let path = match &t.path {
            Some(p) => clean_rel(p.get_ref()),
            None => match inferred.iter().find(|(n, _)| *n == name) {
                Some((_, p)) => p.clone(),
                None => self.find_by_name(&name, kind_name, folder)?,
            },
        };
        Ok(Target {
            kind,
            name,
            path,
            required_features: t
                .required_features
                .as_ref()
                .map(|r| r.get_ref().clone())
                .unwrap_or_default(),
            proc_macro: false,
        })
    }

    /// A declared target without a `path`: `<folder>/<name>.rs` or `<folder>/<name>/main.rs`.
    fn find_by_name(&self, name: &str, kind_name: &str, folder: &str) -> Result<String> {
        let flat = format!("{folder}/{name}.rs");
        let nested = format!("{folder}/{name}/main.rs");
        if self.exists(&flat) {
            Ok(flat)
        } else if self.exists(&nested) {
            Ok(nested)
        } else {
            Err(Error::workspace(
                self.manifest_path,
                format!(
                    "can't find `{name}` {kind_name} at `{flat}` or `{nested}`: set \
                     {kind_name}.path for a non-default location"
                ),
            ))
        }
    }
}

/// `folder/*.rs` (named by stem) and `folder/*/main.rs` (named by the subfolder), sorted.
fn infer_dir_targets(dir: &Path, folder: &str) -> Vec<(String, String)> {
    let Ok(entries) = crate::fsio::read_dir(dir.join(folder)) else {
        return Vec::new();
    };
    let mut found: Vec<(String, String)> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_str()?.to_string();
            let path = e.path();
            if crate::fsio::is_file(&path) {
                let stem = name.strip_suffix(".rs")?;
                Some((stem.to_string(), format!("{folder}/{name}")))
            } else if crate::fsio::is_file(path.join("main.rs")) {
                Some((name.clone(), format!("{folder}/{name}/main.rs")))
            } else {
                None
            }
        })
        .collect();
    found.sort();
    found
}
