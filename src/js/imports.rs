//! The static import specifiers of one JS/TS source file: `import`/`export ... from`,
//! `require("x")`, `import("x")` and TypeScript's `import x = require("x")`, with the line
//! each is on. Only string-literal specifiers (and template literals without substitutions)
//! count: `require(name)` cannot be followed without running the code, so it is skipped.
//!
//! It parses; it never resolves a specifier or reads another file.

use std::path::{Path, PathBuf};

use oxc_allocator::Allocator;
use oxc_ast::ast::{
    CallExpression, ExportAllDeclaration, ExportFromDeclaration, Expression, ImportDeclaration,
    ImportDeclarationSpecifier, ImportExpression, TSImportEqualsDeclaration, TSModuleReference,
};
use oxc_ast_visit::{walk, Visit};
use oxc_parser::{ParseOptions, Parser};
use oxc_span::SourceType;

/// How a file imports a specifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportKind {
    /// `import x from "s"`, `import "s"`.
    Import,
    /// `export { x } from "s"`, `export * from "s"`.
    ExportFrom,
    /// `require("s")`.
    Require,
    /// `import("s")`.
    DynamicImport,
    /// TypeScript's `import x = require("s")`.
    ImportEquals,
}

/// One import of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    /// As written (`./x.js`, `@acme/shared`, `node:fs`).
    pub specifier: String,
    /// 1-based line of the specifier.
    pub line: u32,
    pub kind: ImportKind,
    /// `import type`, `export type ... from`, or an import whose every specifier is a type:
    /// erased when TypeScript compiles the file, so nothing loads it at run time.
    pub type_only: bool,
}

/// A file the parser could not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}:{line}: {message}", path.display())]
pub struct JsParseError {
    pub path: PathBuf,
    /// 1-based line of the first error (1 when the parser gave no position).
    pub line: u32,
    /// The parser's message.
    pub message: String,
}

/// Static import specifiers of one JS/TS source file (string-literal specifiers only;
/// `require(x)`/`import(x)` with a non-literal argument are skipped). The syntax (JS, JSX, TS,
/// TSX, module or script) comes from the extension.
pub fn static_imports(path: &Path, source: &str) -> Result<Vec<Import>, JsParseError> {
    let error = |line: u32, message: String| JsParseError {
        path: path.to_path_buf(),
        line,
        message,
    };
    let source_type = SourceType::from_path(path).map_err(|e| error(1, e.to_string()))?;
    let allocator = Allocator::default();
    let options = ParseOptions {
        // CommonJS code runs inside a function: a top-level `return` is valid there.
        allow_return_outside_function: true,
        ..ParseOptions::default()
    };
    let parsed = Parser::new(&allocator, source, source_type)
        .with_options(options)
        .parse();
    if let Some(d) = parsed.diagnostics.first() {
        let offset = d.labels.first().map_or(0, |l| l.offset());
        return Err(error(line_of(source, offset), d.message.to_string()));
    }
    let mut collector = Collector {
        source,
        imports: Vec::new(),
    };
    collector.visit_program(&parsed.program);
    Ok(collector.imports)
}

/// 1-based line of byte `offset` in `source`.
fn line_of(source: &str, offset: u32) -> u32 {
    let end = (offset as usize).min(source.len());
    let newlines = source.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count();
    u32::try_from(newlines).unwrap_or(u32::MAX - 1) + 1
}

struct Collector<'s> {
    source: &'s str,
    imports: Vec<Import>,
}

impl Collector<'_> {
    fn push(&mut self, specifier: &str, offset: u32, kind: ImportKind, type_only: bool) {
        self.imports.push(Import {
            specifier: specifier.to_string(),
            line: line_of(self.source, offset),
            kind,
            type_only,
        });
    }
}

/// The text of a string literal or a template literal without substitutions.
fn literal<'a>(e: &'a Expression<'_>) -> Option<(&'a str, u32)> {
    match e {
        Expression::StringLiteral(s) => Some((s.value.as_str(), s.span.start)),
        Expression::TemplateLiteral(t) if t.expressions.is_empty() && t.quasis.len() == 1 => t
            .quasis[0]
            .value
            .cooked
            .as_ref()
            .map(|c| (c.as_str(), t.span.start)),
        _ => None,
    }
}

