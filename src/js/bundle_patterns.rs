//! The dependencies a bundler config says to inline into the bundle: every string or regular
//! expression literal under a `noExternal` key (tsup, tsdown before 0.15) or an `alwaysBundle`
//! key (tsdown's `deps.alwaysBundle`), as in `noExternal: [/^@repo\//, "@acme/db"]`.
//!
//! [`bundle_externals`] reads the other side: the literals under `external` (tsup, tsdown
//! before 0.15) or `neverBundle` (tsdown's `deps.neverBundle`), which the bundle leaves to
//! Node at run time, and whether `skipNodeModulesBundle: true` or `neverBundle: true` leaves
//! every package external. (Both tools also leave out what package.json declares in
//! `dependencies` and `peerDependencies`, tsdown `optionalDependencies` too: what the image
//! installs anyway.)
//!
//! It never runs the config: an element it cannot read as a literal (a variable, a function,
//! a spread) is left out, so a caller only ever learns that a name IS bundled (or IS left
//! external), never that it is not. It never reads the disk (the caller hands it the text).

use std::path::Path;

use oxc_allocator::Allocator;
use oxc_ast::ast::{ArrayExpressionElement, Expression, ObjectProperty};
use oxc_ast_visit::{walk, Visit};

use super::imports::{literal, parse, LineIndex};
use super::JsParseError;

/// The keys whose values name the dependencies a bundler inlines.
const KEYS: &[&str] = &["noExternal", "alwaysBundle"];
/// The keys whose values name the dependencies a bundler leaves external.
const EXTERNAL_KEYS: &[&str] = &["external", "neverBundle"];
/// The keys that, set to `true`, leave every package of `node_modules` external.
const ALL_EXTERNAL_KEYS: &[&str] = &["skipNodeModulesBundle", "neverBundle"];

/// One literal a bundler config inlines by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BundlePattern {
    /// `"@acme/db"`: the package of that exact name (and its subpaths).
    Name(String),
    /// `/^@repo\//i`: a JavaScript regular expression literal.
    Regex(JsRegex),
}

/// A JavaScript regular expression literal: its source and flags, compiled once when read
/// (a pattern is tested against every dependency of the service).
#[derive(Debug, Clone)]
pub struct JsRegex {
    pub source: String,
    pub flags: String,
    /// `None` when Rust's `regex` cannot compile the source (look-around, backreferences).
    compiled: Option<regex::Regex>,
}

impl JsRegex {
    pub fn new(source: &str, flags: &str) -> JsRegex {
        let compiled = regex::RegexBuilder::new(source)
            .case_insensitive(flags.contains('i'))
            .build()
            .ok();
        JsRegex {
            source: source.to_string(),
            flags: flags.to_string(),
            compiled,
        }
    }
}

/// Two literals are equal when they read the same (the compiled form follows from them).
impl PartialEq for JsRegex {
    fn eq(&self, other: &JsRegex) -> bool {
        self.source == other.source && self.flags == other.flags
    }
}

impl Eq for JsRegex {}

impl BundlePattern {
    /// `/source/flags`, as the config wrote it.
    pub fn regex(source: &str, flags: &str) -> BundlePattern {
        BundlePattern::Regex(JsRegex::new(source, flags))
    }

    /// Whether a bundler with this pattern inlines an import of the package `name` (bundlers
    /// test the specifier, which for the package's entry is its name). A regular expression
    /// that Rust's `regex` cannot compile (look-around, backreferences) matches nothing.
    pub fn matches(&self, name: &str) -> bool {
        match self {
            BundlePattern::Name(n) => n == name,
            BundlePattern::Regex(re) => re.compiled.as_ref().is_some_and(|c| c.is_match(name)),
        }
    }
}

/// Every literal under a `noExternal`/`alwaysBundle` key of the file, in source order.
pub fn bundle_patterns(path: &Path, source: &str) -> Result<Vec<BundlePattern>, JsParseError> {
    let lines = LineIndex::new(source);
    let allocator = Allocator::default();
    let program = parse(&allocator, path, source, &lines)?;
    let mut finder = Finder {
        keys: KEYS,
        out: Vec::new(),
        all: None,
    };
    finder.visit_program(&program);
    Ok(finder.out)
}

/// What a tsup/tsdown config leaves external, by its literals.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BundleExternals {
    /// Every literal under an `external` or `neverBundle` key, in source order.
    pub patterns: Vec<BundlePattern>,
    /// The key set to `true` that leaves every package external (`skipNodeModulesBundle`).
    pub all: Option<String>,
}

/// Every literal under an `external`/`neverBundle` key of the file, and the first
/// `skipNodeModulesBundle: true` or `neverBundle: true`.
pub fn bundle_externals(path: &Path, source: &str) -> Result<BundleExternals, JsParseError> {
    let lines = LineIndex::new(source);
    let allocator = Allocator::default();
    let program = parse(&allocator, path, source, &lines)?;
    let mut finder = Finder {
        keys: EXTERNAL_KEYS,
        out: Vec::new(),
        all: None,
    };
    finder.visit_program(&program);
    Ok(BundleExternals {
        patterns: finder.out,
        all: finder.all,
    })
}

