//! What one module does when Node loads it, for the check of a service whose entry may start
//! nothing (refly's `sandbox-agent`: an entry of re-exports, run as the CMD, exits 0 at once):
//!
//! - [`LoadEffects::runs`]: the first top-level statement that runs code at load. Imports and
//!   exports, declarations (functions, classes without decorators or static code, types,
//!   enums) and initializers that call nothing (`const x = { a: 1 }`, `module.exports = {}`,
//!   `const y = require('./y')`) run nothing; a call, a `new`, a tagged template, an `await`,
//!   a decorator, or any other statement (`if`, a loop, a namespace) does.
//! - [`LoadEffects::keeps_alive`]: the first call anywhere in the file (inside functions too:
//!   `bootstrap()` starts the server; not in a class's methods but its constructor, which run
//!   when another module calls them) that may keep Node running: a server (`.listen(`,
//!   `createServer(`, `serve(`, `Bun.serve`, `NestFactory.create`, `.start(`), a timer
//!   (`setInterval`, `cron.schedule`, `new CronJob`), a worker or consumer (`new Worker`,
//!   `.consume(`, `.subscribe(`, `.process(`, `process.stdin`, `spawn`/`fork`), an event source
//!   (`.on('message', ...)`), a connection (`.connect(`), or an `await` at the top level (a
//!   promise that may never settle), or a `require()`/`import()` of a computed name (what it
//!   loads is not known). Heuristic on purpose: it errs towards "may keep running".
//! - [`LoadEffects::for_effect`]: the modules loaded at the top level only for what loading
//!   them does (`import 'x'`, a `require('x');` statement, `import('x');`), which the caller
//!   cannot read when they come from `node_modules`.
//!
//! It never reads the disk; a file the parser refuses is a [`JsParseError`].

use std::path::Path;

use oxc_allocator::Allocator;
use oxc_ast::ast::{
    Argument, ArrowFunctionBody, AwaitExpression, CallExpression, Declaration, Expression,
    ForOfStatement, FunctionBody, ImportExpression, MethodDefinition, MethodDefinitionKind,
    NewExpression, Program, Statement, StaticMemberExpression, TaggedTemplateExpression,
};
use oxc_ast_visit::{walk, Visit};
use oxc_span::{GetSpan, Span};

use super::imports::{literal, parse, JsParseError, LineIndex};

/// What loading one module does (see the module).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadEffects {
    /// (line, code as written, at most 60 characters) of the first top-level statement that
    /// runs code when the module loads.
    pub runs: Option<(u32, String)>,
    /// (line, what) of the first call that may keep Node running.
    pub keeps_alive: Option<(u32, String)>,
    /// The specifiers, as written, of the modules loaded at the top level for their effect
    /// alone (no binding is used): `import 'x'`, `require('x');`, `import('x');`.
    pub for_effect: Vec<String>,
}

/// Member calls that may start something that keeps Node running.
const KEEP_ALIVE_METHODS: &[&str] = &[
    "listen",
    "createServer",
    "serve",
    "start",
    "startServer",
    "consume",
    "subscribe",
    "schedule",
    "process",
    "connect",
    "run",
    "createInterface",
    "spawn",
    "fork",
    "exec",
    "execFile",
    "watch",
];
/// Plain calls that may start something that keeps Node running.
const KEEP_ALIVE_FUNCTIONS: &[&str] = &[
    "serve",
    "createServer",
    "setInterval",
    "schedule",
    "spawn",
    "fork",
    "exec",
    "execFile",
    "createInterface",
    "listen",
    "startServer",
    "startStandaloneServer",
    "bootstrap",
    "main",
    "run",
    "start",
];
/// Classes whose instances may keep Node running.
const KEEP_ALIVE_CLASSES: &[&str] = &[
    "Worker",
    "CronJob",
    "Cron",
    "Server",
    "WebSocketServer",
    "Redis",
    "Consumer",
    "Kafka",
    "Agenda",
];
/// Events whose listeners are fed by a source that keeps Node running.
const KEEP_ALIVE_EVENTS: &[&str] = &["message", "data", "connection", "request", "line"];

/// What loading `source` (the syntax from `path`'s extension) does.
#[cfg(test)]
fn load_effects(path: &Path, source: &str) -> Result<LoadEffects, JsParseError> {
    let lines = LineIndex::new(source);
    let allocator = Allocator::default();
    let program = parse(&allocator, path, source, &lines)?;
    Ok(effects_of(&program, source, &lines))
}

