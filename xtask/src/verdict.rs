//! Running `isogen verify` on an exported archive and reading its verdict: the exit code and
//! the error-level rule ids of its JSON report.
//!
//! The JSON schema belongs to the verifier; this reads it loosely (any `findings` array whose
//! items carry a rule id and a severity), so the harness does not break on additive changes.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::{Context, Result};
use serde_json::Value;

use crate::cmd::Cmd;

pub struct Verdict {
    pub exit: i32,
    /// Rule ids of error-level findings.
    pub error_rules: BTreeSet<String>,
    /// Rule ids of error-level findings about content still visible in the final filesystem
    /// (or about the config); those about content a later layer deleted or overwrote (the
    /// finding's `hidden` is set) are only in `error_rules`.
    pub visible_error_rules: BTreeSet<String>,
    /// Rule ids of every finding, whatever its severity.
    pub all_rules: BTreeSet<String>,
    pub stderr: String,
}

/// Whether this isogen binary has a working `verify` (the skeleton's accepts no `--format`).
pub fn available(isogen: &Path) -> bool {
    Cmd::new(isogen)
        .args(["verify", "--help"])
        .quiet()
        .read()
        .is_ok_and(|help| help.contains("--format"))
}

pub fn run(isogen: &Path, archive: &Path, workspace: &Path) -> Result<Verdict> {
    let out = Cmd::new(isogen)
        .arg("verify")
        .arg(archive)
        .arg("--workspace")
        .arg(workspace)
        .args(["--format", "json"])
        .output_raw()?;
    let exit = out.status.code().unwrap_or(-1);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let mut rules = Rules::default();
    if exit == 0 || exit == 1 {
        let report: Value = serde_json::from_slice(&out.stdout).with_context(|| {
            format!(
                "isogen verify {} --format json printed no JSON (exit {exit}): {}",
                archive.display(),
                String::from_utf8_lossy(&out.stdout)
            )
        })?;
        collect(&report, false, &mut rules);
    }
    Ok(Verdict {
        exit,
        error_rules: rules.errors,
        visible_error_rules: rules.visible_errors,
        all_rules: rules.all,
        stderr,
    })
}

#[derive(Default)]
struct Rules {
    errors: BTreeSet<String>,
    visible_errors: BTreeSet<String>,
    all: BTreeSet<String>,
}

fn collect(value: &Value, in_findings: bool, rules: &mut Rules) {
    match value {
        Value::Object(map) => {
            if in_findings {
                let rule = ["rule", "rule_id", "ruleId", "id"]
                    .iter()
                    .find_map(|k| map.get(*k).and_then(Value::as_str));
                let severity = ["severity", "level"]
                    .iter()
                    .find_map(|k| map.get(*k).and_then(Value::as_str));
                if let Some(rule) = rule {
                    rules.all.insert(rule.to_owned());
                    if severity.is_some_and(|s| s.eq_ignore_ascii_case("error")) {
                        rules.errors.insert(rule.to_owned());
                        if map.get("hidden").is_none_or(Value::is_null) {
                            rules.visible_errors.insert(rule.to_owned());
                        }
                    }
                }
            }
            for (key, child) in map {
                collect(child, key == "findings", rules);
            }
        }
        Value::Array(items) => {
            for item in items {
                collect(item, in_findings, rules);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_error_rules_from_nested_findings() {
        let report = serde_json::json!({
            "schema": 1,
            "images": [{ "findings": [
                { "rule": "non-root-user", "severity": "error", "paths": [], "hidden": null },
                { "rule": "other-service", "severity": "error", "hidden": { "how": "deleted" } },
                { "rule": "no-npm", "severity": "warning" }
            ]}]
        });
        let mut rules = Rules::default();
        collect(&report, false, &mut rules);
        assert_eq!(
            rules.errors.into_iter().collect::<Vec<_>>(),
            ["non-root-user", "other-service"]
        );
        assert_eq!(
            rules.visible_errors.into_iter().collect::<Vec<_>>(),
            ["non-root-user"]
        );
        assert_eq!(rules.all.len(), 3);
    }
}
