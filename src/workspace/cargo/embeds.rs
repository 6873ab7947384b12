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

use super::model::{FeatureInput, MissingEmbed};

/// Folders and files whose code is not the program's.
const TEST_CODE: &[&str] = &["tests", "benches", "examples", "tests.rs", "test.rs"];

/// The most `mod` declarations followed up from one file (a guard against a cycle of
/// `#[path]`-free names that point back at each other).
const MAX_DEPTH: usize = 64;

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
/// [`missing_embeds`]: the user builds it first). Those the code embeds whatever the features
/// come first; those only a feature compiles (roapi's `#[cfg(feature = "ui")] mod ui;`, whose
/// `ui.rs` embeds `../roapi-ui/dist`) second, with their feature: a build without it must not
/// copy a folder that may not exist.
pub(super) fn outside_embeds(root: &Path, dir: &str) -> (Vec<String>, Vec<FeatureInput>) {
    let inside = format!("{}/", dir.trim_end_matches('/'));
    let outside: Vec<MissingEmbed> = (embeds(root, dir).into_iter())
        .filter(|m| !dir.is_empty() && !m.folder.starts_with(&inside))
        .collect();
    let mut always: Vec<String> = (outside.iter())
        .filter(|m| m.feature.is_none())
        .map(|m| m.folder.clone())
        .collect();
    always.sort();
    always.dedup();
    let mut gated: Vec<FeatureInput> = (outside.into_iter())
        .filter(|m| !always.contains(&m.folder))
        .filter_map(|m| {
            Some(FeatureInput {
                feature: m.feature?,
                folder: m.folder,
            })
        })
        .collect();
    gated.sort_by(|a, b| (&a.folder, &a.feature).cmp(&(&b.folder, &b.feature)));
    gated.dedup_by(|a, b| a.folder == b.folder && a.feature == b.feature);
    (always, gated)
}

/// Every folder the package in `dir` embeds with a literal path, with where and the feature
/// that gates it, if one does.
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
        let lines: Vec<&str> = code.lines().collect();
        let mut module: Option<Option<String>> = None;
        for (i, line) in lines.iter().enumerate() {
            for form in forms {
                let Some(folder) = form.captures(line).and_then(|c| c.get(1)) else {
                    continue;
                };
                let rel = folder.as_str().trim_end_matches('/');
                let Some(folder) = super::paths::normalize(dir, rel) else {
                    continue;
                };
                let file = entry.path().strip_prefix(root).unwrap_or(entry.path());
                let feature = item_gate(&lines[..=i]).or_else(|| {
                    (module.get_or_insert_with(|| module_gate(entry.path(), 0))).clone()
                });
                out.push(MissingEmbed {
                    file: file.to_string_lossy().replace('\\', "/"),
                    line: i + 1,
                    folder,
                    placeholder: false,
                    feature,
                });
            }
        }
    }
    out
}

/// The feature of a `#[cfg(feature = "x")]` among the attributes right above the last of
/// `lines` (`#[cfg(feature = "ui")]` over `#[derive(Embed)]` over `#[folder = ...]`), or of
/// the item or block that encloses it.
fn item_gate(lines: &[&str]) -> Option<String> {
    let (_, above) = lines.split_last()?;
    let attributes = (above.iter().rev()).take_while(|l| l.trim_start().starts_with("#["));
    for line in attributes {
        if let Some(f) = super::build_programs::cfg_feature(line) {
            return Some(f);
        }
    }
    super::build_programs::gating_feature(lines)
}

/// The feature of a `#[cfg(feature = "x")]` on a `mod` declaration on the way from the crate
/// root to `file` (`#[cfg(feature = "ui")] mod ui;` in `server/http/mod.rs` for
/// `server/http/ui.rs`): the declaration of the file's module is looked for in the files that
/// may declare it (`mod.rs` or `<folder>.rs` beside it, `lib.rs` or `main.rs` for a file of the
/// crate root's folder), then theirs, up to a root (`lib.rs`, `main.rs`, or a file no other
/// file declares). `#[path]` attributes are not followed.
fn module_gate(file: &Path, depth: usize) -> Option<String> {
    if depth > MAX_DEPTH {
        return None;
    }
    let stem = file.file_stem()?.to_str()?;
    let folder = file.parent()?;
    let (name, parent_folder) = if matches!(stem, "mod" | "lib" | "main") {
        if stem != "mod" {
            return None;
        }
        (folder.file_name()?.to_str()?, folder.parent()?)
    } else {
        (stem, folder)
    };
    let candidates = [
        parent_folder.join("mod.rs"),
        parent_folder.with_extension("rs"),
        parent_folder.join("lib.rs"),
        parent_folder.join("main.rs"),
    ];
    for parent in candidates.iter().filter(|c| c.as_path() != file) {
        let Ok(text) = crate::fsio::read_to_string(parent) else {
            continue;
        };
        let code = super::rs_comments::blank_comments(&text);
        let lines: Vec<&str> = code.lines().collect();
        let Some(at) = lines.iter().position(|l| declares(l, name)) else {
            continue;
        };
        return item_gate(&lines[..=at]).or_else(|| module_gate(parent, depth + 1));
    }
    None
}

