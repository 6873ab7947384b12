//! The import specifiers of one source file: `import ... from`, `export ... from`,
//! `require('x')`, `import('x')` and TypeScript's `import x = require('x')`, each with its
//! 1-based line and whether only types cross it (`import type`, `export type`).
//!
//! Only string-literal specifiers (and template literals without substitutions) are kept:
//! `require(name)` names no file before it runs. It never reads the disk and never panics on
//! the text it is given; a file the parser refuses is a [`JsParseError`].

use std::path::{Path, PathBuf};

use oxc_allocator::Allocator;
use oxc_ast::ast::{
    Argument, ArrowFunctionBody, CallExpression, CatchClause, ConditionalExpression,
    DoWhileStatement, ExportAllDeclaration, ExportFromDeclaration, Expression, ForInStatement,
    ForOfStatement, ForStatement, FunctionBody, IfStatement, ImportDeclaration,
    ImportDeclarationSpecifier, ImportExpression, ImportOrExportKind, LogicalExpression, Program,
    Statement, SwitchStatement, TSImportEqualsDeclaration, TSModuleReference, TryStatement,
    WhileStatement,
};
use oxc_ast_visit::{walk, Visit};
use oxc_parser::Parser;
use oxc_span::SourceType;

/// How the specifier is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ImportKind {
    /// `import x from 'y'`, `import 'y'`.
    Import,
    /// `export { x } from 'y'`, `export * from 'y'`.
    ExportFrom,
    /// `require('y')`.
    Require,
    /// `import('y')`.
    DynamicImport,
    /// TypeScript's `import x = require('y')`.
    ImportEquals,
}

/// One static import specifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    /// As written, without quotes.
    pub specifier: String,
    /// 1-based line of the specifier.
    pub line: u32,
    pub kind: ImportKind,
    /// Only types cross it (`import type`, `export type`, `import type x = require()`): the
    /// compiler needs the target, the running program does not.
    pub type_only: bool,
    /// A `require()`/`import()` run inside the `try` block of a `try` whose `catch` handles
    /// the failure (does not simply throw again): an optional dependency, which the program
    /// runs without (`try { require('pino-pretty') } catch {}`). A function defined in the
    /// block runs later, outside it: its imports are not.
    pub in_try: bool,
    /// It surely loads the module when the program runs: a `require()`, an `import()`, a
    /// side-effect `import 'y'`, or an `import` that binds a default or namespace (`import
    /// express from 'express'`). A named import (`import { Request } from 'express'`) and an
    /// `export ... from` may carry only types, which the compiler drops: `false`.
    pub binds_value: bool,
    /// It runs whenever the file is loaded: at the module's top level, outside any function,
    /// `if`, `switch`, loop, `?:`, `&&`/`||`/`??` and handling `try` (next.config.js's
    /// `const withTM = require('next-transpile-modules')(...)`, not `webpack: (c) =>
    /// require(...)` or `if (process.env.ANALYZE) require(...)`).
    pub unconditional: bool,
}

/// A file the parser could not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}:{line}: {message}", path.display())]
pub struct JsParseError {
    pub path: PathBuf,
    /// 1-based line of the first error.
    pub line: u32,
    /// The parser's message.
    pub message: String,
}

/// Static import specifiers of one JS/TS source file (string-literal specifiers only;
/// `require(x)`/`import(x)` with a non-literal argument are skipped). The syntax (JS, JSX, TS,
/// TSX, module or script) comes from the extension.
pub fn static_imports(path: &Path, source: &str) -> Result<Vec<Import>, JsParseError> {
    let lines = LineIndex::new(source);
    let allocator = Allocator::default();
    let program = parse(&allocator, path, source, &lines)?;
    Ok(imports_of(&program, &lines))
}

/// The imports of a parsed program (see [`static_imports`]).
pub(super) fn imports_of(program: &Program<'_>, lines: &LineIndex) -> Vec<Import> {
    let mut collector = Collector {
        lines,
        out: Vec::new(),
        in_try: 0,
        guarded: 0,
    };
    collector.visit_program(program);
    collector.out
}

