//! What a webpack or a Vite config says its build inlines, read from the config's literals:
//! webpack's `externals` (names, regular expressions, the keys of an object, and
//! `webpack-node-externals` calls with their `allowlist`), `target`, `entry` and
//! `output.path`/`output.filename`, also `config.externals = ...` ([`webpack_config`]); Vite's `ssr.noExternal`,
//! `ssr.external`, `build.ssr` and `build.rollupOptions.external` ([`vite_config`]).
//!
//! It never runs the config. A value it cannot read as literals (a function, a variable, a
//! spread, a value only some runs set) is recorded with its line in `unread`, so the caller
//! can say which line it could not read and claim nothing. It never reads the disk.

use std::path::Path;

use oxc_allocator::Allocator;
use oxc_ast::ast::{
    Argument, ArrayExpressionElement, AssignmentExpression, AssignmentTarget, CallExpression,
    ConditionalExpression, ExportDefaultDeclaration, Expression, IfStatement, ImportDeclaration,
    ImportDeclarationSpecifier, LogicalExpression, ObjectExpression, ObjectPropertyKind,
    VariableDeclarator,
};
use oxc_ast_visit::{walk, Visit};
use oxc_span::GetSpan;

use super::bundle_patterns::BundlePattern;
use super::imports::{literal, parse, LineIndex};
use super::properties::Branching;
use super::JsParseError;

/// The package a webpack config calls to leave every `node_modules` package external.
const NODE_EXTERNALS: &str = "webpack-node-externals";

/// What one key of a config lists, as far as its literals say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Listed {
    /// `true` or `false` written for the whole key (Vite's `noExternal: true`).
    pub all: Option<bool>,
    /// The names and regular expressions it lists.
    pub patterns: Vec<BundlePattern>,
    /// The lines of values it cannot read (a function, a variable, a spread, a branch).
    pub unread: Vec<u32>,
}

impl Listed {
    /// Whether a literal of the list names the package `name`.
    pub fn matches(&self, name: &str) -> bool {
        self.patterns.iter().any(|p| p.matches(name))
    }
}

/// One setting of a config.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Setting {
    /// The config does not set it.
    #[default]
    Unset,
    /// A literal (for a path, relative to the config's folder).
    Set(String),
    /// Computed at run time, at this line.
    Computed(u32),
}

/// What a webpack config says, over every config object of the file (an object literal
/// with an `entry`, `output` or `externals` key).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebpackConfig {
    /// Whether the file writes a config object at all.
    pub found: bool,
    /// Each config object's `target`.
    pub targets: Vec<Setting>,
    /// The literal `externals` (names, regular expressions, the keys of an object).
    pub externals: Listed,
    /// Each `webpack-node-externals` call of `externals`, with its `allowlist`.
    pub node_externals: Vec<Listed>,
    /// The entry names (`main` for a string or an array, the keys of an object).
    pub entries: Vec<Setting>,
    /// `output.path` (`path.resolve(__dirname, "dist")` is `dist`).
    pub output_path: Setting,
    /// `output.filename`.
    pub output_filename: Setting,
    /// Whether the module exports a function (`module.exports = (options) => ...`, `export
    /// default function`): Nest calls it with its own options; an exported object it merges
    /// into them instead, arrays (its `externals`) concatenated.
    pub exports_function: bool,
}

/// What a Vite config says about its server (SSR) build.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ViteConfig {
    /// `ssr.noExternal`.
    pub no_external: Listed,
    /// `ssr.external`.
    pub external: Listed,
    /// `build.rollupOptions.external`.
    pub rollup_external: Listed,
    /// `build.ssr` (the server entry, or `true`).
    pub build_ssr: Setting,
}

