//! The image reader on archives built in code, for what builders rarely write: opaque
//! directories, hard links, odd tar spellings, multi-platform and nested indexes, layers whose
//! label lies about their compression, and layers without end-of-archive blocks.

use std::path::Path;

use crate::image_support::*;
use isogen::image::{self, ArchiveFormat, Capture, EntryKind, Hidden, Image, OpenOptions};
use serde_json::json;

fn everything() -> Capture {
    Capture {
        wants: Box::new(|_| true),
        max_bytes: 1 << 20,
        sources: None,
    }
}

fn read_bytes(bytes: &[u8]) -> Image {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "image.tar", bytes);
    image::read(&path, &OpenOptions::default(), &everything()).unwrap_or_else(|e| panic!("{e}"))
}

fn read_with(bytes: &[u8], platform: Option<&str>) -> isogen::Result<Image> {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "image.tar", bytes);
    let options = OpenOptions {
        platform: platform.map(str::to_string),
    };
    image::read(&path, &options, &everything())
}

fn paths(image: &Image) -> Vec<&str> {
    image.tree.entries.keys().collect()
}

fn text(image: &Image, path: &str) -> String {
    String::from_utf8(image.tree.entries.at(path).content().unwrap().to_vec()).unwrap()
}

#[test]
fn opaque_directory_hides_lower_content_but_not_its_own_layer() {
    let lower = LayerTar::new()
        .dir("app/")
        .file("app/old.js", b"old")
        .dir("app/sub/")
        .file("app/sub/deep.js", b"deep")
        .file("keep.txt", b"keep")
        .finish();
    let upper = LayerTar::new()
        .dir("app/")
        .file("app/new.js", b"new")
        .file("app/.wh..wh..opq", b"")
        .finish();
    let image = read_bytes(
        &Oci::single(&[Layer::new(lower, Comp::Gzip), Layer::new(upper, Comp::Gzip)]).tar(),
    );
    assert_eq!(paths(&image), ["/app", "/app/new.js", "/keep.txt"]);
    let hidden: Vec<(&str, Hidden)> = image
        .tree
        .hidden
        .iter()
        .map(|h| (h.entry.path.as_str(), h.hidden))
        .collect();
    let deleted = Hidden::Deleted { by_layer: 1 };
    assert_eq!(
        hidden,
        [
            ("/app/old.js", deleted),
            ("/app/sub", deleted),
            ("/app/sub/deep.js", deleted)
        ]
    );
}

#[test]
fn hard_links_symlinks_and_odd_spellings() {
    let long = format!("usr/{}/file.txt", "long-directory-name".repeat(8));
    let pax = format!("opt/{}/pax.txt", "p".repeat(150));
    let layer = LayerTar::new()
        .dir("./")
        .dir("./etc/")
        .file("./etc/passwd", b"root:x:0:0::/root:/bin/sh\n")
        .hardlink("./etc/passwd-link", "./etc/passwd")
        .symlink("bin", "usr/bin")
        .file(&long, b"long")
        .pax_file(&pax, b"pax")
        .file("dup", b"first")
        .file("dup", b"second")
        .finish();
    let image = read_bytes(&Oci::single(&[Layer::new(layer, Comp::None)]).tar());
    let tree = &image.tree.entries;
    assert_eq!(text(&image, "/etc/passwd"), "root:x:0:0::/root:/bin/sh\n");
    let link = tree.at("/etc/passwd-link");
    assert_eq!(link.kind, EntryKind::HardLink);
    assert_eq!(link.link_target(), Some("/etc/passwd"));
    assert_eq!(
        text(&image, "/etc/passwd-link"),
        "root:x:0:0::/root:/bin/sh\n"
    );
    assert_eq!(tree.at("/bin").kind, EntryKind::Symlink);
    assert_eq!(tree.at("/bin").link_target(), Some("usr/bin"));
    assert_eq!(text(&image, &format!("/{long}")), "long");
    assert_eq!(text(&image, &format!("/{pax}")), "pax");
    // Duplicates in one layer: the last wins, the first is still known to ship.
    assert_eq!(text(&image, "/dup"), "second");
    let first = image
        .tree
        .hidden
        .iter()
        .find(|h| h.entry.path == "/dup")
        .unwrap();
    assert_eq!(first.hidden, Hidden::Overwritten { by_layer: 0 });
    assert!(!tree.contains_key("/"), "the root itself is not an entry");
    assert!(paths(&image)
        .iter()
        .all(|p| p.starts_with('/') && !p.contains("..")));
}

