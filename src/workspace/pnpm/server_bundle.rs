//! The workspace packages a service's webpack or Vite server (SSR) build inlines, read from
//! the build's config with the JavaScript parser ([`crate::js::webpack_config`],
//! [`crate::js::vite_config`]) at discovery.
//!
//! The commands the `build` script runs are followed through the scripts it runs by name
//! (`pnpm run build:remix`, `npm run x`, `pnpm x`). webpack inlines every import its
//! `externals` does not name; with `webpack-node-externals` (which leaves every package of
//! `node_modules` external, pnpm's links to workspace packages included) only its `allowlist`;
//! `nest build` with webpack takes that default unless the package's own webpack config sets
//! `externals` in a function it exports (an exported object is merged into Nest's options,
//! arrays concatenated, so Nest's `nodeExternals()` stays and inlines none). A webpack config whose `target` is only ever a browser (`web`) bundles no
//! server; one whose output files are known and are not what the `start` script runs is not
//! what the service runs. Vite's server build (`remix vite:build`, `react-router build`,
//! `vite build --ssr`, `build.ssr`) inlines a linked workspace package unless `ssr.external`
//! or `build.rollupOptions.external` names it or `ssr.external: true` leaves every package
//! out (`ssr.noExternal` then takes some back).
//!
//! What the config computes at run time is named by file and line in the answer's `unread`,
//! and then it claims nothing it depends on.

use std::collections::BTreeMap;
use std::path::Path;

use super::bundler::Inlining;
use crate::js::{Listed, Setting};
use crate::workspace::relpath;

/// Config file names, in the order webpack-cli and Vite look for them.
const WEBPACK_FILES: &[&str] = &[
    "webpack.config.js",
    "webpack.config.cjs",
    "webpack.config.mjs",
    "webpack.config.ts",
    "webpack.config.cts",
    "webpack.config.mts",
];
const VITE_FILES: &[&str] = &[
    "vite.config.js",
    "vite.config.mjs",
    "vite.config.ts",
    "vite.config.cjs",
    "vite.config.mts",
    "vite.config.cts",
];

/// Programs that run the command after them (`cross-env NODE_ENV=production webpack`).
const WRAPPERS: &[&str] = &["cross-env", "npx", "pnpx", "bunx", "dotenv", "env", "nice"];

/// One bundling command the build runs.
#[derive(Debug, PartialEq, Eq)]
enum Build {
    /// `webpack` (its `--config`, if given), or `nest build` with webpack (`nest: true`).
    Webpack { config: Option<String>, nest: bool },
    /// A Vite server build: `ssr` when the command itself asks for one (Remix, React Router,
    /// `vite build --ssr`); otherwise only when the config sets `build.ssr`.
    Vite { config: Option<String>, ssr: bool },
}

/// What the `build` script's webpack or Vite server build inlines; `None` when it runs
/// neither (or its config cannot be found or parsed).
pub fn inlining(
    root: &Path,
    dir: &str,
    scripts: &BTreeMap<String, String>,
    start_file: Option<&str>,
) -> Option<Inlining> {
    let mut commands = Vec::new();
    commands_of(scripts, "build", &mut Vec::new(), &mut commands);
    commands.iter().find_map(|words| {
        let build = build_of(root, dir, words)?;
        match build {
            Build::Webpack { config, nest } => webpack(root, dir, config, nest, start_file),
            Build::Vite { config, ssr } => vite(root, dir, config, ssr),
        }
    })
}

/// The commands (as words, wrappers such as `dotenv -e .env --` and `VAR=value` dropped) the
/// script `name` runs, the scripts it runs by name followed (`pnpm with-env vite build`).
pub fn script_commands(scripts: &BTreeMap<String, String>, name: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    commands_of(scripts, name, &mut Vec::new(), &mut out);
    out
}

