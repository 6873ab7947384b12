//! The lines of one source file that call dotenv's `config()`, which loads `.env` from the
//! working folder when it runs: `dotenv.config()` (the module bound by `import dotenv from
//! 'dotenv'`, `import * as dotenv from 'dotenv'` or `const dotenv = require('dotenv')`),
//! `require('dotenv').config()`, and `config()` / `configDotenv()` bound by `import { config }
//! from 'dotenv'` or `const { config } = require('dotenv')` (aliases followed).
//!
//! Each call comes with what its `path` option says ([`EnvPath`]): nothing (dotenv loads
//! `.env`), string literals (`{ path: '../.env' }`, or an array of them), or an expression
//! shown as written (`{ path: resolve(__dirname, '../.env') }`).
//!
//! Names are matched by what the file binds, not by scope: a local variable of the same name
//! that shadows the import is taken for it (rare, and the caller only warns). It never reads
//! the disk; a file the parser refuses is a [`JsParseError`].

use std::path::Path;

use oxc_allocator::Allocator;
use oxc_ast::ast::{
    Argument, ArrayExpressionElement, BindingPattern, CallExpression, Expression,
    ImportDeclaration, ImportDeclarationSpecifier, ImportOrExportKind, ObjectPropertyKind,
    VariableDeclarator,
};
use oxc_ast_visit::{walk, Visit};

use super::imports::{literal, parse, JsParseError, LineIndex};

/// The functions of dotenv that load an env file.
const LOADERS: &[&str] = &["config", "configDotenv"];

/// What one call's `path` option names.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum EnvPath {
    /// No `path` option (or no options): dotenv loads `.env` of the working folder.
    Default,
    /// String literals, as written (`'../.env'`; an array gives several, loaded in order).
    Files(Vec<String>),
    /// An expression isogen does not evaluate, as written (at most 80 characters), or the
    /// options object itself when it is not written in the call (`config(options)`).
    Expression(String),
}

/// One call of dotenv's `config()`: its 1-based line and what its `path` option names.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct DotenvCall {
    pub line: u32,
    pub path: EnvPath,
}

/// The calls of dotenv's `config()` in `source` (the syntax from `path`'s extension), in
/// order, one per line.
pub fn dotenv_config_calls(path: &Path, source: &str) -> Result<Vec<DotenvCall>, JsParseError> {
    let lines = LineIndex::new(source);
    let allocator = Allocator::default();
    let program = parse(&allocator, path, source, &lines)?;
    let mut v = Calls {
        source,
        ..Calls::default()
    };
    v.visit_program(&program);
    let mut out: Vec<DotenvCall> = (v.calls.iter())
        .filter(|c| match &c.callee {
            Callee::Direct => true,
            Callee::Member(object) => v.modules.contains(object),
            Callee::Function(name) => v.functions.contains(name),
        })
        .map(|c| DotenvCall {
            line: lines.line(c.start as usize),
            path: c.path.clone(),
        })
        .collect();
    out.dedup_by_key(|c| c.line);
    Ok(out)
}

