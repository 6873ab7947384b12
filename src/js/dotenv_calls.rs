//! The lines of one source file that call dotenv's `config()`, which loads `.env` from the
//! working folder when it runs: `dotenv.config()` (the module bound by `import dotenv from
//! 'dotenv'`, `import * as dotenv from 'dotenv'` or `const dotenv = require('dotenv')`),
//! `require('dotenv').config()`, and `config()` / `configDotenv()` bound by `import { config }
//! from 'dotenv'` or `const { config } = require('dotenv')` (aliases followed).
//!
//! Names are matched by what the file binds, not by scope: a local variable of the same name
//! that shadows the import is taken for it (rare, and the caller only warns). It never reads
//! the disk; a file the parser refuses is a [`JsParseError`].

use std::path::Path;

use oxc_allocator::Allocator;
use oxc_ast::ast::{
    BindingPattern, CallExpression, Expression, ImportDeclaration, ImportDeclarationSpecifier,
    ImportOrExportKind, VariableDeclarator,
};
use oxc_ast_visit::{walk, Visit};

use super::imports::{literal, parse, JsParseError, LineIndex};

/// The functions of dotenv that load an env file.
const LOADERS: &[&str] = &["config", "configDotenv"];

/// 1-based lines of the calls of dotenv's `config()` in `source` (the syntax from `path`'s
/// extension), in order.
pub fn dotenv_config_calls(path: &Path, source: &str) -> Result<Vec<u32>, JsParseError> {
    let lines = LineIndex::new(source);
    let allocator = Allocator::default();
    let program = parse(&allocator, path, source, &lines)?;
    let mut v = Calls::default();
    v.visit_program(&program);
    let mut out: Vec<u32> = (v.calls.iter())
        .filter(|c| match &c.callee {
            Callee::Direct => true,
            Callee::Member(object) => v.modules.contains(object),
            Callee::Function(name) => v.functions.contains(name),
        })
        .map(|c| lines.line(c.start as usize))
        .collect();
    out.dedup();
    Ok(out)
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
}

#[derive(Default)]
struct Calls {
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

impl<'a> Visit<'a> for Calls {
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
        match it.callee.without_parentheses() {
            Expression::StaticMemberExpression(m)
                if LOADERS.contains(&m.property.name.as_str()) =>
            {
                if requires_dotenv(&m.object) {
                    self.calls.push(Call {
                        callee: Callee::Direct,
                        start,
                    });
                } else if let Expression::Identifier(id) = m.object.without_parentheses() {
                    let callee = Callee::Member(id.name.to_string());
                    self.calls.push(Call { callee, start });
                }
            }
            Expression::Identifier(id) => {
                let callee = Callee::Function(id.name.to_string());
                self.calls.push(Call { callee, start });
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
        dotenv_config_calls(Path::new(name), text).unwrap()
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
