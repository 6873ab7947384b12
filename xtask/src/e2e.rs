//! `cargo xtask e2e`: the proof by a real build, for every service of a workspace
//! (services-example by default; `--workspace DIR` for another), pnpm and Cargo alike.
//!
//! 1. Build isogen (debug by default, as `cargo test --workspace` builds it, so in CI it is
//!    already built; `--release` on request).
//! 2. `isogen generate --check` in the workspace: the committed Dockerfiles must be what isogen
//!    renders (or, with `--generate`, a copy of the workspace gets them generated).
//! 3. The local base images the Dockerfiles start `FROM` (Node; Rust builder and runtime).
//! 4. Every service image built with buildah from its Dockerfile (context: the workspace root;
//!    pnpm and cargo really fetch from their registries).
//! 5. Each image run with its own Entrypoint/Cmd and a free `PORT` until it shows it started
//!    (see [`crate::container`]); for the example, each must listen and answer its health
//!    path. For pnpm services, every internal package it depends on is resolved and loaded
//!    (`require` or `import()`, by its module kind) from the service's folder in the image.
//! 6. Exports (`docker-archive:`, `oci-archive:`, zstd via skopeo) and `manifest.json` in
//!    target/e2e/images/.
//! 7. The bad variants of [`crate::variants`] (pnpm) and [`crate::cargo_e2e`] (Cargo), built on
//!    top of the good images.
//! 8. `isogen verify` on every export, with exit code and error-level rule ids asserted.
//!
//! Independent steps keep going after a failure so one run shows every problem; the run fails
//! at the end when any step failed.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use serde::Serialize;

use crate::cargo_e2e;
use crate::cmd::{buildah, Cmd};
use crate::container::{free_port, probe_http, Container, ImageConfig, Probe, Started};
use crate::example::{self, Ecosystem, Service};
use crate::export::{self, Archive};
use crate::node_release;
use crate::rust_base;
use crate::variants::{self, Expect, Variant, VARIANTS};
use crate::verdict;

pub struct Options {
    /// The workspace; `None`: services-example (and then its bad variants and strict checks).
    pub workspace: Option<PathBuf>,
    /// Copy the workspace to the output folder and run `isogen generate` there first
    /// (a workspace without committed Dockerfiles); `generate --check` is then skipped.
    pub generate: bool,
    /// Skip `isogen generate --check` (while the generator is not there yet).
    pub skip_generate_check: bool,
    /// Take `<dir>/<Dockerfile path>` instead of the committed Dockerfiles (development).
    pub dockerfiles: Option<PathBuf>,
    /// Only these services; empty: all.
    pub services: Vec<String>,
    /// Build and check the bad variants.
    pub variants: bool,
    /// Build with `--layers` (a build cache, one layer per instruction).
    pub cache: bool,
    /// The pnpm services.
    pub pnpm: bool,
    /// The Cargo services.
    pub cargo: bool,
    /// Only the first Cargo service (each costs minutes of copies of the ~800 MB builder on
    /// vfs; they all go through the same template): what CI runs.
    pub one_cargo_service: bool,
    /// Build isogen with `--release` (default: the debug build `cargo test` already made).
    pub release: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            workspace: None,
            generate: false,
            skip_generate_check: false,
            dockerfiles: None,
            services: Vec::new(),
            variants: true,
            cache: false,
            pnpm: true,
            cargo: true,
            one_cargo_service: false,
            release: false,
        }
    }
}

/// How long a service must stay up after a readiness line (or, silent, at least), and how
/// long a silent service gets to open its PORT.
const SETTLE: Duration = Duration::from_secs(5);
const GRACE: Duration = Duration::from_secs(20);

