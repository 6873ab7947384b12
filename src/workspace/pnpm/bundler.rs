//! The workspace packages a package's own bundler inlines into its build output: when its
//! `build` script runs `tsup` or `tsdown` and its folder holds that tool's config file, the
//! literals of the config's `noExternal` / `alwaysBundle` (see [`crate::js::bundle_patterns`]).
//! A service that bundles an internal package whose entry is TypeScript loads it from its own
//! output, so nothing else has to build it (latitude-llm's apps inline 40 such packages).
//! It also reads the config's literal `outDir`, `format` and `entry` ([`output`]): what the
//! build writes, for the entry a "no entry" refusal suggests; and what it leaves to Node at
//! run time (`external`, `neverBundle`, `skipNodeModulesBundle`), which the service must
//! declare.
//!
//! Read at discovery (generate never looks at the disk). It only ever says a name IS bundled:
//! a config it cannot read, or cannot parse, says nothing, and the caller keeps its warning.

use std::path::Path;

use crate::js::{bundle_externals, bundle_patterns, BundlePattern};
use crate::workspace::relpath;

/// The bundlers whose config is read, each with its config file names (in the tool's order).
const BUNDLERS: &[(&str, &[&str])] = &[
    (
        "tsup",
        &[
            "tsup.config.ts",
            "tsup.config.cts",
            "tsup.config.mts",
            "tsup.config.js",
            "tsup.config.cjs",
            "tsup.config.mjs",
        ],
    ),
    (
        "tsdown",
        &[
            "tsdown.config.ts",
            "tsdown.config.mts",
            "tsdown.config.cts",
            "tsdown.config.js",
            "tsdown.config.mjs",
            "tsdown.config.cjs",
        ],
    ),
];

/// Which workspace packages a package's own build inlines into its output.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inlining {
    /// The bundler and its config (`webpack (services/rotor/webpack.config.js)`).
    pub by: String,
    /// Whether a package that no pattern names is inlined (webpack without
    /// `webpack-node-externals`, Vite's server build for linked packages).
    pub default: bool,
    /// Inlined although the default leaves it out (tsup `noExternal`, an `allowlist`,
    /// Vite's `ssr.noExternal`).
    pub inline: Vec<BundlePattern>,
    /// Left to Node whatever else says (webpack `externals`, Vite's `ssr.external`).
    pub external: Vec<BundlePattern>,
    /// What the config computes at run time where it decides this, as `file:line (`key`)`.
    pub unread: Vec<String>,
    /// Whether an unread value may leave any package external (then nothing is claimed).
    pub externals_unknown: bool,
    /// The config's key that leaves every registry package external, when one does
    /// (tsup/tsdown `skipNodeModulesBundle: true`, tsdown `neverBundle: true`).
    pub all_external: Option<String>,
    /// The config file read, workspace-relative.
    pub config: Option<String>,
}

impl Inlining {
    /// Nothing inlined yet, by `by`.
    pub fn by(by: &str) -> Self {
        Self {
            by: by.to_string(),
            ..Self::default()
        }
    }

    /// Whether the build surely inlines the workspace package `name`.
    pub fn inlines(&self, name: &str) -> bool {
        !self.externals_unknown
            && (self.default || self.inline.iter().any(|p| p.matches(name)))
            && !self.external.iter().any(|p| p.matches(name))
    }
}

/// What the `build` script's bundler inlines, for the package in `dir` (relative to `root`):
/// tsup/tsdown by their config's literals, else webpack or a Vite server build
/// ([`server_bundle`](super::server_bundle)). Empty when the build runs none, or its config is
/// missing or unparsable.
pub fn inlining(
    root: &Path,
    dir: &str,
    scripts: &std::collections::BTreeMap<String, String>,
    start_file: Option<&str>,
) -> Inlining {
    let bundled = bundled(root, dir, scripts.get("build").map(String::as_str));
    if let Some(b) = bundled
        .filter(|b| !b.inline.is_empty() || !b.external.is_empty() || b.all_external.is_some())
    {
        return b;
    }
    super::server_bundle::inlining(root, dir, scripts, start_file).unwrap_or_default()
}

