//! What the container actually runs: `Entrypoint` + `Cmd`, with init shims (tini, dumb-init),
//! `env` and pass-through entrypoint scripts (the official Node image's `docker-entrypoint.sh`,
//! which only `exec "$@"`) peeled off, then classified: node and a script, a binary, a shell
//! command, a package-manager script, or a start script.
//!
//! Rules use the result; this module only reads config values and captured file heads.
//! It never reports a finding itself: what is wrong with what runs is the entrypoint rules' call.

use super::facts::RuntimeConfig;
use super::fs::{self, Fs};

/// What the container runs, once wrappers are peeled off.
#[derive(Debug, Clone, PartialEq)]
pub enum Launch {
    /// Neither Entrypoint nor Cmd (or wrappers with nothing after them).
    Nothing,
    /// `sh -c "..."` (the shell form of CMD/ENTRYPOINT, or written out).
    Shell { command: String },
    /// `node [flags] <script> [args]`.
    Node {
        /// The script as written.
        script: Option<String>,
        /// Where it resolves to in the image (absolute, symlinks followed), when it exists.
        resolved: Option<String>,
        /// The absolute path it names (before resolution).
        wanted: Option<String>,
        /// `-e`/`-p`/`-`: code given on the command line or stdin.
        inline: bool,
        args: Vec<String>,
        /// What `-r`/`--require` and `--import` preload before the script, in order.
        preloads: Vec<Preload>,
    },
    /// `npm start`, `pnpm --filter x start`, `yarn`, `npx`, `nx`, `turbo`...
    PackageManager { tool: String, args: Vec<String> },
    /// A script file run directly or by a shell (a start script).
    Script { path: String, args: Vec<String> },
    /// A program run directly (the Cargo case).
    Binary {
        program: String,
        wanted: Option<String>,
        resolved: Option<String>,
        args: Vec<String>,
    },
}

impl Launch {
    /// The file the container runs (a script, node's script, a binary), when it exists.
    pub fn file(&self) -> Option<&str> {
        match self {
            Launch::Node { resolved, .. } | Launch::Binary { resolved, .. } => resolved.as_deref(),
            Launch::Script { path, .. } => Some(path),
            _ => None,
        }
    }
}

const INIT_SHIMS: &[&str] = &[
    "tini",
    "tini-static",
    "dumb-init",
    "catatonit",
    "s6-overlay",
];
const SHELLS: &[&str] = &["sh", "bash", "ash", "dash", "zsh", "ksh", "mksh"];
const PACKAGE_MANAGERS: &[&str] = &[
    "npm",
    "npx",
    "yarn",
    "yarnpkg",
    "pnpm",
    "pnpx",
    "corepack",
    "bun",
    "bunx",
    "nx",
    "turbo",
    "lerna",
    "rush",
    "concurrently",
    "pm2",
    "pm2-runtime",
];

/// A module node loads before the script: `-r x`/`--require x` (resolved as `require` would
/// from the working directory) or `--import x` (as an ESM `import`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preload {
    pub specifier: String,
    /// `--import` (else `-r`/`--require`).
    pub import: bool,
    /// Given by the image's `NODE_OPTIONS` (else by the command line).
    pub from_env: bool,
}

/// A preload flag and its value, when `args[i]` is one (`--require=x` or `-r x`); how many
/// arguments it takes.
fn preload(args: &[String], i: usize) -> Option<(Preload, usize)> {
    let (p, n) = crate::js::preload_at(args, i)?;
    let preload = Preload {
        specifier: p.specifier,
        import: p.import,
        from_env: false,
    };
    Some((preload, n))
}

/// The preloads the image's `NODE_OPTIONS` gives every node process; node loads them before
/// the command line's own.
fn env_preloads(config: &RuntimeConfig) -> Vec<Preload> {
    let argv = crate::js::split_node_options(config.env("NODE_OPTIONS").unwrap_or(""));
    crate::js::preloads(&argv)
        .into_iter()
        .map(|p| Preload {
            specifier: p.specifier,
            import: p.import,
            from_env: true,
        })
        .collect()
}

/// Node options that take their value as the next argument.
const NODE_VALUE_FLAGS: &[&str] = &[
    "-r",
    "--require",
    "--import",
    "--loader",
    "--experimental-loader",
    "-C",
    "--conditions",
    "--env-file",
    "--env-file-if-exists",
    "--title",
    "--input-type",
    "--disable-warning",
    "--redirect-warnings",
    "--diagnostic-dir",
    "--report-dir",
    "--cpu-prof-dir",
    "--heap-prof-dir",
    "--icu-data-dir",
    "--openssl-config",
    "--watch-path",
    "--stack-size",
];