pub fn run(root: &Path, target: &Path, opts: &Options) -> Result<()> {
    let started = Instant::now();
    let mut steps = Steps::default();
    // The example is ours: its services are known to be HTTP services with a health path, and
    // the bad variants are written against it.
    let is_example = opts.workspace.is_none();
    let given = opts
        .workspace
        .clone()
        .unwrap_or_else(|| root.join("services-example"));
    let given =
        fs::canonicalize(&given).with_context(|| format!("no workspace at {}", given.display()))?;
    let ws_name = given
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "workspace".into());
    // Another workspace gets its own output folder and image names, so it never replaces the
    // example's exports (the verifier's tests read target/e2e/images/).
    let (out, image_prefix) = if is_example {
        (target.join("e2e"), "localhost/isogen-e2e".to_owned())
    } else {
        let slug: String = ws_name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect();
        (
            target.join("e2e/workspaces").join(&slug),
            format!("localhost/isogen-e2e/ws-{slug}"),
        )
    };
    let images_dir = out.join("images");

    let profile = if opts.release { "release" } else { "debug" };
    let isogen = steps
        .run(format!("build isogen ({profile})"), || {
            build_isogen(root, opts.release)
        })
        .context("cannot go on without isogen")?;

    let workspace = if opts.generate {
        steps
            .run("isogen generate (a copy of the workspace)", || {
                let copy = out.join("workspace").join(&ws_name);
                if copy.exists() {
                    fs::remove_dir_all(&copy)
                        .with_context(|| format!("removing {}", copy.display()))?;
                }
                copy_workspace(&given, &copy)?;
                Cmd::new(&isogen).arg("generate").arg(&copy).run()?;
                Ok(copy)
            })
            .context("cannot go on without the Dockerfiles")?
    } else {
        given
    };

    if opts.skip_generate_check || opts.generate {
        steps.skip(
            "isogen generate --check",
            if opts.generate {
                "--generate"
            } else {
                "--skip-generate-check"
            },
        );
    } else {
        steps.run("isogen generate --check", || {
            let out = Cmd::new(&isogen)
                .args(["generate", "--check"])
                .current_dir(&workspace)
                .output_raw()?;
            let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
            match out.status.code() {
                Some(0) => Ok(()),
                Some(1) => bail!("the committed Dockerfiles differ from what isogen renders (run `isogen generate` in {}):\n{text}", workspace.display()),
                _ => bail!("isogen generate --check failed ({}):\n{text}", out.status),
            }
        });
    }

    let mut services: Vec<Service> = example::services(&workspace)?
        .into_iter()
        .filter(|s| opts.services.is_empty() || opts.services.contains(&s.name))
        .filter(|s| match s.ecosystem {
            Ecosystem::Pnpm => opts.pnpm,
            Ecosystem::Cargo => opts.cargo,
        })
        .collect();
    if opts.one_cargo_service {
        let mut seen = false;
        services.retain(|s| {
            let keep = s.ecosystem != Ecosystem::Cargo || !seen;
            seen |= s.ecosystem == Ecosystem::Cargo;
            keep
        });
    }
    ensure!(
        !services.is_empty(),
        "no service with a generated Dockerfile to check in {} (--service {:?})",
        workspace.display(),
        opts.services
    );
    let has = |e: Ecosystem| services.iter().any(|s| s.ecosystem == e);

    if has(Ecosystem::Pnpm) {
        // Every Node image the Dockerfiles name (node:<major>-bookworm-slim, and -bookworm for
        // build stages of services whose dependencies compile native addons), from the npm
        // registry's official binary; kept under the target folder for every workspace.
        let texts: Vec<String> = (services.iter())
            .filter(|s| s.ecosystem == Ecosystem::Pnpm)
            .filter_map(|s| std::fs::read_to_string(workspace.join(&s.dockerfile)).ok())
            .collect();
        for (version, full) in node_release::images_named(&texts) {
            let name = if full {
                format!("Node {version} base images (slim and full)")
            } else {
                format!("Node {version} base image")
            };
            steps
                .run(name, || {
                    // An `--apt` image (base-images --apt) stays one: a Dockerfile with
                    // runtime_packages needs its apt-get.
                    let apt = node_release::is_apt_image(&format!(
                        "docker.io/library/node:{version}-bookworm-slim"
                    ));
                    node_release::build(&target.join("e2e/base/node/release"), &version, full, apt)
                })
                .with_context(|| {
                    format!("cannot build the pnpm images without node:{version}-bookworm-slim")
                })?;
        }
    }
    if has(Ecosystem::Cargo) {
        steps
            .run("Rust base images", || {
                rust_base::build_all(&out.join("base/rust"))
            })
            .context("cannot build any Cargo image without the Rust base images")?;
    }

    let dockerfile_of = |service: &Service| match &opts.dockerfiles {
        Some(dir) => dir.join(&service.dockerfile),
        None => workspace.join(&service.dockerfile),
    };

    let mut manifest = Manifest {
        schema_version: 1,
        generated_by: "cargo xtask e2e",
        workspace: workspace.clone(),
        images: Vec::new(),
    };

    for service in &services {
        let dockerfile = dockerfile_of(service);
        let image = service.image(&image_prefix);
        let Some(image_id) = steps.run(format!("build {}", service.name), || {
            Build {
                dockerfile: &dockerfile,
                ignore_of: &dockerfile,
                context_paths: &[],
                image: &image,
                context: &workspace,
                layers: opts.cache,
                no_cache: false,
            }
            .run(&out)
        }) else {
            continue;
        };
        steps.run(format!("run {}", service.name), || {
            check_running(service, &image, is_example)
        });
        if let Some(archives) = steps.run(format!("export {}", service.name), || {
            export::export(&image, &service.name, &images_dir, export::ALL)
        }) {
            manifest.images.push(ImageEntry {
                name: service.name.clone(),
                service: service.name.clone(),
                package: service.package.clone(),
                ecosystem: service.ecosystem,
                image,
                image_id,
                dockerfile: dockerfile.clone(),
                variant: None,
                expect: ExpectEntry {
                    exit: 0,
                    error_rules: Some(Vec::new()),
                    hidden: false,
                    known_issue: None,
                },
                archives,
            });
        }
    }

    let good_image_id = |name: &str| {
        manifest
            .images
            .iter()
            .find(|e| e.name == name)
            .map(|e| e.image_id.clone())
    };
    let mut variant_entries = Vec::new();
    if opts.variants && !is_example {
        steps.skip(
            "bad variants",
            "they are written against services-example, not this workspace",
        );
    } else if opts.variants {
        for variant in VARIANTS {
            let Some(service) = services.iter().find(|s| s.name == variant.service) else {
                if opts.services.is_empty() && opts.pnpm {
                    steps.fail(
                        format!("variant {}", variant.name),
                        format!(
                            "no service {:?} in {}",
                            variant.service,
                            workspace.display()
                        ),
                    );
                }
                continue;
            };
            let good = dockerfile_of(service);
            let image = format!("{image_prefix}/variant-{}:latest", variant.name);
            let dockerfile = out.join("variants").join(variant.name).join("Dockerfile");
            let good_id = good_image_id(&service.name);
            if let Some((image_id, archives)) =
                steps.run(format!("variant {}", variant.name), || {
                    let id = build_variant(
                        variant,
                        good_id.as_deref(),
                        &good,
                        Build {
                            dockerfile: &dockerfile,
                            ignore_of: &good,
                            context_paths: &[],
                            image: &image,
                            context: &workspace,
                            layers: opts.cache,
                            no_cache: false,
                        },
                        &out,
                    )?;
                    let archives = export::export(
                        &image,
                        &format!("variant-{}", variant.name),
                        &images_dir,
                        variant.exports,
                    );
                    // The archives are what the checks read; a vfs image is a full copy of
                    // the good one per layer, so it is not kept in the shared storage.
                    let _ = buildah().args(["rmi", &image]).quiet().output_raw();
                    Ok((id, archives?))
                })
            {
                variant_entries.push(ImageEntry {
                    name: format!("variant-{}", variant.name),
                    service: service.name.clone(),
                    package: service.package.clone(),
                    ecosystem: service.ecosystem,
                    image,
                    image_id,
                    dockerfile,
                    variant: Some(VariantEntry {
                        name: variant.name.to_owned(),
                        why: variant.why.to_owned(),
                    }),
                    expect: ExpectEntry {
                        known_issue: variant.known_issue.map(str::to_owned),
                        ..expect_entry(&variant.expect)
                    },
                    archives,
                });
            }
        }

        // The Cargo bad variant, on the first Cargo service whose image was built.
        if let Some((service, good_id)) = services
            .iter()
            .filter(|s| s.ecosystem == Ecosystem::Cargo)
            .find_map(|s| good_image_id(&s.name).map(|id| (s, id)))
        {
            let name = format!("{}{}", service.name, cargo_e2e::LEFTOVERS_SUFFIX);
            let image = format!("{image_prefix}/variant-{name}:latest");
            if let Some((image_id, dockerfile, archives)) =
                steps.run(format!("variant {name}"), || {
                    let (id, dockerfile) =
                        cargo_e2e::leftovers_variant(service, &good_id, &image, &workspace, &out)?;
                    let archives = export::export(
                        &image,
                        &format!("variant-{name}"),
                        &images_dir,
                        &[export::Format::Docker, export::Format::Oci],
                    );
                    let _ = buildah().args(["rmi", &image]).quiet().output_raw();
                    Ok((id, dockerfile, archives?))
                })
            {
                variant_entries.push(ImageEntry {
                    name: format!("variant-{name}"),
                    service: service.name.clone(),
                    package: service.package.clone(),
                    ecosystem: service.ecosystem,
                    image,
                    image_id,
                    dockerfile,
                    variant: Some(VariantEntry {
                        name,
                        why: cargo_e2e::LEFTOVERS_WHY.to_owned(),
                    }),
                    expect: expect_entry(&cargo_e2e::LEFTOVERS_EXPECT),
                    archives,
                });
            }
        }
    }
    manifest.images.extend(variant_entries);

    let manifest_path = images_dir.join("manifest.json");
    fs::create_dir_all(&images_dir)?;
    fs::write(
        &manifest_path,
        serde_json::to_string_pretty(&manifest)? + "\n",
    )
    .with_context(|| format!("writing {}", manifest_path.display()))?;
    eprintln!("e2e: wrote {}", manifest_path.display());

    if verdict::available(&isogen) {
        for entry in &manifest.images {
            for archive in &entry.archives {
                let path = images_dir.join(&archive.file);
                let name = format!("verify {}", archive.file);
                let check = || check_verdict(&isogen, &path, &workspace, entry);
                match &entry.expect.known_issue {
                    None => {
                        steps.run(name, check);
                    }
                    Some(issue) => steps.run_known_issue(name, issue, check),
                }
            }
        }
    } else {
        steps.skip("isogen verify", "this isogen has no working `verify` yet");
    }

    steps.print_summary(started.elapsed());
    let _ = fs::write(
        out.join("timings.json"),
        serde_json::to_string_pretty(&steps.0)? + "\n",
    );
    let failed: Vec<_> = steps
        .0
        .iter()
        .filter(|s| s.status == "failed")
        .map(|s| s.name.as_str())
        .collect();
    if !failed.is_empty() {
        bail!("{} step(s) failed: {}", failed.len(), failed.join(", "));
    }
    Ok(())
}

