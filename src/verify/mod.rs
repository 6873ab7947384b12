//! `isogen verify`: rules over (merged image tree, image config, workspace, policy) -> findings.
//!
//! Flow: [`capture`] tells the image reader which small files to keep (from the image config
//! once it is known: the entrypoint's file, plus every `package.json`, passwd/group, npm and
//! credential files...); [`check`] then derives [`facts`] from the read image, finds the service
//! in it ([`subject`]), analyses the entrypoint ([`launch`]) and runs the [`rules`].
//!
//! Rules never do I/O: everything they look at was read before. The rule list, ids and
//! severities are in [`diags`]; the `[verify]` policy in [`cfg`].

pub mod cfg;
pub mod diags;
pub mod facts;
pub mod fs;
pub mod gate;
pub mod launch;
mod rules;
pub mod run;
pub mod subject;
#[cfg(test)]
pub(crate) mod testkit;

use serde::Serialize;

pub use cfg::{Policy, VerifyConfig};
pub use diags::{Rule, RuleId, Severity, RULES};

use crate::error::{Error, Result};
use crate::image::{Capture, Image};
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
    };
    let findings = rules::run(&ctx);
    let skipped = skipped(req.workspace.is_some(), &subject, &policy);
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
    if !has_workspace {
        for r in RULES.iter().filter(|r| r.needs_workspace) {
            skipped.push(Skipped {
                rule: r.id,
                reason: diags::skip::NO_WORKSPACE.into(),
            });
        }
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

/// Largest file content kept in memory per captured file.
pub const CAPTURE_MAX_BYTES: u64 = 1 << 20;

/// What the image reader must capture for the rules, given the image's run-time config (the
/// entrypoint's candidate files) when it is known.
pub fn capture(config: Option<&facts::RuntimeConfig>) -> Capture {
    let (paths, names) = config.map(launch::wanted_paths).unwrap_or_default();
    let paths: std::collections::HashSet<String> = paths.into_iter().collect();
    Capture {
        wants: Box::new(move |path: &str| wants(path, &paths, &names)),
        max_bytes: CAPTURE_MAX_BYTES,
    }
}

fn wants(path: &str, paths: &std::collections::HashSet<String>, names: &[String]) -> bool {
    let base = fs::basename(path);
    if paths.contains(path) {
        return true;
    }
    if matches!(
        base,
        "package.json"
            | ".npmrc"
            | "npmrc"
            | ".yarnrc"
            | ".yarnrc.yml"
            | ".pypirc"
            | "config.json"
            | "credentials"
            | "credentials.toml"
    ) || path == "/etc/passwd"
        || path == "/etc/group"
        || facts::is_package_db(path)
    {
        return true;
    }
    let in_nm = fs::in_node_modules(path);
    if in_nm {
        return false;
    }
    if base.starts_with(".env") {
        return true;
    }
    let ext = base.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    if matches!(ext, "pem" | "key" | "p8" | "ppk") {
        return true;
    }
    // Private keys are told by content, and often carry no extension: anything in `.ssh`
    // (`deploy_key`, `github`), and extension-less files in folders named for keys. Not every
    // extension-less file: binaries are (a Cargo service's is one).
    let folder = fs::basename(fs::parent(path)).to_ascii_lowercase();
    if folder == ".ssh"
        || (ext.is_empty()
            && matches!(
                folder.as_str(),
                "keys"
                    | "key"
                    | "certs"
                    | "cert"
                    | "secrets"
                    | "secret"
                    | "ssl"
                    | "tls"
                    | "private"
            ))
    {
        return true;
    }
    if ext == "json" && !fs::is_within(path, "/usr") {
        return true;
    }
    // Start scripts and symlinked entrypoints: files named like a word of the entrypoint.
    names.iter().any(|n| n == base)
        || (base.ends_with(".sh")
            && ["/", "/usr/local/bin", "/usr/bin", "/bin"].contains(&fs::parent(path)))
}

#[cfg(test)]
pub(crate) mod tests;
