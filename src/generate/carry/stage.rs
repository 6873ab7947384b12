//! The run-time instructions of a Dockerfile's final stage (and of the stages it is built
//! `FROM`, whose settings it inherits), read with the `parse-dockerfile` crate, which follows
//! BuildKit's syntax: parser directives (`# escape=`), line continuations, JSON (exec) and
//! shell forms, here-documents.
//!
//! Pure text work: it never reads files and never decides what to keep (see the parent module).

use parse_dockerfile::{Command, HealthcheckArguments, Instruction, JsonOrStringArray};

/// A command as written: exec form (a JSON list) or shell form (one line for `/bin/sh -c`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Form {
    Exec(Vec<String>),
    Shell(String),
}

/// One run-time instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum What {
    /// `ENV`: its `name=value` pairs, or why they could not be read.
    Env(Result<Vec<(String, String)>, String>),
    Expose(Vec<String>),
    /// `HEALTHCHECK`: its flags and command; `None` for `HEALTHCHECK NONE`.
    Healthcheck(Option<(Vec<(String, String)>, Form)>),
    Volume(Vec<String>),
    User(String),
    Workdir(String),
    Entrypoint(Form),
    Cmd(Form),
    /// `COPY`/`ADD` from the build context (no `--from`): its sources (here-documents left
    /// out) and destination.
    CopyContext(Vec<String>, String),
    StopSignal(String),
    /// `ARG` of a build stage: its names with their defaults, or why they could not be read.
    Arg(Result<Vec<(String, Option<String>)>, String>),
    /// A build stage's `RUN` that runs `cargo build` or `cargo install`: the feature flags it
    /// passes.
    CargoBuild(CargoBuild),
}

/// What one `cargo build`/`cargo install` of a hand-written build stage passes (oxigraph's
/// `cargo build --release -p oxigraph-cli --no-default-features --features rustls-webpki`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CargoBuild {
    /// `-p`/`--package`, when given.
    pub package: Option<String>,
    /// `--bin`s, when given.
    pub bins: Vec<String>,
    /// Every feature of `--features`/`-F` (comma- or space-separated), in order.
    pub features: Vec<String>,
    pub no_default_features: bool,
    pub all_features: bool,
}

/// The `cargo build`/`cargo install` commands of a shell-form `RUN` (words split as the shell
/// splits them, by `shlex`; a command ends at `&&`, `||`, `;` (a word's last character
/// too) or `|`). Only those that pass a
/// feature flag: the others build as the generated stage does.
pub fn cargo_builds(command: &str) -> Vec<CargoBuild> {
    match shlex::split(command) {
        Some(split) => cargo_builds_of(split),
        None => Vec::new(),
    }
}

/// The `cargo build`/`cargo install` commands of an exec-form `RUN` (`RUN ["cargo", "build",
/// "--features", "tls"]`, run as listed, no shell), or of the script a shell runs with `-c`
/// (`RUN ["/bin/sh", "-c", "cargo build -F tls"]`).
pub fn cargo_builds_exec(list: &[String]) -> Vec<CargoBuild> {
    let shell = |w: &str| {
        matches!(
            w.rsplit('/').next(),
            Some("sh" | "bash" | "dash" | "ash" | "zsh")
        )
    };
    match list {
        [sh, c, script, ..] if shell(sh) && c == "-c" => cargo_builds(script),
        _ => cargo_builds_of(list.to_vec()),
    }
}

fn cargo_builds_of(split: Vec<String>) -> Vec<CargoBuild> {
    // `srv;` is `srv` and the end of the command.
    let mut words = Vec::with_capacity(split.len());
    for w in split {
        match w.strip_suffix(';').filter(|s| !s.is_empty()) {
            Some(word) => words.extend([word.to_string(), ";".to_string()]),
            None => words.push(w),
        }
    }
    let mut out = Vec::new();
    let mut commands = words.split(|w| matches!(w.as_str(), "&&" | "||" | ";" | "|"));
    for command in &mut commands {
        let Some(at) = command.iter().position(|w| w == "cargo") else {
            continue;
        };
        let rest = &command[at + 1..];
        if !matches!(
            rest.first().map(String::as_str),
            Some("build" | "b" | "install")
        ) {
            continue;
        }
        let mut build = CargoBuild::default();
        let mut words = rest[1..].iter();
        while let Some(w) = words.next() {
            let (flag, inline) = match w.split_once('=') {
                Some((f, v)) if f.starts_with('-') => (f, Some(v.to_string())),
                _ => (w.as_str(), None),
            };
            let mut value = || inline.clone().or_else(|| words.next().cloned());
            match flag {
                "--features" | "-F" => {
                    let v = value().unwrap_or_default();
                    build.features.extend(
                        v.split([',', ' '])
                            .filter(|f| !f.is_empty())
                            .map(str::to_string),
                    );
                }
                "--no-default-features" => build.no_default_features = true,
                "--all-features" => build.all_features = true,
                "-p" | "--package" => build.package = value(),
                "--bin" => build.bins.extend(value()),
                _ => {}
            }
        }
        if !build.features.is_empty() || build.no_default_features || build.all_features {
            out.push(build);
        }
    }
    out
}

