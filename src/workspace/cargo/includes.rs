//! Files a crate's sources read at compile time from outside its folder:
//! `include_str!("../../../version.json")`, `include_bytes!(...)` and `include!(...)` with a
//! literal path (relative to the file that holds the macro, as rustc reads it). The image build
//! copies a package's folder, so such a file must be copied too: these become build inputs of
//! the services built from the crate.
//!
//! The build script counts too: a string literal of `build.rs` naming an existing path outside
//! the crate (`"../../proto/api.proto"`, `"../proto"`, relative to the package folder, where
//! cargo runs build scripts) is a build input, as protobuf sources beside the crates are.
//!
//! So does a JavaScript snippet a `#[wasm_bindgen(module = "/...")]` attribute imports: the
//! path is relative to the crate's root, and the macro reads the file when it expands, for
//! every target, not only `wasm32` (quadratic-core's `module =
//! "/../quadratic-client/src/app/web-workers/quadraticCore/worker/rustCallbacks.ts"`, without
//! which its servers' native builds fail with ``failed to read file``).
//!
//! It reads the package's `.rs` files (not `target/`); it never parses Rust beyond finding the
//! macro and its string literal, and never follows a path that leaves the workspace root (that
//! one is an error: the root is the build context).

use std::path::Path;

use super::paths::normalize;
use crate::error::{Error, Result};

const MACROS: &[&str] = &["include_str!(", "include_bytes!(", "include!("];

/// The workspace-relative paths outside `dir` that the `.rs` files under `dir` include, and
/// that its build script (`build_script`, relative to `dir`) names, sorted, each once. Paths
/// that do not exist are left to cargo to report.
pub(super) fn outside_inputs(
    root: &Path,
    dir: &str,
    build_script: Option<&str>,
) -> Result<Vec<String>> {
    let mut found: Vec<String> = build_script
        .and_then(|b| crate::fsio::read_to_string(root.join(dir).join(b)).ok())
        .map(|text| build_script_inputs(root, dir, &text))
        .unwrap_or_default();
    for entry in super::rs_files::rs_files(&root.join(dir), &[]) {
        let path = entry.path();
        let Ok(text) = crate::fsio::read_to_string(path) else {
            continue;
        };
        let Ok(rel_file) = path.strip_prefix(root) else {
            continue;
        };
        let rel_file = rel_file.to_string_lossy().replace('\\', "/");
        let file_dir = rel_file.rsplit_once('/').map_or("", |(d, _)| d);
        let includes = included_literals(&text)
            .into_iter()
            .map(|(l, p)| (l, p, file_dir));
        let snippets = wasm_bindgen_modules(&text)
            .into_iter()
            .map(|(l, p)| (l, p, dir));
        for (line_no, literal, base) in includes.chain(snippets) {
            let Some(target) = normalize(base, &literal) else {
                return Err(Error::workspace_at(
                    path,
                    format!("{line_no}:1"),
                    format!(
                        "{literal:?} is outside the workspace root; the root is the build \
                         context, so the image build cannot copy it: move the file under the root"
                    ),
                ));
            };
            let inside = target == dir || target.starts_with(&format!("{dir}/"));
            if !inside && crate::fsio::exists(root.join(&target)) && !found.contains(&target) {
                found.push(target);
            }
        }
    }
    found.sort();
    found.dedup();
    Ok(found)
}

/// The existing paths outside `dir` (inside the root) that string literals of a build script
/// name, relative to `dir` as cargo runs the script there.
fn build_script_inputs(root: &Path, dir: &str, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or(line);
        for (i, literal) in code.split('"').enumerate() {
            // Odd pieces are inside quotes.
            if i % 2 == 0 || !literal.starts_with("../") || literal.contains('\\') {
                continue;
            }
            let Some(target) = normalize(dir, literal) else {
                continue;
            };
            let inside = target == dir || target.starts_with(&format!("{dir}/"));
            if !inside && !target.is_empty() && crate::fsio::exists(root.join(&target)) {
                out.push(target);
            }
        }
    }
    out
}

