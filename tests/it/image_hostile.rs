//! Hostile, corrupt and huge inputs, run through the `isogen` binary as a user would: each one
//! ends with exit 2 and one message naming the archive and what is wrong (or, where the input
//! is merely odd but valid, with exit 0), never a panic, never a hang, never unbounded memory or
//! disk, and never a read of a file outside the archive or layout directory.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Stdio};
use std::time::{Duration, Instant};

use isogen::image;

use crate::image_support::*;
use assert_cmd::Command;
use serde_json::json;

/// Longer than any of these inputs takes when handled, far shorter than a hang.
const TIMEOUT: Duration = Duration::from_secs(60);

fn isogen() -> Command {
    let mut c = Command::cargo_bin("isogen").unwrap();
    c.env("NO_COLOR", "1").timeout(TIMEOUT);
    c
}

/// `isogen inspect PATH` exits 2 with one error naming PATH and every needle, no panic.
fn rejects(path: &Path, needles: &[&str]) -> String {
    rejects_with(&[], path, needles)
}

/// [`rejects`] with more arguments after `inspect`.
fn rejects_with(args: &[&str], path: &Path, needles: &[&str]) -> String {
    let out = isogen()
        .arg("inspect")
        .args(args)
        .arg(path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    eprintln!("MSG {stderr}");
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert!(out.stdout.is_empty(), "printed a result: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stderr.starts_with(&format!("error: {}: ", path.display())),
        "the message does not name the archive first: {stderr}"
    );
    for needle in needles {
        assert!(stderr.contains(needle), "expected {needle:?} in: {stderr}");
    }
    stderr
}

/// `isogen inspect PATH` succeeds; returns its output.
fn accepts(path: &Path) -> String {
    let out = isogen().arg("inspect").arg(path).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "stderr: {stderr}");
    String::from_utf8(out.stdout).unwrap()
}

fn save(dir: &Path, bytes: &[u8]) -> PathBuf {
    write(dir, "image.tar", bytes)
}

/// One raw 512-byte tar header; `edit` sets what the test needs before the checksum.
fn header(name: &str, kind: tar::EntryType, edit: impl FnOnce(&mut tar::Header)) -> Vec<u8> {
    let mut h = tar::Header::new_gnu();
    h.as_gnu_mut().unwrap().name[..name.len()].copy_from_slice(name.as_bytes());
    h.set_entry_type(kind);
    h.set_mode(0o644);
    h.set_size(0);
    h.set_mtime(0);
    edit(&mut h);
    h.set_cksum();
    h.as_bytes().to_vec()
}

/// A 12-byte tar number field in GNU base-256 (what `tar` writes for values octal cannot hold).
fn base256(field: &mut [u8; 12], value: u64) {
    field.fill(0);
    field[0] = 0x80;
    field[4..].copy_from_slice(&value.to_be_bytes());
}

/// A PAX extended header holding one `key=value` record.
fn pax(key: &str, value: &str) -> Vec<u8> {
    let body = format!(" {key}={value}\n");
    let mut len = body.len() + 1;
    while format!("{len}{body}").len() != len {
        len += 1;
    }
    let record = format!("{len}{body}");
    let mut out = header("PaxHeader", tar::EntryType::XHeader, |h| {
        h.set_size(record.len() as u64)
    });
    let mut data = record.into_bytes();
    data.resize(data.len().div_ceil(512) * 512, 0);
    out.extend_from_slice(&data);
    out
}

/// An OCI archive whose only layer is `tar` (digests all consistent, so parsing is reached).
fn oci_with_layer(tar: Vec<u8>, comp: Comp) -> Vec<u8> {
    Oci::single(&[Layer::new(tar, comp)]).tar()
}

fn passwd_layer() -> Vec<u8> {
    LayerTar::new()
        .dir("etc/")
        .file("etc/passwd", b"root:x:0:0::/root:/bin/sh\n")
        .finish()
}

// ---------------------------------------------------------------------------------------------
// 1. size fields near u64::MAX