/// One instruction, where it is and how it reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// 1-based line of its keyword.
    pub line: usize,
    /// The instruction on one line (continuations joined), shortened.
    pub text: String,
    pub what: What,
}

/// The final stage, with the run-time instructions of its chain of stages in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FinalStage {
    /// The image the chain starts from (`node:20-slim`, `gcr.io/distroless/cc-debian12`).
    pub base: String,
    pub found: Vec<Found>,
    /// The `ARG`s of the build stages the final stage copies from (`COPY --from=builder`),
    /// and of the stages those are built from or copy from, outside the final stage's own
    /// chain: what the hand-written build reads at build time (Cap's `ARG
    /// NEXT_PUBLIC_DOCKER_BUILD=true`, which its `next build` reads). A stage's `ARG NAME`
    /// without a default takes the global `ARG`'s. Their `ENV`s too (`ENV SQLX_OFFLINE=true`,
    /// `ENV RUSTFLAGS=...`: what the build's commands read the same way).
    pub build_args: Vec<Found>,
    /// The defaults of the chain's own `ARG`s, a stage's `ARG NAME` without one taking the
    /// global `ARG`'s (a later one of a name over an earlier): what `$NAME` in its `COPY`
    /// sources stands for (symbolicator's `COPY ${BINARY} /bin/symbolicator`).
    pub args: Vec<(String, String)>,
}

/// Reads `text`; the error is `line N: what the parser expected`.
pub fn final_stage(text: &str) -> Result<FinalStage, String> {
    service_stage(text, None)
}

/// Like [`final_stage`], but in a Dockerfile with one target per service (shadowsocks'
/// `FROM alpine AS sslocal` and `FROM alpine AS ssserver`, built with `--target`), the stage
/// named `service`, when no later stage builds on it or copies from it; the final stage
/// otherwise.
pub fn service_stage(text: &str, service: Option<&str>) -> Result<FinalStage, String> {
    let file = parse_dockerfile::parse(text)
        .map_err(|e| format!("line {}: it does not parse as a Dockerfile ({e})", e.line()))?;
    let escape = file
        .parser_directives
        .escape
        .as_ref()
        .map_or('\\', |d| d.value.value);
    let stages: Vec<_> = file.stages().collect();
    let Some(last) = stages.len().checked_sub(1) else {
        return Err("line 1: it has no FROM".into());
    };
    let last = service
        .and_then(|name| target_stage(text, &stages, name))
        .unwrap_or(last);
    // The chain: the final stage, the stage it is `FROM`, and so on (a stage can only name
    // an earlier one, so this ends).
    let mut chain = vec![last];
    loop {
        let current = chain[chain.len() - 1];
        let image = stages[current].from.image.value.to_ascii_lowercase();
        let parent = (0..current).rev().find(|&i| {
            stages[i]
                .from
                .as_
                .as_ref()
                .is_some_and(|(_, name)| name.value.to_ascii_lowercase() == image)
        });
        match parent {
            Some(p) => chain.push(p),
            None => break,
        }
    }
    chain.reverse();
    let base = resolve_args(&stages[chain[0]].from.image.value, &file);
    let mut found = Vec::new();
    for &i in &chain {
        for instruction in stages[i].instructions {
            if let Some(f) = read(text, instruction, escape) {
                found.push(f);
            }
        }
    }
    let build_args = build_stage_args(text, &file, &stages, &chain, escape);
    let globals: Vec<(String, Option<String>)> = file
        .global_args()
        .filter_map(|a| arg_pairs(&a.arguments.value, escape).ok())
        .flatten()
        .collect();
    let mut args: Vec<(String, String)> = Vec::new();
    for &i in &chain {
        for instruction in stages[i].instructions {
            let Instruction::Arg(a) = instruction else {
                continue;
            };
            for (name, value) in arg_pairs(&a.arguments.value, escape).unwrap_or_default() {
                let global = || globals.iter().find(|(g, _)| *g == name)?.1.clone();
                if let Some(value) = value.or_else(global) {
                    args.retain(|(n, _)| *n != name);
                    args.push((name, value));
                }
            }
        }
    }
    Ok(FinalStage {
        base,
        found,
        build_args,
        args,
    })
}

