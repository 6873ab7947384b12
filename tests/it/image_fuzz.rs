//! Mutation fuzzing of the image reader: valid archives of every kind with bytes flipped and
//! cut at many (seeded, reproducible) places. Whatever the damage, reading must end in an image
//! or an `Error::Image`; never a panic, never another kind of error.

use crate::image_support::*;
use isogen::image::{self, Capture, OpenOptions};

/// xorshift: reproducible without a dependency; the seed is in the failure message.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn corpus() -> Vec<(&'static str, Vec<u8>)> {
    let tar = |n: u8| {
        LayerTar::new()
            .dir("app/")
            .file("app/package.json", b"{\"name\":\"x\"}")
            .file(&format!("app/{}/long/{}", "d".repeat(90), n), &[n; 700])
            .symlink("app/link", "package.json")
            .hardlink("app/hard", "app/package.json")
            .file("app/.wh.gone", b"")
            .pax_file(&format!("opt/{}", "p".repeat(120)), b"pax")
            .finish()
    };
    vec![
        (
            "oci gzip",
            Oci::single(&[
                Layer::new(tar(1), Comp::Gzip),
                Layer::new(tar(2), Comp::Gzip),
            ])
            .tar(),
        ),
        (
            "oci zstd+plain",
            Oci::single(&[
                Layer::new(tar(3), Comp::Zstd),
                Layer::new(tar(4), Comp::None),
            ])
            .tar(),
        ),
        ("docker legacy", docker_archive_tar(&[tar(5), tar(6)], true)),
        (
            "gzip as a whole",
            compress(
                &Oci::single(&[Layer::new(tar(7), Comp::None)]).tar(),
                Comp::Gzip,
            ),
        ),
    ]
}

fn read(bytes: &[u8], dir: &std::path::Path) -> isogen::Result<image::Image> {
    let path = write(dir, "fuzz.tar", bytes);
    let capture = Capture {
        wants: Box::new(|_| true),
        max_bytes: 1 << 12,
        sources: None,
    };
    image::read(&path, &OpenOptions::default(), &capture)
}

fn check(name: &str, seed: u64, what: &str, bytes: &[u8], dir: &std::path::Path) -> bool {
    match std::panic::catch_unwind(|| read(bytes, dir)) {
        Ok(Ok(_)) => true,
        Ok(Err(isogen::Error::Image { .. })) => false,
        Ok(Err(other)) => panic!("{name}, seed {seed}, {what}: not an image error: {other:?}"),
        Err(_) => panic!("{name}, seed {seed}, {what}: panicked"),
    }
}

#[test]
fn flipped_bytes_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    for (name, original) in corpus() {
        let mut rng = Rng(0x5eed_0000 + original.len() as u64);
        let mut read_ok = 0;
        for round in 0..150 {
            let seed = rng.0;
            let mut bytes = original.clone();
            for _ in 0..1 + rng.below(3) {
                let at = rng.below(bytes.len());
                bytes[at] ^= 1 << rng.below(8);
            }
            if check(
                name,
                seed,
                &format!("round {round} (flips)"),
                &bytes,
                dir.path(),
            ) {
                read_ok += 1;
            }
        }
        eprintln!("{name}: {read_ok} of 150 flipped archives still read");
        // Most flips must be caught; the ones that are not land in bytes no digest covers
        // (tar header fields of the outer archive such as mtime, padding).
        assert!(
            read_ok < 100,
            "{name}: {read_ok} of 150 damaged archives read without error"
        );
    }
}

#[test]
fn truncations_never_panic_and_always_fail() {
    let dir = tempfile::tempdir().unwrap();
    for (name, original) in corpus() {
        let mut rng = Rng(0xc0ffee + original.len() as u64);
        // The trailing end-of-archive blocks can go without loss; anything shorter cannot.
        let payload = original.len() - 1024;
        for round in 0..60 {
            let seed = rng.0;
            let cut = rng.below(payload);
            let ok = check(
                name,
                seed,
                &format!("round {round} (cut at {cut})"),
                &original[..cut],
                dir.path(),
            );
            // A gzip-as-a-whole archive cut anywhere is caught by the decoder; an outer tar cut
            // at a member boundary reads as a shorter archive, which then lacks blobs.
            assert!(
                !ok,
                "{name}: cut at {cut} of {} read without error",
                original.len()
            );
        }
    }
}
