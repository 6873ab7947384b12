//! The pnpm settings that change what an install produces (layout, peers, scripts, lockfiles),
//! as data: from `.npmrc` (`node-linker=hoisted`) and from `pnpm-workspace.yaml` (pnpm 9+:
//! `nodeLinker: hoisted`, `onlyBuiltDependencies: [...]`), each with the file that set it, so
//! generate can act on them or name them.
//!
//! It never reads a file (the readers hand in the parsed `.npmrc` and YAML) and never keeps a
//! credential (the `.npmrc` reader drops them).

use std::path::Path;

use serde::Serialize;
use serde_json::Value;

use super::npmrc::Npmrc;
use super::WORKSPACE_FILE;
use crate::error::{Error, Result};

/// One setting that changes the install: (`.npmrc` key, `pnpm-workspace.yaml` key, pnpm's
/// default as `.npmrc` writes it (`None`: unset), what a non-default value changes).
const KNOWN: &[(&str, &str, Option<&str>, &str)] = &[
    ("node-linker", "nodeLinker", Some("isolated"), "a flat node_modules: `pnpm install --filter` installs every project's dependencies, so a service's build sees other services' packages"),
    ("ignore-scripts", "ignoreScripts", Some("false"), "no install scripts run, so native addons are not built, and `pnpm run` leaves the root's node_modules/.bin off PATH"),
    ("shamefully-hoist", "shamefullyHoist", Some("false"), "every dependency is hoisted to the root node_modules, so code can load packages it does not declare"),
    ("hoist", "hoist", Some("true"), "changes which dependencies are hoisted into node_modules/.pnpm/node_modules"),
    ("hoist-pattern", "hoistPattern", None, "changes which dependencies are hoisted into node_modules/.pnpm/node_modules"),
    ("public-hoist-pattern", "publicHoistPattern", None, "hoists matching dependencies to the root node_modules, where any package can load them"),
    ("auto-install-peers", "autoInstallPeers", Some("true"), "missing peer dependencies are not installed, so the install (and npm's) may differ from what pnpm resolved"),
    ("strict-peer-dependencies", "strictPeerDependencies", Some("false"), "an unmet peer range stops the install"),
    ("dedupe-peer-dependents", "dedupePeerDependents", Some("true"), "packages with the same peers are not deduplicated, so the tree differs"),
    ("inject-workspace-packages", "injectWorkspacePackages", Some("false"), "workspace packages are copied into node_modules at install time instead of linked"),
    ("shared-workspace-lockfile", "sharedWorkspaceLockfile", Some("true"), "every package has its own pnpm-lock.yaml"),
    ("link-workspace-packages", "linkWorkspacePackages", None, "plain version ranges may resolve to workspace packages"),
];

/// The `pnpm-workspace.yaml` lists that decide which dependencies may run install scripts.
const BUILD_LISTS: &[&str] = &[
    "onlyBuiltDependencies",
    "neverBuiltDependencies",
    "ignoredBuiltDependencies",
];

/// pnpm 11's map of package name (or `name@version`) to whether its install scripts may run;
/// kept as the names mapped to `true`.
pub const ALLOW_BUILDS: &str = "allowBuilds";

/// One setting and where it was set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Setting {
    /// The `.npmrc` spelling (`node-linker`), or the YAML key of a build list.
    pub key: String,
    /// The value as written; a list's items (YAML lists, `key[]=` lines of `.npmrc`).
    pub value: Vec<String>,
    /// `.npmrc` or `pnpm-workspace.yaml`.
    pub file: String,
    /// A build list written as one string (`onlyBuiltDependencies: esbuild`), as written:
    /// pnpm iterates a string one character at a time, so `value` holds its characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub string_form: Option<String>,
}

/// The install-changing settings of the workspace, `.npmrc` ones first, then those of
/// `pnpm-workspace.yaml` (which pnpm 10 lets win).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PnpmSettings {
    pub entries: Vec<Setting>,
    /// `.npmrc` settings pnpm 11 and later ignore (they read only auth and registry settings
    /// there): kept to name them, never acted on.
    pub ignored: Vec<Setting>,
}