/// (1-based line, path) of every include macro with a plain string literal in `text`, outside
/// comments (`//`, and `/* ... */` around commented-out code).
fn included_literals(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let code_only = super::rs_comments::blank_comments(text);
    for (i, code) in code_only.lines().enumerate() {
        for m in MACROS {
            let mut rest = code;
            while let Some(at) = rest.find(m) {
                // `my_include_str!(` is another macro.
                let before = rest[..at].chars().last();
                rest = &rest[at + m.len()..];
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    continue;
                }
                let arg = rest.trim_start();
                let Some(body) = arg.strip_prefix('"') else {
                    continue;
                };
                let Some(end) = body.find('"') else { continue };
                let literal = &body[..end];
                if !literal.contains('\\') && !literal.is_empty() {
                    out.push((i + 1, literal.to_string()));
                }
            }
        }
    }
    out
}

/// (1-based line, path relative to the crate root) of every local JavaScript module a
/// `wasm_bindgen(...)` attribute imports with `module = "/path"` (a leading `/`: a file of the
/// crate's tree, read when the macro expands), outside comments; the attribute may span
/// lines. `module = "name"` without the slash is a package the bundler resolves,
/// `raw_module` is never read: neither is an input.
fn wasm_bindgen_modules(text: &str) -> Vec<(usize, String)> {
    const ATTR: &str = "wasm_bindgen(";
    let code = super::rs_comments::blank_comments(text);
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = code[from..].find(ATTR) {
        let start = from + at + ATTR.len();
        from = start;
        if code[..start - ATTR.len()]
            .chars()
            .last()
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
        {
            continue;
        }
        // The attribute's arguments: up to the `)` that closes it (string literals in it hold
        // no parenthesis that matters here: paths and names).
        let mut depth = 1usize;
        let end = code[start..]
            .char_indices()
            .find_map(|(i, c)| {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                (depth == 0).then_some(start + i)
            })
            .unwrap_or(code.len());
        let args = &code[start..end];
        let mut rest = args;
        while let Some(m) = rest.find("module") {
            let before = rest[..m].chars().last();
            let after = &rest[m + "module".len()..];
            rest = after;
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let Some(value) = after.trim_start().strip_prefix('=') else {
                continue;
            };
            let Some(body) = value.trim_start().strip_prefix("\"/") else {
                continue;
            };
            let Some(close) = body.find('"') else {
                continue;
            };
            let path = &body[..close];
            if !path.is_empty() && !path.contains('\\') {
                let offset = start + (args.len() - after.len());
                let line = code[..offset].matches('\n').count() + 1;
                out.push((line, path.to_string()));
            }
        }
        from = end.max(start);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_script_paths_outside_the_crate_are_inputs() {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("proto")).unwrap();
        std::fs::write(root.path().join("proto/api.proto"), "syntax = \"proto3\";").unwrap();
        let text =
            "tonic_build::compile_protos(&[\"../../proto/api.proto\"], &[\"../../proto\"])?;\n\
                    println!(\"cargo:rerun-if-changed=../../missing\");\n";
        assert_eq!(
            build_script_inputs(root.path(), "crates/api", text),
            ["proto/api.proto", "proto"]
        );
    }

    #[test]
    fn wasm_bindgen_module_snippets_are_inputs() {
        let text = "#[wasm_bindgen(js_namespace = console)]\nextern \"C\" {}\n\
                    #[cfg(not(test))]\n\
                    #[wasm_bindgen(\n    module = \"/../client/src/callbacks.ts\"\n)]\n\
                    extern \"C\" {}\n\
                    #[wasm_bindgen(module = \"/js/local.js\")]\n\
                    #[wasm_bindgen(module = \"some-npm-package\")]\n\
                    #[wasm_bindgen(raw_module = \"/raw.js\")]\n\
                    // #[wasm_bindgen(module = \"/commented.js\")]\n";
        assert_eq!(
            wasm_bindgen_modules(text),
            [
                (5, "../client/src/callbacks.ts".to_string()),
                (8, "js/local.js".to_string())
            ]
        );
    }

    #[test]
    fn finds_literal_includes_and_skips_others() {
        let text = "const V: &str = include_str!(\"../../../version.json\");\n\
                    // include_str!(\"../commented.txt\")\n\
                    /* #[test]\n fn t() { include_bytes!(\"/tmp/pdf/ep.pdf\"); } */\n\
                    static B: &[u8] = include_bytes!( \"assets/logo.png\" );\n\
                    const X: &str = my_include_str!(\"../nope\");\n\
                    const E: &str = include_str!(concat!(env!(\"OUT_DIR\"), \"/gen.rs\"));\n";
        assert_eq!(
            included_literals(text),
            [
                (1, "../../../version.json".to_string()),
                (5, "assets/logo.png".to_string())
            ]
        );
    }
}
