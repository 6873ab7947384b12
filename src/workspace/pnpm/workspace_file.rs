//! `pnpm-workspace.yaml`: the `packages:` globs (with `!` negations) and which folders they
//! select, and the catalogs (`catalog:` and `catalogs:`).
//!
//! Package discovery follows pnpm's own (`@pnpm/fs.find-packages`): each glob gets
//! `/package.json` appended and is matched against manifest paths relative to the root, `!`
//! globs remove matches, and `node_modules`, `bower_components`, `test` and `tests` folders
//! are never searched. As pnpm's glob library (`dot: false`), a wildcard never matches a
//! folder whose name starts with `.`, but a glob that names it does (electric's
//! `examples/.shared`). It only reads; it never reads a package.json's contents.

use std::io::ErrorKind;
use std::path::Path;

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};
use serde_json::Value;

use super::files::string_map;
use crate::error::{Error, Result};
use crate::workspace::spec::Catalogs;

/// Folders pnpm never looks into for workspace packages.
const NEVER_SEARCHED: &[&str] = &["node_modules", "bower_components", "test", "tests"];

pub(super) fn read_catalogs(yaml: &Value, path: &Path) -> Result<Catalogs> {
    let mut catalogs = Catalogs::new();
    if let Some(v) = yaml.get("catalog").filter(|v| !v.is_null()) {
        catalogs.insert("default".into(), string_map(v, "catalog", path)?);
    }
    if let Some(v) = yaml.get("catalogs").filter(|v| !v.is_null()) {
        let Value::Object(named) = v else {
            return Err(Error::Parse {
                path: path.to_path_buf(),
                location: None,
                message: "`catalogs` must map catalog names to catalogs".into(),
            });
        };
        for (name, catalog) in named {
            let entries = string_map(catalog, &format!("catalogs.{name}"), path)?;
            if name == "default" && catalogs.contains_key("default") {
                return Err(Error::Parse {
                    path: path.to_path_buf(),
                    location: None,
                    message:
                        "both `catalog` and `catalogs.default` are given; pnpm allows only one"
                            .into(),
                });
            }
            catalogs.insert(name.clone(), entries);
        }
    }
    Ok(catalogs)
}

/// Folders (workspace-relative, `/`-separated, sorted) whose package.json the globs select.
pub(super) fn find_manifests(root: &Path, globs: &[String], ws_file: &Path) -> Result<Vec<String>> {
    let (include, exclude) = compile_globs(globs, ws_file)?;
    let search = Search {
        include,
        exclude,
        segments: include_segments(globs),
        deepest: deepest_match(globs),
    };
    let mut dirs = Vec::new();
    if search.deepest > 0 {
        search.folder(root, "", 0, &mut dirs)?;
    }
    dirs.sort();
    Ok(dirs)
}

/// The walk of [`find_manifests`]: folders listed in name order down to the deepest level a
/// glob can select, each folder there looked at (its package.json) but not listed.
struct Search {
    include: GlobSet,
    exclude: GlobSet,
    segments: Vec<Vec<String>>,
    deepest: usize,
}

impl Search {
    /// Lists `path` (the folder `rel`, at `depth`) and looks at each folder in it.
    fn folder(&self, path: &Path, rel: &str, depth: usize, dirs: &mut Vec<String>) -> Result<()> {
        let entries = crate::fsio::read_dir(path).map_err(|e| walk_error(path, e))?;
        let mut names = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| walk_error(path, e))?;
            let t = entry
                .file_type()
                .map_err(|e| walk_error(&entry.path(), e))?;
            if t.is_dir() {
                names.push(entry.file_name().to_string_lossy().into_owned());
            }
        }
        names.sort_unstable();
        for name in names {
            let searched = !NEVER_SEARCHED.contains(&name.as_str())
                && (!name.starts_with('.') || self.segments.iter().any(|s| dot_named(s, depth)));
            if !searched {
                continue;
            }
            let child = path.join(&name);
            let rel = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            crate::fsio::note(&child, crate::fsio::How::Listed);
            if self.selects(&rel) && self.has_manifest(&child)? {
                dirs.push(rel.clone());
            }
            if depth + 1 < self.deepest {
                self.folder(&child, &rel, depth + 1, dirs)?;
            }
        }
        Ok(())
    }

    /// Whether the globs select the folder `rel`.
    fn selects(&self, rel: &str) -> bool {
        let manifest = format!("{rel}/package.json");
        let dots: Vec<usize> = rel
            .split('/')
            .enumerate()
            .filter(|(_, c)| c.starts_with('.'))
            .map(|(i, _)| i)
            .collect();
        let included = self
            .include
            .matches(&manifest)
            .into_iter()
            .any(|g| dots.iter().all(|&i| dot_named(&self.segments[g], i)));
        included && !self.exclude.is_match(&manifest)
    }

    /// Whether the folder `dir` has a package.json file; a folder that cannot be looked into
    /// is an error, as when it was listed.
    fn has_manifest(&self, dir: &Path) -> Result<bool> {
        match crate::fsio::metadata(dir.join("package.json")) {
            Ok(m) => Ok(m.is_file()),
            Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) => {
                Ok(false)
            }
            Err(e) => Err(walk_error(dir, e)),
        }
    }
}

/// A folder that could not be read, named as the walk named it.
fn walk_error(path: &Path, e: std::io::Error) -> Error {
    let message = format!("IO error for operation on {}: {e}", path.display());
    Error::io(path, std::io::Error::other(message))
}