/// The commands (as words, wrappers and `VAR=value` dropped) the script `name` runs, the
/// scripts it runs by name followed; `extra` are the words written after the script's name
/// (`pnpm with-env vite build`), which pnpm and npm append to its text.
fn commands_of(
    scripts: &BTreeMap<String, String>,
    name: &str,
    seen: &mut Vec<String>,
    out: &mut Vec<Vec<String>>,
) {
    commands_with(scripts, name, &[], seen, out);
}

fn commands_with(
    scripts: &BTreeMap<String, String>,
    name: &str,
    extra: &[String],
    seen: &mut Vec<String>,
    out: &mut Vec<Vec<String>>,
) {
    if seen.iter().any(|s| s == name) || seen.len() > 8 {
        return;
    }
    let Some(mut words) = scripts.get(name).and_then(|s| shlex::split(s)) else {
        return;
    };
    seen.push(name.to_string());
    words.extend(extra.iter().cloned());
    for command in words.split(|w| ["&&", "||", ";", "|", "&"].contains(&w.as_str())) {
        let words = unwrapped(command);
        let by_name = match words
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .as_slice()
        {
            [pm, "run" | "run-script", script, ..]
                if matches!(*pm, "npm" | "pnpm" | "yarn" | "bun")
                    && scripts.contains_key(*script) =>
            {
                Some((script.to_string(), 3))
            }
            [pm, script, ..]
                if matches!(*pm, "npm" | "pnpm" | "yarn" | "bun")
                    && scripts.contains_key(*script) =>
            {
                Some((script.to_string(), 2))
            }
            _ => None,
        };
        match by_name {
            Some((script, at)) => {
                // npm passes the words after `--` only (`npm run x -- --flag`).
                let rest = words[at..].strip_prefix(&["--".to_string()][..]);
                let rest = rest.unwrap_or(&words[at..]);
                commands_with(scripts, &script, rest, seen, out);
            }
            None if words.is_empty() => {}
            None => out.push(words),
        }
    }
    // The scripts being expanded, not every one met: `pnpm with-env a && pnpm with-env b`
    // expands `with-env` twice.
    seen.pop();
}

/// A command without its `VAR=value` prefixes and wrapper programs (with their options).
fn unwrapped(command: &[String]) -> Vec<String> {
    let mut words: Vec<String> = command.to_vec();
    loop {
        let first = words.first().map(String::as_str);
        match first {
            Some(w) if w.contains('=') && !w.starts_with('-') => {
                words.remove(0);
            }
            Some("pnpm" | "yarn") if words.get(1).is_some_and(|w| w == "exec") => {
                words.drain(..2);
            }
            Some(w) if WRAPPERS.contains(&w) => {
                words.remove(0);
                // A wrapper's own options (`dotenv -e .env --`).
                while words.first().is_some_and(|w| w.starts_with('-')) {
                    let flag = words.remove(0);
                    if flag == "--" {
                        break;
                    }
                    if matches!(flag.as_str(), "-e" | "-c" | "-v") && !words.is_empty() {
                        words.remove(0);
                    }
                }
            }
            _ => return words,
        }
    }
}

/// The bundling build one command runs, with its config file (relative to the package).
fn build_of(root: &Path, dir: &str, words: &[String]) -> Option<Build> {
    let w: Vec<&str> = words.iter().map(String::as_str).collect();
    let config = config_arg(&w);
    match w.as_slice() {
        ["webpack" | "webpack-cli", ..] => Some(Build::Webpack {
            config,
            nest: false,
        }),
        ["nest", "build", rest @ ..] => {
            let nest_cli = nest_webpack(root, dir)?;
            (rest.contains(&"--webpack") || nest_cli.0).then_some(Build::Webpack {
                config: config_arg(rest).or(nest_cli.1),
                nest: true,
            })
        }
        ["remix", "vite:build", ..] | ["react-router", "build", ..] => {
            Some(Build::Vite { config, ssr: true })
        }
        ["vite", "build", rest @ ..] => Some(Build::Vite {
            config,
            ssr: rest
                .iter()
                .any(|a| *a == "--ssr" || a.starts_with("--ssr=")),
        }),
        _ => None,
    }
}

