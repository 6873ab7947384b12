//! What the build does about the workspace's pnpm settings (`.npmrc`, `pnpm-workspace.yaml`):
//! the ones it acts on (`node-linker` is overridden for the build's installs, `ignore-scripts`
//! puts the root's `node_modules/.bin` back on the builder's PATH and skips the production
//! install's `pnpm rebuild`), and a warning for each
//! setting that makes the image or its build differ from pnpm's defaults, naming the setting,
//! its file and what it changes.
//!
//! A pure function of the workspace facts; it never reads a file and never drops a setting
//! silently: each one is acted on, named in a warning, or at its default.

use serde::Serialize;

use crate::workspace::pnpm::PnpmWorkspace;

/// What the install and build steps do about the settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct InstallSettings {
    /// Flags added to every `pnpm install` of the build (`--node-linker=isolated`).
    pub install_flags: Vec<String>,
    /// `ignore-scripts=true` (either file): the builder puts `<app_root>/node_modules/.bin`
    /// on PATH, where pnpm's `run` leaves it off with this setting; the production install
    /// builds no dependency (no `pnpm rebuild`).
    pub ignore_scripts: bool,
    /// The dependencies of the shipped packages pnpm builds (native addons: see
    /// `PnpmWorkspace::requires_build`), sorted; empty when scripts are ignored.
    pub builds: Vec<String>,
    /// pnpm builds dependencies and the lockfile does not say which (see
    /// `PnpmWorkspace::builds_unknown`): the build stages need a compiler all the same.
    pub builds_unknown: bool,
}

/// Settings [`install_settings`] acts on or that other steps handle (split lockfiles,
/// injected packages, linked workspace packages): left out of the generic warnings.
const HANDLED: &[&str] = &[
    "node-linker",
    "ignore-scripts",
    "shared-workspace-lockfile",
    "inject-workspace-packages",
    "link-workspace-packages",
];

/// The flags and switches of the build, and a warning for each setting that changes it.
/// `shipped`: the folders of the packages the image ships (the service's runtime closure);
/// `service`: its name, in the warnings that differ from one service to the next.
pub fn install_settings(
    pnpm: &PnpmWorkspace,
    service: &str,
    shipped: &[&str],
    warnings: &mut Vec<String>,
) -> InstallSettings {
    let mut out = InstallSettings::default();
    if let Some(s) = pnpm.settings.get("node-linker") {
        let value = s.value.join(", ");
        if value != "isolated" {
            out.install_flags.push("--node-linker=isolated".to_string());
            warnings.push(format!(
                "{}: `node-linker = {value}`: the build's installs (deps and runtime-deps) use --node-linker=isolated instead, so the image has pnpm's default layout (each package's node_modules holds only what it declares), because with a {value} node_modules `pnpm install --filter` installs every project's dependencies (pnpm issue 5891) and the build would see other services' packages; a package that loads what it does not declare (found only in a flat node_modules) fails there: declare it",
                s.file
            ));
        }
    }
    if let Some(s) = pnpm.settings.get("ignore-scripts") {
        out.ignore_scripts = s.value.len() == 1 && s.value[0] == "true";
    }
    let addons: std::collections::BTreeSet<&str> = shipped
        .iter()
        .map(|d| if d.is_empty() { "." } else { d })
        .filter_map(|d| pnpm.requires_build.get(d))
        .flatten()
        .map(String::as_str)
        .collect();
    if !out.ignore_scripts {
        out.builds = addons.iter().map(|a| a.to_string()).collect();
        out.builds_unknown = pnpm.builds_unknown;
    } else {
        let file = &pnpm.settings.get("ignore-scripts").map_or("", |s| &s.file);
        let v9 = (pnpm.lockfile_version.as_deref()).is_some_and(|v| v.starts_with('9'));
        let why = if v9 {
            "allowed to build by the workspace's allowBuilds or onlyBuiltDependencies"
        } else {
            "marked requiresBuild in pnpm-lock.yaml"
        };
        // A v5.4/v6 lockfile marks every package that has an install script or a binding.gyp:
        // none marked in the closure is a fact, not a risk.
        let none = addons.is_empty() && pnpm.lockfile && !v9 && pnpm.lockfile_version.is_some();
        let fix = if none {
            ""
        } else {
            "; remove the setting to build them (in the deps stage too, for the build)"
        };
        let unbuilt = if none {
            // The same for every such service: one line, not one per service.
            "nothing is lost in the image of a service none of whose production dependencies pnpm-lock.yaml marks requiresBuild (none has an install script or a binding.gyp)".to_string()
        } else if addons.is_empty() {
            "native addons among the production dependencies (packages with a binding.gyp or an install script, such as bcrypt) are not built in the image".to_string()
        } else {
            let verb = if addons.len() == 1 { "is" } else { "are" };
            let names: Vec<&str> = addons.into_iter().collect();
            format!(
                "{} ({why}, in the production dependencies of `{service}`) {verb} not built in its image",
                names.join(", ")
            )
        };
        warnings.push(format!(
            "{file}: `ignore-scripts = true`: the builder puts the root's node_modules/.bin on PATH (pnpm run leaves it off with this setting); the production install runs no install scripts (no `pnpm rebuild`), so {unbuilt}{fix}"
        ));
    }
    warnings.extend(pnpm.settings.layout_notes(HANDLED));
    if let Some(version) = &pnpm.pnpm_version {
        warnings.extend(pnpm.settings.ignored_notes(version));
    }
    warnings.extend(root_dependencies_note(pnpm, shipped));
    out
}

/// The workspace root's `dependencies` land in every service's image: pnpm's production
/// install always installs the root project, whatever `--filter` selects (checked with pnpm
/// 9.15.9: `--filter svc`, `--filter '!{.}'` alike). They stay (a service may load one it does
/// not declare: Node finds the root's node_modules walking up), and are named, except those
/// the packages link to (`link:../../node_modules/<name>`: they are there to be shared).
fn root_dependencies_note(pnpm: &PnpmWorkspace, shipped: &[&str]) -> Option<String> {
    if !pnpm.lockfile || pnpm.split_lockfiles || shipped.iter().any(|d| d.is_empty() || *d == ".") {
        return None;
    }
    let names: Vec<&str> = (pnpm.root_dependencies.iter())
        .filter(|(_, field)| field.as_str() != "devDependencies")
        .filter(|(name, _)| !pnpm.root_links.contains(*name))
        .map(|(name, _)| name.as_str())
        .collect();
    if names.is_empty() {
        return None;
    }
    // The ones verify refuses make every image fail: said, with the rule.
    let refused: Vec<String> = (names.iter())
        .filter_map(|n| Some(format!("{n} ({})", super::toolchain_deps::refused_by(n)?)))
        .collect();
    let verdict = if refused.is_empty() {
        String::new()
    } else {
        format!(
            "; `isogen verify` fails every image for {}",
            refused.join(", ")
        )
    };
    Some(format!(
        "package.json (the workspace root): its dependencies ({}) are in every service's image, because pnpm's production install always installs the workspace root's dependencies, whatever --filter selects{verdict}; declare each in the packages that use it and keep only devDependencies at the root",
        names.join(", ")
    ))
}