/// The folder names of each include glob, in the order `compile_globs` adds them.
fn include_segments(globs: &[String]) -> Vec<Vec<String>> {
    globs
        .iter()
        .map(|g| g.trim())
        .filter(|g| !g.starts_with('!'))
        .map(|g| {
            g.trim_start_matches("./")
                .trim_end_matches('/')
                .split('/')
                .map(str::to_string)
                .collect()
        })
        .collect()
}

/// Whether a glob of folder names `segments` names, at level `i`, a folder starting with `.`
/// (no `**` before it): only such a glob selects a dot folder there, as pnpm's glob library
/// matches wildcards with `dot: false`.
fn dot_named(segments: &[String], i: usize) -> bool {
    segments
        .get(i)
        .is_some_and(|s| s.starts_with('.') && s != ".")
        && !segments[..i].iter().any(|s| s.contains("**"))
}

/// How deep below the root a folder the `globs` select can be: without `**` (or a class,
/// which might match `/`), a glob's folder has at most as many levels as it has `/`s plus one,
/// so the walk need not list the folders inside the packages (`apps/*` lists `apps` alone).
fn deepest_match(globs: &[String]) -> usize {
    let mut deepest = 0;
    for raw in globs
        .iter()
        .map(|g| g.trim())
        .filter(|g| !g.starts_with('!'))
    {
        let pattern = raw.trim_start_matches("./").trim_end_matches('/');
        if pattern.contains("**") || pattern.contains('[') {
            return usize::MAX;
        }
        if !pattern.is_empty() && pattern != "." {
            deepest = deepest.max(pattern.matches('/').count() + 1);
        }
    }
    deepest
}

pub(super) fn compile_globs(globs: &[String], ws_file: &Path) -> Result<(GlobSet, GlobSet)> {
    let mut include = GlobSetBuilder::new();
    let mut exclude = GlobSetBuilder::new();
    for raw in globs {
        let (negated, pattern) = match raw.trim().strip_prefix('!') {
            Some(p) => (true, p),
            None => (false, raw.trim()),
        };
        let pattern = pattern.trim_start_matches("./").trim_end_matches('/');
        let full = if pattern.is_empty() || pattern == "." {
            "package.json".to_string()
        } else {
            format!("{pattern}/package.json")
        };
        let glob: Glob = GlobBuilder::new(&full)
            .literal_separator(true)
            .build()
            .map_err(|e| Error::Parse {
                path: ws_file.to_path_buf(),
                location: None,
                message: format!("`packages` glob `{raw}` is invalid: {e}"),
            })?;
        if negated {
            exclude.add(glob);
        } else {
            include.add(glob);
        }
    }
    let build = |b: GlobSetBuilder| {
        b.build().map_err(|e| Error::Parse {
            path: ws_file.to_path_buf(),
            location: None,
            message: format!("`packages` globs are invalid: {e}"),
        })
    };
    Ok((build(include)?, build(exclude)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_walk_stops_at_the_deepest_folder_a_glob_can_select() {
        let globs = globs_of;
        assert_eq!(deepest_match(&globs(&["apps/*", "libs/*", "!apps/old"])), 2);
        assert_eq!(deepest_match(&globs(&["./packages/*/*/", "tools"])), 3);
        assert_eq!(deepest_match(&globs(&["."])), 0);
        assert_eq!(deepest_match(&globs(&["packages/**"])), usize::MAX);
        assert_eq!(deepest_match(&globs(&["packages/[ab]*"])), usize::MAX);
    }

    #[test]
    fn folders_below_the_deepest_glob_level_are_not_packages() {
        let dir = tempfile::tempdir().unwrap();
        for d in ["apps/api", "apps/api/fixtures/inner", "libs/a"] {
            std::fs::create_dir_all(dir.path().join(d)).unwrap();
            std::fs::write(dir.path().join(d).join("package.json"), "{}").unwrap();
        }
        let found = find_manifests(
            dir.path(),
            &globs_of(&["apps/*", "libs/*"]),
            Path::new("pnpm-workspace.yaml"),
        )
        .unwrap();
        assert_eq!(found, vec!["apps/api", "libs/a"]);
    }

    #[test]
    fn a_dot_folder_is_a_package_only_where_a_glob_names_it() {
        let dir = tempfile::tempdir().unwrap();
        for d in [
            "examples/.shared",
            "examples/todo",
            "examples/.cache",
            "libs/.x/y",
        ] {
            std::fs::create_dir_all(dir.path().join(d)).unwrap();
            std::fs::write(dir.path().join(d).join("package.json"), "{}").unwrap();
        }
        let find = |g: &[&str]| {
            find_manifests(dir.path(), &globs_of(g), Path::new("pnpm-workspace.yaml")).unwrap()
        };
        // electric's globs: the wildcard skips `.cache` and `.shared`, the named glob takes
        // `.shared`.
        assert_eq!(
            find(&["examples/*", "examples/.shared", "libs/**"]),
            vec!["examples/.shared", "examples/todo"]
        );
        assert_eq!(find(&["examples/.s*"]), vec!["examples/.shared"]);
        assert_eq!(find(&["libs/.x/*"]), vec!["libs/.x/y"]);
    }

    fn globs_of(g: &[&str]) -> Vec<String> {
        g.iter().map(|s| s.to_string()).collect()
    }
}