/// The `ARG`s of the stages the chain `chain` copies from (transitively, with the stages
/// those are built from), in the file's order; see [`FinalStage::build_args`].
fn build_stage_args(
    text: &str,
    file: &parse_dockerfile::Dockerfile<'_>,
    stages: &[parse_dockerfile::Stage<'_, '_>],
    chain: &[usize],
    escape: char,
) -> Vec<Found> {
    let named = |name: &str| -> Option<usize> {
        let name = name.to_ascii_lowercase();
        (stages.iter().position(|st| {
            (st.from.as_.as_ref()).is_some_and(|(_, n)| n.value.to_ascii_lowercase() == name)
        }))
        .or_else(|| name.parse::<usize>().ok().filter(|&i| i < stages.len()))
    };
    let mut reached = vec![false; stages.len()];
    let mut todo: Vec<usize> = chain.to_vec();
    while let Some(i) = todo.pop() {
        if std::mem::replace(&mut reached[i], true) {
            continue;
        }
        todo.extend(named(&stages[i].from.image.value).filter(|&p| p < i));
        for instruction in stages[i].instructions {
            let options = match instruction {
                Instruction::Copy(c) => &c.options,
                Instruction::Add(a) => &a.options,
                _ => continue,
            };
            let from = options
                .iter()
                .find(|f| f.name.value.eq_ignore_ascii_case("from"))
                .and_then(|f| f.value.as_ref());
            todo.extend(from.and_then(|v| named(&v.value)).filter(|&p| p < i));
        }
    }
    let globals: Vec<(String, Option<String>)> = file
        .global_args()
        .filter_map(|a| arg_pairs(&a.arguments.value, escape).ok())
        .flatten()
        .collect();
    let mut out = Vec::new();
    for (i, stage) in stages.iter().enumerate() {
        if !reached[i] || chain.contains(&i) {
            continue;
        }
        for instruction in stage.instructions {
            if let Instruction::Env(e) = instruction {
                let (start, end) = (e.env.span.start, e.arguments.span.end);
                out.push(Found {
                    line: text[..start.min(text.len())].matches('\n').count() + 1,
                    text: one_line(text.get(start..end).unwrap_or_default(), escape),
                    what: What::Env(env_pairs(&e.arguments.value, escape)),
                });
                continue;
            }
            if let Instruction::Run(r) = instruction {
                let (builds, end) = match &r.arguments {
                    Command::Shell(command) => (
                        cargo_builds(&one_line_full(command.value, escape)),
                        command.span.end,
                    ),
                    Command::Exec(list) => {
                        let words: Vec<String> =
                            list.value.iter().map(|w| w.value.to_string()).collect();
                        (cargo_builds_exec(&words), list.span.end)
                    }
                    _ => (Vec::new(), 0),
                };
                let start = r.run.span.start;
                for build in builds {
                    out.push(Found {
                        line: text[..start.min(text.len())].matches('\n').count() + 1,
                        text: one_line(text.get(start..end).unwrap_or_default(), escape),
                        what: What::CargoBuild(build),
                    });
                }
                continue;
            }
            let Instruction::Arg(a) = instruction else {
                continue;
            };
            let pairs = arg_pairs(&a.arguments.value, escape).map(|pairs| {
                pairs
                    .into_iter()
                    .map(|(name, value)| {
                        let global = || globals.iter().find(|(g, _)| *g == name)?.1.clone();
                        let value = value.or_else(global);
                        (name, value)
                    })
                    .collect()
            });
            let (start, end) = (a.arg.span.start, a.arguments.span.end);
            out.push(Found {
                line: text[..start.min(text.len())].matches('\n').count() + 1,
                text: one_line(text.get(start..end).unwrap_or_default(), escape),
                what: What::Arg(pairs),
            });
        }
    }
    out
}

