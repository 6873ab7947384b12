//! `ENTRYPOINT`/`CMD` of a hand-written final stage against the generated `CMD`: the same
//! program running the same entry keeps its options and arguments (as `cmd`/`args`); an init
//! (tini), a shell form, a package manager or another layout's paths are dropped, each with
//! its reason.
//!
//! Pure: decisions only.

use super::stage::{FinalStage, Form, Found, What};
use super::{Carried, Target, Verdict};
use crate::workspace::pnpm::start_script::NODE_VALUE_OPTIONS;

/// Programs that only start the real command (PID 1 helpers).
const INITS: &[&str] = &[
    "tini",
    "tini-static",
    "dumb-init",
    "docker-init",
    "catatonit",
];
/// Package managers: the generated runtime image ships none.
const PACKAGE_MANAGERS: &[&str] = &["npm", "npx", "pnpm", "yarn", "corepack"];

/// Adds the verdict on the hand-written command to `out`.
pub(super) fn carry(
    hand: &FinalStage,
    generated: &FinalStage,
    hand_workdir: &str,
    target: &Target<'_>,
    out: &mut Carried,
) {
    let pick = |stage: &FinalStage, entry: bool| {
        stage.found.iter().rev().find_map(|f| match &f.what {
            What::Entrypoint(form) if entry => Some((f.line, f.text.clone(), form.clone())),
            What::Cmd(form) if !entry => Some((f.line, f.text.clone(), form.clone())),
            _ => None,
        })
    };
    let (entry, cmd) = (pick(hand, true), pick(hand, false));
    let Some(line) = cmd.as_ref().or(entry.as_ref()).map(|c| c.0) else {
        return;
    };
    let text = [&entry, &cmd]
        .into_iter()
        .flatten()
        .map(|c| c.1.as_str())
        .collect::<Vec<_>>()
        .join(" + ");
    let argv = match (entry.map(|e| e.2), cmd.map(|c| c.2)) {
        (Some(Form::Shell(_)), _) | (None | Some(Form::Exec(_)), Some(Form::Shell(_))) => {
            return out.push(
                line,
                &text,
                Verdict::Dropped(format!(
                    "in shell form the command runs under /bin/sh, which becomes PID 1 (signals \
                     do not reach the service) and which a distroless image lacks; the generated \
                     CMD runs the service directly (set `cmd` in {} as a list if it is wrong)",
                    target.section
                )),
            );
        }
        (Some(Form::Exec(e)), Some(Form::Exec(c))) => [e, c].concat(),
        (Some(Form::Exec(e)), None) => e,
        (None, Some(Form::Exec(c))) => c,
        (None, None) => return,
    };
    let generated_cmd = pick(generated, false).and_then(|c| match c.2 {
        Form::Exec(list) => Some(list),
        Form::Shell(_) => None,
    });
    let Some(generated_cmd) = generated_cmd else {
        return;
    };
    let generated_workdir = generated.found.iter().rev().find_map(|f| match &f.what {
        What::Workdir(w) => Some(w.clone()),
        _ => None,
    });
    let verdict = compare(
        &argv,
        &generated_cmd,
        hand_workdir,
        generated_workdir.as_deref().unwrap_or("/"),
        target,
        out,
    );
    out.push(line, &text, verdict);
}

