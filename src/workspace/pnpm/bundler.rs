//! The workspace packages a package's own bundler inlines into its build output: when its
//! `build` script runs `tsup` or `tsdown` and its folder holds that tool's config file, the
//! literals of the config's `noExternal` / `alwaysBundle` (see [`crate::js::bundle_patterns`]).
//! A service that bundles an internal package whose entry is TypeScript loads it from its own
//! output, so nothing else has to build it (latitude-llm's apps inline 40 such packages).
//!
//! Read at discovery (generate never looks at the disk). It only ever says a name IS bundled:
//! a config it cannot read, or cannot parse, says nothing, and the caller keeps its warning.

use std::path::Path;

use crate::js::{bundle_patterns, BundlePattern};
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

/// What the `build` script's bundler inlines, for the package in `dir` (relative to `root`).
/// Empty when the build runs neither tool, or its config is missing or unreadable.
pub fn bundled(root: &Path, dir: &str, build: Option<&str>) -> Vec<BundlePattern> {
    let Some(build) = build else {
        return Vec::new();
    };
    let words: Vec<&str> = build
        .split(|c: char| c.is_whitespace() || c == '&' || c == ';' || c == '|')
        .collect();
    for (tool, files) in BUNDLERS {
        if !words.contains(tool) {
            continue;
        }
        for file in *files {
            let path = root.join(relpath::child(dir, file));
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            return bundle_patterns(&path, &text).unwrap_or_default();
        }
    }
    Vec::new()
}