#[test]
fn a_base256_size_field_near_u64_max_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    for size in [u64::MAX, u64::MAX - 100, 1 << 63] {
        let mut tar = header("huge", tar::EntryType::Regular, |h| {
            base256(&mut h.as_gnu_mut().unwrap().size, size)
        });
        tar.extend_from_slice(&[7u8; 512]);
        tar.extend_from_slice(&[0u8; 1024]);
        let path = save(dir.path(), &oci_with_layer(tar, Comp::Gzip));
        rejects(&path, &["layer 1 of 1", "huge", &size.to_string(), "bytes"]);
    }
}

#[test]
fn a_pax_size_record_near_u64_max_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut tar = pax("size", &u64::MAX.to_string());
    tar.extend(header("huge", tar::EntryType::Regular, |_| {}));
    tar.extend_from_slice(&[0u8; 1024]);
    let path = save(dir.path(), &oci_with_layer(tar, Comp::None));
    rejects(&path, &["layer 1 of 1", "huge", &u64::MAX.to_string()]);
}

#[test]
fn a_huge_size_field_in_the_outer_archive_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = header("index.json", tar::EntryType::Regular, |h| {
        base256(&mut h.as_gnu_mut().unwrap().size, u64::MAX)
    });
    bytes.extend_from_slice(&[b'{'; 512]);
    let path = save(dir.path(), &bytes);
    rejects(&path, &["index.json"]);
    // The same through the spool (a compressed archive).
    let path = save(dir.path(), &compress(&bytes, Comp::Gzip));
    rejects(&path, &["index.json"]);
}

// ---------------------------------------------------------------------------------------------
// 2. GNU sparse real sizes

fn sparse(name: &str, real_size: u64) -> Vec<u8> {
    header(name, tar::EntryType::GNUSparse, |h| {
        base256(&mut h.as_gnu_mut().unwrap().realsize, real_size)
    })
}

#[test]
fn sparse_entries_are_refused_whatever_their_real_size() {
    // Runtimes expand sparse files; isogen does not, so it refuses rather than read the stored
    // bytes as the file.
    let dir = tempfile::tempdir().unwrap();
    let mut tar = sparse("sparse-a", u64::MAX);
    tar.extend(sparse("sparse-b", u64::MAX));
    tar.extend_from_slice(&[0u8; 1024]);
    let path = save(dir.path(), &oci_with_layer(tar, Comp::Gzip));
    rejects(&path, &["layer 1 of 1", "sparse-a", "sparse file"]);

    // The PAX spelling (GNU sparse 0.x/1.0 in PAX records).
    let mut tar = pax("GNU.sparse.realsize", "4096");
    tar.extend(header("sparse-c", tar::EntryType::Regular, |_| {}));
    tar.extend_from_slice(&[0u8; 1024]);
    let path = save(dir.path(), &oci_with_layer(tar, Comp::None));
    rejects(&path, &["layer 1 of 1", "sparse-c", "sparse file"]);
}

// ---------------------------------------------------------------------------------------------
// 3. OCI index fan-out

#[test]
fn an_index_fanning_out_to_the_same_child_many_times_is_walked_once() {
    // index.json -> 20 x idx7 -> 20 x idx6 -> ... -> 20 x idx1 -> the manifest: 20^7 paths to
    // one manifest. Walking each path would never finish.
    let dir = tempfile::tempdir().unwrap();
    let mut oci = Oci::new();
    let mut desc = oci.image("linux/amd64", &[Layer::new(passwd_layer(), Comp::Gzip)]);
    for _ in 0..7 {
        desc = oci.nested_index(vec![desc; 20]);
    }
    oci.index(vec![desc; 20]);
    // Walking every path would not end: `isogen()`'s watchdog kills it after TIMEOUT and the
    // exit code is not 0.
    let out = accepts(&save(dir.path(), &oci.tar()));
    assert!(out.contains("/etc/passwd"), "{out}");
}

