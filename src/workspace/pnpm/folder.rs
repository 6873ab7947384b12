//! What a package's folder holds on disk, as far as a Dockerfile cares: its top-level names
//! (what `COPY` can name and `npm pack` would ship), its `tsconfig*.json` files, whether it is
//! plain JavaScript, and whether its declared entry exists (a build output or a stale copy).
//!
//! It lists folders and reads nothing inside files (tsconfig contents are `tsconfig`'s); it
//! never decides what ships.

use std::path::Path;

use serde::Serialize;

use crate::error::{Error, Result};

/// One name at the top of a package folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TopEntry {
    pub name: String,
    /// Whether the path exists when followed (false for a broken symlink).
    pub exists: bool,
}

/// The folder facts of one package.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PackageFolder {
    /// Every name at the top of the folder, sorted.
    pub top_level: Vec<TopEntry>,
    /// The `tsconfig*.json` files at the top, sorted.
    pub tsconfigs: Vec<String>,
    /// No `tsconfig*.json` at the top and no TypeScript source (`.ts`, `.tsx`, `.mts`, `.cts`;
    /// declaration files aside) anywhere in it (outside `node_modules` and dot-folders): the
    /// files there are what runs.
    pub plain_js: bool,
    /// Whether the package's declared entry (`NodePackage::entry`) exists in the workspace.
    pub entry_exists: bool,
    /// Every regular file in the folder outside `node_modules` and dot-folders, relative to
    /// it, `/`-separated, in walk order (names sorted per folder): what the source scan reads,
    /// so no folder is listed twice. Not serialized: it can be long.
    #[serde(skip)]
    pub files: Vec<String>,
    /// Every symlink below the top of the folder (outside `node_modules` and dot-folders),
    /// relative to it, in walk order: with [`files`](Self::files) and
    /// [`unlisted`](Self::unlisted), all the walk saw, so a later search for marker files
    /// (`nested`) need not list the folder again.
    #[serde(skip)]
    pub links: Vec<String>,
    /// The folders below the top that could not be listed, relative to it.
    #[serde(skip)]
    pub unlisted: Vec<String>,
}

impl PackageFolder {
    /// Lists `root/dir` in one walk (outside `node_modules` and dot-folders); `entry` is the
    /// package's declared entry, relative to it.
    pub fn read(root: &Path, dir: &str, entry: Option<&str>) -> Result<PackageFolder> {
        let path = root.join(dir);
        let listing = walk(&path)?;
        let mut top_level = Vec::new();
        let mut tsconfigs = Vec::new();
        for e in &listing.top {
            // The file type is the listing's; only a symlink needs a stat to be followed.
            let followed = || crate::fsio::metadata(path.join(&e.name)).ok();
            let is_file = match e.kind {
                Kind::Symlink => followed().is_some_and(|m| m.is_file()),
                kind => kind == Kind::File,
            };
            if is_tsconfig(&e.name) && is_file {
                tsconfigs.push(e.name.clone());
            }
            top_level.push(TopEntry {
                exists: e.kind != Kind::Symlink || followed().is_some(),
                name: e.name.clone(),
            });
        }
        let typescript = listing.files.iter().any(|f| is_typescript_source(f));
        Ok(PackageFolder {
            plain_js: tsconfigs.is_empty() && !typescript,
            entry_exists: entry.is_some_and(|e| crate::fsio::exists(path.join(e))),
            top_level,
            tsconfigs,
            files: listing.files,
            links: listing.links,
            unlisted: listing.unlisted,
        })
    }

    /// Whether `name` is at the top of the folder and exists.
    pub fn has(&self, name: &str) -> bool {
        self.top_level.iter().any(|e| e.name == name && e.exists)
    }
}

/// `tsconfig.json`, `tsconfig.build.json`, ...
pub fn is_tsconfig(name: &str) -> bool {
    name.starts_with("tsconfig") && name.ends_with(".json")
}

/// A TypeScript source file name (`.ts`, `.tsx`, `.mts`, `.cts`), declaration files aside.
fn is_typescript_source(path: &str) -> bool {
    let ts = [".ts", ".tsx", ".mts", ".cts"];
    let declaration = [".d.ts", ".d.mts", ".d.cts"];
    ts.iter().any(|ext| path.ends_with(ext)) && !declaration.iter().any(|ext| path.ends_with(ext))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    File,
    Dir,
    Symlink,
    Other,
}

struct TopName {
    name: String,
    kind: Kind,
}

/// One walk of a package folder: its top-level names (all of them) and every regular file
/// below it outside `node_modules` and dot-folders, relative to it, sorted; the symlinks
/// below the top, and the folders that could not be listed.
struct Listing {
    top: Vec<TopName>,
    files: Vec<String>,
    links: Vec<String>,
    unlisted: Vec<String>,
}

fn walk(path: &Path) -> Result<Listing> {
    let mut listing = Listing {
        top: Vec::new(),
        files: Vec::new(),
        links: Vec::new(),
        unlisted: Vec::new(),
    };
    let rel = |p: &Path| {
        let rel = p.strip_prefix(path).unwrap_or(p);
        rel.to_string_lossy().replace('\\', "/")
    };
    let mut it = crate::fsio::walk(path).sort_by_file_name().into_iter();
    while let Some(e) = it.next() {
        let e = match e {
            Ok(e) => e,
            // The folder itself, or its top, unreadable: an error, as listing it always was;
            // deeper, a folder that cannot be read holds no file the model knows of.
            Err(err) if err.depth() <= 1 => {
                let io = err.into_io_error().unwrap_or_else(|| {
                    std::io::Error::other("a symlink loop or an unreadable entry")
                });
                return Err(Error::io(path, io));
            }
            Err(err) => {
                if let Some(folder) = err.path() {
                    listing.unlisted.push(rel(folder));
                }
                continue;
            }
        };
        crate::fsio::walked(&e);
        if e.depth() == 0 {
            continue;
        }
        let t = e.file_type();
        let kind = if t.is_file() {
            Kind::File
        } else if t.is_dir() {
            Kind::Dir
        } else if t.is_symlink() {
            Kind::Symlink
        } else {
            Kind::Other
        };
        let name = e.file_name().to_string_lossy();
        if e.depth() == 1 {
            listing.top.push(TopName {
                name: name.clone().into_owned(),
                kind,
            });
        }
        if kind == Kind::Dir && (name == "node_modules" || name.starts_with('.')) {
            it.skip_current_dir();
        } else if kind == Kind::File {
            listing.files.push(rel(e.path()));
        } else if kind == Kind::Symlink && e.depth() > 1 {
            listing.links.push(rel(e.path()));
        }
    }
    Ok(listing)
}
