//! `cargo xtask e2e-cargo`: the proof by a real build, for the Cargo services of
//! services-example.
//!
//! Steps: build isogen (release); `isogen generate --check` for the Cargo services (the
//! committed Dockerfiles are what isogen renders); the local Rust builder and distroless-style
//! runtime images ([`crate::rust_base`]); each Cargo service image built with buildah from its
//! generated Dockerfile (context: the workspace root; the deps stage really fetches crates from
//! crates.io); each image run with its own `Cmd` until it prints its readiness line and answers
//! `GET /health` over HTTP; exports as `docker-archive:` and `oci-archive:` tarballs in
//! `target/e2e/images/`; `isogen verify` on every export must pass, and a bad variant (cargo
//! and rustc, a `target/` folder and sources left in the runtime) must fail with the
//! `toolchain` and `sources` rules (when this isogen has `verify --format json`).
//!
//! The services are found from the generated Dockerfiles themselves (isogen's header and its
//! `dev.isogen.ecosystem="cargo"` label), so a new Cargo service is picked up by generating it.

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};

use crate::cmd::{buildah, Cmd};
use crate::rust_base;

pub struct Options {
    /// Only these services (binary names); empty: every Cargo service.
    pub services: Vec<String>,
    /// Build and check the bad variant.
    pub variants: bool,
}

/// A Cargo service of the example, as its generated Dockerfile names it.
#[derive(Debug, Clone)]
pub struct CargoService {
    pub name: String,
    /// Relative to the workspace root.
    pub dockerfile: PathBuf,
}

impl CargoService {
    pub fn image(&self) -> String {
        format!("localhost/isogen-cargo/{}:e2e", self.name)
    }
}

pub fn run(root: &Path, target: &Path, opts: &Options) -> Result<()> {
    let started = Instant::now();
    let example = root.join("services-example");
    let out = target.join("e2e");
    let images_dir = out.join("images");
    fs::create_dir_all(&images_dir)?;

    Cmd::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
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
    let isogen = target.join("release/isogen");

    let services: Vec<CargoService> = cargo_services(&example)?
        .into_iter()
        .filter(|s| opts.services.is_empty() || opts.services.contains(&s.name))
        .collect();
    ensure!(
        !services.is_empty(),
        "no Cargo service Dockerfiles in {}",
        example.display()
    );

    let mut check = Cmd::new(&isogen).args(["generate", "--check"]);
    for s in &services {
        check = check.args(["--service", &s.name]);
    }
    let checked = check.arg(&example).output_raw()?;
    if !checked.status.success() {
        bail!(
            "the committed Cargo Dockerfiles differ from what isogen renders (run `isogen generate` in services-example):\n{}{}",
            String::from_utf8_lossy(&checked.stdout),
            String::from_utf8_lossy(&checked.stderr)
        );
    }

    let (builder, runtime) = rust_base::build_all(&out.join("base/rust"))?;
    eprintln!(
        "e2e-cargo: builder {} ({:.12}), runtime {} ({:.12})",
        builder.names[0], builder.id, runtime.names[0], runtime.id
    );

    let verify = verify_available(&isogen);
    if !verify {
        eprintln!("e2e-cargo: this isogen has no `verify --format json` yet: verdicts not checked");
    }
    let mut failures = Vec::new();
    for (i, service) in services.iter().enumerate() {
        let image = service.image();
        let result = (|| -> Result<()> {
            build(&example.join(&service.dockerfile), &image, &example)?;
            let ready = run_and_probe(&image, &service.name)?;
            eprintln!("e2e-cargo: {} started: {ready}", service.name);
            let archives = export(&image, &service.name, &images_dir)?;
            if verify {
                for archive in &archives {
                    let v = verdict(&isogen, archive, &example)?;
                    ensure!(
                        v.exit == 0 && v.error_rules.is_empty(),
                        "isogen verify {} exited {} with error rules {:?}:\n{}",
                        archive.display(),
                        v.exit,
                        v.error_rules,
                        v.output
                    );
                    eprintln!("e2e-cargo: isogen verify {} passed", archive.display());
                }
            }
            if opts.variants && i == 0 {
                bad_variant(service, &example, &out, &isogen, verify)?;
            }
            Ok(())
        })();
        if let Err(e) = result {
            eprintln!("e2e-cargo: {} FAILED: {e:#}", service.name);
            failures.push(format!("{}: {e:#}", service.name));
        }
    }
    eprintln!(
        "e2e-cargo: {} service(s) in {:.0?}",
        services.len(),
        started.elapsed()
    );
    if !failures.is_empty() {
        bail!("{} failure(s):\n{}", failures.len(), failures.join("\n"));
    }
    Ok(())
}