/// What the first argument of a call says of the `path` option (see [`EnvPath`]).
fn env_path(source: &str, args: &[Argument<'_>]) -> EnvPath {
    let shown = |start: u32, end: u32| {
        let text = source.get(start as usize..end as usize).unwrap_or("");
        let text: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        match text.char_indices().nth(80) {
            Some((i, _)) => format!("{}...", &text[..i]),
            None => text,
        }
    };
    let Some(first) = args.first() else {
        return EnvPath::Default;
    };
    let Some(Expression::ObjectExpression(o)) =
        first.as_expression().map(|e| e.without_parentheses())
    else {
        let span = oxc_span::GetSpan::span(first);
        return EnvPath::Expression(shown(span.start, span.end));
    };
    for p in &o.properties {
        let ObjectPropertyKind::ObjectProperty(p) = p else {
            // `{ ...options }`: what it spreads is not known.
            let span = oxc_span::GetSpan::span(p);
            return EnvPath::Expression(shown(span.start, span.end));
        };
        if p.key.static_name().as_deref() != Some("path") {
            continue;
        }
        let value = p.value.without_parentheses();
        if let Some((s, _)) = literal(value) {
            return EnvPath::Files(vec![s.to_string()]);
        }
        if let Expression::ArrayExpression(a) = value {
            let files: Option<Vec<String>> = (a.elements.iter())
                .map(|e| match e {
                    ArrayExpressionElement::SpreadElement(_)
                    | ArrayExpressionElement::Elision(_) => None,
                    e => literal(e.as_expression()?).map(|(s, _)| s.to_string()),
                })
                .collect();
            if let Some(files) = files.filter(|f| !f.is_empty()) {
                return EnvPath::Files(files);
            }
        }
        let span = oxc_span::GetSpan::span(value);
        return EnvPath::Expression(shown(span.start, span.end));
    }
    EnvPath::Default
}

enum Callee {
    /// `require('dotenv').config()`.
    Direct,
    /// `<name>.config()`.
    Member(String),
    /// `<name>()`.
    Function(String),
}

struct Call {
    callee: Callee,
    start: u32,
    path: EnvPath,
}

#[derive(Default)]
struct Calls<'s> {
    /// The file's text, for the `path` expressions shown as written.
    source: &'s str,
    /// Names bound to the dotenv module.
    modules: Vec<String>,
    /// Names bound to one of [`LOADERS`].
    functions: Vec<String>,
    /// Every call that would be a loader's if its name is bound so.
    calls: Vec<Call>,
}

/// Whether `e` is `require('dotenv')`.
fn requires_dotenv(e: &Expression<'_>) -> bool {
    let Expression::CallExpression(c) = e.without_parentheses() else {
        return false;
    };
    c.callee.is_specific_id("require")
        && c.arguments.len() == 1
        && (c.arguments[0].as_expression())
            .and_then(literal)
            .is_some_and(|(s, _)| s == "dotenv")
}

