//! Node's module resolution over an image's merged file tree: `require` (the CommonJS
//! algorithm: extensions `.js`/`.json`/`.node`, directory `main` and `index`, `node_modules`
//! up from the importing file's real folder, `NODE_PATH`) and `import` (the ESM algorithm:
//! exact files only, no directory import), both with `exports`/`imports` maps, self-reference
//! by package name and symlinks followed to real paths (`--preserve-symlinks` off), as
//! <https://nodejs.org/api/modules.html#all-together> and
//! <https://nodejs.org/api/esm.html#resolution-algorithm-specification> specify them.
//!
//! It only answers "which file would Node load" from already-read data; it never reads the
//! disk or judges.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use serde_json::Value;

use super::exports::{exports_target, imports_target, Target};
use crate::js::is_builtin;
use crate::verify::fs::{self, Fs};

/// Which algorithm resolves a specifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// `require()` (and TypeScript's `import x = require()`).
    Require,
    /// `import`, `export ... from`, `import()`.
    Import,
}

impl Mode {
    fn conditions(self) -> &'static [&'static str] {
        match self {
            Mode::Require => &["node", "require", "module-sync", "node-addons"],
            Mode::Import => &["node", "import", "module-sync", "node-addons"],
        }
    }
}

/// What a specifier resolves to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Resolved {
    /// A built-in module (`fs`, `node:test`) or a `data:` URL.
    Builtin,
    /// A file, by its real path.
    File(String),
}

/// Why Node would throw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Failure {
    /// `MODULE_NOT_FOUND`/`ERR_MODULE_NOT_FOUND`: nothing at `tried`.
    NotFound { tried: String },
    /// No `node_modules` folder up the tree holds the package.
    PackageNotFound { name: String },
    /// `ERR_UNSUPPORTED_DIR_IMPORT`: an ESM import of a folder.
    DirectoryImport { dir: String },
    /// `ERR_PACKAGE_PATH_NOT_EXPORTED`: the package's `exports` has no such subpath.
    NotExported { package: String, subpath: String },
    /// `ERR_PACKAGE_IMPORT_NOT_DEFINED`: no `imports` entry for a `#` specifier.
    ImportNotDefined,
    /// `ERR_INVALID_PACKAGE_TARGET`: a map target Node refuses.
    InvalidTarget { package: String, target: String },
    /// `ERR_INVALID_MODULE_SPECIFIER` / `ERR_UNSUPPORTED_ESM_URL_SCHEME`.
    InvalidSpecifier,
    /// The specifier resolves to a TypeScript file Node will not run: its Node does not strip
    /// types (`ERR_UNKNOWN_FILE_EXTENSION`), or the file is under `node_modules`
    /// (`ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING`).
    TypeScript { file: String, in_node_modules: bool },
}

/// Whether Node would load `path` as TypeScript (type stripping): `.ts`, `.mts`, `.cts`, not
/// a declaration file.
pub(crate) fn is_typescript(path: &str) -> bool {
    let ts = [".ts", ".mts", ".cts"].iter().any(|e| path.ends_with(e));
    ts && ![".d.ts", ".d.mts", ".d.cts"]
        .iter()
        .any(|e| path.ends_with(e))
}

/// Whether the Node of `version` (`NODE_VERSION` of the image, `24.4.0`) strips types by
/// default: 22.18 and later 22s, 23.6 and later. `None` (unknown) counts as yes.
pub(crate) fn strips_types(version: Option<&str>) -> bool {
    let Some(v) =
        version.and_then(|v| nodejs_semver::Version::parse(v.trim_start_matches('v')).ok())
    else {
        return true;
    };
    match v.major() {
        0..=21 => false,
        22 => v.minor() >= 18,
        23 => v.minor() >= 6,
        _ => true,
    }
}

type R<T> = Result<T, Failure>;

