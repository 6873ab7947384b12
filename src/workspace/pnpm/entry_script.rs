//! An entrypoint shell script (`"start": "sh ./entrypoint.sh"`, `./docker-entrypoint.sh`,
//! `bash scripts/start.sh`) read as a list of commands: the steps it runs first (`npx prisma
//! migrate deploy`, `node dist/migrate.js`), each with its line, and the service it ends with
//! (`exec node dist/main.js`). Both `isogen generate` (what to ship, what the steps need) and
//! `isogen verify` (what the container ends up running) read a script this way.
//!
//! Only a plain script is read: one simple command per line (or several joined by `&&`),
//! comments, `set` options, `export NAME=value`; the last command `exec node ...` (or `node
//! ...`). A line with anything a reader cannot follow without running a shell (expansions,
//! `$(...)`, pipes, redirections, `;`, `if`/`for`/`case`, functions, `cd`, `source`, a line
//! continued with `\`) is returned as unread, with its number, and the script has no service.
//! Pure text work (`shlex` splits the words); it never runs a shell.

/// One command of the script: its words and its line (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptCommand {
    pub line: usize,
    pub words: Vec<String>,
}

/// What a script runs (see the module doc).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScriptShape {
    /// The commands before the service, in order (`export` and `echo` lines included).
    pub steps: Vec<ScriptCommand>,
    /// The last command when it runs node (`exec` removed; the words start with `node`).
    pub service: Option<ScriptCommand>,
    /// Whether the service line is `exec node ...` (node replaces the shell, so it gets the
    /// container's signals).
    pub exec: bool,
    /// Lines it could not read, with their number and text.
    pub unread: Vec<(usize, String)>,
}

/// A package's entrypoint script as discovery read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryScript {
    /// The script, relative to the package folder (`entrypoint.sh`, `scripts/start.sh`).
    pub path: String,
    /// The shell that runs it: `bash` when the start script or its `#!` line says so, else
    /// `sh`.
    pub shell: String,
    /// The arguments the start script gives it.
    pub args: Vec<String>,
    /// What it runs; `Err` with the reason when it could not be read.
    pub shape: std::result::Result<ScriptShape, String>,
}

impl EntryScript {
    /// Reads the script from its text (`Err`: why it could not be read), run by `shell` (the
    /// start script's program, `None` when the script runs itself).
    pub fn new(
        path: &str,
        shell: Option<&str>,
        args: &[String],
        text: std::result::Result<String, String>,
    ) -> EntryScript {
        let shebang = text
            .as_ref()
            .ok()
            .and_then(|t| t.lines().next())
            .and_then(|l| l.strip_prefix("#!"))
            .unwrap_or_default();
        let bash = match shell {
            Some(s) => s == "bash",
            None => shebang.split_whitespace().any(|w| w.ends_with("bash")),
        };
        EntryScript {
            path: path.to_string(),
            shell: if bash { "bash" } else { "sh" }.to_string(),
            args: args.to_vec(),
            shape: text.map(|t| read(&t)),
        }
    }
}

/// Programs a plain entrypoint script runs that every image with a shell has (shell builtins
/// and the usual utilities).
pub const SHELL_PROGRAMS: &[&str] = &[
    "echo", "printf", "export", "sleep", "true", "false", "test", "[", "mkdir", "env", "cat", "ls",
    "cp", "mv", "rm", "touch", "chmod", "date", "unset", "umask", "wait",
];

/// Shell words that start something a reader cannot follow line by line.
const UNREAD_WORDS: &[&str] = &[
    "if", "then", "else", "elif", "fi", "for", "while", "until", "do", "done", "case", "esac",
    "function", "cd", "pushd", "popd", "source", ".", "eval", "trap", "return", "exit", "shift",
];

/// Reads `text` (the script's contents) as a [`ScriptShape`].
pub fn read(text: &str) -> ScriptShape {
    let mut shape = ScriptShape::default();
    let mut commands = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match line_commands(line) {
            Some(cs) => commands.extend(
                cs.into_iter()
                    .map(|words| ScriptCommand { line: i + 1, words }),
            ),
            None => shape.unread.push((i + 1, line.to_string())),
        }
    }
    let Some(mut last) = commands.pop() else {
        return shape;
    };
    let exec = last.words.first().is_some_and(|w| w == "exec");
    if exec {
        last.words.remove(0);
    }
    if shape.unread.is_empty() && last.words.first().is_some_and(|w| w == "node") {
        shape.exec = exec;
        shape.service = Some(last);
    } else {
        commands.push(last);
    }
    shape.steps = commands;
    shape
}

/// The commands of one line (split at `&&`), without `set` options; `None` when the line is
/// not a plain command list.
fn line_commands(line: &str) -> Option<Vec<Vec<String>>> {
    if line.contains(['$', '`', '|', ';', '<', '>', '(', ')', '{', '}', '\\']) {
        return None;
    }
    let words = shlex::split(line)?;
    let separators = words.iter().filter(|w| *w == "&&").count();
    if line.matches('&').count() != 2 * separators {
        return None;
    }
    let mut out = Vec::new();
    for command in words.split(|w| w == "&&") {
        let first = command.first()?;
        if UNREAD_WORDS.contains(&first.as_str()) || first.ends_with("()") {
            return None;
        }
        if first == "set" {
            continue;
        }
        out.push(command.to_vec());
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_script_is_steps_then_the_exec_node_service() {
        let shape = read(
            "#!/bin/sh\nset -e\n\n# migrate first\nnpx prisma migrate deploy\nnode dist/seed.js && echo seeded\nexport PORT=3000\nexec node --enable-source-maps dist/main.js\n",
        );
        let words = |c: &ScriptCommand| (c.line, c.words.join(" "));
        assert_eq!(
            shape.steps.iter().map(words).collect::<Vec<_>>(),
            vec![
                (5, "npx prisma migrate deploy".to_string()),
                (6, "node dist/seed.js".to_string()),
                (6, "echo seeded".to_string()),
                (7, "export PORT=3000".to_string()),
            ]
        );
        assert_eq!(
            shape.service.as_ref().map(words),
            Some((8, "node --enable-source-maps dist/main.js".to_string()))
        );
        assert!(shape.exec && shape.unread.is_empty());
    }

    #[test]
    fn a_script_a_reader_cannot_follow_has_no_service_and_names_the_lines() {
        let shape = read("#!/bin/sh\nif [ -n \"$DB\" ]; then\n  npx prisma migrate deploy\nfi\nexec node dist/main.js\n");
        assert_eq!(shape.service, None);
        assert_eq!(
            shape.unread,
            vec![
                (2, "if [ -n \"$DB\" ]; then".to_string()),
                (4, "fi".to_string())
            ]
        );
        for other in [
            "cd dist\nexec node main.js",
            "exec \"$@\"",
            "exec node dist/a.js | tee log",
        ] {
            assert_eq!(read(other).service, None, "{other}");
        }
        // Ends with something else than node: no service.
        let shape = read("node dist/migrate.js\nexec nginx\n");
        assert_eq!(shape.service, None);
        assert_eq!(shape.steps.len(), 2);
    }
}