/// Whether `line` is the declaration `mod <name>;` (with any visibility).
fn declares(line: &str, name: &str) -> bool {
    let mut t = line.trim_start();
    if let Some(rest) = t.strip_prefix("pub") {
        t = rest.trim_start();
        if let Some(rest) = t.strip_prefix('(') {
            let Some((_, after)) = rest.split_once(')') else {
                return false;
            };
            t = after.trim_start();
        }
    }
    let Some(rest) = t.strip_prefix("mod ") else {
        return false;
    };
    let rest = rest.trim_start();
    rest.strip_prefix(name)
        .is_some_and(|r| r.trim_start().starts_with(';'))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes `text` at `rel` under `root`, making its folders.
    fn write_file(root: &Path, rel: &str, text: &str) {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn an_embedded_folder_that_does_not_exist_is_named_and_one_that_does_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let write = |rel: &str, text: &str| write_file(dir.path(), rel, text);
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
        assert_eq!(outside_embeds(dir.path(), "src/api").0, ["static/v1"]);
        assert_eq!(found("src/api").len(), 2);
        write("static/v1/app.js", "");
        assert_eq!(outside_embeds(dir.path(), "src/api").0, ["static/v1"]);
        let missing: Vec<_> = found("src/api").into_iter().map(|m| m.folder).collect();
        assert_eq!(missing, ["src/api/own"]);
        assert!(outside_embeds(dir.path(), "crates/web").0.is_empty());
    }
    #[test]
    fn an_embed_behind_a_feature_carries_it_from_its_item_block_or_module_declaration() {
        let dir = tempfile::tempdir().unwrap();
        let write = |rel: &str, text: &str| write_file(dir.path(), rel, text);
        // roapi: `#[cfg(feature = "ui")] mod ui;` in `server/http/mod.rs`, two levels down.
        write("api/src/main.rs", "mod server;\nfn main() {}\n");
        write("api/src/server.rs", "pub mod http;\n");
        write(
            "api/src/server/http/mod.rs",
            "// mod ui; in a comment\n#[cfg(feature = \"ui\")]\n#[allow(dead_code)]\npub(crate) mod ui;\nmod plain;\n",
        );
        write(
            "api/src/server/http/ui.rs",
            "#[derive(Embed)]\n#[folder = \"../ui/dist\"]\nstruct Asset;\n",
        );
        write(
            "api/src/server/http/plain.rs",
            "#[derive(Embed)]\n#[folder = \"../public\"]\nstruct Public;\n#[cfg(feature = \"docs\")]\n#[derive(Embed)]\n#[folder = \"../docs/site\"]\nstruct Docs;\n",
        );
        // A whole gated module above the file: `#[cfg(feature = "admin")] mod admin;` in
        // lib.rs, and `admin/mod.rs` declares `assets` without a gate of its own.
        write(
            "api/src/lib.rs",
            "#[cfg(feature = \"admin\")]\nmod admin;\n",
        );
        write("api/src/admin/mod.rs", "mod assets;\n");
        write(
            "api/src/admin/assets.rs",
            "#[derive(Embed)]\n#[folder = \"../admin/build\"]\nstruct Admin;\n",
        );
        let mut gates: Vec<(String, Option<String>)> = (missing_embeds(dir.path(), "api"))
            .into_iter()
            .map(|m| (m.folder, m.feature))
            .collect();
        gates.sort();
        let some = |f: &str| Some(f.to_string());
        assert_eq!(
            gates,
            [
                ("admin/build".to_string(), some("admin")),
                ("docs/site".to_string(), some("docs")),
                ("public".to_string(), None),
                ("ui/dist".to_string(), some("ui")),
            ]
        );
        let (always, gated) = outside_embeds(dir.path(), "api");
        assert_eq!(always, ["public"]);
        let gated: Vec<(&str, &str)> = (gated.iter())
            .map(|g| (g.folder.as_str(), g.feature.as_str()))
            .collect();
        assert_eq!(
            gated,
            [
                ("admin/build", "admin"),
                ("docs/site", "docs"),
                ("ui/dist", "ui")
            ]
        );
    }

    /// rustc-perf's site embeds `frontend/dist`, which git keeps with a `.gitkeep` and npm's
    /// build fills: the folder exists, the build passes, and the binary embeds nothing.
    #[test]
    fn an_embedded_folder_holding_only_a_placeholder_is_named_as_one() {
        let dir = tempfile::tempdir().unwrap();
        let write = |rel: &str, text: &str| write_file(dir.path(), rel, text);
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
