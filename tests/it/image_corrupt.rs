//! Every way an archive can be broken or tampered with is an `Error::Image` (exit 2) whose
//! message names the archive, the blob and what is wrong; never a pass, never a panic.

use std::path::PathBuf;

use crate::image_support::*;
use isogen::image::{self, Capture, OpenOptions};
use serde_json::json;

fn capture() -> Capture {
    Capture {
        wants: Box::new(|_| true),
        max_bytes: 1 << 16,
        sources: None,
    }
}

fn layers() -> Vec<Layer> {
    vec![
        Layer::new(
            LayerTar::new()
                .dir("etc/")
                .file("etc/passwd", b"root:x:0:0::/root:/bin/sh\n")
                .file("etc/big", &[b'x'; 5000])
                .finish(),
            Comp::Gzip,
        ),
        Layer::new(
            LayerTar::new()
                .dir("app/")
                .file("app/main.js", &vec![b'j'; 3000])
                .file("app/package.json", b"{}")
                .finish(),
            Comp::None,
        ),
    ]
}

struct Broken {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

fn save(bytes: &[u8]) -> Broken {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "broken.tar", bytes);
    Broken { _dir: dir, path }
}

/// Reads the archive and returns the error message, asserting it is an image error that
/// names the archive file and every `needles`.
fn fails(bytes: &[u8], needles: &[&str]) -> String {
    let broken = save(bytes);
    let err = match image::read(&broken.path, &OpenOptions::default(), &capture()) {
        Ok(_) => panic!("a broken archive was read without error"),
        Err(err) => err,
    };
    assert!(matches!(err, isogen::Error::Image { .. }), "{err:?}");
    let message = err.to_string();
    eprintln!("MSG {message}");
    assert!(
        message.starts_with(&broken.path.display().to_string()),
        "{message}"
    );
    for needle in needles {
        assert!(
            message.contains(needle),
            "expected {needle:?} in: {message}"
        );
    }
    message
}

#[test]
fn the_intact_archive_reads() {
    let broken = save(&Oci::single(&layers()).tar());
    image::read(&broken.path, &OpenOptions::default(), &capture()).unwrap();
}

#[test]
fn flipped_byte_in_a_gzip_layer() {
    let mut oci = Oci::single(&layers());
    let digest = oci.layer_digest(0);
    let name = format!("blobs/sha256/{}", hex(&digest));
    let mut blob = oci.get(&name).to_vec();
    let middle = blob.len() / 2;
    blob[middle] ^= 0x40;
    oci.put(&name, blob);
    fails(&oci.tar(), &["layer 1 of 2", &digest, "digest mismatch"]);
}

#[test]
fn flipped_byte_in_file_content_of_an_uncompressed_layer() {
    let mut oci = Oci::single(&layers());
    let digest = oci.layer_digest(1);
    let name = format!("blobs/sha256/{}", hex(&digest));
    let mut blob = oci.get(&name).to_vec();
    blob[1024 + 100] ^= 1; // inside app/main.js's data: the tar still parses
    oci.put(&name, blob);
    fails(&oci.tar(), &["layer 2 of 2", &digest, "digest mismatch"]);
}

#[test]
fn flipped_byte_in_a_legacy_docker_layer_is_caught_by_the_diff_id() {
    // Older docker names layers `<v1 id>/layer.tar`, which is no digest: the config's
    // rootfs.diff_ids must catch it.
    let tars = vec![LayerTar::new().file("a", &[b'a'; 2000]).finish()];
    let mut files = docker_archive(&tars, false);
    let layer = files
        .iter_mut()
        .find(|(n, _)| n.ends_with("layer.tar"))
        .unwrap();
    layer.1[700] ^= 1;
    let diff_id = sha256(&tars[0]);
    fails(
        &archive(&files),
        &["layer 1 of 1", "layer.tar", &diff_id, "rootfs.diff_ids"],
    );
}

