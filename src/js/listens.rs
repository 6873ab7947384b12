//! The `.listen(...)` calls of one source file and the host each gives: Fastify's
//! `app.listen({ port, host })`, Node's and NestJS's `server.listen(port, host, cb)`, with the
//! host as a literal (`'127.0.0.1'`), an environment variable with or without a default
//! (`process.env.HOST ?? 'localhost'`, `process.env.HOST || '0.0.0.0'`), nothing (no host
//! argument: what the server then binds is the framework's default, the caller's to judge), or
//! an expression isogen does not evaluate (`config.host`), shown as written.
//!
//! A host written as a name is followed to the `const`/`let` that gave it a value earlier in
//! the file (`const HOST = process.env.HOST || '0.0.0.0'`), by name, not by scope, as the other
//! readers here do. It never reads the disk; a file the parser refuses is a [`JsParseError`].

use std::collections::BTreeMap;
use std::path::Path;

use oxc_allocator::Allocator;
use oxc_ast::ast::{
    Argument, BindingPattern, CallExpression, Expression, LogicalOperator, ObjectPropertyKind,
    VariableDeclarator,
};
use oxc_ast_visit::{walk, Visit};
use oxc_span::GetSpan;

use super::imports::{literal, parse, JsParseError, LineIndex};

/// The host a `.listen(...)` call gives.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum ListenHost {
    /// No host: `listen({ port })`, `listen(port)`, `listen(port, callback)`.
    Missing,
    /// A string literal, as written.
    Literal(String),
    /// `process.env.<var>`, with the literal that `??`/`||` falls back to when unset.
    Env {
        var: String,
        default: Option<String>,
    },
    /// Anything else, as written (at most 60 characters).
    Other(String),
}

/// One `.listen(...)` call.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ListenCall {
    /// 1-based line of the call.
    pub line: u32,
    /// The host it gives.
    pub host: ListenHost,
    /// Whether it takes one options object (`listen({ port, host })`, Fastify's form).
    pub options_object: bool,
}

/// Whether `text` may call `.listen(...)`: a `listen` after a `.` (or `?.`) and before a `(`
/// (or type arguments, `<`), whitespace and line breaks allowed between them (`app\n
/// .listen (port)`). Only such a file is parsed for [`listen_calls`]; `addEventListener(`,
/// `listener(` and a `listen` that is no member call are not.
pub fn may_call_listen(text: &str) -> bool {
    text.match_indices("listen").any(|(i, word)| {
        let before = text[..i].trim_end();
        let after = text[i + word.len()..].trim_start();
        before.ends_with('.') && (after.starts_with('(') || after.starts_with('<'))
    })
}

/// The `.listen(...)` calls of `source` (the syntax from `path`'s extension) that take a port
/// or an options object, in order, each at the line of its `listen` (in a chain split over
/// lines, `http\n  .createServer(h)\n  .listen(port)`, the last line, not the first).
pub fn listen_calls(path: &Path, source: &str) -> Result<Vec<ListenCall>, JsParseError> {
    let lines = LineIndex::new(source);
    let allocator = Allocator::default();
    let program = parse(&allocator, path, source, &lines)?;
    let mut v = Calls {
        source,
        lines: &lines,
        names: BTreeMap::new(),
        out: Vec::new(),
    };
    v.visit_program(&program);
    Ok(v.out)
}

struct Calls<'s> {
    source: &'s str,
    lines: &'s LineIndex,
    /// What each name declared so far was given, as a host.
    names: BTreeMap<String, ListenHost>,
    out: Vec<ListenCall>,
}

