//! `generate --force` over a hand-written Dockerfile: what its final stage sets at run time
//! (`ENV`, `EXPOSE`, `HEALTHCHECK`, `VOLUME`, `USER`, `STOPSIGNAL`, `ENTRYPOINT`/`CMD`) is
//! compared with the
//! Dockerfile isogen generates for the same service, with the `ARG`s of the build stages it
//! copies from (`build_args`) and the variables a shell-form `CMD` sets before its command
//! (`env`), and each setting is either kept (as a
//! setting of `[generate.services.<name>]` in isogen.toml, so the next `generate --check` stays
//! clean), found the same already, or dropped with the reason.
//!
//! Pure: it reads text and returns decisions; the CLI reads and writes the files
//! ([`toml`] edits isogen.toml's text). It never renders, and never keeps what would make the
//! generated image run differently from what isogen can check (root, a shell, a package
//! manager, paths of another layout).

mod command;
pub mod stage;
pub mod toml;

use std::collections::BTreeMap;

use super::cfg::{ServiceConfig, StopSignal};
use super::runtime::{Duration, Healthcheck, HealthcheckOptions, Writable};
use stage::{FinalStage, Form, Found, What};

/// What one hand-written setting became.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Written into isogen.toml: the setting, as written there (`env.PORT = "3000"`).
    Kept(String),
    /// The generated Dockerfile (or isogen.toml) already has it.
    Same,
    /// Not carried, and why.
    Dropped(String),
}

/// One setting of the hand-written file and its verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub line: usize,
    /// The instruction (or the part of it) on one line: `ENV PORT=3000`.
    pub instruction: String,
    pub verdict: Verdict,
}

/// The settings to add to `[generate.services.<name>]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    pub env: BTreeMap<String, String>,
    pub expose: Vec<u16>,
    pub healthcheck: Option<Healthcheck>,
    pub writable: Vec<Writable>,
    pub cmd: Option<Vec<String>>,
    pub args: Vec<String>,
    pub stop_signal: Option<StopSignal>,
    /// `workdir` (Cargo only).
    pub workdir: Option<String>,
    /// `build_args`: a build stage's `ARG`s, `NAME=default` or `NAME`.
    pub build_args: Vec<String>,
    /// `features` (Cargo only): what the hand-written `cargo build` passes to `--features`.
    pub features: Vec<String>,
    /// `no_default_features = true` (Cargo only).
    pub no_default_features: bool,
}

impl Settings {
    pub fn is_empty(&self) -> bool {
        *self == Settings::default()
    }
}

/// Everything read from one hand-written Dockerfile.
#[derive(Debug, Clone, Default)]
pub struct Carried {
    pub items: Vec<Item>,
    pub settings: Settings,
}

/// The service the hand-written file is replaced for.
pub struct Target<'a> {
    /// isogen's Dockerfile for the service (as generated with the current isogen.toml).
    pub generated: &'a str,
    /// What isogen.toml already sets for the service.
    pub existing: Option<&'a ServiceConfig>,
    /// `[generate.services.<name>]`, to name in reasons.
    pub section: &'a str,
    /// The service's name: a stage of that name is its target in a Dockerfile with one target
    /// per service (see [`stage::service_stage`]).
    pub service: Option<&'a str>,
    pub uid: u32,
    /// The service takes a `workdir` setting (a Cargo service: its binary does not depend on
    /// the working folder; a Node service's does).
    pub takes_workdir: bool,
    /// The service's package folder, workspace-relative (`""` at the root).
    pub package_dir: &'a str,
    /// A Cargo service's package name (`None` for a Node service): a hand-written
    /// `cargo build -p <other>` builds something else.
    pub cargo_package: Option<&'a str>,
    /// Whether a workspace-relative path exists (the CLI looks; this module never does).
    pub exists: &'a dyn Fn(&str) -> bool,
}

/// Environment variables that configure a package manager or toolchain, which the generated
/// runtime image does not ship.
const TOOLING_ENV: &[&str] = &[
    "PNPM_HOME",
    "COREPACK_HOME",
    "COREPACK_ENABLE_STRICT",
    "COREPACK_ENABLE_DOWNLOAD_PROMPT",
    "YARN_CACHE_FOLDER",
    "CARGO_HOME",
    "RUSTUP_HOME",
];

/// Prefixes of variables that configure a package manager (npm reads `npm_config_*` in any
/// case: openpanel's `npm_config_build_from_source=true`; corepack's
/// `COREPACK_INTEGRITY_KEYS=0`, the workaround of nodejs/corepack#612 many Dockerfiles carry).
const TOOLING_ENV_PREFIXES: &[&str] = &["NPM_CONFIG_", "COREPACK_", "PNPM_", "YARN_"];

/// Whether the variable `key` configures a package manager or toolchain, which only a build
/// reads.
fn tooling_env(key: &str) -> bool {
    let upper = key.to_ascii_uppercase();
    TOOLING_ENV.contains(&key) || TOOLING_ENV_PREFIXES.iter().any(|p| upper.starts_with(p))
}

/// Folders a writable folder may not be in (the generated image's system owns them).
const SYSTEM_DIRS: &[&str] = &["/tmp", "/var/tmp", "/proc", "/sys", "/dev", "/etc", "/usr"];