/// Parses one file, the syntax from its extension (`.js` files may hold JSX, as React and
/// Next.js projects write them); the first error the parser reports is a [`JsParseError`].
pub(super) fn parse<'a>(
    allocator: &'a Allocator,
    path: &Path,
    source: &'a str,
    lines: &LineIndex,
) -> Result<Program<'a>, JsParseError> {
    let source_type = SourceType::from_path(path).map_err(|e| JsParseError {
        path: path.to_path_buf(),
        line: 1,
        message: e.to_string(),
    })?;
    let source_type = if source_type.is_typescript() {
        source_type
    } else {
        source_type.with_jsx(true)
    };
    let parsed = Parser::new(allocator, source, source_type).parse();
    if parsed.panicked || !parsed.diagnostics.is_empty() {
        let first = parsed.diagnostics.first();
        let offset = first
            .and_then(|d| d.labels.first())
            .map_or(0, |l| l.offset());
        return Err(JsParseError {
            path: path.to_path_buf(),
            line: lines.line(offset as usize),
            message: first.map_or_else(|| "unparsable".to_string(), |d| d.message.to_string()),
        });
    }
    Ok(parsed.program)
}

/// Byte offset -> 1-based line.
pub(super) struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub(super) fn new(text: &str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { starts }
    }

    pub(super) fn line(&self, offset: usize) -> u32 {
        let line = self.starts.partition_point(|&s| s <= offset);
        u32::try_from(line.max(1)).unwrap_or(u32::MAX)
    }
}

struct Collector<'l> {
    lines: &'l LineIndex,
    out: Vec<Import>,
    /// How many handling `try` blocks enclose the node visited, in the current function.
    in_try: u32,
    /// How many functions, branches and loops enclose the node visited.
    guarded: u32,
}

impl Collector<'_> {
    fn push(&mut self, specifier: &str, start: u32, kind: ImportKind, type_only: bool) {
        self.out.push(Import {
            specifier: specifier.to_string(),
            line: self.lines.line(start as usize),
            kind,
            type_only,
            in_try: self.in_try > 0,
            unconditional: self.in_try == 0 && self.guarded == 0,
            binds_value: !type_only
                && matches!(
                    kind,
                    ImportKind::Require | ImportKind::DynamicImport | ImportKind::ImportEquals
                ),
        });
    }

    /// Visits `f` as a function body: a `try` around its definition does not run it.
    fn in_function(&mut self, f: impl FnOnce(&mut Self)) {
        let outer = std::mem::replace(&mut self.in_try, 0);
        self.guarded(f);
        self.in_try = outer;
    }

    /// Visits `f` as code that may not run when the file loads (a branch, a loop, a body).
    fn guarded(&mut self, f: impl FnOnce(&mut Self)) {
        self.guarded += 1;
        f(self);
        self.guarded -= 1;
    }
}

/// Whether a `catch` clause handles the failure of its `try` block: it does not end in an
/// unconditional `throw` at its top level (a `throw` inside an `if` that checks the error's
/// code still lets a missing module through).
pub(super) fn handles(catch: &CatchClause<'_>) -> bool {
    !catch
        .body
        .body
        .iter()
        .any(|s| matches!(s, Statement::ThrowStatement(_)))
}

/// A string literal, or a template literal without substitutions: (text, start offset).
pub(super) fn literal<'s>(expr: &'s Expression<'_>) -> Option<(&'s str, u32)> {
    match expr {
        Expression::StringLiteral(s) => Some((s.value.as_str(), s.span.start)),
        Expression::TemplateLiteral(t) if t.expressions.is_empty() => {
            let quasi = t.quasis.first()?;
            Some((quasi.value.cooked.as_ref()?.as_str(), t.span.start))
        }
        _ => None,
    }
}

