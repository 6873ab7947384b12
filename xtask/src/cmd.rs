//! Running external tools (buildah, skopeo, cargo, node) with the command line echoed and
//! failures turned into errors that name the command, so an xtask never fails silently.
//!
//! Everything buildah-related goes through [`buildah`], which always adds
//! `--storage-driver vfs`: the container storage on this machine is shared and uses vfs.
//! `ISOGEN_STORAGE_DRIVER=overlay` picks the kernel's overlay driver instead, for a storage of
//! your own on a file system that supports it (no full copy of the root file system per layer).

use std::ffi::OsStr;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use anyhow::{bail, Context, Result};

/// A command to run, with a printable form kept for messages.
pub struct Cmd {
    inner: Command,
    quiet: bool,
}

impl Cmd {
    pub fn new(program: impl AsRef<OsStr>) -> Self {
        Cmd {
            inner: Command::new(program),
            quiet: false,
        }
    }

    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.inner.arg(arg);
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.inner.args(args);
        self
    }

    pub fn current_dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.inner.current_dir(dir);
        self
    }

    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.inner.env(key, value);
        self
    }

    /// Do not echo the command line (for chatty polling commands).
    pub fn quiet(mut self) -> Self {
        self.quiet = true;
        self
    }

    /// The command line as a user would type it (for messages).
    pub fn display(&self) -> String {
        let mut parts = vec![self.inner.get_program().to_string_lossy().into_owned()];
        for arg in self.inner.get_args() {
            let arg = arg.to_string_lossy();
            if arg.is_empty() || arg.contains(|c: char| c.is_whitespace() || c == '"') {
                parts.push(format!("{arg:?}"));
            } else {
                parts.push(arg.into_owned());
            }
        }
        parts.join(" ")
    }

    fn echo(&self) {
        if !self.quiet {
            eprintln!("$ {}", self.display());
        }
    }

    /// Runs with inherited stdio; a non-zero exit is an error naming the command.
    pub fn run(mut self) -> Result<()> {
        self.echo();
        let line = self.display();
        let status = self
            .inner
            .status()
            .with_context(|| format!("could not start `{line}`"))?;
        if !status.success() {
            bail!("`{line}` failed ({status})");
        }
        Ok(())
    }

    /// Runs capturing stdout and stderr, whatever the exit status.
    pub fn output_raw(mut self) -> Result<Output> {
        self.echo();
        let line = self.display();
        self.inner.stdin(Stdio::null());
        self.inner
            .output()
            .with_context(|| format!("could not start `{line}`"))
    }

    /// Runs capturing stdout (trimmed); a non-zero exit is an error carrying stderr.
    pub fn read(self) -> Result<String> {
        let line = self.display();
        let out = self.output_raw()?;
        if !out.status.success() {
            bail!(
                "`{line}` failed ({}):\n{}{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    }
}

/// `buildah --storage-driver vfs ...` (or the driver `ISOGEN_STORAGE_DRIVER` names).
pub fn buildah() -> Cmd {
    Cmd::new("buildah").args(["--storage-driver", &storage_driver()])
}

/// The storage driver every buildah call uses: vfs unless `ISOGEN_STORAGE_DRIVER` says otherwise.
pub fn storage_driver() -> String {
    std::env::var("ISOGEN_STORAGE_DRIVER").unwrap_or_else(|_| "vfs".to_owned())
}

/// Whether a program is on PATH (used to decide what `cargo xtask ci` must install).
pub fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
        .unwrap_or(false)
}
