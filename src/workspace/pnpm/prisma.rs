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
    /// The generator's `engineType` (`library`, `binary`, `client`), when it sets one:
    /// `client` (Prisma 6.16+, with a driver adapter) has no Rust query engine.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub engine_type: Option<String>,
    /// The variables `prisma.config.*` reads with `env("NAME")` (which throws when one is
    /// unset, even for `prisma generate`, which connects to nothing), each with a placeholder
    /// URL of the schema's datasource provider for the build step.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub config_env: Vec<(String, String)>,
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
                .find(|s| crate::fsio::exists(folder.join(s)))
                .map(str::to_string)
        })?;
    let text = schema_text(&folder.join(&schema));
    let Generator {
        provider,
        output,
        engine_type,
    } = generator(&text)?;
    let schema_dir = if crate::fsio::is_dir(folder.join(&schema)) {
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
        .find(|m| crate::fsio::is_dir(folder.join(m)));
    let placeholder = placeholder_url(&text);
    let config_env = config_env_names(&folder)
        .into_iter()
        .map(|name| (name, placeholder.to_string()))
        .collect();
    Some(Prisma {
        schema,
        provider,
        output,
        migrations,
        engine_type,
        config_env,
    })
}

/// The `.prisma` files under the package at `root/dir` (three folders deep at most, never in
/// `node_modules`), sorted, when it depends on Prisma but [`read`] found no schema: Prisma's
/// default places are empty, so `prisma generate` (and the postinstall of `@prisma/client`)
/// finds nothing without `--schema`.
pub fn schemas_elsewhere(root: &Path, dir: &str, json: &Value) -> Vec<String> {
    let uses = ["dependencies", "devDependencies", "optionalDependencies"]
        .iter()
        .filter_map(|k| json.get(k).and_then(Value::as_object))
        .any(|deps| deps.contains_key("@prisma/client") || deps.contains_key("prisma"));
    if !uses {
        return Vec::new();
    }
    let folder = root.join(dir);
    let walk = (crate::fsio::walk(&folder).max_depth(4).into_iter())
        .filter_entry(|e| e.file_name() != "node_modules");
    let mut found: Vec<String> = crate::fsio::walked_all(walk)
        .flatten()
        .filter(|e| e.file_type().is_file())
        .filter(|e| e.path().extension().is_some_and(|x| x == "prisma"))
        .filter_map(|e| {
            let rel = e.path().strip_prefix(&folder).ok()?;
            Some(rel.to_string_lossy().replace('\\', "/"))
        })
        .filter(|rel| generator(&schema_text(&folder.join(rel))).is_some())
        .collect();
    found.sort();
    found
}

/// The text of the package's `prisma.config.*`, when it has one.
fn config_text(folder: &Path) -> Option<String> {
    [
        "prisma.config.ts",
        "prisma.config.mts",
        "prisma.config.js",
        "prisma.config.mjs",
    ]
    .iter()
    .find_map(|f| crate::fsio::read_to_string(folder.join(f)).ok())
}

/// The names of `env("NAME")` / `env('NAME')` calls in the package's `prisma.config.*` (the
/// `env` helper of `prisma/config`), in order, each once.
fn config_env_names(folder: &Path) -> Vec<String> {
    let Some(text) = config_text(folder) else {
        return Vec::new();
    };
    let mut names: Vec<String> = Vec::new();
    for (at, _) in text.match_indices("env(") {
        let before = text[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$' || c == '.') {
            continue;
        }
        let rest = text[at + 4..].trim_start();
        let Some(quote) = rest
            .chars()
            .next()
            .filter(|c| matches!(c, '"' | '\'' | '`'))
        else {
            continue;
        };
        let Some(name) = rest[1..].split(quote).next() else {
            continue;
        };
        let valid = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if valid && !names.iter().any(|n| n == name) {
            names.push(name.to_string());
        }
    }
    names
}

