//! Where a package's `tsc` build writes its outputs, predicted as TypeScript computes it: each
//! non-declaration input file (`files`, plus the `include` globs minus `exclude`; `**/*`
//! when neither is set) lands in `outDir` at its path below the root, the tsconfig's `rootDir`
//! or, when it sets none, the longest common folder of the inputs, so one file at the package
//! top (`prisma.config.ts`) beside `src/` moves `dist/main.js` to `dist/src/main.js`.
//!
//! Only builds read exactly are predicted: the `build` script runs one compile, plain `tsc`
//! (`-p`/`--project`, or `-b`/`--build` of one project) or `nest build`
//! (`tsconfig.build.json`, else `tsconfig.json`; no webpack, swc or other builder in
//! `nest-cli.json`), beside only known file tools; every tsconfig of the chain read, every
//! `extends` a file; no `outFile`, and no `composite` without a `rootDir`.
//! Anything else predicts nothing. Files an import pulls in can only widen the root further.
//!
//! It reads folders and `nest-cli.json`; it never decides what a mismatch means (generate
//! does), and never fails: what it cannot read it does not predict.

use std::collections::BTreeMap;
use std::path::Path;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use serde::Serialize;

use super::files::read_text;
use super::tsconfig::{parse, Tsconfig};
use crate::workspace::relpath;

/// The prediction for one package's build script.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TscBuild {
    /// The script read (`build`).
    pub script: String,
    /// The tsconfig file that script compiles (workspace-relative).
    pub tsconfig: String,
    /// Its `outDir` and the `rootDir` tsc computes (workspace-relative).
    pub out_dir: String,
    pub root_dir: String,
    /// The non-declaration input files (workspace-relative, sorted).
    pub inputs: Vec<String>,
    /// Whether the tsconfig sets `rootDir` (else tsc computes it from the inputs).
    pub root_set: bool,
    /// Whether the compile is all that writes files: no copy tool in the script (`cp`,
    /// `copyfiles`, ...), no `postbuild` script.
    pub only_compile: bool,
}

/// Programs a build script may run beside the compile without writing JavaScript outputs.
const FILE_TOOLS: &[&str] = &[
    "rimraf",
    "rm",
    "prisma",
    "tsc-alias",
    "echo",
    "mkdir",
    "cp",
    "copyfiles",
    "cpx",
    "shx",
];
/// Folders TypeScript's wildcards never enter.
const SKIPPED: &[&str] = &["node_modules", "bower_components", "jspm_packages"];
/// More files than this under an `include` base: no prediction.
const MAX_FILES: usize = 20_000;

/// Predicts the output root of the `build` script of the package in `dir`.
pub fn predict(
    root: &Path,
    dir: &str,
    scripts: &BTreeMap<String, String>,
    files: &BTreeMap<String, Tsconfig>,
) -> Option<TscBuild> {
    let script = "build";
    let (tsconfig, copies) = build_tsconfig(root, dir, scripts.get(script)?)?;
    let only_compile = !copies && !scripts.contains_key("postbuild");
    if !chain_exact(files, &tsconfig, 0) {
        return None;
    }
    let file = tsconfig.as_str();
    let out_dir = Tsconfig::inherited(files, file, &|t| t.out_dir.clone())?;
    let root_set = Tsconfig::inherited(files, file, &|t| t.emit.root_dir.clone());
    let composite = Tsconfig::inherited(files, file, &|t| t.emit.composite);
    if root_set.is_none() && composite == Some(true) {
        return None;
    }
    let allow_js = Tsconfig::inherited(files, file, &|t| t.emit.allow_js).unwrap_or(false);
    let listed = Tsconfig::inherited(files, file, &|t| t.emit.files.clone());
    let include = Tsconfig::inherited(files, file, &|t| t.emit.include.clone());
    let exclude = Tsconfig::inherited(files, file, &|t| t.emit.exclude.clone());
    let config_dir = relpath::parent(&tsconfig);
    let include = match (include, &listed) {
        (Some(i), _) => i,
        (None, Some(_)) => Vec::new(),
        (None, None) => vec![relpath::child(config_dir, "**/*")],
    };
    let exclude = exclude.unwrap_or_else(|| {
        SKIPPED
            .iter()
            .map(|s| relpath::child(config_dir, s))
            .chain([out_dir.clone()])
            .collect()
    });
    let mut inputs: Vec<String> = listed
        .unwrap_or_default()
        .into_iter()
        .filter(|f| is_input(f, allow_js) && crate::fsio::is_file(root.join(f)))
        .collect();
    inputs.extend(matched(root, &include, &exclude, &out_dir, allow_js)?);
    inputs.sort();
    inputs.dedup();
    let root_dir = match &root_set {
        Some(r) => r.clone(),
        None => common_folder(&inputs)?,
    };
    Some(TscBuild {
        script: script.to_string(),
        tsconfig,
        out_dir,
        root_set: root_set.is_some(),
        root_dir: match root_set {
            Some(r) => r,
            None => root_dir,
        },
        inputs,
        only_compile,
    })
}

