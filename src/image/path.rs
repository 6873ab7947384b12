//! Paths inside an image: every path a layer or archive stores (`./app/x`, `app//x/`,
//! `/abs`, `../../etc/passwd`) is turned into one absolute, normalised form. `..` is resolved
//! lexically and clamps at the root, so no entry can name anything outside the image.

/// `/a/b` for `a/b`, `./a/b/`, `/a/./b`, `a/c/../b`, `../../a/b`; `/` for the root itself.
pub(crate) fn normalize(raw: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in raw.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    if parts.is_empty() {
        return "/".to_string();
    }
    let mut out = String::with_capacity(raw.len() + 1);
    for part in parts {
        out.push('/');
        out.push_str(part);
    }
    out
}

/// Normalises a path relative to an archive's root, without the leading `/` (`blobs/sha256/x`),
/// the form archive member names are looked up by.
pub(crate) fn member_name(raw: &str) -> String {
    normalize(raw).trim_start_matches('/').to_string()
}

/// Splits a normalised absolute path into its parent and last component (`/` has no name).
pub(crate) fn split(path: &str) -> (&str, &str) {
    match path.rfind('/') {
        Some(0) => ("/", &path[1..]),
        Some(i) => (&path[..i], &path[i + 1..]),
        None => ("/", path),
    }
}

/// `parent` joined with `name` (`parent` normalised absolute, `name` one component).
pub(crate) fn join(parent: &str, name: &str) -> String {
    if parent == "/" {
        format!("/{name}")
    } else {
        format!("{parent}/{name}")
    }
}

/// `text` with control characters (C0, DEL, C1) and Unicode bidi controls written as escapes
/// (`\n`, `\x1b`, `\u{202e}`), for people's terminals: a crafted file name, label or history
/// line cannot move the cursor, clear a line or draw a fake "passed".
pub fn escape_controls(text: &str) -> std::borrow::Cow<'_, str> {
    let special =
        |c: char| c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    if !text.chars().any(special) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x80 && special(c) => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if special(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_every_spelling_to_one_absolute_path() {
        for raw in [
            "a/b",
            "./a/b/",
            "/a/./b",
            "a//b",
            "a/c/../b",
            "../../a/b",
            "/../a/b",
        ] {
            assert_eq!(normalize(raw), "/a/b", "{raw}");
        }
        assert_eq!(normalize("./"), "/");
        assert_eq!(normalize(".."), "/");
        assert_eq!(normalize(""), "/");
        assert_eq!(member_name("./blobs/sha256/x"), "blobs/sha256/x");
    }

    #[test]
    fn splits_and_joins() {
        assert_eq!(split("/a/b"), ("/a", "b"));
        assert_eq!(split("/a"), ("/", "a"));
        assert_eq!(join("/", "a"), "/a");
        assert_eq!(join("/a", "b"), "/a/b");
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(escape_controls("/app/main.js"), "/app/main.js");
        assert_eq!(
            escape_controls("x\r\x1b[2Kpassed\n\u{202e}"),
            "x\\r\\x1b[2Kpassed\\n\\u{202e}"
        );
        assert_eq!(escape_controls("\u{9b}"), "\\u{9b}");
    }
}