/// A URL of the schema's `datasource` provider that `prisma generate` accepts and never
/// connects to.
fn placeholder_url(schema: &str) -> &'static str {
    let provider = schema
        .lines()
        .map(|l| l.split("//").next().unwrap_or_default().trim())
        .skip_while(|l| !(l.starts_with("datasource ") && l.ends_with('{')))
        .take_while(|l| !l.starts_with('}'))
        .find_map(|l| {
            let (key, value) = l.split_once('=')?;
            (key.trim() == "provider").then(|| value.trim().trim_matches('"').to_string())
        })
        .unwrap_or_default();
    match provider.as_str() {
        "mysql" => "mysql://build:build@localhost:3306/build",
        "sqlite" => "file:./build.db",
        "sqlserver" => "sqlserver://localhost:1433;database=build",
        "mongodb" => "mongodb://localhost:27017/build",
        _ => "postgresql://build:build@localhost:5432/build",
    }
}

/// `schema: "..."` in the package's `prisma.config.*`.
fn config_schema(folder: &Path) -> Option<String> {
    let text = config_text(folder)?;
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
    if crate::fsio::is_dir(path) {
        let mut files: Vec<_> = crate::fsio::walked_all(crate::fsio::walk(path).into_iter())
            .flatten()
            .filter(|e| e.path().extension().is_some_and(|x| x == "prisma"))
            .map(|e| e.into_path())
            .collect();
        files.sort();
        files
            .iter()
            .filter_map(|f| crate::fsio::read_to_string(f).ok())
            .collect::<Vec<_>>()
            .join("\n")
    } else {
        crate::fsio::read_to_string(path).unwrap_or_default()
    }
}

/// The first client generator of `schema`.
fn generator(schema: &str) -> Option<Generator> {
    let mut inside = false;
    let mut found = Generator::default();
    for line in schema.lines() {
        let line = line.split("//").next().unwrap_or_default().trim();
        if !inside {
            inside = line.starts_with("generator ") && line.ends_with('{');
            continue;
        }
        if line.starts_with('}') {
            if is_client(&found.provider) {
                return Some(found);
            }
            (inside, found) = (false, Generator::default());
            continue;
        }
        if let Some((key, value)) = line.split_once('=') {
            let value = value.trim().trim_matches('"').to_string();
            match key.trim() {
                "provider" => found.provider = value,
                "output" => found.output = Some(value),
                "engineType" => found.engine_type = Some(value),
                _ => {}
            }
        }
    }
    None
}

fn is_client(provider: &str) -> bool {
    matches!(provider, "prisma-client-js" | "prisma-client")
}

/// The client generator block of a schema: its `provider`, `output` and `engineType`.
#[derive(Debug, Default, PartialEq, Eq)]
struct Generator {
    provider: String,
    output: Option<String>,
    engine_type: Option<String>,
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
        let read = |schema| generator(schema).map(|g| (g.provider, g.output, g.engine_type));
        assert_eq!(
            read(schema),
            Some((
                "prisma-client".into(),
                Some("../src/generated/prisma".into()),
                None
            ))
        );
        assert_eq!(
            read("generator client {\n provider = \"prisma-client-js\"\n}\n"),
            Some(("prisma-client-js".into(), None, None))
        );
        assert_eq!(
            read("generator client {\n provider = \"prisma-client-js\"\n engineType = \"client\" // 6.16\n}\n"),
            Some(("prisma-client-js".into(), None, Some("client".into())))
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

    #[test]
    fn env_calls_of_the_config_get_a_placeholder_of_the_datasource_scheme() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("prisma.config.ts"),
            "import 'dotenv/config';\nimport { defineConfig, env } from 'prisma/config';\nexport default defineConfig({\n  schema: 'prisma/schema.prisma',\n  datasource: { url: env('DATABASE_URL'), shadowDatabaseUrl: env(\"SHADOW_URL\") },\n  x: process.env('NOT_THIS'), y: myenv('NOR_THIS'), z: env('DATABASE_URL'),\n});\n",
        )
        .unwrap();
        assert_eq!(config_env_names(dir.path()), ["DATABASE_URL", "SHADOW_URL"]);
        assert_eq!(
            placeholder_url("datasource db {\n  provider = \"mysql\" // main\n}\n"),
            "mysql://build:build@localhost:3306/build"
        );
        assert_eq!(
            placeholder_url("generator c {\n provider = \"prisma-client\"\n}\n"),
            "postgresql://build:build@localhost:5432/build"
        );
        assert!(config_env_names(&dir.path().join("none")).is_empty());
    }
}