fn is_node(prog: &str) -> bool {
    let b = fs::basename(prog);
    b == "node" || b == "nodejs"
}

/// Where `prog` is found: an absolute or relative path, else each `PATH` dir.
pub fn locate(prog: &str, config: &RuntimeConfig, fs: &Fs) -> (Option<String>, Option<String>) {
    if prog.contains('/') {
        let wanted = fs::join(&config.workdir(), prog);
        let resolved = fs.is_file(&wanted).then(|| fs.resolve(&wanted)).flatten();
        return (Some(wanted), resolved);
    }
    for dir in config.path_dirs() {
        let p = fs::join(&dir, prog);
        if fs.is_file(&p) {
            return (Some(p.clone()), fs.resolve(&p));
        }
    }
    (None, None)
}

/// Whether the captured start of a file is a script that only hands over to its arguments
/// (`exec "$@"`), so the real program is what follows it.
fn is_pass_through(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head);
    text.starts_with("#!")
        && text
            .lines()
            .map(str::trim)
            .any(|l| l == "exec \"$@\"" || l == "exec \"${@}\"")
}

/// Whether a pass-through script runs `node "$@"` for arguments that are not commands, as the
/// official Node image's `docker-entrypoint.sh` does (`set -- node "$@"`).
fn adds_node(head: &[u8]) -> bool {
    String::from_utf8_lossy(head)
        .lines()
        .any(|l| l.trim() == "set -- node \"$@\"")
}

/// The official entrypoint's test: node is put in front of an option (`--enable-source-maps`),
/// of a word that is no command, and of a file that is not executable (`dist/main.js`).
fn wants_node(first: &str, config: &RuntimeConfig, fs: &Fs) -> bool {
    if first.starts_with('-') {
        return true;
    }
    let (_, resolved) = locate(first, config, fs);
    match resolved.as_deref().and_then(|r| fs.get(r)) {
        // A path names a file: node runs it unless it is executable. A bare word found on
        // PATH is a command.
        Some(e) if first.contains('/') => e.mode & 0o111 == 0,
        Some(_) => false,
        None => true,
    }
}

fn shebang(head: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(head);
    let first = text.lines().next()?;
    first.strip_prefix("#!").map(|s| s.trim().to_string())
}

/// An init shim or `env` that is not in the image: runc execs it first, so nothing runs.
fn missing_wrapper(
    first: &str,
    base: &str,
    argv: &[String],
    config: &RuntimeConfig,
    fs: &Fs,
) -> Option<Launch> {
    if !INIT_SHIMS.contains(&base) && base != "env" {
        return None;
    }
    let (wanted, resolved) = locate(first, config, fs);
    resolved.is_none().then(|| Launch::Binary {
        program: first.to_string(),
        wanted,
        resolved: None,
        args: argv[1..].to_vec(),
    })
}

/// Peels wrappers off `argv` and classifies what is left.
pub fn analyse(config: &RuntimeConfig, fs: &Fs) -> Launch {
    let mut argv = config.argv();
    // Bounded: each round removes at least one word.
    for _ in 0..16 {
        let Some(first) = argv.first().cloned() else {
            return Launch::Nothing;
        };
        let base = fs::basename(&first).to_string();
        if let Some(missing) = missing_wrapper(&first, &base, &argv, config, fs) {
            return missing;
        }
        if INIT_SHIMS.contains(&base.as_str()) {
            argv.remove(0);
            while argv.first().is_some_and(|a| a.starts_with('-')) {
                let a = argv.remove(0);
                if a == "--" {
                    break;
                }
            }
            continue;
        }
        if base == "env" {
            argv.remove(0);
            while argv
                .first()
                .is_some_and(|a| a.starts_with('-') || a.contains('='))
            {
                argv.remove(0);
            }
            continue;
        }
        if SHELLS.contains(&base.as_str()) {
            match shell(&argv[1..], config, fs) {
                std::ops::ControlFlow::Continue(service) => {
                    argv = service;
                    continue;
                }
                std::ops::ControlFlow::Break(launch) => return launch,
            }
        }
        if is_node(&first) {
            return node_program(&first, &argv[1..], config, fs);
        }
        if PACKAGE_MANAGERS.contains(&base.as_str()) {
            return Launch::PackageManager {
                tool: base,
                args: argv[1..].to_vec(),
            };
        }
        let (wanted, resolved) = locate(&first, config, fs);
        if let Some(head) = resolved.as_deref().and_then(|r| fs.bytes(r)) {
            if let Some(interp) = shebang(head) {
                let words: Vec<&str> = interp.split_whitespace().collect();
                let interp_prog = match words.as_slice() {
                    [env, prog, ..] if fs::basename(env) == "env" => *prog,
                    [prog, ..] => *prog,
                    [] => "",
                };
                if SHELLS.contains(&fs::basename(interp_prog)) && is_pass_through(head) {
                    let adds_node = adds_node(head);
                    argv.remove(0);
                    if adds_node && argv.first().is_some_and(|a| wants_node(a, config, fs)) {
                        argv.insert(0, "node".to_string());
                    }
                    continue;
                }
                if is_node(interp_prog) {
                    // `#!/usr/bin/env node` bin script: node running that file.
                    let mut node_argv = vec![first.clone()];
                    node_argv.extend(argv[1..].iter().cloned());
                    return node(&node_argv, config, fs);
                }
                return Launch::Script {
                    path: resolved.unwrap_or(first),
                    args: argv[1..].to_vec(),
                };
            }
        }
        return Launch::Binary {
            program: first,
            wanted,
            resolved,
            args: argv[1..].to_vec(),
        };
    }
    Launch::Nothing
}

