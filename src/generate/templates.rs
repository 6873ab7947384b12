//! The Tera templates: defaults embedded in the binary from `templates/`, optionally overridden
//! by a project's own folder, plus the filters every template may use.
//!
//! A project folder needs only the templates it changes; the others stay the defaults. With a
//! folder, each default is also registered as `isogen/<name>`, so a project template can
//! `{% extends "isogen/node.Dockerfile.tera" %}` and replace single blocks; without one, only
//! the defaults of the ecosystems in use are compiled.
//!
//! Filters (documented in templates/README.md):
//! - `json`: a JSON string or exec-form array (`["node", "/app/x/dist/main.js"]`), for `CMD`,
//!   `HEALTHCHECK`, `LABEL` and `ENV` values;
//! - `sh`: one POSIX shell word (single-quoted when it needs to be), for `RUN` arguments.

use std::path::{Path, PathBuf};

use tera::{Kwargs, State, Tera, TeraResult, Value};

use crate::error::{Error, Result};

/// The default templates: (name, source). An ecosystem adds its own here.
pub const DEFAULT_TEMPLATES: &[(&str, &str)] = &[
    (
        "node.Dockerfile.tera",
        include_str!("../../templates/node.Dockerfile.tera"),
    ),
    (
        "node.dockerignore.tera",
        include_str!("../../templates/node.dockerignore.tera"),
    ),
    (
        "cargo.Dockerfile.tera",
        include_str!("../../templates/cargo.Dockerfile.tera"),
    ),
    (
        "cargo.dockerignore.tera",
        include_str!("../../templates/cargo.dockerignore.tera"),
    ),
];

/// The documentation of the templates' variables, written out next to them.
pub const README: &str = include_str!("../../templates/README.md");

/// The suffix a file needs to be loaded from a project's template folder.
pub const SUFFIX: &str = ".tera";

/// A ready Tera instance and where its templates came from.
pub struct Templates {
    tera: Tera,
    /// The project folder, when one is used (for error messages).
    dir: Option<PathBuf>,
}

impl Templates {
    /// The embedded defaults only.
    pub fn defaults() -> Result<Templates> {
        Templates::load(None)
    }

    /// The defaults, overridden by every `*.tera` file under `dir` (names relative to `dir`).
    pub fn load(dir: Option<&Path>) -> Result<Templates> {
        Templates::load_for(dir, |_| true)
    }

    /// As [`Templates::load`], but without a project folder only the defaults `needed` accepts
    /// (by name) are compiled, each once: nothing can extend or include another template then,
    /// so the `isogen/<name>` copies and the templates of an ecosystem no service uses would
    /// only be compiled and dropped (on 200 pnpm services, 6 of the 8 compiled templates; the
    /// Node Dockerfile alone is 16 KB). With a folder, every template is loaded as before.
    pub fn load_for(dir: Option<&Path>, needed: impl Fn(&str) -> bool) -> Result<Templates> {
        let mut sources: Vec<(String, String)> = Vec::new();
        if dir.is_some() {
            for (name, source) in DEFAULT_TEMPLATES {
                sources.push((format!("isogen/{name}"), (*source).to_string()));
            }
        }
        let mut own: Vec<(String, String)> = Vec::new();
        if let Some(dir) = dir {
            if !crate::fsio::is_dir(dir) {
                return Err(Error::io(
                    dir,
                    std::io::Error::new(std::io::ErrorKind::NotFound, "template folder not found"),
                ));
            }
            for entry in
                crate::fsio::walked_all(crate::fsio::walk(dir).sort_by_file_name().into_iter())
            {
                let entry = entry.map_err(|e| {
                    Error::io(
                        e.path().unwrap_or(dir).to_path_buf(),
                        std::io::Error::other(e.to_string()),
                    )
                })?;
                if !entry.file_type().is_file() {
                    continue;
                }
                let Ok(rel) = entry.path().strip_prefix(dir) else {
                    continue;
                };
                let name = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                if !name.ends_with(SUFFIX) {
                    continue;
                }
                let text = crate::fsio::read_to_string(entry.path())
                    .map_err(|e| Error::io(entry.path(), e))?;
                own.push((name, text));
            }
        }
        for (name, source) in DEFAULT_TEMPLATES {
            if dir.is_none() && !needed(name) {
                continue;
            }
            if !own.iter().any(|(n, _)| n == name) {
                sources.push(((*name).to_string(), (*source).to_string()));
            }
        }
        sources.extend(own);

        let mut tera = Tera::new();
        // Dockerfiles are not HTML: never escape.
        tera.autoescape_on(Vec::<&str>::new());
        tera.register_filter("json", json_filter);
        tera.register_filter("sh", sh_filter);
        tera.add_raw_templates(sources.iter().map(|(n, s)| (n.as_str(), s.as_str())))
            .map_err(|e| template_error(dir, "(loading)", &e))?;
        Ok(Templates {
            tera,
            dir: dir.map(Path::to_path_buf),
        })
    }

    /// Renders `name` with `context`.
    pub fn render(&self, name: &str, context: &tera::Context) -> Result<String> {
        self.tera
            .render(name, context)
            .map_err(|e| template_error(self.dir.as_deref(), name, &e))
    }
}

