//! The images the benchmark measures, built deterministically from a seed (the same bytes on
//! every run and machine with the same gzip/zstd): synthetic node_modules-like layers written
//! with the `tar` crate, compressed with the system's `pigz`/`gzip` and `zstd`, and packed as
//! one archive that is both an OCI image layout and a `docker save` archive (as Docker 25+
//! writes them), so isogen, dive and syft all read the same file.
//!
//! Built files are cached under the output folder by name; nothing here measures anything.

use std::fs::{self, File};
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use sha2::{Digest, Sha256};

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Comp {
    Gzip,
    Zstd,
    None,
}

impl Comp {
    fn media_type(self) -> &'static str {
        match self {
            Comp::Gzip => "application/vnd.oci.image.layer.v1.tar+gzip",
            Comp::Zstd => "application/vnd.oci.image.layer.v1.tar+zstd",
            Comp::None => "application/vnd.oci.image.layer.v1.tar",
        }
    }
}

/// One layer: `files` files of `avg` bytes on average under `app/node_modules/<tag>pkg*/`
/// (`Kind::Files`), or one of the special contents of `extra.rs`.
#[derive(Clone)]
pub struct LayerPlan {
    pub tag: String,
    pub files: usize,
    pub avg: usize,
    pub kind: Kind,
}

/// What a layer holds besides plain files (see extra.rs).
#[derive(Clone, PartialEq, Eq)]
pub enum Kind {
    /// `files` files from the source-like pool.
    Files,
    /// `files` incompressible files of exactly `avg` bytes each.
    Big,
    /// `files` source-like (compressible, about 4:1) files of exactly `avg` bytes each.
    BigText,
    /// `avg` target files and `files` hard links to them.
    Links,
    /// `files` whiteouts of the files of the `Files` layer tagged `of`, and an opaque marker
    /// in every `avg`-th of its package folders.
    Whiteouts { of: String },
}

/// How the archive names its image: both index.json and manifest.json (Docker 25+), or
/// only one of them.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Both,
    Docker,
    Oci,
    /// An OCI layout directory (the archive unpacked, without manifest.json), which isogen
    /// reads as a folder; dive is given the archive.
    OciDir,
}

pub struct Shape {
    pub name: &'static str,
    pub title: &'static str,
    pub layers: Vec<LayerPlan>,
    pub comp: Comp,
    pub format: Format,
    /// Built and measured only when named with `--only` (shapes not in issue 12's list).
    pub extra: bool,
}

/// The shapes of issue 12; `quick` shrinks each about twentyfold (for CI).
pub fn shapes(quick: bool) -> Vec<Shape> {
    let div = if quick { 20 } else { 1 };
    let plan = |tag: String, files: usize, avg: usize| LayerPlan {
        tag,
        files: (files / div).max(1),
        avg,
        kind: Kind::Files,
    };
    let twenty: Vec<LayerPlan> = (0..20)
        .map(|i| plan(format!("l{i}-"), 5000, 10 << 10))
        .collect();
    vec![
        Shape {
            name: "gzip-20",
            title: "100k files, 1 GiB, 20 gzip layers",
            layers: twenty.clone(),
            comp: Comp::Gzip,
            format: Format::Both,
            extra: false,
        },
        Shape {
            name: "raw-20",
            title: "the same layers uncompressed (docker save)",
            layers: twenty.clone(),
            comp: Comp::None,
            format: Format::Both,
            extra: false,
        },
        Shape {
            name: "zstd-20",
            title: "the same layers zstd-compressed",
            layers: twenty,
            comp: Comp::Zstd,
            format: Format::Both,
            extra: false,
        },
        Shape {
            name: "gzip-1",
            title: "one huge gzip layer: 100k files, 1 GiB",
            layers: vec![plan("one-".into(), 100_000, 10 << 10)],
            comp: Comp::Gzip,
            format: Format::Both,
            extra: false,
        },
        Shape {
            name: "tiny-300",
            title: "300 tiny gzip layers of 10 files",
            layers: (0..300 / div.min(5))
                .map(|i| LayerPlan {
                    tag: format!("t{i}-"),
                    files: 10,
                    avg: 2 << 10,
                    kind: Kind::Files,
                })
                .collect(),
            comp: Comp::Gzip,
            format: Format::Both,
            extra: false,
        },
        Shape {
            name: "service",
            title: "service-like: 142 MB, one 122 MB layer, uncompressed (docker save)",
            layers: vec![
                plan("base-".into(), 2000, 10 << 10),
                plan("deps-".into(), 15_000, 8 << 10),
                plan("app-".into(), 50, 20 << 10),
            ],
            comp: Comp::None,
            format: Format::Both,
            extra: false,
        },
    ]
    .into_iter()
    .chain(super::extra::shapes(quick))
    .collect()
}