#[test]
fn a_diamond_of_indexes_without_media_types_is_walked_once() {
    // Descriptors without a media type make isogen read the blob to tell index from manifest.
    let dir = tempfile::tempdir().unwrap();
    let mut oci = Oci::new();
    let mut desc = oci.image("linux/amd64", &[Layer::new(passwd_layer(), Comp::None)]);
    // index.json -> 40 x idx4 -> 40 x idx3 -> ... -> the manifest: 40^5 paths.
    for _ in 0..4 {
        desc.as_object_mut().unwrap().remove("mediaType");
        desc = oci.nested_index(vec![desc; 40]);
    }
    oci.index(vec![desc; 40]);
    let out = accepts(&save(dir.path(), &oci.tar()));
    assert!(out.contains("/etc/passwd"), "{out}");
}

#[test]
fn many_manifests_sharing_one_large_config_read_it_once() {
    // Descriptors without a platform make isogen read each manifest's config to learn it.
    let dir = tempfile::tempdir().unwrap();
    let mut oci = Oci::new();
    let layer = Layer::new(passwd_layer(), Comp::None);
    let mut config: serde_json::Value = serde_json::from_slice(&config_json(
        "linux/amd64",
        std::slice::from_ref(&layer.diff_id),
    ))
    .unwrap();
    config["config"]["Labels"]["padding"] = json!("p".repeat(4 << 20));
    let config = serde_json::to_vec(&config).unwrap();
    oci.blob(&config);
    oci.blob(&layer.blob);
    let mut descs = Vec::new();
    for i in 0..3000 {
        let manifest = serde_json::to_vec(&json!({
            "schemaVersion": 2,
            "config": descriptor("application/vnd.oci.image.config.v1+json", &config),
            "layers": [descriptor(&layer.media_type, &layer.blob)],
            "annotations": {"n": i.to_string()},
        }))
        .unwrap();
        oci.blob(&manifest);
        descs.push(descriptor(
            "application/vnd.oci.image.manifest.v1+json",
            &manifest,
        ));
    }
    oci.index(descs);
    let path = save(dir.path(), &oci.tar());
    rejects_with(
        &["--platform", "linux/amd64"],
        &path,
        &["3000 different images for linux/amd64"],
    );
    // The work, counted in bytes rather than seconds: reading the 4 MiB config once per
    // manifest would read 12 GB; reading it once reads about the archive once.
    let options = image::OpenOptions {
        platform: Some("linux/amd64".to_owned()),
    };
    let archive_len = std::fs::metadata(&path).unwrap().len();
    let (result, read) = bytes_read_by_this_thread(|| image::open(&path, &options));
    let err = result.unwrap_err().to_string();
    assert!(err.contains("3000 different images"), "{err}");
    if let Some(read) = read {
        assert!(
            read < 4 * archive_len,
            "read {read} bytes of a {archive_len}-byte archive"
        );
    }
}

/// Runs `f` and counts the bytes this thread read with read(2) meanwhile (Linux per-thread I/O
/// accounting, `rchar` in /proc/thread-self/io; None where there is none). Per thread, so tests
/// running beside it in the same process do not count.
fn bytes_read_by_this_thread<T>(f: impl FnOnce() -> T) -> (T, Option<u64>) {
    fn rchar() -> Option<u64> {
        let io = std::fs::read_to_string("/proc/thread-self/io").ok()?;
        io.lines()
            .find_map(|line| line.strip_prefix("rchar:"))?
            .trim()
            .parse()
            .ok()
    }
    let before = rchar();
    let value = f();
    let after = rchar();
    let read = before.zip(after).map(|(before, after)| after - before);
    (value, read)
}

// ---------------------------------------------------------------------------------------------
// 5. non-regular files and escaping symlinks in a layout directory

fn layout_dir(root: &Path) -> (PathBuf, Oci) {
    let oci = Oci::single(&[Layer::new(passwd_layer(), Comp::Gzip)]);
    let layout = root.join("layout");
    oci.write_dir(&layout);
    (layout, oci)
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    std::fs::remove_file(path).ok();
    let status = StdCommand::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success());
}