#[test]
fn wrong_layer_digest_in_the_manifest() {
    let mut oci = Oci::single(&layers());
    let real = oci.layer_digest(0);
    let wrong = sha256(b"something else");
    // The blob is stored under the name the manifest claims, but its bytes are the real ones.
    let bytes = oci.get(&format!("blobs/sha256/{}", hex(&real))).to_vec();
    oci.remove(&format!("blobs/sha256/{}", hex(&real)));
    oci.put(&format!("blobs/sha256/{}", hex(&wrong)), bytes);
    let mut manifest = oci.manifest();
    manifest["layers"][0]["digest"] = json!(wrong);
    oci.set_manifest(&manifest);
    fails(&oci.tar(), &[&wrong, "digest mismatch", &real]);
}

#[test]
fn tampered_manifest_no_longer_matches_the_index() {
    let mut oci = Oci::single(&layers());
    let digest = oci.manifest_digest();
    let name = format!("blobs/sha256/{}", hex(&digest));
    let mut manifest = oci.get(&name).to_vec();
    let at = manifest.len() - 3;
    manifest[at] = b' ';
    oci.put(&name, manifest);
    fails(&oci.tar(), &["manifest", &digest, "digest mismatch"]);
}

#[test]
fn tampered_config() {
    let mut oci = Oci::single(&layers());
    let digest = oci.config_digest();
    let name = format!("blobs/sha256/{}", hex(&digest));
    let config = String::from_utf8(oci.get(&name).to_vec()).unwrap();
    oci.put(&name, config.replace("10001", "0\"   ").into_bytes());
    fails(&oci.tar(), &["config", &digest, "mismatch"]);
}

#[test]
fn diff_id_that_does_not_match_the_layer() {
    // Manifest and blobs consistent, but the config names other content.
    let mut oci = Oci::single(&layers());
    let config_digest = oci.config_digest();
    let mut config: serde_json::Value =
        serde_json::from_slice(oci.get(&format!("blobs/sha256/{}", hex(&config_digest)))).unwrap();
    let forged = sha256(b"forged");
    config["rootfs"]["diff_ids"][1] = json!(forged);
    let bytes = serde_json::to_vec(&config).unwrap();
    let new_digest = oci.blob(&bytes);
    let mut manifest = oci.manifest();
    manifest["config"] = json!({"mediaType": "application/vnd.oci.image.config.v1+json", "digest": new_digest, "size": bytes.len()});
    oci.set_manifest(&manifest);
    fails(&oci.tar(), &["layer 2 of 2", &forged, "rootfs.diff_ids"]);
}

#[test]
fn missing_layer_blob() {
    let mut oci = Oci::single(&layers());
    let digest = oci.layer_digest(1);
    oci.remove(&format!("blobs/sha256/{}", hex(&digest)));
    fails(&oci.tar(), &["layer 2", &digest, "missing"]);
}

#[test]
fn missing_config_and_manifest_blobs() {
    let mut oci = Oci::single(&layers());
    let config = oci.config_digest();
    oci.remove(&format!("blobs/sha256/{}", hex(&config)));
    fails(&oci.tar(), &["config", &config, "missing"]);

    let mut oci = Oci::single(&layers());
    let manifest = oci.manifest_digest();
    oci.remove(&format!("blobs/sha256/{}", hex(&manifest)));
    fails(&oci.tar(), &["manifest", &manifest, "missing"]);
}

#[test]
fn missing_layer_in_a_docker_archive() {
    let tars = vec![LayerTar::new().file("a", b"a").finish()];
    let mut files = docker_archive(&tars, false);
    files.retain(|(n, _)| !n.ends_with("layer.tar"));
    fails(&archive(&files), &["layer 1", "layer.tar", "missing"]);
}

#[test]
fn truncated_layer_blob() {
    let mut oci = Oci::single(&layers());
    let digest = oci.layer_digest(0);
    let name = format!("blobs/sha256/{}", hex(&digest));
    let blob = oci.get(&name).to_vec();
    oci.put(&name, blob[..blob.len() / 2].to_vec());
    fails(&oci.tar(), &["layer 1 of 2", &digest, "truncated"]);
}

