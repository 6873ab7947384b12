//! The paths one source file uses at run time that a container image may not provide:
//!
//! - [`Write`]s into the working folder (`fs.mkdirSync(path.resolve(process.cwd(), 'logs'))`,
//!   `fs.writeFileSync('out.json')`) or next to the module (`join(__dirname, 'cache')`),
//!   and data folders named so under them (`const dataDir = `${cwd}/.streams-data``): an
//!   image's folders belong to root, so the service's user cannot create them;
//! - string literals that climb two folders or more (`'../../../ui/dist'`): a file of another
//!   package read by path, which the image has only if it ships that package there.
//!
//! Static and simple on purpose: a path is followed through one `const` of the same file,
//! `path.resolve`/`path.join`, template literals, `??`/`||` and `? :`; an identifier named
//! `cwd` stands for `process.cwd()` (a parameter passed it). Anything computed otherwise is not
//! seen. It never reads the disk; a file the parser refuses is a [`JsParseError`].

use std::collections::HashMap;
use std::path::Path;

use oxc_allocator::Allocator;
use oxc_ast::ast::{
    Argument, ArrowFunctionBody, BindingPattern, CallExpression, Expression, FunctionBody,
    ImportDeclaration, ImportDeclarationSpecifier, ObjectProperty, StringLiteral, TemplateLiteral,
    TryStatement, VariableDeclarator,
};
use oxc_ast_visit::{walk, Visit};
use oxc_span::GetSpan;

use super::imports::{parse, LineIndex};
use super::JsParseError;

/// Where a written path starts.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Base {
    /// The working folder (`process.cwd()`, a relative path, `cwd`).
    WorkingFolder,
    /// The folder of the module itself (`__dirname`, `import.meta.dirname`).
    Module,
}

/// One place the file writes, or names a data folder, under a [`Base`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Write {
    pub line: u32,
    pub base: Base,
    /// The path below the base as written (`logs`, `.streams-data`), when a literal says it.
    pub below: Option<String>,
    /// `fs.writeFile`, `fs.mkdir`, ... (not only a folder named like data).
    pub call: bool,
    /// The call is in the block of a `try` whose `catch` handles the failure (does not throw
    /// it again), in the same function: a failed write is caught there (hoppscotch's schema
    /// emitter logs it), the program goes on.
    pub caught: bool,
}

/// What [`run_paths`] finds in one file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunPaths {
    pub writes: Vec<Write>,
    /// (line, literal) of string literals starting with `../../`.
    pub climbs: Vec<(u32, String)>,
}

/// The functions of `fs` (and `fs/promises`, fs-extra) that create or write files.
const WRITERS: &[&str] = &[
    "writeFile",
    "writeFileSync",
    "appendFile",
    "appendFileSync",
    "mkdir",
    "mkdirSync",
    "createWriteStream",
    "mkdtemp",
    "mkdtempSync",
    "outputFile",
    "outputFileSync",
    "ensureDir",
    "ensureDirSync",
    "mkdirp",
    "mkdirpSync",
];
const FS_MODULES: &[&str] = &[
    "fs",
    "node:fs",
    "fs/promises",
    "node:fs/promises",
    "fs-extra",
    "graceful-fs",
];
/// Words that make a name a data folder's (`dataDir`, `logPath`, `uploadFolder`).
const DATA_WORDS: &[&str] = &["data", "log", "cache", "upload", "storage", "tmp", "temp"];
const FOLDER_WORDS: &[&str] = &["dir", "path", "folder", "root"];

/// The writes and climbing literals of `source` (the syntax from `path`'s extension).
pub fn run_paths(path: &Path, source: &str) -> Result<RunPaths, JsParseError> {
    let lines = LineIndex::new(source);
    let allocator = Allocator::default();
    let program = parse(&allocator, path, source, &lines)?;
    let mut v = Finder {
        lines: &lines,
        bound: HashMap::new(),
        fs_names: Vec::new(),
        writer_names: Vec::new(),
        in_try: 0,
        out: RunPaths::default(),
    };
    v.visit_program(&program);
    let mut out = v.out;
    out.writes.sort();
    out.writes.dedup();
    out.climbs.sort();
    out.climbs.dedup();
    Ok(out)
}

