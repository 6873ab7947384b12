//! Shapes beyond issue 12's list, measured only when named with `--only` (so the default run
//! does not grow): one huge raw layer (of 100k or 200k files), an OCI archive of uncompressed
//! layers, a few very large incompressible or compressible files (gzip, zstd), many hard links
//! and whiteouts (as an archive and as an OCI layout folder), 120 small layers as a docker
//! archive, 400 tiny layers (raw, zstd), one gzip layer of 300k files and one of 1M. Builds layer
//! contents only; nothing here measures anything.

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::Path;

use super::shapes::{append, Comp, Format, Kind, LayerPlan, Pool, Rng, Shape};

type Res<T> = Result<T, String>;

/// The extra shapes; `quick` shrinks them about twentyfold.
pub fn shapes(quick: bool) -> Vec<Shape> {
    let div = if quick { 20 } else { 1 };
    let plan = |tag: &str, files: usize, avg: usize, kind: Kind| LayerPlan {
        tag: tag.to_string(),
        files: (files / div).max(1),
        avg,
        kind,
    };
    let shape = |name, title, layers, comp, format| Shape {
        name,
        title,
        layers,
        comp,
        format,
        extra: true,
    };
    let twenty: Vec<LayerPlan> = (0..20)
        .map(|i| plan(&format!("l{i}-"), 5000, 10 << 10, Kind::Files))
        .collect();
    vec![
        shape(
            "raw-1-docker",
            "one huge raw layer: 100k files, 1 GiB, docker archive only",
            vec![plan("one-", 100_000, 10 << 10, Kind::Files)],
            Comp::None,
            Format::Docker,
        ),
        shape(
            "raw-1-200k",
            "one huge raw layer: 200k files of 5 KiB on average, 1 GiB, docker archive only",
            vec![plan("half-", 200_000, 5 << 10, Kind::Files)],
            Comp::None,
            Format::Docker,
        ),
        shape(
            "raw-20-oci",
            "20 uncompressed layers (media type ...tar), OCI archive only",
            twenty,
            Comp::None,
            Format::Oci,
        ),
        shape(
            "big-4",
            "4 incompressible files of 256 MiB in one gzip layer",
            vec![plan("big-", 4, (256 << 20) / div, Kind::Big)],
            Comp::Gzip,
            Format::Both,
        ),
        shape(
            "links",
            "30k files, 50k hard links, 20k whiteouts and 100 opaque folders over 4 gzip layers",
            vec![
                plan("hl-", 30_000, 4 << 10, Kind::Files),
                plan("ln-", 50_000, 5000, Kind::Links),
                plan("wa-", 10_000, 300, Kind::Whiteouts { of: "hl-".into() }),
                plan("wb-", 10_000, 3, Kind::Whiteouts { of: "hl-".into() }),
            ],
            Comp::Gzip,
            Format::Both,
        ),
        shape(
            "gzip-120-docker",
            "120 small gzip layers of 200 files, docker archive only",
            (0..120)
                .map(|i| plan(&format!("s{i}-"), 200 * div, 4 << 10, Kind::Files))
                .collect(),
            Comp::Gzip,
            Format::Docker,
        ),
        // Round 15: shapes not listed in issue 12 nor above.
        shape(
            "gzip-1-300k",
            "one gzip layer of 300k small files (1 KiB on average)",
            vec![plan("k300-", 300_000, 1 << 10, Kind::Files)],
            Comp::Gzip,
            Format::Both,
        ),
        shape(
            "big-4-text",
            "4 compressible files of 256 MiB in one gzip layer",
            vec![plan("text-", 4, (256 << 20) / div, Kind::BigText)],
            Comp::Gzip,
            Format::Both,
        ),
        shape(
            "big-4-zstd",
            "4 compressible files of 256 MiB in one zstd layer",
            vec![plan("text-", 4, (256 << 20) / div, Kind::BigText)],
            Comp::Zstd,
            Format::Both,
        ),
        shape(
            "raw-400",
            "400 tiny uncompressed layers of 4 files (a long Dockerfile, docker save)",
            tiny(400),
            Comp::None,
            Format::Docker,
        ),
        shape(
            "zstd-400",
            "400 tiny zstd layers of 4 files",
            tiny(400),
            Comp::Zstd,
            Format::Both,
        ),
        // Round 17: the memory shape at a million entries (memory follows entries, ~0.24 KiB
        // each in Round 16: the one shape expected over 100 MiB).
        shape(
            "gzip-1-1m",
            "one gzip layer of 1M tiny files (64 bytes on average)",
            vec![plan("m-", 1_000_000, 64, Kind::Files)],
            Comp::Gzip,
            Format::Both,
        ),
        shape(
            "links-dir",
            "the layers of `links` as an OCI layout folder (not an archive)",
            vec![
                plan("hl-", 30_000, 4 << 10, Kind::Files),
                plan("ln-", 50_000, 5000, Kind::Links),
                plan("wa-", 10_000, 300, Kind::Whiteouts { of: "hl-".into() }),
                plan("wb-", 10_000, 3, Kind::Whiteouts { of: "hl-".into() }),
            ],
            Comp::Gzip,
            Format::OciDir,
        ),
    ]
}

