//! A Next.js app's `next.config.(js|mjs|cjs|ts|mts)`, read for the few keys an image depends
//! on: `output` (`"standalone"` makes `.next/standalone`; `"export"` makes static files and no
//! server), `distDir` (where the build writes) and whether `outputFileTracingRoot` is set.
//!
//! The config is a program, not data: isogen never runs it. It reads the file as JavaScript
//! tokens ([`tokens`]: comments, strings, template literals and regular expressions skipped as
//! a JavaScript lexer does, so `// output: "standalone"` or a string holding `output:` is not
//! read as the key) and takes a key's value only when it is a plain string literal; a value
//! computed at run time (`process.env.X ? "standalone" : undefined`) is [`ConfigValue::Computed`],
//! and the caller says what it assumed or refuses. It never guesses a computed value.

use std::path::Path;

use serde::Serialize;

use super::files::read_text;
use crate::error::Result;

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
}

impl NextConfig {
    /// Reads the first config file of `root/dir` that exists (none: every key [`Absent`]).
    ///
    /// [`Absent`]: ConfigValue::Absent
    pub fn read(root: &Path, dir: &str) -> Result<NextConfig> {
        let folder = root.join(dir);
        let Some(name) = CONFIG_FILES.iter().find(|f| folder.join(f).is_file()) else {
            return Ok(NextConfig::default());
        };
        let text = read_text(&folder.join(name))?;
        Ok(NextConfig::parse(name, &text))
    }

    /// The keys of a config file's text.
    pub fn parse(name: &str, text: &str) -> NextConfig {
        let tokens = tokens(text);
        NextConfig {
            file: Some(name.to_string()),
            output: key_value(&tokens, "output"),
            dist_dir: key_value(&tokens, "distDir"),
            tracing_root: key_value(&tokens, "outputFileTracingRoot"),
        }
    }
}

/// A JavaScript token, as far as finding `key: "value"` needs.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    /// An identifier or keyword.
    Word(String),
    /// A string literal's value (or a template literal without `${}`).
    Str(String),
    /// A template literal with substitutions, a regular expression or a number.
    Other,
    Punct(char),
}

/// Every `key: value` of the config: the value when each is the same string literal.
fn key_value(tokens: &[Token], key: &str) -> ConfigValue {
    let mut found = ConfigValue::Absent;
    for (i, t) in tokens.iter().enumerate() {
        let is_key = matches!(t, Token::Word(w) | Token::Str(w) if w == key);
        // `{ output: ... }`, not `config.output.path` nor `{ output }` (shorthand: computed).
        let property = i == 0 || matches!(tokens[i - 1], Token::Punct('{' | ','));
        if !is_key || !property {
            continue;
        }
        let value = match (tokens.get(i + 1), tokens.get(i + 2), tokens.get(i + 3)) {
            (
                Some(Token::Punct(':')),
                Some(Token::Str(v)),
                Some(Token::Punct(',' | '}')) | None,
            ) => ConfigValue::Literal(v.clone()),
            (Some(Token::Punct(':')), _, _) => ConfigValue::Computed,
            // `{ output, distDir }`: a variable of the same name.
            (Some(Token::Punct(',' | '}')), _, _) => ConfigValue::Computed,
            _ => continue,
        };
        found = match (found, value) {
            (ConfigValue::Absent, v) => v,
            (a, b) if a == b => a,
            _ => ConfigValue::Computed,
        };
    }
    found
}

/// The tokens of JavaScript (or TypeScript) source; comments dropped.
fn tokens(text: &str) -> Vec<Token> {
    let chars: Vec<char> = text.chars().collect();
    let mut out: Vec<Token> = Vec::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        let next = chars.get(i + 1).copied();
        if c.is_whitespace() {
            i += 1;
        } else if c == '/' && next == Some('/') {
            while chars.get(i).is_some_and(|&c| c != '\n') {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            i += 2;
            while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                i += 1;
            }
            i += 2;
        } else if c == '"' || c == '\'' {
            let (value, end) = quoted(&chars, i);
            out.push(Token::Str(value));
            i = end;
        } else if c == '`' {
            let (token, end) = template(&chars, i);
            out.push(token);
            i = end;
        } else if c == '/' && regex_allowed(out.last()) {
            i = regex_end(&chars, i);
            out.push(Token::Other);
        } else if c.is_alphanumeric() || c == '_' || c == '$' {
            let start = i;
            while chars
                .get(i)
                .is_some_and(|&c| c.is_alphanumeric() || c == '_' || c == '$')
            {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            out.push(if c.is_ascii_digit() {
                Token::Other
            } else {
                Token::Word(word)
            });
        } else {
            out.push(Token::Punct(c));
            i += 1;
        }
    }
    out
}

/// A `'...'` or `"..."` literal starting at `start`: its value and the index after it.
fn quoted(chars: &[char], start: usize) -> (String, usize) {
    let quote = chars[start];
    let mut value = String::new();
    let mut i = start + 1;
    while let Some(&c) = chars.get(i) {
        match c {
            '\\' => {
                if let Some(&escaped) = chars.get(i + 1) {
                    value.push(escaped);
                }
                i += 2;
            }
            c if c == quote || c == '\n' => return (value, i + 1),
            c => {
                value.push(c);
                i += 1;
            }
        }
    }
    (value, i)
}

/// A template literal starting at `start`: a string when it has no `${}`, else `Other`.
fn template(chars: &[char], start: usize) -> (Token, usize) {
    let mut value = String::new();
    let mut substituted = false;
    let mut i = start + 1;
    while let Some(&c) = chars.get(i) {
        match c {
            '\\' => i += 2,
            '`' => {
                let token = if substituted {
                    Token::Other
                } else {
                    Token::Str(value)
                };
                return (token, i + 1);
            }
            '$' if chars.get(i + 1) == Some(&'{') => {
                substituted = true;
                // Skip the expression up to its matching brace (strings inside it are rare
                // in a config; a brace in one would only make the value `Computed`).
                let mut depth = 0usize;
                while let Some(&c) = chars.get(i) {
                    i += 1;
                    match c {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                }
            }
            c => {
                value.push(c);
                i += 1;
            }
        }
    }
    (Token::Other, i)
}

/// Whether a `/` after `previous` starts a regular expression (not a division).
fn regex_allowed(previous: Option<&Token>) -> bool {
    match previous {
        None => true,
        Some(Token::Punct(p)) => !matches!(p, ')' | ']' | '}'),
        Some(Token::Word(w)) => matches!(
            w.as_str(),
            "return" | "typeof" | "case" | "do" | "else" | "in" | "of" | "new" | "void"
        ),
        Some(_) => false,
    }
}

/// The index after a regular expression literal starting at `start` (its flags included).
fn regex_end(chars: &[char], start: usize) -> usize {
    let mut i = start + 1;
    let mut class = false;
    while let Some(&c) = chars.get(i) {
        match c {
            '\\' => i += 1,
            '[' => class = true,
            ']' => class = false,
            '/' if !class => break,
            '\n' => return i,
            _ => {}
        }
        i += 1;
    }
    i += 1;
    while chars.get(i).is_some_and(|c| c.is_alphanumeric()) {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn output(text: &str) -> ConfigValue {
        NextConfig::parse("next.config.js", text).output
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
        ] {
            assert_eq!(output(text), ConfigValue::Computed, "{text}");
        }
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