/// Whether `file` and everything it extends were read exactly.
pub(crate) fn chain_exact(files: &BTreeMap<String, Tsconfig>, file: &str, depth: usize) -> bool {
    let Some(t) = files.get(file) else {
        return false;
    };
    depth < 32
        && t.problem.is_none()
        && !t.unresolved_extends
        && !t.emit.inexact
        && !t.emit.out_file
        && t.extends.iter().all(|e| chain_exact(files, e, depth + 1))
}

/// Programs of [`FILE_TOOLS`] that may write a file into the output folder.
const COPY_TOOLS: &[&str] = &["cp", "copyfiles", "cpx", "shx"];

/// The tsconfig (workspace-relative) the one compile of `script` reads, and whether the
/// script also runs a tool that copies files.
fn build_tsconfig(root: &Path, dir: &str, script: &str) -> Option<(String, bool)> {
    if script.contains(['`', '$', '>', '<', '(']) {
        return None;
    }
    let words = shlex::split(script)?;
    let mut compiles = Vec::new();
    let mut copies = false;
    for command in words.split(|w| ["&&", "||", ";", "|"].contains(&w.as_str())) {
        let command: Vec<&str> = command
            .iter()
            .map(String::as_str)
            .skip_while(|w| w.contains('=') && !w.starts_with('-'))
            .collect();
        let Some((&program, args)) = command.split_first() else {
            continue;
        };
        if args.iter().any(|a| a.contains(['&', ';', '|'])) {
            return None;
        }
        match (program, args) {
            ("tsc", [b, rest @ ..]) if matches!(*b, "-b" | "--build") => {
                compiles.push(build_mode_project(rest)?);
            }
            ("tsc", _) => compiles.push(project_arg(args, &["-p", "--project"], &[])?),
            ("nest", ["build", rest @ ..]) => {
                compiles.push(nest_tsconfig(root, dir, rest)?);
            }
            (p, _) if FILE_TOOLS.contains(&p) => copies |= COPY_TOOLS.contains(&p),
            _ => return None,
        }
    }
    let [one] = compiles.as_slice() else {
        return None;
    };
    let named = relpath::join(dir, one)?;
    if crate::fsio::is_dir(root.join(&named)) {
        return Some((relpath::child(&named, "tsconfig.json"), copies));
    }
    crate::fsio::is_file(root.join(&named)).then_some((named, copies))
}

/// The value of the one `flags` argument (or `""`); `None` on any other argument but `allowed`.
fn project_arg(args: &[&str], flags: &[&str], allowed: &[&str]) -> Option<String> {
    let mut out = String::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if flags.contains(a) {
            out = it.next()?.to_string();
        } else if !allowed.contains(a) {
            return None;
        }
    }
    Some(out)
}

/// The one project `tsc --build [flags] [project]` compiles (`""`: the folder's
/// tsconfig.json); `None` for several projects or a flag that changes what it writes.
fn build_mode_project(args: &[&str]) -> Option<String> {
    let mut projects = Vec::new();
    for a in args {
        match *a {
            "-v" | "--verbose" | "-f" | "--force" => {}
            a if a.starts_with('-') => return None,
            a => projects.push(a),
        }
    }
    match projects.as_slice() {
        [] => Some(String::new()),
        [one] => Some(one.to_string()),
        _ => None,
    }
}

/// `nest build`'s tsconfig: `-p`/`--path`, else `tsconfig.build.json` when present, else
/// `tsconfig.json`; `None` when `nest-cli.json` picks another compiler or file.
fn nest_tsconfig(root: &Path, dir: &str, args: &[&str]) -> Option<String> {
    let chosen = project_arg(args, &["-p", "--path"], &["--tsc"])?;
    let cli = root.join(relpath::child(dir, "nest-cli.json"));
    if crate::fsio::is_file(&cli) {
        let value = parse(&read_text(&cli).ok()?).ok()?;
        let options = value.get("compilerOptions");
        let set = |k: &str| options.and_then(|o| o.get(k)).is_some_and(|v| !v.is_null());
        let builder_tsc = options
            .and_then(|o| o.get("builder"))
            .is_none_or(|b| b.as_str() == Some("tsc"));
        if set("webpack") || set("tsConfigPath") || !builder_tsc || value.get("projects").is_some()
        {
            return None;
        }
    }
    if !chosen.is_empty() {
        return Some(chosen);
    }
    let build = relpath::child(dir, "tsconfig.build.json");
    Some(
        if crate::fsio::is_file(root.join(&build)) {
            "tsconfig.build.json"
        } else {
            "tsconfig.json"
        }
        .into(),
    )
}