/// The Cargo services whose generated Dockerfiles are in `example` (folders below `crates/`
/// and the root; any folder but `target`, `node_modules` and hidden ones).
pub fn cargo_services(example: &Path) -> Result<Vec<CargoService>> {
    let mut found = Vec::new();
    let mut stack = vec![example.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).with_context(|| format!("listing {}", dir.display()))? {
            let entry = entry?;
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if entry.file_type()?.is_dir() {
                if !(name.starts_with('.') || name == "target" || name == "node_modules") {
                    stack.push(path);
                }
                continue;
            }
            if !(name == "Dockerfile" || name.ends_with(".Dockerfile")) {
                continue;
            }
            let text = fs::read_to_string(&path)?;
            if !text.starts_with("# @generated by isogen")
                || !text.contains("dev.isogen.ecosystem=\"cargo\"")
            {
                continue;
            }
            let service = text
                .lines()
                .find_map(|l| l.trim().strip_prefix("dev.isogen.service=\""))
                .and_then(|rest| rest.split('"').next())
                .with_context(|| format!("{}: no dev.isogen.service label", path.display()))?;
            found.push(CargoService {
                name: service.to_owned(),
                dockerfile: path.strip_prefix(example)?.to_path_buf(),
            });
        }
    }
    found.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(found)
}

/// One layer per stage (`--layers=false`): with vfs every cached step of the ~800 MB builder
/// would be a full copy of it. The `<Dockerfile>.dockerignore` beside the Dockerfile (which
/// buildah 1.28 also finds by itself) is passed explicitly, so the build does not depend on that.
fn build(dockerfile: &Path, image: &str, context: &Path) -> Result<()> {
    let mut bud = buildah().args([
        "bud",
        "--isolation",
        "chroot",
        "--layers=false",
        "--pull=never",
        "-t",
        image,
    ]);
    let ignore = PathBuf::from(format!("{}.dockerignore", dockerfile.display()));
    if ignore.is_file() {
        bud = bud.arg("--ignorefile").arg(ignore);
    }
    bud.arg("-f").arg(dockerfile).arg(context).run()
}

/// Runs the image's own `Cmd` in a container with `PORT` set, waits for `<service> ready on`,
/// then asks `GET /health` from the host (chroot isolation shares the host's network).
fn run_and_probe(image: &str, service: &str) -> Result<String> {
    let inspect: serde_json::Value = serde_json::from_str(
        &buildah()
            .args(["inspect", "--type", "image", image])
            .quiet()
            .read()?,
    )
    .context("reading buildah inspect's JSON")?;
    // buildah 1.28's --format has no `json` function: read the whole document.
    let cmd: Vec<String> = inspect["OCIv1"]["config"]["Cmd"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    ensure!(!cmd.is_empty(), "{image} has no Cmd");
    let container = fresh_container(image, &format!("isogen-cargo-{service}-run"))?;
    let port = free_port()?;
    eprintln!(
        "$ buildah --storage-driver vfs run --isolation chroot --env PORT={port} {container} -- {}",
        cmd.join(" ")
    );
    let mut child = std::process::Command::new("buildah")
        .args(["--storage-driver", "vfs", "run", "--isolation", "chroot"])
        .args(["--env", &format!("PORT={port}"), &container, "--"])
        .args(&cmd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .context("starting buildah run")?;
    let result = (|| {
        let line = wait_for_line(
            &mut child,
            &format!("{service} ready on"),
            Duration::from_secs(60),
        )?;
        let answer = http_get(port, "/health")?;
        ensure!(
            answer.starts_with("HTTP/1.1 200") && answer.contains("\"ok\""),
            "GET /health answered:\n{answer}"
        );
        Ok(line)
    })();
    stop(&mut child);
    let _ = buildah().args(["rm", &container]).quiet().output_raw();
    result
}

/// A working container of `image` named `name` (one left by an interrupted run is replaced).
fn fresh_container(image: &str, name: &str) -> Result<String> {
    let _ = buildah().args(["rm", name]).quiet().output_raw();
    buildah()
        .args(["from", "--pull=never", "--name", name, image])
        .quiet()
        .read()
}

fn wait_for_line(child: &mut Child, needle: &str, timeout: Duration) -> Result<String> {
    let stdout = child.stdout.take().context("no stdout")?;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + timeout;
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) if line.contains(needle) => return Ok(line),
            Ok(line) => seen.push(line),
            Err(mpsc::RecvTimeoutError::Timeout) => {
                bail!(
                    "no `{needle}` within {timeout:?}; output:\n{}",
                    seen.join("\n")
                )
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let status = child.wait()?;
                bail!(
                    "exited ({status}) before `{needle}`; output:\n{}",
                    seen.join("\n")
                )
            }
        }
    }
}

