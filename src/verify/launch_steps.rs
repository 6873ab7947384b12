//! The one shell command verify reads through: `sh -c "<node step> && ... && exec node
//! <script>"`, which `isogen generate` writes for a start script that runs steps before the
//! service (`node dist/migrate.js && node dist/server.js`). Each step runs to completion, then
//! `exec` replaces the shell with the service, so the service is the container's process and
//! gets its signals, as when CMD runs node directly.
//!
//! Only that exact shape is read, optionally after a leading `cd <dir>` (a relative folder,
//! which the node scripts after it are relative to: `cd bin && exec node ./run start`, as
//! generate writes for a start script that runs its launcher from there): every step a
//! `node` command (behind `NAME=value` assignments), the last one behind `exec`, nothing but `&&` between them, no expansion,
//! pipe, redirection or other operator. Anything else stays a shell command (the
//! `entrypoint-shell` finding). This module splits words (`shlex`); it never runs a shell.

use crate::workspace::shell::is_assignment;

/// The words of each step of `command` (assignments and the last step's `exec` removed, so
/// each starts with `node`), when it has the shape above; `None` otherwise (also for a single
/// step, which is not a chain).
pub fn node_steps(command: &str) -> Option<Vec<Vec<String>>> {
    if command.contains(['|', ';', '$', '`', '>', '<', '\n', '(', ')']) {
        return None;
    }
    let words = shlex::split(command)?;
    let separators = words.iter().filter(|w| *w == "&&").count();
    if separators == 0 || command.matches('&').count() != 2 * separators {
        return None;
    }
    let mut steps: Vec<&[String]> = words.split(|w| w == "&&").collect();
    let dir = steps.first().and_then(|s| cd_dir(s));
    if dir.is_some() {
        steps.remove(0);
    }
    let last = steps.len() - 1;
    let mut out = Vec::new();
    for (i, step) in steps.into_iter().enumerate() {
        let mut step = step
            .iter()
            .skip_while(|w| is_assignment(w))
            .cloned()
            .collect::<Vec<_>>();
        if i == last {
            if step.first().map(String::as_str) != Some("exec") {
                return None;
            }
            step.remove(0);
        }
        let program = step.first()?;
        if super::fs::basename(program) != "node" {
            return None;
        }
        if let Some(dir) = &dir {
            in_dir(&mut step, dir);
        }
        out.push(step);
    }
    Some(out)
}

/// The folder of a leading `cd <dir>` step (`cd bin && exec node ./run start`, which
/// generate writes for a start script that moves to its launcher's folder), when it is a
/// plain relative folder inside the working directory.
fn cd_dir(step: &[String]) -> Option<String> {
    let [cd, dir] = step else {
        return None;
    };
    let dir = dir.trim_start_matches("./").trim_end_matches('/');
    let plain = !dir.is_empty()
        && !dir.starts_with(['/', '-', '~'])
        && !dir
            .split('/')
            .any(|s| s == ".." || s == "." || s.is_empty());
    (cd == "cd" && plain).then(|| dir.to_string())
}

/// The node step `step` as run from the working directory: its script (the first word
/// after node's options) relative to `dir` when it is a relative path.
fn in_dir(step: &mut [String], dir: &str) {
    const VALUE_OPTIONS: &[&str] = &["-r", "--require", "--import", "--loader", "-C"];
    let mut i = 1;
    while let Some(w) = step.get(i) {
        if VALUE_OPTIONS.contains(&w.as_str()) {
            i += 2;
        } else if w.starts_with('-') {
            i += 1;
        } else {
            break;
        }
    }
    if let Some(script) = step.get_mut(i).filter(|w| !w.starts_with('/')) {
        *script = format!("{dir}/{}", script.trim_start_matches("./"));
    }
}

#[cfg(test)]
mod tests {
    use super::node_steps;

    #[test]
    fn node_steps_then_exec_node_is_read_and_nothing_else() {
        let steps = node_steps(
            "DB=./data/app.db node dist/migrate.js up && exec node -r dotenv/config /app/api/dist/server.js",
        )
        .unwrap();
        assert_eq!(
            steps,
            vec![
                vec!["node", "dist/migrate.js", "up"],
                vec!["node", "-r", "dotenv/config", "/app/api/dist/server.js"],
            ]
        );
        assert_eq!(
            node_steps("cd bin/ && exec node ./run start").unwrap(),
            vec![vec!["node", "bin/run", "start"]]
        );
        assert_eq!(
            node_steps("cd bin && node -r ./x.js m.js && exec node /abs/s.js").unwrap(),
            vec![
                vec!["node", "-r", "./x.js", "bin/m.js"],
                vec!["node", "/abs/s.js"]
            ]
        );
        for other in [
            "cd .. && exec node ./run start",
            "cd /srv && exec node ./run start",
            "cd bin && ./run start",
            "cd bin && exec sh ./run start",
            "node dist/server.js",
            "node dist/migrate.js && node dist/server.js",
            "prisma migrate deploy && exec node dist/server.js",
            "node dist/migrate.js; exec node dist/server.js",
            "node dist/migrate.js && exec node $ENTRY",
            "node dist/migrate.js & exec node dist/server.js",
            "node dist/migrate.js || exec node dist/server.js",
        ] {
            assert_eq!(node_steps(other), None, "{other}");
        }
    }
}