/// Builds isogen and returns the binary's path. Debug: the build `cargo test --workspace`
/// makes (the dev-dependencies and the xtask widen some crates' features, so a plain
/// `cargo build -p isogen` would compile isogen and a few of its dependencies a second time:
/// minutes on a cold CI machine); after `cargo test` this is a no-op. Release: `cargo build
/// --release`.
fn build_isogen(root: &Path, release: bool) -> Result<PathBuf> {
    let cargo = Cmd::new(env_or("CARGO", "cargo")).current_dir(root);
    let cargo = if release {
        cargo.args([
            "build",
            "--release",
            "--package",
            "isogen",
            "--bin",
            "isogen",
        ])
    } else {
        cargo.args(["test", "--workspace", "--no-run"])
    };
    let out = cargo
        .args(["--message-format", "json-render-diagnostics"])
        .output_raw()?;
    // Diagnostics are rendered to stderr; stdout holds one JSON message per line.
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
    ensure!(
        out.status.success(),
        "building isogen failed ({})",
        out.status
    );
    let mut found = None;
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Ok(msg) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        // `cargo test --no-run` also builds the bin's own unit-test harness (same target,
        // `profile.test` true, `deps/isogen-<hash>`): that is not the CLI.
        let is_bin = msg["reason"] == "compiler-artifact"
            && msg["target"]["name"] == "isogen"
            && msg["profile"]["test"] == false
            && msg["target"]["kind"]
                .as_array()
                .is_some_and(|k| k.iter().any(|k| k == "bin"));
        if let (true, Some(exe)) = (is_bin, msg["executable"].as_str()) {
            found = Some(PathBuf::from(exe));
        }
    }
    found.context("cargo built no isogen binary")
}

