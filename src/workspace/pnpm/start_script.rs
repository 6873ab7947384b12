//! A package's start scripts read as what they run: `node [options] <file> [args]` behind
//! environment assignments and the usual env wrappers (`NODE_ENV=production`, `cross-env`,
//! `dotenv -e .env --`, `env`), another script (`pnpm start:prod`), a development command
//! (`nodemon`, `tsx`, `vite`, `next dev`), `next start` with its options, a shell script of
//! the package (`sh ./entrypoint.sh`), a quoted script run by a shell (`sh -c '<script>'`,
//! read as a start script of its own), or a runtime isogen
//! does not build images for (Deno, Bun), each by name so a refusal can say what it saw.
//! `exec <command>` is the command itself (the shell is replaced by it: same program, same
//! arguments).
//!
//! Pure text work: the script is split into words as a POSIX shell would (`shlex`), and it
//! never runs a shell. `a && b && node <file>` (or `a && next start`) is read as "run a, then
//! b, then the service" when every step is a `node` command, a dependency's tool (`prisma
//! migrate deploy`) or, where the package's scripts are known ([`service_start`]), another
//! script made of such steps (`pnpm run migrate`, replaced by its steps); anything with other
//! shell operators (`|`, `;`, `$`, redirections, a single `&`) is not read as a plain
//! command.

use std::collections::BTreeMap;

use crate::workspace::relpath;
use crate::workspace::shell::assignment;

/// What one script runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartCommand {
    /// `node [options] <file> [args]`, with the environment the script set before it.
    /// `before` holds the steps of `step && step && node <file>` that run first, each a
    /// `node` command or a dependency's command-line tool (with its own assignments), as
    /// shell text (`node dist/migrate.js`, `prisma migrate deploy`).
    Node {
        env: BTreeMap<String, String>,
        options: Vec<String>,
        file: String,
        /// The words after the file (`--port 3000`, `serve`): the CMD passes them on.
        args: Vec<String>,
        before: Vec<String>,
    },
    /// `pnpm <script>`, `pnpm run <script>`, `npm run <script>`, `yarn <script>`, with the
    /// words after the script's name (`pnpm with-env next start`: `next start`), which the
    /// package manager appends to the script's text (`dotenv -e ../../.env --`).
    Script(String, Vec<String>),
    /// `next start [options]` (`-p 4000`, `-H 0.0.0.0`, `--keepAliveTimeout 70000`), with the
    /// environment the script set before it; `before` as for [`StartCommand::Node`]
    /// (`prisma migrate deploy && next start`).
    Next {
        env: BTreeMap<String, String>,
        options: Vec<String>,
        before: Vec<String>,
    },
    /// `sh ./entrypoint.sh [args]`, `bash scripts/start.sh`, `./docker-entrypoint.sh`: a shell
    /// script of the package (`script` relative to its folder, cleaned). `shell` is the
    /// program that runs it (`sh`, `bash`), `None` when the script runs itself (its `#!` line
    /// says which shell). Discovery reads the script (see `entry_script`).
    ShellScript {
        shell: Option<String>,
        script: String,
        args: Vec<String>,
    },
    /// `./run start`, `cd bin && ./run start`: a file of the package run by itself (its `#!`
    /// line says which program), with its arguments. `file` is relative to the package
    /// folder (cleaned, `bin/run`); `dir` is the folder a leading `cd <dir>` moved to (`bin`),
    /// empty when the script has none. Not read as a service's start (see `start_rule`).
    PackageFile {
        dir: String,
        file: String,
        args: Vec<String>,
    },
    /// A watcher or dev server (`nodemon`, `ts-node`, `tsx`, `vite`, `next dev`): not what a
    /// production image runs.
    Dev(String),
    /// A runtime isogen does not build images for yet, by name ("Deno", "Bun").
    Unsupported(&'static str),
    /// Anything else (shell operators, other programs, a `node` without a file).
    Other,
}

/// The scripts tried, in order, when `start` does not run a production `node` command.
pub(super) const PRODUCTION_SCRIPTS: &[&str] =
    &["start", "start:prod", "start:production", "prod", "serve"];

/// Development programs: a `start` that runs one is not how the service runs in production.
const DEV_PROGRAMS: &[&str] = &[
    "nodemon",
    "ts-node",
    "ts-node-dev",
    "tsx",
    "vite",
    "react-scripts",
    "react-app-rewired",
    "webpack-dev-server",
    "nest",
];

