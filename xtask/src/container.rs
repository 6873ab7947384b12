//! Running a built image the way a container runtime would, without a daemon: `buildah from`
//! gives a working container with the image's config (user, working folder, env), `buildah run`
//! starts a process in it. With `--isolation chroot` the process shares the host's network, so
//! the service's port is reachable from here.
//!
//! [`Background::await_start`] decides whether a service started, for any service, not only
//! the example's: it is given a free `PORT`; it has started when it listens there, or prints a
//! readiness line and stays up, or stays up a few seconds without exiting non-zero. When it
//! listens, [`probe_http`] then asks the usual health paths.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use serde::Deserialize;

use crate::cmd::buildah;

/// The parts of an image config e2e looks at.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ImageConfig {
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub working_dir: Option<String>,
    #[serde(default)]
    pub entrypoint: Option<Vec<String>>,
    #[serde(default)]
    pub cmd: Option<Vec<String>>,
    #[serde(default)]
    pub labels: Option<std::collections::BTreeMap<String, String>>,
}

impl ImageConfig {
    pub fn read(image: &str) -> Result<Self> {
        // This buildah's --format has no `json` function: read the whole inspect document.
        let json = buildah()
            .args(["inspect", "--type", "image", image])
            .quiet()
            .read()?;
        let doc: serde_json::Value = serde_json::from_str(&json)
            .with_context(|| format!("parsing `buildah inspect {image}`"))?;
        serde_json::from_value(doc["OCIv1"]["config"].clone())
            .with_context(|| format!("reading the config of {image}"))
    }

    /// Entrypoint + Cmd: what the runtime starts.
    pub fn argv(&self) -> Vec<String> {
        let mut argv = self.entrypoint.clone().unwrap_or_default();
        argv.extend(self.cmd.clone().unwrap_or_default());
        argv
    }
}

/// A working container, removed when dropped.
pub struct Container {
    pub id: String,
}

impl Container {
    pub fn from_image(image: &str) -> Result<Self> {
        let id = buildah()
            .args(["from", "--pull=never", "--quiet", image])
            .quiet()
            .read()?;
        Ok(Container { id })
    }

    pub fn set_env(&self, key: &str, value: &str) -> Result<()> {
        buildah()
            .args(["config", "--env", &format!("{key}={value}"), &self.id])
            .quiet()
            .read()?;
        Ok(())
    }

    /// Runs a command to completion; returns (success, stdout, stderr).
    pub fn exec(&self, argv: &[&str]) -> Result<(bool, String, String)> {
        let out = buildah()
            .args(["run", "--isolation", "chroot", &self.id, "--"])
            .args(argv)
            .quiet()
            .output_raw()?;
        Ok((
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ))
    }

    /// Starts `argv` in the background, in its own process group so it can be stopped with
    /// everything buildah started for it.
    pub fn spawn(&self, argv: &[String]) -> Result<Background> {
        let mut command = Command::new("buildah");
        command
            .args([
                "--storage-driver",
                &crate::cmd::storage_driver(),
                "run",
                "--isolation",
                "chroot",
                &self.id,
                "--",
            ])
            .args(argv)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0);
        let mut child = command.spawn().context("could not start `buildah run`")?;
        let (tx, lines) = mpsc::channel();
        for stream in [
            child
                .stdout
                .take()
                .map(|s| Box::new(s) as Box<dyn Read + Send>),
            child
                .stderr
                .take()
                .map(|s| Box::new(s) as Box<dyn Read + Send>),
        ]
        .into_iter()
        .flatten()
        {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(|l| l.ok()) {
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
        }
        Ok(Background {
            child,
            lines,
            output: Vec::new(),
        })
    }
}

impl Drop for Container {
    fn drop(&mut self) {
        let _ = buildah().args(["rm", &self.id]).quiet().output_raw();
    }
}

/// A process started by [`Container::spawn`].
pub struct Background {
    child: Child,
    lines: mpsc::Receiver<String>,
    /// Everything it printed so far (stdout and stderr interleaved by arrival).
    pub output: Vec<String>,
}

impl Background {
    /// Waits until the service has shown it started (see [`Started`]); fails when it exits
    /// non-zero first. `settle`: how long it must stay up after a readiness line, or, silent,
    /// at least; `grace`: how long a silent service is given to open `port`.
    pub fn await_start(&mut self, port: u16, settle: Duration, grace: Duration) -> Result<Started> {
        let begun = Instant::now();
        let mut ready: Option<(String, Instant)> = None;
        loop {
            while let Ok(line) = self.lines.try_recv() {
                if ready.is_none() && is_ready_line(&line) {
                    ready = Some((line.clone(), Instant::now()));
                }
                self.output.push(line);
            }
            if let Some(status) = self.child.try_wait()? {
                self.drain();
                let line = ready.map(|(l, _)| l);
                ensure!(
                    status.success(),
                    "exited ({status}) after {:.1}s{}",
                    begun.elapsed().as_secs_f64(),
                    line.map(|l| format!(", after printing {l:?}"))
                        .unwrap_or_default()
                );
                return Ok(Started::Exited {
                    after: begun.elapsed(),
                    line,
                });
            }
            if port_open(port) {
                return Ok(Started::Listening {
                    line: ready.map(|(l, _)| l),
                });
            }
            match &ready {
                Some((line, at)) if at.elapsed() >= settle => {
                    return Ok(Started::Ready { line: line.clone() })
                }
                None if begun.elapsed() >= grace.max(settle) => {
                    return Ok(Started::StayedUp {
                        after: begun.elapsed(),
                    })
                }
                _ => {}
            }
            if let Ok(line) = self.lines.recv_timeout(Duration::from_millis(200)) {
                if ready.is_none() && is_ready_line(&line) {
                    ready = Some((line.clone(), Instant::now()));
                }
                self.output.push(line);
            }
        }
    }