/// `ARG`'s names and defaults: `A B=1 C="two words"`, split into words as BuildKit does (see
/// [`env_pairs`]).
fn arg_pairs(arguments: &str, escape: char) -> Result<Vec<(String, Option<String>)>, String> {
    if escape != '\\' && arguments.contains(escape) {
        return Err(format!("it uses the escape character {escape:?}"));
    }
    let words = shlex::split(arguments).ok_or("its quotes do not close")?;
    words
        .iter()
        .map(|w| match w.split_once('=') {
            Some((k, v)) if !k.is_empty() => Ok((k.to_string(), Some(v.to_string()))),
            None if !w.is_empty() => Ok((w.clone(), None)),
            _ => Err(format!("`{w}` is not name=value")),
        })
        .collect()
}

/// The index of the stage named `name` (case-insensitive) that no later stage builds on
/// (`FROM name`) or copies from (`--from=name`): a target of its own.
fn target_stage(
    text: &str,
    stages: &[parse_dockerfile::Stage<'_, '_>],
    name: &str,
) -> Option<usize> {
    let name = name.to_ascii_lowercase();
    let at = stages.iter().position(|st| {
        st.from
            .as_
            .as_ref()
            .is_some_and(|(_, n)| n.value.to_ascii_lowercase() == name)
    })?;
    let later = &stages[at + 1..];
    let built_on = later
        .iter()
        .any(|st| st.from.image.value.to_ascii_lowercase() == name);
    let copied = text
        .to_ascii_lowercase()
        .contains(&format!("--from={name}"));
    (!built_on && !copied).then_some(at)
}

fn read(text: &str, instruction: &Instruction<'_>, escape: char) -> Option<Found> {
    let (start, end, what) = match instruction {
        Instruction::Env(i) => (
            i.env.span.start,
            i.arguments.span.end,
            What::Env(env_pairs(&i.arguments.value, escape)),
        ),
        Instruction::Expose(i) => (
            i.expose.span.start,
            i.arguments.last().map_or(i.expose.span.end, |a| a.span.end),
            What::Expose(i.arguments.iter().map(|a| a.value.to_string()).collect()),
        ),
        Instruction::Healthcheck(i) => {
            let flags = i
                .options
                .iter()
                .map(|f| {
                    let value = f
                        .value
                        .as_ref()
                        .map_or(String::new(), |v| v.value.to_string());
                    (f.name.value.to_string(), value)
                })
                .collect();
            let (end, what) = match &i.arguments {
                HealthcheckArguments::Cmd { arguments, .. } => {
                    let (end, form) = form(arguments, escape)?;
                    (end, Some((flags, form)))
                }
                HealthcheckArguments::None { none, .. } => (none.span.end, None),
                _ => return None,
            };
            (i.healthcheck.span.start, end, What::Healthcheck(what))
        }
        Instruction::Volume(i) => {
            let (end, paths) = match &i.arguments {
                JsonOrStringArray::Json(list) => (
                    list.span.end,
                    list.value.iter().map(|s| s.value.to_string()).collect(),
                ),
                JsonOrStringArray::String(list) => (
                    list.last().map_or(i.volume.span.end, |a| a.span.end),
                    list.iter().map(|s| s.value.to_string()).collect(),
                ),
            };
            (i.volume.span.start, end, What::Volume(paths))
        }
        Instruction::User(i) => (
            i.user.span.start,
            i.arguments.span.end,
            What::User(i.arguments.value.trim().to_string()),
        ),
        Instruction::Workdir(i) => (
            i.workdir.span.start,
            i.arguments.span.end,
            What::Workdir(i.arguments.value.trim().to_string()),
        ),
        Instruction::Entrypoint(i) => {
            let (end, form) = form(&i.arguments, escape)?;
            (i.entrypoint.span.start, end, What::Entrypoint(form))
        }
        Instruction::Cmd(i) => {
            let (end, form) = form(&i.arguments, escape)?;
            (i.cmd.span.start, end, What::Cmd(form))
        }
        // What another stage or image built is replaced by isogen's own stages; a file of
        // the build context is the hand-written image's own run-time file.
        Instruction::Copy(i) if !has_from(&i.options) => (
            i.copy.span.start,
            i.dest.span.end,
            What::CopyContext(sources(&i.src), i.dest.value.trim().to_string()),
        ),
        Instruction::Add(i) if !has_from(&i.options) => (
            i.add.span.start,
            i.dest.span.end,
            What::CopyContext(sources(&i.src), i.dest.value.trim().to_string()),
        ),
        Instruction::Stopsignal(i) => (
            i.stopsignal.span.start,
            i.arguments.span.end,
            What::StopSignal(i.arguments.value.trim().to_string()),
        ),
        _ => return None,
    };
    Some(Found {
        line: text[..start.min(text.len())].matches('\n').count() + 1,
        text: one_line(text.get(start..end).unwrap_or_default(), escape),
        what,
    })
}

