//! `.npmrc` as data: `key=value` lines as npm's ini reader (the `ini` package npm and pnpm
//! use) takes them: `#` and `;` start comments, also after a value (`strict-peer-dependencies=false
//! # why` is `false`; `\#` keeps one), the last assignment wins, quotes around a value are
//! dropped.
//!
//! It only parses text; it never reads a file itself, and it never keeps a value whose key is
//! a credential (`_authToken`, `_auth`, `_password`, `username`, anything scoped to a
//! registry URL `//host/:key`): those must never reach a generated file.

use std::collections::BTreeMap;

use serde::Serialize;

/// The settings of an `.npmrc`, credentials left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Npmrc {
    /// Key -> value, the last assignment of each key.
    pub settings: BTreeMap<String, String>,
    /// List settings (`public-hoist-pattern[]=*eslint*` lines), key without `[]` -> items.
    pub lists: BTreeMap<String, Vec<String>>,
    /// Whether some line holds a credential (or a registry-scoped key), left out above.
    pub credentials: bool,
    /// The `key=value` lines that are not credentials, trimmed, in file order: the `.npmrc`
    /// a build may carry in a layer.
    pub public_lines: Vec<String>,
}

impl Npmrc {
    /// Parses `.npmrc` text; lines that are not `key=value` are skipped, as npm skips them.
    pub fn parse(text: &str) -> Npmrc {
        let mut settings = BTreeMap::new();
        let mut lists: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let (mut credentials, mut public_lines) = (false, Vec::new());
        for line in text.lines().map(str::trim) {
            if line.starts_with('#') || line.starts_with(';') {
                continue;
            }
            let Some((key, value)) = line.split_once('=') else {
                continue;
            };
            let key = key.trim();
            if key.is_empty() {
                continue;
            }
            if is_credential(key) {
                credentials = true;
                continue;
            }
            public_lines.push(line.to_string());
            let value = ini_value(value);
            match key.strip_suffix("[]") {
                Some(list) => lists
                    .entry(list.trim().to_string())
                    .or_default()
                    .push(value),
                None => {
                    settings.insert(key.to_string(), value);
                }
            }
        }
        Npmrc {
            settings,
            lists,
            credentials,
            public_lines,
        }
    }

    /// The value of `key`, as written.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.settings.get(key).map(String::as_str)
    }

    /// The items of the list setting `key` (`key[]=` lines).
    pub fn list(&self, key: &str) -> Option<&[String]> {
        self.lists.get(key).map(Vec::as_slice)
    }

    /// `key` as a boolean (`true`/`false`); `None` when unset or not a boolean.
    pub fn flag(&self, key: &str) -> Option<bool> {
        match self.get(key)? {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        }
    }
}

/// A value as the `ini` package's `unsafe` reads it: a quoted value loses its quotes (and
/// keeps any `#` or `;` inside them); otherwise it ends at the first `#` or `;` not escaped
/// by a backslash, `\#`, `\;` and `\\` become the character, and the rest is trimmed.
fn ini_value(raw: &str) -> String {
    let raw = raw.trim();
    let quoted = raw.len() > 1
        && ((raw.starts_with('"') && raw.ends_with('"'))
            || (raw.starts_with('\'') && raw.ends_with('\'')));
    if quoted {
        return raw[1..raw.len() - 1].to_string();
    }
    let mut out = String::new();
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        match c {
            '#' | ';' => break,
            '\\' => match chars.next() {
                Some(e @ ('\\' | ';' | '#')) => out.push(e),
                Some(e) => {
                    out.push('\\');
                    out.push(e);
                }
                None => out.push('\\'),
            },
            c => out.push(c),
        }
    }
    out.trim().to_string()
}

/// Whether an `.npmrc` key holds a secret (or is scoped to a registry URL, where secrets live).
fn is_credential(key: &str) -> bool {
    let last = key.rsplit(':').next().unwrap_or(key);
    key.starts_with("//")
        || matches!(
            last,
            "_auth" | "_authToken" | "_password" | "username" | "password" | "email"
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_assignment_wins_and_comments_and_secrets_are_skipped() {
        let rc = Npmrc::parse(
            "# comment\n; other\nshared-workspace-lockfile = true\nshared-workspace-lockfile=false\n#node-linker=hoisted\n//registry.npmjs.org/:_authToken=secret\n_auth=abc\nignore-scripts=\"true\"\n",
        );
        assert_eq!(rc.get("shared-workspace-lockfile"), Some("false"));
        assert_eq!(rc.flag("shared-workspace-lockfile"), Some(false));
        assert_eq!(rc.flag("ignore-scripts"), Some(true));
        assert_eq!(rc.get("node-linker"), None);
        assert_eq!(rc.settings.len(), 2, "{rc:?}");
        assert!(rc.credentials);
        assert_eq!(
            rc.public_lines,
            [
                "shared-workspace-lockfile = true",
                "shared-workspace-lockfile=false",
                "ignore-scripts=\"true\""
            ]
        );
        // After a value, `#` and `;` start a comment too, unless quoted or escaped (as the
        // `ini` package npm and pnpm read .npmrc with: cosmo's `strict-peer-dependencies=false
        // # If this is enabled, ...`).
        let rc = Npmrc::parse(
            "strict-peer-dependencies=false # If this is enabled, commands will fail\nnode-linker = hoisted;flat\nfetch-retries=\"10\"\nhoist-pattern[]=*types* # types\nmessage=\"a # b\"\ntag=x\\#1\\;2\\\\3\\q\n",
        );
        assert_eq!(rc.flag("strict-peer-dependencies"), Some(false));
        assert_eq!(rc.get("node-linker"), Some("hoisted"));
        assert_eq!(rc.get("fetch-retries"), Some("10"));
        assert_eq!(rc.list("hoist-pattern"), Some(&["*types*".to_string()][..]));
        assert_eq!(rc.get("message"), Some("a # b"));
        assert_eq!(rc.get("tag"), Some("x#1;2\\3\\q"));
        let rc =
            Npmrc::parse("registry=https://npm.acme.dev/\n@acme:registry=https://npm.acme.dev/\n");
        assert!(!rc.credentials);
        assert_eq!(rc.public_lines.len(), 2);
        for secret in [
            "//npm.acme.dev/:_authToken=${NPM_TOKEN}",
            "@acme:_authToken=abc",
            "_password=cGFzcw==",
            "username=me",
            "//npm.acme.dev/:always-auth=true",
        ] {
            let rc = Npmrc::parse(secret);
            assert!(rc.credentials && rc.public_lines.is_empty(), "{secret}");
        }
    }
}