/// Reads a webpack config (`webpack.config.js`, `.cjs`, `.mjs`, `.ts`).
pub fn webpack_config(path: &Path, source: &str) -> Result<WebpackConfig, JsParseError> {
    let lines = LineIndex::new(source);
    let allocator = Allocator::default();
    let program = parse(&allocator, path, source, &lines)?;
    let mut names = Bindings::default();
    names.visit_program(&program);
    let mut reader = Reader {
        lines: &lines,
        node_externals: names.0,
        branches: 0,
        webpack: WebpackConfig::default(),
        vite: None,
    };
    reader.visit_program(&program);
    Ok(reader.webpack)
}

/// Reads a Vite config (`vite.config.ts` and the other extensions).
pub fn vite_config(path: &Path, source: &str) -> Result<ViteConfig, JsParseError> {
    let lines = LineIndex::new(source);
    let allocator = Allocator::default();
    let program = parse(&allocator, path, source, &lines)?;
    let mut reader = Reader {
        lines: &lines,
        node_externals: Vec::new(),
        branches: 0,
        webpack: WebpackConfig::default(),
        vite: Some(ViteConfig::default()),
    };
    reader.visit_program(&program);
    Ok(reader.vite.unwrap_or_default())
}

/// The local names bound to `webpack-node-externals` (`const nodeExternals =
/// require("webpack-node-externals")`, `import nodeExternals from "webpack-node-externals"`).
#[derive(Default)]
struct Bindings(Vec<String>);

impl<'a> Visit<'a> for Bindings {
    fn visit_import_declaration(&mut self, it: &ImportDeclaration<'a>) {
        if it.source.value == NODE_EXTERNALS {
            for s in it.specifiers.iter().flatten() {
                if let ImportDeclarationSpecifier::ImportDefaultSpecifier(d) = s {
                    self.0.push(d.local.name.to_string());
                }
            }
        }
    }

    fn visit_variable_declarator(&mut self, it: &VariableDeclarator<'a>) {
        if let (Some(name), Some(init)) = (it.id.get_identifier_name(), &it.init) {
            if is_require_of(init.get_inner_expression(), NODE_EXTERNALS) {
                self.0.push(name.to_string());
            }
        }
        walk::walk_variable_declarator(self, it);
    }
}

/// Whether `expr` is `require("<module>")`.
fn is_require_of(expr: &Expression<'_>, module: &str) -> bool {
    let Expression::CallExpression(call) = expr else {
        return false;
    };
    let is_require = matches!(&call.callee, Expression::Identifier(id) if id.name == "require");
    let first = call.arguments.first().and_then(Argument::as_expression);
    is_require && first.and_then(literal).is_some_and(|(m, _)| m == module)
}

struct Reader<'l> {
    lines: &'l LineIndex,
    /// The local names of `webpack-node-externals`.
    node_externals: Vec<String>,
    /// How many conditional branches enclose the node being visited.
    branches: usize,
    webpack: WebpackConfig,
    /// `Some` when reading a Vite config.
    vite: Option<ViteConfig>,
}

