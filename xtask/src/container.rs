//! Running a built image the way a container runtime would, without a daemon: `buildah from`
//! gives a working container with the image's config (user, working folder, env), `buildah run`
//! starts a process in it. With `--isolation chroot` the process shares the host's network, so
//! the service's port is reachable from here.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
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
                "vfs",
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
    /// Waits for a line containing `needle`; fails when the process exits first or on timeout.
    pub fn wait_for_line(&mut self, needle: &str, timeout: Duration) -> Result<String> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                bail!("no line containing {needle:?} within {timeout:?}");
            }
            match self
                .lines
                .recv_timeout(left.min(Duration::from_millis(200)))
            {
                Ok(line) => {
                    self.output.push(line.clone());
                    if line.contains(needle) {
                        return Ok(line);
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if let Some(status) = self.child.try_wait()? {
                        self.drain();
                        bail!("exited ({status}) before printing a line containing {needle:?}");
                    }
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    let status = self.child.wait()?;
                    bail!("exited ({status}) before printing a line containing {needle:?}");
                }
            }
        }
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
