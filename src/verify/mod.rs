//! `isogen verify`: rules over (merged image tree, image config, workspace, policy) -> findings.
//!
//! Flow: [`capture`] tells the image reader which small files to keep (from the image config
//! once it is known: the entrypoint's file, plus every `package.json`, passwd/group, npm and
//! credential files...); [`check`] then derives [`facts`] from the read image, finds the service
//! in it ([`subject`]), analyses the entrypoint ([`launch`]) and runs the [`rules`].
//!
//! Rules never do I/O: everything they look at was read before. The rule list, ids and
//! severities are in [`diags`]; the `[verify]` policy in [`cfg`](mod@cfg).
//!
//! `verify` returns findings as data: it never formats a report, prints or draws (the CLI
//! does, with `report`), and it never imports `report` or `generate`. The only I/O is in
//! [`run`].

mod capture;
pub(crate) mod cfg;
pub(crate) mod diags;
pub(crate) mod facts;
pub(crate) mod fs;
pub mod gate;
pub(crate) mod launch;
mod launch_script;
mod launch_steps;
pub(crate) mod modgraph;
mod rules;

pub use rules::Compared;
pub mod run;
pub(crate) mod subject;
#[cfg(test)]
pub(crate) mod testkit;
pub mod users;

use serde::Serialize;

pub use capture::{capture, CAPTURE_MAX_BYTES, SOURCES_BUDGET, SOURCE_MAX_BYTES};
pub use cfg::{Policy, VerifyConfig};
pub use diags::{lookup as lookup_rule, Rule, RuleId, Severity, RULES};

use crate::error::{Error, Result};
use crate::image::Image;
use crate::workspace::Workspace;

/// The label isogen's Dockerfiles put on the final stage, naming the service.
pub const SERVICE_LABEL: &str = "dev.isogen.service";

/// A layer, as findings name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LayerRef {
    /// Position in the image's layer list (0 = the base's first layer).
    pub index: usize,
    /// Digest of the layer blob (`sha256:...`).
    pub digest: String,
    /// The build step that made it, when the config's history says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
}

/// How a shipped-but-hidden path was hidden.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HiddenBy {
    /// `deleted` (a whiteout or opaque directory) or `overwritten`.
    pub how: &'static str,
    /// The layer that hid it.
    pub layer: LayerRef,
}

/// One violation.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// Stable rule id (see [`diags::RULES`]).
    pub rule: RuleId,
    pub severity: Severity,
    pub message: String,
    /// Offending paths in the image (a folder stands for everything below it).
    pub paths: Vec<String>,
    /// Offending config values (`User: root`, `Cmd: [...]`) or manifest entries.
    pub values: Vec<String>,
    /// The layer that added the paths (None for config findings).
    pub layer: Option<LayerRef>,
    /// Set when the paths are not visible in the final filesystem but still ship in a layer.
    pub hidden: Option<HiddenBy>,
    pub hint: &'static str,
}

impl Finding {
    pub(crate) fn new(
        rule: RuleId,
        message: String,
        paths: Vec<String>,
        values: Vec<String>,
        layer: Option<LayerRef>,
        hidden: Option<HiddenBy>,
    ) -> Finding {
        let r = rule.rule();
        let message = match &hidden {
            Some(h) => diags::shipped_but_hidden(h.how, h.layer.index, &message),
            None => message,
        };
        Finding {
            rule,
            severity: r.default_severity,
            message,
            paths,
            values,
            layer,
            hidden,
            hint: r.hint,
        }
    }
}

/// Where the service's name came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NameSource {
    /// `--service`.
    Flag,
    /// The `dev.isogen.service` label.
    Label,
    /// The image's name (`registry/team/billing:1.4`), which names a service of the workspace.
    ImageName,
}

/// The service as found in one image.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceInfo {
    pub name: String,
    pub name_from: NameSource,
    /// `pnpm` or `cargo`, when known.
    pub ecosystem: Option<crate::workspace::Ecosystem>,
    /// The service's package folder in the image.
    pub root: Option<String>,
    /// The service's binary in the image.
    pub binary: Option<String>,
    /// The app root the layout rules used.
    pub app_root: Option<String>,
}

