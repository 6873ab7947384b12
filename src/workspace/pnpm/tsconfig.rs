//! tsconfig files, read as TypeScript reads them: JSON with comments and trailing commas
//! (`jsonc-parser`), so a commented-out `"extends"` is a comment. For every `tsconfig*.json`
//! at the top of a package folder, and every file those extend by a relative path
//! (transitively), the model keeps its resolved `extends` files and its `references`.
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
    let extends = extends_values(&value)
        .into_iter()
        .filter(|t| t.starts_with('.'))
        .filter_map(|t| resolve_extends(root, dir, t))
        .collect();
    let references = match value.get("references") {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|r| r.get("path")?.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    };
    Tsconfig {
        extends,
        references,
        problem: None,
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
    if root.join(&rel).is_file() {
        return Some(rel);
    }
    let with_json = format!("{rel}.json");
    root.join(&with_json).is_file().then_some(with_json)
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
    fn extends_lists_and_package_names() {
        let v = parse(r#"{"extends": ["@tsconfig/node20/tsconfig.json", "./base.json"]}"#).unwrap();
        assert_eq!(
            extends_values(&v),
            ["@tsconfig/node20/tsconfig.json", "./base.json"]
        );
        assert!(parse("[1]").is_err());
    }
}
