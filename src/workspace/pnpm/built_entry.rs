//! The file a service's build writes that `node` would run, derived from what discovery read
//! (its tsup/tsdown config, the `tsc` build, the source its `dev` script runs: `tsx watch
//! src/server.ts`), for the fix `generate` suggests when a service names no entry. It only
//! says what can be derived; `None` leaves the generic suggestion. Pure: no disk.

use super::tsc_root::TscBuild;
use super::NodePackage;
use crate::workspace::relpath;

/// Programs that run a TypeScript (or JavaScript) source in development.
const DEV_RUNNERS: &[&str] = &["tsx", "ts-node", "ts-node-dev", "nodemon"];

/// The built file and how it was derived (`tsdown, tsdown.config.ts: format cjs`), for the
/// package in `dir` whose `build` is `tsc` as `tsc` says (when known).
pub fn built_entry(
    dir: &str,
    node: &NodePackage,
    tsc: Option<&TscBuild>,
) -> Option<(String, String)> {
    let source = dev_source(node);
    if let Some(out) = &node.bundler_output {
        // Several entries: the one the development command runs.
        let listed = |s: &String| {
            let s = s.trim_start_matches("./");
            (out.entries.iter()).any(|e| e.trim_start_matches("./") == s)
        };
        let entry = (out.entry.clone())
            .or_else(|| source.clone().filter(listed))
            .or(source.filter(|_| out.entries.is_empty()))?;
        let stem = stem(&entry)?;
        let module = node.module_type == "module";
        let ext = match (out.format.as_str(), module) {
            ("cjs", true) => "cjs",
            ("cjs", false) | ("esm", true) => "js",
            ("esm", false) => "mjs",
            _ => return None,
        };
        let file = relpath::child(&out.out_dir, &format!("{stem}.{ext}"));
        let how = format!(
            "{}, {}: format {}, entry {entry}",
            out.tool, out.config, out.format
        );
        return Some((file, how));
    }
    let tsc = tsc?;
    let source = source?;
    let in_ws = relpath::child(dir, &source);
    let rel = in_ws.strip_prefix(&format!("{}/", tsc.root_dir))?;
    let js = match rel.rsplit_once('.')? {
        (base, "ts" | "js") => format!("{base}.js"),
        (base, "mts") => format!("{base}.mjs"),
        (base, "cts") => format!("{base}.cjs"),
        _ => return None,
    };
    let built = relpath::child(&tsc.out_dir, &js);
    let file = if dir.is_empty() {
        built
    } else {
        built.strip_prefix(&format!("{dir}/"))?.to_string()
    };
    let how = format!(
        "tsc, {}: outDir {}; `dev` runs {source}",
        tsc.tsconfig, tsc.out_dir
    );
    Some((file, how))
}

/// The `tsc` build of a package whose `build` ends with a bare `tsc` and whose
/// `tsconfig.json` sets both `outDir` and `rootDir` (read exactly at discovery): discovery's
/// prediction ([`super::tsc_root`]) only covers a `rootDir` tsc computes.
pub fn explicit_tsc(
    dir: &str,
    node: &NodePackage,
    files: &std::collections::BTreeMap<String, super::tsconfig::Tsconfig>,
) -> Option<TscBuild> {
    let build = node.scripts.get("build")?;
    if build.rsplit("&&").next()?.trim() != "tsc" {
        return None;
    }
    let tsconfig = relpath::child(dir, "tsconfig.json");
    let get = |f: &dyn Fn(&super::tsconfig::Tsconfig) -> Option<String>| {
        super::tsconfig::Tsconfig::inherited(files, &tsconfig, f)
    };
    let t = files.get(&tsconfig)?;
    if t.problem.is_some() || t.unresolved_extends {
        return None;
    }
    Some(TscBuild {
        script: "build".into(),
        out_dir: get(&|t| t.out_dir.clone())?,
        root_dir: get(&|t| t.emit.root_dir.clone())?,
        tsconfig,
        inputs: Vec::new(),
        root_set: true,
        only_compile: false,
    })
}

/// The source file the `dev` script runs with tsx, ts-node or nodemon (`tsx watch
/// src/server` is `src/server.ts`), else the one a start script runs that way (karakeep's
/// workers: `"start": "tsx watch index.ts"`, `"start:prod": "tsx index.ts"`, no `dev`),
/// relative to the package.
fn dev_source(node: &NodePackage) -> Option<String> {
    ["dev", "start:prod", "start"]
        .iter()
        .find_map(|s| runner_source(node.scripts.get(*s)?))
}

/// The file `script` runs with a development runner, with `.ts` added when it has no
/// extension.
fn runner_source(script: &str) -> Option<String> {
    let mut words = script.split_whitespace();
    words.find(|w| DEV_RUNNERS.contains(w))?;
    let file = words.find(|w| *w != "watch" && !w.starts_with('-'))?;
    let file = file.trim_start_matches("./");
    let has_ext = [".ts", ".mts", ".cts", ".js", ".mjs", ".cjs"]
        .iter()
        .any(|e| file.ends_with(e));
    Some(if has_ext {
        file.to_string()
    } else {
        format!("{file}.ts")
    })
}

/// The file name of `path` without its extension.
fn stem(path: &str) -> Option<&str> {
    let name = path.rsplit('/').next()?;
    let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
    (!stem.is_empty()).then_some(stem)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::pnpm::bundler::BundlerOutput;

    fn node(dev: &str, module: bool) -> NodePackage {
        NodePackage {
            module_type: if module { "module" } else { "commonjs" }.into(),
            scripts: [("dev".to_string(), dev.to_string())].into(),
            ..Default::default()
        }
    }

    #[test]
    fn bundler_format_and_package_type_give_the_extension() {
        let mut n = node("tsx watch src/server", true);
        n.bundler_output = Some(BundlerOutput {
            tool: "tsdown",
            config: "tsdown.config.ts".into(),
            out_dir: "dist".into(),
            format: "cjs".into(),
            entry: None,
            entries: Vec::new(),
        });
        assert_eq!(
            built_entry("apps/gateway", &n, None).unwrap().0,
            "dist/server.cjs"
        );
        n.module_type = "commonjs".into();
        assert_eq!(
            built_entry("apps/gateway", &n, None).unwrap().0,
            "dist/server.js"
        );
        // Nothing says which file: no suggestion.
        n.scripts.clear();
        assert_eq!(built_entry("apps/gateway", &n, None), None);
    }

    #[test]
    fn tsc_maps_the_dev_source_through_root_and_out_dir() {
        let tsc = TscBuild {
            script: "build".into(),
            tsconfig: "apps/api/tsconfig.json".into(),
            out_dir: "apps/api/dist".into(),
            root_dir: "apps/api/src".into(),
            inputs: vec![],
            root_set: true,
            only_compile: true,
        };
        let n = node("ts-node src/main.ts", false);
        assert_eq!(
            built_entry("apps/api", &n, Some(&tsc)).unwrap().0,
            "dist/main.js"
        );
        assert_eq!(
            built_entry("apps/api", &node("vite", false), Some(&tsc)),
            None
        );
    }
}