/// The script that runs the package as a service, and what it runs: `start` when it runs
/// `node <file>` (directly or through another script), else the first of `start:prod`,
/// `start:production`, `prod`, `serve` that does (or the single `start:<name>` that does);
/// else the first of those that runs `next start`, else any script that runs `next start`
/// (`console:start`); else `start` (or the first of those that exists) with what it runs, so
/// a refusal can name it.
pub fn service_start(scripts: &BTreeMap<String, String>) -> Option<(String, StartCommand)> {
    let mut first = None;
    let single_process = || {
        let mut node = scripts.keys().filter(|name| {
            name.strip_prefix("start:")
                .is_some_and(|s| !s.is_empty() && !NOT_PROCESSES.contains(&s))
                && !is_os_variant(scripts, name)
                && resolve(scripts, name)
                    .is_some_and(|(_, c)| matches!(c, StartCommand::Node { .. }))
        });
        match (node.next(), node.next()) {
            (Some(only), None) => resolve(scripts, only),
            _ => None,
        }
    };
    for name in PRODUCTION_SCRIPTS {
        let Some(resolved) = resolve(scripts, name) else {
            continue;
        };
        if matches!(resolved.1, StartCommand::Node { .. }) {
            return Some(resolved);
        }
        first.get_or_insert(resolved);
    }
    if let Some(found) = single_process() {
        return Some(found);
    }
    if first
        .as_ref()
        .is_some_and(|(_, c)| matches!(c, StartCommand::Next { .. }))
    {
        return first;
    }
    next_start_elsewhere(scripts).or(first)
}

/// The first script, whatever its name (`console:start`, `start:web`), that runs `next
/// start`: a Next.js app's production server under a name of the team's own (`next start`
/// serves a build and nothing else, so no other reading is possible).
fn next_start_elsewhere(scripts: &BTreeMap<String, String>) -> Option<(String, StartCommand)> {
    scripts.keys().find_map(|name| {
        resolve(scripts, name).filter(|(_, c)| matches!(c, StartCommand::Next { .. }))
    })
}

/// Suffixes of `start:*` scripts that are never a production process.
const NOT_PROCESSES: &[&str] = &["dev", "debug", "watch", "test", "local", "inspect"];

/// Words of a script name (split at `:`, `-`, `_`) that make it a one-off task rather than
/// a process that runs for as long as the service does (`migrate:prod`, `db:seed:production`,
/// `start:migrate`).
const ONE_OFF_WORDS: &[&str] = &[
    "build",
    "test",
    "lint",
    "migrate",
    "migration",
    "migrations",
    "seed",
    "db",
    "deploy",
    "setup",
    "generate",
    "gen",
    "codegen",
    "script",
    "scripts",
    "release",
    "docs",
    "clean",
    "format",
    "check",
    "typecheck",
    "prisma",
    "backfill",
    "sentry",
    "sourcemaps",
];

/// The process a script names, when it names one: `start:<name>` (`start:worker`) or
/// `<name>:production` / `<name>:prod` (firecrawl's `worker:production`,
/// `index-worker:production`); `None` for any other script.
pub fn process_suffix(script: &str) -> Option<&str> {
    let suffix = script.strip_prefix("start:").or_else(|| {
        let name = (script.strip_suffix(":production")).or_else(|| script.strip_suffix(":prod"))?;
        (!name.starts_with("start")).then_some(name)
    })?;
    (!suffix.is_empty()).then_some(suffix)
}