/// A built image: the archive and each layer's stored blob (for the floor).
pub struct Built {
    pub archive: PathBuf,
    /// What isogen verifies: the archive, or its unpacked OCI layout (`Format::OciDir`).
    pub input: PathBuf,
    pub blobs: Vec<PathBuf>,
    pub comp: Comp,
    pub files: usize,
    pub uncompressed: u64,
    pub stored: u64,
}

impl Built {
    pub fn describe(&self) -> String {
        format!(
            "{} layers, {} files, {:.0} MiB uncompressed, {:.0} MiB stored",
            self.blobs.len(),
            self.files,
            self.uncompressed as f64 / 1048576.0,
            self.stored as f64 / 1048576.0
        )
    }
}

type Res<T> = Result<T, String>;

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> String + '_ {
    move |e| format!("{}: {e}", path.display())
}

/// Builds (or reuses) the shape's layers and archive under `out`.
pub fn build(shape: &Shape, out: &Path, pool: &Pool) -> Res<Built> {
    let layers_dir = out.join("layers");
    let blobs_dir = out.join(shape.name).join("blobs");
    fs::create_dir_all(&layers_dir).map_err(io_err(&layers_dir))?;
    fs::create_dir_all(&blobs_dir).map_err(io_err(&blobs_dir))?;
    let mut layers = Vec::new();
    let (mut files, mut uncompressed, mut stored) = (0, 0, 0);
    for (i, plan) in shape.layers.iter().enumerate() {
        let plain = layers_dir.join(format!("{}{}x{}.tar", plan.tag, plan.files, plan.avg));
        if !plain.exists() {
            match plan.kind {
                Kind::Files => write_layer(&plain, plan, i == 0, pool)?,
                _ => super::extra::write_layer(&plain, plan, pool)?,
            }
        }
        let blob = match shape.comp {
            Comp::None => plain.clone(),
            Comp::Gzip => compress(&plain, &blobs_dir, "gz", gzip_command())?,
            Comp::Zstd => compress(&plain, &blobs_dir, "zst", vec!["zstd", "-q", "-3", "-c"])?,
        };
        files += match plan.kind {
            Kind::Files => plan.files + plan.files.div_ceil(100) * 2 + usize::from(i == 0) * 2,
            Kind::Links => plan.files + plan.avg,
            _ => plan.files,
        };
        uncompressed += size(&plain)?;
        stored += size(&blob)?;
        layers.push((
            sha256_file(&plain)?,
            sha256_file(&blob)?,
            size(&blob)?,
            blob,
        ));
    }
    let archive = out.join(shape.name).join("image.tar");
    if !archive.exists() {
        write_archive(&archive, &layers, shape.comp, shape.format)?;
    }
    let input = match shape.format {
        Format::OciDir => unpack_layout(&archive)?,
        _ => archive.clone(),
    };
    Ok(Built {
        archive,
        input,
        blobs: layers.into_iter().map(|l| l.3).collect(),
        comp: shape.comp,
        files,
        uncompressed,
        stored,
    })
}

/// Unpacks the archive beside it as an OCI layout folder (`layout/`, cached), without the
/// docker archive's manifest.json.
fn unpack_layout(archive: &Path) -> Res<PathBuf> {
    let dir = archive.with_file_name("layout");
    if dir.join("index.json").exists() {
        return Ok(dir);
    }
    let partial = archive.with_file_name("layout.partial");
    let _ = fs::remove_dir_all(&partial);
    fs::create_dir_all(&partial).map_err(io_err(&partial))?;
    let file = File::open(archive).map_err(io_err(archive))?;
    tar::Archive::new(file)
        .unpack(&partial)
        .map_err(io_err(archive))?;
    fs::remove_file(partial.join("manifest.json")).map_err(io_err(&partial))?;
    fs::rename(&partial, &dir).map_err(io_err(&dir))?;
    Ok(dir)
}

fn size(path: &Path) -> Res<u64> {
    Ok(fs::metadata(path).map_err(io_err(path))?.len())
}

