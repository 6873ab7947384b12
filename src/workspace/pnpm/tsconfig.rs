//! tsconfig files, read as TypeScript reads them: JSON with comments and trailing commas
//! (`jsonc-parser`), so a commented-out `"extends"` is a comment. For every `tsconfig*.json`
//! at the top of a package folder, and every file those extend by a relative path
//! (transitively), the model keeps its resolved `extends` files, its `references`, and the
//! `compilerOptions` that say where imports resolve (`paths`, `baseUrl`) and where the build
//! writes (`outDir`); [`Tsconfig::module_paths`] applies `extends` to them as `tsc` does.
//!
//! It reads tsconfig files and checks which extended files exist; it never decides what a
//! build copies (generate walks these facts), and an unreadable file is a fact
//! ([`Tsconfig::problem`]), never a panic.

use std::collections::BTreeMap;
use std::path::Path;

use jsonc_parser::ParseOptions;
use serde::Serialize;
use serde_json::Value;

use super::files::read_text;
use super::tsc_emit::EmitOptions;
use crate::workspace::relpath;

/// What isogen needs of one tsconfig file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Tsconfig {
    /// The files its `extends` names by a relative path that exist (workspace-relative, in
    /// the order written; `./base` finds `./base.json` as TypeScript does). Package names
    /// (`@tsconfig/node20`) resolve from `node_modules` and are not listed.
    pub extends: Vec<String>,
    /// The `path` of each of its `references`, as written.
    pub references: Vec<String>,
    /// Why it could not be read (then it extends and references nothing).
    pub problem: Option<String>,
    /// `compilerOptions.paths`, when this file sets it.
    pub paths: Option<ModulePaths>,
    /// `compilerOptions.baseUrl`, workspace-relative, when this file sets it.
    pub base_url: Option<String>,
    /// `compilerOptions.outDir`, workspace-relative, when this file sets it.
    pub out_dir: Option<String>,
    /// Whether some `extends` is a package name or a file that does not exist: what it sets
    /// is unknown.
    pub unresolved_extends: bool,
    /// What decides where `tsc` writes each output (`rootDir`, `include`, ...).
    pub emit: EmitOptions,
}

/// `compilerOptions.paths` of one tsconfig file: pattern -> targets, in the order written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ModulePaths {
    /// The folder of the file that sets them (workspace-relative): targets are relative to it
    /// unless a `baseUrl` applies.
    pub dir: String,
    pub patterns: Vec<(String, Vec<String>)>,
}

/// The `paths` that apply to a tsconfig file after its `extends`, targets made
/// workspace-relative: pattern (`@app/*`) -> targets (`apps/api/src/*`).
pub type ResolvedPaths = Vec<(String, Vec<String>)>;

impl Tsconfig {
    /// The `paths` that apply to `file` (a key of `files`) as `tsc` reads them: the file's own
    /// or else the last of its `extends` that has them (transitively); targets relative to the
    /// `baseUrl` that applies, or else to the file that set `paths`. Targets that climb above
    /// the workspace are dropped.
    pub fn module_paths(files: &BTreeMap<String, Tsconfig>, file: &str) -> ResolvedPaths {
        let paths = inherited(files, file, 0, &|t| t.paths.clone());
        let base_url = inherited(files, file, 0, &|t| t.base_url.clone());
        let Some(paths) = paths else {
            return Vec::new();
        };
        let base = base_url.unwrap_or(paths.dir);
        paths
            .patterns
            .into_iter()
            .map(|(pattern, targets)| {
                let targets = targets
                    .iter()
                    .filter_map(|t| relpath::join(&base, t))
                    .collect();
                (pattern, targets)
            })
            .collect()
    }
}

impl Tsconfig {
    /// The value `get` finds for `file` after its `extends` (the file's own, else the last
    /// of its `extends` that sets it, transitively).
    pub fn inherited<T>(
        files: &BTreeMap<String, Tsconfig>,
        file: &str,
        get: &dyn Fn(&Tsconfig) -> Option<T>,
    ) -> Option<T> {
        inherited(files, file, 0, get)
    }