/// The processes of a package that runs several, each a service of its own (see
/// [`process_suffix`] for the script names): with no single production start (see
/// [`service_start`]), each `start:<name>` script whose command runs node (`start:api`,
/// `start:worker`, `start:scheduler`), when there are two or more; with one that runs `node
/// <file>`, that start first, then each `start:<name>` or `<name>:production`/`<name>:prod`
/// script that runs node on another file and is no one-off task ([`ONE_OFF_WORDS`]):
/// firecrawl's `apps/api` starts `node dist/src/index.js` and deploys `worker:production`
/// (`node dist/src/services/queue-worker.js`) and `index-worker:production` from the same
/// package. A script that runs the same file as an earlier one (`start:production:nobuild`)
/// is no process of its own. Empty when the package has one way to start, or none.
pub fn processes(scripts: &BTreeMap<String, String>) -> Vec<(String, StartCommand)> {
    let main = service_start(scripts).filter(|(_, c)| matches!(c, StartCommand::Node { .. }));
    let one_off = |suffix: &str| {
        suffix
            .split([':', '-', '_'])
            .any(|w| ONE_OFF_WORDS.contains(&w) || NOT_PROCESSES.contains(&w))
    };
    let mut files: Vec<String> = Vec::new();
    if let Some((_, StartCommand::Node { file, .. })) = &main {
        files.push(file.clone());
    }
    let mut found: Vec<(String, StartCommand)> = Vec::new();
    for name in scripts.keys() {
        let Some(suffix) = process_suffix(name) else {
            continue;
        };
        let started = name.starts_with("start:");
        if (started && NOT_PROCESSES.contains(&suffix))
            || ((main.is_some() || !started) && one_off(suffix))
            || is_os_variant(scripts, name)
            || main.as_ref().is_some_and(|(m, _)| m == name)
        {
            continue;
        }
        let Some((_, command)) = resolve(scripts, name) else {
            continue;
        };
        let StartCommand::Node { file, .. } = &command else {
            continue;
        };
        if files.contains(file) {
            continue;
        }
        files.push(file.clone());
        found.push((name.clone(), command));
    }
    match main {
        Some(main) if !found.is_empty() => std::iter::once(main).chain(found).collect(),
        None if found.len() > 1 => found,
        _ => Vec::new(),
    }
}

/// Whether the script `name` runs the command of `target` (is it, or runs it through
/// `pnpm <script>` steps).
pub(super) fn resolves_to(scripts: &BTreeMap<String, String>, name: &str, target: &str) -> bool {
    resolve(scripts, name).is_some_and(|(n, _)| n == target)
}

/// `name`'s command, following `pnpm <other script>` and `run-script-os` a few steps (a loop
/// ends as `Other`).
fn resolve(scripts: &BTreeMap<String, String>, name: &str) -> Option<(String, StartCommand)> {
    let steps = Steps::Of(scripts, 0);
    let mut current = name.to_string();
    let text = scripts.get(&current)?;
    let mut command = os_variant(scripts, &current).unwrap_or_else(|| command_with(text, steps));
    for _ in 0..4 {
        let StartCommand::Script(next, args) = &command else {
            return Some((current, command));
        };
        let Some(text) = scripts.get(next).and_then(|t| with_args(t, args)) else {
            return Some((current, StartCommand::Other));
        };
        current = next.clone();
        command = os_variant(scripts, &current).unwrap_or_else(|| command_with(&text, steps));
    }
    Some((current, StartCommand::Other))
}

/// A script's text with the words a `pnpm <script> <words>` step appends (shell-quoted);
/// `None` when a word cannot be quoted.
fn with_args(text: &str, args: &[String]) -> Option<String> {
    if args.is_empty() {
        return Some(text.to_string());
    }
    let args = shlex::try_join(args.iter().map(String::as_str)).ok()?;
    Some(format!("{text} {args}"))
}

/// Whether `name` (`start:win32`) is a platform variant of a script that runs
/// run-script-os (`start`): one of its ways to start, never a process of its own.
fn is_os_variant(scripts: &BTreeMap<String, String>, name: &str) -> bool {
    os_variant_of(scripts, name).is_some()
}

/// When `name` (`start:default`) is a platform variant of a script that runs run-script-os,
/// that script's name and its runner (`("start", "run-script-os")`).
pub(super) fn os_variant_of<'a>(
    scripts: &'a BTreeMap<String, String>,
    name: &'a str,
) -> Option<(&'a str, &'a str)> {
    let (base, _) = name.split_once(':')?;
    Some((base, os_runner(scripts, base)?))
}

/// `run-script-os` (or its alias `run-os`) when that is the whole script `name`.
fn os_runner<'a>(scripts: &'a BTreeMap<String, String>, name: &str) -> Option<&'a str> {
    let text = scripts.get(name)?.trim();
    matches!(text, "run-script-os" | "run-os").then_some(text)
}