#[test]
fn compression_is_told_from_the_bytes_not_the_label() {
    let tar = LayerTar::new().file("a.txt", b"a").finish();
    // skopeo writes plain tar layers labelled +gzip; and the reverse, for good measure.
    let plain_as_gzip =
        Layer::new(tar.clone(), Comp::None).labelled("application/vnd.oci.image.layer.v1.tar+gzip");
    let zstd_as_docker_gzip = Layer::new(LayerTar::new().file("b.txt", b"b").finish(), Comp::Zstd)
        .labelled("application/vnd.docker.image.rootfs.diff.tar.gzip");
    let gzip_as_plain = Layer::new(LayerTar::new().file("c.txt", b"c").finish(), Comp::Gzip)
        .labelled("application/vnd.oci.image.layer.v1.tar");
    let image =
        read_bytes(&Oci::single(&[plain_as_gzip, zstd_as_docker_gzip, gzip_as_plain]).tar());
    let compressions: Vec<&str> = image
        .layers
        .iter()
        .map(|l| l.compression.as_str())
        .collect();
    assert_eq!(compressions, ["none", "zstd", "gzip"]);
    assert_eq!(paths(&image), ["/a.txt", "/b.txt", "/c.txt"]);
}

#[test]
fn layers_without_end_of_archive_blocks_read_fine() {
    let tar = LayerTar::new()
        .dir("opt/")
        .file("opt/umoci.txt", b"no trailer")
        .finish_without_end_blocks();
    for comp in [Comp::None, Comp::Gzip, Comp::Zstd] {
        let image = read_bytes(&Oci::single(&[Layer::new(tar.clone(), comp)]).tar());
        assert_eq!(text(&image, "/opt/umoci.txt"), "no trailer", "{comp:?}");
    }
}

#[test]
fn empty_layers_read_fine() {
    let image = read_bytes(
        &Oci::single(&[
            Layer::new(Vec::new(), Comp::None),
            Layer::new(LayerTar::new().finish(), Comp::Gzip),
        ])
        .tar(),
    );
    assert!(image.tree.entries.is_empty());
    assert_eq!(image.layers.len(), 2);
}

fn multi_platform() -> Oci {
    let mut oci = Oci::new();
    let amd = oci.image(
        "linux/amd64",
        &[Layer::new(
            LayerTar::new().file("arch", b"amd64").finish(),
            Comp::Gzip,
        )],
    );
    let arm = oci.image(
        "linux/arm64/v8",
        &[Layer::new(
            LayerTar::new().file("arch", b"arm64").finish(),
            Comp::Gzip,
        )],
    );
    let armv7 = oci.image(
        "linux/arm/v7",
        &[Layer::new(
            LayerTar::new().file("arch", b"armv7").finish(),
            Comp::Gzip,
        )],
    );
    // A buildx attestation, which is not an image to check.
    let mut attestation = oci.image(
        "linux/amd64",
        &[Layer::new(
            LayerTar::new().file("sbom", b"{}").finish(),
            Comp::Gzip,
        )],
    );
    attestation["platform"] = json!({"os": "unknown", "architecture": "unknown"});
    attestation["annotations"] = json!({"vnd.docker.reference.type": "attestation-manifest"});
    let nested = oci.nested_index(vec![amd, arm, armv7, attestation]);
    let mut top = oci.nested_index(vec![nested]);
    top["annotations"] = json!({"org.opencontainers.image.ref.name": "multi:1"});
    oci.index(vec![top]);
    oci
}

