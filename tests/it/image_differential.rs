//! isogen's merged tree against umoci's: umoci really unpacks the layers onto a disk, applying
//! whiteouts the way the OCI image-spec says, so the two must list the same paths of the same
//! kinds. Skipped (with a message) where umoci is not installed.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use crate::image_support::*;
use isogen::image::{self, Capture, EntryKind, OpenOptions};

fn umoci_available() -> bool {
    Command::new("umoci")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Path -> kind, as umoci unpacks the layout at `dir` (tag `tag`).
fn umoci_tree(dir: &Path, tag: &str) -> BTreeMap<String, char> {
    let work = tempfile::tempdir().unwrap();
    let bundle = work.path().join("bundle");
    let status = Command::new("umoci")
        .args(["unpack", "--rootless", "--image"])
        .arg(format!("{}:{tag}", dir.display()))
        .arg(&bundle)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "umoci unpack: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    let rootfs = bundle.join("rootfs");
    let mut tree = BTreeMap::new();
    for entry in walkdir::WalkDir::new(&rootfs).min_depth(1) {
        let entry = entry.unwrap();
        let path = format!("/{}", entry.path().strip_prefix(&rootfs).unwrap().display());
        let kind = if entry.path_is_symlink() {
            'l'
        } else if entry.file_type().is_dir() {
            'd'
        } else {
            'f'
        };
        tree.insert(path, kind);
    }
    tree
}

fn isogen_tree(dir: &Path) -> BTreeMap<String, char> {
    let capture = Capture {
        wants: Box::new(|_| false),
        max_bytes: 0,
        sources: None,
    };
    let image = image::read(dir, &OpenOptions::default(), &capture).unwrap();
    image
        .tree
        .entries
        .values()
        .map(|e| {
            let kind = match e.kind {
                EntryKind::Dir => 'd',
                EntryKind::Symlink => 'l',
                // On disk a hard link is just another name for a file.
                _ => 'f',
            };
            (e.path.to_string(), kind)
        })
        .collect()
}

fn compare(oci: &Oci) {
    if !umoci_available() {
        eprintln!("umoci is not installed: skipping the differential test");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    oci.write_dir(dir.path());
    // umoci finds the image by its ref name annotation, which Oci::single sets.
    let expected = umoci_tree(dir.path(), "example:1");
    assert!(expected.len() > 5, "{expected:?}");
    assert_eq!(isogen_tree(dir.path()), expected);
}

#[test]
fn whiteouts_opaque_dirs_and_replacements_merge_like_umoci() {
    let base = LayerTar::new()
        .dir("app/")
        .dir("app/node_modules/")
        .dir("app/node_modules/left-pad/")
        .file("app/node_modules/left-pad/index.js", b"x")
        .dir("app/src/")
        .file("app/src/main.ts", b"ts")
        .file("app/README", b"r")
        .dir("etc/")
        .file("etc/passwd", b"root:x:0:0::/root:/bin/sh\n")
        .dir("data/")
        .file("data/a", b"a")
        .symlink("app/current", "src")
        .finish();
    let second = LayerTar::new()
        .dir("app/")
        .file("app/.wh.src", b"")
        .dir("app/node_modules/")
        .file("app/node_modules/.wh..wh..opq", b"")
        .dir("app/node_modules/express/")
        .file("app/node_modules/express/index.js", b"e")
        .file("data", b"a file where a directory was")
        .hardlink("etc/passwd-", "etc/passwd")
        .finish();
    let third = LayerTar::new()
        .file("app/.wh.README", b"")
        .dir("app/src/")
        .file("app/src/again.js", b"back")
        .file(".wh.data", b"")
        .dir("data/")
        .finish_without_end_blocks();
    compare(&Oci::single(&[
        Layer::new(base, Comp::Gzip),
        // umoci 0.4 cannot read zstd layers.
        Layer::new(second, Comp::Gzip),
        Layer::new(third, Comp::None),
    ]));
}

#[test]
fn real_fixture_merges_like_umoci() {
    if !umoci_available() {
        eprintln!("umoci is not installed: skipping the differential test");
        return;
    }
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/images/umoci-dir");
    assert_eq!(isogen_tree(&fixture), umoci_tree(&fixture, "fx2"));
}