/// When the script `name` is `run-script-os` (or its alias `run-os`), the script it runs on
/// Linux, as run-script-os resolves it: `<name>:linux` (also in a combined tag list,
/// `<name>:darwin:linux`), else the `:nix` alias (every Unix), else `<name>:default`. `Other`
/// when none exists (it runs nothing on Linux); `None` when `name` is not run-script-os.
fn os_variant(scripts: &BTreeMap<String, String>, name: &str) -> Option<StartCommand> {
    os_runner(scripts, name)?;
    let tagged = |tag: &str| {
        scripts.keys().find(|key| {
            key.strip_prefix(name)
                .and_then(|rest| rest.strip_prefix(':'))
                .is_some_and(|tags| tags.split(':').any(|t| t == tag))
        })
    };
    Some(
        ["linux", "nix", "default"]
            .iter()
            .find_map(|tag| tagged(tag))
            .map_or(StartCommand::Other, |key| {
                StartCommand::Script(key.clone(), Vec::new())
            }),
    )
}

/// How a step that runs another script (`pnpm run migrate`) is read: not at all (the
/// package's scripts are unknown), or replaced by that script's steps, following scripts up
/// to a few levels deep (a loop ends unread).
#[derive(Clone, Copy)]
enum Steps<'a> {
    Unknown,
    Of(&'a BTreeMap<String, String>, usize),
}

/// What `script` runs (see [`StartCommand`]); a step that runs another script is not read.
pub fn start_command(script: &str) -> StartCommand {
    command_with(script, Steps::Unknown)
}

fn command_with(script: &str, scripts: Steps<'_>) -> StartCommand {
    if let Some(command) = shell_c(script, scripts) {
        return command;
    }
    let Some(chain) = chain(script) else {
        return StartCommand::Other;
    };
    let Some((last, first)) = chain.split_last() else {
        return StartCommand::Other;
    };
    if first.is_empty() {
        return words_command(last);
    }
    if let [cd] = first {
        if let Some(dir) = cd_dir(cd) {
            return match words_command(last) {
                StartCommand::PackageFile { file, args, .. } => StartCommand::PackageFile {
                    file: relpath::clean(&format!("{dir}/{file}")),
                    dir,
                    args,
                },
                _ => StartCommand::Other,
            };
        }
    }
    let mut before = Vec::new();
    for step in first {
        match steps_of(step, scripts) {
            Some(texts) => before.extend(texts),
            None => return StartCommand::Other,
        }
    }
    match words_command(last) {
        StartCommand::Node {
            env,
            options,
            file,
            args,
            ..
        } => StartCommand::Node {
            env,
            options,
            file,
            args,
            before,
        },
        StartCommand::Next { env, options, .. } => StartCommand::Next {
            env,
            options,
            before,
        },
        _ => StartCommand::Other,
    }
}

/// The folder of a `cd <dir>` step, when it stays inside the package (`cd bin`, `cd ./bin`).
fn cd_dir(step: &[String]) -> Option<String> {
    let [cd, dir] = step else {
        return None;
    };
    let dir = relpath::clean(dir).trim_end_matches('/').to_string();
    let inside = !dir.is_empty()
        && dir != "."
        && !dir.starts_with(['/', '~', '-'])
        && !dir.split('/').any(|s| s == "..");
    (cd == "cd" && inside).then_some(dir)
}

/// The words of each `&&`-separated command of `script`; `None` when the text holds any
/// other shell operator, or a step is empty.
fn chain(script: &str) -> Option<Vec<Vec<String>>> {
    if script.contains(['|', ';', '$', '`', '>', '<', '\n']) {
        return None;
    }
    let words = shlex::split(script)?;
    // `a && b`: every `&` of the text must be one of the `&&` words that separate the steps.
    let separators = words.iter().filter(|w| *w == "&&").count();
    if script.matches('&').count() != 2 * separators || script.contains("&&&") {
        return None;
    }
    let steps: Vec<Vec<String>> = words.split(|w| w == "&&").map(<[String]>::to_vec).collect();
    (!steps.iter().any(Vec::is_empty)).then_some(steps)
}