#[cfg(unix)]
fn replace_with_symlink(path: &Path, target: &Path) {
    std::fs::remove_file(path).unwrap();
    std::os::unix::fs::symlink(target, path).unwrap();
}

#[test]
#[cfg(unix)]
fn a_fifo_blob_in_a_layout_directory_is_refused_without_blocking() {
    let root = tempfile::tempdir().unwrap();
    let (layout, oci) = layout_dir(root.path());
    let layer = oci.layer_digest(0);
    mkfifo(&layout.join(format!("blobs/sha256/{}", hex(&layer))));
    rejects(&layout, &[hex(&layer), "not a regular file"]);

    let (layout, oci) = layout_dir(&root.path().join("2"));
    let config = oci.config_digest();
    mkfifo(&layout.join(format!("blobs/sha256/{}", hex(&config))));
    rejects(&layout, &[hex(&config), "not a regular file"]);

    let (layout, _) = layout_dir(&root.path().join("3"));
    mkfifo(&layout.join("index.json"));
    rejects(&layout, &["index.json", "not a regular file"]);
}

#[test]
#[cfg(unix)]
fn a_blob_symlinked_to_a_device_is_refused() {
    let root = tempfile::tempdir().unwrap();
    let (layout, oci) = layout_dir(root.path());
    let layer = oci.layer_digest(0);
    let blob = layout.join(format!("blobs/sha256/{}", hex(&layer)));
    replace_with_symlink(&blob, Path::new("/dev/zero"));
    rejects(&layout, &[hex(&layer)]);
}

#[test]
#[cfg(unix)]
fn a_symlink_leading_out_of_the_layout_directory_is_not_followed() {
    // The blob outside holds exactly the right bytes: only the symlink check can refuse it.
    let root = tempfile::tempdir().unwrap();
    let (layout, oci) = layout_dir(root.path());
    let layer = oci.layer_digest(0);
    let name = format!("blobs/sha256/{}", hex(&layer));
    let outside = write(root.path(), "outside-blob", oci.get(&name));
    replace_with_symlink(&layout.join(&name), &outside);
    rejects(&layout, &[hex(&layer), "outside"]);

    // index.json too, relative spelling.
    let (layout, oci) = layout_dir(&root.path().join("2"));
    write(root.path(), "index.json", oci.get("index.json"));
    replace_with_symlink(&layout.join("index.json"), Path::new("../../index.json"));
    rejects(&layout, &["index.json", "outside"]);

    // A symlink that stays inside the layout is fine.
    let (layout, oci) = layout_dir(&root.path().join("3"));
    let name = format!("blobs/sha256/{}", hex(&oci.config_digest()));
    std::fs::rename(layout.join(&name), layout.join("config-elsewhere")).unwrap();
    std::os::unix::fs::symlink("../../config-elsewhere", layout.join(&name)).unwrap();
    accepts(&layout);
}

#[test]
fn manifest_layer_names_cannot_reach_outside_the_directory() {
    // A docker-save layout unpacked into a directory, whose manifest.json names a layer by
    // `..` and by an absolute path that exist outside it (with the right content).
    let root = tempfile::tempdir().unwrap();
    let tars = vec![passwd_layer()];
    let files = docker_archive(&tars, false);
    for (i, escape) in ["../../outside/layer.tar", "/tmp/../outside/layer.tar"]
        .iter()
        .enumerate()
    {
        let base = root.path().join(i.to_string());
        let layout = base.join("unpacked");
        std::fs::create_dir_all(base.join("outside")).unwrap();
        std::fs::write(base.join("outside/layer.tar"), &tars[0]).unwrap();
        for (name, bytes) in &files {
            let path = layout.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            if name == "manifest.json" {
                let mut manifest: serde_json::Value = serde_json::from_slice(bytes).unwrap();
                manifest[0]["Layers"] = json!([escape]);
                std::fs::write(path, serde_json::to_vec(&manifest).unwrap()).unwrap();
            } else if !name.ends_with("layer.tar") {
                std::fs::write(path, bytes).unwrap();
            }
        }
        rejects(&layout, &["layer 1", "missing", "outside/layer.tar"]);
    }
}