/// SIGTERM to `buildah run` (it passes it on to the container's process), then SIGKILL.
fn stop(child: &mut Child) {
    let _ = Cmd::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .quiet()
        .output_raw();
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind(("127.0.0.1", 0))?
        .local_addr()?
        .port())
}

fn http_get(port: u16, path: &str) -> Result<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n"
    )?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    Ok(answer)
}

/// `docker-archive:` and `oci-archive:` tarballs of `image`.
fn export(image: &str, stem: &str, dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for (transport, suffix) in [("docker-archive", "docker.tar"), ("oci-archive", "oci.tar")] {
        let path = dir.join(format!("{stem}.{suffix}"));
        let _ = fs::remove_file(&path);
        buildah()
            .args(["push", "--quiet", image])
            .arg(format!("{transport}:{}:{image}", path.display()))
            .run()?;
        out.push(path);
    }
    Ok(out)
}

/// The bad variant, derived from the good image (cheap on vfs, where every layer over the
/// builder would copy ~800 MB): the toolchain's `cargo` and `rustc` left in
/// `/usr/local/cargo/bin`, and a Cargo `target/` folder, a `Cargo.toml` and a `src/main.rs` left
/// under the app root, as a single-stage build would leave them. It must fail verify with
/// `toolchain` and `sources`.
fn bad_variant(
    service: &CargoService,
    example: &Path,
    out: &Path,
    isogen: &Path,
    verify: bool,
) -> Result<()> {
    let good = service.image();
    let image = format!("localhost/isogen-cargo/{}-leftovers:e2e", service.name);
    let dir = out
        .join("variants")
        .join(format!("{}-leftovers", service.name));
    let _ = fs::remove_dir_all(&dir);
    let crate_dir = example.join(
        service
            .dockerfile
            .parent()
            .context("Dockerfile without a folder")?,
    );
    fs::create_dir_all(dir.join("app/target/release"))?;
    fs::create_dir_all(dir.join("app/src"))?;
    fs::write(
        dir.join("app/target/CACHEDIR.TAG"),
        "Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by cargo.\n",
    )?;
    fs::write(dir.join("app/target/.rustc_info.json"), "{}\n")?;
    fs::copy(crate_dir.join("Cargo.toml"), dir.join("app/Cargo.toml"))?;
    let main = ["src/main.rs", "src/lib.rs"]
        .iter()
        .map(|f| crate_dir.join(f))
        .find(|p| p.is_file())
        .with_context(|| format!("no src/main.rs or src/lib.rs in {}", crate_dir.display()))?;
    fs::copy(main, dir.join("app/src/main.rs"))?;
    let sysroot = PathBuf::from(
        Cmd::new("rustc")
            .args(["--print", "sysroot"])
            .quiet()
            .read()?,
    );

    let container = fresh_container(&good, &format!("isogen-cargo-{}-leftovers", service.name))?;
    let result = (|| -> Result<()> {
        buildah()
            .args(["copy", "--quiet", &container])
            .arg(dir.join("app"))
            .arg("/app")
            .run()?;
        buildah()
            .args(["copy", "--quiet", &container])
            .arg(sysroot.join("bin/cargo"))
            .arg(sysroot.join("bin/rustc"))
            .arg("/usr/local/cargo/bin/")
            .run()?;
        buildah()
            .args(["commit", "--quiet", &container, &image])
            .run()?;
        Ok(())
    })();
    let _ = buildah().args(["rm", &container]).quiet().output_raw();
    result?;

    let archive = out
        .join("images")
        .join(format!("{}-leftovers.docker.tar", service.name));
    let _ = fs::remove_file(&archive);
    buildah()
        .args(["push", "--quiet", &image])
        .arg(format!("docker-archive:{}:{image}", archive.display()))
        .run()?;
    if verify {
        let v = verdict(isogen, &archive, example)?;
        ensure!(
            v.exit == 1,
            "isogen verify {} exited {}, expected 1:\n{}",
            archive.display(),
            v.exit,
            v.output
        );
        for rule in ["toolchain", "sources"] {
            ensure!(
                v.error_rules.iter().any(|r| r == rule),
                "isogen verify {} did not report `{rule}` (rules: {:?})",
                archive.display(),
                v.error_rules
            );
        }
        eprintln!(
            "e2e-cargo: bad variant {} fails verify as expected: {:?}",
            archive.display(),
            v.error_rules
        );
    }
    Ok(())
}

