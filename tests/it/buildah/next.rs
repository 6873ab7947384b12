//! Next.js apps built for real: tests/fixtures/pnpm9-next (Next 15) and pnpm9-next14 (Next
//! 14.2) generated, both apps of each built with
//! buildah (`apps/web` with `output: "standalone"`, `apps/site` with `next start -p 4000`),
//! each started with its image's own CMD, a page and the route handler fetched (both import
//! the internal `@nx/greet`, so the answer proves it resolved), a file of `public/` and one of
//! `.next/static` served, and `isogen verify --workspace` passed on the exported archive.
//!
//! ```sh
//! cargo xtask base-images    # the local Node base image (no registry here)
//! cargo test --test it buildah::next -- --ignored --nocapture
//! ```
//!
//! Slow (a `next build` per app, `next` and its platform packages from the npm registry) and
//! needs buildah, so ignored by default. Images `localhost/isogen-gen/next-<app>`, removed
//! once checked.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::support::{build, buildah, config, container, export_and_verify, BUILDAH};

/// `GET path` on localhost:port (HTTP/1.0, so the server closes): the whole response.
fn get(port: u16, path: &str) -> std::io::Result<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n")?;
    let mut body = Vec::new();
    s.read_to_end(&mut body)?;
    Ok(String::from_utf8_lossy(&body).into_owned())
}

/// Waits for the server to answer `/` (up to a minute), or for it to exit.
fn await_listening(child: &mut Child, port: u16) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(60) {
        if let Ok(Some(status)) = child.try_wait() {
            let mut err = String::new();
            if let Some(e) = child.stderr.as_mut() {
                let _ = e.read_to_string(&mut err);
            }
            panic!("the server exited ({status}) before it listened:\n{err}");
        }
        if get(port, "/").is_ok_and(|r| r.starts_with("HTTP/")) {
            return;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    panic!("nothing answered on port {port} within a minute");
}

struct App {
    dir: &'static str,
    /// The port it listens on: the image's PORT is overridden with it (standalone), or its
    /// CMD's `-p` (next start).
    port: u16,
    set_port: bool,
}

fn build_run_verify(root: &Path, app: &App, out: &Path) {
    let name = app.dir.rsplit('/').next().unwrap();
    let image = format!("localhost/isogen-gen/next-{name}");
    let dockerfile = format!("{}/Dockerfile", app.dir);
    build(root, &dockerfile, &image);
    let cmd: Vec<String> = serde_json::from_value(config(&image)["Cmd"].clone()).unwrap();
    let container = container(&image);
    let port = app.port.to_string();
    let mut run = Command::new(BUILDAH[0]);
    run.args(&BUILDAH[1..])
        .args(["run", "--isolation", "chroot"]);
    if app.set_port {
        run.args(["-e", &format!("PORT={port}")]);
    }
    let mut child = run
        .arg(&container)
        .arg("--")
        .args(&cmd)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    await_listening(&mut child, app.port);
    let page = get(app.port, "/").unwrap();
    let route = get(app.port, "/api/hello").unwrap();
    let robots = get(app.port, "/robots.txt").unwrap();
    // A script of `.next/static` the page loads.
    let script = page
        .split("src=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .find(|s| s.starts_with("/_next/static/"))
        .map(str::to_string);
    let static_file = script.as_deref().map(|s| get(app.port, s).unwrap());
    let _ = child.kill();
    let _ = child.wait();
    // What the server printed, for a failure's message: Next.js answers 400 for any error
    // serving a public file (a stat or read error of `send`), and may log why.
    // (Read on a thread, at most 5 s: a server process that outlived buildah keeps the pipe open.)
    let (tx, rx) = std::sync::mpsc::channel();
    if let Some(mut e) = child.stderr.take() {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = e.read_to_string(&mut text);
            let _ = tx.send(text);
        });
    }
    let server_err = rx.recv_timeout(Duration::from_secs(5)).unwrap_or_default();
    let archive = out.join(format!("next-{name}.docker.tar"));
    let verified = export_and_verify(&image, root, &archive);
    buildah(&["rm", &container]);
    buildah(&["rmi", &image]);
    let greeting = format!("hello {name} from @nx/greet");
    assert!(
        page.starts_with("HTTP/1.1 200") && page.contains(&greeting),
        "{name} /: {page}"
    );
    assert!(
        route.starts_with("HTTP/1.1 200") && route.contains("hello route from @nx/greet"),
        "{name} /api/hello: {route}"
    );
    assert!(
        robots.contains(&format!("robots for {name}")),
        "{name} /robots.txt: {robots}\nthe server's stderr:\n{server_err}"
    );
    let static_file =
        static_file.unwrap_or_else(|| panic!("{name}: no /_next/static script in {page}"));
    assert!(
        static_file.starts_with("HTTP/1.1 200"),
        "{name} {script:?}: {static_file}"
    );
    match verified {
        Ok(report) => println!("{report}"),
        Err(report) => panic!("{name}: {report}"),
    }
}

#[test]
#[ignore = "slow: builds two Next.js images with buildah"]
fn next_apps_build_serve_their_pages_and_routes_and_verify() {
    build_serve_verify("pnpm9-next");
}

/// The same apps on Next 14.2 (React 18), whose standalone output is traced from the folder of
/// the closest lockfile as Next 15's is.
#[test]
#[ignore = "slow: builds two Next.js images with buildah"]
fn next14_apps_build_serve_their_pages_and_routes_and_verify() {
    build_serve_verify("pnpm9-next14");
}

fn build_serve_verify(fixture: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join(fixture);
    super::node::copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(fixture),
        &root,
    );
    let status = Command::new(env!("CARGO_BIN_EXE_isogen"))
        .arg("generate")
        .arg(&root)
        .status()
        .unwrap();
    assert!(status.success(), "generate failed");
    for app in [
        App {
            dir: "apps/web",
            port: 38301,
            set_port: true,
        },
        App {
            dir: "apps/site",
            port: 4000,
            set_port: false,
        },
    ] {
        build_run_verify(&root, &app, tmp.path());
    }
}
