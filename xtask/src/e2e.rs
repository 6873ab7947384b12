//! `cargo xtask e2e`: the proof by a real build.
//!
//! 1. Build isogen (release).
//! 2. `isogen generate --check` in services-example: the committed Dockerfiles must be what
//!    isogen renders.
//! 3. The local base images.
//! 4. Every service image built with buildah from its Dockerfile (context: the workspace root;
//!    the deps stage really runs pnpm against the npm registry).
//! 5. Each image run: the service started with its image's own Entrypoint/Cmd until it prints
//!    its readiness line and answers HTTP; every internal package it depends on resolved and
//!    loaded (`require` or `import()`, by its module kind) from the service's folder in the image.
//! 6. Exports (`docker-archive:`, `oci-archive:`, zstd via skopeo) and `manifest.json` in
//!    target/e2e/images/.
//! 7. The bad variants of [`crate::variants`].
//! 8. `isogen verify` on every export, with the verdicts asserted (when this isogen has it).
//!
//! Independent steps keep going after a failure so one run shows every problem; the run fails
//! at the end when any step failed. Builds use `--layers`, so a second run reuses the cached
//! stages (vfs copies the whole root filesystem per step; caching is what keeps this fast).

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use serde::Serialize;

use crate::base_images;
use crate::cargo_e2e;
use crate::cmd::{buildah, Cmd};
use crate::container::{free_port, http_get, Container, ImageConfig};
use crate::example::{self, Service};
use crate::export::{self, Archive};
use crate::variants::{self, Expect, Variant, VARIANTS};
use crate::verdict;

pub struct Options {
    /// Skip `isogen generate --check` (while the generator is not there yet).
    pub skip_generate_check: bool,
    /// Take `<dir>/<service folder>/Dockerfile` instead of the committed ones (development).
    pub dockerfiles: Option<PathBuf>,
    /// Only these services (folder names); empty: all.
    pub services: Vec<String>,
    /// Build and check the bad variants.
    pub variants: bool,
    /// Build with `--layers` (a build cache, one layer per instruction).
    pub cache: bool,
    /// The pnpm services (this module).
    pub pnpm: bool,
    /// The Cargo services ([`crate::cargo_e2e`], run as one step after the pnpm ones).
    pub cargo: bool,
}

/// The readiness line the example's services print once they listen.
const READY: &str = "listening on";