/// The commands of `script` split at `&&` and at `&` (a command started in the background),
/// the foreground one last; `None` unless every `&` of the text is one of those words.
fn foreground(script: &str) -> Option<Vec<Vec<String>>> {
    if script.contains(['|', ';', '$', '`', '>', '<', '\n']) {
        return None;
    }
    let words = shlex::split(script)?;
    let amps: usize = (words.iter())
        .map(|w| match w.as_str() {
            "&&" => 2,
            "&" => 1,
            _ => 0,
        })
        .sum();
    if script.matches('&').count() != amps {
        return None;
    }
    let steps: Vec<Vec<String>> = (words.split(|w| w == "&&" || w == "&"))
        .map(<[String]>::to_vec)
        .collect();
    (!steps.iter().any(Vec::is_empty)).then_some(steps)
}

/// One step before the service as shell text (see [`step_text`]), or the steps of the
/// script it runs (`pnpm run migrate`, when `scripts` are known and that script is made of
/// steps only); `None` when it is neither.
fn steps_of(step: &[String], scripts: Steps<'_>) -> Option<Vec<String>> {
    if let Some(text) = step_text(step) {
        return Some(vec![text]);
    }
    let Steps::Of(all, depth) = scripts else {
        return None;
    };
    let mut env = BTreeMap::new();
    let rest = peel_env(step, &mut env);
    let (program, args) = rest.split_first()?;
    if depth > 3 || !env.is_empty() || !matches!(program.as_str(), "pnpm" | "npm" | "yarn") {
        return None;
    }
    let StartCommand::Script(name, args) = script_of(program, args) else {
        return None;
    };
    let mut out = Vec::new();
    for inner in chain(&with_args(all.get(&name)?, &args)?)? {
        out.extend(steps_of(&inner, Steps::Of(all, depth + 1))?);
    }
    Some(out)
}

/// `[assignments and wrappers] sh -c '<script>'` (also `bash`, `dash`, `ash`; the script in
/// single or double quotes, last on the line): the quoted script read as a start script of
/// its own, under the assignments made before the shell. `None` when the text is not that
/// shape; `Other` when it is but the text around the quoted script holds shell operators, or
/// the quoted script is not written plainly (an escape, text glued to the quotes).
fn shell_c(script: &str, scripts: Steps<'_>) -> Option<StartCommand> {
    let words = shlex::split(script)?;
    let mut outer_env = BTreeMap::new();
    let [shell, c, inner] = peel_env(&words, &mut outer_env) else {
        return None;
    };
    if !matches!(shell.as_str(), "sh" | "bash" | "dash" | "ash") || c != "-c" {
        return None;
    }
    let text = script.trim_end();
    let prefix = [format!("'{inner}'"), format!("\"{inner}\"")]
        .iter()
        .find_map(|quoted| text.strip_suffix(quoted.as_str()));
    let Some(prefix) = prefix.filter(|p| !p.contains(['|', ';', '$', '`', '>', '<', '&'])) else {
        return Some(StartCommand::Other);
    };
    if !prefix.ends_with(char::is_whitespace) {
        return Some(StartCommand::Other);
    }
    let mut command = command_with(inner, scripts);
    if let StartCommand::Node { env, .. } | StartCommand::Next { env, .. } = &mut command {
        let inner_env = std::mem::replace(env, outer_env);
        env.extend(inner_env);
    }
    Some(command)
}

/// One step before the service in `step && node <file>`: a `node <file>` command, or a
/// command-line tool of the package's dependencies (`prisma migrate deploy`, also as `npx
/// prisma ...` or `pnpm exec prisma ...`, which run the same local bin), behind assignments
/// and env wrappers; as shell text with its assignments and without the wrappers or the
/// runner (`prisma migrate deploy`). `None` for anything else (another script, a path).
fn step_text(step: &[String]) -> Option<String> {
    let mut env = BTreeMap::new();
    let mut rest = peel_env(step, &mut env);
    // `exec` before the last command would end the script there, and a server or a watcher
    // (`next start`, `nodemon`) never ends: not steps.
    if rest.first().is_some_and(|w| w == "exec") {
        return None;
    }
    match words_command(step) {
        StartCommand::Node { .. } => {}
        StartCommand::Next { .. } | StartCommand::Dev(_) => return None,
        _ => rest = tool_words(rest)?,
    }
    let mut text: Vec<String> = Vec::new();
    for (k, v) in &env {
        text.push(format!("{k}={}", shlex::try_quote(v).ok()?));
    }
    text.push(shlex::try_join(rest.iter().map(String::as_str)).ok()?);
    Some(text.join(" "))
}