impl Calls<'_> {
    /// What `e` gives as a host.
    fn host(&self, e: &Expression<'_>) -> ListenHost {
        let e = e.without_parentheses();
        if let Some((s, _)) = literal(e) {
            return ListenHost::Literal(s.to_string());
        }
        if let Some(var) = env_var(e) {
            return ListenHost::Env { var, default: None };
        }
        match e {
            Expression::Identifier(id) => {
                if let Some(h) = self.names.get(id.name.as_str()) {
                    return h.clone();
                }
            }
            Expression::LogicalExpression(l)
                if matches!(l.operator, LogicalOperator::Or | LogicalOperator::Coalesce) =>
            {
                let fallback = literal(l.right.without_parentheses()).map(|(s, _)| s.to_string());
                if let (ListenHost::Env { var, default: None }, Some(d)) =
                    (self.host(&l.left), fallback)
                {
                    return ListenHost::Env {
                        var,
                        default: Some(d),
                    };
                }
            }
            _ => {}
        }
        ListenHost::Other(self.shown(e))
    }

    /// `e` as written, whitespace folded, at most 60 characters.
    fn shown(&self, e: &Expression<'_>) -> String {
        let span = e.span();
        let text = (self.source.get(span.start as usize..span.end as usize)).unwrap_or("");
        let text: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        match text.char_indices().nth(60) {
            Some((i, _)) => format!("{}...", &text[..i]),
            None => text,
        }
    }

    /// The host of a `.listen(...)` call's arguments, and whether they are one options
    /// object; `None` when the first argument is neither a port nor an object (a path, a
    /// handle, a callback: not a TCP listen isogen reads).
    fn call_host(&self, args: &[Argument<'_>]) -> Option<(ListenHost, bool)> {
        let first = args.first()?.as_expression()?.without_parentheses();
        if let Expression::ObjectExpression(o) = first {
            let mut port = false;
            let mut host = ListenHost::Missing;
            for p in &o.properties {
                let ObjectPropertyKind::ObjectProperty(p) = p else {
                    // `{ ...options }`: what it spreads is not known.
                    return None;
                };
                match p.key.static_name().as_deref() {
                    Some("port") => port = true,
                    Some("host") => host = self.host(&p.value),
                    Some("path") => return None,
                    _ => {}
                }
            }
            return port.then_some((host, true));
        }
        let port_like = matches!(
            first,
            Expression::NumericLiteral(_)
                | Expression::Identifier(_)
                | Expression::StaticMemberExpression(_)
                | Expression::ComputedMemberExpression(_)
                | Expression::LogicalExpression(_)
                | Expression::CallExpression(_)
                | Expression::AwaitExpression(_)
                | Expression::ConditionalExpression(_)
        );
        if !port_like {
            return None;
        }
        let host = match args.get(1).and_then(Argument::as_expression) {
            None => ListenHost::Missing,
            Some(Expression::ArrowFunctionExpression(_) | Expression::FunctionExpression(_)) => {
                ListenHost::Missing
            }
            Some(e) => match self.host(e) {
                // `listen(port, backlog)`, `listen(port, callbackName)`: no host.
                ListenHost::Other(_) if matches!(e, Expression::NumericLiteral(_)) => {
                    ListenHost::Missing
                }
                h => h,
            },
        };
        Some((host, false))
    }
}

/// `process.env.NAME` or `process.env['NAME']`: `NAME`.
fn env_var(e: &Expression<'_>) -> Option<String> {
    let (object, name) = match e {
        Expression::StaticMemberExpression(m) => (&m.object, m.property.name.to_string()),
        Expression::ComputedMemberExpression(m) => {
            (&m.object, literal(&m.expression)?.0.to_string())
        }
        _ => return None,
    };
    let Expression::StaticMemberExpression(env) = object.without_parentheses() else {
        return None;
    };
    let is_env = env.property.name == "env" && env.object.is_specific_id("process");
    is_env.then_some(name)
}

