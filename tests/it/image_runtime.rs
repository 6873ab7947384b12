//! Images a container runtime reads differently from a naive reader (issue 8): each case is
//! built here, byte by byte where it must be, and must either read exactly as Go's
//! `archive/tar` and `encoding/json` read it (docker, containerd) or be refused with exit 2.

use std::path::{Path, PathBuf};

use crate::image_support::*;
use assert_cmd::Command;
use serde_json::json;

fn isogen() -> Command {
    let mut c = Command::cargo_bin("isogen").unwrap();
    c.env("NO_COLOR", "1")
        .timeout(std::time::Duration::from_secs(60));
    c
}

/// `isogen inspect PATH` exits 2 naming PATH and every needle.
fn rejects(path: &Path, needles: &[&str]) -> String {
    let out = isogen().arg("inspect").arg(path).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert!(out.stdout.is_empty(), "printed a result: {stderr}");
    assert!(
        stderr.starts_with(&format!("error: {}: ", path.display())),
        "{stderr}"
    );
    for needle in needles {
        assert!(stderr.contains(needle), "expected {needle:?} in: {stderr}");
    }
    stderr
}

/// `isogen inspect PATH` succeeds; returns what it printed.
fn accepts(path: &Path) -> String {
    let out = isogen().arg("inspect").arg(path).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "stderr: {stderr}");
    String::from_utf8(out.stdout).unwrap()
}

fn save(dir: &Path, bytes: &[u8]) -> PathBuf {
    write(dir, "image.tar", bytes)
}

/// One raw header block (name written as bytes, nothing checked), then `data` padded.
fn raw(name: &[u8], kind: u8, link: &[u8], data: &[u8]) -> Vec<u8> {
    let mut h = tar::Header::new_gnu();
    h.as_gnu_mut().unwrap().name[..name.len()].copy_from_slice(name);
    h.as_gnu_mut().unwrap().linkname[..link.len()].copy_from_slice(link);
    h.set_mode(0o644);
    h.set_size(data.len() as u64);
    h.set_mtime(0);
    h.as_mut_bytes()[156] = kind;
    h.set_cksum();
    let mut out = h.as_bytes().to_vec();
    out.extend_from_slice(data);
    out.resize(out.len().div_ceil(512) * 512, 0);
    out
}

fn end(mut tar: Vec<u8>) -> Vec<u8> {
    tar.extend_from_slice(&[0u8; 1024]);
    tar
}

fn one_layer(tar: Vec<u8>) -> Vec<u8> {
    Oci::single(&[Layer::new(tar, Comp::Gzip)]).tar()
}

fn layers(tars: Vec<Vec<u8>>) -> Vec<u8> {
    let layers: Vec<Layer> = tars
        .into_iter()
        .map(|t| Layer::new(t, Comp::None))
        .collect();
    Oci::single(&layers).tar()
}

/// An OCI archive whose config JSON is `config` (digests kept consistent).
fn with_config(config: &[u8]) -> Vec<u8> {
    let layer = Layer::new(LayerTar::new().file("a", b"a").finish(), Comp::None);
    let mut oci = Oci::single(std::slice::from_ref(&layer));
    let digest = oci.blob(config);
    let mut manifest = oci.manifest();
    manifest["config"]["digest"] = json!(digest);
    manifest["config"]["size"] = json!(config.len());
    oci.set_manifest(&manifest);
    oci.tar()
}

fn config_text(inner: &str) -> String {
    let layer = LayerTar::new().file("a", b"a").finish();
    format!(
        r#"{{"architecture":"amd64","os":"linux","config":{{{inner}}},"rootfs":{{"type":"layers","diff_ids":["{}"]}}}}"#,
        sha256(&layer)
    )
}

// ---------------------------------------------------------------------------------------------
// JSON documents as Go reads them

