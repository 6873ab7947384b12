//! Rust source text with its comments blanked: `// ...` to the end of the line and `/* ... */`
//! (nested, as rustc reads them) become spaces, newlines kept, so a text search for a macro
//! or a call finds only code and still reports the right line. Commented-out code is common in
//! real crates (stalwart's `include_bytes!("/tmp/pdf/files/ep.pdf")` inside a `/* ... */` test
//! module) and must not count.
//!
//! It is a lexer for comments only: string literals (`"..."` with escapes, raw `r#"..."#`,
//! byte strings) and character literals are skipped whole, so `"http://x"` or `'"'` stays as
//! it is; it never parses Rust beyond that.

/// `text` with every comment's characters replaced by spaces (newlines kept).
pub(super) fn blank_comments(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let end = match (c, next) {
            ('/', Some('/')) => line_comment_end(&chars, i),
            ('/', Some('*')) => block_comment_end(&chars, i),
            _ => {
                let skip = literal_end(&chars, i).unwrap_or(i + 1);
                out.extend(&chars[i..skip]);
                i = skip;
                continue;
            }
        };
        out.extend(
            chars[i..end]
                .iter()
                .map(|&c| if c == '\n' { '\n' } else { ' ' }),
        );
        i = end;
    }
    out
}

fn line_comment_end(chars: &[char], start: usize) -> usize {
    chars[start..]
        .iter()
        .position(|&c| c == '\n')
        .map_or(chars.len(), |p| start + p)
}

/// The index after the `*/` that closes the block comment opened at `start`, nested ones
/// included (the end of the text when it never closes).
fn block_comment_end(chars: &[char], start: usize) -> usize {
    let mut depth = 0usize;
    let mut i = start;
    while i < chars.len() {
        match (chars[i], chars.get(i + 1).copied()) {
            ('/', Some('*')) => {
                depth += 1;
                i += 2;
            }
            ('*', Some('/')) => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return i;
                }
            }
            _ => i += 1,
        }
    }
    chars.len()
}

/// The index after the string or character literal starting at `start`, if one does
/// (`"..."`, `b"..."`, `r"..."`, `r#"..."#`, `br#"..."#`, `'x'`, `'\n'`); a lifetime (`'a`)
/// is not a literal.
fn literal_end(chars: &[char], start: usize) -> Option<usize> {
    let prev_is_ident = start > 0 && is_ident(chars[start - 1]);
    let mut i = start;
    if chars[i] == 'b' && !prev_is_ident {
        i += 1;
    }
    if chars.get(i) == Some(&'r') && (i > start || !prev_is_ident) {
        let hashes = chars[i + 1..].iter().take_while(|&&c| c == '#').count();
        if chars.get(i + 1 + hashes) == Some(&'"') {
            let body = i + 2 + hashes;
            let closing: Vec<char> = std::iter::once('"')
                .chain(std::iter::repeat_n('#', hashes))
                .collect();
            let end = (body..chars.len())
                .find(|&k| chars[k..].starts_with(&closing))
                .map_or(chars.len(), |k| k + closing.len());
            return Some(end);
        }
    }
    match chars.get(i) {
        Some('"') if i == start || chars[start] == 'b' => Some(quoted_end(chars, i + 1, '"')),
        Some('\'') => char_literal_end(chars, i),
        _ => None,
    }
}

/// The index after the closing `quote` of a literal whose body starts at `body`.
fn quoted_end(chars: &[char], body: usize, quote: char) -> usize {
    let mut k = body;
    while k < chars.len() {
        match chars[k] {
            '\\' => k += 2,
            c if c == quote => return k + 1,
            _ => k += 1,
        }
    }
    chars.len()
}

/// `'x'` or `'\...'` starting at `start`; `None` for a lifetime or label (`'a`, `'outer:`).
fn char_literal_end(chars: &[char], start: usize) -> Option<usize> {
    match chars.get(start + 1) {
        Some('\\') => Some(quoted_end(chars, start + 1, '\'')),
        Some(_) if chars.get(start + 2) == Some(&'\'') => Some(start + 3),
        _ => None,
    }
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

#[cfg(test)]
mod tests {
    use super::blank_comments;

    #[test]
    fn comments_are_blanked_and_code_and_literals_are_kept() {
        let text = "let a = 1; // include_str!(\"x\")\n\
                    /*\n#[cfg(test)]\nmod t { /* nested */ include_bytes!(\"/tmp/a.pdf\"); }\n*/\n\
                    let u = \"http://host/*not a comment*/\";\n\
                    let q = '\"'; let l: &'static str = r#\"// \"still\" a string\"#;\n\
                    include_str!(\"../v.json\");\n";
        let blanked = blank_comments(text);
        assert_eq!(blanked.lines().count(), text.lines().count());
        assert!(!blanked.contains("include_bytes"), "{blanked}");
        assert!(!blanked.contains("include_str!(\"x\")"), "{blanked}");
        assert!(
            blanked.contains("\"http://host/*not a comment*/\""),
            "{blanked}"
        );
        assert!(
            blanked.contains("r#\"// \"still\" a string\"#"),
            "{blanked}"
        );
        assert_eq!(blanked.lines().nth(7), Some("include_str!(\"../v.json\");"));
    }

    #[test]
    fn an_unclosed_comment_or_string_ends_with_the_text() {
        assert_eq!(blank_comments("a /* b"), "a     ");
        assert_eq!(blank_comments("a \"b // c"), "a \"b // c");
        assert_eq!(
            blank_comments("fn f<'a>(x: &'a str) {} // c"),
            "fn f<'a>(x: &'a str) {}     "
        );
    }
}