impl<'a> Visit<'a> for Collector<'_> {
    fn visit_import_declaration(&mut self, it: &ImportDeclaration<'a>) {
        let all_types = it.specifiers.as_ref().is_some_and(|s| {
            !s.is_empty()
                && s.iter().all(|s| {
                    matches!(s, ImportDeclarationSpecifier::ImportSpecifier(s) if s.import_kind.is_type())
                })
        });
        let type_only = it.import_kind.is_type() || all_types;
        self.push(
            it.source.value.as_str(),
            it.source.span.start,
            ImportKind::Import,
            type_only,
        );
    }

    fn visit_export_from_declaration(&mut self, it: &ExportFromDeclaration<'a>) {
        let all_types =
            !it.specifiers.is_empty() && it.specifiers.iter().all(|s| s.export_kind.is_type());
        let type_only = it.export_kind.is_type() || all_types;
        self.push(
            it.source.value.as_str(),
            it.source.span.start,
            ImportKind::ExportFrom,
            type_only,
        );
    }

    fn visit_export_all_declaration(&mut self, it: &ExportAllDeclaration<'a>) {
        self.push(
            it.source.value.as_str(),
            it.source.span.start,
            ImportKind::ExportFrom,
            it.export_kind.is_type(),
        );
    }

    fn visit_ts_import_equals_declaration(&mut self, it: &TSImportEqualsDeclaration<'a>) {
        if let TSModuleReference::ExternalModuleReference(r) = &it.module_reference {
            self.push(
                r.expression.value.as_str(),
                r.expression.span.start,
                ImportKind::ImportEquals,
                it.import_kind.is_type(),
            );
        }
    }

    fn visit_import_expression(&mut self, it: &ImportExpression<'a>) {
        if let Some((s, at)) = literal(&it.source) {
            self.push(s, at, ImportKind::DynamicImport, false);
        }
        walk::walk_import_expression(self, it);
    }

    fn visit_call_expression(&mut self, it: &CallExpression<'a>) {
        let is_require = matches!(&it.callee, Expression::Identifier(id) if id.name == "require");
        if is_require && it.arguments.len() == 1 {
            if let Some((s, at)) = it.arguments[0].as_expression().and_then(literal) {
                self.push(s, at, ImportKind::Require, false);
            }
        }
        walk::walk_call_expression(self, it);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn specs(path: &str, source: &str) -> Vec<(String, u32, ImportKind, bool)> {
        static_imports(Path::new(path), source)
            .unwrap()
            .into_iter()
            .map(|i| (i.specifier, i.line, i.kind, i.type_only))
            .collect()
    }

    #[test]
    fn every_static_form_with_its_line() {
        let src = r#"import a from "./a.js";
import "side-effect";
export { b } from '../b';
export * from "@acme/c";
const d = require("d");
const e = await import(`./e.mjs`);
const f = require(name);
const g = import(name);
"#;
        use ImportKind::*;
        assert_eq!(
            specs("/app/x.mjs", src),
            vec![
                ("./a.js".into(), 1, Import, false),
                ("side-effect".into(), 2, Import, false),
                ("../b".into(), 3, ExportFrom, false),
                ("@acme/c".into(), 4, ExportFrom, false),
                ("d".into(), 5, Require, false),
                ("./e.mjs".into(), 6, DynamicImport, false),
            ]
        );
    }

    #[test]
    fn commonjs_with_a_top_level_return_and_a_hashbang() {
        let src = "#!/usr/bin/env node\n'use strict';\nif (x) return;\nmodule.exports = require('./lib');\n";
        assert_eq!(
            specs("/app/bin.cjs", src),
            vec![("./lib".into(), 4, ImportKind::Require, false)]
        );
        // A .js file is a module or a script by its content.
        assert_eq!(specs("/app/bin.js", src).len(), 1);
    }

    #[test]
    fn typescript_type_only_imports_are_marked() {
        let src = "import type { A } from './a';\nimport { type B } from './b';\nimport { C, type D } from './c';\nexport type { E } from './e';\nimport f = require('./f');\n";
        let got: Vec<(String, bool)> = specs("/src/x.ts", src)
            .into_iter()
            .map(|(s, _, _, t)| (s, t))
            .collect();
        assert_eq!(
            got,
            vec![
                ("./a".into(), true),
                ("./b".into(), true),
                ("./c".into(), false),
                ("./e".into(), true),
                ("./f".into(), false),
            ]
        );
    }

    #[test]
    fn a_syntax_error_names_the_file_and_line() {
        let e =
            static_imports(Path::new("/app/dist/bad.js"), "const a = 1;\nconst = ;\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.to_string().starts_with("/app/dist/bad.js:2: "), "{e}");
        let e = static_imports(Path::new("/app/x.json"), "{}").unwrap_err();
        assert!(e.message.contains("extension"), "{e}");
    }
}