#[test]
fn a_config_key_differing_only_by_case_from_user_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    for inner in [
        r#""User":"10001","user":"root""#,
        r#""user":"root""#,
        "\"U\u{17f}er\":\"root\"",
        r#""entrypoint":["/bin/sh"]"#,
    ] {
        let path = save(dir.path(), &with_config(config_text(inner).as_bytes()));
        rejects(
            &path,
            &[
                "config sha256:",
                "differs only by case",
                "Go's encoding/json",
            ],
        );
    }
}

#[test]
fn a_duplicate_key_in_the_config_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let text = config_text(r#""User":"10001","User":"0""#);
    let path = save(dir.path(), &with_config(text.as_bytes()));
    rejects(
        &path,
        &["config sha256:", "`User` in `config` appears twice"],
    );
}

#[test]
fn a_duplicate_key_in_index_json_or_a_manifest_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let layer = Layer::new(LayerTar::new().file("a", b"a").finish(), Comp::None);
    let mut oci = Oci::single(std::slice::from_ref(&layer));
    let index = String::from_utf8(oci.get("index.json").to_vec()).unwrap();
    let doubled = index.replacen(
        "\"schemaVersion\":2",
        "\"schemaVersion\":2,\"schemaVersion\":2",
        1,
    );
    assert_ne!(doubled, index);
    oci.put("index.json", doubled.into_bytes());
    rejects(
        &save(dir.path(), &oci.tar()),
        &["index.json", "`schemaVersion` appears twice"],
    );

    let mut oci = Oci::single(std::slice::from_ref(&layer));
    let manifest = serde_json::to_string(&oci.manifest()).unwrap();
    let doubled = format!("{},\"layers\":[]}}", manifest.trim_end_matches('}'));
    oci.set_manifest_bytes(doubled.into_bytes());
    rejects(
        &save(dir.path(), &oci.tar()),
        &["manifest sha256:", "`layers` appears twice"],
    );
}

/// A docker archive holding index.json and a manifest.json that names `layers` and `config`
/// by their blob paths.
fn dual(manifest_layers: Vec<String>, config: Option<String>) -> Vec<u8> {
    let layer = Layer::new(LayerTar::new().file("a", b"a").finish(), Comp::None);
    let mut oci = Oci::single(std::slice::from_ref(&layer));
    let config = config.unwrap_or_else(|| format!("blobs/sha256/{}", hex(&oci.config_digest())));
    let manifest =
        json!([{"Config": config, "RepoTags": ["example:1"], "Layers": manifest_layers}]);
    oci.put("manifest.json", serde_json::to_vec(&manifest).unwrap());
    oci.tar()
}

#[test]
fn index_json_and_manifest_json_must_describe_the_same_image() {
    let dir = tempfile::tempdir().unwrap();
    let layer = Layer::new(LayerTar::new().file("a", b"a").finish(), Comp::None);
    let same = dual(vec![format!("blobs/sha256/{}", hex(&layer.digest()))], None);
    accepts(&save(dir.path(), &same));

    // manifest.json names another layer (present in the archive).
    let other = LayerTar::new()
        .file("etc/passwd", b"root:x:0:0::/:/bin/sh\n")
        .finish();
    let mut bytes = dual(vec![format!("blobs/sha256/{}", hex(&sha256(&other)))], None);
    let mut files = vec![(format!("blobs/sha256/{}", hex(&sha256(&other))), other)];
    // Rebuild with the extra blob: the archive helper takes a list of files.
    let mut oci_files: Vec<(String, Vec<u8>)> = Vec::new();
    {
        let mut archive = tar::Archive::new(&bytes[..]);
        for entry in archive.entries().unwrap() {
            let mut entry = entry.unwrap();
            let name = entry.path().unwrap().to_string_lossy().into_owned();
            let mut data = Vec::new();
            std::io::Read::read_to_end(&mut entry, &mut data).unwrap();
            oci_files.push((name, data));
        }
    }
    oci_files.append(&mut files);
    bytes = archive(&oci_files);
    rejects(
        &save(dir.path(), &bytes),
        &["describes two images", "layer 1"],
    );

    // manifest.json names another config.
    let bytes = dual(
        vec![format!("blobs/sha256/{}", hex(&layer.digest()))],
        Some("oci-layout".into()),
    );
    rejects(
        &save(dir.path(), &bytes),
        &["describes two images", "config"],
    );
}

