//! Next.js apps built for real: tests/fixtures/pnpm9-next (Next 15) and pnpm9-next14 (Next
//! 14.2) generated, both apps of each built with
//! buildah (`apps/web` with `output: "standalone"`, `apps/site` with `next start -p 4000`),
//! each started with its image's own CMD on a free port (its `-p` or `PORT` swapped), a page
//! and the route handler fetched (both import the internal `@nx/greet`, so the answer proves
//! it resolved), a file of `public/` and one of `.next/static` served, the standalone app's
//! page fetched on a non-loopback address of the machine too (server.js listens on the image's
//! `HOSTNAME=0.0.0.0`, not on loopback), the server stopped with
//! its whole process group, and `isogen verify --workspace` passed on the exported archive.
//!
//! ```sh
//! cargo xtask base-images    # the local Node base image (no registry here)
//! cargo test --test it buildah::next -- --ignored --nocapture
//! ```
//!
//! tests/fixtures/pnpm9-next-migrate, the same apps running a migration step before Next,
//! is built the same way, and its pages show what the step did.
//!
//! Slow (a `next build` per app, `next` and its platform packages from the npm registry) and
//! needs buildah, so ignored by default. Images `localhost/isogen-gen/<fixture>-<app>`, removed
//! once checked.
//!
//! Each run's server must be its own and must end with the run: a server that outlived
//! `buildah run` (killing buildah alone leaves it) keeps listening after `buildah rm` deleted
//! its files; the next run on its port then got `/` and `/api/hello` from its memory and 400
//! for `/robots.txt` (Next.js turns send's ENOENT into 400).

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::support::{
    build, buildah, config, container, export_and_verify, free_port, generated_fixture,
    spawn_in_own_group, stop, BUILDAH,
};

/// `GET path` on localhost:port (HTTP/1.0, so the server closes): the whole response.
fn get(port: u16, path: &str) -> std::io::Result<String> {
    get_at(IpAddr::V4(Ipv4Addr::LOCALHOST), port, path)
}

/// A non-loopback address of this machine (the one its default route leaves from; a UDP
/// `connect` sends nothing), `None` without a route. The chroot-isolated server shares the
/// host's network: it answers there only if it listens on every interface, as a container's
/// server must for `docker run -p` to reach it.
fn outside_address() -> Option<IpAddr> {
    let socket = std::net::UdpSocket::bind(("0.0.0.0", 0)).ok()?;
    socket.connect(("192.0.2.1", 80)).ok()?;
    Some(socket.local_addr().ok()?.ip()).filter(|ip| !ip.is_loopback() && !ip.is_unspecified())
}

/// `GET path` on `ip`:port: the whole response.
fn get_at(ip: IpAddr, port: u16, path: &str) -> std::io::Result<String> {
    let mut s = TcpStream::connect((ip, port))?;
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
    /// Text the page shows besides the greeting (what a step before the server did).
    page_shows: Option<&'static str>,
    /// The port is its CMD's `-p` (next start), else the image's `PORT` (standalone). Either is
    /// swapped for a free port, so the two tests (run in parallel) and runs of other worktrees
    /// on the machine never answer each other's requests.
    port_in_cmd: bool,
}

