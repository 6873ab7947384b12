//! Where one import specifier of a package's source lands, as the build resolves it: a
//! relative path (`../../api/src/x`), a tsconfig `paths` pattern (`@api/*`), or a workspace
//! package's name, or the tsconfig `baseUrl` when the package's file listing has a module there.
//! Pure string work over the workspace model: no file is read.

use crate::workspace::pnpm::tsconfig::ResolvedPaths;
use crate::workspace::{relpath, Ecosystem, Package};

/// How a specifier reached its target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Via {
    /// A relative path, resolved from the importing file's folder.
    Relative,
    /// A tsconfig `paths` pattern of the named tsconfig file.
    Paths { tsconfig: String, pattern: String },
    /// The `baseUrl` of the named tsconfig file (a bare specifier resolved from it).
    BaseUrl { tsconfig: String },
    /// The name of a workspace package (`import x from '@acme/api'`).
    Name,
}

/// What a specifier lands on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Target {
    /// Workspace-relative path (the file or folder the specifier names; for `Via::Name` the
    /// package folder).
    pub path: String,
    /// The package (index into `Workspace::packages`) whose folder holds it; `None` when it
    /// is in no package's folder.
    pub owner: Option<usize>,
    pub via: Via,
}

/// The package names the importing package declares (manifest keys), and every workspace
/// package, to resolve against.
pub(super) struct Resolver<'a> {
    pub packages: &'a [Package],
    /// `paths` of the importing package's tsconfig and that file's name.
    pub paths: &'a ResolvedPaths,
    pub tsconfig: Option<&'a str>,
    /// The `baseUrl` that applies to that tsconfig (workspace-relative).
    pub base_url: Option<&'a str>,
}

impl Resolver<'_> {
    /// Where `specifier`, written in the workspace-relative `file`, lands; `None` for what the
    /// build resolves from `node_modules` or Node itself (built-ins, npm packages, `#imports`,
    /// URLs, absolute paths).
    pub fn resolve(&self, file: &str, specifier: &str) -> Option<Target> {
        if specifier.starts_with("./") || specifier.starts_with("../") || specifier == ".." {
            let path = relpath::join(relpath::parent(file), specifier)?;
            return Some(self.target(path, Via::Relative));
        }
        if specifier.starts_with(['/', '#', '.']) || specifier.contains(':') {
            return None;
        }
        if let Some(t) = self.through_paths(specifier) {
            return Some(t);
        }
        let name = package_name(specifier);
        let by_name = self
            .packages
            .iter()
            .position(|p| p.ecosystem == Ecosystem::Pnpm && p.name == name);
        match by_name {
            Some(owner) => Some(Target {
                path: self.packages[owner].dir.clone(),
                owner: Some(owner),
                via: Via::Name,
            }),
            None => self.through_base_url(specifier),
        }
    }

    /// `baseUrl/specifier` when a source file or folder is there, in a package's folder
    /// (`tsc` looks there before `node_modules`); otherwise the specifier is a package import,
    /// left to `node_modules` (`vite-tsconfig-paths` with `"baseUrl": "."` is the npm package
    /// unless the package has a `vite-tsconfig-paths.ts` or such a folder).
    fn through_base_url(&self, specifier: &str) -> Option<Target> {
        let path = relpath::join(self.base_url?, specifier)?;
        let owner = owner_of(self.packages, &path)?;
        if !has_module(&self.packages[owner], &path) {
            return None;
        }
        Some(Target {
            path,
            owner: Some(owner),
            via: Via::BaseUrl {
                tsconfig: self.tsconfig.unwrap_or("tsconfig.json").to_string(),
            },
        })
    }

    fn target(&self, path: String, via: Via) -> Target {
        Target {
            owner: owner_of(self.packages, &path),
            path,
            via,
        }
    }

    /// The first target of the `paths` pattern that matches with the longest prefix, as `tsc`
    /// picks it. A target under `node_modules` is an npm package's.
    fn through_paths(&self, specifier: &str) -> Option<Target> {
        let mut best: Option<(usize, &str, String)> = None;
        for (pattern, targets) in self.paths {
            let Some(first) = targets.first() else {
                continue;
            };
            let (matched, prefix_len) = match pattern.split_once('*') {
                None if pattern == specifier => (first.clone(), pattern.len()),
                None => continue,
                Some((pre, post)) => {
                    let fits = specifier.len() >= pre.len() + post.len()
                        && specifier.starts_with(pre)
                        && specifier.ends_with(post);
                    if !fits {
                        continue;
                    }
                    let star = &specifier[pre.len()..specifier.len() - post.len()];
                    (first.replacen('*', star, 1), pre.len())
                }
            };
            if best.as_ref().is_none_or(|(len, _, _)| prefix_len > *len) {
                best = Some((prefix_len, pattern.as_str(), matched));
            }
        }
        let (_, pattern, path) = best?;
        if path.split('/').any(|s| s == "node_modules") {
            return None;
        }
        let via = Via::Paths {
            tsconfig: self.tsconfig.unwrap_or("tsconfig.json").to_string(),
            pattern: pattern.to_string(),
        };
        Some(self.target(path, via))
    }
}

