//! Lockfile changes, service by service: when `pnpm-lock.yaml` or `Cargo.lock` changed since
//! the ref, both versions are parsed (the one at the ref through `git show`, the current one
//! from disk) and each service's own part of them compared ([`super::pnpm_lock`],
//! [`super::cargo_lock`]). A change to another service's part gives no reason.
//!
//! The current lockfile must parse (exit 2 otherwise, naming it); a version at the ref that does
//! not parse makes every service of that ecosystem affected, since nothing can be ruled out.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use super::git::{self, Change};
use super::{affected::change_word, cargo_lock, pnpm_lock, Reason, Why};
use crate::error::{Error, Result};
use crate::workspace::{cargo, pnpm, Ecosystem, Workspace};

/// Adds the lockfile reasons of every service to `reasons`.
pub fn add_reasons(
    ws: &Workspace,
    since: &str,
    changes: &[Change],
    reasons: &mut BTreeMap<String, Vec<Reason>>,
) -> Result<()> {
    let changed = |file: &str| changes.iter().find(|c| c.paths().any(|p| p == file));
    if ws.pnpm.is_some() {
        if let Some(change) = changed(pnpm::LOCKFILE) {
            pnpm_reasons(ws, since, change, reasons)?;
        }
    }
    if ws.cargo.is_some() {
        if let Some(change) = changed(cargo::LOCKFILE) {
            cargo_reasons(ws, since, change, reasons)?;
        }
    }
    Ok(())
}

fn reason(change: &Change, file: &str, via: Option<String>, detail: String) -> Reason {
    Reason {
        file: file.to_string(),
        change: change_word(change.status),
        from: None,
        why: Why::Lockfile,
        via,
        detail: Some(detail),
    }
}

/// A lockfile's text at the ref: `None` when it did not exist, `Err` when it is not text.
type Then = Option<std::result::Result<String, String>>;