#[test]
fn an_attestation_annotation_does_not_hide_a_real_platform_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let mut oci = Oci::new();
    let good = oci.image(
        "linux/amd64",
        &[Layer::new(
            LayerTar::new().file("a", b"a").finish(),
            Comp::None,
        )],
    );
    let mut evil = oci.image(
        "linux/amd64",
        &[Layer::new(
            LayerTar::new().file("b", b"b").finish(),
            Comp::None,
        )],
    );
    evil["annotations"] = json!({"vnd.docker.reference.type": "attestation-manifest"});
    oci.index(vec![good, evil]);
    let path = save(dir.path(), &oci.tar());
    let out = isogen()
        .args(["inspect", "--platform", "linux/amd64"])
        .arg(&path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("2 different images"), "{stderr}");
}

// ---------------------------------------------------------------------------------------------
// The outer archive

#[test]
fn a_member_stored_twice_under_two_spellings_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let layer = Layer::new(LayerTar::new().file("a", b"a").finish(), Comp::None);
    let mut oci = Oci::single(std::slice::from_ref(&layer));
    let index = oci.get("index.json").to_vec();
    oci.files.push(("./index.json".into(), index));
    rejects(&save(dir.path(), &oci.tar()), &["`index.json` twice"]);
}

#[test]
fn a_nul_inside_a_member_name_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let layer = Layer::new(LayerTar::new().file("a", b"a").finish(), Comp::None);
    let oci = Oci::single(std::slice::from_ref(&layer));
    let mut bytes = Vec::new();
    for (name, data) in &oci.files {
        if name == "index.json" {
            let long = b"index.json\0decoy-name-after-the-nul\0";
            bytes.extend(raw(b"././@LongLink", b'L', b"", long));
            bytes.extend(raw(b"decoy", b'0', b"", data));
        } else {
            bytes.extend(raw(name.as_bytes(), b'0', b"", data));
        }
    }
    rejects(&save(dir.path(), &end(bytes)), &["NUL"]);
}

#[test]
fn an_outer_archive_without_end_blocks_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let layer = Layer::new(LayerTar::new().file("a", b"a").finish(), Comp::None);
    let bytes = Oci::single(std::slice::from_ref(&layer)).tar();
    let trimmed = bytes.len() - bytes.iter().rev().take_while(|b| **b == 0).count();
    let cut = trimmed.div_ceil(512) * 512;
    rejects(&save(dir.path(), &bytes[..cut]), &["end-of-archive"]);
}

// ---------------------------------------------------------------------------------------------
// Layers as Go's archive/tar reads them

#[test]
fn a_gnu_long_name_is_cut_at_its_first_nul() {
    let dir = tempfile::tempdir().unwrap();
    let mut tar = raw(b"././@LongLink", b'L', b"", b"etc/passwd\0.decoy-suffix\0");
    tar.extend(raw(b"decoy", b'0', b"", b"root:x:0:0::/:/bin/sh\n"));
    let out = accepts(&save(dir.path(), &one_layer(end(tar))));
    assert!(out.contains(" /etc/passwd\n"), "{out}");
    assert!(!out.contains("decoy"), "{out}");
}

#[test]
fn a_nul_in_a_pax_path_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let record = b"28 path=etc/passwd\0.decoy-x\n";
    let mut tar = raw(b"PaxHeader", b'x', b"", record);
    tar.extend(raw(b"name", b'0', b"", b"x"));
    rejects(
        &save(dir.path(), &one_layer(end(tar))),
        &["layer 1 of 1", "NUL"],
    );
}