struct Finder {
    keys: &'static [&'static str],
    out: Vec<BundlePattern>,
    /// The first key of [`ALL_EXTERNAL_KEYS`] set to `true` (only looked for with
    /// [`EXTERNAL_KEYS`]).
    all: Option<String>,
}

impl Finder {
    fn value(&mut self, expr: &Expression<'_>) {
        match expr {
            Expression::RegExpLiteral(re) => self.out.push(BundlePattern::regex(
                re.regex.pattern.text.as_str(),
                &re.regex.flags.to_string(),
            )),
            Expression::ArrayExpression(array) => {
                for element in &array.elements {
                    if let Some(e) = as_expression(element) {
                        self.value(e);
                    }
                }
            }
            Expression::TSAsExpression(e) => self.value(&e.expression),
            Expression::TSSatisfiesExpression(e) => self.value(&e.expression),
            Expression::ParenthesizedExpression(e) => self.value(&e.expression),
            other => {
                if let Some((text, _)) = literal(other) {
                    self.out.push(BundlePattern::Name(text.to_string()));
                }
            }
        }
    }
}

/// An array element that is an expression (not a spread or a hole).
fn as_expression<'e, 'a>(element: &'e ArrayExpressionElement<'a>) -> Option<&'e Expression<'a>> {
    match element {
        ArrayExpressionElement::SpreadElement(_) | ArrayExpressionElement::Elision(_) => None,
        other => other.as_expression(),
    }
}

impl<'a> Visit<'a> for Finder {
    fn visit_object_property(&mut self, it: &ObjectProperty<'a>) {
        if !it.computed && self.keys.iter().any(|k| it.key.is_specific_static_name(k)) {
            self.value(&it.value);
        }
        let all_key = (ALL_EXTERNAL_KEYS.iter()).find(|k| it.key.is_specific_static_name(k));
        if let (Some(key), false, true) = (all_key, it.computed, self.keys == EXTERNAL_KEYS) {
            if matches!(&it.value, Expression::BooleanLiteral(b) if b.value) && self.all.is_none() {
                self.all = Some(key.to_string());
            }
        }
        walk::walk_object_property(self, it);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_left_external_are_read() {
        // karakeep's apps/workers/tsdown.config.ts, shortened.
        let got = bundle_externals(
            Path::new("tsdown.config.ts"),
            r#"export default defineConfig({
  external: ["better-sqlite3", "liteque"],
  noExternal: [/^@karakeep\//],
})"#,
        )
        .unwrap();
        assert_eq!(
            got.patterns,
            [
                BundlePattern::Name("better-sqlite3".into()),
                BundlePattern::Name("liteque".into())
            ]
        );
        assert_eq!(got.all, None);
        let got = bundle_externals(
            Path::new("tsup.config.ts"),
            "export default { skipNodeModulesBundle: true, deps: { neverBundle: [/^@aws-sdk\\//] } }",
        )
        .unwrap();
        assert_eq!(got.all.as_deref(), Some("skipNodeModulesBundle"));
        assert!(got.patterns[0].matches("@aws-sdk/client-s3"));
        let off = bundle_externals(
            Path::new("a.ts"),
            "export default { skipNodeModulesBundle: false }",
        );
        assert_eq!(off.unwrap().all, None);
    }

    fn read(source: &str) -> Vec<BundlePattern> {
        bundle_patterns(Path::new("tsdown.config.ts"), source).unwrap()
    }

    #[test]
    fn literals_under_no_external_and_always_bundle_are_read() {
        // latitude-llm's apps/api/tsdown.config.ts, shortened.
        let got = read(
            r#"import { defineConfig } from "tsdown"
export default defineConfig({
  entry: ["src/server.ts"],
  deps: {
    alwaysBundle: [/@(platform|domain|repo)\/.*/],
    neverBundle: [/^@traceloop\//],
  },
})"#,
        );
        assert_eq!(
            got,
            [BundlePattern::regex(r"@(platform|domain|repo)\/.*", "")]
        );
        assert!(got[0].matches("@domain/shared"));
        assert!(!got[0].matches("@traceloop/node-server-sdk"));
        let tsup =
            read(r#"export default { noExternal: ["@acme/db", /^@ACME\//i, ...more, helper()] }"#);
        assert_eq!(tsup.len(), 2);
        assert!(tsup[0].matches("@acme/db") && !tsup[0].matches("@acme/dbx"));
        assert!(tsup[1].matches("@acme/ui"));
        // A single value, and a key in a comment or a string is no key.
        assert_eq!(
            read("// noExternal: ['x']\nexport default { noExternal: 'y', a: 'noExternal' }"),
            [BundlePattern::Name("y".into())]
        );
    }

    #[test]
    fn a_regex_rust_cannot_compile_matches_nothing() {
        let p = BundlePattern::regex(r"^(?!@types)@acme\/", "");
        assert!(!p.matches("@acme/db"));
    }
}
