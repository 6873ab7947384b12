//! The values of one object key everywhere a file writes it (`{ output: "standalone" }`),
//! as far as a reader that never runs the program can tell: a string literal, or something
//! computed. Keys in comments or strings are not keys: the file is parsed, not scanned. An
//! object literal that only some runs build (a branch of `?:`, `&&`/`||`/`??` or `if`, as in
//! `...(process.env.X ? { output: "standalone" } : {})`) sets its keys only sometimes: their
//! values are computed, never the literal.

use std::path::Path;

use oxc_allocator::Allocator;
use oxc_ast::ast::{
    ConditionalExpression, Expression, IfStatement, LogicalExpression, ObjectProperty,
};
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
        branches: 0,
    };
    finder.visit_program(&program);
    Ok(finder.out)
}

struct Finder<'k> {
    key: &'k str,
    out: Vec<PropertyValue>,
    /// How many conditional branches enclose the node being visited (0: every run reaches it).
    branches: usize,
}

/// A visitor that counts the conditional branches around the node it visits (a `?:` arm, the
/// right side of `&&`/`||`/`??`, an `if`'s arms): a value found there is not one every run of
/// the config gives.
pub(super) trait Branching<'a>: Visit<'a> + Sized {
    /// The visitor's count of enclosing branches.
    fn branches(&mut self) -> &mut usize;

    /// Visits what only some runs evaluate.
    fn in_branch(&mut self, visit: impl FnOnce(&mut Self)) {
        *self.branches() += 1;
        visit(self);
        *self.branches() -= 1;
    }

    fn conditional(&mut self, it: &ConditionalExpression<'a>) {
        self.visit_expression(&it.test);
        self.in_branch(|f| {
            f.visit_expression(&it.consequent);
            f.visit_expression(&it.alternate);
        });
    }

    fn logical(&mut self, it: &LogicalExpression<'a>) {
        self.visit_expression(&it.left);
        self.in_branch(|f| f.visit_expression(&it.right));
    }

    fn if_statement(&mut self, it: &IfStatement<'a>) {
        self.visit_expression(&it.test);
        self.in_branch(|f| {
            f.visit_statement(&it.consequent);
            if let Some(alternate) = &it.alternate {
                f.visit_statement(alternate);
            }
        });
    }
}

impl<'a> Branching<'a> for Finder<'_> {
    fn branches(&mut self) -> &mut usize {
        &mut self.branches
    }
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
                Some((text, _)) if !it.shorthand && !it.method && self.branches == 0 => {
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

    fn visit_conditional_expression(&mut self, it: &ConditionalExpression<'a>) {
        self.conditional(it);
    }

    fn visit_logical_expression(&mut self, it: &LogicalExpression<'a>) {
        self.logical(it);
    }

    fn visit_if_statement(&mut self, it: &IfStatement<'a>) {
        self.if_statement(it);
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

    #[test]
    fn an_object_only_some_runs_build_sets_a_computed_value() {
        // jitsu's webapps/console: standalone only when the build sets NEXTJS_STANDALONE_BUILD.
        assert_eq!(
            values(
                "next.config.js",
                "module.exports = { a: 1, ...(process.env.NEXTJS_STANDALONE_BUILD === '1' ? { output: 'standalone' } : {}) }"
            ),
            [Computed]
        );
        assert_eq!(
            values(
                "c.mjs",
                "export default { ...(ci && { output: 'standalone' }), b: { output: 'x' } }"
            ),
            [Computed, Literal("x".into())]
        );
        assert_eq!(
            values(
                "c.js",
                "let c = {}; if (ci) { c = { output: 'standalone' } }"
            ),
            [Computed]
        );
    }
}