impl PnpmSettings {
    /// Collects the known settings from both files (and the build lists of the root
    /// package.json's `pnpm` field, `root_manifest`: that field and the file's path); a value
    /// of the wrong shape is an error naming the key. `npmrc_ignored` (pnpm 11 and later): the `.npmrc` ones are kept
    /// apart in `ignored`, as pnpm ignores them.
    pub fn read(
        npmrc: &Npmrc,
        yaml: &Value,
        ws_file: &Path,
        root_manifest: Option<(&Value, &Path)>,
        npmrc_ignored: bool,
    ) -> Result<PnpmSettings> {
        let mut entries = Vec::new();
        let mut ignored = Vec::new();
        for &(rc_key, _, _, _) in KNOWN {
            let to = if npmrc_ignored {
                &mut ignored
            } else {
                &mut entries
            };
            if let Some(v) = npmrc.get(rc_key) {
                to.push(setting(rc_key, vec![v.to_string()], ".npmrc"));
            } else if let Some(list) = npmrc.list(rc_key) {
                to.push(setting(rc_key, list.to_vec(), ".npmrc"));
            }
        }
        for &(rc_key, yaml_key, _, _) in KNOWN {
            if let Some(v) = yaml.get(yaml_key).filter(|v| !v.is_null()) {
                entries.push(setting(
                    rc_key,
                    yaml_value(v, yaml_key, ws_file)?,
                    WORKSPACE_FILE,
                ));
            }
        }
        // pnpm 10 and before also read the build lists from the root package.json's `pnpm`
        // field; pnpm-workspace.yaml's win (they come later).
        if let Some((pnpm_field, manifest)) = root_manifest {
            for &key in BUILD_LISTS {
                if let Some(v) = pnpm_field.get(key).filter(|v| !v.is_null()) {
                    let value = yaml_value(v, &format!("pnpm.{key}"), manifest)?;
                    entries.push(build_list(key, v, value, "package.json"));
                }
            }
        }
        for &key in BUILD_LISTS {
            if let Some(v) = yaml.get(key).filter(|v| !v.is_null()) {
                let value = yaml_value(v, key, ws_file)?;
                entries.push(build_list(key, v, value, WORKSPACE_FILE));
            }
        }
        if let Some(v) = yaml.get(ALLOW_BUILDS).filter(|v| !v.is_null()) {
            entries.push(setting(
                ALLOW_BUILDS,
                allowed_builds(v, ws_file)?,
                WORKSPACE_FILE,
            ));
        }
        Ok(PnpmSettings { entries, ignored })
    }

    /// One line per `.npmrc` setting pnpm 11 ignores, naming it and where pnpm reads it now.
    pub fn ignored_notes(&self, pnpm_version: &str) -> Vec<String> {
        self.ignored
            .iter()
            .map(|s| {
                let yaml_key = KNOWN.iter().find(|k| k.0 == s.key).map_or("", |k| k.1);
                format!(
                    "{}: `{} = {}`: pnpm {pnpm_version} reads only auth and registry settings from .npmrc and ignores this one, and so does the image's build; if it is meant, set `{yaml_key}` in {WORKSPACE_FILE}",
                    s.file,
                    s.key,
                    s.value.join(", ")
                )
            })
            .collect()
    }

    /// The value pnpm uses for `key` (`.npmrc` spelling): the last file that sets it.
    pub fn get(&self, key: &str) -> Option<&Setting> {
        self.entries.iter().rev().find(|s| s.key == key)
    }

    /// Whether some file sets the boolean `key` to `value`.
    pub fn sets(&self, key: &str, value: bool) -> bool {
        let text = if value { "true" } else { "false" };
        self.entries
            .iter()
            .any(|s| s.key == key && s.value.len() == 1 && s.value[0] == text)
    }

