//! The command line: clap derive, one function per subcommand, exit codes. No logic here.
//!
//! Exit codes: 0 success / no error-level finding; 1 drift (`generate --check`) or an
//! error-level finding (`verify`); 2 unusable input or command (printed once, naming the file).

mod cli;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use std::io::{IsTerminal, Write};

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use isogen::generate::write::Mode;

/// `0.1.0 (1a2b3c4)`: the package version and, when built from a git checkout, the commit
/// (build.rs).
const VERSION: &str = env!("ISOGEN_VERSION");

#[derive(Debug, Parser)]
#[command(name = "isogen", version = VERSION, about, long_about = None)]
struct Cli {
    /// When to colour human output: auto (on a terminal, unless NO_COLOR is set;
    /// CLICOLOR_FORCE=1 forces it), always or never.
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = ColorArg::Auto)]
    color: ColorArg,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ColorArg {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Render one Dockerfile (and its Dockerfile.dockerignore) per service of a pnpm or Cargo
    /// workspace.
    ///
    /// Files are written only when they changed, atomically, and never over a file that does
    /// not start with isogen's header (unless --force). Exit codes: 0 done (or, with --check,
    /// nothing would change); 1 with --check, some file would change; 2 unusable input
    /// (nothing is written then).
    Generate {
        /// The workspace root.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Write nothing; list each file that would change and exit 1 if any would.
        #[arg(long)]
        check: bool,
        /// With --check (implied): print a unified diff of each change.
        #[arg(long)]
        diff: bool,
        /// Print every file that would be written (each after a `==> path <==` line); write
        /// nothing.
        #[arg(long, conflicts_with_all = ["check", "diff", "stdout"])]
        dry_run: bool,
        /// Print only the Dockerfile(s) to stdout (e.g. `--service api --stdout | docker build
        /// -f - .`); write nothing.
        #[arg(long, conflicts_with_all = ["check", "diff"])]
        stdout: bool,
        /// Overwrite files that do not carry isogen's header.
        #[arg(long)]
        force: bool,
        /// Only this service (service name, package name or folder); repeatable.
        #[arg(long = "service", value_name = "NAME")]
        services: Vec<String>,
        /// Use the templates in this folder (those it lacks stay the defaults); overrides
        /// `[generate] templates` of isogen.toml.
        #[arg(long, value_name = "DIR")]
        templates: Option<PathBuf>,
        /// Write the services that work even when others fail (their errors are printed and
        /// the exit status is 2); without it, one failing service means nothing is written.
        #[arg(long)]
        keep_going: bool,
    },
    /// Write isogen's default templates (and a README of their variables) to a folder, to
    /// start a project's own from; point `[generate] templates` at it.
    Templates {
        /// Where to write them.
        #[arg(default_value = "isogen-templates")]
        dir: PathBuf,
        /// Overwrite files that already exist there.
        #[arg(long)]
        force: bool,
    },
    /// Check built images (docker save / OCI tarballs) against the one-service-one-image rules.
    ///
    /// Exit status: 0 no finding at or above --fail-on (default: error), 1 at least one, 2 an
    /// input or the command was unusable. `isogen rules` lists the rules, `isogen explain RULE`
    /// tells one; the [verify] policy of isogen.toml sets their severity.
    Verify(VerifyArgs),
    /// List every verify rule: its id, default severity, what it checks and how to fix it.
    Rules {
        /// Output format.
        #[arg(long, value_enum, default_value_t = InspectFormat::Text)]
        format: InspectFormat,
    },
    /// Tell one verify rule: what it checks, how to fix its findings, how to change its
    /// severity.
    Explain {
        /// A rule id, as reports name it (`isogen rules` lists them).
        rule: String,
    },
    /// Write a commented isogen.toml for the workspace at DIR: the services found, every
    /// setting at its default (commented). Never overwrites an existing one (exit 2) unless
    /// --force.
    Init {
        /// The workspace root.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Replace an existing isogen.toml.
        #[arg(long)]
        force: bool,
    },
    /// Print a shell completion script (e.g. `isogen completions bash >
    /// /usr/share/bash-completion/completions/isogen`).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), or write one page per command to a folder.
    Man {
        /// Write isogen.1 and isogen-<command>.1 into this folder instead.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Every package of the workspace (pnpm and Cargo) with its role and the reason: service,
    /// refused (generate cannot build it, and says why), internal package, tool, or not a
    /// service.
    ///
    /// It reads the workspace as generate does and writes nothing. Exit codes: 0 done; 2
    /// unusable input.
    List {
        /// The workspace root.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// text: a table; json: `{"schema_version": 1, "packages": [{name, ecosystem, folder,
        /// role, reason, services}]}`.
        #[arg(long, value_enum, default_value_t = InspectFormat::Text)]
        format: InspectFormat,
    },
    /// List the services and how to build each (JSON for CI); with --since, only those a
    /// change since a git ref affects, each with why.
    ///
    /// A service is affected by a change to its folder, an internal package it builds with, its
    /// Dockerfile or ignore file, isogen.toml, the templates, the workspace files its ecosystem
    /// reads, or its own part of pnpm-lock.yaml / Cargo.lock. Exit codes: 0 done; 2 unusable
    /// input (not a workspace, not a git repository, unknown ref).
    Plan {
        /// The workspace root.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Only the services affected by what changed since this git ref (a branch, tag or
        /// commit), committed or not.
        #[arg(long, value_name = "REF")]
        since: Option<String>,
        /// json: the whole plan; github-matrix: `{"include":[...]}` for a GitHub Actions
        /// matrix; gitlab: a child pipeline with a parallel:matrix job; bake: a
        /// `group "affected"` for docker-bake.hcl.
        #[arg(long, value_enum, default_value_t = PlanFormat::Json)]
        format: PlanFormat,
    },
    /// Write docker-bake.hcl at the workspace root: one BuildKit target per service, a
    /// `default` group and one per ecosystem (`docker buildx bake` builds them in parallel).
    ///
    /// Same rules as generate: written only when it changed, atomically, never over a file
    /// without isogen's header (unless --force). `[generate] bake = true` in isogen.toml makes
    /// generate write it too. Exit codes: 0 done; 1 with --check, it would change; 2 unusable
    /// input.
    Bake(WriteArgs),
    /// Write compose.yaml at the workspace root to run the services together: each built from
    /// its Dockerfile, with its image name, port, health check, non-root user, a read-only root
    /// file system (tmpfs /tmp), and depends_on / profiles from [compose.services.<name>].
    ///
    /// Same rules as generate: written only when it changed, atomically, never over a file
    /// without isogen's header (unless --force). Exit codes: 0 done; 1 with --check, it would
    /// change; 2 unusable input.
    Compose(WriteArgs),
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

/// The options of a command that writes one generated file.
#[derive(Debug, clap::Args)]
struct WriteArgs {
    /// The workspace root.
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// Write nothing; say whether the file would change and exit 1 if it would.
    #[arg(long)]
    check: bool,
    /// With --check (implied): print a unified diff of the change.
    #[arg(long)]
    diff: bool,
    /// Print the file to stdout; write nothing.
    #[arg(long, conflicts_with_all = ["check", "diff"])]
    stdout: bool,
    /// Overwrite a file that does not carry isogen's header.
    #[arg(long)]
    force: bool,
}

impl WriteArgs {
    fn mode(&self) -> Mode {
        if self.check || self.diff {
            Mode::Check {
                diff: self.diff,
                force: self.force,
            }
        } else {
            Mode::Write { force: self.force }
        }
    }
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum PlanFormat {
    Json,
    GithubMatrix,
    Gitlab,
    Bake,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum InspectFormat {
    Text,
    Json,
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
    /// The least severity that fails the gate (exit 1).
    #[arg(long, value_enum, value_name = "SEVERITY", default_value_t = FailOnArg::Error)]
    fail_on: FailOnArg,
    /// For this run, turn RULE off (over the [verify] policy); repeatable.
    #[arg(long, value_name = "RULE")]
    allow: Vec<String>,
    /// For this run, report RULE as a warning; repeatable.
    #[arg(long, value_name = "RULE")]
    warn: Vec<String>,
    /// For this run, report RULE as an error; repeatable (wins over --allow and --warn).
    #[arg(long, value_name = "RULE")]
    deny: Vec<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum FailOnArg {
    Error,
    Warning,
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
    match cli.color {
        ColorArg::Auto => anstream::ColorChoice::Auto,
        ColorArg::Always => anstream::ColorChoice::Always,
        ColorArg::Never => anstream::ColorChoice::Never,
    }
    .write_global();
    let result = match cli.command {
        Command::Generate {
            dir,
            check,
            diff,
            dry_run,
            stdout,
            force,
            services,
            templates,
            keep_going,
        } => {
            let mode = if dry_run {
                Mode::DryRun
            } else if stdout {
                Mode::Stdout
            } else if check || diff {
                Mode::Check { diff, force }
            } else {
                Mode::Write { force }
            };
            generate(dir, mode, services, templates, keep_going)
        }
        Command::Templates { dir, force } => templates(dir, force),
        Command::Verify(args) => verify(args),
        Command::Rules { format } => rules(format),
        Command::Explain { rule } => explain(&rule),
        Command::Init { dir, force } => init(&dir, force),
        Command::Completions { shell } => completions(shell),
        Command::Man { dir } => man(dir),
        Command::List { dir, format } => list(&dir, format),
        Command::Plan { dir, since, format } => plan(dir, since, format),
        Command::Bake(args) => bake(args),
        Command::Compose(args) => compose(args),
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

/// What `generate` says about the workspace before planning: packages left out that look
/// deployed (an unread start script, a tool a hand-written Dockerfile builds, a package its
/// folder's hand-written Dockerfile runs with Node), an empty pnpm
/// workspace.
/// Says the warnings of discovery (kept in `said`), before planning so they are said even
/// when no package is a service.
fn discovery_warnings(
    said: &mut Vec<String>,
    dir: &Path,
    ws: &isogen::workspace::Workspace,
    config: &isogen::config::Config,
) -> isogen::Result<()> {
    warn(
        said,
        isogen::workspace::roles::unread_starts(ws, &config.workspace)?,
    );
    warn(said, cli::elsewhere::deployed_tools(dir, ws, config)?);
    warn(said, cli::deployed::warnings(dir, ws, config)?);
    warn(
        said,
        (ws.pnpm.as_ref()).and_then(isogen::workspace::pnpm::no_packages_warning),
    );
    Ok(())
}

/// `--check` (without `--force`) of a tree whose every input is as a passing check left it
/// passes again, saying what that check said: `Err` is that exit. Otherwise the recording of
/// the full check to store if it passes (`None`: no cache).
fn check_from_cache(
    dir: &Path,
    mode: Mode,
    key: impl FnOnce() -> Option<cli::check_cache::Key>,
) -> Result<Option<cli::check_cache::Recording>, ExitCode> {
    let Mode::Check { force: false, .. } = mode else {
        return Ok(None);
    };
    let Some(cache) = cli::check_cache::Cache::open(dir, key()) else {
        return Ok(None);
    };
    if let Some(hit) = cache.hit() {
        for w in &hit.warnings {
            eprintln!("warning: {w}");
        }
        eprintln!("{} generated files are up to date", hit.files);
        return Err(ExitCode::SUCCESS);
    }
    Ok(Some(cache.record()))
}

/// Prints `warnings` (each after `warning: `) and keeps them in `said`.
fn warn(said: &mut Vec<String>, warnings: impl IntoIterator<Item = String>) {
    for w in warnings {
        eprintln!("warning: {w}");
        said.push(w);
    }
}

/// Writes (or, with `--check`, previews) isogen.toml with the settings `--force` kept.
fn save_kept(path: &Path, text: &str, mode: Mode) -> isogen::Result<()> {
    if let Mode::Check { diff, .. } = mode {
        print!("{}", cli::carry::preview(path, text, diff)?);
    } else {
        isogen::generate::write::replace(path, text.as_bytes())?;
        println!(
            "updated {} (settings kept from hand-written Dockerfiles)",
            path.display()
        );
    }
    Ok(())
}

/// A plan with failed services and no `--keep-going`: prints the warnings of every service
/// (and what the hand-written Dockerfiles beside the services and the failed ones' drafts
/// say), and returns the errors; nothing is written.
fn failed_plan(
    dir: &Path,
    ws: &isogen::workspace::Workspace,
    config: &isogen::config::Config,
    mode: Mode,
    plan: isogen::generate::Plan,
) -> isogen::Error {
    for w in &plan.warnings {
        eprintln!("warning: {w}");
    }
    if mode != Mode::Stdout {
        let files: Vec<_> = plan.files.iter().chain(&plan.drafts).cloned().collect();
        for w in cli::elsewhere::warnings(dir, ws, config, &files) {
            eprintln!("warning: {w}");
        }
    }
    // A hand-written Dockerfile where a failed service's would go: what `--force` would take
    // from it (run with `--force`, it was read already, and its report printed).
    let force = matches!(
        mode,
        Mode::Write { force: true } | Mode::Check { force: true, .. }
    );
    if !force {
        if let Ok(Some(kept)) = cli::carry::hand_written(dir, (config, ws), &plan.drafts) {
            eprintln!(
                "warning: {}(`isogen generate --force` adds the kept settings to isogen.toml \
                 and replaces the hand-written file)",
                kept.report
            );
        }
    }
    isogen::generate::failure(Vec::new(), plan.failed)
}

fn generate(
    dir: PathBuf,
    mode: Mode,
    services: Vec<String>,
    templates: Option<PathBuf>,
    keep_going: bool,
) -> isogen::Result<ExitCode> {
    let key = || cli::check_cache::Key::new(&dir, &services, templates.as_deref(), keep_going);
    let recording = match check_from_cache(&dir, mode, key) {
        Ok(recording) => recording,
        Err(passed) => return Ok(passed),
    };
    let config = isogen::config::Config::load_from_root(&dir)?;
    let ws = isogen::workspace::Workspace::discover(&dir, &config.workspace)?;
    // Every service is planned, even past a failure, so the warnings of all of them (and the
    // hints a failed one's draft gives) come with the errors in one run; without
    // `--keep-going`, a failure still writes nothing.
    let options = isogen::generate::Options {
        services,
        templates,
        keep_going: true,
    };
    let mut said = Vec::new();
    discovery_warnings(&mut said, &dir, &ws, &config)?;
    let mut plan = isogen::generate::plan(&ws, &config.generate, &options)?;
    let force = matches!(
        mode,
        Mode::Write { force: true } | Mode::Check { force: true, .. }
    );
    if !keep_going && !plan.failed.is_empty() && !force {
        return Err(failed_plan(&dir, &ws, &config, mode, plan));
    }
    let mut new_config = None;
    // `--check --force` previews what `--force` would keep and drop, writing nothing. A failed
    // service's draft is read too: the hand-written Dockerfile at its path may say what it
    // lacks (oxigraph's `ENTRYPOINT` + `CMD ["serve", ...]`: the subcommand its binary needs).
    if force {
        let files: Vec<_> = plan.files.iter().chain(&plan.drafts).cloned().collect();
        if let Some(kept) = cli::carry::hand_written(&dir, (&config, &ws), &files)? {
            print!("{}", kept.report);
            if let Some((path, text, config)) = kept.toml {
                let with_kept = |e: isogen::Error| {
                    isogen::Error::Usage(format!(
                        "{e}\n(with the settings above, which --force would add to isogen.toml; \
                         nothing was written: set them in isogen.toml by hand, or remove the \
                         instruction from the hand-written Dockerfile)"
                    ))
                };
                plan =
                    isogen::generate::plan(&ws, &config.generate, &options).map_err(with_kept)?;
                if !keep_going && !plan.failed.is_empty() {
                    let failed = std::mem::take(&mut plan.failed);
                    return Err(with_kept(isogen::generate::failure(Vec::new(), failed)));
                }
                new_config = Some((path, text));
            }
        }
        if !keep_going && !plan.failed.is_empty() {
            return Err(failed_plan(&dir, &ws, &config, mode, plan));
        }
    }
    // Every file has rendered: isogen.toml first, so the kept settings survive a failed write.
    if let Some((path, text)) = new_config {
        save_kept(&path, &text, mode)?;
    }
    warn(&mut said, plan.warnings.iter().cloned());
    if mode != Mode::Stdout {
        // With --keep-going, the drafts of the failed services are read too.
        let files: Vec<_> = plan.files.iter().chain(&plan.drafts).cloned().collect();
        warn(
            &mut said,
            cli::elsewhere::warnings(&dir, &ws, &config, &files),
        );
    }
    // Buffered: one `created ...` line per file was one write system call each (400 on 200
    // services). Flushed before anything else is printed, and on an early return by the drop.
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let outcome = isogen::generate::write::apply(&dir, &plan.files, mode, &mut out)?;
    out.flush().map_err(|e| isogen::Error::io("<stdout>", e))?;
    drop(out);
    if !plan.failed.is_empty() {
        for (_, e) in &plan.failed {
            eprintln!("error: {e}");
        }
        eprintln!(
            "{} services failed; the files of the others were handled (--keep-going)",
            plan.failed.len()
        );
        return Ok(ExitCode::from(2));
    }
    let code = finish(&dir, mode, &plan, &outcome, recording, said);
    // The process ends right after: freeing the workspace and the plan piece by piece (tens of
    // thousands of allocations on 200 services) would only delay the exit.
    std::mem::forget((ws, plan));
    Ok(code)
}

/// The exit of a run whose files were handled: with `--check`, 1 when some file would change;
/// a passing check stores its record in the cache.
fn finish(
    dir: &Path,
    mode: Mode,
    plan: &isogen::generate::Plan,
    outcome: &isogen::generate::write::Outcome,
    recording: Option<cli::check_cache::Recording>,
    said: Vec<String>,
) -> ExitCode {
    match mode {
        Mode::Check { .. } if outcome.changed() > 0 => {
            eprintln!(
                "{} of {} generated files would change; run `isogen generate` to update them",
                outcome.changed(),
                plan.files.len()
            );
            ExitCode::from(1)
        }
        Mode::Check { .. } => {
            eprintln!("{} generated files are up to date", plan.files.len());
            if let Some(recording) = recording {
                let paths: Vec<String> = plan.files.iter().map(|f| f.path.clone()).collect();
                recording.store(dir, &paths, said);
            }
            ExitCode::SUCCESS
        }
        Mode::Write { .. } => {
            if !outcome.unchanged.is_empty() {
                eprintln!("{} files unchanged", outcome.unchanged.len());
            }
            ExitCode::SUCCESS
        }
        Mode::DryRun | Mode::Stdout => ExitCode::SUCCESS,
    }
}

fn templates(dir: PathBuf, force: bool) -> isogen::Result<ExitCode> {
    let written = isogen::generate::templates::write_defaults(&dir, force)?;
    for path in written {
        println!("wrote {}", path.display());
    }
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
    use isogen::verify::gate::{self, FailOn};
    use isogen::verify::{run, Request};
    let fail_on = match args.fail_on {
        FailOnArg::Error => FailOn::Error,
        FailOnArg::Warning => FailOn::Warning,
    };
    let overrides = gate::overrides(&args.allow, &args.warn, &args.deny)?;
    run::check_images(&args.images)?;
    let mut inputs = cli::verify::load(args.workspace.as_deref(), args.config.as_deref())?;
    inputs.config.verify.overrides = overrides;
    let options = run::Options {
        images: args.images,
        platform: args.platform,
        request: Request {
            service: args.service.as_deref(),
            workspace: inputs.workspace.as_ref(),
            config: &inputs.config.verify,
            config_path: inputs.config_path.clone(),
        },
    };
    let mut terminal = cli::progress::Terminal::new(std::io::stderr().is_terminal());
    let report =
        isogen::report::Report::of(run::run(&options, &mut terminal)?).fail_on(fail_on.least());
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

/// Writes human output through anstream, which keeps or strips its colour as --color, NO_COLOR
/// and CLICOLOR_FORCE say; a closed pipe (`isogen rules | head`) is not an error.
fn emit(text: &str) -> isogen::Result<ExitCode> {
    let mut out = anstream::stdout();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(isogen::Error::io("<stdout>", e))
        }
        _ => Ok(ExitCode::SUCCESS),
    }
}

fn rules(format: InspectFormat) -> isogen::Result<ExitCode> {
    use isogen::report::rules;
    emit(&match format {
        InspectFormat::Text => rules::list_text(true),
        InspectFormat::Json => rules::list_json(),
    })
}

fn explain(id: &str) -> isogen::Result<ExitCode> {
    let rule = isogen::verify::lookup_rule(id).map_err(isogen::Error::Usage)?;
    emit(&isogen::report::rules::explain_text(rule.rule(), true))
}

fn init(dir: &std::path::Path, force: bool) -> isogen::Result<ExitCode> {
    let path = isogen::init::init(dir, force)?;
    eprintln!(
        "wrote {}; every setting in it is commented at its default",
        path.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn completions(shell: clap_complete::Shell) -> isogen::Result<ExitCode> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "isogen", &mut out);
    emit(&String::from_utf8_lossy(&out))
}

fn man(dir: Option<PathBuf>) -> isogen::Result<ExitCode> {
    let cmd = Cli::command();
    match dir {
        Some(dir) => {
            clap_mangen::generate_to(cmd, &dir).map_err(|e| isogen::Error::io(&dir, e))?;
            eprintln!("wrote the man pages to {}", dir.display());
            Ok(ExitCode::SUCCESS)
        }
        None => {
            let mut out = Vec::new();
            clap_mangen::Man::new(cmd)
                .render(&mut out)
                .map_err(|e| isogen::Error::io("<stdout>", e))?;
            emit(&String::from_utf8_lossy(&out))
        }
    }
}

fn list(dir: &std::path::Path, format: InspectFormat) -> isogen::Result<ExitCode> {
    let (rows, warnings) = cli::list::rows(dir)?;
    for w in &warnings {
        eprintln!("warning: {w}");
    }
    match format {
        InspectFormat::Text => print_stdout(&cli::list::text(&rows)),
        InspectFormat::Json => print_stdout(&cli::list::json(&rows)?),
    }
}

fn plan(dir: PathBuf, since: Option<String>, format: PlanFormat) -> isogen::Result<ExitCode> {
    use isogen::plan::format::{render, Format};
    let config = isogen::config::Config::load_from_root(&dir)?;
    let ws = isogen::workspace::Workspace::discover(&dir, &config.workspace)?;
    let plan = isogen::plan::plan(&ws, &config.generate, since.as_deref())?;
    let format = match format {
        PlanFormat::Json => Format::Json,
        PlanFormat::GithubMatrix => Format::GithubMatrix,
        PlanFormat::Gitlab => Format::Gitlab,
        PlanFormat::Bake => Format::Bake,
    };
    print_stdout(&render(&plan, format)?)
}

fn bake(args: WriteArgs) -> isogen::Result<ExitCode> {
    let config = isogen::config::Config::load_from_root(&args.dir)?;
    let ws = isogen::workspace::Workspace::discover(&args.dir, &config.workspace)?;
    let file = isogen::generate::bake::file(&ws, &config.generate, &config.display_path())?;
    write_one(&args, file, "bake")
}

fn compose(args: WriteArgs) -> isogen::Result<ExitCode> {
    let config = isogen::config::Config::load_from_root(&args.dir)?;
    let ws = isogen::workspace::Workspace::discover(&args.dir, &config.workspace)?;
    let file = isogen::compose::file(
        &ws,
        &config.generate,
        &config.compose,
        &config.display_path(),
    )?;
    write_one(&args, file, "compose")
}

/// Writes (or checks, or prints) one generated file through generate's writer.
fn write_one(
    args: &WriteArgs,
    file: isogen::generate::GeneratedFile,
    command: &str,
) -> isogen::Result<ExitCode> {
    use isogen::generate::write;
    if args.stdout {
        return print_stdout(&file.text());
    }
    let mode = args.mode();
    let mut out = std::io::stdout().lock();
    let outcome = write::apply(&args.dir, std::slice::from_ref(&file), mode, &mut out)?;
    match mode {
        Mode::Check { .. } if outcome.changed() > 0 => {
            eprintln!(
                "{} would change; run `isogen {command}` to update it",
                file.path
            );
            Ok(ExitCode::from(1))
        }
        Mode::Check { .. } => {
            eprintln!("{} is up to date", file.path);
            Ok(ExitCode::SUCCESS)
        }
        _ => {
            if !outcome.unchanged.is_empty() {
                eprintln!("{} unchanged", file.path);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Prints `text`; a closed pipe (`isogen plan | head`) is not an error.
fn print_stdout(text: &str) -> isogen::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(e) => Err(isogen::Error::io("<stdout>", e)),
    }
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
        sources: None,
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

#[cfg(test)]
mod cli_tests;
