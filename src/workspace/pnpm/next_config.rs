//! A Next.js app's `next.config.(js|mjs|cjs|ts|mts)`, read for the few keys an image depends
//! on: `output` (`"standalone"` makes `.next/standalone`; `"export"` makes static files and no
//! server), `distDir` (where the build writes), whether `outputFileTracingRoot` is set, and
//! the packages `next build` leaves external (`serverExternalPackages`, or the older
//! `experimental.serverComponentsExternalPackages`): Node loads those from `node_modules` at
//! run time instead of the build bundling them.
//!
//! The config is a program, not data: isogen never runs it. It parses the file
//! ([`crate::js::property_values`], oxc: so `// output: "standalone"` or a string holding
//! `output:` is not the key) and takes a key's value only when every object literal that sets
//! it gives the same string literal; a value computed at run time
//! (`process.env.X ? "standalone" : undefined`), or a file the parser refuses, is
//! [`ConfigValue::Computed`], and the caller says what it assumed or refuses. It never guesses
//! a computed value.

use std::path::Path;

use serde::Serialize;

use super::files::read_text;
use crate::error::Result;
use crate::js::{property_values, PropertyValue};

/// The config file names Next.js loads, in the order it looks for them.
pub const CONFIG_FILES: &[&str] = &[
    "next.config.js",
    "next.config.mjs",
    "next.config.cjs",
    "next.config.ts",
    "next.config.mts",
];

/// One key of the config as far as a reader that never runs it can tell.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum ConfigValue {
    /// The key is not in the file (or there is no file): Next's default.
    #[default]
    Absent,
    /// The key's only value is this string literal.
    Literal(String),
    /// The key is set to something computed (or to different literals in different places).
    Computed,
}

/// What the image of a Next.js app depends on in its config.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NextConfig {
    /// The config file at the top of the package (`next.config.mjs`), if any.
    pub file: Option<String>,
    pub output: ConfigValue,
    pub dist_dir: ConfigValue,
    /// `outputFileTracingRoot` (or the older `experimental.outputFileTracingRoot`).
    pub tracing_root: ConfigValue,
    /// The package names of `serverExternalPackages` and
    /// `experimental.serverComponentsExternalPackages` (arrays of string literals).
    pub external_packages: Vec<String>,
    /// One of those keys is set to something computed (`[...base, "x"]`, a variable): which
    /// packages stay external is not known.
    pub external_computed: bool,
}

impl NextConfig {
    /// Reads the first config file of `root/dir` that exists (none: every key [`Absent`]).
    ///
    /// [`Absent`]: ConfigValue::Absent
    pub fn read(root: &Path, dir: &str) -> Result<NextConfig> {
        let folder = root.join(dir);
        let Some(name) = CONFIG_FILES
            .iter()
            .find(|f| crate::fsio::is_file(folder.join(f)))
        else {
            return Ok(NextConfig::default());
        };
        let text = read_text(&folder.join(name))?;
        Ok(NextConfig::parse(name, &text))
    }

    /// The keys of a config file's text.
    pub fn parse(name: &str, text: &str) -> NextConfig {
        let key = |key: &str| key_value(name, text, key);
        let (external_packages, external_computed) = external_packages(name, text);
        NextConfig {
            file: Some(name.to_string()),
            output: key("output"),
            dist_dir: key("distDir"),
            tracing_root: key("outputFileTracingRoot"),
            external_packages,
            external_computed,
        }
    }
}

/// The names every `serverExternalPackages` / `serverComponentsExternalPackages` array lists,
/// and whether one of them is computed (or the file does not parse).
fn external_packages(name: &str, text: &str) -> (Vec<String>, bool) {
    let mut names = Vec::new();
    let mut computed = false;
    for key in ["serverExternalPackages", "serverComponentsExternalPackages"] {
        let Ok(values) = property_values(Path::new(name), text, key) else {
            return (names, true);
        };
        for value in values {
            match value {
                PropertyValue::List(list) => names.extend(list),
                PropertyValue::Literal(_) | PropertyValue::Computed => computed = true,
            }
        }
    }
    names.sort();
    names.dedup();
    (names, computed)
}