fn sources(src: &[parse_dockerfile::Source<'_>]) -> Vec<String> {
    src.iter()
        .filter_map(|s| match s {
            parse_dockerfile::Source::Path(p) => Some(p.value.trim().to_string()),
            _ => None,
        })
        .collect()
}

/// Whether `COPY`/`ADD` copies from a stage or an image (`--from=`).
fn has_from(options: &[parse_dockerfile::Flag<'_>]) -> bool {
    options
        .iter()
        .any(|f| f.name.value.eq_ignore_ascii_case("from"))
}

/// `image` with `${NAME}`/`$NAME` replaced by the defaults of the global `ARG`s (unknown
/// names stay as written).
fn resolve_args(image: &str, file: &parse_dockerfile::Dockerfile<'_>) -> String {
    let mut out = image.to_string();
    for arg in file.global_args() {
        if let Some((name, default)) = arg.arguments.value.split_once('=') {
            let default = default.trim_matches('"');
            out = out
                .replace(&format!("${{{name}}}"), default)
                .replace(&format!("${name}"), default);
        }
    }
    out
}

/// A command's end offset and form. In shell form, a line continuation (the escape character
/// and the line break) is removed and the next line appended as it is, as BuildKit does.
/// (`None` only for a form a later version of the parser adds.)
fn form(command: &Command<'_>, escape: char) -> Option<(usize, Form)> {
    match command {
        Command::Exec(list) => Some((
            list.span.end,
            Form::Exec(list.value.iter().map(|s| s.value.to_string()).collect()),
        )),
        Command::Shell(line) => {
            let joined = line
                .value
                .replace(&format!("{escape}\r\n"), "")
                .replace(&format!("{escape}\n"), "");
            Some((line.span.end, Form::Shell(joined.trim().to_string())))
        }
        _ => None,
    }
}

/// `source` with its line continuations joined and its whitespace runs made single spaces.
fn one_line_full(source: &str, escape: char) -> String {
    let joined = source.replace(&format!("{escape}\r\n"), " ");
    let joined = joined.replace(&format!("{escape}\n"), " ");
    let words: Vec<&str> = joined.split_whitespace().collect();
    words.join(" ")
}

/// The instruction's source on one line: continuations joined, whitespace squeezed, at most
/// 72 characters.
fn one_line(source: &str, escape: char) -> String {
    let line = one_line_full(source, escape);
    if line.chars().count() > 72 {
        let short: String = line.chars().take(71).collect();
        format!("{short}…")
    } else {
        line
    }
}

/// `ENV`'s pairs: `a=1 b="two words"`, or the legacy `ENV name value with spaces`. Quotes and
/// backslash escapes are removed as BuildKit's word splitting does; a Dockerfile whose escape
/// character is not `\` is read only when the value does not use it.
pub(super) fn env_pairs(arguments: &str, escape: char) -> Result<Vec<(String, String)>, String> {
    if escape != '\\' && arguments.contains(escape) {
        return Err(format!("it uses the escape character {escape:?}"));
    }
    let words = shlex::split(arguments).ok_or("its quotes do not close")?;
    let Some(first) = words.first() else {
        return Err("it sets nothing".into());
    };
    if !first.contains('=') {
        // Legacy form: the first word is the name, the rest of the line its value.
        let rest = arguments.trim_start()[first.len()..].trim();
        let value = shlex::split(rest)
            .ok_or("its quotes do not close")?
            .join(" ");
        return Ok(vec![(first.clone(), value)]);
    }
    words
        .iter()
        .map(|w| match w.split_once('=') {
            Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
            _ => Err(format!("`{w}` is not name=value")),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_final_stage_inherits_from_the_stage_it_is_built_from() {
        let text = "ARG SLIM=node:20-slim\nFROM node:20 AS base\nENV A=1\nFROM base AS build\nRUN x\nFROM ${SLIM} AS run-base\nENV B=2 \\\n    C=\"two words\"\nFROM run-base\nEXPOSE 3000/tcp 9229\nCMD [\"node\", \"dist/main.js\"]\n";
        let stage = final_stage(text).unwrap();
        assert_eq!(stage.base, "node:20-slim");
        let lines: Vec<(usize, &str)> = stage
            .found
            .iter()
            .map(|f| (f.line, f.text.as_str()))
            .collect();
        assert_eq!(
            lines,
            [
                (7, "ENV B=2 C=\"two words\""),
                (10, "EXPOSE 3000/tcp 9229"),
                (11, "CMD [\"node\", \"dist/main.js\"]"),
            ]
        );
        assert_eq!(
            stage.found[0].what,
            What::Env(Ok(vec![
                ("B".into(), "2".into()),
                ("C".into(), "two words".into())
            ]))
        );
    }

    #[test]
    fn escape_directive_legacy_env_heredocs_and_shell_forms() {
        let text = "# escape=`\nFROM alpine\nRUN <<EOF\nCMD [\"not\", \"this\"]\nEOF\nENV NAME some value\nHEALTHCHECK --interval=30s CMD wget -q `\n  http://localhost/\nCMD node dist/main.js\n";
        let stage = final_stage(text).unwrap();
        let whats: Vec<&What> = stage.found.iter().map(|f| &f.what).collect();
        assert_eq!(
            whats,
            [
                &What::Env(Ok(vec![("NAME".into(), "some value".into())])),
                &What::Healthcheck(Some((
                    vec![("interval".into(), "30s".into())],
                    Form::Shell("wget -q   http://localhost/".into())
                ))),
                &What::Cmd(Form::Shell("node dist/main.js".into())),
            ]
        );
        assert_eq!(
            stage.found[1].text,
            "HEALTHCHECK --interval=30s CMD wget -q http://localhost/"
        );
    }

    #[test]
    fn a_broken_file_names_the_line() {
        let err = final_stage("FROM a\nCMD [\"x\"\nENV\n").unwrap_err();
        assert!(err.starts_with("line "), "{err}");
    }

    #[test]
    fn cargo_builds_are_read_as_the_shell_splits_them() {
        let got = cargo_builds(
            "cargo fetch && cargo build --release --package=srv -F 'a b' --features c,d --bin srv; \
             cargo test --features x | tee log && cargo install --path . --no-default-features",
        );
        assert_eq!(
            got,
            [
                CargoBuild {
                    package: Some("srv".into()),
                    bins: vec!["srv".into()],
                    features: vec!["a".into(), "b".into(), "c".into(), "d".into()],
                    ..CargoBuild::default()
                },
                CargoBuild {
                    no_default_features: true,
                    ..CargoBuild::default()
                },
            ]
        );
        // A plain build passes nothing to keep; an unbalanced quote reads as nothing.
        assert_eq!(cargo_builds("cargo build --release"), []);
        assert_eq!(cargo_builds("cargo build --features 'x"), []);
    }

    #[test]
    fn an_exec_form_run_is_read_as_its_words_or_as_the_script_of_sh_c() {
        let words = |list: &[&str]| -> Vec<String> { list.iter().map(|w| w.to_string()).collect() };
        let tls = CargoBuild {
            features: vec!["tls".into()],
            ..CargoBuild::default()
        };
        assert_eq!(
            cargo_builds_exec(&words(&["cargo", "build", "--features", "tls"])),
            std::slice::from_ref(&tls)
        );
        assert_eq!(
            cargo_builds_exec(&words(&[
                "/bin/sh",
                "-c",
                "cargo fetch && cargo build -F tls"
            ])),
            [tls]
        );
        // Without a shell, `&&` is a word like any other: still one command.
        assert_eq!(
            cargo_builds_exec(&words(&["cargo", "build", "--release"])),
            []
        );
    }
}