/// Where an expression's path starts, and what follows the base.
type Origin = (Base, Option<String>);

struct Finder<'l> {
    lines: &'l LineIndex,
    /// `const` names bound to a path under a base.
    bound: HashMap<String, Origin>,
    /// Names bound to an fs module (`import fs from 'node:fs'`).
    fs_names: Vec<String>,
    /// Names bound to one of [`WRITERS`] (`import { writeFile } from 'fs/promises'`).
    writer_names: Vec<String>,
    /// How many handling `try` blocks of the current function enclose the visit.
    in_try: u32,
    out: RunPaths,
}

impl Finder<'_> {
    fn origin(&self, e: &Expression<'_>, literal_is_relative: bool) -> Option<Origin> {
        match e.without_parentheses() {
            Expression::StringLiteral(s) if literal_is_relative => relative(&s.value),
            Expression::TemplateLiteral(t) => self.template(t, literal_is_relative),
            Expression::Identifier(id) => match id.name.as_str() {
                "__dirname" => Some((Base::Module, None)),
                "cwd" => Some((Base::WorkingFolder, None)),
                name => self.bound.get(name).cloned(),
            },
            Expression::StaticMemberExpression(m)
                if m.property.name == "dirname"
                    && matches!(m.object.without_parentheses(), Expression::ImportMeta(_)) =>
            {
                Some((Base::Module, None))
            }
            Expression::CallExpression(c) => self.call_origin(c),
            Expression::LogicalExpression(l) => self
                .origin(&l.right, literal_is_relative)
                .or_else(|| self.origin(&l.left, literal_is_relative)),
            Expression::ConditionalExpression(c) => self
                .origin(&c.alternate, literal_is_relative)
                .or_else(|| self.origin(&c.consequent, literal_is_relative)),
            Expression::BinaryExpression(b) => {
                let (base, below) = self.origin(&b.left, false)?;
                Some((base, below.or_else(|| segment_of(&b.right))))
            }
            Expression::TSAsExpression(a) => self.origin(&a.expression, literal_is_relative),
            Expression::TSNonNullExpression(a) => self.origin(&a.expression, literal_is_relative),
            _ => None,
        }
    }

    /// `process.cwd()`, `path.resolve(base, 'x')`, `path.join(base, 'x')`, `resolve('x')`.
    fn call_origin(&self, c: &CallExpression<'_>) -> Option<Origin> {
        let callee = match c.callee.without_parentheses() {
            Expression::StaticMemberExpression(m) => {
                if m.property.name == "cwd" && m.object.is_specific_id("process") {
                    return Some((Base::WorkingFolder, None));
                }
                m.property.name.as_str()
            }
            Expression::Identifier(id) => id.name.as_str(),
            _ => return None,
        };
        if callee != "resolve" && callee != "join" {
            return None;
        }
        let mut args = c.arguments.iter().filter_map(Argument::as_expression);
        let first = args.next()?;
        // `path.resolve('data')` is under the working folder; `join('data')` is relative.
        let (base, below) = self.origin(first, true)?;
        let below = below.or_else(|| args.find_map(segment_of));
        Some((base, below))
    }

    /// `${cwd}/.streams-data`, `${__dirname}/cache`, or a literal without substitutions.
    fn template(&self, t: &TemplateLiteral<'_>, literal_is_relative: bool) -> Option<Origin> {
        let cooked = |i: usize| t.quasis.get(i).and_then(|q| q.value.cooked.as_ref());
        if t.expressions.is_empty() {
            return literal_is_relative.then(|| relative(cooked(0)?))?;
        }
        if !cooked(0)?.is_empty() {
            return None;
        }
        let (base, below) = self.origin(t.expressions.first()?, false)?;
        let rest = cooked(1).map(|s| s.trim_start_matches('/').to_string());
        let rest = rest.and_then(|r| first_folder(&r));
        Some((base, below.or(rest)))
    }

    fn is_writer(&self, c: &CallExpression<'_>) -> bool {
        match c.callee.without_parentheses() {
            Expression::StaticMemberExpression(m)
                if WRITERS.contains(&m.property.name.as_str()) =>
            {
                match m.object.without_parentheses() {
                    Expression::Identifier(id) => {
                        self.fs_names.iter().any(|n| n == id.name.as_str())
                            || ["fs", "fsp", "fse", "fsPromises"].contains(&id.name.as_str())
                    }
                    // `fs.promises.writeFile`.
                    Expression::StaticMemberExpression(inner) => inner.property.name == "promises",
                    _ => false,
                }
            }
            Expression::Identifier(id) => self.writer_names.iter().any(|n| n == id.name.as_str()),
            _ => false,
        }
    }

    fn push(&mut self, start: u32, (base, below): Origin, call: bool) {
        let line = self.lines.line(start as usize);
        self.out.writes.push(Write {
            line,
            base,
            below,
            call,
            caught: call && self.in_try > 0,
        });
    }

    fn keep_climb(&mut self, value: &str, start: u32) {
        if value.starts_with("../../") {
            let line = self.lines.line(start as usize);
            self.out.climbs.push((line, value.to_string()));
        }
    }
}