fn env_or(var: &str, default: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| default.to_owned())
}

/// Copies a workspace's sources (not `node_modules`, `target`, `dist`, `.git`).
fn copy_workspace(from: &Path, to: &Path) -> Result<()> {
    fs::create_dir_all(to).with_context(|| format!("creating {}", to.display()))?;
    for entry in fs::read_dir(from).with_context(|| format!("listing {}", from.display()))? {
        let entry = entry?;
        let name = entry.file_name();
        let kind = entry.file_type()?;
        let (src, dst) = (entry.path(), to.join(&name));
        if kind.is_dir() {
            if matches!(
                name.to_str(),
                Some("node_modules" | "target" | "dist" | ".git")
            ) {
                continue;
            }
            copy_workspace(&src, &dst)?;
        } else if kind.is_symlink() {
            std::os::unix::fs::symlink(fs::read_link(&src)?, &dst)
                .with_context(|| format!("copying {}", src.display()))?;
        } else {
            fs::copy(&src, &dst).with_context(|| format!("copying {}", src.display()))?;
        }
    }
    Ok(())
}

/// One `buildah bud`.
struct Build<'a> {
    dockerfile: &'a Path,
    /// The Dockerfile whose `<Dockerfile>.dockerignore` applies, passed with `--ignorefile`:
    /// buildah finds it beside the Dockerfile by itself, but a variant's Dockerfile lives in
    /// target/ and must use the good one's.
    ignore_of: &'a Path,
    /// Workspace paths let into the build context on top of that ignore file (a variant
    /// copying what the good Dockerfile does not).
    context_paths: &'a [String],
    image: &'a str,
    context: &'a Path,
    /// `--layers`: one layer per instruction and a build cache. Off, buildah commits one layer
    /// per stage: with vfs every cached step is a full copy of the root filesystem (gigabytes
    /// per service image), so caching is opt-in (`--cache`).
    layers: bool,
    /// With `layers`, still no cache lookup (`--no-cache`): a variant wants a layer per step,
    /// not a cache, and the lookup walks every image of the shared storage, failing ("layer
    /// not known") when another user removes one meanwhile.
    no_cache: bool,
}