#[test]
fn nested_multi_platform_index_picks_the_requested_platform() {
    let bytes = multi_platform().tar();
    for (platform, expected) in [
        ("linux/arm64", ("linux/arm64/v8", "arm64")),
        ("linux/arm64/v8", ("linux/arm64/v8", "arm64")),
        ("linux/amd64", ("linux/amd64", "amd64")),
        ("linux/arm/v7", ("linux/arm/v7", "armv7")),
    ] {
        let image = read_with(&bytes, Some(platform)).unwrap();
        assert_eq!(image.platform, expected.0, "{platform}");
        assert_eq!(text(&image, "/arch"), expected.1, "{platform}");
        assert_eq!(image.names, ["multi:1"]);
    }
}

#[test]
fn multi_platform_index_defaults_to_the_host() {
    let image = read_with(&multi_platform().tar(), None).unwrap();
    let host = match std::env::consts::ARCH {
        "x86_64" => "linux/amd64",
        "aarch64" => "linux/arm64/v8",
        _ => return,
    };
    assert_eq!(image.platform, host);
}

#[test]
fn missing_platform_lists_the_ones_present() {
    let err = read_with(&multi_platform().tar(), Some("linux/s390x")).unwrap_err();
    assert!(matches!(err, isogen::Error::Image { .. }));
    let message = err.to_string();
    assert!(
        message.contains("no image for platform linux/s390x"),
        "{message}"
    );
    for present in ["linux/amd64", "linux/arm64/v8", "linux/arm/v7"] {
        assert!(message.contains(present), "{message}");
    }
    assert!(
        !message.contains("unknown"),
        "attestations are not platforms: {message}"
    );
}

#[test]
fn malformed_platform_is_a_usage_error() {
    let err = read_with(&multi_platform().tar(), Some("amd64")).unwrap_err();
    assert!(matches!(err, isogen::Error::Usage(_)), "{err}");
}

#[test]
fn two_images_for_one_platform_are_refused() {
    let mut oci = Oci::new();
    let mut a = oci.image(
        "linux/amd64",
        &[Layer::new(
            LayerTar::new().file("a", b"a").finish(),
            Comp::Gzip,
        )],
    );
    a["annotations"] = json!({"org.opencontainers.image.ref.name": "a:1"});
    let mut b = oci.image(
        "linux/amd64",
        &[Layer::new(
            LayerTar::new().file("b", b"b").finish(),
            Comp::Gzip,
        )],
    );
    b["annotations"] = json!({"org.opencontainers.image.ref.name": "b:1"});
    oci.index(vec![a, b]);
    let message = read_with(&oci.tar(), None).unwrap_err().to_string();
    assert!(
        message.contains("a:1") && message.contains("b:1"),
        "{message}"
    );
}

#[test]
fn oci_layout_directory_and_docker_v2_media_types() {
    let mut oci = Oci::new();
    let layer = Layer::new(LayerTar::new().file("x", b"x").finish(), Comp::Gzip)
        .labelled("application/vnd.docker.image.rootfs.diff.tar.gzip");
    let mut desc = oci.image("linux/amd64", &[layer]);
    // Rewrite the manifest with docker's media types.
    let digest = desc["digest"].as_str().unwrap().to_string();
    let mut manifest: serde_json::Value =
        serde_json::from_slice(oci.get(&format!("blobs/sha256/{}", hex(&digest)))).unwrap();
    manifest["mediaType"] = json!("application/vnd.docker.distribution.manifest.v2+json");
    manifest["config"]["mediaType"] = json!("application/vnd.docker.container.image.v1+json");
    let bytes = serde_json::to_vec(&manifest).unwrap();
    oci.blob(&bytes);
    desc = descriptor(
        "application/vnd.docker.distribution.manifest.v2+json",
        &bytes,
    );
    let list = oci.nested_index(vec![desc]);
    let mut list = list;
    list["mediaType"] = json!("application/vnd.docker.distribution.manifest.list.v2+json");
    oci.index(vec![list]);
    let dir = tempfile::tempdir().unwrap();
    oci.write_dir(dir.path());
    let image = image::read(dir.path(), &OpenOptions::default(), &everything()).unwrap();
    assert_eq!(image.format, ArchiveFormat::OciDir);
    assert_eq!(text(&image, "/x"), "x");
}