impl Reader<'_> {
    fn line(&self, expr: &Expression<'_>) -> u32 {
        self.lines.line(expr.span().start as usize)
    }

    /// The names and regular expressions of a list value (`"a"`, `/^b/`, `[...]`, `true`).
    fn listed(&self, expr: &Expression<'_>, into: &mut Listed) {
        let expr = expr.get_inner_expression();
        if self.branches > 0 {
            into.unread.push(self.line(expr));
            return;
        }
        match expr {
            Expression::BooleanLiteral(b) => into.all = Some(b.value),
            Expression::RegExpLiteral(re) => into.patterns.push(BundlePattern::regex(
                re.regex.pattern.text.as_str(),
                &re.regex.flags.to_string(),
            )),
            Expression::ArrayExpression(array) => {
                for element in &array.elements {
                    match element {
                        ArrayExpressionElement::Elision(_) => {}
                        ArrayExpressionElement::SpreadElement(s) => {
                            into.unread.push(self.line(&s.argument));
                        }
                        other => {
                            if let Some(e) = other.as_expression() {
                                self.listed(e, into);
                            }
                        }
                    }
                }
            }
            other => match literal(other) {
                Some((text, _)) => into.patterns.push(BundlePattern::Name(text.to_string())),
                None => into.unread.push(self.line(other)),
            },
        }
    }

    /// webpack's `externals`: lists, an object's keys, `webpack-node-externals` calls.
    fn externals(&mut self, expr: &Expression<'_>) {
        let expr = expr.get_inner_expression();
        match expr {
            Expression::ArrayExpression(array) if self.branches == 0 => {
                for element in &array.elements {
                    match element {
                        ArrayExpressionElement::Elision(_) => {}
                        ArrayExpressionElement::SpreadElement(s) => {
                            let line = self.line(&s.argument);
                            self.webpack.externals.unread.push(line);
                        }
                        other => {
                            if let Some(e) = other.as_expression() {
                                self.externals(e);
                            }
                        }
                    }
                }
            }
            Expression::ObjectExpression(object) if self.branches == 0 => {
                self.externals_object(object);
            }
            Expression::CallExpression(call)
                if self.branches == 0 && self.is_node_externals(call) =>
            {
                let mut allow = Listed::default();
                match call.arguments.first().and_then(Argument::as_expression) {
                    None => {}
                    Some(Expression::ObjectExpression(options)) => {
                        for p in &options.properties {
                            self.allowlist(p, &mut allow);
                        }
                    }
                    Some(other) => allow.unread.push(self.line(other)),
                }
                self.webpack.node_externals.push(allow);
            }
            other => {
                let mut out = std::mem::take(&mut self.webpack.externals);
                self.listed(other, &mut out);
                self.webpack.externals = out;
            }
        }
    }

    /// `externals: { "isolated-vm": "commonjs isolated-vm" }`: each key is external.
    fn externals_object(&mut self, object: &ObjectExpression<'_>) {
        for p in &object.properties {
            let key = match p {
                ObjectPropertyKind::ObjectProperty(p) if !p.computed => p.key.static_name(),
                _ => None,
            };
            match key {
                Some(name) => {
                    (self.webpack.externals.patterns).push(BundlePattern::Name(name.to_string()))
                }
                None => {
                    let line = self.lines.line(p.span().start as usize);
                    self.webpack.externals.unread.push(line);
                }
            }
        }
    }

    /// `allowlist` (or its former name `whitelist`) of a `webpack-node-externals` call; any
    /// option that is not a plain property may hide one.
    fn allowlist(&self, p: &ObjectPropertyKind<'_>, into: &mut Listed) {
        match p {
            ObjectPropertyKind::ObjectProperty(p) if !p.computed => {
                if p.key.is_specific_static_name("allowlist")
                    || p.key.is_specific_static_name("whitelist")
                {
                    self.listed(&p.value, into);
                }
            }
            other => into
                .unread
                .push(self.lines.line(other.span().start as usize)),
        }
    }

    /// Whether `call` calls `webpack-node-externals` (by its local name, or
    /// `require("webpack-node-externals")()`).
    fn is_node_externals(&self, call: &CallExpression<'_>) -> bool {
        match call.callee.get_inner_expression() {
            Expression::Identifier(id) => self.node_externals.iter().any(|n| n == id.name.as_str()),
            other => is_require_of(other, NODE_EXTERNALS),
        }
    }
}

/// The config keys that make an object literal a webpack config object.
const WEBPACK_KEYS: &[&str] = &["entry", "output", "externals"];