/// Reads `handwritten` against `target`; the error says why nothing could be read (the line).
pub fn carry(handwritten: &str, target: &Target<'_>) -> Result<Carried, String> {
    let hand = stage::service_stage(handwritten, target.service)?;
    let generated = stage::final_stage(target.generated)?;
    let mut out = Carried::default();
    let mut workdir = "/".to_string();
    let last = |pick: fn(&What) -> bool| hand.found.iter().rposition(|f| pick(&f.what));
    let last_user = last(|w| matches!(w, What::User(_)));
    let last_health = last(|w| matches!(w, What::Healthcheck(_)));
    let dropped = dropped_files(&hand, &generated);
    let kept_workdir = kept_workdir(&hand, &generated, target);
    for (i, found) in hand.found.iter().enumerate() {
        match &found.what {
            What::Workdir(dir) => workdir = join(&workdir, dir),
            What::Env(pairs) => env(found, pairs, (&generated, &dropped), target, &mut out),
            What::Expose(ports) => expose(found, ports, &generated, target, &mut out),
            What::Volume(paths) => {
                let at = Place {
                    workdir: &workdir,
                    handwritten,
                    kept_workdir: kept_workdir.as_deref(),
                };
                volume(found, paths, &at, target, &mut out)
            }
            What::User(user) if Some(i) == last_user => {
                let verdict = user_verdict(user, &generated, target);
                out.push(found.line, &found.text, verdict);
            }
            What::Healthcheck(check) if Some(i) == last_health => {
                let verdict = match runs_dropped_file(check.as_ref(), &dropped) {
                    Some(dropped) => dropped_program(dropped, target),
                    None => healthcheck(check.as_ref(), &generated, target, &mut out.settings),
                };
                out.push(found.line, &found.text, verdict);
            }
            What::Healthcheck(_) => out.push(
                found.line,
                &found.text,
                Verdict::Dropped("a later HEALTHCHECK replaces it".into()),
            ),
            What::CopyContext(sources, _)
                if copies_program(&with_args(sources, &hand.args), &generated) =>
            {
                let why = "it copies the service's binary, built outside the Dockerfile (a \
                           Nix `result/bin/`, a host build); the generated image builds it \
                           itself";
                out.push(found.line, &found.text, Verdict::Dropped(why.into()));
            }
            What::CopyContext(sources, dest)
                if ships_same(sources, &join(&workdir, dest), &generated) =>
            {
                out.push(found.line, &found.text, Verdict::Same);
            }
            What::CopyContext(sources, dest) if !is_the_build(sources) => {
                let what = match sources.iter().find(|s| is_url(s)) {
                    Some(url) => format!("a file downloaded from {url} at build time"),
                    None => "a file of the build context".to_string(),
                };
                let at = join(&workdir, dest);
                // `COPY a.toml /etc/app/` puts the file into the folder: no one path to keep.
                let to = (!dest.ends_with('/')).then_some(at.as_str());
                let fix = match asset_of(sources, (target, &generated), to) {
                    Some((entry, lands)) if lands == at => format!(
                        "set `assets = [{entry}]` in {} (it lands there)",
                        target.section
                    ),
                    Some((entry, lands)) => format!(
                        "set `assets = [{entry}]` in {} (it lands at {lands}) and point the \
                         service there",
                        target.section
                    ),
                    None => format!(
                        "list it in `assets` in {} and point the service at where it lands",
                        target.section
                    ),
                };
                let why = format!(
                    "{what} at {at}: the generated image ships only the service and its run-time \
                     files; if the service reads it at run time, {fix}"
                );
                out.push(found.line, &found.text, Verdict::Dropped(why));
            }
            What::StopSignal(signal) => {
                let verdict = stop_signal(signal, target, &mut out.settings);
                out.push(found.line, &found.text, verdict);
            }
            _ => {}
        }
    }
    let hand = build_time(hand, (&generated, &dropped), target, &mut out);
    workdir_verdict(&hand, (&generated, target), &workdir, handwritten, &mut out);
    command::carry(&hand, &generated, &workdir, target, &mut out);
    // In the file's order (the working directory and the command are decided last).
    out.items.sort_by_key(|i| i.line);
    Ok(out)
}

/// The build stages' `ARG`s and the variables a shell-form `CMD` sets before its command
/// (Cap's `CMD HOSTNAME="0.0.0.0" node server.js`, kept as `ENV`s); returns `hand` with that
/// `CMD` read as the list of words after them, when they are plain words (see
/// [`command::shell_env`]).
fn build_time(
    hand: FinalStage,
    (generated, dropped): (&FinalStage, &[(String, usize)]),
    target: &Target<'_>,
    out: &mut Carried,
) -> FinalStage {
    // The build stages' ARG defaults so far: what `--features ${FEATURES}` stands for.
    let mut args: Vec<(String, String)> = Vec::new();
    for found in &hand.build_args {
        match &found.what {
            What::Arg(pairs) => {
                for (name, value) in pairs.iter().flatten() {
                    if let Some(value) = value {
                        args.retain(|(n, _)| n != name);
                        args.push((name.clone(), value.clone()));
                    }
                }
                build_arg(found, pairs, target, out)
            }
            What::Env(pairs) => build_env(found, pairs, target, out),
            What::CargoBuild(build) => cargo_build(found, build, &args, target, out),
            _ => {}
        }
    }
    let Some((vars, rewritten)) = command::shell_env(&hand) else {
        return hand;
    };
    let from = out.items.len();
    if let What::Env(pairs) = &vars.what {
        env(&vars, pairs, (generated, dropped), target, out);
    }
    for item in &mut out.items[from..] {
        let var = item.instruction.trim_start_matches("ENV ").to_string();
        item.instruction = format!("{var} (set by the CMD in shell form)");
    }
    rewritten
}

/// Whether the generated final stage copies the same build-context `sources` to `at` (an
/// asset set as the drop of this `COPY` said: `{ from_root = ..., to = ... }`).
fn ships_same(sources: &[String], at: &str, generated: &FinalStage) -> bool {
    let norm = |s: &String| s.trim_start_matches("./").trim_end_matches('/').to_string();
    let sources: Vec<String> = sources.iter().map(norm).collect();
    let mut dir = "/".to_string();
    generated.found.iter().any(|f| match &f.what {
        What::Workdir(w) => {
            dir = join(&dir, w);
            false
        }
        What::CopyContext(s, d) => {
            s.iter().map(norm).eq(sources.iter().cloned()) && join(&dir, d) == at
        }
        _ => false,
    })
}