/// The extensions `tsc` and Node try after a module path, in their order.
const MODULE_EXTENSIONS: &[&str] = &[
    "ts", "tsx", "d.ts", "mts", "cts", "js", "jsx", "mjs", "cjs", "json",
];

/// Whether package `p`'s file listing has a module at the workspace-relative `path`: the
/// file itself, the file with a TS/JS extension (`x.js` written for `x.ts` too), or a folder
/// with a `package.json` or an `index` file.
fn has_module(p: &Package, path: &str) -> bool {
    let Some(n) = p.node.as_ref() else {
        return false;
    };
    let rel = path
        .strip_prefix(&p.dir)
        .unwrap_or(path)
        .trim_start_matches('/');
    if rel.is_empty() {
        return true;
    }
    let files = &n.folder.files;
    let has = |f: &str| files.iter().any(|x| x == f);
    let stem = [".js", ".jsx", ".mjs", ".cjs"]
        .iter()
        .find_map(|e| rel.strip_suffix(e))
        .unwrap_or(rel);
    has(rel)
        || has(&format!("{rel}/package.json"))
        || MODULE_EXTENSIONS.iter().any(|e| {
            has(&format!("{rel}.{e}"))
                || has(&format!("{stem}.{e}"))
                || has(&format!("{rel}/index.{e}"))
        })
}

pub(super) use crate::js::package_name;

/// The pnpm package whose folder holds `path` (the deepest one); the workspace root is no
/// package's folder here.
pub(super) fn owner_of(packages: &[Package], path: &str) -> Option<usize> {
    packages
        .iter()
        .enumerate()
        .filter(|(_, p)| p.ecosystem == Ecosystem::Pnpm && !p.dir.is_empty())
        .filter(|(_, p)| relpath::within(path, &p.dir))
        .max_by_key(|(_, p)| p.dir.len())
        .map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_pick_the_longest_prefix() {
        let paths: ResolvedPaths = vec![
            ("*".into(), vec!["node_modules/*".into()]),
            ("@app/*".into(), vec!["apps/*/src".into()]),
            ("@app/api/*".into(), vec!["apps/api/src/*".into()]),
        ];
        let r = Resolver {
            packages: &[],
            paths: &paths,
            tsconfig: Some("apps/worker/tsconfig.json"),
            base_url: None,
        };
        let t = r.resolve("apps/worker/src/a.ts", "@app/api/users").unwrap();
        assert_eq!(t.path, "apps/api/src/users");
        assert_eq!(r.resolve("apps/worker/src/a.ts", "express"), None);
        let t = r.resolve("apps/worker/src/a.ts", "../../api/x").unwrap();
        assert_eq!((t.path.as_str(), t.via), ("apps/api/x", Via::Relative));
        assert_eq!(r.resolve("apps/worker/src/a.ts", "node:fs"), None);
    }
}