/// A file's imports ([`static_imports`](super::static_imports)) and what loading it does
/// (what loading it does) from one parse: discovery needs both for every run-time file.
pub fn imports_and_load_effects(
    path: &Path,
    source: &str,
) -> Result<(Vec<super::Import>, LoadEffects), JsParseError> {
    let lines = LineIndex::new(source);
    let allocator = Allocator::default();
    let program = parse(&allocator, path, source, &lines)?;
    let imports = super::imports::imports_of(&program, &lines);
    Ok((imports, effects_of(&program, source, &lines)))
}

fn effects_of(program: &Program<'_>, source: &str, lines: &LineIndex) -> LoadEffects {
    let mut out = LoadEffects::default();
    let shown = |span: Span| {
        let text = source
            .get(span.start as usize..span.end as usize)
            .unwrap_or("");
        let text: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        match text.char_indices().nth(60) {
            Some((i, _)) => format!("{}...", &text[..i]),
            None => text,
        }
    };
    for s in &program.body {
        if out.runs.is_none() && runs(s) {
            out.runs = Some((lines.line(s.span().start as usize), shown(s.span())));
        }
        out.for_effect
            .extend(loaded_for_effect(s).map(String::from));
    }
    let mut alive = Alive {
        depth: 0,
        found: None,
    };
    alive.visit_program(program);
    out.keeps_alive = alive
        .found
        .map(|span| (lines.line(span.start as usize), shown(span)));
    out
}

/// The module the top-level statement `s` loads for its effect alone: `import 'x'`,
/// `require('x');`, `import('x');`, `await import('x');`.
fn loaded_for_effect<'s>(s: &'s Statement<'_>) -> Option<&'s str> {
    let e = match s {
        Statement::ImportDeclaration(i) => {
            let bare = i.specifiers.is_none() && i.import_kind.is_value();
            return bare.then(|| i.source.value.as_str());
        }
        Statement::ExpressionStatement(e) => e.expression.without_parentheses(),
        _ => return None,
    };
    let e = match e {
        Expression::AwaitExpression(a) => a.argument.without_parentheses(),
        e => e,
    };
    match e {
        Expression::CallExpression(c) if c.callee.is_specific_id("require") => {
            literal(c.arguments.first()?.as_expression()?).map(|(s, _)| s)
        }
        Expression::ImportExpression(i) => literal(&i.source).map(|(s, _)| s),
        _ => None,
    }
}