fn build_run_verify(root: &Path, app: &App, out: &Path) {
    let name = app.dir.rsplit('/').next().unwrap();
    let fixture = root.file_name().unwrap().to_string_lossy();
    let image = format!("localhost/isogen-gen/{fixture}-{name}");
    let dockerfile = format!("{}/Dockerfile", app.dir);
    build(root, &dockerfile, &image);
    let mut cmd: Vec<String> = serde_json::from_value(config(&image)["Cmd"].clone()).unwrap();
    let container = container(&image);
    let port = free_port();
    let mut run = Command::new(BUILDAH[0]);
    run.args(&BUILDAH[1..])
        .args(["run", "--isolation", "chroot"]);
    if app.port_in_cmd {
        swap_port(&mut cmd, port);
    } else {
        run.args(["-e", &format!("PORT={port}")]);
    }
    run.arg(&container)
        .arg("--")
        .args(&cmd)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = spawn_in_own_group(&mut run);
    await_listening(&mut child, port);
    // The standalone server.js listens on `HOSTNAME`, which the image sets to 0.0.0.0 (docker
    // would set it to the container's id): it answers on an address that is not loopback.
    let outside = match (app.port_in_cmd, outside_address()) {
        (false, Some(ip)) => Some((ip, get_at(ip, port, "/"))),
        (false, None) => {
            println!("{name}: no non-loopback address here; 0.0.0.0 not checked");
            None
        }
        (true, _) => None,
    };
    let page = get(port, "/").unwrap();
    let route = get(port, "/api/hello").unwrap();
    let robots = get(port, "/robots.txt").unwrap();
    // A script of `.next/static` the page loads.
    let script = page
        .split("src=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .find(|s| s.starts_with("/_next/static/"))
        .map(str::to_string);
    let static_file = script.as_deref().map(|s| get(port, s).unwrap());
    stop(&mut child);
    // What the server printed, for a failure's message: Next.js answers 400 for any error
    // serving a public file (a stat or read error of `send`), and may log why.
    // (Read on a thread, at most 5 s, should a server process have outlived buildah.)
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
    if let Some((ip, answer)) = outside {
        assert!(
            answer
                .as_deref()
                .is_ok_and(|a| a.starts_with("HTTP/1.1 200")),
            "{name} listens on loopback only: {ip}:{port} / gave {answer:?}"
        );
    }
    let greeting = format!("hello {name} from @nx/greet");
    if let Some(text) = app.page_shows {
        assert!(page.contains(text), "{name} / shows no `{text}`: {page}");
    }
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

/// The port of a CMD's `-p <port>`, as a word of its own or in the line of `/bin/sh -c`,
/// swapped for `port`.
fn swap_port(cmd: &mut [String], port: u16) {
    if let Some(p) = cmd.iter().position(|a| a == "-p").map(|p| p + 1) {
        if p < cmd.len() {
            cmd[p] = port.to_string();
            return;
        }
    }
    let Some(line) = cmd.last_mut().filter(|l| l.contains(" -p ")) else {
        panic!("no `-p <port>` in the CMD {cmd:?}");
    };
    let (head, tail) = line.split_once(" -p ").unwrap();
    let rest = tail.split_once(' ').map_or("", |(_, r)| r);
    *line = format!("{head} -p {port} {rest}").trim_end().to_string();
}

#[test]
#[ignore = "slow: builds two Next.js images with buildah"]
fn next_apps_build_serve_their_pages_and_routes_and_verify() {
    build_serve_verify("pnpm9-next");
}

/// tests/fixtures/pnpm9-next-migrate: each app runs `node scripts/migrate.mjs` before Next
/// (`apps/web`: `... && next start` with the standalone output; `apps/site`: `sh -c 'pnpm run
/// migrate && exec next start -p 4000'`). The image's CMD runs the step, which reads the
/// shipped `migrations/*.sql` and records them in /tmp/migrated.txt, then Next, whose page
/// shows that record: the step ran, with its files, before the server answered.
#[test]
#[ignore = "slow: builds two Next.js images with buildah"]
fn apps_that_migrate_first_run_the_step_then_serve_and_verify() {
    let fixture = "pnpm9-next-migrate";
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join(fixture);
    generated_fixture(fixture, &root);
    for app in [
        App {
            dir: "apps/web",
            page_shows: Some("001_init.sql, 002_author.sql"),
            port_in_cmd: false,
        },
        App {
            dir: "apps/site",
            page_shows: Some("001_init.sql, 002_author.sql"),
            port_in_cmd: true,
        },
    ] {
        build_run_verify(&root, &app, tmp.path());
    }
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
    generated_fixture(fixture, &root);
    for app in [
        App {
            dir: "apps/web",
            page_shows: None,
            port_in_cmd: false,
        },
        App {
            dir: "apps/site",
            page_shows: None,
            port_in_cmd: true,
        },
    ] {
        build_run_verify(&root, &app, tmp.path());
    }
}

/// tests/fixtures/pnpm9-next-ts: the standalone app with `typescript` as a devDependency,
/// which Next's file tracing copies into `.next/standalone` (for its next.config.ts loader,
/// which server.js never runs). The image serves without it, and `verify --workspace` passes
/// (it failed on toolchain and dev-dependency before the builder removed it).
#[test]
#[ignore = "slow: builds a Next.js image with buildah"]
fn the_typescript_next_traces_for_its_config_loader_is_not_shipped_and_verify_passes() {
    let fixture = "pnpm9-next-ts";
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join(fixture);
    generated_fixture(fixture, &root);
    let app = App {
        dir: "apps/web",
        page_shows: None,
        port_in_cmd: false,
    };
    build_run_verify(&root, &app, tmp.path());
}
