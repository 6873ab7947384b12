//! `generate --force` over hand-written Dockerfiles: reads each one that a run would replace,
//! asks `generate::carry` what to keep, adds the kept settings to isogen.toml's text and
//! loads that text as the run's config, so the Dockerfiles are rendered with them and the
//! next `generate --check` agrees. Nothing is written here; the caller writes isogen.toml
//! (before the Dockerfiles) once every file has rendered, or, for `generate --check --force`,
//! prints [`preview`] of it instead.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use isogen::config::Config;
use isogen::generate::carry::{self, Target, Verdict};
use isogen::generate::{write, GeneratedFile, DOCKERFILE};
use isogen::workspace::{Ecosystem, Workspace};
use isogen::{Error, Result};

/// What `--force` keeps: the new isogen.toml (path, text, and the config it reads as) and the
/// report to print. `None` when no hand-written Dockerfile is in the way.
pub struct Kept {
    pub report: String,
    /// Present when some setting goes into isogen.toml.
    pub toml: Option<(PathBuf, String, Config)>,
}

/// What `generate::carry` keeps of the hand-written Dockerfile `text` for the service whose
/// generated Dockerfile is `file`, with the service's isogen.toml `section` as it stands.
pub fn carry_into(
    text: &str,
    file: &GeneratedFile,
    section: &str,
    (config, ws): (&Config, &Workspace),
) -> std::result::Result<carry::Carried, String> {
    let package = service_package(ws, &file.service);
    let ecosystem = package.map_or(Ecosystem::Pnpm, |p| p.ecosystem);
    let exists = |rel: &str| isogen::fsio::exists(ws.root.join(rel));
    let target = Target {
        generated: &file.contents,
        existing: config.generate.service(&file.service),
        section,
        service: Some(&file.service),
        uid: config.generate.uid(),
        takes_workdir: ecosystem == Ecosystem::Cargo,
        package_dir: package.map_or("", |p| p.dir.as_str()),
        cargo_package: package
            .filter(|p| p.ecosystem == Ecosystem::Cargo)
            .map(|p| p.name.as_str()),
        exists: &exists,
    };
    carry::carry(text, &target)
}

/// The package of the service named `name`, when the workspace has it.
fn service_package<'w>(ws: &'w Workspace, name: &str) -> Option<&'w isogen::workspace::Package> {
    (ws.services.iter())
        .find(|s| s.name == name)
        .map(|s| ws.service_package(s))
}

/// Reads the hand-written Dockerfiles among `files` (under `root`) and what to keep of them.
pub fn hand_written(
    root: &Path,
    (config, ws): (&Config, &Workspace),
    files: &[GeneratedFile],
) -> Result<Option<Kept>> {
    let path = root.join(isogen::config::FILE_NAME);
    let mut text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(Error::io(&path, e)),
    };
    let mut report = String::new();
    let mut changed = false;
    for file in files.iter().filter(|f| f.path.ends_with(DOCKERFILE)) {
        let on_disk = root.join(&file.path);
        let old = match std::fs::read(&on_disk) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(Error::io(&on_disk, e)),
        };
        if old.is_empty() || write::has_header(&old) {
            continue;
        }
        let section = format!("[generate.services.{}]", file.service);
        let carried = match carry_into(&old, file, &section, (config, ws)) {
            Ok(c) => c,
            Err(why) => {
                let _ = writeln!(
                    report,
                    "{}: {why}; --force replaces it and keeps none of its settings",
                    file.path
                );
                continue;
            }
        };
        // A Cargo service's build stages are read for `cargo build`'s feature flags too.
        let cargo =
            service_package(ws, &file.service).is_some_and(|p| p.ecosystem == Ecosystem::Cargo);
        let build = if cargo {
            "build stages' ARGs, ENVs and cargo feature flags"
        } else {
            "build stages' ARGs and ENVs"
        };
        let _ = writeln!(
            report,
            "{} is hand-written; --force replaces it. Its final stage's settings and {build} \
             (kept ones go to {section} of isogen.toml):",
            file.path
        );
        for item in &carried.items {
            let _ = writeln!(report, "{}", item_line(item, "kept"));
        }
        if !carried.settings.is_empty() {
            text = carry::toml::add(&text, &file.service, &carried.settings).map_err(|why| {
                Error::config(&path, format!("cannot add the kept settings: {why}"))
            })?;
            changed = true;
        }
    }
    if report.is_empty() {
        return Ok(None);
    }
    let toml = if changed {
        let mut new_config = Config::parse(&text, &path)?;
        new_config.source = Some(path.clone());
        Some((path, text, new_config))
    } else {
        None
    };
    Ok(Some(Kept { report, toml }))
}

/// One setting of a hand-written Dockerfile and its verdict, indented, as the reports list
/// them; `kept` is the word for a setting that goes into isogen.toml.
pub fn item_line(item: &carry::Item, kept: &str) -> String {
    let (word, detail) = match &item.verdict {
        Verdict::Kept(setting) => (kept, format!(" -> {setting}")),
        Verdict::Same => ("same", " (the generated Dockerfile has it too)".into()),
        Verdict::Dropped(why) => ("dropped", format!(": {why}")),
    };
    format!(
        "  {word:<7} line {:<3} {}{detail}",
        item.line, item.instruction
    )
}

/// `generate --check --force`: the line saying isogen.toml would change (with its unified
/// diff when `diff`), for the caller to print instead of writing it.
pub fn preview(path: &Path, text: &str, diff: bool) -> Result<String> {
    let old = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(Error::io(path, e)),
    };
    let name = isogen::config::FILE_NAME;
    let verb = if path.exists() { "update" } else { "create" };
    let mut out = format!("would {verb} {name} (settings kept from hand-written Dockerfiles)\n");
    if diff {
        let patch = similar::TextDiff::from_lines(&old, text)
            .unified_diff()
            .context_radius(3)
            .header(&format!("a/{name}"), &format!("b/{name}"))
            .to_string();
        out.push_str(&patch);
    }
    Ok(out)
}