#[test]
fn traversal_and_absolute_names_in_a_layer_are_refused() {
    // docker refuses `..` as a breakout, containerd clamps it: isogen refuses the layer.
    let dir = tempfile::tempdir().unwrap();
    for (tar, needle) in [
        (
            LayerTar::new().file("../../etc/passwd", b"x").finish(),
            "`..`",
        ),
        (
            LayerTar::new().file("a/../../etc/passwd", b"x").finish(),
            "`..`",
        ),
        (LayerTar::new().file("/abs/file", b"x").finish(), "absolute"),
        (
            LayerTar::new()
                .file("app/x", b"x")
                .hardlink("app/hard", "../../../etc/passwd")
                .finish(),
            "hard link",
        ),
    ] {
        let path = save(dir.path(), &oci_with_layer(tar, Comp::Gzip));
        rejects(&path, &["layer 1 of 1", needle]);
    }
    // A symlink may point anywhere: it is resolved inside the container's root.
    let tar = LayerTar::new()
        .symlink("app/link", "../../../../etc/shadow")
        .finish();
    let out = accepts(&save(dir.path(), &oci_with_layer(tar, Comp::Gzip)));
    assert!(out.contains("/app/link -> ../../../../etc/shadow"), "{out}");
}

#[test]
fn manifest_json_naming_members_by_traversal_reads_only_archive_members() {
    // In an archive, `../x` and `/x` name the member `x` (nothing on disk).
    let dir = tempfile::tempdir().unwrap();
    let tars = vec![passwd_layer()];
    let mut files = docker_archive(&tars, false);
    let manifest = files
        .iter_mut()
        .find(|(n, _)| n == "manifest.json")
        .unwrap();
    let mut value: serde_json::Value = serde_json::from_slice(&manifest.1).unwrap();
    let layer = value[0]["Layers"][0].as_str().unwrap().to_string();
    value[0]["Layers"] = json!([format!("../../../{layer}")]);
    value[0]["Config"] = json!(format!("/{}", value[0]["Config"].as_str().unwrap()));
    manifest.1 = serde_json::to_vec(&value).unwrap();
    accepts(&save(dir.path(), &archive(&files)));
}

// ---------------------------------------------------------------------------------------------
// 6. whole-archive compression and what follows the tar

#[test]
fn data_after_the_end_of_a_gzipped_archive_is_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let tar = docker_archive_tar(&[passwd_layer()], true);
    // Trailing garbage after the gzip member (gzip itself only warns about it).
    let mut bytes = compress(&tar, Comp::Gzip);
    bytes.extend_from_slice(b"this is not gzip");
    accepts(&save(dir.path(), &bytes));
    // A second gzip member that is no tar at all.
    let mut bytes = compress(&tar, Comp::Gzip);
    bytes.extend(compress(&[0xA5; 4096], Comp::Gzip));
    accepts(&save(dir.path(), &bytes));
}

/// Runs `isogen inspect -` with `head` on stdin followed by `tail` written forever (until the
/// pipe closes): isogen must stop reading at tar's end-of-archive. The writer gives up after
/// TIMEOUT only as a hang guard (closing stdin ends a reader that reads to the end); the returned
/// flag says whether isogen closed the pipe first, which is what the tests assert.
fn inspect_endless_stdin(head: Vec<u8>, tail: Vec<u8>) -> (std::process::Output, bool) {
    let mut child = StdCommand::new(assert_cmd::cargo::cargo_bin("isogen"))
        .args(["inspect", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        if stdin.write_all(&head).is_err() {
            return true;
        }
        let started = Instant::now();
        while started.elapsed() < TIMEOUT {
            if stdin.write_all(&tail).is_err() {
                return true;
            }
        }
        false
    });
    let out = child.wait_with_output().unwrap();
    let closed_by_isogen = writer.join().unwrap();
    (out, closed_by_isogen)
}