/// For a final stage whose command is a shell-form `CMD` (no `ENTRYPOINT`) that starts with
/// variable assignments (Cap's `CMD HOSTNAME="0.0.0.0" node apps/web/server.js`): those
/// variables (as an `ENV` at the CMD's line) and the stage with the CMD read as the list of
/// words after them, when those are plain words (no variable, quote left open, pipe, list,
/// redirection or subshell: what `/bin/sh` would run as one command); the CMD stays in shell
/// form otherwise. `None` when the command sets no variable.
pub(super) fn shell_env(hand: &FinalStage) -> Option<(Found, FinalStage)> {
    if hand
        .found
        .iter()
        .any(|f| matches!(f.what, What::Entrypoint(_)))
    {
        return None;
    }
    let at = hand
        .found
        .iter()
        .rposition(|f| matches!(f.what, What::Cmd(_)))?;
    let What::Cmd(Form::Shell(line)) = &hand.found[at].what else {
        return None;
    };
    let words = shlex::split(line)?;
    let is_name = |k: &str| {
        k.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    let vars: Vec<(String, String)> = words
        .iter()
        .map_while(|w| w.split_once('=').filter(|(k, _)| is_name(k)))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    if vars.is_empty() {
        return None;
    }
    let found = &hand.found[at];
    let env = Found {
        line: found.line,
        text: found.text.clone(),
        what: What::Env(Ok(vars.clone())),
    };
    let mut stage = hand.clone();
    let rest = &words[vars.len()..];
    let plain =
        !rest.is_empty() && !line.contains(['$', '|', '&', ';', '<', '>', '(', ')', '`', '*', '?']);
    if plain {
        stage.found[at].what = What::Cmd(Form::Exec(rest.to_vec()));
    }
    Some((env, stage))
}

fn base(program: &str) -> &str {
    program.rsplit('/').next().unwrap_or(program)
}

fn compare(
    argv: &[String],
    generated: &[String],
    hand_workdir: &str,
    generated_workdir: &str,
    target: &Target<'_>,
    out: &mut Carried,
) -> Verdict {
    let (argv, init) = without_launcher(argv, generated);
    let init_note = launcher_note(init.as_deref());
    if let Some((before, last)) = shell_last_step(argv, generated) {
        let note = format!(
            " (it runs under `{}` after `{before}`, which the generated image does not run: the \
             runtime image may lack the tool; run that step another way if the service needs it)",
            base(&argv[0])
        );
        return match compare(
            &last,
            generated,
            hand_workdir,
            generated_workdir,
            target,
            out,
        ) {
            Verdict::Kept(s) => Verdict::Kept(format!("{s}{note}")),
            Verdict::Dropped(s) => Verdict::Dropped(format!("{s}{note}")),
            Verdict::Same => Verdict::Dropped(format!("the command is the generated one{note}")),
        };
    }
    if argv == generated {
        return match init {
            None => super::Verdict::Same,
            Some(_) => Verdict::Dropped(format!("the command is the generated one{init_note}")),
        };
    }
    if target
        .existing
        .is_some_and(|c| c.cmd.is_some() || !c.args.is_empty())
    {
        return Verdict::Dropped("isogen.toml sets cmd or args already".into());
    }
    let Some(program) = argv.first() else {
        return Verdict::Dropped(format!("it runs nothing but an init{init_note}"));
    };
    if PACKAGE_MANAGERS.contains(&base(program)) {
        return Verdict::Dropped(format!(
            "it runs the package manager `{}`, which the generated image does not ship; its \
             CMD runs the service directly: {}{init_note}",
            base(program),
            shown(generated)
        ));
    }
    if let Some((file, how)) = typescript_source(argv) {
        return Verdict::Dropped(format!(
            "it runs the TypeScript source {file} {how} at start, which needs that toolchain in \
             the image; the generated image runs the build's output instead ({}), so there is \
             nothing to set{init_note}",
            shown(generated)
        ));
    }
    match same_entry(argv, generated, hand_workdir, generated_workdir) {
        Some((options, args)) => {
            let mut notes = Vec::new();
            if !options.is_empty() {
                let mut cmd = vec![generated[0].clone()];
                cmd.extend(options.iter().cloned());
                cmd.extend(generated[1..].iter().cloned());
                notes.push(format!("cmd = {}", shown(&cmd)));
                out.settings.cmd = Some(cmd);
            }
            if !args.is_empty() {
                notes.push(format!("args = {}", shown(args)));
                out.settings.args = args.to_vec();
            }
            if notes.is_empty() {
                return Verdict::Dropped(format!(
                    "it runs the same entry as the generated CMD {}, at the hand-written \
                     image's path{init_note}",
                    shown(generated)
                ));
            }
            Verdict::Kept(format!("{}{init_note}", notes.join(", ")))
        }
        None => Verdict::Dropped(format!(
            "it runs {}, not what the generated image runs ({}), with paths of the hand-written \
             image's layout; set `cmd` in {} if the generated command is wrong{init_note}",
            shown(argv),
            shown(generated),
            target.section
        )),
    }
}

/// Runners and loaders that compile TypeScript when the process starts.
const TS_RUNNERS: &[&str] = &["tsx", "ts-node", "ts-node-dev", "ts-node-esm", "bun"];

/// The TypeScript file a hand-written command runs from source and how (`node --import tsx
/// src/main.ts`, `node -r ts-node/register src/main.ts`, `tsx src/main.ts`, plain `node
/// src/main.ts` with Node's type stripping), when it does.
fn typescript_source(argv: &[String]) -> Option<(&str, String)> {
    let file = argv.iter().skip(1).find(|w| {
        !w.starts_with('-')
            && [".ts", ".mts", ".cts"].iter().any(|e| w.ends_with(e))
            && !w.ends_with(".d.ts")
    })?;
    let program = base(argv.first()?);
    if TS_RUNNERS.contains(&program) {
        return Some((file, format!("with `{program}`")));
    }
    let loader = argv.windows(2).find_map(|w| {
        let is_preload = matches!(
            w[0].as_str(),
            "--import" | "-r" | "--require" | "--loader" | "--experimental-loader"
        );
        let name = w[1].split('/').next().unwrap_or_default();
        (is_preload && TS_RUNNERS.contains(&name)).then(|| format!("through `{} {}`", w[0], w[1]))
    });
    Some((
        file,
        loader.unwrap_or_else(|| "with Node's type stripping".into()),
    ))
}

/// `argv` without the init (tini) or the entrypoint script that starts the real command, and
/// that launcher's name.
fn without_launcher<'a>(
    argv: &'a [String],
    generated: &[String],
) -> (&'a [String], Option<String>) {
    let mut argv = argv;
    let mut init = None;
    if let Some(first) = argv.first().filter(|p| INITS.contains(&base(p))) {
        init = Some(base(first).to_string());
        let skip = 1 + argv[1..].iter().take_while(|a| a.starts_with('-')).count();
        argv = &argv[skip.min(argv.len())..];
    }
    if let Some(script) = wrapper_script(argv, generated) {
        // shadowsocks' `ENTRYPOINT ["docker-entrypoint.sh"]` + `CMD ["ssserver", ...]`: the
        // script ends with `exec "$@"`; the command after it is the service's.
        init = Some(script.to_string());
        argv = &argv[1..];
    }
    (argv, init)
}