/// Resolves specifiers inside one image; `package.json` files are parsed once.
pub(crate) struct Resolver<'a> {
    fs: Fs<'a>,
    /// `NODE_PATH` folders (CommonJS only).
    node_path: Vec<String>,
    manifests: RefCell<HashMap<String, Option<Rc<Value>>>>,
    /// The image's Node strips TypeScript types (see [`strips_types`]).
    strips_types: bool,
}

fn is_relative(s: &str) -> bool {
    s == "." || s == ".." || s.starts_with("./") || s.starts_with("../")
}

/// `@scope/name/sub` -> (`@scope/name`, `./sub`); `name` -> (`name`, `.`).
fn split_package(spec: &str) -> R<(&str, String)> {
    let mut parts = spec.splitn(3, '/');
    let first = parts.next().unwrap_or("");
    let len = if first.starts_with('@') {
        let second = parts.next().ok_or(Failure::InvalidSpecifier)?;
        if second.is_empty() {
            return Err(Failure::InvalidSpecifier);
        }
        first.len() + 1 + second.len()
    } else {
        first.len()
    };
    let name = &spec[..len];
    if name.is_empty() || name.starts_with('.') || name.contains(['\\', '%']) {
        return Err(Failure::InvalidSpecifier);
    }
    Ok((name, format!(".{}", &spec[len..])))
}

impl<'a> Resolver<'a> {
    pub(crate) fn new(fs: Fs<'a>, node_path: Vec<String>) -> Self {
        Resolver {
            fs,
            node_path,
            manifests: RefCell::new(HashMap::new()),
            strips_types: true,
        }
    }

    /// The same resolver for a Node that strips types or not (see [`strips_types`]).
    pub(crate) fn with_type_stripping(mut self, strips: bool) -> Self {
        self.strips_types = strips;
        self
    }

    /// `specifier` as `from` (a file's real path) would load it.
    pub(crate) fn resolve(&self, specifier: &str, from: &str, mode: Mode) -> R<Resolved> {
        if is_builtin(specifier) || specifier.starts_with("data:") {
            return Ok(Resolved::Builtin);
        }
        let dir = fs::parent(from);
        let path = match mode {
            Mode::Require => self.require(specifier, dir)?,
            Mode::Import => self.import(specifier, dir)?,
        };
        let real = self.fs.resolve(&path).unwrap_or(path);
        if is_typescript(&real) && (!self.strips_types || fs::in_node_modules(&real)) {
            return Err(Failure::TypeScript {
                in_node_modules: fs::in_node_modules(&real),
                file: real,
            });
        }
        Ok(Resolved::File(real))
    }

    /// The parsed `package.json` in `dir`, if it has one that parses.
    fn manifest(&self, dir: &str) -> Option<Rc<Value>> {
        if let Some(m) = self.manifests.borrow().get(dir) {
            return m.clone();
        }
        let text = self.fs.text(&fs::join(dir, "package.json"));
        let parsed = text.and_then(|t| {
            let t = t.strip_prefix('\u{feff}').unwrap_or(&t);
            serde_json::from_str::<Value>(t).ok().map(Rc::new)
        });
        self.manifests
            .borrow_mut()
            .insert(dir.to_string(), parsed.clone());
        parsed
    }

    fn field(&self, dir: &str, key: &str) -> Option<Value> {
        self.manifest(dir)?
            .get(key)
            .filter(|v| !v.is_null())
            .cloned()
    }

    /// LOOKUP_PACKAGE_SCOPE: the nearest folder with a package.json, not past `node_modules`.
    fn scope(&self, dir: &str) -> Option<String> {
        for anc in fs::self_and_ancestors(dir) {
            if fs::basename(anc) == "node_modules" {
                return None;
            }
            if self.fs.is_file(&fs::join(anc, "package.json")) {
                return Some(anc.to_string());
            }
        }
        None
    }