/// Whether `file` is a compile input by its name (declaration files are not).
fn is_input(file: &str, allow_js: bool) -> bool {
    let name = file.rsplit('/').next().unwrap_or(file);
    if [".d.ts", ".d.mts", ".d.cts"]
        .iter()
        .any(|d| name.ends_with(d))
    {
        return false;
    }
    let ts = [".ts", ".tsx", ".mts", ".cts"];
    let js = [".js", ".jsx", ".mjs", ".cjs"];
    ts.iter().any(|e| name.ends_with(e)) || (allow_js && js.iter().any(|e| name.ends_with(e)))
}

/// The input files the `include` globs match minus `exclude` (`None`: too many to walk).
fn matched(
    root: &Path,
    include: &[String],
    exclude: &[String],
    out_dir: &str,
    allow_js: bool,
) -> Option<Vec<String>> {
    let includes = globs(include.iter().flat_map(|p| as_include(p)))?;
    let excludes = globs(exclude.iter().flat_map(|p| [p.clone(), format!("{p}/**")]))?;
    let mut out = Vec::new();
    let mut seen = 0;
    for pattern in include {
        let base = literal_base(pattern);
        let walker = crate::fsio::walk(root.join(&base)).into_iter();
        let walker = walker.filter_entry(|e| {
            let name = e.file_name().to_string_lossy();
            e.depth() == 0 || !(name.starts_with('.') || SKIPPED.contains(&name.as_ref()))
        });
        for entry in crate::fsio::walked_all(walker).flatten() {
            seen += 1;
            if seen > MAX_FILES {
                return None;
            }
            let Ok(rel) = entry.path().strip_prefix(root) else {
                continue;
            };
            let rel = rel.to_string_lossy().replace('\\', "/");
            if entry.file_type().is_file()
                && !relpath::within(&rel, out_dir)
                && is_input(&rel, allow_js)
                && includes.is_match(&rel)
                && !excludes.is_match(&rel)
            {
                out.push(rel);
            }
        }
    }
    Some(out)
}

/// An include pattern as globs: a last segment without a wildcard or a dot is a folder.
pub(crate) fn as_include(pattern: &str) -> Vec<String> {
    let last = pattern.rsplit('/').next().unwrap_or(pattern);
    if last.contains(['*', '?', '.']) {
        vec![pattern.to_string()]
    } else {
        vec![pattern.to_string(), format!("{pattern}/**/*")]
    }
}

/// The folders of `pattern` before its first wildcard segment.
fn literal_base(pattern: &str) -> String {
    let segs: Vec<&str> = pattern.split('/').collect();
    let literal = segs
        .iter()
        .take_while(|s| !s.contains(['*', '?', '[', '{']));
    let mut base: Vec<&str> = literal.copied().collect();
    if base.len() == segs.len() {
        base.pop();
    }
    base.join("/")
}

pub(crate) fn globs(patterns: impl IntoIterator<Item = String>) -> Option<GlobSet> {
    let mut set = GlobSetBuilder::new();
    for p in patterns {
        set.add(GlobBuilder::new(&p).literal_separator(true).build().ok()?);
    }
    set.build().ok()
}