/// The words of a step that runs a dependency's command-line tool, without `npx` (and its
/// `--no-install`/`--no` options) or `pnpm exec`: `prisma migrate deploy`. `None` when the
/// step runs anything else (a package manager's script, a path, a download with `--yes`).
fn tool_words(words: &[String]) -> Option<&[String]> {
    let words = match words {
        [npx, rest @ ..] if npx == "npx" => {
            let options = rest.iter().take_while(|w| w.starts_with('-')).count();
            let (flags, rest) = rest.split_at(options);
            if !flags.iter().all(|f| f == "--no-install" || f == "--no") {
                return None;
            }
            rest
        }
        [pnpm, exec, rest @ ..] if pnpm == "pnpm" && exec == "exec" => rest,
        _ => words,
    };
    let program = words.first()?;
    let plain = !program.is_empty()
        && program
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@'))
        && !program.starts_with(['.', '-']);
    let runner = matches!(
        program.as_str(),
        "pnpm" | "npm" | "yarn" | "npx" | "pnpx" | "node" | "deno" | "bun" | "bunx" | "exec"
    );
    (plain && !runner).then_some(words)
}

/// The words of the command a script runs last (after its `&&` steps, and after the
/// commands it starts in the background with `&`), without assignments, env wrappers,
/// `exec`, `npx` or `pnpm exec`: `vite build && vite preview --port 4173` gives
/// `["vite", "preview", "--port", "4173"]`, and `pnpm panda --watch & cross-env PORT=4200
/// react-app-rewired start` (novu's web) `["react-app-rewired", "start"]`. `None` when the text
/// is not a plain chain of commands, or its last command is not a tool's (a path, `node`, a
/// package manager).
pub fn last_command(text: &str) -> Option<Vec<String>> {
    let chain = chain(text).or_else(|| foreground(text))?;
    let mut env = BTreeMap::new();
    let mut rest = peel_env(chain.last()?, &mut env);
    if rest.first().is_some_and(|w| w == "exec") {
        rest = peel_env(&rest[1..], &mut env);
    }
    Some(tool_words(rest)?.to_vec())
}

/// What one command's words run (see [`StartCommand`]).
pub fn words_command(words: &[String]) -> StartCommand {
    let mut env = BTreeMap::new();
    let rest = peel_env(words, &mut env);
    let Some((program, args)) = rest.split_first() else {
        return StartCommand::Other;
    };
    match program.as_str() {
        "node" => node_command(env, args),
        // `exec node dist/main.js`: the same command, replacing the shell.
        "exec" => match words_command(args) {
            StartCommand::Node {
                env: inner,
                options,
                file,
                args,
                before,
            } => StartCommand::Node {
                env: env.into_iter().chain(inner).collect(),
                options,
                file,
                args,
                before,
            },
            StartCommand::Next {
                env: inner,
                options,
                before,
            } => StartCommand::Next {
                env: env.into_iter().chain(inner).collect(),
                options,
                before,
            },
            other => other,
        },
        "pnpm" | "npm" | "yarn" => script_of(program, args),
        "deno" => StartCommand::Unsupported("Deno"),
        "bun" | "bunx" => StartCommand::Unsupported("Bun"),
        "next" => match args.split_first() {
            Some((start, options)) if start == "start" => StartCommand::Next {
                env,
                options: options.to_vec(),
                before: Vec::new(),
            },
            Some((dev, _)) if dev == "dev" => StartCommand::Dev("next dev".into()),
            // `next` alone is `next dev`.
            None => StartCommand::Dev("next dev".into()),
            _ => StartCommand::Other,
        },
        p if DEV_PROGRAMS.contains(&p) => StartCommand::Dev(p.to_string()),
        "sh" | "bash" | "dash" | "ash" => match args.split_first() {
            Some((script, rest)) if !script.starts_with('-') => {
                shell_script(Some(program.clone()), script, rest)
            }
            _ => StartCommand::Other,
        },
        p if p.contains('/') && p.ends_with(".sh") => shell_script(None, p, args),
        p if p.starts_with("./") => package_file(p, args),
        _ => StartCommand::Other,
    }
}