    /// One line per setting that makes the install differ from pnpm's default layout, naming
    /// the setting, its file and what it changes. `handled` settings (acted on elsewhere) are
    /// left out.
    pub fn layout_notes(&self, handled: &[&str]) -> Vec<String> {
        let mut out = Vec::new();
        for s in &self.entries {
            let effective = self.get(&s.key).is_some_and(|last| std::ptr::eq(last, s));
            if !effective || handled.contains(&s.key.as_str()) {
                continue;
            }
            if let Some(written) = &s.string_form {
                out.push(format!(
                    "{}: `{}` is a string, not a list: pnpm reads it one character at a time \
                     (as if it listed {}), so it names no package `{written}` (pnpm 9 and 10 \
                     alike), and the image's build follows pnpm; write it as a list: \
                     `{}: [{written}]`",
                    s.file,
                    spelled(s, written),
                    (s.value.iter().map(|c| format!("`{c}`")))
                        .collect::<Vec<_>>()
                        .join(", "),
                    spelled(s, "").trim_end_matches([':', ' ']),
                ));
                continue;
            }
            let value = s.value.join(", ");
            // `allowBuilds` that allows nothing (`sharp: false` only): every build script is
            // decided and none runs, as by default; the note named an empty list.
            if s.key == ALLOW_BUILDS && s.value.is_empty() {
                continue;
            }
            let what = match KNOWN.iter().find(|k| k.0 == s.key) {
                Some((_, _, Some(default), _)) if value == *default => continue,
                Some((_, _, _, what)) => *what,
                None => "decides which dependencies may run install scripts (build native addons)",
            };
            out.push(format!("{}: `{}`: {what}", s.file, spelled(s, &value)));
        }
        out
    }
}

/// The setting named as its file spells it: `public-hoist-pattern = *prisma*` for `.npmrc`,
/// `publicHoistPattern: *prisma*` for pnpm-workspace.yaml (trigger.dev's), and
/// `pnpm.onlyBuiltDependencies: ...` for package.json.
fn spelled(s: &Setting, value: &str) -> String {
    let yaml_key = (KNOWN.iter().find(|k| k.0 == s.key)).map_or(s.key.as_str(), |k| k.1);
    match s.file.as_str() {
        ".npmrc" => format!("{} = {value}", s.key),
        "package.json" => format!("pnpm.{yaml_key}: {value}"),
        _ => format!("{yaml_key}: {value}"),
    }
}

fn setting(key: &str, value: Vec<String>, file: &str) -> Setting {
    Setting {
        key: key.to_string(),
        value,
        file: file.to_string(),
        string_form: None,
    }
}

/// A build list as pnpm reads it: a list's items, or a string's characters (pnpm 9 and 10
/// iterate the value: `onlyBuiltDependencies: esbuild` builds no `esbuild`, checked with
/// pnpm 9.15.9 from package.json and 10.28.1 from pnpm-workspace.yaml).
fn build_list(key: &str, v: &Value, value: Vec<String>, file: &str) -> Setting {
    let Value::String(text) = v else {
        return setting(key, value, file);
    };
    let mut s = setting(key, text.chars().map(String::from).collect(), file);
    s.string_form = Some(text.clone());
    s
}

/// The names `allowBuilds` maps to `true`; any other shape is an error naming the key.
fn allowed_builds(v: &Value, ws_file: &Path) -> Result<Vec<String>> {
    let bad = |what: String| Error::Parse {
        path: ws_file.to_path_buf(),
        location: None,
        message: format!("`{ALLOW_BUILDS}` {what}"),
    };
    let Value::Object(map) = v else {
        return Err(bad("must map package names to true or false".to_string()));
    };
    let mut names = Vec::new();
    for (name, allowed) in map {
        match allowed {
            Value::Bool(true) => names.push(name.clone()),
            Value::Bool(false) => {}
            _ => return Err(bad(format!("`{name}` must be true or false"))),
        }
    }
    Ok(names)
}

impl PnpmSettings {
    /// The names of dependencies the workspace allows to run install scripts
    /// (`onlyBuiltDependencies`, pnpm 11's `allowBuilds`), without a `@version` suffix.
    pub fn allowed_builds(&self) -> std::collections::BTreeSet<String> {
        ["onlyBuiltDependencies", ALLOW_BUILDS]
            .iter()
            .filter_map(|k| self.get(k))
            .flat_map(|s| &s.value)
            .map(|n| match n.get(1..).and_then(|rest| rest.find('@')) {
                Some(at) => n[..at + 1].to_string(),
                None => n.clone(),
            })
            .collect()
    }
}

