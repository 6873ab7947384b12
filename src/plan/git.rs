//! The few git questions `plan --since` asks, through the `git` CLI: is this a repository, does
//! the ref name a commit, which files changed since it, and what a file held at it.
//!
//! Paths are relative to the folder git is asked from (`--relative`, `REF:./path`), which is the
//! workspace root; changes outside it are not seen. This module only runs git: it never reads
//! the workspace or decides what a change means.

use std::path::Path;
use std::process::{Command, Output};

use crate::error::{Error, Result};

/// One changed path, as `git diff --name-status` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// `A`, `M`, `D`, `R`, `C`, `T`, ... (the similarity score of renames dropped).
    pub status: char,
    /// The path now (for a deletion, the path that was deleted).
    pub path: String,
    /// For a rename or copy: the path it came from.
    pub from: Option<String>,
}

impl Change {
    /// Every path the change touches: the old path of a rename too, since what used to be
    /// there is gone.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.path.as_str()).chain(self.from.as_deref())
    }
}

fn git(dir: &Path, args: &[&str]) -> Result<Output> {
    Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|e| {
            Error::Usage(format!(
                "cannot run `git` (needed by --since): {e}; install git or leave --since out"
            ))
        })
}

fn stderr_line(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim()
        .to_string()
}

/// Checks that `dir` is inside a git work tree and that `since` names a commit there.
pub fn check(dir: &Path, since: &str) -> Result<()> {
    let out = git(dir, &["rev-parse", "--is-inside-work-tree"])?;
    if !out.status.success() || String::from_utf8_lossy(&out.stdout).trim() != "true" {
        return Err(Error::Usage(format!(
            "{}: not a git repository, so --since {since} has nothing to compare with ({})",
            dir.display(),
            stderr_line(&out)
        )));
    }
    if since.starts_with('-') {
        return Err(Error::Usage(format!("--since {since}: not a git revision")));
    }
    let spec = format!("{since}^{{commit}}");
    let out = git(
        dir,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            &spec,
        ],
    )?;
    if !out.status.success() {
        return Err(Error::Usage(format!(
            "--since {since}: no such commit in the git repository at {} (a branch, tag or commit; in a shallow CI clone, fetch it first)",
            dir.display()
        )));
    }
    Ok(())
}

/// The files that differ between `since` and the work tree (committed or not, and files git
/// does not track yet unless ignored), renames detected, relative to `dir`.
pub fn changes(dir: &Path, since: &str) -> Result<Vec<Change>> {
    let out = git(
        dir,
        &[
            "diff",
            "--name-status",
            "-z",
            "-M",
            "--relative",
            "--no-ext-diff",
            since,
            "--",
        ],
    )?;
    if !out.status.success() {
        return Err(Error::Usage(format!(
            "git diff {since} failed in {}: {}",
            dir.display(),
            stderr_line(&out)
        )));
    }
    let mut changes = parse_name_status(&out.stdout)?;
    // New files not yet added are changes of the work tree too.
    let out = git(
        dir,
        &[
            "ls-files",
            "-z",
            "--others",
            "--exclude-standard",
            "--",
            ".",
        ],
    )?;
    if !out.status.success() {
        return Err(Error::Usage(format!(
            "git ls-files failed in {}: {}",
            dir.display(),
            stderr_line(&out)
        )));
    }
    changes.extend(
        out.stdout
            .split(|&b| b == 0)
            .filter(|p| !p.is_empty())
            .map(|p| Change {
                status: 'A',
                path: String::from_utf8_lossy(p).into_owned(),
                from: None,
            }),
    );
    Ok(changes)
}

/// Parses `git diff --name-status -z`: `STATUS\0path\0`, or `RNNN\0from\0to\0` for renames and
/// copies.
pub fn parse_name_status(bytes: &[u8]) -> Result<Vec<Change>> {
    let mut fields = bytes
        .split(|&b| b == 0)
        .map(|f| String::from_utf8_lossy(f).into_owned());
    let mut out = Vec::new();
    let bad = |what: &str| {
        Error::Usage(format!(
            "unexpected `git diff --name-status` output: {what}"
        ))
    };
    while let Some(status) = fields.next() {
        if status.is_empty() {
            continue;
        }
        let kind = status.chars().next().ok_or_else(|| bad("empty status"))?;
        let first = fields
            .next()
            .filter(|f| !f.is_empty())
            .ok_or_else(|| bad("a status without a path"))?;
        if matches!(kind, 'R' | 'C') {
            let to = fields
                .next()
                .filter(|f| !f.is_empty())
                .ok_or_else(|| bad("a rename without its new path"))?;
            out.push(Change {
                status: kind,
                path: to,
                from: Some(first),
            });
        } else {
            out.push(Change {
                status: kind,
                path: first,
                from: None,
            });
        }
    }
    Ok(out)
}

/// The contents of `path` (relative to `dir`) at `since`; `None` when it did not exist there.
pub fn show(dir: &Path, since: &str, path: &str) -> Result<Option<Vec<u8>>> {
    let object = format!("{since}:./{path}");
    let exists = git(dir, &["cat-file", "-e", &object])?;
    if !exists.status.success() {
        return Ok(None);
    }
    let out = git(dir, &["show", &object])?;
    if !out.status.success() {
        return Err(Error::Usage(format!(
            "git show {object} failed in {}: {}",
            dir.display(),
            stderr_line(&out)
        )));
    }
    Ok(Some(out.stdout))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_status_with_renames_and_deletions() {
        let raw = b"M\0a/x.ts\0R087\0old/y.ts\0new/y.ts\0D\0gone.ts\0";
        let changes = parse_name_status(raw).unwrap();
        assert_eq!(
            changes,
            vec![
                Change {
                    status: 'M',
                    path: "a/x.ts".into(),
                    from: None
                },
                Change {
                    status: 'R',
                    path: "new/y.ts".into(),
                    from: Some("old/y.ts".into())
                },
                Change {
                    status: 'D',
                    path: "gone.ts".into(),
                    from: None
                },
            ]
        );
        assert_eq!(
            changes[1].paths().collect::<Vec<_>>(),
            vec!["new/y.ts", "old/y.ts"]
        );
        assert!(parse_name_status(b"R100\0only-one\0").is_err());
    }
}