impl Build<'_> {
    /// Builds and returns the image id. The image the name pointed to before is removed when
    /// nothing else uses it, so repeated runs do not pile up full vfs copies.
    fn run(&self, out: &Path) -> Result<String> {
        ensure!(
            self.dockerfile.is_file(),
            "no Dockerfile at {}",
            self.dockerfile.display()
        );
        let previous = buildah()
            .args([
                "inspect",
                "--type",
                "image",
                "--format",
                "{{.FromImageID}}",
                self.image,
            ])
            .quiet()
            .read()
            .ok();
        let iidfile = out.join(format!("{}.iid", self.image.replace(['/', ':'], "_")));
        let mut bud = buildah()
            .args(["bud", "--isolation", "chroot", "--pull=never"])
            .arg(if self.layers {
                "--layers=true"
            } else {
                "--layers=false"
            })
            .args(["-t", self.image, "--iidfile"])
            .arg(&iidfile);
        if self.layers && self.no_cache {
            bud = bud.arg("--no-cache");
        }
        // buildah's default OCI format drops HEALTHCHECK: build as `docker build` would.
        let text = std::fs::read_to_string(self.dockerfile).unwrap_or_default();
        if text.lines().any(|l| l.starts_with("HEALTHCHECK ")) {
            bud = bud.args(["--format", "docker"]);
        }
        // `ISOGEN_E2E_BUILD_ARGS="K=V K2=V2"`: --build-arg for every build (a fixture's offline
        // workaround, e.g. Prisma's PRISMA_SCHEMA_ENGINE_BINARY).
        for arg in std::env::var("ISOGEN_E2E_BUILD_ARGS")
            .unwrap_or_default()
            .split_whitespace()
        {
            bud = bud.args(["--build-arg", arg]);
        }
        let ignore = PathBuf::from(format!("{}.dockerignore", self.ignore_of.display()));
        if ignore.is_file() {
            let ignore = if self.context_paths.is_empty() {
                ignore
            } else {
                // Later lines win: the extra paths are let in again after the good rules.
                let mut text = fs::read_to_string(&ignore)
                    .with_context(|| format!("reading {}", ignore.display()))?;
                for path in self.context_paths {
                    text.push_str(&format!("\n!{path}\n"));
                }
                let widened = PathBuf::from(format!("{}.dockerignore", self.dockerfile.display()));
                fs::write(&widened, text)?;
                widened
            };
            bud = bud.arg("--ignorefile").arg(&ignore);
        }
        bud.arg("-f").arg(self.dockerfile).arg(self.context).run()?;
        let id = fs::read_to_string(&iidfile)
            .with_context(|| format!("reading {}", iidfile.display()))?
            .trim()
            .to_owned();
        if let Some(previous) = previous
            .filter(|p| !p.is_empty() && !id.ends_with(p.as_str()) && !p.ends_with(id.as_str()))
        {
            // Fails (and is ignored) while another tag or a container still uses it.
            let _ = buildah().args(["rmi", &previous]).quiet().output_raw();
        }
        Ok(id)
    }
}

/// Writes the variant's Dockerfile (`bad.dockerfile`: the good one edited) and builds it, on
/// top of the good image when the edits allow (see [`variants::plan`]).
fn build_variant(
    variant: &Variant,
    good_image_id: Option<&str>,
    good: &Path,
    bad: Build,
    out: &Path,
) -> Result<String> {
    let dockerfile = bad.dockerfile;
    let text = fs::read_to_string(good).with_context(|| format!("reading {}", good.display()))?;
    let plan = variants::plan(variant, &text).map_err(anyhow::Error::msg)?;
    if let Some(parent) = dockerfile.parent() {
        fs::create_dir_all(parent)?;
    }
    fs::write(dockerfile, &plan.dockerfile)?;
    let quick = dockerfile.with_file_name("Dockerfile.on-good-image");
    match (&plan.on_good_image, good_image_id) {
        (Some(steps), Some(good_id)) => {
            fs::write(&quick, format!("FROM {good_id}\n{steps}"))?;
            Build {
                dockerfile: &quick,
                layers: plan.layers,
                no_cache: true,
                context_paths: &plan.context_paths,
                ..bad
            }
            .run(out)
        }
        (Some(_), None) => bail!("the good image of {} was not built", variant.service),
        (None, _) => Build {
            context_paths: &plan.context_paths,
            ..bad
        }
        .run(out),
    }
}

