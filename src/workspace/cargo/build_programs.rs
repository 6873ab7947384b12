//! Programs a package's build script runs: `Command::new("npm")`, or a command line in a
//! string literal that a shell runs (`["npm install", "npm run build"]`, rqbit's `librqbit`
//! building its web UI), for the programs the official Rust image lacks ([`PROGRAMS`]); and
//! the downloads it makes ([`build_downloads`]: an HTTP client crate's path, `reqwest::`,
//! or `curl`/`wget` run: meilisearch's `build.rs` fetches its mini-dashboard). Each with the
//! file and line, and the feature whose `#[cfg(feature = "...")]` block holds the call, when
//! one does: `generate` warns, naming the builder package that installs it, or the feature
//! that turns the download off.
//!
//! It reads the build script and the module files its `mod` declarations reach, line by
//! line; it parses no Rust and never decides what the image installs.

use std::path::Path;

use super::bin_sources::module_files;
use super::model::BuildProgram;

/// Programs a build script may run that the default build image does not have.
const PROGRAMS: &[&str] = &[
    "npm", "npx", "node", "pnpm", "yarn", "cmake", "protoc", "go", "clang",
];

/// The programs of [`PROGRAMS`] the build script `script` (relative to the package folder
/// `dir`, itself relative to `root`) runs, first place of each.
pub(super) fn build_programs(root: &Path, dir: &str, script: Option<&str>) -> Vec<BuildProgram> {
    scan(root, dir, script, programs_in)
}

/// HTTP client crates a build script downloads with (their paths, `reqwest::blocking::get`).
const HTTP_CLIENTS: &[&str] = &[
    "reqwest",
    "ureq",
    "curl",
    "attohttpc",
    "minreq",
    "isahc",
    "ehttp",
    "tinyget",
    "http_req",
];

/// Programs that download what a build script runs them with.
const DOWNLOAD_PROGRAMS: &[&str] = &["curl", "wget"];

/// The downloads the build script `script` (relative to the package folder `dir`, itself
/// relative to `root`) makes, first place of each way: the path of an HTTP client crate
/// ([`HTTP_CLIENTS`]: `use reqwest::blocking::get;`), or `curl`/`wget` run as a program. The
/// image build then needs network access to what it fetches.
pub(super) fn build_downloads(root: &Path, dir: &str, script: Option<&str>) -> Vec<BuildProgram> {
    scan(root, dir, script, downloads_in)
}

/// The HTTP client crates whose path a line names (`reqwest::`, not `my_reqwest::`), and the
/// download programs its string literals run.
fn downloads_in(code: &str) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for client in HTTP_CLIENTS {
        let path = format!("{client}::");
        let named = code.match_indices(&path).any(|(at, _)| {
            !code[..at]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || c == '_')
        });
        if named {
            out.push(client);
        }
    }
    for lit in code.split('"').skip(1).step_by(2) {
        let first = lit.split(' ').next().unwrap_or("");
        if let Some(p) = DOWNLOAD_PROGRAMS.iter().find(|p| **p == first) {
            if !out.contains(p) {
                out.push(*p);
            }
        }
    }
    out
}

/// The first place of each name `find` reports in the lines of the build script `script`
/// and the module files it reaches.
fn scan(
    root: &Path,
    dir: &str,
    script: Option<&str>,
    find: fn(&str) -> Vec<&'static str>,
) -> Vec<BuildProgram> {
    let Some(script) = script else {
        return Vec::new();
    };
    let mut out: Vec<BuildProgram> = Vec::new();
    for file in module_files(&root.join(dir).join(script)) {
        let Ok(text) = crate::fsio::read_to_string(&file) else {
            continue;
        };
        let rel = file
            .strip_prefix(root)
            .unwrap_or(&file)
            .to_string_lossy()
            .replace('\\', "/");
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            for program in find(code) {
                if out.iter().any(|p| p.program == program) {
                    continue;
                }
                out.push(BuildProgram {
                    program: program.to_string(),
                    file: rel.clone(),
                    line: i + 1,
                    feature: gating_feature(&lines[..=i]),
                });
            }
        }
    }
    out
}

/// The programs of [`PROGRAMS`] a line's string literals run: a literal that is the program's
/// name, or starts with it and a space (a command line).
fn programs_in(code: &str) -> Vec<&'static str> {
    let literals = code.split('"').skip(1).step_by(2);
    let mut out = Vec::new();
    for lit in literals {
        let first = lit.split(' ').next().unwrap_or("");
        if let Some(p) = PROGRAMS.iter().find(|p| **p == first) {
            if !out.contains(p) {
                out.push(*p);
            }
        }
    }
    out
}