/// `n` layers of 4 small files each (the same at any size: they are small already).
fn tiny(n: usize) -> Vec<LayerPlan> {
    (0..n)
        .map(|i| LayerPlan {
            tag: format!("y{i}-"),
            files: 4,
            avg: 2 << 10,
            kind: Kind::Files,
        })
        .collect()
}

/// Writes one plain tar layer of a special kind.
pub fn write_layer(path: &Path, plan: &LayerPlan, pool: &Pool) -> Res<()> {
    let partial = path.with_extension("partial");
    let file = File::create(&partial).map_err(|e| format!("{}: {e}", partial.display()))?;
    let mut builder = tar::Builder::new(BufWriter::with_capacity(1 << 20, file));
    match &plan.kind {
        Kind::Files => return Err("plain layers are written by shapes.rs".into()),
        Kind::Big => big(&mut builder, plan, None)?,
        Kind::BigText => big(&mut builder, plan, Some(pool))?,
        Kind::Links => links(&mut builder, plan, pool)?,
        Kind::Whiteouts { of } => whiteouts(&mut builder, plan, of)?,
    }
    let mut writer = builder.into_inner().map_err(|e| format!("tar: {e}"))?;
    writer
        .flush()
        .map_err(|e| format!("{}: {e}", partial.display()))?;
    drop(writer);
    std::fs::rename(&partial, path).map_err(|e| format!("{}: {e}", path.display()))
}

/// Pseudo-random bytes, `left` of them: gzip cannot shrink them.
struct Noise {
    rng: Rng,
    left: u64,
}

impl Read for Noise {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = (buf.len().min(self.left as usize)) & !7;
        let n = if n == 0 { self.left as usize } else { n };
        for chunk in buf[..n].chunks_mut(8) {
            let word = self.rng.next().to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// Source-like text, `left` bytes of it: slices of the pool (compresses about 4:1).
struct Text<'a> {
    pool: &'a Pool,
    rng: Rng,
    left: u64,
}

impl Read for Text<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(self.left as usize).min(64 << 10);
        buf[..n].copy_from_slice(self.pool.slice(&mut self.rng, n));
        self.left -= n as u64;
        Ok(n)
    }
}

/// `plan.files` files of `plan.avg` bytes: noise, or source-like text when given the pool.
fn big(builder: &mut tar::Builder<impl Write>, plan: &LayerPlan, text: Option<&Pool>) -> Res<()> {
    append(builder, "app/data/", b"", true)?;
    for i in 0..plan.files {
        let mut header = tar::Header::new_gnu();
        header.set_size(plan.avg as u64);
        header.set_mode(0o644);
        header.set_mtime(0);
        let rng = Rng(0x2545f4914f6cdd1d ^ (i as u64 + 1));
        let left = plan.avg as u64;
        let data: Box<dyn Read + '_> = match text {
            Some(pool) => Box::new(Text { pool, rng, left }),
            None => Box::new(Noise { rng, left }),
        };
        builder
            .append_data(&mut header, format!("app/data/blob{i}.bin"), data)
            .map_err(|e| format!("tar: {e}"))?;
    }
    Ok(())
}

fn links(builder: &mut tar::Builder<impl Write>, plan: &LayerPlan, pool: &Pool) -> Res<()> {
    let mut rng = Rng(0x1234_5678_9abc_def1);
    append(builder, "app/shared/", b"", true)?;
    for t in 0..plan.avg {
        let data = pool.slice(&mut rng, 1 << 10);
        append(builder, &format!("app/shared/f{t}.js"), data, false)?;
    }
    for l in 0..plan.files {
        if l % 1000 == 0 {
            append(builder, &format!("app/linked/d{}/", l / 1000), b"", true)?;
        }
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Link);
        header.set_size(0);
        header.set_mode(0o644);
        header.set_mtime(0);
        let target = format!("app/shared/f{}.js", l % plan.avg);
        builder
            .append_link(
                &mut header,
                format!("app/linked/d{}/h{l}.js", l / 1000),
                target,
            )
            .map_err(|e| format!("tar: {e}"))?;
    }
    Ok(())
}

/// Whiteouts of files of the `Files` layer tagged `of` (file n sits in `pkg{n/100}/lib/`),
/// spread over its packages by the layer's own tag, plus opaque markers.
fn whiteouts(builder: &mut tar::Builder<impl Write>, plan: &LayerPlan, of: &str) -> Res<()> {
    let offset = if plan.tag.starts_with("wb") { 1 } else { 0 };
    for w in 0..plan.files {
        let n = w * 2 + offset;
        let pkg = format!("app/node_modules/{of}pkg{}", n / 100);
        if w % 50 == 0 {
            append(builder, &format!("{pkg}/lib/"), b"", true)?;
        }
        append(builder, &format!("{pkg}/lib/.wh.file{n}.js"), b"", false)?;
    }
    for k in (0..300).step_by(plan.avg.max(1)).take(100) {
        let pkg = format!("app/node_modules/{of}pkg{}", k + offset);
        append(builder, &format!("{pkg}/"), b"", true)?;
        append(builder, &format!("{pkg}/.wh..wh..opq"), b"", false)?;
    }
    Ok(())
}