/// A relative path literal: under the working folder when a path API resolves it.
fn relative(value: &str) -> Option<Origin> {
    let trimmed = value.trim_start_matches("./");
    let plain = !trimmed.is_empty()
        && !value.starts_with('/')
        && !value.starts_with("..")
        && !value.contains([':', ' ', '\n', '$', '*']);
    plain.then(|| (Base::WorkingFolder, first_folder(trimmed)))
}

/// The first folder of a relative path (`logs/x.jsonl` -> `logs`; `logs` -> `logs`).
fn first_folder(path: &str) -> Option<String> {
    let first = path.trim_start_matches("./").split('/').next()?;
    (!first.is_empty() && first != "." && first != "..").then(|| first.to_string())
}

fn segment_of(e: &Expression<'_>) -> Option<String> {
    match e.without_parentheses() {
        Expression::StringLiteral(s) => first_folder(s.value.trim_start_matches('/')),
        Expression::TemplateLiteral(t) if t.expressions.is_empty() => {
            let q = t.quasis.first()?.value.cooked.as_ref()?;
            first_folder(q.trim_start_matches('/'))
        }
        _ => None,
    }
}

/// Whether a binding or key name names a data folder (`dataDir`, `LOG_PATH`, `uploadFolder`,
/// `tmpdir`): one of its words (camelCase, `_`, `-`) is a data word or its plural, and its last
/// word a folder word, or one word is both run together. Words, not substrings: usertour's
/// `templatePath` (an email template it reads) is no `temp` folder, nor is a `logoPath` a
/// log folder.
fn data_folder_name(name: &str) -> bool {
    let words = name_words(name);
    let is = |word: &str, set: &[&str]| {
        set.iter()
            .any(|w| word == *w || word.strip_suffix('s') == Some(w))
    };
    let data = |word: &str| is(word, DATA_WORDS) || ["database", "temporary"].contains(&word);
    let compound = |word: &str| {
        DATA_WORDS.iter().any(|d| {
            (word.strip_prefix(d))
                .map(|rest| rest.strip_prefix('s').unwrap_or(rest))
                .is_some_and(|rest| is(rest, FOLDER_WORDS))
        })
    };
    match words.split_last() {
        Some((last, rest)) => {
            (is(last, FOLDER_WORDS) && rest.iter().any(|w| data(w)))
                || words.iter().any(|w| compound(w))
        }
        None => false,
    }
}