#[test]
fn docker_archive_legacy_layout_plain_and_symlinked() {
    let layers = vec![
        LayerTar::new().file("a", b"one").finish(),
        LayerTar::new()
            .file("b", b"two")
            .file(".wh.a", b"")
            .finish(),
    ];
    for symlinks in [false, true] {
        let image = read_bytes(&docker_archive_tar(&layers, symlinks));
        assert_eq!(image.format, ArchiveFormat::DockerArchive);
        assert_eq!(image.names, ["example:1"]);
        assert_eq!(paths(&image), ["/b"]);
        assert_eq!(image.tree.hidden[0].entry.path, "/a");
        assert_eq!(image.layers[0].digest, sha256(&layers[0]));
        assert_eq!(image.layers[1].created_by.as_deref(), Some("step 1"));
    }
}

#[test]
fn docker_25_layout_with_both_index_and_manifest_json() {
    // `docker save` since 25 writes an OCI layout plus manifest.json pointing into blobs/.
    let layer = Layer::new(LayerTar::new().file("hello", b"hi").finish(), Comp::None)
        .labelled("application/vnd.docker.image.rootfs.diff.tar");
    let mut oci = Oci::single(std::slice::from_ref(&layer));
    let config = oci.config_digest();
    let manifest = json!([{
        "Config": format!("blobs/sha256/{}", hex(&config)),
        "RepoTags": ["docker25:latest"],
        "Layers": [format!("blobs/sha256/{}", hex(&layer.digest()))],
    }]);
    oci.put("manifest.json", serde_json::to_vec(&manifest).unwrap());
    let image = read_bytes(&oci.tar());
    assert_eq!(image.format, ArchiveFormat::DockerArchive);
    assert!(
        image.manifest_digest.is_some(),
        "the OCI index is used, so the manifest is verified"
    );
    assert_eq!(image.names, ["docker25:latest", "example:1"]);
    assert_eq!(text(&image, "/hello"), "hi");
}

#[test]
fn gzip_compressed_oci_archive() {
    let oci = Oci::single(&[Layer::new(
        LayerTar::new().file("s", b"stdin").finish(),
        Comp::Gzip,
    )]);
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "x.tar.gz", &compress(&oci.tar(), Comp::Gzip));
    let image = image::read(Path::new(&path), &OpenOptions::default(), &everything()).unwrap();
    assert_eq!(text(&image, "/s"), "stdin");
}

#[test]
fn many_layers_are_applied_in_order_even_when_read_in_parallel() {
    let mut layers = Vec::new();
    for i in 0..24 {
        let mut tar = LayerTar::new().file("counter", format!("{i}").as_bytes());
        if i % 2 == 1 {
            tar = tar.file(&format!(".wh.file{}", i - 1), b"");
        } else {
            tar = tar.file(&format!("file{i}"), b"x");
        }
        layers.push(Layer::new(
            tar.finish(),
            if i % 3 == 0 { Comp::Zstd } else { Comp::Gzip },
        ));
    }
    let image = read_bytes(&Oci::single(&layers).tar());
    assert_eq!(text(&image, "/counter"), "23");
    assert_eq!(paths(&image), ["/counter"]);
    assert_eq!(image.tree.hidden.len(), 23 + 12);
    let layers_in_order: Vec<usize> = image.tree.hidden.iter().map(|h| h.entry.layer).collect();
    assert!(layers_in_order.windows(2).all(|w| w[0] <= w[1]));
}