/// The `assets` entry that ships the one source of a `COPY` from the build context, and where
/// it lands in the generated image (under its working folder: the package folder's place),
/// when the file is found: relative to the package folder (a hand-written file built from
/// its own folder), or from the root under the package folder; for a Cargo service, a path
/// of the root outside the package as `{ from_root = ... }`, with `to` where the hand-written
/// file put it when it names the path itself. `None` for several sources, a URL, a pattern, a
/// variable, or a path not found.
fn asset_of(
    sources: &[String],
    (target, generated): (&Target<'_>, &FinalStage),
    to: Option<&str>,
) -> Option<(String, String)> {
    let [src] = sources else {
        return None;
    };
    let src = src.trim_start_matches("./").trim_end_matches('/');
    let plain = !src.is_empty()
        && !src.starts_with('/')
        && !src.contains(['*', '?', '[', '$', ':'])
        && !src.split('/').any(|s| s == ".." || s == ".");
    if !plain {
        return None;
    }
    let workdir = final_dir(generated);
    let pkg = target.package_dir.trim_end_matches('/');
    let in_package = |rel: &str| Some((format!("\"{rel}\""), join(&workdir, rel)));
    if !pkg.is_empty() && (target.exists)(&format!("{pkg}/{src}")) {
        return in_package(src);
    }
    if !(target.exists)(src) {
        return None;
    }
    match src.strip_prefix(&format!("{pkg}/")) {
        _ if pkg.is_empty() => in_package(src),
        Some(rel) => in_package(rel),
        // `{ from_root }` lands at `<app_root>/<path>`; the Cargo runtime works in the app root.
        None if target.takes_workdir => Some(match to {
            Some(to) => (
                format!("{{ from_root = \"{src}\", to = \"{to}\" }}"),
                to.to_string(),
            ),
            None => (format!("{{ from_root = \"{src}\" }}"), join(&workdir, src)),
        }),
        None => None,
    }
}

/// `STOPSIGNAL <signal>`: kept as `stop_signal` (a later one replaces an earlier one, as in
/// the Dockerfile), the same when it is SIGTERM (the runtime's default) or isogen.toml's
/// already, dropped when it is not a signal isogen can write (a variable).
fn stop_signal(signal: &str, target: &Target<'_>, settings: &mut Settings) -> Verdict {
    let parsed = match StopSignal::parse(signal) {
        Ok(s) => s,
        Err(why) => {
            return Verdict::Dropped(format!(
                "{why}: the generated image is stopped with SIGTERM unless `stop_signal` in {} says otherwise",
                target.section
            ))
        }
    };
    let configured = target.existing.and_then(|o| o.stop_signal.as_ref());
    if configured.map_or(parsed.is_default(), |c| *c == parsed) {
        settings.stop_signal = None;
        return Verdict::Same;
    }
    let kept = format!("stop_signal = {:?}", parsed.0);
    settings.stop_signal = Some(parsed);
    Verdict::Kept(kept)
}

/// Sources a hand-written single-stage build copies to build the service itself (the whole
/// context, manifests, lockfiles, sources): isogen's own stages replace them.
/// Whether a `COPY` from the build context copies the program the generated image runs (a
/// source whose file name is the generated CMD's program: garage's `COPY result/bin/garage /`).
/// Whether a `COPY`/`ADD` source is a URL (`ADD https://curl.se/ca/cacert.pem ...`).
fn is_url(source: &str) -> bool {
    source.starts_with("https://") || source.starts_with("http://")
}

/// The places (absolute, with the line) the hand-written final stage copies files to that the
/// generated image does not ship (the `COPY`/`ADD` verdicts below drop them): an `ENV` naming
/// one (rqbit's `SSL_CERT_FILE=/etc/ssl/cacerts.pem` after `ADD https://.../cacert.pem
/// /etc/ssl/cacerts.pem`) would point the service at a file the image lacks.
fn dropped_files(hand: &FinalStage, generated: &FinalStage) -> Vec<(String, usize)> {
    let mut workdir = "/".to_string();
    let mut out = Vec::new();
    for found in &hand.found {
        match &found.what {
            What::Workdir(dir) => workdir = join(&workdir, dir),
            What::CopyContext(sources, dest)
                if !copies_program(sources, generated) && !is_the_build(sources) =>
            {
                let dest = join(&workdir, dest);
                // Into a folder (`COPY a.sh b.sh /`), each file lands under its own name; a
                // lone file copied to a path without a slash may be either.
                let into_folder = dest.ends_with('/') || sources.len() > 1;
                if !into_folder {
                    out.push((dest.clone(), found.line));
                }
                for source in sources {
                    let name = source
                        .trim_end_matches('/')
                        .rsplit('/')
                        .next()
                        .unwrap_or("");
                    if !name.is_empty() && !is_url(source) {
                        out.push((join(&dest, name), found.line));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// `sources` with `$NAME` and `${NAME}` replaced by the `ARG` defaults of `args` (others kept):
/// symbolicator's `ARG BINARY=./binaries/$TARGETPLATFORM/symbolicator` then
/// `COPY ${BINARY} /bin/symbolicator` copies the prebuilt `symbolicator`.
fn with_args(sources: &[String], args: &[(String, String)]) -> Vec<String> {
    static VAR: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let var = VAR.get_or_init(|| {
        regex::Regex::new(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")
            .expect("a valid pattern")
    });
    (sources.iter())
        .map(|s| {
            var.replace_all(s, |c: &regex::Captures<'_>| {
                let name = c.get(1).or_else(|| c.get(2)).map_or("", |m| m.as_str());
                match args.iter().find(|(n, _)| n == name) {
                    Some((_, value)) => value.clone(),
                    None => c[0].to_string(),
                }
            })
            .into_owned()
        })
        .collect()
}

fn copies_program(sources: &[String], generated: &FinalStage) -> bool {
    let program = generated.found.iter().rev().find_map(|f| match &f.what {
        What::Entrypoint(Form::Exec(words)) | What::Cmd(Form::Exec(words)) => {
            words.first().cloned()
        }
        _ => None,
    });
    let Some(program) = program else {
        return false;
    };
    let name = program.rsplit('/').next().unwrap_or(&program);
    sources
        .iter()
        .any(|s| s.trim_end_matches('/').rsplit('/').next() == Some(name))
}

fn is_the_build(sources: &[String]) -> bool {
    const BUILD: &[&str] = &[
        ".",
        "./",
        "*",
        "package.json",
        "package*.json",
        "package-lock.json",
        "pnpm-lock.yaml",
        "pnpm-workspace.yaml",
        "yarn.lock",
        ".npmrc",
        "tsconfig.json",
        "Cargo.toml",
        "Cargo.lock",
        "src",
        "src/",
        "./src",
        "packages",
        "apps",
        "services",
        "crates",
    ];
    sources.is_empty()
        || sources.iter().any(|s| {
            let name = s.trim_start_matches("./").trim_end_matches('/');
            BUILD.contains(&s.as_str()) || BUILD.contains(&name) || name.starts_with("tsconfig")
        })
}

/// The hand-written final working directory, when it differs from the generated one: kept as
/// `workdir` for a service that takes it when it is a folder the setting accepts, otherwise
/// the last `WORKDIR` is named (relative paths the service opens resolve elsewhere now).
fn workdir_verdict(
    hand: &FinalStage,
    (generated, target): (&FinalStage, &Target<'_>),
    workdir: &str,
    handwritten: &str,
    out: &mut Carried,
) {
    let generated_dir = final_dir(generated);
    let last = hand
        .found
        .iter()
        .rev()
        .find(|f| matches!(f.what, What::Workdir(_)));
    let Some(found) = last.filter(|_| workdir != generated_dir) else {
        return;
    };
    if let Some(dir) = kept_workdir(hand, generated, target) {
        out.push(
            found.line,
            &found.text,
            Verdict::Kept(format!("workdir = {dir:?}")),
        );
        out.settings.workdir = Some(dir);
        return;
    }
    let set = target.existing.and_then(|c| c.workdir.as_deref());
    let mut why = format!(
        "the generated image works in {generated_dir}: relative paths the service opens \
         resolve there, not in {workdir}"
    );
    if let Some(set) = set.filter(|_| target.takes_workdir) {
        why = format!("isogen.toml sets workdir = {set:?} already");
    } else if workdir == "/" {
        why.push_str(&volumes_below(hand, handwritten, &generated_dir));
    } else if target.takes_workdir {
        why.push_str(
            " (`workdir` takes an absolute folder outside the app root and the system's \
             folders)",
        );
    }
    out.push(found.line, &found.text, Verdict::Dropped(why));
}

/// The folder a stage's `WORKDIR`s leave it in (`/` without one).
fn final_dir(stage: &FinalStage) -> String {
    (stage.found.iter()).fold("/".to_string(), |dir, f| match &f.what {
        What::Workdir(w) => join(&dir, w),
        _ => dir,
    })
}

/// The hand-written final working folder kept as `workdir`: for a service that takes the
/// setting and has none yet, when it differs from the generated one and the setting accepts it.
fn kept_workdir(hand: &FinalStage, generated: &FinalStage, target: &Target<'_>) -> Option<String> {
    let set = target.existing.and_then(|c| c.workdir.as_deref());
    let (dir, generated_dir) = (final_dir(hand), final_dir(generated));
    (target.takes_workdir && set.is_none() && dir != generated_dir)
        .then(|| super::runtime::workdir_folder(&dir, &generated_dir))
        .flatten()
}

/// For a dropped `WORKDIR /`: the hand-written image's `VOLUME` folders, which a relative
/// path reached from `/` (vaultwarden: `VOLUME /data`, and its data folder is `data` by
/// default) and which [`volume`] keeps at their absolute path (a volume under another working
/// folder is kept relative to the generated one), and the fixes; empty when there are none
/// or when an `ENV` or the command names the folder (the service then opens it so).
fn volumes_below(hand: &FinalStage, handwritten: &str, generated_dir: &str) -> String {
    let (workdir, prefix) = ("/", "/");
    let below: Vec<(String, String)> = (hand.found.iter())
        .flat_map(|f| match &f.what {
            What::Volume(paths) => paths.as_slice(),
            _ => &[],
        })
        .filter_map(|v| {
            let v = join("/", v);
            let rel = v.strip_prefix(prefix)?.to_string();
            (!rel.is_empty() && !named_elsewhere(handwritten, &v)).then_some((v, rel))
        })
        .collect();
    let Some((_, rel)) = below.first() else {
        return String::new();
    };
    let shown: Vec<String> = (below.iter())
        .map(|(v, r)| format!("{v} (`{r}` from {workdir})"))
        .collect();
    format!(
        "; its VOLUME {} was reached by a relative path, which now lands in \
         {generated_dir}/{rel}, a folder the service's user cannot create: if the service \
         opens it that way (a default such as `data`), set the absolute path with the \
         service's own setting in `env`, or add `writable = [\"{rel}\"]`",
        shown.join(", ")
    )
}

impl Carried {
    fn push(&mut self, line: usize, instruction: &str, verdict: Verdict) {
        self.items.push(Item {
            line,
            instruction: instruction.to_string(),
            verdict,
        });
    }
}

/// `path` from `base` as `WORKDIR` resolves it (absolute, `/`-separated, no `.`/`..`).
fn join(base: &str, path: &str) -> String {
    let full = if path.starts_with('/') {
        path.to_string()
    } else {
        format!("{base}/{path}")
    };
    let mut parts: Vec<&str> = Vec::new();
    for p in full.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

/// The values an instruction kind sets in the generated Dockerfile's final stage.
fn generated_env(generated: &FinalStage) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for f in &generated.found {
        if let What::Env(Ok(pairs)) = &f.what {
            out.extend(pairs.iter().cloned());
        }
    }
    out
}

fn toml_value(v: impl Into<toml_edit::Value>) -> String {
    v.into().to_string().trim().to_string()
}

fn env(
    found: &Found,
    pairs: &Result<Vec<(String, String)>, String>,
    (generated, dropped): (&FinalStage, &[(String, usize)]),
    target: &Target<'_>,
    out: &mut Carried,
) {
    let pairs = match pairs {
        Ok(p) => p,
        Err(why) => {
            let why = format!("it cannot be read: {why}; set `env` in {}", target.section);
            return out.push(found.line, &found.text, Verdict::Dropped(why));
        }
    };
    let gen = generated_env(generated);
    for (key, value) in pairs {
        let text = format!("ENV {key}={}", shell_quote(value));
        let verdict = if target.existing.is_some_and(|c| c.env.contains_key(key)) {
            Verdict::Dropped(format!("isogen.toml sets env.{key} already"))
        } else if gen.get(key) == Some(value) {
            Verdict::Same
        } else if let Some((_, line)) = dropped.iter().find(|(path, _)| {
            value == path || value.starts_with(&format!("{}/", path.trim_end_matches('/')))
        }) {
            Verdict::Dropped(format!(
                "it names {value}, which the instruction on line {line} puts there and the \
                 generated image does not ship; list the file in `assets` in {} and set \
                 env.{key} to where it lands",
                target.section
            ))
        } else if value.contains('$') {
            Verdict::Dropped(format!(
                "its value refers to a variable, which the generated Dockerfile does not \
                 define; set env.{key} in {} to the value it should have",
                target.section
            ))
        } else if tooling_env(key) {
            Verdict::Dropped(
                "it configures a package manager or toolchain, which the generated runtime \
                 image does not have"
                    .into(),
            )
        } else if key == "DEBIAN_FRONTEND" {
            Verdict::Dropped(
                "it keeps apt from prompting in the hand-written image's own installs; the \
                 generated image installs its runtime packages in its build, and nothing \
                 in the service reads it"
                    .into(),
            )
        } else {
            out.settings.env.insert(key.clone(), value.clone());
            Verdict::Kept(format!(
                "env.{} = {}",
                toml_key(key),
                toml_value(value.as_str())
            ))
        };
        out.push(found.line, &text, verdict);
    }
}

/// Variables BuildKit gives every build (the platforms, the proxies) without an `ARG`
/// default: `docker build` sets them whatever the Dockerfile says.
const BUILDKIT_ARGS: &[&str] = &[
    "TARGETPLATFORM",
    "TARGETOS",
    "TARGETARCH",
    "TARGETVARIANT",
    "BUILDPLATFORM",
    "BUILDOS",
    "BUILDARCH",
    "BUILDVARIANT",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "FTP_PROXY",
    "NO_PROXY",
    "ALL_PROXY",
];

/// A build stage's `ARG` or `ENV` pairs, or `None` when they could not be read (then dropped,
/// with the reason and `build_args` to set instead).
fn readable<'p, T>(
    found: &Found,
    pairs: &'p Result<Vec<T>, String>,
    target: &Target<'_>,
    out: &mut Carried,
) -> Option<&'p [T]> {
    match pairs {
        Ok(p) => Some(p),
        Err(why) => {
            let why = format!(
                "it cannot be read: {why}; set `build_args` in {}",
                target.section
            );
            out.push(found.line, &found.text, Verdict::Dropped(why));
            None
        }
    }
}

/// The verdict on a build variable that isogen.toml's `build_args` names already: the same
/// when it gives `setting` (`NAME=value`), else dropped for the listed one.
fn listed_build_arg(target: &Target<'_>, key: &str, setting: &str) -> Option<Verdict> {
    let listed = (target.existing.iter())
        .flat_map(|c| &c.build_args)
        .find(|a| a.name() == key)?;
    Some(match listed.0 == setting {
        true => Verdict::Same,
        false => Verdict::Dropped(format!(
            "isogen.toml lists {:?} in build_args already",
            listed.0
        )),
    })
}

/// A build stage's `ARG` (see [`stage::FinalStage::build_args`]): each variable kept in
/// `build_args` with its default (`NAME=value`), so the generated build stages declare it and
/// the build reads the same value; dropped when BuildKit sets it anyway, when it configures
/// the hand-written build's package manager, when its default names another variable, or when
/// isogen.toml lists it already.
fn build_arg(
    found: &Found,
    pairs: &Result<Vec<(String, Option<String>)>, String>,
    target: &Target<'_>,
    out: &mut Carried,
) {
    let Some(pairs) = readable(found, pairs, target, out) else {
        return;
    };
    for (key, value) in pairs {
        let setting = match value {
            Some(v) => format!("{key}={v}"),
            None => key.clone(),
        };
        let text = match value {
            Some(v) => format!("ARG {key}={}", shell_quote(v)),
            None => format!("ARG {key}"),
        };
        let listed = listed_build_arg(target, key, &setting);
        let verdict = if let Some(v) = listed {
            v
        } else if BUILDKIT_ARGS.contains(&key.to_ascii_uppercase().as_str()) && value.is_none() {
            Verdict::Dropped("BuildKit sets it for every build".into())
        } else if tooling_env(key) {
            Verdict::Dropped(
                "it configures the hand-written build's package manager or toolchain; the \
                 generated build stages install their own"
                    .into(),
            )
        } else if value.as_ref().is_some_and(|v| v.contains('$')) {
            Verdict::Dropped(format!(
                "its default refers to a variable, which the generated build stages do not \
                 define; set build_args in {} to `{key}=<value>`",
                target.section
            ))
        } else {
            if !out.settings.build_args.contains(&setting) {
                out.settings.build_args.push(setting.clone());
            }
            let when = match value {
                Some(_) => "the generated build stages declare it with this default",
                None => "the generated build stages declare it; pass it with --build-arg",
            };
            Verdict::Kept(format!("build_args = [{}] ({when})", toml_value(setting)))
        };
        out.push(found.line, &text, verdict);
    }
}

/// A build stage's `cargo build`/`cargo install` with feature flags (oxigraph's
/// `--no-default-features --features rustls-webpki,...`): kept as the service's `features`
/// and `no_default_features`, which the generated build passes the same way, when it builds
/// this service's package (no `-p`, or `-p` of it; no `--bin`, or `--bin` of it); the same
/// when isogen.toml says so already, dropped when it says otherwise or for `--all-features`
/// (no such setting: the features are to be listed).
fn cargo_build(
    found: &Found,
    build: &stage::CargoBuild,
    args: &[(String, String)],
    target: &Target<'_>,
    out: &mut Carried,
) {
    let Some(package) = target.cargo_package else {
        return;
    };
    let other_package = build.package.as_deref().is_some_and(|p| p != package);
    let other_bin = !build.bins.is_empty()
        && !(target.service).is_some_and(|s| build.bins.iter().any(|b| b == s));
    if other_package || other_bin {
        return;
    }
    let text = format!("{} (build stage)", found.text);
    if build.all_features {
        let why = format!(
            "`--all-features` has no setting; list the features the image needs in `features` \
             in {}",
            target.section
        );
        out.push(found.line, &text, Verdict::Dropped(why));
    }
    let existing = target.existing;
    // roapi's `--features ${FEATURES}` with `ARG FEATURES="database,ui"`: the features the
    // default stands for (isogen.toml's `features` takes names, never `${...}`).
    let features: Vec<String> = (with_args(&build.features, args).iter())
        .flat_map(|f| f.split([',', ' ']))
        .filter(|f| !f.is_empty())
        .map(str::to_string)
        .collect();
    if let Some(unset) = features.iter().find(|f| f.contains('$')) {
        let why = format!(
            "`{unset}` is a build argument without a default; list the features the image \
             needs in `features` in {}",
            target.section
        );
        out.push(found.line, &text, Verdict::Dropped(why));
    } else if !features.is_empty() {
        let listed = existing.map_or(&[][..], |c| c.features.as_slice());
        let verdict = if listed == features.as_slice() {
            Verdict::Same
        } else if !listed.is_empty() {
            Verdict::Dropped(format!("isogen.toml lists features = {listed:?} already"))
        } else {
            out.settings.features = features.clone();
            Verdict::Kept(format!(
                "features = {features:?} (the generated build passes them to cargo)"
            ))
        };
        out.push(found.line, &text, verdict);
    }
    if build.no_default_features {
        let verdict = match existing.and_then(|c| c.no_default_features) {
            Some(true) => Verdict::Same,
            Some(false) => {
                Verdict::Dropped("isogen.toml sets no_default_features = false already".into())
            }
            None => {
                out.settings.no_default_features = true;
                Verdict::Kept(
                    "no_default_features = true (the generated build passes \
                     --no-default-features)"
                        .into(),
                )
            }
        };
        out.push(found.line, &text, verdict);
    }
}

/// Variables of the build image that the generated build stages set themselves.
const BUILD_IMAGE_ENV: &[&str] = &["PATH", "HOME", "RUSTUP_TOOLCHAIN", "DEBIAN_FRONTEND"];

/// A build stage's `ENV` (`ENV SQLX_OFFLINE=true`, `ENV RUSTFLAGS="-C target-cpu=native"`):
/// each variable kept in `build_args` with its value (`NAME=value`), so the generated build
/// stages declare it with that default and the build's commands read it as they read the
/// `ENV` (an `ARG` is in the environment of each `RUN` of its stage, and stays out of the
/// image); dropped like an `ARG` (a toolchain's variable, a value that names another
/// variable, one isogen.toml lists already) and when the generated build image sets it.
fn build_env(
    found: &Found,
    pairs: &Result<Vec<(String, String)>, String>,
    target: &Target<'_>,
    out: &mut Carried,
) {
    let Some(pairs) = readable(found, pairs, target, out) else {
        return;
    };
    for (key, value) in pairs {
        let setting = format!("{key}={value}");
        let text = format!("ENV {key}={} (build stage)", shell_quote(value));
        let listed = listed_build_arg(target, key, &setting);
        // The generated build stages set it already (the Node template's `ENV CI=true`).
        let generated = (target.generated.lines())
            .filter_map(|l| l.trim().strip_prefix("ENV "))
            .filter_map(|rest| stage::env_pairs(rest, '\\').ok())
            .any(|pairs| pairs.iter().any(|(k, v)| k == key && v == value));
        let verdict = if generated {
            Verdict::Same
        } else if let Some(v) = listed {
            v
        } else if BUILD_IMAGE_ENV.contains(&key.as_str()) || tooling_env(key) {
            Verdict::Dropped(
                "it configures the hand-written build's image or toolchain; the generated \
                 build stages set their own"
                    .into(),
            )
        } else if value.contains('$') {
            Verdict::Dropped(format!(
                "its value refers to a variable, which the generated build stages do not \
                 define; set build_args in {} to `{key}=<value>`",
                target.section
            ))
        } else {
            if !out.settings.build_args.contains(&setting) {
                out.settings.build_args.push(setting.clone());
            }
            Verdict::Kept(format!(
                "build_args = [{}] (the generated build stages declare it with this value, \
                 which their commands read as they read the ENV)",
                toml_value(setting)
            ))
        };
        out.push(found.line, &text, verdict);
    }
}

/// `value` as a Dockerfile word (quoted when it holds spaces or quotes).
fn shell_quote(value: &str) -> String {
    if value.is_empty() || value.contains([' ', '"', '\'', '\t']) {
        format!("{value:?}")
    } else {
        value.to_string()
    }
}

fn toml_key(key: &str) -> String {
    toml_edit::Key::new(key).display_repr().to_string()
}

fn expose(
    found: &Found,
    ports: &[String],
    generated: &FinalStage,
    target: &Target<'_>,
    out: &mut Carried,
) {
    let gen: Vec<String> = generated
        .found
        .iter()
        .filter_map(|f| match &f.what {
            What::Expose(p) => Some(p.clone()),
            _ => None,
        })
        .flatten()
        .collect();
    for word in ports {
        let text = format!("EXPOSE {word}");
        let (number, protocol) = word.split_once('/').unwrap_or((word, "tcp"));
        let port = number.parse::<u16>().ok().filter(|&p| p != 0);
        let configured = |p: u16| {
            target
                .existing
                .is_some_and(|c| c.port == Some(p) || c.expose.contains(&p))
        };
        let verdict = match port {
            _ if !protocol.eq_ignore_ascii_case("tcp") => Verdict::Dropped(format!(
                "isogen's `expose` setting is TCP ports only ({protocol} is not carried)"
            )),
            None => Verdict::Dropped(format!(
                "`{number}` is not a port number; set `expose` in {}",
                target.section
            )),
            Some(p) if configured(p) || gen.iter().any(|g| g == number) => Verdict::Same,
            Some(p) => {
                if !out.settings.expose.contains(&p) {
                    out.settings.expose.push(p);
                }
                Verdict::Kept(format!("expose = [{p}]"))
            }
        };
        out.push(found.line, &text, verdict);
    }
}

/// Where a `VOLUME` is: the hand-written working directory then, and the whole Dockerfile.
struct Place<'a> {
    workdir: &'a str,
    handwritten: &'a str,
    /// The working folder kept as `workdir`, which may itself be writable.
    kept_workdir: Option<&'a str>,
}

/// Whether a line of `handwritten` other than a `VOLUME` or `WORKDIR` names folder `abs` (an
/// `ENV XDG_DATA_HOME=/home/rqbit/db`, a `CMD [..., "/home/rqbit/downloads"]`), as a whole
/// path (not `/data` in `/database`).
fn named_elsewhere(handwritten: &str, abs: &str) -> bool {
    handwritten
        .lines()
        .filter(|l| {
            let word = l.split_whitespace().next().unwrap_or("");
            !word.eq_ignore_ascii_case("VOLUME") && !word.eq_ignore_ascii_case("WORKDIR")
        })
        .any(|l| {
            l.match_indices(abs).any(|(at, _)| {
                !l[at + abs.len()..].starts_with(|c: char| c.is_alphanumeric() || "_-.".contains(c))
            })
        })
}

fn volume(found: &Found, paths: &[String], at: &Place<'_>, target: &Target<'_>, out: &mut Carried) {
    let workdir = at.workdir;
    for path in paths {
        let text = format!("VOLUME {path}");
        let abs = join(workdir, path);
        // Under the working directory: the same folder relative to the generated image's,
        // unless the Dockerfile names the absolute folder elsewhere (an ENV, the command):
        // those settings keep it, so the folder must be there.
        let relative = (workdir != "/" && !named_elsewhere(at.handwritten, &abs))
            .then(|| abs.strip_prefix(&format!("{workdir}/")))
            .flatten();
        let setting = relative.map_or(abs.clone(), str::to_string);
        let under_system = SYSTEM_DIRS
            .iter()
            .any(|s| abs == *s || abs.starts_with(&format!("{s}/")));
        let verdict = if path.contains('$') {
            Verdict::Dropped(format!(
                "it refers to a variable; set `writable` in {}",
                target.section
            ))
        } else if (abs == workdir && at.kept_workdir != Some(&abs)) || abs == "/" || under_system {
            Verdict::Dropped(format!(
                "{abs} holds the service's own or the system's files, which stay read-only in \
                 the generated image; name a folder for its data in `writable` of {}",
                target.section
            ))
        } else if target
            .existing
            .is_some_and(|c| c.writable.iter().any(|w| w.path == setting))
        {
            Verdict::Same
        } else {
            out.settings.writable.push(Writable {
                path: setting.clone(),
                volume: true,
            });
            Verdict::Kept(format!(
                "writable = [{{ path = {}, volume = true }}] (owned by the service's user)",
                toml_value(setting.as_str())
            ))
        };
        out.push(found.line, &text, verdict);
    }
}

fn user_verdict(user: &str, generated: &FinalStage, target: &Target<'_>) -> Verdict {
    let (name, group) = user.split_once(':').unwrap_or((user, ""));
    if name == "root" || name == "0" || (name.is_empty() && group.is_empty()) {
        return Verdict::Dropped(format!(
            "images run as the service's own non-root user (uid {}); verify's `user-root` rule \
             fails an image that runs as root",
            target.uid
        ));
    }
    let same = generated
        .found
        .iter()
        .any(|f| matches!(&f.what, What::User(u) if u == user));
    if same {
        return Verdict::Same;
    }
    Verdict::Dropped(format!(
        "the generated image creates its own user (uid {}) and runs as it; `uid` and `gid` in \
         [generate] of isogen.toml set those ids for every service",
        target.uid
    ))
}

/// `list` with its program moved to where the generated image has it, when it is the
/// generated command's program at the hand-written image's path (kanidm's `HEALTHCHECK CMD
/// ["/sbin/kanidmd", "scripting", "healthcheck"]`: the generated image has `/app/kanidmd`).
fn at_generated_path(list: &[String], generated: &FinalStage) -> Vec<String> {
    let program = generated.found.iter().rev().find_map(|f| match &f.what {
        What::Cmd(Form::Exec(cmd)) => cmd.first().cloned(),
        _ => None,
    });
    let base = |p: &str| p.rsplit('/').next().unwrap_or(p).to_string();
    let mut out = list.to_vec();
    if let (Some(first), Some(program)) = (out.first_mut(), program) {
        if first.contains('/') && *first != program && base(first) == base(&program) {
            *first = program;
        }
    }
    out
}

/// The dropped file (and the line that copied it) a health check runs as its program
/// (vaultwarden's `HEALTHCHECK CMD ["/healthcheck.sh"]` after `COPY docker/healthcheck.sh /`).
fn runs_dropped_file<'a>(
    check: Option<&(Vec<(String, String)>, Form)>,
    dropped: &'a [(String, usize)],
) -> Option<&'a (String, usize)> {
    let program = match &check?.1 {
        Form::Exec(list) => list.first()?.as_str(),
        Form::Shell(line) => line.split_whitespace().find(|w| !w.contains('='))?,
    };
    dropped.iter().find(|(path, _)| path == program)
}

fn dropped_program((path, line): &(String, usize), target: &Target<'_>) -> Verdict {
    Verdict::Dropped(format!(
        "it runs {path}, which the instruction on line {line} puts there and the generated \
         image does not ship, so the check would always fail; set `healthcheck` in {} to a \
         command the image has (a script also needs a shell, which a distroless image lacks)",
        target.section
    ))
}

fn healthcheck(
    check: Option<&(Vec<(String, String)>, Form)>,
    generated: &FinalStage,
    target: &Target<'_>,
    settings: &mut Settings,
) -> Verdict {
    let Some((flags, form)) = check else {
        return Verdict::Dropped(
            "HEALTHCHECK NONE turns off a health check, and the generated image has none".into(),
        );
    };
    if target.existing.is_some_and(|c| c.healthcheck.is_some()) {
        return Verdict::Dropped("isogen.toml sets healthcheck already".into());
    }
    let command = match form {
        Form::Exec(list) => Healthcheck::Exec(at_generated_path(list, generated)),
        Form::Shell(_) if generated.base.contains("distroless") => {
            return Verdict::Dropped(format!(
                "in shell form it needs /bin/sh, which the runtime image ({}) does not have; \
                 set `healthcheck` in {} as a list",
                generated.base, target.section
            ))
        }
        Form::Shell(line) => Healthcheck::Shell(line.clone()),
    };
    if let Some(tool) = missing_http_tool(form, &generated.base) {
        return Verdict::Dropped(format!(
            "it runs `{tool}`, which the runtime image ({}) does not have, so the check would \
             always fail; set `healthcheck` in {} to a command the image has (a Node service: \
             [\"node\", \"-e\", \"fetch('http://localhost:3000/health').then(r => \
             process.exit(r.ok ? 0 : 1), () => process.exit(1))\"])",
            generated.base, target.section
        ));
    }
    let mut options = HealthcheckOptions {
        cmd: command.clone(),
        interval: None,
        timeout: None,
        start_period: None,
        start_interval: None,
        retries: None,
    };
    for (flag, value) in flags {
        let duration = super::runtime::is_duration(value).then(|| Duration(value.clone()));
        let ok = match flag.as_str() {
            "interval" => duration.map(|d| options.interval = Some(d)),
            "timeout" => duration.map(|d| options.timeout = Some(d)),
            "start-period" => duration.map(|d| options.start_period = Some(d)),
            "start-interval" => duration.map(|d| options.start_interval = Some(d)),
            "retries" => value.parse().ok().map(|r| options.retries = Some(r)),
            _ => None,
        };
        if ok.is_none() {
            return Verdict::Dropped(format!(
                "its flag --{flag}={value} is not one isogen's `healthcheck` setting takes; \
                 set `healthcheck` in {}",
                target.section
            ));
        }
    }
    let plain = flags.is_empty();
    let value = if plain {
        command
    } else {
        Healthcheck::Options(Box::new(options))
    };
    let shown = toml::healthcheck_value(&value).to_string();
    settings.healthcheck = Some(value);
    // Kept: the hand-written file had it, so the engine that built it takes it, and dropping it
    // would change how fast the service is first found healthy; but the generated Dockerfile
    // may be built elsewhere (a CI runner's buildah), where the whole build fails on it.
    let note = if flags.iter().any(|(flag, _)| flag == "start-interval") {
        " (--start-interval needs Docker Engine 25 or later; older builders refuse the whole \
         Dockerfile: buildah 1.28 of Debian bookworm stops with `flag provided but not defined: \
         -start-interval`; remove start_interval there)"
    } else {
        ""
    };
    Verdict::Kept(format!("healthcheck = {}{note}", shown.trim()))
}

/// The HTTP client (`curl`, `wget`) a health check runs first when the runtime image `base`
/// has none: Node's `-slim` images and distroless ones ship neither (the full Node image does).
fn missing_http_tool(form: &Form, base: &str) -> Option<&'static str> {
    let lean = base.contains("distroless") || base.contains("-slim");
    let first = match form {
        Form::Exec(list) => list.first().map(String::as_str),
        Form::Shell(line) => line.split_whitespace().find(|w| !w.contains('=')),
    }?;
    let program = first.rsplit('/').next().unwrap_or(first);
    let tool = ["curl", "wget"].into_iter().find(|t| *t == program)?;
    lean.then_some(tool)
}

#[cfg(test)]
mod tests;