    /// The `baseUrl` that applies to `file` after its `extends` (workspace-relative).
    pub fn base_url(files: &BTreeMap<String, Tsconfig>, file: &str) -> Option<String> {
        inherited(files, file, 0, &|t| t.base_url.clone())
    }
}

/// The first value `get` finds: in `file`, else in its `extends`, the last one first.
fn inherited<T>(
    files: &BTreeMap<String, Tsconfig>,
    file: &str,
    depth: usize,
    get: &dyn Fn(&Tsconfig) -> Option<T>,
) -> Option<T> {
    let facts = files.get(file)?;
    if let Some(v) = get(facts) {
        return Some(v);
    }
    // A cycle of `extends` is tsc's error to report; stop rather than loop.
    if depth > 32 {
        return None;
    }
    facts
        .extends
        .iter()
        .rev()
        .find_map(|parent| inherited(files, parent, depth + 1, get))
}

/// Reads `start` (workspace-relative tsconfig files) and every file they extend, transitively:
/// file -> facts.
pub fn read_all(
    root: &Path,
    start: impl IntoIterator<Item = String>,
) -> BTreeMap<String, Tsconfig> {
    let mut out = BTreeMap::new();
    let mut todo: Vec<String> = start.into_iter().collect();
    while let Some(file) = todo.pop() {
        if out.contains_key(&file) {
            continue;
        }
        let facts = read_one(root, &file);
        todo.extend(facts.extends.iter().cloned());
        out.insert(file, facts);
    }
    out
}

fn read_one(root: &Path, file: &str) -> Tsconfig {
    let text = match read_text(&root.join(file)) {
        Ok(t) => t,
        Err(e) => return problem(e.to_string()),
    };
    let value = match parse(&text) {
        Ok(v) => v,
        Err(e) => return problem(format!("{file}: {e}")),
    };
    let dir = relpath::parent(file);
    let written = extends_values(&value);
    let extends: Vec<String> = written
        .iter()
        .filter(|t| t.starts_with('.'))
        .filter_map(|t| resolve_extends(root, dir, t))
        .collect();
    let unresolved_extends = extends.len() != written.len();
    let references = match value.get("references") {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|r| r.get("path")?.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    };
    let options = value.get("compilerOptions");
    let option = |key: &str| options.and_then(|o| o.get(key)).and_then(Value::as_str);
    let folder = |v: &str| relpath::join(dir, v);
    Tsconfig {
        extends,
        references,
        problem: None,
        paths: options
            .and_then(|o| o.get("paths"))
            .map(|p| module_paths_of(p, dir)),
        base_url: option("baseUrl").and_then(folder),
        out_dir: option("outDir").and_then(folder),
        unresolved_extends,
        emit: EmitOptions::read(&value, dir),
    }
}

/// `compilerOptions.paths` as written (non-string targets skipped).
fn module_paths_of(paths: &Value, dir: &str) -> ModulePaths {
    let patterns = match paths {
        Value::Object(map) => map
            .iter()
            .map(|(pattern, targets)| {
                let targets = match targets {
                    Value::Array(items) => items
                        .iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect(),
                    _ => Vec::new(),
                };
                (pattern.clone(), targets)
            })
            .collect(),
        _ => Vec::new(),
    };
    ModulePaths {
        dir: dir.to_string(),
        patterns,
    }
}

fn problem(message: String) -> Tsconfig {
    Tsconfig {
        problem: Some(message),
        ..Default::default()
    }
}

/// Parses tsconfig text (comments, trailing commas); the error says `line X column Y`.
pub fn parse(text: &str) -> Result<Value, String> {
    let value: Value = jsonc_parser::parse_to_serde_value(text, &ParseOptions::default())
        .map_err(|e| e.to_string())?;
    match value {
        Value::Object(_) => Ok(value),
        Value::Null => Ok(Value::Object(Default::default())),
        _ => Err("expected an object at the top".to_string()),
    }
}

