//! Prisma in a package: where its schema is and where `prisma generate` writes the client,
//! read at discovery so generate can run `prisma generate` in the build stage and ship what
//! the service loads at run time.
//!
//! A package uses Prisma when it depends on `@prisma/client` or `prisma` (any kind) and has a
//! schema: `prisma.schema` of package.json, else `schema` of `prisma.config.{ts,mts,js,mjs}`
//! (a string literal), else `prisma/schema.prisma`, else the folder `prisma/schema/`, else
//! `schema.prisma`. The generator is the first `generator` block whose provider is
//! `prisma-client-js` or `prisma-client`; its `output` is relative to the schema file's folder.
//! Its migrations are the `migrations` folder beside the schema (or beside a schema folder).
//! The schema is read line by line for those two keys only (no Rust parser of Prisma schemas
//! is published); it reads, never writes or runs anything.

use std::path::Path;

use serde::Serialize;
use serde_json::Value;

use crate::workspace::relpath;

/// The Prisma facts of one package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Prisma {
    /// The schema file (or folder), relative to the package folder.
    pub schema: String,
    /// `prisma-client-js` (JavaScript, by default into `node_modules/.prisma/client`) or
    /// `prisma-client` (TypeScript sources the package's build compiles; `output` required).
    pub provider: String,
    /// The generator's `output`, relative to the package folder (`src/generated/prisma`);
    /// `None` for the default. `..` segments are kept when it leaves the package.
    pub output: Option<String>,
    /// The `migrations` folder beside the schema file (or beside a schema folder), relative
    /// to the package folder, when it exists.
    pub migrations: Option<String>,
}

/// The Prisma facts of the package at `root/dir` whose package.json is `json`; `None` when it
/// does not use Prisma (see the module doc).
pub fn read(root: &Path, dir: &str, json: &Value) -> Option<Prisma> {
    let uses = ["dependencies", "devDependencies", "optionalDependencies"]
        .iter()
        .filter_map(|k| json.get(k).and_then(Value::as_object))
        .any(|deps| deps.contains_key("@prisma/client") || deps.contains_key("prisma"));
    if !uses {
        return None;
    }
    let folder = root.join(dir);
    let schema = json
        .pointer("/prisma/schema")
        .and_then(Value::as_str)
        .map(relpath::clean)
        .or_else(|| config_schema(&folder))
        .or_else(|| {
            ["prisma/schema.prisma", "prisma/schema", "schema.prisma"]
                .into_iter()
                .find(|s| folder.join(s).exists())
                .map(str::to_string)
        })?;
    let text = schema_text(&folder.join(&schema));
    let (provider, output) = generator(&text)?;
    let schema_dir = if folder.join(&schema).is_dir() {
        schema.clone()
    } else {
        schema
            .rsplit_once('/')
            .map(|(d, _)| d.to_string())
            .unwrap_or_default()
    };
    let output = output.map(|o| normalize(&format!("{schema_dir}/{o}")));
    let parent = |d: &str| {
        d.rsplit_once('/')
            .map(|(p, _)| p.to_string())
            .unwrap_or_default()
    };
    let migrations = [schema_dir.clone(), parent(&schema_dir)]
        .iter()
        .map(|d| normalize(&format!("{d}/migrations")))
        .find(|m| folder.join(m).is_dir());
    Some(Prisma {
        schema,
        provider,
        output,
        migrations,
    })
}

/// `schema: "..."` in the package's `prisma.config.*`.
fn config_schema(folder: &Path) -> Option<String> {
    let text = [
        "prisma.config.ts",
        "prisma.config.mts",
        "prisma.config.js",
        "prisma.config.mjs",
    ]
    .iter()
    .find_map(|f| std::fs::read_to_string(folder.join(f)).ok())?;
    text.lines().find_map(|line| {
        let rest = line
            .trim()
            .strip_prefix("schema")?
            .trim_start()
            .strip_prefix(':')?;
        let rest = rest.trim();
        let quote = rest
            .chars()
            .next()
            .filter(|c| matches!(c, '"' | '\'' | '`'))?;
        let value = rest[1..].split(quote).next()?;
        Some(relpath::clean(value))
    })
}

/// The schema's text: the file, or every `.prisma` file of the folder (multi-file schemas).
fn schema_text(path: &Path) -> String {
    if path.is_dir() {
        let mut files: Vec<_> = walkdir::WalkDir::new(path)
            .into_iter()
            .flatten()
            .filter(|e| e.path().extension().is_some_and(|x| x == "prisma"))
            .map(|e| e.into_path())
            .collect();
        files.sort();
        files
            .iter()
            .filter_map(|f| std::fs::read_to_string(f).ok())
            .collect::<Vec<_>>()
            .join("\n")
    } else {
        std::fs::read_to_string(path).unwrap_or_default()
    }
}

/// The provider and `output` of the first client generator of `schema`.
fn generator(schema: &str) -> Option<(String, Option<String>)> {
    let mut inside = false;
    let (mut provider, mut output): (Option<String>, Option<String>) = (None, None);
    for line in schema.lines() {
        let line = line.split("//").next().unwrap_or_default().trim();
        if !inside {
            inside = line.starts_with("generator ") && line.ends_with('{');
            continue;
        }
        if line.starts_with('}') {
            if let Some(p) = provider.take().filter(|p| is_client(p)) {
                return Some((p, output));
            }
            (inside, output) = (false, None);
            continue;
        }
        if let Some((key, value)) = line.split_once('=') {
            let value = value.trim().trim_matches('"').to_string();
            match key.trim() {
                "provider" => provider = Some(value),
                "output" => output = Some(value),
                _ => {}
            }
        }
    }
    None
}

fn is_client(provider: &str) -> bool {
    matches!(provider, "prisma-client-js" | "prisma-client")
}

/// `a/../b/./c` -> `b/c`; leading `..` segments are kept.
fn normalize(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." if out.last().is_some_and(|l| *l != "..") => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_generator_and_its_output_are_read() {
        let schema = "// comment\ngenerator erd {\n  provider = \"prisma-erd-generator\"\n  output = \"../erd.svg\"\n}\n\ngenerator client {\n  provider = \"prisma-client\"  // new\n  output   = \"../src/generated/prisma\"\n}\n";
        assert_eq!(
            generator(schema),
            Some((
                "prisma-client".into(),
                Some("../src/generated/prisma".into())
            ))
        );
        assert_eq!(
            generator("generator client {\n provider = \"prisma-client-js\"\n}\n"),
            Some(("prisma-client-js".into(), None))
        );
        assert_eq!(
            generator("datasource db {\n provider = \"sqlite\"\n}\n"),
            None
        );
        assert_eq!(
            normalize("prisma/../src/generated/prisma"),
            "src/generated/prisma"
        );
        assert_eq!(normalize("prisma/../../x"), "../x");
    }
}