/// `sh <rest>`: a shell command (or the service a `node step && exec node <script>` command
/// execs, to analyse next), a script the shell runs (or the service a plain entrypoint script
/// execs, see `launch_script`), or an interactive shell.
fn shell(
    rest: &[String],
    config: &RuntimeConfig,
    fs: &Fs,
) -> std::ops::ControlFlow<Launch, Vec<String>> {
    use std::ops::ControlFlow::{Break, Continue};
    if let Some(i) = rest
        .iter()
        .position(|a| a.starts_with('-') && !a.starts_with("--") && a.ends_with('c'))
    {
        let command = rest.get(i + 1).cloned().unwrap_or_default();
        // `node step && exec node <script>`: the service is the exec'd node, once every
        // step's script is in the image.
        if let Some(mut steps) = super::launch_steps::node_steps(&command) {
            let service = steps.pop().unwrap_or_default();
            let found = |s: &Vec<String>| {
                matches!(
                    node(&s[1..], config, fs),
                    Launch::Node {
                        resolved: Some(_),
                        ..
                    }
                )
            };
            if steps.iter().all(found) {
                return Continue(service);
            }
        }
        return Break(Launch::Shell { command });
    }
    if let Some(script) = rest.iter().find(|a| !a.starts_with('-')) {
        let idx = rest.iter().position(|a| a == script).unwrap_or(0);
        if let Some(service) = super::launch_script::service(script, config, fs) {
            return Continue(service);
        }
        return Break(Launch::Script {
            path: fs::join(&config.workdir(), script),
            args: rest[idx + 1..].to_vec(),
        });
    }
    Break(Launch::Shell {
        command: String::new(),
    })
}

/// `node ARGS`: node itself must be in the image (through PATH), runc execs it first; then
/// what it runs.
fn node_program(program: &str, args: &[String], config: &RuntimeConfig, fs: &Fs) -> Launch {
    let (wanted, resolved) = locate(program, config, fs);
    if resolved.is_none() {
        return Launch::Binary {
            program: program.to_string(),
            wanted,
            resolved: None,
            args: args.to_vec(),
        };
    }
    node(args, config, fs)
}

pub(super) fn node(args: &[String], config: &RuntimeConfig, fs: &Fs) -> Launch {
    let mut i = 0;
    let mut inline = false;
    let mut preloads = env_preloads(config);
    while i < args.len() {
        if let Some((p, n)) = preload(args, i) {
            preloads.push(p);
            i += n;
            continue;
        }
        let a = args[i].as_str();
        if a == "--" {
            i += 1;
            break;
        }
        if a == "-" || matches!(a, "-e" | "--eval" | "-p" | "--print") {
            inline = true;
            break;
        }
        if !a.starts_with('-') {
            break;
        }
        if NODE_VALUE_FLAGS.contains(&a) {
            i += 1;
        }
        i += 1;
    }
    if inline {
        return Launch::Node {
            script: None,
            resolved: None,
            wanted: None,
            inline: true,
            args: args[i..].to_vec(),
            preloads,
        };
    }
    let Some(script) = args.get(i).cloned() else {
        return Launch::Node {
            script: None,
            resolved: None,
            wanted: None,
            inline: false,
            args: Vec::new(),
            preloads,
        };
    };
    let wanted = fs::join(&config.workdir(), &script);
    let resolved = resolve_node_script(&wanted, fs);
    Launch::Node {
        script: Some(script),
        resolved,
        wanted: Some(wanted),
        inline: false,
        args: args[i + 1..].to_vec(),
        preloads,
    }
}

