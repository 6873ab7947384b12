//! A fixture workspace of tests/fixtures copied into a temporary folder, for the tests that
//! run isogen on it and may write into it (the fixtures themselves stay untouched).

use std::path::Path;

/// A copy of tests/fixtures/`name`, without dependency or build folders (`node_modules`,
/// `dist`, `.next`, `target`), and without its Dockerfiles unless `dockerfiles`.
pub fn copy(name: &str, dockerfiles: bool) -> tempfile::TempDir {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    let dir = tempfile::tempdir().unwrap();
    let skipped = |e: &walkdir::DirEntry| {
        matches!(
            e.file_name().to_str(),
            Some("node_modules" | "dist" | ".next" | "target")
        )
    };
    for entry in walkdir::WalkDir::new(&src)
        .into_iter()
        .filter_entry(|e| !skipped(e))
    {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(&src).unwrap();
        let to = dir.path().join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&to).unwrap();
        } else if dockerfiles || !rel.to_string_lossy().contains("Dockerfile") {
            std::fs::copy(entry.path(), &to).unwrap();
        }
    }
    dir
}

/// Replaces the first `from` in the file `rel` of the workspace at `root` with `to`, asserting
/// that the file holds it (a test's edit that silently does nothing tests nothing).
pub fn edit(root: &Path, rel: &str, from: &str, to: &str) {
    let path = root.join(rel);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{rel} holds {from:?}");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}
