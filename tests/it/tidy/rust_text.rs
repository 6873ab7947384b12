//! Reading Rust text: comments and the insides of string and char literals become spaces (lines
//! are kept), then the rest splits into identifiers, `::` and single characters.

pub struct Token {
    pub text: String,
    pub line: usize,
}

impl Token {
    pub fn is_ident(&self) -> bool {
        self.text
            .chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_')
    }
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

pub fn strip(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let prev_ident = prefix_blocked(&chars, i);
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
        } else if c == 'r' && !prefix_blocked(&chars, i) && matches!(next, Some('#' | '"')) {
            let hashes = chars[i + 1..].iter().take_while(|&&h| h == '#').count();
            if chars.get(i + 1 + hashes) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            let end: String = std::iter::once('"')
                .chain(std::iter::repeat_n('#', hashes))
                .collect();
            let body_start = i + 2 + hashes;
            let rest: String = chars[body_start..].iter().collect();
            let body_len = rest
                .find(&end)
                .map_or(rest.len(), |b| rest[..b].chars().count());
            out.push('"');
            out.extend(
                chars[body_start..body_start + body_len]
                    .iter()
                    .map(|&c| blank(c)),
            );
            out.push('"');
            i = (body_start + body_len + end.chars().count()).min(chars.len());
            out.extend(std::iter::repeat_n(' ', hashes * 2 + 1));
        } else if c == '"' {
            out.push('"');
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                let skip = if chars[i] == '\\' { 2 } else { 1 };
                let end = (i + skip).min(chars.len());
                out.extend(chars[i..end].iter().map(|&c| blank(c)));
                i += skip;
            }
            out.push('"');
            i += 1;
        } else if c == '\'' && !prev_ident && next == Some('\\') {
            let close = chars[i + 2..]
                .iter()
                .position(|&q| q == '\'')
                .map_or(chars.len(), |p| i + 2 + p);
            out.extend(std::iter::repeat_n(' ', close + 1 - i));
            i = close + 1;
        } else if c == '\'' && !prev_ident && chars.get(i + 2) == Some(&'\'') {
            out.push_str("   ");
            i += 3;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// The character at `i` continues an identifier, so it cannot start a literal (`b` before it
/// is allowed: `br"..."`, `b'x'`).
fn prefix_blocked(chars: &[char], i: usize) -> bool {
    match i.checked_sub(1).map(|p| chars[p]) {
        Some('b') => i >= 2 && is_ident_char(chars[i - 2]),
        Some(c) => is_ident_char(c),
        None => false,
    }
}

pub fn tokenize(code: &str) -> Vec<Token> {
    let chars: Vec<char> = code.chars().collect();
    let mut tokens = Vec::new();
    let mut line = 1;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if is_ident_char(c) {
            let start = i;
            while i < chars.len() && is_ident_char(chars[i]) {
                i += 1;
            }
            let text: String = chars[start..i].iter().collect();
            tokens.push(Token { text, line });
        } else if c == ':' && chars.get(i + 1) == Some(&':') {
            tokens.push(Token {
                text: "::".to_owned(),
                line,
            });
            i += 2;
        } else {
            tokens.push(Token {
                text: c.to_string(),
                line,
            });
            i += 1;
        }
    }
    tokens
}

/// Whether `#[cfg(test)]` is right before token `i` (or before the `pub` there).
pub fn is_cfg_test_before(tokens: &[Token], i: usize) -> bool {
    let text = |k: usize| tokens.get(k).map_or("", |t| t.text.as_str());
    let i = match i.checked_sub(4) {
        // pub(crate) mod x, pub(super) mod x
        Some(p) if text(p) == "pub" && text(p + 1) == "(" && text(i - 1) == ")" => p,
        _ if i > 0 && text(i - 1) == "pub" => i - 1,
        _ => i,
    };
    let texts: Vec<&str> = tokens[..i]
        .iter()
        .rev()
        .take(7)
        .map(|t| t.text.as_str())
        .collect();
    texts == ["]", ")", "test", "(", "cfg", "[", "#"]
}

/// `tokens` without the insides of inline `#[cfg(test)] mod x { ... }` blocks.
pub fn without_inline_tests(tokens: Vec<Token>) -> Vec<Token> {
    let mut kept = Vec::new();
    let mut skip_to_depth = None;
    let mut depth = 0usize;
    for i in 0..tokens.len() {
        let opens_test = tokens[i].text == "mod"
            && tokens.get(i + 2).is_some_and(|t| t.text == "{")
            && is_cfg_test_before(&tokens, i);
        if opens_test && skip_to_depth.is_none() {
            skip_to_depth = Some(depth);
        }
        match tokens[i].text.as_str() {
            "{" => depth += 1,
            "}" => depth = depth.saturating_sub(1),
            _ => {}
        }
        if skip_to_depth.is_none() {
            kept.push(i);
        } else if skip_to_depth == Some(depth) && tokens[i].text == "}" {
            skip_to_depth = None;
        }
    }
    let mut tokens: Vec<Option<Token>> = tokens.into_iter().map(Some).collect();
    kept.into_iter().filter_map(|i| tokens[i].take()).collect()
}
