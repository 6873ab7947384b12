//! Folder listings read once per run. Generating a 200-service workspace otherwise listed each
//! internal library's folders once for every service that depends on it (8,700 directory
//! opens for 220 packages). A listing is what the folder held when it was first read: nothing
//! that writes may rely on it.

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// One name in a folder, with its type as the folder states it (symlinks not followed).
#[derive(Debug, Clone)]
pub struct DirItem {
    pub name: String,
    pub is_dir: bool,
    pub is_file: bool,
}

/// Listings by absolute folder path; only successful reads are kept.
#[derive(Default)]
pub struct Listings(Mutex<HashMap<PathBuf, Arc<[DirItem]>>>);

impl Listings {
    /// The names in `dir`, unsorted (in the order the folder gives them).
    pub fn list(&self, dir: &Path) -> io::Result<Arc<[DirItem]>> {
        let mut cache = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(items) = cache.get(dir) {
            return Ok(items.clone());
        }
        let mut items = Vec::new();
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            let kind = entry.file_type()?;
            items.push(DirItem {
                name: entry.file_name().to_string_lossy().into_owned(),
                is_dir: kind.is_dir(),
                is_file: kind.is_file(),
            });
        }
        let items: Arc<[DirItem]> = items.into();
        cache.insert(dir.to_path_buf(), items.clone());
        Ok(items)
    }
}

impl Clone for Listings {
    fn clone(&self) -> Self {
        let cache = self.0.lock().unwrap_or_else(|p| p.into_inner());
        Listings(Mutex::new(cache.clone()))
    }
}

impl std::fmt::Debug for Listings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Listings")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_is_read_once_and_its_first_listing_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.js"), "").unwrap();
        std::fs::create_dir(dir.path().join("src")).unwrap();
        let listings = Listings::default();
        let first = listings.list(dir.path()).unwrap();
        let mut names: Vec<(&str, bool, bool)> = first
            .iter()
            .map(|i| (i.name.as_str(), i.is_dir, i.is_file))
            .collect();
        names.sort();
        assert_eq!(names, vec![("a.js", false, true), ("src", true, false)]);
        std::fs::write(dir.path().join("b.js"), "").unwrap();
        assert_eq!(listings.list(dir.path()).unwrap().len(), 2);
        assert!(listings.list(&dir.path().join("missing")).is_err());
    }
}