/// `script` with each `${NAME:-word}` (or `${NAME-word}`) replaced by its `word`, as a shell
/// expands it when `NAME` is not set (`next start --port ${PORT_PREFIX:-81}01` is `next start
/// --port 8101`), and the expansions replaced (`${PORT_PREFIX:-81}`); `None` when the text
/// has none, or any other `$` (a variable without a default, a command substitution).
pub fn with_defaults(script: &str) -> Option<(String, Vec<String>)> {
    let mut out = String::new();
    let mut replaced = Vec::new();
    let mut rest = script;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let tail = rest[at..].strip_prefix("${")?;
        let end = tail.find('}')?;
        let inner = &tail[..end];
        let (name, word) = inner.split_once(":-").or_else(|| inner.split_once('-'))?;
        let plain_name = !name.is_empty()
            && !name.starts_with(|c: char| c.is_ascii_digit())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !plain_name || word.contains(['$', '{', '`', '"', '\'', '\\']) {
            return None;
        }
        out.push_str(word);
        replaced.push(format!("${{{inner}}}"));
        rest = &tail[end + 1..];
    }
    out.push_str(rest);
    (!replaced.is_empty()).then_some((out, replaced))
}

/// `./run start`: a file of the package run by itself (`Other` when it leaves the folder).
fn package_file(file: &str, args: &[String]) -> StartCommand {
    let file = relpath::clean(file);
    if file.is_empty() || file.split('/').any(|s| s == "..") {
        return StartCommand::Other;
    }
    StartCommand::PackageFile {
        dir: String::new(),
        file,
        args: args.to_vec(),
    }
}

/// A shell script of the package run by `shell` (or by itself): `Other` when its path leaves
/// the package folder.
fn shell_script(shell: Option<String>, script: &str, args: &[String]) -> StartCommand {
    let script = relpath::clean(script);
    if script.is_empty() || script.starts_with('/') || script.split('/').any(|s| s == "..") {
        return StartCommand::Other;
    }
    StartCommand::ShellScript {
        shell,
        script,
        args: args.to_vec(),
    }
}

/// Leading `NAME=value` words and env wrappers (`cross-env`, `env`, `dotenv [-e file]... --`),
/// their assignments collected into `env`; returns the words left.
fn peel_env<'a>(mut words: &'a [String], env: &mut BTreeMap<String, String>) -> &'a [String] {
    loop {
        match words.split_first() {
            Some((w, rest)) if assignment(w).is_some() => {
                if let Some((k, v)) = assignment(w) {
                    env.insert(k.to_string(), v.to_string());
                }
                words = rest;
            }
            Some((w, rest)) if w == "cross-env" || w == "env" => words = rest,
            Some((w, rest)) if w == "dotenv" || w == "dotenv-cli" => {
                // dotenv-cli: options up to `--`, then the command. Without `--`, only
                // options whose arity is certain are skipped (`-e <file>`, `-v <NAME=value>`,
                // `-p <name>`, `-o`, `--debug`): `-c` takes a value or none, so a command
                // after it is not read.
                match rest.iter().position(|a| a == "--") {
                    Some(i) => {
                        dotenv_variables(&rest[..i], env);
                        words = &rest[i + 1..];
                    }
                    None => words = dotenv_command(rest),
                }
            }
            _ => return words,
        }
    }
}

/// dotenv-cli's `-v NAME=value` options: variables it sets for the command, as an
/// assignment before it would.
fn dotenv_variables(options: &[String], env: &mut BTreeMap<String, String>) {
    for pair in options.windows(2) {
        if pair[0] == "-v" {
            if let Some((k, v)) = assignment(&pair[1]) {
                env.insert(k.to_string(), v.to_string());
            }
        }
    }
}

/// The command after dotenv-cli's options when no `--` separates them; empty when an
/// option's arity is uncertain.
fn dotenv_command(mut words: &[String]) -> &[String] {
    loop {
        match words.split_first() {
            Some((w, rest)) if ["-e", "-v", "-p"].contains(&w.as_str()) => {
                words = rest.get(1..).unwrap_or_default();
            }
            Some((w, rest)) if ["-o", "--override", "--debug"].contains(&w.as_str()) => {
                words = rest;
            }
            Some((w, _)) if w.starts_with('-') => return &[],
            _ => return words,
        }
    }
}