impl<'a> Visit<'a> for Collector<'_> {
    fn visit_import_declaration(&mut self, it: &ImportDeclaration<'a>) {
        let type_only = it.import_kind == ImportOrExportKind::Type;
        let s = &it.source;
        self.push(&s.value, s.span.start, ImportKind::Import, type_only);
        let value = match &it.specifiers {
            None => true,
            Some(specs) => specs.iter().any(|sp| {
                matches!(
                    sp,
                    ImportDeclarationSpecifier::ImportDefaultSpecifier(_)
                        | ImportDeclarationSpecifier::ImportNamespaceSpecifier(_)
                )
            }),
        };
        if let Some(last) = self.out.last_mut() {
            last.binds_value = !type_only && value;
        }
    }

    fn visit_export_from_declaration(&mut self, it: &ExportFromDeclaration<'a>) {
        let type_only = it.export_kind == ImportOrExportKind::Type;
        let s = &it.source;
        self.push(&s.value, s.span.start, ImportKind::ExportFrom, type_only);
    }

    fn visit_export_all_declaration(&mut self, it: &ExportAllDeclaration<'a>) {
        let type_only = it.export_kind == ImportOrExportKind::Type;
        let s = &it.source;
        self.push(&s.value, s.span.start, ImportKind::ExportFrom, type_only);
    }

    fn visit_ts_import_equals_declaration(&mut self, it: &TSImportEqualsDeclaration<'a>) {
        if let TSModuleReference::ExternalModuleReference(r) = &it.module_reference {
            let type_only = it.import_kind == ImportOrExportKind::Type;
            let s = &r.expression;
            self.push(&s.value, s.span.start, ImportKind::ImportEquals, type_only);
        }
    }

    fn visit_call_expression(&mut self, it: &CallExpression<'a>) {
        if it.callee.is_specific_id("require") && it.arguments.len() == 1 {
            let found = match &it.arguments[0] {
                Argument::StringLiteral(s) => Some((s.value.as_str(), s.span.start)),
                arg => arg.as_expression().and_then(literal),
            };
            if let Some((specifier, start)) = found {
                self.push(specifier, start, ImportKind::Require, false);
            }
        }
        walk::walk_call_expression(self, it);
    }

    fn visit_try_statement(&mut self, it: &TryStatement<'a>) {
        let handled = it.handler.as_deref().is_some_and(handles);
        self.in_try += u32::from(handled);
        self.visit_block_statement(&it.block);
        self.in_try -= u32::from(handled);
        if let Some(handler) = &it.handler {
            self.guarded(|v| v.visit_catch_clause(handler));
        }
        if let Some(finalizer) = &it.finalizer {
            self.visit_block_statement(finalizer);
        }
    }

    fn visit_function_body(&mut self, it: &FunctionBody<'a>) {
        self.in_function(|v| walk::walk_function_body(v, it));
    }

    fn visit_arrow_function_body(&mut self, it: &ArrowFunctionBody<'a>) {
        self.in_function(|v| walk::walk_arrow_function_body(v, it));
    }

    fn visit_if_statement(&mut self, it: &IfStatement<'a>) {
        self.guarded(|v| walk::walk_if_statement(v, it));
    }

    fn visit_switch_statement(&mut self, it: &SwitchStatement<'a>) {
        self.guarded(|v| walk::walk_switch_statement(v, it));
    }

    fn visit_conditional_expression(&mut self, it: &ConditionalExpression<'a>) {
        self.guarded(|v| walk::walk_conditional_expression(v, it));
    }

    fn visit_logical_expression(&mut self, it: &LogicalExpression<'a>) {
        self.guarded(|v| walk::walk_logical_expression(v, it));
    }

    fn visit_for_statement(&mut self, it: &ForStatement<'a>) {
        self.guarded(|v| walk::walk_for_statement(v, it));
    }

    fn visit_for_in_statement(&mut self, it: &ForInStatement<'a>) {
        self.guarded(|v| walk::walk_for_in_statement(v, it));
    }

    fn visit_for_of_statement(&mut self, it: &ForOfStatement<'a>) {
        self.guarded(|v| walk::walk_for_of_statement(v, it));
    }

    fn visit_while_statement(&mut self, it: &WhileStatement<'a>) {
        self.guarded(|v| walk::walk_while_statement(v, it));
    }

    fn visit_do_while_statement(&mut self, it: &DoWhileStatement<'a>) {
        self.guarded(|v| walk::walk_do_while_statement(v, it));
    }

    fn visit_import_expression(&mut self, it: &ImportExpression<'a>) {
        if let Some((specifier, start)) = literal(&it.source) {
            self.push(specifier, start, ImportKind::DynamicImport, false);
        }
        walk::walk_import_expression(self, it);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn specs(name: &str, text: &str) -> Vec<(String, u32, ImportKind, bool)> {
        static_imports(Path::new(name), text)
            .unwrap()
            .into_iter()
            .map(|i| (i.specifier, i.line, i.kind, i.type_only))
            .collect()
    }

    #[test]
    fn which_imports_surely_load_their_module() {
        let text = "import a from 'a';\nimport * as b from 'b';\nimport { C } from 'c';\nimport 'd';\nimport type E from 'e';\nimport f, { F } from 'f';\nconst g = require('g');\nexport { h } from 'h';\nconst i = import('i');\n";
        let values: Vec<(String, bool)> = static_imports(Path::new("x.ts"), text)
            .unwrap()
            .into_iter()
            .map(|i| (i.specifier, i.binds_value))
            .collect();
        let expected = [
            ("a", true),
            ("b", true),
            ("c", false),
            ("d", true),
            ("e", false),
            ("f", true),
            ("g", true),
            ("h", false),
            ("i", true),
        ];
        assert_eq!(values, expected.map(|(s, v)| (s.to_string(), v)).to_vec());
    }

    #[test]
    fn every_static_form_with_its_line() {
        let text = "import a from './a';\nimport type { B } from '../b';\nexport * from \"./c\";\nexport type { D } from './d';\nconst e = require('e');\nconst f = await import(`./f`);\nimport g = require('g');\nconst h = require(name);\nconst i = import(`./${x}`);\nexport const j = 1;\n";
        use ImportKind::*;
        assert_eq!(
            specs("x.ts", text),
            [
                ("./a".into(), 1, Import, false),
                ("../b".into(), 2, Import, true),
                ("./c".into(), 3, ExportFrom, false),
                ("./d".into(), 4, ExportFrom, true),
                ("e".into(), 5, Require, false),
                ("./f".into(), 6, DynamicImport, false),
                ("g".into(), 7, ImportEquals, false),
            ]
        );
    }

    #[test]
    fn syntax_comes_from_the_extension() {
        // JSX in a .tsx file; a CommonJS script in .cjs; a require inside a function.
        let tsx = "import React from 'react';\nexport const X = () => <div>{1}</div>;\n";
        assert_eq!(specs("x.tsx", tsx).len(), 1);
        let cjs = "function f() {\n  return require('./lib');\n}\nmodule.exports = f;\n";
        assert_eq!(specs("x.cjs", cjs)[0].1, 2);
        // JSX in a plain .js file, as Next.js and React apps write it.
        let js = "import Link from 'next/link';\nexport default function P() {\n  return <Link href=\"/\">x</Link>;\n}\n";
        assert_eq!(specs("app/page.js", js).len(), 1);
        // Decorators (NestJS) parse.
        let nest =
            "import { Injectable } from '@nestjs/common';\n@Injectable()\nexport class S {}\n";
        assert_eq!(specs("s.ts", nest).len(), 1);
    }

    #[test]
    fn what_runs_whenever_the_file_loads_is_unconditional() {
        // next.config.js shapes: a top-level plugin require, an analyzer behind a check, a
        // require in the webpack hook (never run by `next start`).
        let text = "import a from 'a';\nconst withB = require('b')({});\nif (process.env.ANALYZE) { require('c'); }\nconst d = process.env.X ? require('d') : null;\nconst e = process.env.Y && require('e');\nmodule.exports = { webpack: (cfg) => { require('f'); return cfg; } };\nfunction g() { return require('g'); }\nfor (const x of []) require('h');\ntry { require('i'); } catch {}\ntry { require('j'); } catch (e) { require('k'); } finally { require('l'); }\nexport default await import('m');\nswitch (x) { case 1: require('n'); }\n";
        let got: Vec<(String, bool)> = static_imports(Path::new("next.config.mjs"), text)
            .unwrap()
            .into_iter()
            .map(|i| (i.specifier, i.unconditional))
            .collect();
        let runs = ["a", "b", "l", "m"];
        let want: Vec<(String, bool)> = "abcdefghijklmn"
            .chars()
            .map(|c| (c.to_string(), runs.contains(&c.to_string().as_str())))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn a_require_in_a_handling_try_is_marked() {
        let text = "try { require('a'); } catch {}\ntry { require('b'); } catch (e) { throw e; }\ntry { x = require('c'); } catch (e) { if (e.code !== 'MODULE_NOT_FOUND') throw e; }\ntry { app.get(() => require('d')); } catch {}\ntry {} catch { require('e'); }\nrequire('f');\ntry { await import('g'); } finally {}\n";
        let got: Vec<(String, bool)> = static_imports(Path::new("x.mjs"), text)
            .unwrap()
            .into_iter()
            .map(|i| (i.specifier, i.in_try))
            .collect();
        let want: Vec<(String, bool)> = [
            ("a", true),
            ("b", false),
            ("c", true),
            ("d", false),
            ("e", false),
            ("f", false),
            ("g", false),
        ]
        .into_iter()
        .map(|(s, t)| (s.to_string(), t))
        .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn a_broken_file_names_its_line() {
        let err = static_imports(Path::new("src/x.ts"), "const a = 1;\nimport {\n").unwrap_err();
        assert_eq!(err.path, Path::new("src/x.ts"));
        assert!(err.line >= 2, "{err}");
        assert!(err.to_string().starts_with("src/x.ts:"), "{err}");
        assert!(static_imports(Path::new("x.json"), "{}").is_err());
    }
}
