//! The values of one object key everywhere a file writes it (`{ output: "standalone" }`),
//! as far as a reader that never runs the program can tell: a string literal, or something
//! computed. Keys in comments or strings are not keys: the file is parsed, not scanned.

use std::path::Path;

use oxc_allocator::Allocator;
use oxc_ast::ast::{Expression, ObjectProperty};
use oxc_ast_visit::{walk, Visit};

use super::imports::{literal, parse, LineIndex};
use super::JsParseError;

/// One place a key is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PropertyValue {
    /// `key: "text"` (or a template literal without substitutions; `as const` and
    /// `satisfies` looked through).
    Literal(String),
    /// `key: ["a", "b"]`: an array of string literals only (`format: ['cjs']`).
    List(Vec<String>),
    /// Anything else: a variable, a call, a condition, a shorthand `{ key }`, a method.
    Computed,
}

/// Every value `key` is given in an object literal of the file, in source order.
pub fn property_values(
    path: &Path,
    source: &str,
    key: &str,
) -> Result<Vec<PropertyValue>, JsParseError> {
    let lines = LineIndex::new(source);
    let allocator = Allocator::default();
    let program = parse(&allocator, path, source, &lines)?;
    let mut finder = Finder {
        key,
        out: Vec::new(),
    };
    finder.visit_program(&program);
    Ok(finder.out)
}

struct Finder<'k> {
    key: &'k str,
    out: Vec<PropertyValue>,
}

/// The expression under TypeScript's `as`/`satisfies`/`!` and parentheses.
fn unwrapped<'e, 'a>(expr: &'e Expression<'a>) -> &'e Expression<'a> {
    match expr {
        Expression::TSAsExpression(e) => unwrapped(&e.expression),
        Expression::TSSatisfiesExpression(e) => unwrapped(&e.expression),
        Expression::TSNonNullExpression(e) => unwrapped(&e.expression),
        Expression::ParenthesizedExpression(e) => unwrapped(&e.expression),
        other => other,
    }
}

impl<'a> Visit<'a> for Finder<'_> {
    fn visit_object_property(&mut self, it: &ObjectProperty<'a>) {
        if !it.computed && it.key.is_specific_static_name(self.key) {
            let value = match literal(unwrapped(&it.value)) {
                Some((text, _)) if !it.shorthand && !it.method => {
                    PropertyValue::Literal(text.to_string())
                }
                _ if it.shorthand || it.method => PropertyValue::Computed,
                _ => {
                    list(unwrapped(&it.value)).map_or(PropertyValue::Computed, PropertyValue::List)
                }
            };
            self.out.push(value);
        }
        walk::walk_object_property(self, it);
    }
}

/// The strings of an array literal that holds string literals only.
fn list(expr: &Expression) -> Option<Vec<String>> {
    let Expression::ArrayExpression(array) = expr else {
        return None;
    };
    array
        .elements
        .iter()
        .map(|e| {
            let e = e.as_expression()?;
            literal(unwrapped(e)).map(|(text, _)| text.to_string())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use PropertyValue::*;

    fn values(name: &str, text: &str) -> Vec<PropertyValue> {
        property_values(Path::new(name), text, "output").unwrap()
    }

    #[test]
    fn literals_shorthands_and_computed_values() {
        assert_eq!(
            values(
                "c.ts",
                "export default { output: 'standalone' as const, x: { output: `a` } }"
            ),
            [Literal("standalone".into()), Literal("a".into())]
        );
        assert_eq!(
            values(
                "c.js",
                "const output = 'x'; module.exports = { output, y: { output: f() } }"
            ),
            [Computed, Computed]
        );
        assert_eq!(
            values(
                "c.ts",
                "export default { output: ['cjs', `esm`], x: { output: ['a', b] } }"
            ),
            [List(vec!["cjs".into(), "esm".into()]), Computed]
        );
        // Comments, strings and member writes are not object keys.
        assert!(values(
            "c.mjs",
            "// output: 'x'\nconst s = \"{ output: 'x' }\"; c.output = 1;"
        )
        .is_empty());
        assert!(property_values(Path::new("c.js"), "module.exports = {", "output").is_err());
    }
}