/// `pnpm [run] <script> [words]`, `npm run <script> [-- words]`, `yarn [run] <script>
/// [words]`: the script it runs, and the words after its name (a leading `--` dropped).
fn script_of(program: &str, args: &[String]) -> StartCommand {
    let words: Vec<(usize, &str)> = (args.iter().enumerate())
        .filter(|(_, a)| !a.starts_with('-'))
        .map(|(i, a)| (i, a.as_str()))
        .collect();
    let at = match (program, words.as_slice()) {
        (_, [(_, "run" | "run-script"), (at, _), ..]) => *at,
        ("npm", [(at, "start"), ..]) => *at,
        ("npm", _) => return StartCommand::Other,
        (_, [(at, _), ..]) => *at,
        _ => return StartCommand::Other,
    };
    let rest = &args[at + 1..];
    let rest = rest.strip_prefix(&["--".to_string()][..]).unwrap_or(rest);
    StartCommand::Script(args[at].clone(), rest.to_vec())
}

/// Node options that take the next word as their value (`-r dotenv/config`).
pub const NODE_VALUE_OPTIONS: &[&str] = &[
    "-r",
    "--require",
    "--import",
    "--loader",
    "--experimental-loader",
    "--env-file",
    "--env-file-if-exists",
    "-C",
    "--conditions",
    "--input-type",
    "--title",
];

/// The `file` of a [`StartCommand::Node`] that runs the package folder itself (`node .`,
/// `node ./`): Node loads the manifest's `main`, else `index.js`; see [`package_itself`].
pub const PACKAGE_ITSELF: &str = ".";

/// The file `node .` runs in a package whose manifest says `main` (cleaned): `main` (with
/// `.js` when it names no extension, as Node tries), else `index.js`.
pub fn package_itself(main: Option<&str>) -> String {
    match main
        .map(|m| m.trim_end_matches('/'))
        .filter(|m| !m.is_empty() && *m != ".")
    {
        Some(m) if m.rsplit('/').next().is_some_and(|n| !n.contains('.')) => format!("{m}.js"),
        Some(m) => m.to_string(),
        None => "index.js".to_string(),
    }
}

/// `node [options] <file> [args]` after `node`.
fn node_command(env: BTreeMap<String, String>, args: &[String]) -> StartCommand {
    let mut options: Vec<String> = Vec::new();
    let mut args = args.iter();
    while let Some(w) = args.next() {
        if w.starts_with('-') {
            let mut option = w.clone();
            if NODE_VALUE_OPTIONS.contains(&w.as_str()) {
                let Some(value) = args.next() else {
                    return StartCommand::Other;
                };
                option.push(' ');
                option.push_str(value);
            }
            options.push(option);
            continue;
        }
        let file = relpath::clean(w);
        if file.is_empty() || file == "." {
            // `node .` runs the package itself: its `main`, resolved by the manifest reader.
            return StartCommand::Node {
                env,
                options,
                file: PACKAGE_ITSELF.to_string(),
                args: args.cloned().collect(),
                before: Vec::new(),
            };
        }
        let looks_like_file =
            [".js", ".mjs", ".cjs"].iter().any(|e| file.ends_with(e)) || file.contains('/');
        if !looks_like_file || file.starts_with('/') || file.contains("..") {
            return StartCommand::Other;
        }
        if [".ts", ".mts", ".cts", ".tsx"]
            .iter()
            .any(|e| file.ends_with(e))
        {
            return StartCommand::Dev(format!("node {file}"));
        }
        // `node dist/main` loads dist/main.js (Node tries the `.js` extension first).
        let file = if file
            .rsplit('/')
            .next()
            .is_some_and(|name| !name.contains('.'))
        {
            format!("{file}.js")
        } else {
            file
        };
        return StartCommand::Node {
            env,
            options,
            file,
            args: args.cloned().collect(),
            before: Vec::new(),
        };
    }
    StartCommand::Other
}

/// The file a start script runs when it is `node [options] <file> [args]` (behind env
/// assignments and wrappers); `None` for anything else.
pub fn start_script_entry(script: &str) -> Option<String> {
    match start_command(script) {
        StartCommand::Node { file, .. } => Some(file),
        _ => None,
    }
}

/// The options a start script of the form `node [options] <file>` gives `node`, as written
/// (`--import ./tracing.mjs`, `--enable-source-maps`); empty for any other script.
pub fn start_script_node_options(script: &str) -> Vec<String> {
    match start_command(script) {
        StartCommand::Node { options, .. } => options,
        _ => Vec::new(),
    }
}