/// A layer cut inside an entry, with manifest and config rewritten to match the cut bytes:
/// no digest can catch it, only the tar reader.
#[test]
fn truncated_layer_with_consistent_digests() {
    for comp in [Comp::None, Comp::Gzip, Comp::Zstd] {
        let full = LayerTar::new()
            .file("a", b"a")
            .file("big", &[b'b'; 4000])
            .finish();
        let cut = full[..512 * 4].to_vec();
        let layer = Layer {
            blob: compress(&cut, comp),
            diff_id: sha256(&cut),
            media_type: "application/vnd.oci.image.layer.v1.tar".into(),
        };
        let oci = Oci::single(std::slice::from_ref(&layer));
        fails(
            &oci.tar(),
            &[&layer.digest(), "stream ends inside an entry", "`big`"],
        );
    }
}

#[test]
fn gzip_stream_cut_short_with_consistent_digests() {
    let tar = LayerTar::new().file("big", &[7u8; 100_000]).finish();
    let gz = compress(&tar, Comp::Gzip);
    let cut = gz[..gz.len() - 20].to_vec();
    let layer = Layer {
        blob: cut,
        diff_id: sha256(&tar),
        media_type: "application/vnd.oci.image.layer.v1.tar+gzip".into(),
    };
    let oci = Oci::single(std::slice::from_ref(&layer));
    fails(
        &oci.tar(),
        &[&layer.digest(), "gzip stream is corrupt or truncated"],
    );
}

#[test]
fn truncated_outer_archive() {
    let bytes = Oci::single(&layers()).tar();
    // Cut inside some member's data: whichever it is, it is named.
    for cut in [bytes.len() / 2, bytes.len() - 1500, 700] {
        let message = fails(&bytes[..cut], &[]);
        assert!(
            message.contains("truncated")
                || message.contains("cut short")
                || message.contains("missing")
                || message.contains("stream ends"),
            "{message}"
        );
    }
    // Cut between members (after oci-layout's header and data block): tar's end is missing.
    let message = fails(&bytes[..1024], &[]);
    assert!(message.contains("end-of-archive"), "{message}");
}

