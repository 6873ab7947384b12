//! The Tera templates: defaults embedded in the binary from `templates/`, optionally overridden
//! by a project's own folder, plus the filters every template may use.
//!
//! A project folder needs only the templates it changes; the others stay the defaults. Each
//! default is also registered as `isogen/<name>`, so a project template can
//! `{% extends "isogen/node.Dockerfile.tera" %}` and replace single blocks.
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
        let mut sources: Vec<(String, String)> = Vec::new();
        for (name, source) in DEFAULT_TEMPLATES {
            sources.push((format!("isogen/{name}"), (*source).to_string()));
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
    fn syntax_errors_name_the_template() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("node.Dockerfile.tera"), "{% if %}").unwrap();
        let err = Templates::load(Some(dir.path())).err().unwrap().to_string();
        assert!(err.starts_with("template "), "{err}");
        assert!(err.contains("node.Dockerfile.tera"), "{err}");
    }
}
