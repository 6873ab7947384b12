//! The parts of one tsconfig file that decide where `tsc` writes each output: `rootDir`,
//! `composite`, `allowJs`, `outFile`, and the input lists `files`, `include`, `exclude`
//! (made workspace-relative: TypeScript reads them relative to the file that sets them).
//!
//! Pure reading of an already parsed file; it never walks folders (see [`super::tsc_root`])
//! and a value of a type `tsc` would not take marks the file [`EmitOptions::inexact`] rather
//! than being guessed at.

use serde::Serialize;
use serde_json::Value;

use crate::workspace::relpath;

/// What one tsconfig file itself sets (not what it inherits).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EmitOptions {
    /// `compilerOptions.rootDir`, workspace-relative.
    pub root_dir: Option<String>,
    pub composite: Option<bool>,
    pub allow_js: Option<bool>,
    /// Whether `compilerOptions.outFile` (or `out`) is set: one output file, no tree.
    pub out_file: bool,
    /// `files`, `include` and `exclude`, each entry workspace-relative.
    pub files: Option<Vec<String>>,
    pub include: Option<Vec<String>>,
    pub exclude: Option<Vec<String>>,
    /// Some value could not be read as `tsc` reads it (a list that is not of strings, a path
    /// leaving the workspace): nothing is predicted from this file.
    pub inexact: bool,
}

impl EmitOptions {
    /// Reads them from the parsed tsconfig `value` of a file in the folder `dir`.
    pub fn read(value: &Value, dir: &str) -> EmitOptions {
        let mut inexact = false;
        let options = value.get("compilerOptions");
        let get = |key: &str| options.and_then(|o| o.get(key));
        let flag = |key: &str, inexact: &mut bool| match get(key) {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(_) => {
                *inexact = true;
                None
            }
        };
        let composite = flag("composite", &mut inexact);
        let allow_js = flag("allowJs", &mut inexact);
        let root_dir = match get("rootDir") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => {
                let joined = relpath::join(dir, s);
                inexact |= joined.is_none();
                joined
            }
            Some(_) => {
                inexact = true;
                None
            }
        };
        let out_file = get("outFile").is_some() || get("out").is_some();
        let mut list = |key: &str| match value.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::Array(items)) => {
                let mut out = Vec::new();
                for item in items {
                    match item.as_str().and_then(|s| relpath::join(dir, s)) {
                        Some(p) => out.push(p),
                        None => inexact = true,
                    }
                }
                Some(out)
            }
            Some(_) => {
                inexact = true;
                None
            }
        };
        let files = list("files");
        let include = list("include");
        let exclude = list("exclude");
        EmitOptions {
            root_dir,
            composite,
            allow_js,
            out_file,
            files,
            include,
            exclude,
            inexact,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_relative_to_the_file_and_odd_values_are_inexact() {
        let v: Value = serde_json::from_str(
            r#"{"include": ["src", "./prisma.config.ts"], "exclude": ["../x/**"],
                "compilerOptions": {"rootDir": "./src", "allowJs": true}}"#,
        )
        .unwrap();
        let o = EmitOptions::read(&v, "apps/api");
        assert_eq!(
            o.include.unwrap(),
            ["apps/api/src", "apps/api/prisma.config.ts"]
        );
        assert_eq!(o.exclude.unwrap(), ["apps/x/**"]);
        assert_eq!(o.root_dir.as_deref(), Some("apps/api/src"));
        assert_eq!(o.allow_js, Some(true));
        assert!(!o.inexact && o.files.is_none());
        let odd: Value = serde_json::from_str(r#"{"include": "src"}"#).unwrap();
        assert!(EmitOptions::read(&odd, "a").inexact);
    }
}