/// A rule that did not run, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Skipped {
    pub rule: RuleId,
    pub reason: String,
}

/// The outcome for one image.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    pub service: ServiceInfo,
    pub findings: Vec<Finding>,
    pub skipped: Vec<Skipped>,
    /// What the lockfile rules compared (with `--workspace` and a pnpm lockfile).
    pub compared: Option<Compared>,
}

impl Verdict {
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Error)
    }
}

/// What `verify` is asked.
pub struct Request<'a> {
    /// `--service`.
    pub service: Option<&'a str>,
    pub workspace: Option<&'a Workspace>,
    pub config: &'a VerifyConfig,
    /// The config file, for errors about it.
    pub config_path: std::path::PathBuf,
}

/// The service an image is checked as: `--service`, else the image's `dev.isogen.service` label.
pub fn service_name(image: &Image, flag: Option<&str>) -> Result<(String, NameSource)> {
    if let Some(name) = flag {
        return Ok((name.to_string(), NameSource::Flag));
    }
    let labels = facts::RuntimeConfig::from_image(image).labels;
    match labels.get(SERVICE_LABEL).filter(|v| !v.trim().is_empty()) {
        Some(name) => Ok((name.trim().to_string(), NameSource::Label)),
        None => Err(Error::image(
            &image.source,
            format!(
                "cannot tell which service this image is: it has no {SERVICE_LABEL} label (and its name is not a service of a workspace); pass --service NAME (a service's folder or package name)"
            ),
        )),
    }
}

/// The workspace service an image's name names (the last part of `registry/team/billing:1.4`),
/// for images that say nothing else about what they are.
fn service_from_image_name(image: &Image, ws: &Workspace) -> Option<String> {
    image.names.iter().find_map(|n| {
        let n = n.split('@').next().unwrap_or(n);
        let last = n.rsplit('/').next().unwrap_or(n);
        let repo = last.split(':').next().unwrap_or(last);
        ws.services
            .iter()
            .find(|s| s.name == repo)
            .map(|s| s.name.clone())
    })
}

/// Checks one read image.
pub fn check(image: &Image, req: &Request) -> Result<Verdict> {
    check_on(image, req, None)
}

/// [`check`], with the path rules on `threads` threads (None: as many as the image is worth).
fn check_on(image: &Image, req: &Request, threads: Option<usize>) -> Result<Verdict> {
    let (name, name_from) = match service_name(image, req.service) {
        Ok(found) => found,
        Err(e) => match req
            .workspace
            .and_then(|ws| service_from_image_name(image, ws))
        {
            Some(name) => (name, NameSource::ImageName),
            None => return Err(e),
        },
    };
    let ws_service = match req.workspace {
        Some(ws) => Some((ws, workspace_service(image, req, ws, &name, name_from)?)),
        None => None,
    };
    let canonical = ws_service.map_or(name.clone(), |(_, s)| s.name.clone());
    let policy = req.config.policy_for(&canonical);
    let facts = facts::Facts::new(image);
    let launch = launch::analyse(&facts.config, &facts.fs);
    let build_script = req.config.build_script.as_deref().unwrap_or("build");
    let subject = subject::identify(
        &facts,
        &launch,
        &canonical,
        ws_service.map(|(w, s)| (w, s, build_script)),
        policy.app_root.as_deref(),
    );
    let ctx = rules::Ctx {
        facts: &facts,
        subject: &subject,
        launch: &launch,
        policy: &policy,
        owners: Default::default(),
    };
    let mut findings = rules::run(&ctx, threads);
    for f in &mut findings {
        f.hint = diags::hint_for(f.rule, &f.message, req.workspace.is_some());
    }
    let skipped = skipped(req.workspace.is_some(), &subject, &policy);
    let compared = rules::compared(&ctx);
    Ok(Verdict {
        service: ServiceInfo {
            name: canonical,
            name_from,
            ecosystem: subject.ecosystem,
            root: subject.root.clone(),
            binary: subject.binary.clone(),
            app_root: subject.app_root.clone(),
        },
        findings,
        skipped,
        compared,
    })
}