/// What a verdict adds about the dropped launcher, if there was one.
fn launcher_note(init: Option<&str>) -> String {
    match init {
        None => String::new(),
        Some(i) if i.ends_with(".sh") || i.contains("entrypoint") => format!(
            " (its entrypoint script `{i}` is dropped: the generated image does not ship it; if \
             the service needs what it does, do that another way)"
        ),
        Some(i) => format!(
            " (its init `{i}` is dropped: the generated image has none; run it with `docker run \
             --init`)"
        ),
    }
}

/// The entrypoint script (`docker-entrypoint.sh`, `/entrypoint`) that `argv` runs the
/// generated command's program through, when its next word is that program.
fn wrapper_script<'a>(argv: &'a [String], generated: &[String]) -> Option<&'a str> {
    let [script, next, ..] = argv else {
        return None;
    };
    let program = base(generated.first()?);
    let name = base(script);
    (name != program
        && (name.ends_with(".sh") || name.contains("entrypoint"))
        && base(next) == program)
        .then_some(name)
}

/// `sh -c "update-ca-certificates && kellnr start"` (kellnr's ENTRYPOINT): when a shell's
/// script ends by running the generated command's program with plain words (no variable, no
/// pipe or redirection), the steps before it and that last command.
fn shell_last_step(argv: &[String], generated: &[String]) -> Option<(String, Vec<String>)> {
    let [shell, flag, script] = argv else {
        return None;
    };
    if !["sh", "bash", "ash", "dash"].contains(&base(shell)) || flag != "-c" {
        return None;
    }
    let steps: Vec<&str> = script
        .split("&&")
        .flat_map(|s| s.split(';'))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let (last, before) = steps.split_last()?;
    if before.is_empty() || last.contains(['$', '|', '>', '<', '`']) {
        return None;
    }
    let words = shlex::split(last.strip_prefix("exec ").unwrap_or(last))?;
    let program = generated.first()?;
    (words.first().map(|w| base(w)) == Some(base(program))).then(|| (before.join(" && "), words))
}

/// When `argv` runs the generated command's program on the same entry: its options (between
/// the program and the entry) and its arguments (after the entry).
fn same_entry<'a>(
    argv: &'a [String],
    generated: &[String],
    hand_workdir: &str,
    generated_workdir: &str,
) -> Option<(&'a [String], &'a [String])> {
    let program = generated.first()?;
    if base(&argv[0]) != base(program) {
        return None;
    }
    // A binary (Cargo): everything after it is an argument.
    if generated.len() == 1 {
        return Some((&[], &argv[1..]));
    }
    let entry = generated.last()?;
    let relative = entry
        .strip_prefix(&format!("{generated_workdir}/"))
        .unwrap_or(entry);
    let mut i = 1;
    while i < argv.len() && argv[i].starts_with('-') {
        i += if NODE_VALUE_OPTIONS.contains(&argv[i].as_str()) {
            2
        } else {
            1
        };
    }
    let file = argv.get(i)?;
    let abs = super::join(hand_workdir, file);
    let matches = |p: &str| p == entry || p.ends_with(&format!("/{relative}"));
    (generated.len() == 2 && (matches(&abs) || matches(&format!("{abs}.js"))))
        .then(|| (&argv[1..i], &argv[i + 1..]))
}

/// A command as a TOML list.
fn shown(argv: &[String]) -> String {
    toml_edit::Array::from_iter(argv)
        .to_string()
        .trim()
        .to_string()
}
