//! What every buildah test does the same way: buildah on vfs, or `ISOGEN_STORAGE_DRIVER`'s driver (a failure panics with its
//! output), a build as the tests make them (chroot isolation, no layers, never pull: the base
//! images are local), a working container, the image's config, and the export that
//! `isogen verify --workspace` must pass.

use std::path::Path;
use std::process::{Command, Output};

/// buildah with the vfs driver, as root without a daemon: the tests' storage; or the driver
/// `ISOGEN_STORAGE_DRIVER` names (`overlay`), as xtask's base images were made with it: the
/// images of one driver's store are not seen through another.
pub static BUILDAH: std::sync::LazyLock<Vec<&'static str>> = std::sync::LazyLock::new(|| {
    let driver = std::env::var("ISOGEN_STORAGE_DRIVER").unwrap_or_else(|_| "vfs".to_owned());
    vec!["buildah", "--storage-driver", String::leak(driver)]
});

/// Runs buildah; a failure panics naming the arguments, with what buildah printed.
pub fn buildah(args: &[&str]) -> Output {
    let out = Command::new(BUILDAH[0])
        .args(&BUILDAH[1..])
        .args(args)
        .output()
        .expect("buildah runs");
    assert!(
        out.status.success(),
        "buildah {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Builds `dockerfile` (relative to `root`, the build context) as `image`, in the Docker image
/// format as `docker build` makes it (buildah's default OCI format drops `HEALTHCHECK`).
pub fn build(root: &Path, dockerfile: &str, image: &str) {
    let dockerfile = root.join(dockerfile);
    buildah(&[
        "bud",
        "--isolation",
        "chroot",
        "--format",
        "docker",
        "--layers=false",
        "--pull=never",
        "-f",
        dockerfile.to_str().unwrap(),
        "-t",
        image,
        root.to_str().unwrap(),
    ]);
}

/// The image's OCI config (`Cmd`, `User`, `Env`, ...).
pub fn config(image: &str) -> serde_json::Value {
    let inspect = buildah(&["inspect", "--type", "image", image]);
    let inspect: serde_json::Value = serde_json::from_slice(&inspect.stdout).unwrap();
    inspect["OCIv1"]["config"].clone()
}

/// A working container of `image`; its name.
pub fn container(image: &str) -> String {
    let out = buildah(&["from", "--pull=never", image]);
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// Exports `image` as a docker-archive at `archive`, runs `isogen verify --workspace root`
/// on it and removes it: the report when verify passed, else its exit code and report.
pub fn export_and_verify(image: &str, root: &Path, archive: &Path) -> Result<String, String> {
    buildah(&[
        "push",
        "--quiet",
        image,
        &format!("docker-archive:{}:{image}", archive.display()),
    ]);
    let verify = Command::new(env!("CARGO_BIN_EXE_isogen"))
        .arg("verify")
        .arg(archive)
        .arg("--workspace")
        .arg(root)
        .output()
        .map_err(|e| format!("running isogen verify: {e}"))?;
    std::fs::remove_file(archive).ok();
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&verify.stdout),
        String::from_utf8_lossy(&verify.stderr)
    );
    match verify.status.code() {
        Some(0) => Ok(report),
        code => Err(format!("verify exited {code:?}:\n{report}")),
    }
}

/// A TCP port nothing listens on now (the OS picks it): a server started by a test listens
/// there, so two tests (or two runs on one machine) never ask each other's servers.
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).expect("a free port");
    listener.local_addr().expect("its address").port()
}

/// `buildah run ...` spawned in a process group of its own, so [`stop`] reaches the
/// container's processes too.
pub fn spawn_in_own_group(run: &mut Command) -> std::process::Child {
    use std::os::unix::process::CommandExt;
    run.process_group(0).spawn().expect("buildah run starts")
}

/// Stops a `buildah run` spawned by [`spawn_in_own_group`] and everything it started: SIGTERM
/// to its process group (buildah and the server both end on it), SIGKILL to the group if
/// buildah has not ended 20 s later. Killing only buildah (`Child::kill`) leaves the server
/// running with the chroot isolation, still listening after `buildah rm` deleted its files,
/// where the next run's requests reach it.
pub fn stop(child: &mut std::process::Child) {
    // The group is signalled only while its leader is not reaped: its id is still ours.
    let group = format!("-{}", child.id());
    let signal = |sig: &str| {
        let _ = Command::new("kill").args([sig, "--", &group]).status();
    };
    signal("-TERM");
    for _ in 0..40 {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    signal("-KILL");
    let _ = child.wait();
}

/// A process started by the spawned one (as `buildah run` starts the server) ends with it: it
/// would otherwise keep answering on the port after the test.
#[test]
fn stop_ends_the_processes_the_run_started() {
    let mut run = Command::new("sh");
    run.args(["-c", "sleep 300 & echo $!; wait"])
        .stdout(std::process::Stdio::piped());
    let mut child = spawn_in_own_group(&mut run);
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    let grandchild = format!("/proc/{}/stat", line.trim());
    let alive = || {
        // Gone, or a zombie nobody reaped yet: not running.
        std::fs::read_to_string(&grandchild).is_ok_and(|stat| {
            stat.rsplit(')')
                .next()
                .is_some_and(|s| !s.trim_start().starts_with('Z'))
        })
    };
    assert!(alive(), "sleep runs before the stop");
    stop(&mut child);
    for _ in 0..50 {
        if !alive() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("the process the run started outlived stop");
}

/// tests/fixtures/`fixture` copied to `root` and generated there (generate must succeed):
/// what generate printed on stderr.
pub fn generated_fixture(fixture: &str, root: &Path) -> String {
    super::node::copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(fixture),
        root,
    );
    let out = Command::new(env!("CARGO_BIN_EXE_isogen"))
        .arg("generate")
        .arg(root)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "{fixture}: generate failed:\n{stderr}"
    );
    stderr
}

/// `buildah run` of `args` in `container`, with `env` (`NAME=value`): stdout then stderr.
pub fn run_in(container: &str, env: &[&str], args: &[&str]) -> String {
    let mut all = vec!["run", "--isolation", "chroot"];
    for e in env {
        all.extend(["-e", e]);
    }
    all.push(container);
    all.push("--");
    all.extend_from_slice(args);
    let o = buildah(&all);
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}