pub fn sha256_file(path: &Path) -> Res<String> {
    let mut file = File::open(path).map_err(io_err(path))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf).map_err(io_err(path))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool} > /dev/null")])
        .status()
        .is_ok_and(|s| s.success())
}

fn gzip_command() -> Vec<&'static str> {
    // Level 6, no name or time stamp: what `docker push` writes, and deterministic.
    if have("pigz") {
        vec!["pigz", "-n", "-6", "-c"]
    } else {
        vec!["gzip", "-n", "-6", "-c"]
    }
}

/// Compresses `plain` into `dir` (cached by name).
fn compress(plain: &Path, dir: &Path, ext: &str, argv: Vec<&str>) -> Res<PathBuf> {
    let name = plain.file_name().unwrap_or_default().to_string_lossy();
    let out = dir.join(format!("{name}.{ext}"));
    if out.exists() {
        return Ok(out);
    }
    let partial = out.with_extension("partial");
    let input = File::open(plain).map_err(io_err(plain))?;
    let output = File::create(&partial).map_err(io_err(&partial))?;
    let status = Command::new(argv[0])
        .args(&argv[1..])
        .stdin(Stdio::from(input))
        .stdout(Stdio::from(output))
        .status()
        .map_err(|e| format!("{}: {e}", argv[0]))?;
    if !status.success() {
        return Err(format!("{argv:?} failed: {status}"));
    }
    fs::rename(&partial, &out).map_err(io_err(&out))?;
    Ok(out)
}

/// Deterministic pseudo-random numbers (xorshift).
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// 16 MiB of source-like text (compresses about 4:1 with gzip); file contents are slices of it.
pub struct Pool(Vec<u8>);

impl Pool {
    pub fn new() -> Self {
        const WORDS: [&str; 16] = [
            "const ",
            "function ",
            "return ",
            "require(",
            "module.exports",
            " = ",
            "{ ",
            "} ",
            "; ",
            "\n",
            "value",
            "index",
            "=> ",
            "await ",
            "export ",
            "import ",
        ];
        let mut rng = Rng(0x9e3779b97f4a7c15);
        let mut out = Vec::with_capacity((16 << 20) + 32);
        while out.len() < 16 << 20 {
            let r = rng.next();
            out.extend_from_slice(WORDS[(r & 15) as usize].as_bytes());
            for shift in [8, 12, 16] {
                out.push(b"0123456789abcdef"[((r >> shift) & 15) as usize]);
            }
        }
        Pool(out)
    }

    pub fn slice(&self, rng: &mut Rng, size: usize) -> &[u8] {
        let size = size.min(self.0.len());
        let start = (rng.next() as usize) % (self.0.len() - size + 1);
        &self.0[start..start + size]
    }
}

pub fn append(
    builder: &mut tar::Builder<impl Write>,
    path: &str,
    data: &[u8],
    dir: bool,
) -> Res<()> {
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(if dir {
        tar::EntryType::Directory
    } else {
        tar::EntryType::Regular
    });
    header.set_size(data.len() as u64);
    header.set_mode(if dir { 0o755 } else { 0o644 });
    header.set_mtime(0);
    builder
        .append_data(&mut header, path, data)
        .map_err(|e| format!("tar: {e}"))
}

/// Writes one plain tar layer: a directory and a package.json per 100 files.
fn write_layer(path: &Path, plan: &LayerPlan, first: bool, pool: &Pool) -> Res<()> {
    let partial = path.with_extension("partial");
    let file = File::create(&partial).map_err(io_err(&partial))?;
    let mut builder = tar::Builder::new(BufWriter::with_capacity(1 << 20, file));
    let seed = plan
        .tag
        .bytes()
        .fold(0x51ed27u64, |h, b| h.wrapping_mul(31) ^ b as u64);
    let mut rng = Rng(seed | 1);
    if first {
        let package = br#"{"name":"bench","version":"1.0.0","main":"main.js"}"#;
        append(&mut builder, "app/package.json", package, false)?;
        append(&mut builder, "app/main.js", b"require('./lib');\n", false)?;
    }
    for n in 0..plan.files {
        let pkg = format!("app/node_modules/{}pkg{}", plan.tag, n / 100);
        if n % 100 == 0 {
            append(&mut builder, &format!("{pkg}/"), b"", true)?;
            let json = format!(
                r#"{{"name":"{}pkg{}","version":"1.0.{n}"}}"#,
                plan.tag,
                n / 100
            );
            append(
                &mut builder,
                &format!("{pkg}/package.json"),
                json.as_bytes(),
                false,
            )?;
        }
        let size = (rng.next() % (2 * plan.avg as u64)) as usize;
        let data = pool.slice(&mut rng, size);
        append(&mut builder, &format!("{pkg}/lib/file{n}.js"), data, false)?;
    }
    let mut writer = builder.into_inner().map_err(|e| format!("tar: {e}"))?;
    writer.flush().map_err(io_err(&partial))?;
    drop(writer);
    fs::rename(&partial, path).map_err(io_err(path))
}