/// The `--config`/`-c` argument of a command.
fn config_arg(words: &[&str]) -> Option<String> {
    let mut it = words.iter();
    while let Some(w) = it.next() {
        if matches!(*w, "--config" | "-c") {
            return it.next().map(|s| s.to_string());
        }
        if let Some(v) = w.strip_prefix("--config=") {
            return Some(v.to_string());
        }
    }
    None
}

/// What the package's `nest-cli.json` says: whether `compilerOptions.webpack` is on, and its
/// `webpackConfigPath`. `None` when the file cannot be read.
fn nest_webpack(root: &Path, dir: &str) -> Option<(bool, Option<String>)> {
    let text = crate::fsio::read_to_string(root.join(relpath::child(dir, "nest-cli.json"))).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    let options = json.get("compilerOptions");
    // `webpack: true` (Nest 9), or `builder: "webpack"` / `{ "type": "webpack" }` (Nest 10).
    let builder = options.and_then(|o| o.get("builder"));
    let builder = builder.and_then(|b| b.as_str().or_else(|| b.get("type")?.as_str()));
    let on = (options.and_then(|o| o.get("webpack")))
        .and_then(serde_json::Value::as_bool)
        .or(builder.map(|b| b == "webpack"));
    let path = (options.and_then(|o| o.get("webpackConfigPath")))
        .and_then(serde_json::Value::as_str)
        .map(str::to_string);
    Some((on.unwrap_or(false), path))
}

/// The config file: the one the command names, else the first default that exists; its
/// workspace-relative path and text.
fn config_file(
    root: &Path,
    dir: &str,
    named: Option<&str>,
    defaults: &[&str],
) -> Option<(String, String)> {
    let candidates: Vec<&str> = named.map_or_else(|| defaults.to_vec(), |n| vec![n]);
    candidates.into_iter().find_map(|f| {
        let rel = relpath::join(dir, f)?;
        let text = crate::fsio::read_to_string(root.join(&rel)).ok()?;
        Some((rel, text))
    })
}

/// The lines of `listed`'s unread values, as `file:line (`key`)`.
fn unread(file: &str, key: &str, listed: &Listed, out: &mut Vec<String>) {
    out.extend(
        listed
            .unread
            .iter()
            .map(|l| format!("{file}:{l} (`{key}`)")),
    );
}

/// webpack's answer. `start_file` is the file the `start` script runs, relative to the package.
fn webpack(
    root: &Path,
    dir: &str,
    config: Option<String>,
    nest: bool,
    start_file: Option<&str>,
) -> Option<Inlining> {
    let named = config.as_deref().or(nest.then_some("webpack.config.js"));
    let Some((file, text)) = config_file(root, dir, named, WEBPACK_FILES) else {
        // nest's own config leaves every node_modules package (workspace links too) external.
        return nest.then(|| Inlining::by("nest build (webpack)"));
    };
    let mut c = crate::js::webpack_config(Path::new(&file), &text).ok()?;
    if nest && !c.exports_function {
        // Nest merges an exported object into its options: its `nodeExternals()` stays first.
        c.node_externals.insert(0, Listed::default());
    }
    let browser_only = !c.targets.is_empty()
        && c.targets
            .iter()
            .all(|t| matches!(t, Setting::Set(t) if !node_target(t)));
    if !c.found || browser_only {
        return None;
    }
    let mut out = Inlining::by(&format!("webpack ({file})"));
    out.config = Some(file.clone());
    let set_externals = !c.externals.patterns.is_empty()
        || !c.externals.unread.is_empty()
        || !c.node_externals.is_empty();
    if nest && !set_externals {
        return Some(out);
    }
    out.external = c.externals.patterns.clone();
    unread(&file, "externals", &c.externals, &mut out.unread);
    out.externals_unknown = !c.externals.unread.is_empty();
    match c.node_externals.as_slice() {
        [] => out.default = true,
        // Several calls (one per `modulesDir`) each leave out what their folder holds: a
        // package is inlined when every allowlist names it, said when they are the same.
        [one, rest @ ..] if rest.iter().all(|o| o.patterns == one.patterns) => {
            out.inline = one.patterns.clone();
            for o in c.node_externals.iter() {
                unread(&file, "allowlist", o, &mut out.unread);
            }
        }
        _ => {}
    }
    // (nest's own options, spread into the config, name its entry and output.)
    if let (Some(start), Some(outputs), false) = (start_file, outputs(&c), nest) {
        let start = start.trim_start_matches("./");
        let runs = |o: &String| o == start || o.strip_suffix(".js") == Some(start);
        if !outputs.iter().any(runs) {
            return None;
        }
    }
    Some(out)
}

