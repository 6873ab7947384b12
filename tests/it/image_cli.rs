//! `isogen inspect` run as a user would: real fixtures, stdin, JSON, and exit code 2 with one
//! clear message for anything unusable.

use std::path::{Path, PathBuf};

use crate::image_support::*;
use assert_cmd::Command;
use predicates::prelude::*;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/images")
        .join(name)
}

fn isogen() -> Command {
    Command::cargo_bin("isogen").unwrap()
}

#[test]
fn inspect_shows_the_tree_links_and_what_ships_hidden() {
    isogen()
        .arg("inspect")
        .arg(fixture("docker-archive.tar"))
        .assert()
        .success()
        .stdout(predicate::str::contains("platform: linux/amd64"))
        .stdout(predicate::str::contains(
            "/app/lib/main-link.js -> ../dist/main.js",
        ))
        .stdout(predicate::str::contains(
            "/app/lib/hard.js => /app/dist/main.js",
        ))
        .stdout(predicate::str::contains(
            "/app/src/main.ts  (deleted by layer 4)",
        ))
        .stdout(predicate::str::contains(
            "/app/dist/main.js  (overwritten by layer 4)",
        ));
}

#[test]
fn inspect_reads_stdin_plain_and_gzip_compressed() {
    let bytes = std::fs::read(fixture("oci-archive.tar")).unwrap();
    for input in [
        bytes.clone(),
        compress(&bytes, Comp::Gzip),
        compress(&bytes, Comp::Zstd),
    ] {
        isogen()
            .args(["inspect", "-"])
            .write_stdin(input)
            .assert()
            .success()
            .stdout(predicate::str::contains("image:    - (oci-archive)"))
            .stdout(predicate::str::contains("/etc/passwd"));
    }
}

#[test]
fn inspect_json_is_machine_readable() {
    let output = isogen()
        .args(["inspect", "--format", "json"])
        .arg(fixture("oci-archive-zstd.tar"))
        .output()
        .unwrap();
    assert!(output.status.success());
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["image"]["platform"], "linux/amd64");
    assert_eq!(json["image"]["format"], "oci-archive");
    assert_eq!(json["image"]["layers"][0]["compression"], "zstd");
    assert_eq!(
        json["image"]["tree"]["entries"]["/etc/passwd"]["kind"],
        "file"
    );
    assert_eq!(json["config"]["config"]["User"], "10001:10001");
    assert_eq!(json["layer_totals"].as_array().unwrap().len(), 4);
}

#[test]
fn a_corrupt_archive_exits_2_naming_the_blob() {
    let mut oci = Oci::single(&[Layer::new(
        LayerTar::new().file("a", &[1u8; 3000]).finish(),
        Comp::Gzip,
    )]);
    let digest = oci.layer_digest(0);
    let name = format!("blobs/sha256/{}", hex(&digest));
    let mut blob = oci.get(&name).to_vec();
    let at = blob.len() / 2;
    blob[at] ^= 0xff;
    oci.put(&name, blob);
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "bad.tar", &oci.tar());
    isogen()
        .arg("inspect")
        .arg(&path)
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::starts_with(format!(
            "error: {}: layer 1 of 1 ({digest})",
            path.display()
        )))
        .stderr(predicate::str::contains("digest mismatch"))
        .stderr(predicate::str::contains("panicked").not());
}

#[test]
fn unusable_inputs_exit_2() {
    isogen()
        .args(["inspect", "-"])
        .write_stdin(b"garbage on stdin".to_vec())
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with(
            "error: <stdin>: not a tar archive",
        ));
    isogen()
        .args(["inspect", "/nonexistent/image.tar"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("/nonexistent/image.tar"));
    isogen()
        .args(["inspect", "--platform", "nonsense"])
        .arg(fixture("oci-dir"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a platform"));
    isogen()
        .args(["inspect", "--platform", "linux/riscv64"])
        .arg(fixture("oci-dir"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("linux/amd64"));
}