/// Starts the service with the image's own Entrypoint/Cmd and a free `PORT`, and checks that
/// it starts (for the example: listens and answers its health path); then, for a pnpm
/// service, resolves and loads each internal package from the service's folder.
fn check_running(service: &Service, image: &str, strict: bool) -> Result<()> {
    let config = ImageConfig::read(image)?;
    let argv = config.argv();
    ensure!(!argv.is_empty(), "{image} has neither Entrypoint nor Cmd");
    let label = config
        .labels
        .as_ref()
        .and_then(|l| l.get("dev.isogen.service"));
    ensure!(
        label == Some(&service.name),
        "{image}: label dev.isogen.service is {label:?}, expected {:?}",
        service.name
    );
    let container = Container::from_image(image)?;
    let port = free_port()?;
    container.set_env("PORT", &port.to_string())?;

    eprintln!(
        "e2e: starting {} as {:?} (user {:?}, PORT={port})",
        service.name,
        argv,
        config.user.as_deref().unwrap_or("")
    );
    let mut process = container.spawn(&argv)?;
    let started = process.await_start(port, SETTLE, GRACE);
    let probe = match &started {
        Ok(Started::Listening { .. }) => Some(probe_http(port)),
        _ => None,
    };
    let after = process.still_fine();
    let (stopped, output) = process.stop(Duration::from_secs(15));
    // The end of what it printed is where `Cannot find module ...` and the like are.
    let tail = || output[output.len().saturating_sub(30)..].join("\n");
    let started = started.with_context(|| {
        format!(
            "{} did not start ({stopped}); it printed:\n{}",
            service.name,
            tail()
        )
    })?;
    after.with_context(|| format!("{} failed after it started: {}", service.name, tail()))?;
    eprintln!("e2e: {}: {started}; {stopped}", service.name);
    match probe
        .transpose()
        .with_context(|| format!("{} listens on PORT but its HTTP check failed", service.name))?
    {
        Some(Probe::Answered { path, status }) => {
            eprintln!("e2e: {}: GET {path} -> {status}", service.name);
            if strict {
                ensure!(
                    path != "/" && status.contains(" 200"),
                    "the example's services answer 200 on a health path; GET {path} answered {status:?}"
                );
            }
        }
        Some(Probe::NotHttp(what)) => {
            eprintln!("e2e: {}: not HTTP: {what}", service.name);
            ensure!(!strict, "the example's services speak HTTP: {what}");
        }
        None => ensure!(
            !strict,
            "the example's services listen on the PORT they are given; {} {started}",
            service.name
        ),
    }

    if service.ecosystem == Ecosystem::Pnpm {
        check_internal_packages(service, &container, &config)?;
    }
    Ok(())
}