/// The workspace's service called `name` (found from `name_from`); an error when the
/// workspace has no such service, or when the policy configures a service it does not have.
fn workspace_service<'w>(
    image: &Image,
    req: &Request,
    ws: &'w Workspace,
    name: &str,
    name_from: NameSource,
) -> Result<&'w crate::workspace::Service> {
    let known = || {
        ws.services
            .iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let Some(s) = ws.service(name) else {
        let known = known();
        return Err(Error::Usage(format!(
            "{}: service {name:?} (from {}) is not a service of the workspace at {} (services: {})",
            image.source.display(),
            match name_from {
                NameSource::Flag => "--service",
                NameSource::Label => SERVICE_LABEL,
                NameSource::ImageName => "the image name",
            },
            ws.root.display(),
            if known.is_empty() { "none" } else { &known }
        )));
    };
    for key in req.config.services.keys() {
        if ws.services.iter().all(|s| &s.name != key) {
            return Err(Error::config(
                &req.config_path,
                format!(
                    "[verify.services.{key}]: no service named {key:?} in the workspace (services: {})",
                    known()
                ),
            ));
        }
    }
    Ok(s)
}

/// The rules that did not run for this image, and why: those that need a workspace when
/// there is none, the app-root rules when no app root could be told, those the policy turns
/// off.
fn skipped(has_workspace: bool, subject: &subject::Subject, policy: &Policy) -> Vec<Skipped> {
    let mut skipped = Vec::new();
    let cargo = subject.ecosystem == Some(crate::workspace::Ecosystem::Cargo);
    if !has_workspace {
        for r in RULES.iter().filter(|r| r.needs_workspace) {
            let reason = match r.id {
                RuleId::VersionNotLocked | RuleId::IntegrityNotLocked if cargo => continue,
                RuleId::VersionNotLocked | RuleId::IntegrityNotLocked => {
                    diags::skip::NO_WORKSPACE_LOCKFILE
                }
                _ => diags::skip::NO_WORKSPACE,
            };
            skipped.push(Skipped {
                rule: r.id,
                reason: reason.into(),
            });
        }
    }
    let pnpm = subject.ecosystem == Some(crate::workspace::Ecosystem::Pnpm);
    if has_workspace && pnpm && subject.locked.is_none() {
        for rule in [RuleId::VersionNotLocked, RuleId::IntegrityNotLocked] {
            skipped.push(Skipped {
                rule,
                reason: diags::skip::NO_LOCKED_CLOSURE.into(),
            });
        }
    }
    let no_lock = match &subject.installed {
        Some(subject::InstalledLock::Absent { path }) => Some(diags::skip::no_installed_lock(path)),
        None if subject.locked.is_some() => Some(diags::skip::NO_INSTALL_ROOT.into()),
        _ => None,
    };
    if let Some(reason) = no_lock {
        skipped.push(Skipped {
            rule: RuleId::IntegrityNotLocked,
            reason,
        });
    }
    if let Some(note) = &subject.app_root_note {
        for rid in [RuleId::AppRootForeign, RuleId::InternalPackageExtra] {
            skipped.push(Skipped {
                rule: rid,
                reason: diags::skip::no_app_root(note),
            });
        }
    }
    skipped.retain(|s| policy.severity(s.rule.rule()).is_some());
    for r in RULES.iter().filter(|r| policy.severity(r).is_none()) {
        let reason = if policy.set_by_run.contains(&r.id) {
            diags::skip::ALLOWED_BY_RUN
        } else {
            diags::skip::TURNED_OFF
        };
        skipped.push(Skipped {
            rule: r.id,
            reason: reason.into(),
        });
    }
    skipped
}

#[cfg(test)]
mod graph_tests;
#[cfg(test)]
mod nested_tests;
#[cfg(test)]
pub(crate) mod tests;