/// Every value `key` is given in the file: the literal when each is the same string literal.
fn key_value(name: &str, text: &str, key: &str) -> ConfigValue {
    let Ok(values) = property_values(Path::new(name), text, key) else {
        return ConfigValue::Computed;
    };
    let mut found = ConfigValue::Absent;
    for value in values {
        let value = match value {
            PropertyValue::Literal(v) => ConfigValue::Literal(v),
            PropertyValue::List(_) | PropertyValue::Computed => ConfigValue::Computed,
        };
        found = match (found, value) {
            (ConfigValue::Absent, v) => v,
            (a, b) if a == b => a,
            _ => ConfigValue::Computed,
        };
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn output(text: &str) -> ConfigValue {
        NextConfig::parse("next.config.ts", text).output
    }

    #[test]
    fn a_literal_output_is_read_in_every_config_style() {
        let standalone = ConfigValue::Literal("standalone".into());
        for text in [
            "module.exports = { output: 'standalone' }",
            "const nextConfig = {\n  output: \"standalone\",\n  reactStrictMode: true,\n};\nexport default nextConfig;",
            "import type { NextConfig } from 'next';\nconst c: NextConfig = { \"output\": `standalone` };\nexport default c;",
            "export default withMDX({ pageExtensions: ['js', 'mdx'], output: 'standalone' })",
        ] {
            assert_eq!(output(text), standalone, "{text}");
        }
    }

    #[test]
    fn comments_strings_and_regexes_are_not_keys() {
        let text = r#"
            // output: "standalone"
            /* output: 'standalone' */
            const s = "{ output: 'standalone' }";
            module.exports = {
              webpack: (config) => { config.module.rules.push({ test: /\.svg'$/ }); config.output.path = 'x'; return config },
              images: { remotePatterns: [{ hostname: `cdn.example.com` }] },
            };
        "#;
        assert_eq!(output(text), ConfigValue::Absent);
    }

    #[test]
    fn computed_values_are_not_guessed() {
        for text in [
            "module.exports = { output: process.env.STANDALONE ? 'standalone' : undefined }",
            "const output = 'standalone'; module.exports = { output }",
            "module.exports = { output: `${mode}` }",
            "module.exports = isCI ? { output: 'standalone' } : { output: 'export' }",
            // jitsu's console: standalone only when the build sets NEXTJS_STANDALONE_BUILD.
            "module.exports = { ...(process.env.NEXTJS_STANDALONE_BUILD === '1' ? { output: 'standalone' } : {}) }",
        ] {
            assert_eq!(output(text), ConfigValue::Computed, "{text}");
        }
        // A file the parser refuses is not guessed at either.
        assert_eq!(
            output("module.exports = { output: 'standalone'"),
            ConfigValue::Computed
        );
    }

    #[test]
    fn server_external_packages_are_read_under_both_names() {
        let c = NextConfig::parse(
            "next.config.ts",
            "const config = { serverExternalPackages: ['@acme/jobs', 'sharp'], experimental: { serverComponentsExternalPackages: [\"@acme/pdf\"] } };\nexport default config;",
        );
        assert_eq!(c.external_packages, ["@acme/jobs", "@acme/pdf", "sharp"]);
        assert!(!c.external_computed);
        let c = NextConfig::parse(
            "next.config.js",
            "module.exports = { serverExternalPackages: [...shared, '@acme/jobs'] }",
        );
        assert!(c.external_computed);
        assert!(NextConfig::parse("next.config.js", "module.exports = {}")
            .external_packages
            .is_empty());
    }

    #[test]
    fn dist_dir_and_tracing_root_are_read_too() {
        let c = NextConfig::parse(
            "next.config.mjs",
            "import path from 'node:path';\nexport default { output: 'standalone', distDir: 'build', outputFileTracingRoot: path.join(import.meta.dirname, '../../') }",
        );
        assert_eq!(c.dist_dir, ConfigValue::Literal("build".into()));
        assert_eq!(c.tracing_root, ConfigValue::Computed);
        assert_eq!(c.file.as_deref(), Some("next.config.mjs"));
    }
}