/// A scalar as one item, a list of scalars as its items.
fn yaml_value(v: &Value, key: &str, ws_file: &Path) -> Result<Vec<String>> {
    let scalar = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let bad = || Error::Parse {
        path: ws_file.to_path_buf(),
        location: None,
        message: format!("`{key}` must be a string, a boolean or a list of strings"),
    };
    match v {
        Value::Array(items) => items.iter().map(|i| scalar(i).ok_or_else(bad)).collect(),
        other => scalar(other).map(|s| vec![s]).ok_or_else(bad),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_files_with_yaml_last_and_notes_for_non_defaults() {
        let rc = Npmrc::parse(
            "node-linker=hoisted\nignore-scripts=true\nauto-install-peers=true\npublic-hoist-pattern[]=*eslint*\npublic-hoist-pattern[]=*types*\n",
        );
        let yaml = serde_json::json!({
            "nodeLinker": "isolated",
            "onlyBuiltDependencies": ["bcrypt", "esbuild"],
            "sharedWorkspaceLockfile": false,
        });
        let s =
            PnpmSettings::read(&rc, &yaml, Path::new("pnpm-workspace.yaml"), None, false).unwrap();
        assert_eq!(s.get("node-linker").unwrap().value, ["isolated"]);
        assert_eq!(s.get("node-linker").unwrap().file, "pnpm-workspace.yaml");
        assert!(s.sets("shared-workspace-lockfile", false));
        assert_eq!(
            s.get("public-hoist-pattern").unwrap().value,
            ["*eslint*", "*types*"]
        );
        let notes = s.layout_notes(&["shared-workspace-lockfile"]);
        let keys: Vec<&str> = notes
            .iter()
            .map(|n| n.split('`').nth(1).unwrap_or_default())
            .collect();
        assert_eq!(
            keys,
            [
                "ignore-scripts = true",
                "public-hoist-pattern = *eslint*, *types*",
                "onlyBuiltDependencies: bcrypt, esbuild"
            ],
            "{notes:?}"
        );
        let bad = serde_json::json!({"nodeLinker": {"a": 1}});
        let err = PnpmSettings::read(&rc, &bad, Path::new("pnpm-workspace.yaml"), None, false)
            .unwrap_err()
            .to_string();
        assert!(err.contains("nodeLinker"), "{err}");
    }

    /// `onlyBuiltDependencies: esbuild` (a string): pnpm 10.28.1 printed "Ignored build
    /// scripts: esbuild@0.25.0" for it, and pnpm 9.15.9 the same for `pnpm.onlyBuiltDependencies:
    /// "esbuild"` in package.json; the list form ran esbuild's postinstall. isogen took it for
    /// a list of one and counted esbuild as built.
    #[test]
    fn a_build_list_written_as_a_string_is_read_as_pnpm_reads_it() {
        let rc = Npmrc::parse("");
        let yaml = serde_json::json!({"onlyBuiltDependencies": "esbuild"});
        let s =
            PnpmSettings::read(&rc, &yaml, Path::new("pnpm-workspace.yaml"), None, false).unwrap();
        let allowed = s.allowed_builds();
        assert!(!allowed.contains("esbuild"), "{allowed:?}");
        assert!(!allowed.is_empty(), "an allow list all the same");
        let notes = s.layout_notes(&[]);
        assert_eq!(
            notes,
            ["pnpm-workspace.yaml: `onlyBuiltDependencies: esbuild` is a string, not a list: pnpm reads it one character at a time (as if it listed `e`, `s`, `b`, `u`, `i`, `l`, `d`), so it names no package `esbuild` (pnpm 9 and 10 alike), and the image's build follows pnpm; write it as a list: `onlyBuiltDependencies: [esbuild]`"]
        );
        let manifest = serde_json::json!({"onlyBuiltDependencies": "esbuild"});
        let field = Some((&manifest, Path::new("package.json")));
        let s =
            PnpmSettings::read(&rc, &serde_json::json!({}), Path::new("w"), field, false).unwrap();
        assert!(!s.allowed_builds().contains("esbuild"));
    }
}