pub fn run(root: &Path, target: &Path, opts: &Options) -> Result<()> {
    let started = Instant::now();
    let example_dir = root.join("services-example");
    let out = target.join("e2e");
    let images_dir = out.join("images");
    let mut steps = Steps::default();

    let isogen = steps
        .run("build isogen (release)", || {
            Cmd::new(env_or("CARGO", "cargo"))
                .args([
                    "build",
                    "--release",
                    "--package",
                    "isogen",
                    "--bin",
                    "isogen",
                ])
                .current_dir(root)
                .run()?;
            Ok(target.join("release/isogen"))
        })
        .context("cannot go on without isogen")?;

    if opts.skip_generate_check {
        steps.skip("isogen generate --check", "--skip-generate-check");
    } else {
        steps.run("isogen generate --check", || {
            let out = Cmd::new(&isogen)
                .args(["generate", "--check"])
                .current_dir(&example_dir)
                .output_raw()?;
            let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
            match out.status.code() {
                Some(0) => Ok(()),
                Some(1) => bail!("the committed Dockerfiles differ from what isogen renders (run `isogen generate` in services-example):\n{text}"),
                _ => bail!("isogen generate --check failed ({}):\n{text}", out.status),
            }
        });
    }

    let services: Vec<Service> = if opts.pnpm {
        example::services(&example_dir)?
            .into_iter()
            .filter(|s| opts.services.is_empty() || opts.services.contains(&s.name))
            .collect()
    } else {
        Vec::new()
    };
    let cargo_services: Vec<String> = if opts.cargo {
        cargo_e2e::cargo_services(&example_dir)?
            .into_iter()
            .map(|s| s.name)
            .filter(|name| opts.services.is_empty() || opts.services.contains(name))
            .collect()
    } else {
        Vec::new()
    };
    ensure!(
        !services.is_empty() || !cargo_services.is_empty(),
        "no service to check in {} (--service {:?})",
        example_dir.display(),
        opts.services
    );

    if !services.is_empty() {
        steps
            .run("base images", || {
                base_images::build_node(&out.join("base/node"))
            })
            .context("cannot build any image without the Node base image")?;
    }

    let dockerfile_of = |service: &Service| match &opts.dockerfiles {
        Some(dir) => dir.join(&service.dir).join("Dockerfile"),
        None => service.dockerfile(&example_dir),
    };

    let mut manifest = Manifest {
        schema_version: 1,
        generated_by: "cargo xtask e2e",
        workspace: example_dir.clone(),
        images: Vec::new(),
    };

    for service in &services {
        let dockerfile = dockerfile_of(service);
        let image = service.image();
        let Some(image_id) = steps.run(format!("build {}", service.name), || {
            Build {
                dockerfile: &dockerfile,
                ignore_of: &dockerfile,
                image: &image,
                context: &example_dir,
                layers: opts.cache,
            }
            .run(&out)
        }) else {
            continue;
        };
        steps.run(format!("run {}", service.name), || {
            check_running(service, &image)
        });
        if let Some(archives) = steps.run(format!("export {}", service.name), || {
            export::export(&image, &service.name, &images_dir, export::Set::All)
        }) {
            manifest.images.push(ImageEntry {
                name: service.name.clone(),
                service: service.name.clone(),
                package: service.package.clone(),
                image,
                image_id,
                dockerfile: dockerfile.clone(),
                variant: None,
                expect: ExpectEntry {
                    exit: 0,
                    error_rules: Some(Vec::new()),
                },
                archives,
            });
        }
    }

    if opts.variants && opts.pnpm {
        for variant in VARIANTS {
            let Some(service) = services.iter().find(|s| s.name == variant.service) else {
                if opts.services.is_empty() {
                    steps.fail(
                        format!("variant {}", variant.name),
                        format!("no service {:?} in services-example", variant.service),
                    );
                }
                continue;
            };
            let good = dockerfile_of(service);
            let image = format!("localhost/isogen-e2e/variant-{}:latest", variant.name);
            let dockerfile = out.join("variants").join(variant.name).join("Dockerfile");
            let good_image_id = manifest
                .images
                .iter()
                .find(|e| e.name == service.name)
                .map(|e| e.image_id.clone());
            if let Some((image_id, archives)) =
                steps.run(format!("variant {}", variant.name), || {
                    let id = build_variant(
                        variant,
                        good_image_id.as_deref(),
                        Build {
                            dockerfile: &dockerfile,
                            ignore_of: &good,
                            image: &image,
                            context: &example_dir,
                            layers: opts.cache,
                        },
                        &out,
                    )?;
                    let archives = export::export(
                        &image,
                        &format!("variant-{}", variant.name),
                        &images_dir,
                        export::Set::DockerOnly,
                    )?;
                    Ok((id, archives))
                })
            {
                manifest.images.push(ImageEntry {
                    name: format!("variant-{}", variant.name),
                    service: service.name.clone(),
                    package: service.package.clone(),
                    image,
                    image_id,
                    dockerfile,
                    variant: Some(VariantEntry {
                        name: variant.name,
                        why: variant.why,
                    }),
                    expect: expect_entry(variant),
                    archives,
                });
            }
        }
    }

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
                steps.run(format!("verify {}", archive.file), || {
                    check_verdict(&isogen, &path, &example_dir, entry)
                });
            }
        }
    } else {
        steps.skip("isogen verify", "this isogen has no working `verify` yet");
    }

    if !cargo_services.is_empty() {
        // Its own steps print their own progress; here it is one step of the summary.
        steps.run(
            format!("Cargo services ({})", cargo_services.join(", ")),
            || {
                cargo_e2e::run(
                    root,
                    target,
                    &cargo_e2e::Options {
                        services: cargo_services.clone(),
                        variants: opts.variants,
                    },
                )
            },
        );
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

fn env_or(var: &str, default: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| default.to_owned())
}