/// The longest common folder of the files' folders (`None` for no files).
fn common_folder(files: &[String]) -> Option<String> {
    let mut common: Vec<&str> = relpath::parent(files.first()?).split('/').collect();
    for f in files {
        let segs: Vec<&str> = relpath::parent(f).split('/').collect();
        let same = common.iter().zip(&segs).take_while(|(a, b)| a == b).count();
        common.truncate(same);
    }
    Some(common.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, file: &str, text: &str) {
        let path = root.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn predict_in(root: &Path, build: &str) -> Option<TscBuild> {
        let tsconfigs = ["api/tsconfig.json", "api/tsconfig.build.json"]
            .into_iter()
            .filter(|f| crate::fsio::is_file(root.join(f)))
            .map(str::to_string);
        let files = super::super::tsconfig::read_all(root, tsconfigs);
        let scripts = BTreeMap::from([("build".to_string(), build.to_string())]);
        predict(root, "api", &scripts, &files)
    }

    #[test]
    fn a_top_level_file_widens_the_root_to_the_package() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(
            root,
            "api/tsconfig.json",
            r#"{"compilerOptions": {"outDir": "./dist"}}"#,
        );
        write(
            root,
            "api/tsconfig.build.json",
            r#"{"extends": "./tsconfig.json", "exclude": ["node_modules", "test", "dist", "**/*spec.ts"]}"#,
        );
        write(root, "api/src/main.ts", "");
        write(root, "api/src/app/app.service.ts", "");
        write(root, "api/src/app/app.service.spec.ts", "");
        write(root, "api/src/types.d.ts", "");
        write(root, "api/dist/main.js", "");
        write(root, "api/node_modules/x/index.ts", "");
        let only_src = predict_in(root, "nest build").unwrap();
        assert_eq!(only_src.tsconfig, "api/tsconfig.build.json");
        assert_eq!(only_src.root_dir, "api/src");
        assert_eq!(
            only_src.inputs,
            ["api/src/app/app.service.ts", "api/src/main.ts"]
        );
        write(root, "api/prisma.config.ts", "");
        let wide = predict_in(root, "prisma generate && nest build").unwrap();
        assert_eq!(wide.root_dir, "api");
        assert_eq!(wide.out_dir, "api/dist");
        assert!(wide.inputs.contains(&"api/prisma.config.ts".to_string()));
        let tsc = predict_in(root, "rimraf dist && tsc -p tsconfig.build.json").unwrap();
        assert_eq!(tsc.root_dir, "api");
    }

    #[test]
    fn what_is_not_read_exactly_predicts_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "api/src/main.ts", "");
        write(root, "api/prisma.config.ts", "");
        write(
            root,
            "api/tsconfig.json",
            r#"{"compilerOptions": {"outDir": "dist"}}"#,
        );
        assert!(predict_in(root, "tsc").is_some());
        for build in [
            "tsup",
            "tsc && esbuild src/main.ts",
            "tsc --rootDir src",
            "tsc $FLAGS",
        ] {
            assert!(predict_in(root, build).is_none(), "{build}");
        }
        write(
            root,
            "api/nest-cli.json",
            r#"{"compilerOptions": {"builder": "swc"}}"#,
        );
        assert!(predict_in(root, "nest build").is_none());
        for config in [
            r#"{"extends": "@tsconfig/node20", "compilerOptions": {"outDir": "dist"}}"#,
            r#"{"compilerOptions": {"outDir": "dist", "composite": true}}"#,
            r#"{"include": "src", "compilerOptions": {"outDir": "dist"}}"#,
        ] {
            write(root, "api/tsconfig.json", config);
            assert!(predict_in(root, "tsc").is_none(), "{config}");
        }
    }

    #[test]
    fn a_set_root_dir_is_the_root_and_tsc_build_of_one_project_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "api/src/index.ts", "");
        write(
            root,
            "api/tsconfig.build.json",
            r#"{"include": ["./src"], "compilerOptions": {"outDir": "./dist", "rootDir": "./src", "composite": true}}"#,
        );
        let p = predict_in(root, "tsc --build tsconfig.build.json").unwrap();
        assert_eq!((p.root_dir.as_str(), p.root_set), ("api/src", true));
        assert_eq!(p.inputs, ["api/src/index.ts"]);
        assert!(p.only_compile);
        let p = predict_in(
            root,
            "rimraf dist && cp x.js dist/ && tsc -b tsconfig.build.json",
        )
        .unwrap();
        assert!(!p.only_compile);
        assert!(predict_in(root, "tsc -b a.json b.json").is_none());
        assert!(predict_in(root, "tsc --build --watch tsconfig.build.json").is_none());
    }

    #[test]
    fn include_folders_and_files_lists() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "api/src/main.ts", "");
        write(root, "api/scripts/seed.js", "");
        write(
            root,
            "api/tsconfig.json",
            r#"{"include": ["src", "scripts"], "compilerOptions": {"outDir": "dist"}}"#,
        );
        assert_eq!(predict_in(root, "tsc").unwrap().root_dir, "api/src");
        write(
            root,
            "api/tsconfig.json",
            r#"{"include": ["src", "scripts"], "compilerOptions": {"outDir": "dist", "allowJs": true}}"#,
        );
        assert_eq!(predict_in(root, "tsc").unwrap().root_dir, "api");
        write(
            root,
            "api/tsconfig.json",
            r#"{"files": ["src/main.ts"], "compilerOptions": {"outDir": "dist"}}"#,
        );
        assert_eq!(predict_in(root, "tsc").unwrap().inputs, ["api/src/main.ts"]);
    }
}