/// Node's own lookup of a main script: the file, then with `.js`/`.cjs`/`.mjs`/`.json`, then a
/// folder's `package.json` `main` or `index.js`.
pub fn resolve_node_script(path: &str, fs: &Fs) -> Option<String> {
    for candidate in [
        path.to_string(),
        format!("{path}.js"),
        format!("{path}.cjs"),
        format!("{path}.mjs"),
        format!("{path}.json"),
    ] {
        if fs.is_file(&candidate) {
            return fs.resolve(&candidate);
        }
    }
    if fs.is_dir(path) {
        let main = fs
            .text(&fs::join(path, "package.json"))
            .and_then(|t| {
                let t = t.strip_prefix('\u{feff}').unwrap_or(&t);
                serde_json::from_str::<serde_json::Value>(t).ok()
            })
            .and_then(|v| v.get("main").and_then(|m| m.as_str()).map(String::from));
        if let Some(main) = main {
            if let Some(r) = resolve_node_script(&fs::join(path, &main), fs) {
                return Some(r);
            }
        }
        let index = fs::join(path, "index.js");
        if fs.is_file(&index) {
            return fs.resolve(&index);
        }
    }
    None
}

/// Paths whose content the launch analysis wants captured, from the config alone (before the
/// tree is read): every word of argv that may be a file, made absolute, and each bare program
/// name looked up in every `PATH` dir. Also returns basenames, so a symlinked program's target
/// is captured too.
pub fn wanted_paths(config: &RuntimeConfig) -> (Vec<String>, Vec<String>) {
    let mut paths = Vec::new();
    let mut names = Vec::new();
    let workdir = config.workdir();
    // The words of a `node step && exec node <script>` shell command count too.
    let mut argv = config.argv();
    let steps = argv.last().and_then(|c| super::launch_steps::node_steps(c));
    argv.extend(steps.into_iter().flatten().flatten());
    for word in argv.iter().filter(|w| !w.starts_with('-')) {
        if word.contains(' ') || word.contains('=') || word.is_empty() {
            continue;
        }
        if word.contains('/') {
            let p = fs::join(&workdir, word);
            for ext in ["", ".js", ".cjs", ".mjs"] {
                paths.push(format!("{p}{ext}"));
            }
        } else {
            for dir in config.path_dirs() {
                paths.push(fs::join(&dir, word));
            }
            paths.push(fs::join(&workdir, word));
        }
        names.push(fs::basename(word).to_string());
    }
    paths.sort();
    paths.dedup();
    names.sort();
    names.dedup();
    (paths, names)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::testkit::{node_base, TreeBuilder};

    fn cfg(entrypoint: &[&str], cmd: &[&str], workdir: &str) -> RuntimeConfig {
        RuntimeConfig {
            entrypoint: entrypoint.iter().map(|s| s.to_string()).collect(),
            cmd: cmd.iter().map(|s| s.to_string()).collect(),
            working_dir: Some(workdir.into()),
            ..Default::default()
        }
    }

    fn tree() -> crate::image::MergedTree {
        node_base(TreeBuilder::new())
            .layer(1)
            .file("/app/services/api/dist/main.js", "x")
            .file("/app/services/api/package.json", "{\"name\":\"api\"}")
            .exe("/app/start.sh", "#!/bin/sh\ncase \"$SERVICE\" in api) exec node /app/services/api/dist/main.js;; esac\n")
            .exe("/app/api", "\x7fELF...")
            .exe("/usr/bin/tini", "\x7fELF")
            .build()
    }

    #[test]
    fn node_options_preloads_come_first() {
        let mut c = cfg(&[], &["node", "-r", "./b.js", "dist/main.js"], "/app");
        c.env.push((
            "NODE_OPTIONS".into(),
            "--require ./a.js --import=./c.mjs".into(),
        ));
        let t = tree();
        let Launch::Node { preloads, .. } = analyse(&c, &Fs::new(&t)) else {
            panic!("node runs");
        };
        let got: Vec<(bool, bool, &str)> = preloads
            .iter()
            .map(|p| (p.from_env, p.import, p.specifier.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (true, false, "./a.js"),
                (true, true, "./c.mjs"),
                (false, false, "./b.js")
            ]
        );
    }

    #[test]
    fn node_behind_the_official_entrypoint_and_tini() {
        let t = tree();
        let fs = Fs::new(&t);
        let l = analyse(
            &cfg(
                &["docker-entrypoint.sh"],
                &[
                    "node",
                    "--enable-source-maps",
                    "-r",
                    "./otel.js",
                    "dist/main",
                ],
                "/app/services/api",
            ),
            &fs,
        );
        let Launch::Node {
            resolved, script, ..
        } = l
        else {
            panic!("{l:?}")
        };
        assert_eq!(script.as_deref(), Some("dist/main"));
        assert_eq!(resolved.as_deref(), Some("/app/services/api/dist/main.js"));
        let l = analyse(
            &cfg(&["/usr/bin/tini", "--"], &["node", "/app/missing.js"], "/"),
            &fs,
        );
        assert!(matches!(l, Launch::Node { resolved: None, .. }), "{l:?}");
    }

    /// The official image's entrypoint runs `node "$@"` when the first argument is an option
    /// or not a command: `CMD ["--enable-source-maps", "dist/main.js"]` and
    /// `CMD ["dist/main.js"]` run node, a real program still runs as itself.
    #[test]
    fn the_official_entrypoint_prepends_node_like_the_image_does() {
        let t = tree();
        let fs = Fs::new(&t);
        for cmd in [
            &["--enable-source-maps", "dist/main.js"][..],
            &["dist/main.js"][..],
            &["dist/main"][..],
        ] {
            let l = analyse(
                &cfg(&["docker-entrypoint.sh"], cmd, "/app/services/api"),
                &fs,
            );
            assert!(
                matches!(&l, Launch::Node { resolved: Some(r), .. } if r == "/app/services/api/dist/main.js"),
                "{cmd:?}: {l:?}"
            );
        }
        let l = analyse(&cfg(&["docker-entrypoint.sh"], &["/app/api"], "/"), &fs);
        assert!(
            matches!(&l, Launch::Binary { resolved: Some(r), .. } if r == "/app/api"),
            "{l:?}"
        );
        // A pass-through script that does not add node leaves its arguments alone.
        let t = node_base(TreeBuilder::new())
            .exe("/usr/local/bin/entry.sh", "#!/bin/sh\nexec \"$@\"\n")
            .file("/app/dist/main.js", "x")
            .build();
        let fs = Fs::new(&t);
        let l = analyse(&cfg(&["entry.sh"], &["dist/main.js"], "/app"), &fs);
        assert!(matches!(&l, Launch::Binary { .. }), "{l:?}");
    }

    /// What `isogen generate` writes for `node dist/migrate.js && node dist/server.js`: the
    /// service is the exec'd node, once the step's script is in the image.
    #[test]
    fn node_steps_then_exec_node_is_the_service() {
        let t = node_base(TreeBuilder::new())
            .file("/app/api/dist/migrate.js", "x")
            .file("/app/api/dist/server.js", "x")
            .build();
        let fs = Fs::new(&t);
        let chain = "node dist/migrate.js && exec node /app/api/dist/server.js";
        let l = analyse(&cfg(&[], &["/bin/sh", "-c", chain], "/app/api"), &fs);
        assert!(
            matches!(&l, Launch::Node { resolved: Some(r), .. } if r == "/app/api/dist/server.js"),
            "{l:?}"
        );
        let (paths, _) = wanted_paths(&cfg(&[], &["/bin/sh", "-c", chain], "/app/api"));
        assert!(
            paths.contains(&"/app/api/dist/migrate.js".to_string()),
            "{paths:?}"
        );
        // A step whose script is not in the image: the shell command is what runs.
        let missing = "node dist/gone.js && exec node /app/api/dist/server.js";
        let l = analyse(&cfg(&[], &["/bin/sh", "-c", missing], "/app/api"), &fs);
        assert!(matches!(&l, Launch::Shell { .. }), "{l:?}");
    }

    /// What `isogen generate` writes for a start script that runs its node launcher from its
    /// folder (Flowise: `cd bin && ./run start`): the service is the launcher, found (and
    /// captured) relative to that folder.
    #[test]
    fn a_launcher_run_from_its_folder_is_the_service() {
        let t = node_base(TreeBuilder::new())
            .file("/app/server/bin/run", "#!/usr/bin/env node\n")
            .build();
        let fs = Fs::new(&t);
        let config = cfg(
            &[],
            &["/bin/sh", "-c", "cd bin && exec node ./run start"],
            "/app/server",
        );
        let l = analyse(&config, &fs);
        assert!(
            matches!(&l, Launch::Node { resolved: Some(r), .. } if r == "/app/server/bin/run"),
            "{l:?}"
        );
        let (paths, _) = wanted_paths(&config);
        assert!(
            paths.contains(&"/app/server/bin/run".to_string()),
            "{paths:?}"
        );
        let gone = cfg(
            &[],
            &["/bin/sh", "-c", "cd lib && exec node ./run start"],
            "/app/server",
        );
        assert!(matches!(
            analyse(&gone, &fs),
            Launch::Node { resolved: None, .. }
        ));
    }

    /// What `isogen generate` writes for `"start": "sh ./entrypoint.sh"`: the service is the
    /// node the script execs, once every step can run in the image.
    #[test]
    fn a_plain_entrypoint_script_execs_the_service() {
        let script = "#!/bin/sh\nset -e\nmigrate-db up migrations\nnode lib/seed.js\necho ok\nexec node lib/server.js\n";
        let build = |script: &str, tool: bool| {
            let t = node_base(TreeBuilder::new())
                .file("/app/api/lib/seed.js", "x")
                .file("/app/api/lib/server.js", "x")
                .file("/app/api/entrypoint.sh", script);
            let t = if tool {
                t.exe("/app/api/node_modules/.bin/migrate-db", "#!/bin/sh\n")
            } else {
                t
            };
            t.build()
        };
        let cmd = ["/bin/sh", "/app/api/entrypoint.sh"];
        let t = build(script, true);
        let l = analyse(&cfg(&[], &cmd, "/app/api"), &Fs::new(&t));
        assert!(
            matches!(&l, Launch::Node { resolved: Some(r), .. } if r == "/app/api/lib/server.js"),
            "{l:?}"
        );
        // A tool the image does not have, a step's file missing, a line not read, no exec:
        // the script is what runs.
        let t = build(script, false);
        let l = analyse(&cfg(&[], &cmd, "/app/api"), &Fs::new(&t));
        assert!(matches!(&l, Launch::Script { .. }), "{l:?}");
        for other in [
            script.replace("lib/seed.js", "lib/gone.js"),
            script.replace("echo ok", "[ -n \"$X\" ] && echo ok"),
            script.replace("exec node", "node"),
        ] {
            let t = build(&other, true);
            let l = analyse(&cfg(&[], &cmd, "/app/api"), &Fs::new(&t));
            assert!(matches!(&l, Launch::Script { .. }), "{other}: {l:?}");
        }
    }

    #[test]
    fn shells_scripts_package_managers_binaries() {
        let t = tree();
        let fs = Fs::new(&t);
        assert_eq!(
            analyse(&cfg(&[], &["/bin/sh", "-c", "node dist/main.js"], "/"), &fs),
            Launch::Shell {
                command: "node dist/main.js".into()
            }
        );
        assert!(matches!(
            analyse(&cfg(&[], &["/app/start.sh", "api"], "/"), &fs),
            Launch::Script { .. }
        ));
        assert!(matches!(
            analyse(&cfg(&[], &["npm", "run", "start:api"], "/"), &fs),
            Launch::PackageManager { .. }
        ));
        let l = analyse(&cfg(&[], &["/app/api"], "/"), &fs);
        assert!(
            matches!(&l, Launch::Binary { resolved: Some(r), .. } if r == "/app/api"),
            "{l:?}"
        );
        let l = analyse(&cfg(&[], &["api"], "/app"), &fs);
        assert!(matches!(&l, Launch::Binary { resolved: None, .. }), "{l:?}");
        assert_eq!(analyse(&cfg(&[], &[], "/"), &fs), Launch::Nothing);
        assert_eq!(
            analyse(&cfg(&["docker-entrypoint.sh"], &[], "/"), &fs),
            Launch::Nothing
        );
    }

    #[test]
    fn capture_candidates_come_from_the_config() {
        let (paths, names) = wanted_paths(&cfg(
            &["docker-entrypoint.sh"],
            &["node", "dist/main.js"],
            "/app/services/api",
        ));
        assert!(paths.contains(&"/usr/local/bin/docker-entrypoint.sh".to_string()));
        assert!(paths.contains(&"/app/services/api/dist/main.js".to_string()));
        assert!(names.contains(&"main.js".to_string()));
    }
}