/// Whether a webpack `target` builds for Node (`node`, `node18`, `async-node`, `electron-main`).
fn node_target(target: &str) -> bool {
    target.starts_with("node") || target.starts_with("async-node") || target == "electron-main"
}

/// The files webpack writes, relative to the package, when the config's literals say
/// (`output.path` defaults to `dist`, `output.filename` to `[name].js`, the entry to `main`).
fn outputs(c: &crate::js::WebpackConfig) -> Option<Vec<String>> {
    let dir = match &c.output_path {
        Setting::Unset => "dist".to_string(),
        Setting::Set(d) => d.clone(),
        Setting::Computed(_) => return None,
    };
    let filename = match &c.output_filename {
        Setting::Unset => "[name].js".to_string(),
        Setting::Set(f) if !f.replace("[name]", "").contains('[') => f.clone(),
        _ => return None,
    };
    let mut names = Vec::new();
    for e in &c.entries {
        match e {
            Setting::Set(n) => names.push(n.clone()),
            _ => return None,
        }
    }
    if names.is_empty() {
        names.push("main".into());
    }
    let file = |name: &str| relpath::join(&dir, &filename.replace("[name]", name));
    names.iter().map(|n| file(n)).collect()
}

/// Vite's answer for a linked workspace package of the server build.
fn vite(root: &Path, dir: &str, config: Option<String>, ssr: bool) -> Option<Inlining> {
    let (file, text) = config_file(root, dir, config.as_deref(), VITE_FILES)?;
    let c = crate::js::vite_config(Path::new(&file), &text).ok()?;
    let mut out = Inlining::by(&format!("the Vite server build ({file})"));
    out.config = Some(file.clone());
    match (&c.build_ssr, ssr) {
        (_, true) => {}
        (Setting::Set(v), false) if v != "false" => {}
        (Setting::Computed(line), false) => {
            out.unread.push(format!("{file}:{line} (`build.ssr`)"));
            out.externals_unknown = true;
        }
        _ => return None,
    }
    out.default = c.external.all != Some(true);
    if let Some(all) = c.no_external.all {
        out.default = all;
    }
    out.inline = c.no_external.patterns.clone();
    out.external = (c.external.patterns.iter())
        .chain(&c.rollup_external.patterns)
        .cloned()
        .collect();
    unread(&file, "ssr.noExternal", &c.no_external, &mut out.unread);
    unread(&file, "ssr.external", &c.external, &mut out.unread);
    unread(
        &file,
        "build.rollupOptions.external",
        &c.rollup_external,
        &mut out.unread,
    );
    // An unread `noExternal` value can only inline more: what is read stays true.
    out.externals_unknown |= !c.external.unread.is_empty() || !c.rollup_external.unread.is_empty();
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, file: &str, text: &str) {
        let path = root.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn scripts(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        (pairs.iter())
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn nest_build_with_webpack_inlines_only_what_its_config_takes_back() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(
            root,
            "apps/api/nest-cli.json",
            r#"{"compilerOptions":{"builder":"webpack"}}"#,
        );
        let build = scripts(&[("build", "nest build")]);
        // Nest's own webpack config: webpack-node-externals, nothing taken back.
        let got = inlining(root, "apps/api", &build, Some("dist/main.js")).unwrap();
        assert!(!got.inlines("@acme/db"));
        write(
            root,
            "apps/api/webpack.config.js",
            "const nodeExternals = require('webpack-node-externals');\nmodule.exports = (options) => {\n  options.externals = [nodeExternals({ allowlist: [/^@acme\\//] })];\n  return options;\n};\n",
        );
        let got = inlining(root, "apps/api", &build, Some("dist/main.js")).unwrap();
        assert!(got.inlines("@acme/db") && !got.inlines("express"));
        // An exported object is merged into Nest's options, whose `nodeExternals()` stays.
        write(
            root,
            "apps/api/webpack.config.js",
            "const nodeExternals = require('webpack-node-externals');\nmodule.exports = { externals: [nodeExternals({ allowlist: [/^@acme\\//] })] };\n",
        );
        let got = inlining(root, "apps/api", &build, Some("dist/main.js")).unwrap();
        assert!(!got.inlines("@acme/db"));
        // Without `webpack: true` (nor `--webpack`) nest build runs tsc.
        write(
            root,
            "apps/api/nest-cli.json",
            r#"{"compilerOptions":{"builder":"tsc"}}"#,
        );
        assert_eq!(inlining(root, "apps/api", &build, None), None);
    }

    #[test]
    fn one_allowlist_per_modules_dir_is_read_and_differing_ones_claim_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let build = scripts(&[("build", "webpack")]);
        let config = |second: &str| {
            format!("const nodeExternals = require('webpack-node-externals');\nmodule.exports = {{\n  target: 'node',\n  entry: './src/main.ts',\n  externals: [\n    nodeExternals({{ allowlist: [/^@age\\//] }}),\n    nodeExternals({{ modulesDir: '../../node_modules', allowlist: [{second}] }}),\n  ],\n}};\n")
        };
        write(root, "apps/api/webpack.config.js", &config("/^@age\\//"));
        let got = inlining(root, "apps/api", &build, Some("dist/main.js")).unwrap();
        assert!(got.inlines("@age/db") && !got.inlines("express"));
        write(root, "apps/api/webpack.config.js", &config("'other'"));
        let got = inlining(root, "apps/api", &build, Some("dist/main.js")).unwrap();
        assert!(!got.inlines("@age/db"));
        // A browser bundle is no server's.
        let web = config("/^@age\\//").replace("'node'", "'web'");
        write(root, "apps/api/webpack.config.js", &web);
        assert_eq!(
            inlining(root, "apps/api", &build, Some("dist/main.js")),
            None
        );
    }

    #[test]
    fn scripts_run_by_name_and_wrappers_are_followed_to_the_bundler() {
        let s = scripts(&[
            ("build", "pnpm run build:web && npm run bundle"),
            ("build:web", "tsc"),
            (
                "bundle",
                "dotenv -e ../../.env -- cross-env NODE_ENV=production webpack -c w.js",
            ),
        ]);
        let mut out = Vec::new();
        commands_of(&s, "build", &mut Vec::new(), &mut out);
        assert_eq!(out, [vec!["tsc"], vec!["webpack", "-c", "w.js"]]);
    }

    #[test]
    fn words_after_a_script_name_are_appended_to_its_text() {
        // openpanel's apps/start: `"build": "pnpm with-env vite build"`.
        let s = scripts(&[
            (
                "build",
                "pnpm with-env vite build && pnpm run with-env -- node x.mjs",
            ),
            ("with-env", "dotenv -e ../../.env -c --"),
        ]);
        assert_eq!(
            script_commands(&s, "build"),
            [vec!["vite", "build"], vec!["node", "x.mjs"]]
        );
    }
}