/// (diff_id hex, blob digest hex, blob size, blob path) of each layer.
type LayerFiles = [(String, String, u64, PathBuf)];

/// Packs config, manifest, index and the layer blobs as one archive readable both as an OCI
/// layout (index.json) and as a docker archive (manifest.json).
fn write_archive(archive: &Path, layers: &LayerFiles, comp: Comp, format: Format) -> Res<()> {
    let diff_ids: Vec<String> = layers.iter().map(|l| format!("sha256:{}", l.0)).collect();
    let config = serde_json::to_vec(&serde_json::json!({
        "architecture": "amd64", "os": "linux",
        "config": {"User": "10001", "WorkingDir": "/app", "Cmd": ["node", "/app/main.js"],
                   "Labels": {"dev.isogen.service": "bench"}},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
    }))
    .map_err(|e| e.to_string())?;
    let config_hex = hex(&Sha256::digest(&config));
    let manifest = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": format!("sha256:{config_hex}"), "size": config.len()},
        "layers": layers.iter().map(|l| serde_json::json!({
            "mediaType": comp.media_type(), "digest": format!("sha256:{}", l.1), "size": l.2
        })).collect::<Vec<_>>(),
    }))
    .map_err(|e| e.to_string())?;
    let manifest_hex = hex(&Sha256::digest(&manifest));
    let index = serde_json::to_vec(&serde_json::json!({"schemaVersion": 2, "manifests": [{
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": format!("sha256:{manifest_hex}"), "size": manifest.len(),
        "annotations": {"org.opencontainers.image.ref.name": "bench"}
    }]}))
    .map_err(|e| e.to_string())?;
    let docker = serde_json::to_vec(&serde_json::json!([{
        "Config": format!("blobs/sha256/{config_hex}"), "RepoTags": ["bench:latest"],
        "Layers": layers.iter().map(|l| format!("blobs/sha256/{}", l.1)).collect::<Vec<_>>(),
    }]))
    .map_err(|e| e.to_string())?;

    let partial = archive.with_extension("partial");
    let file = File::create(&partial).map_err(io_err(&partial))?;
    let mut builder = tar::Builder::new(BufWriter::with_capacity(1 << 20, file));
    if format != Format::Docker {
        append(
            &mut builder,
            "oci-layout",
            br#"{"imageLayoutVersion":"1.0.0"}"#,
            false,
        )?;
    }
    if format != Format::Docker {
        append(&mut builder, "index.json", &index, false)?;
    }
    if format != Format::Oci {
        append(&mut builder, "manifest.json", &docker, false)?;
    }
    append(&mut builder, "blobs/", b"", true)?;
    append(&mut builder, "blobs/sha256/", b"", true)?;
    append(
        &mut builder,
        &format!("blobs/sha256/{config_hex}"),
        &config,
        false,
    )?;
    append(
        &mut builder,
        &format!("blobs/sha256/{manifest_hex}"),
        &manifest,
        false,
    )?;
    let mut seen = std::collections::HashSet::new();
    for (_, digest, _, path) in layers {
        if seen.insert(digest.clone()) {
            let name = format!("blobs/sha256/{digest}");
            let file = File::open(path).map_err(io_err(path))?;
            let mut header = tar::Header::new_gnu();
            header.set_size(size(path)?);
            header.set_mode(0o644);
            header.set_mtime(0);
            builder
                .append_data(&mut header, &name, file)
                .map_err(io_err(path))?;
        }
    }
    let mut writer = builder.into_inner().map_err(|e| format!("tar: {e}"))?;
    writer.flush().map_err(io_err(&partial))?;
    drop(writer);
    fs::rename(&partial, archive).map_err(io_err(archive))
}