/// What the `build` script's tsup/tsdown inlines and leaves external. `None` when the build
/// runs neither tool, or its config is missing or unreadable.
fn bundled(root: &Path, dir: &str, build: Option<&str>) -> Option<Inlining> {
    let build = build?;
    let words: Vec<&str> = build
        .split(|c: char| c.is_whitespace() || c == '&' || c == ';' || c == '|')
        .collect();
    for (tool, files) in BUNDLERS {
        if !words.contains(tool) {
            continue;
        }
        for file in *files {
            let config = relpath::child(dir, file);
            let path = root.join(&config);
            let Ok(text) = crate::fsio::read_to_string(&path) else {
                continue;
            };
            let external = bundle_externals(&path, &text).ok()?;
            return Some(Inlining {
                by: format!("{tool} ({config})"),
                inline: bundle_patterns(&path, &text).ok()?,
                external: external.patterns,
                all_external: external.all,
                config: Some(config),
                ..Inlining::default()
            });
        }
    }
    None
}

/// What a tsup/tsdown build writes, as its config file's literals say (for the entry
/// `generate` suggests when a service names none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundlerOutput {
    /// `tsup` or `tsdown`.
    pub tool: &'static str,
    /// The config file read, relative to the package.
    pub config: String,
    /// `outDir` (`dist` when unset).
    pub out_dir: String,
    /// The first `format` (the tool's default when unset: `cjs` for tsup, `esm` for tsdown).
    pub format: String,
    /// The single `entry`, when the config names exactly one.
    pub entry: Option<String>,
    /// Every `entry` of a literal list (karakeep's workers: `["index.ts",
    /// "scripts/parseHtmlSubprocess.ts"]`), for picking the one a start script runs.
    pub entries: Vec<String>,
}

/// The output of the `build` script's tsup/tsdown, from its config; `None` when the build
/// runs neither, the config is missing or unparsable, or `outDir`/`format` are computed.
pub fn output(root: &Path, dir: &str, build: Option<&str>) -> Option<BundlerOutput> {
    use crate::js::{property_values, PropertyValue as V};
    let words: Vec<&str> = build?
        .split(|c: char| c.is_whitespace() || c == '&' || c == ';' || c == '|')
        .collect();
    let (tool, files) = BUNDLERS.iter().find(|(tool, _)| words.contains(tool))?;
    let (file, text) = files.iter().find_map(|f| {
        let text = crate::fsio::read_to_string(root.join(relpath::child(dir, f))).ok()?;
        Some((*f, text))
    })?;
    let path = Path::new(file);
    // One value of `key`, or `default` when the config never sets it; `None` when unknown.
    let one = |key: &str, default: Option<&str>| -> Option<Option<String>> {
        let values = property_values(path, &text, key).ok()?;
        match values.as_slice() {
            [] => Some(default.map(str::to_string)),
            [V::Literal(v)] => Some(Some(v.clone())),
            [V::List(list)] if list.len() == 1 || key == "format" => Some(list.first().cloned()),
            _ => None,
        }
    };
    let default_format = if *tool == "tsup" { "cjs" } else { "esm" };
    Some(BundlerOutput {
        tool,
        config: file.to_string(),
        out_dir: one("outDir", Some("dist"))??
            .trim_start_matches("./")
            .trim_end_matches('/')
            .to_string(),
        format: one("format", Some(default_format))??,
        entry: one("entry", None).flatten(),
        entries: match property_values(path, &text, "entry").ok().as_deref() {
            Some([V::List(list)]) => list.clone(),
            Some([V::Literal(v)]) => vec![v.clone()],
            _ => Vec::new(),
        },
    })
}