/// Whether `args` name a module by a literal (`require('x')`), not a computed name.
fn literal_name(args: &[Argument<'_>]) -> bool {
    (args.first())
        .and_then(|a| a.as_expression())
        .is_some_and(|a| literal(a).is_some())
}

/// Whether the top-level statement `s` runs code when the module loads.
fn runs(s: &Statement<'_>) -> bool {
    match s {
        Statement::ImportDeclaration(_)
        | Statement::ExportAllDeclaration(_)
        | Statement::ExportNamedDeclaration(_)
        | Statement::ExportFromDeclaration(_)
        | Statement::EmptyStatement(_) => false,
        Statement::ExportDeclaration(e) => declares_code(&e.declaration),
        Statement::ExportDefaultDeclaration(e) => {
            let mut c = Calls::default();
            c.visit_export_default_declaration_kind(&e.declaration);
            c.found
        }
        Statement::TSExportAssignment(e) => calls(&e.expression),
        Statement::ExpressionStatement(e) => calls(&e.expression),
        _ => s.as_declaration().is_none_or(declares_code),
    }
}

/// Whether the declaration `d` runs code at load.
fn declares_code(d: &Declaration<'_>) -> bool {
    match d {
        Declaration::FunctionDeclaration(_)
        | Declaration::TSTypeAliasDeclaration(_)
        | Declaration::TSInterfaceDeclaration(_)
        | Declaration::TSEnumDeclaration(_)
        | Declaration::TSImportEqualsDeclaration(_) => false,
        Declaration::VariableDeclaration(v) => {
            let mut c = Calls::default();
            c.visit_variable_declaration(v);
            c.found
        }
        Declaration::ClassDeclaration(class) => {
            let mut c = Calls::default();
            c.visit_class(class);
            c.found
        }
        Declaration::TSExternalModuleDeclaration(m) => !m.declare,
        Declaration::TSNamespaceDeclaration(m) => !m.declare,
        Declaration::TSGlobalDeclaration(m) => !m.declare,
    }
}

fn calls(e: &Expression<'_>) -> bool {
    let mut c = Calls::default();
    c.visit_expression(e);
    c.found
}

/// Whether a call runs outside any function body: a call (but `require('literal')`), a
/// `new`, a tagged template, an `await` or a decorator.
#[derive(Default)]
struct Calls {
    found: bool,
}

impl<'a> Visit<'a> for Calls {
    fn visit_function_body(&mut self, _: &FunctionBody<'a>) {}
    fn visit_arrow_function_body(&mut self, _: &ArrowFunctionBody<'a>) {}
    fn visit_call_expression(&mut self, it: &CallExpression<'a>) {
        let require = it.callee.is_specific_id("require")
            && it.arguments.len() == 1
            && (it.arguments[0].as_expression()).is_some_and(|a| literal(a).is_some());
        if !require {
            self.found = true;
        }
        walk::walk_call_expression(self, it);
    }
    fn visit_new_expression(&mut self, _: &NewExpression<'a>) {
        self.found = true;
    }
    fn visit_tagged_template_expression(&mut self, _: &TaggedTemplateExpression<'a>) {
        self.found = true;
    }
    fn visit_await_expression(&mut self, _: &AwaitExpression<'a>) {
        self.found = true;
    }
    fn visit_decorator(&mut self, _: &oxc_ast::ast::Decorator<'a>) {
        self.found = true;
    }
    fn visit_static_block(&mut self, _: &oxc_ast::ast::StaticBlock<'a>) {
        self.found = true;
    }
}

/// The first call that may keep Node running (see the module); `depth` counts the function
/// bodies the visit is in (an `await` keeps Node waiting only at the top level).
struct Alive {
    depth: u32,
    found: Option<Span>,
}

impl Alive {
    fn hit(&mut self, span: Span) {
        if self.found.is_none() {
            self.found = Some(span);
        }
    }
}

/// The name a callee ends in: `f` of `f(...)`, `listen` of `app.listen(...)`, with the
/// object's name for a member (`Bun` of `Bun.serve`).
fn callee_name<'e>(e: &'e Expression<'_>) -> Option<(Option<&'e str>, &'e str)> {
    match e.without_parentheses() {
        Expression::Identifier(id) => Some((None, id.name.as_str())),
        Expression::StaticMemberExpression(m) => {
            let object = match m.object.without_parentheses() {
                Expression::Identifier(id) => Some(id.name.as_str()),
                _ => None,
            };
            Some((object, m.property.name.as_str()))
        }
        _ => None,
    }
}

impl<'a> Visit<'a> for Alive {
    /// A class's methods run when something calls them, not when the module loads (a
    /// library's `async start() { await Sandbox.connect(id) }`); its constructor runs for each
    /// `new`, so it is read.
    fn visit_method_definition(&mut self, it: &MethodDefinition<'a>) {
        if it.kind == MethodDefinitionKind::Constructor {
            walk::walk_method_definition(self, it);
        }
    }
    fn visit_function_body(&mut self, it: &FunctionBody<'a>) {
        self.depth += 1;
        walk::walk_function_body(self, it);
        self.depth -= 1;
    }
    fn visit_arrow_function_body(&mut self, it: &ArrowFunctionBody<'a>) {
        self.depth += 1;
        walk::walk_arrow_function_body(self, it);
        self.depth -= 1;
    }
    fn visit_await_expression(&mut self, it: &AwaitExpression<'a>) {
        if self.depth == 0 {
            self.hit(it.span);
        }
        walk::walk_await_expression(self, it);
    }
    fn visit_for_of_statement(&mut self, it: &ForOfStatement<'a>) {
        if it.r#await && self.depth == 0 {
            self.hit(it.span);
        }
        walk::walk_for_of_statement(self, it);
    }
    fn visit_static_member_expression(&mut self, it: &StaticMemberExpression<'a>) {
        if it.property.name == "stdin" && it.object.is_specific_id("process") {
            self.hit(it.span);
        }
        walk::walk_static_member_expression(self, it);
    }
    fn visit_import_expression(&mut self, it: &ImportExpression<'a>) {
        if literal(&it.source).is_none() {
            self.hit(it.span);
        }
        walk::walk_import_expression(self, it);
    }
    fn visit_call_expression(&mut self, it: &CallExpression<'a>) {
        if it.callee.is_specific_id("require") && !literal_name(&it.arguments) {
            self.hit(it.span);
        }
        if let Some((object, name)) = callee_name(&it.callee) {
            let member = matches!(
                it.callee.without_parentheses(),
                Expression::StaticMemberExpression(_)
            );
            let event = (it.arguments.first())
                .and_then(|a| a.as_expression())
                .and_then(|a| literal(a))
                .is_some_and(|(e, _)| KEEP_ALIVE_EVENTS.contains(&e));
            let nest = object == Some("NestFactory");
            let keeps = if member {
                KEEP_ALIVE_METHODS.contains(&name)
                    || nest
                    || (matches!(name, "on" | "once" | "addListener") && event)
            } else {
                KEEP_ALIVE_FUNCTIONS.contains(&name)
            };
            if keeps {
                self.hit(it.span);
            }
        }
        walk::walk_call_expression(self, it);
    }
    fn visit_new_expression(&mut self, it: &NewExpression<'a>) {
        if let Some((_, name)) = callee_name(&it.callee) {
            if KEEP_ALIVE_CLASSES.contains(&name) {
                self.hit(it.span);
            }
        }
        walk::walk_new_expression(self, it);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn effects(source: &str) -> (Option<u32>, Option<u32>) {
        let e = load_effects(Path::new("a.ts"), source).unwrap();
        (e.runs.map(|r| r.0), e.keeps_alive.map(|k| k.0))
    }

    #[test]
    fn declarations_and_exports_run_nothing() {
        let src = "import { a } from './a';\n\
                   export * from './server';\n\
                   export { b } from './b';\n\
                   export const x = { a: 1, f: () => call() };\n\
                   export function f() { return g(); }\n\
                   export class C { m() { return h(); } }\n\
                   export type T = string;\n\
                   export interface I { a: T }\n\
                   export enum E { A, B }\n\
                   const y = require('./y');\n\
                   module.exports = { y };\n\
                   export default f;\n";
        assert_eq!(effects(src), (None, None));
    }

    #[test]
    fn top_level_calls_run_code() {
        assert_eq!(
            effects("import d from 'dotenv';\nd.config();\n"),
            (Some(2), None)
        );
        assert_eq!(effects("export const c = z.object({});\n"), (Some(1), None));
        assert_eq!(effects("@Module({})\nexport class M {}\n"), (Some(2), None));
        assert_eq!(effects("if (x) { y = 1 }\n"), (Some(1), None));
        assert_eq!(effects("const s = new Set();\n"), (Some(1), None));
    }

    #[test]
    fn what_may_keep_node_running() {
        for (src, line) in [
            (
                "async function b() {\n const app = await NestFactory.create(M);\n}\nb();",
                2,
            ),
            ("const app = express();\napp.listen(3000);", 2),
            ("serve({ fetch: app.fetch, port });", 1),
            ("Bun.serve({ fetch });", 1),
            ("setInterval(tick, 1000);", 1),
            ("new Worker('q', async (job) => {});", 1),
            ("channel.consume('q', h);", 1),
            ("process.stdin.on('end', f);", 1),
            ("port.on('message', (m) => {});", 1),
            ("const x = 1;\nawait new Promise(() => {});", 2),
            ("cron.schedule('* * * * *', f);", 1),
        ] {
            assert_eq!(effects(src).1, Some(line), "{src}");
        }
        for src in [
            "dotenv.config();",
            "async function f() { await g(); }",
            "el.on('click', f);",
            "const s = new Set();",
        ] {
            assert_eq!(effects(src).1, None, "{src}");
        }
    }

    #[test]
    fn modules_loaded_for_their_effect_and_computed_loads() {
        let e = |src: &str| load_effects(Path::new("a.js"), src).unwrap();
        let src = "import 'dotenv/config';\nimport x from 'y';\nrequire('./server');\n\
                   const z = require('z');\nawait import('./late.js');\nimport type {} from 't';\n";
        let loads = load_effects(Path::new("a.ts"), src).unwrap().for_effect;
        assert_eq!(loads, ["dotenv/config", "./server", "./late.js"]);
        // What a computed name loads is not known: it may keep Node running.
        for src in [
            "module.exports = require(path.join(__dirname, 'server'));",
            "import(process.env.ENTRY);",
        ] {
            assert!(e(src).keeps_alive.is_some(), "{src}");
        }
        assert!(e("const s = require('./s');").keeps_alive.is_none());
        // refly's sandbox-agent: a library class that connects when a caller starts it.
        let lib =
            "export class Adapter {\n  async start() { this.s = await Sandbox.connect(id); }\n}\n";
        assert!(e(lib).keeps_alive.is_none());
        let server =
            "class App {\n  constructor() { http.createServer().listen(3); }\n}\nnew App();\n";
        assert!(e(server).keeps_alive.is_some());
    }
}
