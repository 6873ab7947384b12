//! Whether one source file exports a binding of a given name, and on which line: ES module
//! exports (`export const handler = ...`, `export async function handler`, `export { h as
//! handler }`) and CommonJS ones (`exports.handler = ...`, `module.exports.handler = ...`,
//! `module.exports = { handler }`), at the top of the file. Used to recognise an AWS Lambda
//! handler (a module whose `handler` the Lambda runtime calls; nothing in it starts a server).
//!
//! It never reads the disk; a file the parser refuses is a [`JsParseError`].

use std::path::Path;

use oxc_allocator::Allocator;
use oxc_ast::ast::{
    AssignmentTarget, BindingPattern, Declaration, Expression, ModuleExportName,
    ObjectPropertyKind, Statement,
};

use super::imports::{parse, JsParseError, LineIndex};

/// The 1-based line where `source` (its syntax from `path`'s extension) exports `name`, if
/// it does at its top level.
pub fn export_line(path: &Path, source: &str, name: &str) -> Result<Option<u32>, JsParseError> {
    let lines = LineIndex::new(source);
    let allocator = Allocator::default();
    let program = parse(&allocator, path, source, &lines)?;
    let found = program
        .body
        .iter()
        .find(|s| exports(s, name))
        .map(|s| lines.line(oxc_span::GetSpan::span(s).start as usize));
    Ok(found)
}

/// Whether top-level statement `s` exports `name`.
fn exports(s: &Statement<'_>, name: &str) -> bool {
    match s {
        Statement::ExportDeclaration(e) => match &e.declaration {
            Declaration::FunctionDeclaration(f) => f.id.as_ref().is_some_and(|id| id.name == name),
            Declaration::VariableDeclaration(v) => v
                .declarations
                .iter()
                .any(|d| matches!(&d.id, BindingPattern::BindingIdentifier(b) if b.name == name)),
            _ => false,
        },
        Statement::ExportNamedDeclaration(e) => {
            e.specifiers.iter().any(|sp| named(&sp.exported, name))
        }
        Statement::ExportFromDeclaration(e) => {
            e.specifiers.iter().any(|sp| named(&sp.exported, name))
        }
        Statement::ExpressionStatement(e) => {
            let Expression::AssignmentExpression(a) = e.expression.without_parentheses() else {
                return false;
            };
            match &a.left {
                // `exports.handler = ...`, `module.exports.handler = ...`.
                AssignmentTarget::StaticMemberExpression(m) if m.property.name == name => {
                    is_exports(&m.object)
                }
                // `module.exports = { handler }`.
                AssignmentTarget::StaticMemberExpression(m) if m.property.name == "exports" => {
                    matches!(&m.object, Expression::Identifier(id) if id.name == "module")
                        && matches!(a.right.without_parentheses(), Expression::ObjectExpression(o)
                            if o.properties.iter().any(|p| matches!(p,
                                ObjectPropertyKind::ObjectProperty(p)
                                    if p.key.static_name().as_deref() == Some(name))))
                }
                _ => false,
            }
        }
        _ => false,
    }
}

/// Whether an export specifier's exported name is `name`.
fn named(exported: &ModuleExportName<'_>, name: &str) -> bool {
    match exported {
        ModuleExportName::IdentifierName(n) => n.name == name,
        ModuleExportName::IdentifierReference(n) => n.name == name,
        ModuleExportName::StringLiteral(n) => n.value == name,
    }
}

/// `exports` or `module.exports`.
fn is_exports(e: &Expression<'_>) -> bool {
    match e.without_parentheses() {
        Expression::Identifier(id) => id.name == "exports",
        Expression::StaticMemberExpression(m) => {
            m.property.name == "exports"
                && matches!(&m.object, Expression::Identifier(id) if id.name == "module")
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(name: &str, text: &str) -> Option<u32> {
        export_line(Path::new(name), text, "handler").unwrap()
    }

    #[test]
    fn each_way_of_exporting_handler_is_found_with_its_line() {
        let ts = "import type { E } from './t';\n\nexport async function handler(e: E) {\n  return { statusCode: 200 };\n}\n";
        assert_eq!(line("h.ts", ts), Some(3));
        assert_eq!(
            line("h.mjs", "export const handler = async () => ({});\n"),
            Some(1)
        );
        assert_eq!(
            line("h.js", "const h = () => 1;\nexport { h as handler };\n"),
            Some(2)
        );
        assert_eq!(
            line("h.cjs", "exports.handler = async () => ({});\n"),
            Some(1)
        );
        assert_eq!(
            line("h.cjs", "module.exports.handler = function () {};\n"),
            Some(1)
        );
        assert_eq!(
            line(
                "h.cjs",
                "const handler = 1;\nmodule.exports = { handler };\n"
            ),
            Some(2)
        );
    }

    #[test]
    fn other_exports_and_local_bindings_are_not() {
        assert_eq!(
            line(
                "a.ts",
                "const handler = () => 1;\nexport const main = handler;\n"
            ),
            None
        );
        assert_eq!(line("a.js", "export default function handler() {}\n"), None);
        assert_eq!(
            line(
                "a.js",
                "app.handler = 1;\nfunction f() { exports.handler = 1; }\n"
            ),
            None
        );
    }
}