impl<'a> Visit<'a> for Calls<'_> {
    fn visit_variable_declarator(&mut self, it: &VariableDeclarator<'a>) {
        walk::walk_variable_declarator(self, it);
        if let (BindingPattern::BindingIdentifier(b), Some(init)) = (&it.id, &it.init) {
            let host = self.host(init);
            self.names.insert(b.name.to_string(), host);
        }
    }

    fn visit_call_expression(&mut self, it: &CallExpression<'a>) {
        walk::walk_call_expression(self, it);
        let Expression::StaticMemberExpression(m) = it.callee.without_parentheses() else {
            return;
        };
        if m.property.name != "listen" {
            return;
        }
        if let Some((host, options_object)) = self.call_host(&it.arguments) {
            self.out.push(ListenCall {
                line: self.lines.line(m.property.span.start as usize),
                host,
                options_object,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calls(source: &str) -> Vec<(u32, ListenHost, bool)> {
        listen_calls(Path::new("a.ts"), source)
            .unwrap()
            .into_iter()
            .map(|c| (c.line, c.host, c.options_object))
            .collect()
    }

    fn env(var: &str, default: Option<&str>) -> ListenHost {
        ListenHost::Env {
            var: var.into(),
            default: default.map(Into::into),
        }
    }

    #[test]
    fn fastify_options_objects() {
        let src = "await app.listen({ port });\n\
                   await app.listen({ port: 3000, host: '127.0.0.1' });\n\
                   const HOST = process.env.HOST ?? 'localhost';\n\
                   await app.listen({ port: cfg.port, host: HOST });\n\
                   await app.listen({ port, host: process.env['BIND'] || \"0.0.0.0\" });\n\
                   await app.listen({ port, host: config.server.host });\n\
                   server.listen({ path: '/tmp/s.sock' });\n\
                   app.listen({ ...opts });\n";
        assert_eq!(
            calls(src),
            vec![
                (1, ListenHost::Missing, true),
                (2, ListenHost::Literal("127.0.0.1".into()), true),
                (4, env("HOST", Some("localhost")), true),
                (5, env("BIND", Some("0.0.0.0")), true),
                (6, ListenHost::Other("config.server.host".into()), true),
            ]
        );
    }

    #[test]
    fn a_chain_split_over_lines_is_at_the_line_of_its_listen() {
        let src = "http\n  .createServer(handler)\n  .listen(port, '127.0.0.1');\n\
                   app\n  ?.listen (3000);\n";
        assert_eq!(
            calls(src),
            vec![
                (3, ListenHost::Literal("127.0.0.1".into()), false),
                (5, ListenHost::Missing, false),
            ]
        );
    }

    #[test]
    fn the_text_hint_takes_every_member_call_of_listen() {
        for text in [
            "app.listen(3000)",
            "app\n  .listen(3000)",
            "app.\n  listen(3000)",
            "app?.listen(3000)",
            "server.listen (port)",
            "server.listen\n(port)",
            "server.listen<Options>(opts)",
            "addEventListener('x', f); app.listen(1)",
        ] {
            assert!(may_call_listen(text), "{text}");
        }
        for text in [
            "el.addEventListener('click', f)",
            "listen(3000)",
            "const listener = () => {}; emitter.on('x', listener)",
            "// we listen here",
            "this.listening = true",
        ] {
            assert!(!may_call_listen(text), "{text}");
        }
    }

    #[test]
    fn positional_forms() {
        let src = "server.listen(port, '127.0.0.1', () => {});\n\
                   app.listen(3000);\n\
                   app.listen(PORT, () => console.log('up'));\n\
                   const host = process.env.HOST;\n\
                   server.listen(port, host, () => {});\n\
                   app.listen(port, 511);\n\
                   emitter.listen('/tmp/socket');\n\
                   fn(x => x.listen());\n";
        assert_eq!(
            calls(src),
            vec![
                (1, ListenHost::Literal("127.0.0.1".into()), false),
                (2, ListenHost::Missing, false),
                (3, ListenHost::Missing, false),
                (5, env("HOST", None), false),
                (6, ListenHost::Missing, false),
            ]
        );
    }
}
