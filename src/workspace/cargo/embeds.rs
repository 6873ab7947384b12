//! Folders a crate embeds at compile time that the repository does not hold: `include_dir!(
//! "$CARGO_MANIFEST_DIR/static")` (kellnr's web UI) or rust-embed's `#[folder = "dist/"]`
//! name a folder that another build (a front end's `npm run build`) writes. In the image
//! build nothing writes it, so `cargo build` stops at the macro; `generate` warns, naming the
//! file, the line and the folder.
//!
//! It reads the package's `.rs` files outside test code, comments blanked, looking for those two
//! forms with a literal path; it parses no Rust beyond that, and a path built another way
//! (`concat!`, other variables) is not followed.

use std::path::Path;
use std::sync::OnceLock;

use regex::Regex;

use super::model::MissingEmbed;

/// Folders and files whose code is not the program's.
const TEST_CODE: &[&str] = &["tests", "benches", "examples", "tests.rs", "test.rs"];

/// The embedded folders of the package in `dir` (relative to `root`) that do not exist, or
/// that hold nothing but hidden files (a `.gitkeep` keeping a build's output folder in git:
/// rustc-perf's `#[folder = "frontend/dist"]`, which `npm run build` fills; the image build
/// embeds the empty folder, and the site serves no front end).
pub(super) fn missing_embeds(root: &Path, dir: &str) -> Vec<MissingEmbed> {
    (embeds(root, dir).into_iter())
        .filter_map(|mut m| {
            let folder = root.join(&m.folder);
            if !crate::fsio::exists(&folder) {
                return Some(m);
            }
            m.placeholder = only_hidden_files(&folder);
            m.placeholder.then_some(m)
        })
        .collect()
}

/// Whether `folder` is a folder whose entries all have names starting with `.` (none at all
/// included).
fn only_hidden_files(folder: &Path) -> bool {
    let Ok(entries) = crate::fsio::read_dir(folder) else {
        return false;
    };
    entries
        .filter_map(|e| e.ok())
        .all(|e| e.file_name().to_string_lossy().starts_with('.'))
}

/// The embedded folders of the package in `dir` that lie outside its folder, workspace-relative
/// (rauthy's `#[folder = "../../static/v1/"]`, its front end's build output at the workspace
/// root): the image build copies a crate's folder, so each is a build input of the services
/// built from the crate, whether or not it exists yet (one that does not is also in
/// [`missing_embeds`]: the user builds it first).
pub(super) fn outside_embeds(root: &Path, dir: &str) -> Vec<String> {
    let inside = format!("{}/", dir.trim_end_matches('/'));
    let mut out: Vec<String> = (embeds(root, dir).into_iter())
        .map(|m| m.folder)
        .filter(|f| !dir.is_empty() && !f.starts_with(&inside))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Every folder the package in `dir` embeds with a literal path, with where.
fn embeds(root: &Path, dir: &str) -> Vec<MissingEmbed> {
    static FORMS: OnceLock<[Regex; 2]> = OnceLock::new();
    let forms = FORMS.get_or_init(|| {
        [
            Regex::new(r#"include_dir!\s*\(\s*"\$CARGO_MANIFEST_DIR/([^"]*)"\s*\)"#)
                .expect("a valid pattern"),
            Regex::new(r#"#\[folder\s*=\s*"([^"$]*)"\s*\]"#).expect("a valid pattern"),
        ]
    });
    let top = super::rs_files::package_sources(root, dir);
    let mut out = Vec::new();
    for entry in super::rs_files::rs_files(&top, TEST_CODE) {
        let Ok(text) = crate::fsio::read_to_string(entry.path()) else {
            continue;
        };
        let code = super::rs_comments::blank_comments(&text);
        for (i, line) in code.lines().enumerate() {
            for form in forms {
                let Some(folder) = form.captures(line).and_then(|c| c.get(1)) else {
                    continue;
                };
                let rel = folder.as_str().trim_end_matches('/');
                let Some(folder) = super::paths::normalize(dir, rel) else {
                    continue;
                };
                let file = entry.path().strip_prefix(root).unwrap_or(entry.path());
                out.push(MissingEmbed {
                    file: file.to_string_lossy().replace('\\', "/"),
                    line: i + 1,
                    folder,
                    placeholder: false,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_embedded_folder_that_does_not_exist_is_named_and_one_that_does_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let write = |rel: &str, text: &str| {
            let path = dir.path().join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write(
            "crates/ui/src/lib.rs",
            "use include_dir::{include_dir, Dir};\n\nstatic STATIC_DIR: Dir = include_dir!(\"$CARGO_MANIFEST_DIR/static\");\n// include_dir!(\"$CARGO_MANIFEST_DIR/old\")\n",
        );
        write(
            "crates/web/src/assets.rs",
            "#[derive(RustEmbed)]\n#[folder = \"dist/\"]\nstruct Assets;\n#[derive(RustEmbed)]\n#[folder = \"public/\"]\nstruct Public;\n",
        );
        write("crates/web/public/index.html", "");
        let found = |d: &str| missing_embeds(dir.path(), d);
        let ui = found("crates/ui");
        assert_eq!(ui.len(), 1, "{ui:?}");
        assert_eq!(
            (ui[0].file.as_str(), ui[0].line, ui[0].folder.as_str()),
            ("crates/ui/src/lib.rs", 3, "crates/ui/static")
        );
        let web: Vec<_> = found("crates/web").into_iter().map(|m| m.folder).collect();
        assert_eq!(web, ["crates/web/dist"]);
        // rauthy's `#[folder = "../../static/v1/"]`: outside the crate, a build input.
        write(
            "src/api/src/lib.rs",
            "#[derive(Embed)]\n#[folder = \"../../static/v1/\"]\nstruct Assets;\n#[derive(Embed)]\n#[folder = \"own/\"]\nstruct Own;\n",
        );
        assert_eq!(outside_embeds(dir.path(), "src/api"), ["static/v1"]);
        assert_eq!(found("src/api").len(), 2);
        write("static/v1/app.js", "");
        assert_eq!(outside_embeds(dir.path(), "src/api"), ["static/v1"]);
        let missing: Vec<_> = found("src/api").into_iter().map(|m| m.folder).collect();
        assert_eq!(missing, ["src/api/own"]);
        assert!(outside_embeds(dir.path(), "crates/web").is_empty());
    }

    /// rustc-perf's site embeds `frontend/dist`, which git keeps with a `.gitkeep` and npm's
    /// build fills: the folder exists, the build passes, and the binary embeds nothing.
    #[test]
    fn an_embedded_folder_holding_only_a_placeholder_is_named_as_one() {
        let dir = tempfile::tempdir().unwrap();
        let write = |rel: &str, text: &str| {
            let path = dir.path().join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write(
            "site/src/resources.rs",
            "#[derive(RustEmbed)]\n#[folder = \"frontend/static/\"]\nstruct StaticAssets;\n\n#[derive(RustEmbed)]\n#[folder = \"frontend/dist\"]\n#[include = \"*.js\"]\nstruct StaticCompiledAssets;\n",
        );
        write("site/frontend/static/favicon.svg", "");
        write("site/frontend/dist/.gitkeep", "");
        let found = missing_embeds(dir.path(), "site");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            (
                found[0].line,
                found[0].folder.as_str(),
                found[0].placeholder
            ),
            (6, "site/frontend/dist", true)
        );
        write("site/frontend/dist/index.js", "");
        assert!(missing_embeds(dir.path(), "site").is_empty());
    }
}
