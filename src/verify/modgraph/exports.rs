//! Node's `exports` and `imports` maps of `package.json`, as its ESM resolution algorithm
//! specifies them (PACKAGE_EXPORTS_RESOLVE, PACKAGE_IMPORTS_EXPORTS_RESOLVE,
//! PACKAGE_TARGET_RESOLVE): conditions in the map's order, `default` always matching,
//! subpath patterns with one `*` (longest prefix first), arrays as fallbacks of invalid
//! targets, `null` as "not exported".
//!
//! Pure functions over the parsed map: they return the target path (or a bare specifier an
//! `imports` target names, for the caller to resolve); they never look at the file tree.

use serde_json::{Map, Value};

use crate::verify::fs;

/// What a map entry gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// An absolute path inside the package.
    Path(String),
    /// A bare specifier (an `imports` target such as `"#dep": "lodash"`).
    Bare(String),
    /// `null`: explicitly not exported.
    Null,
    /// No entry or condition matched.
    Undefined,
}

/// A target the map names but Node refuses (`ERR_INVALID_PACKAGE_TARGET`): not `./`, or
/// leaving the package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InvalidTarget(pub String);

/// `subpath` (`.` or `./x`) through the `exports` value of the package at `pkg`.
pub(crate) fn exports_target(
    pkg: &str,
    subpath: &str,
    exports: &Value,
    conditions: &[&str],
) -> Result<Target, InvalidTarget> {
    let dotted = exports
        .as_object()
        .filter(|o| !o.is_empty() && o.keys().all(|k| k.starts_with('.')));
    if subpath == "." {
        let main = match exports {
            Value::Object(o) if dotted.is_some() => o.get("."),
            v => Some(v),
        };
        return match main {
            Some(m) => target(pkg, m, None, false, conditions),
            None => Ok(Target::Undefined),
        };
    }
    match dotted {
        Some(map) => map_target(subpath, map, pkg, false, conditions),
        None => Ok(Target::Undefined),
    }
}

/// `specifier` (`#x`) through the `imports` map of the package at `pkg`.
pub(crate) fn imports_target(
    pkg: &str,
    specifier: &str,
    imports: &Map<String, Value>,
    conditions: &[&str],
) -> Result<Target, InvalidTarget> {
    map_target(specifier, imports, pkg, true, conditions)
}

/// PACKAGE_IMPORTS_EXPORTS_RESOLVE: an exact key, else the pattern with the longest prefix.
fn map_target(
    key: &str,
    map: &Map<String, Value>,
    pkg: &str,
    is_imports: bool,
    conditions: &[&str],
) -> Result<Target, InvalidTarget> {
    if !key.contains('*') {
        if let Some(t) = map.get(key) {
            return target(pkg, t, None, is_imports, conditions);
        }
    }
    let mut patterns: Vec<(&str, &str, &str)> = map
        .keys()
        .filter_map(|k| {
            let (base, trailer) = k.split_once('*')?;
            (!trailer.contains('*')).then_some((k.as_str(), base, trailer))
        })
        .collect();
    // PATTERN_KEY_COMPARE: the longer prefix first, then the longer key.
    patterns.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(b.0.len().cmp(&a.0.len())));
    for (k, base, trailer) in patterns {
        if key.starts_with(base) && key != base {
            let fits = trailer.is_empty() || (key.ends_with(trailer) && key.len() >= k.len());
            if fits {
                let matched = &key[base.len()..key.len() - trailer.len()];
                return target(pkg, &map[k], Some(matched), is_imports, conditions);
            }
        }
    }
    Ok(Target::Undefined)
}

/// PACKAGE_TARGET_RESOLVE.
fn target(
    pkg: &str,
    t: &Value,
    pattern: Option<&str>,
    is_imports: bool,
    conditions: &[&str],
) -> Result<Target, InvalidTarget> {
    match t {
        Value::String(s) => string_target(pkg, s, pattern, is_imports),
        Value::Object(o) => {
            for (k, v) in o {
                if k == "default" || conditions.contains(&k.as_str()) {
                    match target(pkg, v, pattern, is_imports, conditions)? {
                        Target::Undefined => continue,
                        found => return Ok(found),
                    }
                }
            }
            Ok(Target::Undefined)
        }
        Value::Array(a) => {
            let mut last = Ok(Target::Null);
            for v in a {
                match target(pkg, v, pattern, is_imports, conditions) {
                    Err(e) => last = Err(e),
                    Ok(Target::Undefined) => last = Ok(Target::Undefined),
                    found => return found,
                }
            }
            last
        }
        Value::Null => Ok(Target::Null),
        other => Err(InvalidTarget(other.to_string())),
    }
}

