//! Whether a package's `build` script rewrites the package's own `package.json` (dokploy's
//! `@dokploy/server`: `"build": "npm run switch:prod && tsc ..."`, where `switch:prod` runs
//! `node scripts/switchToDist.js`, which points `main` and `exports` from `src/*.ts` to
//! `dist`), or sets fields with `npm pkg set` / `pnpm pkg set`. What Node loads from the
//! package in production is then not what the repository's manifest says.
//!
//! It reads the build script's text, the scripts it runs by name (`npm run x`, `pnpm x`), and
//! the package's own files they run with `node`/`tsx` (only those); it never runs anything and
//! never fails: a file it cannot read is not evidence.

use std::collections::BTreeMap;
use std::path::Path;

/// How the build rewrites the manifest: the script that does and its command
/// (`switch:prod`: `node scripts/switchToDist.js`), when it does.
pub fn rewrite(root: &Path, dir: &str, scripts: &BTreeMap<String, String>) -> Option<String> {
    let mut seen = Vec::new();
    find(root, dir, scripts, "build", &mut seen)
}

fn find(
    root: &Path,
    dir: &str,
    scripts: &BTreeMap<String, String>,
    name: &str,
    seen: &mut Vec<String>,
) -> Option<String> {
    if seen.iter().any(|s| s == name) || seen.len() > 8 {
        return None;
    }
    seen.push(name.to_string());
    let text = scripts.get(name)?;
    for command in text.split(['&', ';', '|']).map(str::trim) {
        let words: Vec<&str> = command.split_whitespace().collect();
        match words.as_slice() {
            [pm, "pkg", "set", ..] if matches!(*pm, "npm" | "pnpm") => {
                return Some(format!("`{name}`: {command}"));
            }
            [pm, "run" | "run-script", script, ..] | [pm, script, ..]
                if matches!(*pm, "npm" | "pnpm" | "yarn") && scripts.contains_key(*script) =>
            {
                if let Some(found) = find(root, dir, scripts, script, seen) {
                    return Some(found);
                }
            }
            [runner, file, ..]
                if matches!(*runner, "node" | "tsx" | "bun")
                    && writes_manifest(&root.join(dir).join(file)) =>
            {
                return Some(format!("`{name}`: {command}"));
            }
            _ => {}
        }
    }
    None
}

/// Whether the file writes a `package.json` (a writing call whose path names it; read with a
/// parser, so a script that only reads its package.json to stamp a version elsewhere does not).
fn writes_manifest(path: &Path) -> bool {
    let Ok(text) = crate::fsio::read_to_string(path) else {
        return false;
    };
    text.contains("package.json") && crate::js::writes_package_json(path, &text).unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_script_run_by_the_build_that_writes_package_json_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let pkg = dir.path().join("packages/server/scripts");
        std::fs::create_dir_all(&pkg).unwrap();
        std::fs::write(
            pkg.join("switchToDist.js"),
            "const packagePath = path.join(__dirname, '../package.json');\nconst pkg = JSON.parse(fs.readFileSync(packagePath));\npkg.main = './dist/index.js';\nfs.writeFileSync(packagePath, JSON.stringify(pkg));\n",
        )
        .unwrap();
        std::fs::write(pkg.join("lint.js"), "console.log('package.json')\n").unwrap();
        let scripts: BTreeMap<String, String> = [
            ("build", "npm run switch:prod && rimraf dist && tsc"),
            ("switch:prod", "node scripts/switchToDist.js"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(
            rewrite(dir.path(), "packages/server", &scripts).as_deref(),
            Some("`switch:prod`: node scripts/switchToDist.js")
        );
        let plain: BTreeMap<String, String> = [("build", "node scripts/lint.js && tsc")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(rewrite(dir.path(), "packages/server", &plain), None);
        let pkg_set: BTreeMap<String, String> =
            [("build", "tsc && npm pkg set main=dist/index.js")]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
        assert!(rewrite(dir.path(), "x", &pkg_set).is_some());
    }
}