/// Resolves and loads every internal package the pnpm service depends on, from the image's
/// working folder (the service's folder), as the image's user.
fn check_internal_packages(
    service: &Service,
    container: &Container,
    config: &ImageConfig,
) -> Result<()> {
    let names = serde_json::to_string(&service.internal_deps)?;
    let package = serde_json::to_string(&service.package)?;
    // The `workspace:` dependencies of the service's manifest, and every dependency the image's
    // package.json points at a folder (`file:`): a plain range pnpm linked to a workspace
    // package (`link-workspace-packages`) is internal too, and isogen rewrites it to `file:`.
    let linked = format!(
        "const names = [...new Set([...{names}, ...['dependencies', 'optionalDependencies']\
         .flatMap((k) => Object.entries(pkg[k] || {{}}))\
         .filter(([, spec]) => String(spec).startsWith('file:')).map(([name]) => name)])];"
    );
    let (argv, script) = if service.esm {
        (
            vec!["node", "--input-type=module", "-e"],
            format!(
                "import {{ readFileSync }} from 'node:fs';\n\
                 const pkg = JSON.parse(readFileSync('./package.json', 'utf8'));\n\
                 const own = pkg.name;\n\
                 if (own !== {package}) throw new Error(`working folder holds ${{own}}, not {}`);\n\
                 {LINKED}\n\
                 const out = {{}};\n\
                 for (const name of names) {{ out[name] = import.meta.resolve(name); const m = await import(name); out[name] += ' exports: ' + Object.keys(m).join(','); }}\n\
                 console.log(JSON.stringify(out));",
                service.package,
                LINKED = linked,
            ),
        )
    } else {
        (
            vec!["node", "-e"],
            format!(
                "const pkg = require('./package.json');\n\
                 const own = pkg.name;\n\
                 if (own !== {package}) throw new Error(`working folder holds ${{own}}, not {}`);\n\
                 {LINKED}\n\
                 const out = {{}};\n\
                 for (const name of names) {{ out[name] = require.resolve(name) + ' exports: ' + Object.keys(require(name)).join(','); }}\n\
                 console.log(JSON.stringify(out));",
                service.package,
                LINKED = linked,
            ),
        )
    };
    let mut full: Vec<&str> = argv;
    full.push(&script);
    let (ok, stdout, stderr) = container.exec(&full)?;
    ensure!(
        ok,
        "loading the internal packages {names} from {} ({}) failed:\n{stdout}{stderr}",
        config
            .working_dir
            .as_deref()
            .unwrap_or("the image's working folder"),
        if service.esm { "import()" } else { "require" }
    );
    eprintln!("e2e: {} resolves {}", service.name, stdout.trim());
    Ok(())
}

fn check_verdict(
    isogen: &Path,
    archive: &Path,
    workspace: &Path,
    entry: &ImageEntry,
) -> Result<()> {
    let verdict = verdict::run(isogen, archive, workspace)?;
    let found: Vec<_> = verdict.error_rules.iter().cloned().collect();
    eprintln!(
        "e2e: verify {}: exit {}, error rules {found:?} (visible {:?}), all rules {:?}",
        archive.display(),
        verdict.exit,
        verdict.visible_error_rules,
        verdict.all_rules
    );
    ensure!(
        verdict.exit == entry.expect.exit,
        "expected exit {}, got {} (error rules {found:?}){}",
        entry.expect.exit,
        verdict.exit,
        if verdict.stderr.is_empty() {
            String::new()
        } else {
            format!("\n{}", verdict.stderr)
        }
    );
    if let Some(expected) = &entry.expect.error_rules {
        let mut expected = expected.clone();
        expected.sort();
        ensure!(
            found == expected,
            "expected error-level rules {expected:?}, got {found:?}"
        );
    }
    if entry.expect.hidden {
        ensure!(
            verdict.visible_error_rules.is_empty(),
            "expected every error-level finding to be shipped-but-hidden content, but {:?} \
             reported visible content",
            verdict.visible_error_rules
        );
    }
    Ok(())
}

fn expect_entry(expect: &Expect) -> ExpectEntry {
    let rules = |rules: &[&str]| Some(rules.iter().map(|r| r.to_string()).collect());
    match expect {
        Expect::Rules(r) => ExpectEntry {
            exit: 1,
            error_rules: rules(r),
            hidden: false,
            known_issue: None,
        },
        Expect::HiddenRules(r) => ExpectEntry {
            exit: 1,
            error_rules: rules(r),
            hidden: true,
            known_issue: None,
        },
        Expect::AnyError => ExpectEntry {
            exit: 1,
            error_rules: None,
            hidden: false,
            known_issue: None,
        },
    }
}

/// `target/e2e/images/manifest.json`: what was exported and what verify must say about it.
#[derive(Serialize)]
struct Manifest {
    schema_version: u32,
    generated_by: &'static str,
    /// The workspace the images were built from (for `isogen verify --workspace`).
    workspace: PathBuf,
    images: Vec<ImageEntry>,
}

#[derive(Serialize)]
struct ImageEntry {
    /// Unique: the service name, or `variant-<name>`.
    name: String,
    service: String,
    package: String,
    ecosystem: Ecosystem,
    image: String,
    image_id: String,
    dockerfile: PathBuf,
    variant: Option<VariantEntry>,
    expect: ExpectEntry,
    archives: Vec<Archive>,
}

#[derive(Serialize)]
struct VariantEntry {
    name: String,
    why: String,
}

#[derive(Serialize)]
struct ExpectEntry {
    /// The exit code `isogen verify` must give.
    exit: i32,
    /// The exact set of error-level rule ids; null: any.
    error_rules: Option<Vec<String>>,
    /// Every error-level finding must be about content a later layer deleted or overwrote
    /// (the report's `hidden` set): the variant hides what it added.
    hidden: bool,
    /// Why this image does not get the expected verdict yet (a known bug in isogen, described);
    /// e2e then reports the mismatch without failing. Absent when none.
    #[serde(skip_serializing_if = "Option::is_none")]
    known_issue: Option<String>,
}

