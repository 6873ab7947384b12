//! `isogen verify` end to end: load the policy, find the workspace, read each image (with the
//! capture the rules need), check it, and gather one [`Report`]. The only part of `verify` that
//! does I/O; `main.rs` parses flags and prints.
//!
//! Every image is read and checked before anything is reported: an unusable input (exit 2)
//! never leaves a half-printed report behind.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::config::{Config, FILE_NAME};
use crate::error::{Error, Result};
use crate::image::{self, Image, OpenOptions};
use crate::report::{ImageReport, Report};
use crate::workspace::{Ecosystem, Workspace};

/// What the command line asks.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub images: Vec<PathBuf>,
    pub service: Option<String>,
    /// `--workspace`; None: the current directory when it is a workspace.
    pub workspace: Option<PathBuf>,
    /// `--config`; None: `isogen.toml` at the workspace root (or the current directory).
    pub config: Option<PathBuf>,
    pub platform: Option<String>,
    /// Show a spinner on stderr while large images are read (only drawn on a terminal).
    pub progress: bool,
    /// `--allow/--warn/--deny RULE`: rule levels over the policy's (see [`super::gate`]).
    pub overrides: std::collections::BTreeMap<&'static str, super::cfg::Level>,
}

/// Inputs whose layers are larger than this get a progress bar.
const LARGE: u64 = 16 << 20;

fn progress_bar(path: &Path, total: u64, enabled: bool) -> Option<indicatif::ProgressBar> {
    if !enabled || total < LARGE {
        return None;
    }
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(total),
        indicatif::ProgressDrawTarget::stderr(),
    );
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} {msg} [{bar:30}] {bytes}/{total_bytes} ({elapsed})",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.set_message(format!("reading {}", path.display()));
    bar.enable_steady_tick(Duration::from_millis(120));
    Some(bar)
}

/// Reads one image in two steps: its config first, then its layers with what the rules need
/// captured (which depends on the entrypoint the config names).
pub fn read_image(path: &Path, platform: Option<&str>, progress: bool) -> Result<Image> {
    let options = OpenOptions {
        platform: platform.map(String::from),
    };
    let opened = image::open(path, &options)?;
    let runtime = super::facts::RuntimeConfig::from_config(&opened.config);
    let capture = super::capture(Some(&runtime));
    let bar = progress_bar(path, opened.layer_bytes(), progress);
    let read = match &bar {
        Some(b) => opened.read_tree_with_progress(&capture, &|n| b.inc(n)),
        None => opened.read_tree(&capture),
    };
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    if let Ok(image) = &read {
        if image.captures_skipped > 0 {
            eprintln!(
                "warning: {}: the content of {} more files the rules read was not kept: the image's captured files reached isogen's limit of {} MiB in memory; rules see those files as unreadable",
                path.display(),
                image.captures_skipped,
                image::MAX_CAPTURED_BYTES >> 20
            );
        }
    }
    read
}

fn load_config(opts: &Options, ws_root: Option<&Path>) -> Result<Config> {
    match (&opts.config, ws_root) {
        (Some(path), _) => Config::load(path),
        (None, Some(root)) => Config::load_from_root(root),
        (None, None) => Config::load_from_root(Path::new(".")),
    }
}

/// The Dockerfile that builds the service, relative to the workspace root, when it exists.
fn dockerfile(ws: &Workspace, service: &str) -> Option<String> {
    let s = ws.service(service)?;
    let package = ws.service_package(s);
    let dir = &package.dir;
    // Where generate writes it first (`<bin>.Dockerfile` for one of several binaries of a
    // Cargo package), then the names people give hand-written ones.
    let generated = match package.ecosystem {
        Ecosystem::Cargo => Some(crate::generate::cargo::dockerfile_path(ws, s)),
        Ecosystem::Pnpm => None,
    };
    let in_dir = |f: String| {
        if dir.is_empty() {
            f
        } else {
            format!("{dir}/{f}")
        }
    };
    generated
        .into_iter()
        .chain(
            [format!("Dockerfile.{}", s.name), "Dockerfile".to_string()]
                .into_iter()
                .map(in_dir),
        )
        .find(|rel| ws.root.join(rel).is_file())
}

pub fn run(opts: &Options) -> Result<Report> {
    if opts.images.is_empty() {
        return Err(Error::Usage("no image given".into()));
    }
    if opts.images.iter().filter(|p| p.as_os_str() == "-").count() > 1 {
        return Err(Error::Usage("`-` (stdin) can be given only once".into()));
    }
    let ws_root = match &opts.workspace {
        Some(dir) => {
            if !Workspace::is_workspace(dir) {
                return Err(Error::workspace(
                    dir,
                    "not a workspace: no pnpm-workspace.yaml and no Cargo.toml with [workspace]",
                ));
            }
            Some(dir.clone())
        }
        None => Workspace::is_workspace(Path::new(".")).then(|| PathBuf::from(".")),
    };
    let mut config = load_config(opts, ws_root.as_deref())?;
    config.verify.overrides = opts.overrides.clone();
    let config_path = opts
        .config
        .clone()
        .or_else(|| config.source.clone())
        .unwrap_or_else(|| PathBuf::from(FILE_NAME));
    let workspace = match &ws_root {
        Some(root) => Some(Workspace::discover(root, &config.workspace)?),
        None => None,
    };

    let mut reports = Vec::new();
    let mut unused = Vec::new();
    for path in &opts.images {
        let image = read_image(path, opts.platform.as_deref(), opts.progress)?;
        let verdict = super::check(
            &image,
            &super::Request {
                service: opts.service.as_deref(),
                workspace: workspace.as_ref(),
                config: &config.verify,
                config_path: config_path.clone(),
            },
        )?;
        let df = workspace
            .as_ref()
            .and_then(|ws| dockerfile(ws, &verdict.service.name));
        let policy = config.verify.policy_for(&verdict.service.name);
        unused.push((
            path.display().to_string(),
            super::gate::unused_allows(&policy, &image),
        ));
        reports.push(ImageReport::new(&image, verdict, df));
    }
    let ws_display = workspace.as_ref().map(|w| {
        std::fs::canonicalize(&w.root)
            .unwrap_or_else(|_| w.root.clone())
            .display()
            .to_string()
    });
    let mut report = Report::new(reports, ws_display);
    report.warnings = super::gate::unused_allow_warnings(&unused);
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Workspace {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name);
        Workspace::discover(&root, &Default::default()).unwrap()
    }

    /// The report points at the Dockerfile generate wrote: `<bin>.Dockerfile` for one of
    /// several binaries of a package, `Dockerfile` otherwise.
    #[test]
    fn the_dockerfile_a_report_names_is_the_generated_one() {
        let ws = fixture("cargo-platform");
        assert_eq!(
            dockerfile(&ws, "billing-export").as_deref(),
            Some("services/billing/api/billing-export.Dockerfile")
        );
        let ws = Workspace::discover(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("services-example"),
            &Default::default(),
        )
        .unwrap();
        for (service, file) in [
            ("billing", "services/billing/Dockerfile"),
            ("ledger", "crates/ledger/Dockerfile"),
            (
                "inventory-sync",
                "crates/inventory/inventory-sync.Dockerfile",
            ),
        ] {
            assert_eq!(dockerfile(&ws, service).as_deref(), Some(file));
        }
        assert_eq!(dockerfile(&ws, "no-such-service"), None);
    }
}