    /// Fails when the process has exited non-zero since it started (a crash after listening).
    pub fn still_fine(&mut self) -> Result<()> {
        if let Some(status) = self.child.try_wait()? {
            ensure!(status.success(), "exited ({status})");
        }
        Ok(())
    }

    fn drain(&mut self) {
        while let Ok(line) = self.lines.recv_timeout(Duration::from_millis(100)) {
            self.output.push(line);
        }
    }

    /// SIGTERM to the whole group, SIGKILL after `grace`; returns how it ended and everything
    /// it printed.
    pub fn stop(mut self, grace: Duration) -> (String, Vec<String>) {
        let how = self.terminate(grace);
        (how, self.output)
    }

    fn terminate(&mut self, grace: Duration) -> String {
        if let Ok(Some(status)) = self.child.try_wait() {
            self.drain();
            return format!("had already exited ({status})");
        }
        let group = format!("-{}", self.child.id());
        let signal = |name: &str| {
            let _ = Command::new("kill")
                .args(["-s", name, "--", &group])
                .stderr(Stdio::null())
                .status();
        };
        signal("TERM");
        let deadline = Instant::now() + grace;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                self.drain();
                return format!("stopped on SIGTERM ({status})");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        signal("KILL");
        let _ = self.child.wait();
        self.drain();
        format!("did not stop within {grace:?} of SIGTERM; killed")
    }
}

/// How a service showed that it started.
#[derive(Debug)]
pub enum Started {
    /// It listens on the `PORT` it was given (after printing `line`, if it did).
    Listening { line: Option<String> },
    /// It printed a readiness line and stayed up, without listening on `PORT`.
    Ready { line: String },
    /// It printed no readiness line, did not listen on `PORT`, and stayed up.
    StayedUp { after: Duration },
    /// It exited 0 (a one-shot worker or job).
    Exited {
        after: Duration,
        line: Option<String>,
    },
}

impl std::fmt::Display for Started {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Started::Listening { line: Some(line) } => write!(f, "listens on PORT ({line:?})"),
            Started::Listening { line: None } => write!(f, "listens on PORT"),
            Started::Ready { line } => write!(f, "printed {line:?} and stayed up"),
            Started::StayedUp { after } => write!(
                f,
                "stayed up {:.0}s (no readiness line, not listening on PORT)",
                after.as_secs_f64()
            ),
            Started::Exited { after, line } => write!(
                f,
                "exited 0 after {:.1}s{}",
                after.as_secs_f64(),
                line.as_ref()
                    .map(|l| format!(" ({l:?})"))
                    .unwrap_or_default()
            ),
        }
    }
}

/// Phrases services print once they serve ("listening on :3000", "api ready on 0.0.0.0:80").
const READY_PHRASES: &[&str] = &[
    "listening on",
    "listening at",
    "ready on",
    "ready at",
    "started on",
    "server started",
    "running on",
    "serving on",
];

fn is_ready_line(line: &str) -> bool {
    let line = line.to_ascii_lowercase();
    READY_PHRASES.iter().any(|p| line.contains(p))
}

fn port_open(port: u16) -> bool {
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
}

/// The health paths asked, in order; the first one that exists (answers anything but 404)
/// decides.
pub const HEALTH_PATHS: &[&str] = &["/healthz", "/health", "/readyz", "/ready", "/livez", "/"];

/// What [`probe_http`] found.
#[derive(Debug)]
pub enum Probe {
    /// `path` answered `status` (2xx or 3xx, or 4xx other than 404 on `/`).
    Answered { path: &'static str, status: String },
    /// The port speaks something other than HTTP/1.x.
    NotHttp(String),
}

/// Asks the [`HEALTH_PATHS`] on 127.0.0.1:port. A health path that exists must answer 2xx or
/// 3xx (a 4xx on `/` only means the service has nothing there); a 5xx is an error.
pub fn probe_http(port: u16) -> Result<Probe> {
    for path in HEALTH_PATHS {
        let status = match http_get(port, path) {
            Ok(status) => status,
            Err(err)
                if *path == HEALTH_PATHS[0]
                    && format!("{err:#}").contains("not an HTTP answer") =>
            {
                return Ok(Probe::NotHttp(format!("{err:#}")))
            }
            Err(err) => return Err(err),
        };
        let code: u16 = status
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .with_context(|| format!("no status code in {status:?}"))?;
        match code {
            404 if *path != "/" => continue,
            200..=399 => return Ok(Probe::Answered { path, status }),
            400..=499 if *path == "/" => return Ok(Probe::Answered { path, status }),
            _ => bail!("GET {path} answered {status:?}"),
        }
    }
    bail!("none of {HEALTH_PATHS:?} answered")
}

/// A TCP port nobody listens on right now (helpers share this machine).
pub fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(listener.local_addr()?.port())
}

/// `GET path` on 127.0.0.1:port; returns the status line.
pub fn http_get(port: u16, path: &str) -> Result<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))
        .with_context(|| format!("connecting to 127.0.0.1:{port}"))?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    let status = answer.lines().next().unwrap_or_default().to_owned();
    if !status.starts_with("HTTP/1.") {
        bail!("not an HTTP answer from 127.0.0.1:{port}{path}: {answer:?}");
    }
    Ok(status)
}