/// The strings of `"extends"` (a string or a list of them).
fn extends_values(value: &Value) -> Vec<&str> {
    match value.get("extends") {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// `dir/target` as an existing file, or with `.json` appended; `None` when neither exists or
/// it leaves the workspace.
fn resolve_extends(root: &Path, dir: &str, target: &str) -> Option<String> {
    let rel = relpath::join(dir, target)?;
    if crate::fsio::is_file(root.join(&rel)) {
        return Some(rel);
    }
    let with_json = format!("{rel}.json");
    crate::fsio::is_file(root.join(&with_json)).then_some(with_json)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_commented_out_extends_is_a_comment() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("config")).unwrap();
        std::fs::create_dir_all(root.join("packages/a")).unwrap();
        std::fs::write(root.join("config/base.json"), "{}").unwrap();
        std::fs::write(root.join("config/old.json"), "{}").unwrap();
        std::fs::write(
            root.join("packages/a/tsconfig.json"),
            "{\n  // \"extends\": \"../../config/old.json\",\n  /* \"extends\": \"x\" */\n  \"extends\": \"../../config/base\",\n  \"references\": [{ \"path\": \"../b\" },],\n  \"compilerOptions\": { \"outDir\": \"dist\", },\n}\n",
        )
        .unwrap();
        std::fs::write(root.join("packages/a/tsconfig.bad.json"), "{ \"extends\": ").unwrap();
        let all = read_all(
            root,
            [
                "packages/a/tsconfig.json".to_string(),
                "packages/a/tsconfig.bad.json".to_string(),
            ],
        );
        let a = &all["packages/a/tsconfig.json"];
        assert_eq!(a.extends, ["config/base.json"]);
        assert_eq!(a.references, ["../b"]);
        assert!(all.contains_key("config/base.json"));
        assert!(!all.contains_key("config/old.json"));
        let bad = all["packages/a/tsconfig.bad.json"]
            .problem
            .as_deref()
            .unwrap();
        assert!(
            bad.contains("packages/a/tsconfig.bad.json") && bad.contains("line 1"),
            "{bad}"
        );
    }

    #[test]
    fn paths_follow_extends_and_base_url() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("apps/worker")).unwrap();
        std::fs::write(
            root.join("tsconfig.base.json"),
            r#"{ "compilerOptions": { "baseUrl": ".", "paths": { "@api/*": ["apps/api/src/*"] } } }"#,
        )
        .unwrap();
        std::fs::write(
            root.join("apps/worker/tsconfig.json"),
            r#"{ "extends": "../../tsconfig.base.json", "compilerOptions": { "outDir": "./dist" } }"#,
        )
        .unwrap();
        std::fs::write(
            root.join("apps/worker/tsconfig.own.json"),
            r#"{ "compilerOptions": { "paths": { "@lib": ["../../packages/lib/src"] } } }"#,
        )
        .unwrap();
        let all = read_all(
            root,
            [
                "apps/worker/tsconfig.json".to_string(),
                "apps/worker/tsconfig.own.json".to_string(),
            ],
        );
        assert_eq!(
            all["apps/worker/tsconfig.json"].out_dir.as_deref(),
            Some("apps/worker/dist")
        );
        assert_eq!(
            Tsconfig::module_paths(&all, "apps/worker/tsconfig.json"),
            [("@api/*".to_string(), vec!["apps/api/src/*".to_string()])]
        );
        assert_eq!(
            Tsconfig::module_paths(&all, "apps/worker/tsconfig.own.json"),
            [("@lib".to_string(), vec!["packages/lib/src".to_string()])]
        );
    }

    #[test]
    fn extends_lists_and_package_names() {
        let v = parse(r#"{"extends": ["@tsconfig/node20/tsconfig.json", "./base.json"]}"#).unwrap();
        assert_eq!(
            extends_values(&v),
            ["@tsconfig/node20/tsconfig.json", "./base.json"]
        );
        assert!(parse("[1]").is_err());
    }
}
