//! Findings -> human | json | sarif | junit. Formatting only: the [`Report`] is built from
//! verdicts that `verify` computed; nothing here reads images, the workspace or the policy.
//! Nothing here prints either: [`Report::render`] returns the text and the CLI writes it.
//!
//! The JSON form of [`Report`] is the stable, versioned contract documented in
//! `docs/report-schema.json` (bump [`SCHEMA_VERSION`] on any incompatible change).

mod human;
mod junit;
pub mod rules;
mod sarif;

use serde::Serialize;

use crate::image::ArchiveFormat;
use crate::verify::run::{Checked, Outcome};
use crate::verify::{Finding, ServiceInfo, Severity, Skipped};

pub use human::render as human;
pub use junit::render as junit;
pub use sarif::render as sarif;

/// Version of the JSON report's schema.
pub const SCHEMA_VERSION: u32 = 1;

/// Output formats of `isogen verify`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Sarif,
    Junit,
}

/// Counts of findings by severity.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct Counts {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

impl Counts {
    fn of<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Counts {
        let mut c = Counts::default();
        for f in findings {
            match f.severity {
                Severity::Error => c.errors += 1,
                Severity::Warning => c.warnings += 1,
                Severity::Info => c.infos += 1,
            }
        }
        c
    }

    fn add(&mut self, o: Counts) {
        self.errors += o.errors;
        self.warnings += o.warnings;
        self.infos += o.infos;
    }
}

/// A layer of a checked image.
#[derive(Debug, Clone, Serialize)]
pub struct LayerInfo {
    pub index: usize,
    pub digest: String,
    pub size: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
}

/// One checked image.
#[derive(Debug, Clone, Serialize)]
pub struct ImageReport {
    /// The path given on the command line (`-` for stdin).
    pub source: String,
    pub format: ArchiveFormat,
    /// Names the archive gives the image.
    pub names: Vec<String>,
    /// `os/arch[/variant]` of the manifest checked.
    pub platform: String,
    /// Platforms of the other images of a multi-platform index: not checked.
    pub other_platforms: Vec<String>,
    pub manifest_digest: Option<String>,
    pub config_digest: String,
    pub layers: Vec<LayerInfo>,
    pub service: ServiceInfo,
    /// The Dockerfile that builds this service, relative to the workspace root, when known.
    pub dockerfile: Option<String>,
    /// No finding at or above the gate's threshold (`verify --fail-on`, default: error).
    pub passed: bool,
    pub counts: Counts,
    pub findings: Vec<Finding>,
    /// Rules that did not run for this image, and why.
    pub skipped: Vec<Skipped>,
    /// What `version-not-locked` and `integrity-not-locked` compared with the lockfile (with
    /// a workspace and its pnpm lockfile).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compared: Option<crate::verify::Compared>,
}

impl ImageReport {
    pub fn new(checked: Checked) -> ImageReport {
        let verdict = checked.verdict;
        let counts = Counts::of(&verdict.findings);
        ImageReport {
            source: checked.source.display().to_string(),
            format: checked.format,
            names: checked.names,
            platform: checked.platform,
            other_platforms: checked.other_platforms,
            manifest_digest: checked.manifest_digest,
            config_digest: checked.config_digest,
            layers: checked
                .layers
                .into_iter()
                .enumerate()
                .map(|(index, l)| LayerInfo {
                    index,
                    digest: l.digest,
                    size: l.size,
                    created_by: l.created_by,
                })
                .collect(),
            service: verdict.service,
            dockerfile: checked.dockerfile,
            passed: counts.errors == 0,
            counts,
            findings: verdict.findings,
            skipped: verdict.skipped,
            compared: verdict.compared,
        }
    }

    /// A short name for the image: its first name, else its source.
    pub fn title(&self) -> &str {
        self.names
            .first()
            .map_or(self.source.as_str(), |n| n.as_str())
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

/// The whole output of one `isogen verify` call.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool: Tool,
    /// The workspace the services were looked up in, when one was used.
    pub workspace: Option<String>,
    /// Every image passed: the exit code is then 0.
    pub passed: bool,
    pub counts: Counts,
    pub images: Vec<ImageReport>,
    /// The least severity that fails the gate (see [`Report::fail_on`]); JUnit reports those
    /// findings as failures.
    #[serde(skip)]
    pub fail_on: Severity,
}

impl Report {
    pub fn new(images: Vec<ImageReport>, workspace: Option<String>) -> Report {
        let mut counts = Counts::default();
        for i in &images {
            counts.add(i.counts);
        }
        Report {
            schema_version: SCHEMA_VERSION,
            tool: Tool {
                name: "isogen",
                version: env!("CARGO_PKG_VERSION"),
            },
            workspace,
            passed: counts.errors == 0,
            counts,
            images,
            fail_on: Severity::Error,
        }
    }

    /// The report of what one `isogen verify` call found.
    pub fn of(outcome: Outcome) -> Report {
        Report::new(
            outcome.images.into_iter().map(ImageReport::new).collect(),
            outcome.workspace.map(|w| w.display().to_string()),
        )
    }

    /// Judges every image against `least`, the least severity that fails the gate
    /// (`verify --fail-on`): `passed` says whether the gate passed, as the exit code does.
    pub fn fail_on(mut self, least: Severity) -> Report {
        for img in &mut self.images {
            img.passed = img.findings.iter().all(|f| f.severity < least);
        }
        self.passed = self.images.iter().all(|i| i.passed);
        self.fail_on = least;
        self
    }

    pub fn json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// The report in `format`; `color` only matters for `human`.
    pub fn render(&self, format: Format, color: bool) -> String {
        match format {
            Format::Human => human(self, color),
            Format::Json => self.json(),
            Format::Sarif => sarif(self),
            Format::Junit => junit(self),
        }
    }
}

#[cfg(test)]
mod tests;