#[test]
fn spooling_stdin_stops_at_the_end_of_the_archive() {
    let tar = docker_archive_tar(&[passwd_layer()], true);
    let (out, closed_by_isogen) = inspect_endless_stdin(tar, vec![0u8; 1 << 16]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(closed_by_isogen, "isogen read stdin to its end");
}

#[test]
fn spooling_gzip_stops_at_the_end_of_the_archive() {
    // A gzip member that inflates without end (its decoder never reaches an end of stream).
    let tar = docker_archive_tar(&[passwd_layer()], true);
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(&tar).unwrap();
    encoder.flush().unwrap();
    let head = encoder.get_ref().clone();
    encoder.get_mut().clear();
    encoder.write_all(&[0u8; 1 << 20]).unwrap();
    encoder.flush().unwrap();
    let tail = encoder.get_ref().clone();
    let (out, closed_by_isogen) = inspect_endless_stdin(head, tail);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(closed_by_isogen, "isogen read stdin to its end");
}

#[test]
#[cfg(unix)]
fn a_device_named_as_the_archive_is_not_read_forever() {
    // /dev/zero is an endless stream of end-of-archive blocks: an empty archive.
    let path = Path::new("/dev/zero");
    rejects(path, &["empty"]);
}

#[test]
#[cfg(unix)]
fn a_pipe_named_as_the_archive_is_spooled_like_stdin() {
    // `isogen inspect <(docker save app)`: a FIFO has no length and cannot be read by offset.
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("image.pipe");
    mkfifo(&fifo);
    let tar = compress(&docker_archive_tar(&[passwd_layer()], true), Comp::Gzip);
    let writer_path = fifo.clone();
    let writer = std::thread::spawn(move || {
        let mut pipe = std::fs::OpenOptions::new()
            .write(true)
            .open(writer_path)
            .unwrap();
        // Then endless zeros, until isogen closes its end.
        let _ = pipe.write_all(&tar);
        let _ = std::io::copy(&mut std::io::repeat(0).take(1 << 30), &mut pipe);
    });
    let out = accepts(&fifo);
    assert!(out.contains("/etc/passwd"), "{out}");
    writer.join().unwrap();
}

// ---------------------------------------------------------------------------------------------
// probes: truncated layers, hostile JSON

#[test]
fn truncated_gzip_and_zstd_layers_with_consistent_digests() {
    let dir = tempfile::tempdir().unwrap();
    let tar = LayerTar::new()
        .file("etc/passwd", &[b'p'; 100_000])
        .finish();
    for comp in [Comp::Gzip, Comp::Zstd] {
        let whole = compress(&tar, comp);
        let cut = whole[..whole.len() / 2].to_vec();
        // The stored digest and size describe the cut blob, so only decoding can tell.
        let mut oci = Oci::new();
        let diff_id = sha256(&tar);
        let config = config_json("linux/amd64", &[diff_id]);
        oci.blob(&config);
        oci.blob(&cut);
        let manifest = json!({
            "schemaVersion": 2,
            "config": descriptor("application/vnd.oci.image.config.v1+json", &config),
            "layers": [descriptor("application/vnd.oci.image.layer.v1.tar", &cut)],
        });
        let bytes = serde_json::to_vec(&manifest).unwrap();
        oci.blob(&bytes);
        oci.index(vec![descriptor(
            "application/vnd.oci.image.manifest.v1+json",
            &bytes,
        )]);
        let name = match comp {
            Comp::Gzip => "gzip",
            _ => "zstd",
        };
        rejects(
            &save(dir.path(), &oci.tar()),
            &["layer 1 of 1", name, "truncated"],
        );
    }
}

#[test]
fn deeply_nested_json_is_an_error_not_a_stack_overflow() {
    let dir = tempfile::tempdir().unwrap();
    let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n)).into_bytes();
    // manifest.json
    let mut files = docker_archive(&[passwd_layer()], false);
    files.retain(|(n, _)| n != "manifest.json");
    files.push(("manifest.json".into(), deep(1_000_000)));
    rejects(&save(dir.path(), &archive(&files)), &["manifest.json"]);
    // index.json, and a config blob (content-addressed, so its digest matches)
    let mut oci = Oci::single(&[Layer::new(passwd_layer(), Comp::None)]);
    oci.put("index.json", deep(100_000));
    rejects(&save(dir.path(), &oci.tar()), &["index.json"]);
    let mut oci = Oci::single(&[Layer::new(passwd_layer(), Comp::None)]);
    let config = format!(
        r#"{{"rootfs":{{"diff_ids":[]}},"x":{}}}"#,
        String::from_utf8(deep(100_000)).unwrap()
    );
    let digest = oci.blob(config.as_bytes());
    let mut manifest = oci.manifest();
    manifest["config"] = descriptor(
        "application/vnd.oci.image.config.v1+json",
        config.as_bytes(),
    );
    oci.set_manifest(&manifest);
    rejects(&save(dir.path(), &oci.tar()), &[&digest, "not valid"]);
}