/// One `buildah bud`.
struct Build<'a> {
    dockerfile: &'a Path,
    /// The Dockerfile whose `<Dockerfile>.dockerignore` applies, passed with `--ignorefile`:
    /// buildah finds it beside the Dockerfile by itself, but a variant's Dockerfile lives in
    /// target/ and must use the good one's.
    ignore_of: &'a Path,
    image: &'a str,
    context: &'a Path,
    /// `--layers`: one layer per instruction and a build cache. Off, buildah commits one layer
    /// per stage: with vfs every cached step is a full copy of the root filesystem (gigabytes
    /// per service image), so caching is opt-in (`--cache`).
    layers: bool,
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
        let ignore = PathBuf::from(format!("{}.dockerignore", self.ignore_of.display()));
        if ignore.is_file() {
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

/// Writes the variant's Dockerfile (`bad.dockerfile`: the good one, `bad.ignore_of`, edited)
/// and builds it.
fn build_variant(
    variant: &Variant,
    good_image_id: Option<&str>,
    bad: Build,
    out: &Path,
) -> Result<String> {
    let (good, dockerfile) = (bad.ignore_of, bad.dockerfile);
    let text = fs::read_to_string(good).with_context(|| format!("reading {}", good.display()))?;
    let edited = variants::apply(variant, &text).map_err(anyhow::Error::msg)?;
    if let Some(parent) = dockerfile.parent() {
        fs::create_dir_all(parent)?;
    }
    fs::write(dockerfile, &edited)?;
    // When the edit only appends to the final stage, building those lines on top of the good
    // image gives the same layers and config without re-running the earlier stages. The
    // appended instructions keep one layer each (a variant may add content in one layer and
    // hide it in the next); the few layers on top of the good image are cheap.
    let quick = dockerfile.with_file_name("Dockerfile.on-good-image");
    let (file, layers) = match (edited.strip_prefix(text.as_str()), good_image_id) {
        (Some(appended), Some(good_id)) if !appended.contains("--from") => {
            fs::write(&quick, format!("FROM {good_id}\n{appended}"))?;
            (quick.as_path(), true)
        }
        _ => (dockerfile, bad.layers),
    };
    Build {
        dockerfile: file,
        layers,
        ..bad
    }
    .run(out)
}

/// Starts the service with the image's own Entrypoint/Cmd and checks that it gets ready and
/// answers HTTP; then resolves and loads each internal package from the service's folder.
fn check_running(service: &Service, image: &str) -> Result<()> {
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
    let ready = process.wait_for_line(READY, Duration::from_secs(60));
    let answer = ready.as_ref().ok().map(|_| http_get(port, "/healthz"));
    let (stopped, output) = process.stop(Duration::from_secs(15));
    let line = ready.with_context(|| {
        // The end of what it printed is where `Cannot find module ...` and the like are.
        let tail = output[output.len().saturating_sub(30)..].join("\n");
        format!(
            "{} did not get ready ({stopped}); it printed:\n{tail}",
            service.name
        )
    })?;
    let status = answer.context("no HTTP check")??;
    eprintln!(
        "e2e: {}: {line}\ne2e: {}: GET /healthz -> {status}; {stopped}",
        service.name, service.name
    );
    ensure!(status.contains(" 200"), "GET /healthz answered {status:?}");

    let names = serde_json::to_string(&service.internal_deps)?;
    let package = serde_json::to_string(&service.package)?;
    // Run from the image's working folder (the service's folder) as the image's user.
    let (argv, script) = if service.esm {
        (
            vec!["node", "--input-type=module", "-e"],
            format!(
                "import {{ readFileSync }} from 'node:fs';\n\
                 const own = JSON.parse(readFileSync('./package.json', 'utf8')).name;\n\
                 if (own !== {package}) throw new Error(`working folder holds ${{own}}, not {}`);\n\
                 const out = {{}};\n\
                 for (const name of {names}) {{ out[name] = import.meta.resolve(name); const m = await import(name); out[name] += ' exports: ' + Object.keys(m).join(','); }}\n\
                 console.log(JSON.stringify(out));",
                service.package
            ),
        )
    } else {
        (
            vec!["node", "-e"],
            format!(
                "const own = require('./package.json').name;\n\
                 if (own !== {package}) throw new Error(`working folder holds ${{own}}, not {}`);\n\
                 const out = {{}};\n\
                 for (const name of {names}) {{ out[name] = require.resolve(name) + ' exports: ' + Object.keys(require(name)).join(','); }}\n\
                 console.log(JSON.stringify(out));",
                service.package
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
        "e2e: verify {}: exit {}, error rules {found:?}, all rules {:?}",
        archive.display(),
        verdict.exit,
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
    Ok(())
}

fn expect_entry(variant: &Variant) -> ExpectEntry {
    match variant.expect {
        Expect::Rules(rules) => ExpectEntry {
            exit: 1,
            error_rules: Some(rules.iter().map(|r| r.to_string()).collect()),
        },
        Expect::AnyError => ExpectEntry {
            exit: 1,
            error_rules: None,
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
    image: String,
    image_id: String,
    dockerfile: PathBuf,
    variant: Option<VariantEntry>,
    expect: ExpectEntry,
    archives: Vec<Archive>,
}

#[derive(Serialize)]
struct VariantEntry {
    name: &'static str,
    why: &'static str,
}

#[derive(Serialize)]
struct ExpectEntry {
    /// The exit code `isogen verify` must give.
    exit: i32,
    /// The exact set of error-level rule ids; null: any.
    error_rules: Option<Vec<String>>,
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