fn string_target(
    pkg: &str,
    s: &str,
    pattern: Option<&str>,
    is_imports: bool,
) -> Result<Target, InvalidTarget> {
    let expand = |s: &str| pattern.map_or_else(|| s.to_string(), |p| s.replace('*', p));
    if !s.starts_with("./") {
        let url = s
            .split_once(':')
            .is_some_and(|(scheme, _)| scheme.len() > 1);
        if is_imports && !s.starts_with("../") && !s.starts_with('/') && !url {
            return Ok(Target::Bare(expand(s)));
        }
        return Err(InvalidTarget(s.to_string()));
    }
    if bad_segments(&s[2..]) {
        return Err(InvalidTarget(s.to_string()));
    }
    if let Some(p) = pattern {
        if bad_segments(p) {
            return Err(InvalidTarget(expand(s)));
        }
    }
    Ok(Target::Path(fs::join(pkg, &expand(s))))
}

/// Segments a target may not have after its leading `.`: `.`, `..`, `node_modules`, empty.
fn bad_segments(rest: &str) -> bool {
    rest.split(['/', '\\']).any(|seg| {
        let seg = seg.to_ascii_lowercase();
        seg.is_empty() || seg == "." || seg == ".." || seg == "node_modules"
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ESM: &[&str] = &["node", "import"];
    const CJS: &[&str] = &["node", "require"];

    fn path(p: &str) -> Result<Target, InvalidTarget> {
        Ok(Target::Path(p.into()))
    }

    #[test]
    fn sugar_conditions_and_subpaths() {
        let pkg = "/n/x";
        assert_eq!(
            exports_target(pkg, ".", &json!("./i.js"), ESM),
            path("/n/x/i.js")
        );
        let cond = json!({"import": "./esm/i.mjs", "require": "./cjs/i.cjs"});
        assert_eq!(exports_target(pkg, ".", &cond, ESM), path("/n/x/esm/i.mjs"));
        assert_eq!(exports_target(pkg, ".", &cond, CJS), path("/n/x/cjs/i.cjs"));
        let map = json!({
            ".": {"types": "./i.d.ts", "default": "./i.js"},
            "./utils": {"node": {"import": "./u.mjs"}, "default": "./u.js"},
            "./features/*.js": "./dist/features/*.js",
            "./features/private/*": null,
            "./package.json": "./package.json"
        });
        assert_eq!(exports_target(pkg, ".", &map, ESM), path("/n/x/i.js"));
        assert_eq!(
            exports_target(pkg, "./utils", &map, ESM),
            path("/n/x/u.mjs")
        );
        assert_eq!(exports_target(pkg, "./utils", &map, CJS), path("/n/x/u.js"));
        assert_eq!(
            exports_target(pkg, "./features/a/b.js", &map, ESM),
            path("/n/x/dist/features/a/b.js")
        );
        assert_eq!(
            exports_target(pkg, "./features/private/k", &map, ESM),
            Ok(Target::Null)
        );
        assert_eq!(
            exports_target(pkg, "./lib/x.js", &map, ESM),
            Ok(Target::Undefined)
        );
        // A subpath of a package that exports only its main.
        assert_eq!(
            exports_target(pkg, "./x", &cond, ESM),
            Ok(Target::Undefined)
        );
    }

    #[test]
    fn fallbacks_invalid_targets_and_imports() {
        let pkg = "/n/x";
        let arr = json!([{"worker": "./w.js"}, "./i.js"]);
        assert_eq!(exports_target(pkg, ".", &arr, ESM), path("/n/x/i.js"));
        assert!(exports_target(pkg, ".", &json!("../escape.js"), ESM).is_err());
        assert!(exports_target(pkg, ".", &json!("./node_modules/y/i.js"), ESM).is_err());
        let imports =
            json!({"#db": {"node": "./src/db.js"}, "#dep": "lodash", "#util/*": "./u/*.js"});
        let imports = imports.as_object().unwrap();
        assert_eq!(
            imports_target(pkg, "#db", imports, CJS),
            path("/n/x/src/db.js")
        );
        assert_eq!(
            imports_target(pkg, "#dep", imports, CJS),
            Ok(Target::Bare("lodash".into()))
        );
        assert_eq!(
            imports_target(pkg, "#util/a", imports, CJS),
            path("/n/x/u/a.js")
        );
        assert_eq!(
            imports_target(pkg, "#nope", imports, CJS),
            Ok(Target::Undefined)
        );
    }
}
