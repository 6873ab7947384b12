//! The packages of some importers' install that pnpm fetches from somewhere other than the
//! public npm registry (or the registry `.npmrc` sets with `registry=`): a tarball URL the
//! lockfile records (`resolution: {tarball: https://codeload.github.com/...}`), a git
//! repository (`resolution: {type: git, repo: ..., commit: ...}`), or a registry that
//! `.npmrc` sets for the package's scope (`@acme:registry=https://npm.acme.dev/`: pnpm does
//! not record the URL of such a package, only its integrity). A build of the image needs each
//! such host, and a private registry its credentials.
//!
//! It reads the [`LockGraph`] and the `.npmrc` settings it is given, and nothing else.

use std::collections::{BTreeMap, BTreeSet};

use super::dev_peers::{plain, LockGraph};

/// The registry pnpm uses when `.npmrc` sets none.
pub const NPM_REGISTRY_HOST: &str = "registry.npmjs.org";

/// How a package is fetched from outside the default registry.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum RemoteKind {
    /// A tarball URL.
    Tarball,
    /// A git repository.
    Git,
    /// A registry `.npmrc` sets for the package's scope (`@scope:registry`).
    Registry,
}

/// One package fetched from outside the default registry.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RemotePackage {
    /// `name@version` (the version `packages:` records for a git or tarball key).
    pub package: String,
    /// The host it is fetched from (`codeload.github.com`, `npm.taskforce.sh`).
    pub host: String,
    pub kind: RemoteKind,
    /// Whether it is in the production closure (the image); otherwise only the build's
    /// install (devDependencies) fetches it.
    pub production: bool,
}

/// The registries of `.npmrc`: the default one's host and each scope's.
#[derive(Debug, Clone, Default)]
pub struct Registries {
    /// The host of `registry=`, when set.
    pub default_host: Option<String>,
    /// `@scope` -> the host of `@scope:registry=`.
    pub scopes: BTreeMap<String, String>,
}

impl Registries {
    /// The registries `settings` (`.npmrc` key -> value) set.
    pub fn of(settings: &BTreeMap<String, String>) -> Registries {
        let mut out = Registries::default();
        for (key, value) in settings {
            if key == "registry" {
                out.default_host = host(value);
            } else if let Some(scope) = key.strip_suffix(":registry") {
                if let Some(h) = host(value) {
                    out.scopes.insert(scope.to_string(), h);
                }
            }
        }
        out
    }

    /// Whether `host` is the public registry or the one `registry=` sets.
    fn is_default(&self, host: &str) -> bool {
        host == NPM_REGISTRY_HOST || self.default_host.as_deref() == Some(host)
    }
}

/// The host of a URL or git remote, lowercase, without user or port: `https://user@host:8080/x`
/// -> `host`, `https://[::1]:4873/` -> `[::1]`, `git+ssh://git@github.com/a/b.git` and git's
/// scp-like `git@github.com:a/b.git` -> `github.com`. URLs are read by the `url` crate (WHATWG
/// URL parsing); the scp-like form, which is git's and no URL, is read as `ssh://` of its
/// `[user@]host` part.
pub fn host(url: &str) -> Option<String> {
    let url = url.trim();
    let parsed = match url::Url::parse(url) {
        Ok(u) => u,
        Err(_) => url::Url::parse(&format!("ssh://{}/", scp_authority(url)?)).ok()?,
    };
    let host = parsed.host_str().filter(|h| !h.is_empty())?;
    Some(host.to_ascii_lowercase())
}

/// The `[user@]host` of git's scp-like remote `[user@]host:path` (`git@[::1]:a/b.git` ->
/// `git@[::1]`), when `remote` has that form: no `/` before the colon.
fn scp_authority(remote: &str) -> Option<&str> {
    let at = remote.find('@').map_or(0, |i| i + 1);
    let host = &remote[at..];
    let colon = match host.strip_prefix('[') {
        Some(rest) => rest.find("]:")? + 2,
        None => host.find(':')?,
    };
    let authority = &remote[..at + colon];
    (!authority.contains('/') && colon > 0).then_some(authority)
}