#[test]
fn a_type_0_entry_named_with_a_trailing_slash_is_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let tar = raw(b"app/run.sh/", b'0', b"", b"#!/bin/sh\n");
    let out = accepts(&save(dir.path(), &one_layer(end(tar))));
    assert!(
        out.contains("file") && out.contains(" /app/run.sh\n"),
        "{out}"
    );
}

#[test]
fn a_symlink_header_with_a_size_carries_no_data() {
    // Go reads the block after a symlink header as the next header, whatever its size says.
    let dir = tempfile::tempdir().unwrap();
    let mut h = tar::Header::new_gnu();
    h.set_path("link").unwrap();
    h.set_link_name("target").unwrap();
    h.set_entry_type(tar::EntryType::Symlink);
    h.set_size(512);
    h.set_cksum();
    let mut tar = h.as_bytes().to_vec();
    tar.extend(raw(b"etc/passwd", b'0', b"", b"root:x:0:0::/:/bin/sh\n"));
    let out = accepts(&save(dir.path(), &one_layer(end(tar))));
    assert!(out.contains(" /etc/passwd\n"), "{out}");
}

#[test]
fn entries_written_through_a_symlinked_parent_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let same = LayerTar::new()
        .dir("etc/")
        .symlink("y", "/etc")
        .file("y/passwd", b"root:x:0:0::/:/bin/sh\n")
        .finish();
    rejects(
        &save(dir.path(), &layers(vec![same])),
        &["`/y`", "symlink", "ambiguous"],
    );
    let lower = LayerTar::new().dir("etc/").symlink("y", "/etc").finish();
    let upper = LayerTar::new()
        .file("y/passwd", b"root:x:0:0::/:/bin/sh\n")
        .finish();
    rejects(
        &save(dir.path(), &layers(vec![lower, upper])),
        &["layer 2 of 2", "/y/passwd", "symlink"],
    );
}

#[test]
fn layers_no_runtime_extracts_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    // Data after a lone zero block.
    let mut tar = raw(b"a", b'0', b"", b"a");
    tar.extend_from_slice(&[0u8; 512]);
    tar.extend(end(raw(
        b"etc/passwd",
        b'0',
        b"",
        b"root:x:0:0::/:/bin/sh\n",
    )));
    rejects(&save(dir.path(), &one_layer(tar)), &["lone zero block"]);
    // Hard links to themselves and to nothing.
    let tar = LayerTar::new().hardlink("a", "a").finish();
    rejects(&save(dir.path(), &one_layer(tar)), &["hard link to itself"]);
    let tar = LayerTar::new().hardlink("a", "missing").finish();
    rejects(&save(dir.path(), &one_layer(tar)), &["`/missing`"]);
    // Whiteouts of `.` and `..`.
    for name in ["app/.wh..", "app/.wh..."] {
        let tar = LayerTar::new().dir("app/").file(name, b"").finish();
        rejects(&save(dir.path(), &one_layer(tar)), &["whiteout"]);
    }
    // Non-zero bytes after the end-of-archive blocks.
    let mut tar = LayerTar::new().file("a", b"a").finish();
    tar.extend(raw(b"etc/passwd", b'0', b"", b"root:x:0:0::/:/bin/sh\n"));
    rejects(
        &save(dir.path(), &one_layer(tar)),
        &["non-zero bytes follow"],
    );
    // A path longer than PATH_MAX.
    let long = format!("{}/f", "d".repeat(4100));
    let tar = LayerTar::new().pax_file(&long, b"x").finish();
    rejects(
        &save(dir.path(), &one_layer(tar)),
        &["longer than the 4096"],
    );
}

