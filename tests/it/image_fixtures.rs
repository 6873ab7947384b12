//! The image reader against real archives made by buildah, skopeo and umoci (see
//! tests/fixtures/images/README.md for exactly how). All hold the same image: three COPY layers
//! and a fourth that deletes files and directories (real whiteouts), overwrites a file, and adds
//! a symlink and a hard link; the umoci one adds a fifth layer.

use std::io::Write;
use std::path::{Path, PathBuf};

use isogen::image::{self, ArchiveFormat, Capture, EntryKind, Hidden, Image, OpenOptions};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/images")
        .join(name)
}

fn small_files() -> Capture {
    Capture {
        wants: Box::new(|path| {
            path == "/etc/passwd" || path.ends_with("/package.json") || path.ends_with(".js")
        }),
        max_bytes: 64 * 1024,
        sources: None,
    }
}

fn read(path: &Path) -> Image {
    image::read(path, &OpenOptions::default(), &small_files())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn content(image: &Image, path: &str) -> String {
    let entry = image.tree.entries.at(path);
    String::from_utf8(entry.content().expect("captured").to_vec()).unwrap()
}

/// What every export of the fixture image must read as.
fn assert_fixture_image(image: &Image) {
    assert_eq!(image.platform, "linux/amd64");
    let config = image.config.config().as_ref().expect("config");
    assert_eq!(config.user().as_deref(), Some("10001:10001"));
    assert_eq!(
        config.labels().as_ref().unwrap()["dev.isogen.service"],
        "svc"
    );
    assert!(image.layers.len() >= 4);
    for layer in &image.layers {
        assert!(layer.digest.starts_with("sha256:"), "{layer:?}");
        assert!(layer.diff_id.as_deref().unwrap().starts_with("sha256:"));
    }
    assert!(image.layers[0]
        .created_by
        .as_deref()
        .unwrap()
        .contains("COPY"));

    let tree = &image.tree;
    // Visible files, with the capture applied.
    assert_eq!(content(image, "/etc/passwd").lines().count(), 2);
    assert!(content(image, "/app/package.json").contains("\"svc\""));
    assert_eq!(content(image, "/app/dist/main.js"), "console.log(\"v2\")\n");
    assert_eq!(tree.entries.at("/app/dist/main.js").layer, 3);
    assert_eq!(tree.entries.at("/tmpdir").kind, EntryKind::Dir);

    let link = tree.entries.at("/app/lib/main-link.js");
    assert_eq!(link.kind, EntryKind::Symlink);
    assert_eq!(link.link_target(), Some("../dist/main.js"));
    let hard = tree.entries.at("/app/lib/hard.js");
    assert_eq!(hard.kind, EntryKind::HardLink);
    assert_eq!(hard.link_target(), Some("/app/dist/main.js"));
    // A captured hard link shares its target's bytes.
    assert_eq!(content(image, "/app/lib/hard.js"), "console.log(\"v2\")\n");

    // Deleted by layer 4 (index 3): gone from the tree, still known as shipped.
    for gone in [
        "/app/src",
        "/app/src/main.ts",
        "/tmpdir/sub",
        "/tmpdir/sub/token",
        "/tmpdir/keep.txt",
    ] {
        assert!(!tree.entries.contains_key(gone), "{gone} should be deleted");
        let shipped = tree
            .hidden
            .iter()
            .find(|h| h.entry.path == gone)
            .unwrap_or_else(|| panic!("{gone} should be listed as shipped-but-hidden"));
        assert_eq!(shipped.hidden, Hidden::Deleted { by_layer: 3 });
    }
    let main_ts = tree
        .hidden
        .iter()
        .find(|h| h.entry.path == "/app/src/main.ts")
        .unwrap();
    assert_eq!(main_ts.entry.layer, 1);
    assert_eq!(
        tree.hidden
            .iter()
            .find(|h| h.entry.path == "/tmpdir/sub/token")
            .unwrap()
            .entry
            .layer,
        2
    );
    // The overwritten first version of main.js.
    let old_main = tree
        .hidden
        .iter()
        .find(|h| h.entry.path == "/app/dist/main.js")
        .unwrap();
    assert_eq!(old_main.entry.layer, 1);
    assert_eq!(old_main.hidden, Hidden::Overwritten { by_layer: 3 });
    assert_eq!(
        old_main.entry.content(),
        Some(&b"console.log(\"hi\")\n"[..])
    );
}

#[test]
fn buildah_docker_archive_with_symlinked_layers() {
    let image = read(&fixture("docker-archive.tar"));
    assert_eq!(image.format, ArchiveFormat::DockerArchive);
    assert_eq!(image.names, ["localhost/isogen-img/fx:1"]);
    assert_eq!(image.manifest_digest, None);
    assert!(image.layers.iter().all(|l| l.compression == "none"));
    assert_fixture_image(&image);
}

#[test]
fn buildah_oci_archive() {
    let image = read(&fixture("oci-archive.tar"));
    assert_eq!(image.format, ArchiveFormat::OciArchive);
    assert_eq!(image.names, ["localhost/isogen-img/fx:1"]);
    assert!(image
        .manifest_digest
        .as_deref()
        .unwrap()
        .starts_with("sha256:"));
    assert!(image.layers.iter().all(|l| l.compression == "gzip"));
    assert!(image
        .layers
        .iter()
        .all(|l| l.media_type.ends_with("tar+gzip")));
    assert_fixture_image(&image);
}

#[test]
fn skopeo_zstd_oci_archive() {
    let image = read(&fixture("oci-archive-zstd.tar"));
    assert!(image.layers.iter().all(|l| l.compression == "zstd"));
    assert_fixture_image(&image);
}

#[test]
fn skopeo_oci_layout_directory() {
    let image = read(&fixture("oci-dir"));
    assert_eq!(image.format, ArchiveFormat::OciDir);
    assert_eq!(image.names, ["fx"]);
    assert_fixture_image(&image);
}

#[test]
fn umoci_repacked_layout() {
    let image = read(&fixture("umoci-dir"));
    assert_eq!(image.layers.len(), 5);
    assert_eq!(image.tree.entries.at("/opt/added.txt").layer, 4);
    assert!(!image.tree.entries.contains_key("/etc/group"));
    let group = image
        .tree
        .hidden
        .iter()
        .find(|h| h.entry.path == "/etc/group")
        .unwrap();
    assert_eq!(group.hidden, Hidden::Deleted { by_layer: 4 });
    assert_fixture_image(&image);
}

#[test]
fn the_same_image_reads_the_same_from_every_export() {
    let reference = read(&fixture("docker-archive.tar"));
    let listing = |image: &Image| {
        image
            .tree
            .entries
            .values()
            .map(|e| (e.path.to_string(), e.kind, e.size, e.layer))
            .collect::<Vec<_>>()
    };
    for other in ["oci-archive.tar", "oci-archive-zstd.tar", "oci-dir"] {
        let image = read(&fixture(other));
        assert_eq!(listing(&image), listing(&reference), "{other}");
        assert_eq!(image.config_digest, reference.config_digest, "{other}");
        let diff_ids = |i: &Image| {
            i.layers
                .iter()
                .map(|l| l.diff_id.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(diff_ids(&image), diff_ids(&reference), "{other}");
    }
}

#[test]
fn archives_compressed_as_a_whole() {
    let bytes = std::fs::read(fixture("docker-archive.tar")).unwrap();
    let dir = tempfile::tempdir().unwrap();

    let gz = dir.path().join("image.tar.gz");
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(&bytes).unwrap();
    std::fs::write(&gz, encoder.finish().unwrap()).unwrap();
    assert_fixture_image(&read(&gz));

    let zst = dir.path().join("image.tar.zst");
    std::fs::write(&zst, zstd::encode_all(&bytes[..], 3).unwrap()).unwrap();
    assert_fixture_image(&read(&zst));
}

#[test]
fn open_reads_the_config_before_any_layer() {
    let opened = image::open(&fixture("oci-archive.tar"), &OpenOptions::default()).unwrap();
    assert_eq!(opened.layers.len(), 4);
    assert!(opened.layer_bytes() > 0);
    let labels = opened
        .config
        .config()
        .as_ref()
        .unwrap()
        .labels()
        .clone()
        .unwrap();
    // The caller decides what to capture from what the config says.
    let service = labels["dev.isogen.service"].clone();
    let capture = Capture {
        wants: Box::new(move |path| path == "/app/package.json" && !service.is_empty()),
        max_bytes: 10,
        sources: None,
    };
    let image = opened.read_tree(&capture).unwrap();
    let package = image.tree.entries.at("/app/package.json");
    assert!(package.truncated());
    assert_eq!(package.content().unwrap().len(), 10);
    assert!(image.tree.entries.at("/etc/passwd").content().is_none());
}

#[test]
fn asking_for_a_platform_the_archive_lacks() {
    let options = OpenOptions {
        platform: Some("linux/arm64".into()),
    };
    for name in ["docker-archive.tar", "oci-archive.tar"] {
        let err = image::open(&fixture(name), &options)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("linux/amd64") && err.contains("linux/arm64"),
            "{err}"
        );
    }
    let ok = OpenOptions {
        platform: Some("linux/amd64".into()),
    };
    assert!(image::open(&fixture("oci-archive.tar"), &ok).is_ok());
}

#[test]
fn progress_counts_every_stored_layer_byte() {
    use std::sync::atomic::{AtomicU64, Ordering};
    for name in ["docker-archive.tar", "oci-archive.tar", "oci-dir"] {
        let opened = image::open(&fixture(name), &OpenOptions::default()).unwrap();
        let total = opened.layer_bytes();
        let seen = AtomicU64::new(0);
        opened
            .read_tree_with_progress(&small_files(), &|n| {
                seen.fetch_add(n, Ordering::Relaxed);
            })
            .unwrap();
        assert_eq!(seen.load(Ordering::Relaxed), total, "{name}");
    }
}