/// Writes the default templates and their README into `dir` (created if needed). Existing
/// files are an error naming them, unless `force`; then nothing is written.
pub fn write_defaults(dir: &Path, force: bool) -> Result<Vec<PathBuf>> {
    let files: Vec<(PathBuf, &str)> = DEFAULT_TEMPLATES
        .iter()
        .map(|(name, source)| (dir.join(name), *source))
        .chain(std::iter::once((dir.join("README.md"), README)))
        .collect();
    if !force {
        let existing: Vec<String> = files
            .iter()
            .filter(|(p, _)| crate::fsio::exists(p))
            .map(|(p, _)| p.display().to_string())
            .collect();
        if !existing.is_empty() {
            return Err(Error::Usage(format!(
                "refusing to overwrite {}; nothing was written (use --force to replace)",
                existing.join(", ")
            )));
        }
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    for (path, source) in &files {
        super::write::write_atomic(path, source.as_bytes())?;
    }
    Ok(files.into_iter().map(|(p, _)| p).collect())
}

fn template_error(dir: Option<&Path>, name: &str, err: &tera::Error) -> Error {
    let mut message = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        message.push_str(&format!(": {s}"));
        source = s.source();
    }
    let name = match dir {
        Some(d) => format!("{} ({})", name, d.display()),
        None => name.to_string(),
    };
    Error::Template {
        name,
        message: message.trim_end().to_string(),
    }
}

/// `json`: arrays as `["a", "b"]` (the exec form Dockerfiles use), everything else as compact
/// JSON.
fn json_filter(value: &Value, _: Kwargs, _: &State) -> TeraResult<String> {
    // Strings and lists of strings (`CMD`, `ENV` and `LABEL` values: nearly every use) are
    // written directly, as the general path below would write them, without building a
    // `serde_json::Value` first.
    let string = |v: &Value| v.as_str().and_then(|s| serde_json::to_string(s).ok());
    if let Some(text) = string(value) {
        return Ok(text);
    }
    if let Some(parts) = value
        .as_array()
        .and_then(|items| items.iter().map(string).collect::<Option<Vec<_>>>())
    {
        return Ok(format!("[{}]", parts.join(", ")));
    }
    let json = serde_json::to_value(value).map_err(tera::Error::message)?;
    Ok(match json {
        serde_json::Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(|v| v.to_string()).collect();
            format!("[{}]", parts.join(", "))
        }
        other => other.to_string(),
    })
}

/// `sh`: one shell word; quoted with `'...'` unless it only has characters no shell treats
/// specially.
fn sh_filter(value: &str, _: Kwargs, _: &State) -> String {
    shell_quote(value)
}

/// Quotes `s` as one POSIX shell word.
pub fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-@+:=,%^".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_quote_for_dockerfiles_and_shells() {
        let t = Templates::defaults().unwrap();
        let mut tera = t.tera.clone();
        tera.add_raw_template(
            "t",
            "{{ cmd | json }} {{ label | json }} {{ a | sh }} {{ b | sh }} {{ c | sh }}",
        )
        .unwrap();
        let mut ctx = tera::Context::new();
        ctx.insert("cmd", &["node", "/app/x/dist/main.js"]);
        ctx.insert("label", "say \"hi\"");
        ctx.insert("a", "@acme/lib");
        ctx.insert("b", "dependencies[@acme/lib]=file:../lib");
        ctx.insert("c", "it's");
        assert_eq!(
            tera.render("t", &ctx).unwrap(),
            r#"["node", "/app/x/dist/main.js"] "say \"hi\"" @acme/lib 'dependencies[@acme/lib]=file:../lib' 'it'\''s'"#
        );
    }

    #[test]
    fn json_writes_other_values_as_compact_json() {
        let mut tera = Templates::defaults().unwrap().tera;
        tera.add_raw_template("t", "{{ a | json }} {{ b | json }} {{ c | json }}")
            .unwrap();
        let mut ctx = tera::Context::new();
        ctx.insert("a", &serde_json::json!([8080, "x\ty"]));
        ctx.insert("b", &serde_json::json!({"z": 1, "a": [true]}));
        ctx.insert("c", &serde_json::json!([]));
        assert_eq!(
            tera.render("t", &ctx).unwrap(),
            r#"[8080, "x\ty"] {"z":1,"a":[true]} []"#
        );
    }

    #[test]
    fn project_templates_override_and_can_extend_defaults() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("node.dockerignore.tera"),
            "{% extends \"isogen/node.dockerignore.tera\" %}",
        )
        .unwrap();
        std::fs::write(dir.path().join("notes.txt"), "ignored").unwrap();
        let t = Templates::load(Some(dir.path())).unwrap();
        assert!(t
            .tera
            .get_template_names()
            .any(|n| n == "node.dockerignore.tera"));
        assert!(!t.tera.get_template_names().any(|n| n == "notes.txt"));
    }

    #[test]
    fn without_a_project_folder_only_the_needed_defaults_compile() {
        let names = |t: &Templates| {
            let mut names: Vec<String> = t.tera.get_template_names().map(String::from).collect();
            names.sort();
            names
        };
        let node = Templates::load_for(None, |n| n.starts_with("node.")).unwrap();
        assert_eq!(
            names(&node),
            ["node.Dockerfile.tera", "node.dockerignore.tera"]
        );
        assert_eq!(names(&Templates::defaults().unwrap()).len(), 4);
        // A project folder brings every default back, under both names.
        let dir = tempfile::tempdir().unwrap();
        let all = Templates::load_for(Some(dir.path()), |_| false).unwrap();
        assert_eq!(names(&all).len(), 8);
    }

    #[test]
    fn syntax_errors_name_the_template() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("node.Dockerfile.tera"), "{% if %}").unwrap();
        let err = Templates::load(Some(dir.path())).err().unwrap().to_string();
        assert!(err.starts_with("template "), "{err}");
        assert!(err.contains("node.Dockerfile.tera"), "{err}");
    }
}