#[test]
fn layers_runtimes_extract_are_read() {
    let dir = tempfile::tempdir().unwrap();
    // umoci 0.4.7: the last entry's data ends the stream, without padding or end blocks.
    let mut tar = raw(b"etc/", b'5', b"", b"");
    let mut last = raw(b"etc/passwd", b'0', b"", b"root:x:0:0::/:/bin/sh\n");
    last.truncate(512 + 22);
    tar.extend(last);
    let out = accepts(&save(dir.path(), &one_layer(tar)));
    assert!(out.contains(" /etc/passwd\n"), "{out}");
    // zstd starting with a skippable frame.
    let tar = LayerTar::new().file("app/main.js", b"x").finish();
    let mut blob = vec![0x50, 0x2a, 0x4d, 0x18, 4, 0, 0, 0, 1, 2, 3, 4];
    blob.extend(compress(&tar, Comp::Zstd));
    let layer = Layer {
        blob,
        diff_id: sha256(&tar),
        media_type: "application/vnd.oci.image.layer.v1.tar+zstd".into(),
    };
    let out = accepts(&save(dir.path(), &Oci::single(&[layer]).tar()));
    assert!(out.contains(" /app/main.js\n"), "{out}");
}

// ---------------------------------------------------------------------------------------------
// Output

#[test]
fn control_characters_in_names_are_escaped_in_inspect_and_verify() {
    let dir = tempfile::tempdir().unwrap();
    let evil = "app/\u{1b}[1A\u{1b}[2Kbilling: passed\r\n/.env";
    let tar = LayerTar::new()
        .dir("etc")
        .file(
            "etc/passwd",
            b"root:x:0:0::/root:/bin/sh\napp:x:10001:10001::/app:/bin/sh\n",
        )
        .file(evil, b"TOKEN=x")
        .finish();
    let path = save(dir.path(), &one_layer(tar));
    let out = accepts(&path);
    assert!(!out.contains('\u{1b}') && !out.contains('\r'), "{out:?}");
    assert!(
        out.contains("\\x1b[1A\\x1b[2Kbilling: passed\\r\\n/.env"),
        "{out}"
    );
    let verify = isogen()
        .args(["verify", "--service", "svc"])
        .arg(&path)
        .current_dir(dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&verify.stdout);
    assert!(text.contains(".env"), "{text}");
    assert!(!text.contains('\u{1b}') && !text.contains('\r'), "{text:?}");
}

// ---------------------------------------------------------------------------------------------
// Platforms

#[test]
fn the_report_names_the_platforms_it_did_not_check() {
    let dir = tempfile::tempdir().unwrap();
    let layer = || {
        Layer::new(
            LayerTar::new()
                .dir("etc")
                .file("etc/passwd", b"root:x:0:0::/root:/bin/sh\n")
                .finish(),
            Comp::None,
        )
    };
    let mut oci = Oci::new();
    let amd = oci.image("linux/amd64", &[layer()]);
    let arm = oci.image("linux/arm64", &[layer()]);
    oci.index(vec![amd, arm]);
    let path = save(dir.path(), &oci.tar());
    let out = isogen()
        .args(["verify", "--service", "svc", "--platform", "linux/amd64"])
        .arg(&path)
        .current_dir(dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("also in the archive, not checked: linux/arm64"),
        "{text}"
    );
    let out = isogen()
        .args([
            "verify",
            "--service",
            "svc",
            "--platform",
            "linux/amd64",
            "--format",
            "json",
        ])
        .arg(&path)
        .current_dir(dir.path())
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report["images"][0]["other_platforms"],
        json!(["linux/arm64"])
    );
}

#[test]
fn an_index_platform_that_its_config_contradicts_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut oci = Oci::new();
    let layer = Layer::new(LayerTar::new().file("a", b"a").finish(), Comp::None);
    let mut desc = oci.image("linux/amd64", &[layer]);
    desc["platform"] = json!({"os": "linux", "architecture": "arm64"});
    let other = oci.image(
        "linux/s390x",
        &[Layer::new(
            LayerTar::new().file("b", b"b").finish(),
            Comp::None,
        )],
    );
    oci.index(vec![desc, other]);
    let path = save(dir.path(), &oci.tar());
    let out = isogen()
        .args(["inspect", "--platform", "linux/arm64"])
        .arg(&path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("its config says linux/amd64"), "{stderr}");
}