impl Reader<'_> {
    /// A literal setting, or where it is computed.
    fn setting(&self, expr: &Expression<'_>) -> Setting {
        let expr = expr.get_inner_expression();
        match (literal(expr), expr) {
            _ if self.branches > 0 => Setting::Computed(self.line(expr)),
            (Some((text, _)), _) => Setting::Set(text.to_string()),
            (None, Expression::BooleanLiteral(b)) => Setting::Set(b.value.to_string()),
            _ => Setting::Computed(self.line(expr)),
        }
    }

    /// One webpack config object: its `target`, `externals`, `entry` and `output`.
    fn webpack_object(&mut self, object: &ObjectExpression<'_>) {
        self.webpack.found = true;
        for (key, value) in properties(object) {
            match key {
                "target" => {
                    let target = self.setting(value);
                    self.webpack.targets.push(target);
                }
                "externals" => self.externals(value),
                "entry" => self.entry(value),
                "output" => match value.get_inner_expression() {
                    Expression::ObjectExpression(output) if self.branches == 0 => {
                        for (key, value) in properties(output) {
                            match key {
                                "path" => self.webpack.output_path = self.out_path(value),
                                "filename" => {
                                    self.webpack.output_filename = self.setting(value);
                                }
                                _ => {}
                            }
                        }
                    }
                    other => {
                        let line = self.line(other);
                        self.webpack.output_path = Setting::Computed(line);
                        self.webpack.output_filename = Setting::Computed(line);
                    }
                },
                _ => {}
            }
        }
    }

    /// The entry names: `main` for a string or an array, the keys of an object.
    fn entry(&mut self, value: &Expression<'_>) {
        let value = value.get_inner_expression();
        let mut names = Vec::new();
        match value {
            _ if self.branches > 0 => names.push(Setting::Computed(self.line(value))),
            Expression::ObjectExpression(object) => {
                for p in &object.properties {
                    names.push(match p {
                        ObjectPropertyKind::ObjectProperty(p) if !p.computed => p
                            .key
                            .static_name()
                            .map_or(Setting::Computed(0), |n| Setting::Set(n.to_string())),
                        other => Setting::Computed(self.lines.line(other.span().start as usize)),
                    });
                }
            }
            Expression::ArrayExpression(_) => names.push(Setting::Set("main".into())),
            other if literal(other).is_some() => names.push(Setting::Set("main".into())),
            other => names.push(Setting::Computed(self.line(other))),
        }
        self.webpack.entries.extend(names);
    }

    /// `output.path`: `path.resolve(__dirname, "dist")` (or `join`, `import.meta.dirname`,
    /// `process.cwd()`) is `dist`; anything else is computed.
    fn out_path(&self, value: &Expression<'_>) -> Setting {
        let value = value.get_inner_expression();
        let computed = Setting::Computed(self.line(value));
        let Expression::CallExpression(call) = value else {
            return computed;
        };
        let callee = match call.callee.get_inner_expression() {
            Expression::Identifier(id) => id.name.as_str(),
            Expression::StaticMemberExpression(m) => m.property.name.as_str(),
            _ => return computed,
        };
        let args: Vec<&Expression> = (call.arguments.iter())
            .filter_map(Argument::as_expression)
            .collect();
        let (Some(first), rest) = (args.first(), args.get(1..).unwrap_or_default()) else {
            return computed;
        };
        let here = match first.get_inner_expression() {
            Expression::Identifier(id) => id.name == "__dirname",
            Expression::StaticMemberExpression(m) => {
                m.property.name == "dirname" && matches!(&m.object, Expression::ImportMeta(_))
            }
            Expression::CallExpression(c) => matches!(
                c.callee.get_inner_expression(),
                Expression::StaticMemberExpression(m) if m.property.name == "cwd"
            ),
            _ => false,
        };
        let parts: Option<Vec<&str>> = rest.iter().map(|e| literal(e).map(|(t, _)| t)).collect();
        match parts {
            Some(parts) if here && matches!(callee, "resolve" | "join") && self.branches == 0 => {
                let joined = parts.join("/");
                Setting::Set(
                    joined
                        .trim_start_matches("./")
                        .trim_end_matches('/')
                        .to_string(),
                )
            }
            _ => computed,
        }
    }

    /// Vite: `ssr: { noExternal, external }` and `build: { ssr, rollupOptions: { external } }`.
    fn vite_object(&mut self, object: &ObjectExpression<'_>, vite: &mut ViteConfig) {
        for (key, value) in properties(object) {
            let inner = match value.get_inner_expression() {
                Expression::ObjectExpression(inner) => inner,
                v @ (Expression::Identifier(_) | Expression::CallExpression(_)) if key == "ssr" => {
                    vite.no_external.unread.push(self.line(v));
                    continue;
                }
                _ => continue,
            };
            for (k, v) in properties(inner) {
                match (key, k) {
                    ("ssr", "noExternal") => self.listed(v, &mut vite.no_external),
                    ("ssr", "external") => self.listed(v, &mut vite.external),
                    ("build", "ssr") => vite.build_ssr = self.setting(v),
                    ("build", "rollupOptions") => {
                        if let Expression::ObjectExpression(rollup) = v.get_inner_expression() {
                            for (k, v) in properties(rollup) {
                                if k == "external" {
                                    self.listed(v, &mut vite.rollup_external);
                                }
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
    }
}

/// Whether `expr` is a function (an arrow or a `function` expression).
fn is_function(expr: &Expression<'_>) -> bool {
    matches!(
        expr.get_inner_expression(),
        Expression::ArrowFunctionExpression(_) | Expression::FunctionExpression(_)
    )
}

/// The plain `key: value` properties of an object literal (no spread, no computed key).
fn properties<'e, 'a>(
    object: &'e ObjectExpression<'a>,
) -> impl Iterator<Item = (&'e str, &'e Expression<'a>)> {
    object.properties.iter().filter_map(|p| match p {
        ObjectPropertyKind::ObjectProperty(p) if !p.computed && !p.method => {
            let name = match &p.key {
                oxc_ast::ast::PropertyKey::StaticIdentifier(id) => id.name.as_str(),
                oxc_ast::ast::PropertyKey::StringLiteral(s) => s.value.as_str(),
                _ => return None,
            };
            Some((name, &p.value))
        }
        _ => None,
    })
}

impl<'a> Branching<'a> for Reader<'_> {
    fn branches(&mut self) -> &mut usize {
        &mut self.branches
    }
}

impl<'a> Visit<'a> for Reader<'_> {
    fn visit_object_expression(&mut self, it: &ObjectExpression<'a>) {
        if let Some(mut vite) = self.vite.take() {
            self.vite_object(it, &mut vite);
            self.vite = Some(vite);
        } else if properties(it).any(|(k, _)| WEBPACK_KEYS.contains(&k)) {
            self.webpack_object(it);
        }
        walk::walk_object_expression(self, it);
    }

    fn visit_export_default_declaration(&mut self, it: &ExportDefaultDeclaration<'a>) {
        use oxc_ast::ast::ExportDefaultDeclarationKind as K;
        self.webpack.exports_function |= match &it.declaration {
            K::FunctionDeclaration(_) => true,
            other => other.as_expression().is_some_and(is_function),
        };
        walk::walk_export_default_declaration(self, it);
    }

    /// `config.externals = [...]` (a Nest webpack hook that edits the options it is given).
    fn visit_assignment_expression(&mut self, it: &AssignmentExpression<'a>) {
        let module_exports = matches!(&it.left, AssignmentTarget::StaticMemberExpression(m)
            if m.property.name == "exports"
                && matches!(&m.object, Expression::Identifier(o) if o.name == "module"));
        self.webpack.exports_function |= module_exports && is_function(&it.right);
        let externals = it.left.get_identifier_name() == Some("externals")
            && matches!(it.left, AssignmentTarget::StaticMemberExpression(_));
        if self.vite.is_none() && externals {
            self.webpack.found = true;
            self.externals(&it.right);
        }
        walk::walk_assignment_expression(self, it);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn webpack(source: &str) -> WebpackConfig {
        webpack_config(Path::new("webpack.config.js"), source).unwrap()
    }

    fn vite(source: &str) -> ViteConfig {
        vite_config(Path::new("vite.config.ts"), source).unwrap()
    }

    #[test]
    fn a_webpack_config_object_gives_target_externals_entry_and_output() {
        // jitsu's services/rotor/webpack.config.js, shortened: `module.exports = () => config`.
        let got = webpack(
            r#"const path = require("path");
const config = {
  entry: "./src/index.ts",
  target: "node",
  externals: { "isolated-vm": "require('isolated-vm')" },
  output: { path: path.resolve(__dirname, "dist") },
  module: { rules: [{ test: /\.ts$/, use: { loader: "esbuild-loader", options: { target: "es2020" } } }] },
};
module.exports = () => config;"#,
        );
        assert!(got.found);
        assert_eq!(got.targets, [Setting::Set("node".into())]);
        assert_eq!(
            got.externals.patterns,
            [BundlePattern::Name("isolated-vm".into())]
        );
        assert!(got.externals.unread.is_empty() && got.node_externals.is_empty());
        assert_eq!(got.entries, [Setting::Set("main".into())]);
        assert_eq!(got.output_path, Setting::Set("dist".into()));
        assert_eq!(got.output_filename, Setting::Unset);
    }

    #[test]
    fn node_externals_calls_give_their_allowlist_and_what_runs_is_unread_with_its_line() {
        let got = webpack(
            r#"import nodeExternals from 'webpack-node-externals';
export default (options) => ({
  ...options,
  entry: { server: './src/main.ts' },
  output: { filename: '[name].js', path: join(import.meta.dirname, 'build') },
  externals: [nodeExternals({ allowlist: [/^@acme\//, 'lodash-es'] }), 'sharp',
    ({ request }, cb) => cb()],
});"#,
        );
        assert_eq!(got.node_externals.len(), 1);
        assert!(got.node_externals[0].matches("@acme/db"));
        assert!(got.node_externals[0].matches("lodash-es"));
        assert!(!got.node_externals[0].matches("express"));
        assert_eq!(
            got.externals.patterns,
            [BundlePattern::Name("sharp".into())]
        );
        assert_eq!(got.externals.unread, [7]);
        assert_eq!(got.entries, [Setting::Set("server".into())]);
        assert_eq!(got.output_path, Setting::Set("build".into()));
        assert_eq!(got.output_filename, Setting::Set("[name].js".into()));
        // require()d, called inline, and an allowlist held in a variable or set in a branch.
        let got = webpack(
            "module.exports = {\n  entry: './a.js',\n  externals: [require('webpack-node-externals')({ allowlist: ALLOW })],\n  target: process.env.T ? 'node' : 'web',\n};",
        );
        assert_eq!(got.node_externals[0].unread, [3]);
        assert_eq!(got.targets, [Setting::Computed(4)]);
        // An object without entry, output or externals is no config (a loader's options).
        assert!(!webpack("export default { test: /x/, options: { target: 'es5' } }").found);
    }

    #[test]
    fn a_vite_config_gives_its_ssr_lists_and_build_ssr() {
        // trigger.dev's apps/webapp/vite.config.ts, shortened.
        let got = vite(
            r#"import { vitePlugin as remix } from "@remix-run/dev";
export default defineConfig({
  plugins: [remix({ serverBuildFile: "index.mjs" })],
  build: { sourcemap: true, rollupOptions: { external: [/^@acme\/database$/, /^pg$/] } },
  ssr: {
    external: ["@acme/database", "pg"],
    noExternal: [/^@radix-ui\//, "react-use"],
  },
});"#,
        );
        assert!(got.external.matches("@acme/database") && !got.external.matches("@acme/redis"));
        assert!(got.rollup_external.matches("@acme/database"));
        assert!(got.no_external.matches("@radix-ui/react-dialog"));
        assert_eq!(got.build_ssr, Setting::Unset);
        let got = vite(
            "export default defineConfig(({ isSsrBuild }) => ({\n  build: { ssr: 'src/server.ts' },\n  ssr: { noExternal: true, external: isSsrBuild ? ['a'] : [] },\n}));",
        );
        assert_eq!(got.build_ssr, Setting::Set("src/server.ts".into()));
        assert_eq!(got.no_external.all, Some(true));
        assert_eq!(got.external.unread, [3]);
        assert_eq!(
            vite("const ssr = {};\nexport default { ssr }")
                .no_external
                .unread,
            [2]
        );
    }
}
