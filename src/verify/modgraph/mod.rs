//! The module graph of a Node service inside an image: from the file `node` runs, every static
//! `require`/`import`/`export ... from`/`import("literal")` of each file it reaches, resolved
//! as Node resolves it ([`resolve`]) in the merged file tree. The caller says which files are
//! the service's own code (parsed and followed) and which are a dependency's (resolving to
//! them is enough: third-party code in `node_modules` is not parsed).
//!
//! It returns what would not resolve and what it could not read (content not kept, cut at the
//! capture limit, or not parseable), as data; it never judges or writes a message, and reads
//! nothing but the already-read image.

mod exports;
mod resolve;

use std::collections::HashSet;
use std::path::Path;

pub(crate) use resolve::{strips_types, Failure, Mode, Resolved, Resolver};

use crate::js::{static_imports, ImportKind};
use crate::verify::fs::{self, Fs};

/// An import Node would fail on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unresolved {
    /// The importing file (real path).
    pub file: String,
    pub line: u32,
    pub specifier: String,
    pub failure: Failure,
    /// A `require()`/`import()` in a `try` whose `catch` handles the failure: the program
    /// runs without it (see [`crate::js::Import::in_try`]).
    pub optional: bool,
}

/// Why a file of the graph was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Unread {
    /// Its content was not kept (over the capture budget, or a package the capture did not
    /// know as the service's).
    NotKept,
    /// Larger than the capture limit: only its start was kept.
    Truncated,
    /// The parser refused it (line and message).
    Parse { line: u32, message: String },
}

/// An import of a package by name (`express`, `@s/lib/sub`) that resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PackageImport {
    /// The importing file (real path).
    pub file: String,
    pub line: u32,
    pub specifier: String,
}

impl PackageImport {
    /// The package name the specifier names (`@s/lib/sub` -> `@s/lib`).
    pub fn package(&self) -> &str {
        package_name(&self.specifier)
    }
}

pub(crate) use crate::js::package_name;

/// Whether `specifier` names a package (not a path, a `#` import or a URL).
fn is_bare(specifier: &str) -> bool {
    !(specifier.starts_with('.')
        || specifier.starts_with('/')
        || specifier.starts_with('#')
        || specifier.contains(':'))
}

/// What a walk found.
#[derive(Debug, Default)]
pub(crate) struct Graph {
    pub unresolved: Vec<Unresolved>,
    /// The imports of packages by name that resolved, from the service's own files.
    pub packages: Vec<PackageImport>,
    /// Files of the service's code that could not be read, with why.
    pub unread: Vec<(String, Unread)>,
    /// Files parsed.
    pub parsed: usize,
}

/// Whether Node would parse the file at `path` as JavaScript, or TypeScript it strips the
/// types of (other files it loads, JSON and addons, import nothing).
fn is_javascript(path: &str) -> bool {
    let ext = path.rsplit_once('.').map_or("", |(_, e)| e);
    matches!(ext, "js" | "mjs" | "cjs") || resolve::is_typescript(path)
}

/// Walks the graph from `entries` (real paths: the file `node` runs and the preloads it
/// names): files `own` accepts are parsed and followed, others only resolved.
pub(crate) fn walk(
    fs: Fs,
    resolver: &Resolver,
    entries: &[String],
    own: &dyn Fn(&str) -> bool,
) -> Graph {
    let mut graph = Graph::default();
    let mut seen: HashSet<String> = entries.iter().cloned().collect();
    let mut queue: Vec<String> = entries.iter().rev().cloned().collect();
    while let Some(file) = queue.pop() {
        if !is_javascript(&file) {
            continue;
        }
        let Some((_, e)) = fs.lookup(&file) else {
            continue;
        };
        let text = match e.content() {
            None => {
                graph.unread.push((file, Unread::NotKept));
                continue;
            }
            Some(_) if e.truncated() => {
                graph.unread.push((file, Unread::Truncated));
                continue;
            }
            Some(c) => String::from_utf8_lossy(c),
        };
        let imports = match static_imports(Path::new(&file), &text) {
            Ok(i) => i,
            Err(err) => {
                let why = Unread::Parse {
                    line: err.line,
                    message: err.message,
                };
                graph.unread.push((file, why));
                continue;
            }
        };
        graph.parsed += 1;
        for imp in imports.into_iter().filter(|i| !i.type_only) {
            let mode = match imp.kind {
                ImportKind::Require | ImportKind::ImportEquals => Mode::Require,
                _ => Mode::Import,
            };
            match resolver.resolve(&imp.specifier, &file, mode) {
                Ok(Resolved::Builtin) => {}
                Ok(Resolved::File(p)) => {
                    if is_bare(&imp.specifier) {
                        graph.packages.push(PackageImport {
                            file: file.clone(),
                            line: imp.line,
                            specifier: imp.specifier.clone(),
                        });
                    }
                    if own(&p) && seen.insert(p.clone()) {
                        queue.push(p);
                    }
                }
                Err(failure) => graph.unresolved.push(Unresolved {
                    file: file.clone(),
                    line: imp.line,
                    specifier: imp.specifier,
                    failure,
                    optional: imp.in_try,
                }),
            }
        }
    }
    graph
        .unresolved
        .sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    graph.unread.sort_by(|a, b| a.0.cmp(&b.0));
    graph
}

/// `NODE_PATH` as the container sets it: extra folders CommonJS looks in.
pub(crate) fn node_path(value: Option<&str>) -> Vec<String> {
    value
        .unwrap_or("")
        .split(':')
        .filter(|d| d.starts_with('/'))
        .map(fs::normalize)
        .collect()
}

#[cfg(test)]
mod tests;
