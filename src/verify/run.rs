//! `isogen verify` end to end, once the caller has loaded the policy and the workspace: read
//! each image (with the capture the rules need), check it, find the Dockerfile that builds its
//! service, and return what was found about each image as data ([`Outcome`]). The only part of
//! `verify` that does I/O.
//!
//! It never reads `isogen.toml` (the CLI loads it once and hands over `[verify]`), and it never
//! formats, prints or draws: progress and warnings go to the caller's [`Observer`] as data, and
//! the caller turns the [`Outcome`] into a report. Every image is read and checked before
//! anything is reported: an unusable input (exit 2) never leaves a half-printed report behind.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::image::{self, ArchiveFormat, Image, Layer, OpenOptions};
use crate::workspace::{Ecosystem, Workspace};

use super::{Request, Verdict};

/// What the command line asks, with the policy and the workspace already loaded.
pub struct Options<'a> {
    /// Image tarballs, OCI layout directories, or `-` for stdin (once).
    pub images: Vec<PathBuf>,
    /// `os/arch[/variant]` to pick from multi-platform images.
    pub platform: Option<String>,
    /// What every image is checked against: `--service`, the workspace, the policy.
    pub request: Request<'a>,
}

/// Something the caller may want to tell the user while images are read; never a reason to
/// stop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Warning {
    /// Files the rules read whose content was not kept: the image's captured files reached
    /// [`image::MAX_CAPTURED_BYTES`]; the rules see them as unreadable.
    CapturesSkipped {
        image: PathBuf,
        files: u64,
        limit_bytes: u64,
    },
    /// An allow glob of the policy matched nothing in the images (see
    /// [`super::gate::unused_allow_warnings`]); the message names it and its line.
    UnusedAllow { message: String },
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Warning::CapturesSkipped {
                image,
                files,
                limit_bytes,
            } => write!(
                f,
                "{}: the content of {files} more files the rules read was not kept: the image's captured files reached isogen's limit of {} MiB in memory; rules see those files as unreadable",
                image.display(),
                limit_bytes >> 20
            ),
            Warning::UnusedAllow { message } => f.write_str(message),
        }
    }
}

/// Told what [`run`] is doing, as it happens. The CLI draws a progress bar and prints the
/// warnings; the defaults ignore everything.
pub trait Observer {
    /// The layers of the image at `path` (`stored_bytes` in all) are about to be read. A sink
    /// returned here is told the number of stored bytes of each read, from several threads.
    fn reading(&mut self, _path: &Path, _stored_bytes: u64) -> Option<Box<dyn Fn(u64) + Sync>> {
        None
    }

    /// The layers of the image at `path` were read, or failed to be.
    fn read(&mut self, _path: &Path) {}

    fn warning(&mut self, _warning: Warning) {}
}

/// Ignores everything.
impl Observer for () {}

/// One checked image: what a report says about it. The image's file tree is not kept.
#[derive(Debug, Clone)]
pub struct Checked {
    /// What the user passed (a path, or `-`).
    pub source: PathBuf,
    pub format: ArchiveFormat,
    /// Names the archive gives the image.
    pub names: Vec<String>,
    /// `os/arch[/variant]` of the manifest checked.
    pub platform: String,
    /// Platforms of the other images of a multi-platform index: not checked.
    pub other_platforms: Vec<String>,
    pub manifest_digest: Option<String>,
    pub config_digest: String,
    pub layers: Vec<Layer>,
    pub verdict: Verdict,
    /// The Dockerfile that builds this service, relative to the workspace root, when known.
    pub dockerfile: Option<String>,
}

impl Checked {
    /// Keeps what a report needs of `image` (dropping its file tree).
    pub fn new(image: Image, verdict: Verdict, dockerfile: Option<String>) -> Checked {
        let Image {
            source,
            format,
            names,
            platform,
            other_platforms,
            manifest_digest,
            config_digest,
            layers,
            tree,
            ..
        } = image;
        release(tree);
        Checked {
            source,
            format,
            names,
            platform,
            other_platforms,
            manifest_digest,
            config_digest,
            layers,
            verdict,
            dockerfile,
        }
    }
}

/// Entries from which a tree is freed on a thread of its own (a thread costs tens of
/// microseconds; freeing 2,000 entries about a tenth of a millisecond).
const FREE_APART: usize = 2_000;

/// Frees a big tree on another thread, while the report is written (freeing 200k entries took
/// ~15 ms of the serial tail; the process may end before it is done, which is as good).
fn release(tree: image::MergedTree) {
    if tree.entries.len() + tree.hidden.len() < FREE_APART {
        return;
    }
    // Should the thread not start, the tree is freed here, with the closure.
    let _ = std::thread::Builder::new()
        .name("free-tree".into())
        .spawn(move || drop(tree));
}

