//! The env files a start script loads when it runs: dotenv-cli's (`dotenv -e ../../.env --
//! node dist/main.js`, `.env` when no `-e` is given), Node's own (`node --env-file=.env`,
//! `--env-file-if-exists`) and dotenv's preload (`node -r dotenv/config`, which reads `.env`
//! or `DOTENV_CONFIG_PATH`). An image never holds a repository's `.env` (it holds secrets),
//! so `generate` warns with each file, and how to give its variables instead.
//!
//! Pure text work on the scripts discovery read (split as a shell would, `sh -c '...'` read
//! inside); it never reads the files, nor runs anything.

use std::collections::BTreeMap;

use super::start_script::{resolves_to, PRODUCTION_SCRIPTS};

/// One env file a script loads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvFile {
    /// The script whose text loads it (`start`, `start:prod`).
    pub script: String,
    /// The file as the script names it, relative to the package folder (`../../.env`).
    pub file: String,
    /// What loads it, as the script says it (`dotenv -e`, `node --env-file`, `-r
    /// dotenv/config`).
    pub how: &'static str,
}

/// The env files loaded by `running` (the script that starts the service) and by the
/// production scripts that run it (`"start": "dotenv -e .env -- pnpm start:prod"`), in
/// script order.
pub fn env_files(scripts: &BTreeMap<String, String>, running: &str) -> Vec<EnvFile> {
    let mut names = vec![running];
    names.extend(
        PRODUCTION_SCRIPTS
            .iter()
            .copied()
            .filter(|n| *n != running && resolves_to(scripts, n, running)),
    );
    let mut out: Vec<EnvFile> = Vec::new();
    for name in names {
        let Some(text) = scripts.get(name) else {
            continue;
        };
        for (file, how) in in_text(text, 0) {
            if !out.iter().any(|e| e.file == file && e.how == how) {
                out.push(EnvFile {
                    script: name.to_string(),
                    file,
                    how,
                });
            }
        }
    }
    out
}

/// The env files one script's text loads: (file, what loads it).
fn in_text(text: &str, depth: usize) -> Vec<(String, &'static str)> {
    let Some(words) = shlex::split(text) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut config_path = None;
    for (i, w) in words.iter().enumerate() {
        let next = words.get(i + 1).map(String::as_str);
        match w.as_str() {
            // `sh -c '<script>'`: the quoted script's own commands.
            "-c" if depth < 2 && i > 0 && next.is_some_and(|n| n.contains(' ')) => {
                out.extend(in_text(next.unwrap_or_default(), depth + 1));
            }
            "dotenv" | "dotenv-cli" => out.extend(dotenv_cli(&words[i + 1..])),
            "--env-file" | "--env-file-if-exists" => {
                if let Some(file) = next {
                    out.push((file.to_string(), "node --env-file"));
                }
            }
            "-r" | "--require" | "--import" if next == Some("dotenv/config") => {
                out.push((String::new(), "-r dotenv/config"));
            }
            _ => {
                if let Some(file) = w
                    .strip_prefix("--env-file=")
                    .or_else(|| w.strip_prefix("--env-file-if-exists="))
                {
                    out.push((file.to_string(), "node --env-file"));
                }
                if let Some(path) = w
                    .strip_prefix("DOTENV_CONFIG_PATH=")
                    .or_else(|| w.strip_prefix("dotenv_config_path="))
                {
                    config_path = Some(path.to_string());
                }
            }
        }
    }
    // dotenv/config reads `.env` of the working folder, or the path its variable names.
    for (file, how) in &mut out {
        if file.is_empty() && *how == "-r dotenv/config" {
            *file = config_path.clone().unwrap_or_else(|| ".env".into());
        }
    }
    out
}

/// dotenv-cli's files among its options (`-e <file>`, repeated; `.env` when none is given),
/// up to `--` or the command.
fn dotenv_cli(args: &[String]) -> Vec<(String, &'static str)> {
    let mut files = Vec::new();
    let mut i = 0;
    while let Some(a) = args.get(i) {
        match a.as_str() {
            "-e" => {
                if let Some(f) = args.get(i + 1) {
                    files.push((f.clone(), "dotenv -e"));
                }
                i += 2;
            }
            "-v" | "-p" => i += 2,
            "--" => break,
            a if a.starts_with('-') => i += 1,
            _ => break,
        }
    }
    if files.is_empty() {
        files.push((".env".to_string(), "dotenv"));
    }
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(pairs: &[(&str, &str)], running: &str) -> Vec<(String, String, &'static str)> {
        let scripts = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        env_files(&scripts, running)
            .into_iter()
            .map(|e| (e.script, e.file, e.how))
            .collect()
    }

    fn one(script: &str) -> Vec<(String, &'static str)> {
        files(&[("start", script)], "start")
            .into_iter()
            .map(|(_, f, h)| (f, h))
            .collect()
    }

    #[test]
    fn dotenv_cli_files_and_its_default() {
        assert_eq!(
            one("dotenv -e ../../.env -- node dist/x.js"),
            [("../../.env".to_string(), "dotenv -e")]
        );
        assert_eq!(
            one("dotenv -e .env -e .env.local -v PORT=3000 -- node dist/x.js"),
            [
                (".env".to_string(), "dotenv -e"),
                (".env.local".to_string(), "dotenv -e")
            ]
        );
        assert_eq!(
            one("dotenv -- node dist/x.js"),
            [(".env".to_string(), "dotenv")]
        );
        assert_eq!(
            one("dotenv -e ../.env -- sh -c 'prisma migrate deploy && next start'"),
            [("../.env".to_string(), "dotenv -e")]
        );
    }

    #[test]
    fn node_env_file_options_and_the_dotenv_preload() {
        assert_eq!(
            one("node --env-file=.env.production dist/x.js"),
            [(".env.production".to_string(), "node --env-file")]
        );
        assert_eq!(
            one("node --env-file .env dist/x.js"),
            [(".env".to_string(), "node --env-file")]
        );
        assert_eq!(
            one("node -r dotenv/config dist/x.js"),
            [(".env".to_string(), "-r dotenv/config")]
        );
        assert_eq!(
            one("DOTENV_CONFIG_PATH=../../.env node -r dotenv/config dist/x.js"),
            [("../../.env".to_string(), "-r dotenv/config")]
        );
        assert_eq!(one("NODE_ENV=production node dist/x.js"), []);
    }

    #[test]
    fn the_production_script_that_runs_the_running_one_counts_too() {
        let found = files(
            &[
                ("start", "dotenv -e .env -- pnpm run start:prod"),
                ("start:prod", "node dist/x.js"),
                ("dev", "dotenv -e .env.dev -- pnpm run start:prod"),
            ],
            "start:prod",
        );
        assert_eq!(found, [("start".into(), ".env".into(), "dotenv -e")]);
    }
}
