//! A Node service with `runtime_packages`, built for real: tests/fixtures/pnpm9-runtime-libs
//! (shaped like usertour's NestJS + Prisma 5 server, whose query engine links `libssl.so.3`)
//! names `runtime_packages = ["libssl3"]`, so its Dockerfile has a `runtime-packages` stage that
//! runs `apt-get download` on the build image. That stage needs a Node base image with a working
//! apt, as the official `node:<major>-bookworm(-slim)` images have: `cargo xtask base-images
//! --apt --full` makes them (Node over a Debian bookworm root, under the official names). The
//! image builds, holds `libssl.so.3` that the slim base lacks, starts as its own user (the
//! engine dlopens the library at start and exits 1 without it), answers, and passes
//! `isogen verify --workspace`.
//!
//! ```sh
//! cargo xtask base-images --apt --full     # once: node:26-bookworm-slim and node:26-bookworm with apt
//! cargo test --test it buildah::runtime_libs -- --ignored --nocapture
//! ```

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;

use super::support::{
    build, buildah, config, container, export_and_verify, free_port, generated_fixture, run_in,
    spawn_in_own_group, stop, BUILDAH,
};

const FIXTURE: &str = "pnpm9-runtime-libs";
const IMAGE: &str = "localhost/isogen-gen/pnpm9-runtime-libs-server";
const LIBSSL: &str = "/usr/lib/x86_64-linux-gnu/libssl.so.3";

/// The body of `GET /` on localhost:`port`, once something answers there (about a minute).
fn answer(port: u16, child: &mut std::process::Child) -> Result<String, String> {
    for _ in 0..120 {
        if let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) {
            stream.set_read_timeout(Some(Duration::from_secs(10))).ok();
            write!(
                stream,
                "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
            )
            .map_err(|e| e.to_string())?;
            let mut text = String::new();
            stream
                .read_to_string(&mut text)
                .map_err(|e| e.to_string())?;
            return Ok(text
                .split_once("\r\n\r\n")
                .map_or(text.clone(), |(_, b)| b.to_string()));
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("the container exited ({status}) before answering"));
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    Err(format!("nothing answered on port {port}"))
}

#[test]
#[ignore = "slow: builds an image with buildah; needs `cargo xtask base-images --apt --full`"]
fn node_service_with_runtime_packages_builds_on_an_apt_base_starts_and_verifies() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join(FIXTURE);
    generated_fixture(FIXTURE, &root);
    let dockerfile = std::fs::read_to_string(root.join("apps/server/Dockerfile")).unwrap();
    assert!(
        dockerfile.contains("AS runtime-packages")
            && dockerfile.contains("apt-get download libssl3"),
        "{dockerfile}"
    );

    // The slim base has apt (as the official image) and no libssl.so.3 (nor has the official).
    let base = container("docker.io/library/node:26-bookworm-slim");
    let has = |c: &str, path: &str| {
        run_in(
            c,
            &[],
            &[
                "sh",
                "-c",
                &format!("test -e {path} && echo yes || echo no"),
            ],
        )
    };
    let base_apt = has(&base, "/usr/bin/apt-get");
    let base_libssl = has(&base, LIBSSL);
    buildah(&["rm", &base]);
    assert_eq!(
        base_apt.trim(),
        "yes",
        "node:26-bookworm-slim has no apt-get: run `cargo xtask base-images --apt --full`"
    );
    assert_eq!(base_libssl.trim(), "no");

    build(&root, "apps/server/Dockerfile", IMAGE);
    let config = config(IMAGE);
    let image = container(IMAGE);
    let libssl = has(&image, LIBSSL);
    let port = free_port();
    let mut run = Command::new(BUILDAH[0]);
    run.args(&BUILDAH[1..])
        .args([
            "run",
            "--isolation",
            "chroot",
            "-e",
            &format!("PORT={port}"),
        ])
        .arg(&image)
        .arg("--")
        .args(["node", "/app/apps/server/src/main.js"])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    let mut child = spawn_in_own_group(&mut run);
    let answered = answer(port, &mut child);
    stop(&mut child);
    buildah(&["rm", &image]);
    let archive = tmp.path().join("server.docker.tar");
    let verified = export_and_verify(IMAGE, &root, &archive);
    buildah(&["rmi", IMAGE]);

    assert_eq!(
        config["Cmd"],
        serde_json::json!(["node", "/app/apps/server/src/main.js"])
    );
    assert_eq!(config["User"], "10001:10001");
    assert_eq!(libssl.trim(), "yes", "the runtime image lacks {LIBSSL}");
    assert!(
        answered
            .as_ref()
            .is_ok_and(|a| a.contains("engine: libssl.so.3 loaded\n")),
        "{answered:?}"
    );
    match verified {
        Ok(report) => println!("{report}"),
        Err(report) => panic!("{report}"),
    }
}