/// Everything one `isogen verify` call found.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// In the order the images were given.
    pub images: Vec<Checked>,
    /// The workspace the services were looked up in (canonical when it could be), when one
    /// was used.
    pub workspace: Option<PathBuf>,
}

/// Reads one image in two steps: its config first, then its layers with what the rules need
/// captured (which depends on the entrypoint the config names).
/// `workspace`: its packages' copies in `node_modules` are read as the service's code.
pub fn read_image(
    path: &Path,
    platform: Option<&str>,
    workspace: Option<&Workspace>,
    observer: &mut dyn Observer,
) -> Result<Image> {
    let options = OpenOptions {
        platform: platform.map(String::from),
    };
    let opened = image::open(path, &options)?;
    let runtime = super::facts::RuntimeConfig::from_config(&opened.config);
    let packages = workspace
        .map(|ws| ws.packages.iter().map(|p| p.name.clone()).collect())
        .unwrap_or_default();
    let capture = super::capture(Some(&runtime), packages);
    let read = match observer.reading(path, opened.layer_bytes()) {
        Some(sink) => opened.read_tree_with_progress(&capture, &*sink),
        None => opened.read_tree(&capture),
    };
    observer.read(path);
    if let Ok(image) = &read {
        if image.captures_skipped > 0 {
            observer.warning(Warning::CapturesSkipped {
                image: path.to_path_buf(),
                files: image.captures_skipped,
                limit_bytes: image::MAX_CAPTURED_BYTES,
            });
        }
    }
    read
}

/// The image arguments make sense: at least one, and stdin at most once. Checked before
/// anything is loaded.
pub fn check_images(images: &[PathBuf]) -> Result<()> {
    if images.is_empty() {
        return Err(Error::Usage("no image given".into()));
    }
    if images.iter().filter(|p| p.as_os_str() == "-").count() > 1 {
        return Err(Error::Usage("`-` (stdin) can be given only once".into()));
    }
    Ok(())
}

/// The Dockerfile that builds the service, relative to the workspace root, when it exists.
fn dockerfile(ws: &Workspace, service: &str) -> Option<String> {
    let s = ws.service(service)?;
    let package = ws.service_package(s);
    let dir = &package.dir;
    // Where generate writes it first (`<bin>.Dockerfile` for one of several binaries of a
    // Cargo package), then the names people give hand-written ones.
    let generated = match package.ecosystem {
        Ecosystem::Cargo => Some(ws.dockerfile_path(s)),
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

/// Checks every image of `opts`, telling `observer` what happens as it goes.
pub fn run(opts: &Options, observer: &mut dyn Observer) -> Result<Outcome> {
    check_images(&opts.images)?;
    let workspace = opts.request.workspace;
    let mut images = Vec::new();
    let mut unused = Vec::new();
    for path in &opts.images {
        let image = read_image(path, opts.platform.as_deref(), workspace, observer)?;
        let verdict = super::check(&image, &opts.request)?;
        let df = workspace.and_then(|ws| dockerfile(ws, &verdict.service.name));
        let policy = opts.request.config.policy_for(&verdict.service.name);
        unused.push((
            path.display().to_string(),
            super::gate::unused_allows(&policy, &image),
        ));
        images.push(Checked::new(image, verdict, df));
    }
    for message in super::gate::unused_allow_warnings(&unused) {
        observer.warning(Warning::UnusedAllow { message });
    }
    let workspace =
        workspace.map(|w| std::fs::canonicalize(&w.root).unwrap_or_else(|_| w.root.clone()));
    Ok(Outcome { images, workspace })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The warning the CLI prints when an image's captured files reach the memory limit.
    #[test]
    fn the_captures_warning_names_the_image_and_the_limit() {
        let warning = Warning::CapturesSkipped {
            image: PathBuf::from("big.tar"),
            files: 3,
            limit_bytes: image::MAX_CAPTURED_BYTES,
        };
        insta::assert_snapshot!(warning.to_string(), @"big.tar: the content of 3 more files the rules read was not kept: the image's captured files reached isogen's limit of 256 MiB in memory; rules see those files as unreadable");
    }

    fn fixture(name: &str) -> Workspace {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name);
        let config = crate::config::Config::load_from_root(&root).unwrap();
        Workspace::discover(&root, &config.workspace).unwrap()
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
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("services-example");
        let config = crate::config::Config::load_from_root(&root).unwrap();
        let ws = Workspace::discover(&root, &config.workspace).unwrap();
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