/// Whether this isogen's `verify` has the JSON report.
fn verify_available(isogen: &Path) -> bool {
    Cmd::new(isogen)
        .args(["verify", "--help"])
        .quiet()
        .read()
        .is_ok_and(|help| help.contains("--format") && help.contains("--workspace"))
}

struct Verdict {
    exit: i32,
    /// Rule ids of error-level findings.
    error_rules: Vec<String>,
    output: String,
}

fn verdict(isogen: &Path, archive: &Path, workspace: &Path) -> Result<Verdict> {
    let out = Cmd::new(isogen)
        .arg("verify")
        .arg(archive)
        .arg("--workspace")
        .arg(workspace)
        .args(["--format", "json"])
        .output_raw()?;
    let exit = out.status.code().unwrap_or(-1);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    ensure!(
        exit == 0 || exit == 1,
        "isogen verify {} exited {exit}:\n{text}{}",
        archive.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("isogen verify --format json printed no JSON:\n{text}"))?;
    let mut error_rules = Vec::new();
    collect_error_rules(&json, &mut error_rules);
    error_rules.sort();
    error_rules.dedup();
    Ok(Verdict {
        exit,
        error_rules,
        output: text,
    })
}

/// Every `{"rule": ..., "severity": "error"}` object anywhere in the report.
fn collect_error_rules(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(map) => {
            if let (Some(rule), Some("error")) = (
                map.get("rule").and_then(|r| r.as_str()),
                map.get("severity").and_then(|s| s.as_str()),
            ) {
                out.push(rule.to_owned());
            }
            map.values().for_each(|v| collect_error_rules(v, out));
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_error_rules(v, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_example_cargo_services_from_their_dockerfiles() {
        let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../services-example");
        let names: Vec<String> = cargo_services(&example)
            .unwrap()
            .into_iter()
            .map(|s| format!("{} {}", s.name, s.dockerfile.display()))
            .collect();
        assert_eq!(
            names,
            [
                "inventory-api crates/inventory/inventory-api.Dockerfile",
                "inventory-sync crates/inventory/inventory-sync.Dockerfile",
                "ledger crates/ledger/Dockerfile",
            ]
        );
    }

    #[test]
    fn error_rules_are_collected_from_any_depth() {
        let report = serde_json::json!({"images": [{"findings": [
            {"rule": "toolchain", "severity": "error"},
            {"rule": "package-manager", "severity": "warning"},
            {"nested": {"rule": "sources", "severity": "error"}}
        ]}]});
        let mut rules = Vec::new();
        collect_error_rules(&report, &mut rules);
        assert_eq!(rules, ["toolchain", "sources"]);
    }
}
