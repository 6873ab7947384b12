//! Registry packages whose install script downloads while the image builds, named before the
//! build (the pnpm side of `cargo::fetches`' `DOWNLOADERS`): `@sentry/cli` before 2.22 fetches
//! its binary from Sentry's CDN in its `install` script (saleor/apps' root devDependency
//! `@sentry/cli@1.77.3`, which its `onlyBuiltDependencies` allows to build: every app's deps
//! stage downloads it); sharp before 0.33 fetches libvips and its binding from GitHub. A
//! builder without network access (an offline CI runner, a sandbox) stops in the middle of
//! `pnpm install`, and a builder with it ships what the host serves that day.
//!
//! Each entry was read from the package's own files on npm (`npm view <pkg>@<ver> scripts`
//! and the script it runs): which versions download, what, and the variable that skips it.
//! Later versions that install the binary as an optional platform package (`@sentry/cli` 2.22,
//! sharp 0.33, `@sentry/cli-linux-x64`, `@img/sharp-linux-x64`) are left out: pnpm fetches
//! those from the registry like any other package.
//!
//! One warning per downloading package (name and version) of what the service's deps stage
//! installs (the lockfile's closure of its package, the workspace packages its build needs,
//! and the root, devDependencies included), when pnpm runs its script: not with
//! `ignore-scripts`, not when `neverBuiltDependencies` names it, and with an allow list
//! (`onlyBuiltDependencies`, `allowBuilds`) or from pnpm 10 on only when the list names it.
//! A package whose skip variable `build_args` sets is not named: that variable is also an
//! `ARG` of the install stages ([`read_by_install_scripts`]), where `pnpm rebuild` runs the
//! script. It reads the workspace model; it never changes a Dockerfile.

use crate::workspace::pnpm::PnpmWorkspace;
use crate::workspace::{Service, Workspace};

/// A registry package whose install script downloads.
struct Downloader {
    name: &'static str,
    /// The first version that no longer downloads (`None`: every version does).
    fixed_in: Option<&'static str>,
    /// What the script fetches, and from where.
    fetches: &'static str,
    /// How to build without the download (`SECTION`: the service's section of isogen.toml).
    skip: &'static str,
    /// The variable that skips it, which the install stages get from `build_args`.
    variable: Option<&'static str>,
}

/// The hand-kept list (see the module doc); small on purpose.
const DOWNLOADERS: &[Downloader] = &[
    Downloader {
        name: "@sentry/cli",
        fixed_in: Some("2.22.0"),
        fetches: "the sentry-cli binary from downloads.sentry-cdn.com (its `install` script)",
        skip: "to skip it, set `build_args = [\"SENTRYCLI_SKIP_DOWNLOAD=1\"]` in SECTION of \
               isogen.toml (the build then has no sentry-cli binary, which only a source-map \
               upload runs), or upgrade to @sentry/cli 2.22 or later, whose binary is an \
               optional npm package",
        variable: Some("SENTRYCLI_SKIP_DOWNLOAD"),
    },
    Downloader {
        name: "sharp",
        fixed_in: Some("0.33.0"),
        fetches: "libvips and sharp's prebuilt binding from GitHub releases (its `install` \
                  script, `node install/libvips && prebuild-install`)",
        skip: "no variable skips it: upgrade to sharp 0.33 or later, whose binaries are \
               optional npm packages, or point npm_config_sharp_libvips_binary_host and \
               npm_config_sharp_binary_host at a mirror the builder reaches (`build_args` in \
               SECTION of isogen.toml)",
        variable: None,
    },
    Downloader {
        name: "puppeteer",
        fixed_in: None,
        fetches: "a Chrome build from Google's storage (its `postinstall` script)",
        skip: "to skip it, set `build_args = [\"PUPPETEER_SKIP_DOWNLOAD=1\"]` in SECTION of \
               isogen.toml (and give the image a browser), or depend on puppeteer-core",
        variable: Some("PUPPETEER_SKIP_DOWNLOAD"),
    },
    Downloader {
        name: "cypress",
        fixed_in: None,
        fetches: "the Cypress binary from download.cypress.io (its `postinstall` script)",
        skip: "to skip it, set `build_args = [\"CYPRESS_INSTALL_BINARY=0\"]` in SECTION of \
               isogen.toml",
        variable: Some("CYPRESS_INSTALL_BINARY"),
    },
    Downloader {
        name: "electron",
        fixed_in: None,
        fetches: "the Electron binary from GitHub releases (its `postinstall` script)",
        skip: "to skip it, set `build_args = [\"ELECTRON_SKIP_BINARY_DOWNLOAD=1\"]` in \
               SECTION of isogen.toml",
        variable: Some("ELECTRON_SKIP_BINARY_DOWNLOAD"),
    },
];