#[derive(Serialize)]
struct StepRecord {
    name: String,
    seconds: f64,
    /// CPU seconds (user + system) of the processes the step ran: unlike wall time, this does
    /// not grow when other work shares the machine.
    cpu_seconds: f64,
    status: &'static str,
    error: Option<String>,
}

/// The steps run so far, with their timing and outcome.
#[derive(Default)]
struct Steps(Vec<StepRecord>);

impl Steps {
    fn run<T>(&mut self, name: impl Into<String>, f: impl FnOnce() -> Result<T>) -> Option<T> {
        let name = name.into();
        eprintln!("\n==> {name}");
        let start = Instant::now();
        let cpu_start = children_cpu_seconds();
        let result = f();
        let seconds = start.elapsed().as_secs_f64();
        let cpu_seconds = children_cpu_seconds() - cpu_start;
        match result {
            Ok(value) => {
                eprintln!("<== {name}: ok ({seconds:.1}s)");
                self.0.push(StepRecord {
                    name,
                    seconds,
                    cpu_seconds,
                    status: "ok",
                    error: None,
                });
                Some(value)
            }
            Err(err) => {
                eprintln!("<== {name}: FAILED ({seconds:.1}s): {err:#}");
                self.0.push(StepRecord {
                    name,
                    seconds,
                    cpu_seconds,
                    status: "failed",
                    error: Some(format!("{err:#}")),
                });
                None
            }
        }
    }

    fn skip(&mut self, name: &str, why: &str) {
        eprintln!("\n==> {name}: skipped ({why})");
        self.0.push(StepRecord {
            name: name.to_owned(),
            seconds: 0.0,
            cpu_seconds: 0.0,
            status: "skipped",
            error: Some(why.to_owned()),
        });
    }

    /// Runs a check that is known to fail because of `issue` (a bug elsewhere): its failure
    /// is recorded as `known-issue` and does not fail the run; its passing does, so the note
    /// is removed once the bug is fixed.
    fn run_known_issue(&mut self, name: String, issue: &str, f: impl FnOnce() -> Result<()>) {
        let outcome = self.run(name, f);
        let Some(step) = self.0.last_mut() else {
            return;
        };
        match outcome {
            Some(()) => {
                step.status = "failed";
                step.error = Some(format!(
                    "passes now, but is marked as a known issue ({issue}): remove the mark in xtask/src/variants.rs"
                ));
                eprintln!(
                    "<== {}: FAILED: {}",
                    step.name,
                    step.error.as_deref().unwrap_or("")
                );
            }
            None => {
                step.status = "known-issue";
                let error = step.error.take().unwrap_or_default();
                step.error = Some(format!("{error} (known issue: {issue})"));
                eprintln!("<== {}: known issue, not counted: {issue}", step.name);
            }
        }
    }

    fn fail(&mut self, name: String, why: String) {
        eprintln!("\n==> {name}: FAILED: {why}");
        self.0.push(StepRecord {
            name,
            seconds: 0.0,
            cpu_seconds: 0.0,
            status: "failed",
            error: Some(why),
        });
    }

    fn print_summary(&self, total: Duration) {
        let width = self.0.iter().map(|s| s.name.len()).max().unwrap_or(0);
        println!("\ne2e timing summary (wall time; cpu = user+sys of the tools the step ran)");
        for step in &self.0 {
            println!(
                "  {:width$}  {:>7.1}s  cpu {:>6.1}s  {}",
                step.name, step.seconds, step.cpu_seconds, step.status
            );
        }
        let cpu: f64 = self.0.iter().map(|s| s.cpu_seconds).sum();
        println!(
            "  {:width$}  {:>7.1}s  cpu {:>6.1}s",
            "total",
            total.as_secs_f64(),
            cpu
        );
    }
}

/// User + system CPU seconds of this process's waited-for children (and theirs), from
/// /proc/self/stat (`cutime` and `cstime`, fields 16 and 17, in clock ticks of 1/100 s).
fn children_cpu_seconds() -> f64 {
    let Ok(stat) = fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // The command name (field 2) may hold spaces and parentheses; field 3 follows the last ')'.
    let Some((_, rest)) = stat.rsplit_once(')') else {
        return 0.0;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |field: usize| {
        fields
            .get(field - 3)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(16) + ticks(17)) / 100.0
}
