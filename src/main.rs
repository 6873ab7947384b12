//! The command line: clap derive, one function per subcommand, exit codes. No logic here.
//!
//! Exit codes: 0 success / no error-level finding; 1 drift (`generate --check`) or an
//! error-level finding (`verify`); 2 unusable input or command (printed once, naming the file).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "isogen", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Render one Dockerfile (and .dockerignore) per service of a pnpm or Cargo workspace.
    Generate {
        /// The workspace root.
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
    /// Check built images (docker save / OCI tarballs) against the one-service-one-image rules.
    Verify {
        /// Image tarballs, OCI layout directories, or `-` for stdin.
        #[arg(required = true)]
        images: Vec<PathBuf>,
    },
    /// Show an image's merged file tree, what each layer added, and what later layers hid.
    Inspect {
        /// An image tarball, an OCI layout directory, or `-` for stdin.
        image: PathBuf,
        /// `os/arch[/variant]` to pick from a multi-platform image (default: the host's).
        #[arg(long)]
        platform: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = InspectFormat::Text)]
        format: InspectFormat,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum InspectFormat {
    Text,
    Json,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Generate { dir } => generate(dir),
        Command::Verify { images } => verify(images),
        Command::Inspect {
            image,
            platform,
            format,
        } => inspect(image, platform, format),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(2)
        }
    }
}

fn generate(dir: PathBuf) -> isogen::Result<ExitCode> {
    let config = isogen::config::Config::load_from_root(&dir)?;
    let _ws = isogen::workspace::Workspace::discover(&dir, &config.workspace)?;
    Ok(ExitCode::SUCCESS)
}

fn verify(images: Vec<PathBuf>) -> isogen::Result<ExitCode> {
    let capture = isogen::image::Capture {
        wants: Box::new(|_| false),
        max_bytes: 0,
    };
    for path in &images {
        isogen::image::read(path, &Default::default(), &capture)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn inspect(
    path: PathBuf,
    platform: Option<String>,
    format: InspectFormat,
) -> isogen::Result<ExitCode> {
    use isogen::image::{self, inspect, Capture, OpenOptions};
    let options = OpenOptions { platform };
    let capture = Capture {
        wants: Box::new(|_| false),
        max_bytes: 0,
    };
    let image = image::read(&path, &options, &capture)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let written = match format {
        InspectFormat::Text => inspect::write_text(&image, &mut out),
        InspectFormat::Json => inspect::write_json(&image, &mut out),
    }
    .and_then(|()| std::io::Write::flush(&mut out));
    match written {
        Ok(()) => Ok(ExitCode::SUCCESS),
        // A closed pipe (`isogen inspect x | head`) is not an error worth reporting.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(e) => Err(isogen::Error::io("<stdout>", e)),
    }
}