    /// `node_modules` folders Node looks in from `dir`, nearest first.
    fn node_modules_dirs(dir: &str) -> impl Iterator<Item = String> + '_ {
        fs::self_and_ancestors(dir)
            .filter(|a| fs::basename(a) != "node_modules")
            .map(|a| fs::join(a, "node_modules"))
    }

    // --- CommonJS -------------------------------------------------------------------------

    fn require(&self, spec: &str, dir: &str) -> R<String> {
        let conditions = Mode::Require.conditions();
        if is_relative(spec) || spec.starts_with('/') {
            let p = fs::join(dir, spec);
            let dir_only = spec.ends_with('/') || spec.ends_with("/.") || spec.ends_with("/..");
            let found = if dir_only || is_relative(spec) && !spec.contains('/') {
                self.load_dir(&p)
            } else {
                self.load_file(&p).or_else(|| self.load_dir(&p))
            };
            return found.ok_or(Failure::NotFound { tried: p });
        }
        if spec.starts_with('#') {
            let t = self.package_imports(spec, dir, conditions)?;
            return self.existing(t);
        }
        let (name, sub) = split_package(spec)?;
        if let Some(t) = self.package_self(name, &sub, dir, conditions)? {
            return self.existing(t);
        }
        let extra = self.node_path.iter().cloned();
        for modules in Self::node_modules_dirs(dir).chain(extra) {
            let pkg = fs::join(&modules, name);
            if let Some(exports) = self.field(&pkg, "exports") {
                let t = self.exports(&pkg, &sub, &exports, conditions)?;
                return self.existing(t);
            }
            let p = fs::join(&modules, spec);
            if let Some(f) = self.load_file(&p).or_else(|| self.load_dir(&p)) {
                return Ok(f);
            }
        }
        Err(Failure::PackageNotFound { name: name.into() })
    }

    /// LOAD_AS_FILE.
    fn load_file(&self, p: &str) -> Option<String> {
        ["", ".js", ".json", ".node"]
            .iter()
            .map(|ext| format!("{p}{ext}"))
            .find(|c| self.fs.is_file(c))
    }

    /// LOAD_INDEX.
    fn load_index(&self, p: &str) -> Option<String> {
        ["index.js", "index.json", "index.node"]
            .iter()
            .map(|f| fs::join(p, f))
            .find(|c| self.fs.is_file(c))
    }

    /// LOAD_AS_DIRECTORY: `main` as a file or a folder's index, else the folder's index.
    fn load_dir(&self, p: &str) -> Option<String> {
        if let Some(Value::String(main)) = self.field(p, "main") {
            if !main.is_empty() {
                let m = fs::join(p, &main);
                if let Some(f) = self.load_file(&m).or_else(|| self.load_index(&m)) {
                    return Some(f);
                }
            }
        }
        self.load_index(p)
    }

    /// RESOLVE_ESM_MATCH: a map's target must be a file.
    fn existing(&self, p: String) -> R<String> {
        if self.fs.is_file(&p) {
            Ok(p)
        } else {
            Err(Failure::NotFound { tried: p })
        }
    }

    // --- ESM ------------------------------------------------------------------------------

    fn import(&self, spec: &str, dir: &str) -> R<String> {
        let conditions = Mode::Import.conditions();
        // Query and fragment are not part of the file's name.
        let spec = spec
            .split(['?', '#'])
            .next()
            .filter(|s| !s.is_empty())
            .unwrap_or(spec);
        let path = if let Some(rest) = spec.strip_prefix("file://") {
            fs::normalize(rest)
        } else if is_relative(spec) || spec.starts_with('/') {
            fs::join(dir, spec)
        } else if spec.starts_with('#') {
            self.package_imports(spec, dir, conditions)?
        } else if spec
            .split_once(':')
            .is_some_and(|(s, _)| s.len() > 1 && !s.contains('/'))
        {
            return Err(Failure::InvalidSpecifier);
        } else {
            self.package_resolve(spec, dir, conditions)?
        };
        if self.fs.is_dir(&path) {
            return Err(Failure::DirectoryImport { dir: path });
        }
        self.existing(path)
    }

    /// PACKAGE_RESOLVE (ESM): the first `node_modules/<name>` folder up the tree decides.
    fn package_resolve(&self, spec: &str, dir: &str, conditions: &[&str]) -> R<String> {
        let (name, sub) = split_package(spec)?;
        if let Some(t) = self.package_self(name, &sub, dir, conditions)? {
            return Ok(t);
        }
        for modules in Self::node_modules_dirs(dir) {
            let pkg = fs::join(&modules, name);
            if !self.fs.is_dir(&pkg) {
                continue;
            }
            if let Some(exports) = self.field(&pkg, "exports") {
                return self.exports(&pkg, &sub, &exports, conditions);
            }
            if sub == "." {
                return self.legacy_main(&pkg);
            }
            return Ok(fs::join(&pkg, &sub));
        }
        Err(Failure::PackageNotFound { name: name.into() })
    }

    /// LEGACY_MAIN_RESOLVE: `main` with CommonJS-like extensions, else `index.js`.
    fn legacy_main(&self, pkg: &str) -> R<String> {
        if let Some(Value::String(main)) = self.field(pkg, "main") {
            let m = fs::join(pkg, &main);
            let tries = [
                "",
                ".js",
                ".json",
                ".node",
                "/index.js",
                "/index.json",
                "/index.node",
            ];
            if let Some(f) = tries
                .iter()
                .map(|ext| format!("{m}{ext}"))
                .find(|c| self.fs.is_file(c))
            {
                return Ok(f);
            }
        }
        self.load_index(pkg).ok_or(Failure::NotFound {
            tried: fs::join(pkg, "index.js"),
        })
    }

    // --- maps -----------------------------------------------------------------------------

    fn exports(&self, pkg: &str, sub: &str, exports: &Value, conditions: &[&str]) -> R<String> {
        let invalid = |t: String| Failure::InvalidTarget {
            package: pkg.to_string(),
            target: t,
        };
        match exports_target(pkg, sub, exports, conditions).map_err(|e| invalid(e.0))? {
            Target::Path(p) => Ok(p),
            Target::Bare(t) => Err(invalid(t)),
            Target::Null | Target::Undefined => Err(Failure::NotExported {
                package: pkg.to_string(),
                subpath: sub.to_string(),
            }),
        }
    }

    /// PACKAGE_SELF_RESOLVE: `name` is the enclosing package's own, with `exports`.
    fn package_self(
        &self,
        name: &str,
        sub: &str,
        dir: &str,
        conditions: &[&str],
    ) -> R<Option<String>> {
        let Some(scope) = self.scope(dir) else {
            return Ok(None);
        };
        let Some(m) = self.manifest(&scope) else {
            return Ok(None);
        };
        match m.get("exports").filter(|e| !e.is_null()) {
            Some(exports) if m.get("name").and_then(Value::as_str) == Some(name) => {
                self.exports(&scope, sub, exports, conditions).map(Some)
            }
            _ => Ok(None),
        }
    }

    /// PACKAGE_IMPORTS_RESOLVE: `#x` through the enclosing package's `imports`.
    fn package_imports(&self, spec: &str, dir: &str, conditions: &[&str]) -> R<String> {
        if spec == "#" || spec.starts_with("#/") {
            return Err(Failure::InvalidSpecifier);
        }
        let scope = self.scope(dir).ok_or(Failure::ImportNotDefined)?;
        let imports = self.field(&scope, "imports");
        let Some(map) = imports.as_ref().and_then(Value::as_object) else {
            return Err(Failure::ImportNotDefined);
        };
        let found =
            imports_target(&scope, spec, map, conditions).map_err(|e| Failure::InvalidTarget {
                package: scope.clone(),
                target: e.0,
            })?;
        match found {
            Target::Path(p) => Ok(p),
            Target::Bare(b) => self.package_resolve(&b, &scope, conditions),
            Target::Null | Target::Undefined => Err(Failure::ImportNotDefined),
        }
    }
}