impl LockGraph {
    /// The packages the install of `importers` (workspace folders, `""` or `.` for the root)
    /// fetches from outside the default registry: their production closure (with the root's
    /// production dependencies, which a production install always takes), and with
    /// `with_dev` the closure of their devDependencies too. Sorted, each package once.
    pub fn remote_packages(
        &self,
        importers: &[&str],
        with_dev: bool,
        registries: &Registries,
    ) -> Vec<RemotePackage> {
        // Nothing can be remote (see `remote`): skip the closures, one pair per service.
        if !self.any_source && registries.scopes.is_empty() {
            return Vec::new();
        }
        let dirs: Vec<&str> = (importers.iter())
            .map(|d| if d.is_empty() { "." } else { d })
            .chain(["."])
            .collect();
        let prod_roots = (dirs.iter()).flat_map(|d| self.prod.get(*d).into_iter().flatten());
        let prod = self.closure(prod_roots.map(|(_, k)| k.clone()).collect(), false);
        let dev_roots = (dirs
            .iter()
            .filter(|d| **d != "." || importers.contains(&".")))
        .flat_map(|d| self.dev.get(*d).into_iter().flatten())
        .map(|(_, k)| k.clone());
        let all = match with_dev {
            true => self.closure(prod.iter().cloned().chain(dev_roots).collect(), false),
            false => prod.clone(),
        };
        let mut out = BTreeSet::new();
        for key in &all {
            if let Some((package, host, kind)) = self.remote(key, registries) {
                let production = prod.contains(key);
                out.insert(RemotePackage {
                    package,
                    host,
                    kind,
                    production,
                });
            }
        }
        let mut out: Vec<RemotePackage> = out.into_iter().collect();
        // The same package by two peer variants: once, production if either is.
        out.sort_by(|a, b| (&a.package, !a.production).cmp(&(&b.package, !b.production)));
        out.dedup_by(|a, b| a.package == b.package);
        out
    }

    /// `name@version`, host and kind of the snapshot `key` when it is fetched from outside
    /// the default registry.
    fn remote(&self, key: &str, registries: &Registries) -> Option<(String, String, RemoteKind)> {
        let meta = self.meta.get(plain(key.trim_start_matches('/')));
        let known = self.package_of(key);
        let name = (meta.and_then(|m| m.name.clone()))
            .or_else(|| known.as_ref().map(|p| p.name.clone()))?;
        let version = (meta.and_then(|m| m.version.clone()))
            .or_else(|| known.map(|p| p.version))
            .unwrap_or_default();
        let package = match version.contains("://") {
            true => name.clone(),
            false => format!("{name}@{version}"),
        };
        let scope_host = (name.split_once('/'))
            .filter(|(scope, _)| scope.starts_with('@'))
            .and_then(|(scope, _)| registries.scopes.get(scope));
        let (host, kind) = match meta.and_then(|m| m.source.as_deref()) {
            Some(source) if meta.is_some_and(|m| m.git) => (host(source)?, RemoteKind::Git),
            Some(source) => {
                let h = host(source)?;
                let kind = match registries.scopes.values().any(|s| *s == h) {
                    true => RemoteKind::Registry,
                    false => RemoteKind::Tarball,
                };
                (h, kind)
            }
            None => (scope_host?.clone(), RemoteKind::Registry),
        };
        (!registries.is_default(&host)).then_some((package, host, kind))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_host_of_urls_and_git_remotes() {
        let h = |u: &str| host(u);
        assert_eq!(
            h("https://codeload.github.com/panva/x/tar.gz/abc").as_deref(),
            Some("codeload.github.com")
        );
        assert_eq!(
            h("git+ssh://git@github.com/a/b.git").as_deref(),
            Some("github.com")
        );
        assert_eq!(h("git@GitLab.com:a/b.git").as_deref(), Some("gitlab.com"));
        assert_eq!(
            h("https://u:p@npm.acme.dev:8443/").as_deref(),
            Some("npm.acme.dev")
        );
        assert_eq!(h(""), None);
        assert_eq!(h("not a url"), None);
    }

    /// What splitting by hand got wrong: an IPv6 literal (its colons are no port), a password
    /// holding `@` or `:` (percent-encoded or not), a port on a git remote, case.
    #[test]
    fn ipv6_literals_userinfo_and_ports() {
        let h = |u: &str| host(u);
        assert_eq!(h("http://[::1]:4873/").as_deref(), Some("[::1]"));
        assert_eq!(
            h("https://[2001:DB8::7]/npm/").as_deref(),
            Some("[2001:db8::7]")
        );
        assert_eq!(
            h("https://ci:p%40ss:w@Registry.Acme.dev:8443/npm/").as_deref(),
            Some("registry.acme.dev")
        );
        assert_eq!(
            h("git+ssh://git@git.acme.dev:2222/team/x.git").as_deref(),
            Some("git.acme.dev")
        );
        assert_eq!(h("git@[fd00::2]:team/x.git").as_deref(), Some("[fd00::2]"));
        assert_eq!(
            h("https://npm.acme.dev?token=a@b").as_deref(),
            Some("npm.acme.dev")
        );
    }
}