#[test]
fn a_huge_manifest_json_is_refused_before_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = docker_archive(&[passwd_layer()], false);
    files.retain(|(n, _)| n != "manifest.json");
    let mut huge = b"[".to_vec();
    huge.extend(std::iter::repeat_n(b' ', 64 << 20));
    huge.push(b']');
    files.push(("manifest.json".into(), huge));
    rejects(
        &save(dir.path(), &archive(&files)),
        &["manifest.json", "more than"],
    );
}

#[test]
fn a_config_that_is_not_json_and_a_layer_count_mismatch() {
    let dir = tempfile::tempdir().unwrap();
    let mut oci = Oci::single(&[Layer::new(passwd_layer(), Comp::None)]);
    let config = b"\x00\x01 not json at all".to_vec();
    let digest = oci.blob(&config);
    let mut manifest = oci.manifest();
    manifest["config"] = descriptor("application/vnd.oci.image.config.v1+json", &config);
    oci.set_manifest(&manifest);
    rejects(&save(dir.path(), &oci.tar()), &[&digest, "not valid"]);

    let mut oci = Oci::single(&[Layer::new(passwd_layer(), Comp::None)]);
    let mut manifest = oci.manifest();
    let layer = manifest["layers"][0].clone();
    manifest["layers"] = json!([layer.clone(), layer]);
    oci.set_manifest(&manifest);
    rejects(
        &save(dir.path(), &oci.tar()),
        &["lists 2 layers", "1 rootfs.diff_ids"],
    );
}

#[test]
fn a_manifest_naming_one_layer_thousands_of_times_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let layer = Layer::new(passwd_layer(), Comp::Gzip);
    let layers = vec![layer; 1001];
    let oci = Oci::single(&layers);
    rejects(
        &save(dir.path(), &oci.tar()),
        &["lists 1001 layers, more than the 1000"],
    );
    // As many as the cap allows still read.
    let oci = Oci::single(&layers[..1000]);
    accepts(&save(dir.path(), &oci.tar()));
}

#[test]
fn verify_refuses_a_hostile_image_the_same_way() {
    let dir = tempfile::tempdir().unwrap();
    let mut tar = header("huge", tar::EntryType::Regular, |h| {
        base256(&mut h.as_gnu_mut().unwrap().size, u64::MAX)
    });
    tar.extend_from_slice(&[0u8; 1024]);
    let path = save(dir.path(), &oci_with_layer(tar, Comp::Gzip));
    let out = isogen()
        .current_dir(dir.path())
        .args(["verify", "--service", "svc"])
        .arg(&path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(out.stdout.is_empty(), "{stderr}");
    assert!(
        stderr.contains(&format!("{}: layer 1 of 1", path.display())),
        "{stderr}"
    );
    assert!(stderr.contains("`huge`"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