/// The words of an identifier, lower case: `uploadFolder` -> `upload`, `folder`;
/// `LOG_PATH` -> `log`, `path`; `tmpDir2` -> `tmp`, `dir`.
fn name_words(name: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_ascii_alphabetic() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        prev_lower = c.is_ascii_lowercase();
        current.push(c.to_ascii_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

impl<'a> Visit<'a> for Finder<'_> {
    fn visit_try_statement(&mut self, it: &TryStatement<'a>) {
        let handled = it.handler.as_deref().is_some_and(super::imports::handles);
        self.in_try += u32::from(handled);
        self.visit_block_statement(&it.block);
        self.in_try -= u32::from(handled);
        if let Some(handler) = &it.handler {
            self.visit_catch_clause(handler);
        }
        if let Some(finalizer) = &it.finalizer {
            self.visit_block_statement(finalizer);
        }
    }

    /// A function defined in a `try` block runs later, outside it.
    fn visit_function_body(&mut self, it: &FunctionBody<'a>) {
        let outer = std::mem::replace(&mut self.in_try, 0);
        walk::walk_function_body(self, it);
        self.in_try = outer;
    }

    fn visit_arrow_function_body(&mut self, it: &ArrowFunctionBody<'a>) {
        let outer = std::mem::replace(&mut self.in_try, 0);
        walk::walk_arrow_function_body(self, it);
        self.in_try = outer;
    }

    fn visit_import_declaration(&mut self, it: &ImportDeclaration<'a>) {
        if !FS_MODULES.contains(&it.source.value.as_str()) {
            return;
        }
        for s in it.specifiers.iter().flatten() {
            match s {
                ImportDeclarationSpecifier::ImportDefaultSpecifier(d) => {
                    self.fs_names.push(d.local.name.to_string());
                }
                ImportDeclarationSpecifier::ImportNamespaceSpecifier(n) => {
                    self.fs_names.push(n.local.name.to_string());
                }
                ImportDeclarationSpecifier::ImportSpecifier(n) => {
                    if WRITERS.contains(&n.imported.name().as_str()) {
                        self.writer_names.push(n.local.name.to_string());
                    }
                }
            }
        }
    }

    fn visit_variable_declarator(&mut self, it: &VariableDeclarator<'a>) {
        if let (BindingPattern::BindingIdentifier(b), Some(init)) = (&it.id, &it.init) {
            if let Some(origin) = self.origin(init, false) {
                if data_folder_name(&b.name) {
                    self.push(init.span().start, origin.clone(), false);
                }
                self.bound.insert(b.name.to_string(), origin);
            }
        }
        walk::walk_variable_declarator(self, it);
    }

    fn visit_object_property(&mut self, it: &ObjectProperty<'a>) {
        if !it.shorthand && it.key.static_name().is_some_and(|k| data_folder_name(&k)) {
            if let Some(origin) = self.origin(&it.value, false) {
                self.push(it.value.span().start, origin, false);
            }
        }
        walk::walk_object_property(self, it);
    }

    fn visit_call_expression(&mut self, it: &CallExpression<'a>) {
        if self.is_writer(it) {
            let first = it.arguments.first().and_then(Argument::as_expression);
            if let Some(origin) = first.and_then(|e| self.origin(e, true)) {
                self.push(it.span.start, origin, true);
            }
        }
        walk::walk_call_expression(self, it);
    }

    fn visit_string_literal(&mut self, it: &StringLiteral<'a>) {
        self.keep_climb(it.value.as_str(), it.span.start);
    }

    fn visit_template_literal(&mut self, it: &TemplateLiteral<'a>) {
        if let ([quasi], []) = (it.quasis.as_slice(), it.expressions.as_slice()) {
            if let Some(cooked) = &quasi.value.cooked {
                self.keep_climb(cooked.as_str(), it.span.start);
            }
        }
        walk::walk_template_literal(self, it);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn writes(name: &str, text: &str) -> Vec<(u32, Base, Option<String>, bool)> {
        (run_paths(Path::new(name), text).unwrap().writes.into_iter())
            .map(|w| (w.line, w.base, w.below, w.call))
            .collect()
    }

    #[test]
    fn writes_under_the_working_folder_are_found_through_one_const() {
        let src = "import path from 'node:path'\nimport fs from 'node:fs'\nconst logDir = process.env.LOG_DIR ?? path.resolve(process.cwd(), `logs`)\nfs.mkdirSync(logDir, { recursive: true })\nfs.appendFileSync(path.join(logDir, 'a.jsonl'), 'x')\n";
        let wf = Base::WorkingFolder;
        let logs = Some("logs".to_string());
        assert_eq!(
            writes("log.ts", src),
            vec![
                (3, wf.clone(), logs.clone(), false),
                (4, wf.clone(), logs.clone(), true),
                (5, wf, logs, true)
            ]
        );
    }

    /// hoppscotch's `gql-schema.ts`: the write sits in a `try` whose `catch` logs the
    /// failure; one whose `catch` throws again, or in a function the `try` only defines, is
    /// not caught.
    #[test]
    fn a_write_in_a_handling_try_is_caught() {
        let src = "import * as fs from 'fs';\nexport async function emit() {\n  try {\n    fs.mkdirSync(path.resolve(__dirname, '../gen'), { recursive: true });\n  } catch (e) {\n    logger.error(`Failed: ${e}`);\n  }\n}\ntry { fs.writeFileSync('a.json', '') } catch (e) { throw e }\ntry { later(() => fs.writeFileSync('b.json', '')) } catch {}\n";
        let caught: Vec<(u32, bool)> = (run_paths(Path::new("gql-schema.ts"), src).unwrap())
            .writes
            .into_iter()
            .map(|w| (w.line, w.caught))
            .collect();
        assert_eq!(caught, vec![(4, true), (9, false), (10, false)]);
    }

    #[test]
    fn data_folders_relative_literals_and_module_folders() {
        let src = "export function start(env, cwd) {\n  const dataDir = env.DATA ?? `${cwd}/.streams-data`\n  return { dataDir }\n}\n";
        assert_eq!(
            writes("a.ts", src),
            vec![(2, Base::WorkingFolder, Some(".streams-data".into()), false)]
        );
        let src = "const { writeFileSync } = require('fs');\nconst fs = require('fs');\nfs.writeFileSync('uploads/x.bin', b);\nfs.mkdirSync(__dirname + '/cache');\n";
        assert_eq!(
            writes("a.cjs", src),
            vec![
                (3, Base::WorkingFolder, Some("uploads".into()), true),
                (4, Base::Module, Some("cache".into()), true)
            ]
        );
    }

    #[test]
    fn reads_absolute_paths_and_other_objects_are_not_writes() {
        let src = "import fs from 'fs'\nfs.readFileSync(path.join(process.cwd(), 'a'))\nfs.mkdirSync('/var/lib/x')\nclient.mkdir('data')\nconst logLevel = 'info'\nconst dataDir = env.DATA_DIR\n";
        assert_eq!(writes("a.ts", src), vec![]);
    }

    /// usertour's `compile-email-template.ts`: `templatePath` is read, and `temp` inside a
    /// word is no temporary folder; whole words still are.
    #[test]
    fn data_folder_names_are_read_by_words() {
        for name in [
            "dataDir",
            "LOG_PATH",
            "uploadFolder",
            "logsDir",
            "tmpdir",
            "cache-root",
            "databasePath",
            "uploads_paths",
        ] {
            assert!(data_folder_name(name), "{name}");
        }
        for name in [
            "templatePath",
            "logoPath",
            "loginPath",
            "dataset",
            "metadataPath",
            "logLevel",
            "dirPath",
        ] {
            assert!(!data_folder_name(name), "{name}");
        }
        let src = "const templatePath =\n  process.env.NODE_ENV === 'production'\n    ? join(__dirname, '../../email-templates', fileName)\n    : join('src/email-templates', fileName);\nconst mjMail = await promises.readFile(templatePath, 'utf8');\n";
        assert_eq!(writes("compile-email-template.ts", src), vec![]);
    }

    #[test]
    fn literals_that_climb_two_folders_are_kept_with_their_line() {
        let src = "import x from '../y'\nconst a = path.resolve(dir, `../../../ui/dist`)\nconst b = '../../web/build'\n";
        let found = run_paths(Path::new("a.ts"), src).unwrap().climbs;
        assert_eq!(
            found,
            vec![
                (2, "../../../ui/dist".into()),
                (3, "../../web/build".into())
            ]
        );
    }
}