/// The feature of the `#[cfg(feature = "x")]` item or block that encloses the last of `lines`
/// (by indentation: the nearest less-indented opener, and the attribute right above it).
pub(super) fn gating_feature(lines: &[&str]) -> Option<String> {
    let indent = |l: &str| l.len() - l.trim_start().len();
    let (last, above) = lines.split_last()?;
    let mut level = indent(last);
    for k in (0..above.len()).rev() {
        let line = above[k];
        if line.trim().is_empty() || indent(line) >= level {
            continue;
        }
        if let Some(f) = cfg_feature(line) {
            return Some(f);
        }
        level = indent(line);
        let attribute = k
            .checked_sub(1)
            .map(|j| above[j])
            .filter(|a| indent(a) == level)
            .and_then(cfg_feature);
        if attribute.is_some() || level == 0 {
            return attribute;
        }
    }
    None
}

/// `x` of a `#[cfg(feature = "x")]` line.
pub(super) fn cfg_feature(line: &str) -> Option<String> {
    let t = line.trim();
    let rest = t
        .strip_prefix("#[cfg(feature")?
        .trim_start()
        .strip_prefix('=')?;
    let name = rest.trim_start().strip_prefix('"')?.split('"').next()?;
    Some(name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npm_in_a_feature_block_and_cmake_are_found_with_their_lines() {
        let dir = tempfile::tempdir().unwrap();
        let build = "use std::process::Command;\n\nfn main() {\n    #[cfg(feature = \"webui\")]\n    {\n        let dir = Path::new(\"webui\");\n        for cmd in [\"npm install\", \"npm run build\"] {\n            run(dir, cmd);\n        }\n    }\n    // Command::new(\"go\") is not run\n    Command::new(\"cmake\").arg(\".\").status();\n    let s = \"nodes\";\n}\n";
        std::fs::create_dir_all(dir.path().join("lib")).unwrap();
        std::fs::write(dir.path().join("lib/build.rs"), build).unwrap();
        let found = build_programs(dir.path(), "lib", Some("build.rs"));
        let seen: Vec<(&str, usize, Option<&str>)> = found
            .iter()
            .map(|p| (p.program.as_str(), p.line, p.feature.as_deref()))
            .collect();
        assert_eq!(seen, [("npm", 7, Some("webui")), ("cmake", 12, None)]);
        assert_eq!(found[0].file, "lib/build.rs");
    }

    #[test]
    fn a_package_manager_named_in_a_variable_is_found_at_its_literal() {
        // atomic-server's server/build.rs: `let pkg_manager = "pnpm";` then
        // `Command::new(pkg_manager)`.
        let dir = tempfile::tempdir().unwrap();
        let build = "fn build_js() {\n    let pkg_manager = \"pnpm\";\n    std::process::Command::new(pkg_manager)\n        .args([\"install\"])\n        .output();\n}\n";
        std::fs::write(dir.path().join("build.rs"), build).unwrap();
        let found = build_programs(dir.path(), "", Some("build.rs"));
        let seen: Vec<(&str, usize)> = found.iter().map(|p| (p.program.as_str(), p.line)).collect();
        assert_eq!(seen, [("pnpm", 2)]);
    }

    #[test]
    fn a_download_in_a_feature_module_is_found_with_its_feature() {
        // meilisearch's crates/meilisearch/build.rs, shortened.
        let dir = tempfile::tempdir().unwrap();
        let build = "fn main() {\n    #[cfg(feature = \"mini-dashboard\")]\n    mini_dashboard::setup().expect(\"assets\");\n}\n\n#[cfg(feature = \"mini-dashboard\")]\nmod mini_dashboard {\n    use my_reqwest::x;\n    use reqwest::blocking::get;\n\n    pub fn setup() {\n        let bytes = get(url)?.bytes()?;\n    }\n}\n";
        std::fs::write(dir.path().join("build.rs"), build).unwrap();
        let found = build_downloads(dir.path(), "", Some("build.rs"));
        let seen: Vec<(&str, usize, Option<&str>)> = found
            .iter()
            .map(|p| (p.program.as_str(), p.line, p.feature.as_deref()))
            .collect();
        assert_eq!(seen, [("reqwest", 9, Some("mini-dashboard"))]);
        let curl = "fn main() {\n    Command::new(\"curl\").args([\"-o\", \"x\"]);\n}\n";
        std::fs::write(dir.path().join("build.rs"), curl).unwrap();
        let found = build_downloads(dir.path(), "", Some("build.rs"));
        assert_eq!(
            (found[0].program.as_str(), found[0].feature.as_deref()),
            ("curl", None)
        );
        assert!(build_programs(dir.path(), "", Some("build.rs")).is_empty());
    }
}