#[test]
fn truncated_outer_archive_names_the_member() {
    let oci = Oci::single(&layers());
    let bytes = oci.tar();
    // Find where the last blob's data starts and cut right after its header.
    let last = &oci.files.last().unwrap().0;
    let at = find(&bytes, last.as_bytes()).unwrap();
    let message = fails(&bytes[..at + 512 + 10], &["truncated", last]);
    assert!(message.contains("declares"), "{message}");
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[test]
fn garbage_json() {
    // index.json
    let mut oci = Oci::single(&layers());
    oci.put("index.json", b"{\"manifests\": [".to_vec());
    fails(&oci.tar(), &["index.json is not valid", "line 1"]);

    // manifest (consistent digest, so only the parser can object)
    let mut oci = Oci::single(&layers());
    oci.set_manifest_bytes(b"not json at all".to_vec());
    let digest = oci.manifest_digest();
    fails(&oci.tar(), &["manifest", &digest, "not valid"]);

    // manifest.json of a docker archive
    let tars = vec![LayerTar::new().file("a", b"a").finish()];
    let mut files = docker_archive(&tars, false);
    files.last_mut().unwrap().1 = b"[{\"Config\": 42}]".to_vec();
    fails(&archive(&files), &["manifest.json is not valid"]);

    // a config that is JSON but not an image config
    let mut oci = Oci::single(&layers());
    let bytes = br#"{"rootfs": "nope"}"#.to_vec();
    let digest = oci.blob(&bytes);
    let mut manifest = oci.manifest();
    manifest["config"] = json!({"mediaType": "application/vnd.oci.image.config.v1+json", "digest": digest, "size": bytes.len()});
    oci.set_manifest(&manifest);
    fails(&oci.tar(), &["config", &digest, "not a valid image config"]);
}

#[test]
fn invalid_digests_in_descriptors() {
    let mut oci = Oci::single(&layers());
    let mut manifest = oci.manifest();
    manifest["layers"][0]["digest"] = json!("sha256:../../../etc/passwd");
    oci.set_manifest(&manifest);
    fails(&oci.tar(), &["not a valid sha256 digest"]);

    let mut oci = Oci::single(&layers());
    let mut manifest = oci.manifest();
    manifest["layers"][0]["digest"] = json!(format!("sha512:{}", "a".repeat(128)));
    oci.set_manifest(&manifest);
    fails(&oci.tar(), &["sha512"]);
}

#[test]
fn layer_count_disagrees_with_diff_ids() {
    let mut oci = Oci::single(&layers());
    let mut manifest = oci.manifest();
    manifest["layers"].as_array_mut().unwrap().pop();
    oci.set_manifest(&manifest);
    fails(&oci.tar(), &["lists 1 layers", "2 rootfs.diff_ids"]);
}

#[test]
fn oversized_json_is_refused_before_parsing() {
    let mut oci = Oci::single(&layers());
    let mut huge = b"{\"manifests\": [], \"pad\": \"".to_vec();
    huge.resize(9 << 20, b'x');
    huge.extend_from_slice(b"\"}");
    oci.put("index.json", huge);
    fails(&oci.tar(), &["index.json", "more than the"]);
}

#[test]
fn not_an_image_archive() {
    fails(
        &archive(&[("hello.txt".into(), b"hi".to_vec())]),
        &["not an image archive"],
    );
    fails(
        b"this is not a tar file at all, just text that goes on for a while",
        &["not a tar archive"],
    );
    fails(b"", &["empty"]);
    let gz = compress(b"not a tar", Comp::Gzip);
    fails(&gz, &["not a tar archive"]);
    let mut gz = compress(&Oci::single(&layers()).tar(), Comp::Gzip);
    gz.truncate(gz.len() / 2);
    fails(&gz, &["gzip-compressed archive is corrupt or truncated"]);
}

#[test]
fn hostile_layers_do_not_exhaust_memory() {
    // A PAX header claiming a terabyte, and a file claiming a petabyte of data.
    let mut pax = tar::Header::new_gnu();
    pax.set_entry_type(tar::EntryType::XHeader);
    pax.set_size(1 << 40);
    pax.set_path("pax").unwrap();
    pax.set_cksum();
    let mut tar = pax.as_bytes().to_vec();
    tar.extend_from_slice(&[0u8; 512]);
    let layer = Layer::new(tar, Comp::Gzip);
    fails(
        &Oci::single(std::slice::from_ref(&layer)).tar(),
        &[&layer.digest(), "PAX header declares"],
    );

    let mut huge = tar::Header::new_gnu();
    huge.set_entry_type(tar::EntryType::Regular);
    huge.set_size(1 << 50);
    huge.set_path("etc/passwd").unwrap();
    huge.set_cksum();
    let tar = huge.as_bytes().to_vec();
    let layer = Layer::new(tar, Comp::Zstd);
    fails(
        &Oci::single(std::slice::from_ref(&layer)).tar(),
        &[
            &layer.digest(),
            "stream ends inside an entry",
            "`etc/passwd`",
        ],
    );
}

#[test]
fn deeply_nested_indexes_are_refused() {
    let mut oci = Oci::new();
    let mut desc = oci.image("linux/amd64", &layers());
    for _ in 0..12 {
        desc = oci.nested_index(vec![desc]);
    }
    oci.index(vec![desc]);
    fails(&oci.tar(), &["nest more than"]);
}

#[test]
fn encrypted_layers_are_refused_by_name() {
    let layer = layers()
        .remove(0)
        .labelled("application/vnd.oci.image.layer.v1.tar+gzip+encrypted");
    fails(
        &Oci::single(std::slice::from_ref(&layer)).tar(),
        &[&layer.digest(), "encrypted"],
    );
}

#[test]
fn an_artifact_is_not_an_image() {
    let mut oci = Oci::single(&layers());
    let mut manifest = oci.manifest();
    manifest["config"]["mediaType"] = json!("application/vnd.cncf.helm.config.v1+json");
    oci.set_manifest(&manifest);
    fails(&oci.tar(), &["not a container image", "helm"]);
}