impl<'a> Visit<'a> for Calls<'_> {
    fn visit_import_declaration(&mut self, it: &ImportDeclaration<'a>) {
        if it.source.value != "dotenv" || it.import_kind == ImportOrExportKind::Type {
            return;
        }
        for s in it.specifiers.iter().flatten() {
            match s {
                ImportDeclarationSpecifier::ImportDefaultSpecifier(d) => {
                    self.modules.push(d.local.name.to_string());
                }
                ImportDeclarationSpecifier::ImportNamespaceSpecifier(n) => {
                    self.modules.push(n.local.name.to_string());
                }
                ImportDeclarationSpecifier::ImportSpecifier(n) => {
                    if n.import_kind != ImportOrExportKind::Type
                        && LOADERS.contains(&n.imported.name().as_str())
                    {
                        self.functions.push(n.local.name.to_string());
                    }
                }
            }
        }
    }

    fn visit_variable_declarator(&mut self, it: &VariableDeclarator<'a>) {
        if it.init.as_ref().is_some_and(requires_dotenv) {
            match &it.id {
                BindingPattern::BindingIdentifier(b) => self.modules.push(b.name.to_string()),
                BindingPattern::ObjectPattern(o) => {
                    for p in &o.properties {
                        let key = p.key.static_name();
                        let local = match &p.value {
                            BindingPattern::BindingIdentifier(b) => Some(b.name.to_string()),
                            BindingPattern::AssignmentPattern(a) => match &a.left {
                                BindingPattern::BindingIdentifier(b) => Some(b.name.to_string()),
                                _ => None,
                            },
                            _ => None,
                        };
                        if let (Some(key), Some(local)) = (key, local) {
                            if LOADERS.contains(&key.as_ref()) {
                                self.functions.push(local);
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        walk::walk_variable_declarator(self, it);
    }

    fn visit_call_expression(&mut self, it: &CallExpression<'a>) {
        let start = it.span.start;
        let path = env_path(self.source, &it.arguments);
        match it.callee.without_parentheses() {
            Expression::StaticMemberExpression(m)
                if LOADERS.contains(&m.property.name.as_str()) =>
            {
                if requires_dotenv(&m.object) {
                    self.calls.push(Call {
                        callee: Callee::Direct,
                        start,
                        path,
                    });
                } else if let Expression::Identifier(id) = m.object.without_parentheses() {
                    let callee = Callee::Member(id.name.to_string());
                    self.calls.push(Call {
                        callee,
                        start,
                        path,
                    });
                }
            }
            Expression::Identifier(id) => {
                let callee = Callee::Function(id.name.to_string());
                self.calls.push(Call {
                    callee,
                    start,
                    path,
                });
            }
            _ => {}
        }
        walk::walk_call_expression(self, it);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calls(name: &str, text: &str) -> Vec<u32> {
        (dotenv_config_calls(Path::new(name), text).unwrap().iter())
            .map(|c| c.line)
            .collect()
    }

    fn path(text: &str) -> EnvPath {
        let calls = dotenv_config_calls(Path::new("a.js"), text).unwrap();
        calls[0].path.clone()
    }

    #[test]
    fn the_path_option_is_read_as_written() {
        let files = |f: &[&str]| EnvPath::Files(f.iter().map(|s| s.to_string()).collect());
        assert_eq!(path("require('dotenv').config();"), EnvPath::Default);
        assert_eq!(
            path("require('dotenv').config({ debug: true });"),
            EnvPath::Default
        );
        assert_eq!(
            path("require('dotenv').config({ path: '../.env' });"),
            files(&["../.env"])
        );
        assert_eq!(
            path(
                "const { config } = require('dotenv');\nconfig({ path: [`.env.local`, '.env'] });"
            ),
            files(&[".env.local", ".env"])
        );
        assert_eq!(
            path("require('dotenv').config({\n  path: path.resolve(__dirname,\n '../.env'),\n});"),
            EnvPath::Expression("path.resolve(__dirname, '../.env')".into())
        );
        assert_eq!(
            path("require('dotenv').config(options);"),
            EnvPath::Expression("options".into())
        );
    }

    #[test]
    fn each_way_of_calling_config_is_found() {
        assert_eq!(calls("a.js", "require('dotenv').config();\n"), [1]);
        assert_eq!(
            calls(
                "a.js",
                "const dotenv = require('dotenv');\n\ndotenv.config({ path: '.env.local' });\n"
            ),
            [3]
        );
        assert_eq!(
            calls("a.mjs", "import dotenv from 'dotenv';\ndotenv.config();\n"),
            [2]
        );
        assert_eq!(
            calls("a.ts", "import * as env from \"dotenv\";\nenv.config();\n"),
            [2]
        );
        assert_eq!(
            calls(
                "a.ts",
                "import { config as load } from 'dotenv';\nload();\n"
            ),
            [2]
        );
        assert_eq!(
            calls(
                "a.cjs",
                "const { configDotenv } = require('dotenv');\nconfigDotenv();\n"
            ),
            [2]
        );
        assert_eq!(
            calls(
                "a.js",
                "const { config: c = x } = require(`dotenv`);\nif (dev) c();\n"
            ),
            [2]
        );
    }

    #[test]
    fn other_calls_and_other_modules_are_not() {
        assert!(calls("a.js", "import dotenv from 'dotenv';\ndotenv.parse(buf);\n").is_empty());
        assert!(calls(
            "a.js",
            "import config from './config';\nconfig();\nsettings.config();\n"
        )
        .is_empty());
        assert!(calls("a.ts", "import type { DotenvConfigOptions } from 'dotenv';\nconst o: DotenvConfigOptions = {};\n").is_empty());
        assert!(calls(
            "a.js",
            "const { config } = require('dotenv-safe');\nconfig();\n"
        )
        .is_empty());
        // dotenv/config is the other warning's (an import, not a call).
        assert!(calls("a.js", "import 'dotenv/config';\n").is_empty());
    }
}