/// Whether the install scripts read the variable `name`: a downloader's skip variable, or
/// npm's configuration (`npm_config_*`, which pnpm passes to every script).
pub(super) fn read_by_install_scripts(name: &str) -> bool {
    DOWNLOADERS.iter().any(|d| d.variable == Some(name))
        || name.to_ascii_lowercase().starts_with("npm_config_")
}

/// Whether `version` of `d` downloads.
fn downloads(d: &Downloader, version: &str) -> bool {
    let Some(fixed) = d.fixed_in else {
        return true;
    };
    let parse = |v: &str| nodejs_semver::Version::parse(v).ok();
    match (parse(version), parse(fixed)) {
        (Some(v), Some(f)) => v < f,
        _ => false,
    }
}

/// Whether pnpm (`pnpm_version`, the one the image installs) runs `name`'s install script.
fn builds(pnpm: &PnpmWorkspace, pnpm_version: &str, name: &str) -> bool {
    let s = &pnpm.settings;
    if s.sets("ignore-scripts", true) {
        return false;
    }
    let never = s.get("neverBuiltDependencies");
    if never.is_some_and(|n| n.value.iter().any(|v| v == name)) {
        return false;
    }
    let allowed = s.allowed_builds();
    if !allowed.is_empty() {
        return allowed.contains(name);
    }
    // pnpm 10 builds no dependency the workspace has not allowed.
    let major = pnpm_version
        .split('.')
        .next()
        .and_then(|m| m.parse::<u64>().ok());
    major.is_none_or(|m| m < 10)
}

/// One warning per downloading package the deps stage of `service` installs and builds, but
/// those whose skip variable `build_args` (`build_arg_names`) sets.
pub(super) fn warnings(
    ws: &Workspace,
    pnpm: &PnpmWorkspace,
    service: &Service,
    pnpm_version: &str,
    build_arg_names: &[&str],
) -> Vec<String> {
    let mut importers: Vec<&str> = vec!["."];
    let packages = std::iter::once(&service.package).chain(&service.build_closure);
    importers.extend(
        packages
            .filter_map(|&i| ws.packages.get(i))
            .map(|p| p.dir.as_str()),
    );
    let installed = pnpm.lock_graph.installed(&importers);
    let mut out = Vec::new();
    for p in &installed {
        let Some(d) = DOWNLOADERS.iter().find(|d| d.name == p.name) else {
            continue;
        };
        if !downloads(d, &p.version) || !builds(pnpm, pnpm_version, d.name) {
            continue;
        }
        if d.variable.is_some_and(|v| build_arg_names.contains(&v)) {
            continue;
        }
        let section = format!("[generate.services.{}]", service.name);
        out.push(format!(
            "service `{}`: `{p}` (pnpm-lock.yaml) downloads {} during the build's `pnpm \
             install`: the image build needs network access to it, and stops there on a \
             builder without it (an offline CI runner, a sandbox); {}",
            service.name,
            d.fetches,
            d.skip.replace("SECTION", &section)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_versions_that_download_are_named() {
        let sentry = &DOWNLOADERS[0];
        assert!(downloads(sentry, "1.77.3"));
        assert!(downloads(sentry, "2.21.5"));
        assert!(!downloads(sentry, "2.22.3"));
        assert!(!downloads(sentry, "2.42.2"));
        let sharp = &DOWNLOADERS[1];
        assert!(downloads(sharp, "0.32.6"));
        assert!(!downloads(sharp, "0.33.0"));
        assert!(!downloads(sharp, "not-a-version"));
    }
}
