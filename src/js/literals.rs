//! The string literals of one source file that are written as relative paths (`'./banner.js'`,
//! `"../templates/x.ts"`): a build helper that reads a sibling file with `fs.readFileSync(
//! join(__dirname, './banner.js'))` needs it as much as one it imports. Template literals
//! without substitutions count; anything computed does not.
//!
//! It never reads the disk and never resolves a path (the caller does); a file the parser
//! refuses is a [`JsParseError`].

use std::path::Path;

use oxc_allocator::Allocator;
use oxc_ast::ast::{StringLiteral, TemplateLiteral};
use oxc_ast_visit::{walk, Visit};

use super::imports::{parse, LineIndex};
use super::JsParseError;

/// The string literals of `source` that start with `./` or `../`, in source order.
pub fn relative_path_literals(path: &Path, source: &str) -> Result<Vec<String>, JsParseError> {
    let lines = LineIndex::new(source);
    let allocator = Allocator::default();
    let program = parse(&allocator, path, source, &lines)?;
    let mut collector = Literals(Vec::new());
    collector.visit_program(&program);
    Ok(collector.0)
}

struct Literals(Vec<String>);

impl Literals {
    fn keep(&mut self, value: &str) {
        if value.starts_with("./") || value.starts_with("../") {
            self.0.push(value.to_string());
        }
    }
}

impl<'a> Visit<'a> for Literals {
    fn visit_string_literal(&mut self, it: &StringLiteral<'a>) {
        self.keep(it.value.as_str());
    }

    fn visit_template_literal(&mut self, it: &TemplateLiteral<'a>) {
        if let ([quasi], []) = (it.quasis.as_slice(), it.expressions.as_slice()) {
            if let Some(cooked) = &quasi.value.cooked {
                self.keep(cooked.as_str());
            }
        }
        walk::walk_template_literal(self, it);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_path_strings_are_found_wherever_they_are_written() {
        let src = "import fs from 'fs-extra';\nconst b = fs.readFileSync(join(__dirname, './banner.js'));\nconst t = `../templates/next.ts`;\nconst u = `./${name}.ts`;\nconst n = 'not/relative';\n";
        let got = relative_path_literals(Path::new("build.ts"), src).unwrap();
        assert_eq!(got, vec!["./banner.js", "../templates/next.ts"]);
    }

    #[test]
    fn a_file_that_does_not_parse_is_an_error_naming_it() {
        let err = relative_path_literals(Path::new("x.ts"), "const = ;").unwrap_err();
        assert_eq!(err.path, Path::new("x.ts"));
    }
}