/// The lockfile now (None: deleted) and at `since`.
fn versions(root: &Path, since: &str, file: &str) -> Result<(Option<String>, Then)> {
    let path = root.join(file);
    let now = match std::fs::read(&path) {
        Ok(bytes) => {
            Some(String::from_utf8(bytes).map_err(|_| Error::workspace(&path, "not UTF-8 text"))?)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(Error::io(&path, e)),
    };
    let then = git::show(root, since, file)?
        .map(|b| String::from_utf8(b).map_err(|_| "not UTF-8 text".to_string()));
    Ok((now, then))
}

/// A lockfile now (parsed: an error names the file) and at `since` (a parse error there is
/// kept as the reason everything counts); `None` where it does not exist.
type Parsed<T> = (Option<T>, Option<std::result::Result<T, String>>);

fn parsed<T>(
    ws: &Workspace,
    since: &str,
    file: &str,
    parse: fn(&str) -> std::result::Result<T, String>,
) -> Result<Parsed<T>> {
    let (now, then) = versions(&ws.root, since, file)?;
    let now = now
        .as_deref()
        .map(parse)
        .transpose()
        .map_err(|message| Error::Parse {
            path: ws.root.join(file),
            location: None,
            message,
        })?;
    Ok((now, then.map(|t| t.and_then(|t| parse(&t)))))
}

/// `pnpm-lock.yaml` as one value: the project's document, with pnpm's environment document (the
/// pnpm a self-pinning repository installs) under the key `environment`, which every service
/// shares.
fn parse_yaml(text: &str) -> std::result::Result<Value, String> {
    if text.trim().is_empty() {
        return Ok(Value::Null);
    }
    let yaml =
        |t: &str| serde_saphyr::from_str::<Value>(t).map_err(|e| e.without_snippet().to_string());
    let (environment, project) = pnpm::lockfile_documents(text);
    let mut value = yaml(project)?;
    if let (Some(environment), Value::Object(map)) = (environment, &mut value) {
        map.insert("environment".into(), yaml(environment)?);
    }
    Ok(value)
}

fn pnpm_reasons(
    ws: &Workspace,
    since: &str,
    change: &Change,
    reasons: &mut BTreeMap<String, Vec<Reason>>,
) -> Result<()> {
    let file = pnpm::LOCKFILE;
    let (now, then) = parsed(ws, since, file, parse_yaml)?;
    let now = now.unwrap_or(Value::Null);
    for s in &ws.services {
        let package = ws.service_package(s);
        if package.ecosystem != Ecosystem::Pnpm {
            continue;
        }
        let mut dirs = vec!["", package.dir.as_str()];
        dirs.extend(s.build_closure.iter().map(|&i| ws.package(i).dir.as_str()));
        let new = pnpm_lock::part(&now, &dirs);
        let out = reasons.entry(s.name.clone()).or_default();
        let old = match &then {
            Some(Err(e)) => {
                out.push(reason(
                    change,
                    file,
                    None,
                    format!(
                        "its version at {since} does not parse ({e}), so nothing can be ruled out"
                    ),
                ));
                continue;
            }
            Some(Ok(v)) => Some(pnpm_lock::part(v, &dirs)),
            None => None,
        };
        let diff = pnpm_lock::compare(old.as_ref(), &new);
        for importer in &diff.importers {
            let via = ws
                .packages
                .iter()
                .find(|p| p.dir == *importer || (importer == "." && p.dir.is_empty()))
                .filter(|p| p.dir != package.dir)
                .map(|p| p.name.clone());
            out.push(reason(
                change,
                file,
                via,
                format!("importer `{importer}` changed"),
            ));
        }
        if diff.entry_count > 0 {
            let more = diff.entry_count.saturating_sub(diff.entries.len());
            let mut detail = format!("packages it installs changed: {}", diff.entries.join(", "));
            if more > 0 {
                detail.push_str(&format!(" and {more} more"));
            }
            out.push(reason(change, file, None, detail));
        }
        if diff.shared {
            out.push(reason(
                change,
                file,
                None,
                "lockfileVersion, settings or the pnpm it installs (packageManagerDependencies) changed".into(),
            ));
        }
    }
    Ok(())
}

fn parse_toml(text: &str) -> std::result::Result<toml::Table, String> {
    toml::from_str(text).map_err(|e| e.message().trim().to_string())
}

fn cargo_reasons(
    ws: &Workspace,
    since: &str,
    change: &Change,
    reasons: &mut BTreeMap<String, Vec<Reason>>,
) -> Result<()> {
    let file = cargo::LOCKFILE;
    let (now, then) = parsed(ws, since, file, parse_toml)?;
    let now = now.unwrap_or_default();
    for s in &ws.services {
        let package = ws.service_package(s);
        if package.ecosystem != Ecosystem::Cargo {
            continue;
        }
        let out = reasons.entry(s.name.clone()).or_default();
        let new = cargo_lock::part(&now, &package.name);
        let old = match &then {
            Some(Err(e)) => {
                out.push(reason(
                    change,
                    file,
                    None,
                    format!(
                        "its version at {since} does not parse ({e}), so nothing can be ruled out"
                    ),
                ));
                continue;
            }
            Some(Ok(t)) => cargo_lock::part(t, &package.name),
            None => None,
        };
        let version_changed = then
            .as_ref()
            .and_then(|t| t.as_ref().ok())
            .map(|t| t.get("version"))
            != Some(now.get("version"));
        let crates = cargo_lock::changed_crates(old.as_ref(), new.as_ref());
        if !crates.is_empty() {
            let shown: Vec<&str> = crates.iter().take(5).map(String::as_str).collect();
            let more = crates.len() - shown.len();
            let mut detail = format!("crates it builds changed: {}", shown.join(", "));
            if more > 0 {
                detail.push_str(&format!(" and {more} more"));
            }
            out.push(reason(change, file, None, detail));
        } else if version_changed {
            out.push(reason(
                change,
                file,
                None,
                "the lockfile format version changed".into(),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{parse_yaml, pnpm_lock};

    const PROJECT: &str = "lockfileVersion: '9.0'\nimporters:\n  svc:\n    dependencies: {}\n";

    fn environment(pnpm: &str) -> String {
        format!("---\nlockfileVersion: '9.0'\nimporters:\n  .:\n    packageManagerDependencies:\n      pnpm: {{specifier: {pnpm}, version: {pnpm}}}\n---\n{PROJECT}")
    }

    #[test]
    fn another_pnpm_in_the_environment_document_touches_every_service() {
        let (old, new) = (
            parse_yaml(&environment("11.1.0")),
            parse_yaml(&environment("11.2.0")),
        );
        let (old, new) = (old.unwrap(), new.unwrap());
        let same = pnpm_lock::compare(
            Some(&pnpm_lock::part(&old, &["svc"])),
            &pnpm_lock::part(&old, &["svc"]),
        );
        assert!(same.is_empty());
        let change = pnpm_lock::compare(
            Some(&pnpm_lock::part(&old, &["svc"])),
            &pnpm_lock::part(&new, &["svc"]),
        );
        assert!(change.shared, "{change:?}");
        assert_eq!(parse_yaml(PROJECT).unwrap()["importers"], new["importers"]);
    }
}
