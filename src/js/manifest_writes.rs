//! Whether one source file writes a `package.json`: a call of a file-writing function
//! (`fs.writeFileSync`, `writeFile`, fs-extra's `writeJson`/`outputJson`, pkg-types'
//! `writePackageJSON`) whose first argument names `package.json`, written in the call
//! (`join(dir, 'package.json')`) or through a `const` of the same file
//! (`const packagePath = new URL('../package.json', import.meta.url)`).
//!
//! A file that only reads its package.json and writes another file (a script stamping the
//! version into `dist/version.js`) does not. Names are matched by what the file binds, not by
//! scope. It never reads the disk; a file the parser refuses is a [`JsParseError`].

use std::collections::{HashMap, HashSet};
use std::path::Path;

use oxc_allocator::Allocator;
use oxc_ast::ast::{Argument, BindingPattern, CallExpression, Expression, VariableDeclarator};
use oxc_ast_visit::{walk, Visit};
use oxc_span::GetSpan;

use super::imports::{parse, JsParseError, LineIndex};

/// The functions that write a whole file (fs, fs/promises, fs-extra, jsonfile, pkg-types).
const WRITERS: &[&str] = &[
    "writeFile",
    "writeFileSync",
    "outputFile",
    "outputFileSync",
    "writeJson",
    "writeJsonSync",
    "writeJSON",
    "writeJSONSync",
    "outputJson",
    "outputJsonSync",
    "outputJSON",
    "outputJSONSync",
    "writePackageJSON",
    "writePackage",
    "writePackageSync",
];

/// Whether `source` (the syntax from `path`'s extension) writes a file named `package.json`.
pub fn writes_package_json(path: &Path, source: &str) -> Result<bool, JsParseError> {
    let lines = LineIndex::new(source);
    let allocator = Allocator::default();
    let program = parse(&allocator, path, source, &lines)?;
    let mut v = Writes {
        source,
        names: HashMap::new(),
        targets: Vec::new(),
    };
    v.visit_program(&program);
    Ok(v.targets
        .iter()
        .any(|t| v.names_manifest(t, &mut HashSet::new())))
}

/// The first argument of a writing call.
enum Target {
    /// Its text names `package.json`.
    Named,
    /// An identifier, resolved through the file's `const`s at the end.
    Name(String),
}

struct Writes<'s> {
    source: &'s str,
    /// `const` name -> its initializer's text mentions `package.json`, or the identifier it is
    /// bound to.
    names: HashMap<String, Target>,
    targets: Vec<Target>,
}

impl Writes<'_> {
    fn target(&self, e: &Expression<'_>) -> Option<Target> {
        if let Expression::Identifier(id) = e.without_parentheses() {
            return Some(Target::Name(id.name.to_string()));
        }
        let span = e.span();
        let text = self.source.get(span.start as usize..span.end as usize)?;
        text.contains("package.json").then_some(Target::Named)
    }

    fn names_manifest(&self, t: &Target, seen: &mut HashSet<String>) -> bool {
        match t {
            Target::Named => true,
            Target::Name(n) => {
                seen.insert(n.clone())
                    && (self.names.get(n)).is_some_and(|t| self.names_manifest(t, seen))
            }
        }
    }
}

impl<'a> Visit<'a> for Writes<'_> {
    fn visit_variable_declarator(&mut self, d: &VariableDeclarator<'a>) {
        if let (BindingPattern::BindingIdentifier(id), Some(init)) = (&d.id, &d.init) {
            if let Some(t) = self.target(init) {
                self.names.insert(id.name.to_string(), t);
            }
        }
        walk::walk_variable_declarator(self, d);
    }

    fn visit_call_expression(&mut self, c: &CallExpression<'a>) {
        let callee = match c.callee.without_parentheses() {
            Expression::Identifier(id) => Some(id.name.as_str()),
            Expression::StaticMemberExpression(m) => Some(m.property.name.as_str()),
            _ => None,
        };
        if callee.is_some_and(|name| WRITERS.contains(&name)) {
            let first = c.arguments.first().and_then(Argument::as_expression);
            if let Some(t) = first.and_then(|e| self.target(e)) {
                self.targets.push(t);
            }
        }
        walk::walk_call_expression(self, c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn writes(source: &str) -> bool {
        writes_package_json(Path::new("x.ts"), source).unwrap()
    }

    #[test]
    fn a_write_to_package_json_is_seen_through_a_const() {
        assert!(writes(
            "import fs from 'node:fs';\nconst packagePath = new URL('../package.json', import.meta.url);\nconst pkg = JSON.parse(fs.readFileSync(packagePath, 'utf-8'));\nfs.writeFileSync(packagePath, JSON.stringify(pkg));\n"
        ));
        assert!(writes(
            "const p = join(__dirname, 'package.json');\nconst target = p;\nawait writeJson(target, pkg);\n"
        ));
        assert!(writes(
            "await fs.promises.writeFile(path.join(dir, 'package.json'), text);\n"
        ));
        assert!(writes("await writePackageJSON('package.json', pkg);\n"));
    }

    /// trigger.dev's `scripts/updateVersion.ts`: reads package.json (pkg-types'
    /// `readPackageJSON`), writes `dist/esm/version.js`.
    #[test]
    fn reading_package_json_and_writing_another_file_is_no_write() {
        assert!(!writes(
            "import * as fs from 'node:fs/promises';\nimport { readPackageJSON } from 'pkg-types';\n// reads the package.json file\nconst pkg = await readPackageJSON(process.cwd());\nconst file = path.join(process.cwd(), 'dist', 'esm', 'version.js');\nconst text = await fs.readFile(file, 'utf-8');\nawait fs.writeFile(file, text.replace('0.0.0', pkg.version));\n"
        ));
        assert!(!writes(
            "const a = b;\nconst b = a;\nwriteFileSync(a, '');\n"
        ));
    }
}
