//! The command line: clap derive, one function per subcommand, exit codes. No logic here.
//!
//! Exit codes: 0 success / no error-level finding; 1 drift (`generate --check`) or an
//! error-level finding (`verify`); 2 unusable input or command (printed once, naming the file).

use std::path::PathBuf;
use std::process::ExitCode;

use std::io::{IsTerminal, Write};

use clap::{Parser, Subcommand, ValueEnum};

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
    ///
    /// Exit status: 0 no error-level finding, 1 at least one, 2 an input or the command was
    /// unusable. Rules, their ids and the [verify] policy: docs/verify.md.
    Verify(VerifyArgs),
}

#[derive(Debug, clap::Args)]
struct VerifyArgs {
    /// Image tarballs (docker save, OCI archive, possibly gzip-compressed), OCI layout
    /// directories, or `-` for stdin. Several images give one report.
    #[arg(required = true, value_name = "IMAGE")]
    images: Vec<PathBuf>,
    /// The service the images must hold: its folder name or package name. Default: the
    /// image's `dev.isogen.service` label.
    #[arg(long, value_name = "NAME")]
    service: Option<String>,
    /// The pnpm or Cargo workspace the service comes from (its other services and internal
    /// packages are then known). Default: the current directory when it is a workspace.
    #[arg(long, value_name = "DIR")]
    workspace: Option<PathBuf>,
    /// The policy file. Default: isogen.toml at the workspace root (or here).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Report format.
    #[arg(long, value_enum, default_value_t = FormatArg::Human)]
    format: FormatArg,
    /// The platform to check in a multi-platform image: os/arch[/variant]. Default: the host's.
    #[arg(long, value_name = "OS/ARCH")]
    platform: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum FormatArg {
    Human,
    Json,
    Sarif,
    Junit,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Generate { dir } => generate(dir),
        Command::Verify(args) => verify(args),
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

fn verify(args: VerifyArgs) -> isogen::Result<ExitCode> {
    use isogen::report::Format;
    let format = match args.format {
        FormatArg::Human => Format::Human,
        FormatArg::Json => Format::Json,
        FormatArg::Sarif => Format::Sarif,
        FormatArg::Junit => Format::Junit,
    };
    let report = isogen::verify::run::run(&isogen::verify::run::Options {
        images: args.images,
        service: args.service,
        workspace: args.workspace,
        config: args.config,
        platform: args.platform,
        progress: std::io::stderr().is_terminal(),
    })?;
    // anstream strips the colour when stdout is not a terminal (or NO_COLOR is set).
    let mut out = anstream::stdout();
    let text = report.render(format, format == Format::Human);
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(isogen::Error::io("<stdout>", e));
        }
    }
    Ok(if report.passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
