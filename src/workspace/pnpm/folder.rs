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
}

impl PackageFolder {
    /// Lists `root/dir`; `entry` is the package's declared entry, relative to it.
    pub fn read(root: &Path, dir: &str, entry: Option<&str>) -> Result<PackageFolder> {
        let path = root.join(dir);
        let mut top_level = Vec::new();
        let mut tsconfigs = Vec::new();
        for e in std::fs::read_dir(&path).map_err(|e| Error::io(&path, e))? {
            let e = e.map_err(|e| Error::io(&path, e))?;
            let name = e.file_name().to_string_lossy().into_owned();
            if is_tsconfig(&name) && e.path().is_file() {
                tsconfigs.push(name.clone());
            }
            top_level.push(TopEntry {
                exists: e.path().exists(),
                name,
            });
        }
        top_level.sort_by(|a, b| a.name.cmp(&b.name));
        tsconfigs.sort();
        Ok(PackageFolder {
            plain_js: tsconfigs.is_empty() && !has_typescript_source(&path),
            entry_exists: entry.is_some_and(|e| path.join(e).exists()),
            top_level,
            tsconfigs,
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

fn has_typescript_source(dir: &Path) -> bool {
    let walker = walkdir::WalkDir::new(dir).into_iter().filter_entry(|e| {
        e.depth() == 0
            || !(e.file_type().is_dir()
                && (e.file_name() == "node_modules"
                    || e.file_name().to_string_lossy().starts_with('.')))
    });
    walker.flatten().any(|e| {
        let name = e.file_name().to_string_lossy();
        let ts_source = [".ts", ".tsx", ".mts", ".cts"]
            .iter()
            .any(|ext| name.ends_with(ext))
            && ![".d.ts", ".d.mts", ".d.cts"]
                .iter()
                .any(|ext| name.ends_with(ext));
        e.file_type().is_file() && ts_source
    })
}
